/**
 * One monitoring tick: the ONE evaluation path of the Node scheduler and the Worker queue
 * consumer. Per chain: page the watches and their rule states from the store, read every watched
 * wallet's cheap health in few multi-wallet aggregate3 calls, read deeper only the wallets whose
 * cheap read moved (or whose rules or unseen protocols are due), evaluate the rules, store the
 * outcomes (`store.applyEvaluation`), then run the delivery of due alerts.
 */
import type { Address } from '../core/address.js'
import { BaseError } from '../core/errors.js'
import { toFloat } from '../core/math.js'
import type { HealthReading } from '../protocols/types.js'
import { configuredChains, type ReportSources, resolveChain } from '../report/report-sources.js'
import { type HealthBatchStats, readHealthBatch } from './evaluate/batch-read.js'
import {
  type DeepRead,
  deepNeedsOf,
  deepReadWallet,
  mergeNeeds,
  needsDeepMetrics,
} from './evaluate/deep-read.js'
import { evaluateWatch, type PositionView, type WalletSnapshot } from './evaluate/rules.js'
import type { Alert, EvaluationOutcome, MonitorStore, RuleState, Watch } from './types.js'

/** Tunables of a tick (every field has a documented default). */
export interface TickOptions {
  /**
   * A cheap reading that moved by more than this fraction (health factor or size, relative to the
   * reading at the wallet's last deep read) triggers a deep read. Default 0.005 (0.5 %).
   */
  moveThreshold?: number
  /**
   * Deep metrics (leverage, cascade, Monte Carlo) and positions the cheap read cannot see (protocols
   * without `planHealth`) are re-read at most every this many ticks unless the cheap read moved.
   * Default 10.
   */
  deepEveryTicks?: number
  /**
   * A wallet with no position outside the cheap read's reach is still deep-read every this many
   * ticks (staggered by address), to see positions opened in protocols without a cheap read, and
   * its discovery (adapters with `discover` and `planHealth`) re-run. Default 1,000.
   */
  rediscoverEveryTicks?: number
  /** Watches per page (one batch read per page). Default 1,000. */
  pageSize?: number
  /** Deep reads in flight at once. Default 4. */
  deepConcurrency?: number
  /**
   * Time a tick spends starting deep reads (ms); the rest wait for later ticks, most urgent first,
   * while every wallet's health factor is still evaluated from its exact cheap reading. Default 5,000.
   */
  deepBudgetMs?: number
  /**
   * A rule state whose status and memo did not change is written back only when its value moved
   * by more than this fraction (so a 10,000-watch tick does not rewrite every row). Default 0.001.
   */
  persistMove?: number
  /** Batch-read tunables. */
  maxGasPerCall?: number
  maxCallsPerBatch?: number
}

/** What the tick remembers of a wallet between ticks (in the process or isolate; a cache, never the truth). */
interface WalletMemo {
  discovered?: unknown[]
  discoveredTick: number
  deep?: DeepRead
  deepTick: number
  /** The cheap readings at the last deep read, keyed `protocol:market`. */
  deepReadings: Map<string, HealthReading>
}

/** The per-process monitor cache: wallets' discoveries and last deep reads, and the tick counter. */
export interface MonitorCache {
  tick: number
  wallets: Map<string, WalletMemo>
}

/** A fresh {@link MonitorCache}. */
export function createMonitorCache(): MonitorCache {
  return { tick: 0, wallets: new Map() }
}

/** What a tick needs. */
export interface MonitorTickContext {
  store: MonitorStore
  sources: ReportSources
  cache: MonitorCache
  /** Delivers the due alerts (monitor-store's `deliverDue` bound to its store and policy). */
  deliver?: ((now: number) => Promise<unknown>) | undefined
  options?: TickOptions | undefined
  /** Clock, ms. Default Date.now. */
  now?: (() => number) | undefined
  log?: ((message: string) => void) | undefined
}

