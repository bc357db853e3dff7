/**
 * Aave V4 positions in the resolver: a Spoke position is an ordinary lending Position (market =
 * the Spoke) with its own typed liquidation rule, so it links into stacks like any other with no
 * protocol-specific code. Hand vectors, mainnet token addresses (`ETHEREUM_TOKENS`) and round
 * prices: WETH 3,000 USD, wstETH 3,600 USD (stEthPerToken 1.2), USDC 1 USD.
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
import type { AaveV4LiquidationRule, Leg, LegSide, Position } from '../../../src/core/types.js'
import { identify, resolveExposure } from '../../../src/resolve/index.js'
import { stressWallet } from '../../../src/risk/stress.js'
import { fixtureRule } from '../../helpers/liquidation-rules.js'

const WAD = 10n ** 18n
const graph = defaultAssetGraph()
const ctx: ResolveContext = {
  graph,
  rates: staticRates({
    rates: { [assetKey({ chain: 'ethereum', address: T.wstETH })]: 1_200_000_000_000_000_000n },
  }),
  now: 1_750_000_000n,
}
const DECIMALS: Record<string, number> = { WETH: 18, wstETH: 18, USDC: 6, aEthWETH: 18 }

function leg(
  symbol: keyof typeof T,
  side: LegSide,
  tokens: number,
  price: number,
  extra: Partial<Leg> = {},
): Leg {
  const decimals = DECIMALS[symbol] ?? 18
  return {
    asset: { symbol, address: T[symbol] as Address, decimals },
    side,
    amount: (BigInt(Math.round(tokens * 1e6)) * 10n ** BigInt(decimals)) / 1_000_000n,
    usd: tokens * price,
    priceUsd: price,
    ...(side === 'collateral' ? { countsAsCollateral: true } : {}),
    ...extra,
  }
}

/** The V4 rule of a Spoke (values of the recording's Spoke `main`; collaterals irrelevant here). */
const v4Rule: AaveV4LiquidationRule = {
  kind: 'target-health-factor',
  liquidationHealthFactor: 1,
  targetHealthFactor: 1.05,
  targetHealthFactorWad: '1050000000000000000',
  healthFactorForMaxBonus: 0.7,
  healthFactorForMaxBonusWad: '700000000000000000',
  liquidationBonusFactorBps: 2_000,
  collaterals: [],
  closeFactor: null,
  dust: { thresholdUsd: 1_000, thresholdValue: '100000000000000000000000000000' },
  deficit: { whenLastCollateralEmptied: true },
}

function lending(
  legs: Leg[],
  protocol: string,
  market: string,
  rule = fixtureRule(protocol, 'lending'),
): Position {
  const sum = (side: LegSide) => legs.filter((l) => l.side === side).reduce((a, l) => a + l.usd, 0)
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
    liquidationRule: rule,
    details: {},
  }
}
const run = (positions: Position[]) =>
  resolveExposure({ positions, contexts: { ethereum: ctx }, fallback: ctx })

