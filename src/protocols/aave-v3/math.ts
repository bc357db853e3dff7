/**
 * Aave v3 account math, bit for bit as the Pool computes it (GenericLogic.calculateUserAccountData,
 * ReserveLogic.getNormalizedIncome/Debt, MathUtils interest, StableDebtToken.balanceOf), per
 * version: the rules of each are in {@link aaveMathRules} with their references into
 * aave-dao/aave-v3-origin (`c/` = `src/contracts/`, commits in
 * ../shared/protocols/aave-v3-origin/FACTS.md). Pure: no I/O. Every amount is a bigint in the
 * protocol's own units and rounding.
 */
import type { Address } from '../../core/address.js'
import { findHealthBoundary } from '../../core/boundary.js'
import {
  MAX_UINT256,
  mulDivUp,
  PERCENTAGE_FACTOR,
  percentMulHalfUp,
  RAY,
  rayMulDown,
  rayMulHalfUp,
  rayMulUp,
  WAD,
  wadDivHalfUp,
} from '../../core/math.js'
import type {
  AaveAccountData,
  AaveEModeCategory,
  AaveMarketState,
  AaveReserve,
  AaveUserReserve,
  AaveUserState,
  AaveVersion,
} from './types.js'

const VERSION_ORDER: readonly AaveVersion[] = ['v3.0', 'v3.1', 'v3.2', 'v3.3', 'v3.4', 'v3.5', 'v3.6', 'v3.7']

/** True when `version` is `min` or later; an unknown (undefined) version is the legacy v3.0 math. */
export function isAaveVersionAtLeast(version: AaveVersion | undefined, min: AaveVersion): boolean {
  return VERSION_ORDER.indexOf(version ?? 'v3.0') >= VERSION_ORDER.indexOf(min)
}

/** The account-math rules of one Aave version (FACTS.md sections 2-3). */
export interface AaveMathRules {
  /**
   * Variable-debt compounding: `binomial` (v3.0-v3.3, `MathUtils.sol:59-84` at v3.3.0) or `taylor`,
   * the third-order series of e^x (v3.4+, `MathUtils.sol:83`, `docs/3.4/Aave-v3.4-features.md:139`).
   */
  compounding: 'binomial' | 'taylor'
  /**
   * v3.5+ rounding (`c/protocol/libraries/helpers/TokenMath.sol:66-70,108-112`): aToken balances
   * rayMulFloor, debt rayMulCeil, debt value mulDivCeil, HF = sum(col x LT) wadDiv debt / 1e4 with no
   * whole-bps average (v3.5 `GenericLogic.sol:154-162`), borrow capacity percentMulFloor (`:196`).
   * Before: rayMul half-up balances, floored values, HF = percentMul(col, floor(avgLT)) wadDiv debt
   * (v3.3 `GenericLogic.sol:161-174`), capacity percentMul half-up (`:198`).
   */
  roundingV35: boolean
  /**
   * v3.6+: every collateral-flagged reserve counts, LT 0 included (v3.6 / HEAD
   * `GenericLogic.sol:105`), and a bitmap asset of the user's eMode takes the eMode LTV (0 when in
   * `ltvzeroBitmap`) whatever its reserve LTV (HEAD `ValidationLogic.sol:524-549`). Before: only
   * reserves with LT != 0 count (v3.3 `:109`, v3.5 `:111`) and a zero reserve LTV stays 0.
   */
  eModeOnlyCollateral: boolean
  /** v3.7: an isolated eMode gives LTV 0 to every asset outside its collateral bitmap. */
  isolatedEModes: boolean
}

/** The rules of `version` (undefined = legacy, v3.0-v3.2 math). */
export function aaveMathRules(version: AaveVersion | undefined): AaveMathRules {
  return {
    compounding: isAaveVersionAtLeast(version, 'v3.4') ? 'taylor' : 'binomial',
    roundingV35: isAaveVersionAtLeast(version, 'v3.5'),
    eModeOnlyCollateral: isAaveVersionAtLeast(version, 'v3.6'),
    isolatedEModes: isAaveVersionAtLeast(version, 'v3.7'),
  }
}

