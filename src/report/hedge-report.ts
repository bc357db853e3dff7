/**
 * The hedge use case: a wallet read, the perp legs that bring its net exposure (or its beta to ETH
 * or BTC) to zero on a venue (sized and priced by the venue's own terms), and their effect: the
 * exposure, Monte Carlo (liquidation probability, VaR) and stress grid before and after. The legs
 * are `POST /v1/analyze` legs: the "after" here is exactly what analyze resolves for the wallet
 * plus those legs (same positions in the same order, same resolver, same contexts).
 */
import { riskAssetOf } from '../assets/resolve.js'
import { getHeadBlock } from '../chains/block.js'
import type { Address } from '../core/address.js'
import { BaseError } from '../core/errors.js'
import type { PositionResult } from '../core/types.js'
import { fetchMetaAndAssetCtxs, hyperliquidHedgeQuotes } from '../protocols/hyperliquid/hedge-quote.js'
import { type Exposure, resolveExposure } from '../resolve/index.js'
import { type HedgePlan, type HedgeTarget, type HedgeVenueQuote, planHedge } from '../risk/hedge.js'
import { type McInput, type McResult, runMonteCarlo } from '../risk/montecarlo.js'
import { walletMonteCarloInput } from '../risk/wallet-mc.js'
import { perpLegPosition } from './manual-legs.js'
import { MONTE_CARLO_LIMITS } from './monte-carlo-report.js'
import { type ReportSources, resolveChain } from './report-sources.js'
import { runStress, scenariosOf, stressInputs } from './stress-report.js'
import { type ReadWalletReportParams, readWalletReport, type WalletRead } from './wallet-report.js'

/**
 * The venues a hedge can be placed on: `hyperliquid` (each risk asset on its same-name perp of the
 * default dex), and an adapter's venue on a chain, `<key>:<chain>` (the adapter picks a market per
 * risk asset) or `<key>:<chain>:<market address>` (that market only), e.g. `gmx:arbitrum`.
 */
export const HEDGE_VENUES = ['hyperliquid', 'gmx:<chain>', 'gmx:<chain>:<market>'] as const

/** A parsed `venue`: Hyperliquid, or an adapter's venue on a chain (optionally one market). */
export type HedgeVenue =
  | { key: 'hyperliquid'; chain: null; market: null }
  | { key: string; chain: string; market: Address | null }

/** Syntax of `venue` (the adapter key and the chain are checked against this server by the report). */
export const HEDGE_VENUE_PATTERN =
  /^(hyperliquid|([a-z][a-z0-9-]{0,31}):([a-z][a-z0-9-]{0,31})(:(0x[0-9a-fA-F]{40}))?)$/

/** The venue string of a parsed venue (as the request would spell it). */
export function hedgeVenueString(v: HedgeVenue): string {
  return v.chain === null ? v.key : `${v.key}:${v.chain}${v.market ? `:${v.market}` : ''}`
}

/**
 * Parses `venue`; null when it is not in the venue syntax ({@link HEDGE_VENUE_PATTERN}, case-insensitive
 * but for the market address).
 */
export function parseHedgeVenue(raw: string): HedgeVenue | null {
  const lower = raw.replace(/^[^:]*(:[^:]*)?/, (m) => m.toLowerCase())
  const m = HEDGE_VENUE_PATTERN.exec(lower)
  if (!m) return null
  if (m[1] === 'hyperliquid') return { key: 'hyperliquid', chain: null, market: null }
  return { key: m[2]!, chain: m[3]!, market: (m[5] as Address | undefined) ?? null }
}

/** Limits of the hedge's two simulations (before and after). */
export const HEDGE_LIMITS = { paths: 50_000, horizonDays: 365, maxLeverage: 100 } as const

/** Params of {@link hedgeReport}. */
export interface HedgeReportParams extends ReadWalletReportParams {
  target: HedgeTarget
  venue: HedgeVenue
  /** Leverage each hedge is opened at, capped at the venue's max for its size; default 2. */
  leverage?: number | undefined
  /** Monte Carlo horizon, days; default 30. */
  horizonDays?: number | undefined
  /** Monte Carlo paths of each run; default 2,000. */
  paths?: number | undefined
  /** Seed of both runs (the same stream before and after); default 1. */
  seed?: number | string | undefined
  /** Runs a simulation (a worker pool on Node); inline when omitted. */
  runner?: ((input: McInput) => Promise<McResult>) | undefined
}

