/**
 * UiPoolDataProviderV3 decoding in both layouts. The answers are ABI-encoded here with viem's
 * encodeFunctionResult and the repository's own ABIs (abis/aave-ui-pool-data-provider.ts), from
 * hand-written reserve rows; decoding must give back exactly those values, and an answer of the
 * other layout must be refused with PROTOCOL_LAYOUT_MISMATCH instead of decoded into garbage.
 */
import { type ContractFunctionReturnType, encodeFunctionResult, type Hex, zeroAddress } from 'viem'
import { describe, expect, it } from 'vitest'
import { aavePoolAbi } from '../../../../abis/aave-pool.js'
import {
  uiPoolDataProviderV30Abi,
  uiPoolDataProviderV33Abi,
} from '../../../../abis/aave-ui-pool-data-provider.js'
import type { Address } from '../../../../src/core/address.js'
import { ProtocolLayoutMismatchError } from '../../../../src/core/errors.js'
import { MAX_UINT256, RAY } from '../../../../src/core/math.js'
import {
  decodeAccountData,
  decodeEModes,
  decodeReservesData,
  decodeReservesList,
  decodeUserReserves,
  scanUserReserves,
  userHoldsNothing,
  userStateFromScan,
} from '../../../../src/protocols/aave-v3/decode.js'
import { computeAccountData, isInEModeCategory } from '../../../../src/protocols/aave-v3/math.js'
import type { AaveLayout } from '../../../../src/protocols/aave-v3/types.js'
import { addr, E6, E18, T0, USD, USDC, WETH, WSTETH } from './fixtures.js'

type V33Row = ContractFunctionReturnType<
  typeof uiPoolDataProviderV33Abi,
  'view',
  'getReservesData'
>[0][number]
type V30Row = ContractFunctionReturnType<
  typeof uiPoolDataProviderV30Abi,
  'view',
  'getReservesData'
>[0][number]

const CONTEXT = { chain: 'ethereum', protocol: 'aave-v3', market: 'aave-v3-test' }
const ASSETS: Address[] = [WETH, USDC, WSTETH]
/** Non-sequential Pool reserve ids, to see that ids come from the map, not the row index. */
const IDS = new Map<string, number>([
  [WETH.toLowerCase(), 0],
  [USDC.toLowerCase(), 3],
  [WSTETH.toLowerCase(), 7],
])
const BLOCK_TIME = T0
const LAST_UPDATE = T0 - 120n
const ORACLE = addr(0xd00)
const PRICE_SOURCE = addr(0xe01)

interface Spec {
  asset: Address
  symbol: string
  decimals: bigint
  ltv: bigint
  lt: bigint
  bonus: bigint
  price: bigint
  liquidityIndex: bigint
  variableBorrowIndex: bigint
  liquidityRate: bigint
  variableBorrowRate: bigint
  debtCeiling: bigint
  isolationModeTotalDebt: bigint
  borrowableInIsolation: boolean
  isSiloedBorrowing: boolean
  eModeCategoryId: number
  n: number
}

const SPECS: Spec[] = [
  {
    asset: WETH,
    symbol: 'WETH',
    decimals: 18n,
    ltv: 8_000n,
    lt: 8_250n,
    bonus: 10_500n,
    price: 2_000n * USD,
    liquidityIndex: 1_020_000_000_000_000_000_000_000_000n,
    variableBorrowIndex: 1_040_000_000_000_000_000_000_000_000n,
    liquidityRate: 20_000_000_000_000_000_000_000_000n,
    variableBorrowRate: 30_000_000_000_000_000_000_000_000n,
    debtCeiling: 0n,
    isolationModeTotalDebt: 0n,
    borrowableInIsolation: false,
    isSiloedBorrowing: false,
    eModeCategoryId: 1,
    n: 1,
  },
  {
    asset: USDC,
    symbol: 'USDC',
    decimals: 6n,
    ltv: 7_500n,
    lt: 7_800n,
    bonus: 10_450n,
    price: 100_010_000n,
    liquidityIndex: 1_100_000_000_000_000_000_000_000_000n,
    variableBorrowIndex: 1_150_000_000_000_000_000_000_000_000n,
    liquidityRate: 40_000_000_000_000_000_000_000_000n,
    variableBorrowRate: 55_000_000_000_000_000_000_000_000n,
    debtCeiling: 0n,
    isolationModeTotalDebt: 0n,
    borrowableInIsolation: true,
    isSiloedBorrowing: false,
    eModeCategoryId: 2,
    n: 2,
  },
  {
    asset: WSTETH,
    symbol: 'wstETH',
    decimals: 18n,
    ltv: 7_850n,
    lt: 8_100n,
    bonus: 10_600n,
    price: 2_300n * USD,
    liquidityIndex: RAY,
    variableBorrowIndex: RAY,
    liquidityRate: 0n,
    variableBorrowRate: 0n,
    debtCeiling: 5_000_000_00n,
    isolationModeTotalDebt: 1_234_56n,
    borrowableInIsolation: false,
    isSiloedBorrowing: true,
    eModeCategoryId: 1,
    n: 3,
  },
]