/** 365 days in seconds, Aave's SECONDS_PER_YEAR. */
export const SECONDS_PER_YEAR = 365n * 24n * 3600n

/** Linear interest factor (RAY) from `lastUpdate` to `now` at `rate` (RAY per year). MathUtils. */
export function calculateLinearInterest(rate: bigint, lastUpdate: bigint, now: bigint): bigint {
  const elapsed = now > lastUpdate ? now - lastUpdate : 0n
  return RAY + (rate * elapsed) / SECONDS_PER_YEAR
}

/**
 * Compounded interest factor (RAY), Aave's 3-term binomial approximation of (1 + r/s)^(s*t).
 * MathUtils.calculateCompoundedInterest.
 */
export function calculateCompoundedInterest(rate: bigint, lastUpdate: bigint, now: bigint): bigint {
  const exp = now > lastUpdate ? now - lastUpdate : 0n
  if (exp === 0n) return RAY
  const expMinusOne = exp - 1n
  const expMinusTwo = exp > 2n ? exp - 2n : 0n
  const basePowerTwo = rayMulHalfUp(rate, rate) / (SECONDS_PER_YEAR * SECONDS_PER_YEAR)
  const basePowerThree = rayMulHalfUp(basePowerTwo, rate) / SECONDS_PER_YEAR
  const secondTerm = (exp * expMinusOne * basePowerTwo) / 2n
  const thirdTerm = (exp * expMinusOne * expMinusTwo * basePowerThree) / 6n
  return RAY + (rate * exp) / SECONDS_PER_YEAR + secondTerm + thirdTerm
}

/**
 * Compounded interest factor (RAY) of v3.4+: with x = rate x elapsed / SECONDS_PER_YEAR (floor),
 * RAY + x + x.rayMul(x/2 + x.rayMul(x/6)), rayMul half-up (MathUtils.sol:83 at v3.4.0 / v3.5.0 / HEAD).
 */
export function calculateCompoundedInterestTaylor(rate: bigint, lastUpdate: bigint, now: bigint): bigint {
  const exp = now > lastUpdate ? now - lastUpdate : 0n
  if (exp === 0n) return RAY
  const x = (rate * exp) / SECONDS_PER_YEAR
  return RAY + x + rayMulHalfUp(x, x / 2n + rayMulHalfUp(x, x / 6n))
}

/** Supply index (RAY) at `now`. ReserveLogic.getNormalizedIncome. */
export function getNormalizedIncome(reserve: AaveReserve, now: bigint): bigint {
  if (reserve.lastUpdateTimestamp === now) return reserve.liquidityIndex
  return rayMulHalfUp(
    calculateLinearInterest(reserve.liquidityRate, reserve.lastUpdateTimestamp, now),
    reserve.liquidityIndex,
  )
}

/**
 * Variable-debt index (RAY) at `now`, with `version`'s compounding (ReserveLogic.getNormalizedDebt:
 * v3.3 `ReserveLogic.sol:46-85`, v3.5+ `:39-78`).
 */
export function getNormalizedDebt(reserve: AaveReserve, now: bigint, version?: AaveVersion): bigint {
  if (reserve.lastUpdateTimestamp === now) return reserve.variableBorrowIndex
  const compound =
    aaveMathRules(version).compounding === 'taylor'
      ? calculateCompoundedInterestTaylor
      : calculateCompoundedInterest
  return rayMulHalfUp(
    compound(reserve.variableBorrowRate, reserve.lastUpdateTimestamp, now),
    reserve.variableBorrowIndex,
  )
}

/** A user's balances in one reserve at `now`, raw token units. */
export interface AaveUserBalances {
  supplied: bigint
  variableDebt: bigint
  stableDebt: bigint
  /** variableDebt + stableDebt. */
  debt: bigint
}

