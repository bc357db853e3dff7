/**
 * GMX v2 math against hand-computed vectors. GMX units: USD and factors in 30 decimals; prices in
 * USD (30 decimals) per RAW token unit, so ETH (18 decimals) at 3,000 USD is 3000e12 and BTC (8
 * decimals) at 60,000 USD is 60000e22. Parameters of every vector (the devchain's): MIN_COLLATERAL_USD
 * 1 USD, minCollateralFactor 1%, maxPositionImpactFactorForLiquidations 0.5%.
 */
import { parseUnits } from 'viem'
import { describe, expect, it } from 'vitest'
import {
  cappedLiquidationPriceImpactUsd,
  entryPrice,
  type GmxLiquidationParams,
  leverage,
  liquidationPrice,
  liquidationReason,
  liquidationThresholdUsd,
  positionPnlUsd,
  priceToUsd,
  remainingCollateralUsd,
} from '../../../../src/protocols/gmx-v2/math.js'

const usd = (x: string) => parseUnits(x, 30)
/** GMX price of `x` USD per whole token of `decimals`. */
const px = (x: string, decimals: number) => parseUnits(x, 30 - decimals)
const params: GmxLiquidationParams = {
  minCollateralUsd: usd('1'),
  minCollateralFactor: usd('0.01'),
  maxPositionImpactFactorForLiquidations: usd('0.005'),
  validateMinCollateralUsd: true,
}
const ETH = 18
const BTC = 8

describe('pnl, price impact cap, remaining collateral', () => {
  it('long pnl uses the min price, short pnl the max price', () => {
    // 10 ETH long, 25,000 USD size: value at 3,000 = 10e18 * 3000e12 = 30,000e30, pnl = +5,000.
    expect(
      positionPnlUsd(true, usd('25000'), 10n ** 19n, { min: px('3000', ETH), max: px('3001', ETH) }),
    ).toBe(usd('5000'))
    // 10 ETH short, 30,000 USD size: value at the max price 3,010 = 30,100, pnl = -100.
    expect(
      positionPnlUsd(false, usd('30000'), 10n ** 19n, { min: px('3000', ETH), max: px('3010', ETH) }),
    ).toBe(-usd('100'))
  })

  it('negative impact capped at -size * 0.5%; positive impact not credited', () => {
    // 30,000 * 0.005 = 150.
    expect(cappedLiquidationPriceImpactUsd(-usd('400'), usd('30000'), usd('0.005'))).toBe(-usd('150'))
    expect(cappedLiquidationPriceImpactUsd(-usd('60'), usd('25000'), usd('0.005'))).toBe(-usd('60'))
    expect(cappedLiquidationPriceImpactUsd(usd('200'), usd('120000'), usd('0.005'))).toBe(0n)
  })

  it('remaining = collateral + pnl + impact - fees; liquidation reasons in GMX order', () => {
    // 5,000 + 5,000 - 60 - 40 = 9,900.
    expect(remainingCollateralUsd(usd('5000'), usd('5000'), -usd('60'), usd('40'))).toBe(usd('9900'))
    // size 25,000: threshold = max(1, 25,000 * 1%) = 250.
    expect(liquidationThresholdUsd(usd('25000'), params)).toBe(usd('250'))
    expect(liquidationReason(usd('0.5'), usd('10'), params)).toBe('min collateral')
    expect(liquidationReason(0n, usd('10'), { ...params, validateMinCollateralUsd: false })).toBe('< 0')
    expect(liquidationReason(usd('249'), usd('25000'), params)).toBe('min collateral for leverage')
    expect(liquidationReason(usd('250'), usd('25000'), params)).toBeNull()
  })

  it('entry price and leverage', () => {
    // 25,000e30 / 10e18 = 2,500e12 = 2,500 USD per ETH.
    expect(entryPrice(usd('25000'), 10n ** 19n)).toBe(px('2500', ETH))
    expect(priceToUsd(px('2500', ETH), ETH)).toBe(2500)
    // 25,000 / 9,900 = 2.525252...
    expect(leverage(usd('25000'), usd('9900'))).toBeCloseTo(25_000 / 9_900, 12)
    expect(leverage(usd('25000'), 0n)).toBeNull()
  })
})

