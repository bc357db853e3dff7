/**
 * The Morpho Blue adapter's I/O: discovery of a wallet's markets from the singleton's events, the
 * batched reads, and a pinned follow-up for what depends on the market parameters (oracle price,
 * IRM rate, token metadata, USD prices).
 */
import { erc20Abi, type Hex, pad, parseAbi, parseAbiItem, toEventSelector } from 'viem'
import { aaveOracleAbi } from '../../../abis/aave-pool.js'
import { decodeFunctionResultFast, encodeFunctionDataFast } from '../../chains/abi-call.js'
import type { BlockContext, RawCall, RawResult } from '../../chains/batch.js'
import { withDeadline } from '../../chains/deadline.js'
import { scanLogs } from '../../chains/log-scan.js'
import type { Address } from '../../core/address.js'
import { BoundedCache } from '../../core/bounded-cache.js'
import { BaseError, BlockOutOfRangeError, type ErrorContext } from '../../core/errors.js'
import { toFloat, WAD } from '../../core/math.js'
import type { Leg, LiquidationPrice, Position, PositionResult } from '../../core/types.js'
import type { ChainRuntime, DiscoveryContext, FollowUp, WalletReadPlan } from '../types.js'
import { fetchMorphoApiMarkets } from './api.js'
import type { MorphoBlueConfig } from './markets.js'
import {
  liquidationIncentiveFactor,
  liquidationOraclePrice,
  type MorphoMarketState,
  type MorphoPositionState,
  ORACLE_PRICE_SCALE,
  positionHealth,
} from './math.js'
import { morphoBlueLiquidationRule, morphoMarketLabel } from './position.js'

/** The Morpho Blue functions the adapter reads. */
export const morphoAbi = parseAbi([
  'struct MarketParams { address loanToken; address collateralToken; address oracle; address irm; uint256 lltv; }',
  'struct Market { uint128 totalSupplyAssets; uint128 totalSupplyShares; uint128 totalBorrowAssets; uint128 totalBorrowShares; uint128 lastUpdate; uint128 fee; }',
  'function position(bytes32 id, address user) view returns (uint256 supplyShares, uint128 borrowShares, uint128 collateral)',
  'function market(bytes32 id) view returns (uint128 totalSupplyAssets, uint128 totalSupplyShares, uint128 totalBorrowAssets, uint128 totalBorrowShares, uint128 lastUpdate, uint128 fee)',
  'function idToMarketParams(bytes32 id) view returns (address loanToken, address collateralToken, address oracle, address irm, uint256 lltv)',
  'function liquidate(MarketParams marketParams, address borrower, uint256 seizedAssets, uint256 repaidShares, bytes data) returns (uint256, uint256)',
])

const oracleAbi = parseAbi(['function price() view returns (uint256)'])

/** Events whose `onBehalf` (topic 3) is the wallet: every lender and every borrower emits one. */
const SUPPLY_COLLATERAL = parseAbiItem(
  'event SupplyCollateral(bytes32 indexed id, address indexed caller, address indexed onBehalf, uint256 assets)',
)
const SUPPLY = parseAbiItem(
  'event Supply(bytes32 indexed id, address indexed caller, address indexed onBehalf, uint256 assets, uint256 shares)',
)

/** What discovery found: the market ids the wallet has ever supplied or posted collateral to. */
export interface MorphoDiscovery {
  ids: Hex[]
}

/**
 * Finds the Morpho markets of `user` from the singleton's SupplyCollateral and Supply events
 * with `onBehalf = user` (a borrower must have posted collateral, a lender must have supplied):
 * one eth_getLogs over [deployment, head] ({@link scanLogs}: at `latest` in the head's round trip),
 * split into `logsBlockSpan` chunks when the report is pinned (chunks run concurrently) or when the
 * provider refuses the single range.
 */
