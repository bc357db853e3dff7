/**
 * Decoding of UiPoolDataProviderV3 answers in both layouts, with validation that refuses to
 * hand garbage to the math. Pure (ABI decoding only).
 */
import { type Hex, zeroAddress } from 'viem'
import { aavePoolAbi } from '../../../abis/aave-pool.js'
import {
  uiPoolDataProviderEModes6Abi,
  uiPoolDataProviderEModes7Abi,
  uiPoolDataProviderEModes8Abi,
  uiPoolDataProviderV30Abi,
  uiPoolDataProviderV33Abi,
  uiPoolDataProviderV330ReservesAbi,
} from '../../../abis/aave-ui-pool-data-provider.js'
import { decodeFunctionResultFast } from '../../chains/abi-call.js'
import { type Address, sameAddress } from '../../core/address.js'
import { type ErrorContext, ProtocolLayoutMismatchError } from '../../core/errors.js'
import { RAY } from '../../core/math.js'
import type {
  AaveAccountData,
  AaveBaseCurrency,
  AaveEModeCategory,
  AaveEModeFields,
  AaveLayout,
  AaveReserve,
  AaveReserveFields,
  AaveUserReserve,
  AaveUserState,
  AaveVersion,
} from './types.js'

/** Decoded reserves plus base currency and eModes. */
export interface DecodedReserves {
  reserves: AaveReserve[]
  baseCurrency: AaveBaseCurrency
  eModes: Map<number, AaveEModeCategory>
}

function mismatch(layout: AaveLayout, what: string, context: ErrorContext, cause?: unknown): never {
  throw new ProtocolLayoutMismatchError(
    `the UiPoolDataProvider answer does not fit the Aave ${layout} layout (${what}); refusing to decode it`,
    { ...context, layout },
    cause,
  )
}

/** The 32-byte word at byte `offset` of ABI data, or null past its end. */
function wordAt(data: Hex, offset: number): bigint | null {
  const start = 2 + offset * 2
  if (offset < 0 || data.length < start + 64) return null
  return BigInt(`0x${data.slice(start, start + 64)}`)
}

/** A word that is a small byte offset (a sane ABI head pointer), else null. */
function offsetAt(data: Hex, offset: number): number | null {
  const w = wordAt(data, offset)
  return w === null || w > BigInt(data.length) ? null : Number(w)
}

/**
 * Layout probe of a `getReservesData` answer: the number of fields of AggregatedReserveData, read
 * from the first reserve's `name` offset (the first dynamic field, so its data starts right after
 * the struct head of `fields` words). 54 = v3.0 periphery, 42 = v3.3.0, 40 = v3.4+. Null when the
 * answer holds no reserve or is not ABI data of this shape.
 */
export function probeReserveFieldCount(data: Hex): number | null {
  const array = offsetAt(data, 0)
  if (array === null) return null
  const n = wordAt(data, array)
  if (n === null || n === 0n) return null
  const first = offsetAt(data, array + 32)
  if (first === null) return null
  const nameOffset = offsetAt(data, array + 32 + first + 32)
  if (nameOffset === null || nameOffset % 32 !== 0) return null
  return nameOffset / 32
}

/**
 * Layout probe of a `getEModes` answer: the number of EModeCategory fields, from where the first
 * category's `label` data starts (right after its head): word 4 = 192 for 6 fields (v3.2-v3.5),
 * 224 for 7 (v3.6); word 5 = 256 for 8 (v3.7, `isolated` inserted before `label`). Null when there
 * is no category or the shape is none of these.
 */
export function probeEModeFieldCount(data: Hex): AaveEModeFields | null {
  const array = offsetAt(data, 0)
  if (array === null) return null
  const n = wordAt(data, array)
  if (n === null || n === 0n) return null
  const first = offsetAt(data, array + 32)
  if (first === null) return null
  const element = array + 32 + first
  const inner = offsetAt(data, element + 32)
  if (inner === null) return null
  const category = element + inner
  const w4 = wordAt(data, category + 4 * 32)
  if (w4 === 192n) return 6
  if (w4 === 224n) return 7
  if ((w4 === 0n || w4 === 1n) && wordAt(data, category + 5 * 32) === 256n) return 8
  return null
}

