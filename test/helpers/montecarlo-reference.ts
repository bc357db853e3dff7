/**
 * REFERENCE IMPLEMENTATION, kept for tests only: the Monte Carlo engine as it was before the
 * trigger-box checks and fused kernels of src/risk/montecarlo.ts (every rule of every position
 * checked at every step). test/unit/risk/montecarlo-equivalence.test.ts checks that the engine
 * gives the same numbers, bit for bit, as this one. Not used by the product.
 *
 * Seeded, reproducible Monte Carlo of a wallet's liquidation risk. Pure float64 typed-array code.
 *
 * Model. Each risk asset `a` has a price multiplier `m_a(t) = price_a(t) / price_a(0)` (USD, the
 * numeraire, has m = 1). Over `steps` equal steps of `dt = horizonDays / 365 / steps` years:
 *
 *   log m += (mu - sigma^2/2 - lambda*kappa) dt + sigma sqrt(dt) Z + sum_{k=1..N} J_k
 *
 * with Z the asset's component of a correlated standard normal vector (Z = L e, L the lower
 * Cholesky factor of the correlation matrix, e independent N(0, 1)), N ~ Poisson(lambda dt) the
 * number of Merton jumps in the step and J_k ~ N(meanLog, volLog^2) their log sizes. The jump
 * compensator kappa = exp(meanLog + volLog^2/2) - 1 makes E[m(t)] = exp(mu t) with or without
 * jumps, so `drift` keeps its meaning; the diffusion part is exact (no discretisation error in
 * the terminal distribution). Jumps are independent across assets; an asset may expect at most
 * 30 jumps per step (intensity * dt <= 30, else RangeError: use more steps).
 *
 * Liquidation. A position's liquidation rule and equity are linear in the multipliers
 * (see {@link McPosition}). The barrier is monitored DISCRETELY: at t = 0 and after every step.
 * A continuously monitored barrier is hit more often than a discretely monitored one (paths can
 * cross and come back within a step); the bias is O(sqrt(dt)) and Broadie, Glasserman and Kou
 * (1997) correct for it by moving the barrier away by exp(0.5826 sigma sqrt(dt)). Use more steps
 * for a finer monitoring grid. A liquidated position is closed at that step: its equity is frozen
 * at that step's value minus its liquidation penalty, floored at 0 (limited liability: a borrower
 * walks away from bad debt).
 *
 * Reproducibility. The same input and seed give the same result, bit for bit, on every run:
 * one {@link Rng} stream, consumed in a fixed order (paths in blocks of {@link MC_BLOCK_PATHS};
 * per block and step: the normals of asset 0, 1, ... for the block's paths, then the jump draws).
 */

import { Rng, type Seed } from '../../src/risk/random.js'

/** Merton jump parameters of one asset. */
export interface McJump {
  /** Expected number of jumps per year (lambda, >= 0). */
  intensity: number
  /** Mean of the log jump size (e.g. -0.1 for a typical 9.5% drop). */
  meanLog: number
  /** Standard deviation of the log jump size (>= 0). */
  volLog: number
}

/** One simulated risk asset. */
export interface McAsset {
  /** Risk-asset name (e.g. "ETH"); positions refer to it in their coefficient maps. Unique. */
  name: string
  /** Current price, USD (> 0). Informational: the model works in multipliers m = price(t)/price. */
  price: number
  /** Annualised volatility of log returns (0.65 = 65% a year, >= 0). */
  volatility: number
  /** Annualised drift mu (continuously compounded; E[m(t)] = exp(mu t)). Default 0. */
  drift?: number
  /** Optional Merton jumps (compensated: they do not change E[m(t)]). */
  jump?: McJump
}

/**
 * A position as linear functions of the asset multipliers `m_a = price_a(t) / price_a(0)`.
 * Coefficient maps are keyed by asset name; the key "USD" (when no asset is named USD) means the
 * numeraire with m = 1 and is folded into the constant.
 */
