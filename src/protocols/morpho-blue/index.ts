import type { ProtocolAdapter } from '../types.js'
import { readMorphoBlueRates } from './rates.js'
import {
  discoverMorphoMarkets,
  type MorphoDiscovery,
  type MorphoFactsCache,
  planMorphoWallet,
} from './read.js'

export type { MorphoBlueConfig } from './markets.js'
export { MORPHO_BLUE, MORPHO_BLUE_SOURCE, MORPHO_LOGS_BLOCK_SPAN } from './markets.js'
export {
  createMorphoFactsCache,
  type MorphoDiscovery,
  type MorphoFactsCache,
  morphoAbi,
  type PlanMorphoParams,
  planMorphoWallet,
} from './read.js'

/** Options of {@link createMorphoBlueAdapter}. */
export interface CreateMorphoBlueAdapterOptions {
  /** Where learned market facts live (the root's); the module default when omitted. */
  facts?: MorphoFactsCache
}

/** A Morpho Blue adapter over `options.facts` (see {@link morphoBlueAdapter}). */
export function createMorphoBlueAdapter(
  options: CreateMorphoBlueAdapterOptions = {},
): ProtocolAdapter<MorphoDiscovery | undefined> {
  return {
    key: 'morpho-blue',
    name: 'Morpho Blue',
    discover: (ctx) => discoverMorphoMarkets(ctx),
    readRates: readMorphoBlueRates,
    listMarkets: (chain) =>
      chain.morphoBlue
        ? [
            {
              id: `morpho-blue-${chain.key}`,
              protocol: 'morpho-blue',
              name: 'Morpho Blue (its markets are found per wallet from events)',
              version: 'v1',
              source:
                chain.morphoBlue.source ??
                (chain.key === 'local' ? 'devchain manifest' : "Morpho's deployment addresses"),
            },
          ]
        : [],
    planWallet: (chain, user, discovered) => {
      if (!chain.morphoBlue || !discovered) return []
      return planMorphoWallet({
        chain,
        config: chain.morphoBlue,
        user,
        ids: discovered.ids,
        facts: options.facts,
      })
    },
  }
}

/**
 * The Morpho Blue adapter: finds a wallet's markets from the singleton's events, then reads its
 * positions (collateral, borrow, supply) with health factor, LLTV, liquidation price and
 * liquidation incentive factor, exactly as Morpho.sol computes them.
 */
export const morphoBlueAdapter: ProtocolAdapter<MorphoDiscovery | undefined> = createMorphoBlueAdapter()
