/**
 * Default market parameters: annualised volatilities and correlations to ETH and BTC per risk
 * asset, and the betas they imply. Shared by the resolver (aggregate beta) and the risk engine
 * (Monte Carlo). Every figure is a ROUNDED LONG-RUN ESTIMATE of daily log returns, annualised
 * with sqrt(365), of the kind public dashboards show for 2023-2025 — a starting point, not a
 * forecast. Every request can override them.
 *
 * Beta of asset a to market m (the regression slope of a's returns on m's):
 * `beta(a, m) = corr(a, m) * vol(a) / vol(m)`.
 */

/** Volatility and correlations of one risk asset; floats, annualised (0.65 = 65% a year). */
export interface AssetMarketParams {
  /** Annualised volatility of log returns. */
  volatility: number
  /** Correlation of daily log returns with ETH's, in [-1, 1]. */
  corrEth: number
  /** Correlation of daily log returns with BTC's, in [-1, 1]. */
  corrBtc: number
}

/** The default table, keyed by risk asset (upper-case symbols; USD is the numeraire). */
export const DEFAULT_MARKET_PARAMS: Readonly<Record<string, AssetMarketParams>> = {
  USD: { volatility: 0, corrEth: 0, corrBtc: 0 },
  ETH: { volatility: 0.65, corrEth: 1, corrBtc: 0.8 },
  BTC: { volatility: 0.5, corrEth: 0.8, corrBtc: 1 },
  SOL: { volatility: 0.85, corrEth: 0.7, corrBtc: 0.65 },
  LINK: { volatility: 0.8, corrEth: 0.75, corrBtc: 0.65 },
  AAVE: { volatility: 0.85, corrEth: 0.7, corrBtc: 0.6 },
  UNI: { volatility: 0.85, corrEth: 0.7, corrBtc: 0.6 },
  ARB: { volatility: 0.95, corrEth: 0.7, corrBtc: 0.6 },
  OP: { volatility: 0.95, corrEth: 0.7, corrBtc: 0.6 },
  POL: { volatility: 0.85, corrEth: 0.7, corrBtc: 0.6 },
  HYPE: { volatility: 1, corrEth: 0.5, corrBtc: 0.5 },
}

/**
 * What an asset missing from the table is assumed to be: a volatile altcoin (100% a year,
 * correlation 0.6 to ETH and BTC). Reported as assumed wherever it is used.
 */
export const UNLISTED_MARKET_PARAMS: AssetMarketParams = { volatility: 1, corrEth: 0.6, corrBtc: 0.6 }

/** Betas of one risk asset to ETH and to BTC (floats). */
export interface AssetBeta {
  ETH: number
  BTC: number
}

/** A beta per risk asset; request overrides are merged over {@link defaultBeta}. */
export type BetaTable = Readonly<Record<string, AssetBeta>>

/**
 * The beta of a risk asset implied by {@link DEFAULT_MARKET_PARAMS}, or by
 * {@link UNLISTED_MARKET_PARAMS} (then `assumed` is true).
 */
export function defaultBeta(riskAsset: string): { beta: AssetBeta; assumed: boolean } {
  const eth = DEFAULT_MARKET_PARAMS.ETH as AssetMarketParams
  const btc = DEFAULT_MARKET_PARAMS.BTC as AssetMarketParams
  const listed = DEFAULT_MARKET_PARAMS[riskAsset.toUpperCase()]
  const p = listed ?? UNLISTED_MARKET_PARAMS
  return {
    beta: {
      ETH: (p.corrEth * p.volatility) / eth.volatility,
      BTC: (p.corrBtc * p.volatility) / btc.volatility,
    },
    assumed: listed === undefined,
  }
}
