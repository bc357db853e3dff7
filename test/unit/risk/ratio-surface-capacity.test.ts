/**
 * Liquidation ratios, the two-asset surface and safe size on hand-built positions; every expected
 * number is computed by hand in the comments (USD floats; LT/LTV in bps as on the legs).
 */
import { describe, expect, it } from 'vitest'
import type { Leg, LiquidationPrice, Position } from '../../../src/core/types.js'
import type { Contribution } from '../../../src/resolve/types.js'
import { positionCapacity, validateTargetHealthFactor } from '../../../src/risk/capacity.js'
import { ratioLiquidations } from '../../../src/risk/ratio-liquidation.js'
import type { StressInput } from '../../../src/risk/stress.js'
import {
  crossings,
  healthFactorAt,
  healthFactorEvaluator,
  liquidationSurface,
  MAX_SURFACE_POINTS,
  surfaceMoves,
  validateSurfaceParams,
} from '../../../src/risk/surface.js'
import { aaveRule, fixtureRule } from '../../helpers/liquidation-rules.js'

const RISK: Record<string, [string, string[], number]> = {
  WETH: ['ETH', ['WETH'], 18],
  wstETH: ['ETH', ['wstETH', 'stETH', 'ETH'], 18],
  USDC: ['USD', ['USDC'], 6],
  WBTC: ['BTC', ['WBTC'], 8],
}
const ADDRESS: Record<string, `0x${string}`> = {
  WETH: '0x00000000000000000000000000000000000000e1',
  wstETH: '0x00000000000000000000000000000000000000e2',
  USDC: '0x00000000000000000000000000000000000000c1',
  WBTC: '0x00000000000000000000000000000000000000b1',
}

/** A leg of `units` whole tokens at `price` USD. */
function leg(side: Leg['side'], symbol: string, units: number, price: number, extra: Partial<Leg> = {}): Leg {
  const decimals = (RISK[symbol] as [string, string[], number])[2]
  return {
    asset: { symbol, address: ADDRESS[symbol] as `0x${string}`, decimals },
    side,
    amount:
      BigInt(Math.round(units * 10 ** Math.min(decimals, 8))) * 10n ** BigInt(Math.max(0, decimals - 8)),
    usd: units * price,
    priceUsd: price,
    ...extra,
  }
}
const counted = (lt: number, ltv = lt - 300): Partial<Leg> => ({
  countsAsCollateral: true,
  liquidationThresholdBps: lt,
  ltvBps: ltv,
  liquidationBonusBps: 10_500,
})

function input(
  legs: Leg[],
  options: { rule?: Position['liquidationRule']; kind?: Position['kind']; prices?: LiquidationPrice[] } = {},
): StressInput {
  const kind = options.kind ?? 'lending'
  const collateralUsd = legs.filter((l) => l.side === 'collateral').reduce((a, l) => a + l.usd, 0)
  const debtUsd = legs.filter((l) => l.side === 'debt').reduce((a, l) => a + l.usd, 0)
  const weighted = legs
    .filter((l) => l.side === 'collateral')
    .reduce((a, l) => a + (l.usd * (l.liquidationThresholdBps ?? 0)) / 10_000, 0)
  const id = 'ethereum:test'
  const position: Position = {
    status: 'ok',
    protocol: 'test',
    market: 'test',
    chain: 'ethereum',
    kind,
    healthFactor: debtUsd > 0 ? weighted / debtUsd : null,
    healthFactorWad: null,
    collateralUsd,
    debtUsd,
    legs,
    liquidationPrices: options.prices ?? [],
    liquidationRule: options.rule ?? fixtureRule('morpho-blue', kind),
    details: {},
  }
  const contributions: Contribution[] = legs.map((l) => {
    const [riskAsset, path] = RISK[l.asset.symbol] as [string, string[], number]
    return {
      layer: id,
      source: l.side,
      symbol: l.asset.symbol,
      token: l.asset.address,
      riskAsset,
      units: 0,
      units18: null,
      usd: (l.side === 'debt' ? -1 : 1) * l.usd,
      path,
      issuers: [],
      flags: {},
    }
  })
  return { id, position, contributions }
}

