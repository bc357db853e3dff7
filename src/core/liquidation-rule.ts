/**
 * Builders of the {@link LiquidationRule}s that belong to no protocol adapter. Pure.
 */
import type { IsolatedMaintenanceRule } from './types.js'

/**
 * The rule of a manual isolated perp (a CEX leg of `POST /v1/analyze`): liquidated when
 * margin + pnl < `maintenanceMarginRate` x notional; a shortfall is the venue's (insurance fund).
 *
 * @param maintenanceMarginRate fraction of the notional (0.005 = 0.5%)
 * @param maintenanceMarginUsd the requirement at the mark price, USD float
 */
export function isolatedMaintenanceRule(
  maintenanceMarginRate: number,
  maintenanceMarginUsd: number,
): IsolatedMaintenanceRule {
  return {
    kind: 'isolated-maintenance',
    maintenanceMarginRate,
    maintenanceMarginUsd,
    negativeEquityFloored: true,
  }
}
