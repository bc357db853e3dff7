/**
 * The Hyperliquid info API over plain `fetch` (runs on Node and on Workers; no SDK dependency).
 * Source: https://hyperliquid.gitbook.io/hyperliquid-docs/for-developers/api/info-endpoint —
 * every read is `POST {url}/info` with a JSON body `{ "type": ..., ... }`; the API rate-limits
 * per IP and answers HTTP 429 when the budget is exhausted
 * (https://hyperliquid.gitbook.io/hyperliquid-docs/for-developers/api/rate-limits-and-user-limits).
 *
 * Why not `@nktkas/hyperliquid` (issue 14 asked to use it for transport and types if it fits
 * Workers and the error model; evaluated at 0.33.3): it installs without install scripts (four
 * dependencies: valibot, decimal.js, @noble/hashes, @nktkas/rews) and its `HttpTransport` takes
 * an AbortSignal and a timeout, but it does not fit here:
 * - its transport calls the global `fetch`, with no way to pass one: stacklens injects the fetch
 *   of a venue (`VenueRuntime.fetchFn`: tests, the fault proxy, a Worker's bound fetch);
 * - its `HttpRequestError` message carries up to 1,024 characters of the upstream body and the
 *   error keeps the request payload, while stacklens never echoes an upstream body or URL
 *   (src/chains/redact.ts, ./errors.ts): every error would have to be re-made from the status,
 *   which is all this client does, and the 429 backoff with `Retry-After` stays ours either way;
 * - it validates requests only (valibot); answers are TypeScript types, not checked at runtime,
 *   so the zod schemas of ./schemas.ts (a malformed field is a 502 naming it) stay needed, and a
 *   second schema library would ship beside zod;
 * - an InfoClient with the three methods read here (clearinghouseState, perpDexs, meta) bundles
 *   to 6.2 KiB gzip (its HttpTransport alone 1.4 KiB; esbuild --minify), against a Worker bundle
 *   at ~240 of its 250 KiB budget (test/worker/bundle-size.test.ts), for no behaviour gained;
 * - it declares `engines.node >= 22.12`, and stacklens supports Node >= 20.
 * Its request and answer types were used as a cross-check of ./schemas.ts (perpDexs: `null` for
 * the first dex, then `{ name, ... }`; meta: `universe[].marginTableId`, `marginTables` as
 * `[id, { description, marginTiers: [{ lowerBound, maxLeverage }] }]`, `collateralToken`).
 */
import type { z } from 'zod'
import type { Address } from '../../core/address.js'
import { HyperliquidError } from './errors.js'
import {
  type ClearinghouseState,
  clearinghouseStateSchema,
  metaSchema,
  type PerpDexs,
  type PerpMeta,
  perpDexsSchema,
} from './schemas.js'

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
  /** The perp dex: omitted or "" for the first (default) dex, else a HIP-3 dex name (`perpDexs`). */
  dex?: string
}

/**
 * A user's perp account on one perp dex: `POST /info {"type":"clearinghouseState","user","dex"?}`
 * (`dex` sent only for a HIP-3 dex), validated with {@link clearinghouseStateSchema}. Errors as in
 * {@link postInfo}.
 */
export function fetchClearinghouseState(params: FetchClearinghouseStateParams): Promise<ClearinghouseState> {
  const { user, dex, ...options } = params
  // The API expects the 42-character hex address, lowercase in its examples.
  return postInfo(
    { type: 'clearinghouseState', user: user.toLowerCase(), ...(dex ? { dex } : {}) },
    clearinghouseStateSchema,
    options,
  )
}

/**
 * Every perp dex: `POST /info {"type":"perpDexs"}` (Hyperliquid docs, Info endpoint →
 * Perpetuals → "Retrieve all perpetual dexs"), validated with {@link perpDexsSchema}: `null`
 * for the first dex, then the HIP-3 dexes. Errors as in {@link postInfo}.
 */
export function fetchPerpDexs(options: HyperliquidRequestOptions = {}): Promise<PerpDexs> {
  return postInfo({ type: 'perpDexs' }, perpDexsSchema, options)
}

/** Params of {@link fetchMeta}. */
export interface FetchMetaParams extends HyperliquidRequestOptions {
  /** The perp dex: omitted or "" for the first dex, else a HIP-3 dex name. */
  dex?: string
}

/**
 * A perp dex's universe and margin tables: `POST /info {"type":"meta","dex"?}` (Hyperliquid
 * docs, "Retrieve perpetuals metadata (universe and margin tables)"), validated with
 * {@link metaSchema}. Errors as in {@link postInfo}.
 */
export function fetchMeta(params: FetchMetaParams = {}): Promise<PerpMeta> {
  const { dex, ...options } = params
  return postInfo({ type: 'meta', ...(dex ? { dex } : {}) }, metaSchema, options)
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
