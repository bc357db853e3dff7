/**
 * The runtime configuration: which chains have an RPC and which markets live on each (every
 * protocol's own address book, or the devchain manifest), from environment variables (Node
 * `process.env`, Worker `env`). The composition root (`src/app.ts`) builds it once.
 */
import type { PendlePtEntry } from './assets/pendle-source.js'
import { CHAIN_KEYS, CHAINS } from './chains/registry.js'
import type { Address } from './core/address.js'
import {
  type DevchainManifest,
  localAaveV4Deployments,
  localCometConfigs,
  localGmxConfigs,
} from './devchain/manifest.js'
import { DEX_POOLS } from './dex/dex-pools.js'
import { type ApiLimitsConfig, limitsFromEnv } from './limits-config.js'
import { type AaveMarketConfig, aaveMarketsForChain, USD_PRICE_ORACLES } from './protocols/aave-v3/markets.js'
import { AAVE_V4_DEPLOYMENTS } from './protocols/aave-v4/markets.js'
import { COMETS } from './protocols/compound-v3/markets.js'
import { GMX_V2_DEPLOYMENTS } from './protocols/gmx-v2/markets.js'
import { MORPHO_BLUE, type MorphoBlueConfig } from './protocols/morpho-blue/markets.js'
import type { ChainRuntime } from './protocols/types.js'

export type { DexPoolConfig } from './dex/dex-pools.js'
export { DEX_POOLS } from './dex/dex-pools.js'
export type { ChainRuntime } from './protocols/types.js'

/**
 * Subgraph endpoints from `STACKLENS_SUBGRAPH_<MARKET_ID>` (the market id upper-cased, "-" as
 * "_", e.g. STACKLENS_SUBGRAPH_AAVE_V3_ETHEREUM; a Morpho chain's as
 * STACKLENS_SUBGRAPH_MORPHO_BLUE_<CHAIN>).
 */
function subgraphsFromEnv(env: StacklensEnv, marketIds: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {}
  for (const id of marketIds) {
    const url = env[`STACKLENS_SUBGRAPH_${id.toUpperCase().replace(/-/g, '_')}`]?.trim()
    if (url) out[id] = url
  }
  return out
}

/** The runtime configuration: the chains that have an RPC. */
export interface StacklensConfig {
  /** By chain key: the registry's chains that have an RPC, plus the chains STACKLENS_CONFIG declares. */
  chains: Record<string, ChainRuntime>
  /** The devchain manifest when chain `local` is served. */
  localManifest: DevchainManifest | null
  /** Hyperliquid's info API (`STACKLENS_HYPERLIQUID_API_URL`), or null: then it is not read. */
  hyperliquid?: { url: string } | null
  /** Deadlines, budgets, work and rate limits, CORS (`src/limits-config.ts`); defaults when omitted. */
  limits?: ApiLimitsConfig
  /**
   * Pendle PTs added to the asset registry (STACKLENS_CONFIG `pendlePts`): each valued from its
   * market or Pendle's oracle at the block (src/assets/pendle-source.ts). The devchain's come
   * from its manifest.
   */
  pendlePts?: readonly PendlePtEntry[]
}

/** Environment variables stacklens reads (Node `process.env` or Worker `env`). */
export type StacklensEnv = Record<string, string | undefined>

function splitUrls(value: string | undefined): string[] {
  return (value ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0)
}

/** The devchain's Aave markets: v3.0 (`aave-v3-local`) and, when deployed, real v3.6 (`aave-v36-local`). */
function localAaveMarkets(manifest: DevchainManifest): AaveMarketConfig[] {
  const markets = [manifest.aaveV3, ...(manifest.aaveV36 ? [manifest.aaveV36] : [])]
  return markets.map((m, i) => ({
    id: m.marketId,
    protocol: 'aave-v3',
    name: i === 0 ? 'Aave v3 devchain' : `Aave v${manifest.aaveV36?.version ?? '3.6'} devchain`,
    chain: 'local',
    poolAddressesProvider: m.poolAddressesProvider as Address,
    pool: m.pool as Address,
    uiPoolDataProvider: m.uiPoolDataProvider as Address,
    version: i === 0 ? 'v3.0' : `v${(manifest.aaveV36?.version ?? '3.6').split('.').slice(0, 2).join('.')}`,
    source:
      i === 0
        ? 'devchain manifest (@aave/core-v3 1.19.3 artifacts)'
        : `devchain manifest (compiled from @aave-dao/aave-v3-origin ${manifest.aaveV36?.version ?? ''})`.trim(),
  }))
}

