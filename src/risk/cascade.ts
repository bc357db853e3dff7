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
 * - Aave v3.3+ maps to 'full' or 'aave-v3.0' by the per-reserve size test (market-cascade.ts);
 *   its 50% is taken of the position's debt and its dust rule is not modelled.
 * - 'target-hf' (Aave V4: restore a target HF, no close factor): ONE tranche at p_liq repaying
 *   `repayShare` of the debt (what a liquidation just below HF 1 repays to restore the target)
 *   and owning that share of the collateral; like every tranche it is liquidated once: the
 *   re-liquidations a deeper fall would trigger after the target is restored are not modelled.
 *
 * Precision: tranche amounts (debt repaid, collateral units), bonuses and prices (thresholds,
 * cap prices q) are held at float32 precision (~7 significant digits, 6e-8 relative), which is
 * ample for a market simulation; every sum and every price step is computed in float64. Both
 * algorithms round once, in the same function, so they see the same inputs: a tranche is
 * liquidated when its float32 threshold >= p, and its seizure is capped when p <= min(threshold,
 * q) with q rounded DOWN to float32 (so a capped tranche never shows negative bad debt; between
 * that q and the exact one the uncapped seizure exceeds the collateral by < 1e-7 relative).
 *
 * Algorithms: {@link prepareCascade} sorts the float32 tranche thresholds and cap prices once
 * (radix sort on the float32 bits, O(n)); each sorted list keeps, per entry, its key and an
 * index into per-position float32 amounts, plus float64 prefix sums every {@link CASCADE_BLOCK}
 * entries, so S(p) and every output at a price cost three binary searches and < 3 x 64 reads
 * (~32 bytes per position in all for 1M positions). {@link naiveCascade} rescans every tranche
 * at every step (O(n) per step) and is the reference.
 *
 * No I/O.
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
   * 'full': the whole debt at once (Morpho, Compound absorb);
   * 'target-hf': one tranche of `repayShare` of the debt at p_liq (a target-health-factor rule).
   */
  closeRule: 'aave-v3.0' | 'full' | 'target-hf'
  /**
   * For 'target-hf': the share of the debt (and of the collateral units) the tranche repays
   * (owns), in (0, 1]. Ignored by the other rules.
   */
  repayShare?: number
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
 * Per-position values every list of a {@link PreparedCascade} refers to, at float32 precision, in
 * the order of {@link PreparedCascade.first} (entry i belongs to the position of first-list entry
 * i). Both tranches of an 'aave-v3.0' position repay and own the same amounts.
 */
export interface PreparedPositions {
  /**
   * Debt each of the position's tranches repays, USD (the whole debt for 'full', half for
   * 'aave-v3.0', repayShare of it for 'target-hf').
   */
  repayUsd: Float32Array
  /** Collateral units each of the position's tranches owns. */
  capUnits: Float32Array
  /** Liquidation bonus factor. */
  bonus: Float32Array
}

/**
 * One sorted list of a {@link PreparedCascade}: float32 keys, descending, each entry naming a
 * position (and for cap events, one or both of its tranches), with float64 prefix sums per block
 * of {@link CASCADE_BLOCK} entries. The sums over the first i entries are the block entry of
 * i / CASCADE_BLOCK plus fewer than CASCADE_BLOCK entries read through the position arrays.
 */
export interface PreparedList {
  /** Sort keys, USD per unit of the asset, descending. */
  price: Float32Array
  /**
   * Per entry, the index into {@link PreparedPositions}; for cap events, bit 31 set means both
   * halves of an 'aave-v3.0' position. null for the first list, whose entry i is position i.
   */
  position: Uint32Array | null
  /**
   * Block prefix sums, 4 per block b = 0 .. floor(n / CASCADE_BLOCK) over the entries before
   * b * CASCADE_BLOCK: repay (USD), repay * bonus (USD), capUnits, capUnits / bonus (units),
   * Neumaier-compensated.
   */
  blocks: Float64Array
}

/** Entries per block of the float64 prefix sums of a {@link PreparedList}. */
export const CASCADE_BLOCK = 64
const BLOCK_SHIFT = 6
const COLS = 4
const BOTH_HALVES = 0x80000000
const INDEX_MASK = 0x7fffffff

