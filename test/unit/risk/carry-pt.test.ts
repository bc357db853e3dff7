/**
 * PT implied yield to maturity in the carry's native-yield rows. Vectors are hand computations:
 * - `ptImpliedApy(0.95, half a year)` = (1 / 0.95)^2 - 1 = 1 / 0.9025 - 1 = 0.10803324099722991...;
 * - `ptImpliedApy(0.9, 2 years)` = (1 / 0.9)^0.5 - 1 = 0.05409255338945977...;
 * - `ptImpliedApy(1.01, 1 year)` = 1 / 1.01 - 1 = -0.00990099009900990... (above par);
 * - a PT-wstETH registered in the default Ethereum graph (address a stand-in, maturity one year
 *   after the valuation time), valued by the resolver at a 10 % implied yield: price
 *   floor(1e18 / 1.1) = 909090909090909090, so its yield to maturity is 1 / 0.90909090909090909 - 1
 *   = 0.1 (to 1e-15); as collateral of 100 PT at 3,000 USD with a 0.5 % supply APY its carry is
 *   300,000 x ((1.005)(1.1) - 1) = 31,650 USD per year.
 */
import { describe, expect, it } from 'vitest'
import {
  assetKey,
  createAssetGraph,
  defaultAssetGraph,
  ptImpliedApy,
  type ResolveContext,
  SECONDS_PER_YEAR,
  staticRates,
  ETHEREUM_TOKENS as T,
} from '../../../src/assets/index.js'
import type { Address } from '../../../src/core/address.js'
import type { Position } from '../../../src/core/types.js'
import { resolveExposure } from '../../../src/resolve/index.js'
import { computeCarry, ptNativeYields } from '../../../src/risk/carry.js'
import { fixtureRule } from '../../helpers/liquidation-rules.js'

const WAD = 10n ** 18n
const E = 'ethereum'
/** A stand-in PT address (not a real Pendle deployment). */
const PT = '0x00000000000000000000000000000000000000a1' as Address
const NOW = 1_750_000_000n

describe('ptImpliedApy (hand vectors)', () => {
  it('0.95 underlying, half a year to maturity: (1/0.95)^2 - 1', () => {
    expect(ptImpliedApy(950_000_000_000_000_000n, SECONDS_PER_YEAR / 2n)).toBeCloseTo(0.10803324099722991, 15)
  })
  it('0.9 underlying, two years: (1/0.9)^0.5 - 1', () => {
    expect(ptImpliedApy(900_000_000_000_000_000n, 2n * SECONDS_PER_YEAR)).toBeCloseTo(0.05409255338945977, 15)
  })
  it('above par, one year: negative', () => {
    expect(ptImpliedApy(1_010_000_000_000_000_000n, SECONDS_PER_YEAR)).toBeCloseTo(-0.0099009900990099, 15)
  })
  it('matured: no yield left (null); a zero price is refused', () => {
    expect(ptImpliedApy(WAD, 0n)).toBeNull()
    expect(() => ptImpliedApy(0n, SECONDS_PER_YEAR)).toThrow(RangeError)
  })
})

describe('the PT native-yield row and its carry', () => {
  const graph = createAssetGraph([
    ...defaultAssetGraph().nodes.values(),
    {
      kind: 'pt',
      chain: E,
      address: PT,
      symbol: 'PT-wstETH',
      decimals: 18,
      underlying: { chain: E, address: T.wstETH },
      maturity: NOW + SECONDS_PER_YEAR,
    },
  ])
  const ctx: ResolveContext = {
    graph,
    rates: staticRates({
      rates: { [assetKey({ chain: E, address: T.wstETH })]: 1_200_000_000_000_000_000n },
      impliedYields: { [assetKey({ chain: E, address: PT })]: WAD / 10n },
    }),
    now: NOW,
  }

  it('the resolver price floor(1e18 / 1.1) and one year to maturity give 10 %', () => {
    const notes: string[] = []
    const rows = ptNativeYields(
      ctx,
      E,
      [
        { address: PT, symbol: 'PT-wstETH' },
        { address: T.WETH as Address, symbol: 'WETH' },
      ],
      123n,
      notes,
    )
    expect(notes).toEqual([])
    expect(rows).toHaveLength(1)
    expect(rows[0]).toMatchObject({
      token: PT,
      symbol: 'PT-wstETH',
      rateFrom: null,
      rateTo: '909090909090909090',
      toBlock: 123,
      elapsedSeconds: null,
    })
    expect(rows[0]!.apy).toBeCloseTo(0.1, 15)
  })

  it('a PT without an implied yield is a note, never a zero yield', () => {
    const notes: string[] = []
    const bare = { ...ctx, rates: staticRates({}) }
    expect(ptNativeYields(bare, E, [{ address: PT, symbol: 'PT-wstETH' }], 1n, notes)).toEqual([])
    expect(notes.join()).toMatch(/PT-wstETH: no PT price/)
  })

  it('as collateral: 300,000 USD x ((1.005)(1.1) - 1) = 31,650 USD per year', () => {
    const position: Position = {
      status: 'ok',
      protocol: 'aave-v3',
      market: 'aave-v3-ethereum',
      chain: E,
      kind: 'lending',
      healthFactor: null,
      healthFactorWad: null,
      collateralUsd: 300_000,
      debtUsd: 0,
      legs: [
        {
          asset: { symbol: 'PT-wstETH', address: PT, decimals: 18 },
          side: 'collateral',
          amount: 100n * WAD,
          usd: 300_000,
          priceUsd: 3000,
          countsAsCollateral: true,
        },
      ],
      liquidationPrices: [],
      liquidationRule: fixtureRule('aave-v3', 'lending'),
      details: {},
    }
    const exposure = resolveExposure({ positions: [position], contexts: { [E]: ctx }, fallback: ctx })
    const layer = exposure.layers[0]!.id
    const nativeYields = ptNativeYields(ctx, E, [{ address: PT, symbol: 'PT-wstETH' }], 1n, [])
    const carry = computeCarry({
      exposure,
      legsByLayer: new Map([[layer, [{ symbol: 'PT-wstETH', token: PT, side: 'collateral', usd: 300_000 }]]]),
      rates: [
        {
          layer,
          legs: [
            {
              token: PT,
              symbol: 'PT-wstETH',
              side: 'collateral',
              apy: 0.005,
              apr: 0.005,
              raw: '0',
              rawScale: 'fixture',
              compounding: 'per-second',
              source: 'fixture',
            },
          ],
          missing: [],
        },
      ],
      nativeYields,
    })
    const leg = carry.layers[0]!.legs[0]!
    expect(leg.nativeApy).toBeCloseTo(0.1, 15)
    expect(leg.carryUsdPerYear).toBeCloseTo(31_650, 6)
    expect(carry.nativeYields.map((n) => n.symbol)).toEqual(['PT-wstETH'])
  })
})
