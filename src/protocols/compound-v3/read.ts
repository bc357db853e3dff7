/**
 * The Compound v3 adapter's I/O: which calls go into the chain's batch, and how their results
 * (plus a pinned follow-up when the asset hints are stale) become positions.
 *
 * How a Comet is read in one round trip although its asset list is on chain: the batch carries
 * (a) the Comet's own list, `getAssetInfo(i)` for every possible offset with allowFailure (Comet
 * reverts BadAsset past numAssets; at most 24 with CometWithExtendedAssetList), and (b) the
 * wallet's `userCollateral(user, asset)` and `getPrice(feed)` for the assets and feeds the adapter
 * expects (the market's hints: configured, or learned from this Comet's last read in this
 * process). Decoding compares (b) with (a) at the same block: when they match, nothing more is
 * read; when governance listed an asset or moved a feed, only the missing reads go out in ONE
 * follow-up pinned to the same block (and only for assets the wallet holds, by its assetsIn bits).
 */
import type { Abi, Hex } from 'viem'
import { aggregatorV3Abi, cometAbi, erc20SymbolAbi } from '../../../abis/compound-v3-comet.js'
import { decodeFunctionResultFast, encodeFunctionDataFast } from '../../chains/abi-call.js'
import type { BlockContext, RawCall, RawResult } from '../../chains/batch.js'
import { type Address, sameAddress } from '../../core/address.js'
import { BoundedCache } from '../../core/bounded-cache.js'
import { BaseError, type ErrorContext, ProtocolLayoutMismatchError } from '../../core/errors.js'
import type { PositionResult } from '../../core/types.js'
import type { FollowUp, WalletReadPlan } from '../types.js'
import type { CometAssetHint, CometConfig } from './markets.js'
import type { CometAccountState, CometBorrowRateModel, CometCollateralState } from './math.js'
import { buildCometPosition } from './position.js'

/** The most assets a Comet can list (CometWithExtendedAssetList; classic Comet: 15). */
export const COMET_MAX_ASSETS = 24

/** Protocol key of every Comet position. */
export const COMPOUND_V3_PROTOCOL = 'compound-v3'

/** Indexes of the fixed calls at the head of one Comet's slice. */
const CALL = {
  baseToken: 0,
  baseTokenPriceFeed: 1,
  numAssets: 2,
  baseScale: 3,
  totalsBasic: 4,
  userBasic: 5,
  borrowBalanceOf: 6,
  balanceOf: 7,
  isLiquidatable: 8,
  isBorrowCollateralized: 9,
  firstAssetInfo: 10,
} as const

/** Comet's borrow rate immutables, in CometBorrowRateModel order. */
const RATE_FUNCTIONS = [
  'borrowKink',
  'borrowPerSecondInterestRateBase',
  'borrowPerSecondInterestRateSlopeLow',
  'borrowPerSecondInterestRateSlopeHigh',
] as const

/** What the batch expects a Comet to list: its base feed and collateral assets. */
export interface CometHints {
  baseTokenPriceFeed?: Address
  assets: readonly CometAssetHint[]
}

/** Asset lists learned from each Comet's last read, by `chain:comet` (bounded). */
export type CometHintsCache = BoundedCache<string, CometHints>

/** A learned-hints cache of at most `maxEntries` Comets (default 1,000). */
export function createCometHintsCache(maxEntries = 1_000): CometHintsCache {
  return new BoundedCache(maxEntries)
}

/** The cache of direct library calls that pass none (the app's root injects its own). */
const defaultLearned = createCometHintsCache()
const learnedKey = (config: CometConfig) => `${config.chain}:${config.comet.toLowerCase()}`

/**
 * The hints the next read of `config` uses: what `learned` last read from that Comet, else the
 * configured ones.
 */
export function cometHints(config: CometConfig, learned: CometHintsCache = defaultLearned): CometHints {
  return (
    learned.get(learnedKey(config)) ?? {
      ...(config.baseTokenPriceFeed ? { baseTokenPriceFeed: config.baseTokenPriceFeed } : {}),
      assets: config.assets ?? [],
    }
  )
}

/** Forgets every asset list of the default cache (tests; a process that switched networks). */
export function clearLearnedCometHints(): void {
  defaultLearned.clear()
}

/** Where each call of one Comet's slice sits. */
export interface CometCallLayout {
  calls: RawCall[]
  hints: CometHints
  /** Index of getPrice(hinted base feed), or -1. */
  basePrice: number
  /** Per hinted asset: indexes of userCollateral, getPrice and (when the hint has none) symbol, else -1. */
  assets: { hint: CometAssetHint; collateral: number; price: number; symbol: number }[]
  /** Indexes of the numeraire feed's latestRoundData and decimals, or -1. */
  unitAnswer: number
  unitDecimals: number
  /** Index of the first of borrowKink, borrowPerSecondInterestRate{Base,SlopeLow,SlopeHigh}. */
  rates: number
}

