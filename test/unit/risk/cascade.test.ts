/**
 * Liquidation cascade. Hand computations in the comments; the fast engine is checked against the
 * naive rescan on random populations (fast-check).
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  type CascadePosition,
  cascadeCurve,
  liquidationHistogram,
  naiveCascade,
  positionOutcomes,
  positionThresholds,
  prepareCascade,
  runCascade,
  shockToLiquidate,
  tabulateTranches,
} from '../../../src/risk/cascade.js'
import { type DepthCurve, sqrtDepth, uniswapV3Depth, zeroDepth } from '../../../src/risk/depth.js'

/**
 * The cascade holds amounts and bonuses at float32 precision (see the module comment): hand
 * computations with a bonus use its float32 value (1.05 -> 1.0499999523), not the decimal.
 */
const B105 = Math.fround(1.05)
const B101 = Math.fround(1.01)

/** A position of `collateral` units whose liquidation price (other = 0) is `pLiq`. */
function pos(pLiq: number, collateral: number, over: Partial<CascadePosition> = {}): CascadePosition {
  const lt = over.liquidationThreshold ?? 0.8
  return {
    collateral,
    debtUsd: pLiq * collateral * lt,
    liquidationThreshold: lt,
    bonus: 1.05,
    closeRule: 'full',
    ...over,
  }
}

/** Seeded population around a start price of 100 (liquidation prices 30-110). */
function population(n: number, seed: number): CascadePosition[] {
  let a = seed >>> 0
  const rnd = () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
  return Array.from({ length: n }, (_, i) => {
    const lt = 0.6 + 0.37 * rnd()
    const c = 0.1 + 20 * rnd()
    const other = rnd() < 0.3 ? 500 * rnd() : 0
    const pLiq = 30 + 80 * rnd()
    return {
      collateral: c,
      debtUsd: lt * (c * pLiq + other),
      otherCollateralUsd: other,
      liquidationThreshold: lt,
      bonus: 1 + 0.15 * rnd(),
      closeRule: rnd() < 0.5 ? 'aave-v3.0' : 'full',
      id: `w${i}`,
    }
  })
}

describe('runCascade, hand-solved', () => {
  // Start 100, shock -10% -> p0 = 90. Depth: f(S) = 1 - 0.1 sqrt(S / 10).
  // A: 10 units, LT 0.8, debt 760 -> p_liq = 760 / 8 = 95; repay*bonus = 798; capped below
  //    q = 798 / 10 = 79.8.   B: debt 680 -> p_liq 85, repay*bonus 714, q = 71.4.
  // C: debt 560 -> p_liq 70.   D: 'aave-v3.0', debt 400 -> p_liq 50, p_95 47.5.
  const positions = [pos(95, 10), pos(85, 10), pos(70, 10), pos(50, 10, { closeRule: 'aave-v3.0' })]
  const depth = sqrtDepth({ depthUnits: 10, k: 0.1 })
  const opts = { startPrice: 100, shock: -0.1, depth }
  const prepared = prepareCascade(positions)

  it('round by round', () => {
    // Round 1 at p0 = 90: A (95 >= 90). S = 798/90 = 8.8667 units;
    // p1 = 90 (1 - 0.1 sqrt(0.88667)) = 90 * 0.905837 = 81.5253.
    const p1 = 90 * (1 - 0.1 * Math.sqrt((760 * B105) / 90 / 10))
    expect(p1).toBeCloseTo(81.5253, 4)
    const r1 = runCascade(prepared, { ...opts, maxRounds: 1 })
    expect(r1.finalPrice).toBeCloseTo(p1, 12)
    expect(r1.converged).toBe(false)
    // Round 2 at p1: B (85 >= 81.53) joins; S = (798 + 714)/81.5253 = 18.5464;
    // p2 = 90 (1 - 0.1 sqrt(1.85464)) = 77.7433.
    const p2 = 90 * (1 - 0.1 * Math.sqrt((1440 * B105) / p1 / 10))
    expect(p2).toBeCloseTo(77.7433, 4)
    const r2 = runCascade(prepared, { ...opts, maxRounds: 2 })
    expect(r2.finalPrice).toBeCloseTo(p2, 12)
    expect(r2.rounds).toBe(2)
    // p2 < 79.8: A's seizure is capped at its 10 units; C (70) is not reached.
    // S = 10 + 714/77.7433 = 19.1841 -> p3 = 90 (1 - 0.1 sqrt(1.91841)) = 77.5345, and so on.
    const p3 = 90 * (1 - 0.1 * Math.sqrt((10 + (680 * B105) / p2) / 10))
    expect(runCascade(prepared, { ...opts, maxRounds: 3 }).finalPrice).toBeCloseTo(p3, 12)
  })

  it('converges to the fixed point p = 90 (1 - 0.1 sqrt((10 + 714/p) / 10))', () => {
    // Solve the scalar equation on [71.4, 79.8] (A capped, B not) by bisection.
    const g = (p: number) => p - 90 * (1 - 0.1 * Math.sqrt((10 + (680 * B105) / p) / 10))
    let lo = 71.4
    let hi = 79.8
    for (let i = 0; i < 200; i++) {
      const mid = (lo + hi) / 2
      if (g(mid) > 0) hi = mid
      else lo = mid
    }
    const r = runCascade(prepared, opts)
    expect(r.finalPrice).toBeCloseTo(lo, 9) // 77.5265
    expect(r.finalPrice).toBeCloseTo(77.5265, 3)
    expect(r.converged).toBe(true)
    expect(r.rounds).toBe(2)
    expect(r.positionsLiquidated).toBe(2)
    expect(r.tranchesLiquidated).toBe(2)
    expect(r.liquidatedUsd).toBeCloseTo(760 + 680, 9)
    expect(r.seizedUnits).toBeCloseTo(10 + (680 * B105) / lo, 9)
    // A: 760 - 10 * p / 1.05 not covered
    expect(r.badDebtUsd).toBeCloseTo(760 - (10 * lo) / B105, 8)
    expect(r.finalShock).toBeCloseTo(lo / 100 - 1, 9)
    expect(r.initialPrice).toBeCloseTo(90, 12)
    const n = naiveCascade(positions, opts)
    expect(n.finalPrice).toBeCloseTo(r.finalPrice, 12)
    expect(n.rounds).toBe(2)
    expect(n.iterations).toBe(r.iterations)
  })
})