/**
 * Balances of one user reserve at `now`, as the aToken and debt tokens' balanceOf return them:
 * rayMul half-up before v3.5 (AToken v3.3 `:99-102`, VariableDebtToken v3.3 `:53-60`); v3.5+ aToken
 * rayMulFloor and debt rayMulCeil (AToken v3.5 `:134-138`, VariableDebtToken v3.5 `:69-72`).
 */
export function getUserBalances(
  reserve: AaveReserve,
  user: AaveUserReserve,
  now: bigint,
  version?: AaveVersion,
): AaveUserBalances {
  const v35 = aaveMathRules(version).roundingV35
  const supplied =
    user.scaledATokenBalance === 0n
      ? 0n
      : (v35 ? rayMulDown : rayMulHalfUp)(user.scaledATokenBalance, getNormalizedIncome(reserve, now))
  const variableDebt =
    user.scaledVariableDebt === 0n
      ? 0n
      : (v35 ? rayMulUp : rayMulHalfUp)(user.scaledVariableDebt, getNormalizedDebt(reserve, now, version))
  const stableDebt =
    user.principalStableDebt === 0n
      ? 0n
      : rayMulHalfUp(
          user.principalStableDebt,
          calculateCompoundedInterest(user.stableBorrowRate, user.stableBorrowLastUpdateTimestamp, now),
        )
  return { supplied, variableDebt, stableDebt, debt: variableDebt + stableDebt }
}

/** A market and a user in it at one block. */
export interface AaveState {
  market: AaveMarketState
  user: AaveUserState
}

/** How one reserve of the user counts in the account data. */
export interface AaveAssetTerm {
  reserve: AaveReserve
  balances: AaveUserBalances
  /** The price used, base currency per whole token (eMode price source applied). */
  price: bigint
  /** Enabled as collateral by the user and (before v3.6) with a non-zero reserve LT. */
  countsAsCollateral: boolean
  /** Whether the user's eMode category applies to this asset as collateral. */
  inEMode: boolean
  /** LT applied, bps (eMode LT when in eMode). */
  liquidationThresholdBps: bigint
  /** LTV applied, bps. */
  ltvBps: bigint
  /** Collateral value in base currency (0 when it does not count). */
  collateralBase: bigint
  /** Debt value in base currency. */
  debtBase: bigint
}

/** Account data plus the per-asset terms it was built from. */
export interface AaveAccountBreakdown extends AaveAccountData {
  terms: AaveAssetTerm[]
  eMode: AaveEModeCategory | null
}

/** Price overrides by underlying asset (lower-case address), base currency per whole token. */
export type PriceOverrides = ReadonlyMap<string, bigint>

/** Whether the user's eMode category applies to `reserve` as collateral (version-aware). */
export function isInEModeCategory(state: AaveState, reserve: AaveReserve): boolean {
  const cat = state.user.eModeCategoryId
  if (cat === 0) return false
  if (state.market.layout === 'v3.0') return reserve.eModeCategoryId === cat
  const category = state.market.eModes.get(cat)
  if (!category || category.collateralBitmap === null) return false
  return ((category.collateralBitmap >> BigInt(reserve.id)) & 1n) === 1n
}

function ltvZeroInEMode(category: AaveEModeCategory | undefined, reserve: AaveReserve): boolean {
  if (!category || category.ltvZeroBitmap === null) return false
  return ((category.ltvZeroBitmap >> BigInt(reserve.id)) & 1n) === 1n
}

/**
 * A debt's value in base currency: `debt x price / unit`, floored before v3.5 and mulDivCeil from
 * v3.5 (TokenMath.sol:108-112); 0 without debt.
 */
function debtValueBase(rules: AaveMathRules, debt: bigint, price: bigint, unit: bigint): bigint {
  if (debt === 0n) return 0n
  return rules.roundingV35 ? mulDivUp(debt, price, unit) : (debt * price) / unit
}

