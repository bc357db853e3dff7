/**
 * The caches of the prepared market-wide reads, owned by the composition root through
 * `ReadCaches` (src/protocols/read-caches.ts): a prepared market per (chain, market, block) and a
 * DEX pool's state per (chain, pool, block). Keys carry the block HASH with its number, so a
 * reorganised (or, on the devchain, reverted and re-mined) block is never served from an entry of
 * the block it replaced. Bounded in entries, and a market too large to keep is not cached.
 */
import { BoundedCache } from '../core/bounded-cache.js'
import type { UniswapV3PoolRead } from '../dex/uniswap-v3.js'
import type { PreparedMarket } from './prepared-market.js'

/** Default bound of {@link PreparedMarketCache}: markets (each a market at one block). */
export const PREPARED_MARKETS_MAX = 16
/** Default bound of one cached market: positions with debt (a larger market is prepared, not kept). */
export const PREPARED_MARKET_MAX_POSITIONS = 50_000
/** Default bound of {@link PoolStateCache}: pools (each a pool at one block). */
export const POOL_STATES_MAX = 64

/** Prepared markets by `chain|market|reserve|blockNumber|blockHash`, with the largest market it keeps. */
export interface PreparedMarketCache {
  entries: BoundedCache<string, PreparedMarket>
  /** Positions with debt above which a prepared market is not kept. */
  maxPositions: number
}

/** DEX pool states (ticks included) by `chain|pool|token|blockNumber|blockHash`. */
export type PoolStateCache = BoundedCache<string, UniswapV3PoolRead>

/** An empty {@link PreparedMarketCache} (default 16 markets of at most 50,000 positions each). */
export function createPreparedMarketCache(
  maxEntries = PREPARED_MARKETS_MAX,
  maxPositions = PREPARED_MARKET_MAX_POSITIONS,
): PreparedMarketCache {
  return { entries: new BoundedCache(maxEntries), maxPositions }
}

/** An empty {@link PoolStateCache} (default 64 pool states). */
export function createPoolStateCache(maxEntries = POOL_STATES_MAX): PoolStateCache {
  return new BoundedCache(maxEntries)
}
