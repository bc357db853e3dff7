/**
 * Liquidation cascade of ONE shocked risk asset (ETH, BTC, ...) against stable debt.
 *
 * Model (see `../shared/notes/protocol-math.md`, Cascades):
 *
 * - A position holds `collateral` units of the asset, `otherCollateralUsd` that does not move,
 *   and `debtUsd` of stable debt. HF(p) = (collateral * p + other) * LT / debt, so it becomes
 *   liquidatable at p_liq = (debt - LT * other) / (collateral * LT) (USD per unit).
 * - It is cut into tranches. 'full' (Morpho Blue, Compound absorb): one tranche, the whole debt,
 *   at p <= p_liq. 'aave-v3.0' (v3.0-v3.2 close factor): 50% of the debt at p <= p_liq and the
 *   other 50% at p <= p_95, the price where HF = 0.95:
 *   p_95 = (0.95 * debt - LT * other) / (collateral * LT). A tranche owns the same share of the
 *   collateral units as of the debt.
 * - A tranche repaying R USD liquidated at price p seizes min(R * bonus / p, capUnits) units of
 *   the asset. The cap binds below q = R * bonus / capUnits (= debt * bonus / collateral, the
 *   bad-debt price): the tranche's collateral is gone, and R - capUnits * p / bonus USD of its
 *   debt is not covered (bad debt).
 * - Liquidators sell every unit seized on the market; the depth curve maps the units sold to a
 *   price factor. The state of the cascade at price p: every tranche with threshold >= p is
 *   liquidated, and the units sold are S(p) = sum of min(R * bonus / p, capUnits) over them.
 * - Rounds: p_0 = startPrice * (1 + shock); p_{k+1} = min(p_k, p_0 * impactFactor(S(p_k))).
 *   The iteration stops after the first step that liquidates no new tranche AND moves the price
 *   by less than relTol (relative), or after maxRounds steps (then `converged` is false). Prices
 *   only fall, so S only grows: the sequence is monotone and converges to the highest price p*
 *   with p* = p_0 * impactFactor(S(p*)). `rounds` counts the steps that liquidated new tranches
 *   (the first price p_0 included); `iterations` counts every price update.
 *
 * Simplifications, on purpose:
 * - One liquidation per tranche, and all of a tranche at once; no partial liquidations by
 *   profit-seeking bots, no liquidation delay, no gas; other collateral is never seized.
 * - Every liquidated tranche's seizure is valued at the current price (S depends on p only),
 *   which is conservative: earlier liquidations are counted as if they had seized at the lower
 *   price.
 * - The oracle price equals the DEX price after impact. In reality LSTs (wstETH, weETH) are
 *   priced by capped exchange-rate oracles (Aave CAPO): a DEX depeg does not move them, so the
 *   real trigger price and the real sale price differ.
 * - v3.3+ Aave rules (full close below 2,000 USD, dust) are not modelled: use 'full' or
 *   'aave-v3.0' per position as is closest.
 *
 * Algorithms: {@link prepareCascade} sorts the tranche thresholds and the cap prices once
 * (radix sort on the float64 bits, O(n)) and keeps Float64Array prefix sums, so S(p) and every
 * output at a price cost three binary searches (O(log n)); {@link naiveCascade} rescans every
 * tranche at every step (O(n) per step) and is the reference.
 *
 * Pure float64: no I/O.
 */

import { BaseError } from '../core/errors.js'
import type { DepthCurve } from './depth.js'

/** One borrower position exposed to the shocked asset. */
export interface CascadePosition {
  /** Units of the shocked asset held as collateral (whole tokens, float, >= 0). */
  collateral: number
  /** Debt, USD (stable), float, >= 0. */
  debtUsd: number
  /**
   * Raw USD value of the position's other collateral, which does not move with the shock
   * (LT NOT applied: the position's liquidationThreshold weights it). Default 0.
   */
  otherCollateralUsd?: number
  /** Liquidation threshold (Aave LT, Morpho LLTV), fraction in (0, 1). */
  liquidationThreshold: number
  /** Liquidation bonus factor, >= 1 (Aave 1.05; Morpho LIF = min(1.15, 1/(1 - 0.3(1 - LLTV)))). */
  bonus: number
  /**
   * 'aave-v3.0': 50% of the debt when HF > 0.95, 100% when HF <= 0.95 (v3.0-v3.2);
   * 'full': the whole debt at once (Morpho, Compound absorb).
   */
  closeRule: 'aave-v3.0' | 'full'
  /** Optional tag (market, wallet) echoed in per-position output. */
  id?: string
}

/** Health factor under which Aave v3.0-v3.2 lets the whole debt be liquidated. */
export const AAVE_FULL_CLOSE_HEALTH_FACTOR = 0.95

