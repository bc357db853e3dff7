/**
 * GMX v2 funding and borrowing of held positions at the block, from the Reader live there:
 * `Reader.getMarketInfo(dataStore, prices, market)` (borrowingFactorPerSecondForLongs/Shorts,
 * nextFunding.longsPayShorts and fundingFactorPerSecond; v2.2 ReaderUtils.MarketInfo) at the SAME
 * prices the position read passed (`details.marketPrices`), and the DataStore's open interest of
 * both sides (`openInterestKey(market, collateralToken, isLong)` for both collateral tokens), all
 * in one aggregate3 pinned to the report's block. Each perp leg's rate is its funding plus its
 * borrowing per year ({@link gmxCarryPerYear}) over the leg's USD value, signed (+: received); the
 * collateral leg earns nothing (GMX does not lend it out).
 */
import { encodeAbiParameters, type Hex, keccak256 } from 'viem'
import { decodeFunctionResultFast, encodeFunctionDataFast } from '../../chains/abi-call.js'
import type { RawCall, RawResult } from '../../chains/batch.js'
import type { Address } from '../../core/address.js'
import type { LegRate, PositionRates } from '../../risk/carry.js'
import { readRateBatch } from '../rate-batch.js'
import type { LayerPosition, RateReadContext } from '../types.js'
import { gmxDataStoreAbi, gmxMarketInfoAbi } from './abi.js'
import type { GmxMarketHint, GmxV2Config } from './markets.js'
import { FLOAT_PRECISION, type GmxMarketRates, gmxCarryPerYear, usd30ToFloat } from './math.js'
import type { GmxMarketPrices } from './position.js'
import { GMX_V2_PROTOCOL, gmxConfigsOf, gmxKey, readerAt } from './read.js'

let openInterest: Hex | undefined

/** Keys.openInterestKey(market, collateralToken, isLong): open interest in USD (30 decimals). */
export function openInterestKey(market: Address, collateralToken: Address, isLong: boolean): Hex {
  openInterest ??= gmxKey('OPEN_INTEREST')
  return keccak256(
    encodeAbiParameters(
      [{ type: 'bytes32' }, { type: 'address' }, { type: 'address' }, { type: 'bool' }],
      [openInterest, market, collateralToken, isLong],
    ),
  )
}

const raw = (target: Address, abi: unknown, functionName: string, args: readonly unknown[]): RawCall => ({
  target,
  allowFailure: true,
  callData: encodeFunctionDataFast({ abi, functionName, args } as never),
})

/**
 * The reads of one market's rates: getMarketInfo at `prices`, then the open interest of longs and
 * of shorts per collateral token (one key per side when the long and short tokens are the same:
 * GMX then counts that token once).
 */
export function gmxMarketRateCalls(
  config: GmxV2Config,
  reader: Address,
  market: GmxMarketHint,
  prices: GmxMarketPrices,
): RawCall[] {
  const tokens =
    market.longToken.toLowerCase() === market.shortToken.toLowerCase()
      ? [market.longToken]
      : [market.longToken, market.shortToken]
  const oi = (isLong: boolean) =>
    tokens.map((t) =>
      raw(config.dataStore, gmxDataStoreAbi, 'getUint', [openInterestKey(market.marketToken, t, isLong)]),
    )
  return [
    raw(reader, gmxMarketInfoAbi, 'getMarketInfo', [config.dataStore, prices, market.marketToken]),
    ...oi(true),
    ...oi(false),
  ]
}

interface MarketInfoRaw {
  borrowingFactorPerSecondForLongs: bigint
  borrowingFactorPerSecondForShorts: bigint
  nextFunding: { longsPayShorts: boolean; fundingFactorPerSecond: bigint }
  isDisabled: boolean
}

/**
 * Decodes the answers of {@link gmxMarketRateCalls} (same order); a string saying why when a read
 * reverted or answered nothing (a Reader older than v2.2, or a market it does not know).
 */
