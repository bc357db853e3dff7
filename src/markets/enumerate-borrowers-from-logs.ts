/**
 * Borrower enumeration from the chain's own event logs: every account that ever borrowed in the
 * market (Aave Pool `Borrow.onBehalfOf`, Morpho `Borrow.onBehalf` of one market id). Works on any
 * chain with eth_getLogs, the devchain included. Whether each still owes anything is for the
 * position read to say.
 */
import { getAddress, type Hex, type PublicClient, pad, parseAbiItem, toEventSelector } from 'viem'
import { mapRpcError } from '../chains/batch.js'
import type { Address } from '../core/address.js'
import type { ChainRuntime } from '../protocols/types.js'
import { type MarketRef, resolveMarket } from './market-ref.js'
import { mapLimit, splitBlockRange } from './paging.js'

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
  client: PublicClient
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
 * large is split in halves (down to one block) and retried.
 */
export async function enumerateBorrowersFromLogs(
  params: EnumerateBorrowersFromLogsParams,
): Promise<BorrowersFromLogs> {
  const { client, chain } = params
  const ref =
    typeof params.market === 'string' ? resolveMarket(chain, params.market, params.reserve) : params.market
  const filter = borrowLogsFilter(ref)
  let toBlock: bigint
  try {
    toBlock = params.toBlock ?? (await client.getBlockNumber({ cacheTime: 0 }))
  } catch (err) {
    throw mapRpcError(err, chain.key)
  }
  const fromBlock = params.fromBlock ?? (ref.kind === 'morpho-blue' ? ref.config.fromBlock : 0n)
  const span = params.blockSpan ?? 50_000n
  let requests = 0
  const getLogs = async (from: bigint, to: bigint): Promise<{ topics: Hex[] }[]> => {
    requests++
    try {
      return (await client.request({
        method: 'eth_getLogs',
        params: [
          {
            address: filter.address,
            fromBlock: `0x${from.toString(16)}`,
            toBlock: `0x${to.toString(16)}`,
            topics: filter.topics,
          },
        ],
      })) as { topics: Hex[] }[]
    } catch (err) {
      const text = err instanceof Error ? `${err.message} ${(err as { details?: string }).details ?? ''}` : ''
      if (to > from && RANGE_TOO_LARGE.test(text) && !NOT_A_SIZE_LIMIT.test(text)) {
        const mid = from + (to - from) / 2n
        const [a, b] = await Promise.all([getLogs(from, mid), getLogs(mid + 1n, to)])
        return [...a, ...b]
      }
      throw mapRpcError(err, chain.key, to)
    }
  }
  const ranges = fromBlock > toBlock ? [] : splitBlockRange(fromBlock, toBlock, span)
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