describe('tranches', () => {
  // 10 units, LT 0.8, debt 800, bonus 1.05: p_liq = 800/8 = 100, p_95 = 0.95 * 800 / 8 = 95,
  // q = 800 * 1.05 / 10 = 84.
  const aave = pos(100, 10, { closeRule: 'aave-v3.0' })
  const full = pos(100, 10)
  const at = (p: CascadePosition, price: number) =>
    runCascade(prepareCascade([p]), { startPrice: 100, shock: price / 100 - 1, depth: zeroDepth() })

  it('aave-v3.0: 50% at p_liq, the rest at the HF 0.95 price', () => {
    expect(positionThresholds(aave)).toEqual({ liquidationPrice: 100, fullClosePrice: 95, badDebtPrice: 84 })
    const r98 = at(aave, 98)
    expect(r98.liquidatedUsd).toBeCloseTo(400, 12)
    expect(r98.seizedUnits).toBeCloseTo((400 * B105) / 98, 12)
    expect(r98.tranchesLiquidated).toBe(1)
    expect(r98.positionsLiquidated).toBe(1)
    expect(at(aave, 95.5).liquidatedUsd).toBeCloseTo(400, 12)
    const r94 = at(aave, 94)
    expect(r94.liquidatedUsd).toBeCloseTo(800, 12)
    expect(r94.seizedUnits).toBeCloseTo((800 * B105) / 94, 12)
    expect(r94.tranchesLiquidated).toBe(2)
    expect(r94.positionsLiquidated).toBe(1)
    expect(at(aave, 100.5).liquidatedUsd).toBe(0)
  })

  it('full: the whole debt at p_liq', () => {
    expect(positionThresholds(full)?.fullClosePrice).toBe(100)
    const r = at(full, 99)
    expect(r.liquidatedUsd).toBeCloseTo(800, 12)
    expect(r.seizedUnits).toBeCloseTo((800 * B105) / 99, 12)
    expect(r.tranchesLiquidated).toBe(1)
  })

  it('caps the seizure at the collateral and reports bad debt', () => {
    // At 80 < q = 84: 840/80 = 10.5 units owed, 10 seized; covered 10 * 80 / 1.05 = 761.905
    for (const p of [aave, full]) {
      const r = at(p, 80)
      expect(r.seizedUnits).toBeCloseTo(10, 12)
      expect(r.badDebtUsd).toBeCloseTo(800 - 800 / B105, 9) // 38.095
      expect(r.liquidatedUsd).toBeCloseTo(800, 12)
    }
    expect(at(full, 85).badDebtUsd).toBe(0)
  })

  it('caps one aave half before p_95 when q > p_95 (eMode-like LT 0.95, bonus 1.01)', () => {
    // 10 units, debt 950: p_liq = 950 / 9.5 = 100, p_95 = 95, q = 950 * 1.01 / 10 = 95.95.
    // At 95.5: only the first half (475 USD) is liquidated; it owes 479.75/95.5 = 5.0236 units
    // but owns 5: seizes 5, leaves 475 - 5 * 95.5 / 1.01 = 2.2277 USD uncovered.
    const p = pos(100, 10, { liquidationThreshold: 0.95, bonus: 1.01, closeRule: 'aave-v3.0' })
    const r = at(p, 95.5)
    expect(r.liquidatedUsd).toBeCloseTo(475, 9)
    expect(r.seizedUnits).toBeCloseTo(5, 12)
    expect(r.badDebtUsd).toBeCloseTo(475 - (5 * 95.5) / B101, 9)
    const n = naiveCascade([p], { startPrice: 100, shock: -0.045, depth: zeroDepth() })
    expect(n.badDebtUsd).toBeCloseTo(r.badDebtUsd, 9)
    const [o] = positionOutcomes([{ ...p, id: 'eth-emode' }], 95.5)
    expect(o).toMatchObject({ id: 'eth-emode', index: 0, liquidatedFraction: 0.5, liquidationPrice: 100 })
    expect(o!.badDebtUsd).toBeCloseTo(r.badDebtUsd, 9)
  })

  it('weights other collateral with the liquidation threshold', () => {
    // (1000 - 0.8 * 500) / (10 * 0.8) = 75; with 2000 of other collateral never liquidatable
    const p: CascadePosition = { ...pos(0, 10), debtUsd: 1000, otherCollateralUsd: 500 }
    expect(positionThresholds(p)?.liquidationPrice).toBeCloseTo(75, 12)
    const prepared = prepareCascade([p, { ...p, otherCollateralUsd: 2000 }, { ...p, collateral: 0 }])
    expect(prepared.positionCount).toBe(1)
    expect(prepared.safeCount).toBe(1)
    expect(prepared.skippedCount).toBe(1)
    expect(positionThresholds({ ...p, collateral: 0 })).toBeNull()
  })
})

