import type { NormalBuffer } from './random.js'

/**
 * The liquidation monitor of {@link runMonteCarlo} (src/risk/montecarlo.ts): which positions of
 * a block of paths are liquidated at which step, with the same verdicts, at the same steps, as
 * evaluating every rule of every alive position after every step (test/helpers/montecarlo-
 * reference.ts), at a cost of a few comparisons per path and step. Pure float64 typed-array code.
 *
 * Boxes. Per path, every alive rule is inside a region of the log multipliers where it cannot be
 * negative; a step compares each path with that region's edges and evaluates rules, exactly as
 * they are written, only on the paths that left it. The rules come in three kinds:
 * - one asset (a lending long, a perp): the rule is a threshold on log m_a (exact, no exp). Per
 *   asset the rules liquidated below their threshold are sorted by threshold descending (those
 *   liquidated above it ascending); on a path the dead ones are a prefix (the highest threshold is
 *   crossed first), so the path keeps one pointer per list and its edge is the pointer's
 *   threshold: crossing it kills from the pointer on, one comparison per kill;
 * - a ratio (collateral in one asset, debt in another, no constant): non-negative exactly when
 *   d = log m_pos - log m_neg >= ln(-c_neg / c_pos); grouped per asset pair and sorted the same
 *   way, screened on d against that threshold + 1e-9 (above it the rule is positive beyond any
 *   rounding of its exps and sum); at or below that edge the rule is evaluated as written;
 * - several assets otherwise: evaluated at a state X0 where it is positive, the rule keeps its
 *   own edges X0_a - h on its positive-coefficient assets and X0_a + h on its negative ones, with
 *   h > 0 the log move such that
 *     V+(X0) e^-h - V-(X0) e^h + K = 1e-9 (V+ + V- + |K|)
 *   (V+ / V- the positive / negative parts of the rule at X0, K its constant), which bounds the
 *   rule from below at every state inside (each positive term falls at most by e^-h, each
 *   negative one grows at most by e^h; the margin covers rounding). A path's box per asset is the
 *   intersection of its one-asset edge and its several-asset rules' own edges; leaving it
 *   re-evaluates only the rules whose own edges it left.
 */

/** A position compiled to dense coefficient lists (asset indices into the simulation's assets). */
export interface CompiledPosition {
  /** Assets of the liquidation rule (indices). */
  liqIdx: Int32Array
  /** Their coefficients, USD per unit of multiplier. */
  liqCoef: Float64Array
  /** The rule's constant, USD. */
  liqConst: number
  /** Assets of the equity (indices). */
  eqIdx: Int32Array
  /** Their coefficients, USD per unit of multiplier. */
  eqCoef: Float64Array
  /** The equity's constant, USD. */
  eqConst: number
  /** Liquidation penalty, USD. */
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

/**
 * Appends to `flagged` (from `nFlagged`) the paths p < count whose log multiplier x[o + p] left
 * [lo[o + p], hi[o + p]] and are not yet flagged at step `s` (stamp[p] !== s).
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
 * The liquidation state of one block of paths: per position and path alive or not, and the
 * frozen equity (USD) of a liquidated one. Reused block after block ({@link McMonitor.startBlock}).
 */
export class McMonitor {
  /** alive[k * B + p]: 1 while position k is not liquidated on path p. */
  readonly alive: Uint8Array
  /** frozen[k * B + p]: position k's equity when liquidated on path p, minus its penalty, floored at 0 (USD). */
  readonly frozen: Float64Array
  /** Paths of the block on which position k is alive. */
  readonly aliveCount: Int32Array
  /** Alive (position, path) pairs of the block. */
  totalAlive = 0

