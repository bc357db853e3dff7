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
   * (Compound's absorb: see the position's {@link CometAbsorbRule}).
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

/**
 * Which kind of address holds a position: the queried address itself (`eoa`, whatever its code)
 * or a smart account found from it (src/accounts/).
 */
export type AccountKind = 'eoa' | 'ds-proxy' | 'instadapp-dsa' | 'summer-dpm' | 'safe'

/**
 * Who holds a position, set by the wallet report (adapters read one address and leave it unset):
 * the address holding it, its kind, and the address the report was asked for.
 */
export interface PositionHolder {
  /** The address holding the position: the owner itself or one of its smart accounts. */
  account?: Address
  accountKind?: AccountKind
  /** The queried address (the smart account's owner). */
  owner?: Address
}

/** A position that could be read and computed. */
export interface Position extends PositionHolder {
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
  /**
   * How the protocol liquidates this position, built by its adapter: the stress, cascade and
   * Monte Carlo engines dispatch on `liquidationRule.kind` and never on `protocol` or `details`.
   * Holds bigints: not JSON-safe as is (the API does not serialize it yet).
   */
  liquidationRule: LiquidationRule
  /**
   * A name of the market for people when its id is opaque (Morpho's hashed market ids), e.g.
   * "wstETH/USDC 86.0%". Absent: `market` is the name.
   */
  marketLabel?: string
  /** Protocol-specific facts (eMode, isolation, layout version, ...). JSON-safe. */
  details: Record<string, unknown>
}

/**
 * How a position is liquidated, as its protocol's contracts do it: a discriminated union on
 * `kind`, one member per rule family (forks that share the rule share the kind: Spark uses
 * Aave v3's). Leg-level parameters (liquidation thresholds, bonuses) stay on the {@link Leg}s;
 * the rule holds what is per position, per market or per protocol version.
 */
export type LiquidationRule =
  | AaveV3CloseFactorRule
  | MorphoBlueLiquidationRule
  | CometAbsorbRule
  | GmxMinCollateralRule
  | HyperliquidMaintenanceRule
  | IsolatedMaintenanceRule
  | AaveV4LiquidationRule

/** The kinds of {@link LiquidationRule}. */
export type LiquidationRuleKind = LiquidationRule['kind']

/** What Aave v3's close-factor rule shares across its versions. */
interface AaveV3CloseFactorBase {
  kind: 'aave-v3-close-factor'
  /**
   * Health factor at or below which the whole debt may be repaid in one liquidation, WAD
   * (LiquidationLogic.CLOSE_FACTOR_HF_THRESHOLD = 0.95e18). Compared strictly: HF > threshold
   * keeps the default close factor.
   */
  closeFactorHfThresholdWad: bigint
  /**
   * Share of the debt repayable in one liquidation above the threshold, basis points
   * (DEFAULT_LIQUIDATION_CLOSE_FACTOR = 5_000 = 50%).
   */
  defaultCloseFactorBps: number
  /** Share of the debt repayable at or below the threshold, basis points (10_000 = 100%). */
  maxCloseFactorBps: number
  /**
   * Base-currency units per whole base-currency unit (the market's `baseCurrency.unit`, 1e8 for
   * USD-based markets): the scale of every `...Base` amount of this rule.
   */
  baseCurrencyUnit: bigint
  /** USD per whole base-currency unit, float (1 for USD-based markets). */
  baseCurrencyPriceUsd: number
  /**
   * Whether the health factor takes the average liquidation threshold in whole basis points
   * (v3.0-v3.4 GenericLogic: sum(collateral x LT) / collateral, floored, then percentMul) or
   * divides the raw weighted sum (v3.5+: sum(collateral x LT) wadDiv debt / 1e4). Absent: whole
   * bps (the v3.0-v3.4 rule).
   */
  averageThresholdInWholeBps?: boolean
}

/**
 * Aave v3.0-v3.2 (and forks on that logic): 50% of the debt when HF > 0.95, else 100%. A debt
 * the collateral cannot cover stays on the account.
 */
export interface AaveV30CloseFactorRule extends AaveV3CloseFactorBase {
  /** The Pool's liquidation logic: v3.0 up to v3.2. */
  version: 'v3.0'
  /** Uncovered debt is left on the account as debt. */
  deficit: 'kept-on-account'
}

