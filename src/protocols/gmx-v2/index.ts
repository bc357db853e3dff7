import type { ProtocolAdapter } from '../types.js'
import { listGmxMarketPositions } from './market-positions.js'
import {
  type CreateGmxV2AdapterParams,
  createGmxV2Adapter as createGmxV2WalletAdapter,
  type GmxDiscovered,
} from './read.js'

export { GMX_POSITION_LIST, listGmxMarketPositions } from './market-positions.js'
export type {
  GmxChainKey,
  GmxFeedPrice,
  GmxMarketHint,
  GmxPriceSource,
  GmxReaderRecord,
  GmxTokenInfo,
  GmxV2Config,
} from './markets.js'
export { GMX_V2_DEPLOYMENTS, GMX_V2_SOURCE, gmxTokensEquivalent } from './markets.js'
export { readerAt } from './read.js'

/**
 * The GMX v2 adapter over `params` (see {@link gmxV2Adapter}): the wallet reads of read.ts and the
 * market-wide position list of market-positions.ts (the DataStore's POSITION_LIST).
 */
export function createGmxV2Adapter(params: CreateGmxV2AdapterParams = {}): ProtocolAdapter<GmxDiscovered> {
  return {
    ...createGmxV2WalletAdapter(params),
    listMarketPositions: (ctx) => listGmxMarketPositions(ctx, { fetchFn: params.fetchFn }),
  }
}

/**
 * The GMX v2 (perps) adapter: every GMX deployment of the chain (`chain.gmxV2`, from GMX's own
 * deployment records), positions read through the Reader live at the pinned block (v2.2 layout,
 * v2.1 at old blocks, probed from the answer). With GMX's oracle tickers (production) discovery
 * reads the tickers and the account's positions and markets concurrently, and the chain's one
 * batch carries the keeper's verdict (forLiquidation = true), getPositionInfo and the stored fee
 * state: two round trips. Priced by feeds (devchain), discovery reads the feeds with the positions,
 * so the verdict joins the batch too (re-asked in one pinned follow-up if a feed moved between). Each
 * position is a `perp` row with its long/short and collateral legs and its liquidation price per
 * GMX's own check, recomputed exactly and checked against the Reader's remaining collateral.
 */
export const gmxV2Adapter: ProtocolAdapter<GmxDiscovered> = createGmxV2Adapter()
