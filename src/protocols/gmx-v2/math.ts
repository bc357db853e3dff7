/**
 * GMX v2 position math, pure. Units are GMX's: USD values in 30 decimals (1 USD = 1e30), prices
 * in USD (30 decimals) per RAW token unit (so a token with d decimals at p USD has price
 * p * 10^(30 - d)), factors in 30 decimals (1e30 = 100%). Rules as in gmx-synthetics
 * PositionUtils.isPositionLiquidatable / getPositionPnlUsd.
 */
import { toFloat } from '../../core/math.js'

/** GMX's float precision: 1 USD, and 100% for factors. */
export const FLOAT_PRECISION = 10n ** 30n

/** GMX Price.Props: USD (30 decimals) per raw token unit. */
export interface GmxPrice {
  min: bigint
  max: bigint
}

/** What the liquidation rule needs about one position. */
export interface GmxPositionState {
  isLong: boolean
  /** USD, 30 decimals. */
  sizeInUsd: bigint
  /** Raw index-token units. */
  sizeInTokens: bigint
  /** Raw collateral-token units. */
  collateralAmount: bigint
  /** Whether the collateral token is the index token (its value moves with the index price). */
  collateralIsIndex: boolean
}

/** Market risk parameters of the liquidation rule. */
export interface GmxLiquidationParams {
  /** MIN_COLLATERAL_USD, USD 30 decimals. */
  minCollateralUsd: bigint
  /** MIN_COLLATERAL_FACTOR of the market, 30 decimals. */
  minCollateralFactor: bigint
  /** MAX_POSITION_IMPACT_FACTOR_FOR_LIQUIDATIONS of the market, 30 decimals. */
  maxPositionImpactFactorForLiquidations: bigint
  /** Whether MIN_COLLATERAL_USD applies (GMX's shouldValidateMinCollateralUsd; true for liquidations). */
  validateMinCollateralUsd: boolean
}

/** Position value = sizeInTokens * price, USD 30 decimals (GMX picks min for longs, max for shorts). */
export function positionValueUsd(sizeInTokens: bigint, price: bigint): bigint {
  return sizeInTokens * price
}

/** PnL, USD 30 decimals: long = value - size, short = size - value (value at the pnl-side price). */
export function positionPnlUsd(
  isLong: boolean,
  sizeInUsd: bigint,
  sizeInTokens: bigint,
  index: GmxPrice,
): bigint {
  return isLong
    ? positionValueUsd(sizeInTokens, index.min) - sizeInUsd
    : sizeInUsd - positionValueUsd(sizeInTokens, index.max)
}

/**
 * The price impact GMX credits at liquidation: a positive impact counts as zero, a negative one
 * is capped at -sizeInUsd * maxPositionImpactFactorForLiquidations (rounded toward zero, as
 * Precision.applyFactor). USD 30 decimals.
 */
export function cappedLiquidationPriceImpactUsd(
  priceImpactUsd: bigint,
  sizeInUsd: bigint,
  maxPositionImpactFactorForLiquidations: bigint,
): bigint {
  if (priceImpactUsd >= 0n) return 0n
  const maxNegative = -((sizeInUsd * maxPositionImpactFactorForLiquidations) / FLOAT_PRECISION)
  return priceImpactUsd < maxNegative ? maxNegative : priceImpactUsd
}

/** Remaining collateral = collateralUsd + pnl + priceImpact - fees, USD 30 decimals. */
export function remainingCollateralUsd(
  collateralUsd: bigint,
  pnlUsd: bigint,
  priceImpactUsd: bigint,
  feesUsd: bigint,
): bigint {
  return collateralUsd + pnlUsd + priceImpactUsd - feesUsd
}

/** The collateral USD a position must keep: sizeInUsd * minCollateralFactor (30 decimals). */
export function minCollateralUsdForLeverage(sizeInUsd: bigint, minCollateralFactor: bigint): bigint {
  return (sizeInUsd * minCollateralFactor) / FLOAT_PRECISION
}

/** Why a position is liquidatable (GMX's reason strings), or null. */
export type GmxLiquidationReason = 'min collateral' | '< 0' | 'min collateral for leverage' | null

/** GMX's rule, in its order: below MIN_COLLATERAL_USD (when validated), <= 0, below size * factor. */
export function liquidationReason(
  remaining: bigint,
  sizeInUsd: bigint,
  p: GmxLiquidationParams,
): GmxLiquidationReason {
  if (p.validateMinCollateralUsd && remaining < p.minCollateralUsd) return 'min collateral'
  if (remaining <= 0n) return '< 0'
  if (remaining < minCollateralUsdForLeverage(sizeInUsd, p.minCollateralFactor))
    return 'min collateral for leverage'
  return null
}

