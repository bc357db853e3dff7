/** The analyze use case: wallets on chain plus manual legs (CEX perps, options), resolved together. */
import { type Address, parseAddress } from '../core/address.js'
import { BaseError } from '../core/errors.js'
import type { PositionResult } from '../core/types.js'
import { type Exposure, resolveExposure } from '../resolve/index.js'
import type { McOption } from '../risk/mc-options.js'
import { type McInput, type McResult, runMonteCarlo } from '../risk/montecarlo.js'
import { type OptionGreeksByAsset, optionGreeksByAsset } from '../risk/option-greeks.js'
import { MAX_STRESSED_VOL, MIN_STRESSED_VOL, type SkewTable, skewOf } from '../risk/vol-surface.js'
import { type WalletMcInput, walletMonteCarloInput } from '../risk/wallet-mc.js'
import { assertKnownKeys, knownRiskAssets } from './known-keys.js'
import {
  type OptionExposure,
  type OptionLeg,
  optionExposure,
  optionStressInput,
  type PerpLeg,
  perpLegPosition,
} from './manual-legs.js'
import { MONTE_CARLO_LIMITS } from './monte-carlo-report.js'
import type { ReportSources } from './report-sources.js'
import { budgetFields, type RequestBudget } from './request-budget.js'
import { runStress, scenariosOf, skewsOf, stressInputs } from './stress-report.js'
import { type ChainBlock, chainBlockOf, readWalletAcross } from './wallet-report.js'

/** Params of {@link analyzeReport}. */
export interface AnalyzeParams extends RequestBudget {
  /** Wallets (addresses as given: checked here, the error names the index) and their chains. */
  wallets: readonly { address: string; chains?: readonly string[] | undefined }[]
  legs: readonly (PerpLeg | OptionLeg)[]
  /** The analysis time (option years to expiry). */
  now: Date
  /** Stress the portfolio (option legs repriced in every scenario); no stress when omitted. */
  stress?: AnalyzeStressParams | undefined
  /** Simulate the portfolio (option legs repriced along the paths); no simulation when omitted. */
  monteCarlo?: AnalyzeMonteCarloParams | undefined
}

/**
 * The Monte Carlo of an analysis: {@link monteCarloReport}'s model (default volatilities and
 * correlations), the option legs repriced along the paths by Black-Scholes at the stressed vol
 * (the leg's implied vol through the smile `skews`, rolled with the path's spot, plus the vol
 * shift `vols`; src/risk/vol-surface.ts `stressedVol`).
 *
 * A vol shock `vols` in the simulation is a market whose volatility is that many points higher
 * (lower) from now on, realized and implied alike: each shocked asset is simulated at its
 * default volatility plus the shift, and each option leg on it is priced along the paths at its
 * implied vol plus the same shift; both within [{@link MIN_STRESSED_VOL}, {@link MAX_STRESSED_VOL}].
 * Today's values (`initialValue`, `equity.initial`) stay at the quoted vols.
 */
export interface AnalyzeMonteCarloParams {
  /** Horizon, days. Default 30. */
  horizonDays?: number | undefined
  /** Simulated paths. Default 10,000. */
  paths?: number | undefined
  /** Time steps over the horizon. Default hourly (at most 10,000). */
  steps?: number | undefined
  /** Seed of the random stream. Default 1. */
  seed?: number | string | undefined
  /**
   * Absolute vol shifts per risk asset (`*` = the rest; 0.2 = +20 vol points): of the simulated
   * asset's volatility and of the implied vol of the option legs on it.
   */
  vols?: Record<string, number> | undefined
  /** The smile per risk asset (`*` = the rest); flat when omitted. */
  skews?: SkewTable | undefined
  /** Runs the simulation (a worker pool on Node); inline {@link runMonteCarlo} when omitted. */
  runner?: ((input: McInput) => Promise<McResult>) | undefined
}

/** The simulation of an analysis, with what was assumed. */
export type AnalyzeMonteCarlo = McResult & {
  assets: WalletMcInput['assets']
  correlation: number[][]
  assumptions: string[]
}

