import {
  decodeFunctionResult,
  encodeFunctionData,
  type Hex,
  HttpRequestError,
  type PublicClient,
  RpcRequestError,
  TimeoutError,
  BaseError as ViemBaseError,
} from 'viem'
import { multicall3Abi } from '../../abis/multicall3.js'
import type { Address } from '../core/address.js'
import { BaseError, BlockOutOfRangeError, RpcError, RpcUnavailableError } from '../core/errors.js'

/** One call inside an aggregate3 batch. */
export interface RawCall {
  target: Address
  callData: Hex
  /** When false, a revert of this call reverts the whole batch. Adapters use true. */
  allowFailure: boolean
}

/** The outcome of one call. */
export interface RawResult {
  success: boolean
  returnData: Hex
}

/** The block a batch was read at. */
export interface BlockContext {
  blockNumber: bigint
  /** Unix seconds. */
  timestamp: bigint
}

/** A batch's results plus the block it was pinned to. */
export interface BatchResult extends BlockContext {
  results: RawResult[]
}

/** Options of {@link executeBatch}. */
export interface ExecuteBatchParams {
  client: PublicClient
  chain: string
  multicall3: Address
  calls: readonly RawCall[]
  /** Pin to this block; latest when omitted (the batch itself reports which block that was). */
  blockNumber?: bigint
}

/**
 * Runs `calls` as ONE `eth_call` of Multicall3.aggregate3, with getBlockNumber and
 * getCurrentBlockTimestamp prepended so every result, and the block facts, come from the same
 * block: one round trip, one block. RPC failures become coded errors (unreachable: 503-class
 * {@link RpcUnavailableError}; block above head: {@link BlockOutOfRangeError}; anything else
 * the node says: {@link RpcError}).
 */
export async function executeBatch(params: ExecuteBatchParams): Promise<BatchResult> {
  const { client, chain, multicall3 } = params
  const head: RawCall[] = [
    {
      target: multicall3,
      allowFailure: false,
      callData: encodeFunctionData({ abi: multicall3Abi, functionName: 'getBlockNumber' }),
    },
    {
      target: multicall3,
      allowFailure: false,
      callData: encodeFunctionData({ abi: multicall3Abi, functionName: 'getCurrentBlockTimestamp' }),
    },
  ]
  const data = encodeFunctionData({
    abi: multicall3Abi,
    functionName: 'aggregate3',
    args: [[...head, ...params.calls]],
  })
  let returned: Hex | undefined
  try {
    const res = await client.call({
      to: multicall3,
      data,
      ...(params.blockNumber === undefined
        ? { blockTag: 'latest' as const }
        : { blockNumber: params.blockNumber }),
    })
    returned = res.data
  } catch (err) {
    throw mapRpcError(err, chain, params.blockNumber)
  }
  if (!returned || returned === '0x') {
    throw new RpcError(chain, `no Multicall3 at ${multicall3} (empty return); is this the right network?`)
  }
  let decoded: readonly { success: boolean; returnData: Hex }[]
  try {
    decoded = decodeFunctionResult({ abi: multicall3Abi, functionName: 'aggregate3', data: returned })
  } catch (err) {
    throw new RpcError(chain, 'the Multicall3 answer could not be decoded', err)
  }
  const [blockRes, timeRes, ...results] = decoded
  if (!blockRes?.success || !timeRes?.success) throw new RpcError(chain, 'Multicall3 block facts failed')
  return {
    blockNumber: BigInt(blockRes.returnData),
    timestamp: BigInt(timeRes.returnData),
    results: results.map((r) => ({ success: r.success, returnData: r.returnData })),
  }
}

const OUT_OF_RANGE =
  /block ?out ?of ?range|header not found|unknown block|block not found|not yet mined|future block|beyond current head/i

/**
 * Maps a viem/transport error to a stacklens error: unreachable endpoints to
 * {@link RpcUnavailableError}, a block above the head to {@link BlockOutOfRangeError}, everything
 * else to {@link RpcError}. stacklens errors pass through.
 */
export function mapRpcError(err: unknown, chain: string, blockNumber?: bigint): BaseError {
  if (err instanceof BaseError) return err
  if (err instanceof ViemBaseError) {
    const text = `${err.shortMessage} ${err.details ?? ''} ${err.message}`
    if (blockNumber !== undefined && OUT_OF_RANGE.test(text))
      return new BlockOutOfRangeError(chain, blockNumber, err)
    const unreachable = err.walk(
      (e) =>
        e instanceof TimeoutError ||
        (e instanceof HttpRequestError && (e.status === undefined || e.status === 429 || e.status >= 500)),
    )
    if (unreachable) return new RpcUnavailableError(chain, err)
    const rpc = err.walk((e) => e instanceof RpcRequestError || e instanceof HttpRequestError)
    const source = rpc instanceof ViemBaseError ? rpc : err
    const detail =
      source.details && source.details !== source.shortMessage ? source.details : source.shortMessage
    return new RpcError(chain, detail, err)
  }
  return new RpcError(chain, err instanceof Error ? err.message : String(err), err)
}