export interface McPosition {
  /** Unique id (e.g. "aave-v3:ethereum:main"). */
  id: string
  /**
   * Liquidated at a step when `sum_a liqCoeffs[a] * m_a + liqConst < 0`, USD. Lending:
   * +collateralUsd * liquidationThreshold per collateral asset, -debtUsd per debt asset. Perp
   * long of `size` at entry `p0`: +size*p0*(1-mmr) on the asset, constant margin - size*p0.
   */
  liqCoeffs: Record<string, number>
  /** Constant term of the liquidation rule, USD. */
  liqConst: number
  /** Equity value = `sum_a equityCoeffs[a] * m_a + equityConst`, USD (net USD per asset). */
  equityCoeffs: Record<string, number>
  /** Constant term of the equity, USD. */
  equityConst: number
  /** USD lost to the liquidation penalty when liquidated (e.g. (bonus - 1) * debt), >= 0. */
  liquidationPenaltyUsd: number
}

/** Input of {@link runMonteCarlo}. */
export interface McInput {
  /** The simulated assets (at least one). */
  assets: McAsset[]
  /** Correlation matrix of the assets' diffusions, in `assets` order: symmetric, unit diagonal, positive definite. */
  correlation: number[][]
  /** The wallet's positions (may be empty). */
  positions: McPosition[]
  /** Horizon, days (> 0; a year is 365 days). */
  horizonDays: number
  /** Time steps over the horizon (integer, 1 .. 1,000,000); also the barrier monitoring grid. */
  steps: number
  /** Simulated paths (integer, 1 .. 10,000,000). */
  paths: number
  /** Seed of the random stream: same seed, same result. */
  seed: Seed
}

/** Liquidation estimate of one position. */
export interface McPositionResult {
  /** The position's id, as in the input. */
  id: string
  /** Fraction of paths on which the position is liquidated within the horizon, in [0, 1]. */
  liquidationProbability: number
  /** Binomial standard error of that fraction: sqrt(p (1 - p) / paths). */
  standardError: number
}

/** Distribution of the wallet's equity at the horizon, USD (float). */
export interface McEquityStats {
  /** Equity now (all m = 1), USD. */
  initial: number
  /** Mean terminal equity, USD. */
  mean: number
  /** 1% quantile of terminal equity, USD (linear interpolation between order statistics, as all quantiles here). */
  p01: number
  /** 5% quantile of terminal equity, USD. */
  p05: number
  /** Median terminal equity, USD. */
  p50: number
  /** 95% quantile of terminal equity, USD. */
  p95: number
  /** 99% quantile of terminal equity, USD. */
  p99: number
  /** Value at risk at 95%: initial - p05, USD (a loss is positive; negative if even the 5% quantile is a gain). */
  var95: number
  /** Value at risk at 99%: initial - p01, USD. */
  var99: number
  /** Expected shortfall at 95%: initial - mean of the worst 5% of terminal equities, USD (>= var95). */
  es95: number
  /** Expected shortfall at 99%: initial - mean of the worst 1% of terminal equities, USD (>= var99). */
  es99: number
}

/** Result of {@link runMonteCarlo}. */
export interface McResult {
  /** Simulated paths (as input). */
  paths: number
  /** Time steps per path (as input). */
  steps: number
  /** The seed used (as input). */
  seed: Seed
  /** Horizon, days (as input). */
  horizonDays: number
  /** Step length, years. */
  dtYears: number
  /** One entry per input position, in input order. */
  positions: McPositionResult[]
  /** Fraction of paths on which ANY position is liquidated, in [0, 1]. */
  walletLiquidationProbability: number
  /** Binomial standard error of walletLiquidationProbability. */
  walletStandardError: number
  equity: McEquityStats
  /** Histogram of terminal equity, USD: `counts[i]` paths in [edges[i], edges[i+1]) (last bin closed). */
  histogram: { edges: number[]; counts: number[] }
  /** paths * steps. */
  pathSteps: number
}

/** Paths simulated together (state arrays stay in cache); part of the stream layout. */
export const MC_BLOCK_PATHS = 512

/** Number of bins of {@link McResult.histogram}. */
export const MC_HISTOGRAM_BINS = 50

