/**
 * Unit tests of the bigint fixed-point helpers. Every vector is a hand computation written next to
 * it; the half-up functions mirror Aave's WadRayMath / PercentageMath (x * y + HALF) / UNIT.
 */
import { describe, expect, it } from 'vitest'
import {
  divUp,
  fromFloat,
  HALF_PERCENTAGE_FACTOR,
  HALF_RAY,
  HALF_WAD,
  MAX_UINT256,
  mulDivDown,
  mulDivUp,
  PERCENTAGE_FACTOR,
  percentMulHalfUp,
  RAY,
  rayMulDown,
  rayMulHalfUp,
  rayMulUp,
  toFloat,
  WAD,
  wadDivHalfUp,
  wadMulHalfUp,
} from '../../../src/core/math.js'

describe('constants', () => {
  it('have the values of Aave WadRayMath / PercentageMath', () => {
    expect(WAD).toBe(1_000_000_000_000_000_000n)
    expect(HALF_WAD).toBe(500_000_000_000_000_000n)
    expect(RAY).toBe(10n ** 27n)
    expect(HALF_RAY).toBe(5n * 10n ** 26n)
    expect(PERCENTAGE_FACTOR).toBe(10_000n)
    expect(HALF_PERCENTAGE_FACTOR).toBe(5_000n)
    // 2^256 - 1 = 115792089237316195423570985008687907853269984665640564039457584007913129639935
    expect(MAX_UINT256).toBe(115792089237316195423570985008687907853269984665640564039457584007913129639935n)
  })
})

describe('wadMulHalfUp (hand computation)', () => {
  it('multiplies exact values', () => {
    // (2e18 * 3e18 + 5e17) / 1e18 = 6e18 (the 5e17 is lost in the truncation)
    expect(wadMulHalfUp(2n * WAD, 3n * WAD)).toBe(6n * WAD)
    // (1.5e18 * 1.5e18 + 5e17) / 1e18 = 2.25e18
    expect(wadMulHalfUp(1_500_000_000_000_000_000n, 1_500_000_000_000_000_000n)).toBe(
      2_250_000_000_000_000_000n,
    )
  })

  it('rounds half up at the edge', () => {
    // (1 * 5e17 + 5e17) / 1e18 = 1e18 / 1e18 = 1
    expect(wadMulHalfUp(1n, HALF_WAD)).toBe(1n)
    // (1 * (5e17 - 1) + 5e17) / 1e18 = (1e18 - 1) / 1e18 = 0
    expect(wadMulHalfUp(1n, HALF_WAD - 1n)).toBe(0n)
    // (3 * 5e17 + 5e17) / 1e18 = 2e18 / 1e18 = 2 (1.5 rounds up to 2)
    expect(wadMulHalfUp(3n, HALF_WAD)).toBe(2n)
  })

  it('is zero for a zero operand', () => {
    // (0 * x + 5e17) / 1e18 = 0
    expect(wadMulHalfUp(0n, 123n * WAD)).toBe(0n)
  })
})

describe('wadDivHalfUp (hand computation)', () => {
  it('divides exact values', () => {
    // (6e18 * 1e18 + 3e18 / 2) / 3e18 = (6e36 + 1.5e18) / 3e18 = 2e18
    expect(wadDivHalfUp(6n * WAD, 3n * WAD)).toBe(2n * WAD)
    // (1.65e12 * 1e18 + 1e12 / 2) / 1e12 = 1.65e18 (a health factor of 1.65)
    expect(wadDivHalfUp(1_650_000_000_000n, 1_000_000_000_000n)).toBe(1_650_000_000_000_000_000n)
  })

  it('rounds half up at the edge', () => {
    // (1 * 1e18 + 2e18 / 2) / 2e18 = 2e18 / 2e18 = 1 (0.5 rounds up)
    expect(wadDivHalfUp(1n, 2n * WAD)).toBe(1n)
    // (1 * 1e18 + (2e18 + 2) / 2) / (2e18 + 2) = (2e18 + 1) / (2e18 + 2) = 0 (just below 0.5)
    expect(wadDivHalfUp(1n, 2n * WAD + 2n)).toBe(0n)
    // (2 * 1e18 + 3 / 2) / 3 = 2000000000000000001 / 3 = 666666666666666667 (…666.67 rounds up)
    expect(wadDivHalfUp(2n, 3n)).toBe(666_666_666_666_666_667n)
    // (1 * 1e18 + 3 / 2) / 3 = 1000000000000000001 / 3 = 333333333333333333 (…333.33 rounds down)
    expect(wadDivHalfUp(1n, 3n)).toBe(333_333_333_333_333_333n)
  })

  it('throws on a zero divisor', () => {
    expect(() => wadDivHalfUp(1n, 0n)).toThrow(RangeError)
  })
})

