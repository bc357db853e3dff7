/** Greeks per risk asset, hand-summed: two ETH legs and one BTC leg. */
import { describe, expect, it } from 'vitest'
import { optionGreeksByAsset } from '../../../src/risk/option-greeks.js'

describe('optionGreeksByAsset', () => {
  it('sums per risk asset: delta USD, gamma x S^2 / 100, vega / 100, theta / 365', () => {
    const out = optionGreeksByAsset([
      { riskAsset: 'ETH', spot: 3000, delta: 1, gamma: 0.001, vega: 500, theta: -365 },
      { riskAsset: 'BTC', spot: 60000, delta: -0.5, gamma: 0.00001, vega: 2000, theta: null },
      { riskAsset: 'ETH', spot: 3000, delta: -0.4, gamma: -0.0005, vega: -100, theta: -730 },
    ])
    expect(out.map((g) => g.riskAsset)).toEqual(['ETH', 'BTC'])
    const [eth, btc] = out
    // ETH: delta 0.6 -> 1800 USD; gamma 0.0005 x 9e6 / 100 = 45; vega 400 -> 4/pt; theta -1095/365 = -3
    expect(eth).toMatchObject({ legs: 2, vega: 400 })
    expect(eth!.delta).toBeCloseTo(0.6, 12)
    expect(eth!.deltaUsd).toBeCloseTo(1800, 9)
    expect(eth!.gammaUsdPer1Pct).toBeCloseTo(45, 9)
    expect(eth!.vegaUsdPerVolPoint).toBeCloseTo(4, 12)
    expect(eth!.thetaUsdPerDay).toBeCloseTo(-3, 12)
    // BTC: 0.00001 x 3.6e9 / 100 = 360; theta unknown
    expect(btc!.gammaUsdPer1Pct).toBeCloseTo(360, 9)
    expect(btc!.thetaUsdPerDay).toBeNull()
  })
  it('an unknown spot leaves the USD figures null, never zero', () => {
    const [g] = optionGreeksByAsset([
      { riskAsset: 'SOL', spot: null, delta: 2, gamma: 0.1, vega: 10, theta: 0 },
    ])
    expect(g).toMatchObject({ delta: 2, deltaUsd: null, gammaUsdPer1Pct: null, vega: 10 })
  })
})
