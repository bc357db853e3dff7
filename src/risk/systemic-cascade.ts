/**
 * The systemic cascade of one shocked risk asset on one chain: every lending market and every
 * enumerable perp venue in ONE fixed point. Pure, float64 (the lending tranches at the float32
 * precision of `cascade.ts`, whose prepared lists it reuses).
 *
 * Model, one round at a time (round 0 at the shocked prices):
 * 1. Each oracle (an {@link OracleRule}: typed data on the group, never a protocol name) has
 *    published a price; a lending group is liquidated down to the LOWEST price its oracle has
 *    published so far (a liquidation stays done), under its own close rule (the tranches of
 *    `cascade.ts`: Aave's 50%/100% around HF 0.95, whole-debt Morpho/Comet, target-HF V4), each
 *    seizure valued at that price (the cascade module's conservative convention). A perp long is
 *    liquidated once its oracle has published a price at or below its liquidation price, a short
 *    once one at or above it.
 * 2. Flow: liquidators sell every seized unit; a liquidated long's close sells its size, a short's
 *    buys it back (`perpFlowShare` of it: the venue's counterparty hedging through the DEX; 1 by
 *    default). The net units (sold - bought) move the market price through the chain's DEX depth
 *    aggregated over its pools ({@link TwoSidedDepth}): P = P0 x factor(net), P0 the shocked
 *    price. Seized units of a derivative token (an LST with its own curve in `tokenCurves`) are
 *    also sold through that curve for the risk asset, moving the token's DEX ratio:
 *    ratio = (1 + depeg) x curve.factor(sold units of the token).
 * 3. Each oracle takes its rule's target at the new prices ({@link oracleTarget}: market-following
 *    or exchange-rate, which ignores the token's DEX ratio) and publishes it unless its lag
 *    ({@link OracleLag}) holds it back.
 * 4. Repeat until a round liquidates nothing new, every oracle's lowest and highest published
 *    prices moved by less than `relTol`, and no lagged oracle still holds back a price that
 *    would extend them; or `maxRounds` rounds (then `converged` is false).
 * Liquidated sets only grow, so rounds end; with both directions the market price may go up and
 * down between rounds (sells and buy-backs net within a round).
 *
 * Cost: one round is O(groups x log n) (binary searches and block prefix sums); a scenario is a
 * handful of rounds, independent of the number of positions once prepared.
 */
import { BaseError } from '../core/errors.js'
import { type CascadePosition, cascadeStateAt, type PreparedCascade, prepareCascade } from './cascade.js'
import { type OracleRule, oraclePublishes, oracleTarget } from './oracle-rule.js'
import type { TwoSidedDepth } from './pool-depth.js'

/** Lending positions of one market that share one oracle and one collateral token. */
export interface SystemicLendingGroup {
  /** Protocol label for per-protocol output (the position's `protocol`); never branched on. */
  protocol: string
  /** Market id (per-market answers group by it). */
  market: string
  /** Index into {@link SystemicPopulation.oracles}. */
  oracle: number
  /** The derivative token sold through its own curve (a key of `tokenCurves`), or null. */
  token: string | null
  /** The positions, in units of the risk asset (see `cascade.ts`). */
  positions: CascadePosition[]
}

/** One enumerable perp position. */
export interface SystemicPerp {
  id?: string
  protocol: string
  market: string
  /** Index into {@link SystemicPopulation.oracles}. */
  oracle: number
  side: 'long' | 'short'
  /** Size in whole units of the risk asset (> 0). */
  sizeUnits: number
  /** The oracle price at which the venue liquidates it, USD per unit (> 0). */
  liquidationPrice: number
}

/** What {@link prepareSystemic} takes. */
export interface SystemicPopulation {
  oracles: OracleRule[]
  lending: SystemicLendingGroup[]
  perps: SystemicPerp[]
}

interface PreparedGroup {
  protocol: number
  market: string
  oracle: number
  token: string | null
  prepared: PreparedCascade
}

interface PreparedPerpSide {
  protocol: number
  market: string
  oracle: number
  long: boolean
  /** Liquidation prices: descending for longs, ascending for shorts. */
  price: Float64Array
  /** prefix[i] = units of the first i entries. */
  prefix: Float64Array
}

/** A population sorted once; run any number of scenarios on it with {@link runSystemic}. */
export interface PreparedSystemic {
  oracles: readonly OracleRule[]
  /** Protocol labels, in first-seen order: the index of every per-protocol array. */
  protocols: readonly string[]
  groups: readonly PreparedGroup[]
  perps: readonly PreparedPerpSide[]
  /** Lending positions that can be liquidated at some price plus perps. */
  positionCount: number
  /** Bytes of the typed arrays. */
  byteLength: number
}

