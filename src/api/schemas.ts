/**
 * Response and request schemas of the HTTP API (zod, with OpenAPI metadata). Token amounts are
 * decimal strings of raw integer units; USD values and ratios are JSON numbers.
 */
import { z } from '@hono/zod-openapi'
import { LiquidationRatioSchema } from './liquidation-ratio-schema.js'

/** `{ error: { code, message } }`. */
export const ErrorSchema = z
  .object({
    error: z.object({
      code: z.string().openapi({ example: 'INVALID_ADDRESS' }),
      message: z
        .string()
        .openapi({ example: '"0x123" is not a valid EVM address (expected 0x followed by 40 hex digits)' }),
    }),
  })
  .openapi('Error')

/** The block and time one chain of an answer was read at. */
export const ChainBlockSchema = z.object({
  chain: z.string(),
  blockNumber: z.number().int(),
  timestamp: z.number().int(),
})

/** A position that could not be read, listed (never counted as zero). */
const UnresolvedSchema = z.object({
  protocol: z.string(),
  market: z.string(),
  chain: z.string(),
  code: z.string(),
  reason: z.string(),
})

export const AssetSchema = z
  .object({
    symbol: z.string().openapi({ example: 'WETH' }),
    address: z.string().nullable().openapi({
      example: '0xC02aaA39b223FE8D0A0e5C4F27eAD9083C756Cc2',
      description: 'null for an off-chain asset',
    }),
    decimals: z.number().int().openapi({ example: 18 }),
  })
  .openapi('Asset')

export const LegSchema = z
  .object({
    asset: AssetSchema,
    side: z.enum(['collateral', 'debt', 'long', 'short']),
    amount: z.string().openapi({
      description: 'Raw token units (integer, native decimals)',
      example: '25330000000000000000',
    }),
    usd: z.number().openapi({ description: 'USD value', example: 75990 }),
    priceUsd: z.number().openapi({ description: 'USD per whole token used for `usd`', example: 3000 }),
    countsAsCollateral: z.boolean().optional(),
    liquidationThresholdBps: z.number().int().optional(),
    ltvBps: z.number().int().optional(),
    liquidationBonusBps: z
      .number()
      .int()
      .optional()
      .openapi({ description: 'What a liquidator receives per unit of debt repaid, bps (10500 = 5% bonus)' }),
  })
  .openapi('Leg')

export const LiquidationPriceSchema = z
  .object({
    asset: z.string().nullable(),
    symbol: z.string(),
    side: z.enum(['collateral', 'debt', 'both', 'long', 'short']),
    price: z.number().nullable().openapi({
      description: 'USD price at which HF reaches 1, all other prices fixed; null when none can',
    }),
    currentPrice: z.number(),
    distance: z.number().nullable().openapi({ description: 'price / currentPrice - 1' }),
  })
  .openapi('LiquidationPrice')

/** Who holds a position or layer (every row of a wallet read; absent on manual legs). */
const holderFields = {
  account: z.string().optional().openapi({
    description: 'The address holding it: the queried address, or one of its smart accounts',
    example: '0x90F79bf6EB2c4f870365E785982E1f101E93b906',
  }),
  accountKind: z
    .enum(['eoa', 'ds-proxy', 'instadapp-dsa', 'summer-dpm', 'safe'])
    .optional()
    .openapi({ description: '`eoa`: the queried address itself; else the kind of smart account' }),
  owner: z.string().optional().openapi({ description: "The queried address (the smart account's owner)" }),
}

/** A smart account found from the queried address and read with it. */
export const SmartAccountSchema = z
  .object({
    chain: z.string(),
    address: z.string(),
    kind: z.enum(['ds-proxy', 'instadapp-dsa', 'summer-dpm', 'safe']),
    registry: z
      .string()
      .openapi({ description: 'The registry that names it (ProxyRegistry, InstaList, AccountGuard)' }),
  })
  .openapi('SmartAccount')

export const PositionSchema = z
  .object({
    status: z.literal('ok'),
    protocol: z.string().openapi({ example: 'aave-v3' }),
    market: z.string().openapi({ example: 'aave-v3-ethereum' }),
    chain: z.string(),
    kind: z.enum(['lending', 'perp']),
    healthFactor: z.number().nullable().openapi({ description: 'null when the position has no debt' }),
    healthFactorWad: z
      .string()
      .nullable()
      .openapi({ description: 'The protocol health factor in WAD (1e18), exact' }),
    collateralUsd: z.number(),
    debtUsd: z.number(),
    legs: z.array(LegSchema),
    liquidationPrices: z.array(LiquidationPriceSchema),
    liquidationRatios: z.array(LiquidationRatioSchema).optional().openapi({
      description:
        'Collateral/debt pairs resolving to one risk asset (wstETH against WETH): the price ratio that liquidates the position (wallet reads only)',
    }),
    details: z.record(z.string(), z.unknown()),
    ...holderFields,
  })
  .openapi('Position')