const BASE = {
  marketReferenceCurrencyUnit: USD,
  marketReferenceCurrencyPriceInUsd: USD,
  networkBaseTokenPriceInUsd: 2_000n * USD,
  networkBaseTokenPriceDecimals: 8,
}

/** One whole token in raw units, capped at 1e18 so liquidity fields fit uint128 for any decimals. */
const unit = (s: Spec) => 10n ** (s.decimals > 18n ? 18n : s.decimals)

function v33Row(s: Spec): V33Row {
  return {
    underlyingAsset: s.asset,
    name: `${s.symbol} token`,
    symbol: s.symbol,
    decimals: s.decimals,
    baseLTVasCollateral: s.ltv,
    reserveLiquidationThreshold: s.lt,
    reserveLiquidationBonus: s.bonus,
    reserveFactor: 1_000n,
    usageAsCollateralEnabled: true,
    borrowingEnabled: true,
    isActive: true,
    isFrozen: false,
    liquidityIndex: s.liquidityIndex,
    variableBorrowIndex: s.variableBorrowIndex,
    liquidityRate: s.liquidityRate,
    variableBorrowRate: s.variableBorrowRate,
    lastUpdateTimestamp: Number(LAST_UPDATE),
    aTokenAddress: addr(0xb00 + s.n),
    variableDebtTokenAddress: addr(0xc00 + s.n),
    interestRateStrategyAddress: addr(0xf00),
    availableLiquidity: 1_000_000n * unit(s),
    totalScaledVariableDebt: 500_000n * unit(s),
    priceInMarketReferenceCurrency: s.price,
    priceOracle: ORACLE,
    variableRateSlope1: 40_000_000_000_000_000_000_000_000n,
    variableRateSlope2: 800_000_000_000_000_000_000_000_000n,
    baseVariableBorrowRate: 0n,
    optimalUsageRatio: 900_000_000_000_000_000_000_000_000n,
    isPaused: false,
    isSiloedBorrowing: s.isSiloedBorrowing,
    accruedToTreasury: 12_345n,
    isolationModeTotalDebt: s.isolationModeTotalDebt,
    flashLoanEnabled: true,
    debtCeiling: s.debtCeiling,
    debtCeilingDecimals: 2n,
    borrowCap: 1_000_000n,
    supplyCap: 2_000_000n,
    borrowableInIsolation: s.borrowableInIsolation,
    virtualUnderlyingBalance: 1_000_000n * unit(s),
    deficit: 0n,
  }
}

function v30Row(s: Spec): V30Row {
  const eMode =
    s.eModeCategoryId === 1
      ? { ltv: 9_000, lt: 9_300, bonus: 10_100, source: zeroAddress, label: 'ETH correlated' }
      : { ltv: 9_300, lt: 9_500, bonus: 10_100, source: PRICE_SOURCE, label: 'Stablecoins' }
  return {
    underlyingAsset: s.asset,
    name: `${s.symbol} token`,
    symbol: s.symbol,
    decimals: s.decimals,
    baseLTVasCollateral: s.ltv,
    reserveLiquidationThreshold: s.lt,
    reserveLiquidationBonus: s.bonus,
    reserveFactor: 1_000n,
    usageAsCollateralEnabled: true,
    borrowingEnabled: true,
    stableBorrowRateEnabled: false,
    isActive: true,
    isFrozen: false,
    liquidityIndex: s.liquidityIndex,
    variableBorrowIndex: s.variableBorrowIndex,
    liquidityRate: s.liquidityRate,
    variableBorrowRate: s.variableBorrowRate,
    stableBorrowRate: 70_000_000_000_000_000_000_000_000n,
    lastUpdateTimestamp: Number(LAST_UPDATE),
    aTokenAddress: addr(0xb00 + s.n),
    stableDebtTokenAddress: addr(0xa50 + s.n),
    variableDebtTokenAddress: addr(0xc00 + s.n),
    interestRateStrategyAddress: addr(0xf00),
    availableLiquidity: 1_000_000n * unit(s),
    totalPrincipalStableDebt: 0n,
    averageStableRate: 0n,
    stableDebtLastUpdateTimestamp: 0n,
    totalScaledVariableDebt: 500_000n * unit(s),
    priceInMarketReferenceCurrency: s.price,
    priceOracle: ORACLE,
    variableRateSlope1: 40_000_000_000_000_000_000_000_000n,
    variableRateSlope2: 800_000_000_000_000_000_000_000_000n,
    stableRateSlope1: 0n,
    stableRateSlope2: 0n,
    baseStableBorrowRate: 0n,
    baseVariableBorrowRate: 0n,
    optimalUsageRatio: 900_000_000_000_000_000_000_000_000n,
    isPaused: false,
    isSiloedBorrowing: s.isSiloedBorrowing,
    accruedToTreasury: 12_345n,
    unbacked: 0n,
    isolationModeTotalDebt: s.isolationModeTotalDebt,
    flashLoanEnabled: true,
    debtCeiling: s.debtCeiling,
    debtCeilingDecimals: 2n,
    eModeCategoryId: s.eModeCategoryId,
    borrowCap: 1_000_000n,
    supplyCap: 2_000_000n,
    eModeLtv: eMode.ltv,
    eModeLiquidationThreshold: eMode.lt,
    eModeLiquidationBonus: eMode.bonus,
    eModePriceSource: eMode.source,
    eModeLabel: eMode.label,
    borrowableInIsolation: s.borrowableInIsolation,
  }
}