/**
 * The least remaining collateral that is NOT liquidatable: max(MIN_COLLATERAL_USD when
 * validated, sizeInUsd * minCollateralFactor, 1 wei of USD). USD 30 decimals.
 */
export function liquidationThresholdUsd(sizeInUsd: bigint, p: GmxLiquidationParams): bigint {
  let t = minCollateralUsdForLeverage(sizeInUsd, p.minCollateralFactor)
  if (p.validateMinCollateralUsd && p.minCollateralUsd > t) t = p.minCollateralUsd
  return t > 1n ? t : 1n
}

/** A liquidation price of the index token, GMX units (USD 30 decimals per raw index unit). */
export interface GmxLiquidationPrice {
  /** The boundary price; null when no positive index price liquidates the position. */
  price: bigint | null
  /** 'below': liquidated when the index price falls under `price`; 'above': when it rises over it. */
  direction: 'below' | 'above'
}

/**
 * The index-token price at which the position becomes liquidatable, all else (the collateral
 * price when it is not the index token, fees and the capped price impact, in USD) held fixed.
 *
 * remaining(P) is linear in the index price P: remaining = k * P + c with
 *   k = (long ? +sizeInTokens : -sizeInTokens) + (collateral is the index token ? collateralAmount : 0)
 *   c = (long ? -sizeInUsd : +sizeInUsd) + (collateral is the index token ? 0 : collateralUsd)
 *       + cappedPriceImpactUsd - feesUsd
 * and the position is safe while remaining >= T ({@link liquidationThresholdUsd}). For k > 0 the
 * boundary is the least safe price ceil((T - c) / k) (liquidated below it); for k < 0 the
 * greatest safe price floor((c - T) / -k) (liquidated above it). null when k = 0 or the boundary
 * is not a positive price.
 *
 * @param collateralUsd USD 30 decimals, used only when the collateral is not the index token.
 * @param priceImpactUsd USD 30 decimals, already capped ({@link cappedLiquidationPriceImpactUsd}).
 * @param feesUsd USD 30 decimals (fees are treated as fixed in USD).
 */
export function liquidationPrice(
  position: GmxPositionState,
  collateralUsd: bigint,
  priceImpactUsd: bigint,
  feesUsd: bigint,
  params: GmxLiquidationParams,
): GmxLiquidationPrice {
  return liquidationPriceAtThreshold(
    position,
    collateralUsd,
    priceImpactUsd - feesUsd,
    liquidationThresholdUsd(position.sizeInUsd, params),
  )
}

/**
 * {@link liquidationPrice} with the net of price impact and fees (`netCostUsd` = capped impact -
 * fees, USD 30 decimals) and the threshold T (least safe remaining collateral) given directly,
 * e.g. as derived from the Reader's IsPositionLiquidatableInfo.
 */
export function liquidationPriceAtThreshold(
  position: GmxPositionState,
  collateralUsd: bigint,
  netCostUsd: bigint,
  threshold: bigint,
): GmxLiquidationPrice {
  const n = position.sizeInTokens
  const a = position.collateralIsIndex ? position.collateralAmount : 0n
  const k = (position.isLong ? n : -n) + a
  const c =
    (position.isLong ? -position.sizeInUsd : position.sizeInUsd) +
    (position.collateralIsIndex ? 0n : collateralUsd) +
    netCostUsd
  const t = threshold > 1n ? threshold : 1n
  if (k === 0n) return { price: null, direction: position.isLong ? 'below' : 'above' }
  if (k > 0n) {
    const num = t - c
    if (num <= 0n) return { price: null, direction: 'below' }
    return { price: (num + k - 1n) / k, direction: 'below' }
  }
  const num = c - t
  if (num <= 0n) return { price: null, direction: 'above' }
  return { price: num / -k, direction: 'above' }
}

/** Average entry price = sizeInUsd / sizeInTokens, USD 30 decimals per raw unit (floor). */
export function entryPrice(sizeInUsd: bigint, sizeInTokens: bigint): bigint | null {
  return sizeInTokens === 0n ? null : sizeInUsd / sizeInTokens
}

/** Leverage = sizeInUsd / remaining collateral as a float; null when remaining <= 0. */
export function leverage(sizeInUsd: bigint, remaining: bigint): number | null {
  if (remaining <= 0n) return null
  return toFloat(sizeInUsd, 30) / toFloat(remaining, 30)
}

/** Converts a GMX price (30 decimals per raw unit) to USD per whole token, float. */
export function priceToUsd(price: bigint, tokenDecimals: number): number {
  return toFloat(price, 30 - tokenDecimals)
}

/** Converts a USD-30 value to a float. */
export function usd30ToFloat(value: bigint): number {
  return toFloat(value, 30)
}
