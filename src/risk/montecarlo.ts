/**
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
 * per block and step: the normals of asset 0, 1, ... for the block's paths, then the jump draws;
 * a block whose positions are all liquidated stops drawing, the next block goes on from there).
 *
 * Speed. The rules are not re-evaluated at every step: each path keeps, per watched asset, a box
 * [lo, hi] of log multipliers inside which none of its alive rules can have turned negative (a
 * one-asset rule's exact threshold; a conservative log move for a several-asset rule), so a step
 * costs one comparison pair per path and watched asset, and only the paths that leave their box
 * are evaluated exactly as the rules are written (the same liquidations, at the same steps, as
 * evaluating every rule at every step). The one-asset kernel fuses the draws with the update;
 * the correlation step adds only the non-zero entries of the Cholesky factor.
 */

import { checkMcOption, type McOption, optionValueAtSpot } from './mc-options.js'
import { NormalBuffer, Rng, type Seed } from './random.js'

export type { McOption, McSkew } from './mc-options.js'

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
  /**
   * European option legs on the simulated assets (optional): valued at each path's horizon
   * (Black-Scholes at the remaining time, smile rolled with the spot) or, expiring within the
   * horizon, settled at the first step at or after expiry; their values count in the wallet's
   * equity. They are in no position's liquidation rule.
   */
  options?: McOption[]
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
  /** One entry per input option, in input order (present when the input has options). */
  options?: McOptionResult[]
}

