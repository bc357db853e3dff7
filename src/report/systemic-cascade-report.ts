/**
 * The systemic cascade use case: every borrower of every lending market of a chain whose
 * borrowers can be enumerated (each Aave v3 market; every Morpho Blue market whose loan or
 * collateral token resolves to the shocked asset, from the singleton's CreateMarket logs; every
 * Comet with a known deployment block, from its Withdraw/AbsorbDebt events) and every perp
 * position of the chain's GMX v2 deployments (the DataStore's POSITION_LIST, read through the
 * Reader), all read at ONE block; the lending positions turned into cascade groups by market,
 * oracle rule and LST token, the perps into long/short rows at their venue's liquidation price;
 * the chain's DEX pools for the asset read at that block and aggregated at one price; then the
 * shock curve to the fixed point of liquidate -> sell/buy -> DEX -> oracles
 * (src/risk/systemic-cascade), each market's own curve next to it, and the per-wallet answer.
 * The Comet and GMX reads are the adapters' own (`listMarketPositions`); this file names no
 * protocol.
 *
 * Aave V4 Spokes come the same way (their Borrow events, each owner read as a wallet report
 * reads it). Not enumerated (named in `notEnumerated`, never silently dropped): any market an
 * adapter says it cannot enumerate (a production Comet without a deployment block in Compound's
 * records, a V4 deployment with more borrowers than it discovers one by one).
 */
import { decodeEventLog, type Hex, parseAbi, toEventSelector } from 'viem'
import { findNode } from '../assets/graph.js'
import { riskAssetOf } from '../assets/resolve.js'
import { scanLogs } from '../chains/log-scan.js'
import type { Address } from '../core/address.js'
import { BaseError, NotDeployedAtBlockError } from '../core/errors.js'
import { resolveMarket } from '../markets/market-ref.js'
import { mapLimit } from '../markets/paging.js'
import { prepareAdapterMarkets } from '../markets/prepared-adapter-markets.js'
import {
  type PreparedMarketCascade,
  prepareMarket,
  readBlockRef,
  readPoolStateAt,
} from '../markets/prepared-market.js'
import { positionThresholds } from '../risk/cascade.js'
import { type OracleLag, type OracleRule, oracleRuleFor } from '../risk/oracle-rule.js'
import {
  aggregateDepth,
  noDepth,
  type PoolDepth,
  sqrtPoolDepth,
  type TwoSidedDepth,
  uniswapV3PoolDepth,
} from '../risk/pool-depth.js'
import type { StressInput } from '../risk/stress.js'
import {
  prepareSystemic,
  type SystemicLendingGroup,
  type SystemicPerp,
  type SystemicResult,
  type SystemicTrigger,
  systemicCurve,
  systemicShockToLiquidate,
} from '../risk/systemic-cascade.js'
import { systemicPerpOf } from '../risk/systemic-perps.js'
import { type ReportSources, resolveChain } from './report-sources.js'
import { budgetFields, type RequestBudget } from './request-budget.js'

/** Where the systemic cascade's price impact comes from. */
export const SYSTEMIC_DEPTHS = ['auto', 'pools', 'sqrt', 'none'] as const
/** auto: the chain's pools for the asset, else sqrt; pools: only them; sqrt: a square-root law; none. */
export type SystemicDepth = (typeof SYSTEMIC_DEPTHS)[number]

/** Params of {@link systemicCascadeReport}. */
export interface SystemicCascadeParams extends RequestBudget {
  chain: string
  /** The shocked risk asset, upper case (not USD). */
  asset: string
  /** Initial moves of the asset, relative, in (-1, 1] (negative: falls; positive: rallies). */
  shocks: number[]
  depth: SystemicDepth
  /** sqrt depth: units whose sale moves the price 1% (default 0.5% of the collateral in the asset). */
  unitsForOnePercent?: number
  /** Initial DEX moves of derivative tokens against the asset, by symbol (stETH: -0.05). */
  depegs?: Record<string, number>
  /** A publication lag applied to every lending oracle (Chainlink-style push feeds). */
  oracleLag?: OracleLag
  /**
   * Share of a liquidated perp's size whose close reaches the DEX, in [0, 1] (default 1: the
   * venue's counterparty hedges every close through the DEX; 0: perp closes move no price).
   */
  perpFlowShare?: number
  wallet?: Address
  blockNumber?: bigint
}