/** The exposure headline of one side of the comparison. */
export interface HedgeSide {
  equityUsd: number
  grossExposureUsd: number
  effectiveLeverage: number | null
  netExposure: Exposure['netExposure']
  beta: { ETH: number | null; BTC: number | null; dollarEth: number; dollarBtc: number }
  monteCarlo: {
    walletLiquidationProbability: number
    walletStandardError: number
    var95: number
    var99: number
    es95: number
    positions: McResult['positions']
  }
  stress: ReturnType<typeof runStress>
}

/** The hedge of a wallet and its effect. */
export type HedgeReport = WalletRead['pinned'] & {
  chains: WalletRead['chains']
  target: HedgeTarget
  /** The venue, canonical spelling ({@link hedgeVenueString}). */
  venue: string
  /** The legs, exactly as `POST /v1/analyze` takes them. */
  legs: HedgePlan['legs'][number]['leg'][]
  plan: HedgePlan
  before: HedgeSide
  after: HedgeSide
  /** The exposure after: what `POST /v1/analyze` answers for the wallet plus `legs`. */
  residual: Exposure['netExposure']
  monteCarloParams: { horizonDays: number; paths: number; steps: number; seed: number | string }
  assumptions: string[]
}

function side(
  exposure: Exposure,
  positions: readonly PositionResult[],
  scenarios: ReturnType<typeof scenariosOf>,
  mc: McResult,
): HedgeSide {
  return {
    equityUsd: exposure.equityUsd,
    grossExposureUsd: exposure.grossExposureUsd,
    effectiveLeverage: exposure.effectiveLeverage,
    netExposure: exposure.netExposure,
    beta: {
      ETH: exposure.beta.ETH,
      BTC: exposure.beta.BTC,
      dollarEth: exposure.beta.dollarEth,
      dollarBtc: exposure.beta.dollarBtc,
    },
    monteCarlo: {
      walletLiquidationProbability: mc.walletLiquidationProbability,
      walletStandardError: mc.walletStandardError,
      var95: mc.equity.var95,
      var99: mc.equity.var99,
      es95: mc.equity.es95,
      positions: mc.positions,
    },
    stress: runStress(stressInputs(exposure, positions), scenarios),
  }
}

/** The venue's quotes for the wallet's risk assets (plus ETH and BTC for a beta target). */
async function venueQuotes(
  sources: ReportSources,
  params: HedgeReportParams,
  read: WalletRead,
  before: Exposure,
): Promise<Map<string, HedgeVenueQuote>> {
  const riskAssets = before.netExposure.map((n) => n.riskAsset).concat(['ETH', 'BTC'])
  const venue = params.venue
  if (venue.chain === null) {
    const hl = sources.config.hyperliquid
    if (!hl) {
      throw new BaseError(
        'CHAIN_NOT_CONFIGURED',
        'venue "hyperliquid" is not configured on this server (set STACKLENS_HYPERLIQUID_API_URL)',
      )
    }
    const payload = await fetchMetaAndAssetCtxs({ url: hl.url, deadline: params.deadline })
    return hyperliquidHedgeQuotes(
      payload,
      riskAssets,
      'Hyperliquid POST /info metaAndAssetCtxs (default dex), read after the wallet',
    )
  }
  const adapter = sources.adapters.find((a) => a.hedgeVenue === venue.key)
  if (!adapter?.readHedgeQuotes) {
    const keys = sources.adapters.flatMap((a) => (a.hedgeVenue ? [a.hedgeVenue] : []))
    throw new BaseError(
      'INVALID_REQUEST',
      `venue: "${venue.key}" is not a hedge venue (hyperliquid, or <venue>:<chain>[:<market>] with venue one of ${keys.join(', ') || 'none here'})`,
    )
  }
  const chain = resolveChain(sources, venue.chain)
  const client = sources.clientFor(chain)
  // The wallet's block when the venue is on the chain read; else the venue chain's head.
  const same = read.reports.find((r) => r.chain === chain.key)
  const blockNumber =
    same?.blockNumber ??
    (await getHeadBlock({
      client,
      chain: chain.key,
      ...(params.deadline ? { deadline: params.deadline } : {}),
    }))
  const graph = sources.assets.graphFor(chain.key)
  const sideOf = new Map(
    before.netExposure.map((n) => [n.riskAsset, n.units > 0 ? ('short' as const) : ('long' as const)]),
  )
  return adapter.readHedgeQuotes({
    client,
    chain,
    blockNumber,
    market: venue.market,
    riskAssets,
    riskAssetOf: (t) =>
      riskAssetOf(graph, { chain: chain.key, address: t.address, symbol: t.symbol }).riskAsset,
    side: (r) => sideOf.get(r) ?? 'short',
    ...(params.deadline ? { deadline: params.deadline } : {}),
  })
}

