/**
 * GMX v2's oracle prices over HTTP: the keeper's tickers endpoint
 * (`https://<network>-api.gmxinfra.io/prices/tickers`), which the GMX interface polls. Each
 * ticker is `{ tokenAddress, tokenSymbol, minPrice, maxPrice, updatedAt, timestamp }` with prices
 * as decimal strings in GMX units (USD, 30 decimals, per RAW token unit), `updatedAt` in unix
 * milliseconds and `timestamp` in unix seconds. Validated with zod; a payload in another shape
 * is a coded PRICE_UNAVAILABLE error (HTTP 502) naming GMX, never a crash or a zero price.
 */
import { z } from 'zod'
import { BaseError, type ErrorContext } from '../../core/errors.js'
import type { GmxPrice } from './math.js'

const uintString = z.string().regex(/^\d{1,78}$/, 'expected a non-negative integer as a decimal string')

/** One ticker of GMX's `/prices/tickers` payload. */
export const gmxTickerSchema = z.object({
  tokenAddress: z.string().regex(/^0x[0-9a-fA-F]{40}$/, 'expected a 20-byte hex address'),
  tokenSymbol: z.string().min(1),
  /** USD, 30 decimals, per raw token unit. */
  minPrice: uintString,
  /** USD, 30 decimals, per raw token unit. */
  maxPrice: uintString,
  /** Unix milliseconds. */
  updatedAt: z.number().int().nonnegative(),
  /** Unix seconds (absent in some older payloads). */
  timestamp: z.number().int().nonnegative().optional(),
})

/** GMX's `/prices/tickers` payload: an array of tickers. */
export const gmxTickersSchema = z.array(gmxTickerSchema)

/** A parsed ticker. */
export type GmxTicker = z.infer<typeof gmxTickerSchema>

/** Prices of one network by lower-cased token address. */
export interface GmxOraclePrices {
  /** Token (lower-case) -> min/max price, GMX units. */
  prices: Map<string, GmxPrice & { symbol: string; updatedAt: number }>
  /** Newest `updatedAt` of the payload, unix ms. */
  updatedAt: number
}

/** GMX's oracle HTTP service failed or answered in another shape (HTTP 502). */
export class GmxPriceError extends BaseError {
  override name = 'GmxPriceError'
  constructor(message: string, context: ErrorContext = {}, cause?: unknown) {
    super('PRICE_UNAVAILABLE', `GMX oracle prices: ${message}`, {
      context: { protocol: 'gmx-v2', ...context },
      ...(cause === undefined ? {} : { cause }),
    })
  }
}

/** Official GMX tickers endpoints. */
export const GMX_TICKERS_URL = {
  arbitrum: 'https://arbitrum-api.gmxinfra.io/prices/tickers',
  avalanche: 'https://avalanche-api.gmxinfra.io/prices/tickers',
} as const

/**
 * Validates a tickers payload (already JSON-parsed) into prices. Throws {@link GmxPriceError}
 * naming the first bad field; a ticker with min > max or a zero price is rejected too.
 */
export function parseGmxTickers(payload: unknown, context: ErrorContext = {}): GmxOraclePrices {
  const parsed = gmxTickersSchema.safeParse(payload)
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!
    const where = issue.path.length > 0 ? issue.path.join('.') : 'payload'
    throw new GmxPriceError(`malformed tickers payload at ${where}: ${issue.message}`, context)
  }
  const prices: GmxOraclePrices['prices'] = new Map()
  let updatedAt = 0
  for (const [i, t] of parsed.data.entries()) {
    const min = BigInt(t.minPrice)
    const max = BigInt(t.maxPrice)
    if (min === 0n || min > max) {
      throw new GmxPriceError(`malformed tickers payload at ${i}: minPrice ${min} / maxPrice ${max}`, context)
    }
    prices.set(t.tokenAddress.toLowerCase(), { min, max, symbol: t.tokenSymbol, updatedAt: t.updatedAt })
    if (t.updatedAt > updatedAt) updatedAt = t.updatedAt
  }
  return { prices, updatedAt }
}

/** Options of {@link fetchGmxTickers}. */
export interface FetchGmxTickersParams {
  url: string
  /** Injected fetch (tests, Workers); the global one by default. */
  fetchFn?: typeof fetch
  /** Milliseconds; 10 s by default. */
  timeoutMs?: number
  context?: ErrorContext
}

/** GETs and validates GMX's tickers. Throws {@link GmxPriceError} on HTTP errors, bad JSON or a bad payload. */
export async function fetchGmxTickers(params: FetchGmxTickersParams): Promise<GmxOraclePrices> {
  const { url, fetchFn = fetch, timeoutMs = 10_000, context = {} } = params
  let response: Response
  try {
    response = await fetchFn(url, {
      headers: { accept: 'application/json' },
      signal: AbortSignal.timeout(timeoutMs),
    })
  } catch (err) {
    throw new GmxPriceError(`request to ${url} failed`, context, err)
  }
  if (!response.ok) throw new GmxPriceError(`${url} answered HTTP ${response.status}`, context)
  let body: unknown
  try {
    body = await response.json()
  } catch (err) {
    throw new GmxPriceError(`${url} answered something that is not JSON`, context, err)
  }
  return parseGmxTickers(body, context)
}
