/**
 * Hyperliquid as a hedge venue: each perp's terms from one `POST /info {"type":"metaAndAssetCtxs"}`
 * (mark price, current hourly funding, size decimals, max leverage and margin tiers), as the
 * engine's {@link HedgeVenueQuote}s. Perp funding of held Hyperliquid positions comes from the
 * same payload.
 */
import { type Deadline, remainingMs, withDeadline } from '../../chains/deadline.js'
import type { HedgeMarginTier, HedgeVenueQuote } from '../../risk/hedge.js'
import { type HyperliquidRequestOptions, postInfo } from './client.js'
import { HyperliquidError } from './errors.js'
import { parseMarginTiers, TIER_USD_DECIMALS } from './math.js'
import { type MetaAndAssetCtxs, metaAndAssetCtxsSchema } from './schemas.js'

/**
 * The taker fee of Hyperliquid's base tier (under 5M USD of 14-day volume, no staking discount):
 * 0.045 % of notional (Hyperliquid docs, "Trading" -> "Fees"). A user with volume pays less.
 */
export const HYPERLIQUID_BASE_TAKER_FEE = 0.00045

/** Params of {@link fetchMetaAndAssetCtxs}. */
export interface FetchMetaAndAssetCtxsParams extends HyperliquidRequestOptions {
  /** The request's deadline: bounds the venue request (UPSTREAM_TIMEOUT). */
  deadline?: Deadline | undefined
}

/**
 * The perps' metadata and live contexts of the default dex: `POST /info {"type":"metaAndAssetCtxs"}`
 * (Hyperliquid docs, "Info endpoint" -> "Perpetuals" -> "Retrieve perpetuals asset contexts"),
 * validated. Errors as in {@link postInfo}; UPSTREAM_TIMEOUT when the deadline passes.
 */
export function fetchMetaAndAssetCtxs(params: FetchMetaAndAssetCtxsParams = {}): Promise<MetaAndAssetCtxs> {
  const { deadline, ...options } = params
  const bounded = deadline
    ? { ...options, timeoutMs: Math.max(1, Math.min(options.timeoutMs ?? 10_000, remainingMs(deadline))) }
    : options
  return withDeadline(deadline, { upstream: 'the Hyperliquid info API', call: 'metaAndAssetCtxs' }, () =>
    postInfo({ type: 'metaAndAssetCtxs' }, metaAndAssetCtxsSchema, bounded),
  )
}

/**
 * The quotes of the coins named like `riskAssets` (ETH, BTC, SOL, ...) on the default dex, by risk
 * asset; a risk asset without a listed, non-delisted coin is absent.
 * @throws HyperliquidError PROTOCOL_READ_FAILED when the payload's lists do not line up or a
 *   margin table is malformed.
 */
export function hyperliquidHedgeQuotes(
  payload: MetaAndAssetCtxs,
  riskAssets: readonly string[],
  source: string,
): Map<string, HedgeVenueQuote> {
  const [meta, ctxs] = payload
  if (ctxs.length !== meta.universe.length) {
    throw new HyperliquidError(
      'PROTOCOL_READ_FAILED',
      `Hyperliquid (metaAndAssetCtxs) answered ${meta.universe.length} assets and ${ctxs.length} contexts`,
    )
  }
  const out = new Map<string, HedgeVenueQuote>()
  for (const riskAsset of riskAssets) {
    const i = meta.universe.findIndex((a) => a.name === riskAsset && a.isDelisted !== true)
    if (i < 0) continue
    const asset = meta.universe[i]!
    const ctx = ctxs[i]!
    const table =
      asset.marginTableId === undefined
        ? undefined
        : meta.marginTables.find(([id]) => id === asset.marginTableId)?.[1]
    let tiers: HedgeMarginTier[]
    try {
      tiers = table
        ? parseMarginTiers(table.marginTiers).map((t) => ({
            lowerBoundUsd: Number(t.lowerBound) / 10 ** TIER_USD_DECIMALS,
            maxLeverage: t.maxLeverage,
          }))
        : [{ lowerBoundUsd: 0, maxLeverage: asset.maxLeverage }]
    } catch (err) {
      throw new HyperliquidError(
        'PROTOCOL_READ_FAILED',
        `Hyperliquid (metaAndAssetCtxs) answered a malformed margin table for ${asset.name}`,
        err,
      )
    }
    const markPrice = Number(ctx.markPx)
    if (!(markPrice > 0)) continue
    out.set(riskAsset, {
      venue: 'hyperliquid',
      asset: asset.name,
      riskAsset,
      markPrice,
      sizeDecimals: asset.szDecimals,
      marginTiers: tiers,
      takerFeeRate: HYPERLIQUID_BASE_TAKER_FEE,
      feeSource: "Hyperliquid's base taker fee tier (0.045 %), not the user's own",
      fundingRatePerHour: Number(ctx.funding),
      source,
    })
  }
  return out
}
