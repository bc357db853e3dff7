/**
 * The history use case: a wallet's report at past blocks of one chain. `from` and `to` are block
 * numbers or times (a time is the last block at or before it, found by a batched header search:
 * `src/chains/block-by-time.ts`); the points are spaced evenly between them (in time when both
 * ends are times, else in blocks). Each point is ONE wallet read pinned to its block (one batch),
 * resolved into its health factors, equity, effective leverage and net exposure; the closest
 * approach to liquidation (the lowest health factor of any position at any point) is marked.
 * The node must serve old state (an archive node): when it cannot, ARCHIVE_STATE_UNAVAILABLE.
 */
import { getBlockTimestamp, resolveBlock } from '../chains/block.js'
import {
  ArchiveStateUnavailableError,
  asArchiveError,
  type BlockSearchStats,
  type BlockTime,
  findBlockByTimestamp,
} from '../chains/block-by-time.js'
import type { Address } from '../core/address.js'
import { BaseError } from '../core/errors.js'
import { identify } from '../resolve/contributions.js'
import { resolveWalletRead } from './exposure-report.js'
import { type ReportSources, resolveChain } from './report-sources.js'
import { budgetFields, type RequestBudget } from './request-budget.js'
import { readWalletReport } from './wallet-report.js'

/** Bounds of one history request. */
export const HISTORY_LIMITS = {
  /** The most points (wallet reads) of one request. */
  maxPoints: 50,
  /** Points when `points` is omitted. */
  defaultPoints: 24,
  /** Span when `from` is omitted: `to` minus 7 days. */
  defaultSpanSeconds: 7 * 24 * 3600,
  /** Wallet reads in flight at once (the rest wait): bounds the burst on the RPC. */
  concurrency: 4,
} as const

/** One end of the range: a block number, or a time (Unix seconds). */
export type HistoryBound = { kind: 'block'; blockNumber: bigint } | { kind: 'time'; timestamp: bigint }

/** Params of {@link historyReport}. */
export interface HistoryReportParams extends RequestBudget {
  address: Address
  /** One chain key (blocks are a chain's). */
  chain: string
  /** Start; `to` minus {@link HISTORY_LIMITS}.defaultSpanSeconds when omitted. */
  from?: HistoryBound | undefined
  /** End; the chain head when omitted. */
  to?: HistoryBound | undefined
  /** 2..{@link HISTORY_LIMITS}.maxPoints (default {@link HISTORY_LIMITS}.defaultPoints). */
  points?: number | undefined
  /** Also read the address's smart accounts (default true). */
  accounts?: boolean | undefined
}

/** One position at one point. */
export interface HistoryPosition {
  /** The resolver's layer id (chain:market, #n for a second one): stable across points. */
  id: string
  protocol: string
  market: string
  kind: 'lending' | 'perp'
  account?: Address
  /** The protocol's health factor, float; null without debt. */
  healthFactor: number | null
  /** The health factor in WAD as the protocol computes it (decimal string), where it has one. */
  healthFactorWad: string | null
  /** USD, float. */
  collateralUsd: number
  /** USD, float. */
  debtUsd: number
}

/** The wallet at one block. */
export interface HistoryPoint {
  blockNumber: number
  /** Unix seconds. */
  timestamp: number
  /** The time asked for (Unix seconds) when the point was placed by time; null when by block. */
  targetTimestamp: number | null
  positions: HistoryPosition[]
  /** Positions that could not be read at this block (listed by market), never counted as zero. */
  unavailable: { protocol: string; market: string; code: string; reason: string }[]
  /** USD, float (the resolver's equity: sum of net USD). */
  equityUsd: number
  /** USD, float. */
  grossExposureUsd: number
  /** gross / equity; null when the equity is <= 0. */
  effectiveLeverage: number | null
  /** Net exposure per risk asset: units (float) and USD. */
  netExposure: { riskAsset: string; units: number; usd: number }[]
  /** The lowest health factor of the point; null when no position has debt. */
  minHealthFactor: number | null
}

/** The lowest health factor of any position at any point. */
export interface ClosestApproach {
  blockNumber: number
  /** Unix seconds. */
  timestamp: number
  positionId: string
  protocol: string
  market: string
  healthFactor: number
  /** 1 - 1 / HF: the share of its collateral's liquidation value the position could lose before HF = 1. */
  cushion: number
}

/** A wallet's history on one chain. */
export interface HistoryReport {
  address: Address
  chain: string
  from: { blockNumber: number; timestamp: number }
  to: { blockNumber: number; timestamp: number }
  /** The head when the request was served. */
  headBlockNumber: number
  points: HistoryPoint[]
  closestApproach: ClosestApproach | null
  /** Header searches for times: rounds (batched POSTs) and headers asked for. */
  blockSearch: BlockSearchStats
}

