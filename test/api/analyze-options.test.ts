/**
 * POST /v1/analyze with option legs under stress: the vol dimension (`vols`), the smile
 * (`skew`), greeks in the exposure, and every bad input of the new parameters (400 naming it).
 * Manual legs only: no chain is read (the app has no chain configured).
 *
 * Vectors: the Black-Scholes closed form evaluated by hand (r = 0, N() from erf), see
 * test/unit/risk/option-stress.test.ts: call K=3500, T=0.25, S=3000, vol 0.6, size 2 -> 374.157948;
 * at S=2100 and vol 0.8 -> 102.243828; written put
 * K=2500, T=0.5, vol 0.7, size -1 under skew -0.2/0.5, ETH -30% and +20 points (vol 0.827244)
 * -> -751.780855.
 */
import { describe, expect, it } from 'vitest'
import {
  analyzeApp,
  ethCall as call,
  expiryIn as expiry,
  postLegs,
  ethPut as put,
} from '../support/analyze-legs.js'

const app = analyzeApp()
const post = (query: string, legs: unknown[]) => postLegs(app, query, legs)
const perp = {
  kind: 'perp',
  venue: 'binance',
  asset: 'ETH',
  side: 'short',
  size: 1,
  entryPrice: 3000,
  margin: 3000,
  maintenanceMarginRate: 0.005,
  markPrice: 3000,
}