/** An option leg along the paths. */
export interface McOptionResult {
  /** The option's id, as in the input. */
  id: string
  /** Value of the whole leg now (Black-Scholes at the quoted vol), USD. */
  initialValue: number
  /** Mean over the paths of its value at the horizon (or its payoff, if it expired), USD. */
  meanValue: number
  /** True when it expires within the horizon (settled at its intrinsic value on the step grid). */
  expiresWithinHorizon: boolean
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
 * Appends to `flagged` (from `nFlagged`) the paths p < count whose log multiplier x[o + p] left
 * its box [lo[o + p], hi[o + p]] and are not yet flagged at step `s` (stamp[p] !== s).
 * @returns the new number of flagged paths.
 */
function flagOutOfBox(
  x: Float64Array,
  lo: Float64Array,
  hi: Float64Array,
  o: number,
  count: number,
  stamp: Int32Array,
  s: number,
  flagged: Int32Array,
  nFlagged: number,
): number {
  let nf = nFlagged
  for (let p = 0; p < count; p++) {
    const v = x[o + p]!
    if ((v < lo[o + p]! || v > hi[o + p]!) && stamp[p] !== s) {
      stamp[p] = s
      flagged[nf++] = p
    }
  }
  return nf
}

/**
 * Appends to `flagged` (from `nFlagged`) the paths p < count with x[i + p] - x[j + p] < edge[o + p]
 * (a ratio rule's screen) that are not yet flagged at step `s` (stamp[p] !== s).
 * @returns the new number of flagged paths.
 */
function flagBelowPair(
  x: Float64Array,
  i: number,
  j: number,
  edge: Float64Array,
  o: number,
  count: number,
  stamp: Int32Array,
  s: number,
  flagged: Int32Array,
  nFlagged: number,
): number {
  let nf = nFlagged
  for (let p = 0; p < count; p++) {
    if (x[i + p]! - x[j + p]! < edge[o + p]! && stamp[p] !== s) {
      stamp[p] = s
      flagged[nf++] = p
    }
  }
  return nf
}

/**
 * logM[i * B + p] += mean[i] + sum of row i's terms coef * z[zOffset + p], for assets i < n and
 * paths p < count. Row i's terms (rowStart[i] .. rowStart[i + 1] - 1) are its column-0 entry and
 * its non-zero entries (a sparse factor, e.g. of a one-factor correlation table, costs its
 * non-zeros only), added in column order, up to four per pass over the paths: the sums are those
 * of one pass per column, bit for bit (each pass stores an exact float64).
 */
function correlateStep(
  logM: Float64Array,
  z: Float64Array,
  B: number,
  count: number,
  n: number,
  mean: Float64Array,
  rowStart: Int32Array,
  rowCoef: Float64Array,
  rowZ: Int32Array,
): void {
  for (let i = 0; i < n; i++) {
    const o = i * B
    const a = mean[i]!
    const r1 = rowStart[i + 1]!
    let q = rowStart[i]!
    const c0 = rowCoef[q]!
    const left = r1 - q - 1
    if (left === 0) for (let p = 0; p < count; p++) logM[o + p] = logM[o + p]! + a + c0 * z[p]!
    else if (left === 1) {
      const c1 = rowCoef[q + 1]!
      const z1 = rowZ[q + 1]!
      for (let p = 0; p < count; p++) logM[o + p] = logM[o + p]! + a + c0 * z[p]! + c1 * z[z1 + p]!
    } else {
      const c1 = rowCoef[q + 1]!
      const z1 = rowZ[q + 1]!
      const c2 = rowCoef[q + 2]!
      const z2 = rowZ[q + 2]!
      for (let p = 0; p < count; p++)
        logM[o + p] = logM[o + p]! + a + c0 * z[p]! + c1 * z[z1 + p]! + c2 * z[z2 + p]!
      q += 3
      for (; q + 4 <= r1; q += 4) {
        const d0 = rowCoef[q]!
        const d1 = rowCoef[q + 1]!
        const d2 = rowCoef[q + 2]!
        const d3 = rowCoef[q + 3]!
        const y0 = rowZ[q]!
        const y1 = rowZ[q + 1]!
        const y2 = rowZ[q + 2]!
        const y3 = rowZ[q + 3]!
        for (let p = 0; p < count; p++)
          logM[o + p] = logM[o + p]! + d0 * z[y0 + p]! + d1 * z[y1 + p]! + d2 * z[y2 + p]! + d3 * z[y3 + p]!
      }
      for (; q < r1; q++) {
        const d = rowCoef[q]!
        const y = rowZ[q]!
        for (let p = 0; p < count; p++) logM[o + p] = logM[o + p]! + d * z[y + p]!
      }
    }
  }
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
  /** Where the normals go: the log multipliers (one asset) or z (several). */
  private readonly draws: NormalBuffer
  /** The block's log multipliers, logM[i * block + p] (asset i, path p). */
  readonly logM: Float64Array
  /** Sparse rows of `load`: row i's terms are rowStart[i] .. rowStart[i + 1] - 1. */
  private readonly rowStart: Int32Array
  /** A term's coefficient: column 0 always, then the non-zero columns 1 .. i in order. */
  private readonly rowCoef: Float64Array
  /** A term's offset into z (column j: j * block). */
  private readonly rowZ: Int32Array
  private readonly jumpAssets: number[]
  private readonly lamDt: Float64Array
  private readonly p0: Float64Array
  private readonly jMean: Float64Array
  private readonly jVol: Float64Array
  /** The correlated step runs in WebAssembly ({@link NormalBuffer.corrStep}). */
  private readonly wasmCorr: boolean
  /** Its buffer layout: x, starts, coefs, zcols, means (indices into the draws' values). */
  private readonly corrAt: Int32Array

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
    const starts: number[] = [0]
    const coefs: number[] = []
    const zs: number[] = []
    for (let i = 0; i < n; i++) {
      for (let j = 0; j <= i; j++) {
        const c = this.load[i * n + j]!
        if (j > 0 && c === 0) continue
        coefs.push(c)
        zs.push(j * block)
      }
      starts.push(coefs.length)
    }
    this.rowStart = Int32Array.from(starts)
    this.rowCoef = Float64Array.from(coefs)
    this.rowZ = Int32Array.from(zs)
    // Several assets: z, the log multipliers, the means, the terms' coefficients, then the rows'
    // int32 starts and columns, in one buffer (the kernel's memory when it runs WebAssembly).
    const T = coefs.length
    const xAt = n * block
    const meansAt = 2 * n * block
    const coefsAt = meansAt + n
    const intsAt = coefsAt + T
    const zcolsAt = intsAt + Math.ceil((n + 1) / 2)
    const size = n === 1 ? block : zcolsAt + Math.ceil(T / 2)
    this.draws = new NormalBuffer(size)
    const v = this.draws.values
    this.logM = n === 1 ? v : v.subarray(xAt, xAt + n * block)
    this.z = n === 1 ? new Float64Array(0) : v.subarray(0, n * block)
    this.wasmCorr = n > 1 && this.draws.native
    if (this.wasmCorr) {
      v.set(this.mean, meansAt)
      v.set(this.rowCoef, coefsAt)
      new Int32Array(v.buffer, v.byteOffset + 8 * intsAt, n + 1).set(this.rowStart)
      const zcols = new Int32Array(v.buffer, v.byteOffset + 8 * zcolsAt, T)
      for (let q = 0; q < T; q++) zcols[q] = 8 * this.rowZ[q]!
      this.corrAt = Int32Array.of(xAt, intsAt, coefsAt, zcolsAt, meansAt)
    } else this.corrAt = new Int32Array(0)
  }

