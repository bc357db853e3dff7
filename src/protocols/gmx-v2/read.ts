/**
 * The GMX v2 adapter's I/O. One wallet on one deployment costs, with GMX's oracle prices
 * (production):
 * - discovery (concurrent with every other adapter's discovery): the tickers GET of GMX's oracle
 *   service, and ONE aggregate3 with `Reader.getAccountPositions` and `Reader.getMarkets`, which
 *   give the position keys, their markets and the Reader's layout (probed from the answer);
 * - the chain's one batch: `getAccountPositions` again (the authoritative positions, at the batch's
 *   block) and `getMarkets`, plus per discovered position the keeper's verdict
 *   `isPositionLiquidatable(…, shouldValidateMinCollateralUsd = true, forLiquidation = true)`,
 *   `getPositionInfo` (pending fees, close impact, pnl) and the DataStore's stored cumulative
 *   borrowing factor, funding per size and the market's liquidation impact cap.
 * Two round trips in all. Priced by feeds (the devchain), discovery's aggregate3 also reads the
 * feeds, so the verdict is planned with them; the batch reads the feeds again, and a verdict
 * planned with prices other than the batch's (a feed moved in between), like a position opened
 * between discovery and the batch, costs one follow-up pinned to the batch's block. Every call goes to the Reader live at the pinned block (GMX redeploys it; see
 * markets.ts), decoded in the layout its answer has (v2.2, or v2.1 at old blocks).
 */
import { type Abi, encodeAbiParameters, type Hex, hexToBigInt, keccak256, zeroAddress } from 'viem'
import { decodeFunctionResultFast, encodeFunctionDataFast } from '../../chains/abi-call.js'
import { type BlockContext, executeBatch, type RawCall, type RawResult } from '../../chains/batch.js'
import { type Address, sameAddress } from '../../core/address.js'
import { BoundedCache } from '../../core/bounded-cache.js'
import { BaseError, type ErrorContext, ProtocolLayoutMismatchError } from '../../core/errors.js'
import type { PositionResult } from '../../core/types.js'
import type { ChainRuntime, DiscoveryContext, FollowUp, ProtocolAdapter, WalletReadPlan } from '../types.js'
import { gmxDataStoreAbi, gmxFeedAbi, gmxReaderAbi, gmxReaderV21Abi } from './abi.js'
import { GMX_HEDGE_VENUE, readGmxHedgeQuotes } from './hedge-quote.js'
import {
  GMX_V2_SOURCE,
  type GmxMarketHint,
  type GmxReaderRecord,
  type GmxTokenInfo,
  type GmxV2Config,
  gmxTokensEquivalent,
} from './markets.js'
import type { GmxPrice } from './math.js'
import {
  buildGmxPosition,
  type GmxMarketPrices,
  type GmxOnChainPosition,
  type GmxPositionInfo,
  type GmxStoredState,
} from './position.js'
import { fetchGmxTickers, type GmxOraclePrices, GmxPriceError } from './prices.js'
import { readGmxRates } from './rates.js'

/** Protocol key of every GMX v2 position. */
export const GMX_V2_PROTOCOL = 'gmx-v2'

/** Default most positions read per wallet. */
export const GMX_MAX_POSITIONS = 100

/** Default most markets read by getMarkets. */
export const GMX_MAX_MARKETS = 1000

/**
 * The GMX deployments of a chain runtime: `chain.gmxV2`; none when the runtime has no such field.
 */
export function gmxConfigsOf(chain: ChainRuntime): readonly GmxV2Config[] {
  return (chain as ChainRuntime & { gmxV2?: readonly GmxV2Config[] }).gmxV2 ?? []
}

/** A GMX read that failed or answered something unusable (PROTOCOL_READ_FAILED). */
export class GmxReadFailedError extends BaseError {
  override name = 'GmxReadFailedError'
  constructor(what: string, context: ErrorContext) {
    super('PROTOCOL_READ_FAILED', `${what} on market ${context.market}`, { context })
  }
}

/** A position whose index or collateral token is not in the deployment's token config (PRICE_UNAVAILABLE: it cannot be valued). */
export class GmxUnknownTokenError extends BaseError {
  override name = 'GmxUnknownTokenError'
  constructor(token: Address, context: ErrorContext) {
    super(
      'PRICE_UNAVAILABLE',
      `token ${token} is not in GMX's token config for ${context.chain} (no decimals to value it)`,
      { context },
    )
  }
}

