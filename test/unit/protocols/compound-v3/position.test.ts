/**
 * buildCometPosition (src/protocols/compound-v3/position.ts) on fixtures.ts accounts, whose
 * liquidity math.test.ts derives by hand: legs, USD values, the checks against the Comet's own
 * answers, and the sides of the position.
 */
import { describe, expect, it } from 'vitest'
import { BaseError } from '../../../../src/core/errors.js'
import type { CometAccountState } from '../../../../src/protocols/compound-v3/math.js'
import {
  buildCometPosition,
  type CometOnChainAccount,
  type CometPositionContext,
  factorToBps,
} from '../../../../src/protocols/compound-v3/position.js'
import { collateral, E18, simpleAccount, twoCollateralAccount, USDC, WSTETH } from './fixtures.js'

const CTX: CometPositionContext = {
  protocol: 'compound-v3',
  market: 'compound-v3-test-usdc',
  chain: 'ethereum',
  comet: '0x00000000000000000000000000000000000000C0',
  baseSymbol: 'USDC',
  baseDecimals: 6,
  priceUnit: 'USD',
  priceUnitUsd: 1,
  assetListSource: 'hint',
}

/** The Comet's answers for simpleAccount (HF 2.25, borrow HF 2.125): 12,000 USDC owed. */
const onChain = (over: Partial<CometOnChainAccount> = {}): CometOnChainAccount => ({
  isLiquidatable: false,
  isBorrowCollateralized: true,
  borrowBalance: 12_000_000_000n,
  supplyBalance: 0n,
  lastAccrualTime: 1_700_000_000n,
  ...over,
})

const mismatch = (state: CometAccountState, chain: CometOnChainAccount) => {
  try {
    buildCometPosition(state, chain, CTX)
  } catch (err) {
    expect(err).toBeInstanceOf(BaseError)
    return (err as BaseError).code
  }
  return null
}

describe('buildCometPosition', () => {
  it('a borrower: HF, USD legs, liquidation prices for the collateral and the base', () => {
    const p = buildCometPosition(simpleAccount(), onChain(), CTX)!
    // 10 x 3000e8 x 0.9 = 27_000e8 over 12_000e8: HF 2.25
    expect(p.healthFactorWad).toBe(2_250_000_000_000_000_000n)
    expect(p.healthFactor).toBe(2.25)
    // 10 x 3000e8 x 0.85 = 25_500e8 over 12_000e8: 2.125
    expect(p.details.borrowHealthFactor).toBe(2.125)
    expect(p.collateralUsd).toBe(30_000)
    expect(p.debtUsd).toBe(12_000)
    expect(p.legs[0]).toMatchObject({ side: 'collateral', liquidationThresholdBps: 9000, ltvBps: 8500 })
    expect(p.liquidationPrices).toEqual([
      // 133_333_333_334 (math.test.ts) -> 1333.33333334 USD
      expect.objectContaining({
        symbol: 'WETH',
        side: 'collateral',
        price: 1333.33333334,
        currentPrice: 3000,
      }),
      expect.objectContaining({ symbol: 'USDC', side: 'debt', price: 2.25, currentPrice: 1 }),
    ])
    expect(p.details.availableToBorrow).toBe('13500000000')
  })

  it('a base supplier: a collateral leg that does not count, HF null, no liquidation prices', () => {
    const s = simpleAccount({ principal: 5_000_000_000n, collaterals: [] })
    const p = buildCometPosition(
      s,
      onChain({ borrowBalance: 0n, supplyBalance: 5_000_000_000n, isBorrowCollateralized: true }),
      CTX,
    )!
    expect(p.healthFactor).toBeNull()
    expect(p.healthFactorWad).toBeNull()
    expect(p.legs).toEqual([
      expect.objectContaining({
        side: 'collateral',
        amount: 5_000_000_000n,
        countsAsCollateral: false,
        usd: 5000,
      }),
    ])
    expect(p.liquidationPrices).toEqual([])
  })

  it('nothing held: null', () => {
    expect(
      buildCometPosition(
        simpleAccount({ principal: 0n, collaterals: [] }),
        onChain({ borrowBalance: 0n }),
        CTX,
      ),
    ).toBeNull()
  })

  it('a balance without its assetsIn bit is shown, does not count, and gets no liquidation price', () => {
    const s = simpleAccount()
    s.collaterals.push(
      collateral({
        offset: 3,
        asset: WSTETH,
        symbol: 'wstETH',
        balance: E18,
        price: 360_000_000_000n,
        inAsset: false,
      }),
    )
    const p = buildCometPosition(s, onChain(), CTX)!
    expect(p.legs.find((l) => l.asset.symbol === 'wstETH')!.countsAsCollateral).toBe(false)
    expect(p.liquidationPrices.map((l) => l.symbol)).toEqual(['WETH', 'USDC'])
    expect(p.healthFactorWad).toBe(2_250_000_000_000_000_000n)
  })

  it('PROTOCOL_MODEL_MISMATCH when the Comet disagrees with the model or its balances with the principal', () => {
    expect(mismatch(simpleAccount(), onChain({ isLiquidatable: true }))).toBe('PROTOCOL_MODEL_MISMATCH')
    expect(mismatch(simpleAccount(), onChain({ isBorrowCollateralized: false }))).toBe(
      'PROTOCOL_MODEL_MISMATCH',
    )
    expect(mismatch(simpleAccount(), onChain({ borrowBalance: 0n }))).toBe('PROTOCOL_MODEL_MISMATCH')
    // borrowBalanceOf below the stored-index borrow cannot be: interest only adds
    expect(mismatch(simpleAccount(), onChain({ borrowBalance: 11_999_999_999n }))).toBe(
      'PROTOCOL_MODEL_MISMATCH',
    )
    expect(
      mismatch(simpleAccount({ principal: 1n }), onChain({ borrowBalance: 0n, supplyBalance: 0n })),
    ).toBe('PROTOCOL_MODEL_MISMATCH')
    // the odd two-collateral account agrees with (false, false)
    expect(
      mismatch(
        twoCollateralAccount(),
        onChain({ isBorrowCollateralized: false, borrowBalance: 20_624_691_357n }),
      ),
    ).toBeNull()
  })

  it('a non-USD numeraire scales every USD figure', () => {
    const p = buildCometPosition(simpleAccount(), onChain(), { ...CTX, priceUnit: 'ETH', priceUnitUsd: 2 })!
    expect(p.collateralUsd).toBe(60_000)
    expect(p.debtUsd).toBe(24_000)
    expect(p.liquidationPrices[0]!.price).toBeCloseTo(2666.66666668, 8)
    expect(p.details.priceUnit).toBe('ETH')
    expect(p.legs.find((l) => l.side === 'debt')!.asset.address).toBe(USDC)
  })

  it('factorToBps', () => {
    expect(factorToBps(895_000_000_000_000_000n)).toBe(8950)
    expect(factorToBps(E18)).toBe(10_000)
    expect(factorToBps(0n)).toBe(0)
  })
})
