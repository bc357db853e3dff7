/**
 * The unwind planner: the ordered steps that bring a wallet's leveraged positions to a target
 * health factor, or to zero leverage. Pure planning in float64 USD at oracle prices: no chain
 * reads, no slippage, no gas. The caller gives the layers in unwind order (the outermost layer of
 * a stack first) and gets back, per layer, the steps, the collateral sold, the cost and the
 * health factor / collateral / debt before and after.
 *
 * Lending model (every lending layer):
 * - Health factor from the legs: `HF = L / D` with `L = sum(usd * liquidationThresholdBps / 1e4)`
 *   over collateral legs with `countsAsCollateral`, `D = sum(usd)` over debt legs. The position's
 *   own `healthFactor` is only a cross-check: a relative difference above 1e-6 adds a warning.
 * - Repaying debt with collateral at oracle prices: selling `x` USD of collateral repays `x` USD
 *   of debt (the flash path sells `x * (1 + premium)` to repay `x`).
 * - Sell order: the collateral leg with the LOWEST liquidation threshold first (it contributes
 *   least to HF per USD; legs that do not count as collateral have threshold 0 and go first),
 *   ties by larger USD. The amount is solved exactly per leg segment (piecewise linear, each
 *   segment with its own threshold). Repay order: the largest-USD debt leg first (the health
 *   factor depends on the debt total only, as in Aave v3, Morpho Blue and Compound v3).
 * - Target zero repays all debt (`x = D`); collateral worth less than the debt is insolvent and
 *   the difference is reported as `insolvencyShortfallUsd`. Collateral left after the debt is
 *   gone stays deposited (it carries no leverage).
 *
 * Perp model (`kind: 'perp'`, legs long/short, `collateralUsd` = equity,
 * `healthFactor` = equity / maintenance margin): target zero closes every leg and releases the
 * equity; a target health factor `h` above the current `hf` reduces every leg by the fraction
 * `f = 1 - hf / h`, assuming maintenance margin proportional to size and equity unchanged.
 */
import type { Leg, Position } from '../core/types.js'

/** Default flash-loan premium, basis points (Aave v3: 5 = 0.05%). */
export const DEFAULT_FLASH_LOAN_PREMIUM_BPS = 5
/** Default floor of the iterative path's health factor between steps (unitless ratio). */
export const DEFAULT_MIN_STEP_HEALTH_FACTOR = 1.01
/** Default cap on iterative rounds per position. */
export const DEFAULT_MAX_ROUNDS = 100

/**
 * Where to bring each position: a health factor (unitless, finite, > 1), or zero leverage (all
 * lending debt repaid, all perps closed).
 */
export type UnwindTarget = { kind: 'healthFactor'; value: number } | { kind: 'zero' }

/** Knobs of the planner; every field optional. */
export interface UnwindOptions {
  /** Flash-loan premium, basis points (Aave v3 default 5 = 0.05%). Finite, >= 0. */
  flashLoanPremiumBps?: number
  /**
   * Health factor the iterative path never goes below between steps (default 1.01, unitless,
   * >= 1). It bounds each round's withdrawal, made before the round's repayment.
   */
  minStepHealthFactor?: number
  /** Safety cap on iterative rounds per position (default 100, a positive integer). */
  maxRounds?: number
}

/** One layer to unwind: a caller-chosen id and its position. Layers come in unwind order. */
export interface UnwindLayer {
  /** Caller's id of the layer (echoed in the plan). */
  id: string
  /** The position (status 'ok'; others are skipped with reason 'unavailable'). */
  position: Position
}

/**
 * What a step does: withdraw collateral, swap one asset to another, repay debt, take or repay a
 * flash loan (flash path only), or close / reduce a perp.
 */
export type UnwindStepKind =
  | 'withdraw'
  | 'swap'
  | 'repay'
  | 'flash-borrow'
  | 'flash-repay'
  | 'close-perp'
  | 'reduce-perp'

/** One step of a plan. */
export interface UnwindStep {
  kind: UnwindStepKind
  /** Symbol of the asset moved; for a swap, the asset sold. */
  symbol: string
  /** Whole tokens (float) of `symbol`; for a swap, the amount sold. Always >= 0. */
  amount: number
  /** USD value of `amount`, float, at the oracle price. */
  usd: number
  /** Swap only: symbol of the asset bought. */
  toSymbol?: string
  /** Swap only: whole tokens (float) of `toSymbol` bought, at oracle prices (no slippage). */
  toAmount?: number
  /** Iterative path only: the 1-based round the step belongs to. */
  round?: number
  /** reduce-perp only: fraction of the leg's size closed, in (0, 1). */
  fraction?: number
}

