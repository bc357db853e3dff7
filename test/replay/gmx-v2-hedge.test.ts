/**
 * GMX v2 as a hedge venue (`GET /v1/wallets/{a}/hedge?venue=gmx:<chain>[:<market>]`) against the
 * REAL current Reader: the app over the replayed gmx-synthetics a5c0c883 recording (the Reader and
 * its 15 libraries byte-identical to the live Arbitrum Reader; test/support/gmx-replay.ts, a replay
 * transport standing in for a node, and the recording's tickers standing in for GMX's oracle).
 * (The devchain's GMX is GmxReaderDouble, a test double with set rates: test/api/hedge.test.ts.)
 *
 * Vectors: the recording's `expected[431].markets.ETH` (borrowing and funding factors) and
 * `.config` (minCollateralFactor 0.5 %, minCollateralFactorForLiquidation 0.5 %, position fee
 * factors 0.04 % / 0.06 %) and the DataStore's MIN_COLLATERAL_USD ($1). By hand for alice (net long
 * ETH from P1 long 50,000 USD, P2 short 30,000 USD, P3 on BTC): the short hedge of the net WETH
 * units at leverage 3: collateral = notional / 3, open fee = notional x 0.04 % (shorts are the smaller
 * side at 431: balance improved), threshold = max(1, notional x 0.5 %), close fee =
 * notional x 0.06 %, liquidation price (short, stable collateral, impact 0) = (C + S - fee - T) / N;
 * the analyze leg's maintenance rate (T + fee) / (N x P*). Then POST /v1/analyze with the wallet
 * and the answer's legs gives the answer's residual in every non-USD risk asset (0 to the size step).
 */
import { getAddress } from 'viem'
import { beforeAll, describe, expect, it } from 'vitest'
import { createApp } from '../../src/api/app.js'
import { HedgeResponseSchema } from '../../src/api/hedge-schemas.js'
import { AnalyzeResponseSchema } from '../../src/api/schemas.js'
import { createGmxV2Adapter } from '../../src/protocols/gmx-v2/read.js'
import { createReportSources } from '../../src/report/report-sources.js'
import { gmxReplayChain, gmxReplayConfig, gmxTickersFetch, loadGmxRecording } from '../support/gmx-replay.js'
import { replayClient } from '../support/replay.js'

const rec = loadGmxRecording()
if (!rec) console.warn('[replay] the GMX recording is absent: GMX hedge replay tests SKIPPED')

const B1 = 431
let app: ReturnType<typeof createApp>

beforeAll(() => {
  if (!rec) return
  const chain = gmxReplayChain(gmxReplayConfig(rec))
  const { client } = replayClient(rec)
  const config = { chains: { local: chain }, localManifest: null, hyperliquid: null }
  const sources = createReportSources({
    config,
    clientFor: () => client,
    adapters: [createGmxV2Adapter({ fetchFn: gmxTickersFetch(rec, B1) })],
  })
  app = createApp({ config, sources })
})

const ETH_MARKET = () => getAddress(rec!.markets.ETH!.marketToken)
const units = (list: { riskAsset: string; units: number }[], asset: string) =>
  list.find((n) => n.riskAsset === asset)?.units ?? 0

async function hedge(query: string) {
  const res = await app.request(
    `/v1/wallets/${rec!.users.alice}/hedge?chain=local&block=${B1}&paths=200${query}`,
  )
  const body = (await res.json()) as Record<string, unknown>
  expect(res.status, JSON.stringify(body).slice(0, 600)).toBe(200)
  return HedgeResponseSchema.parse(body)
}

