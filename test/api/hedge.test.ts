/**
 * `GET /v1/wallets/{address}/hedge` on the devchain, priced on a local stand-in of Hyperliquid's
 * info API (`test/support/hyperliquid-server.ts`, a double serving the scripted
 * `metaAndAssetCtxs` below: the fixture's ETH and BTC terms, not the venue's live ones). Checks:
 * each leg sized and priced by hand from the fixture (size step, tier leverage, maintenance rate,
 * isolated liquidation price, taker fee, funding); posting the wallet with the answer's `legs` to
 * `POST /v1/analyze` gives exactly the answer's `residual`; a delta hedge leaves at most the size
 * step's rounding; a beta hedge zeroes the dollar beta to ETH up to it; Monte Carlo and stress are
 * served before and after; every bad parameter answers a 400 naming it; a venue that is not
 * configured, a venue that fails.
 */
import type { Address } from 'viem'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createApp } from '../../src/api/app.js'
import { CarrySchema } from '../../src/api/carry-schemas.js'
import { HedgeResponseSchema } from '../../src/api/hedge-schemas.js'
import { AnalyzeResponseSchema } from '../../src/api/schemas.js'
import { configFromEnv } from '../../src/config.js'
import { GMX_DOUBLE_PARAMS } from '../../src/devchain/deploy-gmx.js'
import { startTestDevchain, type TestDevchain } from '../helpers/devchain.js'
import { type HyperliquidServerDouble, startHyperliquidServer } from '../support/hyperliquid-server.js'
import { CROSS_LONG_SHORT, flatMetaOf } from '../unit/protocols/hyperliquid/fixtures.js'

let t: TestDevchain
let hl: HyperliquidServerDouble
let app: ReturnType<typeof createApp>

/** Stand-in venue terms (fixture values): ETH 4 size decimals, 25x; BTC 5 decimals, 40x. */
const ETH_MARK = 3001.5
const BTC_MARK = 60010
const ETH_FUNDING = 0.0000125
const BTC_FUNDING = -0.00001
const META_AND_CTXS = [
  {
    universe: [
      { name: 'ETH', szDecimals: 4, maxLeverage: 25, marginTableId: 25 },
      { name: 'BTC', szDecimals: 5, maxLeverage: 40, marginTableId: 40 },
    ],
    marginTables: [],
  },
  [
    { funding: String(ETH_FUNDING), markPx: String(ETH_MARK), oraclePx: '3001.0', openInterest: '1000' },
    { funding: String(BTC_FUNDING), markPx: String(BTC_MARK), oraclePx: '60000.0', openInterest: '100' },
  ],
]

beforeAll(async () => {
  t = await startTestDevchain()
  hl = await startHyperliquidServer()
  hl.scriptInfo('metaAndAssetCtxs', [{ status: 200, body: META_AND_CTXS }])
  app = createApp({ config: configFromEnv({ STACKLENS_HYPERLIQUID_API_URL: hl.url }, t.manifest) })
}, 600_000)
afterAll(async () => {
  await hl?.close()
  await t?.devchain.stop()
})

const wallet = (key: string) => t.manifest.wallets.find((w) => w.key === key)!.address as Address

async function hedge(key: string, query: string) {
  const res = await app.request(
    `/v1/wallets/${wallet(key)}/hedge?chain=local&venue=hyperliquid&paths=500${query}`,
  )
  const body = (await res.json()) as Record<string, unknown>
  expect(res.status, JSON.stringify(body).slice(0, 400)).toBe(200)
  return HedgeResponseSchema.parse(body)
}

async function analyze(key: string, legs: unknown[]) {
  const res = await app.request('/v1/analyze', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ wallets: [{ address: wallet(key), chains: ['local'] }], legs }),
  })
  expect(res.status).toBe(200)
  return AnalyzeResponseSchema.parse(await res.json())
}