/** One allow-failure call of `functionName` on `target`. */
export function call(
  target: Address,
  abi: Abi,
  functionName: string,
  args: readonly unknown[] = [],
): RawCall {
  return {
    target,
    allowFailure: true,
    callData: encodeFunctionDataFast({ abi, functionName, args } as never),
  }
}

/**
 * Memo of the keccak keys below (pure functions of their arguments, at most 4,096 kept): every wallet read derives the same few keys per position and
 * market again, and keccak was a visible share of a request's CPU. Keyed by the exact argument
 * strings, so an argument viem's encoder refuses still throws (it is never stored).
 */
const keyMemo = new BoundedCache<string, Hex>(4_096)

function memoKey(memo: string, derive: () => Hex): Hex {
  const known = keyMemo.get(memo)
  if (known !== undefined) return known
  const key = derive()
  keyMemo.set(memo, key)
  return key
}

/** GMX's Position.getPositionKey: keccak256(abi.encode(account, market, collateralToken, isLong)). */
export function gmxPositionKey(
  account: Address,
  market: Address,
  collateralToken: Address,
  isLong: boolean,
): Hex {
  return memoKey(`position|${account}|${market}|${collateralToken}|${isLong}`, () =>
    keccak256(
      encodeAbiParameters(
        [{ type: 'address' }, { type: 'address' }, { type: 'address' }, { type: 'bool' }],
        [account, market, collateralToken, isLong],
      ),
    ),
  )
}

/** A Keys.sol constant: keccak256(abi.encode("NAME")) (the ABI encoding of a string). */
export function gmxKey(name: string): Hex {
  return keccak256(encodeAbiParameters([{ type: 'string' }], [name]))
}

const CUMULATIVE_BORROWING_FACTOR = gmxKey('CUMULATIVE_BORROWING_FACTOR')
const FUNDING_FEE_AMOUNT_PER_SIZE = gmxKey('FUNDING_FEE_AMOUNT_PER_SIZE')
const MAX_POSITION_IMPACT_FACTOR_FOR_LIQUIDATIONS = gmxKey('MAX_POSITION_IMPACT_FACTOR_FOR_LIQUIDATIONS')

/** Keys.cumulativeBorrowingFactorKey(market, isLong). */
export function cumulativeBorrowingFactorKey(market: Address, isLong: boolean): Hex {
  return memoKey(`borrowing|${market}|${isLong}`, () =>
    keccak256(
      encodeAbiParameters(
        [{ type: 'bytes32' }, { type: 'address' }, { type: 'bool' }],
        [CUMULATIVE_BORROWING_FACTOR, market, isLong],
      ),
    ),
  )
}

/** Keys.fundingFeeAmountPerSizeKey(market, collateralToken, isLong). */
export function fundingFeeAmountPerSizeKey(market: Address, collateralToken: Address, isLong: boolean): Hex {
  return memoKey(`funding|${market}|${collateralToken}|${isLong}`, () =>
    keccak256(
      encodeAbiParameters(
        [{ type: 'bytes32' }, { type: 'address' }, { type: 'address' }, { type: 'bool' }],
        [FUNDING_FEE_AMOUNT_PER_SIZE, market, collateralToken, isLong],
      ),
    ),
  )
}

/** Keys.maxPositionImpactFactorForLiquidationsKey(market). */
export function maxPositionImpactFactorForLiquidationsKey(market: Address): Hex {
  return memoKey(`impact|${market}`, () =>
    keccak256(
      encodeAbiParameters(
        [{ type: 'bytes32' }, { type: 'address' }],
        [MAX_POSITION_IMPACT_FACTOR_FOR_LIQUIDATIONS, market],
      ),
    ),
  )
}

/** Converts a feed answer to GMX units: USD (30 decimals) per raw token unit. */
export function feedAnswerToGmxPrice(answer: bigint, feedDecimals: number, tokenDecimals: number): bigint {
  const shift = 30 - feedDecimals - tokenDecimals
  return shift >= 0 ? answer * 10n ** BigInt(shift) : answer / 10n ** BigInt(-shift)
}

/**
 * The Reader to call at `block`: the newest record deployed at or before it (the current Reader
 * when the read is not pinned, or when the config has no history).
 */
