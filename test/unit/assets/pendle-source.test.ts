/**
 * The Pendle PT price source (src/assets/pendle-source.ts, src/assets/pendle.ts). Vectors:
 * - exp/ln at WAD from Python's `decimal` module at 80 significant digits (`Decimal(x).ln()`,
 *   `Decimal(r).exp()`), floored to integers:
 *   floor(ln 1.1 x 1e18) = 95310179804324860, exp(0.095310179804324860) = 1.09999999999999999995165...
 *     -> y = 99999999999999999 (the WAD floor of ln 1.1 is just under it, so y is one wei under 0.1);
 *   floor(ln 1.08 x 1e18) = 76961041136128324, exp(...) = 1.07999999999999999893704... -> y = 79999999999999998;
 *   exp(1) = 2.71828182845904523536028... -> y = 1718281828459045235;
 *   exp(1e-18) = 1.000000000000000001000... -> y = 1.
 * - MarketState answers are built with viem's encodeAbiParameters (Pendle's struct, nine words:
 *   IPMarket.sol MarketState in @pendle/core-v2 6.11.0: expiry is word 5, lastLnImpliedRate word 8).
 * - Oracle rates: PendlePYOracleLib returns `PMath.ONE.divDown(assetToPtRate)` in raw units of PT
 *   and asset; 0.97 asset per PT is 0.97e18 at equal decimals, 0.97e6 for an 18-decimal PT over a
 *   6-decimal asset; both are 0.97e18 whole-per-whole.
 */
import { encodeAbiParameters, toFunctionSelector } from 'viem'
import { describe, expect, it } from 'vitest'
import {
  assetKey,
  createAssetGraph,
  decodePendleAnswer,
  decodeRateAnswer,
  defaultAssetGraph,
  ETHEREUM_TOKENS,
  impliedYieldFromLnRateWadDown,
  MAX_LN_IMPLIED_RATE_WAD,
  type PendlePtEntry,
  pendlePtNode,
  pendleRateCalls,
  ptPriceKey,
  ptYieldKey,
  RateUnavailableError,
  rateCalls,
  rateSourceFromReads,
  resolve,
  SECONDS_PER_YEAR,
  withPendlePts,
} from '../../../src/assets/index.js'
import type { Address } from '../../../src/core/address.js'
import { ptNativeYields } from '../../../src/risk/carry.js'

const WAD = 10n ** 18n
const E = 'ethereum'
/** Stand-in addresses (not real Pendle deployments). */
const PT = '0x00000000000000000000000000000000000000a1'
const MARKET = '0x00000000000000000000000000000000000000b2'
const SY = '0x00000000000000000000000000000000000000c3'
const ROUTER = '0x888888888889758F76e7103c6CbF23ABbF58F946'
const ORACLE = '0x5542be50420E88dd7D5B4a3D488FA6ED82F6DAc2'
const NOW = 1_750_000_000n
const MATURITY = NOW + SECONDS_PER_YEAR

const entry = (read: PendlePtEntry['source']['read'], over: Partial<PendlePtEntry> = {}): PendlePtEntry => ({
  chain: E,
  pt: PT,
  symbol: 'PT-USDC',
  decimals: 6,
  underlying: { chain: E, address: ETHEREUM_TOKENS.USDC },
  maturity: MATURITY,
  source: { market: MARKET, sy: SY, read },
  ...over,
})
const marketEntry = entry({ kind: 'market', router: ROUTER })
const oracleEntry = entry({ kind: 'oracle', oracle: ORACLE, durationSeconds: 900, underlyingDecimals: 6 })

function marketState(expiry: bigint, lnRate: bigint): `0x${string}` {
  return encodeAbiParameters(
    [
      {
        type: 'tuple',
        components: [
          { type: 'int256' },
          { type: 'int256' },
          { type: 'int256' },
          { type: 'address' },
          { type: 'int256' },
          { type: 'uint256' },
          { type: 'uint256' },
          { type: 'uint256' },
          { type: 'uint256' },
        ],
      },
    ],
    [[5n, 6n, 7n, SY, 8n, expiry, 9n, 80n, lnRate]],
  )
}
const uint = (v: bigint) => encodeAbiParameters([{ type: 'uint256' }], [v])

