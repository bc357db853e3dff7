import { AaveV3Ethereum } from '@aave-dao/aave-address-book'
import { decodeFunctionData } from 'viem'
import { describe, expect, it } from 'vitest'
import {
  assetKey,
  bindAddresses,
  defaultAssetGraph,
  LOCAL_WSTETH_RATE_WAD,
  rateCallAbi,
  rateCalls,
  rateFromResultDown,
  resolve,
  staticRates,
  ETHEREUM_TOKENS as T,
} from '../../../src/assets/index.js'

const WAD = 10n ** 18n
const graph = defaultAssetGraph()

describe('default registry: Ethereum mainnet', () => {
  it('addresses agree with the Aave address book (underlyings and aTokens)', () => {
    const A = AaveV3Ethereum.ASSETS
    const pairs: [string, string][] = [
      [T.WETH, A.WETH.UNDERLYING],
      [T.wstETH, A.wstETH.UNDERLYING],
      [T.WBTC, A.WBTC.UNDERLYING],
      [T.cbBTC, A.cbBTC.UNDERLYING],
      [T.USDC, A.USDC.UNDERLYING],
      [T.USDT, A.USDT.UNDERLYING],
      [T.DAI, A.DAI.UNDERLYING],
      [T.USDS, A.USDS.UNDERLYING],
      [T.rETH, A.rETH.UNDERLYING],
      [T.cbETH, A.cbETH.UNDERLYING],
      [T.weETH, A.weETH.UNDERLYING],
      [T.sDAI, A.sDAI.UNDERLYING],
      [T.sUSDe, A.sUSDe.UNDERLYING],
      [T.USDe, A.USDe.UNDERLYING],
      [T.LINK, A.LINK.UNDERLYING],
      [T.aEthWETH, A.WETH.A_TOKEN],
      [T.aEthwstETH, A.wstETH.A_TOKEN],
      [T.aEthWBTC, A.WBTC.A_TOKEN],
      [T.aEthUSDC, A.USDC.A_TOKEN],
      [T.aEthUSDT, A.USDT.A_TOKEN],
      [T.aEthweETH, A.weETH.A_TOKEN],
    ]
    for (const [ours, book] of pairs) expect(ours).toBe(book.toLowerCase())
  })

  it('every ETH/BTC/USD token resolves to its group', () => {
    const rates = staticRates({
      rates: Object.fromEntries(rateCalls(graph, 'ethereum').map((c) => [c.key, WAD])),
    })
    const expectations: [keyof typeof T, string][] = [
      ['WETH', 'ETH'],
      ['stETH', 'ETH'],
      ['wstETH', 'ETH'],
      ['rETH', 'ETH'],
      ['cbETH', 'ETH'],
      ['weETH', 'ETH'],
      ['eETH', 'ETH'],
      ['WBTC', 'BTC'],
      ['cbBTC', 'BTC'],
      ['USDC', 'USD'],
      ['USDT', 'USD'],
      ['DAI', 'USD'],
      ['USDS', 'USD'],
      ['sDAI', 'USD'],
      ['sUSDS', 'USD'],
      ['sUSDe', 'USD'],
      ['aEthUSDC', 'USD'],
      ['aEthWBTC', 'BTC'],
      ['aEthweETH', 'ETH'],
    ]
    for (const [symbol, group] of expectations) {
      const r = resolve({ chain: 'ethereum', address: T[symbol], decimals: 18 }, WAD, {
        graph,
        rates,
        now: 0n,
      })
      expect([symbol, r.riskAsset, r.flags]).toEqual([symbol, group, {}])
    }
  })

  it('lists the on-chain rate reads as call descriptors with encoded calldata', () => {
    const calls = rateCalls(graph, 'ethereum')
    const bySymbol = Object.fromEntries(calls.map((c) => [graph.nodes.get(c.key)?.symbol, c]))
    expect(Object.keys(bySymbol).sort()).toEqual([
      'cbETH',
      'rETH',
      'sDAI',
      'sUSDS',
      'sUSDe',
      'weETH',
      'wstETH',
    ])
    expect(bySymbol.wstETH).toMatchObject({
      key: assetKey({ chain: 'ethereum', address: T.wstETH }),
      target: T.wstETH,
      functionName: 'stEthPerToken',
      resultDecimals: 18,
      callData: '0x035faf82', // keccak256("stEthPerToken()")[0:4]
    })
    expect(bySymbol.rETH?.callData).toBe('0xe6aa216c') // getExchangeRate()
    const sdai = bySymbol.sDAI!
    // convertToAssets(uint256) = 0x07a2d13a, argument 1e18 shares.
    expect(sdai.callData.slice(0, 10)).toBe('0x07a2d13a')
    expect(decodeFunctionData({ abi: [rateCallAbi(sdai.signature)], data: sdai.callData }).args).toEqual([
      WAD,
    ])
    expect(rateCalls(graph, 'local')).toEqual([])
  })

  it('rateFromResultDown scales an answer to WAD, rounding down', () => {
    expect(rateFromResultDown({ resultDecimals: 18 }, 1_187_000_000_000_000_000n)).toBe(
      1_187_000_000_000_000_000n,
    )
    // A 6-decimal asset: convertToAssets(1e6) = 1_050_000 -> 1.05e18.
    expect(rateFromResultDown({ resultDecimals: 6 }, 1_050_000n)).toBe(1_050_000_000_000_000_000n)
    // 24 decimals: 1.5e24 + 1 -> 1.5e18 (the extra 1e-24 rounds away, down).
    expect(rateFromResultDown({ resultDecimals: 24 }, 15n * 10n ** 23n + 1n)).toBe(1_500_000_000_000_000_000n)
  })
})

