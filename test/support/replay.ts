/**
 * REPLAY of recorded chain answers (a test stand-in for a real node): a viem custom transport that
 * answers `eth_call`, Multicall3 `aggregate3` (sub-call by sub-call), `eth_getLogs`,
 * `eth_blockNumber`, `eth_chainId` and `eth_getBlockByNumber` from one recording of
 * `../shared/protocols/<protocol>/recordings/*.json` (format: `../shared/protocols/README.md`).
 * Anything the recording does not hold is an error NAMING the missing call: it never invents an
 * answer. What the real thing still needs: the same reads against a live node (the fork tests).
 */
import { existsSync, readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import {
  createPublicClient,
  custom,
  decodeFunctionData,
  encodeFunctionResult,
  type Hex,
  type PublicClient,
  toHex,
} from 'viem'
import { multicall3Abi } from '../../abis/multicall3.js'

/** The canonical Multicall3 address (used when a recording names none). */
export const CANONICAL_MULTICALL3 = '0xcA11bde05977b3631167028862bE2a173976CA11'

/** One recorded `eth_call` answer. */
export interface RecordedCall {
  block: number
  to: string
  data: string
  fn?: string
  result?: string
  revert?: string
}

/** One recorded log, as `eth_getLogs` would return it (numbers as JSON numbers). */
export interface RecordedLog {
  address: string
  topics: string[]
  data: string
  blockNumber: number
  transactionIndex?: number
  logIndex?: number
  transactionHash?: string
  blockHash?: string
}

/** The part of a recording the transport reads; the rest is the test's business. */
export interface Recording {
  protocol: string
  version: string
  chainId: number
  multicall3?: string
  blocks: { number: number; timestamp: number; hash?: string }[]
  calls: RecordedCall[]
  logs?: RecordedLog[]
  [key: string]: unknown
}

/** The folder of the shared recordings, or undefined when `../shared` is absent (a fresh clone). */
export function sharedProtocolsDir(): string | undefined {
  const here = dirname(fileURLToPath(import.meta.url))
  const dir = join(here, '..', '..', '..', 'shared', 'protocols')
  return existsSync(dir) ? dir : undefined
}

/** Loads `<protocol>/recordings/<file>` from the shared folder; undefined when it is absent. */
export function loadRecording<T extends Recording = Recording>(
  protocol: string,
  file: string,
): T | undefined {
  const dir = sharedProtocolsDir()
  if (!dir) return undefined
  const path = join(dir, protocol, 'recordings', file)
  if (!existsSync(path)) return undefined
  return JSON.parse(readFileSync(path, 'utf8')) as T
}

/** Thrown for any request the recording cannot answer; names what was asked. */
export class NotRecordedError extends Error {
  constructor(what: string) {
    super(`not recorded: ${what}`)
    this.name = 'NotRecordedError'
  }
}

/** A contract revert as a node reports it (JSON-RPC error 3 with the revert data). */
class RevertError extends Error {
  code = 3
  data: string
  constructor(data: string) {
    super('execution reverted')
    this.data = data
  }
}

const key = (block: number, to: string, data: string) => `${block}:${to.toLowerCase()}:${data.toLowerCase()}`
const SEL_BLOCK_NUMBER = '0x42cbb15c'
const SEL_TIMESTAMP = '0x0f28c97d'

/** Options of {@link replayTransport}. */
export interface ReplayOptions {
  /** Called with every request method and its answer kind, for tests that count round trips. */
  onRequest?: (method: string, params: unknown) => void
}

/** Counts of what a replay answered, by JSON-RPC method; `aggregate3` counts batches. */
export interface ReplayStats {
  requests: Record<string, number>
  aggregate3: number
  subCalls: number
}

/**
 * A viem transport answering from `rec`. `latest` is the recording's highest block.
 */
export function replayTransport(rec: Recording, options: ReplayOptions = {}) {
  const table = new Map<string, RecordedCall>()
  for (const c of rec.calls) table.set(key(c.block, c.to, c.data), c)
  const blocks = new Map(rec.blocks.map((b) => [b.number, b]))
  const latest = Math.max(...rec.blocks.map((b) => b.number))
  const multicall3 = (rec.multicall3 ?? CANONICAL_MULTICALL3).toLowerCase()
  const stats: ReplayStats = { requests: {}, aggregate3: 0, subCalls: 0 }

  const blockOf = (tag: unknown): number => {
    if (tag === undefined || tag === 'latest' || tag === 'pending' || tag === 'safe' || tag === 'finalized')
      return latest
    if (typeof tag === 'string' && tag.startsWith('0x')) return Number(BigInt(tag))
    if (typeof tag === 'object' && tag !== null && 'blockNumber' in tag)
      return Number(BigInt((tag as { blockNumber: string }).blockNumber))
    throw new NotRecordedError(`block tag ${JSON.stringify(tag)}`)
  }

  const subCall = (block: number, to: string, data: string): { success: boolean; returnData: Hex } => {
    stats.subCalls++
    if (to.toLowerCase() === multicall3) {
      const b = blocks.get(block)
      if (!b) throw new NotRecordedError(`block ${block}`)
      if (data.toLowerCase() === SEL_BLOCK_NUMBER)
        return { success: true, returnData: toHex(BigInt(b.number), { size: 32 }) }
      if (data.toLowerCase() === SEL_TIMESTAMP)
        return { success: true, returnData: toHex(BigInt(b.timestamp), { size: 32 }) }
    }
    const c = table.get(key(block, to, data))
    if (!c) throw new NotRecordedError(`eth_call to ${to} data ${data.slice(0, 10)}… at block ${block}`)
    if (c.revert !== undefined) return { success: false, returnData: c.revert as Hex }
    return { success: true, returnData: c.result as Hex }
  }

  const ethCall = (tx: { to?: string; data?: string; input?: string }, tag: unknown): Hex => {
    const block = blockOf(tag)
    if (!blocks.has(block)) throw new NotRecordedError(`block ${block}`)
    const to = tx.to ?? ''
    const data = (tx.data ?? tx.input ?? '0x') as Hex
    if (to.toLowerCase() === multicall3 && data.toLowerCase().startsWith('0x82ad56cb')) {
      stats.aggregate3++
      const { args } = decodeFunctionData({ abi: multicall3Abi, data })
      const calls = (
        args as readonly [readonly { target: string; allowFailure: boolean; callData: Hex }[]]
      )[0]
      const out = calls.map((c) => {
        const r = subCall(block, c.target, c.callData)
        if (!r.success && !c.allowFailure) throw new RevertError('0x')
        return r
      })
      return encodeFunctionResult({ abi: multicall3Abi, functionName: 'aggregate3', result: out })
    }
    const r = subCall(block, to, data)
    if (!r.success) throw new RevertError(r.returnData)
    return r.returnData
  }

  const getLogs = (filter: {
    address?: string | string[]
    topics?: (string | string[] | null)[]
    fromBlock?: string
    toBlock?: string
    blockHash?: string
  }) => {
    if (!rec.logs) throw new NotRecordedError('eth_getLogs (the recording has no logs)')
    if (filter.blockHash) throw new NotRecordedError('eth_getLogs by blockHash')
    const from = filter.fromBlock === undefined ? 0 : blockOf(filter.fromBlock)
    const to = filter.toBlock === undefined ? latest : blockOf(filter.toBlock)
    const addresses =
      filter.address === undefined
        ? undefined
        : (Array.isArray(filter.address) ? filter.address : [filter.address]).map((a) => a.toLowerCase())
    return rec.logs
      .filter((l) => l.blockNumber >= from && l.blockNumber <= to)
      .filter((l) => !addresses || addresses.includes(l.address.toLowerCase()))
      .filter((l) =>
        (filter.topics ?? []).every((t, i) => {
          if (t === null) return true
          const topic = l.topics[i]?.toLowerCase()
          return Array.isArray(t) ? t.some((x) => x.toLowerCase() === topic) : t.toLowerCase() === topic
        }),
      )
      .map((l) => ({
        address: l.address,
        topics: l.topics,
        data: l.data,
        blockNumber: toHex(l.blockNumber),
        transactionIndex: toHex(l.transactionIndex ?? 0),
        logIndex: toHex(l.logIndex ?? 0),
        transactionHash: l.transactionHash ?? toHex(l.blockNumber, { size: 32 }),
        blockHash: l.blockHash ?? blocks.get(l.blockNumber)?.hash ?? toHex(l.blockNumber, { size: 32 }),
        removed: false,
      }))
  }

  const request = async ({ method, params }: { method: string; params?: unknown }): Promise<unknown> => {
    stats.requests[method] = (stats.requests[method] ?? 0) + 1
    options.onRequest?.(method, params)
    const p = (params ?? []) as unknown[]
    switch (method) {
      case 'eth_chainId':
        return toHex(rec.chainId)
      case 'eth_blockNumber':
        return toHex(latest)
      case 'eth_call':
        return ethCall(p[0] as { to?: string; data?: string }, p[1])
      case 'eth_getLogs':
        return getLogs(p[0] as Parameters<typeof getLogs>[0])
      case 'eth_getBlockByNumber': {
        const n = blockOf(p[0])
        const b = blocks.get(n)
        if (!b) throw new NotRecordedError(`block ${n}`)
        return {
          number: toHex(b.number),
          timestamp: toHex(b.timestamp),
          hash: b.hash ?? toHex(b.number, { size: 32 }),
          transactions: [],
        }
      }
      default:
        throw new NotRecordedError(`method ${method}`)
    }
  }

  return { transport: custom({ request }), stats, latest }
}

/** A public client over {@link replayTransport}, shaped like the clients stacklens builds. */
export function replayClient(
  rec: Recording,
  options: ReplayOptions = {},
): { client: PublicClient; stats: ReplayStats } {
  const { transport, stats } = replayTransport(rec, options)
  const client = createPublicClient({
    transport,
    ccipRead: false,
    batch: { multicall: false },
  }) as PublicClient
  return { client, stats }
}
