/**
 * The Aave v3 adapter's I/O: which calls go into the chain's batch, and how their results
 * (plus rare pinned follow-ups) become positions.
 */
import type { Hex } from 'viem'
import { aaveOracleAbi, aavePoolAbi, aavePoolRevisionAbi } from '../../../abis/aave-pool.js'
import { uiPoolDataProviderV33Abi } from '../../../abis/aave-ui-pool-data-provider.js'
import { decodeFunctionResultFast, encodeFunctionDataFast } from '../../chains/abi-call.js'
import type { BlockContext, RawCall, RawResult } from '../../chains/batch.js'
import type { Address } from '../../core/address.js'
import { BoundedCache } from '../../core/bounded-cache.js'
import { BaseError, type ErrorContext, ProtocolLayoutMismatchError } from '../../core/errors.js'
import type { PositionResult } from '../../core/types.js'
import type { FollowUp, WalletReadPlan } from '../types.js'
import {
  type AaveDetectedVersion,
  decodeAccountData,
  decodeEModes,
  decodeReservesData,
  decodeReservesList,
  decodeUserReserves,
  detectAaveVersion,
  probeEModeFieldCount,
  probeReserveFieldCount,
  scanUserReserves,
  userHoldsNothing,
  userStateFromScan,
} from './decode.js'
import type { AaveMarketConfig } from './markets.js'
import type { AaveState } from './math.js'
import { buildAavePosition } from './position.js'
import type {
  AaveAccountData,
  AaveLayout,
  AaveMarketState,
  AaveReserveFields,
  AaveUserState,
} from './types.js'

/** Indexes of the calls inside one market's slice of the batch. */
const CALL = {
  reservesData: 0,
  userReserves: 1,
  eModesProbe: 2,
  reservesList: 3,
  accountData: 4,
  reservesCount: 5,
  poolRevision: 6,
} as const

/**
 * Where each call sits in {@link aaveWalletCalls}' list: market-wide readers (markets/) read the
 * market calls once and the user calls per user, and hand {@link decodeAaveWallet} the same slice.
 */
export const AAVE_WALLET_CALL_INDEX = CALL

/** The calls of {@link aaveWalletCalls} that do not depend on the user (read once per market). */
export const AAVE_MARKET_WIDE_CALLS = [
  CALL.reservesData,
  CALL.eModesProbe,
  CALL.reservesList,
  CALL.reservesCount,
  CALL.poolRevision,
] as const

/**
 * The seven calls one market needs for one wallet: UiPoolDataProviderV3 getReservesData,
 * getUserReservesData and getEModes (which exists only from v3.2/v3.3: its success selects the
 * layout), Pool getReservesList, getUserAccountData (the protocol's own answer, used as a check),
 * getReservesCount (v3.1+: reveals dropped reserves, whose ids the list no longer shows) and
 * POOL_REVISION (the version: 7 = v3.3 ... 11 = v3.7, FACTS.md; checked against the layouts).
 */
export function aaveWalletCalls(market: AaveMarketConfig, user: Address): RawCall[] {
  const ui = market.uiPoolDataProvider
  const provider = market.poolAddressesProvider
  return [
    {
      target: ui,
      allowFailure: true,
      callData: encodeFunctionDataFast({
        abi: uiPoolDataProviderV33Abi,
        functionName: 'getReservesData',
        args: [provider],
      }),
    },
    {
      target: ui,
      allowFailure: true,
      callData: encodeFunctionDataFast({
        abi: uiPoolDataProviderV33Abi,
        functionName: 'getUserReservesData',
        args: [provider, user],
      }),
    },
    {
      target: ui,
      allowFailure: true,
      callData: encodeFunctionDataFast({
        abi: uiPoolDataProviderV33Abi,
        functionName: 'getEModes',
        args: [provider],
      }),
    },
    {
      target: market.pool,
      allowFailure: true,
      callData: encodeFunctionDataFast({ abi: aavePoolAbi, functionName: 'getReservesList' }),
    },
    {
      target: market.pool,
      allowFailure: true,
      callData: encodeFunctionDataFast({
        abi: aavePoolAbi,
        functionName: 'getUserAccountData',
        args: [user],
      }),
    },
    {
      target: market.pool,
      allowFailure: true,
      callData: encodeFunctionDataFast({ abi: aavePoolAbi, functionName: 'getReservesCount' }),
    },
    {
      target: market.pool,
      allowFailure: true,
      callData: encodeFunctionDataFast({ abi: aavePoolRevisionAbi, functionName: 'POOL_REVISION' }),
    },
  ]
}

/**
 * The two per-user calls of {@link aaveWalletCalls} (getUserReservesData, getUserAccountData), the
 * same calldata, without encoding the market-wide ones again (a market-wide read of many users).
 */
