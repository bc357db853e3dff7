/**
 * Per-reserve liquidation rules in the engines, hand vectors (the arithmetic is in the comments):
 * - Aave V4's target-health-factor rule (../shared/protocols/aave-v4/FACTS.md §11: bonus curve
 *   min -> max between HF 1 and healthFactorForMaxBonus, debt to the target
 *   D x (THF - HF) / (THF - LB x CF), the 1,000 USD dust rule on both reserves, protocol fee =
 *   seized x fee x (LB - 1) / LB, deficit when the last collateral is emptied). Rule parameters
 *   are those of the recording's Spoke `main` (THF 1.05, hfForMaxBonus 0.7, bonus factor 20%;
 *   WBTC CF 72% max bonus 107% fee 15%, WETH CF 80% max 105% fee 10%).
 * - Aave v3.3+ LiquidationLogic (../shared/protocols/aave-v3-origin/FACTS.md §4: per-reserve
 *   2,000 USD thresholds, 50% of the TOTAL debt, MIN_LEFTOVER_BASE 1,000 USD, deficit).
 * The liquidator takes the largest counted collateral and the largest debt by value.
 */
import { describe, expect, it } from 'vitest'
import type { Address } from '../../../src/core/address.js'
import type { AaveV4LiquidationRule, Leg, LiquidationRule, Position } from '../../../src/core/types.js'
import { naiveCascade, positionOutcomes, prepareCascade, runCascade } from '../../../src/risk/cascade.js'
import { zeroDepth } from '../../../src/risk/depth.js'
import { targetHealthFactorBonusBps } from '../../../src/risk/liquidation-rule.js'
import { marketCascadeInputs } from '../../../src/risk/market-cascade.js'
import { type StressInput, stressPosition } from '../../../src/risk/stress.js'
import { mcPosition } from '../../../src/risk/wallet-mc.js'
import { aaveRule } from '../../helpers/liquidation-rules.js'

const WBTC = '0x0000000000000000000000000000000000000003' as Address
const WETH = '0x0000000000000000000000000000000000000001' as Address

const v4Rule = (): AaveV4LiquidationRule => ({
  kind: 'target-health-factor',
  liquidationHealthFactor: 1,
  targetHealthFactor: 1.05,
  targetHealthFactorWad: '1050000000000000000',
  healthFactorForMaxBonus: 0.7,
  healthFactorForMaxBonusWad: '700000000000000000',
  liquidationBonusFactorBps: 2_000,
  collaterals: [
    // min = (max - 1e4) x 20% + 1e4: WBTC 10,140, WETH 10,100.
    {
      asset: WBTC,
      symbol: 'WBTC',
      reserveId: 3,
      collateralFactorBps: 7_200,
      maxBonusBps: 10_700,
      minBonusBps: 10_140,
      liquidationFeeBps: 1_500,
      currentBonusBps: null,
    },
    {
      asset: WETH,
      symbol: 'WETH',
      reserveId: 0,
      collateralFactorBps: 8_000,
      maxBonusBps: 10_500,
      minBonusBps: 10_100,
      liquidationFeeBps: 1_000,
      currentBonusBps: null,
    },
  ],
  closeFactor: null,
  dust: { thresholdUsd: 1_000, thresholdValue: '100000000000000000000000000000' },
  deficit: { whenLastCollateralEmptied: true },
})

function leg(side: Leg['side'], symbol: string, usd: number, extra: Partial<Leg> = {}): Leg {
  const address = symbol === 'WBTC' ? WBTC : symbol === 'WETH' ? WETH : null
  return { asset: { symbol, address, decimals: 18 }, side, amount: 1n, usd, priceUsd: 1, ...extra }
}
const wbtc = (usd: number) =>
  leg('collateral', 'WBTC', usd, {
    countsAsCollateral: true,
    liquidationThresholdBps: 7_200,
    liquidationBonusBps: 10_140,
  })
const weth = (usd: number, ltBps = 8_000, bonusBps = 10_100) =>
  leg('collateral', 'WETH', usd, {
    countsAsCollateral: true,
    liquidationThresholdBps: ltBps,
    liquidationBonusBps: bonusBps,
  })
