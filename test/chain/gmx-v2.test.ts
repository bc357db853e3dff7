/**
 * Devchain tests of the GMX v2 adapter against GmxReaderDouble, a TEST DOUBLE of GMX's Reader
 * that speaks the real Reader ABI and applies GMX's liquidation rule (no gmx-synthetics bytecode
 * can be had here; test/fork/gmx-v2.test.ts reads the real Reader).
 *
 * Asserted: the seeded positions are read with their hand-computed figures; the looper's Aave
 * borrow and GMX long come back together; each computed liquidation price, set on the index
 * token's feed x (1 +/- 1e-4), flips the double's own isPositionLiquidatable; HF < 1 <=>
 * liquidatable over a price sweep; the oracle-HTTP price path gives the same numbers and a
 * malformed tickers payload becomes an unavailable PRICE_UNAVAILABLE row.
 */
import type { Address } from 'viem'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createChainClient } from '../../src/chains/client.js'
import type { ChainRuntime } from '../../src/config.js'
import type { Position, PositionResult } from '../../src/core/types.js'
import { gmxReaderDoubleAbi } from '../../src/devchain/contracts/GmxReaderDouble.artifact.js'
import { settablePriceFeedAbi } from '../../src/devchain/contracts/SettablePriceFeed.artifact.js'
import { type DeployedGmxDouble, deployGmxDouble, localGmxConfigs } from '../../src/devchain/deploy-gmx.js'
import { send } from '../../src/devchain/tx.js'
import { aaveV3Adapter } from '../../src/protocols/aave-v3/index.js'
import { createGmxV2Adapter, gmxV2Adapter } from '../../src/protocols/gmx-v2/index.js'
import type { GmxV2Config } from '../../src/protocols/gmx-v2/markets.js'
import { feedAnswerToGmxPrice } from '../../src/protocols/gmx-v2/read.js'
import { readWallet } from '../../src/protocols/read-wallet.js'
import type { ProtocolAdapter } from '../../src/protocols/types.js'
import { startTestDevchain, type TestDevchain } from '../helpers/devchain.js'

let t: TestDevchain
let deployed: DeployedGmxDouble
let config: GmxV2Config
let chain: ChainRuntime

const withGmx = (c: ChainRuntime, configs: GmxV2Config[]) => ({ ...c, gmxV2: configs }) as ChainRuntime

beforeAll(async () => {
  t = await startTestDevchain()
  deployed = await deployGmxDouble(t.clients, t.manifest)
  config = localGmxConfigs(deployed.manifest)[0]!
  chain = withGmx(t.chain, [config])
})
afterAll(async () => {
  await t?.devchain.stop()
})

const admin = () => t.manifest.admin.address as Address
const wallet = (key: string): Address => {
  const w = [...t.manifest.wallets, ...deployed.wallets].find((x) => x.key === key)
  if (!w) throw new Error(`no demo wallet ${key}`)
  return w.address as Address
}
const token = (symbol: string) => {
  const tok = t.manifest.tokens.find((x) => x.symbol === symbol)
  if (!tok) throw new Error(`no token ${symbol}`)
  return tok
}

async function setPrice(symbol: string, usd: number) {
  await send(t.clients, {
    from: admin(),
    address: token(symbol).priceFeed.address as Address,
    abi: settablePriceFeedAbi,
    functionName: 'setAnswer',
    args: [BigInt(Math.round(usd * 1e8))],
  })
}

async function readGmx(
  user: Address,
  adapters: ProtocolAdapter[] = [gmxV2Adapter],
  on: ChainRuntime = chain,
) {
  return readWallet({ client: t.client, chain: on, user, adapters })
}

function ok(rows: PositionResult[]): Position[] {
  return rows.map((p) => {
    if (p.status !== 'ok') throw new Error(`${p.code}: ${p.reason}`)
    return p
  })
}