/**
 * The health factor (WAD) from the account's totals, in base currency: v3.5+
 * `sum(collateral x LT) wadDiv totalDebt / 1e4`; before, `percentMul(totalCollateral, floor(avgLT))
 * wadDiv totalDebt` with avgLT = floor(sum(collateral x LT) / totalCollateral); 2^256-1 without
 * debt. `weightedLt` is sum(collateral x LT bps) over the counted collateral.
 */
function aaveHealthFactor(
  rules: AaveMathRules,
  totalCollateral: bigint,
  weightedLt: bigint,
  totalDebt: bigint,
): bigint {
  if (totalDebt === 0n) return MAX_UINT256
  if (rules.roundingV35) return wadDivHalfUp(weightedLt, totalDebt) / PERCENTAGE_FACTOR
  const avgLt = totalCollateral === 0n ? 0n : weightedLt / totalCollateral
  return wadDivHalfUp(percentMulHalfUp(totalCollateral, avgLt), totalDebt)
}

/**
 * The user's account data exactly as `Pool.getUserAccountData` computes it in the market's
 * version ({@link aaveMathRules}; `market.version` absent = legacy v3.0-v3.2): v3.0-v3.4
 * per-asset values truncated to base currency, a truncated weighted-average LT, and
 * HF = percentMul(totalCollateral, avgLT) wadDiv totalDebt; v3.5+ collateral down, debt up and
 * HF = sum(collateral x LT) wadDiv totalDebt / 1e4; 2^256-1 without debt.
 *
 * `eModePrices` carries the v3.0 eMode price-source price (base currency) when the user's category
 * has one; `overrides` replaces oracle prices (for liquidation-price searches and stress).
 */
export function computeAccountData(
  state: AaveState,
  options: { overrides?: PriceOverrides; eModePrice?: bigint | null } = {},
): AaveAccountBreakdown {
  const { market, user } = state
  const now = market.timestamp
  const rules = aaveMathRules(market.version)
  const byAsset = new Map(market.reserves.map((r) => [r.underlyingAsset.toLowerCase(), r]))
  const category = user.eModeCategoryId === 0 ? undefined : market.eModes.get(user.eModeCategoryId)
  let totalCollateral = 0n
  let totalDebt = 0n
  let weightedLtv = 0n
  let weightedLt = 0n
  const terms: AaveAssetTerm[] = []

  for (const ur of user.reserves) {
    if (ur.scaledATokenBalance === 0n && ur.scaledVariableDebt === 0n && ur.principalStableDebt === 0n)
      continue
    const key = ur.underlyingAsset.toLowerCase()
    const reserve = byAsset.get(key)
    if (!reserve) throw new RangeError(`user reserve ${ur.underlyingAsset} is not a reserve of the market`)
    const balances = getUserBalances(reserve, ur, now, market.version)
    const unit = 10n ** BigInt(reserve.decimals)
    const override = options.overrides?.get(key)
    const usesEModePrice =
      market.layout === 'v3.0' &&
      options.eModePrice != null &&
      options.eModePrice !== 0n &&
      user.eModeCategoryId !== 0 &&
      reserve.eModeCategoryId === user.eModeCategoryId
    const price =
      override ?? (usesEModePrice ? (options.eModePrice as bigint) : reserve.priceInMarketReferenceCurrency)

    const inEMode = isInEModeCategory(state, reserve)
    const ltBps = inEMode && category ? category.liquidationThresholdBps : reserve.liquidationThresholdBps
    let ltvBps = reserve.ltvBps
    if (rules.eModeOnlyCollateral) {
      // v3.6+ ValidationLogic.getUserReserveLtv (HEAD ValidationLogic.sol:524-549).
      if (inEMode && category) ltvBps = ltvZeroInEMode(category, reserve) ? 0n : category.ltvBps
      else if (rules.isolatedEModes && category?.isolated) ltvBps = 0n
    } else if (ltvBps !== 0n && inEMode && category) {
      // Before v3.6 GenericLogic adds to the average LTV only when the reserve's own LTV is non-zero.
      ltvBps = ltvZeroInEMode(category, reserve) ? 0n : category.ltvBps
    }
    const countsAsCollateral =
      (rules.eModeOnlyCollateral || reserve.liquidationThresholdBps !== 0n) &&
      ur.usageAsCollateralEnabledOnUser &&
      balances.supplied > 0n
    let collateralBase = 0n
    if (countsAsCollateral) {
      collateralBase = (balances.supplied * price) / unit
      totalCollateral += collateralBase
      weightedLtv += collateralBase * ltvBps
      weightedLt += collateralBase * ltBps
    }
    const debtBase = debtValueBase(rules, balances.debt, price, unit)
    totalDebt += debtBase
    terms.push({
      reserve,
      balances,
      price,
      countsAsCollateral,
      inEMode,
      liquidationThresholdBps: ltBps,
      ltvBps,
      collateralBase,
      debtBase,
    })
  }

  const avgLtv = totalCollateral === 0n ? 0n : weightedLtv / totalCollateral
  const avgLt = totalCollateral === 0n ? 0n : weightedLt / totalCollateral
  const healthFactor = aaveHealthFactor(rules, totalCollateral, weightedLt, totalDebt)
  const borrowCapacity = rules.roundingV35
    ? (totalCollateral * avgLtv) / PERCENTAGE_FACTOR
    : percentMulHalfUp(totalCollateral, avgLtv)
  return {
    totalCollateralBase: totalCollateral,
    totalDebtBase: totalDebt,
    availableBorrowsBase: borrowCapacity > totalDebt ? borrowCapacity - totalDebt : 0n,
    currentLiquidationThreshold: avgLt,
    ltv: avgLtv,
    healthFactor,
    terms,
    eMode: category ?? null,
  }
}

