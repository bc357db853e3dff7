/**
 * HIP-3 (builder-deployed) perp dexes through the adapter and `readVenueWallet`, against the local
 * double of the info API (test/support/hyperliquid-server.ts): `perpDexs` lists the dexes, each
 * dex's `clearinghouseState` is read with `dex`, and its `meta` (margin tables) where the wallet
 * holds positions. A dex whose read fails is one `unavailable` row while the others are served.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import type { PositionResult } from '../../../../src/core/types.js'
import {
  HYPERLIQUID_DEX_CONCURRENCY,
  hyperliquidAdapter,
  MAX_HIP3_DEXES,
} from '../../../../src/protocols/hyperliquid/index.js'
import { readVenueWallet } from '../../../../src/protocols/read-wallet.js'
import { type HyperliquidServerDouble, startHyperliquidServer } from '../../../support/hyperliquid-server.js'
import {
  CROSS_LONG_SHORT,
  clone,
  EMPTY,
  flatMetaOf,
  XYZ_ISOLATED_AAPL,
  XYZ_META,
  XYZ_TIERED_TABLE,
} from './fixtures.js'

let venue: HyperliquidServerDouble
let n = 0x1000
const nextUser = () => `0x${(n++).toString(16).padStart(40, '0')}` as const

beforeAll(async () => {
  venue = await startHyperliquidServer()
})
afterAll(async () => {
  await venue.close()
})
beforeEach(() => {
  venue.scriptInfo('meta', [{ status: 200, body: flatMetaOf(CROSS_LONG_SHORT) }])
  venue.scriptInfo('meta', [{ status: 200, body: XYZ_META }], 'xyz')
  venue.scriptInfo('perpDexs', [
    { status: 200, body: [null, { name: 'xyz', fullName: 'XYZ' }, { name: 'flx' }] },
  ])
})

const read = async (user: `0x${string}`) =>
  (
    await readVenueWallet({
      venue: { key: 'hyperliquid', url: venue.url },
      user,
      adapters: [hyperliquidAdapter],
    })
  ).positions
const byMarket = (rows: PositionResult[]) => Object.fromEntries(rows.map((r) => [r.market, r]))

describe('HIP-3 dexes', () => {
  it('reads every dex: the default cross account, and dex xyz with its tiered margin table', async () => {
    const user = nextUser()
    venue.script(user, [{ status: 200, body: CROSS_LONG_SHORT }])
    venue.script(user, [{ status: 200, body: XYZ_ISOLATED_AAPL }], 'xyz')
    venue.script(user, [{ status: 200, body: EMPTY }], 'flx')
    const before = venue.requests.length
    const rows = await read(user)
    const sent = venue.requests.slice(before)
    expect(sent).toEqual(
      expect.arrayContaining([
        { type: 'perpDexs' },
        { type: 'clearinghouseState', user },
        { type: 'clearinghouseState', user, dex: 'xyz' },
        { type: 'clearinghouseState', user, dex: 'flx' },
        { type: 'meta' },
        { type: 'meta', dex: 'xyz' },
      ]),
    )
    // flx holds nothing: no meta asked for it.
    expect(sent).not.toContainEqual({ type: 'meta', dex: 'flx' })
    expect(rows.map((r) => r.market).sort()).toEqual(
      ['hyperliquid-perps', 'hyperliquid-perps-isolated-xyz:AAPL', 'hyperliquid-perps:xyz'].sort(),
    )
    expect(rows.every((r) => r.status === 'ok')).toBe(true)
    const m = byMarket(rows)
    expect(m['hyperliquid-perps']).toMatchObject({ details: { dex: '' } })
    expect(m['hyperliquid-perps:xyz']).toMatchObject({
      collateralUsd: 500,
      healthFactor: null,
      details: { dex: 'xyz', marginMode: 'cross' },
    })
    const iso = m['hyperliquid-perps-isolated-xyz:AAPL'] as Extract<PositionResult, { status: 'ok' }>
    // MM = 23,000 / 10 - 500 = 1,800 (the 5x tier); HF = 3,000 / 1,800
    expect(iso.healthFactor).toBeCloseTo(3_000 / 1_800, 12)
    expect(iso.healthFactorWad).toBe((3_000n * 10n ** 18n) / 1_800n)
    // The leg is the coin without its dex prefix (the same risk asset as a default-dex AAPL).
    expect(iso.legs).toMatchObject([{ asset: { symbol: 'AAPL' }, side: 'long', usd: 23_000 }])
    expect(iso.liquidationPrices).toMatchObject([{ symbol: 'AAPL', price: 216.666667 }])
    expect(iso.liquidationRule).toMatchObject({
      kind: 'hyperliquid-maintenance',
      marginMode: 'isolated',
      maintenanceMarginUsd: 1_800,
      legs: [{ coin: 'xyz:AAPL', maxLeverage: 5, maintenanceMarginRate: 0.1 }],
    })
    const details = iso.details as {
      dex: string
      collateralToken: number | null
      liquidationPriceMismatch: boolean
      maintenanceMarginUsd: number
      positions: Array<{
        coin: string
        dex: string
        marginTiers: Record<string, unknown>
        liquidationPrice: { venue: number; computed: number; agrees: boolean }
      }>
    }
    expect(details).toMatchObject({
      dex: 'xyz',
      collateralToken: 0,
      maintenanceMarginUsd: 1_800,
      liquidationPriceMismatch: false,
    })
    expect(details.positions[0]).toMatchObject({
      coin: 'xyz:AAPL',
      dex: 'xyz',
      marginTiers: {
        source: 'meta margin table 51',
        marginTableId: 51,
        tier: 1,
        tierMaxLeverage: 5,
        tierLowerBoundUsd: 10_000,
        maintenanceDeductionUsd: 500,
      },
    })
    // (23,000 - 3,000 - 500) / (100 * 0.9), beside the venue's figure
    expect(details.positions[0]!.liquidationPrice.computed).toBeCloseTo(19_500 / 90, 9)
    expect(details.positions[0]!.liquidationPrice.agrees).toBe(true)
  })

  it('a dex whose read fails is one unavailable row; the other dexes are served', async () => {
    const user = nextUser()
    venue.script(user, [{ status: 200, body: CROSS_LONG_SHORT }])
    venue.script(user, [{ status: 200, body: XYZ_ISOLATED_AAPL }], 'xyz')
    venue.script(user, [{ status: 500, raw: 'flx backend exploded: secret=hunter2' }], 'flx')
    const rows = await read(user)
    const failed = rows.filter((r) => r.status === 'unavailable')
    expect(failed).toEqual([
      {
        status: 'unavailable',
        protocol: 'hyperliquid',
        market: 'hyperliquid-perps:flx',
        chain: 'hyperliquid',
        kind: 'perp',
        code: 'PROTOCOL_READ_FAILED',
        reason: 'Hyperliquid info API (clearinghouseState) answered HTTP 500',
      },
    ])
    expect(JSON.stringify(rows, (_k, v) => (typeof v === 'bigint' ? v.toString() : v))).not.toContain(
      'hunter2',
    )
    expect(
      rows
        .filter((r) => r.status === 'ok')
        .map((r) => r.market)
        .sort(),
    ).toEqual(['hyperliquid-perps', 'hyperliquid-perps-isolated-xyz:AAPL', 'hyperliquid-perps:xyz'].sort())
  })

  it("a dex whose meta fails (or has a malformed margin table) is that dex's unavailable row", async () => {
    for (const meta of [
      { status: 429, body: null },
      {
        status: 200,
        body: {
          ...XYZ_META,
          marginTables: [
            [51, { ...XYZ_TIERED_TABLE, marginTiers: [...XYZ_TIERED_TABLE.marginTiers].reverse() }],
          ],
        },
      },
    ]) {
      const user = nextUser()
      venue.script(user, [{ status: 200, body: CROSS_LONG_SHORT }])
      venue.script(user, [{ status: 200, body: XYZ_ISOLATED_AAPL }], 'xyz')
      venue.script(user, [{ status: 200, body: EMPTY }], 'flx')
      venue.scriptInfo('meta', [meta], 'xyz')
      const rows = await read(user)
      const failed = rows.filter((r) => r.status === 'unavailable')
      expect(failed).toHaveLength(1)
      expect(failed[0]).toMatchObject({ market: 'hyperliquid-perps:xyz' })
      const reason = (failed[0] as { reason: string }).reason
      expect(reason).toMatch(
        meta.status === 429 ? /\(meta\) rate-limited/ : /\(meta\).*marginTables\[51\]: tier 0 starts/,
      )
      expect(rows.find((r) => r.market === 'hyperliquid-perps')?.status).toBe('ok')
    }
  }, 20_000)

  it('a failed perpDexs listing is one unavailable row; the default dex is still served', async () => {
    const user = nextUser()
    venue.script(user, [{ status: 200, body: CROSS_LONG_SHORT }])
    venue.scriptInfo('perpDexs', [{ status: 502, raw: 'bad gateway' }])
    const rows = await read(user)
    expect(rows.map((r) => [r.market, r.status])).toEqual([
      ['hyperliquid-perps', 'ok'],
      ['hyperliquid-hip3-dexes', 'unavailable'],
    ])
    expect(rows[1]).toMatchObject({
      code: 'PROTOCOL_READ_FAILED',
      reason: 'Hyperliquid info API (perpDexs) answered HTTP 502',
    })
  })

  it(`reads at most ${MAX_HIP3_DEXES} HIP-3 dexes, ${HYPERLIQUID_DEX_CONCURRENCY} at a time; the rest are named as not read`, async () => {
    const user = nextUser()
    const names = Array.from({ length: MAX_HIP3_DEXES + 2 }, (_, i) => `d${i}`)
    venue.scriptInfo('perpDexs', [{ status: 200, body: [null, ...names.map((name) => ({ name }))] }])
    venue.script(user, [{ status: 200, body: EMPTY, delayMs: 20 }])
    for (const dex of names) venue.script(user, [{ status: 200, body: clone(EMPTY), delayMs: 20 }], dex)
    const before = venue.requests.length
    const rows = await read(user)
    const dexRequests = venue.requests
      .slice(before)
      .filter((r) => r.type === 'clearinghouseState' && typeof r.dex === 'string')
    expect(dexRequests.map((r) => String(r.dex)).sort()).toEqual(names.slice(0, MAX_HIP3_DEXES).sort())
    // The default dex's read runs beside the listing, then HYPERLIQUID_DEX_CONCURRENCY dexes.
    expect(venue.maxInFlight()).toBeLessThanOrEqual(HYPERLIQUID_DEX_CONCURRENCY + 1)
    expect(rows).toEqual(
      names.slice(MAX_HIP3_DEXES).map((dex) => ({
        status: 'unavailable',
        protocol: 'hyperliquid',
        market: `hyperliquid-perps:${dex}`,
        chain: 'hyperliquid',
        kind: 'perp',
        code: 'PROTOCOL_READ_FAILED',
        reason: `HIP-3 dex "${dex}" was not read: a scan reads at most ${MAX_HIP3_DEXES} HIP-3 dexes`,
      })),
    )
  })
})