/**
 * Aave v3.3+ (LiquidationLogic with MIN_BASE_MAX_CLOSE_FACTOR_THRESHOLD): 50% only when
 * HF > 0.95 AND the collateral reserve AND the debt reserve being liquidated are each worth at
 * least `minBaseMaxCloseFactorThreshold`, else 100%; a liquidation may not leave less than
 * `minLeftoverBase` of either reserve behind (it then takes all of it); once the collateral is
 * gone the remaining debt is burned as a reserve deficit.
 */
export interface AaveV33CloseFactorRule extends AaveV3CloseFactorBase {
  /** The Pool's liquidation logic: v3.3 and later. */
  version: 'v3.3'
  /**
   * Per-reserve size under which a liquidation closes 100%, base-currency units (2_000e8 =
   * 2,000 USD on USD-based markets).
   */
  minBaseMaxCloseFactorThreshold: bigint
  /**
   * Smallest collateral or debt a partial liquidation may leave in a reserve, base-currency
   * units (MIN_LEFTOVER_BASE = 1_000e8 = 1,000 USD).
   */
  minLeftoverBase: bigint
  /** Debt left when the last collateral is seized is burned as a deficit (off the account). */
  deficit: 'burned-when-collateral-exhausted'
}

/** Aave v3's close-factor rule, by the version of the Pool's liquidation logic. */
export type AaveV3CloseFactorRule = AaveV30CloseFactorRule | AaveV33CloseFactorRule

/**
 * Morpho Blue: no close factor (a liquidator may repay the whole debt), seized collateral =
 * repaid x LIF (on each collateral leg's `liquidationBonusBps`); debt the collateral cannot
 * cover is socialised to the market's lenders as bad debt.
 */
export interface MorphoBlueLiquidationRule {
  kind: 'morpho-blue'
  /** The market's liquidation LTV, WAD. */
  lltvWad: bigint
  /** The market's liquidation incentive factor, WAD: min(1.15, 1 / (1 - 0.3 x (1 - LLTV))). */
  liquidationIncentiveFactorWad: bigint
  /** Uncovered debt is written off against the lenders. */
  badDebt: 'socialized'
}

/** One collateral asset of a Comet with its absorb parameters. */
export interface CometAbsorbCollateral {
  /** The collateral token (as the Comet reports it). */
  asset: Address
  /** Its symbol, as on the position's legs. */
  symbol: string
  /**
   * The share of the collateral's value credited to the account when absorbed, basis points
   * (`liquidationFactor`, 1e18-scaled on chain; 9_500 = 95%).
   */
  liquidationFactorBps: number
}

/**
 * Compound v3 (Comet) absorb: the protocol takes every collateral at once, credits each at its
 * liquidation factor, wipes the debt; a positive remainder is the account's (as base supplied),
 * a shortfall is the protocol's.
 */
export interface CometAbsorbRule {
  kind: 'comet-absorb'
  /** The collaterals the account holds, with their liquidation factors. */
  collaterals: CometAbsorbCollateral[]
}

/**
 * GMX v2: liquidatable when the remaining collateral (collateral + pnl + capped price impact -
 * fees) falls below max(MIN_COLLATERAL_USD, sizeInUsd x minCollateralFactor). The size in USD is
 * fixed at entry, so the threshold does not move with the price.
 */
export interface GmxMinCollateralRule {
  kind: 'gmx-min-collateral'
  /** The market's MIN_COLLATERAL_USD as the Reader answered it, USD float. */
  minCollateralUsd: number
  /** sizeInUsd x minCollateralFactor as the Reader answered it, USD float. */
  minCollateralUsdForLeverage: number
  /** minCollateralUsdForLeverage / sizeInUsd (derived, float); null when the size is 0. */
  minCollateralFactor: number | null
  /** The threshold: max of the two minimums, USD float. */
  maintenanceMarginUsd: number
  /** A negative remaining collateral is the pool's loss, not the trader's: equity floors at 0. */
  negativeEquityFloored: boolean
}

