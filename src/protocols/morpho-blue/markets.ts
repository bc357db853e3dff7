import { CHAINS } from '../../chains/registry.js'
import type { Address } from '../../core/address.js'
import { MORPHO_BLUE_DEPLOYMENTS, MORPHO_BLUE_SDK_VERSION } from './deployments-data.js'

/** A Morpho Blue deployment on one chain (one singleton contract holds every market). */
export interface MorphoBlueConfig {
  /** The chain key: one of the registry's, or a chain declared in STACKLENS_CONFIG. */
  chain: string
  /** The Morpho singleton. */
  morpho: Address
  /** First block worth scanning for a wallet's events (the deployment block). */
  fromBlock: bigint
  /** Largest block span per eth_getLogs request (providers cap it). */
  logsBlockSpan: bigint
  /** Morpho's GraphQL API, when configured: discovery without a log scan. */
  apiUrl?: string
  /**
   * Where `morpho` and `fromBlock` come from, as `GET /v1/chains` names it (e.g. "Morpho's
   * address registry (@morpho-org/blue-sdk 6.4.0)"); the adapter's generic wording when omitted.
   */
  source?: string
}

/**
 * Blocks per eth_getLogs request of Morpho discovery's chunked scan, every registry chain.
 *
 * Discovery filters by the singleton's address AND the wallet in topic 3, so a wallet's logs are
 * a handful: providers that cap eth_getLogs by result count rather than block range (Alchemy: "any
 * block range with a cap of 10K logs in the response"; Infura: "query returned more than 10000
 * results", both quoted in their error messages) answer the whole history in the first,
 * single-range request. The span matters only after a provider refuses that range, or for a
 * pinned read: then the chunks must fit the request's log budget
 * (src/chains/log-budget.ts: 1,000 requests, 50,000,000 blocks per enumeration by default), and
 * 500,000 blocks is at most 100 requests at that block cap (a tenth of the budget, leaving the
 * rest to the other chains and enumerations of the same request). Providers that cap the range
 * itself (QuickNode paid plans: 10,000 blocks; Hyperliquid's HyperEVM RPC: 50) cannot serve a
 * multi-year history within any sane budget: there, configure STACKLENS_MORPHO_API_URL (discovery
 * through Morpho's API, no log scan). Arbitrum's history since Morpho's deployment (0.25 s blocks)
 * outgrows the 50,000,000-block enumeration cap in about five months, after which only the
 * single-range request or the API can discover on it (or a larger STACKLENS_LOG_MAX_BLOCK_RANGE).
 */
export const MORPHO_LOGS_BLOCK_SPAN = 500_000n

/** The `source` {@link MORPHO_BLUE} entries carry: Morpho's own published registry, with its version. */
export const MORPHO_BLUE_SOURCE = `Morpho's address registry (@morpho-org/blue-sdk ${MORPHO_BLUE_SDK_VERSION} addresses.morpho, deployments.morpho)`

/**
 * Morpho Blue singletons on the registry's chains, from Morpho's published address registry
 * (generated into ./deployments-data.ts by scripts/gen-morpho-deployments.ts; never a hand list):
 * each chain's singleton, its deployment block as the discovery start, and
 * {@link MORPHO_LOGS_BLOCK_SPAN}. A registry chain Morpho does not list (Gnosis, Avalanche) has
 * no entry.
 */
export const MORPHO_BLUE: readonly MorphoBlueConfig[] = MORPHO_BLUE_DEPLOYMENTS.flatMap((d) => {
  const chain = Object.values(CHAINS).find((c) => c.chainId === d.chainId && c.key !== 'local')
  if (!chain) return []
  return [
    {
      chain: chain.key,
      morpho: d.morpho,
      fromBlock: d.deploymentBlock,
      logsBlockSpan: MORPHO_LOGS_BLOCK_SPAN,
      source: MORPHO_BLUE_SOURCE,
    },
  ]
})