/** Options of one cascade scenario. */
export interface CascadeOptions {
  /** Price of the asset before the shock, USD per unit (> 0). */
  startPrice: number
  /** Initial relative price move, > -1 (-0.1 = a 10% drop). */
  shock: number
  /** Price impact of the units liquidators sell. */
  depth: DepthCurve
  /** Most price updates before giving up (`converged: false`). Default 1000. */
  maxRounds?: number
  /** Relative price change under which a step that liquidates nothing new ends it. Default 1e-12. */
  relTol?: number
}

/** Outcome of one cascade scenario. Prices USD per unit; amounts of the asset in whole units. */
export interface CascadeResult {
  /** The shock applied, relative (-0.1). */
  initialShock: number
  /** finalPrice / startPrice - 1. */
  finalShock: number
  /** startPrice * (1 + initialShock), USD per unit. */
  initialPrice: number
  /** The cascade's fixed point p*, USD per unit. */
  finalPrice: number
  /** Debt of every liquidated tranche at p*, USD (bad debt included). */
  liquidatedUsd: number
  /** Units seized and sold at p*: S(p*). */
  seizedUnits: number
  /** Positions with at least one liquidated tranche. */
  positionsLiquidated: number
  /** Tranches liquidated. */
  tranchesLiquidated: number
  /** Steps that liquidated new tranches, the first (at the shocked price) included. */
  rounds: number
  /** Price updates performed. */
  iterations: number
  /** Debt of capped tranches not covered by their seized collateral at p*, USD. */
  badDebtUsd: number
  /** false when maxRounds stopped the iteration first. */
  converged: boolean
}

/**
 * Tranches sorted by threshold, descending, with prefix sums: entry i of a prefix array (length
 * n + 1) sums the first i tranches (entry 0 is 0).
 */
export interface PreparedTrancheList {
  /** Liquidation thresholds, USD per unit of the asset, descending. */
  price: Float64Array
  /** Prefix sums of the debt each tranche repays, USD. */
  repayUsd: Float64Array
  /** Prefix sums of repay * bonus, USD (seized value at any price). */
  repayBonusUsd: Float64Array
  /** Prefix sums of the collateral units each tranche owns. */
  capUnits: Float64Array
}

/**
 * Cap events sorted by the price under which a tranche's seizure is capped, min(threshold, q),
 * descending, with prefix sums (length n + 1). Both tranches of an 'aave-v3.0' position share
 * one event when q <= p_95.
 */
export interface PreparedCapList {
  /** Prices below which the seizure is capped, USD per unit, descending. */
  price: Float64Array
  /** Prefix sums of the capped tranches' debt, USD. */
  repayUsd: Float64Array
  /** Prefix sums of their repay * bonus, USD. */
  repayBonusUsd: Float64Array
  /** Prefix sums of their collateral units. */
  capUnits: Float64Array
  /** Prefix sums of capUnits / bonus (units): the debt covered at price p is p times it. */
  capUnitsOverBonus: Float64Array
}

/** The sorted structure every fast cascade query runs on; build it once with {@link prepareCascade}. */
export interface PreparedCascade {
  /** Positions that can be liquidated at some positive price. */
  positionCount: number
  /** Positions with no debt or no collateral of the asset (not modelled). */
  skippedCount: number
  /** Positions whose other collateral alone keeps them healthy at any price. */
  safeCount: number
  /** First tranche of every position: threshold = its liquidation price p_liq. */
  first: PreparedTrancheList
  /** Second tranche of 'aave-v3.0' positions: threshold = p_95 (omitted when p_95 <= 0). */
  second: PreparedTrancheList
  /** Where seizures hit their cap. */
  capped: PreparedCapList
  /** Bytes of all the typed arrays above. */
  byteLength: number
}

/** Liquidation prices of one position, USD per unit of the asset. */
export interface PositionThresholds {
  /** HF = 1 price p_liq; <= 0 when no positive price liquidates the position. */
  liquidationPrice: number
  /**
   * Price at which the whole debt is liquidatable: p_95 for 'aave-v3.0', p_liq for 'full';
   * <= 0 when no positive price gets there.
   */
  fullClosePrice: number
  /** q = debt * bonus / collateral: below it the seizure is capped by the collateral. */
  badDebtPrice: number
}

// Scratch of splitPosition: theta1, theta2, repay1, repay2, cap1, cap2, q, bonus.
const T1 = 0
const T2 = 1
const R1 = 2
const R2 = 3
const C1 = 4
const C2 = 5
const Q = 6
const B = 7

function invalid(i: number, what: string): never {
  throw new BaseError('INVALID_REQUEST', `cascade position ${i}: ${what}`, { context: { position: i } })
}

