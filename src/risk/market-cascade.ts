/**
 * A market's borrower positions as cascade inputs for one shocked risk asset. Pure.
 *
 * Per lending position: the units of the shocked asset held as counted collateral (through the
 * asset graph: 1 wstETH = 1.2 ETH on the devchain), its USD-weighted liquidation threshold and
 * bonus, the other counted collateral as LT-equivalent USD that does not move, and the debt
 * (stable, or another asset held fixed). Excluded, with a reason: perps (their liquidation does
 * not sell spot collateral), positions whose debt is in the shocked asset (a carry loop: both
 * sides move together), positions without collateral in the shocked asset.
 * Close rules, from each position's {@link LiquidationRule}: Aave v3.0-v3.2 50%/100% around
 * HF 0.95; Aave v3.3+ the same only when the collateral reserve and the debt reserve a liquidator
 * picks (the largest of each by value, at the read prices) are both >= 2,000 USD, else the whole
 * debt; Morpho the whole debt at its LIF; Compound's absorb as a whole-debt liquidation whose
 * "bonus" is 1 / the liquidation factor; a target-health-factor rule (Aave V4) as one
 * 'target-hf' tranche: the share of the debt a liquidation just below HF 1 repays to restore the
 * target (min bonus, the shocked asset's collateral factor, the dust rule; at least 1e-12 so a
 * target of exactly 1 keeps a valid tranche), at the bonus of that liquidation.
 */
import type { Leg, LiquidationRule, Position } from '../core/types.js'
import type { Contribution } from '../resolve/types.js'
import type { CascadePosition } from './cascade.js'
import {
  aaveSizeAllowsDefaultCloseFactor,
  cometLiquidationFactors,
  isPerpRule,
  reserveLiquidationAccount,
  targetHealthFactorLiquidation,
  unknownLiquidationRule,
} from './liquidation-rule.js'
import type { StressInput } from './stress.js'

/** Why a position is left out of a cascade. */
export interface ExcludedPosition {
  id: string
  reason: 'perp' | 'debt-in-shocked-asset' | 'no-exposure' | 'no-debt'
}

/** The cascade inputs of a market. */
export interface MarketCascadeInputs {
  positions: CascadePosition[]
  excluded: ExcludedPosition[]
  /** The shocked asset's USD price, the median over base-token legs (WETH for ETH); null if none. */
  startPrice: number | null
}

function median(values: number[]): number | null {
  if (values.length === 0) return null
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.floor(sorted.length / 2)] as number
}

/**
 * Compound v3's liquidation factor of a position's collateral legs selected by `pick`, weighted
 * by USD (each collateral is credited at its own factor in `absorb`); 1 when none is known (or
 * the position's rule is not a Comet absorb).
 */
export function compoundLiquidationFactor(p: Position, pick: (leg: Leg, index: number) => boolean): number {
  const rule = p.liquidationRule
  const bySymbol = rule.kind === 'comet-absorb' ? cometLiquidationFactors(rule) : new Map<string, number>()
  let usd = 0
  let weighted = 0
  p.legs.forEach((leg, i) => {
    const lf = bySymbol.get(leg.asset.symbol)
    if (lf === undefined || !pick(leg, i) || leg.usd <= 0) return
    usd += leg.usd
    weighted += leg.usd * lf
  })
  return usd > 0 ? weighted / usd : 1
}