describe('impliedYieldFromLnRateWadDown (Python decimal vectors)', () => {
  it.each([
    [95_310_179_804_324_860n, 99_999_999_999_999_999n],
    [76_961_041_136_128_324n, 79_999_999_999_999_998n],
    [WAD, 1_718_281_828_459_045_235n],
    [1n, 1n],
    [0n, 0n],
  ])('ln rate %s -> y %s', (ln, y) => {
    expect(impliedYieldFromLnRateWadDown(ln)).toBe(y)
  })
  it('refuses a negative rate and one above the cap', () => {
    expect(() => impliedYieldFromLnRateWadDown(-1n)).toThrow(RangeError)
    expect(() => impliedYieldFromLnRateWadDown(MAX_LN_IMPLIED_RATE_WAD + 1n)).toThrow(RangeError)
  })
})

describe('pendleRateCalls and decodePendleAnswer', () => {
  const graph = withPendlePts(defaultAssetGraph(), [marketEntry])
  const key = assetKey({ chain: E, address: PT })

  it('one readState(router) on the market, keyed as the PT implied yield, inside rateCalls', () => {
    const calls = pendleRateCalls(graph, E)
    expect(calls).toHaveLength(1)
    const c = calls[0]!
    expect(c.key).toBe(ptYieldKey(key))
    expect(c.target).toBe(MARKET)
    expect(c.functionName).toBe('readState')
    expect(c.callData.slice(0, 10)).toBe(toFunctionSelector('readState(address)'))
    expect(c.callData.slice(-40)).toBe(ROUTER.slice(2).toLowerCase())
    expect(rateCalls(graph, E).some((r) => r.key === c.key)).toBe(true)
    expect(pendleRateCalls(graph, 'arbitrum')).toHaveLength(0)
  })

  it('getPtToAssetRate(market, 900) on the oracle, keyed as the PT price', () => {
    const [c] = pendleRateCalls(withPendlePts(defaultAssetGraph(), [oracleEntry]), E)
    expect(c!.key).toBe(ptPriceKey(key))
    expect(c!.target).toBe(ORACLE.toLowerCase())
    expect(c!.callData.slice(0, 10)).toBe(toFunctionSelector('getPtToAssetRate(address,uint32)'))
    expect(BigInt(`0x${c!.callData.slice(-64)}`)).toBe(900n)
  })

  it('a MarketState answer: the implied yield of lastLnImpliedRate when expiry is the maturity', () => {
    const [c] = pendleRateCalls(graph, E)
    expect(decodeRateAnswer(c!, marketState(MATURITY, 76_961_041_136_128_324n))).toBe(79_999_999_999_999_998n)
    // Another expiry (the entry names the wrong market), a short answer, an absurd rate: no value.
    expect(decodeRateAnswer(c!, marketState(MATURITY + 1n, 76_961_041_136_128_324n))).toBeUndefined()
    expect(decodeRateAnswer(c!, '0x')).toBeUndefined()
    expect(decodeRateAnswer(c!, uint(1n))).toBeUndefined()
    expect(decodeRateAnswer(c!, marketState(MATURITY, 2n ** 200n))).toBeUndefined()
  })

  it('an oracle answer rescaled to whole tokens; above 10 underlying per PT refused', () => {
    const same = { kind: 'pendle-pt-to-asset', ptDecimals: 6, underlyingDecimals: 6 } as const
    expect(decodePendleAnswer(same, uint(970_000_000_000_000_000n))).toBe(970_000_000_000_000_000n)
    const wider = { kind: 'pendle-pt-to-asset', ptDecimals: 18, underlyingDecimals: 6 } as const
    expect(decodePendleAnswer(wider, uint(970_000n))).toBe(970_000_000_000_000_000n)
    expect(decodePendleAnswer(same, uint(10n * WAD + 1n))).toBeUndefined()
    expect(decodePendleAnswer(same, marketState(MATURITY, 1n))).toBeUndefined()
  })

  it('bad entries are refused', () => {
    expect(() => pendlePtNode({ ...marketEntry, decimals: 37 })).toThrow(RangeError)
    expect(() => pendlePtNode({ ...marketEntry, maturity: 0n })).toThrow(RangeError)
    expect(() =>
      pendlePtNode(entry({ kind: 'oracle', oracle: ORACLE, durationSeconds: 0, underlyingDecimals: 6 })),
    ).toThrow(/duration/)
  })
})