describe('liquidation ratios of correlated pairs', () => {
  // 10 wstETH at 3,540 (LT 95%) against 9 WETH at 3,000: HF = 33,630 / 27,000 = 1.24556. The
  // adapter's wstETH liquidation price (WETH fixed): 27,000 / (10 x 0.95) = 2,842.105263.
  const wstethLp = 27_000 / 9.5
  const loop = input(
    [leg('collateral', 'wstETH', 10, 3_540, counted(9_500, 9_300)), leg('debt', 'WETH', 9, 3_000)],
    {
      prices: [
        {
          asset: ADDRESS.wstETH as `0x${string}`,
          symbol: 'wstETH',
          side: 'collateral',
          price: wstethLp,
          currentPrice: 3_540,
          distance: wstethLp / 3_540 - 1,
        },
        // The misleading USD view: WETH >= 3,736.67 with wstETH fixed.
        {
          asset: ADDRESS.WETH as `0x${string}`,
          symbol: 'WETH',
          side: 'debt',
          price: 33_630 / 9,
          currentPrice: 3_000,
          distance: 33_630 / 27_000 - 1,
        },
      ],
    },
  )

  it('serves the wstETH/WETH ratio that liquidates a carry loop and its depeg', () => {
    const [r, ...rest] = ratioLiquidations(loop)
    expect(rest).toEqual([])
    expect(r?.riskAsset).toBe('ETH')
    expect(r?.collateral.symbol).toBe('wstETH')
    expect(r?.debt.symbol).toBe('WETH')
    expect(r?.currentRatio).toBeCloseTo(1.18, 12) // 3,540 / 3,000
    expect(r?.liquidationRatio).toBeCloseTo(0.947368421052632, 12) // 2,842.105263 / 3,000 = 0.9 / 0.95
    expect(r?.depeg).toBeCloseTo(0.947368421052632 / 1.18 - 1, 12) // -19.71%
    expect(r?.collateralPrice).toBe(wstethLp)
    expect(r?.debtPrice).toBe(3_000)
  })

  it('has no ratio for legs of different risk assets, perps, or a position without debt', () => {
    const wethUsdc = input([
      leg('collateral', 'WETH', 10, 3_000, counted(8_250)),
      leg('debt', 'USDC', 20_000, 1),
    ])
    expect(ratioLiquidations(wethUsdc)).toEqual([])
    const supplier = input([leg('collateral', 'wstETH', 1, 3_540, counted(9_500))])
    expect(ratioLiquidations(supplier)).toEqual([])
    const perp = input([leg('long', 'WETH', 1, 3_000), leg('short', 'wstETH', 1, 3_540)], {
      kind: 'perp',
      rule: fixtureRule('gmx-v2', 'perp', { maintenanceMarginUsd: 100 }),
    })
    expect(ratioLiquidations(perp)).toEqual([])
  })

  it('reports null when the collateral has no liquidation price', () => {
    const noPrice = input(
      [leg('collateral', 'wstETH', 10, 3_540, counted(9_500)), leg('debt', 'WETH', 9, 3_000)],
      {
        prices: [
          {
            asset: ADDRESS.wstETH as `0x${string}`,
            symbol: 'wstETH',
            side: 'collateral',
            price: null,
            currentPrice: 3_540,
            distance: null,
          },
        ],
      },
    )
    const [r] = ratioLiquidations(noPrice)
    expect(r?.liquidationRatio).toBeNull()
    expect(r?.depeg).toBeNull()
  })
})