export function decodeGmxMarketRates(
  results: readonly RawResult[],
): (GmxMarketRates & { isDisabled: boolean }) | string {
  const info = results[0]
  if (!info?.success || info.returnData === '0x')
    return 'Reader.getMarketInfo reverted or answered nothing at the block'
  let decoded: MarketInfoRaw
  try {
    decoded = decodeFunctionResultFast({
      abi: gmxMarketInfoAbi,
      functionName: 'getMarketInfo',
      data: info.returnData,
    } as never) as MarketInfoRaw
  } catch {
    return 'Reader.getMarketInfo answered in a layout the adapter does not decode (v2.2 MarketInfo)'
  }
  const oi = results.slice(1)
  if (oi.length % 2 !== 0 || oi.some((r) => !r.success || r.returnData.length !== 66))
    return 'DataStore.getUint(openInterestKey) failed at the block'
  const half = oi.length / 2
  const sum = (rs: readonly RawResult[]) => rs.reduce((a, r) => a + BigInt(r.returnData), 0n)
  return {
    borrowingFactorPerSecondForLongs: decoded.borrowingFactorPerSecondForLongs,
    borrowingFactorPerSecondForShorts: decoded.borrowingFactorPerSecondForShorts,
    longsPayShorts: decoded.nextFunding.longsPayShorts,
    fundingFactorPerSecond: decoded.nextFunding.fundingFactorPerSecond,
    longOpenInterestUsd: sum(oi.slice(0, half)),
    shortOpenInterestUsd: sum(oi.slice(half)),
    isDisabled: decoded.isDisabled,
  }
}

type PriceStrings = Record<keyof GmxMarketPrices, { min: string; max: string }>

function pricesOf(details: Record<string, unknown>): GmxMarketPrices | undefined {
  const p = details.marketPrices as PriceStrings | undefined
  if (!p?.indexTokenPrice || !p.longTokenPrice || !p.shortTokenPrice) return undefined
  const one = (x: { min: string; max: string }) => ({ min: BigInt(x.min), max: BigInt(x.max) })
  return {
    indexTokenPrice: one(p.indexTokenPrice),
    longTokenPrice: one(p.longTokenPrice),
    shortTokenPrice: one(p.shortTokenPrice),
  }
}

const PER_YEAR = 'x 31,536,000 s on sizeInUsd'

