/**
 * Comet account math against hand computations that follow Comet.sol isLiquidatable /
 * isBorrowCollateralized (compound-finance/comet): borrow value = -signedMulPrice(presentValue
 * (principal), basePrice, baseScale) with presentValueBorrow = principal * storedIndex / 1e15
 * truncated; each counted collateral adds mulFactor(mulPrice(balance, price, scale), factor), both
 * truncated; liquidatable when the sum is below the borrow value. HF = floor(sum * 1e18 / borrow).
 */
import { describe, expect, it } from 'vitest'
import {
  availableToBorrow,
  computeCometLiquidity,
  divPrice,
  findCometLiquidationPrice,
  mulFactor,
  mulPrice,
  presentValue,
  presentValueBorrow,
  signedMulPrice,
} from '../../../../src/protocols/compound-v3/math.js'
import { collateral, E18, simpleAccount, twoCollateralAccount, USDC, WBTC, WETH, WSTETH } from './fixtures.js'

describe('Comet integer primitives', () => {
  it('present values truncate; signedMulPrice truncates toward zero like Solidity', () => {
    // 20_000_000_000 * 1_031_234_567_890_123 / 1e15 = 20_624_691_357.80246 -> 20_624_691_357
    expect(presentValueBorrow(1_031_234_567_890_123n, 20_000_000_000n)).toBe(20_624_691_357n)
    expect(presentValue(-20_000_000_000n, 10n ** 15n, 1_031_234_567_890_123n)).toBe(-20_624_691_357n)
    // supply at 1.01: 5_000_000 * 1.01 = 5_050_000
    expect(presentValue(5_000_000n, 1_010_000_000_000_000n, 10n ** 15n)).toBe(5_050_000n)
    // -7 * 3 / 2 = -10.5 -> -10 (toward zero), not -11 (floor)
    expect(signedMulPrice(-7n, 3n, 2n)).toBe(-10n)
    expect(signedMulPrice(7n, 3n, 2n)).toBe(10n)
  })

  it('mulPrice, mulFactor, divPrice truncate', () => {
    // 1.5e18 * 312_345_678_901 / 1e18 = 468_518_518_351.5 -> 468_518_518_351
    expect(mulPrice(1_500_000_000_000_000_000n, 312_345_678_901n, E18)).toBe(468_518_518_351n)
    // 468_518_518_351 * 0.895 = 419_324_073_924.145 -> 419_324_073_924
    expect(mulFactor(468_518_518_351n, 895_000_000_000_000_000n)).toBe(419_324_073_924n)
    // 1_000e8 value at 0.99987654 into 6 decimals: 1e11 * 1e6 / 99_987_654 = 1_000_123_475.2 -> 1_000_123_475
    expect(divPrice(100_000_000_000n, 99_987_654n, 1_000_000n)).toBe(1_000_123_475n)
  })
})

