/**
 * The carry engine (`computeCarry`) on a fixed-rate fixture, every expectation a hand computation
 * written next to it. Positions are built by hand with Ethereum mainnet token addresses and the
 * default asset graph (wstETH rate stEthPerToken() = 1.2, injected), no chain:
 * - layer A, Aave v3: 10 wstETH collateral at 3,600 USD (= 36,000 USD, 12 ETH) against 9 WETH debt
 *   at 3,000 USD (27,000 USD); supply APY of wstETH 0.1 %, borrow APY of WETH 2.5 %, native yield of
 *   wstETH 3 % (the fixture's fixed rates);
 * - layer B, a Comet: 1,000 USDC supplied at 1 USD earning 5 %.
 */
import { describe, expect, it } from 'vitest'
import {
  assetKey,
  defaultAssetGraph,
  type ResolveContext,
  staticRates,
  ETHEREUM_TOKENS as T,
} from '../../../src/assets/index.js'
import type { Address } from '../../../src/core/address.js'
import type { Leg, Position } from '../../../src/core/types.js'
import { resolveExposure } from '../../../src/resolve/index.js'
import {
  annualisedGrowth,
  apyContinuous,
  apyPerSecondCompounded,
  computeCarry,
  type LegRate,
  type NativeYield,
  SECONDS_PER_YEAR,
} from '../../../src/risk/carry.js'
import { fixtureRule } from '../../helpers/liquidation-rules.js'

const ctx: ResolveContext = {
  graph: defaultAssetGraph(),
  rates: staticRates({
    rates: { [assetKey({ chain: 'ethereum', address: T.wstETH })]: 1_200_000_000_000_000_000n },
  }),
  now: 1_750_000_000n,
}

function leg(
  symbol: 'wstETH' | 'WETH' | 'USDC',
  side: 'collateral' | 'debt',
  tokens: number,
  price: number,
): Leg {
  const decimals = symbol === 'USDC' ? 6 : 18
  return {
    asset: { symbol, address: T[symbol] as Address, decimals },
    side,
    amount: BigInt(tokens) * 10n ** BigInt(decimals),
    usd: tokens * price,
    priceUsd: price,
    ...(side === 'collateral' ? { countsAsCollateral: symbol !== 'USDC' } : {}),
  }
}

function lending(legs: Leg[], protocol: string, market: string): Position {
  const sum = (side: string) => legs.filter((l) => l.side === side).reduce((a, l) => a + l.usd, 0)
  return {
    status: 'ok',
    protocol,
    market,
    chain: 'ethereum',
    kind: 'lending',
    healthFactor: null,
    healthFactorWad: null,
    collateralUsd: sum('collateral'),
    debtUsd: sum('debt'),
    legs,
    liquidationPrices: [],
    liquidationRule: fixtureRule(protocol, 'lending'),
    details: {},
  }
}

const A = lending(
  [leg('wstETH', 'collateral', 10, 3600), leg('WETH', 'debt', 9, 3000)],
  'aave-v3',
  'aave-v3-ethereum',
)
const B = lending([leg('USDC', 'collateral', 1000, 1)], 'compound-v3', 'compound-v3-ethereum-usdc')

const rate = (symbol: 'wstETH' | 'WETH' | 'USDC', side: 'collateral' | 'debt', apy: number): LegRate => ({
  token: T[symbol] as Address,
  symbol,
  side,
  apy,
  apr: apy,
  raw: '0',
  rawScale: 'fixture',
  compounding: 'per-second',
  source: 'fixture',
})
const native: NativeYield = {
  chain: 'ethereum',
  token: T.wstETH as Address,
  symbol: 'wstETH',
  apy: 0.03,
  method: 'fixture',
  rateFrom: null,
  rateTo: null,
  fromBlock: null,
  toBlock: null,
  elapsedSeconds: null,
}

function run(withB: boolean) {
  const positions = withB ? [A, B] : [A]
  const exposure = resolveExposure({ positions, contexts: { ethereum: ctx }, fallback: ctx })
  const legsByLayer = new Map(
    exposure.layers.map((l, i) => [
      l.id,
      positions[i]!.legs.map((x) => ({
        symbol: x.asset.symbol,
        token: x.asset.address,
        side: x.side as 'collateral' | 'debt',
        usd: x.usd,
      })),
    ]),
  )
  const rates = [
    {
      layer: 'ethereum:aave-v3-ethereum',
      legs: [rate('wstETH', 'collateral', 0.001), rate('WETH', 'debt', 0.025)],
      missing: [],
    },
    ...(withB
      ? [
          {
            layer: 'ethereum:compound-v3-ethereum-usdc',
            legs: [rate('USDC', 'collateral', 0.05)],
            missing: [],
          },
        ]
      : []),
  ]
  return { exposure, carry: computeCarry({ exposure, legsByLayer, rates, nativeYields: [native] }) }
}

