/**
 * The liquidation monitor's fast path (src/risk/mc-monitor.ts: sorted threshold lists, ratio
 * screens, several-asset boxes, the WebAssembly box check) gives the verdicts of checking every
 * rule of every alive position after every step (test/helpers/montecarlo-reference.ts): on random
 * portfolios (fast-check, fixed seed 20261202, 30 runs) the whole result is equal, bit for bit
 * (every position's liquidation probability, the terminal-equity quantiles and histogram, which
 * depend on the step each position is liquidated at). Portfolios mix one-asset loans and perps
 * (long and short), ratio loans (collateral in one asset, debt in another), two-asset loans
 * against USD and mixed-sign loans with a constant, at health factors from 1.01 to 2, on 1 to 3
 * correlated assets (a one-factor correlation), some with Merton jumps; two blocks of paths, one
 * partial. Each holds a supply-only position (never liquidated), so no block stops drawing early
 * (the one case where the reference's stream parts from the engine's). The same, with
 * WebAssembly unavailable (as on Cloudflare Workers): the JS kernels and the JS box check.
 */
import fc from 'fast-check'
import { describe, expect, it, vi } from 'vitest'
import { type McInput, type McPosition, runMonteCarlo } from '../../../src/risk/montecarlo.js'
import { runMonteCarlo as runReference } from '../../helpers/montecarlo-reference.js'

const NAMES = ['ETH', 'BTC', 'SOL']

const loan = (id: string, coll: Record<string, number>, lt: number, debt: Record<string, number>) => {
  const liq: Record<string, number> = {}
  const eq: Record<string, number> = {}
  let c = 0
  for (const [a, v] of Object.entries(coll)) {
    liq[a] = (liq[a] ?? 0) + v * lt
    eq[a] = (eq[a] ?? 0) + v
  }
  for (const [a, v] of Object.entries(debt)) {
    if (a === 'USD') c -= v
    else {
      liq[a] = (liq[a] ?? 0) - v
      eq[a] = (eq[a] ?? 0) - v
    }
  }
  return { id, liqCoeffs: liq, liqConst: c, equityCoeffs: eq, equityConst: c, liquidationPenaltyUsd: 40 }
}

const positionArb = (n: number) =>
  fc
    .record({
      kind: fc.constantFrom('one', 'perp', 'ratio', 'twoUsd', 'mixed'),
      a: fc.integer({ min: 0, max: n - 1 }),
      b: fc.integer({ min: 0, max: n - 1 }),
      hf: fc.double({ min: 1.01, max: 2, noNaN: true }),
      size: fc.double({ min: 1_000, max: 50_000, noNaN: true }),
      long: fc.boolean(),
    })
    .map(({ kind, a, b, hf, size, long }) => ({ kind, a: NAMES[a]!, b: NAMES[b]!, hf, size, long }))

const build = (
  id: string,
  p: { kind: string; a: string; b: string; hf: number; size: number; long: boolean },
): McPosition => {
  const lt = 0.8
  switch (p.kind) {
    case 'one':
      return loan(id, { [p.a]: p.size }, lt, { USD: (p.size * lt) / p.hf })
    case 'perp': {
      const notional = p.long ? p.size : -p.size
      const margin = p.size / (5 * p.hf)
      return {
        id,
        liqCoeffs: { [p.a]: notional - p.size * 0.01 },
        liqConst: margin - notional,
        equityCoeffs: { [p.a]: notional },
        equityConst: margin - notional,
        liquidationPenaltyUsd: p.size * 0.01,
      }
    }
    case 'ratio':
      // The same asset on both sides folds into one coefficient: still a valid (one-asset) rule.
      return loan(id, { [p.a]: p.size }, lt, { [p.b]: (p.size * lt) / p.hf })
    case 'twoUsd':
      return loan(id, { [p.a]: p.size / 2, [p.b]: p.size / 2 }, lt, { USD: (p.size * lt) / p.hf })
    default:
      return loan(id, { [p.a]: p.size, [p.b]: p.size / 4 }, lt, {
        [p.b]: (p.size * lt) / (2 * p.hf),
        USD: (p.size * lt) / (4 * p.hf),
      })
  }
}

