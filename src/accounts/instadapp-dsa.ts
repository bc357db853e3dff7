/**
 * Instadapp DeFi Smart Accounts (Instadapp/dsa-contracts registry/list.sol): InstaList keeps, per
 * owner (every address the account authorises), a doubly linked list of account ids:
 * `userLink(owner)` -> (first, last, count), `userList(owner, id)` -> (prev, next), and
 * `accountAddr(id)` -> the account. The list is walked from both ends at once, two accounts per
 * round trip after the first, at most {@link MAX_DSAS}. Calls, decoders and the walk: pure.
 */
import { encodeFunctionData, parseAbi } from 'viem'
import type { RawCall, RawResult } from '../chains/batch.js'
import type { Address } from '../core/address.js'
import { wordAddress, wordUint } from './decode-word.js'
import type { InstadappListConfig } from './types.js'

/** The ABI subset read (InstaList). */
export const instaListAbi = parseAbi([
  'function userLink(address owner) view returns (uint64 first, uint64 last, uint64 count)',
  'function userList(address owner, uint64 id) view returns (uint64 prev, uint64 next)',
  'function accountAddr(uint64 id) view returns (address)',
])

/** Accounts read per owner at most (the walk stops there and says it was cut). */
export const MAX_DSAS = 20

/** An owner's list head. */
export interface DsaLink {
  first: bigint
  last: bigint
  count: bigint
}

/** `userLink(owner)`. */
export function planDsaLink(cfg: InstadappListConfig, owner: Address): RawCall {
  return {
    target: cfg.list,
    allowFailure: true,
    callData: encodeFunctionData({ abi: instaListAbi, functionName: 'userLink', args: [owner] }),
  }
}

/** The list head, or null when the call failed or answered garbage. */
export function decodeDsaLink(result: RawResult | undefined): DsaLink | null {
  const first = wordUint(result, 0)
  const last = wordUint(result, 1)
  const count = wordUint(result, 2)
  if (first === null || last === null || count === null) return null
  return { first, last, count }
}

/** A walk of one owner's list: what is known so far and where each end stands. */
export interface DsaWalk {
  owner: Address
  /** The count `userLink` states. */
  count: bigint
  /** Ids read so far, by id: the account (null: `accountAddr` answered none). */
  accounts: Map<bigint, Address | null>
  /** The next id to read from the front (0: the front is done). */
  forward: bigint
  /** The next id to read from the back (0: the back is done). */
  backward: bigint
}

/** A walk from the list head (nothing to read when the owner has no account). */
export function startDsaWalk(owner: Address, link: DsaLink): DsaWalk {
  return { owner, count: link.count, accounts: new Map(), forward: link.first, backward: link.last }
}

/** True when the walk has read every account the list holds, met itself, or hit {@link MAX_DSAS}. */
export function dsaWalkDone(walk: DsaWalk): boolean {
  const n = BigInt(walk.accounts.size)
  if (n >= walk.count || walk.accounts.size >= MAX_DSAS) return true
  const f = walk.forward !== 0n && !walk.accounts.has(walk.forward)
  const b = walk.backward !== 0n && !walk.accounts.has(walk.backward)
  return !f && !b
}

/** True when the list holds more accounts than were read (the walk hit {@link MAX_DSAS}). */
export function dsaWalkTruncated(walk: DsaWalk): boolean {
  return BigInt(walk.accounts.size) < walk.count && walk.accounts.size >= MAX_DSAS
}

/** The ids the next round reads (each end's next unread id) and their calls, two per id. */
export function planDsaStep(cfg: InstadappListConfig, walk: DsaWalk): { ids: bigint[]; calls: RawCall[] } {
  if (dsaWalkDone(walk)) return { ids: [], calls: [] }
  const ids = [...new Set([walk.forward, walk.backward])].filter((id) => id !== 0n && !walk.accounts.has(id))
  const room = MAX_DSAS - walk.accounts.size
  const take = ids.slice(0, Math.max(0, room))
  const calls = take.flatMap((id): RawCall[] => [
    {
      target: cfg.list,
      allowFailure: true,
      callData: encodeFunctionData({ abi: instaListAbi, functionName: 'accountAddr', args: [id] }),
    },
    {
      target: cfg.list,
      allowFailure: true,
      callData: encodeFunctionData({ abi: instaListAbi, functionName: 'userList', args: [walk.owner, id] }),
    },
  ])
  return { ids: take, calls }
}

/**
 * The walk after one round: each id's account recorded; the front moves to the `next` of the
 * id it read, the back to the `prev` of its id (0 when a call failed: that end stops).
 */
export function applyDsaStep(walk: DsaWalk, ids: readonly bigint[], results: readonly RawResult[]): DsaWalk {
  const accounts = new Map(walk.accounts)
  const links = new Map<bigint, { prev: bigint; next: bigint } | null>()
  ids.forEach((id, i) => {
    accounts.set(id, wordAddress(results[2 * i]))
    const link = results[2 * i + 1]
    const prev = wordUint(link, 0)
    const next = wordUint(link, 1)
    links.set(id, prev === null || next === null ? null : { prev, next })
  })
  const forward = links.has(walk.forward) ? (links.get(walk.forward)?.next ?? 0n) : walk.forward
  const backward = links.has(walk.backward) ? (links.get(walk.backward)?.prev ?? 0n) : walk.backward
  return { ...walk, accounts, forward, backward }
}

/** The walk's accounts, front to back by id order of the list as read (ids without an account dropped). */
export function dsaAccounts(walk: DsaWalk): Address[] {
  const seen = new Set<string>()
  const out: Address[] = []
  for (const a of walk.accounts.values()) {
    if (a === null || seen.has(a.toLowerCase())) continue
    seen.add(a.toLowerCase())
    out.push(a)
  }
  return out
}
