/**
 * Devchain tests of market-wide borrower enumeration (src/markets) against the devchain's real
 * Aave v3 Pool and Morpho Blue singleton:
 * - the log path finds the demo borrowers of the local Aave market and of the Morpho weth-usdc
 *   market (expected set: the manifest wallets whose own wallet report has debt there), and each
 *   position equals the wallet report's at the same block (healthFactorWad included);
 * - chunked eth_getLogs (tiny spans, and a provider that refuses ranges over 20 blocks: halving)
 *   gives the same set;
 * - the subgraph path, against a local GraphQL double serving the real subgraph schemas fed from
 *   the devchain's own events, gives the same set; small pages across shards; a stale `_meta`
 *   block is flagged with its lag, and the Borrow logs after it add who borrowed since (a real
 *   borrow made after the indexed block); indexing errors and GraphQL errors fall back to the logs
 *   and say so.
 */
import {
  type Abi,
  type Address,
  createPublicClient,
  custom,
  type Hex,
  type PublicClient,
  parseAbi,
} from 'viem'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Position } from '../../src/core/types.js'
import { send } from '../../src/devchain/tx.js'
import {
  enumerateBorrowersFromLogs,
  enumerateBorrowersFromSubgraph,
  marketBorrowers,
  readMarketPositions,
  resolveMarket,
} from '../../src/markets/index.js'
import { readWallet } from '../../src/protocols/read-wallet.js'
import { startTestDevchain, type TestDevchain } from '../helpers/devchain.js'
import { type SubgraphServerDouble, startSubgraphServer } from '../support/subgraph-server.js'

let t: TestDevchain
let aaveGraph: SubgraphServerDouble
let morphoGraph: SubgraphServerDouble
const AAVE = 'aave-v3-local'
let MORPHO: Hex

beforeAll(async () => {
  // 1,600 population borrowers (~70% on Aave): over 1,000 real subgraph rows to page through.
  t = await startTestDevchain({ population: 1600 })
  MORPHO = t.manifest.morphoBlue!.markets.find((m) => m.key === 'weth-usdc')!.id as Hex
  aaveGraph = await startSubgraphServer({ kind: 'aave-v3', client: t.client, manifest: t.manifest })
  morphoGraph = await startSubgraphServer({ kind: 'morpho-blue', client: t.client, manifest: t.manifest })
})
afterAll(async () => {
  await aaveGraph?.close()
  await morphoGraph?.close()
  await t?.devchain.stop()
})

const lower = (xs: readonly string[]) => xs.map((x) => x.toLowerCase()).sort()
const hasDebt = (p: Position) => p.legs.some((l) => l.side === 'debt' && l.amount > 0n)

/** The demo wallets whose own wallet report (readWallet, as /v1/wallets) has debt in `market`, at `block`. */
async function demoBorrowers(market: string, block: bigint): Promise<Map<string, Position>> {
  const out = new Map<string, Position>()
  for (const w of t.manifest.wallets) {
    const report = await readWallet({
      client: t.client,
      chain: t.chain,
      user: w.address as Address,
      blockNumber: block,
    })
    const p = report.positions.find((r) => r.market === market)
    if (p?.status === 'ok' && hasDebt(p)) out.set(w.address.toLowerCase(), p)
  }
  return out
}

const demoSet = () => new Set(t.manifest.wallets.map((w) => w.address.toLowerCase()))

