/** The carry fields of `GET /v1/wallets/{address}/exposure` (`carry=true`): query and response schemas. */
import { z } from '@hono/zod-openapi'
import { BaseError } from '../core/errors.js'
import { DEFAULT_CARRY_LOOKBACK_DAYS, MAX_CARRY_LOOKBACK_DAYS } from '../report/carry-report.js'
import { param } from './query-schemas.js'
import { parseNumberParam } from './risk-params.js'

const parseFlag = (name: string) => (raw: string | undefined) => {
  if (raw === undefined) return undefined
  if (raw === 'true') return true
  if (raw === 'false') return false
  throw new BaseError('INVALID_REQUEST', `${name} must be "true" or "false", got "${raw.slice(0, 40)}"`)
}

/** `?carry&carryDays` added to the exposure route's query. */
export const CarryQueryFields = {
  carry: param('carry', parseFlag('carry'), z.boolean(), {
    description:
      "Also compute the carry: supply/borrow APY of every leg at the block (each protocol's rate model), wrappers' native yield, net carry per layer, stack and wallet; default false",
    example: 'true',
  }).optional(),
  carryDays: param(
    'carryDays',
    (raw) =>
      raw === undefined
        ? undefined
        : parseNumberParam(raw, 'carryDays', MAX_CARRY_LOOKBACK_DAYS, DEFAULT_CARRY_LOOKBACK_DAYS),
    z.number().gt(0).max(MAX_CARRY_LOOKBACK_DAYS),
    {
      description: `Days back to measure wrappers' native yield over (their rate at the block against a block that many days earlier); default ${DEFAULT_CARRY_LOOKBACK_DAYS}, at most ${MAX_CARRY_LOOKBACK_DAYS}. Needs carry=true`,
      example: '7',
    },
  ).optional(),
}

const LegCarrySchema = z.object({
  symbol: z.string(),
  token: z.string().nullable(),
  side: z.enum(['collateral', 'debt', 'long', 'short']),
  usd: z.number(),
  rateApy: z.number().nullable().openapi({
    description:
      'Supply (collateral) or borrow (debt) APY, fraction; a perp leg: what it receives per year on its USD value (funding + borrowing), signed',
  }),
  nativeApy: z.number().openapi({ description: "The token's own yield (wrapper growth), fraction" }),
  totalApy: z.number().nullable().openapi({ description: '(1 + rateApy)(1 + nativeApy) - 1' }),
  carryUsdPerYear: z.number().nullable().openapi({ description: 'Signed USD per year: + earned, - paid' }),
  source: z.string().nullable(),
  components: z
    .array(z.object({ name: z.string(), apy: z.number(), usdPerYear: z.number(), source: z.string() }))
    .optional()
    .openapi({
      description:
        'The rate split into its charges (a GMX perp: funding, borrowing): fraction per year of the leg USD value and USD per year, signed (+: received)',
    }),
})

const LayerCarrySchema = z.object({
  layer: z.string(),
  label: z.string(),
  protocol: z.string(),
  carryUsdPerYear: z.number(),
  apyOnNotional: z.number().nullable(),
  apyOnEquity: z.number().nullable(),
  complete: z.boolean(),
  legs: z.array(LegCarrySchema),
  missing: z.array(z.string()),
})

const StackCarrySchema = z.object({
  stack: z.string(),
  carryUsdPerYear: z.number(),
  apyOnNotional: z.number().nullable().openapi({ description: 'carry / the stack gross exposure' }),
  apyOnEquity: z.number().nullable(),
  breakEvenMovePerYear: z.number().nullable().openapi({
    description:
      "Uniform relative move of the stack's non-USD risk assets whose P&L cancels one year of carry (-carry / net non-USD USD); null without net non-USD exposure",
  }),
  complete: z.boolean(),
})

const NativeYieldSchema = z.object({
  chain: z.string(),
  token: z.string(),
  symbol: z.string(),
  apy: z.number(),
  method: z.string(),
  rateFrom: z.string().nullable(),
  rateTo: z.string().nullable(),
  fromBlock: z.number().int().nullable(),
  toBlock: z.number().int().nullable(),
  elapsedSeconds: z.number().nullable(),
})

/** The `carry` of an exposure answer. */
export const CarrySchema = z
  .object({
    netCarryUsdPerYear: z.number(),
    apyOnNotional: z.number().nullable(),
    apyOnEquity: z.number().nullable(),
    breakEvenMovePerYear: z.number().nullable(),
    complete: z.boolean(),
    layers: z.array(LayerCarrySchema),
    stacks: z.array(StackCarrySchema),
    nativeYields: z.array(NativeYieldSchema),
    conventions: z.array(z.string()),
    lookbackDays: z.number(),
    notes: z.array(z.string()),
  })
  .openapi('Carry')