const reservesV33 = (specs: Spec[] = SPECS, base = BASE): Hex =>
  encodeFunctionResult({
    abi: uiPoolDataProviderV33Abi,
    functionName: 'getReservesData',
    result: [specs.map(v33Row), base],
  })

const reservesV30 = (specs: Spec[] = SPECS, rows: (s: Spec) => V30Row = v30Row): Hex =>
  encodeFunctionResult({
    abi: uiPoolDataProviderV30Abi,
    functionName: 'getReservesData',
    result: [specs.map(rows), BASE],
  })

const EMODES_V33: Hex = encodeFunctionResult({
  abi: uiPoolDataProviderV33Abi,
  functionName: 'getEModes',
  result: [
    {
      id: 1,
      eMode: {
        ltv: 9_000,
        liquidationThreshold: 9_300,
        liquidationBonus: 10_100,
        // WETH (id 0) and wstETH (id 7) are collateral in the category
        collateralBitmap: (1n << 0n) | (1n << 7n),
        isolated: false,
        label: 'ETH correlated',
        borrowableBitmap: 1n << 0n,
        ltvzeroBitmap: 0n,
      },
    },
    {
      id: 2,
      eMode: {
        ltv: 9_300,
        liquidationThreshold: 9_500,
        liquidationBonus: 10_100,
        collateralBitmap: 1n << 3n,
        isolated: false,
        label: 'Stablecoins',
        borrowableBitmap: 1n << 3n,
        ltvzeroBitmap: 1n << 7n,
      },
    },
  ],
})

const USER_V33: Hex = encodeFunctionResult({
  abi: uiPoolDataProviderV33Abi,
  functionName: 'getUserReservesData',
  result: [
    [
      {
        underlyingAsset: WETH,
        scaledATokenBalance: 10n * E18,
        usageAsCollateralEnabledOnUser: true,
        scaledVariableDebt: 0n,
      },
      {
        underlyingAsset: USDC,
        scaledATokenBalance: 0n,
        usageAsCollateralEnabledOnUser: false,
        scaledVariableDebt: 12_345n * E6,
      },
      {
        underlyingAsset: WSTETH,
        scaledATokenBalance: 3n * E18,
        usageAsCollateralEnabledOnUser: false,
        scaledVariableDebt: 0n,
      },
    ],
    1,
  ],
})

const USER_V30: Hex = encodeFunctionResult({
  abi: uiPoolDataProviderV30Abi,
  functionName: 'getUserReservesData',
  result: [
    [
      {
        underlyingAsset: WETH,
        scaledATokenBalance: 10n * E18,
        usageAsCollateralEnabledOnUser: true,
        stableBorrowRate: 0n,
        scaledVariableDebt: 0n,
        principalStableDebt: 0n,
        stableBorrowLastUpdateTimestamp: 0n,
      },
      {
        underlyingAsset: USDC,
        scaledATokenBalance: 0n,
        usageAsCollateralEnabledOnUser: false,
        stableBorrowRate: 70_000_000_000_000_000_000_000_000n,
        scaledVariableDebt: 12_345n * E6,
        principalStableDebt: 500n * E6,
        stableBorrowLastUpdateTimestamp: T0 - 3_600n,
      },
      {
        underlyingAsset: WSTETH,
        scaledATokenBalance: 3n * E18,
        usageAsCollateralEnabledOnUser: true,
        stableBorrowRate: 0n,
        scaledVariableDebt: 0n,
        principalStableDebt: 0n,
        stableBorrowLastUpdateTimestamp: 0n,
      },
    ],
    1,
  ],
})

