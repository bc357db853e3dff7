/**
 * The monitor's deep read of one wallet on one chain, through the report use cases: the wallet
 * report (every position, smart accounts included), and when the watch's rules ask for them the
 * resolver's effective leverage, the cascade-inclusive liquidation shock of each asked asset
 * (the market cascade's per-wallet view, over every market the wallet borrows in) and Monte Carlo
 * P(liquidation) per asked horizon.
 */
import { type Deadline, remainingMs } from '../../chains/deadline.js'
import type { Address } from '../../core/address.js'
import { BaseError, UpstreamTimeoutError } from '../../core/errors.js'
import type { PositionResult } from '../../core/types.js'
import { resolveWalletRead } from '../../report/exposure-report.js'
import { DEFAULT_CASCADE_SHOCKS, marketCascadeReport } from '../../report/market-cascade-report.js'
import type { ReportSources } from '../../report/report-sources.js'
import { stressInputs } from '../../report/stress-report.js'
import { readWalletReport } from '../../report/wallet-report.js'
import { runMonteCarlo } from '../../risk/montecarlo.js'
import { walletMonteCarloInput } from '../../risk/wallet-mc.js'
import type { WatchRule } from '../types.js'
import type { PositionView } from './rules.js'

/** Which deep metrics a set of rules needs. */
export interface DeepNeeds {
  /** Rules over the positions' details (liquidation distances, changes of size). */
  positions: boolean
  exposure: boolean
  /** Risk assets of cascadeShock rules. */
  cascadeAssets: string[]
  /** Horizons (days) of liquidationProbability rules. */
  mcHorizons: number[]
}

/** The deep metrics `rules` need (nothing beyond positions for HF, distance, changes, unavailable). */
export function deepNeedsOf(rules: readonly WatchRule[]): DeepNeeds {
  const cascadeAssets = new Set<string>()
  const mcHorizons = new Set<number>()
  let exposure = false
  let positions = false
  for (const r of rules) {
    if (r.metric === 'liquidationDistance' || r.metric === 'positionChange') positions = true
    if (r.metric === 'effectiveLeverage') exposure = true
    if (r.metric === 'cascadeShock') cascadeAssets.add(r.asset)
    if (r.metric === 'liquidationProbability') mcHorizons.add(r.horizonDays)
  }
  return {
    positions,
    exposure,
    cascadeAssets: [...cascadeAssets].sort(),
    mcHorizons: [...mcHorizons].sort((a, b) => a - b),
  }
}

/** Union of several watches' needs (one deep read serves every watch of the wallet). */
export function mergeNeeds(all: readonly DeepNeeds[]): DeepNeeds {
  return {
    positions: all.some((n) => n.positions),
    exposure: all.some((n) => n.exposure),
    cascadeAssets: [...new Set(all.flatMap((n) => n.cascadeAssets))].sort(),
    mcHorizons: [...new Set(all.flatMap((n) => n.mcHorizons))].sort((a, b) => a - b),
  }
}

/** True when `needs` asks for any metric beyond the positions. */
export function needsDeepMetrics(needs: DeepNeeds): boolean {
  return needs.exposure || needs.cascadeAssets.length > 0 || needs.mcHorizons.length > 0
}

/** Paths of the monitor's Monte Carlo (seed 1): a standard error of at most 0.5 % on P. */
export const MONITOR_MC_PATHS = 10_000

/** What a deep read found. */
export interface DeepRead {
  block: bigint
  positions: PositionView[]
  /** Present when asked: the resolver's effective leverage (null without equity). */
  effectiveLeverage?: number | null
  cascadeShock?: Record<string, number | null>
  liquidationProbability?: Record<string, number | null>
}

/**
 * A position row as the rules see it. Keys: `protocol:market`, plus `@account` when a smart
 * account of `owner` holds it. Collateral-side liquidation distances as positive fractions (a
 * position already past its liquidation price has distance 0).
 */
