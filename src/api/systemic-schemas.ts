/** Response schema of `GET /v1/chains/{chain}/cascade` (the systemic cascade), part of the OpenAPI document. */
import { z } from '@hono/zod-openapi'

const ProtocolTotalsSchema = z.object({
  protocol: z.string(),
  positionsLiquidated: z.number().int(),
  liquidatedUsd: z.number().openapi({ description: 'Debt of liquidated lending tranches, USD' }),
  perpNotionalUsd: z.number().openapi({ description: 'Liquidated perp size x oracle price, USD' }),
  soldUnits: z.number().openapi({ description: 'Units of the asset sold (seizures, long closes)' }),
  boughtUnits: z.number().openapi({ description: 'Units bought back (short closes)' }),
  badDebtUsd: z.number(),
})

const OracleSourceSchema = z.union([
  z.object({ kind: z.literal('market'), token: z.string().nullable() }),
  z.object({ kind: z.literal('exchange-rate'), token: z.string(), capped: z.boolean() }),
])

const PoolInfoSchema = z.object({
  pool: z.string(),
  label: z.string(),
  feePips: z.number().int(),
  liquidity: z.string().openapi({ description: 'In-range liquidity (raw)' }),
  tick: z.number().int(),
  initializedTicks: z.number().int(),
})
const UnavailablePoolSchema = z.object({ pool: z.string(), code: z.string(), reason: z.string() })

export const SystemicCascadeResponseSchema = z
  .object({
    chain: z.string(),
    blockNumber: z.number().int(),
    asset: z.string(),
    startPrice: z.number().openapi({ description: 'USD per unit of the asset before the shock' }),
    markets: z.array(
      z.object({
        market: z.string(),
        protocol: z.string(),
        label: z.string().optional(),
        kind: z.enum(['lending', 'perp']).openapi({
          description: 'lending: borrowers; perp: perp positions (withDebt counts open positions)',
        }),
        source: z.enum(['subgraph', 'logs', 'registry']).openapi({
          description:
            "Where the holders came from: a subgraph, the protocol's events, or its own on-chain position list (GMX's DataStore POSITION_LIST)",
        }),
        candidates: z.number().int(),
        withDebt: z.number().int(),
        inCascade: z.number().int(),
        excluded: z.record(z.string(), z.number().int()),
        unavailable: z.number().int(),
      }),
    ),
    notEnumerated: z.array(z.object({ kind: z.string(), market: z.string(), reason: z.string() })),
    oracles: z.array(
      z.object({
        id: z.string(),
        source: OracleSourceSchema,
        lag: z.object({ deviation: z.number(), heartbeatRounds: z.number().int() }).optional(),
      }),
    ),
    depth: z.union([
      z.object({ source: z.literal('none') }),
      z.object({
        source: z.literal('uniswap-v3'),
        pools: z.array(PoolInfoSchema),
        unavailable: z.array(UnavailablePoolSchema),
      }),
      z.object({
        source: z.literal('sqrt'),
        unitsForOnePercent: z.number(),
        calibration: z.string(),
        unavailable: z.array(UnavailablePoolSchema),
      }),
    ]),
    perpFlowShare: z.number().min(0).max(1).openapi({
      description:
        "Share of a liquidated perp's size whose close went through the DEX (the request's, default 1)",
    }),
    points: z.array(
      z.object({
        initialShock: z.number(),
        finalShock: z.number(),
        finalPrice: z.number().openapi({ description: 'DEX price at the fixed point, USD per unit' }),
        oraclePrices: z
          .array(z.number())
          .openapi({ description: 'Last published price per oracle, in `oracles` order' }),
        liquidatedUsd: z.number(),
        badDebtUsd: z.number(),
        positionsLiquidated: z.number().int(),
        soldUnits: z.number(),
        boughtUnits: z.number(),
        rounds: z.number().int(),
        converged: z.boolean(),
        byProtocol: z.array(ProtocolTotalsSchema),
        path: z.array(
          z.object({
            round: z.number().int(),
            marketPrice: z.number(),
            oraclePrices: z.array(z.number()),
            byProtocol: z.array(ProtocolTotalsSchema),
          }),
        ),
      }),
    ),
    perMarket: z.array(
      z.object({
        market: z.string(),
        protocol: z.string(),
        points: z.array(
          z.object({
            initialShock: z.number(),
            finalShock: z.number(),
            positionsLiquidated: z.number().int(),
            liquidatedUsd: z.number(),
          }),
        ),
      }),
    ),
    wallet: z
      .object({
        address: z.string(),
        positions: z.array(
          z.object({
            market: z.string(),
            protocol: z.string(),
            side: z
              .enum(['collateral', 'long', 'short'])
              .openapi({ description: 'collateral: a lending position; long/short: a perp' }),
            oracle: z.string(),
            liquidationPrice: z.number().nullable(),
            naiveShock: z.number().nullable(),
            perMarketShock: z.number().nullable(),
            systemicShock: z.number().nullable(),
          }),
        ),
      })
      .optional(),
    model: z.string(),
  })
  .openapi('SystemicCascadeReport')
