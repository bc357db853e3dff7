import type { ChainKey } from '../../chains/registry.js'
import type { Address } from '../../core/address.js'
import deployments from './runtime-deployments.json' with { type: 'json' }

/** Chains GMX v2 is deployed on (stacklens chain keys). */
export type GmxChainKey = ChainKey

/** A token the adapter can label and price. */
export interface GmxTokenInfo {
  address: Address
  symbol: string
  /** Decimals from GMX's token config (synthetic index tokens have no contract to ask). */
  decimals: number
  /** A synthetic index token (no contract; address derived from chain id and symbol). */
  synthetic?: boolean
  /**
   * GMX's oracle feed id for the token (config/tokens.ts `dataStreamFeedId`): tokens sharing it
   * get the same oracle price (WBTC.e and the synthetic BTC on Arbitrum).
   */
  oracleFeedId?: string
}

/** A GMX market as Reader.getMarket returns it. */
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
 * production (always CURRENT prices, also for a pinned block), price feeds read in the chain's
 * batch on the devchain (prices at the block).
 */
export type GmxPriceSource =
  | { kind: 'oracle'; tickersUrl: string }
  | { kind: 'feeds'; feeds: readonly GmxFeedPrice[] }

/**
 * One Reader deployment as GMX's records give it: where and from which block, and its ABI layout
 * (`v2.2`: Position.Numbers with pendingImpactAmount and the 7-argument isPositionLiquidatable;
 * `v2.1`: 9 numbers and 6 arguments; `unsupported`: older layouts).
 */
export interface GmxReaderRecord {
  address: Address
  fromBlock: bigint
  layout: 'v2.2' | 'v2.1' | 'unsupported'
}

/** One GMX v2 deployment on one chain. */
export interface GmxV2Config {
  /** Stable market id, e.g. "gmx-v2-arbitrum". */
  id: string
  /** A chain GMX is deployed on ({@link GmxChainKey}), or a chain declared in STACKLENS_CONFIG. */
  chain: string
  /** The current Reader (stateless; takes the DataStore as its first argument). */
  reader: Address
  /**
   * Every Reader with its first block, newest first: a read pinned to a block uses the newest
   * Reader deployed at or before it. Omitted: `reader` at every block (layout probed from answers).
   */
  readers?: readonly GmxReaderRecord[]
  dataStore: Address
  referralStorage: Address
  /** Tokens the adapter labels (symbol, decimals); a position on another token is its own unavailable row. */
  tokens: readonly GmxTokenInfo[]
  /** Fallback markets when the Reader's getMarkets cannot be read. */
  markets?: readonly GmxMarketHint[]
  prices: GmxPriceSource
  /** Most positions read per wallet (Reader.getAccountPositions end index). */
  maxPositions?: number
  /** Most markets read (Reader.getMarkets end index); 1,000 by default. */
  maxMarkets?: number
}

const V22_NUMBERS = [
  'sizeInUsd',
  'sizeInTokens',
  'collateralAmount',
  'pendingImpactAmount',
  'borrowingFactor',
  'fundingFeeAmountPerSize',
  'longTokenClaimableFundingAmountPerSize',
  'shortTokenClaimableFundingAmountPerSize',
  'increasedAtTime',
  'decreasedAtTime',
].join()
const V21_NUMBERS = V22_NUMBERS.replace('pendingImpactAmount,', '')

/** A Reader record's layout from its recorded ABI shape. */
export function readerLayout(
  positionNumbers: readonly string[] | null,
  isPositionLiquidatableArgs: number | null,
): GmxReaderRecord['layout'] {
  const numbers = positionNumbers?.join()
  if (numbers === V22_NUMBERS && isPositionLiquidatableArgs === 7) return 'v2.2'
  if (numbers === V21_NUMBERS && isPositionLiquidatableArgs === 6) return 'v2.1'
  return 'unsupported'
}

const LAYOUTS: readonly string[] = ['v2.2', 'v2.1', 'unsupported'] satisfies GmxReaderRecord['layout'][]

/** A layout runtime-deployments.json records (written by {@link readerLayout}). */
function recordedLayout(layout: string): GmxReaderRecord['layout'] {
  if (!LAYOUTS.includes(layout))
    throw new Error(`runtime-deployments.json: unknown Reader layout "${layout}"`)
  return layout as GmxReaderRecord['layout']
}

const TICKERS: Record<string, string> = {
  arbitrum: 'https://arbitrum-api.gmxinfra.io/prices/tickers',
  avalanche: 'https://avalanche-api.gmxinfra.io/prices/tickers',
}

/**
 * Real GMX v2 deployments, generated from GMX's own deployment records
 * (`deployments.json`, written by scripts/gmx-deployments.ts from gmx-io/gmx-synthetics at the
 * commit it names): every Reader of `deployments/<net>/Reader.json`'s history with its deployment
 * block and layout, the DataStore, the ReferralStorage of config/overwrite.ts, and every token of
 * config/tokens.ts with its decimals and oracle feed id. Read from `runtime-deployments.json`, the
 * fields of it used here (scripts/gmx-runtime-deployments.ts; each Reader's layout already
 * {@link readerLayout} of its recorded ABI shape). The tickers endpoints are GMX's
 * (utils/prices.ts:61-63).
 */
export const GMX_V2_DEPLOYMENTS: readonly GmxV2Config[] = Object.entries(deployments.networks).map(
  ([net, d]) => {
    const readers = d.readers.map((r) => ({
      address: r.address as Address,
      fromBlock: BigInt(r.fromBlock),
      layout: recordedLayout(r.layout),
    }))
    return {
      id: `gmx-v2-${net}`,
      chain: net as GmxChainKey,
      reader: readers[0]!.address,
      readers,
      dataStore: d.dataStore as Address,
      referralStorage: d.referralStorage as Address,
      prices: { kind: 'oracle', tickersUrl: TICKERS[net]! },
      tokens: d.tokens.map((t) => ({
        address: t.address as Address,
        symbol: t.symbol,
        decimals: t.decimals,
        ...('synthetic' in t && t.synthetic ? { synthetic: true } : {}),
        ...(t.oracleFeedId ? { oracleFeedId: t.oracleFeedId } : {}),
      })),
    }
  },
)

/** Where GMX_V2_DEPLOYMENTS come from (repository and commit), for `GET /v1/chains`. */
export const GMX_V2_SOURCE = deployments.source

/**
 * GMX's price equivalence (config/tokens.ts: WBTC.e "use the BTC price feed since the oracle would
 * report the BTC price as well"; @gmx-io/sdk getIsEquivalentTokens): the same token, or a
 * synthetic and a token priced by the same oracle feed. A collateral equivalent to the index
 * moves with it.
 */
export function gmxTokensEquivalent(a: GmxTokenInfo, b: GmxTokenInfo): boolean {
  if (a.address.toLowerCase() === b.address.toLowerCase()) return true
  if (!a.synthetic && !b.synthetic) return false
  return a.oracleFeedId !== undefined && a.oracleFeedId === b.oracleFeedId
}
