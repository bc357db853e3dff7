/**
 * Aave V4 (Hub & Spoke) state as the adapter reads it, and the typed liquidation rule its
 * positions carry. Units follow the protocol (FACTS.md section 2): prices 8 decimals (1e-8 USD per
 * whole token), Value = amount * price * 10^(18 - decimals) (1e26 = 1 USD), health factor WAD,
 * collateral factor / bonus / fee / risk in BPS, indexes RAY.
 */
import type { Address } from '../../core/address.js'

/** A Spoke's liquidation configuration (ISpoke.LiquidationConfig, Spoke-wide). */
export interface AaveV4LiquidationConfig {
  /** Health factor a liquidation restores, WAD (>= 1e18). */
  targetHealthFactor: bigint
  /** At or below this health factor the bonus is the maximum, WAD. */
  healthFactorForMaxBonus: bigint
  /** Share of (maxBonus - 100%) paid at HF just below 1, BPS. */
  liquidationBonusFactor: bigint
}

/** One dynamic config snapshot of a reserve (ISpoke.DynamicReserveConfig). All BPS. */
export interface AaveV4DynamicConfig {
  /** Collateral factor, BPS (used for both borrowing and liquidation). */
  collateralFactor: bigint
  /** Maximum liquidation bonus, BPS above 1e4 (10_500 = +5 %). */
  maxLiquidationBonus: bigint
  /** Protocol's share of the bonus, BPS. */
  liquidationFee: bigint
}

/** A Spoke reserve (ISpoke.Reserve) plus the token symbol. */
export interface AaveV4Reserve {
  reserveId: number
  underlying: Address
  hub: Address
  assetId: number
  decimals: number
  /** Read live by the risk premium, BPS. */
  collateralRisk: bigint
  /** Bit flags: 0x01 paused, 0x02 frozen, 0x04 borrowable, 0x08 receiveSharesEnabled. */
  flags: number
  /** The reserve's LATEST dynamic config key (a user may be bound to an older one). */
  latestDynamicConfigKey: number
  symbol: string
}

/** ISpoke.UserPosition. */
export interface AaveV4UserPosition {
  drawnShares: bigint
  premiumShares: bigint
  /** Signed, asset units x RAY. */
  premiumOffsetRay: bigint
  suppliedShares: bigint
  /** The config snapshot this user's reserve is bound to. */
  dynamicConfigKey: number
}

/**
 * One reserve of one user on one Spoke at one block: everything the health factor, the risk
 * premium, the liquidation price and a liquidation need.
 */
export interface AaveV4UserReserve {
  reserve: AaveV4Reserve
  position: AaveV4UserPosition
  isCollateral: boolean
  isBorrowing: boolean
  /** getUserSuppliedAssets: previewRemoveByShares(suppliedShares), floor, asset units. */
  suppliedAssets: bigint
  /** getUserDebt drawn part: drawnShares.rayMulUp(index), asset units. */
  drawn: bigint
  /** getUserDebt premium part: ceil(premiumDebtRay / RAY), asset units. */
  premium: bigint
  /** Premium debt unrounded, asset units x RAY. */
  premiumDebtRay: bigint
  /** Hub drawn index of the asset, view-accrued to the block, RAY. */
  drawnIndex: bigint
  /** Oracle price, 8 decimals. */
  price: bigint
  /** The config under the USER's key (not the reserve's latest). */
  config: AaveV4DynamicConfig
  /** The config under the reserve's latest key, when read (what a new borrow would use). */
  latestConfig: AaveV4DynamicConfig | null
  /** Hub totals of the asset, view-accrued (share conversions of a liquidation): asset units / shares. */
  hubAddedAssets: bigint | null
  hubAddedShares: bigint | null
}

/** ISpoke.UserAccountData, as the Spoke returns it. */
export interface AaveV4AccountData {
  /** CURRENT computed risk premium, BPS. */
  riskPremium: bigint
  /** WAD. */
  avgCollateralFactor: bigint
  /** WAD; 2^256-1 without debt. */
  healthFactor: bigint
  /** Value (1e26 = 1 USD). */
  totalCollateralValue: bigint
  /** Value x RAY (1e53 = 1 USD). */
  totalDebtValueRay: bigint
  activeCollateralCount: bigint
  borrowCount: bigint
}

/** One user on one Spoke at one block. */
export interface AaveV4SpokeUserState {
  reserves: AaveV4UserReserve[]
  liquidationConfig: AaveV4LiquidationConfig
  /** getUserLastRiskPremium: the STORED risk premium premium debt accrues with, BPS. */
  storedRiskPremium: bigint
}

export type { AaveV4CollateralBonus, AaveV4LiquidationRule } from '../../core/types.js'