/** One chain's part of a tick. */
export interface ChainTickSummary {
  chain: string
  watches: number
  wallets: number
  /** Block the cheap read was pinned to (null when no watch or the read failed). */
  block: bigint | null
  batch: HealthBatchStats | null
  deepReads: number
  /** Wallets whose deep read failed (evaluated again at the next tick). */
  deepFailures: number
  /** Deep reads due but left for later ticks (the tick's deep-read budget was spent). */
  deepDeferred: number
  outcomesStored: number
  alerts: number
  /** The alerts this evaluation stored (at most 100 listed; `alerts` counts them all). */
  fired: Alert[]
  /** The chain's read failed as a whole (logged; retried at the next tick). */
  error?: { code: string; message: string }
}

/** A tick's summary. */
export interface TickSummary {
  tick: number
  chains: ChainTickSummary[]
  alerts: number
  /** ms. */
  durationMs: number
  deliveryError?: string
}

const key = (protocol: string, market: string) => `${protocol}:${market}`

/**
 * Runs one tick over `chains` (every configured EVM chain when omitted), then delivery. Never
 * throws for an upstream fault: a chain whose read fails is logged and reported in its summary.
 */
export async function runTick(ctx: MonitorTickContext, chains?: readonly string[]): Promise<TickSummary> {
  const started = Date.now()
  const now = ctx.now ?? Date.now
  ctx.cache.tick++
  const tick = ctx.cache.tick
  const out: ChainTickSummary[] = []
  for (const chain of chains ?? configuredChains(ctx.sources)) {
    const summary: ChainTickSummary = emptySummary(chain)
    let afterId: string | null = null
    const pageSize = ctx.options?.pageSize ?? 1_000
    try {
      for (;;) {
        const page: Watch[] = await ctx.store.listWatchesForChain(chain, afterId, pageSize)
        if (page.length === 0) break
        add(summary, await evaluateWatches(ctx, chain, page))
        if (page.length < pageSize) break
        afterId = page[page.length - 1]!.id
      }
    } catch (err) {
      summary.error = errorOf(err)
      ctx.log?.(
        `monitor: chain ${chain}: ${summary.error.code}: ${summary.error.message} (retrying next tick)`,
      )
    }
    out.push(summary)
  }
  const result: TickSummary = {
    tick,
    chains: out,
    alerts: out.reduce((a, c) => a + c.alerts, 0),
    durationMs: 0,
  }
  if (ctx.deliver) {
    try {
      await ctx.deliver(now())
    } catch (err) {
      result.deliveryError = errorOf(err).message
      ctx.log?.(`monitor: delivery failed: ${result.deliveryError} (retrying next tick)`)
    }
  }
  result.durationMs = Date.now() - started
  return result
}

function emptySummary(chain: string): ChainTickSummary {
  return {
    chain,
    watches: 0,
    wallets: 0,
    block: null,
    batch: null,
    deepReads: 0,
    deepFailures: 0,
    deepDeferred: 0,
    outcomesStored: 0,
    alerts: 0,
    fired: [],
  }
}

function add(into: ChainTickSummary, part: ChainTickSummary): void {
  into.watches += part.watches
  into.wallets += part.wallets
  into.block = part.block ?? into.block
  into.deepReads += part.deepReads
  into.deepFailures += part.deepFailures
  into.deepDeferred += part.deepDeferred
  into.outcomesStored += part.outcomesStored
  into.alerts += part.alerts
  for (const a of part.fired) if (into.fired.length < 100) into.fired.push(a)
  if (part.batch) {
    const b = into.batch
    into.batch = b
      ? {
          wallets: b.wallets + part.batch.wallets,
          calls: b.calls + part.batch.calls,
          uniqueCalls: b.uniqueCalls + part.batch.uniqueCalls,
          ethCalls: b.ethCalls + part.batch.ethCalls,
          gasBound: b.gasBound + part.batch.gasBound,
        }
      : part.batch
  }
}

