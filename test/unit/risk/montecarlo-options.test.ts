/**
 * Option legs along Monte Carlo paths (src/risk/mc-options.ts, runMonteCarlo's `options`):
 * - sigma = 0: the horizon spot is S0 exp(mu T) exactly, so the leg's value is Black-Scholes at
 *   that spot and the remaining time, at the smile's vol rolled there (hand-computed with the
 *   formula vol = iv - slope x0 - curv x0^2 + slope x + curv x^2, x0 = ln(K/S0), x = ln(K/S_T));
 * - driftless GBM, flat vol, rate 0: the discounted option price is a martingale, so the mean
 *   horizon value of a call (BS at the remaining time) and the mean payoff of a put expiring on
 *   the grid within the horizon both equal today's Black-Scholes price, within 3 standard errors;
 * - the wallet's equity adds the option values (initial and terminal); bad legs throw RangeError;
 * - the vol along the paths is the stress engine's stressedVol; with a vol shift, the mean horizon
 *   value of a call is Black-Scholes at the total variance sigma_a^2 h + sigma_o^2 (T - h) (hand
 *   derivation in the test), within 4 standard errors computed from the same paths.
 */
import { describe, expect, it } from 'vitest'
import { blackScholes } from '../../../src/risk/black-scholes.js'
import { optionValueAtSpot, pathOptionVol } from '../../../src/risk/mc-options.js'
import {
  gbmTerminalLogReturns,
  type McInput,
  type McOption,
  runMonteCarlo,
} from '../../../src/risk/montecarlo.js'
import { MIN_STRESSED_VOL, stressedVol } from '../../../src/risk/vol-surface.js'

const ETH = { name: 'ETH', price: 3000, volatility: 0.65 }
const supply = {
  id: 'supply',
  liqCoeffs: {},
  liqConst: 1,
  equityCoeffs: { ETH: 1000 },
  equityConst: 0,
  liquidationPenaltyUsd: 0,
}

