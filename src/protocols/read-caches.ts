/**
 * The adapters' read caches as one explicit object: what they learn from chain that never
 * changes (Morpho market facts) or rarely does (a Comet's asset list). The composition root owns
 * one (per process on Node, per isolate on Workers) and injects it into the adapters and the
 * market-wide reads; each cache is size-bounded.
 */
import { createHeadCache, type HeadCache } from '../chains/head-cache.js'
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
}

/** Fresh, empty caches with their default bounds (10,000 Morpho markets, 1,000 Comets, 1,000 chains). */
export function createReadCaches(): ReadCaches {
  return {
    morphoFacts: createMorphoFactsCache(),
    cometHints: createCometHintsCache(),
    heads: createHeadCache(),
  }
}
