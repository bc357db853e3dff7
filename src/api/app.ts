/**
 * The stacklens HTTP API: a Hono app, runtime-agnostic (no node: imports), made of the route
 * modules under `./routes/`; this file keeps the error mapping, the not-found answer, the
 * OpenAPI document and the docs page. The composition root (`src/app.ts`) builds it for
 * `src/node.ts` and `src/worker.ts`.
 */
import { createRoute } from '@hono/zod-openapi'
import type { Context } from 'hono'
import { HTTPException } from 'hono/http-exception'
import type { ChainClient } from '../chains/client.js'
import type { StacklensConfig } from '../config.js'
import { BaseError } from '../core/errors.js'
import { DEFAULT_API_LIMITS } from '../limits-config.js'
import type { ReadCaches } from '../protocols/read-caches.js'
import type { ChainRuntime } from '../protocols/types.js'
import { createReportSources, type ReportSources } from '../report/report-sources.js'
import { createRequestBudget } from '../report/request-budget.js'
import { renderDocsPage } from './docs.js'
import { errorBody, STATUS_OF } from './errors.js'
import { corsPolicy, htmlSecurityHeaders, notFoundOrNotAllowed } from './http-policy.js'
import {
  type ClientKeyOf,
  clientKeyOf,
  createTokenBucketLimiter,
  createWorkLimiter,
  type RateLimiter,
  rateLimit,
} from './limits.js'
import type { MonteCarloRunner, RouteContext } from './route-context.js'
import { createRouter } from './router.js'
import { analyzeRoutes } from './routes/analyze.js'
import { chainRoutes } from './routes/chains.js'
import { leverageRoutes } from './routes/leverage.js'
import { marketRoutes } from './routes/markets.js'
import { pageRoutes } from './routes/pages.js'
import { systemicRoutes } from './routes/systemic.js'
import { walletAnalysisRoutes } from './routes/wallet-analysis.js'
import { walletHedgeRoutes } from './routes/wallet-hedge.js'
import { walletHistoryRoutes } from './routes/wallet-history.js'
import { walletRoutes } from './routes/wallets.js'
import { type WatchRoutesDeps, watchRoutes } from './routes/watches.js'
import { HealthSchema } from './schemas.js'

/** Dependencies of the app, injected so it runs on fixtures, the devchain, forks and Workers. */
export interface AppDeps {
  config: StacklensConfig
  /** Builds the client of a chain (default: viem HTTP with batching and fallback). */
  clientFor?: (chain: ChainRuntime) => ChainClient
  /** Hint shown when a chain is not configured (differs on Node and Workers). */
  configHint?: string
  /** The adapters' read caches (the composition root's); fresh ones per app when omitted. */
  caches?: ReadCaches
  /** Ready-made sources (the composition root's); built from the fields above when omitted. */
  sources?: ReportSources
  /** Runs Monte Carlo simulations (Node: a worker-thread pool); inline when omitted. */
  runMonteCarlo?: MonteCarloRunner
  /** The per-client rate limiter (Workers: the platform binding); an in-memory token bucket when omitted. */
  rateLimiter?: RateLimiter
  /**
   * The client's address as the runtime knows it (the socket on Node, `CF-Connecting-IP` on
   * Workers), keying the rate limit with the API key; unknown = not rate-limited.
   */
  clientIp?: (c: Context) => string | undefined
  /**
   * Monitoring (`/v1/watches*`): the store, the outbound policy and what test deliveries need.
   * Omitted (no store on this deployment): the watch routes are absent (404, not in the OpenAPI document).
   */
  monitor?: Omit<WatchRoutesDeps, 'chains'>
}

/** Paths of the heavy routes (CPU or fan-out bound): run under the work limiter. */
const HEAVY_PATHS = [
  '/v1/wallets/:address/montecarlo',
  '/v1/markets/:market/cascade',
  '/v1/analyze',
  '/v1/wallets/:address/surface',
  '/v1/wallets/:address/capacity',
  '/v1/chains/:chain/cascade',
  '/v1/markets/:market/leverage',
  '/v1/chains/:chain/leverage',
] as const

const OPENAPI_CONFIG = {
  openapi: '3.1.0',
  info: {
    title: 'stacklens API',
    version: '0.1.0',
    description:
      'Stacked DeFi leverage, seen through: health factors, liquidation prices and exposure for any wallet. Token amounts are decimal strings of raw integer units; USD values and ratios are JSON numbers.',
  },
}

