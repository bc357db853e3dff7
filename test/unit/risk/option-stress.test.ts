/**
 * Option legs under stress against the Black-Scholes closed form evaluated by hand (r = 0;
 * N() from erf, independent of src/risk/black-scholes.ts's approximation), and the Taylor
 * expansion computed by hand.
 * - Call K=3500, T=0.25, S=3000, vol 0.6, size 2: value 374.157948423 (delta 0.715980777 for the
 *   leg); at S=2100 (ETH -30%) and vol 0.8 (+20 points): 102.243828254, change -271.914120169.
 * - Written put K=2500, T=0.5, S=3000, vol 0.7, size -1: value -322.747018522; ETH -30%, +20
 *   points, skew slope -0.2 curvature 0.5 (vol 0.827243987981): -751.780855386.
 */
import { describe, expect, it } from 'vitest'
import { type OptionStressInput, stressOption } from '../../../src/risk/option-stress.js'
import type { StressScenario } from '../../../src/risk/stress.js'
import { stressWallet } from '../../../src/risk/stress.js'

const eth = { riskAsset: 'ETH', path: ['ETH'] }
const call: OptionStressInput = {
  id: 'option:1',
  underlying: 'ETH',
  type: 'call',
  strike: 3500,
  years: 0.25,
  size: 2,
  source: 'black-scholes',
  impliedVol: 0.6,
  spot: 3000,
  rate: 0,
  valueUsd: 374.1579484234842,
  delta: 0.7159807773996852,
  gamma: 0.0008297598074465432,
  vega: 1120.1757400528334,
  contribution: eth,
}
const crash: StressScenario = { name: 'ETH -30%, vol +20', shocks: { ETH: -0.3 }, vols: { ETH: 0.2 } }

describe('stressOption', () => {
  it('reprices a call by Black-Scholes at the shocked spot and vol', () => {
    const s = stressOption(call, crash)
    expect(s.method).toBe('black-scholes')
    expect(s.spotShocked).toBeCloseTo(2100, 9)
    expect(s.volShocked).toBeCloseTo(0.8, 15)
    expect(s.valueShockedUsd).toBeCloseTo(102.24382825439005, 8)
    expect(s.changeUsd).toBeCloseTo(-271.91412016909413, 8)
    expect(s.deltaShocked).toBeCloseTo(0.2814516481283126, 9)
    expect(s.gammaShocked).toBeCloseTo(0.0005318086900188496, 12)
    expect(s.vegaShocked).toBeCloseTo(469.05526459662536, 7)
  })

  it('an unmoved scenario leaves the value as it is (change 0 to 1e-9)', () => {
    const s = stressOption(call, { name: 'calm', shocks: {} })
    expect(s.changeUsd).toBeCloseTo(0, 9)
    expect(s.volShocked).toBe(0.6)
  })

  it('a written put under the skew rolls to 0.827243987981 and loses 429.033836864', () => {
    const put: OptionStressInput = {
      ...call,
      type: 'put',
      strike: 2500,
      years: 0.5,
      size: -1,
      impliedVol: 0.7,
      valueUsd: -322.74701852245835,
    }
    const s = stressOption(put, crash, { ETH: { slope: -0.2, curvature: 0.5 } })
    expect(s.volShocked).toBeCloseTo(0.8272439879807962, 12)
    expect(s.valueShockedUsd).toBeCloseTo(-751.780855385734, 8)
    expect(s.changeUsd).toBeCloseTo(-751.780855385734 + 322.74701852245835, 8)
  })

  it('"*" shocks and vols reach an asset not named', () => {
    const s = stressOption(call, { name: 'all', shocks: { '*': -0.3 }, vols: { '*': 0.2 } })
    expect(s.valueShockedUsd).toBeCloseTo(102.24382825439005, 8)
    expect(s.volShift).toBe(0.2)
  })

  it('given greeks: delta dS + gamma dS^2/2 + vega dVol by hand', () => {
    // delta 1.2, gamma 0.002, vega 900 (whole leg); dS = -900, dVol = 0.2:
    // 1.2 x -900 + 0.002 x 810000 / 2 + 900 x 0.2 = -1080 + 810 + 180 = -90
    const given: OptionStressInput = {
      ...call,
      source: 'given',
      impliedVol: null,
      valueUsd: null,
      delta: 1.2,
      gamma: 0.002,
      vega: 900,
    }
    const s = stressOption(given, crash)
    expect(s.method).toBe('taylor')
    expect(s.changeUsd).toBeCloseTo(-90, 9)
    expect(s.valueShockedUsd).toBeNull()
    expect(s.deltaShocked).toBeCloseTo(1.2 - 0.002 * 900, 12)
  })

  it('an expired leg keeps its settled value', () => {
    const s = stressOption({ ...call, source: 'expired', years: 0, valueUsd: 100 }, crash)
    expect(s).toMatchObject({ method: 'expired', valueShockedUsd: 100, changeUsd: 0 })
  })
})

describe('stressWallet with option legs', () => {
  it("counts the options' value before and their change after in the equity", () => {
    const r = stressWallet([], crash, { legs: [call] })
    expect(r.options).toHaveLength(1)
    expect(r.equityBeforeUsd).toBeCloseTo(374.1579484234842, 9)
    expect(r.equityAfterUsd).toBeCloseTo(102.24382825439005, 8)
    expect(r.optionsChangeUsd).toBeCloseTo(-271.91412016909413, 8)
    expect(r.changeUsd).toBeCloseTo(-271.91412016909413, 8)
  })
  it('leaves the result without option fields when no legs are given', () => {
    const r = stressWallet([], crash)
    expect(r.options).toBeUndefined()
    expect(r.optionsChangeUsd).toBeUndefined()
  })
  it('refuses a vol shock outside [-1, 5]', () => {
    expect(() => stressWallet([], { name: 'x', shocks: {}, vols: { ETH: 6 } })).toThrow(/vol shock of ETH/)
    expect(() => stressWallet([], { name: 'x', shocks: {}, vols: { ETH: Number.NaN } })).toThrow(RangeError)
  })
})