/**
 * Validates position i and writes its tranches into `out`. Returns the number of tranches
 * (0: not modelled or never liquidatable, 1, or 2); -1 when skipped for lack of debt/collateral.
 */
function splitPosition(p: CascadePosition, i: number, out: Float64Array): number {
  const c = p.collateral
  const d = p.debtUsd
  const o = p.otherCollateralUsd ?? 0
  const lt = p.liquidationThreshold
  const b = p.bonus
  if (!(c >= 0) || !Number.isFinite(c)) invalid(i, `collateral must be a finite number >= 0, got ${c}`)
  if (!(d >= 0) || !Number.isFinite(d)) invalid(i, `debtUsd must be a finite number >= 0, got ${d}`)
  if (!(o >= 0) || !Number.isFinite(o))
    invalid(i, `otherCollateralUsd must be a finite number >= 0, got ${o}`)
  if (!(lt > 0 && lt < 1)) invalid(i, `liquidationThreshold must be in (0, 1), got ${lt}`)
  if (!(b >= 1) || !Number.isFinite(b)) invalid(i, `bonus must be a finite number >= 1, got ${b}`)
  const full = p.closeRule === 'full'
  if (!full && p.closeRule !== 'aave-v3.0') invalid(i, `unknown closeRule ${String(p.closeRule)}`)
  if (c === 0 || d === 0) return -1
  const ltOther = lt * o
  const denom = c * lt
  const pLiq = (d - ltOther) / denom
  if (!(pLiq > 0)) return 0
  out[Q] = (d * b) / c
  out[B] = b
  out[T1] = pLiq
  if (full) {
    out[R1] = d
    out[C1] = c
    return 1
  }
  out[R1] = d / 2
  out[C1] = c / 2
  const p95 = (AAVE_FULL_CLOSE_HEALTH_FACTOR * d - ltOther) / denom
  if (!(p95 > 0)) return 1
  out[T2] = p95
  out[R2] = d / 2
  out[C2] = c / 2
  return 2
}

/**
 * Liquidation prices of one position (USD per unit), or null when it has no debt or no
 * collateral of the asset.
 */
export function positionThresholds(position: CascadePosition): PositionThresholds | null {
  const s = new Float64Array(8)
  const n = splitPosition(position, 0, s)
  if (n < 0) return null
  const lt = position.liquidationThreshold
  const o = position.otherCollateralUsd ?? 0
  const denom = position.collateral * lt
  const pLiq = (position.debtUsd - lt * o) / denom
  return {
    liquidationPrice: pLiq,
    fullClosePrice:
      position.closeRule === 'full'
        ? pLiq
        : (AAVE_FULL_CLOSE_HEALTH_FACTOR * position.debtUsd - lt * o) / denom,
    badDebtPrice: (position.debtUsd * position.bonus) / position.collateral,
  }
}

const littleEndian = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1

/** Reusable buffers of {@link sortRecordsDescending}. */
interface RadixScratch {
  lo: Uint32Array
  hi: Uint32Array
  idx: Uint32Array
  lo2: Uint32Array
  hi2: Uint32Array
  idx2: Uint32Array
  counts: Uint32Array
}

function radixScratch(n: number): RadixScratch {
  return {
    lo: new Uint32Array(n),
    hi: new Uint32Array(n),
    idx: new Uint32Array(n),
    lo2: new Uint32Array(n),
    hi2: new Uint32Array(n),
    idx2: new Uint32Array(n),
    counts: new Uint32Array(4 * 65536),
  }
}

/**
 * Permutation (the first n entries of the returned array) that sorts n records of `stride`
 * float64s by their first field, a positive finite key, descending: LSD radix sort with 16-bit
 * digits on the complemented IEEE-754 bits (for positive doubles the bit order is the numeric
 * order). Passes whose digit is the same for every key are skipped.
 */
