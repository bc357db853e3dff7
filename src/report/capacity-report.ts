/**
 * The capacity (safe size) use case: a wallet read, its positions as stress inputs, the shock
 * (optionally deepened by the market cascade of the wallet's own markets, or by the chain's systemic
 * cascade), and per position the
 * room to borrow or loop at the target health factor, or the deleverage the shock calls for.
 */
import { BaseError } from '../core/errors.js'
import type { UnresolvedLayer } from '../resolve/types.js'
import { type PositionCapacity, validateTargetHealthFactor, walletCapacity } from '../risk/capacity.js'
import type { StressScenario } from '../risk/stress.js'
import { resolveWalletRead } from './exposure-report.js'
import { marketCascadeReport } from './market-cascade-report.js'
import type { ReportSources } from './report-sources.js'
import { budgetFields } from './request-budget.js'
import { scenariosOf, stressInputs } from './stress-report.js'
import { systemicCascadeReport } from './systemic-cascade-report.js'
import { type ReadWalletReportParams, readWalletReport, type WalletRead } from './wallet-report.js'

/** How the shock is carried further: not at all, by the wallet's markets' cascades, or systemically. */
export const CAPACITY_CASCADES = ['none', 'market', 'systemic'] as const
/** A cascade mode of {@link capacityReport}. */
export type CapacityCascade = (typeof CAPACITY_CASCADES)[number]
/** The `market` of a {@link CapacityCascadeMarket} row that stands for a chain's systemic cascade. */
export const SYSTEMIC_MARKET = 'systemic'
/** Default target health factor of a capacity question. */
export const DEFAULT_CAPACITY_HEALTH_FACTOR = 1.1

/** Params of {@link capacityReport}. */
export interface CapacityReportParams extends ReadWalletReportParams {
  /** Risk-asset moves, relative (ETH: -0.3); none: the read's prices. */
  shocks?: Record<string, number> | undefined
  /** Default none. */
  cascade?: CapacityCascade | undefined
  /** Target health factor after the shock, in (1, 100] (default 1.1). */
  healthFactor?: number | undefined
}

/** One market's cascade of one shocked asset, as the capacity used it (or why not). */
export type CapacityCascadeMarket =
  | { chain: string; market: string; asset: string; initialShock: number; finalShock: number; rounds: number }
  | { chain: string; market: string; asset: string; skipped: string }

/** A wallet's capacity with the wallet answer's header. */
export type CapacityReport = WalletRead['pinned'] & {
  chains: WalletRead['chains']
  targetHealthFactor: number
  /** The request's shocks (matched to the wallet's risk-asset names). */
  shocks: Record<string, number>
  cascade: CapacityCascade
  withoutCascade: PositionCapacity[]
  /**
   * With cascade=market: the shocks deepened to the deepest final shock of the wallet's markets;
   * with cascade=systemic: to the final DEX move of each of its chains' systemic cascade (rows with
   * market {@link SYSTEMIC_MARKET}).
   */
  withCascade: {
    shocks: Record<string, number>
    markets: CapacityCascadeMarket[]
    positions: PositionCapacity[]
  } | null
  unresolved: UnresolvedLayer[]
  model: string
}

/**
 * Reads a wallet and sizes each position under the shock.
 * @throws BaseError INVALID_REQUEST for a bad target or an unknown risk asset; upstream errors of
 *   the cascade reads.
 */