const units = (list: { riskAsset: string; units: number }[], asset: string) =>
  list.find((n) => n.riskAsset === asset)?.units ?? 0

describe('delta hedge on the Hyperliquid stand-in', () => {
  it('multi-collateral (WETH + WBTC against USDC): one short per risk asset, sized and priced by hand', async () => {
    const body = await hedge('multi-collateral', '&leverage=3')
    const eth = units(body.before.netExposure, 'ETH')
    const btc = units(body.before.netExposure, 'BTC')
    expect(eth).toBeGreaterThan(0)
    expect(btc).toBeGreaterThan(0)
    expect(body.legs).toHaveLength(2)
    for (const [asset, net, mark, step, maxLev, funding] of [
      ['ETH', eth, ETH_MARK, 4, 25, ETH_FUNDING],
      ['BTC', btc, BTC_MARK, 5, 40, BTC_FUNDING],
    ] as const) {
      const plan = body.plan.legs.find((l) => l.riskAsset === asset)!
      const size = Math.round(net * 10 ** step) / 10 ** step
      const notional = size * mark
      const m = 1 / (2 * maxLev)
      expect(plan.leg).toEqual({
        kind: 'perp',
        venue: 'hyperliquid',
        asset,
        side: 'short',
        size,
        entryPrice: mark,
        margin: notional / 3,
        maintenanceMarginRate: m,
        markPrice: mark,
      })
      // short: margin + s (E - P) = m s P  =>  P = (s E + margin) / (s (1 + m))
      expect(plan.liquidationPrice).toBeCloseTo((size * mark + notional / 3) / (size * (1 + m)), 9)
      expect(plan.openFeeUsd).toBeCloseTo(notional * 0.00045, 9)
      // a short receives funding when it is positive: rate x 8,760 h x notional
      expect(plan.fundingUsdPerYear).toBeCloseTo(funding * 8760 * notional, 9)
      // what is left is the size step's rounding, at most half a step
      expect(Math.abs(units(body.residual, asset))).toBeLessThanOrEqual(0.5 * 10 ** -step + 1e-12)
    }
    expect(body.plan.carryUsdPerYear).toBeCloseTo(
      body.plan.legs.reduce((a, l) => a + l.fundingUsdPerYear, 0),
      9,
    )
  })

  it('POST /v1/analyze with the wallet and the answer legs gives exactly the stated residual', async () => {
    for (const key of ['multi-collateral', 'stacker']) {
      const body = await hedge(key, '')
      const analyzed = await analyze(key, body.legs)
      expect(analyzed.exposure.netExposure).toEqual(body.residual)
      expect(analyzed.exposure.equityUsd).toBe(body.after.equityUsd)
    }
  })

  it('stacker (leveraged ETH long): Monte Carlo and stress before and after, the hedge cuts VaR', async () => {
    const body = await hedge('stacker', '&seed=7')
    expect(body.monteCarloParams).toMatchObject({ paths: 500, horizonDays: 30, seed: 7 })
    expect(body.before.monteCarlo.var95).toBeGreaterThan(0)
    expect(body.after.monteCarlo.var95).toBeLessThan(body.before.monteCarlo.var95)
    expect(body.after.stress.scenarios.length).toBe(body.before.stress.scenarios.length)
    expect(body.after.stress.scenarios.map((s) => s.scenario.name)).toEqual(
      body.before.stress.scenarios.map((s) => s.scenario.name),
    )
    // the hedge's own position is in the after run (one more position than before)
    expect(body.after.monteCarlo.positions.length).toBe(body.before.monteCarlo.positions.length + 1)
  })
})