function errorOf(err: unknown): { code: string; message: string } {
  if (err instanceof BaseError) return { code: err.code, message: err.message }
  return { code: 'INTERNAL', message: err instanceof Error ? err.message.split('\n')[0]! : String(err) }
}

/** Stable small hash of an address, to stagger periodic deep reads across ticks. */
function stagger(address: string, every: number): number {
  return Number.parseInt(address.slice(-6), 16) % Math.max(1, every)
}

/** True when a cheap reading moved past `threshold` from the one at the last deep read. */
export function readingMoved(was: HealthReading | undefined, now: HealthReading, threshold: number): boolean {
  if (!was) return now.status !== 'none'
  if (was.status !== now.status) return true
  if ((was.healthFactorWad === null) !== (now.healthFactorWad === null)) return true
  if (was.healthFactorWad !== null && now.healthFactorWad !== null) {
    const a = toFloat(was.healthFactorWad, 18)
    const b = toFloat(now.healthFactorWad, 18)
    if (Math.abs(b - a) > threshold * Math.abs(a)) return true
  }
  if (was.size.length !== now.size.length) return true
  return now.size.some((v, i) => {
    const a = was.size[i]!
    return a === 0 ? v !== 0 : Math.abs(v - a) > threshold * Math.abs(a)
  })
}

/**
 * Evaluates one page of watches of one chain (the Worker queue consumer calls this with the page
 * its message names; the Node tick with each page in turn): cheap batch read of every wallet,
 * deep reads where due, rules, outcomes stored.
 * @throws the batch read's RPC errors (the page is retried at the next tick).
 */
