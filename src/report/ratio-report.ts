/**
 * The liquidation ratios of a wallet read: for each lending position whose collateral and debt
 * resolve to the same risk asset, the collateral/debt price ratio at which it is liquidated
 * ({@link ratioLiquidations}), keyed by the position's index in the read's `positions`. Only the
 * resolver's contributions of the positions that may hold a pair are computed (no stacks), so a
 * wallet without borrowing pays nothing for it.
 */
import type { Position } from '../core/types.js'
import { identify, positionContributions, referencePrices } from '../resolve/contributions.js'
import { mayHaveRatio, type RatioLiquidation, ratioLiquidations } from '../risk/ratio-liquidation.js'
import type { ReportSources } from './report-sources.js'
import type { WalletRead } from './wallet-report.js'

/**
 * The liquidation ratios of every readable position of `read`, one list per row of
 * `read.positions` (empty for unavailable rows, perps and positions without a correlated pair).
 */
export function walletLiquidationRatios(sources: ReportSources, read: WalletRead): RatioLiquidation[][] {
  const identified = identify(read.positions.filter((p): p is Position => p.status === 'ok'))
  const ratios = new Map<Position, RatioLiquidation[]>()
  if (identified.some(({ position }) => mayHaveRatio(position))) {
    const { contexts, fallback } = sources.assets.contextsFrom(read.reports)
    const prices = referencePrices(identified, contexts, fallback)
    for (const { id, position } of identified) {
      if (!mayHaveRatio(position)) continue
      const contributions = positionContributions(id, position, contexts[position.chain] ?? fallback, prices)
      ratios.set(position, ratioLiquidations({ id, position, contributions }))
    }
  }
  return read.positions.map((p) => (p.status === 'ok' ? (ratios.get(p) ?? []) : []))
}
