/**
 * Benchmark: the systemic cascade (src/risk/systemic-cascade.ts) on 1M synthetic positions of 4
 * protocols priced through 3 pools, against the strongest simple baseline run side by side.
 *
 * Population (seeded, mulberry32), ETH at 3000 USD, liquidation prices 0.5-0.97 x start (denser
 * near the top): Aave v3.0 (35%: LT 0.83, bonus 1.05, 50%/100% close factor), Morpho (25%:
 * LLTV 0.86 and 0.915, LIF), Comet (15%: whole debt, bonus 1 / 0.93), GMX perp longs (25%: size
 * 0.05-200 ETH). Collateral log-uniform 0.01-100 ETH (~11M ETH in all); 20% of lending positions carry other
 * collateral. Depth: three synthetic Uniswap v3 WETH/USDC pools (fees 0.05%, 0.3%, 1%; ranges
 * of liquidity around 3000) aggregated at one price (pool-depth.ts): selling 1M ETH moves it -1.4%, 3M -5.2%.
 *
 * Baseline (`sweep`): the same model and the same float32 tranche inputs (tabulateTranches), all
 * tranches and perps sorted once by trigger price and once by cap price; each scenario sweeps two
 * pointers forward as the price falls (prices only fall here: no shorts), keeping the sums of
 * repay x bonus (uncapped), capUnits (capped) and perp sizes. It is O(liquidated) per scenario;
 * the systemic engine is O(rounds x groups x log n).
 *
 * Prints: preparation time of both, prepared bytes and heap growth; a 100-point curve (-0.5% ..
 * -50%) by each, their medians over --runs repetitions and the ratio; the largest relative
 * difference of final prices between them; PASS/FAIL of the < 1 s target for the curve.
 *
 * Usage: npx tsx scripts/bench/systemic.ts [--positions 1000000] [--runs 5]
 */
import { parseArgs } from 'node:util'
import { type CascadePosition, tabulateTranches } from '../../src/risk/cascade.js'
import type { UniswapV3PoolState } from '../../src/risk/depth.js'
import type { OracleRule } from '../../src/risk/oracle-rule.js'
import { aggregateDepth, uniswapV3PoolDepth } from '../../src/risk/pool-depth.js'
import {
  prepareSystemic,
  type SystemicLendingGroup,
  type SystemicPerp,
  systemicCurve,
} from '../../src/risk/systemic-cascade.js'

const { values } = parseArgs({
  options: {
    positions: { type: 'string', default: '1000000' },
    runs: { type: 'string', default: '5' },
  },
})
const N = Number(values.positions)
const RUNS = Number(values.runs)
const START = 3000

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
const rnd = mulberry32(17)
const liqPrice = () => START * (0.97 - 0.47 * rnd() ** 1.8)
const units = () => Math.exp(Math.log(0.01) + (Math.log(100) - Math.log(0.01)) * rnd())
const lif = (lltv: number) => Math.min(1.15, 1 / (1 - 0.3 * (1 - lltv)))

function lending(count: number, lt: number, bonus: number, closeRule: CascadePosition['closeRule']) {
  return Array.from({ length: count }, (): CascadePosition => {
    const c = units()
    const other = rnd() < 0.2 ? c * START * 0.3 * rnd() : 0
    return {
      collateral: c,
      debtUsd: lt * (c * liqPrice() + other),
      otherCollateralUsd: other,
      liquidationThreshold: lt,
      bonus,
      closeRule,
    }
  })
}

