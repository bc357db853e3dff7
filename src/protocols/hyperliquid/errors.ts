/** Errors of the Hyperliquid adapter. */
import { BaseError, type ErrorCode } from '../../core/errors.js'

/**
 * Every error of this adapter: a stable code and `{ protocol: "hyperliquid", venue:
 * "hyperliquid" }` context. PROTOCOL_READ_FAILED (502) for venue errors and malformed payloads,
 * RPC_UNAVAILABLE (503) for an unreachable or rate-limiting venue.
 */
export class HyperliquidError extends BaseError {
  override name = 'HyperliquidError'
  constructor(code: ErrorCode, message: string, cause?: unknown) {
    super(code, message, { cause, context: { protocol: 'hyperliquid', venue: 'hyperliquid' } })
  }
}
