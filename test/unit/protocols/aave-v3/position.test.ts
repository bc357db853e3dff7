/**
 * accountDataMatches and buildAavePosition on hand-built states (fixtures.ts). The "on-chain"
 * account data is written by hand from the same vectors as math.test.ts.
 */
import { describe, expect, it } from 'vitest'
import { ProtocolModelMismatchError } from '../../../../src/core/errors.js'
import { MAX_UINT256 } from '../../../../src/core/math.js'
import type { AaveState } from '../../../../src/protocols/aave-v3/math.js'
import {
  type AavePositionContext,
  accountDataMatches,
  baseToUsd,
  buildAavePosition,
} from '../../../../src/protocols/aave-v3/position.js'
import type { AaveAccountData } from '../../../../src/protocols/aave-v3/types.js'
import { E6, E18, ethEMode, state, USD, USDC, usdc, userReserve, WBTC, WETH, wbtc, weth } from './fixtures.js'

const CTX: AavePositionContext = { protocol: 'aave-v3', market: 'aave-v3-ethereum', chain: 'ethereum' }

/** 10 WETH at 2000 USD against 12,345 USDC (see math.test.ts for the hand computation). */
function wethUsdcAccount(): AaveState {
  return state({
    reserves: [weth(), usdc()],
    user: [userReserve(WETH, { supplied: 10n * E18 }), userReserve(USDC, { debt: 12_345n * E6 })],
  })
}

/** What Pool.getUserAccountData returns for {@link wethUsdcAccount}. */
const ON_CHAIN: AaveAccountData = {
  totalCollateralBase: 2_000_000_000_000n, // 10 * 2000e8
  totalDebtBase: 1_234_500_000_000n, // 12_345 * 1e8
  availableBorrowsBase: 365_500_000_000n, // 2e12 * 80% - 1.2345e12
  currentLiquidationThreshold: 8_250n,
  ltv: 8_000n,
  healthFactor: 1_336_573_511_543_134_872n, // (1.65e30 + 6.1725e11) / 1.2345e12
}

function expectModelMismatch(fn: () => unknown): ProtocolModelMismatchError {
  let caught: unknown
  try {
    fn()
  } catch (err) {
    caught = err
  }
  expect(caught).toBeInstanceOf(ProtocolModelMismatchError)
  const err = caught as ProtocolModelMismatchError
  expect(err.code).toBe('PROTOCOL_MODEL_MISMATCH')
  return err
}

describe('accountDataMatches', () => {
  it('accepts identical data', () => {
    expect(accountDataMatches(ON_CHAIN, ON_CHAIN)).toBe(true)
  })

  // Issue 12: every version's rounding is modelled, so the check is exact (it used to allow one
  // base unit per asset and 1 bps of LT, which hid v3.5's floor/ceil rounding).
  it('refuses a difference of one wei / one bps in any field', () => {
    const fields = [
      'totalCollateralBase',
      'totalDebtBase',
      'availableBorrowsBase',
      'currentLiquidationThreshold',
      'ltv',
      'healthFactor',
    ] as const
    for (const f of fields) {
      expect(accountDataMatches({ ...ON_CHAIN, [f]: ON_CHAIN[f] + 1n }, ON_CHAIN)).toBe(false)
      expect(accountDataMatches({ ...ON_CHAIN, [f]: ON_CHAIN[f] - 1n }, ON_CHAIN)).toBe(false)
    }
  })
})

describe('baseToUsd', () => {
  it('divides by the base unit and multiplies by the base price in USD', () => {
    const base = state({ reserves: [], user: [] }).market.baseCurrency
    // 1_234_500_000_000 / 1e8 * (1e8 / 1e8) = 12_345
    expect(baseToUsd(1_234_500_000_000n, base)).toBe(12_345)
    // an ETH-based market: unit 1e18, 1 ETH = 2000 USD (2000e8)
    expect(baseToUsd(3n * E18, { ...base, unit: E18, priceInUsd: 2_000n * USD })).toBe(6_000)
  })
})

