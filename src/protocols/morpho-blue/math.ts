/**
 * Morpho Blue math, bit for bit as Morpho.sol computes it (SharesMathLib, MathLib,
 * Morpho._accrueInterest, Morpho._isHealthy). Pure: bigint, explicit rounding.
 */
import { divUp, mulDivDown, mulDivUp, WAD } from '../../core/math.js'

/** Morpho's ORACLE_PRICE_SCALE: oracle prices are loan units per collateral unit times 1e36. */
export const ORACLE_PRICE_SCALE = 10n ** 36n
/** SharesMathLib.VIRTUAL_SHARES. */
export const VIRTUAL_SHARES = 10n ** 6n
/** SharesMathLib.VIRTUAL_ASSETS. */
export const VIRTUAL_ASSETS = 1n
/** ConstantsLib.MAX_LIQUIDATION_INCENTIVE_FACTOR (WAD). */
export const MAX_LIQUIDATION_INCENTIVE_FACTOR = (115n * WAD) / 100n
/** ConstantsLib.LIQUIDATION_CURSOR (WAD). */
export const LIQUIDATION_CURSOR = (3n * WAD) / 10n

/** Morpho.market(id): totals as of `lastUpdate` (unix seconds); fee in WAD. */
export interface MorphoMarketState {
  totalSupplyAssets: bigint
  totalSupplyShares: bigint
  totalBorrowAssets: bigint
  totalBorrowShares: bigint
  lastUpdate: bigint
  fee: bigint
}

/** Morpho.position(id, user). */
export interface MorphoPositionState {
  supplyShares: bigint
  borrowShares: bigint
  /** Collateral token units. */
  collateral: bigint
}

/** x * y / WAD rounded down (MathLib.wMulDown). */
export function wMulDown(x: bigint, y: bigint): bigint {
  return (x * y) / WAD
}

/** shares -> assets rounded down (SharesMathLib.toAssetsDown). */
export function toAssetsDown(shares: bigint, totalAssets: bigint, totalShares: bigint): bigint {
  return mulDivDown(shares, totalAssets + VIRTUAL_ASSETS, totalShares + VIRTUAL_SHARES)
}

/** shares -> assets rounded up (SharesMathLib.toAssetsUp). */
export function toAssetsUp(shares: bigint, totalAssets: bigint, totalShares: bigint): bigint {
  return mulDivUp(shares, totalAssets + VIRTUAL_ASSETS, totalShares + VIRTUAL_SHARES)
}

/** e^(x*n) - 1 by its 3-term Taylor expansion, WAD (MathLib.wTaylorCompounded). */
export function wTaylorCompounded(x: bigint, n: bigint): bigint {
  const firstTerm = x * n
  const secondTerm = mulDivDown(firstTerm, firstTerm, 2n * WAD)
  const thirdTerm = mulDivDown(secondTerm, firstTerm, 3n * WAD)
  return firstTerm + secondTerm + thirdTerm
}

/**
 * The market after Morpho._accrueInterest at `now` given the IRM's per-second borrow rate (WAD).
 * The adapter lets Morpho accrue on chain inside its batch; this model is for projections
 * (stress, Monte Carlo) where no chain state exists yet. Borrow and supply totals grow by the
 * interest; the fee is minted as supply shares.
 */
export function accrueInterest(
  market: MorphoMarketState,
  borrowRate: bigint,
  now: bigint,
): MorphoMarketState {
  const elapsed = now > market.lastUpdate ? now - market.lastUpdate : 0n
  if (elapsed === 0n) return market
  const interest = wMulDown(market.totalBorrowAssets, wTaylorCompounded(borrowRate, elapsed))
  let feeShares = 0n
  if (market.fee !== 0n) {
    const feeAmount = wMulDown(interest, market.fee)
    feeShares = mulDivDown(
      feeAmount,
      market.totalSupplyShares + VIRTUAL_SHARES,
      market.totalSupplyAssets + interest - feeAmount + VIRTUAL_ASSETS,
    )
  }
  return {
    totalSupplyAssets: market.totalSupplyAssets + interest,
    totalSupplyShares: market.totalSupplyShares + feeShares,
    totalBorrowAssets: market.totalBorrowAssets + interest,
    totalBorrowShares: market.totalBorrowShares,
    lastUpdate: now,
    fee: market.fee,
  }
}

/** A position's amounts and health, as Morpho._isHealthy sees them. */
export interface MorphoHealth {
  /** Borrowed loan assets, rounded up. */
  borrowed: bigint
  /** Supplied loan assets, rounded down. */
  supplied: bigint
  /** collateral * price / 1e36 * lltv, rounded down (loan units). */
  maxBorrow: bigint
  /** maxBorrow / borrowed in WAD (rounded down); null without borrow. */
  healthFactor: bigint | null
  /** Morpho's own verdict: maxBorrow >= borrowed. */
  healthy: boolean
}

/** Health of a position at oracle `price` (1e36-scaled) in a market with `lltv` (WAD). */
export function positionHealth(
  position: MorphoPositionState,
  market: MorphoMarketState,
  price: bigint,
  lltv: bigint,
): MorphoHealth {
  const borrowed = toAssetsUp(position.borrowShares, market.totalBorrowAssets, market.totalBorrowShares)
  const supplied = toAssetsDown(position.supplyShares, market.totalSupplyAssets, market.totalSupplyShares)
  const maxBorrow = wMulDown(mulDivDown(position.collateral, price, ORACLE_PRICE_SCALE), lltv)
  return {
    borrowed,
    supplied,
    maxBorrow,
    healthFactor: borrowed === 0n ? null : (maxBorrow * WAD) / borrowed,
    healthy: maxBorrow >= borrowed,
  }
}

/**
 * The smallest oracle price (1e36-scaled) at which the position is healthy: Morpho's
 * `borrowed <= wMulDown(mulDivDown(collateral, price, 1e36), lltv)` solved exactly — the closed
 * form gives a candidate, and integer steps settle the truncations. Null without borrow or
 * collateral.
 */
export function liquidationOraclePrice(
  position: MorphoPositionState,
  market: MorphoMarketState,
  lltv: bigint,
): bigint | null {
  const borrowed = toAssetsUp(position.borrowShares, market.totalBorrowAssets, market.totalBorrowShares)
  if (borrowed === 0n || position.collateral === 0n || lltv === 0n) return null
  const healthyAt = (p: bigint) =>
    wMulDown(mulDivDown(position.collateral, p, ORACLE_PRICE_SCALE), lltv) >= borrowed
  // borrowed <= floor(floor(c * p / 1e36) * lltv / 1e18)  <=>  c * p / 1e36 >= ceil(borrowed * 1e18 / lltv)
  const needValue = divUp(borrowed * WAD, lltv)
  let p = divUp(needValue * ORACLE_PRICE_SCALE, position.collateral)
  while (p > 0n && healthyAt(p - 1n)) p--
  while (!healthyAt(p)) p++
  return p
}

/** Liquidation incentive factor (WAD): min(1.15, 1 / (1 - 0.3 * (1 - lltv))). */
export function liquidationIncentiveFactor(lltv: bigint): bigint {
  const lif = (WAD * WAD) / (WAD - wMulDown(LIQUIDATION_CURSOR, WAD - lltv))
  return lif < MAX_LIQUIDATION_INCENTIVE_FACTOR ? lif : MAX_LIQUIDATION_INCENTIVE_FACTOR
}