/** Options of one systemic scenario. */
export interface SystemicOptions {
  /** The risk asset's market price before the shock, USD per unit (> 0). */
  startPrice: number
  /** Initial relative move of the risk asset, > -1 (-0.1 = a 10% drop; > 0 a rally). */
  shock: number
  /** Initial relative DEX move of derivative tokens against the risk asset, by token (stETH: -0.05). */
  depegs?: Readonly<Record<string, number>>
  /** The risk asset's DEX depth against stables (aggregated pools). */
  depth: TwoSidedDepth
  /** Curves of derivative tokens against the risk asset (stETH/ETH stableswap), by token. */
  tokenCurves?: Readonly<Record<string, { factor(soldUnits: number): number }>>
  /** Share of a liquidated perp's size that reaches the DEX, [0, 1]. Default 1. */
  perpFlowShare?: number
  /** Most rounds after round 0. Default 500. */
  maxRounds?: number
  /** Relative price move under which a round that liquidates nothing new ends it. Default 1e-12. */
  relTol?: number
  /** Keep every round's detail (`roundsDetail`). Default true. */
  recordRounds?: boolean
}

/** Per protocol: what the cascade liquidated and the flow it made (cumulative, or one round's). */
export interface SystemicProtocolTotals {
  protocol: string
  /** Lending positions with a liquidated tranche, plus liquidated perps. */
  positionsLiquidated: number
  /** Debt of liquidated tranches (lending), USD; perps: 0. */
  liquidatedUsd: number
  /** Perp notional liquidated, USD at the liquidation prices' oracle (size x oracle price). */
  perpNotionalUsd: number
  /** Units of the risk asset sold (lending seizures, perp long closes). */
  soldUnits: number
  /** Units bought back (perp short closes). */
  boughtUnits: number
  /** Bad debt of capped lending tranches, USD. */
  badDebtUsd: number
}

/** One round of the iteration. */
export interface SystemicRound {
  /** 0 = at the shocked prices. */
  round: number
  /** The risk asset's DEX price this round liquidated at, USD per unit. */
  marketPrice: number
  /** Each oracle's published price this round, in the order of `oracles`. */
  oraclePrices: number[]
  /** What this round added, per protocol (protocols with nothing new omitted). */
  byProtocol: SystemicProtocolTotals[]
}

/** Outcome of one systemic scenario. */
export interface SystemicResult {
  initialShock: number
  /** startPrice x (1 + shock), USD per unit. */
  initialPrice: number
  /** The market price at the fixed point, USD per unit. */
  finalPrice: number
  /** finalPrice / startPrice - 1. */
  finalShock: number
  /** Each oracle's last published price, in the order of `oracles`. */
  oraclePrices: number[]
  /** Each oracle's lowest published price (what the lending groups and longs were liquidated at). */
  oracleLow: number[]
  /** Each oracle's highest published price (what the shorts were liquidated at). */
  oracleHigh: number[]
  /** Each derivative token's DEX ratio to the risk asset at the end (1 = par). */
  tokenRatios: Record<string, number>
  positionsLiquidated: number
  liquidatedUsd: number
  badDebtUsd: number
  soldUnits: number
  boughtUnits: number
  /** Rounds that liquidated something new, round 0 included. */
  rounds: number
  /** Rounds run after round 0. */
  iterations: number
  converged: boolean
  /** Cumulative, per protocol, in the order of `protocols`. */
  byProtocol: SystemicProtocolTotals[]
  /** Every round (when `recordRounds`). */
  roundsDetail: SystemicRound[]
}

function invalid(what: string): never {
  throw new BaseError('INVALID_REQUEST', what)
}

/**
 * Sorts every group once: each lending group into a `cascade.ts` prepared list, each perp side
 * by liquidation price with prefix sums of size. O(n) for lending (radix), O(n log n) for perps.
 * @throws BaseError INVALID_REQUEST for a bad oracle index, perp size or price, or a bad position.
 */