const debtLeg = (symbol: string, usd: number) => leg('debt', symbol, usd)

const RISK: Record<string, string> = { WBTC: 'BTC', WETH: 'ETH' }
function input(rule: LiquidationRule, legs: Leg[]): StressInput {
  const position: Position = {
    status: 'ok',
    protocol: 'p',
    market: 'm',
    chain: 'ethereum',
    kind: 'lending',
    healthFactor: null,
    healthFactorWad: null,
    collateralUsd: legs.filter((l) => l.side === 'collateral').reduce((a, l) => a + l.usd, 0),
    debtUsd: legs.filter((l) => l.side === 'debt').reduce((a, l) => a + l.usd, 0),
    legs,
    liquidationPrices: [],
    liquidationRule: rule,
    details: {},
  }
  const contributions = legs.map((l) => {
    const sign = l.side === 'debt' ? -1 : 1
    const riskAsset = RISK[l.asset.symbol] ?? 'USD'
    return {
      layer: 'x',
      source: l.side,
      symbol: l.asset.symbol,
      token: '0x0',
      riskAsset,
      units: (sign * l.usd) / (riskAsset === 'USD' ? 1 : 1_000),
      units18: null,
      usd: sign * l.usd,
      path: [l.asset.symbol],
      issuers: [],
      flags: {},
    }
  })
  return { id: 'p', position, contributions }
}
const NONE = { name: '', shocks: {} }