export function readerAt(config: GmxV2Config, block?: bigint): GmxReaderRecord {
  const records = config.readers ?? []
  if (block === undefined || records.length === 0)
    return records[0] ?? { address: config.reader, fromBlock: 0n, layout: 'v2.2' }
  const live = records.find((r) => r.fromBlock <= block)
  if (!live) {
    throw new GmxReadFailedError(`no GMX Reader was deployed at block ${block}`, {
      chain: config.chain,
      protocol: GMX_V2_PROTOCOL,
      market: config.id,
    })
  }
  return live
}

/** One Position.Props as decoded, in either layout (pendingImpactAmount is 0 before v2.2). */
export interface GmxDecodedPosition {
  key: Hex
  account: Address
  market: Address
  collateralToken: Address
  isLong: boolean
  sizeInUsd: bigint
  sizeInTokens: bigint
  collateralAmount: bigint
  pendingImpactAmount: bigint
  borrowingFactor: bigint
  fundingFeeAmountPerSize: bigint
  increasedAtTime: bigint
}

/** A Reader PositionProps as viem decodes it (USD in 1e30, tokens in their raw units, seconds). */
export interface PositionPropsRaw {
  addresses: { account: Address; market: Address; collateralToken: Address }
  numbers: {
    sizeInUsd: bigint
    sizeInTokens: bigint
    collateralAmount: bigint
    pendingImpactAmount?: bigint
    borrowingFactor: bigint
    fundingFeeAmountPerSize: bigint
    increasedAtTime: bigint
  }
  flags: { isLong: boolean }
}

/**
 * Decodes a getAccountPositions answer, probing its layout from the element width: 14 words per
 * Position.Props is v2.2 (pendingImpactAmount), 13 is v2.1. Anything else is a layout mismatch.
 */
export function decodeAccountPositions(
  data: Hex,
  context: ErrorContext,
): { layout: 'v2.2' | 'v2.1'; positions: GmxDecodedPosition[] } {
  const bytes = (data.length - 2) / 2
  if (bytes < 64 || bytes % 32 !== 0)
    throw new ProtocolLayoutMismatchError('Reader.getAccountPositions answered a malformed array', context)
  const count = hexToBigInt(`0x${data.slice(66, 130)}`)
  const words = BigInt(bytes / 32 - 2)
  const width = count === 0n ? 14n : words / count
  if (count > 0n && words % count !== 0n)
    throw new ProtocolLayoutMismatchError('Reader.getAccountPositions answered a malformed array', context)
  if (width !== 14n && width !== 13n) {
    throw new ProtocolLayoutMismatchError(
      `Reader.getAccountPositions answered ${width}-word positions (v2.2 has 14, v2.1 has 13)`,
      context,
    )
  }
  const layout = width === 14n ? 'v2.2' : 'v2.1'
  let raw: readonly PositionPropsRaw[]
  try {
    raw = decodeFunctionResultFast({
      abi: layout === 'v2.2' ? gmxReaderAbi : gmxReaderV21Abi,
      functionName: 'getAccountPositions',
      data,
    } as never) as readonly PositionPropsRaw[]
  } catch (err) {
    throw new ProtocolLayoutMismatchError(
      `Reader.getAccountPositions answered in a layout the adapter does not decode (${layout} width)`,
      context,
      err,
    )
  }
  return {
    layout,
    positions: raw.map((p) => ({
      key: gmxPositionKey(
        p.addresses.account,
        p.addresses.market,
        p.addresses.collateralToken,
        p.flags.isLong,
      ),
      account: p.addresses.account,
      market: p.addresses.market,
      collateralToken: p.addresses.collateralToken,
      isLong: p.flags.isLong,
      sizeInUsd: p.numbers.sizeInUsd,
      sizeInTokens: p.numbers.sizeInTokens,
      collateralAmount: p.numbers.collateralAmount,
      pendingImpactAmount: p.numbers.pendingImpactAmount ?? 0n,
      borrowingFactor: p.numbers.borrowingFactor,
      fundingFeeAmountPerSize: p.numbers.fundingFeeAmountPerSize,
      increasedAtTime: p.numbers.increasedAtTime,
    })),
  }
}

/** The position's reads after getAccountPositions, in this order. */
interface PositionCallSet {
  key: Hex
  calls: RawCall[]
}

/**
 * The reads of one position once its market and prices are known: the keeper's verdict, and for
 * v2.2 getPositionInfo plus the stored fee state (cumulative borrowing factor, funding per size)
 * and the market's liquidation impact cap, all read from the DataStore.
 */