describe('zero depth: the plain stress', () => {
  const positions = population(500, 7)
  const prepared = prepareCascade(positions)
  it('liquidates exactly the positions with p_liq >= shocked price, in one round', () => {
    for (let s = 0; s >= -0.7; s -= 0.05) {
      const p0 = 100 * (1 + s)
      const r = runCascade(prepared, { startPrice: 100, shock: s, depth: zeroDepth() })
      const expected = positions.filter((p) => positionThresholds(p)!.liquidationPrice >= p0).length
      expect(r.positionsLiquidated).toBe(expected)
      expect(r.finalPrice).toBe(p0)
      expect(r.rounds).toBe(expected > 0 ? 1 : 0)
      expect(r.iterations).toBeLessThanOrEqual(1)
    }
  })
})

describe('monotonicity', () => {
  it('a bigger shock never liquidates less', () => {
    const prepared = prepareCascade(population(2000, 11))
    const depth = sqrtDepth({ depthUnits: 20_000, k: 0.3 })
    const curve = cascadeCurve(
      prepared,
      100,
      Array.from({ length: 61 }, (_, i) => -i / 100),
      depth,
    )
    for (let i = 1; i < curve.length; i++) {
      const a = curve[i - 1]!
      const b = curve[i]!
      expect(b.finalPrice).toBeLessThanOrEqual(a.finalPrice)
      expect(b.liquidatedUsd).toBeGreaterThanOrEqual(a.liquidatedUsd - 1e-9 * a.liquidatedUsd)
      expect(b.positionsLiquidated).toBeGreaterThanOrEqual(a.positionsLiquidated)
      expect(b.seizedUnits).toBeGreaterThanOrEqual(a.seizedUnits * (1 - 1e-12))
    }
    // and the cascade amplifies: some shock ends well below its initial price
    expect(curve.some((r) => r.finalShock < r.initialShock - 0.01 && r.rounds > 2)).toBe(true)
  })
})