export function prepareSystemic(population: SystemicPopulation): PreparedSystemic {
  const protocols: string[] = []
  const protocolIndex = (p: string) => {
    let i = protocols.indexOf(p)
    if (i < 0) i = protocols.push(p) - 1
    return i
  }
  const nOracles = population.oracles.length
  const checkOracle = (o: number, what: string) => {
    if (!Number.isInteger(o) || o < 0 || o >= nOracles) invalid(`${what}: oracle index ${o} out of range`)
  }
  let bytes = 0
  let count = 0
  const groups: PreparedGroup[] = population.lending.map((g, i) => {
    checkOracle(g.oracle, `lending group ${i}`)
    const prepared = prepareCascade(g.positions)
    bytes += prepared.byteLength
    count += prepared.positionCount
    return {
      protocol: protocolIndex(g.protocol),
      market: g.market,
      oracle: g.oracle,
      token: g.token,
      prepared,
    }
  })
  const sides = new Map<
    string,
    { protocol: number; market: string; oracle: number; long: boolean; rows: SystemicPerp[] }
  >()
  population.perps.forEach((p, i) => {
    checkOracle(p.oracle, `perp ${i}`)
    if (!(p.sizeUnits > 0) || !Number.isFinite(p.sizeUnits)) invalid(`perp ${i}: sizeUnits must be > 0`)
    if (!(p.liquidationPrice > 0) || !Number.isFinite(p.liquidationPrice))
      invalid(`perp ${i}: liquidationPrice must be > 0`)
    const key = `${p.protocol}\u0000${p.market}\u0000${p.oracle}\u0000${p.side}`
    let s = sides.get(key)
    if (!s) {
      s = {
        protocol: protocolIndex(p.protocol),
        market: p.market,
        oracle: p.oracle,
        long: p.side === 'long',
        rows: [],
      }
      sides.set(key, s)
    }
    s.rows.push(p)
  })
  const perps: PreparedPerpSide[] = [...sides.values()].map((s) => {
    const rows = [...s.rows].sort((a, b) =>
      s.long ? b.liquidationPrice - a.liquidationPrice : a.liquidationPrice - b.liquidationPrice,
    )
    const price = Float64Array.from(rows, (r) => r.liquidationPrice)
    const prefix = new Float64Array(rows.length + 1)
    rows.forEach((r, i) => {
      prefix[i + 1] = prefix[i]! + r.sizeUnits
    })
    bytes += price.byteLength + prefix.byteLength
    count += rows.length
    return { protocol: s.protocol, market: s.market, oracle: s.oracle, long: s.long, price, prefix }
  })
  return { oracles: population.oracles, protocols, groups, perps, positionCount: count, byteLength: bytes }
}

/** Entries of a sorted array on the liquidated side of `p` (desc: >= p; asc: <= p). */
function countLiquidated(sorted: Float64Array, p: number, descending: boolean): number {
  let lo = 0
  let hi = sorted.length
  while (lo < hi) {
    const mid = (lo + hi) >>> 1
    if (descending ? sorted[mid]! >= p : sorted[mid]! <= p) lo = mid + 1
    else hi = mid
  }
  return lo
}

// Per protocol columns of the evaluation: positions, liquidatedUsd, perpNotional, sold, bought, bad.
const COLS = 6

interface Evaluation {
  tranches: number
  sold: number
  bought: number
  soldByToken: Map<string, number>
  /** COLS per protocol, cumulative. */
  byProtocol: Float64Array
}

function evaluate(c: PreparedSystemic, low: Float64Array, high: Float64Array, flowShare: number): Evaluation {
  const byProtocol = new Float64Array(c.protocols.length * COLS)
  const soldByToken = new Map<string, number>()
  let tranches = 0
  let sold = 0
  let bought = 0
  for (const g of c.groups) {
    const st = cascadeStateAt(g.prepared, low[g.oracle]!)
    if (st.tranches === 0) continue
    tranches += st.tranches
    sold += st.seizedUnits
    const k = g.protocol * COLS
    byProtocol[k] = byProtocol[k]! + st.positions
    byProtocol[k + 1] = byProtocol[k + 1]! + st.liquidatedUsd
    byProtocol[k + 3] = byProtocol[k + 3]! + st.seizedUnits
    byProtocol[k + 5] = byProtocol[k + 5]! + st.badDebtUsd
    if (g.token !== null) soldByToken.set(g.token, (soldByToken.get(g.token) ?? 0) + st.seizedUnits)
  }
  for (const s of c.perps) {
    const p = s.long ? low[s.oracle]! : high[s.oracle]!
    const n = countLiquidated(s.price, p, s.long)
    if (n === 0) continue
    tranches += n
    const units = s.prefix[n]! * flowShare
    const k = s.protocol * COLS
    byProtocol[k] = byProtocol[k]! + n
    byProtocol[k + 2] = byProtocol[k + 2]! + s.prefix[n]! * p
    if (s.long) {
      sold += units
      byProtocol[k + 3] = byProtocol[k + 3]! + units
    } else {
      bought += units
      byProtocol[k + 4] = byProtocol[k + 4]! + units
    }
  }
  return { tranches, sold, bought, soldByToken, byProtocol }
}

