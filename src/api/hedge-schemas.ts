/** Query and response schemas of `GET /v1/wallets/{address}/hedge`. */
import { z } from '@hono/zod-openapi'
import { BaseError } from '../core/errors.js'
import {
  HEDGE_LIMITS,
  HEDGE_VENUE_PATTERN,
  HEDGE_VENUES,
  hedgeVenueString,
  parseHedgeVenue,
} from '../report/hedge-report.js'
import type { HedgeTarget } from '../risk/hedge.js'
import { PerpLegSchema } from './analyze.js'
import { param, WalletReadQuerySchema } from './query-schemas.js'
import { parseIntParam, parseNumberParam } from './risk-params.js'
import { ChainBlockSchema, ExposureSchema, StressResponseSchema } from './schemas.js'

const TARGETS: Record<string, HedgeTarget> = {
  delta: { kind: 'delta' },
  beta: { kind: 'beta', to: 'ETH' },
  'beta:ETH': { kind: 'beta', to: 'ETH' },
  'beta:BTC': { kind: 'beta', to: 'BTC' },
}

const parseTarget = (raw: string | undefined): HedgeTarget => {
  if (raw === undefined || raw === '') return TARGETS.delta!
  const t = TARGETS[raw] ?? TARGETS[raw.replace(/:(eth|btc)$/i, (m) => m.toUpperCase())]
  if (!t) {
    throw new BaseError(
      'INVALID_REQUEST',
      `target: "${raw.slice(0, 40)}" is not one of delta, beta (= beta:ETH), beta:ETH, beta:BTC`,
    )
  }
  return t
}

const parseVenue = (raw: string | undefined) => {
  if (raw === undefined || raw === '') {
    throw new BaseError('INVALID_REQUEST', `venue is required: one of ${HEDGE_VENUES.join(', ')}`)
  }
  const v = parseHedgeVenue(raw)
  if (!v) {
    throw new BaseError(
      'INVALID_REQUEST',
      `venue: "${raw.slice(0, 80)}" is not a hedge venue (one of ${HEDGE_VENUES.join(', ')}; <market> a 0x-prefixed 20-byte market token address)`,
    )
  }
  return hedgeVenueString(v)
}

const optional =
  <T>(parse: (v: string) => T) =>
  (raw: string | undefined) =>
    raw === undefined || raw === '' ? undefined : parse(raw)

/** `?chain&block&accounts&venue&target&leverage&horizonDays&paths&seed`. */
export const HedgeQuerySchema = WalletReadQuerySchema.extend({
  venue: param('venue', parseVenue, z.string().regex(HEDGE_VENUE_PATTERN), {
    description: `Where the hedge is placed: ${HEDGE_VENUES.join(', ')}. hyperliquid: each risk asset on its same-name perp of the default dex; gmx:<chain>: GMX v2 on that chain, per risk asset the first market getMarkets lists with that index (long and short tokens differ); gmx:<chain>:<market>: that market (its GM token address) only`,
    example: 'hyperliquid',
  }),
  target: param(
    'target',
    parseTarget,
    z.union([
      z.object({ kind: z.literal('delta') }),
      z.object({ kind: z.literal('beta'), to: z.enum(['ETH', 'BTC']) }),
    ]),
    {
      description:
        'delta (default): zero the net units of every non-USD risk asset; beta or beta:ETH / beta:BTC: zero the dollar beta to ETH (or BTC) with one perp on it',
      example: 'delta',
    },
  ).optional(),
  leverage: param(
    'leverage',
    optional((v) => parseNumberParam(v, 'leverage', HEDGE_LIMITS.maxLeverage, 2)),
    z.number().positive().max(HEDGE_LIMITS.maxLeverage).optional(),
    {
      description: "Leverage of each hedge, (0, 100] (default 2), capped at the venue's max for its size",
      example: '3',
    },
  ).optional(),
  horizonDays: param(
    'horizonDays',
    optional((v) => parseNumberParam(v, 'horizonDays', HEDGE_LIMITS.horizonDays, 30)),
    z.number().positive().max(HEDGE_LIMITS.horizonDays).optional(),
    { description: 'Monte Carlo horizon, days, (0, 365] (default 30)', example: '30' },
  ).optional(),
  paths: param(
    'paths',
    optional((v) => parseIntParam(v, 'paths', 100, HEDGE_LIMITS.paths, 2_000)),
    z.number().int().min(100).max(HEDGE_LIMITS.paths).optional(),
    {
      description: 'Monte Carlo paths of each run (before, after), 100..50,000 (default 2,000)',
      example: '2000',
    },
  ).optional(),
  seed: param(
    'seed',
    optional((v) => (/^\d{1,15}$/.test(v) ? Number(v) : v.slice(0, 64))),
    z.union([z.number().int().nonnegative(), z.string().max(64)]),
    { description: 'Seed of both runs (default 1)', example: '42' },
  ).optional(),
})