const positionArb = fc
  .record({
    ratio: fc.double({ min: 0.2, max: 1.2, noNaN: true }),
    collateral: fc.double({ min: 0.01, max: 100, noNaN: true }),
    lt: fc.double({ min: 0.5, max: 0.97, noNaN: true }),
    bonus: fc.double({ min: 1, max: 1.15, noNaN: true }),
    other: fc.oneof(fc.constant(0), fc.double({ min: 0, max: 5000, noNaN: true })),
    aave: fc.boolean(),
  })
  .map(
    ({ ratio, collateral, lt, bonus, other, aave }): CascadePosition => ({
      collateral,
      debtUsd: lt * (collateral * ratio * 100 + other),
      otherCollateralUsd: other,
      liquidationThreshold: lt,
      bonus,
      closeRule: aave ? 'aave-v3.0' : 'full',
    }),
  )

describe('fast == naive', () => {
  it('on random populations, shocks and depths', () => {
    fc.assert(
      fc.property(
        fc.array(positionArb, { minLength: 1, maxLength: 80 }),
        fc.double({ min: -0.7, max: 0, noNaN: true }),
        fc.double({ min: 1, max: 2000, noNaN: true }),
        fc.double({ min: 0.05, max: 1, noNaN: true }),
        (positions, shock, depthUnits, k) => {
          const depth: DepthCurve = sqrtDepth({ depthUnits, k })
          const opts = { startPrice: 100, shock, depth }
          const a = runCascade(prepareCascade(positions), opts)
          const b = naiveCascade(positions, opts)
          const rel = (x: number, y: number) => Math.abs(x - y) / Math.max(Math.abs(y), 1e-300)
          expect(rel(a.finalPrice, b.finalPrice)).toBeLessThanOrEqual(1e-9)
          expect(a.positionsLiquidated).toBe(b.positionsLiquidated)
          expect(a.tranchesLiquidated).toBe(b.tranchesLiquidated)
          expect(a.rounds).toBe(b.rounds)
          expect(Math.abs(a.liquidatedUsd - b.liquidatedUsd)).toBeLessThanOrEqual(
            1e-9 * b.liquidatedUsd + 1e-9,
          )
          expect(Math.abs(a.seizedUnits - b.seizedUnits)).toBeLessThanOrEqual(1e-9 * b.seizedUnits + 1e-12)
          expect(Math.abs(a.badDebtUsd - b.badDebtUsd)).toBeLessThanOrEqual(1e-9 * b.liquidatedUsd + 1e-9)
        },
      ),
      { numRuns: 300 },
    )
  })

  it('on a larger seeded population over many shocks', () => {
    const positions = population(5000, 3)
    const prepared = prepareCascade(positions)
    const depth = sqrtDepth({ depthUnits: 50_000, k: 0.4 })
    for (let s = -0.01; s >= -0.6; s -= 0.037) {
      const a = runCascade(prepared, { startPrice: 100, shock: s, depth })
      const b = naiveCascade(positions, { startPrice: 100, shock: s, depth })
      expect(Math.abs(a.finalPrice - b.finalPrice) / b.finalPrice).toBeLessThanOrEqual(1e-9)
      expect(a.positionsLiquidated).toBe(b.positionsLiquidated)
    }
  })
})

describe('with a Uniswap v3 depth', () => {
  it('fast == naive, and the table input gives the naive result', () => {
    // ETH as token0 at raw price 100 (decimals 0/0), three ranges below the price.
    const depth = uniswapV3Depth({
      sqrtPriceX96: 10 * 2 ** 96,
      liquidity: 20_000,
      tick: 46054,
      tickSpacing: 10,
      ticks: [
        { tick: 45000, liquidityNet: 10_000 },
        { tick: 44000, liquidityNet: 5_000 },
        { tick: 40000, liquidityNet: 5_000 },
        { tick: 47000, liquidityNet: -20_000 },
      ],
      assetIsToken0: true,
      decimals0: 0,
      decimals1: 0,
      feePips: 500,
    })
    const positions = population(3000, 17)
    const prepared = prepareCascade(positions)
    const table = tabulateTranches(positions)
    for (const shock of [-0.02, -0.05, -0.1, -0.2, -0.4]) {
      const opts = { startPrice: 100, shock, depth }
      const a = runCascade(prepared, opts)
      const b = naiveCascade(positions, opts)
      expect(Math.abs(a.finalPrice - b.finalPrice) / b.finalPrice).toBeLessThanOrEqual(1e-9)
      expect(naiveCascade(table, opts)).toEqual(b)
      expect(a.finalPrice).toBeLessThan(a.initialPrice * 0.999)
    }
  })
})

