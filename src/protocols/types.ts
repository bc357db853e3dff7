import type { BlockContext, RawCall, RawResult } from '../chains/batch.js'
import type { ChainClient } from '../chains/client.js'
import type { Deadline } from '../chains/deadline.js'
import type { LogBudget } from '../chains/log-budget.js'
import type { Address } from '../core/address.js'
import type { Position, PositionResult } from '../core/types.js'
import type { DexPoolConfig } from '../dex/dex-pools.js'
import type { PositionRates } from '../risk/carry.js'
import type { HedgeVenueQuote } from '../risk/hedge.js'
import type { AaveMarketConfig } from './aave-v3/markets.js'
import type { AaveV4Deployment } from './aave-v4/markets.js'
import type { CometConfig } from './compound-v3/markets.js'
import type { GmxV2Config } from './gmx-v2/markets.js'
import type { MorphoBlueConfig } from './morpho-blue/markets.js'

/** An EVM chain this deployment can read: where to reach it and which markets live on it. */
export interface ChainRuntime {
  /** A key of the chain registry, or of a chain declared in STACKLENS_CONFIG. */
  key: string
  chainId: number
  /** RPC URLs in fallback order. */
  rpcUrls: string[]
  multicall3: Address
  aaveMarkets: AaveMarketConfig[]
  /** The chain's Aave V4 deployments (Hubs and Spokes); the address book's for the key when omitted. */
  aaveV4?: readonly AaveV4Deployment[]
  /**
   * A USD price source for assets priced outside their protocol (Morpho prices collateral in loan
   * units): an AaveOracle-compatible `getAssetPrice(asset)` in USD with 8 decimals; null if none.
   */
  usdPriceOracle: Address | null
  /** The chain's Morpho Blue singleton, if any. */
  morphoBlue: MorphoBlueConfig | null
  /** The chain's Comets (Compound v3). */
  comets: CometConfig[]
  /** The chain's GMX v2 deployments. */
  gmxV2: GmxV2Config[]
  /**
   * DEX pools whose on-chain liquidity prices a cascade's forced sales, per risk asset (a Uniswap
   * v3 pool of the asset against a stablecoin). Empty: a calibrated square-root depth curve.
   */
  dexPools?: DexPoolConfig[]
  /** Subgraph GraphQL endpoints by market id, to enumerate a market's borrowers. */
  subgraphs?: Record<string, string>
}

/**
 * An off-EVM venue read over its own API (Hyperliquid's L1): no client, no multicall. Its state
 * is the venue's, not a block's: a report of it says block 0 and the venue's time.
 */
export interface VenueRuntime {
  /** The venue key, also the `chain` its positions carry, e.g. "hyperliquid". */
  key: string
  /** API base URL. */
  url: string
  fetchFn?: typeof fetch
}

/** One market an adapter serves on a chain, as `GET /v1/chains` lists it. */
export interface MarketListing {
  /** Market id (the `market` of its positions, or of the route that reads it). */
  id: string
  /** Protocol key its positions carry, e.g. "aave-v3", "spark", "aave-v4". */
  protocol: string
  name: string
  /**
   * The protocol version when the configuration states it (the devchain's deployments, GMX's
   * Reader layout); null when the adapter detects it at each read (Aave v3's POOL_REVISION).
   */
  version: string | null
  /** Where the market's addresses come from (an address book, deployment records, a manifest). */
  source: string
}

/** Runs more calls pinned to the same block as the main batch (rare follow-up reads). */
export type FollowUp = (calls: readonly RawCall[]) => Promise<RawResult[]>

/**
 * What an adapter needs read for one wallet in one market: its calls go into the chain's single
 * aggregate3 batch; `decode` turns their results (same order) into positions.
 */
export interface WalletReadPlan {
  /** Market id, for error reporting. */
  market: string
  protocol: string
  /** What the plan reads; "lending" when omitted (used for `unavailable` rows). */
  kind?: 'lending' | 'perp'
  calls: RawCall[]
  /**
   * A venue plan (no calls) says when its state is from (block 0, the venue's time, Unix
   * seconds); chain plans are pinned by the batch and leave it unset.
   */
  at?: BlockContext
  decode(results: RawResult[], block: BlockContext, followUp: FollowUp): Promise<PositionResult[]>
}

/**
 * What discovery may use: the source (an EVM chain with its client, or a venue), the user, and
 * the block the report is pinned to (latest when undefined).
 */