export async function capacityReport(
  sources: ReportSources,
  params: CapacityReportParams,
): Promise<CapacityReport> {
  const t = params.healthFactor ?? DEFAULT_CAPACITY_HEALTH_FACTOR
  try {
    validateTargetHealthFactor(t)
  } catch (err) {
    throw new BaseError('INVALID_REQUEST', (err as Error).message)
  }
  const cascade = params.cascade ?? 'none'
  const read = await readWalletReport(sources, params)
  const exposure = resolveWalletRead(sources, read)
  const [scenario] = scenariosOf(exposure, params.shocks ?? {}, undefined) as [StressScenario]
  const inputs = stressInputs(exposure, read.positions)
  const withoutCascade = walletCapacity(inputs, scenario, t)

  let withCascade: CapacityReport['withCascade'] = null
  const targets = inputs.filter((i) => i.position.kind === 'lending' && i.position.debtUsd > 0)
  const blockPin = read.pinned.blockNumber === null ? {} : { blockNumber: BigInt(read.pinned.blockNumber) }
  if (cascade === 'systemic') {
    // One systemic cascade per (chain, shocked asset): every enumerated market of the chain in one
    // fixed point; the shock deepened to its final DEX move.
    const markets: CapacityCascadeMarket[] = []
    const deepened: Record<string, number> = { ...scenario.shocks }
    const chains = [...new Set(targets.map((i) => i.position.chain))]
    for (const [asset, shock] of Object.entries(scenario.shocks)) {
      if (asset === '*' || !(shock < 0)) continue
      for (const chain of chains) {
        try {
          const r = await systemicCascadeReport(sources, {
            chain,
            asset: asset.toUpperCase(),
            shocks: [shock],
            depth: 'auto',
            ...blockPin,
            ...budgetFields(params),
          })
          const point = r.points[0]
          if (!point) throw new BaseError('INVALID_REQUEST', 'the systemic cascade gave no point')
          markets.push({
            chain,
            market: SYSTEMIC_MARKET,
            asset,
            initialShock: point.initialShock,
            finalShock: point.finalShock,
            rounds: point.rounds,
          })
          if (point.finalShock < (deepened[asset] as number)) deepened[asset] = point.finalShock
        } catch (err) {
          if (!(err instanceof BaseError) || !['INVALID_REQUEST', 'NOT_FOUND'].includes(err.code)) throw err
          markets.push({ chain, market: SYSTEMIC_MARKET, asset, skipped: err.message })
        }
      }
    }
    const cascaded: StressScenario = { name: `${scenario.name} with the systemic cascade`, shocks: deepened }
    withCascade = { shocks: deepened, markets, positions: walletCapacity(inputs, cascaded, t) }
  }
  if (cascade === 'market') {
    const markets: CapacityCascadeMarket[] = []
    const deepened: Record<string, number> = { ...scenario.shocks }
    const seen = new Set<string>()
    for (const [asset, shock] of Object.entries(scenario.shocks)) {
      if (asset === '*' || !(shock < 0)) continue
      for (const { position } of targets) {
        const key = `${position.chain}:${position.market}:${asset}`
        if (seen.has(key)) continue
        seen.add(key)
        try {
          const r = await marketCascadeReport(sources, {
            chain: position.chain,
            market: position.market,
            asset,
            shocks: [shock],
            depth: 'auto',
            ...blockPin,
            ...budgetFields(params),
          })
          const point = r.points[0]
          if (!point) throw new BaseError('INVALID_REQUEST', 'the cascade gave no point')
          markets.push({
            chain: position.chain,
            market: position.market,
            asset,
            initialShock: point.initialShock,
            finalShock: point.finalShock,
            rounds: point.rounds,
          })
          if (point.finalShock < (deepened[asset] as number)) deepened[asset] = point.finalShock
        } catch (err) {
          // A market the cascade cannot run (another protocol, no borrower holding the asset) is
          // listed with its reason; upstream faults fail the request.
          if (!(err instanceof BaseError) || !['INVALID_REQUEST', 'NOT_FOUND'].includes(err.code)) throw err
          markets.push({ chain: position.chain, market: position.market, asset, skipped: err.message })
        }
      }
    }
    const cascaded: StressScenario = { name: `${scenario.name} with the market cascade`, shocks: deepened }
    withCascade = { shocks: deepened, markets, positions: walletCapacity(inputs, cascaded, t) }
  }
  return {
    ...read.pinned,
    chains: read.chains,
    targetHealthFactor: t,
    shocks: { ...scenario.shocks },
    cascade,
    withoutCascade,
    withCascade,
    unresolved: exposure.unresolved,
    model:
      "Per lending position: the borrow (tokens leave the position) or loop (borrowed, swapped at oracle prices, supplied as its largest collateral) that leaves the health factor at the target after the shock, capped by the protocol's LTV now; the deleverage (repay, or sell collateral to repay, and the unwind planner's steps at the shocked prices) when the shock leaves it below. The market cascade deepens each shocked asset to the deepest final shock of the wallet's Aave and Morpho markets (liquidations sold into the DEX depth); the systemic cascade to the final DEX move of the chain's systemic cascade (every enumerated market and perp venue in one fixed point, GET /v1/chains/{chain}/cascade). Not checked: borrow caps, isolation-mode debt ceilings, the market's available liquidity, swap slippage.",
  }
}
