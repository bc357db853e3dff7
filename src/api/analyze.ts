/**
 * `POST /v1/analyze`: one portfolio of wallets plus manual legs the chain cannot see (CEX perps,
 * options). Request schema, the manual legs' positions and greeks (the exposure is the resolver's).
 */
import { z } from '@hono/zod-openapi'
import { isolatedMaintenanceRule } from '../core/liquidation-rule.js'
import type { Position } from '../core/types.js'
import { blackScholes } from '../risk/black-scholes.js'
import { perpRisk } from '../risk/perp.js'

/** Limits of one analysis request. */
export const ANALYZE_LIMITS = { wallets: 20, legs: 200, bodyBytes: 64 * 1024 } as const

const positive = (what: string) =>
  z
    .number({ error: `${what} must be a number` })
    .finite()
    .positive(`${what} must be > 0`)
const symbol = z
  .string()
  .min(1, 'must not be empty')
  .max(32, 'at most 32 characters')
  .regex(/^[A-Za-z0-9._-]+$/, 'letters, digits, ".", "_" or "-" only')

/** A CEX (or any off-chain) isolated perp. */
export const PerpLegSchema = z
  .object({
    kind: z.literal('perp'),
    venue: symbol.openapi({ example: 'binance' }),
    asset: symbol.openapi({ example: 'ETH' }),
    side: z.enum(['long', 'short']),
    size: positive('size').openapi({ description: 'Units of the asset', example: 10 }),
    entryPrice: positive('entryPrice').openapi({ example: 3000 }),
    margin: positive('margin').openapi({ description: 'Isolated margin, USD', example: 5000 }),
    maintenanceMarginRate: z
      .number()
      .finite()
      .gt(0, 'maintenanceMarginRate must be > 0')
      .lt(1, 'maintenanceMarginRate must be < 1 (0.005 = 0.5%)')
      .openapi({ example: 0.005 }),
    markPrice: positive('markPrice').optional(),
  })
  .strict()
  .openapi('PerpLeg')

/** A European option; greeks given, or computed by Black-Scholes from an implied volatility. */
export const OptionLegSchema = z
  .object({
    kind: z.literal('option'),
    underlying: symbol.openapi({ example: 'ETH' }),
    type: z.enum(['call', 'put']),
    strike: positive('strike'),
    expiry: z.iso.datetime({
      offset: true,
      error: 'expiry must be an ISO-8601 date-time, e.g. 2027-03-26T08:00:00Z',
    }),
    size: z
      .number()
      .finite()
      .refine((v) => v !== 0, 'size must not be 0 (negative = short)')
      .openapi({ description: 'Units of the underlying; negative for a short option', example: 5 }),
    impliedVol: z
      .number()
      .finite()
      .positive('impliedVol must be > 0')
      .max(10, 'impliedVol above 1000%?')
      .optional(),
    spotPrice: positive('spotPrice')
      .optional()
      .openapi({ description: 'Underlying price; needed with impliedVol' }),
    riskFreeRate: z.number().finite().min(-0.5).max(1).optional(),
    greeks: z
      .object({
        delta: z.number().finite(),
        gamma: z.number().finite(),
        vega: z.number().finite(),
        theta: z.number().finite().optional(),
      })
      .strict()
      .optional(),
  })
  .strict()
  .refine((o) => o.greeks !== undefined || o.impliedVol !== undefined, {
    message: 'give greeks, or impliedVol (with spotPrice) to compute them',
    path: ['impliedVol'],
  })
  .refine((o) => o.greeks !== undefined || o.spotPrice !== undefined, {
    message: 'spotPrice is needed to compute greeks from impliedVol',
    path: ['spotPrice'],
  })
  .openapi('OptionLeg')

/** The request body. */
export const AnalyzeBodySchema = z
  .object({
    wallets: z
      .array(
        z
          .object({
            address: z.string(),
            chains: z.array(z.string()).min(1, 'chains, when given, must name at least one chain').optional(),
          })
          .strict(),
      )
      .max(ANALYZE_LIMITS.wallets, `at most ${ANALYZE_LIMITS.wallets} wallets`)
      .default([]),
    legs: z
      .array(z.discriminatedUnion('kind', [PerpLegSchema, OptionLegSchema]))
      .max(ANALYZE_LIMITS.legs, `at most ${ANALYZE_LIMITS.legs} legs`)
      .default([]),
  })
  .strict()
  .refine((b) => b.wallets.length + b.legs.length > 0, { message: 'give at least one wallet or one leg' })
  .openapi('AnalyzeRequest')

/** A parsed perp leg. */
export type PerpLeg = z.infer<typeof PerpLegSchema>
/** A parsed option leg. */
export type OptionLeg = z.infer<typeof OptionLegSchema>

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
