/**
 * GET /v1/markets/{market}/cascade and /leverage for the markets whose adapters enumerate them
 * (issue 17): the Comet double (`compound-v3-local-usdc`), each Aave V4 Spoke double and the GMX
 * Reader double's deployment (`gmx-v2-local`), on a devchain WITH the population. Each answer
 * validates against its schema and agrees with the chain-wide routes at the same block (the same
 * adapter-enumerated read): the market's line in GET /v1/chains/local/leverage, and at depth=none
 * the systemic cascade's per-market curve (no price impact: both count the positions whose own
 * liquidation price the shock reaches). Bad inputs: an id the chain does not have (404), bad
 * shocks / depth / bins (400).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createApp } from '../../src/api/app.js'
import { ChainLeverageResponseSchema, MarketLeverageResponseSchema } from '../../src/api/leverage-schemas.js'
import { CascadeResponseSchema } from '../../src/api/schemas.js'
import { SystemicCascadeResponseSchema } from '../../src/api/systemic-schemas.js'
import { createChainClient } from '../../src/chains/client.js'
import { configFromEnv } from '../../src/config.js'
import { startTestDevchain, type TestDevchain } from '../helpers/devchain.js'

let t: TestDevchain
let block: number

beforeAll(async () => {
  t = await startTestDevchain({ population: true })
  block = Number(await t.client.getBlockNumber({ cacheTime: 0 }))
}, 600_000)
afterAll(async () => {
  await t?.devchain.stop()
})

async function get(path: string) {
  const res = await t.app.request(path)
  return { status: res.status, body: (await res.json()) as Record<string, unknown> }
}

const SHOCKS = '-0.05,-0.1,-0.2,-0.3,-0.4'

const adapterMarkets = () => [
  { id: 'compound-v3-local-usdc', kind: 'lending' },
  ...t.manifest.aaveV4!.spokes.map((s) => ({ id: s.id, kind: 'lending' })),
  { id: 'gmx-v2-local', kind: 'perp' },
]

describe('per-market routes for adapter-enumerated markets', () => {
  it('every such market is listed by GET /v1/chains for local', async () => {
    const r = await get('/v1/chains')
    const local = (r.body.chains as { key: string; markets: { id: string }[] }[]).find(
      (c) => c.key === 'local',
    )!
    for (const m of adapterMarkets()) expect(local.markets.map((x) => x.id)).toContain(m.id)
  })

  it('leverage: each market equals its line in the chain report at the same block', async () => {
    const chain = await get(`/v1/chains/local/leverage?block=${block}`)
    expect(chain.status).toBe(200)
    const lines = ChainLeverageResponseSchema.parse(chain.body).markets
    for (const m of adapterMarkets()) {
      const r = await get(`/v1/markets/${m.id}/leverage?chain=local&block=${block}`)
      expect(r.status, `${m.id}: ${JSON.stringify(r.body).slice(0, 300)}`).toBe(200)
      const b = MarketLeverageResponseSchema.parse(r.body)
      expect(b.blockNumber).toBe(block)
      const line = lines.find((l) => l.market === m.id)!
      expect(b.markets).toEqual([line])
      expect(b.metrics.totals.debtUsd).toBeCloseTo(line.debtUsd, 6)
      expect(b.perps.enumerated).toBe(m.kind === 'perp')
      if (m.id === 'compound-v3-local-usdc' || m.kind === 'perp') expect(line.withDebt).toBeGreaterThan(0)
    }
  })

  it('cascade at depth=none: the same liquidations as the systemic per-market curve', async () => {
    const sys = await get(`/v1/chains/local/cascade?shocks=${SHOCKS}&depth=none&block=${block}`)
    expect(sys.status).toBe(200)
    const perMarket = SystemicCascadeResponseSchema.parse(sys.body).perMarket
    for (const m of adapterMarkets()) {
      const r = await get(
        `/v1/markets/${m.id}/cascade?chain=local&shocks=${SHOCKS}&depth=none&block=${block}`,
      )
      if (
        r.status === 400 &&
        String((r.body.error as { message: string }).message).includes('nothing to cascade')
      ) {
        // A V4 Spoke whose borrowers hold no ETH collateral: the systemic curve has nothing there either.
        expect(
          perMarket.find((p) => p.market === m.id)?.points.every((p) => p.positionsLiquidated === 0) ?? true,
        ).toBe(true)
        continue
      }
      expect(r.status, `${m.id}: ${JSON.stringify(r.body).slice(0, 300)}`).toBe(200)
      const b = CascadeResponseSchema.parse(r.body)
      expect(b.blockNumber).toBe(block)
      expect(b.kind).toBe(m.kind === 'perp' ? 'perp' : undefined)
      expect(b.borrowers.source).toBe(m.kind === 'perp' ? 'registry' : 'logs')
      const own = perMarket.find((p) => p.market === m.id)!
      expect(b.points.map((p) => p.positionsLiquidated)).toEqual(own.points.map((p) => p.positionsLiquidated))
      if (m.id === 'compound-v3-local-usdc' || m.kind === 'perp')
        expect(b.points.at(-1)!.positionsLiquidated).toBeGreaterThan(0)
    }
  })

  it('cascade with the pool depth, and a wallet of the venue', async () => {
    const trader = t.manifest.wallets.find((w) => w.key === 'looper')!.address
    const r = await get(`/v1/markets/gmx-v2-local/cascade?chain=local&shocks=${SHOCKS}&wallet=${trader}`)
    expect(r.status, JSON.stringify(r.body).slice(0, 300)).toBe(200)
    const b = CascadeResponseSchema.parse(r.body)
    expect(b.depth.source).toBe('uniswap-v3')
    // Sells only push the price further down: the fixed point is at or below the initial shock.
    for (const p of b.points) expect(p.finalShock).toBeLessThanOrEqual(p.initialShock + 1e-12)
    const w = b.wallet as {
      found: boolean
      liquidationPrice: number
      naiveShock: number
      cascadeShock: number
    }
    // The looper's 5x ETH long liquidates at about 2,035 (README); the cascade can only bring it nearer.
    expect(w.found).toBe(true)
    expect(w.liquidationPrice).toBeGreaterThan(1900)
    expect(w.liquidationPrice).toBeLessThan(2100)
    expect(w.cascadeShock).toBeGreaterThanOrEqual(w.naiveShock - 1e-6)
    const c = await get(`/v1/markets/compound-v3-local-usdc/cascade?chain=local&shocks=${SHOCKS}`)
    expect(c.status).toBe(200)
    expect(CascadeResponseSchema.parse(c.body).depth.source).toBe('uniswap-v3')
  })

  it('a per-market read asked first reads only that market, and answers as the chain-wide read does', async () => {
    // A fresh app (empty caches) whose chain client records every eth_getLogs address it asks for.
    const logAddresses: string[] = []
    const fetchFn: typeof fetch = async (input, init) => {
      const body = JSON.parse(String(init?.body ?? 'null')) as unknown
      for (const m of Array.isArray(body) ? body : [body]) {
        const call = m as { method?: string; params?: { address?: string | string[] }[] }
        if (call.method !== 'eth_getLogs') continue
        const a = call.params?.[0]?.address
        for (const x of Array.isArray(a) ? a : [a]) if (x) logAddresses.push(x.toLowerCase())
      }
      return fetch(input, init)
    }
    const app = createApp({
      config: configFromEnv({}, t.manifest),
      clientFor: (chain) => createChainClient(chain.key, { rpcUrls: chain.rpcUrls, fetchFn }),
    })
    const v4Spokes = t.manifest.aaveV4!.spokes.map((s) => s.spoke.toLowerCase())
    const comet = t.manifest.compoundV3!.comets[0]!.comet.toLowerCase()
    const chainWide = ChainLeverageResponseSchema.parse(
      await (await t.app.request(`/v1/chains/local/leverage?block=${block}`)).json(),
    ).markets
    for (const [id, foreign] of [
      ['gmx-v2-local', [...v4Spokes, comet]],
      ['compound-v3-local-usdc', v4Spokes],
    ] as const) {
      logAddresses.length = 0
      const res = await app.request(`/v1/markets/${id}/leverage?chain=local&block=${block}`)
      expect(res.status).toBe(200)
      const b = MarketLeverageResponseSchema.parse(await res.json())
      expect(b.markets).toEqual(chainWide.filter((l) => l.market === id))
      for (const a of foreign) expect(logAddresses, `${id} read logs of ${a}`).not.toContain(a)
    }
    // The Comet read scans the Comet's own logs: the recorder sees the reads it filters.
    expect(logAddresses).toContain(comet)
  })

  it('bad input: an id the chain does not have is 404; bad parameters are 400', async () => {
    for (const path of [
      '/v1/markets/compound-v3-ethereum-usdc/cascade?chain=local',
      '/v1/markets/gmx-v2-arbitrum/leverage?chain=local',
      '/v1/markets/aave-v4-nope/cascade?chain=local',
    ]) {
      const r = await get(path)
      expect(r.status, path).toBe(404)
      expect((r.body.error as { code: string }).code).toBe('NOT_FOUND')
    }
    for (const path of [
      '/v1/markets/compound-v3-local-usdc/cascade?chain=local&shocks=0.5',
      '/v1/markets/gmx-v2-local/cascade?chain=local&depth=deep',
      '/v1/markets/gmx-v2-local/leverage?chain=local&bins=0',
      '/v1/markets/compound-v3-local-usdc/cascade?chain=local&asset=USD',
    ]) {
      const r = await get(path)
      expect(r.status, path).toBe(400)
      expect(r.body.error).toBeDefined()
    }
  })
})