describe('target health factor (Aave V4)', () => {
  it('bonus curve: min just below HF 1, linear, floored to whole bps, max at/below hfForMaxBonus', () => {
    const t = { minBonusBps: 10_140, maxBonusBps: 10_700 }
    // FACTS §11: HF 0.995247704, max 10,700, factor 20%, hfMax 0.7 -> 10,148.
    expect(targetHealthFactorBonusBps(v4Rule(), t, 0.995247704)).toBe(10_148)
    // HF 0.85: 10,140 + 560 x 0.15 / 0.3 = 10,420 exactly (the float guard keeps the integer).
    expect(targetHealthFactorBonusBps(v4Rule(), t, 0.85)).toBe(10_420)
    expect(targetHealthFactorBonusBps(v4Rule(), t, 0.7)).toBe(10_700)
    expect(targetHealthFactorBonusBps(v4Rule(), t, 0.5)).toBe(10_700)
  })

  it('restores the target HF: WBTC 30,000 + WETH 3,500 vs USDT 27,000', () => {
    // W = 30,000 x 0.72 + 3,500 x 0.8 = 24,400; HF = 24,400 / 27,000 = 0.9037037.
    // LB(WBTC) = floor(10,140 + 560 x (1 - 0.9037037) / 0.3) = floor(10,319.75) = 10,319.
    // x = 27,000 x (1.05 - 0.9037037) / (1.05 - 1.0319 x 0.72) = 12,865.47; seized x 1.0319.
    const s = stressPosition(input(v4Rule(), [wbtc(30_000), weth(3_500), debtLeg('USDT', 27_000)]), NONE)
    const hf = 24_400 / 27_000
    const x = (27_000 * (1.05 - hf)) / (1.05 - 1.0319 * 0.72)
    const l = s.liquidation!
    expect(s.healthFactorShocked).toBeCloseTo(hf, 12)
    expect(l).toMatchObject({
      rule: 'target-health-factor',
      collateralSymbol: 'WBTC',
      debtSymbol: 'USDT',
      bonus: 1.0319,
      dustRule: false,
      badDebtUsd: 0,
    })
    expect(l.debtRepaidUsd).toBeCloseTo(x, 8)
    expect(l.collateralSeizedUsd).toBeCloseTo(x * 1.0319, 8)
    expect(l.closeFactor).toBeCloseTo(x / 27_000, 12)
    // Fee: 15% of the bonus part of the seizure.
    expect(l.protocolFeeUsd!).toBeCloseTo((x * 1.0319 * 0.15 * 0.0319) / 1.0319, 8)
    expect(l.healthFactorAfter!).toBeCloseTo(1.05, 12)
    expect(s.stillLiquidatable).toBe(false)
    // Equity 33,500 - 27,000 = 6,500, less the bonus x x 0.0319.
    expect(s.equityAfterUsd).toBeCloseTo(6_500 - x * 0.0319, 8)
  })

  it('max bonus and collateral exhausted, other collateral left: no deficit', () => {
    // WBTC 20,000 + WETH 3,500 vs 27,000: HF = 17,200 / 27,000 = 0.637 <= 0.7: LB 10,700.
    // x = 27,000 x 0.413 / (1.05 - 0.7704) > 27,000 -> the reserve's debt, seizure 28,890 > 20,000:
    // the whole WBTC, repaid 20,000 / 1.07 = 18,691.59; HF after 2,800 / 8,308.41 = 0.337.
    const s = stressPosition(input(v4Rule(), [wbtc(20_000), weth(3_500), debtLeg('USDT', 27_000)]), NONE)
    const l = s.liquidation!
    expect(l.bonus).toBe(1.07)
    expect(l.collateralSeizedUsd).toBeCloseTo(20_000, 9)
    expect(l.debtRepaidUsd).toBeCloseTo(20_000 / 1.07, 9)
    expect(l.badDebtUsd).toBe(0)
    expect(l.healthFactorAfter!).toBeCloseTo(2_800 / (27_000 - 20_000 / 1.07), 12)
    expect(s.stillLiquidatable).toBe(true)
  })

  it('deficit: the last collateral emptied with debt left writes the rest off', () => {
    // WBTC 20,000 alone vs 27,000: HF 0.533, LB 1.07, whole WBTC repays 18,691.59; the remaining
    // 8,308.41 is a deficit: no debt left, HF after null, equity 0.
    const s = stressPosition(input(v4Rule(), [wbtc(20_000), debtLeg('USDT', 27_000)]), NONE)
    const l = s.liquidation!
    expect(l.badDebtUsd).toBeCloseTo(27_000 - 20_000 / 1.07, 9)
    expect(l.healthFactorAfter).toBeNull()
    expect(s.equityAfterUsd).toBe(0)
    expect(s.stillLiquidatable).toBe(false)
  })

  it('debt dust: a reserve that would keep less than 1,000 USD of debt is repaid whole', () => {
    // WBTC 14,000 vs USDC 12,900: HF = 10,080 / 12,900 = 0.781395; LB = floor(10,140 + 560 x
    // 0.218605 / 0.3) = floor(10,548.06) = 10,548; x = 12,900 x 0.268605 / (1.05 - 0.759456) =
    // 11,926.0, leaving 974 < 1,000: the whole 12,900, seized 12,900 x 1.0548 = 13,606.92
    // (< 14,000: 393 of collateral stays, allowed since the debt reserve is emptied).
    const s = stressPosition(input(v4Rule(), [wbtc(14_000), debtLeg('USDC', 12_900)]), NONE)
    const l = s.liquidation!
    expect(l.bonus).toBe(1.0548)
    expect(l.dustRule).toBe(true)
    expect(l.debtRepaidUsd).toBeCloseTo(12_900, 9)
    expect(l.collateralSeizedUsd).toBeCloseTo(12_900 * 1.0548, 9)
    expect(l.badDebtUsd).toBe(0)
    expect(l.healthFactorAfter).toBeNull()
    expect(s.equityAfterUsd).toBeCloseTo(14_000 - 12_900 * 1.0548, 9)
  })

  it('collateral dust: a reserve that would keep less than 1,000 USD is seized whole', () => {
    // WBTC 10,000 + WETH 9,000 vs USDC 16,300: W = 7,200 + 7,200 = 14,400, HF 0.883436;
    // LB = floor(10,140 + 560 x 0.116564 / 0.3) = floor(10,357.59) = 10,357; x = 16,300 x 0.166564 /
    // (1.05 - 0.745704) = 8,922.2, seizing 9,240.7: 759 would stay < 1,000: all 10,000 WBTC,
    // repaid 10,000 / 1.0357 = 9,655.31; WETH remains: no deficit.
    const s = stressPosition(input(v4Rule(), [wbtc(10_000), weth(9_000), debtLeg('USDC', 16_300)]), NONE)
    const l = s.liquidation!
    expect(l.bonus).toBe(1.0357)
    expect(l.dustRule).toBe(true)
    expect(l.collateralSeizedUsd).toBeCloseTo(10_000, 9)
    expect(l.debtRepaidUsd).toBeCloseTo(10_000 / 1.0357, 9)
    expect(l.badDebtUsd).toBe(0)
  })

  it('cascade: one target-hf tranche of the share a liquidation at HF 1 repays; fast = naive', () => {
    // WETH 10,000 (CF 80%, min bonus 10,100) vs USDC 7,000: share = (1.05 - 1) / (1.05 - 1.01 x 0.8)
    // = 0.05 / 0.242 = 0.2066116 (7,000 x 0.2066 = 1,446 leaves 5,554 of debt, > 1,000).
    const p = input(v4Rule(), [weth(10_000), debtLeg('USDC', 7_000)])
    const c = marketCascadeInputs([p], 'ETH')
    expect(c.positions[0]).toMatchObject({ closeRule: 'target-hf', bonus: 1.01 })
    expect(c.positions[0]!.repayShare!).toBeCloseTo(0.05 / 0.242, 12)
    // 10 ETH-units (10,000 / 1,000) at 1,000: p_liq = 7,000 / (10 x 0.8) = 875.
    const out = positionOutcomes(c.positions, 870)[0]!
    expect(out.liquidationPrice).toBeCloseTo(875, 9)
    expect(out.liquidatedFraction).toBeCloseTo(0.05 / 0.242, 6)
    expect(out.liquidatedUsd).toBeCloseTo(7_000 * (0.05 / 0.242), 3)
    const population = [
      ...c.positions,
      { collateral: 10, debtUsd: 7_000, liquidationThreshold: 0.8, bonus: 1.05, closeRule: 'full' as const },
    ]
    const options = { startPrice: 1_000, shock: -0.2, depth: zeroDepth() }
    expect(runCascade(prepareCascade(population), options)).toEqual(naiveCascade(population, options))
    expect(runCascade(prepareCascade(population), options).liquidatedUsd).toBeCloseTo(
      Math.fround(7_000 * Math.fround(0.05 / 0.242)) + 7_000,
      2,
    )
  })

  it('Monte Carlo: the penalty is the bonus on the debt that restores the target at HF 1', () => {
    // x = 7,000 x 0.05 / 0.242 = 1,446.28; penalty (1.01 - 1) x x = 14.4628.
    expect(
      mcPosition(input(v4Rule(), [weth(10_000), debtLeg('USDC', 7_000)])).liquidationPenaltyUsd,
    ).toBeCloseTo((0.01 * 7_000 * 0.05) / 0.242, 9)
  })
})

