/** The analyze use case: wallets on chain plus manual legs (CEX perps, options), resolved together. */
import { type Address, parseAddress } from '../core/address.js'
import { BaseError } from '../core/errors.js'
import type { PositionResult } from '../core/types.js'
import { type Exposure, resolveExposure } from '../resolve/index.js'
import {
  type OptionExposure,
  type OptionLeg,
  optionExposure,
  type PerpLeg,
  perpLegPosition,
} from './manual-legs.js'
import type { ReportSources } from './report-sources.js'
import { budgetFields, type RequestBudget } from './request-budget.js'
import { type ChainBlock, chainBlockOf, readWalletAcross } from './wallet-report.js'

/** Params of {@link analyzeReport}. */
export interface AnalyzeParams extends RequestBudget {
  /** Wallets (addresses as given: checked here, the error names the index) and their chains. */
  wallets: readonly { address: string; chains?: readonly string[] | undefined }[]
  legs: readonly (PerpLeg | OptionLeg)[]
  /** The analysis time (option years to expiry). */
  now: Date
}

/** One portfolio resolved. */
export interface AnalyzeReport {
  wallets: { address: Address; chains: ChainBlock[] }[]
  positions: PositionResult[]
  options: OptionExposure[]
  exposure: Exposure
}

/**
 * Reads every wallet (every configured chain and venue unless it names its chains), turns each
 * perp leg into a Position and each option into its greeks, and resolves them all together.
 * @throws the wallet's address error, prefixed `wallets.<i>.address`.
 */
export async function analyzeReport(sources: ReportSources, params: AnalyzeParams): Promise<AnalyzeReport> {
  const wallets = params.wallets.map((w, i) => {
    try {
      return { address: parseAddress(w.address), chains: w.chains }
    } catch (err) {
      if (err instanceof BaseError) throw new BaseError(err.code, `wallets.${i}.address: ${err.message}`)
      throw err
    }
  })
  const reports = await Promise.all(
    wallets.map((w) =>
      readWalletAcross(sources, { address: w.address, chains: w.chains, ...budgetFields(params) }),
    ),
  )
  const positions: PositionResult[] = [
    ...reports.flat().flatMap((r) => r.positions),
    ...params.legs.filter((l): l is PerpLeg => l.kind === 'perp').map(perpLegPosition),
  ]
  const options = params.legs.flatMap((l, i) => {
    if (l.kind !== 'option') return []
    try {
      return [optionExposure(l, params.now)]
    } catch (err) {
      if (err instanceof BaseError) throw new BaseError(err.code, `legs.${i}: ${err.message}`)
      throw err
    }
  })
  const exposure = resolveExposure({
    positions,
    options: options.map((o, i) => ({
      id: `option:${i + 1}:${o.underlying}-${o.type}-${o.strike}-${o.expiry.slice(0, 10)}`,
      underlying: o.underlying,
      delta: o.delta,
      deltaUsd: o.deltaUsd,
      valueUsd: o.valueUsd,
    })),
    ...sources.assets.contextsFrom(reports.flat()),
  })
  return {
    wallets: wallets.map((w, i) => ({ address: w.address, chains: reports[i]!.map(chainBlockOf) })),
    positions,
    options,
    exposure,
  }
}
