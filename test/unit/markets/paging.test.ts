import { describe, expect, it } from 'vitest'
import {
  assessFreshness,
  evenGroups,
  inShard,
  mapLimit,
  type PageFilter,
  pageShard,
  pipelined,
  type Settled,
  splitBlockRange,
  splitIdSpace,
} from '../../../src/markets/paging.js'

/** Deterministic pseudo-random lowercase hex ids (xorshift32), like subgraph ids built from addresses. */
function ids(n: number, seed = 7): string[] {
  let x = seed
  const out: string[] = []
  for (let i = 0; i < n; i++) {
    let s = '0x'
    for (let k = 0; k < 40; k++) {
      x ^= x << 13
      x ^= x >>> 17
      x ^= x << 5
      s += ((x >>> 0) % 16).toString(16)
    }
    out.push(s)
  }
  return out.sort()
}

describe('splitIdSpace', () => {
  it.each([1, 2, 3, 4, 7, 16, 17, 100, 256])('%i shards cover every id exactly once, in order', (n) => {
    const shards = splitIdSpace(n)
    expect(shards).toHaveLength(n)
    expect(shards[0]!.gte).toBe('0x')
    expect(shards.at(-1)!.lt).toBeUndefined()
    for (let i = 1; i < n; i++) expect(shards[i]!.gte).toBe(shards[i - 1]!.lt)
    const edge = ['0x0000000000000000000000000000000000000000', '0xffffffffffffffffffffffffffffffffffffffff']
    for (const id of [...ids(500), ...edge, '0x40', '0x4', '0x3f']) {
      expect(shards.filter((s) => inShard(id, s))).toHaveLength(1)
    }
  })

  it('splits by the first hex digits: 4 shards at 0x4, 0x8, 0xc', () => {
    expect(splitIdSpace(4)).toEqual([
      { gte: '0x', lt: '0x4' },
      { gte: '0x4', lt: '0x8' },
      { gte: '0x8', lt: '0xc' },
      { gte: '0xc' },
    ])
  })

  it('clamps the shard count to 1..256', () => {
    expect(splitIdSpace(0)).toEqual([{ gte: '0x' }])
    expect(splitIdSpace(1000)).toHaveLength(256)
  })
})

/** A fake indexer over `rows` with graph-node's semantics for the cursor filter. */
function fakeIndexer(rows: string[]) {
  const calls: { filter: PageFilter; first: number }[] = []
  const fetchPage = async (filter: PageFilter, first: number) => {
    calls.push({ filter, first })
    return rows
      .filter(
        (id) =>
          id >= filter.id_gte &&
          (filter.id_lt === undefined || id < filter.id_lt) &&
          (filter.id_gt === undefined || id > filter.id_gt),
      )
      .slice(0, first)
      .map((id) => ({ id }))
  }
  return { fetchPage, calls }
}

describe('pageShard', () => {
  const all = ids(2_345)

  it('pages past 1,000 rows by id_gt cursor until a short page', async () => {
    const { fetchPage, calls } = fakeIndexer(all)
    const res = await pageShard({ shard: { gte: '0x' }, pageSize: 1000, fetchPage })
    expect(res.rows.map((r) => r.id)).toEqual(all)
    expect(res.pages).toBe(3)
    expect(calls.map((c) => c.filter.id_gt)).toEqual([undefined, all[999], all[1999]])
  })

  it('an exact multiple of the page size ends with one empty page', async () => {
    const { fetchPage } = fakeIndexer(all.slice(0, 2000))
    const res = await pageShard({ shard: { gte: '0x' }, pageSize: 1000, fetchPage })
    expect(res.rows).toHaveLength(2000)
    expect(res.pages).toBe(3)
  })

  it('shards together read every row once, whatever the page size', async () => {
    for (const [n, size] of [
      [4, 7],
      [16, 1000],
      [3, 50],
    ] as const) {
      const { fetchPage } = fakeIndexer(all)
      const parts = await Promise.all(
        splitIdSpace(n).map((shard) => pageShard({ shard, pageSize: size, fetchPage })),
      )
      expect(parts.flatMap((p) => p.rows.map((r) => r.id))).toEqual(all)
    }
  })

  it('refuses an indexer that ignores the cursor or the bounds', async () => {
    const stuck = async () => [{ id: '0x01' }, { id: '0x02' }]
    await expect(pageShard({ shard: { gte: '0x' }, pageSize: 2, fetchPage: stuck })).rejects.toThrow(
      /out of order/,
    )
    const outside = async () => [{ id: '0x9' }]
    await expect(
      pageShard({ shard: { gte: '0x', lt: '0x8' }, pageSize: 2, fetchPage: outside }),
    ).rejects.toThrow(/outside its shard/)
    const tooMany = async () => [{ id: '0x1' }, { id: '0x2' }, { id: '0x3' }]
    await expect(pageShard({ shard: { gte: '0x' }, pageSize: 2, fetchPage: tooMany })).rejects.toThrow(
      /3 rows/,
    )
    await expect(pageShard({ shard: { gte: '0x' }, pageSize: 0, fetchPage: stuck })).rejects.toThrow(
      RangeError,
    )
  })
})