export const UnavailablePositionSchema = z
  .object({
    status: z.literal('unavailable'),
    protocol: z.string(),
    market: z.string(),
    chain: z.string(),
    kind: z.enum(['lending', 'perp']),
    code: z.string(),
    reason: z.string(),
    ...holderFields,
  })
  .openapi('UnavailablePosition')

export const SummarySchema = z
  .object({
    collateralUsd: z.number(),
    debtUsd: z.number(),
    netWorthUsd: z.number(),
    minHealthFactor: z.number().nullable(),
    positions: z.number().int(),
    unavailable: z.number().int().openapi({ description: 'Markets that could not be read (see their rows)' }),
  })
  .openapi('Summary')

export const WalletReportSchema = z
  .object({
    address: z.string(),
    chain: z.string().nullable().openapi({ description: 'The chain read; null when several were scanned' }),
    blockNumber: z
      .number()
      .int()
      .nullable()
      .openapi({ description: 'The pinned block; null when several chains' }),
    chains: z.array(ChainBlockSchema),
    positions: z.array(z.union([PositionSchema, UnavailablePositionSchema])),
    summary: SummarySchema,
    accounts: z.array(SmartAccountSchema).openapi({
      description: "The address's smart accounts found and read with it (their rows name them as `account`)",
    }),
    accountNotes: z
      .array(z.string())
      .optional()
      .openapi({ description: 'Why the account list may be incomplete' }),
  })
  .openapi('WalletReport')

export const HealthSchema = z.object({ status: z.literal('ok') }).openapi('Health')

export const ChainsSchema = z
  .object({
    chains: z.array(
      z.object({
        key: z.string(),
        chainId: z.number().int(),
        name: z.string(),
        configured: z.boolean(),
        markets: z.array(
          z.object({
            id: z.string(),
            protocol: z.string(),
            name: z.string(),
            version: z.string().nullable().openapi({
              description: 'The version the deployment is known to run; null when detected at each read',
            }),
            source: z.string().openapi({ description: "Where the market's addresses come from" }),
          }),
        ),
      }),
    ),
  })
  .openapi('Chains')

export const ManifestResponseSchema = z
  .record(z.string(), z.unknown())
  .openapi('DevchainManifest', { description: 'See src/devchain/manifest.ts for the full shape' })

export const OptionExposureSchema = z
  .object({
    underlying: z.string(),
    type: z.enum(['call', 'put']),
    strike: z.number(),
    expiry: z.string(),
    size: z.number(),
    years: z.number(),
    source: z.enum(['given', 'black-scholes', 'expired']),
    valueUsd: z.number().nullable(),
    delta: z.number().openapi({ description: 'delta x size: units of the underlying' }),
    gamma: z.number(),
    vega: z.number().openapi({ description: 'USD per 1.00 of volatility, whole leg' }),
    theta: z.number().nullable().openapi({ description: 'USD per year, whole leg' }),
    deltaUsd: z.number().nullable(),
  })
  .openapi('OptionExposure')

const NetExposureSchema = z
  .object({
    riskAsset: z.string().openapi({ example: 'ETH' }),
    units: z.number().openapi({ description: 'Net units of the risk asset (float)' }),
    units18: z.string().nullable().openapi({
      description: 'Net units, 18 decimals, exact from chain amounts; null when derived from USD',
    }),
    usd: z.number(),
    longUsd: z.number(),
    shortUsd: z.number(),
  })
  .openapi('NetExposure')

