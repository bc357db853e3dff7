/**
 * Cloudflare Workers entry (`wrangler.toml` points here). The same Hono app as on Node, configured
 * from the Worker's variables and secrets:
 *
 * - `STACKLENS_RPC_<CHAIN>` (e.g. `STACKLENS_RPC_ETHEREUM`, comma-separated URLs for fallback)
 *   enables a real chain with every known market on it. Prefer secrets:
 *   `wrangler secret put STACKLENS_RPC_ETHEREUM`.
 * - `STACKLENS_LOCAL_MANIFEST`: a devchain manifest (JSON text, or a JSON object var) enables chain
 *   `local`; `STACKLENS_RPC_LOCAL` overrides the RPC URL written in it.
 * - `STACKLENS_CONFIG`: the configuration file's CONTENT (a Worker has no files): JSON text, or a
 *   JSON object var (`[vars.STACKLENS_CONFIG]`), the same schema as on Node (chains, markets,
 *   limits). It is applied once per isolate on the first request (it may ask a chain, e.g. an Aave
 *   PoolAddressesProvider for its Pool); a bad one answers a 500 naming the field.
 *
 * - Monitoring: with the D1 binding `STACKLENS_DB` the app serves `/v1/watches*` (the same routes
 *   and store code as Node); the Cron Trigger and the Queue `STACKLENS_WATCH_QUEUE` evaluate and
 *   deliver. `STACKLENS_WEBHOOK_ALLOW_PRIVATE=1` allows private/loopback webhook targets (tests,
 *   `wrangler dev`), `NODE_ENV=production` requires https, `STACKLENS_PUBLIC_URL` is the dashboard
 *   link's origin in webhook payloads (a relative link without it).
 *
 * Outbound webhooks from a Worker are NOT pinned to a checked address: a Worker's `fetch` resolves
 * the host itself and exposes no resolver or socket, so the delivery checks the URL's literal
 * host (IP literals, local names) only, and relies on Cloudflare's egress for the rest: a Worker's
 * subrequests leave from Cloudflare's network, where no private network or loopback of this
 * deployment is reachable (a name that resolves to 127.0.0.1 or 10.x reaches nothing of ours). On
 * Node the connection is pinned to the checked address (`src/monitor/delivery/pinned-fetch.ts`).
 *
 * Runtime-agnostic: no `node:` imports, no Node globals, no compatibility flags needed.
 *
 * workerd treats every value export of this module as an entrypoint, so it exports only the
 * handler object (and types): helpers stay module-private.
 */
import { errorBody } from './api/errors.js'
import type { RateLimiter } from './api/limits.js'
import { createStacklens } from './app.js'
import { configFromEnv, type StacklensEnv } from './config.js'
import { ConfigFileError, configWithFile } from './config-file.js'
import { type DevchainManifest, devchainManifestSchema } from './devchain/manifest.js'
import { deliverDue } from './monitor/delivery/deliver.js'
import { type TargetPolicy, targetPolicyFromEnv } from './monitor/delivery/target-policy.js'
import {
  consumeWatchBatches,
  enqueueWatchBatches,
  type QueueMessageLike,
  type QueueProducerLike,
} from './monitor/queue-batches.js'
import { createD1Store, type D1DatabaseLike } from './monitor/store/d1-store.js'
import { migrateOnFirstUse } from './monitor/store/migrate-on-first-use.js'
import { createMonitorCache, type MonitorCache } from './monitor/tick.js'
import type { MonitorStore } from './monitor/types.js'
import { configuredChains, type ReportSources } from './report/report-sources.js'

/**
 * The Worker's bindings as stacklens reads them. Vars and secrets arrive as strings; a JSON
 * object var (`[vars.STACKLENS_LOCAL_MANIFEST]`) arrives parsed. Other bindings are ignored.
 */
export interface WorkerEnv {
  [binding: string]: unknown
  /** The devchain manifest, as JSON text or as a parsed object. */
  STACKLENS_LOCAL_MANIFEST?: unknown
  /** The configuration file's content, as JSON text or as a parsed object. */
  STACKLENS_CONFIG?: unknown
}

/** The part of the Workers `ExecutionContext` this entry needs (kept local: no global Workers types). */
export interface WorkerExecutionContext {
  waitUntil(promise: Promise<unknown>): void
  passThroughOnException(): void
}