describe.each([
  ['Aave v3 local market', () => AAVE],
  ['Morpho weth-usdc market', () => MORPHO],
])('log path: %s', (_label, marketOf) => {
  it('finds the demo borrowers, and every position equals the wallet report at the same block', async () => {
    const market = marketOf()
    const block = await t.client.getBlockNumber({ cacheTime: 0 })
    const started = performance.now()
    const res = await marketBorrowers({ client: t.client, chain: t.chain, market, blockNumber: block })
    const ms = performance.now() - started
    console.info(
      `[market-borrowers] ${market.slice(0, 18)}: ${res.borrowers.length} candidates, ${res.positions.length} with debt, ${res.counts.batches} batches, enumerate ${res.timings.enumerateMs.toFixed(0)} ms + positions ${res.timings.positionsMs.toFixed(0)} ms = ${ms.toFixed(0)} ms`,
    )
    expect(res.source).toBe('logs')
    expect(res.blockNumber).toBe(block)
    expect(res.unavailable).toEqual([])
    const expected = await demoBorrowers(market, block)
    expect(expected.size).toBeGreaterThan(0)
    const demo = demoSet()
    const foundDemo = res.owners.map((o) => o.toLowerCase()).filter((o) => demo.has(o))
    expect(foundDemo.sort()).toEqual([...expected.keys()].sort())
    // Accounts that are not demo wallets are the seeded population (if any): never the demo ones.
    expect(res.positions.length).toBe(res.owners.length)
    res.owners.forEach((owner, i) => {
      const want = expected.get(owner.toLowerCase())
      if (want) {
        expect(res.positions[i]).toEqual(want)
        expect(res.positions[i]!.healthFactorWad).toBe(want.healthFactorWad)
      }
      expect(hasDebt(res.positions[i]!)).toBe(true)
    })
    // Every candidate is accounted for: with debt, without, or unavailable.
    expect(res.counts.withDebt + res.counts.noDebt + res.counts.unavailable).toBe(res.borrowers.length)
  })

  it('the HTTP wallet endpoint serves the same healthFactorWad', async () => {
    const market = marketOf()
    const res = await marketBorrowers({ client: t.client, chain: t.chain, market })
    const demo = demoSet()
    const checked = res.owners.filter((o) => demo.has(o.toLowerCase()))
    expect(checked.length).toBeGreaterThan(0)
    for (const owner of checked) {
      const r = await t.app.request(`/v1/wallets/${owner}?chain=local&block=${res.blockNumber}`)
      expect(r.status).toBe(200)
      const body = (await r.json()) as { positions: { market: string; healthFactorWad: string | null }[] }
      const served = body.positions.find((p) => p.market === market)
      const mine = res.positions[res.owners.indexOf(owner)]!
      expect(served?.healthFactorWad).toBe(mine.healthFactorWad?.toString() ?? null)
    }
  })
})

