import type { ChainRuntime, ProtocolAdapter } from '../types.js'
import { listAaveV4MarketPositions } from './market-positions.js'
import { AAVE_V4_DEPLOYMENTS, type AaveV4Deployment } from './markets.js'
import { readAaveV4Rates } from './rates.js'
import { type AaveV4Discovery, type AaveV4LogCache, discoverAaveV4, planAaveV4Wallet } from './read.js'

export type { AaveV4Deployment, AaveV4SpokeConfig } from './markets.js'
export {
  AAVE_V4_BOOK_DEPLOYMENTS,
  AAVE_V4_DEPLOYMENTS,
  InvalidAaveV4ConfigError,
  parseAaveV4ConfigEntry,
} from './markets.js'
export type { AaveV4CachedLogs, AaveV4LogCache } from './read.js'
export { AAVE_V4_LOG_CACHE_DEPTH, createAaveV4LogCache } from './read.js'
export type { AaveV4LiquidationRule } from './types.js'

/** The deployments the adapter reads on `chain`: its own `aaveV4` list, else the book's for its key. */
export function aaveV4DeploymentsOf(chain: ChainRuntime): readonly AaveV4Deployment[] {
  const own = chain.aaveV4
  if (own) return own
  const book = AAVE_V4_DEPLOYMENTS[chain.key as keyof typeof AAVE_V4_DEPLOYMENTS] ?? []
  return book.filter((d) => d.chainId === chain.chainId)
}

/**
 * An Aave V4 adapter reading the deployments `deploymentsOf(chain)` returns: discovers the
 * wallet's Spokes and reserves from events, reads each Spoke in the shared batch and serves one
 * position per Spoke (health factor equal to the Spoke's, risk premium current vs stored, premium
 * debt apart from drawn debt, liquidation prices on the Spoke's own formula, a typed
 * target-health-factor liquidation rule under `details.liquidationRule`). With `options.logs` the
 * deployments' market-fact logs are learnt once and extended (the root's cache), not re-read per
 * request; without it every discovery reads them from the deployment block.
 */
export function createAaveV4Adapter(
  deploymentsOf: (chain: ChainRuntime) => readonly AaveV4Deployment[] = aaveV4DeploymentsOf,
  options: { logs?: AaveV4LogCache } = {},
): ProtocolAdapter {
  return {
    key: 'aave-v4',
    name: 'Aave V4 (Hub & Spoke)',
    discover: async (ctx) => {
      const deployments = deploymentsOf(ctx.chain)
      return deployments.length === 0 ? undefined : discoverAaveV4(ctx, deployments, options.logs)
    },
    listMarkets: (chain) =>
      deploymentsOf(chain).flatMap((d) =>
        d.spokes.map((s) => ({
          id: s.id,
          protocol: 'aave-v4',
          name: `${s.name} (${d.id})`,
          version: null,
          source: d.source,
        })),
      ),
    planWallet: (chain, user, discovered) =>
      planAaveV4Wallet(chain, deploymentsOf(chain), user, discovered as AaveV4Discovery | undefined),
    readRates: (ctx, positions) => readAaveV4Rates(ctx, positions, deploymentsOf(ctx.chain)),
    listMarketPositions: (ctx) => listAaveV4MarketPositions(ctx, deploymentsOf(ctx.chain), options.logs),
  }
}

/** The Aave V4 adapter over each chain's bound (or address-book) deployments. */
export const aaveV4Adapter: ProtocolAdapter = createAaveV4Adapter()
