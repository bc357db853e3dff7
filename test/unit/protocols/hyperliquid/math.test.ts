/** Hyperliquid margin math against hand-computed vectors (arithmetic in the comments). */
import { describe, expect, it } from 'vitest'
import {
  compareLiquidationPrice,
  liquidationPrice,
  maintenanceMargin,
  maintenanceMarginRate,
  parseDecimal,
  ratioWad,
} from '../../../../src/protocols/hyperliquid/math.js'

describe('maintenance margin', () => {
  it('is half the initial margin at max leverage', () => {
    // 1 / (2 * 50) = 0.01; 1 / (2 * 40) = 0.0125; 1 / (2 * 3) = 0.1666...
    expect(maintenanceMarginRate(50)).toBe(0.01)
    expect(maintenanceMarginRate(40)).toBe(0.0125)
    expect(maintenanceMarginRate(3)).toBeCloseTo(1 / 6, 15)
    // |-30000| * 0.0125 = 375
    expect(maintenanceMargin(-30_000, 40)).toBe(375)
  })
  it('rejects a non-positive max leverage', () => {
    expect(() => maintenanceMarginRate(0)).toThrow(RangeError)
    expect(() => maintenanceMarginRate(Number.NaN)).toThrow(RangeError)
  })
})

describe('liquidationPrice', () => {
  it('reproduces the docs example (isolated ETH long, maxLeverage 50)', () => {
    // mark = 100.02765 / 0.0335 = 2985.9; MM = 100.02765 * 0.01 = 1.0002765;
    // margin available = 4.967826 - 1.0002765 = 3.9675495;
    // liq = 2985.9 - 3.9675495 / 0.0335 / 0.99 = 2985.9 - 119.6306... = 2866.26936... (venue: 2866.26936529)
    const price = liquidationPrice({
      markPrice: 100.02765 / 0.0335,
      size: 0.0335,
      marginAvailable: 4.967826 - 1.0002765,
      maintenanceMarginRate: 0.01,
    })
    // 2866.26938037 here: the payload rounds positionValue to 1e-6 USD, so the mark (and the
    // computed price) is known to ~1e-5 USD; the relative difference is ~5e-9.
    expect(price).toBeCloseTo(2866.26936529, 4)
  })
  it('long on cross: price - available / size / (1 - l)', () => {
    // 60000 - 10000 / 0.5 / 0.9875 = 60000 - 20253.16455696... = 39746.83544303...
    const price = liquidationPrice({
      markPrice: 60_000,
      size: 0.5,
      marginAvailable: 10_000,
      maintenanceMarginRate: 0.0125,
    })
    expect(price).toBeCloseTo(39_746.835443038, 6)
  })
  it('short on cross: price + available / size / (1 + l)', () => {
    // 3000 + 10000 / 10 / 1.02 = 3000 + 980.39215686... = 3980.39215686...
    const price = liquidationPrice({
      markPrice: 3000,
      size: -10,
      marginAvailable: 10_000,
      maintenanceMarginRate: 0.02,
    })
    expect(price).toBeCloseTo(3980.392156863, 6)
  })
  it('at the computed price equity equals the maintenance requirement (round trip)', () => {
    // long 2 at 100, l = 0.05, equity 50: MM = 2 * 100 * 0.05 = 10, available 40;
    // liq = 100 - 40 / 2 / 0.95 = 78.947368...; at P: equity 50 + 2 (P - 100) = 7.894736...,
    // requirement 2 * P * 0.05 = 7.894736...
    const p = liquidationPrice({ markPrice: 100, size: 2, marginAvailable: 40, maintenanceMarginRate: 0.05 })!
    expect(50 + 2 * (p - 100)).toBeCloseTo(2 * p * 0.05, 10)
  })
  it('is above the mark for an already liquidatable long', () => {
    // 100 - (-5) / 1 / 0.99 = 105.0505...
    expect(
      liquidationPrice({ markPrice: 100, size: 1, marginAvailable: -5, maintenanceMarginRate: 0.01 }),
    ).toBeCloseTo(105.050505, 5)
  })
  it('is null when no positive price liquidates a long, or for a zero size', () => {
    // 100 - 200 / 1 / 0.99 = -102.02 <= 0
    expect(
      liquidationPrice({ markPrice: 100, size: 1, marginAvailable: 200, maintenanceMarginRate: 0.01 }),
    ).toBeNull()
    expect(
      liquidationPrice({ markPrice: 100, size: 0, marginAvailable: 1, maintenanceMarginRate: 0.01 }),
    ).toBeNull()
  })
})

describe('compareLiquidationPrice', () => {
  it('agrees within 0.1% and flags beyond', () => {
    expect(compareLiquidationPrice(100, 100.05)).toMatchObject({ agrees: true })
    const off = compareLiquidationPrice(100, 110)
    expect(off.agrees).toBe(false)
    expect(off.relativeDiff).toBeCloseTo(10 / 110, 12)
    expect(compareLiquidationPrice(null, null)).toEqual({ relativeDiff: null, agrees: true })
    expect(compareLiquidationPrice(null, 5)).toEqual({ relativeDiff: null, agrees: false })
  })
})

describe('parseDecimal / ratioWad', () => {
  it('parses decimal strings exactly', () => {
    expect(parseDecimal('0.0335', 8)).toBe(3_350_000n)
    expect(parseDecimal('-10.0', 8)).toBe(-1_000_000_000n)
    expect(parseDecimal('7', 0)).toBe(7n)
    expect(parseDecimal('1.50000000000', 2)).toBe(150n)
  })
  it('refuses to round or to parse garbage', () => {
    expect(() => parseDecimal('0.123456789', 8)).toThrow(/more than 8/)
    expect(() => parseDecimal('1e5', 8)).toThrow(/not a decimal/)
  })
  it('computes a WAD ratio, null without a requirement', () => {
    // 10975 / 975 = 11.256410256410256410... -> 11256410256410256410 in WAD (rounded down)
    expect(ratioWad(parseDecimal('10975.0', 18), parseDecimal('975.0', 18))).toBe(11_256_410_256_410_256_410n)
    expect(ratioWad(1n, 0n)).toBeNull()
  })
})
