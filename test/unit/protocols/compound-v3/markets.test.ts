/**
 * The shipped Comet list (src/protocols/compound-v3/markets.ts, generated into deployments.json by
 * scripts/comet-deployments.ts from compound-finance/comet `deployments/<network>/<market>/roots.json`
 * and `configuration.json`): the 28 production Comets of ../shared/protocols/comet/FACTS.md §10,
 * EIP-55 addresses, unique ids, a non-USD numeraire exactly for the ConstantPriceFeed markets (every
 * weth market and mainnet wstETH) and mainnet wbtc (WBTC/BTC base feed).
 */
import { isAddress } from 'viem'
import { describe, expect, it } from 'vitest'
import { COMETS } from '../../../../src/protocols/compound-v3/markets.js'

describe('COMETS', () => {
  it('lists the 28 production Comets of the deployment records, the 7 of issue 14 among them', () => {
    expect(COMETS).toHaveLength(28)
    expect(new Set(COMETS.map((c) => c.id)).size).toBe(COMETS.length)
    const ids = COMETS.map((c) => c.id)
    for (const id of [
      'compound-v3-ethereum-usdc',
      'compound-v3-ethereum-weth',
      'compound-v3-ethereum-usdt',
      'compound-v3-base-usdc',
      'compound-v3-base-weth',
      'compound-v3-arbitrum-usdc',
      'compound-v3-arbitrum-weth',
      'compound-v3-ethereum-usds',
      'compound-v3-arbitrum-usdc.e',
      'compound-v3-mantle-usde',
    ])
      expect(ids).toContain(id)
    // FACTS §10: 0x9c4ec768…58bf is the Comet on both arbitrum/usdc and base/usdbc.
    expect(
      COMETS.filter((c) => c.comet === '0x9c4ec768c28520B50860ea7a15bd7213a9fF58bf').map((c) => c.id),
    ).toEqual(['compound-v3-arbitrum-usdc', 'compound-v3-base-usdbc'])
  })

  it('every address is EIP-55 checksummed; only ConstantPriceFeed markets and mainnet wbtc price in non-USD', () => {
    for (const c of COMETS) {
      expect(isAddress(c.comet, { strict: true })).toBe(true)
      expect(isAddress(c.baseToken!, { strict: true })).toBe(true)
      if (c.priceUnit?.usdFeed) expect(isAddress(c.priceUnit.usdFeed, { strict: true })).toBe(true)
      const nonUsd =
        c.baseSymbol === 'WETH' ||
        c.id === 'compound-v3-ethereum-wsteth' ||
        c.id === 'compound-v3-ethereum-wbtc'
      expect(c.priceUnit !== undefined).toBe(nonUsd)
    }
    // The ETH/USD feeds are the WETH feeds of the same network's USD markets (e.g. Chainlink ETH/USD on mainnet).
    expect(COMETS.find((c) => c.id === 'compound-v3-ethereum-weth')!.priceUnit).toEqual({
      symbol: 'ETH',
      usdFeed: '0x5f4eC3Df9cbd43714FE2740f5E3616155c5b8419',
    })
  })
})
