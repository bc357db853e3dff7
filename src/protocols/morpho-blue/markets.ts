import type { Address } from '../../core/address.js'

/** A Morpho Blue deployment on one chain (one singleton contract holds every market). */
export interface MorphoBlueConfig {
  /** The chain key: one of the registry's, or a chain declared in STACKLENS_CONFIG. */
  chain: string
  /** The Morpho singleton. */
  morpho: Address
  /** First block worth scanning for a wallet's events (the deployment block). */
  fromBlock: bigint
  /** Largest block span per eth_getLogs request (providers cap it). */
  logsBlockSpan: bigint
  /** Morpho's GraphQL API, when configured: discovery without a log scan. */
  apiUrl?: string
}

/**
 * Morpho Blue singletons (Morpho's published addresses: the same CREATE2 address on Ethereum and
 * Base).
 */
export const MORPHO_BLUE: readonly MorphoBlueConfig[] = [
  {
    chain: 'ethereum',
    morpho: '0xBBBBBbbBBb9cC5e90e3b3Af64bdAF62C37EEFFCb',
    fromBlock: 18_883_124n,
    logsBlockSpan: 500_000n,
  },
  {
    chain: 'base',
    morpho: '0xBBBBBbbBBb9cC5e90e3b3Af64bdAF62C37EEFFCb',
    fromBlock: 13_977_148n,
    logsBlockSpan: 500_000n,
  },
]