describe('shockToLiquidate', () => {
  const prepared = prepareCascade(population(2000, 5))
  it('with depth the cascade needs a smaller drop than the naive shock', () => {
    const depth = sqrtDepth({ depthUnits: 20_000, k: 0.3 })
    for (const liq of [90, 75, 60, 45]) {
      const r = shockToLiquidate(prepared, 100, liq, depth)
      expect(r.naiveShock).toBeCloseTo(liq / 100 - 1, 15)
      expect(r.shock).not.toBeNull()
      expect(r.shock!).toBeGreaterThanOrEqual(r.naiveShock)
      expect(r.finalPrice!).toBeLessThanOrEqual(liq)
      // positions above 100 cascade from the start price down to ~82.9: 90 needs no shock
      if (r.shock === 0) {
        expect(liq).toBe(90)
        continue
      }
      // minimal to the tolerance: a drop 1.01e-6 smaller does not reach liq
      const above = runCascade(prepared, { startPrice: 100, shock: r.shock! + 1.01e-6, depth })
      expect(above.finalPrice).toBeGreaterThan(liq)
    }
    expect(shockToLiquidate(prepared, 100, 60, depth).shock!).toBeGreaterThan(-0.4)
  })

  it('with zero depth equals the naive shock', () => {
    for (const liq of [90, 75, 60, 45]) {
      const r = shockToLiquidate(prepared, 100, liq, zeroDepth())
      expect(Math.abs(r.shock! - r.naiveShock)).toBeLessThanOrEqual(1e-6)
    }
  })

  it('0 when already reached, null when unreachable', () => {
    expect(shockToLiquidate(prepared, 100, 120, zeroDepth()).shock).toBe(0)
    expect(shockToLiquidate(prepared, 100, 0, zeroDepth()).shock).toBeNull()
  })
})

describe('liquidationHistogram', () => {
  // full: debt 760, 10 units at p_liq 95; aave: debt 800, 10 units, halves at 100 and 95.
  const positions = [pos(95, 10), pos(100, 10, { closeRule: 'aave-v3.0' })]
  it('sums debt and collateral per tranche threshold bucket', () => {
    const h = liquidationHistogram(positions, 100, [90, 96, 101])
    expect(h).toHaveLength(2)
    // [90, 96): full 760 (10 units) + the aave second half 400 (5 units)
    expect(h[0]).toMatchObject({ priceFrom: 90, priceTo: 96, tranches: 2, positions: 1 })
    expect(h[0]!.debtUsd).toBeCloseTo(1160, 9)
    expect(h[0]!.collateralUnits).toBeCloseTo(15, 12)
    expect(h[0]!.shockFrom).toBeCloseTo(-0.1, 12)
    // [96, 101): the aave first half
    expect(h[1]).toMatchObject({ tranches: 1, positions: 1 })
    expect(h[1]!.debtUsd).toBeCloseTo(400, 9)
    const even = liquidationHistogram(prepareCascade(positions), 100, { from: 90, to: 102, count: 6 })
    expect(even).toHaveLength(6)
    expect(even.reduce((a, b) => a + b.debtUsd, 0)).toBeCloseTo(1560, 9)
  })
})

