/**
 * Aave v3 account math against hand computations that follow GenericLogic.calculateUserAccountData
 * (@aave/core-v3 1.19.3, i.e. v3.0): per-asset value = balance * price / 10^decimals truncated,
 * avgLT = sum(value_i * LT_i) / totalCollateral truncated to integer bps,
 * HF = wadDiv(percentMul(totalCollateral, avgLT), totalDebt) rounded half up, 2^256-1 without debt.
 * Base currency: USD with 8 decimals (1 USD = 1e8).
 */
import { describe, expect, it } from 'vitest'
import { MAX_UINT256, RAY, WAD } from '../../../../src/core/math.js'
import {
  type AaveState,
  calculateCompoundedInterest,
  calculateLinearInterest,
  computeAccountData,
  findLiquidationPrice,
  getIsolationAsset,
  getNormalizedDebt,
  getNormalizedIncome,
  getUserBalances,
  isInEModeCategory,
  SECONDS_PER_YEAR,
} from '../../../../src/protocols/aave-v3/math.js'
import {
  DAI,
  dai,
  E6,
  E18,
  ethEMode,
  state,
  T0,
  USD,
  USDC,
  usdc,
  userReserve,
  WBTC,
  WEETH,
  WETH,
  WSTETH,
  wbtc,
  weeth,
  weth,
  wsteth,
  ZERO_LT,
  zeroLt,
} from './fixtures.js'

/** 10 WETH at 2000 USD (LT 82.5%) against 12,345 USDC of debt. */
function wethUsdcAccount(): AaveState {
  return state({
    reserves: [weth(), usdc()],
    user: [userReserve(WETH, { supplied: 10n * E18 }), userReserve(USDC, { debt: 12_345n * E6 })],
  })
}

const term = (s: AaveState, asset: string, opts?: Parameters<typeof computeAccountData>[1]) => {
  const t = computeAccountData(s, opts).terms.find((x) => x.reserve.underlyingAsset === asset)
  if (!t) throw new Error(`no term for ${asset}`)
  return t
}