/** Pool revision -> version and the periphery layouts it ships with (FACTS.md section 1). */
const REVISIONS: Readonly<
  Record<number, { version: AaveVersion; reserveFields: AaveReserveFields; eModeFields: AaveEModeFields }>
> = {
  7: { version: 'v3.3', reserveFields: 42, eModeFields: 6 },
  8: { version: 'v3.4', reserveFields: 40, eModeFields: 6 },
  9: { version: 'v3.5', reserveFields: 40, eModeFields: 6 },
  10: { version: 'v3.6', reserveFields: 40, eModeFields: 7 },
  11: { version: 'v3.7', reserveFields: 40, eModeFields: 8 },
}

/** What the chain answered that tells a market's version. */
export interface AaveVersionProbe {
  /** `Pool.POOL_REVISION()`, or null when the call reverted / answered nothing. */
  revision: bigint | null
  /** Whether `UiPoolDataProviderV3.getEModes` answered (absent before v3.2). */
  eModesAnswered: boolean
  /** {@link probeReserveFieldCount} of the getReservesData answer. */
  reserveFields: number | null
  /** {@link probeEModeFieldCount} of the getEModes answer (null without categories). */
  eModeFields: number | null
}

/** A market's detected version and the layouts to decode it with. */
export interface AaveDetectedVersion {
  /** Undefined when the Pool states no revision (legacy math of `layout` applies). */
  version: AaveVersion | undefined
  /** Struct family (v3.0 periphery 2.x, or the getEModes periphery). */
  layout: AaveLayout
  /** Reserve struct size to decode with; undefined: by the probe within the family. */
  reserveFields: AaveReserveFields | undefined
  /** EModeCategory size to decode with; undefined: by the probe. */
  eModeFields: AaveEModeFields | undefined
}

/**
 * The version of a market from its Pool revision (7-11 = v3.3-v3.7), checked against the
 * periphery's layouts: a revision whose periphery answers in another struct size is refused
 * (PROTOCOL_LAYOUT_MISMATCH), as is a revision above 11 (rules the adapter does not know).
 * Below 7 (or no revision): v3.0-v3.2, told apart by `getEModes` as before.
 */
export function detectAaveVersion(probe: AaveVersionProbe, context: ErrorContext): AaveDetectedVersion {
  const rev = probe.revision
  if (rev !== null && rev >= 7n) {
    const known = rev <= 11n ? REVISIONS[Number(rev)] : undefined
    if (!known) {
      throw new ProtocolLayoutMismatchError(
        `the Pool reports revision ${rev}, newer than the versions this adapter computes exactly (up to v3.7 = revision 11); refusing to guess its rules`,
        { ...context, poolRevision: Number(rev) },
      )
    }
    const refuse = (what: string): never =>
      mismatch('v3.3', `Pool revision ${rev} (${known.version}) but ${what}`, {
        ...context,
        poolRevision: Number(rev),
      })
    if (!probe.eModesAnswered) refuse('getEModes did not answer')
    if (probe.reserveFields !== null && probe.reserveFields !== known.reserveFields)
      refuse(`getReservesData has ${probe.reserveFields}-field reserves, not ${known.reserveFields}`)
    if (probe.eModeFields !== null && probe.eModeFields !== known.eModeFields)
      refuse(`getEModes has ${probe.eModeFields}-field categories, not ${known.eModeFields}`)
    return { layout: 'v3.3', ...known }
  }
  const layout: AaveLayout = probe.eModesAnswered ? 'v3.3' : 'v3.0'
  let version: AaveVersion | undefined
  if (rev !== null && rev >= 1n) version = rev <= 2n ? 'v3.0' : rev === 3n ? 'v3.1' : 'v3.2'
  return { version, layout, reserveFields: layout === 'v3.0' ? 54 : undefined, eModeFields: undefined }
}

const RESERVE_ABIS = {
  54: uiPoolDataProviderV30Abi,
  42: uiPoolDataProviderV330ReservesAbi,
  40: uiPoolDataProviderV33Abi,
} as const