describe('chunked eth_getLogs', () => {
  /** A client whose eth_getLogs refuses ranges over `max` blocks, like hosted providers do. */
  function cappedClient(max: bigint): { client: PublicClient; calls: () => number } {
    let n = 0
    const client = createPublicClient({
      transport: custom(
        {
          async request({ method, params }) {
            if (method === 'eth_getLogs') {
              n++
              const [f] = params as [{ fromBlock: Hex; toBlock: Hex }]
              if (BigInt(f.toBlock) - BigInt(f.fromBlock) + 1n > max) {
                throw new Error(`query exceeds max block range ${max}`)
              }
            }
            return t.client.request({ method, params } as never)
          },
        },
        { retryCount: 0 },
      ),
    }) as PublicClient
    return { client, calls: () => n }
  }

  it.each([
    ['aave', () => AAVE],
    ['morpho', () => MORPHO],
  ])('%s: tiny spans and a provider that refuses large ranges give the same set', async (_k, marketOf) => {
    const market = marketOf()
    const toBlock = await t.client.getBlockNumber({ cacheTime: 0 })
    const whole = await enumerateBorrowersFromLogs({ client: t.client, chain: t.chain, market, toBlock })
    expect(whole.requests).toBe(1)
    const spans = await enumerateBorrowersFromLogs({
      client: t.client,
      chain: t.chain,
      market,
      toBlock,
      blockSpan: 30n,
    })
    expect(spans.borrowers).toEqual(whole.borrowers)
    expect(spans.requests).toBeGreaterThan(1)
    const capped = cappedClient(20n)
    const halved = await enumerateBorrowersFromLogs({
      client: capped.client,
      chain: t.chain,
      market,
      toBlock,
      blockSpan: 1_000n,
    })
    expect(halved.borrowers).toEqual(whole.borrowers)
    expect(halved.events).toBe(whole.events)
    expect(capped.calls()).toBeGreaterThan(2)
  })

  it('an Aave reserve filter keeps only that reserve borrowers (logs and subgraph alike)', async () => {
    const usdc = t.manifest.tokens.find((x) => x.symbol === 'USDC')!.address as Address
    const all = await marketBorrowers({ client: t.client, chain: t.chain, market: AAVE })
    const usdcOnly = await marketBorrowers({ client: t.client, chain: t.chain, market: AAVE, reserve: usdc })
    expect(usdcOnly.positions.length).toBeGreaterThan(0)
    expect(usdcOnly.positions.length).toBeLessThanOrEqual(all.positions.length)
    for (const p of usdcOnly.positions) {
      expect(
        p.legs.some((l) => l.side === 'debt' && l.asset.address?.toLowerCase() === usdc.toLowerCase()),
      ).toBe(true)
    }
    const fromGraph = await marketBorrowers({
      client: t.client,
      chain: t.chain,
      market: AAVE,
      reserve: usdc,
      subgraphUrl: aaveGraph.url,
      blockNumber: aaveGraph.indexedBlock,
    })
    const fromLogs = await marketBorrowers({
      client: t.client,
      chain: t.chain,
      market: AAVE,
      reserve: usdc,
      blockNumber: aaveGraph.indexedBlock,
    })
    expect(fromGraph.source).toBe('subgraph')
    expect(lower(fromGraph.borrowers)).toEqual(lower(fromLogs.owners))
  })
})