export function positionCalls(
  config: GmxV2Config,
  reader: Address,
  layout: 'v2.2' | 'v2.1',
  p: Pick<GmxDecodedPosition, 'key' | 'market' | 'collateralToken' | 'isLong'>,
  market: GmxMarketHint,
  prices: GmxMarketPrices,
): PositionCallSet {
  if (layout === 'v2.1') {
    return {
      key: p.key,
      calls: [
        call(reader, gmxReaderV21Abi, 'isPositionLiquidatable', [
          config.dataStore,
          config.referralStorage,
          p.key,
          market,
          prices,
          true,
        ]),
      ],
    }
  }
  return {
    key: p.key,
    calls: [
      call(reader, gmxReaderAbi, 'isPositionLiquidatable', [
        config.dataStore,
        config.referralStorage,
        p.key,
        market,
        prices,
        true,
        true,
      ]),
      call(reader, gmxReaderAbi, 'getPositionInfo', [
        config.dataStore,
        config.referralStorage,
        p.key,
        prices,
        0n,
        zeroAddress,
        true,
      ]),
      call(config.dataStore, gmxDataStoreAbi, 'getUint', [cumulativeBorrowingFactorKey(p.market, p.isLong)]),
      call(config.dataStore, gmxDataStoreAbi, 'getUint', [
        fundingFeeAmountPerSizeKey(p.market, p.collateralToken, p.isLong),
      ]),
      call(config.dataStore, gmxDataStoreAbi, 'getUint', [
        maxPositionImpactFactorForLiquidationsKey(p.market),
      ]),
    ],
  }
}

/** What discovery found on the chain for one deployment (oracle-priced deployments only). */
export interface GmxDiscoveredChain {
  reader: GmxReaderRecord
  layout: 'v2.2' | 'v2.1'
  positions: GmxDecodedPosition[]
  markets: GmxMarketHint[]
  /**
   * Feeds-priced deployments (the devchain): the feeds' prices as discovery read them, GMX units
   * by lower-cased token. They plan the verdict into the batch; the batch reads the feeds again and
   * a verdict whose prices differ from the batch's is re-asked in a follow-up.
   */
  feedPrices?: Map<string, GmxPrice>
}

/** What discovery hands to the plan for one deployment. */
export interface GmxDiscoveredDeployment {
  /** The block the report is pinned to; undefined when it reads the latest block. */
  toBlock?: bigint
  /** Oracle prices, or why they are missing (feeds-priced deployments: undefined). */
  oracle?: GmxOraclePrices | GmxPriceError
  /** The positions and markets read in discovery, or why not (then the verdict is a follow-up). */
  chain?: GmxDiscoveredChain | BaseError
}

/** Discovery's result, by deployment id. */
export type GmxDiscovered = Map<string, GmxDiscoveredDeployment>

/** Decodes one call's answer; reverts and empty answers are GmxReadFailedError, bad layouts ProtocolLayoutMismatchError. */
export function decodeWith<T>(
  abi: Abi,
  functionName: string,
  r: RawResult | undefined,
  what: string,
  context: ErrorContext,
): T {
  if (!r?.success) throw new GmxReadFailedError(`${what} reverted`, context)
  if (r.returnData === '0x')
    throw new GmxReadFailedError(`${what} returned nothing (no contract there at this block)`, context)
  try {
    return decodeFunctionResultFast({ abi, functionName, data: r.returnData } as never) as T
  } catch (err) {
    throw new ProtocolLayoutMismatchError(
      `${what} answered in a layout the adapter does not decode`,
      context,
      err,
    )
  }
}

/** The error context of a deployment. */
export const contextOf = (config: GmxV2Config): ErrorContext => ({
  chain: config.chain,
  protocol: GMX_V2_PROTOCOL,
  market: config.id,
})

/**
 * Discovery of one oracle-priced deployment: getAccountPositions and getMarkets in one aggregate3,
 * pinned to the report's block when it is pinned.
 */
