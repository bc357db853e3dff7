/**
 * The Node monitor scheduler: runs {@link runTick} every N seconds or every N blocks, never two
 * ticks at once, stops gracefully (waits for the tick in flight), and survives faults (a failed
 * tick is logged and the next one runs on time; nothing it throws reaches the server).
 *
 * Configuration (environment, read by {@link monitorScheduleFromEnv}):
 * - `STACKLENS_MONITOR` = `off` disables the scheduler (`npm start` runs it by default).
 * - `STACKLENS_MONITOR_INTERVAL_MS`: time between ticks (ms). Default 12,000 on real networks,
 *   2,000 on the devchain.
 * - `STACKLENS_MONITOR_EVERY_BLOCKS`: when set, a tick runs only once the chain has advanced by this
 *   many blocks since the last tick (the head is polled every interval, one `eth_blockNumber`).
 */
import type { TickSummary } from './tick.js'

/** When ticks run. */
export interface MonitorSchedule {
  /** ms between ticks (or between head polls with `everyBlocks`). */
  intervalMs: number
  /** Tick only after the head moved by this many blocks; undefined: every interval. */
  everyBlocks?: number | undefined
}

/** Default interval on real networks (about one Ethereum block), ms. */
export const DEFAULT_MONITOR_INTERVAL_MS = 12_000
/** Default interval on the devchain, ms. */
export const DEVCHAIN_MONITOR_INTERVAL_MS = 2_000

/** Why the schedule in the environment is refused. */
export class MonitorScheduleError extends Error {
  override name = 'MonitorScheduleError'
}

/**
 * The schedule from the environment, or null when `STACKLENS_MONITOR=off`.
 * @throws MonitorScheduleError naming the variable when a value is not a positive integer.
 */
export function monitorScheduleFromEnv(
  env: Readonly<Record<string, string | undefined>>,
  devchain: boolean,
): MonitorSchedule | null {
  if (env.STACKLENS_MONITOR?.toLowerCase() === 'off') return null
  const int = (name: string): number | undefined => {
    const raw = env[name]
    if (raw === undefined || raw === '') return undefined
    const n = Number(raw)
    if (!Number.isInteger(n) || n <= 0)
      throw new MonitorScheduleError(`${name} must be a positive integer, got "${raw}"`)
    return n
  }
  const intervalMs =
    int('STACKLENS_MONITOR_INTERVAL_MS') ??
    (devchain ? DEVCHAIN_MONITOR_INTERVAL_MS : DEFAULT_MONITOR_INTERVAL_MS)
  const everyBlocks = int('STACKLENS_MONITOR_EVERY_BLOCKS')
  return { intervalMs, ...(everyBlocks === undefined ? {} : { everyBlocks }) }
}

/** Params of {@link startMonitorScheduler}. */
export interface StartMonitorSchedulerParams {
  schedule: MonitorSchedule
  /** One tick (usually `() => runTick(ctx)`). */
  tick: () => Promise<TickSummary>
  /** The head to count blocks with (`everyBlocks`). */
  headBlock?: (() => Promise<bigint>) | undefined
  /** Called after each tick that ran. */
  onTick?: ((summary: TickSummary) => void) | undefined
  log?: ((message: string) => void) | undefined
  /** Run the first tick right away (default true). */
  immediate?: boolean | undefined
}

/** A running scheduler. */
export interface MonitorScheduler {
  /** Runs one tick now (waits for the one in flight first); the summary, or null if stopped. */
  runOnce(): Promise<TickSummary | null>
  /** Stops: no new tick; resolves once the tick in flight (if any) is over. Idempotent. */
  stop(): Promise<void>
  readonly ticks: number
}

/**
 * Starts ticking on `schedule`. A tick starts only after the previous one ended (a slow tick
 * delays the next, never overlaps it); a tick that throws is logged and the schedule goes on.
 */
export function startMonitorScheduler(params: StartMonitorSchedulerParams): MonitorScheduler {
  const { schedule, log } = params
  let stopped = false
  let timer: ReturnType<typeof setTimeout> | undefined
  let inFlight: Promise<TickSummary | null> | null = null
  let lastBlock: bigint | undefined
  let ticks = 0

  const once = async (force: boolean): Promise<TickSummary | null> => {
    if (stopped) return null
    if (!force && schedule.everyBlocks !== undefined && params.headBlock) {
      try {
        const head = await params.headBlock()
        if (lastBlock !== undefined && head < lastBlock + BigInt(schedule.everyBlocks)) return null
        lastBlock = head
      } catch (err) {
        log?.(
          `monitor: head read failed: ${err instanceof Error ? err.message.split('\n')[0] : String(err)} (retrying)`,
        )
        return null
      }
    }
    try {
      const summary = await params.tick()
      ticks++
      params.onTick?.(summary)
      return summary
    } catch (err) {
      log?.(
        `monitor: tick failed: ${err instanceof Error ? err.message.split('\n')[0] : String(err)} (next tick on time)`,
      )
      return null
    }
  }
  const run = (force: boolean): Promise<TickSummary | null> => {
    const previous = inFlight ?? Promise.resolve(null)
    const next = previous.then(() => once(force))
    inFlight = next
    void next.finally(() => {
      if (inFlight === next) inFlight = null
    })
    return next
  }
  const loop = () => {
    if (stopped) return
    void run(false).finally(() => {
      if (!stopped) timer = setTimeout(loop, schedule.intervalMs)
    })
  }
  if (params.immediate ?? true) loop()
  else timer = setTimeout(loop, schedule.intervalMs)

  return {
    runOnce: () => run(true),
    async stop() {
      stopped = true
      if (timer) clearTimeout(timer)
      await inFlight
    },
    get ticks() {
      return ticks
    },
  }
}
