/**
 * The market cascade use case: a market's borrowers and positions at one block (src/markets), the
 * wrapper rates at that block, the positions as cascade inputs for the asset, the depth curve (a
 * Uniswap v3 pool read at the same block, else a square-root curve), then the shock curve, the
 * liquidation histogram and the per-wallet view.
 */
import type { ChainClient } from '../chains/client.js'
import type { Address } from '../core/address.js'
import { BaseError, NotDeployedAtBlockError } from '../core/errors.js'
import type { UniswapV3PoolRead } from '../dex/uniswap-v3.js'
import {
  isMarketLayerId,
  listsAdapterMarket,
  type PreparedAdapterMarket,
  prepareAdapterMarket,
} from '../markets/prepared-adapter-markets.js'
import {
  type BlockHeaderRef,
  type PreparedMarketCascade,
  prepareMarket,
  readBlockRef,
  readPoolStateAt,
} from '../markets/prepared-market.js'
import type { ChainRuntime } from '../protocols/types.js'
import { cascadeCurve, liquidationHistogram, positionThresholds, shockToLiquidate } from '../risk/cascade.js'
import { type DepthCurve, sqrtDepthFromQuote, uniswapV3Depth, zeroDepth } from '../risk/depth.js'
import type { OracleRule } from '../risk/oracle-rule.js'
import {
  aggregateDepth,
  noDepth,
  sqrtPoolDepth,
  type TwoSidedDepth,
  uniswapV3PoolDepth,
} from '../risk/pool-depth.js'
import {
  prepareSystemic,
  type SystemicPerp,
  systemicCurve,
  systemicShockToLiquidate,
} from '../risk/systemic-cascade.js'
import { systemicPerpOf } from '../risk/systemic-perps.js'
import { type ReportSources, resolveChain } from './report-sources.js'
import { budgetFields, type RequestBudget } from './request-budget.js'

/** Where a cascade's price impact comes from. */
export const CASCADE_DEPTHS = ['auto', 'pool', 'sqrt', 'none'] as const
/** A depth source: the chain's DEX pool (else sqrt), the pool only, a square-root curve, none. */
export type CascadeDepth = (typeof CASCADE_DEPTHS)[number]

/** Params of {@link marketCascadeReport}. */
export interface MarketCascadeParams extends RequestBudget {
  /** Chain key (a market lives on one chain). */
  chain: string
  /** An Aave market id of the chain or a Morpho market id (bytes32). */
  market: string
  /** The shocked risk asset, upper case (not USD). */
  asset: string
  /** Initial shocks, relative falls in (-1, 0]. */
  shocks: number[]
  depth: CascadeDepth
  /** Square-root curve: units of the asset whose sale moves the price 1%. */
  unitsForOnePercent?: number
  wallet?: Address
  blockNumber?: bigint
}

/** Which depth curve priced the forced sales, and from what. */
export type CascadeDepthInfo =
  | { source: 'none' }
  | {
      source: 'uniswap-v3'
      pool: Address
      label: string
      /** The pool's in-range liquidity (raw). */
      liquidity: string
      tick: number
      initializedTicks: number
      /** USD per unit. */
      poolPrice: number
      feePips: number
    }
  | {
      source: 'sqrt'
      unitsForOnePercent: number
      calibration: string
      /** Why the chain's pool was not used (e.g. the block is before its deployment). */
      fallbackReason?: string
    }
  /** depth=pool at a block where the pool cannot be read (before its deployment): no price impact. */
  | { source: 'unavailable'; pool: Address; code: string; reason: string }

/** One borrower's view of the cascade (`wallet` of the request). */
export type CascadeWallet =
  | { address: Address; found: false; reason: string }
  | {
      address: Address
      found: true
      /** USD per unit of the asset; null when no price liquidates it. */
      liquidationPrice: number | null
      /** Relative shocks (-0.2 = -20%) that liquidate it without and with the cascade. */
      naiveShock: number | null
      cascadeShock: number | null
      cascadeFinalPrice: number | null
    }

/** The default shock grid: -2% to -50% in 2% steps. */
export const DEFAULT_CASCADE_SHOCKS = Array.from({ length: 25 }, (_, i) => -0.02 * (i + 1))

