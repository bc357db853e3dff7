/**
 * Stress engine, hand-computed vectors (the arithmetic is in the comments). Liquidation rules
 * from ../shared/notes/protocol-math.md: Aave v3.0 close factor (50% above HF 0.95, 100% at or
 * below), v3.3 (100% unless both sides >= 2,000 USD and HF > 0.95), Morpho (whole debt, LIF,
 * bad debt socialised), Compound absorb (all collateral credited at its liquidation factor).
 */
import { describe, expect, it } from 'vitest'
import type { Leg, Position } from '../../../src/core/types.js'
import type { Contribution } from '../../../src/resolve/types.js'
import {
  defaultStressGrid,
  multiplierOf,
  type StressInput,
  stressPosition,
  stressWallet,
  validateScenario,
} from '../../../src/risk/stress.js'
import { fixtureRule } from '../../helpers/liquidation-rules.js'

const asset = (symbol: string, decimals = 18) => ({ symbol, address: null, decimals })

function leg(side: Leg['side'], symbol: string, usd: number, extra: Partial<Leg> = {}): Leg {
  return { asset: asset(symbol), side, amount: 1n, usd, priceUsd: 1, ...extra }
}

function contribution(layer: string, l: Leg, riskAsset: string, path: string[]): Contribution {
  const sign = l.side === 'debt' || l.side === 'short' ? -1 : 1
  return {
    layer,
    source: l.side,
    symbol: l.asset.symbol,
    token: '0x0',
    riskAsset,
    units: 0,
    units18: null,
    usd: sign * l.usd,
    path,
    issuers: [],
    flags: {},
  }
}

const RISK: Record<string, [string, string[]]> = {
  WETH: ['ETH', ['WETH']],
  wstETH: ['ETH', ['wstETH', 'stETH', 'ETH']],
  USDC: ['USD', ['USDC']],
  WBTC: ['BTC', ['WBTC']],
}

function input(
  protocol: string,
  legs: Leg[],
  details: Record<string, unknown> = {},
  kind: 'lending' | 'perp' = 'lending',
): StressInput {
  const collateralUsd = legs.filter((l) => l.side === 'collateral').reduce((a, l) => a + l.usd, 0)
  const debtUsd = legs.filter((l) => l.side === 'debt').reduce((a, l) => a + l.usd, 0)
  const position: Position = {
    status: 'ok',
    protocol,
    market: `${protocol}-test`,
    chain: 'ethereum',
    kind,
    healthFactor: null,
    healthFactorWad: null,
    collateralUsd,
    debtUsd,
    legs,
    liquidationPrices: [],
    liquidationRule: fixtureRule(protocol, kind, details),
    details,
  }
  const id = `ethereum:${protocol}-test`
  const contributions = legs.map((l) => {
    const [riskAsset, path] = RISK[l.asset.symbol] as [string, string[]]
    return contribution(id, l, riskAsset, path)
  })
  return { id, position, contributions }
}

const aaveWethUsdc = (layout: 'v3.0' | 'v3.3', debt = 24_000) =>
  input(
    'aave-v3',
    [
      leg('collateral', 'WETH', 30_000, {
        countsAsCollateral: true,
        liquidationThresholdBps: 8_250,
        liquidationBonusBps: 10_500,
      }),
      leg('debt', 'USDC', debt),
    ],
    { layout },
  )

describe('price multipliers', () => {
  it('a shock moves a risk asset, a depeg every token on the path, USD never', () => {
    const c = contribution('x', leg('collateral', 'wstETH', 1), 'ETH', ['wstETH', 'stETH', 'ETH'])
    // (1 - 0.2) x (1 - 0.05): ETH -20%, stETH 5% under ETH.
    expect(multiplierOf(c, { name: '', shocks: { ETH: -0.2 }, depegs: { stETH: -0.05 } })).toBeCloseTo(
      0.8 * 0.95,
      15,
    )
    expect(multiplierOf(c, { name: '', shocks: { '*': -0.3 } })).toBeCloseTo(0.7, 15)
    const usdc = contribution('x', leg('debt', 'USDC', 1), 'USD', ['USDC'])
    expect(multiplierOf(usdc, { name: '', shocks: { '*': -0.3 }, depegs: { USDC: -0.02 } })).toBeCloseTo(
      0.98,
      15,
    )
  })

  it('refuses a move of -100% or worse', () => {
    expect(() => validateScenario({ name: 'x', shocks: { ETH: -1 } })).toThrow(RangeError)
    expect(() => validateScenario({ name: 'x', shocks: {}, depegs: { USDC: Number.NaN } })).toThrow(
      RangeError,
    )
  })
})

