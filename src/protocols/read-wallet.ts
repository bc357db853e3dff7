import { decodeRateAnswer, type RateCall } from '../assets/rates.js'
import { executeBatch, mapRpcError, type RawCall, type RawResult } from '../chains/batch.js'
import { getBlockTimestamp, getHeadBlock, resolveBlock } from '../chains/block.js'
import type { ChainClient } from '../chains/client.js'
import type { Deadline } from '../chains/deadline.js'
import type { HeadCache } from '../chains/head-cache.js'
import type { LogBudget } from '../chains/log-budget.js'
import type { Address } from '../core/address.js'
import { BaseError, NotDeployedAtBlockError } from '../core/errors.js'
import type { PositionResult } from '../core/types.js'
import { aaveV3Adapter } from './aave-v3/index.js'
import { aaveV4Adapter, aaveV4DeploymentsOf, createAaveV4Adapter } from './aave-v4/index.js'
import { compoundV3Adapter, createCompoundV3Adapter } from './compound-v3/index.js'
import { gmxV2Adapter } from './gmx-v2/index.js'
import { hyperliquidAdapter } from './hyperliquid/index.js'
import { createMorphoBlueAdapter, morphoBlueAdapter } from './morpho-blue/index.js'
import type { ReadCaches } from './read-caches.js'
import type { ChainRuntime, ProtocolAdapter, VenueRuntime, WalletReadPlan } from './types.js'

/**
 * Rate calls' answers (same order) as WAD values by key (`decodeRateAnswer`: wrapper rates, and
 * Pendle PT implied yields and prices); the keys whose call reverted or answered something else
 * in `failures`.
 */
export function decodeRates(
  calls: readonly RateCall[],
  results: readonly RawResult[],
): { rates: Record<string, bigint>; failures: string[] } {
  const rates: Record<string, bigint> = {}
  const failures: string[] = []
  calls.forEach((call, i) => {
    const result = results[i]
    const rate = result?.success ? decodeRateAnswer(call, result.returnData) : undefined
    if (rate === undefined) failures.push(call.key)
    else rates[call.key] = rate
  })
  return { rates, failures }
}

/** Every adapter stacklens runs for a wallet report. */
export const ADAPTERS: readonly ProtocolAdapter[] = [
  aaveV3Adapter,
  aaveV4Adapter,
  morphoBlueAdapter,
  compoundV3Adapter,
  gmxV2Adapter,
]

/** Every EVM adapter, the ones that learn reading through `caches`. */
export function createAdapters(caches: ReadCaches): readonly ProtocolAdapter[] {
  return [
    aaveV3Adapter,
    createAaveV4Adapter(aaveV4DeploymentsOf, { logs: caches.aaveV4Logs }),
    createMorphoBlueAdapter({ facts: caches.morphoFacts }),
    createCompoundV3Adapter({ hints: caches.cometHints }),
    gmxV2Adapter,
  ]
}

/** Every venue adapter (off-EVM sources whose "chain" is the venue). */
export const VENUE_ADAPTERS: readonly ProtocolAdapter<unknown, VenueRuntime>[] = [hyperliquidAdapter]

/** Params of {@link readWallet}. */
export interface ReadWalletParams {
  client: ChainClient
  chain: ChainRuntime
  user: Address
  /** Pin to this block; the latest when omitted. */
  blockNumber?: bigint
  adapters?: readonly ProtocolAdapter[]
  /**
   * Wrapper rate reads (`rateCalls` of the asset graph) to run in the same pinned batch, so the
   * resolver's rates come from the very block the positions were read at.
   */
  rateCalls?: readonly RateCall[]
  /** The request's deadline: bounds every upstream call of the read (UPSTREAM_TIMEOUT). */
  deadline?: Deadline
  /** The request's eth_getLogs budget (discovery). */
  logBudget?: LogBudget
  /** The highest heads seen (the root's); each read records the head it learns. */
  heads?: HeadCache
}

/** Codes that fail the whole read instead of one market's row (the answer as a whole is unusable). */
const FATAL = new Set(['RPC_UNAVAILABLE', 'BLOCK_OUT_OF_RANGE', 'UPSTREAM_TIMEOUT', 'RPC_BLOCK_MISMATCH'])