function sortRecordsDescending(
  records: Float64Array,
  stride: number,
  n: number,
  s: RadixScratch,
): Uint32Array {
  if (!littleEndian) {
    const order = Uint32Array.from({ length: n }, (_, i) => i)
    return order.sort((a, b) => records[b * stride]! - records[a * stride]!)
  }
  const bits = new Uint32Array(records.buffer, records.byteOffset, records.length * 2)
  let { lo, hi, idx, lo2, hi2, idx2 } = s
  const counts = s.counts
  counts.fill(0)
  for (let i = 0, j = 0; i < n; i++, j += 2 * stride) {
    const l = ~bits[j]! >>> 0
    const h = ~bits[j + 1]! >>> 0
    lo[i] = l
    hi[i] = h
    idx[i] = i
    counts[l & 0xffff]!++
    counts[65536 + (l >>> 16)]!++
    counts[131072 + (h & 0xffff)]!++
    counts[196608 + (h >>> 16)]!++
  }
  for (let pass = 0; pass < 4 && n > 0; pass++) {
    const base = pass * 65536
    const useHi = pass >= 2
    const shift = pass % 2 === 1 ? 16 : 0
    const first = ((useHi ? hi[0]! : lo[0]!) >>> shift) & 0xffff
    if (counts[base + first] === n) continue
    let sum = 0
    for (let d = 0; d < 65536; d++) {
      const c = counts[base + d]!
      counts[base + d] = sum
      sum += c
    }
    for (let i = 0; i < n; i++) {
      const l = lo[i]!
      const h = hi[i]!
      const pos = counts[base + (((useHi ? h : l) >>> shift) & 0xffff)]!++
      lo2[pos] = l
      hi2[pos] = h
      idx2[pos] = idx[i]!
    }
    ;[lo, lo2] = [lo2, lo]
    ;[hi, hi2] = [hi2, hi]
    ;[idx, idx2] = [idx2, idx]
  }
  return idx
}

/**
 * Sorts n records [key, a, b, c(, d)] (stride 4 or 5) by key, descending, and returns the sorted
 * keys and, per column, prefix sums (length n + 1) in that order, Neumaier-compensated.
 */
function sortedPrefixes(
  records: Float64Array,
  stride: 4 | 5,
  n: number,
  scratch: RadixScratch,
): { keys: Float64Array; prefixes: Float64Array[] } {
  const order = sortRecordsDescending(records, stride, n, scratch)
  const keys = new Float64Array(n)
  const pa = new Float64Array(n + 1)
  const pb = new Float64Array(n + 1)
  const pc = new Float64Array(n + 1)
  const pd = new Float64Array(stride === 5 ? n + 1 : 0)
  let sa = 0
  let sb = 0
  let sc = 0
  let sd = 0
  let ca = 0
  let cb = 0
  let cc = 0
  let cd = 0
  // Every column is >= 0, so the running sum is never smaller than the term after the first.
  for (let i = 0; i < n; i++) {
    const r = order[i]! * stride
    keys[i] = records[r]!
    let v = records[r + 1]!
    let t = sa + v
    ca += sa >= v ? sa - t + v : v - t + sa
    sa = t
    pa[i + 1] = sa + ca
    v = records[r + 2]!
    t = sb + v
    cb += sb >= v ? sb - t + v : v - t + sb
    sb = t
    pb[i + 1] = sb + cb
    v = records[r + 3]!
    t = sc + v
    cc += sc >= v ? sc - t + v : v - t + sc
    sc = t
    pc[i + 1] = sc + cc
    if (stride === 5) {
      v = records[r + 4]!
      t = sd + v
      cd += sd >= v ? sd - t + v : v - t + sd
      sd = t
      pd[i + 1] = sd + cd
    }
  }
  return { keys, prefixes: stride === 5 ? [pa, pb, pc, pd] : [pa, pb, pc] }
}

function trancheList(records: Float64Array, n: number, scratch: RadixScratch): PreparedTrancheList {
  const { keys, prefixes } = sortedPrefixes(records, 4, n, scratch)
  return { price: keys, repayUsd: prefixes[0]!, repayBonusUsd: prefixes[1]!, capUnits: prefixes[2]! }
}

/**
 * Sorts a population once for fast cascade queries: O(n) validation and split into tranches,
 * radix sorts of the thresholds and cap prices, Float64Array prefix sums.
 * @throws BaseError INVALID_REQUEST for a malformed position (NaN, negative amounts,
 *   liquidationThreshold outside (0, 1), bonus < 1, unknown closeRule).
 */