describe('options along Monte Carlo paths', () => {
  it('sigma = 0: the horizon value is Black-Scholes at S0 exp(mu T) with the rolled smile (hand computed)', () => {
    const skew = { slope: -0.2, curvature: 0.5 }
    const put: McOption = {
      id: 'put',
      underlying: 'ETH',
      type: 'put',
      strike: 2800,
      size: -3,
      expiryYears: 0.5,
      impliedVol: 0.7,
      skew,
    }
    const r = runMonteCarlo({
      assets: [{ ...ETH, volatility: 0, drift: -0.8 }],
      correlation: [[1]],
      positions: [supply],
      options: [put],
      horizonDays: 73,
      steps: 10,
      paths: 5,
      seed: 1,
    })
    const T = 73 / 365
    const spot = 3000 * Math.exp(-0.8 * T)
    const x0 = Math.log(2800 / 3000)
    const x = Math.log(2800 / spot)
    const vol = 0.7 - -0.2 * x0 - 0.5 * x0 * x0 + -0.2 * x + 0.5 * x * x
    expect(pathOptionVol(0.7, 2800, 3000, spot, skew)).toBeCloseTo(vol, 14)
    const value = -3 * blackScholes({ type: 'put', spot, strike: 2800, years: 0.5 - T, vol }).price
    const initial = -3 * blackScholes({ type: 'put', spot: 3000, strike: 2800, years: 0.5, vol: 0.7 }).price
    expect(r.options).toEqual([
      { id: 'put', initialValue: initial, meanValue: expect.closeTo(value, 9), expiresWithinHorizon: false },
    ])
    expect(r.equity.initial).toBeCloseTo(1000 + initial, 9)
    expect(r.equity.mean).toBeCloseTo(1000 * Math.exp(-0.8 * T) + value, 6)
    expect(optionValueAtSpot(put, 3000, spot, 0.5 - T)).toBeCloseTo(value, 12)
  })

  it('driftless GBM: mean horizon value and mean payoff at expiry = Black-Scholes now, within 3 SE', () => {
    const call: McOption = {
      id: 'call',
      underlying: 'ETH',
      type: 'call',
      strike: 3300,
      size: 2,
      expiryYears: 0.25,
      impliedVol: 0.65,
    }
    // Expires at 15 days: step 15 of 30 daily steps (on the grid).
    const put: McOption = { ...call, id: 'put', type: 'put', strike: 2900, expiryYears: 15 / 365 }
    const paths = 40_000
    const run = (o: McOption) =>
      runMonteCarlo({
        assets: [ETH],
        correlation: [[1]],
        positions: [],
        options: [o],
        horizonDays: 30,
        steps: 30,
        paths,
        seed: 'options',
      })
    // The standard error of a mean leg value: the sample sd of the leg's per-path values (the
    // wallet's equity: the leg alone), from the 50-bin histogram (bin midpoints).
    const se = (r: ReturnType<typeof run>) => {
      const { edges, counts } = r.histogram
      const mid = counts.map((_, i) => (edges[i]! + edges[i + 1]!) / 2)
      const m = mid.reduce((s, x, i) => s + x * counts[i]!, 0) / paths
      const v = mid.reduce((s, x, i) => s + (x - m) ** 2 * counts[i]!, 0) / (paths - 1)
      return Math.sqrt(v / paths)
    }
    const rc = run(call)
    const rp = run(put)
    const c = rc.options![0]!
    const p = rp.options![0]!
    expect(c.expiresWithinHorizon).toBe(false)
    expect(p.expiresWithinHorizon).toBe(true)
    const bsCall = 2 * blackScholes({ type: 'call', spot: 3000, strike: 3300, years: 0.25, vol: 0.65 }).price
    const bsPut =
      2 * blackScholes({ type: 'put', spot: 3000, strike: 2900, years: 15 / 365, vol: 0.65 }).price
    expect(c.initialValue).toBeCloseTo(bsCall, 12)
    expect(p.initialValue).toBeCloseTo(bsPut, 12)
    expect(Math.abs(c.meanValue - bsCall)).toBeLessThan(3 * se(rc))
    expect(Math.abs(p.meanValue - bsPut)).toBeLessThan(3 * se(rp))
    expect(rc.equity.mean).toBeCloseTo(c.meanValue, 6)
    expect(rc.equity.initial).toBeCloseTo(bsCall, 9)
    const r = rp
    // A position-free wallet with options still simulates (no early stop).
    expect(r.equity.p99).toBeGreaterThan(r.equity.p01)
  })

  it('options leave the positions results unchanged (same stream)', () => {
    const base: McInput = {
      assets: [ETH],
      correlation: [[1]],
      positions: [
        supply,
        {
          id: 'loan',
          liqCoeffs: { ETH: 8000 },
          liqConst: -6000,
          equityCoeffs: { ETH: 10000 },
          equityConst: -6000,
          liquidationPenaltyUsd: 300,
        },
      ],
      horizonDays: 30,
      steps: 50,
      paths: 3000,
      seed: 2,
    }
    const plain = runMonteCarlo(base)
    const withOption = runMonteCarlo({
      ...base,
      options: [
        { id: 'c', underlying: 'ETH', type: 'call', strike: 3000, size: 1, expiryYears: 1, impliedVol: 0.6 },
      ],
    })
    expect(withOption.positions).toEqual(plain.positions)
    expect(plain.options).toBeUndefined()
    expect(withOption.equity.mean).toBeGreaterThan(plain.equity.mean)
  })

  it('throws RangeError naming the field of a bad option leg', () => {
    const ok: McOption = {
      id: 'o',
      underlying: 'ETH',
      type: 'call',
      strike: 3000,
      size: 1,
      expiryYears: 1,
      impliedVol: 0.6,
    }
    const base: McInput = {
      assets: [ETH],
      correlation: [[1]],
      positions: [],
      horizonDays: 30,
      steps: 10,
      paths: 100,
      seed: 1,
    }
    const bad: [Partial<McOption>, RegExp][] = [
      [{ underlying: 'BTC' }, /underlying/],
      [{ strike: 0 }, /strike/],
      [{ expiryYears: -1 }, /expiryYears/],
      [{ impliedVol: Number.NaN }, /impliedVol/],
      [{ size: 0 }, /size/],
      [{ type: 'straddle' as 'call' }, /type/],
      [{ skew: { slope: 9, curvature: 0 } }, /skew\.slope/],
      [{ id: '' }, /id/],
    ]
    for (const [b, re] of bad)
      expect(() => runMonteCarlo({ ...base, options: [{ ...ok, ...b }] })).toThrow(re)
    expect(() => runMonteCarlo({ ...base, options: [ok, ok] })).toThrow(/duplicate option id/)
  })
})