/**
 * The cascade of one market: every borrower at one block, each initial shock of `asset` run to
 * the fixed point of liquidate -> sell -> price impact.
 * @throws chain errors of {@link resolveChain}; NOT_FOUND for a market the chain does not have;
 *   INVALID_REQUEST when no borrower holds the asset, or depth=pool without a pool.
 */
export async function marketCascadeReport(sources: ReportSources, req: MarketCascadeParams) {
  const chain = resolveChain(sources, req.chain)
  const client = sources.clientFor(chain)
  const budget = budgetFields(req)
  const deadline = budget.deadline ? { deadline: budget.deadline } : {}
  // The block first, so the pool's state at it is read beside the market (it needs only the block).
  const block = await readBlockRef({
    client,
    chain: chain.key,
    ...(req.blockNumber === undefined ? {} : { blockNumber: req.blockNumber }),
    ...deadline,
  })
  const poolState = startPoolRead(sources, req, chain, client, block)
  // Markets whose adapter enumerates them (a Comet, an Aave V4 Spoke, a GMX deployment): the
  // chain-wide adapter-enumerated read, narrowed to this market.
  if (!isMarketLayerId(chain, req.market) && listsAdapterMarket(sources.adapters, chain, req.market)) {
    const m = await prepareAdapterMarket({
      client,
      chain,
      market: req.market,
      adapters: sources.adapters,
      assets: sources.assets,
      blockNumber: block.blockNumber,
      blockHash: block.blockHash,
      caches: sources.caches,
      ...budget,
    })
    if (m.kind === 'perp') return perpMarketCascade(sources, req, chain, block, m, poolState)
    return lendingCascade(sources, req, chain, poolState, {
      blockNumber: m.blockNumber,
      blockHash: block.blockHash,
      owners: m.owners,
      view: m.cascadeFor(req.asset),
      info: {
        source: m.source,
        candidates: m.candidates,
        withDebt: m.positions.length,
        unavailable: m.unavailable.length,
      },
    })
  }
  // Borrowers, lean positions, rates and contributions at one block: prepared once per
  // (chain, market, block) and reused from the root's cache by a repeat at the same block.
  const { market: prepared } = await prepareMarket({
    client,
    chain,
    market: req.market,
    assets: sources.assets,
    caches: sources.caches,
    block,
    ...budget,
    ...(req.blockNumber === undefined ? {} : { blockNumber: req.blockNumber }),
    ...(chain.subgraphs?.[req.market] ? { subgraphUrl: chain.subgraphs[req.market] } : {}),
  })
  const market = prepared.borrowers
  return lendingCascade(sources, req, chain, poolState, {
    blockNumber: prepared.blockNumber,
    blockHash: prepared.blockHash,
    owners: market.owners,
    view: prepared.cascadeFor(req.asset),
    info: {
      source: market.source,
      candidates: market.borrowers.length,
      withDebt: market.positions.length,
      unavailable: market.unavailable.length,
      ...(market.stale === undefined ? {} : { stale: market.stale }),
      ...(market.lagBlocks === undefined ? {} : { lagBlocks: Number(market.lagBlocks) }),
      ...(market.fallbackReason === undefined ? {} : { fallbackReason: market.fallbackReason }),
    },
  })
}

/** A lending market's prepared cascade view at one block, whoever enumerated it. */
interface LendingCascadeSource {
  blockNumber: bigint
  blockHash: string
  /** The holders with debt, in position order. */
  owners: readonly Address[]
  view: PreparedMarketCascade
  info: {
    source: 'subgraph' | 'logs' | 'registry'
    candidates: number
    withDebt: number
    unavailable: number
    stale?: boolean
    lagBlocks?: number
    fallbackReason?: string
  }
}

/**
 * The chain's pool of `req.asset` read at `block` (from the root's cache when it holds it), started
 * now so it runs beside the market's read; undefined when the request's depth does not use a pool
 * or the chain has none for the asset. Its failure is handled where it is awaited.
 */
function startPoolRead(
  sources: ReportSources,
  req: MarketCascadeParams,
  chain: ChainRuntime,
  client: ChainClient,
  block: BlockHeaderRef,
): Promise<UniswapV3PoolRead> | undefined {
  const pool = chain.dexPools?.find((p) => p.riskAsset === req.asset)
  if (!pool || (req.depth !== 'auto' && req.depth !== 'pool')) return undefined
  const read = readPoolStateAt({
    client,
    chain,
    pool: pool.pool,
    asset: pool.token,
    block,
    caches: sources.caches,
    ...(req.deadline ? { deadline: req.deadline } : {}),
  })
  // Awaited later (or not at all when the market fails first): no unhandled rejection meanwhile.
  read.catch(() => undefined)
  return read
}