  private readonly np: number
  private readonly B: number
  // The positions' rules and equities as flat typed arrays (struct of arrays): position k's
  // rule terms are liqI/liqC[liqAt[k] .. liqAt[k + 1]), its constant liqK[k]; the same for the
  // equity (eq*), and its penalty pen[k]. The per-step code reads only typed arrays and this
  // object's own fields, whose shapes never change from one run to the next (objects per
  // position made V8's optimized code check, and lose, their shapes across runs).
  private readonly liqAt: Int32Array
  private readonly liqI: Int32Array
  private readonly liqC: Float64Array
  private readonly liqK: Float64Array
  private readonly eqAt: Int32Array
  private readonly eqI: Int32Array
  private readonly eqC: Float64Array
  private readonly eqK: Float64Array
  private readonly pen: Float64Array
  private readonly deadAtStart: readonly boolean[]
  private readonly deadValue: Float64Array
  private readonly monitored: Int32Array
  private readonly watched: Int32Array
  // Set once, by attach (never reassigned: every instance keeps one hidden class and optimized
  // code stays valid from one run to the next).
  declare private lo: Float64Array
  declare private hi: Float64Array
  declare private logM: Float64Array
  private readonly n: number
  /** The WebAssembly box check and where its arrays are (indices into the buffer's values). */
  declare private kernel: NormalBuffer | null
  declare private kAt: {
    logM: number
    lo: number
    hi: number
    pairLo: number
    pairs: number
    marks: number
    out: number
  }
  declare private kOut: Int32Array
  /** Alive (one-asset or several-asset rule, path) pairs per asset: an asset at 0 is not checked. */
  private readonly watchCount: Int32Array
  private readonly expCache: Float64Array
  private readonly expStamp: Int32Array
  private settleStamp = 0
  private readonly stepStamp: Int32Array
  private readonly flagged: Int32Array
  private readonly oneK: Int32Array
  private readonly oneThr: Float64Array
  private readonly belowStart: Int32Array
  private readonly belowEnd: Int32Array
  private readonly aboveStart: Int32Array
  private readonly aboveEnd: Int32Array
  private readonly ptrBelow: Int32Array
  private readonly ptrAbove: Int32Array
  private readonly multi: Int32Array
  private readonly ownAt: Int32Array
  private readonly E: number
  private readonly own: Float64Array
  /** The assets of the several-asset rules (ascending). */
  private readonly multiAssets: Int32Array
  /**
   * Per asset and path, the intersection of the alive several-asset rules' own edges alone
   * (loMulti[i * B + p] the highest lower edge, hiMulti the lowest upper one): the path's box is
   * that intersected with its one-asset edges. While a path stays inside it, no several-asset rule
   * has left its own box, so a settle caused by a one-asset threshold skips those rules.
   */
  private readonly loMulti: Float64Array
  private readonly hiMulti: Float64Array
  private readonly groupOf: Int32Array
  private readonly G: number
  private readonly pairGI: Int32Array
  private readonly pairGJ: Int32Array
  private readonly pairK: Int32Array
  private readonly pairEdge: Float64Array
  private readonly pairStart: Int32Array
  private readonly pairEnd: Int32Array
  private readonly pairCount: Int32Array
  private readonly ptrPair: Int32Array
  declare private pairLo: Float64Array

