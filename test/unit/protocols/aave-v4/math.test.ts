/**
 * Aave V4 math against hand computations of the formulas in ../shared/protocols/aave-v4/FACTS.md
 * (aave/aave-v4 1e8de86): section 2 (Value, rounding helpers), 5 (shares with 1e6 virtual
 * amounts), 6 (linear drawn index), 7 (premium debt), 8 (health factor), 10 (risk premium) and
 * 11 (liquidation). Where a vector is long, it was evaluated with Python integers from the FACTS
 * formulas (named "python" below); the recording's own example is named "FACTS §11 example".
 */
import { describe, expect, it } from 'vitest'
import { MAX_UINT256, RAY } from '../../../../src/core/math.js'
import {
  type AaveV4HubAsset,
  type AaveV4LiquidationInput,
  computeAccountData,
  computeLiquidationOutcome,
  debtRayToTargetUp,
  drawnIndexAtUp,
  findLiquidationPrice,
  fromRayUp,
  linearInterestFactorDown,
  liquidationBonusDown,
  minLiquidationBonusDown,
  percentMulUp,
  premiumDebtRay,
  riskPremiumUp,
  roundRayUp,
  toAssetsDown,
  toAssetsUp,
  toSharesDown,
  toSharesUp,
  totalAddedAssetsAt,
  toValue,
} from '../../../../src/protocols/aave-v4/math.js'
import type { AaveV4UserReserve } from '../../../../src/protocols/aave-v4/types.js'

const E18 = 10n ** 18n
const E6 = 10n ** 6n
const USD8 = 10n ** 8n

describe('units and rounding helpers', () => {
  it('toValue: 1 WBTC at 97,234.56 USD is 97,234.56e26 (1e26 = 1 USD)', () => {
    expect(toValue(10n ** 8n, 8, 9_723_456_000_000n)).toBe(9_723_456n * 10n ** 24n)
    expect(toValue(10n * E18, 18, 2000n * USD8)).toBe(20_000n * 10n ** 26n)
    expect(() => toValue(1n, 19, 1n)).toThrow(RangeError)
  })
  it('fromRayUp / roundRayUp round a RAY amount up to whole units; exact multiples stay', () => {
    expect(fromRayUp(RAY + 1n)).toBe(2n)
    expect(fromRayUp(RAY)).toBe(1n)
    expect(fromRayUp(0n)).toBe(0n)
    expect(roundRayUp(5n * RAY - 1n)).toBe(5n * RAY)
    expect(percentMulUp(3n, 3333n)).toBe(1n) // 0.9999 -> 1
  })
})

describe('Hub shares (virtual assets and shares 1e6)', () => {
  // Hand: total 2,000,000 assets over 1,000,000 shares: (T+1e6)/(S+1e6) = 3/2.
  const T = 2_000_000n
  const S = 1_000_000n
  it('shares -> assets floor and ceil', () => {
    expect(toAssetsDown(10n, T, S)).toBe(15n)
    expect(toAssetsDown(11n, T, S)).toBe(16n) // 16.5
    expect(toAssetsUp(11n, T, S)).toBe(17n)
  })
  it('assets -> shares floor and ceil', () => {
    expect(toSharesDown(15n, T, S)).toBe(10n)
    expect(toSharesDown(16n, T, S)).toBe(10n) // 10.67
    expect(toSharesUp(16n, T, S)).toBe(11n)
  })
  it('an empty asset converts 1:1 through the virtual amounts', () => {
    expect(toAssetsDown(123n, 0n, 0n)).toBe(123n)
  })
})

