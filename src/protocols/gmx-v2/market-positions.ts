/**
 * Every open GMX v2 position of a deployment at one block (market-wide risk): the position keys
 * from the DataStore's `POSITION_LIST` bytes32 set (data/Keys.sol; `getBytes32Count` and
 * `getBytes32ValuesAt`, ../shared/protocols/gmx-synthetics/FACTS.md "Discovering an account's
 * positions"), each key's account from `Reader.getPosition(dataStore, key)`, then each account
 * read with the adapter's own wallet plan ({@link planGmxWallet}) at that block, its verdict
 * (`isPositionLiquidatable`, forLiquidation) planned into the same batch: the same `perp` rows,
 * liquidation prices and `gmx-min-collateral` rule a wallet report serves.
 */
import { decodeFunctionResult, encodeAbiParameters, type Hex, keccak256 } from 'viem'
import { executeBatch, type RawCall, type RawResult } from '../../chains/batch.js'
import { type Address, sameAddress } from '../../core/address.js'
import { BaseError } from '../../core/errors.js'
import { readPlansAt } from '../read-plans-at.js'
import {
  type MarketPositionsContext,
  type MarketPositionsList,
  type MarketPositionsRead,
  wantsMarket,
} from '../types.js'
import { gmxDataStoreAbi, gmxFeedAbi, gmxReaderAbi, gmxReaderV21Abi } from './abi.js'
import type { GmxMarketHint, GmxReaderRecord, GmxV2Config } from './markets.js'
import { fetchGmxTickers, GmxPriceError } from './prices.js'
import {
  call,
  contextOf,
  decodeWith,
  feedPricesOf,
  GMX_MAX_MARKETS,
  GMX_V2_PROTOCOL,
  type GmxDecodedPosition,
  type GmxDiscoveredDeployment,
  GmxReadFailedError,
  gmxConfigsOf,
  gmxPositionKey,
  type PositionPropsRaw,
  planGmxWallet,
  readerAt,
} from './read.js'

/** Keys.POSITION_LIST: keccak256(abi.encode("POSITION_LIST")) (the ABI encoding of the string). */
export const GMX_POSITION_LIST: Hex = keccak256(encodeAbiParameters([{ type: 'string' }], ['POSITION_LIST']))

/** Position keys per getBytes32ValuesAt page, and getPosition calls per aggregate3. */
const KEYS_PAGE = 1_000
const POSITIONS_CHUNK = 400

/** Options of {@link listGmxMarketPositions}. */
export interface ListGmxMarketPositionsOptions {
  /** fetch for GMX's oracle service (oracle-priced deployments). */
  fetchFn?: typeof fetch | undefined
}

/**
 * The open positions of every GMX deployment of `ctx.chain` at `ctx.blockNumber`, one
 * {@link MarketPositionsRead} per deployment (its positions carry `<deployment>:<market token>`).
 * A deployment whose Reader at that block predates v2.1 is named in `notEnumerated`.
 * @throws the batches' coded errors (RPC, block, timeout); a DataStore that cannot list its keys
 *   throws PROTOCOL_READ_FAILED.
 */
export async function listGmxMarketPositions(
  ctx: MarketPositionsContext,
  options: ListGmxMarketPositionsOptions = {},
): Promise<MarketPositionsList> {
  const out: MarketPositionsList = { markets: [], notEnumerated: [] }
  for (const config of gmxConfigsOf(ctx.chain)) {
    if (!wantsMarket(ctx, config.id)) continue
    const reader = readerAt(config, ctx.blockNumber)
    if (reader.layout === 'unsupported') {
      out.notEnumerated.push({
        market: config.id,
        protocol: GMX_V2_PROTOCOL,
        reason: `the Reader ${reader.address} live at block ${ctx.blockNumber} predates v2.1`,
      })
      continue
    }
    const read = await readDeployment(ctx, config, { ...reader, layout: reader.layout }, options)
    if ('market' in read) out.markets.push(read)
    else out.notEnumerated.push({ market: config.id, protocol: GMX_V2_PROTOCOL, reason: read.reason })
  }
  return out
}