export async function discoverMorphoMarkets(ctx: DiscoveryContext): Promise<MorphoDiscovery | undefined> {
  const cfg = ctx.chain.morphoBlue
  if (!cfg) return undefined
  // The API (where configured) answers for the latest state only: a pinned report scans logs.
  if (cfg.apiUrl && ctx.toBlock === undefined) {
    try {
      const url = cfg.apiUrl
      return {
        ids: await withDeadline(ctx.deadline, { upstream: 'the Morpho API', call: 'user markets' }, () =>
          fetchMorphoApiMarkets({ url, chainId: ctx.chain.chainId, user: ctx.user }),
        ),
      }
    } catch {
      // fall through to the chain's own logs
    }
  }
  // readWallet passes the head it resolved; a direct caller's toBlock is bounded by the budget.
  const head = ctx.head
  if (head !== undefined && head < cfg.fromBlock) return { ids: [] }
  if (ctx.toBlock !== undefined && head !== undefined && ctx.toBlock > head) {
    throw new BlockOutOfRangeError(ctx.chain.key, ctx.toBlock, { head })
  }
  const logs = await scanLogs({
    client: ctx.client,
    chain: ctx.chain.key,
    filter: {
      address: cfg.morpho,
      topics: [
        [toEventSelector(SUPPLY_COLLATERAL), toEventSelector(SUPPLY)],
        null,
        null,
        pad(ctx.user.toLowerCase() as Hex, { size: 32 }),
      ],
    },
    fromBlock: cfg.fromBlock,
    toBlock: ctx.toBlock,
    head,
    latestHead: ctx.latestHead,
    span: cfg.logsBlockSpan,
    what: 'Morpho Blue discovery',
    deadline: ctx.deadline,
    logBudget: ctx.logBudget,
  })
  return { ids: [...new Set(logs.map((l) => l.topics[1]!.toLowerCase() as Hex))] }
}

class MorphoReadError extends BaseError {
  override name = 'MorphoReadError'
}

/** A market's parameters (MarketParams). lltv in WAD. */
export interface MorphoParams {
  loanToken: Address
  collateralToken: Address
  oracle: Address
  irm: Address
  lltv: bigint
}

/** Immutable facts of a market: its parameters and its tokens' metadata. */
export interface MorphoMarketFacts {
  params: MorphoParams
  loan: { symbol: string; decimals: number }
  collateral: { symbol: string; decimals: number }
}

/**
 * Market facts never change for a market id, so they are cached per chain (bounded): a market
 * seen once is read in ONE round trip after discovery from then on. Keys: `chainId:marketId`.
 */
export type MorphoFactsCache = BoundedCache<string, MorphoMarketFacts>

/** A facts cache of at most `maxEntries` markets (default 10,000). */
export function createMorphoFactsCache(maxEntries = 10_000): MorphoFactsCache {
  return new BoundedCache(maxEntries)
}

/** The cache of direct library calls that pass none (the app's root injects its own). */
const defaultFacts = createMorphoFactsCache()
const factsKey = (chainId: number, id: Hex) => `${chainId}:${id.toLowerCase()}`

/** Forgets the default cache's market facts (tests and benchmarks measure cold reads with it). */
export function clearMorphoFactsCache(): void {
  defaultFacts.clear()
}

const call = (target: Address, callData: Hex): RawCall => ({ target, allowFailure: true, callData })

function ok(r: RawResult | undefined, what: string, context: ErrorContext): Hex {
  if (!r?.success) throw new MorphoReadError('PROTOCOL_READ_FAILED', `${what} reverted`, { context })
  if (r.returnData === '0x') {
    throw new MorphoReadError(
      'PROTOCOL_READ_FAILED',
      `${what} returned nothing (no contract at this block?)`,
      {
        context,
      },
    )
  }
  return r.returnData
}

const accrueAbi = parseAbi([
  'struct MarketParams { address loanToken; address collateralToken; address oracle; address irm; uint256 lltv; }',
  'function accrueInterest(MarketParams marketParams)',
])

/**
 * The calls that price and accrue one market whose parameters are known: Morpho.accrueInterest
 * runs INSIDE the aggregate3 (a state change simulated by eth_call), so the market(id) read right
 * after it carries interest accrued to the block by Morpho itself; then the oracle price and the
 * loan token's USD price (the collateral is priced through the Morpho oracle).
 */
function pricedCalls(morpho: Address, id: Hex, params: MorphoParams, usdOracle: Address | null): RawCall[] {
  return [
    call(morpho, encodeFunctionDataFast({ abi: accrueAbi, functionName: 'accrueInterest', args: [params] })),
    call(morpho, encodeFunctionDataFast({ abi: morphoAbi, functionName: 'market', args: [id] })),
    call(params.oracle, encodeFunctionDataFast({ abi: oracleAbi, functionName: 'price' })),
    usdOracle
      ? call(
          usdOracle,
          encodeFunctionDataFast({
            abi: aaveOracleAbi,
            functionName: 'getAssetPrice',
            args: [params.loanToken],
          }),
        )
      : call(params.loanToken, '0x'),
  ]
}
const PRICED_CALLS = 4

