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
  /**
   * DEX pools whose on-chain liquidity prices a cascade's forced sales, per risk asset (a Uniswap
   * v3 pool of the asset against a stablecoin). Empty: a calibrated square-root depth curve.
   */
  dexPools?: DexPoolConfig[]
  /** Subgraph GraphQL endpoints by market id, to enumerate a market's borrowers. */
  subgraphs?: Record<string, string>
}

/** A DEX pool for a cascade's price impact. */
export interface DexPoolConfig {
  /** The risk asset whose sales it prices, e.g. "ETH". */
  riskAsset: string
  kind: 'uniswap-v3'
  pool: Address
  /** The token sold into it (WETH for ETH). */
  token: Address
  /** A label for responses, e.g. "Uniswap v3 WETH/USDC 0.05%". */
  label: string
}

/**
 * Known DEX pools on real chains: Uniswap v3 USDC/WETH 0.05% on Ethereum (the deepest ETH/USD
 * pool on chain).
 */
export const DEX_POOLS: Partial<Record<ChainKey, DexPoolConfig[]>> = {
  ethereum: [
    {
      riskAsset: 'ETH',
      kind: 'uniswap-v3',
      pool: '0x88e6A0c2dDD26FEEb64F039a2c41296FcB3f5640',
      token: '0xC02aaA39b223FE8D0A0e5C4F27eAD9083C756Cc2',
      label: 'Uniswap v3 USDC/WETH 0.05%',
    },
  ],
}

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
      dexPools: DEX_POOLS[key] ?? [],
      subgraphs: subgraphsFromEnv(env, [
        ...AAVE_MARKETS.filter((m) => m.chain === key).map((m) => m.id),
        `morpho-blue-${key}`,
      ]),
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
