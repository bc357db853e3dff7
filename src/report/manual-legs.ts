/**
 * Legs the chain cannot see (CEX perps, options) as the engine sees them: a perp leg becomes a
 * Position (kind "perp") with its liquidation price, an option its position-sized greeks.
 */
import { BaseError } from '../core/errors.js'
import { isolatedMaintenanceRule } from '../core/liquidation-rule.js'
import type { Position } from '../core/types.js'
import type { Contribution } from '../resolve/types.js'
import { blackScholes } from '../risk/black-scholes.js'
import type { OptionStressInput } from '../risk/option-stress.js'
import { perpRisk } from '../risk/perp.js'

/** A CEX (or any off-chain) isolated perp. Numbers are floats: USD, units of the asset. */
export interface PerpLeg {
  kind: 'perp'
  venue: string
  asset: string
  side: 'long' | 'short'
  /** Units of the asset. */
  size: number
  /** USD per unit. */
  entryPrice: number
  /** Isolated margin, USD. */
  margin: number
  /** Maintenance margin rate (0.005 = 0.5%). */
  maintenanceMarginRate: number
  /** USD per unit; the entry price when omitted. */
  markPrice?: number | undefined
}

/** A European option; greeks given, or computed by Black-Scholes from an implied volatility. */
export interface OptionLeg {
  kind: 'option'
  underlying: string
  type: 'call' | 'put'
  /** USD. */
  strike: number
  /** ISO-8601 date-time. */
  expiry: string
  /** Units of the underlying; negative for a short option. */
  size: number
  /** Annual implied volatility (0.6 = 60%). */
  impliedVol?: number | undefined
  /** USD per unit of the underlying. */
  spotPrice?: number | undefined
  /** Annual, continuous. */
  riskFreeRate?: number | undefined
  /** USD per unit of the underlying at expiry (values an expired option). */
  settlementPrice?: number | undefined
  /** Per unit of the underlying (theta: USD per year). */
  greeks?: { delta: number; gamma: number; vega: number; theta?: number | undefined } | undefined
}

/** The Position of a manual perp leg (kind "perp", chain "offchain"). */
export function perpLegPosition(leg: PerpLeg): Position {
  const risk = perpRisk(leg)
  const asset = { symbol: leg.asset.toUpperCase(), address: null, decimals: 18 }
  return {
    status: 'ok',
    protocol: leg.venue.toLowerCase(),
    market: `${leg.venue.toLowerCase()}:${asset.symbol}-PERP`,
    chain: 'offchain',
    kind: 'perp',
    healthFactor: risk.healthFactor,
    healthFactorWad: null,
    collateralUsd: risk.equityUsd,
    debtUsd: 0,
    legs: [
      {
        asset,
        side: leg.side,
        amount: BigInt(Math.round(leg.size * 1e6)) * 10n ** 12n,
        usd: risk.notionalUsd,
        priceUsd: risk.markPrice,
      },
    ],
    liquidationPrices: [
      {
        asset: null,
        symbol: asset.symbol,
        side: leg.side,
        price: risk.liquidationPrice,
        currentPrice: risk.markPrice,
        distance: risk.liquidationPrice === null ? null : risk.liquidationPrice / risk.markPrice - 1,
      },
    ],
    liquidationRule: isolatedMaintenanceRule(leg.maintenanceMarginRate, risk.maintenanceMarginUsd),
    details: {
      manual: true,
      venue: leg.venue,
      entryPrice: leg.entryPrice,
      markPrice: risk.markPrice,
      marginUsd: leg.margin,
      maintenanceMarginRate: leg.maintenanceMarginRate,
      maintenanceMarginUsd: risk.maintenanceMarginUsd,
      unrealizedPnlUsd: risk.unrealizedPnlUsd,
      leverage: risk.leverage,
      amountScale: 'amount is size in 1e-18 units of the asset (size rounded to 1e-6)',
    },
  }
}

/** An option leg with its greeks, position-sized (per the whole leg, sign included). */
export interface OptionExposure {
  underlying: string
  type: 'call' | 'put'
  strike: number
  expiry: string
  size: number
  /** Years to expiry at the analysis time, >= 0 (0 once expired). */
  years: number
  /** `expired`: past its expiry, worth its intrinsic value at the settlement price, no greeks. */
  source: 'given' | 'black-scholes' | 'expired'
  /** Option value of the whole leg, USD (null when greeks were given without a price). */
  valueUsd: number | null
  /** Underlying units of exposure: delta * size. */
  delta: number
  /** gamma * size. */
  gamma: number
  /** vega * size, USD per 1.00 of volatility. */
  vega: number
  /** theta * size, USD per year. */
  theta: number | null
  /** delta * size * spot, USD (null without a spot price). */
  deltaUsd: number | null
}

