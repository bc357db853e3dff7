/**
 * Hyperliquid perp funding of held positions, now: each default-dex coin's current hourly
 * `funding` from `POST /info {"type":"metaAndAssetCtxs"}` (positive: longs pay shorts), as what the
 * leg receives per year on its notional: (short ? +1 : -1) x funding x 8,760 (not compounded:
 * funding is settled hourly on the notional). HIP-3 dexes' coins are listed as missing (their
 * contexts are per dex and not read here).
 */
import type { LegRate, PositionRates } from '../../risk/carry.js'
import type { LayerPosition, VenueRateReadContext } from '../types.js'
import { fetchMetaAndAssetCtxs } from './hedge-quote.js'
import { HYPERLIQUID_PROTOCOL } from './position.js'

const HOURS_PER_YEAR = 8_760

/** The funding of the Hyperliquid positions among `positions` (one venue request when there are any). */
export async function readHyperliquidFundingRates(
  ctx: VenueRateReadContext,
  positions: readonly LayerPosition[],
): Promise<PositionRates[]> {
  const mine = positions.filter((lp) => lp.position.protocol === HYPERLIQUID_PROTOCOL)
  if (mine.length === 0) return []
  const [meta, ctxs] = await fetchMetaAndAssetCtxs({
    url: ctx.venue.url,
    ...(ctx.venue.fetchFn ? { fetchFn: ctx.venue.fetchFn } : {}),
    deadline: ctx.deadline,
  })
  const funding = new Map<string, string>()
  meta.universe.forEach((a, i) => {
    const c = ctxs[i]
    if (c) funding.set(a.name, c.funding)
  })
  return mine.map((lp) => {
    const legs: LegRate[] = []
    const missing: string[] = []
    const dex = typeof lp.position.details.dex === 'string' ? lp.position.details.dex : ''
    for (const leg of lp.position.legs) {
      if (leg.side !== 'long' && leg.side !== 'short') continue
      const f = dex === '' ? funding.get(leg.asset.symbol) : undefined
      if (f === undefined) {
        missing.push(
          `${leg.side} ${leg.asset.symbol}: no funding for it in the default dex's metaAndAssetCtxs`,
        )
        continue
      }
      const received = (leg.side === 'short' ? 1 : -1) * Number(f) * HOURS_PER_YEAR
      legs.push({
        token: null,
        symbol: leg.asset.symbol,
        side: leg.side,
        apy: received,
        apr: received,
        raw: f,
        rawScale: 'fraction of notional per hour (metaAndAssetCtxs funding; positive: longs pay shorts)',
        compounding: 'simple-hourly',
        source: 'Hyperliquid POST /info metaAndAssetCtxs funding',
      })
    }
    return { layer: lp.layer, legs, missing }
  })
}
