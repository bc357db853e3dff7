/**
 * The pure parts of market-wide enumeration: splitting an id space into shards, paging one shard
 * by an `id_gt` cursor, splitting block ranges for eth_getLogs, the indexer freshness rule, and a
 * small concurrency limiter. No I/O: the page fetcher is injected.
 */

/** One shard of a hex id space: ids `>= gte` and `< lt` (no upper bound when `lt` is undefined). */
export interface IdShard {
  /** Inclusive lower bound, e.g. "0x4" ("0x" alone for the first shard). */
  gte: string
  /** Exclusive upper bound, e.g. "0x8"; undefined for the last shard. */
  lt?: string
}

const HEX = '0123456789abcdef'

/**
 * Splits the space of lowercase `0x`-prefixed hex ids (subgraph ids that start with an address)
 * into `count` contiguous shards by their first two hex digits. `count` is clamped to [1, 256].
 * Every id starting with `0x` falls in exactly one shard.
 */
export function splitIdSpace(count: number): IdShard[] {
  const n = Math.max(1, Math.min(256, Math.floor(count)))
  const bound = (i: number): string => {
    const v = Math.floor((i * 256) / n)
    const two = HEX[v >> 4]! + HEX[v & 15]!
    return `0x${two.replace(/0$/, '')}`
  }
  const shards: IdShard[] = []
  for (let i = 0; i < n; i++) {
    const shard: IdShard = { gte: i === 0 ? '0x' : bound(i) }
    if (i < n - 1) shard.lt = bound(i + 1)
    shards.push(shard)
  }
  return shards
}

/** True when `id` (lowercase) falls inside `shard` (string order, as the indexer compares ids). */
export function inShard(id: string, shard: IdShard): boolean {
  return id >= shard.gte && (shard.lt === undefined || id < shard.lt)
}

/** The cursor filter of one page request: the shard bounds plus `id_gt` after the first page. */
export interface PageFilter {
  id_gte: string
  id_lt?: string
  id_gt?: string
}

/** Fetches one page of rows (ordered by id ascending, at most `first` rows). */
export type FetchPage<Row extends { id: string }> = (filter: PageFilter, first: number) => Promise<Row[]>

/** Params of {@link pageShard}. */
export interface PageShardParams<Row extends { id: string }> {
  shard: IdShard
  pageSize: number
  fetchPage: FetchPage<Row>
  /** Stop with an error after this many pages (a guard against an indexer that ignores the cursor). */
  maxPages?: number
}

/** What {@link pageShard} read. */
export interface PagedRows<Row> {
  rows: Row[]
  pages: number
}

/**
 * Reads every row of one shard by cursor paging: `id_gt` the last id seen, `first: pageSize`,
 * until a page comes back shorter than `pageSize`. Throws when the indexer answers rows out of
 * order or outside the shard (the cursor would skip or repeat rows).
 */
export async function pageShard<Row extends { id: string }>(
  params: PageShardParams<Row>,
): Promise<PagedRows<Row>> {
  const { shard, pageSize, fetchPage } = params
  if (!Number.isInteger(pageSize) || pageSize < 1)
    throw new RangeError(`pageSize must be >= 1, got ${pageSize}`)
  const maxPages = params.maxPages ?? 100_000
  const rows: Row[] = []
  let cursor: string | undefined
  let pages = 0
  for (;;) {
    const filter: PageFilter = { id_gte: shard.gte }
    if (shard.lt !== undefined) filter.id_lt = shard.lt
    if (cursor !== undefined) filter.id_gt = cursor
    const page = await fetchPage(filter, pageSize)
    pages++
    if (page.length > pageSize) {
      throw new Error(`the indexer answered ${page.length} rows for first: ${pageSize}`)
    }
    for (const row of page) {
      if ((cursor !== undefined && row.id <= cursor) || !inShard(row.id, shard)) {
        throw new Error(`the indexer answered row ${row.id} out of order or outside its shard`)
      }
      cursor = row.id
      rows.push(row)
    }
    if (page.length < pageSize) return { rows, pages }
    if (pages >= maxPages) throw new Error(`more than ${maxPages} pages in one shard`)
  }
}

/** Freshness of an indexer against the chain head. */
export interface Freshness {
  /** Chain head minus the indexer's block (negative when the indexer is ahead of the pinned block). */
  lagBlocks: bigint
  /** True when `lagBlocks > maxLagBlocks`. */
  stale: boolean
}

