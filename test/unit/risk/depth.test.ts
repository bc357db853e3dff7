/**
 * Depth curves. Vectors are hand computations: the square-root law directly, Uniswap v3 with the
 * constant-product formulas of one range (sqrtP' = L sqrtP / (L + dx sqrtP) for token0 in,
 * sqrtP' = sqrtP + dy / L for token1 in) applied range by range.
 */
import { describe, expect, it } from 'vitest'
import {
  sqrtDepth,
  sqrtDepthFromQuote,
  type UniswapV3PoolState,
  uniswapV3Depth,
  zeroDepth,
} from '../../../src/risk/depth.js'

const Q96 = 2 ** 96
const sqrtAt = (tick: number) => 1.0001 ** (tick / 2)

describe('sqrtDepth', () => {
  it('follows 1 - k sqrt(Q / depth)', () => {
    const d = sqrtDepth({ depthUnits: 10_000, k: 0.5 })
    expect(d.impactFactor(0)).toBe(1)
    // 100 units: 1 - 0.5 * sqrt(100 / 10000) = 1 - 0.5 * 0.1 = 0.95
    expect(d.impactFactor(100)).toBeCloseTo(0.95, 15)
    // 400 units: 1 - 0.5 * 0.2 = 0.9
    expect(d.impactFactor(400)).toBeCloseTo(0.9, 15)
    // 10000 units: 1 - 0.5 * 1 = 0.5
    expect(d.impactFactor(10_000)).toBeCloseTo(0.5, 15)
  })

  it('clamps at minFactor instead of reaching 0', () => {
    const d = sqrtDepth({ depthUnits: 100, k: 1 })
    // 1 - sqrt(100 / 100) = 0 -> clamped to the default 1e-6
    expect(d.impactFactor(100)).toBe(1e-6)
    expect(d.impactFactor(1e9)).toBe(1e-6)
    expect(sqrtDepth({ depthUnits: 100, k: 1, minFactor: 0.05 }).impactFactor(1e9)).toBe(0.05)
    expect(d.params.minFactor).toBe(1e-6)
  })

  it('calibrates from a -1% quote', () => {
    const d = sqrtDepthFromQuote(50)
    // depth = 50 * 1^2 / 1e-4 = 500,000; 50 units -> 1 - sqrt(50 / 500000) = 1 - 0.01
    expect(d.params.depthUnits).toBeCloseTo(500_000, 6)
    expect(d.impactFactor(50)).toBeCloseTo(0.99, 14)
    // four times the quote -> twice the impact
    expect(d.impactFactor(200)).toBeCloseTo(0.98, 14)
    const d2 = sqrtDepthFromQuote(50, 0.5)
    expect(d2.impactFactor(50)).toBeCloseTo(0.99, 14)
  })

  it('rejects bad parameters', () => {
    expect(() => sqrtDepth({ depthUnits: 0, k: 1 })).toThrow(/depthUnits/)
    expect(() => sqrtDepth({ depthUnits: 1, k: -1 })).toThrow(/k must/)
    expect(() => sqrtDepthFromQuote(Number.NaN)).toThrow(/unitsForOnePercent/)
  })
})

describe('zeroDepth', () => {
  it('never moves the price', () => {
    expect(zeroDepth().impactFactor(0)).toBe(1)
    expect(zeroDepth().impactFactor(1e12)).toBe(1)
  })
})

/** One range [-887220, 887220] (spacing 60) of liquidity L around raw price P. */
function singleRange(P: number, L: number, over: Partial<UniswapV3PoolState> = {}): UniswapV3PoolState {
  return {
    sqrtPriceX96: Math.sqrt(P) * Q96,
    liquidity: L,
    tick: Math.floor(Math.log(P) / Math.log(1.0001)),
    tickSpacing: 60,
    ticks: [
      { tick: -887220, liquidityNet: L },
      { tick: 887220, liquidityNet: -L },
    ],
    assetIsToken0: true,
    decimals0: 0,
    decimals1: 0,
    feePips: 0,
    ...over,
  }
}