  /**
   * @param compiled the positions; @param deadAtStart those whose rule is negative at t = 0
   *   (liquidated before the first step); @param n the number of assets; @param B paths per block.
   *   {@link McMonitor.attach} the log multipliers before the first block.
   */
  constructor(compiled: readonly CompiledPosition[], deadAtStart: readonly boolean[], n: number, B: number) {
    const np = compiled.length
    this.n = n
    this.np = np
    this.B = B
    this.liqAt = new Int32Array(np + 1)
    this.eqAt = new Int32Array(np + 1)
    for (let k = 0; k < np; k++) {
      this.liqAt[k + 1] = this.liqAt[k]! + compiled[k]!.liqIdx.length
      this.eqAt[k + 1] = this.eqAt[k]! + compiled[k]!.eqIdx.length
    }
    this.liqI = new Int32Array(this.liqAt[np]!)
    this.liqC = new Float64Array(this.liqAt[np]!)
    this.eqI = new Int32Array(this.eqAt[np]!)
    this.eqC = new Float64Array(this.eqAt[np]!)
    for (let k = 0; k < np; k++) {
      const c = compiled[k]!
      this.liqI.set(c.liqIdx, this.liqAt[k]!)
      this.liqC.set(c.liqCoef, this.liqAt[k]!)
      this.eqI.set(c.eqIdx, this.eqAt[k]!)
      this.eqC.set(c.eqCoef, this.eqAt[k]!)
    }
    this.liqK = Float64Array.from(compiled, (c) => c.liqConst)
    this.eqK = Float64Array.from(compiled, (c) => c.eqConst)
    this.pen = Float64Array.from(compiled, (c) => c.penalty)
    this.deadAtStart = deadAtStart
    this.deadValue = Float64Array.from(compiled, (c) => {
      let v = c.eqConst
      for (let q = 0; q < c.eqIdx.length; q++) v += c.eqCoef[q]!
      return Math.max(0, v - c.penalty)
    })
    this.alive = new Uint8Array(np * B)
    this.frozen = new Float64Array(np * B)
    this.aliveCount = new Int32Array(np)
    // The positions whose rule is monitored (can turn negative, alive at t = 0).
    this.monitored = Int32Array.from(
      compiled.flatMap((c, k) => (c.canLiquidate && !deadAtStart[k] ? [k] : [])),
    )
    const monitored = [...this.monitored]
    const watchedSet = new Set<number>()
    for (const k of monitored)
      if (compiled[k]!.pairPos < 0) for (const i of compiled[k]!.liqIdx) watchedSet.add(i)
    this.watched = Int32Array.from([...watchedSet].sort((x, y) => x - y))
    this.watchCount = new Int32Array(n)
    this.expCache = new Float64Array(n)
    this.expStamp = new Int32Array(n)
    this.stepStamp = new Int32Array(B)
    this.flagged = new Int32Array(B)

    const oneK: number[] = []
    this.belowStart = new Int32Array(n)
    this.belowEnd = new Int32Array(n)
    this.aboveStart = new Int32Array(n)
    this.aboveEnd = new Int32Array(n)
    for (let i = 0; i < n; i++) {
      const on = (above: boolean) =>
        monitored
          .filter((k) => compiled[k]!.logAsset === i && compiled[k]!.above === above)
          .sort((x, y) =>
            above
              ? compiled[x]!.logThreshold - compiled[y]!.logThreshold
              : compiled[y]!.logThreshold - compiled[x]!.logThreshold,
          )
      this.belowStart[i] = oneK.length
      oneK.push(...on(false))
      this.belowEnd[i] = oneK.length
      this.aboveStart[i] = oneK.length
      oneK.push(...on(true))
      this.aboveEnd[i] = oneK.length
    }
    this.oneK = Int32Array.from(oneK)
    this.oneThr = Float64Array.from(oneK, (k) => compiled[k]!.logThreshold)
    this.ptrBelow = new Int32Array(n * B)
    this.ptrAbove = new Int32Array(n * B)

    // Several-asset rules: own edges own[p * E + ownAt[u] + q] (path-major: a path's edges share
    // cache lines).
    this.multi = Int32Array.from(
      monitored.filter((k) => compiled[k]!.logAsset < 0 && compiled[k]!.pairPos < 0),
    )
    this.ownAt = new Int32Array(this.multi.length + 1)
    for (let u = 0; u < this.multi.length; u++)
      this.ownAt[u + 1] = this.ownAt[u]! + compiled[this.multi[u]!]!.liqIdx.length
    this.E = this.ownAt[this.multi.length]!
    this.own = new Float64Array(this.E * B)
    const multiAssets = new Set<number>()
    for (const k of this.multi) for (const i of compiled[k]!.liqIdx) multiAssets.add(i)
    this.multiAssets = Int32Array.from([...multiAssets].sort((x, y) => x - y))
    this.loMulti = new Float64Array(n * B)
    this.hiMulti = new Float64Array(n * B)

    // Ratio rules per (positive asset, negative asset) pair.
    this.groupOf = new Int32Array(np).fill(-1)
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
      this.groupOf[k] = g
      pairLists[g]!.push(k)
    }
    const G = pairLists.length
    this.G = G
    this.pairGI = Int32Array.from(pairLists, (l) => compiled[l[0]!]!.pairPos)
    this.pairGJ = Int32Array.from(pairLists, (l) => compiled[l[0]!]!.pairNeg)
    this.pairK = Int32Array.from(
      pairLists.flatMap((l) => l.sort((x, y) => compiled[y]!.pairThreshold - compiled[x]!.pairThreshold)),
    )
    this.pairEdge = Float64Array.from(this.pairK, (k) => compiled[k]!.pairThreshold + 1e-9)
    this.pairStart = new Int32Array(G)
    this.pairEnd = new Int32Array(G)
    for (let g = 0, at = 0; g < G; g++) {
      this.pairStart[g] = at
      at += pairLists[g]!.length
      this.pairEnd[g] = at
    }
    this.pairCount = new Int32Array(G)
    this.ptrPair = new Int32Array(G * B)
  }

