/**
 * GET /v1/markets/{market}/leverage and GET /v1/chains/{chain}/leverage on a devchain WITH the
 * borrower population (Aave v3.0, Aave v3.6 when deployed, Morpho, the Comet double's borrowers
 * and the GMX Reader double's longs and shorts):
 * - the answers validate against their response schemas;
 * - the market's total debt equals the sum of the Pool's own getUserAccountData totalDebtBase
 *   over every borrower the route counts (read directly, at the same block), and its totals by
 *   risk asset equal the sums of the positions' legs read directly (readMarketPositions);
 * - the histogram bins hold exactly the debt of the positions that have a level in range;
 * - the chain answer covers every market at one block: its totals are the sums of the markets';
 *   it covers the Comet (every Withdraw.src borrower) and the GMX positions (every key of the
 *   DataStore's POSITION_LIST), and its perp skew is the long and short open interest summed from
 *   the Reader's own getAccountPositions (size in tokens x the index feed's price);
 * - every bad input with its 4xx.
 */
import type { Address } from 'viem'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { aavePoolAbi } from '../../abis/aave-pool.js'
import { ChainLeverageResponseSchema, MarketLeverageResponseSchema } from '../../src/api/leverage-schemas.js'
import { gmxReaderDoubleAbi } from '../../src/devchain/contracts/GmxReaderDouble.artifact.js'
import { populationHolder } from '../../src/devchain/population-comet-gmx.js'
import { marketBorrowers } from '../../src/markets/market-borrowers.js'
import { readMarketPositions } from '../../src/markets/read-market-positions.js'
import { startTestDevchain, type TestDevchain } from '../helpers/devchain.js'

let t: TestDevchain

beforeAll(async () => {
  t = await startTestDevchain({ population: true })
}, 180_000)
afterAll(async () => {
  await t?.devchain.stop()
})

async function get(path: string) {
  const res = await t.app.request(path)
  return { status: res.status, body: (await res.json()) as Record<string, unknown> }
}

type Market = ReturnType<typeof MarketLeverageResponseSchema.parse>
type Chain = ReturnType<typeof ChainLeverageResponseSchema.parse>

async function marketLeverage(market: string, query = ''): Promise<Market> {
  const r = await get(`/v1/markets/${market}/leverage?chain=local${query}`)
  expect(r.status, JSON.stringify(r.body)).toBe(200)
  return MarketLeverageResponseSchema.parse(r.body)
}