export async function discoverGmxChain(
  ctx: DiscoveryContext,
  config: GmxV2Config,
): Promise<GmxDiscoveredChain> {
  const context = contextOf(config)
  const reader = readerAt(config, ctx.toBlock)
  if (reader.layout === 'unsupported')
    throw new GmxReadFailedError(`the Reader ${reader.address} live at that block predates v2.1`, context)
  const calls = headCalls(config, reader.address, ctx.user)
  const feedsAt = calls.length
  if (config.prices.kind === 'feeds') {
    for (const feed of config.prices.feeds) calls.push(call(feed.feed, gmxFeedAbi, 'latestRoundData'))
  }
  const batch = await executeBatch({
    client: ctx.client,
    chain: ctx.chain.key,
    multicall3: ctx.chain.multicall3,
    calls,
    ...(ctx.toBlock === undefined ? {} : { blockNumber: ctx.toBlock }),
    ...(ctx.deadline ? { deadline: ctx.deadline } : {}),
  })
  const head = decodeHead(config, batch.results, context)
  const found: GmxDiscoveredChain = {
    reader,
    layout: head.layout,
    positions: head.positions,
    markets: head.markets ?? [],
  }
  if (config.prices.kind === 'feeds') {
    found.feedPrices = feedPricesOf(
      config,
      config.prices.feeds.map((_, i) => feedsAt + i),
      batch.results,
      context,
    )
  }
  return found
}

/** The feeds' prices in GMX units by lower-cased token, from their latestRoundData answers (`at`: their indexes in `results`). */
export function feedPricesOf(
  config: GmxV2Config,
  at: readonly number[],
  results: readonly RawResult[],
  context: ErrorContext,
): Map<string, GmxPrice> {
  const prices = new Map<string, GmxPrice>()
  if (config.prices.kind !== 'feeds') return prices
  for (const [i, feed] of config.prices.feeds.entries()) {
    const token = config.tokens.find((t) => sameAddress(t.address, feed.token))
    if (!token) continue
    const [, answer] = decodeWith<readonly [bigint, bigint, bigint, bigint, bigint]>(
      gmxFeedAbi,
      'latestRoundData',
      results[at[i]!],
      `price feed ${feed.feed}.latestRoundData`,
      context,
    )
    if (answer <= 0n) continue
    const p = feedAnswerToGmxPrice(answer, feed.feedDecimals, token.decimals)
    prices.set(feed.token.toLowerCase(), { min: p, max: p })
  }
  return prices
}

/** Whether two sets of a market's prices are the same (the verdict planned with one holds for the other). */
function samePrices(a: GmxMarketPrices, b: GmxMarketPrices): boolean {
  const eq = (x: GmxPrice, y: GmxPrice) => x.min === y.min && x.max === y.max
  return (
    eq(a.indexTokenPrice, b.indexTokenPrice) &&
    eq(a.longTokenPrice, b.longTokenPrice) &&
    eq(a.shortTokenPrice, b.shortTokenPrice)
  )
}

function headCalls(config: GmxV2Config, reader: Address, user: Address): RawCall[] {
  return [
    call(reader, gmxReaderAbi, 'getAccountPositions', [
      config.dataStore,
      user,
      0n,
      BigInt(config.maxPositions ?? GMX_MAX_POSITIONS),
    ]),
    call(reader, gmxReaderAbi, 'getMarkets', [
      config.dataStore,
      0n,
      BigInt(config.maxMarkets ?? GMX_MAX_MARKETS),
    ]),
  ]
}

function decodeHead(
  config: GmxV2Config,
  results: readonly RawResult[],
  context: ErrorContext,
): { layout: 'v2.2' | 'v2.1'; positions: GmxDecodedPosition[]; markets: GmxMarketHint[] | undefined } {
  const r = results[0]
  if (!r?.success) throw new GmxReadFailedError(`Reader.getAccountPositions reverted`, context)
  if (r.returnData === '0x')
    throw new GmxReadFailedError(
      `Reader.getAccountPositions returned nothing (no contract there at this block)`,
      context,
    )
  const { layout, positions } = decodeAccountPositions(r.returnData, context)
  let markets: GmxMarketHint[] | undefined
  try {
    markets = [
      ...decodeWith<readonly GmxMarketHint[]>(
        gmxReaderAbi,
        'getMarkets',
        results[1],
        'Reader.getMarkets',
        context,
      ),
    ]
  } catch {
    markets = config.markets ? [...config.markets] : undefined
  }
  return { layout, positions, markets }
}

