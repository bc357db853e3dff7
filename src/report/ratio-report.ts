/**
 * The liquidation ratios of a wallet read: for each lending position whose collateral and debt
 * resolve to the same risk asset, the collateral/debt price ratio at which it is liquidated
 * ({@link ratioLiquidations}), keyed by the position's index in the read's `positions`.
 */
import { type RatioLiquidation, ratioLiquidations } from '../risk/ratio-liquidation.js'
import { resolveWalletRead } from './exposure-report.js'
import type { ReportSources } from './report-sources.js'
import { stressInputs } from './stress-report.js'
import type { WalletRead } from './wallet-report.js'

/**
 * The liquidation ratios of every readable position of `read`, one list per row of
 * `read.positions` (empty for unavailable rows, perps and positions without a correlated pair).
 */
export function walletLiquidationRatios(sources: ReportSources, read: WalletRead): RatioLiquidation[][] {
  const exposure = resolveWalletRead(sources, read)
  const inputs = stressInputs(exposure, read.positions)
  const byPosition = new Map(inputs.map((i) => [i.position, i]))
  return read.positions.map((p) => {
    const input = p.status === 'ok' ? byPosition.get(p) : undefined
    return input ? ratioLiquidations(input) : []
  })
}