  /**
   * Float64 slots {@link McMonitor.attach} uses in a WebAssembly buffer for its box arrays
   * (lo, hi, pairLo, the pairs' offsets, marks (one 64-bit lane per path) and the flagged list).
   */
  get kernelSlots(): number {
    return (2 * this.n + this.G) * this.B + this.G + this.B + this.B / 2
  }

  /**
   * Reads the block's log multipliers from `logM` (logM[i * B + p]); with `kernel` (a buffer
   * whose values hold logM at `logMAt` and {@link McMonitor.kernelSlots} free slots at `at`) and
   * WebAssembly running, the per-step box check runs there.
   */
  attach(logM: Float64Array, kernel?: { buffer: NormalBuffer; at: number; logMAt: number }): void {
    const { n, B, G } = this
    this.logM = logM
    const k = { logM: 0, lo: 0, hi: 0, pairLo: 0, pairs: 0, marks: 0, out: 0 }
    if (!kernel?.buffer.native || this.monitored.length === 0) {
      this.lo = new Float64Array(n * B)
      this.hi = new Float64Array(n * B)
      this.pairLo = new Float64Array(G * B)
      this.kernel = null
      this.kAt = k
      this.kOut = new Int32Array(0)
      return
    }
    const v = kernel.buffer.values
    const at = kernel.at
    k.logM = kernel.logMAt
    k.lo = at
    k.hi = at + n * B
    k.pairLo = at + 2 * n * B
    k.pairs = at + (2 * n + G) * B
    k.marks = at + (2 * n + G) * B + G
    k.out = at + (2 * n + G) * B + G + B
    this.lo = v.subarray(k.lo, k.lo + n * B)
    this.hi = v.subarray(k.hi, k.hi + n * B)
    this.pairLo = v.subarray(k.pairLo, k.pairLo + G * B)
    // Assets nobody watches never leave their box.
    this.lo.fill(Number.NEGATIVE_INFINITY)
    this.hi.fill(Number.POSITIVE_INFINITY)
    const pairs = new Int32Array(v.buffer, v.byteOffset + 8 * k.pairs, 2 * G)
    for (let g = 0; g < G; g++) {
      pairs[2 * g] = 8 * this.pairGI[g]! * B
      pairs[2 * g + 1] = 8 * this.pairGJ[g]! * B
    }
    v.fill(0, k.marks, k.marks + B)
    this.kOut = new Int32Array(v.buffer, v.byteOffset + 8 * k.out, B)
    this.kAt = k
    this.kernel = kernel.buffer
  }

  /** True when some rule can be liquidated at all (else there is nothing to check per step). */
  get monitoring(): boolean {
    return this.monitored.length > 0
  }