/** A step with the id of the layer it belongs to (the plan's flat, ordered step list). */
export interface PlannedUnwindStep extends UnwindStep {
  layerId: string
}

/** An amount of one asset. */
export interface AssetAmount {
  symbol: string
  /** Whole tokens, float. */
  amount: number
  /** USD, float. */
  usd: number
}

/** One round of the iterative path: withdraw -> swap -> repay. */
export interface UnwindRound {
  /** 1-based. */
  round: number
  /** Collateral withdrawn (and sold, and repaid as debt), USD. */
  withdrawnUsd: number
  /** HF after the withdrawal, before the repayment (>= minStepHealthFactor), unitless. */
  healthFactorAfterWithdraw: number
  /** HF after the repayment; null once no debt is left. */
  healthFactorAfterRepay: number | null
  /** Debt left after the round, USD. */
  debtUsdAfter: number
}

/** What one unwind path of a lending layer does. All USD values are floats at oracle prices. */
export interface UnwindPathOutcome {
  /** The path's steps, in execution order. */
  steps: UnwindStep[]
  /** Whether the path reaches the target (HF within 1e-9 relative, or no debt left). */
  reachesTarget: boolean
  /** Collateral withdrawn and sold, USD. */
  collateralSoldUsd: number
  /** Collateral withdrawn and sold, per asset (in sell order). */
  collateralSold: AssetAmount[]
  /** Debt repaid, USD. */
  debtRepaidUsd: number
  /** Debt repaid, per asset (largest first). */
  debtRepaid: AssetAmount[]
  /** Slippage-free cost, USD: 0 for swaps at oracle prices, plus the flash premium if any. */
  costUsd: number
  /** HF after the path; null when no debt is left. */
  healthFactorAfter: number | null
  /** Collateral left in the position, USD. */
  collateralUsdAfter: number
  /** Debt left in the position, USD. */
  debtUsdAfter: number
}

/** The iterative path: rounds of withdraw max-safe collateral -> swap -> repay. */
export interface IterativeUnwind extends UnwindPathOutcome {
  /** Number of rounds executed. */
  roundCount: number
  rounds: UnwindRound[]
  /** The path stopped at `maxRounds` before reaching the target. */
  maxRoundsHit: boolean
  /**
   * The path could not withdraw anything while short of the target: the health factor is at or
   * below `minStepHealthFactor` (or the position is insolvent) and no collateral is free.
   */
  stuck: boolean
}

/**
 * The flash-loan path, one transaction: flash-borrow the debt asset(s), repay the debt, withdraw
 * collateral, swap it to the debt asset(s), repay the flash loan plus premium. The premium is
 * paid by selling extra collateral: `x` USD repaid sells `x * (1 + premiumBps / 1e4)` USD.
 */
export interface FlashLoanUnwind extends UnwindPathOutcome {
  /** Premium, basis points. */
  premiumBps: number
  /** Flash-borrowed, USD (= debt repaid). */
  flashBorrowedUsd: number
  /** premiumBps / 1e4 * flashBorrowedUsd, USD (= costUsd). */
  premiumUsd: number
}

/** The perp side of a layer's plan. */
export interface PerpUnwind {
  /** Sum of |usd| over long/short legs before, USD. */
  notionalUsdBefore: number
  /** Sum of |usd| over long/short legs after, USD. */
  notionalUsdAfter: number
  /** Fraction of every leg's size closed: 1 for close-perp, `1 - hf / h` for reduce-perp. */
  fractionClosed: number
  /** Equity (position.collateralUsd) released back to the wallet, USD: all of it on close, 0 on reduce. */
  equityReleasedUsd: number
}

/**
 * Which path a layer's `steps` follow: the iterative path when it reaches the target (cost 0),
 * else the flash-loan path; close-perp / reduce-perp for perps.
 */
export type UnwindMethod = 'iterative' | 'flash-loan' | 'close-perp' | 'reduce-perp'

