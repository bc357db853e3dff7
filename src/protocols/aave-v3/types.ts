import type { Address } from '../../core/address.js'

/**
 * Which UiPoolDataProviderV3 struct family a market speaks (the exact struct sizes per version are
 * {@link AaveReserveFields} / {@link AaveEModeFields}; the version itself is {@link AaveVersion}).
 * - `v3.0`: periphery 2.x (npm `@aave/periphery-v3` 2.5.2): 54-field reserves, 7-field user
 *   reserves, eMode data inside each reserve, eMode applies to every asset of the category.
 * - `v3.3`: the `getEModes` periphery (v3.2+): 42-field reserves in v3.3.0, 40 from v3.4,
 *   4-field user reserves, `getEModes` with collateral bitmaps ("liquid eModes": only assets in
 *   the bitmap get the eMode LT). The risk engine reads this family from `details.layout`.
 */
export type AaveLayout = 'v3.0' | 'v3.3'

/**
 * The Aave v3 version a market runs, read from `Pool.POOL_REVISION()` (aave-v3-origin
 * `src/contracts/instances/PoolInstance.sol`: 7 = v3.3, 8 = v3.4, 9 = v3.5, 10 = v3.6, 11 = v3.7;
 * 1-2 = v3.0.x, 3 = v3.1) and checked against the periphery's struct layouts. Each version has its
 * own rounding and rules (../shared/protocols/aave-v3-origin/FACTS.md sections 2-4):
 * - v3.0-v3.3: balances rayMul half-up, values floored, HF = percentMul(totalCollateral,
 *   floor(avgLT)) wadDiv debt, 3-term binomial compounding.
 * - v3.4: as v3.3 but compounding by the Taylor series of e^x.
 * - v3.5+: aToken balances rayMulFloor, debt rayMulCeil, debt value mulDivCeil,
 *   HF = sum(collateral x LT) wadDiv debt / 1e4.
 * - v3.6+: any collateral-flagged reserve counts (LT 0 allowed: eMode-only collateral),
 *   the eMode LTV applies to bitmap assets even with a zero reserve LTV, `ltvzeroBitmap`.
 * - v3.7: isolated eMode categories; isolation mode and siloed borrowing removed.
 */
export type AaveVersion = 'v3.0' | 'v3.1' | 'v3.2' | 'v3.3' | 'v3.4' | 'v3.5' | 'v3.6' | 'v3.7'

/** Field count of UiPoolDataProviderV3's AggregatedReserveData: 54 (v3.0), 42 (v3.3.0), 40 (v3.4+). */
export type AaveReserveFields = 54 | 42 | 40

/** Field count of getEModes' EModeCategory: 6 (v3.2-v3.5), 7 (v3.6), 8 (v3.7). */
export type AaveEModeFields = 6 | 7 | 8

/** One reserve of an Aave v3 market at one block. Rates and indexes in RAY. */
export interface AaveReserve {
  underlyingAsset: Address
  symbol: string
  name: string
  decimals: number
  /** The reserve id: its bit in user configuration and eMode bitmaps. */
  id: number
  /** Basis points. */
  ltvBps: bigint
  /** Basis points. 0 means the asset never counts as collateral. */
  liquidationThresholdBps: bigint
  /** Basis points, 10_000 + bonus (e.g. 10_500 = 5% bonus). */
  liquidationBonusBps: bigint
  usageAsCollateralEnabled: boolean
  borrowingEnabled: boolean
  isActive: boolean
  isFrozen: boolean
  isPaused: boolean
  /** RAY. */
  liquidityIndex: bigint
  /** RAY. */
  variableBorrowIndex: bigint
  /** RAY, per year. */
  liquidityRate: bigint
  /** RAY, per year. */
  variableBorrowRate: bigint
  /** Unix seconds. */
  lastUpdateTimestamp: bigint
  aTokenAddress: Address
  variableDebtTokenAddress: Address
  /** v3.0 only; null from v3.3 where stable debt is gone. */
  stableDebtTokenAddress: Address | null
  /** Oracle price in the market's base currency (`baseCurrency.unit` per whole token). */
  priceInMarketReferenceCurrency: bigint
  priceOracle: Address
  /** Isolation-mode debt ceiling, in units of 10^-debtCeilingDecimals USD; 0 = not isolated. */
  debtCeiling: bigint
  debtCeilingDecimals: number
  /** Same units as debtCeiling. */
  isolationModeTotalDebt: bigint
  borrowableInIsolation: boolean
  isSiloedBorrowing: boolean
  /** v3.0: the reserve's eMode category (0 = none). v3.3: null (bitmaps in the categories). */
  eModeCategoryId: number | null
}

