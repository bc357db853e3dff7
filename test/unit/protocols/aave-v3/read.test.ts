/**
 * aaveWalletCalls and decodeAaveWallet (src/protocols/aave-v3/read.ts) on hand-encoded batch
 * results. Every answer is ABI-encoded here with viem's encodeFunctionResult and the repository's
 * own ABIs (abis/aave-ui-pool-data-provider.ts, abis/aave-pool.ts); `followUp` is a fake that
 * records the calls it gets and answers them from a table. No RPC.
 *
 * The account: 10 WETH (2000 USD) and 3 wstETH (2300 USD) supplied as collateral, 12,345 USDC
 * (1 USD) borrowed, in eMode category 1 "ETH correlated" (LTV 90%, LT 93%). Every index is 1 RAY
 * and every reserve was updated at the block timestamp, so the balances are the scaled balances
 * and the Pool's getUserAccountData is hand-computable (each vector is derived in its comment;
 * percentMul and wadDiv round half up, the weighted averages truncate, as GenericLogic does).
 */
import {
  type ContractFunctionReturnType,
  decodeFunctionData,
  encodeFunctionResult,
  type Hex,
  zeroAddress,
} from 'viem'
import { describe, expect, it } from 'vitest'
import { aaveOracleAbi, aavePoolAbi } from '../../../../abis/aave-pool.js'
import {
  uiPoolDataProviderV30Abi,
  uiPoolDataProviderV33Abi,
} from '../../../../abis/aave-ui-pool-data-provider.js'
import type { BlockContext, RawCall, RawResult } from '../../../../src/chains/batch.js'
import type { Address } from '../../../../src/core/address.js'
import { BaseError, type ErrorCode } from '../../../../src/core/errors.js'
import { MAX_UINT256, RAY } from '../../../../src/core/math.js'
import type { Position, PositionResult } from '../../../../src/core/types.js'
import type { AaveMarketConfig } from '../../../../src/protocols/aave-v3/markets.js'
import { aaveWalletCalls, decodeAaveWallet, planAaveWallet } from '../../../../src/protocols/aave-v3/read.js'
import type { AaveLayout } from '../../../../src/protocols/aave-v3/types.js'
import type { FollowUp } from '../../../../src/protocols/types.js'
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
type AccountData = ContractFunctionReturnType<typeof aavePoolAbi, 'view', 'getUserAccountData'>

const MARKET: AaveMarketConfig = {
  id: 'aave-v3-test',
  protocol: 'aave-v3',
  name: 'Aave v3 Test',
  chain: 'ethereum',
  poolAddressesProvider: addr(0x1001),
  pool: addr(0x1002),
  uiPoolDataProvider: addr(0x1003),
}
const USER = addr(0x5eed)
const ORACLE = addr(0xd00)
const PRICE_SOURCE = addr(0xe01)
const BLOCK: BlockContext = { blockNumber: 19_000_000n, timestamp: T0 }

/** One reserve of the test market. */
interface Spec {
  asset: Address
  symbol: string
  decimals: bigint
  ltv: bigint
  lt: bigint
  price: bigint
  /** v3.0 only: the reserve's eMode category. */
  eModeCategoryId: number
}

/** WETH 2000 USD, LTV 80%, LT 82.5%, v3.0 eMode category 1. */
const S_WETH: Spec = {
  asset: WETH,
  symbol: 'WETH',
  decimals: 18n,
  ltv: 8_000n,
  lt: 8_250n,
  price: 2_000n * USD,
  eModeCategoryId: 1,
}
/** USDC 1 USD, 6 decimals, LTV 75%, LT 87.5%, no eMode. */
const S_USDC: Spec = {
  asset: USDC,
  symbol: 'USDC',
  decimals: 6n,
  ltv: 7_500n,
  lt: 8_750n,
  price: USD,
  eModeCategoryId: 0,
}
/** wstETH 2300 USD, LTV 78.5%, LT 81%; in v3.0 outside the eMode (category 0). */
const S_WSTETH: Spec = {
  asset: WSTETH,
  symbol: 'wstETH',
  decimals: 18n,
  ltv: 7_850n,
  lt: 8_100n,
  price: 2_300n * USD,
  eModeCategoryId: 0,
}
/** The Pool's reserve list, in its order (ids 0, 1, 2 unless a test drops a reserve). */
const LIST: Spec[] = [S_WETH, S_USDC, S_WSTETH]

const BASE = {
  marketReferenceCurrencyUnit: USD,
  marketReferenceCurrencyPriceInUsd: USD,
  networkBaseTokenPriceInUsd: 2_000n * USD,
  networkBaseTokenPriceDecimals: 8,
}

const E_MODE = { ltv: 9_000, lt: 9_300, bonus: 10_100, label: 'ETH correlated' }