describe('Aave V4 in stacks', () => {
  // V4 (Spoke aave-v4-ethereum-main): 10 wstETH (12 ETH, 36,000 USD, CF 80%) vs 6 WETH drawn
  //   (18,000) -> equity 18,000.
  // Morpho: the 6 borrowed WETH (18,000, LLTV 86%) vs 12,000 USDC -> equity 6,000.
  const v4 = lending(
    [
      leg('wstETH', 'collateral', 10, 3_600, { liquidationThresholdBps: 8_000, liquidationBonusBps: 10_100 }),
      leg('WETH', 'debt', 6, 3_000),
    ],
    'aave-v4',
    'aave-v4-ethereum-main',
    v4Rule,
  )
  const morpho = lending(
    [leg('WETH', 'collateral', 6, 3_000, { liquidationThresholdBps: 8_600 }), leg('USDC', 'debt', 12_000, 1)],
    'morpho-blue',
    'morpho-blue-weth-usdc',
  )
  const idV4 = 'ethereum:aave-v4-ethereum-main'
  const idMorpho = 'ethereum:morpho-blue-weth-usdc'

  it('a V4 debt posted on Morpho: one cross-protocol stack, V4 funds Morpho with the same token', () => {
    const e = run([morpho, v4])
    expect(e.stacks).toHaveLength(1)
    const s = e.stacks[0]!
    expect(s.layers).toEqual([idV4, idMorpho])
    expect(s.unwindOrder).toEqual([idMorpho, idV4])
    expect([...s.protocols].sort()).toEqual(['aave-v4', 'morpho-blue'])
    expect(s.crossProtocol).toBe(true)
    expect(s.links.map((l) => [l.from, l.to, l.relation, l.via, l.debtSymbol, l.usd])).toEqual([
      [idV4, idMorpho, 'funds', 'same-token', 'WETH', 18_000],
    ])
    // ETH: 12 - 6 + 6 = 12 exactly; equity 18,000 + 6,000; gross 36,000 (the ETH net in USD).
    const eth = e.netExposure.find((n) => n.riskAsset === 'ETH')!
    expect(eth.units18).toBe(12n * WAD)
    expect(s.equityUsd).toBeCloseTo(24_000, 9)
    expect(s.compoundedLeverage).toBeCloseTo(36_000 / 24_000, 12)
  })

  it('the stack stresses each layer under its own rule (V4 target HF, Morpho whole debt)', () => {
    const e = run([morpho, v4])
    const inputs = identify([morpho, v4]).map(({ id, position }) => ({
      id,
      position,
      contributions: e.contributions.filter((c) => c.layer === id),
    }))
    const r = stressWallet(inputs, { name: 'ETH -30%', shocks: { ETH: -0.3 } })
    // V4: 25,200 x 0.8 / 12,600 = 1.6 (safe); Morpho: 12,600 x 0.86 / 12,000 = 0.903 (liquidated).
    const byId = Object.fromEntries(r.positions.map((p) => [p.id, p]))
    expect(byId[idV4]!.healthFactorShocked).toBeCloseTo((25_200 * 0.8) / 12_600, 9)
    expect(byId[idV4]!.liquidated).toBe(false)
    expect(byId[idMorpho]!.liquidation!.rule).toBe('morpho-full')
  })

  it("another protocol's receipt posted on a Spoke: the issuer's layer links to the V4 layer", () => {
    // V4: 10 aEthWETH (30,000) vs 15,000 USDC; Aave v3: 1 WETH supplied elsewhere (its market
    // aave-v3-ethereum issues aEthWETH): a receipt link aave-v3 -> V4.
    const onSpoke = lending(
      [
        leg('aEthWETH', 'collateral', 10, 3_000, { liquidationThresholdBps: 8_000 }),
        leg('USDC', 'debt', 15_000, 1),
      ],
      'aave-v4',
      'aave-v4-ethereum-main',
      v4Rule,
    )
    const v3 = lending([leg('WETH', 'collateral', 1, 3_000)], 'aave-v3', 'aave-v3-ethereum')
    const e = run([onSpoke, v3])
    expect(e.stacks).toHaveLength(1)
    const s = e.stacks[0]!
    expect(s.links).toEqual([
      {
        from: 'ethereum:aave-v3-ethereum',
        to: idV4,
        relation: 'issues',
        riskAsset: 'ETH',
        via: 'receipt',
        debtSymbol: 'aEthWETH',
        collateralSymbol: 'aEthWETH',
        usd: 30_000,
      },
    ])
    expect([...s.protocols].sort()).toEqual(['aave-v3', 'aave-v4'])
  })

  it('two Spokes of one wallet are two layers (separate accounts), linked only through tokens', () => {
    const second = lending(
      [
        leg('WETH', 'collateral', 6, 3_000, { liquidationThresholdBps: 9_200 }),
        leg('USDC', 'debt', 9_000, 1),
      ],
      'aave-v4',
      'aave-v4-ethereum-second',
      v4Rule,
    )
    const e = run([v4, second])
    expect(e.layers.map((l) => l.id).sort()).toEqual([idV4, 'ethereum:aave-v4-ethereum-second'])
    expect(e.stacks).toHaveLength(1)
    expect(e.stacks[0]!.links.map((l) => [l.from, l.to, l.debtSymbol])).toEqual([
      [idV4, 'ethereum:aave-v4-ethereum-second', 'WETH'],
    ])
    // One protocol, two markets: not cross-protocol.
    expect(e.stacks[0]!.protocols).toEqual(['aave-v4'])
  })
})
