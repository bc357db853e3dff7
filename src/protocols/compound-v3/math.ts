/**
 * Compound v3 (Comet) account math, bit for bit as Comet.sol computes `isLiquidatable` and
 * `isBorrowCollateralized` (CometCore.presentValue/presentValueBorrow, Comet.signedMulPrice,
 * mulPrice, mulFactor, isInAsset). Pure: no I/O.
 *
 * Units: base and collateral amounts are raw token units; prices are Comet's `getPrice` answers
 * (8 decimals, in the Comet's price numeraire: USD for stablecoin bases, ETH for WETH bases);
 * factors are 1e18-scaled (FACTOR_SCALE); indexes are 1e15-scaled (BASE_INDEX_SCALE). A "value"
 * is an amount times a price, in price units (8 decimals), truncated exactly where Comet truncates.
 */

import type { Address } from '../../core/address.js'
import { findHealthBoundary } from '../../core/boundary.js'
import { WAD } from '../../core/math.js'

/** Comet's FACTOR_SCALE: 1e18 = a factor of 1. */
export const FACTOR_SCALE = 10n ** 18n
/** Comet's PRICE_SCALE: prices have 8 decimals. */
export const PRICE_SCALE = 10n ** 8n
/** Comet's BASE_INDEX_SCALE: 1e15 = an index of 1. */
export const BASE_INDEX_SCALE = 10n ** 15n

/** Base units owed for a borrow `principal` (> 0, base units) at `index` (1e15). Rounds down. */
export function presentValueBorrow(index: bigint, principal: bigint): bigint {
  return (principal * index) / BASE_INDEX_SCALE
}

/** Base units supplied for a supply `principal` (>= 0, base units) at `index` (1e15). Rounds down. */
export function presentValueSupply(index: bigint, principal: bigint): bigint {
  return (principal * index) / BASE_INDEX_SCALE
}

/**
 * CometCore.presentValue: the signed present value (base units) of a signed int104 principal:
 * supply at the supply index, borrow (negative) at the borrow index.
 */
export function presentValue(principal: bigint, supplyIndex: bigint, borrowIndex: bigint): bigint {
  return principal >= 0n
    ? presentValueSupply(supplyIndex, principal)
    : -presentValueBorrow(borrowIndex, -principal)
}

/** Comet.mulPrice: `n` (in `fromScale` units) times an 8-decimal price, truncated. */
export function mulPrice(n: bigint, price: bigint, fromScale: bigint): bigint {
  return (n * price) / fromScale
}

/**
 * Comet.signedMulPrice: signed `n` times a price over `fromScale`. Solidity's signed division
 * truncates toward zero, as bigint division does.
 */
export function signedMulPrice(n: bigint, price: bigint, fromScale: bigint): bigint {
  return (n * price) / fromScale
}

/** Comet.mulFactor: `n` times a 1e18-scaled factor, truncated. */
export function mulFactor(n: bigint, factor: bigint): bigint {
  return (n * factor) / FACTOR_SCALE
}

/** Comet.divPrice: a price-unit value divided by an 8-decimal price into `toScale` units, truncated. */
export function divPrice(n: bigint, price: bigint, toScale: bigint): bigint {
  return (n * toScale) / price
}

/** One collateral asset of the account, as the Comet lists it, with the user's balance. */
export interface CometCollateralState {
  /** The asset's offset in the Comet (its bit in `assetsIn`). */
  offset: number
  asset: Address
  symbol: string
  decimals: number
  /** 10^decimals, AssetInfo.scale. */
  scale: bigint
  /** 1e18-scaled. */
  borrowCollateralFactor: bigint
  /** 1e18-scaled. */
  liquidateCollateralFactor: bigint
  /** 1e18-scaled: the share of value credited on absorb. */
  liquidationFactor: bigint
  /** Comet.getPrice(AssetInfo.priceFeed), 8 decimals. */
  price: bigint
  /** userCollateral(user, asset).balance, raw units. */
  balance: bigint
  /** Whether the asset's bit is set in the user's assetsIn vector: only those count. */
  inAsset: boolean
}

/** A user in a Comet at one block: everything isLiquidatable reads. */
export interface CometAccountState {
  baseToken: Address
  /** userBasic(user).principal, signed (int104): < 0 borrows, > 0 supplies. */
  principal: bigint
  /** totalsBasic().baseSupplyIndex, the STORED index (1e15), as isLiquidatable uses it. */
  baseSupplyIndex: bigint
  /** totalsBasic().baseBorrowIndex, the STORED index (1e15). */
  baseBorrowIndex: bigint
  /** Comet.baseScale(): 10^base decimals. */
  baseScale: bigint
  /** Comet.getPrice(baseTokenPriceFeed), 8 decimals. */
  basePrice: bigint
  collaterals: CometCollateralState[]
}

/** Price overrides by asset (lower-case address; the base token included), 8 decimals. */
export type CometPriceOverrides = ReadonlyMap<string, bigint>