const MAX_PATHS = 10_000_000
const MAX_STEPS = 1_000_000
/** Largest expected jump count per step (Poisson inversion from P(0) = exp(-lambda dt) stays accurate). */
const MAX_JUMPS_PER_STEP = 30

/**
 * Lower Cholesky factor L (row-major, n*n, L L^T = C) of a correlation matrix, after checking it is
 * square, finite, symmetric (to 1e-12), with unit diagonal (to 1e-12), entries in [-1, 1], and
 * positive definite.
 * @throws RangeError naming the first violated condition.
 */
export function choleskyCorrelation(correlation: number[][], n: number): Float64Array {
  if (!Array.isArray(correlation) || correlation.length !== n)
    throw new RangeError(`correlation must be a ${n}x${n} matrix (one row per asset)`)
  for (let i = 0; i < n; i++) {
    const row = correlation[i]
    if (!Array.isArray(row) || row.length !== n)
      throw new RangeError(`correlation row ${i} must have ${n} entries`)
    for (let j = 0; j < n; j++) {
      const c = row[j]!
      if (typeof c !== 'number' || !Number.isFinite(c) || c < -1 || c > 1)
        throw new RangeError(`correlation[${i}][${j}] must be a finite number in [-1, 1], got ${c}`)
    }
  }
  for (let i = 0; i < n; i++) {
    if (Math.abs(correlation[i]![i]! - 1) > 1e-12)
      throw new RangeError(`correlation[${i}][${i}] must be 1, got ${correlation[i]![i]}`)
    for (let j = 0; j < i; j++)
      if (Math.abs(correlation[i]![j]! - correlation[j]![i]!) > 1e-12)
        throw new RangeError(`correlation must be symmetric: [${i}][${j}] != [${j}][${i}]`)
  }
  const L = new Float64Array(n * n)
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let s = correlation[i]![j]!
      for (let k = 0; k < j; k++) s -= L[i * n + k]! * L[j * n + k]!
      if (i === j) {
        if (!(s > 1e-12)) throw new RangeError('correlation matrix must be positive definite')
        L[i * n + i] = Math.sqrt(s)
      } else L[i * n + j] = s / L[j * n + j]!
    }
  }
  return L
}

/** The dynamics of one asset as {@link gbmTerminalLogReturns} needs them. */
export type McAssetDynamics = Pick<McAsset, 'volatility' | 'drift' | 'jump'>

/** Parameters of {@link gbmTerminalLogReturns}. */
export interface GbmParams {
  /** One entry per asset. */
  assets: McAssetDynamics[]
  /** Correlation matrix (as in {@link McInput}); default the identity. */
  correlation?: number[][]
  /** Horizon, days (> 0). */
  horizonDays: number
}

function checkDynamics(a: McAssetDynamics, label: string): void {
  if (!a || typeof a !== 'object') throw new RangeError(`${label} must be an object`)
  if (typeof a.volatility !== 'number' || !Number.isFinite(a.volatility) || a.volatility < 0)
    throw new RangeError(`${label}.volatility must be a finite number >= 0, got ${a.volatility}`)
  if (a.drift !== undefined && (typeof a.drift !== 'number' || !Number.isFinite(a.drift)))
    throw new RangeError(`${label}.drift must be a finite number, got ${a.drift}`)
  if (a.jump !== undefined) {
    const j = a.jump
    if (!j || typeof j !== 'object') throw new RangeError(`${label}.jump must be an object`)
    if (typeof j.intensity !== 'number' || !Number.isFinite(j.intensity) || j.intensity < 0)
      throw new RangeError(`${label}.jump.intensity must be a finite number >= 0, got ${j.intensity}`)
    if (typeof j.meanLog !== 'number' || !Number.isFinite(j.meanLog) || Math.abs(j.meanLog) > 50)
      throw new RangeError(`${label}.jump.meanLog must be a finite number in [-50, 50], got ${j.meanLog}`)
    if (typeof j.volLog !== 'number' || !Number.isFinite(j.volLog) || j.volLog < 0 || j.volLog > 10)
      throw new RangeError(`${label}.jump.volLog must be a finite number in [0, 10], got ${j.volLog}`)
  }
}