/** Result of {@link findLiquidationPrice}. */
export interface AaveLiquidationPrice {
  /** Which side(s) of the account the asset is on. */
  side: 'collateral' | 'debt' | 'both'
  /**
   * Base-currency price (per whole token) at the health-factor-1 boundary, or null when no price
   * can reach it. For an asset whose value raises HF, the smallest price at which HF >= 1; for an
   * asset whose value lowers HF, the largest price at which HF >= 1.
   */
  price: bigint | null
}

/**
 * The price of `asset` at which the health factor reaches 1 (1e18 WAD) with every other price
 * fixed, found by bisection over integer base-currency prices on the Pool's own integer formula,
 * so it honours the protocol's truncations exactly. Returns null without debt, or when the
 * account is on one side of 1 at every price.
 *
 * Only the asset's own terms depend on its price: every other reserve's truncated collateral and
 * debt values (and its LT weight) are summed once, and each probe recomputes just the asset's
 * values and the version's health-factor formula ({@link aaveHealthFactor}), the same integers
 * {@link computeAccountData} would give with the price overridden (~80 probes per asset).
 * `options.account` is that account data when the caller already has it (computed with the same
 * `eModePrice`).
 */
export function findLiquidationPrice(
  state: AaveState,
  asset: Address,
  options: { eModePrice?: bigint | null; account?: AaveAccountBreakdown } = {},
): AaveLiquidationPrice {
  const base = options.account ?? computeAccountData(state, { eModePrice: options.eModePrice ?? null })
  const key = asset.toLowerCase()
  const term = base.terms.find((t) => t.reserve.underlyingAsset.toLowerCase() === key)
  if (!term) throw new RangeError(`asset ${asset} is not in the account`)
  const collateralWeight = term.countsAsCollateral
    ? term.balances.supplied * term.liquidationThresholdBps
    : 0n
  const debtWeight = term.balances.debt * PERCENTAGE_FACTOR
  const side =
    collateralWeight > 0n && term.balances.debt > 0n ? 'both' : collateralWeight > 0n ? 'collateral' : 'debt'
  if (base.totalDebtBase === 0n && term.balances.debt === 0n) return { side, price: null }
  if (collateralWeight === debtWeight) return { side, price: null }
  const rising = collateralWeight > debtWeight

  const rules = aaveMathRules(state.market.version)
  let fixedCollateral = 0n
  let fixedWeightedLt = 0n
  let fixedDebt = 0n
  const varying: { term: AaveAssetTerm; unit: bigint }[] = []
  for (const t of base.terms) {
    if (t.reserve.underlyingAsset.toLowerCase() === key) {
      varying.push({ term: t, unit: 10n ** BigInt(t.reserve.decimals) })
      continue
    }
    fixedCollateral += t.collateralBase
    fixedWeightedLt += t.collateralBase * t.liquidationThresholdBps
    fixedDebt += t.debtBase
  }
  // The AaveOracle never prices at 0 (an answer <= 0 goes to the fallback oracle or reverts), so
  // the search domain starts at 1 unit: "at 0" stands for the verdict at 1. This matters where a
  // tiny price flips the verdict by rounding alone (v3.5+ debt value mulDivCeil >= 1 base unit).
  const healthyAt = (price: bigint): boolean => {
    const p = price < 1n ? 1n : price
    let totalCollateral = fixedCollateral
    let weightedLt = fixedWeightedLt
    let totalDebt = fixedDebt
    for (const { term: t, unit } of varying) {
      if (t.countsAsCollateral) {
        const collateralBase = (t.balances.supplied * p) / unit
        totalCollateral += collateralBase
        weightedLt += collateralBase * t.liquidationThresholdBps
      }
      totalDebt += debtValueBase(rules, t.balances.debt, p, unit)
    }
    return aaveHealthFactor(rules, totalCollateral, weightedLt, totalDebt) >= WAD
  }
  return { side, price: findHealthBoundary({ healthyAt, rising, current: term.price }) }
}