/** The sorted structure every fast cascade query runs on; build it once with {@link prepareCascade}. */
export interface PreparedCascade {
  /** Positions that can be liquidated at some positive price. */
  positionCount: number
  /** Positions with no debt or no collateral of the asset (not modelled). */
  skippedCount: number
  /** Positions whose other collateral alone keeps them healthy at any price. */
  safeCount: number
  /** Amounts per position, in the order of `first`. */
  positions: PreparedPositions
  /** First tranche of every position, keyed by its threshold p_liq (`position` is null). */
  first: PreparedList
  /** Second tranche of 'aave-v3.0' positions, keyed by p_95 (omitted when p_95 <= 0). */
  second: PreparedList
  /**
   * Cap events keyed by the price at or below which a tranche's seizure is capped,
   * min(threshold, q). Both tranches of an 'aave-v3.0' position share one event when q <= p_95.
   */
  capped: PreparedList
  /** Bytes of all the typed arrays above. */
  byteLength: number
}

/** Liquidation prices of one position, USD per unit of the asset (float64, not rounded). */
export interface PositionThresholds {
  /** HF = 1 price p_liq; <= 0 when no positive price liquidates the position. */
  liquidationPrice: number
  /**
   * Price at which the whole debt is liquidatable: p_95 for 'aave-v3.0', p_liq for 'full' (and
   * 'target-hf' with repayShare 1); <= 0 when no positive price gets there (0 for 'target-hf'
   * with a smaller share: its one tranche never takes the whole debt).
   */
  fullClosePrice: number
  /** q = debt * bonus / collateral: below it the seizure is capped by the collateral. */
  badDebtPrice: number
}

// Scratch of splitPosition, all float32 values: theta1, theta2, repay and cap units per tranche,
// the cap price q (rounded down), bonus.
const T1 = 0
const T2 = 1
const R = 2
const C = 3
const Q = 4
const B = 5

function invalid(i: number, what: string): never {
  throw new BaseError('INVALID_REQUEST', `cascade position ${i}: ${what}`, { context: { position: i } })
}

const f32 = new Float32Array(1)
const f32Bits = new Uint32Array(f32.buffer)

/** The largest float32 <= x, for x >= 0 (+Infinity stays). */
function roundDown32(x: number): number {
  f32[0] = x
  if (f32[0]! > x) f32Bits[0]!--
  return f32[0]!
}

/** Finite, and still finite once rounded to float32. */
const finite32 = (x: number) => Number.isFinite(Math.fround(x))

/**
 * Validates position i and writes its tranches, rounded to float32, into `out`: the one place
 * where the fast and the naive algorithm get their inputs. Returns the number of tranches (0: not
 * modelled or never liquidatable, 1, or 2); -1 when skipped for lack of debt/collateral.
 */
function splitPosition(p: CascadePosition, i: number, out: Float64Array): number {
  const c = p.collateral
  const d = p.debtUsd
  const o = p.otherCollateralUsd ?? 0
  const lt = p.liquidationThreshold
  const b = p.bonus
  if (!(c >= 0) || !finite32(c)) invalid(i, `collateral must be a finite float32 number >= 0, got ${c}`)
  if (!(d >= 0) || !finite32(d)) invalid(i, `debtUsd must be a finite float32 number >= 0, got ${d}`)
  if (!(o >= 0) || !Number.isFinite(o))
    invalid(i, `otherCollateralUsd must be a finite number >= 0, got ${o}`)
  if (!(lt > 0 && lt < 1)) invalid(i, `liquidationThreshold must be in (0, 1), got ${lt}`)
  if (!(b >= 1) || !finite32(b)) invalid(i, `bonus must be a finite float32 number >= 1, got ${b}`)
  const target = p.closeRule === 'target-hf'
  const full = p.closeRule === 'full' || target
  if (!full && p.closeRule !== 'aave-v3.0') invalid(i, `unknown closeRule ${String(p.closeRule)}`)
  const share = target ? (p.repayShare as number) : 1
  if (target && !(share > 0 && share <= 1)) invalid(i, `repayShare must be in (0, 1], got ${p.repayShare}`)
  if (c === 0 || d === 0) return -1
  const ltOther = lt * o
  const denom = c * lt
  const pLiq = Math.fround((d - ltOther) / denom)
  if (!(pLiq > 0)) return 0
  const repay = Math.fround(full ? d * share : d / 2)
  const units = Math.fround(full ? c * share : c / 2)
  const bonus = Math.fround(b)
  out[T1] = pLiq
  out[R] = repay
  out[C] = units
  out[B] = bonus
  // repay * bonus of two float32s is exact in float64. Rounded down, q caps a seizure only where
  // repay * bonus / p >= units: the bad debt of a capped tranche is never negative.
  out[Q] = units > 0 ? roundDown32((repay * bonus) / units) : Number.POSITIVE_INFINITY
  if (full) return 1
  const p95 = Math.fround((AAVE_FULL_CLOSE_HEALTH_FACTOR * d - ltOther) / denom)
  if (!(p95 > 0)) return 1
  out[T2] = p95
  return 2
}