async function readDeployment(
  ctx: MarketPositionsContext,
  config: GmxV2Config,
  reader: GmxReaderRecord & { layout: 'v2.2' | 'v2.1' },
  options: ListGmxMarketPositionsOptions,
): Promise<MarketPositionsRead | { reason: string }> {
  const context = contextOf(config)
  const batch = async (calls: readonly RawCall[]) =>
    executeBatch({
      client: ctx.client,
      chain: ctx.chain.key,
      multicall3: ctx.chain.multicall3,
      calls,
      blockNumber: ctx.blockNumber,
      ...(ctx.deadline ? { deadline: ctx.deadline } : {}),
    })
  const oracle =
    config.prices.kind === 'oracle'
      ? fetchGmxTickers({
          url: config.prices.tickersUrl,
          ...(options.fetchFn ? { fetchFn: options.fetchFn } : {}),
          context: { chain: config.chain, market: config.id },
        }).catch((err: unknown) =>
          err instanceof GmxPriceError ? err : new GmxPriceError('tickers request failed', {}, err),
        )
      : undefined

  // 1. How many keys, 2. the keys (paged), with the markets and the feeds in the same batch.
  const counted = (
    await batch([call(config.dataStore, gmxDataStoreAbi, 'getBytes32Count', [GMX_POSITION_LIST])])
  ).results[0]
  // No code at the DataStore's address at this block: the deployment is not there yet.
  if (counted?.success && counted.returnData === '0x') {
    oracle?.catch(() => {})
    return { reason: `the DataStore ${config.dataStore} has no code at block ${ctx.blockNumber}` }
  }
  const count = decodeWith<bigint>(
    gmxDataStoreAbi,
    'getBytes32Count',
    counted,
    'DataStore.getBytes32Count(POSITION_LIST)',
    context,
  )
  const pages: RawCall[] = []
  for (let start = 0n; start < count; start += BigInt(KEYS_PAGE))
    pages.push(
      call(config.dataStore, gmxDataStoreAbi, 'getBytes32ValuesAt', [
        GMX_POSITION_LIST,
        start,
        start + BigInt(KEYS_PAGE),
      ]),
    )
  const extra: RawCall[] = [
    call(reader.address, gmxReaderAbi, 'getMarkets', [
      config.dataStore,
      0n,
      BigInt(config.maxMarkets ?? GMX_MAX_MARKETS),
    ]),
  ]
  const feedsAt: number[] = []
  if (config.prices.kind === 'feeds')
    for (const feed of config.prices.feeds) {
      feedsAt.push(pages.length + extra.length)
      extra.push(call(feed.feed, gmxFeedAbi, 'latestRoundData'))
    }
  const listed = await batch([...pages, ...extra])
  const keys: Hex[] = []
  pages.forEach((_, i) => {
    keys.push(
      ...decodeWith<readonly Hex[]>(
        gmxDataStoreAbi,
        'getBytes32ValuesAt',
        listed.results[i],
        'DataStore.getBytes32ValuesAt(POSITION_LIST)',
        context,
      ),
    )
  })
  let markets: GmxMarketHint[]
  try {
    markets = [
      ...decodeWith<readonly GmxMarketHint[]>(
        gmxReaderAbi,
        'getMarkets',
        listed.results[pages.length],
        'Reader.getMarkets',
        context,
      ),
    ]
  } catch (err) {
    if (!config.markets) throw err
    markets = [...config.markets]
  }
  const feedPrices =
    config.prices.kind === 'feeds' ? feedPricesOf(config, feedsAt, listed.results, context) : undefined

  // 3. Each key's position (its account), checked against the key it is listed under.
  const abi = reader.layout === 'v2.2' ? gmxReaderAbi : gmxReaderV21Abi
  const byAccount = new Map<string, { account: Address; positions: GmxDecodedPosition[] }>()
  const unreadable: MarketPositionsRead['unavailable'] = []
  for (let i = 0; i < keys.length; i += POSITIONS_CHUNK) {
    const chunk = keys.slice(i, i + POSITIONS_CHUNK)
    const res = await batch(chunk.map((k) => call(reader.address, abi, 'getPosition', [config.dataStore, k])))
    chunk.forEach((key, j) => {
      const p = decodePosition(abi, res.results[j], key, config)
      if (p === null) return
      if (p instanceof BaseError) {
        unreadable.push({ owner: null, code: p.code, reason: p.message })
        return
      }
      const entry = byAccount.get(p.account.toLowerCase()) ?? { account: p.account, positions: [] }
      entry.positions.push(p)
      byAccount.set(p.account.toLowerCase(), entry)
    })
  }

  // 4. Each account with the adapter's plan, its verdicts planned from what step 3 read.
  const prices = oracle === undefined ? undefined : await oracle
  const accounts = [...byAccount.values()]
  const read = await readPlansAt({
    client: ctx.client,
    chain: ctx.chain,
    blockNumber: ctx.blockNumber,
    owners: accounts.map((a) => a.account),
    chunkSize: 50,
    planFor: (owner) => {
      const found = byAccount.get(owner.toLowerCase())!
      const discovered: GmxDiscoveredDeployment = {
        toBlock: ctx.blockNumber,
        ...(prices === undefined ? {} : { oracle: prices }),
        chain: {
          reader,
          layout: reader.layout,
          positions: found.positions,
          markets,
          ...(feedPrices ? { feedPrices } : {}),
        },
      }
      return [planGmxWallet(config, owner, discovered)]
    },
    deadline: ctx.deadline,
  })
  const market: MarketPositionsRead = {
    market: config.id,
    protocol: GMX_V2_PROTOCOL,
    kind: 'perp',
    source: 'registry',
    candidates: keys.length,
    positions: [],
    owners: [],
    unavailable: [...unreadable],
    blockNumber: ctx.blockNumber,
    timestamp: read.timestamp,
  }
  for (const r of read.owners) {
    if ('error' in r) {
      market.unavailable.push({ owner: r.owner, code: r.error.code, reason: r.error.message })
      continue
    }
    for (const row of r.rows) {
      if (row.status === 'ok') {
        market.positions.push(row)
        market.owners.push(r.owner)
      } else market.unavailable.push({ owner: r.owner, code: row.code, reason: row.reason })
    }
  }
  return market
}