function v33Row(s: Spec, n: number): V33Row {
  return {
    underlyingAsset: s.asset,
    name: `${s.symbol} token`,
    symbol: s.symbol,
    decimals: s.decimals,
    baseLTVasCollateral: s.ltv,
    reserveLiquidationThreshold: s.lt,
    reserveLiquidationBonus: 10_500n,
    reserveFactor: 1_000n,
    usageAsCollateralEnabled: true,
    borrowingEnabled: true,
    isActive: true,
    isFrozen: false,
    liquidityIndex: RAY,
    variableBorrowIndex: RAY,
    liquidityRate: 20_000_000_000_000_000_000_000_000n,
    variableBorrowRate: 30_000_000_000_000_000_000_000_000n,
    lastUpdateTimestamp: Number(T0),
    aTokenAddress: addr(0xb00 + n),
    variableDebtTokenAddress: addr(0xc00 + n),
    interestRateStrategyAddress: addr(0xf00),
    availableLiquidity: 1_000_000n * 10n ** s.decimals,
    totalScaledVariableDebt: 500_000n * 10n ** s.decimals,
    priceInMarketReferenceCurrency: s.price,
    priceOracle: ORACLE,
    variableRateSlope1: 40_000_000_000_000_000_000_000_000n,
    variableRateSlope2: 800_000_000_000_000_000_000_000_000n,
    baseVariableBorrowRate: 0n,
    optimalUsageRatio: 900_000_000_000_000_000_000_000_000n,
    isPaused: false,
    isSiloedBorrowing: false,
    accruedToTreasury: 0n,
    isolationModeTotalDebt: 0n,
    flashLoanEnabled: true,
    debtCeiling: 0n,
    debtCeilingDecimals: 2n,
    borrowCap: 0n,
    supplyCap: 0n,
    borrowableInIsolation: false,
    virtualUnderlyingBalance: 1_000_000n * 10n ** s.decimals,
    deficit: 0n,
  }
}

function v30Row(s: Spec, n: number, priceSource: Address): V30Row {
  // The periphery copies the reserve's category into every row: zeros for category 0.
  const inEMode = s.eModeCategoryId === 1
  return {
    underlyingAsset: s.asset,
    name: `${s.symbol} token`,
    symbol: s.symbol,
    decimals: s.decimals,
    baseLTVasCollateral: s.ltv,
    reserveLiquidationThreshold: s.lt,
    reserveLiquidationBonus: 10_500n,
    reserveFactor: 1_000n,
    usageAsCollateralEnabled: true,
    borrowingEnabled: true,
    stableBorrowRateEnabled: false,
    isActive: true,
    isFrozen: false,
    liquidityIndex: RAY,
    variableBorrowIndex: RAY,
    liquidityRate: 20_000_000_000_000_000_000_000_000n,
    variableBorrowRate: 30_000_000_000_000_000_000_000_000n,
    stableBorrowRate: 70_000_000_000_000_000_000_000_000n,
    lastUpdateTimestamp: Number(T0),
    aTokenAddress: addr(0xb00 + n),
    stableDebtTokenAddress: addr(0xa50 + n),
    variableDebtTokenAddress: addr(0xc00 + n),
    interestRateStrategyAddress: addr(0xf00),
    availableLiquidity: 1_000_000n * 10n ** s.decimals,
    totalPrincipalStableDebt: 0n,
    averageStableRate: 0n,
    stableDebtLastUpdateTimestamp: 0n,
    totalScaledVariableDebt: 500_000n * 10n ** s.decimals,
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
    isSiloedBorrowing: false,
    accruedToTreasury: 0n,
    unbacked: 0n,
    isolationModeTotalDebt: 0n,
    flashLoanEnabled: true,
    debtCeiling: 0n,
    debtCeilingDecimals: 2n,
    eModeCategoryId: s.eModeCategoryId,
    borrowCap: 0n,
    supplyCap: 0n,
    eModeLtv: inEMode ? E_MODE.ltv : 0,
    eModeLiquidationThreshold: inEMode ? E_MODE.lt : 0,
    eModeLiquidationBonus: inEMode ? E_MODE.bonus : 0,
    eModePriceSource: inEMode ? priceSource : zeroAddress,
    eModeLabel: inEMode ? E_MODE.label : '',
    borrowableInIsolation: false,
  }
}

/** A user's balances by asset (scaled = actual: every index is 1 RAY). */
type Balances = Map<Address, { supplied?: bigint; debt?: bigint }>

/** 10 WETH and 3 wstETH supplied (collateral), 12,345 USDC borrowed. */
const BALANCES: Balances = new Map([
  [WETH, { supplied: 10n * E18 }],
  [USDC, { debt: 12_345n * E6 }],
  [WSTETH, { supplied: 3n * E18 }],
])

function userReservesV33(list: Spec[], balances: Balances, eModeId: number): Hex {
  return encodeFunctionResult({
    abi: uiPoolDataProviderV33Abi,
    functionName: 'getUserReservesData',
    result: [
      list.map((s) => {
        const b = balances.get(s.asset) ?? {}
        return {
          underlyingAsset: s.asset,
          scaledATokenBalance: b.supplied ?? 0n,
          usageAsCollateralEnabledOnUser: (b.supplied ?? 0n) > 0n,
          scaledVariableDebt: b.debt ?? 0n,
        }
      }),
      eModeId,
    ],
  })
}

function userReservesV30(list: Spec[], balances: Balances, eModeId: number): Hex {
  return encodeFunctionResult({
    abi: uiPoolDataProviderV30Abi,
    functionName: 'getUserReservesData',
    result: [
      list.map((s) => {
        const b = balances.get(s.asset) ?? {}
        return {
          underlyingAsset: s.asset,
          scaledATokenBalance: b.supplied ?? 0n,
          usageAsCollateralEnabledOnUser: (b.supplied ?? 0n) > 0n,
          stableBorrowRate: 0n,
          scaledVariableDebt: b.debt ?? 0n,
          principalStableDebt: 0n,
          stableBorrowLastUpdateTimestamp: 0n,
        }
      }),
      eModeId,
    ],
  })
}