describe('Aave', () => {
  it('v3.0, HF in (0.95, 1): close factor 50%, seized = repaid x 1.05', () => {
    // ETH -5%: collateral 28,500 x 0.825 / 24,000 = 0.9796875.
    const r = stressPosition(aaveWethUsdc('v3.0'), { name: '', shocks: { ETH: -0.05 } })
    expect(r.healthFactorShocked).toBeCloseTo((28_500 * 0.825) / 24_000, 12)
    expect(r.liquidation).toMatchObject({ rule: 'aave-close-factor', closeFactor: 0.5 })
    expect(r.liquidation!.debtRepaidUsd).toBeCloseTo(12_000, 9) // 50% of 24,000
    expect(r.liquidation!.collateralSeizedUsd).toBeCloseTo(12_600, 9) // 12,000 x 1.05
    expect(r.liquidation!.penaltyUsd).toBeCloseTo(600, 9)
    // Equity 28,500 - 24,000 = 4,500, less the 600 bonus = 3,900.
    expect(r.equityAfterUsd).toBeCloseTo(3_900, 9)
    // After: (28,500 - 12,600) x 0.825 / 12,000 = 1.093: healthy again.
    expect(r.stillLiquidatable).toBe(false)
  })

  it('v3.0, HF <= 0.95: the whole debt', () => {
    // ETH -10%: 27,000 x 0.825 / 24,000 = 0.928125.
    const r = stressPosition(aaveWethUsdc('v3.0'), { name: '', shocks: { ETH: -0.1 } })
    expect(r.liquidation).toMatchObject({ closeFactor: 1 })
    expect(r.liquidation!.collateralSeizedUsd).toBeCloseTo(25_200, 9) // 24,000 x 1.05
    expect(r.equityAfterUsd).toBeCloseTo(27_000 - 25_200, 9)
  })

  it('v3.3: 50% only when both sides are >= 2,000 USD and HF > 0.95', () => {
    const big = stressPosition(aaveWethUsdc('v3.3'), { name: '', shocks: { ETH: -0.05 } })
    expect(big.liquidation!.closeFactor).toBe(0.5)
    // Both sides over 2,000 USD and HF above 0.95: 50%.
    const small = input(
      'aave-v3',
      [
        leg('collateral', 'WETH', 3_000, {
          countsAsCollateral: true,
          liquidationThresholdBps: 8_250,
          liquidationBonusBps: 10_500,
        }),
        leg('debt', 'USDC', 2_400),
      ],
      { layout: 'v3.3' },
    )
    // ETH -5%: 2,850 x 0.825 / 2,400 = 0.9797 -> liquidatable; debt 2,400 >= 2,000, collateral 2,850 >= 2,000 -> 50%.
    expect(stressPosition(small, { name: '', shocks: { ETH: -0.05 } }).liquidation!.closeFactor).toBe(0.5)
    const tiny = input(
      'aave-v3',
      [
        leg('collateral', 'WETH', 2_000, {
          countsAsCollateral: true,
          liquidationThresholdBps: 8_250,
          liquidationBonusBps: 10_500,
        }),
        leg('debt', 'USDC', 1_600),
      ],
      { layout: 'v3.3' },
    )
    // ETH -5%: collateral 1,900 < 2,000 -> 100%.
    expect(stressPosition(tiny, { name: '', shocks: { ETH: -0.05 } }).liquidation!.closeFactor).toBe(1)
  })

  it('the average LT is truncated to whole bps, as GenericLogic does', () => {
    // 10,000 at 8,250 + 5,000 at 7,000 bps: (82,500,000 + 35,000,000) / 15,000 = 7,833.33 -> 7,833.
    const p = input(
      'aave-v3',
      [
        leg('collateral', 'WETH', 10_000, { countsAsCollateral: true, liquidationThresholdBps: 8_250 }),
        leg('collateral', 'WBTC', 5_000, { countsAsCollateral: true, liquidationThresholdBps: 7_000 }),
        leg('debt', 'USDC', 10_000),
      ],
      { layout: 'v3.0' },
    )
    expect(stressPosition(p, { name: '', shocks: {} }).healthFactorShocked).toBeCloseTo(
      (15_000 * 0.7833) / 10_000,
      12,
    )
  })
})