describe('liquidation price of the index token', () => {
  it('long ETH, USDC collateral: (T + S - C - impact + fees) / N = 2,035', () => {
    // S 25,000, N 10 ETH, C 5,000 USDC, fees 40, impact -60 (cap -125 not binding), T 250:
    // k = 10e18, c = -25,000 + 5,000 - 60 - 40 = -20,100; P = (250 + 20,100)e30 / 10e18 = 2,035e12.
    const lp = liquidationPrice(
      {
        isLong: true,
        sizeInUsd: usd('25000'),
        sizeInTokens: 10n ** 19n,
        collateralAmount: 5_000_000_000n,
        collateralIsIndex: false,
      },
      usd('5000'),
      cappedLiquidationPriceImpactUsd(-usd('60'), usd('25000'), usd('0.005')),
      usd('40'),
      params,
    )
    expect(lp).toEqual({ price: px('2035', ETH), direction: 'below' })
  })

  it('short ETH, USDC collateral: (C + S + impact - fees - T) / N = 3,252.5 with the impact capped', () => {
    // S 30,000, N 10 ETH, C 3,000, fees 25, impact -400 capped to -150, T 300:
    // k = -10e18, c = 30,000 + 3,000 - 150 - 25 = 32,825; P = (32,825 - 300)e30 / 10e18 = 3,252.5e12.
    const lp = liquidationPrice(
      {
        isLong: false,
        sizeInUsd: usd('30000'),
        sizeInTokens: 10n ** 19n,
        collateralAmount: 3_000_000_000n,
        collateralIsIndex: false,
      },
      usd('3000'),
      cappedLiquidationPriceImpactUsd(-usd('400'), usd('30000'), usd('0.005')),
      usd('25'),
      params,
    )
    expect(lp).toEqual({ price: px('3252.5', ETH), direction: 'above' })
  })

  it('long BTC, WBTC (index) collateral: (T + S + fees) / (N + A) = 48,500', () => {
    // S 120,000, N 2 BTC, A 0.5 BTC, fees 50, impact +200 -> 0, T 1,200:
    // k = 2.5e8, c = -120,000 - 50 = -120,050; P = ceil((1,200 + 120,050)e30 / 2.5e8) = 48,500e22.
    const lp = liquidationPrice(
      {
        isLong: true,
        sizeInUsd: usd('120000'),
        sizeInTokens: 2n * 10n ** 8n,
        collateralAmount: 5n * 10n ** 7n,
        collateralIsIndex: true,
      },
      0n,
      cappedLiquidationPriceImpactUsd(usd('200'), usd('120000'), usd('0.005')),
      usd('50'),
      params,
    )
    expect(lp).toEqual({ price: px('48500', BTC), direction: 'below' })
  })

  it('short ETH, WETH (index) collateral: (S + impact - fees - T) / (N - A), floor', () => {
    // S 30,000, N 10 ETH, A 1 ETH, fees 20, impact -50, T 300: k = -9e18, c = 30,000 - 70 = 29,930;
    // P = floor(29,630e30 / 9e18) = floor(3,292.222...e12) = 3_292_222_222_222_222.
    const pos = {
      isLong: false,
      sizeInUsd: usd('30000'),
      sizeInTokens: 10n ** 19n,
      collateralAmount: 10n ** 18n,
      collateralIsIndex: true,
    }
    const lp = liquidationPrice(pos, 0n, -usd('50'), usd('20'), params)
    expect(lp).toEqual({ price: 3_292_222_222_222_222n, direction: 'above' })
    // At P the remaining collateral is still >= 300; one unit above it is not.
    const remainingAt = (p: bigint) =>
      remainingCollateralUsd(
        pos.collateralAmount * p,
        positionPnlUsd(false, pos.sizeInUsd, pos.sizeInTokens, { min: p, max: p }),
        -usd('50'),
        usd('20'),
      )
    expect(remainingAt(lp.price!) >= usd('300')).toBe(true)
    expect(remainingAt(lp.price! + 1n) < usd('300')).toBe(true)
  })

  it('no liquidation price: a short fully backed by index collateral, a 0.5x long', () => {
    // k = -10 + 10 = 0.
    expect(
      liquidationPrice(
        {
          isLong: false,
          sizeInUsd: usd('30000'),
          sizeInTokens: 10n ** 19n,
          collateralAmount: 10n ** 19n,
          collateralIsIndex: true,
        },
        0n,
        0n,
        0n,
        params,
      ).price,
    ).toBeNull()
    // S 1,000, N 0.5 ETH, C 2,000: c = -1,000 + 2,000 = 1,000 > T = 10, so no positive price liquidates.
    expect(
      liquidationPrice(
        {
          isLong: true,
          sizeInUsd: usd('1000'),
          sizeInTokens: 5n * 10n ** 17n,
          collateralAmount: 2_000_000_000n,
          collateralIsIndex: false,
        },
        usd('2000'),
        0n,
        0n,
        params,
      ).price,
    ).toBeNull()
  })
})