describe('computeAccountData (hand computation, GenericLogic v3.0)', () => {
  it('single collateral, single debt', () => {
    const a = computeAccountData(wethUsdcAccount())
    // collateral = 10e18 * 2000e8 / 1e18 = 2_000_000_000_000
    expect(a.totalCollateralBase).toBe(2_000_000_000_000n)
    // debt = 12_345e6 * 1e8 / 1e6 = 1_234_500_000_000
    expect(a.totalDebtBase).toBe(1_234_500_000_000n)
    // avgLT = 2e12 * 8250 / 2e12 = 8250; avgLTV = 2e12 * 8000 / 2e12 = 8000
    expect(a.currentLiquidationThreshold).toBe(8_250n)
    expect(a.ltv).toBe(8_000n)
    // percentMul(2e12, 8250) = (2e12 * 8250 + 5000) / 10000 = 1_650_000_000_000
    // HF = (1_650_000_000_000 * 1e18 + 1_234_500_000_000 / 2) / 1_234_500_000_000
    //    = (1.65e30 + 617_250_000_000) / 1_234_500_000_000 = 1_336_573_511_543_134_872
    expect(a.healthFactor).toBe(1_336_573_511_543_134_872n)
    // borrow capacity = percentMul(2e12, 8000) = 1_600_000_000_000; minus debt = 365_500_000_000
    expect(a.availableBorrowsBase).toBe(365_500_000_000n)
    expect(a.terms).toHaveLength(2)
    expect(a.eMode).toBeNull()
  })

  it('multi-collateral with different LTs: per-asset truncation and a truncated avgLT', () => {
    const s = state({
      reserves: [weth({ priceInMarketReferenceCurrency: 200_012_345_678n }), usdc(), wbtc(), dai()],
      user: [
        userReserve(WETH, { supplied: 1_234_567_890_123_456_789n }),
        userReserve(USDC, { supplied: 1_000n * E6 }),
        userReserve(WBTC, { supplied: 10_000_000n }), // 0.1 WBTC
        userReserve(DAI, { debt: 1_500n * E18 }),
      ],
    })
    const a = computeAccountData(s)
    // WETH: 1_234_567_890_123_456_789 * 200_012_345_678 / 1e18
    //     = 246_928_819_602.331961377763907942 -> 246_928_819_602 (truncated per asset)
    expect(term(s, WETH).collateralBase).toBe(246_928_819_602n)
    // USDC: 1000e6 * 1e8 / 1e6 = 100_000_000_000; WBTC: 1e7 * 30_000e8 / 1e8 = 300_000_000_000
    expect(term(s, USDC).collateralBase).toBe(100_000_000_000n)
    expect(term(s, WBTC).collateralBase).toBe(300_000_000_000n)
    // total = 246_928_819_602 + 100_000_000_000 + 300_000_000_000 = 646_928_819_602
    expect(a.totalCollateralBase).toBe(646_928_819_602n)
    // sum(value * LT) = 246_928_819_602 * 8250 + 100e9 * 8750 + 300e9 * 7800
    //   = 2_037_162_761_716_500 + 875_000_000_000_000 + 2_340_000_000_000_000 = 5_252_162_761_716_500
    // avgLT = 5_252_162_761_716_500 / 646_928_819_602 = 8118.61... -> 8118
    expect(a.currentLiquidationThreshold).toBe(8_118n)
    // sum(value * LTV) = 246_928_819_602 * 8000 + 100e9 * 7500 + 300e9 * 7300
    //   = 1_975_430_556_816_000 + 750_000_000_000_000 + 2_190_000_000_000_000 = 4_915_430_556_816_000
    // avgLTV = 4_915_430_556_816_000 / 646_928_819_602 = 7598.0... -> 7598
    expect(a.ltv).toBe(7_598n)
    // debt: 1500e18 * 0.9999e8 / 1e18 = 149_985_000_000
    expect(a.totalDebtBase).toBe(149_985_000_000n)
    // percentMul(646_928_819_602, 8118) = (5_251_768_157_529_036 + 5000) / 10000 = 525_176_815_753
    // HF = (525_176_815_753e18 + 149_985_000_000 / 2) / 149_985_000_000 = 3_501_528_924_579_124_579
    expect(a.healthFactor).toBe(3_501_528_924_579_124_579n)
    // with the untruncated avgLT (8118.61) rounded to 8119 the HF would be 3_501_960_253_592_025_869
    expect(a.healthFactor).not.toBe(3_501_960_253_592_025_869n)
    // capacity percentMul(646_928_819_602, 7598) = (4_915_365_171_335_996 + 5000) / 10000
    //   = 491_536_517_134; minus debt 149_985_000_000 = 341_551_517_134
    expect(a.availableBorrowsBase).toBe(341_551_517_134n)
  })

  describe('eMode, layout v3.0 (category from the reserve)', () => {
    const eModeState = (eModeCategoryId: number): AaveState =>
      state({
        layout: 'v3.0',
        reserves: [
          weth({ eModeCategoryId: 1 }),
          wsteth({ eModeCategoryId: 1 }),
          usdc({ eModeCategoryId: 2 }),
        ],
        eModes: [
          ethEMode(),
          ethEMode({ id: 2, label: 'Stablecoins', ltvBps: 9_300n, liquidationThresholdBps: 9_500n }),
        ],
        eModeCategoryId,
        user: [
          userReserve(WSTETH, { supplied: 10n * E18 }),
          userReserve(USDC, { supplied: 5_000n * E6 }),
          userReserve(WETH, { debt: 8n * E18 }),
        ],
      })

    it('a reserve whose own LTV is 0 adds no LTV even in eMode (GenericLogic: `if (vars.ltv != 0)`), regression', () => {
      const s = state({
        layout: 'v3.0',
        reserves: [weth({ eModeCategoryId: 1 }), wsteth({ eModeCategoryId: 1, ltvBps: 0n })],
        eModes: [ethEMode()],
        eModeCategoryId: 1,
        user: [userReserve(WSTETH, { supplied: 10n * E18 }), userReserve(WETH, { debt: 1n * E18 })],
      })
      const a = computeAccountData(s)
      // The eMode LT still applies (LT is not LTV); the average LTV is 0 and nothing can be borrowed.
      expect(term(s, WSTETH).ltvBps).toBe(0n)
      expect(term(s, WSTETH).liquidationThresholdBps).toBe(ethEMode().liquidationThresholdBps)
      expect(a.ltv).toBe(0n)
      expect(a.availableBorrowsBase).toBe(0n)
    })

    it('applies the eMode LT to an asset of the user category, not to one of another category', () => {
      const s = eModeState(1)
      const a = computeAccountData(s)
      expect(term(s, WSTETH).inEMode).toBe(true)
      expect(term(s, WSTETH).liquidationThresholdBps).toBe(9_300n)
      expect(term(s, USDC).inEMode).toBe(false)
      expect(term(s, USDC).liquidationThresholdBps).toBe(8_750n)
      // wstETH 10 * 2300e8 = 2_300_000_000_000 (eMode LT 9300); USDC 5000e8 = 500_000_000_000 (own 8750)
      expect(a.totalCollateralBase).toBe(2_800_000_000_000n)
      // avgLT = (2.3e12 * 9300 + 5e11 * 8750) / 2.8e12 = 2.5765e16 / 2.8e12 = 9201.78... -> 9201
      expect(a.currentLiquidationThreshold).toBe(9_201n)
      // debt = 8 * 2000e8 = 1_600_000_000_000
      expect(a.totalDebtBase).toBe(1_600_000_000_000n)
      // percentMul(2.8e12, 9201) = 2_576_280_000_000; HF = 2.57628e30 / 1.6e12 = 1.610175e18 exactly
      expect(a.healthFactor).toBe(1_610_175_000_000_000_000n)
      // avgLTV = (2.3e12 * 9000 + 5e11 * 7500) / 2.8e12 = 8732.14 -> 8732;
      // capacity = 2.8e12 * 8732 / 1e4 = 2_444_960_000_000; minus debt = 844_960_000_000
      expect(a.ltv).toBe(8_732n)
      expect(a.availableBorrowsBase).toBe(844_960_000_000n)
      expect(a.eMode?.id).toBe(1)
    })

    it('uses every reserve LT when the user is not in eMode', () => {
      const s = eModeState(0)
      const a = computeAccountData(s)
      expect(term(s, WSTETH).inEMode).toBe(false)
      // avgLT = (2.3e12 * 8100 + 5e11 * 8750) / 2.8e12 = 2.3005e16 / 2.8e12 = 8216.07 -> 8216
      expect(a.currentLiquidationThreshold).toBe(8_216n)
      // percentMul(2.8e12, 8216) = 2_300_480_000_000; HF = 2.30048e30 / 1.6e12 = 1.4378e18
      expect(a.healthFactor).toBe(1_437_800_000_000_000_000n)
      expect(a.eMode).toBeNull()
    })

    it('prices every asset of the category at the eMode price source when given', () => {
      const s = eModeState(1)
      const a = computeAccountData(s, { eModePrice: 2_400n * USD })
      expect(term(s, WSTETH, { eModePrice: 2_400n * USD }).price).toBe(2_400n * USD)
      expect(term(s, WETH, { eModePrice: 2_400n * USD }).price).toBe(2_400n * USD)
      expect(term(s, USDC, { eModePrice: 2_400n * USD }).price).toBe(USD)
      // collateral = 10 * 2400e8 + 5000e8 = 2.4e12 + 5e11 = 2_900_000_000_000
      expect(a.totalCollateralBase).toBe(2_900_000_000_000n)
      // debt = 8 * 2400e8 = 1_920_000_000_000
      expect(a.totalDebtBase).toBe(1_920_000_000_000n)
      // avgLT = (2.4e12 * 9300 + 5e11 * 8750) / 2.9e12 = 2.6695e16 / 2.9e12 = 9205.17 -> 9205
      expect(a.currentLiquidationThreshold).toBe(9_205n)
      // percentMul(2.9e12, 9205) = 2_669_450_000_000
      // HF = (2.66945e30 + 9.6e11) / 1.92e12: 2.66945e30 / 1.92e12 = 1_390_338_541_666_666_666.67,
      // remainder 1.28e12 + 9.6e11 >= 1.92e12, so it rounds up to ...667
      expect(a.healthFactor).toBe(1_390_338_541_666_666_667n)
    })
  })

  describe('eMode, layout v3.3 (liquid eModes: collateral bitmap)', () => {
    // wstETH is reserve id 4 and in the collateral bitmap; weETH (id 5) is NOT, WETH (id 0) borrowable
    const liquid = (extra: Parameters<typeof ethEMode>[0] = {}): AaveState =>
      state({
        layout: 'v3.3',
        reserves: [weth(), wsteth(), weeth({ eModeCategoryId: 1 })],
        eModes: [
          ethEMode({ collateralBitmap: 1n << 4n, borrowableBitmap: 1n << 0n, ltvZeroBitmap: 0n, ...extra }),
        ],
        eModeCategoryId: 1,
        user: [
          userReserve(WSTETH, { supplied: 10n * E18 }),
          userReserve(WEETH, { supplied: 5n * E18 }),
          userReserve(WETH, { debt: 10n * E18 }),
        ],
      })

    it('applies the eMode LT only to assets whose reserve id bit is set (not to every collateral)', () => {
      const s = liquid()
      const a = computeAccountData(s)
      expect(isInEModeCategory(s, s.market.reserves[1]!)).toBe(true)
      // weETH carries eModeCategoryId 1 in this fixture, but v3.3 ignores it: only the bitmap counts
      expect(isInEModeCategory(s, s.market.reserves[2]!)).toBe(false)
      expect(term(s, WSTETH).liquidationThresholdBps).toBe(9_300n)
      expect(term(s, WEETH).inEMode).toBe(false)
      expect(term(s, WEETH).liquidationThresholdBps).toBe(7_500n)
      // wstETH 10 * 2300e8 = 2.3e12 (9300); weETH 5 * 2100e8 = 1.05e12 (own 7500)
      expect(a.totalCollateralBase).toBe(3_350_000_000_000n)
      // avgLT = (2.3e12 * 9300 + 1.05e12 * 7500) / 3.35e12 = 2.9265e16 / 3.35e12 = 8735.82 -> 8735
      expect(a.currentLiquidationThreshold).toBe(8_735n)
      // debt = 10 * 2000e8 = 2e12; percentMul(3.35e12, 8735) = 2_926_225_000_000
      // HF = (2.926225e30 + 1e12) / 2e12 = 1_463_112_500_000_000_000 (remainder 1e12 < 2e12)
      expect(a.healthFactor).toBe(1_463_112_500_000_000_000n)
      // the classic bug (eMode LT 9300 on every collateral) would give
      // percentMul(3.35e12, 9300) / 2e12 = 3.1155e12 / 2e12 = 1.55775e18
      expect(a.currentLiquidationThreshold).not.toBe(9_300n)
      expect(a.healthFactor).not.toBe(1_557_750_000_000_000_000n)
    })

    it('applies the category LTV but zero for an asset in the ltv-zero bitmap', () => {
      const plain = liquid()
      expect(term(plain, WSTETH).ltvBps).toBe(9_000n)
      const s = liquid({ ltvZeroBitmap: 1n << 4n })
      expect(term(s, WSTETH).ltvBps).toBe(0n)
      // LT is unaffected: still the eMode 9300
      expect(term(s, WSTETH).liquidationThresholdBps).toBe(9_300n)
      expect(computeAccountData(s).healthFactor).toBe(1_463_112_500_000_000_000n)
    })

    it('falls back to reserve LTs when the user category is unknown to the market', () => {
      const s = liquid()
      s.user.eModeCategoryId = 7
      expect(term(s, WSTETH).inEMode).toBe(false)
      expect(term(s, WSTETH).liquidationThresholdBps).toBe(8_100n)
    })
  })

  it('never counts an asset with LT 0 as collateral, even when enabled by the user', () => {
    const s = state({
      reserves: [weth(), usdc(), zeroLt()],
      user: [
        userReserve(WETH, { supplied: 10n * E18 }),
        userReserve(ZERO_LT, { supplied: 1_000n * E18, collateral: true }),
        userReserve(USDC, { debt: 12_345n * E6 }),
      ],
    })
    const a = computeAccountData(s)
    const z = term(s, ZERO_LT)
    expect(z.balances.supplied).toBe(1_000n * E18)
    expect(z.countsAsCollateral).toBe(false)
    expect(z.collateralBase).toBe(0n)
    // identical to the single-collateral vector: the 1000 USD of ZLT adds nothing
    expect(a.totalCollateralBase).toBe(2_000_000_000_000n)
    expect(a.currentLiquidationThreshold).toBe(8_250n)
    expect(a.healthFactor).toBe(1_336_573_511_543_134_872n)
  })

  it('does not count a supply the user has not enabled as collateral', () => {
    const s = state({
      reserves: [weth(), usdc(), wbtc()],
      user: [
        userReserve(WETH, { supplied: 10n * E18 }),
        userReserve(WBTC, { supplied: 100_000_000n, collateral: false }), // 1 WBTC = 30,000 USD
        userReserve(USDC, { debt: 12_345n * E6 }),
      ],
    })
    const a = computeAccountData(s)
    expect(term(s, WBTC).countsAsCollateral).toBe(false)
    expect(term(s, WBTC).collateralBase).toBe(0n)
    expect(a.totalCollateralBase).toBe(2_000_000_000_000n)
    expect(a.healthFactor).toBe(1_336_573_511_543_134_872n)
  })

  it('returns HF = 2^256-1 without debt', () => {
    const s = state({ reserves: [weth(), usdc()], user: [userReserve(WETH, { supplied: 10n * E18 })] })
    const a = computeAccountData(s)
    expect(a.totalDebtBase).toBe(0n)
    expect(a.healthFactor).toBe(MAX_UINT256)
    expect(a.healthFactor).toBe(2n ** 256n - 1n)
    // capacity = percentMul(2e12, 8000) = 1.6e12, nothing borrowed
    expect(a.availableBorrowsBase).toBe(1_600_000_000_000n)
  })

  it('skips empty user reserves and rejects a user reserve that is not a market reserve', () => {
    const s = state({
      reserves: [weth(), usdc()],
      user: [userReserve(WETH, { supplied: 10n * E18 }), userReserve(USDC)],
    })
    expect(computeAccountData(s).terms.map((t) => t.reserve.symbol)).toEqual(['WETH'])
    const bad = state({ reserves: [weth()], user: [userReserve(USDC, { supplied: 1n })] })
    expect(() => computeAccountData(bad)).toThrow(RangeError)
  })

  it('applies price overrides to one asset', () => {
    const s = wethUsdcAccount()
    // 10 WETH at 1500e8: collateral = 1_500_000_000_000
    const a = computeAccountData(s, { overrides: new Map([[WETH.toLowerCase(), 1_500n * USD]]) })
    expect(a.totalCollateralBase).toBe(1_500_000_000_000n)
    // percentMul(1.5e12, 8250) = 1_237_500_000_000; HF = (1.2375e30 + 6.1725e11) / 1.2345e12
    //   = 1_002_430_133_657_351_154.31… -> 1_002_430_133_657_351_154 (remainder below half)
    expect(a.healthFactor).toBe(1_002_430_133_657_351_154n)
  })
})