describe('beta hedge', () => {
  it('beta:ETH on multi-collateral: one ETH perp of size dollarEth / mark, the dollar beta left is the step rounding', async () => {
    const body = await hedge('multi-collateral', '&target=beta:ETH')
    expect(body.legs).toHaveLength(1)
    const leg = body.legs[0]!
    expect(leg.asset).toBe('ETH')
    const size = Math.round((body.before.beta.dollarEth / ETH_MARK) * 1e4) / 1e4
    expect(leg.size).toBe(size)
    // dollar beta after = before - size x mark (ETH's own beta to ETH is 1)
    expect(body.after.beta.dollarEth).toBeCloseTo(body.before.beta.dollarEth - size * ETH_MARK, 6)
    expect(Math.abs(body.after.beta.dollarEth)).toBeLessThanOrEqual(0.5e-4 * ETH_MARK + 1e-6)
  })
})

describe('carry of Hyperliquid perps (exposure?carry=true)', () => {
  it('each perp leg receives (short) or pays (long) the stand-in hourly funding x 8,760 on its notional', async () => {
    const user = wallet('looper')
    hl.script(user.toLowerCase(), [{ status: 200, body: CROSS_LONG_SHORT }])
    hl.scriptInfo('meta', [{ status: 200, body: flatMetaOf(CROSS_LONG_SHORT) }])
    const res = await app.request(`/v1/wallets/${user}/exposure?carry=true`)
    expect(res.status).toBe(200)
    const carry = CarrySchema.parse(((await res.json()) as { carry: unknown }).carry)
    const perps = carry.layers.filter((l) => l.protocol === 'hyperliquid')
    expect(perps.length).toBeGreaterThan(0)
    const legs = perps.flatMap((l) => l.legs)
    // CROSS_LONG_SHORT: 0.5 BTC long, 10 ETH short
    expect(legs.map((l) => `${l.side} ${l.symbol}`).sort()).toEqual(['long BTC', 'short ETH'])
    for (const l of legs) {
      const f = l.symbol === 'ETH' ? ETH_FUNDING : BTC_FUNDING
      const received = (l.side === 'short' ? 1 : -1) * f * 8760
      expect(l.rateApy).toBe(received)
      expect(l.carryUsdPerYear).toBeCloseTo(l.usd * received, 9)
    }
    expect(perps.every((l) => l.complete)).toBe(true)
    expect(carry.conventions.join(' ')).toMatch(/perp funding: hourly rate x 8,760/)
  })
})

describe('delta hedge on the devchain GMX Reader double (venue gmx:local)', () => {
  it("sized on the double's own Reader.getMarketInfo and DataStore terms; analyze with its legs gives the residual", async () => {
    const res = await app.request(
      `/v1/wallets/${wallet('stacker')}/hedge?chain=local&venue=gmx:local&paths=500`,
    )
    const raw = (await res.json()) as Record<string, unknown>
    expect(res.status, JSON.stringify(raw).slice(0, 400)).toBe(200)
    const body = HedgeResponseSchema.parse(raw)
    expect(body.venue).toBe('gmx:local')
    const eth = body.plan.legs.find((l) => l.riskAsset === 'ETH')!
    expect(eth.leg.side).toBe('short')
    // The double's terms (src/devchain/deploy-gmx.ts GMX_DOUBLE_PARAMS), 30-decimal factors.
    const f = (x: bigint) => Number(x) / 1e30
    const r = GMX_DOUBLE_PARAMS.rates
    expect(eth.gmx!.rule.minCollateralFactor).toBe(f(GMX_DOUBLE_PARAMS.minCollateralFactor))
    expect(eth.gmx!.rule.minCollateralUsd).toBe(f(GMX_DOUBLE_PARAMS.minCollateralUsd))
    expect(eth.gmx!.rule.maxPositionImpactFactorForLiquidations).toBe(
      f(GMX_DOUBLE_PARAMS.maxPositionImpactFactorForLiquidations),
    )
    expect([f(r.positionFeeFactorImproved), f(r.positionFeeFactorWorsened)]).toContain(
      eth.gmx!.rule.closeFeeRate,
    )
    // A short pays the shorts' borrowing factor on its size, per second x a 365-day year.
    expect(eth.borrowingUsdPerYear / eth.notionalUsd).toBeCloseTo(
      -f(r.borrowingFactorPerSecondForShorts) * 31_536_000,
      12,
    )
    // Longs pay shorts: the short receives funding.
    expect(eth.fundingUsdPerYear).toBeGreaterThan(0)
    const analyzed = await analyze('stacker', body.legs)
    expect(analyzed.exposure.netExposure).toEqual(body.residual)
    expect(units(body.residual, 'ETH')).toBeCloseTo(0, 3)
  })
})

