/**
 * GET /v1/markets/{market}/cascade on a devchain WITH the borrower population (600 contract
 * borrowers on Aave and Morpho) and the real Uniswap v3 WETH/USDC pool:
 * - the depth is the pool's on-chain liquidity: adding liquidity to the pool (a real mint) makes
 *   the same shock cascade less;
 * - with no depth, the positions liquidated at a shock are exactly those the Aave Pool itself
 *   says are below HF 1 once that shock is made on the oracles;
 * - bigger shocks never liquidate less; the per-wallet shock with the cascade is never further
 *   than the naive one;
 * - every bad input with its 4xx.
 */
import type { Address } from 'viem'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { aavePoolAbi } from '../../abis/aave-pool.js'
import { settablePriceFeedAbi } from '../../src/devchain/contracts/SettablePriceFeed.artifact.js'
import { addUniswapLiquidity, type DeployedUniswapV3 } from '../../src/devchain/deploy-uniswap.js'
import { send } from '../../src/devchain/tx.js'
import { AAVE_BORROW_EVENT } from '../../src/markets/enumerate-borrowers-from-logs.js'
import { startTestDevchain, type TestDevchain } from '../helpers/devchain.js'

let t: TestDevchain

beforeAll(async () => {
  t = await startTestDevchain({ population: true })
}, 120_000)
afterAll(async () => {
  await t?.devchain.stop()
})

interface Point {
  initialShock: number
  finalShock: number
  liquidatedUsd: number
  positionsLiquidated: number
  rounds: number
}
interface CascadeBody {
  blockNumber: number
  startPrice: number
  borrowers: {
    source: string
    candidates: number
    withDebt: number
    inCascade: number
    excluded: Record<string, number>
  }
  depth: { source: string; pool?: string; initializedTicks?: number }
  points: Point[]
  histogram: { debtUsd: number; positions: number }[]
  wallet?: { found: boolean; liquidationPrice: number; naiveShock: number; cascadeShock: number }
}

async function get(path: string) {
  const res = await t.app.request(path)
  return { status: res.status, body: (await res.json()) as Record<string, unknown> }
}

async function cascade(market: string, query: string): Promise<CascadeBody> {
  const r = await get(`/v1/markets/${market}/cascade?chain=local&${query}`)
  expect(r.status, JSON.stringify(r.body)).toBe(200)
  return r.body as unknown as CascadeBody
}

const token = (symbol: string) => t.manifest.tokens.find((x) => x.symbol === symbol)!

