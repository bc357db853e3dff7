/**
 * The markets whose adapters enumerate their own positions market-wide
 * ({@link ProtocolAdapter.listMarketPositions}: each Comet from its borrower events, each GMX v2
 * deployment from its DataStore position list), prepared at one block like
 * src/markets/prepared-market.ts prepares an Aave or Morpho market: the positions, the wrapper
 * rates at that block, each position's resolver contributions, and per shocked risk asset the
 * cascade inputs of the lending ones. Kept in the root's prepared-market cache per (chain, block
 * number, block hash) when every position could be read, so a second request at the same block
 * reads nothing.
 */
import type { ChainClient } from '../chains/client.js'
import type { Deadline } from '../chains/deadline.js'
import type { LogBudget } from '../chains/log-budget.js'
import type { Address } from '../core/address.js'
import { BaseError } from '../core/errors.js'
import type { Position } from '../core/types.js'
import type { ReadCaches } from '../protocols/read-caches.js'
import type { ChainRuntime, MarketPositionsRead, ProtocolAdapter } from '../protocols/types.js'
import { positionContributions, referencePrices } from '../resolve/contributions.js'
import type { StressInput } from '../risk/stress.js'
import { resolveMarket } from './market-ref.js'
import { cascadeMemo, type PreparedMarketAssets, type PreparedMarketCascade } from './prepared-market.js'
import { readRatesAt } from './read-rates-at.js'

/** One adapter-enumerated market prepared at one block. */
export interface PreparedAdapterMarket {
  chain: string
  /** The market id the adapter reads (a Comet's id, a GMX deployment's id). */
  market: string
  protocol: string
  kind: 'lending' | 'perp'
  source: MarketPositionsRead['source']
  /** Holders (or position keys) the source named. */
  candidates: number
  blockNumber: bigint
  /** Unix seconds of that block. */
  timestamp: bigint
  /** Open positions; `owners[i]` holds `positions[i]` (a perp holder may hold several). */
  positions: Position[]
  owners: Address[]
  unavailable: MarketPositionsRead['unavailable']
  /**
   * `inputs[i]` is `positions[i]` with its contributions; id = the owner (lending), or
   * `<owner>/<position market>/<long|short>` (perps: an account holds one position per market and side).
   */
  inputs: StressInput[]
  /** USD per unit of each risk asset as these positions value it at par (median over the legs). */
  referencePrices: Record<string, number>
  /** The lending cascade view for `asset` (upper case); perps are not in it. */
  cascadeFor(asset: string): PreparedMarketCascade
}

/** Params of {@link prepareAdapterMarkets}. */
export interface PrepareAdapterMarketsParams {
  client: ChainClient
  chain: ChainRuntime
  /** The EVM adapters (the root's); those without `listMarketPositions` are skipped. */
  adapters: readonly ProtocolAdapter[]
  assets: PreparedMarketAssets
  blockNumber: bigint
  /** The block's hash: with `caches`, the result is cached under (chain, number, hash). */
  blockHash?: string
  caches?: ReadCaches
  deadline?: Deadline | undefined
  logBudget?: LogBudget | undefined
  /**
   * Only these market ids (the adapters' {@link MarketPositionsContext.markets} filter): the
   * adapters read nothing else. Absent: every adapter market of the chain.
   */
  markets?: readonly string[] | undefined
}

/** What {@link prepareAdapterMarkets} returns. */
export interface PreparedAdapterMarkets {
  markets: PreparedAdapterMarket[]
  /** The adapters' markets they cannot enumerate, with the reason. */
  notEnumerated: { market: string; protocol: string; reason: string }[]
}

const sideOf = (p: Position) => (p.legs.some((l) => l.side === 'short') ? 'short' : 'long')

/**
 * Every adapter's market-wide positions at `blockNumber` (adapters one after the other), with
 * their contributions resolved at the rates of that block.
 * @throws the adapters' coded errors (RPC, range, budget, timeout).
 */