/**
 * The reserve struct size to decode `data` with: `fields` when the version says it (the probe must
 * agree), else by the probe within `layout`'s family (v3.0: 54; v3.3+: 42 or 40).
 */
function reserveFieldsOf(
  layout: AaveLayout,
  data: Hex,
  fields: AaveReserveFields | undefined,
  context: ErrorContext,
): AaveReserveFields {
  const probed = probeReserveFieldCount(data)
  const allowed: readonly number[] = fields ? [fields] : layout === 'v3.0' ? [54] : [42, 40]
  if (probed === null) return fields ?? (layout === 'v3.0' ? 54 : 40)
  if (!allowed.includes(probed)) {
    mismatch(
      layout,
      `getReservesData has ${probed}-field reserves, expected ${allowed.join(' or ')}`,
      context,
    )
  }
  return probed as AaveReserveFields
}

/** Decodes a UiPoolDataProviderV3 answer with the ABI of `layout`; a decode failure is a mismatch. */
function decodeInLayout<T>(
  layout: AaveLayout,
  functionName: 'getReservesData' | 'getUserReservesData',
  data: Hex,
  context: ErrorContext,
  reserveFields?: AaveReserveFields,
): T {
  const abi =
    functionName === 'getReservesData' && reserveFields !== undefined
      ? RESERVE_ABIS[reserveFields]
      : layout === 'v3.0'
        ? uiPoolDataProviderV30Abi
        : uiPoolDataProviderV33Abi
  try {
    return decodeFunctionResultFast({ abi, functionName, data } as never) as T
  } catch (err) {
    return mismatch(layout, `${functionName} did not decode`, context, err)
  }
}

/**
 * Decodes `getReservesData` in `layout`, assigning reserve ids from `reserveIds` (the Pool's
 * reserve id of each underlying asset, lower-case address -> id), and validates every reserve:
 * indexes >= 1 RAY and < 2^128, LTV <= LT <= 100%, decimals <= 36, a bonus >= 100% on collateral,
 * a timestamp not after the block, and an asset list equal to the Pool's. v3.0 eModes are built
 * from the reserves; v3.3 eModes come from {@link decodeEModes}.
 *
 * `fields` is the struct size the market's version ships (42 for v3.3.0, 40 for v3.4+; see
 * {@link detectAaveVersion}); without it the size is probed within the layout family.
 */
