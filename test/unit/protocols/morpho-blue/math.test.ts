/**
 * Morpho Blue math against hand computations that follow the Morpho Blue 1.0.0 sources in
 * node_modules/@morpho-org/morpho-blue/src:
 * - libraries/SharesMathLib.sol: VIRTUAL_SHARES = 1e6, VIRTUAL_ASSETS = 1,
 *   toAssetsDown/Up(shares, A, S) = shares * (A + 1) / (S + 1e6) rounded down / up;
 * - libraries/MathLib.sol: wMulDown(x, y) = x * y / 1e18 (down), wDivDown(x, y) = x * 1e18 / y (down),
 *   wTaylorCompounded(x, n) = xn + (xn)^2 / 2e18 + ((xn)^2 / 2e18) * xn / 3e18 (each term down);
 * - Morpho.sol `_accrueInterest`: interest = wMulDown(totalBorrowAssets, wTaylorCompounded(rate, elapsed)),
 *   both totals grow by it, feeShares = toSharesDown(wMulDown(interest, fee), totalSupplyAssets_new - feeAmount,
 *   totalSupplyShares); nothing happens when elapsed = 0;
 * - Morpho.sol `_isHealthy`: borrowed = toAssetsUp(borrowShares), maxBorrow = wMulDown(mulDivDown(collateral,
 *   price, ORACLE_PRICE_SCALE = 1e36), lltv), healthy <=> maxBorrow >= borrowed;
 * - Morpho.sol `liquidate`: LIF = min(MAX_LIQUIDATION_INCENTIVE_FACTOR = 1.15e18,
 *   wDivDown(1e18, 1e18 - wMulDown(LIQUIDATION_CURSOR = 0.3e18, 1e18 - lltv))) (libraries/ConstantsLib.sol).
 */
import { describe, expect, it } from 'vitest'
import { WAD } from '../../../../src/core/math.js'
import {
  accrueInterest,
  LIQUIDATION_CURSOR,
  liquidationIncentiveFactor,
  liquidationOraclePrice,
  MAX_LIQUIDATION_INCENTIVE_FACTOR,
  type MorphoMarketState,
  type MorphoPositionState,
  ORACLE_PRICE_SCALE,
  positionHealth,
  toAssetsDown,
  toAssetsUp,
  VIRTUAL_ASSETS,
  VIRTUAL_SHARES,
  wMulDown,
  wTaylorCompounded,
} from '../../../../src/protocols/morpho-blue/math.js'

const E6 = 10n ** 6n
const E8 = 10n ** 8n
const E18 = 10n ** 18n

/** A market whose shares were all minted at the initial rate 1e6 shares per asset (S = A * 1e6). */
function market(over: Partial<MorphoMarketState> = {}): MorphoMarketState {
  return {
    totalSupplyAssets: 10_000_000n * E6,
    totalSupplyShares: 10_000_000n * E6 * VIRTUAL_SHARES,
    totalBorrowAssets: 0n,
    totalBorrowShares: 0n,
    lastUpdate: 1_700_000_000n,
    fee: 0n,
    ...over,
  }
}

/** A market where `borrowShares` of a lone borrower are worth exactly `assets`: S = A * 1e6, so (A + 1) / (S + 1e6) = 1e-6. */
function borrowMarket(assets: bigint): MorphoMarketState {
  return market({ totalBorrowAssets: assets, totalBorrowShares: assets * VIRTUAL_SHARES })
}

/** Morpho.sol `_isHealthy(marketParams, id, borrower, collateralPrice)`, written out independently. */
function morphoIsHealthy(
  pos: MorphoPositionState,
  m: MorphoMarketState,
  price: bigint,
  lltv: bigint,
): boolean {
  const a = pos.borrowShares * (m.totalBorrowAssets + 1n)
  const d = m.totalBorrowShares + 1_000_000n
  const borrowed = (a + d - 1n) / d // mulDivUp as MathLib writes it: (x * y + (d - 1)) / d
  const maxBorrow = (((pos.collateral * price) / 10n ** 36n) * lltv) / E18
  return maxBorrow >= borrowed
}

