/**
 * Liquidation ratios, the two-asset surface and safe size on the devchain (real Aave v3.0
 * bytecode), checked against the Pool itself:
 * - ratio: the served wstETH/WETH liquidation ratio of the eMode carry loop, set on the wstETH
 *   feed (x the WETH price), leaves Pool.getUserAccountData's HF >= 1; one oracle unit (1e-8 USD)
 *   under it, < 1; with WETH moved to 2,400 and the ratio held, the HF still crosses 1 there; the
 *   same one unit either side on Morpho Blue's wstETH/WETH market (its FeedRatioOracle);
 * - surface: boundary points of the multi-collateral borrower (WETH + WBTC / USDC), set on both
 *   feeds, flip the Pool's HF (a 1e-6 move either side); its axis cuts equal the served
 *   one-asset liquidation prices;
 * - capacity: the computed borrow, REALLY borrowed, then the same price move on the feed: the
 *   Pool's HF equals the target to 1e-9 (without and with the market cascade), and Morpho's on
 *   its WBTC/USDC market;
 * then every bad parameter with its 4xx, and the responses against their schemas.
 */
import { type Address, type Hex, parseAbi } from 'viem'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { aavePoolAbi } from '../../abis/aave-pool.js'
import { WalletReportSchema } from '../../src/api/schemas.js'
import { CapacityResponseSchema, SurfaceResponseSchema } from '../../src/api/wallet-analysis-schemas.js'
import { loadArtifact } from '../../src/devchain/artifacts.js'
import { settablePriceFeedAbi } from '../../src/devchain/contracts/SettablePriceFeed.artifact.js'
import { send } from '../../src/devchain/tx.js'
import { morphoAbi } from '../../src/protocols/morpho-blue/read.js'
import { startTestDevchain, type TestDevchain } from '../helpers/devchain.js'

let t: TestDevchain

beforeAll(async () => {
  t = await startTestDevchain()
})
afterAll(async () => {
  await t?.devchain.stop()
})

const WAD = 10n ** 18n
const wallet = (key: string) => t.manifest.wallets.find((w) => w.key === key)!.address as Address
const token = (symbol: string) => t.manifest.tokens.find((x) => x.symbol === symbol)!

async function get(path: string) {
  const res = await t.app.request(path)
  return { status: res.status, body: (await res.json()) as Record<string, unknown> }
}
async function healthFactor(user: Address): Promise<bigint> {
  const data = await t.client.readContract({
    address: t.manifest.aaveV3.pool as Address,
    abi: aavePoolAbi,
    functionName: 'getUserAccountData',
    args: [user],
  })
  return data[5]
}
/**
 * The timestamp every transaction of a check lands at: the read's own, so no interest accrues
 * between the answer and the Pool's check (anvil allows an equal timestamp).
 */
let pinnedTime: number | null = null
async function pin() {
  if (pinnedTime !== null) await t.clients.test.setNextBlockTimestamp({ timestamp: BigInt(pinnedTime) })
}
/** Runs `fn` isolated with every transaction at `timestamp` (Unix seconds). */
async function atTime(timestamp: number, fn: () => Promise<void>) {
  pinnedTime = timestamp
  try {
    await t.isolated(fn)
  } finally {
    pinnedTime = null
  }
}
const readTime = (body: Record<string, unknown>) => (body.chains as { timestamp: number }[])[0]!.timestamp
const poolAbi = loadArtifact('@aave/core-v3', 'Pool').abi

/** Sets a feed to `answer` raw units (8 decimals). */
async function setAnswer(symbol: string, answer: bigint) {
  await pin()
  await send(t.clients, {
    from: t.manifest.admin.address as Address,
    address: token(symbol).priceFeed.address as Address,
    abi: settablePriceFeedAbi,
    functionName: 'setAnswer',
    args: [answer],
  })
}
const e8 = (usd: number) => BigInt(Math.round(usd * 1e8))

const accrueAbi = parseAbi(['function accrueInterest((address,address,address,address,uint256))'])
const oracleAbi = parseAbi(['function price() view returns (uint256)'])
const morphoBorrowAbi = parseAbi([
  'function borrow((address,address,address,address,uint256),uint256,uint256,address,address) returns (uint256,uint256)',
])
const morphoMarket = (key: string) => t.manifest.morphoBlue!.markets.find((m) => m.key === key)!
/**
 * Morpho Blue's own health check of `user` in market `key` after accruing interest (at the pinned
 * time): `_isHealthy` = wMulDown(mulDivDown(collateral, oracle price, 1e36), LLTV) >= borrowed
 * (toAssetsUp of the shares).
 */
