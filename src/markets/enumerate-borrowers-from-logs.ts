/**
 * Borrower enumeration from the chain's own event logs: every account that ever borrowed in the
 * market (Aave Pool `Borrow.onBehalfOf`, Morpho `Borrow.onBehalf` of one market id). Works on any
 * chain with eth_getLogs, the devchain included. Whether each still owes anything is for the
 * position read to say.
 */
import { getAddress, type Hex, pad, parseAbiItem, toEventSelector } from 'viem'
import { resolveBlock, rpcRequest } from '../chains/block.js'
import type { ChainClient } from '../chains/client.js'
import type { Deadline } from '../chains/deadline.js'
import { createLogBudget, type LogBudget, planLogRanges, spendLogRequest } from '../chains/log-budget.js'
import type { Address } from '../core/address.js'
import { BaseError, BlockOutOfRangeError, RpcError } from '../core/errors.js'
import type { ChainRuntime } from '../protocols/types.js'
import { type MarketRef, resolveMarket } from './market-ref.js'
import { mapLimit } from './paging.js'

/** Aave v3 Pool Borrow (v3.0 to v3.3: the same signature); onBehalfOf is topic 2. */
export const AAVE_BORROW_EVENT = parseAbiItem(
  'event Borrow(address indexed reserve, address user, address indexed onBehalfOf, uint256 amount, uint8 interestRateMode, uint256 borrowRate, uint16 indexed referralCode)',
)
/** Morpho Blue Borrow; id is topic 1, onBehalf topic 2. */
export const MORPHO_BORROW_EVENT = parseAbiItem(
  'event Borrow(bytes32 indexed id, address caller, address indexed onBehalf, address indexed receiver, uint256 assets, uint256 shares)',
)

/** Params of {@link enumerateBorrowersFromLogs}. */
export interface EnumerateBorrowersFromLogsParams {
  client: ChainClient
  chain: ChainRuntime
  /** An Aave market id of the chain (e.g. "aave-v3-local") or a Morpho market id (bytes32). */
  market: string | MarketRef
  /** Aave only: just the borrowers of this reserve (underlying asset). */
  reserve?: Address
  /** First block scanned: the Morpho deployment block, or 0 for Aave, when omitted. */
  fromBlock?: bigint
  /** Last block scanned (inclusive); the head when omitted. */
  toBlock?: bigint
  /** Blocks per eth_getLogs request (halved on "range too large" answers). Default 50,000. */
  blockSpan?: bigint
  /** eth_getLogs requests in flight. Default 4. */
  concurrency?: number
  /**
   * The chain head as already resolved for this request (block number); read once here when
   * omitted. `toBlock` above it is refused (BLOCK_OUT_OF_RANGE) before any range is built.
   */
  head?: bigint
  /**
   * Who chose `fromBlock`: "server" (default: the deployment block, or a caller's own bound) or
   * "request" (a client's explicit range: exceeding the limits is then LOG_RANGE_TOO_LARGE, 400).
   */
  rangeFrom?: 'request' | 'server'
  /** The request's deadline (every eth_getLogs and the head read). */
  deadline?: Deadline
  /** The request's eth_getLogs budget; a fresh default budget when omitted. */
  logBudget?: LogBudget
}

/** The borrower set from logs. */
export interface BorrowersFromLogs {
  /** Unique borrower addresses (checksummed), sorted by lowercase hex. */
  borrowers: Address[]
  fromBlock: bigint
  /** The block the logs were read up to (inclusive). */
  toBlock: bigint
  /** Borrow events seen. */
  events: number
  /** eth_getLogs requests made (including halved retries). */
  requests: number
}

/** Errors a provider gives when one eth_getLogs covers too much. */
const RANGE_TOO_LARGE =
  /range|too large|too many|limit exceeded|more than \d+ (results|logs)|response size|exceed|query timeout/i

/** ...which are not about the size of the range. */
const NOT_A_SIZE_LIMIT = /out of range|header not found|unknown block/i

interface LogsFilter {
  address: Address
  topics: (Hex | Hex[] | null)[]
}

