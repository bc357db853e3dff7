/**
 * The shipped Comet list (src/protocols/compound-v3/markets.ts): the seven Comets of the issue,
 * EIP-55 addresses, unique ids, a numeraire feed exactly for the WETH-base Comets. The addresses
 * themselves are cited in markets.ts (compound-finance/comet deployments/<network>/<base>/roots.json).
 */
import { isAddress } from 'viem'
import { describe, expect, it } from 'vitest'
import { COMETS } from '../../../../src/protocols/compound-v3/markets.js'

describe('COMETS', () => {
  it('lists Ethereum USDC/WETH/USDT, Base USDC/WETH, Arbitrum USDC/WETH', () => {
    expect(COMETS.map((c) => `${c.chain}:${c.baseSymbol}`)).toEqual([
      'ethereum:USDC',
      'ethereum:WETH',
      'ethereum:USDT',
      'base:USDC',
      'base:WETH',
      'arbitrum:USDC',
      'arbitrum:WETH',
    ])
    expect(new Set(COMETS.map((c) => c.id)).size).toBe(COMETS.length)
  })

  it('every address is EIP-55 checksummed; WETH bases and only they price in ETH', () => {
    for (const c of COMETS) {
      expect(isAddress(c.comet, { strict: true })).toBe(true)
      expect(isAddress(c.baseToken!, { strict: true })).toBe(true)
      if (c.priceUnit) expect(isAddress(c.priceUnit.usdFeed, { strict: true })).toBe(true)
      expect(c.priceUnit?.symbol === 'ETH').toBe(c.baseSymbol === 'WETH')
      expect(c.id).toBe(`compound-v3-${c.chain}-${c.baseSymbol.toLowerCase()}`)
    }
  })
})
