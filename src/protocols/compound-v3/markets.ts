import type { ChainKey } from '../../chains/registry.js'
import type { Address } from '../../core/address.js'
import deployments from './deployments.json' with { type: 'json' }

/**
 * Chains with a production Comet: stacklens chain keys, plus networks the chain registry does
 * not list yet (their Comets are data until a chain runtime for them exists).
 */
export type CometChainKey = ChainKey | 'linea' | 'mantle' | 'ronin' | 'scroll' | 'unichain'

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
  /** Chainlink AggregatorV3 of numeraire/USD; null when none is known (positions are PRICE_UNAVAILABLE). */
  usdFeed: Address | null
}

/** One Comet (Compound v3 market): one borrowable base asset, several collaterals. */
export interface CometConfig {
  /** Stable market id, e.g. "compound-v3-ethereum-usdc". */
  id: string
  /** A key of Compound's deployments ({@link CometChainKey}), or a chain declared in STACKLENS_CONFIG. */
  chain: string
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
  /**
   * The Comet's deployment block: where a market-wide borrower enumeration from its events
   * starts. Omitted (Compound's records do not state it): found on chain by an `eth_getCode`
   * search at the read's block (an archive node is needed; else the Comet is not enumerated).
   */
  fromBlock?: bigint
  /** Blocks per eth_getLogs of that enumeration. Default 50,000. */
  logsBlockSpan?: bigint
}

/** Compound's network names (deployments/<network>/) as stacklens chain keys. */
const NETWORK_CHAIN: Record<string, CometChainKey> = { mainnet: 'ethereum' }

/**
 * Every production Comet, generated from Compound's own deployment records (`deployments.json`,
 * written by scripts/comet-deployments.ts from compound-finance/comet at the commit it names):
 * `deployments/<network>/<market>/roots.json` (key `comet`: the proxy) and `configuration.json`
 * (base token, base feed). The price numeraire of a market whose deploy.ts deploys a
 * ConstantPriceFeed is its base asset, converted to USD by the base token's feed in another market
 * of the network; a numeraire without such a feed in the records (mainnet wbtc and wstETH, unichain
 * weth) has `usdFeed: null` and its positions are served as PRICE_UNAVAILABLE rows.
 *
 * No asset hints are shipped: collateral lists and feeds change by governance and are read from
 * the chain (the adapter learns each Comet's list from its first read in the process).
 */
export const COMETS: readonly CometConfig[] = deployments.markets.map((m) => ({
  id: `compound-v3-${NETWORK_CHAIN[m.network] ?? m.network}-${m.market}`,
  chain: NETWORK_CHAIN[m.network] ?? (m.network as CometChainKey),
  comet: m.comet as Address,
  baseSymbol: m.baseSymbol,
  baseToken: m.baseToken as Address,
  ...('baseTokenPriceFeed' in m && m.baseTokenPriceFeed
    ? { baseTokenPriceFeed: m.baseTokenPriceFeed as Address }
    : {}),
  ...(m.priceUnit
    ? { priceUnit: { symbol: m.priceUnit.symbol, usdFeed: m.priceUnit.usdFeed as Address | null } }
    : {}),
}))

/** Where COMETS come from (repository and commit), for `GET /v1/chains`. */
export const COMETS_SOURCE = deployments.source