/** Calls that learn a market's facts (cold cache): idToMarketParams in the batch, token metadata after. */
function tokenCalls(params: MorphoParams): RawCall[] {
  return [
    call(params.loanToken, encodeFunctionDataFast({ abi: erc20Abi, functionName: 'symbol' })),
    call(params.loanToken, encodeFunctionDataFast({ abi: erc20Abi, functionName: 'decimals' })),
    call(params.collateralToken, encodeFunctionDataFast({ abi: erc20Abi, functionName: 'symbol' })),
    call(params.collateralToken, encodeFunctionDataFast({ abi: erc20Abi, functionName: 'decimals' })),
  ]
}

/** Params of {@link planMorphoWallet}. */
export interface PlanMorphoParams {
  chain: ChainRuntime
  config: MorphoBlueConfig
  user: Address
  ids: readonly Hex[]
  /** Where learned market facts live (the root's); the module's default cache when omitted. */
  facts?: MorphoFactsCache | undefined
}

interface MarketSlot {
  id: Hex
  facts: MorphoMarketFacts | undefined
  /** Index of this market's first call in the plan. */
  start: number
}

/**
 * The reads of `user` in each discovered market, all in the chain's one batch. A market whose
 * facts are cached is read completely there: position, accrueInterest + market, oracle price and
 * USD prices. A market seen for the first time reads position, market and idToMarketParams there,
 * and the rest (token metadata, accrual, prices) in ONE pinned follow-up shared by all new markets.
 */
export function planMorphoWallet(params: PlanMorphoParams): WalletReadPlan[] {
  const { chain, config, user, ids } = params
  const factsCache = params.facts ?? defaultFacts
  if (ids.length === 0) return []
  const calls: RawCall[] = []
  const slots: MarketSlot[] = ids.map((id) => {
    const facts = factsCache.get(factsKey(chain.chainId, id))
    const start = calls.length
    calls.push(
      call(
        config.morpho,
        encodeFunctionDataFast({ abi: morphoAbi, functionName: 'position', args: [id, user] }),
      ),
    )
    if (facts) calls.push(...pricedCalls(config.morpho, id, facts.params, chain.usdPriceOracle))
    else {
      calls.push(
        call(
          config.morpho,
          encodeFunctionDataFast({ abi: morphoAbi, functionName: 'idToMarketParams', args: [id] }),
        ),
      )
    }
    return { id, facts, start }
  })
  return [
    {
      market: `morpho-blue-${chain.key}`,
      protocol: 'morpho-blue',
      calls,
      decode: (results, block, followUp) =>
        decodeMorphoWallet(chain, config, slots, results, block, followUp, factsCache),
    },
  ]
}

interface OpenMarket {
  id: Hex
  position: MorphoPositionState
  facts: MorphoMarketFacts | undefined
  params: MorphoParams
  /** The priced results (accrue, market, oracle price, loan USD price), once known. */
  priced: RawResult[] | undefined
}

