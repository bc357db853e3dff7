/**
 * Pendle PT prices read on chain, in the same pinned aggregate3 batch as the wrappers' rates.
 * Pure: builds the calls (calldata encoded, nothing called) and decodes their answers.
 *
 * Which value values a PT (its registry entry's `read`, see {@link PendlePtSource}):
 * - `oracle` where a lending market prices the PT by Pendle's PendlePYLpOracle: the TWAP
 *   `getPtToAssetRate(market, duration)` (PT price in the SY's asset, 1e18 per PT unit in raw
 *   units) is the PT's rate as read ({@link RateSource.ptRate}), so stacklens values the
 *   collateral as the market that can liquidate it does;
 * - `market` otherwise: the market's own `readState(router).lastLnImpliedRate` (`ln(1 + y)` of
 *   the last trade, WAD), turned into y = exp(r) - 1 ({@link impliedYieldFromLnRateWadDown},
 *   rounded down) and injected as {@link RateSource.impliedYield}; the resolver discounts by
 *   `1 / (1 + y)^t`. The same answer's `expiry` must equal the registry's maturity, so a PT
 *   mapped to the wrong market is never valued at that market's rate.
 *
 * A failed or malformed answer leaves the value missing: the PT is then not valued from chain
 * (the resolver's RateUnavailableError, a carry note), never valued at zero or at par.
 */
import { type Abi, encodeFunctionData } from 'viem'
import type { Address } from '../core/address.js'
import { WAD } from '../core/math.js'
import { type AssetGraph, assetKey } from './graph.js'
import { impliedYieldFromLnRateWadDown } from './pendle.js'
import { type RateCall, rateCallAbi } from './rates.js'
import type { PendlePtSource, PtNode, RateSource, TokenRef } from './types.js'

/** `PendleMarket.readState(address router)`: the MarketState struct, nine static words. */
export const PENDLE_READ_STATE_SIGNATURE =
  'function readState(address router) view returns ((int256 totalPt, int256 totalSy, int256 totalLp, address treasury, int256 scalarRoot, uint256 expiry, uint256 lnFeeRateRoot, uint256 reserveFeePercent, uint256 lastLnImpliedRate) market)'

/** `PendlePYLpOracle.getPtToAssetRate(address market, uint32 duration)`: one uint256, 1e18. */
export const PENDLE_PT_TO_ASSET_SIGNATURE =
  'function getPtToAssetRate(address market, uint32 duration) view returns (uint256)'

/** Word index of `expiry` in the MarketState answer. */
const EXPIRY_WORD = 5
/** Word index of `lastLnImpliedRate` in the MarketState answer. */
const LN_IMPLIED_RATE_WORD = 8
/** Words of the MarketState answer. */
const MARKET_STATE_WORDS = 9

/** The {@link RateSource} key prefix of a PT's implied yield read from its market. */
const YIELD_PREFIX = 'pendle-implied-yield|'
/** The {@link RateSource} key prefix of a PT's price read from Pendle's oracle. */
const PRICE_PREFIX = 'pendle-pt-price|'

/** The read-map key under which a PT's implied yield (WAD) is decoded. */
export function ptYieldKey(ptKey: string): string {
  return `${YIELD_PREFIX}${ptKey}`
}

/** The read-map key under which a PT's oracle price (WAD underlying per whole PT) is decoded. */
export function ptPriceKey(ptKey: string): string {
  return `${PRICE_PREFIX}${ptKey}`
}

/** How a PT call's answer is decoded (carried on its {@link RateCall}). */
export type PendleAnswer =
  /** MarketState: `lastLnImpliedRate` -> implied yield WAD; `expiry` must equal `maturity`. */
  | { kind: 'pendle-market-state'; maturity: bigint }
  /** One uint256, PT -> asset rate in raw units x 1e18; rescaled to whole tokens. */
  | { kind: 'pendle-pt-to-asset'; ptDecimals: number; underlyingDecimals: number }

/** A PT's registry entry, as the config file and the devchain manifest give it. */
export interface PendlePtEntry {
  chain: string
  /** The PT token. */
  pt: string
  symbol: string
  decimals: number
  /** What the PT redeems 1:1 for at maturity (the SY's accounting asset). */
  underlying: TokenRef
  /** Maturity (the market's and PT's `expiry()`), unix seconds. */
  maturity: bigint
  source: PendlePtSource
}

/** The graph node of a registry entry. */
export function pendlePtNode(entry: PendlePtEntry): PtNode {
  const decimalsOk = (d: number) => Number.isInteger(d) && d >= 0 && d <= 36
  if (!decimalsOk(entry.decimals))
    throw new RangeError(`pendlePtNode: ${entry.symbol}: decimals ${entry.decimals} outside 0..36`)
  const { read } = entry.source
  if (read.kind === 'oracle' && !decimalsOk(read.underlyingDecimals))
    throw new RangeError(`pendlePtNode: ${entry.symbol}: underlying decimals outside 0..36`)
  if (read.kind === 'oracle' && !(Number.isInteger(read.durationSeconds) && read.durationSeconds > 0))
    throw new RangeError(`pendlePtNode: ${entry.symbol}: TWAP duration must be a whole number of seconds > 0`)
  if (entry.maturity <= 0n) throw new RangeError(`pendlePtNode: ${entry.symbol}: maturity must be > 0`)
  return {
    kind: 'pt',
    chain: entry.chain,
    address: entry.pt.toLowerCase(),
    symbol: entry.symbol,
    decimals: entry.decimals,
    underlying: entry.underlying,
    maturity: entry.maturity,
    pendle: {
      market: entry.source.market.toLowerCase(),
      sy: entry.source.sy === null ? null : entry.source.sy.toLowerCase(),
      read:
        read.kind === 'market'
          ? { kind: 'market', router: read.router.toLowerCase() }
          : { ...read, oracle: read.oracle.toLowerCase() },
    },
  }
}

