/**
 * What bounds the upstream work of one request: its deadline (every upstream call, retries
 * included) and its eth_getLogs budget. A face (API route, CLI command, watch evaluation) creates
 * one per request with {@link createRequestBudget} and passes it in the use case's params.
 */
import { createDeadline, type Deadline } from '../chains/deadline.js'
import { createLogBudget, type LogBudget } from '../chains/log-budget.js'
import type { ApiLimitsConfig } from '../limits-config.js'

/** The bounds of one request, passed down to every read. */
export interface RequestBudget {
  /** The request's deadline (UPSTREAM_TIMEOUT, 504-class, when it passes). */
  deadline?: Deadline | undefined
  /** The request's eth_getLogs budget (shared by every enumeration of the request). */
  logBudget?: LogBudget | undefined
}

/** Params of {@link createRequestBudget}. */
export interface CreateRequestBudgetParams {
  limits?: Pick<ApiLimitsConfig, 'deadlineMs' | 'logMaxRequests' | 'logMaxBlockRange'> | undefined
  /** The incoming request's signal: the work stops when the client goes away. */
  signal?: AbortSignal | undefined
}

/** One request's deadline and log budget, from the configured limits (defaults when omitted). */
export function createRequestBudget(params: CreateRequestBudgetParams = {}): Required<RequestBudget> {
  const { limits, signal } = params
  return {
    deadline: createDeadline({
      ...(limits ? { timeoutMs: limits.deadlineMs } : {}),
      ...(signal ? { signal } : {}),
    }),
    logBudget: createLogBudget(
      limits ? { maxRequests: limits.logMaxRequests, maxBlockRange: limits.logMaxBlockRange } : {},
    ),
  }
}

/** The spread-ready fields of a budget (no `undefined` keys under exactOptionalPropertyTypes). */
export function budgetFields(b: RequestBudget): { deadline?: Deadline; logBudget?: LogBudget } {
  return {
    ...(b.deadline ? { deadline: b.deadline } : {}),
    ...(b.logBudget ? { logBudget: b.logBudget } : {}),
  }
}