export function aaveUserCalls(market: AaveMarketConfig, user: Address): [RawCall, RawCall] {
  return [
    {
      target: market.uiPoolDataProvider,
      allowFailure: true,
      callData: encodeFunctionDataFast({
        abi: uiPoolDataProviderV33Abi,
        functionName: 'getUserReservesData',
        args: [market.poolAddressesProvider, user],
      }),
    },
    {
      target: market.pool,
      allowFailure: true,
      callData: encodeFunctionDataFast({
        abi: aavePoolAbi,
        functionName: 'getUserAccountData',
        args: [user],
      }),
    },
  ]
}

class AaveReadFailedError extends BaseError {
  override name = 'AaveReadFailedError'
  constructor(what: string, context: ErrorContext) {
    super('PROTOCOL_READ_FAILED', `${what} on market ${context.market}`, { context })
  }
}

/** Markets whose last decode is kept (one entry per market: its latest answer). */
const RESERVES_DECODES_MAX = 256

/**
 * Each market's last reserves decode, reused while the same getReservesData answer comes back for
 * the same block (a market-wide read decodes hundreds of users against one answer, and concurrent
 * wallet requests in one block share it). A memo of a pure function, not state: keyed by its whole
 * input (the answer itself, the layout, the block time, the reserve ids), so it can never serve
 * anything stale; bounded to {@link RESERVES_DECODES_MAX} markets. A fresh shallow copy is returned
 * each time (callers set `eModes` on it).
 */
const reservesDecodes = new BoundedCache<
  string,
  { key: string; data: Hex; value: ReturnType<typeof decodeReservesData> }
>(RESERVES_DECODES_MAX)

function decodeReservesDataCached(
  layout: AaveLayout,
  fields: AaveReserveFields | undefined,
  data: Hex,
  reservesList: readonly Address[],
  reserveIds: ReadonlyMap<string, number>,
  timestamp: bigint,
  context: ErrorContext,
): ReturnType<typeof decodeReservesData> {
  const market = `${context.chain}|${context.market}`
  const key = `${layout}|${fields}|${timestamp}|${reservesList.join(',')}|${[...reserveIds.entries()].join(',')}`
  const last = reservesDecodes.get(market)
  if (last && last.key === key && last.data === data) {
    const v = last.value
    return { ...v, eModes: new Map(v.eModes) }
  }
  const value = decodeReservesData(layout, data, reservesList, reserveIds, timestamp, context, fields)
  reservesDecodes.set(market, { key, data, value: { ...value, eModes: new Map(value.eModes) } })
  return value
}

/**
 * One market's user-independent answers decoded once (the version, the reserves, the eModes, the
 * reserve ids): what {@link decodeAaveUser} decodes each user against. A market-wide read decodes
 * this once per batch, not once per borrower.
 */
export interface AaveMarketDecode {
  market: AaveMarketConfig
  context: ErrorContext
  layout: AaveLayout
  version: AaveDetectedVersion['version']
  /** The Pool's reserve list (its order is the UI provider's row order). */
  reservesList: Address[]
  /** Lower-case underlying -> reserve id (holes filled from getReserveAddressById when reserves were dropped). */
  reserveIds: Map<string, number>
  decoded: ReturnType<typeof decodeReservesData>
}

function needResult(
  results: readonly (RawResult | undefined)[],
  i: number,
  what: string,
  context: ErrorContext,
) {
  const r = results[i]
  if (!r?.success) throw new AaveReadFailedError(`${what} reverted`, context)
  if (r.returnData === '0x') {
    throw new AaveReadFailedError(
      `${what} returned nothing (no contract at this block: not deployed yet?)`,
      context,
    )
  }
  return r.returnData
}

/**
 * The layout and version a market's slice says (cheap: probes, no full decode), and the reserve
 * list: what is needed to tell whether a user holds anything before the market is decoded.
 * `results` is indexed as {@link aaveWalletCalls} (user calls may be absent).
 */
function detectAaveMarket(market: AaveMarketConfig, results: readonly (RawResult | undefined)[]) {
  const context: ErrorContext = { chain: market.chain, protocol: market.protocol, market: market.id }
  const reservesList = decodeReservesList(
    needResult(results, CALL.reservesList, 'Pool.getReservesList', context),
  )
  const eModesProbe = results[CALL.eModesProbe]
  const reservesData = needResult(results, CALL.reservesData, 'UiPoolDataProviderV3.getReservesData', context)
  const revisionResult = results[CALL.poolRevision]
  const revision =
    revisionResult?.success && revisionResult.returnData.length === 66
      ? BigInt(revisionResult.returnData)
      : null
  const eModesAnswered = eModesProbe?.success === true && eModesProbe.returnData !== '0x'
  const detected = detectAaveVersion(
    {
      revision,
      eModesAnswered,
      reserveFields: probeReserveFieldCount(reservesData),
      eModeFields: eModesAnswered ? probeEModeFieldCount(eModesProbe.returnData) : null,
    },
    context,
  )
  return { context, reservesList, reservesData, eModesProbe, detected }
}