/** The account's liquidity, exactly as Comet's two collateral checks see it. */
export interface CometLiquidity {
  /** Present value of the principal at the stored indexes, signed base units. */
  presentValue: bigint
  /** Borrow value = -signedMulPrice(presentValue, basePrice, baseScale), price units; 0 without borrow. */
  debtValue: bigint
  /** Sum over assets in assetsIn of mulFactor(mulPrice(balance, price, scale), liquidateCF). */
  liquidationCollateralValue: bigint
  /** The same sum with borrowCollateralFactor. */
  borrowCollateralValue: bigint
  /** Comet.isLiquidatable. */
  liquidatable: boolean
  /** Comet.isBorrowCollateralized. */
  borrowCollateralized: boolean
  /**
   * Liquidation health factor, WAD: floor(liquidationCollateralValue * 1e18 / debtValue), so
   * HF < 1e18 exactly when `liquidatable`. Null without a borrow (or a borrow worth 0 price units).
   */
  healthFactor: bigint | null
  /** Borrow-side health factor, WAD, with borrowCollateralFactor: >= 1e18 exactly when `borrowCollateralized`. */
  borrowHealthFactor: bigint | null
}

/**
 * Computes the account's liquidity as Comet.isLiquidatable and Comet.isBorrowCollateralized do:
 * a borrow (principal < 0) valued at the stored borrow index and the base price, truncated toward
 * zero; each asset whose assetsIn bit is set valued at mulPrice then mulFactor, each truncated.
 * Comet's loops stop once liquidity is >= 0; collateral values are never negative, so the full
 * sums decide the same way.
 */
export function computeCometLiquidity(
  state: CometAccountState,
  overrides?: CometPriceOverrides,
): CometLiquidity {
  const pv = presentValue(state.principal, state.baseSupplyIndex, state.baseBorrowIndex)
  const basePrice = overrides?.get(state.baseToken.toLowerCase()) ?? state.basePrice
  const debtValue = state.principal < 0n ? -signedMulPrice(pv, basePrice, state.baseScale) : 0n
  let liquidationCollateralValue = 0n
  let borrowCollateralValue = 0n
  for (const c of state.collaterals) {
    if (!c.inAsset) continue
    const price = overrides?.get(c.asset.toLowerCase()) ?? c.price
    const value = mulPrice(c.balance, price, c.scale)
    liquidationCollateralValue += mulFactor(value, c.liquidateCollateralFactor)
    borrowCollateralValue += mulFactor(value, c.borrowCollateralFactor)
  }
  const borrows = state.principal < 0n
  const hf = (collateral: bigint) => (borrows && debtValue > 0n ? (collateral * WAD) / debtValue : null)
  return {
    presentValue: pv,
    debtValue,
    liquidationCollateralValue,
    borrowCollateralValue,
    liquidatable: borrows && liquidationCollateralValue < debtValue,
    borrowCollateralized: !borrows || borrowCollateralValue >= debtValue,
    healthFactor: hf(liquidationCollateralValue),
    borrowHealthFactor: hf(borrowCollateralValue),
  }
}

/** Result of {@link findCometLiquidationPrice}. */
export interface CometLiquidationPrice {
  /** The base asset is the debt side; collateral assets are the collateral side. */
  side: 'collateral' | 'debt'
  /**
   * Price (8 decimals, the Comet's numeraire) at the isLiquidatable boundary with every other
   * price fixed: for a collateral, the smallest price at which the account is not liquidatable;
   * for the base asset, the largest. Null when no price brings the account there.
   */
  price: bigint | null
}

/**
 * The price of `asset` (a collateral of the account, or the base token) at which the account
 * crosses Comet's isLiquidatable boundary, every other price fixed. Found by bisection over
 * integer prices on Comet's own integer formula, so it honours every truncation of
 * {@link computeCometLiquidity}. Null without a borrow, for a collateral that does not count (no
 * assetsIn bit), or when the account is on one side at every price.
 *
 * Only the asset's own terms move with its price: the other collaterals' truncated liquidation
 * values are summed once and each probe revalues just the asset (its collateral value, or the
 * debt when it is the base token), the same integers computeCometLiquidity gives with the price
 * overridden (~80 probes per asset).
 */
