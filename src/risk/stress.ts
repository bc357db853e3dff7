/**
 * Stress tests of a wallet: move risk-asset prices (and wrappers against what they wrap), then
 * recompute every position's health factor and liquidate it under its own protocol's rules.
 * Pure, float64 (simulation numbers, from the resolver's contributions and the positions' legs).
 *
 * Rules applied when a position's stressed health factor is below 1 (one liquidation per
 * position; a position still below 1 after it is flagged `stillLiquidatable`), chosen by the
 * position's `liquidationRule` (its parameters from the rule, never from the protocol name):
 * - Aave v3 / Spark, v3.0-v3.2 logic: close factor 50% when HF > 0.95, 100% at or below, on the
 *   position's totals; seized collateral = repaid x liquidation bonus (the legs', USD-weighted),
 *   capped by the collateral.
 * - Aave v3.3+ logic, per reserve (the liquidator's largest counted collateral and largest debt
 *   by value, what a profit-seeking liquidator picks): 50% of the TOTAL debt (capped by the
 *   reserve's debt) only when HF > 0.95 and both chosen reserves are >= 2,000 USD, else the
 *   reserve's whole debt; seized = repaid x that collateral's bonus, capped by it; the
 *   MIN_LEFTOVER_BASE rule and the deficit burned once the counted collateral is gone
 *   ({@link aaveV33ReserveLiquidation}).
 * - Target health factor (Aave V4), per reserve as above: repays just enough debt to restore the
 *   target HF at the bonus of the HF (linear from min to max), protocol fee on the bonus, dust
 *   rule, deficit when the last collateral is emptied ({@link targetHealthFactorLiquidation}).
 * - Morpho Blue: the whole debt, seized = repaid x LIF, capped by the collateral; a shortfall is
 *   bad debt socialised to lenders (the borrower's equity floors at 0).
 * - Compound v3: absorb: every collateral is taken and credited at its liquidation factor; the
 *   debt is wiped; a positive remainder is the borrower's, a negative one the protocol's.
 * - Perps (GMX v2, Hyperliquid, manual): liquidated when equity < maintenance (GMX's threshold is
 *   fixed by the position's size in USD; elsewhere it scales with the notional); the remaining
 *   equity is counted as lost (venues differ; conservative); a negative equity floors at 0 where
 *   the rule says the venue absorbs it.
 *
 * Depegs move the protocol's valuation too: the oracle is taken to follow the market. Aave prices
 * LSTs through capped exchange-rate adapters (CAPO) and many Morpho oracles do the same, so there
 * an LST depeg is a market loss WITHOUT the liquidation this engine reports: read a depeg scenario
 * as the market-price view.
 */
import type { Position, PositionHolder } from '../core/types.js'
import type { Contribution } from '../resolve/types.js'
import {
  aaveCloseFactor,
  aaveV33ReserveLiquidation,
  averagesThresholdInWholeBps,
  cometLiquidationFactors,
  type LendingLiquidationRule,
  maintenanceScalesWithNotional,
  type PerpLiquidationRule,
  reserveLiquidationAccount,
  targetHealthFactorLiquidation,
  unknownLiquidationRule,
  writesOffBadDebt,
} from './liquidation-rule.js'
import { type OptionStressInput, type StressedOption, stressOption } from './option-stress.js'
import type { SkewTable } from './vol-surface.js'

/** One stress scenario. */
export interface StressScenario {
  /** A name for people, e.g. "ETH -30%". */
  name: string
  /**
   * Relative move of each risk asset's USD price (ETH: -0.3 = -30%). The key "*" applies to every
   * non-USD risk asset not named. USD is the numeraire and never moves.
   */
  shocks: Readonly<Record<string, number>>
  /**
   * Relative move of a token against what it wraps or is pegged to, by token symbol on the graph
   * path (stETH: -0.05 prices stETH 5% under ETH; USDC: -0.02 prices USDC at 0.98 USD).
   */
  depegs?: Readonly<Record<string, number>>
  /**
   * Absolute shock of each risk asset's implied volatilities (ETH: 0.2 = +20 vol points), applied
   * to option legs (`./option-stress.ts`); "*" = every risk asset not named. Positions without
   * options do not feel it.
   */
  vols?: Readonly<Record<string, number>>
}