export function positionView(p: PositionResult, owner: Address): PositionView {
  const held =
    p.account && p.account.toLowerCase() !== owner.toLowerCase() ? `@${p.account.toLowerCase()}` : ''
  const key = `${p.protocol}:${p.market}${held}`
  if (p.status !== 'ok') {
    return {
      key,
      status: 'unavailable',
      healthFactor: null,
      collateralUsd: 0,
      debtUsd: 0,
      collateralDistances: [],
      code: p.code,
      reason: p.reason,
    }
  }
  return {
    key,
    status: 'ok',
    healthFactor: p.healthFactor,
    collateralUsd: p.collateralUsd,
    debtUsd: p.debtUsd,
    collateralDistances: p.liquidationPrices.flatMap((lp) =>
      (lp.side === 'collateral' || lp.side === 'long') && lp.distance !== null
        ? [Math.max(0, -lp.distance)]
        : [],
    ),
  }
}

/** Params of {@link deepReadWallet}. */
export interface DeepReadWalletParams {
  address: Address
  chain: string
  needs: DeepNeeds
  /** Bounds every upstream call of the read (the tick's deep-read budget). */
  deadline?: Deadline | undefined
}

/**
 * Reads `address` on `chain` through the wallet report and computes the metrics `needs` asks for.
 * A cascade that cannot be run for a market (a protocol the market cascade does not cover, no
 * collateral in the asset) leaves that market out; no market at all: null (nothing liquidates).
 * @throws the wallet report's errors (RPC faults): the caller retries at the next tick.
 */
export async function deepReadWallet(
  sources: ReportSources,
  params: DeepReadWalletParams,
): Promise<DeepRead> {
  const { address, chain, needs, deadline } = params
  const budget = deadline ? { deadline } : {}
  const read = await readWalletReport(sources, { address, chain, ...budget })
  const block = BigInt(read.pinned.blockNumber ?? 0)
  const out: DeepRead = { block, positions: read.positions.map((p) => positionView(p, address)) }
  if (!needsDeepMetrics(needs)) return out
  const exposure = resolveWalletRead(sources, read)
  if (needs.exposure) {
    const lev = exposure.effectiveLeverage
    out.effectiveLeverage = typeof lev === 'number' && Number.isFinite(lev) ? lev : null
  }
  if (needs.mcHorizons.length > 0) {
    const inputs = stressInputs(exposure, read.positions)
    out.liquidationProbability = {}
    for (const horizonDays of needs.mcHorizons) {
      // A Monte Carlo run is CPU work no signal interrupts: none starts once the budget is spent.
      if (deadline && remainingMs(deadline) <= 0) {
        throw new UpstreamTimeoutError(`the deep read of ${address}`, 'Monte Carlo', deadline.timeoutMs)
      }
      if (inputs.length === 0) {
        out.liquidationProbability[String(horizonDays)] = null
        continue
      }
      const steps = Math.min(10_000, Math.max(1, Math.round(horizonDays * 24)))
      const paths = Math.max(100, Math.min(MONITOR_MC_PATHS, Math.floor(50_000_000 / steps)))
      const built = walletMonteCarloInput(inputs, { horizonDays, steps, paths, seed: 1 })
      out.liquidationProbability[String(horizonDays)] = runMonteCarlo(
        built.input,
      ).walletLiquidationProbability
    }
  }
  if (needs.cascadeAssets.length > 0) {
    out.cascadeShock = {}
    const markets = [
      ...new Set(read.positions.flatMap((p) => (p.status === 'ok' && p.debtUsd > 0 ? [p.market] : []))),
    ]
    for (const asset of needs.cascadeAssets) {
      let best: number | null = null
      for (const market of markets) {
        try {
          const r = await marketCascadeReport(sources, {
            chain,
            market,
            asset,
            shocks: DEFAULT_CASCADE_SHOCKS,
            depth: 'auto',
            wallet: address,
            blockNumber: block,
            ...budget,
          })
          const w = r.wallet
          if (w?.found && w.cascadeShock !== null) {
            const m = Math.abs(w.cascadeShock)
            if (best === null || m < best) best = m
          }
        } catch (err) {
          // A market the cascade does not cover (or without the asset) is no liquidation path.
          if (!(err instanceof BaseError) || !['INVALID_REQUEST', 'NOT_FOUND'].includes(err.code)) throw err
        }
      }
      out.cascadeShock[asset] = best
    }
  }
  return out
}
