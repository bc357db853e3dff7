/**
 * Hedge sizing: the perp short (or long) per risk asset that brings a wallet's net exposure (or
 * its dollar beta to ETH or BTC) to zero, sized on a venue's own terms (lot size, max leverage by
 * margin tier, maintenance rate, taker fee, funding). Pure: the venue's terms come in as
 * {@link HedgeVenueQuote}s; the legs it returns are the manual perp legs `POST /v1/analyze` takes.
 *
 * Units: sizes in units of the asset, prices USD per unit, USD floats, rates fractions.
 */
import type { NetExposure, WalletBeta } from '../resolve/types.js'
import { perpRisk } from './perp.js'

/** What the hedge zeroes: the net units of every risk asset, or the dollar beta to ETH or BTC. */
export type HedgeTarget = { kind: 'delta' } | { kind: 'beta'; to: 'ETH' | 'BTC' }

/** One margin tier of a venue asset: from `lowerBoundUsd` of notional up, at most `maxLeverage`. */
export interface HedgeMarginTier {
  lowerBoundUsd: number
  maxLeverage: number
}

/** A venue's terms for one perp, as its API answered them. */
export interface HedgeVenueQuote {
  /** Venue key, e.g. "hyperliquid"; the legs' `venue`. */
  venue: string
  /** The venue's asset name, e.g. "ETH"; the legs' `asset`. */
  asset: string
  /** The risk asset it hedges (the resolver's name of `asset`). */
  riskAsset: string
  /** Mark price, USD per unit. */
  markPrice: number
  /** Size step: sizes are multiples of 10^-sizeDecimals units. */
  sizeDecimals: number
  /** Margin tiers by ascending lower bound, the first from 0. */
  marginTiers: HedgeMarginTier[]
  /** Taker fee, fraction of notional per trade. */
  takerFeeRate: number
  /** Where the fee comes from (a documented tier, not the user's own). */
  feeSource: string
  /** Funding rate per hour, fraction of notional: positive, longs pay shorts. */
  fundingRatePerHour: number
  /** Where the quote came from (endpoint, time). */
  source: string
  /**
   * A venue whose perps follow GMX v2's rule instead of isolated maintenance: liquidatable when the
   * remaining collateral (collateral + pnl - close fee) is under max(minCollateralUsd, size in USD at
   * open x minCollateralFactorForLiquidation). Absent: isolated maintenance at 1 / (2 x max leverage).
   */
  gmxRule?: HedgeGmxRule
  /**
   * What a position receives per year on its notional by side, fraction, signed (+: received), with
   * its parts (GMX: funding and borrowing at the Reader's per-second factors). When present it
   * replaces `fundingRatePerHour x 8,760`.
   */
  carryApyBySide?: Record<'long' | 'short', { funding: number; borrowing: number }>
}

/** GMX v2's liquidation terms of one market (the Reader's DataStore values, as fractions and USD). */
export interface HedgeGmxRule {
  kind: 'gmx-min-collateral'
  /** The GMX market (its market token) the hedge is placed on. */
  market: string
  /** Its name, e.g. "ETH/USD [WETH-USDC]". */
  marketName: string
  /** MIN_COLLATERAL_FACTOR: the open check (max leverage = 1 / it). */
  minCollateralFactor: number
  /** MIN_COLLATERAL_FACTOR_FOR_LIQUIDATION: the keeper's check. */
  minCollateralFactorForLiquidation: number
  /** MIN_COLLATERAL_USD, USD. */
  minCollateralUsd: number
  /** MAX_POSITION_IMPACT_FACTOR_FOR_LIQUIDATIONS: how much negative impact the check may count. */
  maxPositionImpactFactorForLiquidations: number
  /** The close fee factor charged in the check (the balance-worsening factor, an upper bound). */
  closeFeeRate: number
}

/** One perp leg in exactly the shape `POST /v1/analyze` accepts (`legs[]` with kind "perp"). */
export interface HedgePerpLeg {
  kind: 'perp'
  venue: string
  asset: string
  side: 'long' | 'short'
  /** Units of the asset, a multiple of the venue's size step. */
  size: number
  /** USD per unit: the venue's mark now. */
  entryPrice: number
  /** Isolated margin to post, USD: notional / leverage. */
  margin: number
  /** 1 / (2 x max leverage of the notional's margin tier). */
  maintenanceMarginRate: number
  markPrice: number
}