describe('float32 storage and block prefix sums', () => {
  it('matches the naive rescan at every threshold, across block boundaries', () => {
    // 700 positions: > 10 blocks of 64 entries per list; zero depth evaluates S at exactly p0.
    const positions = population(700, 23)
    const prepared = prepareCascade(positions)
    const table = tabulateTranches(positions)
    const prices = Array.from(table.threshold.subarray(0, table.count)).filter((_, i) => i % 7 === 0)
    for (const price of [...prices, ...prices.map((p) => p * (1 + 1e-9))]) {
      const opts = { startPrice: 100, shock: price / 100 - 1, depth: zeroDepth() }
      const a = runCascade(prepared, opts)
      const b = naiveCascade(table, opts)
      expect(a.tranchesLiquidated).toBe(b.tranchesLiquidated)
      expect(a.positionsLiquidated).toBe(b.positionsLiquidated)
      expect(Math.abs(a.liquidatedUsd - b.liquidatedUsd)).toBeLessThanOrEqual(1e-12 * b.liquidatedUsd)
      expect(Math.abs(a.seizedUnits - b.seizedUnits)).toBeLessThanOrEqual(1e-12 * b.seizedUnits)
      expect(Math.abs(a.badDebtUsd - b.badDebtUsd)).toBeLessThanOrEqual(1e-9 * b.liquidatedUsd)
    }
  })

  it('holds thresholds and amounts at float32, caps at q rounded down, and reports its size', () => {
    // debt 1000.1, 3 units, LT 0.8: p_liq = 416.708333..., q = 1000.1 * 1.05 / 3 = 350.035
    const p = pos(0, 3, { debtUsd: 1000.1 })
    const t = tabulateTranches([p])
    expect(t.threshold[0]).toBe(Math.fround(1000.1 / 2.4))
    expect(t.repayUsd[0]).toBe(Math.fround(1000.1))
    expect(t.capPrice[0]).toBeLessThanOrEqual((t.repayUsd[0]! * B105) / 3)
    expect(t.capPrice[0]).toBe(Math.fround(t.capPrice[0]!))
    expect(t.capPrice[0]! / ((1000.1 * 1.05) / 3)).toBeCloseTo(1, 6)
    // At the cap price the seizure is capped with bad debt >= 0
    const r = runCascade(prepareCascade([p]), {
      startPrice: 500,
      shock: t.capPrice[0]! / 500 - 1,
      depth: zeroDepth(),
    })
    expect(r.seizedUnits).toBe(3)
    expect(r.badDebtUsd).toBeGreaterThanOrEqual(0)
    expect(r.badDebtUsd).toBeLessThan(1e-3)
    // 4 bytes of key (+ 4 of index) per list entry, 12 per position, and the block sums
    const prepared = prepareCascade(population(6400, 9))
    const n1 = prepared.first.price.length
    const n2 = prepared.second.price.length
    const n3 = prepared.capped.price.length
    const blocks = (n: number) => 32 * (Math.floor(n / 64) + 1)
    expect(prepared.byteLength).toBe(16 * n1 + 8 * n2 + 8 * n3 + blocks(n1) + blocks(n2) + blocks(n3))
  })

  it('positionOutcomes adds up to the cascade at the same price', () => {
    const positions = population(300, 31)
    const prepared = prepareCascade(positions)
    for (const price of [95, 80, 61.3, 40]) {
      const r = runCascade(prepared, { startPrice: 100, shock: price / 100 - 1, depth: zeroDepth() })
      const o = positionOutcomes(positions, price)
      const sum = (f: (x: (typeof o)[number]) => number) => o.reduce((a, x) => a + f(x), 0)
      expect(sum((x) => x.liquidatedUsd)).toBeCloseTo(r.liquidatedUsd, 6)
      expect(sum((x) => x.seizedUnits)).toBeCloseTo(r.seizedUnits, 9)
      expect(sum((x) => x.badDebtUsd)).toBeCloseTo(r.badDebtUsd, 6)
      expect(o.filter((x) => x.liquidatedFraction > 0)).toHaveLength(r.positionsLiquidated)
      expect(o.every((x) => [0, 0.5, 1].includes(x.liquidatedFraction))).toBe(true)
    }
  })

  it('rejects amounts beyond the float32 range', () => {
    expect(() => prepareCascade([pos(90, 1e39)])).toThrow(/collateral/)
    expect(() => prepareCascade([pos(90, 1, { debtUsd: 1e39 })])).toThrow(/debtUsd/)
  })
})

describe('validation', () => {
  it('rejects malformed positions and options', () => {
    expect(() => prepareCascade([pos(90, 1, { liquidationThreshold: 1 })])).toThrow(/liquidationThreshold/)
    expect(() => prepareCascade([pos(90, Number.NaN)])).toThrow(/collateral/)
    expect(() => prepareCascade([pos(90, 1, { bonus: 0.9 })])).toThrow(/bonus/)
    const prepared = prepareCascade([pos(90, 1)])
    expect(() => runCascade(prepared, { startPrice: 100, shock: -1, depth: zeroDepth() })).toThrow(/shock/)
    expect(() => runCascade(prepared, { startPrice: 0, shock: -0.1, depth: zeroDepth() })).toThrow(
      /startPrice/,
    )
  })

  it('handles an empty population', () => {
    const r = runCascade(prepareCascade([]), { startPrice: 100, shock: -0.5, depth: zeroDepth() })
    expect(r).toMatchObject({
      finalPrice: 50,
      liquidatedUsd: 0,
      rounds: 0,
      iterations: 0,
      positionsLiquidated: 0,
    })
  })
})
