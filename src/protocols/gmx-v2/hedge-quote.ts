/**
 * GMX v2 as a hedge venue: per risk asset, one market's terms at a block, read from the Reader live
 * there and the DataStore in two aggregate3 batches (plus GMX's oracle tickers, or the feeds):
 * `Reader.getMarkets`, then per chosen market `Reader.getMarketInfo` (borrowing per second of each
 * side, funding per second and who pays), the open interest of both sides, the position fee factors
 * (balance improved / worsened), MIN_COLLATERAL_FACTOR, MIN_COLLATERAL_FACTOR_FOR_LIQUIDATION,
 * MIN_COLLATERAL_USD and MAX_POSITION_IMPACT_FACTOR_FOR_LIQUIDATIONS, as the engine's
 * {@link HedgeVenueQuote}s (max leverage 1 / minCollateralFactor, the gmx-min-collateral rule).
 */
import { encodeAbiParameters, type Hex, keccak256 } from 'viem'
import { decodeFunctionResultFast, encodeFunctionDataFast } from '../../chains/abi-call.js'
import { executeBatch, type RawCall, type RawResult } from '../../chains/batch.js'
import { type Address, sameAddress } from '../../core/address.js'
import { BaseError } from '../../core/errors.js'
import type { HedgeVenueQuote } from '../../risk/hedge.js'
import type { HedgeQuoteContext } from '../types.js'
import { gmxDataStoreAbi, gmxFeedAbi, gmxReaderAbi } from './abi.js'
import type { GmxMarketHint, GmxV2Config } from './markets.js'
import { FLOAT_PRECISION, type GmxPrice, gmxCarryPerYear, priceToUsd, usd30ToFloat } from './math.js'
import type { GmxMarketPrices } from './position.js'
import { fetchGmxTickers } from './prices.js'
import { decodeGmxMarketRates, gmxMarketRateCalls } from './rates.js'
import {
  feedPricesOf,
  GMX_MAX_MARKETS,
  GmxReadFailedError,
  gmxConfigsOf,
  gmxKey,
  maxPositionImpactFactorForLiquidationsKey,
  readerAt,
} from './read.js'

/** The hedge route's venue key of GMX v2: `venue=gmx:<chain>[:<market token>]`. */
export const GMX_HEDGE_VENUE = 'gmx'

const keyWith = (name: string, types: { type: string }[], values: unknown[]): Hex =>
  keccak256(encodeAbiParameters([{ type: 'bytes32' }, ...types] as never, [gmxKey(name), ...values] as never))

/** Keys.positionFeeFactorKey(market, balanceWasImproved). */
export const positionFeeFactorKey = (market: Address, improved: boolean) =>
  keyWith('POSITION_FEE_FACTOR', [{ type: 'address' }, { type: 'bool' }], [market, improved])
/** Keys.minCollateralFactorKey(market). */
export const minCollateralFactorKey = (market: Address) =>
  keyWith('MIN_COLLATERAL_FACTOR', [{ type: 'address' }], [market])
/** Keys.minCollateralFactorForLiquidationKey(market). */
export const minCollateralFactorForLiquidationKey = (market: Address) =>
  keyWith('MIN_COLLATERAL_FACTOR_FOR_LIQUIDATION', [{ type: 'address' }], [market])

const call = (
  target: Address,
  abi: unknown,
  functionName: string,
  args: readonly unknown[] = [],
): RawCall => ({
  target,
  allowFailure: true,
  callData: encodeFunctionDataFast({ abi, functionName, args } as never),
})

const uintOf = (r: RawResult | undefined): bigint | undefined =>
  r?.success && r.returnData.length === 66 ? BigInt(r.returnData) : undefined

const factor = (v: bigint) => usd30ToFloat(v)

/**
 * The quotes of GMX v2 on `ctx.chain` at `ctx.blockNumber`: for each of `ctx.riskAssets`, the
 * market `ctx.market` when given (its index must be that asset), else the first market
 * `getMarkets` lists whose index token is that asset and whose long and short tokens differ
 * (collateral: its short token, a stablecoin on GMX's USD markets).
 * @throws BaseError CHAIN_NOT_CONFIGURED when the chain has no GMX deployment; INVALID_REQUEST for a
 *   market not listed there; PROTOCOL_READ_FAILED / PRICE_UNAVAILABLE when the Reader or prices fail.
 */