/**
 * Whether the user is in isolation mode: exactly one reserve counts as collateral and it has a
 * non-zero debt ceiling (ValidationLogic / UserConfiguration.getIsolationModeState).
 */
export function getIsolationAsset(state: AaveState): AaveReserve | null {
  // v3.7 removed isolation mode (docs/3.7/mode-removal.md).
  if (isAaveVersionAtLeast(state.market.version, 'v3.7')) return null
  const byAsset = new Map(state.market.reserves.map((r) => [r.underlyingAsset.toLowerCase(), r]))
  const collateral = state.user.reserves.filter(
    (ur) => ur.usageAsCollateralEnabledOnUser && ur.scaledATokenBalance > 0n,
  )
  if (collateral.length !== 1) return null
  const reserve = byAsset.get(collateral[0]!.underlyingAsset.toLowerCase())
  return reserve && reserve.debtCeiling !== 0n ? reserve : null
}

/** LiquidationLogic constants, the same in v3.3-v3.7 (v3.3 `LiquidationLogic.sol:61,67,74,82`). */
export const AAVE_LIQUIDATION = {
  /** 50%, bps. */
  DEFAULT_LIQUIDATION_CLOSE_FACTOR: 5_000n,
  /** 0.95, WAD. */
  CLOSE_FACTOR_HF_THRESHOLD: 950_000_000_000_000_000n,
  /** 2,000 USD, base currency (1e8). From v3.3. */
  MIN_BASE_MAX_CLOSE_FACTOR_THRESHOLD: 2_000n * 10n ** 8n,
  /** 1,000 USD, base currency (1e8). From v3.3. */
  MIN_LEFTOVER_BASE: 1_000n * 10n ** 8n,
} as const

function percentDivHalfUp(value: bigint, bps: bigint): bigint {
  return (value * PERCENTAGE_FACTOR + bps / 2n) / bps
}
function percentDivUp(value: bigint, bps: bigint): bigint {
  return mulDivUp(value, PERCENTAGE_FACTOR, bps)
}
function percentDivDown(value: bigint, bps: bigint): bigint {
  return (value * PERCENTAGE_FACTOR) / bps
}
function percentMulDown(value: bigint, bps: bigint): bigint {
  return (value * bps) / PERCENTAGE_FACTOR
}
function percentMulUp(value: bigint, bps: bigint): bigint {
  return mulDivUp(value, bps, PERCENTAGE_FACTOR)
}

