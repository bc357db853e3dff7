/**
 * Black-Scholes(-Merton) prices and greeks of European options. Pure float64.
 * Units: prices in the quote currency (USD), time in years, rates and volatility annualised
 * (0.05 = 5%). vega is per 1.00 of volatility (divide by 100 for per vol point); theta is per
 * year (divide by 365 for per day).
 */

/**
 * Standard normal CDF, to double precision: Hart's rational approximation (1968) in the form given
 * by G. West, "Better approximations to cumulative normal functions" (2005), Figure 2.
 */
export function normCdf(x: number): number {
  const z = Math.abs(x)
  let c: number
  if (z > 37) c = 0
  else {
    const e = Math.exp((-z * z) / 2)
    if (z < 7.07106781186547) {
      let n = 3.52624965998911e-2 * z + 0.700383064443688
      n = n * z + 6.37396220353165
      n = n * z + 33.912866078383
      n = n * z + 112.079291497871
      n = n * z + 221.213596169931
      n = n * z + 220.206867912376
      let d = 8.83883476483184e-2 * z + 1.75566716318264
      d = d * z + 16.064177579207
      d = d * z + 86.7807322029461
      d = d * z + 296.564248779674
      d = d * z + 637.333633378831
      d = d * z + 793.826512519948
      d = d * z + 440.413735824752
      c = (e * n) / d
    } else {
      let f = z + 0.65
      f = z + 4 / f
      f = z + 3 / f
      f = z + 2 / f
      f = z + 1 / f
      c = e / f / 2.506628274631
    }
  }
  return x <= 0 ? c : 1 - c
}

/** Standard normal density. */
export function normPdf(x: number): number {
  return Math.exp((-x * x) / 2) / Math.sqrt(2 * Math.PI)
}

/** Inputs of {@link blackScholes}. */
export interface BlackScholesInput {
  type: 'call' | 'put'
  /** Underlying price. */
  spot: number
  strike: number
  /** Time to expiry, years (> 0). */
  years: number
  /** Annualised volatility (0.6 = 60%). */
  vol: number
  /** Continuously compounded risk-free rate. Default 0. */
  rate?: number
  /** Continuous dividend / carry yield. Default 0. */
  carry?: number
}

/** Price and greeks of ONE option on ONE unit of the underlying. */
export interface BlackScholesResult {
  price: number
  /** dPrice/dSpot. */
  delta: number
  /** d2Price/dSpot2. */
  gamma: number
  /** dPrice/dVol, per 1.00 of volatility. */
  vega: number
  /** dPrice/dt, per year (negative for a long option as time passes). */
  theta: number
}

/**
 * Black-Scholes-Merton price and greeks. At or after expiry (years <= 0) or with zero volatility,
 * returns the intrinsic value with a step delta and zero gamma/vega/theta.
 */
export function blackScholes(input: BlackScholesInput): BlackScholesResult {
  const { type, spot: s, strike: k, years: t, vol: v } = input
  const r = input.rate ?? 0
  const q = input.carry ?? 0
  const sign = type === 'call' ? 1 : -1
  if (t <= 0 || v <= 0) {
    const intrinsic = Math.max(sign * (s - k), 0)
    return { price: intrinsic, delta: intrinsic > 0 ? sign : 0, gamma: 0, vega: 0, theta: 0 }
  }
  const sqrtT = Math.sqrt(t)
  const d1 = (Math.log(s / k) + (r - q + (v * v) / 2) * t) / (v * sqrtT)
  const d2 = d1 - v * sqrtT
  const dq = Math.exp(-q * t)
  const dr = Math.exp(-r * t)
  const price = sign * (s * dq * normCdf(sign * d1) - k * dr * normCdf(sign * d2))
  const delta = sign * dq * normCdf(sign * d1)
  const gamma = (dq * normPdf(d1)) / (s * v * sqrtT)
  const vega = s * dq * normPdf(d1) * sqrtT
  const theta =
    (-s * dq * normPdf(d1) * v) / (2 * sqrtT) -
    sign * r * k * dr * normCdf(sign * d2) +
    sign * q * s * dq * normCdf(sign * d1)
  return { price, delta, gamma, vega, theta }
}
