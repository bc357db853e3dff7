/**
 * What a Morpho Blue position carries besides its legs: its liquidation rule and its market's
 * name for people. Pure.
 */
import { toFloat } from '../../core/math.js'
import type { MorphoBlueLiquidationRule } from '../../core/types.js'
import { liquidationIncentiveFactor } from './math.js'

/**
 * The liquidation rule of a position in a market with liquidation LTV `lltv` (WAD): the whole
 * debt may be repaid, seized = repaid x LIF, bad debt socialised (Morpho.liquidate).
 */
export function morphoBlueLiquidationRule(lltv: bigint): MorphoBlueLiquidationRule {
  return {
    kind: 'morpho-blue',
    lltvWad: lltv,
    liquidationIncentiveFactorWad: liquidationIncentiveFactor(lltv),
    badDebt: 'socialized',
  }
}

/** "collateral/loan LLTV%", e.g. "wstETH/USDC 86.0%" (`lltv` in WAD, one decimal). */
export function morphoMarketLabel(collateralSymbol: string, loanSymbol: string, lltv: bigint): string {
  return `${collateralSymbol}/${loanSymbol} ${(toFloat(lltv, 18) * 100).toFixed(1)}%`
}
