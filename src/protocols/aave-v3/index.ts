import type { ProtocolAdapter } from '../types.js'
import { planAaveHealth } from './health-read.js'
import { readAaveV3Rates } from './rates.js'
import { planAaveWallet } from './read.js'

export type { AaveMarketConfig } from './markets.js'
export { AAVE_V3_MARKETS, aaveMarketsForChain, aaveMarketsFromBook } from './markets.js'

/**
 * The Aave v3 adapter, also serving Aave v3 forks (Spark) configured as markets of it. Detects
 * each market's version (Pool revision + periphery layout probes: v3.0-v3.2 legacy, v3.3 ... v3.7)
 * and applies that version's layouts, rounding and rules; states it in `details.version`.
 */
export const aaveV3Adapter: ProtocolAdapter = {
  key: 'aave-v3',
  name: 'Aave v3 (and forks: Spark)',
  planWallet: (chain, user) => chain.aaveMarkets.map((market) => planAaveWallet(market, user)),
  planHealth: (chain, user) => chain.aaveMarkets.map((market) => planAaveHealth(market, user)),
  readRates: readAaveV3Rates,
  listMarkets: (chain) =>
    chain.aaveMarkets.map((m) => ({
      id: m.id,
      protocol: m.protocol,
      name: m.name,
      version: m.version ?? null,
      source:
        m.source ??
        (m.bookKey
          ? `@aave-dao/aave-address-book (${m.bookKey})`
          : m.protocol === 'spark'
            ? "Spark's deployment list"
            : 'configuration'),
    })),
}