/** Decodes the wallet's positions on one deployment, all pinned to the batch's block. */
export async function decodeGmxWallet(
  config: GmxV2Config,
  user: Address,
  reader: GmxReaderRecord,
  layout: { feeds: number[]; planned: Map<string, PlannedVerdict> },
  results: RawResult[],
  block: BlockContext,
  followUp: FollowUp,
  discovered: GmxDiscoveredDeployment | undefined,
): Promise<PositionResult[]> {
  const context = contextOf(config)
  const head = decodeHead(config, results, context)
  if (head.positions.length === 0) return []
  if (head.positions.some((p) => !sameAddress(p.account, user))) {
    throw new ProtocolLayoutMismatchError(
      `Reader.getAccountPositions returned positions of another account than ${user}`,
      context,
    )
  }
  const markets = new Map<string, GmxMarketHint>()
  for (const m of head.markets ?? []) markets.set(m.marketToken.toLowerCase(), m)

  // Prices, GMX units, by lower-cased token.
  const prices = new Map<string, GmxPrice>()
  let pricesAtBlock = true
  if (config.prices.kind === 'feeds') {
    for (const [token, p] of feedPricesOf(config, layout.feeds, results, context)) prices.set(token, p)
  } else {
    const oracle = discovered?.oracle
    if (oracle === undefined)
      throw new GmxPriceError('no prices were fetched (discovery did not run)', context)
    if (oracle instanceof GmxPriceError) throw oracle
    for (const [token, p] of oracle.prices) prices.set(token, { min: p.min, max: p.max })
    pricesAtBlock = discovered?.toBlock === undefined
  }
  const tokenOf = (address: Address): GmxTokenInfo => {
    const t = config.tokens.find((x) => sameAddress(x.address, address))
    if (!t) throw new GmxUnknownTokenError(address, context)
    return t
  }
  const priceOf = (token: Address): GmxPrice => {
    const p = prices.get(token.toLowerCase())
    if (!p) throw new GmxPriceError(`no price for token ${token}`, context)
    return p
  }

  // Per position: its market and prices, or why it cannot be read (that position alone).
  type Prepared = { p: GmxDecodedPosition; market: GmxMarketHint; marketPrices: GmxMarketPrices }
  const prepared: (Prepared | BaseError)[] = head.positions.map((p) => {
    try {
      const market = markets.get(p.market.toLowerCase())
      if (!market) throw new GmxReadFailedError(`market ${p.market} is not in Reader.getMarkets`, context)
      tokenOf(market.indexToken)
      tokenOf(p.collateralToken)
      return {
        p,
        market,
        marketPrices: {
          indexTokenPrice: priceOf(market.indexToken),
          longTokenPrice: priceOf(market.longToken),
          shortTokenPrice: priceOf(market.shortToken),
        },
      }
    } catch (err) {
      return err instanceof BaseError ? err : new GmxReadFailedError(String(err), context)
    }
  })

  // The verdict reads: planned in the batch from discovery, else ONE pinned follow-up.
  const answers = new Map<string, RawResult[]>()
  const more: PositionCallSet[] = []
  for (const item of prepared) {
    if (item instanceof BaseError) continue
    const planned = layout.planned.get(item.p.key)
    // A verdict planned with the prices the batch itself read (always so for the oracle's tickers;
    // for feeds, unless a feed moved between discovery and the batch) is the batch's own answer.
    if (planned && samePrices(planned.prices, item.marketPrices))
      answers.set(item.p.key, results.slice(planned.at, planned.at + planned.size))
    else more.push(positionCalls(config, reader.address, head.layout, item.p, item.market, item.marketPrices))
  }
  if (more.length > 0) {
    const flat = await followUp(more.flatMap((s) => s.calls))
    let at = 0
    for (const s of more) {
      answers.set(s.key, flat.slice(at, at + s.calls.length))
      at += s.calls.length
    }
  }

  return prepared.map((item, i): PositionResult => {
    const p = head.positions[i]!
    const rowMarket = `${config.id}:${p.market}`
    try {
      if (item instanceof BaseError) throw item
      return buildOne(
        config,
        reader,
        head.layout,
        item,
        answers.get(p.key)!,
        block,
        pricesAtBlock,
        discovered,
      )
    } catch (caught) {
      const err = caught instanceof BaseError ? caught : new GmxReadFailedError(String(caught), context)
      if (err.code === 'RPC_UNAVAILABLE' || err.code === 'BLOCK_OUT_OF_RANGE') throw err
      return {
        status: 'unavailable',
        protocol: GMX_V2_PROTOCOL,
        market: rowMarket,
        chain: config.chain,
        kind: 'perp',
        code: err.code,
        reason: `position ${p.key}: ${err.message}`,
      }
    }
  })

  function buildOne(
    cfg: GmxV2Config,
    rdr: GmxReaderRecord,
    readerLayout: 'v2.2' | 'v2.1',
    item: Prepared,
    res: RawResult[],
    blk: BlockContext,
    atBlock: boolean,
    disc: GmxDiscoveredDeployment | undefined,
  ): PositionResult {
    const { p, market, marketPrices } = item
    const abi = readerLayout === 'v2.2' ? gmxReaderAbi : gmxReaderV21Abi
    const [liquidatable, reason, verdict] = decodeWith<
      readonly [
        boolean,
        string,
        { remainingCollateralUsd: bigint; minCollateralUsd: bigint; minCollateralUsdForLeverage: bigint },
      ]
    >(abi, 'isPositionLiquidatable', res[0], `Reader.isPositionLiquidatable(${p.key})`, context)
    let info: GmxPositionInfo | undefined
    let stored: GmxStoredState | undefined
    if (readerLayout === 'v2.2') {
      try {
        info = decodeWith<GmxPositionInfo>(
          gmxReaderAbi,
          'getPositionInfo',
          res[1],
          'Reader.getPositionInfo',
          context,
        )
        const uint = (r: RawResult | undefined, what: string) =>
          decodeWith<bigint>(gmxDataStoreAbi, 'getUint', r, `DataStore.getUint(${what})`, context)
        stored = {
          cumulativeBorrowingFactor: uint(res[2], 'cumulativeBorrowingFactor'),
          fundingFeeAmountPerSize: uint(res[3], 'fundingFeeAmountPerSize'),
          maxPositionImpactFactorForLiquidations: uint(res[4], 'maxPositionImpactFactorForLiquidations'),
        }
      } catch {
        // getPositionInfo needs pool state (it reverts on an empty pool); the verdict is still served.
        info = undefined
        stored = undefined
      }
    }
    const index = tokenOf(market.indexToken)
    const collateral = tokenOf(p.collateralToken)
    const onChain: GmxOnChainPosition = {
      key: p.key,
      market,
      isLong: p.isLong,
      collateralToken: p.collateralToken,
      sizeInUsd: p.sizeInUsd,
      sizeInTokens: p.sizeInTokens,
      collateralAmount: p.collateralAmount,
      pendingImpactAmount: p.pendingImpactAmount,
      borrowingFactor: p.borrowingFactor,
      fundingFeeAmountPerSize: p.fundingFeeAmountPerSize,
      increasedAtTime: p.increasedAtTime,
      prices: marketPrices,
      liquidatable,
      reason,
      remainingCollateralUsd: verdict.remainingCollateralUsd,
      minCollateralUsd: verdict.minCollateralUsd,
      minCollateralUsdForLeverage: verdict.minCollateralUsdForLeverage,
      ...(info ? { info } : {}),
      ...(stored ? { stored } : {}),
    }
    return buildGmxPosition(onChain, {
      protocol: GMX_V2_PROTOCOL,
      market: `${cfg.id}:${market.marketToken}`,
      chain: cfg.chain,
      reader: rdr.address,
      readerLayout,
      indexToken: index,
      collateral,
      collateralFollowsIndex: gmxTokensEquivalent(collateral, index),
      priceSource: cfg.prices.kind,
      pricesAtBlock: atBlock,
      ...(disc?.toBlock === undefined ? {} : { pinnedBlock: disc.toBlock }),
      blockTimestamp: blk.timestamp,
    })
  }
}