describe('POST /v1/analyze: options under stress', () => {
  it('without stress parameters: no stress, the greeks summed in the exposure', async () => {
    const r = await post('', [call()])
    expect(r.status).toBe(200)
    expect(r.report().stress).toBeNull()
    const [g] = r.report().exposure.optionGreeks
    if (!g) throw new Error('no greeks')
    // gamma x S^2 / 100 = 0.000829759807 x 9e6 / 100; vega / 100 = 1120.17574 / 100
    expect(g).toMatchObject({ riskAsset: 'ETH', legs: 1 })
    expect(g.delta).toBeCloseTo(0.7159807774, 6)
    expect(g.deltaUsd).toBeCloseTo(2147.942332, 3)
    expect(g.gammaUsdPer1Pct).toBeCloseTo(74.6783827, 4)
    expect(g.vegaUsdPerVolPoint).toBeCloseTo(11.2017574, 4)
  })

  it('vols adds a vol dimension: price scenario, vol alone, both; the call repriced by Black-Scholes', async () => {
    const r = await post('?shocks=ETH:-0.3&vols=ETH:%2B0.2', [call()])
    expect(r.status).toBe(200)
    const names = r.report().stress!.scenarios.map((s) => s.scenario.name)
    expect(names).toEqual(['ETH -30%', 'ETH vol +20 pts', 'ETH -30%, ETH vol +20 pts'])
    const both = r.report().stress!.scenarios[2]!
    expect(both.scenario.vols).toEqual({ ETH: 0.2 })
    const o = both.options![0]!
    expect(o.method).toBe('black-scholes')
    expect(o.volShocked).toBeCloseTo(0.8, 12)
    expect(o.valueBeforeUsd).toBeCloseTo(374.157948, 4)
    expect(o.valueShockedUsd).toBeCloseTo(102.243828, 4)
    expect(both.equityAfterUsd - both.equityBeforeUsd).toBeCloseTo(102.243828 - 374.157948, 4)
    // A long call gains from vol: the vol alone raises it, the crash with the vol loses less.
    expect(r.report().stress!.scenarios[1]!.optionsChangeUsd).toBeGreaterThan(0)
    expect(r.report().stress!.scenarios[0]!.optionsChangeUsd).toBeLessThan(both.optionsChangeUsd!)
    expect(r.report().stress!.worstCase!.scenario).toBe('ETH -30%')
  })

  it('skew rolls a written put along the smile: vol 0.827244, value -751.780855', async () => {
    const r = await post('?shocks=ETH:-30%25&vols=ETH:%2B20%25&skew=eth:-0.2:0.5', [put()])
    expect(r.status).toBe(200)
    const o = r.report().stress!.scenarios[2]!.options![0]!
    expect(o.volShocked).toBeCloseTo(0.827243988, 8)
    expect(o.valueBeforeUsd).toBeCloseTo(-322.747019, 4)
    expect(o.valueShockedUsd).toBeCloseTo(-751.780855, 4)
  })

  it('stress=true runs the default grid with the option legs', async () => {
    const r = await post('?stress=true', [call(), perp])
    expect(r.status).toBe(200)
    const s = r.report().stress!.scenarios
    expect(s.length).toBeGreaterThanOrEqual(8)
    expect(s[0]!.scenario.name).toBe('all risk assets -50%')
    expect(s[0]!.options![0]!.spotShocked).toBeCloseTo(1500, 9)
    expect(s[0]!.positions[0]!.kind).toBe('perp')
  })

  it('given greeks with no spotPrice: the spot from the portfolio, moved by delta-gamma-vega', async () => {
    const leg = {
      kind: 'option',
      underlying: 'ETH',
      type: 'call',
      strike: 3500,
      expiry: expiry(0.25),
      size: 2,
      greeks: { delta: 0.6, gamma: 0.001, vega: 450 },
    }
    const r = await post('?shocks=ETH:-0.3&vols=ETH:%2B0.2', [leg, perp])
    expect(r.status).toBe(200)
    const o = r.report().stress!.scenarios[2]!.options![0]!
    // whole leg: delta 1.2, gamma 0.002, vega 900; dS = -900, dVol = 0.2 -> -1080 + 810 + 180
    expect(o.method).toBe('taylor')
    expect(o.spotBefore).toBeCloseTo(3000, 9)
    expect(o.changeUsd).toBeCloseTo(-90, 6)
  })

  it('given greeks with no price of the underlying anywhere: 400 naming legs.0.spotPrice', async () => {
    const leg = {
      kind: 'option',
      underlying: 'ETH',
      type: 'call',
      strike: 3500,
      expiry: expiry(0.25),
      size: 2,
      greeks: { delta: 0.6, gamma: 0.001, vega: 450 },
    }
    const r = await post('?stress=true', [leg])
    expect(r.status).toBe(400)
    expect(r.error().code).toBe('INVALID_REQUEST')
    expect(r.error().message).toMatch(/^legs\.0\.spotPrice/)
  })

  for (const [query, field] of [
    ['?vols=ETH:abc', 'vols'],
    ['?vols=ETH:%2B7', 'vols'],
    ['?vols=ETH:-1.5', 'vols'],
    ['?vols=USD:0.1', 'vols'],
    ['?vols=DOGE:0.1', 'vols'],
    ['?skew=ETH:-0.2', 'skew'],
    ['?skew=ETH:9:0', 'skew'],
    ['?skew=ETH:0:30', 'skew'],
    ['?skew=DOGE:-0.1:0', 'skew'],
    ['?stress=maybe', 'stress'],
    ['?stress=false&vols=ETH:0.1', 'with stress=false, ask montecarlo=true'],
    ['?stress=false&skew=ETH:-0.2:0.5', 'with stress=false, ask montecarlo=true'],
    ['?stress=false&shocks=ETH:-0.3', 'stress=false contradicts shocks or depegs'],
    ['?stress=false&montecarlo=true&depegs=stETH:-0.05', 'stress=false contradicts shocks or depegs'],
    ['?montecarlo=true&stress=false&vols=ETH:abc', 'vols'],
    ['?montecarlo=true&vols=DOGE:0.1', 'vols'],
    ['?shocks=ETH:-2', 'shocks'],
  ] as const) {
    it(`rejects ${query} with a 400 naming ${field}`, async () => {
      const r = await post(query, [call()])
      expect(r.status).toBe(400)
      expect(r.error().code).toBe('INVALID_REQUEST')
      expect(r.error().message).toContain(field)
    })
  }

  it('the OpenAPI document lists stress, shocks, depegs, vols and skew on POST /v1/analyze', async () => {
    const doc = (await (await app.request('/openapi.json')).json()) as {
      paths: Record<
        string,
        { post: { description: string; parameters: { name: string; description?: string }[] } }
      >
      components: { schemas: Record<string, unknown> }
    }
    const names = doc.paths['/v1/analyze']!.post.parameters.map((p) => p.name)
    expect(names).toEqual(expect.arrayContaining(['stress', 'shocks', 'depegs', 'vols', 'skew']))
    // vols and skew apply to what is asked; the Monte Carlo's vol shock is documented.
    const params = doc.paths['/v1/analyze']!.post.parameters
    expect(params.find((p) => p.name === 'stress')!.description).toMatch(
      /vols or skew without the Monte Carlo/,
    )
    expect(params.find((p) => p.name === 'vols')!.description).toMatch(/simulated volatility/)
    expect(doc.paths['/v1/analyze']!.post.description).toMatch(/runs the Monte Carlo only/)
    expect(doc.components.schemas.StressedOption).toBeDefined()
    expect(doc.components.schemas.OptionGreeks).toBeDefined()
  })
})
