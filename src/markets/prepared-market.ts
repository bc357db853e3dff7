/**
 * A lending market prepared for market-wide risk at one block: every borrower's lean position
 * (src/markets/read-market-positions.ts with `lean`), the wrapper rates at that block, each
 * position's resolver contributions, and per shocked risk asset the cascade inputs with their
 * sorted thresholds ({@link prepareCascade}). Prepared once per (chain, market, block) and kept in
 * the root's {@link PreparedMarketCache}, so a second request at the same block reads nothing but
 * the block header and reuses it: the market cascade, the leverage metrics and the systemic
 * cascade all start from here.
 */
import type { RateCall } from '../assets/rates.js'
import type { ResolveContext } from '../assets/resolve.js'
import { resolveBlock, rpcRequest } from '../chains/block.js'
import type { ChainClient } from '../chains/client.js'
import type { Deadline } from '../chains/deadline.js'
import type { LogBudget } from '../chains/log-budget.js'
import type { Address } from '../core/address.js'
import { RpcError } from '../core/errors.js'
import { readUniswapV3Pool, type UniswapV3PoolRead } from '../dex/uniswap-v3.js'
import type { ReadCaches } from '../protocols/read-caches.js'
import type { ChainRuntime } from '../protocols/types.js'
import { positionContributions, referencePrices } from '../resolve/contributions.js'
import { type PreparedCascade, prepareCascade } from '../risk/cascade.js'
import { type MarketCascadeInputs, marketCascadeInputs } from '../risk/market-cascade.js'
import type { StressInput } from '../risk/stress.js'
import { assertMarketListed } from './assert-market-listed.js'
import { type MarketBorrowers, marketBorrowers } from './market-borrowers.js'
import { resolveMarket } from './market-ref.js'
import { readRatesAt } from './read-rates-at.js'

/** What a prepared market needs of the asset graphs (the report layer's `AssetContexts` fits). */
export interface PreparedMarketAssets {
  /** The asset graph's rate calls of a chain. */
  rateCallsFor(chain: string): RateCall[]
  /** Resolve contexts from the rates (WAD by asset key) and time read at one block. */
  contextsFrom(reads: readonly { chain: string; timestamp: bigint; rates: Record<string, bigint> }[]): {
    contexts: Record<string, ResolveContext>
    fallback: ResolveContext
  }
}

/** One shocked risk asset's view of a prepared market, computed once per market and asset. */
export interface PreparedMarketCascade {
  /** The risk asset, upper case. */
  asset: string
  /** The positions as cascade inputs (float, USD and units of the asset), with the excluded ones. */
  inputs: MarketCascadeInputs
  /** Their tranches sorted by threshold price (float typed arrays). */
  prepared: PreparedCascade
  /** Units of the asset held as counted collateral by the positions in the cascade (float). */
  collateralUnits: number
}

/** A lending market prepared at one block. */
export interface PreparedMarket {
  chain: string
  /** The market as requested (Aave market id or Morpho market id). */
  market: string
  blockNumber: bigint
  /** The block's hash (the cache key's guard against a replaced block). */
  blockHash: string
  /** Unix seconds of that block. */
  timestamp: bigint
  /** The borrowers and their lean positions (Aave: no `liquidationPrices`) at the block. */
  borrowers: MarketBorrowers
  /** Wrapper rates at the block, WAD by asset key. */
  rates: Record<string, bigint>
  /** `inputs[i]` is `borrowers.positions[i]` with id `borrowers.owners[i]` and its contributions. */
  inputs: StressInput[]
  /** The cascade view for `asset` (upper case), computed on first use and kept with the market. */
  cascadeFor(asset: string): PreparedMarketCascade
}

/** Params of {@link prepareMarket}. */
export interface PrepareMarketParams {
  client: ChainClient
  chain: ChainRuntime
  /** An Aave market id of the chain or a Morpho market id (bytes32). */
  market: string
  assets: PreparedMarketAssets
  /** The root's caches; `preparedMarkets` is used when present. */
  caches?: ReadCaches
  /** The block; the head when omitted. */
  blockNumber?: bigint
  subgraphUrl?: string
  deadline?: Deadline
  logBudget?: LogBudget
}

/** A prepared market and whether it came from the cache. */
export interface PrepareMarketResult {
  market: PreparedMarket
  /** True when the market was taken from the cache (only the block header was read). */
  cached: boolean
}

/** A block's number and hash. */
export interface BlockHeaderRef {
  blockNumber: bigint
  blockHash: string
}

const QUANTITY = /^0x[0-9a-fA-F]{1,64}$/
const HASH = /^0x[0-9a-fA-F]{64}$/

/**
 * The number and hash of `blockNumber` (one eth_getBlockByNumber), or of the head when omitted.
 * @throws BlockOutOfRangeError for a block above the head; RpcError for a header without them.
 */
export async function readBlockRef(params: {
  client: ChainClient
  chain: string
  blockNumber?: bigint
  deadline?: Deadline
}): Promise<BlockHeaderRef> {
  const { client, chain } = params
  const deadline = params.deadline ? { deadline: params.deadline } : {}
  if (params.blockNumber !== undefined) {
    await resolveBlock({ client, chain, blockNumber: params.blockNumber, ...deadline })
  }
  const tag = params.blockNumber === undefined ? 'latest' : `0x${params.blockNumber.toString(16)}`
  const header = await rpcRequest<{ number?: unknown; hash?: unknown } | null>({
    client,
    chain,
    args: { method: 'eth_getBlockByNumber', params: [tag as `0x${string}`, false] },
    ...deadline,
    ...(params.blockNumber === undefined ? {} : { blockNumber: params.blockNumber }),
  })
  const n = header?.number
  const h = header?.hash
  if (typeof n !== 'string' || !QUANTITY.test(n) || typeof h !== 'string' || !HASH.test(h)) {
    throw new RpcError(chain, 'the block header has no number or hash', undefined, 'eth_getBlockByNumber')
  }
  return { blockNumber: BigInt(n), blockHash: h.toLowerCase() }
}

