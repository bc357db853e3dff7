import { existsSync, readFileSync } from 'node:fs'
import { serve } from '@hono/node-server'
import { getConnInfo } from '@hono/node-server/conninfo'
import { createStacklens } from './app.js'
import { createNodeFetch } from './chains/node-fetch.js'
import { configFromEnv, hasRealRpc, type StacklensEnv } from './config.js'
import { ConfigFileError, configWithFile } from './config-file.js'
import { BaseError } from './core/errors.js'
import type { RunningDevchain } from './devchain/devchain.js'
import { type DevchainManifest, devchainManifestSchema } from './devchain/manifest.js'
import { createMonteCarloPool } from './mc-worker-pool.js'
import { resolveHostNode } from './monitor/delivery/node-resolver.js'
import { pinnedNodeFetch } from './monitor/delivery/pinned-fetch.js'
import { targetPolicyFromEnv } from './monitor/delivery/target-policy.js'
import { startNodeMonitor } from './monitor/node-monitor.js'
import { dbPathFromEnv, openSqliteStore } from './monitor/store/sqlite-store.js'
import type { MonitorStore } from './monitor/types.js'

/** Where the devchain writes its manifest (the devchain module's default, kept here so serving a running devchain does not load the deployers). */
const DEFAULT_MANIFEST_PATH = '.stacklens/devchain.json'

/** Reads and validates a devchain manifest file. */
export function readManifestFile(path: string): DevchainManifest {
  if (!existsSync(path)) {
    throw new BaseError(
      'DEVCHAIN_NOT_RUNNING',
      `no devchain manifest at ${path}: start one with \`npm run devchain\``,
    )
  }
  const parsed = devchainManifestSchema.safeParse(JSON.parse(readFileSync(path, 'utf8')))
  if (!parsed.success) {
    throw new BaseError(
      'INVALID_REQUEST',
      `${path} is not a devchain manifest: ${parsed.error.issues[0]?.message}`,
    )
  }
  return parsed.data
}

/** Options of {@link startServer}. */
export interface StartServerOptions {
  env: StacklensEnv
  port: number
  host: string
  log: (line: string) => void
}

/** A running API server (and the devchain it started, if any). */
export interface RunningServer {
  url: string
  manifest: DevchainManifest | null
  devchain: RunningDevchain | null
  /** The monitoring store (SQLite file `STACKLENS_DB`, default .stacklens/stacklens.db), migrated at start. */
  monitorStore: MonitorStore
  close(): Promise<void>
}

/**
 * Starts the API on Node. With `STACKLENS_RPC_LOCAL` it serves that running devchain (addresses
 * from its manifest, `STACKLENS_MANIFEST` or .stacklens/devchain.json); with no RPC configured at
 * all it starts its own devchain; otherwise it serves the configured real networks.
 */
export async function startServer(options: StartServerOptions): Promise<RunningServer> {
  const { env, log } = options
  let devchain: RunningDevchain | null = null
  let manifest: DevchainManifest | null = null
  const manifestPath = env.STACKLENS_MANIFEST ?? DEFAULT_MANIFEST_PATH
  if (env.STACKLENS_RPC_LOCAL) {
    manifest = readManifestFile(manifestPath)
    log(`serving the running devchain at ${env.STACKLENS_RPC_LOCAL} (manifest ${manifestPath})`)
  } else if (!hasRealRpc(env)) {
    log('no RPC configured: starting the devchain (anvil + real Aave v3 bytecode + demo wallets)')
    const t0 = performance.now()
    // Loaded only here: the deployers and their artifacts are not needed to serve real networks.
    const { startDevchain, DEVCHAIN_STATE_CACHE_DIR } = await import('./devchain/devchain.js')
    devchain = await startDevchain({
      manifestPath,
      progress: (m) => log(`  devchain: ${m}`),
      stateCache: DEVCHAIN_STATE_CACHE_DIR,
    })
    manifest = devchain.manifest
    log(
      `  devchain ready in ${((performance.now() - t0) / 1000).toFixed(1)} s at ${devchain.rpcUrl}; manifest ${manifestPath}`,
    )
  }
  let config = configFromEnv(env, manifest)
  if (env.STACKLENS_CONFIG) {
    const path = env.STACKLENS_CONFIG
    if (!existsSync(path)) throw new ConfigFileError(`STACKLENS_CONFIG: no file at ${path}`)
    config = await configWithFile(config, readFileSync(path, 'utf8'), `STACKLENS_CONFIG (${path})`)
    log(`  STACKLENS_CONFIG ${path}: chains ${Object.keys(config.chains).join(', ')}`)
  }
  // Monte Carlo off the event loop (STACKLENS_MC_WORKERS threads; 0 = inline, the benchmark's anchor).
  const mcWorkers = env.STACKLENS_MC_WORKERS === undefined ? undefined : Number(env.STACKLENS_MC_WORKERS)
  const pool =
    mcWorkers === 0 ? null : createMonteCarloPool(mcWorkers === undefined ? {} : { size: mcWorkers })
  const trustProxy = config.limits?.trustProxy ?? false
  const dbPath = dbPathFromEnv(env)
  const monitorStore = await openSqliteStore(dbPath)
  log(`  monitoring store ${dbPath} (migrated)`)
  const policy = targetPolicyFromEnv(env)
  const { app, sources } = createStacklens({
    config,
    // JSON-RPC over node:http keep-alive (src/chains/node-fetch.ts): a fraction of undici fetch's CPU.
    fetchFn: createNodeFetch(),
    runtime: {
      ...(pool ? { runMonteCarlo: pool.run } : {}),
      clientIp: (c) =>
        (trustProxy ? c.req.header('x-forwarded-for')?.split(',')[0]?.trim() : undefined) ??
        getConnInfo(c).remote.address,
      monitor: {
        store: monitorStore,
        policy,
        resolveHost: resolveHostNode,
        pinnedFetch: pinnedNodeFetch,
        ...(env.STACKLENS_PUBLIC_URL ? { publicBaseUrl: env.STACKLENS_PUBLIC_URL } : {}),
      },
    },
  })
  // The monitor scheduler (src/monitor/node-monitor.ts; STACKLENS_MONITOR=off disables it).
  const monitor = await startNodeMonitor({
    env,
    sources,
    devchain: manifest !== null,
    store: monitorStore,
    publicBaseUrl: `http://${options.host === '0.0.0.0' ? 'localhost' : options.host}:${options.port}`,
    log,
  })
  const server = await new Promise<ReturnType<typeof serve>>((resolve, reject) => {
    const s = serve({ fetch: app.fetch, port: options.port, hostname: options.host }, () => resolve(s))
    s.once('error', reject)
  })
  const url = `http://${options.host === '0.0.0.0' ? 'localhost' : options.host}:${options.port}`
  let closed = false
  return {
    url,
    manifest,
    devchain,
    monitorStore,
    close: async () => {
      if (closed) return
      closed = true
      await monitor?.stop()
      await new Promise<void>((resolve) => server.close(() => resolve()))
      await pool?.close()
      await monitorStore.close()
      await devchain?.stop()
    },
  }
}
