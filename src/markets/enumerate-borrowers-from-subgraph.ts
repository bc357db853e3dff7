/**
 * Borrower enumeration from an indexer: the Aave v3 subgraph (aave/protocol-subgraphs,
 * `userReserves` with `currentTotalDebt_gt: 0`) or the Morpho Blue subgraph
 * (morpho-org/morpho-blue-subgraph, `positions` with `side: BORROWER, shares_gt: 0`). The id
 * space is split into shards paged in parallel by an `id_gt` cursor, every page pinned to the
 * block the indexer reported in `_meta`. The indexer gives the borrower SET only: positions are
 * read on chain. Payloads are validated with zod.
 */

import { z } from 'zod'
import type { Address } from '../core/address.js'
import { BaseError } from '../core/errors.js'
import { GraphQLClientError as ClientError, GraphQLClient } from '../protocols/graphql-client.js'
import { sortAddresses } from './enumerate-borrowers-from-logs.js'
import type { MarketRef } from './market-ref.js'
import { mapLimit, type PageFilter, pageShard, splitIdSpace } from './paging.js'

/** The indexer could not be used: transport fault, GraphQL error, indexing errors, odd payload. */
export class SubgraphError extends BaseError {
  override name = 'SubgraphError'
  constructor(message: string, cause?: unknown) {
    super('PROTOCOL_READ_FAILED', message, { cause })
  }
}

const META_QUERY = /* GraphQL */ `
  query StacklensMeta {
    _meta {
      block {
        number
        hash
      }
      deployment
      hasIndexingErrors
    }
  }
`

/**
 * Aave v3 subgraph: a UserReserve id is user + underlying asset + pool (the PoolAddressesProvider),
 * lowercase hex, so the id space shards by the user's address.
 */
const AAVE_QUERY = /* GraphQL */ `
  query StacklensAaveBorrowers($first: Int!, $where: UserReserve_filter!, $block: Block_height) {
    userReserves(first: $first, orderBy: id, orderDirection: asc, where: $where, block: $block) {
      id
      user {
        id
      }
      currentTotalDebt
    }
  }
`

/**
 * Morpho Blue subgraph (Messari lending schema): a Position id is
 * `{account}-{market}-{side}-{counter}`, so it also shards by the account's address.
 */
const MORPHO_QUERY = /* GraphQL */ `
  query StacklensMorphoBorrowers($first: Int!, $where: Position_filter!, $block: Block_height) {
    positions(first: $first, orderBy: id, orderDirection: asc, where: $where, block: $block) {
      id
      account {
        id
      }
      shares
    }
  }
`

const hexAddress = z.string().regex(/^0x[0-9a-fA-F]{40}$/, 'an address')
const bigintString = z.string().regex(/^\d+$/, 'a BigInt as a decimal string')

/** `_meta` of a Graph indexer. */
export const subgraphMetaSchema = z.object({
  _meta: z.object({
    block: z.object({ number: z.number().int().nonnegative(), hash: z.string().nullable().optional() }),
    deployment: z.string().optional(),
    hasIndexingErrors: z.boolean(),
  }),
})

const aavePageSchema = z.object({
  userReserves: z.array(
    z.object({ id: z.string(), user: z.object({ id: hexAddress }), currentTotalDebt: bigintString }),
  ),
})

const morphoPageSchema = z.object({
  positions: z.array(
    z.object({ id: z.string(), account: z.object({ id: hexAddress }), shares: bigintString.nullable() }),
  ),
})

/** The indexer's own state. */
export interface SubgraphMeta {
  /** The block the indexer has processed up to. */
  block: bigint
  deployment?: string
  hasIndexingErrors: boolean
}

/** Params of {@link enumerateBorrowersFromSubgraph}. */
export interface EnumerateBorrowersFromSubgraphParams {
  url: string
  market: MarketRef
  /** Shards of the id space paged in parallel (1..256). Default 4. */
  shards?: number
  /** Rows per page (`first`); Graph nodes cap it at 1,000. Default 1,000. */
  pageSize?: number
  /** Pages in flight across shards. Default: the number of shards. */
  concurrency?: number
  fetchFn?: typeof fetch
  /** Per request, ms. Default 15,000. */
  timeoutMs?: number
}

/** The borrower set per the indexer. */
export interface BorrowersFromSubgraph {
  borrowers: Address[]
  meta: SubgraphMeta
  /** Rows read (one per user and reserve for Aave), pages requested, shards. */
  rows: number
  pages: number
  shards: number
}

