import type { ChainKey } from '../../chains/registry.js'
import type { Address } from '../../core/address.js'

/** One Comet (Compound v3 market): one borrowable base asset, several collaterals. */
export interface CometConfig {
  /** Stable market id, e.g. "compound-v3-ethereum-usdc". */
  id: string
  chain: ChainKey
  /** The Comet proxy. */
  comet: Address
  /** Symbol of the base asset, for labels only (the chain is read for the truth). */
  baseSymbol: string
}

/** Real Comets are added with the Compound v3 adapter (issue 3). */
export const COMETS: readonly CometConfig[] = []
