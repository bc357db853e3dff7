/**
 * The hedge engine (`planHedge`) on hand-made inputs, every expectation a hand computation next to
 * it: a wallet net long 2.5 ETH (7,500 USD at 3,000) and net short 0.1 BTC (-6,000 USD at 60,000),
 * plus 1,000 LINK the venue does not list; betas to ETH: ETH 1, BTC 0.8, LINK 1.2 (the fixture's).
 * Venue terms (fixture): ETH mark 3,000, 4 size decimals, tiers 25x up to 1M USD then 10x; BTC mark
 * 60,000, 5 decimals, 40x; taker 0.05 %; funding +0.001 %/h (ETH) and -0.002 %/h (BTC).
 */
import { describe, expect, it } from 'vitest'
import type { NetExposure, WalletBeta } from '../../../src/resolve/types.js'
import { type HedgeVenueQuote, planHedge, roundToStep, tierMaxLeverage } from '../../../src/risk/hedge.js'

const net = (riskAsset: string, units: number, usd: number): NetExposure => ({
  riskAsset,
  units,
  units18: null,
  usd,
  longUsd: Math.max(usd, 0),
  shortUsd: Math.min(usd, 0),
})
const exposure = [
  net('ETH', 2.5, 7_500),
  net('BTC', -0.1, -6_000),
  net('LINK', 1_000, 15_000),
  net('USD', -5_000, -5_000),
]
const beta: WalletBeta = {
  ETH: null,
  BTC: null,
  // 7,500 x 1 + (-6,000) x 0.8 + 15,000 x 1.2 = 20,700
  dollarEth: 7_500 - 6_000 * 0.8 + 15_000 * 1.2,
  dollarBtc: 0,
  table: {
    ETH: { ETH: 1, BTC: 0.7, source: 'default' },
    BTC: { ETH: 0.8, BTC: 1, source: 'default' },
    LINK: { ETH: 1.2, BTC: 0.9, source: 'request' },
  },
}
const quote = (
  q: Partial<HedgeVenueQuote> & Pick<HedgeVenueQuote, 'asset' | 'markPrice'>,
): HedgeVenueQuote => ({
  venue: 'fixture',
  riskAsset: q.asset,
  sizeDecimals: 4,
  marginTiers: [{ lowerBoundUsd: 0, maxLeverage: 25 }],
  takerFeeRate: 0.0005,
  feeSource: 'fixture',
  fundingRatePerHour: 0,
  source: 'fixture',
  ...q,
})
const quotes = new Map([
  [
    'ETH',
    quote({
      asset: 'ETH',
      markPrice: 3_000,
      marginTiers: [
        { lowerBoundUsd: 0, maxLeverage: 25 },
        { lowerBoundUsd: 1_000_000, maxLeverage: 10 },
      ],
      fundingRatePerHour: 0.00001,
    }),
  ],
  [
    'BTC',
    quote({
      asset: 'BTC',
      markPrice: 60_000,
      sizeDecimals: 5,
      marginTiers: [{ lowerBoundUsd: 0, maxLeverage: 40 }],
      fundingRatePerHour: -0.00002,
    }),
  ],
])

describe('helpers', () => {
  it('rounds to the size step half away from zero; picks the tier of the notional', () => {
    expect(roundToStep(1.23456, 4)).toBe(1.2346)
    expect(roundToStep(-1.23455, 4)).toBe(-1.2346)
    expect(tierMaxLeverage(quotes.get('ETH')!.marginTiers, 999_999)).toBe(25)
    expect(tierMaxLeverage(quotes.get('ETH')!.marginTiers, 1_000_000)).toBe(10)
  })
})

describe('planHedge', () => {
  it('delta: a short for the long, a long for the short, the unlisted asset named as unhedged', () => {
    const plan = planHedge({ target: { kind: 'delta' }, netExposure: exposure, beta, quotes, leverage: 5 })
    const eth = plan.legs.find((l) => l.riskAsset === 'ETH')!
    const btc = plan.legs.find((l) => l.riskAsset === 'BTC')!
    expect(eth.leg).toMatchObject({
      side: 'short',
      size: 2.5,
      margin: 7_500 / 5,
      maintenanceMarginRate: 1 / 50,
    })
    expect(btc.leg).toMatchObject({
      side: 'long',
      size: 0.1,
      margin: 6_000 / 5,
      maintenanceMarginRate: 1 / 80,
    })
    // short: P = (s E + margin) / (s (1 + m)) = (7,500 + 1,500) / (2.5 x 1.02) = 3,529.41...
    expect(eth.liquidationPrice).toBeCloseTo(9_000 / 2.55, 9)
    // long: P = (s E - margin) / (s (1 - m)) = (6,000 - 1,200) / (0.1 x 0.9875) = 48,607.59...
    expect(btc.liquidationPrice).toBeCloseTo(4_800 / 0.09875, 9)
    // funding: short ETH receives 0.00001 x 8,760 x 7,500 = 657; long BTC receives -(-0.00002) x 8,760 x 6,000 = 1,051.2
    expect(eth.fundingUsdPerYear).toBeCloseTo(657, 9)
    expect(btc.fundingUsdPerYear).toBeCloseTo(1_051.2, 9)
    expect(plan.carryUsdPerYear).toBeCloseTo(1_708.2, 9)
    // fees: 2 x 0.0005 x (7,500 + 6,000) = 13.5
    expect(plan.roundTripFeesUsd).toBeCloseTo(13.5, 9)
    expect(plan.unhedged).toEqual([
      { riskAsset: 'LINK', units: 1_000, usd: 15_000, reason: 'no perp for LINK on the venue' },
    ])
  })

  it('beta to ETH: one ETH short of dollarEth / (mark x 1), leverage capped at the tier max', () => {
    const plan = planHedge({
      target: { kind: 'beta', to: 'ETH' },
      netExposure: exposure,
      beta,
      quotes,
      leverage: 50,
    })
    expect(plan.legs).toHaveLength(1)
    const l = plan.legs[0]!
    // 20,700 / 3,000 = 6.9 ETH
    expect(l.leg.size).toBe(6.9)
    expect(l.leg.side).toBe('short')
    expect(l.leverage).toBe(25)
    expect(l.leg.margin).toBeCloseTo((6.9 * 3_000) / 25, 9)
  })

  it('leverage must be positive', () => {
    expect(() =>
      planHedge({ target: { kind: 'delta' }, netExposure: exposure, beta, quotes, leverage: 0 }),
    ).toThrow(RangeError)
  })
})
