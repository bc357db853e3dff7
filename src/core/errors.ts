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
  | 'RPC_BLOCK_MISMATCH'
  | 'UPSTREAM_TIMEOUT'
  | 'LOG_RANGE_TOO_LARGE'
  | 'LOG_BUDGET_EXCEEDED'
  | 'NOT_DEPLOYED_AT_BLOCK'
  | 'PROTOCOL_LAYOUT_MISMATCH'
  | 'PROTOCOL_MODEL_MISMATCH'
  | 'PROTOCOL_READ_FAILED'
  | 'PRICE_UNAVAILABLE'
  | 'DEVCHAIN_FAILED'
  | 'CONFIG_INVALID'
  | 'METHOD_NOT_ALLOWED'
  | 'RATE_LIMITED'
  | 'BUSY'
  | 'OPTION_EXPIRED'
  | 'UNAUTHORIZED'
  | 'LIMIT_EXCEEDED'
  | 'ARCHIVE_STATE_UNAVAILABLE'
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

/** Options of {@link BlockOutOfRangeError}. */
export interface BlockOutOfRangeErrorOptions {
  /** The chain head when it was read (block number), so the message can say it. */
  head?: bigint
  cause?: unknown
}

/** A block number above the chain head. */
export class BlockOutOfRangeError extends BaseError {
  override name = 'BlockOutOfRangeError'
  /** The chain head at the time of the check, when known. */
  readonly head: bigint | undefined
  constructor(chain: string, block: bigint, options: BlockOutOfRangeErrorOptions = {}) {
    super(
      'BLOCK_OUT_OF_RANGE',
      `block ${block} is not available on chain "${chain}" (it is above the chain head${
        options.head === undefined ? '' : `, block ${options.head}`
      })`,
      {
        cause: options.cause,
        context: {
          chain,
          block: block.toString(),
          ...(options.head === undefined ? {} : { head: options.head.toString() }),
        },
      },
    )
    this.head = options.head
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

/** The RPC endpoint could not be reached (connection refused, timeout, DNS, HTTP 429/5xx). */
export class RpcUnavailableError extends BaseError {
  override name = 'RpcUnavailableError'
  /** @param call The failing JSON-RPC call, e.g. "eth_call (Multicall3.aggregate3)". */
  constructor(chain: string, cause?: unknown, call?: string) {
    super(
      'RPC_UNAVAILABLE',
      `the RPC endpoint of chain "${chain}" is unreachable${call ? ` (${call})` : ''}; try again later`,
      { cause, context: { chain, ...(call ? { call } : {}) } },
    )
  }
}

/**
 * The RPC endpoint answered with an error or an unusable payload. `detail` must already be free
 * of secrets (RPC URLs redacted to their host, see `src/chains/redact.ts`).
 */
export class RpcError extends BaseError {
  override name = 'RpcError'
  /** @param call The failing JSON-RPC call, e.g. "eth_getLogs". */
  constructor(chain: string, detail: string, cause?: unknown, call?: string) {
    super(
      'RPC_ERROR',
      `the RPC endpoint of chain "${chain}" answered ${call ? `${call} ` : ''}with an error: ${truncate(detail, 200)}`,
      { cause, context: { chain, ...(call ? { call } : {}) } },
    )
  }
}

/**
 * The block number returned INSIDE a batch (Multicall3.getBlockNumber) is not the block the read
 * was pinned to: the node answered from another block, so nothing of that answer is served.
 * 502-class.
 */
export class RpcBlockMismatchError extends BaseError {
  override name = 'RpcBlockMismatchError'
  readonly pinned: bigint
  readonly returned: bigint
  constructor(chain: string, pinned: bigint, returned: bigint, call = 'eth_call (Multicall3.aggregate3)') {
    super(
      'RPC_BLOCK_MISMATCH',
      `the RPC endpoint of chain "${chain}" answered ${call} pinned to block ${pinned} from block ${returned}; the answer was discarded`,
      { context: { chain, call, pinned: pinned.toString(), returned: returned.toString() } },
    )
    this.pinned = pinned
    this.returned = returned
  }
}

/**
 * The request's deadline passed before an upstream call (retries included) answered. 504-class.
 */
export class UpstreamTimeoutError extends BaseError {
  override name = 'UpstreamTimeoutError'
  /**
   * @param upstream What was called, e.g. 'the RPC endpoint of chain "local"'.
   * @param call The pending call, e.g. "eth_getLogs".
   * @param timeoutMs The request's deadline budget, ms.
   */
  constructor(upstream: string, call: string, timeoutMs: number, context: ErrorContext = {}) {
    super(
      'UPSTREAM_TIMEOUT',
      `${upstream} did not answer ${call} within the request deadline (${timeoutMs} ms)`,
      { context: { ...context, call, timeoutMs } },
    )
  }
}

/**
 * A log enumeration would need more eth_getLogs requests or cover more blocks than the request's
 * limits allow. `LOG_RANGE_TOO_LARGE` (400-class): the range came from the request;
 * `LOG_BUDGET_EXCEEDED` (503-class): the configured history or the provider's range refusals
 * made it exceed the budget. Raised before the excess work, never after.
 */
export class LogBudgetExceededError extends BaseError {
  override name = 'LogBudgetExceededError'
  constructor(code: 'LOG_RANGE_TOO_LARGE' | 'LOG_BUDGET_EXCEEDED', chain: string, message: string) {
    super(code, `chain "${chain}": ${message}`, { context: { chain } })
  }
}

/**
 * A contract has no code at the block read (the block is before its deployment): the markets
 * that need it are `unavailable` at that block, the request itself is not an upstream fault.
 */
export class NotDeployedAtBlockError extends BaseError {
  override name = 'NotDeployedAtBlockError'
  constructor(
    chain: string,
    what: string,
    address: string,
    block: bigint | undefined,
    context: ErrorContext = {},
  ) {
    super(
      'NOT_DEPLOYED_AT_BLOCK',
      `${what} (${address}) has no code on chain "${chain}" at block ${
        block === undefined ? 'latest' : block
      }: the block is before its deployment`,
      {
        context: { chain, ...context, address, ...(block === undefined ? {} : { block: block.toString() }) },
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
