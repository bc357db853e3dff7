/**
 * The monitor of `npm start`: the scheduler over the SQLite store and the server's sources, on by
 * default (the devchain ticks every 2 s), configured by the environment (src/monitor/scheduler.ts:
 * `STACKLENS_MONITOR=off`, `STACKLENS_MONITOR_INTERVAL_MS`, `STACKLENS_MONITOR_EVERY_BLOCKS`;
 * `STACKLENS_DB` for the store). Node only.
 */
import type { ReportSources } from '../report/report-sources.js'
import { deliverDue } from './delivery/deliver.js'
import { resolveHostNode } from './delivery/node-resolver.js'
import { pinnedNodeFetch } from './delivery/pinned-fetch.js'
import { targetPolicyFromEnv } from './delivery/target-policy.js'
import { type MonitorScheduler, monitorScheduleFromEnv, startMonitorScheduler } from './scheduler.js'
import { dbPathFromEnv, openSqliteStore } from './store/sqlite-store.js'
import { createMonitorCache, type MonitorTickContext, runTick } from './tick.js'
import type { MonitorStore } from './types.js'

/**
 * Delivery of due alerts on Node: `deliverDue` over `store` with the outbound policy of the
 * environment (`STACKLENS_WEBHOOK_ALLOW_PRIVATE`, `NODE_ENV=production`), the system resolver for
 * the DNS-rebinding check and the connection pinned to the address it checked, each failed attempt
 * logged (status only, never a body).
 */
export function nodeDelivery(
  store: MonitorStore,
  env: Readonly<Record<string, string | undefined>>,
  publicBaseUrl: string,
  log: (line: string) => void,
): (now: number) => Promise<unknown> {
  const policy = targetPolicyFromEnv(env)
  return (now) =>
    deliverDue(store, {
      policy,
      resolveHost: resolveHostNode,
      pinnedFetch: pinnedNodeFetch,
      publicBaseUrl,
      now: () => Math.max(now, Date.now()),
      onAttempt: ({ delivery, result }) => {
        if (!result.ok)
          log(
            `monitor: delivery ${delivery.id} attempt ${delivery.attempts}: ${result.error ?? 'http'} ${result.status}${result.reason ? ` (${result.reason})` : ''} -> ${delivery.status}`,
          )
      },
    })
}

/** Params of {@link startNodeMonitor}. */
export interface StartNodeMonitorParams {
  env: Readonly<Record<string, string | undefined>>
  sources: ReportSources
  /** True when serving the devchain (shorter default interval). */
  devchain: boolean
  /** The store to use (the server's); opened from `STACKLENS_DB` when omitted, and then closed by `stop`. */
  store?: MonitorStore | undefined
  /**
   * The deployment's public URL (the webhook payload's dashboard link): `STACKLENS_PUBLIC_URL`
   * when set, else this.
   */
  publicBaseUrl: string
  log: (line: string) => void
}

/** A running Node monitor. */
export interface NodeMonitor {
  scheduler: MonitorScheduler
  store: MonitorStore
  stop(): Promise<void>
}

/**
 * Starts the scheduler unless `STACKLENS_MONITOR=off` (then null). Alerts are logged as they fire;
 * a failed tick is logged and never reaches the server.
 * @throws MonitorScheduleError naming the variable for a bad interval or block count.
 */
export async function startNodeMonitor(params: StartNodeMonitorParams): Promise<NodeMonitor | null> {
  const schedule = monitorScheduleFromEnv(params.env, params.devchain)
  if (!schedule) return null
  const owned = params.store === undefined
  const store = params.store ?? (await openSqliteStore(dbPathFromEnv(params.env)))
  const ctx: MonitorTickContext = {
    store,
    sources: params.sources,
    cache: createMonitorCache(),
    deliver: nodeDelivery(
      store,
      params.env,
      params.env.STACKLENS_PUBLIC_URL || params.publicBaseUrl,
      params.log,
    ),
    log: params.log,
  }
  const local = params.devchain ? params.sources.config.chains.local : undefined
  const scheduler = startMonitorScheduler({
    schedule,
    tick: () => runTick(ctx),
    ...(local ? { headBlock: () => params.sources.clientFor(local).getBlockNumber({ cacheTime: 0 }) } : {}),
    log: params.log,
  })
  params.log(
    `  monitor         every ${schedule.everyBlocks ? `${schedule.everyBlocks} blocks (polled every ${schedule.intervalMs} ms)` : `${schedule.intervalMs} ms`}, store ${owned ? dbPathFromEnv(params.env) : "the server's"} (STACKLENS_MONITOR=off disables it)`,
  )
  return {
    scheduler,
    store,
    async stop() {
      await scheduler.stop()
      if (owned) await store.close()
    },
  }
}
