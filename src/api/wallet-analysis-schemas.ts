/**
 * Request and response schemas of the wallet-analysis routes (`/surface`, `/capacity`) and the
 * liquidation ratios served on wallet positions: the OpenAPI document says exactly what the code
 * accepts (the parsers throw the coded errors; zod shows the types).
 */
import { z } from '@hono/zod-openapi'
import { BaseError } from '../core/errors.js'
import { CAPACITY_CASCADES } from '../report/capacity-report.js'
import { MAX_SURFACE_POINTS, MAX_SURFACE_RANGE } from '../risk/surface.js'
import { blankTo, defined, listParam, MOVES, param, WalletQuerySchema } from './query-schemas.js'
import { parseMoves } from './risk-params.js'
import { ChainBlockSchema } from './schemas.js'

const axisAsset = (name: string, fallback: string) => (raw: string | undefined) => {
  const asset = (raw ?? fallback).toUpperCase()
  if (!/^[A-Z0-9._-]{1,32}$/.test(asset))
    throw new BaseError('INVALID_REQUEST', `${name}: "${String(raw).slice(0, 40)}" is not a risk asset name`)
  if (asset === 'USD')
    throw new BaseError('INVALID_REQUEST', `${name}: USD is the numeraire: pick a risk asset (ETH, BTC, ...)`)
  return asset
}

const parseRange = (v: string) => {
  const m = /^(\d+(?:\.\d+)?)(%?)$/.exec(v)
  const n = m ? Number(m[1]) / (m[2] === '%' ? 100 : 1) : Number.NaN
  if (!(n > 0 && n <= MAX_SURFACE_RANGE))
    throw new BaseError(
      'INVALID_REQUEST',
      `range: "${v.slice(0, 40)}" is not a half-width in (0, ${MAX_SURFACE_RANGE}] (0.5 or 50% = -50%..+50%)`,
    )
  return n
}
const parsePoints = (v: string) => {
  const n = /^\d{1,3}$/.test(v) ? Number(v) : Number.NaN
  if (!(n >= 3 && n <= MAX_SURFACE_POINTS && n % 2 === 1))
    throw new BaseError(
      'INVALID_REQUEST',
      `points: "${v.slice(0, 40)}" is not an odd integer between 3 and ${MAX_SURFACE_POINTS}`,
    )
  return n
}

/** `GET /v1/wallets/{address}/surface` query. */
export const SurfaceQuerySchema = WalletQuerySchema.extend({
  x: param('x', axisAsset('x', 'ETH'), z.string().regex(/^[A-Za-z0-9._-]{1,32}$/), {
    description: 'Risk asset of the horizontal axis (default ETH; not USD)',
    example: 'ETH',
  }).default('ETH'),
  y: param('y', axisAsset('y', 'BTC'), z.string().regex(/^[A-Za-z0-9._-]{1,32}$/), {
    description: 'Risk asset of the vertical axis (default BTC; not USD, not x)',
    example: 'BTC',
  }).default('BTC'),
  range: param('range', blankTo(parseRange), z.number().positive().max(MAX_SURFACE_RANGE).optional(), {
    description: `Half-width of each axis, a relative move in (0, ${MAX_SURFACE_RANGE}] or a percentage (default 0.5)`,
    example: '0.5',
  }).optional(),
  points: param('points', blankTo(parsePoints), z.number().int().min(3).max(MAX_SURFACE_POINTS).optional(), {
    description: `Grid points per axis, odd, 3..${MAX_SURFACE_POINTS} (default 21)`,
    example: '21',
  }).optional(),
})

const parseCascade = (raw: string | undefined) => {
  const v = raw ?? 'none'
  if (!(CAPACITY_CASCADES as readonly string[]).includes(v))
    throw new BaseError(
      'INVALID_REQUEST',
      `cascade: "${v.slice(0, 40)}" is not one of ${CAPACITY_CASCADES.join(', ')}`,
    )
  return v
}
const parseTarget = (v: string) => {
  const n = /^\d{1,3}(\.\d{1,9})?$/.test(v) ? Number(v) : Number.NaN
  if (!(n > 1 && n <= 100))
    throw new BaseError('INVALID_REQUEST', `hf: "${v.slice(0, 40)}" is not a health factor in (1, 100]`)
  return n
}

/** `GET /v1/wallets/{address}/capacity` query. */
export const CapacityQuerySchema = WalletQuerySchema.extend({
  shock: listParam('shock', (v) => parseMoves(v, 'shock'), MOVES, {
    description:
      'Risk-asset moves, ASSET:MOVE comma-separated (ETH:-0.3 or ETH:-30%; * = the rest); none: the read prices',
    example: 'ETH:-0.3',
  }),
  cascade: param('cascade', parseCascade, z.enum(CAPACITY_CASCADES), {
    description:
      "none (default), market (each shocked asset deepened to the deepest final shock of the wallet's Aave and Morpho markets' cascades), systemic (each shocked asset deepened to the final DEX move of the chain's systemic cascade: every enumerated market in one fixed point)",
    example: 'market',
  }).default('none'),
  hf: param('hf', defined(parseTarget), z.number().gt(1).max(100), {
    description: 'Target health factor after the shock, in (1, 100] (default 1.1)',
    example: '1.1',
  }).optional(),
})

