/**
 * One deadline per request: a value created once (by the API route, the CLI, a watch evaluation)
 * and passed down in every read's params, bounding every upstream call made for that request,
 * retries included. Its `signal` goes into viem's per-request `requestOptions`, so a pending
 * fetch is aborted (and not retried) when the deadline passes; {@link withDeadline} also races the
 * call, so even a transport that ignores signals cannot hold the request longer.
 */
import { type ErrorContext, UpstreamTimeoutError } from '../core/errors.js'

/** A request's deadline. */
export interface Deadline {
  /** Epoch milliseconds at which upstream work must have ended. */
  readonly at: number
  /** The whole budget, ms (for messages). */
  readonly timeoutMs: number
  /** Aborts when the deadline passes (or when the parent signal aborts). */
  readonly signal: AbortSignal
}

/** Default deadline of one request, ms. */
export const DEFAULT_DEADLINE_MS = 10_000

/** Params of {@link createDeadline}. */
export interface CreateDeadlineParams {
  /** Budget, ms. Default {@link DEFAULT_DEADLINE_MS}. */
  timeoutMs?: number
  /** Also abort when this aborts (e.g. the incoming request's signal: the client went away). */
  signal?: AbortSignal
}

/** Creates a deadline `timeoutMs` from now. */
export function createDeadline(params: CreateDeadlineParams = {}): Deadline {
  const timeoutMs = Math.max(1, Math.floor(params.timeoutMs ?? DEFAULT_DEADLINE_MS))
  // A plain controller and an unref'd timer rather than AbortSignal.timeout/any: on Node those
  // make transferable signals, a measurable cost on every request of a hot path.
  const controller = new AbortController()
  const timer = setTimeout(
    () => controller.abort(new DOMException('the request deadline passed', 'TimeoutError')),
    timeoutMs,
  )
  ;(timer as { unref?: () => void }).unref?.()
  const parent = params.signal
  if (parent) {
    if (parent.aborted) controller.abort(parent.reason)
    else parent.addEventListener('abort', () => controller.abort(parent.reason), { once: true })
  }
  return { at: Date.now() + timeoutMs, timeoutMs, signal: controller.signal }
}

/** Milliseconds left before `deadline` (0 when passed); Infinity without a deadline. */
export function remainingMs(deadline: Deadline | undefined): number {
  if (!deadline) return Number.POSITIVE_INFINITY
  return deadline.signal.aborted ? 0 : Math.max(0, deadline.at - Date.now())
}

/** What {@link withDeadline} names in its timeout error. */
export interface DeadlineCall {
  /** e.g. `the RPC endpoint of chain "ethereum"`. */
  upstream: string
  /** e.g. "eth_getLogs". */
  call: string
  context?: ErrorContext
}

/**
 * Runs `fn(signal)` under `deadline`: throws {@link UpstreamTimeoutError} (504-class) when the
 * deadline has passed before the call, passes while it is pending, or when the call failed
 * because the deadline aborted it. Without a deadline it simply runs `fn(undefined)`.
 */
export async function withDeadline<T>(
  deadline: Deadline | undefined,
  what: DeadlineCall,
  fn: (signal: AbortSignal | undefined) => Promise<T>,
): Promise<T> {
  if (!deadline) return fn(undefined)
  const timeout = () => new UpstreamTimeoutError(what.upstream, what.call, deadline.timeoutMs, what.context)
  if (remainingMs(deadline) <= 0) throw timeout()
  let timer: ReturnType<typeof setTimeout> | undefined
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(timeout()), remainingMs(deadline))
  })
  try {
    return await Promise.race([fn(deadline.signal), expired])
  } catch (err) {
    if (remainingMs(deadline) <= 0 && !(err instanceof UpstreamTimeoutError)) throw timeout()
    throw err
  } finally {
    clearTimeout(timer)
  }
}