export async function readGmxHedgeQuotes(
  ctx: HedgeQuoteContext,
  fetchFn?: typeof fetch,
): Promise<Map<string, HedgeVenueQuote>> {
  const config: GmxV2Config | undefined = gmxConfigsOf(ctx.chain)[0]
  if (!config) {
    throw new BaseError('CHAIN_NOT_CONFIGURED', `chain "${ctx.chain.key}" has no GMX v2 deployment here`)
  }
  const context = { chain: config.chain, protocol: 'gmx-v2', market: config.id }
  const reader = readerAt(config, ctx.blockNumber)
  const batch = (calls: RawCall[]) =>
    executeBatch({
      client: ctx.client,
      chain: ctx.chain.key,
      multicall3: ctx.chain.multicall3,
      calls,
      blockNumber: ctx.blockNumber,
      ...(ctx.deadline ? { deadline: ctx.deadline } : {}),
    }).then((b) => b.results)
  const head: RawCall[] = [
    call(reader.address, gmxReaderAbi, 'getMarkets', [
      config.dataStore,
      0n,
      BigInt(config.maxMarkets ?? GMX_MAX_MARKETS),
    ]),
  ]
  if (config.prices.kind === 'feeds')
    for (const f of config.prices.feeds) head.push(call(f.feed, gmxFeedAbi, 'latestRoundData'))
  const [r1, tickers] = await Promise.all([
    batch(head),
    config.prices.kind === 'oracle'
      ? fetchGmxTickers({
          url: config.prices.tickersUrl,
          ...(fetchFn ? { fetchFn } : {}),
          context: { chain: config.chain, market: config.id },
        })
      : Promise.resolve(undefined),
  ])
  if (!r1[0]?.success || r1[0].returnData === '0x')
    throw new GmxReadFailedError('Reader.getMarkets reverted or answered nothing', context)
  const markets = decodeFunctionResultFast({
    abi: gmxReaderAbi,
    functionName: 'getMarkets',
    data: r1[0].returnData,
  } as never) as readonly GmxMarketHint[]
  const prices = new Map<string, GmxPrice>()
  if (tickers) for (const [t, p] of tickers.prices) prices.set(t, { min: p.min, max: p.max })
  if (config.prices.kind === 'feeds') {
    const at = config.prices.feeds.map((_, i) => 1 + i)
    for (const [t, p] of feedPricesOf(config, at, r1, context)) prices.set(t, p)
  }
  const token = (a: Address) => config.tokens.find((t) => sameAddress(t.address, a))
  if (ctx.market && !markets.some((m) => sameAddress(m.marketToken, ctx.market!))) {
    throw new BaseError(
      'INVALID_REQUEST',
      `venue: market ${ctx.market} is not a GMX v2 market on chain "${ctx.chain.key}" (Reader.getMarkets)`,
    )
  }
  // Per risk asset, the market that quotes it.
  const chosen = new Map<string, { market: GmxMarketHint; marketPrices: GmxMarketPrices }>()
  for (const m of markets) {
    if (ctx.market && !sameAddress(m.marketToken, ctx.market)) continue
    if (!ctx.market && sameAddress(m.longToken, m.shortToken)) continue
    const index = token(m.indexToken)
    if (!index) continue
    const risk = ctx.riskAssetOf({ address: index.address, symbol: index.symbol })
    if (!ctx.riskAssets.includes(risk) || chosen.has(risk)) continue
    const [ix, lo, sh] = [m.indexToken, m.longToken, m.shortToken].map((t) => prices.get(t.toLowerCase()))
    if (!ix || !lo || !sh) continue
    chosen.set(risk, {
      market: m,
      marketPrices: { indexTokenPrice: ix, longTokenPrice: lo, shortTokenPrice: sh },
    })
  }
  const entries = [...chosen.entries()]
  const perMarket = entries.map(([, { market, marketPrices }]) => {
    const rateCalls = gmxMarketRateCalls(config, reader.address, market, marketPrices)
    const store = (key: Hex) => call(config.dataStore, gmxDataStoreAbi, 'getUint', [key])
    const terms = [
      store(positionFeeFactorKey(market.marketToken, true)),
      store(positionFeeFactorKey(market.marketToken, false)),
      store(minCollateralFactorKey(market.marketToken)),
      store(minCollateralFactorForLiquidationKey(market.marketToken)),
      store(gmxKey('MIN_COLLATERAL_USD')),
      store(maxPositionImpactFactorForLiquidationsKey(market.marketToken)),
    ]
    return { rateCalls, terms }
  })
  const r2 = await batch(perMarket.flatMap((p) => [...p.rateCalls, ...p.terms]))
  const out = new Map<string, HedgeVenueQuote>()
  let at = 0
  for (const [i, [risk, { market, marketPrices }]] of entries.entries()) {
    const { rateCalls, terms } = perMarket[i]!
    const rates = decodeGmxMarketRates(r2.slice(at, at + rateCalls.length))
    const t = r2.slice(at + rateCalls.length, at + rateCalls.length + terms.length).map(uintOf)
    at += rateCalls.length + terms.length
    if (typeof rates === 'string')
      throw new GmxReadFailedError(`${rates} (market ${market.marketToken})`, context)
    const [feeImproved, feeWorsened, mcf, mcfLiq, minUsd, maxImpactLiq] = t
    if ([feeImproved, feeWorsened, mcf, mcfLiq, minUsd, maxImpactLiq].some((v) => v === undefined))
      throw new GmxReadFailedError(
        `DataStore.getUint of the market's terms failed (${market.marketToken})`,
        context,
      )
    if (mcf === 0n)
      throw new GmxReadFailedError(`MIN_COLLATERAL_FACTOR is 0 on ${market.marketToken}`, context)
    const index = token(market.indexToken)!
    const markMin = priceToUsd(marketPrices.indexTokenPrice.min, index.decimals)
    const markMax = priceToUsd(marketPrices.indexTokenPrice.max, index.decimals)
    const mark = (markMin + markMax) / 2
    // Carry per unit of size (1 USD, 30 decimals) by side: the Reader's factors per year.
    const perSide = (isLong: boolean) => {
      const c = gmxCarryPerYear(isLong, FLOAT_PRECISION, rates)
      return { funding: factor(c.fundingUsdPerYear), borrowing: factor(c.borrowingUsdPerYear) }
    }
    // A hedge on the smaller side improves the balance (the lower fee); else the higher one.
    const improves = (side: 'long' | 'short') =>
      side === 'long'
        ? rates.longOpenInterestUsd < rates.shortOpenInterestUsd
        : rates.shortOpenInterestUsd < rates.longOpenInterestUsd
    const name = `${index.symbol}/USD [${token(market.longToken)?.symbol ?? market.longToken}-${token(market.shortToken)?.symbol ?? market.shortToken}]`
    out.set(risk, {
      // POST /v1/analyze's leg venue: letters, digits, '.', '_', '-' (at most 32); the market is in gmxRule.
      venue: `${GMX_HEDGE_VENUE}-${ctx.chain.key}`.slice(0, 32),
      // The leg's asset is the risk asset it hedges (what the resolver and POST /v1/analyze resolve it to).
      asset: risk,
      riskAsset: risk,
      markPrice: mark,
      sizeDecimals: Math.min(index.decimals, 6),
      marginTiers: [{ lowerBoundUsd: 0, maxLeverage: 1 / factor(mcf!) }],
      // The open fee is charged at the balance-worsening factor unless the hedge's side is the smaller one.
      takerFeeRate: factor(improves(ctx.side?.(risk) ?? 'short') ? feeImproved! : feeWorsened!),
      feeSource: `GMX positionFeeFactor(${market.marketToken}, balanceWasImproved) = ${factor(feeImproved!)} / ${factor(feeWorsened!)} (improved / worsened), before referral or pro-tier discounts`,
      fundingRatePerHour: 0,
      source: `GMX v2 ${name} on ${ctx.chain.key} at block ${ctx.blockNumber}: Reader ${reader.address}.getMarketInfo, DataStore ${config.dataStore}; prices ${config.prices.kind === 'oracle' ? "GMX's oracle tickers (current)" : 'the chain feeds'} (index ${markMin} / ${markMax} min / max)`,
      gmxRule: {
        kind: 'gmx-min-collateral',
        market: market.marketToken,
        marketName: name,
        minCollateralFactor: factor(mcf!),
        minCollateralFactorForLiquidation: factor(mcfLiq!),
        minCollateralUsd: factor(minUsd!),
        maxPositionImpactFactorForLiquidations: factor(maxImpactLiq!),
        closeFeeRate: factor(feeWorsened!),
      },
      carryApyBySide: { long: perSide(true), short: perSide(false) },
    })
  }
  return out
}
