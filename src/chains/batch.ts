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
import {
  BaseError,
  BlockOutOfRangeError,
  NotDeployedAtBlockError,
  RpcBlockMismatchError,
  RpcError,
  RpcUnavailableError,
} from '../core/errors.js'
import { type Deadline, withDeadline } from './deadline.js'
import { redactSecrets, urlsOfError } from './redact.js'
import { CHAINS, isChainKey } from './registry.js'

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
  /**
   * Pin to this block; latest when omitted (the batch itself reports which block that was). When
   * pinned, the block number the batch returns must equal it ({@link RpcBlockMismatchError}).
   */
  blockNumber?: bigint
  /** The request's deadline: bounds the eth_call, retries included (UPSTREAM_TIMEOUT). */
  deadline?: Deadline
}

const AGGREGATE3 = 'eth_call (Multicall3.aggregate3)'

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
    const res = await withDeadline(
      params.deadline,
      { upstream: `the RPC endpoint of chain "${chain}"`, call: AGGREGATE3, context: { chain } },
      (signal) =>
        client.call({
          to: multicall3,
          data,
          ...(params.blockNumber === undefined
            ? { blockTag: 'latest' as const }
            : { blockNumber: params.blockNumber }),
          ...(signal ? { requestOptions: { signal } } : {}),
        }),
    )
    returned = res.data
  } catch (err) {
    throw mapRpcError(err, chain, params.blockNumber, AGGREGATE3)
  }
  if (!returned || returned === '0x') {
    if (params.blockNumber !== undefined && (await hasCodeAtHead(client, multicall3, params.deadline))) {
      throw new NotDeployedAtBlockError(chain, 'Multicall3', multicall3, params.blockNumber)
    }
    throw new RpcError(
      chain,
      `no Multicall3 at ${multicall3} (empty return); is this the right network?`,
      undefined,
      AGGREGATE3,
    )
  }
  let decoded: readonly { success: boolean; returnData: Hex }[]
  try {
    decoded = decodeFunctionResult({ abi: multicall3Abi, functionName: 'aggregate3', data: returned })
  } catch {
    throw new RpcError(chain, 'the Multicall3 answer could not be decoded', undefined, AGGREGATE3)
  }
  const [blockRes, timeRes, ...results] = decoded
  if (!blockRes?.success || !timeRes?.success)
    throw new RpcError(chain, 'Multicall3 block facts failed', undefined, AGGREGATE3)
  const blockNumber = BigInt(blockRes.returnData)
  if (params.blockNumber !== undefined && blockNumber !== params.blockNumber && evmBlockIsChainBlock(chain)) {
    throw new RpcBlockMismatchError(chain, params.blockNumber, blockNumber)
  }
  return {
    blockNumber,
    timestamp: BigInt(timeRes.returnData),
    results: results.map((r) => ({ success: r.success, returnData: r.returnData })),
  }
}

/**
 * False on chains whose EVM `block.number` is not the chain's own block number (Arbitrum: the
 * L1 block), where the in-batch block cannot be compared to the pinned one.
 */
function evmBlockIsChainBlock(chain: string): boolean {
  return !isChainKey(chain) || CHAINS[chain].evmBlockNumber !== 'l1'
}

/** True when `address` has code at the head (so an empty answer at an older block means "not yet deployed"). */
async function hasCodeAtHead(client: PublicClient, address: Address, deadline?: Deadline): Promise<boolean> {
  try {
    const code = await withDeadline(
      deadline,
      { upstream: 'the RPC endpoint', call: 'eth_getCode' },
      (signal) =>
        client.request(
          { method: 'eth_getCode', params: [address, 'latest'] },
          signal ? { signal } : undefined,
        ),
    )
    return typeof code === 'string' && code.length > 2
  } catch {
    return false
  }
}

const OUT_OF_RANGE =
  /block ?out ?of ?range|header not found|unknown block|block not found|not yet mined|future block|beyond current head/i

/**
 * Maps a viem/transport error to a stacklens error: unreachable endpoints to
 * {@link RpcUnavailableError}, a block above the head to {@link BlockOutOfRangeError}, everything
 * else to {@link RpcError}. stacklens errors pass through. The message names the chain and `call`
 * and never carries an RPC URL beyond its host, nor a request body; the cause kept is a redacted
 * copy (safe to log), not viem's error.
 */
export function mapRpcError(err: unknown, chain: string, blockNumber?: bigint, call?: string): BaseError {
  if (err instanceof BaseError) return err
  const urls = urlsOfError(err)
  const redact = (text: string) => redactSecrets(text, urls)
  const cause = redactedCause(err, redact)
  if (err instanceof ViemBaseError) {
    const text = `${err.shortMessage} ${err.details ?? ''} ${err.message}`
    if (blockNumber !== undefined && OUT_OF_RANGE.test(text))
      return new BlockOutOfRangeError(chain, blockNumber, { cause })
    const unreachable = err.walk(
      (e) =>
        e instanceof TimeoutError ||
        (e instanceof HttpRequestError && (e.status === undefined || e.status === 429 || e.status >= 500)),
    )
    if (err.walk((e) => e instanceof SyntaxError))
      return new RpcError(chain, 'the answer is not valid JSON', cause, call)
    if (unreachable) return new RpcUnavailableError(chain, cause, call)
    const rpc = err.walk((e) => e instanceof RpcRequestError || e instanceof HttpRequestError)
    const source = rpc instanceof ViemBaseError ? rpc : err
    const detail =
      source instanceof HttpRequestError
        ? `HTTP ${source.status ?? 'error'}`
        : source.details && source.details !== source.shortMessage
          ? source.details
          : source.shortMessage
    return new RpcError(chain, redact(detail), cause, call)
  }
  return new RpcError(chain, redact(err instanceof Error ? err.message : String(err)), cause, call)
}

/** A loggable stand-in for `err`: its name and redacted first message line, no URL, no body. */
function redactedCause(err: unknown, redact: (text: string) => string): Error {
  const e = err instanceof ViemBaseError ? err : undefined
  const text = e
    ? `${e.shortMessage}${e.details ? ` ${e.details}` : ''}`
    : err instanceof Error
      ? err.message
      : String(err)
  const cause = new Error(redact(text.split('\n')[0] ?? ''))
  cause.name = err instanceof Error ? err.name : 'Error'
  return cause
}