/** The eth_getLogs filter of a market's Borrow events. */
export function borrowLogsFilter(ref: MarketRef): LogsFilter {
  if (ref.kind === 'aave-v3') {
    return {
      address: ref.config.pool,
      topics: [
        toEventSelector(AAVE_BORROW_EVENT),
        ref.reserve === undefined ? null : pad(ref.reserve.toLowerCase() as Hex, { size: 32 }),
      ],
    }
  }
  return { address: ref.config.morpho, topics: [toEventSelector(MORPHO_BORROW_EVENT), ref.id] }
}

/**
 * Enumerates the borrowers of a market from its Borrow events over `[fromBlock, toBlock]`, in
 * chunks of `blockSpan` blocks run with limited concurrency; a chunk the provider refuses as too
 * large is split in halves (down to one block) and retried. `toBlock` is checked against the head
 * and the ranges against the request's {@link LogBudget} before any is built; every request,
 * halves included, is paid from that budget (LOG_BUDGET_EXCEEDED / LOG_RANGE_TOO_LARGE).
 */
export async function enumerateBorrowersFromLogs(
  params: EnumerateBorrowersFromLogsParams,
): Promise<BorrowersFromLogs> {
  const { client, chain } = params
  const ref =
    typeof params.market === 'string' ? resolveMarket(chain, params.market, params.reserve) : params.market
  const filter = borrowLogsFilter(ref)
  const deadline = params.deadline ? { deadline: params.deadline } : {}
  let toBlock: bigint
  if (params.head === undefined) {
    const pin = await resolveBlock({
      client,
      chain: chain.key,
      ...(params.toBlock === undefined ? {} : { blockNumber: params.toBlock }),
      ...deadline,
    })
    toBlock = pin.blockNumber
  } else {
    toBlock = params.toBlock ?? params.head
    if (toBlock > params.head) throw new BlockOutOfRangeError(chain.key, toBlock, { head: params.head })
  }
  const fromBlock = params.fromBlock ?? (ref.kind === 'morpho-blue' ? ref.config.fromBlock : 0n)
  const span = params.blockSpan ?? 50_000n
  const budget = params.logBudget ?? createLogBudget()
  const what = `the Borrow logs of ${ref.id}`
  let requests = 0
  const getLogs = async (from: bigint, to: bigint): Promise<{ topics: Hex[] }[]> => {
    requests++
    try {
      const logs = await rpcRequest<{ topics: Hex[] }[]>({
        client,
        chain: chain.key,
        blockNumber: to,
        ...deadline,
        args: {
          method: 'eth_getLogs',
          params: [
            {
              address: filter.address,
              fromBlock: `0x${from.toString(16)}`,
              toBlock: `0x${to.toString(16)}`,
              topics: filter.topics,
            },
          ],
        },
      })
      if (!Array.isArray(logs)) throw new RpcError(chain.key, 'not a list of logs', undefined, 'eth_getLogs')
      return logs
    } catch (err) {
      const text = err instanceof Error ? err.message : ''
      if (
        to > from &&
        err instanceof BaseError &&
        err.code === 'RPC_ERROR' &&
        RANGE_TOO_LARGE.test(text) &&
        !NOT_A_SIZE_LIMIT.test(text)
      ) {
        spendLogRequest(budget, chain.key, what)
        spendLogRequest(budget, chain.key, what)
        const mid = from + (to - from) / 2n
        const [a, b] = await Promise.all([getLogs(from, mid), getLogs(mid + 1n, to)])
        return [...a, ...b]
      }
      throw err
    }
  }
  const ranges = planLogRanges({
    budget,
    chain: chain.key,
    what,
    fromBlock,
    toBlock,
    span,
    rangeFrom: params.rangeFrom ?? 'server',
  })
  const logs = (await mapLimit(ranges, params.concurrency ?? 4, ([a, b]) => getLogs(a, b))).flat()
  const seen = new Set<string>()
  for (const log of logs) {
    const topic = log.topics[2]
    if (topic) seen.add(`0x${topic.slice(26).toLowerCase()}`)
  }
  return {
    borrowers: sortAddresses([...seen]),
    fromBlock,
    toBlock,
    events: logs.length,
    requests,
  }
}

/** Unique checksummed addresses sorted by their lowercase hex. */
export function sortAddresses(addresses: Iterable<string>): Address[] {
  const lower = [...new Set([...addresses].map((a) => a.toLowerCase()))].sort()
  return lower.map((a) => getAddress(a))
}
