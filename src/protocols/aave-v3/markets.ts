import {
  AaveV3Arbitrum,
  AaveV3Base,
  AaveV3Ethereum,
  AaveV3Optimism,
  AaveV3Polygon,
} from '@aave-dao/aave-address-book'
import type { ChainKey } from '../../chains/registry.js'
import type { Address } from '../../core/address.js'

/** One Aave v3 (or fork) market: the addresses the adapter reads. */
export interface AaveMarketConfig {
  /** Stable market id, e.g. "aave-v3-ethereum", "spark-ethereum". */
  id: string
  /** Protocol key reported on positions: "aave-v3", or the fork's name ("spark"). */
  protocol: string
  name: string
  chain: ChainKey
  poolAddressesProvider: Address
  pool: Address
  uiPoolDataProvider: Address
}

/**
 * Real Aave v3 markets (addresses from `@aave-dao/aave-address-book`) and Spark, an Aave v3
 * fork served by the same adapter (addresses from Spark's published deployment list:
 * PoolAddressesProvider 0x02C3…93eE, Pool 0xC13e…E987, UiPoolDataProviderV3 0xF028…e8Bb on
 * Ethereum and Gnosis).
 */
export const AAVE_MARKETS: readonly AaveMarketConfig[] = [
  fromBook('aave-v3-ethereum', 'Aave v3 Ethereum Core', 'ethereum', AaveV3Ethereum),
  fromBook('aave-v3-arbitrum', 'Aave v3 Arbitrum', 'arbitrum', AaveV3Arbitrum),
  fromBook('aave-v3-base', 'Aave v3 Base', 'base', AaveV3Base),
  fromBook('aave-v3-optimism', 'Aave v3 Optimism', 'optimism', AaveV3Optimism),
  fromBook('aave-v3-polygon', 'Aave v3 Polygon', 'polygon', AaveV3Polygon),
  {
    id: 'spark-ethereum',
    protocol: 'spark',
    name: 'SparkLend Ethereum',
    chain: 'ethereum',
    poolAddressesProvider: '0x02C3eA4e34C0cBd694D2adFa2c690EECbC1793eE',
    pool: '0xC13e21B648A5Ee794902342038FF3aDAB66BE987',
    uiPoolDataProvider: '0xF028c2F4b19898718fD0F77b9b881CbfdAa5e8Bb',
  },
  {
    id: 'spark-gnosis',
    protocol: 'spark',
    name: 'SparkLend Gnosis',
    chain: 'gnosis',
    poolAddressesProvider: '0xA98DaCB3fC964A6A0d2ce3B77294241585EAbA6d',
    pool: '0x2Dae5307c5E3FD1CF5A72Cb6F698f915860607e0',
    uiPoolDataProvider: '0xF028c2F4b19898718fD0F77b9b881CbfdAa5e8Bb',
  },
]

function fromBook(
  id: string,
  name: string,
  chain: ChainKey,
  book: { POOL_ADDRESSES_PROVIDER: string; POOL: string; UI_POOL_DATA_PROVIDER: string },
): AaveMarketConfig {
  return {
    id,
    protocol: 'aave-v3',
    name,
    chain,
    poolAddressesProvider: book.POOL_ADDRESSES_PROVIDER as Address,
    pool: book.POOL as Address,
    uiPoolDataProvider: book.UI_POOL_DATA_PROVIDER as Address,
  }
}

/**
 * The AaveOracle of each chain's main Aave v3 market (USD, 8 decimals; from the address book):
 * the USD price source for assets other protocols price only relative to each other.
 */
export const USD_PRICE_ORACLES: Partial<Record<ChainKey, Address>> = {
  ethereum: AaveV3Ethereum.ORACLE as Address,
  arbitrum: AaveV3Arbitrum.ORACLE as Address,
  base: AaveV3Base.ORACLE as Address,
  optimism: AaveV3Optimism.ORACLE as Address,
  polygon: AaveV3Polygon.ORACLE as Address,
}
