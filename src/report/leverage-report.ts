/**
 * The leverage use cases: a market's (or every lending market of a chain's) leverage in numbers
 * at one block, from the prepared markets (src/markets/prepared-market.ts: the same lean reads and
 * cache as the market cascade) and {@link leverageMetrics}.
 */
import { listLendingMarkets } from '../markets/list-lending-markets.js'
import {
  isMarketLayerId,
  listsAdapterMarket,
  type PreparedAdapterMarket,
  prepareAdapterMarket,
  prepareAdapterMarkets,
} from '../markets/prepared-adapter-markets.js'
import { type PreparedMarket, prepareMarket, readBlockRef } from '../markets/prepared-market.js'
import type { ChainRuntime } from '../protocols/types.js'
import { type LeverageInput, type LeverageMetrics, leverageMetrics } from '../risk/leverage-metrics.js'
import type { ReportSources } from './report-sources.js'
import { resolveChain } from './report-sources.js'
import { budgetFields, type RequestBudget } from './request-budget.js'

/** Bins of the liquidation-levels histograms by default. */
export const DEFAULT_LEVERAGE_BINS = 40
/** The histograms' default range, multiples of the reference price. */
export const DEFAULT_LEVERAGE_RANGE = [0.5, 1.5] as const

/** Params of {@link marketLeverageReport} and {@link chainLeverageReport}. */
export interface LeverageParams extends RequestBudget {
  chain: string
  /** Bins per liquidation-levels histogram (default 40). */
  bins?: number
  /** The histograms' range as multiples of each risk asset's reference price (default 0.5-1.5). */
  low?: number
  high?: number
  blockNumber?: bigint
}

/** Params of {@link marketLeverageReport}. */
export interface MarketLeverageParams extends LeverageParams {
  /** An Aave market id of the chain or a Morpho market id (bytes32). */
  market: string
}

/** Why a lending market's report has no perp section: perps are a chain's (GET /v1/chains/{chain}/leverage). */
export const PERPS_NOT_ENUMERATED =
  "a lending market holds no perp positions: the chain's leverage report (GET /v1/chains/{chain}/leverage) carries the perp venues' long/short open interest and liquidation levels"

/** One market's line in a leverage report. */
export interface LeverageMarketLine {
  market: string
  /** The market's label for people (Morpho: "WETH/USDC 86.0%"), when its id is opaque. */
  label?: string
  protocol: string | null
  /** perp: a perp venue (`withDebt` counts its open positions); absent: lending. */
  kind?: 'perp'
  source: 'subgraph' | 'logs' | 'registry'
  candidates: number
  withDebt: number
  unavailable: number
  collateralUsd: number
  debtUsd: number
}

function lineOf(m: PreparedMarket): LeverageMarketLine {
  const b = m.borrowers
  const first = b.positions[0]
  return {
    market: m.market,
    ...(first?.marketLabel ? { label: first.marketLabel } : {}),
    protocol: first?.protocol ?? null,
    source: b.source,
    candidates: b.borrowers.length,
    withDebt: b.positions.length,
    unavailable: b.unavailable.length,
    collateralUsd: b.positions.reduce((a, p) => a + p.collateralUsd, 0),
    debtUsd: b.positions.reduce((a, p) => a + p.debtUsd, 0),
  }
}

function adapterLineOf(m: PreparedAdapterMarket): LeverageMarketLine {
  return {
    market: m.market,
    protocol: m.protocol,
    ...(m.kind === 'perp' ? { kind: 'perp' as const } : {}),
    source: m.source,
    candidates: m.candidates,
    withDebt: m.positions.length,
    unavailable: m.unavailable.length,
    collateralUsd: m.positions.reduce((a, p) => a + p.collateralUsd, 0),
    debtUsd: m.positions.reduce((a, p) => a + p.debtUsd, 0),
  }
}

/** The reference price of each risk asset over several markets: the median of theirs. */
function mergedPrices(markets: readonly Pick<PreparedMarket, 'referencePrices'>[]): Record<string, number> {
  const samples = new Map<string, number[]>()
  for (const m of markets)
    for (const [asset, price] of Object.entries(m.referencePrices)) {
      const list = samples.get(asset) ?? []
      list.push(price)
      samples.set(asset, list)
    }
  const out: Record<string, number> = {}
  for (const [asset, list] of samples) {
    list.sort((a, b) => a - b)
    out[asset] = list[Math.floor(list.length / 2)] as number
  }
  return out
}

function metricsOf(
  markets: readonly PreparedMarket[],
  req: LeverageParams,
  prices: Record<string, number>,
  adapterMarkets: readonly PreparedAdapterMarket[] = [],
) {
  // A borrower is one holder across markets: concentration sums its positions.
  const inputs: LeverageInput[] = [
    ...markets.flatMap((m) =>
      m.inputs.map((i) => ({ ...i, id: `${m.market}:${i.id}`, holder: i.id.toLowerCase() })),
    ),
    ...adapterMarkets.flatMap((m) =>
      m.inputs.map((i, k) => ({ ...i, id: `${m.market}:${i.id}`, holder: m.owners[k]!.toLowerCase() })),
    ),
  ]
  return leverageMetrics(inputs, {
    prices,
    bins: req.bins ?? DEFAULT_LEVERAGE_BINS,
    range: [req.low ?? DEFAULT_LEVERAGE_RANGE[0], req.high ?? DEFAULT_LEVERAGE_RANGE[1]],
  })
}

const MODEL =
  'Positions read at one block (every borrower of each market); USD at the protocols\u2019 own prices; risk assets through the asset graph. Concentration over holders (a borrower of several markets is one holder). Liquidation levels under the linear health model: HF = sum(LT x collateral) / debt with one risk asset\u2019s price moved and every other price held.'

