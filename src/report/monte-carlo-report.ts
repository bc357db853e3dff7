/** The Monte Carlo use case: a wallet read, its positions as simulation inputs, the simulation. */
import { BaseError } from '../core/errors.js'
import type { UnresolvedLayer } from '../resolve/types.js'
import { type McInput, type McJump, type McResult, runMonteCarlo } from '../risk/montecarlo.js'
import { type WalletMcInput, walletMonteCarloInput } from '../risk/wallet-mc.js'
import { resolveWalletRead } from './exposure-report.js'
import { assertKnownKeys, knownRiskAssets } from './known-keys.js'
import type { ReportSources } from './report-sources.js'
import { stressInputs } from './stress-report.js'
import { type ReadWalletReportParams, readWalletReport, type WalletRead } from './wallet-report.js'

/** Limits of one simulation: paths, steps, and their product (the work of one request). */
export const MONTE_CARLO_LIMITS = { paths: 200_000, steps: 10_000, pathSteps: 50_000_000 } as const

/** Params of {@link monteCarloReport}. */
export interface MonteCarloReportParams extends ReadWalletReportParams {
  /** Horizon, days. Default 30. */
  horizonDays?: number | undefined
  /** Simulated paths. Default 10,000. */
  paths?: number | undefined
  /** Time steps over the horizon. Default hourly (at most 10,000). */
  steps?: number | undefined
  /** Seed of the random stream: same seed, same result. Default 1. */
  seed?: number | string | undefined
  /** Annual volatility overrides per risk asset (0.8 = 80%). */
  volatilities?: Record<string, number> | undefined
  /** Merton jumps per risk asset. */
  jumps?: Record<string, McJump> | undefined
  /** Runs the simulation (a worker pool on Node); inline {@link runMonteCarlo} when omitted. */
  runner?: ((input: McInput) => Promise<McResult>) | undefined
}

/** The simulation of a wallet, with the wallet answer's header and what was assumed. */
export type MonteCarloReport = WalletRead['pinned'] &
  McResult & {
    assets: WalletMcInput['assets']
    correlation: number[][]
    assumptions: string[]
    unresolved: UnresolvedLayer[]
  }

/**
 * Reads a wallet and simulates it: correlated GBM of its risk assets (optional Merton jumps),
 * each position's liquidation rule monitored at every step.
 * @throws BaseError INVALID_REQUEST when paths x steps is over {@link MONTE_CARLO_LIMITS}.
 */
export async function monteCarloReport(
  sources: ReportSources,
  params: MonteCarloReportParams,
): Promise<MonteCarloReport> {
  const horizonDays = params.horizonDays ?? 30
  const paths = params.paths ?? 10_000
  const steps = params.steps ?? Math.min(MONTE_CARLO_LIMITS.steps, Math.max(1, Math.round(horizonDays * 24)))
  if (paths * steps > MONTE_CARLO_LIMITS.pathSteps) {
    throw new BaseError(
      'INVALID_REQUEST',
      `paths x steps = ${paths * steps} is over the 50,000,000 limit of one request`,
    )
  }
  const read = await readWalletReport(sources, params)
  const exposure = resolveWalletRead(sources, read)
  const known = knownRiskAssets(exposure)
  assertKnownKeys(params.volatilities, known, 'vols')
  assertKnownKeys(params.jumps, known, 'jumps')
  const built = walletMonteCarloInput(stressInputs(exposure, read.positions), {
    horizonDays,
    steps,
    paths,
    seed: params.seed ?? 1,
    ...(params.volatilities ? { volatilities: params.volatilities } : {}),
    ...(params.jumps ? { jumps: params.jumps } : {}),
  })
  const result = params.runner ? await params.runner(built.input) : runMonteCarlo(built.input)
  return {
    ...read.pinned,
    ...result,
    assets: built.assets,
    correlation: built.input.correlation,
    assumptions: built.assumptions,
    unresolved: exposure.unresolved,
  }
}