function totals(c: PreparedSystemic, cols: Float64Array, skipEmpty: boolean): SystemicProtocolTotals[] {
  const out: SystemicProtocolTotals[] = []
  c.protocols.forEach((protocol, i) => {
    const k = i * COLS
    if (skipEmpty && cols[k] === 0 && cols[k + 3] === 0 && cols[k + 4] === 0) return
    out.push({
      protocol,
      positionsLiquidated: cols[k]!,
      liquidatedUsd: cols[k + 1]!,
      perpNotionalUsd: cols[k + 2]!,
      soldUnits: cols[k + 3]!,
      boughtUnits: cols[k + 4]!,
      badDebtUsd: cols[k + 5]!,
    })
  })
  return out
}

/**
 * Runs one scenario to the fixed point (see the module comment).
 * @throws BaseError INVALID_REQUEST for startPrice <= 0, shock <= -1, a depeg <= -1, a flow
 *   share outside [0, 1], maxRounds < 1; INTERNAL when a depth returns a non-positive factor.
 */
export function runSystemic(c: PreparedSystemic, o: SystemicOptions): SystemicResult {
  if (!(o.startPrice > 0) || !Number.isFinite(o.startPrice)) invalid(`startPrice must be a finite number > 0`)
  if (!(o.shock > -1) || !Number.isFinite(o.shock))
    invalid(`shock must be a finite number > -1, got ${o.shock}`)
  const depegs = o.depegs ?? {}
  for (const [t, d] of Object.entries(depegs))
    if (!(d > -1) || !Number.isFinite(d)) invalid(`depeg of ${t} must be a finite number > -1, got ${d}`)
  const flowShare = o.perpFlowShare ?? 1
  if (!(flowShare >= 0 && flowShare <= 1)) invalid(`perpFlowShare must be in [0, 1], got ${flowShare}`)
  const maxRounds = o.maxRounds ?? 500
  if (!(maxRounds >= 1)) invalid(`maxRounds must be >= 1`)
  const relTol = o.relTol ?? 1e-12
  const record = o.recordRounds ?? true
  const curves = o.tokenCurves ?? {}
  const p0 = o.startPrice * (1 + o.shock)
  const nO = c.oracles.length
  const ratios = new Map<string, number>()
  const ratioOf = (t: string) => ratios.get(t) ?? 1 + (depegs[t] ?? 0)
  const published = new Float64Array(nO)
  const low = new Float64Array(nO)
  const high = new Float64Array(nO)
  const lastPublished = new Int32Array(nO)
  let P = p0
  c.oracles.forEach((rule, i) => {
    published[i] = oracleTarget(rule, P, ratioOf)
    low[i] = published[i]!
    high[i] = published[i]!
  })
  const detail: SystemicRound[] = []
  let ev = evaluate(c, low, high, flowShare)
  let prevCols: Float64Array = new Float64Array(ev.byProtocol.length)
  const pushRound = (round: number) => {
    if (!record) return
    const delta = new Float64Array(ev.byProtocol.length)
    for (let i = 0; i < delta.length; i++) delta[i] = ev.byProtocol[i]! - prevCols[i]!
    detail.push({
      round,
      marketPrice: P,
      oraclePrices: Array.from(published),
      byProtocol: totals(c, delta, true),
    })
    prevCols = ev.byProtocol
  }
  pushRound(0)
  let rounds = ev.tranches > 0 ? 1 : 0
  let iterations = 0
  let converged = true
  while (true) {
    if (iterations >= maxRounds) {
      converged = false
      break
    }
    iterations++
    const f = o.depth.factor(ev.sold - ev.bought)
    if (!(f > 0) || !Number.isFinite(f)) throw new BaseError('INTERNAL', `depth returned factor ${f}`)
    const nextP = p0 * f
    for (const [t, curve] of Object.entries(curves)) {
      const g = curve.factor(ev.soldByToken.get(t) ?? 0)
      if (!(g > 0)) throw new BaseError('INTERNAL', `curve of ${t} returned factor ${g}`)
      ratios.set(t, (1 + (depegs[t] ?? 0)) * g)
    }
    let extended = false
    let pending = false
    for (let i = 0; i < nO; i++) {
      const rule = c.oracles[i]!
      const target = oracleTarget(rule, nextP, ratioOf)
      if (oraclePublishes(rule, published[i]!, target, iterations - lastPublished[i]!)) {
        published[i] = target
        lastPublished[i] = iterations
        if (target < low[i]! * (1 - relTol) || target > high[i]! * (1 + relTol)) extended = true
        if (target < low[i]!) low[i] = target
        if (target > high[i]!) high[i] = target
      } else if (target < low[i]! * (1 - relTol) || target > high[i]! * (1 + relTol)) pending = true
    }
    const moved = Math.abs(nextP - P) > relTol * P
    P = nextP
    const next = evaluate(c, low, high, flowShare)
    const grew = next.tranches > ev.tranches
    if (grew) rounds++
    ev = next
    pushRound(iterations)
    if (!grew && !extended && !pending && !moved) break
  }
  const cols = ev.byProtocol
  let positions = 0
  let liquidatedUsd = 0
  let bad = 0
  for (let i = 0; i < c.protocols.length; i++) {
    positions += cols[i * COLS]!
    liquidatedUsd += cols[i * COLS + 1]!
    bad += cols[i * COLS + 5]!
  }
  return {
    initialShock: o.shock,
    initialPrice: p0,
    finalPrice: P,
    finalShock: P / o.startPrice - 1,
    oraclePrices: Array.from(published),
    oracleLow: Array.from(low),
    oracleHigh: Array.from(high),
    tokenRatios: Object.fromEntries(
      [...new Set([...Object.keys(curves), ...Object.keys(depegs)])].map((t) => [t, ratioOf(t)]),
    ),
    positionsLiquidated: positions,
    liquidatedUsd,
    badDebtUsd: bad,
    soldUnits: ev.sold,
    boughtUnits: ev.bought,
    rounds,
    iterations,
    converged,
    byProtocol: totals(c, cols, false),
    roundsDetail: detail,
  }
}

