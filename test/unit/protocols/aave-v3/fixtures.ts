/**
 * Hand-built Aave v3 market and user states for the unit tests. Every index is 1 RAY and every
 * reserve was last updated at the block timestamp unless a test says otherwise, so a scaled
 * balance equals the token balance and the vectors stay hand-computable.
 */
import { getAddress } from 'viem'
import type { Address } from '../../../../src/core/address.js'
import { RAY } from '../../../../src/core/math.js'
import type { AaveState } from '../../../../src/protocols/aave-v3/math.js'
import type {
  AaveEModeCategory,
  AaveLayout,
  AaveReserve,
  AaveUserReserve,
} from '../../../../src/protocols/aave-v3/types.js'

/** Block timestamp of every fixture state (2023-11-14). */
export const T0 = 1_700_000_000n

/** Checksummed test addresses: 0x00…0a01, 0x00…0a02, … for tokens. */
export const addr = (n: number): Address => getAddress(`0x${n.toString(16).padStart(40, '0')}`)

export const WETH = addr(0xa01)
export const USDC = addr(0xa02)
export const WBTC = addr(0xa03)
export const DAI = addr(0xa04)
export const WSTETH = addr(0xa05)
export const WEETH = addr(0xa06)
export const ZERO_LT = addr(0xa07)

/** USD prices, 8 decimals (the base currency of a USD market). */
export const USD = 100_000_000n

export type ReserveInput = Pick<
  AaveReserve,
  'underlyingAsset' | 'symbol' | 'decimals' | 'id' | 'priceInMarketReferenceCurrency'
> &
  Partial<AaveReserve>

export function reserve(input: ReserveInput): AaveReserve {
  return {
    name: input.symbol,
    ltvBps: 8_000n,
    liquidationThresholdBps: 8_250n,
    liquidationBonusBps: 10_500n,
    usageAsCollateralEnabled: true,
    borrowingEnabled: true,
    isActive: true,
    isFrozen: false,
    isPaused: false,
    liquidityIndex: RAY,
    variableBorrowIndex: RAY,
    liquidityRate: 0n,
    variableBorrowRate: 0n,
    lastUpdateTimestamp: T0,
    aTokenAddress: addr(0xb00 + input.id),
    variableDebtTokenAddress: addr(0xc00 + input.id),
    stableDebtTokenAddress: null,
    priceOracle: addr(0xd00),
    debtCeiling: 0n,
    debtCeilingDecimals: 2,
    isolationModeTotalDebt: 0n,
    borrowableInIsolation: false,
    isSiloedBorrowing: false,
    eModeCategoryId: null,
    ...input,
  }
}

/** A user reserve with plain balances (scaled = actual at index 1 RAY). */
export function userReserve(
  asset: Address,
  p: { supplied?: bigint; debt?: bigint; collateral?: boolean } = {},
): AaveUserReserve {
  return {
    underlyingAsset: asset,
    scaledATokenBalance: p.supplied ?? 0n,
    usageAsCollateralEnabledOnUser: p.collateral ?? (p.supplied ?? 0n) > 0n,
    scaledVariableDebt: p.debt ?? 0n,
    principalStableDebt: 0n,
    stableBorrowRate: 0n,
    stableBorrowLastUpdateTimestamp: 0n,
  }
}

export function state(p: {
  layout?: AaveLayout
  reserves: AaveReserve[]
  eModes?: AaveEModeCategory[]
  user: AaveUserReserve[]
  eModeCategoryId?: number
  timestamp?: bigint
}): AaveState {
  return {
    market: {
      layout: p.layout ?? 'v3.0',
      reserves: p.reserves,
      eModes: new Map((p.eModes ?? []).map((e) => [e.id, e])),
      baseCurrency: {
        unit: USD,
        priceInUsd: USD,
        networkBaseTokenPriceInUsd: 2_000n * USD,
        networkBaseTokenPriceDecimals: 8,
      },
      timestamp: p.timestamp ?? T0,
    },
    user: { eModeCategoryId: p.eModeCategoryId ?? 0, reserves: p.user },
  }
}

