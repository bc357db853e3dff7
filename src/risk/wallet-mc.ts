/**
 * A wallet's positions as Monte Carlo inputs: each position's liquidation rule and equity as
 * linear functions of its risk assets' price multipliers, the assets' volatilities and
 * correlations from the default table (`defaults.ts`) or the request. Pure.
 *
 * Simplifications (reported in `assumptions`): the Aave average LT is not truncated to whole bps;
 * wrappers keep their rate and peg (only risk assets move); a liquidation closes the position
 * with a penalty of (bonus - 1) x the debt repaid at the protocol's close factor (Aave v3.0 50%,
 * Morpho 100%), Aave v3.3+'s per-reserve liquidation at HF 1 (50% of the total debt when the
 * largest collateral and debt reserves are both >= 2,000 USD, else the reserve's debt; dust rule),
 * a target-health-factor liquidation at HF 1 (the debt that restores the target at the min
 * bonus; dust rule), Compound's absorb discount, or a perp's maintenance margin; all at the read
 * prices.
 */
import type { Position } from '../core/types.js'
import type { Contribution } from '../resolve/types.js'
import { type AssetMarketParams, DEFAULT_MARKET_PARAMS, UNLISTED_MARKET_PARAMS } from './defaults.js'
import {
  aaveSizeAllowsDefaultCloseFactor,
  aaveV33ReserveLiquidation,
  isPerpRule,
  maintenanceScalesWithNotional,
  reserveLiquidationAccount,
  targetHealthFactorLiquidation,
} from './liquidation-rule.js'
import { compoundLiquidationFactor } from './market-cascade.js'
import {
  choleskyCorrelation,
  type McAsset,
  type McInput,
  type McJump,
  type McPosition,
} from './montecarlo.js'

/** A position with its resolver id and contributions. */
export interface McPositionInput {
  id: string
  position: Position
  contributions: readonly Contribution[]
}

/** Options of {@link walletMonteCarloInput}. */
export interface WalletMcOptions {
  horizonDays: number
  steps: number
  paths: number
  seed: number | string
  /** Annual volatility overrides per risk asset. */
  volatilities?: Readonly<Record<string, number>>
  /** Merton jumps per risk asset. */
  jumps?: Readonly<Record<string, McJump>>
  /**
   * Risk assets simulated even when no position holds them (e.g. an option leg's underlying),
   * with their price (USD per unit, > 0); a held asset keeps the price its positions give.
   */
  extraAssets?: readonly { name: string; price: number }[]
}

/** The input plus what was assumed to build it. */
export interface WalletMcInput {
  input: McInput
  /** Per asset: price, volatility and where it came from. */
  assets: { name: string; price: number; volatility: number; source: 'default' | 'assumed' | 'request' }[]
  /** True when the table's correlations had to be shrunk to be positive definite. */
  correlationAdjusted: boolean
  assumptions: string[]
}

const add = (m: Record<string, number>, k: string, v: number) => {
  m[k] = (m[k] ?? 0) + v
}

