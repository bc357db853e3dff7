import type { ErrorCode } from '../core/errors.js'
import { ErrorSchema } from './schemas.js'

/** HTTP status of each error code: 4xx for bad input, 502/503 for upstream faults. */
export const STATUS_OF: Record<ErrorCode, 400 | 401 | 403 | 404 | 405 | 413 | 429 | 500 | 502 | 503 | 504> = {
  INVALID_ADDRESS: 400,
  INVALID_BLOCK: 400,
  INVALID_REQUEST: 400,
  PAYLOAD_TOO_LARGE: 413,
  UNKNOWN_CHAIN: 400,
  CHAIN_NOT_CONFIGURED: 400,
  BLOCK_OUT_OF_RANGE: 400,
  NOT_FOUND: 404,
  DEVCHAIN_NOT_RUNNING: 404,
  RPC_UNAVAILABLE: 503,
  RPC_ERROR: 502,
  RPC_BLOCK_MISMATCH: 502,
  UPSTREAM_TIMEOUT: 504,
  LOG_RANGE_TOO_LARGE: 400,
  LOG_BUDGET_EXCEEDED: 503,
  NOT_DEPLOYED_AT_BLOCK: 404,
  PROTOCOL_LAYOUT_MISMATCH: 502,
  PROTOCOL_MODEL_MISMATCH: 502,
  PROTOCOL_READ_FAILED: 502,
  PRICE_UNAVAILABLE: 502,
  DEVCHAIN_FAILED: 500,
  /** A STACKLENS_CONFIG file that cannot be used: raised at start, never by a request. */
  CONFIG_INVALID: 503,
  METHOD_NOT_ALLOWED: 405,
  RATE_LIMITED: 429,
  BUSY: 429,
  OPTION_EXPIRED: 400,
  /** No or unknown API key on a route that needs one (`/v1/watches*`). */
  UNAUTHORIZED: 401,
  /** A per-key limit (watches per key, targets per watch) would be exceeded. */
  LIMIT_EXCEEDED: 403,
  /** The RPC node cannot serve state that old (not an archive node): the upstream's limit. */
  ARCHIVE_STATE_UNAVAILABLE: 502,
  INTERNAL: 500,
}

/** The error body every endpoint returns. */
export function errorBody(code: string, message: string) {
  return { error: { code, message } }
}

/** An error response of the OpenAPI document. */
export const jsonError = (description: string) => ({
  content: { 'application/json': { schema: ErrorSchema } },
  description,
})

/** A 429 of the OpenAPI document (rate limit or full work queue; `Retry-After` says when to retry). */
export const tooManyRequests = {
  ...jsonError(
    'Too many requests from this client (RATE_LIMITED) or the server is busy (BUSY); see Retry-After',
  ),
  headers: {
    'Retry-After': { description: 'Seconds to wait before retrying', schema: { type: 'integer' as const } },
  },
}

/** The upstream error responses of a route that reads chains (502, 503, 504). */
export const upstreamErrors = {
  502: jsonError('An upstream (RPC, venue) answered with an error, or answered from another block'),
  503: jsonError('An upstream is unreachable or rate-limited us, or the log budget was exhausted'),
  504: jsonError('The request deadline passed before an upstream answered (UPSTREAM_TIMEOUT)'),
}