/**
 * Liquidation prices of one position (USD per unit, float64: the cascade uses them rounded to
 * float32), or null when it has no debt or no collateral of the asset.
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
      position.closeRule === 'full' || (position.closeRule === 'target-hf' && position.repayShare === 1)
        ? pLiq
        : position.closeRule === 'target-hf'
          ? 0
          : (AAVE_FULL_CLOSE_HEALTH_FACTOR * position.debtUsd - lt * o) / denom,
    badDebtPrice: (position.debtUsd * position.bonus) / position.collateral,
  }
}

/** Reusable buffers of {@link sortDescending}. */
interface RadixScratch {
  key: Uint32Array
  idx: Uint32Array
  key2: Uint32Array
  idx2: Uint32Array
  counts: Uint32Array
}

function radixScratch(n: number): RadixScratch {
  return {
    key: new Uint32Array(n),
    idx: new Uint32Array(n),
    key2: new Uint32Array(n),
    idx2: new Uint32Array(n),
    counts: new Uint32Array(2 * 65536),
  }
}

/**
 * Permutation (the first n entries of the returned scratch array, valid until the next sort) that
 * sorts the first n keys (float32, >= 0, not NaN) descending: LSD radix sort with two 16-bit
 * digits on the complemented IEEE-754 bits (for non-negative floats the bit order is the numeric
 * order). A pass whose digit is the same for every key is skipped.
 */
function sortDescending(keys: Float32Array, n: number, s: RadixScratch): Uint32Array {
  const bits = new Uint32Array(keys.buffer, keys.byteOffset, n)
  let { key, idx, key2, idx2 } = s
  const counts = s.counts
  counts.fill(0)
  for (let i = 0; i < n; i++) {
    const k = ~bits[i]! >>> 0
    key[i] = k
    idx[i] = i
    counts[k & 0xffff]!++
    counts[65536 + (k >>> 16)]!++
  }
  for (let pass = 0; pass < 2 && n > 0; pass++) {
    const base = pass * 65536
    const shift = pass * 16
    if (counts[base + ((key[0]! >>> shift) & 0xffff)] === n) continue
    let sum = 0
    for (let d = 0; d < 65536; d++) {
      const c = counts[base + d]!
      counts[base + d] = sum
      sum += c
    }
    for (let i = 0; i < n; i++) {
      const k = key[i]!
      const pos = counts[base + ((k >>> shift) & 0xffff)]!++
      key2[pos] = k
      idx2[pos] = idx[i]!
    }
    ;[key, key2] = [key2, key]
    ;[idx, idx2] = [idx2, idx]
  }
  return idx
}

/** Block prefix sums (see {@link PreparedList.blocks}) of n entries over the position arrays. */
function blockPrefixes(pp: PreparedPositions, index: Uint32Array | null, n: number): Float64Array {
  const { repayUsd: rep, capUnits: cap, bonus: bon } = pp
  const blocks = new Float64Array(((n >>> BLOCK_SHIFT) + 1) * COLS)
  const sum = new Float64Array(COLS)
  const comp = new Float64Array(COLS)
  const v = new Float64Array(COLS)
  for (let i = 0; i < n; i++) {
    let s = i
    let m = 1
    if (index !== null) {
      const e = index[i]!
      s = e & INDEX_MASK
      m = e >>> 31 === 1 ? 2 : 1
    }
    const r = rep[s]!
    const u = cap[s]!
    const b = bon[s]!
    v[0] = m * r
    v[1] = m * r * b
    v[2] = m * u
    v[3] = (m * u) / b
    // Every column is >= 0, so the running sum is never smaller than the term after the first.
    for (let k = 0; k < COLS; k++) {
      const a = sum[k]!
      const x = v[k]!
      const t = a + x
      comp[k]! += a >= x ? a - t + x : x - t + a
      sum[k] = t
    }
    if (((i + 1) & (CASCADE_BLOCK - 1)) === 0) {
      const o = ((i + 1) >>> BLOCK_SHIFT) * COLS
      for (let k = 0; k < COLS; k++) blocks[o + k] = sum[k]! + comp[k]!
    }
  }
  return blocks
}

