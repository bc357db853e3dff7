/**
 * The systemic cascade (src/risk/systemic-cascade.ts), its oracle rules and the aggregated depth.
 * Every vector is a hand computation written out next to it; amounts and bonuses enter the
 * lending tranches at float32 (B105 = fround(1.05)), as in cascade.test.ts.
 */
import { describe, expect, it } from 'vitest'
import { type CascadePosition, prepareCascade, runCascade } from '../../../src/risk/cascade.js'
import { uniswapV3Depth, zeroDepth } from '../../../src/risk/depth.js'
import type { OracleRule } from '../../../src/risk/oracle-rule.js'
import {
  aggregateDepth,
  noDepth,
  sqrtPoolDepth,
  stableswapDepth,
  uniswapV3PoolDepth,
} from '../../../src/risk/pool-depth.js'
import {
  prepareSystemic,
  runSystemic,
  type SystemicLendingGroup,
  type SystemicPerp,
  systemicCurve,
  systemicShockToLiquidate,
} from '../../../src/risk/systemic-cascade.js'

const B105 = Math.fround(1.05)
const ETH_FEED: OracleRule = { id: 'ETH/USD', source: { kind: 'market', token: null } }

/** `collateral` units at LT 0.8 whose liquidation price is `pLiq` (no other collateral). */
function pos(pLiq: number, collateral: number, over: Partial<CascadePosition> = {}): CascadePosition {
  return {
    collateral,
    debtUsd: pLiq * collateral * 0.8,
    liquidationThreshold: 0.8,
    bonus: 1.05,
    closeRule: 'full',
    ...over,
  }
}

const group = (
  protocol: string,
  positions: CascadePosition[],
  over: Partial<SystemicLendingGroup> = {},
): SystemicLendingGroup => ({ protocol, market: `${protocol}-m`, oracle: 0, token: null, positions, ...over })

/** One pool, square-root law: selling Q moves the price by -sqrt(Q / 100), buying by +sqrt(Q / 100). */
const pool100 = () => aggregateDepth([sqrtPoolDepth('test pool', 100)])

describe('aggregated depth', () => {
  it('two square-root pools of 50 units clear a flow like one of 100 (units add at one price)', () => {
    const two = aggregateDepth([sqrtPoolDepth('a', 50), sqrtPoolDepth('b', 50)])
    const one = pool100()
    for (const q of [0.5, 4, 25, -9, -30]) {
      // Hand: 1 - sqrt(q / 100) for sales, 1 + sqrt(|q| / 100) for purchases.
      const hand = q > 0 ? 1 - Math.sqrt(q / 100) : 1 + Math.sqrt(-q / 100)
      expect(two.factor(q)).toBeCloseTo(hand, 12)
      expect(one.factor(q)).toBeCloseTo(hand, 12)
    }
    expect(noDepth().factor(1e9)).toBe(1)
  })

  it('a Uniswap v3 pool inverse walks the same ranges as its forward quote', () => {
    // One full-range-like position of L = 1e21 around tick 0 plus a second range [-600, 600]: the
    // forward quote (depth.ts) of the units the inverse says reach f lands on f.
    const state = {
      sqrtPriceX96: 2n ** 96n,
      liquidity: 3n * 10n ** 21n,
      tick: 0,
      tickSpacing: 60,
      ticks: [
        { tick: -6000, liquidityNet: 10n ** 21n },
        { tick: 6000, liquidityNet: -(10n ** 21n) },
        { tick: -600, liquidityNet: 2n * 10n ** 21n },
        { tick: 600, liquidityNet: -2n * 10n ** 21n },
      ],
      assetIsToken0: true,
      decimals0: 18,
      decimals1: 18,
      feePips: 500,
    }
    const inverse = uniswapV3PoolDepth('u', state)
    const forward = uniswapV3Depth(state)
    for (const f of [0.999, 0.97, 0.9, 0.6]) {
      const units = inverse.unitsToFactor(f)
      expect(forward.quote(units).priceFactor).toBeCloseTo(f, 9)
    }
    // Past the last liquidity (tick -6000, price 1.0001^-6000 = 0.5488) the pool takes nothing more.
    expect(inverse.unitsToFactor(0.3)).toBeCloseTo(inverse.unitsToFactor(0.5488), 6)
    // Buying from it (factor > 1) releases token0: positive units, growing with the factor.
    expect(inverse.unitsToFactor(1.05)).toBeGreaterThan(inverse.unitsToFactor(1.01))
    expect(inverse.unitsToFactor(1.01)).toBeGreaterThan(0)
  })

  it('stableswap: a balanced pool starts at par and selling the LST depegs it', () => {
    const curve = stableswapDepth({ balances: [1000, 1000], amplification: 50 })
    expect(curve.spotPrice).toBeCloseTo(1, 12)
    const small = curve.factor(10)
    const large = curve.factor(800)
    expect(small).toBeLessThan(1)
    expect(small).toBeGreaterThan(0.999) // A = 50 keeps a 1% trade within 0.1% of par
    expect(large).toBeLessThan(small)
  })
})

