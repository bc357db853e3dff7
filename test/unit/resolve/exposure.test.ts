/**
 * The recursive-leverage resolver (`resolveExposure`) against hand computations, written out as
 * expressions next to each expectation. Positions are built by hand with Ethereum mainnet token
 * addresses (`ETHEREUM_TOKENS`) and the default asset graph; no chain.
 *
 * Prices used throughout (the protocols' own oracle prices, chosen round): WETH 3,000 USD,
 * wstETH 3,600 USD (= 1.2 stETH/wstETH x 3,000), WBTC 60,000 USD, USDC 1 USD. The wstETH rate
 * injected is stEthPerToken() = 1.2e18, so 10 wstETH resolve to 10 x 1.2 = 12 ETH.
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
import type { Leg, LegSide, Position, UnavailablePosition } from '../../../src/core/types.js'
import {
  type Contribution,
  type Exposure,
  type ExposureInput,
  equivalentLoops,
  type Layer,
  loopCollateral,
  type NetExposure,
  type OptionDeltaInput,
  resolveExposure,
} from '../../../src/resolve/index.js'
import { defaultBeta } from '../../../src/risk/defaults.js'
import { fixtureRule } from '../../helpers/liquidation-rules.js'

const WAD = 10n ** 18n
const NOW = 1_750_000_000n
const graph = defaultAssetGraph()
const WSTETH_RATE = 1_200_000_000_000_000_000n // stEthPerToken() = 1.2
const withRate: ResolveContext = {
  graph,
  rates: staticRates({ rates: { [assetKey({ chain: 'ethereum', address: T.wstETH })]: WSTETH_RATE } }),
  now: NOW,
}
const noRates: ResolveContext = { graph, rates: staticRates({}), now: NOW }

const DECIMALS: Record<string, number> = { WETH: 18, wstETH: 18, WBTC: 8, USDC: 6, USDT: 6, aEthWETH: 18 }

/** `tokens` whole tokens (up to 6 decimals) as raw units of `decimals`. */
const raw = (tokens: number, decimals: number) =>
  (BigInt(Math.round(tokens * 1e6)) * 10n ** BigInt(decimals)) / 1_000_000n

/** A leg of a mainnet token of the registry: `tokens` at `price` USD, usd = tokens x price. */
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
    amount: raw(tokens, decimals),
    usd: tokens * price,
    priceUsd: price,
    ...(side === 'collateral' ? { countsAsCollateral: true } : {}),
    ...extra,
  }
}