/** The plan of one layer. USD values are floats; health factors unitless. */
export interface LayerUnwind {
  id: string
  protocol: string
  market: string
  chain: string
  kind: 'lending' | 'perp'
  method: UnwindMethod
  /** The chosen path's steps, in execution order. */
  steps: UnwindStep[]
  /** Whether the chosen path reaches the target. */
  reachesTarget: boolean
  /** Lending: HF from the legs; perp: the position's health factor. */
  healthFactorBefore: number | null
  /** After the chosen path; null without debt (or a closed perp). */
  healthFactorAfter: number | null
  /** The position's own reported health factor (cross-check input). */
  reportedHealthFactor: number | null
  /** Lending: sum of collateral legs; perp: equity. USD. */
  collateralUsdBefore: number
  collateralUsdAfter: number
  /** Sum of debt legs, USD (0 for perps). */
  debtUsdBefore: number
  debtUsdAfter: number
  /** Collateral sold by the chosen path, USD (0 for perps). */
  collateralSoldUsd: number
  /** Collateral sold by the chosen path, per asset. */
  collateralSold: AssetAmount[]
  /** Debt repaid by the chosen path, USD. */
  debtRepaidUsd: number
  /** Slippage-free cost of the chosen path, USD (flash premium; 0 otherwise). */
  costUsd: number
  /** max(0, debt - all collateral) before the unwind, USD: the part no sale can repay. */
  insolvencyShortfallUsd: number
  /** Lending: the iterative path; null for perps. */
  iterative: IterativeUnwind | null
  /** Lending: the flash-loan path; null for perps. */
  flashLoan: FlashLoanUnwind | null
  /** Perps: what is closed and released; null for lending. */
  perp: PerpUnwind | null
  /** Things the caller should look at (HF mismatch, target not reached, ...). */
  warnings: string[]
  /** Modelling assumptions behind the numbers. */
  assumptions: string[]
}

/** Why a layer needs no plan (or cannot get one). */
export type UnwindSkipReason =
  | 'at-or-above-target'
  | 'no-debt'
  | 'no-open-legs'
  | 'no-health-factor'
  | 'no-liquidation-model'
  | 'unavailable'

/** A layer left out of the plan. */
export interface SkippedUnwindLayer {
  id: string
  reason: UnwindSkipReason
  /** Human-readable detail. */
  detail: string
  /** HF of the layer when known, unitless. */
  healthFactor: number | null
}

/** Sums over the planned layers' chosen paths. USD, float. */
export interface UnwindTotals {
  collateralSoldUsd: number
  debtRepaidUsd: number
  costUsd: number
  insolvencyShortfallUsd: number
  /** Perp notional closed or reduced, USD. */
  perpNotionalClosedUsd: number
  /** Perp equity released to the wallet, USD. */
  perpEquityReleasedUsd: number
  /** Iterative rounds over layers whose chosen method is 'iterative'. */
  iterativeRounds: number
  /** Every planned layer reaches the target. */
  reachesTarget: boolean
}

/** The unwind plan of a set of layers. */
export interface UnwindPlan {
  target: UnwindTarget
  /** Effective options (defaults filled in). */
  options: Required<UnwindOptions>
  /** Planned layers, in the caller's unwind order. */
  layers: LayerUnwind[]
  /** Every planned layer's chosen steps, flattened in execution order. */
  steps: PlannedUnwindStep[]
  skipped: SkippedUnwindLayer[]
  totals: UnwindTotals
}

/**
 * Plans the unwind of `layers` (in unwind order, outermost first) to `target`.
 *
 * @throws RangeError when the target is not `{ kind: 'zero' }` or a finite health factor > 1, or an
 *   option is out of range (premium < 0, minStepHealthFactor < 1, maxRounds not a positive integer).
 */
export function planUnwind(
  layers: readonly UnwindLayer[],
  target: UnwindTarget,
  options: UnwindOptions = {},
): UnwindPlan {
  const h = validateTarget(target)
  const opts = validateOptions(options)
  const planned: LayerUnwind[] = []
  const skipped: SkippedUnwindLayer[] = []
  for (const layer of layers) {
    const out =
      (layer.position as { status: string }).status !== 'ok'
        ? skip(layer, 'unavailable', 'the position could not be read', null)
        : layer.position.kind === 'perp'
          ? planPerp(layer, h)
          : planLending(layer, h, target, opts)
    if ('reason' in out) skipped.push(out)
    else planned.push(out)
  }
  const steps = planned.flatMap((l) => l.steps.map((s) => ({ layerId: l.id, ...s })))
  const sum = (f: (l: LayerUnwind) => number) => planned.reduce((acc, l) => acc + f(l), 0)
  return {
    target,
    options: opts,
    layers: planned,
    steps,
    skipped,
    totals: {
      collateralSoldUsd: sum((l) => l.collateralSoldUsd),
      debtRepaidUsd: sum((l) => l.debtRepaidUsd),
      costUsd: sum((l) => l.costUsd),
      insolvencyShortfallUsd: sum((l) => l.insolvencyShortfallUsd),
      perpNotionalClosedUsd: sum((l) => (l.perp ? l.perp.notionalUsdBefore - l.perp.notionalUsdAfter : 0)),
      perpEquityReleasedUsd: sum((l) => l.perp?.equityReleasedUsd ?? 0),
      iterativeRounds: sum((l) => (l.method === 'iterative' ? (l.iterative?.roundCount ?? 0) : 0)),
      reachesTarget: planned.every((l) => l.reachesTarget),
    },
  }
}

