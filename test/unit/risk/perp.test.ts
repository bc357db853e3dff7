/** Isolated perp risk, hand computations in the comments. */
import { describe, expect, it } from 'vitest'
import { perpRisk } from '../../../src/risk/perp.js'

describe('perpRisk', () => {
  it('long 10 ETH at 3000 with 5000 margin, MMR 0.5%, mark 2900', () => {
    const r = perpRisk({
      side: 'long',
      size: 10,
      entryPrice: 3000,
      margin: 5000,
      maintenanceMarginRate: 0.005,
      markPrice: 2900,
    })
    // pnl = 10 * (2900 - 3000) = -1000; equity = 4000; notional = 29,000; maintenance = 145
    expect(r.unrealizedPnlUsd).toBe(-1000)
    expect(r.equityUsd).toBe(4000)
    expect(r.notionalUsd).toBe(29000)
    expect(r.maintenanceMarginUsd).toBeCloseTo(145, 9)
    expect(r.healthFactor).toBeCloseTo(4000 / 145, 12)
    expect(r.leverage).toBeCloseTo(29000 / 4000, 12)
    // P = (10 * 3000 - 5000) / (10 * 0.995) = 25000 / 9.95 = 2512.5628...
    expect(r.liquidationPrice).toBeCloseTo(25000 / 9.95, 9)
  })

  it('short 2 BTC at 60000 with 12000 margin, MMR 1%', () => {
    const r = perpRisk({
      side: 'short',
      size: 2,
      entryPrice: 60000,
      margin: 12000,
      maintenanceMarginRate: 0.01,
    })
    // P = (2 * 60000 + 12000) / (2 * 1.01) = 132000 / 2.02 = 65346.53...
    expect(r.liquidationPrice).toBeCloseTo(132000 / 2.02, 6)
    expect(r.markPrice).toBe(60000)
    expect(r.unrealizedPnlUsd).toBe(0)
  })

  it('at the liquidation price equity equals the maintenance requirement', () => {
    for (const side of ['long', 'short'] as const) {
      const p = { side, size: 3, entryPrice: 2000, margin: 900, maintenanceMarginRate: 0.02 }
      const liq = perpRisk(p).liquidationPrice!
      const at = perpRisk({ ...p, markPrice: liq })
      expect(at.equityUsd).toBeCloseTo(at.maintenanceMarginUsd, 9)
      expect(at.healthFactor).toBeCloseTo(1, 12)
    }
  })

  it('a long with margin above its notional has no liquidation price', () => {
    // P = (1 * 100 - 150) / 0.99 < 0
    expect(
      perpRisk({ side: 'long', size: 1, entryPrice: 100, margin: 150, maintenanceMarginRate: 0.01 })
        .liquidationPrice,
    ).toBeNull()
  })

  it('equity at or below zero has no leverage figure', () => {
    const r = perpRisk({
      side: 'long',
      size: 1,
      entryPrice: 100,
      margin: 10,
      maintenanceMarginRate: 0.01,
      markPrice: 80,
    })
    expect(r.equityUsd).toBe(-10)
    expect(r.leverage).toBeNull()
  })
})