/** Decodes the market's reserves and eModes from its probed answers (pinned follow-ups for dropped reserve ids). */
async function decodeDetectedMarket(
  market: AaveMarketConfig,
  results: readonly (RawResult | undefined)[],
  probe: ReturnType<typeof detectAaveMarket>,
  block: BlockContext,
  followUp: FollowUp,
): Promise<AaveMarketDecode> {
  const { context, reservesList, reservesData, eModesProbe, detected } = probe
  const { layout, version } = detected
  const reserveIds = new Map(reservesList.map((a, i) => [a.toLowerCase(), i]))
  const count = results[CALL.reservesCount]
  if (count?.success) {
    const n = Number(
      decodeFunctionResultFast({
        abi: aavePoolAbi,
        functionName: 'getReservesCount',
        data: count.returnData,
      }),
    )
    if (n !== reservesList.length) {
      // Dropped reserves leave holes in the id space: read the id -> address map, pinned.
      const idCalls: RawCall[] = Array.from({ length: n }, (_, id) => ({
        target: market.pool,
        allowFailure: true,
        callData: encodeFunctionDataFast({
          abi: aavePoolAbi,
          functionName: 'getReserveAddressById',
          args: [id],
        }),
      }))
      const ids = await followUp(idCalls)
      reserveIds.clear()
      ids.forEach((r, id) => {
        if (!r.success) return
        const a = decodeFunctionResultFast({
          abi: aavePoolAbi,
          functionName: 'getReserveAddressById',
          data: r.returnData,
        })
        reserveIds.set(a.toLowerCase(), id)
      })
    }
  }

  const decoded = decodeReservesDataCached(
    layout,
    detected.reserveFields,
    reservesData,
    reservesList,
    reserveIds,
    block.timestamp,
    context,
  )
  if (layout === 'v3.3') decoded.eModes = decodeEModes(eModesProbe!.returnData, context, detected.eModeFields)
  return { market, context, layout, version, reservesList, reserveIds, decoded }
}

/** Options of an {@link AaveUserDecoder}. */
export interface DecodeAaveUserOptions {
  /** False: no liquidation prices (see {@link buildAavePosition}). Default true. */
  liquidationPrices?: boolean
}

/**
 * Decodes one user's getUserReservesData and getUserAccountData answers against a market decoded
 * once: the same position (same checks, same exact math, same errors) {@link decodeAaveWallet}
 * gives for that user with the same market answers. None when the user holds nothing there.
 */
export type AaveUserDecoder = (
  userReserves: RawResult | undefined,
  accountData: RawResult | undefined,
  block: BlockContext,
  followUp: FollowUp,
  options?: DecodeAaveUserOptions,
) => Promise<PositionResult[]>

/**
 * Decodes a market's user-independent answers ONCE (version, reserves, eModes, dropped reserve
 * ids) and returns the per-user decoder: a market-wide read of hundreds of borrowers decodes the
 * market once per batch instead of once per borrower. `results` is indexed as
 * {@link aaveWalletCalls}; only {@link AAVE_MARKET_WIDE_CALLS} are read from it. A market answer
 * that does not decode fails each user exactly where {@link decodeAaveWallet} would (a user who
 * holds nothing is still answered as none when only the reserves' decode failed).
 */
export async function createAaveMarketDecoder(
  market: AaveMarketConfig,
  results: readonly (RawResult | undefined)[],
  block: BlockContext,
  followUp: FollowUp,
): Promise<AaveUserDecoder> {
  const context: ErrorContext = { chain: market.chain, protocol: market.protocol, market: market.id }
  let probe: ReturnType<typeof detectAaveMarket> | undefined
  let failure: { at: 'probe' | 'decode'; error: unknown } | undefined
  let m: AaveMarketDecode | undefined
  try {
    probe = detectAaveMarket(market, results)
    try {
      m = await decodeDetectedMarket(market, results, probe, block, followUp)
    } catch (error) {
      failure = { at: 'decode', error }
    }
  } catch (error) {
    failure = { at: 'probe', error }
  }
  return async (userReserves, accountDataResult, userBlock, userFollowUp, options = {}) => {
    const accountData = decodeAccountData(
      needResult([accountDataResult], 0, 'Pool.getUserAccountData', context),
    )
    if (failure?.at === 'probe' || !probe) throw failure?.error
    const userData = needResult([userReserves], 0, 'UiPoolDataProviderV3.getUserReservesData', context)
    // Read in place when the answer has its canonical shape; else the full decode says what is wrong.
    const scan = scanUserReserves(probe.detected.layout, userData, probe.reservesList.length)
    if (scan ? scan.empty : userHoldsNothing(probe.detected.layout, userData, probe.reservesList.length))
      return []
    if (failure || !m) throw failure?.error
    const user =
      (scan && userStateFromScan(scan, m.decoded.reserves)) ??
      decodeUserReserves(m.layout, userData, m.decoded.reserves, context)
    return buildUserPosition(
      market,
      context,
      m.layout,
      m.version,
      m.decoded,
      user,
      accountData,
      userBlock,
      userFollowUp,
      options,
    )
  }
}