function cascadeMemo(inputs: readonly StressInput[]): (asset: string) => PreparedMarketCascade {
  const byAsset = new Map<string, PreparedMarketCascade>()
  return (asset) => {
    let view = byAsset.get(asset)
    if (!view) {
      const converted = marketCascadeInputs(inputs, asset)
      view = {
        asset,
        inputs: converted,
        prepared: prepareCascade(converted.positions),
        collateralUnits: converted.positions.reduce((a, p) => a + p.collateral, 0),
      }
      byAsset.set(asset, view)
    }
    return view
  }
}

/**
 * The market prepared at one block: from the root's cache when it holds this (chain, market,
 * block number, block hash), else read (borrowers, lean positions, rates at the same block),
 * resolved (contributions) and kept (unless it has more positions than the cache keeps).
 * A market with no borrower at all is checked to exist (NOT_FOUND for a Morpho id the singleton
 * does not know).
 * @throws the errors of {@link marketBorrowers} (NOT_FOUND, RPC, range, budget errors).
 */
export async function prepareMarket(params: PrepareMarketParams): Promise<PrepareMarketResult> {
  const { client, chain } = params
  const ref = resolveMarket(chain, params.market)
  const deadline = params.deadline ? { deadline: params.deadline } : {}
  const block = await readBlockRef({
    client,
    chain: chain.key,
    ...(params.blockNumber === undefined ? {} : { blockNumber: params.blockNumber }),
    ...deadline,
  })
  const cache = params.caches?.preparedMarkets
  const key = `${chain.key}|${ref.id}|${block.blockNumber}|${block.blockHash}`
  const hit = cache?.entries.get(key)
  if (hit) return { market: hit, cached: true }

  const borrowers = await marketBorrowers({
    client,
    chain,
    market: params.market,
    blockNumber: block.blockNumber,
    lean: true,
    ...(params.caches ? { caches: params.caches } : {}),
    ...(params.subgraphUrl ? { subgraphUrl: params.subgraphUrl } : {}),
    ...deadline,
    ...(params.logBudget ? { logBudget: params.logBudget } : {}),
  })
  const { rates } = await readRatesAt({
    client,
    chain,
    calls: params.assets.rateCallsFor(chain.key),
    blockNumber: borrowers.blockNumber,
    ...deadline,
  })
  if (borrowers.borrowers.length === 0) {
    // No borrower at all: tell an empty market from an id the protocol does not know.
    await assertMarketListed({
      client,
      chain,
      market: params.market,
      blockNumber: borrowers.blockNumber,
      ...deadline,
    })
  }
  const { contexts, fallback } = params.assets.contextsFrom([
    { chain: chain.key, timestamp: borrowers.timestamp, rates },
  ])
  const identified = borrowers.positions.map((position, i) => ({
    id: borrowers.owners[i] as string,
    position,
  }))
  const prices = referencePrices(identified, contexts, fallback)
  const ctx = contexts[chain.key] ?? fallback
  const inputs: StressInput[] = identified.map(({ id, position }) => ({
    id,
    position,
    contributions: positionContributions(id, position, ctx, prices),
  }))
  const market: PreparedMarket = {
    chain: chain.key,
    market: params.market,
    blockNumber: borrowers.blockNumber,
    blockHash: block.blockHash,
    timestamp: borrowers.timestamp,
    borrowers,
    rates,
    inputs,
    cascadeFor: cascadeMemo(inputs),
  }
  if (cache && borrowers.positions.length <= cache.maxPositions) cache.entries.set(key, market)
  return { market, cached: false }
}

/** Params of {@link readPoolStateAt}. */
export interface ReadPoolStateAtParams {
  client: ChainClient
  chain: ChainRuntime
  pool: Address
  /** The token sold into the pool. */
  asset: Address
  block: BlockHeaderRef
  caches?: ReadCaches
  deadline?: Deadline
}

/**
 * A Uniswap v3 pool's state (ticks included) at a block, from the root's pool-state cache when it
 * holds this (chain, pool, token, block number, block hash), else read ({@link readUniswapV3Pool})
 * and kept. Throws what {@link readUniswapV3Pool} throws (nothing is cached then).
 */
export async function readPoolStateAt(params: ReadPoolStateAtParams): Promise<UniswapV3PoolRead> {
  const { client, chain, block } = params
  const key = `${chain.key}|${params.pool.toLowerCase()}|${params.asset.toLowerCase()}|${block.blockNumber}|${block.blockHash}`
  const cache = params.caches?.poolStates
  const hit = cache?.get(key)
  if (hit) return hit
  const state = await readUniswapV3Pool({
    client,
    chain: chain.key,
    multicall3: chain.multicall3,
    pool: params.pool,
    asset: params.asset,
    blockNumber: block.blockNumber,
    ...(params.deadline ? { deadline: params.deadline } : {}),
  })
  cache?.set(key, state)
  return state
}
