/**
 * Aave V4 deployments generated from @aave-dao/aave-address-book 4.68.1 (AaveV4Ethereum,
 * AaveV4Avalanche, AaveV4Arc): every user-facing Spoke of the book's ALL_SPOKES with its own
 * `<NAME>_ORACLE`, every Hub of ALL_HUBS; FACTS.md section 14 for the Ethereum Main Spoke vector.
 */
import { AaveV4Arc, AaveV4Avalanche, AaveV4Ethereum } from '@aave-dao/aave-address-book'
import { describe, expect, it } from 'vitest'
import {
  AAVE_V4_BOOK_DEPLOYMENTS,
  AAVE_V4_DEPLOYMENTS,
  InvalidAaveV4ConfigError,
  parseAaveV4ConfigEntry,
} from '../../../../src/protocols/aave-v4/markets.js'

describe('Aave V4 deployments from the address book', () => {
  it('every book Spoke (ALL_SPOKES) and Hub (ALL_HUBS), each Spoke with its oracle; no TreasurySpoke', () => {
    for (const book of [AaveV4Ethereum, AaveV4Avalanche, AaveV4Arc]) {
      const d = AAVE_V4_BOOK_DEPLOYMENTS.find((x) => x.chainId === book.CHAIN_ID)!
      expect(d.spokes.map((s) => s.address).sort()).toEqual([...book.ALL_SPOKES].sort())
      expect(d.hubs.map((h) => h.address).sort()).toEqual([...book.ALL_HUBS].sort())
      expect(d.spokes.every((s) => s.oracle !== null)).toBe(true)
      expect(d.spokes.some((s) => s.address === book.TREASURY_SPOKE)).toBe(false)
    }
  })
  it('FACTS §14: Ethereum Main Spoke 0x94e7…c485 with its AaveOracle 0x99B2…6127; Core Hub 0xCca8…26c9', () => {
    const eth = AAVE_V4_DEPLOYMENTS.ethereum![0]!
    const main = eth.spokes.find((s) => s.id === 'aave-v4-ethereum-main-spoke')!
    expect(main.address).toBe('0x94e7A5dCbE816e498b89aB752661904E2F56c485')
    expect(main.oracle).toBe('0x99B2B6CEa9C3D2fd8F4d90f86741C44B212a6127')
    expect(eth.hubs.map((h) => h.address)).toContain('0xCca852Bc40e560adC3b1Cc58CA5b55638ce826c9')
    expect(eth.spokes).toHaveLength(13)
  })
  it('only chains the registry serves are bound (Arc is not)', () => {
    expect(Object.keys(AAVE_V4_DEPLOYMENTS).sort()).toEqual(['avalanche', 'ethereum'])
  })
})

describe('STACKLENS_CONFIG entries', () => {
  it('parses { protocol, chain, id, hub, spokes, startBlock }', () => {
    const d = parseAaveV4ConfigEntry(
      {
        protocol: 'aave-v4',
        chain: 'local',
        id: 'my-v4',
        hub: '0xa513e6e4b8f2a923d98304ec87f64353c4d5c853',
        spokes: [
          '0x9a676e781a523b5d0c0e43731313a708cb607508',
          {
            address: '0x68b1d87f95878fe05b998f19b66f4baba5de1aed',
            oracle: '0x959922be3caee4b8cd9a407cc3ac1c251c2007b1',
            id: 'second',
          },
        ],
        startBlock: 12,
      },
      31337,
    )
    expect(d.hubs[0]!.address).toBe('0xa513E6E4b8f2a923D98304ec87F64353C4D5C853')
    expect(d.spokes.map((s) => [s.id, s.oracle])).toEqual([
      ['my-v4-spoke-0x9a676e781a523b5d0c0e43731313a708cb607508', null],
      ['second', '0x959922bE3CAee4b8Cd9a407cc3ac1C251C2007B1'],
    ])
    expect(d.startBlock).toBe(12n)
    expect(d.chainId).toBe(31337)
  })
  it('refuses bad entries with a coded error', () => {
    expect(() => parseAaveV4ConfigEntry({ protocol: 'aave-v3' }, 1)).toThrow(InvalidAaveV4ConfigError)
    expect(() =>
      parseAaveV4ConfigEntry(
        { protocol: 'aave-v4', chain: 'x', id: 'y', hub: '0x12', spokes: ['0x12'], startBlock: 0 },
        1,
      ),
    ).toThrow(/hubs\[0\]/)
    expect(() =>
      parseAaveV4ConfigEntry(
        {
          protocol: 'aave-v4',
          chain: 'x',
          id: 'y',
          hub: '0xa513e6e4b8f2a923d98304ec87f64353c4d5c853',
          spokes: [],
          startBlock: 0,
        },
        1,
      ),
    ).toThrow(/spokes/)
  })
})
