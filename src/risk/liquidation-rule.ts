/**
 * What the risk engines read from a position's {@link LiquidationRule}: every question is an
 * exhaustive switch on `rule.kind`, so a new rule kind fails to compile until each is answered.
 * Pure, float64 (USD floats, fractions).
 */
import { BaseError } from '../core/errors.js'
import { toFloat } from '../core/math.js'
import type {
  AaveV3CloseFactorRule,
  AaveV4CollateralBonus,
  AaveV4LiquidationRule,
  AaveV33CloseFactorRule,
  CometAbsorbRule,
  GmxMinCollateralRule,
  HyperliquidMaintenanceRule,
  IsolatedMaintenanceRule,
  Leg,
  LiquidationRule,
  MorphoBlueLiquidationRule,
} from '../core/types.js'

/** The rules of perpetual positions: a maintenance requirement against margin equity. */
export type PerpLiquidationRule = GmxMinCollateralRule | HyperliquidMaintenanceRule | IsolatedMaintenanceRule
/** The rules of lending positions: collateral seized against debt repaid. */
export type LendingLiquidationRule =
  | AaveV3CloseFactorRule
  | MorphoBlueLiquidationRule
  | CometAbsorbRule
  | AaveV4LiquidationRule

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
    case 'target-health-factor':
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
      return rule.averageThresholdInWholeBps ?? true
    case 'morpho-blue':
    case 'comet-absorb':
    case 'target-health-factor':
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
 * MIN_BASE_MAX_CLOSE_FACTOR_THRESHOLD (2,000 USD on USD-based markets). On v3.3+ pass the values
 * of the collateral reserve and the debt reserve being liquidated (LiquidationLogic compares each
 * reserve, not the account totals): {@link aaveV33ReserveLiquidation} does.
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

/** A collateral reserve as a per-reserve liquidation sees it: USD floats at the (stressed) prices. */
export interface ReserveCollateral {
  /** Index of the leg in `Position.legs`. */
  legIndex: number
  symbol: string
  /** The token; null for an off-chain asset. */
  address: string | null
  /** Value of the reserve, USD float. */
  usd: number
  /** The leg's liquidation threshold (Aave v3 LT, Aave V4 collateral factor), fraction. */
  threshold: number
  /** The leg's liquidation bonus, factor (1.05 = +5%). */
  bonus: number
}

/** A debt reserve as a per-reserve liquidation sees it. */
export interface ReserveDebt {
  /** Index of the leg in `Position.legs`. */
  legIndex: number
  symbol: string
  /** Debt of the reserve, USD float. */
  usd: number
}

/**
 * An account as a per-reserve liquidation sees it (USD floats at the stressed prices), with the
 * reserves a profit-seeking liquidator picks: the largest counted collateral and the largest
 * debt by value (the most it can repay and seize in one call; ties: the first leg).
 */
export interface ReserveLiquidationAccount {
  /** Health factor at these prices, float. */
  healthFactor: number
  /** Sum of counted collateral x threshold, USD float. */
  weightedCollateralUsd: number
  /** Sum of counted collateral, USD float. */
  countedCollateralUsd: number
  /** Counted collateral reserves with a positive value. */
  activeCollateralCount: number
  /** Sum of the debt legs, USD float. */
  totalDebtUsd: number
  /** Debt legs with a positive value. */
  borrowCount: number
  collateral: ReserveCollateral
  debt: ReserveDebt
}

/** What one per-reserve liquidation does (USD floats). */
export interface ReserveLiquidationOutcome {
  /**
   * Aave v3.3+: the close factor applied (0.5, or 1 = the whole debt of the chosen reserve).
   * Aave V4 (no close factor): the share of the total debt repaid.
   */
  closeFactor: number
  /** Debt repaid on the chosen debt reserve, USD. */
  debtRepaidUsd: number
  /** Collateral taken from the chosen reserve (liquidator's part and protocol fee), USD. */
  collateralSeizedUsd: number
  /** The protocol's part of the seized collateral, USD; null when the rule does not carry it. */
  protocolFeeUsd: number | null
  /** Bonus applied, factor (1.0148). */
  bonus: number
  /** Remaining debt written off because the last collateral was emptied, USD. */
  deficitUsd: number
  /** Health factor after, float; null when no debt is left. */
  healthFactorAfter: number | null
  /** The dust rule changed the size (took a reserve whole, or shrank a liquidation to leave enough). */
  dustRule: boolean
  /** The chosen collateral reserve was emptied. */
  collateralTakenWhole: boolean
}

/**
 * The account of `legs` at prices moved by `multipliers` (one per leg; 1 = unchanged) with the
 * liquidator's choice of reserves (largest counted collateral, largest debt, by USD), or null
 * without counted collateral or debt. Counted: a collateral leg with `countsAsCollateral` not
 * false and a threshold > 0. `healthFactor` is the caller's (it may truncate Aave's average LT).
 */