async function morphoHealthy(user: Address, key: string): Promise<boolean> {
  const { maxBorrow, borrowed } = await morphoHealth(user, key)
  return maxBorrow >= borrowed
}
/** Morpho's maxBorrow and borrowed (loan-token units) of `user` in `key`, after accruing at the pinned time. */
async function morphoHealth(user: Address, key: string): Promise<{ maxBorrow: bigint; borrowed: bigint }> {
  const m = morphoMarket(key)
  const morpho = t.manifest.morphoBlue!.morpho as Address
  await pin()
  await send(t.clients, {
    from: t.manifest.admin.address as Address,
    address: morpho,
    abi: accrueAbi,
    functionName: 'accrueInterest',
    args: [[m.loanToken, m.collateralToken, m.oracle, m.irm, BigInt(m.lltv)]],
  } as never)
  const [, borrowShares, collateral] = await t.client.readContract({
    address: morpho,
    abi: morphoAbi,
    functionName: 'position',
    args: [m.id as Hex, user],
  })
  const [, , totalBorrowAssets, totalBorrowShares] = await t.client.readContract({
    address: morpho,
    abi: morphoAbi,
    functionName: 'market',
    args: [m.id as Hex],
  })
  const price = await t.client.readContract({
    address: m.oracle as Address,
    abi: oracleAbi,
    functionName: 'price',
  })
  const d = totalBorrowShares + 1_000_000n
  const borrowed = (borrowShares * (totalBorrowAssets + 1n) + d - 1n) / d
  const maxBorrow = (((collateral * price) / 10n ** 36n) * BigInt(m.lltv)) / WAD
  return { maxBorrow, borrowed }
}

interface Ratio {
  collateral: { symbol: string }
  debt: { symbol: string }
  currentRatio: number
  liquidationRatio: number | null
  depeg: number | null
  collateralPrice: number | null
  debtPrice: number
}
interface Row {
  protocol: string
  legs: { side: string; asset: { symbol: string }; priceUsd: number }[]
  liquidationPrices: { symbol: string; price: number | null; currentPrice: number }[]
  liquidationRatios?: Ratio[]
}

describe('liquidation ratios of correlated pairs', () => {
  it('the wstETH/WETH carry loop flips at the served ratio, one oracle unit either side', async () => {
    const user = wallet('emode-looper')
    const { status, body } = await get(`/v1/wallets/${user}?chain=local`)
    expect(status).toBe(200)
    expect(WalletReportSchema.safeParse(body).success).toBe(true)
    const row = (body.positions as Row[]).find((p) => p.protocol === 'aave-v3')!
    expect(row.liquidationRatios).toHaveLength(1)
    const r = row.liquidationRatios![0]!
    expect([r.collateral.symbol, r.debt.symbol]).toEqual(['wstETH', 'WETH'])
    expect(r.liquidationRatio).toBeTypeOf('number')
    expect(r.depeg).toBeLessThan(0)
    // The ratio is the collateral's exact liquidation price over the debt's price.
    const answer = e8(r.collateralPrice!)
    expect(Number(answer) / 1e8 / r.debtPrice).toBe(r.liquidationRatio)
    await atTime(readTime(body), async () => {
      await setAnswer('wstETH', answer)
      expect(await healthFactor(user)).toBeGreaterThanOrEqual(WAD)
      await setAnswer('wstETH', answer - 1n)
      expect(await healthFactor(user)).toBeLessThan(WAD)
    })
  })

  it('with ETH moved (WETH at 2,400) the HF still crosses 1 at the same ratio', async () => {
    const user = wallet('emode-looper')
    const { body } = await get(`/v1/wallets/${user}?chain=local`)
    const r = (body.positions as Row[]).find((p) => p.protocol === 'aave-v3')!.liquidationRatios![0]!
    await atTime(readTime(body), async () => {
      await setAnswer('WETH', e8(2_400))
      await setAnswer('wstETH', e8(r.liquidationRatio! * 2_400 * (1 + 1e-6)))
      expect(await healthFactor(user)).toBeGreaterThanOrEqual(WAD)
      await setAnswer('wstETH', e8(r.liquidationRatio! * 2_400 * (1 - 1e-6)))
      expect(await healthFactor(user)).toBeLessThan(WAD)
    })
  })

  it("Morpho's wstETH/WETH market flips at the served ratio on its own oracle, one feed unit either side", async () => {
    const user = wallet('morpho-borrower')
    const { body } = await get(`/v1/wallets/${user}?chain=local`)
    const id = morphoMarket('wsteth-weth').id.toLowerCase()
    const row = (body.positions as (Row & { market: string })[]).find(
      (p) => p.protocol === 'morpho-blue' && p.market.toLowerCase() === id,
    )!
    const r = row.liquidationRatios![0]!
    expect([r.collateral.symbol, r.debt.symbol]).toEqual(['wstETH', 'WETH'])
    // The FeedRatioOracle prices wstETH in WETH from the two feeds: the smallest wstETH answer at
    // the served ratio (WETH held) keeps the position healthy, one unit less does not.
    const answer = BigInt(Math.ceil(r.liquidationRatio! * r.debtPrice * 1e8))
    await atTime(readTime(body), async () => {
      await setAnswer('wstETH', answer)
      expect(await morphoHealthy(user, 'wsteth-weth')).toBe(true)
      await setAnswer('wstETH', answer - 1n)
      expect(await morphoHealthy(user, 'wsteth-weth')).toBe(false)
    })
  })

  it('a position whose collateral and debt are different risk assets has no ratio', async () => {
    const { body } = await get(`/v1/wallets/${wallet('multi-collateral')}?chain=local`)
    const row = (body.positions as Row[]).find((p) => p.protocol === 'aave-v3')!
    expect(row.liquidationRatios).toBeUndefined()
  })
})

