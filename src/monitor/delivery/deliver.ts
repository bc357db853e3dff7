/**
 * Webhook delivery: claims due deliveries from the store, POSTs each alert as signed JSON to its
 * target, and records the attempt (delivered on a 2xx; otherwise retried with exponential backoff
 * and full jitter, `dead` after `maxAttempts`). Only the response status and a short hash of the
 * response body are kept, never the body. WebCrypto and `fetch` only: the same code runs on Node
 * and on Workers.
 *
 * Request: `POST <target url>` with `Content-Type: application/json`,
 * `Stacklens-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>` and
 * `Stacklens-Idempotency-Key: <alert id>` (the same on every retry and every target), redirects not
 * followed (a 3xx is a failed attempt), each attempt bounded by `timeoutMs`.
 */
import type { Alert, Delivery, DueDelivery, MonitorStore, Watch, WatchRule, WebhookTarget } from '../types.js'
import { IDEMPOTENCY_HEADER, SIGNATURE_HEADER, shortBodyHash, signatureHeader } from './signature.js'
import { checkResolvedTarget, type HostResolver, type TargetPolicy } from './target-policy.js'

/**
 * A fetch that connects to `address` (an IP the policy accepted) whatever the URL's host resolves
 * to now, keeping the host name for the Host header and TLS (SNI, certificate check). Node:
 * `pinnedNodeFetch` (`pinned-fetch.ts`); Workers have none.
 */
export type PinnedFetch = (url: string, init: RequestInit, address: string) => Promise<Response>

/** Backoff of failed attempts: the n-th retry waits a uniform random time in [0, min(capMs, baseMs * 2^(n-1))). */
export interface RetryPolicy {
  /** First backoff window (ms). Default 10 000. */
  baseMs: number
  /** Largest backoff window (ms). Default 3 600 000 (1 h). */
  capMs: number
  /** Attempts before a delivery is `dead`. Default 8. */
  maxAttempts: number
}

/** The documented defaults of {@link RetryPolicy}: 10 s base, 1 h cap, 8 attempts. */
export const DEFAULT_RETRY: RetryPolicy = { baseMs: 10_000, capMs: 3_600_000, maxAttempts: 8 }
/** Default per-attempt timeout (ms), connection to end of the response body. */
export const DEFAULT_DELIVERY_TIMEOUT_MS = 10_000
/** Most response-body bytes read (and hashed) per attempt. */
export const DEFAULT_MAX_RESPONSE_BYTES = 64 * 1024

/**
 * The backoff (ms) after the `attempts`-th failed attempt (1-based), full jitter: `random()` in
 * [0, 1) times the window `min(capMs, baseMs * 2^(attempts-1))`, floored.
 */
export function backoffDelayMs(attempts: number, retry: RetryPolicy, random: () => number): number {
  const window = Math.min(retry.capMs, retry.baseMs * 2 ** Math.max(0, attempts - 1))
  return Math.floor(random() * window)
}

/** The JSON body of an alert delivery (`type: "alert"`) or of a test delivery (`type: "test"`). */
export interface WebhookPayload {
  type: 'alert' | 'test'
  /** The alert id; also the `Stacklens-Idempotency-Key` header. */
  id: string
  watchId: string
  chain: string
  /** The watched wallet, lower-case 0x address. */
  address: string
  /** Index of the rule in the watch's rules, and the rule. */
  ruleIndex: number
  rule: WatchRule | null
  /** The metric's value at the previous evaluation and at this one (float; null: not computable). */
  before: number | null
  after: number | null
  /** Block of the evaluation, decimal string. */
  block: string | null
  message: string
  positions: string[]
  /** `<publicBaseUrl>/?address=<address>&chain=<chain>`: the wallet in the dashboard. */
  dashboardUrl: string
  /** When the alert fired, ISO 8601. */
  createdAt: string
}

/** The dashboard link of a wallet on a chain. */
export function dashboardUrlOf(publicBaseUrl: string, address: string, chain: string): string {
  const base = publicBaseUrl.replace(/\/+$/, '')
  return `${base}/?address=${encodeURIComponent(address)}&chain=${encodeURIComponent(chain)}`
}

/** The payload of an alert for the watch of `address`. */
export function alertPayload(alert: Alert, address: string, publicBaseUrl: string): WebhookPayload {
  return {
    type: 'alert',
    id: alert.id,
    watchId: alert.watchId,
    chain: alert.chain,
    address,
    ruleIndex: alert.ruleIndex,
    rule: alert.rule,
    before: alert.before,
    after: alert.after,
    block: alert.block.toString(),
    message: alert.message,
    positions: alert.positions ?? [],
    dashboardUrl: dashboardUrlOf(publicBaseUrl, address, alert.chain),
    createdAt: new Date(alert.createdAt).toISOString(),
  }
}

