/**
 * DSProxy (makerdao/ds-proxy; the proxies DeFi Saver and Maker's CDP portal build through the
 * ProxyRegistry): `ProxyRegistry.proxies(owner)` names the proxy built for an owner and keeps it
 * after a transfer, so the proxy's own `owner()` confirms it. Calls and decoders: pure.
 */
import { encodeFunctionData, parseAbi } from 'viem'
import type { RawCall, RawResult } from '../chains/batch.js'
import { type Address, sameAddress } from '../core/address.js'
import { wordAddress } from './decode-word.js'
import type { DsProxyRegistryConfig } from './types.js'

/** The ABI subset read (ProxyRegistry, DSProxy/DSAuth). */
export const dsProxyAbi = parseAbi([
  'function proxies(address owner) view returns (address)',
  'function owner() view returns (address)',
])

/** `proxies(owner)` on the registry. */
export function planDsProxyLookup(cfg: DsProxyRegistryConfig, owner: Address): RawCall {
  return {
    target: cfg.registry,
    allowFailure: true,
    callData: encodeFunctionData({ abi: dsProxyAbi, functionName: 'proxies', args: [owner] }),
  }
}

/** The proxy `proxies(owner)` answered, or null (none built, a revert, garbage). */
export function decodeDsProxyLookup(result: RawResult | undefined): Address | null {
  return wordAddress(result)
}

/** `owner()` on the proxy. */
export function planDsProxyOwner(proxy: Address): RawCall {
  return {
    target: proxy,
    allowFailure: true,
    callData: encodeFunctionData({ abi: dsProxyAbi, functionName: 'owner' }),
  }
}

/** True when the proxy's `owner()` answered `owner` (a transferred proxy is not the owner's). */
export function confirmsDsProxyOwner(result: RawResult | undefined, owner: Address): boolean {
  const current = wordAddress(result)
  return current !== null && sameAddress(current, owner)
}