describe('GET /v1/markets/{market}/leverage', () => {
  it('Aave: total debt is the sum of the Pool’s own totalDebtBase over the borrowers, at the same block', async () => {
    const b = await marketLeverage('aave-v3-local')
    const blockNumber = BigInt(b.blockNumber)
    // The borrowers (Borrow logs) and their positions read directly at the route's block.
    const { borrowers } = await marketBorrowers({
      client: t.client,
      chain: t.chain,
      market: 'aave-v3-local',
      blockNumber,
    })
    const read = await readMarketPositions({
      client: t.client,
      chain: t.chain,
      market: 'aave-v3-local',
      borrowers,
      blockNumber,
    })
    expect(b.markets[0]!.withDebt).toBe(read.positions.length)
    expect(b.metrics.positions.lending).toBe(read.positions.length)
    // The Pool's own totals (base currency: USD, 8 decimals on the devchain), per borrower.
    let debtBase = 0n
    for (const owner of read.owners) {
      const [, totalDebtBase] = await t.client.readContract({
        address: t.manifest.aaveV3.pool as Address,
        abi: aavePoolAbi,
        functionName: 'getUserAccountData',
        args: [owner],
        blockNumber,
      })
      debtBase += totalDebtBase
    }
    expect(debtBase).toBeGreaterThan(0n)
    // Each position's legs truncate to base units (1e-8 USD) at most once per debt leg.
    expect(Math.abs(b.metrics.totals.debtUsd - Number(debtBase) / 1e8)).toBeLessThan(
      1e-6 * read.positions.length,
    )
    // By risk asset: the sums of the legs read directly (collateral counted or not).
    const sum = (side: 'collateral' | 'debt') =>
      read.positions.reduce(
        (a, p) => a + p.legs.filter((l) => l.side === side).reduce((x, l) => x + l.usd, 0),
        0,
      )
    const byAsset = b.metrics.byRiskAsset
    expect(byAsset.reduce((a, r) => a + r.debtUsd, 0)).toBeCloseTo(sum('debt'), 6)
    expect(byAsset.reduce((a, r) => a + r.collateralUsd, 0)).toBeCloseTo(sum('collateral'), 6)
    expect(b.metrics.totals.collateralUsd).toBeCloseTo(sum('collateral'), 6)
    const eth = byAsset.find((r) => r.riskAsset === 'ETH')!
    expect(eth.collateralUsd).toBeGreaterThan(0)
    expect(b.prices.ETH).toBe(3000)
  })

  it('concentration, loops and the histogram are consistent with the totals', async () => {
    const b = await marketLeverage('aave-v3-local', '&bins=25&low=0.4&high=1.6')
    const m = b.metrics
    expect(m.concentration.hhi).toBeGreaterThan(0)
    expect(m.concentration.hhi).toBeLessThanOrEqual(1)
    expect(m.concentration.top.length).toBe(10)
    const topDebt = m.concentration.top.reduce((a, x) => a + x.debtUsd, 0)
    expect(m.concentration.topShare).toBeCloseTo(topDebt / m.totals.debtUsd, 9)
    // Every lending position has one structure; their debts add up to the total.
    expect(m.looped.byStructure.reduce((a, s) => a + s.positions, 0)).toBe(m.positions.lending)
    expect(m.looped.byStructure.reduce((a, s) => a + s.debtUsd, 0)).toBeCloseTo(m.totals.debtUsd, 6)
    const loops = m.looped.byStructure
      .filter((s) => s.structure === 'carry-loop' || s.structure === 'directional-loop')
      .reduce((a, s) => a + s.debtUsd, 0)
    expect(m.looped.debtUsd).toBeCloseTo(loops, 6)
    expect(m.looped.share).toBeGreaterThan(0)
    const eth = m.liquidationLevels.find((h) => h.riskAsset === 'ETH')!
    expect(eth.bins).toHaveLength(25)
    expect(eth.bins[0]!.from).toBeCloseTo(0.4 * 3000, 9)
    expect(eth.bins.at(-1)!.to).toBeCloseTo(1.6 * 3000, 9)
    const binned = eth.bins.reduce((a, x) => a + x.positions, 0)
    expect(binned).toBeGreaterThan(50)
    // A position has at most one ETH level: binned + out of range + liquidatable <= positions.
    expect(
      binned + eth.belowRange.positions + eth.aboveRange.positions + eth.liquidatableNow.positions,
    ).toBeLessThanOrEqual(m.positions.lending)
    expect(b.perps.enumerated).toBe(false)
  })

  it('Morpho: a market of the singleton, its debt from the same read', async () => {
    const id = t.manifest.morphoBlue!.markets.find((m) => m.key === 'weth-usdc')!.id
    const b = await marketLeverage(id)
    expect(b.markets[0]!.protocol).toBe('morpho-blue')
    expect(b.metrics.positions.lending).toBeGreaterThan(50)
    expect(b.metrics.totals.debtUsd).toBeCloseTo(b.markets[0]!.debtUsd, 6)
  })
})