function checkGrid(horizonDays: number, steps: number, paths: number, seed: Seed): void {
  if (typeof horizonDays !== 'number' || !Number.isFinite(horizonDays) || horizonDays <= 0)
    throw new RangeError(`horizonDays must be a finite number > 0, got ${horizonDays}`)
  if (!Number.isInteger(steps) || steps < 1 || steps > MAX_STEPS)
    throw new RangeError(`steps must be an integer in [1, ${MAX_STEPS}], got ${steps}`)
  if (!Number.isInteger(paths) || paths < 1 || paths > MAX_PATHS)
    throw new RangeError(`paths must be an integer in [1, ${MAX_PATHS}], got ${paths}`)
  if (typeof seed === 'number' ? !Number.isFinite(seed) : typeof seed !== 'string')
    throw new RangeError('seed must be a finite number or a string')
}

/**
 * Advances the log multipliers of a block of paths by one step. Holds the per-step constants and
 * scratch buffers; allocation-free per step.
 */
class Stepper {
  private readonly n: number
  private readonly block: number
  /** Deterministic log increment per step and asset (drift, Ito and jump compensation). */
  private readonly mean: Float64Array
  /** sigma_i sqrt(dt) L[i][j], row-major. */
  private readonly load: Float64Array
  private readonly z: Float64Array
  private readonly jumpAssets: number[]
  private readonly lamDt: Float64Array
  private readonly p0: Float64Array
  private readonly jMean: Float64Array
  private readonly jVol: Float64Array

  constructor(
    assets: McAssetDynamics[],
    chol: Float64Array,
    dt: number,
    block: number,
    private readonly rng: Rng,
  ) {
    const n = assets.length
    this.n = n
    this.block = block
    this.mean = new Float64Array(n)
    this.load = new Float64Array(n * n)
    this.z = new Float64Array(n * block)
    this.lamDt = new Float64Array(n)
    this.p0 = new Float64Array(n)
    this.jMean = new Float64Array(n)
    this.jVol = new Float64Array(n)
    this.jumpAssets = []
    const sq = Math.sqrt(dt)
    for (let i = 0; i < n; i++) {
      const a = assets[i]!
      const s = a.volatility
      let m = ((a.drift ?? 0) - 0.5 * s * s) * dt
      const j = a.jump
      if (j && j.intensity > 0) {
        if (j.intensity * dt > MAX_JUMPS_PER_STEP)
          throw new RangeError(
            `assets[${i}].jump: intensity * dt = ${j.intensity * dt} expected jumps per step; at most ${MAX_JUMPS_PER_STEP} (use more steps)`,
          )
        m -= j.intensity * (Math.exp(j.meanLog + 0.5 * j.volLog * j.volLog) - 1) * dt
        this.jumpAssets.push(i)
        this.lamDt[i] = j.intensity * dt
        this.p0[i] = Math.exp(-j.intensity * dt)
        this.jMean[i] = j.meanLog
        this.jVol[i] = j.volLog
      }
      this.mean[i] = m
      for (let k = 0; k <= i; k++) this.load[i * n + k] = s * sq * chol[i * n + k]!
    }
  }

  /** logM[i * block + p] += one step's log increment, for paths p < count. */
  step(logM: Float64Array, count: number): void {
    const { n, block: B, z, load, mean, rng } = this
    if (n === 1) {
      rng.fillNormal(z, 0, count)
      const a = mean[0]!
      const b = load[0]!
      for (let p = 0; p < count; p++) logM[p] = logM[p]! + a + b * z[p]!
    } else {
      for (let i = 0; i < n; i++) rng.fillNormal(z, i * B, i * B + count)
      for (let i = 0; i < n; i++) {
        const base = i * B
        const a = mean[i]!
        const c0 = load[i * n]!
        for (let p = 0; p < count; p++) logM[base + p] = logM[base + p]! + a + c0 * z[p]!
        for (let j = 1; j <= i; j++) {
          const c = load[i * n + j]!
          if (c === 0) continue
          const zb = j * B
          for (let p = 0; p < count; p++) logM[base + p] = logM[base + p]! + c * z[zb + p]!
        }
      }
    }
    const jumpAssets = this.jumpAssets
    for (let ji = 0; ji < jumpAssets.length; ji++) {
      const i = jumpAssets[ji]!
      const base = i * B
      const p0 = this.p0[i]!
      const lamDt = this.lamDt[i]!
      const mu = this.jMean[i]!
      const sd = this.jVol[i]!
      for (let p = 0; p < count; p++) {
        const u = rng.nextFloat()
        if (u < p0) continue
        // Poisson(lamDt) by inversion: the smallest k with CDF(k) > u.
        let k = 1
        let prob = p0 * lamDt
        let cdf = p0 + prob
        while (u >= cdf && prob > 0) {
          k++
          prob *= lamDt / k
          cdf += prob
        }
        logM[base + p] = logM[base + p]! + k * mu + sd * Math.sqrt(k) * rng.normal()
      }
    }
  }
}

