/**
 * The engines dispatch on each position's `liquidationRule` (never on its protocol name or
 * details): the same legs under different rules, hand vectors (arithmetic in the comments). Rule
 * parameters from the adapters' builders: Aave LiquidationLogic constants (CLOSE_FACTOR_HF_THRESHOLD
 * 0.95e18, DEFAULT_LIQUIDATION_CLOSE_FACTOR 50%, v3.3 MIN_BASE_MAX_CLOSE_FACTOR_THRESHOLD 2,000e8),
 * Morpho's whole-debt rule, Comet's absorb factors, GMX's fixed and Hyperliquid's notional-scaled
 * maintenance.
 */
import { describe, expect, it } from 'vitest'
import { BaseError } from '../../../src/core/errors.js'
import { isolatedMaintenanceRule } from '../../../src/core/liquidation-rule.js'
import type { Leg, LiquidationRule, Position } from '../../../src/core/types.js'
import { aaveV3LiquidationRule } from '../../../src/protocols/aave-v3/position.js'
import type { Contribution } from '../../../src/resolve/types.js'
import {
  aaveCloseFactor,
  isPerpRule,
  unknownLiquidationRule,
  writesOffBadDebt,
} from '../../../src/risk/liquidation-rule.js'
import { marketCascadeInputs } from '../../../src/risk/market-cascade.js'
import { type StressInput, stressPosition } from '../../../src/risk/stress.js'
import { mcPosition } from '../../../src/risk/wallet-mc.js'
import { aaveRule, morphoRule, USD_BASE } from '../../helpers/liquidation-rules.js'

function leg(side: Leg['side'], symbol: string, usd: number, extra: Partial<Leg> = {}): Leg {
  return { asset: { symbol, address: null, decimals: 18 }, side, amount: 1n, usd, priceUsd: 1, ...extra }
}

function contribution(
  l: Leg | { side: Contribution['source']; usd: number },
  riskAsset: string,
  units: number,
) {
  const sign = l.side === 'debt' || l.side === 'short' ? -1 : 1
  const symbol = 'asset' in l ? l.asset.symbol : 'USD'
  return {
    layer: 'x',
    source: l.side,
    symbol,
    token: '0x0',
    riskAsset,
    units: sign * units,
    units18: null,
    usd: sign * l.usd,
    path: [symbol],
    issuers: [],
    flags: {},
  } satisfies Contribution
}

/** A position whose protocol and details say nothing: only the rule decides. */
function withRule(
  rule: LiquidationRule,
  legs: Leg[],
  contributions: Contribution[],
  collateralUsd?: number,
): StressInput {
  const position: Position = {
    status: 'ok',
    protocol: 'some-fork',
    market: 'm',
    chain: 'ethereum',
    kind: isPerpRule(rule) ? 'perp' : 'lending',
    healthFactor: null,
    healthFactorWad: null,
    collateralUsd:
      collateralUsd ?? legs.filter((l) => l.side === 'collateral').reduce((a, l) => a + l.usd, 0),
    debtUsd: legs.filter((l) => l.side === 'debt').reduce((a, l) => a + l.usd, 0),
    legs,
    liquidationPrices: [],
    liquidationRule: rule,
    details: { layout: 'v3.3', collaterals: [{ symbol: 'WETH', liquidationFactorBps: 5_000 }] },
  }
  return { id: 'p', position, contributions }
}

/** WETH collateral (LT 82.5%, bonus 5%) worth `coll` USD against `debt` USDC; 1 WETH = 3,000 USD. */
function lendingInput(rule: LiquidationRule, coll: number, debt: number): StressInput {
  const c = leg('collateral', 'WETH', coll, {
    countsAsCollateral: true,
    liquidationThresholdBps: 8_250,
    liquidationBonusBps: 10_500,
  })
  const d = leg('debt', 'USDC', debt)
  return withRule(rule, [c, d], [contribution(c, 'ETH', coll / 3_000), contribution(d, 'USD', debt)])
}

