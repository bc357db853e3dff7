/**
 * bigint fixed-point math with the rounding direction in the name. Scales: WAD = 1e18,
 * RAY = 1e27, percentages in basis points where 10_000 = 100% (Aave's PercentageMath).
 * Each half-up function matches Aave's WadRayMath/PercentageMath bit for bit.
 */

/** 1e18. */
export const WAD = 10n ** 18n
/** 1e18 / 2. */
export const HALF_WAD = WAD / 2n
/** 1e27. */
export const RAY = 10n ** 27n
/** 1e27 / 2. */
export const HALF_RAY = RAY / 2n
/** 100% in basis points. */
export const PERCENTAGE_FACTOR = 10_000n
/** 50% in basis points. */
export const HALF_PERCENTAGE_FACTOR = 5_000n
/** 2^256 - 1, what Aave returns as the health factor of a wallet with no debt. */
export const MAX_UINT256 = 2n ** 256n - 1n

/** a * b / WAD, rounded half up (Aave `wadMul`). */
export function wadMulHalfUp(a: bigint, b: bigint): bigint {
  return (a * b + HALF_WAD) / WAD
}

/** a * WAD / b, rounded half up (Aave `wadDiv`). Throws on b = 0. */
export function wadDivHalfUp(a: bigint, b: bigint): bigint {
  if (b === 0n) throw new RangeError('wadDivHalfUp: division by zero')
  return (a * WAD + b / 2n) / b
}

/** a * b / RAY, rounded half up (Aave `rayMul`). */
export function rayMulHalfUp(a: bigint, b: bigint): bigint {
  return (a * b + HALF_RAY) / RAY
}

/** a * b / RAY, rounded down (Aave v3.5 `rayMulFloor`). */
export function rayMulDown(a: bigint, b: bigint): bigint {
  return (a * b) / RAY
}

/** a * b / RAY, rounded up (Aave v3.5 `rayMulCeil`). */
export function rayMulUp(a: bigint, b: bigint): bigint {
  return divUp(a * b, RAY)
}

/** value * bps / 10_000, rounded half up (Aave `percentMul`). */
export function percentMulHalfUp(value: bigint, bps: bigint): bigint {
  return (value * bps + HALF_PERCENTAGE_FACTOR) / PERCENTAGE_FACTOR
}

/** a * b / d rounded down. */
export function mulDivDown(a: bigint, b: bigint, d: bigint): bigint {
  if (d === 0n) throw new RangeError('mulDivDown: division by zero')
  return (a * b) / d
}

/** a * b / d rounded up. */
export function mulDivUp(a: bigint, b: bigint, d: bigint): bigint {
  if (d === 0n) throw new RangeError('mulDivUp: division by zero')
  return divUp(a * b, d)
}

/** a / d rounded up, for a >= 0, d > 0. */
export function divUp(a: bigint, d: bigint): bigint {
  return a === 0n ? 0n : (a - 1n) / d + 1n
}

/** Decimals whose powers of ten {@link toFloat} keeps (every ERC-20 decimals and RAY fit). */
const POW10_CACHED = 78
/** 10^i as bigint, i < POW10_CACHED. */
const POW10_BIG: readonly bigint[] = Array.from({ length: POW10_CACHED }, (_, i) => 10n ** BigInt(i))
/** Number(10n^i): the same double {@link toFloat} divided by before the table existed. */
const POW10_FLOAT: readonly number[] = POW10_BIG.map((p) => Number(p))

/**
 * Converts a non-negative fixed-point bigint to a float: `value / 10^decimals`. This is the one
 * documented boundary from exact chain integers to float64; it keeps ~15-16 significant digits.
 */
export function toFloat(value: bigint, decimals: number): number {
  if (decimals === 0) return Number(value)
  const cached = decimals < POW10_CACHED ? POW10_BIG[decimals] : undefined
  const scale = cached ?? 10n ** BigInt(decimals)
  const whole = value / scale
  const frac = value % scale
  return Number(whole) + Number(frac) / (cached === undefined ? Number(scale) : POW10_FLOAT[decimals]!)
}

/**
 * Converts a float to a fixed-point bigint with `decimals` decimals, rounded to nearest.
 * For prices set on oracles and other inputs. Throws on a non-finite or negative input.
 */
export function fromFloat(value: number, decimals: number): bigint {
  if (!Number.isFinite(value) || value < 0)
    throw new RangeError(`fromFloat: ${value} is not a finite non-negative number`)
  // toFixed switches to exponent notation from 1e21; such floats are integers anyway.
  if (value >= 1e21) return BigInt(value) * 10n ** BigInt(decimals)
  const [intPart, fracPart = ''] = value.toFixed(Math.min(decimals, 20)).split('.')
  const frac = (fracPart + '0'.repeat(decimals)).slice(0, decimals)
  return BigInt(intPart ?? '0') * 10n ** BigInt(decimals) + BigInt(frac === '' ? '0' : frac)
}
