/**
 * zod schemas of the Hyperliquid info API payloads stacklens reads. Source: Hyperliquid docs,
 * "Info endpoint" → "Perpetuals"
 * (https://hyperliquid.gitbook.io/hyperliquid-docs/for-developers/api/info-endpoint/perpetuals):
 * `POST https://api.hyperliquid.xyz/info` with a JSON body `{ "type": ..., ... }`.
 *
 * Every number the API returns as a decimal string stays a string here (parsed exactly later);
 * the schemas only check that it is a well-formed decimal. Unknown extra fields are allowed (the
 * venue adds fields over time), missing or malformed known fields are rejected.
 */
import { z } from 'zod'

/** A decimal number as a string, e.g. "-0.0335" or "13104.514502". */
export const decimalString = z.string().regex(/^-?\d+(\.\d+)?$/, 'a decimal number as a string (e.g. "-1.5")')

/** `cumFunding` of a position: cumulative funding paid, USD (positive = paid by the user). */
export const cumFundingSchema = z.object({
  allTime: decimalString,
  sinceOpen: decimalString,
  sinceChange: decimalString,
})

/**
 * `leverage` of a position: `{ type: "cross", value }` or `{ type: "isolated", value, rawUsd }`,
 * where `rawUsd` is the isolated position's raw USD balance (margin minus entry notional for a
 * long), so isolated margin = rawUsd + szi * markPx.
 */
export const leverageSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('cross'), value: z.number().positive() }),
  z.object({ type: z.literal('isolated'), value: z.number().positive(), rawUsd: decimalString }),
])

/** One perp position of `clearinghouseState.assetPositions[].position`. */
export const perpPositionSchema = z.object({
  /** The perp's coin name, e.g. "ETH". */
  coin: z.string().min(1),
  /** Signed size in units of the coin: positive long, negative short. */
  szi: decimalString,
  /** Average entry price, USD per coin. */
  entryPx: decimalString,
  /** |szi| * mark price, USD. */
  positionValue: decimalString,
  /** Unrealized pnl at the mark price, USD. */
  unrealizedPnl: decimalString,
  /** unrealizedPnl / initial margin at entry. */
  returnOnEquity: decimalString,
  /** The venue's liquidation price, USD per coin; null when no price liquidates the position. */
  liquidationPx: decimalString.nullable(),
  leverage: leverageSchema,
  /** Margin held by the position, USD (isolated: its margin including pnl). */
  marginUsed: decimalString,
  /** The asset's maximum leverage (its maintenance margin rate is 1 / (2 * maxLeverage)). */
  maxLeverage: z.number().int().positive(),
  cumFunding: cumFundingSchema,
})

/** `marginSummary` / `crossMarginSummary`: USD decimal strings. */
export const marginSummarySchema = z.object({
  /** Equity: balance plus unrealized pnl, USD. */
  accountValue: decimalString,
  /** Sum of |position notional|, USD. */
  totalNtlPos: decimalString,
  /** Raw USD balance (before positions' value), USD. */
  totalRawUsd: decimalString,
  /** Margin held by positions, USD. */
  totalMarginUsed: decimalString,
})

/**
 * The answer of `POST /info {"type":"clearinghouseState","user":"0x..."}`: a user's perp
 * positions and margin summary. `marginSummary` covers the whole account (cross + isolated),
 * `crossMarginSummary` the cross account only; `crossMaintenanceMarginUsed` is the cross
 * account's maintenance requirement, USD. An unknown user is a valid answer with no positions
 * and zero balances.
 */
export const clearinghouseStateSchema = z.object({
  assetPositions: z.array(
    z.object({
      /** Position mode; "oneWay" is the only mode the venue documents. */
      type: z.string(),
      position: perpPositionSchema,
    }),
  ),
  marginSummary: marginSummarySchema,
  crossMarginSummary: marginSummarySchema,
  crossMaintenanceMarginUsed: decimalString,
  /** USD the user can withdraw now. */
  withdrawable: decimalString,
  /** Server time of the snapshot, Unix milliseconds. */
  time: z.number().int().nonnegative(),
})

