import { CHAINS, type ChainKey } from '../../chains/registry.js'
import type { Address } from '../../core/address.js'
import { AAVE_V3_BOOK_POOLS, type AaveV3BookPool } from './book-data.js'

/** One Aave v3 (or fork) market: the addresses the adapter reads. */
export interface AaveMarketConfig {
  /** Stable market id, e.g. "aave-v3-ethereum", "aave-v3-ethereum-lido", "spark-ethereum". */
  id: string
  /** Protocol key reported on positions: "aave-v3", or the fork's name ("spark"). */
  protocol: string
  name: string
  /** The chain key: one of the registry's, or a chain declared in STACKLENS_CONFIG. */
  chain: string
  poolAddressesProvider: Address
  pool: Address
  uiPoolDataProvider: Address
  /** The market's AaveOracle (base-currency prices), when known. */
  oracle?: Address
  /** The market's AaveProtocolDataProvider, when known. */
  protocolDataProvider?: Address
  /** The `@aave-dao/aave-address-book` export it comes from (e.g. "AaveV3EthereumLido"). */
  bookKey?: string
  /** The version the deployment is known to run (the devchain's); detected at each read otherwise. */
  version?: string
  /** Where the addresses come from when not the address book (a manifest, a config file). */
  source?: string
}

export type { AaveV3BookPool }
/**
 * Every Aave v3 pool of `@aave-dao/aave-address-book` on a main network: each `AaveV3<Chain>[<Instance>]`
 * export with a Pool, a PoolAddressesProvider and a UiPoolDataProviderV3 (Core, Prime/Lido,
 * EtherFi, Horizon, ... on every chain the book lists), testnets excluded, by chain id with the
 * chain's Core (shortest key) first. `CHAIN_ID` and `bookKey` say where each one is;
 * {@link aaveMarketsFromBook} binds those on stacklens' chains. Extracted from the installed book
 * by scripts/gen-aave-book.ts into ./book-data.ts (the whole book would be ~495 KiB in the Worker).
 */
export { AAVE_V3_BOOK_POOLS }

/** Chain key of a chain id among the chains stacklens knows (the devchain excluded). */
function chainKeyOf(chainId: number): ChainKey | undefined {
  return (Object.values(CHAINS).find((c) => c.chainId === chainId && c.key !== 'local') ?? undefined)?.key
}

/**
 * The Aave v3 markets of the address book on `chains` (default: every chain stacklens knows),
 * generated, no hand list: id `aave-v3-<chain>` for the chain's main ("Core") market (the book's
 * shortest key on that chain, e.g. AaveV3Ethereum) and `aave-v3-<chain>-<instance>` for the other
 * instances (AaveV3EthereumLido -> "aave-v3-ethereum-lido", EtherFi -> "aave-v3-ethereum-etherfi",
 * Horizon -> "aave-v3-ethereum-horizon").
 */
export function aaveMarketsFromBook(chains?: readonly ChainKey[]): AaveMarketConfig[] {
  const core = new Map<number, string>()
  for (const m of AAVE_V3_BOOK_POOLS) if (!core.has(m.CHAIN_ID)) core.set(m.CHAIN_ID, m.bookKey)
  const out: AaveMarketConfig[] = []
  for (const m of AAVE_V3_BOOK_POOLS) {
    const chain = chainKeyOf(m.CHAIN_ID)
    if (!chain || (chains && !chains.includes(chain))) continue
    const coreKey = core.get(m.CHAIN_ID)!
    const instance = m.bookKey.startsWith(coreKey) ? m.bookKey.slice(coreKey.length) : m.bookKey.slice(6)
    const chainName = CHAINS[chain].name
    out.push({
      id: instance ? `aave-v3-${chain}-${instance.toLowerCase()}` : `aave-v3-${chain}`,
      protocol: 'aave-v3',
      name: instance ? `Aave v3 ${chainName} ${instance}` : `Aave v3 ${chainName} Core`,
      chain,
      poolAddressesProvider: m.POOL_ADDRESSES_PROVIDER as Address,
      pool: m.POOL as Address,
      uiPoolDataProvider: m.UI_POOL_DATA_PROVIDER as Address,
      ...(m.ORACLE ? { oracle: m.ORACLE as Address } : {}),
      ...(m.AAVE_PROTOCOL_DATA_PROVIDER
        ? { protocolDataProvider: m.AAVE_PROTOCOL_DATA_PROVIDER as Address }
        : {}),
      bookKey: m.bookKey,
    })
  }
  return out
}

/**
 * SparkLend, an Aave v3 fork served by the same adapter (not in the Aave address book; addresses
 * from Spark's published deployment list: PoolAddressesProvider 0x02C3…93eE, Pool 0xC13e…E987,
 * UiPoolDataProviderV3 0xF028…e8Bb on Ethereum and Gnosis).
 */
export const SPARK_MARKETS: readonly AaveMarketConfig[] = [
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

/**
 * Every market the Aave v3 adapter serves on stacklens' chains: all address-book v3 instances
 * ({@link aaveMarketsFromBook}) plus Spark. This is what the composition root binds per chain
 * ({@link aaveMarketsForChain}).
 */
export const AAVE_V3_MARKETS: readonly AaveMarketConfig[] = [...aaveMarketsFromBook(), ...SPARK_MARKETS]

/** The Aave v3 (and Spark) markets of one chain, Core first; empty for `local` and unknown chains. */
export function aaveMarketsForChain(chain: ChainKey): AaveMarketConfig[] {
  return AAVE_V3_MARKETS.filter((m) => m.chain === chain)
}

/**
 * The AaveOracle of each chain's Core Aave v3 market (USD, 8 decimals; from the address book):
 * the USD price source for assets other protocols price only relative to each other.
 */
export const USD_PRICE_ORACLES: Partial<Record<ChainKey, Address>> = Object.fromEntries(
  aaveMarketsFromBook()
    .filter((m) => m.id === `aave-v3-${m.chain}` && m.oracle)
    .map((m) => [m.chain, m.oracle!]),
)
