/**
 * Pendle PT discounting, bigint only: a PT redeems 1:1 for its underlying at maturity and is
 * worth `1 / (1 + y)^t` underlying before, with y the implied annual yield and t the time to
 * maturity in years of 365 days. This is Pendle's own model: its AMM's exchange rate is
 * `exp(lnImpliedRate * t)` with `lnImpliedRate = ln(1 + y)`, and the PT price is its inverse.
 */

import { WAD } from '../core/math.js'

/** Pendle's ONE_YEAR: 365 days, in seconds. */
export const SECONDS_PER_YEAR = 365n * 24n * 60n * 60n

/** Internal precision of the fractional-year power: 1e36. */
const P = 10n ** 36n
/** ln 2 scaled by 1e36, rounded down. */
const LN2_P = 693147180559945309417232121458176568n

/**
 * ln(x / P) * P for x >= P (x >= 1), rounded down to within a few units of 1e-36.
 * x = 2^k * m with m in [1, 2); ln m = 2 atanh(z), z = (m - 1) / (m + 1) <= 1/3.
 */
function lnP(x: bigint): bigint {
  let k = 0n
  let m = x
  while (m >= 2n * P) {
    m /= 2n
    k += 1n
  }
  const z = ((m - P) * P) / (m + P)
  const z2 = (z * z) / P
  let term = z
  let sum = 0n
  for (let i = 1n; term > 0n; i += 2n) {
    sum += term / i
    term = (term * z2) / P
  }
  return k * LN2_P + 2n * sum
}

/** exp(r / P) * P for 0 <= r, Taylor series, each term rounded down. */
function expP(r: bigint): bigint {
  let term = P
  let sum = P
  for (let i = 1n; term > 0n; i += 1n) {
    term = (term * r) / (P * i)
    sum += term
  }
  return sum
}

/**
 * The PT discount factor `1 / (1 + y)^t`, WAD, rounded down.
 *
 * @param impliedYieldWad y, the implied annual yield, WAD (0.1e18 = 10%); must be >= 0.
 * @param secondsToMaturity t in seconds; at or below 0 the PT has matured and the factor is 1e18.
 * @returns Underlying units per PT unit, WAD. Whole years are exact: `floor(1e18 / (1+y)^n)`;
 *   the fractional year goes through `exp(frac * ln(1 + y))` at 1e-36 precision, so the result
 *   is the exact value rounded down except when that value lies within ~1e-34 of a WAD step.
 * @throws RangeError on a negative yield.
 */
export function ptDiscountWadDown(impliedYieldWad: bigint, secondsToMaturity: bigint): bigint {
  if (impliedYieldWad < 0n) throw new RangeError(`ptDiscountWadDown: negative yield ${impliedYieldWad}`)
  if (secondsToMaturity <= 0n || impliedYieldWad === 0n) return WAD
  const base = WAD + impliedYieldWad
  const whole = secondsToMaturity / SECONDS_PER_YEAR
  const rem = secondsToMaturity % SECONDS_PER_YEAR
  // (1 + y)^whole as the exact fraction base^whole / WAD^whole.
  const powNum = base ** whole
  const powDen = WAD ** whole
  // (1 + y)^(rem / year) scaled by P, rounded down (so the discount is at most ~1e-34 high).
  const fracGrowthP = rem === 0n ? P : expP((lnP((base * P) / WAD) * rem) / SECONDS_PER_YEAR)
  // discount = 1 / (powNum / powDen * fracGrowthP / P), in WAD, rounded down.
  return (WAD * powDen * P) / (powNum * fracGrowthP)
}

/**
 * The implied annual yield to maturity of a PT bought at `ptPriceWad` underlying per PT and held
 * to redemption (1:1) in `secondsToMaturity`: `(1 / price)^(year / t) - 1`, Pendle's model
 * inverted (year = {@link SECONDS_PER_YEAR}, 365 days). A PT above par gives a negative yield.
 *
 * @param ptPriceWad Underlying units per PT unit, WAD (0.95e18: 0.95 underlying); must be > 0.
 * @param secondsToMaturity t in seconds; null when <= 0 (matured: no yield left to maturity).
 * @returns Fraction per year (0.1 = 10 %), float64 (ln of the WAD ratio, kept to 1e-18 first).
 * @throws RangeError on a price <= 0.
 */
export function ptImpliedApy(ptPriceWad: bigint, secondsToMaturity: bigint): number | null {
  if (ptPriceWad <= 0n) throw new RangeError(`ptImpliedApy: price must be > 0, got ${ptPriceWad}`)
  if (secondsToMaturity <= 0n) return null
  const price = Number(ptPriceWad) / 1e18
  return Math.expm1((-Math.log(price) * Number(SECONDS_PER_YEAR)) / Number(secondsToMaturity))
}

/**
 * The largest `lnImpliedRate` taken, WAD: 10 (an implied yield of e^10 - 1, about 2.2 million %).
 * Anything above is not a market's rate but garbage, and would cost the series e x 10 terms.
 */
export const MAX_LN_IMPLIED_RATE_WAD = 10n * WAD

/**
 * The implied annual yield of a Pendle market's `lnImpliedRate` (MarketState.lastLnImpliedRate,
 * `ln(1 + y)` in WAD, over Pendle's 365-day year): `y = exp(lnImpliedRate / 1e18) - 1`, WAD,
 * rounded down.
 *
 * @param lnImpliedRateWad ln(1 + y) scaled by 1e18 (the market's uint256 storage value); >= 0.
 * @returns y, WAD (0.08e18 = 8 %). The exponential goes through a Taylor series at 1e-36 with
 *   every term rounded down, so the result is `floor(exp(r) * 1e18) - 1e18` exactly except when
 *   that value lies within ~1e-34 of a WAD step (then it can be one wei lower).
 * @throws RangeError on a negative rate or one above {@link MAX_LN_IMPLIED_RATE_WAD}.
 */
export function impliedYieldFromLnRateWadDown(lnImpliedRateWad: bigint): bigint {
  if (lnImpliedRateWad < 0n || lnImpliedRateWad > MAX_LN_IMPLIED_RATE_WAD)
    throw new RangeError(
      `impliedYieldFromLnRateWadDown: rate ${lnImpliedRateWad} outside [0, ${MAX_LN_IMPLIED_RATE_WAD}]`,
    )
  if (lnImpliedRateWad === 0n) return 0n
  return expP(lnImpliedRateWad * WAD) / WAD - WAD
}
