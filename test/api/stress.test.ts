/**
 * GET /v1/wallets/{address}/stress on the devchain, checked against the protocols themselves:
 * - the stressed health factor of every position of every demo wallet equals what the protocols
 *   report after the same move is REALLY made on the oracles (the wallet endpoint re-read at the
 *   moved prices: Aave's getUserAccountData, Morpho's oracle, the Comet and GMX doubles);
 * - an Aave liquidation predicted by the stress (close factor 50% above HF 0.95, 100% at or
 *   below; seized = repaid x bonus) matches a real `liquidationCall` at those prices;
 * then the default grid and every bad input with its 4xx.
 */
import { type Address, erc20Abi, maxUint256, parseUnits } from 'viem'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { aavePoolAbi } from '../../abis/aave-pool.js'
import { loadArtifact } from '../../src/devchain/artifacts.js'
import { settablePriceFeedAbi } from '../../src/devchain/contracts/SettablePriceFeed.artifact.js'
import { send } from '../../src/devchain/tx.js'
import { startTestDevchain, type TestDevchain } from '../helpers/devchain.js'

let t: TestDevchain

beforeAll(async () => {
  t = await startTestDevchain()
})
afterAll(async () => {
  await t?.devchain.stop()
})

interface Stressed {
  id: string
  protocol: string
  kind: string
  healthFactorShocked: number | null
  liquidated: boolean
  liquidation: {
    rule: string
    closeFactor: number
    debtRepaidUsd: number
    collateralSeizedUsd: number
    penaltyUsd: number
  } | null
  equityBeforeUsd: number
  equityAfterUsd: number
}
interface StressBody {
  blockNumber: number
  equityUsd: number
  scenarios: {
    scenario: { name: string }
    positions: Stressed[]
    equityAfterUsd: number
    positionsLiquidated: number
  }[]
  worstCase: { scenario: string; equityAfterUsd: number } | null
}

const wallet = (key: string) => t.manifest.wallets.find((w) => w.key === key)!.address as Address
const token = (symbol: string) => t.manifest.tokens.find((x) => x.symbol === symbol)!

async function get(path: string) {
  const res = await t.app.request(path)
  return { status: res.status, body: (await res.json()) as Record<string, unknown> }
}

async function stress(user: Address, query: string): Promise<StressBody> {
  const r = await get(`/v1/wallets/${user}/stress?chain=local&${query}`)
  expect(r.status).toBe(200)
  return r.body as unknown as StressBody
}

async function setPrice(symbol: string, usd: number) {
  await send(t.clients, {
    from: t.manifest.admin.address as Address,
    address: token(symbol).priceFeed.address as Address,
    abi: settablePriceFeedAbi,
    functionName: 'setAnswer',
    args: [BigInt(Math.round(usd * 1e8))],
  })
}

/** Moves every ETH-priced feed (WETH, wstETH) by `move` on chain. */
async function moveEth(move: number) {
  for (const symbol of ['WETH', 'wstETH'])
    await setPrice(symbol, token(symbol).priceFeed.initialPriceUsd * (1 + move))
}

describe('stressed health factors equal the protocols after the same move on chain', () => {
  for (const move of [-0.2, 0.15]) {
    it(`every demo wallet, ETH ${move * 100}%`, async () => {
      const predicted = new Map<string, number | null>()
      for (const w of t.manifest.wallets) {
        const b = await stress(w.address as Address, `shocks=ETH:${move}`)
        for (const p of b.scenarios[0]!.positions) predicted.set(`${w.key} ${p.id}`, p.healthFactorShocked)
      }
      await t.isolated(async () => {
        await moveEth(move)
        let compared = 0
        for (const w of t.manifest.wallets) {
          const r = await get(`/v1/wallets/${w.address}?chain=local`)
          const positions = (
            r.body as {
              positions: { status: string; chain: string; market: string; healthFactor: number | null }[]
            }
          ).positions
          const seen = new Map<string, number>()
          for (const p of positions) {
            if (p.status !== 'ok') continue
            const base = `${p.chain}:${p.market}`
            const n = (seen.get(base) ?? 0) + 1
            seen.set(base, n)
            const id = n === 1 ? base : `${base}#${n}`
            const hf = predicted.get(`${w.key} ${id}`)
            expect(hf, `${w.key} ${id}`).not.toBeUndefined()
            if (p.healthFactor === null) expect(hf).toBeNull()
            else {
              // The stress works in float64 on the legs; the protocols in integers: 1e-6 relative
              // (a perp wiped out is 0 on both sides).
              if (p.healthFactor === 0) expect(hf, `${w.key} ${id}`).toBe(0)
              else expect(Math.abs((hf as number) / p.healthFactor - 1), `${w.key} ${id}`).toBeLessThan(1e-6)
              compared += 1
            }
          }
        }
        expect(compared).toBeGreaterThan(10)
      })
    })
  }
})