/** A wallet's positions on one chain at one block. */
export interface WalletChainReport {
  chain: string
  blockNumber: bigint
  /** Unix seconds of that block. */
  timestamp: bigint
  positions: PositionResult[]
  /** Decoded wrapper rates by asset key, WAD (inner tokens per whole wrapper token). */
  rates: Record<string, bigint>
  /** Asset keys whose rate call reverted or answered garbage (valued by price instead). */
  rateFailures: string[]
}

/**
 * Reads every position of `user` on one chain: all adapters' calls go out as ONE aggregate3
 * batch pinned to one block; each market is decoded on its own, so a market that fails becomes an
 * `unavailable` row with its error code and the others are still served. RPC faults (down,
 * block out of range) throw.
 */
export async function readWallet(params: ReadWalletParams): Promise<WalletChainReport> {
  const { client, chain, user } = params
  const adapters = params.adapters ?? ADAPTERS
  const { deadline, logBudget, heads } = params
  // An adapter with no market on this chain has nothing to discover (and no reason to make the
  // read fetch the head first).
  const discovering = adapters.map(
    (a) => a.discover !== undefined && (a.listMarkets?.(chain).length ?? 1) > 0,
  )
  const headParams = { client, chain: chain.key, ...(deadline ? { deadline } : {}) }
  // The head is read once per request, and never in a round trip of its own when it can share one:
  // - pinned to a block at or below a head already seen: the block exists, no head read at all;
  // - pinned above it: the head is read first and a block above it refused, before anything (log
  //   ranges above all) is built from the block;
  // - latest, with discovery: eth_blockNumber goes out in the SAME JSON-RPC batch as discovery's
  //   requests (issued in the same tick, before them); discovery reads `latest` and keeps what is
  //   at or below that head, and the batch is pinned to it;
  // - latest, without discovery: no head read; the batch's own block is the answer's.
  let head: bigint | undefined
  let latestHead: Promise<bigint> | undefined
  if (params.blockNumber !== undefined) {
    const seen = heads?.get(chain.key)
    head =
      seen !== undefined && params.blockNumber <= seen
        ? seen
        : (await resolveBlock({ ...headParams, blockNumber: params.blockNumber })).head
  } else if (discovering.some(Boolean)) {
    latestHead = getHeadBlock(headParams)
    // Awaited after discovery; a failure then fails the read (not an unhandled rejection now).
    latestHead.catch(() => undefined)
  }
  // Round trip 1 (only when some adapter must discover markets): every discovery at once.
  const discovered = await Promise.all(
    adapters.map(async (a, i) => {
      if (!a.discover || !discovering[i]) return undefined
      try {
        return await a.discover({
          client,
          chain,
          user,
          ...(params.blockNumber === undefined ? {} : { toBlock: params.blockNumber }),
          ...(head === undefined ? {} : { head }),
          ...(latestHead ? { latestHead } : {}),
          ...(deadline ? { deadline } : {}),
          ...(logBudget ? { logBudget } : {}),
        })
      } catch (err) {
        throw mapRpcError(err, chain.key, params.blockNumber)
      }
    }),
  )
  const blockNumber = params.blockNumber ?? (latestHead ? await latestHead : undefined)
  if (blockNumber !== undefined && latestHead) heads?.observe(chain.key, blockNumber)
  // Round trip 2: every adapter's reads in one aggregate3 batch.
  const plans: WalletReadPlan[] = adapters.flatMap((a, i) => a.planWallet(chain, user, discovered[i]))
  const rateCalls = params.rateCalls ?? []
  const calls: RawCall[] = [
    ...plans.flatMap((p) => p.calls),
    ...rateCalls.map((r) => ({ target: r.target, callData: r.callData, allowFailure: true })),
  ]
  let batch: Awaited<ReturnType<typeof executeBatch>>
  try {
    batch = await executeBatch({
      client,
      chain: chain.key,
      multicall3: chain.multicall3,
      calls,
      ...(blockNumber === undefined ? {} : { blockNumber }),
      ...(deadline ? { deadline } : {}),
    })
  } catch (err) {
    // Before the Multicall3's deployment no market can be read: each is an `unavailable` row.
    if (!(err instanceof NotDeployedAtBlockError) || blockNumber === undefined) throw err
    return {
      chain: chain.key,
      blockNumber,
      timestamp: await getBlockTimestamp({
        client,
        chain: chain.key,
        blockNumber,
        ...(deadline ? { deadline } : {}),
      }),
      positions: plans.map((plan) => ({
        status: 'unavailable' as const,
        protocol: plan.protocol,
        market: plan.market,
        chain: chain.key,
        kind: plan.kind ?? 'lending',
        code: err.code,
        reason: err.message,
      })),
      rates: {},
      rateFailures: rateCalls.map((r) => r.key),
    }
  }
  heads?.observe(chain.key, batch.blockNumber)
  const block = { blockNumber: batch.blockNumber, timestamp: batch.timestamp }
  const followUp = async (more: readonly RawCall[]) =>
    (
      await executeBatch({
        client,
        chain: chain.key,
        multicall3: chain.multicall3,
        calls: more,
        blockNumber: batch.blockNumber,
        ...(deadline ? { deadline } : {}),
      })
    ).results
  let offset = 0
  const decoded = await Promise.all(
    plans.map(async (plan) => {
      const slice = batch.results.slice(offset, offset + plan.calls.length)
      offset += plan.calls.length
      try {
        return await plan.decode(slice, block, followUp)
      } catch (caught) {
        // A market that cannot be decoded is reported, never thrown: the others are still served.
        const err =
          caught instanceof BaseError
            ? caught
            : new BaseError(
                'PROTOCOL_READ_FAILED',
                `unexpected answer: ${caught instanceof Error ? caught.message.split('\n')[0] : String(caught)}`,
              )
        if (FATAL.has(err.code)) throw err
        const row: PositionResult = {
          status: 'unavailable',
          protocol: plan.protocol,
          market: plan.market,
          chain: chain.key,
          kind: plan.kind ?? 'lending',
          code: err.code,
          reason: err.message,
        }
        return [row]
      }
    }),
  )
  const { rates, failures: rateFailures } = decodeRates(rateCalls, batch.results.slice(offset))
  return {
    chain: chain.key,
    blockNumber: batch.blockNumber,
    timestamp: batch.timestamp,
    positions: decoded.flat(),
    rates,
    rateFailures,
  }
}

