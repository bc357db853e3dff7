import type { Address } from '../core/address.js'
import { type DevchainManifest, localCometConfigs, localGmxConfigs } from '../devchain/manifest.js'
import { AAVE_MARKETS, type AaveMarketConfig, USD_PRICE_ORACLES } from '../protocols/aave-v3/markets.js'
import { COMETS, type CometConfig } from '../protocols/compound-v3/markets.js'
import { GMX_V2_DEPLOYMENTS, type GmxV2Config } from '../protocols/gmx-v2/markets.js'
import { MORPHO_BLUE, type MorphoBlueConfig } from '../protocols/morpho-blue/markets.js'
import { CHAIN_KEYS, CHAINS, type ChainKey } from './registry.js'

/** A chain this deployment can read: where to reach it and which markets live on it. */
export interface ChainRuntime {
  key: ChainKey
  chainId: number
  /** RPC URLs in fallback order. */
  rpcUrls: string[]
  multicall3: Address
  aaveMarkets: AaveMarketConfig[]
  /**
   * A USD price source for assets priced outside their protocol (Morpho prices collateral in loan
   * units): an AaveOracle-compatible `getAssetPrice(asset)` in USD with 8 decimals; null if none.
   */
  usdPriceOracle: Address | null
  /** The chain's Morpho Blue singleton, if any. */
  morphoBlue: MorphoBlueConfig | null
  /** The chain's Comets (Compound v3). */
  comets: CometConfig[]
  /** The chain's GMX v2 deployments. */
  gmxV2: GmxV2Config[]
}

/** The runtime configuration: the chains that have an RPC. */
export interface StacklensConfig {
  chains: Partial<Record<ChainKey, ChainRuntime>>
  /** The devchain manifest when chain `local` is served. */
  localManifest: DevchainManifest | null
  /** Hyperliquid's info API (`STACKLENS_HYPERLIQUID_API_URL`), or null: then it is not read. */
  hyperliquid?: { url: string } | null
}

/** Environment variables stacklens reads (Node `process.env` or Worker `env`). */
export type StacklensEnv = Record<string, string | undefined>

function splitUrls(value: string | undefined): string[] {
  return (value ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0)
}

/** The `local` chain runtime from a devchain manifest (its Aave market as `aave-v3-local`). */
export function localChainRuntime(manifest: DevchainManifest, rpcUrl?: string): ChainRuntime {
  return {
    key: 'local',
    chainId: manifest.chainId,
    rpcUrls: [rpcUrl ?? manifest.rpcUrl],
    multicall3: manifest.multicall3 as Address,
    aaveMarkets: [
      {
        id: manifest.aaveV3.marketId,
        protocol: 'aave-v3',
        name: 'Aave v3 devchain',
        chain: 'local',
        poolAddressesProvider: manifest.aaveV3.poolAddressesProvider as Address,
        pool: manifest.aaveV3.pool as Address,
        uiPoolDataProvider: manifest.aaveV3.uiPoolDataProvider as Address,
      },
    ],
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
  const chains: Partial<Record<ChainKey, ChainRuntime>> = {}
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
      aaveMarkets: AAVE_MARKETS.filter((m) => m.chain === key),
      usdPriceOracle: USD_PRICE_ORACLES[key] ?? null,
      morphoBlue: withMorphoApi(
        MORPHO_BLUE.find((m) => m.chain === key) ?? null,
        env.STACKLENS_MORPHO_API_URL,
      ),
      comets: COMETS.filter((c) => c.chain === key),
      gmxV2: GMX_V2_DEPLOYMENTS.filter((d) => d.chain === key),
    }
  }
  if (localManifest) {
    const override = splitUrls(env.STACKLENS_RPC_LOCAL)[0]
    chains.local = localChainRuntime(localManifest, override)
  }
  const hl = env.STACKLENS_HYPERLIQUID_API_URL?.trim()
  return { chains, localManifest, hyperliquid: hl ? { url: hl } : null }
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