describe('options along Monte Carlo paths at the stressed vol', () => {
  it('pathOptionVol is the stress engine stressedVol (one formula, src/risk/vol-surface.ts)', () => {
    const skew = { slope: -0.2, curvature: 0.5 }
    for (const spot of [1500, 2800, 3000, 4200])
      for (const shift of [0, 0.2, -0.3])
        expect(pathOptionVol(0.7, 2800, 3000, spot, skew, shift)).toBe(
          stressedVol({ impliedVol: 0.7, strike: 2800, quoteSpot: 3000, spot, skew, volShift: shift }).vol,
        )
    // Clamped as the stress engine: a shift below the floor prices at MIN_STRESSED_VOL.
    expect(pathOptionVol(0.1, 3000, 3000, 3000, undefined, -0.5)).toBe(MIN_STRESSED_VOL)
  })

  it('vol shift: the mean horizon value is Black-Scholes at the total variance sigma_a^2 h + sigma_o^2 (T - h), within 4 standard errors', () => {
    // Hand computation: with rate 0 and a driftless underlying of vol sigma_a, the value at the
    // horizon h of a call priced at vol sigma_o is E[(S_T - K)^+ | S_h] under a vol of sigma_o
    // after h, so its mean over the paths is the price of a call whose log-variance is
    // sigma_a^2 h + sigma_o^2 (T - h): Black-Scholes at vol sqrt(that / T). Here sigma_a = 0.65
    // (ETH), sigma_o = 0.6 + 0.2 (quoted vol plus the shift), h = 30 days, T = 0.25 years; BTC
    // has zero vol and a position on it (nothing else moves).
    const h = 30 / 365
    const T = 0.25
    const call: McOption = {
      id: 'call',
      underlying: 'ETH',
      type: 'call',
      strike: 3300,
      size: 2,
      expiryYears: T,
      impliedVol: 0.6,
      volShift: 0.2,
    }
    const paths = 100_000
    const input: McInput = {
      assets: [ETH, { name: 'BTC', price: 60_000, volatility: 0 }],
      correlation: [
        [1, 0],
        [0, 1],
      ],
      positions: [
        { ...supply, equityCoeffs: { BTC: 500 } },
        {
          id: 'btc-loan',
          liqCoeffs: { BTC: 8_000 },
          liqConst: -5_000,
          equityCoeffs: { BTC: 10_000 },
          equityConst: -5_000,
          liquidationPenaltyUsd: 250,
        },
      ],
      options: [call],
      horizonDays: 30,
      steps: 30,
      paths,
      seed: 'vol-shift',
    }
    const r = runMonteCarlo(input)
    const effVol = Math.sqrt((0.65 ** 2 * h + 0.8 ** 2 * (T - h)) / T)
    const closed = 2 * blackScholes({ type: 'call', spot: 3000, strike: 3300, years: T, vol: effVol }).price
    // The standard error from the same paths' values (same seed, same stream: ETH's draws).
    const [logRet] = gbmTerminalLogReturns(
      { assets: [ETH, { volatility: 0 }], correlation: input.correlation, horizonDays: 30 },
      paths,
      30,
      'vol-shift',
    )
    let s1 = 0
    let s2 = 0
    for (const x of logRet!) {
      const v = optionValueAtSpot(call, 3000, 3000 * Math.exp(x), T - h)
      s1 += v
      s2 += v * v
    }
    const se = Math.sqrt((s2 / paths - (s1 / paths) ** 2) / (paths - 1))
    expect(r.options![0]!.meanValue).toBeCloseTo(s1 / paths, 6)
    expect(Math.abs(r.options![0]!.meanValue - closed)).toBeLessThan(4 * se)
    // Today's value is at the quoted vol: the shift moves the legs along the paths only.
    expect(r.options![0]!.initialValue).toBeCloseTo(
      2 * blackScholes({ type: 'call', spot: 3000, strike: 3300, years: T, vol: 0.6 }).price,
      9,
    )
    // Nothing else moves: the BTC loan (HF 1.6) is never liquidated.
    expect(r.positions[1]!.liquidationProbability).toBe(0)
  })
})