/** The double's own verdict at the feeds' current prices. */
async function doubleSaysLiquidatable(p: Position): Promise<boolean> {
  const d = p.details as Record<string, string>
  const gmxPrice = async (tokenAddress: string) => {
    const tok = t.manifest.tokens.find((x) => x.address.toLowerCase() === tokenAddress.toLowerCase())!
    const [, answer] = (await t.client.readContract({
      address: tok.priceFeed.address as Address,
      abi: settablePriceFeedAbi,
      functionName: 'latestRoundData',
    })) as readonly [bigint, bigint, bigint, bigint, bigint]
    const price = feedAnswerToGmxPrice(answer, tok.priceFeed.decimals, tok.decimals)
    return { min: price, max: price }
  }
  const [liquidatable] = (await t.client.readContract({
    address: config.reader,
    abi: gmxReaderDoubleAbi,
    functionName: 'isPositionLiquidatable',
    args: [
      config.dataStore,
      config.referralStorage,
      d.positionKey,
      {
        marketToken: d.marketToken,
        indexToken: d.indexToken,
        longToken: d.longToken,
        shortToken: d.shortToken,
      },
      {
        indexTokenPrice: await gmxPrice(d.indexToken!),
        longTokenPrice: await gmxPrice(d.longToken!),
        shortTokenPrice: await gmxPrice(d.shortToken!),
      },
      true,
      true,
    ],
  } as never)) as readonly [boolean, string, unknown]
  return liquidatable
}

