import { type Chain, defineChain } from 'viem'
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
  'unichain',
  'worldchain',
  'katana',
  'local',
] as const

/** What a chain key looks like (the registry's, and those a STACKLENS_CONFIG file declares). */
export const CHAIN_KEY_PATTERN = /^[a-z][a-z0-9-]{0,31}$/

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

/**
 * A viem chain with what stacklens uses of viem's own definition (viem 2.57 `viem/chains`): id,
 * name, native currency, the default RPC, the block time (viem's default polling interval) and
 * Multicall3 with its creation block. Defined here because importing `viem/chains` loads every
 * chain viem knows (~1,450 modules, 0.9 s in node, 2.6 s under tsx) at every start. viem's
 * OP-stack formatters (Base, OP Mainnet) are left out: they format transactions and receipts,
 * and stacklens only calls (`eth_call`, `eth_getLogs`, raw requests).
 */
function chain(
  id: number,
  name: string,
  nativeCurrency: Chain['nativeCurrency'],
  rpc: string,
  blockTime: number | undefined,
  multicall3BlockCreated: number | undefined,
): Chain {
  return defineChain({
    id,
    name,
    nativeCurrency,
    rpcUrls: { default: { http: [rpc] } },
    ...(blockTime === undefined ? {} : { blockTime }),
    ...(multicall3BlockCreated === undefined
      ? {}
      : { contracts: { multicall3: { address: MULTICALL3, blockCreated: multicall3BlockCreated } } }),
  })
}

const ETH = { name: 'Ether', symbol: 'ETH', decimals: 18 } as const

/** viem chain objects, as in viem 2.57's `viem/chains` (see {@link chain}); `local` is anvil's. */
export const VIEM_CHAINS: Readonly<Record<ChainKey, Chain>> = {
  ethereum: chain(1, 'Ethereum', ETH, 'https://ethereum.reth.rs/rpc', 12_000, 14_353_601),
  arbitrum: chain(42_161, 'Arbitrum One', ETH, 'https://arb1.arbitrum.io/rpc', 250, 7_654_707),
  base: chain(8453, 'Base', ETH, 'https://mainnet.base.org', 2000, 5022),
  optimism: chain(10, 'OP Mainnet', ETH, 'https://mainnet.optimism.io', 2000, 4_286_263),
  polygon: chain(
    137,
    'Polygon',
    { name: 'POL', symbol: 'POL', decimals: 18 },
    'https://polygon.drpc.org',
    2000,
    25_770_160,
  ),
  gnosis: chain(
    100,
    'Gnosis',
    { name: 'xDAI', symbol: 'XDAI', decimals: 18 },
    'https://rpc.gnosischain.com',
    5000,
    21_022_491,
  ),
  avalanche: chain(
    43_114,
    'Avalanche',
    { name: 'Avalanche', symbol: 'AVAX', decimals: 18 },
    'https://api.avax.network/ext/bc/C/rpc',
    1700,
    11_907_934,
  ),
  // OP-stack chains added for Morpho Blue (issue 14): Multicall3 at the canonical address, from genesis.
  unichain: chain(130, 'Unichain', ETH, 'https://mainnet.unichain.org/', 1000, 0),
  worldchain: chain(480, 'World Chain', ETH, 'https://worldchain-mainnet.g.alchemy.com/public', 2000, 0),
  katana: chain(747_474, 'Katana', ETH, 'https://rpc.katana.network', undefined, 0),
  // viem's `foundry` (anvil's defaults): no Multicall3 entry; the devchain places its own there.
  local: chain(31_337, 'Foundry', ETH, 'http://127.0.0.1:8545', undefined, undefined),
}

function def(key: ChainKey, name: string, evmBlockNumber: 'chain' | 'l1' = 'chain'): ChainDefinition {
  const viem = VIEM_CHAINS[key]
  return {
    key,
    chainId: viem.id,
    name,
    viem,
    rpcEnvVar: `STACKLENS_RPC_${key.toUpperCase()}`,
    multicall3: MULTICALL3,
    evmBlockNumber,
  }
}

/** Every chain stacklens knows, by key. */
export const CHAINS: Readonly<Record<ChainKey, ChainDefinition>> = {
  ethereum: def('ethereum', 'Ethereum'),
  arbitrum: def('arbitrum', 'Arbitrum One', 'l1'),
  base: def('base', 'Base'),
  optimism: def('optimism', 'OP Mainnet'),
  polygon: def('polygon', 'Polygon PoS'),
  gnosis: def('gnosis', 'Gnosis'),
  avalanche: def('avalanche', 'Avalanche C-Chain'),
  unichain: def('unichain', 'Unichain'),
  worldchain: def('worldchain', 'World Chain'),
  katana: def('katana', 'Katana'),
  local: def('local', 'stacklens devchain'),
}

/** True when `value` is a known chain key. */
export function isChainKey(value: string): value is ChainKey {
  return (CHAIN_KEYS as readonly string[]).includes(value)
}