/** getEModes with category 1 "ETH correlated" and the given collateral bitmap (reserve-id bits). */
function eModesV33(collateralBitmap: bigint): Hex {
  return encodeFunctionResult({
    abi: uiPoolDataProviderV33Abi,
    functionName: 'getEModes',
    result: [
      {
        id: 1,
        eMode: {
          ltv: E_MODE.ltv,
          liquidationThreshold: E_MODE.lt,
          liquidationBonus: E_MODE.bonus,
          collateralBitmap,
          isolated: false,
          label: E_MODE.label,
          borrowableBitmap: collateralBitmap,
          ltvzeroBitmap: 0n,
        },
      },
    ],
  })
}

const ok = (returnData: Hex): RawResult => ({ success: true, returnData })
const REVERTED: RawResult = { success: false, returnData: '0x' }
const accountData = (values: AccountData): Hex =>
  encodeFunctionResult({ abi: aavePoolAbi, functionName: 'getUserAccountData', result: values })
const count = (n: bigint): RawResult =>
  ok(encodeFunctionResult({ abi: aavePoolAbi, functionName: 'getReservesCount', result: n }))

interface Answers {
  layout: AaveLayout
  account: AccountData
  list?: Spec[]
  balances?: Balances
  eModeId?: number
  /** v3.3: category 1's collateral bitmap. Default bits 0 (WETH) only. */
  collateralBitmap?: bigint
  /** v3.0: category 1's price source. Default none (the zero address). */
  priceSource?: Address
  /** getReservesCount's answer; default the list length. */
  reservesCount?: RawResult
}

/** The six results of aaveWalletCalls, in its order. */
function answers(a: Answers): RawResult[] {
  const list = a.list ?? LIST
  const balances = a.balances ?? BALANCES
  const eModeId = a.eModeId ?? 1
  const v33 = a.layout === 'v3.3'
  const reservesData = v33
    ? encodeFunctionResult({
        abi: uiPoolDataProviderV33Abi,
        functionName: 'getReservesData',
        result: [list.map((s, i) => v33Row(s, i + 1)), BASE],
      })
    : encodeFunctionResult({
        abi: uiPoolDataProviderV30Abi,
        functionName: 'getReservesData',
        result: [list.map((s, i) => v30Row(s, i + 1, a.priceSource ?? zeroAddress)), BASE],
      })
  return [
    ok(reservesData),
    ok(v33 ? userReservesV33(list, balances, eModeId) : userReservesV30(list, balances, eModeId)),
    // a v3.0 UiPoolDataProvider has no getEModes: the probe reverts
    v33 ? ok(eModesV33(a.collateralBitmap ?? 1n)) : REVERTED,
    ok(
      encodeFunctionResult({
        abi: aavePoolAbi,
        functionName: 'getReservesList',
        result: list.map((s) => s.asset),
      }),
    ),
    ok(accountData(a.account)),
    a.reservesCount ?? count(BigInt(list.length)),
  ]
}

/** A fake FollowUp: records every batch it gets and answers each call with `answer`. */
function recorder(answer: (call: RawCall) => RawResult = () => REVERTED) {
  const batches: RawCall[][] = []
  const followUp: FollowUp = async (calls) => {
    batches.push([...calls])
    return calls.map(answer)
  }
  return { followUp, batches }
}

/** The one position of `results`, narrowed to an `ok` position. */
function onlyPosition(results: PositionResult[]): Position {
  expect(results).toHaveLength(1)
  const p = results[0]!
  if (p.status !== 'ok') throw new Error(`expected an ok position, got ${p.status}`)
  return p
}

/** Awaits `p`, expects it to reject with a BaseError of `code`, and returns the error. */
async function expectCode(p: Promise<unknown>, code: ErrorCode): Promise<BaseError> {
  const caught = await p.then(
    () => undefined,
    (err: unknown) => err,
  )
  expect(caught).toBeInstanceOf(BaseError)
  const err = caught as BaseError
  expect(err.code).toBe(code)
  return err
}

/** |actual / expected - 1| <= tol: for liquidation prices, found by bisection on truncated math. */
function expectNear(actual: number | null | undefined, expected: number, tol = 5e-4) {
  expect(actual).not.toBeNull()
  expect(actual).toBeDefined()
  expect(Math.abs((actual as number) / expected - 1)).toBeLessThanOrEqual(tol)
}

/**
 * WETH in the eMode (LT 93%, LTV 90%), wstETH on its own LT 81% / LTV 78.5% (v3.3: only bit 0 in
 * the collateral bitmap; v3.0: only WETH's reserve is in category 1), at oracle prices.
 */