/** What a liquidation did to a position. */
export interface StressLiquidation {
  rule: 'aave-close-factor' | 'morpho-full' | 'compound-absorb' | 'perp' | 'target-health-factor'
  /**
   * Fraction of the debt repaid: Aave v3's close factor (0.5 or 1; on v3.3+ of the chosen debt
   * reserve, the 50% of the total debt); 1 for a full liquidation; under a target-health-factor
   * rule (no close factor) the share of the total debt the liquidation repays.
   */
  closeFactor: number
  /** USD of debt repaid (or wiped by an absorb). */
  debtRepaidUsd: number
  /** USD of collateral taken. */
  collateralSeizedUsd: number
  /** What the borrower lost beyond the debt repaid: bonus, absorb discount, or a perp's equity. */
  penaltyUsd: number
  /** Debt left uncovered by the collateral (socialised, absorbed, or written off as a deficit). */
  badDebtUsd: number
  /** Per-reserve rules (Aave v3.3+, target HF): the collateral reserve the liquidator seizes. */
  collateralSymbol?: string
  /** Per-reserve rules: the debt reserve the liquidator repays. */
  debtSymbol?: string
  /** Per-reserve rules: the bonus applied, factor (1.0148). */
  bonus?: number
  /** Target-HF rule: the protocol's part of the seized collateral, USD; null when unknown. */
  protocolFeeUsd?: number | null
  /** Per-reserve rules: health factor after the liquidation, float; null when no debt is left. */
  healthFactorAfter?: number | null
  /** Per-reserve rules: the dust rule changed the size of the liquidation. */
  dustRule?: boolean
}

/** One position under one scenario (with its holder, `account`/`accountKind`/`owner`, when the report set it). */
export interface StressedPosition extends PositionHolder {
  id: string
  protocol: string
  market: string
  chain: string
  kind: 'lending' | 'perp'
  healthFactorBefore: number | null
  /** Health factor at the shocked prices, before any liquidation; null without debt. */
  healthFactorShocked: number | null
  liquidated: boolean
  liquidation: StressLiquidation | null
  /** After a partial liquidation the position is still below 1 (more liquidations would follow). */
  stillLiquidatable: boolean
  equityBeforeUsd: number
  /** Equity at the shocked prices, before liquidation. */
  equityShockedUsd: number
  /** Equity after the liquidation (if any). */
  equityAfterUsd: number
}

/** A wallet under one scenario. */
export interface StressResult {
  scenario: StressScenario
  positions: StressedPosition[]
  equityBeforeUsd: number
  equityAfterUsd: number
  /** equityAfterUsd - equityBeforeUsd. */
  changeUsd: number
  /** changeUsd / equityBeforeUsd; null when equity before is <= 0. */
  changePct: number | null
  positionsLiquidated: number
  /** Sum of the liquidation penalties. */
  penaltyUsd: number
  /** The lowest stressed health factor (null when no position has debt). */
  minHealthFactor: number | null
  /** Option legs repriced under the scenario (present when option legs were given). */
  options?: StressedOption[]
  /** Sum of the option legs' value changes, USD (included in equityAfterUsd and changeUsd). */
  optionsChangeUsd?: number
}

/** A position with the id the resolver gave it and its contributions (legs first, in order). */
export interface StressInput {
  id: string
  position: Position
  contributions: readonly Contribution[]
}

/** The price multiplier of one contribution under a scenario. */
export function multiplierOf(c: Contribution, scenario: StressScenario): number {
  let m = 1
  if (c.riskAsset !== 'USD') {
    const shock = scenario.shocks[c.riskAsset] ?? scenario.shocks['*'] ?? 0
    m *= 1 + shock
  }
  if (scenario.depegs) for (const symbol of c.path) m *= 1 + (scenario.depegs[symbol] ?? 0)
  return m
}

/** The bounds of a scenario's absolute vol shock, inclusive (annual vol, fraction). */
export const VOL_SHIFT_LIMITS = { min: -1, max: 5 } as const

/** Validates a scenario: finite moves, prices stay > 0, vol shocks within {@link VOL_SHIFT_LIMITS}. @throws RangeError */
export function validateScenario(s: StressScenario): void {
  for (const [k, v] of [...Object.entries(s.shocks), ...Object.entries(s.depegs ?? {})]) {
    if (!Number.isFinite(v) || v <= -1 || v > 10)
      throw new RangeError(`scenario "${s.name}": the move of ${k} must be in (-1, 10], got ${v}`)
  }
  for (const [k, v] of Object.entries(s.vols ?? {})) {
    if (!Number.isFinite(v) || v < VOL_SHIFT_LIMITS.min || v > VOL_SHIFT_LIMITS.max)
      throw new RangeError(
        `scenario "${s.name}": the vol shock of ${k} must be in [${VOL_SHIFT_LIMITS.min}, ${VOL_SHIFT_LIMITS.max}], got ${v}`,
      )
  }
}