function call(target: Address, abi: Abi, functionName: string, args: readonly unknown[] = []): RawCall {
  return {
    target,
    allowFailure: true,
    callData: encodeFunctionDataFast({ abi, functionName, args } as never),
  }
}

/**
 * The calls one Comet needs for one wallet, all in the chain's batch: the Comet's base facts,
 * stored indexes (totalsBasic, as isLiquidatable uses them), the user's principal and assetsIn
 * (userBasic), balances, the Comet's own isLiquidatable and isBorrowCollateralized, every
 * getAssetInfo offset, and the user's collateral and prices for the hinted assets.
 */
export function cometWalletCalls(
  config: CometConfig,
  user: Address,
  hints = cometHints(config),
): CometCallLayout {
  const c = config.comet
  const calls: RawCall[] = [
    call(c, cometAbi, 'baseToken'),
    call(c, cometAbi, 'baseTokenPriceFeed'),
    call(c, cometAbi, 'numAssets'),
    call(c, cometAbi, 'baseScale'),
    call(c, cometAbi, 'totalsBasic'),
    call(c, cometAbi, 'userBasic', [user]),
    call(c, cometAbi, 'borrowBalanceOf', [user]),
    call(c, cometAbi, 'balanceOf', [user]),
    call(c, cometAbi, 'isLiquidatable', [user]),
    call(c, cometAbi, 'isBorrowCollateralized', [user]),
  ]
  for (let i = 0; i < COMET_MAX_ASSETS; i++) calls.push(call(c, cometAbi, 'getAssetInfo', [i]))
  let basePrice = -1
  if (hints.baseTokenPriceFeed) {
    basePrice = calls.length
    calls.push(call(c, cometAbi, 'getPrice', [hints.baseTokenPriceFeed]))
  }
  const assets = hints.assets.map((hint) => {
    const collateral = calls.length
    calls.push(call(c, cometAbi, 'userCollateral', [user, hint.asset]))
    const price = calls.length
    calls.push(call(c, cometAbi, 'getPrice', [hint.priceFeed]))
    let symbol = -1
    if (!hint.symbol) {
      symbol = calls.length
      calls.push(call(hint.asset, erc20SymbolAbi, 'symbol'))
    }
    return { hint, collateral, price, symbol }
  })
  let unitAnswer = -1
  let unitDecimals = -1
  if (config.priceUnit?.usdFeed) {
    unitAnswer = calls.length
    calls.push(call(config.priceUnit.usdFeed, aggregatorV3Abi, 'latestRoundData'))
    unitDecimals = calls.length
    calls.push(call(config.priceUnit.usdFeed, aggregatorV3Abi, 'decimals'))
  }
  // The borrow rate model (immutables), to accrue the stored index to the block as absorb does.
  const rates = calls.length
  for (const fn of RATE_FUNCTIONS) calls.push(call(c, cometAbi, fn))
  return { calls, hints, basePrice, assets, unitAnswer, unitDecimals, rates }
}

/** A Comet priced in a numeraire whose USD feed is not known (PRICE_UNAVAILABLE). */
export class CometPriceUnitError extends BaseError {
  override name = 'CometPriceUnitError'
  constructor(symbol: string, context: ErrorContext) {
    super(
      'PRICE_UNAVAILABLE',
      `the Comet prices in ${symbol} and no ${symbol}/USD feed is known from Compound's records (market ${context.market})`,
      { context },
    )
  }
}

class CometReadFailedError extends BaseError {
  override name = 'CometReadFailedError'
  constructor(what: string, context: ErrorContext) {
    super('PROTOCOL_READ_FAILED', `${what} on market ${context.market}`, { context })
  }
}

/** One asset as the Comet lists it (Comet's AssetInfo). */
export interface CometAssetInfo {
  /** Position in the Comet's list: the asset's bit in UserBasic.assetsIn. */
  offset: number
  asset: Address
  /** The feed Comet.getPrice reads for it (8 decimals). */
  priceFeed: Address
  /** 10^decimals of the asset. */
  scale: bigint
  /** 1e18-scaled. */
  borrowCollateralFactor: bigint
  /** 1e18-scaled. */
  liquidateCollateralFactor: bigint
  /** 1e18-scaled. */
  liquidationFactor: bigint
  /** Raw units of the asset. */
  supplyCap: bigint
}