describe('interest (hand computation, MathUtils / ReserveLogic)', () => {
  // 1e18 RAY per second: rate = SECONDS_PER_YEAR * 1e18 = 31_536_000e18 (3.1536% a year). Then
  // rate / S = 1e18, basePowerTwo = rayMul(rate, rate) / S^2 = 994_519_296e15 / 994_519_296e6 = 1e9,
  // basePowerThree = rayMul(1e9, rate) / S = 31_536_000 / 31_536_000 = 1.
  const PER_SECOND_1E_9 = 31_536_000n * 10n ** 18n

  it('SECONDS_PER_YEAR is 365 days', () => {
    expect(SECONDS_PER_YEAR).toBe(31_536_000n)
  })

  it('linear interest: 5% for one year is exactly 1.05 RAY', () => {
    // RAY + 5e25 * 31_536_000 / 31_536_000 = 1e27 + 5e25
    expect(calculateLinearInterest(5n * 10n ** 25n, T0, T0 + SECONDS_PER_YEAR)).toBe(
      1_050_000_000_000_000_000_000_000_000n,
    )
    // half a year: RAY + 5e25 * 15_768_000 / 31_536_000 = 1.025e27
    expect(calculateLinearInterest(5n * 10n ** 25n, T0, T0 + SECONDS_PER_YEAR / 2n)).toBe(
      1_025_000_000_000_000_000_000_000_000n,
    )
    // no time elapsed (or a timestamp before the update): RAY
    expect(calculateLinearInterest(5n * 10n ** 25n, T0, T0)).toBe(RAY)
    expect(calculateLinearInterest(5n * 10n ** 25n, T0, T0 - 5n)).toBe(RAY)
  })

  it('compounded interest: the 3-term binomial expansion', () => {
    expect(rayMulHalf(PER_SECOND_1E_9)).toBe(994_519_296n * 10n ** 15n)
    // exp = 10: RAY + 10 * 1e18 + 10 * 9 * 1e9 / 2 + 10 * 9 * 8 * 1 / 6
    //         = 1e27 + 1e19 + 45e9 + 120
    expect(calculateCompoundedInterest(PER_SECOND_1E_9, T0, T0 + 10n)).toBe(
      1_000_000_010_000_000_045_000_000_120n,
    )
    // exp = 2: expMinusTwo = 0 -> RAY + 2e18 + 2 * 1 * 1e9 / 2 + 0
    expect(calculateCompoundedInterest(PER_SECOND_1E_9, T0, T0 + 2n)).toBe(
      1_000_000_002_000_000_001_000_000_000n,
    )
    // exp = 1: expMinusOne = 0 -> RAY + 1e18
    expect(calculateCompoundedInterest(PER_SECOND_1E_9, T0, T0 + 1n)).toBe(
      1_000_000_001_000_000_000_000_000_000n,
    )
    // exp = 0: RAY
    expect(calculateCompoundedInterest(PER_SECOND_1E_9, T0, T0)).toBe(RAY)
  })

  it('compounded interest: 5% over one year, with the truncations of the on-chain formula', () => {
    // rate = 5e25, exp = S = 31_536_000
    // rayMul(5e25, 5e25) = 2.5e24; basePowerTwo = 2.5e24 / S^2 = 2.5e24 / 994_519_296_000_000
    //   = 2_513_777_269.6… -> 2_513_777_269
    // basePowerThree = rayMul(2_513_777_269, 5e25) / S = 125_688_863 / 31_536_000 = 3.98… -> 3
    // term1 = 5e25 * S / S = 50_000_000_000_000_000_000_000_000
    // term2 = S * (S - 1) * 2_513_777_269 / 2 = 1_249_999_960_296_101_334_408_000
    // term3 = S * (S - 1) * (S - 2) * 3 / 6 = 15_681_578_767_549_087_536_000
    // sum = 1e27 + term1 + term2 + term3 = 1_051_265_681_539_063_650_421_944_000
    // (1.0512657 rather than 1 + r + r^2/2 + r^3/6 = 1.0512708: basePowerThree's truncation to 3)
    const c = calculateCompoundedInterest(5n * 10n ** 25n, T0, T0 + SECONDS_PER_YEAR)
    expect(c).toBe(1_051_265_681_539_063_650_421_944_000n)
    expect(c).toBeGreaterThan(1_050_000_000_000_000_000_000_000_000n) // above linear
  })

  it('getNormalizedIncome = rayMul(linear factor, liquidityIndex)', () => {
    const r = usdc({
      liquidityRate: 5n * 10n ** 25n,
      liquidityIndex: 1_100_000_000_000_000_000_000_000_000n,
      lastUpdateTimestamp: T0 - SECONDS_PER_YEAR,
    })
    // rayMul(1.05e27, 1.1e27) = (1.155e54 + 5e26) / 1e27 = 1.155e27
    expect(getNormalizedIncome(r, T0)).toBe(1_155_000_000_000_000_000_000_000_000n)
    // updated in this block: the stored index as is
    expect(getNormalizedIncome(r, T0 - SECONDS_PER_YEAR)).toBe(1_100_000_000_000_000_000_000_000_000n)
  })

  it('getNormalizedDebt = rayMul(compounded factor, variableBorrowIndex)', () => {
    const r = usdc({
      variableBorrowRate: PER_SECOND_1E_9,
      variableBorrowIndex: 1_200_000_000_000_000_000_000_000_000n,
      lastUpdateTimestamp: T0 - 10n,
    })
    // rayMul(1_000_000_010_000_000_045_000_000_120, 1.2e27) = C * 1.2 = 1_200_000_012_000_000_054_000_000_144
    expect(getNormalizedDebt(r, T0)).toBe(1_200_000_012_000_000_054_000_000_144n)
    expect(getNormalizedDebt(r, T0 - 10n)).toBe(1_200_000_000_000_000_000_000_000_000n)
  })

  it('accrues supply, variable and stable debt balances to the block timestamp', () => {
    const r = usdc({
      liquidityRate: 5n * 10n ** 25n,
      liquidityIndex: 1_100_000_000_000_000_000_000_000_000n,
      variableBorrowRate: PER_SECOND_1E_9,
      variableBorrowIndex: 1_200_000_000_000_000_000_000_000_000n,
      lastUpdateTimestamp: T0 - SECONDS_PER_YEAR,
    })
    const b = getUserBalances(
      { ...r, lastUpdateTimestamp: T0 - SECONDS_PER_YEAR },
      {
        ...userReserve(USDC, { supplied: 100n * E6 }),
        principalStableDebt: 1_000n * E6,
        stableBorrowRate: PER_SECOND_1E_9,
        stableBorrowLastUpdateTimestamp: T0 - 10n,
      },
      T0,
    )
    // supplied = rayMul(100e6, 1.155e27) = (1.155e35 + 5e26) / 1e27 = 115_500_000
    expect(b.supplied).toBe(115_500_000n)
    // stable = rayMul(1000e6, 1_000_000_010_000_000_045_000_000_120)
    //        = 1_000_000_010.000000045… -> 1_000_000_010
    expect(b.stableDebt).toBe(1_000_000_010n)
    expect(b.variableDebt).toBe(0n)
    expect(b.debt).toBe(1_000_000_010n)
  })

  it('computeAccountData values interest-accrued balances (timestamp > lastUpdateTimestamp)', () => {
    const s = state({
      reserves: [
        weth(),
        usdc({
          liquidityRate: 5n * 10n ** 25n,
          liquidityIndex: 1_100_000_000_000_000_000_000_000_000n,
          lastUpdateTimestamp: T0 - SECONDS_PER_YEAR,
        }),
        dai({
          variableBorrowRate: PER_SECOND_1E_9,
          variableBorrowIndex: 1_200_000_000_000_000_000_000_000_000n,
          lastUpdateTimestamp: T0 - 10n,
          priceInMarketReferenceCurrency: USD,
        }),
      ],
      user: [userReserve(USDC, { supplied: 100n * E6 }), userReserve(DAI, { debt: 50n * E18 })],
    })
    const a = computeAccountData(s)
    // USDC supplied = rayMul(100e6, rayMul(1.05e27, 1.1e27)) = 115_500_000 -> 115_500_000 * 1e8 / 1e6
    expect(term(s, USDC).balances.supplied).toBe(115_500_000n)
    expect(a.totalCollateralBase).toBe(11_550_000_000n)
    // DAI debt = rayMul(50e18, 1_200_000_012_000_000_054_000_000_144)
    //          = 60_000_000_600_000_002_700.0000000072 -> 60_000_000_600_000_002_700
    expect(term(s, DAI).balances.variableDebt).toBe(60_000_000_600_000_002_700n)
    // debt base = 60_000_000_600_000_002_700 * 1e8 / 1e18 = 6_000_000_060.0000000270 -> 6_000_000_060
    expect(a.totalDebtBase).toBe(6_000_000_060n)
    // percentMul(11_550_000_000, 8750) = 10_106_250_000
    // HF = (10_106_250_000e18 + 3_000_000_030) / 6_000_000_060 = 1_684_374_983_156_250_168.4… -> …168
    expect(a.healthFactor).toBe(1_684_374_983_156_250_168n)
  })
})