const ACCOUNT_MIXED: AccountData = [
  2_690_000_000_000n, // 10 * 2000e8 + 3 * 2300e8 = 2e12 + 6.9e11
  1_234_500_000_000n, // 12_345 * 1e8
  1_107_145_000_000n, // percentMul(2.69e12, 8705) = 2.341645e12, minus the debt 1.2345e12
  8_992n, // (2e12 * 9300 + 6.9e11 * 8100) / 2.69e12 = 2.4189e16 / 2.69e12 = 8992.19 -> 8992
  8_705n, // (2e12 * 9000 + 6.9e11 * 7850) / 2.69e12 = 2.34165e16 / 2.69e12 = 8705.02 -> 8705
  1_959_374_645_605_508_303n, // wadDiv(percentMul(2.69e12, 8992) = 2.418848e12, 1.2345e12); exact quotient 1959374645605508302.957, half up -> ...303
]

/** WETH and wstETH both in the eMode (LT 93%, LTV 90%). */
const ACCOUNT_BOTH_IN_EMODE: AccountData = [
  2_690_000_000_000n, // as ACCOUNT_MIXED
  1_234_500_000_000n,
  1_186_500_000_000n, // percentMul(2.69e12, 9000) = 2.421e12, minus 1.2345e12
  9_300n, // every collateral at 9300
  9_000n,
  2_026_488_456_865_127_582n, // wadDiv(2.69e12 * 0.93 = 2.5017e12, 1.2345e12); exact quotient 2026488456865127582.017, half up -> ...582
]

/** v3.0 with the category's price source at 1950 USD: WETH (category 1) valued at 1950, wstETH at 2300. */
const ACCOUNT_PRICE_SOURCE: AccountData = [
  2_640_000_000_000n, // 10 * 1950e8 + 3 * 2300e8 = 1.95e12 + 6.9e11
  1_234_500_000_000n, // USDC keeps its own price: 12_345 * 1e8
  1_062_036_000_000n, // percentMul(2.64e12, 8699) = 2.296536e12, minus 1.2345e12
  8_986n, // (1.95e12 * 9300 + 6.9e11 * 8100) / 2.64e12 = 2.3724e16 / 2.64e12 = 8986.36 -> 8986
  8_699n, // (1.95e12 * 9000 + 6.9e11 * 7850) / 2.64e12 = 2.29665e16 / 2.64e12 = 8699.43 -> 8699
  1_921_671_931_956_257_594n, // wadDiv(percentMul(2.64e12, 8986) = 2.372304e12, 1.2345e12); exact quotient 1921671931956257594.168, half up -> ...594
]

/** No eMode (category 0): WETH at its own LT 82.5% / LTV 80%, wstETH at 81% / 78.5%, oracle prices. */
const ACCOUNT_NO_EMODE: AccountData = [
  2_690_000_000_000n, // 10 * 2000e8 + 3 * 2300e8
  1_234_500_000_000n, // 12_345 * 1e8
  907_009_000_000n, // percentMul(2.69e12, 7961) = 2.141509e12, minus 1.2345e12
  8_211n, // (2e12 * 8250 + 6.9e11 * 8100) / 2.69e12 = 2.2089e16 / 2.69e12 = 8211.52 -> 8211
  7_961n, // (2e12 * 8000 + 6.9e11 * 7850) / 2.69e12 = 2.14165e16 / 2.69e12 = 7961.52 -> 7961
  1_789_193_195_625_759_417n, // wadDiv(percentMul(2.69e12, 8211) = 2.208759e12, 1.2345e12); exact quotient 1789193195625759416.768, half up -> ...417
]

const WETH_ASSET = { symbol: 'WETH', address: WETH, decimals: 18 }
const USDC_ASSET = { symbol: 'USDC', address: USDC, decimals: 6 }
const WSTETH_ASSET = { symbol: 'wstETH', address: WSTETH, decimals: 18 }

/** The legs of {@link ACCOUNT_MIXED}, in the Pool's list order. */
const LEGS_MIXED = [
  {
    asset: WETH_ASSET,
    side: 'collateral',
    amount: 10n * E18,
    usd: 20_000, // 10 * 2000
    priceUsd: 2_000,
    countsAsCollateral: true,
    liquidationThresholdBps: 9_300, // eMode
    ltvBps: 9_000,
    liquidationBonusBps: 10_100, // eMode's bonus: WETH is in the category
  },
  { asset: USDC_ASSET, side: 'debt', amount: 12_345n * E6, usd: 12_345, priceUsd: 1 },
  {
    asset: WSTETH_ASSET,
    side: 'collateral',
    amount: 3n * E18,
    usd: 6_900, // 3 * 2300
    priceUsd: 2_300,
    countsAsCollateral: true,
    liquidationThresholdBps: 8_100, // its own
    ltvBps: 7_850,
    liquidationBonusBps: 10_500, // its own reserve bonus: not in the eMode's collateral
  },
]

const E_MODE_DETAILS = {
  id: 1,
  label: 'ETH correlated',
  ltvBps: 9_000,
  liquidationThresholdBps: 9_300,
  liquidationBonusBps: 10_100,
}