  /** `steps` calls of {@link Stepper.step} (one asset without jumps: one call into the kernel). */
  steps(count: number, steps: number): void {
    if (this.n === 1 && this.jumpAssets.length === 0)
      this.draws.addSteps(this.rng, 0, count, steps, this.mean[0]!, this.load[0]!)
    else for (let s = 0; s < steps; s++) this.step(count)
  }

  /** {@link Stepper.logM}[i * block + p] += one step's log increment, for paths p < count. */
  step(count: number): void {
    const { n, block: B, z, rng, logM } = this
    if (n === 1) {
      // The draws fused with the update: no scratch array (same numbers as fillNormal + add).
      this.draws.add(rng, 0, count, this.mean[0]!, this.load[0]!)
    } else if (this.wasmCorr) {
      const at = this.corrAt
      this.draws.corrStep(rng, n, count, B, 0, at[0]!, at[1]!, at[2]!, at[3]!, at[4]!)
    } else {
      for (let i = 0; i < n; i++) this.draws.fill(rng, i * B, i * B + count)
      correlateStep(logM, z, B, count, n, this.mean, this.rowStart, this.rowCoef, this.rowZ)
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
  const logM = stepper.logM
  const out = Array.from({ length: n }, () => new Float64Array(paths))
  for (let start = 0; start < paths; start += B) {
    const count = Math.min(B, paths - start)
    logM.fill(0)
    stepper.steps(count, steps)
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
   * A ratio rule (two assets, coefficients of opposite signs, no constant: collateral in one asset
   * against debt in another): the asset of its positive coefficient, else -1. Such a rule is
   * non-negative exactly when log m_pairPos - log m_pairNeg >= pairThreshold.
   */
  pairPos: number
  /** The asset of a ratio rule's negative coefficient (-1 for other rules). */
  pairNeg: number
  /** ln(-c_neg / c_pos) for a ratio rule. */
  pairThreshold: number
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
  const options = input.options ?? []
  if (!Array.isArray(options)) throw new RangeError('options must be an array')
  const optionIds = new Set<string>()
  const optAsset = options.map((o, i) => {
    checkMcOption(o, `options[${i}]`)
    if (optionIds.has(o.id)) throw new RangeError(`duplicate option id "${o.id}"`)
    optionIds.add(o.id)
    const a = index.get(o.underlying)
    if (a === undefined)
      throw new RangeError(`options[${i}].underlying refers to unknown asset "${o.underlying}"`)
    return a
  })
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
    const ratio =
      canLiquidate && liq.idx.length === 2 && liq.constant === 0 && liq.coef[0]! * liq.coef[1]! < 0
    const posQ = ratio ? (liq.coef[0]! > 0 ? 0 : 1) : 0
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
      pairPos: ratio ? liq.idx[posQ]! : -1,
      pairNeg: ratio ? liq.idx[1 - posQ]! : -1,
      pairThreshold: ratio ? Math.log(-liq.coef[1 - posQ]! / liq.coef[posQ]!) : 0,
    }
  })

