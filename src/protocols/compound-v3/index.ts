import type { ProtocolAdapter } from '../types.js'
import { listCometMarketPositions } from './market-positions.js'
import { COMETS_SOURCE } from './markets.js'
import { readCompoundV3Rates } from './rates.js'
import { type CometHintsCache, planCometWallet } from './read.js'

export type { CometAssetHint, CometChainKey, CometConfig, CometPriceUnit } from './markets.js'
export { COMETS, COMETS_SOURCE } from './markets.js'
export { type CometHintsCache, createCometHintsCache } from './read.js'

/** Options of {@link createCompoundV3Adapter}. */
export interface CreateCompoundV3AdapterOptions {
  /** Where each Comet's learned asset list lives (the root's); the module default when omitted. */
  hints?: CometHintsCache
}

/** A Compound v3 adapter over `options.hints` (see {@link compoundV3Adapter}). */
export function createCompoundV3Adapter(
  options: CreateCompoundV3AdapterOptions = {},
): ProtocolAdapter<undefined> {
  return {
    key: 'compound-v3',
    name: 'Compound v3 (Comet)',
    planWallet: (chain, user) => chain.comets.map((config) => planCometWallet(config, user, options.hints)),
    readRates: readCompoundV3Rates,
    listMarketPositions: (ctx) => listCometMarketPositions(ctx, options.hints),
    listMarkets: (chain) =>
      chain.comets.map((c) => ({
        id: c.id,
        protocol: 'compound-v3',
        name: `Compound v3 ${c.baseSymbol}`,
        version: null,
        source:
          chain.key === 'local'
            ? 'devchain manifest (CometDouble, a test double)'
            : `${COMETS_SOURCE.repo} @ ${COMETS_SOURCE.commit.slice(0, 8)}`,
      })),
  }
}

/**
 * The Compound v3 (Comet) adapter: every configured Comet of the chain, read in the chain's one
 * batch (the Comet's asset list verified in the same batch; stale asset hints cost one pinned
 * follow-up). Health factor = Comet's isLiquidatable rule as a ratio at the STORED index (details.healthFactorBasis),
 * plus details.accruedHealthFactor as absorb sees it after accruing; checked against the
 * Comet's own isLiquidatable at the same block.
 */
export const compoundV3Adapter: ProtocolAdapter<undefined> = createCompoundV3Adapter()
