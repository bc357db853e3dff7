/**
 * Leverage metrics (src/risk/leverage-metrics.ts) on a hand-built book, every expected number
 * computed by hand in the comments. ETH's reference price is 3,000 USD.
 *
 * - A (holder 0xa, aave-v3): 10 WETH (30,000 USD, LT 82.5%) against 15,000 USDC: a directional
 *   loop; ETH level m* = 15,000 / (0.825 x 30,000) = 0.60606 -> 1,818.18 USD, on a fall.
 * - B (holder 0xb, morpho-blue): 5 ETH of aWETH issued by aave-v3 (15,000 USD, LLTV 86%) against
 *   12,000 USDC: directional, cross-protocol; m* = 12,000 / 12,900 = 0.93023 -> 2,790.70 USD.
 * - C (holder 0xa, aave-v3): 12 ETH of wstETH (36,000 USD, LT 93%) against 10 WETH (30,000 USD):
 *   a carry loop; m* = (0 - 0) / (33,480 - 30,000) = 0: no ETH level.
 * - D (holder 0xd, aave-v3): 20,000 USDC (LT 88%) against 5 WETH (15,000 USD): a short loop;
 *   m* = (0 - 17,600) / (0 - 15,000) = 1.17333 -> 3,520 USD, on a rise.
 * - P1, P2 (gmx-v2 perps): a 30,000 USD ETH long liquidated at 2,400, a 10,000 USD short at 3,600.
 */
import { describe, expect, it } from 'vitest'
import type { Leg, Position } from '../../../src/core/types.js'
import type { Contribution } from '../../../src/resolve/types.js'
import {
  type LeverageInput,
  lendingLiquidationLevels,
  leverageMetrics,
} from '../../../src/risk/leverage-metrics.js'
import { fixtureRule } from '../../helpers/liquidation-rules.js'

const ETH = 3_000

function leg(side: Leg['side'], symbol: string, usd: number, ltBps?: number): Leg {
  return {
    asset: { symbol, address: null, decimals: 18 },
    side,
    amount: 1n,
    usd,
    priceUsd: 1,
    ...(ltBps === undefined ? {} : { countsAsCollateral: true, liquidationThresholdBps: ltBps }),
  }
}

function contribution(
  l: Leg,
  riskAsset: string,
  units: number,
  issuers: Contribution['issuers'] = [],
): Contribution {
  const sign = l.side === 'debt' || l.side === 'short' ? -1 : 1
  return {
    layer: 'x',
    source: l.side,
    symbol: l.asset.symbol,
    token: null,
    riskAsset,
    units: sign * units,
    units18: null,
    usd: sign * l.usd,
    path: [l.asset.symbol],
    issuers,
    flags: {},
  }
}

function lending(
  id: string,
  holder: string,
  protocol: string,
  legs: [Leg, string, number, Contribution['issuers']?][],
): LeverageInput {
  const position: Position = {
    status: 'ok',
    protocol,
    market: `${protocol}-m`,
    chain: 'ethereum',
    kind: 'lending',
    healthFactor: null,
    healthFactorWad: null,
    collateralUsd: legs.filter(([l]) => l.side === 'collateral').reduce((a, [l]) => a + l.usd, 0),
    debtUsd: legs.filter(([l]) => l.side === 'debt').reduce((a, [l]) => a + l.usd, 0),
    legs: legs.map(([l]) => l),
    liquidationPrices: [],
    liquidationRule: fixtureRule(protocol, 'lending', protocol === 'aave-v3' ? { layout: 'v3.3' } : {}),
    details: {},
  }
  return {
    id,
    holder,
    position,
    contributions: legs.map(([l, riskAsset, units, issuers]) => contribution(l, riskAsset, units, issuers)),
  }
}

function perp(id: string, side: 'long' | 'short', usd: number, liquidationPrice: number): LeverageInput {
  const l = leg(side, 'ETH', usd)
  const position: Position = {
    status: 'ok',
    protocol: 'gmx-v2',
    market: 'gmx-eth',
    chain: 'ethereum',
    kind: 'perp',
    healthFactor: null,
    healthFactorWad: null,
    collateralUsd: 0,
    debtUsd: 0,
    legs: [l],
    liquidationPrices: [
      {
        asset: null,
        symbol: 'ETH',
        side,
        price: liquidationPrice,
        currentPrice: ETH,
        distance: liquidationPrice / ETH - 1,
      },
    ],
    liquidationRule: fixtureRule('gmx-v2', 'perp'),
    details: {},
  }
  return { id, position, contributions: [contribution(l, 'ETH', usd / ETH)] }
}