/** Creates the Hono app. */
export function createApp(deps: AppDeps) {
  const sources =
    deps.sources ??
    createReportSources({
      config: deps.config,
      clientFor: deps.clientFor,
      configHint: deps.configHint,
      caches: deps.caches,
    })
  const limits = deps.config.limits ?? DEFAULT_API_LIMITS
  const app = createRouter()
  const ctx: RouteContext = {
    budget: () => createRequestBudget({ limits }),
    runMonteCarlo: deps.runMonteCarlo,
  }
  app.use('*', corsPolicy(limits.corsOrigins))
  app.use('*', htmlSecurityHeaders())
  if (limits.ratePerSecond > 0) {
    const keyOf: ClientKeyOf = clientKeyOf(deps.clientIp)
    const limiter =
      deps.rateLimiter ??
      createTokenBucketLimiter({ ratePerSecond: limits.ratePerSecond, burst: limits.rateBurst })
    app.use('/v1/*', rateLimit(limiter, keyOf))
  }
  const work = createWorkLimiter({
    concurrency: limits.heavyConcurrency,
    queue: limits.heavyQueue,
    queueMs: limits.heavyQueueMs,
  })
  for (const path of HEAVY_PATHS) app.use(path, work.middleware)
  // Wallet reads share the event loop with /health: a bounded number decode at once, the rest wait idle.
  const reads = createWorkLimiter({
    concurrency: limits.readConcurrency,
    queue: limits.readQueue,
    queueMs: limits.heavyQueueMs,
  })
  app.use('/v1/wallets/*', (c, next) =>
    c.req.path.endsWith('/montecarlo') ? next() : reads.middleware(c, next),
  )

  app.onError((err, c) => {
    if (err instanceof BaseError) {
      return c.json(errorBody(err.code, err.message), STATUS_OF[err.code])
    }
    if (err instanceof HTTPException && err.status < 500) {
      // Hono's own 4xx (e.g. a body that is not JSON).
      return c.json(errorBody('INVALID_REQUEST', err.message || 'invalid request'), err.status)
    }
    console.error('[stacklens] unexpected error', err)
    return c.json(errorBody('INTERNAL', 'an unexpected error occurred; it has been logged'), 500)
  })
  app.notFound(
    notFoundOrNotAllowed(() => {
      const paths = new Map<string, string[]>([
        ['/', ['GET']],
        ['/docs', ['GET']],
        ['/openapi.json', ['GET']],
      ])
      for (const [path, ops] of Object.entries(app.getOpenAPI31Document(OPENAPI_CONFIG).paths ?? {})) {
        paths.set(
          path,
          Object.keys(ops ?? {})
            .filter((m) => ['get', 'post', 'put', 'patch', 'delete'].includes(m))
            .map((m) => m.toUpperCase()),
        )
      }
      return paths
    }),
  )

  app.openapi(
    createRoute({
      method: 'get',
      path: '/health',
      summary: 'Liveness',
      responses: { 200: { content: { 'application/json': { schema: HealthSchema } }, description: 'Up' } },
    }),
    (c) => c.json({ status: 'ok' as const }, 200),
  )
  app.route('/', chainRoutes(sources))
  app.route('/', walletRoutes(sources, ctx))
  app.route('/', walletAnalysisRoutes(sources, ctx))
  app.route('/', walletHistoryRoutes(sources, ctx))
  app.route('/', walletHedgeRoutes(sources, ctx))
  app.route('/', marketRoutes(sources, ctx))
  app.route('/', leverageRoutes(sources, ctx))
  app.route('/', systemicRoutes(sources, ctx))
  app.route('/', analyzeRoutes(sources, ctx))
  if (deps.monitor) app.route('/', watchRoutes({ ...deps.monitor, chains: Object.keys(deps.config.chains) }))
  app.route('/', pageRoutes(sources))

  app.doc31('/openapi.json', OPENAPI_CONFIG)
  let docsHtml: string | undefined
  app.get('/docs', (c) => {
    docsHtml ??= renderDocsPage(app.getOpenAPI31Document(OPENAPI_CONFIG))
    return c.html(docsHtml)
  })
  return app
}

/** The app's type (for typed clients). */
export type StacklensApp = ReturnType<typeof createApp>
