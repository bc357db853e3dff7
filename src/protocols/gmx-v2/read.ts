/**
 * The GMX v2 adapter's I/O. One wallet on one deployment costs:
 * - production: the tickers GET of GMX's oracle service (in `discover`, concurrent with the other
 *   adapters' discoveries), then `Reader.getAccountPositions` in the chain's one batch;
 * - devchain: `getAccountPositions` plus the tokens' feeds (`latestRoundData`) in the batch;
 * then, only when the wallet holds positions, ONE follow-up pinned to the same block with
 * `Reader.isPositionLiquidatable` per position (preceded by one `Reader.getMarket` follow-up for
 * markets the config does not list). GMX's own liquidation check at those prices gives the
 * remaining collateral (collateral + pnl + capped price impact - fees), from which the adapter
 * derives the net of impact and fees, checks its model against GMX's verdict, and solves the
 * liquidation price.
 */
import {
  type Abi,
  decodeFunctionResult,
  encodeAbiParameters,
  encodeFunctionData,
  type Hex,
  keccak256,
} from 'viem'
import type { BlockContext, RawCall, RawResult } from '../../chains/batch.js'
import { type Address, sameAddress } from '../../core/address.js'
import { BaseError, type ErrorContext, ProtocolLayoutMismatchError } from '../../core/errors.js'
import type { PositionResult } from '../../core/types.js'
import type { ChainRuntime, DiscoveryContext, FollowUp, ProtocolAdapter, WalletReadPlan } from '../types.js'
import { gmxFeedAbi, gmxReaderAbi } from './abi.js'
import type { GmxMarketHint, GmxV2Config } from './markets.js'
import type { GmxPrice } from './math.js'
import { buildGmxPosition, type GmxOnChainPosition } from './position.js'
import { fetchGmxTickers, type GmxOraclePrices, GmxPriceError } from './prices.js'

/** Protocol key of every GMX v2 position. */
export const GMX_V2_PROTOCOL = 'gmx-v2'

/** Default most positions read per wallet. */
export const GMX_MAX_POSITIONS = 100

/**
 * The GMX deployments of a chain runtime: `chain.gmxV2` (see the integration notes in index.ts);
 * none when the runtime has no such field.
 */
export function gmxConfigsOf(chain: ChainRuntime): readonly GmxV2Config[] {
  return (chain as ChainRuntime & { gmxV2?: readonly GmxV2Config[] }).gmxV2 ?? []
}

/** What discovery hands to the plan: oracle prices (or why they are missing) per deployment id. */
export type GmxDiscovered = Map<string, GmxOraclePrices | GmxPriceError>

class GmxReadFailedError extends BaseError {
  override name = 'GmxReadFailedError'
  constructor(what: string, context: ErrorContext) {
    super('PROTOCOL_READ_FAILED', `${what} on market ${context.market}`, { context })
  }
}

function call(target: Address, abi: Abi, functionName: string, args: readonly unknown[] = []): RawCall {
  return { target, allowFailure: true, callData: encodeFunctionData({ abi, functionName, args } as never) }
}

/** GMX's Position.getPositionKey: keccak256(abi.encode(account, market, collateralToken, isLong)). */
export function gmxPositionKey(
  account: Address,
  market: Address,
  collateralToken: Address,
  isLong: boolean,
): Hex {
  return keccak256(
    encodeAbiParameters(
      [{ type: 'address' }, { type: 'address' }, { type: 'address' }, { type: 'bool' }],
      [account, market, collateralToken, isLong],
    ),
  )
}

/** A Position.Props as decoded. */
interface PositionProps {
  addresses: { account: Address; market: Address; collateralToken: Address }
  numbers: { sizeInUsd: bigint; sizeInTokens: bigint; collateralAmount: bigint; increasedAtTime: bigint }
  flags: { isLong: boolean }
}

/** Converts a feed answer to GMX units: USD (30 decimals) per raw token unit. */
export function feedAnswerToGmxPrice(answer: bigint, feedDecimals: number, tokenDecimals: number): bigint {
  const shift = 30 - feedDecimals - tokenDecimals
  return shift >= 0 ? answer * 10n ** BigInt(shift) : answer / 10n ** BigInt(-shift)
}

