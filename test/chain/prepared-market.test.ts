/**
 * The lean market read and the prepared-market cache (src/markets/prepared-market.ts) on a
 * devchain with the borrower population:
 * - lean positions (Aave read with the market answers decoded once, user reserves read in place,
 *   no liquidation prices) equal the full market read's positions in everything but
 *   `liquidationPrices` (legs, healthFactorWad, rule, details), for both Aave markets and Morpho;
 * - a second prepare at the same block comes from the cache (same object); a new block does not;
 *   a reverted block re-mined with other content at the same height has another hash and is not
 *   served from the entry of the block it replaced;
 * - a market too large for the cache's position bound is prepared but not kept;
 * - the pool state cache: same block -> the same state object; a new block -> a fresh read;
 * - the next block's read reuses the users no event of the Pool or its tokens named since the last
 *   read (only getUserAccountData read for them), and equals a full read: after a price move (all
 *   reused) and after a real aToken transfer between two borrowers (those two read again).
 */
import { type Address, parseAbi } from 'viem'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { configFromEnv } from '../../src/config.js'
import { settablePriceFeedAbi } from '../../src/devchain/contracts/SettablePriceFeed.artifact.js'
import { send } from '../../src/devchain/tx.js'
import { prepareMarket, readBlockRef, readPoolStateAt } from '../../src/markets/prepared-market.js'
import { createPreparedMarketCache } from '../../src/markets/prepared-market-cache.js'
import { readMarketPositions } from '../../src/markets/read-market-positions.js'
import { createReadCaches } from '../../src/protocols/read-caches.js'
import { createAssetContexts } from '../../src/report/asset-contexts.js'
import { startTestDevchain, type TestDevchain } from '../helpers/devchain.js'

const erc20 = parseAbi([
  'function balanceOf(address) view returns (uint256)',
  'function transfer(address to, uint256 amount) returns (bool)',
])

let t: TestDevchain
let markets: string[]

beforeAll(async () => {
  t = await startTestDevchain({ population: true })
  markets = [
    ...t.chain.aaveMarkets.map((m) => m.id),
    t.manifest.morphoBlue!.markets.find((m) => m.key === 'weth-usdc')!.id,
  ]
}, 180_000)
afterAll(async () => {
  await t?.devchain.stop()
})

const mine = () => t.clients.test.request({ method: 'evm_mine', params: [] } as never)
const assets = () => createAssetContexts(configFromEnv({}, t.manifest))

describe('lean market positions', () => {
  it('equal the full read in everything but liquidationPrices, in every market', async () => {
    const blockNumber = await t.client.getBlockNumber({ cacheTime: 0 })
    for (const market of markets) {
      const { market: prepared } = await prepareMarket({
        client: t.client,
        chain: t.chain,
        market,
        assets: assets(),
        blockNumber,
      })
      const full = await readMarketPositions({
        client: t.client,
        chain: t.chain,
        market,
        borrowers: prepared.borrowers.borrowers,
        blockNumber,
      })
      const lean = prepared.borrowers
      // aave-v36-local (the v3.3+ layout: 4-field user reserves) holds the demo borrowers only.
      expect(lean.positions.length, market).toBeGreaterThan(market === 'aave-v36-local' ? 0 : 100)
      expect(lean.owners).toEqual(full.owners)
      expect(lean.noDebt).toEqual(full.noDebt)
      expect(lean.unavailable).toEqual([])
      lean.positions.forEach((p, i) => {
        const { liquidationPrices, ...rest } = full.positions[i]!
        const { liquidationPrices: leanPrices, ...leanRest } = p
        expect(leanRest).toEqual(rest)
        expect(leanRest.healthFactorWad).toBe(rest.healthFactorWad)
        // Aave skips the bisection; Morpho's closed form is kept as it is.
        if (market.startsWith('0x')) expect(leanPrices).toEqual(liquidationPrices)
        else {
          expect(leanPrices).toEqual([])
          expect(liquidationPrices.length).toBeGreaterThan(0)
        }
      })
    }
  })
})