/** A position's verdict reads placed in the batch: where, how many, and the prices they carry. */
interface PlannedVerdict {
  at: number
  size: number
  prices: GmxMarketPrices
}

/** The read plan of one wallet on one GMX deployment. */
export function planGmxWallet(
  config: GmxV2Config,
  user: Address,
  discovered?: GmxDiscoveredDeployment,
): WalletReadPlan {
  const found = discovered?.chain instanceof BaseError ? undefined : discovered?.chain
  const reader = found?.reader ?? readerAt(config, discovered?.toBlock)
  const calls = headCalls(config, reader.address, user)
  const feeds: number[] = []
  if (config.prices.kind === 'feeds') {
    for (const feed of config.prices.feeds) {
      feeds.push(calls.length)
      calls.push(call(feed.feed, gmxFeedAbi, 'latestRoundData'))
    }
  }
  // The verdict of every position discovery found, in the same batch (prices are already known:
  // the oracle's tickers, or the feeds as discovery read them).
  const planned = new Map<string, PlannedVerdict>()
  const oracle = discovered?.oracle
  const known =
    config.prices.kind === 'feeds'
      ? found?.feedPrices
      : oracle && !(oracle instanceof GmxPriceError)
        ? oracle.prices
        : undefined
  if (found && known) {
    const markets = new Map(found.markets.map((m) => [m.marketToken.toLowerCase(), m]))
    const price = (t: Address) => known.get(t.toLowerCase())
    for (const p of found.positions) {
      const market = markets.get(p.market.toLowerCase())
      if (!market) continue
      const [ix, lo, sh] = [price(market.indexToken), price(market.longToken), price(market.shortToken)]
      if (!ix || !lo || !sh) continue
      const prices: GmxMarketPrices = {
        indexTokenPrice: { min: ix.min, max: ix.max },
        longTokenPrice: { min: lo.min, max: lo.max },
        shortTokenPrice: { min: sh.min, max: sh.max },
      }
      const set = positionCalls(config, reader.address, found.layout, p, market, prices)
      planned.set(p.key, { at: calls.length, size: set.calls.length, prices })
      calls.push(...set.calls)
    }
  }
  return {
    market: config.id,
    protocol: GMX_V2_PROTOCOL,
    kind: 'perp',
    calls,
    decode: (results, block, followUp) =>
      decodeGmxWallet(config, user, reader, { feeds, planned }, results, block, followUp, discovered),
  }
}