/** rayMul(x, x) half up, for the comment above. */
function rayMulHalf(x: bigint): bigint {
  return (x * x + RAY / 2n) / RAY
}

describe('findLiquidationPrice', () => {
  const healthAt = (s: AaveState, asset: string, price: bigint) =>
    computeAccountData(s, { overrides: new Map([[asset.toLowerCase(), price]]) }).healthFactor

  it('collateral: the smallest integer price with HF >= 1 (hand computation)', () => {
    const s = wethUsdcAccount()
    const lp = findLiquidationPrice(s, WETH)
    expect(lp.side).toBe('collateral')
    // collateral(p) = 10e18 * p / 1e18 = 10p, avgLT 8250, debt D = 1_234_500_000_000.
    // HF >= 1e18 <=> percentMul(10p, 8250) >= D (D/2 < 1e18, so half-up wadDiv adds nothing)
    //          <=> (82_500p + 5000) / 10000 >= 1_234_500_000_000
    //          <=> p >= (12_345_000_000_000_000 - 5000) / 82_500 = 149_636_363_636.30…
    // closed form ceil(D / 8.25) = ceil(149_636_363_636.36) = 149_636_363_637 (1496.36 USD)
    const closedForm = 149_636_363_637n
    expect(lp.price).not.toBeNull()
    const p = lp.price!
    const diff = p > closedForm ? p - closedForm : closedForm - p
    expect(diff).toBeLessThanOrEqual(1n)
    expect(p).toBe(closedForm)
    expect(healthAt(s, WETH, p)).toBeGreaterThanOrEqual(WAD)
    expect(healthAt(s, WETH, p - 1n)).toBeLessThan(WAD)
  })

  it('debt: the largest integer price with HF >= 1 (hand computation)', () => {
    const s = wethUsdcAccount()
    const lp = findLiquidationPrice(s, USDC)
    expect(lp.side).toBe('debt')
    // percentMul(2e12, 8250) = 1.65e12; debt(q) = 12_345e6 * q / 1e6 = 12_345q
    // HF >= 1 <=> 12_345q <= 1_650_000_000_000 <=> q <= 133_657_351.15 -> 133_657_351
    // (12_345 * 133_657_351 = 1_649_999_998_095 <= 1.65e12; one more adds 12_345 and exceeds it)
    expect(lp.price).toBe(133_657_351n)
    expect(healthAt(s, USDC, 133_657_351n)).toBeGreaterThanOrEqual(WAD)
    expect(healthAt(s, USDC, 133_657_352n)).toBeLessThan(WAD)
  })

  it('returns null without debt', () => {
    const s = state({ reserves: [weth(), usdc()], user: [userReserve(WETH, { supplied: 10n * E18 })] })
    const lp = findLiquidationPrice(s, WETH)
    expect(lp).toEqual({ side: 'collateral', price: null })
  })

  it('returns null when the other collateral alone covers the debt at price 0', () => {
    const s = state({
      reserves: [weth(), usdc(), wbtc()],
      user: [
        userReserve(WETH, { supplied: 10n * E18 }),
        userReserve(WBTC, { supplied: 100_000_000n }),
        userReserve(USDC, { debt: 5_000n * E6 }),
      ],
    })
    // at WETH = 0: collateral 1 * 30_000e8 = 3e12, avgLT 7800, percentMul = 2.34e12 >= debt 5e11
    expect(healthAt(s, WETH, 0n)).toBeGreaterThanOrEqual(WAD)
    expect(findLiquidationPrice(s, WETH)).toEqual({ side: 'collateral', price: null })
  })

  it('returns null for a debt asset when the account is unhealthy even at price 0', () => {
    const s = state({
      reserves: [weth(), usdc(), wbtc()],
      user: [
        userReserve(WETH, { supplied: E18 }),
        userReserve(WBTC, { debt: 10_000_000n }),
        userReserve(USDC, { debt: 10n * E6 }),
      ],
    })
    // percentMul(2000e8, 8250) = 1.65e11 < WBTC debt 0.1 * 30_000e8 = 3e11 at any USDC price
    expect(healthAt(s, USDC, 0n)).toBeLessThan(WAD)
    expect(findLiquidationPrice(s, USDC)).toEqual({ side: 'debt', price: null })
  })

  it('throws for an asset that is not in the account', () => {
    expect(() => findLiquidationPrice(wethUsdcAccount(), WBTC)).toThrow(RangeError)
  })
})