describe('the prepared-market cache', () => {
  it('serves a repeat at the same block, not a new block', async () => {
    const caches = createReadCaches()
    const params = { client: t.client, chain: t.chain, market: 'aave-v3-local', assets: assets(), caches }
    const a = await prepareMarket(params)
    const b = await prepareMarket(params)
    expect(a.cached).toBe(false)
    expect(b.cached).toBe(true)
    expect(b.market).toBe(a.market)
    // The cascade view of an asset is computed once per entry.
    expect(b.market.cascadeFor('ETH')).toBe(a.market.cascadeFor('ETH'))
    // The same block asked by number is the same entry.
    const c = await prepareMarket({ ...params, blockNumber: a.market.blockNumber })
    expect(c.cached).toBe(true)
    await mine()
    const d = await prepareMarket(params)
    expect(d.cached).toBe(false)
    expect(d.market.blockNumber).toBe(a.market.blockNumber + 1n)
    expect(caches.preparedMarkets.entries.size).toBe(2)
  })

  it('a block replaced at the same height (revert, other content) is read again', async () => {
    const caches = createReadCaches()
    const params = { client: t.client, chain: t.chain, market: 'aave-v3-local', assets: assets(), caches }
    const weth = t.manifest.tokens.find((x) => x.symbol === 'WETH')!
    const setPrice = (usd: number) =>
      send(t.clients, {
        from: t.manifest.admin.address as Address,
        address: weth.priceFeed.address as Address,
        abi: settablePriceFeedAbi,
        functionName: 'setAnswer',
        args: [BigInt(Math.round(usd * 1e8))],
      })
    const first = await t.isolated(async () => {
      await setPrice(weth.priceFeed.initialPriceUsd * 0.9)
      return prepareMarket(params)
    })
    // Reverted: the same height again, mined with another price.
    const second = await t.isolated(async () => {
      await setPrice(weth.priceFeed.initialPriceUsd * 0.8)
      return prepareMarket(params)
    })
    expect(second.market.blockNumber).toBe(first.market.blockNumber)
    expect(second.market.blockHash).not.toBe(first.market.blockHash)
    expect(second.cached).toBe(false)
    const startPriceOf = (r: typeof first) => r.market.cascadeFor('ETH').inputs.startPrice
    expect(startPriceOf(first)).toBeCloseTo(weth.priceFeed.initialPriceUsd * 0.9, 6)
    expect(startPriceOf(second)).toBeCloseTo(weth.priceFeed.initialPriceUsd * 0.8, 6)
  })

  it('a market with more positions than the bound is prepared, not kept', async () => {
    const caches = { ...createReadCaches(), preparedMarkets: createPreparedMarketCache(4, 10) }
    const params = { client: t.client, chain: t.chain, market: 'aave-v3-local', assets: assets(), caches }
    const a = await prepareMarket(params)
    expect(a.market.borrowers.positions.length).toBeGreaterThan(10)
    expect((await prepareMarket(params)).cached).toBe(false)
    expect(caches.preparedMarkets.entries.size).toBe(0)
  })

  it('the next block reuses what no event changed, and equals a full read', async () => {
    const caches = createReadCaches()
    const params = { client: t.client, chain: t.chain, market: 'aave-v3-local', assets: assets(), caches }
    const full = async () => (await prepareMarket({ ...params, caches: createReadCaches() })).market
    const strip = (m: Awaited<ReturnType<typeof full>>) => ({
      owners: m.borrowers.owners,
      noDebt: m.borrowers.noDebt,
      unavailable: m.borrowers.unavailable,
      positions: m.borrowers.positions,
    })
    await t.isolated(async () => {
      const a = await prepareMarket(params)
      expect(a.market.borrowers.counts.reused).toBe(0)
      const candidates = a.market.borrowers.borrowers.length
      // An empty block and a price move (the feed is neither the Pool nor a token): every user is
      // reused (no getUserReservesData read), and the positions equal a full read of that block.
      const weth = t.manifest.tokens.find((x) => x.symbol === 'WETH')!
      await send(t.clients, {
        from: t.manifest.admin.address as Address,
        address: weth.priceFeed.address as Address,
        abi: settablePriceFeedAbi,
        functionName: 'setAnswer',
        args: [BigInt(Math.round(weth.priceFeed.initialPriceUsd * 0.93 * 1e8))],
      })
      const b = await prepareMarket(params)
      expect(b.cached).toBe(false)
      expect(b.market.borrowers.counts.reused).toBe(candidates)
      expect(strip(b.market)).toEqual(strip(await full()))
      // 1 wei of aWETH moved from one borrower to another: both are read again, the rest reused.
      const holders = b.market.borrowers.owners
      const aWeth = weth.aToken as Address
      const balanceOf = (who: Address) =>
        t.client.readContract({ address: aWeth, abi: erc20, functionName: 'balanceOf', args: [who] })
      let from: Address | undefined
      for (const o of holders)
        if (
          (await balanceOf(o)) > 10n ** 15n &&
          t.manifest.wallets.some((w) => w.address.toLowerCase() === o.toLowerCase())
        )
          from = o
      expect(from, 'a demo borrower holding aWETH').toBeDefined()
      const to = holders.find((o) => o !== from)!
      await t.clients.test.impersonateAccount({ address: from! })
      await t.clients.test.setBalance({ address: from!, value: 10n ** 18n })
      await send(t.clients, {
        from: from!,
        address: aWeth,
        abi: erc20,
        functionName: 'transfer',
        args: [to, 1n],
      })
      const c = await prepareMarket(params)
      expect(c.market.borrowers.counts.reused).toBe(candidates - 2)
      expect(strip(c.market)).toEqual(strip(await full()))
      const i = c.market.borrowers.owners.indexOf(to)
      const before = b.market.borrowers.positions[b.market.borrowers.owners.indexOf(to)]!
      expect(c.market.borrowers.positions[i]!.legs).not.toEqual(before.legs)
    })
  })

  it('the next block takes its candidates from the last read plus the Borrow events since (no full log scan)', async () => {
    const caches = createReadCaches()
    const params = { client: t.client, chain: t.chain, market: 'aave-v3-local', assets: assets(), caches }
    await t.isolated(async () => {
      const a = await prepareMarket(params)
      expect(caches.preparedMarkets.latest.get('local|aave-v3-local')?.borrowers).toEqual(
        a.market.borrowers.borrowers,
      )
      // A newcomer that never borrowed here supplies WETH and borrows USDC on the devchain's Pool.
      const newcomer = '0x00000000000000000000000000000000000b0a11' as Address
      const weth = t.manifest.tokens.find((x) => x.symbol === 'WETH')!
      const usdc = t.manifest.tokens.find((x) => x.symbol === 'USDC')!
      const pool = t.manifest.aaveV3.pool as Address
      await t.clients.test.impersonateAccount({ address: newcomer })
      await t.clients.test.setBalance({ address: newcomer, value: 10n ** 18n })
      const token = parseAbi([
        'function mint(address account, uint256 value) returns (bool)',
        'function approve(address spender, uint256 value) returns (bool)',
      ])
      const poolAbi = parseAbi([
        'function supply(address asset, uint256 amount, address onBehalfOf, uint16 referralCode)',
        'function borrow(address asset, uint256 amount, uint256 interestRateMode, uint16 referralCode, address onBehalfOf)',
      ])
      const tx = (
        address: Address,
        abi: typeof token | typeof poolAbi,
        functionName: string,
        args: unknown[],
      ) => send(t.clients, { from: newcomer, address, abi, functionName, args } as never)
      await tx(weth.address as Address, token, 'mint', [newcomer, 10n ** 18n])
      await tx(weth.address as Address, token, 'approve', [pool, 10n ** 18n])
      await tx(pool, poolAbi, 'supply', [weth.address, 10n ** 18n, newcomer, 0])
      await tx(pool, poolAbi, 'borrow', [usdc.address, 100n * 10n ** 6n, 2n, 0, newcomer])
      const calls: string[] = []
      const watched = {
        ...params,
        client: new Proxy(t.client, {
          get(target, prop, receiver) {
            const v = Reflect.get(target, prop, receiver)
            if (prop !== 'request' || typeof v !== 'function') return v
            return (args: { method: string; params?: unknown[] }, ...rest: unknown[]) => {
              const filter = args.params?.[0] as { fromBlock?: string } | undefined
              if (args.method === 'eth_getLogs') calls.push(filter?.fromBlock ?? '')
              return v.call(target, args, ...rest)
            }
          },
        }),
      }
      const b = await prepareMarket(watched)
      const fresh = (await prepareMarket({ ...params, caches: createReadCaches() })).market
      // The same candidates and positions as a full enumeration from block 0, the newcomer among them.
      expect(b.market.borrowers.borrowers).toEqual(fresh.borrowers.borrowers)
      expect(b.market.borrowers.borrowers.length).toBe(a.market.borrowers.borrowers.length + 1)
      expect(b.market.borrowers.owners.map((o) => o.toLowerCase())).toContain(newcomer)
      expect(b.market.borrowers.positions).toEqual(fresh.borrowers.positions)
      // One log scan, from the block after the last read: no Borrow scan from block 0.
      expect(calls).toEqual([`0x${(a.market.blockNumber + 1n).toString(16)}`])
    })
  })

  it('the pool state cache keys by block hash too', async () => {
    const caches = createReadCaches()
    const pool = t.chain.dexPools!.find((p) => p.riskAsset === 'ETH')!
    const read = async () =>
      readPoolStateAt({
        client: t.client,
        chain: t.chain,
        pool: pool.pool,
        asset: pool.token,
        block: await readBlockRef({ client: t.client, chain: 'local' }),
        caches,
      })
    const a = await read()
    expect(await read()).toBe(a)
    await mine()
    const b = await read()
    expect(b).not.toBe(a)
    expect(b.liquidity).toBe(a.liquidity)
    expect(caches.poolStates.size).toBe(2)
  })

  it('readBlockRef refuses a block above the head', async () => {
    const head = await t.client.getBlockNumber({ cacheTime: 0 })
    await expect(
      readBlockRef({ client: t.client, chain: 'local', blockNumber: head + 10n }),
    ).rejects.toMatchObject({
      code: 'BLOCK_OUT_OF_RANGE',
    })
    const ref = await readBlockRef({ client: t.client, chain: 'local', blockNumber: head })
    expect(ref.blockNumber).toBe(head)
    expect(ref.blockHash).toMatch(/^0x[0-9a-f]{64}$/)
  })
})