/** Options of {@link createGmxV2Adapter}. */
export interface CreateGmxV2AdapterParams {
  /** fetch for GMX's oracle service (tests, Workers); the global one by default. */
  fetchFn?: typeof fetch
}

/**
 * Builds the GMX v2 adapter. Discovery, per deployment of the chain that prices from GMX's oracle:
 * the tickers GET and the positions/markets aggregate3, concurrently (a failure of either is handed
 * on: missing prices become that deployment's `unavailable` row with code PRICE_UNAVAILABLE, a
 * failed chain read only moves the verdict into a follow-up).
 */
export function createGmxV2Adapter(params: CreateGmxV2AdapterParams = {}): ProtocolAdapter<GmxDiscovered> {
  return {
    key: GMX_V2_PROTOCOL,
    name: 'GMX v2',
    listMarkets: (chain) =>
      gmxConfigsOf(chain).map((config) => ({
        id: config.id,
        protocol: GMX_V2_PROTOCOL,
        name: `GMX v2 ${chain.key}`,
        version: config.readers?.[0]?.layout ?? null,
        source:
          chain.key === 'local'
            ? 'devchain manifest (GmxReaderDouble, a test double)'
            : `${GMX_V2_SOURCE.repo} @ ${GMX_V2_SOURCE.commit.slice(0, 8)}`,
      })),
    async discover(ctx: DiscoveryContext): Promise<GmxDiscovered> {
      const out: GmxDiscovered = new Map()
      await Promise.all(
        gmxConfigsOf(ctx.chain).map(async (config) => {
          const entry: GmxDiscoveredDeployment = ctx.toBlock === undefined ? {} : { toBlock: ctx.toBlock }
          out.set(config.id, entry)
          if (config.prices.kind !== 'oracle') {
            // Feeds-priced: positions, markets and the feeds in one aggregate3, so the verdict
            // joins the batch; a failure only leaves it to a follow-up.
            entry.chain = await discoverGmxChain(ctx, config).catch((err: unknown) =>
              err instanceof BaseError ? err : new GmxReadFailedError(String(err), contextOf(config)),
            )
            return
          }
          const tickers = fetchGmxTickers({
            url: config.prices.tickersUrl,
            ...(params.fetchFn ? { fetchFn: params.fetchFn } : {}),
            context: { chain: config.chain, market: config.id },
          }).catch((err: unknown) =>
            err instanceof GmxPriceError ? err : new GmxPriceError('tickers request failed', {}, err),
          )
          const chainRead = discoverGmxChain(ctx, config).catch((err: unknown) =>
            err instanceof BaseError ? err : new GmxReadFailedError(String(err), contextOf(config)),
          )
          const [oracle, found] = await Promise.all([tickers, chainRead])
          entry.oracle = oracle
          entry.chain = found
        }),
      )
      return out
    },
    planWallet: (chain, user, discovered) =>
      gmxConfigsOf(chain).map((config) => planGmxWallet(config, user, discovered?.get(config.id))),
    readRates: (ctx, positions) => readGmxRates(ctx, positions),
    hedgeVenue: GMX_HEDGE_VENUE,
    readHedgeQuotes: (ctx) => readGmxHedgeQuotes(ctx, params.fetchFn),
  }
}
