import { describe, expect, it } from 'vitest'
import {
  type AssetNode,
  assetKey,
  createAssetGraph,
  defaultAssetGraph,
  RateUnavailableError,
  resolve,
  SECONDS_PER_YEAR,
  staticRates,
  ETHEREUM_TOKENS as T,
  type WrapperNode,
} from '../../../src/assets/index.js'

const WAD = 10n ** 18n
const E = 'ethereum'
const NOW = 1_750_000_000n
const key = (address: string) => assetKey({ chain: E, address })
const eth = (symbol: keyof typeof T, decimals = 18) => ({ chain: E, address: T[symbol], symbol, decimals })

const graph = defaultAssetGraph()

describe('resolve: liquid staking', () => {
  it('wstETH at 1.2 stETH/token, stETH peg 0.99 -> ETH', () => {
    // 10 wstETH x 1.2 stETH/wstETH = 12 stETH; 12 stETH x 1 ETH/stETH x 0.99 peg = 11.88 ETH.
    const rates = staticRates({
      rates: { [key(T.wstETH)]: 12n * (WAD / 10n) },
      pegs: { [key(T.stETH)]: 99n * (WAD / 100n) },
    })
    const r = resolve(eth('wstETH'), 10n * WAD, { graph, rates, now: NOW })
    expect(r.riskAsset).toBe('ETH')
    expect(r.units).toBe(11_880_000_000_000_000_000n)
    expect(r.rounding).toBe('down')
    expect(r.flags).toEqual({})
    expect(r.path.map((s) => [s.symbol, s.rateWad, s.pegWad, s.units])).toEqual([
      ['wstETH', 1_200_000_000_000_000_000n, WAD, 12_000_000_000_000_000_000n],
      ['stETH', WAD, 990_000_000_000_000_000n, 11_880_000_000_000_000_000n],
      ['ETH', WAD, WAD, 11_880_000_000_000_000_000n],
    ])
  })

  it('two levels: aEthwstETH -> wstETH -> stETH -> ETH, each with its own peg', () => {
    // 5 aEthwstETH x 1 (aToken, 1:1) = 5 wstETH; x 1.2 x 0.995 (wstETH's own peg) = 5.97 stETH;
    // x 1 x 0.99 (stETH peg) = 5.9103 ETH.
    const rates = staticRates({
      rates: { [key(T.wstETH)]: 1_200_000_000_000_000_000n },
      pegs: { [key(T.wstETH)]: 995_000_000_000_000_000n, [key(T.stETH)]: 990_000_000_000_000_000n },
    })
    const r = resolve(eth('aEthwstETH'), 5n * WAD, { graph, rates, now: NOW })
    expect(r.riskAsset).toBe('ETH')
    expect(r.units).toBe(5_910_300_000_000_000_000n)
    expect(r.path.map((s) => s.symbol)).toEqual(['aEthwstETH', 'wstETH', 'stETH', 'ETH'])
    expect(r.path[0]?.wrapper).toBe('atoken')
    expect(r.path[1]?.units).toBe(5_970_000_000_000_000_000n)
  })

  it('a peg override on a risk node (WETH) and a checksummed address', () => {
    // 2 WETH x 0.5 = 1 ETH (a stress scenario's override).
    const rates = staticRates({ pegs: { [key(T.WETH)]: WAD / 2n } })
    const token = { chain: E, address: '0xC02aaA39b223FE8D0A0e5C4F27eAD9083C756Cc2', decimals: 18 }
    expect(resolve(token, 2n * WAD, { graph, rates, now: NOW }).units).toBe(WAD)
  })

  it('a missing on-chain rate is a coded error, never a zero', () => {
    const run = () => resolve(eth('wstETH'), WAD, { graph, rates: staticRates({}), now: NOW })
    expect(run).toThrow(RateUnavailableError)
    expect(run).toThrow(expect.objectContaining({ code: 'PRICE_UNAVAILABLE' }))
  })
})

