/**
 * Monte Carlo engine against closed forms (tolerance: 3 standard errors of the estimate, the
 * standard errors computed from the same sample or from the binomial formula):
 * - GBM: log(S_T/S_0) ~ N((mu - sigma^2/2) T, sigma^2 T);
 * - correlated GBM: corr of terminal log returns = input correlation (SE of a sample correlation
 *   ~ (1 - rho^2)/sqrt(n));
 * - Merton jumps: Var = sigma^2 T + lambda T (volLog^2 + meanLog^2), E[S_T/S_0] = exp(mu T);
 * - first passage of GBM below a barrier (reflection principle), with the Broadie-Glasserman-Kou
 *   continuity correction for discrete monitoring;
 * - a deterministic (sigma = 0) path whose liquidation step and frozen equity are computed by hand.
 */
import { describe, expect, it } from 'vitest'
import { normCdf } from '../../../src/risk/black-scholes.js'
import {
  choleskyCorrelation,
  gbmTerminalLogReturns,
  type McInput,
  type McPosition,
  runMonteCarlo,
} from '../../../src/risk/montecarlo.js'

function meanVar(a: Float64Array) {
  let m = 0
  for (const x of a) m += x
  m /= a.length
  let v = 0
  let m4 = 0
  for (const x of a) {
    const d2 = (x - m) ** 2
    v += d2
    m4 += d2 * d2
  }
  v /= a.length - 1
  m4 /= a.length
  return { mean: m, variance: v, seMean: Math.sqrt(v / a.length), seVar: Math.sqrt((m4 - v * v) / a.length) }
}

function corr(x: Float64Array, y: Float64Array): number {
  const a = meanVar(x)
  const b = meanVar(y)
  let c = 0
  for (let i = 0; i < x.length; i++) c += (x[i]! - a.mean) * (y[i]! - b.mean)
  return c / (x.length - 1) / Math.sqrt(a.variance * b.variance)
}

/** Lending position: collateral in one asset, USD debt. */
function lending(
  id: string,
  asset: string,
  collateralUsd: number,
  lt: number,
  debtUsd: number,
  bonus = 1.05,
) {
  return {
    id,
    liqCoeffs: { [asset]: collateralUsd * lt },
    liqConst: -debtUsd,
    equityCoeffs: { [asset]: collateralUsd },
    equityConst: -debtUsd,
    liquidationPenaltyUsd: (bonus - 1) * debtUsd,
  } satisfies McPosition
}

const ETH = { name: 'ETH', price: 3000, volatility: 0.65 }
const BTC = { name: 'BTC', price: 60000, volatility: 0.5 }

