/**
 * The deployment block of a contract: the first block whose state holds code at its address,
 * found by a k-ary search over `eth_getCode` at past blocks ({@link BLOCK_SEARCH_FAN_OUT} probes
 * per round, sent in the same tick so they share one JSON-RPC batch POST: about log16(head)
 * round trips, 7 for 24 M blocks). Old state needs an archive node: a pruned node's "missing
 * trie node" (and the like) becomes {@link ArchiveStateUnavailableError}.
 *
 * Used where a market-wide enumeration scans a contract's events from its deployment and the
 * protocol's own records do not state that block (Compound's Comet deployment records).
 * Assumes code, once there, stays (no SELFDESTRUCT-and-redeploy at the address).
 */

import type { Address } from '../core/address.js'
import { rpcRequest } from './block.js'
import { asArchiveError, BLOCK_SEARCH_FAN_OUT } from './block-by-time.js'
import type { ChainClient } from './client.js'
import { perClientCache } from './client-cache.js'
import type { Deadline } from './deadline.js'

/**
 * Deployment blocks at least this far below the head the search ran at are cached (a reorg or an
 * anvil revert may still undo a newer deployment).
 */
export const DEPLOYMENT_BLOCK_CACHE_DEPTH = 64n

/** Deployment blocks kept per client. */
export const DEPLOYMENT_BLOCK_CACHE_ENTRIES = 1024

const cacheOf = perClientCache<string, bigint>(DEPLOYMENT_BLOCK_CACHE_ENTRIES)

/** Params of {@link findDeploymentBlock}. */
export interface FindDeploymentBlockParams {
  client: ChainClient
  /** The chain key (error messages, cache). */
  chain: string
  address: Address
  /** The block the answer is pinned to: the search looks at blocks 0..head. */
  head: bigint
  deadline?: Deadline | undefined
}

/** What a {@link findDeploymentBlock} call cost. */
export interface DeploymentSearchStats {
  /** Search rounds (each one JSON-RPC batch POST at most). */
  rounds: number
  /** `eth_getCode` calls made. */
  calls: number
}

/**
 * The first block at or below `head` with code at `address`; null when it has no code at `head`
 * (not deployed yet, or not a contract). Cached per client once the block is
 * {@link DEPLOYMENT_BLOCK_CACHE_DEPTH} below `head`.
 * @throws ArchiveStateUnavailableError (502) when the node cannot serve a past block's state;
 *   the RPC's other coded errors (naming the chain, never the URL).
 */
export async function findDeploymentBlock(
  params: FindDeploymentBlockParams,
  stats: DeploymentSearchStats = { rounds: 0, calls: 0 },
): Promise<bigint | null> {
  const { client, chain, address, head } = params
  const key = address.toLowerCase()
  const cache = cacheOf(client)
  const hit = cache.get(key)
  if (hit !== undefined && hit <= head) return hit
  const hasCode = async (blockNumber: bigint): Promise<boolean> => {
    stats.calls += 1
    try {
      const code = await rpcRequest<unknown>({
        client,
        chain,
        blockNumber,
        ...(params.deadline ? { deadline: params.deadline } : {}),
        args: { method: 'eth_getCode', params: [address, `0x${blockNumber.toString(16)}`] },
      })
      return typeof code === 'string' && code !== '0x' && code !== '0x0' && code.length > 2
    } catch (err) {
      throw asArchiveError(err, chain, blockNumber)
    }
  }
  stats.rounds += 1
  if (!(await hasCode(head))) return null
  // Invariant: no code at lo (or lo = -1), code at hi.
  let lo = -1n
  let hi = head
  while (hi - lo > 1n) {
    const gap = hi - lo
    const k = gap - 1n < BigInt(BLOCK_SEARCH_FAN_OUT) ? gap - 1n : BigInt(BLOCK_SEARCH_FAN_OUT)
    const probes: bigint[] = []
    for (let i = 1n; i <= k; i++) probes.push(lo + (gap * i) / (k + 1n))
    stats.rounds += 1
    const found = await Promise.all(probes.map(hasCode))
    const first = found.indexOf(true)
    if (first === -1) lo = probes[probes.length - 1] as bigint
    else {
      hi = probes[first] as bigint
      if (first > 0) lo = probes[first - 1] as bigint
    }
  }
  if (head - hi >= DEPLOYMENT_BLOCK_CACHE_DEPTH) cache.set(key, hi)
  return hi
}