/** A PT read for the pinned batch: a {@link RateCall} with its Pendle decoding. */
export type PendleRateCall = RateCall & { answer: PendleAnswer }

/**
 * One read per PT node of the graph that names its Pendle source (optionally one chain only):
 * `readState(router)` on its market, or `getPtToAssetRate(market, duration)` on the oracle.
 * Keys are {@link ptYieldKey} / {@link ptPriceKey} of the PT's asset key. Pure.
 */
export function pendleRateCalls(graph: AssetGraph, chain?: string): PendleRateCall[] {
  const out: PendleRateCall[] = []
  for (const node of graph.nodes.values()) {
    if (node.kind !== 'pt' || node.pendle === undefined || node.address === null) continue
    if (chain !== undefined && node.chain !== chain) continue
    const key = assetKey(node)
    const { market, read } = node.pendle
    if (read.kind === 'market') {
      const args = [read.router as `0x${string}`] as const
      out.push(
        callOf(ptYieldKey(key), node.chain, market, PENDLE_READ_STATE_SIGNATURE, args, {
          kind: 'pendle-market-state',
          maturity: node.maturity,
        }),
      )
    } else {
      const args = [market as `0x${string}`, BigInt(read.durationSeconds)] as const
      out.push(
        callOf(ptPriceKey(key), node.chain, read.oracle, PENDLE_PT_TO_ASSET_SIGNATURE, args, {
          kind: 'pendle-pt-to-asset',
          ptDecimals: node.decimals,
          underlyingDecimals: read.underlyingDecimals,
        }),
      )
    }
  }
  return out
}

function callOf(
  key: string,
  chain: string,
  target: string,
  signature: string,
  args: readonly (bigint | `0x${string}`)[],
  answer: PendleAnswer,
): PendleRateCall {
  const abiItem = rateCallAbi(signature)
  return {
    key,
    chain,
    target: target as Address,
    signature,
    args,
    resultDecimals: 18,
    functionName: abiItem.name,
    callData: encodeFunctionData({ abi: [abiItem] as Abi, functionName: abiItem.name, args: [...args] }),
    answer,
  }
}

/** The `i`-th 32-byte word of return data; undefined past its end. */
function word(data: `0x${string}`, i: number): bigint {
  return BigInt(`0x${data.slice(2 + i * 64, 2 + (i + 1) * 64)}`)
}

/**
 * A Pendle call's answer as the value its key stands for, or undefined when it is not one
 * (wrong length, an expiry other than the registry's maturity, a rate out of range):
 * - market state: the implied yield, WAD, rounded down;
 * - oracle: the PT price in whole underlying per whole PT, WAD:
 *   `raw x 10^ptDecimals / 10^underlyingDecimals`, rounded down (exact at equal decimals).
 */
export function decodePendleAnswer(answer: PendleAnswer, data: `0x${string}`): bigint | undefined {
  if (answer.kind === 'pendle-market-state') {
    if (data.length !== 2 + MARKET_STATE_WORDS * 64) return undefined
    if (word(data, EXPIRY_WORD) !== answer.maturity) return undefined
    try {
      return impliedYieldFromLnRateWadDown(word(data, LN_IMPLIED_RATE_WORD))
    } catch {
      return undefined
    }
  }
  if (data.length !== 66) return undefined
  const price = (word(data, 0) * 10n ** BigInt(answer.ptDecimals)) / 10n ** BigInt(answer.underlyingDecimals)
  // A PT worth more than 10 of its underlying is no price but garbage.
  return price > 10n * WAD ? undefined : price
}

/**
 * A {@link RateSource} over one batch's decoded reads (by key: wrappers' rates under their asset
 * key, PTs' implied yields under {@link ptYieldKey} and prices under {@link ptPriceKey}).
 */
export function rateSourceFromReads(reads: Readonly<Record<string, bigint>>): RateSource {
  return {
    rate: (key) => reads[key],
    impliedYield: (key) => reads[ptYieldKey(key)],
    ptRate: (key) => reads[ptPriceKey(key)],
  }
}

/** How a PT's price was had, for a carry row's `method`. */
export function describePendleSource(source: PendlePtSource): string {
  return source.read.kind === 'oracle'
    ? `Pendle oracle TWAP PendlePYLpOracle(${source.read.oracle}).getPtToAssetRate(market ${source.market}, ${source.read.durationSeconds} s)`
    : `Pendle market ${source.market} readState(router).lastLnImpliedRate, implied yield exp(r) - 1`
}