async function decodeMorphoWallet(
  chain: ChainRuntime,
  config: MorphoBlueConfig,
  slots: readonly MarketSlot[],
  results: RawResult[],
  block: BlockContext,
  followUp: FollowUp,
  factsCache: MorphoFactsCache,
): Promise<PositionResult[]> {
  const context: ErrorContext = { chain: chain.key, protocol: 'morpho-blue' }
  const open: OpenMarket[] = []
  for (const slot of slots) {
    const ctx = { ...context, market: slot.id }
    const [supplyShares, borrowShares, collateral] = decodeFunctionResultFast({
      abi: morphoAbi,
      functionName: 'position',
      data: ok(results[slot.start], 'Morpho.position', ctx),
    })
    if (supplyShares === 0n && borrowShares === 0n && collateral === 0n) continue
    const position = { supplyShares, borrowShares, collateral }
    if (slot.facts) {
      open.push({
        id: slot.id,
        position,
        facts: slot.facts,
        params: slot.facts.params,
        priced: results.slice(slot.start + 1, slot.start + 1 + PRICED_CALLS),
      })
    } else {
      const p = decodeFunctionResultFast({
        abi: morphoAbi,
        functionName: 'idToMarketParams',
        data: ok(results[slot.start + 1], 'Morpho.idToMarketParams', ctx),
      })
      open.push({
        id: slot.id,
        position,
        facts: undefined,
        params: { loanToken: p[0], collateralToken: p[1], oracle: p[2], irm: p[3], lltv: p[4] },
        priced: undefined,
      })
    }
  }
  if (open.length === 0) return []

  const cold = open.filter((o) => o.facts === undefined)
  if (cold.length > 0) {
    const per = PRICED_CALLS + 4
    const extra = await followUp(
      cold.flatMap((o) => [
        ...pricedCalls(config.morpho, o.id, o.params, chain.usdPriceOracle),
        ...tokenCalls(o.params),
      ]),
    )
    cold.forEach((o, k) => {
      const r = extra.slice(k * per, (k + 1) * per)
      o.priced = r.slice(0, PRICED_CALLS)
      const t = r.slice(PRICED_CALLS)
      const ctx = { ...context, market: o.id }
      try {
        o.facts = {
          params: o.params,
          loan: {
            symbol: decodeFunctionResultFast({
              abi: erc20Abi,
              functionName: 'symbol',
              data: ok(t[0], 'loan token symbol', ctx),
            }),
            decimals: decodeFunctionResultFast({
              abi: erc20Abi,
              functionName: 'decimals',
              data: ok(t[1], 'loan token decimals', ctx),
            }),
          },
          collateral: {
            symbol: decodeFunctionResultFast({
              abi: erc20Abi,
              functionName: 'symbol',
              data: ok(t[2], 'collateral symbol', ctx),
            }),
            decimals: decodeFunctionResultFast({
              abi: erc20Abi,
              functionName: 'decimals',
              data: ok(t[3], 'collateral decimals', ctx),
            }),
          },
        }
        factsCache.set(factsKey(chain.chainId, o.id), o.facts)
      } catch (err) {
        if (!(err instanceof BaseError)) throw err
        o.facts = undefined
      }
    })
  }

  return open.map((o): PositionResult => {
    const ctx = { ...context, market: o.id }
    try {
      if (!o.facts || !o.priced) {
        throw new MorphoReadError('PROTOCOL_READ_FAILED', 'token metadata of the market could not be read', {
          context: ctx,
        })
      }
      return buildMorphoPosition(chain, o.id, o.position, o.facts, o.priced, block, ctx)
    } catch (err) {
      if (!(err instanceof BaseError)) throw err
      return {
        status: 'unavailable',
        protocol: 'morpho-blue',
        market: o.id,
        chain: chain.key,
        kind: 'lending',
        code: err.code,
        reason: err.message,
      }
    }
  })
}