describe('Aave v3 close factor by version', () => {
  it('v3.0 closes 50% above HF 0.95 whatever the size; v3.3 closes a small position fully', () => {
    // 1,500 WETH vs 1,200 USDC; ETH -5%: HF = 1,425 x 0.825 / 1,200 = 0.97969 (> 0.95, < 1).
    const shock = { name: '', shocks: { ETH: -0.05 } }
    const v30 = stressPosition(lendingInput(aaveRule('v3.0'), 1_500, 1_200), shock)
    const v33 = stressPosition(lendingInput(aaveRule('v3.3'), 1_500, 1_200), shock)
    expect(v30.healthFactorShocked).toBeCloseTo((1_425 * 0.825) / 1_200, 12)
    expect(v30.liquidation).toMatchObject({ rule: 'aave-close-factor', closeFactor: 0.5 })
    // v3.3: 1,425 and 1,200 are under 2,000 USD: 100%.
    expect(v33.liquidation).toMatchObject({ rule: 'aave-close-factor', closeFactor: 1 })
  })

  it("v3.3's size threshold is in the market's base currency, converted to USD", () => {
    // A base currency worth 2 USD per whole unit: 2,000e8 base = 4,000 USD. 30,000 WETH vs 3,000
    // USDC is over 2,000 USD but its debt is under 4,000 USD: 100% at HF 0.99 (> 0.95).
    const twoUsd = aaveV3LiquidationRule('v3.3', { ...USD_BASE, priceInUsd: 200_000_000n })
    const usd = aaveV3LiquidationRule('v3.3', USD_BASE)
    expect(aaveCloseFactor(usd, 0.99, 30_000, 3_000)).toBe(0.5)
    expect(aaveCloseFactor(twoUsd, 0.99, 30_000, 3_000)).toBe(1)
    expect(aaveCloseFactor(twoUsd, 0.99, 30_000, 4_000)).toBe(0.5)
    // At HF 0.95 exactly (not above the threshold): 100% on both versions.
    expect(aaveCloseFactor(aaveRule('v3.0'), 0.95, 30_000, 4_000)).toBe(1)
    expect(aaveCloseFactor(usd, 0.95, 30_000, 4_000)).toBe(1)
  })

  it('deficit: v3.3 burns it once the collateral is exhausted, v3.0 keeps it, Morpho socialises it', () => {
    expect(writesOffBadDebt(aaveRule('v3.3'), true)).toBe(true)
    expect(writesOffBadDebt(aaveRule('v3.3'), false)).toBe(false)
    expect(writesOffBadDebt(aaveRule('v3.0'), true)).toBe(false)
    expect(writesOffBadDebt(morphoRule(), false)).toBe(true)
  })
})

describe('Morpho Blue', () => {
  it("repays the whole debt at the legs' LIF where Aave v3.0 repays half", () => {
    // 30,000 WETH vs 24,000 USDC; ETH -5%: HF = 28,500 x 0.825 / 24,000 = 0.97969.
    // Morpho: repay 24,000, seize 25,200, penalty 1,200. Aave v3.0: repay 12,000, penalty 600.
    const shock = { name: '', shocks: { ETH: -0.05 } }
    const morpho = stressPosition(lendingInput(morphoRule(), 30_000, 24_000), shock)
    const aave = stressPosition(lendingInput(aaveRule('v3.0'), 30_000, 24_000), shock)
    expect(morpho.liquidation).toMatchObject({ rule: 'morpho-full', closeFactor: 1 })
    expect(morpho.liquidation!.debtRepaidUsd).toBeCloseTo(24_000, 9)
    expect(morpho.liquidation!.penaltyUsd).toBeCloseTo(1_200, 9)
    expect(aave.liquidation!.debtRepaidUsd).toBeCloseTo(12_000, 9)
    expect(aave.liquidation!.penaltyUsd).toBeCloseTo(600, 9)
  })
})

