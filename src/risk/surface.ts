/**
 * The two-asset liquidation surface of a wallet: every position's health factor over a grid of
 * moves of two risk assets (x, y), each position under its own protocol's rule (the stress
 * engine's shocked health factor, {@link stressPosition}, which dispatches on the position's
 * `LiquidationRule`), and the HF = 1 boundary of each position found by bisection along every
 * grid line. The boundary's cuts on the axes (the other asset unmoved) are the one-asset
 * liquidation moves. Pure, float64 (relative moves, unitless health factors).
 *
 * Bounded work: at most {@link MAX_SURFACE_POINTS} points per axis, so at most 41 x 41 cells and
 * 2 x 41 boundary searches (each a scan of the line plus {@link BISECTION_STEPS} halvings per
 * crossing) per position.
 */
import {
  averagesThresholdInWholeBps,
  isPerpRule,
  maintenanceScalesWithNotional,
  unknownLiquidationRule,
} from './liquidation-rule.js'
import { type StressInput, type StressScenario, stressPosition } from './stress.js'

/** Largest number of grid points per axis (documented in the API): 41 x 41 cells. */
export const MAX_SURFACE_POINTS = 41
/** Default points per axis (odd, so the unmoved price is a grid point). */
export const DEFAULT_SURFACE_POINTS = 21
/** Default half-width of each axis: moves from -50% to +50%. */
export const DEFAULT_SURFACE_RANGE = 0.5
/** Largest half-width: a -95% move keeps every price positive. */
export const MAX_SURFACE_RANGE = 0.95
/** Halvings per boundary crossing: 2^-60 of the bracket, below float64's resolution of a move. */
export const BISECTION_STEPS = 60
/** Scan resolution of the axis cuts over the whole domain (-1, 10] of a move. */
const CUT_SCAN_POINTS = 400
const CUT_LOW = -0.999999
const CUT_HIGH = 10

/** What {@link liquidationSurface} is asked. */
export interface SurfaceParams {
  /** Risk asset of the horizontal axis (ETH). */
  x: string
  /** Risk asset of the vertical axis (BTC); different from `x`. */
  y: string
  /** Half-width of each axis, relative move in (0, 0.95] (0.5: -50%..+50%). */
  range: number
  /** Grid points per axis, odd, 3..{@link MAX_SURFACE_POINTS}. */
  points: number
}

/** A point of a boundary: the moves of x and y (relative) at which a health factor is 1. */
export interface SurfacePoint {
  x: number
  y: number
  /** Which grid line it was found on: a column (x fixed at a grid move) or a row (y fixed). */
  along: 'column' | 'row'
}

/** One position's part of the surface. */
export interface SurfacePosition {
  id: string
  protocol: string
  market: string
  chain: string
  kind: 'lending' | 'perp'
  /** The rule the engine applied (the position's `LiquidationRule.kind`). */
  rule: string
  healthFactor: number | null
  /** Whether the position's health factor moves with x / with y at all (a ratio loop may not). */
  dependsOn: { x: boolean; y: boolean }
  /**
   * The x moves (y unmoved) at which HF = 1, ascending, over the whole domain (-1, 10]: the
   * one-asset liquidation moves of x (its liquidation price / current price - 1).
   */
  xCuts: number[]
  /** The same for y (x unmoved). */
  yCuts: number[]
  /** The HF = 1 points on the grid's lines, inside the grid. */
  boundary: SurfacePoint[]
  /** Health factor per cell, `[row = y index][column = x index]`; null without debt. */
  healthFactors: (number | null)[][]
}

/** The surface of a wallet. */
export interface LiquidationSurface {
  x: { asset: string; moves: number[] }
  y: { asset: string; moves: number[] }
  /** Lowest health factor per cell over the positions, `[row = y][column = x]`; null without debt. */
  minHealthFactor: (number | null)[][]
  /** Positions below HF 1 per cell, `[row][column]`. */
  positionsLiquidated: number[][]
  positions: SurfacePosition[]
}

/** The grid moves of one axis: `points` evenly spaced moves from -range to +range. */
export function surfaceMoves(range: number, points: number): number[] {
  const half = (points - 1) / 2
  return Array.from({ length: points }, (_, i) => (i === half ? 0 : (range * (i - half)) / half))
}

