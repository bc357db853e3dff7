import type { ProtocolAdapter } from '../types.js'
import { planAaveWallet } from './read.js'

export type { AaveMarketConfig } from './markets.js'
export { AAVE_MARKETS } from './markets.js'

/**
 * The Aave v3 adapter, also serving Aave v3 forks (Spark) configured as markets of it. Reads
 * both UiPoolDataProviderV3 layouts (v3.0 and v3.3+), detecting which one a market speaks.
 */
export const aaveV3Adapter: ProtocolAdapter = {
  key: 'aave-v3',
  name: 'Aave v3 (and forks: Spark)',
  planWallet: (chain, user) => chain.aaveMarkets.map((market) => planAaveWallet(market, user)),
}
