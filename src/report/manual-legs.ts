/**
 * Legs the chain cannot see (CEX perps, options) as the engine sees them: a perp leg becomes a
 * Position (kind "perp") with its liquidation price, an option its position-sized greeks.
 */
import { isolatedMaintenanceRule } from '../core/liquidation-rule.js'
import type { Position } from '../core/types.js'
import { blackScholes } from '../risk/black-scholes.js'
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
  /** Years to expiry at the analysis time. */
  years: number
  source: 'given' | 'black-scholes'
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

/** Greeks of one option leg at `now`. */
export function optionExposure(leg: OptionLeg, now: Date): OptionExposure {
  const years = (Date.parse(leg.expiry) - now.getTime()) / (365 * 24 * 3600 * 1000)
  const base = {
    underlying: leg.underlying.toUpperCase(),
    type: leg.type,
    strike: leg.strike,
    expiry: leg.expiry,
    size: leg.size,
    years,
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