export async function evaluateWatches(
  ctx: MonitorTickContext,
  chainKey: string,
  watches: readonly Watch[],
): Promise<ChainTickSummary> {
  const summary = emptySummary(chainKey)
  summary.watches = watches.length
  if (watches.length === 0) return summary
  const opts = ctx.options ?? {}
  const now = ctx.now ?? Date.now
  const tick = ctx.cache.tick
  const moveThreshold = opts.moveThreshold ?? 0.005
  const deepEvery = opts.deepEveryTicks ?? 10
  const rediscoverEvery = opts.rediscoverEveryTicks ?? 1_000
  const chain = resolveChain(ctx.sources, chainKey)
  const adapters = ctx.sources.adapters

  const ids = watches.map((w) => w.id)
  const [states, lastAlerts] = await Promise.all([
    ctx.store.getRuleStates(chainKey, ids),
    ctx.store.lastAlertTimes(ids),
  ])
  const statesOf = new Map<string, RuleState[]>()
  for (const s of states) {
    const list = statesOf.get(s.watchId) ?? []
    list.push(s)
    statesOf.set(s.watchId, list)
  }
  const byWallet = new Map<string, Watch[]>()
  for (const w of watches) {
    const a = w.address.toLowerCase()
    const list = byWallet.get(a) ?? []
    list.push(w)
    byWallet.set(a, list)
  }
  const addresses = [...byWallet.keys()] as Address[]
  summary.wallets = addresses.length

  // Discovery for the cheap read (adapters with both discover and planHealth), cached.
  const discovering = adapters.map((a) => a.discover !== undefined && a.planHealth !== undefined)
  const memoOf = (a: string): WalletMemo => {
    const k = `${chainKey}|${a}`
    let m = ctx.cache.wallets.get(k)
    if (!m) {
      m = { discoveredTick: -Infinity, deepTick: -Infinity, deepReadings: new Map() }
      ctx.cache.wallets.set(k, m)
    }
    return m
  }
  if (discovering.some(Boolean)) {
    const client = ctx.sources.clientFor(chain)
    await Promise.all(
      addresses.map(async (address) => {
        const m = memoOf(address)
        if (m.discovered && tick - m.discoveredTick < rediscoverEvery) return
        m.discovered = await Promise.all(
          adapters.map((a, i) =>
            discovering[i] ? a.discover!({ client, chain, user: address }) : undefined,
          ),
        )
        m.discoveredTick = tick
      }),
    )
  }

  const batch = await readHealthBatch({
    client: ctx.sources.clientFor(chain),
    chain,
    adapters,
    wallets: addresses.map((address) => ({ address, discovered: memoOf(address).discovered })),
    maxGasPerCall: opts.maxGasPerCall,
    maxCallsPerBatch: opts.maxCallsPerBatch,
  })
  summary.block = batch.blockNumber
  summary.batch = batch.stats

  // Which wallets need a deep read now, most urgent first: a cheap read that moved where the rules
  // need more than health factors; never read; positions the cheap read cannot see, or deep
  // metrics, due; the periodic re-discovery (staggered by address).
  const due: { address: Address; memo: WalletMemo; readings: HealthReading[]; priority: number }[] = []
  for (const w of batch.wallets) {
    const memo = memoOf(w.address)
    const needs = mergeNeeds((byWallet.get(w.address) ?? []).map((x) => deepNeedsOf(x.rules)))
    const wantsDeep = needs.positions || needsDeepMetrics(needs)
    const age = tick - memo.deepTick
    const moved = w.readings.some((r) =>
      readingMoved(memo.deepReadings.get(key(r.protocol, r.market)), r, moveThreshold),
    )
    const covered = new Set(w.readings.filter((r) => r.exact).map((r) => key(r.protocol, r.market)))
    const unseen = (memo.deep?.positions ?? []).some((p) => !covered.has(p.key))
    const priority =
      memo.deep !== undefined && moved && wantsDeep
        ? 0
        : memo.deep === undefined
          ? 1
          : (unseen || wantsDeep) && age >= deepEvery
            ? 2
            : age >= rediscoverEvery && tick % rediscoverEvery === stagger(w.address, rediscoverEvery)
              ? 3
              : -1
    if (priority >= 0) due.push({ address: w.address, memo, readings: w.readings, priority })
  }
  due.sort((a, b) => a.priority - b.priority)
  const freshDeep = new Set<string>()
  const deepStarted = Date.now()
  const budget = opts.deepBudgetMs ?? 5_000
  let next = 0
  const worker = async () => {
    while (next < due.length && Date.now() - deepStarted < budget) {
      const d = due[next++]!
      const needs = mergeNeeds((byWallet.get(d.address) ?? []).map((x) => deepNeedsOf(x.rules)))
      try {
        d.memo.deep = await deepReadWallet(ctx.sources, { address: d.address, chain: chainKey, needs })
        d.memo.deepTick = tick
        d.memo.deepReadings = new Map(d.readings.map((r) => [key(r.protocol, r.market), r]))
        freshDeep.add(d.address)
        summary.deepReads++
      } catch (err) {
        summary.deepFailures++
        const e = errorOf(err)
        ctx.log?.(
          `monitor: deep read of ${d.address} on ${chainKey}: ${e.code}: ${e.message} (retrying next tick)`,
        )
      }
    }
  }
  await Promise.all(Array.from({ length: Math.min(opts.deepConcurrency ?? 4, due.length) }, worker))
  summary.deepDeferred = due.length - next

  // Evaluate and store.
  const at = now()
  for (const w of batch.wallets) {
    const memo = memoOf(w.address)
    const fresh = freshDeep.has(w.address)
    const snapshot = snapshotOf(chainKey, batch.blockNumber, memo.deep, w.readings, fresh, w.address)
    for (const watch of byWallet.get(w.address) ?? []) {
      const prev = statesOf.get(watch.id) ?? []
      const outcome = evaluateWatch({
        watch,
        snapshot,
        states: prev,
        lastAlertAt: lastAlerts.get(watch.id),
        now: at,
      })
      if (!worthStoring(outcome, prev, opts.persistMove ?? 0.001)) continue
      await ctx.store.applyEvaluation(outcome, watch.webhooks.length, at)
      summary.outcomesStored++
      summary.alerts += outcome.alerts.length
      for (const a of outcome.alerts) if (summary.fired.length < 100) summary.fired.push(a)
      for (const a of outcome.alerts) ctx.log?.(`monitor: alert ${a.id} watch ${watch.id}: ${a.message}`)
    }
  }
  return summary
}