/** The default shock grid: -2% to -50% in 2% steps. */
export const DEFAULT_SYSTEMIC_SHOCKS = Array.from({ length: 25 }, (_, i) => -0.02 * (i + 1))

const MORPHO_EVENTS = parseAbi([
  'event CreateMarket(bytes32 indexed id, (address loanToken, address collateralToken, address oracle, address irm, uint256 lltv) marketParams)',
])
const CREATE_MARKET = toEventSelector(MORPHO_EVENTS[0])

/** A lending market as the report groups it, from src/markets or from its adapter. */
interface LendingSource {
  market: string
  protocol: string
  label?: string
  source: SystemicMarketInfo['source']
  candidates: number
  withDebt: number
  unavailable: number
  inputs: readonly StressInput[]
  cascade: PreparedMarketCascade
}

/** A position placed in the cascade, for the per-wallet answer. */
interface Placed {
  owner: string
  /** The position's market (a GMX position: `<deployment>:<market token>`). */
  market: string
  /** The market its per-market curve is under, when not `market` (a GMX deployment). */
  group?: string
  protocol: string
  side: 'collateral' | 'long' | 'short'
  oracle: number
  /** USD per unit of the asset; null when no price liquidates it. */
  price: number | null
}

/** One enumerated market as the response lists it. */
export interface SystemicMarketInfo {
  market: string
  protocol: string
  label?: string
  /** lending: borrowers (`withDebt`); perp: open perp positions (`withDebt` counts them). */
  kind: 'lending' | 'perp'
  source: 'subgraph' | 'logs' | 'registry'
  candidates: number
  withDebt: number
  inCascade: number
  excluded: Record<string, number>
  unavailable: number
}

/**
 * The systemic cascade of `asset` on a chain at one block.
 * @throws chain errors of {@link resolveChain}; INVALID_REQUEST when no enumerated borrower holds
 *   the asset, or depth=pools without a configured pool.
 */
