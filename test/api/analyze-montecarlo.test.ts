/**
 * POST /v1/analyze?montecarlo=true: the portfolio's Monte Carlo with option legs repriced along
 * the paths (src/report/analyze-report.ts -> runMonteCarlo's options), and bad inputs of the new
 * parameters (400 naming them). Manual legs only: no chain is read (no chain configured).
 *
 * Vectors (hand computation, r = 0): a call K = 3500, T = 0.25 y, vol 0.6, size 2 on ETH at
 * spotPrice 3000 is worth 2 x BS(3000, 3500, 0.25, 0.6) = 374.157948 now (the vector of
 * test/api/analyze-options.test.ts); ETH simulated at the default table's 65% vol (no position
 * holds ETH: the leg's underlying is added at its spotPrice). A vol shock `vols=ETH:+0.2` is a
 * market 20 points more volatile from now on: ETH simulated at 0.65 + 0.2 = 0.85 and the leg priced
 * along the paths at 0.6 + 0.2 = 0.8. Driftless GBM makes the leg's BS value a martingale, so its
 * mean at a 30-day horizon h = 30/365 is BS at the total variance sigma^2 h + 0.8^2 (T - h):
 * 2 x BS(3000, 3500, 0.25, sqrt((0.85^2 h + 0.8^2 (T - h)) / T)); with 20,000 paths its standard
 * error is below 2.5 USD, so the test allows 10. A tight one: `vols=ETH:-0.64` on a leg quoted at
 * vol 0.9 simulates ETH at 0.01 and prices the leg at 0.26: the mean is 2 x BS(3000, 3500, 0.25,
 * sqrt((0.01^2 h + 0.26^2 (T - h)) / T)) with a standard error of about 0.04 USD (delta ~0.3 x
 * 2 x 3000 x 0.01 x sqrt(h) / sqrt(20,000)), so 0.25 USD separates it from any other vol.
 */
import { describe, expect, it } from 'vitest'
import { blackScholes } from '../../src/risk/black-scholes.js'
import { analyzeApp, ethCall as call, postLegs } from '../support/analyze-legs.js'

const app = analyzeApp()
const post = (query: string, legs: unknown[]) => postLegs(app, query, legs)

