/**
 * The stress use case: a wallet read, the resolver's contributions per layer -> stress inputs ->
 * scenarios (the request's, or the default grid) -> results and the worst case.
 */
import { BaseError } from '../core/errors.js'
import type { PositionResult } from '../core/types.js'
import { identify } from '../resolve/contributions.js'
import type { Exposure, UnresolvedLayer } from '../resolve/types.js'
import { DEFAULT_MARKET_PARAMS } from '../risk/defaults.js'
import {
  defaultStressGrid,
  type StressInput,
  type StressOptions,
  type StressResult,
  type StressScenario,
  stressWallet,
} from '../risk/stress.js'
import type { Skew, SkewTable } from '../risk/vol-surface.js'
import { resolveWalletRead } from './exposure-report.js'
import type { ReportSources } from './report-sources.js'
import { type ReadWalletReportParams, readWalletReport, type WalletRead } from './wallet-report.js'

/** The stress inputs of a resolved wallet (ids as the resolver's layers). */
export function stressInputs(exposure: Exposure, positions: readonly PositionResult[]): StressInput[] {
  return identify(positions.filter((p) => p.status === 'ok')).map(({ id, position }) => ({
    id,
    position,
    contributions: exposure.contributions.filter((c) => c.layer === id),
  }))
}

/**
 * The scenarios of a request: one from `shocks`/`depegs`, else the default grid. With `vols`
 * (absolute vol shocks per risk asset), a volatility dimension: every price scenario at today's
 * vols, then "no price move" and every price scenario again with the vol shock.
 */
export function scenariosOf(
  exposure: Exposure,
  shocks: Record<string, number> | undefined,
  depegs: Record<string, number> | undefined,
  vols?: Record<string, number> | undefined,
): StressScenario[] {
  const prices = priceScenariosOf(exposure, shocks, depegs)
  if (vols === undefined) return prices
  const assets = riskAssetsOf(exposure)
  const shift: Record<string, number> = Object.create(null)
  for (const [k, v] of Object.entries(vols)) shift[k === '*' ? k : matchName(k, assets, 'vols')] = v
  const label = Object.entries(shift)
    .map(([k, v]) => `${k} vol ${v >= 0 ? '+' : ''}${+(v * 100).toFixed(4)} pts`)
    .join(', ')
  return [
    ...prices,
    { name: label, shocks: {}, vols: shift },
    ...prices.map((s) => ({ ...s, name: `${s.name}, ${label}`, vols: shift })),
  ]
}

/** A request's smiles keyed as the wallet names its risk assets (`*` kept); INVALID_REQUEST naming `skew` for an unknown one. */
export function skewsOf(exposure: Exposure, skews: SkewTable): SkewTable {
  const assets = riskAssetsOf(exposure)
  const out: Record<string, Skew> = Object.create(null)
  for (const [k, v] of Object.entries(skews)) out[k === '*' ? k : matchName(k, assets, 'skew')] = v
  return out
}

/** Risk assets a request may name: the wallet's own, and every one the default table knows. */
function riskAssetsOf(exposure: Exposure): string[] {
  return [
    ...new Set([...exposure.contributions.map((c) => c.riskAsset), ...Object.keys(DEFAULT_MARKET_PARAMS)]),
  ].filter((a) => a !== 'USD')
}

/** `key` as the wallet names it (case-insensitively), else INVALID_REQUEST naming the parameter. */
function matchName(key: string, names: readonly string[], what: string): string {
  const found = names.find((n) => n === key) ?? names.find((n) => n.toLowerCase() === key.toLowerCase())
  if (found === undefined) {
    throw new BaseError(
      'INVALID_REQUEST',
      `${what}: "${key}" is not ${what === 'depegs' ? 'a token' : 'a known risk asset'} of this wallet (known: ${names.join(', ') || 'none'})`,
    )
  }
  return found
}

function priceScenariosOf(
  exposure: Exposure,
  shocks: Record<string, number> | undefined,
  depegs: Record<string, number> | undefined,
): StressScenario[] {
  if (shocks === undefined && depegs === undefined) return defaultStressGrid(exposure.contributions)
  // A key that matches nothing would leave the wallet unmoved and look like a calm scenario:
  // match case-insensitively to the wallet's own names, else refuse.
  // Risk assets: the wallet's own, and every one the default table knows (shocking ETH on a wallet
  // without ETH is a fair question: nothing happens to it).
  const assets = riskAssetsOf(exposure)
  const symbols = [...new Set(exposure.contributions.flatMap((c) => c.path))]
  const match = matchName
  const rekey = (from: Record<string, number>, key: (k: string) => string) => {
    const out: Record<string, number> = Object.create(null)
    for (const [k, v] of Object.entries(from)) out[key(k)] = v
    return out
  }
  if (shocks) shocks = rekey(shocks, (k) => (k === '*' ? k : match(k, assets, 'shocks')))
  if (depegs) depegs = rekey(depegs, (k) => match(k, symbols, 'depegs'))
  const parts = [
    ...Object.entries(shocks ?? {}).map(([k, v]) => `${k} ${v > 0 ? '+' : ''}${+(v * 100).toFixed(4)}%`),
    ...Object.entries(depegs ?? {}).map(([k, v]) => `${k} depeg ${+(v * 100).toFixed(4)}%`),
  ]
  return [{ name: parts.join(', '), shocks: shocks ?? {}, ...(depegs ? { depegs } : {}) }]
}

/** Every scenario's result (option legs repriced when `options` is given), plus the worst one by equity after. */
export function runStress(
  inputs: readonly StressInput[],
  scenarios: readonly StressScenario[],
  options?: StressOptions,
) {
  const results: StressResult[] = scenarios.map((s) => stressWallet(inputs, s, options))
  let worst: StressResult | null = null
  for (const r of results) if (worst === null || r.equityAfterUsd < worst.equityAfterUsd) worst = r
  return {
    scenarios: results,
    worstCase:
      worst === null
        ? null
        : {
            scenario: worst.scenario.name,
            equityAfterUsd: worst.equityAfterUsd,
            changeUsd: worst.changeUsd,
            changePct: worst.changePct,
            positionsLiquidated: worst.positionsLiquidated,
          },
  }
}

/** Params of {@link stressReport}. */
export interface StressReportParams extends ReadWalletReportParams {
  /** Risk-asset moves, relative (-0.3 = -30%); `*` = every other non-USD risk asset. */
  shocks?: Record<string, number> | undefined
  /** Wrapper/stablecoin moves against what they wrap, relative. */
  depegs?: Record<string, number> | undefined
}

/** A wallet under its scenarios, with the header of every wallet answer. */
export type StressReport = WalletRead['pinned'] & {
  chains: WalletRead['chains']
  /** USD, float. */
  equityUsd: number
  unresolved: UnresolvedLayer[]
} & ReturnType<typeof runStress>

/** Reads a wallet and runs its scenarios (the request's shocks and depegs, else the default grid). */
export async function stressReport(
  sources: ReportSources,
  params: StressReportParams,
): Promise<StressReport> {
  const read = await readWalletReport(sources, params)
  const exposure = resolveWalletRead(sources, read)
  const inputs = stressInputs(exposure, read.positions)
  return {
    ...read.pinned,
    chains: read.chains,
    equityUsd: exposure.equityUsd,
    ...runStress(inputs, scenariosOf(exposure, params.shocks, params.depegs)),
    unresolved: exposure.unresolved,
  }
}
