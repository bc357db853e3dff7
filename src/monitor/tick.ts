/**
 * One monitoring tick: the ONE evaluation path of the Node scheduler and the Worker queue
 * consumer. Per chain: page the watches and their rule states from the store, read every watched
 * wallet's cheap health in few multi-wallet aggregate3 calls, read deeper only the wallets whose
 * cheap read moved (or whose rules or unseen protocols are due), evaluate the rules, store the
 * outcomes (`store.applyEvaluation`), then run the delivery of due alerts.
 */
import { createDeadline, remainingMs, withDeadline } from '../chains/deadline.js'
import type { Address } from '../core/address.js'
import { BaseError } from '../core/errors.js'
import { toFloat } from '../core/math.js'
import type { HealthReading } from '../protocols/types.js'
import { configuredChains, type ReportSources, resolveChain } from '../report/report-sources.js'
import { type HealthBatchStats, readHealthBatch } from './evaluate/batch-read.js'
import {
  type DeepNeeds,
  type DeepRead,
  deepNeedsOf,
  deepReadWallet,
  mergeNeeds,
  needsDeepMetrics,
} from './evaluate/deep-read.js'
import { evaluateWatch, type PositionView, type WalletSnapshot } from './evaluate/rules.js'
import type { Alert, EvaluationOutcome, EvaluationToStore, MonitorStore, RuleState, Watch } from './types.js'

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
  /** Pages of a chain whose store reads and cheap read are in flight at once (Node tick). Default 3. */
  pageConcurrency?: number
  /** Deep reads in flight at once. Default 4. */
  deepConcurrency?: number
  /**
   * Wall time (ms) of a tick's deep reads: none starts after it and those in flight are cut at it;
   * the rest are deferred to later ticks, most urgent first (never dropped), while every wallet's
   * health factor is still evaluated from its exact cheap reading. Default 5,000.
   */
  deepBudgetMs?: number
  /**
   * Wall time (ms, from the tick's start) after which no deep read of the tick continues: the deep
   * reads end by the earlier of this and {@link TickOptions.deepBudgetMs}, so slow cheap reads
   * shorten the deep-read pass and the tick stays bounded. Default 7,000.
   */
  tickBudgetMs?: number
  /**
   * A rule state whose status and memo did not change is written back only when its value moved
   * by more than this fraction (so a 10,000-watch tick does not rewrite every row). Default 0.001.
   */
  persistMove?: number
  /** Batch-read tunables. */
  maxGasPerCall?: number
  maxCallsPerBatch?: number
}

/** Default {@link TickOptions.deepBudgetMs}, ms. */
export const DEFAULT_DEEP_BUDGET_MS = 5_000
/** Default {@link TickOptions.tickBudgetMs}, ms. */
export const DEFAULT_TICK_BUDGET_MS = 7_000

/** What the tick remembers of a wallet between ticks (in the process or isolate; a cache, never the truth). */
interface WalletMemo {
  discovered?: unknown[]
  discoveredTick: number
  deep?: DeepRead
  deepTick: number
  /** The cheap readings at the last deep read, keyed `protocol:market`. */
  deepReadings: Map<string, HealthReading>
  /** A due deep read deferred (budget spent, or cut) or failed: its priority, kept until it is read. */
  pendingPriority?: number | undefined
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
  /**
   * Deep reads due but left for later ticks (not started, or cut in flight, when the tick's
   * deep-read budget was spent); they keep their priority and are read first next tick.
   */
  deepDeferred: number
  outcomesStored: number
  alerts: number
  /** The alerts this evaluation stored (at most 100 listed; `alerts` counts them all). */
  fired: Alert[]
  /**
   * Where the chain's tick spent its wall time, ms: the store's reads of watches and rule states
   * (`storeRead`), discovery and the cheap batch read (`cheapRead`), the deep reads (`deep`), rule
   * evaluation (`evaluate`) and the store's writes (`storeWrite`). Per-page phases are summed over
   * the pages, which overlap (`pageConcurrency`): their sum can exceed the tick's wall time.
   */
  timings: TickTimings
  /** The chain's read failed as a whole (logged; retried at the next tick). */
  error?: { code: string; message: string }
}