export interface DiscoveryContext<S = ChainRuntime> {
  /** The chain's client; venues have none. */
  client: S extends ChainRuntime ? ChainClient : undefined
  chain: S
  user: Address
  /** The block the report is pinned to; latest when undefined. */
  toBlock?: bigint
  /**
   * The chain head as resolved once for this request (block number). Log ranges never go past it;
   * when `toBlock` is undefined the reads that follow are pinned to it.
   */
  head?: bigint
  /**
   * When the report reads the latest block and the head is not known yet: the head being read in
   * the SAME round trip as discovery (one JSON-RPC batch). A log scan then asks for `latest` and
   * keeps only the logs at or below this head, the block the batch is pinned to; an `eth_call`
   * made at `latest` must treat what it read as a hint the pinned batch confirms.
   */
  latestHead?: Promise<bigint>
  /** The request's deadline, for every upstream call discovery makes. */
  deadline?: Deadline
  /** The request's eth_getLogs budget; a fresh default budget when omitted. */
  logBudget?: LogBudget
}

/**
 * A protocol adapter: one exported object per protocol folder. Adapters never call each other;
 * the resolver only sees the positions they produce. `D` is what `discover` finds (the markets a
 * wallet may hold), handed back to `planWallet` typed; `S` is where it reads (an EVM chain, or a
 * venue such as Hyperliquid). The default `unknown` types a list of adapters of different kinds.
 */
export interface ProtocolAdapter<D = unknown, S = ChainRuntime> {
  /** Protocol family key, e.g. "aave-v3". */
  readonly key: string
  readonly name: string
  /**
   * Finds which markets `user` may hold (event logs, indexers, a venue's account), before the
   * batch. Adapters whose markets are a fixed list skip it. All adapters' discoveries run
   * concurrently (one round trip).
   */
  discover?(ctx: DiscoveryContext<S>): Promise<D>
  /** The markets this adapter serves on `chain` (for `GET /v1/chains`); none when omitted. */
  listMarkets?(chain: ChainRuntime): MarketListing[]
  /**
   * Plans the reads of `user` in the markets of this adapter on `chain`; `discovered` is what
   * `discover` returned (undefined without discovery).
   */
  planWallet(chain: S, user: Address, discovered?: D): WalletReadPlan[]
  /**
   * Optional cheap health read (monitoring): a few calls per market that tell whether a wallet's
   * position there moved, batched across MANY wallets by `src/monitor/evaluate/batch-read.ts`.
   * Same `discovered` as {@link planWallet}. Adapters without it are deep-read on a schedule.
   */
  planHealth?(chain: S, user: Address, discovered?: D): HealthReadPlan[]
  /**
   * Reads the supply and borrow rates of the given positions' legs at `ctx.blockNumber`, each by
   * the protocol's own rate model (the adapter states the getter and the compounding). Returns one
   * entry per position it serves (by layer id); positions of other adapters are skipped.
   */
  readRates?(ctx: RateReadContext, positions: readonly LayerPosition[]): Promise<PositionRates[]>
  /**
   * A venue's (off-EVM) rates of the given positions' legs now (perp funding), read over its API;
   * one entry per position it serves.
   */
  readVenueRates?(ctx: VenueRateReadContext, positions: readonly LayerPosition[]): Promise<PositionRates[]>
  /**
   * The key of this adapter's hedge venue on the hedge route (`venue=<key>:<chain>[:<market>]`,
   * e.g. "gmx"); absent when it quotes no hedges.
   */
  readonly hedgeVenue?: string
  /** The venue's terms per risk asset at `ctx.blockNumber` (see {@link HedgeQuoteContext}). */
  readHedgeQuotes?(ctx: HedgeQuoteContext): Promise<Map<string, HedgeVenueQuote>>
  /**
   * Market-wide: every open position of this adapter's markets on `ctx.chain` at `ctx.blockNumber`
   * (the systemic cascade, the chain leverage metrics), its holders enumerated from the protocol's
   * own records (events, or an on-chain position list) and each position read with the adapter's
   * own wallet read at that block. Markets it cannot enumerate are named with the reason. Omitted:
   * the adapter's markets are read market-wide elsewhere (src/markets: Aave v3, Morpho) or not at all.
   */
  listMarketPositions?(ctx: MarketPositionsContext): Promise<MarketPositionsList>
}