/** The checks shared by the v3.3 and v3.0 paths on {@link ACCOUNT_MIXED}. */
function expectMixedPosition(p: Position, layout: AaveLayout) {
  expect(p.protocol).toBe('aave-v3')
  expect(p.market).toBe('aave-v3-test')
  expect(p.chain).toBe('ethereum')
  expect(p.details.layout).toBe(layout)
  expect(p.legs).toEqual(LEGS_MIXED)
  expect(p.collateralUsd).toBe(26_900) // 20_000 + 6_900
  expect(p.debtUsd).toBe(12_345)
  // the served health factor is the Pool's own
  expect(p.healthFactorWad).toBe(ACCOUNT_MIXED[5])
  expect(p.healthFactor).toBeCloseTo(1.959374645605508, 12)
  expect(p.details.eMode).toEqual(E_MODE_DETAILS)
  expect(p.details.isolationMode).toBeNull()
  expect(p.details.totalCollateralBase).toBe('2690000000000')
  expect(p.details.totalDebtBase).toBe('1234500000000')
  expect(p.details.currentLiquidationThresholdBps).toBe(8_992)
  expect(p.details.ltvBps).toBe(8_705)
  expect(p.details.collateralCountedUsd).toBe(26_900)
  expect(p.details.availableBorrowsUsd).toBeCloseTo(11_071.45, 6) // 1.107145e12 / 1e8
  // Liquidation prices, by hand (untruncated LT, hence the tolerance):
  // WETH: 10 * p * 0.93 + 6900 * 0.81 = 12345  -> p = (12345 - 5589) / 9.3 = 726.45
  // USDC: 12345 * q = 20000 * 0.93 + 5589 = 24189 -> q = 1.95942
  // wstETH: WETH alone covers the debt (18600 > 12345): no wstETH price reaches HF 1
  expect(p.liquidationPrices.map((l) => [l.symbol, l.side])).toEqual([
    ['WETH', 'collateral'],
    ['USDC', 'debt'],
    ['wstETH', 'collateral'],
  ])
  const [lpWeth, lpUsdc, lpWsteth] = p.liquidationPrices
  expectNear(lpWeth!.price, 6_756 / 9.3)
  expect(lpWeth!.currentPrice).toBe(2_000)
  expectNear(lpUsdc!.price, 24_189 / 12_345)
  expect(lpUsdc!.currentPrice).toBe(1)
  expect(lpWsteth!.price).toBeNull()
  expect(lpWsteth!.distance).toBeNull()
}

describe('aaveWalletCalls', () => {
  it('builds the seven calls, all allowed to fail, with the right targets and calldata', () => {
    const calls = aaveWalletCalls(MARKET, USER)
    // issue 12 added POOL_REVISION (the version) as the seventh call
    expect(calls).toHaveLength(7)
    for (const c of calls) expect(c.allowFailure).toBe(true)
    const ui = MARKET.uiPoolDataProvider
    const pool = MARKET.pool
    expect(calls.map((c) => c.target)).toEqual([ui, ui, ui, pool, pool, pool, pool])

    const uiDecoded = calls
      .slice(0, 3)
      .map((c) => decodeFunctionData({ abi: uiPoolDataProviderV33Abi, data: c.callData }))
    expect(uiDecoded.map((d) => [d.functionName, d.args])).toEqual([
      ['getReservesData', [MARKET.poolAddressesProvider]],
      ['getUserReservesData', [MARKET.poolAddressesProvider, USER]],
      ['getEModes', [MARKET.poolAddressesProvider]],
    ])
    const poolDecoded = calls
      .slice(3, 6)
      .map((c) => decodeFunctionData({ abi: aavePoolAbi, data: c.callData }))
    expect(poolDecoded.map((d) => [d.functionName, d.args ?? []])).toEqual([
      ['getReservesList', []],
      ['getUserAccountData', [USER]],
      ['getReservesCount', []],
    ])
    expect(calls[6]!.callData).toBe('0x0148170e')
  })

  it('uses calldata a v3.0 UiPoolDataProvider answers too (same selectors in both layouts)', () => {
    const [reserves, user] = aaveWalletCalls(MARKET, USER)
    expect(decodeFunctionData({ abi: uiPoolDataProviderV30Abi, data: reserves!.callData })).toEqual({
      functionName: 'getReservesData',
      args: [MARKET.poolAddressesProvider],
    })
    expect(decodeFunctionData({ abi: uiPoolDataProviderV30Abi, data: user!.callData })).toEqual({
      functionName: 'getUserReservesData',
      args: [MARKET.poolAddressesProvider, USER],
    })
  })

  it('planAaveWallet carries the market, its calls and a decoder over them', async () => {
    const plan = planAaveWallet(MARKET, USER)
    expect(plan.market).toBe('aave-v3-test')
    expect(plan.protocol).toBe('aave-v3')
    expect(plan.calls).toEqual(aaveWalletCalls(MARKET, USER))
    const { followUp } = recorder()
    const p = onlyPosition(
      await plan.decode(answers({ layout: 'v3.3', account: ACCOUNT_MIXED }), BLOCK, followUp),
    )
    expect(p.healthFactorWad).toBe(ACCOUNT_MIXED[5])
  })
})