/**
 * Raw simulation kernel: terminal log multipliers `log(price(T)/price(0))` of correlated
 * GBM-with-jumps assets (the dynamics of {@link runMonteCarlo}, same stream layout, no positions).
 * Used by the benchmark and by the statistical tests.
 * @param params asset dynamics, correlation (default identity) and horizon (days).
 * @param paths number of paths (integer, 1 .. 10,000,000).
 * @param steps time steps (integer, 1 .. 1,000,000).
 * @param seed the random stream's seed.
 * @returns one Float64Array of `paths` terminal log returns per asset (natural log, unitless).
 * @throws RangeError on invalid input.
 */
export function gbmTerminalLogReturns(
  params: GbmParams,
  paths: number,
  steps: number,
  seed: Seed,
): Float64Array[] {
  if (!params || !Array.isArray(params.assets) || params.assets.length === 0)
    throw new RangeError('params.assets must be a non-empty array')
  const n = params.assets.length
  params.assets.forEach((a, i) => {
    checkDynamics(a, `assets[${i}]`)
  })
  checkGrid(params.horizonDays, steps, paths, seed)
  const corr =
    params.correlation ??
    Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => (i === j ? 1 : 0)))
  const chol = choleskyCorrelation(corr, n)
  const dt = params.horizonDays / 365 / steps
  const B = MC_BLOCK_PATHS
  const stepper = new Stepper(params.assets, chol, dt, B, new Rng(seed))
  const logM = new Float64Array(n * B)
  const out = Array.from({ length: n }, () => new Float64Array(paths))
  for (let start = 0; start < paths; start += B) {
    const count = Math.min(B, paths - start)
    logM.fill(0)
    for (let s = 0; s < steps; s++) stepper.step(logM, count)
    for (let i = 0; i < n; i++) out[i]!.set(logM.subarray(i * B, i * B + count), start)
  }
  return out
}

/** A position compiled to dense coefficient lists. */
interface CompiledPosition {
  liqIdx: Int32Array
  liqCoef: Float64Array
  liqConst: number
  eqIdx: Int32Array
  eqCoef: Float64Array
  eqConst: number
  penalty: number
  /** False when the rule can never turn negative (all coefficients and the constant >= 0). */
  canLiquidate: boolean
  /**
   * For a rule on one asset, that asset's index (the rule is then a threshold on log m, tested
   * without exp); -1 for a rule on several assets.
   */
  logAsset: number
  /** log of the multiplier threshold of a one-asset rule. */
  logThreshold: number
  /** One-asset rule: liquidated when log m is above (short-like) rather than below the threshold. */
  above: boolean
  /**
   * Several assets, all coefficients > 0: screened without exp, with the lower bound
   * exp(x) >= 1 + x + x^2/2 + x^3/6 (true for every real x); exp only where the bound says maybe.
   */
  screened: boolean
  /** Slack added to the screen against rounding (USD). */
  screenSlack: number
}

