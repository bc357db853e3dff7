/**
 * Benchmark: the liquidation-cascade engine (src/risk/cascade.ts) on 1M synthetic positions.
 *
 * Population (seeded, mulberry32): ETH at 3000 USD; liquidation prices 0.5-0.95 x start (more
 * of them near the top, as leverage clusters there); five market profiles — Aave v3.0 core
 * (LT 0.83, bonus 1.05), Aave ETH eMode (LT 0.95, bonus 1.01), Morpho LLTV 0.86 / 0.915 / 0.945
 * with LIF = min(1.15, 1/(1 - 0.3(1 - LLTV))); collateral log-uniform 0.05-2,000 ETH; 20% of
 * positions carry other collateral (~10.8M ETH in all). Depth: square-root law calibrated on a
 * quote of 50,000 ETH per -1% (--quote), so that -10% cascades over a dozen rounds to about -24%.
 *
 * Prints: prepare time; median fast and naive time of one -10% scenario and their ratio; the
 * largest relative difference of final prices over 20 scenarios; how far the engine's float32
 * inputs move the final price from an all-float64 evaluation of the same model (informative, no
 * target); a 100-point shock curve; the bytes of the prepared typed arrays, per part; PASS/FAIL
 * per target.
 *
 * Usage: npx tsx scripts/bench/cascade.ts [--positions 1000000] [--runs 200] [--naive-runs 9] [--quote 50000]
 */
import { parseArgs } from 'node:util'
import {
  type CascadePosition,
  cascadeCurve,
  naiveCascade,
  prepareCascade,
  runCascade,
  tabulateTranches,
} from '../../src/risk/cascade.js'
import { sqrtDepthFromQuote } from '../../src/risk/depth.js'

const { values } = parseArgs({
  options: {
    positions: { type: 'string', default: '1000000' },
    runs: { type: 'string', default: '200' },
    'naive-runs': { type: 'string', default: '9' },
    quote: { type: 'string', default: '50000' },
  },
})
const N = Number(values.positions)
const RUNS = Number(values.runs)
const NAIVE_RUNS = Number(values['naive-runs'])

function mulberry32(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

const lif = (lltv: number) => Math.min(1.15, 1 / (1 - 0.3 * (1 - lltv)))
const PROFILES: { lt: number; bonus: number; closeRule: CascadePosition['closeRule']; weight: number }[] = [
  { lt: 0.83, bonus: 1.05, closeRule: 'aave-v3.0', weight: 0.35 },
  { lt: 0.95, bonus: 1.01, closeRule: 'aave-v3.0', weight: 0.2 },
  { lt: 0.86, bonus: lif(0.86), closeRule: 'full', weight: 0.2 },
  { lt: 0.915, bonus: lif(0.915), closeRule: 'full', weight: 0.15 },
  { lt: 0.945, bonus: lif(0.945), closeRule: 'full', weight: 0.1 },
]

const START = 3000
function population(n: number, seed: number): CascadePosition[] {
  const rnd = mulberry32(seed)
  const out: CascadePosition[] = new Array(n)
  for (let i = 0; i < n; i++) {
    let u = rnd()
    let prof = PROFILES[0]!
    for (const p of PROFILES) {
      if (u < p.weight) {
        prof = p
        break
      }
      u -= p.weight
    }
    const ratio = 0.5 + 0.45 * rnd() ** 2
    const pLiq = ratio * START
    const collateral = 0.01 * 10000 ** rnd()
    const other = rnd() < 0.2 ? collateral * START * rnd() : 0
    const debtUsd = prof.lt * (collateral * pLiq + other)
    const pos: CascadePosition = {
      collateral,
      debtUsd,
      liquidationThreshold: prof.lt,
      bonus: prof.bonus,
      closeRule: prof.closeRule,
    }
    if (other > 0) pos.otherCollateralUsd = other
    out[i] = pos
  }
  return out
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b)
  return s[s.length >> 1]!
}
const fmt = (ms: number) => (ms < 1 ? `${(ms * 1000).toFixed(1)} µs` : `${ms.toFixed(2)} ms`)
const verdicts: [string, boolean][] = []
const check = (name: string, ok: boolean) => verdicts.push([name, ok])