export async function systemicCascadeReport(sources: ReportSources, req: SystemicCascadeParams) {
  const chain = resolveChain(sources, req.chain)
  const client = sources.clientFor(chain)
  const budget = budgetFields(req)
  const deadline = budget.deadline ? { deadline: budget.deadline } : {}
  const block = await readBlockRef({
    client,
    chain: chain.key,
    ...(req.blockNumber === undefined ? {} : { blockNumber: req.blockNumber }),
    ...deadline,
  })
  const blockNumber = block.blockNumber
  const graph = sources.assets.graphFor(chain.key)
  const tokenRisk = (address: string) => {
    try {
      return riskAssetOf(graph, { chain: chain.key, address }).riskAsset.toUpperCase()
    } catch {
      return null
    }
  }
  // The LST (a graph wrapper of kind 'lst') a token resolves through, nearest the risk asset
  // (wstETH -> stETH -> ETH: stETH, the token the DEX prices against ETH); null when none.
  const lstOf = (token: string | null): string | null => {
    let node = token ? findNode(graph, { chain: chain.key, address: token }) : undefined
    let found: string | null = null
    for (let depth = 0; node?.kind === 'wrapper' && depth < 8; depth++) {
      if (node.wrapper === 'lst') found = node.symbol
      node = findNode(graph, node.inner)
    }
    return found
  }

  // The markets the market layer enumerates.
  const marketIds: { id: string; label?: string }[] = chain.aaveMarkets.map((m) => ({ id: m.id }))
  if (chain.morphoBlue) {
    const logs = await scanLogs({
      client,
      chain: chain.key,
      filter: { address: chain.morphoBlue.morpho, topics: [CREATE_MARKET] },
      fromBlock: chain.morphoBlue.fromBlock,
      toBlock: blockNumber,
      head: blockNumber,
      span: chain.morphoBlue.logsBlockSpan,
      what: 'Morpho Blue markets',
      ...deadline,
      ...(budget.logBudget ? { logBudget: budget.logBudget } : {}),
    })
    for (const log of logs) {
      const ev = decodeEventLog({ abi: MORPHO_EVENTS, data: log.data, topics: log.topics as [Hex, ...Hex[]] })
      const mp = ev.args.marketParams
      if (tokenRisk(mp.loanToken) === req.asset || tokenRisk(mp.collateralToken) === req.asset)
        marketIds.push({ id: ev.args.id.toLowerCase() })
    }
  }
  const notEnumerated: { kind: string; market: string; reason: string }[] = []

  const preparedMarkets = await mapLimit(marketIds, 2, (m) =>
    prepareMarket({
      client,
      chain,
      market: m.id,
      assets: sources.assets,
      caches: sources.caches,
      blockNumber,
      ...budget,
      ...(chain.subgraphs?.[m.id] ? { subgraphUrl: chain.subgraphs[m.id] } : {}),
    }),
  )
  const adapterMarkets = await prepareAdapterMarkets({
    client,
    chain,
    adapters: sources.adapters,
    assets: sources.assets,
    blockNumber,
    blockHash: block.blockHash,
    caches: sources.caches,
    ...budget,
  })
  for (const n of adapterMarkets.notEnumerated)
    notEnumerated.push({ kind: n.protocol, market: n.market, reason: n.reason })

  // Every lending market, whoever enumerated it, in one shape.
  const lendingMarkets: LendingSource[] = [
    ...preparedMarkets.map(({ market: m }): LendingSource => {
      const b = m.borrowers
      const label = b.positions[0]?.marketLabel
      return {
        market: m.market,
        protocol: b.positions[0]?.protocol ?? resolveMarket(chain, m.market).kind,
        ...(label ? { label } : {}),
        source: b.source,
        candidates: b.borrowers.length,
        withDebt: b.positions.length,
        unavailable: b.unavailable.length,
        inputs: m.inputs,
        cascade: m.cascadeFor(req.asset),
      }
    }),
    ...adapterMarkets.markets
      .filter((m) => m.kind === 'lending')
      .map(
        (m): LendingSource => ({
          market: m.market,
          protocol: m.protocol,
          source: m.source,
          candidates: m.candidates,
          withDebt: m.positions.length,
          unavailable: m.unavailable.length,
          inputs: m.inputs,
          cascade: m.cascadeFor(req.asset),
        }),
      ),
  ]

  // Groups by (market, oracle rule, LST token); positions keyed by market:owner.
  const oracles: OracleRule[] = []
  const oracleIndex = (base: OracleRule) => {
    const rule = req.oracleLag ? { ...base, id: `${base.id} (lagged)`, lag: req.oracleLag } : base
    const i = oracles.findIndex((o) => o.id === rule.id)
    return i >= 0 ? i : oracles.push(rule) - 1
  }
  const groups = new Map<string, SystemicLendingGroup>()
  const placed: Placed[] = []
  const infos: SystemicMarketInfo[] = []
  let startPrice: number | null = null
  for (const m of lendingMarkets) {
    const converted = m.cascade.inputs
    startPrice ??= converted.startPrice
    const byId = new Map(m.inputs.map((x) => [x.id, x]))
    for (const cp of converted.positions) {
      const input = byId.get(cp.id!)!
      const p = input.position
      const lst =
        input.contributions
          .filter((c) => c.source === 'collateral' && c.riskAsset === req.asset)
          .map((c) => lstOf(c.token))
          .find((x) => x !== null) ?? null
      const oracle = oracleIndex(oracleRuleFor(p.liquidationRule, lst, req.asset))
      const key = `${m.market}\u0000${oracle}\u0000${lst ?? ''}`
      let g = groups.get(key)
      if (!g) {
        g = { protocol: p.protocol, market: m.market, oracle, token: lst, positions: [] }
        groups.set(key, g)
      }
      g.positions.push(cp)
      const price = positionThresholds(cp)?.liquidationPrice ?? null
      placed.push({
        owner: cp.id!,
        market: m.market,
        protocol: p.protocol,
        side: 'collateral',
        oracle,
        price: price !== null && price > 0 ? price : null,
      })
    }
    const excluded: Record<string, number> = {}
    for (const e of converted.excluded) excluded[e.reason] = (excluded[e.reason] ?? 0) + 1
    infos.push({
      market: m.market,
      protocol: m.protocol,
      ...(m.label ? { label: m.label } : {}),
      kind: 'lending',
      source: m.source,
      candidates: m.candidates,
      withDebt: m.withDebt,
      inCascade: converted.positions.length,
      excluded,
      unavailable: m.unavailable,
    })
  }

  // Perps: each position's long/short leg in the asset at its venue's liquidation price.
  const perps: SystemicPerp[] = []
  for (const m of adapterMarkets.markets) {
    if (m.kind !== 'perp') continue
    const excluded: Record<string, number> = {}
    let inCascade = 0
    m.inputs.forEach((input, i) => {
      const row = systemicPerpOf(input, req.asset)
      if ('excluded' in row) {
        excluded[row.excluded] = (excluded[row.excluded] ?? 0) + 1
        return
      }
      const oracle = oracleIndex(oracleRuleFor(input.position.liquidationRule, lstOf(row.token), req.asset))
      perps.push({ ...row.perp, market: m.market, oracle })
      inCascade++
      placed.push({
        owner: m.owners[i]!,
        market: input.position.market,
        group: m.market,
        protocol: input.position.protocol,
        side: row.perp.side,
        oracle,
        price: row.perp.liquidationPrice,
      })
    })
    startPrice ??= m.referencePrices[req.asset] ?? null
    infos.push({
      market: m.market,
      protocol: m.protocol,
      kind: 'perp',
      source: m.source,
      candidates: m.candidates,
      withDebt: m.positions.length,
      inCascade,
      excluded,
      unavailable: m.unavailable.length,
    })
  }
  if (startPrice === null)
    throw new BaseError(
      'INVALID_REQUEST',
      `no enumerated borrower on ${chain.key} holds ${req.asset} collateral priced at par: nothing to cascade`,
    )
  const lending = [...groups.values()]

  // Depth: every configured pool of the asset, read at the block.
  const configured = (chain.dexPools ?? []).filter((p) => p.riskAsset === req.asset)
  if (req.depth === 'pools' && configured.length === 0)
    throw new BaseError(
      'INVALID_REQUEST',
      `no DEX pool is configured for ${req.asset} on ${chain.key}; use depth=sqrt`,
    )
  const poolInfos: {
    pool: Address
    label: string
    feePips: number
    liquidity: string
    tick: number
    initializedTicks: number
  }[] = []
  const unavailablePools: { pool: Address; code: string; reason: string }[] = []
  const poolDepths: PoolDepth[] = []
  if (req.depth === 'auto' || req.depth === 'pools') {
    for (const pool of configured) {
      try {
        const state = await readPoolStateAt({
          client,
          chain,
          pool: pool.pool,
          asset: pool.token,
          block,
          caches: sources.caches,
          ...deadline,
        })
        poolDepths.push(uniswapV3PoolDepth(pool.label, state))
        poolInfos.push({
          pool: pool.pool,
          label: pool.label,
          feePips: state.feePips,
          liquidity: state.liquidity.toString(),
          tick: state.tick,
          initializedTicks: state.ticks.length,
        })
      } catch (err) {
        if (!(err instanceof NotDeployedAtBlockError)) throw err
        unavailablePools.push({ pool: pool.pool, code: err.code, reason: err.message })
      }
    }
  }
  let depth: TwoSidedDepth = noDepth()
  let depthInfo:
    | { source: 'none' }
    | { source: 'uniswap-v3'; pools: typeof poolInfos; unavailable: typeof unavailablePools }
    | {
        source: 'sqrt'
        unitsForOnePercent: number
        calibration: string
        unavailable: typeof unavailablePools
      } = {
    source: 'none',
  }
  if (poolDepths.length > 0) {
    depth = aggregateDepth(poolDepths)
    depthInfo = { source: 'uniswap-v3', pools: poolInfos, unavailable: unavailablePools }
  } else if (req.depth === 'sqrt' || req.depth === 'auto') {
    // The market cascade's two sqrt rules in one: a lending market's collateral in the asset
    // and a perp venue's open interest (long plus short units) both count toward the depth.
    const collateralUnits = lending.reduce((a, g) => a + g.positions.reduce((b, p) => b + p.collateral, 0), 0)
    const openInterestUnits = perps.reduce((a, p) => a + p.sizeUnits, 0)
    const totalUnits = collateralUnits + openInterestUnits
    const unitsForOnePercent = req.unitsForOnePercent ?? Math.max(totalUnits * 0.005, 1e-9)
    // k = 1: units(-1%) = depthUnits x 0.01^2.
    depth = aggregateDepth([sqrtPoolDepth('sqrt law', unitsForOnePercent / 1e-4)])
    depthInfo = {
      source: 'sqrt',
      unitsForOnePercent,
      calibration:
        req.unitsForOnePercent === undefined
          ? 'default: selling 0.5% of the enumerated collateral in the asset plus the perp venues\u2019 open interest in it (long plus short units) moves its price 1% (symmetric for purchases)'
          : 'request',
      unavailable: unavailablePools,
    }
  }

  const population = { oracles, lending, perps }
  const prepared = prepareSystemic(population)
  const perpFlowShare = req.perpFlowShare ?? 1
  const options = { startPrice, depth, perpFlowShare, ...(req.depegs ? { depegs: req.depegs } : {}) }
  const results = systemicCurve(prepared, req.shocks, options)
  const perMarketPrepared = new Map(
    infos.map((info) => [
      info.market,
      prepareSystemic({
        oracles,
        lending: lending.filter((g) => g.market === info.market),
        perps: perps.filter((p) => p.market === info.market),
      }),
    ]),
  )
  const perMarket = infos.map((info) => ({
    market: info.market,
    protocol: info.protocol,
    points: systemicCurve(perMarketPrepared.get(info.market)!, req.shocks, {
      ...options,
      recordRounds: false,
    }).map((r) => ({
      initialShock: r.initialShock,
      finalShock: r.finalShock,
      positionsLiquidated: r.positionsLiquidated,
      liquidatedUsd: r.liquidatedUsd,
    })),
  }))

  let wallet:
    | {
        address: Address
        positions: {
          market: string
          protocol: string
          side: Placed['side']
          oracle: string
          liquidationPrice: number | null
          naiveShock: number | null
          perMarketShock: number | null
          systemicShock: number | null
        }[]
      }
    | undefined
  if (req.wallet) {
    const w = req.wallet.toLowerCase()
    wallet = {
      address: req.wallet,
      positions: placed
        .filter((x) => x.owner.toLowerCase() === w)
        .map((x) => {
          const trigger: SystemicTrigger = {
            oracle: x.oracle,
            price: x.price ?? 0,
            side: x.side === 'short' ? 'above' : 'below',
          }
          const sys = systemicShockToLiquidate(prepared, trigger, options)
          const own = systemicShockToLiquidate(perMarketPrepared.get(x.group ?? x.market)!, trigger, options)
          return {
            market: x.market,
            protocol: x.protocol,
            side: x.side,
            oracle: oracles[x.oracle]!.id,
            liquidationPrice: x.price,
            naiveShock: sys.naiveShock,
            perMarketShock: own.shock,
            systemicShock: sys.shock,
          }
        }),
    }
  }

  const point = (r: SystemicResult) => ({
    initialShock: r.initialShock,
    finalShock: r.finalShock,
    finalPrice: r.finalPrice,
    oraclePrices: r.oraclePrices,
    liquidatedUsd: r.liquidatedUsd,
    badDebtUsd: r.badDebtUsd,
    positionsLiquidated: r.positionsLiquidated,
    soldUnits: r.soldUnits,
    boughtUnits: r.boughtUnits,
    rounds: r.rounds,
    converged: r.converged,
    byProtocol: r.byProtocol,
    path: r.roundsDetail,
  })
  return {
    chain: chain.key,
    blockNumber: Number(blockNumber),
    asset: req.asset,
    startPrice,
    markets: infos,
    notEnumerated,
    oracles: oracles.map((o) => ({ id: o.id, source: o.source, ...(o.lag ? { lag: o.lag } : {}) })),
    depth: depthInfo,
    perpFlowShare,
    points: results.map(point),
    perMarket,
    ...(wallet ? { wallet } : {}),
    model:
      "One fixed point over every enumerated market: each protocol's close rule at its own oracle (market-following, or an exchange-rate adapter for LST collateral that a DEX depeg does not move), seized collateral sold into the chain's pools aggregated at one arbitraged price, perp closes as sells (longs) or buy-backs (shorts), repeated until no new liquidation.",
  }
}
