/**
 * API keys and ids of monitoring. A key is `sk_` + 32 random bytes in base64url (43 chars); only
 * its SHA-256 (hex) is stored. Ids are a prefix + random base32 (`k_` 16 chars, `w_` 20 chars).
 * WebCrypto only: runs on Node and Workers.
 */
import type { ApiKeyRecord, MonitorStore } from './types.js'

/** Default per-key limits of `stacklens keys create`. */
export const DEFAULT_KEY_LIMITS = { maxWatches: 100, maxTargetsPerWatch: 5 } as const

const BASE32 = 'abcdefghijklmnopqrstuvwxyz234567'

/** `n` random base32 characters (5 bits each, from `crypto.getRandomValues`). */
export function randomBase32(n: number): string {
  const bytes = crypto.getRandomValues(new Uint8Array(n))
  let out = ''
  for (const b of bytes) out += BASE32[b & 31]
  return out
}

function base64url(bytes: Uint8Array): string {
  let bin = ''
  for (const b of bytes) bin += String.fromCharCode(b)
  return btoa(bin).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '')
}

/** A fresh API key string: `sk_` + base64url of 32 random bytes. */
export function generateApiKey(): string {
  return `sk_${base64url(crypto.getRandomValues(new Uint8Array(32)))}`
}

/** Shape of a key string (what the auth middleware accepts before hashing). */
export const API_KEY_PATTERN = /^sk_[A-Za-z0-9_-]{43}$/

/** Hex SHA-256 of a key string: what the store keeps and looks up. */
export async function hashApiKey(key: string): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(key))
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('')
}

/** A new key id (`k_` + 16 base32 chars). */
export const newKeyId = () => `k_${randomBase32(16)}`
/** A new watch id (`w_` + 20 base32 chars). */
export const newWatchId = () => `w_${randomBase32(20)}`

/** Params of {@link createApiKey}. */
export interface CreateApiKeyParams {
  label?: string
  maxWatches?: number
  maxTargetsPerWatch?: number
  /** Unix ms. Default `Date.now()`. */
  now?: number
}

/** A new key and its record, not stored yet (see {@link createApiKey}, {@link apiKeyInsertSql}). */
export async function newApiKey(
  params: CreateApiKeyParams = {},
): Promise<{ key: string; record: ApiKeyRecord }> {
  const key = generateApiKey()
  const record: ApiKeyRecord = {
    id: newKeyId(),
    hash: await hashApiKey(key),
    ...(params.label === undefined ? {} : { label: params.label }),
    maxWatches: params.maxWatches ?? DEFAULT_KEY_LIMITS.maxWatches,
    maxTargetsPerWatch: params.maxTargetsPerWatch ?? DEFAULT_KEY_LIMITS.maxTargetsPerWatch,
    createdAt: params.now ?? Date.now(),
  }
  return { key, record }
}

/** Creates and stores a key; returns the key string (shown once, never stored) and its record. */
export async function createApiKey(
  store: MonitorStore,
  params: CreateApiKeyParams = {},
): Promise<{ key: string; record: ApiKeyRecord }> {
  const created = await newApiKey(params)
  await store.createKey(created.record)
  return created
}

/** A SQL string literal (single quotes doubled). */
const sqlText = (v: string) => `'${v.replaceAll("'", "''")}'`

/**
 * The one SQLite statement that stores `record` in the `api_keys` table of the store's schema
 * (src/monitor/store/migrations.ts), literals inlined: what an admin runs against a Workers
 * deployment's D1 (`wrangler d1 execute stacklens --remote --command "<it>"`), where no
 * `stacklens` process can open the database. Only the key's SHA-256 appears in it.
 */
export function apiKeyInsertSql(record: ApiKeyRecord): string {
  const int = (n: number) => {
    if (!Number.isSafeInteger(n)) throw new RangeError(`not an integer: ${n}`)
    return String(n)
  }
  return `INSERT INTO api_keys (id, hash, label, max_watches, max_targets_per_watch, created_at, revoked_at) VALUES (${[
    sqlText(record.id),
    sqlText(record.hash),
    record.label === undefined ? 'NULL' : sqlText(record.label),
    int(record.maxWatches),
    int(record.maxTargetsPerWatch),
    int(record.createdAt),
    record.revokedAt === undefined ? 'NULL' : int(record.revokedAt),
  ].join(', ')});`
}
