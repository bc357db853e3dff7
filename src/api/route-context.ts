/**
 * What every route module gets besides the sources: a fresh per-request budget (deadline and log
 * budget from the configured limits) and the Monte Carlo runner (inline, or a worker pool on Node).
 */

import type { RequestBudget } from '../report/request-budget.js'
import type { McInput, McResult } from '../risk/montecarlo.js'

/**
 * Runs one simulation. Inline on Workers (the default); on Node a worker-thread pool
 * (`src/mc-worker-pool.ts`) so the event loop stays free for `/health` and wallet reads.
 */
export type MonteCarloRunner = (input: McInput) => Promise<McResult>

/** The per-app context of the route modules. */
export interface RouteContext {
  /** A fresh budget for one request (call once per request). */
  budget(): RequestBudget
  runMonteCarlo?: MonteCarloRunner | undefined
}
