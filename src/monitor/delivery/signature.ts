/**
 * Webhook signatures, WebCrypto only (`crypto.subtle`), so the same code signs on Node and
 * Workers and verifies in receivers.
 *
 * Header: `Stacklens-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>`.
 * A receiver recomputes the HMAC over the timestamp, a dot and the raw request body (bytes as
 * received, before any JSON parsing), compares in constant time, and refuses a `t` older than its
 * tolerance (replay window).
 */

/** The signature header's name. */
export const SIGNATURE_HEADER = 'Stacklens-Signature'
/** The idempotency header's name (value: the alert id, the same on every retry). */
export const IDEMPOTENCY_HEADER = 'Stacklens-Idempotency-Key'
/** Default replay window of {@link verifySignature} (seconds). */
export const DEFAULT_SIGNATURE_TOLERANCE_SECONDS = 300

const encoder = new TextEncoder()

async function hmacKey(secret: string, usage: 'sign' | 'verify') {
  return crypto.subtle.importKey('raw', encoder.encode(secret), { name: 'HMAC', hash: 'SHA-256' }, false, [
    usage,
  ])
}

function toHex(bytes: ArrayBuffer): string {
  return [...new Uint8Array(bytes)].map((b) => b.toString(16).padStart(2, '0')).join('')
}

function fromHex(hex: string): Uint8Array | null {
  if (!/^(?:[0-9a-f]{2})+$/i.test(hex)) return null
  const out = new Uint8Array(hex.length / 2)
  for (let i = 0; i < out.length; i++) out[i] = Number.parseInt(hex.slice(i * 2, i * 2 + 2), 16)
  return out
}

/** Hex HMAC-SHA256 of `"<t>.<body>"` under `secret`. */
export async function signPayload(secret: string, timestampSeconds: number, body: string): Promise<string> {
  const key = await hmacKey(secret, 'sign')
  return toHex(await crypto.subtle.sign('HMAC', key, encoder.encode(`${timestampSeconds}.${body}`)))
}

/** The `Stacklens-Signature` header value for `body` signed at `timestampSeconds` (Unix seconds). */
export async function signatureHeader(
  secret: string,
  timestampSeconds: number,
  body: string,
): Promise<string> {
  return `t=${timestampSeconds},v1=${await signPayload(secret, timestampSeconds, body)}`
}

/**
 * Verifies a `Stacklens-Signature` header against the raw body: true when one `v1` is the HMAC of
 * `"<t>.<body>"` under `secret` (constant-time, through `crypto.subtle.verify`) and `t` is within
 * `toleranceSeconds` of `nowSeconds` (default: the clock).
 */
export async function verifySignature(
  secret: string,
  header: string | null | undefined,
  body: string,
  toleranceSeconds = DEFAULT_SIGNATURE_TOLERANCE_SECONDS,
  nowSeconds: number = Math.floor(Date.now() / 1000),
): Promise<boolean> {
  if (!header) return false
  let t: number | null = null
  const sigs: Uint8Array[] = []
  for (const part of header.split(',')) {
    const eq = part.indexOf('=')
    if (eq < 0) continue
    const k = part.slice(0, eq).trim()
    const v = part.slice(eq + 1).trim()
    if (k === 't' && /^\d{1,12}$/.test(v)) t = Number(v)
    else if (k === 'v1') {
      const bytes = fromHex(v)
      if (bytes && bytes.length === 32) sigs.push(bytes)
    }
  }
  if (t === null || sigs.length === 0) return false
  if (Math.abs(nowSeconds - t) > toleranceSeconds) return false
  const key = await hmacKey(secret, 'verify')
  const data = encoder.encode(`${t}.${body}`)
  for (const sig of sigs) {
    if (await crypto.subtle.verify('HMAC', key, sig, data)) return true
  }
  return false
}

/** A short hash of a response body (first 16 hex digits of its SHA-256): what a delivery keeps instead of the body. */
export async function shortBodyHash(body: Uint8Array): Promise<string> {
  return toHex(await crypto.subtle.digest('SHA-256', body)).slice(0, 16)
}
