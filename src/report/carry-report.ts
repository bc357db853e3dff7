/**
 * The carry use case: the rates of a read wallet's positions at the block (each adapter's own
 * rate model, `ProtocolAdapter.readRates`), the native yield of the wrappers it holds (their rate
 * at the block against their rate `lookbackDays` earlier, a block-pinned read at that earlier
 * block), and the carry the engine computes from them (`risk/carry.ts`).
 */
import { getBlockTimestamp } from '../chains/block.js'
import { type BlockTime, findBlockByTimestamp } from '../chains/block-by-time.js'
import { BaseError } from '../core/errors.js'
import type { Position } from '../core/types.js'
import { readRatesAt } from '../markets/read-rates-at.js'
import type { WalletChainReport } from '../protocols/read-wallet.js'
import type { LayerPosition } from '../protocols/types.js'
import { identify } from '../resolve/contributions.js'
import type { Exposure } from '../resolve/types.js'
import {
  annualisedGrowth,
  type CarryResult,
  computeCarry,
  type NativeYield,
  type PositionRates,
  ptNativeYields,
} from '../risk/carry.js'
import type { ReportSources } from './report-sources.js'
import type { RequestBudget } from './request-budget.js'

/** Default look-back of a wrapper's native yield, days. */
export const DEFAULT_CARRY_LOOKBACK_DAYS = 7
/** Largest look-back accepted, days. */
export const MAX_CARRY_LOOKBACK_DAYS = 365

/** Params of {@link walletCarry}. */
export interface WalletCarryParams extends RequestBudget {
  /** Days between the earlier block and the block for wrappers' native yield; default 7. */
  lookbackDays?: number | undefined
}

/** A wallet's carry, plus what could not be measured. */
export type WalletCarry = CarryResult & {
  lookbackDays: number
  /** Why a native yield or a chain's rates are missing. */
  notes: string[]
}

/**
 * The carry of a read wallet: per layer, per stack and in total.
 * @throws BaseError INVALID_REQUEST for a look-back outside (0, {@link MAX_CARRY_LOOKBACK_DAYS}].
 */
export async function walletCarry(
  sources: ReportSources,
  reports: readonly WalletChainReport[],
  exposure: Exposure,
  params: WalletCarryParams = {},
): Promise<WalletCarry> {
  const lookbackDays = params.lookbackDays ?? DEFAULT_CARRY_LOOKBACK_DAYS
  if (!(lookbackDays > 0 && lookbackDays <= MAX_CARRY_LOOKBACK_DAYS)) {
    throw new BaseError('INVALID_REQUEST', `carryDays: must be > 0 and <= ${MAX_CARRY_LOOKBACK_DAYS}`)
  }
  const ok = reports.flatMap((r) => r.positions).filter((p): p is Position => p.status === 'ok')
  const layers: LayerPosition[] = identify(ok).map(({ id, position }) => ({ layer: id, position }))
  const notes: string[] = []
  const rates: PositionRates[] = []
  const nativeYields: NativeYield[] = []
  await Promise.all(
    reports.map(async (report) => {
      const chain = sources.config.chains[report.chain]
      const venue = sources.venues.find((v) => v.venue.key === report.chain)
      if (!chain && venue) {
        const here = layers.filter((l) => l.position.chain === report.chain)
        if (here.length === 0) return
        const ctx = { venue: venue.venue, ...(params.deadline ? { deadline: params.deadline } : {}) }
        const perAdapter = await Promise.all(
          venue.adapters.map((a) => (a.readVenueRates ? a.readVenueRates(ctx, here) : Promise.resolve([]))),
        )
        rates.push(...perAdapter.flat())
        return
      }
      if (!chain) return
      const client = sources.clientFor(chain)
      const here = layers.filter((l) => l.position.chain === report.chain)
      if (here.length === 0) return
      const ctx = {
        client,
        chain,
        blockNumber: report.blockNumber,
        ...(params.deadline ? { deadline: params.deadline } : {}),
      }
      const [perAdapter, native] = await Promise.all([
        Promise.all(
          sources.adapters.map((a) => (a.readRates ? a.readRates(ctx, here) : Promise.resolve([]))),
        ),
        nativeYieldsOf(sources, report, here, lookbackDays, params, notes),
      ])
      rates.push(...perAdapter.flat())
      nativeYields.push(...native)
      const held = here.flatMap((l) =>
        l.position.legs.flatMap((leg) =>
          leg.asset.address ? [{ address: leg.asset.address, symbol: leg.asset.symbol }] : [],
        ),
      )
      const { contexts } = sources.assets.contextsFrom([report])
      const ctxHere = contexts[report.chain]
      if (ctxHere)
        nativeYields.push(...ptNativeYields(ctxHere, report.chain, held, report.blockNumber, notes))
    }),
  )
  const legsByLayer = new Map(
    layers.map(({ layer, position }) => [
      layer,
      position.legs.map((l) => ({
        symbol: l.asset.symbol,
        token: l.asset.address,
        side: l.side,
        usd: l.usd,
      })),
    ]),
  )
  return {
    ...computeCarry({ exposure, legsByLayer, rates, nativeYields }),
    lookbackDays,
    notes,
  }
}