describe('a predicted Aave liquidation matches a real liquidationCall', () => {
  async function liquidateAll(user: Address) {
    const liquidator = t.manifest.accounts.liquidator as Address
    const tokenAbi = loadArtifact('@aave/core-v3', 'MintableERC20').abi
    const usdc = token('USDC')
    await send(t.clients, {
      from: liquidator,
      address: usdc.address as Address,
      abi: tokenAbi,
      functionName: 'mint',
      args: [liquidator, parseUnits('10000000', 6)],
    } as never)
    await send(t.clients, {
      from: liquidator,
      address: usdc.address as Address,
      abi: tokenAbi,
      functionName: 'approve',
      args: [t.manifest.aaveV3.pool, maxUint256],
    } as never)
    // debtToCover = max: the Pool caps it at its close factor.
    await send(t.clients, {
      from: liquidator,
      address: t.manifest.aaveV3.pool as Address,
      abi: aavePoolAbi,
      functionName: 'liquidationCall',
      args: [token('WETH').address as Address, usdc.address as Address, user, maxUint256, false],
    } as never)
  }
  const balance = (tokenAddress: string, user: Address) =>
    t.client.readContract({
      address: tokenAddress as Address,
      abi: erc20Abi,
      functionName: 'balanceOf',
      args: [user],
    })

  // near-liquidation: 10 WETH against 24,000 USDC, HF 1.0375 at 3,000 (README).
  // ETH -5%: HF 1.0375 x 0.95 = 0.9856 > 0.95 -> close factor 50%;
  // ETH -10%: HF 1.0375 x 0.9 = 0.93375 <= 0.95 -> 100%.
  for (const [move, closeFactor] of [
    [-0.05, 0.5],
    [-0.1, 1],
  ] as const) {
    it(`near-liquidation at ETH ${move * 100}%: close factor ${closeFactor}, repaid and seized as the Pool does`, async () => {
      const user = wallet('near-liquidation')
      const b = await stress(user, `shocks=ETH:${move}`)
      const p = b.scenarios[0]!.positions.find((x) => x.protocol === 'aave-v3')!
      expect(p.liquidated).toBe(true)
      expect(p.liquidation!.rule).toBe('aave-close-factor')
      expect(p.liquidation!.closeFactor).toBe(closeFactor)
      await t.isolated(async () => {
        await moveEth(move)
        const weth = token('WETH')
        const usdc = token('USDC')
        const [aBefore, dBefore] = await Promise.all([
          balance(weth.aToken!, user),
          balance(usdc.variableDebtToken!, user),
        ])
        await liquidateAll(user)
        const [aAfter, dAfter] = await Promise.all([
          balance(weth.aToken!, user),
          balance(usdc.variableDebtToken!, user),
        ])
        const price = weth.priceFeed.initialPriceUsd * (1 + move)
        const repaidUsd = Number(dBefore - dAfter) / 1e6
        const seizedUsd = (Number(aBefore - aAfter) / 1e18) * price
        // Interest since the stress read moves the debt by wei: 1e-6 relative.
        expect(Math.abs(repaidUsd / p.liquidation!.debtRepaidUsd - 1)).toBeLessThan(1e-6)
        expect(Math.abs(seizedUsd / p.liquidation!.collateralSeizedUsd - 1)).toBeLessThan(1e-6)
      })
    })
  }
})

describe('shock keys', () => {
  it("match the wallet's names case-insensitively (eth = ETH, wsteth = wstETH)", async () => {
    const lower = await stress(wallet('stacker'), 'shocks=eth:-0.2&depegs=wsteth:-0.05')
    const exact = await stress(wallet('stacker'), 'shocks=ETH:-0.2&depegs=wstETH:-0.05')
    expect(lower.scenarios[0]!.equityAfterUsd).toBe(exact.scenarios[0]!.equityAfterUsd)
    expect(lower.scenarios[0]!.equityAfterUsd).toBeLessThan(lower.equityUsd)
  })
})

