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

import { type CompiledPosition, McMonitor } from './mc-monitor.js'
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
  readonly draws: NormalBuffer
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
  /** Where {@link Stepper.logM} starts in {@link Stepper.draws}' values. */
  readonly logMAt: number
  /** Where the `extra` float64 slots asked for start in {@link Stepper.draws}' values. */
  readonly extraAt: number
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
    extra = 0,
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
    const own = n === 1 ? block : zcolsAt + Math.ceil(T / 2)
    this.extraAt = own
    this.logMAt = n === 1 ? 0 : xAt
    this.draws = new NormalBuffer(own + extra)
    const v = this.draws.values
    this.logM = v.subarray(this.logMAt, this.logMAt + n * block)
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
  try {
    const logM = stepper.logM
    const out = Array.from({ length: n }, () => new Float64Array(paths))
    for (let start = 0; start < paths; start += B) {
      const count = Math.min(B, paths - start)
      logM.fill(0)
      stepper.steps(count, steps)
      for (let i = 0; i < n; i++) out[i]!.set(logM.subarray(i * B, i * B + count), start)
    }
    return out
  } finally {
    stepper.draws.release()
  }
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

/** A position's value (liquidation rule or equity) with every multiplier at 1 (t = 0), USD. */
function valueAtOne(idx: Int32Array, coef: Float64Array, c: number): number {
  let v = c
  for (let q = 0; q < idx.length; q++) v += coef[q]!
  return v
}

/** A probability from a count of paths and its standard error. */
function probability(x: number, paths: number): { p: number; se: number } {
  const p = x / paths
  return { p, se: Math.sqrt((p * (1 - p)) / paths) }
}

/**
 * The state one run of {@link runMonteCarlo} simulates its blocks with. The block's work is in
 * top-level functions of one shape ({@link simulateBlock}, {@link terminalBlock}), not in the
 * run's own loop: V8 then optimizes each whole after the first blocks instead of on-stack-replacing
 * a loop whose later code has no type feedback yet.
 */
interface BlockSim {
  readonly n: number
  readonly B: number
  readonly steps: number
  readonly stepper: Stepper
  readonly monitor: McMonitor
  readonly logM: Float64Array
  readonly monitoring: boolean
  readonly mT: Float64Array
  readonly eqAcc: Float64Array
  readonly liqAny: Uint8Array
  readonly liqPaths: Float64Array
  readonly options: readonly McOption[]
  readonly optAsset: readonly number[]
  readonly optStep: Int32Array
  readonly optVal: Float64Array
  readonly optSum: Float64Array
  /** Spot price per asset, USD. */
  readonly prices: Float64Array
  readonly horizonYears: number
}

/** Steps one block of `count` paths over the horizon, liquidating along the way. */
function simulateBlock(sim: BlockSim, count: number): void {
  const { B, steps, stepper, monitor, logM, monitoring, options, optAsset, optStep, optVal, prices } = sim
  logM.fill(0)
  monitor.startBlock(count)
  for (let s = 1; s <= steps; s++) {
    // Every position of the block liquidated: nothing left depends on the prices (the block
    // stops drawing; part of the stream layout).
    if (monitor.totalAlive === 0 && options.length === 0) break
    stepper.step(count)
    for (let o = 0; o < options.length; o++) {
      if (optStep[o] !== s) continue
      // Settled at its intrinsic value at this step's price, then held as USD.
      const a = optAsset[o]!
      const s0 = prices[a]!
      for (let p = 0; p < count; p++)
        optVal[o * B + p] = optionValueAtSpot(options[o]!, s0, s0 * Math.exp(logM[a * B + p]!), 0)
    }
    if (monitoring) monitor.check(s, count)
  }
}

/**
 * The block's terminal equity per path into `sim.eqAcc` (positions, then options) and its
 * liquidated paths into `sim.liqAny`; adds the options' values into `sim.optSum`.
 */
function terminalBlock(sim: BlockSim, count: number): void {
  const { n, B, logM, mT, eqAcc, liqAny, monitor, options, optAsset, optStep, optVal, optSum, prices } = sim
  // Terminal equity: one exp per asset and path, then the positions in input order per path
  // (the sums of evaluating each position's equity with its own exps, bit for bit).
  for (let q = 0; q < n * B; q++) mT[q] = Math.exp(logM[q]!)
  eqAcc.fill(0)
  liqAny.fill(0)
  monitor.addTerminalEquity(mT, eqAcc, liqAny, sim.liqPaths, count)
  for (let o = 0; o < options.length; o++) {
    const a = optAsset[o]!
    const s0 = prices[a]!
    const left = options[o]!.expiryYears - sim.horizonYears
    let sumO = 0
    for (let p = 0; p < count; p++) {
      const v =
        optStep[o]! > 0 ? optVal[o * B + p]! : optionValueAtSpot(options[o]!, s0, s0 * mT[a * B + p]!, left)
      eqAcc[p] = eqAcc[p]! + v
      sumO += v
    }
    optSum[o] = optSum[o]! + sumO
  }
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
  const liqPaths = new Float64Array(np)
  const terminal = new Float64Array(paths)
  let walletLiqPaths = 0

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
    // Now: at the quoted vol (a vol shift is a move along the paths, as in a stress scenario).
    return optionValueAtSpot({ ...o, volShift: 0 }, s0, s0, o.expiryYears)
  })
  for (const v of optInitial) initial += v
  const deadAtStart = compiled.map((c) => valueAtOne(c.liqIdx, c.liqCoef, c.liqConst) < 0)
  const monitor = new McMonitor(compiled, deadAtStart, n, B)
  const stepper = new Stepper(assets, chol, dt, B, new Rng(seed), monitor.kernelSlots)
  const sim: BlockSim = {
    n,
    B,
    steps,
    stepper,
    monitor,
    logM: stepper.logM,
    monitoring: monitor.monitoring,
    mT: new Float64Array(n * B),
    eqAcc: new Float64Array(B),
    liqAny: new Uint8Array(B),
    liqPaths,
    options,
    optAsset,
    optStep,
    optVal,
    optSum,
    prices: Float64Array.from(assets, (a) => a.price),
    horizonYears,
  }
  try {
    monitor.attach(sim.logM, { buffer: stepper.draws, at: stepper.extraAt, logMAt: stepper.logMAt })
    for (let start = 0; start < paths; start += B) {
      const count = Math.min(B, paths - start)
      simulateBlock(sim, count)
      terminalBlock(sim, count)
      const { eqAcc, liqAny } = sim
      for (let p = 0; p < count; p++) {
        terminal[start + p] = eqAcc[p]!
        walletLiqPaths += liqAny[p]!
      }
    }
  } finally {
    stepper.draws.release()
  }

  const prob = (x: number) => probability(x, paths)
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