/**
 * One getPosition answer: the position, null for an empty one (a key no longer listed), or the
 * error of an answer that cannot be used (a revert, or a position whose key is not the listed one).
 */
function decodePosition(
  abi: typeof gmxReaderAbi | typeof gmxReaderV21Abi,
  r: RawResult | undefined,
  key: Hex,
  config: GmxV2Config,
): GmxDecodedPosition | null | BaseError {
  const context = contextOf(config)
  if (!r?.success || r.returnData === '0x')
    return new GmxReadFailedError(`Reader.getPosition(${key}) reverted or returned nothing`, context)
  let p: PositionPropsRaw
  try {
    p = decodeFunctionResult({ abi, functionName: 'getPosition', data: r.returnData }) as PositionPropsRaw
  } catch {
    return new GmxReadFailedError(
      `Reader.getPosition(${key}) answered in a layout the adapter does not decode`,
      context,
    )
  }
  if (sameAddress(p.addresses.account, '0x0000000000000000000000000000000000000000')) return null
  const derived = gmxPositionKey(
    p.addresses.account,
    p.addresses.market,
    p.addresses.collateralToken,
    p.flags.isLong,
  )
  if (derived.toLowerCase() !== key.toLowerCase())
    return new GmxReadFailedError(
      `Reader.getPosition(${key}) answered the position of key ${derived}`,
      context,
    )
  return {
    key: derived,
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
  }
}
