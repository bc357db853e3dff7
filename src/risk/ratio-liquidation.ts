/**
 * Liquidation as a ratio for correlated pairs: a lending position whose collateral and debt
 * resolve to the same risk asset (wstETH against WETH: both ETH) is not liquidated by the USD
 * price of either leg while both track that asset, but by the ratio of the two (the wrapper's
 * depeg, or the oracle's exchange rate). Pure, float64 (USD floats, unitless ratios).
 *
 * The boundary comes from the protocol's own rule as the adapter computed it: the collateral's
 * {@link LiquidationPrice} (the Pool's integer formula searched over integer oracle prices on
 * Aave, the oracle price on Morpho, ... every other price held at the read) divided by the debt's
 * current USD price. With every other price fixed, the collateral price IS the ratio times the
 * debt price, so the served ratio, set on chain (the collateral's feed moved to ratio x debt
 * price), is where the protocol's health factor crosses 1.
 */
import type { Address } from '../core/address.js'
import type { LiquidationPrice } from '../core/types.js'
import type { Contribution } from '../resolve/types.js'
import { isPerpRule } from './liquidation-rule.js'
import type { StressInput } from './stress.js'

/** One correlated pair of a lending position and the ratio that liquidates it. */
export interface RatioLiquidation {
  /** The risk asset both legs resolve to (ETH for wstETH and WETH; USD for two stablecoins). */
  riskAsset: string
  collateral: { symbol: string; asset: Address | null }
  debt: { symbol: string; asset: Address | null }
  /** Collateral USD price / debt USD price at the read, unitless float (1.18 WETH per wstETH). */
  currentRatio: number
  /**
   * The ratio at which the health factor reaches 1 with every other price held at the read
   * (the debt's included), unitless float; null when no collateral price can bring it there.
   */
  liquidationRatio: number | null
  /** liquidationRatio / currentRatio - 1: the depeg (negative: the collateral falls against the debt); null with it. */
  depeg: number | null
  /** The collateral's USD price at that ratio (the adapter's exact liquidation price), float; null with it. */
  collateralPrice: number | null
  /** The debt's USD price held fixed, float. */
  debtPrice: number
}

/**
 * The correlated pairs of one position (a counted collateral leg and a debt leg of two different
 * tokens resolving to the same risk asset) with their liquidation ratios. Perps have none. The
 * contributions are the resolver's, legs first in leg order (as {@link StressInput} carries them).
 */
export function ratioLiquidations(input: StressInput): RatioLiquidation[] {
  const p = input.position
  if (isPerpRule(p.liquidationRule) || p.healthFactor === null) return []
  const legContribs = input.contributions.filter((c) => c.source !== 'financing' && c.source !== 'margin')
  const riskOf = (i: number): Contribution | undefined => legContribs[i]
  const out: RatioLiquidation[] = []
  for (const [i, c] of p.legs.entries()) {
    if (c.side !== 'collateral' || c.countsAsCollateral === false || !((c.liquidationThresholdBps ?? 0) > 0))
      continue
    const cRisk = riskOf(i)
    if (!cRisk || cRisk.flags.unknown || cRisk.flags.rateUnavailable) continue
    for (const [j, d] of p.legs.entries()) {
      if (d.side !== 'debt' || sameToken(c.asset, d.asset)) continue
      const dRisk = riskOf(j)
      if (!dRisk || dRisk.riskAsset !== cRisk.riskAsset || dRisk.flags.unknown) continue
      if (!(d.priceUsd > 0) || !(c.priceUsd > 0)) continue
      const lp = collateralLiquidationPrice(p.liquidationPrices, c.asset)
      const price = lp?.price ?? null
      const currentRatio = c.priceUsd / d.priceUsd
      const liquidationRatio = price === null ? null : price / d.priceUsd
      out.push({
        riskAsset: cRisk.riskAsset,
        collateral: { symbol: c.asset.symbol, asset: c.asset.address },
        debt: { symbol: d.asset.symbol, asset: d.asset.address },
        currentRatio,
        liquidationRatio,
        depeg: liquidationRatio === null ? null : liquidationRatio / currentRatio - 1,
        collateralPrice: price,
        debtPrice: d.priceUsd,
      })
    }
  }
  return out
}

function sameToken(
  a: { address: Address | null; symbol: string },
  b: { address: Address | null; symbol: string },
) {
  if (a.address !== null && b.address !== null) return a.address.toLowerCase() === b.address.toLowerCase()
  return a.symbol === b.symbol
}

function collateralLiquidationPrice(
  prices: readonly LiquidationPrice[],
  asset: { address: Address | null; symbol: string },
): LiquidationPrice | undefined {
  return prices.find(
    (lp) =>
      lp.side === 'collateral' &&
      (asset.address !== null && lp.asset !== null
        ? lp.asset.toLowerCase() === asset.address.toLowerCase()
        : lp.symbol === asset.symbol),
  )
}
