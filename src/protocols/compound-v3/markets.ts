import type { ChainKey } from '../../chains/registry.js'
import type { Address } from '../../core/address.js'

/**
 * A collateral asset of a Comet as last known: a HINT that lets the adapter put the wallet's
 * `userCollateral(user, asset)` and `getPrice(priceFeed)` reads into the chain's single batch.
 * The batch also reads the Comet's own asset list (`getAssetInfo`), so a stale hint costs one
 * pinned follow-up read, never a wrong number.
 */
export interface CometAssetHint {
  /** The collateral token. */
  asset: Address
  /** The Comet's price feed for it (8 decimals, read through `Comet.getPrice`). */
  priceFeed: Address
  /** Symbol for labels; read from the token when absent. */
  symbol?: string
}

/**
 * What a Comet's 8-decimal prices are denominated in, when not USD: WETH-base Comets price every
 * asset in ETH (their WETH feed is a constant 1e8). `usdFeed` is a Chainlink aggregator giving
 * USD per unit of that numeraire, read in the same batch.
 */
export interface CometPriceUnit {
  /** The numeraire, e.g. "ETH". */
  symbol: string
  /** Chainlink AggregatorV3 of numeraire/USD. */
  usdFeed: Address
}

/** One Comet (Compound v3 market): one borrowable base asset, several collaterals. */
export interface CometConfig {
  /** Stable market id, e.g. "compound-v3-ethereum-usdc". */
  id: string
  chain: ChainKey
  /** The Comet proxy. */
  comet: Address
  /** Symbol of the base asset, for labels only (the chain is read for the truth). */
  baseSymbol: string
  /** The base token; when set, a Comet answering another base token is a configuration error. */
  baseToken?: Address
  /** Hint: the Comet's base price feed (verified against `baseTokenPriceFeed()` in the batch). */
  baseTokenPriceFeed?: Address
  /** Hint: the Comet's collateral assets (verified against `getAssetInfo(i)` in the batch). */
  assets?: readonly CometAssetHint[]
  /** The Comet's price numeraire when it is not USD; omitted: prices are USD. */
  priceUnit?: CometPriceUnit
}

/** Chainlink ETH/USD aggregator proxies (the feeds Compound's own configurations use for WETH). */
const ETH_USD = {
  ethereum: '0x5f4eC3Df9cbd43714FE2740f5E3616155c5b8419',
  base: '0x71041dddad3595F9CEd3DcCFBe3D1F4b0a16Bb70',
  arbitrum: '0x639Fe6ab55C921f74e7fac1ee960C0B6293ba612',
} as const satisfies Partial<Record<ChainKey, Address>>

/**
 * Real Comets. Sources: compound-finance/comet `deployments/<network>/<base>/roots.json` ("comet")
 * for each proxy and `configuration.json` ("baseTokenAddress") for each base token, cross-checked
 * against independent public code by exact-string search; the ETH/USD feeds are the WETH price
 * feeds of the same repository's mainnet/base/arbitrum USDC configurations.
 *
 * No asset hints are shipped for them: collateral lists and feeds change by governance (e.g.
 * mainnet cUSDCv3 added wstETH, cbBTC, tBTC and USDe after launch) and could not be read from a
 * live chain here. The adapter learns each Comet's list from its first read in the process (one
 * pinned follow-up), after which a wallet costs one round trip.
 */
export const COMETS: readonly CometConfig[] = [
  {
    // deployments/mainnet/usdc/roots.json
    id: 'compound-v3-ethereum-usdc',
    chain: 'ethereum',
    comet: '0xc3d688B66703497DAA19211EEdff47f25384cdc3',
    baseSymbol: 'USDC',
    baseToken: '0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48',
  },
  {
    // deployments/mainnet/weth/roots.json
    id: 'compound-v3-ethereum-weth',
    chain: 'ethereum',
    comet: '0xA17581A9E3356d9A858b789D68B4d866e593aE94',
    baseSymbol: 'WETH',
    baseToken: '0xC02aaA39b223FE8D0A0e5C4F27eAD9083C756Cc2',
    priceUnit: { symbol: 'ETH', usdFeed: ETH_USD.ethereum },
  },
  {
    // deployments/mainnet/usdt/roots.json
    id: 'compound-v3-ethereum-usdt',
    chain: 'ethereum',
    comet: '0x3Afdc9BCA9213A35503b077a6072F3D0d5AB0840',
    baseSymbol: 'USDT',
    baseToken: '0xdAC17F958D2ee523a2206206994597C13D831ec7',
  },
  {
    // deployments/base/usdc/roots.json
    id: 'compound-v3-base-usdc',
    chain: 'base',
    comet: '0xb125E6687d4313864e53df431d5425969c15Eb2F',
    baseSymbol: 'USDC',
    baseToken: '0x833589fCD6eDb6E08f4c7C32D4f71b54bdA02913',
  },
  {
    // deployments/base/weth/roots.json
    id: 'compound-v3-base-weth',
    chain: 'base',
    comet: '0x46e6b214b524310239732D51387075E0e70970bf',
    baseSymbol: 'WETH',
    baseToken: '0x4200000000000000000000000000000000000006',
    priceUnit: { symbol: 'ETH', usdFeed: ETH_USD.base },
  },
  {
    // deployments/arbitrum/usdc/roots.json (native USDC; the USDC.e Comet is 0xA5ED…5dCA)
    id: 'compound-v3-arbitrum-usdc',
    chain: 'arbitrum',
    comet: '0x9c4ec768c28520B50860ea7a15bd7213a9fF58bf',
    baseSymbol: 'USDC',
    baseToken: '0xaf88d065e77c8cC2239327C5EDb3A432268e5831',
  },
  {
    // deployments/arbitrum/weth/roots.json
    id: 'compound-v3-arbitrum-weth',
    chain: 'arbitrum',
    comet: '0x6f7D514bbD4aFf3BcD1140B7344b32f063dEe486',
    baseSymbol: 'WETH',
    baseToken: '0x82aF49447D8a07e3bd95BD0d56f35241523fBab1',
    priceUnit: { symbol: 'ETH', usdFeed: ETH_USD.arbitrum },
  },
]