/** One perp of a Hyperliquid account with its maintenance rate. */
export interface HyperliquidMaintenanceLeg {
  coin: string
  /** The asset's max leverage (integer). */
  maxLeverage: number
  /** 1 / (2 x maxLeverage), fraction of the position value. */
  maintenanceMarginRate: number
}

/**
 * Hyperliquid: liquidated when the account value (cross) or the isolated margin falls below the
 * maintenance margin, sum(position value x maintenance rate): it scales with the notional.
 */
export interface HyperliquidMaintenanceRule {
  kind: 'hyperliquid-maintenance'
  marginMode: 'cross' | 'isolated'
  /** The maintenance margin at the read prices, USD float (the venue's own figure for cross). */
  maintenanceMarginUsd: number
  /** The perps of the position with their rates. */
  legs: HyperliquidMaintenanceLeg[]
  /** The liquidation vault absorbs what the margin cannot cover: equity floors at 0. */
  negativeEquityFloored: boolean
}

/**
 * A manual (off-chain, e.g. CEX isolated) perp: liquidated when margin + pnl falls below
 * maintenanceMarginRate x notional; scales with the notional.
 */
export interface IsolatedMaintenanceRule {
  kind: 'isolated-maintenance'
  /** Fraction of the notional (0.005 = 0.5%). */
  maintenanceMarginRate: number
  /** maintenanceMarginRate x notional at the mark price, USD float. */
  maintenanceMarginUsd: number
  /** The venue's insurance fund absorbs a shortfall: equity floors at 0. */
  negativeEquityFloored: boolean
}

/**
 * A position the adapter knows exists (or may exist) but could not read or compute. Never
 * reported as a zero balance.
 */
export interface UnavailablePosition extends PositionHolder {
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

/** The bonus terms of one collateral reserve under the user's key. */
export interface AaveV4CollateralBonus {
  asset: Address
  symbol: string
  reserveId: number
  /** User's collateral factor on the reserve, BPS. */
  collateralFactorBps: number
  /** Bonus at HF <= healthFactorForMaxBonus, BPS (10_500 = +5 %). */
  maxBonusBps: number
  /** Bonus just below HF 1: percentMulDown(max - 1e4, factor) + 1e4, BPS. */
  minBonusBps: number
  /** Protocol's share of the bonus, BPS. */
  liquidationFeeBps: number
  /** Bonus at the position's current HF (only when it is liquidatable), BPS. */
  currentBonusBps: number | null
}

/**
 * Aave V4's liquidation rule, as a risk engine needs it without naming the protocol: a
 * liquidation is allowed below HF 1 and repays just enough debt to bring the position back to
 * `targetHealthFactor`, paying a bonus that rises linearly from `minBonusBps` (HF just below 1) to
 * `maxBonusBps` (HF at or below `healthFactorForMaxBonus`); there is no close factor. The dust rule
 * takes a whole reserve when less than `dustThresholdUsd` would remain; a liquidation that empties
 * the last collateral while debt remains writes the rest off as a Hub deficit.
 * JSON-safe (numbers are floats unless named Wad/Bps; exact WAD values are decimal strings).
 */
export interface AaveV4LiquidationRule {
  kind: 'target-health-factor'
  /** Liquidatable when HF < this (1.0). */
  liquidationHealthFactor: number
  /** HF a liquidation restores, float. */
  targetHealthFactor: number
  /** The same, WAD as a decimal string. */
  targetHealthFactorWad: string
  /** HF at or below which the bonus is maximal, float. */
  healthFactorForMaxBonus: number
  healthFactorForMaxBonusWad: string
  /** BPS of (maxBonus - 100 %) paid just below HF 1. */
  liquidationBonusFactorBps: number
  /** Per collateral reserve: CF, bonus curve ends and fee under the user's key. */
  collaterals: AaveV4CollateralBonus[]
  /** No close factor: the amount is sized by the target HF (and the dust rule). */
  closeFactor: null
  dust: {
    /** A reserve keeping less than this value after a liquidation is taken whole, USD. */
    thresholdUsd: number
    /** The same in Value units (1e26 = 1 USD), decimal string. */
    thresholdValue: string
  }
  deficit: {
    /** Remaining debt is reported to the Hub as a deficit when the last active collateral is emptied. */
    whenLastCollateralEmptied: true
  }
}