describe('constants (ConstantsLib.sol, SharesMathLib.sol)', () => {
  it('match Morpho Blue 1.0.0', () => {
    expect(VIRTUAL_SHARES).toBe(1_000_000n)
    expect(VIRTUAL_ASSETS).toBe(1n)
    expect(ORACLE_PRICE_SCALE).toBe(10n ** 36n)
    expect(LIQUIDATION_CURSOR).toBe(300_000_000_000_000_000n)
    expect(MAX_LIQUIDATION_INCENTIVE_FACTOR).toBe(1_150_000_000_000_000_000n)
  })
})

describe('SharesMathLib.toAssetsDown / toAssetsUp (virtual shares)', () => {
  it('an empty market converts at 1e6 shares per asset, (0 + 1) / (0 + 1e6)', () => {
    // 1e6 * 1 / 1e6 = 1 exactly
    expect(toAssetsDown(1_000_000n, 0n, 0n)).toBe(1n)
    expect(toAssetsUp(1_000_000n, 0n, 0n)).toBe(1n)
    // 999,999 * 1 / 1e6 = 0.999999 -> down 0, up 1
    expect(toAssetsDown(999_999n, 0n, 0n)).toBe(0n)
    expect(toAssetsUp(999_999n, 0n, 0n)).toBe(1n)
    // 1 * 1 / 1e6 -> down 0, up 1; zero shares are zero both ways
    expect(toAssetsDown(1n, 0n, 0n)).toBe(0n)
    expect(toAssetsUp(1n, 0n, 0n)).toBe(1n)
    expect(toAssetsUp(0n, 123n, 456n)).toBe(0n)
  })

  it('S = A * 1e6 makes the rate exactly 1e-6: (A + 1) / (A*1e6 + 1e6) = 1 / 1e6', () => {
    // A = 1000, S = 1e9: 1,500,000 * 1001 / 1,001,000,000 = 1,501,500,000 / 1,001,000,000 = 1.5 -> 1 / 2
    expect(toAssetsDown(1_500_000n, 1000n, 1_000_000_000n)).toBe(1n)
    expect(toAssetsUp(1_500_000n, 1000n, 1_000_000_000n)).toBe(2n)
    // 3e9 shares -> exactly 3000 both ways
    expect(toAssetsDown(3_000_000_000n, 1000n, 1_000_000_000n)).toBe(3000n)
    expect(toAssetsUp(3_000_000_000n, 1000n, 1_000_000_000n)).toBe(3000n)
  })

  it('the virtual shares keep a lone holder from owning all the assets', () => {
    // A = 2e6 (interest doubled the assets), S = 1e12 all held by one account:
    // 1e12 * 2,000,001 / 1,000,001,000,000 = 2,000,001e6 / 1,000,001
    // 1,000,001 * 1,999,999 = 2,000,000,999,999 -> quotient 1,999,999, remainder 1
    expect(toAssetsDown(10n ** 12n, 2_000_000n, 10n ** 12n)).toBe(1_999_999n)
    expect(toAssetsUp(10n ** 12n, 2_000_000n, 10n ** 12n)).toBe(2_000_000n)
  })
})

describe('MathLib.wMulDown', () => {
  it('multiplies in WAD and rounds down', () => {
    // 1.5 * 2.5 = 3.75
    expect(wMulDown(15n * 10n ** 17n, 25n * 10n ** 17n)).toBe(375n * 10n ** 16n)
    // 3 * 0.5 = 1.5 -> 1
    expect(wMulDown(3n, 5n * 10n ** 17n)).toBe(1n)
    // (1e18 - 1)^2 / 1e18 = (1e36 - 2e18 + 1) / 1e18 = (1e18 - 2) + 1/1e18 -> 1e18 - 2
    expect(wMulDown(E18 - 1n, E18 - 1n)).toBe(E18 - 2n)
    // 1 wei * 0.999... -> 0
    expect(wMulDown(1n, E18 - 1n)).toBe(0n)
    expect(wMulDown(0n, E18)).toBe(0n)
  })
})

