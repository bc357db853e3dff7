/**
 * Parsers of the query parameters: block numbers, price moves (`ETH:-0.3,BTC:-20%`), shock lists
 * (`-0.05,-0.1`), betas, unwind targets and bounded numbers. Every parser throws a coded
 * BaseError (INVALID_REQUEST unless said) naming the parameter and the bad item; the query
 * schemas (`./query-schemas.ts`) run them, and the CLI through them.
 */
import { BaseError, InvalidBlockError } from '../core/errors.js'
import type { UnwindTarget } from '../resolve/unwind.js'
import type { BetaTable } from '../risk/defaults.js'

/** The highest block number accepted (2^53 - 1: a JSON-safe integer). */
export const MAX_BLOCK = 2n ** 53n - 1n

/**
 * Parses a block number: a decimal integer of at most 16 digits, at most {@link MAX_BLOCK}.
 * @throws InvalidBlockError (INVALID_BLOCK).
 */
export function parseBlock(value: string): bigint {
  if (!/^\d{1,16}$/.test(value)) throw new InvalidBlockError(value)
  const n = BigInt(value)
  if (n > MAX_BLOCK) throw new InvalidBlockError(value)
  return n
}

/** Entries of a per-asset list parameter (vols, jumps), at most. */
export const MAX_ASSET_ENTRIES = 50

/**
 * A null-prototype record: a key such as `__proto__` or `constructor` is an ordinary (unknown)
 * name there, refused by the known-name checks, never the object's prototype.
 */
export function dict<T>(): Record<string, T> {
  return Object.create(null) as Record<string, T>
}

const MOVE_ITEM = /^([A-Za-z0-9.*_-]{1,32}):([+-]?\d+(?:\.\d+)?)(%?)$/

/** A relative move: "-0.3" or "-30%". */
function moveValue(raw: string, unit: string): number {
  const v = Number(raw)
  return unit === '%' ? v / 100 : v
}

/**
 * Parses `ETH:-0.3,BTC:-20%` into `{ ETH: -0.3, BTC: -0.2 }`. Moves must be in (-1, 10].
 * @param name the parameter's name, for messages.
 */
export function parseMoves(value: string, name: string): Record<string, number> {
  const out = dict<number>()
  const items = value.split(',')
  if (items.length > 20) throw new BaseError('INVALID_REQUEST', `${name}: at most 20 entries`)
  for (const item of items) {
    const m = MOVE_ITEM.exec(item.trim())
    if (!m) {
      throw new BaseError(
        'INVALID_REQUEST',
        `${name}: "${item}" is not ASSET:MOVE (e.g. ETH:-0.3 or ETH:-30%)`,
      )
    }
    const v = moveValue(m[2] as string, m[3] as string)
    if (!(v > -1 && v <= 10))
      throw new BaseError(
        'INVALID_REQUEST',
        `${name}: "${item}": a move must be above -100% and at most +1000%`,
      )
    const key = m[1] as string
    out[key === '*' || ['ETH', 'BTC', 'USD'].includes(key.toUpperCase()) ? key.toUpperCase() : key] = v
  }
  if ('USD' in out)
    throw new BaseError(
      'INVALID_REQUEST',
      `${name}: USD is the numeraire; depeg a stablecoin instead (depegs=USDC:-0.02)`,
    )
  return out
}

/** Parses `-0.05,-0.1,-20%` (each in (-1, 0]) into an ascending-magnitude list; at most `max`. */
export function parseShockList(value: string, name: string, max: number): number[] {
  const items = value.split(',')
  if (items.length > max) throw new BaseError('INVALID_REQUEST', `${name}: at most ${max} shocks`)
  return items.map((item) => {
    const m = /^(-?\d+(?:\.\d+)?)(%?)$/.exec(item.trim())
    const v = m ? moveValue(m[1] as string, m[2] as string) : Number.NaN
    if (!(v > -1 && v <= 0))
      throw new BaseError(
        'INVALID_REQUEST',
        `${name}: "${item}" is not a price fall in (-1, 0] (e.g. -0.1 or -10%)`,
      )
    return v
  })
}

/** Parses an integer in [min, max], or returns `fallback` when absent. */
export function parseIntParam(
  value: string | undefined,
  name: string,
  min: number,
  max: number,
  fallback: number,
): number {
  if (value === undefined || value === '') return fallback
  const n = /^\d{1,9}$/.test(value) ? Number(value) : Number.NaN
  if (!(n >= min && n <= max))
    throw new BaseError('INVALID_REQUEST', `${name}: "${value}" is not an integer between ${min} and ${max}`)
  return n
}

/** Parses a positive number in (0, max], or returns `fallback` when absent. */
export function parseNumberParam(
  value: string | undefined,
  name: string,
  max: number,
  fallback: number,
): number {
  if (value === undefined || value === '') return fallback
  const n = /^\d+(\.\d+)?$/.test(value) ? Number(value) : Number.NaN
  if (!(n > 0 && n <= max))
    throw new BaseError('INVALID_REQUEST', `${name}: "${value}" is not a number in (0, ${max}]`)
  return n
}