export function decodeReservesData(
  layout: AaveLayout,
  data: Hex,
  expectedAssets: readonly Address[],
  reserveIds: ReadonlyMap<string, number>,
  blockTimestamp: bigint,
  context: ErrorContext,
  fields?: AaveReserveFields,
): DecodedReserves {
  const reserveFields = reserveFieldsOf(layout, data, fields, context)
  const raw = decodeInLayout<readonly [readonly Record<string, unknown>[], Record<string, unknown>]>(
    layout,
    'getReservesData',
    data,
    context,
    reserveFields,
  )
  const [rows, base] = raw
  if (rows.length !== expectedAssets.length) {
    mismatch(layout, `${rows.length} reserves where the Pool lists ${expectedAssets.length}`, context)
  }
  const eModes = new Map<number, AaveEModeCategory>()
  const reserves = rows.map((r, i): AaveReserve => {
    const asset = r.underlyingAsset as Address
    if (!sameAddress(asset, expectedAssets[i]!))
      mismatch(layout, `reserve ${i} is ${asset}, not ${expectedAssets[i]}`, context)
    const id = reserveIds.get(asset.toLowerCase())
    if (id === undefined) mismatch(layout, `no reserve id for ${asset}`, context)
    const reserve: AaveReserve = {
      underlyingAsset: asset,
      symbol: r.symbol as string,
      name: r.name as string,
      decimals: Number(r.decimals as bigint),
      id,
      ltvBps: r.baseLTVasCollateral as bigint,
      liquidationThresholdBps: r.reserveLiquidationThreshold as bigint,
      liquidationBonusBps: r.reserveLiquidationBonus as bigint,
      usageAsCollateralEnabled: r.usageAsCollateralEnabled as boolean,
      borrowingEnabled: r.borrowingEnabled as boolean,
      isActive: r.isActive as boolean,
      isFrozen: r.isFrozen as boolean,
      isPaused: r.isPaused as boolean,
      liquidityIndex: r.liquidityIndex as bigint,
      variableBorrowIndex: r.variableBorrowIndex as bigint,
      liquidityRate: r.liquidityRate as bigint,
      variableBorrowRate: r.variableBorrowRate as bigint,
      lastUpdateTimestamp: BigInt(r.lastUpdateTimestamp as number | bigint),
      aTokenAddress: r.aTokenAddress as Address,
      variableDebtTokenAddress: r.variableDebtTokenAddress as Address,
      stableDebtTokenAddress: layout === 'v3.0' ? (r.stableDebtTokenAddress as Address) : null,
      priceInMarketReferenceCurrency: r.priceInMarketReferenceCurrency as bigint,
      priceOracle: r.priceOracle as Address,
      debtCeiling: r.debtCeiling as bigint,
      debtCeilingDecimals: Number(r.debtCeilingDecimals as bigint),
      isolationModeTotalDebt: r.isolationModeTotalDebt as bigint,
      borrowableInIsolation: r.borrowableInIsolation as boolean,
      isSiloedBorrowing: r.isSiloedBorrowing as boolean,
      eModeCategoryId: layout === 'v3.0' ? Number(r.eModeCategoryId as number) : null,
    }
    validateReserve(layout, reserve, blockTimestamp, context)
    if (layout === 'v3.0' && reserve.eModeCategoryId !== 0 && reserve.eModeCategoryId !== null) {
      const priceSource = r.eModePriceSource as Address
      eModes.set(reserve.eModeCategoryId, {
        id: reserve.eModeCategoryId,
        label: r.eModeLabel as string,
        ltvBps: BigInt(r.eModeLtv as number),
        liquidationThresholdBps: BigInt(r.eModeLiquidationThreshold as number),
        liquidationBonusBps: BigInt(r.eModeLiquidationBonus as number),
        priceSource: priceSource === zeroAddress ? null : priceSource,
        collateralBitmap: null,
        borrowableBitmap: null,
        ltvZeroBitmap: null,
      })
    }
    return reserve
  })
  const baseCurrency: AaveBaseCurrency = {
    unit: base.marketReferenceCurrencyUnit as bigint,
    priceInUsd: base.marketReferenceCurrencyPriceInUsd as bigint,
    networkBaseTokenPriceInUsd: base.networkBaseTokenPriceInUsd as bigint,
    networkBaseTokenPriceDecimals: Number(base.networkBaseTokenPriceDecimals as number),
  }
  if (baseCurrency.unit <= 0n || baseCurrency.priceInUsd <= 0n) {
    mismatch(layout, `base currency unit ${baseCurrency.unit} / price ${baseCurrency.priceInUsd}`, context)
  }
  return { reserves, baseCurrency, eModes }
}

const MAX_UINT128 = 2n ** 128n

function validateReserve(layout: AaveLayout, r: AaveReserve, now: bigint, context: ErrorContext): void {
  const bad = (what: string) => mismatch(layout, `reserve ${r.underlyingAsset}: ${what}`, context)
  if (r.decimals > 36) bad(`decimals ${r.decimals}`)
  if (r.liquidityIndex < RAY || r.liquidityIndex >= MAX_UINT128) bad(`liquidity index ${r.liquidityIndex}`)
  if (r.variableBorrowIndex < RAY || r.variableBorrowIndex >= MAX_UINT128) {
    bad(`variable borrow index ${r.variableBorrowIndex}`)
  }
  if (r.liquidationThresholdBps > 10_000n) bad(`liquidation threshold ${r.liquidationThresholdBps}`)
  if (r.ltvBps > r.liquidationThresholdBps && r.liquidationThresholdBps !== 0n)
    bad(`LTV ${r.ltvBps} above LT`)
  if (r.liquidationThresholdBps !== 0n && r.liquidationBonusBps < 10_000n)
    bad(`bonus ${r.liquidationBonusBps}`)
  if (r.lastUpdateTimestamp > now || r.lastUpdateTimestamp < 1_500_000_000n) {
    if (r.lastUpdateTimestamp !== 0n) bad(`last update ${r.lastUpdateTimestamp} vs block time ${now}`)
  }
}