describe('computeCometLiquidity (hand computation, Comet.isLiquidatable)', () => {
  it('two collaterals at odd prices: liquidation and borrow checks disagree', () => {
    const l = computeCometLiquidity(twoCollateralAccount())
    // borrow = 20_624_691_357 (above); value = 20_624_691_357 * 99_987_654 / 1e6
    //        = 2_062_214_503_260.506 -> 2_062_214_503_260
    expect(l.presentValue).toBe(-20_624_691_357n)
    expect(l.debtValue).toBe(2_062_214_503_260n)
    // WETH: mulPrice = 468_518_518_351; x0.895 = 419_324_073_924; x0.825 = 386_527_777_639
    // WBTC: 37_000_000 * 6_123_456_789_012 / 1e8 = 2_265_679_011_934.44 -> 2_265_679_011_934;
    //       x0.77 = 1_744_572_839_189.18 -> 1_744_572_839_189; x0.70 = 1_585_975_308_353.8 -> 1_585_975_308_353
    expect(l.liquidationCollateralValue).toBe(419_324_073_924n + 1_744_572_839_189n)
    expect(l.borrowCollateralValue).toBe(386_527_777_639n + 1_585_975_308_353n)
    // HF = 2_163_896_913_113e18 / 2_062_214_503_260 = 1.049307387612810363...e18 (truncated)
    expect(l.healthFactor).toBe(1_049_307_387_612_810_363n)
    // borrow HF = 1_972_503_085_992e18 / 2_062_214_503_260 = 0.956497533536796507e18
    expect(l.borrowHealthFactor).toBe(956_497_533_536_796_507n)
    expect(l.liquidatable).toBe(false)
    expect(l.borrowCollateralized).toBe(false)
  })

  it('an asset without its assetsIn bit does not count, whatever its balance', () => {
    const s = twoCollateralAccount()
    s.collaterals[1] = { ...s.collaterals[1]!, inAsset: false }
    const l = computeCometLiquidity(s)
    expect(l.liquidationCollateralValue).toBe(419_324_073_924n)
    // 419_324_073_924 < 2_062_214_503_260: liquidatable; HF = 0.203336...e18
    expect(l.liquidatable).toBe(true)
    expect(l.healthFactor).toBe((419_324_073_924n * E18) / 2_062_214_503_260n)
    expect(l.healthFactor! < E18).toBe(true)
  })

  it('no borrow: never liquidatable, always collateralized, HF null', () => {
    for (const principal of [0n, 5_000_000n]) {
      const l = computeCometLiquidity(twoCollateralAccount({ principal }))
      expect(l.debtValue).toBe(0n)
      expect(l.liquidatable).toBe(false)
      expect(l.borrowCollateralized).toBe(true)
      expect(l.healthFactor).toBeNull()
      expect(l.borrowHealthFactor).toBeNull()
    }
  })

  it('a dust borrow worth 0 price units: not liquidatable (Comet: liquidity 0 is not < 0), HF null', () => {
    // 1 wei of an 18-decimal base at 3000e8: -1 * 3000e8 / 1e18 = -3e-7 -> 0 toward zero
    const l = computeCometLiquidity(
      twoCollateralAccount({ principal: -1n, baseScale: E18, basePrice: 300_000_000_000n, collaterals: [] }),
    )
    expect(l.debtValue).toBe(0n)
    expect(l.liquidatable).toBe(false)
    expect(l.healthFactor).toBeNull()
  })

  it('HF < 1 exactly at the boundary: equal values are not liquidatable', () => {
    // 10 WETH x 1200e8 x 0.9 = 10_800e8 vs borrow 10_800 USDC at 1: equal -> HF exactly 1e18
    const s = simpleAccount({ principal: -10_800_000_000n })
    s.collaterals[0] = { ...s.collaterals[0]!, price: 120_000_000_000n }
    const l = computeCometLiquidity(s)
    expect(l.healthFactor).toBe(E18)
    expect(l.liquidatable).toBe(false)
    // one more micro-USDC of borrow: 10_800.000001 -> 1_080_000_000_100 > 1_080_000_000_000
    const m = computeCometLiquidity({ ...s, principal: -10_800_000_001n })
    expect(m.liquidatable).toBe(true)
    expect(m.healthFactor! < E18).toBe(true)
  })

  it('price overrides by asset, base included', () => {
    const s = simpleAccount()
    const l = computeCometLiquidity(s, new Map([[WETH.toLowerCase(), 100_000_000_000n]]))
    // 10 x 1000e8 x 0.9 = 9_000e8 < 12_000e8
    expect(l.liquidationCollateralValue).toBe(900_000_000_000n)
    expect(l.liquidatable).toBe(true)
    const b = computeCometLiquidity(s, new Map([[USDC.toLowerCase(), 300_000_000n]]))
    // borrow 12_000 at 3 USD = 36_000e8 > 27_000e8
    expect(b.debtValue).toBe(3_600_000_000_000n)
    expect(b.liquidatable).toBe(true)
  })

  it('availableToBorrow = divPrice(borrow value room, base price, baseScale)', () => {
    const s = simpleAccount()
    // borrow value room = 10 x 3000e8 x 0.85 - 12_000e8 = 25_500e8 - 12_000e8 = 13_500e8 -> 13_500 USDC
    expect(availableToBorrow(s, computeCometLiquidity(s))).toBe(13_500_000_000n)
    const t = twoCollateralAccount()
    expect(availableToBorrow(t, computeCometLiquidity(t))).toBe(0n)
  })
})

describe('findCometLiquidationPrice', () => {
  it('collateral: the smallest price that keeps the account off isLiquidatable (hand: 1333.33333334)', () => {
    // need floor(10 x p x 0.9) >= 12_000e8 -> 9p >= 1.2e12 -> p >= 133_333_333_333.3 -> 133_333_333_334
    const lp = findCometLiquidationPrice(simpleAccount(), WETH)
    expect(lp).toEqual({ side: 'collateral', price: 133_333_333_334n })
  })

  it('base (debt side): the largest base price that keeps it safe (hand: 2.25)', () => {
    // need 12_000 x pb <= 27_000e8 -> pb <= 225_000_000
    const lp = findCometLiquidationPrice(simpleAccount(), USDC)
    expect(lp).toEqual({ side: 'debt', price: 225_000_000n })
  })

  it('is exactly the boundary of the integer formula on an odd account', () => {
    const s = twoCollateralAccount()
    for (const asset of [WETH, WBTC]) {
      const { price } = findCometLiquidationPrice(s, asset)
      const at = (p: bigint) => computeCometLiquidity(s, new Map([[asset.toLowerCase(), p]])).liquidatable
      expect(price).not.toBeNull()
      expect(at(price!)).toBe(false)
      expect(at(price! - 1n)).toBe(true)
    }
    const { price } = findCometLiquidationPrice(s, USDC)
    const at = (p: bigint) => computeCometLiquidity(s, new Map([[USDC.toLowerCase(), p]])).liquidatable
    expect(at(price!)).toBe(false)
    expect(at(price! + 1n)).toBe(true)
  })

  it('null without a borrow, for an uncounted asset, or when other collateral covers the debt alone', () => {
    expect(findCometLiquidationPrice(simpleAccount({ principal: 0n }), WETH).price).toBeNull()
    const s = twoCollateralAccount()
    s.collaterals[0] = { ...s.collaterals[0]!, inAsset: false }
    expect(findCometLiquidationPrice(s, WETH).price).toBeNull()
    // WBTC alone is worth 1_744_572_839_189 x ... add a big wstETH that covers everything
    const covered = simpleAccount({
      collaterals: [
        ...simpleAccount().collaterals,
        collateral({ offset: 2, asset: WSTETH, balance: 100n * E18, price: 300_000_000_000n }),
      ],
    })
    expect(findCometLiquidationPrice(covered, WETH).price).toBeNull()
    expect(() => findCometLiquidationPrice(simpleAccount(), WSTETH)).toThrow(RangeError)
  })
})