  const np = compiled.length
  const dt = horizonDays / 365 / steps
  const B = MC_BLOCK_PATHS
  const stepper = new Stepper(assets, chol, dt, B, new Rng(seed))
  const logM = stepper.logM
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
  // Options: the step where one expiring within the horizon settles (0: valued at the horizon).
  const horizonYears = horizonDays / 365
  const optStep = Int32Array.from(options, (o) =>
    o.expiryYears <= horizonYears ? Math.min(steps, Math.max(1, Math.ceil(o.expiryYears / dt - 1e-9))) : 0,
  )
  const optVal = new Float64Array(options.length * B)
  const optSum = new Float64Array(options.length)
  const optInitial = options.map((o, i) => {
    const s0 = assets[optAsset[i]!]!.price
    return optionValueAtSpot(o, s0, s0, o.expiryYears)
  })
  for (const v of optInitial) initial += v
  const deadAtStart = compiled.map((c) => valueAtOne(c.liqIdx, c.liqCoef, c.liqConst) < 0)
  // The positions whose rule is monitored (can turn negative, alive at t = 0) and their assets.
  const monitored = Int32Array.from(
    compiled.flatMap((c, k) => (c.canLiquidate && !deadAtStart[k] ? [k] : [])),
  )
  const watchedSet = new Set<number>()
  for (const k of monitored)
    if (compiled[k]!.pairPos < 0) for (const i of compiled[k]!.liqIdx) watchedSet.add(i)
  const watched = Int32Array.from([...watchedSet].sort((x, y) => x - y))