interface SurfaceBody {
  x: { asset: string; moves: number[] }
  y: { asset: string; moves: number[] }
  minHealthFactor: (number | null)[][]
  positions: {
    protocol: string
    xCuts: number[]
    yCuts: number[]
    boundary: { x: number; y: number; along: 'column' | 'row' }[]
  }[]
}

describe('GET /v1/wallets/{address}/surface', () => {
  it('boundary points flip the Pool, and the axis cuts are the one-asset liquidation prices', async () => {
    const user = wallet('multi-collateral')
    const { status, body } = await get(
      `/v1/wallets/${user}/surface?chain=local&x=ETH&y=BTC&points=7&range=0.6`,
    )
    expect(status).toBe(200)
    expect(SurfaceResponseSchema.safeParse(body).success).toBe(true)
    const s = body as unknown as SurfaceBody
    expect(s.x.moves).toHaveLength(7)
    const p = s.positions.find((x) => x.protocol === 'aave-v3')!
    const { body: w } = await get(`/v1/wallets/${user}?chain=local`)
    const row = (w.positions as Row[]).find((x) => x.protocol === 'aave-v3')!
    const weth = row.liquidationPrices.find((x) => x.symbol === 'WETH')!
    const wbtc = row.liquidationPrices.find((x) => x.symbol === 'WBTC')!
    // The float engine's cut against the adapter's integer search (1e-8 USD price steps).
    expect(p.xCuts).toHaveLength(1)
    expect(weth.currentPrice * (1 + p.xCuts[0]!)).toBeCloseTo(weth.price!, 6)
    expect(wbtc.currentPrice * (1 + p.yCuts[0]!)).toBeCloseTo(wbtc.price!, 6)

    const points = [
      p.boundary.find((b) => b.along === 'column' && b.x < 0)!,
      p.boundary.find((b) => b.along === 'row' && b.y < 0)!,
    ]
    for (const b of points) {
      for (const [side, eps] of [
        ['safe', 1e-6],
        ['liquidatable', -1e-6],
      ] as const) {
        await atTime(readTime(body), async () => {
          // Move the searched axis by eps beyond / short of the boundary (toward the safe side: up).
          const mx = b.along === 'row' ? b.x + eps : b.x
          const my = b.along === 'column' ? b.y + eps : b.y
          await setAnswer('WETH', e8(weth.currentPrice * (1 + mx)))
          await setAnswer('WBTC', e8(wbtc.currentPrice * (1 + my)))
          const hf = await healthFactor(user)
          if (side === 'safe') expect(hf).toBeGreaterThanOrEqual(WAD)
          else expect(hf).toBeLessThan(WAD)
        })
      }
    }
  })

  it('refuses bad parameters, naming them', async () => {
    const a = wallet('multi-collateral')
    for (const [q, field] of [
      ['x=USD', 'x'],
      ['x=ETH&y=ETH', 'x and y'],
      ['x=e$h', 'x'],
      ['y=NOPE', 'y'],
      ['range=0', 'range'],
      ['range=0.96', 'range'],
      ['range=abc', 'range'],
      ['points=4', 'points'],
      ['points=43', 'points'],
      ['points=1.5', 'points'],
    ] as const) {
      const { status, body } = await get(`/v1/wallets/${a}/surface?chain=local&${q}`)
      expect(status, q).toBe(400)
      const err = body.error as { code: string; message: string }
      expect(err.code, q).toBe('INVALID_REQUEST')
      expect(err.message, q).toContain(field)
    }
  })
})

