/**
 * Hyperliquid perps (its own L1, over the info API) as a `ProtocolAdapter` whose "chain" is the
 * venue; the client, the payload schemas and the position layout are exported for direct use.
 */

import { remainingMs, withDeadline } from '../../chains/deadline.js'
import type { Address } from '../../core/address.js'
import { BaseError } from '../../core/errors.js'
import type { Position } from '../../core/types.js'
import type { ProtocolAdapter, VenueRuntime } from '../types.js'
import { fetchClearinghouseState, HYPERLIQUID_MAINNET_URL, type HyperliquidRequestOptions } from './client.js'
import {
  HYPERLIQUID_CHAIN,
  HYPERLIQUID_MARKET,
  HYPERLIQUID_PROTOCOL,
  positionsFromClearinghouseState,
} from './position.js'
import { readHyperliquidWallet } from './read.js'
import type { ClearinghouseState } from './schemas.js'

export type { FetchClearinghouseStateParams, HyperliquidRequestOptions } from './client.js'
export {
  fetchClearinghouseState,
  HYPERLIQUID_MAINNET_URL,
  HYPERLIQUID_TESTNET_URL,
  postInfo,
} from './client.js'
export { HyperliquidError } from './errors.js'
export * from './math.js'
export {
  HYPERLIQUID_CHAIN,
  HYPERLIQUID_MARKET,
  HYPERLIQUID_PROTOCOL,
  HYPERLIQUID_SIZE_DECIMALS,
  isolatedMarket,
  positionsFromClearinghouseState,
} from './position.js'
export { type ReadHyperliquidWalletParams, readHyperliquidWallet } from './read.js'
export * from './schemas.js'

/**
 * What the adapter's discovery found: the venue's account state (one `clearinghouseState`
 * request), or the venue error that stopped it (served as an `unavailable` row, never thrown:
 * the chains of the same report are still served).
 */
export type HyperliquidDiscovery = { state: ClearinghouseState } | { error: BaseError }

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
 * venue ({@link VenueRuntime} with key `hyperliquid`). Discovery is the one venue round trip
 * (the account state); the plan has no multicall calls and decodes that state into the cross
 * account and each isolated position, timed at the venue's clock.
 */
export const hyperliquidAdapter: HyperliquidAdapter = {
  key: HYPERLIQUID_PROTOCOL,
  name: 'Hyperliquid',
  chain: HYPERLIQUID_CHAIN,
  defaultUrl: HYPERLIQUID_MAINNET_URL,
  readWallet: ({ user, config }) => readHyperliquidWallet({ ...config, user }),
  async discover({ chain: venue, user, deadline }) {
    try {
      // Each attempt gets at most the time the request has left; the deadline bounds the retries.
      const state = await withDeadline(
        deadline,
        { upstream: 'the Hyperliquid info API', call: 'clearinghouseState' },
        () =>
          fetchClearinghouseState({
            user,
            url: venue.url,
            ...(venue.fetchFn ? { fetchFn: venue.fetchFn } : {}),
            ...(deadline ? { timeoutMs: Math.max(1, Math.min(10_000, remainingMs(deadline))) } : {}),
          }),
      )
      return { state }
    } catch (err) {
      if (!(err instanceof BaseError)) throw err
      return { error: err }
    }
  },
  planWallet(venue, _user, discovered) {
    if (venue.key !== HYPERLIQUID_CHAIN || !discovered) return []
    let positions: Position[] = []
    let failure: unknown
    if ('error' in discovered) failure = discovered.error
    else {
      try {
        positions = positionsFromClearinghouseState(discovered.state)
      } catch (err) {
        failure = err
      }
    }
    const venueTime = 'state' in discovered && positions.length > 0 ? discovered.state.time : undefined
    return [
      {
        market: HYPERLIQUID_MARKET,
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
      },
    ]
  },
}
