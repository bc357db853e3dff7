/**
 * Summer.fi DeFi Position Manager accounts (OasisDEX/oasis-earn-sc dma-contracts dpm/):
 * `AccountFactory.createAccount(user)` emits `AccountCreated(address indexed proxy, address
 * indexed user, uint256 indexed vaultId)`; `AccountGuard.changeOwner(newOwner, proxy)` emits
 * `ProxyOwnershipTransferred(address indexed newOwner, address indexed oldAddress, address
 * indexed proxy)`; `AccountGuard.owners(proxy)` is the owner now. Candidates come from both
 * events filtered by the owner (topic), each confirmed by `owners(proxy)`. Filters, calls and
 * decoders: pure.
 */
import { encodeFunctionData, getAddress, type Hex, pad, parseAbi, toEventSelector } from 'viem'
import type { RawCall, RawResult } from '../chains/batch.js'
import { type Address, sameAddress } from '../core/address.js'
import { wordAddress } from './decode-word.js'
import type { SummerDpmConfig } from './types.js'

/** The ABI subset read (AccountFactory event, AccountGuard). */
export const summerDpmAbi = parseAbi([
  'event AccountCreated(address indexed proxy, address indexed user, uint256 indexed vaultId)',
  'event ProxyOwnershipTransferred(address indexed newOwner, address indexed oldAddress, address indexed proxy)',
  'function owners(address proxy) view returns (address)',
])

/** topic0 of `AccountCreated(address,address,uint256)`. */
export const ACCOUNT_CREATED_TOPIC = toEventSelector(summerDpmAbi[0])
/** topic0 of `ProxyOwnershipTransferred(address,address,address)`. */
export const PROXY_OWNERSHIP_TRANSFERRED_TOPIC = toEventSelector(summerDpmAbi[1])

/** One eth_getLogs filter without its block range. */
export interface LogFilter {
  address: Address
  topics: (Hex | null)[]
}

/** A log as eth_getLogs answers it (the fields read). */
export interface RawLog {
  topics: Hex[]
  /** Hex quantity; null for a pending log. */
  blockNumber: Hex | null
}

/**
 * The two filters of an owner's DPM accounts: accounts created for it (factory, topic2 = user)
 * and accounts transferred to it (guard, topic1 = newOwner).
 */
export function dpmLogFilters(
  cfg: SummerDpmConfig,
  owner: Address,
): { created: LogFilter; transferred: LogFilter } {
  const topic = pad(owner.toLowerCase() as Hex, { size: 32 })
  return {
    created: { address: cfg.factory, topics: [ACCOUNT_CREATED_TOPIC, null, topic] },
    transferred: { address: cfg.guard, topics: [PROXY_OWNERSHIP_TRANSFERRED_TOPIC, topic] },
  }
}

/**
 * The candidate accounts in `logs` of either filter, deduplicated, in first-seen order; logs after
 * `toBlock` (a scan to `latest` that ran past the pinned block) and malformed ones are dropped.
 */
export function decodeDpmCandidates(logs: readonly RawLog[], toBlock: bigint): Address[] {
  const out = new Map<string, Address>()
  for (const log of logs) {
    if (log.blockNumber === null || BigInt(log.blockNumber) > toBlock) continue
    const t0 = log.topics[0]?.toLowerCase()
    const proxyTopic =
      t0 === ACCOUNT_CREATED_TOPIC
        ? log.topics[1]
        : t0 === PROXY_OWNERSHIP_TRANSFERRED_TOPIC
          ? log.topics[3]
          : undefined
    if (proxyTopic?.length !== 66 || !/^0x0{24}/i.test(proxyTopic)) continue
    const proxy = getAddress(`0x${proxyTopic.slice(26)}`)
    if (!out.has(proxy.toLowerCase())) out.set(proxy.toLowerCase(), proxy)
  }
  return [...out.values()]
}

/** `owners(proxy)` on the guard. */
export function planDpmOwner(cfg: SummerDpmConfig, proxy: Address): RawCall {
  return {
    target: cfg.guard,
    allowFailure: true,
    callData: encodeFunctionData({ abi: summerDpmAbi, functionName: 'owners', args: [proxy] }),
  }
}

/** True when the guard names `owner` as the account's owner now. */
export function confirmsDpmOwner(result: RawResult | undefined, owner: Address): boolean {
  const current = wordAddress(result)
  return current !== null && sameAddress(current, owner)
}