const EMODE_ABIS = {
  6: uiPoolDataProviderEModes6Abi,
  7: uiPoolDataProviderEModes7Abi,
  8: uiPoolDataProviderEModes8Abi,
} as const

/**
 * Decodes v3.2+ `getEModes` into categories with their bitmaps, in the EModeCategory layout of
 * `fields` (6 v3.2-v3.5, 7 v3.6, 8 v3.7 with `isolated` in the middle: decoding by version, never
 * "append-only"); without `fields` the layout is probed ({@link probeEModeFieldCount}).
 */
export function decodeEModes(
  data: Hex,
  context: ErrorContext,
  fields?: AaveEModeFields,
): Map<number, AaveEModeCategory> {
  const probed = probeEModeFieldCount(data)
  if (probed !== null && fields !== undefined && probed !== fields) {
    mismatch('v3.3', `getEModes has ${probed}-field categories, expected ${fields}`, context)
  }
  const abi = EMODE_ABIS[probed ?? fields ?? 8]
  let rows: readonly { id: number; eMode: Record<string, unknown> }[]
  try {
    rows = decodeFunctionResultFast({ abi, functionName: 'getEModes', data } as never) as never
  } catch (err) {
    mismatch('v3.3', 'getEModes did not decode', context, err)
  }
  if (rows.length > 0 && probed === null) mismatch('v3.3', 'getEModes has no known category layout', context)
  const out = new Map<number, AaveEModeCategory>()
  for (const row of rows) {
    const e = row.eMode
    const cat: AaveEModeCategory = {
      id: Number(row.id),
      label: e.label as string,
      ltvBps: BigInt(e.ltv as number),
      liquidationThresholdBps: BigInt(e.liquidationThreshold as number),
      liquidationBonusBps: BigInt(e.liquidationBonus as number),
      priceSource: null,
      collateralBitmap: e.collateralBitmap as bigint,
      borrowableBitmap: e.borrowableBitmap as bigint,
      ltvZeroBitmap: e.ltvzeroBitmap === undefined ? null : (e.ltvzeroBitmap as bigint),
      ...(e.isolated === true ? { isolated: true as const } : {}),
    }
    if (cat.liquidationThresholdBps > 10_000n || cat.ltvBps > cat.liquidationThresholdBps) {
      mismatch('v3.3', `eMode ${cat.id} LTV ${cat.ltvBps} / LT ${cat.liquidationThresholdBps}`, context)
    }
    out.set(cat.id, cat)
  }
  return out
}

/**
 * Decodes `getUserReservesData` in `layout` and validates that every row is a reserve of the
 * market (by the same asset order the Pool lists).
 */
