/**
 * The API's limits as configuration: the per-request deadline and log budget, the work limits of
 * the heavy routes, the per-client rate limit, the CORS policy. Read from environment variables
 * (Node `process.env`, Worker `env`) by {@link limitsFromEnv}; every field has a default.
 */
import { DEFAULT_DEADLINE_MS } from './chains/deadline.js'
import { DEFAULT_LOG_LIMITS } from './chains/log-budget.js'

/** Limits of one deployment of the API. */
export interface ApiLimitsConfig {
  /** Deadline of one request, ms (`STACKLENS_DEADLINE_MS`, default 10,000). */
  deadlineMs: number
  /** eth_getLogs requests one request may make (`STACKLENS_LOG_MAX_REQUESTS`, default 1,000). */
  logMaxRequests: number
  /** Blocks one log enumeration may cover (`STACKLENS_LOG_MAX_BLOCK_RANGE`, default 50,000,000). */
  logMaxBlockRange: bigint
  /** Heavy requests (Monte Carlo, cascade, analyze) running at once (`STACKLENS_HEAVY_CONCURRENCY`, default 8). */
  heavyConcurrency: number
  /** Heavy requests waiting for a slot before 429 (`STACKLENS_HEAVY_QUEUE`, default 16). */
  heavyQueue: number
  /** Longest wait in the heavy queue, ms, before 429 (`STACKLENS_HEAVY_QUEUE_MS`, default the deadline). */
  heavyQueueMs: number
  /** Wallet reads (positions, exposure, stress) running at once; the rest wait, costing no CPU (`STACKLENS_READ_CONCURRENCY`, default 8). */
  readConcurrency: number
  /** Wallet reads waiting before 429 (`STACKLENS_READ_QUEUE`, default 512). */
  readQueue: number
  /** Rate limit: requests per second a client's bucket refills (`STACKLENS_RATE_PER_SEC`, default 20; 0 = off). */
  ratePerSecond: number
  /** Rate limit: bucket size, requests (`STACKLENS_RATE_BURST`, default 60). */
  rateBurst: number
  /** Trust `X-Forwarded-For` / `CF-Connecting-IP` for the client key (`STACKLENS_TRUST_PROXY=1`, default off on Node). */
  trustProxy: boolean
  /** Origins allowed cross-origin (`STACKLENS_CORS_ORIGINS`, comma-separated, `*` = any); empty = same-origin only. */
  corsOrigins: string[]
}

/** The defaults. */
export const DEFAULT_API_LIMITS: Readonly<ApiLimitsConfig> = {
  deadlineMs: DEFAULT_DEADLINE_MS,
  logMaxRequests: DEFAULT_LOG_LIMITS.maxRequests,
  logMaxBlockRange: DEFAULT_LOG_LIMITS.maxBlockRange,
  heavyConcurrency: 4,
  heavyQueue: 16,
  heavyQueueMs: DEFAULT_DEADLINE_MS,
  readConcurrency: 8,
  readQueue: 512,
  ratePerSecond: 20,
  rateBurst: 60,
  trustProxy: false,
  corsOrigins: [],
}

function intFrom(raw: string | undefined, name: string, min: number, max: number, fallback: number): number {
  if (raw === undefined || raw.trim() === '') return fallback
  const n = Number(raw.trim())
  if (!Number.isFinite(n) || n < min || n > max) {
    throw new RangeError(`${name}="${raw}": expected a number in [${min}, ${max}]`)
  }
  return n
}

/**
 * The limits from environment variables (see {@link ApiLimitsConfig} for each name).
 * @throws RangeError naming the variable when a value is out of range (a misconfiguration fails at start).
 */
export function limitsFromEnv(env: Record<string, string | undefined>): ApiLimitsConfig {
  const d = DEFAULT_API_LIMITS
  const deadlineMs = intFrom(env.STACKLENS_DEADLINE_MS, 'STACKLENS_DEADLINE_MS', 100, 600_000, d.deadlineMs)
  return {
    deadlineMs,
    logMaxRequests: intFrom(
      env.STACKLENS_LOG_MAX_REQUESTS,
      'STACKLENS_LOG_MAX_REQUESTS',
      1,
      1e6,
      d.logMaxRequests,
    ),
    logMaxBlockRange: BigInt(
      intFrom(
        env.STACKLENS_LOG_MAX_BLOCK_RANGE,
        'STACKLENS_LOG_MAX_BLOCK_RANGE',
        1,
        1e12,
        Number(d.logMaxBlockRange),
      ),
    ),
    heavyConcurrency: intFrom(
      env.STACKLENS_HEAVY_CONCURRENCY,
      'STACKLENS_HEAVY_CONCURRENCY',
      1,
      1024,
      d.heavyConcurrency,
    ),
    heavyQueue: intFrom(env.STACKLENS_HEAVY_QUEUE, 'STACKLENS_HEAVY_QUEUE', 0, 100_000, d.heavyQueue),
    heavyQueueMs: intFrom(env.STACKLENS_HEAVY_QUEUE_MS, 'STACKLENS_HEAVY_QUEUE_MS', 0, 600_000, deadlineMs),
    readConcurrency: intFrom(
      env.STACKLENS_READ_CONCURRENCY,
      'STACKLENS_READ_CONCURRENCY',
      1,
      1024,
      d.readConcurrency,
    ),
    readQueue: intFrom(env.STACKLENS_READ_QUEUE, 'STACKLENS_READ_QUEUE', 0, 100_000, d.readQueue),
    ratePerSecond: intFrom(env.STACKLENS_RATE_PER_SEC, 'STACKLENS_RATE_PER_SEC', 0, 1e6, d.ratePerSecond),
    rateBurst: intFrom(env.STACKLENS_RATE_BURST, 'STACKLENS_RATE_BURST', 1, 1e6, d.rateBurst),
    trustProxy: env.STACKLENS_TRUST_PROXY === '1' || env.STACKLENS_TRUST_PROXY === 'true',
    corsOrigins: (env.STACKLENS_CORS_ORIGINS ?? '')
      .split(',')
      .map((s) => s.trim().replace(/\/+$/, ''))
      .filter((s) => s.length > 0),
  }
}