describe('subgraph path (local GraphQL double fed from the devchain events)', () => {
  const graphOf = (kind: 'aave' | 'morpho') => (kind === 'aave' ? aaveGraph : morphoGraph)
  const marketOf = (kind: 'aave' | 'morpho') => (kind === 'aave' ? AAVE : MORPHO)

  it.each(['aave', 'morpho'] as const)(
    '%s: the same borrower set and positions as the log path',
    async (kind) => {
      const graph = graphOf(kind)
      const market = marketOf(kind)
      const block = graph.indexedBlock
      const [fromGraph, fromLogs] = await Promise.all([
        marketBorrowers({
          client: t.client,
          chain: t.chain,
          market,
          subgraphUrl: graph.url,
          blockNumber: block,
        }),
        marketBorrowers({ client: t.client, chain: t.chain, market, blockNumber: block }),
      ])
      expect(fromGraph.source).toBe('subgraph')
      expect(fromGraph.fallbackReason).toBeUndefined()
      expect(fromGraph.stale).toBe(false)
      expect(fromGraph.lagBlocks).toBe(0n)
      expect(fromGraph.subgraphBlock).toBe(block)
      // The subgraph names current debtors; the logs name everyone who ever borrowed.
      expect(lower(fromGraph.borrowers)).toEqual(lower(fromLogs.owners))
      expect(lower(fromGraph.owners)).toEqual(lower(fromLogs.owners))
      expect(fromGraph.positions).toEqual(
        fromGraph.owners.map((o) => fromLogs.positions[fromLogs.owners.indexOf(o)]),
      )
    },
  )

  it.each(['aave', 'morpho'] as const)('%s: small pages across shards read every row', async (kind) => {
    const graph = graphOf(kind)
    const ref = resolveMarket(t.chain, marketOf(kind))
    const reference = await enumerateBorrowersFromSubgraph({ url: graph.url, market: ref, shards: 1 })
    // One shard: ceil(rows / 1,000) pages (one more when the rows are an exact multiple).
    expect(reference.pages).toBeGreaterThanOrEqual(Math.max(1, Math.ceil(reference.rows / 1000)))
    expect(reference.pages).toBeLessThanOrEqual(Math.floor(reference.rows / 1000) + 1)
    // Page sizes that need several pages per shard for the population's ~1,100 Aave rows.
    for (const [shards, pageSize] of [
      [4, 40],
      [16, 13],
      [3, 7],
    ] as const) {
      const before = graph.requests.length
      const res = await enumerateBorrowersFromSubgraph({ url: graph.url, market: ref, shards, pageSize })
      expect(res.borrowers).toEqual(reference.borrowers)
      expect(res.rows).toBe(reference.rows)
      expect(res.shards).toBe(shards)
      expect(res.pages).toBeGreaterThanOrEqual(Math.max(shards, Math.ceil(res.rows / pageSize)))
      expect(graph.requests.length - before).toBe(res.pages + 1)
      // Every page was pinned to the indexed block and carried its cursor inside its shard.
      const pages = graph.requests.slice(before + 1) as {
        first: number
        where: Record<string, string>
        block: { number: number }
      }[]
      for (const p of pages) {
        expect(p.first).toBe(pageSize)
        expect(BigInt(p.block.number)).toBe(graph.indexedBlock)
        expect(p.where.id_gte).toMatch(/^0x[0-9a-f]{0,2}$/)
      }
    }
  })

  it('a page size above graph-node\u2019s 1,000 cap is refused by the indexer, and the logs answer instead', async () => {
    const res = await marketBorrowers({
      client: t.client,
      chain: t.chain,
      market: AAVE,
      subgraphUrl: aaveGraph.url,
      pageSize: 1001,
    })
    expect(res.source).toBe('logs')
    expect(res.fallbackReason).toMatch(/first.*between 0 and 1000/)
  })

  it('pages past 1,000 real rows when the devchain has that many borrower rows', async (ctx) => {
    const debtRows = aaveGraph.rows.filter((r) => BigInt(r.currentTotalDebt as string) > 0n).length
    if (debtRows <= 1000) {
      // Not a pass: without the seeded population there are too few real rows (small pages cover the walk).
      ctx.skip(`the devchain has only ${debtRows} Aave borrower rows (needs > 1,000)`)
      return
    }
    const ref = resolveMarket(t.chain, AAVE)
    // One shard, so its cursor walks past the 1,000th row in pages of graph-node's maximum.
    const res = await enumerateBorrowersFromSubgraph({
      url: aaveGraph.url,
      market: ref,
      shards: 1,
      pageSize: 1000,
    })
    expect(res.rows).toBe(debtRows)
    expect(res.pages).toBeGreaterThanOrEqual(2)
  })

  it('a stale _meta.block is flagged with its lag (the set is still the indexed one)', async () => {
    await t.isolated(async () => {
      await t.clients.test.mine({ blocks: 120 })
      const head = await t.client.getBlockNumber({ cacheTime: 0 })
      const res = await marketBorrowers({
        client: t.client,
        chain: t.chain,
        market: AAVE,
        subgraphUrl: aaveGraph.url,
        maxLagBlocks: 50n,
      })
      expect(res.source).toBe('subgraph')
      expect(res.blockNumber).toBe(head)
      expect(res.stale).toBe(true)
      expect(res.lagBlocks).toBe(head - aaveGraph.indexedBlock)
      expect(res.lagBlocks!).toBeGreaterThanOrEqual(120n)
      expect(res.caughtUp?.added).toEqual([])
      const fresh = await marketBorrowers({
        client: t.client,
        chain: t.chain,
        market: AAVE,
        subgraphUrl: aaveGraph.url,
        maxLagBlocks: 1_000n,
      })
      expect(fresh.stale).toBe(false)
      expect(lower(res.owners)).toEqual(lower(fresh.owners))
    })
  })

  it('a stale subgraph misses a borrower who borrowed after its block; the log catch-up adds it', async () => {
    await t.isolated(async () => {
      const who = '0x00000000000000000000000000000000C0FFEE01' as Address
      const weth = t.manifest.tokens.find((x) => x.symbol === 'WETH')!.address as Address
      const usdc = t.manifest.tokens.find((x) => x.symbol === 'USDC')!.address as Address
      const pool = t.manifest.aaveV3.pool as Address
      await t.clients.test.setBalance({ address: who, value: 10n ** 20n })
      await t.clients.test.impersonateAccount({ address: who })
      const tokenAbi = parseAbi([
        'function mint(address to, uint256 amount)',
        'function approve(address spender, uint256 amount) returns (bool)',
      ])
      const poolAbi = parseAbi([
        'function supply(address asset, uint256 amount, address onBehalfOf, uint16 referralCode)',
        'function borrow(address asset, uint256 amount, uint256 interestRateMode, uint16 referralCode, address onBehalfOf)',
      ])
      const tx = (address: Address, abi: Abi, functionName: string, args: readonly unknown[]) =>
        send(t.clients, { from: who, address, abi, functionName, args } as never)
      await tx(weth, tokenAbi, 'mint', [who, 10n * 10n ** 18n])
      await tx(weth, tokenAbi, 'approve', [pool, 10n * 10n ** 18n])
      await tx(pool, poolAbi, 'supply', [weth, 10n * 10n ** 18n, who, 0])
      await tx(pool, poolAbi, 'borrow', [usdc, 1_000n * 10n ** 6n, 2n, 0, who])
      await t.clients.test.mine({ blocks: 60 })

      const res = await marketBorrowers({
        client: t.client,
        chain: t.chain,
        market: AAVE,
        subgraphUrl: aaveGraph.url,
      })
      expect(res.source).toBe('subgraph')
      expect(res.stale).toBe(true)
      expect(res.caughtUp?.fromBlock).toBe(aaveGraph.indexedBlock + 1n)
      expect(res.caughtUp?.added).toEqual([who])
      expect(res.owners).toContain(who)
      const mine = res.positions[res.owners.indexOf(who)]!
      expect(mine.healthFactorWad).not.toBeNull()

      const without = await marketBorrowers({
        client: t.client,
        chain: t.chain,
        market: AAVE,
        subgraphUrl: aaveGraph.url,
        catchUp: false,
      })
      expect(without.stale).toBe(true)
      expect(without.caughtUp).toBeUndefined()
      expect(without.owners).not.toContain(who)
      const logs = await marketBorrowers({
        client: t.client,
        chain: t.chain,
        market: AAVE,
        blockNumber: res.blockNumber,
      })
      expect(lower(res.owners)).toEqual(lower(logs.owners))
    })
  })

  it('a subgraph built at an older block (lagBlocks knob) is flagged stale', async () => {
    const head = await t.client.getBlockNumber({ cacheTime: 0 })
    const lagging = await startSubgraphServer({
      kind: 'morpho-blue',
      client: t.client,
      manifest: t.manifest,
      lagBlocks: 5n,
    })
    try {
      expect(lagging.indexedBlock).toBe(head - 5n)
      const res = await marketBorrowers({
        client: t.client,
        chain: t.chain,
        market: MORPHO,
        subgraphUrl: lagging.url,
        blockNumber: head,
        maxLagBlocks: 2n,
      })
      expect(res.source).toBe('subgraph')
      expect(res.stale).toBe(true)
      expect(res.lagBlocks).toBe(5n)
    } finally {
      await lagging.close()
    }
  })

  it.each(['aave', 'morpho'] as const)(
    '%s: indexing errors fall back to the logs and say so',
    async (kind) => {
      const graph = graphOf(kind)
      graph.knobs.hasIndexingErrors = true
      try {
        const res = await marketBorrowers({
          client: t.client,
          chain: t.chain,
          market: marketOf(kind),
          subgraphUrl: graph.url,
        })
        const logs = await marketBorrowers({
          client: t.client,
          chain: t.chain,
          market: marketOf(kind),
          blockNumber: res.blockNumber,
        })
        expect(res.source).toBe('logs')
        expect(res.fallbackReason).toMatch(/indexing errors/)
        expect(res.fallbackReason).toMatch(/Borrow logs/)
        expect(res.stale).toBeUndefined()
        expect(res.owners).toEqual(logs.owners)
      } finally {
        graph.knobs.hasIndexingErrors = false
      }
    },
  )

  it('a GraphQL error (whole query or one page) falls back to the logs with the error in the reason', async () => {
    aaveGraph.knobs.forceError = 'store error: relation does not exist'
    try {
      const res = await marketBorrowers({
        client: t.client,
        chain: t.chain,
        market: AAVE,
        subgraphUrl: aaveGraph.url,
      })
      expect(res.source).toBe('logs')
      expect(res.fallbackReason).toMatch(/store error: relation does not exist/)
      expect(res.positions.length).toBeGreaterThan(0)
    } finally {
      aaveGraph.knobs.forceError = null
    }
    morphoGraph.knobs.forcePageError = 'indexing_error'
    try {
      const res = await marketBorrowers({
        client: t.client,
        chain: t.chain,
        market: MORPHO,
        subgraphUrl: morphoGraph.url,
      })
      expect(res.source).toBe('logs')
      expect(res.fallbackReason).toMatch(/indexing_error/)
    } finally {
      morphoGraph.knobs.forcePageError = null
    }
  })

  it('an unreachable subgraph falls back to the logs', async () => {
    const res = await marketBorrowers({
      client: t.client,
      chain: t.chain,
      market: MORPHO,
      subgraphUrl: 'http://127.0.0.1:9/subgraphs/name/none',
    })
    expect(res.source).toBe('logs')
    expect(res.fallbackReason).toMatch(/could not be read/)
  })
})

