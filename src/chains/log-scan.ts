/**
 * One log enumeration of a discovery: `eth_getLogs` of a filter over [fromBlock, report block],
 * block-pinned, under the request's deadline and paid from its log budget. Shared by the adapters
 * and account kinds that discover from events (Morpho Blue, Aave V4).
 */
import type { Hex } from 'viem'
import type { Address } from '../core/address.js'
import { BaseError } from '../core/errors.js'
import { getHeadBlock, rpcRequest } from './block.js'
import type { ChainClient } from './client.js'
import type { Deadline } from './deadline.js'
import { createLogBudget, type LogBudget, planLogRanges, spendLogRequest } from './log-budget.js'

/** A log as eth_getLogs answers it (the fields discoveries read). */
export interface RpcLog {
  address: string
  topics: Hex[]
  data: Hex
  blockNumber?: Hex | null
}

/** Params of {@link scanLogs}. */
export interface ScanLogsParams {
  client: ChainClient
  chain: string
  filter: { address: Address | Address[]; topics: (Hex | Hex[] | null)[] }
  fromBlock: bigint
  /** The report's pinned block; the latest when undefined. */
  toBlock?: bigint | undefined
  /** The head as resolved for the request, when known. */
  head?: bigint | undefined
  /** The head being read in the same round trip (see DiscoveryContext.latestHead). */
  latestHead?: Promise<bigint> | undefined
  /** Blocks per request when the range is split (>= 1). */
  span: bigint
  /** What is enumerated, for messages, e.g. "Morpho Blue discovery". */
  what: string
  deadline?: Deadline | undefined
  /** The request's eth_getLogs budget; a fresh default one when omitted. */
  logBudget?: LogBudget | undefined
}

/** The block a log is in, when the node said. */
export const logBlock = (l: RpcLog): bigint | undefined =>
  typeof l.blockNumber === 'string' ? BigInt(l.blockNumber) : undefined

/**
 * The logs of `filter` over [fromBlock, toBlock or the head]: one request to the head when it is
 * known, or to `latest` in the head's own round trip keeping what is at or below it; the range in
 * `span` chunks when the report is pinned, or when the provider refuses the single range (an
 * RPC_ERROR: the chunks then end at the head).
 * @throws the coded errors of the requests, LogBudgetExceededError.
 */
export async function scanLogs(params: ScanLogsParams): Promise<RpcLog[]> {
  const {
    client,
    chain,
    filter,
    fromBlock: from,
    toBlock: to,
    head,
    latestHead,
    span,
    what,
    deadline,
  } = params
  const budget = params.logBudget ?? createLogBudget()
  const one = (a: bigint, b: bigint | 'latest') =>
    rpcRequest<RpcLog[]>({
      client,
      chain,
      ...(deadline ? { deadline } : {}),
      ...(typeof b === 'bigint' ? { blockNumber: b } : {}),
      args: {
        method: 'eth_getLogs',
        params: [
          {
            address: filter.address,
            fromBlock: `0x${a.toString(16)}`,
            toBlock: b === 'latest' ? 'latest' : `0x${b.toString(16)}`,
            topics: filter.topics,
          },
        ],
      } as never,
    })
  const chunks = async (end: bigint) => {
    const ranges = planLogRanges({
      budget,
      chain,
      what,
      fromBlock: from,
      toBlock: end,
      span,
      rangeFrom: 'server',
    })
    return (await Promise.all(ranges.map(([a, b]) => one(a, b)))).flat()
  }
  if (to !== undefined) return from > to ? [] : chunks(to)
  try {
    spendLogRequest(budget, chain, what)
    if (head !== undefined) return from > head ? [] : await one(from, head)
    const logs = await one(from, 'latest')
    if (!latestHead) return logs
    const h = await latestHead
    return logs.filter((l) => (logBlock(l) ?? h) <= h)
  } catch (err) {
    if (err instanceof BaseError && err.code !== 'RPC_ERROR') throw err
    const h =
      head ?? (await (latestHead ?? getHeadBlock({ client, chain, ...(deadline ? { deadline } : {}) })))
    return from > h ? [] : chunks(h)
  }
}