/** One {@link runSystemic} per shock, the rest of the options shared. */
export function systemicCurve(
  c: PreparedSystemic,
  shocks: readonly number[],
  options: Omit<SystemicOptions, 'shock'>,
): SystemicResult[] {
  return shocks.map((shock) => runSystemic(c, { ...options, shock }))
}

/** A position's trigger: the oracle it reads and the price that liquidates it. */
export interface SystemicTrigger {
  /** Index into the population's oracles. */
  oracle: number
  /** USD per unit of the risk asset (> 0). */
  price: number
  /** 'below': liquidated at an oracle price <= price (lending, perp longs); 'above': >= (shorts). */
  side: 'below' | 'above'
}

/** Answer of {@link systemicShockToLiquidate}. */
export interface SystemicShockAnswer {
  /** The shock the trigger needs without any cascade: price / (oracle price at no shock) - 1. */
  naiveShock: number | null
  /**
   * The smallest initial move (closest to 0, within `tolerance`, on the side that reaches it)
   * whose fixed point publishes a trigger price on that oracle; 0 when no shock is needed; null
   * when no move in (-1, 10] gets there.
   */
  shock: number | null
}

/**
 * The smallest initial shock that liquidates `trigger` once the cascade of `c` is counted, by
 * bisection between the naive shock (which always reaches it) and 0. A shock that reaches the
 * trigger without the cascade reaches it with it, so the bisection's bracket is valid; inside it
 * the answer is exact to `tolerance` when the reached set is an interval (always with flow in one
 * direction; with buy-backs and sells netting, the bisection returns one boundary).
 */
export function systemicShockToLiquidate(
  c: PreparedSystemic,
  trigger: SystemicTrigger,
  options: Omit<SystemicOptions, 'shock' | 'recordRounds'> & { tolerance?: number },
): SystemicShockAnswer {
  const tolerance = options.tolerance ?? 1e-6
  const rule = c.oracles[trigger.oracle]
  if (!rule) invalid(`oracle index ${trigger.oracle} out of range`)
  if (!(trigger.price > 0)) return { naiveShock: null, shock: null }
  const depegs = options.depegs ?? {}
  const at0 = oracleTarget(rule, options.startPrice, (t) => 1 + (depegs[t] ?? 0))
  const naive = trigger.price / at0 - 1
  const below = trigger.side === 'below'
  if (!(naive > -1) || naive > 10) return { naiveShock: naive > -1 ? naive : null, shock: null }
  const reaches = (shock: number) => {
    const r = runSystemic(c, { ...options, shock, recordRounds: false })
    return below
      ? r.oracleLow[trigger.oracle]! <= trigger.price
      : r.oracleHigh[trigger.oracle]! >= trigger.price
  }
  if (reaches(0)) return { naiveShock: naive, shock: 0 }
  let far = naive
  let near = 0
  while (Math.abs(near - far) > tolerance) {
    const mid = (far + near) / 2
    if (reaches(mid)) far = mid
    else near = mid
  }
  return { naiveShock: naive, shock: far }
}
