/**
 * Every borrower of a lending market with its position, for market-wide risk (the liquidation
 * cascade): the borrower set from a subgraph when one is configured (falling back to the chain's
 * logs when it cannot be used), the positions read on chain at one block.
 */
import { resolveBlock } from '../chains/block.js'
import type { ChainClient } from '../chains/client.js'
import type { Deadline } from '../chains/deadline.js'
import type { LogBudget } from '../chains/log-budget.js'
import type { Address } from '../core/address.js'
import { BaseError } from '../core/errors.js'
import type { Position } from '../core/types.js'
import type { ReadCaches } from '../protocols/read-caches.js'
import type { ChainRuntime } from '../protocols/types.js'
import { enumerateBorrowersFromLogs, sortAddresses } from './enumerate-borrowers-from-logs.js'
import { enumerateBorrowersFromSubgraph } from './enumerate-borrowers-from-subgraph.js'
import { resolveMarket } from './market-ref.js'
import { assessFreshness } from './paging.js'
import {
  type MarketPositions,
  type MarketReuse,
  readMarketPositions,
  type UnavailableBorrower,
} from './read-market-positions.js'

/** Params of {@link marketBorrowers}. */
export interface MarketBorrowersParams {
  client: ChainClient
  chain: ChainRuntime
  /** An Aave market id of the chain (e.g. "aave-v3-local") or a Morpho market id (bytes32). */
  market: string
  /** Aave only: the borrowers of this reserve (underlying asset). */
  reserve?: Address
  /** The block positions are read at (and logs read up to); the head when omitted. */
  blockNumber?: bigint
  /** The market's subgraph (GraphQL endpoint); the chain's logs when omitted. */
  subgraphUrl?: string
  /** Subgraph shards paged in parallel. Default 4. */
  shards?: number
  /** Subgraph rows per page. Default 1,000. */
  pageSize?: number
  /** The subgraph is stale when more than this many blocks behind. Default 50. */
  maxLagBlocks?: bigint
  /**
   * When the subgraph is behind `blockNumber` (by any amount), add the borrowers of the Borrow
   * logs after its indexed block, so accounts that borrowed since are not missed. Default true.
   * `stale` still reports the indexer's lag.
   */
  catchUp?: boolean
  fetchFn?: typeof fetch
  /** Logs: first block scanned and blocks per eth_getLogs. */
  fromBlock?: bigint
  logsBlockSpan?: bigint
  /** Who chose `fromBlock` (see `enumerateBorrowersFromLogs`): "request" makes a limit hit a 400. */
  rangeFrom?: 'request' | 'server'
  /** The request's deadline: bounds every upstream call (UPSTREAM_TIMEOUT). */
  deadline?: Deadline
  /** The request's eth_getLogs budget. */
  logBudget?: LogBudget
  /** Positions: users per aggregate3 batch and batches in flight. */
  chunkSize?: number
  concurrency?: number
  /** The adapters' read caches (the root's); the adapters' defaults when omitted. */
  caches?: ReadCaches
  /** Lean positions (see `readMarketPositions`: Aave without liquidation prices). Default false. */
  lean?: boolean
  /** Passed to `readMarketPositions` (Aave: answers known unchanged since an ancestor block). */
  reuse?: MarketReuse | PromiseLike<MarketReuse | undefined>
  /** Passed to `readMarketPositions` (Aave: keep the users' raw getUserReservesData answers). */
  keepUserReserves?: boolean
  /**
   * The candidate set the Borrow logs from `fromBlock` (default) up to `blockNumber` give, when
   * the caller already knows it (an earlier block's enumeration plus the Borrow events since):
   * used as the logs' answer without scanning them. Ignored with a `subgraphUrl`. May be a promise
   * (resolving to undefined: scan the logs after all), awaited beside the market-wide read.
   */
  knownBorrowers?: readonly Address[] | PromiseLike<readonly Address[] | undefined>
  /** The chain head, when the caller has just read it (at or above `blockNumber`): not read again. */
  head?: bigint
}