describe('GET /v1/chains/{chain}/leverage', () => {
  it('every market at one block; the totals are the markets’ sums', async () => {
    const r = await get('/v1/chains/local/leverage')
    expect(r.status, JSON.stringify(r.body)).toBe(200)
    const c: Chain = ChainLeverageResponseSchema.parse(r.body)
    const ids = c.markets.map((m) => m.market)
    for (const m of t.chain.aaveMarkets) expect(ids).toContain(m.id)
    for (const m of t.manifest.morphoBlue!.markets) expect(ids).toContain(m.id.toLowerCase())
    expect(c.metrics.totals.debtUsd).toBeCloseTo(
      c.markets.reduce((a, m) => a + m.debtUsd, 0),
      6,
    )
    // Each lending market the market route serves, at the chain's block, adds up to the chain
    // with the Comet (its line is the Comet's whole debt).
    let debt = 0
    const comet = c.markets.find((m) => m.market === 'compound-v3-local-usdc')!
    expect(comet).toMatchObject({ protocol: 'compound-v3', source: 'logs' })
    // Every Comet borrower: the population and the two demo borrowers.
    expect(comet.withDebt).toBe(t.manifest.populationCometGmx!.comet.count + 2)
    const gmx = c.markets.find((m) => m.market === 'gmx-v2-local')!
    expect(gmx).toMatchObject({ protocol: 'gmx-v2', kind: 'perp', source: 'registry', unavailable: 0 })
    expect(gmx.withDebt).toBe(t.manifest.populationCometGmx!.gmx.count + 4)
    for (const m of c.markets) {
      if (m === comet || m === gmx) continue
      // The V4 Spokes' lines (adapter-enumerated; the market route serves Aave v3 and Morpho).
      if (m.protocol === 'aave-v4') {
        debt += m.debtUsd
        continue
      }
      const one = await marketLeverage(m.market, `&block=${c.blockNumber}`)
      expect(one.blockNumber).toBe(c.blockNumber)
      debt += one.metrics.totals.debtUsd
    }
    expect(c.metrics.totals.debtUsd).toBeCloseTo(debt + comet.debtUsd, 6)
    expect(c.metrics.positions.perp).toBe(gmx.withDebt)
    expect(c.metrics.positions.holders).toBeLessThanOrEqual(
      c.metrics.positions.lending + c.metrics.positions.perp,
    )
    // Comet, GMX and the V4 Spokes are enumerated by their adapters: nothing is left uncovered.
    expect(c.notCovered).toEqual([])
    for (const spoke of t.manifest.aaveV4!.spokes) expect(ids).toContain(spoke.id)
    expect(c.perps.enumerated).toBe(true)
  })

  it("the perp skew: long vs short open interest from the Reader's own positions, and their levels", async () => {
    const r = await get('/v1/chains/local/leverage?bins=20&low=0.5&high=1.5')
    const c: Chain = ChainLeverageResponseSchema.parse(r.body)
    const gmx = t.manifest.gmxV2!
    const pop = t.manifest.populationCometGmx!
    const traders = [
      ...Array.from({ length: pop.gmx.count }, (_, i) => populationHolder('gmx', i)),
      ...['looper', 'gmx-trader', 'stacker'].map(
        (k) => t.manifest.wallets.find((w) => w.key === k)!.address as Address,
      ),
    ]
    // Open interest at the feeds' prices (devchain: WETH 3,000, WBTC from the manifest), by index.
    const oi: Record<string, { long: number; short: number; count: number }> = {}
    for (const account of traders) {
      const positions = await t.client.readContract({
        address: gmx.reader as Address,
        abi: gmxReaderDoubleAbi,
        functionName: 'getAccountPositions',
        args: [gmx.dataStore as Address, account, 0n, 10n],
        blockNumber: BigInt(c.blockNumber),
      })
      for (const p of positions) {
        const market = gmx.markets.find(
          (m) => m.marketToken.toLowerCase() === p.addresses.market.toLowerCase(),
        )!
        const index = t.manifest.tokens.find(
          (x) => x.address.toLowerCase() === market.indexToken.toLowerCase(),
        )!
        const asset = index.symbol === 'WETH' ? 'ETH' : 'BTC'
        const usd = (Number(p.numbers.sizeInTokens) / 10 ** index.decimals) * index.priceFeed.initialPriceUsd
        oi[asset] ??= { long: 0, short: 0, count: 0 }
        const o = oi[asset]
        if (p.flags.isLong) o.long += usd
        else o.short += usd
        o.count++
      }
    }
    for (const asset of ['ETH', 'BTC']) {
      const row = c.metrics.perps.byRiskAsset.find((x) => x.riskAsset === asset)!
      expect(row.longUsd).toBeCloseTo(oi[asset]!.long, 3)
      expect(row.shortUsd).toBeCloseTo(oi[asset]!.short, 3)
      expect(row.skew!).toBeCloseTo(
        (oi[asset]!.long - oi[asset]!.short) / (oi[asset]!.long + oi[asset]!.short),
        9,
      )
      // Every position has one level: binned, out of range, or liquidatable now.
      const h = c.metrics.perps.liquidationLevels.find((x) => x.riskAsset === asset)!
      const binned = h.bins.reduce((a, x) => a + x.positions, 0)
      expect(binned + h.belowRange.positions + h.aboveRange.positions + h.liquidatableNow.positions).toBe(
        oi[asset]!.count,
      )
      // Longs are liquidated by a fall (below the price), shorts by a rise (above it).
      for (const bin of h.bins) {
        if (bin.to <= h.price) expect(bin.onRiseUsd).toBe(0)
        if (bin.from >= h.price) expect(bin.onFallUsd).toBe(0)
      }
    }
  })
})