/** Reads the wallet's positions on one deployment, all pinned to the batch's block. */
export async function decodeGmxWallet(
  config: GmxV2Config,
  user: Address,
  feedIndexes: readonly number[],
  results: RawResult[],
  block: BlockContext,
  followUp: FollowUp,
  oracle: GmxOraclePrices | GmxPriceError | undefined,
): Promise<PositionResult[]> {
  const context: ErrorContext = { chain: config.chain, protocol: GMX_V2_PROTOCOL, market: config.id }
  const decode = <T>(abi: Abi, functionName: string, r: RawResult | undefined, what: string): T => {
    if (!r?.success) throw new GmxReadFailedError(`${what} reverted`, context)
    if (r.returnData === '0x')
      throw new GmxReadFailedError(`${what} returned nothing (no contract there at this block)`, context)
    try {
      return decodeFunctionResult({ abi, functionName, data: r.returnData } as never) as T
    } catch (err) {
      throw new ProtocolLayoutMismatchError(
        `${what} answered in a layout the adapter does not decode`,
        context,
        err,
      )
    }
  }
  const positions = decode<readonly PositionProps[]>(
    gmxReaderAbi,
    'getAccountPositions',
    results[0],
    `Reader.getAccountPositions at ${config.reader}`,
  )
  if (positions.length === 0) return []
  if (positions.some((p) => !sameAddress(p.addresses.account, user))) {
    throw new ProtocolLayoutMismatchError(
      `Reader.getAccountPositions returned positions of another account than ${user}`,
      context,
    )
  }

  // Prices, GMX units, by lower-cased token.
  const prices = new Map<string, GmxPrice>()
  if (config.prices.kind === 'feeds') {
    for (const [i, feed] of config.prices.feeds.entries()) {
      const token = config.tokens.find((t) => sameAddress(t.address, feed.token))
      if (!token) continue
      const [, answer] = decode<readonly [bigint, bigint, bigint, bigint, bigint]>(
        gmxFeedAbi,
        'latestRoundData',
        results[feedIndexes[i]!],
        `price feed ${feed.feed}.latestRoundData`,
      )
      if (answer <= 0n) continue
      const p = feedAnswerToGmxPrice(answer, feed.feedDecimals, token.decimals)
      prices.set(feed.token.toLowerCase(), { min: p, max: p })
    }
  } else {
    if (oracle === undefined)
      throw new GmxPriceError('no prices were fetched (discovery did not run)', context)
    if (oracle instanceof GmxPriceError) throw oracle
    for (const [token, p] of oracle.prices) prices.set(token, { min: p.min, max: p.max })
  }

  // Markets: hints, else one getMarket follow-up.
  const markets = new Map<string, GmxMarketHint>()
  for (const m of config.markets ?? []) markets.set(m.marketToken.toLowerCase(), m)
  const missing = [
    ...new Set(positions.map((p) => p.addresses.market.toLowerCase()).filter((m) => !markets.has(m))),
  ] as Address[]
  if (missing.length > 0) {
    const answers = await followUp(
      missing.map((m) => call(config.reader, gmxReaderAbi, 'getMarket', [config.dataStore, m])),
    )
    for (const [i, m] of missing.entries()) {
      const market = decode<GmxMarketHint>(gmxReaderAbi, 'getMarket', answers[i], `Reader.getMarket(${m})`)
      if (/^0x0{40}$/.test(market.marketToken))
        throw new GmxReadFailedError(`Reader.getMarket(${m}) knows no such market`, context)
      markets.set(m, market)
    }
  }

  const priceOf = (token: Address): GmxPrice => {
    const p = prices.get(token.toLowerCase())
    if (!p) throw new GmxPriceError(`no price for token ${token}`, context)
    return p
  }
  const plans = positions.map((position) => {
    const market = markets.get(position.addresses.market.toLowerCase())!
    const marketPrices = {
      indexTokenPrice: priceOf(market.indexToken),
      longTokenPrice: priceOf(market.longToken),
      shortTokenPrice: priceOf(market.shortToken),
    }
    const key = gmxPositionKey(
      position.addresses.account,
      position.addresses.market,
      position.addresses.collateralToken,
      position.flags.isLong,
    )
    return { position, market, marketPrices, key }
  })
  const answers = await followUp(
    plans.map((p) =>
      call(config.reader, gmxReaderAbi, 'isPositionLiquidatable', [
        config.dataStore,
        config.referralStorage,
        p.key,
        p.market,
        p.marketPrices,
        true,
      ]),
    ),
  )
  return plans.map((p, i) => {
    const [liquidatable, reason, info] = decode<
      readonly [
        boolean,
        string,
        { remainingCollateralUsd: bigint; minCollateralUsd: bigint; minCollateralUsdForLeverage: bigint },
      ]
    >(gmxReaderAbi, 'isPositionLiquidatable', answers[i], `Reader.isPositionLiquidatable(${p.key})`)
    const token = (address: Address) => {
      const t = config.tokens.find((x) => sameAddress(x.address, address))
      if (!t) throw new GmxReadFailedError(`token ${address} is not in the adapter's token list`, context)
      return t
    }
    const onChain: GmxOnChainPosition = {
      key: p.key,
      market: p.market,
      isLong: p.position.flags.isLong,
      collateralToken: p.position.addresses.collateralToken,
      sizeInUsd: p.position.numbers.sizeInUsd,
      sizeInTokens: p.position.numbers.sizeInTokens,
      collateralAmount: p.position.numbers.collateralAmount,
      increasedAtTime: p.position.numbers.increasedAtTime,
      prices: p.marketPrices,
      liquidatable,
      reason,
      remainingCollateralUsd: info.remainingCollateralUsd,
      minCollateralUsd: info.minCollateralUsd,
      minCollateralUsdForLeverage: info.minCollateralUsdForLeverage,
    }
    return buildGmxPosition(onChain, {
      protocol: GMX_V2_PROTOCOL,
      market: `${config.id}:${p.market.marketToken}`,
      chain: config.chain,
      reader: config.reader,
      indexToken: token(p.market.indexToken),
      collateral: token(p.position.addresses.collateralToken),
      priceSource: config.prices.kind,
      blockTimestamp: block.timestamp,
    })
  })
}