function compileLinear(
  coeffs: Record<string, number>,
  constant: number,
  index: Map<string, number>,
  label: string,
): { idx: Int32Array; coef: Float64Array; constant: number } {
  if (!coeffs || typeof coeffs !== 'object') throw new RangeError(`${label} must be an object`)
  if (typeof constant !== 'number' || !Number.isFinite(constant))
    throw new RangeError(`${label} constant must be a finite number, got ${constant}`)
  const dense = new Map<number, number>()
  let c = constant
  for (const [name, v] of Object.entries(coeffs)) {
    if (typeof v !== 'number' || !Number.isFinite(v))
      throw new RangeError(`${label}.${name} must be a finite number, got ${v}`)
    const i = index.get(name)
    if (i === undefined) {
      if (name.toUpperCase() === 'USD') c += v
      else throw new RangeError(`${label} refers to unknown asset "${name}"`)
    } else if (v !== 0) dense.set(i, (dense.get(i) ?? 0) + v)
  }
  const idx = Int32Array.from(dense.keys())
  const coef = Float64Array.from(dense.values())
  return { idx, coef, constant: c }
}

function quantileSorted(sorted: Float64Array, p: number): number {
  const pos = p * (sorted.length - 1)
  const lo = Math.floor(pos)
  const hi = Math.min(lo + 1, sorted.length - 1)
  return sorted[lo]! + (pos - lo) * (sorted[hi]! - sorted[lo]!)
}

/** Mean of the order statistics at or below the p-quantile's position (so it is <= that quantile). */
function tailMeanSorted(sorted: Float64Array, p: number): number {
  const k = Math.floor(p * (sorted.length - 1)) + 1
  let s = 0
  for (let i = 0; i < k; i++) s += sorted[i]!
  return s / k
}

/**
 * Monte Carlo of a wallet's liquidation risk and terminal equity over a horizon (see the module
 * comment for the model, the discrete barrier monitoring and the stream layout).
 * @returns per-position and wallet liquidation probabilities with standard errors, terminal-equity
 *   statistics (USD) and a histogram. Deterministic for a given input and seed.
 * @throws RangeError on invalid input (names the field).
 */
