/**
 * Request and response schemas of the leverage routes (`GET /v1/markets/{market}/leverage`,
 * `GET /v1/chains/{chain}/leverage`). USD values, units and prices are JSON numbers (floats).
 */
import { z } from '@hono/zod-openapi'
import { DEFAULT_LEVERAGE_BINS, DEFAULT_LEVERAGE_RANGE } from '../report/leverage-report.js'
import { blockParam, CHAIN, chainKey, defined, param, required } from './query-schemas.js'
import { parseIntParam, parseNumberParam } from './risk-params.js'

const histogramParams = {
  bins: param(
    'bins',
    defined((v) => parseIntParam(v, 'bins', 1, 200, DEFAULT_LEVERAGE_BINS)),
    z.number().int().min(1).max(200),
    { description: `Bins per liquidation-levels histogram, 1-200 (default ${DEFAULT_LEVERAGE_BINS})` },
  ).optional(),
  low: param(
    'low',
    defined((v) => parseNumberParam(v, 'low', 100, 0)),
    z.number().min(0).max(100),
    {
      description: `The histograms' lower edge, a multiple of each risk asset's reference price (default ${DEFAULT_LEVERAGE_RANGE[0]})`,
    },
  ).optional(),
  high: param(
    'high',
    defined((v) => parseNumberParam(v, 'high', 100, 0)),
    z.number().positive().max(100),
    {
      description: `The histograms' upper edge, a multiple of the reference price, above low (default ${DEFAULT_LEVERAGE_RANGE[1]})`,
    },
  ).optional(),
  block: blockParam('Block number to pin; latest when omitted'),
}

/** Query of `GET /v1/markets/{market}/leverage`. */
export const MarketLeverageQuerySchema = z.object({
  // Required: the preprocess alone would let the document call it optional.
  chain: param('chain', (raw) => required(raw, 'chain', 'a market lives on one chain', chainKey), CHAIN, {
    description: 'Chain key (required)',
    example: 'local',
  }).openapi({ param: { name: 'chain', in: 'query', required: true } }),
  ...histogramParams,
})

/** Query of `GET /v1/chains/{chain}/leverage` (the chain is the path's). */
export const ChainLeverageQuerySchema = z.object(histogramParams)

/** `{chain}` of `GET /v1/chains/{chain}/leverage`. */
export const ChainLeverageParamsSchema = z.object({
  // Any key: the use case answers UNKNOWN_CHAIN (listing the known ones) or CHAIN_NOT_CONFIGURED.
  chain: z
    .string()
    .min(1)
    .max(64)
    .openapi({ param: { name: 'chain', in: 'path' }, example: 'local', description: 'Chain key' }),
})

const usdPositions = z.object({ usd: z.number(), positions: z.number().int() })
const LevelHistogramSchema = z.object({
  riskAsset: z.string(),
  price: z.number().openapi({ description: 'The reference price, USD per unit' }),
  bins: z.array(
    z.object({
      from: z.number(),
      to: z.number(),
      onFallUsd: z.number().openapi({ description: 'USD liquidated when the price falls into the bin' }),
      onRiseUsd: z.number().openapi({ description: 'USD liquidated when the price rises into the bin' }),
      positions: z.number().int(),
    }),
  ),
  belowRange: usdPositions,
  aboveRange: usdPositions,
  liquidatableNow: usdPositions,
})

/** The leverage metrics of {@link leverageMetrics} (src/risk/leverage-metrics.ts). */
export const LeverageMetricsSchema = z.object({
  positions: z.object({ lending: z.number().int(), perp: z.number().int(), holders: z.number().int() }),
  totals: z.object({ collateralUsd: z.number(), debtUsd: z.number() }),
  byRiskAsset: z.array(
    z.object({
      riskAsset: z.string(),
      collateralUsd: z.number(),
      collateralUnits: z.number(),
      debtUsd: z.number(),
      debtUnits: z.number(),
    }),
  ),
  concentration: z.object({
    hhi: z.number().nullable().openapi({ description: 'Sum of squared debt shares over holders, in [0, 1]' }),
    topShare: z.number().nullable(),
    top: z.array(z.object({ holder: z.string(), debtUsd: z.number(), share: z.number() })),
  }),
  looped: z.object({
    debtUsd: z.number(),
    share: z.number().nullable(),
    byStructure: z.array(
      z.object({ structure: z.string(), positions: z.number().int(), debtUsd: z.number() }),
    ),
  }),
  crossProtocol: z.object({
    collateralUsd: z.number(),
    share: z.number().nullable(),
    links: z.array(
      z.object({
        holderProtocol: z.string(),
        issuerProtocol: z.string(),
        issuerMarket: z.string().nullable(),
        symbol: z.string(),
        collateralUsd: z.number(),
        positions: z.number().int(),
      }),
    ),
  }),
  liquidationLevels: z.array(LevelHistogramSchema),
  perps: z.object({
    byRiskAsset: z.array(
      z.object({
        riskAsset: z.string(),
        longUsd: z.number(),
        shortUsd: z.number(),
        skew: z.number().nullable(),
      }),
    ),
    liquidationLevels: z.array(LevelHistogramSchema),
  }),
})

const MarketLineSchema = z.object({
  market: z.string(),
  label: z.string().optional(),
  protocol: z.string().nullable(),
  kind: z
    .enum(['lending', 'perp'])
    .optional()
    .openapi({ description: 'perp: a perp venue (withDebt counts its open positions)' }),
  source: z.enum(['subgraph', 'logs', 'registry']),
  candidates: z.number().int(),
  withDebt: z.number().int(),
  unavailable: z.number().int(),
  collateralUsd: z.number(),
  debtUsd: z.number(),
})

const common = {
  chain: z.string(),
  blockNumber: z.number().int(),
  prices: z.record(z.string(), z.number()).openapi({ description: 'Reference USD price per risk asset' }),
  markets: z.array(MarketLineSchema),
  metrics: LeverageMetricsSchema,
  perps: z.object({
    enumerated: z
      .boolean()
      .openapi({ description: "Whether the chain's perp positions are in `metrics.perps`" }),
    reason: z.string().openapi({ description: 'What the perp section covers, or why it is empty' }),
  }),
  model: z.string(),
}

/** `GET /v1/markets/{market}/leverage`. */
export const MarketLeverageResponseSchema = z
  .object({ market: z.string(), ...common })
  .openapi('MarketLeverageReport')

/** `GET /v1/chains/{chain}/leverage`. */
export const ChainLeverageResponseSchema = z
  .object({
    ...common,
    notCovered: z.array(z.object({ protocol: z.string(), reason: z.string() })),
  })
  .openapi('ChainLeverageReport')