const A = lending('A', '0xa', 'aave-v3', [
  [leg('collateral', 'WETH', 30_000, 8_250), 'ETH', 10],
  [leg('debt', 'USDC', 15_000), 'USD', 15_000],
])
const B = lending('B', '0xb', 'morpho-blue', [
  [
    leg('collateral', 'aWETH', 15_000, 8_600),
    'ETH',
    5,
    [{ protocol: 'aave-v3', market: 'aave-v3-m', symbol: 'aWETH' }],
  ],
  [leg('debt', 'USDC', 12_000), 'USD', 12_000],
])
const C = lending('C', '0xa', 'aave-v3', [
  [leg('collateral', 'wstETH', 36_000, 9_300), 'ETH', 12],
  [leg('debt', 'WETH', 30_000), 'ETH', 10],
])
const D = lending('D', '0xd', 'aave-v3', [
  [leg('collateral', 'USDC', 20_000, 8_800), 'USD', 20_000],
  [leg('debt', 'WETH', 15_000), 'ETH', 5],
])
const BOOK = [A, B, C, D, perp('P1', 'long', 30_000, 2_400), perp('P2', 'short', 10_000, 3_600)]
const prices = { ETH, USD: 1 }

describe('liquidation levels (linear health model)', () => {
  it('a long, a carry loop and a short loop', () => {
    expect(lendingLiquidationLevels(A, prices)).toEqual([
      { riskAsset: 'ETH', price: (15_000 / 24_750) * ETH, direction: 'fall', now: false },
    ])
    expect(lendingLiquidationLevels(B, prices)[0]!.price).toBeCloseTo((12_000 / 12_900) * ETH, 9)
    // Both sides in ETH: m* = 0, no level.
    expect(lendingLiquidationLevels(C, prices)).toEqual([])
    expect(lendingLiquidationLevels(D, prices)).toEqual([
      { riskAsset: 'ETH', price: (17_600 / 15_000) * ETH, direction: 'rise', now: false },
    ])
  })

  it('below 1 now: liquidatable at the reference price', () => {
    // 10,000 USD of WETH at LT 80% against 9,000 USDC: m* = 9,000 / 8,000 = 1.125 >= 1.
    const bad = lending('X', '0xx', 'aave-v3', [
      [leg('collateral', 'WETH', 10_000, 8_000), 'ETH', 10_000 / ETH],
      [leg('debt', 'USDC', 9_000), 'USD', 9_000],
    ])
    expect(lendingLiquidationLevels(bad, prices)).toEqual([
      { riskAsset: 'ETH', price: 1.125 * ETH, direction: 'fall', now: true },
    ])
    // Asset debt with no other collateral: HF < 1 at every price (m* = -0 / ... <= 0).
    const naked = lending('Y', '0xy', 'aave-v3', [[leg('debt', 'WETH', 3_000), 'ETH', 1]])
    expect(lendingLiquidationLevels(naked, prices)).toEqual([
      { riskAsset: 'ETH', price: 0, direction: 'rise', now: true },
    ])
  })
})

