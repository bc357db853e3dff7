/**
 * Which lending market a market-wide read is about: an Aave v3 market (a Pool, optionally one
 * reserve of it) or one Morpho Blue market (a bytes32 id in the chain's singleton).
 */
import { getAddress, type Hex } from 'viem'
import type { Address } from '../core/address.js'
import { BaseError } from '../core/errors.js'
import type { AaveMarketConfig } from '../protocols/aave-v3/markets.js'
import type { MorphoBlueConfig } from '../protocols/morpho-blue/markets.js'
import type { ChainRuntime } from '../protocols/types.js'

/** A resolved market. */
export type MarketRef =
  | {
      kind: 'aave-v3'
      /** The market id as given, e.g. "aave-v3-local". */
      id: string
      config: AaveMarketConfig
      /** Only borrowers of this reserve (underlying asset), when set. */
      reserve?: Address
    }
  | {
      kind: 'morpho-blue'
      /** The Morpho market id (bytes32, lowercase). */
      id: Hex
      config: MorphoBlueConfig
    }

const MORPHO_ID = /^0x[0-9a-fA-F]{64}$/

/**
 * Resolves `market` on `chain`: a bytes32 hex id is a Morpho Blue market of the chain's singleton;
 * anything else must be the id of one of the chain's Aave markets (`reserve` narrows it to the
 * borrowers of one reserve). Throws NOT_FOUND for a market the chain does not have.
 */
export function resolveMarket(chain: ChainRuntime, market: string, reserve?: Address): MarketRef {
  if (MORPHO_ID.test(market)) {
    if (!chain.morphoBlue) {
      throw new BaseError('NOT_FOUND', `chain "${chain.key}" has no Morpho Blue deployment`, {
        context: { chain: chain.key, market },
      })
    }
    return { kind: 'morpho-blue', id: market.toLowerCase() as Hex, config: chain.morphoBlue }
  }
  const config = chain.aaveMarkets.find((m) => m.id === market)
  if (!config) {
    const known = [...chain.aaveMarkets.map((m) => m.id), 'a Morpho market id (bytes32)'].join(', ')
    throw new BaseError('NOT_FOUND', `unknown market "${market}" on chain "${chain.key}"; known: ${known}`, {
      context: { chain: chain.key, market },
    })
  }
  return reserve === undefined
    ? { kind: 'aave-v3', id: config.id, config }
    : { kind: 'aave-v3', id: config.id, config, reserve: getAddress(reserve) }
}