/** A sized hedge of one risk asset with its cost and its own risk. */
export interface HedgePlanLeg {
  riskAsset: string
  leg: HedgePerpLeg
  /** size x mark, USD. */
  notionalUsd: number
  /** Leverage it is opened at (the request's, capped at the tier's max). */
  leverage: number
  /** The max leverage of the notional's margin tier. */
  maxLeverage: number
  /** Margin needed, USD (= leg.margin). */
  marginUsd: number
  /** Its own liquidation price (isolated: margin + pnl = maintenance), USD per unit; null if none. */
  liquidationPrice: number | null
  /** liquidationPrice / mark - 1. */
  liquidationDistance: number | null
  /** Taker fee to open, USD. */
  openFeeUsd: number
  /** Taker fee to open and close at the same mark, USD. */
  roundTripFeeUsd: number
  /** Funding received per year at the current hourly rate, USD (negative: paid). */
  fundingUsdPerYear: number
  /** fundingRatePerHour x 8,760, signed for the leg's side (+: received). */
  fundingApy: number
  /** What the size would have been before rounding to the venue's size step, units. */
  unroundedSize: number
  /** Borrowing per year, USD (negative: paid); 0 on venues without borrowing. */
  borrowingUsdPerYear: number
  /** Funding + borrowing per year, USD, signed (+: received). */
  carryUsdPerYear: number
  /**
   * GMX venues: the rule the liquidation price follows and the price with the largest negative
   * impact the check may count (size x maxPositionImpactFactorForLiquidations); null elsewhere.
   */
  gmx: {
    rule: HedgeGmxRule
    /** max(minCollateralUsd, notional x minCollateralFactorForLiquidation), USD. */
    thresholdUsd: number
    /** Collateral in the position after the open fee (leg.margin), USD. */
    collateralUsd: number
    liquidationPriceWorstImpact: number | null
  } | null
}

/** A risk asset the wallet is exposed to but the hedge does not cover, and why. */
export interface Unhedged {
  riskAsset: string
  units: number
  usd: number
  reason: string
}

/** Result of {@link planHedge}. */
export interface HedgePlan {
  target: HedgeTarget
  legs: HedgePlanLeg[]
  unhedged: Unhedged[]
  /** Funding (and borrowing) received per year over the legs at the current rates, USD (negative: a cost). */
  carryUsdPerYear: number
  /** Taker fees to open and later close every leg at the current mark, USD (one-off). */
  roundTripFeesUsd: number
  /** Sum of margins to post, USD. */
  marginUsd: number
}

/** Params of {@link planHedge}. */
export interface PlanHedgeParams {
  target: HedgeTarget
  /** The wallet's net exposure per risk asset (USD included, ignored). */
  netExposure: readonly NetExposure[]
  /** The wallet's beta (its table gives each risk asset's beta to ETH and BTC). */
  beta: WalletBeta
  /** The venue's quotes by risk asset. */
  quotes: ReadonlyMap<string, HedgeVenueQuote>
  /** Leverage to open each hedge at (> 0); capped at the tier's max. */
  leverage: number
}

const HOURS_PER_YEAR = 8_760

/** The max leverage of the tier `notionalUsd` falls in. */
export function tierMaxLeverage(tiers: readonly HedgeMarginTier[], notionalUsd: number): number {
  let max = tiers[0]?.maxLeverage ?? 1
  for (const t of tiers) if (notionalUsd >= t.lowerBoundUsd) max = t.maxLeverage
  return max
}

/** `units` rounded to the nearest multiple of 10^-decimals (half away from zero), as a float. */
export function roundToStep(units: number, decimals: number): number {
  const scale = 10 ** decimals
  return Math.sign(units) * (Math.round(Math.abs(units) * scale) / scale)
}