describe('positions read from the Reader double', () => {
  it('looper: a 5x ETH long with USDC collateral, hand-computed figures', async () => {
    const [p] = ok((await readGmx(wallet('looper'))).positions)
    expect(p!.kind).toBe('perp')
    expect(p!.protocol).toBe('gmx-v2')
    expect(p!.legs.map((l) => [l.side, l.asset.symbol, l.amount])).toEqual([
      ['long', 'WETH', 10n ** 19n],
      ['collateral', 'USDC', 5_000_000_000n],
    ])
    // Entry 25,000 / 10 = 2,500; mark 3,000: pnl = 30,000 - 25,000 = 5,000; remaining = 5,000 +
    // 5,000 - 60 impact - 40 fees = 9,900; threshold = 1% of 25,000 = 250: HF = 39.6.
    // Liquidation: (250 + 25,000 - 5,000 + 100) / 10 = 2,035.
    expect(p!.details).toMatchObject({
      entryPriceUsd: 2500,
      markPriceUsd: 3000,
      pnlUsd: 5000,
      feesAndPriceImpactUsd: 100,
      remainingCollateralUsd: 9900,
      maintenanceMarginUsd: 250,
      liquidatable: false,
      priceSource: 'feeds',
    })
    expect(p!.details.leverage as number).toBeCloseTo(25_000 / 9_900, 6)
    expect(p!.healthFactorWad).toBe(39_600_000_000_000_000_000n)
    // The position's equity: 5,000 collateral + 5,000 pnl - 100 fees and impact = 9,900.
    expect(p!.collateralUsd).toBe(9900)
    expect(p!.legs.find((l) => l.side === 'collateral')!.usd).toBe(5000)
    expect(p!.liquidationPrices).toEqual([
      {
        asset: config.markets![0]!.indexToken,
        symbol: 'WETH',
        side: 'long',
        price: 2035,
        currentPrice: 3000,
        distance: 2035 / 3000 - 1,
      },
    ])
  })

  it('gmx-trader: short ETH (impact capped) and long BTC with WBTC collateral', async () => {
    const rows = ok((await readGmx(wallet('gmx-trader'))).positions)
    expect(
      rows.map((p) => [p.legs[0]!.side, p.legs[0]!.asset.symbol, p.liquidationPrices[0]!.price]),
    ).toEqual([
      // (30,000 + 3,000 - 150 capped impact - 25 fees - 300) / 10 = 3,252.5
      ['short', 'WETH', 3252.5],
      // (1,200 + 120,000 + 50) / (2 + 0.5) = 48,500
      ['long', 'WBTC', 48_500],
    ])
    expect(rows[0]!.details.feesAndPriceImpactUsd).toBe(175)
    expect(rows[1]!.details.collateralIsIndexToken).toBe(true)
    expect(rows[1]!.details.remainingCollateralUsd).toBe(29_950)
  })

  /** A client counting HTTP requests and eth_calls; `beforeRequest(n)` runs before the n-th POST. */
  function countingClient(beforeRequest?: (n: number) => Promise<void>) {
    const seen = { http: 0, ethCalls: 0 }
    const counting: typeof fetch = async (input, init) => {
      seen.http++
      await beforeRequest?.(seen.http)
      const body = JSON.parse(String(init?.body)) as { method: string } | { method: string }[]
      for (const m of Array.isArray(body) ? body : [body]) if (m.method === 'eth_call') seen.ethCalls++
      return fetch(input, init)
    }
    return { seen, client: createChainClient('local', { rpcUrls: chain.rpcUrls, fetchFn: counting }) }
  }

  it('the looper holds Aave and GMX at once: two HTTP requests (head + discovery, then the batch with the verdict), no follow-up', async () => {
    const { seen, client } = countingClient()
    const report = await readWallet({
      client,
      chain,
      user: wallet('looper'),
      adapters: [aaveV3Adapter, gmxV2Adapter],
    })
    // Discovery's aggregate3 (positions, markets, feeds) and the batch: the verdict rides in it.
    expect(seen).toEqual({ http: 2, ethCalls: 2 })
    expect(report.positions.map((p) => [p.protocol, p.kind, p.status])).toEqual([
      ['aave-v3', 'lending', 'ok'],
      ['gmx-v2', 'perp', 'ok'],
    ])
  })

  it('a block mined between the head and discovery’s read (a feed moved): the verdict is re-asked at the batch’s block', async () => {
    await t.isolated(async () => {
      const looper = wallet('looper')
      const before = ok((await readGmx(looper)).positions)[0]!
      const moved = before.liquidationPrices[0]!.currentPrice * 0.97
      // The first POST (eth_blockNumber + discovery's aggregate3, one JSON-RPC batch) is split as a
      // node may answer it: the head first, then a block moving WETH's feed, then the discovery.
      let ethCalls = 0
      let posts = 0
      const racing: typeof fetch = async (input, init) => {
        const body = JSON.parse(String(init?.body)) as { method: string }[] | { method: string }
        const calls = Array.isArray(body) ? body : [body]
        ethCalls += calls.filter((c) => c.method === 'eth_call').length
        if (posts++ > 0 || !Array.isArray(body) || body[0]?.method !== 'eth_blockNumber')
          return fetch(input, init)
        const post = async (part: unknown[]) =>
          (await (await fetch(input, { ...init, body: JSON.stringify(part) })).json()) as unknown[]
        const headAnswer = await post(body.slice(0, 1))
        await setPrice('WETH', moved)
        const rest = await post(body.slice(1))
        return new Response(JSON.stringify([...headAnswer, ...rest]), {
          headers: { 'content-type': 'application/json' },
        })
      }
      const client = createChainClient('local', { rpcUrls: chain.rpcUrls, fetchFn: racing })
      const raced = await readWallet({ client, chain, user: looper, adapters: [gmxV2Adapter] })
      // Discovery (at the new block, the moved price), the batch (pinned to the head read first),
      // and ONE pinned follow-up: the verdict planned with the moved price is not served.
      expect(ethCalls).toBe(3)
      const atHead = ok(
        (
          await readWallet({
            client: t.client,
            chain,
            user: looper,
            adapters: [gmxV2Adapter],
            blockNumber: raced.blockNumber,
          })
        ).positions,
      )[0]!
      const served = ok(raced.positions)[0]!
      expect(served.liquidationPrices[0]!.currentPrice).toBe(before.liquidationPrices[0]!.currentPrice)
      expect(served.healthFactor).toBe(atHead.healthFactor)
      expect(served.details).toEqual(atHead.details)
      // And the moved price is real at the next block: the race was there to lose.
      const after = ok((await readGmx(looper)).positions)[0]!
      expect(after.liquidationPrices[0]!.currentPrice).toBeCloseTo(moved, 6)
      expect(after.healthFactor).not.toBe(served.healthFactor)
    })
  })

  it('a wallet without GMX positions gets no row (and no follow-up)', async () => {
    expect((await readGmx('0x00000000000000000000000000000000DeaDBeef')).positions).toEqual([])
  })
})

