/**
 * A simple volatility smile and how an option's implied volatility moves under a stress: the
 * quadratic-in-log-moneyness smile
 *
 *   vol(K/S) = atmVol + slope x ln(K/S) + curvature x ln(K/S)^2
 *
 * anchored on the option's own quote (its implied volatility at its strike and the quote's spot),
 * rolled with the spot (sticky moneyness: the smile is a function of K/S, so when the spot moves
 * the option slides along it), then shifted by the scenario's absolute vol shock. Pure, float64.
 * Volatilities are annual, as fractions (0.6 = 60%); a "vol point" is 0.01.
 */

/** Smile parameters of one underlying. Both are per unit of ln(K/S), annual vol. */
export interface Skew {
  /** dVol / d ln(K/S) at the money: negative = puts (low strikes) richer, the usual crypto/equity skew. */
  slope: number
  /** d2Vol / d ln(K/S)^2 / 2: positive = both wings richer (a smile). */
  curvature: number
}

/**
 * The default smile: flat (slope 0, curvature 0), so an option keeps its own quoted implied
 * volatility at every spot and only the scenario's vol shock moves it. A request gives its own.
 */
export const DEFAULT_SKEW: Readonly<Skew> = Object.freeze({ slope: 0, curvature: 0 })

/**
 * Smile parameters per risk asset (ETH, BTC, ...); the key "*" applies to every risk asset not
 * named; an asset with neither gets {@link DEFAULT_SKEW}.
 */
export type SkewTable = Readonly<Record<string, Skew>>

/** Bounds of a smile's parameters, inclusive (the request parsers refuse anything outside). */
export const SKEW_LIMITS = { slope: 5, curvature: 20 } as const

/** The lowest volatility a stressed option is priced at (a smile or a shock may push it below). */
export const MIN_STRESSED_VOL = 0.01
/** The highest volatility a stressed option is priced at (1000%). */
export const MAX_STRESSED_VOL = 10

/** The skew of `riskAsset` in `table`: its own, else "*", else {@link DEFAULT_SKEW}. */
export function skewOf(table: SkewTable | undefined, riskAsset: string): Skew {
  return table?.[riskAsset] ?? table?.['*'] ?? DEFAULT_SKEW
}

/**
 * The smile's volatility at `strike` when the underlying is at `spot`:
 * atmVol + slope x ln(K/S) + curvature x ln(K/S)^2 (annual, fraction; not floored).
 * @param strike USD per unit, > 0. @param spot USD per unit, > 0.
 */
export function smileVol(atmVol: number, strike: number, spot: number, skew: Skew): number {
  const x = Math.log(strike / spot)
  return atmVol + skew.slope * x + skew.curvature * x * x
}

/**
 * The at-the-money volatility of the smile that passes through a quote: the `impliedVol` of an
 * option at `strike` when the underlying was at `spot` (annual, fraction).
 */
export function atmVolOfQuote(impliedVol: number, strike: number, spot: number, skew: Skew): number {
  const x = Math.log(strike / spot)
  return impliedVol - skew.slope * x - skew.curvature * x * x
}

/** Params of {@link stressedVol}. */
export interface StressedVolParams {
  /** The option's quoted implied volatility (annual, fraction) at `quoteSpot`. */
  impliedVol: number
  /** USD per unit of the underlying, > 0. */
  strike: number
  /** The underlying's price the quote was taken at, USD, > 0. */
  quoteSpot: number
  /** The underlying's price in the scenario (or along a path), USD, > 0. */
  spot: number
  /** Absolute vol shock of the scenario (0.2 = +20 vol points). Default 0. */
  volShift?: number
  /** The smile; {@link DEFAULT_SKEW} (flat) when omitted. */
  skew?: Skew
}

/** A stressed option's volatility and whether it hit a bound. */
export interface StressedVol {
  /** Annual, fraction, within [{@link MIN_STRESSED_VOL}, {@link MAX_STRESSED_VOL}]. */
  vol: number
  /** The smile plus shock fell outside the bounds and was clamped. */
  clamped: boolean
}

/**
 * The volatility an option quoted at `impliedVol` (strike `strike`, underlying at `quoteSpot`)
 * is priced at when the underlying is at `spot` and vols are shifted by `volShift`: the smile
 * through the quote, rolled to the new spot (sticky moneyness), plus the shift, clamped to
 * [{@link MIN_STRESSED_VOL}, {@link MAX_STRESSED_VOL}]. With `spot === quoteSpot` and no shift it
 * is the quote itself. Pure scalar function: fit for Monte Carlo paths (one call per option per
 * path).
 */
export function stressedVol(params: StressedVolParams): StressedVol {
  const skew = params.skew ?? DEFAULT_SKEW
  const shift = params.volShift ?? 0
  let raw: number
  if (skew.slope === 0 && skew.curvature === 0) raw = params.impliedVol + shift
  else {
    const atm = atmVolOfQuote(params.impliedVol, params.strike, params.quoteSpot, skew)
    raw = smileVol(atm, params.strike, params.spot, skew) + shift
  }
  if (!(raw >= MIN_STRESSED_VOL)) return { vol: MIN_STRESSED_VOL, clamped: true }
  if (raw > MAX_STRESSED_VOL) return { vol: MAX_STRESSED_VOL, clamped: true }
  return { vol: raw, clamped: false }
}