/** Stresses one position. */
export function stressPosition(input: StressInput, scenario: StressScenario): StressedPosition {
  const { id, position: p } = input
  const legContribs = input.contributions.filter((c) => c.source !== 'financing' && c.source !== 'margin')
  const mult = p.legs.map((_, i) => {
    const c = legContribs[i]
    return c ? multiplierOf(c, scenario) : 1
  })
  const base = {
    id,
    protocol: p.protocol,
    market: p.market,
    chain: p.chain,
    kind: p.kind,
    healthFactorBefore: p.healthFactor,
    ...(p.account ? { account: p.account } : {}),
    ...(p.accountKind ? { accountKind: p.accountKind } : {}),
    ...(p.owner ? { owner: p.owner } : {}),
  }
  const rule = p.liquidationRule
  switch (rule.kind) {
    case 'gmx-min-collateral':
    case 'hyperliquid-maintenance':
    case 'isolated-maintenance':
      return stressPerp(input, scenario, base, rule)
    case 'aave-v3-close-factor':
    case 'morpho-blue':
    case 'comet-absorb':
    case 'target-health-factor':
      return stressLending(input, mult, base, rule)
    default:
      return unknownLiquidationRule(rule)
  }
}

type StressBase = Omit<
  StressedPosition,
  | 'healthFactorShocked'
  | 'liquidated'
  | 'liquidation'
  | 'stillLiquidatable'
  | 'equityBeforeUsd'
  | 'equityShockedUsd'
  | 'equityAfterUsd'
>

/** The name of a lending rule in {@link StressLiquidation} (the response's vocabulary). */
function stressRuleName(rule: LendingLiquidationRule): StressLiquidation['rule'] {
  switch (rule.kind) {
    case 'aave-v3-close-factor':
      return 'aave-close-factor'
    case 'morpho-blue':
      return 'morpho-full'
    case 'comet-absorb':
      return 'compound-absorb'
    case 'target-health-factor':
      return 'target-health-factor'
    default:
      return unknownLiquidationRule(rule)
  }
}