/** The read plan of one wallet on one GMX deployment. */
export function planGmxWallet(
  config: GmxV2Config,
  user: Address,
  oracle?: GmxOraclePrices | GmxPriceError,
): WalletReadPlan {
  const calls: RawCall[] = [
    call(config.reader, gmxReaderAbi, 'getAccountPositions', [
      config.dataStore,
      user,
      0n,
      BigInt(config.maxPositions ?? GMX_MAX_POSITIONS),
    ]),
  ]
  const feedIndexes: number[] = []
  if (config.prices.kind === 'feeds') {
    for (const feed of config.prices.feeds) {
      feedIndexes.push(calls.length)
      calls.push(call(feed.feed, gmxFeedAbi, 'latestRoundData'))
    }
  }
  return {
    market: config.id,
    protocol: GMX_V2_PROTOCOL,
    kind: 'perp',
    calls,
    decode: (results, block, followUp) =>
      decodeGmxWallet(config, user, feedIndexes, results, block, followUp, oracle),
  }
}

/** Options of {@link createGmxV2Adapter}. */
export interface CreateGmxV2AdapterParams {
  /** fetch for GMX's oracle service (tests, Workers); the global one by default. */
  fetchFn?: typeof fetch
}

/**
 * Builds the GMX v2 adapter. Discovery fetches GMX's oracle tickers for every deployment of the
 * chain that prices from the oracle (a failure is handed on, and becomes that deployment's
 * `unavailable` row with code PRICE_UNAVAILABLE, never a thrown request).
 */
export function createGmxV2Adapter(params: CreateGmxV2AdapterParams = {}): ProtocolAdapter<GmxDiscovered> {
  return {
    key: GMX_V2_PROTOCOL,
    name: 'GMX v2',
    async discover(ctx: DiscoveryContext): Promise<GmxDiscovered> {
      const out: GmxDiscovered = new Map()
      await Promise.all(
        gmxConfigsOf(ctx.chain).map(async (config) => {
          if (config.prices.kind !== 'oracle') return
          try {
            out.set(
              config.id,
              await fetchGmxTickers({
                url: config.prices.tickersUrl,
                ...(params.fetchFn ? { fetchFn: params.fetchFn } : {}),
                context: { chain: config.chain, market: config.id },
              }),
            )
          } catch (err) {
            out.set(
              config.id,
              err instanceof GmxPriceError ? err : new GmxPriceError('tickers request failed', {}, err),
            )
          }
        }),
      )
      return out
    },
    planWallet: (chain, user, discovered) =>
      gmxConfigsOf(chain).map((config) => planGmxWallet(config, user, discovered?.get(config.id))),
  }
}