describe('drawn index and Hub totals (linear between accruals)', () => {
  const asset: AaveV4HubAsset = {
    liquidity: 1000n * E6,
    realizedFees: 0n,
    addedShares: 1000n * E6,
    swept: 0n,
    premiumOffsetRay: 0n,
    drawnShares: 0n,
    premiumShares: 0n,
    liquidityFee: 1000n,
    drawnIndex: RAY + 1n,
    drawnRate: 10n ** 26n,
    lastUpdateTimestamp: 1_000n,
    deficitRay: 0n,
  }
  it('factor = RAY + floor(rate * dt / 365 d): 10 %/yr over 30 days', () => {
    // Hand: 1e26 * 2,592,000 / 31,536,000 = 8.2191780821917808219178082e24, floored.
    expect(linearInterestFactorDown(10n ** 26n, 0n, 2_592_000n)).toBe(1_008_219_178_082_191_780_821_917_808n)
    expect(() => linearInterestFactorDown(1n, 10n, 9n)).toThrow(RangeError)
  })
  it('the index does not move without drawn or premium shares, nor within the same second', () => {
    expect(drawnIndexAtUp(asset, 1_000n + 2_592_000n)).toBe(RAY + 1n)
    expect(drawnIndexAtUp({ ...asset, drawnShares: 1n }, 1_000n)).toBe(RAY + 1n)
  })
  it('index_now = storedIndex rayMulUp factor: (RAY + 1) * f / RAY rounds up by one', () => {
    const f = 1_008_219_178_082_191_780_821_917_808n
    // Hand: (1e27 + 1) * f / 1e27 = f + 1.008..., ceil = f + 2.
    expect(drawnIndexAtUp({ ...asset, drawnShares: 1n }, 1_000n + 2_592_000n)).toBe(f + 2n)
  })
  it('total added assets: liquidity + ceil(owed) - fees, with a 10 % fee on the interest since the last accrual', () => {
    // Hand: 100 USDC drawn at index RAY, 10 %/yr for 30 days: owed 100.821917808... -> ceil
    // 100.821918 USDC; interest 0.821918, fee 10 % floor 0.082191; total = 900 + 100.821918 - 0.082191.
    const a = { ...asset, liquidity: 900n * E6, drawnShares: 100n * E6, drawnIndex: RAY }
    expect(totalAddedAssetsAt(a, 1_000n + 2_592_000n)).toBe(900n * E6 + 100_821_918n - 82_191n)
  })
})

describe('premium debt', () => {
  it('premiumShares * index - offset, never negative', () => {
    // Hand: 100 shares at index 1.1 minus an offset of 50 units: 60 units (x RAY).
    expect(premiumDebtRay(100n, 50n * RAY, (11n * RAY) / 10n)).toBe(60n * RAY)
    expect(() => premiumDebtRay(1n, 2n * RAY, RAY)).toThrow(RangeError)
  })
})

/** A user reserve for account math (hand vectors): price 8 decimals, index RAY unless given. */
function ur(p: {
  id: number
  decimals: number
  price: bigint
  supplied?: bigint
  collateral?: boolean
  cf?: bigint
  risk?: bigint
  drawnShares?: bigint
  premiumShares?: bigint
  premiumOffsetRay?: bigint
  index?: bigint
}): AaveV4UserReserve {
  const index = p.index ?? RAY
  const config = { collateralFactor: p.cf ?? 0n, maxLiquidationBonus: 10_500n, liquidationFee: 1000n }
  const position = {
    drawnShares: p.drawnShares ?? 0n,
    premiumShares: p.premiumShares ?? 0n,
    premiumOffsetRay: p.premiumOffsetRay ?? 0n,
    suppliedShares: p.supplied ?? 0n,
    dynamicConfigKey: 0,
  }
  return {
    reserve: {
      reserveId: p.id,
      underlying: `0x${String(p.id + 1).padStart(40, '0')}`,
      hub: '0x00000000000000000000000000000000000000aa',
      assetId: p.id,
      decimals: p.decimals,
      collateralRisk: p.risk ?? 0n,
      flags: 0,
      latestDynamicConfigKey: 0,
      symbol: `T${p.id}`,
    },
    position,
    isCollateral: p.collateral ?? false,
    isBorrowing: (p.drawnShares ?? 0n) > 0n,
    suppliedAssets: p.supplied ?? 0n,
    drawn: 0n,
    premium: 0n,
    premiumDebtRay: premiumDebtRay(position.premiumShares, position.premiumOffsetRay, index),
    drawnIndex: index,
    price: p.price,
    config,
    latestConfig: config,
    hubAddedAssets: null,
    hubAddedShares: null,
  }
}