/** One side (collateral or debt reserve) of a liquidation, in the reserve's own units. */
export interface AaveLiquidationSide {
  /** The user's balance: aToken balance (collateral) or variable debt (debt), raw token units. */
  balance: bigint
  /** Oracle price, base currency per whole token. */
  price: bigint
  decimals: number
}

/** Params of {@link computeAaveLiquidation}. */
export interface AaveLiquidationParams {
  /** The market's version (undefined = legacy v3.0-v3.2 rules). */
  version: AaveVersion | undefined
  /** The user's health factor at the liquidation's block (WAD). */
  healthFactor: bigint
  /** The user's total debt, base currency (getUserAccountData's totalDebtBase at that block). */
  totalDebtBase: bigint
  /** The user's total collateral, base currency (for the deficit rule). */
  totalCollateralBase: bigint
  collateral: AaveLiquidationSide
  debt: AaveLiquidationSide
  /** Debt the liquidator offers to repay, debt-asset units (2^256-1 = as much as allowed). */
  debtToCover: bigint
  /** Bonus applied (eMode's for bitmap collateral of the user's eMode), bps incl. 10_000. */
  liquidationBonusBps: bigint
  /** The collateral reserve's liquidation protocol fee, bps of the bonus part. */
  liquidationProtocolFeeBps: bigint
}

/** What a `liquidationCall` does, all in raw token units. */
export interface AaveLiquidationOutcome {
  /** Why the Pool would revert, or null when the liquidation goes through. */
  revert: null | 'HEALTH_FACTOR_NOT_BELOW_THRESHOLD' | 'MUST_NOT_LEAVE_DUST'
  /** Debt repaid by the liquidator (the LiquidationCall event's `debtToCover`). */
  debtRepaid: bigint
  /** Collateral to the liquidator (the event's `liquidatedCollateralAmount`), excluding the fee. */
  collateralToLiquidator: bigint
  /** Collateral to the treasury: the protocol's share of the bonus. */
  protocolFee: bigint
  /** Collateral taken from the user: to the liquidator plus the protocol fee. */
  collateralSeized: bigint
  /**
   * v3.3+: the user's debt left in the debt reserve that is burned into its deficit because the
   * liquidation takes the user's last collateral (other reserves' debt is burned too); 0 otherwise.
   */
  deficit: bigint
}

/**
 * The outcome of `Pool.liquidationCall(collateral, debt, user, debtToCover, false)` per version
 * (FACTS.md section 4; LiquidationLogic v3.3 `:279-342,356-412,653-673`, v3.5 `:257-322,340-412,634`,
 * HEAD `:259-323,337-369,603-619`), in bigint with the Pool's rounding:
 * - close factor: before v3.3, 50% of the reserve debt when HF > 0.95 else 100%; from v3.3 the
 *   whole reserve debt unless HF > 0.95 and the collateral (floor) and debt (v3.3 floor, v3.5+
 *   ceil) positions are each >= 2,000 base units, then at most 50% of the TOTAL debt (converted to
 *   the debt asset, floor) when the reserve debt exceeds it;
 * - seized collateral `debt x P_debt x colUnit / (P_col x debtUnit)` times the bonus (v3.3/v3.5
 *   percentMul half-up, v3.7 percentMulFloor); capped at the balance, then the debt needed is the
 *   balance's value percentDiv bonus (v3.3 half-up, v3.5+ ceil); the protocol fee is the fee share
 *   of the bonus part (v3.7: bonus split percentDivFloor, fee percentMulCeil; before half-up);
 * - dust (v3.3+): neither all the debt nor all the collateral, and less than 1,000 base units of
 *   either left: reverts;
 * - deficit (v3.3+): taking the user's last collateral burns the remaining debt.
 */