/** One entry of `meta.universe`: a perp asset. */
export const perpAssetMetaSchema = z.object({
  /** The coin name; on a HIP-3 dex prefixed with the dex, e.g. "xyz:AAPL". */
  name: z.string().min(1),
  /** Decimals of the asset's size (order sizes are multiples of 10^-szDecimals). */
  szDecimals: z.number().int().nonnegative(),
  maxLeverage: z.number().int().positive(),
  /**
   * The asset's margin table (`meta.marginTables`); an id under 50 not listed there is a single
   * tier at that max leverage (Hyperliquid docs, "Margin tiers"). Omitted by older payloads: then
   * the asset is one tier at `maxLeverage`.
   */
  marginTableId: z.number().int().nonnegative().optional(),
  onlyIsolated: z.boolean().optional(),
  isDelisted: z.boolean().optional(),
})

/**
 * One tier of a margin table: from `lowerBound` (position notional, USD decimal string; USDC on
 * the default dex, the dex's collateral on a HIP-3 dex) up, leverage is at most `maxLeverage`.
 */
export const marginTierSchema = z.object({
  lowerBound: decimalString,
  maxLeverage: z.number().int().positive(),
})

/** A margin table: tiers by ascending `lowerBound`, the first from 0. */
export const marginTableSchema = z.object({
  description: z.string(),
  marginTiers: z.array(marginTierSchema).min(1),
})

/**
 * The answer of `POST /info {"type":"meta","dex"?}`: a perp dex's universe and margin tables
 * (Hyperliquid docs, "Info endpoint" → "Perpetuals" → "Retrieve perpetuals metadata (universe
 * and margin tables)"; `dex` defaults to "", the first perp dex). `marginTables` is a list of
 * `[id, table]` pairs.
 */
export const metaSchema = z.object({
  universe: z.array(perpAssetMetaSchema),
  marginTables: z.array(z.tuple([z.number().int().nonnegative(), marginTableSchema])).default([]),
  /** Index of the dex's collateral token (spot token 0 = USDC on the first dex). */
  collateralToken: z.number().int().nonnegative().optional(),
})

/**
 * The answer of `POST /info {"type":"perpDexs"}`: every perp dex, `null` for the first (default)
 * dex, then one object per builder-deployed (HIP-3) dex; only its `name` (the `dex` parameter of
 * other info requests) is read.
 */
export const perpDexsSchema = z.array(
  z.union([
    z.null(),
    z.object({
      name: z.string().min(1).max(64),
      fullName: z.string().optional(),
    }),
  ]),
)

/** The answer of `POST /info {"type":"allMids"}`: coin -> mid price (USD decimal string). */
export const allMidsSchema = z.record(z.string(), decimalString)

/** A validated `clearinghouseState` payload. */
export type ClearinghouseState = z.infer<typeof clearinghouseStateSchema>
/** A validated perp position of a `clearinghouseState` payload. */
export type PerpPosition = z.infer<typeof perpPositionSchema>
/** A validated `meta` payload. */
export type PerpMeta = z.infer<typeof metaSchema>
/** A validated margin table. */
export type MarginTable = z.infer<typeof marginTableSchema>
/** A validated `perpDexs` payload. */
export type PerpDexs = z.infer<typeof perpDexsSchema>

/**
 * One entry of the second element of `POST /info {"type":"metaAndAssetCtxs"}`: a perp's live
 * context, in `meta.universe` order (Hyperliquid docs, "Retrieve perpetuals asset contexts
 * (includes mark price, current funding, open interest, etc.)"). `funding` is the current hourly
 * funding rate (positive: longs pay shorts).
 */
export const perpAssetCtxSchema = z.object({
  funding: decimalString,
  markPx: decimalString,
  oraclePx: decimalString.optional(),
  openInterest: decimalString.optional(),
})

/** The answer of `POST /info {"type":"metaAndAssetCtxs"}`: `[meta, assetCtxs]`. */
export const metaAndAssetCtxsSchema = z.tuple([metaSchema, z.array(perpAssetCtxSchema)])

/** A validated `metaAndAssetCtxs` payload. */
export type MetaAndAssetCtxs = z.infer<typeof metaAndAssetCtxsSchema>