describe('the Aave devchain market with its population', () => {
  it('enumerates the population and prices sales with the Uniswap v3 pool read on chain', async () => {
    const b = await cascade('aave-v3-local', 'shocks=-0.05,-0.1,-0.2,-0.3')
    expect(t.manifest.population!.count).toBe(600)
    expect(b.borrowers.source).toBe('logs')
    expect(b.borrowers.withDebt).toBeGreaterThan(400)
    expect(b.borrowers.inCascade).toBeGreaterThan(300)
    expect(b.depth.source).toBe('uniswap-v3')
    expect(b.depth.pool?.toLowerCase()).toBe(t.manifest.uniswapV3!.pools[0]!.address.toLowerCase())
    expect(b.depth.initializedTicks).toBeGreaterThanOrEqual(6)
    expect(b.startPrice).toBe(3000)
    // Forced sales push the price below the initial shock once something is liquidated.
    for (const p of b.points) {
      if (p.positionsLiquidated > 0) expect(p.finalShock).toBeLessThan(p.initialShock)
      else expect(p.finalShock).toBeCloseTo(p.initialShock, 12)
    }
    expect(b.points.at(-1)!.positionsLiquidated).toBeGreaterThan(50)
  })

  it('bigger shocks never liquidate less', async () => {
    const shocks = Array.from({ length: 40 }, (_, i) => -0.0125 * (i + 1))
    const b = await cascade('aave-v3-local', `shocks=${shocks.join(',')}`)
    for (let i = 1; i < b.points.length; i++) {
      expect(b.points[i]!.liquidatedUsd).toBeGreaterThanOrEqual(b.points[i - 1]!.liquidatedUsd)
      expect(b.points[i]!.finalShock).toBeLessThanOrEqual(b.points[i - 1]!.finalShock)
    }
  })

  it('adding liquidity to the pool (a real mint) makes the same shock cascade less', async () => {
    const before = await cascade('aave-v3-local', 'shocks=-0.15')
    await t.isolated(async () => {
      const u = t.manifest.uniswapV3!
      const uni = {
        factory: u.factory,
        helper: u.helper,
        deployBlock: BigInt(u.deployBlock),
        pools: u.pools.map((p) => ({ ...p, ranges: [] })),
      } as unknown as DeployedUniswapV3
      await addUniswapLiquidity(t.clients, uni, {
        from: t.manifest.accounts.liquidityProvider as Address,
        label: 'test depth',
        lowerMultiplier: 0.5,
        upperMultiplier: 1.5,
        valueUsd: 50_000_000,
      })
      const after = await cascade('aave-v3-local', 'shocks=-0.15')
      const [b, a] = [before.points[0]!, after.points[0]!]
      expect(b.positionsLiquidated).toBeGreaterThan(0)
      // Deeper pool: the same forced sales move the price less.
      expect(a.finalShock).toBeGreaterThan(b.finalShock)
      expect(a.liquidatedUsd).toBeLessThanOrEqual(b.liquidatedUsd)
    })
  })

  it('without depth, the liquidated set is what the Aave Pool says after the same move on chain', async () => {
    const shock = -0.12
    const b = await cascade('aave-v3-local', `shocks=${shock}&depth=none`)
    const p = b.points[0]!
    expect(p.finalShock).toBeCloseTo(shock, 12)
    expect(p.rounds).toBeLessThanOrEqual(1)
    // Borrowers in the cascade: those with ETH collateral and no ETH debt (the route says how many).
    const r = await get(`/v1/markets/aave-v3-local/cascade?chain=local&shocks=${shock}&depth=none`)
    expect(r.status).toBe(200)
    await t.isolated(async () => {
      for (const symbol of ['WETH', 'wstETH']) {
        await send(t.clients, {
          from: t.manifest.admin.address as Address,
          address: token(symbol).priceFeed.address as Address,
          abi: settablePriceFeedAbi,
          functionName: 'setAnswer',
          args: [BigInt(Math.round(token(symbol).priceFeed.initialPriceUsd * (1 + shock) * 1e8))],
        })
      }
      // The Pool's own verdict for every borrower the market read names (Borrow events).
      const logs = await t.client.getLogs({
        address: t.manifest.aaveV3.pool as Address,
        event: AAVE_BORROW_EVENT,
        fromBlock: 0n,
      })
      const users = [...new Set(logs.map((l) => l.args.onBehalfOf as Address))]
      const wethDebt = token('WETH').variableDebtToken as Address
      let below = 0
      for (const user of users) {
        const [, totalDebtBase, , , , healthFactor] = await t.client.readContract({
          address: t.manifest.aaveV3.pool as Address,
          abi: aavePoolAbi,
          functionName: 'getUserAccountData',
          args: [user],
        })
        if (totalDebtBase === 0n || healthFactor >= 10n ** 18n) continue
        // Positions with ETH debt are carry loops the cascade leaves out (they do not sell ETH).
        const ethDebt = await t.client.readContract({
          address: wethDebt,
          abi: [
            {
              type: 'function',
              name: 'balanceOf',
              stateMutability: 'view',
              inputs: [{ type: 'address' }],
              outputs: [{ type: 'uint256' }],
            },
          ] as const,
          functionName: 'balanceOf',
          args: [user],
        })
        if (ethDebt === 0n) below += 1
      }
      expect(below).toBeGreaterThan(0)
      expect(p.positionsLiquidated).toBe(below)
    })
  })

  it('a borrower is liquidated by a smaller shock once the cascade counts, and equal without depth', async () => {
    const wallet = t.manifest.wallets.find((w) => w.key === 'near-liquidation')!.address
    const withPool = await cascade('aave-v3-local', `shocks=-0.1&wallet=${wallet}`)
    const flat = await cascade('aave-v3-local', `shocks=-0.1&wallet=${wallet}&depth=none`)
    expect(withPool.wallet!.found).toBe(true)
    // The same liquidation price as the Aave adapter's exact one (bisection on the Pool's math).
    const served = (
      (await (await t.app.request(`/v1/wallets/${wallet}?chain=local`)).json()) as {
        positions: { liquidationPrices: { symbol: string; price: number }[] }[]
      }
    ).positions[0]!.liquidationPrices.find((l) => l.symbol === 'WETH')!.price
    expect(Math.abs(withPool.wallet!.liquidationPrice / served - 1)).toBeLessThan(1e-6)
    expect(withPool.wallet!.naiveShock).toBeCloseTo(served / 3000 - 1, 6)
    expect(withPool.wallet!.cascadeShock).toBeGreaterThanOrEqual(withPool.wallet!.naiveShock)
    expect(flat.wallet!.cascadeShock).toBeCloseTo(flat.wallet!.naiveShock, 5)
  })

  it('a Morpho market cascades too (its population borrowers, the same pool)', async () => {
    const id = t.manifest.morphoBlue!.markets.find((m) => m.key === 'weth-usdc')!.id
    const b = await cascade(id, 'shocks=-0.1,-0.3')
    expect(b.borrowers.inCascade).toBeGreaterThan(50)
    expect(b.points[1]!.positionsLiquidated).toBeGreaterThanOrEqual(b.points[0]!.positionsLiquidated)
    expect(b.histogram.reduce((a, h) => a + h.positions, 0)).toBeGreaterThan(0)
  })
})