export async function prepareAdapterMarkets(
  params: PrepareAdapterMarketsParams,
): Promise<PreparedAdapterMarkets> {
  const { client, chain, blockNumber } = params
  const cache = params.blockHash ? params.caches?.preparedMarkets.adapterMarkets : undefined
  const key = adapterMarketsKey(chain, blockNumber, params.blockHash, params.markets)
  const hit = cache?.get(key)
  if (hit) return hit
  const reads: MarketPositionsRead[] = []
  const notEnumerated: PreparedAdapterMarkets['notEnumerated'] = []
  for (const adapter of params.adapters) {
    if (!adapter.listMarketPositions) continue
    const list = await adapter.listMarketPositions({
      client,
      chain,
      blockNumber,
      deadline: params.deadline,
      logBudget: params.logBudget,
      ...(params.markets ? { markets: params.markets } : {}),
    })
    reads.push(...list.markets)
    notEnumerated.push(...list.notEnumerated)
  }
  if (reads.length === 0) {
    const empty = { markets: [], notEnumerated }
    cache?.set(key, empty)
    return empty
  }
  const { rates } = await readRatesAt({
    client,
    chain,
    calls: params.assets.rateCallsFor(chain.key),
    blockNumber,
    ...(params.deadline ? { deadline: params.deadline } : {}),
  })
  const markets = reads.map((read): PreparedAdapterMarket => {
    const { contexts, fallback } = params.assets.contextsFrom([
      { chain: chain.key, timestamp: read.timestamp, rates },
    ])
    const identified = read.positions.map((position, i) => ({
      id:
        read.kind === 'perp'
          ? `${read.owners[i]}/${position.market}/${sideOf(position)}`
          : (read.owners[i] as string),
      position,
    }))
    const prices = referencePrices(identified, contexts, fallback)
    const ctx = contexts[chain.key] ?? fallback
    const inputs: StressInput[] = identified.map(({ id, position }) => ({
      id,
      position,
      contributions: positionContributions(id, position, ctx, prices),
    }))
    const lending = read.kind === 'lending' ? inputs : []
    return {
      chain: chain.key,
      market: read.market,
      protocol: read.protocol,
      kind: read.kind,
      source: read.source,
      candidates: read.candidates,
      blockNumber: read.blockNumber,
      timestamp: read.timestamp,
      positions: read.positions,
      owners: read.owners,
      unavailable: read.unavailable,
      inputs,
      referencePrices: Object.fromEntries(prices.get(chain.key) ?? []),
      cascadeFor: cascadeMemo(lending),
    }
  })
  const result = { markets, notEnumerated }
  const positions = markets.reduce((a, m) => a + m.positions.length, 0)
  if (
    cache &&
    markets.every((m) => m.unavailable.length === 0) &&
    positions <= (params.caches?.preparedMarkets.maxPositions ?? 0)
  )
    cache.set(key, result)
  return result
}

/** The prepared-market cache key of a (possibly filtered) read: `|*` for the whole chain. */
function adapterMarketsKey(
  chain: ChainRuntime,
  blockNumber: bigint,
  blockHash: string | undefined,
  markets: readonly string[] | undefined,
): string {
  const which = markets === undefined ? '*' : [...markets].sort().join(',')
  return `${chain.key}|${blockNumber}|${blockHash}|${which}`
}

/** Whether `market` is read by the market layer (an Aave market id or a Morpho id), not an adapter. */
export function isMarketLayerId(chain: ChainRuntime, market: string): boolean {
  try {
    resolveMarket(chain, market)
    return true
  } catch {
    return false
  }
}

/**
 * Whether one of `adapters` that enumerates market-wide ({@link ProtocolAdapter.listMarketPositions})
 * lists `market` on `chain` among its markets (`listMarkets`: a Comet id, a GMX deployment id, an
 * Aave V4 Spoke id).
 */
export function listsAdapterMarket(
  adapters: readonly ProtocolAdapter[],
  chain: ChainRuntime,
  market: string,
): boolean {
  return adapters.some(
    (a) =>
      typeof a.listMarketPositions === 'function' &&
      (a.listMarkets?.(chain) ?? []).some((m) => m.id === market),
  )
}

/** Params of {@link prepareAdapterMarket}. */
export interface PrepareAdapterMarketParams extends PrepareAdapterMarketsParams {
  /** The market id, as the adapter lists it. */
  market: string
}

/**
 * One adapter-enumerated market prepared at `blockNumber`: narrowed from the chain-wide read when
 * the root's cache holds one at this block (a chain route ran first), else read alone (the
 * adapters' `markets` filter: no other Comet, GMX deployment or V4 deployment is read) and cached
 * under that filter. Both give the same market: its adapter reads it the same way either way.
 * @throws NOT_FOUND when no enumerating adapter lists `market` on the chain; INVALID_REQUEST when
 *   its adapter lists it but cannot enumerate it at this block (with the adapter's reason); the
 *   adapters' coded errors (RPC, range, budget, timeout).
 */
export async function prepareAdapterMarket(
  params: PrepareAdapterMarketParams,
): Promise<PreparedAdapterMarket> {
  const { chain, market } = params
  if (!listsAdapterMarket(params.adapters, chain, market))
    throw new BaseError('NOT_FOUND', `unknown market "${market}" on chain "${chain.key}"`, {
      context: { chain: chain.key, market },
    })
  const cache = params.blockHash ? params.caches?.preparedMarkets.adapterMarkets : undefined
  const chainWide = cache?.get(adapterMarketsKey(chain, params.blockNumber, params.blockHash, undefined))
  const all = chainWide ?? (await prepareAdapterMarkets({ ...params, markets: [market] }))
  const found = all.markets.find((m) => m.market === market)
  if (found) return found
  const why = all.notEnumerated.find((n) => n.market === market)
  throw new BaseError(
    'INVALID_REQUEST',
    `${market} on ${chain.key} cannot be enumerated market-wide at block ${params.blockNumber}: ${why?.reason ?? 'its adapter read no such market'}`,
    { context: { chain: chain.key, market } },
  )
}