export function prepareCascade(positions: readonly CascadePosition[]): PreparedCascade {
  const s = new Float64Array(8)
  const N = positions.length
  let n1 = 0
  let n2 = 0
  let n3 = 0
  let skipped = 0
  let safe = 0
  for (let i = 0; i < N; i++) {
    const k = splitPosition(positions[i]!, i, s)
    if (k < 0) skipped++
    else if (k === 0) safe++
    else {
      n1++
      if (k === 2) {
        n2++
        n3 += s[Q]! <= s[T2]! ? 1 : 2
      } else n3++
    }
  }
  // Records: tranche lists [threshold, repay, repay * bonus, cap units];
  // cap events [price, repay, repay * bonus, cap units, cap units / bonus].
  const rec1 = new Float64Array(4 * n1)
  const rec2 = new Float64Array(4 * n2)
  const rec3 = new Float64Array(5 * n3)
  let j1 = 0
  let j2 = 0
  let j3 = 0
  const cap = (price: number, repay: number, units: number, b: number) => {
    rec3[j3++] = price
    rec3[j3++] = repay
    rec3[j3++] = repay * b
    rec3[j3++] = units
    rec3[j3++] = units / b
  }
  for (let i = 0; i < N; i++) {
    const k = splitPosition(positions[i]!, i, s)
    if (k <= 0) continue
    const q = s[Q]!
    const b = s[B]!
    rec1[j1++] = s[T1]!
    rec1[j1++] = s[R1]!
    rec1[j1++] = s[R1]! * b
    rec1[j1++] = s[C1]!
    if (k === 2) {
      rec2[j2++] = s[T2]!
      rec2[j2++] = s[R2]!
      rec2[j2++] = s[R2]! * b
      rec2[j2++] = s[C2]!
      // Both halves cap below the same q <= p_95: one event for the whole position.
      if (q <= s[T2]!) cap(q, s[R1]! + s[R2]!, s[C1]! + s[C2]!, b)
      else {
        cap(Math.min(s[T1]!, q), s[R1]!, s[C1]!, b)
        cap(s[T2]!, s[R2]!, s[C2]!, b)
      }
    } else cap(Math.min(s[T1]!, q), s[R1]!, s[C1]!, b)
  }
  const scratch = radixScratch(Math.max(n1, n2, n3))
  const first = trancheList(rec1, n1, scratch)
  const second = trancheList(rec2, n2, scratch)
  const c = sortedPrefixes(rec3, 5, n3, scratch)
  const capped: PreparedCapList = {
    price: c.keys,
    repayUsd: c.prefixes[0]!,
    repayBonusUsd: c.prefixes[1]!,
    capUnits: c.prefixes[2]!,
    capUnitsOverBonus: c.prefixes[3]!,
  }
  const bytes = (l: object): number =>
    Object.values(l).reduce((a: number, v) => a + (v as Float64Array).byteLength, 0)
  return {
    positionCount: n1,
    skippedCount: skipped,
    safeCount: safe,
    first,
    second,
    capped,
    byteLength: bytes(first) + bytes(second) + bytes(capped),
  }
}

/** Number of leading entries >= p in a descending array. */
function countAtOrAbove(sorted: Float64Array, p: number): number {
  let lo = 0
  let hi = sorted.length
  while (lo < hi) {
    const mid = (lo + hi) >>> 1
    if (sorted[mid]! >= p) lo = mid + 1
    else hi = mid
  }
  return lo
}

/** State of the population at one price: tranches liquidated and units sold S(p). */
interface Evaluation {
  tranches: number
  sold: number
}

interface FixedPoint {
  price: number
  rounds: number
  iterations: number
  converged: boolean
}

function checkOptions(o: CascadeOptions): { p0: number; maxRounds: number; relTol: number } {
  if (!(o.startPrice > 0) || !Number.isFinite(o.startPrice))
    throw new BaseError('INVALID_REQUEST', `startPrice must be a finite number > 0, got ${o.startPrice}`)
  if (!(o.shock > -1) || !Number.isFinite(o.shock))
    throw new BaseError('INVALID_REQUEST', `shock must be a finite number > -1, got ${o.shock}`)
  const maxRounds = o.maxRounds ?? 1000
  const relTol = o.relTol ?? 1e-12
  if (!(maxRounds >= 1)) throw new BaseError('INVALID_REQUEST', `maxRounds must be >= 1, got ${maxRounds}`)
  if (!(relTol >= 0)) throw new BaseError('INVALID_REQUEST', `relTol must be >= 0, got ${relTol}`)
  return { p0: o.startPrice * (1 + o.shock), maxRounds, relTol }
}

/** The round iteration shared by the fast and the naive algorithm (see the module comment). */
function iterate(
  p0: number,
  depth: DepthCurve,
  maxRounds: number,
  relTol: number,
  evaluate: (p: number) => Evaluation,
): FixedPoint {
  let p = p0
  let ev = evaluate(p)
  let rounds = ev.tranches > 0 ? 1 : 0
  let iterations = 0
  let converged = true
  while (ev.tranches > 0) {
    if (iterations >= maxRounds) {
      converged = false
      break
    }
    const f = depth.impactFactor(ev.sold)
    if (!(f > 0 && f <= 1)) throw new BaseError('INTERNAL', `depth curve returned factor ${f} outside (0, 1]`)
    const next = Math.min(p, p0 * f)
    iterations++
    const evNext = evaluate(next)
    const grew = evNext.tranches > ev.tranches
    if (grew) rounds++
    const settled = !grew && p - next <= relTol * p
    p = next
    ev = evNext
    if (settled) break
  }
  return { price: p, rounds, iterations, converged }
}

