/**
 * The monitor's cheap read: the health reads of MANY wallets on one chain (every adapter's
 * `planHealth`) as few aggregate3 eth_calls, chunked by gas, identical calls of different wallets
 * read once, every chunk pinned to the same block.
 */
import { type BlockContext, executeBatch, type RawCall, type RawResult } from '../../chains/batch.js'
import type { ChainClient } from '../../chains/client.js'
import type { Deadline } from '../../chains/deadline.js'
import type { Address } from '../../core/address.js'
import type { ChainRuntime, HealthReading, HealthReadPlan, ProtocolAdapter } from '../../protocols/types.js'

/**
 * Default gas bound of one eth_call (gas units): under anvil's default eth_call gas (its 30M block
 * gas limit) and geth's `RPCGasCap` (50M), the lowest caps a node commonly applies.
 */
export const DEFAULT_MAX_GAS_PER_CALL = 28_000_000

/** Default cap of calls per eth_call (request size: ~170 bytes of calldata per call). */
export const DEFAULT_MAX_CALLS_PER_BATCH = 5_000

/** Default number of eth_calls of one chain in flight at once. */
export const DEFAULT_BATCH_CONCURRENCY = 4

/** One wallet to read: its address and what discovery found for it, per adapter (same order). */
export interface HealthReadWallet {
  address: Address
  /** `discover`'s answer per adapter (index = adapter index); undefined entries: none. */
  discovered?: readonly unknown[] | undefined
}

/** Params of {@link readHealthBatch}. */
export interface ReadHealthBatchParams {
  client: ChainClient
  chain: ChainRuntime
  adapters: readonly ProtocolAdapter[]
  wallets: readonly HealthReadWallet[]
  /** Pin every chunk to this block; the first chunk's block when omitted. */
  blockNumber?: bigint | undefined
  /** Gas cap of one eth_call (gas units). Default {@link DEFAULT_MAX_GAS_PER_CALL}. */
  maxGasPerCall?: number | undefined
  /** Calls cap of one eth_call. Default {@link DEFAULT_MAX_CALLS_PER_BATCH}. */
  maxCallsPerBatch?: number | undefined
  /** eth_calls in flight at once. Default {@link DEFAULT_BATCH_CONCURRENCY}. */
  concurrency?: number | undefined
  deadline?: Deadline | undefined
}

/** One wallet's cheap read on the chain. */
export interface WalletHealth {
  address: Address
  readings: HealthReading[]
  /**
   * Keys of the adapters that serve markets on this chain but have no cheap read: the wallet's
   * positions there are seen only by a deep read.
   */
  uncovered: string[]
}

/** Counters of one batch read (for logs and the benchmark). */
export interface HealthBatchStats {
  wallets: number
  /** Calls the plans asked for, and the distinct ones actually sent. */
  calls: number
  uniqueCalls: number
  /** aggregate3 eth_calls sent (one JSON-RPC request each). */
  ethCalls: number
  /** Sum of the plans' gas bounds of the distinct calls (gas units). */
  gasBound: number
}

/** A batch read: every wallet's readings at one block. */
export interface HealthBatchResult extends BlockContext {
  chain: string
  wallets: WalletHealth[]
  stats: HealthBatchStats
}

/** One distinct call and its gas share. */
interface UniqueCall {
  call: RawCall
  gas: number
}

/**
 * Splits distinct calls into chunks whose gas bounds sum to at most `maxGas` and whose length is
 * at most `maxCalls` (a call over the cap alone gets a chunk of its own). Order kept.
 */
export function chunkByGas<T extends { gas: number }>(
  items: readonly T[],
  maxGas: number,
  maxCalls: number,
): T[][] {
  const chunks: T[][] = []
  let current: T[] = []
  let gas = 0
  for (const item of items) {
    if (current.length > 0 && (gas + item.gas > maxGas || current.length >= maxCalls)) {
      chunks.push(current)
      current = []
      gas = 0
    }
    current.push(item)
    gas += item.gas
  }
  if (current.length > 0) chunks.push(current)
  return chunks
}