async function lendingCascade(
  sources: ReportSources,
  req: MarketCascadeParams,
  chain: ChainRuntime,
  poolState: Promise<UniswapV3PoolRead> | undefined,
  src: LendingCascadeSource,
) {
  const view = src.view
  const converted = view.inputs
  if (converted.startPrice === null) {
    throw new BaseError(
      'INVALID_REQUEST',
      `no borrower of ${req.market} on ${chain.key} holds ${req.asset} collateral priced at par: nothing to cascade`,
    )
  }
  const startPrice = converted.startPrice
  const cascade = view.prepared

  let depth: DepthCurve = zeroDepth()
  let depthInfo: CascadeDepthInfo = { source: 'none' }
  const pool = chain.dexPools?.find((p) => p.riskAsset === req.asset)
  let poolUnavailable: NotDeployedAtBlockError | undefined
  // The pool's read was started with the market's (startPoolRead: exactly when a pool is
  // configured and the depth uses it).
  if ((req.depth === 'auto' || req.depth === 'pool') && pool && poolState) {
    try {
      const state = await poolState
      const curve = uniswapV3Depth(state)
      depth = curve
      const probe = curve.quote(1)
      depthInfo = {
        source: 'uniswap-v3',
        pool: pool.pool,
        label: pool.label,
        liquidity: state.liquidity.toString(),
        tick: state.tick,
        initializedTicks: state.ticks.length,
        poolPrice: probe.priceBefore,
        feePips: state.feePips,
      }
    } catch (err) {
      // A block before the pool's deployment is a fair question: the depth is unavailable there.
      if (!(err instanceof NotDeployedAtBlockError)) throw err
      poolUnavailable = err
      if (req.depth === 'pool') {
        depthInfo = { source: 'unavailable', pool: pool.pool, code: err.code, reason: err.message }
      }
    }
  } else if (req.depth === 'pool') {
    throw new BaseError(
      'INVALID_REQUEST',
      `no DEX pool is configured for ${req.asset} on ${chain.key}; use depth=sqrt`,
    )
  }
  if (req.depth === 'sqrt' || (req.depth === 'auto' && depthInfo.source === 'none')) {
    const unitsForOnePercent = req.unitsForOnePercent ?? Math.max(view.collateralUnits * 0.005, 1e-9)
    depth = sqrtDepthFromQuote(unitsForOnePercent)
    depthInfo = {
      source: 'sqrt',
      unitsForOnePercent,
      calibration:
        req.unitsForOnePercent === undefined
          ? 'default: selling 0.5% of the market collateral in the asset moves its price 1% (dP/P = -0.01 sqrt(Q / that))'
          : 'request',
      ...(poolUnavailable ? { fallbackReason: `pool depth unavailable: ${poolUnavailable.message}` } : {}),
    }
  }

  const results = cascadeCurve(cascade, startPrice, req.shocks, depth)
  const points = results.map((r) => ({
    initialShock: r.initialShock,
    finalShock: r.finalShock,
    finalPrice: r.finalPrice,
    liquidatedUsd: r.liquidatedUsd,
    badDebtUsd: r.badDebtUsd,
    seizedUnits: r.seizedUnits,
    positionsLiquidated: r.positionsLiquidated,
    rounds: r.rounds,
  }))
  const histogram = liquidationHistogram(cascade, startPrice, {
    from: startPrice * 0.4,
    to: startPrice,
    count: 30,
  })

  let wallet: CascadeWallet | undefined
  if (req.wallet) {
    const i = src.owners.findIndex((o) => o.toLowerCase() === req.wallet!.toLowerCase())
    const cp = converted.positions.find((p) => p.id?.toLowerCase() === req.wallet!.toLowerCase())
    if (i < 0 || !cp) {
      const why = converted.excluded.find((e) => e.id.toLowerCase() === req.wallet!.toLowerCase())
      wallet = {
        address: req.wallet,
        found: false,
        reason:
          i < 0
            ? 'no debt in this market at this block'
            : `not in the cascade: ${why?.reason ?? 'no exposure'}`,
      }
    } else {
      const thresholds = positionThresholds(cp)
      const liquidationPrice = thresholds?.liquidationPrice ?? null
      const shock =
        liquidationPrice === null ? null : shockToLiquidate(cascade, startPrice, liquidationPrice, depth)
      wallet = {
        address: req.wallet,
        found: true,
        liquidationPrice,
        naiveShock: shock?.naiveShock ?? null,
        cascadeShock: shock?.shock ?? null,
        cascadeFinalPrice: shock?.finalPrice ?? null,
      }
    }
  }
  const byReason: Record<string, number> = {}
  for (const e of converted.excluded) byReason[e.reason] = (byReason[e.reason] ?? 0) + 1
  return {
    market: req.market,
    chain: chain.key,
    blockNumber: Number(src.blockNumber),
    asset: req.asset,
    startPrice,
    borrowers: {
      ...src.info,
      inCascade: converted.positions.length,
      excluded: byReason,
    },
    depth: depthInfo,
    points,
    histogram,
    ...(wallet ? { wallet } : {}),
    model:
      'Liquidations at the protocol rules (Aave close factor 50%/100% around HF 0.95, Morpho LIF, Compound absorb), seized collateral sold into the depth curve, repeated to the fixed point; the oracle is assumed to follow the DEX price.',
  }
}