/**
 * The sums over the first i entries of a list into `out`: repay (USD), repay * bonus (USD),
 * capUnits, capUnits / bonus (units). A block prefix plus fewer than CASCADE_BLOCK entries.
 */
function prefixSums(pp: PreparedPositions, list: PreparedList, i: number, out: Float64Array): void {
  const { repayUsd: rep, capUnits: cap, bonus: bon } = pp
  const blk = i >>> BLOCK_SHIFT
  const o = blk * COLS
  const bl = list.blocks
  let r = bl[o]!
  let rb = bl[o + 1]!
  let u = bl[o + 2]!
  let ub = bl[o + 3]!
  const index = list.position
  for (let j = blk << BLOCK_SHIFT; j < i; j++) {
    let s = j
    let m = 1
    if (index !== null) {
      const e = index[j]!
      s = e & INDEX_MASK
      m = e >>> 31 === 1 ? 2 : 1
    }
    const rj = m * rep[s]!
    const uj = m * cap[s]!
    const b = bon[s]!
    r += rj
    rb += rj * b
    u += uj
    ub += uj / b
  }
  out[0] = r
  out[1] = rb
  out[2] = u
  out[3] = ub
}

/**
 * Sorts a population once for fast cascade queries: O(n) validation and split into tranches
 * (rounded to float32), radix sorts of the float32 thresholds and cap prices, float64 block
 * prefix sums. About 8 bytes per tranche and cap event plus 16 per position.
 * @throws BaseError INVALID_REQUEST for a malformed position (NaN, negative amounts, amounts
 *   beyond the float32 range, liquidationThreshold outside (0, 1), bonus < 1, unknown closeRule).
 */
export function prepareCascade(positions: readonly CascadePosition[]): PreparedCascade {
  const s = new Float64Array(8)
  const N = positions.length
  if (N > INDEX_MASK) throw new BaseError('INVALID_REQUEST', `too many cascade positions: ${N}`)
  // Tranches in input order; m indexes the modelled positions.
  const key1 = new Float32Array(N)
  const rep0 = new Float32Array(N)
  const cap0 = new Float32Array(N)
  const bon0 = new Float32Array(N)
  const key2 = new Float32Array(N)
  const pos2 = new Uint32Array(N)
  const key3 = new Float32Array(2 * N)
  const ev3 = new Uint32Array(2 * N)
  let n1 = 0
  let n2 = 0
  let n3 = 0
  let skipped = 0
  let safe = 0
  for (let i = 0; i < N; i++) {
    const k = splitPosition(positions[i]!, i, s)
    if (k < 0) {
      skipped++
      continue
    }
    if (k === 0) {
      safe++
      continue
    }
    const m = n1++
    const q = s[Q]!
    const t1 = s[T1]!
    key1[m] = t1
    rep0[m] = s[R]!
    cap0[m] = s[C]!
    bon0[m] = s[B]!
    if (k === 2) {
      const t2 = s[T2]!
      key2[n2] = t2
      pos2[n2++] = m
      // Both halves cap below the same q <= p_95: one event for the whole position.
      if (q <= t2) {
        key3[n3] = q
        ev3[n3++] = (m | BOTH_HALVES) >>> 0
      } else {
        key3[n3] = Math.min(t1, q)
        ev3[n3++] = m
        key3[n3] = t2
        ev3[n3++] = m
      }
    } else {
      key3[n3] = Math.min(t1, q)
      ev3[n3++] = m
    }
  }
  const scratch = radixScratch(Math.max(n1, n2, n3))
  // First list: the position arrays take its order.
  const pp: PreparedPositions = {
    repayUsd: new Float32Array(n1),
    capUnits: new Float32Array(n1),
    bonus: new Float32Array(n1),
  }
  const price1 = new Float32Array(n1)
  const rank = new Uint32Array(n1)
  let order = sortDescending(key1, n1, scratch)
  for (let i = 0; i < n1; i++) {
    const m = order[i]!
    rank[m] = i
    price1[i] = key1[m]!
    pp.repayUsd[i] = rep0[m]!
    pp.capUnits[i] = cap0[m]!
    pp.bonus[i] = bon0[m]!
  }
  const price2 = new Float32Array(n2)
  const index2 = new Uint32Array(n2)
  order = sortDescending(key2, n2, scratch)
  for (let i = 0; i < n2; i++) {
    const j = order[i]!
    price2[i] = key2[j]!
    index2[i] = rank[pos2[j]!]!
  }
  const price3 = new Float32Array(n3)
  const index3 = new Uint32Array(n3)
  order = sortDescending(key3, n3, scratch)
  for (let i = 0; i < n3; i++) {
    const j = order[i]!
    const e = ev3[j]!
    price3[i] = key3[j]!
    index3[i] = (rank[e & INDEX_MASK]! | (e & BOTH_HALVES)) >>> 0
  }
  const first: PreparedList = { price: price1, position: null, blocks: blockPrefixes(pp, null, n1) }
  const second: PreparedList = { price: price2, position: index2, blocks: blockPrefixes(pp, index2, n2) }
  const capped: PreparedList = { price: price3, position: index3, blocks: blockPrefixes(pp, index3, n3) }
  const bytes = (l: object): number =>
    Object.values(l).reduce((a: number, v) => a + (v === null ? 0 : (v as Float64Array).byteLength), 0)
  return {
    positionCount: n1,
    skippedCount: skipped,
    safeCount: safe,
    positions: pp,
    first,
    second,
    capped,
    byteLength: bytes(pp) + bytes(first) + bytes(second) + bytes(capped),
  }
}