/** A bound named in messages. */
type BoundName = 'from' | 'to'

/**
 * Reads `address` on `chain` at `points` blocks between `from` and `to`.
 * @throws BaseError INVALID_REQUEST naming `from`/`to`/`points`; BlockOutOfRangeError for a block
 *   above the head; ArchiveStateUnavailableError (502) when the node cannot serve a block's state;
 *   chain and RPC errors.
 */
export async function historyReport(
  sources: ReportSources,
  params: HistoryReportParams,
): Promise<HistoryReport> {
  const points = params.points ?? HISTORY_LIMITS.defaultPoints
  if (!Number.isInteger(points) || points < 2 || points > HISTORY_LIMITS.maxPoints) {
    throw new BaseError(
      'INVALID_REQUEST',
      `points must be an integer in [2, ${HISTORY_LIMITS.maxPoints}], got ${points}`,
    )
  }
  const runtime = resolveChain(sources, params.chain)
  const client = sources.clientFor(runtime)
  const chain = runtime.key
  const budget = budgetFields(params)
  const { head: headNumber } = await resolveBlock({ client, chain, ...budget })
  const headTime = await getBlockTimestamp({ client, chain, blockNumber: headNumber, ...budget })
  const head: BlockTime = { blockNumber: headNumber, timestamp: headTime }
  const stats: BlockSearchStats = { rounds: 0, headers: 0 }

  const blockTime = async (n: bigint, name: BoundName): Promise<BlockTime> => {
    if (n > head.blockNumber) {
      throw new BaseError(
        'BLOCK_OUT_OF_RANGE',
        `${name}: block ${n} is above the head of chain "${chain}" (block ${head.blockNumber})`,
      )
    }
    try {
      return {
        blockNumber: n,
        timestamp: await getBlockTimestamp({ client, chain, blockNumber: n, ...budget }),
      }
    } catch (err) {
      throw archiveOr(err, chain, n)
    }
  }
  const atTime = async (ts: bigint, name: BoundName, lowerBound?: BlockTime): Promise<BlockTime> => {
    if (ts > head.timestamp + 60n) {
      throw new BaseError(
        'INVALID_REQUEST',
        `${name}: ${iso(ts)} is after the head of chain "${chain}" (block ${head.blockNumber} at ${iso(head.timestamp)})`,
      )
    }
    const found = await findBlockByTimestamp(
      { client, chain, timestamp: ts, head, ...(lowerBound ? { lowerBound } : {}), ...budget },
      stats,
    )
    if (found === null) {
      throw new BaseError(
        'INVALID_REQUEST',
        `${name}: ${iso(ts)} is before the first block of chain "${chain}"`,
      )
    }
    return found
  }

  const to =
    params.to === undefined
      ? head
      : params.to.kind === 'block'
        ? await blockTime(params.to.blockNumber, 'to')
        : await atTime(params.to.timestamp, 'to')
  const toTime =
    params.to === undefined ? to.timestamp : params.to.kind === 'time' ? params.to.timestamp : null
  let from: BlockTime
  let fromTime: bigint | null
  if (params.from === undefined) {
    // The default span: a week before `to`, or the chain's first block when it is younger.
    fromTime = to.timestamp - BigInt(HISTORY_LIMITS.defaultSpanSeconds)
    const found = await findBlockByTimestamp({ client, chain, timestamp: fromTime, head, ...budget }, stats)
    from = found ?? (await blockTime(0n, 'from'))
    if (found === null) fromTime = from.timestamp
  } else if (params.from.kind === 'block') {
    from = await blockTime(params.from.blockNumber, 'from')
    fromTime = null
  } else {
    from = await atTime(params.from.timestamp, 'from')
    fromTime = params.from.timestamp
  }
  if (from.blockNumber >= to.blockNumber) {
    throw new BaseError(
      'INVALID_REQUEST',
      `from (block ${from.blockNumber}) must be before to (block ${to.blockNumber})`,
    )
  }

  // Points: evenly in time when both ends are times (or defaulted), else evenly in blocks.
  const resolved: (BlockTime & { target: bigint | null })[] = []
  if (fromTime !== null && toTime !== null) {
    const inner = await Promise.all(
      Array.from({ length: points - 2 }, (_, j) => {
        const t = fromTime + ((toTime - fromTime) * BigInt(j + 1)) / BigInt(points - 1)
        return atTime(t, 'to', from).then((b) => ({ ...b, target: t }))
      }),
    )
    resolved.push({ ...from, target: fromTime }, ...inner, { ...to, target: toTime })
  } else {
    const span = to.blockNumber - from.blockNumber
    const inner = await Promise.all(
      Array.from({ length: points - 2 }, (_, j) =>
        blockTime(from.blockNumber + (span * BigInt(j + 1)) / BigInt(points - 1), 'to').then((b) => ({
          ...b,
          target: null,
        })),
      ),
    )
    resolved.push({ ...from, target: null }, ...inner, { ...to, target: null })
  }
  const unique = resolved.filter((p, i) => resolved.findIndex((q) => q.blockNumber === p.blockNumber) === i)

  const out = await mapLimit(unique, HISTORY_LIMITS.concurrency, (p) =>
    pointAt(sources, params, chain, p, head),
  )
  return {
    address: params.address,
    chain,
    from: { blockNumber: Number(from.blockNumber), timestamp: Number(from.timestamp) },
    to: { blockNumber: Number(to.blockNumber), timestamp: Number(to.timestamp) },
    headBlockNumber: Number(head.blockNumber),
    points: out,
    closestApproach: closestApproachOf(out),
    blockSearch: stats,
  }
}