const ETH: OracleRule = { id: 'ETH/USD', source: { kind: 'market', token: null } }
const groups: SystemicLendingGroup[] = [
  {
    protocol: 'aave-v3',
    market: 'aave',
    oracle: 0,
    token: null,
    positions: lending(Math.round(N * 0.35), 0.83, 1.05, 'aave-v3.0'),
  },
  {
    protocol: 'morpho-blue',
    market: 'm86',
    oracle: 0,
    token: null,
    positions: lending(Math.round(N * 0.15), 0.86, lif(0.86), 'full'),
  },
  {
    protocol: 'morpho-blue',
    market: 'm915',
    oracle: 0,
    token: null,
    positions: lending(Math.round(N * 0.1), 0.915, lif(0.915), 'full'),
  },
  {
    protocol: 'compound-v3',
    market: 'comet',
    oracle: 0,
    token: null,
    positions: lending(Math.round(N * 0.15), 0.9, 1 / 0.93, 'full'),
  },
]
const nPerps = N - groups.reduce((a, g) => a + g.positions.length, 0)
const perps: SystemicPerp[] = Array.from({ length: nPerps }, () => ({
  protocol: 'gmx-v2',
  market: 'ETH/USD',
  oracle: 0,
  side: 'long',
  sizeUnits: Math.exp(Math.log(0.05) + (Math.log(200) - Math.log(0.05)) * rnd()),
  liquidationPrice: liqPrice(),
}))

/** A synthetic WETH (18) / USDC (6) pool at 3000 with liquidity `L` spread over nested ranges. */
function pool(L: number, feePips: number, spacing: number): UniswapV3PoolState {
  const raw = (START * 1e6) / 1e18
  const tick = Math.floor(Math.log(raw) / Math.log(1.0001))
  const at = (offset: number) => Math.round((tick + offset) / spacing) * spacing
  const ranges: [number, number][] = [
    [200, 0.3],
    [2000, 0.3],
    [7000, 0.2],
    [40000, 0.2],
  ]
  return {
    sqrtPriceX96: BigInt(Math.floor(Math.sqrt(raw) * 2 ** 96)),
    liquidity: L,
    tick,
    tickSpacing: spacing,
    ticks: ranges.flatMap(([w, share]) => [
      { tick: at(-w), liquidityNet: L * share },
      { tick: at(w), liquidityNet: -L * share },
    ]),
    assetIsToken0: true,
    decimals0: 18,
    decimals1: 6,
    feePips,
  }
}
const depth = aggregateDepth([
  uniswapV3PoolDepth('WETH/USDC 0.05%', pool(4e21, 500, 10)),
  uniswapV3PoolDepth('WETH/USDC 0.3%', pool(2.5e21, 3000, 60)),
  uniswapV3PoolDepth('WETH/USDC 1%', pool(1e21, 10000, 200)),
])
const shocks = Array.from({ length: 100 }, (_, i) => -0.005 * (i + 1))

const mb = (b: number) => `${(b / 2 ** 20).toFixed(1)} MiB`
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!

// --- the systemic engine ---
globalThis.gc?.()
const heap0 = process.memoryUsage().heapUsed + process.memoryUsage().arrayBuffers
let t = performance.now()
const prepared = prepareSystemic({ oracles: [ETH], lending: groups, perps })
const prepMs = performance.now() - t
const heap1 = process.memoryUsage().heapUsed + process.memoryUsage().arrayBuffers

// --- the baseline: sort once, sweep forward ---
t = performance.now()
const all = groups.flatMap((g) => g.positions)
const table = tabulateTranches(all)
const n = table.count
const byTheta = Uint32Array.from({ length: n }, (_, i) => i).sort(
  (a, b) => table.threshold[b]! - table.threshold[a]!,
)
const byCap = Uint32Array.from({ length: n }, (_, i) => i).sort(
  (a, b) => table.capPrice[b]! - table.capPrice[a]!,
)
const thetaSorted = Float64Array.from(byTheta, (i) => table.threshold[i]!)
const rbSorted = Float64Array.from(byTheta, (i) => table.repayBonusUsd[i]!)
const capSorted = Float64Array.from(byCap, (i) => table.capPrice[i]!)
const capRb = Float64Array.from(byCap, (i) => table.repayBonusUsd[i]!)
const capUnits = Float64Array.from(byCap, (i) => table.capUnits[i]!)
const perpRows = [...perps].sort((a, b) => b.liquidationPrice - a.liquidationPrice)
const perpPrice = Float64Array.from(perpRows, (p) => p.liquidationPrice)
const perpSize = Float64Array.from(perpRows, (p) => p.sizeUnits)
const sweepPrepMs = performance.now() - t