/** Options shared by {@link deliverDue} and {@link sendTestDelivery}. */
export interface PostOptions {
  /** The fetch to use (default: the global one). */
  fetchFn?: typeof fetch
  /** The clock (Unix ms). Default `Date.now`. */
  now?: () => number
  /** The outbound policy, checked again before every attempt. */
  policy: TargetPolicy
  /** Resolves host names for the policy (Node: `resolveHostNode`); null: literal hosts only (Workers). */
  resolveHost?: HostResolver | null
  /**
   * Connects to the address the policy checked instead of letting `fetchFn` resolve the host again
   * (Node: `pinnedNodeFetch`), so a rebinding resolver cannot swap in a refused address between
   * the check and the connection. Used whenever the check resolved the host; without it the
   * delivery falls back to `fetchFn` (Workers: Cloudflare's egress, see src/worker.ts).
   */
  pinnedFetch?: PinnedFetch
  /** The deployment's public URL, for the payload's dashboard link. */
  publicBaseUrl: string
  /** Per-attempt timeout (ms). Default {@link DEFAULT_DELIVERY_TIMEOUT_MS}. */
  timeoutMs?: number
  /** Most response-body bytes read and hashed. Default {@link DEFAULT_MAX_RESPONSE_BYTES}. */
  maxResponseBytes?: number
}

/** Options of {@link deliverDue}. */
export interface DeliverOptions extends PostOptions {
  /** Backoff and attempts (defaults {@link DEFAULT_RETRY}). */
  retry?: Partial<RetryPolicy>
  /** Uniform [0, 1) source of the jitter. Default `Math.random`. */
  random?: () => number
  /** Most deliveries claimed per call. Default 100. */
  limit?: number
  /** How long a claimed delivery is withheld from other deliverers (ms). Default 2 × timeout + 30 s. */
  leaseMs?: number
  /** Attempts in flight at once. Default 8. */
  concurrency?: number
  /** Called after each attempt (logging, the CLI's output). */
  onAttempt?: (event: AttemptEvent) => void
}

/** One attempt's result. */
export interface AttemptResult {
  /** True on a 2xx. */
  ok: boolean
  /** The HTTP status, or 0 for a refused target, a network error or a timeout. */
  status: number
  /** Short hash of the response body (first 16 hex of its SHA-256, at most `maxResponseBytes` read). */
  bodyHash?: string
  /** Short failure code: `http`, `redirect`, `timeout`, `network`, `refused-target`. */
  error?: 'http' | 'redirect' | 'timeout' | 'network' | 'refused-target'
  /** The policy's reason for a refused target. */
  reason?: string
}

/** What {@link AttemptEvent} reports after an attempt. */
export interface AttemptEvent {
  delivery: Delivery
  alert: Alert
  result: AttemptResult
}

/** Counts of one {@link deliverDue} call. */
export interface DeliverySummary {
  attempted: number
  delivered: number
  retrying: number
  dead: number
}

async function readCapped(res: Response, max: number): Promise<Uint8Array> {
  const body = res.body
  if (!body) return new Uint8Array(await res.arrayBuffer()).slice(0, max)
  const reader = body.getReader()
  const chunks: Uint8Array[] = []
  let size = 0
  try {
    while (size < max) {
      const { done, value } = await reader.read()
      if (done) break
      chunks.push(value)
      size += value.byteLength
    }
  } finally {
    if (size >= max) await reader.cancel().catch(() => {})
    reader.releaseLock()
  }
  const out = new Uint8Array(Math.min(size, max))
  let off = 0
  for (const c of chunks) {
    const take = c.subarray(0, Math.min(c.byteLength, out.length - off))
    out.set(take, off)
    off += take.byteLength
    if (off >= out.length) break
  }
  return out
}

/**
 * POSTs one signed JSON body to a target (policy checked first, with DNS on Node, the connection
 * then pinned to the checked address when `pinnedFetch` is given), redirects not followed, bounded
 * by the timeout. Never throws: failures are in the result.
 */