const JUMP_ITEM = /^([A-Za-z0-9._-]{1,32}):(\d+(?:\.\d+)?):(-?\d+(?:\.\d+)?):(\d+(?:\.\d+)?)$/

/**
 * Parses `ETH:2:-0.1:0.05` (asset : jumps per year : mean log jump : log jump volatility).
 * Intensity at most 365 a year, mean log jump in [-2, 2], its volatility at most 2.
 */
export function parseJumps(
  value: string,
): Record<string, { intensity: number; meanLog: number; volLog: number }> {
  const out = dict<{ intensity: number; meanLog: number; volLog: number }>()
  const items = value.split(',')
  if (items.length > MAX_ASSET_ENTRIES)
    throw new BaseError('INVALID_REQUEST', `jumps: at most ${MAX_ASSET_ENTRIES} entries`)
  for (const item of items) {
    const m = JUMP_ITEM.exec(item.trim())
    const [intensity, meanLog, volLog] = m ? [Number(m[2]), Number(m[3]), Number(m[4])] : [Number.NaN, 0, 0]
    if (!m || !(intensity <= 365 && Math.abs(meanLog) <= 2 && volLog <= 2)) {
      throw new BaseError(
        'INVALID_REQUEST',
        `jumps: "${item}" is not ASSET:PER_YEAR:MEAN_LOG:VOL_LOG within (365, ±2, 2), e.g. ETH:2:-0.1:0.05`,
      )
    }
    out[(m[1] as string).toUpperCase()] = { intensity, meanLog, volLog }
  }
  return out
}

/** Parses `ETH:0.8,BTC:60%` annual volatilities in (0, 5]. */
export function parseVolatilities(value: string): Record<string, number> {
  const out = dict<number>()
  const items = value.split(',')
  if (items.length > MAX_ASSET_ENTRIES)
    throw new BaseError('INVALID_REQUEST', `vols: at most ${MAX_ASSET_ENTRIES} entries`)
  for (const item of items) {
    const m = /^([A-Za-z0-9._-]{1,32}):(\d+(?:\.\d+)?)(%?)$/.exec(item.trim())
    const v = m ? moveValue(m[2] as string, m[3] as string) : Number.NaN
    if (!m || !(v > 0 && v <= 5))
      throw new BaseError(
        'INVALID_REQUEST',
        `vols: "${item}" is not ASSET:VOL with VOL in (0, 5], e.g. ETH:0.8 or ETH:80%`,
      )
    out[(m[1] as string).toUpperCase()] = v
  }
  return out
}

const BETA_ITEM = /^([A-Za-z0-9._-]{1,32}):(-?\d+(?:\.\d+)?):(-?\d+(?:\.\d+)?)$/

/**
 * Parses `betas=LINK:1.2:0.9,SOL:1.4:1.1` (risk asset : beta to ETH : beta to BTC).
 * @throws BaseError INVALID_REQUEST naming the bad item.
 */
export function parseBetas(value: string | undefined): BetaTable {
  if (value === undefined || value === '') return dict()
  const out = dict<{ ETH: number; BTC: number }>()
  const items = value.split(',')
  if (items.length > 50) throw new BaseError('INVALID_REQUEST', 'betas: at most 50 entries')
  for (const item of items) {
    const m = BETA_ITEM.exec(item.trim())
    if (!m) {
      throw new BaseError(
        'INVALID_REQUEST',
        `betas: "${item}" is not ASSET:BETA_ETH:BETA_BTC (e.g. LINK:1.2:0.9)`,
      )
    }
    const eth = Number(m[2])
    const btc = Number(m[3])
    if (Math.abs(eth) > 100 || Math.abs(btc) > 100)
      throw new BaseError('INVALID_REQUEST', `betas: "${item}": a beta above 100 in magnitude?`)
    out[(m[1] as string).toUpperCase()] = { ETH: eth, BTC: btc }
  }
  return out
}

/**
 * Parses the unwind `target`: "zero" (default) or a health factor > 1 (at most 100).
 * @throws BaseError INVALID_REQUEST.
 */
export function parseUnwindTarget(value: string | undefined): UnwindTarget {
  if (value === undefined || value === '' || value === 'zero') return { kind: 'zero' }
  const hf = /^\d{1,3}(\.\d{1,6})?$/.test(value) ? Number(value) : Number.NaN
  if (!(hf > 1 && hf <= 100)) {
    throw new BaseError(
      'INVALID_REQUEST',
      `target: "${value}" is neither "zero" nor a health factor above 1 (at most 100), e.g. 1.5`,
    )
  }
  return { kind: 'healthFactor', value: hf }
}
