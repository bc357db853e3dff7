/**
 * POST /v1/analyze through app.request(): a devchain wallet plus manual CEX perp and option legs
 * in one portfolio, and every bad input with a 4xx that names the field.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startTestDevchain, type TestDevchain } from '../helpers/devchain.js'

let t: TestDevchain
let looper: string

beforeAll(async () => {
  t = await startTestDevchain()
  looper = t.manifest.wallets.find((w) => w.key === 'looper')!.address
})
afterAll(async () => {
  await t?.devchain.stop()
})

async function post(body: unknown, raw?: string) {
  const res = await t.app.request('/v1/analyze', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: raw ?? JSON.stringify(body),
  })
  const text = await res.text()
  return { status: res.status, json: JSON.parse(text) as Record<string, unknown> }
}

const perp = {
  kind: 'perp',
  venue: 'binance',
  asset: 'ETH',
  side: 'short',
  size: 10,
  entryPrice: 3000,
  margin: 6000,
  maintenanceMarginRate: 0.005,
  markPrice: 3000,
}
const option = {
  kind: 'option',
  underlying: 'ETH',
  type: 'put',
  strike: 2500,
  expiry: new Date(Date.now() + 90 * 86_400_000).toISOString(),
  size: 5,
  impliedVol: 0.6,
  spotPrice: 3000,
}

describe('POST /v1/analyze', () => {
  it('merges the wallet positions (all protocols) with a CEX perp and an option', async () => {
    const r = await post({ wallets: [{ address: looper, chains: ['local'] }], legs: [perp, option] })
    expect(r.status).toBe(200)
    const body = r.json as {
      wallets: { address: string; chains: { chain: string }[] }[]
      positions: {
        protocol: string
        kind: string
        healthFactor: number
        liquidationPrices: { price: number }[]
        legs: { side: string; usd: number }[]
      }[]
      options: {
        source: string
        delta: number
        deltaUsd: number
        gamma: number
        vega: number
        valueUsd: number
      }[]
      exposure: {
        netExposure: { riskAsset: string; usd: number; units: number }[]
        grossExposureUsd: number
        equityUsd: number
        layers: { id: string; structure: string }[]
      }
    }
    expect(body.wallets[0]!.chains.map((c) => c.chain)).toEqual(['local'])
    const protocols = body.positions.map((p) => p.protocol)
    expect(protocols).toEqual(expect.arrayContaining(['aave-v3', 'morpho-blue', 'compound-v3', 'binance']))
    const cex = body.positions.find((p) => p.protocol === 'binance')!
    expect(cex.kind).toBe('perp')
    // short: P = (10 * 3000 + 6000) / (10 * 1.005) = 3582.09 (hand computation)
    expect(cex.liquidationPrices[0]!.price).toBeCloseTo(36000 / 10.05, 6)
    expect(cex.healthFactor).toBeCloseTo(6000 / 150, 9)
    expect(cex.legs[0]).toMatchObject({ side: 'short', usd: 30000 })
    const o = body.options[0]!
    expect(o.source).toBe('black-scholes')
    expect(o.delta).toBeLessThan(0) // a long put is short delta
    expect(o.gamma).toBeGreaterThan(0)
    expect(o.vega).toBeGreaterThan(0)
    expect(o.deltaUsd).toBeCloseTo(o.delta * 3000, 6)
    // The short perp (10 ETH) and the put's delta offset part of the looper's long ETH: the
    // wallet alone (GET .../exposure at the same state) plus the two manual legs.
    const alone = (await (await t.app.request(`/v1/wallets/${looper}/exposure?chain=local`)).json()) as {
      netExposure: { riskAsset: string; usd: number; units: number }[]
      equityUsd: number
    }
    const eth = body.exposure.netExposure.find((e) => e.riskAsset === 'ETH')!
    const ethAlone = alone.netExposure.find((e) => e.riskAsset === 'ETH')!
    expect(eth.usd).toBeCloseTo(ethAlone.usd - 30000 + o.deltaUsd, 6)
    expect(eth.units).toBeCloseTo(ethAlone.units - 10 + o.delta, 9)
    // Equity: the wallet's, plus the perp's equity (margin 6,000 at mark = entry) and the put's value.
    expect(body.exposure.equityUsd).toBeCloseTo(alone.equityUsd + 6000 + o.valueUsd, 6)
    expect(body.exposure.layers.map((l) => l.structure)).toEqual(
      expect.arrayContaining(['perp-short', 'option']),
    )
  })

  it('manual legs alone need no wallet', async () => {
    const r = await post({ legs: [perp] })
    expect(r.status).toBe(200)
  })

  const bad: [string, unknown, string][] = [
    ['an empty body', {}, 'body'],
    ['a negative size', { legs: [{ ...perp, size: -1 }] }, 'legs.0.size'],
    ['a missing margin', { legs: [{ ...perp, margin: undefined }] }, 'legs.0.margin'],
    ['a string number', { legs: [{ ...perp, entryPrice: '3000' }] }, 'legs.0.entryPrice'],
    ['an MMR of 1', { legs: [{ ...perp, maintenanceMarginRate: 1 }] }, 'legs.0.maintenanceMarginRate'],
    ['a side that is not long/short', { legs: [{ ...perp, side: 'up' }] }, 'legs.0.side'],
    ['an unknown leg kind', { legs: [{ kind: 'swap' }] }, 'legs.0.kind'],
    ['an unknown field', { legs: [{ ...perp, leverage: 10 }] }, 'legs.0'],
    ['an expiry that is not ISO-8601', { legs: [{ ...option, expiry: 'next friday' }] }, 'legs.0.expiry'],
    [
      'an option without greeks or vol',
      { legs: [{ ...option, impliedVol: undefined }] },
      'legs.0.impliedVol',
    ],
    ['an option with vol but no spot', { legs: [{ ...option, spotPrice: undefined }] }, 'legs.0.spotPrice'],
    ['a zero-size option', { legs: [{ ...option, size: 0 }] }, 'legs.0.size'],
    ['a bad wallet address', { wallets: [{ address: '0x12' }] }, 'wallets.0.address'],
    ['too many legs', { legs: Array.from({ length: 201 }, () => perp) }, 'legs'],
  ]
  for (const [what, body, field] of bad) {
    it(`rejects ${what} with a 400 naming ${field}`, async () => {
      const r = await post(body)
      expect(r.status).toBe(400)
      const err = (r.json as { error: { code: string; message: string } }).error
      expect(['INVALID_REQUEST', 'INVALID_ADDRESS']).toContain(err.code)
      expect(err.message.startsWith(field)).toBe(true)
    })
  }

  it('rejects an unknown chain for a wallet with 400 UNKNOWN_CHAIN', async () => {
    const r = await post({ wallets: [{ address: looper, chains: ['solana'] }] })
    expect(r.status).toBe(400)
    expect((r.json as { error: { code: string } }).error.code).toBe('UNKNOWN_CHAIN')
  })

  it('rejects a body that is not JSON with 400', async () => {
    const r = await post(undefined, '{"legs": [')
    expect(r.status).toBe(400)
    expect((r.json as { error: { code: string } }).error.code).toBe('INVALID_REQUEST')
  })

  it('rejects a body over 64 KiB with 413', async () => {
    const r = await post(undefined, JSON.stringify({ legs: [], pad: 'x'.repeat(70 * 1024) }))
    expect(r.status).toBe(413)
    expect((r.json as { error: { code: string } }).error.code).toBe('PAYLOAD_TOO_LARGE')
  })
})
