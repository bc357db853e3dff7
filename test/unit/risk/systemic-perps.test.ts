/**
 * Perp positions as systemic-cascade rows (src/risk/systemic-perps.ts) and their flow in the
 * fixed point: a long's liquidation sells, a short's buys back, and the two net within a round.
 * Fixtures are hand-built GMX-shaped perp positions (TEST FIXTURES: legs, liquidation prices and
 * contributions written by hand, the rule from test/helpers/liquidation-rules.ts); every expected
 * price is the hand computation in the comment above it, with the one square-root pool of
 * systemic-cascade.test.ts (selling Q moves the price by -sqrt(Q / 100), buying by +sqrt(Q / 100)).
 */
import { describe, expect, it } from 'vitest'
import type { Position } from '../../../src/core/types.js'
import type { Contribution } from '../../../src/resolve/types.js'
import type { OracleRule } from '../../../src/risk/oracle-rule.js'
import { aggregateDepth, sqrtPoolDepth } from '../../../src/risk/pool-depth.js'
import { prepareSystemic, runSystemic, type SystemicPerp } from '../../../src/risk/systemic-cascade.js'
import { type SystemicPerpInput, systemicPerpOf } from '../../../src/risk/systemic-perps.js'
import { fixtureRule, morphoRule } from '../../helpers/liquidation-rules.js'

const ETH_FEED: OracleRule = { id: 'ETH/USD', source: { kind: 'market', token: null } }
type Token = { symbol: string; address: `0x${string}`; decimals: number }
const WETH: Token = { symbol: 'WETH', address: '0x00000000000000000000000000000000000000e1', decimals: 18 }
const USDC = { symbol: 'USDC', address: '0x00000000000000000000000000000000000000c1' as const, decimals: 6 }
const WBTC = { symbol: 'WBTC', address: '0x00000000000000000000000000000000000000b1' as const, decimals: 8 }

const contribution = (symbol: string, riskAsset: string, source: Contribution['source'], units: number) =>
  ({
    layer: 'p',
    source,
    symbol,
    token: null,
    riskAsset,
    units,
    units18: null,
    usd: 0,
    path: [symbol],
    issuers: [],
    flags: {},
  }) as Contribution

/** A GMX-shaped perp: `tokens` whole units of `index` long or short on USDC collateral, liquidated at `liq` USD. */
function perp(
  side: 'long' | 'short',
  tokens: number,
  liq: number | null,
  index: Token = WETH,
  riskAsset = 'ETH',
): SystemicPerpInput {
  const position: Position = {
    status: 'ok',
    protocol: 'gmx-v2',
    market: 'gmx-v2-test:ETH/USD',
    chain: 'test',
    kind: 'perp',
    healthFactor: 2,
    healthFactorWad: null,
    collateralUsd: 1_000,
    debtUsd: 0,
    legs: [
      {
        asset: index,
        side,
        amount: BigInt(tokens * 1e6) * 10n ** BigInt(index.decimals - 6),
        usd: 0,
        priceUsd: 100,
      },
      { asset: USDC, side: 'collateral', amount: 1_000_000_000n, usd: 1_000, priceUsd: 1 },
    ],
    liquidationPrices: [
      {
        asset: index.address,
        symbol: index.symbol,
        side,
        price: liq,
        currentPrice: 100,
        distance: liq === null ? null : liq / 100 - 1,
      },
    ],
    liquidationRule: fixtureRule('gmx-v2', 'perp'),
    details: {},
  }
  return {
    id: `trader/${side}`,
    position,
    contributions: [
      contribution(index.symbol, riskAsset, side, side === 'long' ? tokens : -tokens),
      contribution('USDC', 'USD', 'collateral', 1_000),
    ],
  }
}

const pool100 = () => aggregateDepth([sqrtPoolDepth('test pool', 100)])
const rows = (inputs: SystemicPerpInput[]): SystemicPerp[] =>
  inputs.map((i) => {
    const r = systemicPerpOf(i, 'ETH')
    if ('excluded' in r) throw new Error(r.excluded)
    return { ...r.perp, oracle: 0 }
  })

describe('perp positions as systemic rows', () => {
  it('takes the side, the size in units of the asset and the venue liquidation price', () => {
    const long = systemicPerpOf(perp('long', 10, 95), 'ETH')
    expect(long).toEqual({
      perp: {
        id: 'trader/long',
        protocol: 'gmx-v2',
        market: 'gmx-v2-test:ETH/USD',
        side: 'long',
        sizeUnits: 10,
        liquidationPrice: 95,
      },
      token: null,
    })
    const short = systemicPerpOf(perp('short', 4, 112), 'ETH')
    expect('perp' in short && short.perp).toMatchObject({
      side: 'short',
      sizeUnits: 4,
      liquidationPrice: 112,
    })
  })

  it('leaves out another risk asset, a leg no price liquidates, and lending positions', () => {
    expect(systemicPerpOf(perp('long', 2, 50_000, WBTC, 'BTC'), 'ETH')).toEqual({
      excluded: 'other-risk-asset',
    })
    expect(systemicPerpOf(perp('long', 2, null), 'ETH')).toEqual({ excluded: 'no-liquidation-price' })
    const lending = perp('long', 1, 90)
    lending.position = { ...lending.position, kind: 'lending', liquidationRule: morphoRule() }
    expect(systemicPerpOf(lending, 'ETH')).toEqual({ excluded: 'not-a-perp' })
  })

  it("a long's liquidation sells, a short's buys back, and the two net in the same round", () => {
    // Fall -8% (p0 = 92). Round 0: long A (liq 95 >= 92, 10 units) sells 10, and short S, already
    // beyond its level (liq 80 <= 92), buys back 6: net 4, P1 = 92 (1 - sqrt(0.04)) = 73.6.
    // At 73.6 long B (liq 75, 5 units) follows: net 15 - 6 = 9, P* = 92 (1 - sqrt(0.09)) = 64.4.
    const perps = rows([perp('long', 10, 95), perp('long', 5, 75), perp('short', 6, 80)])
    const both = runSystemic(prepareSystemic({ oracles: [ETH_FEED], lending: [], perps }), {
      startPrice: 100,
      shock: -0.08,
      depth: pool100(),
    })
    expect(both.roundsDetail[1]!.marketPrice).toBeCloseTo(92 * (1 - Math.sqrt(0.04)), 9)
    expect(both.finalPrice).toBeCloseTo(92 * (1 - Math.sqrt(0.09)), 9)
    expect(both.soldUnits).toBe(15)
    expect(both.boughtUnits).toBe(6)
    expect(both.positionsLiquidated).toBe(3)
    // Without the short: 10 sold, P1 = 92 (1 - sqrt(0.1)) = 62.91; B follows, 15: P* = 92 (1 - sqrt(0.15)) = 56.37.
    const longs = runSystemic(
      prepareSystemic({ oracles: [ETH_FEED], lending: [], perps: perps.slice(0, 2) }),
      {
        startPrice: 100,
        shock: -0.08,
        depth: pool100(),
      },
    )
    expect(longs.finalPrice).toBeCloseTo(92 * (1 - Math.sqrt(0.15)), 9)
    expect(both.finalPrice).toBeGreaterThan(longs.finalPrice)
    const gmx = both.byProtocol.find((p) => p.protocol === 'gmx-v2')!
    expect(gmx.soldUnits).toBe(15)
    expect(gmx.boughtUnits).toBe(6)
  })
})