const portfolioArb = fc.integer({ min: 1, max: 3 }).chain((n) =>
  fc.record({
    n: fc.constant(n),
    vols: fc.array(fc.double({ min: 0.2, max: 1.2, noNaN: true }), { minLength: n, maxLength: n }),
    loads: fc.array(fc.double({ min: -0.9, max: 0.9, noNaN: true }), { minLength: n, maxLength: n }),
    jumps: fc.array(fc.boolean(), { minLength: n, maxLength: n }),
    positions: fc.array(positionArb(n), { minLength: 1, maxLength: 14 }),
    steps: fc.integer({ min: 5, max: 60 }),
    horizonDays: fc.integer({ min: 7, max: 90 }),
    seed: fc.integer({ min: 0, max: 1_000_000 }),
  }),
)

const inputOf = (w: Portfolio): McInput => {
  const assets = Array.from({ length: w.n }, (_, i) => ({
    name: NAMES[i]!,
    price: 100 * (i + 1),
    volatility: w.vols[i]!,
    ...(w.jumps[i] ? { jump: { intensity: 3, meanLog: -0.08, volLog: 0.05 } } : {}),
  }))
  return {
    assets,
    correlation: assets.map((_, i) => assets.map((__, j) => (i === j ? 1 : w.loads[i]! * w.loads[j]!))),
    positions: [
      loan('supply', { [NAMES[0]!]: 500 }, 0.8, {}),
      ...w.positions.map((p, k) => build(`p${k}`, p)),
    ],
    horizonDays: w.horizonDays,
    steps: w.steps,
    paths: 700,
    seed: w.seed,
  }
}
type Portfolio = typeof portfolioArb extends fc.Arbitrary<infer T> ? T : never

describe('the liquidation monitor gives the per-step per-position verdicts', () => {
  it('without WebAssembly (the JS kernels and box check): equal to the reference too', async () => {
    const g = globalThis as unknown as { WebAssembly?: unknown }
    const saved = g.WebAssembly
    vi.resetModules()
    g.WebAssembly = undefined
    let engine: typeof import('../../../src/risk/montecarlo.js')
    let reference: typeof import('../../helpers/montecarlo-reference.js')
    let random: typeof import('../../../src/risk/random.js')
    try {
      engine = await import('../../../src/risk/montecarlo.js')
      reference = await import('../../helpers/montecarlo-reference.js')
      random = await import('../../../src/risk/random.js')
    } finally {
      g.WebAssembly = saved
      vi.resetModules()
    }
    // The fresh modules run the JS kernels.
    expect(new random.NormalBuffer(8).native).toBe(false)
    fc.assert(
      fc.property(portfolioArb, (w) => {
        const input = inputOf(w)
        expect(engine.runMonteCarlo(input)).toEqual(reference.runMonteCarlo(input))
      }),
      { seed: 20261203, numRuns: 10 },
    )
  })

  it('equals the reference engine on random portfolios, bit for bit', () => {
    let liquidatedSomewhere = 0
    fc.assert(
      fc.property(portfolioArb, (w) => {
        const assets = Array.from({ length: w.n }, (_, i) => ({
          name: NAMES[i]!,
          price: 100 * (i + 1),
          volatility: w.vols[i]!,
          ...(w.jumps[i] ? { jump: { intensity: 3, meanLog: -0.08, volLog: 0.05 } } : {}),
        }))
        const correlation = assets.map((_, i) =>
          assets.map((__, j) => (i === j ? 1 : w.loads[i]! * w.loads[j]!)),
        )
        const input: McInput = {
          assets,
          correlation,
          positions: [
            loan('supply', { [NAMES[0]!]: 500 }, 0.8, {}),
            ...w.positions.map((p, k) => build(`p${k}`, p)),
          ],
          horizonDays: w.horizonDays,
          steps: w.steps,
          paths: 700,
          seed: w.seed,
        }
        const got = runMonteCarlo(input)
        expect(got).toEqual(runReference(input))
        if (got.walletLiquidationProbability > 0) liquidatedSomewhere++
      }),
      { seed: 20261202, numRuns: 30 },
    )
    // Not vacuous: most random portfolios see liquidations.
    expect(liquidatedSomewhere).toBeGreaterThan(15)
  })
})