/** S(p) and the tranche count from the prepared structure: three binary searches. */
function evaluateFast(c: PreparedCascade, p: number): Evaluation & { i1: number; i2: number; i3: number } {
  const i1 = countAtOrAbove(c.first.price, p)
  const i2 = countAtOrAbove(c.second.price, p)
  const i3 = countAtOrAbove(c.capped.price, p)
  const uncapped = c.first.repayBonusUsd[i1]! + c.second.repayBonusUsd[i2]! - c.capped.repayBonusUsd[i3]!
  const sold = (uncapped > 0 ? uncapped / p : 0) + c.capped.capUnits[i3]!
  return { tranches: i1 + i2, sold, i1, i2, i3 }
}

/**
 * One cascade scenario on a prepared population: O(log n) per step plus the depth curve.
 * @throws BaseError INVALID_REQUEST for startPrice <= 0, shock <= -1, maxRounds < 1, relTol < 0.
 */
export function runCascade(prepared: PreparedCascade, options: CascadeOptions): CascadeResult {
  const { p0, maxRounds, relTol } = checkOptions(options)
  const fp = iterate(p0, options.depth, maxRounds, relTol, (p) => evaluateFast(prepared, p))
  const p = fp.price
  const e = evaluateFast(prepared, p)
  const cap = prepared.capped
  const bad = cap.repayUsd[e.i3]! - p * cap.capUnitsOverBonus[e.i3]!
  return {
    initialShock: options.shock,
    finalShock: p / options.startPrice - 1,
    initialPrice: p0,
    finalPrice: p,
    liquidatedUsd: prepared.first.repayUsd[e.i1]! + prepared.second.repayUsd[e.i2]!,
    seizedUnits: e.sold,
    positionsLiquidated: e.i1,
    tranchesLiquidated: e.tranches,
    rounds: fp.rounds,
    iterations: fp.iterations,
    badDebtUsd: bad > 0 ? bad : 0,
    converged: fp.converged,
  }
}

/** Every tranche of a population in input order, unsorted (the naive algorithm's layout). */
export interface TrancheTable {
  /** Number of tranches (the arrays may be longer). */
  count: number
  /** Liquidation thresholds, USD per unit. */
  threshold: Float64Array
  /** Debt each tranche repays, USD. */
  repayUsd: Float64Array
  /** repay * bonus, USD. */
  repayBonusUsd: Float64Array
  /** Collateral units each tranche owns. */
  capUnits: Float64Array
  /** Liquidation bonus factor. */
  bonus: Float64Array
  /** 1 for the first tranche of a position, else 0. */
  first: Uint8Array
}

/** Lays a population out as a {@link TrancheTable}: O(n), no sort. Same validation as prepareCascade. */
export function tabulateTranches(positions: readonly CascadePosition[]): TrancheTable {
  const s = new Float64Array(8)
  const N = positions.length
  const t: TrancheTable = {
    count: 0,
    threshold: new Float64Array(2 * N),
    repayUsd: new Float64Array(2 * N),
    repayBonusUsd: new Float64Array(2 * N),
    capUnits: new Float64Array(2 * N),
    bonus: new Float64Array(2 * N),
    first: new Uint8Array(2 * N),
  }
  let n = 0
  for (let i = 0; i < N; i++) {
    const k = splitPosition(positions[i]!, i, s)
    for (let j = 0; j < k; j++) {
      t.threshold[n] = s[T1 + j]!
      t.repayUsd[n] = s[R1 + j]!
      t.repayBonusUsd[n] = s[R1 + j]! * s[B]!
      t.capUnits[n] = s[C1 + j]!
      t.bonus[n] = s[B]!
      t.first[n++] = j === 0 ? 1 : 0
    }
  }
  t.count = n
  return t
}

/**
 * The reference: the same rounds as {@link runCascade}, but every step rescans every tranche
 * (O(n) per step, no sort). Positions are laid out with {@link tabulateTranches} first (O(n));
 * pass a table to time the rescans alone.
 */