/** An eMode category. */
export interface AaveEModeCategory {
  id: number
  label: string
  /** Basis points. */
  ltvBps: bigint
  /** Basis points. */
  liquidationThresholdBps: bigint
  /** Basis points, 10_000 + bonus. */
  liquidationBonusBps: bigint
  /** v3.0: an optional oracle price source for every asset of the category; null when unset. */
  priceSource: Address | null
  /** v3.3: reserve-id bitmap of collateral assets that get the eMode LTV/LT. null in v3.0. */
  collateralBitmap: bigint | null
  /** v3.3: reserve-id bitmap of assets borrowable in the category. null in v3.0. */
  borrowableBitmap: bigint | null
  /** v3.6+: reserve-id bitmap of assets whose LTV is zero in the category. null before. */
  ltvZeroBitmap: bigint | null
  /**
   * v3.7: true for an isolated category (only bitmap assets carry LTV; other collateral keeps its
   * LT with LTV 0; HEAD `ValidationLogic.sol:524-549`). Set only when true.
   */
  isolated?: true
}

/** The market's base currency, as UiPoolDataProviderV3 reports it. */
export interface AaveBaseCurrency {
  /** Base-currency units per whole unit (1e8 for USD markets). */
  unit: bigint
  /** Price of one whole base-currency unit in USD, 8 decimals. */
  priceInUsd: bigint
  /** Price of the chain's native token in USD, `networkBaseTokenPriceDecimals` decimals. */
  networkBaseTokenPriceInUsd: bigint
  networkBaseTokenPriceDecimals: number
}

/** A market at one block: reserves, eModes, base currency and the block timestamp. */
export interface AaveMarketState {
  layout: AaveLayout
  /**
   * The version whose math applies. Absent: the legacy math of `layout` (v3.0-v3.2 rounding),
   * as for a market whose Pool does not answer `POOL_REVISION()`.
   */
  version?: AaveVersion
  reserves: AaveReserve[]
  eModes: Map<number, AaveEModeCategory>
  baseCurrency: AaveBaseCurrency
  /** Unix seconds of the pinned block: interest accrues to here. */
  timestamp: bigint
}

/** One reserve of a user, as UiPoolDataProviderV3 reports it (scaled balances). */
export interface AaveUserReserve {
  underlyingAsset: Address
  /** aToken scaled balance (divide-by-index units). */
  scaledATokenBalance: bigint
  usageAsCollateralEnabledOnUser: boolean
  scaledVariableDebt: bigint
  /** v3.0 stable debt principal; 0 from v3.3. */
  principalStableDebt: bigint
  /** RAY; 0 from v3.3. */
  stableBorrowRate: bigint
  /** Unix seconds; 0 from v3.3. */
  stableBorrowLastUpdateTimestamp: bigint
}

/** A user in a market at one block. */
export interface AaveUserState {
  eModeCategoryId: number
  reserves: AaveUserReserve[]
}

/** What `Pool.getUserAccountData` returns, all in the market's base currency / bps / WAD. */
export interface AaveAccountData {
  totalCollateralBase: bigint
  totalDebtBase: bigint
  availableBorrowsBase: bigint
  /** Weighted average liquidation threshold, bps. */
  currentLiquidationThreshold: bigint
  /** Weighted average LTV, bps. */
  ltv: bigint
  /** WAD; 2^256-1 when there is no debt. */
  healthFactor: bigint
}