describe('rayMulHalfUp / rayMulDown / rayMulUp (hand computation)', () => {
  it('multiplies exact values identically in every direction', () => {
    // 1.05e27 * 1.1e27 / 1e27 = 1.155e27, no remainder
    const a = 1_050_000_000_000_000_000_000_000_000n
    const b = 1_100_000_000_000_000_000_000_000_000n
    const product = 1_155_000_000_000_000_000_000_000_000n
    expect(rayMulHalfUp(a, b)).toBe(product)
    expect(rayMulDown(a, b)).toBe(product)
    expect(rayMulUp(a, b)).toBe(product)
  })

  it('rayMulHalfUp rounds half up at the edge', () => {
    // (1 * 5e26 + 5e26) / 1e27 = 1
    expect(rayMulHalfUp(1n, HALF_RAY)).toBe(1n)
    // (1 * (5e26 - 1) + 5e26) / 1e27 = (1e27 - 1) / 1e27 = 0
    expect(rayMulHalfUp(1n, HALF_RAY - 1n)).toBe(0n)
  })

  it('rayMulDown truncates', () => {
    // 1 * 5e26 / 1e27 = 0.5 -> 0
    expect(rayMulDown(1n, HALF_RAY)).toBe(0n)
    // 3 * 5e26 / 1e27 = 1.5 -> 1
    expect(rayMulDown(3n, HALF_RAY)).toBe(1n)
    // (1e27 - 1) * 1 / 1e27 -> 0
    expect(rayMulDown(RAY - 1n, 1n)).toBe(0n)
  })

  it('rayMulUp rounds any remainder up', () => {
    // 1 * 1 / 1e27 = 1e-27 -> 1
    expect(rayMulUp(1n, 1n)).toBe(1n)
    // 3 * 5e26 / 1e27 = 1.5 -> 2
    expect(rayMulUp(3n, HALF_RAY)).toBe(2n)
    // 2 * 5e26 / 1e27 = 1 exactly -> 1
    expect(rayMulUp(2n, HALF_RAY)).toBe(1n)
    // 0 * x = 0, never rounded up to 1
    expect(rayMulUp(0n, RAY)).toBe(0n)
  })
})

describe('percentMulHalfUp (hand computation)', () => {
  it('rounds half up at the edge', () => {
    // (1 * 5000 + 5000) / 10000 = 10000 / 10000 = 1
    expect(percentMulHalfUp(1n, 5_000n)).toBe(1n)
    // (1 * 4999 + 5000) / 10000 = 9999 / 10000 = 0
    expect(percentMulHalfUp(1n, 4_999n)).toBe(0n)
    // (3 * 8333 + 5000) / 10000 = 29999 / 10000 = 2 (2.4999 rounds down)
    expect(percentMulHalfUp(3n, 8_333n)).toBe(2n)
    // (3 * 8334 + 5000) / 10000 = 30002 / 10000 = 3 (2.5002 rounds up)
    expect(percentMulHalfUp(3n, 8_334n)).toBe(3n)
  })

  it('applies a liquidation threshold to a base-currency amount', () => {
    // (2e12 * 8250 + 5000) / 10000 = (1.65e16 + 5000) / 1e4 = 1.65e12
    expect(percentMulHalfUp(2_000_000_000_000n, 8_250n)).toBe(1_650_000_000_000n)
    // (10000 * 10000 + 5000) / 10000 = 10000 (100% is the identity)
    expect(percentMulHalfUp(10_000n, PERCENTAGE_FACTOR)).toBe(10_000n)
  })
})

