/**
 * GMX v2 funding and borrowing in the carry, against the REAL current Reader: replayed answers of
 * gmx-synthetics a5c0c883 (Reader + 15 libraries byte-identical to the live Arbitrum Reader
 * 0x470fbC46…0789; ../shared/protocols/gmx-synthetics/recordings/gmx-synthetics-a5c0c883.json) through
 * the replay transport. (The devchain's GMX is GmxReaderDouble, a test double whose getMarketInfo
 * answers rates the devchain sets: test/api/carry.test.ts.)
 *
 * Vectors, all from that recording:
 * - `expected[431].markets.<M>.borrowingFactorPerSecondForLongs/Shorts` and `.nextFunding`
 *   (fundingFactorPerSecond, longsPayShorts) and the DataStore's recorded `openInterestKey(GM_<M>, token,
 *   isLong)` answers (by their `note` labels, not re-derived): per position, by hand,
 *   borrowing/yr = -S x bfps(side) x 31,536,000 / 1e30; funding/yr = -S x ffps x 31,536,000 / 1e30 for
 *   the paying side, +S x ffps x 31,536,000 / 1e30 x payingOI / receivingOI for the other;
 * - the Reader's own accrual: P1's pending borrowingFeeUsd at B2 (436) minus at B1 (431), over the
 *   2,592,004 s between them (no write in between), annualised, equals the borrowing/yr served at B1.
 */
import { describe, expect, it } from 'vitest'
import { createApp } from '../../src/api/app.js'
import { CarrySchema } from '../../src/api/carry-schemas.js'
import { defaultAssetGraph, staticRates } from '../../src/assets/index.js'
import type { Position } from '../../src/core/types.js'
import { createGmxV2Adapter } from '../../src/protocols/gmx-v2/read.js'
import { createReportSources } from '../../src/report/report-sources.js'
import { resolveExposure } from '../../src/resolve/index.js'
import { computeCarry } from '../../src/risk/carry.js'
import {
  gmxReplayChain,
  gmxReplayConfig,
  gmxTickersFetch,
  loadGmxRecording,
  readGmxReplay,
} from '../support/gmx-replay.js'
import { replayClient } from '../support/replay.js'

const rec = loadGmxRecording()
if (!rec) console.warn('[replay] the GMX recording is absent: GMX carry replay tests SKIPPED')

const B1 = 431
const B2 = 436
const Y = 31_536_000n
const F = 10n ** 30n
const usd = (v: bigint) => Number(v) / 1e30

/** The recorded DataStore answer labelled `note` at `block`. */
function recordedUint(note: string, block: number): bigint {
  const c = rec!.calls.find((x) => x.block === block && (x as { note?: string }).note === note)
  if (!c?.result) throw new Error(`not recorded: ${note} at ${block}`)
  return BigInt(c.result)
}

function oi(market: 'ETH' | 'BTC' | 'SOL', block: number) {
  const [long, short] = market === 'BTC' ? ['WBTC', 'USDC'] : ['WETH', 'USDC']
  const side = (isLong: boolean) =>
    recordedUint(`openInterestKey(GM_${market}, ${long}, ${isLong})`, block) +
    recordedUint(`openInterestKey(GM_${market}, ${short}, ${isLong})`, block)
  return { long: side(true), short: side(false) }
}

/** By hand from the recording: borrowing and funding per year, USD 30 decimals. */
function handCarry(market: 'ETH' | 'BTC' | 'SOL', isLong: boolean, S: bigint, block = B1) {
  const m = rec!.expected[String(block)]!.markets[market]!
  const bfps = BigInt(isLong ? m.borrowingFactorPerSecondForLongs : m.borrowingFactorPerSecondForShorts)
  const ffps = BigInt(m.nextFunding.fundingFactorPerSecond)
  const o = oi(market, block)
  const [paying, receiving] = m.nextFunding.longsPayShorts ? [o.long, o.short] : [o.short, o.long]
  const pays = isLong === m.nextFunding.longsPayShorts
  return {
    borrowing: -((S * bfps * Y) / F),
    funding: pays ? -((S * ffps * Y) / F) : (S * ffps * Y * paying) / (receiving * F),
  }
}