const decodeReserves = (layout: AaveLayout, data: Hex, assets: readonly Address[] = ASSETS) =>
  decodeReservesData(layout, data, assets, IDS, BLOCK_TIME, CONTEXT)

/** Runs `fn`, expects a ProtocolLayoutMismatchError and returns it. */
function expectLayoutMismatch(fn: () => unknown): ProtocolLayoutMismatchError {
  let result: unknown
  let caught: unknown
  try {
    result = fn()
  } catch (err) {
    caught = err
  }
  expect(result, 'decoded values instead of refusing the answer').toBeUndefined()
  expect(caught).toBeInstanceOf(ProtocolLayoutMismatchError)
  const err = caught as ProtocolLayoutMismatchError
  expect(err.code).toBe('PROTOCOL_LAYOUT_MISMATCH')
  expect(err.context.market).toBe('aave-v3-test')
  return err
}

describe('decodeReservesData, layout v3.3 (40-field reserves)', () => {
  it('decodes every reserve field it maps', () => {
    const { reserves, baseCurrency, eModes } = decodeReserves('v3.3', reservesV33())
    expect(reserves.map((r) => r.underlyingAsset)).toEqual(ASSETS)
    expect(reserves.map((r) => r.id)).toEqual([0, 3, 7])
    const [weth, usdc, wsteth] = reserves
    expect(weth).toEqual({
      underlyingAsset: WETH,
      symbol: 'WETH',
      name: 'WETH token',
      decimals: 18,
      id: 0,
      ltvBps: 8_000n,
      liquidationThresholdBps: 8_250n,
      liquidationBonusBps: 10_500n,
      usageAsCollateralEnabled: true,
      borrowingEnabled: true,
      isActive: true,
      isFrozen: false,
      isPaused: false,
      liquidityIndex: 1_020_000_000_000_000_000_000_000_000n,
      variableBorrowIndex: 1_040_000_000_000_000_000_000_000_000n,
      liquidityRate: 20_000_000_000_000_000_000_000_000n,
      variableBorrowRate: 30_000_000_000_000_000_000_000_000n,
      lastUpdateTimestamp: LAST_UPDATE,
      aTokenAddress: addr(0xb01),
      variableDebtTokenAddress: addr(0xc01),
      stableDebtTokenAddress: null,
      priceInMarketReferenceCurrency: 2_000n * USD,
      priceOracle: ORACLE,
      debtCeiling: 0n,
      debtCeilingDecimals: 2,
      isolationModeTotalDebt: 0n,
      borrowableInIsolation: false,
      isSiloedBorrowing: false,
      eModeCategoryId: null,
    })
    expect(usdc!.decimals).toBe(6)
    expect(usdc!.priceInMarketReferenceCurrency).toBe(100_010_000n)
    expect(usdc!.borrowableInIsolation).toBe(true)
    expect(wsteth!.debtCeiling).toBe(500_000_000n)
    expect(wsteth!.isolationModeTotalDebt).toBe(123_456n)
    expect(wsteth!.isSiloedBorrowing).toBe(true)
    expect(wsteth!.eModeCategoryId).toBeNull()
    expect(baseCurrency).toEqual({
      unit: USD,
      priceInUsd: USD,
      networkBaseTokenPriceInUsd: 2_000n * USD,
      networkBaseTokenPriceDecimals: 8,
    })
    // v3.3 eModes come from getEModes, never from the reserves
    expect(eModes.size).toBe(0)
  })

  it('decodes getEModes with its bitmaps', () => {
    const eModes = decodeEModes(EMODES_V33, CONTEXT)
    expect([...eModes.keys()]).toEqual([1, 2])
    expect(eModes.get(1)).toEqual({
      id: 1,
      label: 'ETH correlated',
      ltvBps: 9_000n,
      liquidationThresholdBps: 9_300n,
      liquidationBonusBps: 10_100n,
      priceSource: null,
      collateralBitmap: 0b1000_0001n,
      borrowableBitmap: 1n,
      ltvZeroBitmap: 0n,
    })
    const stable = eModes.get(2)!
    expect(stable.collateralBitmap).toBe(8n)
    expect(stable.borrowableBitmap).toBe(8n)
    expect(stable.ltvZeroBitmap).toBe(128n)
  })

  it('decodes 4-field user reserves with zero stable debt', () => {
    const { reserves } = decodeReserves('v3.3', reservesV33())
    const user = decodeUserReserves('v3.3', USER_V33, reserves, CONTEXT)
    expect(user.eModeCategoryId).toBe(1)
    expect(user.reserves).toHaveLength(3)
    expect(user.reserves[0]).toEqual({
      underlyingAsset: WETH,
      scaledATokenBalance: 10n * E18,
      usageAsCollateralEnabledOnUser: true,
      scaledVariableDebt: 0n,
      principalStableDebt: 0n,
      stableBorrowRate: 0n,
      stableBorrowLastUpdateTimestamp: 0n,
    })
    expect(user.reserves[1]!.scaledVariableDebt).toBe(12_345n * E6)
    for (const r of user.reserves) {
      expect(r.principalStableDebt).toBe(0n)
      expect(r.stableBorrowRate).toBe(0n)
      expect(r.stableBorrowLastUpdateTimestamp).toBe(0n)
    }
  })
})