/**
 * Reads a wallet and the venue, sizes the hedge and compares before and after.
 * @throws BaseError CHAIN_NOT_CONFIGURED when the venue (or its chain) is not configured here;
 *   INVALID_REQUEST for a venue no adapter quotes or a market not listed there, and
 *   for Monte Carlo parameters over {@link HEDGE_LIMITS}; the read's and the venue's errors.
 */
export async function hedgeReport(sources: ReportSources, params: HedgeReportParams): Promise<HedgeReport> {
  const horizonDays = params.horizonDays ?? 30
  const paths = params.paths ?? 2_000
  const steps = Math.min(MONTE_CARLO_LIMITS.steps, Math.max(1, Math.round(horizonDays * 24)))
  if (2 * paths * steps > MONTE_CARLO_LIMITS.pathSteps) {
    throw new BaseError(
      'INVALID_REQUEST',
      `paths: ${paths} paths x ${steps} steps x 2 runs is over the ${MONTE_CARLO_LIMITS.pathSteps} path-step limit of one request`,
    )
  }
  const seed = params.seed ?? 1
  const read = await readWalletReport(sources, params)
  const contexts = sources.assets.contextsFrom(read.reports)
  const before = resolveExposure({ positions: read.positions, ...contexts })
  const quotes = await venueQuotes(sources, params, read, before)
  const plan = planHedge({
    target: params.target,
    netExposure: before.netExposure,
    beta: before.beta,
    quotes,
    leverage: params.leverage ?? 2,
  })
  const legs = plan.legs.map((l) => l.leg)
  const hedged: PositionResult[] = [...read.positions, ...legs.map(perpLegPosition)]
  const after = resolveExposure({ positions: hedged, ...contexts })
  const scenarios = scenariosOf(before, undefined, undefined)
  const simulate = async (exposure: Exposure, positions: readonly PositionResult[]) => {
    const built = walletMonteCarloInput(stressInputs(exposure, positions), {
      horizonDays,
      steps,
      paths,
      seed,
    })
    return {
      result: params.runner ? await params.runner(built.input) : runMonteCarlo(built.input),
      assumptions: built.assumptions,
    }
  }
  const [mcBefore, mcAfter] = await Promise.all([simulate(before, read.positions), simulate(after, hedged)])
  return {
    ...read.pinned,
    chains: read.chains,
    target: params.target,
    venue: hedgeVenueString(params.venue),
    legs,
    plan,
    before: side(before, read.positions, scenarios, mcBefore.result),
    after: side(after, hedged, scenarios, mcAfter.result),
    residual: after.netExposure,
    monteCarloParams: { horizonDays, paths, steps, seed },
    assumptions: [
      'each hedge is an isolated perp at the venue mark, its margin new USD posted on the venue (the equity after includes it)',
      ...(params.venue.chain === null
        ? [
            "maintenance: 1 / (2 x max leverage) of the notional's margin tier, flat (Hyperliquid's tier deduction is not applied: exact in the first tier)",
          ]
        : [
            'GMX: stable (short-token) collateral; liquidatable when collateral + pnl - close fee < max(MIN_COLLATERAL_USD, size x minCollateralFactorForLiquidation); price impact 0 (`gmx.liquidationPriceWorstImpact` counts the largest negative impact the check allows), fees at the market factors without referral discounts (the close fee at the balance-worsening factor)',
            "GMX: each leg's maintenanceMarginRate is GMX's requirement (threshold + close fee) over the notional at its liquidation price, so POST /v1/analyze's isolated rule liquidates the leg at the same price",
            "GMX: funding and borrowing at the per-second factors of the block, per year on the size, before accrual moves the liquidation price; a receiving side's funding at the current open-interest ratio, before the hedge's own size joins its side (a large hedge dilutes it)",
          ]),
      'sizes are rounded to the venue size step (and to 1e-6 units, what a manual perp leg holds): the residual shows what the rounding leaves',
      'the stress grid is the default grid of the wallet before the hedge, run on both sides',
      ...new Set([...mcBefore.assumptions, ...mcAfter.assumptions]),
    ],
  }
}