describe('POST /v1/analyze: Monte Carlo with option legs along the paths', () => {
  it('without montecarlo: no simulation', async () => {
    const r = await post('', [call()])
    expect(r.status).toBe(200)
    expect(r.report().monteCarlo).toBeNull()
  })

  it('montecarlo=true: the leg valued now and along the paths, at the stressed vol (hand-computed mean)', async () => {
    const r = await post('?montecarlo=true&paths=20000&steps=30&horizonDays=30&seed=7&vols=ETH:0.2', [call()])
    expect(r.status).toBe(200)
    const mc = r.report().monteCarlo
    if (!mc) throw new Error('no monteCarlo')
    expect(mc.paths).toBe(20_000)
    expect(mc.steps).toBe(30)
    // The vol shock raises the simulated volatility too: 0.65 (default) + 0.2.
    expect(mc.assets).toHaveLength(1)
    expect(mc.assets[0]).toMatchObject({ name: 'ETH', price: 3000, source: 'request' })
    expect(mc.assets[0]!.volatility).toBeCloseTo(0.85, 12)
    expect(
      mc.assumptions.some((a) =>
        /vol shock: ETH simulated at 85% = its default 65% \+ 20 vol points/.test(a),
      ),
    ).toBe(true)
    // montecarlo with vols runs the simulation only: vols no longer switches the stress on.
    expect(r.report().stress).toBeNull()
    const [o] = mc.options ?? []
    if (!o) throw new Error('no option result')
    // Its id is the exposure's option id; today's value at the quoted vol.
    expect(o.id).toMatch(/^option:1:ETH-call-3500-/)
    expect(o.expiresWithinHorizon).toBe(false)
    // Expiry is an ISO time from Date.now(): T within a millisecond of 0.25 years.
    expect(o.initialValue).toBeCloseTo(374.157948, 2)
    const h = 30 / 365
    const T = 0.25
    const vol = Math.sqrt((0.85 ** 2 * h + 0.8 ** 2 * (T - h)) / T)
    const closed = 2 * blackScholes({ type: 'call', spot: 3000, strike: 3500, years: T, vol }).price
    expect(Math.abs(o.meanValue - closed)).toBeLessThan(10)
    // The only holding is the leg: equity now and at the horizon is its value.
    expect(mc.equity.initial).toBeCloseTo(o.initialValue, 9)
    expect(mc.equity.mean).toBeCloseTo(o.meanValue, 9)
    expect(mc.walletLiquidationProbability).toBe(0)
    expect(mc.assumptions.some((a) => a.includes('Black-Scholes at the stressed vol'))).toBe(true)
  })

  it('a vol shock in the simulation: sigma and the leg vol shifted alike (tight hand-computed mean)', async () => {
    const leg = { ...call(), impliedVol: 0.9 }
    const r = await post(
      '?montecarlo=true&stress=false&paths=20000&steps=30&horizonDays=30&seed=3&vols=ETH:-0.64',
      [leg],
    )
    expect(r.status).toBe(200)
    const mc = r.report().monteCarlo
    if (!mc) throw new Error('no monteCarlo')
    expect(r.report().stress).toBeNull()
    expect(mc.assets[0]!.volatility).toBeCloseTo(0.01, 12)
    const [o] = mc.options ?? []
    if (!o) throw new Error('no option result')
    const h = 30 / 365
    const T = 0.25
    // Today's value at the quoted vol 0.9; along the paths at 0.9 - 0.64 = 0.26.
    expect(o.initialValue).toBeCloseTo(
      2 * blackScholes({ type: 'call', spot: 3000, strike: 3500, years: T, vol: 0.9 }).price,
      2,
    )
    const vol = Math.sqrt((0.01 ** 2 * h + 0.26 ** 2 * (T - h)) / T)
    const closed = 2 * blackScholes({ type: 'call', spot: 3000, strike: 3500, years: T, vol }).price
    expect(Math.abs(o.meanValue - closed)).toBeLessThan(0.25)
    // The leg unshocked along near-still paths would be worth far more.
    const unshocked = 2 * blackScholes({ type: 'call', spot: 3000, strike: 3500, years: T, vol: 0.9 }).price
    expect(unshocked - o.meanValue).toBeGreaterThan(100)
  })

  it('vols=*: every simulated asset shifted; vols=ETH:0 is the unshocked run bit for bit', async () => {
    const q = '?montecarlo=true&paths=1000&steps=10&seed=5'
    const star = await post(`${q}&vols=*:0.1`, [call()])
    expect(star.status).toBe(200)
    expect(star.report().monteCarlo!.assets[0]!.volatility).toBeCloseTo(0.75, 12)
    const zero = (await post(`${q}&vols=ETH:0`, [call()])).report().monteCarlo!
    const none = (await post(q, [call()])).report().monteCarlo!
    expect(zero.assets[0]!.volatility).toBe(none.assets[0]!.volatility)
    expect(zero.equity.p05).toBeCloseTo(none.equity.p05, 2)
  })

  it('stress=true with montecarlo and vols: both, the vol shock in each', async () => {
    const r = await post('?stress=true&montecarlo=true&paths=1000&steps=10&vols=ETH:0.2', [call()])
    expect(r.status).toBe(200)
    const names = r.report().stress!.scenarios.map((s) => s.scenario.name)
    expect(names).toContain('ETH vol +20 pts')
    expect(r.report().monteCarlo!.assets[0]!.volatility).toBeCloseTo(0.85, 12)
  })

  it('horizonDays, paths, steps or seed alone turn the simulation on; the same seed gives the same numbers', async () => {
    const legs = [call()]
    const a = await post('?paths=1000&steps=10', legs)
    const b = await post('?montecarlo=true&paths=1000&steps=10&seed=1', legs)
    expect(a.status).toBe(200)
    const [oa] = a.report().monteCarlo?.options ?? []
    const [ob] = b.report().monteCarlo?.options ?? []
    if (!oa || !ob) throw new Error('no option result')
    // The same paths; the analysis time (years to expiry) moves by the milliseconds between the
    // two requests, so the values agree to far better than a cent, not bit for bit.
    expect(oa.meanValue).toBeCloseTo(ob.meanValue, 2)
    expect(a.report().monteCarlo?.equity.p05).toBeCloseTo(b.report().monteCarlo?.equity.p05 ?? Number.NaN, 2)
  })

  it('bad inputs: 400 naming the parameter or the leg', async () => {
    const cases: [string, unknown[], RegExp][] = [
      ['?montecarlo=yes', [call()], /montecarlo must be "true" or "false"/],
      ['?montecarlo=false&paths=1000', [call()], /montecarlo=false contradicts/],
      ['?montecarlo=true&paths=10', [call()], /paths/],
      ['?montecarlo=true&paths=abc', [call()], /paths/],
      ['?montecarlo=true&steps=0', [call()], /steps/],
      ['?montecarlo=true&horizonDays=-1', [call()], /horizonDays/],
      ['?montecarlo=true&paths=200000&steps=1000', [call()], /over the 50,000,000 limit/],
      [
        '?montecarlo=true',
        [{ ...call(), impliedVol: undefined, greeks: { delta: 0.5, gamma: 0.001, vega: 500 } }],
        /legs\.0: the Monte Carlo reprices an option .* give impliedVol/,
      ],
      ['?montecarlo=true', [{ ...call(), spotPrice: undefined }], /legs\.0\.spotPrice/],
    ]
    for (const [query, legs, message] of cases) {
      const r = await post(query, legs)
      expect(r.status, query).toBe(400)
      expect(r.error().code, query).toBe('INVALID_REQUEST')
      expect(r.error().message, query).toMatch(message)
    }
  })
})
