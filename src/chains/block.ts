/**
 * The block of a request on one chain: `latest` resolved ONCE to a number, and a requested block
 * refused when it is above the head, before anything (log ranges above all) is built from it.
 */
import type { EIP1193Parameters, PublicRpcSchema } from 'viem'
import { BlockOutOfRangeError, RpcError } from '../core/errors.js'
import { mapRpcError } from './batch.js'
import type { ChainClient } from './client.js'
import { type Deadline, withDeadline } from './deadline.js'

/** Params of {@link rpcRequest}. */
export interface RpcRequestParams {
  client: ChainClient
  chain: string
  args: EIP1193Parameters<PublicRpcSchema>
  deadline?: Deadline
  /** The block the call is pinned to, so an out-of-range answer maps to BLOCK_OUT_OF_RANGE. */
  blockNumber?: bigint
}

/**
 * One JSON-RPC request under the request's deadline, its failures mapped to coded errors naming
 * the chain and the method (never the URL beyond its host).
 */
export async function rpcRequest<T = unknown>(params: RpcRequestParams): Promise<T> {
  const { client, chain, args } = params
  try {
    return (await withDeadline(
      params.deadline,
      { upstream: `the RPC endpoint of chain "${chain}"`, call: args.method, context: { chain } },
      (signal) => client.request(args as never, signal ? { signal } : undefined),
    )) as T
  } catch (err) {
    throw mapRpcError(err, chain, params.blockNumber, args.method)
  }
}

/** Params of {@link resolveBlock}. */
export interface ResolveBlockParams {
  client: ChainClient
  chain: string
  /** The requested block; the head when omitted. */
  blockNumber?: bigint
  deadline?: Deadline
}

/** A request's block on one chain. */
export interface ResolvedBlock {
  /** The block every read of the request is pinned to. */
  blockNumber: bigint
  /** The chain head when it was read (>= blockNumber). */
  head: bigint
}

/** The chain head (eth_blockNumber, never cached), as a block number. */
export async function getHeadBlock(params: Omit<ResolveBlockParams, 'blockNumber'>): Promise<bigint> {
  const hex = await rpcRequest<unknown>({ ...params, args: { method: 'eth_blockNumber' } })
  if (typeof hex !== 'string' || !/^0x[0-9a-fA-F]{1,64}$/.test(hex)) {
    throw new RpcError(params.chain, 'the block number is not a hex quantity', undefined, 'eth_blockNumber')
  }
  return BigInt(hex)
}

/**
 * Reads the head once and pins the request: `blockNumber` when given and not above the head,
 * else the head.
 * @throws BlockOutOfRangeError (400-class, carrying `head`) when `blockNumber` is above the head.
 */
export async function resolveBlock(params: ResolveBlockParams): Promise<ResolvedBlock> {
  const head = await getHeadBlock(params)
  if (params.blockNumber === undefined) return { blockNumber: head, head }
  if (params.blockNumber > head) throw new BlockOutOfRangeError(params.chain, params.blockNumber, { head })
  return { blockNumber: params.blockNumber, head }
}

/** Params of {@link getBlockTimestamp}. */
export interface GetBlockTimestampParams {
  client: ChainClient
  chain: string
  blockNumber: bigint
  deadline?: Deadline
}

/** A block's timestamp (Unix seconds) from its header (eth_getBlockByNumber). */
export async function getBlockTimestamp(params: GetBlockTimestampParams): Promise<bigint> {
  const block = await rpcRequest<{ timestamp?: unknown } | null>({
    ...params,
    args: { method: 'eth_getBlockByNumber', params: [`0x${params.blockNumber.toString(16)}`, false] },
  })
  const ts = block?.timestamp
  if (typeof ts !== 'string' || !/^0x[0-9a-fA-F]{1,16}$/.test(ts)) {
    throw new RpcError(params.chain, 'the block header has no timestamp', undefined, 'eth_getBlockByNumber')
  }
  return BigInt(ts)
}
