/**
 * What every use case reads through: the configuration, one client per chain, the asset graphs and
 * rate reads, the adapters. Built once by the composition root (`src/app.ts`) and injected, so the
 * same use cases run on fixtures, the devchain, a fork and in a Worker.
 */
import { type ChainClient, createChainClient } from '../chains/client.js'
import { CHAIN_KEYS, isChainKey } from '../chains/registry.js'
import type { StacklensConfig } from '../config.js'
import { ChainNotConfiguredError, UnknownChainError } from '../core/errors.js'
import { HYPERLIQUID_CHAIN } from '../protocols/hyperliquid/index.js'
import { createReadCaches, type ReadCaches } from '../protocols/read-caches.js'
import { createAdapters, VENUE_ADAPTERS } from '../protocols/read-wallet.js'
import type { ChainRuntime, ProtocolAdapter, VenueRuntime } from '../protocols/types.js'
import { type AssetContexts, createAssetContexts } from './asset-contexts.js'

/** The injected sources of the use cases. */
export interface ReportSources {
  config: StacklensConfig
  assets: AssetContexts
  /** The client of a chain (one per chain, reused across requests). */
  clientFor(chain: ChainRuntime): ChainClient
  /** The adapters a wallet read runs on an EVM chain (built over `caches`). */
  adapters: readonly ProtocolAdapter[]
  /** The adapters' read caches, for the market-wide reads. */
  caches: ReadCaches
  /** Off-EVM venues read with every source (Hyperliquid), with their adapters. */
  venues: readonly { venue: VenueRuntime; adapters: readonly ProtocolAdapter<unknown, VenueRuntime>[] }[]
  /** Hint shown when a chain is not configured (differs on Node and Workers). */
  configHint: string
}

/** The chains with an RPC here: the registry's in its order, then those STACKLENS_CONFIG declares. */
export function configuredChains(sources: ReportSources): string[] {
  const chains = sources.config.chains
  const declared = Object.keys(chains).filter((k) => !isChainKey(k))
  return [...CHAIN_KEYS.filter((k) => chains[k] !== undefined), ...declared]
}

/**
 * The runtime of chain `value`.
 * @throws UnknownChainError (UNKNOWN_CHAIN) for a key stacklens does not know;
 *   ChainNotConfiguredError (CHAIN_NOT_CONFIGURED) for a known chain without an RPC here.
 */
export function resolveChain(sources: ReportSources, value: string): ChainRuntime {
  const runtime = sources.config.chains[value]
  if (!runtime && !isChainKey(value)) {
    throw new UnknownChainError(value, [
      ...CHAIN_KEYS,
      ...configuredChains(sources).filter((k) => !isChainKey(k)),
    ])
  }
  if (!runtime) {
    throw new ChainNotConfiguredError(
      value,
      configuredChains(sources),
      value === 'local' ? 'start the devchain with `npm start` or `npm run devchain`' : sources.configHint,
    )
  }
  return runtime
}

/** Params of {@link createReportSources}. */
export interface CreateReportSourcesParams {
  config: StacklensConfig
  /** Builds the client of a chain (default: viem HTTP with batching and fallback). */
  clientFor?: ((chain: ChainRuntime) => ChainClient) | undefined
  /**
   * The fetch the default clients post JSON-RPC with (Node: `createNodeFetch`, cheaper than the
   * global fetch; Workers: the platform's). The global fetch when omitted.
   */
  fetchFn?: typeof fetch | undefined
  /** Hint shown when a chain is not configured. */
  configHint?: string | undefined
  /** The adapters' read caches (the root's); fresh ones when omitted. */
  caches?: ReadCaches | undefined
  /** The EVM adapters; every adapter over `caches` when omitted. */
  adapters?: readonly ProtocolAdapter[] | undefined
}

/**
 * The sources of one configuration: one client per chain (built on first use, then reused), the
 * asset graphs and rate calls, the adapters over their caches, and Hyperliquid as a venue when
 * configured.
 */
export function createReportSources(params: CreateReportSourcesParams): ReportSources {
  const { config } = params
  const caches = params.caches ?? createReadCaches()
  const clients = new Map<string, ChainClient>()
  const build =
    params.clientFor ??
    ((chain) =>
      createChainClient(chain.key, {
        rpcUrls: chain.rpcUrls,
        chainId: chain.chainId,
        ...(params.fetchFn ? { fetchFn: params.fetchFn } : {}),
      }))
  return {
    config,
    assets: createAssetContexts(config),
    clientFor(chain) {
      let c = clients.get(chain.key)
      if (!c) {
        c = build(chain)
        clients.set(chain.key, c)
      }
      return c
    },
    adapters: params.adapters ?? createAdapters(caches),
    caches,
    venues: config.hyperliquid
      ? [{ venue: { key: HYPERLIQUID_CHAIN, url: config.hyperliquid.url }, adapters: VENUE_ADAPTERS }]
      : [],
    configHint: params.configHint ?? 'set STACKLENS_RPC_<CHAIN> to an RPC URL',
  }
}