describe('mulDivDown / mulDivUp / divUp (hand computation)', () => {
  it('mulDivDown truncates and mulDivUp rounds up', () => {
    // 7 * 3 / 2 = 21 / 2 = 10.5
    expect(mulDivDown(7n, 3n, 2n)).toBe(10n)
    expect(mulDivUp(7n, 3n, 2n)).toBe(11n)
    // 6 * 3 / 2 = 9 exactly: both directions agree
    expect(mulDivDown(6n, 3n, 2n)).toBe(9n)
    expect(mulDivUp(6n, 3n, 2n)).toBe(9n)
    // 1e18 * 2 / 3 = 666666666666666666.67
    expect(mulDivDown(WAD, 2n, 3n)).toBe(666_666_666_666_666_666n)
    expect(mulDivUp(WAD, 2n, 3n)).toBe(666_666_666_666_666_667n)
  })

  it('throw on a zero divisor', () => {
    expect(() => mulDivDown(1n, 1n, 0n)).toThrow(RangeError)
    expect(() => mulDivUp(1n, 1n, 0n)).toThrow(RangeError)
  })

  it('divUp rounds any remainder up and keeps 0 at 0', () => {
    // 0 / 5 = 0
    expect(divUp(0n, 5n)).toBe(0n)
    // 1 / 5 = 0.2 -> 1
    expect(divUp(1n, 5n)).toBe(1n)
    // 5 / 5 = 1 exactly
    expect(divUp(5n, 5n)).toBe(1n)
    // 6 / 5 = 1.2 -> 2
    expect(divUp(6n, 5n)).toBe(2n)
  })
})

describe('toFloat', () => {
  it('scales by 10^decimals', () => {
    // 1_500_000 / 10^6 = 1.5
    expect(toFloat(1_500_000n, 6)).toBe(1.5)
    // 3.25e18 / 10^18 = 3.25
    expect(toFloat(3_250_000_000_000_000_000n, 18)).toBe(3.25)
    // 1 / 10^18
    expect(toFloat(1n, 18)).toBe(1e-18)
    // decimals 0 is the identity
    expect(toFloat(123n, 0)).toBe(123)
  })

  it('keeps the fractional part of values above 2^53 base units', () => {
    // 123456789.123456789 ETH = 123_456_789_123_456_789_000_000_000 wei (> 2^53): whole part
    // 123_456_789 and fraction 0.123456789 are converted separately, then added
    expect(toFloat(123_456_789_123_456_789_000_000_000n, 18)).toBeCloseTo(123_456_789.123_456_79, 6)
  })
})

describe('fromFloat', () => {
  it('handles floats from 1e21 up, where toFixed switches to exponent notation (regression)', () => {
    // 1e21 is an exact integer in float64: 1e21 * 10^2 = 10^23.
    expect(fromFloat(1e21, 2)).toBe(10n ** 23n)
  })
  it('converts to fixed point rounded to nearest', () => {
    // 1.5 * 10^6 = 1_500_000
    expect(fromFloat(1.5, 6)).toBe(1_500_000n)
    // 2500.5 * 10^8 = 250_050_000_000 (a USD oracle price, 8 decimals)
    expect(fromFloat(2500.5, 8)).toBe(250_050_000_000n)
    // 0.1 at 8 decimals: (0.1).toFixed(8) = "0.10000000" -> 10_000_000
    expect(fromFloat(0.1, 8)).toBe(10_000_000n)
    // 1.23456789 at 2 decimals: "1.23" -> 123 (rounded down)
    expect(fromFloat(1.23456789, 2)).toBe(123n)
    // 0.125 is exact in binary; at 2 decimals the tie goes up: "0.13" -> 13
    expect(fromFloat(0.125, 2)).toBe(13n)
    // decimals 0
    expect(fromFloat(3, 0)).toBe(3n)
  })

  it('pads beyond the 20 digits toFixed supports', () => {
    // (1.5).toFixed(20) = "1.50000000000000000000", padded to 24 decimals -> 1.5e24
    expect(fromFloat(1.5, 24)).toBe(1_500_000_000_000_000_000_000_000n)
  })

  it('round-trips through toFloat', () => {
    // 1234.56789012 * 1e8 = 123456789012
    expect(fromFloat(1234.56789012, 8)).toBe(123_456_789_012n)
    expect(toFloat(fromFloat(1234.56789012, 8), 8)).toBe(1234.56789012)
  })

  it('rejects negative and non-finite input', () => {
    expect(() => fromFloat(-1, 8)).toThrow(RangeError)
    expect(() => fromFloat(Number.NaN, 8)).toThrow(RangeError)
    expect(() => fromFloat(Number.POSITIVE_INFINITY, 8)).toThrow(RangeError)
  })
})