const t0 = performance.now()
const positions = population(N, 20261124)
const tGen = performance.now() - t0
const totalUnits = positions.reduce((a, p) => a + p.collateral, 0)
const depth = sqrtDepthFromQuote(Number(values.quote))
console.log(
  `population: ${N.toLocaleString()} positions, ${Math.round(totalUnits).toLocaleString()} ETH collateral (generated in ${fmt(tGen)})`,
)

// Prepare (best of 3: the first run also pays for JIT warm-up).
const prepTimes: number[] = []
const prepCpu: number[] = []
let prepared = prepareCascade(positions)
for (let i = 0; i < 3; i++) {
  const c0 = process.cpuUsage()
  const t = performance.now()
  prepared = prepareCascade(positions)
  prepTimes.push(performance.now() - t)
  const c = process.cpuUsage(c0)
  prepCpu.push((c.user + c.system) / 1000)
}
const tPrep = Math.min(...prepTimes)
const tranches = prepared.first.price.length + prepared.second.price.length
console.log(
  `prepare: ${fmt(tPrep)} wall, ${fmt(Math.min(...prepCpu))} CPU (min of 3; ${tranches.toLocaleString()} tranches, ${prepared.capped.price.length.toLocaleString()} cap events)`,
)
check('prepare < 1500 ms', tPrep < 1500)

const scenario = { startPrice: START, shock: -0.1, depth }
const fast = runCascade(prepared, scenario)
console.log(
  `scenario -10%: final ${fast.finalShock.toFixed(4)} (price ${fast.finalPrice.toFixed(2)}), ${fast.rounds} rounds, ` +
    `${fast.iterations} iterations, ${fast.positionsLiquidated.toLocaleString()} positions, ` +
    `${(fast.liquidatedUsd / 1e9).toFixed(3)} bn USD liquidated, ${Math.round(fast.seizedUnits).toLocaleString()} ETH sold, ` +
    `bad debt ${fast.badDebtUsd.toFixed(0)} USD`,
)
for (let i = 0; i < 20; i++) runCascade(prepared, scenario)
const fastTimes: number[] = []
for (let i = 0; i < RUNS; i++) {
  const t = performance.now()
  runCascade(prepared, scenario)
  fastTimes.push(performance.now() - t)
}
const tFast = median(fastTimes)

// Naive, two ways: from the positions (lays them out in typed arrays, then rescans), and the
// rescans alone on a table laid out beforehand — the fair comparison of the algorithms.
const table = tabulateTranches(positions)
naiveCascade(table, scenario)
const naiveTimes: number[] = []
const scanTimes: number[] = []
for (let i = 0; i < NAIVE_RUNS; i++) {
  let t = performance.now()
  naiveCascade(positions, scenario)
  naiveTimes.push(performance.now() - t)
  t = performance.now()
  naiveCascade(table, scenario)
  scanTimes.push(performance.now() - t)
}
const tNaive = median(naiveTimes)
const tScan = median(scanTimes)
console.log(
  `one scenario, median: fast ${fmt(tFast)} (${RUNS} runs) | naive rescans ${fmt(tScan)} (${fast.iterations + 2} scans of ` +
    `${table.count.toLocaleString()} tranches) | naive/fast ${(tScan / tFast).toFixed(0)}x | naive incl. layout from objects ${fmt(tNaive)}`,
)
check('fast scenario <= 5 ms', tFast <= 5)
check('naive/fast >= 10x (rescans only)', tScan / tFast >= 10)

const shocks20 = Array.from({ length: 20 }, (_, i) => -0.01 - (0.49 * i) / 19)
let maxRel = 0
let worst = 0
for (const shock of shocks20) {
  const a = runCascade(prepared, { ...scenario, shock })
  const b = naiveCascade(table, { ...scenario, shock })
  const rel = Math.abs(a.finalPrice - b.finalPrice) / b.finalPrice
  if (rel > maxRel) {
    maxRel = rel
    worst = shock
  }
}
console.log(
  `fast vs naive over 20 scenarios (-1% .. -50%): max relative final-price difference ${maxRel.toExponential(2)} (at ${worst.toFixed(3)})`,
)
check('max rel diff <= 1e-9', maxRel <= 1e-9)