describe('decodeAaveWallet, v3.3 layout (getEModes succeeds)', () => {
  it('decodes the account end to end, eMode by the collateral bitmap, without follow-up', async () => {
    const { followUp, batches } = recorder()
    const results = answers({ layout: 'v3.3', account: ACCOUNT_MIXED, collateralBitmap: 1n })
    const p = onlyPosition(await decodeAaveWallet(MARKET, results, BLOCK, followUp))
    expectMixedPosition(p, 'v3.3')
    expect(batches).toHaveLength(0)
  })

  it('gives the eMode LT to every asset whose id bit is set', async () => {
    // bits 0 (WETH) and 2 (wstETH): both at 93%
    const { followUp, batches } = recorder()
    const results = answers({ layout: 'v3.3', account: ACCOUNT_BOTH_IN_EMODE, collateralBitmap: 0b101n })
    const p = onlyPosition(await decodeAaveWallet(MARKET, results, BLOCK, followUp))
    expect(p.legs.map((l) => l.liquidationThresholdBps)).toEqual([9_300, undefined, 9_300])
    expect(p.healthFactorWad).toBe(ACCOUNT_BOTH_IN_EMODE[5])
    expect(batches).toHaveLength(0)
  })
})

describe('decodeAaveWallet, v3.0 layout (getEModes reverts)', () => {
  it('decodes the account end to end, eMode by the reserve category, without follow-up', async () => {
    const { followUp, batches } = recorder()
    const results = answers({ layout: 'v3.0', account: ACCOUNT_MIXED })
    const p = onlyPosition(await decodeAaveWallet(MARKET, results, BLOCK, followUp))
    expectMixedPosition(p, 'v3.0')
    expect(batches).toHaveLength(0)
  })

  it('works on a v3.0 Pool without getReservesCount (the probe reverts)', async () => {
    const { followUp, batches } = recorder()
    const results = answers({ layout: 'v3.0', account: ACCOUNT_MIXED, reservesCount: REVERTED })
    const p = onlyPosition(await decodeAaveWallet(MARKET, results, BLOCK, followUp))
    expect(p.details.layout).toBe('v3.0')
    expect(p.healthFactorWad).toBe(ACCOUNT_MIXED[5])
    expect(batches).toHaveLength(0)
  })
})

describe('decodeAaveWallet, dropped reserves (getReservesCount > list length)', () => {
  // The Pool dropped the reserve at id 1: getReservesList = [WETH, wstETH, USDC] (list indexes 0, 1,
  // 2) while the ids are WETH 0, (hole) 1, wstETH 2, USDC 3 and getReservesCount = 4.
  const DROPPED_LIST = [S_WETH, S_WSTETH, S_USDC]
  const idAnswer =
    (hole: RawResult) =>
    (call: RawCall): RawResult => {
      const { functionName, args } = decodeFunctionData({ abi: aavePoolAbi, data: call.callData })
      if (functionName !== 'getReserveAddressById') throw new Error(`unexpected follow-up ${functionName}`)
      const byId: Record<number, Address> = { 0: WETH, 2: WSTETH, 3: USDC }
      const id = Number(args[0])
      if (id === 1) return hole
      const asset = byId[id]
      if (!asset) throw new Error(`unexpected id ${id}`)
      return ok(
        encodeFunctionResult({ abi: aavePoolAbi, functionName: 'getReserveAddressById', result: asset }),
      )
    }
  const ZERO_HOLE = ok(
    encodeFunctionResult({ abi: aavePoolAbi, functionName: 'getReserveAddressById', result: zeroAddress }),
  )

  it('reads the id map once, pinned, with one getReserveAddressById per id', async () => {
    const { followUp, batches } = recorder(idAnswer(ZERO_HOLE))
    const results = answers({
      layout: 'v3.3',
      list: DROPPED_LIST,
      account: ACCOUNT_BOTH_IN_EMODE,
      collateralBitmap: 0b101n,
      reservesCount: count(4n),
    })
    await decodeAaveWallet(MARKET, results, BLOCK, followUp)
    expect(batches).toHaveLength(1)
    const calls = batches[0]!
    expect(calls).toHaveLength(4) // n + 1 = 4 ids for a list of 3
    for (const c of calls) {
      expect(c.target).toBe(MARKET.pool)
      expect(c.allowFailure).toBe(true)
    }
    expect(calls.map((c) => decodeFunctionData({ abi: aavePoolAbi, data: c.callData }))).toEqual(
      [0, 1, 2, 3].map((id) => ({ functionName: 'getReserveAddressById', args: [id] })),
    )
  })

  it.each([
    ['the zero address', ZERO_HOLE],
    ['a failed call', REVERTED],
  ])('applies the eMode bitmap by the true id (hole answered with %s)', async (_, hole) => {
    // bitmap 0b101 = ids 0 (WETH) and 2 (wstETH, list index 1): both in eMode at 93%
    const { followUp } = recorder(idAnswer(hole))
    const results = answers({
      layout: 'v3.3',
      list: DROPPED_LIST,
      account: ACCOUNT_BOTH_IN_EMODE,
      collateralBitmap: 0b101n,
      reservesCount: count(4n),
    })
    const p = onlyPosition(await decodeAaveWallet(MARKET, results, BLOCK, followUp))
    expect(p.legs.map((l) => [l.asset.symbol, l.liquidationThresholdBps])).toEqual([
      ['WETH', 9_300],
      ['wstETH', 9_300],
      ['USDC', undefined],
    ])
    expect(p.healthFactorWad).toBe(ACCOUNT_BOTH_IN_EMODE[5])
  })

  it('does not give the eMode LT by list index: bit 1 (wstETH list index, the hole id) is not wstETH', async () => {
    // bitmap 0b011 = ids 0 (WETH) and 1 (the dropped reserve): wstETH keeps its own 81%, which is
    // exactly ACCOUNT_MIXED's split
    const { followUp } = recorder(idAnswer(ZERO_HOLE))
    const results = answers({
      layout: 'v3.3',
      list: DROPPED_LIST,
      account: ACCOUNT_MIXED,
      collateralBitmap: 0b011n,
      reservesCount: count(4n),
    })
    const p = onlyPosition(await decodeAaveWallet(MARKET, results, BLOCK, followUp))
    expect(p.legs.map((l) => [l.asset.symbol, l.liquidationThresholdBps])).toEqual([
      ['WETH', 9_300],
      ['wstETH', 8_100],
      ['USDC', undefined],
    ])
    expect(p.healthFactorWad).toBe(ACCOUNT_MIXED[5])
  })

  it('a reserve with no id in the map is a layout mismatch, not a guess', async () => {
    // every getReserveAddressById fails: no reserve has an id
    const { followUp } = recorder(() => REVERTED)
    const results = answers({
      layout: 'v3.3',
      list: DROPPED_LIST,
      account: ACCOUNT_BOTH_IN_EMODE,
      collateralBitmap: 0b101n,
      reservesCount: count(4n),
    })
    const err = await expectCode(
      decodeAaveWallet(MARKET, results, BLOCK, followUp),
      'PROTOCOL_LAYOUT_MISMATCH',
    )
    expect(err.message).toMatch(/no reserve id/)
  })
})