export function findCometLiquidationPrice(state: CometAccountState, asset: Address): CometLiquidationPrice {
  const key = asset.toLowerCase()
  const isBase = key === state.baseToken.toLowerCase()
  const side = isBase ? 'debt' : 'collateral'
  if (state.principal >= 0n) return { side, price: null }
  const collateral = isBase ? undefined : state.collaterals.find((c) => c.asset.toLowerCase() === key)
  if (!isBase && !collateral) throw new RangeError(`asset ${asset} is not in the account`)
  if (collateral && (!collateral.inAsset || collateral.balance === 0n)) return { side, price: null }

  const pv = presentValue(state.principal, state.baseSupplyIndex, state.baseBorrowIndex)
  const debtAt = (basePrice: bigint) => -signedMulPrice(pv, basePrice, state.baseScale)
  const fixedDebt = debtAt(state.basePrice)
  let fixedCollateral = 0n
  const varying: CometCollateralState[] = []
  for (const c of state.collaterals) {
    if (!c.inAsset) continue
    if (c.asset.toLowerCase() === key) varying.push(c)
    else fixedCollateral += mulFactor(mulPrice(c.balance, c.price, c.scale), c.liquidateCollateralFactor)
  }
  const healthyAt = (price: bigint) => {
    let liquidationCollateralValue = fixedCollateral
    for (const c of varying)
      liquidationCollateralValue += mulFactor(
        mulPrice(c.balance, price, c.scale),
        c.liquidateCollateralFactor,
      )
    return liquidationCollateralValue >= (isBase ? debtAt(price) : fixedDebt)
  }
  const current = isBase ? state.basePrice : collateral!.price
  // Collateral value rises with its price (smallest healthy price); the debt's value rises with
  // the base price (largest healthy price).
  return { side, price: findHealthBoundary({ healthyAt, rising: !isBase, current }) }
}

/**
 * The base amount (raw units) the account could still borrow before isBorrowCollateralized turns
 * false, at the stored index: divPrice(borrowCollateralValue - debtValue, basePrice, baseScale),
 * 0 when none. Informative (Comet also enforces baseBorrowMin and liquidity).
 */
export function availableToBorrow(state: CometAccountState, liquidity: CometLiquidity): bigint {
  const room = liquidity.borrowCollateralValue - liquidity.debtValue
  if (room <= 0n || state.basePrice === 0n) return 0n
  return divPrice(room, state.basePrice, state.baseScale)
}

/**
 * Comet's borrow rate model (immutables set from configuration.json, per second, 1e18-scaled):
 * `getBorrowRate(u)` is `base + slopeLow * u` up to the kink, plus `slopeHigh * (u - kink)` above.
 */
export interface CometBorrowRateModel {
  /** borrowKink(), 1e18 = 100% utilization. */
  kink: bigint
  /** borrowPerSecondInterestRateBase(). */
  base: bigint
  /** borrowPerSecondInterestRateSlopeLow(). */
  slopeLow: bigint
  /** borrowPerSecondInterestRateSlopeHigh(). */
  slopeHigh: bigint
}

/**
 * Comet.getUtilization at the STORED indexes: totalBorrow * 1e18 / totalSupply (0 without supply),
 * each total a present value of its principal, floored as Comet floors.
 */
export function cometUtilizationDown(
  totalSupplyBase: bigint,
  totalBorrowBase: bigint,
  supplyIndex: bigint,
  borrowIndex: bigint,
): bigint {
  const totalSupply = presentValueSupply(supplyIndex, totalSupplyBase)
  if (totalSupply === 0n) return 0n
  return (presentValueBorrow(borrowIndex, totalBorrowBase) * FACTOR_SCALE) / totalSupply
}

/** Comet.getBorrowRate(u), per second, 1e18-scaled, every product floored as mulFactor floors. */
export function cometBorrowRateDown(model: CometBorrowRateModel, utilization: bigint): bigint {
  if (utilization <= model.kink) return model.base + mulFactor(model.slopeLow, utilization)
  return (
    model.base + mulFactor(model.slopeLow, model.kink) + mulFactor(model.slopeHigh, utilization - model.kink)
  )
}

/**
 * Comet.accruedInterestIndices for the borrow index: idx + mulFactor(idx, rate * elapsed) (simple
 * interest over the window since lastAccrualTime, floored), 1e15-scaled: what `absorb` and
 * `borrowBalanceOf` see at a block with timestamp `now`.
 */
export function accrueBorrowIndexDown(index: bigint, ratePerSecond: bigint, elapsedSeconds: bigint): bigint {
  if (elapsedSeconds <= 0n) return index
  return index + mulFactor(index, ratePerSecond * elapsedSeconds)
}

/** The liquidation check at an ACCRUED debt (base units owed), as `absorb` re-checks after accruing. */
export interface CometAccruedLiquidity {
  /** Base units owed at the accrued index. */
  debt: bigint
  /** The debt's value, price units (8 decimals). */
  debtValue: bigint
  liquidatable: boolean
  /** floor(liquidationCollateralValue * 1e18 / debtValue), WAD; null without a borrow. */
  healthFactor: bigint | null
}

/**
 * isLiquidatable's rule with the debt at the accrued index: the collateral side is unchanged
 * (collateral does not accrue), the borrow is `debt` base units valued at the base price.
 */
export function cometAccruedLiquidity(
  state: CometAccountState,
  liquidity: CometLiquidity,
  debt: bigint,
): CometAccruedLiquidity {
  if (state.principal >= 0n) return { debt: 0n, debtValue: 0n, liquidatable: false, healthFactor: null }
  const debtValue = -signedMulPrice(-debt, state.basePrice, state.baseScale)
  return {
    debt,
    debtValue,
    liquidatable: liquidity.liquidationCollateralValue < debtValue,
    healthFactor: debtValue > 0n ? (liquidity.liquidationCollateralValue * WAD) / debtValue : null,
  }
}
