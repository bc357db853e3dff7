/**
 * The chain objects `src/chains/registry.ts` defines itself (so that nothing imports
 * `viem/chains` at start) carry what viem's own definitions carry of what stacklens uses: id,
 * name, native currency, the default HTTP RPC, the block time and Multicall3 with its creation
 * block. Source: viem's `viem/chains` of the installed version; this test fails when a viem
 * upgrade changes one of them.
 */
import type { Chain } from 'viem'
import {
  arbitrum,
  avalanche,
  base,
  foundry,
  gnosis,
  katana,
  mainnet,
  optimism,
  polygon,
  unichain,
  worldchain,
} from 'viem/chains'
import { describe, expect, it } from 'vitest'
import { CHAIN_KEYS, CHAINS, type ChainKey } from '../../../src/chains/registry.js'

const VIEM: Record<ChainKey, Chain> = {
  ethereum: mainnet,
  arbitrum,
  base,
  optimism,
  polygon,
  gnosis,
  avalanche,
  unichain,
  worldchain,
  katana,
  local: foundry,
}

const used = (c: Chain) => ({
  id: c.id,
  name: c.name,
  nativeCurrency: c.nativeCurrency,
  rpc: c.rpcUrls.default.http,
  blockTime: c.blockTime,
  multicall3: c.contracts?.multicall3
    ? {
        address: c.contracts.multicall3.address.toLowerCase(),
        blockCreated: c.contracts.multicall3.blockCreated,
      }
    : undefined,
})

describe('chain registry', () => {
  it.each(CHAIN_KEYS)('%s matches viem/chains on every field stacklens uses', (key) => {
    expect(used(CHAINS[key].viem)).toEqual(used(VIEM[key]))
    expect(CHAINS[key].chainId).toBe(VIEM[key].id)
    expect(CHAINS[key].multicall3.toLowerCase()).toBe('0xca11bde05977b3631167028862be2a173976ca11')
  })
})
