/**
 * `POST /v1/analyze`'s request: one portfolio of wallets plus manual legs the chain cannot see
 * (CEX perps, options). The legs' positions and greeks are `src/report/manual-legs.ts`'.
 */
import { z } from '@hono/zod-openapi'

/**
 * Limits of one analysis request: list sizes, the body, and the largest magnitude of each kind of
 * number (units of an asset; USD per unit; USD; greeks per unit), so every product the engine
 * forms stays finite.
 */
export const ANALYZE_LIMITS = {
  wallets: 20,
  legs: 200,
  chainsPerWallet: 16,
  bodyBytes: 64 * 1024,
  /** Units of an asset (perp and option sizes), exclusive. */
  maxUnits: 1e12,
  /** USD per unit (prices, strikes), exclusive. */
  maxPrice: 1e12,
  /** USD (margins), exclusive. */
  maxUsd: 1e15,
  /** A greek per unit of the underlying, in magnitude, inclusive. */
  maxGreek: 1e9,
  /** The smallest size, price or margin magnitude, inclusive (below it float products underflow). */
  minMagnitude: 1e-12,
  /** The smallest implied volatility, inclusive. */
  minImpliedVol: 1e-4,
} as const

const positive = (what: string, max: number) =>
  z
    .number({ error: `${what} must be a number` })
    .finite(`${what} must be finite`)
    .positive(`${what} must be > 0`)
    .min(ANALYZE_LIMITS.minMagnitude, `${what} must be >= ${ANALYZE_LIMITS.minMagnitude}`)
    .lt(max, `${what} must be < ${max}`)
const greek = (what: string) =>
  z
    .number({ error: `${what} must be a number` })
    .finite()
    .min(-ANALYZE_LIMITS.maxGreek, `${what} must be >= -${ANALYZE_LIMITS.maxGreek}`)
    .max(ANALYZE_LIMITS.maxGreek, `${what} must be <= ${ANALYZE_LIMITS.maxGreek}`)
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
    size: positive('size', ANALYZE_LIMITS.maxUnits).openapi({
      description: `Units of the asset, (0, ${ANALYZE_LIMITS.maxUnits})`,
      example: 10,
    }),
    entryPrice: positive('entryPrice', ANALYZE_LIMITS.maxPrice).openapi({
      description: `USD per unit, (0, ${ANALYZE_LIMITS.maxPrice})`,
      example: 3000,
    }),
    margin: positive('margin', ANALYZE_LIMITS.maxUsd).openapi({
      description: `Isolated margin, USD, (0, ${ANALYZE_LIMITS.maxUsd})`,
      example: 5000,
    }),
    maintenanceMarginRate: z
      .number()
      .finite()
      .gt(0, 'maintenanceMarginRate must be > 0')
      .min(1e-9, 'maintenanceMarginRate must be >= 1e-9')
      .lt(1, 'maintenanceMarginRate must be < 1 (0.005 = 0.5%)')
      .openapi({ example: 0.005 }),
    markPrice: positive('markPrice', ANALYZE_LIMITS.maxPrice).optional(),
  })
  .strict()
  .openapi('PerpLeg')

/** A European option; greeks given, or computed by Black-Scholes from an implied volatility. */
export const OptionLegSchema = z
  .object({
    kind: z.literal('option'),
    underlying: symbol.openapi({ example: 'ETH' }),
    type: z.enum(['call', 'put']),
    strike: positive('strike', ANALYZE_LIMITS.maxPrice),
    expiry: z.iso.datetime({
      offset: true,
      error: 'expiry must be an ISO-8601 date-time, e.g. 2027-03-26T08:00:00Z',
    }),
    size: z
      .number()
      .finite()
      .gt(-ANALYZE_LIMITS.maxUnits, `size must be > -${ANALYZE_LIMITS.maxUnits}`)
      .lt(ANALYZE_LIMITS.maxUnits, `size must be < ${ANALYZE_LIMITS.maxUnits}`)
      .refine(
        (v) => Math.abs(v) >= ANALYZE_LIMITS.minMagnitude,
        `size must not be 0 (negative = short); |size| >= ${ANALYZE_LIMITS.minMagnitude}`,
      )
      .openapi({
        description: `Units of the underlying; negative for a short option; |size| < ${ANALYZE_LIMITS.maxUnits}`,
        example: 5,
      }),
    impliedVol: z
      .number()
      .finite()
      .positive('impliedVol must be > 0')
      .min(ANALYZE_LIMITS.minImpliedVol, `impliedVol must be >= ${ANALYZE_LIMITS.minImpliedVol}`)
      .max(10, 'impliedVol above 1000%?')
      .optional(),
    spotPrice: positive('spotPrice', ANALYZE_LIMITS.maxPrice)
      .optional()
      .openapi({ description: 'Underlying price; needed with impliedVol' }),
    settlementPrice: positive('settlementPrice', ANALYZE_LIMITS.maxPrice).optional().openapi({
      description:
        'Underlying price at expiry, USD: an option past its expiry is worth its intrinsic value at this price (refused with OPTION_EXPIRED without it)',
    }),
    riskFreeRate: z.number().finite().min(-0.5).max(1).optional(),
    greeks: z
      .object({
        delta: greek('delta'),
        gamma: greek('gamma'),
        vega: greek('vega'),
        theta: greek('theta').optional(),
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
            address: z.string().max(64, 'at most 64 characters'),
            chains: z
              .array(z.string().max(32, 'at most 32 characters'))
              .min(1, 'chains, when given, must name at least one chain')
              .max(ANALYZE_LIMITS.chainsPerWallet, `at most ${ANALYZE_LIMITS.chainsPerWallet} chains`)
              .optional(),
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