describe('gbmTerminalLogReturns', () => {
  it('single asset: mean (mu - sigma^2/2)T and variance sigma^2 T within 3 SE', () => {
    const sigma = 0.8
    const mu = 0.1
    const T = 0.5
    const [x] = gbmTerminalLogReturns(
      { assets: [{ volatility: sigma, drift: mu }], horizonDays: 365 * T },
      200_000,
      25,
      11,
    )
    const s = meanVar(x!)
    expect(Math.abs(s.mean - (mu - sigma ** 2 / 2) * T)).toBeLessThan(3 * s.seMean)
    expect(Math.abs(s.variance - sigma ** 2 * T)).toBeLessThan(3 * s.seVar)
  })

  it('zero volatility is deterministic: log return = mu T', () => {
    const [x] = gbmTerminalLogReturns({ assets: [{ volatility: 0, drift: -0.2 }], horizonDays: 73 }, 10, 7, 1)
    for (const v of x!) expect(v).toBeCloseTo(-0.2 * 0.2, 12)
  })

  it('correlated assets: sample correlations match the input within 3 SE', () => {
    const n = 100_000
    const c = [
      [1, 0.8, -0.3],
      [0.8, 1, -0.1],
      [-0.3, -0.1, 1],
    ]
    const [e, b, u] = gbmTerminalLogReturns(
      {
        assets: [{ volatility: 0.65 }, { volatility: 0.5, drift: 0.05 }, { volatility: 0.9 }],
        correlation: c,
        horizonDays: 30,
      },
      n,
      10,
      'corr',
    )
    const se = (r: number) => (1 - r * r) / Math.sqrt(n)
    expect(Math.abs(corr(e!, b!) - 0.8)).toBeLessThan(3 * se(0.8))
    expect(Math.abs(corr(e!, u!) + 0.3)).toBeLessThan(3 * se(0.3))
    expect(Math.abs(corr(b!, u!) + 0.1)).toBeLessThan(3 * se(0.1))
    const sb = meanVar(b!)
    expect(Math.abs(sb.variance - 0.25 * (30 / 365))).toBeLessThan(3 * sb.seVar)
  })

  it('Merton jumps: variance sigma^2 T + lambda T (volLog^2 + meanLog^2), compensated mean, E[m] = exp(mu T)', () => {
    const sigma = 0.5
    const mu = 0.05
    const j = { intensity: 4, meanLog: -0.1, volLog: 0.15 }
    const T = 1
    const [x] = gbmTerminalLogReturns(
      { assets: [{ volatility: sigma, drift: mu, jump: j }], horizonDays: 365 },
      200_000,
      50,
      'jumps',
    )
    const s = meanVar(x!)
    const kappa = Math.exp(j.meanLog + j.volLog ** 2 / 2) - 1
    const mean = (mu - sigma ** 2 / 2 - j.intensity * kappa) * T + j.intensity * T * j.meanLog
    const variance = sigma ** 2 * T + j.intensity * T * (j.volLog ** 2 + j.meanLog ** 2)
    expect(Math.abs(s.mean - mean)).toBeLessThan(3 * s.seMean)
    expect(Math.abs(s.variance - variance)).toBeLessThan(3 * s.seVar)
    const m = meanVar(x!.map(Math.exp))
    expect(Math.abs(m.mean - Math.exp(mu * T))).toBeLessThan(3 * m.seMean)
  })
})