/** A market's borrowers and their positions at one block. */
export interface MarketBorrowers {
  chain: string
  market: string
  /** Where the borrower set came from. */
  source: 'subgraph' | 'logs'
  /** The candidate borrower set (sorted): every account the source names. */
  borrowers: Address[]
  /** Positions with debt > 0 at `blockNumber`; `owners[i]` holds `positions[i]`. */
  positions: Position[]
  owners: Address[]
  /** Candidates that owe nothing at the block. */
  noDebt: Address[]
  /** Candidates whose position could not be read (never counted as zero). */
  unavailable: UnavailableBorrower[]
  blockNumber: bigint
  /** Unix seconds of that block. */
  timestamp: bigint
  counts: MarketPositions['counts']
  /** Subgraph only: the block it had indexed, how far behind `blockNumber` that is, and whether that is stale. */
  subgraphBlock?: bigint
  lagBlocks?: bigint
  stale?: boolean
  /** Why the subgraph was not used, when one was configured but the logs answered. */
  fallbackReason?: string
  /** Subgraph behind the block: the Borrow logs scanned after its indexed block, and the accounts they added. */
  caughtUp?: { fromBlock: bigint; toBlock: bigint; added: Address[] }
  /** Wall time, ms. */
  timings: { enumerateMs: number; positionsMs: number }
  /** As `readMarketPositions` answers them (Aave). */
  marketAnswers?: MarketPositions['marketAnswers']
  userReserves?: MarketPositions['userReserves']
  contracts?: MarketPositions['contracts']
}

/**
 * Enumerates every borrower of `market` and reads their positions at one block. With a
 * `subgraphUrl` the borrower set comes from the subgraph (sharded, paged); a subgraph behind the
 * chain by more than `maxLagBlocks` is used but flagged `stale` with its lag, and (unless
 * `catchUp: false`) the Borrow logs after its indexed block add who borrowed since; a subgraph with
 * indexing errors, a GraphQL error, or an unreachable one falls back to the chain's Borrow logs,
 * with `fallbackReason`. The positions are always read on chain.
 */