/** Returns the target health factor, or null for target zero. */
function validateTarget(target: UnwindTarget): number | null {
  if (target?.kind === 'zero') return null
  if (target?.kind === 'healthFactor') {
    const v = target.value
    if (typeof v === 'number' && Number.isFinite(v) && v > 1) return v
    throw new RangeError(`unwind target health factor must be a finite number > 1, got ${String(v)}`)
  }
  throw new RangeError(
    `unwind target must be { kind: 'zero' } or { kind: 'healthFactor', value }, got kind ${String(
      (target as { kind?: unknown } | undefined)?.kind,
    )}`,
  )
}

function validateOptions(o: UnwindOptions): Required<UnwindOptions> {
  const flashLoanPremiumBps = o.flashLoanPremiumBps ?? DEFAULT_FLASH_LOAN_PREMIUM_BPS
  const minStepHealthFactor = o.minStepHealthFactor ?? DEFAULT_MIN_STEP_HEALTH_FACTOR
  const maxRounds = o.maxRounds ?? DEFAULT_MAX_ROUNDS
  if (!(Number.isFinite(flashLoanPremiumBps) && flashLoanPremiumBps >= 0))
    throw new RangeError(`flashLoanPremiumBps must be a finite number >= 0, got ${flashLoanPremiumBps}`)
  if (!(Number.isFinite(minStepHealthFactor) && minStepHealthFactor >= 1))
    throw new RangeError(`minStepHealthFactor must be a finite number >= 1, got ${minStepHealthFactor}`)
  if (!(Number.isInteger(maxRounds) && maxRounds >= 1))
    throw new RangeError(`maxRounds must be a positive integer, got ${maxRounds}`)
  return { flashLoanPremiumBps, minStepHealthFactor, maxRounds }
}

// ---------------------------------------------------------------------------------------------
// Lending

/** A collateral leg as a sell segment: `usd` is what is left of it. */
interface CollSeg {
  leg: Leg
  /** Liquidation threshold as a fraction (0 when the leg does not count). */
  lt: number
  usd: number
}

/** A debt leg: `usd` is what is left of it. */
interface DebtSeg {
  leg: Leg
  usd: number
}

interface Book {
  coll: CollSeg[]
  debt: DebtSeg[]
  /** Amounts below this are zero (1e-12 of the position's size), USD. */
  tiny: number
}

/** Relative tolerance of "the target is reached". */
const TARGET_TOLERANCE = 1e-9
/** Relative tolerance of the legs-vs-reported health factor cross-check. */
const CROSS_CHECK_TOLERANCE = 1e-6