/** The staleness rule: stale when the indexer is more than `maxLagBlocks` behind `headBlock`. */
export function assessFreshness(indexedBlock: bigint, headBlock: bigint, maxLagBlocks: bigint): Freshness {
  const lagBlocks = headBlock - indexedBlock
  return { lagBlocks, stale: lagBlocks > maxLagBlocks }
}

/** Inclusive block ranges `[from, to]` of at most `span` blocks covering `[fromBlock, toBlock]`. */
export function splitBlockRange(fromBlock: bigint, toBlock: bigint, span: bigint): [bigint, bigint][] {
  if (span < 1n) throw new RangeError(`span must be >= 1, got ${span}`)
  const ranges: [bigint, bigint][] = []
  for (let from = fromBlock; from <= toBlock; from += span) {
    const to = from + span - 1n
    ranges.push([from, to < toBlock ? to : toBlock])
  }
  return ranges
}

/** Runs `fn` over `items` with at most `limit` in flight; results keep the input order. */
export async function mapLimit<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const out = new Array<R>(items.length)
  let next = 0
  const worker = async () => {
    while (next < items.length) {
      const i = next++
      out[i] = await fn(items[i]!, i)
    }
  }
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker))
  return out
}

/**
 * Consecutive groups of `items`, each of total `weight` at most `maxWeight` (an item heavier than
 * that stands alone), as even as possible: aiming at the fewest groups that fit, that count rounded
 * up to a multiple of `multipleOf` (the batches in flight, so the last round is as full as the
 * others) and never above the number of items. Each group is filled in order until it reaches the
 * remaining weight's share of the remaining groups, or the next item would overflow `maxWeight`.
 * @param maxWeight a positive integer; weights are non-negative integers.
 */
export function evenGroups<T>(
  items: readonly T[],
  weight: (item: T) => number,
  maxWeight: number,
  multipleOf = 1,
): T[][] {
  if (!Number.isInteger(maxWeight) || maxWeight < 1)
    throw new RangeError(`maxWeight must be an integer >= 1, got ${maxWeight}`)
  if (items.length === 0) return []
  const weights = items.map(weight)
  let remaining = 0
  for (const w of weights) remaining += w
  const fewest = Math.max(1, Math.ceil(remaining / maxWeight))
  const step = Math.max(1, Math.floor(multipleOf))
  let groupsLeft = Math.min(items.length, Math.ceil(fewest / step) * step)
  const out: T[][] = []
  let group: T[] = []
  let w = 0
  let share = Math.ceil(remaining / groupsLeft)
  for (let i = 0; i < items.length; i++) {
    const wi = weights[i]!
    if (group.length > 0 && (w >= share || w + wi > maxWeight)) {
      out.push(group)
      remaining -= w
      groupsLeft = Math.max(1, groupsLeft - 1)
      share = Math.ceil(remaining / groupsLeft)
      group = []
      w = 0
    }
    group.push(items[i]!)
    w += wi
  }
  if (group.length > 0) out.push(group)
  return out
}

/** A settled fetch of {@link pipelined}: its value, or what it threw. */
export type Settled<A> = { ok: true; value: A } | { ok: false; error: unknown }

/**
 * Runs `fetch` over `items` with at most `limit` in flight and `consume` on each settled answer,
 * like {@link mapLimit} but pipelined: a worker holding an answer first starts its next fetch,
 * awaits `handOff` (which lets a just-started request actually leave, e.g. a JSON-RPC batch
 * scheduler's timer), and only then consumes the answer, so the CPU work of consuming overlaps the
 * upstream's work on the next request. A fetch never rejects into the void: its outcome is always
 * handed to `consume`, which may throw (that rejects the whole run, as in {@link mapLimit}).
 */
export async function pipelined<T, A>(
  items: readonly T[],
  limit: number,
  fetch: (item: T) => Promise<A>,
  consume: (answer: Settled<A>, item: T) => Promise<void> | void,
  handOff: () => Promise<void>,
): Promise<void> {
  let next = 0
  const start = () => {
    if (next >= items.length) return undefined
    const item = items[next++]!
    const answer = fetch(item).then(
      (value): Settled<A> => ({ ok: true, value }),
      (error: unknown): Settled<A> => ({ ok: false, error }),
    )
    return { item, answer }
  }
  const worker = async () => {
    let current = start()
    while (current) {
      const settled = await current.answer
      const following = start()
      if (following) await handOff()
      await consume(settled, current.item)
      current = following
    }
  }
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker))
}