describe('MathLib.wTaylorCompounded', () => {
  it('x = 1e9, n = 1e9: e^1 - 1 by three terms', () => {
    // first = 1e18; second = 1e36 / 2e18 = 5e17; third = 5e17 * 1e18 / 3e18 = 166,666,666,666,666,666.6 -> ...666
    // sum = 1,666,666,666,666,666,666
    expect(wTaylorCompounded(10n ** 9n, 10n ** 9n)).toBe(1_666_666_666_666_666_666n)
  })

  it('x = 1e10, n = 1e6 (1% over the period)', () => {
    // first = 1e16; second = 1e32 / 2e18 = 5e13; third = 5e13 * 1e16 / 3e18 = 166,666,666,666.6 -> 166,666,666,666
    // sum = 10,000,000,000,000,000 + 50,000,000,000,000 + 166,666,666,666 = 10,050,166,666,666,666
    expect(wTaylorCompounded(10n ** 10n, 10n ** 6n)).toBe(10_050_166_666_666_666n)
  })

  it('10% APR per second over a 365-day year', () => {
    // x = floor(0.1e18 / 31,536,000) = 3,170,979,198; n = 31,536,000
    // first = 3,170,979,198 * 31,536,000 = 99,999,999,988,128,000
    // second = first^2 / 2e18 = 4,999,999,998,812,800 (down)
    // third = second * first / 3e18 = 166,666,666,607,306 (down)
    // sum = 105,166,666,653,548,106 (~ e^0.1 - 1 = 0.10517)
    expect(wTaylorCompounded(3_170_979_198n, 31_536_000n)).toBe(105_166_666_653_548_106n)
    expect(wTaylorCompounded(3_170_979_198n, 0n)).toBe(0n)
  })
})

describe('Morpho._accrueInterest', () => {
  // 1,000 USDC supplied (1e9 units, 1e15 shares), 500 USDC borrowed (5e8 units, 5e14 shares).
  const base = market({
    totalSupplyAssets: 1000n * E6,
    totalSupplyShares: 1000n * E6 * VIRTUAL_SHARES,
    totalBorrowAssets: 500n * E6,
    totalBorrowShares: 500n * E6 * VIRTUAL_SHARES,
    lastUpdate: 1000n,
  })
  // rate 1e10 per second over 1e6 seconds: wTaylorCompounded = 10,050,166,666,666,666 (above)
  // interest = wMulDown(5e8, 10,050,166,666,666,666) = 5,025,083.33 -> 5,025,083
  const interest = 5_025_083n

  it('without fee: both totals grow by the interest, no shares are minted', () => {
    const after = accrueInterest(base, 10n ** 10n, 1000n + 10n ** 6n)
    expect(after).toEqual({
      totalSupplyAssets: 1000n * E6 + interest,
      totalSupplyShares: 1000n * E6 * VIRTUAL_SHARES,
      totalBorrowAssets: 500n * E6 + interest,
      totalBorrowShares: 500n * E6 * VIRTUAL_SHARES,
      lastUpdate: 1000n + 10n ** 6n,
      fee: 0n,
    })
  })

  it('with a 10% fee: the fee is minted as supply shares against the supply net of the fee', () => {
    const after = accrueInterest({ ...base, fee: 10n ** 17n }, 10n ** 10n, 1000n + 10n ** 6n)
    // feeAmount = wMulDown(5,025,083, 0.1e18) = 502,508.3 -> 502,508
    // feeShares = toSharesDown(502,508, 1e9 + 5,025,083 - 502,508, 1e15)
    //           = 502,508 * (1e15 + 1e6) / (1,004,522,575 + 1)
    //           = 502,508,000,502,508,000,000 / 1,004,522,576 = 500,245,601,749.x -> 500,245,601,749
    expect(after.totalSupplyShares).toBe(1000n * E6 * VIRTUAL_SHARES + 500_245_601_749n)
    expect(after.totalSupplyAssets).toBe(1000n * E6 + interest)
    expect(after.totalBorrowAssets).toBe(500n * E6 + interest)
    expect(after.totalBorrowShares).toBe(base.totalBorrowShares)
    expect(after.fee).toBe(10n ** 17n)
    expect(after.lastUpdate).toBe(1000n + 10n ** 6n)
  })

  it('elapsed 0 returns the very same object (Morpho returns early); a rate of 0 only moves lastUpdate', () => {
    expect(accrueInterest(base, 10n ** 10n, base.lastUpdate)).toBe(base)
    const idle = accrueInterest(base, 0n, base.lastUpdate + 3600n)
    expect(idle).toEqual({ ...base, lastUpdate: base.lastUpdate + 3600n })
  })
})

