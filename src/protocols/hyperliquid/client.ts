/**
 * The Hyperliquid info API over plain `fetch` (runs on Node and on Workers; no SDK dependency).
 * Source: https://hyperliquid.gitbook.io/hyperliquid-docs/for-developers/api/info-endpoint —
 * every read is `POST {url}/info` with a JSON body `{ "type": ..., ... }`; the API rate-limits
 * per IP and answers HTTP 429 when the budget is exhausted
 * (https://hyperliquid.gitbook.io/hyperliquid-docs/for-developers/api/rate-limits-and-user-limits).
 */
import type { z } from 'zod'
import type { Address } from '../../core/address.js'
import { HyperliquidError } from './errors.js'
import { type ClearinghouseState, clearinghouseStateSchema } from './schemas.js'

/** The public mainnet API base URL. */
export const HYPERLIQUID_MAINNET_URL = 'https://api.hyperliquid.xyz'
/** The public testnet API base URL. */
export const HYPERLIQUID_TESTNET_URL = 'https://api.hyperliquid-testnet.xyz'

const VENUE = 'Hyperliquid info API'

/** Params of {@link postInfo} and {@link fetchClearinghouseState}. */
export interface HyperliquidRequestOptions {
  /** API base URL (without `/info`); {@link HYPERLIQUID_MAINNET_URL} when omitted. */
  url?: string
  fetchFn?: typeof fetch
  /** Extra attempts after an HTTP 429 (so `retries + 1` tries in all). Default 2. */
  retries?: number
  /** Timeout of each attempt, milliseconds. Default 10_000. */
  timeoutMs?: number
  /**
   * First backoff after a 429, milliseconds; doubles on each retry, capped at 5_000. A
   * `Retry-After` header (seconds) takes precedence under the same cap. Default 250.
   */
  backoffMs?: number
}

/**
 * POSTs `body` to `{url}/info` and validates the JSON answer with `schema`. HTTP 429 is retried
 * with exponential backoff, then raised as RPC_UNAVAILABLE (503); an unreachable venue or a
 * timeout is RPC_UNAVAILABLE; any other non-2xx, non-JSON or off-schema answer is
 * PROTOCOL_READ_FAILED (502) naming the venue and, for a schema mismatch, the field.
 */
export async function postInfo<S extends z.ZodType>(
  body: Record<string, unknown>,
  schema: S,
  options: HyperliquidRequestOptions = {},
): Promise<z.infer<S>> {
  const fetchFn = options.fetchFn ?? fetch
  const url = `${(options.url ?? HYPERLIQUID_MAINNET_URL).replace(/\/+$/, '')}/info`
  const retries = Math.max(0, Math.floor(options.retries ?? 2))
  const timeoutMs = options.timeoutMs ?? 10_000
  const backoffMs = options.backoffMs ?? 250
  const what = `${VENUE} (${String(body.type)})`

  for (let attempt = 0; ; attempt++) {
    let response: Response
    try {
      response = await fetchFn(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(timeoutMs),
      })
    } catch (err) {
      throw new HyperliquidError(
        'RPC_UNAVAILABLE',
        `${what} is unreachable (${describe(err)}); try again later`,
        err,
      )
    }
    if (response.status === 429) {
      await response.body?.cancel()
      if (attempt < retries) {
        await sleep(backoffDelay(response.headers.get('retry-after'), backoffMs, attempt))
        continue
      }
      throw new HyperliquidError(
        'RPC_UNAVAILABLE',
        `${what} rate-limited the request (HTTP 429) ${attempt + 1} times; try again later`,
      )
    }
    if (!response.ok) {
      // The upstream body is never copied into the message: it may echo the request or secrets.
      await response.body?.cancel()
      throw new HyperliquidError('PROTOCOL_READ_FAILED', `${what} answered HTTP ${response.status}`)
    }
    const text = await response.text()
    let json: unknown
    try {
      json = JSON.parse(text)
    } catch (err) {
      throw new HyperliquidError('PROTOCOL_READ_FAILED', `${what} answered a body that is not JSON`, err)
    }
    const parsed = schema.safeParse(json)
    if (!parsed.success) {
      const issue = parsed.error.issues[0]
      const field = issue && issue.path.length > 0 ? issue.path.join('.') : '(root)'
      throw new HyperliquidError(
        'PROTOCOL_READ_FAILED',
        `${what} answered an unexpected payload: ${field}: ${issue?.message ?? 'invalid'}`,
        parsed.error,
      )
    }
    return parsed.data
  }
}

/** Params of {@link fetchClearinghouseState}. */
export interface FetchClearinghouseStateParams extends HyperliquidRequestOptions {
  user: Address
}

/**
 * A user's perp account: `POST /info {"type":"clearinghouseState","user"}`, validated with
 * {@link clearinghouseStateSchema}. Errors as in {@link postInfo}.
 */
export function fetchClearinghouseState(params: FetchClearinghouseStateParams): Promise<ClearinghouseState> {
  const { user, ...options } = params
  // The API expects the 42-character hex address, lowercase in its examples.
  return postInfo({ type: 'clearinghouseState', user: user.toLowerCase() }, clearinghouseStateSchema, options)
}

function backoffDelay(retryAfter: string | null, baseMs: number, attempt: number): number {
  const cap = 5_000
  const seconds = retryAfter === null ? Number.NaN : Number(retryAfter)
  if (Number.isFinite(seconds) && seconds >= 0) return Math.min(seconds * 1000, cap)
  return Math.min(baseMs * 2 ** attempt, cap)
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}

/** Why a fetch failed, without its text (which can carry the URL and its key). */
function describe(err: unknown): string {
  return err instanceof Error && err.name === 'TimeoutError'
    ? 'the request timed out'
    : 'the connection failed'
}
