/**
 * GMX v2 position math, pure. Units are GMX's: USD values in 30 decimals (1 USD = 1e30), prices
 * in USD (30 decimals) per RAW token unit (so a token with d decimals at p USD has price
 * p * 10^(30 - d)), factors in 30 decimals (1e30 = 100%). Rules as in gmx-synthetics
 * PositionUtils.isPositionLiquidatable / getPositionPnlUsd.
 */
import { findHealthBoundary } from '../../core/boundary.js'
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

/**
 * Everything GMX's `PositionUtils.isPositionLiquidatable` (v2.2, gmx-synthetics a5c0c883
 * position/PositionUtils.sol:316-450) reads about one position, so its remaining collateral can be
 * recomputed at any index price bit for bit. USD values in 30 decimals; amounts in raw token units;
 * factors in 30 decimals. The fee parts are the STORED ones the check uses (never the pending
 * ones of getPositionInfo).
 */
export interface GmxRemainingModel {
  isLong: boolean
  /** USD, 30 decimals. */
  sizeInUsd: bigint
  /** Raw index-token units. */
  sizeInTokens: bigint
  /** Raw collateral-token units. */
  collateralAmount: bigint
  /** Position.Numbers.pendingImpactAmount: signed raw index-token units (v2.2). */
  pendingImpactAmount: bigint
  /** The close price impact of the full size (before the pending impact), USD 30 decimals. */
  closeImpactUsd: bigint
  /** MAX_POSITION_IMPACT_FACTOR_FOR_LIQUIDATIONS of the market, 30 decimals. */
  maxPositionImpactFactorForLiquidations: bigint
  /** Whether the collateral's price IS the index price (same token, or priced by the same oracle feed). */
  collateralFollowsIndex: boolean
  /** floor(sizeInUsd * positionFeeFactor / 1e30), USD 30 decimals. */
  positionFeeUsd: bigint
  /** The larger of the referral and pro trader discount factors, 30 decimals. */
  traderDiscountFactor: bigint
  /** sizeInUsd * (stored cumulativeBorrowingFactor - position.borrowingFactor) / 1e30, USD 30 decimals, floor. */
  storedBorrowingFeeUsd: bigint
  /** ceil(sizeInUsd * (stored fundingFeeAmountPerSize - position's) / 1e45), raw collateral units. */
  storedFundingFeeAmount: bigint
}

/** The prices GMX's check reads: index min/max and the collateral's min, per raw unit (30 decimals). */
export interface GmxCheckPrices {
  index: GmxPrice
  collateralMin: bigint
}

/** MarketUtils.getFundingAmount with roundUpMagnitude: ceil(size * delta / 1e45), raw units. */
export function fundingAmountUp(sizeInUsd: bigint, latestPerSize: bigint, positionPerSize: bigint): bigint {
  const delta = latestPerSize - positionPerSize
  if (delta <= 0n) return 0n
  const scale = FLOAT_PRECISION * 10n ** 15n
  return (sizeInUsd * delta + scale - 1n) / scale
}

/** MarketUtils.getBorrowingFees: floor(size * (cumulative - position) / 1e30), USD 30 decimals. */
export function borrowingFeeUsdDown(sizeInUsd: bigint, cumulative: bigint, positionFactor: bigint): bigint {
  return cumulative > positionFactor ? (sizeInUsd * (cumulative - positionFactor)) / FLOAT_PRECISION : 0n
}

/**
 * The price impact the check credits: I0 plus the pending impact valued at price.min when positive
 * and price.max when negative, then 0 if >= 0, else floored at -floor(size * maxFactorForLiq).
 */
export function liquidationImpactUsd(m: GmxRemainingModel, index: GmxPrice): bigint {
  const d = m.pendingImpactAmount
  const impact = m.closeImpactUsd + d * (d > 0n ? index.min : index.max)
  if (impact >= 0n) return 0n
  const floor = -((m.sizeInUsd * m.maxPositionImpactFactorForLiquidations) / FLOAT_PRECISION)
  return impact < floor ? floor : impact
}

/**
 * The stored total cost in collateral units as getPositionFees computes it at `collateralMin`:
 * floor(positionFeeUsd / p) - floor(that * discount / 1e30) + floor(borrowingUsd / p) + funding.
 */
export function storedTotalCostAmount(m: GmxRemainingModel, collateralMin: bigint): bigint {
  const positionFee = m.positionFeeUsd / collateralMin
  const discount = (positionFee * m.traderDiscountFactor) / FLOAT_PRECISION
  return positionFee - discount + m.storedBorrowingFeeUsd / collateralMin + m.storedFundingFeeAmount
}

/**
 * remainingCollateralUsd of isPositionLiquidatable at `prices`, USD 30 decimals:
 * collateral * p.min + pnl + capped impact - totalCostAmount * p.min. `pnlUsd` overrides the
 * uncapped pnl (e.g. getPositionInfo's basePnlUsd when a positive pnl is capped by the pool).
 */
