/**
 * Hedge sizing on a GMX-rule venue and GMX's funding/borrowing per year, pure, on hand-computed
 * fixtures (no chain). Quote (a fixture, not a live market): mark 2,000 USD, min collateral factor
 * 1 % (100x), for liquidation 0.5 %, MIN_COLLATERAL_USD 1, open fee 0.04 %, close fee 0.06 %, impact
 * cap 1 %; a short receives 20 %/yr funding and pays 5 %/yr borrowing. Wallet: net +10 ETH.
 * By hand, short 10 ETH at 5x: S = 20,000; C = 4,000; open fee 8; close fee 12; T = max(1, 100) = 100;
 * P* = (C + S - close fee - T) / N = (4,000 + 20,000 - 12 - 100) / 10 = 2,388.8; with the 1 % impact
 * cap (200): 2,368.8; analyze's maintenance rate (T + close fee) / (N x P*) = 112 / 23,888; carry
 * 20,000 x (0.2 - 0.05) = 3,000 USD per year.
 * gmxCarryPerYear: S = 1,000 USD, borrowing 1e-9 per second -> -31.536 USD/yr; funding 2e-9 per
 * second, longs pay, OI 300 / 100 USD: a long pays 63.072, a short receives 63.072 x 3 = 189.216.
 */
import { describe, expect, it } from 'vitest'
import { FLOAT_PRECISION, gmxCarryPerYear } from '../../../src/protocols/gmx-v2/math.js'
import { type HedgeVenueQuote, planHedge } from '../../../src/risk/hedge.js'
import { perpRisk } from '../../../src/risk/perp.js'

const quote: HedgeVenueQuote = {
  venue: 'gmx-fixture',
  asset: 'ETH',
  riskAsset: 'ETH',
  markPrice: 2000,
  sizeDecimals: 6,
  marginTiers: [{ lowerBoundUsd: 0, maxLeverage: 100 }],
  takerFeeRate: 0.0004,
  feeSource: 'fixture',
  fundingRatePerHour: 0,
  source: 'fixture',
  gmxRule: {
    kind: 'gmx-min-collateral',
    market: '0xfixture',
    marketName: 'ETH/USD [fixture]',
    minCollateralFactor: 0.01,
    minCollateralFactorForLiquidation: 0.005,
    minCollateralUsd: 1,
    maxPositionImpactFactorForLiquidations: 0.01,
    closeFeeRate: 0.0006,
  },
  carryApyBySide: { long: { funding: -0.2, borrowing: -0.05 }, short: { funding: 0.2, borrowing: -0.05 } },
}

describe('planHedge on a GMX-rule quote', () => {
  const plan = planHedge({
    target: { kind: 'delta' },
    netExposure: [
      { riskAsset: 'ETH', units: 10, units18: 10n * 10n ** 18n, usd: 20_000, longUsd: 20_000, shortUsd: 0 },
    ],
    beta: { ETH: null, BTC: null, dollarEth: 0, dollarBtc: 0, table: {} },
    quotes: new Map([['ETH', quote]]),
    leverage: 5,
  })
  const l = plan.legs[0]!

  it('size, collateral, fees, threshold and the liquidation price by hand', () => {
    expect(l.leg).toMatchObject({ side: 'short', size: 10, entryPrice: 2000, margin: 4000 })
    expect(l.maxLeverage).toBe(100)
    expect(l.openFeeUsd).toBeCloseTo(8, 12)
    expect(l.marginUsd).toBeCloseTo(4008, 12)
    expect(l.roundTripFeeUsd).toBeCloseTo(20, 12)
    expect(l.gmx!.thresholdUsd).toBeCloseTo(100, 12)
    expect(l.liquidationPrice).toBeCloseTo(2388.8, 9)
    expect(l.gmx!.liquidationPriceWorstImpact).toBeCloseTo(2368.8, 9)
    expect(l.leg.maintenanceMarginRate).toBeCloseTo(112 / 23_888, 15)
  })

  it("the analyze leg's isolated rule liquidates at the same price", () => {
    expect(perpRisk(l.leg).liquidationPrice).toBeCloseTo(2388.8, 9)
  })

  it('carry: funding received, borrowing paid', () => {
    expect(l.fundingUsdPerYear).toBeCloseTo(4000, 9)
    expect(l.borrowingUsdPerYear).toBeCloseTo(-1000, 9)
    expect(plan.carryUsdPerYear).toBeCloseTo(3000, 9)
  })
})

describe('gmxCarryPerYear', () => {
  const S = 1000n * FLOAT_PRECISION
  const m = {
    borrowingFactorPerSecondForLongs: 10n ** 21n,
    borrowingFactorPerSecondForShorts: 0n,
    longsPayShorts: true,
    fundingFactorPerSecond: 2n * 10n ** 21n,
    longOpenInterestUsd: 300n * FLOAT_PRECISION,
    shortOpenInterestUsd: 100n * FLOAT_PRECISION,
  }
  it('a long pays borrowing and funding', () => {
    const c = gmxCarryPerYear(true, S, m)
    expect(c.borrowingUsdPerYear).toBe(-31_536n * 10n ** 27n)
    expect(c.fundingUsdPerYear).toBe(-63_072n * 10n ** 27n)
  })
  it('a short (receiving side) gets the longs funding over its smaller size: x 3', () => {
    const c = gmxCarryPerYear(false, S, m)
    expect(c.borrowingUsdPerYear).toBe(0n)
    expect(c.fundingUsdPerYear).toBe(189_216n * 10n ** 27n)
  })
  it('no open interest on a side: no funding moves', () => {
    expect(gmxCarryPerYear(false, S, { ...m, longOpenInterestUsd: 0n }).fundingUsdPerYear).toBe(0n)
  })
})
