/**
 * Stable error codes. Every error stacklens raises on purpose carries one of these; the API maps
 * each code to an HTTP status in one place (`src/api/errors.ts`).
 */
export type ErrorCode =
  | 'INVALID_ADDRESS'
  | 'INVALID_BLOCK'
  | 'INVALID_REQUEST'
  | 'PAYLOAD_TOO_LARGE'
  | 'UNKNOWN_CHAIN'
  | 'CHAIN_NOT_CONFIGURED'
  | 'BLOCK_OUT_OF_RANGE'
  | 'NOT_FOUND'
  | 'DEVCHAIN_NOT_RUNNING'
  | 'RPC_UNAVAILABLE'
  | 'RPC_ERROR'
  | 'PROTOCOL_LAYOUT_MISMATCH'
  | 'PROTOCOL_MODEL_MISMATCH'
  | 'PROTOCOL_READ_FAILED'
  | 'PRICE_UNAVAILABLE'
  | 'DEVCHAIN_FAILED'
  | 'INTERNAL'

/** Typed context attached to an error: where it happened. */
export interface ErrorContext {
  chain?: string
  protocol?: string
  market?: string
  [key: string]: string | number | boolean | undefined
}

/** Options of {@link BaseError}. */
export interface BaseErrorOptions {
  cause?: unknown
  context?: ErrorContext
}

/**
 * The one base class of every stacklens error: a stable `code`, a human message that can be
 * shown to a user as is, and typed context. Never carries a stack trace to API clients.
 */
export class BaseError extends Error {
  override name = 'StacklensError'
  readonly code: ErrorCode
  readonly context: ErrorContext

  constructor(code: ErrorCode, message: string, options: BaseErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause })
    this.code = code
    this.context = options.context ?? {}
  }
}

/** A wallet address that is not a 20-byte hex address. */
export class InvalidAddressError extends BaseError {
  override name = 'InvalidAddressError'
  constructor(value: string, why = 'expected 0x followed by 40 hex digits') {
    super('INVALID_ADDRESS', `"${truncate(value)}" is not a valid EVM address (${why})`)
  }
}

/** A block parameter that is not a non-negative integer. */
export class InvalidBlockError extends BaseError {
  override name = 'InvalidBlockError'
  constructor(value: string) {
    super(
      'INVALID_BLOCK',
      `"${truncate(value)}" is not a block number (expected a non-negative decimal integer)`,
    )
  }
}

/** A block number above the chain head. */
export class BlockOutOfRangeError extends BaseError {
  override name = 'BlockOutOfRangeError'
  constructor(chain: string, block: bigint, cause?: unknown) {
    super(
      'BLOCK_OUT_OF_RANGE',
      `block ${block} is not available on chain "${chain}" (it is above the chain head)`,
      {
        cause,
        context: { chain },
      },
    )
  }
}

/** A chain key stacklens does not know. */
export class UnknownChainError extends BaseError {
  override name = 'UnknownChainError'
  constructor(value: string, known: readonly string[]) {
    super('UNKNOWN_CHAIN', `unknown chain "${truncate(value)}"; known chains: ${known.join(', ')}`)
  }
}

/** A known chain for which this deployment has no RPC configured. */
export class ChainNotConfiguredError extends BaseError {
  override name = 'ChainNotConfiguredError'
  constructor(chain: string, configured: readonly string[], hint: string) {
    super(
      'CHAIN_NOT_CONFIGURED',
      `chain "${chain}" is not configured on this server (${hint}); configured chains: ${
        configured.length > 0 ? configured.join(', ') : 'none'
      }`,
      { context: { chain } },
    )
  }
}

/** The RPC endpoint could not be reached (connection refused, timeout, DNS). */
export class RpcUnavailableError extends BaseError {
  override name = 'RpcUnavailableError'
  constructor(chain: string, cause?: unknown) {
    super('RPC_UNAVAILABLE', `the RPC endpoint of chain "${chain}" is unreachable; try again later`, {
      cause,
      context: { chain },
    })
  }
}

/** The RPC endpoint answered with an error or an unusable payload. */
export class RpcError extends BaseError {
  override name = 'RpcError'
  constructor(chain: string, detail: string, cause?: unknown) {
    super(
      'RPC_ERROR',
      `the RPC endpoint of chain "${chain}" answered with an error: ${truncate(detail, 200)}`,
      {
        cause,
        context: { chain },
      },
    )
  }
}

/**
 * The contract answered in a layout other than the one the adapter decodes (for instance an
 * Aave UiPoolDataProvider of another version). Raised instead of decoding garbage.
 */
export class ProtocolLayoutMismatchError extends BaseError {
  override name = 'ProtocolLayoutMismatchError'
  constructor(message: string, context: ErrorContext, cause?: unknown) {
    super('PROTOCOL_LAYOUT_MISMATCH', message, { context, cause })
  }
}

/**
 * The adapter's own recomputation of a protocol value disagrees with the protocol's on-chain
 * value: the model does not fit this deployment, so its derived numbers are withheld.
 */
export class ProtocolModelMismatchError extends BaseError {
  override name = 'ProtocolModelMismatchError'
  constructor(message: string, context: ErrorContext) {
    super('PROTOCOL_MODEL_MISMATCH', message, { context })
  }
}

function truncate(value: string, max = 80): string {
  return value.length > max ? `${value.slice(0, max)}…` : value
}