describe('resolve and the carry row from the chain reads', () => {
  const market = withPendlePts(defaultAssetGraph(), [marketEntry])
  const oracle = withPendlePts(defaultAssetGraph(), [oracleEntry])
  const key = assetKey({ chain: E, address: PT })
  const token = { chain: E, address: PT, decimals: 6 }

  it('market: 100 PT at y = 0.1 - 1 wei, one year: floor(1e18 / (1 + y)) USD per PT', () => {
    const y = 99_999_999_999_999_999n
    const ctx = { graph: market, rates: rateSourceFromReads({ [ptYieldKey(key)]: y }), now: NOW }
    const r = resolve(token, 100_000_000n, ctx)
    // 1e36 / (1e18 + y) = 909090909090909091.7 -> floor 909090909090909091 (one year: exact division)
    expect(r.path[0]!.rateWad).toBe(909_090_909_090_909_091n)
    expect(r.units).toBe(100n * 909_090_909_090_909_091n)
    expect(r.riskAsset).toBe('USD')
    const notes: string[] = []
    const [row] = ptNativeYields(ctx, E, [{ address: PT as Address, symbol: 'PT-USDC' }], 123n, notes)
    expect(row!.apy).toBeCloseTo(0.1, 15)
    expect(row!.method).toContain(`Pendle market ${MARKET} readState(router).lastLnImpliedRate`)
    expect(notes).toEqual([])
  })

  it('oracle: the TWAP price is the discount, no implied yield asked', () => {
    const rates = rateSourceFromReads({ [ptPriceKey(key)]: 950_000_000_000_000_000n })
    const ctx = { graph: oracle, rates, now: NOW }
    const r = resolve(token, 2_000_000n, ctx)
    expect(r.path[0]!.rateWad).toBe(950_000_000_000_000_000n)
    expect(r.path[0]!.impliedYieldWad).toBeUndefined()
    expect(r.units).toBe(1_900_000_000_000_000_000n)
    const [row] = ptNativeYields(ctx, E, [{ address: PT as Address, symbol: 'PT-USDC' }], 123n, [])
    // (1 / 0.95)^(1 year / 1 year) - 1 = 0.052631578947368...
    expect(row!.apy).toBeCloseTo(1 / 0.95 - 1, 15)
    expect(row!.method).toContain(
      `PendlePYLpOracle(${ORACLE.toLowerCase()}).getPtToAssetRate(market ${MARKET}, 900 s)`,
    )
  })

  it('a failed read: RateUnavailableError for the resolver, a note naming the source for the carry', () => {
    const ctx = { graph: market, rates: rateSourceFromReads({}), now: NOW }
    expect(() => resolve(token, 1n, ctx)).toThrow(RateUnavailableError)
    const notes: string[] = []
    expect(ptNativeYields(ctx, E, [{ address: PT as Address, symbol: 'PT-USDC' }], 7n, notes)).toEqual([])
    expect(notes).toEqual([
      `ethereum: PT-USDC: no PT price (Pendle market ${MARKET} readState(router).lastLnImpliedRate, implied yield exp(r) - 1 gave no value at block 7: the call reverted, or answered another expiry than the registry's maturity)`,
    ])
  })

  it('matured: 1:1 with nothing read, and no carry row', () => {
    const ctx = { graph: market, rates: rateSourceFromReads({}), now: MATURITY }
    const r = resolve(token, 5_000_000n, ctx)
    expect(r.path[0]!.rateWad).toBe(WAD)
    expect(r.units).toBe(5n * WAD)
    const notes: string[] = []
    expect(ptNativeYields(ctx, E, [{ address: PT as Address, symbol: 'PT-USDC' }], 7n, notes)).toEqual([])
    expect(notes).toEqual([])
  })

  it('a PT entry replaces a default node of the same key; wrapper rates still read by asset key', () => {
    const g = withPendlePts(createAssetGraph(defaultAssetGraph().nodes.values()), [marketEntry])
    expect(g.nodes.get(key)?.kind).toBe('pt')
    const wst = assetKey({ chain: E, address: ETHEREUM_TOKENS.wstETH })
    expect(rateSourceFromReads({ [wst]: 2n }).rate(wst)).toBe(2n)
  })
})