async function pointAt(
  sources: ReportSources,
  params: HistoryReportParams,
  chain: string,
  p: BlockTime & { target: bigint | null },
  head: BlockTime,
): Promise<HistoryPoint> {
  let read: Awaited<ReturnType<typeof readWalletReport>>
  try {
    read = await readWalletReport(sources, {
      address: params.address,
      chain,
      blockNumber: p.blockNumber,
      accounts: params.accounts,
      ...budgetFields(params),
    })
  } catch (err) {
    // A node without the block's state may say "header not found", read as a block above the head.
    if (err instanceof BaseError && err.code === 'BLOCK_OUT_OF_RANGE' && p.blockNumber <= head.blockNumber)
      throw new ArchiveStateUnavailableError(chain, p.blockNumber, { cause: err })
    throw archiveOr(err, chain, p.blockNumber)
  }
  const missing = read.positions.find(
    (x) =>
      x.status === 'unavailable' &&
      asArchiveError(new Error(x.reason), chain, p.blockNumber) instanceof ArchiveStateUnavailableError,
  )
  if (missing) throw new ArchiveStateUnavailableError(chain, p.blockNumber)
  const exposure = resolveWalletRead(sources, read)
  const positions: HistoryPosition[] = identify(
    read.positions.flatMap((x) => (x.status === 'ok' ? [x] : [])),
  ).map(({ id, position }) => ({
    id,
    protocol: position.protocol,
    market: position.market,
    kind: position.kind,
    ...(position.account ? { account: position.account } : {}),
    healthFactor: position.healthFactor,
    healthFactorWad: position.healthFactorWad === null ? null : position.healthFactorWad.toString(),
    collateralUsd: position.collateralUsd,
    debtUsd: position.debtUsd,
  }))
  const hfs = positions.map((x) => x.healthFactor).filter((h): h is number => h !== null)
  return {
    blockNumber: Number(p.blockNumber),
    timestamp: Number(p.timestamp),
    targetTimestamp: p.target === null ? null : Number(p.target),
    positions,
    unavailable: read.positions.flatMap((x) =>
      x.status === 'unavailable'
        ? [{ protocol: x.protocol, market: x.market, code: x.code, reason: x.reason }]
        : [],
    ),
    equityUsd: exposure.equityUsd,
    grossExposureUsd: exposure.grossExposureUsd,
    effectiveLeverage: exposure.effectiveLeverage,
    netExposure: exposure.netExposure.map((e) => ({ riskAsset: e.riskAsset, units: e.units, usd: e.usd })),
    minHealthFactor: hfs.length > 0 ? Math.min(...hfs) : null,
  }
}

/** The lowest health factor of any position at any point (the first one on a tie). */
export function closestApproachOf(points: readonly HistoryPoint[]): ClosestApproach | null {
  let best: ClosestApproach | null = null
  for (const p of points) {
    for (const x of p.positions) {
      if (x.healthFactor === null) continue
      if (best === null || x.healthFactor < best.healthFactor) {
        best = {
          blockNumber: p.blockNumber,
          timestamp: p.timestamp,
          positionId: x.id,
          protocol: x.protocol,
          market: x.market,
          healthFactor: x.healthFactor,
          cushion: 1 - 1 / x.healthFactor,
        }
      }
    }
  }
  return best
}

function archiveOr(err: unknown, chain: string, blockNumber: bigint): unknown {
  return asArchiveError(err, chain, blockNumber)
}

const iso = (ts: bigint) => new Date(Number(ts) * 1000).toISOString()

/** `fn` over `items`, at most `limit` at once, results in order. */
async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length)
  let next = 0
  const worker = async () => {
    while (next < items.length) {
      const i = next++
      out[i] = await fn(items[i] as T)
    }
  }
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker))
  return out
}