/** Validates the params. @throws RangeError naming the field */
export function validateSurfaceParams(p: SurfaceParams): void {
  if (p.x === p.y) throw new RangeError(`x and y must be two different risk assets, got ${p.x} twice`)
  if (p.x === 'USD' || p.y === 'USD')
    throw new RangeError('USD is the numeraire: x and y must be risk assets')
  if (!(p.range > 0 && p.range <= MAX_SURFACE_RANGE))
    throw new RangeError(`range must be in (0, ${MAX_SURFACE_RANGE}], got ${p.range}`)
  if (!Number.isInteger(p.points) || p.points < 3 || p.points > MAX_SURFACE_POINTS || p.points % 2 === 0)
    throw new RangeError(`points must be an odd integer in 3..${MAX_SURFACE_POINTS}, got ${p.points}`)
}

/** The health factor of one position with x moved by `mx` and y by `my` (relative). */
export function healthFactorAt(
  input: StressInput,
  x: string,
  y: string,
  mx: number,
  my: number,
): number | null {
  const scenario: StressScenario = { name: 'surface', shocks: { [x]: mx, [y]: my } }
  return stressPosition(input, scenario).healthFactorShocked
}

/**
 * The same health factor as {@link healthFactorAt} (the stress engine's shocked HF, the same
 * arithmetic in the same order, dispatched on the same rule helpers), as a closure over the
 * position that allocates nothing per call: the surface asks it ~10^4 times per position. A unit
 * test holds it equal to the engine on every cell of lending (whole-bps average or not) and perp
 * positions.
 */
export function healthFactorEvaluator(
  input: StressInput,
  x: string,
  y: string,
): (mx: number, my: number) => number | null {
  const p = input.position
  const rule = p.liquidationRule
  const axisOf = (riskAsset: string) =>
    riskAsset === 'USD' ? 0 : riskAsset === x ? 1 : riskAsset === y ? 2 : 0
  if (isPerpRule(rule)) {
    const n = input.contributions.length
    const usd = new Float64Array(n)
    const axis = new Uint8Array(n)
    const fixed = new Uint8Array(n)
    const sized = new Uint8Array(n)
    for (const [i, c] of input.contributions.entries()) {
      usd[i] = c.usd
      axis[i] = axisOf(c.riskAsset)
      fixed[i] = c.source === 'financing' || c.source === 'margin' ? 1 : 0
      sized[i] = c.source === 'long' || c.source === 'short' ? 1 : 0
    }
    const m0 = rule.maintenanceMarginUsd
    const scales = maintenanceScalesWithNotional(rule)
    return (mx, my) => {
      let equity = 0
      let notional = 0
      let notionalShocked = 0
      for (let i = 0; i < n; i++) {
        const a = axis[i] as number
        const m = a === 1 ? 1 + mx : a === 2 ? 1 + my : 1
        const u = usd[i] as number
        equity += fixed[i] ? u : u * m
        if (sized[i]) {
          notional += Math.abs(u)
          notionalShocked += Math.abs(u * m)
        }
      }
      const maintenance = !scales || notional === 0 ? m0 : (m0 * notionalShocked) / notional
      return maintenance <= 0 ? null : Math.max(0, equity) / maintenance
    }
  }
  switch (rule.kind) {
    case 'aave-v3-close-factor':
    case 'morpho-blue':
    case 'comet-absorb':
    case 'target-health-factor':
      break
    default:
      return unknownLiquidationRule(rule)
  }
  const legContribs = input.contributions.filter((c) => c.source !== 'financing' && c.source !== 'margin')
  const n = p.legs.length
  const usd = new Float64Array(n)
  const axis = new Uint8Array(n)
  // 0: neither side counted, 1: counted collateral (with its threshold), 2: debt.
  const role = new Uint8Array(n)
  const threshold = new Float64Array(n)
  for (const [i, leg] of p.legs.entries()) {
    usd[i] = leg.usd
    const c = legContribs[i]
    axis[i] = c ? axisOf(c.riskAsset) : 0
    if (
      leg.side === 'collateral' &&
      leg.countsAsCollateral !== false &&
      (leg.liquidationThresholdBps ?? 0) > 0
    ) {
      role[i] = 1
      threshold[i] = leg.liquidationThresholdBps as number
    } else if (leg.side === 'debt') role[i] = 2
  }
  const wholeBps = averagesThresholdInWholeBps(rule)
  return (mx, my) => {
    let weighted = 0
    let counted = 0
    let debt = 0
    for (let i = 0; i < n; i++) {
      const r = role[i]
      if (r === 0) continue
      const a = axis[i] as number
      const v = (usd[i] as number) * (a === 1 ? 1 + mx : a === 2 ? 1 + my : 1)
      if (r === 1) {
        weighted += (v * (threshold[i] as number)) / 10_000
        counted += v
      } else debt += v
    }
    if (wholeBps && counted > 0) {
      const avgBps = Math.floor((weighted * 10_000) / counted + 1e-9)
      weighted = (counted * avgBps) / 10_000
    }
    return debt > 0 ? weighted / debt : null
  }
}