/** One scenario by the sweep: the same rounds and stop rule as runSystemic with one oracle. */
function sweep(shock: number): number {
  const p0 = START * (1 + shock)
  const np = perpPrice.length
  let i1 = 0
  let i3 = 0
  let ip = 0
  let rb = 0
  let capRbSum = 0
  let capU = 0
  let perpU = 0
  let low = p0
  let p = p0
  // The sweep's loops are written out twice (no closure: V8 keeps its variables in registers).
  while (i1 < n && thetaSorted[i1]! >= low) rb += rbSorted[i1++]!
  while (i3 < n && capSorted[i3]! >= low) {
    capRbSum += capRb[i3]!
    capU += capUnits[i3++]!
  }
  while (ip < np && perpPrice[ip]! >= low) perpU += perpSize[ip++]!
  let count = i1 + ip
  for (let it = 0; it < 500; it++) {
    const uncapped = rb - capRbSum
    const sold = (uncapped > 0 ? uncapped / low : 0) + capU + perpU
    const next = p0 * depth.factor(sold)
    const moved = Math.abs(next - p) > 1e-12 * p
    const extended = next < low * (1 - 1e-12)
    p = next
    if (next < low) low = next
    while (i1 < n && thetaSorted[i1]! >= low) rb += rbSorted[i1++]!
    while (i3 < n && capSorted[i3]! >= low) {
      capRbSum += capRb[i3]!
      capU += capUnits[i3++]!
    }
    while (ip < np && perpPrice[ip]! >= low) perpU += perpSize[ip++]!
    const grew = i1 + ip > count
    count = i1 + ip
    if (!grew && !extended && !moved) break
  }
  return p
}

const fastMs: number[] = []
const sweepMs: number[] = []
let fastCurve = systemicCurve(prepared, shocks, { startPrice: START, depth, recordRounds: false })
let sweepCurve = shocks.map(sweep)
for (let r = 0; r < RUNS; r++) {
  t = performance.now()
  fastCurve = systemicCurve(prepared, shocks, { startPrice: START, depth, recordRounds: false })
  fastMs.push(performance.now() - t)
  t = performance.now()
  sweepCurve = shocks.map(sweep)
  sweepMs.push(performance.now() - t)
}
let maxDiff = 0
fastCurve.forEach((r, i) => {
  maxDiff = Math.max(maxDiff, Math.abs(r.finalPrice / sweepCurve[i]! - 1))
})
const fast = median(fastMs)
const slow = median(sweepMs)
const deepest = fastCurve.at(-1)!
console.log(
  `systemic cascade, ${N.toLocaleString('en')} positions (4 protocols, ${depth.pools.length} pools)`,
)
console.log(`  prepare: systemic ${prepMs.toFixed(0)} ms, sweep ${sweepPrepMs.toFixed(0)} ms`)
console.log(
  `  prepared typed arrays ${mb(prepared.byteLength)}; heap + array buffers grew ${mb(heap1 - heap0)}`,
)
console.log(
  `  100-point curve (median of ${RUNS}): systemic ${fast.toFixed(1)} ms, sweep ${slow.toFixed(1)} ms, ratio ${(slow / fast).toFixed(1)}x`,
)
console.log(`  max relative difference of final prices: ${maxDiff.toExponential(2)}`)
console.log(
  `  -50%: final ${deepest.finalShock.toFixed(4)}, ${deepest.positionsLiquidated.toLocaleString('en')} liquidated, ${deepest.rounds} rounds; -10%: final ${fastCurve[19]!.finalShock.toFixed(4)} in ${fastCurve[19]!.iterations} rounds`,
)
console.log(`  ${fast < 1000 ? 'PASS' : 'FAIL'} 100-point curve < 1 s after preparation`)