export function runMonteCarlo(input: McInput): McResult {
  if (!input || typeof input !== 'object') throw new RangeError('input must be an object')
  const { assets, positions, horizonDays, steps, paths, seed } = input
  if (!Array.isArray(assets) || assets.length === 0) throw new RangeError('assets must be a non-empty array')
  if (!Array.isArray(positions)) throw new RangeError('positions must be an array')
  checkGrid(horizonDays, steps, paths, seed)
  const n = assets.length
  const index = new Map<string, number>()
  assets.forEach((a, i) => {
    checkDynamics(a, `assets[${i}]`)
    if (typeof a.name !== 'string' || a.name === '')
      throw new RangeError(`assets[${i}].name must be a non-empty string`)
    if (index.has(a.name)) throw new RangeError(`duplicate asset name "${a.name}"`)
    if (typeof a.price !== 'number' || !Number.isFinite(a.price) || a.price <= 0)
      throw new RangeError(`assets[${i}].price must be a finite number > 0, got ${a.price}`)
    index.set(a.name, i)
  })
  const chol = choleskyCorrelation(input.correlation, n)
  const ids = new Set<string>()
  const compiled: CompiledPosition[] = positions.map((pos, k) => {
    if (!pos || typeof pos !== 'object') throw new RangeError(`positions[${k}] must be an object`)
    if (typeof pos.id !== 'string' || pos.id === '')
      throw new RangeError(`positions[${k}].id must be a non-empty string`)
    if (ids.has(pos.id)) throw new RangeError(`duplicate position id "${pos.id}"`)
    ids.add(pos.id)
    const pen = pos.liquidationPenaltyUsd
    if (typeof pen !== 'number' || !Number.isFinite(pen) || pen < 0)
      throw new RangeError(`positions[${k}].liquidationPenaltyUsd must be a finite number >= 0, got ${pen}`)
    const liq = compileLinear(pos.liqCoeffs, pos.liqConst, index, `positions[${k}].liqCoeffs`)
    const eq = compileLinear(pos.equityCoeffs, pos.equityConst, index, `positions[${k}].equityCoeffs`)
    const canLiquidate = liq.constant < 0 || liq.coef.some((c) => c < 0)
    // c m + k < 0 with c > 0 (k < 0 when it can liquidate): m < -k/c; with c < 0: m > -k/c.
    const single = canLiquidate && liq.idx.length === 1 && -liq.constant / liq.coef[0]! > 0
    return {
      liqIdx: liq.idx,
      liqCoef: liq.coef,
      liqConst: liq.constant,
      eqIdx: eq.idx,
      eqCoef: eq.coef,
      eqConst: eq.constant,
      penalty: pen,
      canLiquidate,
      logAsset: single ? liq.idx[0]! : -1,
      logThreshold: single ? Math.log(-liq.constant / liq.coef[0]!) : 0,
      above: single && liq.coef[0]! < 0,
      screened: canLiquidate && !single && liq.coef.every((c) => c > 0),
      screenSlack: 1e-9 * (Math.abs(liq.constant) + liq.coef.reduce((a, c) => a + Math.abs(c), 0)),
    }
  })

  const np = compiled.length
  const dt = horizonDays / 365 / steps
  const B = MC_BLOCK_PATHS
  const stepper = new Stepper(assets, chol, dt, B, new Rng(seed))
  const logM = new Float64Array(n * B)
  const m = new Float64Array(n * B)
  const tmp = new Float64Array(B)
  const alive = new Uint8Array(np * B)
  const frozen = new Float64Array(np * B)
  const aliveCount = new Int32Array(np)
  const liqPaths = new Float64Array(np)
  const terminal = new Float64Array(paths)
  let walletLiqPaths = 0

  const valueAtOne = (idx: Int32Array, coef: Float64Array, c: number) => {
    let v = c
    for (let q = 0; q < idx.length; q++) v += coef[q]!
    return v
  }
  let initial = 0
  for (const c of compiled) initial += valueAtOne(c.eqIdx, c.eqCoef, c.eqConst)
  const deadAtStart = compiled.map((c) => valueAtOne(c.liqIdx, c.liqCoef, c.liqConst) < 0)
  const anyMonitored = compiled.some((c, k) => c.canLiquidate && !deadAtStart[k])

  // Equity of a position on path p at the current log multipliers (exp only here: kills are rare).
  const equityAt = (c: CompiledPosition, p: number) => {
    let v = c.eqConst
    for (let q = 0; q < c.eqIdx.length; q++) v += c.eqCoef[q]! * Math.exp(logM[c.eqIdx[q]! * B + p]!)
    return v
  }
  const kill = (k: number, c: CompiledPosition, p: number) => {
    alive[k * B + p] = 0
    // Limited liability: a liquidated position never owes more than it held.
    frozen[k * B + p] = Math.max(0, equityAt(c, p) - c.penalty)
    aliveCount[k] = aliveCount[k]! - 1
  }
  const needExp = new Uint8Array(n)

  for (let start = 0; start < paths; start += B) {
    const count = Math.min(B, paths - start)
    logM.fill(0)
    for (let k = 0; k < np; k++) {
      const c = compiled[k]!
      const o = k * B
      if (deadAtStart[k]) {
        alive.fill(0, o, o + B)
        frozen.fill(Math.max(0, valueAtOne(c.eqIdx, c.eqCoef, c.eqConst) - c.penalty), o, o + B)
        aliveCount[k] = 0
      } else {
        alive.fill(1, o, o + B)
        aliveCount[k] = count
      }
    }
    for (let s = 1; s <= steps; s++) {
      stepper.step(logM, count)
      if (!anyMonitored) continue
      needExp.fill(0)
      for (let k = 0; k < np; k++) {
        const c = compiled[k]!
        if (c.canLiquidate && c.logAsset < 0 && !c.screened && aliveCount[k]! > 0)
          for (let q = 0; q < c.liqIdx.length; q++) needExp[c.liqIdx[q]!] = 1
      }
      for (let a = 0; a < n; a++) {
        if (needExp[a] === 0) continue
        for (let q = a * B; q < a * B + count; q++) m[q] = Math.exp(logM[q]!)
      }
      for (let k = 0; k < np; k++) {
        const c = compiled[k]!
        if (!c.canLiquidate || aliveCount[k] === 0) continue
        const o = k * B
        if (c.logAsset >= 0) {
          const base = c.logAsset * B
          const thr = c.logThreshold
          if (c.above) {
            for (let p = 0; p < count; p++) if (logM[base + p]! > thr && alive[o + p] === 1) kill(k, c, p)
          } else {
            for (let p = 0; p < count; p++) if (logM[base + p]! < thr && alive[o + p] === 1) kill(k, c, p)
          }
          continue
        }
        tmp.fill(c.liqConst, 0, count)
        if (c.screened) {
          for (let q = 0; q < c.liqIdx.length; q++) {
            const coef = c.liqCoef[q]!
            const mb = c.liqIdx[q]! * B
            for (let p = 0; p < count; p++) {
              const x = logM[mb + p]!
              tmp[p] = tmp[p]! + coef * (1 + x * (1 + x * (0.5 + x * (1 / 6))))
            }
          }
          const slack = c.screenSlack
          for (let p = 0; p < count; p++) {
            if (tmp[p]! < slack && alive[o + p] === 1) {
              let v = c.liqConst
              for (let q = 0; q < c.liqIdx.length; q++)
                v += c.liqCoef[q]! * Math.exp(logM[c.liqIdx[q]! * B + p]!)
              if (v < 0) kill(k, c, p)
            }
          }
          continue
        }
        for (let q = 0; q < c.liqIdx.length; q++) {
          const coef = c.liqCoef[q]!
          const mb = c.liqIdx[q]! * B
          for (let p = 0; p < count; p++) tmp[p] = tmp[p]! + coef * m[mb + p]!
        }
        for (let p = 0; p < count; p++) if (tmp[p]! < 0 && alive[o + p] === 1) kill(k, c, p)
      }
    }
    for (let p = 0; p < count; p++) {
      let eq = 0
      let anyLiq = false
      for (let k = 0; k < np; k++) {
        const c = compiled[k]!
        if (alive[k * B + p] === 1) eq += equityAt(c, p)
        else {
          eq += frozen[k * B + p]!
          liqPaths[k] = liqPaths[k]! + 1
          anyLiq = true
        }
      }
      terminal[start + p] = eq
      if (anyLiq) walletLiqPaths++
    }
  }

  const prob = (x: number) => {
    const p = x / paths
    return { p, se: Math.sqrt((p * (1 - p)) / paths) }
  }
  let sum = 0
  for (let p = 0; p < paths; p++) sum += terminal[p]!
  const sorted = terminal.slice().sort()
  const q = (x: number) => quantileSorted(sorted, x)
  const p01 = q(0.01)
  const p05 = q(0.05)
  const min = sorted[0]!
  const max = sorted[paths - 1]!
  const bins = max > min ? MC_HISTOGRAM_BINS : 1
  const width = (max - min) / bins
  const edges = Array.from({ length: bins + 1 }, (_, i) => (i === bins ? max : min + i * width))
  const counts = new Array<number>(bins).fill(0)
  for (let p = 0; p < paths; p++) {
    const b = width > 0 ? Math.min(bins - 1, Math.floor((sorted[p]! - min) / width)) : 0
    counts[b]!++
  }
  const wallet = prob(walletLiqPaths)
  return {
    paths,
    steps,
    seed,
    horizonDays,
    dtYears: dt,
    positions: compiled.map((_, k) => {
      const r = prob(liqPaths[k]!)
      return { id: positions[k]!.id, liquidationProbability: r.p, standardError: r.se }
    }),
    walletLiquidationProbability: wallet.p,
    walletStandardError: wallet.se,
    equity: {
      initial,
      mean: sum / paths,
      p01,
      p05,
      p50: q(0.5),
      p95: q(0.95),
      p99: q(0.99),
      var95: initial - p05,
      var99: initial - p01,
      es95: initial - tailMeanSorted(sorted, 0.05),
      es99: initial - tailMeanSorted(sorted, 0.01),
    },
    histogram: { edges, counts },
    pathSteps: paths * steps,
  }
}
