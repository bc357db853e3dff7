/**
 * The Aave v3 market list is generated from `@aave-dao/aave-address-book` 4.68.1 (no hand list):
 * every v3 pool the book lists on a chain stacklens knows appears, with the book's own addresses;
 * ids are unique and stable. Vectors: the book's exports themselves, and FACTS.md section 6
 * (../shared/protocols/aave-v3-origin/FACTS.md) for the Ethereum instances' addresses.
 */
import * as book from '@aave-dao/aave-address-book'
import { isAddress } from 'viem'
import { describe, expect, it } from 'vitest'
import { CHAINS, type ChainKey } from '../../../../src/chains/registry.js'
import {
  AAVE_V3_BOOK_POOLS,
  AAVE_V3_MARKETS,
  aaveMarketsForChain,
  aaveMarketsFromBook,
  USD_PRICE_ORACLES,
} from '../../../../src/protocols/aave-v3/markets.js'

const supportedChainIds = new Set(
  Object.values(CHAINS)
    .filter((c) => c.key !== 'local')
    .map((c) => c.chainId),
)

/** Every main-network Aave v3 pool of the book, found here independently of the generator. */
const bookPools = Object.entries(book).flatMap(([key, value]) => {
  const v = value as Record<string, unknown> | null
  if (!key.startsWith('AaveV3') || typeof v !== 'object' || v === null) return []
  if (typeof v.POOL !== 'string' || typeof v.CHAIN_ID !== 'number') return []
  if (/Sepolia|Fuji/.test(key)) return []
  return [
    {
      key,
      chainId: v.CHAIN_ID,
      pool: v.POOL,
      provider: v.POOL_ADDRESSES_PROVIDER,
      ui: v.UI_POOL_DATA_PROVIDER,
    },
  ]
})

describe('Aave v3 markets from the address book', () => {
  it('lists every v3 pool of the book on the supported chains, with the book addresses', () => {
    const onSupported = bookPools.filter((p) => supportedChainIds.has(p.chainId))
    expect(onSupported.length).toBeGreaterThanOrEqual(10)
    const markets = aaveMarketsFromBook()
    expect(markets).toHaveLength(onSupported.length)
    for (const p of onSupported) {
      const m = markets.find((x) => x.bookKey === p.key)
      expect(m, p.key).toBeDefined()
      expect(m!.pool).toBe(p.pool)
      expect(m!.poolAddressesProvider).toBe(p.provider)
      expect(m!.uiPoolDataProvider).toBe(p.ui)
      expect(CHAINS[m!.chain as ChainKey].chainId).toBe(p.chainId)
      expect(m!.protocol).toBe('aave-v3')
    }
  })

  it('names Ethereum Core, Lido (Prime), EtherFi and Horizon (FACTS.md section 6)', () => {
    const eth = aaveMarketsForChain('ethereum')
    expect(eth.map((m) => [m.id, m.pool])).toEqual([
      ['aave-v3-ethereum', '0x87870Bca3F3fD6335C3F4ce8392D69350B4fA4E2'],
      ['aave-v3-ethereum-lido', '0x4e033931ad43597d96D6bcc25c280717730B58B1'],
      ['aave-v3-ethereum-etherfi', '0x0AA97c284e98396202b6A04024F5E2c65026F3c0'],
      ['aave-v3-ethereum-horizon', '0xAe05Cd22df81871bc7cC2a04BeCfb516bFe332C8'],
      ['spark-ethereum', '0xC13e21B648A5Ee794902342038FF3aDAB66BE987'],
    ])
    // the four share one UiPoolDataProviderV3 (FACTS.md section 6)
    for (const m of eth.slice(0, 4))
      expect(m.uiPoolDataProvider).toBe('0x2dAd8162A989cd99D673dE4425Bb2298Db1E1aA2')
  })

  it('has one Core market per supported chain and Spark on Ethereum and Gnosis', () => {
    // Chains in the registry for other protocols (Morpho Blue: Unichain, World Chain, Katana) that
    // the address book has no v3 pool on have no Aave market (and so no USD price source).
    const withoutAave = ['katana', 'unichain', 'worldchain']
    for (const c of Object.values(CHAINS)) {
      if (c.key === 'local' || withoutAave.includes(c.key)) {
        expect(AAVE_V3_BOOK_POOLS.some((p) => p.CHAIN_ID === c.chainId) && c.key !== 'local').toBe(false)
        expect(aaveMarketsForChain(c.key)).toEqual([])
        continue
      }
      expect(aaveMarketsForChain(c.key)[0]!.id).toBe(`aave-v3-${c.key}`)
    }
    expect(AAVE_V3_MARKETS.filter((m) => m.protocol === 'spark').map((m) => m.id)).toEqual([
      'spark-ethereum',
      'spark-gnosis',
    ])
  })

  it('ids are unique and every address is one', () => {
    const ids = AAVE_V3_MARKETS.map((m) => m.id)
    expect(new Set(ids).size).toBe(ids.length)
    for (const m of AAVE_V3_MARKETS) {
      for (const a of [m.pool, m.poolAddressesProvider, m.uiPoolDataProvider]) expect(isAddress(a)).toBe(true)
    }
  })

  it('AAVE_V3_BOOK_POOLS also keeps the book pools of chains stacklens does not know yet', () => {
    const unsupported = bookPools.filter((p) => !supportedChainIds.has(p.chainId))
    expect(AAVE_V3_BOOK_POOLS.length).toBe(bookPools.filter((p) => typeof p.ui === 'string').length)
    expect(unsupported.length).toBeGreaterThan(0)
  })

  it('USD_PRICE_ORACLES come from the same generation', () => {
    expect(USD_PRICE_ORACLES.ethereum).toBe('0x54586bE62E3c3580375aE3723C145253060Ca0C2')
  })
})
