/**
 * Decoders of the Aave V4 answers the adapter reads (ABIs in abis/aave-v4-*.ts, written from
 * FACTS.md section 3 and 4). Each returns the protocol's own integers; an answer that does not
 * decode throws {@link ProtocolLayoutMismatchError}. Pure.
 */
import { erc20Abi, type Hex, hexToString } from 'viem'
import { aaveV4HubAbi } from '../../../abis/aave-v4-hub.js'
import { aaveV4OracleAbi } from '../../../abis/aave-v4-oracle.js'
import { aaveV4SpokeAbi } from '../../../abis/aave-v4-spoke.js'
import { decodeFunctionResultFast } from '../../chains/abi-call.js'
import type { Address } from '../../core/address.js'
import { type ErrorContext, ProtocolLayoutMismatchError } from '../../core/errors.js'
import type {
  AaveV4AccountData,
  AaveV4DynamicConfig,
  AaveV4LiquidationConfig,
  AaveV4UserPosition,
} from './types.js'

function decodeOrThrow<T>(what: string, context: ErrorContext, run: () => T): T {
  try {
    return run()
  } catch (err) {
    throw new ProtocolLayoutMismatchError(
      `${what} answered in a layout the Aave V4 adapter does not decode`,
      context,
      err,
    )
  }
}

/** Spoke.getUserAccountData. */
export function decodeAccountData(data: Hex, context: ErrorContext): AaveV4AccountData {
  return decodeOrThrow('Spoke.getUserAccountData', context, () => {
    const a = decodeFunctionResultFast({ abi: aaveV4SpokeAbi, functionName: 'getUserAccountData', data })
    return {
      riskPremium: a.riskPremium,
      avgCollateralFactor: a.avgCollateralFactor,
      healthFactor: a.healthFactor,
      totalCollateralValue: a.totalCollateralValue,
      totalDebtValueRay: a.totalDebtValueRay,
      activeCollateralCount: a.activeCollateralCount,
      borrowCount: a.borrowCount,
    }
  })
}

/** One uint256 answer (getUserLastRiskPremium, getUserSuppliedAssets, prices, indexes, ...). */
export function decodeUint(data: Hex, what: string, context: ErrorContext): bigint {
  return decodeOrThrow(what, context, () => {
    if (data.length !== 66) throw new Error('not one word')
    return BigInt(data)
  })
}

/** Spoke.getUserPosition. */
export function decodeUserPosition(data: Hex, context: ErrorContext): AaveV4UserPosition {
  return decodeOrThrow('Spoke.getUserPosition', context, () => {
    const p = decodeFunctionResultFast({ abi: aaveV4SpokeAbi, functionName: 'getUserPosition', data })
    return {
      drawnShares: p.drawnShares,
      premiumShares: p.premiumShares,
      premiumOffsetRay: p.premiumOffsetRay,
      suppliedShares: p.suppliedShares,
      dynamicConfigKey: p.dynamicConfigKey,
    }
  })
}

/** Spoke.getUserReserveStatus: (isCollateral, isBorrowing). */
export function decodeReserveStatus(
  data: Hex,
  context: ErrorContext,
): { isCollateral: boolean; isBorrowing: boolean } {
  return decodeOrThrow('Spoke.getUserReserveStatus', context, () => {
    const [isCollateral, isBorrowing] = decodeFunctionResultFast({
      abi: aaveV4SpokeAbi,
      functionName: 'getUserReserveStatus',
      data,
    })
    return { isCollateral, isBorrowing }
  })
}

/** Spoke.getUserDebt: (drawn, ceil(premiumRay / RAY)), asset units. */
export function decodeUserDebt(data: Hex, context: ErrorContext): { drawn: bigint; premium: bigint } {
  return decodeOrThrow('Spoke.getUserDebt', context, () => {
    const [drawn, premium] = decodeFunctionResultFast({
      abi: aaveV4SpokeAbi,
      functionName: 'getUserDebt',
      data,
    })
    return { drawn, premium }
  })
}

/** Spoke.getReserve (ISpoke.Reserve), without the symbol. */
export function decodeReserve(
  data: Hex,
  context: ErrorContext,
): {
  underlying: Address
  hub: Address
  assetId: number
  decimals: number
  collateralRisk: bigint
  flags: number
  dynamicConfigKey: number
} {
  return decodeOrThrow('Spoke.getReserve', context, () => {
    const r = decodeFunctionResultFast({ abi: aaveV4SpokeAbi, functionName: 'getReserve', data })
    return {
      underlying: r.underlying,
      hub: r.hub,
      assetId: r.assetId,
      decimals: r.decimals,
      collateralRisk: BigInt(r.collateralRisk),
      flags: r.flags,
      dynamicConfigKey: r.dynamicConfigKey,
    }
  })
}

/** Spoke.getDynamicReserveConfig. */
export function decodeDynamicConfig(data: Hex, context: ErrorContext): AaveV4DynamicConfig {
  return decodeOrThrow('Spoke.getDynamicReserveConfig', context, () => {
    const c = decodeFunctionResultFast({ abi: aaveV4SpokeAbi, functionName: 'getDynamicReserveConfig', data })
    return {
      collateralFactor: BigInt(c.collateralFactor),
      maxLiquidationBonus: BigInt(c.maxLiquidationBonus),
      liquidationFee: BigInt(c.liquidationFee),
    }
  })
}

/** Spoke.getLiquidationConfig. */
export function decodeLiquidationConfig(data: Hex, context: ErrorContext): AaveV4LiquidationConfig {
  return decodeOrThrow('Spoke.getLiquidationConfig', context, () => {
    const c = decodeFunctionResultFast({ abi: aaveV4SpokeAbi, functionName: 'getLiquidationConfig', data })
    return {
      targetHealthFactor: c.targetHealthFactor,
      healthFactorForMaxBonus: c.healthFactorForMaxBonus,
      liquidationBonusFactor: BigInt(c.liquidationBonusFactor),
    }
  })
}

/** Spoke.ORACLE. */
export function decodeAddress(data: Hex, what: string, context: ErrorContext): Address {
  return decodeOrThrow(what, context, () =>
    decodeFunctionResultFast({ abi: aaveV4SpokeAbi, functionName: 'ORACLE', data }),
  )
}

/** AaveOracle.getReservePrice: 8 decimals, > 0 (the oracle reverts otherwise). */
export function decodePrice(data: Hex, context: ErrorContext): bigint {
  return decodeOrThrow('AaveOracle.getReservePrice', context, () =>
    decodeFunctionResultFast({ abi: aaveV4OracleAbi, functionName: 'getReservePrice', data }),
  )
}

/** Hub.getAssetDrawnIndex (view-accrued), RAY. */
export function decodeDrawnIndex(data: Hex, context: ErrorContext): bigint {
  return decodeOrThrow('Hub.getAssetDrawnIndex', context, () =>
    decodeFunctionResultFast({ abi: aaveV4HubAbi, functionName: 'getAssetDrawnIndex', data }),
  )
}

/** ERC-20 symbol, also for tokens answering bytes32. */
export function decodeSymbol(data: Hex): string | null {
  try {
    return decodeFunctionResultFast({ abi: erc20Abi, functionName: 'symbol', data })
  } catch {
    if (data.length === 66) return hexToString(data, { size: 32 }).replace(/\0+$/, '') || null
    return null
  }
}