  /** Resets the state for a new block of `count` paths, all at X = 0 (t = 0). */
  startBlock(count: number): void {
    const { np, B, alive, frozen, aliveCount, watchCount, pairCount, groupOf, liqAt, liqI } = this
    this.totalAlive = 0
    watchCount.fill(0)
    for (let k = 0; k < np; k++) {
      const o = k * B
      if (this.deadAtStart[k]) {
        alive.fill(0, o, o + B)
        frozen.fill(this.deadValue[k]!, o, o + B)
        aliveCount[k] = 0
      } else {
        alive.fill(1, o, o + B)
        aliveCount[k] = count
        this.totalAlive += count
      }
    }
    pairCount.fill(0)
    for (let u = 0; u < this.monitored.length; u++) {
      const k = this.monitored[u]!
      if (groupOf[k]! >= 0) pairCount[groupOf[k]!] = pairCount[groupOf[k]!]! + count
      else
        for (let q = liqAt[k]!; q < liqAt[k + 1]!; q++) watchCount[liqI[q]!] = watchCount[liqI[q]!]! + count
    }
    this.stepStamp.fill(0)
    if (this.monitored.length === 0) return
    // At t = 0 every path is at X = 0: one box, copied to every path.
    const { watched, lo, hi, G } = this
    for (let w = 0; w < watched.length; w++) {
      const i = watched[w]!
      this.ptrBelow.fill(this.belowStart[i]!, i * B, i * B + B)
      this.ptrAbove.fill(this.aboveStart[i]!, i * B, i * B + B)
    }
    for (let g = 0; g < G; g++) this.ptrPair.fill(this.pairStart[g]!, g * B, g * B + B)
    this.settle(0, false)
    for (let g = 0; g < G; g++) this.pairLo.fill(this.pairLo[g * B]!, g * B, g * B + B)
    for (let w = 0; w < watched.length; w++) {
      const o = watched[w]! * B
      lo.fill(lo[o]!, o, o + B)
      hi.fill(hi[o]!, o, o + B)
    }
    for (let p = 1; p < B; p++) this.own.copyWithin(p * this.E, 0, this.E)
    const { multiAssets, loMulti, hiMulti } = this
    for (let w = 0; w < multiAssets.length; w++) {
      const o = multiAssets[w]! * B
      loMulti.fill(loMulti[o]!, o, o + B)
      hiMulti.fill(hiMulti[o]!, o, o + B)
    }
  }