describe('account data (Spoke._processUserAccountData)', () => {
  // Hand: 10 WETH at 2000 USD, CF 80 %, risk 10 %; 10,000 USDC drawn at index RAY, price 1.
  const weth = ur({
    id: 0,
    decimals: 18,
    price: 2000n * USD8,
    supplied: 10n * E18,
    collateral: true,
    cf: 8000n,
    risk: 1000n,
  })
  const usdc = ur({ id: 1, decimals: 6, price: USD8, drawnShares: 10_000n * E6 })
  it('HF = floor(sum(CF*v) * 1e14 * RAY / debtValueRay) = 1.6; avgCF 0.8; RP 10 %', () => {
    const a = computeAccountData([weth, usdc])
    expect(a.totalCollateralValue).toBe(2n * 10n ** 30n)
    expect(a.totalDebtValueRay).toBe(10n ** 57n)
    expect(a.healthFactor).toBe(16n * 10n ** 17n)
    expect(a.avgCollateralFactor).toBe(8n * 10n ** 17n)
    expect(a.riskPremium).toBe(1000n)
    expect(a.activeCollateralCount).toBe(1n)
    expect(a.borrowCount).toBe(1n)
  })
  it('no debt: HF 2^256-1, RP 0; a supply with the flag off or CF 0 counts nowhere', () => {
    expect(computeAccountData([weth]).healthFactor).toBe(MAX_UINT256)
    expect(computeAccountData([weth]).riskPremium).toBe(0n)
    const off = computeAccountData([{ ...weth, isCollateral: false }, usdc])
    expect(off.totalCollateralValue).toBe(0n)
    expect(off.healthFactor).toBe(0n)
    const cf0 = computeAccountData([{ ...weth, config: { ...weth.config, collateralFactor: 0n } }, usdc])
    expect(cf0.activeCollateralCount).toBe(0n)
  })
  it('the health factor floors: debt of 10,000.000001 USDC makes 1.59999999984', () => {
    // Hand: 1.6e34 * 1e41 / (10,000,000,001 * 1e48) = 1.599999999840000000016e18 -> floor.
    const a = computeAccountData([
      weth,
      ur({ id: 1, decimals: 6, price: USD8, drawnShares: 10_000n * E6 + 1n }),
    ])
    expect(a.healthFactor).toBe(1_599_999_999_840_000_000n)
  })
  it('premium debt counts unrounded in the debt value', () => {
    // Hand: 0.5 unit of premium (5e26 ray) on top of 10,000 USDC: debtValueRay = (1e37 + 5e26) * 1e20.
    const withPremium = ur({
      id: 1,
      decimals: 6,
      price: USD8,
      drawnShares: 10_000n * E6,
      premiumShares: 1n,
      premiumOffsetRay: RAY / 2n,
    })
    expect(computeAccountData([weth, withPremium]).totalDebtValueRay).toBe(
      (10n ** 37n + RAY / 2n) * 10n ** 20n,
    )
  })
})

describe('risk premium (collaterals by risk ascending, value descending, covering the debt)', () => {
  it('hand: 6e29 at 5 % then 4e29 of 5e29 at 20 % over a debt of 1e30: 11 %', () => {
    const c = [
      { risk: 2000n, value: 5n * 10n ** 29n },
      { risk: 500n, value: 6n * 10n ** 29n },
    ]
    expect(riskPremiumUp(c, 10n ** 57n)).toBe(1100n)
  })
  it('rounds up: one more ray of debt gives ceil((1.1e33 + 2000) / (1e30 + 1)) = 1101', () => {
    const c = [
      { risk: 2000n, value: 5n * 10n ** 29n },
      { risk: 500n, value: 6n * 10n ** 29n },
    ]
    expect(riskPremiumUp(c, 10n ** 57n + 1n)).toBe(1101n)
  })
  it('a debt larger than all collateral averages over the collateral; no collateral gives 0', () => {
    expect(riskPremiumUp([{ risk: 700n, value: 10n }], 10n ** 40n)).toBe(700n)
    expect(riskPremiumUp([], 10n ** 40n)).toBe(0n)
  })
})

describe('liquidation price (bisection on the Spoke formula)', () => {
  it('hand: 10 WETH at CF 80 % against 10,000 USDC liquidates below 1250 USD', () => {
    const weth = ur({
      id: 0,
      decimals: 18,
      price: 2000n * USD8,
      supplied: 10n * E18,
      collateral: true,
      cf: 8000n,
    })
    const usdc = ur({ id: 1, decimals: 6, price: USD8, drawnShares: 10_000n * E6 })
    // HF(p) = 8 * p / 10,000 >= 1  <=>  p >= 1250 USD: exactly 1250e8 is healthy, one unit less is not.
    expect(findLiquidationPrice([weth, usdc], 0)).toEqual({ side: 'collateral', price: 1250n * USD8 })
    // The debt asset: the largest healthy price is 1.6 USD.
    expect(findLiquidationPrice([weth, usdc], 1)).toEqual({ side: 'debt', price: 160_000_000n })
  })
})

