/**
 * The composition root: binds the configuration (chains, their markets, the devchain manifest),
 * the chain clients, the adapters and their read caches, the use-case sources and the HTTP app.
 * `src/node.ts` (through `src/serve.ts`) builds one per process, `src/worker.ts` one per isolate
 * (per configuration), the CLI one per command.
 */
import { type AppDeps, createApp, type StacklensApp } from './api/app.js'
import type { ChainClient } from './chains/client.js'
import { configFromEnv, type StacklensConfig, type StacklensEnv } from './config.js'
import type { DevchainManifest } from './devchain/manifest.js'
import { createReadCaches, type ReadCaches } from './protocols/read-caches.js'
import type { ChainRuntime } from './protocols/types.js'
import { createReportSources, type ReportSources } from './report/report-sources.js'

/** Params of {@link createStacklens}. */
export interface CreateStacklensParams {
  config: StacklensConfig
  /** Hint shown when a chain is not configured (differs on Node and Workers). */
  configHint?: string
  /** Builds the client of a chain (default: viem HTTP with batching and fallback). */
  clientFor?: (chain: ChainRuntime) => ChainClient
  /** The fetch the default chain clients post with (Node: `createNodeFetch`); the global one when omitted. */
  fetchFn?: typeof fetch
  /** Runtime-specific parts of the app: the Monte Carlo runner, the rate limiter, the client's address. */
  runtime?: Pick<AppDeps, 'runMonteCarlo' | 'rateLimiter' | 'clientIp' | 'monitor'>
}

/** One bound stacklens: what the faces (API, CLI, Worker) run on. */
export interface Stacklens {
  config: StacklensConfig
  /** The adapters' read caches, owned here (size-bounded). */
  caches: ReadCaches
  /** The use cases' sources (`src/report/`). */
  sources: ReportSources
  /** The HTTP app over the same sources. */
  app: StacklensApp
}

/** Binds everything for `config`: one set of clients and caches shared by the app and the use cases. */
export function createStacklens(params: CreateStacklensParams): Stacklens {
  const caches = createReadCaches()
  const sources = createReportSources({
    config: params.config,
    caches,
    clientFor: params.clientFor,
    fetchFn: params.fetchFn,
    configHint: params.configHint,
  })
  const app = createApp({ config: params.config, sources, ...params.runtime })
  return { config: params.config, caches, sources, app }
}

/** {@link createStacklens} from environment variables (and the devchain manifest when `local` is served). */
export function stacklensFromEnv(
  env: StacklensEnv,
  localManifest: DevchainManifest | null = null,
  configHint?: string,
): Stacklens {
  return createStacklens({
    config: configFromEnv(env, localManifest),
    ...(configHint === undefined ? {} : { configHint }),
  })
}
