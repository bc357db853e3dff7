/**
 * A lending market prepared for market-wide risk at one block: every borrower's lean position
 * (src/markets/read-market-positions.ts with `lean`), the wrapper rates at that block, each
 * position's resolver contributions, and per shocked risk asset the cascade inputs with their
 * sorted thresholds ({@link prepareCascade}). Prepared once per (chain, market, block) and kept in
 * the root's {@link PreparedMarketCache}, so a second request at the same block reads nothing but
 * the block header and reuses it: the market cascade, the leverage metrics and the systemic
 * cascade all start from here. At a later block, an Aave market's latest read is carried over:
 * the users no event of the Pool or its reserves' tokens named in between keep their
 * getUserReservesData answer (their getUserAccountData, the HF check to the wei, is read at the
 * new block) and the no-debt ones stay no-debt without a read; without a subgraph, the candidate
 * borrowers are the latest read's plus the onBehalfOf of the Borrow events the same scan finds
 * (the Borrow logs are not scanned from block 0 again).
 */
import { toEventSelector } from 'viem'
import type { RateCall } from '../assets/rates.js'
import type { ResolveContext } from '../assets/resolve.js'
import type { RawResult } from '../chains/batch.js'
import { resolveBlock, rpcRequest } from '../chains/block.js'
import type { ChainClient } from '../chains/client.js'
import type { Deadline } from '../chains/deadline.js'
import type { LogBudget } from '../chains/log-budget.js'
import { scanLogs } from '../chains/log-scan.js'
import type { Address } from '../core/address.js'
import { BaseError, RpcError } from '../core/errors.js'
import { readUniswapV3Pool, type UniswapV3PoolRead } from '../dex/uniswap-v3.js'
import type { ReadCaches } from '../protocols/read-caches.js'
import type { ChainRuntime } from '../protocols/types.js'
import { positionContributions, referencePrices } from '../resolve/contributions.js'
import { type PreparedCascade, prepareCascade } from '../risk/cascade.js'
import { type MarketCascadeInputs, marketCascadeInputs } from '../risk/market-cascade.js'
import type { StressInput } from '../risk/stress.js'
import { assertMarketListed } from './assert-market-listed.js'
import { AAVE_BORROW_EVENT, sortAddresses } from './enumerate-borrowers-from-logs.js'
import { type MarketBorrowers, marketBorrowers } from './market-borrowers.js'
import { resolveMarket } from './market-ref.js'
import { type MarketReuseBase, REUSE_MAX_BORROWERS } from './prepared-market-cache.js'
import type { MarketReuse } from './read-market-positions.js'
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
  /**
   * USD per unit of each risk asset as the positions value it at par (WETH for ETH, stablecoins
   * for USD): the median over the legs, what the contributions were resolved with.
   */
  referencePrices: Record<string, number>
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
  /**
   * The header of that block (of the head when `blockNumber` is omitted) when the caller has just
   * read it ({@link readBlockRef}): not read again.
   */
  block?: BlockHeaderRef
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
  /** The caller knows `blockNumber` is at or below the head (e.g. an ancestor of a block just read): no head read. */
  belowHead?: boolean
}): Promise<BlockHeaderRef> {
  const { client, chain } = params
  const deadline = params.deadline ? { deadline: params.deadline } : {}
  if (params.blockNumber !== undefined && !params.belowHead) {
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

/** The per-asset cascade views of `inputs`, each computed on first use and kept. */
export function cascadeMemo(inputs: readonly StressInput[]): (asset: string) => PreparedMarketCascade {
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
 * resolved (contributions) and kept (unless it has more positions than the cache keeps, or a
 * borrower could not be read).
 * A market with no borrower at all is checked to exist (NOT_FOUND for a Morpho id the singleton
 * does not know).
 * @throws the errors of {@link marketBorrowers} (NOT_FOUND, RPC, range, budget errors).
 */
export async function prepareMarket(params: PrepareMarketParams): Promise<PrepareMarketResult> {
  const { client, chain } = params
  const ref = resolveMarket(chain, params.market)
  const deadline = params.deadline ? { deadline: params.deadline } : {}
  const block =
    params.block ??
    (await readBlockRef({
      client,
      chain: chain.key,
      ...(params.blockNumber === undefined ? {} : { blockNumber: params.blockNumber }),
      ...deadline,
    }))
  const cache = params.caches?.preparedMarkets
  const key = `${chain.key}|${ref.id}|${block.blockNumber}|${block.blockHash}`
  const hit = cache?.entries.get(key)
  if (hit) return { market: hit, cached: true }

  // The latest read of this market at an ancestor block: what no event has changed since is reused.
  const latestKey = `${chain.key}|${ref.id}`
  const base = ref.kind === 'aave-v3' ? cache?.latest.get(latestKey) : undefined
  // The event scan, the rates and the borrowers' read run side by side (each pinned to the block):
  // the read awaits the scan only after its market-wide answers, the rates are awaited last.
  const reuse =
    base && ref.kind === 'aave-v3' ? reusableSince(params, base, block, ref.config.pool) : undefined
  const ratesRead = readRatesAt({
    client,
    chain,
    calls: params.assets.rateCallsFor(chain.key),
    blockNumber: block.blockNumber,
    ...deadline,
  })
  // Handled here so a failed borrowers' read leaves no unhandled rejection; awaited below.
  reuse?.catch(() => undefined)
  ratesRead.catch(() => undefined)
  // Without a subgraph the candidates are the Borrow logs' borrowers: the latest read's set plus
  // the Borrow events of the scan above, instead of every Borrow log from block 0 again.
  const knownBorrowers = reuse && !params.subgraphUrl ? reuse.then((r) => r?.borrowers) : undefined
  // Awaited inside the read (after its head check): handled here so a failed scan meanwhile is
  // not an unhandled rejection.
  knownBorrowers?.catch(() => undefined)
  const borrowers = await marketBorrowers({
    client,
    chain,
    market: params.market,
    blockNumber: block.blockNumber,
    // The head was read just now when no block was asked for.
    ...(params.blockNumber === undefined ? { head: block.blockNumber } : {}),
    ...(knownBorrowers ? { knownBorrowers } : {}),
    lean: true,
    ...(reuse ? { reuse } : {}),
    ...(cache && ref.kind === 'aave-v3' ? { keepUserReserves: true } : {}),
    ...(params.caches ? { caches: params.caches } : {}),
    ...(params.subgraphUrl ? { subgraphUrl: params.subgraphUrl } : {}),
    ...deadline,
    ...(params.logBudget ? { logBudget: params.logBudget } : {}),
  })
  const { rates } = await ratesRead
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
    referencePrices: Object.fromEntries(prices.get(chain.key) ?? []),
    cascadeFor: cascadeMemo(inputs),
  }
  const kept = borrowers.userReserves
  // The raw answers are the next block's to reuse; the prepared market does not hold them.
  delete borrowers.userReserves
  if (
    cache &&
    kept &&
    borrowers.marketAnswers &&
    borrowers.contracts &&
    borrowers.contracts.length > 0 &&
    borrowers.borrowers.length <= REUSE_MAX_BORROWERS &&
    block.blockNumber >= (cache.latest.get(latestKey)?.blockNumber ?? -1n)
  ) {
    cache.latest.set(latestKey, {
      blockNumber: block.blockNumber,
      blockHash: block.blockHash,
      marketAnswers: borrowers.marketAnswers,
      userReserves: kept,
      noDebt: new Set(borrowers.noDebt.map((a) => a.toLowerCase())),
      contracts: borrowers.contracts,
      ...(borrowers.source === 'logs' && !params.subgraphUrl ? { borrowers: borrowers.borrowers } : {}),
    })
  }
  // A market with unreadable borrowers is served but not kept: the next request may read them.
  if (cache && borrowers.unavailable.length === 0 && borrowers.positions.length <= cache.maxPositions)
    cache.entries.set(key, market)
  return { market, cached: false }
}

/** Blocks past the latest read above which a market is read afresh instead of scanning its events. */
const REUSE_MAX_BLOCKS = 10_000n
const ADDRESS_TOPIC = /^0x0{24}([0-9a-fA-F]{40})$/

/**
 * What `base` (the market's latest read, at an ancestor block) still says at `block`: every user
 * no event of the Pool or its reserves' tokens names (in any indexed topic) between the two
 * blocks. Undefined (read everything) when `base` is not an ancestor (its block was replaced),
 * is too far behind, or the events cannot be read.
 */
async function reusableSince(
  params: PrepareMarketParams,
  base: MarketReuseBase,
  block: BlockHeaderRef,
  pool: Address,
): Promise<(MarketReuse & { borrowers?: readonly Address[] }) | undefined> {
  if (!(base.blockNumber < block.blockNumber) || block.blockNumber - base.blockNumber > REUSE_MAX_BLOCKS)
    return undefined
  const { client, chain } = params
  const deadline = params.deadline ? { deadline: params.deadline } : {}
  try {
    // The base block's hash and the events since are read side by side: the events are used only
    // when the base block is still the chain's (an ancestor of `block`).
    const thenRead = readBlockRef({
      client,
      chain: chain.key,
      blockNumber: base.blockNumber,
      belowHead: true,
      ...deadline,
    })
    thenRead.catch(() => undefined)
    const logsRead = scanLogs({
      client,
      chain: chain.key,
      filter: { address: [...base.contracts], topics: [] },
      fromBlock: base.blockNumber + 1n,
      toBlock: block.blockNumber,
      head: block.blockNumber,
      span: REUSE_MAX_BLOCKS,
      what: 'the market’s events since its last read',
      ...deadline,
      ...(params.logBudget ? { logBudget: params.logBudget } : {}),
    })
    logsRead.catch(() => undefined)
    if ((await thenRead).blockHash !== base.blockHash) return undefined
    const logs = await logsRead
    const changed = new Set<string>()
    for (const log of logs)
      for (const topic of log.topics.slice(1)) {
        const m = ADDRESS_TOPIC.exec(topic)
        if (m) changed.add(`0x${m[1]!.toLowerCase()}`)
      }
    const userReserves = new Map<string, RawResult>()
    for (const [user, answer] of base.userReserves) if (!changed.has(user)) userReserves.set(user, answer)
    const noDebt = new Set<string>()
    for (const user of base.noDebt) if (!changed.has(user)) noDebt.add(user)
    // The Borrow events of the Pool since: their onBehalfOf join the latest read's candidates
    // (as enumerateBorrowersFromLogs reads them: topic 2).
    let borrowers: readonly Address[] | undefined
    if (base.borrowers) {
      const added: string[] = []
      const lowerPool = pool.toLowerCase()
      for (const log of logs)
        if (log.address.toLowerCase() === lowerPool && log.topics[0] === BORROW_TOPIC && log.topics[2])
          added.push(`0x${log.topics[2].slice(26).toLowerCase()}`)
      borrowers = added.length === 0 ? base.borrowers : sortAddresses([...base.borrowers, ...added])
    }
    return { marketAnswers: base.marketAnswers, userReserves, noDebt, ...(borrowers ? { borrowers } : {}) }
  } catch (err) {
    if (err instanceof BaseError && FATAL_REUSE.has(err.code)) throw err
    return undefined
  }
}

/** topic 0 of the Aave Pool's Borrow event. */
const BORROW_TOPIC = toEventSelector(AAVE_BORROW_EVENT)

/** Errors that fail the request rather than falling back to a full read. */
const FATAL_REUSE = new Set(['UPSTREAM_TIMEOUT'])

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