/** The variable that holds the devchain manifest. */
const MANIFEST_VAR = 'STACKLENS_LOCAL_MANIFEST'
/** The variable that holds the configuration file's content. */
const CONFIG_VAR = 'STACKLENS_CONFIG'

/** Hint shown by the API when a real chain is asked for but has no RPC here. */
const WORKER_CONFIG_HINT = 'set the Worker variable or secret STACKLENS_RPC_<CHAIN> to an RPC URL'

/** A Worker variable that does not hold what stacklens needs. */
class WorkerConfigError extends Error {
  override name = 'WorkerConfigError'
}

type Handler = (request: Request) => Response | Promise<Response>

/** The handler built for the current env values (one per isolate; rebuilt when the values change). */
let cached: { key: string; handler: Handler } | null = null

/** The `STACKLENS_*` string values of `env`: what the configuration is built from. */
function stacklensEnv(env: WorkerEnv): StacklensEnv {
  const out: StacklensEnv = {}
  for (const [name, value] of Object.entries(env ?? {})) {
    if (name.startsWith('STACKLENS_') && typeof value === 'string') out[name] = value
  }
  return out
}

/** A stable key of the env values the configuration depends on. */
function cacheKey(env: WorkerEnv, vars: StacklensEnv): string {
  const manifest = env?.[MANIFEST_VAR]
  const file = env?.[CONFIG_VAR]
  const entries = Object.entries(vars).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
  return JSON.stringify([
    entries,
    typeof manifest === 'string' ? null : (manifest ?? null),
    typeof file === 'string' ? null : (file ?? null),
  ])
}