const NetExposureList = ExposureSchema.shape.netExposure

const HedgeSideSchema = z.object({
  equityUsd: z.number(),
  grossExposureUsd: z.number(),
  effectiveLeverage: z.number().nullable(),
  netExposure: NetExposureList,
  beta: z.object({
    ETH: z.number().nullable(),
    BTC: z.number().nullable(),
    dollarEth: z.number(),
    dollarBtc: z.number(),
  }),
  monteCarlo: z.object({
    walletLiquidationProbability: z.number(),
    walletStandardError: z.number(),
    var95: z.number(),
    var99: z.number(),
    es95: z.number(),
    positions: z.array(
      z.object({ id: z.string(), liquidationProbability: z.number(), standardError: z.number() }),
    ),
  }),
  stress: z.object({
    scenarios: StressResponseSchema.shape.scenarios,
    worstCase: StressResponseSchema.shape.worstCase,
  }),
})

const PlanLegSchema = z.object({
  riskAsset: z.string(),
  leg: PerpLegSchema,
  notionalUsd: z.number(),
  leverage: z.number(),
  maxLeverage: z.number(),
  marginUsd: z.number(),
  liquidationPrice: z
    .number()
    .nullable()
    .openapi({ description: "The hedge's own liquidation price, USD per unit" }),
  liquidationDistance: z.number().nullable(),
  openFeeUsd: z.number(),
  roundTripFeeUsd: z.number(),
  fundingUsdPerYear: z
    .number()
    .openapi({ description: 'Funding received per year at the current rate (negative: paid)' }),
  fundingApy: z.number(),
  unroundedSize: z.number(),
  borrowingUsdPerYear: z.number().openapi({ description: 'Borrowing per year, USD (GMX; 0 on Hyperliquid)' }),
  carryUsdPerYear: z.number().openapi({ description: 'Funding + borrowing per year, USD (+: received)' }),
  gmx: z
    .object({
      rule: z.object({
        kind: z.literal('gmx-min-collateral'),
        market: z.string(),
        marketName: z.string(),
        minCollateralFactor: z.number(),
        minCollateralFactorForLiquidation: z.number(),
        minCollateralUsd: z.number(),
        maxPositionImpactFactorForLiquidations: z.number(),
        closeFeeRate: z.number(),
      }),
      thresholdUsd: z.number(),
      collateralUsd: z.number(),
      liquidationPriceWorstImpact: z.number().nullable(),
    })
    .nullable()
    .openapi({
      description:
        "GMX venues: the market's min-collateral rule, the threshold, the collateral after the open fee and the liquidation price with the largest negative impact the check counts; null on Hyperliquid",
    }),
})

/** The hedge answer. */
export const HedgeResponseSchema = z
  .object({
    address: z.string(),
    chain: z.string().nullable(),
    blockNumber: z.number().int().nullable(),
    chains: z.array(ChainBlockSchema),
    target: z.union([
      z.object({ kind: z.literal('delta') }),
      z.object({ kind: z.literal('beta'), to: z.enum(['ETH', 'BTC']) }),
    ]),
    venue: z.string().openapi({ description: 'The venue as asked (canonical spelling)' }),
    legs: z.array(PerpLegSchema).openapi({
      description: 'The hedge legs exactly as POST /v1/analyze takes them in `legs`',
    }),
    plan: z.object({
      target: z.unknown(),
      legs: z.array(PlanLegSchema),
      unhedged: z.array(
        z.object({ riskAsset: z.string(), units: z.number(), usd: z.number(), reason: z.string() }),
      ),
      carryUsdPerYear: z
        .number()
        .openapi({ description: 'Funding and borrowing of all legs per year, USD (negative: a cost)' }),
      roundTripFeesUsd: z.number(),
      marginUsd: z.number(),
    }),
    before: HedgeSideSchema,
    after: HedgeSideSchema,
    residual: NetExposureList.openapi({
      description: 'Net exposure after the hedge: what POST /v1/analyze answers for the wallet plus `legs`',
    }),
    monteCarloParams: z.object({
      horizonDays: z.number(),
      paths: z.number().int(),
      steps: z.number().int(),
      seed: z.union([z.number(), z.string()]),
    }),
    assumptions: z.array(z.string()),
  })
  .openapi('HedgeReport')