  // Triggers. Per asset a and path p, the rules of the alive positions on p cannot have turned
  // negative while lo[a, p] <= log m_a <= hi[a, p] for every asset: one-asset rules put their
  // exact threshold there (the rule is that comparison); a several-asset rule, evaluated at a
  // state X0 where it is positive, puts X0_a - h on its positive-coefficient assets and X0_a + h
  // on its negative ones, with h > 0 the log move such that
  //   V+(X0) e^-h - V-(X0) e^h + K = 1e-9 (V+ + V- + |K|)
  // (V+ / V- the positive / negative parts of the rule at X0, K its constant), which bounds the
  // rule from below at every state inside the box (each positive term falls at most by e^-h, each
  // negative one grows at most by e^h); the 1e-9 margin covers rounding. A step checks each
  // watched asset against its triggers (one comparison pair per path) and re-evaluates, exactly
  // as the rules are written, only the paths that left their box; that sets the box anew.
  const lo = new Float64Array(n * B)
  const hi = new Float64Array(n * B)
  const mT = new Float64Array(n * B)
  const eqAcc = new Float64Array(B)
  const liqAny = new Uint8Array(B)
  /** Alive (monitored position, path) pairs per asset of their rule: an asset at 0 is not checked. */
  const watchCount = new Int32Array(n)
  const expCache = new Float64Array(n)
  const expStamp = new Int32Array(n)
  let settleStamp = 0
  const stepStamp = new Int32Array(B)
  const flagged = new Int32Array(B)
  let totalAlive = 0

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
    totalAlive--
    const g = groupOf[k]!
    if (g >= 0) pairCount[g] = pairCount[g]! - 1
    else for (let q = 0; q < c.liqIdx.length; q++) watchCount[c.liqIdx[q]!] = watchCount[c.liqIdx[q]!]! - 1
  }
  /** The rule's value on path p, USD, evaluated as it is written (its exps here). */
  const ruleValue = (c: CompiledPosition, p: number) => {
    let v = c.liqConst
    for (let q = 0; q < c.liqIdx.length; q++) v += c.liqCoef[q]! * Math.exp(logM[c.liqIdx[q]! * B + p]!)
    return v
  }
  // One-asset rules, per asset: those liquidated below their threshold sorted by threshold
  // descending, those liquidated above it ascending (one flat list, ranges per asset). On a path
  // the dead ones of each list are a prefix (a rule dies at the first step its threshold is
  // crossed, the highest one first), so a path keeps one pointer per list: its box edge is the
  // pointer's threshold, and leaving the box kills from the pointer on, one compare per kill.
  const oneK: number[] = []
  const belowStart = new Int32Array(n)
  const belowEnd = new Int32Array(n)
  const aboveStart = new Int32Array(n)
  const aboveEnd = new Int32Array(n)
  for (let i = 0; i < n; i++) {
    const on = (above: boolean) =>
      [...monitored]
        .filter((k) => compiled[k]!.logAsset === i && compiled[k]!.above === above)
        .sort((x, y) =>
          above
            ? compiled[x]!.logThreshold - compiled[y]!.logThreshold
            : compiled[y]!.logThreshold - compiled[x]!.logThreshold,
        )
    belowStart[i] = oneK.length
    oneK.push(...on(false))
    belowEnd[i] = oneK.length
    aboveStart[i] = oneK.length
    oneK.push(...on(true))
    aboveEnd[i] = oneK.length
  }
  const oneThr = Float64Array.from(oneK, (k) => compiled[k]!.logThreshold)
  const ptrBelow = new Int32Array(n * B)
  const ptrAbove = new Int32Array(n * B)
  // Several-asset rules: each keeps its own box edge per asset of its rule and path (own[p * E +
  // ownAt[u] + q]: a lower edge on a positive coefficient, an upper one on a negative one; path-
  // major, so a path's edges share cache lines); the path's box is the intersection, and leaving
  // it re-evaluates only the rules whose own box it left.
  const multi = Int32Array.from(
    [...monitored].filter((k) => compiled[k]!.logAsset < 0 && compiled[k]!.pairPos < 0),
  )
  const ownAt = new Int32Array(multi.length + 1)
  for (let u = 0; u < multi.length; u++) ownAt[u + 1] = ownAt[u]! + compiled[multi[u]!]!.liqIdx.length
  const E = ownAt[multi.length]!
  const own = new Float64Array(E * B)

  // Ratio rules, per (positive asset, negative asset) pair: sorted by threshold descending, each
  // screened on d = log m_pos - log m_neg against its threshold + 1e-9 (above it the rule is
  // positive beyond any rounding of its exps and sum), one pointer per pair and path as for the
  // one-asset lists; at or below that edge the rule is evaluated exactly as it is written.
  const groupOf = new Int32Array(np).fill(-1)
  const pairKeys = new Map<string, number>()
  const pairLists: number[][] = []
  for (const k of monitored) {
    const c = compiled[k]!
    if (c.pairPos < 0) continue
    const key = `${c.pairPos}:${c.pairNeg}`
    let g = pairKeys.get(key)
    if (g === undefined) {
      g = pairLists.length
      pairKeys.set(key, g)
      pairLists.push([])
    }
    groupOf[k] = g
    pairLists[g]!.push(k)
  }
  const G = pairLists.length
  const pairGI = Int32Array.from(pairLists, (l) => compiled[l[0]!]!.pairPos)
  const pairGJ = Int32Array.from(pairLists, (l) => compiled[l[0]!]!.pairNeg)
  const pairK = Int32Array.from(
    pairLists.flatMap((l) => l.sort((x, y) => compiled[y]!.pairThreshold - compiled[x]!.pairThreshold)),
  )
  const pairEdge = Float64Array.from(pairK, (k) => compiled[k]!.pairThreshold + 1e-9)
  const pairStart = new Int32Array(G)
  const pairEnd = new Int32Array(G)
  for (let g = 0, at = 0; g < G; g++) {
    pairStart[g] = at
    at += pairLists[g]!.length
    pairEnd[g] = at
  }
  const pairCount = new Int32Array(G)
  const ptrPair = new Int32Array(G * B)
  const pairLo = new Float64Array(G * B)

  /** Exact check of several-asset rule k on path p (when `check`) and its own box edges. */
  const settleMulti = (u: number, k: number, c: CompiledPosition, p: number, check: boolean) => {
    let v = c.liqConst
    let vPos = 0
    let vNeg = 0
    for (let q = 0; q < c.liqIdx.length; q++) {
      const i = c.liqIdx[q]!
      if (expStamp[i] !== settleStamp) {
        expStamp[i] = settleStamp
        expCache[i] = Math.exp(logM[i * B + p]!)
      }
      const term = c.liqCoef[q]! * expCache[i]!
      v += term
      if (term > 0) vPos += term
      else vNeg -= term
    }
    if (check && v < 0) {
      kill(k, c, p)
      return
    }
    const K = c.liqConst - 1e-9 * (vPos + vNeg + Math.abs(c.liqConst))
    // Solve vPos / y - vNeg y + K = 0 for y = e^h > 1 (no root above 1: check every step).
    let h: number
    if (vPos + K - vNeg <= 0) h = 0
    else if (vNeg === 0) h = K < 0 ? Math.log(vPos / -K) : Number.POSITIVE_INFINITY
    else h = Math.log((K + Math.sqrt(K * K + 4 * vNeg * vPos)) / (2 * vNeg))
    if (!(h > 0)) h = Number.NEGATIVE_INFINITY // the empty box: re-evaluated at every step
    const base = p * E + ownAt[u]!
    for (let q = 0; q < c.liqIdx.length; q++) {
      const x = logM[c.liqIdx[q]! * B + p]!
      own[base + q] = c.liqCoef[q]! > 0 ? x - h : x + h
    }
  }

  /** Checks the alive monitored positions of path p (when `check`) and sets its box. */
  const settle = (p: number, check: boolean) => {
    settleStamp++
    for (let w = 0; w < watched.length; w++) {
      const i = watched[w]!
      const o = i * B + p
      const x = logM[o]!
      let j = ptrBelow[o]!
      let e = belowEnd[i]!
      if (check)
        for (; j < e && x < oneThr[j]!; j++) {
          const k = oneK[j]!
          kill(k, compiled[k]!, p)
        }
      ptrBelow[o] = j
      lo[o] = j < e ? oneThr[j]! : Number.NEGATIVE_INFINITY
      j = ptrAbove[o]!
      e = aboveEnd[i]!
      if (check)
        for (; j < e && x > oneThr[j]!; j++) {
          const k = oneK[j]!
          kill(k, compiled[k]!, p)
        }
      ptrAbove[o] = j
      hi[o] = j < e ? oneThr[j]! : Number.POSITIVE_INFINITY
    }
    for (let g = 0; g < G; g++) {
      const o = g * B + p
      const d = logM[pairGI[g]! * B + p]! - logM[pairGJ[g]! * B + p]!
      const e = pairEnd[g]!
      let j = ptrPair[o]!
      for (; j < e; j++) {
        const k = pairK[j]!
        if (alive[k * B + p] === 0) continue
        if (check && d < pairEdge[j]! && ruleValue(compiled[k]!, p) < 0) kill(k, compiled[k]!, p)
        else break
      }
      ptrPair[o] = j
      pairLo[o] = j < e ? pairEdge[j]! : Number.NEGATIVE_INFINITY
      if (check)
        for (let j2 = j + 1; j2 < e && d < pairEdge[j2]!; j2++) {
          const k = pairK[j2]!
          if (alive[k * B + p] === 1 && ruleValue(compiled[k]!, p) < 0) kill(k, compiled[k]!, p)
        }
    }
    for (let u = 0; u < multi.length; u++) {
      const k = multi[u]!
      if (alive[k * B + p] === 0) continue
      const c = compiled[k]!
      const base = p * E + ownAt[u]!
      let left = !check
      for (let q = 0; q < c.liqIdx.length && !left; q++) {
        const x = logM[c.liqIdx[q]! * B + p]!
        const edge = own[base + q]!
        left = c.liqCoef[q]! > 0 ? !(x >= edge) : !(x <= edge)
      }
      if (left) {
        settleMulti(u, k, c, p, check)
        if (alive[k * B + p] === 0) continue
      }
      for (let q = 0; q < c.liqIdx.length; q++) {
        const o = c.liqIdx[q]! * B + p
        const edge = own[base + q]!
        if (c.liqCoef[q]! > 0) {
          if (edge > lo[o]!) lo[o] = edge
        } else if (edge < hi[o]!) hi[o] = edge
      }
    }
  }

  for (let start = 0; start < paths; start += B) {
    const count = Math.min(B, paths - start)
    logM.fill(0)
    totalAlive = 0
    watchCount.fill(0)
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
        totalAlive += count
      }
    }
    pairCount.fill(0)
    for (let u = 0; u < monitored.length; u++) {
      const k = monitored[u]!
      const liqIdx = compiled[k]!.liqIdx
      if (groupOf[k]! >= 0) pairCount[groupOf[k]!] = pairCount[groupOf[k]!]! + count
      else for (let q = 0; q < liqIdx.length; q++) watchCount[liqIdx[q]!] = watchCount[liqIdx[q]!]! + count
    }
    if (monitored.length > 0) {
      // At t = 0 every path is at X = 0: one box, copied to every path.
      for (let w = 0; w < watched.length; w++) {
        const i = watched[w]!
        ptrBelow.fill(belowStart[i]!, i * B, i * B + B)
        ptrAbove.fill(aboveStart[i]!, i * B, i * B + B)
      }
      for (let g = 0; g < G; g++) ptrPair.fill(pairStart[g]!, g * B, g * B + B)
      settle(0, false)
      for (let g = 0; g < G; g++) pairLo.fill(pairLo[g * B]!, g * B, g * B + B)
      for (let w = 0; w < watched.length; w++) {
        const o = watched[w]! * B
        lo.fill(lo[o]!, o, o + B)
        hi.fill(hi[o]!, o, o + B)
      }
      for (let p = 1; p < B; p++) own.copyWithin(p * E, 0, E)
    }
    stepStamp.fill(0)
    for (let s = 1; s <= steps; s++) {
      // Every position of the block liquidated: nothing left depends on the prices (the block
      // stops drawing; part of the stream layout).
      if (totalAlive === 0 && options.length === 0) break
      stepper.step(count)
      for (let o = 0; o < options.length; o++) {
        if (optStep[o] !== s) continue
        // Settled at its intrinsic value at this step's price, then held as USD.
        const a = optAsset[o]!
        const s0 = assets[a]!.price
        for (let p = 0; p < count; p++)
          optVal[o * B + p] = optionValueAtSpot(options[o]!, s0, s0 * Math.exp(logM[a * B + p]!), 0)
      }
      if (monitored.length === 0) continue
      let nFlagged = 0
      for (let w = 0; w < watched.length; w++) {
        const a = watched[w]!
        if (watchCount[a] !== 0)
          nFlagged = flagOutOfBox(logM, lo, hi, a * B, count, stepStamp, s, flagged, nFlagged)
      }
      for (let g = 0; g < G; g++)
        if (pairCount[g] !== 0)
          nFlagged = flagBelowPair(
            logM,
            pairGI[g]! * B,
            pairGJ[g]! * B,
            pairLo,
            g * B,
            count,
            stepStamp,
            s,
            flagged,
            nFlagged,
          )
      for (let f = 0; f < nFlagged; f++) settle(flagged[f]!, true)
    }
    // Terminal equity: one exp per asset and path, then the positions in input order per path
    // (the sums of evaluating each position's equity with its own exps, bit for bit).
    for (let q = 0; q < n * B; q++) mT[q] = Math.exp(logM[q]!)
    eqAcc.fill(0)
    liqAny.fill(0)
    for (let k = 0; k < np; k++) {
      const c = compiled[k]!
      const o = k * B
      const { eqIdx, eqCoef, eqConst } = c
      if (aliveCount[k] !== count) {
        // A liquidated path's value is frozen (this also marks the path).
        for (let p = 0; p < count; p++) {
          if (alive[o + p] === 0) {
            eqAcc[p] = eqAcc[p]! + frozen[o + p]!
            liqAny[p] = 1
          }
        }
      }
      liqPaths[k] = liqPaths[k]! + (count - aliveCount[k]!)
      if (aliveCount[k] === 0) continue
      if (eqIdx.length === 1) {
        const c0 = eqCoef[0]!
        const m0 = eqIdx[0]! * B
        for (let p = 0; p < count; p++)
          if (alive[o + p] === 1) eqAcc[p] = eqAcc[p]! + (eqConst + c0 * mT[m0 + p]!)
      } else
        for (let p = 0; p < count; p++) {
          if (alive[o + p] === 1) {
            let v = eqConst
            for (let q = 0; q < eqIdx.length; q++) v += eqCoef[q]! * mT[eqIdx[q]! * B + p]!
            eqAcc[p] = eqAcc[p]! + v
          }
        }
    }
    for (let o = 0; o < options.length; o++) {
      const a = optAsset[o]!
      const s0 = assets[a]!.price
      const left = options[o]!.expiryYears - horizonYears
      let sumO = 0
      for (let p = 0; p < count; p++) {
        const v =
          optStep[o]! > 0 ? optVal[o * B + p]! : optionValueAtSpot(options[o]!, s0, s0 * mT[a * B + p]!, left)
        eqAcc[p] = eqAcc[p]! + v
        sumO += v
      }
      optSum[o] = optSum[o]! + sumO
    }
    for (let p = 0; p < count; p++) {
      terminal[start + p] = eqAcc[p]!
      walletLiqPaths += liqAny[p]!
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
    ...(options.length > 0
      ? {
          options: options.map((o, i) => ({
            id: o.id,
            initialValue: optInitial[i]!,
            meanValue: optSum[i]! / paths,
            expiresWithinHorizon: optStep[i]! > 0,
          })),
        }
      : {}),
  }
}