/** The linear liquidation rule, equity and penalty of one position (by its liquidation rule). */
export function mcPosition(p: McPositionInput): McPosition {
  const pos = p.position
  const rule = pos.liquidationRule
  const liq: Record<string, number> = {}
  const eq: Record<string, number> = {}
  let liqConst = 0
  let eqConst = 0
  // Amounts without value (a zero-balance leg) carry no asset into the rules: the simulation
  // only knows assets with a price (see walletMonteCarloInput).
  const valued = (c: Contribution) => c.riskAsset === 'USD' || (c.units !== 0 && c.usd !== 0)
  for (const c of p.contributions) {
    if (!valued(c)) continue
    if (c.riskAsset === 'USD') eqConst += c.usd
    else add(eq, c.riskAsset, c.usd)
  }
  let penalty = 0
  if (isPerpRule(rule)) {
    Object.assign(liq, eq)
    liqConst = eqConst
    const maintenance = rule.maintenanceMarginUsd
    const sized = p.contributions.filter((c) => (c.source === 'long' || c.source === 'short') && valued(c))
    const notional = sized.reduce((a, c) => a + Math.abs(c.usd), 0)
    if (!maintenanceScalesWithNotional(rule) || notional === 0) liqConst -= maintenance
    else for (const c of sized) add(liq, c.riskAsset, (-maintenance * Math.abs(c.usd)) / notional)
    penalty = maintenance
  } else {
    const legContribs = p.contributions.filter((c) => c.source === 'collateral' || c.source === 'debt')
    let debt = 0
    let bonusWeighted = 0
    let counted = 0
    for (const [i, leg] of pos.legs.entries()) {
      const c = legContribs[i]
      if (!c || !valued(c)) continue
      if (
        leg.side === 'collateral' &&
        leg.countsAsCollateral !== false &&
        (leg.liquidationThresholdBps ?? 0) > 0
      ) {
        const v = (leg.usd * (leg.liquidationThresholdBps as number)) / 10_000
        if (c.riskAsset === 'USD') liqConst += v
        else add(liq, c.riskAsset, v)
        counted += leg.usd
        bonusWeighted += (leg.usd * (leg.liquidationBonusBps ?? 10_000)) / 10_000
      } else if (leg.side === 'debt') {
        if (c.riskAsset === 'USD') liqConst -= leg.usd
        else add(liq, c.riskAsset, -leg.usd)
        debt += leg.usd
      }
    }
    if (rule.kind === 'comet-absorb') {
      // Absorb takes every counted collateral and credits it at its own liquidation factor.
      let lost = 0
      for (const leg of pos.legs) {
        if (leg.side !== 'collateral' || leg.countsAsCollateral === false || leg.usd <= 0) continue
        const lf = compoundLiquidationFactor(pos, (l) => l === leg)
        lost += leg.usd * (1 - lf)
      }
      penalty = lost
    } else if (
      rule.kind === 'target-health-factor' ||
      (rule.kind === 'aave-v3-close-factor' && rule.version === 'v3.3')
    ) {
      // Monitored at every step, the position is liquidated as its HF crosses 1: the liquidation
      // of the stress engine at HF 1 (v3.3+: HF > 0.95, so 50% when both chosen reserves are
      // >= 2,000 USD; target HF: the min bonus) at the read prices.
      const account = reserveLiquidationAccount(pos.legs, [], 1)
      if (account !== null) {
        const out =
          rule.kind === 'target-health-factor'
            ? targetHealthFactorLiquidation(rule, { ...account, weightedCollateralUsd: account.totalDebtUsd })
            : aaveV33ReserveLiquidation(rule, account)
        penalty = Math.max(0, out.collateralSeizedUsd - out.debtRepaidUsd)
      }
    } else {
      const bonus = counted > 0 ? bonusWeighted / counted : 1
      // As the stress engine: Aave v3.0 50%; Morpho the whole debt.
      const closeFactor =
        rule.kind === 'aave-v3-close-factor'
          ? (aaveSizeAllowsDefaultCloseFactor(rule, counted, debt)
              ? rule.defaultCloseFactorBps
              : rule.maxCloseFactorBps) / 10_000
          : 1
      penalty = Math.max(0, (bonus - 1) * debt * closeFactor)
    }
    // A position without debt is never liquidated: keep its rule strictly positive.
    if (debt === 0) {
      for (const k of Object.keys(liq)) delete liq[k]
      liqConst = 1
    }
  }
  return {
    id: p.id,
    liqCoeffs: liq,
    liqConst,
    equityCoeffs: eq,
    equityConst: eqConst,
    liquidationPenaltyUsd: penalty,
  }
}

function paramsOf(name: string): { p: AssetMarketParams; listed: boolean } {
  const listed = DEFAULT_MARKET_PARAMS[name.toUpperCase()]
  return { p: listed ?? UNLISTED_MARKET_PARAMS, listed: listed !== undefined }
}