describe('rate conversions', () => {
  it('per-second compounding of an APR, continuous compounding of a per-second rate, growth', () => {
    // (1 + 0.05/S)^S - 1 = e^(S ln(1 + 0.05/S)) - 1 = e^(0.05 - 0.05^2/(2S) + ...) - 1
    expect(apyPerSecondCompounded(0.05)).toBeCloseTo(
      Math.expm1(0.05 - 0.05 ** 2 / (2 * SECONDS_PER_YEAR)),
      15,
    )
    expect(apyContinuous(0.05 / SECONDS_PER_YEAR)).toBeCloseTo(Math.expm1(0.05), 15)
    // 1.00 -> 1.01 over half a year: 1.01^2 - 1 = 0.0201
    expect(annualisedGrowth(10n ** 18n, 101n * 10n ** 16n, SECONDS_PER_YEAR / 2)).toBeCloseTo(0.0201, 12)
    expect(() => annualisedGrowth(0n, 1n, 1)).toThrow(RangeError)
  })
})

describe('computeCarry on the fixed-rate fixture', () => {
  it('layer A: supply + native yield on the collateral, borrow on the debt', () => {
    const { carry } = run(false)
    const a = carry.layers[0]!
    // wstETH: 36,000 x ((1.001)(1.03) - 1) = 36,000 x 0.03103 = 1,117.08
    expect(a.legs[0]!.totalApy).toBeCloseTo(0.03103, 12)
    expect(a.legs[0]!.carryUsdPerYear).toBeCloseTo(1117.08, 8)
    // WETH: -27,000 x 0.025 = -675
    expect(a.legs[1]!.carryUsdPerYear).toBeCloseTo(-675, 8)
    expect(a.carryUsdPerYear).toBeCloseTo(442.08, 8)
    // notional = collateral 36,000; equity = 36,000 - 27,000 = 9,000
    expect(a.apyOnNotional).toBeCloseTo(442.08 / 36_000, 12)
    expect(a.apyOnEquity).toBeCloseTo(442.08 / 9_000, 12)
    expect(a.complete).toBe(true)
    // net ETH: 12 - 9 = 3 ETH = 9,000 USD: the carry pays for a fall of 442.08 / 9,000 = 4.912 %
    expect(carry.stacks[0]!.breakEvenMovePerYear).toBeCloseTo(-442.08 / 9_000, 12)
    expect(carry.conventions).toHaveLength(1)
  })

  it('the wallet: layers summed, APY on equity and gross exposure, break-even over its net non-USD exposure', () => {
    const { carry, exposure } = run(true)
    // 442.08 + 1,000 x 0.05 = 492.08
    expect(carry.netCarryUsdPerYear).toBeCloseTo(492.08, 8)
    expect(exposure.equityUsd).toBeCloseTo(10_000, 9)
    expect(carry.apyOnEquity).toBeCloseTo(492.08 / 10_000, 12)
    // gross exposure: |ETH 9,000| (USD excluded)
    expect(carry.apyOnNotional).toBeCloseTo(492.08 / 9_000, 12)
    expect(carry.breakEvenMovePerYear).toBeCloseTo(-492.08 / 9_000, 12)
    // B is a USD-only stack: no price move to break even against
    const b = carry.stacks.find((s) => Math.abs(s.carryUsdPerYear - 50) < 1e-9)!
    expect(b.breakEvenMovePerYear).toBeNull()
  })

  it('a layer without a rate read is incomplete and says why, never a zero rate', () => {
    const { exposure } = run(true)
    const carry = computeCarry({ exposure, legsByLayer: new Map(), rates: [], nativeYields: [] })
    expect(carry.complete).toBe(false)
    expect(carry.layers[0]!.missing[0]).toMatch(/no rate model read for aave-v3/)
    expect(carry.netCarryUsdPerYear).toBe(0)
  })
})