function stressLending(
  input: StressInput,
  mult: readonly number[],
  base: StressBase,
  rule: LendingLiquidationRule,
): StressedPosition {
  const p = input.position
  let coll = 0
  let weighted = 0
  let counted = 0
  let debt = 0
  let bonusWeighted = 0
  for (const [i, leg] of p.legs.entries()) {
    const usd = leg.usd * (mult[i] as number)
    if (leg.side === 'collateral') {
      coll += usd
      if (leg.countsAsCollateral !== false && (leg.liquidationThresholdBps ?? 0) > 0) {
        weighted += (usd * (leg.liquidationThresholdBps as number)) / 10_000
        counted += usd
        bonusWeighted += (usd * (leg.liquidationBonusBps ?? 10_000)) / 10_000
      }
    } else if (leg.side === 'debt') debt += usd
  }
  const equityBeforeUsd = p.collateralUsd - p.debtUsd
  const equityShockedUsd = coll - debt
  if (averagesThresholdInWholeBps(rule) && counted > 0) {
    // GenericLogic divides sum(collateral_i x LT_i) by the total collateral in integers: the
    // average LT is truncated to whole bps before the HF is taken.
    const avgBps = Math.floor((weighted * 10_000) / counted + 1e-9)
    weighted = (counted * avgBps) / 10_000
  }
  const hf = debt > 0 ? weighted / debt : null
  const none = {
    ...base,
    healthFactorShocked: hf,
    liquidated: false,
    liquidation: null,
    stillLiquidatable: false,
    equityBeforeUsd,
    equityShockedUsd,
    equityAfterUsd: equityShockedUsd,
  }
  if (hf === null || hf >= 1) return none

  let liquidation: StressLiquidation
  let equityAfterUsd: number
  let stillLiquidatable = false
  if (rule.kind === 'comet-absorb') {
    const factors = cometLiquidationFactors(rule)
    let credit = 0
    for (const [i, leg] of p.legs.entries()) {
      if (leg.side !== 'collateral' || leg.countsAsCollateral === false) continue
      credit += leg.usd * (mult[i] as number) * (factors.get(leg.asset.symbol) ?? 1)
    }
    const seized = counted
    equityAfterUsd = Math.max(0, coll - seized + credit - debt)
    liquidation = {
      rule: stressRuleName(rule),
      closeFactor: 1,
      debtRepaidUsd: debt,
      collateralSeizedUsd: seized,
      penaltyUsd: seized - credit,
      badDebtUsd: Math.max(0, debt - credit),
    }
  } else if (
    rule.kind === 'target-health-factor' ||
    (rule.kind === 'aave-v3-close-factor' && rule.version === 'v3.3')
  ) {
    // Per reserve, as the protocol liquidates: the liquidator's largest collateral and debt.
    const account = reserveLiquidationAccount(p.legs, mult, hf)
    if (account === null) return none
    const out =
      rule.kind === 'target-health-factor'
        ? targetHealthFactorLiquidation(rule, account)
        : aaveV33ReserveLiquidation(rule, account)
    const debtAfter = debt - out.debtRepaidUsd - out.deficitUsd
    equityAfterUsd = Math.max(0, coll - out.collateralSeizedUsd - debtAfter)
    stillLiquidatable = debtAfter > 0 && out.healthFactorAfter !== null && out.healthFactorAfter < 1
    liquidation = {
      rule: stressRuleName(rule),
      closeFactor: out.closeFactor,
      debtRepaidUsd: out.debtRepaidUsd,
      collateralSeizedUsd: out.collateralSeizedUsd,
      penaltyUsd: out.collateralSeizedUsd - out.debtRepaidUsd,
      badDebtUsd: out.deficitUsd,
      collateralSymbol: account.collateral.symbol,
      debtSymbol: account.debt.symbol,
      bonus: out.bonus,
      protocolFeeUsd: out.protocolFeeUsd,
      healthFactorAfter: out.healthFactorAfter,
      dustRule: out.dustRule,
    }
  } else {
    const bonus = counted > 0 ? bonusWeighted / counted : 1
    const closeFactor = rule.kind === 'aave-v3-close-factor' ? aaveCloseFactor(rule, hf, counted, debt) : 1
    const wanted = debt * closeFactor
    const seized = Math.min(wanted * bonus, counted)
    const repaid = seized / bonus
    const badDebt = closeFactor === 1 ? Math.max(0, debt - repaid) : 0
    const collAfter = coll - seized
    // Morpho socialises what the collateral cannot cover; Aave v3.0 leaves it on the account.
    const writtenOff = writesOffBadDebt(rule, seized >= counted)
    const debtAfter = debt - repaid - (writtenOff ? badDebt : 0)
    equityAfterUsd = Math.max(0, collAfter - debtAfter)
    const remaining = weighted - (seized * weighted) / Math.max(counted, Number.MIN_VALUE)
    stillLiquidatable = debtAfter > 0 && remaining / debtAfter < 1
    liquidation = {
      rule: stressRuleName(rule),
      closeFactor,
      debtRepaidUsd: repaid,
      collateralSeizedUsd: seized,
      penaltyUsd: seized - repaid,
      badDebtUsd: badDebt,
    }
  }
  return {
    ...none,
    liquidated: true,
    liquidation,
    stillLiquidatable,
    equityAfterUsd,
  }
}

function stressPerp(
  input: StressInput,
  scenario: StressScenario,
  base: StressBase,
  rule: PerpLiquidationRule,
): StressedPosition {
  const p = input.position
  let equity = 0
  let notional = 0
  let notionalShocked = 0
  for (const c of input.contributions) {
    const m = multiplierOf(c, scenario)
    equity += c.source === 'financing' || c.source === 'margin' ? c.usd : c.usd * m
    if (c.source === 'long' || c.source === 'short') {
      notional += Math.abs(c.usd)
      notionalShocked += Math.abs(c.usd * m)
    }
  }
  const maintenance0 = rule.maintenanceMarginUsd
  // GMX's threshold is max(MIN_COLLATERAL_USD, sizeInUsd x factor): sizeInUsd is fixed at entry.
  const maintenance =
    !maintenanceScalesWithNotional(rule) || notional === 0
      ? maintenance0
      : (maintenance0 * notionalShocked) / notional
  // As the adapters serve it: an equity at or below zero is a health factor of 0.
  const hf = maintenance <= 0 ? null : Math.max(0, equity) / maintenance
  const liquidated = hf !== null && hf < 1
  const floored = rule.negativeEquityFloored
  return {
    ...base,
    healthFactorShocked: hf,
    liquidated,
    liquidation: liquidated
      ? {
          rule: 'perp',
          closeFactor: 1,
          debtRepaidUsd: 0,
          collateralSeizedUsd: Math.max(0, equity),
          penaltyUsd: Math.max(0, equity),
          badDebtUsd: floored ? Math.max(0, -equity) : 0,
        }
      : null,
    stillLiquidatable: false,
    equityBeforeUsd: p.collateralUsd,
    equityShockedUsd: equity,
    equityAfterUsd: liquidated ? (floored ? 0 : Math.min(0, equity)) : equity,
  }
}

