/**
 * Benchmark: the two-asset liquidation surface (src/risk/surface.ts) at its cap (41 x 41 cells,
 * range 0.95) against the strongest fair anchor run side by side: the same grid, the same
 * boundary and cut searches, every health factor taken from the stress engine's
 * `stressPosition` (what the surface's allocation-free evaluator restates).
 *
 * Positions (synthetic, deterministic): Aave v3.0 (whole-bps average LT) WETH + WBTC / USDC,
 * Morpho WETH / USDC, a GMX long ETH, repeated to --positions.
 *
 * Prints: the median time of each over --runs, their ratio, and whether both gave the same
 * grids and boundaries (they must: bit-equal health factors).
 *
 * Usage: npx tsx scripts/bench/surface.ts [--positions 10] [--runs 5]
 */
import { parseArgs } from 'node:util'
import { isolatedMaintenanceRule } from '../../src/core/liquidation-rule.js'
import type { Leg, Position } from '../../src/core/types.js'
import { aaveV3LiquidationRule } from '../../src/protocols/aave-v3/position.js'
import { morphoBlueLiquidationRule } from '../../src/protocols/morpho-blue/position.js'
import type { Contribution } from '../../src/resolve/types.js'
import type { StressInput } from '../../src/risk/stress.js'
import {
  crossings,
  healthFactorAt,
  liquidationSurface,
  MAX_SURFACE_POINTS,
  surfaceMoves,
} from '../../src/risk/surface.js'

const { values } = parseArgs({
  options: { positions: { type: 'string', default: '10' }, runs: { type: 'string', default: '5' } },
})
const N = Number(values.positions)
const RUNS = Number(values.runs)
const RANGE = 0.95
const POINTS = MAX_SURFACE_POINTS

const RISK: Record<string, string> = { WETH: 'ETH', WBTC: 'BTC', USDC: 'USD' }
const leg = (side: Leg['side'], symbol: string, usd: number, lt?: number): Leg => ({
  asset: { symbol, address: null, decimals: 18 },
  side,
  amount: 1n,
  usd,
  priceUsd: 1,
  ...(lt === undefined
    ? {}
    : { countsAsCollateral: true, liquidationThresholdBps: lt, liquidationBonusBps: 10_500 }),
})
function position(i: number): StressInput {
  const k = i % 3
  const legs =
    k === 0
      ? [
          leg('collateral', 'WETH', 15_000, 8_250),
          leg('collateral', 'WBTC', 30_000, 7_500),
          leg('debt', 'USDC', 25_000),
        ]
      : k === 1
        ? [leg('collateral', 'WETH', 20_000 + i, 8_600), leg('debt', 'USDC', 12_000)]
        : [leg('long', 'WETH', 30_000)]
  const base = {
    unit: 100_000_000n,
    priceInUsd: 100_000_000n,
    networkBaseTokenPriceInUsd: 300_000_000_000n,
    networkBaseTokenPriceDecimals: 8,
  }
  const rule =
    k === 0
      ? aaveV3LiquidationRule('v3.0', base)
      : k === 1
        ? morphoBlueLiquidationRule(860_000_000_000_000_000n)
        : isolatedMaintenanceRule(0.01, 300)
  const id = `p${i}`
  const p: Position = {
    status: 'ok',
    protocol: 'bench',
    market: id,
    chain: 'bench',
    kind: k === 2 ? 'perp' : 'lending',
    healthFactor: 1.3,
    healthFactorWad: null,
    collateralUsd: legs.filter((l) => l.side === 'collateral').reduce((a, l) => a + l.usd, 0),
    debtUsd: legs.filter((l) => l.side === 'debt').reduce((a, l) => a + l.usd, 0),
    legs,
    liquidationPrices: [],
    liquidationRule: rule,
    details: {},
  }
  const contributions: Contribution[] = legs.map((l) => ({
    layer: id,
    source: l.side,
    symbol: l.asset.symbol,
    token: null,
    riskAsset: RISK[l.asset.symbol] as string,
    units: 0,
    units18: null,
    usd: l.side === 'debt' ? -l.usd : l.usd,
    path: [l.asset.symbol],
    issuers: [],
    flags: {},
  }))
  if (k === 2)
    contributions.push({
      ...(contributions[0] as Contribution),
      source: 'financing',
      riskAsset: 'USD',
      usd: -27_000,
    })
  return { id, position: p, contributions }
}
const inputs = Array.from({ length: N }, (_, i) => position(i))

/** The anchor: the surface's searches with every HF from the stress engine. */
function anchorSurface(list: readonly StressInput[]) {
  const moves = surfaceMoves(RANGE, POINTS)
  return list.map((input) => {
    const hf = (mx: number, my: number) => healthFactorAt(input, 'ETH', 'BTC', mx, my)
    const grid = moves.map((my) => moves.map((mx) => hf(mx, my)))
    const boundary: number[] = []
    for (const mx of moves) boundary.push(...crossings((t) => hf(mx, t), -RANGE, RANGE, POINTS))
    for (const my of moves) boundary.push(...crossings((t) => hf(t, my), -RANGE, RANGE, POINTS))
    const cuts = [
      ...crossings((t) => hf(t, 0), -0.999999, 10, 400),
      ...crossings((t) => hf(0, t), -0.999999, 10, 400),
    ]
    return { grid, boundary, cuts }
  })
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.floor(s.length / 2)] as number
}
function time<T>(f: () => T): [number, T] {
  const t0 = performance.now()
  const r = f()
  return [performance.now() - t0, r]
}

const fast: number[] = []
const anchor: number[] = []
let same = true
for (let r = 0; r < RUNS; r++) {
  const [tf, s] = time(() => liquidationSurface(inputs, { x: 'ETH', y: 'BTC', range: RANGE, points: POINTS }))
  const [ta, a] = time(() => anchorSurface(inputs))
  fast.push(tf)
  anchor.push(ta)
  for (const [i, p] of s.positions.entries()) {
    const q = a[i]!
    const cells = p.healthFactors.flat()
    const qc = q.grid.flat()
    if (cells.some((v, j) => v !== qc[j])) same = false
    // The anchor searched lines whose asset the position does not hold too: only crossings count.
    const pb = [
      ...p.boundary.filter((b) => b.along === 'column').map((b) => b.y),
      ...p.boundary.filter((b) => b.along === 'row').map((b) => b.x),
    ]
    if (pb.length !== q.boundary.length || pb.some((v, j) => v !== q.boundary[j])) same = false
    const pc = [...p.xCuts, ...p.yCuts]
    if (pc.length !== q.cuts.length || pc.some((v, j) => v !== q.cuts[j])) same = false
  }
}
const mf = median(fast)
const ma = median(anchor)
console.log(`surface ${POINTS}x${POINTS}, range ${RANGE}, ${N} positions, ${RUNS} runs (medians)`)
console.log(
  `  surface (allocation-free evaluator): ${mf.toFixed(1)} ms (${(mf / N).toFixed(2)} ms a position)`,
)
console.log(`  anchor  (stress engine per point):   ${ma.toFixed(1)} ms`)
console.log(`  ratio anchor / surface: ${(ma / mf).toFixed(1)}x`)
console.log(`  same grids, boundaries and cuts: ${same ? 'yes' : 'NO'}`)
if (!same) process.exitCode = 1
