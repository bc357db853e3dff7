/**
 * Liquidation rules for hand-built test positions. `fixtureRule` reproduces how the engines read
 * such fixtures before positions carried their rule (so the tests' assertions stay as they were):
 * Aave when `details.layout` is "v3.0" or "v3.3", Comet absorb for protocol "compound-v3" with
 * `details.collaterals`, GMX for protocol "gmx-v2", every other perp a notional-scaled
 * maintenance of `details.maintenanceMarginUsd` (0 when absent), every other lending position
 * Morpho's whole-debt rule. The builders are the adapters' own.
 */
import { isolatedMaintenanceRule } from '../../src/core/liquidation-rule.js'
import type {
  AaveV3CloseFactorRule,
  LiquidationRule,
  MorphoBlueLiquidationRule,
  Position,
} from '../../src/core/types.js'
import { aaveV3LiquidationRule } from '../../src/protocols/aave-v3/position.js'
import { morphoBlueLiquidationRule } from '../../src/protocols/morpho-blue/position.js'

/** A USD base currency as Aave v3 markets report it: 1e8 units, priced 1 USD (8 decimals). */
export const USD_BASE = {
  unit: 100_000_000n,
  priceInUsd: 100_000_000n,
  networkBaseTokenPriceInUsd: 300_000_000_000n,
  networkBaseTokenPriceDecimals: 8,
} as const

/** Aave v3 on USD base at `layout`. */
export const aaveRule = (layout: 'v3.0' | 'v3.3'): AaveV3CloseFactorRule =>
  aaveV3LiquidationRule(layout, USD_BASE)

/** Morpho Blue at LLTV 86% (the LIF follows: 1 / (1 - 0.3 x 0.14)). */
export const morphoRule = (): MorphoBlueLiquidationRule => morphoBlueLiquidationRule(860_000_000_000_000_000n)

/** The rule a fixture of `protocol`, `kind` and `details` stood for (see the file's note). */
export function fixtureRule(
  protocol: string,
  kind: Position['kind'],
  details: Record<string, unknown> = {},
): LiquidationRule {
  const maintenance = typeof details.maintenanceMarginUsd === 'number' ? details.maintenanceMarginUsd : 0
  if (kind === 'perp') {
    if (protocol === 'gmx-v2')
      return {
        kind: 'gmx-min-collateral',
        minCollateralUsd: 1,
        minCollateralUsdForLeverage: maintenance,
        minCollateralFactor: null,
        maintenanceMarginUsd: maintenance,
        negativeEquityFloored: true,
      }
    return isolatedMaintenanceRule(0, maintenance)
  }
  if (details.layout === 'v3.0' || details.layout === 'v3.3') return aaveRule(details.layout)
  if (protocol === 'compound-v3') {
    const collaterals = (details.collaterals ?? []) as { symbol: string; liquidationFactorBps: number }[]
    return {
      kind: 'comet-absorb',
      collaterals: collaterals.map((c) => ({
        asset: '0x0',
        symbol: c.symbol,
        liquidationFactorBps: c.liquidationFactorBps,
      })),
    }
  }
  return morphoRule()
}
