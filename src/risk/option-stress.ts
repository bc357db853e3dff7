/**
 * Option legs under a stress scenario: the underlying's price moved by the scenario (the same
 * multiplier as every other contribution of that risk asset), the implied volatility rolled along
 * the smile and shifted by the scenario's vol shock (`./vol-surface.ts`), the leg repriced.
 * Pure, float64. Time does not pass in a stress (the same years to expiry).
 *
 * - A leg with an implied volatility is repriced in full by Black-Scholes (`black-scholes`).
 * - A leg with given greeks and no volatility is moved by its second-order Taylor expansion,
 *   delta dS + gamma dS^2 / 2 + vega dVol (`taylor`): exact for small moves only, labelled so.
 * - An expired leg is worth its intrinsic value at its settlement price, whatever the scenario.
 */
import type { Contribution } from '../resolve/types.js'
import { blackScholes } from './black-scholes.js'
import type { StressScenario } from './stress.js'
import { type SkewTable, skewOf, stressedVol } from './vol-surface.js'

/** One option leg as the stress engine takes it. Greeks are of the WHOLE leg (size included). */
export interface OptionStressInput {
  /** The layer id the resolver gave the leg (e.g. "option:1:ETH-call-3500-2027-03-26"). */
  id: string
  underlying: string
  type: 'call' | 'put'
  /** USD per unit. */
  strike: number
  /** Years to expiry (>= 0; 0 = expired). */
  years: number
  /** Units of the underlying; negative for a written option. */
  size: number
  /** How its base greeks were had (see `OptionExposure.source`). */
  source: 'given' | 'black-scholes' | 'expired'
  /** Annual implied volatility of the quote (fraction); null when greeks were given instead. */
  impliedVol: number | null
  /** The underlying's price at the analysis, USD per unit. */
  spot: number
  /** Annual continuously compounded risk-free rate. */
  rate: number
  /** The leg's value, USD; null when unknown (greeks given without a price). */
  valueUsd: number | null
  /** delta x size (units of the underlying). */
  delta: number
  /** gamma x size (units per USD). */
  gamma: number
  /** vega x size, USD per 1.00 of volatility. */
  vega: number
  /** The leg's option-delta contribution: its risk asset and path, for the scenario's multiplier. */
  contribution: Pick<Contribution, 'riskAsset' | 'path'>
}

/** One option leg under one scenario. USD floats; greeks of the whole leg. */
export interface StressedOption {
  id: string
  underlying: string
  riskAsset: string
  method: 'black-scholes' | 'taylor' | 'expired'
  /** USD per unit. */
  spotBefore: number
  /** USD per unit. */
  spotShocked: number
  /** Annual, fraction; null without a quoted implied volatility. */
  volBefore: number | null
  /** The smile at the shocked spot plus the vol shock, clamped; null without a quoted vol. */
  volShocked: number | null
  /** The shocked vol was clamped to [0.01, 10]. */
  volClamped: boolean
  /** The scenario's absolute vol shock applied to this leg (0.2 = +20 vol points). */
  volShift: number
  /** USD; null when unknown (greeks given without a price). */
  valueBeforeUsd: number | null
  /** USD; null when the value before is unknown. */
  valueShockedUsd: number | null
  /** valueShocked - valueBefore, USD (known even when the values are not: the Taylor move). */
  changeUsd: number
  /** Greeks at the shocked spot and vol (whole leg); the given ones for a Taylor leg. */
  deltaShocked: number
  gammaShocked: number
  vegaShocked: number
}

/** The absolute vol shock of `riskAsset` in a scenario: its own, else "*", else 0. */
export function volShiftOf(scenario: StressScenario, riskAsset: string): number {
  return scenario.vols?.[riskAsset] ?? scenario.vols?.['*'] ?? 0
}

/** The underlying's price multiplier of an option leg: the scenario's risk-asset shock and depegs on its path. */
function spotMultiplier(c: OptionStressInput['contribution'], scenario: StressScenario): number {
  let m = 1
  if (c.riskAsset !== 'USD') m *= 1 + (scenario.shocks[c.riskAsset] ?? scenario.shocks['*'] ?? 0)
  if (scenario.depegs) for (const symbol of c.path) m *= 1 + (scenario.depegs[symbol] ?? 0)
  return m
}

/** Reprices one option leg under one scenario with the smile of its risk asset from `skews`. */
export function stressOption(
  input: OptionStressInput,
  scenario: StressScenario,
  skews?: SkewTable,
): StressedOption {
  const riskAsset = input.contribution.riskAsset
  const spotShocked = input.spot * spotMultiplier(input.contribution, scenario)
  const volShift = volShiftOf(scenario, riskAsset)
  const base = {
    id: input.id,
    underlying: input.underlying,
    riskAsset,
    spotBefore: input.spot,
    spotShocked,
    volShift,
  }
  if (input.source === 'expired' || input.years <= 0) {
    return {
      ...base,
      method: 'expired',
      volBefore: null,
      volShocked: null,
      volClamped: false,
      valueBeforeUsd: input.valueUsd,
      valueShockedUsd: input.valueUsd,
      changeUsd: 0,
      deltaShocked: 0,
      gammaShocked: 0,
      vegaShocked: 0,
    }
  }
  const skew = skewOf(skews, riskAsset)
  if (input.impliedVol === null) {
    // No quote: the given greeks, second order in the spot, first in the vol. The smile still
    // moves the vol with the spot, around the money (the leg's strike against the spot).
    const ds = spotShocked - input.spot
    const smileMove =
      skew.slope * (Math.log(input.strike / spotShocked) - Math.log(input.strike / input.spot)) +
      skew.curvature * (Math.log(input.strike / spotShocked) ** 2 - Math.log(input.strike / input.spot) ** 2)
    const dv = volShift + smileMove
    const changeUsd = input.delta * ds + (input.gamma * ds * ds) / 2 + input.vega * dv
    return {
      ...base,
      method: 'taylor',
      volBefore: null,
      volShocked: null,
      volClamped: false,
      valueBeforeUsd: input.valueUsd,
      valueShockedUsd: input.valueUsd === null ? null : input.valueUsd + changeUsd,
      changeUsd,
      deltaShocked: input.delta + input.gamma * ds,
      gammaShocked: input.gamma,
      vegaShocked: input.vega,
    }
  }
  const v = stressedVol({
    impliedVol: input.impliedVol,
    strike: input.strike,
    quoteSpot: input.spot,
    spot: spotShocked,
    volShift,
    skew,
  })
  const g = blackScholes({
    type: input.type,
    spot: spotShocked,
    strike: input.strike,
    years: input.years,
    vol: v.vol,
    rate: input.rate,
  })
  const valueShockedUsd = g.price * input.size
  const valueBeforeUsd = input.valueUsd
  return {
    ...base,
    method: 'black-scholes',
    volBefore: input.impliedVol,
    volShocked: v.vol,
    volClamped: v.clamped,
    valueBeforeUsd,
    valueShockedUsd,
    changeUsd: valueShockedUsd - (valueBeforeUsd ?? 0),
    deltaShocked: g.delta * input.size,
    gammaShocked: g.gamma * input.size,
    vegaShocked: g.vega * input.size,
  }
}