describe('resolve: ERC-4626 and stables', () => {
  it('sUSDe share at convertToAssets(1e18) = 1.15e18, USDe peg 0.998 -> USD', () => {
    // 1000 sUSDe x 1.15 USDe/share = 1150 USDe; x 0.998 = 1147.7 USD.
    const rates = staticRates({
      rates: { [key(T.sUSDe)]: 1_150_000_000_000_000_000n },
      pegs: { [key(T.USDe)]: 998_000_000_000_000_000n },
    })
    const r = resolve(eth('sUSDe'), 1000n * WAD, { graph, rates, now: NOW })
    expect(r.riskAsset).toBe('USD')
    expect(r.units).toBe(1_147_700_000_000_000_000_000n)
    expect(r.path[0]?.wrapper).toBe('erc4626')
  })

  it('USDC (6 decimals) -> USD units with 18 decimals', () => {
    // 1234.567891 USDC = 1_234_567_891 raw -> x 1e12 = 1234.567891e18.
    const r = resolve(eth('USDC', 6), 1_234_567_891n, { graph, rates: staticRates({}), now: NOW })
    expect(r).toMatchObject({ riskAsset: 'USD', units: 1_234_567_891_000_000_000_000n, flags: {} })
  })

  it('WBTC and cbBTC (8 decimals) -> BTC; LINK is its own risk asset, not flagged', () => {
    const rates = staticRates({})
    expect(resolve(eth('cbBTC', 8), 150_000_000n, { graph, rates, now: NOW })).toMatchObject({
      riskAsset: 'BTC',
      units: 1_500_000_000_000_000_000n,
    })
    expect(resolve(eth('LINK'), 7n * WAD, { graph, rates, now: NOW })).toMatchObject({
      riskAsset: 'LINK',
      units: 7n * WAD,
      flags: {},
    })
  })
})

