/**
 * The Hyperliquid adapter end to end against a local double of the info API
 * (test/support/hyperliquid-server.ts) serving payloads in the real schema — each fixture is
 * checked with the adapter's own zod schema first — plus error and rate-limit answers.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { STATUS_OF } from '../../../../src/api/errors.js'
import { BaseError } from '../../../../src/core/errors.js'
import {
  clearinghouseStateSchema,
  fetchClearinghouseState,
  HYPERLIQUID_SIZE_DECIMALS,
  HyperliquidError,
  hyperliquidAdapter,
  readHyperliquidWallet,
} from '../../../../src/protocols/hyperliquid/index.js'
import { type HyperliquidServerDouble, startHyperliquidServer } from '../../../support/hyperliquid-server.js'
import { BALANCE_ONLY, CROSS_LONG_SHORT, clone, EMPTY, flatMetaOf, ISOLATED_DOCS } from './fixtures.js'

let venue: HyperliquidServerDouble
let n = 0
/** A fresh user per test, scripted with `answers`. */
function userWith(
  ...answers: Array<{ status: number; body?: unknown; raw?: string; headers?: Record<string, string> }>
) {
  n++
  const user = `0x${n.toString(16).padStart(40, '0')}` as const
  venue.script(user, answers)
  // The default dex's meta for the fixture's coins (a read with positions asks for it).
  const body = answers.find((a) => a.status === 200 && a.body !== null && typeof a.body === 'object')?.body as
    | { assetPositions?: { position: { coin: string; maxLeverage: number } }[] }
    | undefined
  const positions = Array.isArray(body?.assetPositions)
    ? body.assetPositions.filter((a) => typeof a?.position?.coin === 'string')
    : []
  venue.scriptInfo('meta', [{ status: 200, body: flatMetaOf({ assetPositions: positions }) }])
  return user
}
const fast = () => ({ url: venue.url, backoffMs: 1, timeoutMs: 5_000 })

beforeAll(async () => {
  venue = await startHyperliquidServer()
})
afterAll(async () => {
  await venue.close()
})

describe('fixtures', () => {
  it('are in the real schema', () => {
    for (const f of [ISOLATED_DOCS, CROSS_LONG_SHORT, EMPTY, BALANCE_ONLY]) {
      expect(clearinghouseStateSchema.safeParse(f).success).toBe(true)
    }
  })
})