  /** After step `s` (1-based) of the block's first `count` paths: liquidates what turned negative. */
  check(s: number, count: number): void {
    const kernel = this.kernel
    if (kernel) {
      const k = this.kAt
      const { n, B, G, kOut } = this
      const nf = kernel.check(n, count, B, k.logM, k.lo, k.hi, G, k.pairs, k.pairLo, k.marks, k.out)
      for (let f = 0; f < nf; f++) this.settle(kOut[f]!, true)
      return
    }
    const { watched, watchCount, logM, lo, hi, B, stepStamp, flagged, pairCount, G } = this
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
          this.pairGI[g]! * B,
          this.pairGJ[g]! * B,
          this.pairLo,
          g * B,
          count,
          stepStamp,
          s,
          flagged,
          nFlagged,
        )
    for (let f = 0; f < nFlagged; f++) this.settle(flagged[f]!, true)
  }

  /**
   * Adds each position's value on each path to `eqAcc[p]` in position order (the alive ones at
   * the terminal multipliers mT[i * B + p], the liquidated ones frozen), marks in `liqAny` the
   * paths with a liquidation, and counts per position its liquidated paths into `liqPaths`.
   */
  addTerminalEquity(
    mT: Float64Array,
    eqAcc: Float64Array,
    liqAny: Uint8Array,
    liqPaths: Float64Array,
    count: number,
  ): void {
    const { np, B, alive, frozen, aliveCount, eqAt, eqI, eqC, eqK } = this
    for (let k = 0; k < np; k++) {
      const o = k * B
      const e0 = eqAt[k]!
      const e1 = eqAt[k + 1]!
      const eqConst = eqK[k]!
      if (aliveCount[k] !== count) {
        for (let p = 0; p < count; p++) {
          if (alive[o + p] === 0) {
            eqAcc[p] = eqAcc[p]! + frozen[o + p]!
            liqAny[p] = 1
          }
        }
      }
      liqPaths[k] = liqPaths[k]! + (count - aliveCount[k]!)
      if (aliveCount[k] === 0) continue
      if (e1 - e0 === 1) {
        const c0 = eqC[e0]!
        const m0 = eqI[e0]! * B
        for (let p = 0; p < count; p++)
          if (alive[o + p] === 1) eqAcc[p] = eqAcc[p]! + (eqConst + c0 * mT[m0 + p]!)
      } else
        for (let p = 0; p < count; p++) {
          if (alive[o + p] === 1) {
            let v = eqConst
            for (let q = e0; q < e1; q++) v += eqC[q]! * mT[eqI[q]! * B + p]!
            eqAcc[p] = eqAcc[p]! + v
          }
        }
    }
  }

  /** Equity of position k on path p at the current log multipliers, USD (exps here: kills are rare). */
  private equityAt(k: number, p: number): number {
    const { logM, B, eqAt, eqI, eqC } = this
    let v = this.eqK[k]!
    for (let q = eqAt[k]!; q < eqAt[k + 1]!; q++) v += eqC[q]! * Math.exp(logM[eqI[q]! * B + p]!)
    return v
  }

  private kill(k: number, p: number): void {
    const B = this.B
    this.alive[k * B + p] = 0
    // Limited liability: a liquidated position never owes more than it held.
    this.frozen[k * B + p] = Math.max(0, this.equityAt(k, p) - this.pen[k]!)
    this.aliveCount[k] = this.aliveCount[k]! - 1
    this.totalAlive--
    const g = this.groupOf[k]!
    if (g >= 0) this.pairCount[g] = this.pairCount[g]! - 1
    else {
      const { liqAt, liqI, watchCount } = this
      for (let q = liqAt[k]!; q < liqAt[k + 1]!; q++) watchCount[liqI[q]!] = watchCount[liqI[q]!]! - 1
    }
  }

  /** The rule's value on path p, USD, evaluated as it is written. */
  private ruleValue(k: number, p: number): number {
    const { logM, B, liqAt, liqI, liqC } = this
    let v = this.liqK[k]!
    for (let q = liqAt[k]!; q < liqAt[k + 1]!; q++) v += liqC[q]! * Math.exp(logM[liqI[q]! * B + p]!)
    return v
  }

  /** Exact check of several-asset rule k (u-th of them) on path p (when `check`) and its own edges. */
  private settleMulti(u: number, k: number, p: number, check: boolean): void {
    const { logM, B, expStamp, expCache, liqAt, liqI, liqC } = this
    const q0 = liqAt[k]!
    const q1 = liqAt[k + 1]!
    const liqConst = this.liqK[k]!
    let v = liqConst
    let vPos = 0
    let vNeg = 0
    for (let q = q0; q < q1; q++) {
      const i = liqI[q]!
      if (expStamp[i] !== this.settleStamp) {
        expStamp[i] = this.settleStamp
        expCache[i] = Math.exp(logM[i * B + p]!)
      }
      const term = liqC[q]! * expCache[i]!
      v += term
      if (term > 0) vPos += term
      else vNeg -= term
    }
    if (check && v < 0) {
      this.kill(k, p)
      return
    }
    const K = liqConst - 1e-9 * (vPos + vNeg + Math.abs(liqConst))
    // Solve vPos / y - vNeg y + K = 0 for y = e^h > 1 (no root above 1: check every step).
    let h: number
    if (vPos + K - vNeg <= 0) h = 0
    else if (vNeg === 0) h = K < 0 ? Math.log(vPos / -K) : Number.POSITIVE_INFINITY
    else h = Math.log((K + Math.sqrt(K * K + 4 * vNeg * vPos)) / (2 * vNeg))
    if (!(h > 0)) h = Number.NEGATIVE_INFINITY // the empty box: re-evaluated at every step
    const base = p * this.E + this.ownAt[u]! - q0
    for (let q = q0; q < q1; q++) {
      const x = logM[liqI[q]! * B + p]!
      this.own[base + q] = liqC[q]! > 0 ? x - h : x + h
    }
  }

  /** Checks the alive monitored rules of path p (when `check`) and sets its box. */
  private settle(p: number, check: boolean): void {
    this.settleStamp++
    const { watched, logM, B, oneK, oneThr, ptrBelow, ptrAbove, lo, hi, alive } = this
    for (let w = 0; w < watched.length; w++) {
      const i = watched[w]!
      const o = i * B + p
      const x = logM[o]!
      let j = ptrBelow[o]!
      let e = this.belowEnd[i]!
      if (check) for (; j < e && x < oneThr[j]!; j++) this.kill(oneK[j]!, p)
      ptrBelow[o] = j
      lo[o] = j < e ? oneThr[j]! : Number.NEGATIVE_INFINITY
      j = ptrAbove[o]!
      e = this.aboveEnd[i]!
      if (check) for (; j < e && x > oneThr[j]!; j++) this.kill(oneK[j]!, p)
      ptrAbove[o] = j
      hi[o] = j < e ? oneThr[j]! : Number.POSITIVE_INFINITY
    }
    const { pairK, pairEdge, ptrPair, pairLo } = this
    for (let g = 0; g < this.G; g++) {
      const o = g * B + p
      const d = logM[this.pairGI[g]! * B + p]! - logM[this.pairGJ[g]! * B + p]!
      const e = this.pairEnd[g]!
      let j = ptrPair[o]!
      for (; j < e; j++) {
        const k = pairK[j]!
        if (alive[k * B + p] === 0) continue
        if (check && d < pairEdge[j]! && this.ruleValue(k, p) < 0) this.kill(k, p)
        else break
      }
      ptrPair[o] = j
      pairLo[o] = j < e ? pairEdge[j]! : Number.NEGATIVE_INFINITY
      if (check)
        for (let j2 = j + 1; j2 < e && d < pairEdge[j2]!; j2++) {
          const k = pairK[j2]!
          if (alive[k * B + p] === 1 && this.ruleValue(k, p) < 0) this.kill(k, p)
        }
    }
    const { multi, own, E, ownAt, liqAt, liqI, liqC, multiAssets, loMulti, hiMulti } = this
    // The several-asset rules only when the path left their intersection (or at t = 0): else none
    // of them left its own box, and their edges and the alive set are as they were.
    let redo = !check
    for (let w = 0; w < multiAssets.length && !redo; w++) {
      const o = multiAssets[w]! * B + p
      const x = logM[o]!
      redo = !(x >= loMulti[o]! && x <= hiMulti[o]!)
    }
    if (redo) {
      for (let w = 0; w < multiAssets.length; w++) {
        const o = multiAssets[w]! * B + p
        loMulti[o] = Number.NEGATIVE_INFINITY
        hiMulti[o] = Number.POSITIVE_INFINITY
      }
      for (let u = 0; u < multi.length; u++) {
        const k = multi[u]!
        if (alive[k * B + p] === 0) continue
        const q0 = liqAt[k]!
        const q1 = liqAt[k + 1]!
        const base = p * E + ownAt[u]! - q0
        let left = !check
        for (let q = q0; q < q1 && !left; q++) {
          const x = logM[liqI[q]! * B + p]!
          const edge = own[base + q]!
          left = liqC[q]! > 0 ? !(x >= edge) : !(x <= edge)
        }
        if (left) {
          this.settleMulti(u, k, p, check)
          if (alive[k * B + p] === 0) continue
        }
        for (let q = q0; q < q1; q++) {
          const o = liqI[q]! * B + p
          const edge = own[base + q]!
          if (liqC[q]! > 0) {
            if (edge > loMulti[o]!) loMulti[o] = edge
          } else if (edge < hiMulti[o]!) hiMulti[o] = edge
        }
      }
    }
    for (let w = 0; w < multiAssets.length; w++) {
      const o = multiAssets[w]! * B + p
      if (loMulti[o]! > lo[o]!) lo[o] = loMulti[o]!
      if (hiMulti[o]! < hi[o]!) hi[o] = hiMulti[o]!
    }
  }
}
