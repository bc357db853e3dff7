/**
 * The Morpho Blue adapter's I/O: discovery of a wallet's markets from the singleton's events, the
 * batched reads, and a pinned follow-up for what depends on the market parameters (oracle price,
 * IRM rate, token metadata, USD prices).
 */
import {
  decodeFunctionResult,
  encodeFunctionData,
  erc20Abi,
  type Hex,
  pad,
  parseAbi,
  parseAbiItem,
  toEventSelector,
} from 'viem'
import { aaveOracleAbi } from '../../../abis/aave-pool.js'
import type { BlockContext, RawCall, RawResult } from '../../chains/batch.js'
import type { ChainRuntime } from '../../chains/config.js'
import type { Address } from '../../core/address.js'
import { BaseError, type ErrorContext } from '../../core/errors.js'
import { toFloat, WAD } from '../../core/math.js'
import type { Leg, LiquidationPrice, Position, PositionResult } from '../../core/types.js'
import type { DiscoveryContext, FollowUp, WalletReadPlan } from '../types.js'
import type { MorphoBlueConfig } from './markets.js'
import {
  accrueInterest,
  liquidationIncentiveFactor,
  liquidationOraclePrice,
  type MorphoMarketState,
  type MorphoPositionState,
  ORACLE_PRICE_SCALE,
  positionHealth,
} from './math.js'

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
const irmAbi = parseAbi([
  'struct MarketParams { address loanToken; address collateralToken; address oracle; address irm; uint256 lltv; }',
  'struct Market { uint128 totalSupplyAssets; uint128 totalSupplyShares; uint128 totalBorrowAssets; uint128 totalBorrowShares; uint128 lastUpdate; uint128 fee; }',
  'function borrowRateView(MarketParams marketParams, Market market) view returns (uint256)',
])

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
 * one eth_getLogs over [deployment, head], split into `logsBlockSpan` chunks when the report is
 * pinned (chunks run concurrently) or when the provider refuses the single range.
 */
export async function discoverMorphoMarkets(ctx: DiscoveryContext): Promise<MorphoDiscovery | undefined> {
  const cfg = ctx.chain.morphoBlue
  if (!cfg) return undefined
  const topics = (from: bigint, to: bigint | 'latest') =>
    ctx.client.request({
      method: 'eth_getLogs',
      params: [
        {
          address: cfg.morpho,
          fromBlock: `0x${from.toString(16)}`,
          toBlock: to === 'latest' ? 'latest' : `0x${to.toString(16)}`,
          topics: [
            [toEventSelector(SUPPLY_COLLATERAL), toEventSelector(SUPPLY)],
            null,
            null,
            pad(ctx.user.toLowerCase() as Hex, { size: 32 }),
          ],
        },
      ],
    }) as Promise<{ topics: Hex[] }[]>
  const chunks = async (to: bigint) => {
    const ranges: [bigint, bigint][] = []
    for (let from = cfg.fromBlock; from <= to; from += cfg.logsBlockSpan) {
      ranges.push([from, to < from + cfg.logsBlockSpan - 1n ? to : from + cfg.logsBlockSpan - 1n])
    }
    return (await Promise.all(ranges.map(([a, b]) => topics(a, b)))).flat()
  }
  let logs: { topics: Hex[] }[]
  if (ctx.toBlock !== undefined) logs = await chunks(ctx.toBlock)
  else {
    try {
      logs = await topics(cfg.fromBlock, 'latest')
    } catch {
      logs = await chunks(await ctx.client.getBlockNumber())
    }
  }
  return { ids: [...new Set(logs.map((l) => l.topics[1]!.toLowerCase() as Hex))] }
}

class MorphoReadError extends BaseError {
  override name = 'MorphoReadError'
}