const LayerSchema = z
  .object({
    id: z.string().openapi({ example: 'local:aave-v3-local' }),
    label: z.string().openapi({ example: 'morpho-blue wstETH/WETH 94.5%' }),
    protocol: z.string(),
    market: z.string(),
    chain: z.string(),
    kind: z.enum(['lending', 'perp', 'option']),
    structure: z.enum([
      'supply',
      'carry-loop',
      'directional-loop',
      'short-loop',
      'cross-loop',
      'perp-long',
      'perp-short',
      'option',
    ]),
    collateralUsd: z.number(),
    debtUsd: z.number(),
    equityUsd: z.number(),
    notionalUsd: z.number(),
    nominalLeverage: z
      .number()
      .nullable()
      .openapi({ description: 'collateral / equity (perp: notional / equity)' }),
    ltv: z.number().nullable().openapi({ description: 'debt / collateral: the LTV it runs at' }),
    maxLtv: z.number().nullable(),
    loopLtv: z.number().nullable(),
    equivalentLoops: z
      .number()
      .nullable()
      .openapi({ description: 'n with collateral = equity (1 - l^(n+1)) / (1 - l) at l = loopLtv' }),
    healthFactor: z.number().nullable(),
    netExposure: z.array(NetExposureSchema),
    receipts: z.array(
      z.object({ protocol: z.string(), market: z.string().optional(), symbol: z.string(), usd: z.number() }),
    ),
    ...holderFields,
  })
  .openapi('Layer')

const LinkSchema = z
  .object({
    from: z.string(),
    to: z.string(),
    relation: z.enum(['funds', 'issues']),
    riskAsset: z.string(),
    via: z.enum(['same-token', 'wrapped', 'receipt', 'same-risk-asset']),
    debtSymbol: z.string(),
    collateralSymbol: z.string(),
    usd: z.number(),
  })
  .openapi('Link')

const StackSchema = z
  .object({
    id: z.string(),
    layers: z.array(z.string()),
    unwindOrder: z.array(z.string()),
    protocols: z.array(z.string()),
    chains: z.array(z.string()),
    accounts: z
      .array(z.string())
      .optional()
      .openapi({ description: 'The addresses holding its layers (an owner and its smart accounts)' }),
    crossProtocol: z.boolean(),
    structures: z.array(z.string()),
    links: z.array(LinkSchema),
    equityUsd: z.number(),
    grossExposureUsd: z.number(),
    compoundedLeverage: z.number().nullable(),
    nominalLeverageProduct: z.number().nullable(),
    netExposure: z.array(NetExposureSchema),
    summary: z.string(),
  })
  .openapi('Stack')

const ContributionSchema = z
  .object({
    layer: z.string(),
    source: z.string(),
    symbol: z.string(),
    token: z.string().nullable(),
    riskAsset: z.string(),
    units: z.number(),
    units18: z.string().nullable(),
    usd: z.number(),
    path: z.array(z.string()),
    issuers: z.array(z.object({ protocol: z.string(), market: z.string().optional(), symbol: z.string() })),
    flags: z.record(z.string(), z.boolean()),
  })
  .openapi('Contribution')

/** The resolver's output (DESIGN.md exposure contract plus detail). */
export const ExposureSchema = z
  .object({
    equityUsd: z.number(),
    grossExposureUsd: z.number(),
    effectiveLeverage: z.number().nullable(),
    netExposure: z.array(NetExposureSchema),
    beta: z.object({
      ETH: z.number().nullable(),
      BTC: z.number().nullable(),
      dollarEth: z.number(),
      dollarBtc: z.number(),
      table: z.record(
        z.string(),
        z.object({ ETH: z.number(), BTC: z.number(), source: z.enum(['default', 'assumed', 'request']) }),
      ),
    }),
    layers: z.array(LayerSchema),
    stacks: z.array(StackSchema),
    contributions: z.array(ContributionSchema),
    unresolved: z.array(UnresolvedSchema),
    warnings: z.array(z.string()),
  })
  .openapi('Exposure')

export const ExposureResponseSchema = ExposureSchema.extend({
  address: z.string(),
  chain: z.string().nullable(),
  blockNumber: z.number().int().nullable(),
  chains: z.array(ChainBlockSchema),
  accounts: z.array(SmartAccountSchema),
  unwind: z.record(z.string(), z.unknown()).openapi({ description: 'The unwind plan to the target' }),
}).openapi('ExposureReport')

export const AnalyzeResponseSchema = z
  .object({
    wallets: z.array(
      z.object({
        address: z.string(),
        chains: z.array(ChainBlockSchema),
      }),
    ),
    positions: z.array(z.union([PositionSchema, UnavailablePositionSchema])),
    options: z.array(OptionExposureSchema),
    exposure: ExposureSchema,
    summary: SummarySchema,
  })
  .openapi('AnalyzeResponse')