describe('bad hedge inputs', () => {
  it.each([
    ['', /venue is required/],
    ['&venue=binance', /venue: "binance" is not a hedge venue/],
    ['&venue=gmx', /venue: "gmx" is not a hedge venue/],
    ['&venue=gmx:local:0x12', /venue: "gmx:local:0x12" is not a hedge venue/],
    ['&venue=gmx:ethereum', /ethereum/],
    [
      '&venue=gmx:local:0x000000000000000000000000000000000000dEaD',
      /is not a GMX v2 market on chain "local"/,
    ],
    ['&venue=hyperliquid&target=gamma', /target: "gamma" is not one of/],
    ['&venue=hyperliquid&leverage=0', /leverage: "0" is not a number in \(0, 100\]/],
    ['&venue=hyperliquid&leverage=101', /leverage/],
    ['&venue=hyperliquid&leverage=abc', /leverage/],
    ['&venue=hyperliquid&horizonDays=0', /horizonDays/],
    ['&venue=hyperliquid&horizonDays=366', /horizonDays/],
    ['&venue=hyperliquid&paths=50', /paths: "50" is not an integer between 100 and 50000/],
    ['&venue=hyperliquid&paths=60000', /paths/],
    ['&venue=hyperliquid&accounts=maybe', /accounts must be/],
    ['&venue=hyperliquid&block=abc', /block/],
  ])('%s -> 400 naming the field', async (query, message) => {
    const res = await app.request(`/v1/wallets/${wallet('stacker')}/hedge?chain=local${query}`)
    const body = (await res.json()) as { error: { code: string; message: string } }
    expect(res.status).toBe(400)
    expect(body.error.message).toMatch(message)
  })

  it('a bad address and an unknown chain', async () => {
    const a = await app.request('/v1/wallets/0x123/hedge?venue=hyperliquid')
    expect(a.status).toBe(400)
    expect(((await a.json()) as { error: { code: string } }).error.code).toBe('INVALID_ADDRESS')
    const c = await app.request(`/v1/wallets/${wallet('stacker')}/hedge?chain=nochain&venue=hyperliquid`)
    expect(c.status).toBe(400)
    expect(((await c.json()) as { error: { code: string } }).error.code).toBe('UNKNOWN_CHAIN')
  })

  it('a venue not configured here is a 400 saying how to configure it', async () => {
    const res = await t.app.request(`/v1/wallets/${wallet('stacker')}/hedge?chain=local&venue=hyperliquid`)
    expect(res.status).toBe(400)
    const body = (await res.json()) as { error: { code: string; message: string } }
    expect(body.error.code).toBe('CHAIN_NOT_CONFIGURED')
    expect(body.error.message).toMatch(/STACKLENS_HYPERLIQUID_API_URL/)
  })

  it('the venue failing is a 502 without its URL or body', async () => {
    const down = await startHyperliquidServer()
    down.scriptInfo('metaAndAssetCtxs', [{ status: 500, raw: 'secret upstream text' }])
    const broken = createApp({
      config: configFromEnv({ STACKLENS_HYPERLIQUID_API_URL: down.url }, t.manifest),
    })
    const res = await broken.request(`/v1/wallets/${wallet('stacker')}/hedge?chain=local&venue=hyperliquid`)
    const text = await res.text()
    await down.close()
    expect(res.status).toBe(502)
    expect(text).not.toMatch(/secret upstream text|127\.0\.0\.1/)
  })
})