describe('two-asset liquidation surface', () => {
  // 5 WETH at 3,000 (LT 82.5%) + 0.5 WBTC at 60,000 (LT 75%) against 25,000 USDC, Aave v3.3 rule
  // without the whole-bps average (v3.5+): HF = (12,375 + 22,500) / 25,000 = 1.395.
  const rule = { ...aaveRule('v3.3'), averageThresholdInWholeBps: false }
  const multi = input(
    [
      leg('collateral', 'WETH', 5, 3_000, counted(8_250)),
      leg('collateral', 'WBTC', 0.5, 60_000, counted(7_500)),
      leg('debt', 'USDC', 25_000, 1),
    ],
    { rule },
  )

  it('grids health factors, the lowest per cell and the liquidated count', () => {
    const s = liquidationSurface([multi], { x: 'ETH', y: 'BTC', range: 0.5, points: 5 })
    expect(s.x.moves).toEqual([-0.5, -0.25, 0, 0.25, 0.5])
    expect(s.y.moves).toEqual([-0.5, -0.25, 0, 0.25, 0.5])
    // (0, 0): 1.395; (-50%, -50%): (6,187.5 + 11,250) / 25,000 = 0.6975.
    expect(s.minHealthFactor[2]?.[2]).toBeCloseTo(1.395, 12)
    expect(s.minHealthFactor[0]?.[0]).toBeCloseTo(0.6975, 12)
    expect(s.positionsLiquidated[0]?.[0]).toBe(1)
    expect(s.positionsLiquidated[2]?.[2]).toBe(0)
    // (x +50%, y -50%): (18,562.5 + 11,250) / 25,000 = 1.1925.
    expect(s.positions[0]?.healthFactors[0]?.[4]).toBeCloseTo(1.1925, 12)
  })

  it('cuts the axes at the one-asset liquidation moves', () => {
    const [p] = liquidationSurface([multi], { x: 'ETH', y: 'BTC', range: 0.5, points: 5 }).positions
    // ETH alone: 12,375 (1 + x) + 22,500 = 25,000 -> x = 2,500 / 12,375 - 1 = -0.797980.
    expect(p?.xCuts).toHaveLength(1)
    expect(p?.xCuts[0]).toBeCloseTo(2_500 / 12_375 - 1, 12)
    // BTC alone: 12,375 + 22,500 (1 + y) = 25,000 -> y = 12,625 / 22,500 - 1 = -0.438889.
    expect(p?.yCuts[0]).toBeCloseTo(12_625 / 22_500 - 1, 12)
    // The boundary on the column x = 0 is the y cut; on x = -50%: 6,187.5 + 22,500 (1 + y) = 25,000.
    const onColumn = (x: number) =>
      p?.boundary.filter((b) => b.along === 'column' && b.x === x).map((b) => b.y)
    expect(onColumn(0)?.[0]).toBeCloseTo(12_625 / 22_500 - 1, 12)
    expect(onColumn(-0.5)?.[0]).toBeCloseTo(18_812.5 / 22_500 - 1, 12)
    // The x cut (-79.8%) is outside the +-50% grid: no crossing on the row y = 0.
    expect(p?.boundary.filter((b) => b.along === 'row' && b.y === 0)).toEqual([])
  })

  it('a carry loop on one risk asset does not move with it', () => {
    const loop = input([
      leg('collateral', 'wstETH', 10, 3_540, counted(9_500)),
      leg('debt', 'WETH', 9, 3_000),
    ])
    const [p] = liquidationSurface([loop], { x: 'ETH', y: 'BTC', range: 0.5, points: 5 }).positions
    expect(p?.dependsOn).toEqual({ x: true, y: false })
    expect(p?.xCuts).toEqual([])
    expect(p?.boundary).toEqual([])
    for (const row of p?.healthFactors ?? [])
      for (const hf of row) expect(hf).toBeCloseTo(33_630 / 27_000, 12)
  })

  it("the surface's allocation-free evaluator is the stress engine's health factor, bit for bit", () => {
    const aave30 = input(
      [
        leg('collateral', 'WETH', 5, 3_000, counted(8_250)),
        leg('collateral', 'WBTC', 0.5, 60_000, counted(7_500)),
        leg('collateral', 'USDC', 1_000, 1, { countsAsCollateral: false, liquidationThresholdBps: 8_700 }),
        leg('debt', 'USDC', 25_000, 1),
        leg('debt', 'WETH', 1, 3_000),
      ],
      { rule: aaveRule('v3.0') },
    )
    const comet = input(
      [leg('collateral', 'WBTC', 1, 60_000, counted(7_700)), leg('debt', 'USDC', 40_000, 1)],
      {
        rule: fixtureRule('compound-v3', 'lending', {
          collaterals: [{ symbol: 'WBTC', liquidationFactorBps: 9_000 }],
        }),
      },
    )
    const perpLegs = (rule: Position['liquidationRule']) => {
      const i = input([leg('long', 'WETH', 2, 3_000), leg('short', 'WBTC', 0.05, 60_000)], {
        kind: 'perp',
        rule,
      })
      // A perp's margin and financing are fixed USD contributions.
      const financing: Contribution = {
        ...(i.contributions[0] as Contribution),
        source: 'financing',
        riskAsset: 'USD',
        usd: -2_000,
      }
      return { ...i, contributions: [...i.contributions, financing] }
    }
    const gmx = perpLegs(fixtureRule('gmx-v2', 'perp', { maintenanceMarginUsd: 150 }))
    const isolated = perpLegs(fixtureRule('manual', 'perp', { maintenanceMarginUsd: 150 }))
    for (const [name, i] of [
      ['aave v3.0', aave30],
      ['aave v3.5', multi],
      ['comet', comet],
      ['gmx', gmx],
      ['isolated perp', isolated],
    ] as const) {
      const fast = healthFactorEvaluator(i, 'ETH', 'BTC')
      for (const my of surfaceMoves(0.9, 9))
        for (const mx of surfaceMoves(0.9, 9))
          expect(fast(mx, my), name).toBe(healthFactorAt(i, 'ETH', 'BTC', mx, my))
    }
  })

  it('finds every sign change of a line', () => {
    // HF(t) = 2 - 4 t^2 falls below 1 at |t| > 0.5.
    expect(crossings((t) => 2 - 4 * t * t, -1, 1, 9).map((c) => +c.toFixed(12))).toEqual([-0.5, 0.5])
  })

  it('refuses bad parameters, naming them', () => {
    expect(() => validateSurfaceParams({ x: 'ETH', y: 'ETH', range: 0.5, points: 5 })).toThrow(/x and y/)
    expect(() => validateSurfaceParams({ x: 'USD', y: 'ETH', range: 0.5, points: 5 })).toThrow(/USD/)
    expect(() => validateSurfaceParams({ x: 'ETH', y: 'BTC', range: 0.96, points: 5 })).toThrow(/range/)
    expect(() => validateSurfaceParams({ x: 'ETH', y: 'BTC', range: 0.5, points: 4 })).toThrow(/points/)
    expect(() =>
      validateSurfaceParams({ x: 'ETH', y: 'BTC', range: 0.5, points: MAX_SURFACE_POINTS + 2 }),
    ).toThrow(/points/)
    expect(surfaceMoves(0.3, 3)).toEqual([-0.3, 0, 0.3])
  })
})