describe('buildAavePosition', () => {
  it('throws PROTOCOL_MODEL_MISMATCH when the on-chain account data disagrees', () => {
    const s = wethUsdcAccount()
    const err = expectModelMismatch(() =>
      buildAavePosition(s, { ...ON_CHAIN, totalCollateralBase: 2_100_000_000_000n }, CTX),
    )
    expect(err.context).toMatchObject({ protocol: 'aave-v3', market: 'aave-v3-ethereum', chain: 'ethereum' })
    // a liquidation threshold the model does not reproduce (e.g. eMode applied on chain)
    expectModelMismatch(() => buildAavePosition(s, { ...ON_CHAIN, currentLiquidationThreshold: 9_300n }, CTX))
    expectModelMismatch(() => buildAavePosition(s, { ...ON_CHAIN, totalDebtBase: 0n }, CTX))
  })

  it('builds legs with raw amounts and USD values when the data matches', () => {
    const p = buildAavePosition(wethUsdcAccount(), ON_CHAIN, CTX)
    expect(p).not.toBeNull()
    const pos = p!
    expect(pos).toMatchObject({
      status: 'ok',
      protocol: 'aave-v3',
      market: 'aave-v3-ethereum',
      chain: 'ethereum',
      kind: 'lending',
    })
    expect(pos.legs).toEqual([
      {
        asset: { symbol: 'WETH', address: WETH, decimals: 18 },
        side: 'collateral',
        amount: 10n * E18,
        usd: 20_000, // 10 WETH * 2000 USD
        priceUsd: 2_000,
        countsAsCollateral: true,
        liquidationThresholdBps: 8_250,
        ltvBps: 8_000,
        liquidationBonusBps: 10_500, // the WETH reserve's bonus (fixtures.ts weth())
      },
      {
        asset: { symbol: 'USDC', address: USDC, decimals: 6 },
        side: 'debt',
        amount: 12_345n * E6,
        usd: 12_345,
        priceUsd: 1,
      },
    ])
    expect(pos.collateralUsd).toBe(20_000)
    expect(pos.debtUsd).toBe(12_345)
    // the served HF is the Pool's own value
    expect(pos.healthFactorWad).toBe(1_336_573_511_543_134_872n)
    expect(pos.healthFactor).toBeCloseTo(1.336_573_511_543, 12)
  })

  it('reports the liquidation prices of both sides (hand computation in math.test.ts)', () => {
    const pos = buildAavePosition(wethUsdcAccount(), ON_CHAIN, CTX)!
    expect(pos.liquidationPrices).toHaveLength(2)
    const [eth, usd] = pos.liquidationPrices
    // smallest WETH price with HF >= 1: 149_636_363_637 base units = 1496.36363637 USD
    expect(eth).toMatchObject({ asset: WETH, symbol: 'WETH', side: 'collateral', currentPrice: 2_000 })
    expect(eth!.price).toBeCloseTo(1_496.363_636_37, 8)
    // 1496.36363637 / 2000 - 1 = -0.251818181815
    expect(eth!.distance).toBeCloseTo(-0.251_818_181_815, 10)
    // largest USDC price with HF >= 1: 133_657_351 = 1.33657351 USD
    expect(usd).toMatchObject({ asset: USDC, symbol: 'USDC', side: 'debt', currentPrice: 1 })
    expect(usd!.price).toBeCloseTo(1.336_573_51, 8)
  })

  it('fills the details from the on-chain account data', () => {
    const pos = buildAavePosition(wethUsdcAccount(), ON_CHAIN, CTX)!
    expect(pos.details).toMatchObject({
      layout: 'v3.0',
      eMode: null,
      isolationMode: null,
      totalCollateralBase: '2000000000000',
      totalDebtBase: '1234500000000',
      baseCurrencyUnit: '100000000',
      collateralCountedUsd: 20_000,
      availableBorrowsUsd: 3_655,
      currentLiquidationThresholdBps: 8_250,
      ltvBps: 8_000,
    })
  })

  it('has a null health factor and no liquidation prices without debt', () => {
    const s = state({ reserves: [weth(), usdc()], user: [userReserve(WETH, { supplied: 10n * E18 })] })
    const onChain: AaveAccountData = {
      totalCollateralBase: 2_000_000_000_000n,
      totalDebtBase: 0n,
      availableBorrowsBase: 1_600_000_000_000n,
      currentLiquidationThreshold: 8_250n,
      ltv: 8_000n,
      healthFactor: MAX_UINT256,
    }
    const pos = buildAavePosition(s, onChain, CTX)!
    expect(pos.healthFactor).toBeNull()
    expect(pos.healthFactorWad).toBeNull()
    expect(pos.liquidationPrices).toEqual([])
    expect(pos.debtUsd).toBe(0)
    expect(pos.legs).toHaveLength(1)
    expect(pos.legs[0]).toMatchObject({ side: 'collateral', amount: 10n * E18, usd: 20_000 })
  })

  it('returns null when the user has no balance in the market', () => {
    const s = state({ reserves: [weth(), usdc()], user: [userReserve(WETH), userReserve(USDC)] })
    const zero: AaveAccountData = {
      totalCollateralBase: 0n,
      totalDebtBase: 0n,
      availableBorrowsBase: 0n,
      currentLiquidationThreshold: 0n,
      ltv: 0n,
      healthFactor: MAX_UINT256,
    }
    expect(buildAavePosition(s, zero, CTX)).toBeNull()
  })

  it('lists a supply not enabled as collateral as a non-counting collateral leg', () => {
    const s = state({
      reserves: [weth(), usdc(), wbtc()],
      user: [
        userReserve(WETH, { supplied: 10n * E18 }),
        userReserve(WBTC, { supplied: 100_000_000n, collateral: false }),
        userReserve(USDC, { debt: 12_345n * E6 }),
      ],
    })
    const pos = buildAavePosition(s, ON_CHAIN, CTX)!
    const btc = pos.legs.find((l) => l.asset.symbol === 'WBTC')
    expect(btc).toMatchObject({
      side: 'collateral',
      amount: 100_000_000n,
      usd: 30_000,
      countsAsCollateral: false,
    })
    // collateralUsd sums every collateral leg; the counted collateral stays the Pool's 20,000
    expect(pos.collateralUsd).toBe(50_000)
    expect(pos.details.collateralCountedUsd).toBe(20_000)
    // no liquidation price for an asset that does not count
    expect(pos.liquidationPrices.map((l) => l.symbol)).toEqual(['WETH', 'USDC'])
  })

  it('reports isolation mode and the user eMode in the details', () => {
    const isolated = state({
      reserves: [weth(), usdc(), wbtc({ debtCeiling: 100_000_000n, isolationModeTotalDebt: 1_234_500n })],
      user: [userReserve(WBTC, { supplied: 100_000_000n }), userReserve(USDC, { debt: 12_345n * E6 })],
    })
    // WBTC: 1 * 30_000e8 = 3e12, LT 7800
    const onChain: AaveAccountData = {
      totalCollateralBase: 3_000_000_000_000n,
      totalDebtBase: 1_234_500_000_000n,
      availableBorrowsBase: 955_500_000_000n,
      currentLiquidationThreshold: 7_800n,
      ltv: 7_300n,
      // percentMul(3e12, 7800) = 2.34e12; HF = (2.34e30 + 6.1725e11) / 1.2345e12
      healthFactor: 1_895_504_252_733_900_365n,
    }
    const pos = buildAavePosition(isolated, onChain, CTX)!
    // debt ceiling 100_000_000 at 2 decimals = 1,000,000.00 USD; total 1_234_500 = 12,345.00 USD
    expect(pos.details.isolationMode).toEqual({
      asset: WBTC,
      symbol: 'WBTC',
      debtCeilingUsd: 1_000_000,
      isolationModeTotalDebtUsd: 12_345,
    })

    const inEMode = state({
      reserves: [weth({ eModeCategoryId: 1 }), usdc()],
      eModes: [ethEMode()],
      eModeCategoryId: 1,
      user: [userReserve(WETH, { supplied: 10n * E18 }), userReserve(USDC, { debt: 12_345n * E6 })],
    })
    const eModeOnChain: AaveAccountData = {
      ...ON_CHAIN,
      currentLiquidationThreshold: 9_300n,
      ltv: 9_000n,
      availableBorrowsBase: 565_500_000_000n,
      // percentMul(2e12, 9300) = 1.86e12; wadDiv half up: (1.86e30 + 6.1725e11) / 1.2345e12 (the
      // tolerant check of old never compared the HF, so this vector used to carry ON_CHAIN's)
      healthFactor: 1_506_682_867_557_715_674n,
    }
    const eModePos = buildAavePosition(inEMode, eModeOnChain, CTX)!
    expect(eModePos.details.eMode).toEqual({
      id: 1,
      label: 'ETH correlated',
      ltvBps: 9_000,
      liquidationThresholdBps: 9_300,
      liquidationBonusBps: 10_100,
    })
    expect(eModePos.legs[0]!.liquidationThresholdBps).toBe(9_300)
  })
})
