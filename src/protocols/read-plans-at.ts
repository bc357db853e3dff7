/**
 * Runs many holders' wallet read plans pinned to ONE block, chunked into aggregate3 batches: the
 * market-wide reads of an adapter ({@link ProtocolAdapter.listMarketPositions}) read each holder
 * exactly as a wallet report at that block would, with the adapter's own plan and decode.
 */
import { executeBatch, type RawCall, type RawResult } from '../chains/batch.js'
import type { ChainClient } from '../chains/client.js'
import type { Deadline } from '../chains/deadline.js'
import type { Address } from '../core/address.js'
import { BaseError } from '../core/errors.js'
import type { PositionResult } from '../core/types.js'
import type { ChainRuntime, FollowUp, ProtocolAdapter, WalletReadPlan } from './types.js'

/** Params of {@link readPlansAt}. */
export interface ReadPlansAtParams {
  client: ChainClient
  chain: ChainRuntime
  blockNumber: bigint
  owners: readonly Address[]
  /** The owner's read plans (an adapter's `planWallet` for that market). */
  planFor(owner: Address): WalletReadPlan[]
  /** Owners per aggregate3 eth_call. Default 100; a batch the node refuses is split in halves. */
  chunkSize?: number
  deadline?: Deadline | undefined
}

/** One owner's answer: its position rows, or why it could not be read. */
export type OwnerRows = { owner: Address; rows: PositionResult[] } | { owner: Address; error: BaseError }

/** What {@link readPlansAt} read. */
export interface PlansAt {
  /** In owner order. */
  owners: OwnerRows[]
  /** Unix seconds of the block. */
  timestamp: bigint
  /** aggregate3 eth_calls made, follow-ups included. */
  batches: number
}

/** Codes that fail the whole read, never one owner's row. */
const FATAL = new Set(['RPC_UNAVAILABLE', 'BLOCK_OUT_OF_RANGE', 'UPSTREAM_TIMEOUT', 'RPC_BLOCK_MISMATCH'])

function asBaseError(caught: unknown): BaseError {
  return caught instanceof BaseError
    ? caught
    : new BaseError(
        'PROTOCOL_READ_FAILED',
        `unexpected answer: ${caught instanceof Error ? caught.message.split('\n')[0] : String(caught)}`,
      )
}

/**
 * Reads every owner's plans at `blockNumber`, one chunk of owners per aggregate3 (chunks one
 * after the other; each decode's follow-ups pinned to the same block). An owner whose decode
 * throws is answered with its error; RPC outages and block errors throw.
 */
export async function readPlansAt(params: ReadPlansAtParams): Promise<PlansAt> {
  const { client, chain, blockNumber } = params
  let batches = 0
  let timestamp: bigint | undefined
  const batch = async (calls: readonly RawCall[]) => {
    batches++
    const res = await executeBatch({
      client,
      chain: chain.key,
      multicall3: chain.multicall3,
      calls,
      blockNumber,
      ...(params.deadline ? { deadline: params.deadline } : {}),
    })
    timestamp = res.timestamp
    return res
  }
  const followUp: FollowUp = async (calls) => (await batch(calls)).results
  const out = new Map<Address, OwnerRows>()
  type Planned = { owner: Address; plans: WalletReadPlan[] }
  const readGroup = async (group: readonly Planned[]): Promise<void> => {
    if (group.length === 0) return
    let res: Awaited<ReturnType<typeof batch>>
    try {
      res = await batch(group.flatMap((g) => g.plans.flatMap((p) => p.calls)))
    } catch (caught) {
      const err = asBaseError(caught)
      if (FATAL.has(err.code)) throw err
      if (group.length > 1) {
        const mid = Math.ceil(group.length / 2)
        await readGroup(group.slice(0, mid))
        await readGroup(group.slice(mid))
        return
      }
      out.set(group[0]!.owner, { owner: group[0]!.owner, error: err })
      return
    }
    const block = { blockNumber: res.blockNumber, timestamp: res.timestamp }
    let offset = 0
    const slices = group.map((g) =>
      g.plans.map((p) => {
        const slice: RawResult[] = res.results.slice(offset, offset + p.calls.length)
        offset += p.calls.length
        return slice
      }),
    )
    await Promise.all(
      group.map(async (g, i) => {
        try {
          const rows: PositionResult[] = []
          for (const [k, plan] of g.plans.entries())
            rows.push(...(await plan.decode(slices[i]![k]!, block, followUp)))
          out.set(g.owner, { owner: g.owner, rows })
        } catch (caught) {
          const err = asBaseError(caught)
          if (FATAL.has(err.code)) throw err
          out.set(g.owner, { owner: g.owner, error: err })
        }
      }),
    )
  }
  const planned: Planned[] = params.owners.map((owner) => ({ owner, plans: params.planFor(owner) }))
  const size = Math.max(1, params.chunkSize ?? 100)
  for (let i = 0; i < planned.length; i += size) await readGroup(planned.slice(i, i + size))
  if (timestamp === undefined) timestamp = (await batch([])).timestamp
  return { owners: params.owners.map((o) => out.get(o)!).filter(Boolean), timestamp, batches }
}

/** The adapters of a list that enumerate their markets' positions market-wide. */
export function marketPositionAdapters(adapters: readonly ProtocolAdapter[]): ProtocolAdapter[] {
  return adapters.filter((a) => typeof a.listMarketPositions === 'function')
}