function buildMorphoPosition(
  chain: ChainRuntime,
  id: Hex,
  position: MorphoPositionState,
  facts: MorphoMarketFacts,
  priced: RawResult[],
  block: BlockContext,
  ctx: ErrorContext,
): Position {
  const { params } = facts
  // accrueInterest returns nothing: only its success matters.
  if (priced[0]?.success !== true) {
    throw new MorphoReadError('PROTOCOL_READ_FAILED', 'Morpho.accrueInterest reverted', { context: ctx })
  }
  const m = decodeFunctionResultFast({
    abi: morphoAbi,
    functionName: 'market',
    data: ok(priced[1], 'Morpho.market', ctx),
  })
  const market: MorphoMarketState = {
    totalSupplyAssets: m[0],
    totalSupplyShares: m[1],
    totalBorrowAssets: m[2],
    totalBorrowShares: m[3],
    lastUpdate: m[4],
    fee: m[5],
  }
  if (market.lastUpdate !== block.timestamp) {
    throw new MorphoReadError('PROTOCOL_MODEL_MISMATCH', 'the market was not accrued to the block', {
      context: ctx,
    })
  }
  const price = decodeFunctionResultFast({
    abi: oracleAbi,
    functionName: 'price',
    data: ok(priced[2], 'oracle.price', ctx),
  })
  const loanSymbol = facts.loan.symbol
  const collSymbol = facts.collateral.symbol
  if (!chain.usdPriceOracle || !priced[3]?.success) {
    throw new MorphoReadError(
      'PRICE_UNAVAILABLE',
      `no USD price for the loan token ${loanSymbol} on ${chain.key} (the chain's USD price source does not list it)`,
      { context: ctx },
    )
  }
  const loanUsd8 = decodeFunctionResultFast({
    abi: aaveOracleAbi,
    functionName: 'getAssetPrice',
    data: priced[3].returnData,
  })
  if (loanUsd8 === 0n) {
    throw new MorphoReadError('PRICE_UNAVAILABLE', `zero USD price for ${loanSymbol}`, { context: ctx })
  }
  const loanDecimals = facts.loan.decimals
  const collDecimals = facts.collateral.decimals
  const health = positionHealth(position, market, price, params.lltv)
  const loanPriceUsd = toFloat(loanUsd8, 8)
  // The collateral's USD price implied by the Morpho oracle (what liquidation uses).
  const collPriceUsd = toFloat(price, 36) * 10 ** (collDecimals - loanDecimals) * loanPriceUsd
  const legs: Leg[] = []
  const loanAsset = { address: params.loanToken, symbol: loanSymbol, decimals: loanDecimals }
  const collAsset = { address: params.collateralToken, symbol: collSymbol, decimals: collDecimals }
  if (position.collateral > 0n) {
    legs.push({
      asset: collAsset,
      side: 'collateral',
      amount: position.collateral,
      usd: toFloat(position.collateral, collDecimals) * collPriceUsd,
      priceUsd: collPriceUsd,
      countsAsCollateral: true,
      liquidationThresholdBps: Number((params.lltv * 10_000n) / WAD),
      liquidationBonusBps: Number((liquidationIncentiveFactor(params.lltv) * 10_000n) / WAD),
    })
  }
  if (health.supplied > 0n) {
    legs.push({
      asset: loanAsset,
      side: 'collateral',
      amount: health.supplied,
      usd: toFloat(health.supplied, loanDecimals) * loanPriceUsd,
      priceUsd: loanPriceUsd,
      countsAsCollateral: false,
    })
  }
  if (health.borrowed > 0n) {
    legs.push({
      asset: loanAsset,
      side: 'debt',
      amount: health.borrowed,
      usd: toFloat(health.borrowed, loanDecimals) * loanPriceUsd,
      priceUsd: loanPriceUsd,
    })
  }
  const liquidationPrices: LiquidationPrice[] = []
  const liqOracle = liquidationOraclePrice(position, market, params.lltv)
  if (health.borrowed > 0n) {
    const liq =
      liqOracle === null ? null : toFloat(liqOracle, 36) * 10 ** (collDecimals - loanDecimals) * loanPriceUsd
    liquidationPrices.push({
      asset: params.collateralToken,
      symbol: collSymbol,
      side: 'collateral',
      price: liq,
      currentPrice: collPriceUsd,
      distance: liq === null ? null : liq / collPriceUsd - 1,
    })
  }
  const collateralUsd = legs.filter((l) => l.side === 'collateral').reduce((a, l) => a + l.usd, 0)
  const debtUsd = legs.filter((l) => l.side === 'debt').reduce((a, l) => a + l.usd, 0)
  return {
    status: 'ok',
    protocol: 'morpho-blue',
    market: id,
    chain: chain.key,
    kind: 'lending',
    healthFactor: health.healthFactor === null ? null : toFloat(health.healthFactor, 18),
    healthFactorWad: health.healthFactor,
    collateralUsd,
    debtUsd,
    legs,
    liquidationPrices,
    liquidationRule: morphoBlueLiquidationRule(params.lltv),
    marketLabel: morphoMarketLabel(collSymbol, loanSymbol, params.lltv),
    details: {
      marketLabel: morphoMarketLabel(collSymbol, loanSymbol, params.lltv),
      lltv: toFloat(params.lltv, 18),
      liquidationIncentiveFactor: toFloat(liquidationIncentiveFactor(params.lltv), 18),
      healthy: health.healthy,
      oraclePrice: price.toString(),
      liquidationOraclePrice: liqOracle === null ? null : liqOracle.toString(),
      oracle: params.oracle,
      irm: params.irm,
      oraclePriceScale: ORACLE_PRICE_SCALE.toString(),
      interest: 'accrued to the block by Morpho.accrueInterest inside the batch',
      usdPriceSource:
        'the chain USD oracle (AaveOracle) for the loan token; the collateral via the Morpho oracle',
    },
  }
}