describe('decoded v3.3 state feeds the account math', () => {
  it('gives the eMode LT to bitmap collateral only', () => {
    const { reserves, baseCurrency } = decodeReserves('v3.3', reservesV33())
    const eModes = decodeEModes(EMODES_V33, CONTEXT)
    const user = decodeUserReserves('v3.3', USER_V33, reserves, CONTEXT)
    const s = { market: { layout: 'v3.3' as const, reserves, eModes, baseCurrency, timestamp: T0 }, user }
    // category 1 collateral bitmap = bits 0 (WETH) and 7 (wstETH); USDC is id 3
    expect(isInEModeCategory(s, reserves[0]!)).toBe(true)
    expect(isInEModeCategory(s, reserves[1]!)).toBe(false)
    expect(isInEModeCategory(s, reserves[2]!)).toBe(true)
    const a = computeAccountData(s)
    const wethTerm = a.terms.find((t) => t.reserve.symbol === 'WETH')!
    expect(wethTerm.liquidationThresholdBps).toBe(9_300n)
    // wstETH is supplied but not enabled as collateral by the user
    expect(a.terms.find((t) => t.reserve.symbol === 'wstETH')!.countsAsCollateral).toBe(false)
    // only WETH counts: avgLT is exactly the eMode LT
    expect(a.currentLiquidationThreshold).toBe(9_300n)
    expect(a.eMode?.label).toBe('ETH correlated')
  })
})

describe('decodeReservesData, layout v3.0 (54-field reserves)', () => {
  it('decodes the reserves and builds eModes from the reserve fields', () => {
    const { reserves, eModes } = decodeReserves('v3.0', reservesV30())
    const [weth, usdc, wsteth] = reserves
    expect(weth!.ltvBps).toBe(8_000n)
    expect(weth!.liquidationThresholdBps).toBe(8_250n)
    expect(weth!.liquidityIndex).toBe(1_020_000_000_000_000_000_000_000_000n)
    expect(weth!.lastUpdateTimestamp).toBe(LAST_UPDATE)
    expect(weth!.stableDebtTokenAddress).toBe(addr(0xa51))
    expect(weth!.variableDebtTokenAddress).toBe(addr(0xc01))
    expect(weth!.eModeCategoryId).toBe(1)
    expect(usdc!.eModeCategoryId).toBe(2)
    expect(usdc!.id).toBe(3)
    expect(wsteth!.eModeCategoryId).toBe(1)
    expect(wsteth!.debtCeiling).toBe(500_000_000n)
    expect([...eModes.keys()].sort()).toEqual([1, 2])
    expect(eModes.get(1)).toEqual({
      id: 1,
      label: 'ETH correlated',
      ltvBps: 9_000n,
      liquidationThresholdBps: 9_300n,
      liquidationBonusBps: 10_100n,
      priceSource: null, // the zero address means "no price source"
      collateralBitmap: null,
      borrowableBitmap: null,
      ltvZeroBitmap: null,
    })
    expect(eModes.get(2)!.priceSource).toBe(PRICE_SOURCE)
    expect(eModes.get(2)!.liquidationThresholdBps).toBe(9_500n)
  })

  it('builds no eMode for reserves of category 0', () => {
    const { eModes } = decodeReserves(
      'v3.0',
      reservesV30(SPECS, (s) => ({ ...v30Row(s), eModeCategoryId: 0 })),
    )
    expect(eModes.size).toBe(0)
  })

  it('decodes 7-field user reserves with their stable debt', () => {
    const { reserves } = decodeReserves('v3.0', reservesV30())
    const user = decodeUserReserves('v3.0', USER_V30, reserves, CONTEXT)
    expect(user.eModeCategoryId).toBe(1)
    expect(user.reserves[1]).toEqual({
      underlyingAsset: USDC,
      scaledATokenBalance: 0n,
      usageAsCollateralEnabledOnUser: false,
      scaledVariableDebt: 12_345n * E6,
      principalStableDebt: 500n * E6,
      stableBorrowRate: 70_000_000_000_000_000_000_000_000n,
      stableBorrowLastUpdateTimestamp: T0 - 3_600n,
    })
    expect(user.reserves[2]!.usageAsCollateralEnabledOnUser).toBe(true)
    expect(user.reserves[2]!.scaledATokenBalance).toBe(3n * E18)
  })
})