describe('runSystemic', () => {
  it('hand-solved: a Morpho and an Aave position sharing one pool liquidate together', () => {
    // Start 100, shock -12%: p0 = 88. Morpho: 10 units, pLiq 90, debt 720, 'full'. Aave v3.0: 10
    // units, pLiq 80, debt 640, tranches at 80 and p95 = 0.95 x 640 / 8 = 76, 320 USD and 5 units each.
    // Round 0 (P 88): Morpho only; seizes 720 B105 / 88 = 8.5909 units (its cap price 75.6 < 88).
    // Round 1: P = 88 (1 - sqrt(0.085909)) = 62.21 < 76: both Aave tranches. At 62.21 every
    // tranche is capped (cap prices 75.6 and 320 B105 / 5 = 67.2): 20 units sold.
    // Round 2: P* = 88 (1 - sqrt(0.2)) = 48.6455; nothing new, a round 3 confirms it.
    const morpho = group('morpho-blue', [pos(90, 10)])
    const aave = group('aave-v3', [pos(80, 10, { closeRule: 'aave-v3.0' })])
    const c = prepareSystemic({ oracles: [ETH_FEED], lending: [morpho, aave], perps: [] })
    const r = runSystemic(c, { startPrice: 100, shock: -0.12, depth: pool100() })
    const pStar = 88 * (1 - Math.sqrt(0.2))
    expect(r.finalPrice).toBeCloseTo(pStar, 9)
    expect(r.positionsLiquidated).toBe(2)
    expect(r.liquidatedUsd).toBeCloseTo(1360, 3)
    expect(r.soldUnits).toBeCloseTo(20, 5)
    expect(r.badDebtUsd).toBeCloseTo(1360 - (20 * pStar) / B105, 3)
    expect(r.rounds).toBe(2)
    expect(r.converged).toBe(true)
    expect(r.roundsDetail[0]!.byProtocol.map((x) => x.protocol)).toEqual(['morpho-blue'])
    expect(r.roundsDetail[0]!.byProtocol[0]!.soldUnits).toBeCloseTo((720 * B105) / 88, 4)
    expect(r.roundsDetail[1]!.marketPrice).toBeCloseTo(88 * (1 - Math.sqrt((720 * B105) / 88 / 100)), 9)
    expect(r.roundsDetail[1]!.byProtocol.find((x) => x.protocol === 'aave-v3')!.positionsLiquidated).toBe(1)
    // Per market, the Aave position survives -12% (80 < 88, its own market sells nothing).
    const aaveAlone = runCascade(prepareCascade(aave.positions), {
      startPrice: 100,
      shock: -0.12,
      depth: zeroDepth(),
    })
    expect(aaveAlone.positionsLiquidated).toBe(0)
  })

  it("a perp short's liquidation buys back: the price rises, and nets against lending sales", () => {
    // Rally +5%: p0 = 105. Short A (liq 104, 10 units) is bought back at once: P = 105 (1 + sqrt(0.1))
    // = 138.20 >= 130, short B (liq 130, 10 units) follows: P* = 105 (1 + sqrt(0.2)) = 151.96.
    const shorts: SystemicPerp[] = [
      {
        protocol: 'gmx-v2',
        market: 'ETH/USD',
        oracle: 0,
        side: 'short',
        sizeUnits: 10,
        liquidationPrice: 104,
      },
      {
        protocol: 'gmx-v2',
        market: 'ETH/USD',
        oracle: 0,
        side: 'short',
        sizeUnits: 10,
        liquidationPrice: 130,
      },
    ]
    const squeeze = runSystemic(prepareSystemic({ oracles: [ETH_FEED], lending: [], perps: shorts }), {
      startPrice: 100,
      shock: 0.05,
      depth: pool100(),
    })
    expect(squeeze.finalPrice).toBeCloseTo(105 * (1 + Math.sqrt(0.2)), 9)
    expect(squeeze.boughtUnits).toBe(20)
    expect(squeeze.positionsLiquidated).toBe(2)
    // Netting, shock -12% (p0 88): Morpho (pLiq 90, 10 units) sells 720 B105 / 88 = 8.59 units
    // while a distressed short (liq 80 <= 88) buys back 5 in the same round: net 3.59, P = 71.32;
    // there Morpho is capped (75.6): net 10 - 5 = 5, P* = 88 (1 - sqrt(0.05)) = 68.32, above the
    // 88 (1 - sqrt(0.1)) = 60.17 of the sale alone.
    const distressed: SystemicPerp = { ...shorts[0]!, sizeUnits: 5, liquidationPrice: 80 }
    const lending = [group('morpho-blue', [pos(90, 10)])]
    const both = runSystemic(prepareSystemic({ oracles: [ETH_FEED], lending, perps: [distressed] }), {
      startPrice: 100,
      shock: -0.12,
      depth: pool100(),
    })
    const alone = runSystemic(prepareSystemic({ oracles: [ETH_FEED], lending, perps: [] }), {
      startPrice: 100,
      shock: -0.12,
      depth: pool100(),
    })
    expect(both.roundsDetail[1]!.marketPrice).toBeCloseTo(
      88 * (1 - Math.sqrt((720 * B105) / 88 / 100 - 0.05)),
      9,
    )
    expect(both.finalPrice).toBeCloseTo(88 * (1 - Math.sqrt(0.05)), 9)
    expect(alone.finalPrice).toBeCloseTo(88 * (1 - Math.sqrt(0.1)), 9)
    expect(both.soldUnits - both.boughtUnits).toBeCloseTo(5, 6)
  })

  it('perpFlowShare scales the perp closes that reach the DEX: 0 is the lending-only fixed point', () => {
    // The netting case above (Morpho pLiq 90, 10 units; a short at liq 80, 5 units; shock -12%,
    // p0 = 88), plus a long at liq 85 (4 units) that the Morpho sale takes down with it.
    // Share 0: both perps are liquidated but move nothing: P* = 88 (1 - sqrt(10 / 100)), the
    // Morpho position alone. Share 0.5: round 1 nets 720 B105 / 88 units sold against 2.5 bought
    // (the long, at 85 < 88, is not yet liquidated in round 0), P1 = 88 (1 - sqrt(8.5909/100 -
    // 0.025)) = 66.28, below the Morpho cap price 75.6 and the long's 85: then 10 + 2 sold and
    // 2.5 bought, P* = 88 (1 - sqrt(9.5 / 100)).
    const lending = [group('morpho-blue', [pos(90, 10)])]
    const perps: SystemicPerp[] = [
      { protocol: 'gmx-v2', market: 'ETH/USD', oracle: 0, side: 'short', sizeUnits: 5, liquidationPrice: 80 },
      { protocol: 'gmx-v2', market: 'ETH/USD', oracle: 0, side: 'long', sizeUnits: 4, liquidationPrice: 85 },
    ]
    const c = prepareSystemic({ oracles: [ETH_FEED], lending, perps })
    const base = { startPrice: 100, shock: -0.12, depth: pool100() }
    const none = runSystemic(c, { ...base, perpFlowShare: 0 })
    expect(none.finalPrice).toBeCloseTo(88 * (1 - Math.sqrt(0.1)), 9)
    expect(none.positionsLiquidated).toBe(3)
    expect(none.soldUnits).toBeCloseTo(10, 6)
    expect(none.boughtUnits).toBe(0)
    const gmx = none.byProtocol.find((x) => x.protocol === 'gmx-v2')!
    expect(gmx.positionsLiquidated).toBe(2)
    expect(gmx.soldUnits).toBe(0)
    const half = runSystemic(c, { ...base, perpFlowShare: 0.5 })
    expect(half.roundsDetail[1]!.marketPrice).toBeCloseTo(
      88 * (1 - Math.sqrt((720 * B105) / 88 / 100 - 0.025)),
      9,
    )
    expect(half.finalPrice).toBeCloseTo(88 * (1 - Math.sqrt(0.095)), 9)
    expect(half.boughtUnits).toBeCloseTo(2.5, 12)
    expect(half.soldUnits).toBeCloseTo(12, 6)
    // Share 1 (the default) is the full close: 10 + 4 sold, 5 bought.
    const full = runSystemic(c, base)
    expect(full.finalPrice).toBeCloseTo(88 * (1 - Math.sqrt(0.09)), 9)
    expect(() => runSystemic(c, { ...base, perpFlowShare: 1.5 })).toThrow(/perpFlowShare/)
  })

  it('with zero depth the systemic answer is the union of the per-market ones', () => {
    const groups = [
      group(
        'aave-v3',
        Array.from({ length: 40 }, (_, i) => pos(60 + i, 1 + (i % 7), { closeRule: 'aave-v3.0' })),
      ),
      group(
        'morpho-blue',
        Array.from({ length: 30 }, (_, i) => pos(55 + 1.3 * i, 2 + (i % 3))),
      ),
      group(
        'compound-v3',
        Array.from({ length: 20 }, (_, i) => pos(50 + 2 * i, 3, { bonus: 1 / 0.93 })),
      ),
    ]
    const c = prepareSystemic({ oracles: [ETH_FEED], lending: groups, perps: [] })
    for (const shock of [-0.05, -0.2, -0.33, -0.5]) {
      const r = runSystemic(c, { startPrice: 100, shock, depth: noDepth() })
      const per = groups.map((g) =>
        runCascade(prepareCascade(g.positions), { startPrice: 100, shock, depth: zeroDepth() }),
      )
      expect(r.positionsLiquidated).toBe(per.reduce((a, x) => a + x.positionsLiquidated, 0))
      expect(r.liquidatedUsd).toBeCloseTo(
        per.reduce((a, x) => a + x.liquidatedUsd, 0),
        6,
      )
      expect(r.finalPrice).toBe(100 * (1 + shock))
      r.byProtocol.forEach((b, i) => {
        expect(b.positionsLiquidated).toBe(per[i]!.positionsLiquidated)
      })
    }
  })

  it('is monotone in the shock (lending and perp longs: flow in one direction)', () => {
    const groups = [
      group(
        'aave-v3',
        Array.from({ length: 200 }, (_, i) =>
          pos(40 + ((i * 0.61) % 60), 0.5 + (i % 9), { closeRule: 'aave-v3.0' }),
        ),
      ),
      group(
        'morpho-blue',
        Array.from({ length: 150 }, (_, i) => pos(35 + ((i * 0.77) % 64), 1 + (i % 4))),
      ),
    ]
    const perps: SystemicPerp[] = Array.from({ length: 80 }, (_, i) => ({
      protocol: 'gmx-v2',
      market: 'ETH/USD',
      oracle: 0,
      side: 'long' as const,
      sizeUnits: 1 + (i % 5),
      liquidationPrice: 30 + ((i * 0.83) % 65),
    }))
    const c = prepareSystemic({ oracles: [ETH_FEED], lending: groups, perps })
    const shocks = Array.from({ length: 60 }, (_, i) => -0.01 * (i + 1))
    const curve = systemicCurve(c, shocks, {
      startPrice: 100,
      depth: aggregateDepth([sqrtPoolDepth('p', 400_000)]),
    })
    for (let i = 1; i < curve.length; i++) {
      expect(curve[i]!.positionsLiquidated).toBeGreaterThanOrEqual(curve[i - 1]!.positionsLiquidated)
      expect(curve[i]!.liquidatedUsd).toBeGreaterThanOrEqual(curve[i - 1]!.liquidatedUsd - 1e-9)
      expect(curve[i]!.finalPrice).toBeLessThanOrEqual(curve[i - 1]!.finalPrice + 1e-9)
      expect(curve[i]!.converged).toBe(true)
    }
    expect(curve.at(-1)!.positionsLiquidated).toBeGreaterThan(curve[0]!.positionsLiquidated)
  })

  it('an exchange-rate (CAPO-style) oracle: an LST depeg on the DEX alone does not liquidate', () => {
    // Both positions hold 10 ETH-units of stETH collateral, pLiq 90. stETH trades 15% under ETH
    // on the DEX, ETH itself does not move (shock 0, no ETH depth). The exchange-rate oracle stays
    // at 100 (> 90): no liquidation. A market-rate oracle reads 85 (<= 90): liquidated, and its
    // seized stETH sold through the stableswap deepens the depeg.
    const capo: OracleRule = {
      id: 'wstETH CAPO',
      source: { kind: 'exchange-rate', token: 'stETH', capped: true },
    }
    const marketRate: OracleRule = { id: 'stETH market', source: { kind: 'market', token: 'stETH' } }
    const c = prepareSystemic({
      oracles: [capo, marketRate],
      lending: [
        group('aave-v3', [pos(90, 10)], { oracle: 0, token: 'stETH' }),
        group('morpho-blue', [pos(90, 10)], { oracle: 1, token: 'stETH' }),
      ],
      perps: [],
    })
    const curve = stableswapDepth({ balances: [50, 50], amplification: 20 })
    const r = runSystemic(c, {
      startPrice: 100,
      shock: 0,
      depegs: { stETH: -0.15 },
      depth: noDepth(),
      tokenCurves: { stETH: curve },
    })
    const aave = r.byProtocol.find((b) => b.protocol === 'aave-v3')!
    const morpho = r.byProtocol.find((b) => b.protocol === 'morpho-blue')!
    expect(aave.positionsLiquidated).toBe(0)
    expect(morpho.positionsLiquidated).toBe(1)
    expect(r.oraclePrices[0]).toBe(100)
    expect(r.tokenRatios.stETH).toBeLessThan(0.85)
    expect(r.oraclePrices[1]).toBeCloseTo(100 * r.tokenRatios.stETH!, 9)
  })

  it('a lagged oracle publishes later but reaches the same fixed point', () => {
    const lending = [
      group('morpho-blue', [pos(90, 10)]),
      group('aave-v3', [pos(80, 10, { closeRule: 'aave-v3.0' })]),
    ]
    const lagged: OracleRule = { ...ETH_FEED, lag: { deviation: 0.99, heartbeatRounds: 3 } }
    const fast = runSystemic(prepareSystemic({ oracles: [ETH_FEED], lending, perps: [] }), {
      startPrice: 100,
      shock: -0.12,
      depth: pool100(),
    })
    const slow = runSystemic(prepareSystemic({ oracles: [lagged], lending, perps: [] }), {
      startPrice: 100,
      shock: -0.12,
      depth: pool100(),
    })
    // The 0.99 deviation never fires: only the heartbeat (every 3rd round) publishes.
    expect(slow.roundsDetail[1]!.oraclePrices[0]).toBe(88)
    expect(slow.roundsDetail[3]!.oraclePrices[0]).toBeCloseTo(fast.roundsDetail[1]!.marketPrice, 9)
    expect(slow.finalPrice).toBeCloseTo(fast.finalPrice, 9)
    expect(slow.iterations).toBeGreaterThan(fast.iterations)
  })

  it('the smallest shock that liquidates a position: naive >= per-market >= systemic', () => {
    // The Aave position (pLiq 80) needs -20% alone; with the Morpho position (pLiq 90) sharing
    // the pool, a fall to 90 (-10%) sells 8 units (720 B105 / 90 = 8.4, pool of 100: factor 0.71):
    // the systemic answer is -10% (the Morpho trigger), the per-market one -20%.
    const morpho = group('morpho-blue', [pos(90, 10)])
    const aave = group('aave-v3', [pos(80, 10, { closeRule: 'aave-v3.0' })])
    const all = prepareSystemic({ oracles: [ETH_FEED], lending: [morpho, aave], perps: [] })
    const own = prepareSystemic({ oracles: [ETH_FEED], lending: [aave], perps: [] })
    const trigger = { oracle: 0, price: 80, side: 'below' as const }
    const opts = { startPrice: 100, depth: pool100(), tolerance: 1e-7 }
    const sys = systemicShockToLiquidate(all, trigger, opts)
    const per = systemicShockToLiquidate(own, trigger, opts)
    expect(sys.naiveShock).toBeCloseTo(-0.2, 12)
    expect(per.shock).toBeCloseTo(-0.2, 6)
    expect(sys.shock).toBeCloseTo(-0.1, 6)
  })

  it('refuses bad options and bad populations with INVALID_REQUEST', () => {
    const c = prepareSystemic({ oracles: [ETH_FEED], lending: [], perps: [] })
    expect(() => runSystemic(c, { startPrice: 0, shock: 0, depth: noDepth() })).toThrow(/startPrice/)
    expect(() => runSystemic(c, { startPrice: 1, shock: -1, depth: noDepth() })).toThrow(/shock/)
    expect(() => runSystemic(c, { startPrice: 1, shock: 0, depth: noDepth(), depegs: { x: -2 } })).toThrow(
      /depeg/,
    )
    expect(() => prepareSystemic({ oracles: [], lending: [group('a', [])], perps: [] })).toThrow(/oracle/)
    expect(() =>
      prepareSystemic({
        oracles: [ETH_FEED],
        lending: [],
        perps: [{ protocol: 'p', market: 'm', oracle: 0, side: 'long', sizeUnits: 0, liquidationPrice: 1 }],
      }),
    ).toThrow(/sizeUnits/)
  })
})