describe('leverageMetrics on the hand book', () => {
  const m = leverageMetrics(BOOK, { prices, bins: 30, range: [0.5, 1.5], top: 2 })

  it('totals by risk asset', () => {
    expect(m.positions).toEqual({ lending: 4, perp: 2, holders: 3 })
    // 30,000 + 15,000 + 36,000 + 20,000; 15,000 + 12,000 + 30,000 + 15,000.
    expect(m.totals).toEqual({ collateralUsd: 101_000, debtUsd: 72_000 })
    expect(m.byRiskAsset).toEqual([
      // ETH: collateral 30,000 + 15,000 + 36,000 (10 + 5 + 12 units); debt 30,000 + 15,000 (10 + 5).
      { riskAsset: 'ETH', collateralUsd: 81_000, collateralUnits: 27, debtUsd: 45_000, debtUnits: 15 },
      {
        riskAsset: 'USD',
        collateralUsd: 20_000,
        collateralUnits: 20_000,
        debtUsd: 27_000,
        debtUnits: 27_000,
      },
    ])
  })

  it('concentration over holders', () => {
    // 0xa 45,000 (A + C), 0xd 15,000, 0xb 12,000 of 72,000: 0.625, 0.208333, 0.166667.
    const shares = [45_000 / 72_000, 15_000 / 72_000, 12_000 / 72_000]
    expect(m.concentration.hhi).toBeCloseTo(
      shares.reduce((a, s) => a + s * s, 0),
      12,
    )
    expect(m.concentration.hhi).toBeCloseTo(0.4618056, 6)
    expect(m.concentration.topShare).toBeCloseTo(60_000 / 72_000, 12)
    expect(m.concentration.top.map((t) => t.holder)).toEqual(['0xa', '0xd'])
  })

  it('looped share and structures', () => {
    // Directional A + B (27,000) and carry C (30,000) of 72,000; the short loop D is not looped.
    expect(m.looped.debtUsd).toBe(57_000)
    expect(m.looped.share).toBeCloseTo(57_000 / 72_000, 12)
    expect(m.looped.byStructure).toEqual([
      { structure: 'carry-loop', positions: 1, debtUsd: 30_000 },
      { structure: 'directional-loop', positions: 2, debtUsd: 27_000 },
      { structure: 'short-loop', positions: 1, debtUsd: 15_000 },
    ])
  })

  it('cross-protocol collateral', () => {
    expect(m.crossProtocol.collateralUsd).toBe(15_000)
    expect(m.crossProtocol.share).toBeCloseTo(15_000 / 101_000, 12)
    expect(m.crossProtocol.links).toEqual([
      {
        holderProtocol: 'morpho-blue',
        issuerProtocol: 'aave-v3',
        issuerMarket: 'aave-v3-m',
        symbol: 'aWETH',
        collateralUsd: 15_000,
        positions: 1,
      },
    ])
  })

  it('the liquidation-levels histogram: 30 bins of 100 USD from 1,500 to 4,500', () => {
    const [h] = m.liquidationLevels
    expect(h!.riskAsset).toBe('ETH')
    expect(h!.bins).toHaveLength(30)
    expect(h!.bins[0]).toMatchObject({ from: 1_500, to: 1_600 })
    const filled = h!.bins
      .map((b, i) => ({ i, fall: b.onFallUsd, rise: b.onRiseUsd, n: b.positions }))
      .filter((b) => b.n > 0)
    // A 1,818.18 -> bin 3 [1,800, 1,900); B 2,790.70 -> bin 12; D 3,520 -> bin 20 (on a rise).
    expect(filled).toEqual([
      { i: 3, fall: 15_000, rise: 0, n: 1 },
      { i: 12, fall: 12_000, rise: 0, n: 1 },
      { i: 20, fall: 0, rise: 15_000, n: 1 },
    ])
    expect(h!.belowRange).toEqual({ usd: 0, positions: 0 })
    expect(h!.liquidatableNow).toEqual({ usd: 0, positions: 0 })
  })

  it('perps: open interest, skew and their levels', () => {
    // long 30,000, short 10,000: skew (30,000 - 10,000) / 40,000 = 0.5.
    expect(m.perps.byRiskAsset).toEqual([{ riskAsset: 'ETH', longUsd: 30_000, shortUsd: 10_000, skew: 0.5 }])
    const filled = m.perps.liquidationLevels[0]!.bins.map((b, i) => ({
      i,
      fall: b.onFallUsd,
      rise: b.onRiseUsd,
    })).filter((b) => b.fall + b.rise > 0)
    // 2,400 -> bin 9, 3,600 -> bin 21.
    expect(filled).toEqual([
      { i: 9, fall: 30_000, rise: 0 },
      { i: 21, fall: 0, rise: 10_000 },
    ])
  })

  it('no positions: zeros and nulls, no histogram', () => {
    const empty = leverageMetrics([], { prices })
    expect(empty.totals).toEqual({ collateralUsd: 0, debtUsd: 0 })
    expect(empty.concentration).toEqual({ hhi: null, topShare: null, top: [] })
    expect(empty.looped.share).toBeNull()
    expect(empty.liquidationLevels).toEqual([])
  })

  it('refuses bins and ranges that are not', () => {
    expect(() => leverageMetrics([], { prices, bins: 0 })).toThrow(RangeError)
    expect(() => leverageMetrics([], { prices, range: [1.5, 0.5] })).toThrow(RangeError)
  })
})
