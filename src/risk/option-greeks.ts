/**
 * Option greeks summed per risk asset: what a book of option legs adds to the exposure beyond
 * its delta (gamma: how fast the delta moves with the price; vega: what a vol move is worth).
 * Pure, float64.
 */

/** One leg's whole-leg greeks (size included) and the spot they were taken at. */
export interface OptionGreeksLeg {
  riskAsset: string
  /** USD per unit of the underlying; null when no price of it is known. */
  spot: number | null
  /** Units of the underlying. */
  delta: number
  /** Units of the underlying per USD of price move. */
  gamma: number
  /** USD per 1.00 of volatility. */
  vega: number
  /** USD per year; null when unknown (greeks given without theta). */
  theta: number | null
}

/** The option greeks of one risk asset, every leg on it summed. */
export interface OptionGreeksByAsset {
  riskAsset: string
  /** Number of option legs on it. */
  legs: number
  /** Units of the risk asset. */
  delta: number
  /** delta x spot, USD; null when a leg's spot is unknown. */
  deltaUsd: number | null
  /** Units per USD. */
  gamma: number
  /**
   * How much the delta's USD value moves for a +1% move of the underlying: gamma x spot^2 / 100,
   * USD (positive: long gamma, the delta grows with the price); null when a leg's spot is unknown.
   */
  gammaUsdPer1Pct: number | null
  /** USD per 1.00 of volatility. */
  vega: number
  /** USD per vol point (0.01 of volatility): vega / 100. */
  vegaUsdPerVolPoint: number
  /** USD per day: theta / 365; null when a leg's theta is unknown. */
  thetaUsdPerDay: number | null
}

/** Sums the legs' greeks per risk asset, in order of first appearance. */
export function optionGreeksByAsset(legs: readonly OptionGreeksLeg[]): OptionGreeksByAsset[] {
  const out = new Map<string, OptionGreeksByAsset>()
  for (const l of legs) {
    let g = out.get(l.riskAsset)
    if (!g) {
      g = {
        riskAsset: l.riskAsset,
        legs: 0,
        delta: 0,
        deltaUsd: 0,
        gamma: 0,
        gammaUsdPer1Pct: 0,
        vega: 0,
        vegaUsdPerVolPoint: 0,
        thetaUsdPerDay: 0,
      }
      out.set(l.riskAsset, g)
    }
    g.legs += 1
    g.delta += l.delta
    const spot = l.spot
    g.deltaUsd = g.deltaUsd === null || spot === null ? null : g.deltaUsd + l.delta * spot
    g.gamma += l.gamma
    g.gammaUsdPer1Pct =
      g.gammaUsdPer1Pct === null || spot === null ? null : g.gammaUsdPer1Pct + (l.gamma * spot * spot) / 100
    g.vega += l.vega
    g.vegaUsdPerVolPoint += l.vega / 100
    g.thetaUsdPerDay = g.thetaUsdPerDay === null || l.theta === null ? null : g.thetaUsdPerDay + l.theta / 365
  }
  return [...out.values()]
}