describe('layout mismatch: refuse, never decode garbage', () => {
  it('v3.0 reserves decoded as v3.3 throw PROTOCOL_LAYOUT_MISMATCH', () => {
    const err = expectLayoutMismatch(() => decodeReserves('v3.3', reservesV30()))
    expect(err.context.layout).toBe('v3.3')
  })

  it('v3.3 reserves decoded as v3.0 throw PROTOCOL_LAYOUT_MISMATCH', () => {
    const err = expectLayoutMismatch(() => decodeReserves('v3.0', reservesV33()))
    expect(err.context.layout).toBe('v3.0')
  })

  it('a single v3.0 / v3.3 reserve decoded in the other layout throws too', () => {
    const one = [SPECS[0]!]
    expectLayoutMismatch(() => decodeReserves('v3.3', reservesV30(one), [WETH]))
    expectLayoutMismatch(() => decodeReserves('v3.0', reservesV33(one), [WETH]))
  })

  it('v3.0 user reserves decoded as v3.3 throw PROTOCOL_LAYOUT_MISMATCH', () => {
    const { reserves } = decodeReserves('v3.3', reservesV33())
    expectLayoutMismatch(() => decodeUserReserves('v3.3', USER_V30, reserves, CONTEXT))
  })

  it('v3.3 user reserves decoded as v3.0 throw PROTOCOL_LAYOUT_MISMATCH', () => {
    const { reserves } = decodeReserves('v3.0', reservesV30())
    expectLayoutMismatch(() => decodeUserReserves('v3.0', USER_V33, reserves, CONTEXT))
  })

  it('a one-reserve market: v3.0 user reserves (7 words) read as v3.3 (4 words) throw, by size', () => {
    // Regression: with one reserve the words decode without error and the v3.3 scaledVariableDebt
    // would read the v3.0 stableBorrowRate. Size: 32 * (3 + 7 * 1) = 320 bytes, not 32 * (3 + 4) = 224.
    const { reserves } = decodeReserves('v3.3', reservesV33([SPECS[0]!]), [WETH])
    const oneV30 = encodeFunctionResult({
      abi: uiPoolDataProviderV30Abi,
      functionName: 'getUserReservesData',
      result: [
        [
          {
            underlyingAsset: WETH,
            scaledATokenBalance: 10n * E18,
            usageAsCollateralEnabledOnUser: true,
            stableBorrowRate: 0n,
            scaledVariableDebt: 5n * E18,
            principalStableDebt: 0n,
            stableBorrowLastUpdateTimestamp: 0n,
          },
        ],
        0,
      ],
    })
    expectLayoutMismatch(() => decodeUserReserves('v3.3', oneV30, reserves, CONTEXT))
  })

  it('getEModes that does not decode throws PROTOCOL_LAYOUT_MISMATCH', () => {
    expectLayoutMismatch(() => decodeEModes('0x1234', CONTEXT))
  })

  it('an empty answer (no contract) throws PROTOCOL_LAYOUT_MISMATCH in both layouts', () => {
    expectLayoutMismatch(() => decodeReserves('v3.0', '0x'))
    expectLayoutMismatch(() => decodeReserves('v3.3', '0x'))
  })
})