export function naiveCascade(
  source: readonly CascadePosition[] | TrancheTable,
  options: CascadeOptions,
): CascadeResult {
  const { p0, maxRounds, relTol } = checkOptions(options)
  const table = Array.isArray(source) ? tabulateTranches(source) : (source as TrancheTable)
  const {
    count: n,
    threshold: theta,
    repayUsd: repay,
    repayBonusUsd: repayBonus,
    capUnits: cap,
    bonus,
  } = table
  const isFirst = table.first
  const evaluate = (p: number): Evaluation => {
    let tranches = 0
    let sold = 0
    for (let i = 0; i < n; i++) {
      if (theta[i]! >= p) {
        tranches++
        const units = repayBonus[i]! / p
        sold += units < cap[i]! ? units : cap[i]!
      }
    }
    return { tranches, sold }
  }
  const fp = iterate(p0, options.depth, maxRounds, relTol, evaluate)
  const p = fp.price
  let liquidatedUsd = 0
  let seizedUnits = 0
  let badDebtUsd = 0
  let positionsLiquidated = 0
  let tranches = 0
  for (let i = 0; i < n; i++) {
    if (!(theta[i]! >= p)) continue
    tranches++
    positionsLiquidated += isFirst[i]!
    liquidatedUsd += repay[i]!
    const units = repayBonus[i]! / p
    if (units < cap[i]!) seizedUnits += units
    else {
      seizedUnits += cap[i]!
      badDebtUsd += repay[i]! - (cap[i]! * p) / bonus[i]!
    }
  }
  return {
    initialShock: options.shock,
    finalShock: p / options.startPrice - 1,
    initialPrice: p0,
    finalPrice: p,
    liquidatedUsd,
    seizedUnits,
    positionsLiquidated,
    tranchesLiquidated: tranches,
    rounds: fp.rounds,
    iterations: fp.iterations,
    badDebtUsd: badDebtUsd > 0 ? badDebtUsd : 0,
    converged: fp.converged,
  }
}

/** Iteration limits shared by the multi-scenario helpers. */
export interface CascadeIterationOptions {
  /** See {@link CascadeOptions.maxRounds}. */
  maxRounds?: number
  /** See {@link CascadeOptions.relTol}. */
  relTol?: number
}

/** One {@link runCascade} per shock (relative, > -1), same start price (USD per unit) and depth. */
export function cascadeCurve(
  prepared: PreparedCascade,
  startPrice: number,
  shocks: readonly number[],
  depth: DepthCurve,
  options: CascadeIterationOptions = {},
): CascadeResult[] {
  return shocks.map((shock) => runCascade(prepared, { ...options, startPrice, shock, depth }))
}

/** Answer of {@link shockToLiquidate}. Shocks relative (-0.2 = a 20% drop). */
export interface ShockToLiquidateResult {
  /**
   * Smallest drop (the shock closest to 0, within `tolerance`, on the side that does reach)
   * whose cascade's final price is <= liquidationPrice; 0 when the start price cascade already
   * gets there; null when liquidationPrice <= 0 (never reached).
   */
  shock: number | null
  /** liquidationPrice / startPrice - 1: the shock needed without any cascade. */
  naiveShock: number
  /** Final cascade price at `shock`, USD per unit; null with shock. */
  finalPrice: number | null
}

/**
 * The smallest initial shock whose cascade brings the price down to `liquidationPrice` (USD per
 * unit, e.g. one wallet's), by bisection on the shock between the naive shock (which always
 * reaches it) and 0. The final price is non-decreasing in the initial price (the largest fixed
 * point of a larger map), so bisection is valid. With {@link zeroDepth} it equals the naive shock.
 */
export function shockToLiquidate(
  prepared: PreparedCascade,
  startPrice: number,
  liquidationPrice: number,
  depth: DepthCurve,
  options: CascadeIterationOptions & {
    /** Bisection tolerance on the shock. Default 1e-6. */ tolerance?: number
  } = {},
): ShockToLiquidateResult {
  const tolerance = options.tolerance ?? 1e-6
  const naiveShock = liquidationPrice / startPrice - 1
  if (!(liquidationPrice > 0)) return { shock: null, naiveShock, finalPrice: null }
  const run = (shock: number) => runCascade(prepared, { ...options, startPrice, shock, depth }).finalPrice
  const atZero = run(0)
  if (atZero <= liquidationPrice) return { shock: 0, naiveShock, finalPrice: atZero }
  let lo = naiveShock
  let hi = 0
  let loPrice = run(lo)
  while (hi - lo > tolerance) {
    const mid = (lo + hi) / 2
    const price = run(mid)
    if (price <= liquidationPrice) {
      lo = mid
      loPrice = price
    } else hi = mid
  }
  return { shock: lo, naiveShock, finalPrice: loPrice }
}

/** Bins of {@link liquidationHistogram}: `count` equal buckets over [from, to), USD per unit. */
export interface HistogramBins {
  /** Lowest edge, USD per unit. */
  from: number
  /** Highest edge, USD per unit (> from). */
  to: number
  /** Number of equal buckets (integer >= 1). */
  count: number
}

