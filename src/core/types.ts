import type { Address } from './address.js'

/** A token as the analyzer sees it. */
export interface Asset {
  /** The token's symbol as the protocol reports it. */
  symbol: string
  /** The token contract (checksummed); null for an off-chain asset (a CEX perp's underlying). */
  address: Address | null
  /** The token's decimals: raw amounts are integers in 10^-decimals units. */
  decimals: number
}

/** Which side of a position a leg is on. */
export type LegSide = 'collateral' | 'debt' | 'long' | 'short'

/** One asset on one side of a position. */
export interface Leg {
  asset: Asset
  side: LegSide
  /** Raw token units (native decimals), exact as on chain at the pinned block. */
  amount: bigint
  /** USD value, float. */
  usd: number
  /** USD price of one whole token used for `usd`, float. */
  priceUsd: number
  /**
   * For collateral legs: whether this leg counts toward the health factor (enabled as
   * collateral and with a non-zero liquidation threshold).
   */
  countsAsCollateral?: boolean
  /** Liquidation threshold applied to this leg, basis points (10_000 = 100%). */
  liquidationThresholdBps?: number
  /** Loan-to-value applied to this leg, basis points. */
  ltvBps?: number
  /**
   * For collateral legs: what a liquidator receives per unit of debt repaid, basis points
   * (10_500 = 5% bonus): Aave's liquidation bonus (the eMode one when in eMode), Morpho's
   * liquidation incentive factor. Absent where liquidation is not a bonus on repaid debt
   * (Compound's absorb: see the position's details).
   */
  liquidationBonusBps?: number
}

/**
 * The USD price of one asset at which the position's health factor reaches 1 with every other
 * price held fixed. `price` is null when no price of this asset can bring it there.
 */
export interface LiquidationPrice {
  /** The asset's token address; null for an off-chain asset. */
  asset: Address | null
  symbol: string
  /** Which side(s) of the position the asset is on (long/short for perps). */
  side: 'collateral' | 'debt' | 'both' | 'long' | 'short'
  /** USD per whole token, float; null when no price can reach HF = 1. */
  price: number | null
  /** The asset's current USD price, float. */
  currentPrice: number
  /** price / currentPrice - 1 (negative: the price must fall); null with `price`. */
  distance: number | null
}

/** A position that could be read and computed. */
export interface Position {
  status: 'ok'
  /** Protocol key, e.g. "aave-v3" or "spark". */
  protocol: string
  /** Market id within the protocol, e.g. "aave-v3-ethereum". */
  market: string
  chain: string
  kind: 'lending' | 'perp'
  /** Health factor as a float; null when the position has no debt. */
  healthFactor: number | null
  /** Health factor in WAD exactly as the protocol computes it; null without debt. */
  healthFactorWad: bigint | null
  /** USD value of all collateral legs, float. */
  collateralUsd: number
  /** USD value of all debt legs, float. */
  debtUsd: number
  legs: Leg[]
  liquidationPrices: LiquidationPrice[]
  /** Protocol-specific facts (eMode, isolation, layout version, ...). JSON-safe. */
  details: Record<string, unknown>
}

/**
 * A position the adapter knows exists (or may exist) but could not read or compute. Never
 * reported as a zero balance.
 */
export interface UnavailablePosition {
  status: 'unavailable'
  protocol: string
  market: string
  chain: string
  kind: 'lending' | 'perp'
  /** Stable error code of the reason. */
  code: string
  reason: string
}

/** A row of a wallet report. */
export type PositionResult = Position | UnavailablePosition