export function reserveLiquidationAccount(
  legs: readonly Leg[],
  multipliers: readonly number[],
  healthFactor: number,
): ReserveLiquidationAccount | null {
  let collateral: ReserveCollateral | null = null
  let debt: ReserveDebt | null = null
  let weighted = 0
  let counted = 0
  let active = 0
  let totalDebt = 0
  let borrows = 0
  for (const [i, leg] of legs.entries()) {
    const usd = leg.usd * (multipliers[i] ?? 1)
    if (leg.side === 'collateral') {
      if (leg.countsAsCollateral === false || !((leg.liquidationThresholdBps ?? 0) > 0)) continue
      const threshold = (leg.liquidationThresholdBps as number) / 10_000
      weighted += usd * threshold
      counted += usd
      if (usd > 0) active += 1
      if (collateral === null || usd > collateral.usd)
        collateral = {
          legIndex: i,
          symbol: leg.asset.symbol,
          address: leg.asset.address,
          usd,
          threshold,
          bonus: (leg.liquidationBonusBps ?? 10_000) / 10_000,
        }
    } else if (leg.side === 'debt') {
      totalDebt += usd
      if (usd > 0) borrows += 1
      if (debt === null || usd > debt.usd) debt = { legIndex: i, symbol: leg.asset.symbol, usd }
    }
  }
  if (collateral === null || debt === null || !(collateral.usd > 0) || !(debt.usd > 0)) return null
  return {
    healthFactor,
    weightedCollateralUsd: weighted,
    countedCollateralUsd: counted,
    activeCollateralCount: active,
    totalDebtUsd: totalDebt,
    borrowCount: borrows,
    collateral,
    debt,
  }
}

function healthFactorAfter(
  a: ReserveLiquidationAccount,
  threshold: number,
  seized: number,
  repaid: number,
  deficit: number,
): number | null {
  const debtAfter = a.totalDebtUsd - repaid - deficit
  if (!(debtAfter > a.totalDebtUsd * 1e-12)) return null
  return Math.max(0, a.weightedCollateralUsd - seized * threshold) / debtAfter
}

/**
 * One Aave v3.3+ liquidation (LiquidationLogic since v3.3) of the account's chosen collateral
 * and debt reserves, with debtToCover = max, in USD floats:
 * - the close factor is 50% only when HF > 0.95 AND the collateral reserve AND the debt reserve
 *   are each worth >= `minBaseMaxCloseFactorThreshold` (2,000 USD); the 50% is of the account's
 *   TOTAL debt, capped by the debt reserve's debt; otherwise the whole debt of the reserve;
 * - seized = repaid x bonus, capped by the reserve (then repaid = collateral / bonus);
 * - MIN_LEFTOVER_BASE: a liquidation that neither repays the whole reserve debt nor takes the
 *   whole collateral reserve must leave >= `minLeftoverBase` (1,000 USD) of each, else the Pool
 *   reverts (MustNotLeaveDust). At the maximum size only the 50% case can leave dust, and there
 *   the cap forbids taking it whole: the liquidator's largest valid call leaves exactly the
 *   minimum (repaid = min(debt - L, (collateral - L) / bonus));
 * - deficit: when the seized reserve was all the counted collateral, the rest of every debt is
 *   burned (off the account).
 * The average LT is not truncated to whole bps in `healthFactorAfter`; amounts are not rounded
 * to token units (float64, ~1e-15 relative). The protocol fee is not on the legs (null).
 */
export function aaveV33ReserveLiquidation(
  rule: AaveV33CloseFactorRule,
  a: ReserveLiquidationAccount,
): ReserveLiquidationOutcome {
  const minSize = aaveBaseToUsd(rule, rule.minBaseMaxCloseFactorThreshold)
  const leftover = aaveBaseToUsd(rule, rule.minLeftoverBase)
  const c = a.collateral
  const d = a.debt
  const bonus = c.bonus
  const partial = a.healthFactor > aaveCloseFactorHfThreshold(rule) && c.usd >= minSize && d.usd >= minSize
  const closeFactor = (partial ? rule.defaultCloseFactorBps : rule.maxCloseFactorBps) / 10_000
  const maxDebt = Math.min(d.usd, a.totalDebtUsd * closeFactor)
  let whole = c.usd / bonus <= maxDebt
  let repaid = whole ? c.usd / bonus : maxDebt
  let seized = whole ? c.usd : repaid * bonus
  let dustRule = false
  if (!whole && repaid < d.usd && (d.usd - repaid < leftover || c.usd - seized < leftover)) {
    dustRule = true
    repaid = Math.max(0, Math.min(repaid, d.usd - leftover, (c.usd - leftover) / bonus))
    seized = repaid * bonus
    whole = false
  }
  const onlyCollateral = a.activeCollateralCount <= 1
  const deficit = whole && onlyCollateral ? Math.max(0, a.totalDebtUsd - repaid) : 0
  return {
    closeFactor,
    debtRepaidUsd: repaid,
    collateralSeizedUsd: seized,
    protocolFeeUsd: null,
    bonus,
    deficitUsd: deficit,
    healthFactorAfter: healthFactorAfter(a, c.threshold, seized, repaid, deficit),
    dustRule,
    collateralTakenWhole: whole,
  }
}

