import {
  type Address,
  type Chain,
  type Client,
  createClient,
  defineChain,
  fallback,
  type Hex,
  http,
  numberToHex,
  type PublicActions,
  type PublicRpcSchema,
  type Transport,
} from 'viem'
import { getBlockNumber } from 'viem/actions'
import { CHAINS, isChainKey } from './registry.js'

/**
 * The client actions stacklens binds: `getBlockNumber`, beside the client's own typed `request`
 * (every JSON-RPC method: eth_call through {@link ethCall}, eth_getLogs, eth_getCode, ...). Only
 * this is bound, so the Worker does not bundle viem's other public actions (its `call` action alone
 * brings the deployless-call bytecodes and CCIP-read; simulate, ENS, fee estimation, watchers...).
 */
export type ChainClientActions = Pick<PublicActions<Transport, Chain | undefined>, 'getBlockNumber'>

/**
 * A chain client: a viem client with the public JSON-RPC schema and exactly {@link ChainClientActions}.
 * A viem `PublicClient` satisfies it (tests and benchmarks may pass one).
 */
export type ChainClient = Client<Transport, Chain | undefined, undefined, PublicRpcSchema, ChainClientActions>

/** Binds {@link ChainClientActions} on a viem client (the one place they are bound). */
export function chainClientActions(client: Client<Transport, Chain | undefined>): ChainClientActions {
  return {
    getBlockNumber: (args) => getBlockNumber(client, args),
  }
}

/** Params of {@link ethCall}. */
export interface EthCallParams {
  to: Address
  data: Hex
  /** Pin to this block; `latest` when omitted. */
  blockNumber?: bigint
  /** Aborts the request (a deadline's signal). */
  signal?: AbortSignal
}

/**
 * One `eth_call` as viem's `call` action sends it (`[{ to, data }, block]`, the block as a hex
 * quantity or `latest`), through the client's `request`: its answer, or undefined for an empty
 * result. Errors are the transport's (viem's RpcRequestError, HttpRequestError, TimeoutError).
 */
export async function ethCall(client: ChainClient, params: EthCallParams): Promise<Hex | undefined> {
  const block = params.blockNumber === undefined ? 'latest' : numberToHex(params.blockNumber)
  const result = await client.request(
    { method: 'eth_call', params: [{ to: params.to, data: params.data }, block] },
    params.signal ? { signal: params.signal } : undefined,
  )
  return typeof result === 'string' && result.length > 0 ? (result as Hex) : undefined
}

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
  /** The chain id of a chain the registry does not know (declared in STACKLENS_CONFIG). */
  chainId?: number
  /**
   * Whether calls of CONCURRENT requests made in the same tick share one JSON-RPC batch POST
   * (default true). viem batches only calls made with the same abort signal, and every request has
   * its own deadline signal; so the client leaves the signal out of the transport and each
   * request's deadline is enforced by racing its own calls (`withDeadline`): a request whose
   * deadline passes stops waiting at once (504), while the shared POST is bounded by `timeoutMs`.
   * At 50 wallet requests in flight this turns ~100 POSTs into a handful (scripts/bench/wallet-cpu.ts).
   * False: every request's calls keep their own POSTs, aborted at the deadline.
   */
  shareAcrossRequests?: boolean
  /**
   * Most JSON-RPC calls in one POST (default {@link DEFAULT_RPC_BATCH_SIZE}). Shared POSTs answer
   * every request in them at once, and the requests then decode back to back on the event loop:
   * the cap bounds that burst (a `/health` behind it waits for it) as well as the POST's size.
   */
  batchSize?: number
}

/**
 * Default most calls per JSON-RPC POST: a wallet read's head and discoveries (up to 9 calls on the
 * devchain) fit one POST, and at most 16 concurrent requests' batches share one answer (measured
 * by scripts/bench/load.ts: `/health` p99 25 ms under 50 wallet requests in flight; 8 gave 35 ms
 * and more CPU per request, 32 no better).
 */
export const DEFAULT_RPC_BATCH_SIZE = 16

/**
 * `transport` with the per-call abort signal left out, so viem's JSON-RPC batch scheduler (keyed
 * by signal) folds the calls of concurrent requests into the same POST.
 */
function sharedAcrossRequests(transport: Transport): Transport {
  return (options) => {
    const inner = transport(options)
    const request = inner.request
    return {
      ...inner,
      request: ((args: unknown, callOptions?: { signal?: AbortSignal }) =>
        request(
          args as never,
          callOptions?.signal ? ({ ...callOptions, signal: undefined } as never) : (callOptions as never),
        )) as typeof request,
    }
  }
}

/** The viem chain of `key`: the registry's, else a minimal one (id, name) for a declared chain. */
function viemChainOf(key: string, chainId: number | undefined): Chain {
  if (isChainKey(key)) return CHAINS[key].viem
  if (chainId === undefined) throw new RangeError(`chain "${key}" is not in the registry: give its chainId`)
  return defineChain({
    id: chainId,
    name: key,
    nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 },
    rpcUrls: { default: { http: [] } },
  })
}

/**
 * A viem client for one chain with {@link ChainClientActions}: JSON-RPC batching on, viem's
 * automatic multicall batching off (stacklens builds its own aggregate3 batches so it controls
 * pinning and failures), CCIP-read off (a wallet report never follows offchain lookups), fallback
 * across the given URLs.
 *
 * The client is shared across requests, and so are its POSTs: calls of concurrent requests made in
 * the same tick go out in one JSON-RPC batch (see `shareAcrossRequests`). A request's time bound
 * is not a client option but its `Deadline` (`src/chains/deadline.ts`), passed in the read params
 * and raced against each of its calls.
 */
export function createChainClient(chain: string, options: ChainClientOptions): ChainClient {
  const timeout = options.timeoutMs ?? 15_000
  const retryCount = options.retryCount ?? 1
  const transports: Transport[] = options.rpcUrls.map((url) =>
    http(url, {
      batch: { batchSize: options.batchSize ?? DEFAULT_RPC_BATCH_SIZE, wait: 0 },
      timeout,
      retryCount,
      ...(options.fetchFn ? { fetchFn: options.fetchFn } : {}),
    }),
  )
  const joined = transports.length === 1 ? transports[0]! : fallback(transports, { rank: false })
  const transport = options.shareAcrossRequests === false ? joined : sharedAcrossRequests(joined)
  return createClient({
    chain: viemChainOf(chain, options.chainId),
    transport,
    ccipRead: false,
    batch: { multicall: false },
    type: 'publicClient',
  }).extend(chainClientActions) as ChainClient
}
