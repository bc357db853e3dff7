import {
  encodeFunctionData,
  type Hex,
  HttpRequestError,
  isAddress,
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
import { type ChainClient, ethCall } from './client.js'
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
  client: ChainClient
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
    { target: multicall3, allowFailure: false, callData: GET_BLOCK_NUMBER },
    { target: multicall3, allowFailure: false, callData: GET_CURRENT_BLOCK_TIMESTAMP },
  ]
  const data = encodeAggregate3([...head, ...params.calls])
  let returned: Hex | undefined
  try {
    const res = await withDeadline(
      params.deadline,
      { upstream: `the RPC endpoint of chain "${chain}"`, call: AGGREGATE3, context: { chain } },
      (signal) =>
        ethCall(client, {
          to: multicall3,
          data,
          ...(params.blockNumber === undefined ? {} : { blockNumber: params.blockNumber }),
          ...(signal ? { signal } : {}),
        }),
    )
    returned = res
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
    decoded = decodeAggregate3Result(returned)
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
async function hasCodeAtHead(client: ChainClient, address: Address, deadline?: Deadline): Promise<boolean> {
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

const GET_BLOCK_NUMBER = encodeFunctionData({ abi: multicall3Abi, functionName: 'getBlockNumber' })
const GET_CURRENT_BLOCK_TIMESTAMP = encodeFunctionData({
  abi: multicall3Abi,
  functionName: 'getCurrentBlockTimestamp',
})
const AGGREGATE3_SELECTOR = '82ad56cb' // aggregate3((address,bool,bytes)[])
const HEX = /^0x(?:[0-9a-fA-F]{2})*$/
const LOWER_ADDRESS = /^0x[0-9a-f]{40}$/
const ZEROS = '0'.repeat(64)
/** A uint256 word of a non-negative safe integer (`ZEROS.slice` + hex: cheaper than padStart). */
const word = (n: number) => {
  const h = n.toString(16)
  return ZEROS.slice(h.length) + h
}
const WORD_0 = word(0)
const WORD_1 = word(1)
const WORD_96 = word(96)

/**
 * Mixed-case targets viem's isAddress accepted (a checksum check behind an LRU that re-inserts on
 * every hit): the batch's targets are the same few contracts on every request. A memo of a pure
 * predicate, cleared when it reaches 4,096 entries.
 */
const checksummedTargets = new Set<string>()

function isValidTarget(target: string): boolean {
  if (LOWER_ADDRESS.test(target) || checksummedTargets.has(target)) return true
  if (!isAddress(target)) return false
  if (checksummedTargets.size >= 4_096) checksummedTargets.clear()
  checksummedTargets.add(target)
  return true
}

/**
 * The calldata of `Multicall3.aggregate3(calls)`, byte for byte what viem's
 * `encodeFunctionData({ abi: multicall3Abi, functionName: 'aggregate3', args: [calls] })` gives,
 * built by string concatenation: viem's generic encoder converts, pads and concatenates every
 * field through intermediate hex and byte arrays, and was the batch's largest CPU cost. Targets
 * that viem would refuse (not an address, a wrong checksum) and callData that is not whole bytes
 * of hex go through viem's encoder, so they throw exactly its errors.
 */
export function encodeAggregate3(calls: readonly RawCall[]): Hex {
  if (calls.some((c) => !isValidTarget(c.target) || !HEX.test(c.callData)))
    return encodeFunctionData({ abi: multicall3Abi, functionName: 'aggregate3', args: [calls] })
  const heads: string[] = []
  const tails: string[] = []
  let offset = calls.length * 32
  for (const c of calls) {
    heads.push(word(offset))
    const bytes = (c.callData.length - 2) / 2
    const padded = Math.ceil(bytes / 32) * 64
    const body = c.callData.slice(2).padEnd(padded, '0')
    tails.push(
      `000000000000000000000000${c.target.slice(2).toLowerCase()}${c.allowFailure ? WORD_1 : WORD_0}${WORD_96}${word(bytes)}${body}`,
    )
    offset += 128 + padded / 2
  }
  return `0x${AGGREGATE3_SELECTOR}${word(32)}${word(calls.length)}${heads.join('')}${tails.join('')}`
}

const LOWER_HEX = /^0x[0-9a-f]*$/
const ANY_HEX = /^0x[0-9a-fA-F]*$/
/** The 51 leading zeros of a word that holds a safe integer (13 hex digits = 52 bits). */
const SAFE_WORD_PREFIX = '0'.repeat(51)

/**
 * Decodes aggregate3's `(bool success, bytes returnData)[]` answer as viem's
 * `decodeFunctionResult` does (same values, lower-case hex), reading the hex string in place
 * instead of converting the whole answer to bytes and every returnData back to hex. Throws on
 * any malformed answer (offsets or lengths out of bounds, a bool other than 0 or 1). The answer
 * is scanned once when it is lower-case hex (as nodes send it), twice otherwise.
 */
export function decodeAggregate3Result(data: Hex): { success: boolean; returnData: Hex }[] {
  // Read in place on the whole `0x…` string: positions below are offset by its 2-character
  // prefix (slicing the prefix off first makes every later read go through a sliced string).
  let hex: string = data
  if (!LOWER_HEX.test(hex)) {
    if (!ANY_HEX.test(hex)) throw new Error('aggregate3: not hex')
    hex = hex.toLowerCase()
  }
  if (hex.length % 2 !== 0) throw new Error('aggregate3: not hex')
  const size = (hex.length - 2) / 2
  /** Hex position of byte `at`. */
  const pos = (at: number) => 2 + at * 2
  /** The uint256 word at byte `at`, as a safe integer (an offset or a length). */
  const num = (at: number): number => {
    if (at < 0 || at + 32 > size) throw new Error(`aggregate3: read out of bounds at ${at}`)
    if (!hex.startsWith(SAFE_WORD_PREFIX, pos(at)))
      throw new Error(`aggregate3: offset or length too large at ${at}`)
    return Number.parseInt(hex.slice(pos(at) + 51, pos(at) + 64), 16)
  }
  const array = num(0)
  const length = num(array)
  const start = array + 32
  const out: { success: boolean; returnData: Hex }[] = []
  for (let i = 0; i < length; i++) {
    const tuple = start + num(start + i * 32)
    const flag = num(tuple)
    if (flag > 1) throw new Error(`aggregate3: bool out of range at ${tuple}`)
    const bytesAt = tuple + num(tuple + 32)
    const len = num(bytesAt)
    if (bytesAt + 32 + len > size) throw new Error(`aggregate3: bytes out of bounds at ${bytesAt}`)
    out.push({
      success: flag === 1,
      returnData: `0x${hex.slice(pos(bytesAt + 32), pos(bytesAt + 32 + len))}`,
    })
  }
  return out
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