function planLending(
  layer: UnwindLayer,
  h: number | null,
  target: UnwindTarget,
  opts: Required<UnwindOptions>,
): LayerUnwind | SkippedUnwindLayer {
  const p = layer.position
  const reported = p.healthFactor
  const unmodelled = p.legs.find(
    (l) =>
      l.side === 'collateral' && l.countsAsCollateral === true && l.liquidationThresholdBps === undefined,
  )
  if (unmodelled)
    return skip(
      layer,
      'no-liquidation-model',
      `collateral leg ${unmodelled.asset.symbol} counts as collateral but has no liquidation threshold`,
      reported,
    )
  const book = newBook(p)
  const debt0 = debtUsd(book)
  const coll0 = collateralUsd(book)
  if (debt0 <= book.tiny) return skip(layer, 'no-debt', 'the position has no debt', reported)
  if (reported === null)
    return skip(layer, 'no-health-factor', 'the position reports debt but no health factor', null)
  const hf0 = healthFactor(book)
  if (h !== null && hf0 !== null && hf0 >= h)
    return skip(layer, 'at-or-above-target', `health factor ${hf0} is already >= target ${h}`, hf0)

  const warnings: string[] = []
  if (hf0 !== null && Math.abs(hf0 - reported) > CROSS_CHECK_TOLERANCE * Math.abs(reported))
    warnings.push(
      `health factor from the legs (${hf0}) differs from the position's reported ${reported} by more than 1e-6 relative; planned from the legs`,
    )

  const iterative = iterativePath(cloneBook(book), h, opts)
  const flashLoan = flashPath(cloneBook(book), h, opts.flashLoanPremiumBps)
  const useIterative = iterative.reachesTarget
  const chosen: UnwindPathOutcome = useIterative ? iterative : flashLoan
  if (!useIterative)
    warnings.push(
      iterative.stuck
        ? `the iterative path cannot withdraw collateral without going below health factor ${opts.minStepHealthFactor}; use the flash-loan path`
        : `the iterative path does not reach the target within ${opts.maxRounds} rounds; use the flash-loan path`,
    )
  const insolvencyShortfallUsd = Math.max(0, debt0 - coll0)
  if (insolvencyShortfallUsd > book.tiny)
    warnings.push(
      `insolvent: debt ${debt0} USD exceeds all collateral ${coll0} USD; ${insolvencyShortfallUsd} USD of debt cannot be repaid from collateral`,
    )
  if (!chosen.reachesTarget)
    warnings.push(
      target.kind === 'zero'
        ? `the debt cannot be fully repaid from collateral; ${chosen.debtUsdAfter} USD remains`
        : `the target health factor ${h} cannot be reached from collateral; ends at ${chosen.healthFactorAfter}`,
    )

  return {
    id: layer.id,
    protocol: p.protocol,
    market: p.market,
    chain: p.chain,
    kind: 'lending',
    method: useIterative ? 'iterative' : 'flash-loan',
    steps: chosen.steps,
    reachesTarget: chosen.reachesTarget,
    healthFactorBefore: hf0,
    healthFactorAfter: chosen.healthFactorAfter,
    reportedHealthFactor: reported,
    collateralUsdBefore: coll0,
    collateralUsdAfter: chosen.collateralUsdAfter,
    debtUsdBefore: debt0,
    debtUsdAfter: chosen.debtUsdAfter,
    collateralSoldUsd: chosen.collateralSoldUsd,
    collateralSold: chosen.collateralSold,
    debtRepaidUsd: chosen.debtRepaidUsd,
    costUsd: chosen.costUsd,
    insolvencyShortfallUsd,
    iterative,
    flashLoan,
    perp: null,
    warnings,
    assumptions: [
      'swaps at oracle prices (no slippage, no fees, no gas)',
      'sell order: lowest liquidation threshold first, ties by larger USD; repay order: largest debt first',
      'health factor = sum(collateral usd * liquidation threshold) / sum(debt usd), from the legs',
    ],
  }
}

function newBook(p: Position): Book {
  const coll: CollSeg[] = p.legs
    .filter((l) => l.side === 'collateral' && l.usd > 0)
    .map((leg) => ({
      leg,
      lt: leg.countsAsCollateral === true ? (leg.liquidationThresholdBps ?? 0) / 1e4 : 0,
      usd: leg.usd,
    }))
    .sort((a, b) => a.lt - b.lt || b.usd - a.usd)
  const debt: DebtSeg[] = p.legs
    .filter((l) => l.side === 'debt' && l.usd > 0)
    .map((leg) => ({ leg, usd: leg.usd }))
    .sort((a, b) => b.usd - a.usd)
  const scale = Math.max(
    coll.reduce((s, c) => s + c.usd, 0),
    debt.reduce((s, d) => s + d.usd, 0),
  )
  return { coll, debt, tiny: scale * 1e-12 }
}

function cloneBook(b: Book): Book {
  return { coll: b.coll.map((c) => ({ ...c })), debt: b.debt.map((d) => ({ ...d })), tiny: b.tiny }
}

const weightedUsd = (b: Book) => b.coll.reduce((s, c) => s + c.lt * c.usd, 0)
const collateralUsd = (b: Book) => b.coll.reduce((s, c) => s + c.usd, 0)
const debtUsd = (b: Book) => b.debt.reduce((s, d) => s + d.usd, 0)
function healthFactor(b: Book): number | null {
  const d = debtUsd(b)
  return d > b.tiny ? weightedUsd(b) / d : null
}
function reached(b: Book, h: number | null): boolean {
  const d = debtUsd(b)
  if (d <= b.tiny) return true
  return h !== null && weightedUsd(b) >= h * d * (1 - TARGET_TOLERANCE)
}