describe('validation against the Pool', () => {
  it('throws when the reserve list differs from the Pool reserves list', () => {
    const data = reservesV33()
    // same assets, another order
    const swapped = expectLayoutMismatch(() => decodeReserves('v3.3', data, [USDC, WETH, WSTETH]))
    expect(swapped.message).toMatch(/reserve 0/)
    // another asset in the Pool's list
    expectLayoutMismatch(() => decodeReserves('v3.3', data, [WETH, USDC, addr(0xabc)]))
    // one reserve more or less
    expectLayoutMismatch(() => decodeReserves('v3.3', data, [WETH, USDC]))
    expectLayoutMismatch(() => decodeReserves('v3.3', data, [...ASSETS, addr(0xabc)]))
  })

  it('throws when a reserve has no Pool id', () => {
    expectLayoutMismatch(() =>
      decodeReservesData('v3.3', reservesV33(), ASSETS, new Map([[WETH.toLowerCase(), 0]]), T0, CONTEXT),
    )
  })

  it('throws when user reserves differ from the market reserves', () => {
    const { reserves } = decodeReserves('v3.3', reservesV33())
    expectLayoutMismatch(() => decodeUserReserves('v3.3', USER_V33, reserves.slice(0, 2), CONTEXT))
    expectLayoutMismatch(() =>
      decodeUserReserves('v3.3', USER_V33, [reserves[1]!, reserves[0]!, reserves[2]!], CONTEXT),
    )
  })

  it('throws on implausible reserve values', () => {
    const bad = (patch: Partial<Spec>) => [{ ...SPECS[0]!, ...patch }, SPECS[1]!, SPECS[2]!]
    // an index below 1 RAY
    expectLayoutMismatch(() => decodeReserves('v3.3', reservesV33(bad({ liquidityIndex: RAY - 1n }))))
    expectLayoutMismatch(() => decodeReserves('v3.3', reservesV33(bad({ variableBorrowIndex: 0n }))))
    // an index >= 2^128 cannot be encoded in uint128, so test LT > 100% and LTV > LT instead
    expectLayoutMismatch(() => decodeReserves('v3.3', reservesV33(bad({ lt: 10_001n }))))
    expectLayoutMismatch(() => decodeReserves('v3.3', reservesV33(bad({ ltv: 8_300n, lt: 8_250n }))))
    // a collateral bonus below 100%
    expectLayoutMismatch(() => decodeReserves('v3.3', reservesV33(bad({ bonus: 9_999n }))))
    // more than 36 decimals
    expectLayoutMismatch(() => decodeReserves('v3.3', reservesV33(bad({ decimals: 37n }))))
  })

  it('throws on a last update after the block', () => {
    expectLayoutMismatch(() =>
      decodeReservesData('v3.3', reservesV33(), ASSETS, IDS, LAST_UPDATE - 1n, CONTEXT),
    )
  })

  it('throws on a zero base-currency unit', () => {
    expectLayoutMismatch(() =>
      decodeReserves('v3.3', reservesV33(SPECS, { ...BASE, marketReferenceCurrencyUnit: 0n })),
    )
  })

  it('throws on an eMode LTV above its LT', () => {
    const data = encodeFunctionResult({
      abi: uiPoolDataProviderV33Abi,
      functionName: 'getEModes',
      result: [
        {
          id: 1,
          eMode: {
            ltv: 9_500,
            liquidationThreshold: 9_300,
            liquidationBonus: 10_100,
            collateralBitmap: 1n,
            isolated: false,
            label: 'bad',
            borrowableBitmap: 1n,
            ltvzeroBitmap: 0n,
          },
        },
      ],
    })
    expectLayoutMismatch(() => decodeEModes(data, CONTEXT))
  })
})

describe('Pool answers', () => {
  it('decodeAccountData round-trips getUserAccountData', () => {
    const values = [
      2_000_000_000_000n,
      1_234_500_000_000n,
      365_500_000_000n,
      8_250n,
      8_000n,
      1_336_573_511_543_134_872n,
    ] as const
    const data = encodeFunctionResult({
      abi: aavePoolAbi,
      functionName: 'getUserAccountData',
      result: values,
    })
    expect(decodeAccountData(data)).toEqual({
      totalCollateralBase: 2_000_000_000_000n,
      totalDebtBase: 1_234_500_000_000n,
      availableBorrowsBase: 365_500_000_000n,
      currentLiquidationThreshold: 8_250n,
      ltv: 8_000n,
      healthFactor: 1_336_573_511_543_134_872n,
    })
  })

  it('decodeAccountData keeps a no-debt health factor of 2^256-1', () => {
    const data = encodeFunctionResult({
      abi: aavePoolAbi,
      functionName: 'getUserAccountData',
      result: [1n, 0n, 0n, 8_250n, 8_000n, MAX_UINT256],
    })
    expect(decodeAccountData(data).healthFactor).toBe(MAX_UINT256)
  })

  it('decodeReservesList round-trips getReservesList', () => {
    const data = encodeFunctionResult({ abi: aavePoolAbi, functionName: 'getReservesList', result: ASSETS })
    expect(decodeReservesList(data)).toEqual(ASSETS)
  })
})