/** WETH 2000 USD, LTV 80%, LT 82.5%. */
export const weth = (extra: Partial<AaveReserve> = {}) =>
  reserve({
    underlyingAsset: WETH,
    symbol: 'WETH',
    decimals: 18,
    id: 0,
    priceInMarketReferenceCurrency: 2_000n * USD,
    ...extra,
  })

/** USDC 1 USD, LTV 75%, LT 87.5%. */
export const usdc = (extra: Partial<AaveReserve> = {}) =>
  reserve({
    underlyingAsset: USDC,
    symbol: 'USDC',
    decimals: 6,
    id: 1,
    priceInMarketReferenceCurrency: USD,
    ltvBps: 7_500n,
    liquidationThresholdBps: 8_750n,
    ...extra,
  })

/** WBTC 30000 USD, 8 decimals, LTV 73%, LT 78%. */
export const wbtc = (extra: Partial<AaveReserve> = {}) =>
  reserve({
    underlyingAsset: WBTC,
    symbol: 'WBTC',
    decimals: 8,
    id: 2,
    priceInMarketReferenceCurrency: 30_000n * USD,
    ltvBps: 7_300n,
    liquidationThresholdBps: 7_800n,
    ...extra,
  })

/** DAI 0.9999 USD, 18 decimals, LTV 63%, LT 77%. */
export const dai = (extra: Partial<AaveReserve> = {}) =>
  reserve({
    underlyingAsset: DAI,
    symbol: 'DAI',
    decimals: 18,
    id: 3,
    priceInMarketReferenceCurrency: 99_990_000n,
    ltvBps: 6_300n,
    liquidationThresholdBps: 7_700n,
    ...extra,
  })

/** wstETH 2300 USD, LTV 78.5%, LT 81%. */
export const wsteth = (extra: Partial<AaveReserve> = {}) =>
  reserve({
    underlyingAsset: WSTETH,
    symbol: 'wstETH',
    decimals: 18,
    id: 4,
    priceInMarketReferenceCurrency: 2_300n * USD,
    ltvBps: 7_850n,
    liquidationThresholdBps: 8_100n,
    ...extra,
  })

/** weETH 2100 USD, LTV 72.5%, LT 75%. */
export const weeth = (extra: Partial<AaveReserve> = {}) =>
  reserve({
    underlyingAsset: WEETH,
    symbol: 'weETH',
    decimals: 18,
    id: 5,
    priceInMarketReferenceCurrency: 2_100n * USD,
    ltvBps: 7_250n,
    liquidationThresholdBps: 7_500n,
    ...extra,
  })

/** An asset listed with LTV 0 and LT 0 (never collateral), 1 USD, 18 decimals. */
export const zeroLt = (extra: Partial<AaveReserve> = {}) =>
  reserve({
    underlyingAsset: ZERO_LT,
    symbol: 'ZLT',
    decimals: 18,
    id: 6,
    priceInMarketReferenceCurrency: USD,
    ltvBps: 0n,
    liquidationThresholdBps: 0n,
    liquidationBonusBps: 0n,
    ...extra,
  })

/** ETH-correlated eMode category 1: LTV 90%, LT 93%, bonus 1%. */
export function ethEMode(extra: Partial<AaveEModeCategory> = {}): AaveEModeCategory {
  return {
    id: 1,
    label: 'ETH correlated',
    ltvBps: 9_000n,
    liquidationThresholdBps: 9_300n,
    liquidationBonusBps: 10_100n,
    priceSource: null,
    collateralBitmap: null,
    borrowableBitmap: null,
    ltvZeroBitmap: null,
    ...extra,
  }
}

export const E18 = 10n ** 18n
export const E6 = 10n ** 6n