export async function marketBorrowers(params: MarketBorrowersParams): Promise<MarketBorrowers> {
  const { client, chain } = params
  const ref = resolveMarket(chain, params.market, params.reserve)
  // The head once: a block above it is refused before any log range is built.
  const { blockNumber, head } =
    params.head !== undefined && params.blockNumber !== undefined && params.blockNumber <= params.head
      ? { blockNumber: params.blockNumber, head: params.head }
      : await resolveBlock({
          client,
          chain: chain.key,
          ...(params.blockNumber === undefined ? {} : { blockNumber: params.blockNumber }),
          ...(params.deadline ? { deadline: params.deadline } : {}),
        })
  const limits = {
    head,
    ...(params.deadline ? { deadline: params.deadline } : {}),
    ...(params.logBudget ? { logBudget: params.logBudget } : {}),
  }
  const t0 = performance.now()
  let source: MarketBorrowers['source'] = 'logs'
  let borrowers: Address[] | undefined
  let fallbackReason: string | undefined
  let subgraph: Pick<MarketBorrowers, 'subgraphBlock' | 'lagBlocks' | 'stale'> = {}
  let caughtUp: MarketBorrowers['caughtUp']
  if (params.subgraphUrl) {
    let found: Awaited<ReturnType<typeof enumerateBorrowersFromSubgraph>> | undefined
    try {
      found = await enumerateBorrowersFromSubgraph({
        url: params.subgraphUrl,
        market: ref,
        ...(params.shards === undefined ? {} : { shards: params.shards }),
        ...(params.pageSize === undefined ? {} : { pageSize: params.pageSize }),
        ...(params.fetchFn === undefined ? {} : { fetchFn: params.fetchFn }),
      })
    } catch (err) {
      if (!(err instanceof BaseError)) throw err
      fallbackReason = `${err.message}; the borrowers were enumerated from the chain's Borrow logs instead`
    }
    if (found) {
      const fresh = assessFreshness(found.meta.block, blockNumber, params.maxLagBlocks ?? 50n)
      source = 'subgraph'
      borrowers = found.borrowers
      subgraph = { subgraphBlock: found.meta.block, lagBlocks: fresh.lagBlocks, stale: fresh.stale }
      if (fresh.lagBlocks > 0n && params.catchUp !== false) {
        const recent = await enumerateBorrowersFromLogs({
          client,
          chain,
          market: ref,
          fromBlock: found.meta.block + 1n,
          toBlock: blockNumber,
          ...(params.logsBlockSpan === undefined ? {} : { blockSpan: params.logsBlockSpan }),
          ...limits,
        })
        const known = new Set(borrowers.map((b) => b.toLowerCase()))
        const added = recent.borrowers.filter((b) => !known.has(b.toLowerCase()))
        borrowers = sortAddresses([...borrowers, ...added])
        caughtUp = { fromBlock: recent.fromBlock, toBlock: recent.toBlock, added }
      }
    }
  }
  let t1 = performance.now()
  // From the logs (or the caller's known set): a promise the position read awaits only after it
  // has sent the market-wide read, so the two run side by side.
  let fromLogs: Promise<Address[]> | undefined
  if (!borrowers) {
    const enumerate = async () =>
      (
        await enumerateBorrowersFromLogs({
          client,
          chain,
          market: ref,
          toBlock: blockNumber,
          ...(params.fromBlock === undefined ? {} : { fromBlock: params.fromBlock }),
          ...(params.logsBlockSpan === undefined ? {} : { blockSpan: params.logsBlockSpan }),
          ...(params.rangeFrom === undefined ? {} : { rangeFrom: params.rangeFrom }),
          ...limits,
        })
      ).borrowers
    const known = params.subgraphUrl ? undefined : params.knownBorrowers
    fromLogs = (
      known === undefined ? enumerate() : Promise.resolve(known).then((k) => (k ? [...k] : enumerate()))
    ).then((b) => {
      t1 = performance.now()
      return b
    })
    // Awaited by the position read (and below); a failure meanwhile is not an unhandled rejection.
    fromLogs.catch(() => undefined)
  }
  const read = await readMarketPositions({
    client,
    chain,
    market: ref,
    borrowers: borrowers ?? fromLogs!,
    blockNumber,
    ...(params.deadline ? { deadline: params.deadline } : {}),
    ...(params.chunkSize === undefined ? {} : { chunkSize: params.chunkSize }),
    ...(params.concurrency === undefined ? {} : { concurrency: params.concurrency }),
    ...(params.caches === undefined ? {} : { caches: params.caches }),
    ...(params.lean ? { lean: true } : {}),
    ...(params.reuse ? { reuse: params.reuse } : {}),
    ...(params.keepUserReserves ? { keepUserReserves: true } : {}),
  })
  const t2 = performance.now()
  if (!borrowers) borrowers = await fromLogs!
  return {
    chain: chain.key,
    market: ref.id,
    source,
    borrowers,
    positions: read.positions,
    owners: read.owners,
    noDebt: read.noDebt,
    unavailable: read.unavailable,
    blockNumber: read.blockNumber,
    timestamp: read.timestamp,
    counts: read.counts,
    ...subgraph,
    ...(fallbackReason === undefined ? {} : { fallbackReason }),
    ...(caughtUp === undefined ? {} : { caughtUp }),
    timings: { enumerateMs: t1 - t0, positionsMs: t2 - t1 },
    ...(read.marketAnswers === undefined ? {} : { marketAnswers: read.marketAnswers }),
    ...(read.userReserves === undefined ? {} : { userReserves: read.userReserves }),
    ...(read.contracts === undefined ? {} : { contracts: read.contracts }),
  }
}
