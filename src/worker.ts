/**
 * Cloudflare Workers entry (`wrangler.toml` points here). The same Hono app as on Node, configured
 * from the Worker's variables and secrets:
 *
 * - `STACKLENS_RPC_<CHAIN>` (e.g. `STACKLENS_RPC_ETHEREUM`, comma-separated URLs for fallback)
 *   enables a real chain with every known market on it. Prefer secrets:
 *   `wrangler secret put STACKLENS_RPC_ETHEREUM`.
 * - `STACKLENS_LOCAL_MANIFEST`: a devchain manifest (JSON text, or a JSON object var) enables chain
 *   `local`; `STACKLENS_RPC_LOCAL` overrides the RPC URL written in it.
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
import { type DevchainManifest, devchainManifestSchema } from './devchain/manifest.js'

/**
 * The Worker's bindings as stacklens reads them. Vars and secrets arrive as strings; a JSON
 * object var (`[vars.STACKLENS_LOCAL_MANIFEST]`) arrives parsed. Other bindings are ignored.
 */
export interface WorkerEnv {
  [binding: string]: unknown
  /** The devchain manifest, as JSON text or as a parsed object. */
  STACKLENS_LOCAL_MANIFEST?: unknown
}

/** The part of the Workers `ExecutionContext` this entry needs (kept local: no global Workers types). */
export interface WorkerExecutionContext {
  waitUntil(promise: Promise<unknown>): void
  passThroughOnException(): void
}

/** The variable that holds the devchain manifest. */
const MANIFEST_VAR = 'STACKLENS_LOCAL_MANIFEST'

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
  const entries = Object.entries(vars).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
  return JSON.stringify([entries, typeof manifest === 'string' ? null : (manifest ?? null)])
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

/** Builds the request handler for `env`: the app, or a fixed 500 answer naming the bad variable. */
function buildHandler(env: WorkerEnv, vars: StacklensEnv): Handler {
  try {
    const manifest = parseLocalManifest(env?.[MANIFEST_VAR])
    // One stacklens (clients, read caches) per isolate and configuration.
    const rateLimiter = platformRateLimiter(env)
    const { app } = createStacklens({
      config: configFromEnv(vars, manifest),
      configHint: WORKER_CONFIG_HINT,
      // Monte Carlo runs inline (an isolate has one thread); the client is Cloudflare's view of it.
      runtime: { clientIp: (c) => c.req.header('cf-connecting-ip'), ...(rateLimiter ? { rateLimiter } : {}) },
    })
    return (request) => app.fetch(request)
  } catch (err) {
    if (!(err instanceof WorkerConfigError)) throw err
    const message = `the Worker is misconfigured: ${err.message}`
    console.error(`[stacklens] ${message}`)
    return () => Response.json(errorBody('INTERNAL', message), { status: 500 })
  }
}

/** The handler for `env`, cached per isolate while the env values stay the same. */
function handlerFor(env: WorkerEnv): Handler {
  const vars = stacklensEnv(env)
  const key = cacheKey(env, vars)
  if (cached?.key !== key) cached = { key, handler: buildHandler(env, vars) }
  return cached.handler
}

/** The Workers module entry. */
export default {
  /** Serves the stacklens API. */
  fetch(request: Request, env: WorkerEnv, _ctx: WorkerExecutionContext): Response | Promise<Response> {
    return handlerFor(env)(request)
  },
}