/** Where and what {@link ProtocolAdapter.readHedgeQuotes} quotes. */
export interface HedgeQuoteContext extends RateReadContext {
  /** One market (its address) when the venue names one; null: the adapter picks per risk asset. */
  market: Address | null
  /** The risk assets to quote (the resolver's names: ETH, BTC, ...). */
  riskAssets: readonly string[]
  /** The resolver's risk asset of a token (the asset graph of the chain). */
  riskAssetOf(token: { address: Address; symbol: string }): string
  /** The side the hedge of a risk asset will take, when known (fees may depend on it). */
  side?: ((riskAsset: string) => 'long' | 'short') | undefined
}

/** Where {@link ProtocolAdapter.listMarketPositions} reads: one chain, pinned to one block. */
export interface MarketPositionsContext {
  client: ChainClient
  chain: ChainRuntime
  /** The block every read is pinned to; event scans end there. */
  blockNumber: bigint
  deadline?: Deadline | undefined
  /** The request's eth_getLogs budget. */
  logBudget?: LogBudget | undefined
  /**
   * Only these markets (ids as {@link ProtocolAdapter.listMarkets} lists them: a Comet id, a GMX
   * deployment id, an Aave V4 Spoke id): the adapter reads nothing of its other markets and leaves
   * them out of `notEnumerated` too. Absent: every market of the chain.
   */
  markets?: readonly string[] | undefined
}

/** Whether `ctx` asks for market `id` (no {@link MarketPositionsContext.markets} filter: every market). */
export function wantsMarket(ctx: Pick<MarketPositionsContext, 'markets'>, id: string): boolean {
  return ctx.markets === undefined || ctx.markets.includes(id)
}

/** Every open position of one market (or one perp deployment) at one block. */
export interface MarketPositionsRead {
  /** The market id (a Comet's id, a GMX deployment's id); positions may carry a finer `market`. */
  market: string
  protocol: string
  kind: 'lending' | 'perp'
  /** Where the holders came from: the protocol's events, or its own on-chain position list. */
  source: 'logs' | 'registry'
  /** Holders (or position keys) the source named. */
  candidates: number
  /** Open positions (lending: some debt; perps: some size); `owners[i]` holds `positions[i]`. */
  positions: Position[]
  owners: Address[]
  /**
   * Holders whose position could not be read: listed, never counted as empty (`owner` null when
   * the source named a position whose holder could not be read).
   */
  unavailable: { owner: Address | null; code: string; reason: string }[]
  blockNumber: bigint
  /** Unix seconds of that block. */
  timestamp: bigint
}

/** What {@link ProtocolAdapter.listMarketPositions} answers. */
export interface MarketPositionsList {
  markets: MarketPositionsRead[]
  /** Markets of the adapter on the chain that it cannot enumerate market-wide, and why. */
  notEnumerated: { market: string; protocol: string; reason: string }[]
}

/**
 * One market's cheap health read for one wallet: its calls join a multi-wallet aggregate3 batch
 * (identical calls of different wallets are read once); `decode` turns their results (same
 * order) into a {@link HealthReading}.
 */
export interface HealthReadPlan {
  market: string
  protocol: string
  calls: RawCall[]
  /**
   * Gas upper bound of `calls` inside one aggregate3 (gas units, cold storage assumed), so the
   * batch reader can chunk by an eth_call gas cap.
   */
  gas: number
  decode(results: RawResult[]): HealthReading
}

/** What a cheap health read saw of one wallet in one market. */
export interface HealthReading {
  market: string
  protocol: string
  /** `none`: the wallet holds nothing there; `ok`: read; `failed`: a call reverted or decoded badly. */
  status: 'none' | 'ok' | 'failed'
  /**
   * The protocol's own health factor in WAD, exactly as its contract computes it at the batch's
   * block; null without debt, or when this plan cannot know it exactly (then only `size` moves).
   */
  healthFactorWad: bigint | null
  /** True when `healthFactorWad` is the protocol's exact value (it may then replace a deep read's). */
  exact: boolean
  /**
   * Sizes that move with the position (collateral, debt), floats in the protocol's own reporting
   * unit (Aave: base currency, USD with 8 decimals, as whole units): compared relatively.
   */
  size: readonly number[]
}

/** Where {@link ProtocolAdapter.readVenueRates} reads: the venue and the request's deadline. */
export interface VenueRateReadContext {
  venue: VenueRuntime
  deadline?: Deadline | undefined
}

/** A position with the resolver's layer id, for {@link ProtocolAdapter.readRates}. */
export interface LayerPosition {
  layer: string
  position: Position
}

/** Where {@link ProtocolAdapter.readRates} reads: a chain, its client, the pinned block. */
export interface RateReadContext {
  client: ChainClient
  chain: ChainRuntime
  blockNumber: bigint
  deadline?: Deadline | undefined
}