/**
 * The collateral to sell, per segment in sell order, to bring the book to `h` (or to repay all
 * debt when `h` is null), when selling `k` USD of collateral repays 1 USD of debt (k = 1, or
 * 1 + premium on the flash path).
 *
 * Within one segment of threshold `lt`, with weighted collateral `L` and debt `D` on entry,
 * repaying `x` sells `k x` of the segment and
 *   HF(x) = (L - lt k x) / (D - x) = h  =>  L - lt k x = h D - h x  =>  x = (h D - L) / (h - lt k).
 * With one collateral (L = LT C, k = 1) this is x = (h D - LT C) / (h - LT). When `k x` exceeds
 * the segment, the segment is sold whole and the next one starts from the new L and D. When
 * h <= lt k the segment cannot raise HF to h; it is sold whole toward repaying all debt.
 */
function solveSale(b: Book, h: number | null, k: number): { sales: number[]; repaid: number } {
  let L = weightedUsd(b)
  let D = debtUsd(b)
  const sales = b.coll.map(() => 0)
  let repaid = 0
  for (let i = 0; i < b.coll.length && D > b.tiny; i++) {
    if (h !== null && L >= h * D) break
    const seg = b.coll[i]!
    if (seg.usd <= 0) continue
    let x = D
    if (h !== null) {
      const denom = h - seg.lt * k
      if (denom > 0) x = Math.min(D, (h * D - L) / denom)
    }
    const capped = k * x > seg.usd
    if (capped) x = seg.usd / k
    const s = capped ? seg.usd : k * x
    sales[i] = s
    repaid += x
    L -= seg.lt * s
    D -= x
    if (!capped) break
  }
  return { sales, repaid }
}

/** One executed trade: per-segment sales and repayments (USD), for step building. */
interface Trade {
  withdrawn: { seg: CollSeg; usd: number }[]
  repaid: { seg: DebtSeg; usd: number }[]
  /** Collateral proceeds matched to the debt asset they buy (USD). */
  swaps: { from: CollSeg; to: DebtSeg; usd: number }[]
}

/**
 * Sells `sales[i]` USD of each segment and repays `repay` USD of debt, largest debt first; the
 * proceeds (sum of sales = k * repay) buy `k` times each repayment of each debt asset.
 */
function execute(b: Book, sales: readonly number[], repay: number, k: number): Trade {
  const withdrawn: Trade['withdrawn'] = []
  sales.forEach((usd, i) => {
    const seg = b.coll[i]!
    if (usd <= 0) return
    withdrawn.push({ seg, usd })
    seg.usd = seg.usd - usd <= b.tiny ? 0 : seg.usd - usd
  })
  const repaid: Trade['repaid'] = []
  let left = repay
  for (const seg of b.debt) {
    if (left <= b.tiny) break
    if (seg.usd <= 0) continue
    const usd = Math.min(seg.usd, left)
    repaid.push({ seg, usd })
    left -= usd
    seg.usd = seg.usd - usd <= b.tiny ? 0 : seg.usd - usd
  }
  // Match proceeds to needs in order (two pointers); the last pair takes any float remainder.
  const swaps: Trade['swaps'] = []
  const needs = repaid.map((r) => ({ seg: r.seg, usd: r.usd * k }))
  let j = 0
  for (const w of withdrawn) {
    let have = w.usd
    while (have > b.tiny && j < needs.length) {
      const need = needs[j]!
      const usd = j === needs.length - 1 ? have : Math.min(have, need.usd)
      swaps.push({ from: w.seg, to: need.seg, usd })
      have -= usd
      need.usd -= usd
      if (need.usd <= b.tiny) j++
    }
  }
  return { withdrawn, repaid, swaps }
}

/** Whole tokens of `leg`'s asset worth `usd` at the leg's price. */
function tokens(leg: Leg, usd: number): number {
  if (Number.isFinite(leg.priceUsd) && leg.priceUsd > 0) return usd / leg.priceUsd
  const whole = Math.abs(Number(leg.amount)) / 10 ** leg.asset.decimals
  return leg.usd !== 0 ? (whole * usd) / Math.abs(leg.usd) : 0
}

function step(kind: UnwindStepKind, leg: Leg, usd: number, round?: number): UnwindStep {
  const s: UnwindStep = { kind, symbol: leg.asset.symbol, amount: tokens(leg, usd), usd }
  if (round !== undefined) s.round = round
  return s
}