describe('readHyperliquidWallet', () => {
  it('reads a cross account with a long and a short', async () => {
    const user = userWith({ status: 200, body: CROSS_LONG_SHORT })
    const positions = await readHyperliquidWallet({ user, ...fast() })
    // The account state, then (it holds positions) the default dex's meta for its margin tables.
    expect(venue.requests.slice(-2)).toEqual([{ type: 'clearinghouseState', user }, { type: 'meta' }])
    expect(positions).toHaveLength(1)
    const [p] = positions
    expect(p).toMatchObject({
      status: 'ok',
      protocol: 'hyperliquid',
      market: 'hyperliquid-perps',
      chain: 'hyperliquid',
      kind: 'perp',
      collateralUsd: 10_975,
      debtUsd: 0,
    })
    // 10975 / 975
    expect(p!.healthFactor).toBeCloseTo(11.256410256410257, 12)
    expect(p!.healthFactorWad).toBe(11_256_410_256_410_256_410n)
    // 0.5 BTC and 10 ETH at 1e8
    expect(p!.legs).toEqual([
      {
        asset: { symbol: 'BTC', address: null, decimals: HYPERLIQUID_SIZE_DECIMALS },
        side: 'long',
        amount: 50_000_000n,
        usd: 30_000,
        priceUsd: 60_000,
      },
      {
        asset: { symbol: 'ETH', address: null, decimals: HYPERLIQUID_SIZE_DECIMALS },
        side: 'short',
        amount: 1_000_000_000n,
        usd: 30_000,
        priceUsd: 3000,
      },
    ])
    // the venue's prices are served
    expect(p!.liquidationPrices).toEqual([
      {
        asset: null,
        symbol: 'BTC',
        side: 'long',
        price: 39_746.835443,
        currentPrice: 60_000,
        distance: 39_746.835443 / 60_000 - 1,
      },
      {
        asset: null,
        symbol: 'ETH',
        side: 'short',
        price: 3980.3921568627,
        currentPrice: 3000,
        distance: 3980.3921568627 / 3000 - 1,
      },
    ])
    const details = p!.details as {
      marginMode: string
      maintenanceMarginUsd: number
      maintenanceMarginComputedUsd: number
      liquidationPriceMismatch: boolean
      positions: Array<Record<string, unknown> & { liquidationPrice: { computed: number; agrees: boolean } }>
    }
    expect(details.marginMode).toBe('cross')
    expect(details.maintenanceMarginUsd).toBe(975)
    // 30000 / 80 + 30000 / 50
    expect(details.maintenanceMarginComputedUsd).toBe(975)
    expect(details.liquidationPriceMismatch).toBe(false)
    expect(details.positions[0]).toMatchObject({
      coin: 'BTC',
      side: 'long',
      size: '0.5',
      entryPriceUsd: 58_000,
      unrealizedPnlUsd: 1000,
      leverageType: 'cross',
      leverage: 10,
      maxLeverage: 40,
      maintenanceMarginRate: 0.0125,
      maintenanceMarginUsd: 375,
      marginUsedUsd: 3000,
      fundingUsd: { allTime: 12.5, sinceOpen: 12.5, sinceChange: 2.25 },
    })
    expect(details.positions[0]!.liquidationPrice.computed).toBeCloseTo(39_746.835443038, 6)
    expect(details.positions[1]!.liquidationPrice.computed).toBeCloseTo(3980.392156863, 6)
    expect(JSON.parse(JSON.stringify(p!.details))).toEqual(p!.details)
  })

  it('reads an isolated position (the docs example) next to the cross balance', async () => {
    const user = userWith({ status: 200, body: ISOLATED_DOCS })
    const positions = await readHyperliquidWallet({ user, ...fast() })
    expect(positions.map((p) => p.market)).toEqual(['hyperliquid-perps', 'hyperliquid-perps-isolated-ETH'])
    const [cross, iso] = positions
    // cross: balance only, no position -> no health factor
    expect(cross).toMatchObject({
      collateralUsd: 13_104.514502,
      healthFactor: null,
      healthFactorWad: null,
      legs: [],
    })
    // 13104.514502 + 4.967826 = 13109.482328 = marginSummary.accountValue
    expect(cross!.collateralUsd + iso!.collateralUsd).toBeCloseTo(13_109.482328, 9)
    expect(iso).toMatchObject({ kind: 'perp', collateralUsd: 4.967826, debtUsd: 0 })
    // MM = 100.02765 / 100 = 1.0002765; HF = 4.967826 / 1.0002765 = 4.96645...
    expect(iso!.healthFactor).toBeCloseTo(4.967826 / 1.0002765, 12)
    // exact: 4.967826 * 100 / 100.02765 in WAD
    expect(iso!.healthFactorWad).toBe((4_967_826n * 100n * 10n ** 18n * 10n ** 5n) / 10_002_765n / 10n ** 6n)
    expect(iso!.legs[0]).toMatchObject({ side: 'long', amount: 3_350_000n, usd: 100.02765 })
    expect(iso!.liquidationPrices[0]!.price).toBe(2866.26936529)
    expect(iso!.details).toMatchObject({
      marginMode: 'isolated',
      rawUsd: -95.059824,
      liquidationPriceMismatch: false,
    })
  })

  it('flags a venue liquidation price that disagrees with the model, and still serves the venue', async () => {
    const body = clone(CROSS_LONG_SHORT)
    body.assetPositions[0]!.position.liquidationPx = '41000.0'
    const user = userWith({ status: 200, body })
    const [p] = await readHyperliquidWallet({ user, ...fast() })
    expect(p!.liquidationPrices[0]!.price).toBe(41_000)
    const details = p!.details as {
      liquidationPriceMismatch: boolean
      positions: Array<{ liquidationPrice: unknown }>
    }
    expect(details.liquidationPriceMismatch).toBe(true)
    expect(details.positions[0]!.liquidationPrice).toMatchObject({ venue: 41_000, agrees: false })
    expect(details.positions[1]!.liquidationPrice).toMatchObject({ agrees: true })
  })

  it('serves a null venue liquidation price as null', async () => {
    const body = clone(CROSS_LONG_SHORT)
    body.assetPositions[0]!.position.liquidationPx = null as unknown as string
    const user = userWith({ status: 200, body })
    const [p] = await readHyperliquidWallet({ user, ...fast() })
    expect(p!.liquidationPrices[0]).toMatchObject({ price: null, distance: null })
  })

  it('returns an empty report for an account with no positions and no balance', async () => {
    const user = userWith({ status: 200, body: EMPTY })
    expect(await readHyperliquidWallet({ user, ...fast() })).toEqual([])
  })

  it('reports a balance without positions with no health factor', async () => {
    const user = userWith({ status: 200, body: BALANCE_ONLY })
    const positions = await hyperliquidAdapter.readWallet({ user, config: fast() })
    expect(positions).toHaveLength(1)
    expect(positions[0]).toMatchObject({
      collateralUsd: 250,
      healthFactor: null,
      legs: [],
      liquidationPrices: [],
    })
  })
})

async function failure(promise: Promise<unknown>): Promise<HyperliquidError> {
  const err = await promise.then(
    () => {
      throw new Error('expected a rejection')
    },
    (e: unknown) => e,
  )
  expect(err).toBeInstanceOf(HyperliquidError)
  expect(err).toBeInstanceOf(BaseError)
  return err as HyperliquidError
}