describe('default registry: devchain (symbol-keyed)', () => {
  const rates = staticRates({})
  it('wstETH -> WETH at the devchain rate 1.2 (3600 / 3000 USD), WBTC -> BTC, LINK as itself', () => {
    // 3 wstETH x 1.2 = 3.6 WETH = 3.6 ETH.
    expect(
      resolve({ chain: 'local', symbol: 'wstETH', decimals: 18 }, 3n * WAD, { graph, rates, now: 0n }),
    ).toMatchObject({ riskAsset: 'ETH', units: 3_600_000_000_000_000_000n, flags: {} })
    expect(LOCAL_WSTETH_RATE_WAD).toBe((3600n * WAD) / 3000n)
    expect(
      resolve({ chain: 'local', symbol: 'WBTC', decimals: 8 }, 10n ** 8n, { graph, rates, now: 0n })
        .riskAsset,
    ).toBe('BTC')
    expect(
      resolve({ chain: 'local', symbol: 'LINK', decimals: 18 }, WAD, { graph, rates, now: 0n }),
    ).toMatchObject({
      riskAsset: 'LINK',
      flags: {},
    })
  })

  it('bindAddresses gives symbol entries their deployed addresses (inner refs too)', () => {
    const weth = '0x5FbDB2315678afecb367f032d93F642f64180aa3'
    const wsteth = '0xe7f1725E7734CE288F8367e1Bb143E90bb3F0512'
    const bound = bindAddresses(graph, 'local', { WETH: weth, wstETH: wsteth })
    const r = resolve({ chain: 'local', address: wsteth, decimals: 18 }, WAD, {
      graph: bound,
      rates,
      now: 0n,
    })
    expect(r.riskAsset).toBe('ETH')
    expect(r.path.map((s) => s.key)).toEqual([`local:${wsteth.toLowerCase()}`, `local:${weth.toLowerCase()}`])
    // The address wins over a symbol: an unknown address with the symbol WETH is not WETH.
    const other = resolve(
      { chain: 'local', address: `0x${'1'.repeat(40)}`, symbol: 'USDC', decimals: 6 },
      1n,
      {
        graph: bound,
        rates,
        now: 0n,
      },
    )
    expect(other.riskAsset).toBe('USD')
  })
})