describe('the OpenAPI document', () => {
  it('says exactly which parameters the leverage routes take', async () => {
    const doc = (await get('/openapi.json')).body as {
      paths: Record<string, { get: { parameters: { name: string; in: string; required?: boolean }[] } }>
    }
    const names = (path: string) =>
      doc.paths[path]!.get.parameters.map((p) => `${p.in}:${p.name}${p.required ? '!' : ''}`).sort()
    expect(names('/v1/markets/{market}/leverage')).toEqual([
      'path:market!',
      'query:bins',
      'query:block',
      'query:chain!',
      'query:high',
      'query:low',
    ])
    expect(names('/v1/chains/{chain}/leverage')).toEqual([
      'path:chain!',
      'query:bins',
      'query:block',
      'query:high',
      'query:low',
    ])
  })
})

describe('leverage routes: bad input', () => {
  const cases: [string, string, number, string][] = [
    ['no chain', '/v1/markets/aave-v3-local/leverage', 400, 'INVALID_REQUEST'],
    ['an unknown chain', '/v1/markets/aave-v3-local/leverage?chain=nope', 400, 'UNKNOWN_CHAIN'],
    ['an unknown market', '/v1/markets/aave-v9/leverage?chain=local', 404, 'NOT_FOUND'],
    [
      'a Morpho id Morpho does not know',
      `/v1/markets/0x${'1'.repeat(64)}/leverage?chain=local`,
      404,
      'NOT_FOUND',
    ],
    ['bins of 0', '/v1/markets/aave-v3-local/leverage?chain=local&bins=0', 400, 'INVALID_REQUEST'],
    ['bins not a number', '/v1/markets/aave-v3-local/leverage?chain=local&bins=many', 400, 'INVALID_REQUEST'],
    ['too many bins', '/v1/markets/aave-v3-local/leverage?chain=local&bins=201', 400, 'INVALID_REQUEST'],
    ['a negative low', '/v1/markets/aave-v3-local/leverage?chain=local&low=-1', 400, 'INVALID_REQUEST'],
    [
      'high not above low',
      '/v1/markets/aave-v3-local/leverage?chain=local&low=1.2&high=1.1',
      400,
      'INVALID_REQUEST',
    ],
    ['a bad block', '/v1/markets/aave-v3-local/leverage?chain=local&block=abc', 400, 'INVALID_BLOCK'],
    [
      'a block above the head',
      '/v1/markets/aave-v3-local/leverage?chain=local&block=99999999',
      400,
      'BLOCK_OUT_OF_RANGE',
    ],
    ['chain route: an unknown chain', '/v1/chains/nope/leverage', 400, 'UNKNOWN_CHAIN'],
    ['chain route: a chain without RPC here', '/v1/chains/ethereum/leverage', 400, 'CHAIN_NOT_CONFIGURED'],
    ['chain route: bins of 0', '/v1/chains/local/leverage?bins=0', 400, 'INVALID_REQUEST'],
    ['chain route: high not above low', '/v1/chains/local/leverage?low=2&high=1', 400, 'INVALID_REQUEST'],
  ]
  for (const [name, path, status, code] of cases) {
    it(name, async () => {
      const r = await get(path)
      expect(r.status, JSON.stringify(r.body)).toBe(status)
      const error = (r.body as { error: { code: string; message: string } }).error
      expect(error.code).toBe(code)
      expect(error.message.length).toBeGreaterThan(10)
    })
  }
})