/**
 * The cascade of one perp venue (a GMX deployment): its positions in `asset` at the venue's own
 * liquidation prices, run through the systemic engine alone (liquidated longs' closes sold,
 * shorts' closes bought back) on the chain's pool of the asset, else a square-root law calibrated
 * on the venue's open interest (0.5% of the long plus short units in the asset moves the price 1%).
 * `seizedUnits` of a point are the units the closes sold; `perpNotionalUsd` their notional.
 */
async function perpMarketCascade(
  sources: ReportSources,
  req: MarketCascadeParams,
  chain: ChainRuntime,
  block: BlockHeaderRef,
  m: PreparedAdapterMarket,
  poolState: Promise<UniswapV3PoolRead> | undefined,
) {
  // A perp's oracle is the market price of its index (oracleRuleFor: perps follow the market).
  const oracles: OracleRule[] = [{ id: `${req.asset}/USD market`, source: { kind: 'market', token: null } }]
  const perps: (SystemicPerp & { owner: Address })[] = []
  const excluded: Record<string, number> = {}
  m.inputs.forEach((input, i) => {
    const row = systemicPerpOf(input, req.asset)
    if ('excluded' in row) {
      excluded[row.excluded] = (excluded[row.excluded] ?? 0) + 1
      return
    }
    perps.push({ ...row.perp, market: m.market, oracle: 0, owner: m.owners[i]! })
  })
  const startPrice = m.referencePrices[req.asset] ?? null
  if (startPrice === null || perps.length === 0)
    throw new BaseError(
      'INVALID_REQUEST',
      `no open position of ${req.market} on ${chain.key} is in ${req.asset} with a liquidation price: nothing to cascade`,
    )
  let depth: TwoSidedDepth = noDepth()
  let depthInfo: CascadeDepthInfo = { source: 'none' }
  const pool = chain.dexPools?.find((p) => p.riskAsset === req.asset)
  let poolUnavailable: NotDeployedAtBlockError | undefined
  if ((req.depth === 'auto' || req.depth === 'pool') && pool && poolState) {
    try {
      const state = await poolState
      depth = aggregateDepth([uniswapV3PoolDepth(pool.label, state)])
      depthInfo = {
        source: 'uniswap-v3',
        pool: pool.pool,
        label: pool.label,
        liquidity: state.liquidity.toString(),
        tick: state.tick,
        initializedTicks: state.ticks.length,
        poolPrice: uniswapV3Depth(state).quote(1).priceBefore,
        feePips: state.feePips,
      }
    } catch (err) {
      if (!(err instanceof NotDeployedAtBlockError)) throw err
      poolUnavailable = err
      if (req.depth === 'pool')
        depthInfo = { source: 'unavailable', pool: pool.pool, code: err.code, reason: err.message }
    }
  } else if (req.depth === 'pool') {
    throw new BaseError(
      'INVALID_REQUEST',
      `no DEX pool is configured for ${req.asset} on ${chain.key}; use depth=sqrt`,
    )
  }
  if (req.depth === 'sqrt' || (req.depth === 'auto' && depthInfo.source === 'none')) {
    const openUnits = perps.reduce((a, p) => a + p.sizeUnits, 0)
    const unitsForOnePercent = req.unitsForOnePercent ?? Math.max(openUnits * 0.005, 1e-9)
    // k = 1: units(-1%) = depthUnits x 0.01^2.
    depth = aggregateDepth([sqrtPoolDepth('sqrt law', unitsForOnePercent / 1e-4)])
    depthInfo = {
      source: 'sqrt',
      unitsForOnePercent,
      calibration:
        req.unitsForOnePercent === undefined
          ? 'default: closing 0.5% of the venue\u2019s open interest in the asset (long plus short units) moves its price 1% (symmetric for purchases)'
          : 'request',
      ...(poolUnavailable ? { fallbackReason: `pool depth unavailable: ${poolUnavailable.message}` } : {}),
    }
  }
  const prepared = prepareSystemic({ oracles, lending: [], perps })
  const options = { startPrice, depth }
  const points = systemicCurve(prepared, req.shocks, { ...options, recordRounds: false }).map((r) => ({
    initialShock: r.initialShock,
    finalShock: r.finalShock,
    finalPrice: r.finalPrice,
    liquidatedUsd: r.liquidatedUsd,
    badDebtUsd: r.badDebtUsd,
    seizedUnits: r.soldUnits,
    boughtUnits: r.boughtUnits,
    perpNotionalUsd: r.byProtocol.reduce((a, x) => a + x.perpNotionalUsd, 0),
    positionsLiquidated: r.positionsLiquidated,
    rounds: r.rounds,
  }))
  // Longs by liquidation price (the side a fall liquidates), in the lending histogram's range.
  const from = startPrice * 0.4
  const step = (startPrice - from) / 30
  const histogram = Array.from({ length: 30 }, (_, k) => {
    const lo = from + step * k
    const hi = k === 29 ? startPrice : lo + step
    const inBin = perps.filter(
      (p) => p.side === 'long' && p.liquidationPrice >= lo && p.liquidationPrice < hi,
    )
    return {
      priceFrom: lo,
      priceTo: hi,
      shockFrom: lo / startPrice - 1,
      shockTo: hi / startPrice - 1,
      sizeUnits: inBin.reduce((a, p) => a + p.sizeUnits, 0),
      notionalUsd: inBin.reduce((a, p) => a + p.sizeUnits * p.liquidationPrice, 0),
      positions: inBin.length,
    }
  })
  let wallet: CascadeWallet | undefined
  if (req.wallet) {
    const w = req.wallet.toLowerCase()
    // A fall liquidates longs: the wallet's long in the asset with the highest liquidation price.
    const own = perps
      .filter((p) => p.owner.toLowerCase() === w && p.side === 'long')
      .sort((a, b) => b.liquidationPrice - a.liquidationPrice)[0]
    if (!own) {
      wallet = {
        address: req.wallet,
        found: false,
        reason: m.owners.some((o) => o.toLowerCase() === w)
          ? `no long position in ${req.asset} with a liquidation price in this venue at this block`
          : 'no open position in this venue at this block',
      }
    } else {
      const shock = systemicShockToLiquidate(
        prepared,
        { oracle: own.oracle, price: own.liquidationPrice, side: 'below' },
        options,
      )
      wallet = {
        address: req.wallet,
        found: true,
        liquidationPrice: own.liquidationPrice,
        naiveShock: shock.naiveShock,
        cascadeShock: shock.shock,
        cascadeFinalPrice: shock.shock === null ? null : startPrice * (1 + shock.shock),
      }
    }
  }
  return {
    market: req.market,
    chain: chain.key,
    blockNumber: Number(m.blockNumber),
    asset: req.asset,
    kind: 'perp' as const,
    startPrice,
    borrowers: {
      source: m.source as LendingCascadeSource['info']['source'],
      candidates: m.candidates,
      withDebt: m.positions.length,
      inCascade: perps.length,
      excluded,
      unavailable: m.unavailable.length,
    } as LendingCascadeSource['info'] & { inCascade: number; excluded: Record<string, number> },
    depth: depthInfo,
    points,
    histogram,
    ...(wallet ? { wallet } : {}),
    model:
      "The venue's positions liquidated at its own liquidation prices (the keeper check), liquidated longs' closes sold and shorts' closes bought back through the depth curve, repeated to the fixed point; the oracle follows the DEX price.",
  }
}