interface CapacityBody {
  targetHealthFactor: number
  withoutCascade: { protocol: string; borrow: { amount: string; limitedBy: string } | null }[]
  withCascade: {
    shocks: Record<string, number>
    markets: (
      | { chain: string; market: string; finalShock: number }
      | { chain: string; market: string; skipped: string }
    )[]
    positions: { protocol: string; borrow: { amount: string; limitedBy: string } | null }[]
  } | null
}

async function borrowOnPool(user: Address, symbol: string, amount: bigint) {
  await pin()
  await send(t.clients, {
    from: user,
    address: t.manifest.aaveV3.pool as Address,
    abi: poolAbi,
    functionName: 'borrow',
    args: [token(symbol).address as Address, amount, 2n, 0, user],
  } as never)
}

describe('GET /v1/wallets/{address}/capacity', () => {
  it('the computed borrow, really borrowed, leaves the HF at the target after the same move', async () => {
    const user = wallet('multi-collateral')
    const { status, body } = await get(`/v1/wallets/${user}/capacity?chain=local&shock=ETH:-0.1&hf=1.1`)
    expect(status).toBe(200)
    expect(CapacityResponseSchema.safeParse(body).success).toBe(true)
    const c = body as unknown as CapacityBody
    const aave = c.withoutCascade.find((p) => p.protocol === 'aave-v3')!
    expect(aave.borrow?.limitedBy).toBe('target')
    const amount = BigInt(aave.borrow!.amount)
    expect(amount).toBeGreaterThan(0n)
    await atTime(readTime(body), async () => {
      await borrowOnPool(user, 'USDC', amount)
      await setAnswer('WETH', e8(3_000 * 0.9))
      const hf = Number(await healthFactor(user)) / 1e18
      expect(Math.abs(hf - 1.1)).toBeLessThan(1e-9)
    })
  })

  it('with the market cascade: the deepened shock, the smaller borrow, the same check on chain', async () => {
    const user = wallet('multi-collateral')
    const { status, body } = await get(
      `/v1/wallets/${user}/capacity?chain=local&shock=ETH:-0.2&hf=1.05&cascade=market`,
    )
    expect(status).toBe(200)
    expect(CapacityResponseSchema.safeParse(body).success).toBe(true)
    const c = body as unknown as CapacityBody
    const deep = c.withCascade!.shocks.ETH!
    expect(deep).toBeLessThanOrEqual(-0.2)
    expect(c.withCascade!.markets.some((m) => 'finalShock' in m)).toBe(true)
    const without = BigInt(c.withoutCascade.find((p) => p.protocol === 'aave-v3')!.borrow!.amount)
    const withC = BigInt(c.withCascade!.positions.find((p) => p.protocol === 'aave-v3')!.borrow!.amount)
    expect(withC).toBeLessThanOrEqual(without)
    await atTime(readTime(body), async () => {
      await borrowOnPool(user, 'USDC', withC)
      await setAnswer('WETH', e8(3_000 * (1 + deep)))
      const hf = Number(await healthFactor(user)) / 1e18
      expect(Math.abs(hf - 1.05)).toBeLessThan(1e-9)
    })
  })

  it("with the systemic cascade: the chain's fixed point at that shock, the borrow checked on chain", async () => {
    const user = wallet('multi-collateral')
    const { status, body } = await get(
      `/v1/wallets/${user}/capacity?chain=local&shock=ETH:-0.2&hf=1.05&cascade=systemic`,
    )
    expect(status).toBe(200)
    expect(CapacityResponseSchema.safeParse(body).success).toBe(true)
    const c = body as unknown as CapacityBody & { cascade: string; chains: { blockNumber: number }[] }
    expect(c.cascade).toBe('systemic')
    const row = c.withCascade!.markets.find((m) => m.market === 'systemic' && m.chain === 'local')!
    expect('finalShock' in row).toBe(true)
    const deep = c.withCascade!.shocks.ETH!
    expect(deep).toBeLessThan(-0.2)
    // The same answer GET /v1/chains/local/cascade gives at that shock and block.
    const sys = await get(`/v1/chains/local/cascade?asset=ETH&shocks=-0.2&block=${c.chains[0]!.blockNumber}`)
    expect(sys.status).toBe(200)
    expect(deep).toBe((sys.body.points as { finalShock: number }[])[0]!.finalShock)
    const withS = BigInt(c.withCascade!.positions.find((p) => p.protocol === 'aave-v3')!.borrow!.amount)
    await atTime(readTime(body), async () => {
      await borrowOnPool(user, 'USDC', withS)
      await setAnswer('WETH', e8(3_000 * (1 + deep)))
      const hf = Number(await healthFactor(user)) / 1e18
      expect(Math.abs(hf - 1.05)).toBeLessThan(1e-9)
    })
  })

  it("on Morpho: the computed borrow, really borrowed, leaves Morpho's HF at the target after the move", async () => {
    const user = wallet('morpho-borrower')
    const m = morphoMarket('wbtc-usdc')
    const { status, body } = await get(`/v1/wallets/${user}/capacity?chain=local&shock=BTC:-0.2&hf=1.2`)
    expect(status).toBe(200)
    const rows = (
      body as unknown as { withoutCascade: (CapacityBody['withoutCascade'][number] & { market: string })[] }
    ).withoutCascade
    const row = rows.find((p) => p.market.toLowerCase() === m.id.toLowerCase())!
    expect(row.borrow?.limitedBy).toBe('target')
    const amount = BigInt(row.borrow!.amount)
    const { body: w } = await get(`/v1/wallets/${user}?chain=local`)
    const wbtc = (w.positions as Row[])
      .flatMap((p) => p.legs)
      .find((l) => l.asset.symbol === 'WBTC')!.priceUsd
    await atTime(readTime(body), async () => {
      await pin()
      await send(t.clients, {
        from: user,
        address: t.manifest.morphoBlue!.morpho as Address,
        abi: morphoBorrowAbi,
        functionName: 'borrow',
        args: [[m.loanToken, m.collateralToken, m.oracle, m.irm, BigInt(m.lltv)], amount, 0n, user, user],
      } as never)
      await setAnswer('WBTC', e8(wbtc * 0.8))
      const { maxBorrow, borrowed } = await morphoHealth(user, 'wbtc-usdc')
      // Morpho's health factor: maxBorrow / borrowed (the adapter's WAD figure).
      expect(Math.abs(Number((maxBorrow * WAD) / borrowed) / 1e18 - 1.2)).toBeLessThan(1e-9)
    })
  })

  it('refuses a bad address, chain or block on both routes', async () => {
    const a = wallet('multi-collateral')
    for (const route of ['surface', 'capacity']) {
      for (const [path, code] of [
        [`/v1/wallets/0x1234/${route}?chain=local`, 'INVALID_ADDRESS'],
        [`/v1/wallets/${a}/${route}?chain=nowhere`, 'UNKNOWN_CHAIN'],
        [`/v1/wallets/${a}/${route}?chain=local&block=abc`, 'INVALID_BLOCK'],
      ] as const) {
        const { status, body } = await get(path)
        expect(status, path).toBe(400)
        expect((body.error as { code: string }).code, path).toBe(code)
      }
    }
  })

  it('refuses bad parameters, naming them', async () => {
    const a = wallet('multi-collateral')
    for (const [q, field] of [
      ['shock=ETH', 'shock'],
      ['shock=ETH:-2', 'shock'],
      ['shock=FOO:-0.1', 'shocks'],
      ['cascade=full', 'cascade'],
      ['hf=1', 'hf'],
      ['hf=abc', 'hf'],
      ['hf=101', 'hf'],
    ] as const) {
      const { status, body } = await get(`/v1/wallets/${a}/capacity?chain=local&${q}`)
      expect(status, q).toBe(400)
      const err = body.error as { code: string; message: string }
      expect(err.code, q).toBe('INVALID_REQUEST')
      expect(err.message, q).toContain(field)
    }
  })
})