function swapSteps(trade: Trade, round?: number): UnwindStep[] {
  return trade.swaps
    .filter((s) => s.from.leg.asset.symbol !== s.to.leg.asset.symbol)
    .map((s) => ({
      ...step('swap', s.from.leg, s.usd, round),
      toSymbol: s.to.leg.asset.symbol,
      toAmount: tokens(s.to.leg, s.usd),
    }))
}

/** Sums per asset symbol, keeping first-seen order. */
function bySymbol(items: readonly { leg: Leg; usd: number }[]): AssetAmount[] {
  const out = new Map<string, AssetAmount>()
  for (const { leg, usd } of items) {
    const a = out.get(leg.asset.symbol) ?? { symbol: leg.asset.symbol, amount: 0, usd: 0 }
    a.amount += tokens(leg, usd)
    a.usd += usd
    out.set(leg.asset.symbol, a)
  }
  return [...out.values()]
}

function outcome(
  b: Book,
  h: number | null,
  steps: UnwindStep[],
  trades: readonly Trade[],
  costUsd: number,
): UnwindPathOutcome {
  const withdrawn = trades.flatMap((t) => t.withdrawn.map((w) => ({ leg: w.seg.leg, usd: w.usd })))
  const repaid = trades.flatMap((t) => t.repaid.map((r) => ({ leg: r.seg.leg, usd: r.usd })))
  return {
    steps,
    reachesTarget: reached(b, h),
    collateralSoldUsd: withdrawn.reduce((s, w) => s + w.usd, 0),
    collateralSold: bySymbol(withdrawn),
    debtRepaidUsd: repaid.reduce((s, r) => s + r.usd, 0),
    debtRepaid: bySymbol(repaid),
    costUsd,
    healthFactorAfter: healthFactor(b),
    collateralUsdAfter: collateralUsd(b),
    debtUsdAfter: debtUsd(b),
  }
}

/**
 * The iterative path. Each round withdraws the most collateral that keeps HF >= m (the
 * minimum step health factor) before repaying, capped at what the target still needs, then
 * swaps it and repays. Withdrawing `w_i` from segments (in sell order) leaves
 *   (L - sum(lt_i w_i)) / D >= m  <=>  sum(lt_i w_i) <= L - m D,
 * so the weighted budget `B = L - m D` is spent in sell order: a segment with lt = 0 is free to
 * withdraw whole; otherwise w_i = min(segment, B / lt_i) and B -= lt_i w_i. For one collateral
 * this is w = C - m D / LT. The needed amount comes from `solveSale`; both fill segments in the
 * same order, so the round takes their element-wise minimum. It stops at the target, when no
 * debt is left, when nothing can be withdrawn (stuck), or after `maxRounds`.
 */
function iterativePath(b: Book, h: number | null, opts: Required<UnwindOptions>): IterativeUnwind {
  const m = opts.minStepHealthFactor
  const steps: UnwindStep[] = []
  const trades: Trade[] = []
  const rounds: UnwindRound[] = []
  let stuck = false
  while (rounds.length < opts.maxRounds && !reached(b, h)) {
    const need = solveSale(b, h, 1).sales
    let budget = weightedUsd(b) - m * debtUsd(b)
    const take = b.coll.map((seg, i) => {
      let free = seg.usd
      if (seg.lt > 0) {
        free = Math.min(seg.usd, Math.max(0, budget / seg.lt))
        budget -= seg.lt * free
      }
      return Math.min(free, need[i]!)
    })
    const total = take.reduce((s, x) => s + x, 0)
    if (total <= b.tiny) {
      stuck = true
      break
    }
    const round = rounds.length + 1
    const debtBefore = debtUsd(b)
    const afterWithdraw = (weightedUsd(b) - take.reduce((s, x, i) => s + b.coll[i]!.lt * x, 0)) / debtBefore
    const trade = execute(b, take, total, 1)
    trades.push(trade)
    steps.push(
      ...trade.withdrawn.map((w) => step('withdraw', w.seg.leg, w.usd, round)),
      ...swapSteps(trade, round),
      ...trade.repaid.map((r) => step('repay', r.seg.leg, r.usd, round)),
    )
    rounds.push({
      round,
      withdrawnUsd: total,
      healthFactorAfterWithdraw: afterWithdraw,
      healthFactorAfterRepay: healthFactor(b),
      debtUsdAfter: debtUsd(b),
    })
  }
  const base = outcome(b, h, steps, trades, 0)
  return {
    ...base,
    roundCount: rounds.length,
    rounds,
    maxRoundsHit: !base.reachesTarget && !stuck && rounds.length >= opts.maxRounds,
    stuck,
  }
}