/** Params of {@link readVenueWallet}. */
export interface ReadVenueWalletParams {
  venue: VenueRuntime
  user: Address
  adapters?: readonly ProtocolAdapter<unknown, VenueRuntime>[]
  /** The request's deadline: the venue is given the time left. */
  deadline?: Deadline
}

/**
 * Reads every position of `user` on an off-EVM venue through the same adapter contract:
 * discoveries (the venue's round trip) at once, then each plan decoded. The venue's state is not a
 * block's: block 0, timed by the venue's clock when a plan says it (else now). A venue failure is
 * an `unavailable` row, never thrown: the chains of the same report are still served.
 */
export async function readVenueWallet(params: ReadVenueWalletParams): Promise<WalletChainReport> {
  const { venue, user } = params
  const adapters = params.adapters ?? VENUE_ADAPTERS
  const discovered = await Promise.all(
    adapters.map((a) =>
      a.discover?.({
        client: undefined,
        chain: venue,
        user,
        ...(params.deadline ? { deadline: params.deadline } : {}),
      }),
    ),
  )
  const plans = adapters.flatMap((a, i) => a.planWallet(venue, user, discovered[i]))
  const now = BigInt(Math.floor(Date.now() / 1000))
  const block = { blockNumber: 0n, timestamp: plans.find((p) => p.at)?.at?.timestamp ?? now }
  const noFollowUp = async () => {
    throw new BaseError('PROTOCOL_READ_FAILED', `${venue.key} is not an EVM chain: no follow-up reads`)
  }
  const rows = await Promise.all(
    plans.map(async (plan): Promise<PositionResult[]> => {
      try {
        return await plan.decode([], block, noFollowUp)
      } catch (err) {
        if (!(err instanceof BaseError)) throw err
        return [
          {
            status: 'unavailable',
            protocol: plan.protocol,
            market: plan.market,
            chain: venue.key,
            kind: plan.kind ?? 'lending',
            code: err.code,
            reason: err.message,
          },
        ]
      }
    }),
  )
  return {
    chain: venue.key,
    blockNumber: 0n,
    timestamp: block.timestamp,
    positions: rows.flat(),
    rates: {},
    rateFailures: [],
  }
}
