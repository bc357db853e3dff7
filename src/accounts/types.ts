/**
 * Smart accounts: the contracts a wallet's leverage often sits in (a DeFi Saver / Maker DSProxy,
 * an Instadapp DSA, a Summer.fi DPM account, a Safe) instead of the owner's own address, and the
 * per-chain registries stacklens finds them through. Types only.
 */
import type { Address } from '../core/address.js'

import type { AccountKind } from '../core/types.js'

export type { AccountKind }

/** The kinds of smart account (every {@link AccountKind} but the owner's own address). */
export type SmartAccountKind = Exclude<AccountKind, 'eoa'>

/** A smart account found for an owner, and the registry that revealed it. */
export interface SmartAccount {
  address: Address
  kind: SmartAccountKind
  /** The registry contract that names it (DSProxy ProxyRegistry, InstaList, DPM AccountGuard). */
  registry: Address
}

/** The DSProxy ProxyRegistry of a chain. */
export interface DsProxyRegistryConfig {
  /** `ProxyRegistry`: `proxies(owner) -> DSProxy`; the proxy's `owner()` confirms it. */
  registry: Address
  /** Where the address comes from (deployment records). */
  source: string
}

/** Instadapp's account list of a chain. */
export interface InstadappListConfig {
  /** `InstaList`: `userLink(owner)`, `userList(owner, id)`, `accountAddr(id)`. */
  list: Address
  source: string
}

/** Summer.fi's DeFi Position Manager (DPM) of a chain. */
export interface SummerDpmConfig {
  /** `AccountFactory`: emits `AccountCreated(proxy indexed, user indexed, vaultId indexed)`. */
  factory: Address
  /** `AccountGuard`: `owners(proxy)` is the account's current owner. */
  guard: Address
  /** First block worth scanning (at or before the factory's deployment). */
  fromBlock: bigint
  /** Largest block span of one eth_getLogs request when a provider refuses the whole range. */
  logsBlockSpan: bigint
  source: string
}

/** The smart-account registries of one chain (a kind absent: not looked for on that chain). */
export interface AccountRegistries {
  dsProxy?: DsProxyRegistryConfig
  instadapp?: InstadappListConfig
  summerDpm?: SummerDpmConfig
}