async function buildUserPosition(
  market: AaveMarketConfig,
  context: ErrorContext,
  layout: AaveLayout,
  version: AaveDetectedVersion['version'],
  decoded: ReturnType<typeof decodeReservesData>,
  user: AaveUserState,
  accountData: AaveAccountData,
  block: BlockContext,
  followUp: FollowUp,
  options: DecodeAaveUserOptions,
): Promise<PositionResult[]> {
  // v3.0 knows categories only through the reserves in them: a category with no asset (emptied
  // by governance, or entered without debt) applies to nothing, as in the Pool. From v3.3 every
  // category is listed by getEModes, so an unknown one means the answer is not what we think.
  if (layout === 'v3.3' && user.eModeCategoryId !== 0 && !decoded.eModes.has(user.eModeCategoryId)) {
    throw new ProtocolLayoutMismatchError(
      `the user is in eMode ${user.eModeCategoryId}, which the market does not define`,
      { ...context, layout },
    )
  }
  const marketState: AaveMarketState = {
    layout,
    ...(version === undefined ? {} : { version }),
    ...decoded,
    timestamp: block.timestamp,
  }
  const state: AaveState = { market: marketState, user }

  // v3.0 eMode categories may name their own price source; read it pinned when the user needs it.
  let eModePrice: bigint | null = null
  const category = user.eModeCategoryId === 0 ? undefined : decoded.eModes.get(user.eModeCategoryId)
  if (layout === 'v3.0' && category?.priceSource && decoded.reserves[0]) {
    const [r] = await followUp([
      {
        target: decoded.reserves[0].priceOracle,
        allowFailure: true,
        callData: encodeFunctionDataFast({
          abi: aaveOracleAbi,
          functionName: 'getAssetPrice',
          args: [category.priceSource],
        }),
      },
    ])
    if (!r?.success)
      throw new AaveReadFailedError('AaveOracle.getAssetPrice(eMode price source) reverted', context)
    eModePrice = decodeFunctionResultFast({
      abi: aaveOracleAbi,
      functionName: 'getAssetPrice',
      data: r.returnData,
    })
  }

  const position = buildAavePosition(
    state,
    accountData,
    { protocol: market.protocol, market: market.id, chain: market.chain },
    { eModePrice, ...(options.liquidationPrices === false ? { liquidationPrices: false } : {}) },
  )
  return position ? [position] : []
}

/**
 * Decodes one market's slice of the batch into the user's position (none when the user has no
 * balance there). Throws coded errors; the caller turns them into an `unavailable` row.
 */
export async function decodeAaveWallet(
  market: AaveMarketConfig,
  results: RawResult[],
  block: BlockContext,
  followUp: FollowUp,
): Promise<PositionResult[]> {
  const context: ErrorContext = { chain: market.chain, protocol: market.protocol, market: market.id }
  const accountData = decodeAccountData(
    needResult(results, CALL.accountData, 'Pool.getUserAccountData', context),
  )
  const probe = detectAaveMarket(market, results)
  const { detected } = probe
  // No balance in the market, no position (computeAccountData's own rule): answered from the
  // user's reserves alone, without decoding the market's reserves (no work the answer does not use).
  const userData = needResult(results, CALL.userReserves, 'UiPoolDataProviderV3.getUserReservesData', context)
  if (userHoldsNothing(detected.layout, userData, probe.reservesList.length)) return []
  const m = await decodeDetectedMarket(market, results, probe, block, followUp)
  const user = decodeUserReserves(m.layout, userData, m.decoded.reserves, context)
  return buildUserPosition(
    market,
    context,
    m.layout,
    m.version,
    m.decoded,
    user,
    accountData,
    block,
    followUp,
    {},
  )
}

/** The read plan of one wallet in one Aave v3 market. */
export function planAaveWallet(market: AaveMarketConfig, user: Address): WalletReadPlan {
  return {
    market: market.id,
    protocol: market.protocol,
    calls: aaveWalletCalls(market, user),
    decode: (results, block, followUp) => decodeAaveWallet(market, results, block, followUp),
  }
}
