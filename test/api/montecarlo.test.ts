/**
 * GET /v1/wallets/{address}/montecarlo on the devchain. The near-liquidation wallet (10 WETH
 * against 24,000 USDC, one risk asset) is liquidated when ETH first falls to 1/HF of its price:
 * its liquidation probability is checked against the closed-form barrier-hit probability of a
 * driftless GBM (reflection principle, with the Broadie-Glasserman-Kou shift for hourly
 * monitoring), within 3 standard errors. Then reproducibility, a wallet without debt, and every
 * bad input with its 4xx.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { normCdf } from '../../src/risk/black-scholes.js'
import { startTestDevchain, type TestDevchain } from '../helpers/devchain.js'

let t: TestDevchain

beforeAll(async () => {
  t = await startTestDevchain()
})
afterAll(async () => {
  await t?.devchain.stop()
})

interface McBody {
  paths: number
  steps: number
  dtYears: number
  positions: { id: string; liquidationProbability: number; standardError: number }[]
  walletLiquidationProbability: number
  equity: { initial: number; var95: number; var99: number; es95: number; es99: number; p05: number }
  assets: { name: string; price: number; volatility: number; source: string }[]
  assumptions: string[]
}

const wallet = (key: string) => t.manifest.wallets.find((w) => w.key === key)!.address

async function get(path: string) {
  const res = await t.app.request(path)
  return { status: res.status, body: (await res.json()) as Record<string, unknown> }
}

async function mc(key: string, query: string): Promise<McBody> {
  const r = await get(`/v1/wallets/${wallet(key)}/montecarlo?chain=local&${query}`)
  expect(r.status, JSON.stringify(r.body)).toBe(200)
  return r.body as unknown as McBody
}

describe('Monte Carlo on the devchain', () => {
  it('near-liquidation: P(liquidation) = the closed-form barrier probability within 3 SE', async () => {
    const b = await mc('near-liquidation', 'horizonDays=30&paths=40000&steps=720&seed=7')
    const hf = (
      (await (await t.app.request(`/v1/wallets/${wallet('near-liquidation')}?chain=local`)).json()) as {
        positions: { healthFactor: number }[]
      }
    ).positions[0]!.healthFactor
    expect(b.assets).toEqual([expect.objectContaining({ name: 'ETH', volatility: 0.65, source: 'default' })])
    const sigma = 0.65
    const T = 30 / 365
    // Liquidated when m = price/price0 <= 1/HF; discrete (hourly) monitoring ~ a continuous
    // barrier shifted down by exp(-0.5826 sigma sqrt(dt)) (Broadie-Glasserman-Kou 1997).
    const barrier = (1 / hf) * Math.exp(-0.5826 * sigma * Math.sqrt(b.dtYears))
    const nu = -(sigma ** 2) / 2
    const x = Math.log(barrier)
    const p =
      normCdf((x - nu * T) / (sigma * Math.sqrt(T))) +
      barrier ** ((2 * nu) / sigma ** 2) * normCdf((x + nu * T) / (sigma * Math.sqrt(T)))
    const got = b.positions[0]!
    expect(Math.abs(got.liquidationProbability - p)).toBeLessThan(3 * got.standardError)
    expect(b.walletLiquidationProbability).toBe(got.liquidationProbability)
    expect(b.equity.es99).toBeGreaterThanOrEqual(b.equity.var99)
    expect(b.equity.es95).toBeGreaterThanOrEqual(b.equity.var95)
  })

  it('the same seed gives the same numbers; another seed others', async () => {
    const q = 'horizonDays=10&paths=2000&steps=50'
    const a = await mc('stacker', `${q}&seed=3`)
    const again = await mc('stacker', `${q}&seed=3`)
    const other = await mc('stacker', `${q}&seed=4`)
    expect(again).toEqual(a)
    expect(other.equity.p05).not.toBe(a.equity.p05)
    expect(a.positions.map((p) => p.id)).toHaveLength(3)
  })

  it('a wallet without debt is never liquidated', async () => {
    const b = await mc('supplier', 'paths=1000&steps=30')
    expect(b.walletLiquidationProbability).toBe(0)
    for (const p of b.positions) expect(p.liquidationProbability).toBe(0)
  })

  it('volatility overrides are used and reported', async () => {
    const calm = await mc('near-liquidation', 'paths=5000&steps=100&vols=ETH:0.2')
    const wild = await mc('near-liquidation', 'paths=5000&steps=100&vols=ETH:150%')
    expect(calm.assets[0]).toMatchObject({ volatility: 0.2, source: 'request' })
    expect(wild.walletLiquidationProbability).toBeGreaterThan(calm.walletLiquidationProbability)
  })
})

describe('GET /v1/wallets/{address}/montecarlo: bad input', () => {
  const cases: [string, string][] = [
    ['paths below 100', 'paths=5'],
    ['paths not a number', 'paths=many'],
    ['too much work', 'paths=200000&steps=10000'],
    ['a zero volatility', 'vols=ETH:0'],
    ['a malformed jump', 'jumps=ETH:2:-0.1'],
    ['a negative horizon', 'horizonDays=-3'],
  ]
  for (const [name, query] of cases) {
    it(name, async () => {
      const r = await get(`/v1/wallets/${wallet('looper')}/montecarlo?chain=local&${query}`)
      expect(r.status).toBe(400)
      const error = (r.body as { error: { code: string; message: string } }).error
      expect(error.code).toBe('INVALID_REQUEST')
      expect(error.message.length).toBeGreaterThan(10)
    })
  }

  it('a bad address', async () => {
    const r = await get('/v1/wallets/nope/montecarlo?chain=local')
    expect(r.status).toBe(400)
  })
})
