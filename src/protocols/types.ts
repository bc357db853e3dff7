import type { PublicClient } from 'viem'
import type { BlockContext, RawCall, RawResult } from '../chains/batch.js'
import type { ChainRuntime } from '../chains/config.js'
import type { Deadline } from '../chains/deadline.js'
import type { LogBudget } from '../chains/log-budget.js'
import type { Address } from '../core/address.js'
import type { PositionResult } from '../core/types.js'

/** Runs more calls pinned to the same block as the main batch (rare follow-up reads). */
export type FollowUp = (calls: readonly RawCall[]) => Promise<RawResult[]>

/**
 * What an adapter needs read for one wallet in one market: its calls go into the chain's single
 * aggregate3 batch; `decode` turns their results (same order) into positions.
 */
export interface WalletReadPlan {
  /** Market id, for error reporting. */
  market: string
  protocol: string
  /** What the plan reads; "lending" when omitted (used for `unavailable` rows). */
  kind?: 'lending' | 'perp'
  calls: RawCall[]
  decode(results: RawResult[], block: BlockContext, followUp: FollowUp): Promise<PositionResult[]>
}

/** What discovery may use: the chain's client, pinned to `toBlock` when the report is. */
export interface DiscoveryContext {
  client: PublicClient
  chain: ChainRuntime
  user: Address
  /** The block the report is pinned to; latest when undefined. */
  toBlock?: bigint
  /**
   * The chain head as resolved once for this request (block number). Log ranges never go past it;
   * when `toBlock` is undefined the reads that follow are pinned to it.
   */
  head?: bigint
  /** The request's deadline, for every upstream call discovery makes. */
  deadline?: Deadline
  /** The request's eth_getLogs budget; a fresh default budget when omitted. */
  logBudget?: LogBudget
}

/**
 * A protocol adapter: one exported object per protocol folder. Adapters never call each other;
 * the resolver only sees the positions they produce.
 */
export interface ProtocolAdapter {
  /** Protocol family key, e.g. "aave-v3". */
  readonly key: string
  readonly name: string
  /**
   * Finds which markets `user` may hold (event logs, indexers), before the batch. Adapters whose
   * markets are a fixed list skip it. All adapters' discoveries run concurrently (one round trip).
   */
  discover?(ctx: DiscoveryContext): Promise<unknown>
  /**
   * Plans the reads of `user` in the markets of this adapter on `chain`; `discovered` is what
   * `discover` returned.
   */
  planWallet(chain: ChainRuntime, user: Address, discovered?: unknown): WalletReadPlan[]
}