describe('liquidation bonus curve', () => {
  const cfg = {
    targetHealthFactor: 105n * 10n ** 16n,
    healthFactorForMaxBonus: 7n * 10n ** 17n,
    liquidationBonusFactor: 2000n,
  }
  it('FACTS §11 example: HF 0.995247704019296438, max 107 %, factor 20 %, hfMax 0.7 -> 101.48 %', () => {
    expect(liquidationBonusDown(cfg, 995_247_704_019_296_438n, 10_700n)).toBe(10_148n)
  })
  it('hand: min = floor(700 * 2000 / 1e4) + 1e4 = 10,140 at HF 1; max at or below hfMax; undefined above 1', () => {
    expect(minLiquidationBonusDown(cfg, 10_700n)).toBe(10_140n)
    expect(liquidationBonusDown(cfg, 10n ** 18n, 10_700n)).toBe(10_140n)
    expect(liquidationBonusDown(cfg, 7n * 10n ** 17n, 10_700n)).toBe(10_700n)
    expect(liquidationBonusDown(cfg, 1n, 10_700n)).toBe(10_700n)
    expect(() => liquidationBonusDown(cfg, 10n ** 18n + 1n, 10_700n)).toThrow(RangeError)
  })
})

describe('debt to the target health factor', () => {
  it('hand: 10,000 USD of debt at HF 0.95, target 1.05, bonus 105 %, CF 80 %: D = 1000 / 0.21 = 4761.904761904... USDC, ray ceil', () => {
    expect(
      debtRayToTargetUp({
        totalDebtValueRay: 10n ** 57n,
        healthFactor: 95n * 10n ** 16n,
        targetHealthFactor: 105n * 10n ** 16n,
        liquidationBonus: 10_500n,
        collateralFactor: 8000n,
        debtDecimals: 6,
        debtPrice: USD8,
      }),
    ).toBe(4_761_904_761_904_761_904_761_904_761_904_761_905n)
  })
})

