/**
 * The smile and the stressed vol against hand computations (log-moneyness evaluated by hand,
 * to 12 digits): x = ln(2500/3000) = -0.182321556794, x^2 = 0.033241150...;
 * x1 = ln(2500/2100) = 0.174353387145.
 */
import { describe, expect, it } from 'vitest'
import {
  atmVolOfQuote,
  DEFAULT_SKEW,
  MAX_STRESSED_VOL,
  MIN_STRESSED_VOL,
  skewOf,
  smileVol,
  stressedVol,
} from '../../../src/risk/vol-surface.js'

const skew = { slope: -0.2, curvature: 0.5 }

describe('smileVol', () => {
  it('atmVol + slope ln(K/S) + curvature ln(K/S)^2: 0.6 - 0.2 x + 0.5 x^2 at K/S = 5/6 is 0.653084886395', () => {
    expect(smileVol(0.6, 2500, 3000, skew)).toBeCloseTo(0.653084886395, 12)
  })
  it('is the ATM vol at the money, whatever the skew', () => {
    expect(smileVol(0.55, 3000, 3000, skew)).toBe(0.55)
  })
  it('atmVolOfQuote inverts it: the smile through (K, S, IV) gives IV back at K', () => {
    const atm = atmVolOfQuote(0.7, 2500, 3000, skew)
    expect(atm).toBeCloseTo(0.646915113605, 12) // 0.7 + 0.2 x - 0.5 x^2
    expect(smileVol(atm, 2500, 3000, skew)).toBeCloseTo(0.7, 14)
  })
})

describe('stressedVol', () => {
  it('the quote itself at the quote spot without a shift, under any skew', () => {
    expect(stressedVol({ impliedVol: 0.7, strike: 2500, quoteSpot: 3000, spot: 3000, skew })).toEqual({
      vol: 0.7,
      clamped: false,
    })
  })
  it('flat default: the quote plus the shift, whatever the spot', () => {
    const v = stressedVol({ impliedVol: 0.6, strike: 3500, quoteSpot: 3000, spot: 2100, volShift: 0.2 })
    expect(v.vol).toBeCloseTo(0.8, 15)
    expect(v.clamped).toBe(false)
  })
  it('rolls along the smile with the spot (sticky moneyness), then shifts: 0.827243987981 by hand', () => {
    // atm = 0.646915113605; at S = 2100: atm - 0.2 x1 + 0.5 x1^2 + 0.2
    const v = stressedVol({ impliedVol: 0.7, strike: 2500, quoteSpot: 3000, spot: 2100, volShift: 0.2, skew })
    expect(v.vol).toBeCloseTo(0.827243987981, 12)
  })
  it('clamps to [MIN_STRESSED_VOL, MAX_STRESSED_VOL] and says so', () => {
    expect(
      stressedVol({ impliedVol: 0.3, strike: 3000, quoteSpot: 3000, spot: 3000, volShift: -0.5 }),
    ).toEqual({
      vol: MIN_STRESSED_VOL,
      clamped: true,
    })
    expect(stressedVol({ impliedVol: 6, strike: 3000, quoteSpot: 3000, spot: 3000, volShift: 5 })).toEqual({
      vol: MAX_STRESSED_VOL,
      clamped: true,
    })
  })
})

describe('skewOf', () => {
  it('own entry, else "*", else flat', () => {
    const table = { ETH: skew, '*': { slope: -0.1, curvature: 0 } }
    expect(skewOf(table, 'ETH')).toBe(skew)
    expect(skewOf(table, 'BTC')).toEqual({ slope: -0.1, curvature: 0 })
    expect(skewOf({}, 'BTC')).toBe(DEFAULT_SKEW)
    expect(skewOf(undefined, 'ETH')).toBe(DEFAULT_SKEW)
  })
})
