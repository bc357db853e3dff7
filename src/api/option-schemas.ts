/**
 * Response schemas of option legs under stress and of their greeks per risk asset (the
 * `POST /v1/analyze` additions: `exposure.optionGreeks`, `stress`).
 */
import { z } from '@hono/zod-openapi'
import {
  AnalyzeResponseSchema,
  ExposureSchema,
  MonteCarloResponseSchema,
  StressedPositionSchema,
} from './schemas.js'

/** One option leg under one scenario. */
export const StressedOptionSchema = z
  .object({
    id: z.string(),
    underlying: z.string(),
    riskAsset: z.string(),
    method: z.enum(['black-scholes', 'taylor', 'expired']).openapi({
      description:
        'black-scholes: repriced in full at the shocked spot and vol; taylor: given greeks, delta dS + gamma dS^2/2 + vega dVol; expired: its settled value',
    }),
    spotBefore: z.number(),
    spotShocked: z.number(),
    volBefore: z.number().nullable(),
    volShocked: z.number().nullable().openapi({
      description: 'The smile at the shocked spot plus the vol shock, clamped to [0.01, 10]',
    }),
    volClamped: z.boolean(),
    volShift: z.number().openapi({ description: 'The absolute vol shock applied (0.2 = +20 vol points)' }),
    valueBeforeUsd: z.number().nullable(),
    valueShockedUsd: z.number().nullable(),
    changeUsd: z.number(),
    deltaShocked: z.number().openapi({ description: 'Whole leg, units of the underlying' }),
    gammaShocked: z.number(),
    vegaShocked: z.number().openapi({ description: 'Whole leg, USD per 1.00 of volatility' }),
  })
  .openapi('StressedOption')

/** The option legs' greeks summed per risk asset. */
export const OptionGreeksSchema = z
  .object({
    riskAsset: z.string(),
    legs: z.number().int(),
    delta: z.number().openapi({ description: 'Units of the risk asset' }),
    deltaUsd: z.number().nullable(),
    gamma: z.number().openapi({ description: 'Units per USD of price move' }),
    gammaUsdPer1Pct: z
      .number()
      .nullable()
      .openapi({ description: "Move of the delta's USD value for a +1% move: gamma x spot^2 / 100" }),
    vega: z.number().openapi({ description: 'USD per 1.00 of volatility' }),
    vegaUsdPerVolPoint: z.number().openapi({ description: 'USD per vol point (0.01)' }),
    thetaUsdPerDay: z.number().nullable(),
  })
  .openapi('OptionGreeks')

const ScenarioResultSchema = z.object({
  scenario: z.object({
    name: z.string(),
    shocks: z.record(z.string(), z.number()),
    depegs: z.record(z.string(), z.number()).optional(),
    vols: z
      .record(z.string(), z.number())
      .optional()
      .openapi({ description: 'Absolute vol shocks per risk asset (the vol dimension)' }),
  }),
  positions: z.array(StressedPositionSchema),
  options: z.array(StressedOptionSchema).optional().openapi({
    description: "The portfolio's option legs repriced (always present on analyze, [] without options)",
  }),
  optionsChangeUsd: z.number().optional().openapi({
    description: "Sum of the option legs' value changes, USD (counted in equityAfterUsd and changeUsd)",
  }),
  equityBeforeUsd: z.number(),
  equityAfterUsd: z.number(),
  changeUsd: z.number(),
  changePct: z.number().nullable(),
  positionsLiquidated: z.number().int(),
  penaltyUsd: z.number(),
  minHealthFactor: z.number().nullable(),
})

/** The stress of an analysis: every scenario, option legs repriced, and the worst case. */
export const AnalyzeStressSchema = z
  .object({
    scenarios: z.array(ScenarioResultSchema),
    worstCase: z
      .object({
        scenario: z.string(),
        equityAfterUsd: z.number(),
        changeUsd: z.number(),
        changePct: z.number().nullable(),
        positionsLiquidated: z.number().int(),
      })
      .nullable(),
  })
  .openapi('AnalyzeStress')

/** `POST /v1/analyze`'s answer with the option greeks in the exposure and the stress when asked. */
/** One option leg along the Monte Carlo paths (USD). */
export const McOptionResultSchema = z
  .object({
    id: z.string(),
    initialValue: z
      .number()
      .openapi({ description: 'Value of the whole leg now (Black-Scholes at the quoted vol), USD' }),
    meanValue: z.number().openapi({
      description: 'Mean over the paths of its value at the horizon (or its payoff, if it expired), USD',
    }),
    expiresWithinHorizon: z.boolean(),
  })
  .openapi('McOptionResult')

/** The Monte Carlo of `POST /v1/analyze?montecarlo=true`: the wallet simulation's fields, option legs along the paths. */
export const AnalyzeMonteCarloSchema = MonteCarloResponseSchema.omit({
  address: true,
  chain: true,
  blockNumber: true,
  unresolved: true,
})
  .extend({ options: z.array(McOptionResultSchema).optional() })
  .openapi('AnalyzeMonteCarlo')

export const AnalyzeReportSchema = AnalyzeResponseSchema.extend({
  exposure: ExposureSchema.extend({ optionGreeks: z.array(OptionGreeksSchema) }),
  stress: AnalyzeStressSchema.nullable().openapi({
    description: 'Present (non-null) when the stress was asked for (stress, shocks, depegs, vols or skew)',
  }),
  monteCarlo: AnalyzeMonteCarloSchema.nullable().openapi({
    description: 'Present (non-null) when the Monte Carlo was asked for (montecarlo=true)',
  }),
}).openapi('AnalyzeReport')