describe('userHoldsNothing (the short cut past the market decode)', () => {
  // Hand-written getUserReservesData answers in the v3.3 layout (4 fields per row), encoded with
  // viem's encodeFunctionResult and the repository's ABI.
  const row = (asset: Address, supply: bigint, debt: bigint) => ({
    underlyingAsset: asset,
    scaledATokenBalance: supply,
    usageAsCollateralEnabledOnUser: supply > 0n,
    scaledVariableDebt: debt,
  })
  const answer = (rows: ReturnType<typeof row>[]) =>
    encodeFunctionResult({
      abi: uiPoolDataProviderV33Abi,
      functionName: 'getUserReservesData',
      result: [rows, 0],
    })

  it('true when every reserve is empty, false as soon as one holds supply or debt', () => {
    expect(userHoldsNothing('v3.3', answer([row(WETH, 0n, 0n), row(USDC, 0n, 0n)]), 2)).toBe(true)
    expect(userHoldsNothing('v3.3', answer([row(WETH, 0n, 0n), row(USDC, 1n, 0n)]), 2)).toBe(false)
    expect(userHoldsNothing('v3.3', answer([row(WETH, 0n, 7n), row(USDC, 0n, 0n)]), 2)).toBe(false)
  })

  it('false (the full decode decides) for an answer not of the layout or the reserve count', () => {
    const empty = answer([row(WETH, 0n, 0n), row(USDC, 0n, 0n)])
    expect(userHoldsNothing('v3.3', empty, 3)).toBe(false)
    expect(userHoldsNothing('v3.0', empty, 2)).toBe(false)
    expect(userHoldsNothing('v3.3', '0x', 0)).toBe(false)
  })
})

describe('scanUserReserves (market-wide reads: the words in place)', () => {
  // The same hand-written answers as above (USER_V33, USER_V30: viem's encodeFunctionResult with
  // the repository's ABIs): the scan must give exactly the ABI decode's values.
  it('gives the full decode of both layouts, row for row', () => {
    for (const [layout, data, reservesData] of [
      ['v3.3', USER_V33, reservesV33()],
      ['v3.0', USER_V30, reservesV30()],
    ] as const) {
      const { reserves } = decodeReserves(layout, reservesData)
      const scan = scanUserReserves(layout, data, 3)
      expect(scan).not.toBeNull()
      expect(scan!.empty).toBe(false)
      expect(userStateFromScan(scan!, reserves)).toEqual(decodeUserReserves(layout, data, reserves, CONTEXT))
    }
  })

  it('empty exactly when userHoldsNothing says so', () => {
    const row = (asset: Address, supply: bigint, debt: bigint) => ({
      underlyingAsset: asset,
      scaledATokenBalance: supply,
      usageAsCollateralEnabledOnUser: supply > 0n,
      scaledVariableDebt: debt,
    })
    const answer = (rows: ReturnType<typeof row>[]) =>
      encodeFunctionResult({
        abi: uiPoolDataProviderV33Abi,
        functionName: 'getUserReservesData',
        result: [rows, 0],
      })
    for (const rows of [
      [row(WETH, 0n, 0n), row(USDC, 0n, 0n)],
      [row(WETH, 0n, 0n), row(USDC, 1n, 0n)],
      [row(WETH, 0n, 7n), row(USDC, 0n, 0n)],
    ]) {
      const data = answer(rows)
      expect(scanUserReserves('v3.3', data, 2)!.empty).toBe(userHoldsNothing('v3.3', data, 2))
    }
  })

  it('null (the full decode decides) for anything but the canonical shape', () => {
    const words = (data: Hex) => data.slice(2).match(/.{64}/g)!
    const join = (w: string[]) => `0x${w.join('')}` as Hex
    const w = words(USER_V33)
    // another layout's size, another reserve count
    expect(scanUserReserves('v3.0', USER_V33, 3)).toBeNull()
    expect(scanUserReserves('v3.3', USER_V33, 2)).toBeNull()
    // the array elsewhere than 0x40, an eMode id of 256, a dirty address word, a bool of 2
    expect(scanUserReserves('v3.3', join([w[0]!.replace(/40$/, '60'), ...w.slice(1)]), 3)).toBeNull()
    expect(scanUserReserves('v3.3', join([w[0]!, `${'0'.repeat(61)}100`, ...w.slice(2)]), 3)).toBeNull()
    expect(
      scanUserReserves('v3.3', join([...w.slice(0, 3), `f${w[3]!.slice(1)}`, ...w.slice(4)]), 3),
    ).toBeNull()
    expect(
      scanUserReserves('v3.3', join([...w.slice(0, 5), `${'0'.repeat(63)}2`, ...w.slice(6)]), 3),
    ).toBeNull()
    // upper-case hex (viem would decode it; the scan leaves it to viem)
    expect(scanUserReserves('v3.3', `0x${USER_V33.slice(2).toUpperCase()}` as Hex, 3)).toBeNull()
  })

  it('userStateFromScan is null when a row is not the market reserve at its index', () => {
    const { reserves } = decodeReserves('v3.3', reservesV33())
    const scan = scanUserReserves('v3.3', USER_V33, 3)!
    expect(userStateFromScan(scan, [reserves[1]!, reserves[0]!, reserves[2]!])).toBeNull()
    expect(userStateFromScan(scan, reserves.slice(0, 2))).toBeNull()
  })
})