/** Wall time per phase of a chain's tick, ms (see {@link ChainTickSummary.timings}). */
export interface TickTimings {
  storeRead: number
  cheapRead: number
  deep: number
  evaluate: number
  storeWrite: number
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
    const failed = (err: unknown) => {
      summary.error = errorOf(err)
      ctx.log?.(
        `monitor: chain ${chain}: ${summary.error.code}: ${summary.error.message} (retrying next tick)`,
      )
    }
    // Every page's store reads and cheap read first, then ONE deep-read pass over the chain (one
    // budget, one priority order), then every page evaluated and stored. A page whose read fails
    // ends the paging (the chain is retried next tick); the pages read before it are still evaluated.
    // Pages are listed in order and prepared up to `pageConcurrency` at once (their cheap reads
    // overlap); a page whose preparation failed stops the listing.
    type Settled = { page: PreparedPage } | { err: unknown }
    const preparing: Promise<Settled>[] = []
    const pageConcurrency = Math.max(1, ctx.options?.pageConcurrency ?? 3)
    let stop = false
    try {
      while (!stop) {
        const listed = Date.now()
        const page: Watch[] = await ctx.store.listWatchesForChain(chain, afterId, pageSize)
        summary.timings.storeRead += Date.now() - listed
        if (page.length === 0) break
        preparing.push(
          preparePage(ctx, chain, page).then(
            (p) => ({ page: p }),
            (err: unknown) => {
              stop = true
              return { err }
            },
          ),
        )
        if (preparing.length >= pageConcurrency) await preparing[preparing.length - pageConcurrency]
        if (page.length < pageSize) break
        afterId = page[page.length - 1]!.id
      }
    } catch (err) {
      failed(err)
    }
    const pages: PreparedPage[] = []
    for (const r of await Promise.all(preparing)) {
      if ('page' in r) pages.push(r.page)
      else if (!summary.error) failed(r.err)
    }
    try {
      const deepStarted = Date.now()
      const deep = await runDeepReads(ctx, chain, dedupeDue(pages), started)
      summary.timings.deep += Date.now() - deepStarted
      for (const page of pages) add(summary, await finishPage(ctx, page, deep))
      summary.deepReads = deep.reads
      summary.deepFailures = deep.failures
      summary.deepDeferred = deep.deferred
    } catch (err) {
      failed(err)
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
    timings: { storeRead: 0, cheapRead: 0, deep: 0, evaluate: 0, storeWrite: 0 },
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
  for (const k of Object.keys(into.timings) as (keyof TickTimings)[]) into.timings[k] += part.timings[k]
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

/** The due deep reads of every page, one per wallet (a wallet watched on two pages: their needs merged, the more urgent priority). */
function dedupeDue(pages: readonly PreparedPage[]): DueDeepRead[] {
  const byAddress = new Map<string, DueDeepRead>()
  for (const page of pages) {
    for (const d of page.due) {
      const was = byAddress.get(d.address)
      byAddress.set(
        d.address,
        was
          ? { ...was, needs: mergeNeeds([was.needs, d.needs]), priority: Math.min(was.priority, d.priority) }
          : d,
      )
    }
  }
  return [...byAddress.values()]
}

/** A wallet whose deep read is due, with what it needs and how urgent it is (0 most). */
interface DueDeepRead {
  address: Address
  memo: WalletMemo
  readings: HealthReading[]
  needs: DeepNeeds
  priority: number
}

/** One page of watches after its store reads and cheap read, before its deep reads and evaluation. */
interface PreparedPage {
  chainKey: string
  summary: ChainTickSummary
  watches: readonly Watch[]
  byWallet: Map<string, Watch[]>
  statesOf: Map<string, RuleState[]>
  lastAlerts: Map<string, number>
  batch: Awaited<ReturnType<typeof readHealthBatch>> | null
  due: DueDeepRead[]
}

/** What the deep reads of a tick (or page) did. */
interface DeepPass {
  fresh: Set<string>
  reads: number
  failures: number
  deferred: number
}

/**
 * Evaluates one page of watches of one chain (the Worker queue consumer calls this with the page
 * its message names): cheap batch read of every wallet, deep reads where due within the deep-read
 * budget (counted from this call), rules, outcomes stored. The Node tick does the same over every
 * page of a chain with ONE budget and one priority order ({@link runTick}).
 * @throws the batch read's RPC errors (the page is retried at the next tick).
 */
export async function evaluateWatches(
  ctx: MonitorTickContext,
  chainKey: string,
  watches: readonly Watch[],
): Promise<ChainTickSummary> {
  const started = Date.now()
  const page = await preparePage(ctx, chainKey, watches)
  const deepStarted = Date.now()
  const deep = await runDeepReads(ctx, chainKey, page.due, started)
  const summary = await finishPage(ctx, page, deep)
  summary.timings.deep += Date.now() - deepStarted
  summary.deepReads = deep.reads
  summary.deepFailures = deep.failures
  summary.deepDeferred = deep.deferred
  return summary
}

/** Memo of `address` on `chainKey` in the tick cache (created empty). */
function memoOf(ctx: MonitorTickContext, chainKey: string, address: string): WalletMemo {
  const k = `${chainKey}|${address}`
  let m = ctx.cache.wallets.get(k)
  if (!m) {
    m = { discoveredTick: -Infinity, deepTick: -Infinity, deepReadings: new Map() }
    ctx.cache.wallets.set(k, m)
  }
  return m
}

/**
 * A page's store reads (rule states, last alerts), discovery, cheap batch read and the list of
 * its wallets whose deep read is due, most urgent first: a cheap read that moved where the rules
 * need more than health factors (0); never read (1); positions the cheap read cannot see, or deep
 * metrics, due (2); the periodic re-discovery, staggered by address (3). A wallet whose due read was
 * deferred or failed keeps its place until read ({@link WalletMemo.pendingPriority}).
 */
async function preparePage(
  ctx: MonitorTickContext,
  chainKey: string,
  watches: readonly Watch[],
): Promise<PreparedPage> {
  const summary = emptySummary(chainKey)
  summary.watches = watches.length
  const page: PreparedPage = {
    chainKey,
    summary,
    watches,
    byWallet: new Map(),
    statesOf: new Map(),
    lastAlerts: new Map(),
    batch: null,
    due: [],
  }
  if (watches.length === 0) return page
  const opts = ctx.options ?? {}
  const tick = ctx.cache.tick
  const moveThreshold = opts.moveThreshold ?? 0.005
  const deepEvery = opts.deepEveryTicks ?? 10
  const rediscoverEvery = opts.rediscoverEveryTicks ?? 1_000
  const chain = resolveChain(ctx.sources, chainKey)
  const adapters = ctx.sources.adapters

  const ids = watches.map((w) => w.id)
  const readStarted = Date.now()
  const [states, lastAlerts] = await Promise.all([
    ctx.store.getRuleStates(chainKey, ids),
    ctx.store.lastAlertTimes(ids),
  ])
  const cheapStarted = Date.now()
  summary.timings.storeRead += cheapStarted - readStarted
  page.lastAlerts = lastAlerts
  for (const s of states) {
    const list = page.statesOf.get(s.watchId) ?? []
    list.push(s)
    page.statesOf.set(s.watchId, list)
  }
  for (const w of watches) {
    const a = w.address.toLowerCase()
    const list = page.byWallet.get(a) ?? []
    list.push(w)
    page.byWallet.set(a, list)
  }
  const addresses = [...page.byWallet.keys()] as Address[]
  summary.wallets = addresses.length

  // Discovery for the cheap read (adapters with both discover and planHealth), cached.
  const discovering = adapters.map((a) => a.discover !== undefined && a.planHealth !== undefined)
  if (discovering.some(Boolean)) {
    const client = ctx.sources.clientFor(chain)
    await Promise.all(
      addresses.map(async (address) => {
        const m = memoOf(ctx, chainKey, address)
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
    wallets: addresses.map((address) => ({ address, discovered: memoOf(ctx, chainKey, address).discovered })),
    maxGasPerCall: opts.maxGasPerCall,
    maxCallsPerBatch: opts.maxCallsPerBatch,
  })
  page.batch = batch
  summary.timings.cheapRead += Date.now() - cheapStarted
  summary.block = batch.blockNumber
  summary.batch = batch.stats

  for (const w of batch.wallets) {
    const memo = memoOf(ctx, chainKey, w.address)
    const needs = mergeNeeds((page.byWallet.get(w.address) ?? []).map((x) => deepNeedsOf(x.rules)))
    const wantsDeep = needs.positions || needsDeepMetrics(needs)
    const age = tick - memo.deepTick
    const moved = w.readings.some((r) =>
      readingMoved(memo.deepReadings.get(key(r.protocol, r.market)), r, moveThreshold),
    )
    const covered = new Set(w.readings.filter((r) => r.exact).map((r) => key(r.protocol, r.market)))
    const unseen = (memo.deep?.positions ?? []).some((p) => !covered.has(p.key))
    const computed =
      memo.deep !== undefined && moved && wantsDeep
        ? 0
        : memo.deep === undefined
          ? 1
          : (unseen || wantsDeep) && age >= deepEvery
            ? 2
            : age >= rediscoverEvery && tick % rediscoverEvery === stagger(w.address, rediscoverEvery)
              ? 3
              : -1
    const pending = memo.pendingPriority
    const priority = pending === undefined ? computed : computed < 0 ? pending : Math.min(computed, pending)
    if (priority >= 0) page.due.push({ address: w.address, memo, readings: w.readings, needs, priority })
  }
  return page
}

/**
 * The deep reads of `due` (one page's or a whole chain's), most urgent first (then the longest
 * since its last deep read), `deepConcurrency` in flight. The deep-read budget bounds their WALL
 * time: none starts after it, and one in flight when it ends is cut (its deadline aborts its RPCs;
 * a late answer is ignored), so the pass ends by `min(start + deepBudgetMs, tickStarted +
 * tickBudgetMs)`. What is cut or never started is deferred, never dropped: it keeps its priority
 * for the next tick ({@link WalletMemo.pendingPriority}); so does a failed read.
 */
async function runDeepReads(
  ctx: MonitorTickContext,
  chainKey: string,
  due: DueDeepRead[],
  tickStarted: number,
): Promise<DeepPass> {
  const pass: DeepPass = { fresh: new Set(), reads: 0, failures: 0, deferred: 0 }
  if (due.length === 0) return pass
  const opts = ctx.options ?? {}
  const tick = ctx.cache.tick
  due.sort((a, b) => a.priority - b.priority || a.memo.deepTick - b.memo.deepTick)
  const startedAt = Date.now()
  const endAt = Math.min(
    startedAt + (opts.deepBudgetMs ?? DEFAULT_DEEP_BUDGET_MS),
    tickStarted + (opts.tickBudgetMs ?? DEFAULT_TICK_BUDGET_MS),
  )
  const deadline = createDeadline({ timeoutMs: Math.max(1, endAt - startedAt) })
  const keep = (d: DueDeepRead) => {
    d.memo.pendingPriority = Math.min(d.priority, d.memo.pendingPriority ?? d.priority)
  }
  let next = 0
  const worker = async () => {
    while (next < due.length && remainingMs(deadline) > 0) {
      const d = due[next++]!
      try {
        const deep = await withDeadline(
          deadline,
          { upstream: `the deep read of ${d.address} on ${chainKey}`, call: 'the wallet report' },
          () =>
            deepReadWallet(ctx.sources, { address: d.address, chain: chainKey, needs: d.needs, deadline }),
        )
        d.memo.deep = deep
        d.memo.deepTick = tick
        d.memo.deepReadings = new Map(d.readings.map((r) => [key(r.protocol, r.market), r]))
        d.memo.pendingPriority = undefined
        pass.fresh.add(d.address)
        pass.reads++
      } catch (err) {
        keep(d)
        if (remainingMs(deadline) <= 0) {
          // Cut by the budget: deferred to the next tick, not a failure.
          pass.deferred++
          continue
        }
        pass.failures++
        const e = errorOf(err)
        ctx.log?.(
          `monitor: deep read of ${d.address} on ${chainKey}: ${e.code}: ${e.message} (retrying next tick)`,
        )
      }
    }
  }
  await Promise.all(Array.from({ length: Math.min(opts.deepConcurrency ?? 4, due.length) }, worker))
  for (let i = next; i < due.length; i++) keep(due[i]!)
  pass.deferred += due.length - next
  return pass
}

/**
 * Evaluates every watch of a prepared page (every wallet from its exact cheap reading, deep
 * metrics where read at this tick) and stores the outcomes worth a write in few atomic units
 * (`store.applyEvaluations`).
 */
async function finishPage(
  ctx: MonitorTickContext,
  page: PreparedPage,
  deep: DeepPass,
): Promise<ChainTickSummary> {
  const { summary, batch, chainKey } = page
  if (!batch) return summary
  const opts = ctx.options ?? {}
  const now = ctx.now ?? Date.now
  const at = now()
  const evaluateStarted = Date.now()
  const toStore: EvaluationToStore[] = []
  for (const w of batch.wallets) {
    const memo = memoOf(ctx, chainKey, w.address)
    const fresh = deep.fresh.has(w.address)
    const snapshot = snapshotOf(chainKey, batch.blockNumber, memo.deep, w.readings, fresh, w.address)
    for (const watch of page.byWallet.get(w.address) ?? []) {
      const prev = page.statesOf.get(watch.id) ?? []
      const outcome = evaluateWatch({
        watch,
        snapshot,
        states: prev,
        lastAlertAt: page.lastAlerts.get(watch.id),
        now: at,
      })
      if (!worthStoring(outcome, prev, opts.persistMove ?? 0.001)) continue
      toStore.push({ outcome, webhookCount: watch.webhooks.length })
    }
  }
  const writeStarted = Date.now()
  summary.timings.evaluate += writeStarted - evaluateStarted
  if (toStore.length > 0) await ctx.store.applyEvaluations(toStore, at)
  summary.timings.storeWrite += Date.now() - writeStarted
  for (const { outcome } of toStore) {
    summary.outcomesStored++
    summary.alerts += outcome.alerts.length
    for (const a of outcome.alerts) {
      if (summary.fired.length < 100) summary.fired.push(a)
      ctx.log?.(`monitor: alert ${a.id} watch ${a.watchId}: ${a.message}`)
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
