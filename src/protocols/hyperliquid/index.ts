/**
 * Hyperliquid perps (its own L1, over the info API) as a `ProtocolAdapter` whose "chain" is the
 * venue; the client, the payload schemas and the position layout are exported for direct use.
 */

import type { Address } from '../../core/address.js'
import type { BaseError } from '../../core/errors.js'
import type { Position } from '../../core/types.js'
import type { ProtocolAdapter, VenueRuntime, WalletReadPlan } from '../types.js'
import { HYPERLIQUID_MAINNET_URL, type HyperliquidRequestOptions } from './client.js'
import { HyperliquidError } from './errors.js'
import {
  crossMarket,
  HYPERLIQUID_CHAIN,
  HYPERLIQUID_PROTOCOL,
  positionsFromClearinghouseState,
} from './position.js'
import { readHyperliquidFundingRates } from './rates.js'
import { type HyperliquidScan, MAX_HIP3_DEXES, readHyperliquidWallet, scanHyperliquidDexes } from './read.js'

export type { FetchClearinghouseStateParams, FetchMetaParams, HyperliquidRequestOptions } from './client.js'
export {
  fetchClearinghouseState,
  fetchMeta,
  fetchPerpDexs,
  HYPERLIQUID_MAINNET_URL,
  HYPERLIQUID_TESTNET_URL,
  postInfo,
} from './client.js'
export { HyperliquidError } from './errors.js'
export * from './math.js'
export {
  baseCoin,
  type ClearinghouseStateOptions,
  crossMarket,
  HYPERLIQUID_CHAIN,
  HYPERLIQUID_MARKET,
  HYPERLIQUID_PROTOCOL,
  HYPERLIQUID_SIZE_DECIMALS,
  isolatedMarket,
  positionsFromClearinghouseState,
} from './position.js'
export {
  HYPERLIQUID_DEX_CONCURRENCY,
  type HyperliquidDexRead,
  type HyperliquidScan,
  MAX_HIP3_DEXES,
  type ReadHyperliquidWalletParams,
  readHyperliquidWallet,
  type ScanHyperliquidDexesParams,
  scanHyperliquidDexes,
} from './read.js'
export * from './schemas.js'

/**
 * What the adapter's discovery found: every perp dex's read (the default dex and the HIP-3 dexes
 * of `perpDexs`), each with its state or the venue error that stopped it (served as an
 * `unavailable` row, never thrown: the other dexes and the chains of the same report are still
 * served).
 */
export type HyperliquidDiscovery = HyperliquidScan

/** Params of {@link HyperliquidAdapter.readWallet}. */
export interface HyperliquidReadWalletParams {
  user: Address
  /** Request options; the mainnet API with default retries and timeout when omitted. */
  config?: HyperliquidRequestOptions
}

/** The shape of {@link hyperliquidAdapter}: a venue `ProtocolAdapter` plus a direct read. */
export interface HyperliquidAdapter extends ProtocolAdapter<HyperliquidDiscovery, VenueRuntime> {
  /** Chain key the positions carry (the venue). */
  readonly chain: string
  /** Default API base URL. */
  readonly defaultUrl: string
  /** The perp positions of `user`, read directly; errors thrown as in {@link readHyperliquidWallet}. */
  readWallet(params: HyperliquidReadWalletParams): Promise<Position[]>
}

/**
 * The Hyperliquid adapter. Hyperliquid is its own L1 read over an HTTP API: its "chain" is the
 * venue ({@link VenueRuntime} with key `hyperliquid`). Discovery is the venue's round trips
 * (`perpDexs`, then each dex's account state and, where it holds positions, its `meta`; see
 * {@link scanHyperliquidDexes}); the plans have no multicall calls: one per dex, decoding that
 * dex's state into its cross account and each isolated position with the dex's margin tiers,
 * timed at the venue's clock. A dex whose read failed is one `unavailable` row (market
 * `hyperliquid-perps:<dex>`), so are a failed `perpDexs` listing and the dexes beyond
 * {@link MAX_HIP3_DEXES}.
 */
export const hyperliquidAdapter: HyperliquidAdapter = {
  key: HYPERLIQUID_PROTOCOL,
  name: 'Hyperliquid',
  chain: HYPERLIQUID_CHAIN,
  defaultUrl: HYPERLIQUID_MAINNET_URL,
  readWallet: ({ user, config }) => readHyperliquidWallet({ ...config, user }),
  readVenueRates: readHyperliquidFundingRates,
  discover: ({ chain: venue, user, deadline }) =>
    scanHyperliquidDexes({
      user,
      url: venue.url,
      ...(venue.fetchFn ? { fetchFn: venue.fetchFn } : {}),
      ...(deadline ? { deadline } : {}),
    }),
  planWallet(venue, _user, discovered) {
    if (venue.key !== HYPERLIQUID_CHAIN || !discovered) return []
    const plans: WalletReadPlan[] = discovered.dexes.map((d) => {
      let positions: Position[] = []
      let failure: unknown = d.error
      if (failure === undefined && d.state) {
        try {
          positions = positionsFromClearinghouseState(d.state, {
            dex: d.dex,
            ...(d.meta ? { meta: d.meta } : {}),
          })
        } catch (err) {
          failure = err
        }
      }
      const venueTime = d.state && positions.length > 0 ? d.state.time : undefined
      return {
        market: crossMarket(d.dex),
        protocol: HYPERLIQUID_PROTOCOL,
        kind: 'perp',
        calls: [],
        ...(venueTime === undefined
          ? {}
          : { at: { blockNumber: 0n, timestamp: BigInt(Math.floor(venueTime / 1000)) } }),
        decode: async () => {
          if (failure !== undefined) throw failure
          return positions
        },
      }
    })
    const unread = (market: string, error: BaseError): WalletReadPlan => ({
      market,
      protocol: HYPERLIQUID_PROTOCOL,
      kind: 'perp',
      calls: [],
      decode: async () => {
        throw error
      },
    })
    if (discovered.listingError) {
      plans.push(unread(`${HYPERLIQUID_CHAIN}-hip3-dexes`, discovered.listingError))
    }
    for (const dex of discovered.skipped) {
      plans.push(
        unread(
          crossMarket(dex),
          new HyperliquidError(
            'PROTOCOL_READ_FAILED',
            `HIP-3 dex "${dex}" was not read: a scan reads at most ${MAX_HIP3_DEXES} HIP-3 dexes`,
          ),
        ),
      )
    }
    return plans
  },
}