/** Number of leading entries >= p in a descending array. */
function countAtOrAbove(sorted: Float32Array, p: number): number {
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

/** Sums at one price of the three lists ([repay, repay * bonus, capUnits, capUnits / bonus] each). */
interface FastState extends Evaluation {
  i1: number
  i2: number
  i3: number
  /** first, second, capped: 4 sums each. */
  sums: Float64Array
}

/** S(p) and the tranche count from the prepared structure: three binary searches and block sums. */
function evaluateFast(c: PreparedCascade, p: number, sums: Float64Array): FastState {
  const i1 = countAtOrAbove(c.first.price, p)
  const i2 = countAtOrAbove(c.second.price, p)
  const i3 = countAtOrAbove(c.capped.price, p)
  const a = sums.subarray(0, 4)
  const b = sums.subarray(4, 8)
  const k = sums.subarray(8, 12)
  prefixSums(c.positions, c.first, i1, a)
  prefixSums(c.positions, c.second, i2, b)
  prefixSums(c.positions, c.capped, i3, k)
  const uncapped = a[1]! + b[1]! - k[1]!
  const sold = (uncapped > 0 ? uncapped / p : 0) + k[2]!
  return { tranches: i1 + i2, sold, i1, i2, i3, sums }
}

/**
 * One cascade scenario on a prepared population: O(log n) per step plus the depth curve.
 * @throws BaseError INVALID_REQUEST for startPrice <= 0, shock <= -1, maxRounds < 1, relTol < 0.
 */
export function runCascade(prepared: PreparedCascade, options: CascadeOptions): CascadeResult {
  const { p0, maxRounds, relTol } = checkOptions(options)
  const sums = new Float64Array(12)
  const fp = iterate(p0, options.depth, maxRounds, relTol, (p) => evaluateFast(prepared, p, sums))
  const p = fp.price
  const e = evaluateFast(prepared, p, sums)
  const bad = sums[8]! - p * sums[11]!
  return {
    initialShock: options.shock,
    finalShock: p / options.startPrice - 1,
    initialPrice: p0,
    finalPrice: p,
    liquidatedUsd: sums[0]! + sums[4]!,
    seizedUnits: e.sold,
    positionsLiquidated: e.i1,
    tranchesLiquidated: e.tranches,
    rounds: fp.rounds,
    iterations: fp.iterations,
    badDebtUsd: bad > 0 ? bad : 0,
    converged: fp.converged,
  }
}

/**
 * Every tranche of a population in input order, unsorted (the naive algorithm's layout). Values
 * are the float32-rounded ones the prepared structure holds, widened to float64.
 */
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
  /**
   * min(threshold, q) with q = repay * bonus / capUnits rounded down to float32, USD per unit:
   * at or below it the tranche's seizure is capped at capUnits.
   */
  capPrice: Float64Array
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
    capPrice: new Float64Array(2 * N),
    first: new Uint8Array(2 * N),
  }
  let n = 0
  for (let i = 0; i < N; i++) {
    const k = splitPosition(positions[i]!, i, s)
    for (let j = 0; j < k; j++) {
      const theta = s[T1 + j]!
      t.threshold[n] = theta
      t.repayUsd[n] = s[R]!
      t.repayBonusUsd[n] = s[R]! * s[B]!
      t.capUnits[n] = s[C]!
      t.bonus[n] = s[B]!
      t.capPrice[n] = Math.min(theta, s[Q]!)
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
    capPrice,
  } = table
  const isFirst = table.first
  const evaluate = (p: number): Evaluation => {
    let tranches = 0
    let sold = 0
    for (let i = 0; i < n; i++) {
      if (theta[i]! >= p) {
        tranches++
        sold += p <= capPrice[i]! ? cap[i]! : repayBonus[i]! / p
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
    if (p <= capPrice[i]!) {
      seizedUnits += cap[i]!
      badDebtUsd += repay[i]! - (cap[i]! * p) / bonus[i]!
    } else seizedUnits += repayBonus[i]! / p
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
  const a = new Float64Array(4)
  const b = new Float64Array(4)
  const at = (p: number) => {
    const i1 = countAtOrAbove(c.first.price, p)
    const i2 = countAtOrAbove(c.second.price, p)
    prefixSums(c.positions, c.first, i1, a)
    prefixSums(c.positions, c.second, i2, b)
    return { debt: a[0]! + b[0]!, units: a[2]! + b[2]!, tranches: i1 + i2, positions: i1 }
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
  /** Share of the debt liquidated at the price: 0, 0.5 or 1 (a 'target-hf' tranche: its repayShare). */
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
 * same tranche rules and float32-rounded amounts as the cascade. O(n).
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
    const r = s[R]!
    const u = s[C]!
    for (let t = 0; t < k; t++) {
      const theta = s[T1 + t]!
      if (!(theta >= price)) continue
      o.liquidatedUsd += r
      o.liquidatedFraction +=
        pos.closeRule === 'full' ? 1 : pos.closeRule === 'target-hf' ? (pos.repayShare as number) : 0.5
      if (price <= Math.min(theta, s[Q]!)) {
        o.seizedUnits += u
        o.badDebtUsd += r - (u * price) / s[B]!
      } else o.seizedUnits += (r * s[B]!) / price
    }
    return o
  })
}

/** The state of a prepared population at one price, as {@link cascadeStateAt} reads it. */
export interface CascadeStateAt {
  /** Tranches whose threshold is >= the price (liquidated there). */
  tranches: number
  /** Positions with their first tranche liquidated. */
  positions: number
  /** Debt of the liquidated tranches, USD (bad debt included). */
  liquidatedUsd: number
  /** Units seized at that price: sum of min(repay x bonus / p, capUnits), whole tokens. */
  seizedUnits: number
  /** Debt of capped tranches not covered by their collateral at the price, USD. */
  badDebtUsd: number
}

/**
 * Every tranche liquidated at price `p` (USD per unit, > 0) and what it seizes, each seizure
 * valued at `p` (the module's convention): three binary searches and block sums, O(log n). The
 * systemic cascade (systemic-cascade.ts) reads each oracle group through it.
 */
export function cascadeStateAt(prepared: PreparedCascade, p: number): CascadeStateAt {
  const sums = new Float64Array(12)
  const e = evaluateFast(prepared, p, sums)
  const bad = sums[8]! - p * sums[11]!
  return {
    tranches: e.tranches,
    positions: e.i1,
    liquidatedUsd: sums[0]! + sums[4]!,
    seizedUnits: e.sold,
    badDebtUsd: bad > 0 ? bad : 0,
  }
}