describe.skipIf(!rec)('GMX v2 hedge venue on the replayed v2.2 Reader', () => {
  it('gmx:local:<ETH market>: the short sized, priced and liquidated by hand from the recording', async () => {
    const body = await hedge(`&venue=gmx:local:${ETH_MARKET()}&leverage=3`)
    const m = rec!.expected[String(B1)]!.markets.ETH!
    const f = (v: string) => Number(v) / 1e30
    const net = units(body.before.netExposure, 'ETH')
    expect(net).toBeGreaterThan(0)
    expect(body.legs).toHaveLength(1)
    const plan = body.plan.legs[0]!
    const size = Math.round(net * 1e6) / 1e6
    const mark = (3412.8 + 3412.91) / 2
    const S = size * mark
    const C = S / 3
    // The open improves the balance (shorts are the smaller side at 431): 0.04 %; the check's close
    // fee is taken at the worsening factor, 0.06 % (an upper bound).
    const openFee = S * f(m.config.positionFeeFactor.balanceImproved)
    const fee = S * f(m.config.positionFeeFactor.balanceWorsened)
    const T = Math.max(1, S * f(m.config.minCollateralFactorForLiquidation))
    const P = (C + S - fee - T) / size
    expect(plan.leg).toMatchObject({ venue: 'gmx-local', asset: 'ETH', side: 'short', size })
    expect(plan.gmx!.rule.market).toBe(ETH_MARKET())
    expect(body.venue).toBe(`gmx:local:${ETH_MARKET()}`)
    expect(plan.leg.entryPrice).toBeCloseTo(mark, 9)
    expect(plan.leg.margin).toBeCloseTo(C, 6)
    expect(plan.maxLeverage).toBeCloseTo(1 / f(m.config.minCollateralFactor), 9)
    expect(plan.openFeeUsd).toBeCloseTo(openFee, 6)
    expect(plan.marginUsd).toBeCloseTo(C + openFee, 6)
    expect(plan.roundTripFeeUsd).toBeCloseTo(openFee + fee, 6)
    expect(plan.liquidationPrice).toBeCloseTo(P, 6)
    expect(plan.leg.maintenanceMarginRate).toBeCloseTo((T + fee) / (size * P), 12)
    expect(plan.gmx!.thresholdUsd).toBeCloseTo(T, 6)
    // Short at 431: receives funding x longOI / shortOI, pays no borrowing (the smaller side pays none).
    expect(plan.fundingUsdPerYear).toBeGreaterThan(0)
    expect(plan.borrowingUsdPerYear).toBe(0)
    expect(plan.carryUsdPerYear).toBeCloseTo(plan.fundingUsdPerYear + plan.borrowingUsdPerYear, 9)
    // with the largest negative impact counted (1 % on this market) the price is lower
    expect(plan.gmx!.liquidationPriceWorstImpact!).toBeCloseTo(P - (S * 0.01) / size, 6)
    expect(Math.abs(units(body.residual, 'ETH'))).toBeLessThanOrEqual(0.5e-6 + 1e-12)
  })

  it('POST /v1/analyze with the wallet and the legs gives the stated residual (every non-USD risk asset)', async () => {
    const body = await hedge('&venue=gmx:local')
    expect(body.legs.length).toBeGreaterThanOrEqual(2)
    const res = await app.request('/v1/analyze', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ wallets: [{ address: rec!.users.alice, chains: ['local'] }], legs: body.legs }),
    })
    expect(res.status).toBe(200)
    const analyzed = AnalyzeResponseSchema.parse(await res.json())
    const nonUsd = (l: { riskAsset: string; units: number }[]) =>
      l.filter((n) => n.riskAsset !== 'USD').map((n) => [n.riskAsset, n.units])
    expect(nonUsd(analyzed.exposure.netExposure)).toEqual(nonUsd(body.residual))
    for (const [, u] of nonUsd(body.residual))
      expect(Math.abs(u as number)).toBeLessThanOrEqual(0.5e-6 + 1e-12)
    // analyze liquidates each leg where GMX's rule does
    for (const l of body.plan.legs) {
      const p = analyzed.positions.find((x) => x.market.endsWith(`${l.leg.asset.toUpperCase()}-PERP`))!
      if (p.status !== 'ok') throw new Error(`${p.code}: ${p.reason}`)
      expect(p.liquidationPrices[0]!.price).toBeCloseTo(l.liquidationPrice!, 6)
    }
  })

  it.each([
    ['&venue=gmx', /venue: "gmx" is not a hedge venue/],
    ['&venue=gmx:', /venue: "gmx:" is not a hedge venue/],
    ['&venue=gmx:local:0x1234', /venue: "gmx:local:0x1234" is not a hedge venue/],
    ['&venue=dydx:local', /venue: "dydx" is not a hedge venue/],
    ['&venue=gmx:nochain', /nochain/],
    [`&venue=gmx:local:0x${'ab'.repeat(20)}`, /is not a GMX v2 market on chain "local"/],
  ])('%s -> 400 naming the venue', async (query, message) => {
    const res = await app.request(`/v1/wallets/${rec!.users.alice}/hedge?chain=local&block=${B1}${query}`)
    const body = (await res.json()) as { error: { code: string; message: string } }
    expect(res.status, JSON.stringify(body)).toBe(400)
    expect(body.error.message).toMatch(message)
  })
})