/** The funding and borrowing of the GMX positions among `positions`, at `ctx.blockNumber` (one batch). */
export async function readGmxRates(
  ctx: RateReadContext,
  positions: readonly LayerPosition[],
): Promise<PositionRates[]> {
  const configs = gmxConfigsOf(ctx.chain)
  const mine = positions.flatMap((lp) => {
    const p = lp.position
    if (p.protocol !== GMX_V2_PROTOCOL || p.chain !== ctx.chain.key) return []
    const config = configs.find((c) => p.market.startsWith(`${c.id}:`))
    return config ? [{ lp, config }] : []
  })
  if (mine.length === 0) return []
  // One read per (deployment, market, prices): positions of one market share it.
  const reads = new Map<string, { at: number; size: number }>()
  const calls: RawCall[] = []
  const keyOf: (string | null)[] = mine.map(({ lp, config }) => {
    const d = lp.position.details
    const prices = pricesOf(d)
    if (!prices) return null
    const market: GmxMarketHint = {
      marketToken: d.marketToken as Address,
      indexToken: d.indexToken as Address,
      longToken: d.longToken as Address,
      shortToken: d.shortToken as Address,
    }
    const key = `${config.id}|${market.marketToken}|${JSON.stringify(d.marketPrices)}`
    if (!reads.has(key)) {
      const set = gmxMarketRateCalls(config, readerAt(config, ctx.blockNumber).address, market, prices)
      reads.set(key, { at: calls.length, size: set.length })
      calls.push(...set)
    }
    return key
  })
  const results = await readRateBatch(ctx, calls)
  return mine.map(({ lp }, i): PositionRates => {
    const p = lp.position
    const key = keyOf[i]
    const where = key === null || key === undefined ? undefined : reads.get(key)
    const rates = where ? decodeGmxMarketRates(results.slice(where.at, where.at + where.size)) : undefined
    const legs: LegRate[] = []
    const missing: string[] = []
    const isLong = p.details.isLong === true
    const sizeInUsd = BigInt(String(p.details.sizeInUsd ?? '0'))
    for (const leg of p.legs) {
      if (leg.side === 'collateral') {
        legs.push({
          token: leg.asset.address,
          symbol: leg.asset.symbol,
          side: 'collateral',
          apy: 0,
          apr: 0,
          raw: '0',
          rawScale: 'none: GMX collateral earns no interest (funding claimables are in the perp leg)',
          compounding: 'simple-per-second',
          source: 'GMX v2: collateral is not lent out',
        })
        continue
      }
      if (leg.side !== 'long' && leg.side !== 'short') continue
      if (rates === undefined || typeof rates === 'string') {
        missing.push(
          `${leg.side} ${leg.asset.symbol}: ${rates ?? 'no Reader prices on the position to read the market at'}`,
        )
        continue
      }
      const { borrowingUsdPerYear, fundingUsdPerYear } = gmxCarryPerYear(isLong, sizeInUsd, rates)
      const notional = Math.abs(leg.usd)
      if (!(notional > 0)) {
        missing.push(`${leg.side} ${leg.asset.symbol}: no USD value to express the rate on`)
        continue
      }
      const borrowingApy = usd30ToFloat(borrowingUsdPerYear) / notional
      const fundingApy = usd30ToFloat(fundingUsdPerYear) / notional
      const total = borrowingApy + fundingApy
      const borrowingFactor = isLong
        ? rates.borrowingFactorPerSecondForLongs
        : rates.borrowingFactorPerSecondForShorts
      const paying = isLong === rates.longsPayShorts
      const source = `GMX Reader.getMarketInfo(${String(p.details.marketToken)}) at block ${ctx.blockNumber}`
      legs.push({
        token: leg.asset.address,
        symbol: leg.asset.symbol,
        side: leg.side,
        apy: total,
        apr: total,
        raw: (
          (paying ? -rates.fundingFactorPerSecond : rates.fundingFactorPerSecond) - borrowingFactor
        ).toString(),
        rawScale: `fraction of size per second, 30 decimals: funding (+ received) minus borrowing; the APY is (funding + borrowing) ${PER_YEAR} / the leg's USD value`,
        compounding: 'simple-per-second',
        source,
        components: [
          {
            name: 'funding',
            apy: fundingApy,
            raw: rates.fundingFactorPerSecond.toString(),
            rawScale: `nextFunding.fundingFactorPerSecond, 30 decimals (longsPayShorts = ${rates.longsPayShorts}; the receiving side gets it x payingOI / receivingOI = ${rates.longOpenInterestUsd} / ${rates.shortOpenInterestUsd} longs / shorts, USD 30 decimals)`,
            source: `${source}.nextFunding; DataStore openInterestKey`,
          },
          {
            name: 'borrowing',
            apy: borrowingApy,
            raw: borrowingFactor.toString(),
            rawScale: `borrowingFactorPerSecondFor${isLong ? 'Longs' : 'Shorts'}, 30 decimals (${Number((borrowingFactor * 10n ** 12n) / FLOAT_PRECISION) / 1e12} per second)`,
            source: `${source}.borrowingFactorPerSecondFor${isLong ? 'Longs' : 'Shorts'}`,
          },
        ],
      })
    }
    if (rates !== undefined && typeof rates !== 'string' && rates.isDisabled)
      missing.push(`market ${String(p.details.marketToken)} is disabled (MarketInfo.isDisabled)`)
    return { layer: lp.layer, legs, missing }
  })
}
