/**
 * European option legs along Monte Carlo paths: an option's value at a path's spot (Black-Scholes
 * at the remaining time, at the volatility of the stress engine's smile rolled with the spot,
 * plus the scenario's vol shift: `stressedVol` of src/risk/vol-surface.ts) or its payoff at
 * expiry. Pure, float64.
 */
import { blackScholes } from './black-scholes.js'
import { MAX_STRESSED_VOL, MIN_STRESSED_VOL, type Skew, stressedVol } from './vol-surface.js'

/** Smile parameters (per unit of ln(K/S), annual vol): the stress engine's {@link Skew}. */
export type McSkew = Skew

/** A European option leg held in the simulated wallet. */
export interface McOption {
  /** Unique id among the options (e.g. "deribit:ETH-27JUN-3000-P"). */
  id: string
  /** The simulated asset it is written on (an {@link McAsset} name). */
  underlying: string
  type: 'call' | 'put'
  /** Strike, USD per unit of the underlying (> 0). */
  strike: number
  /** Units of the underlying; negative for a short option (non-zero). */
  size: number
  /** Time to expiry from now, years (> 0). Expiring within the horizon: settled at its expiry step. */
  expiryYears: number
  /** Implied volatility quoted now at its strike (annual, fraction, > 0). */
  impliedVol: number
  /** Continuously compounded risk-free rate (annual). Default 0. */
  rate?: number
  /** The smile; flat (the quoted vol at every spot) when omitted. */
  skew?: McSkew
  /** Absolute vol shift along the paths (0.2 = +20 vol points), as a stress scenario's. Default 0. */
  volShift?: number
}

/** The lowest and highest volatility an option is priced at along a path (the stress engine's bounds). */
export const MC_OPTION_VOL_BOUNDS = { min: MIN_STRESSED_VOL, max: MAX_STRESSED_VOL } as const

/**
 * The volatility of an option quoted at `impliedVol` (spot `quoteSpot`) when the underlying is at
 * `spot`: `stressedVol` (the smile through the quote rolled to `spot`, plus `volShift`, clamped
 * to {@link MC_OPTION_VOL_BOUNDS}).
 * @param strike, quoteSpot, spot USD per unit (> 0). @returns annual vol, fraction.
 */
export function pathOptionVol(
  impliedVol: number,
  strike: number,
  quoteSpot: number,
  spot: number,
  skew: McSkew | undefined,
  volShift = 0,
): number {
  return stressedVol({ impliedVol, strike, quoteSpot, spot, volShift, ...(skew ? { skew } : {}) }).vol
}

/**
 * Value of the whole leg (size included), USD, when the underlying is at `spot` with `yearsLeft`
 * to expiry: Black-Scholes at {@link pathOptionVol}; at or past expiry (yearsLeft <= 0) the
 * intrinsic value.
 * @param quoteSpot the underlying's price when the implied vol was quoted (USD per unit).
 */
export function optionValueAtSpot(
  option: McOption,
  quoteSpot: number,
  spot: number,
  yearsLeft: number,
): number {
  const vol = pathOptionVol(option.impliedVol, option.strike, quoteSpot, spot, option.skew, option.volShift)
  const r = blackScholes({
    type: option.type,
    spot,
    strike: option.strike,
    years: yearsLeft,
    vol,
    ...(option.rate !== undefined ? { rate: option.rate } : {}),
  })
  return option.size * r.price
}

/** Checks an option leg; @throws RangeError naming the field. */
export function checkMcOption(o: McOption, label: string): void {
  if (!o || typeof o !== 'object') throw new RangeError(`${label} must be an object`)
  if (typeof o.id !== 'string' || o.id === '') throw new RangeError(`${label}.id must be a non-empty string`)
  if (o.type !== 'call' && o.type !== 'put') throw new RangeError(`${label}.type must be "call" or "put"`)
  const positive = (v: unknown, f: string) => {
    if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0)
      throw new RangeError(`${label}.${f} must be a finite number > 0, got ${v}`)
  }
  positive(o.strike, 'strike')
  positive(o.expiryYears, 'expiryYears')
  positive(o.impliedVol, 'impliedVol')
  if (typeof o.size !== 'number' || !Number.isFinite(o.size) || o.size === 0)
    throw new RangeError(`${label}.size must be a finite non-zero number, got ${o.size}`)
  if (o.rate !== undefined && (typeof o.rate !== 'number' || !Number.isFinite(o.rate)))
    throw new RangeError(`${label}.rate must be a finite number, got ${o.rate}`)
  if (o.volShift !== undefined && (typeof o.volShift !== 'number' || !Number.isFinite(o.volShift)))
    throw new RangeError(`${label}.volShift must be a finite number, got ${o.volShift}`)
  if (o.skew !== undefined) {
    const s = o.skew
    if (!s || typeof s !== 'object') throw new RangeError(`${label}.skew must be an object`)
    if (typeof s.slope !== 'number' || !Number.isFinite(s.slope) || Math.abs(s.slope) > 5)
      throw new RangeError(`${label}.skew.slope must be a finite number in [-5, 5], got ${s.slope}`)
    if (typeof s.curvature !== 'number' || !Number.isFinite(s.curvature) || Math.abs(s.curvature) > 20)
      throw new RangeError(`${label}.skew.curvature must be a finite number in [-20, 20], got ${s.curvature}`)
  }
}