describe('decodeAaveWallet, v3.0 eMode price source', () => {
  const PRICE_1950 = ok(
    encodeFunctionResult({ abi: aaveOracleAbi, functionName: 'getAssetPrice', result: 1_950n * USD }),
  )

  it("reads the category's price source from the oracle and values the category's assets at it", async () => {
    const { followUp, batches } = recorder(() => PRICE_1950)
    const results = answers({ layout: 'v3.0', account: ACCOUNT_PRICE_SOURCE, priceSource: PRICE_SOURCE })
    const p = onlyPosition(await decodeAaveWallet(MARKET, results, BLOCK, followUp))

    expect(batches).toHaveLength(1)
    expect(batches[0]).toHaveLength(1)
    const call = batches[0]![0]!
    expect(call.target).toBe(ORACLE) // reserves[0].priceOracle
    expect(call.allowFailure).toBe(true)
    expect(decodeFunctionData({ abi: aaveOracleAbi, data: call.callData })).toEqual({
      functionName: 'getAssetPrice',
      args: [PRICE_SOURCE],
    })

    expect(p.details.layout).toBe('v3.0')
    expect(p.healthFactorWad).toBe(ACCOUNT_PRICE_SOURCE[5])
    // WETH (category 1) at the price source's 1950; wstETH (category 0) and USDC at their own
    expect(p.legs.map((l) => [l.asset.symbol, l.priceUsd, l.usd])).toEqual([
      ['WETH', 1_950, 19_500], // 10 * 1950
      ['USDC', 1, 12_345],
      ['wstETH', 2_300, 6_900],
    ])
    expect(p.collateralUsd).toBe(26_400) // 19_500 + 6_900
    expect(p.debtUsd).toBe(12_345)
    expect(p.details.currentLiquidationThresholdBps).toBe(8_986)
    // WETH's liquidation price does not depend on its current price: (12345 - 5589) / 9.3 = 726.45
    expectNear(p.liquidationPrices[0]!.price, 6_756 / 9.3)
    expect(p.liquidationPrices[0]!.currentPrice).toBe(1_950)
    // USDC: 12345 * q = 19500 * 0.93 + 5589 = 23724 -> q = 1.92175
    expectNear(p.liquidationPrices[1]!.price, 23_724 / 12_345)
  })

  it('without the price source, the oracle prices give a different account: model mismatch', async () => {
    // Regression guard: the price-source price must be used, ACCOUNT_PRICE_SOURCE does not fit 2000 USD
    const { followUp, batches } = recorder(() => PRICE_1950)
    const results = answers({ layout: 'v3.0', account: ACCOUNT_PRICE_SOURCE })
    await expectCode(decodeAaveWallet(MARKET, results, BLOCK, followUp), 'PROTOCOL_MODEL_MISMATCH')
    expect(batches).toHaveLength(0) // no price source in the category: nothing to read
  })

  it('a failed price-source read is PROTOCOL_READ_FAILED', async () => {
    const { followUp, batches } = recorder(() => REVERTED)
    const results = answers({ layout: 'v3.0', account: ACCOUNT_PRICE_SOURCE, priceSource: PRICE_SOURCE })
    const err = await expectCode(decodeAaveWallet(MARKET, results, BLOCK, followUp), 'PROTOCOL_READ_FAILED')
    expect(err.message).toMatch(/getAssetPrice/)
    expect(err.context.market).toBe('aave-v3-test')
    expect(batches).toHaveLength(1)
  })

  it('is not read for a user outside the category (eMode 0)', async () => {
    const { followUp, batches } = recorder(() => PRICE_1950)
    const results = answers({
      layout: 'v3.0',
      account: ACCOUNT_NO_EMODE,
      priceSource: PRICE_SOURCE,
      eModeId: 0,
    })
    const p = onlyPosition(await decodeAaveWallet(MARKET, results, BLOCK, followUp))
    expect(batches).toHaveLength(0)
    expect(p.details.eMode).toBeNull()
    expect(p.healthFactorWad).toBe(ACCOUNT_NO_EMODE[5])
  })
})

