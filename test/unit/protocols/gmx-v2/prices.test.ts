/**
 * GMX oracle tickers: payloads in the real shape (fields as served by
 * https://arbitrum-api.gmxinfra.io/prices/tickers: tokenAddress, tokenSymbol, minPrice, maxPrice
 * as 30-decimal-per-raw-unit strings, updatedAt in ms, timestamp in s), and malformed ones that
 * must become a PRICE_UNAVAILABLE error (HTTP 502) naming GMX and the bad field.
 */
import { toFunctionSelector } from 'viem'
import { describe, expect, it } from 'vitest'
import { STATUS_OF } from '../../../../src/api/errors.js'
import { gmxReaderDoubleAbi } from '../../../../src/devchain/contracts/GmxReaderDouble.artifact.js'
import { gmxReaderAbi } from '../../../../src/protocols/gmx-v2/abi.js'
import { fetchGmxTickers, GmxPriceError, parseGmxTickers } from '../../../../src/protocols/gmx-v2/prices.js'

const WETH = '0x82aF49447D8a07e3bd95BD0d56f35241523fBab1'
const USDC = '0xaf88d065e77c8cC2239327C5EDb3A432268e5831'
const good = [
  {
    tokenAddress: WETH,
    tokenSymbol: 'ETH',
    minPrice: '3000120000000000',
    maxPrice: '3000350000000000',
    updatedAt: 1_732_400_000_123,
    timestamp: 1_732_400_000,
  },
  {
    tokenAddress: USDC,
    tokenSymbol: 'USDC',
    minPrice: '999950000000000000000000',
    maxPrice: '1000000000000000000000000',
    updatedAt: 1_732_400_000_456,
    timestamp: 1_732_400_000,
  },
]

const json = (body: unknown, status = 200): typeof fetch =>
  (async () =>
    new Response(JSON.stringify(body), {
      status,
      headers: { 'content-type': 'application/json' },
    })) as typeof fetch

function expectPriceError(fn: () => unknown, pattern: RegExp) {
  try {
    fn()
  } catch (err) {
    expect(err).toBeInstanceOf(GmxPriceError)
    expect((err as GmxPriceError).code).toBe('PRICE_UNAVAILABLE')
    expect((err as Error).message).toMatch(/^GMX oracle prices: /)
    expect((err as Error).message).toMatch(pattern)
    return
  }
  throw new Error('expected a GmxPriceError')
}

describe('parseGmxTickers', () => {
  it('parses prices by lower-cased token, in GMX units', () => {
    const p = parseGmxTickers(good)
    // ETH: 3000.12 USD = 3000.12e12 per wei.
    expect(p.prices.get(WETH.toLowerCase())).toMatchObject({
      min: 3_000_120_000_000_000n,
      max: 3_000_350_000_000_000n,
      symbol: 'ETH',
    })
    expect(p.prices.get(USDC.toLowerCase())!.max).toBe(10n ** 24n)
    expect(p.updatedAt).toBe(1_732_400_000_456)
  })

  it('malformed payloads name the field and map to 502', () => {
    expect(STATUS_OF.PRICE_UNAVAILABLE).toBe(502)
    expectPriceError(() => parseGmxTickers({ data: good }), /at payload: /)
    expectPriceError(() => parseGmxTickers([{ ...good[0], minPrice: 3000.12 }]), /at 0\.minPrice/)
    expectPriceError(() => parseGmxTickers([good[0], { ...good[1], maxPrice: '-1' }]), /at 1\.maxPrice/)
    expectPriceError(() => parseGmxTickers([{ ...good[0], tokenAddress: 'eth' }]), /at 0\.tokenAddress/)
    expectPriceError(() => parseGmxTickers([{ ...good[0], updatedAt: undefined }]), /at 0\.updatedAt/)
    expectPriceError(
      () => parseGmxTickers([{ ...good[0], minPrice: '5', maxPrice: '4' }]),
      /minPrice 5 \/ maxPrice 4/,
    )
    expectPriceError(() => parseGmxTickers([{ ...good[0], minPrice: '0' }]), /minPrice 0/)
  })
})

describe('fetchGmxTickers (injected fetch)', () => {
  const url = 'https://arbitrum-api.gmxinfra.io/prices/tickers'
  it('fetches and validates', async () => {
    const p = await fetchGmxTickers({ url, fetchFn: json(good) })
    expect(p.prices.size).toBe(2)
  })
  it('HTTP errors, non-JSON, network failures and bad payloads are PRICE_UNAVAILABLE', async () => {
    await expect(fetchGmxTickers({ url, fetchFn: json({ error: 'x' }, 500) })).rejects.toMatchObject({
      code: 'PRICE_UNAVAILABLE',
      message: expect.stringMatching(/HTTP 500/),
    })
    const text: typeof fetch = (async () => new Response('<html>', { status: 200 })) as typeof fetch
    await expect(fetchGmxTickers({ url, fetchFn: text })).rejects.toMatchObject({
      message: expect.stringMatching(/not JSON/),
    })
    const down: typeof fetch = (async () => {
      throw new TypeError('fetch failed')
    }) as typeof fetch
    await expect(fetchGmxTickers({ url, fetchFn: down })).rejects.toMatchObject({ code: 'PRICE_UNAVAILABLE' })
    await expect(fetchGmxTickers({ url, fetchFn: json([{ tokenSymbol: 'ETH' }]) })).rejects.toBeInstanceOf(
      GmxPriceError,
    )
  })
})

describe('the Reader double speaks the ABI the adapter calls', () => {
  it('same selectors for getAccountPositions, getMarket, isPositionLiquidatable', () => {
    for (const name of ['getAccountPositions', 'getMarket', 'isPositionLiquidatable']) {
      const want = gmxReaderAbi.find((x) => x.type === 'function' && x.name === name)!
      const have = gmxReaderDoubleAbi.find((x) => x.type === 'function' && x.name === name)!
      expect(toFunctionSelector(have as never)).toBe(toFunctionSelector(want as never))
    }
  })
})
