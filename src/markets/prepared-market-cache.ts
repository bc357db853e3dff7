/**
 * The caches of the prepared market-wide reads, owned by the composition root through
 * `ReadCaches` (src/protocols/read-caches.ts): a prepared market per (chain, market, block) and a
 * DEX pool's state per (chain, pool, block). Keys carry the block HASH with its number, so a
 * reorganised (or, on the devchain, reverted and re-mined) block is never served from an entry of
 * the block it replaced. Bounded in entries, and a market too large to keep is not cached.
 */
import type { RawResult } from '../chains/batch.js'
import type { Address } from '../core/address.js'
import { BoundedCache } from '../core/bounded-cache.js'
import type { UniswapV3PoolRead } from '../dex/uniswap-v3.js'
import type { PreparedAdapterMarkets } from './prepared-adapter-markets.js'
import type { PreparedMarket } from './prepared-market.js'

/** Default bound of {@link PreparedMarketCache}: markets (each a market at one block). */
export const PREPARED_MARKETS_MAX = 16
/** Default bound of one cached market: positions with debt (a larger market is prepared, not kept). */
export const PREPARED_MARKET_MAX_POSITIONS = 50_000
/** Default bound of {@link PoolStateCache}: pools (each a pool at one block). */
export const POOL_STATES_MAX = 64

/** Borrowers above which a market's raw user answers are not kept for the next block's read. */
export const REUSE_MAX_BORROWERS = 5_000

/**
 * What the next block's read of a market may reuse (Aave): the latest block read, its market-wide
 * answers, each user's raw getUserReservesData answer, who owed nothing, and the contracts whose
 * events can change a user.
 */
export interface MarketReuseBase {
  blockNumber: bigint
  blockHash: string
  marketAnswers: string
  userReserves: ReadonlyMap<string, RawResult>
  /** Lower-case users that owed nothing at the block (read fine). */
  noDebt: ReadonlySet<string>
  contracts: readonly Address[]
  /**
   * The candidate borrowers at the block when they came from the Pool's Borrow logs from block 0
   * (no subgraph): the next block's candidates are these plus the onBehalfOf of the Borrow events
   * since, read by the same event scan that decides what is reused (no full log scan again).
   */
  borrowers?: readonly Address[]
}

/** Prepared markets by `chain|market|blockNumber|blockHash`, with the largest market it keeps. */
export interface PreparedMarketCache {
  entries: BoundedCache<string, PreparedMarket>
  /** Positions with debt above which a prepared market is not kept. */
  maxPositions: number
  /** The latest read of each `chain|market` for the next block to reuse (at most 8 markets of 5,000 borrowers). */
  latest: BoundedCache<string, MarketReuseBase>
  /**
   * The adapter-enumerated markets of a chain (Comets, GMX, V4 Spokes) by
   * `chain|blockNumber|blockHash` (src/markets/prepared-adapter-markets.ts; at most 8 blocks).
   */
  adapterMarkets?: BoundedCache<string, PreparedAdapterMarkets>
}

/** DEX pool states (ticks included) by `chain|pool|token|blockNumber|blockHash`. */
export type PoolStateCache = BoundedCache<string, UniswapV3PoolRead>

/** An empty {@link PreparedMarketCache} (default 16 markets of at most 50,000 positions each). */
export function createPreparedMarketCache(
  maxEntries = PREPARED_MARKETS_MAX,
  maxPositions = PREPARED_MARKET_MAX_POSITIONS,
): PreparedMarketCache {
  return {
    entries: new BoundedCache(maxEntries),
    maxPositions,
    latest: new BoundedCache(8),
    adapterMarkets: new BoundedCache(8),
  }
}

/** An empty {@link PoolStateCache} (default 64 pool states). */
export function createPoolStateCache(maxEntries = POOL_STATES_MAX): PoolStateCache {
  return new BoundedCache(maxEntries)
}