describe('liquidation prices flip the double’s isPositionLiquidatable', () => {
  const cases: [string, number, string][] = [
    ['looper', 0, 'WETH'],
    ['gmx-trader', 0, 'WETH'],
    ['gmx-trader', 1, 'WBTC'],
  ]
  for (const [key, i, symbol] of cases) {
    it(`${key} #${i}: ${symbol} at its liquidation price x (1 +/- 1e-4)`, async () => {
      const p = ok((await readGmx(wallet(key))).positions)[i]!
      const lp = p.liquidationPrices[0]!
      const price = lp.price!
      const above = p.details.liquidationDirection === 'above'
      expect(above ? price > lp.currentPrice : price < lp.currentPrice).toBe(true)
      const safe = above ? 1 - 1e-4 : 1 + 1e-4
      const unsafe = above ? 1 + 1e-4 : 1 - 1e-4
      await t.isolated(async () => {
        await setPrice(symbol, price * safe)
        const q = ok((await readGmx(wallet(key))).positions)[i]!
        expect(await doubleSaysLiquidatable(q)).toBe(false)
        expect(q.details.liquidatable).toBe(false)
        expect(q.healthFactor!).toBeGreaterThanOrEqual(1)
      })
      await t.isolated(async () => {
        await setPrice(symbol, price * unsafe)
        const q = ok((await readGmx(wallet(key))).positions)[i]!
        expect(await doubleSaysLiquidatable(q)).toBe(true)
        expect(q.details.liquidatable).toBe(true)
        expect(q.healthFactor!).toBeLessThan(1)
      })
    })
  }

  it('HF < 1 <=> liquidatable over a sweep of ETH prices (looper long)', async () => {
    for (const usd of [1500, 2000, 2030, 2040, 2500, 3000]) {
      await t.isolated(async () => {
        await setPrice('WETH', usd)
        const [p] = ok((await readGmx(wallet('looper'))).positions)
        expect(p!.healthFactor! < 1).toBe(p!.details.liquidatable)
        expect(p!.details.liquidatable).toBe(usd < 2035)
      })
    }
  })
})

describe('prices from GMX’s oracle HTTP service (injected fetch)', () => {
  const oracleConfig = (): GmxV2Config => ({
    ...config,
    prices: { kind: 'oracle', tickersUrl: 'https://gmx.test/prices/tickers' },
  })
  const tickers = () =>
    t.manifest.tokens
      .filter((x) => ['WETH', 'WBTC', 'USDC'].includes(x.symbol))
      .map((x) => {
        const price = feedAnswerToGmxPrice(
          BigInt(Math.round(x.priceFeed.initialPriceUsd * 1e8)),
          8,
          x.decimals,
        )
        return {
          tokenAddress: x.address,
          tokenSymbol: x.symbol,
          minPrice: price.toString(),
          maxPrice: price.toString(),
          updatedAt: 1_732_400_000_000,
          timestamp: 1_732_400_000,
        }
      })

  it('the same liquidation prices as from the feeds', async () => {
    let gets = 0
    const fetchFn: typeof fetch = (async () => {
      gets++
      return new Response(JSON.stringify(tickers()), { status: 200 })
    }) as typeof fetch
    const adapter = createGmxV2Adapter({ fetchFn })
    const rows = ok(
      (await readGmx(wallet('gmx-trader'), [adapter], withGmx(t.chain, [oracleConfig()]))).positions,
    )
    expect(gets).toBe(1)
    expect(rows.map((p) => p.liquidationPrices[0]!.price)).toEqual([3252.5, 48_500])
    expect(rows[0]!.details.priceSource).toBe('oracle')
  })

  it('a malformed tickers payload is an unavailable PRICE_UNAVAILABLE row naming GMX', async () => {
    const bad = tickers().map((x) => ({ ...x, minPrice: Number(x.minPrice) }))
    const fetchFn: typeof fetch = (async () =>
      new Response(JSON.stringify(bad), { status: 200 })) as typeof fetch
    const report = await readGmx(
      wallet('looper'),
      [aaveV3Adapter, createGmxV2Adapter({ fetchFn })],
      withGmx(t.chain, [oracleConfig()]),
    )
    const rows = report.positions.map((p) => [p.protocol, p.status, p.status === 'unavailable' ? p.code : ''])
    expect(rows).toEqual([
      ['aave-v3', 'ok', ''],
      ['gmx-v2', 'unavailable', 'PRICE_UNAVAILABLE'],
    ])
    const row = report.positions[1]!
    expect(row.status === 'unavailable' && row.reason).toMatch(
      /^GMX oracle prices: malformed tickers payload at 0\.minPrice/,
    )
  })
})