describe('Comet absorb', () => {
  const rule: LiquidationRule = {
    kind: 'comet-absorb',
    collaterals: [{ asset: '0x0', symbol: 'WETH', liquidationFactorBps: 9_500 }],
  }
  const input = () => {
    // 10,000 WETH (liquidateCF 90%, liquidation factor 95% in the rule; details say 50%: unread)
    // against 8,000 USDC.
    const c = leg('collateral', 'WETH', 10_000, { countsAsCollateral: true, liquidationThresholdBps: 9_000 })
    const d = leg('debt', 'USDC', 8_000)
    return withRule(rule, [c, d], [contribution(c, 'ETH', 10_000 / 3_000), contribution(d, 'USD', 8_000)])
  }

  it("takes all the collateral and credits it at the rule's liquidation factor", () => {
    // ETH -15%: collateral 8,500, HF = 7,650 / 8,000 < 1; credit 8,500 x 0.95 = 8,075: debt wiped,
    // 75 left to the account, penalty 425.
    const r = stressPosition(input(), { name: '', shocks: { ETH: -0.15 } })
    expect(r.liquidation).toMatchObject({ rule: 'compound-absorb', closeFactor: 1 })
    expect(r.liquidation!.collateralSeizedUsd).toBeCloseTo(8_500, 9)
    expect(r.liquidation!.penaltyUsd).toBeCloseTo(425, 9)
    expect(r.equityAfterUsd).toBeCloseTo(75, 9)
  })

  it('the cascade prices the absorb as a bonus of 1 / factor, Monte Carlo as a 5% loss', () => {
    const c = marketCascadeInputs([input()], 'ETH')
    expect(c.positions[0]).toMatchObject({ closeRule: 'full' })
    expect(c.positions[0]!.bonus).toBeCloseTo(1 / 0.95, 12)
    // 10,000 x (1 - 0.95).
    expect(mcPosition(input()).liquidationPenaltyUsd).toBeCloseTo(500, 9)
  })
})

describe('cascade close rules', () => {
  it('Aave v3.0 and large v3.3 positions close 50%/100%, small v3.3 and Morpho the whole debt', () => {
    const rules = [aaveRule('v3.0'), aaveRule('v3.3'), morphoRule()]
    const small = marketCascadeInputs(
      rules.map((r) => lendingInput(r, 1_500, 1_200)),
      'ETH',
    )
    expect(small.positions.map((p) => p.closeRule)).toEqual(['aave-v3.0', 'full', 'full'])
    const large = marketCascadeInputs(
      rules.map((r) => lendingInput(r, 30_000, 24_000)),
      'ETH',
    )
    expect(large.positions.map((p) => p.closeRule)).toEqual(['aave-v3.0', 'aave-v3.0', 'full'])
  })
})