export function gmxRemainingCollateralUsd(
  m: GmxRemainingModel,
  prices: GmxCheckPrices,
  pnlUsd?: bigint,
): bigint {
  const pnl = pnlUsd ?? positionPnlUsd(m.isLong, m.sizeInUsd, m.sizeInTokens, prices.index)
  const p = prices.collateralMin
  return (
    m.collateralAmount * p + pnl + liquidationImpactUsd(m, prices.index) - storedTotalCostAmount(m, p) * p
  )
}

/**
 * The exact liquidation price of the index token (min = max = P, and the collateral at P too when
 * it follows the index; otherwise at `collateralMin`): the boundary of `remaining(P) >= threshold`
 * (the least safe remaining collateral: max(MIN_COLLATERAL_USD, floor(size * minCollateralFactorForLiquidation), 1)),
 * found by bisection on {@link gmxRemainingCollateralUsd} itself, so every floor of GMX's fee and
 * impact math is honoured. 'below' when a falling price liquidates (longs), 'above' when a rising
 * one does; price null when no positive price crosses the boundary.
 */
export function findGmxLiquidationPrice(
  m: GmxRemainingModel,
  threshold: bigint,
  collateralMin: bigint,
  currentIndexPrice: bigint,
): GmxLiquidationPrice {
  const t = threshold > 1n ? threshold : 1n
  // A long (or index-priced collateral) gains value with the price; a short loses it.
  const slope =
    (m.isLong ? m.sizeInTokens : -m.sizeInTokens) + (m.collateralFollowsIndex ? m.collateralAmount : 0n)
  const healthyAt = (price: bigint) => {
    if (price <= 0n) return slope <= 0n
    const p = { min: price, max: price }
    return (
      gmxRemainingCollateralUsd(m, {
        index: p,
        collateralMin: m.collateralFollowsIndex ? price : collateralMin,
      }) >= t
    )
  }
  const direction = slope > 0n ? 'below' : 'above'
  if (slope === 0n) return { price: null, direction }
  const price = findHealthBoundary({ healthyAt, rising: slope > 0n, current: currentIndexPrice })
  return { price: price === 0n ? null : price, direction }
}

/** GMX's year for rates here: 365 days, seconds. */
export const GMX_SECONDS_PER_YEAR = 31_536_000n

/** A market's funding and borrowing state as Reader.getMarketInfo answers it, plus open interest. */
export interface GmxMarketRates {
  /** MarketInfo.borrowingFactorPerSecondForLongs / ForShorts: fraction of size per second, 30 decimals. */
  borrowingFactorPerSecondForLongs: bigint
  borrowingFactorPerSecondForShorts: bigint
  /** MarketInfo.nextFunding.longsPayShorts. */
  longsPayShorts: boolean
  /** MarketInfo.nextFunding.fundingFactorPerSecond: what the paying side pays per second of its size, 30 decimals. */
  fundingFactorPerSecond: bigint
  /** Open interest of each side, USD 30 decimals (both collateral tokens summed). */
  longOpenInterestUsd: bigint
  shortOpenInterestUsd: bigint
}

/** One position's funding and borrowing per year, USD 30 decimals, signed (+: received). */
export interface GmxCarryPerYear {
  /** -sizeInUsd x borrowingFactorPerSecond(side) x year, rounded toward zero. */
  borrowingUsdPerYear: bigint
  /**
   * Paying side: -sizeInUsd x fundingFactorPerSecond x year; receiving side:
   * +sizeInUsd x fundingFactorPerSecond x year x payingOI / receivingOI (the paying side's funding
   * is shared over the receiving side's size, MarketUtils.getNextFundingAmountPerSize); 0 when
   * either side has no open interest (GMX then moves no funding). Rounded toward zero.
   */
  fundingUsdPerYear: bigint
}

/**
 * What a GMX v2 position of `sizeInUsd` (30 decimals) on side `isLong` pays in borrowing and pays
 * or receives in funding per year, at the per-second factors the Reader reports now. Linear in
 * time: GMX accrues both on `sizeInUsd` through cumulative factors (no compounding).
 */
export function gmxCarryPerYear(isLong: boolean, sizeInUsd: bigint, m: GmxMarketRates): GmxCarryPerYear {
  const borrowing = isLong ? m.borrowingFactorPerSecondForLongs : m.borrowingFactorPerSecondForShorts
  const borrowingUsdPerYear = -((sizeInUsd * borrowing * GMX_SECONDS_PER_YEAR) / FLOAT_PRECISION)
  const paying = m.longsPayShorts ? m.longOpenInterestUsd : m.shortOpenInterestUsd
  const receiving = m.longsPayShorts ? m.shortOpenInterestUsd : m.longOpenInterestUsd
  let fundingUsdPerYear = 0n
  if (paying > 0n && receiving > 0n && m.fundingFactorPerSecond > 0n) {
    const paid = sizeInUsd * m.fundingFactorPerSecond * GMX_SECONDS_PER_YEAR
    fundingUsdPerYear =
      isLong === m.longsPayShorts
        ? -(paid / FLOAT_PRECISION)
        : (paid * paying) / (receiving * FLOAT_PRECISION)
  }
  return { borrowingUsdPerYear, fundingUsdPerYear }
}
