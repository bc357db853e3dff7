/**
 * The market cascade use case: a market's borrowers and positions at one block (src/markets), the
 * wrapper rates at that block, the positions as cascade inputs for the asset, the depth curve (a
 * Uniswap v3 pool read at the same block, else a square-root curve), then the shock curve, the
 * liquidation histogram and the per-wallet view.
 */
import type { Address } from '../core/address.js'
import { BaseError, NotDeployedAtBlockError } from '../core/errors.js'
import { prepareMarket, readPoolStateAt } from '../markets/prepared-market.js'
import { cascadeCurve, liquidationHistogram, positionThresholds, shockToLiquidate } from '../risk/cascade.js'
import { type DepthCurve, sqrtDepthFromQuote, uniswapV3Depth, zeroDepth } from '../risk/depth.js'
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
  // Borrowers, lean positions, rates and contributions at one block: prepared once per
  // (chain, market, block) and reused from the root's cache by a repeat at the same block.
  const { market: prepared } = await prepareMarket({
    client,
    chain,
    market: req.market,
    assets: sources.assets,
    caches: sources.caches,
    ...budget,
    ...(req.blockNumber === undefined ? {} : { blockNumber: req.blockNumber }),
    ...(chain.subgraphs?.[req.market] ? { subgraphUrl: chain.subgraphs[req.market] } : {}),
  })
  const market = prepared.borrowers
  const view = prepared.cascadeFor(req.asset)
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
  if ((req.depth === 'auto' || req.depth === 'pool') && pool) {
    try {
      const state = await readPoolStateAt({
        client,
        chain,
        pool: pool.pool,
        asset: pool.token,
        block: { blockNumber: prepared.blockNumber, blockHash: prepared.blockHash },
        caches: sources.caches,
        ...deadline,
      })
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
    const i = market.owners.findIndex((o) => o.toLowerCase() === req.wallet!.toLowerCase())
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
    blockNumber: Number(market.blockNumber),
    asset: req.asset,
    startPrice,
    borrowers: {
      source: market.source,
      candidates: market.borrowers.length,
      withDebt: market.positions.length,
      inCascade: converted.positions.length,
      excluded: byReason,
      unavailable: market.unavailable.length,
      ...(market.stale === undefined ? {} : { stale: market.stale }),
      ...(market.lagBlocks === undefined ? {} : { lagBlocks: Number(market.lagBlocks) }),
      ...(market.fallbackReason === undefined ? {} : { fallbackReason: market.fallbackReason }),
    },
    depth: depthInfo,
    points,
    histogram,
    ...(wallet ? { wallet } : {}),
    model:
      'Liquidations at the protocol rules (Aave close factor 50%/100% around HF 0.95, Morpho LIF, Compound absorb), seized collateral sold into the depth curve, repeated to the fixed point; the oracle is assumed to follow the DEX price.',
  }
}