describe('perp maintenance', () => {
  /**
   * 10 ETH long at 3,000 (notional 30,000) financed by 29,000 (equity 1,000), maintenance 300
   * (1% of the notional) under `rule`.
   */
  const perp = (rule: LiquidationRule) => {
    const l = leg('long', 'ETH', 30_000)
    return withRule(
      rule,
      [l],
      [contribution(l, 'ETH', 10), contribution({ side: 'financing', usd: -29_000 }, 'USD', 29_000)],
      1_000,
    )
  }
  const gmx: LiquidationRule = {
    kind: 'gmx-min-collateral',
    minCollateralUsd: 1,
    minCollateralUsdForLeverage: 300,
    minCollateralFactor: 0.01,
    maintenanceMarginUsd: 300,
    negativeEquityFloored: true,
  }
  const hyperliquid: LiquidationRule = {
    kind: 'hyperliquid-maintenance',
    marginMode: 'isolated',
    maintenanceMarginUsd: 300,
    legs: [{ coin: 'ETH', maxLeverage: 50, maintenanceMarginRate: 0.01 }],
    negativeEquityFloored: true,
  }

  it("GMX's threshold stays fixed in USD; Hyperliquid's and a manual perp's scale with the notional", () => {
    // ETH -2.35%: equity = 30,000 x 0.9765 - 29,000 = 295. GMX: 295 / 300 < 1, liquidated.
    // Scaled: maintenance 300 x 0.9765 = 292.95, HF 1.007: alive.
    const shock = { name: '', shocks: { ETH: -0.0235 } }
    const g = stressPosition(perp(gmx), shock)
    const h = stressPosition(perp(hyperliquid), shock)
    const m = stressPosition(perp(isolatedMaintenanceRule(0.01, 300)), shock)
    expect(g.healthFactorShocked).toBeCloseTo(295 / 300, 9)
    expect(g.liquidated).toBe(true)
    expect(h.healthFactorShocked).toBeCloseTo(295 / 292.95, 9)
    expect(h.liquidated).toBe(false)
    expect(m.healthFactorShocked).toBeCloseTo(295 / 292.95, 9)
  })

  it('a negative equity floors at 0 only where the rule says the venue absorbs it', () => {
    // ETH -5%: equity = 28,500 - 29,000 = -500.
    const shock = { name: '', shocks: { ETH: -0.05 } }
    const floored = stressPosition(perp(gmx), shock)
    expect(floored.equityAfterUsd).toBe(0)
    expect(floored.liquidation!.badDebtUsd).toBeCloseTo(500, 9)
    const owed = stressPosition(perp({ ...gmx, negativeEquityFloored: false }), shock)
    expect(owed.equityAfterUsd).toBeCloseTo(-500, 9)
    expect(owed.liquidation!.badDebtUsd).toBe(0)
  })

  it('Monte Carlo: a fixed threshold is a constant, a scaled one a price coefficient', () => {
    // GMX: liquidated when 30,000 x m - 29,000 - 300 < 0; scaled: 29,700 x m - 29,000 < 0.
    const g = mcPosition(perp(gmx))
    expect(g.liqCoeffs).toEqual({ ETH: 30_000 })
    expect(g.liqConst).toBeCloseTo(-29_300, 9)
    const h = mcPosition(perp(hyperliquid))
    expect(h.liqCoeffs.ETH).toBeCloseTo(29_700, 9)
    expect(h.liqConst).toBeCloseTo(-29_000, 9)
    expect(h.liquidationPenaltyUsd).toBe(300)
  })

  it('perps are left out of a market cascade', () => {
    expect(marketCascadeInputs([perp(gmx)], 'ETH').excluded).toEqual([{ id: 'p', reason: 'perp' }])
  })
})

describe('Monte Carlo close factors', () => {
  it('Aave v3.3 closes a small position fully (penalty on the whole debt), v3.0 half', () => {
    // 1,500 WETH vs 1,200 USDC, bonus 5%: v3.0 0.05 x 1,200 x 0.5 = 30; v3.3 0.05 x 1,200 = 60.
    expect(mcPosition(lendingInput(aaveRule('v3.0'), 1_500, 1_200)).liquidationPenaltyUsd).toBeCloseTo(30, 9)
    expect(mcPosition(lendingInput(aaveRule('v3.3'), 1_500, 1_200)).liquidationPenaltyUsd).toBeCloseTo(60, 9)
    expect(mcPosition(lendingInput(morphoRule(), 1_500, 1_200)).liquidationPenaltyUsd).toBeCloseTo(60, 9)
  })
})

describe('an unknown rule kind', () => {
  it('is refused with a coded error rather than treated as some protocol', () => {
    const bogus = { kind: 'bogus' } as unknown as never
    expect(() => unknownLiquidationRule(bogus)).toThrow(BaseError)
    expect(() => isPerpRule(bogus)).toThrow(/unknown liquidation rule kind bogus/)
  })
})