describe('Morpho._isHealthy (positionHealth)', () => {
  // 1 WETH (18 decimals) at 2,000 USDC (6 decimals): price = 2000e6 * 1e36 / 1e18 = 2e27.
  const price = 2n * 10n ** 27n
  const lltv = 86n * 10n ** 16n
  // maxBorrow = wMulDown(mulDivDown(1e18, 2e27, 1e36), 0.86e18) = wMulDown(2000e6, 0.86e18) = 1,720e6
  const maxBorrow = 1720n * E6

  it('borrowed = maxBorrow exactly is healthy with HF = 1e18', () => {
    const h = positionHealth(
      { supplyShares: 0n, borrowShares: maxBorrow * VIRTUAL_SHARES, collateral: E18 },
      borrowMarket(maxBorrow),
      price,
      lltv,
    )
    expect(h).toEqual({ borrowed: maxBorrow, supplied: 0n, maxBorrow, healthFactor: E18, healthy: true })
  })

  it('one loan unit more is unhealthy; HF = 1720e6 * 1e18 / 1,720,000,001 rounded down', () => {
    const h = positionHealth(
      { supplyShares: 0n, borrowShares: (maxBorrow + 1n) * VIRTUAL_SHARES, collateral: E18 },
      borrowMarket(maxBorrow + 1n),
      price,
      lltv,
    )
    expect(h.borrowed).toBe(maxBorrow + 1n)
    expect(h.healthy).toBe(false)
    // 1.72e27 / 1,720,000,001 = 999,999,999,418,604,651.5 -> ...651
    expect(h.healthFactor).toBe(999_999_999_418_604_651n)
  })

  it('the borrowed amount rounds UP (toAssetsUp): one share short of 1720e12 still counts 1720e6', () => {
    const m = borrowMarket(maxBorrow)
    // (1720e12 - 1) * (1720e6 + 1) / (1720e12 + 1e6) = 1720e6 - 1e-6 -> up: 1720e6
    const h = positionHealth(
      { supplyShares: 0n, borrowShares: maxBorrow * E6 - 1n, collateral: E18 },
      m,
      price,
      lltv,
    )
    expect(h.borrowed).toBe(maxBorrow)
    expect(h.healthy).toBe(true)
    // and one collateral wei less: mulDivDown(1e18 - 1, 2e27, 1e36) = 1,999,999,999 -> wMulDown -> 1,719,999,999
    const less = positionHealth(
      { supplyShares: 0n, borrowShares: maxBorrow * E6, collateral: E18 - 1n },
      m,
      price,
      lltv,
    )
    expect(less.maxBorrow).toBe(1_719_999_999n)
    expect(less.healthy).toBe(false)
  })

  it('a supply-only position: supplied rounds down, HF null, healthy', () => {
    // supply side: 5,000e6 USDC = 5e15 shares of a market with A = 10,000,000e6 + 1 (interest), S = 1e19:
    // 5e15 * (1e13 + 2) / (1e19 + 1e6) = 5,000,000,000 remainder 5e15 (i.e. ...000.0005) -> 5,000,000,000
    const m = market({ totalSupplyAssets: 10n ** 13n + 1n, totalSupplyShares: 10n ** 19n })
    const h = positionHealth(
      { supplyShares: 5n * 10n ** 15n, borrowShares: 0n, collateral: 0n },
      m,
      price,
      lltv,
    )
    expect(h).toEqual({
      borrowed: 0n,
      supplied: 5000n * E6,
      maxBorrow: 0n,
      healthFactor: null,
      healthy: true,
    })
  })
})