/** A market's leverage metrics at one block. */
export interface MarketLeverageReport {
  chain: string
  market: string
  blockNumber: number
  prices: Record<string, number>
  markets: LeverageMarketLine[]
  metrics: LeverageMetrics
  perps: { enumerated: boolean; reason: string }
  model: string
}

/**
 * The leverage of one market at one block.
 * @throws chain errors of {@link resolveChain}; NOT_FOUND for a market the chain does not have;
 *   the market read's errors (RPC, range, budget).
 */
export async function marketLeverageReport(
  sources: ReportSources,
  req: MarketLeverageParams,
): Promise<MarketLeverageReport> {
  const chain = resolveChain(sources, req.chain)
  const client = sources.clientFor(chain)
  if (!isMarketLayerId(chain, req.market) && listsAdapterMarket(sources.adapters, chain, req.market)) {
    // A Comet, an Aave V4 Spoke or a GMX deployment: its adapter's market-wide read at the block.
    const budget = budgetFields(req)
    const block = await readBlockRef({
      client,
      chain: chain.key,
      ...(req.blockNumber === undefined ? {} : { blockNumber: req.blockNumber }),
      ...(budget.deadline ? { deadline: budget.deadline } : {}),
    })
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
    return {
      chain: chain.key,
      market: req.market,
      blockNumber: Number(m.blockNumber),
      prices: m.referencePrices,
      markets: [adapterLineOf(m)],
      metrics: metricsOf([], req, m.referencePrices, [m]),
      perps:
        m.kind === 'perp'
          ? {
              enumerated: true,
              reason: `${m.positions.length} open perp position(s) of ${m.market}, from the venue's own position list, read at this block`,
            }
          : { enumerated: false, reason: PERPS_NOT_ENUMERATED },
      model: MODEL,
    }
  }
  const { market } = await prepareMarket({
    client,
    chain,
    market: req.market,
    assets: sources.assets,
    caches: sources.caches,
    ...budgetFields(req),
    ...(req.blockNumber === undefined ? {} : { blockNumber: req.blockNumber }),
    ...(chain.subgraphs?.[req.market] ? { subgraphUrl: chain.subgraphs[req.market] } : {}),
  })
  return {
    chain: chain.key,
    market: req.market,
    blockNumber: Number(market.blockNumber),
    prices: market.referencePrices,
    markets: [lineOf(market)],
    metrics: metricsOf([market], req, market.referencePrices),
    perps: { enumerated: false, reason: PERPS_NOT_ENUMERATED },
    model: MODEL,
  }
}

/** A chain's leverage metrics at one block. */
export interface ChainLeverageReport extends Omit<MarketLeverageReport, 'market'> {
  /** Lending protocols whose markets are not enumerated market-wide yet (not in the metrics). */
  notCovered: { protocol: string; reason: string }[]
}

/**
 * The leverage of every market of a chain whose positions can be enumerated (each Aave v3 market,
 * every Morpho Blue market; every Comet and GMX v2 deployment through its adapter's
 * `listMarketPositions`), all at the same block; the GMX positions make the perp section (long vs
 * short open interest per risk asset, their liquidation levels).
 * @throws chain errors of {@link resolveChain}; the market reads' errors (RPC, range, budget).
 */
export async function chainLeverageReport(
  sources: ReportSources,
  req: LeverageParams,
): Promise<ChainLeverageReport> {
  const chain = resolveChain(sources, req.chain)
  const client = sources.clientFor(chain)
  const budget = budgetFields(req)
  const block = await readBlockRef({
    client,
    chain: chain.key,
    ...(req.blockNumber === undefined ? {} : { blockNumber: req.blockNumber }),
    ...(budget.deadline ? { deadline: budget.deadline } : {}),
  })
  const refs = await listLendingMarkets({ client, chain, blockNumber: block.blockNumber, ...budget })
  const markets: PreparedMarket[] = []
  for (const ref of refs) {
    const { market } = await prepareMarket({
      client,
      chain,
      market: ref.market,
      assets: sources.assets,
      caches: sources.caches,
      blockNumber: block.blockNumber,
      ...budget,
      ...(chain.subgraphs?.[ref.market] ? { subgraphUrl: chain.subgraphs[ref.market] } : {}),
    })
    markets.push(market)
  }
  const adapters = await prepareAdapterMarkets({
    client,
    chain,
    adapters: sources.adapters,
    assets: sources.assets,
    blockNumber: block.blockNumber,
    blockHash: block.blockHash,
    caches: sources.caches,
    ...budget,
  })
  const prices = mergedPrices([...markets, ...adapters.markets])
  const notCovered: ChainLeverageReport['notCovered'] = adapters.notEnumerated.map((n) => ({
    protocol: n.protocol,
    reason: `${n.market}: ${n.reason}`,
  }))
  const perpMarkets = adapters.markets.filter((m) => m.kind === 'perp')
  const perpCount = perpMarkets.reduce((a, m) => a + m.positions.length, 0)
  return {
    chain: chain.key,
    blockNumber: Number(block.blockNumber),
    prices,
    markets: [...markets.map(lineOf), ...adapters.markets.map(adapterLineOf)],
    metrics: metricsOf(markets, req, prices, adapters.markets),
    perps:
      perpMarkets.length > 0
        ? {
            enumerated: true,
            reason: `${perpCount} open perp position(s) of ${perpMarkets.map((m) => m.market).join(', ')}, from each venue's own position list, read at this block`,
          }
        : { enumerated: false, reason: 'the chain has no perp venue whose positions can be enumerated' },
    notCovered,
    model: MODEL,
  }
}
