/** The last block at or before a time: interpolation search over block headers, bounded. */

import { getBlockTimestamp } from './block.js'
import type { ChainClient } from './client.js'
import type { Deadline } from './deadline.js'

/** Params of {@link findBlockAtOrBefore}. */
export interface FindBlockAtOrBeforeParams {
  client: ChainClient
  chain: string
  /** Unix seconds. */
  timestamp: bigint
  /** A known upper block and its time (the report's pinned block). */
  upper: { blockNumber: bigint; timestamp: bigint }
  deadline?: Deadline | undefined
  /** Header reads at most (each one eth_getBlockByNumber); default 32. */
  maxReads?: number
}

/** What {@link findBlockAtOrBefore} found. */
export interface BlockAtTime {
  blockNumber: bigint
  /** Unix seconds of that block. */
  timestamp: bigint
  /** The chain's first block is after the asked time: this is block 0, later than asked. */
  clamped: boolean
  /** Header reads it took. */
  reads: number
}

/**
 * The last block whose timestamp is <= `timestamp` (block 0 when the chain starts later,
 * `clamped`), by interpolation search alternated with bisection (so it always halves the range
 * at least every other read), in at most `maxReads` header reads; past them, the best lower bound
 * found. Errors of the RPC propagate (coded by {@link getBlockTimestamp}).
 */
export async function findBlockAtOrBefore(params: FindBlockAtOrBeforeParams): Promise<BlockAtTime> {
  const { client, chain, timestamp, upper } = params
  const maxReads = params.maxReads ?? 32
  const read = (blockNumber: bigint) =>
    getBlockTimestamp({
      client,
      chain,
      blockNumber,
      ...(params.deadline ? { deadline: params.deadline } : {}),
    })
  if (upper.timestamp <= timestamp) return { ...upper, clamped: false, reads: 0 }
  let reads = 1
  let lo = { blockNumber: 0n, timestamp: await read(0n) }
  if (lo.timestamp > timestamp) return { ...lo, clamped: true, reads }
  let hi = upper
  while (hi.blockNumber - lo.blockNumber > 1n && reads < maxReads) {
    const span = hi.blockNumber - lo.blockNumber
    let guess =
      reads % 2 === 1 && hi.timestamp > lo.timestamp
        ? lo.blockNumber + ((timestamp - lo.timestamp) * span) / (hi.timestamp - lo.timestamp)
        : lo.blockNumber + span / 2n
    if (guess <= lo.blockNumber) guess = lo.blockNumber + 1n
    if (guess >= hi.blockNumber) guess = hi.blockNumber - 1n
    const ts = await read(guess)
    reads++
    if (ts <= timestamp) lo = { blockNumber: guess, timestamp: ts }
    else hi = { blockNumber: guess, timestamp: ts }
  }
  return { ...lo, clamped: false, reads }
}