function decimalsOfScale(scale: bigint): number | null {
  let d = 0
  let s = 1n
  while (s < scale && d <= 36) {
    s *= 10n
    d++
  }
  return s === scale ? d : null
}

/**
 * Decodes one Comet's slice of the batch into the user's position (none when the user holds
 * nothing there). Throws coded errors; the caller turns them into an `unavailable` row.
 */
export async function decodeCometWallet(
  config: CometConfig,
  user: Address,
  layout: CometCallLayout,
  results: RawResult[],
  block: BlockContext,
  followUp: FollowUp,
  learned: CometHintsCache = defaultLearned,
): Promise<PositionResult[]> {
  const context: ErrorContext = { chain: config.chain, protocol: COMPOUND_V3_PROTOCOL, market: config.id }
  // `what` names the call; Comet calls are prefixed "Comet.", others name their contract.
  const returned = (r: RawResult | undefined, what: string): Hex => {
    const isComet = what.startsWith('Comet.')
    if (!r?.success)
      throw new CometReadFailedError(
        `${what} reverted${isComet ? ` (is ${config.comet} a Comet?)` : ''}`,
        context,
      )
    if (r.returnData === '0x') {
      throw new CometReadFailedError(`${what} returned nothing (no contract there at this block)`, context)
    }
    return r.returnData
  }
  const decode = <T>(
    abi: Abi,
    functionName: string,
    r: RawResult | undefined,
    what = `Comet.${functionName}`,
  ): T => {
    const data = returned(r, what)
    try {
      return decodeFunctionResultFast({ abi, functionName, data } as never) as T
    } catch (err) {
      throw new ProtocolLayoutMismatchError(
        `${what} answered in a layout the adapter does not decode`,
        context,
        err,
      )
    }
  }
  const comet = (i: number, fn: string) => decode<unknown>(cometAbi, fn, results[i])

  const baseToken = comet(CALL.baseToken, 'baseToken') as Address
  if (config.baseToken && !sameAddress(baseToken, config.baseToken)) {
    throw new ProtocolLayoutMismatchError(
      `the Comet at ${config.comet} lends ${baseToken}, not the configured base token ${config.baseToken}`,
      context,
    )
  }
  const baseFeed = comet(CALL.baseTokenPriceFeed, 'baseTokenPriceFeed') as Address
  const numAssets = Number(comet(CALL.numAssets, 'numAssets') as number)
  const baseScale = comet(CALL.baseScale, 'baseScale') as bigint
  const baseDecimals = decimalsOfScale(baseScale)
  if (baseDecimals === null || baseDecimals > 18) {
    throw new ProtocolLayoutMismatchError(`baseScale ${baseScale} is not 10^d with d <= 18`, context)
  }
  if (numAssets > COMET_MAX_ASSETS) {
    throw new ProtocolLayoutMismatchError(`numAssets ${numAssets} exceeds ${COMET_MAX_ASSETS}`, context)
  }
  const totals = comet(CALL.totalsBasic, 'totalsBasic') as {
    baseSupplyIndex: bigint
    baseBorrowIndex: bigint
    totalSupplyBase: bigint
    totalBorrowBase: bigint
    lastAccrualTime: number
  }
  const [principal, , , assetsIn, reserved] = comet(CALL.userBasic, 'userBasic') as readonly [
    bigint,
    bigint,
    bigint,
    number,
    number,
  ]
  // CometWithExtendedAssetList keeps offsets 16..23 in UserBasic._reserved; classic Comet leaves it 0.
  const assetBits = BigInt(assetsIn) | (BigInt(reserved) << 16n)
  const borrowBalance = comet(CALL.borrowBalanceOf, 'borrowBalanceOf') as bigint
  const supplyBalance = comet(CALL.balanceOf, 'balanceOf') as bigint
  const isLiquidatable = comet(CALL.isLiquidatable, 'isLiquidatable') as boolean
  const isBorrowCollateralized = comet(CALL.isBorrowCollateralized, 'isBorrowCollateralized') as boolean
  if (totals.baseBorrowIndex < 10n ** 15n || totals.baseSupplyIndex < 10n ** 15n) {
    throw new ProtocolLayoutMismatchError(
      `indexes below 1 (supply ${totals.baseSupplyIndex}, borrow ${totals.baseBorrowIndex})`,
      context,
    )
  }

  const infos: CometAssetInfo[] = []
  for (let i = 0; i < numAssets; i++) {
    const info = decode<CometAssetInfo>(
      cometAbi,
      'getAssetInfo',
      results[CALL.firstAssetInfo + i],
      `Comet.getAssetInfo(${i})`,
    )
    const decimals = decimalsOfScale(info.scale)
    if (
      Number(info.offset) !== i ||
      decimals === null ||
      info.liquidateCollateralFactor > 10n ** 18n ||
      info.borrowCollateralFactor > info.liquidateCollateralFactor
    ) {
      throw new ProtocolLayoutMismatchError(`getAssetInfo(${i}) is not a valid Comet asset`, context)
    }
    infos.push({ ...info, offset: Number(info.offset) })
  }
  const hinted = new Map(layout.assets.map((a) => [a.hint.asset.toLowerCase(), a]))

  // What the batch already answered, and what the chain's list says is still needed.
  const known = {
    basePrice: undefined as bigint | undefined,
    balances: new Map<string, bigint>(),
    prices: new Map<string, bigint>(),
    symbols: new Map<string, string>(),
  }
  const price = (r: RawResult | undefined, feed: Address) =>
    decode<bigint>(cometAbi, 'getPrice', r, `Comet.getPrice(${feed})`)
  const baseHinted =
    layout.basePrice >= 0 &&
    layout.hints.baseTokenPriceFeed !== undefined &&
    sameAddress(layout.hints.baseTokenPriceFeed, baseFeed)
  for (const info of infos) {
    const key = info.asset.toLowerCase()
    const h = hinted.get(key)
    if (!h) continue
    const [balance] = decode<readonly [bigint, bigint]>(
      cometAbi,
      'userCollateral',
      results[h.collateral],
      `Comet.userCollateral(${info.asset})`,
    )
    known.balances.set(key, balance)
    known.symbols.set(key, h.hint.symbol ?? symbolOf(results[h.symbol], info.asset))
    if (sameAddress(h.hint.priceFeed, info.priceFeed) && (balance > 0n || inBits(assetBits, info.offset)))
      known.prices.set(key, price(results[h.price], info.priceFeed))
  }

  const held = (info: CometAssetInfo) =>
    inBits(assetBits, info.offset) || (known.balances.get(info.asset.toLowerCase()) ?? 0n) > 0n
  const relevant = infos.filter(held)
  let source: 'hint' | 'follow-up' = 'hint'
  if (principal === 0n && relevant.length === 0) {
    remember(learned, config, baseFeed, infos, known.symbols)
    return []
  }

  // One pinned follow-up for whatever the hints missed.
  const more: RawCall[] = []
  const pending: ((r: RawResult[]) => void)[] = []
  const ask = (c: RawCall, take: (r: RawResult) => void) => {
    const at = more.length
    more.push(c)
    pending.push((rs) => take(rs[at]!))
  }
  if (baseHinted) known.basePrice = price(results[layout.basePrice], baseFeed)
  else
    ask(call(config.comet, cometAbi, 'getPrice', [baseFeed]), (r) => {
      known.basePrice = price(r, baseFeed)
    })
  for (const info of relevant) {
    const key = info.asset.toLowerCase()
    if (!known.balances.has(key))
      ask(call(config.comet, cometAbi, 'userCollateral', [user, info.asset]), (r) => {
        known.balances.set(
          key,
          decode<readonly [bigint, bigint]>(
            cometAbi,
            'userCollateral',
            r,
            `Comet.userCollateral(${info.asset})`,
          )[0],
        )
      })
    if (!known.prices.has(key))
      ask(call(config.comet, cometAbi, 'getPrice', [info.priceFeed]), (r) => {
        known.prices.set(key, price(r, info.priceFeed))
      })
    if (!known.symbols.has(key))
      ask(call(info.asset, erc20SymbolAbi, 'symbol'), (r) => {
        known.symbols.set(key, symbolOf(r, info.asset))
      })
  }
  if (more.length > 0) {
    source = 'follow-up'
    const answers = await followUp(more)
    if (answers.length !== more.length)
      throw new CometReadFailedError('the follow-up read answered the wrong number of calls', context)
    for (const take of pending) take(answers)
  }
  remember(learned, config, baseFeed, infos, known.symbols)

  let unitUsd = 1
  if (config.priceUnit && !config.priceUnit.usdFeed) {
    throw new CometPriceUnitError(config.priceUnit.symbol, context)
  }
  if (config.priceUnit?.usdFeed) {
    const answer = decode<readonly [bigint, bigint, bigint, bigint, bigint]>(
      aggregatorV3Abi,
      'latestRoundData',
      results[layout.unitAnswer],
      `${config.priceUnit.symbol}/USD feed ${config.priceUnit.usdFeed}.latestRoundData`,
    )[1]
    const decimals = decode<number>(
      aggregatorV3Abi,
      'decimals',
      results[layout.unitDecimals],
      `${config.priceUnit.symbol}/USD feed ${config.priceUnit.usdFeed}.decimals`,
    )
    if (answer <= 0n)
      throw new CometReadFailedError(`${config.priceUnit.symbol}/USD price is ${answer}`, context)
    unitUsd = Number(answer) / 10 ** Number(decimals)
  }

  const collaterals: CometCollateralState[] = relevant.map((info) => {
    const key = info.asset.toLowerCase()
    return {
      offset: info.offset,
      asset: info.asset,
      symbol: known.symbols.get(key)!,
      decimals: decimalsOfScale(info.scale)!,
      scale: info.scale,
      borrowCollateralFactor: info.borrowCollateralFactor,
      liquidateCollateralFactor: info.liquidateCollateralFactor,
      liquidationFactor: info.liquidationFactor,
      price: known.prices.get(key)!,
      balance: known.balances.get(key)!,
      inAsset: inBits(assetBits, info.offset),
    }
  })
  const state: CometAccountState = {
    baseToken,
    principal,
    baseSupplyIndex: totals.baseSupplyIndex,
    baseBorrowIndex: totals.baseBorrowIndex,
    baseScale,
    basePrice: known.basePrice!,
    collaterals,
  }
  const position = buildCometPosition(
    state,
    {
      isLiquidatable,
      isBorrowCollateralized,
      borrowBalance,
      supplyBalance,
      lastAccrualTime: BigInt(totals.lastAccrualTime),
      blockTimestamp: block.timestamp,
      totalSupplyBase: totals.totalSupplyBase,
      totalBorrowBase: totals.totalBorrowBase,
      ...rateModelOf(results, layout.rates),
    },
    {
      protocol: COMPOUND_V3_PROTOCOL,
      market: config.id,
      chain: config.chain,
      comet: config.comet,
      baseSymbol: config.baseSymbol,
      baseDecimals,
      priceUnit: config.priceUnit?.symbol ?? 'USD',
      priceUnitUsd: unitUsd,
      assetListSource: source,
    },
  )
  return position ? [position] : []
}