describe('resolve: Pendle PT', () => {
  const PT = '0x00000000000000000000000000000000000000a1'
  const ptGraph = createAssetGraph([
    ...graph.nodes.values(),
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
  const rates = staticRates({
    rates: { [key(T.wstETH)]: 1_200_000_000_000_000_000n },
    impliedYields: { [key(PT)]: WAD / 10n },
  })

  it('1 year to maturity at 10%: 1/1.1 wstETH per PT, then 1.2 ETH per wstETH', () => {
    // discount = floor(1e18 / 1.1) = 909090909090909090 (0.909090909090909090|909...);
    // 1 PT -> 0.909090909090909090 wstETH -> x 1.2 = 1.090909090909090908 ETH (exact, 18 digits).
    const r = resolve({ chain: E, address: PT, decimals: 18 }, WAD, { graph: ptGraph, rates, now: NOW })
    expect(r.riskAsset).toBe('ETH')
    expect(r.path[0]).toMatchObject({
      kind: 'pt',
      rateWad: 909_090_909_090_909_090n,
      impliedYieldWad: WAD / 10n,
      secondsToMaturity: SECONDS_PER_YEAR,
    })
    expect(r.units).toBe(1_090_909_090_909_090_908n)
  })

  it('after maturity the PT is 1:1', () => {
    const r = resolve({ chain: E, address: PT, decimals: 18 }, WAD, {
      graph: ptGraph,
      rates,
      now: NOW + 2n * SECONDS_PER_YEAR,
    })
    expect(r.path[0]).toMatchObject({ rateWad: WAD, secondsToMaturity: 0n })
    expect(r.units).toBe(1_200_000_000_000_000_000n)
  })

  it('a missing implied yield is a coded error', () => {
    expect(() =>
      resolve({ chain: E, address: PT, decimals: 18 }, WAD, {
        graph: ptGraph,
        rates: staticRates({}),
        now: NOW,
      }),
    ).toThrow(RateUnavailableError)
  })
})

/** A symbol-keyed test wrapper on chain "t". */
function w(symbol: string, inner: string, rateWad: bigint): WrapperNode {
  return {
    kind: 'wrapper',
    wrapper: 'other',
    chain: 't',
    address: null,
    symbol,
    decimals: 18,
    inner: { chain: 't', symbol: inner },
    rate: { kind: 'fixed', rateWad },
  }
}
const tEth: AssetNode = {
  kind: 'risk',
  chain: 't',
  address: null,
  symbol: 'TETH',
  decimals: 18,
  riskAsset: 'ETH',
}
const t = (symbol: string) => ({ chain: 't', symbol, decimals: 18 })
const none = staticRates({})

describe('resolve: unknown, cycles, depth', () => {
  it('an unknown token is its own risk asset, flagged, kept', () => {
    // 2.5 FOO (6 decimals) = 2_500_000 raw -> 2.5e18 units of FOO.
    const token = {
      chain: E,
      address: '0x000000000000000000000000000000000000f00D',
      symbol: 'FOO',
      decimals: 6,
    }
    const r = resolve(token, 2_500_000n, { graph, rates: none, now: NOW })
    expect(r).toMatchObject({ riskAsset: 'FOO', units: 2_500_000_000_000_000_000n, flags: { unknown: true } })
    expect(r.path).toHaveLength(1)
  })

  it('a lookalike symbol at another address does not borrow the real token rules', () => {
    const token = {
      chain: E,
      address: '0x000000000000000000000000000000000000beef',
      symbol: 'WETH',
      decimals: 18,
    }
    expect(resolve(token, WAD, { graph, rates: none, now: NOW }).flags).toEqual({ unknown: true })
  })

  it('an unknown inner token: walked to it, flagged, it stands as the risk asset', () => {
    // 3 WX x 2 = 6 MYSTERY.
    const g = createAssetGraph([w('WX', 'MYSTERY', 2n * WAD)])
    const r = resolve(t('WX'), 3n * WAD, { graph: g, rates: none, now: NOW })
    expect(r).toMatchObject({ riskAsset: 'MYSTERY', units: 6n * WAD, flags: { unknown: true } })
  })

  it('a cycle (A wraps B wraps A) is flagged, not thrown, not dropped', () => {
    // 1 A x 2 = 2 B; 2 B x 3 = 6 A; A was visited: stop, A stands as its own risk asset with 6.
    const g = createAssetGraph([w('A', 'B', 2n * WAD), w('B', 'A', 3n * WAD)])
    const r = resolve(t('A'), WAD, { graph: g, rates: none, now: NOW })
    expect(r).toMatchObject({ riskAsset: 'A', units: 6n * WAD, flags: { cycle: true } })
    expect(r.path.map((s) => s.symbol)).toEqual(['A', 'B', 'A'])
  })

  it('a self-wrapping token is a cycle too', () => {
    const g = createAssetGraph([w('S', 'S', WAD)])
    expect(resolve(t('S'), WAD, { graph: g, rates: none, now: NOW }).flags).toEqual({ cycle: true })
  })

  it('depth limit: W1 -> ... -> W10 -> TETH at 2x each stops after 8 steps at W9, flagged', () => {
    // After 8 steps: 1 x 2^8 = 256 W9; W9 stands as its own risk asset.
    const chainNodes: AssetNode[] = [tEth]
    for (let i = 1; i <= 10; i += 1) chainNodes.push(w(`W${i}`, i === 10 ? 'TETH' : `W${i + 1}`, 2n * WAD))
    const g = createAssetGraph(chainNodes)
    const r = resolve(t('W1'), WAD, { graph: g, rates: none, now: NOW })
    expect(r).toMatchObject({ riskAsset: 'W9', units: 256n * WAD, flags: { depthLimited: true } })
    expect(r.path).toHaveLength(9)
    // With room for 10 steps: 2^10 = 1024 ETH, no flag.
    const deep = resolve(t('W1'), WAD, { graph: g, rates: none, now: NOW, maxDepth: 10 })
    expect(deep).toMatchObject({ riskAsset: 'ETH', units: 1024n * WAD, flags: {} })
  })
})

describe('resolve: rounding', () => {
  it('rounds down once, from the exact product (not per step)', () => {
    // 1 wei x 1.5 x 1.5 = 2.25 wei -> 2 (per-step flooring would give floor(floor(1.5) x 1.5) = 1).
    const g = createAssetGraph([
      tEth,
      w('P', 'Q', 1_500_000_000_000_000_000n),
      w('Q', 'TETH', 1_500_000_000_000_000_000n),
    ])
    const r = resolve(t('P'), 1n, { graph: g, rates: none, now: NOW })
    expect(r.units).toBe(2n)
    expect(r.path.map((s) => s.units)).toEqual([1n, 2n, 2n])
  })

  it('1 wei of wstETH at 1.2 and stETH peg 0.99 = 1.188 wei -> 1 (down)', () => {
    const rates = staticRates({
      rates: { [key(T.wstETH)]: 12n * (WAD / 10n) },
      pegs: { [key(T.stETH)]: 99n * (WAD / 100n) },
    })
    expect(resolve(eth('wstETH'), 1n, { graph, rates, now: NOW }).units).toBe(1n)
  })

  it('more than 18 decimals scale down (and round down): 1 raw of a 24-decimal token = 1e-6 wei -> 0', () => {
    const g = createAssetGraph([{ ...tEth, decimals: 24 }])
    expect(
      resolve({ chain: 't', symbol: 'TETH', decimals: 24 }, 1n, { graph: g, rates: none, now: NOW }).units,
    ).toBe(0n)
    expect(
      resolve({ chain: 't', symbol: 'TETH', decimals: 24 }, 10n ** 24n, { graph: g, rates: none, now: NOW })
        .units,
    ).toBe(WAD)
  })

  it('a negative amount is a coded error', () => {
    expect(() => resolve(eth('WETH'), -1n, { graph, rates: none, now: NOW })).toThrow(
      expect.objectContaining({ code: 'INTERNAL' }),
    )
  })
})
