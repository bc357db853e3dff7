/**
 * Work and rate limits of the API as Hono middleware (runtime-agnostic): a concurrency limit
 * with a bounded queue for the heavy routes, and a per-client token bucket. Both answer 429 with
 * `Retry-After` and the error body.
 */
import type { Context, MiddlewareHandler } from 'hono'
import { errorBody } from './errors.js'

/** Params of {@link createWorkLimiter}. */
export interface WorkLimiterParams {
  /** Requests running at once. */
  concurrency: number
  /** Requests waiting for a slot; one more is refused (429 BUSY). */
  queue: number
  /** Longest wait for a slot, ms; a request still waiting then is refused (429 BUSY). */
  queueMs: number
}

/** A concurrency limit with a bounded FIFO queue. */
export interface WorkLimiter {
  /** The middleware to put in front of the heavy routes. */
  middleware: MiddlewareHandler
  /** Requests running now. */
  readonly running: number
  /** Requests waiting now. */
  readonly waiting: number
}

/** Seconds a refused client should wait: about one slot's turnover, at least 1. */
const RETRY_AFTER_S = 1

function busy(c: Context, why: string) {
  c.header('Retry-After', String(RETRY_AFTER_S))
  return c.json(errorBody('BUSY', why), 429)
}

/** Creates a {@link WorkLimiter}. */
export function createWorkLimiter(params: WorkLimiterParams): WorkLimiter {
  let running = 0
  const waiting: { wake: () => void; timer: ReturnType<typeof setTimeout> | undefined }[] = []
  const release = () => {
    const next = waiting.shift()
    if (next) {
      clearTimeout(next.timer)
      next.wake()
    } else running--
  }
  const middleware: MiddlewareHandler = async (c, next) => {
    if (running < params.concurrency) running++
    else {
      if (waiting.length >= params.queue) {
        return busy(
          c,
          `the server is busy: ${params.concurrency} heavy requests are running and ${params.queue} are waiting; retry shortly`,
        )
      }
      const admitted = await new Promise<boolean>((resolve) => {
        const entry: (typeof waiting)[number] = { wake: () => resolve(true), timer: undefined }
        entry.timer = setTimeout(() => {
          const i = waiting.indexOf(entry)
          if (i >= 0) waiting.splice(i, 1)
          resolve(false)
        }, params.queueMs)
        waiting.push(entry)
      })
      // A woken request inherits the slot of the one that finished (running is unchanged).
      if (!admitted) {
        return busy(
          c,
          `the server is busy: no heavy-request slot freed within ${params.queueMs} ms; retry shortly`,
        )
      }
    }
    try {
      await next()
    } finally {
      release()
    }
  }
  return {
    middleware,
    get running() {
      return running
    },
    get waiting() {
      return waiting.length
    },
  }
}

/** A rate limiter's verdict for one request. */
export interface RateVerdict {
  ok: boolean
  /** Seconds until a request would be allowed (when refused). */
  retryAfterS: number
}

/** A per-client rate limiter (the in-isolate token bucket, or a platform binding on Workers). */
export interface RateLimiter {
  /** Takes one request from `key`'s allowance. */
  take(key: string): RateVerdict | Promise<RateVerdict>
}

/** Params of {@link createTokenBucketLimiter}. */
export interface TokenBucketParams {
  /** Refill, requests per second. */
  ratePerSecond: number
  /** Bucket size, requests. */
  burst: number
  /** Clients tracked at once; the least recently seen is forgotten beyond it. Default 10,000. */
  maxClients?: number
  /** Clock, ms (tests). */
  now?: () => number
}

/** A token bucket per client key, in memory (per process on Node, per isolate on Workers). */
export function createTokenBucketLimiter(params: TokenBucketParams): RateLimiter {
  const buckets = new Map<string, { tokens: number; at: number }>()
  const maxClients = params.maxClients ?? 10_000
  const now = params.now ?? Date.now
  return {
    take(key) {
      const t = now()
      const prev = buckets.get(key)
      const tokens = prev
        ? Math.min(params.burst, prev.tokens + ((t - prev.at) / 1000) * params.ratePerSecond)
        : params.burst
      // Re-insert: Map order is then least recently seen first.
      buckets.delete(key)
      if (buckets.size >= maxClients) buckets.delete(buckets.keys().next().value as string)
      if (tokens < 1) {
        buckets.set(key, { tokens, at: t })
        return { ok: false, retryAfterS: Math.max(1, Math.ceil((1 - tokens) / params.ratePerSecond)) }
      }
      buckets.set(key, { tokens: tokens - 1, at: t })
      return { ok: true, retryAfterS: 0 }
    },
  }
}

/**
 * Which client a request comes from, for the rate limit: its API key (`x-api-key`) when given,
 * else what the runtime says (`clientIp`: the socket's address on Node, `CF-Connecting-IP` on
 * Workers). Undefined when neither is known (an in-process `app.request`): not rate-limited.
 */
export type ClientKeyOf = (c: Context) => string | undefined

/** The default {@link ClientKeyOf}: the API key, else `clientIp(c)`. */
export function clientKeyOf(clientIp?: (c: Context) => string | undefined): ClientKeyOf {
  return (c) => {
    const apiKey = c.req.header('x-api-key')
    if (apiKey) return `key:${apiKey.slice(0, 128)}`
    const ip = clientIp?.(c)
    return ip ? `ip:${ip}` : undefined
  }
}

/** The rate-limit middleware: 429 RATE_LIMITED with `Retry-After` when the client's bucket is empty. */
export function rateLimit(limiter: RateLimiter, keyOf: ClientKeyOf): MiddlewareHandler {
  return async (c, next) => {
    const key = keyOf(c)
    if (key !== undefined) {
      const verdict = await limiter.take(key)
      if (!verdict.ok) {
        c.header('Retry-After', String(verdict.retryAfterS))
        return c.json(
          errorBody('RATE_LIMITED', `too many requests from this client; retry in ${verdict.retryAfterS} s`),
          429,
        )
      }
    }
    await next()
  }
}