export async function postWebhook(
  target: WebhookTarget,
  body: string,
  idempotencyKey: string,
  options: PostOptions,
): Promise<AttemptResult> {
  const verdict = await checkResolvedTarget(target.url, options.policy, options.resolveHost ?? null)
  if (!verdict.ok) return { ok: false, status: 0, error: 'refused-target', reason: verdict.reason }
  const now = options.now ?? Date.now
  const fetchFn = options.fetchFn ?? fetch
  const timeoutMs = options.timeoutMs ?? DEFAULT_DELIVERY_TIMEOUT_MS
  const controller = new AbortController()
  const timer = setTimeout(() => controller.abort(), timeoutMs)
  try {
    const t = Math.floor(now() / 1000)
    const init: RequestInit = {
      method: 'POST',
      headers: {
        'Content-Type': 'application/json',
        'User-Agent': 'stacklens-webhook/1',
        [SIGNATURE_HEADER]: await signatureHeader(target.secret, t, body),
        [IDEMPOTENCY_HEADER]: idempotencyKey,
      },
      body,
      redirect: 'manual',
      signal: controller.signal,
    }
    const pinned = verdict.addresses?.[0]
    const res =
      pinned !== undefined && options.pinnedFetch
        ? await options.pinnedFetch(verdict.url.href, init, pinned)
        : await fetchFn(verdict.url.href, init)
    const bytes = await readCapped(res, options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES)
    const bodyHash = await shortBodyHash(bytes)
    if (res.status >= 200 && res.status < 300) return { ok: true, status: res.status, bodyHash }
    const redirect = res.type === 'opaqueredirect' || (res.status >= 300 && res.status < 400)
    return { ok: false, status: res.status, bodyHash, error: redirect ? 'redirect' : 'http' }
  } catch {
    return { ok: false, status: 0, error: controller.signal.aborted ? 'timeout' : 'network' }
  } finally {
    clearTimeout(timer)
  }
}

/** The delivery after an attempt: delivered, pending with its next time, or dead. */
export function nextDeliveryState(
  d: Delivery,
  result: AttemptResult,
  now: number,
  retry: RetryPolicy,
  random: () => number,
): Delivery {
  const attempts = d.attempts + 1
  const base = {
    id: d.id,
    alertId: d.alertId,
    targetIndex: d.targetIndex,
    attempts,
    lastStatus: result.status,
    ...(result.bodyHash === undefined ? {} : { lastBodyHash: result.bodyHash }),
    ...(result.error === undefined ? {} : { lastError: result.error }),
    updatedAt: now,
  }
  if (result.ok) return { ...base, status: 'delivered', nextAttemptAt: null }
  if (attempts >= retry.maxAttempts) return { ...base, status: 'dead', nextAttemptAt: null }
  return { ...base, status: 'pending', nextAttemptAt: now + backoffDelayMs(attempts, retry, random) }
}

/**
 * Delivers what is due: claims up to `limit` due deliveries (leased so a concurrent deliverer
 * skips them), sends each, records each attempt. Returns the counts.
 */
export async function deliverDue(store: MonitorStore, options: DeliverOptions): Promise<DeliverySummary> {
  const now = options.now ?? Date.now
  const random = options.random ?? Math.random
  const retry: RetryPolicy = { ...DEFAULT_RETRY, ...options.retry }
  const timeoutMs = options.timeoutMs ?? DEFAULT_DELIVERY_TIMEOUT_MS
  const due = await store.claimDueDeliveries(
    now(),
    options.limit ?? 100,
    options.leaseMs ?? 2 * timeoutMs + 30_000,
  )
  const summary: DeliverySummary = { attempted: 0, delivered: 0, retrying: 0, dead: 0 }
  let next = 0
  const worker = async () => {
    while (next < due.length) {
      const item = due[next++] as DueDelivery
      const body = JSON.stringify(alertPayload(item.alert, item.address, options.publicBaseUrl))
      const result = await postWebhook(item.target, body, item.alert.id, options)
      const updated = nextDeliveryState(item.delivery, result, now(), retry, random)
      await store.recordAttempt(updated)
      summary.attempted++
      if (updated.status === 'delivered') summary.delivered++
      else if (updated.status === 'dead') summary.dead++
      else summary.retrying++
      options.onAttempt?.({ delivery: updated, alert: item.alert, result })
    }
  }
  await Promise.all(Array.from({ length: Math.max(1, options.concurrency ?? 8) }, worker))
  return summary
}

/** The result of a test delivery to one target. */
export interface TestDeliveryResult extends AttemptResult {
  targetIndex: number
}

/**
 * Sends a signed test payload (`type: "test"`, a fresh `test_` id) to every target of a watch,
 * once, without storing anything; for `stacklens watch test` and `POST /v1/watches/{id}/test`.
 */
export async function sendTestDelivery(watch: Watch, options: PostOptions): Promise<TestDeliveryResult[]> {
  const now = options.now ?? Date.now
  const id = `test_${[...crypto.getRandomValues(new Uint8Array(10))].map((b) => b.toString(16).padStart(2, '0')).join('')}`
  const chain = watch.chains[0] ?? 'local'
  const payload: WebhookPayload = {
    type: 'test',
    id,
    watchId: watch.id,
    chain,
    address: watch.address,
    ruleIndex: -1,
    rule: null,
    before: null,
    after: null,
    block: null,
    message: `stacklens test delivery for watch ${watch.id}`,
    positions: [],
    dashboardUrl: dashboardUrlOf(options.publicBaseUrl, watch.address, chain),
    createdAt: new Date(now()).toISOString(),
  }
  const body = JSON.stringify(payload)
  return Promise.all(
    watch.webhooks.map(async (target, targetIndex) => ({
      targetIndex,
      ...(await postWebhook(target, body, id, options)),
    })),
  )
}