function sizeLeg(
  riskAsset: string,
  signedUnits: number,
  quote: HedgeVenueQuote,
  leverage: number,
): HedgePlanLeg | null {
  // Sizes as the analyze route and the resolver take them: multiples of 1e-6 (perp legs are held
  // to 1e-6 units), and of the venue's own step.
  const step = Math.min(quote.sizeDecimals, 6)
  const hedgeUnits = roundToStep(-signedUnits, step)
  if (hedgeUnits === 0) return null
  const size = Math.abs(hedgeUnits)
  const side = hedgeUnits < 0 ? 'short' : 'long'
  const mark = quote.markPrice
  const notionalUsd = size * mark
  const maxLeverage = tierMaxLeverage(quote.marginTiers, notionalUsd)
  const lev = Math.min(leverage, maxLeverage)
  const carry = quote.carryApyBySide?.[side]
  const fundingApy = carry
    ? carry.funding
    : (side === 'short' ? 1 : -1) * quote.fundingRatePerHour * HOURS_PER_YEAR
  const borrowingApy = carry ? carry.borrowing : 0
  const openFeeUsd = notionalUsd * quote.takerFeeRate
  const margin = notionalUsd / lev
  let maintenanceMarginRate = 1 / (2 * maxLeverage)
  let liquidationPrice: number | null
  let gmx: HedgePlanLeg['gmx'] = null
  let marginUsd = margin
  let roundTripFeeUsd = 2 * openFeeUsd
  if (quote.gmxRule) {
    // GMX: the open fee comes out of the deposit, so the position holds notional / leverage; the
    // keeper's check (stable collateral, impact 0): collateral + pnl - close fee < threshold.
    const r = quote.gmxRule
    const threshold = Math.max(r.minCollateralUsd, notionalUsd * r.minCollateralFactorForLiquidation)
    const closeFee = notionalUsd * r.closeFeeRate
    const cap = notionalUsd * r.maxPositionImpactFactorForLiquidations
    const at = (impact: number) => {
      const p =
        side === 'long'
          ? (threshold + notionalUsd + closeFee + impact - margin) / size
          : (margin + notionalUsd - closeFee - impact - threshold) / size
      return p > 0 ? p : null
    }
    liquidationPrice = at(0)
    // The analyze leg's isolated rule (margin + pnl = m x size x P) gives the same price when m is
    // GMX's requirement (threshold + close fee) over the notional AT that price.
    if (liquidationPrice !== null) maintenanceMarginRate = (threshold + closeFee) / (size * liquidationPrice)
    marginUsd = margin + openFeeUsd
    roundTripFeeUsd = openFeeUsd + closeFee
    gmx = {
      rule: r,
      thresholdUsd: threshold,
      collateralUsd: margin,
      liquidationPriceWorstImpact: at(cap),
    }
  } else {
    liquidationPrice = perpRisk({
      side,
      size,
      entryPrice: mark,
      margin,
      maintenanceMarginRate,
    }).liquidationPrice
  }
  const fundingUsdPerYear = fundingApy * notionalUsd
  const borrowingUsdPerYear = borrowingApy * notionalUsd
  return {
    riskAsset,
    leg: {
      kind: 'perp',
      venue: quote.venue,
      asset: quote.asset,
      side,
      size,
      entryPrice: mark,
      margin,
      maintenanceMarginRate,
      markPrice: mark,
    },
    notionalUsd,
    leverage: lev,
    maxLeverage,
    marginUsd,
    liquidationPrice,
    liquidationDistance: liquidationPrice === null ? null : liquidationPrice / mark - 1,
    openFeeUsd,
    roundTripFeeUsd,
    fundingUsdPerYear,
    fundingApy,
    unroundedSize: Math.abs(signedUnits),
    borrowingUsdPerYear,
    carryUsdPerYear: fundingUsdPerYear + borrowingUsdPerYear,
    gmx,
  }
}

/**
 * The hedge of a wallet to `target`: for `delta`, one perp per non-USD risk asset the venue lists,
 * of size -net units (rounded to the venue's step); for `beta`, one perp on ETH (or BTC) of size
 * -(dollar beta) / (mark x the asset's own beta), so sum(net USD x beta) + hedge USD x beta = 0.
 */
export function planHedge(params: PlanHedgeParams): HedgePlan {
  const { target, quotes } = params
  if (!(params.leverage > 0)) throw new RangeError('planHedge: leverage must be > 0')
  const legs: HedgePlanLeg[] = []
  const unhedged: Unhedged[] = []
  const risky = params.netExposure.filter((n) => n.riskAsset !== 'USD')
  if (target.kind === 'delta') {
    for (const n of risky) {
      const quote = quotes.get(n.riskAsset)
      if (!quote) {
        unhedged.push({ ...pick(n), reason: `no perp for ${n.riskAsset} on the venue` })
        continue
      }
      const leg = sizeLeg(n.riskAsset, n.units, quote, params.leverage)
      if (leg) legs.push(leg)
      else unhedged.push({ ...pick(n), reason: "smaller than the venue's size step" })
    }
  } else {
    const quote = quotes.get(target.to)
    const dollarBeta = target.to === 'ETH' ? params.beta.dollarEth : params.beta.dollarBtc
    const ownBeta = params.beta.table[target.to]?.[target.to] ?? 1
    if (!quote) {
      unhedged.push({
        riskAsset: target.to,
        units: 0,
        usd: dollarBeta,
        reason: `no perp for ${target.to} on the venue`,
      })
    } else if (dollarBeta !== 0) {
      const leg = sizeLeg(target.to, dollarBeta / (quote.markPrice * ownBeta), quote, params.leverage)
      if (leg) legs.push(leg)
    }
  }
  return {
    target,
    legs,
    unhedged,
    carryUsdPerYear: legs.reduce((a, l) => a + l.carryUsdPerYear, 0),
    roundTripFeesUsd: legs.reduce((a, l) => a + l.roundTripFeeUsd, 0),
    marginUsd: legs.reduce((a, l) => a + l.marginUsd, 0),
  }
}

function pick(n: NetExposure) {
  return { riskAsset: n.riskAsset, units: n.units, usd: n.usd }
}