/** The bonus terms of `collateral` in a target-health-factor rule (by address, else symbol). */
export function targetHealthFactorTerms(
  rule: AaveV4LiquidationRule,
  collateral: Pick<ReserveCollateral, 'address' | 'symbol'>,
): AaveV4CollateralBonus | undefined {
  const address = collateral.address?.toLowerCase()
  return (
    rule.collaterals.find((x) => address !== undefined && x.asset.toLowerCase() === address) ??
    rule.collaterals.find((x) => x.symbol === collateral.symbol)
  )
}

/**
 * The bonus at health factor `hf` (float, <= 1), BPS: the maximum at or below
 * `healthFactorForMaxBonus`, else min + (max - min) x (1 - HF) / (1 - hfForMaxBonus) floored to
 * a whole bps as the Spoke does (a 1e-9 bps guard absorbs float64 error on exact integers).
 */
export function targetHealthFactorBonusBps(
  rule: AaveV4LiquidationRule,
  terms: Pick<AaveV4CollateralBonus, 'minBonusBps' | 'maxBonusBps'>,
  hf: number,
): number {
  if (hf <= rule.healthFactorForMaxBonus) return terms.maxBonusBps
  const span = 1 - rule.healthFactorForMaxBonus
  const v = terms.minBonusBps + ((terms.maxBonusBps - terms.minBonusBps) * (1 - Math.min(hf, 1))) / span
  return Math.floor(v + 1e-9)
}

/**
 * One liquidation under a target-health-factor rule (Aave V4 LiquidationLogic) of the account's
 * chosen reserves, with debtToCover = max, in USD floats (no close factor):
 * - bonus LB from the collateral's curve at the account's HF (whole bps); its collateral factor
 *   CF and protocol fee from the rule's terms of that collateral (else the leg's threshold and
 *   bonus, no fee);
 * - debt to the target: totalDebt x (THF - HF) / (THF - LB x CF), capped by the debt reserve
 *   (the Spoke's premium-then-drawn split is one debt here); the whole reserve when that would
 *   leave less than the dust threshold (1,000 USD);
 * - seized = repaid x LB; when that exceeds the reserve, or would leave less than the dust
 *   threshold of it while debt of the reserve remains, the whole reserve is seized and the debt
 *   recomputed from it (capped by the reserve's debt);
 * - protocol fee = seized x fee x (LB - 1) / LB (a share of the bonus, paid out of the seizure);
 * - deficit: the emptied reserve was the only active collateral and debt remains (on this or
 *   another reserve): every remaining debt is written off.
 * Amounts are not rounded to token units or shares (float64, ~1e-15 relative; the chain rounds
 * each amount to one base unit of its token).
 */
export function targetHealthFactorLiquidation(
  rule: AaveV4LiquidationRule,
  a: ReserveLiquidationAccount,
): ReserveLiquidationOutcome {
  const c = a.collateral
  const d = a.debt
  const terms = targetHealthFactorTerms(rule, c)
  const cf = terms ? terms.collateralFactorBps / 10_000 : c.threshold
  const bonus = (terms ? targetHealthFactorBonusBps(rule, terms, a.healthFactor) : c.bonus * 10_000) / 10_000
  const fee = terms ? terms.liquidationFeeBps / 10_000 : 0
  const dust = rule.dust.thresholdUsd
  const thf = rule.targetHealthFactor
  const denominator = thf - bonus * cf
  const toTarget =
    denominator > 0 ? (a.totalDebtUsd * Math.max(0, thf - a.healthFactor)) / denominator : Infinity
  let repaid = Math.min(toTarget, d.usd)
  let dustRule = false
  if (repaid < d.usd && d.usd - repaid < dust) {
    repaid = d.usd
    dustRule = true
  }
  let seized = repaid * bonus
  let whole = false
  if (seized > c.usd || (c.usd - seized < dust && repaid < d.usd)) {
    if (seized <= c.usd) dustRule = true
    if (c.usd / bonus < d.usd) {
      repaid = c.usd / bonus
      seized = c.usd
      whole = true
    } else {
      repaid = d.usd
      seized = Math.min(d.usd * bonus, c.usd)
      whole = seized >= c.usd
    }
  }
  const debtLeft = repaid < d.usd || a.borrowCount > 1
  const deficit = whole && a.activeCollateralCount <= 1 && debtLeft ? Math.max(0, a.totalDebtUsd - repaid) : 0
  return {
    closeFactor: a.totalDebtUsd > 0 ? repaid / a.totalDebtUsd : 0,
    debtRepaidUsd: repaid,
    collateralSeizedUsd: seized,
    protocolFeeUsd: bonus > 0 ? (seized * fee * (bonus - 1)) / bonus : 0,
    bonus,
    deficitUsd: deficit,
    healthFactorAfter: healthFactorAfter(a, cf, seized, repaid, deficit),
    dustRule,
    collateralTakenWhole: whole,
  }
}
