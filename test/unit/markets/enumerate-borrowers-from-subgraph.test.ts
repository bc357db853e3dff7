/**
 * The subgraph client against a fake fetch (no server): what it asks (real Aave v3 / Morpho Blue
 * subgraph names, pinned to `_meta.block`, cursor and shard bounds) and how it refuses answers it
 * cannot trust.
 */
import { describe, expect, it } from 'vitest'
import type { ChainRuntime } from '../../../src/config.js'
import { enumerateBorrowersFromSubgraph, resolveMarket, SubgraphError } from '../../../src/markets/index.js'

const PROVIDER = '0x1111111111111111111111111111111111111111'
const chain = {
  key: 'local',
  chainId: 31337,
  rpcUrls: [],
  multicall3: '0xcA11bde05977b3631167028862bE2a173976CA11',
  aaveMarkets: [
    {
      id: 'aave-v3-test',
      protocol: 'aave-v3',
      name: 'test',
      chain: 'local',
      poolAddressesProvider: PROVIDER,
      pool: '0x2222222222222222222222222222222222222222',
      uiPoolDataProvider: '0x3333333333333333333333333333333333333333',
    },
  ],
  usdPriceOracle: null,
  morphoBlue: {
    chain: 'local',
    morpho: '0x4444444444444444444444444444444444444444',
    fromBlock: 0n,
    logsBlockSpan: 1000n,
  },
  comets: [],
  gmxV2: [],
} as ChainRuntime

const user = (i: number) => `0x${i.toString(16).padStart(2, '0').repeat(20)}`

interface Variables {
  first: number
  where: Record<string, string>
  block?: { number: number }
}
type Body = { query: string; variables?: Variables }

/** A fake Graph endpoint: `_meta` plus pages computed from `rows` (ids sorted). */
function fakeGraph(rows: { id: string; user: string }[], meta = { number: 1234, hasIndexingErrors: false }) {
  const bodies: Body[] = []
  const fetchFn = (async (_url: unknown, init?: RequestInit) => {
    const body = JSON.parse(String(init?.body)) as Body
    bodies.push(body)
    const json = (data: unknown) =>
      new Response(JSON.stringify({ data }), { headers: { 'content-type': 'application/json' } })
    if (body.query.includes('_meta')) {
      return json({
        _meta: {
          block: { number: meta.number, hash: null },
          deployment: 'Qm',
          hasIndexingErrors: meta.hasIndexingErrors,
        },
      })
    }
    const { first, where } = body.variables!
    const page = rows
      .filter(
        (r) =>
          r.id >= (where.id_gte ?? '') &&
          (where.id_lt === undefined || r.id < where.id_lt) &&
          (where.id_gt === undefined || r.id > where.id_gt),
      )
      .slice(0, first)
    return body.query.includes('userReserves')
      ? json({ userReserves: page.map((r) => ({ id: r.id, user: { id: r.user }, currentTotalDebt: '5' })) })
      : json({ positions: page.map((r) => ({ id: r.id, account: { id: r.user }, shares: '5' })) })
  }) as typeof fetch
  return { fetchFn, bodies }
}

describe('enumerateBorrowersFromSubgraph', () => {
  it('Aave: asks userReserves of the pool with currentTotalDebt_gt 0, pinned to _meta.block, and dedupes users', async () => {
    const rows = [1, 2, 3, 0x90, 0xf0].flatMap((i) => [
      { id: `${user(i)}0xaaaa${PROVIDER}`, user: user(i) },
      { id: `${user(i)}0xbbbb${PROVIDER}`, user: user(i) },
    ])
    rows.sort((a, b) => (a.id < b.id ? -1 : 1))
    const g = fakeGraph(rows)
    const res = await enumerateBorrowersFromSubgraph({
      url: 'http://graph.test',
      market: resolveMarket(chain, 'aave-v3-test'),
      shards: 2,
      pageSize: 3,
      fetchFn: g.fetchFn,
    })
    expect(res.borrowers.map((b) => b.toLowerCase())).toEqual([1, 2, 3, 0x90, 0xf0].map(user))
    expect(res.rows).toBe(10)
    expect(res.meta.block).toBe(1234n)
    const pages = g.bodies.filter((b) => b.query.includes('userReserves'))
    expect(pages.length).toBe(res.pages)
    for (const p of pages) {
      expect(p.variables!.block).toEqual({ number: 1234 })
      expect(p.variables!.where).toMatchObject({ pool: PROVIDER, currentTotalDebt_gt: '0' })
      expect(p.query).toMatch(/orderBy: id, orderDirection: asc/)
    }
  })

  it('Aave with a reserve: filters by the subgraph reserve id (underlying + pool)', async () => {
    const g = fakeGraph([])
    const reserve = '0x5555555555555555555555555555555555555555'
    await enumerateBorrowersFromSubgraph({
      url: 'http://graph.test',
      market: resolveMarket(chain, 'aave-v3-test', reserve),
      shards: 1,
      fetchFn: g.fetchFn,
    })
    const page = g.bodies.find((b) => b.query.includes('userReserves'))!
    expect(page.variables!.where.reserve).toBe(`${reserve}${PROVIDER}`)
  })

  it('Morpho: asks positions of the market, side BORROWER, shares_gt 0', async () => {
    const id = `0x${'ab'.repeat(32)}`
    const rows = [1, 2].map((i) => ({ id: `${user(i)}-${id}-BORROWER-0`, user: user(i) }))
    const g = fakeGraph(rows)
    const res = await enumerateBorrowersFromSubgraph({
      url: 'http://graph.test',
      market: resolveMarket(chain, id),
      fetchFn: g.fetchFn,
    })
    expect(res.borrowers.map((b) => b.toLowerCase())).toEqual([user(1), user(2)])
    const page = g.bodies.find((b) => b.query.includes('positions'))!
    expect(page.variables!.where).toMatchObject({ market: id, side: 'BORROWER', shares_gt: '0' })
  })

  it('refuses an indexer with indexing errors before paging', async () => {
    const g = fakeGraph([], { number: 9, hasIndexingErrors: true })
    await expect(
      enumerateBorrowersFromSubgraph({
        url: 'http://graph.test',
        market: resolveMarket(chain, 'aave-v3-test'),
        fetchFn: g.fetchFn,
      }),
    ).rejects.toThrow(/indexing errors/)
    expect(g.bodies).toHaveLength(1)
  })

  it('a GraphQL error or an odd payload is a SubgraphError', async () => {
    const errors = (async () =>
      new Response(JSON.stringify({ errors: [{ message: 'boom' }] }), {
        headers: { 'content-type': 'application/json' },
      })) as typeof fetch
    const e1 = await enumerateBorrowersFromSubgraph({
      url: 'http://graph.test',
      market: resolveMarket(chain, 'aave-v3-test'),
      fetchFn: errors,
    }).catch((e) => e)
    expect(e1).toBeInstanceOf(SubgraphError)
    expect(e1.message).toMatch(/GraphQL error: boom/)
    const odd = (async () =>
      new Response(JSON.stringify({ data: { _meta: { block: { number: 'x' } } } }), {
        headers: { 'content-type': 'application/json' },
      })) as typeof fetch
    await expect(
      enumerateBorrowersFromSubgraph({
        url: 'http://graph.test',
        market: resolveMarket(chain, 'aave-v3-test'),
        fetchFn: odd,
      }),
    ).rejects.toBeInstanceOf(SubgraphError)
  })
})
