/**
 * Decoding of UiPoolDataProviderV3 answers in both layouts, with validation that refuses to
 * hand garbage to the math. Pure (ABI decoding only).
 */
import { decodeFunctionResult, type Hex, zeroAddress } from 'viem'
import { aavePoolAbi } from '../../../abis/aave-pool.js'
import {
  uiPoolDataProviderV30Abi,
  uiPoolDataProviderV33Abi,
} from '../../../abis/aave-ui-pool-data-provider.js'
import { type Address, sameAddress } from '../../core/address.js'
import { type ErrorContext, ProtocolLayoutMismatchError } from '../../core/errors.js'
import { RAY } from '../../core/math.js'
import type {
  AaveAccountData,
  AaveBaseCurrency,
  AaveEModeCategory,
  AaveLayout,
  AaveReserve,
  AaveUserReserve,
  AaveUserState,
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

/** Decodes a UiPoolDataProviderV3 answer with the ABI of `layout`; a decode failure is a mismatch. */
function decodeInLayout<T>(
  layout: AaveLayout,
  functionName: 'getReservesData' | 'getUserReservesData',
  data: Hex,
  context: ErrorContext,
): T {
  const abi = layout === 'v3.0' ? uiPoolDataProviderV30Abi : uiPoolDataProviderV33Abi
  try {
    return decodeFunctionResult({ abi, functionName, data } as never) as T
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
 */
export function decodeReservesData(
  layout: AaveLayout,
  data: Hex,
  expectedAssets: readonly Address[],
  reserveIds: ReadonlyMap<string, number>,
  blockTimestamp: bigint,
  context: ErrorContext,
): DecodedReserves {
  const raw = decodeInLayout<readonly [readonly Record<string, unknown>[], Record<string, unknown>]>(
    layout,
    'getReservesData',
    data,
    context,
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

/** Decodes v3.3+ `getEModes` into categories with their reserve bitmaps. */
export function decodeEModes(data: Hex, context: ErrorContext): Map<number, AaveEModeCategory> {
  let rows: readonly { id: number; eMode: Record<string, unknown> }[]
  try {
    rows = decodeFunctionResult({ abi: uiPoolDataProviderV33Abi, functionName: 'getEModes', data }) as never
  } catch (err) {
    mismatch('v3.3', 'getEModes did not decode', context, err)
  }
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
      ltvZeroBitmap: e.ltvzeroBitmap as bigint,
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

/** Decodes `Pool.getUserAccountData`. */
export function decodeAccountData(data: Hex): AaveAccountData {
  const [
    totalCollateralBase,
    totalDebtBase,
    availableBorrowsBase,
    currentLiquidationThreshold,
    ltv,
    healthFactor,
  ] = decodeFunctionResult({ abi: aavePoolAbi, functionName: 'getUserAccountData', data })
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
  return [...decodeFunctionResult({ abi: aavePoolAbi, functionName: 'getReservesList', data })] as Address[]
}
