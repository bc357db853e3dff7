import type { ChainKey } from '../../chains/registry.js'
import type { Address } from '../../core/address.js'

/** Chains GMX v2 is deployed on: stacklens's keys plus Avalanche (not yet in the chain registry). */
export type GmxChainKey = ChainKey | 'avalanche'

/** A token the adapter can label and price. */
export interface GmxTokenInfo {
  address: Address
  symbol: string
  decimals: number
}

/** A GMX market as Reader.getMarket returns it (a hint: markets not listed are read on chain). */
export interface GmxMarketHint {
  marketToken: Address
  indexToken: Address
  longToken: Address
  shortToken: Address
}

/** A Chainlink-style feed giving a token's USD price (devchain: the SettablePriceFeeds). */
export interface GmxFeedPrice {
  token: Address
  feed: Address
  /** Decimals of the feed's answer (8 for the devchain's feeds). */
  feedDecimals: number
}

/**
 * Where the adapter takes the prices it passes to the Reader: GMX's oracle HTTP service in
 * production, price feeds read in the chain's batch on the devchain.
 */
export type GmxPriceSource =
  | { kind: 'oracle'; tickersUrl: string }
  | { kind: 'feeds'; feeds: readonly GmxFeedPrice[] }

/** One GMX v2 deployment on one chain. */
export interface GmxV2Config {
  /** Stable market id, e.g. "gmx-v2-arbitrum". */
  id: string
  chain: GmxChainKey
  /** The Reader contract (stateless; takes the DataStore as its first argument). */
  reader: Address
  dataStore: Address
  referralStorage: Address
  /** Tokens the adapter labels (symbol, decimals); a position on another token is an unavailable row. */
  tokens: readonly GmxTokenInfo[]
  /** Known markets; others are read with Reader.getMarket in the follow-up. */
  markets?: readonly GmxMarketHint[]
  prices: GmxPriceSource
  /** Most positions read per wallet (Reader.getAccountPositions end index). */
  maxPositions?: number
}

/**
 * Real GMX v2 deployments. Addresses cross-checked by exact-string search of independent public
 * code (gmx-synthetics deployments are the primary source):
 * - Arbitrum DataStore 0xFD70de6b91282D8017aA4E741e9Ae325CAb992d8 (many integrations, e.g. GMX's
 *   own fee-keeper scripts and DefiLlama adapters), ReferralStorage
 *   0xe6fab3F0c7199b0d34d7FbE83394fc0e0D06e99d (an integration's constants next to that DataStore),
 *   Reader 0x0537C767cDAC0726c76Bb89e92904fe28fd02fE1 (a strategy deployment script). GMX has
 *   redeployed the Reader several times (0xf60becbb…d139 earlier, 0x65A6CC45…D0E later); every
 *   version keeps getAccountPositions and getMarket.
 * - Avalanche DataStore 0x2F0b22339414ADeD7D5F06f9D604c7fF5b2fe3f6, Reader
 *   0x62Cb8740E6986B29dC671B2EB596676f60590A5B (two independent integrations), ReferralStorage
 *   0x827ED045002eCdAbEb6e2b0d1604cf5fC3d322F8 (GMX interface's Avalanche contract list).
 * Tokens: the canonical Arbitrum/Avalanche token addresses; the synthetic BTC index token of
 * GMX's BTC/USD market on Arbitrum is 0x47904963fc8b2340414262125aF798B9655E58Cd.
 */
export const GMX_V2_DEPLOYMENTS: readonly GmxV2Config[] = [
  {
    id: 'gmx-v2-arbitrum',
    chain: 'arbitrum',
    reader: '0x0537C767cDAC0726c76Bb89e92904fe28fd02fE1',
    dataStore: '0xFD70de6b91282D8017aA4E741e9Ae325CAb992d8',
    referralStorage: '0xe6fab3F0c7199b0d34d7FbE83394fc0e0D06e99d',
    prices: { kind: 'oracle', tickersUrl: 'https://arbitrum-api.gmxinfra.io/prices/tickers' },
    tokens: [
      { address: '0x82aF49447D8a07e3bd95BD0d56f35241523fBab1', symbol: 'WETH', decimals: 18 },
      { address: '0x2f2a2543B76A4166549F7aaB2e75Bef0aefC5B0f', symbol: 'WBTC', decimals: 8 },
      { address: '0x47904963fc8b2340414262125aF798B9655E58Cd', symbol: 'BTC', decimals: 8 },
      { address: '0xaf88d065e77c8cC2239327C5EDb3A432268e5831', symbol: 'USDC', decimals: 6 },
      { address: '0xFF970A61A04b1cA14834A43f5dE4533eBDDB5CC8', symbol: 'USDC.e', decimals: 6 },
      { address: '0xFd086bC7CD5C481DCC9C85ebE478A1C0b69FCbb9', symbol: 'USDT', decimals: 6 },
      { address: '0x912CE59144191C1204E64559FE8253a0e49E6548', symbol: 'ARB', decimals: 18 },
      { address: '0xf97f4df75117a78c1A5a0DBb814Af92458539FB4', symbol: 'LINK', decimals: 18 },
    ],
  },
  {
    id: 'gmx-v2-avalanche',
    chain: 'avalanche',
    reader: '0x62Cb8740E6986B29dC671B2EB596676f60590A5B',
    dataStore: '0x2F0b22339414ADeD7D5F06f9D604c7fF5b2fe3f6',
    referralStorage: '0x827ED045002eCdAbEb6e2b0d1604cf5fC3d322F8',
    prices: { kind: 'oracle', tickersUrl: 'https://avalanche-api.gmxinfra.io/prices/tickers' },
    tokens: [
      { address: '0xB31f66AA3C1e785363F0875A1B74E27b85FD66c7', symbol: 'WAVAX', decimals: 18 },
      { address: '0x49D5c2BdFfac6CE2BFdB6640F4F80f226bc10bAB', symbol: 'WETH.e', decimals: 18 },
      { address: '0x152b9d0FdC40C096757F570A51E494bd4b943E50', symbol: 'BTC.b', decimals: 8 },
      { address: '0xB97EF9Ef8734C71904D8002F8b6Bc66Dd9c48a6E', symbol: 'USDC', decimals: 6 },
      { address: '0x9702230A8Ea53601f5cD2dc00fDBc13d4dF4A8c7', symbol: 'USDT', decimals: 6 },
    ],
  },
]