/** The borrow rate model from the batch, or nothing when a Comet does not answer it (e.g. a double). */
function rateModelOf(results: readonly RawResult[], at: number): { borrowRateModel?: CometBorrowRateModel } {
  const values: bigint[] = []
  for (const [i, fn] of RATE_FUNCTIONS.entries()) {
    const r = results[at + i]
    if (!r?.success || r.returnData === '0x') return {}
    try {
      values.push(
        BigInt(decodeFunctionResultFast({ abi: cometAbi, functionName: fn, data: r.returnData }) as bigint),
      )
    } catch {
      return {}
    }
  }
  const [kink, base, slopeLow, slopeHigh] = values as [bigint, bigint, bigint, bigint]
  return { borrowRateModel: { kink, base, slopeLow, slopeHigh } }
}

/** A token's `symbol()`; a token without a string symbol (bytes32 symbols) is labelled by its address. */
function symbolOf(r: RawResult | undefined, asset: Address): string {
  if (r?.success && r.returnData !== '0x') {
    try {
      const symbol = decodeFunctionResultFast({
        abi: erc20SymbolAbi,
        functionName: 'symbol',
        data: r.returnData,
      })
      if (symbol.length > 0 && symbol.length <= 32) return symbol
    } catch {}
  }
  return `${asset.slice(0, 8)}…`
}

function inBits(bits: bigint, offset: number): boolean {
  return ((bits >> BigInt(offset)) & 1n) === 1n
}

function remember(
  learned: CometHintsCache,
  config: CometConfig,
  baseFeed: Address,
  infos: readonly CometAssetInfo[],
  symbols: ReadonlyMap<string, string>,
): void {
  learned.set(learnedKey(config), {
    baseTokenPriceFeed: baseFeed,
    assets: infos.map((i) => {
      const symbol = symbols.get(i.asset.toLowerCase())
      return { asset: i.asset, priceFeed: i.priceFeed, ...(symbol ? { symbol } : {}) }
    }),
  })
}

/** The read plan of one wallet in one Comet; `learned` holds the asset lists (default cache when omitted). */
export function planCometWallet(
  config: CometConfig,
  user: Address,
  learned: CometHintsCache = defaultLearned,
): WalletReadPlan {
  const layout = cometWalletCalls(config, user, cometHints(config, learned))
  return {
    market: config.id,
    protocol: COMPOUND_V3_PROTOCOL,
    calls: layout.calls,
    decode: (results, block, followUp) =>
      decodeCometWallet(config, user, layout, results, block, followUp, learned),
  }
}