export function computeAaveLiquidation(p: AaveLiquidationParams): AaveLiquidationOutcome {
  const none = {
    debtRepaid: 0n,
    collateralToLiquidator: 0n,
    protocolFee: 0n,
    collateralSeized: 0n,
    deficit: 0n,
  }
  if (p.healthFactor >= WAD) return { revert: 'HEALTH_FACTOR_NOT_BELOW_THRESHOLD', ...none }
  const v33 = isAaveVersionAtLeast(p.version, 'v3.3')
  const v35 = isAaveVersionAtLeast(p.version, 'v3.5')
  const v37 = isAaveVersionAtLeast(p.version, 'v3.7')
  const L = AAVE_LIQUIDATION
  const colUnit = 10n ** BigInt(p.collateral.decimals)
  const debtUnit = 10n ** BigInt(p.debt.decimals)
  const { price: colPrice, balance: colBalance } = p.collateral
  const { price: debtPrice, balance: userDebt } = p.debt

  let maxLiquidatableDebt = userDebt
  if (v33) {
    const collateralBase = (colBalance * colPrice) / colUnit
    const debtBase = v35 ? mulDivUp(userDebt, debtPrice, debtUnit) : (userDebt * debtPrice) / debtUnit
    if (
      collateralBase >= L.MIN_BASE_MAX_CLOSE_FACTOR_THRESHOLD &&
      debtBase >= L.MIN_BASE_MAX_CLOSE_FACTOR_THRESHOLD &&
      p.healthFactor > L.CLOSE_FACTOR_HF_THRESHOLD
    ) {
      const halfTotal = percentMulHalfUp(p.totalDebtBase, L.DEFAULT_LIQUIDATION_CLOSE_FACTOR)
      if (debtBase > halfTotal) maxLiquidatableDebt = (halfTotal * debtUnit) / debtPrice
    }
  } else if (p.healthFactor > L.CLOSE_FACTOR_HF_THRESHOLD) {
    maxLiquidatableDebt = percentMulHalfUp(userDebt, L.DEFAULT_LIQUIDATION_CLOSE_FACTOR)
  }
  let debtRepaid = p.debtToCover > maxLiquidatableDebt ? maxLiquidatableDebt : p.debtToCover

  const bonus = p.liquidationBonusBps
  const baseCollateral = (debtPrice * debtRepaid * colUnit) / (colPrice * debtUnit)
  const maxCollateral = v37 ? percentMulDown(baseCollateral, bonus) : percentMulHalfUp(baseCollateral, bonus)
  let collateralSeized: bigint
  if (maxCollateral > colBalance) {
    collateralSeized = colBalance
    const value = (colPrice * colBalance * debtUnit) / (debtPrice * colUnit)
    debtRepaid = v35 ? percentDivUp(value, bonus) : percentDivHalfUp(value, bonus)
  } else {
    collateralSeized = maxCollateral
  }
  let protocolFee = 0n
  if (p.liquidationProtocolFeeBps !== 0n) {
    const bonusPart =
      collateralSeized -
      (v37 ? percentDivDown(collateralSeized, bonus) : percentDivHalfUp(collateralSeized, bonus))
    protocolFee = v37
      ? percentMulUp(bonusPart, p.liquidationProtocolFeeBps)
      : percentMulHalfUp(bonusPart, p.liquidationProtocolFeeBps)
  }
  const collateralToLiquidator = collateralSeized - protocolFee

  if (v33 && debtRepaid < userDebt && collateralSeized < colBalance) {
    const debtLeft = ((userDebt - debtRepaid) * debtPrice) / debtUnit
    const colLeft = ((colBalance - collateralSeized) * colPrice) / colUnit
    if (debtLeft < L.MIN_LEFTOVER_BASE || colLeft < L.MIN_LEFTOVER_BASE) {
      return { revert: 'MUST_NOT_LEAVE_DUST', ...none }
    }
  }
  const seizedBase = (collateralSeized * colPrice) / colUnit
  const noCollateralLeft = v33 && collateralSeized === colBalance && seizedBase >= p.totalCollateralBase
  return {
    revert: null,
    debtRepaid,
    collateralToLiquidator,
    protocolFee,
    collateralSeized,
    deficit: noCollateralLeft ? userDebt - debtRepaid : 0n,
  }
}
