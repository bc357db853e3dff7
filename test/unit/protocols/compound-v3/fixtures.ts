/**
 * Shared Comet fixtures: token addresses, and a two-collateral account whose every number is
 * hand-computed in math.test.ts (Comet's getPrice answers have 8 decimals, factors are 1e18-scaled,
 * indexes 1e15-scaled).
 */
import { getAddress } from 'viem'
import type { Address } from '../../../../src/core/address.js'
import type { CometAccountState, CometCollateralState } from '../../../../src/protocols/compound-v3/math.js'

/** A deterministic (checksummed) address from a small number. */
export const addr = (n: number): Address => getAddress(`0x${n.toString(16).padStart(40, '0')}`)

export const USDC = addr(0xa1)
export const WETH = addr(0xa2)
export const WBTC = addr(0xa3)
export const WSTETH = addr(0xa4)
export const E18 = 10n ** 18n

/** A collateral of the account, counted (assetsIn bit set) unless said otherwise. */
export function collateral(
  over: Partial<CometCollateralState> & Pick<CometCollateralState, 'asset' | 'balance' | 'price'>,
): CometCollateralState {
  const decimals = over.decimals ?? 18
  return {
    offset: 0,
    symbol: 'TKN',
    decimals,
    scale: 10n ** BigInt(decimals),
    borrowCollateralFactor: 800_000_000_000_000_000n,
    liquidateCollateralFactor: 850_000_000_000_000_000n,
    liquidationFactor: 950_000_000_000_000_000n,
    inAsset: true,
    ...over,
  }
}

/**
 * 1.5 WETH at 3123.45678901 (LCF 0.895, BCF 0.825) and 0.37 WBTC at 61234.56789012 (LCF 0.77,
 * BCF 0.70) against a borrow principal of 20,000 USDC at a stored borrow index of
 * 1.031234567890123 (1e15 scale), USDC at 0.99987654.
 */
export function twoCollateralAccount(over: Partial<CometAccountState> = {}): CometAccountState {
  return {
    baseToken: USDC,
    principal: -20_000_000_000n,
    baseSupplyIndex: 1_010_000_000_000_000n,
    baseBorrowIndex: 1_031_234_567_890_123n,
    baseScale: 1_000_000n,
    basePrice: 99_987_654n,
    collaterals: [
      collateral({
        offset: 0,
        asset: WETH,
        symbol: 'WETH',
        balance: 1_500_000_000_000_000_000n,
        price: 312_345_678_901n,
        borrowCollateralFactor: 825_000_000_000_000_000n,
        liquidateCollateralFactor: 895_000_000_000_000_000n,
      }),
      collateral({
        offset: 1,
        asset: WBTC,
        symbol: 'WBTC',
        decimals: 8,
        balance: 37_000_000n,
        price: 6_123_456_789_012n,
        borrowCollateralFactor: 700_000_000_000_000_000n,
        liquidateCollateralFactor: 770_000_000_000_000_000n,
      }),
    ],
    ...over,
  }
}

/** 10 WETH at 3000 (LCF 0.9, BCF 0.85) against 12,000 USDC at index 1, USDC at 1. */
export function simpleAccount(over: Partial<CometAccountState> = {}): CometAccountState {
  return {
    baseToken: USDC,
    principal: -12_000_000_000n,
    baseSupplyIndex: 1_000_000_000_000_000n,
    baseBorrowIndex: 1_000_000_000_000_000n,
    baseScale: 1_000_000n,
    basePrice: 100_000_000n,
    collaterals: [
      collateral({
        asset: WETH,
        symbol: 'WETH',
        balance: 10n * E18,
        price: 300_000_000_000n,
        borrowCollateralFactor: 850_000_000_000_000_000n,
        liquidateCollateralFactor: 900_000_000_000_000_000n,
      }),
    ],
    ...over,
  }
}
