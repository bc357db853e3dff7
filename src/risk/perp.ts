/**
 * Isolated-margin perpetual futures: equity, maintenance requirement and liquidation price, the
 * rule CEX venues share (Binance/Bybit/OKX isolated mode, without tiered brackets or fees).
 * Pure float64; prices in USD per unit, size in units of the asset (> 0), side long/short.
 */

/** An isolated perp position. */
export interface PerpInput {
  side: 'long' | 'short'
  /** Units of the asset (> 0). */
  size: number
  entryPrice: number
  /** Isolated margin posted, USD. */
  margin: number
  /** Maintenance margin rate (0.005 = 0.5% of notional). */
  maintenanceMarginRate: number
  /** Current mark price; the entry price when omitted. */
  markPrice?: number
}

/** Risk of a perp position at its mark price. */
export interface PerpRisk {
  markPrice: number
  /** size * mark, USD. */
  notionalUsd: number
  /** size * (mark - entry) for a long, size * (entry - mark) for a short, USD. */
  unrealizedPnlUsd: number
  /** margin + unrealized pnl, USD. */
  equityUsd: number
  /** maintenanceMarginRate * notional, USD. */
  maintenanceMarginUsd: number
  /** equity / maintenance: below 1 the venue liquidates; null when the requirement is 0. */
  healthFactor: number | null
  /** notional / equity; null when equity <= 0 (the position is gone). */
  leverage: number | null
  /**
   * The mark price at which equity equals the maintenance requirement:
   * long  margin + s(P - E) = m s P  =>  P = (s E - margin) / (s (1 - m));
   * short margin + s(E - P) = m s P  =>  P = (s E + margin) / (s (1 + m)).
   * null when no positive price can reach it (an over-collateralised long).
   */
  liquidationPrice: number | null
}

/** Equity, maintenance, health and liquidation price of an isolated perp. */
export function perpRisk(p: PerpInput): PerpRisk {
  const mark = p.markPrice ?? p.entryPrice
  const dir = p.side === 'long' ? 1 : -1
  const notionalUsd = p.size * mark
  const unrealizedPnlUsd = dir * p.size * (mark - p.entryPrice) + 0 // + 0: no -0 in JSON
  const equityUsd = p.margin + unrealizedPnlUsd
  const maintenanceMarginUsd = p.maintenanceMarginRate * notionalUsd
  const liq =
    p.side === 'long'
      ? (p.size * p.entryPrice - p.margin) / (p.size * (1 - p.maintenanceMarginRate))
      : (p.size * p.entryPrice + p.margin) / (p.size * (1 + p.maintenanceMarginRate))
  return {
    markPrice: mark,
    notionalUsd,
    unrealizedPnlUsd,
    equityUsd,
    maintenanceMarginUsd,
    healthFactor: maintenanceMarginUsd > 0 ? equityUsd / maintenanceMarginUsd : null,
    leverage: equityUsd > 0 ? notionalUsd / equityUsd : null,
    liquidationPrice: liq > 0 ? liq : null,
  }
}