function describe(err: unknown): string {
  if (err instanceof ClientError) {
    const first = err.response.errors?.[0]?.message
    return first ? `GraphQL error: ${first}` : `HTTP ${err.response.status}`
  }
  return err instanceof Error ? err.message.split('\n')[0]! : String(err)
}

/** Reads `_meta` of the indexer at `url`. Throws {@link SubgraphError}. */
export async function fetchSubgraphMeta(client: GraphQLClient): Promise<SubgraphMeta> {
  let data: unknown
  try {
    data = await client.request(META_QUERY)
  } catch (err) {
    throw new SubgraphError(`the subgraph's _meta could not be read: ${describe(err)}`, err)
  }
  const parsed = subgraphMetaSchema.safeParse(data)
  if (!parsed.success)
    throw new SubgraphError(`the subgraph answered an unexpected _meta: ${parsed.error.issues[0]?.message}`)
  const m = parsed.data._meta
  return {
    block: BigInt(m.block.number),
    hasIndexingErrors: m.hasIndexingErrors,
    ...(m.deployment === undefined ? {} : { deployment: m.deployment }),
  }
}

/**
 * Enumerates a market's borrowers from its subgraph: reads `_meta` (refusing an indexer with
 * indexing errors), then pages every shard of the id space with `first: pageSize` and an `id_gt`
 * cursor, all pinned to `block: { number: _meta.block }` so the shards see one indexed state.
 * Throws {@link SubgraphError} on any transport fault, GraphQL error or unexpected payload.
 */
export async function enumerateBorrowersFromSubgraph(
  params: EnumerateBorrowersFromSubgraphParams,
): Promise<BorrowersFromSubgraph> {
  const { market } = params
  const fetchFn = params.fetchFn ?? fetch
  const timeoutMs = params.timeoutMs ?? 15_000
  const client = new GraphQLClient(params.url, {
    fetch: (input: Parameters<typeof fetch>[0], init?: RequestInit) =>
      fetchFn(input, { ...init, signal: AbortSignal.timeout(timeoutMs) }),
  })
  const meta = await fetchSubgraphMeta(client)
  if (meta.hasIndexingErrors) {
    throw new SubgraphError(
      `the subgraph reports indexing errors (_meta.hasIndexingErrors at block ${meta.block}): its data may be incomplete`,
    )
  }
  const block = { number: Number(meta.block) }
  const pageSize = params.pageSize ?? 1000
  const shards = splitIdSpace(params.shards ?? 4)

  const fetchPage = async (
    filter: PageFilter,
    first: number,
  ): Promise<{ id: string; borrower: string }[]> => {
    try {
      if (market.kind === 'aave-v3') {
        const where: Record<string, unknown> = {
          ...filter,
          pool: market.config.poolAddressesProvider.toLowerCase(),
          currentTotalDebt_gt: '0',
        }
        if (market.reserve) {
          where.reserve = `${market.reserve.toLowerCase()}${market.config.poolAddressesProvider.toLowerCase()}`
        }
        const data = aavePageSchema.parse(await client.request(AAVE_QUERY, { first, where, block }))
        return data.userReserves.map((r) => ({ id: r.id, borrower: r.user.id }))
      }
      const where = { ...filter, market: market.id, side: 'BORROWER', shares_gt: '0' }
      const data = morphoPageSchema.parse(await client.request(MORPHO_QUERY, { first, where, block }))
      return data.positions.map((p) => ({ id: p.id, borrower: p.account.id }))
    } catch (err) {
      if (err instanceof z.ZodError) {
        throw new SubgraphError(
          `the subgraph answered an unexpected page: ${err.issues[0]?.path.join('.')}: ${err.issues[0]?.message}`,
        )
      }
      throw new SubgraphError(`a subgraph page could not be read: ${describe(err)}`, err)
    }
  }

  const perShard = await mapLimit(shards, params.concurrency ?? shards.length, async (shard) => {
    try {
      return await pageShard({ shard, pageSize, fetchPage })
    } catch (err) {
      if (err instanceof SubgraphError) throw err
      throw new SubgraphError(`the subgraph's paging broke: ${describe(err)}`, err)
    }
  })
  const rows = perShard.flatMap((s) => s.rows)
  return {
    borrowers: sortAddresses(rows.map((r) => r.borrower)),
    meta,
    rows: rows.length,
    pages: perShard.reduce((a, s) => a + s.pages, 0),
    shards: shards.length,
  }
}