/** The flash-loan path (see FlashLoanUnwind); premium p = bps / 1e4, k = 1 + p. */
function flashPath(b: Book, h: number | null, premiumBps: number): FlashLoanUnwind {
  const p = premiumBps / 1e4
  const k = 1 + p
  const { sales, repaid } = solveSale(b, h, k)
  const trade = execute(b, sales, repaid, k)
  const steps: UnwindStep[] = [
    ...trade.repaid.map((r) => step('flash-borrow', r.seg.leg, r.usd)),
    ...trade.repaid.map((r) => step('repay', r.seg.leg, r.usd)),
    ...trade.withdrawn.map((w) => step('withdraw', w.seg.leg, w.usd)),
    ...swapSteps(trade),
    ...trade.repaid.map((r) => step('flash-repay', r.seg.leg, r.usd * k)),
  ]
  const flashBorrowedUsd = trade.repaid.reduce((s, r) => s + r.usd, 0)
  const premiumUsd = p * flashBorrowedUsd
  return {
    ...outcome(b, h, steps, [trade], premiumUsd),
    premiumBps,
    flashBorrowedUsd,
    premiumUsd,
  }
}

// ---------------------------------------------------------------------------------------------
// Perps

function planPerp(layer: UnwindLayer, h: number | null): LayerUnwind | SkippedUnwindLayer {
  const p = layer.position
  const hf = p.healthFactor
  const legs = p.legs.filter((l) => (l.side === 'long' || l.side === 'short') && l.usd !== 0)
  if (legs.length === 0) return skip(layer, 'no-open-legs', 'the perp position has no open legs', hf)
  if (h !== null) {
    if (hf === null)
      return skip(layer, 'no-health-factor', 'the perp position reports no health factor', null)
    if (hf >= h) return skip(layer, 'at-or-above-target', `health factor ${hf} is already >= target ${h}`, hf)
  }
  const warnings: string[] = []
  const assumptions: string[] = ['closes at the mark price (no slippage, no fees)']
  let fraction = 1
  if (h !== null && hf !== null) {
    if (hf > 0) {
      fraction = 1 - hf / h
      assumptions.push(
        'reduce-perp: maintenance margin proportional to size and equity unchanged, so HF after = hf / (1 - f) = target',
      )
    } else
      warnings.push(
        `equity is not positive (health factor ${hf}); reducing cannot restore it, closing instead`,
      )
  }
  const close = fraction >= 1
  const notionalBefore = legs.reduce((s, l) => s + Math.abs(l.usd), 0)
  const steps: UnwindStep[] = legs.map((leg) => {
    const usd = Math.abs(leg.usd) * fraction
    const s = step(close ? 'close-perp' : 'reduce-perp', leg, usd)
    s.amount = Math.abs(s.amount)
    if (!close) s.fraction = fraction
    return s
  })
  const equityReleasedUsd = close ? Math.max(0, p.collateralUsd) : 0
  return {
    id: layer.id,
    protocol: p.protocol,
    market: p.market,
    chain: p.chain,
    kind: 'perp',
    method: close ? 'close-perp' : 'reduce-perp',
    steps,
    reachesTarget: true,
    healthFactorBefore: hf,
    healthFactorAfter: close ? null : h,
    reportedHealthFactor: hf,
    collateralUsdBefore: p.collateralUsd,
    collateralUsdAfter: close ? 0 : p.collateralUsd,
    debtUsdBefore: 0,
    debtUsdAfter: 0,
    collateralSoldUsd: 0,
    collateralSold: [],
    debtRepaidUsd: 0,
    costUsd: 0,
    insolvencyShortfallUsd: 0,
    iterative: null,
    flashLoan: null,
    perp: {
      notionalUsdBefore: notionalBefore,
      notionalUsdAfter: close ? 0 : notionalBefore * (1 - fraction),
      fractionClosed: fraction,
      equityReleasedUsd,
    },
    warnings,
    assumptions,
  }
}

function skip(
  layer: UnwindLayer,
  reason: UnwindSkipReason,
  detail: string,
  healthFactor: number | null,
): SkippedUnwindLayer {
  return { id: layer.id, reason, detail, healthFactor }
}