describe('GET /v1/markets/{market}/cascade: bad input', () => {
  const cases: [string, string, number, string][] = [
    ['no chain', '/v1/markets/aave-v3-local/cascade', 400, 'INVALID_REQUEST'],
    ['an unknown chain', '/v1/markets/aave-v3-local/cascade?chain=nope', 400, 'UNKNOWN_CHAIN'],
    ['an unknown market', '/v1/markets/aave-v9/cascade?chain=local', 404, 'NOT_FOUND'],
    ['a rise as shock', '/v1/markets/aave-v3-local/cascade?chain=local&shocks=0.1', 400, 'INVALID_REQUEST'],
    [
      'a depth that does not exist',
      '/v1/markets/aave-v3-local/cascade?chain=local&depth=deep',
      400,
      'INVALID_REQUEST',
    ],
    ['a bad wallet', '/v1/markets/aave-v3-local/cascade?chain=local&wallet=0x1', 400, 'INVALID_ADDRESS'],
    [
      'an asset nobody holds',
      '/v1/markets/aave-v3-local/cascade?chain=local&asset=DOGE',
      400,
      'INVALID_REQUEST',
    ],
    [
      'USD as the shocked asset',
      '/v1/markets/aave-v3-local/cascade?chain=local&asset=USD',
      400,
      'INVALID_REQUEST',
    ],
    [
      'a Morpho market id Morpho does not know',
      `/v1/markets/0x${'1'.repeat(64)}/cascade?chain=local`,
      404,
      'NOT_FOUND',
    ],
  ]
  for (const [name, path, status, code] of cases) {
    it(name, async () => {
      const r = await get(path)
      expect(r.status).toBe(status)
      const error = (r.body as { error: { code: string; message: string } }).error
      expect(error.code).toBe(code)
      expect(error.message.length).toBeGreaterThan(10)
    })
  }
})