// The engine holds amounts and prices at float32 precision: the same model on unrounded float64
// inputs (min(R * bonus / p, capUnits), exact thresholds), rescanning, shows what that costs.
const exact = (() => {
  const th: number[] = []
  const rb: number[] = []
  const cu: number[] = []
  for (const p of positions) {
    const o = p.otherCollateralUsd ?? 0
    const denom = p.collateral * p.liquidationThreshold
    const pLiq = (p.debtUsd - p.liquidationThreshold * o) / denom
    if (!(pLiq > 0)) continue
    const half = p.closeRule === 'full' ? 1 : 0.5
    const p95 = p.closeRule === 'full' ? 0 : (0.95 * p.debtUsd - p.liquidationThreshold * o) / denom
    for (const t of p95 > 0 ? [pLiq, p95] : [pLiq]) {
      th.push(t)
      rb.push(half * p.debtUsd * p.bonus)
      cu.push(half * p.collateral)
    }
  }
  return { th: Float64Array.from(th), rb: Float64Array.from(rb), cu: Float64Array.from(cu) }
})()
function exactFinalPrice(shock: number): number {
  const p0 = START * (1 + shock)
  const evaluate = (p: number) => {
    let tranches = 0
    let sold = 0
    for (let i = 0; i < exact.th.length; i++)
      if (exact.th[i]! >= p) {
        tranches++
        sold += Math.min(exact.rb[i]! / p, exact.cu[i]!)
      }
    return { tranches, sold }
  }
  let p = p0
  let ev = evaluate(p)
  for (let it = 0; ev.tranches > 0 && it < 1000; it++) {
    const next = Math.min(p, p0 * depth.impactFactor(ev.sold))
    const evNext = evaluate(next)
    const settled = evNext.tranches === ev.tranches && p - next <= 1e-12 * p
    p = next
    ev = evNext
    if (settled) break
  }
  return p
}
let maxRel64 = 0
for (const shock of [-0.05, -0.1, -0.2, -0.3]) {
  const a = runCascade(prepared, { ...scenario, shock }).finalPrice
  maxRel64 = Math.max(maxRel64, Math.abs(a - exactFinalPrice(shock)) / a)
}
console.log(
  `float32 inputs vs an all-float64 evaluation (-5%, -10%, -20%, -30%): max relative final-price difference ${maxRel64.toExponential(2)}`,
)

const shocks100 = Array.from({ length: 100 }, (_, i) => -(i + 1) / 200)
cascadeCurve(prepared, START, shocks100, depth)
const curveTimes: number[] = []
for (let i = 0; i < 5; i++) {
  const t = performance.now()
  cascadeCurve(prepared, START, shocks100, depth)
  curveTimes.push(performance.now() - t)
}
const tCurve = median(curveTimes)
console.log(`100-point shock curve (-0.5% .. -50%): ${fmt(tCurve)} (median of 5)`)
check('100-point curve < 1 s', tCurve < 1000)

const mb = prepared.byteLength / 1e6
const part = (o: object) =>
  (
    Object.values(o).reduce((a: number, v) => a + (v === null ? 0 : (v as Float64Array).byteLength), 0) / 1e6
  ).toFixed(1)
console.log(
  `prepared typed arrays: ${mb.toFixed(1)} MB (${(prepared.byteLength / N).toFixed(1)} bytes per position; ` +
    `positions ${part(prepared.positions)}, first ${part(prepared.first)}, second ${part(prepared.second)}, ` +
    `capped ${part(prepared.capped)} MB)`,
)
check('prepared < 40 MB', mb < 40)

console.log('')
for (const [name, ok] of verdicts) console.log(`${ok ? 'PASS' : 'FAIL'}  ${name}`)