async function nativeYieldsOf(
  sources: ReportSources,
  report: WalletChainReport,
  layers: readonly LayerPosition[],
  lookbackDays: number,
  budget: RequestBudget,
  notes: string[],
): Promise<NativeYield[]> {
  const chain = sources.config.chains[report.chain]!
  const held = new Set(
    layers.flatMap((l) => l.position.legs.map((leg) => (leg.asset.address ?? '').toLowerCase())),
  )
  const calls = sources.assets
    .rateCallsFor(report.chain)
    .filter((c) => held.has(c.target.toLowerCase()) && report.rates[c.key] !== undefined)
  if (calls.length === 0) return []
  const client = sources.clientFor(chain)
  const deadline = budget.deadline
  const target = report.timestamp - BigInt(Math.round(lookbackDays * 86_400))
  let earlier: BlockTime
  let clamped = false
  let then: Awaited<ReturnType<typeof readRatesAt>>
  try {
    const found = await findBlockByTimestamp({
      client,
      chain: report.chain,
      timestamp: target,
      head: { blockNumber: report.blockNumber, timestamp: report.timestamp },
      ...(deadline ? { deadline } : {}),
    })
    if (found === null) {
      // The chain starts after the asked time: measure from its first block (cached by the search when deep).
      clamped = true
      earlier = {
        blockNumber: 0n,
        timestamp: await getBlockTimestamp({
          client,
          chain: report.chain,
          blockNumber: 0n,
          ...(deadline ? { deadline } : {}),
        }),
      }
    } else earlier = found
    if (earlier.blockNumber === report.blockNumber) {
      notes.push(`${report.chain}: no block before the report's to measure wrapper growth against`)
      return []
    }
    then = await readRatesAt({
      client,
      chain,
      calls,
      blockNumber: earlier.blockNumber,
      ...(deadline ? { deadline } : {}),
    })
  } catch (err) {
    if (!(err instanceof BaseError)) throw err
    notes.push(
      `${report.chain}: wrapper rates ${lookbackDays} days earlier could not be read (${err.code}: an archive RPC is needed for past blocks)`,
    )
    return []
  }
  if (clamped) {
    notes.push(
      `${report.chain}: the chain starts later than ${lookbackDays} days before the block: growth measured from block 0`,
    )
  }
  const elapsed = Number(report.timestamp - earlier.timestamp)
  return calls.flatMap((c): NativeYield[] => {
    const from = then.rates[c.key]
    const to = report.rates[c.key]!
    if (from === undefined || elapsed <= 0) {
      notes.push(`${report.chain}: ${c.key}: no rate at block ${earlier.blockNumber}`)
      return []
    }
    const leg = layers
      .flatMap((l) => l.position.legs)
      .find((x) => x.asset.address?.toLowerCase() === c.target.toLowerCase())
    return [
      {
        chain: report.chain,
        token: c.target,
        symbol: leg?.asset.symbol ?? c.key,
        apy: annualisedGrowth(from, to, elapsed),
        method: `${c.signature} growth over ${elapsed} s (blocks ${earlier.blockNumber} -> ${report.blockNumber}), annualised (to/from)^(31,536,000/elapsed) - 1`,
        rateFrom: from.toString(),
        rateTo: to.toString(),
        fromBlock: Number(earlier.blockNumber),
        toBlock: Number(report.blockNumber),
        elapsedSeconds: elapsed,
      },
    ]
  })
}