/** The `local` chain runtime from a devchain manifest (its Aave markets, Morpho, Comets, GMX, pools). */
export function localChainRuntime(manifest: DevchainManifest, rpcUrl?: string): ChainRuntime {
  return {
    key: 'local',
    chainId: manifest.chainId,
    rpcUrls: [rpcUrl ?? manifest.rpcUrl],
    multicall3: manifest.multicall3 as Address,
    aaveMarkets: localAaveMarkets(manifest),
    aaveV4: manifest.aaveV4 ? localAaveV4Deployments(manifest.aaveV4, manifest.chainId) : [],
    usdPriceOracle: manifest.aaveV3.oracle as Address,
    morphoBlue: manifest.morphoBlue
      ? {
          chain: 'local',
          morpho: manifest.morphoBlue.morpho as Address,
          fromBlock: BigInt(manifest.morphoBlue.deployBlock),
          logsBlockSpan: 1_000_000n,
        }
      : null,
    comets: manifest.compoundV3 ? localCometConfigs(manifest.compoundV3) : [],
    gmxV2: manifest.gmxV2 ? localGmxConfigs(manifest.gmxV2) : [],
    dexPools: (manifest.uniswapV3?.pools ?? []).flatMap((p) => {
      const riskAsset = p.baseSymbol === 'WETH' ? 'ETH' : p.baseSymbol === 'WBTC' ? 'BTC' : null
      if (riskAsset === null) return []
      const token = (p.token0Symbol === p.baseSymbol ? p.token0 : p.token1) as Address
      return [
        {
          riskAsset,
          kind: 'uniswap-v3' as const,
          pool: p.address as Address,
          token,
          label: `Uniswap v3 ${p.token0Symbol}/${p.token1Symbol} ${p.fee / 10_000}% (devchain)`,
        },
      ]
    }),
    subgraphs: {},
  }
}

/**
 * Builds the configuration from environment variables: `STACKLENS_RPC_<CHAIN>` (comma-separated
 * URLs for fallback) enables a real chain with every known market on it; `STACKLENS_MORPHO_API_URL`
 * (Morpho's GraphQL API) speeds up Morpho discovery; chain `local` is served
 * when a devchain manifest is given (`STACKLENS_RPC_LOCAL` overrides its RPC URL).
 */
export function configFromEnv(
  env: StacklensEnv,
  localManifest: DevchainManifest | null = null,
): StacklensConfig {
  const chains: Record<string, ChainRuntime> = {}
  for (const key of CHAIN_KEYS) {
    if (key === 'local') continue
    const def = CHAINS[key]
    const rpcUrls = splitUrls(env[def.rpcEnvVar])
    if (rpcUrls.length === 0) continue
    chains[key] = {
      key,
      chainId: def.chainId,
      rpcUrls,
      multicall3: def.multicall3,
      aaveMarkets: aaveMarketsForChain(key),
      aaveV4: AAVE_V4_DEPLOYMENTS[key] ?? [],
      usdPriceOracle: USD_PRICE_ORACLES[key] ?? null,
      morphoBlue: withMorphoApi(
        MORPHO_BLUE.find((m) => m.chain === key) ?? null,
        env.STACKLENS_MORPHO_API_URL,
      ),
      comets: COMETS.filter((c) => c.chain === key),
      gmxV2: GMX_V2_DEPLOYMENTS.filter((d) => d.chain === key),
      dexPools: DEX_POOLS[key] ?? [],
      subgraphs: subgraphsFromEnv(env, [...aaveMarketsForChain(key).map((m) => m.id), `morpho-blue-${key}`]),
    }
  }
  if (localManifest) {
    const override = splitUrls(env.STACKLENS_RPC_LOCAL)[0]
    chains.local = localChainRuntime(localManifest, override)
  }
  const hl = env.STACKLENS_HYPERLIQUID_API_URL?.trim()
  return { chains, localManifest, hyperliquid: hl ? { url: hl } : null, limits: limitsFromEnv(env) }
}

function withMorphoApi(config: MorphoBlueConfig | null, apiUrl: string | undefined): MorphoBlueConfig | null {
  if (!config) return null
  const url = apiUrl?.trim()
  return url ? { ...config, apiUrl: url } : config
}

/** True when some real (non-local) chain has an RPC configured in `env`. */
export function hasRealRpc(env: StacklensEnv): boolean {
  return CHAIN_KEYS.some((k) => k !== 'local' && splitUrls(env[CHAINS[k].rpcEnvVar]).length > 0)
}
