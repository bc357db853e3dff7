/**
 * The block of a time: the last block whose timestamp is at or before it, found by a k-ary
 * search over `eth_getBlockByNumber` headers (15 probes per round, sent in the same tick so they
 * share one JSON-RPC batch POST: about log16(range) round trips, 6 for 20 M blocks), with the
 * timestamps of blocks deep enough below the head cached per client. Also: which RPC errors mean
 * "this node cannot serve state that old" (a pruned, non-archive node).
 */

import { BaseError, type BaseErrorOptions } from '../core/errors.js'
import { getBlockTimestamp } from './block.js'
import type { ChainClient } from './client.js'
import { perClientCache } from './client-cache.js'
import type { Deadline } from './deadline.js'

/** Probes per search round: with the round's own header they fit one 16-call JSON-RPC POST. */
export const BLOCK_SEARCH_FAN_OUT = 15

/**
 * Blocks at least this far below the head have their timestamps cached (a reorg or an anvil
 * revert may still change the newer ones).
 */
export const BLOCK_TIME_CACHE_DEPTH = 64n

/** Timestamps kept per client. */
export const BLOCK_TIME_CACHE_ENTRIES = 4096

const cacheOf = perClientCache<bigint, bigint>(BLOCK_TIME_CACHE_ENTRIES)

/** A block and its timestamp (Unix seconds). */
export interface BlockTime {
  blockNumber: bigint
  /** Unix seconds. */
  timestamp: bigint
}

/** Params of {@link findBlockByTimestamp}. */
export interface FindBlockByTimestampParams {
  client: ChainClient
  chain: string
  /** Unix seconds. */
  timestamp: bigint
  /** The chain head and its time (read once by the caller for every search of a request). */
  head: BlockTime
  /** A block known at or before the answer (narrows the search); block 0 when omitted. */
  lowerBound?: BlockTime
  deadline?: Deadline
}

/** Counts of one search, for tests and budgets. */
export interface BlockSearchStats {
  /** Search rounds (each one JSON-RPC batch POST at most). */
  rounds: number
  /** Headers asked for (cache misses). */
  headers: number
}

/**
 * The last block with `timestamp <= params.timestamp`: the head when the time is at or after the
 * head's; null when the time is before `lowerBound` (block 0 by default: before the chain began).
 * Timestamps of blocks {@link BLOCK_TIME_CACHE_DEPTH} or more below the head are cached per client.
 * @throws RPC errors of the header reads (coded, naming the chain).
 */
export async function findBlockByTimestamp(
  params: FindBlockByTimestampParams,
  stats: BlockSearchStats = { rounds: 0, headers: 0 },
): Promise<BlockTime | null> {
  const { client, chain, timestamp: target, head } = params
  if (target >= head.timestamp) return head
  const cache = cacheOf(client)
  const timeOf = async (n: bigint): Promise<bigint> => {
    if (n === head.blockNumber) return head.timestamp
    const hit = cache.get(n)
    if (hit !== undefined) return hit
    stats.headers += 1
    const ts = await getBlockTimestamp({
      client,
      chain,
      blockNumber: n,
      ...(params.deadline ? { deadline: params.deadline } : {}),
    })
    if (head.blockNumber - n >= BLOCK_TIME_CACHE_DEPTH) cache.set(n, ts)
    return ts
  }
  let lo: BlockTime
  if (params.lowerBound) lo = params.lowerBound
  else {
    stats.rounds += 1
    lo = { blockNumber: 0n, timestamp: await timeOf(0n) }
  }
  if (target < lo.timestamp) return null
  let hi = head
  // Invariant: lo.timestamp <= target < hi.timestamp.
  while (hi.blockNumber - lo.blockNumber > 1n) {
    const gap = hi.blockNumber - lo.blockNumber
    const k = gap - 1n < BigInt(BLOCK_SEARCH_FAN_OUT) ? gap - 1n : BigInt(BLOCK_SEARCH_FAN_OUT)
    const probes: bigint[] = []
    for (let i = 1n; i <= k; i++) probes.push(lo.blockNumber + (gap * i) / (k + 1n))
    stats.rounds += 1
    const times = await Promise.all(probes.map(timeOf))
    let next = { lo, hi }
    for (const [i, n] of probes.entries()) {
      const ts = times[i] as bigint
      if (ts <= target) next = { lo: { blockNumber: n, timestamp: ts }, hi }
      else {
        next = { lo: next.lo, hi: { blockNumber: n, timestamp: ts } }
        break
      }
    }
    lo = next.lo
    hi = next.hi
  }
  return lo
}

/**
 * The messages nodes answer when the state (or header) of an old block is gone: geth/erigon
 * "missing trie node", "header not found", "state not available", Nethermind/Besu "state is not
 * available" / "world state ... not available", "pruned", Alchemy/Infura "historical state ...
 * not available", "required historical state unavailable", and "not an archive node".
 */
export const MISSING_STATE_PATTERN =
  /missing trie node|header not found|state (is )?not available|world state .*not available|historical state|state unavailable|pruned|not an archive node|state histor(y|ic) .*(unavailable|not available)/i

/** The RPC node of a chain cannot serve state at a block (502-class: configure an archive RPC). */
export class ArchiveStateUnavailableError extends BaseError {
  override name = 'ArchiveStateUnavailableError'
  constructor(chain: string, blockNumber: bigint, options: BaseErrorOptions = {}) {
    super(
      'ARCHIVE_STATE_UNAVAILABLE',
      `the RPC node of chain "${chain}" cannot serve the state at block ${blockNumber} (it keeps no history that old: not an archive node); configure an archive RPC for this chain, or ask for a more recent range`,
      { ...options, context: { chain, ...(options.context ?? {}) } },
    )
  }
}

/**
 * `err` as an {@link ArchiveStateUnavailableError} when its message (or its cause's) says the
 * node has no state at the block; otherwise `err` unchanged.
 */
export function asArchiveError(err: unknown, chain: string, blockNumber: bigint): unknown {
  if (!(err instanceof Error)) return err
  const cause = err.cause instanceof Error ? err.cause.message : ''
  if (!MISSING_STATE_PATTERN.test(`${err.message} ${cause}`)) return err
  return new ArchiveStateUnavailableError(chain, blockNumber, { cause: err })
}