describe('safe size under a shock', () => {
  // 10 WETH at 3,000 (LT 82.5%, LTV 80%) against 20,000 USDC.
  const wethUsdc = input([
    leg('collateral', 'WETH', 10, 3_000, counted(8_250, 8_000)),
    leg('debt', 'USDC', 20_000, 1),
  ])
  const eth = (m: number) => ({ name: `ETH ${m}`, shocks: { ETH: m } })

  it('borrows up to the target after the shock', () => {
    // ETH -10%: W' = 27,000 x 0.825 = 22,275; borrow = 22,275 / 1.1 - 20,000 = 250 USDC.
    const c = positionCapacity(wethUsdc, eth(-0.1), 1.1)
    expect(c.healthFactorShocked).toBeCloseTo(22_275 / 20_000, 12)
    expect(c.borrow?.usd).toBeCloseTo(250, 9)
    expect(c.borrow?.limitedBy).toBe('target')
    const raw = c.borrow?.amount ?? 0n
    expect(raw <= 250_000_000n && raw >= 249_999_999n).toBe(true) // rounded down to USDC units
    expect(c.borrow?.healthFactorAfterShock).toBeCloseTo(1.1, 12)
    // Loop: (22,275 - 1.1 x 20,000) / (1.1 x 1 - 0.9 x 0.825) = 275 / 0.3575 = 769.2308.
    expect(c.loop?.usd).toBeCloseTo(275 / 0.3575, 9)
    expect(c.loop?.healthFactorAfterShock).toBeCloseTo(1.1, 12)
    expect(c.deleverage).toBeNull()
  })

  it('is capped by the LTV now', () => {
    // No shock, target 1.01: by target 24,750 / 1.01 - 20,000 = 4,504.95 > LTV room 24,000 - 20,000.
    const c = positionCapacity(wethUsdc, { name: 'none', shocks: {} }, 1.01)
    expect(c.borrow?.usd).toBeCloseTo(4_000, 9)
    expect(c.borrow?.limitedBy).toBe('ltv')
  })

  it('sizes the deleverage a deep shock calls for, with the unwind planner', () => {
    // ETH -30%: W' = 21,000 x 0.825 = 17,325, HF' = 0.86625. Repay 20,000 - 17,325 / 1.1 = 4,250;
    // or sell (22,000 - 17,325) / (1.1 - 0.7 x 0.825) = 4,675 / 0.5225 = 8,947.37 of WETH (now).
    const c = positionCapacity(wethUsdc, eth(-0.3), 1.1)
    expect(c.healthFactorShocked).toBeCloseTo(0.86625, 12)
    expect(c.borrow?.usd).toBe(0)
    expect(c.deleverage?.repayUsd).toBeCloseTo(4_250, 9)
    expect(c.deleverage?.repayAmount).toBe(4_250_000_000n)
    expect(c.deleverage?.sellCollateralUsd).toBeCloseTo(4_675 / 0.5225, 9)
    // The planner now, to the HF that sale leaves now: (24,750 - 0.825 x 8,947.37) / (20,000 -
    // 8,947.37) = 1.57143; it sells the same 8,947.37 of WETH (a sale after the shock would need
    // (22,000 - 17,325) / (1.1 - 0.825) = 17,000 shocked USD, 8.1 WETH instead of 2.98).
    const sell = 4_675 / 0.5225
    expect(c.deleverage?.plan?.reachesTarget).toBe(true)
    expect(c.deleverage?.plan?.healthFactorAfter).toBeCloseTo((24_750 - 0.825 * sell) / (20_000 - sell), 9)
    expect(c.deleverage?.plan?.collateralSoldUsd).toBeCloseTo(sell, 6)
    expect(c.deleverage?.planHealthFactorAfterShock).toBeCloseTo(1.1, 9)
  })

  it('says why a perp or a position without debt has no capacity', () => {
    const perp = input([leg('long', 'WETH', 1, 3_000)], {
      kind: 'perp',
      rule: fixtureRule('gmx-v2', 'perp', { maintenanceMarginUsd: 100 }),
    })
    expect(positionCapacity(perp, eth(-0.1), 1.1).reason).toMatch(/perp/)
    const supplier = input([leg('collateral', 'WETH', 1, 3_000, counted(8_250))])
    expect(positionCapacity(supplier, eth(-0.1), 1.1).reason).toMatch(/no debt/)
  })

  it('refuses a target at or below 1', () => {
    expect(() => validateTargetHealthFactor(1)).toThrow(/hf/)
    expect(() => validateTargetHealthFactor(Number.NaN)).toThrow(/hf/)
  })
})