describe('grid and worst case', () => {
  it('the default grid covers falls and rises of every risk asset and names the worst', async () => {
    const b = await stress(wallet('stacker'), '')
    const names = b.scenarios.map((s) => s.scenario.name)
    expect(names).toContain('all risk assets -50%')
    expect(names).toContain('all risk assets +30%')
    expect(names.some((n) => n.startsWith('wstETH depeg'))).toBe(true)
    const worst = b.scenarios.reduce((a, s) => (s.equityAfterUsd < a.equityAfterUsd ? s : a))
    expect(b.worstCase).toMatchObject({ scenario: worst.scenario.name, equityAfterUsd: worst.equityAfterUsd })
    // A 50% fall liquidates the Morpho and GMX layers; the Aave layer is a wstETH/WETH carry loop,
    // immune to an ETH move (both sides move) but not to a wstETH depeg.
    const fall = b.scenarios.find((s) => s.scenario.name === 'all risk assets -50%')!
    expect(fall.positions.filter((p) => p.liquidated).map((p) => p.protocol)).toEqual([
      'morpho-blue',
      'gmx-v2',
    ])
    const aave = (s: StressBody['scenarios'][number]) => s.positions.find((p) => p.protocol === 'aave-v3')!
    const before = b.scenarios.find((s) => s.scenario.name === 'all risk assets +10%')!
    expect(aave(fall).healthFactorShocked).toBeCloseTo(aave(before).healthFactorShocked!, 12)
    const depeg = b.scenarios.find((s) => s.scenario.name === 'wstETH depeg -10%')!
    // wstETH 10% under its rate: the collateral side alone falls 10% (LT truncation aside).
    expect(aave(depeg).healthFactorShocked! / aave(before).healthFactorShocked!).toBeCloseTo(0.9, 3)
  })

  it('a gmx-trader short is liquidated by a rise, not by a fall', async () => {
    const up = await stress(wallet('gmx-trader'), 'shocks=ETH:0.4')
    const down = await stress(wallet('gmx-trader'), 'shocks=ETH:-40%')
    const short = (b: StressBody) =>
      b.scenarios[0]!.positions.find((p) => p.kind === 'perp' && p.id.includes('0x9FbeFf6b'))
    expect(short(up)?.liquidated).toBe(true)
    expect(short(down)?.liquidated).toBe(false)
  })
})

describe('GET /v1/wallets/{address}/stress: bad input', () => {
  const cases: [string, string, string][] = [
    ['a bad address', '/v1/wallets/0x12/stress?chain=local', 'INVALID_ADDRESS'],
    ['an unknown chain', '/v1/wallets/W/stress?chain=nope', 'UNKNOWN_CHAIN'],
    ['shocks without a move', '/v1/wallets/W/stress?chain=local&shocks=ETH', 'INVALID_REQUEST'],
    ['a move of -100%', '/v1/wallets/W/stress?chain=local&shocks=ETH:-1', 'INVALID_REQUEST'],
    ['a shock on USD', '/v1/wallets/W/stress?chain=local&shocks=USD:-0.1', 'INVALID_REQUEST'],
    ['a bad depeg', '/v1/wallets/W/stress?chain=local&depegs=stETH:abc', 'INVALID_REQUEST'],
    [
      'a shock on a risk asset nobody knows (a typo would look like calm)',
      '/v1/wallets/W/stress?chain=local&shocks=ETHH:-0.3',
      'INVALID_REQUEST',
    ],
    [
      'a depeg of a token the wallet does not hold',
      '/v1/wallets/W/stress?chain=local&depegs=sDAI:-0.05',
      'INVALID_REQUEST',
    ],
    ['a block without chain', '/v1/wallets/W/stress?block=5', 'INVALID_REQUEST'],
  ]
  for (const [name, path, code] of cases) {
    it(name, async () => {
      const r = await get(path.replace('/W/', `/${wallet('looper')}/`))
      expect(r.status).toBe(400)
      const error = (r.body as { error: { code: string; message: string } }).error
      expect(error.code).toBe(code)
      expect(error.message.length).toBeGreaterThan(10)
    })
  }
})
