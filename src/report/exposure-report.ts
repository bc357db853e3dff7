/** The exposure use case: a wallet read resolved into net exposure, layers, stacks and an unwind plan. */
import type { PositionResult } from '../core/types.js'
import { type Exposure, identify, resolveExposure } from '../resolve/index.js'
import { planUnwind, type UnwindPlan, type UnwindTarget } from '../resolve/unwind.js'
import type { BetaTable } from '../risk/defaults.js'
import { type WalletCarry, type WalletCarryParams, walletCarry } from './carry-report.js'
import { assertKnownKeys, knownRiskAssets } from './known-keys.js'
import type { ReportSources } from './report-sources.js'
import { type ReadWalletReportParams, readWalletReport, type WalletRead } from './wallet-report.js'

/** The resolver's exposure of a wallet read (rates and times of its pinned blocks). */
export function resolveWalletRead(sources: ReportSources, read: WalletRead, betas?: BetaTable): Exposure {
  return resolveExposure({
    positions: read.positions,
    ...(betas ? { betas } : {}),
    ...sources.assets.contextsFrom(read.reports),
  })
}

/**
 * The unwind plan of a resolved wallet: every stack's layers in its unwind order (the
 * outermost, last-funded layer first), stacks by descending gross exposure.
 */
export function planWalletUnwind(
  exposure: Exposure,
  positions: readonly PositionResult[],
  target: UnwindTarget,
): UnwindPlan {
  const byId = new Map(identify(positions.filter((p) => p.status === 'ok')).map((x) => [x.id, x.position]))
  const layers = exposure.stacks.flatMap((s) =>
    s.unwindOrder.flatMap((id) => {
      const position = byId.get(id)
      return position ? [{ id, position }] : []
    }),
  )
  return planUnwind(layers, target)
}

/** Params of {@link exposureReport}. */
export interface ExposureReportParams extends ReadWalletReportParams {
  /** Beta overrides by risk asset (to ETH and to BTC). */
  betas?: BetaTable | undefined
  /** Where the unwind plan goes; zero leverage when omitted. */
  target?: UnwindTarget | undefined
  /** Also compute the carry (rates at the block, wrapper growth): adds `carry`. */
  carry?: Omit<WalletCarryParams, 'deadline'> | undefined
}

/** A wallet's exposure with the header of every wallet answer and the unwind plan. */
export type ExposureReport = WalletRead['pinned'] &
  Exposure & {
    chains: WalletRead['chains']
    accounts: WalletRead['accounts']
    unwind: UnwindPlan
    /** Present when asked for ({@link ExposureReportParams.carry}). */
    carry?: WalletCarry
  }

/** Reads a wallet and resolves its leverage: net exposure per risk asset, layers, stacks, unwind. */
export async function exposureReport(
  sources: ReportSources,
  params: ExposureReportParams,
): Promise<ExposureReport> {
  const read = await readWalletReport(sources, params)
  assertKnownKeys(params.betas, knownRiskAssets(resolveWalletRead(sources, read)), 'betas')
  const exposure = resolveWalletRead(sources, read, params.betas)
  const carry = params.carry
    ? await walletCarry(sources, read.reports, exposure, {
        ...params.carry,
        ...(params.deadline ? { deadline: params.deadline } : {}),
      })
    : undefined
  return {
    ...read.pinned,
    chains: read.chains,
    accounts: read.accounts,
    ...exposure,
    unwind: planWalletUnwind(exposure, read.positions, params.target ?? { kind: 'zero' }),
    ...(carry ? { carry } : {}),
  }
}
