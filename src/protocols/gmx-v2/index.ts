import type { ProtocolAdapter } from '../types.js'
import { createGmxV2Adapter, type GmxDiscovered } from './read.js'

export type {
  GmxChainKey,
  GmxFeedPrice,
  GmxMarketHint,
  GmxPriceSource,
  GmxTokenInfo,
  GmxV2Config,
} from './markets.js'
export { GMX_V2_DEPLOYMENTS } from './markets.js'
export { createGmxV2Adapter } from './read.js'

/**
 * The GMX v2 (perps) adapter: every GMX deployment of the chain (`chain.gmxV2`), positions read
 * through the Reader (getAccountPositions in the chain's one batch; getMarket and
 * isPositionLiquidatable in one pinned follow-up when the wallet has positions), priced by GMX's
 * oracle tickers (production, fetched in `discover`) or the chain's feeds (devchain). Each
 * position is a `perp` row with its long/short and collateral legs and its liquidation price per
 * GMX's rule, checked against the Reader's own verdict at the same block.
 */
export const gmxV2Adapter: ProtocolAdapter<GmxDiscovered> = createGmxV2Adapter()
