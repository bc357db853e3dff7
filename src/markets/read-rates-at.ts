/** Wrapper rates at one block, for a market-wide read whose positions were read at that block. */
import type { RateCall } from '../assets/rates.js'
import { executeBatch } from '../chains/batch.js'
import type { ChainClient } from '../chains/client.js'
import type { Deadline } from '../chains/deadline.js'
import { decodeRates } from '../protocols/read-wallet.js'
import type { ChainRuntime } from '../protocols/types.js'

/** Params of {@link readRatesAt}. */
export interface ReadRatesAtParams {
  client: ChainClient
  chain: ChainRuntime
  /** The asset graph's rate calls of the chain. */
  calls: readonly RateCall[]
  blockNumber: bigint
  /** The request's deadline: bounds the batch (UPSTREAM_TIMEOUT). */
  deadline?: Deadline
}

/**
 * Reads `calls` in one aggregate3 batch pinned to `blockNumber` (no round trip when there are
 * none): WAD rates by asset key, and the keys whose call failed.
 */
export async function readRatesAt(
  params: ReadRatesAtParams,
): Promise<{ rates: Record<string, bigint>; failures: string[] }> {
  const { client, chain, calls } = params
  if (calls.length === 0) return { rates: {}, failures: [] }
  const batch = await executeBatch({
    client,
    chain: chain.key,
    multicall3: chain.multicall3,
    calls: calls.map((c) => ({ target: c.target, callData: c.callData, allowFailure: true })),
    blockNumber: params.blockNumber,
    ...(params.deadline ? { deadline: params.deadline } : {}),
  })
  return decodeRates(calls, batch.results)
}