describe('liquidation outcome (python: the FACTS §11 formulas with Python integers)', () => {
  // WETH collateral at 2000 USD, CF 80 %, max bonus 105 %, fee 10 %; Hub at 1:1 (1000e18/1000e18);
  // USDC debt at 1 USD, index RAY; Spoke target 1.05, hfMax 0.7, factor 20 %; stored RP 10 %.
  const input = (p: {
    wethShares: bigint
    drawn: bigint
    premiumShares?: bigint
    debtToCover?: bigint
  }): AaveV4LiquidationInput => {
    const coll = ur({
      id: 0,
      decimals: 18,
      price: 2000n * USD8,
      supplied: p.wethShares,
      collateral: true,
      cf: 8000n,
    })
    const debt = ur({
      id: 1,
      decimals: 6,
      price: USD8,
      drawnShares: p.drawn,
      premiumShares: p.premiumShares ?? 0n,
    })
    const a = computeAccountData([coll, debt])
    return {
      config: {
        targetHealthFactor: 105n * 10n ** 16n,
        healthFactorForMaxBonus: 7n * 10n ** 17n,
        liquidationBonusFactor: 2000n,
      },
      healthFactor: a.healthFactor,
      totalDebtValueRay: a.totalDebtValueRay,
      activeCollateralCount: a.activeCollateralCount,
      borrowCount: a.borrowCount,
      storedRiskPremium: 1000n,
      collateral: {
        decimals: 18,
        price: 2000n * USD8,
        suppliedShares: p.wethShares,
        isCollateral: true,
        dynamicConfig: coll.config,
        paused: false,
        frozen: false,
        receiveSharesEnabled: true,
        totalAddedAssets: 1000n * E18,
        addedShares: 1000n * E18,
      },
      debt: {
        decimals: 6,
        price: USD8,
        drawnShares: p.drawn,
        premiumShares: p.premiumShares ?? 0n,
        premiumOffsetRay: 0n,
        drawnIndex: RAY,
        paused: false,
      },
      debtToCover: p.debtToCover ?? MAX_UINT256,
      receiveShares: false,
    }
  }

  it('A: to the target (10 WETH vs 17,000 USDC, HF 0.941176470588235294, bonus 101.78 %)', () => {
    const o = computeLiquidationOutcome(input({ wethShares: 10n * E18, drawn: 17_000n * E6 }))
    expect(o).toMatchObject({
      ok: true,
      liquidationBonus: 10_178n,
      debtRayToTarget: 7_846_963_013_233_797_090_261_282_660_332_541_568n,
      drawnSharesLiquidated: 7_846_963_014n,
      premiumDebtRayLiquidated: 0n,
      debtAmountRestored: 7_846_963_014n,
      collateralSharesLiquidated: 3_993_319_477_824_600_000n,
      collateralSharesToLiquidator: 3_986_335_680_742_140_000n,
      collateralAmountRemoved: 3_993_319_477_824_600_000n,
      collateralAmountToLiquidator: 3_986_335_680_742_140_000n,
      debtDustRule: false,
      collateralTakenWhole: false,
      deficit: false,
    })
  })
  it('B: the debt dust rule takes the whole USDC debt (915 USD would remain)', () => {
    const o = computeLiquidationOutcome(input({ wethShares: E18, drawn: 1700n * E6 }))
    expect(o).toMatchObject({
      ok: true,
      debtRayToTarget: 784_696_301_323_379_709_026_128_266_033_254_157n,
      drawnSharesLiquidated: 1700n * E6,
      debtAmountRestored: 1700n * E6,
      collateralSharesLiquidated: 865_130_000_000_000_000n,
      collateralSharesToLiquidator: 863_617_000_000_000_000n,
      debtDustRule: true,
      collateralTakenWhole: false,
    })
  })
  it('C: insufficient collateral is seized whole at the max bonus and the rest becomes a deficit', () => {
    const o = computeLiquidationOutcome(input({ wethShares: E18, drawn: 2500n * E6 }))
    expect(o).toMatchObject({
      ok: true,
      liquidationBonus: 10_500n,
      drawnSharesLiquidated: 1_904_761_905n,
      debtAmountRestored: 1_904_761_905n,
      collateralSharesLiquidated: E18,
      collateralSharesToLiquidator: 995_238_095_238_095_238n,
      collateralTakenWhole: true,
      deficit: true,
    })
  })
  it('D: a debtToCover that would leave debt dust reverts MustNotLeaveDust', () => {
    expect(
      computeLiquidationOutcome(input({ wethShares: E18, drawn: 1700n * E6, debtToCover: 800n * E6 })),
    ).toEqual({
      ok: false,
      reason: 'MustNotLeaveDust',
    })
  })
  it('E: premium debt goes first (9000 USDC premium, 8000 drawn): only premium is repaid, rounded up to whole units', () => {
    const o = computeLiquidationOutcome(
      input({ wethShares: 10n * E18, drawn: 8000n * E6, premiumShares: 9000n * E6 }),
    )
    expect(o).toMatchObject({
      ok: true,
      drawnSharesLiquidated: 0n,
      premiumDebtRayLiquidated: 7_846_963_014n * RAY,
      debtAmountRestored: 7_846_963_014n,
      premiumDelta: {
        sharesDelta: -8_200_000_000n,
        offsetRayDelta: -353_036_986n * 10n ** 27n,
        restoredPremiumRay: 7_846_963_014n * RAY,
      },
    })
  })
  it('refusals: healthy position, self liquidation, no debt to cover', () => {
    const healthy = input({ wethShares: 10n * E18, drawn: 1000n * E6 })
    expect(computeLiquidationOutcome(healthy)).toEqual({ ok: false, reason: 'HealthFactorNotBelowThreshold' })
    const base = input({ wethShares: 10n * E18, drawn: 17_000n * E6 })
    expect(computeLiquidationOutcome({ ...base, selfLiquidation: true })).toMatchObject({
      reason: 'SelfLiquidation',
    })
    expect(computeLiquidationOutcome({ ...base, debtToCover: 0n })).toMatchObject({
      reason: 'InvalidDebtToCover',
    })
    expect(
      computeLiquidationOutcome({
        ...base,
        receiveShares: true,
        collateral: { ...base.collateral, frozen: true },
      }),
    ).toMatchObject({
      reason: 'CannotReceiveShares',
    })
  })
})