describe('decodeAaveWallet faults', () => {
  it.each([
    [0, 'UiPoolDataProviderV3.getReservesData'],
    [1, 'UiPoolDataProviderV3.getUserReservesData'],
    [3, 'Pool.getReservesList'],
    [4, 'Pool.getUserAccountData'],
  ])('a reverted required call (#%i, %s) is PROTOCOL_READ_FAILED', async (i, what) => {
    const results = answers({ layout: 'v3.3', account: ACCOUNT_MIXED })
    results[i] = REVERTED
    const { followUp } = recorder()
    const err = await expectCode(decodeAaveWallet(MARKET, results, BLOCK, followUp), 'PROTOCOL_READ_FAILED')
    expect(err.message).toContain(`${what} reverted`)
    expect(err.context).toEqual({ chain: 'ethereum', protocol: 'aave-v3', market: 'aave-v3-test' })
  })

  it('a missing result counts as reverted', async () => {
    const results = answers({ layout: 'v3.3', account: ACCOUNT_MIXED }).slice(0, 4)
    const err = await expectCode(
      decodeAaveWallet(MARKET, results, BLOCK, recorder().followUp),
      'PROTOCOL_READ_FAILED',
    )
    expect(err.message).toMatch(/getUserAccountData reverted/)
  })

  it("getReservesData answering '0x' (no contract at this block) is PROTOCOL_READ_FAILED", async () => {
    const results = answers({ layout: 'v3.3', account: ACCOUNT_MIXED })
    results[0] = ok('0x')
    const err = await expectCode(
      decodeAaveWallet(MARKET, results, BLOCK, recorder().followUp),
      'PROTOCOL_READ_FAILED',
    )
    expect(err.message).toMatch(/no contract/)
    expect(err.message).toMatch(/getReservesData/)
  })

  it("a UiPoolDataProvider that is not deployed yet (every UI call '0x') is PROTOCOL_READ_FAILED", async () => {
    // '0x' on the getEModes probe counts as success (layout v3.3); the required calls still refuse it
    const results = answers({ layout: 'v3.3', account: ACCOUNT_MIXED })
    results[0] = ok('0x')
    results[1] = ok('0x')
    results[2] = ok('0x')
    const err = await expectCode(
      decodeAaveWallet(MARKET, results, BLOCK, recorder().followUp),
      'PROTOCOL_READ_FAILED',
    )
    expect(err.message).toMatch(/no contract/)
  })

  it('getUserAccountData with other totals is PROTOCOL_MODEL_MISMATCH', async () => {
    // collateral 1e8 (1 USD) off with three assets in the account: beyond the 1-unit-per-asset tolerance
    const [c, ...rest] = ACCOUNT_MIXED
    const results = answers({ layout: 'v3.3', account: [c + 100_000_000n, ...rest] })
    await expectCode(decodeAaveWallet(MARKET, results, BLOCK, recorder().followUp), 'PROTOCOL_MODEL_MISMATCH')
    // the v3.0 layout gives the same model: the v3.3 answer (WETH in eMode only) fits, the
    // all-in-eMode answer does not
    await expectCode(
      decodeAaveWallet(
        MARKET,
        answers({ layout: 'v3.0', account: ACCOUNT_BOTH_IN_EMODE }),
        BLOCK,
        recorder().followUp,
      ),
      'PROTOCOL_MODEL_MISMATCH',
    )
  })

  it('a user with no balance in the market gives no position (not an error)', async () => {
    const { followUp, batches } = recorder()
    const results = answers({
      layout: 'v3.3',
      balances: new Map(),
      eModeId: 0,
      // what the Pool answers for an empty account: zeros and a health factor of 2^256-1
      account: [0n, 0n, 0n, 0n, 0n, MAX_UINT256],
    })
    await expect(decodeAaveWallet(MARKET, results, BLOCK, followUp)).resolves.toEqual([])
    expect(batches).toHaveLength(0)
  })

  it('a user in an eMode category the market does not define is PROTOCOL_LAYOUT_MISMATCH', async () => {
    const results = answers({ layout: 'v3.3', account: ACCOUNT_MIXED, eModeId: 7 })
    const err = await expectCode(
      decodeAaveWallet(MARKET, results, BLOCK, recorder().followUp),
      'PROTOCOL_LAYOUT_MISMATCH',
    )
    expect(err.message).toMatch(/eMode 7/)
  })

  it('v3.0: a user in an eMode category no reserve belongs to gets the plain account, as the Pool computes it (regression)', async () => {
    // v3.0 learns categories only from reserves; category 7 has none, so no asset is "in eMode"
    // and GenericLogic computes the no-eMode account: ACCOUNT_NO_EMODE (hand computation above).
    const results = answers({ layout: 'v3.0', account: ACCOUNT_NO_EMODE, eModeId: 7 })
    const p = onlyPosition(await decodeAaveWallet(MARKET, results, BLOCK, recorder().followUp))
    expect(p.details.layout).toBe('v3.0')
    expect(p.details.eMode).toBeNull()
    expect(p.details.userEModeCategoryId).toBe(7)
    expect(p.healthFactorWad).toBe(ACCOUNT_NO_EMODE[5])
  })
})
