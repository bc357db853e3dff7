/**
 * Bounds on the eth_getLogs work of one request: a block range is split into requests only after
 * its size and request count were checked against the limits, and every request (a range split
 * after a provider's refusal included) is paid from one per-request budget, so no input can make
 * the server enumerate an unbounded number of ranges.
 */
import { LogBudgetExceededError } from '../core/errors.js'

/** Limits of one request's log enumeration. */
export interface LogLimits {
  /** eth_getLogs requests one request may make in all (every chain, every enumeration). */
  maxRequests: number
  /** Blocks one enumeration may cover (`toBlock - fromBlock + 1`). */
  maxBlockRange: bigint
}

/** Defaults: 1,000 eth_getLogs a request; 50,000,000 blocks an enumeration. */
export const DEFAULT_LOG_LIMITS: Readonly<LogLimits> = { maxRequests: 1_000, maxBlockRange: 50_000_000n }

/** The per-request budget: the limits and what was spent. Create one per request. */
export interface LogBudget extends LogLimits {
  /** eth_getLogs requests made so far. */
  used: number
}

/** A fresh budget (defaults from {@link DEFAULT_LOG_LIMITS}). */
export function createLogBudget(limits: Partial<LogLimits> = {}): LogBudget {
  return {
    maxRequests: limits.maxRequests ?? DEFAULT_LOG_LIMITS.maxRequests,
    maxBlockRange: limits.maxBlockRange ?? DEFAULT_LOG_LIMITS.maxBlockRange,
    used: 0,
  }
}

/** Params of {@link planLogRanges}. */
export interface PlanLogRangesParams {
  budget: LogBudget
  chain: string
  /** What is enumerated, for messages, e.g. "Morpho Blue discovery". */
  what: string
  fromBlock: bigint
  /** Inclusive; must already be bounded by the chain head. */
  toBlock: bigint
  /** Blocks per request (>= 1). */
  span: bigint
  /**
   * Who chose the range: "request" (a caller's explicit range: a limit hit is LOG_RANGE_TOO_LARGE,
   * 400-class) or "server" (deployment block to head: LOG_BUDGET_EXCEEDED, 503-class).
   */
  rangeFrom: 'request' | 'server'
}

/**
 * Inclusive ranges of at most `span` blocks covering `[fromBlock, toBlock]`, after checking that
 * the range is within `maxBlockRange` and that its requests fit in what is left of the budget;
 * the planned requests are spent from the budget here (extra requests, such as the halves of a
 * range the provider refused, are paid with {@link spendLogRequest}).
 * @throws LogBudgetExceededError before any range is built when a limit would be exceeded.
 */
export function planLogRanges(params: PlanLogRangesParams): [bigint, bigint][] {
  const { budget, fromBlock, toBlock, span } = params
  if (span < 1n) throw new RangeError(`span must be >= 1, got ${span}`)
  if (fromBlock > toBlock) return []
  const blocks = toBlock - fromBlock + 1n
  const code = params.rangeFrom === 'request' ? 'LOG_RANGE_TOO_LARGE' : 'LOG_BUDGET_EXCEEDED'
  if (blocks > budget.maxBlockRange) {
    throw new LogBudgetExceededError(
      code,
      params.chain,
      `${params.what} would scan ${blocks} blocks (${fromBlock} to ${toBlock}), more than the limit of ${budget.maxBlockRange}`,
    )
  }
  const count = (blocks + span - 1n) / span
  const left = BigInt(Math.max(0, budget.maxRequests - budget.used))
  if (count > left) {
    throw new LogBudgetExceededError(
      code,
      params.chain,
      `${params.what} would need ${count} eth_getLogs requests (${blocks} blocks in spans of ${span}); ${left} of this request's budget of ${budget.maxRequests} remain`,
    )
  }
  budget.used += Number(count)
  const ranges: [bigint, bigint][] = []
  for (let from = fromBlock; from <= toBlock; from += span) {
    const to = from + span - 1n
    ranges.push([from, to < toBlock ? to : toBlock])
  }
  return ranges
}

/**
 * Pays one extra eth_getLogs request (one not planned by {@link planLogRanges}) from `budget`.
 * @throws LogBudgetExceededError (LOG_BUDGET_EXCEEDED, 503-class) when none is left: only a
 * provider refusing ranges (splits) can get here after {@link planLogRanges} checked the plan.
 */
export function spendLogRequest(budget: LogBudget, chain: string, what: string): void {
  if (budget.used >= budget.maxRequests) {
    throw new LogBudgetExceededError(
      'LOG_BUDGET_EXCEEDED',
      chain,
      `${what} exceeded this request's budget of ${budget.maxRequests} eth_getLogs requests (the provider refused ranges as too large); try again later or use an indexer`,
    )
  }
  budget.used++
}