describe('uniswapV3Depth, one range (constant product)', () => {
  it('token0 sold: sqrtP -> L sqrtP / (L + dx sqrtP)', () => {
    const d = uniswapV3Depth(singleRange(100, 1e6))
    // sqrtP = 10; dx = 100: sqrtP' = 1e6 * 10 / (1e6 + 1000) = 9.99000999000999
    const s1 = 1e7 / 1_001_000
    const q = d.quote(100)
    expect(q.priceFactor).toBeCloseTo((s1 / 10) ** 2, 14)
    expect(q.priceAfter).toBeCloseTo(s1 * s1, 10)
    expect(q.priceBefore).toBeCloseTo(100, 10)
    expect(q.exhausted).toBe(false)
    expect(q.ticksCrossed).toBe(0)
    expect(d.impactFactor(100)).toBe(q.priceFactor)
    expect(d.impactFactor(0)).toBe(1)
    // x * y = L^2 within the range: x = L / sqrtP = 1e5 before, x + 100 after -> P' = L^2 / x'^2
    const x = 1e6 / 10
    expect(q.priceAfter).toBeCloseTo((1e6 * 1e6) / (x + 100) ** 2, 9)
  })

  it('token1 sold: sqrtP -> sqrtP + dy / L, asset price 1/P falls', () => {
    const d = uniswapV3Depth(singleRange(100, 1e6, { assetIsToken0: false }))
    // dy = 1000: sqrtP' = 10 + 1000 / 1e6 = 10.001; asset (token1) price in token0 = 1/P
    const q = d.quote(1000)
    expect(q.priceFactor).toBeCloseTo((10 / 10.001) ** 2, 14)
    expect(q.priceBefore).toBeCloseTo(0.01, 14)
    expect(q.priceAfter).toBeCloseTo(1 / 10.001 ** 2, 14)
  })

  it('takes the fee from the input', () => {
    const d = uniswapV3Depth(singleRange(100, 1e6, { feePips: 3000 }))
    // 0.3% fee: 100 in moves the price like 99.7 without a fee
    const s1 = (1e6 * 10) / (1e6 + 99.7 * 10)
    expect(d.impactFactor(100)).toBeCloseTo((s1 / 10) ** 2, 14)
    expect(d.impactFactor(100)).toBeGreaterThan(uniswapV3Depth(singleRange(100, 1e6)).impactFactor(100))
  })

  it('applies decimals to human prices, not to the factor', () => {
    // ETH (18) as token0, USDC (6) as token1, 3000 USDC per ETH: raw P = 3000 * 10^(6 - 18)
    const P = 3000e-12
    const L = 1e15
    const d = uniswapV3Depth(singleRange(P, L, { decimals0: 18, decimals1: 6 }))
    expect(d.spotPrice).toBeCloseTo(3000, 6)
    // 1 ETH = 1e18 raw: sqrtP' = L sqrtP / (L + 1e18 sqrtP)
    const s = Math.sqrt(P)
    const s1 = (L * s) / (L + 1e18 * s)
    const q = d.quote(1)
    expect(q.priceFactor).toBeCloseTo((s1 / s) ** 2, 12)
    expect(q.priceAfter).toBeCloseTo(3000 * (s1 / s) ** 2, 6)
  })
})

describe('uniswapV3Depth, two ranges', () => {
  // Price 1 (tick 0). Position A: [-100, 100] with L 1000; position B: [-200, -100] with L 500.
  // liquidityNet: -200: +500; -100: +1000 - 500 = +500; 100: -1000. Active L = 1000.
  const state: UniswapV3PoolState = {
    sqrtPriceX96: BigInt(Q96),
    liquidity: 1000n,
    tick: 0,
    tickSpacing: 100,
    ticks: [
      { tick: 100, liquidityNet: -1000n },
      { tick: -200, liquidityNet: 500n },
      { tick: -100, liquidityNet: 500n },
    ],
    assetIsToken0: true,
    decimals0: 0,
    decimals1: 0,
    feePips: 0,
  }

  it('crosses tick -100 selling token0', () => {
    const d = uniswapV3Depth(state)
    // Range 1 (L 1000) from sqrtP 1 down to s(-100) = 1.0001^-50 takes
    // dx1 = 1000 * (1/s(-100) - 1) = 1000 * (1.0001^50 - 1) = 5.0122...
    const sA = sqrtAt(-100)
    const dx1 = 1000 * (1 / sA - 1)
    expect(dx1).toBeCloseTo(5.01227, 4)
    // 6 sold: 0.9877... left for range 2 with L = 1000 - 500 = 500
    const rem = 6 - dx1
    const s2 = (500 * sA) / (500 + rem * sA)
    const q = d.quote(6)
    expect(q.ticksCrossed).toBe(1)
    expect(q.exhausted).toBe(false)
    expect(q.priceFactor).toBeCloseTo(s2 * s2, 14)
    // below the first boundary: exactly the single-range formula
    expect(d.impactFactor(3)).toBeCloseTo((1000 / (1000 + 3)) ** 2, 14)
  })

  it('flags exhaustion at the lowest liquidity boundary', () => {
    const d = uniswapV3Depth(state)
    // Range 2 holds 500 * (1/s(-200) - 1/s(-100)) = 2.52...: all 7.53 of both ranges < 100
    const cap = 1000 * (1 / sqrtAt(-100) - 1) + 500 * (1 / sqrtAt(-200) - 1 / sqrtAt(-100))
    const q = d.quote(100)
    expect(q.exhausted).toBe(true)
    expect(q.ticksCrossed).toBe(2)
    expect(q.priceFactor).toBeCloseTo(1.0001 ** -200, 14)
    expect(q.soldUnits).toBeCloseTo(cap, 10)
    expect(d.quote(cap * 0.999).exhausted).toBe(false)
  })

  it('asset as token1: walks up, exhausts at tick 100', () => {
    const d = uniswapV3Depth({ ...state, assetIsToken0: false })
    // token1 in: range 1 up to s(100) takes dy = 1000 * (s(100) - 1) = 5.0010...
    const dy = 1000 * (sqrtAt(100) - 1)
    const q1 = d.quote(dy / 2)
    expect(q1.priceFactor).toBeCloseTo((1 / (1 + dy / 2 / 1000)) ** 2, 14)
    const q2 = d.quote(dy * 2)
    expect(q2.exhausted).toBe(true)
    expect(q2.ticksCrossed).toBe(1)
    expect(q2.priceFactor).toBeCloseTo(1.0001 ** -100, 14)
  })

  it('is non-increasing in the amount sold', () => {
    const d = uniswapV3Depth(state)
    let last = 1
    for (let q = 0; q <= 12; q += 0.01) {
      const f = d.impactFactor(q)
      expect(f).toBeLessThanOrEqual(last)
      last = f
    }
  })

  it('rejects ticks off the spacing', () => {
    expect(() => uniswapV3Depth({ ...state, ticks: [{ tick: 150, liquidityNet: 1n }] })).toThrow(
      /tickSpacing/,
    )
  })
})
