import type { Chain } from 'viem'
import { arbitrum, avalanche, base, foundry, gnosis, mainnet, optimism, polygon } from 'viem/chains'
import type { Address } from '../core/address.js'

/** Keys of the chains stacklens knows. `local` is the devchain. */
export const CHAIN_KEYS = [
  'ethereum',
  'arbitrum',
  'base',
  'optimism',
  'polygon',
  'gnosis',
  'avalanche',
  'local',
] as const

/** A chain key. */
export type ChainKey = (typeof CHAIN_KEYS)[number]

/** Static facts about a chain. */
export interface ChainDefinition {
  key: ChainKey
  chainId: number
  name: string
  /** The viem chain (for formatters and defaults). */
  viem: Chain
  /** Environment variable holding this chain's RPC URL(s), comma-separated for fallbacks. */
  rpcEnvVar: string
  /** Multicall3 (or a compatible aggregator) on this chain. */
  multicall3: Address
  /**
   * What the EVM's `block.number` (Multicall3.getBlockNumber) is on this chain: "chain" (its own
   * block number) or "l1" (Arbitrum: the parent chain's), where a batch's block cannot be checked
   * against the pinned one that way.
   */
  evmBlockNumber: 'chain' | 'l1'
}

const MULTICALL3: Address = '0xcA11bde05977b3631167028862bE2a173976CA11'

function def(
  key: ChainKey,
  chain: Chain,
  name: string,
  evmBlockNumber: 'chain' | 'l1' = 'chain',
): ChainDefinition {
  return {
    key,
    chainId: chain.id,
    name,
    viem: chain,
    rpcEnvVar: `STACKLENS_RPC_${key.toUpperCase()}`,
    multicall3: MULTICALL3,
    evmBlockNumber,
  }
}

/** Every chain stacklens knows, by key. */
export const CHAINS: Readonly<Record<ChainKey, ChainDefinition>> = {
  ethereum: def('ethereum', mainnet, 'Ethereum'),
  arbitrum: def('arbitrum', arbitrum, 'Arbitrum One', 'l1'),
  base: def('base', base, 'Base'),
  optimism: def('optimism', optimism, 'OP Mainnet'),
  polygon: def('polygon', polygon, 'Polygon PoS'),
  gnosis: def('gnosis', gnosis, 'Gnosis'),
  avalanche: def('avalanche', avalanche, 'Avalanche C-Chain'),
  local: def('local', { ...foundry, id: 31337 }, 'stacklens devchain'),
}

/** True when `value` is a known chain key. */
export function isChainKey(value: string): value is ChainKey {
  return (CHAIN_KEYS as readonly string[]).includes(value)
}