export function decodeUserReserves(
  layout: AaveLayout,
  data: Hex,
  reserves: readonly AaveReserve[],
  context: ErrorContext,
): AaveUserState {
  // (UserReserveData[], uint8) with a static tuple: exactly 32 * (3 + fields * n) bytes. Checking the
  // size catches a layout mismatch even where the words happen to decode (e.g. a one-reserve market).
  const fields = layout === 'v3.0' ? 7 : 4
  const expectedBytes = 32 * (3 + fields * reserves.length)
  if ((data.length - 2) / 2 !== expectedBytes) {
    mismatch(
      layout,
      `getUserReservesData is ${(data.length - 2) / 2} bytes, expected ${expectedBytes}`,
      context,
    )
  }
  const raw = decodeInLayout<readonly [readonly Record<string, unknown>[], number]>(
    layout,
    'getUserReservesData',
    data,
    context,
  )
  const [rows, eModeCategoryId] = raw
  if (rows.length !== reserves.length) {
    mismatch(layout, `${rows.length} user reserves for ${reserves.length} reserves`, context)
  }
  const userReserves = rows.map((r, i): AaveUserReserve => {
    const asset = r.underlyingAsset as Address
    if (!sameAddress(asset, reserves[i]!.underlyingAsset)) {
      mismatch(layout, `user reserve ${i} is ${asset}, not ${reserves[i]!.underlyingAsset}`, context)
    }
    return {
      underlyingAsset: asset,
      scaledATokenBalance: r.scaledATokenBalance as bigint,
      usageAsCollateralEnabledOnUser: r.usageAsCollateralEnabledOnUser as boolean,
      scaledVariableDebt: r.scaledVariableDebt as bigint,
      principalStableDebt: layout === 'v3.0' ? (r.principalStableDebt as bigint) : 0n,
      stableBorrowRate: layout === 'v3.0' ? (r.stableBorrowRate as bigint) : 0n,
      stableBorrowLastUpdateTimestamp: layout === 'v3.0' ? (r.stableBorrowLastUpdateTimestamp as bigint) : 0n,
    }
  })
  return { eModeCategoryId: Number(eModeCategoryId), reserves: userReserves }
}

/**
 * Whether `getUserReservesData` says the user holds nothing in the market: every reserve's scaled
 * supply, scaled variable debt and (v3.0) stable principal zero, the rule by which
 * computeAccountData finds no term. False when the answer is not exactly the layout's (the full
 * decode then reports it), so only a well-formed empty answer short-cuts the market's decode.
 */
export function userHoldsNothing(layout: AaveLayout, data: Hex, reserveCount: number): boolean {
  const fields = layout === 'v3.0' ? 7 : 4
  if ((data.length - 2) / 2 !== 32 * (3 + fields * reserveCount)) return false
  try {
    const [rows] = decodeInLayout<readonly [readonly Record<string, unknown>[], number]>(
      layout,
      'getUserReservesData',
      data,
      {},
    )
    return (
      rows.length === reserveCount &&
      rows.every(
        (r) =>
          r.scaledATokenBalance === 0n &&
          r.scaledVariableDebt === 0n &&
          (layout !== 'v3.0' || r.principalStableDebt === 0n),
      )
    )
  } catch {
    return false
  }
}

/** Decodes `Pool.getUserAccountData`. */
export function decodeAccountData(data: Hex): AaveAccountData {
  const [
    totalCollateralBase,
    totalDebtBase,
    availableBorrowsBase,
    currentLiquidationThreshold,
    ltv,
    healthFactor,
  ] = decodeFunctionResultFast({ abi: aavePoolAbi, functionName: 'getUserAccountData', data })
  return {
    totalCollateralBase,
    totalDebtBase,
    availableBorrowsBase,
    currentLiquidationThreshold,
    ltv,
    healthFactor,
  }
}

/** Decodes `Pool.getReservesList`. */
export function decodeReservesList(data: Hex): Address[] {
  return [
    ...decodeFunctionResultFast({ abi: aavePoolAbi, functionName: 'getReservesList', data }),
  ] as Address[]
}

/** One row of {@link scanUserReserves}: the words of getUserReservesData read in place. */
export interface ScannedUserReserve {
  /** Lower-case underlying asset address. */
  asset: string
  scaledATokenBalance: bigint
  usageAsCollateralEnabledOnUser: boolean
  scaledVariableDebt: bigint
  principalStableDebt: bigint
  stableBorrowRate: bigint
  stableBorrowLastUpdateTimestamp: bigint
}

/** A getUserReservesData answer read word by word ({@link scanUserReserves}). */
export interface ScannedUserReserves {
  /** Every row's scaled supply, scaled variable debt and (v3.0) stable principal is zero. */
  empty: boolean
  eModeCategoryId: number
  rows: ScannedUserReserve[]
}

const ZERO_WORD = '0'.repeat(64)
const ADDRESS_PAD = '0'.repeat(24)
const word = (data: Hex, i: number) => data.slice(2 + 64 * i, 2 + 64 * (i + 1))
const uint = (w: string) => (w === ZERO_WORD ? 0n : BigInt(`0x${w}`))