describe('malformed payloads: a 502-class error naming the venue and the field', () => {
  const cases: Array<[string, () => unknown, RegExp]> = [
    [
      'a size as a number',
      () => {
        const b = clone(CROSS_LONG_SHORT) as unknown as {
          assetPositions: Array<{ position: { szi: unknown } }>
        }
        b.assetPositions[0]!.position.szi = 0.5
        return b
      },
      /assetPositions\.0\.position\.szi/,
    ],
    [
      'a missing margin summary',
      () => {
        const { marginSummary: _, ...rest } = clone(CROSS_LONG_SHORT)
        return rest
      },
      /marginSummary/,
    ],
    [
      'an unknown leverage type',
      () => {
        const b = clone(CROSS_LONG_SHORT) as unknown as {
          assetPositions: Array<{ position: { leverage: unknown } }>
        }
        b.assetPositions[1]!.position.leverage = { type: 'portfolio', value: 3 }
        return b
      },
      /assetPositions\.1\.position\.leverage\.type/,
    ],
    [
      'a non-decimal price',
      () => {
        const b = clone(CROSS_LONG_SHORT)
        b.assetPositions[0]!.position.entryPx = 'NaN'
        return b
      },
      /assetPositions\.0\.position\.entryPx/,
    ],
    ['null', () => null, /\(root\)/],
    [
      'a size finer than 1e-8',
      () => {
        const b = clone(CROSS_LONG_SHORT)
        b.assetPositions[0]!.position.szi = '0.500000001'
        return b
      },
      /assetPositions\.0\.position\.szi: .*more than 8/,
    ],
  ]
  for (const [name, make, field] of cases) {
    it(name, async () => {
      const user = userWith({ status: 200, body: make() })
      const err = await failure(readHyperliquidWallet({ user, ...fast() }))
      expect(err.code).toBe('PROTOCOL_READ_FAILED')
      expect(STATUS_OF[err.code]).toBe(502)
      expect(err.message).toMatch(/Hyperliquid/)
      expect(err.message).toMatch(field)
      expect(err.context).toMatchObject({ protocol: 'hyperliquid' })
    })
  }

  it('a body that is not JSON', async () => {
    const user = userWith({ status: 200, raw: '<html>oops</html>' })
    const err = await failure(readHyperliquidWallet({ user, ...fast() }))
    expect(err.code).toBe('PROTOCOL_READ_FAILED')
    expect(err.message).toMatch(
      /Hyperliquid info API \(clearinghouseState\) answered a body that is not JSON/,
    )
  })
})

describe('HTTP faults', () => {
  it('retries a 429 and then succeeds', async () => {
    const user = userWith({ status: 429, body: null }, { status: 200, body: CROSS_LONG_SHORT })
    const before = venue.requests.length
    const positions = await readHyperliquidWallet({ user, ...fast() })
    expect(positions).toHaveLength(1)
    // Two clearinghouseState attempts, then the meta.
    expect(venue.requests.slice(before).map((r) => r.type)).toEqual([
      'clearinghouseState',
      'clearinghouseState',
      'meta',
    ])
  })

  it('honours Retry-After on a 429', async () => {
    const user = userWith(
      { status: 429, body: null, headers: { 'retry-after': '0' } },
      { status: 200, body: EMPTY },
    )
    expect(await fetchClearinghouseState({ user, ...fast() })).toEqual(EMPTY)
  })

  it('gives up after bounded retries on a persistent 429 with a 503-class error', async () => {
    const user = userWith({ status: 429, body: null })
    const before = venue.requests.length
    const err = await failure(readHyperliquidWallet({ user, ...fast() }))
    expect(venue.requests.length - before).toBe(3)
    expect(err.code).toBe('RPC_UNAVAILABLE')
    expect(STATUS_OF[err.code]).toBe(503)
    expect(err.message).toMatch(/Hyperliquid info API .*HTTP 429.* 3 times/)
  })

  it('respects a custom retry budget', async () => {
    const user = userWith({ status: 429, body: null })
    const before = venue.requests.length
    await failure(readHyperliquidWallet({ user, ...fast(), retries: 0 }))
    expect(venue.requests.length - before).toBe(1)
  })

  it('maps a 500 to a 502-class error without retrying', async () => {
    const user = userWith({ status: 500, raw: 'internal error' })
    const before = venue.requests.length
    const err = await failure(readHyperliquidWallet({ user, ...fast() }))
    expect(venue.requests.length - before).toBe(1)
    expect(err.code).toBe('PROTOCOL_READ_FAILED')
    // The venue's body is never copied into the message (issue 13: it may echo secrets).
    expect(err.message).toBe('Hyperliquid info API (clearinghouseState) answered HTTP 500')
    expect(err.message).not.toContain('internal error')
  })

  it('maps an unreachable venue to a 503-class error', async () => {
    const err = await failure(
      readHyperliquidWallet({ user: `0x${'1'.repeat(40)}`, url: 'http://127.0.0.1:1', timeoutMs: 2_000 }),
    )
    expect(err.code).toBe('RPC_UNAVAILABLE')
    expect(err.message).toMatch(/Hyperliquid info API .* is unreachable/)
  })
})
