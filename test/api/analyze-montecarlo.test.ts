/**
 * POST /v1/analyze?montecarlo=true: the portfolio's Monte Carlo with option legs repriced along
 * the paths (src/report/analyze-report.ts -> runMonteCarlo's options), and bad inputs of the new
 * parameters (400 naming them). Manual legs only: no chain is read (no chain configured).
 *
 * Vectors (hand computation, r = 0): a call K = 3500, T = 0.25 y, vol 0.6, size 2 on ETH at
 * spotPrice 3000 is worth 2 x BS(3000, 3500, 0.25, 0.6) = 374.157948 now (the vector of
 * test/api/analyze-options.test.ts); ETH simulated at the default table's 65% vol (no position
 * holds ETH: the leg's underlying is added at its spotPrice). With +20 vol points the mean value at
 * a 30-day horizon (vols=ETH:0.2) is BS at the total variance 0.65^2 h + 0.8^2 (T - h), h = 30/365:
 * 2 x BS(3000, 3500, 0.25, sqrt((0.65^2 h + 0.8^2 (T - h)) / T)); with 20,000 paths its standard
 * error is below 2.5 USD (the value's standard deviation is below 350 USD), so the test allows 10.
 */
import { describe, expect, it } from 'vitest'
import { createApp } from '../../src/api/app.js'
import { AnalyzeReportSchema } from '../../src/api/option-schemas.js'
import { configFromEnv } from '../../src/config.js'
import { blackScholes } from '../../src/risk/black-scholes.js'

const app = createApp({ config: configFromEnv({}) })
const YEAR_MS = 365 * 24 * 3600 * 1000

async function post(query: string, legs: unknown[]) {
  const res = await app.request(`/v1/analyze${query}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ legs }),
  })
  const json: unknown = await res.json()
  return {
    status: res.status,
    report: () => AnalyzeReportSchema.parse(json),
    error: () => (json as { error: { code: string; message: string } }).error,
  }
}

const expiry = (years: number) => new Date(Date.now() + years * YEAR_MS).toISOString()
const call = () => ({
  kind: 'option',
  underlying: 'ETH',
  type: 'call',
  strike: 3500,
  expiry: expiry(0.25),
  size: 2,
  impliedVol: 0.6,
  spotPrice: 3000,
})

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
    expect(mc.assets).toEqual([{ name: 'ETH', price: 3000, volatility: 0.65, source: 'default' }])
    const [o] = mc.options ?? []
    if (!o) throw new Error('no option result')
    // Its id is the exposure's option id; today's value at the quoted vol.
    expect(o.id).toMatch(/^option:1:ETH-call-3500-/)
    expect(o.expiresWithinHorizon).toBe(false)
    // Expiry is an ISO time from Date.now(): T within a millisecond of 0.25 years.
    expect(o.initialValue).toBeCloseTo(374.157948, 2)
    const h = 30 / 365
    const T = 0.25
    const vol = Math.sqrt((0.65 ** 2 * h + 0.8 ** 2 * (T - h)) / T)
    const closed = 2 * blackScholes({ type: 'call', spot: 3000, strike: 3500, years: T, vol }).price
    expect(Math.abs(o.meanValue - closed)).toBeLessThan(10)
    // The only holding is the leg: equity now and at the horizon is its value.
    expect(mc.equity.initial).toBeCloseTo(o.initialValue, 9)
    expect(mc.equity.mean).toBeCloseTo(o.meanValue, 9)
    expect(mc.walletLiquidationProbability).toBe(0)
    expect(mc.assumptions.some((a) => a.includes('Black-Scholes at the stressed vol'))).toBe(true)
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