/** A lending position; collateralUsd and debtUsd are the sums of its legs' usd. */
function lending(
  legs: Leg[],
  protocol = 'aave-v3',
  market = 'aave-v3-ethereum',
  chain = 'ethereum',
): Position {
  const sum = (side: LegSide) => legs.filter((l) => l.side === side).reduce((a, l) => a + l.usd, 0)
  return {
    status: 'ok',
    protocol,
    market,
    chain,
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

/** A perp position whose equity (collateralUsd) is `equity`. */
function perp(legs: Leg[], equity: number, protocol: string, market: string, chain: string): Position {
  return {
    status: 'ok',
    protocol,
    market,
    chain,
    kind: 'perp',
    healthFactor: null,
    healthFactorWad: null,
    collateralUsd: equity,
    debtUsd: 0,
    legs,
    liquidationPrices: [],
    liquidationRule: fixtureRule(protocol, 'perp'),
    details: {},
  }
}

/** An off-chain-style leg (Hyperliquid): symbol only, 18 decimals. */
function symbolLeg(symbol: string, side: LegSide, tokens: number, price: number): Leg {
  return {
    asset: { symbol, address: null, decimals: 18 },
    side,
    amount: raw(tokens, 18),
    usd: tokens * price,
    priceUsd: price,
  }
}

function run(
  positions: ExposureInput['positions'],
  extra: Partial<ExposureInput> = {},
  ctx: ResolveContext = withRate,
): Exposure {
  return resolveExposure({ positions, contexts: { ethereum: ctx }, fallback: ctx, ...extra })
}

const net = (e: { netExposure: NetExposure[] }, asset: string) => {
  const found = e.netExposure.find((n) => n.riskAsset === asset)
  if (!found) throw new Error(`no net exposure in ${asset}`)
  return found
}
const layerOf = (e: Exposure, id: string): Layer => {
  const found = e.layers.find((l) => l.id === id)
  if (!found) throw new Error(`no layer ${id}`)
  return found
}
const sumUsd = (cs: readonly Contribution[]) => cs.reduce((a, c) => a + c.usd, 0)

describe('loop identity', () => {
  it('loopCollateral: E (1 - l^(n+1)) / (1 - l)', () => {
    // E = 10, l = 0.9, n = 3: 10 x (1 - 0.9^4) / 0.1 = 10 x (1 - 0.6561) / 0.1 = 34.39
    expect(loopCollateral(10, 0.9, 3)).toBeCloseTo(34.39, 12)
    // n = 0: supply only, C = E
    expect(loopCollateral(7, 0.8, 0)).toBeCloseTo(7, 12)
    // n = 1: E + l E = 5 + 0.5 x 5 = 7.5
    expect(loopCollateral(5, 0.5, 1)).toBeCloseTo(7.5, 12)
    // l = 0: no borrowing, C = E whatever n
    expect(loopCollateral(3, 0, 5)).toBe(3)
  })

  it('equivalentLoops inverts loopCollateral (round trip over n and l)', () => {
    for (const l of [0.5, 0.75, 0.8, 0.86, 0.9, 0.93, 0.945]) {
      for (const n of [0.5, 1, 2, 3, 5, 10]) {
        const leverage = loopCollateral(1, l, n)
        expect(equivalentLoops(leverage, l)).toBeCloseTo(n, 9)
      }
    }
    // 34.39 / 10 = 3.439 at 0.9: ln(1 - 3.439 x 0.1) / ln 0.9 - 1 = ln 0.6561 / ln 0.9 - 1 = 4 - 1 = 3
    expect(equivalentLoops(3.439, 0.9)).toBeCloseTo(3, 9)
  })

  it('leverage <= 1 -> 0 loops; at or above 1 / (1 - l) -> null; l outside (0, 1) -> null', () => {
    expect(equivalentLoops(1, 0.9)).toBe(0)
    expect(equivalentLoops(0.5, 0.9)).toBe(0)
    // the infinite-loop limit at 0.9 is 1 / (1 - 0.9) = 10 (computed in floats)
    expect(equivalentLoops(1 / (1 - 0.9), 0.9)).toBeNull()
    expect(equivalentLoops(10.5, 0.9)).toBeNull()
    expect(equivalentLoops(100, 0.5)).toBeNull()
    expect(equivalentLoops(2, 0)).toBeNull()
    expect(equivalentLoops(2, 1)).toBeNull()
    expect(equivalentLoops(Number.POSITIVE_INFINITY, 0.5)).toBeNull()
  })
})

describe('lending layers', () => {
  it('carry loop: 10 wstETH collateral vs 8 WETH debt (Aave eMode, LTV 93%)', () => {
    const position = lending([
      leg('wstETH', 'collateral', 10, 3600, { ltvBps: 9300, liquidationThresholdBps: 9500 }),
      leg('WETH', 'debt', 8, 3000),
    ])
    const e = run([position])
    const eth = net(e, 'ETH')
    // 10 wstETH x 1.2 = 12 ETH collateral; 12 - 8 = 4 ETH net, exact
    expect(eth.units18).toBe(12n * WAD - 8n * WAD)
    expect(eth.units).toBeCloseTo(4, 12)
    // 10 x 3,600 - 8 x 3,000 = 36,000 - 24,000 = 12,000 USD
    expect(eth.usd).toBeCloseTo(36_000 - 24_000, 9)
    expect(eth.longUsd).toBeCloseTo(36_000, 9)
    expect(eth.shortUsd).toBeCloseTo(-24_000, 9)
    expect(e.netExposure.map((n) => n.riskAsset)).toEqual(['ETH'])
    expect(e.equityUsd).toBeCloseTo(12_000, 9)
    // gross = |12,000| = 12,000; effective leverage = 12,000 / 12,000 = 1: a carry loop is 1x ETH
    expect(e.grossExposureUsd).toBeCloseTo(12_000, 9)
    expect(e.effectiveLeverage).toBeCloseTo(1, 12)

    const wst = e.contributions.find((c) => c.symbol === 'wstETH')!
    expect(wst.path).toEqual(['wstETH', 'stETH', 'ETH'])
    expect(wst.units18).toBe(12n * WAD)
    expect(wst.issuers).toEqual([])
    expect(wst.flags).toEqual({})

    const layer = e.layers[0]!
    expect(layer.id).toBe('ethereum:aave-v3-ethereum')
    expect(layer.structure).toBe('carry-loop')
    expect(layer.kind).toBe('lending')
    expect(layer.collateralUsd).toBe(36_000)
    expect(layer.debtUsd).toBe(24_000)
    expect(layer.equityUsd).toBe(12_000)
    // nominal = C / E = 36,000 / 12,000 = 3; ltv = D / C = 24,000 / 36,000 = 2/3
    expect(layer.nominalLeverage).toBeCloseTo(3, 12)
    expect(layer.ltv).toBeCloseTo(2 / 3, 12)
    expect(layer.maxLtv).toBeCloseTo(0.93, 12)
    expect(layer.loopLtv).toBeCloseTo(0.93, 12)
    // n = ln(1 - 3 x (1 - 0.93)) / ln 0.93 - 1 = ln 0.79 / ln 0.93 - 1 = 2.2482
    expect(layer.equivalentLoops).toBeCloseTo(Math.log(1 - 3 * 0.07) / Math.log(0.93) - 1, 9)
    expect(loopCollateral(12_000, 0.93, layer.equivalentLoops!)).toBeCloseTo(36_000, 6)

    expect(e.stacks).toHaveLength(1)
    const s = e.stacks[0]!
    expect(s.layers).toEqual([layer.id])
    expect(s.crossProtocol).toBe(false)
    expect(s.compoundedLeverage).toBeCloseTo(1, 12)
    expect(s.nominalLeverageProduct).toBeCloseTo(3, 12)
    expect(e.warnings).toEqual([])
  })

  it('directional loop: 10 WETH vs 20,000 USDC (long ETH 3x)', () => {
    const e = run([
      lending([leg('WETH', 'collateral', 10, 3000, { ltvBps: 8050 }), leg('USDC', 'debt', 20_000, 1)]),
    ])
    expect(e.layers[0]!.structure).toBe('directional-loop')
    expect(net(e, 'ETH').units18).toBe(10n * WAD)
    expect(net(e, 'ETH').usd).toBeCloseTo(30_000, 9)
    // 20,000 USDC = 20,000e6 raw -> 20,000e18 units of USD, negative
    expect(net(e, 'USD').units18).toBe(-20_000n * WAD)
    expect(net(e, 'USD').usd).toBeCloseTo(-20_000, 9)
    // equity = 30,000 - 20,000 = 10,000; gross = 30,000; leverage = 3
    expect(e.equityUsd).toBeCloseTo(10_000, 9)
    expect(e.grossExposureUsd).toBeCloseTo(30_000, 9)
    expect(e.effectiveLeverage).toBeCloseTo(3, 12)
    // by descending |usd|: ETH 30,000 then USD 20,000
    expect(e.netExposure.map((n) => n.riskAsset)).toEqual(['ETH', 'USD'])
    expect(e.layers[0]!.nominalLeverage).toBeCloseTo(3, 12)
    // n = ln(1 - 3 x 0.195) / ln 0.805 - 1
    expect(e.layers[0]!.equivalentLoops).toBeCloseTo(Math.log(1 - 3 * (1 - 0.805)) / Math.log(0.805) - 1, 9)
  })

  it('short loop: 30,000 USDC vs 5 WETH debt (short ETH 1x)', () => {
    const e = run([lending([leg('USDC', 'collateral', 30_000, 1), leg('WETH', 'debt', 5, 3000)])])
    expect(e.layers[0]!.structure).toBe('short-loop')
    expect(net(e, 'ETH').units18).toBe(-5n * WAD)
    expect(net(e, 'ETH').usd).toBeCloseTo(-15_000, 9)
    expect(net(e, 'USD').units18).toBe(30_000n * WAD)
    // equity = 30,000 - 15,000 = 15,000; gross = |-15,000|; leverage = 1
    expect(e.equityUsd).toBeCloseTo(15_000, 9)
    expect(e.effectiveLeverage).toBeCloseTo(1, 12)
    // nominal = C / E = 30,000 / 15,000 = 2; no ltvBps reported -> loops unknown
    expect(e.layers[0]!.nominalLeverage).toBeCloseTo(2, 12)
    expect(e.layers[0]!.maxLtv).toBeNull()
    expect(e.layers[0]!.equivalentLoops).toBeNull()
  })

  it('cross loop: 1 WBTC vs 10 WETH debt', () => {
    const e = run([lending([leg('WBTC', 'collateral', 1, 60_000), leg('WETH', 'debt', 10, 3000)])])
    expect(e.layers[0]!.structure).toBe('cross-loop')
    // 1 WBTC = 1e8 raw (8 decimals) -> 1e18 units of BTC
    expect(net(e, 'BTC').units18).toBe(WAD)
    expect(net(e, 'ETH').units18).toBe(-10n * WAD)
    // equity = 60,000 - 30,000 = 30,000; gross = 60,000 + 30,000 = 90,000; leverage = 3
    expect(e.equityUsd).toBeCloseTo(30_000, 9)
    expect(e.grossExposureUsd).toBeCloseTo(90_000, 9)
    expect(e.effectiveLeverage).toBeCloseTo(3, 12)
    expect(e.layers[0]!.nominalLeverage).toBeCloseTo(2, 12)
  })

  it('supply: 10 WETH, no debt -> supply, leverage 1, 0 loops', () => {
    const e = run([lending([leg('WETH', 'collateral', 10, 3000, { ltvBps: 8050 })])])
    const layer = e.layers[0]!
    expect(layer.structure).toBe('supply')
    expect(layer.nominalLeverage).toBe(1)
    expect(layer.ltv).toBe(0)
    expect(layer.equivalentLoops).toBe(0)
    expect(e.equityUsd).toBeCloseTo(30_000, 9)
    expect(e.effectiveLeverage).toBeCloseTo(1, 12)
    expect(e.effectiveLeverage!).toBeLessThanOrEqual(1)
  })
})

describe('cross-protocol stack: Aave -> Morpho -> GMX', () => {
  // A (aave-v3): 10 wstETH (12 ETH, 36,000 USD, LTV 93%) vs 6 WETH debt (18,000) -> equity 18,000.
  // B (morpho-blue): the 6 borrowed WETH (18,000, LLTV 86%) vs 12,000 USDC debt -> equity 6,000.
  // C (gmx-v2, perp; on mainnet addresses here so that the tokens match): long 8 WETH (24,000
  //   notional) on the 12,000 borrowed USDC as collateral -> equity 12,000.
  const A = lending([leg('wstETH', 'collateral', 10, 3600, { ltvBps: 9300 }), leg('WETH', 'debt', 6, 3000)])
  const B = lending(
    [leg('WETH', 'collateral', 6, 3000, { liquidationThresholdBps: 8600 }), leg('USDC', 'debt', 12_000, 1)],
    'morpho-blue',
    'morpho-blue-weth-usdc',
  )
  const C = perp(
    [leg('WETH', 'long', 8, 3000), leg('USDC', 'collateral', 12_000, 1)],
    12_000,
    'gmx-v2',
    'gmx-v2-eth-usd',
    'ethereum',
  )
  const idA = 'ethereum:aave-v3-ethereum'
  const idB = 'ethereum:morpho-blue-weth-usdc'
  const idC = 'ethereum:gmx-v2-eth-usd'
  // given out of funding order on purpose
  const e = run([C, A, B])

  it('one stack spanning 3 protocols, funding order A, B, C and the reverse to unwind', () => {
    expect(e.stacks).toHaveLength(1)
    const s = e.stacks[0]!
    expect(s.id).toBe('stack-1')
    expect(s.layers).toEqual([idA, idB, idC])
    expect(s.unwindOrder).toEqual([idC, idB, idA])
    expect([...s.protocols].sort()).toEqual(['aave-v3', 'gmx-v2', 'morpho-blue'])
    expect(s.crossProtocol).toBe(true)
    expect(s.chains).toEqual(['ethereum'])
    expect(s.structures).toEqual(['carry-loop', 'directional-loop', 'perp-long'])
  })

  it('links: A -> B same-token WETH (18,000), B -> C same-token USDC (12,000)', () => {
    const links = e.stacks[0]!.links.map((l) => [
      l.from,
      l.to,
      l.relation,
      l.via,
      l.debtSymbol,
      l.collateralSymbol,
      l.riskAsset,
      l.usd,
    ])
    expect(links).toHaveLength(2)
    expect(links).toContainEqual([idA, idB, 'funds', 'same-token', 'WETH', 'WETH', 'ETH', 18_000])
    expect(links).toContainEqual([idB, idC, 'funds', 'same-token', 'USDC', 'USDC', 'USD', 12_000])
  })

  it('layers: equities 18,000 / 6,000 / 12,000, nominal leverages 2 / 3 / 2', () => {
    const a = layerOf(e, idA)
    const b = layerOf(e, idB)
    const c = layerOf(e, idC)
    // A: 36,000 / (36,000 - 18,000) = 2; B: 18,000 / (18,000 - 12,000) = 3; C: 24,000 / 12,000 = 2
    expect([a.equityUsd, b.equityUsd, c.equityUsd]).toEqual([18_000, 6_000, 12_000])
    expect(a.nominalLeverage).toBeCloseTo(2, 12)
    expect(b.nominalLeverage).toBeCloseTo(3, 12)
    expect(c.nominalLeverage).toBeCloseTo(2, 12)
    expect(c.kind).toBe('perp')
    expect(c.notionalUsd).toBe(24_000)
    expect(c.collateralUsd).toBe(12_000)
    // Morpho reports no LTV: the loop LTV is its LLTV 86%; n = ln(1 - 3 x 0.14) / ln 0.86 - 1
    expect(b.maxLtv).toBeNull()
    expect(b.loopLtv).toBeCloseTo(0.86, 12)
    expect(b.equivalentLoops).toBeCloseTo(Math.log(1 - 3 * 0.14) / Math.log(0.86) - 1, 9)
    // A: n = ln(1 - 2 x 0.07) / ln 0.93 - 1 = ln 0.86 / ln 0.93 - 1 = 1.0783
    expect(a.equivalentLoops).toBeCloseTo(Math.log(0.86) / Math.log(0.93) - 1, 9)
  })

  it('net: ETH 12 - 6 + 6 + 8 = 20 (exact); USD -12,000 + 12,000 + financing = -24,000', () => {
    const eth = net(e, 'ETH')
    expect(eth.units18).toBe(12n * WAD - 6n * WAD + 6n * WAD + 8n * WAD)
    // 36,000 - 18,000 + 18,000 + 24,000 = 60,000
    expect(eth.usd).toBeCloseTo(36_000 - 18_000 + 18_000 + 24_000, 9)
    // the perp's financing = equity - (long + collateral) = 12,000 - (24,000 + 12,000) = -24,000
    const financing = e.contributions.filter((c) => c.source === 'financing')
    expect(financing).toHaveLength(1)
    expect(financing[0]!.layer).toBe(idC)
    expect(financing[0]!.usd).toBeCloseTo(12_000 - (24_000 + 12_000), 9)
    const usd = net(e, 'USD')
    // B's debt + C's USDC margin + financing
    expect(usd.usd).toBeCloseTo(-12_000 + 12_000 - 24_000, 9)
    // financing is derived from USD: the USD net has no exact units
    expect(usd.units18).toBeNull()
    // equity = sum of net usd = 60,000 - 24,000 = 36,000 = 18,000 + 6,000 + 12,000
    const layerEquity = e.layers.reduce((a, l) => a + l.equityUsd, 0)
    expect(layerEquity).toBe(36_000)
    expect(e.equityUsd).toBeCloseTo(layerEquity, 9)
    // every layer's contributions sum to its equity
    for (const l of e.layers)
      expect(sumUsd(e.contributions.filter((c) => c.layer === l.id))).toBeCloseTo(l.equityUsd, 9)
  })

  it('compounded leverage = gross / equity = 60,000 / 36,000; nominal product = 2 x 3 x 2 = 12', () => {
    const s = e.stacks[0]!
    expect(s.equityUsd).toBeCloseTo(36_000, 9)
    expect(s.grossExposureUsd).toBeCloseTo(60_000, 9)
    expect(s.compoundedLeverage).toBeCloseTo(60_000 / 36_000, 12)
    expect(s.nominalLeverageProduct).toBeCloseTo(2 * 3 * 2, 9)
    expect(e.effectiveLeverage).toBeCloseTo(60_000 / 36_000, 12)
  })
})

describe('receipt tokens', () => {
  // Morpho: 10 aEthWETH (30,000 USD) as collateral vs 15,000 USDC debt.
  const morpho = lending(
    [
      leg('aEthWETH', 'collateral', 10, 3000, { liquidationThresholdBps: 8600 }),
      leg('USDC', 'debt', 15_000, 1),
    ],
    'morpho-blue',
    'morpho-blue-aethweth-usdc',
  )

  it('aEthWETH resolves through WETH with its Aave issuer; the stack spans aave-v3', () => {
    const e = run([morpho])
    const c = e.contributions.find((x) => x.symbol === 'aEthWETH')!
    expect(c.riskAsset).toBe('ETH')
    expect(c.path).toEqual(['aEthWETH', 'WETH'])
    // aToken -> underlying at 1:1: 10 aEthWETH = 10 ETH
    expect(c.units18).toBe(10n * WAD)
    expect(c.issuers).toEqual([{ protocol: 'aave-v3', market: 'aave-v3-ethereum', symbol: 'aEthWETH' }])
    expect(e.layers[0]!.receipts).toEqual([
      { protocol: 'aave-v3', market: 'aave-v3-ethereum', symbol: 'aEthWETH', usd: 30_000 },
    ])
    const s = e.stacks[0]!
    expect(s.protocols).toContain('aave-v3')
    expect(s.protocols).toContain('morpho-blue')
    expect(s.crossProtocol).toBe(true)
    expect(s.links).toEqual([])
    // no layer of the issuer here: the summary names the issuing market
    expect(s.summary).toContain('[aEthWETH receipt of aave-v3-ethereum] directional-loop on morpho-blue')
  })

  it('with a layer in the issuing market (aave-v3-ethereum on ethereum): a receipt link to the holder', () => {
    // Aave: 1 WBTC (60,000 USD) supplied, no debt (a USD supply would be linked by the USDC debt).
    const aave = lending([leg('WBTC', 'collateral', 1, 60_000)])
    const e = run([morpho, aave])
    const idAave = 'ethereum:aave-v3-ethereum'
    const idMorpho = 'ethereum:morpho-blue-aethweth-usdc'
    expect(e.stacks).toHaveLength(1)
    const s = e.stacks[0]!
    expect(s.links).toEqual([
      {
        from: idAave,
        to: idMorpho,
        relation: 'issues',
        riskAsset: 'ETH',
        via: 'receipt',
        debtSymbol: 'aEthWETH',
        collateralSymbol: 'aEthWETH',
        usd: 30_000,
      },
    ])
    // the issuer's layer comes first, and the summary names it by its label
    expect(s.layers).toEqual([idAave, idMorpho])
    expect(s.summary).toContain(
      '[aEthWETH receipt of aave-v3 aave-v3-ethereum] directional-loop on morpho-blue',
    )
    // equity = 60,000 + (30,000 - 15,000) = 75,000
    expect(s.equityUsd).toBeCloseTo(75_000, 9)
  })

  it('a layer of the same market id on another chain is not the issuer', () => {
    const elsewhere = lending(
      [leg('WBTC', 'collateral', 1, 60_000)],
      'aave-v3',
      'aave-v3-ethereum',
      'arbitrum',
    )
    const e = run([morpho, elsewhere])
    expect(e.stacks).toHaveLength(2)
    expect(e.stacks.every((s) => s.links.length === 0)).toBe(true)
  })
})

describe('perps', () => {
  it('Hyperliquid long 100 SOL at 150 on 5,000 USD of margin: SOL is its own risk asset', () => {
    const position = perp([symbolLeg('SOL', 'long', 100, 150)], 5_000, 'hyperliquid', 'SOL', 'hyperliquid')
    const e = run([position])
    const sol = e.contributions.find((c) => c.source === 'long')!
    expect(sol.riskAsset).toBe('SOL')
    expect(sol.flags).toEqual({})
    expect(sol.units18).toBe(100n * WAD)
    // 100 x 150 = 15,000 USD long
    expect(sol.usd).toBe(15_000)
    // no collateral leg: the equity is held as USD margin; financing = 5,000 - (15,000 + 5,000)
    const margin = e.contributions.filter((c) => c.source === 'margin')
    const financing = e.contributions.filter((c) => c.source === 'financing')
    expect(margin.map((c) => c.usd)).toEqual([5_000])
    expect(financing).toHaveLength(1)
    expect(financing[0]!.usd).toBeCloseTo(5_000 - (15_000 + 5_000), 9)
    // margin + financing = the USD borrowed for the long: 5,000 - 15,000 = -10,000 = collateralUsd - notional
    expect(margin[0]!.usd + financing[0]!.usd).toBeCloseTo(5_000 - 15_000, 9)
    // the layer sums to its equity (collateralUsd)
    expect(sumUsd(e.contributions)).toBeCloseTo(5_000, 9)
    const layer = e.layers[0]!
    expect(layer.id).toBe('hyperliquid:SOL')
    expect(layer.structure).toBe('perp-long')
    expect(layer.collateralUsd).toBe(5_000)
    expect(layer.equityUsd).toBe(5_000)
    // 15,000 / 5,000 = 3x
    expect(layer.nominalLeverage).toBeCloseTo(3, 12)
    expect(e.effectiveLeverage).toBeCloseTo(3, 12)
    expect(e.contributions.some((c) => c.flags.unknown)).toBe(false)
    // SOL is in the default beta table: no assumed-beta warning
    expect(e.beta.table.SOL?.source).toBe('default')
    expect(e.warnings).toEqual([])
  })

  it('Hyperliquid short 2 ETH at 3,000 on 2,000 USD: -2 ETH, financing +6,000', () => {
    const position = perp([symbolLeg('ETH', 'short', 2, 3000)], 2_000, 'hyperliquid', 'ETH', 'hyperliquid')
    const e = run([position])
    expect(net(e, 'ETH').units18).toBe(-2n * WAD)
    expect(net(e, 'ETH').usd).toBeCloseTo(-6_000, 9)
    // USD: margin 2,000 + financing (2,000 - (-6,000 + 2,000)) = 2,000 + 6,000 = 8,000
    expect(net(e, 'USD').usd).toBeCloseTo(8_000, 9)
    expect(e.equityUsd).toBeCloseTo(2_000, 9)
    expect(e.layers[0]!.structure).toBe('perp-short')
    // 6,000 / 2,000 = 3x
    expect(e.effectiveLeverage).toBeCloseTo(3, 12)
  })
})

describe('unknown tokens and missing rates', () => {
  const FOO = '0x1111111111111111111111111111111111111111' as Address

  it('an unknown token is flagged, its own risk asset, and warned about', () => {
    const fooLeg: Leg = {
      asset: { symbol: 'FOO', address: FOO, decimals: 18 },
      side: 'collateral',
      amount: 1_000n * WAD,
      usd: 2_000,
      priceUsd: 2,
    }
    const e = run([lending([fooLeg, leg('USDC', 'debt', 500, 1)])])
    const c = e.contributions.find((x) => x.symbol === 'FOO')!
    expect(c.flags.unknown).toBe(true)
    expect(c.riskAsset).toBe('FOO')
    expect(c.units18).toBe(1_000n * WAD)
    expect(net(e, 'FOO').usd).toBe(2_000)
    expect(e.warnings).toContain(`FOO (${FOO}) is not in the asset graph: counted as its own risk asset`)
    expect(e.beta.table.FOO?.source).toBe('assumed')
  })

  it('wstETH without a rate: units = usd / the WETH price seen in another leg (rateFromPrice)', () => {
    const e = run(
      [lending([leg('wstETH', 'collateral', 10, 3600), leg('WETH', 'debt', 8, 3000)])],
      {},
      noRates,
    )
    const c = e.contributions.find((x) => x.symbol === 'wstETH')!
    expect(c.flags).toEqual({ rateFromPrice: true })
    expect(c.riskAsset).toBe('ETH')
    // 36,000 USD / 3,000 USD per ETH = 12 ETH
    expect(c.units).toBeCloseTo(36_000 / 3_000, 12)
    expect(c.units18).toBeNull()
    expect(c.path).toEqual(['wstETH', 'ETH'])
    expect(net(e, 'ETH').units18).toBeNull()
    expect(net(e, 'ETH').units).toBeCloseTo(12 - 8, 12)
    expect(e.warnings.some((w) => w.startsWith('wstETH: no on-chain rate here'))).toBe(true)
  })

  it('wstETH without a rate and no WETH leg anywhere: own risk asset (rateUnavailable)', () => {
    const e = run(
      [lending([leg('wstETH', 'collateral', 10, 3600), leg('USDC', 'debt', 10_000, 1)])],
      {},
      noRates,
    )
    const c = e.contributions.find((x) => x.symbol === 'wstETH')!
    expect(c.flags).toEqual({ rateUnavailable: true })
    expect(c.riskAsset).toBe('wstETH')
    expect(c.units18).toBe(10n * WAD)
    expect(c.path).toEqual(['wstETH'])
    expect(e.netExposure.some((n) => n.riskAsset === 'ETH')).toBe(false)
    expect(e.warnings).toContain(
      'wstETH: neither a rate nor a price of its risk asset; counted as its own risk asset',
    )
  })
})

describe('beta', () => {
  // 10 WETH (30,000) vs 15,000 USDC: equity 15,000, long ETH 2x.
  const twoX = () => lending([leg('WETH', 'collateral', 10, 3000), leg('USDC', 'debt', 15_000, 1)])

  it('default table: beta(ETH, BTC) = corr 0.8 x vol 0.65 / vol 0.5 = 1.04', () => {
    expect(defaultBeta('ETH').beta.BTC).toBeCloseTo((0.8 * 0.65) / 0.5, 12)
    expect(defaultBeta('ETH').beta.ETH).toBeCloseTo(1, 12)
    // BTC to ETH: 0.8 x 0.5 / 0.65
    expect(defaultBeta('BTC').beta.ETH).toBeCloseTo((0.8 * 0.5) / 0.65, 12)
    expect(defaultBeta('USD').beta).toEqual({ ETH: 0, BTC: 0 })
  })

  it('a wallet 2x long ETH: beta.ETH = 30,000 x 1 / 15,000 = 2, beta.BTC = 2 x 1.04', () => {
    const e = run([twoX()])
    expect(e.beta.ETH).toBeCloseTo(2, 12)
    expect(e.beta.BTC).toBeCloseTo((2 * (0.8 * 0.65)) / 0.5, 12)
    expect(e.beta.dollarEth).toBeCloseTo(30_000, 9)
    expect(e.beta.table.ETH?.source).toBe('default')
    expect(e.beta.table.USD?.source).toBe('default')
  })

  it('an override changes it: ETH beta 1.5 -> 30,000 x 1.5 / 15,000 = 3', () => {
    const e = run([twoX()], { betas: { ETH: { ETH: 1.5, BTC: 1 } } })
    expect(e.beta.ETH).toBeCloseTo(3, 12)
    expect(e.beta.BTC).toBeCloseTo(2, 12)
    expect(e.beta.table.ETH).toEqual({ ETH: 1.5, BTC: 1, source: 'request' })
  })

  it('an unlisted asset: beta assumed (0.6 x 1 / 0.65 to ETH), with a warning', () => {
    const e = run([twoX(), lending([leg('LINK', 'collateral', 100, 15)], 'spark', 'spark-ethereum')])
    const link = e.beta.table.LINK!
    expect(link.source).toBe('default') // LINK is listed
    const foo: Leg = {
      asset: {
        symbol: 'FOO',
        address: '0x2222222222222222222222222222222222222222' as Address,
        decimals: 18,
      },
      side: 'collateral',
      amount: 10n * WAD,
      usd: 1_000,
      priceUsd: 100,
    }
    const e2 = run([twoX(), lending([foo], 'spark', 'spark-ethereum')])
    expect(e2.beta.table.FOO).toEqual({ ETH: (0.6 * 1) / 0.65, BTC: (0.6 * 1) / 0.5, source: 'assumed' })
    expect(e2.warnings).toContain('beta of FOO assumed (not in the default table); override it per request')
    // equity 15,000 + 1,000; dollar beta 30,000 x 1 + 1,000 x 0.6 / 0.65
    expect(e2.beta.ETH).toBeCloseTo((30_000 + (1_000 * 0.6) / 0.65) / 16_000, 12)
  })
})

describe('unavailable positions', () => {
  it('are listed in unresolved and warned about, never counted', () => {
    const down: UnavailablePosition = {
      status: 'unavailable',
      protocol: 'compound-v3',
      market: 'compound-v3-usdc',
      chain: 'ethereum',
      kind: 'lending',
      code: 'RPC_ERROR',
      reason: 'timeout',
    }
    const e = run([down, lending([leg('WETH', 'collateral', 1, 3000)])])
    expect(e.unresolved).toEqual([
      {
        protocol: 'compound-v3',
        market: 'compound-v3-usdc',
        chain: 'ethereum',
        code: 'RPC_ERROR',
        reason: 'timeout',
      },
    ])
    expect(e.layers.map((l) => l.id)).toEqual(['ethereum:aave-v3-ethereum'])
    expect(e.equityUsd).toBeCloseTo(3_000, 9)
    expect(e.warnings).toContain(
      'compound-v3 compound-v3-usdc on ethereum could not be read (RPC_ERROR): not counted',
    )
  })

  it('a wallet of only unavailable positions: zero equity, leverage and beta undefined', () => {
    const e = run([
      {
        status: 'unavailable',
        protocol: 'aave-v3',
        market: 'aave-v3-ethereum',
        chain: 'ethereum',
        kind: 'lending',
        code: 'X',
        reason: 'y',
      },
    ])
    expect(e.unresolved).toHaveLength(1)
    expect(e.layers).toEqual([])
    expect(e.equityUsd).toBe(0)
    expect(e.effectiveLeverage).toBeNull()
    expect(e.beta.ETH).toBeNull()
    expect(e.warnings).toContain('equity is <= 0: leverage and beta are undefined')
  })
})

describe('options', () => {
  // 10 ETH calls at delta 0.5 -> 5 ETH of delta, 15,000 USD at spot 3,000; worth 2,000 USD.
  const call: OptionDeltaInput = {
    id: 'option:ETH-call-3500',
    underlying: 'ETH',
    delta: 5,
    deltaUsd: 15_000,
    valueUsd: 2_000,
  }

  it('adds delta units of ETH and financing so the option layer sums to its value', () => {
    const e = run([lending([leg('WETH', 'collateral', 10, 3000)])], { options: [call] })
    const mine = e.contributions.filter((c) => c.layer === call.id)
    const delta = mine.find((c) => c.source === 'option-delta')!
    const financing = mine.find((c) => c.source === 'financing')!
    expect(delta.riskAsset).toBe('ETH')
    expect(delta.units).toBe(5)
    expect(delta.usd).toBe(15_000)
    // financing = value - delta usd = 2,000 - 15,000 = -13,000
    expect(financing.usd).toBe(2_000 - 15_000)
    expect(sumUsd(mine)).toBe(2_000)
    const layer = layerOf(e, call.id)
    expect(layer.kind).toBe('option')
    expect(layer.equityUsd).toBe(2_000)
    expect(layer.notionalUsd).toBe(15_000)
    expect(layer.nominalLeverage).toBeNull()
    // wallet ETH: 10 + 5 = 15 units; 30,000 + 15,000 USD; units18 null (delta is a float)
    expect(net(e, 'ETH').units).toBeCloseTo(15, 12)
    expect(net(e, 'ETH').units18).toBeNull()
    expect(net(e, 'ETH').usd).toBeCloseTo(45_000, 9)
    // equity = 30,000 + 2,000; gross = 45,000
    expect(e.equityUsd).toBeCloseTo(32_000, 9)
    expect(e.effectiveLeverage).toBeCloseTo(45_000 / 32_000, 12)
  })

  it('without a spot price: the delta is valued at the WETH price seen in the wallet', () => {
    const e = run([lending([leg('WETH', 'collateral', 10, 3000)])], {
      options: [{ ...call, underlying: 'eth', deltaUsd: null }],
    })
    const delta = e.contributions.find((c) => c.source === 'option-delta')!
    // 5 x 3,000 = 15,000
    expect(delta.symbol).toBe('ETH')
    expect(delta.usd).toBeCloseTo(5 * 3000, 9)
    expect(delta.flags).toEqual({})
  })
})