/**
 * Reads the health of every wallet in `wallets` on one chain: each adapter's `planHealth` per
 * wallet, identical calls (same target and calldata: market-wide reads) sent once, the distinct
 * calls chunked by gas into aggregate3 eth_calls. The first chunk fixes the block (unless
 * `blockNumber` is given) and the others are pinned to it, `concurrency` at a time; a chunk whose
 * block differs fails the read (RPC_BLOCK_MISMATCH), so every reading is of one block.
 * @throws the RPC errors of {@link executeBatch} (the chain's read as a whole failed).
 */
export async function readHealthBatch(params: ReadHealthBatchParams): Promise<HealthBatchResult> {
  const { client, chain, adapters, wallets } = params
  const maxGas = params.maxGasPerCall ?? DEFAULT_MAX_GAS_PER_CALL
  const maxCalls = params.maxCallsPerBatch ?? DEFAULT_MAX_CALLS_PER_BATCH
  const concurrency = Math.max(1, params.concurrency ?? DEFAULT_BATCH_CONCURRENCY)
  const uncoveredKeys = adapters
    .filter((a) => a.planHealth === undefined && (a.listMarkets?.(chain).length ?? 1) > 0)
    .map((a) => a.key)

  const unique: UniqueCall[] = []
  const indexOf = new Map<string, number>()
  const planned: { plans: HealthReadPlan[]; slots: number[][] }[] = []
  let calls = 0
  for (const wallet of wallets) {
    const plans = adapters.flatMap(
      (a, i) => a.planHealth?.(chain, wallet.address, wallet.discovered?.[i]) ?? [],
    )
    const slots = plans.map((plan) =>
      plan.calls.map((call) => {
        calls++
        const key = `${call.target.toLowerCase()}${call.callData.toLowerCase()}${call.allowFailure ? 1 : 0}`
        let at = indexOf.get(key)
        if (at === undefined) {
          at = unique.length
          indexOf.set(key, at)
          unique.push({ call, gas: plan.calls.length > 0 ? plan.gas / plan.calls.length : 0 })
        }
        return at
      }),
    )
    planned.push({ plans, slots })
  }

  const chunks = chunkByGas(unique, maxGas, maxCalls)
  const results: RawResult[] = new Array(unique.length)
  const read = async (chunk: UniqueCall[], blockNumber: bigint | undefined) =>
    executeBatch({
      client,
      chain: chain.key,
      multicall3: chain.multicall3,
      calls: chunk.map((u) => u.call),
      ...(blockNumber === undefined ? {} : { blockNumber }),
      ...(params.deadline ? { deadline: params.deadline } : {}),
    })
  let block: BlockContext
  let offsets: number[] = []
  {
    let o = 0
    offsets = chunks.map((c) => {
      const at = o
      o += c.length
      return at
    })
  }
  if (chunks.length === 0) {
    const first = await read([], params.blockNumber)
    block = { blockNumber: first.blockNumber, timestamp: first.timestamp }
  } else {
    const first = await read(chunks[0]!, params.blockNumber)
    block = { blockNumber: first.blockNumber, timestamp: first.timestamp }
    first.results.forEach((r, i) => {
      results[i] = r
    })
    let next = 1
    const worker = async () => {
      while (next < chunks.length) {
        const i = next++
        const batch = await read(chunks[i]!, block.blockNumber)
        batch.results.forEach((r, j) => {
          results[offsets[i]! + j] = r
        })
      }
    }
    await Promise.all(Array.from({ length: Math.min(concurrency, chunks.length - 1) }, worker))
  }

  const out: WalletHealth[] = wallets.map((wallet, w) => {
    const { plans, slots } = planned[w]!
    return {
      address: wallet.address,
      readings: plans.map((plan, p) => plan.decode(slots[p]!.map((at) => results[at]!))),
      uncovered: uncoveredKeys,
    }
  })
  return {
    chain: chain.key,
    ...block,
    wallets: out,
    stats: {
      wallets: wallets.length,
      calls,
      uniqueCalls: unique.length,
      ethCalls: Math.max(1, chunks.length),
      gasBound: unique.reduce((a, u) => a + u.gas, 0),
    },
  }
}
