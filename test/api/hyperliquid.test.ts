/**
 * Hyperliquid in the wallet report: with STACKLENS_HYPERLIQUID_API_URL set (here a local server
 * that answers in the info API's real schema, test/support/hyperliquid-server.ts), a scan of every
 * source lists the wallet's Hyperliquid perps next to its lending positions; a venue that keeps
 * rate-limiting becomes an `unavailable` row (RPC_UNAVAILABLE) while the chain is still served.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createApp } from '../../src/api/app.js'
import { WalletReportSchema } from '../../src/api/schemas.js'
import { configFromEnv } from '../../src/config.js'
import { startTestDevchain, type TestDevchain } from '../helpers/devchain.js'
import { type HyperliquidServerDouble, startHyperliquidServer } from '../support/hyperliquid-server.js'
import {
  CROSS_LONG_SHORT,
  EMPTY,
  flatMetaOf,
  XYZ_ISOLATED_AAPL,
  XYZ_META,
} from '../unit/protocols/hyperliquid/fixtures.js'

let t: TestDevchain
let hl: HyperliquidServerDouble
let looper: string

beforeAll(async () => {
  ;[t, hl] = await Promise.all([startTestDevchain(), startHyperliquidServer()])
  looper = t.manifest.wallets.find((w) => w.key === 'looper')!.address
})
afterAll(async () => {
  await Promise.all([t?.devchain.stop(), hl?.close()])
})

describe('GET /v1/wallets/{address} with Hyperliquid configured', () => {
  it('lists the Hyperliquid perps with the lending positions of every chain', async () => {
    hl.script(looper.toLowerCase(), [{ status: 200, body: CROSS_LONG_SHORT }])
    hl.scriptInfo('meta', [{ status: 200, body: flatMetaOf(CROSS_LONG_SHORT) }])
    const app = createApp({ config: configFromEnv({ STACKLENS_HYPERLIQUID_API_URL: hl.url }, t.manifest) })
    const res = await app.request(`/v1/wallets/${looper}`)
    expect(res.status).toBe(200)
    const body = (await res.json()) as {
      chains: { chain: string }[]
      positions: { protocol: string; kind: string; status: string; legs: { side: string }[] }[]
    }
    expect(body.chains.map((c) => c.chain).sort()).toEqual(['hyperliquid', 'local'])
    const perps = body.positions.filter((p) => p.protocol === 'hyperliquid')
    expect(perps.length).toBeGreaterThan(0)
    expect(perps.every((p) => p.kind === 'perp' && p.status === 'ok')).toBe(true)
    expect(perps.flatMap((p) => p.legs.map((l) => l.side))).toEqual(expect.arrayContaining(['long', 'short']))
    expect(body.positions.some((p) => p.protocol === 'aave-v3')).toBe(true)
  })

  it('a venue that keeps answering 429 is an unavailable row; the chain is still served', async () => {
    hl.script(looper.toLowerCase(), [{ status: 429, body: { error: 'rate limited' } }])
    const app = createApp({ config: configFromEnv({ STACKLENS_HYPERLIQUID_API_URL: hl.url }, t.manifest) })
    const res = await app.request(`/v1/wallets/${looper}`)
    expect(res.status).toBe(200)
    const body = (await res.json()) as { positions: { protocol: string; status: string; code?: string }[] }
    expect(body.positions.find((p) => p.protocol === 'hyperliquid')).toMatchObject({
      status: 'unavailable',
      code: 'RPC_UNAVAILABLE',
    })
    expect(body.positions.find((p) => p.protocol === 'aave-v3')?.status).toBe('ok')
  }, 30_000)

  it('naming a chain reads only that chain', async () => {
    const app = createApp({ config: configFromEnv({ STACKLENS_HYPERLIQUID_API_URL: hl.url }, t.manifest) })
    const res = await app.request(`/v1/wallets/${looper}?chain=local`)
    const body = (await res.json()) as { positions: { protocol: string }[] }
    expect(body.positions.some((p) => p.protocol === 'hyperliquid')).toBe(false)
  })

  it('serves HIP-3 dex positions with their dex, and a failing dex as one unavailable row', async () => {
    const user = looper.toLowerCase()
    hl.script(user, [{ status: 200, body: CROSS_LONG_SHORT }])
    hl.script(user, [{ status: 200, body: XYZ_ISOLATED_AAPL }], 'xyz')
    hl.script(user, [{ status: 503, body: { error: 'down' } }], 'flx')
    hl.script(user, [{ status: 200, body: EMPTY }], 'km')
    hl.scriptInfo('meta', [{ status: 200, body: flatMetaOf(CROSS_LONG_SHORT) }])
    hl.scriptInfo('meta', [{ status: 200, body: XYZ_META }], 'xyz')
    hl.scriptInfo('perpDexs', [
      { status: 200, body: [null, { name: 'xyz' }, { name: 'flx' }, { name: 'km' }] },
    ])
    try {
      const app = createApp({ config: configFromEnv({ STACKLENS_HYPERLIQUID_API_URL: hl.url }, t.manifest) })
      const res = await app.request(`/v1/wallets/${looper}`)
      expect(res.status).toBe(200)
      const body = WalletReportSchema.parse(await res.json())
      const perps = body.positions.filter((p) => p.protocol === 'hyperliquid')
      expect(perps.map((p) => [p.market, p.status]).sort()).toEqual(
        [
          ['hyperliquid-perps', 'ok'],
          ['hyperliquid-perps:xyz', 'ok'],
          ['hyperliquid-perps-isolated-xyz:AAPL', 'ok'],
          ['hyperliquid-perps:flx', 'unavailable'],
        ].sort(),
      )
      const iso = perps.find((p) => p.market === 'hyperliquid-perps-isolated-xyz:AAPL') as unknown as {
        healthFactor: number
        details: { dex: string }
      }
      // Tiered: 3,000 / (23,000 / 10 - 500)
      expect(iso.healthFactor).toBeCloseTo(3_000 / 1_800, 12)
      expect(iso.details.dex).toBe('xyz')
      expect(perps.find((p) => p.market === 'hyperliquid-perps:flx')).toMatchObject({
        code: 'PROTOCOL_READ_FAILED',
      })
      expect(body.positions.find((p) => p.protocol === 'aave-v3')?.status).toBe('ok')
    } finally {
      hl.scriptInfo('perpDexs', [{ status: 200, body: [null] }])
    }
  })
})
