/**
 * Morpho's GraphQL API as a discovery source: which markets a wallet holds positions in, without
 * scanning the singleton's logs from its deployment block. Used where configured
 * (`STACKLENS_MORPHO_API_URL`); the payload is validated with zod, and any failure falls back to
 * log discovery (the chain is the truth, the API only saves round trips).
 */

import type { Hex } from 'viem'
import { z } from 'zod'
import type { Address } from '../../core/address.js'
import { BaseError } from '../../core/errors.js'
import { GraphQLClientError as ClientError, GraphQLClient } from '../graphql-client.js'

const QUERY = /* GraphQL */ `
  query StacklensUserMarkets($address: String!, $chainId: Int!) {
    userByAddress(address: $address, chainId: $chainId) {
      marketPositions {
        market {
          uniqueKey
        }
      }
    }
  }
`

/** The part of Morpho's `userByAddress` answer stacklens uses. */
export const morphoUserMarketsSchema = z.object({
  userByAddress: z.object({
    marketPositions: z.array(
      z.object({
        market: z.object({ uniqueKey: z.string().regex(/^0x[0-9a-fA-F]{64}$/, 'a market id (bytes32)') }),
      }),
    ),
  }),
})

/** Params of {@link fetchMorphoApiMarkets}. */
export interface FetchMorphoApiMarketsParams {
  url: string
  chainId: number
  user: Address
  fetchFn?: typeof fetch
  timeoutMs?: number
}

/**
 * The market ids of `user` on `chainId` per Morpho's API. A user the API does not know is an
 * empty list. Throws a coded error (PROTOCOL_READ_FAILED) on transport faults or a payload that
 * does not match the schema.
 */
export async function fetchMorphoApiMarkets(params: FetchMorphoApiMarketsParams): Promise<Hex[]> {
  const fetchFn = params.fetchFn ?? fetch
  const timeoutMs = params.timeoutMs ?? 10_000
  const client = new GraphQLClient(params.url, {
    fetch: (input: Parameters<typeof fetch>[0], init?: RequestInit) =>
      fetchFn(input, { ...init, signal: AbortSignal.timeout(timeoutMs) }),
  })
  let data: unknown
  try {
    data = await client.request(QUERY, { address: params.user, chainId: params.chainId })
  } catch (err) {
    if (err instanceof ClientError) {
      const notFound = err.response.errors?.some((e) =>
        /NOT_FOUND|No results matching/i.test(`${(e as { status?: string }).status ?? ''} ${e.message}`),
      )
      if (notFound) return []
    }
    throw new BaseError(
      'PROTOCOL_READ_FAILED',
      `Morpho API discovery failed: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}`,
      { cause: err, context: { protocol: 'morpho-blue' } },
    )
  }
  const parsed = morphoUserMarketsSchema.safeParse(data)
  if (!parsed.success) {
    throw new BaseError(
      'PROTOCOL_READ_FAILED',
      `Morpho API answered an unexpected payload: ${parsed.error.issues[0]?.path.join('.')}: ${parsed.error.issues[0]?.message}`,
      { context: { protocol: 'morpho-blue' } },
    )
  }
  return [
    ...new Set(parsed.data.userByAddress.marketPositions.map((p) => p.market.uniqueKey.toLowerCase() as Hex)),
  ]
}