async function ratesOf(user: string, block: number) {
  const r = await readGmxReplay(rec!, user, block)
  const positions = r.report.positions.filter((p): p is Position => p.status === 'ok')
  const layers = positions.map((position, i) => ({ layer: `L${i}`, position }))
  const rates = await r.adapter.readRates!(
    { client: r.client, chain: r.chain, blockNumber: BigInt(block) },
    layers,
  )
  return { positions, layers, rates }
}

const marketOf = (p: Position) =>
  Object.entries(rec!.markets).find(([, m]) => m.marketToken === p.details.marketToken)![0] as
    | 'ETH'
    | 'BTC'
    | 'SOL'

describe.skipIf(!rec)('GMX v2 funding and borrowing from the replayed v2.2 Reader', () => {
  for (const user of ['alice', 'bob', 'carol']) {
    it(`block 431, ${user}: every perp leg's funding and borrowing equal the hand computation, sign-correct`, async () => {
      const { positions, rates } = await ratesOf(rec!.users[user]!, B1)
      expect(positions.length).toBeGreaterThan(0)
      for (const [i, p] of positions.entries()) {
        const r = rates[i]!
        expect(r.missing).toEqual([])
        const perp = p.legs.find((l) => l.side === 'long' || l.side === 'short')!
        const rate = r.legs.find((l) => l.side === perp.side)!
        const isLong = p.details.isLong === true
        const S = BigInt(p.details.sizeInUsd as string)
        const hand = handCarry(marketOf(p), isLong, S)
        const parts = Object.fromEntries(rate.components!.map((c) => [c.name, c.apy * perp.usd]))
        expect(parts.borrowing).toBeCloseTo(usd(hand.borrowing), 6)
        expect(parts.funding).toBeCloseTo(usd(hand.funding), 6)
        expect(rate.apy * perp.usd).toBeCloseTo(usd(hand.borrowing + hand.funding), 6)
        expect(rate.compounding).toBe('simple-per-second')
        // Longs pay funding here (longsPayShorts at 431 in every market); shorts receive it.
        if (isLong) expect(parts.funding).toBeLessThan(0)
        else expect(parts.funding).toBeGreaterThan(0)
        // The collateral leg earns nothing.
        expect(r.legs.find((l) => l.side === 'collateral')!.apy).toBe(0)
      }
    })
  }

  it("P2 (alice's ETH short, the smaller side): no borrowing (SKIP_BORROWING_FEE_FOR_SMALLER_SIDE), funding received x longOI / shortOI", async () => {
    const { positions, rates } = await ratesOf(rec!.users.alice!, B1)
    const i = positions.findIndex((p) => p.details.isLong === false)
    const c = Object.fromEntries(
      rates[i]!.legs.find((l) => l.side === 'short')!.components!.map((x) => [x.name, x]),
    )
    expect(c.borrowing!.apy).toBe(0)
    const o = oi('ETH', B1)
    // 30,000 x 8998838408040237673537e-30 x 31,536,000 x 62,000,000 / 54,930,000
    const expected = 30_000 * 8.998838408040238e-9 * 31_536_000 * (Number(o.long) / Number(o.short))
    expect(c.funding!.apy * positions[i]!.legs[0]!.usd).toBeCloseTo(expected, 4)
  })

  it("the borrowing rate served at B1 is the Reader's own accrual B1 -> B2 (P1), annualised", async () => {
    const { positions, rates } = await ratesOf(rec!.users.alice!, B1)
    const i = positions.findIndex((p) => p.details.isLong === true && marketOf(p) === 'ETH')
    const p1 = (b: number) => rec!.expected[String(b)]!.users.alice!.positions.find((x) => x.id === 'P1')!
    const accrued = BigInt(p1(B2).fees.borrowingFeeUsd!) - BigInt(p1(B1).fees.borrowingFeeUsd!)
    const t = (b: number) => BigInt(rec!.blocks.find((x) => x.number === b)!.timestamp)
    const elapsed = t(B2) - t(B1)
    expect(elapsed).toBe(2_592_004n)
    const perYear = usd((accrued * Y) / elapsed)
    const served = rates[i]!.legs.find((l) => l.side === 'long')!.components!.find(
      (c) => c.name === 'borrowing',
    )!
    expect(-served.apy * positions[i]!.legs[0]!.usd).toBeCloseTo(perYear, 6)
  })

  it('in the carry engine: layer carry per year, APY on notional and on equity', async () => {
    const { positions, layers, rates } = await ratesOf(rec!.users.carol!, B1)
    const ctx = { graph: defaultAssetGraph(), rates: staticRates({}), now: 0n }
    const exposure = resolveExposure({ positions, contexts: { local: ctx }, fallback: ctx })
    const byPosition = new Map(layers.map((l) => [l.position, l.layer]))
    const ids = exposure.layers.map((l) => l.id)
    const remap = new Map(rates.map((r, i) => [r.layer, ids[i]!]))
    const carry = computeCarry({
      exposure,
      legsByLayer: new Map(
        positions.map((p, i) => [
          ids[i]!,
          p.legs.map((l) => ({ symbol: l.asset.symbol, token: l.asset.address, side: l.side, usd: l.usd })),
        ]),
      ),
      rates: rates.map((r) => ({ ...r, layer: remap.get(r.layer)! })),
      nativeYields: [],
    })
    expect(byPosition.size).toBe(2)
    for (const [i, layer] of carry.layers.entries()) {
      const p = positions[i]!
      const hand = handCarry(marketOf(p), p.details.isLong === true, BigInt(p.details.sizeInUsd as string))
      expect(layer.complete).toBe(true)
      expect(layer.carryUsdPerYear).toBeCloseTo(usd(hand.borrowing + hand.funding), 6)
      const l = exposure.layers[i]!
      expect(layer.apyOnNotional).toBeCloseTo(layer.carryUsdPerYear / l.notionalUsd, 12)
      expect(layer.apyOnEquity).toBeCloseTo(layer.carryUsdPerYear / l.equityUsd, 12)
    }
    expect(carry.conventions.join(' ')).toMatch(/GMX v2 funding and borrowing/)
  })

  it('GET /exposure?carry=true over the replay: each GMX layer complete, funding and borrowing components in USD', async () => {
    const chain = gmxReplayChain(gmxReplayConfig(rec!))
    const { client } = replayClient(rec!)
    const config = { chains: { local: chain }, localManifest: null, hyperliquid: null }
    const sources = createReportSources({
      config,
      clientFor: () => client,
      adapters: [createGmxV2Adapter({ fetchFn: gmxTickersFetch(rec!, B1) })],
    })
    const app = createApp({ config, sources })
    const res = await app.request(
      `/v1/wallets/${rec!.users.alice}/exposure?chain=local&block=${B1}&carry=true`,
    )
    expect(res.status).toBe(200)
    const carry = CarrySchema.parse(((await res.json()) as { carry: unknown }).carry)
    const gmx = carry.layers.filter((l) => l.protocol === 'gmx-v2')
    expect(gmx).toHaveLength(3)
    for (const layer of gmx) {
      expect(layer.complete).toBe(true)
      const perp = layer.legs.find((l) => l.side === 'long' || l.side === 'short')!
      const parts = Object.fromEntries(perp.components!.map((c) => [c.name, c.usdPerYear]))
      expect(parts.funding! + parts.borrowing!).toBeCloseTo(perp.carryUsdPerYear!, 6)
      expect(layer.carryUsdPerYear).toBeCloseTo(perp.carryUsdPerYear!, 9)
    }
    expect(carry.conventions.join(' ')).toMatch(/GMX v2 funding and borrowing/)
  })
})
