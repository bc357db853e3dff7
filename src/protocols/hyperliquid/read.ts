/**
 * Reads a wallet's Hyperliquid perp positions on every perp dex: the first (default) dex and the
 * builder-deployed (HIP-3) dexes that `perpDexs` lists, each its own clearinghouse. Per dex: one
 * `clearinghouseState` request, then, only when the account there holds a position, the dex's
 * `meta` (its margin tables, for the tiered maintenance margin). Dexes are read concurrently, at
 * most {@link HYPERLIQUID_DEX_CONCURRENCY} at a time, and at most {@link MAX_HIP3_DEXES} HIP-3
 * dexes per scan. See ./position.ts for the layout.
 */
import { type Deadline, remainingMs, withDeadline } from '../../chains/deadline.js'
import type { Address } from '../../core/address.js'
import { BaseError } from '../../core/errors.js'
import type { Position } from '../../core/types.js'
import {
  type FetchClearinghouseStateParams,
  fetchClearinghouseState,
  fetchMeta,
  fetchPerpDexs,
  type HyperliquidRequestOptions,
} from './client.js'
import { positionsFromClearinghouseState } from './position.js'
import type { ClearinghouseState, PerpMeta } from './schemas.js'

/**
 * HIP-3 dexes read per scan, at most (the first ones in `perpDexs` order). Each costs one
 * `clearinghouseState` request (weight 2 of the 1,200 per minute an IP may spend, per
 * Hyperliquid's rate-limit docs) and, where the wallet holds a position, one `meta` (weight 20):
 * 32 dexes bound a scan to ~64 + 20 per dex with positions. A dex listed beyond the cap is not
 * read and is reported as such, never silently dropped.
 */
export const MAX_HIP3_DEXES = 32

/** Dexes whose requests are in flight at once, at most. */
export const HYPERLIQUID_DEX_CONCURRENCY = 4

/** Params of {@link readHyperliquidWallet}: the user plus the request options of the client. */
export type ReadHyperliquidWalletParams = FetchClearinghouseStateParams

/**
 * The Hyperliquid perp positions of `user` (the same 0x address as on EVM chains) on ONE perp dex
 * (`dex`, the default dex when omitted): the cross account and each isolated position, with the
 * dex's margin tiers; `[]` for an account with no position and no balance. Throws a
 * {@link HyperliquidError}: RPC_UNAVAILABLE (503) when the venue is unreachable or keeps
 * rate-limiting, PROTOCOL_READ_FAILED (502) on a venue error or a malformed payload.
 */
export async function readHyperliquidWallet(params: ReadHyperliquidWalletParams): Promise<Position[]> {
  const { user, dex, ...options } = params
  const read = await readDex(dex ?? '', user, () => options)
  if (read.error) throw read.error
  return positionsFromClearinghouseState(read.state!, {
    dex: read.dex,
    ...(read.meta ? { meta: read.meta } : {}),
  })
}

/** One perp dex's read: its state and meta, or the error that stopped it. */
export interface HyperliquidDexRead {
  /** "" for the first (default) dex, else the HIP-3 dex name. */
  dex: string
  state?: ClearinghouseState
  /** Read only when the account holds a position on the dex. */
  meta?: PerpMeta
  error?: BaseError
}

/** Result of {@link scanHyperliquidDexes}. */
export interface HyperliquidScan {
  /** The default dex first, then each HIP-3 dex read, in `perpDexs` order. */
  dexes: HyperliquidDexRead[]
  /** Why the HIP-3 dexes could not be listed (`perpDexs` failed); the default dex is still read. */
  listingError?: BaseError
  /** HIP-3 dexes listed beyond {@link MAX_HIP3_DEXES}, not read. */
  skipped: string[]
}

/** Params of {@link scanHyperliquidDexes}. */
export interface ScanHyperliquidDexesParams extends HyperliquidRequestOptions {
  user: Address
  /** The request's deadline: every venue request is bounded by the time left. */
  deadline?: Deadline
}

/**
 * Reads `user` on the default dex and on every HIP-3 dex `perpDexs` lists (up to
 * {@link MAX_HIP3_DEXES}, {@link HYPERLIQUID_DEX_CONCURRENCY} at a time); the default dex's read
 * runs beside the listing. Never throws a venue error: a failing dex is its own
 * {@link HyperliquidDexRead.error}, a failing listing is {@link HyperliquidScan.listingError}.
 */
export async function scanHyperliquidDexes(params: ScanHyperliquidDexesParams): Promise<HyperliquidScan> {
  const { user, deadline, ...base } = params
  // Each request gets at most the time the whole request has left (retries included).
  const options = (): HyperliquidRequestOptions =>
    deadline
      ? { ...base, timeoutMs: Math.max(1, Math.min(base.timeoutMs ?? 10_000, remainingMs(deadline))) }
      : base
  const bounded = <T>(call: string, fn: () => Promise<T>) =>
    withDeadline(deadline, { upstream: 'the Hyperliquid info API', call }, fn)
  const [main, listing] = await Promise.all([
    readDex('', user, options, bounded),
    bounded('perpDexs', () => fetchPerpDexs(options())).then(
      (dexes) => ({ dexes }),
      (err: unknown) => {
        if (!(err instanceof BaseError)) throw err
        return { error: err }
      },
    ),
  ])
  if ('error' in listing) return { dexes: [main], listingError: listing.error, skipped: [] }
  const names = [...new Set(listing.dexes.flatMap((d) => (d === null || d.name === '' ? [] : [d.name])))]
  const read = names.slice(0, MAX_HIP3_DEXES)
  const others = await mapBounded(read, HYPERLIQUID_DEX_CONCURRENCY, (dex) =>
    readDex(dex, user, options, bounded),
  )
  return { dexes: [main, ...others], skipped: names.slice(MAX_HIP3_DEXES) }
}

type Bounded = <T>(call: string, fn: () => Promise<T>) => Promise<T>

/** One dex: its state, then its meta when the account holds a position there. */
async function readDex(
  dex: string,
  user: Address,
  options: () => HyperliquidRequestOptions,
  bounded: Bounded = (_call, fn) => fn(),
): Promise<HyperliquidDexRead> {
  try {
    const state = await bounded('clearinghouseState', () =>
      fetchClearinghouseState({ ...options(), user, ...(dex ? { dex } : {}) }),
    )
    if (state.assetPositions.length === 0) return { dex, state }
    const meta = await bounded('meta', () => fetchMeta({ ...options(), ...(dex ? { dex } : {}) }))
    return { dex, state, meta }
  } catch (err) {
    if (!(err instanceof BaseError)) throw err
    return { dex, error: err }
  }
}

/** `fn` over `items`, at most `limit` pending at once, results in input order. */
async function mapBounded<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T) => Promise<R>,
): Promise<R[]> {
  const out = new Array<R>(items.length)
  let next = 0
  const worker = async () => {
    while (next < items.length) {
      const i = next++
      out[i] = await fn(items[i]!)
    }
  }
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker))
  return out
}