describe('assessFreshness', () => {
  it('is stale only when more than maxLag blocks behind', () => {
    expect(assessFreshness(100n, 150n, 50n)).toEqual({ lagBlocks: 50n, stale: false })
    expect(assessFreshness(100n, 151n, 50n)).toEqual({ lagBlocks: 51n, stale: true })
    expect(assessFreshness(100n, 100n, 0n)).toEqual({ lagBlocks: 0n, stale: false })
    // An indexer ahead of a pinned historical block is not stale.
    expect(assessFreshness(200n, 150n, 50n)).toEqual({ lagBlocks: -50n, stale: false })
  })
})

describe('splitBlockRange', () => {
  it('covers [from, to] with inclusive ranges of at most span blocks', () => {
    expect(splitBlockRange(0n, 9n, 4n)).toEqual([
      [0n, 3n],
      [4n, 7n],
      [8n, 9n],
    ])
    expect(splitBlockRange(5n, 5n, 50_000n)).toEqual([[5n, 5n]])
    expect(splitBlockRange(6n, 5n, 10n)).toEqual([])
    expect(() => splitBlockRange(0n, 1n, 0n)).toThrow(RangeError)
  })
})

describe('mapLimit', () => {
  it('keeps order and never runs more than the limit at once', async () => {
    let active = 0
    let peak = 0
    const out = await mapLimit([5, 1, 4, 2, 3, 0], 2, async (x) => {
      active++
      peak = Math.max(peak, active)
      await new Promise((r) => setTimeout(r, x))
      active--
      return x * 10
    })
    expect(out).toEqual([50, 10, 40, 20, 30, 0])
    expect(peak).toBe(2)
    expect(await mapLimit([], 4, async (x) => x)).toEqual([])
  })
})

describe('evenGroups', () => {
  const sizes = (g: number[][]) => g.map((x) => x.reduce((a, b) => a + b, 0))
  const ones = (n: number, w = 1) => Array.from({ length: n }, () => w)

  it('spreads the weight evenly over the fewest groups, rounded up to a multiple of the batches in flight', () => {
    // Hand vectors: 430 one-call users at 200 calls a batch, 2 in flight: ceil(430/200) = 3 -> 4.
    expect(sizes(evenGroups(ones(430), (w) => w, 200, 2))).toEqual([108, 108, 107, 107])
    // 430 two-call users: 860 calls -> 5 -> 6 batches of about 143.
    expect(sizes(evenGroups(ones(430, 2), (w) => w, 200, 2))).toEqual([144, 144, 144, 144, 142, 142])
    // Never more groups than items.
    expect(evenGroups([1, 1, 1], (w) => w, 200, 4)).toEqual([[1], [1], [1]])
    expect(evenGroups([], (w: number) => w, 10, 2)).toEqual([])
  })

  it('keeps order, every item once, no group above the bound unless one item is heavier alone', () => {
    const items = [3, 1, 2, 2, 1, 5, 9, 1, 1, 2]
    const groups = evenGroups(items, (w) => w, 5, 2)
    expect(groups.flat()).toEqual(items)
    for (const g of groups) {
      const w = g.reduce((a, b) => a + b, 0)
      expect(w <= 5 || g.length === 1).toBe(true)
    }
    expect(groups).toContainEqual([9])
    expect(() => evenGroups([1], (w) => w, 0)).toThrow(RangeError)
  })
})

describe('pipelined', () => {
  it('starts the next fetch before consuming an answer, keeps at most `limit` in flight, hands every outcome to consume', async () => {
    const log: string[] = []
    let inFlight = 0
    let peak = 0
    const consumed: Array<[number, Settled<number>]> = []
    await pipelined(
      [1, 2, 3, 4, 5],
      2,
      async (x) => {
        inFlight++
        peak = Math.max(peak, inFlight)
        log.push(`fetch ${x}`)
        await new Promise((r) => setTimeout(r, 2))
        inFlight--
        if (x === 4) throw new Error('four')
        return x * 10
      },
      (answer, x) => {
        log.push(`consume ${x}`)
        consumed.push([x, answer])
      },
      async () => undefined,
    )
    expect(peak).toBe(2)
    // Worker 1 holds 1's answer: it starts 3 before consuming 1.
    expect(log.indexOf('fetch 3')).toBeLessThan(log.indexOf('consume 1'))
    expect(consumed.map(([x]) => x).sort()).toEqual([1, 2, 3, 4, 5])
    const four = consumed.find(([x]) => x === 4)![1]
    expect(four.ok).toBe(false)
    expect(consumed.find(([x]) => x === 5)![1]).toEqual({ ok: true, value: 50 })
  })

  it('rejects with what consume throws', async () => {
    await expect(
      pipelined(
        [1, 2],
        1,
        async (x) => x,
        (a) => {
          if (a.ok && a.value === 2) throw new Error('stop')
        },
        async () => undefined,
      ),
    ).rejects.toThrow('stop')
  })
})