/** Parses and validates `STACKLENS_LOCAL_MANIFEST`; `null` when it is unset or empty. */
function parseLocalManifest(value: unknown): DevchainManifest | null {
  if (value === undefined || value === null) return null
  let raw: unknown = value
  if (typeof value === 'string') {
    if (value.trim() === '') return null
    try {
      raw = JSON.parse(value)
    } catch (err) {
      const why = err instanceof Error ? err.message : String(err)
      throw new WorkerConfigError(`${MANIFEST_VAR} is not valid JSON (${why})`)
    }
  }
  const parsed = devchainManifestSchema.safeParse(raw)
  if (!parsed.success) {
    const issues = parsed.error.issues
      .slice(0, 3)
      .map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`)
      .join('; ')
    const more = parsed.error.issues.length > 3 ? ` (+${parsed.error.issues.length - 3} more)` : ''
    throw new WorkerConfigError(`${MANIFEST_VAR} is not a valid devchain manifest: ${issues}${more}`)
  }
  return parsed.data
}

/** Cloudflare's rate-limiting binding (`[[unsafe.bindings]] type = "ratelimit"`), as far as it is used here. */
interface RateLimitBinding {
  limit(options: { key: string }): Promise<{ success: boolean }>
}

/** The binding that, when configured, rate-limits per client instead of the in-isolate bucket. */
const RATE_LIMIT_BINDING = 'STACKLENS_RATE_LIMITER'

/** The platform rate limiter of `env`, when its binding is configured. */
function platformRateLimiter(env: WorkerEnv): RateLimiter | undefined {
  const binding = env?.[RATE_LIMIT_BINDING] as Partial<RateLimitBinding> | undefined
  if (typeof binding?.limit !== 'function') return undefined
  const limit = binding.limit.bind(binding)
  return {
    take: async (key) =>
      (await limit({ key })).success ? { ok: true, retryAfterS: 0 } : { ok: false, retryAfterS: 10 },
  }
}

/** The configuration file's text from `STACKLENS_CONFIG` (text or object var); null when unset or empty. */
function configText(value: unknown): string | null {
  if (value === undefined || value === null) return null
  if (typeof value === 'string') return value.trim() === '' ? null : value
  return JSON.stringify(value)
}

/** A handler answering a fixed 500 that names the bad variable (logged once). */
function misconfigured(err: Error): Handler {
  const message = `the Worker is misconfigured: ${err.message}`
  console.error(`[stacklens] ${message}`)
  return () => Response.json(errorBody('INTERNAL', message), { status: 500 })
}

/** The D1 binding of the monitoring store and the Queue of watch batches (wrangler.toml). */
const DB_BINDING = 'STACKLENS_DB'
const QUEUE_BINDING = 'STACKLENS_WATCH_QUEUE'

/** One monitoring store per D1 binding object (per isolate), migrated before its first query. */
const stores = new WeakMap<object, MonitorStore>()

/** The monitoring store on the D1 binding of `env`; null when the binding is missing. */
function d1StoreOf(env: WorkerEnv): MonitorStore | null {
  const d1 = env?.[DB_BINDING] as D1DatabaseLike | undefined
  if (typeof d1?.prepare !== 'function') return null
  let store = stores.get(d1)
  if (!store) {
    store = migrateOnFirstUse(createD1Store(d1))
    stores.set(d1, store)
  }
  return store
}

/**
 * The outbound webhook policy of the Worker: the same variables as on Node
 * (`STACKLENS_WEBHOOK_ALLOW_PRIVATE`, `NODE_ENV`), read from the Worker's vars. No host resolver:
 * see this file's header on Cloudflare's egress.
 */
function workerTargetPolicy(env: WorkerEnv): TargetPolicy {
  const str = (name: string) => (typeof env?.[name] === 'string' ? (env[name] as string) : undefined)
  return targetPolicyFromEnv({
    STACKLENS_WEBHOOK_ALLOW_PRIVATE: str('STACKLENS_WEBHOOK_ALLOW_PRIVATE'),
    NODE_ENV: str('NODE_ENV'),
  })
}

/** The dashboard link's origin in webhook payloads: `STACKLENS_PUBLIC_URL`, else '' (a relative link). */
function publicUrlOf(env: WorkerEnv): string {
  const url = env?.STACKLENS_PUBLIC_URL
  return typeof url === 'string' ? url.trim() : ''
}

/**
 * Builds the request handler for `env`: the app, or a fixed 500 answer naming the bad variable.
 * With STACKLENS_CONFIG the app is built on the first request (applying the file may read a
 * chain), then reused.
 */
function buildHandler(env: WorkerEnv, vars: StacklensEnv): Handler {
  try {
    const manifest = parseLocalManifest(env?.[MANIFEST_VAR])
    // One stacklens (clients, read caches) per isolate and configuration.
    const rateLimiter = platformRateLimiter(env)
    const store = d1StoreOf(env)
    const publicUrl = publicUrlOf(env)
    const monitor = store
      ? {
          store,
          policy: workerTargetPolicy(env),
          resolveHost: null,
          ...(publicUrl ? { publicBaseUrl: publicUrl } : {}),
        }
      : undefined
    const appFor = (config: ReturnType<typeof configFromEnv>): Handler => {
      const { app } = createStacklens({
        config,
        configHint: WORKER_CONFIG_HINT,
        // Monte Carlo runs inline (an isolate has one thread); the client is Cloudflare's view of it.
        runtime: {
          clientIp: (c) => c.req.header('cf-connecting-ip'),
          ...(rateLimiter ? { rateLimiter } : {}),
          ...(monitor ? { monitor } : {}),
        },
      })
      return (request) => app.fetch(request)
    }
    const base = configFromEnv(vars, manifest)
    const text = configText(env?.[CONFIG_VAR])
    if (text === null) return appFor(base)
    let built: Promise<Handler> | null = null
    return async (request) => {
      built ??= configWithFile(base, text, CONFIG_VAR).then(appFor, (err: unknown) => {
        if (err instanceof ConfigFileError) return misconfigured(err)
        // A chain the file names did not answer: this request is a 503, the next one tries again.
        built = null
        console.error(
          `[stacklens] ${CONFIG_VAR} could not be applied: ${err instanceof Error ? err.name : 'error'}`,
        )
        return () =>
          Response.json(
            errorBody(
              'RPC_UNAVAILABLE',
              `${CONFIG_VAR} could not be applied yet: a chain it names did not answer`,
            ),
            { status: 503 },
          )
      })
      return (await built)(request)
    }
  } catch (err) {
    if (!(err instanceof WorkerConfigError)) throw err
    return misconfigured(err)
  }
}

/** The handler for `env`, cached per isolate while the env values stay the same. */
function handlerFor(env: WorkerEnv): Handler {
  const vars = stacklensEnv(env)
  const key = cacheKey(env, vars)
  if (cached?.key !== key) cached = { key, handler: buildHandler(env, vars) }
  return cached.handler
}

/** The use cases' sources for the monitor, per isolate and env values (STACKLENS_CONFIG applied). */
let monitorCached: { key: string; sources: Promise<ReportSources>; cache: MonitorCache } | null = null

function monitorSourcesFor(env: WorkerEnv): { sources: Promise<ReportSources>; cache: MonitorCache } {
  const vars = stacklensEnv(env)
  const key = cacheKey(env, vars)
  if (monitorCached?.key !== key) {
    const base = configFromEnv(vars, parseLocalManifest(env?.[MANIFEST_VAR]))
    const text = configText(env?.[CONFIG_VAR])
    const config = text === null ? Promise.resolve(base) : configWithFile(base, text, CONFIG_VAR)
    const sources = config.then((c) => createStacklens({ config: c, configHint: WORKER_CONFIG_HINT }).sources)
    sources.catch(() => {
      monitorCached = null
    })
    monitorCached = { key, sources, cache: createMonitorCache() }
  }
  return monitorCached
}

/** The monitoring store on the D1 binding, migrated; null (logged) when the binding is missing. */
async function monitorStore(env: WorkerEnv): Promise<MonitorStore | null> {
  const store = d1StoreOf(env)
  if (!store) {
    console.error(`[stacklens] monitoring needs the D1 binding ${DB_BINDING} (wrangler.toml)`)
    return null
  }
  await store.migrate()
  return store
}

const logMonitor = (message: string) => console.log(`[stacklens] ${message}`)

/**
 * Delivery of due alerts from the queue consumer: `deliverDue` over the D1 store with the Worker's
 * policy (literal hosts only, no resolver: Cloudflare's egress, see the header), each failed
 * attempt logged (status only, never a body).
 */
function workerDelivery(store: MonitorStore, env: WorkerEnv): (now: number) => Promise<unknown> {
  const policy = workerTargetPolicy(env)
  const publicBaseUrl = publicUrlOf(env)
  return async (now) => {
    const summary = await deliverDue(store, {
      policy,
      resolveHost: null,
      publicBaseUrl,
      now: () => Math.max(now, Date.now()),
      onAttempt: ({ delivery, result }) => {
        if (!result.ok)
          logMonitor(
            `monitor: delivery ${delivery.id} attempt ${delivery.attempts}: ${result.error ?? 'http'} ${result.status}${result.reason ? ` (${result.reason})` : ''} -> ${delivery.status}`,
          )
      },
    })
    logMonitor(
      `monitor: deliveries attempted ${summary.attempted}, delivered ${summary.delivered}, retrying ${summary.retrying}, dead ${summary.dead}`,
    )
    return summary
  }
}

/** The Workers module entry. */
export default {
  /** Serves the stacklens API. */
  fetch(request: Request, env: WorkerEnv, _ctx: WorkerExecutionContext): Response | Promise<Response> {
    return handlerFor(env)(request)
  },

  /** Cron Trigger: pages every chain's watches out of D1 and enqueues one watch batch per page. */
  async scheduled(
    controller: { scheduledTime: number; cron?: string },
    env: WorkerEnv,
    _ctx: WorkerExecutionContext,
  ): Promise<void> {
    const queue = env?.[QUEUE_BINDING] as QueueProducerLike | undefined
    if (typeof queue?.sendBatch !== 'function') {
      console.error(
        `[stacklens] monitoring needs the Queue producer binding ${QUEUE_BINDING} (wrangler.toml)`,
      )
      return
    }
    const store = await monitorStore(env)
    if (!store) return
    const sources = await monitorSourcesFor(env).sources
    const { messages, watches } = await enqueueWatchBatches({
      store,
      queue,
      chains: configuredChains(sources),
      tick: Math.floor(controller.scheduledTime / 60_000),
    })
    logMonitor(`monitor: enqueued ${messages} batches of ${watches} watches`)
  },

  /** Queue consumer: evaluates each watch batch with the Node tick's code, then delivers the due alerts. */
  async queue(
    batch: { messages: readonly QueueMessageLike[] },
    env: WorkerEnv,
    _ctx: WorkerExecutionContext,
  ) {
    const store = await monitorStore(env)
    if (!store) {
      for (const m of batch.messages) m.retry()
      return
    }
    const { sources, cache } = monitorSourcesFor(env)
    await consumeWatchBatches(
      { store, sources: await sources, cache, deliver: workerDelivery(store, env), log: logMonitor },
      batch.messages,
    )
  },
}