export const StressedPositionSchema = z
  .object({
    id: z.string(),
    protocol: z.string(),
    market: z.string(),
    chain: z.string(),
    kind: z.enum(['lending', 'perp']),
    ...holderFields,
    healthFactorBefore: z.number().nullable(),
    healthFactorShocked: z.number().nullable(),
    liquidated: z.boolean(),
    liquidation: z
      .object({
        rule: z.enum(['aave-close-factor', 'morpho-full', 'compound-absorb', 'perp', 'target-health-factor']),
        closeFactor: z.number(),
        debtRepaidUsd: z.number(),
        collateralSeizedUsd: z.number(),
        penaltyUsd: z.number(),
        badDebtUsd: z.number(),
      })
      .nullable(),
    stillLiquidatable: z.boolean(),
    equityBeforeUsd: z.number(),
    equityShockedUsd: z.number(),
    equityAfterUsd: z.number(),
  })
  .openapi('StressedPosition')

export const StressResponseSchema = z
  .object({
    address: z.string(),
    chain: z.string().nullable(),
    blockNumber: z.number().int().nullable(),
    chains: z.array(ChainBlockSchema),
    equityUsd: z.number(),
    scenarios: z.array(
      z.object({
        scenario: z.object({
          name: z.string(),
          shocks: z.record(z.string(), z.number()),
          depegs: z.record(z.string(), z.number()).optional(),
        }),
        positions: z.array(StressedPositionSchema),
        equityBeforeUsd: z.number(),
        equityAfterUsd: z.number(),
        changeUsd: z.number(),
        changePct: z.number().nullable(),
        positionsLiquidated: z.number().int(),
        penaltyUsd: z.number(),
        minHealthFactor: z.number().nullable(),
      }),
    ),
    worstCase: z
      .object({
        scenario: z.string(),
        equityAfterUsd: z.number(),
        changeUsd: z.number(),
        changePct: z.number().nullable(),
        positionsLiquidated: z.number().int(),
      })
      .nullable(),
    unresolved: z.array(UnresolvedSchema),
  })
  .openapi('StressReport')

export const MonteCarloResponseSchema = z
  .object({
    address: z.string(),
    chain: z.string().nullable(),
    blockNumber: z.number().int().nullable(),
    paths: z.number().int(),
    steps: z.number().int(),
    seed: z.union([z.number(), z.string()]),
    horizonDays: z.number(),
    dtYears: z.number(),
    pathSteps: z.number(),
    positions: z.array(
      z.object({ id: z.string(), liquidationProbability: z.number(), standardError: z.number() }),
    ),
    walletLiquidationProbability: z.number(),
    walletStandardError: z.number(),
    equity: z.object({
      initial: z.number(),
      mean: z.number(),
      p01: z.number(),
      p05: z.number(),
      p50: z.number(),
      p95: z.number(),
      p99: z.number(),
      var95: z.number(),
      var99: z.number(),
      es95: z.number(),
      es99: z.number(),
    }),
    histogram: z.object({ edges: z.array(z.number()), counts: z.array(z.number().int()) }),
    assets: z.array(
      z.object({
        name: z.string(),
        price: z.number(),
        volatility: z.number(),
        source: z.enum(['default', 'assumed', 'request']),
      }),
    ),
    correlation: z.array(z.array(z.number())),
    assumptions: z.array(z.string()),
    unresolved: z.array(UnresolvedSchema),
  })
  .openapi('MonteCarloReport')

export const CascadeResponseSchema = z
  .object({
    market: z.string(),
    chain: z.string(),
    blockNumber: z.number().int(),
    asset: z.string(),
    startPrice: z.number(),
    /** perp: a perp venue's cascade (its positions at the venue's liquidation prices). */
    kind: z.literal('perp').optional(),
    borrowers: z.object({
      source: z.enum(['subgraph', 'logs', 'registry']),
      candidates: z.number().int(),
      withDebt: z.number().int(),
      inCascade: z.number().int(),
      excluded: z.record(z.string(), z.number().int()),
      unavailable: z.number().int(),
      stale: z.boolean().optional(),
      lagBlocks: z.number().int().optional(),
      fallbackReason: z.string().optional(),
    }),
    depth: z.record(z.string(), z.unknown()),
    points: z.array(
      z.object({
        initialShock: z.number(),
        finalShock: z.number(),
        finalPrice: z.number(),
        liquidatedUsd: z.number(),
        badDebtUsd: z.number(),
        seizedUnits: z.number(),
        /** Perp venues: units bought back by liquidated shorts' closes. */
        boughtUnits: z.number().optional(),
        /** Perp venues: notional of the liquidated positions, USD. */
        perpNotionalUsd: z.number().optional(),
        positionsLiquidated: z.number().int(),
        rounds: z.number().int(),
      }),
    ),
    histogram: z.array(z.record(z.string(), z.number())),
    wallet: z.record(z.string(), z.unknown()).optional(),
    model: z.string(),
  })
  .openapi('CascadeReport')
