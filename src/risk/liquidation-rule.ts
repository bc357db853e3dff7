/**
 * What the risk engines read from a position's {@link LiquidationRule}: every question is an
 * exhaustive switch on `rule.kind`, so a new rule kind fails to compile until each is answered.
 * Pure, float64 (USD floats, fractions).
 */
import { BaseError } from '../core/errors.js'
import { toFloat } from '../core/math.js'
import type {
  AaveV3CloseFactorRule,
  CometAbsorbRule,
  GmxMinCollateralRule,
  HyperliquidMaintenanceRule,
  IsolatedMaintenanceRule,
  LiquidationRule,
  MorphoBlueLiquidationRule,
} from '../core/types.js'

/** The rules of perpetual positions: a maintenance requirement against margin equity. */
export type PerpLiquidationRule = GmxMinCollateralRule | HyperliquidMaintenanceRule | IsolatedMaintenanceRule
/** The rules of lending positions: collateral seized against debt repaid. */
export type LendingLiquidationRule = AaveV3CloseFactorRule | MorphoBlueLiquidationRule | CometAbsorbRule

/** A rule kind no engine knows: the type system rules it out; data from elsewhere may not. */
export function unknownLiquidationRule(rule: never): never {
  throw new BaseError(
    'INTERNAL',
    `unknown liquidation rule kind ${String((rule as { kind?: unknown } | null)?.kind)}`,
  )
}

/** True for the perp rules (maintenance margin), false for the lending rules. */
export function isPerpRule(rule: LiquidationRule): rule is PerpLiquidationRule {
  switch (rule.kind) {
    case 'gmx-min-collateral':
    case 'hyperliquid-maintenance':
    case 'isolated-maintenance':
      return true
    case 'aave-v3-close-factor':
    case 'morpho-blue':
    case 'comet-absorb':
      return false
    default:
      return unknownLiquidationRule(rule)
  }
}

/**
 * Whether a perp's maintenance requirement scales with its notional at moved prices (Hyperliquid,
 * manual isolated perps: rate x position value) or stays fixed in USD (GMX: the size in USD is
 * fixed at entry).
 */
export function maintenanceScalesWithNotional(rule: PerpLiquidationRule): boolean {
  switch (rule.kind) {
    case 'gmx-min-collateral':
      return false
    case 'hyperliquid-maintenance':
    case 'isolated-maintenance':
      return true
    default:
      return unknownLiquidationRule(rule)
  }
}

/**
 * Whether the protocol's health factor averages the liquidation thresholds in integer basis
 * points (Aave's GenericLogic: sum(collateral_i x LT_i) / total collateral, truncated) before
 * dividing by the debt.
 */
export function averagesThresholdInWholeBps(rule: LendingLiquidationRule): boolean {
  switch (rule.kind) {
    case 'aave-v3-close-factor':
      return true
    case 'morpho-blue':
    case 'comet-absorb':
      return false
    default:
      return unknownLiquidationRule(rule)
  }
}

/** USD (float) of `amount` base-currency units of an Aave rule's market. */
export function aaveBaseToUsd(rule: AaveV3CloseFactorRule, amount: bigint): number {
  return (toFloat(amount, 0) / toFloat(rule.baseCurrencyUnit, 0)) * rule.baseCurrencyPriceUsd
}

/** The health factor at or below which Aave closes the maximum share, float (0.95). */
export function aaveCloseFactorHfThreshold(rule: AaveV3CloseFactorRule): number {
  return toFloat(rule.closeFactorHfThresholdWad, 18)
}

/**
 * Whether Aave's size condition for the default (50%) close factor holds, with collateral and
 * debt in USD (float): always on v3.0-v3.2; on v3.3+ both must be at least
 * MIN_BASE_MAX_CLOSE_FACTOR_THRESHOLD (2,000 USD on USD-based markets). The engines apply it to
 * the position's totals, not per reserve as LiquidationLogic does (exact for one collateral and
 * one debt reserve).
 */
export function aaveSizeAllowsDefaultCloseFactor(
  rule: AaveV3CloseFactorRule,
  collateralUsd: number,
  debtUsd: number,
): boolean {
  switch (rule.version) {
    case 'v3.0':
      return true
    case 'v3.3': {
      const threshold = aaveBaseToUsd(rule, rule.minBaseMaxCloseFactorThreshold)
      return collateralUsd >= threshold && debtUsd >= threshold
    }
    default:
      return unknownLiquidationRule(rule)
  }
}

/**
 * Aave's close factor (fraction of the debt one liquidation may repay) at health factor `hf`
 * with collateral and debt in USD (float): the default (0.5) when HF > 0.95 and the size
 * condition holds ({@link aaveSizeAllowsDefaultCloseFactor}), else the maximum (1).
 */
export function aaveCloseFactor(
  rule: AaveV3CloseFactorRule,
  hf: number,
  collateralUsd: number,
  debtUsd: number,
): number {
  const partial =
    hf > aaveCloseFactorHfThreshold(rule) && aaveSizeAllowsDefaultCloseFactor(rule, collateralUsd, debtUsd)
  return (partial ? rule.defaultCloseFactorBps : rule.maxCloseFactorBps) / 10_000
}

/**
 * Whether debt left uncovered once the collateral is gone leaves the account: Morpho socialises
 * it to lenders at once; Aave v3.3+ burns it as a deficit when the counted collateral is
 * exhausted (`collateralExhausted`); Aave v3.0-v3.2 keeps it on the account.
 */
export function writesOffBadDebt(
  rule: AaveV3CloseFactorRule | MorphoBlueLiquidationRule,
  collateralExhausted: boolean,
): boolean {
  switch (rule.kind) {
    case 'morpho-blue':
      return rule.badDebt === 'socialized'
    case 'aave-v3-close-factor':
      return rule.deficit === 'burned-when-collateral-exhausted' && collateralExhausted
    default:
      return unknownLiquidationRule(rule)
  }
}

/** Comet's liquidation factor of each collateral by symbol, as a fraction (0.95). */
export function cometLiquidationFactors(rule: CometAbsorbRule): Map<string, number> {
  return new Map(rule.collaterals.map((c) => [c.symbol, c.liquidationFactorBps / 10_000]))
}