const moveGrid = z.array(z.array(z.number().nullable()))

const SurfacePositionSchema = z.object({
  id: z.string(),
  protocol: z.string(),
  market: z.string(),
  chain: z.string(),
  kind: z.enum(['lending', 'perp']),
  rule: z.string().openapi({ description: "The position's liquidation rule kind the engine applied" }),
  healthFactor: z.number().nullable(),
  dependsOn: z.object({ x: z.boolean(), y: z.boolean() }),
  xCuts: z.array(z.number()).openapi({
    description: 'x moves (y unmoved) where HF = 1 over (-100%, +1000%]: the one-asset liquidation moves',
  }),
  yCuts: z.array(z.number()),
  boundary: z.array(z.object({ x: z.number(), y: z.number(), along: z.enum(['column', 'row']) })),
  healthFactors: moveGrid.openapi({ description: 'HF per cell [row = y][column = x]; null without debt' }),
})

/** `GET /v1/wallets/{address}/surface` response. */
export const SurfaceResponseSchema = z
  .object({
    address: z.string(),
    chain: z.string().nullable(),
    blockNumber: z.number().int().nullable(),
    chains: z.array(ChainBlockSchema),
    x: z.object({ asset: z.string(), moves: z.array(z.number()) }),
    y: z.object({ asset: z.string(), moves: z.array(z.number()) }),
    minHealthFactor: moveGrid.openapi({
      description: 'Lowest HF per cell [row = y][column = x]; null without debt',
    }),
    positionsLiquidated: z.array(z.array(z.number().int())),
    positions: z.array(SurfacePositionSchema),
    unresolved: z.array(z.unknown()),
    model: z.string(),
  })
  .openapi('LiquidationSurface')

const CapacityTokenSchema = z.object({
  symbol: z.string(),
  address: z.string().nullable(),
  decimals: z.number().int(),
  priceUsd: z.number(),
  multiplier: z.number().openapi({ description: "The shock's multiplier of its price (0.7 for -30%)" }),
})
const CapacityAmountSchema = z.object({
  amount: z.string().openapi({ description: 'Raw units of the debt token, rounded down' }),
  usd: z.number(),
  limitedBy: z.enum(['target', 'ltv']),
  healthFactorAfterShock: z.number().nullable(),
})
const PositionCapacitySchema = z.object({
  id: z.string(),
  protocol: z.string(),
  market: z.string(),
  chain: z.string(),
  kind: z.enum(['lending', 'perp']),
  healthFactor: z.number().nullable(),
  healthFactorShocked: z.number().nullable(),
  debt: CapacityTokenSchema.nullable(),
  collateral: CapacityTokenSchema.nullable(),
  borrow: CapacityAmountSchema.nullable(),
  loop: CapacityAmountSchema.nullable(),
  deleverage: z
    .object({
      repayAmount: z
        .string()
        .openapi({ description: 'Raw debt-token units to repay from outside funds, rounded up' }),
      repayUsd: z.number(),
      sellCollateralUsd: z.number().nullable(),
      plan: z.record(z.string(), z.unknown()).nullable().openapi({
        description:
          "The unwind planner's plan now (read prices) to the health factor the collateral sale leaves now",
      }),
      planHealthFactorAfterShock: z.number().nullable(),
    })
    .nullable(),
  reason: z.string().optional(),
})
const CascadeMarketSchema = z.union([
  z.object({
    chain: z.string(),
    market: z.string(),
    asset: z.string(),
    initialShock: z.number(),
    finalShock: z.number(),
    rounds: z.number().int(),
  }),
  z.object({ chain: z.string(), market: z.string(), asset: z.string(), skipped: z.string() }),
])

/** `GET /v1/wallets/{address}/capacity` response. */
export const CapacityResponseSchema = z
  .object({
    address: z.string(),
    chain: z.string().nullable(),
    blockNumber: z.number().int().nullable(),
    chains: z.array(ChainBlockSchema),
    targetHealthFactor: z.number(),
    shocks: z.record(z.string(), z.number()),
    cascade: z.enum(CAPACITY_CASCADES),
    withoutCascade: z.array(PositionCapacitySchema),
    withCascade: z
      .object({
        shocks: z.record(z.string(), z.number()),
        markets: z.array(CascadeMarketSchema),
        positions: z.array(PositionCapacitySchema),
      })
      .nullable(),
    unresolved: z.array(z.unknown()),
    model: z.string(),
  })
  .openapi('Capacity')
