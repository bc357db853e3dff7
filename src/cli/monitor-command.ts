/**
 * `stacklens monitor`: the monitor scheduler in the foreground over the SQLite store
 * (`STACKLENS_DB`, default .stacklens/stacklens.db), printing each alert as it fires; Ctrl-C stops
 * it after the tick in flight. `--once` runs one tick and exits (for cron jobs and scripts).
 * Alerts are delivered as on `npm start` (STACKLENS_WEBHOOK_ALLOW_PRIVATE, STACKLENS_PUBLIC_URL).
 */
import { parseArgs } from 'node:util'
import { BaseError } from '../core/errors.js'
import { nodeDelivery } from '../monitor/node-monitor.js'
import { type MonitorSchedule, monitorScheduleFromEnv, startMonitorScheduler } from '../monitor/scheduler.js'
import { dbPathFromEnv, openSqliteStore } from '../monitor/store/sqlite-store.js'
import { createMonitorCache, type MonitorTickContext, runTick, type TickSummary } from '../monitor/tick.js'
import type { Alert } from '../monitor/types.js'
import type { ReportSources } from '../report/report-sources.js'

/** What the command writes to and reads from (the CLI's `CliIo`). */
export interface MonitorCommandIo {
  env: Record<string, string | undefined>
  out(line: string): void
  err(text: string): void
}

/** The usage lines of the command. */
export const MONITOR_USAGE = `  stacklens monitor [--chain K] [--interval-ms N] [--every-blocks N] [--once] [--json]
                                                    evaluate every watch on a schedule, print alerts as they
                                                    fire (store: STACKLENS_DB, default .stacklens/stacklens.db)`

/** An alert as one printed line, or as JSON (bigint block as a number). */
function alertLine(a: Alert, json: boolean): string {
  if (json) return JSON.stringify({ ...a, block: Number(a.block) })
  return `[${new Date(a.createdAt).toISOString()}] ${a.watchId} ${a.id}: ${a.message}`
}

/**
 * Runs the command. `sourcesFor(chain)` builds the use cases' sources as the other commands do
 * (chain `local` reads the devchain manifest).
 * @throws BaseError INVALID_REQUEST for bad flags (exit code 2).
 */
export async function monitorCommand(
  args: string[],
  io: MonitorCommandIo,
  sourcesFor: (chain: string | undefined) => Promise<ReportSources>,
): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      chain: { type: 'string' },
      'interval-ms': { type: 'string' },
      'every-blocks': { type: 'string' },
      once: { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
    },
  })
  let schedule: MonitorSchedule | null
  try {
    schedule = monitorScheduleFromEnv(
      {
        STACKLENS_MONITOR_INTERVAL_MS: values['interval-ms'] ?? io.env.STACKLENS_MONITOR_INTERVAL_MS,
        STACKLENS_MONITOR_EVERY_BLOCKS: values['every-blocks'] ?? io.env.STACKLENS_MONITOR_EVERY_BLOCKS,
      },
      values.chain === 'local',
    )
  } catch (err) {
    const flag = String((err as Error).message)
      .replace('STACKLENS_MONITOR_INTERVAL_MS', '--interval-ms')
      .replace('STACKLENS_MONITOR_EVERY_BLOCKS', '--every-blocks')
    throw new BaseError('INVALID_REQUEST', flag)
  }
  const sources = await sourcesFor(values.chain)
  const store = await openSqliteStore(dbPathFromEnv(io.env))
  const ctx: MonitorTickContext = {
    store,
    sources,
    cache: createMonitorCache(),
    deliver: nodeDelivery(store, io.env, io.env.STACKLENS_PUBLIC_URL || 'http://localhost:8787', (m) =>
      io.err(`${m}\n`),
    ),
    log: (m) => {
      if (!m.startsWith('monitor: alert ')) io.err(`${m}\n`)
    },
  }
  const chains = values.chain === undefined ? undefined : [values.chain]
  const print = (summary: TickSummary) => {
    for (const c of summary.chains) for (const a of c.fired) io.out(alertLine(a, values.json))
  }
  if (values.once) {
    try {
      print(await runTick(ctx, chains))
    } finally {
      await store.close()
    }
    return
  }
  const chain = chains?.[0]
  const runtime = chain === undefined ? undefined : sources.config.chains[chain]
  const scheduler = startMonitorScheduler({
    schedule: schedule ?? { intervalMs: 12_000 },
    tick: () => runTick(ctx, chains),
    ...(runtime ? { headBlock: () => sources.clientFor(runtime).getBlockNumber({ cacheTime: 0 }) } : {}),
    onTick: print,
    log: (m) => io.err(`${m}\n`),
  })
  io.err(
    `monitoring ${chains?.join(', ') ?? 'every configured chain'} every ${schedule?.everyBlocks ? `${schedule.everyBlocks} blocks` : `${schedule?.intervalMs ?? 12_000} ms`} (store ${dbPathFromEnv(io.env)}); Ctrl-C stops\n`,
  )
  await new Promise<void>((resolve) => {
    const stop = async () => {
      await scheduler.stop()
      await store.close()
      resolve()
    }
    process.once('SIGINT', () => void stop())
    process.once('SIGTERM', () => void stop())
  })
}