/** Option legs of a stress: the legs and the smile per risk asset. */
export interface StressOptions {
  legs: readonly OptionStressInput[]
  /** The smile per risk asset; flat when omitted. */
  skews?: SkewTable
}

/**
 * Stresses every position of a wallet under one scenario; with `options`, its option legs too
 * (repriced, their value change counted in the equity: an option of unknown value counts 0
 * before, its Taylor change after).
 */
export function stressWallet(
  inputs: readonly StressInput[],
  scenario: StressScenario,
  options?: StressOptions,
): StressResult {
  validateScenario(scenario)
  const positions = inputs.map((i) => stressPosition(i, scenario))
  const stressedOptions = options?.legs.map((o) => stressOption(o, scenario, options.skews))
  const optionsBefore = stressedOptions?.reduce((a, o) => a + (o.valueBeforeUsd ?? 0), 0) ?? 0
  const optionsChangeUsd = stressedOptions?.reduce((a, o) => a + o.changeUsd, 0) ?? 0
  const equityBeforeUsd = positions.reduce((a, p) => a + p.equityBeforeUsd, 0) + optionsBefore
  const equityAfterUsd =
    positions.reduce((a, p) => a + p.equityAfterUsd, 0) + optionsBefore + optionsChangeUsd
  const hfs = positions.map((p) => p.healthFactorShocked).filter((h): h is number => h !== null)
  return {
    scenario,
    positions,
    equityBeforeUsd,
    equityAfterUsd,
    changeUsd: equityAfterUsd - equityBeforeUsd,
    changePct: equityBeforeUsd > 0 ? (equityAfterUsd - equityBeforeUsd) / equityBeforeUsd : null,
    positionsLiquidated: positions.filter((p) => p.liquidated).length,
    penaltyUsd: positions.reduce((a, p) => a + (p.liquidation?.penaltyUsd ?? 0), 0),
    minHealthFactor: hfs.length > 0 ? Math.min(...hfs) : null,
    ...(stressedOptions ? { options: stressedOptions, optionsChangeUsd } : {}),
  }
}

/**
 * The default grid for a wallet: every non-USD risk asset together at -50%..+30% in 10% steps;
 * each non-USD risk asset alone at -30% and +30%; and the depegs the wallet is exposed to
 * (stETH -5% and -10% when a path goes through stETH; each stablecoin held -2% and -5%).
 */
export function defaultStressGrid(contributions: readonly Contribution[]): StressScenario[] {
  const assets = [...new Set(contributions.map((c) => c.riskAsset))].filter((a) => a !== 'USD').sort()
  const out: StressScenario[] = []
  for (const m of [-0.5, -0.4, -0.3, -0.2, -0.1, 0.1, 0.2, 0.3]) {
    out.push({ name: `all risk assets ${m > 0 ? '+' : ''}${Math.round(m * 100)}%`, shocks: { '*': m } })
  }
  if (assets.length > 1) {
    for (const a of assets) {
      out.push({ name: `${a} -30% alone`, shocks: { [a]: -0.3 } })
      out.push({ name: `${a} +30% alone`, shocks: { [a]: 0.3 } })
    }
  }
  const onPath = new Set(contributions.flatMap((c) => c.path.slice(0, -1)))
  if (onPath.has('stETH') || onPath.has('wstETH')) {
    const key = onPath.has('stETH') ? 'stETH' : 'wstETH'
    for (const d of [-0.05, -0.1])
      out.push({ name: `${key} depeg ${d * 100}%`, shocks: {}, depegs: { [key]: d } })
  }
  const stables = new Set(
    // The stablecoin itself (USDC for an aUSDC receipt), so its debt elsewhere moves with it.
    contributions
      .filter((c) => c.riskAsset === 'USD' && c.token !== null)
      .map((c) => c.path.at(-1) as string),
  )
  for (const s of [...stables].sort())
    for (const d of [-0.02, -0.05])
      out.push({ name: `${s} depeg ${d * 100}%`, shocks: {}, depegs: { [s]: d } })
  return out
}