describe('readMarketPositions', () => {
  it('reads in small chunks and answers the same positions; a non-borrower owes nothing', async () => {
    const block = await t.client.getBlockNumber({ cacheTime: 0 })
    const { borrowers } = await enumerateBorrowersFromLogs({
      client: t.client,
      chain: t.chain,
      market: AAVE,
      toBlock: block,
    })
    const stranger = '0x000000000000000000000000000000000000dEaD' as Address
    const big = await readMarketPositions({
      client: t.client,
      chain: t.chain,
      market: AAVE,
      borrowers,
      blockNumber: block,
    })
    const small = await readMarketPositions({
      client: t.client,
      chain: t.chain,
      market: AAVE,
      borrowers: [...borrowers, stranger],
      blockNumber: block,
      chunkSize: 2,
      concurrency: 3,
    })
    expect(small.positions).toEqual(big.positions)
    expect(small.noDebt).toContain(stranger)
    // The shared read, then the users' calls (two each) in even batches of at most 2 x chunkSize
    // calls, their count the fewest rounded up to a multiple of the batches in flight.
    const n = borrowers.length
    expect(small.counts.batches).toBe(1 + Math.min(n + 1, Math.ceil(Math.ceil((2 * (n + 1)) / 4) / 3) * 3))
    expect(big.counts.batches).toBe(1 + Math.min(n, Math.ceil(Math.ceil((2 * n) / 200) / 2) * 2))
  })

  it('a block above the head throws BLOCK_OUT_OF_RANGE (never zeros)', async () => {
    const head = await t.client.getBlockNumber({ cacheTime: 0 })
    await expect(
      readMarketPositions({
        client: t.client,
        chain: t.chain,
        market: MORPHO,
        borrowers: ['0x000000000000000000000000000000000000dEaD'],
        blockNumber: head + 1000n,
      }),
    ).rejects.toMatchObject({ code: 'BLOCK_OUT_OF_RANGE' })
  })
})