describe('Aave v3.3+ per reserve', () => {
  const wethV3 = (usd: number) => weth(usd, 8_000, 10_500)
  const wbtcV3 = (usd: number) =>
    leg('collateral', 'WBTC', usd, {
      countsAsCollateral: true,
      liquidationThresholdBps: 8_000,
      liquidationBonusBps: 10_500,
    })

  it('the 2,000 USD thresholds apply to the chosen reserves, not the totals', () => {
    // WETH 1,900 + WBTC 1,800 vs USDC 3,100: HF = 3,700 x 0.8 / 3,100 = 0.9548 (> 0.95). Totals
    // (3,700, 3,100) are over 2,000 but the largest collateral (WETH 1,900) is not: 100%: repaid
    // min(3,100, 1,900 / 1.05) = 1,809.52, all WETH seized; WBTC remains: no deficit.
    const s = stressPosition(
      input(aaveRule('v3.3'), [wethV3(1_900), wbtcV3(1_800), debtLeg('USDC', 3_100)]),
      NONE,
    )
    const l = s.liquidation!
    expect(s.healthFactorShocked).toBeCloseTo((3_700 * 0.8) / 3_100, 12)
    expect(l).toMatchObject({ closeFactor: 1, collateralSymbol: 'WETH', debtSymbol: 'USDC', badDebtUsd: 0 })
    expect(l.debtRepaidUsd).toBeCloseTo(1_900 / 1.05, 9)
    expect(l.collateralSeizedUsd).toBeCloseTo(1_900, 9)
    // The cascade uses the same per-reserve test.
    expect(
      marketCascadeInputs(
        [input(aaveRule('v3.3'), [wethV3(1_900), wbtcV3(1_800), debtLeg('USDC', 3_100)])],
        'ETH',
      ).positions[0]!.closeRule,
    ).toBe('full')
  })

  it('the 50% is of the total debt, capped by the chosen reserve', () => {
    // WETH 14,800 vs USDC 8,000 + USDT 4,000: HF = 11,840 / 12,000 = 0.98667; 50% of 12,000 =
    // 6,000 < 8,000 of USDC: repaid 6,000 (v3.0-v3.2 would take 50% of the reserve, 4,000),
    // seized 6,300; 2,000 of USDC and 8,500 of WETH stay (>= 1,000).
    const s = stressPosition(
      input(aaveRule('v3.3'), [wethV3(14_800), debtLeg('USDC', 8_000), debtLeg('USDT', 4_000)]),
      NONE,
    )
    const l = s.liquidation!
    expect(l).toMatchObject({ closeFactor: 0.5, debtSymbol: 'USDC', dustRule: false })
    expect(l.debtRepaidUsd).toBeCloseTo(6_000, 9)
    expect(l.collateralSeizedUsd).toBeCloseTo(6_300, 9)
    expect(l.healthFactorAfter!).toBeCloseTo(((14_800 - 6_300) * 0.8) / 6_000, 12)
  })

  it('MIN_LEFTOVER_BASE: a 50% call that would leave < 1,000 USD of the reserve is shrunk to leave 1,000', () => {
    // WETH 14,800 vs USDC 6,500 + USDT 5,500: 50% of 12,000 = 6,000 would leave 500 of USDC: the
    // Pool reverts (MustNotLeaveDust) and the cap forbids taking all 6,500: the largest valid call
    // repays 6,500 - 1,000 = 5,500, seizing 5,775.
    const s = stressPosition(
      input(aaveRule('v3.3'), [wethV3(14_800), debtLeg('USDC', 6_500), debtLeg('USDT', 5_500)]),
      NONE,
    )
    const l = s.liquidation!
    expect(l).toMatchObject({ closeFactor: 0.5, dustRule: true })
    expect(l.debtRepaidUsd).toBeCloseTo(5_500, 9)
    expect(l.collateralSeizedUsd).toBeCloseTo(5_775, 9)
    // Monte Carlo, at HF 1 (> 0.95) with the same reserves: the same call, penalty 5% x 5,500.
    expect(
      mcPosition(input(aaveRule('v3.3'), [wethV3(14_800), debtLeg('USDC', 6_500), debtLeg('USDT', 5_500)]))
        .liquidationPenaltyUsd,
    ).toBeCloseTo(275, 9)
  })

  it('HF <= 0.95: the whole debt of the chosen reserve; seizing all counted collateral burns the rest', () => {
    // WETH 10,000 vs USDC 7,000 + USDT 2,000: HF = 8,000 / 9,000 = 0.889: 100% of USDC, seized
    // 7,350; 2,650 of WETH and the USDT stay; no deficit.
    const s = stressPosition(
      input(aaveRule('v3.3'), [wethV3(10_000), debtLeg('USDC', 7_000), debtLeg('USDT', 2_000)]),
      NONE,
    )
    expect(s.liquidation!).toMatchObject({ closeFactor: 1, badDebtUsd: 0 })
    expect(s.liquidation!.debtRepaidUsd).toBeCloseTo(7_000, 9)
    // WETH 6,000 vs USDC 7,000 + USDT 2,000: HF 0.533: all WETH for 6,000 / 1.05 = 5,714.29 of USDC;
    // it was the only collateral: the remaining 9,000 - 5,714.29 is burned.
    const d = stressPosition(
      input(aaveRule('v3.3'), [wethV3(6_000), debtLeg('USDC', 7_000), debtLeg('USDT', 2_000)]),
      NONE,
    )
    expect(d.liquidation!.badDebtUsd).toBeCloseTo(9_000 - 6_000 / 1.05, 9)
    expect(d.equityAfterUsd).toBe(0)
  })
})