describe('Morpho and Compound', () => {
  it('Morpho: the whole debt at the LIF; a shortfall is bad debt and equity floors at 0', () => {
    // LLTV 86%, LIF = 1 / (1 - 0.3 x 0.14) = 1.0438413.
    const lif = 1 / (1 - 0.3 * 0.14)
    const p = input('morpho-blue', [
      leg('collateral', 'WETH', 20_000, {
        countsAsCollateral: true,
        liquidationThresholdBps: 8_600,
        liquidationBonusBps: Math.round(lif * 10_000),
      }),
      leg('debt', 'USDC', 15_000),
    ])
    // ETH -20%: 16,000 x 0.86 / 15,000 = 0.917; seized 15,000 x 1.0438 = 15,657.6 < 16,000.
    const r = stressPosition(p, { name: '', shocks: { ETH: -0.2 } })
    expect(r.liquidation).toMatchObject({ rule: 'morpho-full', closeFactor: 1 })
    expect(r.liquidation!.collateralSeizedUsd).toBeCloseTo(15_000 * 1.0438, 6)
    expect(r.equityAfterUsd).toBeCloseTo(16_000 - 15_000 * 1.0438, 6)
    // ETH -40%: 12,000 of collateral: all seized, repays 12,000 / 1.0438 = 11,496.3; the rest is bad debt.
    const deep = stressPosition(p, { name: '', shocks: { ETH: -0.4 } })
    expect(deep.liquidation!.collateralSeizedUsd).toBeCloseTo(12_000, 9)
    expect(deep.liquidation!.debtRepaidUsd).toBeCloseTo(12_000 / 1.0438, 6)
    expect(deep.liquidation!.badDebtUsd).toBeCloseTo(15_000 - 12_000 / 1.0438, 6)
    expect(deep.equityAfterUsd).toBe(0)
  })

  it('Compound absorb: all collateral credited at its liquidation factor, debt wiped', () => {
    const p = input(
      'compound-v3',
      [
        leg('collateral', 'WETH', 30_000, { countsAsCollateral: true, liquidationThresholdBps: 8_300 }),
        leg('debt', 'USDC', 24_000),
      ],
      { collaterals: [{ symbol: 'WETH', liquidationFactorBps: 9_300 }] },
    )
    // ETH -10%: 27,000 x 0.83 / 24,000 = 0.93375 -> absorbed; credit 27,000 x 0.93 = 25,110;
    // the borrower keeps 25,110 - 24,000 = 1,110 as base supply; penalty 27,000 - 25,110 = 1,890.
    const r = stressPosition(p, { name: '', shocks: { ETH: -0.1 } })
    expect(r.liquidation).toMatchObject({ rule: 'compound-absorb' })
    expect(r.equityAfterUsd).toBeCloseTo(1_110, 9)
    expect(r.liquidation!.penaltyUsd).toBeCloseTo(1_890, 9)
  })
})

describe('perps and the wallet', () => {
  const gmxLong = () => {
    // 5x ETH long: 25,000 size at 3,000 with 5,000 USDC collateral; maintenance 250 (1% of size).
    const legs = [leg('long', 'WETH', 25_000), leg('collateral', 'USDC', 5_000)]
    const s = input('gmx-v2', legs, { maintenanceMarginUsd: 250 }, 'perp')
    s.position.collateralUsd = 5_000
    s.contributions = [
      ...s.contributions,
      { ...s.contributions[1]!, source: 'financing', usd: -25_000, path: ['USD'], token: null },
    ]
    return s
  }

  it('a perp is liquidated when equity falls under maintenance, and its equity is lost', () => {
    // ETH -15%: equity = 25,000 x 0.85 + 5,000 - 25,000 = 1,250 >= 250: alive, HF 5.
    const alive = stressPosition(gmxLong(), { name: '', shocks: { ETH: -0.15 } })
    expect(alive.healthFactorShocked).toBeCloseTo(1_250 / 250, 9)
    expect(alive.liquidated).toBe(false)
    // ETH -19.5%: equity 125 < 250: liquidated, equity after 0.
    const dead = stressPosition(gmxLong(), { name: '', shocks: { ETH: -0.195 } })
    expect(dead.liquidated).toBe(true)
    expect(dead.equityAfterUsd).toBe(0)
    expect(dead.liquidation!.penaltyUsd).toBeCloseTo(125, 9)
  })

  it('the wallet sums its positions and reports the minimum health factor', () => {
    const r = stressWallet([aaveWethUsdc('v3.0'), gmxLong()], { name: 'ETH -5%', shocks: { ETH: -0.05 } })
    // Aave 3,900 after liquidation; GMX 25,000 x 0.95 + 5,000 - 25,000 = 3,750.
    expect(r.equityAfterUsd).toBeCloseTo(3_900 + 3_750, 9)
    expect(r.equityBeforeUsd).toBeCloseTo(6_000 + 5_000, 9)
    expect(r.positionsLiquidated).toBe(1)
    expect(r.minHealthFactor).toBeCloseTo((28_500 * 0.825) / 24_000, 12)
  })

  it('the default grid: joint moves, each asset alone when there are several, and the depegs held', () => {
    const w = input('aave-v3', [
      leg('collateral', 'wstETH', 10, { countsAsCollateral: true, liquidationThresholdBps: 8_000 }),
      leg('collateral', 'WBTC', 10, { countsAsCollateral: true, liquidationThresholdBps: 7_000 }),
      leg('debt', 'USDC', 5),
    ])
    const names = defaultStressGrid(w.contributions).map((s) => s.name)
    expect(names).toEqual([
      'all risk assets -50%',
      'all risk assets -40%',
      'all risk assets -30%',
      'all risk assets -20%',
      'all risk assets -10%',
      'all risk assets +10%',
      'all risk assets +20%',
      'all risk assets +30%',
      'BTC -30% alone',
      'BTC +30% alone',
      'ETH -30% alone',
      'ETH +30% alone',
      'stETH depeg -5%',
      'stETH depeg -10%',
      'USDC depeg -2%',
      'USDC depeg -5%',
    ])
  })
})