/** Converts positions (with their resolver contributions) into cascade positions for `asset`. */
export function marketCascadeInputs(inputs: readonly StressInput[], asset: string): MarketCascadeInputs {
  const positions: CascadePosition[] = []
  const excluded: ExcludedPosition[] = []
  const prices: number[] = []
  // Fallback when no borrower holds the asset at par (a wstETH/USDC market): the oracle's price
  // per unit of the risk asset implied by the collateral legs (USD / units).
  const implied: number[] = []
  for (const { id, position: p, contributions } of inputs) {
    const rule: LiquidationRule = p.liquidationRule
    if (isPerpRule(rule)) {
      excluded.push({ id, reason: 'perp' })
      continue
    }
    const legContribs = contributions.filter((c) => c.source === 'collateral' || c.source === 'debt')
    let units = 0
    let usdA = 0
    let ltA = 0
    let bonusA = 0
    let otherLtUsd = 0
    let debt = 0
    let largestDebt = 0
    let largestA: Leg | null = null
    let debtInAsset = false
    for (const [i, leg] of p.legs.entries()) {
      const c = legContribs[i] as Contribution | undefined
      if (!c) continue
      if (c.riskAsset === asset && c.path.length === 1 && leg.priceUsd > 0) prices.push(leg.priceUsd)
      if (c.riskAsset === asset && leg.side === 'collateral' && c.units > 0 && leg.usd > 0)
        implied.push(leg.usd / c.units)
      if (leg.side === 'debt') {
        debt += leg.usd
        largestDebt = Math.max(largestDebt, leg.usd)
        if (c.riskAsset === asset) debtInAsset = true
        continue
      }
      if (leg.countsAsCollateral === false || !((leg.liquidationThresholdBps ?? 0) > 0)) continue
      const lt = (leg.liquidationThresholdBps as number) / 10_000
      if (c.riskAsset === asset) {
        units += c.units
        usdA += leg.usd
        ltA += leg.usd * lt
        bonusA += (leg.usd * (leg.liquidationBonusBps ?? 10_000)) / 10_000
        if (largestA === null || leg.usd > largestA.usd) largestA = leg
      } else otherLtUsd += leg.usd * lt
    }
    if (debt <= 0) {
      excluded.push({ id, reason: 'no-debt' })
      continue
    }
    if (debtInAsset) {
      excluded.push({ id, reason: 'debt-in-shocked-asset' })
      continue
    }
    if (units <= 0 || usdA <= 0) {
      excluded.push({ id, reason: 'no-exposure' })
      continue
    }
    const lt = ltA / usdA
    let bonus = bonusA / usdA
    let closeRule: CascadePosition['closeRule'] = 'full'
    let repayShare: number | undefined
    switch (rule.kind) {
      case 'aave-v3-close-factor': {
        // v3.3+ compares the liquidated reserves, not the totals (v3.0: always true).
        const account = reserveLiquidationAccount(p.legs, [], p.healthFactor ?? 1)
        const sized =
          account !== null && aaveSizeAllowsDefaultCloseFactor(rule, account.collateral.usd, account.debt.usd)
        closeRule = sized || rule.version === 'v3.0' ? 'aave-v3.0' : 'full'
        break
      }
      case 'target-health-factor': {
        // The liquidation at the trigger (HF 1): the shocked asset's collateral is then worth
        // (debt - other LT-weighted collateral) / LT.
        const leg = largestA as Leg | null
        const out = targetHealthFactorLiquidation(rule, {
          healthFactor: 1,
          weightedCollateralUsd: debt,
          countedCollateralUsd: (debt - otherLtUsd) / lt + otherLtUsd / lt,
          activeCollateralCount: 2,
          totalDebtUsd: debt,
          borrowCount: 1,
          collateral: {
            legIndex: 0,
            symbol: leg?.asset.symbol ?? asset,
            address: leg?.asset.address ?? null,
            usd: (debt - otherLtUsd) / lt,
            threshold: lt,
            bonus,
          },
          debt: { legIndex: 0, symbol: '', usd: largestDebt },
        })
        closeRule = 'target-hf'
        repayShare = Math.min(1, Math.max(1e-12, out.debtRepaidUsd / debt))
        bonus = out.bonus
        break
      }
      case 'comet-absorb': {
        // Absorb credits each collateral at its own liquidation factor: USD-weighted over the
        // shocked asset's legs.
        const lf = compoundLiquidationFactor(
          p,
          (leg, i) => legContribs[i]?.riskAsset === asset && leg.side === 'collateral',
        )
        bonus = lf > 0 ? 1 / lf : 1
        break
      }
      case 'morpho-blue':
        break
      default:
        unknownLiquidationRule(rule)
    }
    positions.push({
      id,
      collateral: units,
      debtUsd: debt,
      otherCollateralUsd: otherLtUsd / lt,
      liquidationThreshold: lt,
      bonus,
      closeRule,
      ...(repayShare === undefined ? {} : { repayShare }),
    })
  }
  return { positions, excluded, startPrice: median(prices) ?? median(implied) }
}