/** Immutable facts of a market (params, token metadata): cached per chain and id. */
interface MarketFacts {
  loanToken: Address
  collateralToken: Address
  oracle: Address
  irm: Address
  lltv: bigint
  loan: { symbol: string; decimals: number }
  collateral: { symbol: string; decimals: number }
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

/** Params of {@link planMorphoWallet}. */
export interface PlanMorphoParams {
  chain: ChainRuntime
  config: MorphoBlueConfig
  user: Address
  ids: readonly Hex[]
}

/**
 * The reads of `user` in each discovered market: position, market and idToMarketParams in the
 * chain's batch; then ONE pinned follow-up for all markets with what the parameters unlock
 * (oracle price, IRM borrowRateView for interest accrued since the market's last update, token
 * symbol/decimals, USD prices of both tokens).
 */
export function planMorphoWallet(params: PlanMorphoParams): WalletReadPlan[] {
  const { chain, config, user, ids } = params
  if (ids.length === 0) return []
  const calls: RawCall[] = ids.flatMap((id) => [
    call(config.morpho, encodeFunctionData({ abi: morphoAbi, functionName: 'position', args: [id, user] })),
    call(config.morpho, encodeFunctionData({ abi: morphoAbi, functionName: 'market', args: [id] })),
    call(config.morpho, encodeFunctionData({ abi: morphoAbi, functionName: 'idToMarketParams', args: [id] })),
  ])
  return [
    {
      market: `morpho-blue-${chain.key}`,
      protocol: 'morpho-blue',
      calls,
      decode: (results, block, followUp) => decodeMorphoWallet(chain, ids, results, block, followUp),
    },
  ]
}

async function decodeMorphoWallet(
  chain: ChainRuntime,
  ids: readonly Hex[],
  results: RawResult[],
  block: BlockContext,
  followUp: FollowUp,
): Promise<PositionResult[]> {
  const context: ErrorContext = { chain: chain.key, protocol: 'morpho-blue' }
  const open: {
    id: Hex
    position: MorphoPositionState
    market: MorphoMarketState
    params: { loanToken: Address; collateralToken: Address; oracle: Address; irm: Address; lltv: bigint }
  }[] = []
  ids.forEach((id, i) => {
    const ctx = { ...context, market: id }
    const [supplyShares, borrowShares, collateral] = decodeFunctionResult({
      abi: morphoAbi,
      functionName: 'position',
      data: ok(results[i * 3], 'Morpho.position', ctx),
    })
    if (supplyShares === 0n && borrowShares === 0n && collateral === 0n) return
    const m = decodeFunctionResult({
      abi: morphoAbi,
      functionName: 'market',
      data: ok(results[i * 3 + 1], 'Morpho.market', ctx),
    })
    const p = decodeFunctionResult({
      abi: morphoAbi,
      functionName: 'idToMarketParams',
      data: ok(results[i * 3 + 2], 'Morpho.idToMarketParams', ctx),
    })
    open.push({
      id,
      position: { supplyShares, borrowShares, collateral },
      market: {
        totalSupplyAssets: m[0],
        totalSupplyShares: m[1],
        totalBorrowAssets: m[2],
        totalBorrowShares: m[3],
        lastUpdate: m[4],
        fee: m[5],
      },
      params: { loanToken: p[0], collateralToken: p[1], oracle: p[2], irm: p[3], lltv: p[4] },
    })
  })
  if (open.length === 0) return []

  // One pinned follow-up for every open market: 8 calls each.
  const priceOracle = chain.usdPriceOracle
  const more: RawCall[] = open.flatMap(({ params, market }) => [
    call(params.oracle, encodeFunctionData({ abi: oracleAbi, functionName: 'price' })),
    call(
      params.irm,
      encodeFunctionData({
        abi: irmAbi,
        functionName: 'borrowRateView',
        args: [
          params,
          {
            totalSupplyAssets: market.totalSupplyAssets,
            totalSupplyShares: market.totalSupplyShares,
            totalBorrowAssets: market.totalBorrowAssets,
            totalBorrowShares: market.totalBorrowShares,
            lastUpdate: market.lastUpdate,
            fee: market.fee,
          },
        ],
      }),
    ),
    call(params.loanToken, encodeFunctionData({ abi: erc20Abi, functionName: 'symbol' })),
    call(params.loanToken, encodeFunctionData({ abi: erc20Abi, functionName: 'decimals' })),
    call(params.collateralToken, encodeFunctionData({ abi: erc20Abi, functionName: 'symbol' })),
    call(params.collateralToken, encodeFunctionData({ abi: erc20Abi, functionName: 'decimals' })),
    ...(priceOracle
      ? [
          call(
            priceOracle,
            encodeFunctionData({
              abi: aaveOracleAbi,
              functionName: 'getAssetPrice',
              args: [params.loanToken],
            }),
          ),
          call(
            priceOracle,
            encodeFunctionData({
              abi: aaveOracleAbi,
              functionName: 'getAssetPrice',
              args: [params.collateralToken],
            }),
          ),
        ]
      : [
          { target: params.loanToken, allowFailure: true, callData: '0x' as Hex },
          { target: params.loanToken, allowFailure: true, callData: '0x' as Hex },
        ]),
  ])
  const extra = await followUp(more)

  const rows: PositionResult[] = []
  open.forEach((o, k) => {
    const r = extra.slice(k * 8, k * 8 + 8)
    const ctx = { ...context, market: o.id }
    try {
      rows.push(buildMorphoPosition(chain.key, o, r, block, ctx, priceOracle !== null))
    } catch (err) {
      if (!(err instanceof BaseError)) throw err
      rows.push({
        status: 'unavailable',
        protocol: 'morpho-blue',
        market: o.id,
        chain: chain.key,
        kind: 'lending',
        code: err.code,
        reason: err.message,
      })
    }
  })
  return rows
}

function buildMorphoPosition(
  chainKey: string,
  o: {
    id: Hex
    position: MorphoPositionState
    market: MorphoMarketState
    params: { loanToken: Address; collateralToken: Address; oracle: Address; irm: Address; lltv: bigint }
  },
  r: RawResult[],
  block: BlockContext,
  ctx: ErrorContext,
  hasUsdSource: boolean,
): Position {
  const price = decodeFunctionResult({
    abi: oracleAbi,
    functionName: 'price',
    data: ok(r[0], 'oracle.price', ctx),
  })
  const rate = decodeFunctionResult({
    abi: irmAbi,
    functionName: 'borrowRateView',
    data: ok(r[1], 'irm.borrowRateView', ctx),
  })
  const loanSymbol = decodeFunctionResult({
    abi: erc20Abi,
    functionName: 'symbol',
    data: ok(r[2], 'loan symbol', ctx),
  })
  const loanDecimals = decodeFunctionResult({
    abi: erc20Abi,
    functionName: 'decimals',
    data: ok(r[3], 'loan decimals', ctx),
  })
  const collSymbol = decodeFunctionResult({
    abi: erc20Abi,
    functionName: 'symbol',
    data: ok(r[4], 'collateral symbol', ctx),
  })
  const collDecimals = decodeFunctionResult({
    abi: erc20Abi,
    functionName: 'decimals',
    data: ok(r[5], 'collateral decimals', ctx),
  })
  if (!hasUsdSource || !r[6]?.success || !r[7]?.success) {
    throw new MorphoReadError(
      'PRICE_UNAVAILABLE',
      `no USD price for ${loanSymbol}/${collSymbol} on ${chainKey} (the chain's USD price source does not list them)`,
      { context: ctx },
    )
  }
  const loanUsd8 = decodeFunctionResult({
    abi: aaveOracleAbi,
    functionName: 'getAssetPrice',
    data: r[6].returnData,
  })
  const collUsd8 = decodeFunctionResult({
    abi: aaveOracleAbi,
    functionName: 'getAssetPrice',
    data: r[7].returnData,
  })
  if (loanUsd8 === 0n || collUsd8 === 0n) {
    throw new MorphoReadError('PRICE_UNAVAILABLE', `zero USD price for ${loanSymbol}/${collSymbol}`, {
      context: ctx,
    })
  }

  // Interest accrued to the pinned block exactly as Morpho._accrueInterest would.
  const market =
    o.market.totalBorrowAssets === 0n ? o.market : accrueInterest(o.market, rate, block.timestamp)
  const health = positionHealth(o.position, market, price, o.params.lltv)
  const loanPriceUsd = toFloat(loanUsd8, 8)
  // The collateral's USD price implied by the Morpho oracle (what liquidation uses).
  const collPriceUsd = toFloat(price, 36) * 10 ** (collDecimals - loanDecimals) * loanPriceUsd
  const legs: Leg[] = []
  const asset = (address: Address, symbol: string, decimals: number) => ({ address, symbol, decimals })
  const loanAsset = asset(o.params.loanToken, loanSymbol, loanDecimals)
  const collAsset = asset(o.params.collateralToken, collSymbol, collDecimals)
  if (o.position.collateral > 0n) {
    legs.push({
      asset: collAsset,
      side: 'collateral',
      amount: o.position.collateral,
      usd: toFloat(o.position.collateral, collDecimals) * collPriceUsd,
      priceUsd: collPriceUsd,
      countsAsCollateral: true,
      liquidationThresholdBps: Number((o.params.lltv * 10_000n) / WAD),
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
  const liqOracle = liquidationOraclePrice(o.position, market, o.params.lltv)
  if (health.borrowed > 0n) {
    const liq =
      liqOracle === null ? null : toFloat(liqOracle, 36) * 10 ** (collDecimals - loanDecimals) * loanPriceUsd
    liquidationPrices.push({
      asset: o.params.collateralToken,
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
    market: o.id,
    chain: chainKey,
    kind: 'lending',
    healthFactor: health.healthFactor === null ? null : toFloat(health.healthFactor, 18),
    healthFactorWad: health.healthFactor,
    collateralUsd,
    debtUsd,
    legs,
    liquidationPrices,
    details: {
      marketLabel: `${collSymbol}/${loanSymbol} ${toFloat(o.params.lltv * 100n, 18)}%`,
      lltv: toFloat(o.params.lltv, 18),
      liquidationIncentiveFactor: toFloat(liquidationIncentiveFactor(o.params.lltv), 18),
      healthy: health.healthy,
      oraclePrice: price.toString(),
      liquidationOraclePrice: liqOracle === null ? null : liqOracle.toString(),
      oracle: o.params.oracle,
      irm: o.params.irm,
      borrowRatePerSecondWad: rate.toString(),
      interestAccruedFrom: Number(o.market.lastUpdate),
      oraclePriceScale: ORACLE_PRICE_SCALE.toString(),
      priceSourceUsd: 'chain USD oracle (AaveOracle) for the loan token; collateral via the Morpho oracle',
    },
  }
}