/** The stress of an analysis: the scenario of `shocks`/`depegs` (else the default grid), with a vol dimension. */
export interface AnalyzeStressParams {
  /** Risk-asset moves, relative (-0.3 = -30%); `*` = every other non-USD risk asset. */
  shocks?: Record<string, number> | undefined
  /** Wrapper/stablecoin moves against what they wrap, relative. */
  depegs?: Record<string, number> | undefined
  /** Absolute vol shocks per risk asset (0.2 = +20 vol points): the vol dimension. */
  vols?: Record<string, number> | undefined
  /** The smile per risk asset (`*` = the rest); flat when omitted. */
  skews?: SkewTable | undefined
}

/** One portfolio resolved. */
export interface AnalyzeReport {
  wallets: { address: Address; chains: ChainBlock[] }[]
  positions: PositionResult[]
  options: OptionExposure[]
  exposure: Exposure
  /** The option legs' greeks summed per risk asset (delta, gamma, vega, theta). */
  optionGreeks: OptionGreeksByAsset[]
  /** The stress results when asked for. */
  stress: ReturnType<typeof runStress> | null
  /** The Monte Carlo when asked for. */
  monteCarlo: AnalyzeMonteCarlo | null
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
  const optionIds = options.map(
    (o, i) => `option:${i + 1}:${o.underlying}-${o.type}-${o.strike}-${o.expiry.slice(0, 10)}`,
  )
  const exposure = resolveExposure({
    positions,
    options: options.map((o, i) => ({
      id: optionIds[i] as string,
      underlying: o.underlying,
      delta: o.delta,
      deltaUsd: o.deltaUsd,
      valueUsd: o.valueUsd,
    })),
    ...sources.assets.contextsFrom(reports.flat()),
  })
  const legIndex = params.legs.flatMap((l, i) => (l.kind === 'option' ? [i] : []))
  const contributionOf = (id: string) =>
    exposure.contributions.find((c) => c.layer === id && c.source === 'option-delta')
  // Every leg's spot (and its error, naming the leg) only when the spot is needed: the stress
  // or the simulation.
  const stressLegs =
    params.stress || params.monteCarlo
      ? options.map((o, i) =>
          optionStressInput(
            optionIds[i] as string,
            legIndex[i] as number,
            params.legs[legIndex[i] as number] as OptionLeg,
            o,
            contributionOf(optionIds[i] as string)!,
          ),
        )
      : null
  const optionGreeks = optionGreeksByAsset(
    options.map((o, i) => {
      const c = contributionOf(optionIds[i] as string)!
      const leg = params.legs[legIndex[i] as number] as OptionLeg
      const fromDelta = c.units !== 0 && !c.flags.rateUnavailable ? c.usd / c.units : null
      const spot = stressLegs?.[i]?.spot ?? leg.spotPrice ?? leg.settlementPrice ?? fromDelta
      return { riskAsset: c.riskAsset, spot, delta: o.delta, gamma: o.gamma, vega: o.vega, theta: o.theta }
    }),
  )
  const stress =
    params.stress && stressLegs
      ? runStress(
          stressInputs(exposure, positions),
          scenariosOf(exposure, params.stress.shocks, params.stress.depegs, params.stress.vols),
          {
            legs: stressLegs,
            ...(params.stress.skews ? { skews: skewsOf(exposure, params.stress.skews) } : {}),
          },
        )
      : null
  const mc = params.monteCarlo
  let monteCarlo: AnalyzeMonteCarlo | null = null
  if (mc && stressLegs) {
    const horizonDays = mc.horizonDays ?? 30
    const paths = mc.paths ?? 10_000
    const steps = mc.steps ?? Math.min(MONTE_CARLO_LIMITS.steps, Math.max(1, Math.round(horizonDays * 24)))
    if (paths * steps > MONTE_CARLO_LIMITS.pathSteps)
      throw new BaseError(
        'INVALID_REQUEST',
        `paths x steps = ${paths * steps} is over the ${MONTE_CARLO_LIMITS.pathSteps.toLocaleString('en-US')} limit of one request`,
      )
    const skews = mc.skews ? skewsOf(exposure, mc.skews) : undefined
    const shiftOf = volShiftLookup(exposure, mc.vols)
    const mcOptions: McOption[] = stressLegs.map((l, i) => {
      const leg = legIndex[i] as number
      if (l.impliedVol === null)
        throw new BaseError(
          'INVALID_REQUEST',
          `legs.${leg}: the Monte Carlo reprices an option along its paths by Black-Scholes: give impliedVol (this leg has ${l.source === 'expired' ? 'expired' : 'greeks only'})`,
        )
      const asset = l.contribution.riskAsset
      const shift = shiftOf(asset)
      return {
        id: l.id,
        underlying: asset,
        type: l.type,
        strike: l.strike,
        size: l.size,
        expiryYears: l.years,
        impliedVol: l.impliedVol,
        rate: l.rate,
        skew: skewOf(skews, asset),
        ...(shift !== undefined ? { volShift: shift } : {}),
      }
    })
    const mcOptionsOf = {
      horizonDays,
      steps,
      paths,
      seed: mc.seed ?? 1,
      extraAssets: stressLegs.map((l) => ({ name: l.contribution.riskAsset, price: l.spot })),
    }
    let built = walletMonteCarloInput(stressInputs(exposure, positions), mcOptionsOf)
    // The vol shock on the simulated assets: their volatility (default, or assumed) plus the shift.
    const shocked: Record<string, number> = Object.create(null)
    const volNotes: string[] = []
    for (const a of built.assets) {
      const shift = shiftOf(a.name)
      if (shift === undefined) continue
      const vol = Math.min(MAX_STRESSED_VOL, Math.max(MIN_STRESSED_VOL, a.volatility + shift))
      shocked[a.name] = vol
      volNotes.push(
        `vol shock: ${a.name} simulated at ${+(vol * 100).toFixed(4)}% = its ${a.source} ${+(a.volatility * 100).toFixed(4)}% ${shift >= 0 ? '+' : '-'} ${+Math.abs(shift * 100).toFixed(4)} vol points${vol !== a.volatility + shift ? ` (clamped to [${MIN_STRESSED_VOL}, ${MAX_STRESSED_VOL}])` : ''}; its option legs priced along the paths at their implied vol shifted the same`,
      )
    }
    if (volNotes.length > 0)
      built = walletMonteCarloInput(stressInputs(exposure, positions), {
        ...mcOptionsOf,
        volatilities: shocked,
      })
    const input: McInput = { ...built.input, options: mcOptions }
    const result = mc.runner ? await mc.runner(input) : runMonteCarlo(input)
    monteCarlo = {
      ...result,
      assets: built.assets,
      correlation: input.correlation,
      assumptions: [
        ...built.assumptions,
        ...volNotes,
        ...(mcOptions.length > 0
          ? [
              "option legs repriced along the paths by Black-Scholes at the stressed vol (the leg's implied vol through the smile, rolled with the path's spot, plus the vol shift), anchored at the simulated underlying's price; one expiring within the horizon settles at its intrinsic value at the first step at or after expiry",
            ]
          : []),
      ],
    }
  }
  return {
    wallets: wallets.map((w, i) => ({ address: w.address, chains: reports[i]!.map(chainBlockOf) })),
    positions,
    options,
    exposure,
    optionGreeks,
    stress,
    monteCarlo,
  }
}

/**
 * The vol shift of each simulated risk asset from a request's `vols` (its own key, matched
 * case-insensitively, else `*`); undefined when none applies.
 * @throws BaseError INVALID_REQUEST naming `vols` for a key that is not a known risk asset.
 */
function volShiftLookup(
  exposure: Exposure,
  vols: Record<string, number> | undefined,
): (riskAsset: string) => number | undefined {
  if (!vols) return () => undefined
  const named = Object.fromEntries(Object.entries(vols).filter(([k]) => k !== '*'))
  assertKnownKeys(named, knownRiskAssets(exposure), 'vols')
  const byUpper = new Map(Object.entries(named).map(([k, v]) => [k.toUpperCase(), v]))
  const rest = vols['*']
  return (riskAsset) => byUpper.get(riskAsset.toUpperCase()) ?? rest
}
