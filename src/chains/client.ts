import { createPublicClient, fallback, http, type PublicClient, type Transport } from 'viem'
import { CHAINS, type ChainKey } from './registry.js'

/** Options of {@link createChainClient}. */
export interface ChainClientOptions {
  /** One or more RPC URLs; several make a fallback transport in that order. */
  rpcUrls: readonly string[]
  /** Per-request timeout, ms. */
  timeoutMs?: number
  /** Retries per request on transient failures (viem's exponential backoff). */
  retryCount?: number
  /** Custom fetch (tests, Workers service bindings). */
  fetchFn?: typeof fetch
}

/**
 * A viem public client for one chain: JSON-RPC batching on, viem's automatic multicall batching
 * off (stacklens builds its own aggregate3 batches so it controls pinning and failures), CCIP-read
 * off (a wallet report never follows offchain lookups), fallback across the given URLs.
 *
 * The client is shared across requests; a request's time bound is not a client option but its
 * `Deadline` (`src/chains/deadline.ts`), passed in the read params: its signal goes into viem's
 * per-call `requestOptions`, which aborts the pending fetch and stops the retries.
 */
export function createChainClient(chain: ChainKey, options: ChainClientOptions): PublicClient {
  const def = CHAINS[chain]
  const timeout = options.timeoutMs ?? 15_000
  const retryCount = options.retryCount ?? 1
  const transports: Transport[] = options.rpcUrls.map((url) =>
    http(url, {
      batch: { batchSize: 100, wait: 0 },
      timeout,
      retryCount,
      ...(options.fetchFn ? { fetchFn: options.fetchFn } : {}),
    }),
  )
  const transport = transports.length === 1 ? transports[0]! : fallback(transports, { rank: false })
  return createPublicClient({
    chain: def.viem,
    transport,
    ccipRead: false,
    batch: { multicall: false },
  }) as PublicClient
}