/** One liquidation-price bucket [priceFrom, priceTo). */
export interface HistogramBucket {
  /** Lower edge, USD per unit (inclusive). */
  priceFrom: number
  /** Upper edge, USD per unit (exclusive). */
  priceTo: number
  /** priceFrom / startPrice - 1. */
  shockFrom: number
  /** priceTo / startPrice - 1. */
  shockTo: number
  /** Debt of the tranches whose threshold lies in the bucket, USD. */
  debtUsd: number
  /** Collateral units those tranches own. */
  collateralUnits: number
  /** Tranches in the bucket. */
  tranches: number
  /** Positions whose liquidation price (first tranche) lies in the bucket. */
  positions: number
}

/**
 * Debt (USD) and collateral (units) per liquidation-price bucket, by tranche: a 'full' position
 * counts at p_liq, an 'aave-v3.0' position half at p_liq and half at p_95. `bins` are equal
 * buckets or ascending edges (USD per unit); startPrice (USD per unit) labels each edge as a
 * shock. O(bins * log n) on a prepared population; positions are prepared first.
 */
export function liquidationHistogram(
  source: PreparedCascade | readonly CascadePosition[],
  startPrice: number,
  bins: HistogramBins | readonly number[],
): HistogramBucket[] {
  const c = Array.isArray(source) ? prepareCascade(source) : (source as PreparedCascade)
  let edges: number[]
  if (Array.isArray(bins)) edges = [...bins]
  else {
    const { from, to, count } = bins as HistogramBins
    if (!(to > from) || !(count >= 1) || !Number.isInteger(count))
      throw new BaseError('INVALID_REQUEST', `bins need to > from and an integer count >= 1`)
    edges = Array.from({ length: count + 1 }, (_, i) => from + ((to - from) * i) / count)
  }
  for (let i = 1; i < edges.length; i++)
    if (!(edges[i]! > edges[i - 1]!)) throw new BaseError('INVALID_REQUEST', 'histogram edges must ascend')
  const at = (p: number) => {
    const i1 = countAtOrAbove(c.first.price, p)
    const i2 = countAtOrAbove(c.second.price, p)
    return {
      debt: c.first.repayUsd[i1]! + c.second.repayUsd[i2]!,
      units: c.first.capUnits[i1]! + c.second.capUnits[i2]!,
      tranches: i1 + i2,
      positions: i1,
    }
  }
  const out: HistogramBucket[] = []
  for (let i = 0; i + 1 < edges.length; i++) {
    const lo = at(edges[i]!)
    const hi = at(edges[i + 1]!)
    out.push({
      priceFrom: edges[i]!,
      priceTo: edges[i + 1]!,
      shockFrom: edges[i]! / startPrice - 1,
      shockTo: edges[i + 1]! / startPrice - 1,
      debtUsd: lo.debt - hi.debt,
      collateralUnits: lo.units - hi.units,
      tranches: lo.tranches - hi.tranches,
      positions: lo.positions - hi.positions,
    })
  }
  return out
}

/** What happens to one position at a given price (per-position output). */
export interface PositionOutcome {
  /** The position's `id`, when it has one. */
  id?: string
  /** Index in the input array. */
  index: number
  /** HF = 1 price, USD per unit; null when not modelled (no debt or no collateral). */
  liquidationPrice: number | null
  /** Share of the debt liquidated at the price: 0, 0.5 or 1. */
  liquidatedFraction: number
  /** Debt liquidated, USD. */
  liquidatedUsd: number
  /** Collateral units seized. */
  seizedUnits: number
  /** Debt not covered by the seized collateral, USD. */
  badDebtUsd: number
}

/**
 * Per-position liquidations at one price (USD per unit), e.g. a cascade's finalPrice, under the
 * same tranche rules as the cascade. O(n).
 */
export function positionOutcomes(positions: readonly CascadePosition[], price: number): PositionOutcome[] {
  const s = new Float64Array(8)
  return positions.map((pos, index) => {
    const k = splitPosition(pos, index, s)
    const o: PositionOutcome = {
      index,
      liquidationPrice: k < 0 ? null : positionThresholds(pos)!.liquidationPrice,
      liquidatedFraction: 0,
      liquidatedUsd: 0,
      seizedUnits: 0,
      badDebtUsd: 0,
    }
    if (pos.id !== undefined) o.id = pos.id
    for (let t = 0; t < k; t++) {
      if (!(s[T1 + t]! >= price)) continue
      const r = s[R1 + t]!
      const units = (r * s[B]!) / price
      o.liquidatedUsd += r
      o.liquidatedFraction += r / pos.debtUsd
      if (units < s[C1 + t]!) o.seizedUnits += units
      else {
        o.seizedUnits += s[C1 + t]!
        o.badDebtUsd += r - (s[C1 + t]! * price) / s[B]!
      }
    }
    return o
  })
}