/** The sign of HF - 1: true when liquidatable (HF < 1), false when safe or without debt. */
function below(hf: number | null): boolean {
  return hf !== null && hf < 1
}

/**
 * The moves t in [lo, hi] where `below(f(t))` changes, by a scan of `n` points then bisection.
 * Each crossing is the boundary move to {@link BISECTION_STEPS} halvings (the last safe side's
 * and the first liquidated side's moves agree to float64).
 */
export function crossings(f: (t: number) => number | null, lo: number, hi: number, n: number): number[] {
  const out: number[] = []
  let t0 = lo
  let b0 = below(f(lo))
  for (let k = 1; k < n; k++) {
    const t1 = lo + ((hi - lo) * k) / (n - 1)
    const b1 = below(f(t1))
    if (b1 !== b0) {
      let a = t0
      let b = t1
      for (let i = 0; i < BISECTION_STEPS && b - a > 0; i++) {
        const m = (a + b) / 2
        if (m <= a || m >= b) break
        if (below(f(m)) === b0) a = m
        else b = m
      }
      out.push((a + b) / 2)
    }
    t0 = t1
    b0 = b1
  }
  return out
}

/** The surface of `inputs` (every position of a wallet) over x and y. @throws RangeError */
export function liquidationSurface(
  inputs: readonly StressInput[],
  params: SurfaceParams,
): LiquidationSurface {
  validateSurfaceParams(params)
  const { x, y, range, points } = params
  const moves = surfaceMoves(range, points)
  const minHealthFactor: (number | null)[][] = moves.map(() => moves.map(() => null))
  const positionsLiquidated: number[][] = moves.map(() => moves.map(() => 0))
  const positions: SurfacePosition[] = inputs.map((input) => {
    const p = input.position
    const hfAt = healthFactorEvaluator(input, x, y)
    const hfs: (number | null)[][] = moves.map((my) => moves.map((mx) => hfAt(mx, my)))
    for (const [r, row] of hfs.entries()) {
      for (const [c, hf] of row.entries()) {
        if (hf === null) continue
        const cur = minHealthFactor[r]![c]!
        if (cur === null || hf < cur) minHealthFactor[r]![c] = hf
        if (hf < 1) positionsLiquidated[r]![c]! += 1
      }
    }
    const involves = (asset: string) => input.contributions.some((c) => c.riskAsset === asset)
    const dependsOn = { x: involves(x), y: involves(y) }
    const boundary: SurfacePoint[] = []
    if (p.healthFactor !== null || hfs.some((row) => row.some((h) => h !== null))) {
      if (dependsOn.y)
        for (const mx of moves)
          for (const my of crossings((t) => hfAt(mx, t), -range, range, points))
            boundary.push({ x: mx, y: my, along: 'column' })
      if (dependsOn.x)
        for (const my of moves)
          for (const mx of crossings((t) => hfAt(t, my), -range, range, points))
            boundary.push({ x: mx, y: my, along: 'row' })
    }
    const cut = (axis: 'x' | 'y') =>
      dependsOn[axis]
        ? crossings((t) => (axis === 'x' ? hfAt(t, 0) : hfAt(0, t)), CUT_LOW, CUT_HIGH, CUT_SCAN_POINTS)
        : []
    return {
      id: input.id,
      protocol: p.protocol,
      market: p.market,
      chain: p.chain,
      kind: p.kind,
      rule: p.liquidationRule.kind,
      healthFactor: p.healthFactor,
      dependsOn,
      xCuts: cut('x'),
      yCuts: cut('y'),
      boundary,
      healthFactors: hfs,
    }
  })
  return { x: { asset: x, moves }, y: { asset: y, moves }, minHealthFactor, positionsLiquidated, positions }
}