describe('getIsolationAsset', () => {
  const isolatedWbtc = () => wbtc({ debtCeiling: 100_000_000n, debtCeilingDecimals: 2 })

  it('returns the only collateral when it has a debt ceiling', () => {
    const s = state({
      reserves: [weth(), usdc(), isolatedWbtc()],
      user: [userReserve(WBTC, { supplied: 10_000_000n }), userReserve(USDC, { debt: 100n * E6 })],
    })
    expect(getIsolationAsset(s)?.underlyingAsset).toBe(WBTC)
  })

  it('returns null with two collaterals, or with one collateral without a ceiling', () => {
    const two = state({
      reserves: [weth(), usdc(), isolatedWbtc()],
      user: [userReserve(WBTC, { supplied: 10_000_000n }), userReserve(WETH, { supplied: E18 })],
    })
    expect(getIsolationAsset(two)).toBeNull()
    const plain = state({ reserves: [weth(), usdc()], user: [userReserve(WETH, { supplied: E18 })] })
    expect(getIsolationAsset(plain)).toBeNull()
  })

  it('ignores a supply that is not enabled as collateral', () => {
    const s = state({
      reserves: [weth(), usdc(), isolatedWbtc()],
      user: [
        userReserve(WBTC, { supplied: 10_000_000n }),
        userReserve(WETH, { supplied: E18, collateral: false }),
      ],
    })
    expect(getIsolationAsset(s)?.symbol).toBe('WBTC')
  })
})