/**
 * Reads a `getUserReservesData` answer of `layout` straight from its words, for market-wide reads
 * of many users (no generic ABI decode, no address checksums): the values the ABI decode gives, or
 * null when the answer is not in its one canonical shape for `reserveCount` rows (exact size, array
 * offset 0x40, row count, eMode id below 256, clean address and bool words, lower-case hex). On
 * null the caller takes {@link userHoldsNothing} and {@link decodeUserReserves}, which say exactly
 * what is wrong; on a scan, the same emptiness rule as {@link userHoldsNothing}.
 */
export function scanUserReserves(
  layout: AaveLayout,
  data: Hex,
  reserveCount: number,
): ScannedUserReserves | null {
  const fields = layout === 'v3.0' ? 7 : 4
  if ((data.length - 2) / 2 !== 32 * (3 + fields * reserveCount)) return null
  if (!/^0x[0-9a-f]*$/.test(data)) return null
  if (uint(word(data, 0)) !== 64n) return null
  const eMode = uint(word(data, 1))
  if (eMode > 255n) return null
  if (uint(word(data, 2)) !== BigInt(reserveCount)) return null
  const rows: ScannedUserReserve[] = new Array(reserveCount)
  let empty = true
  for (let i = 0; i < reserveCount; i++) {
    const base = 3 + fields * i
    const a = word(data, base)
    if (!a.startsWith(ADDRESS_PAD)) return null
    const bool = word(data, base + 2)
    const usage = bool === ZERO_WORD ? false : bool === `${'0'.repeat(63)}1` ? true : null
    if (usage === null) return null
    const row: ScannedUserReserve =
      layout === 'v3.0'
        ? {
            asset: `0x${a.slice(24)}`,
            scaledATokenBalance: uint(word(data, base + 1)),
            usageAsCollateralEnabledOnUser: usage,
            stableBorrowRate: uint(word(data, base + 3)),
            scaledVariableDebt: uint(word(data, base + 4)),
            principalStableDebt: uint(word(data, base + 5)),
            stableBorrowLastUpdateTimestamp: uint(word(data, base + 6)),
          }
        : {
            asset: `0x${a.slice(24)}`,
            scaledATokenBalance: uint(word(data, base + 1)),
            usageAsCollateralEnabledOnUser: usage,
            scaledVariableDebt: uint(word(data, base + 3)),
            principalStableDebt: 0n,
            stableBorrowRate: 0n,
            stableBorrowLastUpdateTimestamp: 0n,
          }
    if (row.scaledATokenBalance !== 0n || row.scaledVariableDebt !== 0n || row.principalStableDebt !== 0n)
      empty = false
    rows[i] = row
  }
  return { empty, eModeCategoryId: Number(eMode), rows }
}

/**
 * The user state of a {@link scanUserReserves} answer against the market's reserves (same order as
 * the Pool lists them), as {@link decodeUserReserves} builds it; null when a row is not the
 * market's reserve at that index (the caller's {@link decodeUserReserves} then reports it).
 */
export function userStateFromScan(
  scan: ScannedUserReserves,
  reserves: readonly AaveReserve[],
): AaveUserState | null {
  if (scan.rows.length !== reserves.length) return null
  const out: AaveUserReserve[] = new Array(reserves.length)
  for (let i = 0; i < reserves.length; i++) {
    const r = scan.rows[i]!
    const reserve = reserves[i]!
    if (r.asset !== reserve.underlyingAsset.toLowerCase()) return null
    out[i] = {
      underlyingAsset: reserve.underlyingAsset,
      scaledATokenBalance: r.scaledATokenBalance,
      usageAsCollateralEnabledOnUser: r.usageAsCollateralEnabledOnUser,
      scaledVariableDebt: r.scaledVariableDebt,
      principalStableDebt: r.principalStableDebt,
      stableBorrowRate: r.stableBorrowRate,
      stableBorrowLastUpdateTimestamp: r.stableBorrowLastUpdateTimestamp,
    }
  }
  return { eModeCategoryId: scan.eModeCategoryId, reserves: out }
}