/**
 * The correlation of two risk assets from the table: ETH-BTC as listed; an asset with ETH or BTC
 * as its listed correlation; two others through ETH (one-factor: corrEth_a x corrEth_b).
 */
export function tableCorrelation(a: string, b: string): number {
  if (a === b) return 1
  const A = a.toUpperCase()
  const B = b.toUpperCase()
  const pa = paramsOf(A).p
  const pb = paramsOf(B).p
  if (B === 'ETH') return pa.corrEth
  if (A === 'ETH') return pb.corrEth
  if (B === 'BTC') return pa.corrBtc
  if (A === 'BTC') return pb.corrBtc
  return pa.corrEth * pb.corrEth
}

/** Builds the Monte Carlo input of a wallet. @throws RangeError on bad options. */
export function walletMonteCarloInput(
  positions: readonly McPositionInput[],
  options: WalletMcOptions,
): WalletMcInput {
  const units = new Map<string, number>()
  const usd = new Map<string, number>()
  for (const p of positions)
    for (const c of p.contributions) {
      if (c.riskAsset === 'USD' || c.units === 0 || c.usd === 0) continue
      units.set(c.riskAsset, (units.get(c.riskAsset) ?? 0) + Math.abs(c.units))
      usd.set(c.riskAsset, (usd.get(c.riskAsset) ?? 0) + Math.abs(c.usd))
    }
  for (const a of options.extraAssets ?? [])
    if (a.name !== 'USD' && !units.has(a.name)) {
      units.set(a.name, 1)
      usd.set(a.name, a.price)
    }
  const names = [...units.keys()].sort()
  const assumptions = [
    'Aave average liquidation threshold not truncated to whole bps',
    'only risk assets move: wrappers keep their rate and peg',
    'a liquidation closes the position with a penalty: (bonus - 1) x debt at the close factor (Aave v3.0 50%; v3.3+ per reserve at HF 1), (bonus - 1) x the debt restoring a target health factor, Compound absorb discount, perp maintenance margin',
    'liquidation monitored at every step (discrete monitoring)',
  ]
  const assets: WalletMcInput['assets'] = []
  const mcAssets: McAsset[] = names.map((name) => {
    const given = options.volatilities?.[name] ?? options.volatilities?.[name.toUpperCase()]
    const { p, listed } = paramsOf(name)
    const volatility = given ?? p.volatility
    const price = (usd.get(name) as number) / (units.get(name) as number)
    assets.push({
      name,
      price,
      volatility,
      source: given !== undefined ? 'request' : listed ? 'default' : 'assumed',
    })
    const jump = options.jumps?.[name] ?? options.jumps?.[name.toUpperCase()]
    return { name, price, volatility, ...(jump ? { jump } : {}) }
  })
  let correlation = names.map((a) => names.map((b) => tableCorrelation(a, b)))
  let correlationAdjusted = false
  for (let i = 0; names.length > 0; i += 1) {
    try {
      choleskyCorrelation(correlation, names.length)
      break
    } catch (err) {
      if (i >= 40) throw err
      correlation = correlation.map((row, r) => row.map((v, c) => (r === c ? 1 : v * 0.95)))
      correlationAdjusted = true
    }
  }
  if (names.length === 0) {
    // No risk asset: a dummy USD-like asset with zero volatility keeps the engine's contract.
    mcAssets.push({ name: 'NONE', price: 1, volatility: 0 })
    correlation = [[1]]
    assumptions.push('the wallet holds no risk asset: nothing moves')
  }
  if (correlationAdjusted)
    assumptions.push('the table correlations were shrunk toward 0 to be positive definite')
  return {
    input: {
      assets: mcAssets,
      correlation,
      positions: positions.map(mcPosition),
      horizonDays: options.horizonDays,
      steps: options.steps,
      paths: options.paths,
      seed: options.seed,
    },
    assets,
    correlationAdjusted,
    assumptions,
  }
}