/**
 * The snapshot the rules see: the last deep read's positions (none before the first), each health
 * factor refreshed by the current exact cheap reading of its market (the protocol's own value at
 * this block); a covered market the cheap read shows opened is added from the reading, one it
 * shows empty is dropped, one whose cheap read failed is marked unavailable (never silence). Deep
 * metrics only when read at this tick.
 */
export function snapshotOf(
  chain: string,
  block: bigint,
  deep: DeepRead | undefined,
  readings: readonly HealthReading[],
  fresh: boolean,
  owner: Address,
): WalletSnapshot {
  const byKey = new Map(readings.map((r) => [key(r.protocol, r.market), r]))
  const positions: PositionView[] = []
  for (const p of deep?.positions ?? []) {
    const r = byKey.get(p.key)
    if (!r) positions.push(p)
    else if (r.status === 'failed') positions.push(unavailableView(p.key, owner, block))
    else if (!r.exact || fresh) positions.push(p)
    else if (r.status === 'none') continue
    else positions.push({ ...p, status: 'ok', healthFactor: hfOf(r) })
  }
  for (const r of readings) {
    const k = key(r.protocol, r.market)
    if (r.status === 'none' || positions.some((p) => p.key === k)) continue
    if (r.status === 'failed') positions.push(unavailableView(k, owner, block))
    else if (r.exact) {
      // Seen only by the cheap read so far: its health factor; sizes are the protocol's reporting
      // unit (Aave: USD) until a deep read, which positionChange waits for (positionsFresh).
      positions.push({
        key: k,
        status: 'ok',
        healthFactor: hfOf(r),
        collateralUsd: r.size[0] ?? 0,
        debtUsd: r.size[1] ?? 0,
        collateralDistances: [],
      })
    }
  }
  return {
    chain,
    block,
    positions,
    positionsFresh: fresh,
    ...(fresh && deep?.effectiveLeverage !== undefined ? { effectiveLeverage: deep.effectiveLeverage } : {}),
    ...(fresh && deep?.cascadeShock ? { cascadeShock: deep.cascadeShock } : {}),
    ...(fresh && deep?.liquidationProbability ? { liquidationProbability: deep.liquidationProbability } : {}),
  }
}

const hfOf = (r: HealthReading) => (r.healthFactorWad === null ? null : toFloat(r.healthFactorWad, 18))

function unavailableView(k: string, owner: Address, block: bigint): PositionView {
  return {
    key: k,
    status: 'unavailable',
    healthFactor: null,
    collateralUsd: 0,
    debtUsd: 0,
    collateralDistances: [],
    code: 'HEALTH_READ_FAILED',
    reason: `the cheap health read of ${k} of ${owner} failed at block ${block}`,
  }
}

/** True when an outcome changes something worth a write (alerts, a status or memo, a value moved). */
export function worthStoring(
  outcome: EvaluationOutcome,
  prev: readonly RuleState[],
  persistMove: number,
): boolean {
  if (outcome.alerts.length > 0) return true
  const byIndex = new Map(prev.map((s) => [s.ruleIndex, s]))
  return outcome.states.some((s) => {
    const p = byIndex.get(s.ruleIndex)
    if (!p || p.status !== s.status || p.memo !== s.memo) return true
    if ((p.lastValue === null) !== (s.lastValue === null)) return true
    if (p.lastValue === null || s.lastValue === null) return false
    return Math.abs(s.lastValue - p.lastValue) > persistMove * Math.abs(p.lastValue)
  })
}
