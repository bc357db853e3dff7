/**
 * Configuration from environment variables: which chains and markets a deployment serves.
 * Addresses checked against @aave-dao/aave-address-book 4.68.1 and Spark's deployment list.
 */
import { describe, expect, it } from 'vitest'
import { configFromEnv, hasRealRpc } from '../../../src/config.js'
import { AAVE_V3_MARKETS } from '../../../src/protocols/aave-v3/markets.js'

describe('configFromEnv', () => {
  it('serves nothing without RPC URLs or a manifest', () => {
    const config = configFromEnv({})
    expect(config.chains).toEqual({})
    expect(hasRealRpc({})).toBe(false)
  })

  it('STACKLENS_RPC_ETHEREUM enables Ethereum with every Aave v3 instance of the book and Spark; comma-separated URLs are fallbacks', () => {
    const env = { STACKLENS_RPC_ETHEREUM: 'https://a.example , https://b.example', STACKLENS_RPC_BASE: '' }
    const config = configFromEnv(env)
    expect(Object.keys(config.chains)).toEqual(['ethereum'])
    const eth = config.chains.ethereum!
    expect(eth.chainId).toBe(1)
    expect(eth.rpcUrls).toEqual(['https://a.example', 'https://b.example'])
    expect(eth.multicall3).toBe('0xcA11bde05977b3631167028862bE2a173976CA11')
    // @aave-dao/aave-address-book 4.68.1: AaveV3Ethereum, AaveV3EthereumLido, AaveV3EthereumEtherFi,
    // AaveV3EthereumHorizon; Spark from its deployment list.
    expect(eth.aaveMarkets.map((m) => m.id)).toEqual([
      'aave-v3-ethereum',
      'aave-v3-ethereum-lido',
      'aave-v3-ethereum-etherfi',
      'aave-v3-ethereum-horizon',
      'spark-ethereum',
    ])
    expect(eth.aaveMarkets[0]!.pool).toBe('0x87870Bca3F3fD6335C3F4ce8392D69350B4fA4E2')
    expect(eth.aaveMarkets.at(-1)).toMatchObject({
      protocol: 'spark',
      pool: '0xC13e21B648A5Ee794902342038FF3aDAB66BE987',
      uiPoolDataProvider: '0xF028c2F4b19898718fD0F77b9b881CbfdAa5e8Bb',
    })
    expect(hasRealRpc(env)).toBe(true)
  })

  it('Arbitrum and Base come from the address book', () => {
    const config = configFromEnv({
      STACKLENS_RPC_ARBITRUM: 'https://arb.example',
      STACKLENS_RPC_BASE: 'https://base.example',
    })
    expect(config.chains.arbitrum!.aaveMarkets[0]!.pool).toBe('0x794a61358D6845594F94dc1DB02A252b5b4814aD')
    expect(config.chains.base!.aaveMarkets[0]!.pool).toBe('0xA238Dd80C259a72e81d7e4664a9801593F98d1c5')
    expect(config.chains.base!.chainId).toBe(8453)
  })

  it('STACKLENS_RPC_LOCAL alone does not enable chain local: its addresses need a manifest', () => {
    expect(configFromEnv({ STACKLENS_RPC_LOCAL: 'http://127.0.0.1:8545' }).chains.local).toBeUndefined()
    expect(hasRealRpc({ STACKLENS_RPC_LOCAL: 'http://127.0.0.1:8545' })).toBe(false)
  })

  it('every configured market has distinct ids', () => {
    const ids = AAVE_V3_MARKETS.map((m) => m.id)
    expect(new Set(ids).size).toBe(ids.length)
  })
})
