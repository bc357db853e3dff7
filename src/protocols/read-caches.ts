/**
 * The adapters' read caches as one explicit object: what they learn from chain that never
 * changes (Morpho market facts) or rarely does (a Comet's asset list). The composition root owns
 * one (per process on Node, per isolate on Workers) and injects it into the adapters and the
 * market-wide reads; each cache is size-bounded.
 */
import { createHeadCache, type HeadCache } from '../chains/head-cache.js'
import {
  createPoolStateCache,
  createPreparedMarketCache,
  type PoolStateCache,
  type PreparedMarketCache,
} from '../markets/prepared-market-cache.js'
import { type AaveV4LogCache, createAaveV4LogCache } from './aave-v4/index.js'
import { type CometHintsCache, createCometHintsCache } from './compound-v3/index.js'
import { createMorphoFactsCache, type MorphoFactsCache } from './morpho-blue/index.js'

/** Every read cache of the adapters. */
export interface ReadCaches {
  /** Morpho Blue market facts by `chainId:marketId`. */
  morphoFacts: MorphoFactsCache
  /** Compound v3 learned asset lists by `chain:comet`. */
  cometHints: CometHintsCache
  /** The highest head seen per chain (a pinned block at or below it needs no head read). */
  heads: HeadCache
  /** Aave V4 deployments' market-fact logs (reserves, config keys), by `chain:deployment`. */
  aaveV4Logs: AaveV4LogCache
  /** Markets prepared for market-wide risk, by chain, market and block (src/markets/prepared-market.ts). */
  preparedMarkets: PreparedMarketCache
  /** DEX pool states by chain, pool and block. */
  poolStates: PoolStateCache
}

/**
 * Fresh, empty caches with their default bounds (10,000 Morpho markets, 1,000 Comets, 1,000 chains,
 * 256 Aave V4 deployments, 16 prepared markets of at most 50,000 positions, 64 pool states).
 */
export function createReadCaches(): ReadCaches {
  return {
    morphoFacts: createMorphoFactsCache(),
    cometHints: createCometHintsCache(),
    heads: createHeadCache(),
    aaveV4Logs: createAaveV4LogCache(),
    preparedMarkets: createPreparedMarketCache(),
    poolStates: createPoolStateCache(),
  }
}
