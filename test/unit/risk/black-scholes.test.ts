/**
 * Black-Scholes against textbook values: J. C. Hull, Options, Futures, and Other Derivatives
 * (8th ed.), Example 15.6 (S=42, K=40, r=10%, sigma=20%, T=0.5: c = 4.76, p = 0.81) and the greeks
 * examples of chapter 19 (S=49, K=50, r=5%, sigma=20%, T=0.3846: call delta 0.522, gamma 0.066,
 * vega 12.1 per 1.00 of vol, theta -4.31 per year); the normal CDF against tabulated values.
 */
import { describe, expect, it } from 'vitest'
import { blackScholes, normCdf } from '../../../src/risk/black-scholes.js'

describe('normCdf', () => {
  it('matches tabulated values to 1e-12', () => {
    expect(normCdf(0)).toBe(0.5)
    expect(normCdf(1)).toBeCloseTo(0.841344746068543, 12)
    expect(normCdf(-1.96)).toBeCloseTo(0.0249978951482204, 12)
    expect(normCdf(3)).toBeCloseTo(0.99865010196837, 12)
    expect(normCdf(-8)).toBeCloseTo(6.22096057427178e-16, 20)
    expect(normCdf(40)).toBe(1)
  })
  it('is symmetric: N(x) + N(-x) = 1', () => {
    for (const x of [0.1, 0.7, 1.3, 2.9, 5.5, 7.5]) expect(normCdf(x) + normCdf(-x)).toBeCloseTo(1, 14)
  })
})

describe('blackScholes', () => {
  it('Hull Example 15.6: c = 4.76, p = 0.81', () => {
    const base = { spot: 42, strike: 40, years: 0.5, vol: 0.2, rate: 0.1 }
    expect(blackScholes({ ...base, type: 'call' }).price).toBeCloseTo(4.76, 2)
    expect(blackScholes({ ...base, type: 'put' }).price).toBeCloseTo(0.81, 2)
  })

  it("Hull's greeks example (S=49, K=50, r=5%, sigma=20%, T=20 weeks)", () => {
    const g = blackScholes({ type: 'call', spot: 49, strike: 50, years: 0.3846, vol: 0.2, rate: 0.05 })
    expect(g.delta).toBeCloseTo(0.522, 3)
    expect(g.gamma).toBeCloseTo(0.066, 3)
    expect(g.vega).toBeCloseTo(12.1, 1)
    expect(g.theta).toBeCloseTo(-4.31, 2)
  })

  it('put-call parity: c - p = S - K e^(-rT); put delta = call delta - 1', () => {
    const base = { spot: 3000, strike: 2500, years: 0.35, vol: 0.65, rate: 0.04 }
    const c = blackScholes({ ...base, type: 'call' })
    const p = blackScholes({ ...base, type: 'put' })
    expect(c.price - p.price).toBeCloseTo(3000 - 2500 * Math.exp(-0.04 * 0.35), 9)
    expect(p.delta).toBeCloseTo(c.delta - 1, 12)
    expect(p.gamma).toBeCloseTo(c.gamma, 12)
    expect(p.vega).toBeCloseTo(c.vega, 9)
  })

  it('gamma and vega match finite differences of price and delta', () => {
    const f = (spot: number, vol: number) =>
      blackScholes({ type: 'call', spot, strike: 100, years: 1, vol, rate: 0.02 })
    const h = 1e-3
    expect((f(100 + h, 0.3).delta - f(100 - h, 0.3).delta) / (2 * h)).toBeCloseTo(f(100, 0.3).gamma, 6)
    expect((f(100, 0.3 + h).price - f(100, 0.3 - h).price) / (2 * h)).toBeCloseTo(f(100, 0.3).vega, 4)
  })

  it('at expiry: intrinsic value, step delta, no gamma or vega', () => {
    expect(blackScholes({ type: 'put', spot: 90, strike: 100, years: 0, vol: 0.5 })).toEqual({
      price: 10,
      delta: -1,
      gamma: 0,
      vega: 0,
      theta: 0,
    })
    expect(blackScholes({ type: 'call', spot: 90, strike: 100, years: -1, vol: 0.5 }).price).toBe(0)
  })
})
