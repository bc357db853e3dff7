/**
 * Positions -> cascade inputs, Compound's weighted liquidation factor, and the Monte Carlo rules
 * of a position with a zero-balance leg. Hand vectors (arithmetic in the comments); the review
 * cases that once went wrong: an LST-only market had no start price, Compound factors were a
 * plain average over every collateral, a zero-balance leg named an asset the simulation lacked,
 * and Aave v3.3's deficit was left on the account.
 */
import { describe, expect, it } from 'vitest'
import type { Leg, Position } from '../../../src/core/types.js'
import type { Contribution } from '../../../src/resolve/types.js'
import { compoundLiquidationFactor, marketCascadeInputs } from '../../../src/risk/market-cascade.js'
import { runMonteCarlo } from '../../../src/risk/montecarlo.js'
import { stressPosition } from '../../../src/risk/stress.js'
import { walletMonteCarloInput } from '../../../src/risk/wallet-mc.js'
import { aaveRule, fixtureRule } from '../../helpers/liquidation-rules.js'

function leg(side: Leg['side'], symbol: string, usd: number, extra: Partial<Leg> = {}): Leg {
  return { asset: { symbol, address: null, decimals: 18 }, side, amount: 1n, usd, priceUsd: 1, ...extra }
}

function position(protocol: string, legs: Leg[], details: Record<string, unknown> = {}): Position {
  return {
    status: 'ok',
    protocol,
    market: `${protocol}-m`,
    chain: 'ethereum',
    kind: 'lending',
    healthFactor: null,
    healthFactorWad: null,
    collateralUsd: legs.filter((l) => l.side === 'collateral').reduce((a, l) => a + l.usd, 0),
    debtUsd: legs.filter((l) => l.side === 'debt').reduce((a, l) => a + l.usd, 0),
    legs,
    liquidationPrices: [],
    liquidationRule: fixtureRule(protocol, 'lending', details),
    details,
  }
}

function contribution(l: Leg, riskAsset: string, units: number, path: string[]): Contribution {
  const sign = l.side === 'debt' ? -1 : 1
  return {
    layer: 'x',
    source: l.side,
    symbol: l.asset.symbol,
    token: '0x0',
    riskAsset,
    units: sign * units,
    units18: null,
    usd: sign * l.usd,
    path,
    issuers: [],
    flags: {},
  }
}

describe('market cascade inputs', () => {
  it('a wstETH/USDC market (no ETH held at par) takes its start price from the oracle per unit', () => {
    // 3.3 ETH of wstETH worth 10,000 USD: 10,000 / 3.3 = 3,030.30 USD per ETH.
    const coll = leg('collateral', 'wstETH', 10_000, {
      countsAsCollateral: true,
      liquidationThresholdBps: 8_600,
    })
    const debt = leg('debt', 'USDC', 8_000)
    const r = marketCascadeInputs(
      [
        {
          id: 'a',
          position: position('morpho-blue', [coll, debt]),
          contributions: [
            contribution(coll, 'ETH', 3.3, ['wstETH', 'stETH', 'ETH']),
            contribution(debt, 'USD', 8_000, ['USDC']),
          ],
        },
      ],
      'ETH',
    )
    expect(r.startPrice).toBeCloseTo(10_000 / 3.3, 9)
    expect(r.positions[0]).toMatchObject({
      collateral: 3.3,
      debtUsd: 8_000,
      liquidationThreshold: 0.86,
      closeRule: 'full',
    })
  })

  it("Compound's factor is weighted by USD over the legs asked for", () => {
    // WETH 10,000 at 95% and COMP 10 at 75%: over both (10,000 x 0.95 + 10 x 0.75) / 10,010;
    // over WETH alone 0.95 (a plain average would say 0.85).
    const p = position(
      'compound-v3',
      [leg('collateral', 'WETH', 10_000), leg('collateral', 'COMP', 10), leg('debt', 'USDC', 8_500)],
      {
        collaterals: [
          { symbol: 'WETH', liquidationFactorBps: 9_500 },
          { symbol: 'COMP', liquidationFactorBps: 7_500 },
        ],
      },
    )
    expect(compoundLiquidationFactor(p, (l) => l.side === 'collateral')).toBeCloseTo(
      (10_000 * 0.95 + 10 * 0.75) / 10_010,
      12,
    )
    expect(compoundLiquidationFactor(p, (l) => l.asset.symbol === 'WETH')).toBeCloseTo(0.95, 12)
  })
})

describe('Monte Carlo rules', () => {
  it('a zero-balance leg does not name an asset the simulation lacks', () => {
    const weth = leg('collateral', 'WETH', 30_000, {
      countsAsCollateral: true,
      liquidationThresholdBps: 8_250,
    })
    const link = leg('collateral', 'LINK', 0, { countsAsCollateral: true, liquidationThresholdBps: 7_000 })
    const debt = leg('debt', 'USDC', 20_000)
    const built = walletMonteCarloInput(
      [
        {
          id: 'p',
          position: position('aave-v3', [weth, link, debt], { layout: 'v3.0' }),
          contributions: [
            contribution(weth, 'ETH', 10, ['WETH']),
            contribution(link, 'LINK', 0, ['LINK']),
            contribution(debt, 'USD', 20_000, ['USDC']),
          ],
        },
      ],
      { horizonDays: 1, steps: 2, paths: 100, seed: 1 },
    )
    expect(built.assets.map((a) => a.name)).toEqual(['ETH'])
    expect(built.input.positions[0]!.liqCoeffs).toEqual({ ETH: 30_000 * 0.825 })
    expect(() => runMonteCarlo(built.input)).not.toThrow()
  })
})

describe('Aave v3.3 deficit', () => {
  it('once the counted collateral is gone the rest of the debt is burned, not netted', () => {
    // 10,000 WETH (LT 82.5%, bonus 5%) + 5,000 of a LT-0 token against 12,000 USDC; ETH -50%:
    // 5,000 x 0.825 / 12,000 < 1, full close; seized 5,000 (all counted), repays 5,000 / 1.05;
    // v3.3 burns the remaining 12,000 - 4,761.9 = 7,238.1: equity after = the 5,000 kept.
    const p = position(
      'aave-v3',
      [
        leg('collateral', 'WETH', 10_000, {
          countsAsCollateral: true,
          liquidationThresholdBps: 8_250,
          liquidationBonusBps: 10_500,
        }),
        leg('collateral', 'USDC', 5_000, { countsAsCollateral: false }),
        leg('debt', 'USDC', 12_000),
      ],
      { layout: 'v3.3' },
    )
    const contributions = [
      contribution(p.legs[0]!, 'ETH', 3.3, ['WETH']),
      contribution(p.legs[1]!, 'USD', 5_000, ['USDC']),
      contribution(p.legs[2]!, 'USD', 12_000, ['USDC']),
    ]
    const r = stressPosition({ id: 'p', position: p, contributions }, { name: '', shocks: { ETH: -0.5 } })
    expect(r.liquidation!.badDebtUsd).toBeCloseTo(12_000 - 5_000 / 1.05, 9)
    expect(r.equityAfterUsd).toBeCloseTo(5_000, 9)
    // v3.0 keeps the debt on the account: the 5,000 are netted against it (equity floors at 0).
    const v30 = stressPosition(
      {
        id: 'p',
        position: { ...p, details: { layout: 'v3.0' }, liquidationRule: aaveRule('v3.0') },
        contributions,
      },
      { name: '', shocks: { ETH: -0.5 } },
    )
    expect(v30.equityAfterUsd).toBe(0)
  })
})