describe('runMonteCarlo', () => {
  /** P(min_{t<=T} S_t <= B) for GBM, continuous monitoring (reflection principle). */
  function barrierHit(ratio: number, mu: number, sigma: number, T: number): number {
    const nu = mu - sigma ** 2 / 2
    const l = Math.log(ratio)
    const sd = sigma * Math.sqrt(T)
    return normCdf((l - nu * T) / sd) + ratio ** ((2 * nu) / sigma ** 2) * normCdf((l + nu * T) / sd)
  }

  for (const [mu, label] of [
    [0, 'no drift'],
    [0.4, 'positive drift'],
  ] as const) {
    it(`barrier hit of a lending position vs the reflection formula with the BGK correction (${label})`, () => {
      // 10,000 USD of ETH, LT 0.8, 6,000 USD debt: liquidated when 8,000 m < 6,000, i.e. m < 0.75.
      const sigma = ETH.volatility
      const T = 90 / 365
      const steps = 250
      const paths = 40_000
      const r = runMonteCarlo({
        assets: [{ ...ETH, drift: mu }],
        correlation: [[1]],
        positions: [lending('aave', 'ETH', 10_000, 0.8, 6_000)],
        horizonDays: 90,
        steps,
        paths,
        seed: 'barrier',
      })
      const p = r.positions[0]!
      const shifted = 0.75 * Math.exp(-0.5826 * sigma * Math.sqrt(T / steps))
      const expected = barrierHit(shifted, mu, sigma, T)
      expect(Math.abs(p.liquidationProbability - expected)).toBeLessThan(3 * p.standardError)
      // Discrete monitoring misses crossings: below the continuous figure.
      expect(p.liquidationProbability).toBeLessThan(barrierHit(0.75, mu, sigma, T))
      expect(r.walletLiquidationProbability).toBe(p.liquidationProbability)
    })
  }

  it('a perp long against the reflection formula (liquidation price from size, margin, MMR)', () => {
    // 10 ETH long at 3000, margin 6000, MMR 0.5%: liquidated when 30000*0.995 m + 6000 - 30000 < 0.
    const steps = 200
    const r = runMonteCarlo({
      assets: [ETH],
      correlation: [[1]],
      positions: [
        {
          id: 'perp',
          liqCoeffs: { ETH: 30_000 * 0.995 },
          liqConst: 6_000 - 30_000,
          equityCoeffs: { ETH: 30_000 },
          equityConst: 6_000 - 30_000,
          liquidationPenaltyUsd: 0,
        },
      ],
      horizonDays: 30,
      steps,
      paths: 40_000,
      seed: 7,
    })
    const ratio = 24_000 / 29_850
    const T = 30 / 365
    const expected = barrierHit(ratio * Math.exp(-0.5826 * 0.65 * Math.sqrt(T / steps)), 0, 0.65, T)
    const p = r.positions[0]!
    expect(Math.abs(p.liquidationProbability - expected)).toBeLessThan(3 * p.standardError)
  })

  const wallet: McInput = {
    assets: [ETH, BTC],
    correlation: [
      [1, 0.8],
      [0.8, 1],
    ],
    positions: [
      lending('aave', 'ETH', 10_000, 0.83, 6_000),
      {
        id: 'morpho',
        liqCoeffs: { BTC: 20_000 * 0.86, ETH: 5_000 * 0.86 },
        liqConst: -16_000,
        equityCoeffs: { BTC: 20_000, ETH: 5_000 },
        equityConst: -16_000,
        liquidationPenaltyUsd: 0.05 * 16_000,
      },
      {
        id: 'short-btc',
        liqCoeffs: { BTC: -20_000 * 1.01 },
        liqConst: 24_000,
        equityCoeffs: { BTC: -20_000 },
        equityConst: 24_000,
        liquidationPenaltyUsd: 0,
      },
    ],
    horizonDays: 60,
    steps: 60,
    paths: 20_000,
    seed: 'wallet',
  }

  it('is reproducible: same seed same result, different seed different result', () => {
    const a = runMonteCarlo(wallet)
    expect(runMonteCarlo(wallet)).toEqual(a)
    const b = runMonteCarlo({ ...wallet, seed: 'other' })
    expect(b.equity.mean).not.toBe(a.equity.mean)
    expect(b.positions.map((p) => p.liquidationProbability)).not.toEqual(
      a.positions.map((p) => p.liquidationProbability),
    )
  })

  it('reports consistent statistics: VaR/ES ordering, quantile order, wallet >= each position, histogram', () => {
    const r = runMonteCarlo(wallet)
    const e = r.equity
    expect(e.initial).toBeCloseTo(4_000 + 9_000 + 4_000, 9)
    expect(e.es99).toBeGreaterThanOrEqual(e.var99)
    expect(e.var99).toBeGreaterThanOrEqual(e.var95)
    expect(e.es95).toBeGreaterThanOrEqual(e.var95)
    expect(e.p01 <= e.p05 && e.p05 <= e.p50 && e.p50 <= e.p95 && e.p95 <= e.p99).toBe(true)
    expect(e.var95).toBeCloseTo(e.initial - e.p05, 9)
    const maxP = Math.max(...r.positions.map((p) => p.liquidationProbability))
    expect(r.walletLiquidationProbability).toBeGreaterThanOrEqual(maxP)
    expect(r.walletLiquidationProbability).toBeGreaterThan(0)
    for (const p of r.positions) {
      const q = p.liquidationProbability
      expect(p.standardError).toBeCloseTo(Math.sqrt((q * (1 - q)) / r.paths), 12)
    }
    expect(r.histogram.counts.reduce((s, c) => s + c, 0)).toBe(r.paths)
    expect(r.histogram.edges.length).toBe(r.histogram.counts.length + 1)
    expect(r.histogram.edges[0]).toBeLessThanOrEqual(e.p01)
    expect(r.pathSteps).toBe(wallet.paths * wallet.steps)
    expect(r.positions.map((p) => p.id)).toEqual(['aave', 'morpho', 'short-btc'])
  })

  it('a wallet without debt is never liquidated, and its mean equity grows as exp(mu T)', () => {
    const r = runMonteCarlo({
      ...wallet,
      assets: [{ ...ETH, drift: 0.3 }, BTC],
      positions: [lending('supply-only', 'ETH', 10_000, 0.83, 0, 1.05)],
      paths: 50_000,
    })
    expect(r.walletLiquidationProbability).toBe(0)
    expect(r.positions[0]!.liquidationProbability).toBe(0)
    expect(r.positions[0]!.standardError).toBe(0)
    const T = 60 / 365
    const sd = 10_000 * Math.sqrt(Math.exp(0.65 ** 2 * T) - 1) * Math.exp(0.3 * T)
    expect(Math.abs(r.equity.mean - 10_000 * Math.exp(0.3 * T))).toBeLessThan((3 * sd) / Math.sqrt(50_000))
  })

  it('multi-asset rules: the exp-free screen (all coefficients > 0) agrees with the exact rule', () => {
    // Z has no volatility and no drift, so m_Z = 1 exactly: -1000 m_Z + 1000 changes nothing but
    // makes the rule mixed-sign (evaluated exactly with exp on every step).
    const base = { ...wallet, assets: [ETH, BTC, { name: 'Z', price: 1, volatility: 0 }] }
    base.correlation = [
      [1, 0.8, 0],
      [0.8, 1, 0],
      [0, 0, 1],
    ]
    const rule = { BTC: 20_000 * 0.86, ETH: 5_000 * 0.86 }
    const pos = {
      id: 'x',
      equityCoeffs: { BTC: 20_000, ETH: 5_000 },
      equityConst: -16_000,
      liquidationPenaltyUsd: 800,
    }
    const screened = runMonteCarlo({ ...base, positions: [{ ...pos, liqCoeffs: rule, liqConst: -16_000 }] })
    const exact = runMonteCarlo({
      ...base,
      positions: [{ ...pos, liqCoeffs: { ...rule, Z: -1_000 }, liqConst: -15_000 }],
    })
    expect(screened.positions[0]!.liquidationProbability).toBeGreaterThan(0.01)
    expect(exact.positions[0]!.liquidationProbability).toBe(screened.positions[0]!.liquidationProbability)
    expect(exact.equity.mean).toBeCloseTo(screened.equity.mean, 6)
  })

  it('freezes a liquidated position at that step: equity minus penalty (sigma = 0, hand computed)', () => {
    // m(t) = exp(-t): liquidated when 1000 m - 600 < 0, i.e. t > ln(1/0.6) = 0.5108 y = 186.45 days,
    // so at daily step 187. Frozen equity = 1000 exp(-187/365) - 500 - 20 (penalty).
    const r = runMonteCarlo({
      assets: [{ name: 'ETH', price: 3000, volatility: 0, drift: -1 }],
      correlation: [[1]],
      positions: [
        {
          id: 'p',
          liqCoeffs: { ETH: 1000, USD: -600 },
          liqConst: 0,
          equityCoeffs: { ETH: 1000 },
          equityConst: -500,
          liquidationPenaltyUsd: 20,
        },
      ],
      horizonDays: 365,
      steps: 365,
      paths: 3,
      seed: 1,
    })
    expect(r.walletLiquidationProbability).toBe(1)
    const frozen = 1000 * Math.exp(-187 / 365) - 520
    expect(r.equity.mean).toBeCloseTo(frozen, 9)
    expect(r.equity.p01).toBeCloseTo(frozen, 9)
    expect(r.equity.initial).toBe(500)
    expect(r.histogram.counts).toEqual([3])
  })

  it('downward jumps raise the liquidation probability of a long loan at the same drift', () => {
    const jumpy = runMonteCarlo({
      ...wallet,
      assets: [{ ...ETH, jump: { intensity: 6, meanLog: -0.15, volLog: 0.1 } }, BTC],
    })
    const plain = runMonteCarlo(wallet)
    expect(jumpy.positions[0]!.liquidationProbability).toBeGreaterThan(
      plain.positions[0]!.liquidationProbability + 3 * plain.positions[0]!.standardError,
    )
  })

  it('a position already past its threshold is liquidated at t = 0 on every path', () => {
    const r = runMonteCarlo({ ...wallet, positions: [lending('underwater', 'ETH', 10_000, 0.8, 9_000, 1.1)] })
    expect(r.positions[0]!.liquidationProbability).toBe(1)
    expect(r.equity.mean).toBeCloseTo(1_000 - 900, 9)
  })

  it('throws RangeError on bad inputs', () => {
    const bad: Array<Partial<McInput>> = [
      { assets: [] },
      { assets: [{ ...ETH, volatility: -0.1 }, BTC] },
      { assets: [{ ...ETH, price: 0 }, BTC] },
      { assets: [ETH, { ...BTC, name: 'ETH' }] },
      { assets: [{ ...ETH, jump: { intensity: -1, meanLog: 0, volLog: 0.1 } }, BTC] },
      { assets: [{ ...ETH, drift: Number.NaN }, BTC] },
      // 1e5 jumps a year over 1-day steps: 274 expected jumps per step (> 30).
      { assets: [{ ...ETH, jump: { intensity: 1e5, meanLog: 0, volLog: 0.01 } }, BTC] },
      { correlation: [[1, 0.8]] },
      {
        correlation: [
          [1, 0.8],
          [0.7, 1],
        ],
      },
      {
        correlation: [
          [1.1, 0.8],
          [0.8, 1],
        ],
      },
      {
        correlation: [
          [1, 1],
          [1, 1],
        ],
      },
      { horizonDays: 0 },
      { steps: 0 },
      { steps: 2.5 },
      { paths: 0 },
      { paths: Number.POSITIVE_INFINITY },
      { seed: Number.NaN },
      { positions: [{ ...lending('x', 'SOL', 1, 0.8, 1) }] },
      { positions: [lending('x', 'ETH', 1, 0.8, 1), lending('x', 'ETH', 1, 0.8, 1)] },
      { positions: [{ ...lending('x', 'ETH', 1, 0.8, 1), liquidationPenaltyUsd: -1 }] },
      { positions: [{ ...lending('x', 'ETH', 1, 0.8, 1), liqConst: Number.NaN }] },
    ]
    for (const b of bad)
      expect(() => runMonteCarlo({ ...wallet, ...b }), JSON.stringify(b)).toThrow(RangeError)
    // Not positive definite although every pairwise entry is a valid correlation.
    expect(() =>
      choleskyCorrelation(
        [
          [1, 0.9, -0.9],
          [0.9, 1, 0.9],
          [-0.9, 0.9, 1],
        ],
        3,
      ),
    ).toThrow(/positive definite/)
    expect(() => gbmTerminalLogReturns({ assets: [{ volatility: 0.5 }], horizonDays: 1 }, 10, 0, 1)).toThrow(
      RangeError,
    )
  })

  it('Cholesky factor reproduces the matrix', () => {
    const c = [
      [1, 0.8, 0.3],
      [0.8, 1, 0.5],
      [0.3, 0.5, 1],
    ]
    const L = choleskyCorrelation(c, 3)
    for (let i = 0; i < 3; i++)
      for (let j = 0; j < 3; j++) {
        let s = 0
        for (let k = 0; k < 3; k++) s += L[i * 3 + k]! * L[j * 3 + k]!
        expect(s).toBeCloseTo(c[i]![j]!, 14)
      }
  })
})