/** An option leg past its expiry with no settlement price to value it at. 400-class. */
export class OptionExpiredError extends BaseError {
  override name = 'OptionExpiredError'
  constructor(expiry: string, now: Date) {
    super(
      'OPTION_EXPIRED',
      `the option expired at ${expiry} (before ${now.toISOString()}): give settlementPrice (the underlying's price at expiry) to value it at its intrinsic value`,
    )
  }
}

/**
 * Greeks of one option leg at `now`; an expired leg is worth its intrinsic value at
 * `settlementPrice` with no greeks.
 * @throws OptionExpiredError (OPTION_EXPIRED) for an expired leg without a settlement price.
 */
export function optionExposure(leg: OptionLeg, now: Date): OptionExposure {
  const years = Math.max(0, (Date.parse(leg.expiry) - now.getTime()) / (365 * 24 * 3600 * 1000))
  const base = {
    underlying: leg.underlying.toUpperCase(),
    type: leg.type,
    strike: leg.strike,
    expiry: leg.expiry,
    size: leg.size,
    years,
  }
  if (years === 0) {
    if (leg.settlementPrice === undefined) throw new OptionExpiredError(leg.expiry, now)
    const s = leg.settlementPrice
    const intrinsic = leg.type === 'call' ? Math.max(0, s - leg.strike) : Math.max(0, leg.strike - s)
    return {
      ...base,
      source: 'expired',
      valueUsd: intrinsic * leg.size,
      delta: 0,
      gamma: 0,
      vega: 0,
      theta: 0,
      deltaUsd: 0,
    }
  }
  if (leg.greeks) {
    return {
      ...base,
      source: 'given',
      valueUsd: null,
      delta: leg.greeks.delta * leg.size,
      gamma: leg.greeks.gamma * leg.size,
      vega: leg.greeks.vega * leg.size,
      theta: leg.greeks.theta === undefined ? null : leg.greeks.theta * leg.size,
      deltaUsd: leg.spotPrice === undefined ? null : leg.greeks.delta * leg.size * leg.spotPrice,
    }
  }
  const spot = leg.spotPrice as number
  const g = blackScholes({
    type: leg.type,
    spot,
    strike: leg.strike,
    years,
    vol: leg.impliedVol as number,
    rate: leg.riskFreeRate ?? 0,
  })
  if (![g.price, g.delta, g.gamma, g.vega, g.theta].every(Number.isFinite)) {
    throw new BaseError(
      'INVALID_REQUEST',
      `the option's Black-Scholes greeks are not finite for spotPrice ${spot}, strike ${leg.strike}, impliedVol ${leg.impliedVol} and ${years} years to expiry: give greeks`,
    )
  }
  return {
    ...base,
    source: 'black-scholes',
    valueUsd: g.price * leg.size,
    delta: g.delta * leg.size,
    gamma: g.gamma * leg.size,
    vega: g.vega * leg.size,
    theta: g.theta * leg.size,
    deltaUsd: g.delta * leg.size * spot,
  }
}

/**
 * The stress-engine input of one option leg: its quote (implied vol, spot, rate), its whole-leg
 * greeks and its option-delta contribution (risk asset and path, for the scenario's multiplier).
 * The spot is the leg's `spotPrice`, else its `settlementPrice` (expired), else the price the
 * resolver valued its delta at (a price of its risk asset elsewhere in the portfolio).
 * @param index the leg's index in the request (for messages).
 * @throws BaseError INVALID_REQUEST naming `legs.<index>.spotPrice` when no spot can be had.
 */
export function optionStressInput(
  id: string,
  index: number,
  leg: OptionLeg,
  exposure: OptionExposure,
  contribution: Pick<Contribution, 'riskAsset' | 'path' | 'units' | 'usd' | 'flags'>,
): OptionStressInput {
  const fromDelta =
    contribution.units !== 0 && !contribution.flags.rateUnavailable
      ? contribution.usd / contribution.units
      : undefined
  const spot = leg.spotPrice ?? leg.settlementPrice ?? fromDelta
  if (spot === undefined || !(spot > 0) || !Number.isFinite(spot)) {
    throw new BaseError(
      'INVALID_REQUEST',
      `legs.${index}.spotPrice: an option is repriced under stress from the underlying's price: give spotPrice (no price of ${exposure.underlying} elsewhere in the portfolio)`,
    )
  }
  return {
    id,
    underlying: exposure.underlying,
    type: exposure.type,
    strike: exposure.strike,
    years: exposure.years,
    size: exposure.size,
    source: exposure.source,
    impliedVol: exposure.source === 'black-scholes' ? (leg.impliedVol as number) : null,
    spot,
    rate: leg.riskFreeRate ?? 0,
    valueUsd: exposure.valueUsd,
    delta: exposure.delta,
    gamma: exposure.gamma,
    vega: exposure.vega,
    contribution: { riskAsset: contribution.riskAsset, path: contribution.path },
  }
}
