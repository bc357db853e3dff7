/** One aggregate3 batch of rate getters pinned to the report's block (adapters' `readRates`). */
import { executeBatch, type RawCall, type RawResult } from '../chains/batch.js'
import type { RateReadContext } from './types.js'

/**
 * Runs `calls` (each allowed to fail) as one aggregate3 batch at `ctx.blockNumber`; no round trip
 * when there are none. Errors of `executeBatch` (RPC down, block out of range) propagate.
 */
export async function readRateBatch(ctx: RateReadContext, calls: readonly RawCall[]): Promise<RawResult[]> {
  if (calls.length === 0) return []
  const batch = await executeBatch({
    client: ctx.client,
    chain: ctx.chain.key,
    multicall3: ctx.chain.multicall3,
    calls,
    blockNumber: ctx.blockNumber,
    ...(ctx.deadline ? { deadline: ctx.deadline } : {}),
  })
  return batch.results
}

/** The `i`-th 32-byte word of ABI return data as an unsigned integer; undefined past its end. */
export function wordAt(data: `0x${string}`, i: number): bigint | undefined {
  const start = 2 + i * 64
  if (data.length < start + 64) return undefined
  return BigInt(`0x${data.slice(start, start + 64)}`)
}
