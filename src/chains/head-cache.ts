/**
 * The highest chain head seen per chain, learnt from every read (the `eth_blockNumber` of a
 * request, the block a batch answered at). A block at or below it exists, so a request pinned to
 * it needs no head read before its discovery: the head check costs a round trip only for a block
 * above everything seen (then the head is read, and a block above it is refused). Heads only
 * grow here: a reorg replaces blocks but does not lower the height of the chain that matters.
 */

import { BoundedCache } from '../core/bounded-cache.js'

/** Highest head seen by chain key. */
export interface HeadCache {
  /** The highest head seen on `chain`, or undefined. */
  get(chain: string): bigint | undefined
  /** Records that `chain` has reached `head` (ignored when not above what was seen). */
  observe(chain: string, head: bigint): void
}

/**
 * A head cache holding at most `maxChains` chains (the configured chains are few; the bound keeps
 * an unexpected key set from growing it: the oldest key is dropped).
 */
export function createHeadCache(maxChains = 1_000): HeadCache {
  const heads = new BoundedCache<string, bigint>(maxChains)
  return {
    get: (chain) => heads.get(chain),
    observe(chain, head) {
      const seen = heads.get(chain)
      if (seen === undefined || head > seen) heads.set(chain, head)
    },
  }
}
