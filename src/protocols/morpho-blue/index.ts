import type { ProtocolAdapter } from '../types.js'
import { discoverMorphoMarkets, type MorphoDiscovery, planMorphoWallet } from './read.js'

export type { MorphoBlueConfig } from './markets.js'
export { MORPHO_BLUE } from './markets.js'
export { type MorphoDiscovery, morphoAbi, planMorphoWallet } from './read.js'

/**
 * The Morpho Blue adapter: finds a wallet's markets from the singleton's events, then reads its
 * positions (collateral, borrow, supply) with health factor, LLTV, liquidation price and
 * liquidation incentive factor, exactly as Morpho.sol computes them.
 */
export const morphoBlueAdapter: ProtocolAdapter<MorphoDiscovery | undefined> = {
  key: 'morpho-blue',
  name: 'Morpho Blue',
  discover: (ctx) => discoverMorphoMarkets(ctx),
  planWallet: (chain, user, discovered) => {
    if (!chain.morphoBlue || !discovered) return []
    return planMorphoWallet({ chain, config: chain.morphoBlue, user, ids: discovered.ids })
  },
}