describe('liquidationOraclePrice: the smallest oracle price at which Morpho says healthy', () => {
  it('lands exactly on a round price: 1 WETH, 1,720 USDC borrowed, LLTV 86% -> 2e27 (2,000 USDC/WETH)', () => {
    // need mulDivDown(1e18, p, 1e36) >= ceil(1720e6 * 1e18 / 0.86e18) = 2000e6 exactly -> p = 2000e6 * 1e36 / 1e18 = 2e27
    // p - 1: floor((2e45 - 1e18) / 1e36) = 1,999,999,999 -> * 0.86 = 1,719,999,999 < 1,720e6
    const pos = { supplyShares: 0n, borrowShares: 1720n * E6 * VIRTUAL_SHARES, collateral: E18 }
    const m = borrowMarket(1720n * E6)
    const lltv = 86n * 10n ** 16n
    expect(liquidationOraclePrice(pos, m, lltv)).toBe(2n * 10n ** 27n)
    expect(morphoIsHealthy(pos, m, 2n * 10n ** 27n, lltv)).toBe(true)
    expect(morphoIsHealthy(pos, m, 2n * 10n ** 27n - 1n, lltv)).toBe(false)
  })

  it('1 wei of collateral against 1 unit of debt at LLTV 86%: p = 2e36', () => {
    // need floor(p / 1e36) >= ceil(1e18 / 0.86e18) = 2 -> p = 2e36
    const pos = { supplyShares: 0n, borrowShares: VIRTUAL_SHARES, collateral: 1n }
    expect(liquidationOraclePrice(pos, borrowMarket(1n), 86n * 10n ** 16n)).toBe(2n * 10n ** 36n)
  })

  const cases: { name: string; pos: MorphoPositionState; m: MorphoMarketState; lltv: bigint }[] = [
    {
      name: 'WETH/USDC 86%: 5 WETH, 9,000 USDC (devchain looper)',
      pos: { supplyShares: 0n, borrowShares: 9000n * E6 * E6, collateral: 5n * E18 },
      m: borrowMarket(9000n * E6),
      lltv: 86n * 10n ** 16n,
    },
    {
      name: 'wstETH/WETH 94.5%: 20 wstETH, 21 WETH after interest (odd share price)',
      pos: { supplyShares: 0n, borrowShares: 21n * E18 * E6, collateral: 20n * E18 },
      m: market({ totalBorrowAssets: 21_000_123_456_789_012_345n, totalBorrowShares: 21n * E18 * E6 + 77n }),
      lltv: 945n * 10n ** 15n,
    },
    {
      name: 'WBTC/USDC 86%: 1 WBTC (8 decimals), 30,000 USDC plus interest, other borrowers',
      pos: { supplyShares: 0n, borrowShares: 30_000n * E6 * E6, collateral: E8 },
      m: market({ totalBorrowAssets: 90_001_234_567n, totalBorrowShares: 90_000n * E6 * E6 }),
      lltv: 86n * 10n ** 16n,
    },
    {
      name: 'odd amounts: 123,456,789 wei of collateral, 7 units borrowed, LLTV 77%',
      pos: { supplyShares: 0n, borrowShares: 7_000_003n, collateral: 123_456_789n },
      m: market({ totalBorrowAssets: 1_000_001n, totalBorrowShares: 999_999_000_000n }),
      lltv: 77n * 10n ** 16n,
    },
    {
      name: 'huge collateral, 1 unit borrowed, LLTV 98%',
      pos: { supplyShares: 0n, borrowShares: E6, collateral: 10n ** 30n },
      m: borrowMarket(1n),
      lltv: 98n * 10n ** 16n,
    },
  ]
  for (const c of cases) {
    it(`${c.name}: p is healthy and p - 1 is not (Morpho.sol _isHealthy)`, () => {
      const p = liquidationOraclePrice(c.pos, c.m, c.lltv)
      expect(p).not.toBeNull()
      expect(morphoIsHealthy(c.pos, c.m, p!, c.lltv)).toBe(true)
      expect(morphoIsHealthy(c.pos, c.m, p! - 1n, c.lltv)).toBe(false)
      expect(positionHealth(c.pos, c.m, p!, c.lltv).healthy).toBe(true)
      expect(positionHealth(c.pos, c.m, p! - 1n, c.lltv).healthy).toBe(false)
    })
  }

  it('the devchain looper case lands at 9,000e6 / 0.86 / 5 USDC per WETH', () => {
    // need = ceil(9000e6 * 1e18 / 0.86e18) = ceil(10,465,116,279.07) = 10,465,116,280
    // p = ceil(10,465,116,280 * 1e36 / 5e18) = 2,093,023,256 * 1e18 = 2.093023256e27 (2,093.023256 USDC/WETH)
    const c = cases[0]!
    expect(liquidationOraclePrice(c.pos, c.m, c.lltv)).toBe(2_093_023_256n * 10n ** 18n)
  })

  it('null without borrow or without collateral', () => {
    const lltv = 86n * 10n ** 16n
    expect(
      liquidationOraclePrice({ supplyShares: 5n, borrowShares: 0n, collateral: E18 }, borrowMarket(E6), lltv),
    ).toBeNull()
    expect(
      liquidationOraclePrice(
        { supplyShares: 0n, borrowShares: E6 * E6, collateral: 0n },
        borrowMarket(E6),
        lltv,
      ),
    ).toBeNull()
  })
})

describe('liquidationIncentiveFactor = min(1.15, 1 / (1 - 0.3 * (1 - LLTV))) in WAD', () => {
  it('LLTV 94.5%', () => {
    // wMulDown(0.3e18, 0.055e18) = 0.0165e18; 1e18 - 0.0165e18 = 0.9835e18
    // wDivDown(1e18, 0.9835e18) = 1e36 / 983,500,000,000,000,000 = 1,016,776,817,488,561,260.8 -> ...260
    expect(liquidationIncentiveFactor(945n * 10n ** 15n)).toBe(1_016_776_817_488_561_260n)
  })
  it('LLTV 86%', () => {
    // 0.3 * 0.14 = 0.042; 1e36 / 0.958e18 = 1,043,841,336,116,910,229.6 -> ...229
    expect(liquidationIncentiveFactor(86n * 10n ** 16n)).toBe(1_043_841_336_116_910_229n)
  })
  it('LLTV 77%', () => {
    // 0.3 * 0.23 = 0.069; 1e36 / 0.931e18 = 1,074,113,856,068,743,286.7 -> ...286
    expect(liquidationIncentiveFactor(77n * 10n ** 16n)).toBe(1_074_113_856_068_743_286n)
  })
  it('LLTV 50% and 0% hit the 1.15 cap; LLTV 100% gives exactly 1', () => {
    // 50%: 1 / 0.85 = 1.176... > 1.15; 0%: 1 / 0.7 = 1.428... > 1.15
    expect(liquidationIncentiveFactor(5n * 10n ** 17n)).toBe(115n * 10n ** 16n)
    expect(liquidationIncentiveFactor(0n)).toBe(115n * 10n ** 16n)
    expect(liquidationIncentiveFactor(WAD)).toBe(WAD)
  })
})
