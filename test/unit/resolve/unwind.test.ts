/**
 * The unwind planner against hand computations (written out as expressions next to each
 * expectation). Positions are built by hand; no chain.
 *
 * Base position P (used by several tests): 10 WETH at 3,000 USD (30,000 USD, LT 82.5%) against
 * 20,000 USDC debt. HF = 0.825 * 30,000 / 20,000 = 1.2375.
 */
import { describe, expect, it } from 'vitest'
import type { Leg, Position } from '../../../src/core/types.js'
import { planUnwind, type UnwindLayer } from '../../../src/resolve/unwind.js'
import { fixtureRule } from '../../helpers/liquidation-rules.js'

const raw = (tokens: number, decimals: number) =>
  BigInt(Math.round(tokens * 1e6)) * 10n ** BigInt(decimals - 6)

function coll(symbol: string, tokens: number, price: number, ltBps: number, decimals = 18): Leg {
  return {
    asset: { symbol, address: null, decimals },
    side: 'collateral',
    amount: raw(tokens, decimals),
    usd: tokens * price,
    priceUsd: price,
    countsAsCollateral: true,
    liquidationThresholdBps: ltBps,
  }
}

function debt(symbol: string, tokens: number, price = 1, decimals = 6): Leg {
  return {
    asset: { symbol, address: null, decimals },
    side: 'debt',
    amount: raw(tokens, decimals),
    usd: tokens * price,
    priceUsd: price,
  }
}

function lending(legs: Leg[], healthFactor?: number | null): Position {
  const c = legs.filter((l) => l.side === 'collateral')
  const d = legs.filter((l) => l.side === 'debt')
  const debtUsd = d.reduce((s, l) => s + l.usd, 0)
  const weighted = c.reduce((s, l) => s + (l.usd * (l.liquidationThresholdBps ?? 0)) / 1e4, 0)
  return {
    status: 'ok',
    protocol: 'aave-v3',
    market: 'aave-v3-ethereum',
    chain: 'ethereum',
    kind: 'lending',
    healthFactor: healthFactor !== undefined ? healthFactor : debtUsd > 0 ? weighted / debtUsd : null,
    healthFactorWad: null,
    collateralUsd: c.reduce((s, l) => s + l.usd, 0),
    debtUsd,
    legs,
    liquidationPrices: [],
    liquidationRule: fixtureRule('aave-v3', 'lending'),
    details: {},
  }
}

/** A perp: `size` units of ETH at `mark`, equity `equity`, maintenance margin rate `mmr`. */
function perp(size: number, mark: number, equity: number, mmr: number): Position {
  const notional = size * mark
  return {
    status: 'ok',
    protocol: 'hyperliquid',
    market: 'hyperliquid:ETH',
    chain: 'hyperliquid',
    kind: 'perp',
    healthFactor: equity / (mmr * notional),
    healthFactorWad: null,
    collateralUsd: equity,
    debtUsd: 0,
    legs: [
      {
        asset: { symbol: 'ETH', address: null, decimals: 18 },
        side: 'long',
        amount: raw(size, 18),
        usd: notional,
        priceUsd: mark,
      },
    ],
    liquidationPrices: [],
    liquidationRule: fixtureRule('hyperliquid', 'perp', { maintenanceMarginUsd: mmr * notional }),
    details: {},
  }
}

const P = () => lending([coll('WETH', 10, 3000, 8250), debt('USDC', 20_000)])
const layer = (id: string, position: Position): UnwindLayer => ({ id, position })

describe('planUnwind: lending, single collateral', () => {
  it('to HF 1.5: x = (h D - LT C) / (h - LT), after-HF = 1.5', () => {
    const plan = planUnwind([layer('aave', P())], { kind: 'healthFactor', value: 1.5 })
    const l = plan.layers[0]!
    // x = (1.5 * 20,000 - 0.825 * 30,000) / (1.5 - 0.825) = 5,250 / 0.675 = 7,777.78 USD
    const x = (1.5 * 20_000 - 0.825 * 30_000) / (1.5 - 0.825)
    expect(l.healthFactorBefore).toBeCloseTo(1.2375, 12)
    expect(l.method).toBe('iterative')
    expect(l.collateralSoldUsd).toBeCloseTo(x, 6)
    expect(l.debtRepaidUsd).toBeCloseTo(x, 6)
    expect(l.collateralSold).toHaveLength(1)
    expect(l.collateralSold[0]!.symbol).toBe('WETH')
    expect(l.collateralSold[0]!.amount).toBeCloseTo(x / 3000, 9) // 2.5926 WETH
    expect(l.collateralUsdAfter).toBeCloseTo(30_000 - x, 6)
    expect(l.debtUsdAfter).toBeCloseTo(20_000 - x, 6)
    expect(Math.abs(l.healthFactorAfter! - 1.5)).toBeLessThan(1e-9)
    // cross-check: 0.825 * (30,000 - x) / (20,000 - x) = 1.5
    expect((0.825 * (30_000 - x)) / (20_000 - x)).toBeCloseTo(1.5, 12)
    expect(l.costUsd).toBe(0)
    expect(l.reachesTarget).toBe(true)
    expect(l.warnings).toEqual([])
    expect(plan.skipped).toEqual([])
    expect(plan.totals.collateralSoldUsd).toBeCloseTo(x, 6)
    expect(plan.steps.every((s) => s.layerId === 'aave')).toBe(true)
  })
})

describe('planUnwind: lending, two collateral legs (piecewise)', () => {
  // WBTC 0.2 at 60,000 = 12,000 USD, LT 70%; WETH 10 at 3,000 = 30,000 USD, LT 82.5%.
  // Debts: USDC 15,200 and DAI 14,800 = 30,000. L = 0.7 * 12,000 + 0.825 * 30,000 = 8,400 + 24,750
  // = 33,150; HF = 33,150 / 30,000 = 1.105.
  const position = () =>
    lending([
      coll('WETH', 10, 3000, 8250),
      coll('WBTC', 0.2, 60_000, 7000, 8),
      debt('USDC', 15_200),
      debt('DAI', 14_800, 1, 18),
    ])

  it('sells the lowest-LT leg first, then solves the next segment exactly', () => {
    const l = planUnwind([layer('aave', position())], { kind: 'healthFactor', value: 1.5 }).layers[0]!
    expect(l.healthFactorBefore).toBeCloseTo(1.105, 12)
    // Segment WBTC (LT 0.7): x = (1.5 * 30,000 - 33,150) / (1.5 - 0.7) = 14,812.5 > 12,000 -> sell all.
    expect((1.5 * 30_000 - 33_150) / (1.5 - 0.7)).toBeGreaterThan(12_000)
    // Then L = 24,750, D = 18,000; segment WETH (LT 0.825): x = (1.5 * 18,000 - 24,750) / 0.675 = 3,333.33
    const x2 = (1.5 * 18_000 - 24_750) / (1.5 - 0.825)
    expect(l.collateralSoldUsd).toBeCloseTo(12_000 + x2, 6)
    expect(l.collateralSold.map((a) => a.symbol)).toEqual(['WBTC', 'WETH'])
    expect(l.collateralSold[0]!.amount).toBeCloseTo(0.2, 12)
    expect(l.collateralSold[1]!.amount).toBeCloseTo(x2 / 3000, 9)
    // after: 0.825 * (30,000 - x2) / (18,000 - x2) = 22,000 / 14,666.67 = 1.5
    expect(Math.abs(l.healthFactorAfter! - 1.5)).toBeLessThan(1e-9)
    expect(l.debtUsdAfter).toBeCloseTo(30_000 - 12_000 - x2, 6)
    // Repay the largest debt first: USDC 15,200 in full, then DAI 15,333.33 - 15,200 = 133.33.
    const repaid = l.iterative!.debtRepaid
    expect(repaid.map((a) => a.symbol)).toEqual(['USDC', 'DAI'])
    expect(repaid[0]!.usd).toBeCloseTo(15_200, 6)
    expect(repaid[1]!.usd).toBeCloseTo(12_000 + x2 - 15_200, 6)
    // The iterative path never goes below 1.01 between steps.
    for (const r of l.iterative!.rounds)
      expect(r.healthFactorAfterWithdraw).toBeGreaterThanOrEqual(1.01 - 1e-12)
    // Round 1 budget: (33,150 - 1.01 * 30,000) / 0.7 = 4,071.43 USD of WBTC.
    expect(l.iterative!.rounds[0]!.withdrawnUsd).toBeCloseTo((33_150 - 1.01 * 30_000) / 0.7, 6)
    expect(l.iterative!.rounds[0]!.healthFactorAfterWithdraw).toBeCloseTo(1.01, 12)
    // The flash path sells the same legs in the same order and reaches the same HF.
    expect(Math.abs(l.flashLoan!.healthFactorAfter! - 1.5)).toBeLessThan(1e-9)
    expect(l.flashLoan!.collateralSold.map((a) => a.symbol)).toEqual(['WBTC', 'WETH'])
  })

  it('swaps each sold asset into the debt asset it repays', () => {
    const l = planUnwind([layer('aave', position())], { kind: 'zero' }).layers[0]!
    const swaps = l.flashLoan!.steps.filter((s) => s.kind === 'swap')
    // 30,000 * 1.0005 = 30,015 USD sold: WBTC 12,000 -> USDC; WETH 18,015 -> USDC 3,208.12 and DAI 14,807.4
    expect(swaps[0]).toMatchObject({ symbol: 'WBTC', toSymbol: 'USDC' })
    expect(swaps[0]!.usd).toBeCloseTo(12_000, 6)
    expect(swaps[1]).toMatchObject({ symbol: 'WETH', toSymbol: 'USDC' })
    expect(swaps[1]!.usd).toBeCloseTo(15_200 * 1.0005 - 12_000, 6)
    expect(swaps[2]).toMatchObject({ symbol: 'WETH', toSymbol: 'DAI' })
    expect(swaps[2]!.usd).toBeCloseTo(14_800 * 1.0005, 6)
    expect(swaps[2]!.toAmount).toBeCloseTo(14_800 * 1.0005, 6)
  })
})

describe('planUnwind: target zero', () => {
  it('repays all debt (x = D) and keeps the rest of the collateral', () => {
    const l = planUnwind([layer('aave', P())], { kind: 'zero' }).layers[0]!
    expect(l.reachesTarget).toBe(true)
    expect(l.method).toBe('iterative')
    expect(l.debtRepaidUsd).toBeCloseTo(20_000, 6)
    expect(l.collateralSoldUsd).toBeCloseTo(20_000, 6)
    expect(l.collateralSold[0]!.amount).toBeCloseTo(20_000 / 3000, 9)
    expect(l.debtUsdAfter).toBe(0)
    expect(l.healthFactorAfter).toBeNull()
    expect(l.collateralUsdAfter).toBeCloseTo(10_000, 6)
    expect(l.insolvencyShortfallUsd).toBe(0)
  })

  it('reports the shortfall of an insolvent position', () => {
    // 10 WETH at 1,800 = 18,000 USD against 20,000 USDC: HF = 0.825 * 18,000 / 20,000 = 0.7425.
    const l = planUnwind([layer('aave', lending([coll('WETH', 10, 1800, 8250), debt('USDC', 20_000)]))], {
      kind: 'zero',
    }).layers[0]!
    expect(l.healthFactorBefore).toBeCloseTo(0.7425, 12)
    expect(l.insolvencyShortfallUsd).toBeCloseTo(2_000, 9) // 20,000 - 18,000
    expect(l.reachesTarget).toBe(false)
    // HF < 1.01: no withdrawal is possible before a repayment.
    expect(l.iterative!.stuck).toBe(true)
    expect(l.iterative!.roundCount).toBe(0)
    // Flash: sell all 18,000, repay 18,000 / 1.0005, leaving 20,000 - 17,991.00 = 2,008.996.
    expect(l.method).toBe('flash-loan')
    expect(l.collateralSoldUsd).toBeCloseTo(18_000, 6)
    expect(l.debtRepaidUsd).toBeCloseTo(18_000 / 1.0005, 6)
    expect(l.debtUsdAfter).toBeCloseTo(20_000 - 18_000 / 1.0005, 6)
    expect(l.collateralUsdAfter).toBe(0)
    expect(l.warnings.some((w) => w.startsWith('insolvent'))).toBe(true)
    expect(l.warnings.some((w) => w.includes('cannot be fully repaid'))).toBe(true)
  })
})

describe('planUnwind: iterative rounds', () => {
  // Each round withdraws w = C - 1.01 D / 0.825 (HF exactly 1.01 after the withdrawal), capped at
  // what the target still needs; then C -= w, D -= w.
  const m = 1.01
  const r1 = { C: 30_000, D: 20_000 }
  const w1 = r1.C - (m * r1.D) / 0.825 // 5,515.15
  const r2 = { C: r1.C - w1, D: r1.D - w1 } // C 24,484.85, D 14,484.85, HF 1.3946
  const w2 = r2.C - (m * r2.D) / 0.825 // 6,751.52
  const r3 = { C: r2.C - w2, D: r2.D - w2 } // C 17,733.33, D 7,733.33, HF 1.8918
  const w3 = r3.C - (m * r3.D) / 0.825 // 8,265.66 >= D 7,733.33: round 3 repays everything

  it('needs 3 rounds to zero', () => {
    expect(w3).toBeGreaterThan(r3.D)
    const it3 = planUnwind([layer('aave', P())], { kind: 'zero' }).layers[0]!.iterative!
    expect(it3.roundCount).toBe(3)
    expect(it3.rounds.map((r) => r.withdrawnUsd)).toEqual([
      expect.closeTo(w1, 6),
      expect.closeTo(w2, 6),
      expect.closeTo(r3.D, 6),
    ])
    expect(it3.rounds[0]!.healthFactorAfterRepay).toBeCloseTo((0.825 * r2.C) / r2.D, 9)
    expect(it3.rounds[1]!.healthFactorAfterRepay).toBeCloseTo((0.825 * r3.C) / r3.D, 9)
    expect(it3.rounds[2]!.healthFactorAfterRepay).toBeNull()
    // Rounds 1-2 withdraw down to exactly 1.01; round 3 only needs D: 0.825 * 10,000 / 7,733.33 = 1.0669.
    expect(it3.rounds[0]!.healthFactorAfterWithdraw).toBeCloseTo(1.01, 9)
    expect(it3.rounds[1]!.healthFactorAfterWithdraw).toBeCloseTo(1.01, 9)
    expect(it3.rounds[2]!.healthFactorAfterWithdraw).toBeCloseTo((0.825 * (r3.C - r3.D)) / r3.D, 9)
    expect(it3.maxRoundsHit).toBe(false)
    // 3 rounds of withdraw, swap, repay.
    expect(it3.steps.map((s) => `${s.round}:${s.kind}`)).toEqual([
      '1:withdraw',
      '1:swap',
      '1:repay',
      '2:withdraw',
      '2:swap',
      '2:repay',
      '3:withdraw',
      '3:swap',
      '3:repay',
    ])
  })

  it('needs 2 rounds to HF 1.5', () => {
    // Round 2 needs (1.5 * D2 - 0.825 * C2) / 0.675 = 2,262.63 < w2: it reaches the target.
    const need2 = (1.5 * r2.D - 0.825 * r2.C) / 0.675
    expect(need2).toBeLessThan(w2)
    const l = planUnwind([layer('aave', P())], { kind: 'healthFactor', value: 1.5 }).layers[0]!
    expect(l.iterative!.roundCount).toBe(2)
    expect(l.iterative!.rounds[1]!.withdrawnUsd).toBeCloseTo(need2, 6)
    expect(w1 + need2).toBeCloseTo(5250 / 0.675, 6)
  })

  it('reports maxRounds and falls back to the flash path', () => {
    const l = planUnwind([layer('aave', P())], { kind: 'zero' }, { maxRounds: 2 }).layers[0]!
    expect(l.iterative!.roundCount).toBe(2)
    expect(l.iterative!.maxRoundsHit).toBe(true)
    expect(l.iterative!.reachesTarget).toBe(false)
    expect(l.method).toBe('flash-loan')
    expect(l.warnings.some((w) => w.includes('within 2 rounds'))).toBe(true)
  })
})

describe('planUnwind: flash-loan path', () => {
  it('costs premium * debt repaid and reaches the target in one step', () => {
    const f = planUnwind([layer('aave', P())], { kind: 'healthFactor', value: 1.5 }).layers[0]!.flashLoan!
    // Selling k x repays x with k = 1.0005: x = (1.5 * 20,000 - 24,750) / (1.5 - 0.825 * 1.0005)
    const x = (1.5 * 20_000 - 24_750) / (1.5 - 0.825 * 1.0005)
    expect(f.debtRepaidUsd).toBeCloseTo(x, 6)
    expect(f.flashBorrowedUsd).toBeCloseTo(x, 6)
    expect(f.costUsd).toBeCloseTo(0.0005 * x, 9)
    expect(f.premiumUsd).toBe(f.costUsd)
    expect(f.collateralSoldUsd).toBeCloseTo(1.0005 * x, 6)
    expect(Math.abs(f.healthFactorAfter! - 1.5)).toBeLessThan(1e-9)
    expect(f.steps.map((s) => s.kind)).toEqual(['flash-borrow', 'repay', 'withdraw', 'swap', 'flash-repay'])
    expect(f.steps[4]!.usd).toBeCloseTo(1.0005 * x, 6)
  })

  it('to zero with a 9 bps premium: cost = 0.0009 * 20,000 = 18 USD', () => {
    const f = planUnwind([layer('aave', P())], { kind: 'zero' }, { flashLoanPremiumBps: 9 }).layers[0]!
      .flashLoan!
    expect(f.costUsd).toBeCloseTo(18, 9)
    expect(f.collateralSoldUsd).toBeCloseTo(20_018, 6)
    expect(f.debtUsdAfter).toBe(0)
    expect(f.reachesTarget).toBe(true)
  })
})

describe('planUnwind: skipped layers and warnings', () => {
  it('skips a position at/above target, without debt, or without a health factor', () => {
    const plan = planUnwind(
      [
        layer('above', P()),
        layer('nodebt', lending([coll('WETH', 1, 3000, 8250)])),
        layer('nohf', lending([coll('WETH', 1, 3000, 8250), debt('USDC', 1000)], null)),
      ],
      { kind: 'healthFactor', value: 1.2 },
    )
    expect(plan.layers).toEqual([])
    expect(plan.skipped.map((s) => [s.id, s.reason])).toEqual([
      ['above', 'at-or-above-target'],
      ['nodebt', 'no-debt'],
      ['nohf', 'no-health-factor'],
    ])
    expect(plan.skipped[0]!.healthFactor).toBeCloseTo(1.2375, 12)
    expect(plan.totals.reachesTarget).toBe(true)
  })

  it('warns when the reported HF differs from the legs by > 1e-6 relative, and still plans', () => {
    const l = planUnwind(
      [layer('aave', lending([coll('WETH', 10, 3000, 8250), debt('USDC', 20_000)], 1.25))],
      {
        kind: 'healthFactor',
        value: 1.5,
      },
    ).layers[0]!
    expect(l.warnings).toHaveLength(1)
    expect(l.warnings[0]).toMatch(/differs from the position's reported 1.25/)
    expect(Math.abs(l.healthFactorAfter! - 1.5)).toBeLessThan(1e-9)
  })
})

describe('planUnwind: perps', () => {
  // 10 ETH long at 3,000: notional 30,000, maintenance 5% = 1,500, equity 1,800: hf = 1.2.
  const position = () => perp(10, 3000, 1800, 0.05)

  it('closes a perp for target zero and releases its equity', () => {
    const plan = planUnwind([layer('hl', position())], { kind: 'zero' })
    const l = plan.layers[0]!
    expect(l.method).toBe('close-perp')
    expect(l.steps).toHaveLength(1)
    expect(l.steps[0]).toMatchObject({ kind: 'close-perp', symbol: 'ETH' })
    expect(l.steps[0]!.amount).toBeCloseTo(10, 12)
    expect(l.steps[0]!.usd).toBeCloseTo(30_000, 9)
    expect(l.perp!.equityReleasedUsd).toBe(1800)
    expect(l.healthFactorAfter).toBeNull()
    expect(plan.totals.perpEquityReleasedUsd).toBe(1800)
    expect(plan.totals.perpNotionalClosedUsd).toBeCloseTo(30_000, 9)
  })

  it('reduces a perp by f = 1 - hf / h', () => {
    const l = planUnwind([layer('hl', position())], { kind: 'healthFactor', value: 2 }).layers[0]!
    expect(l.healthFactorBefore).toBeCloseTo(1.2, 12)
    // f = 1 - 1.2 / 2 = 0.4: 4 ETH (12,000 USD); maintenance 5% * 18,000 = 900; hf = 1,800 / 900 = 2
    expect(l.method).toBe('reduce-perp')
    expect(l.steps[0]!.fraction).toBeCloseTo(0.4, 12)
    expect(l.steps[0]!.amount).toBeCloseTo(4, 9)
    expect(l.steps[0]!.usd).toBeCloseTo(12_000, 6)
    expect(l.perp!.notionalUsdAfter).toBeCloseTo(18_000, 6)
    expect(1800 / (0.05 * l.perp!.notionalUsdAfter)).toBeCloseTo(2, 9)
    expect(l.healthFactorAfter).toBe(2)
    expect(l.collateralUsdAfter).toBe(1800)
    expect(l.perp!.equityReleasedUsd).toBe(0)
    expect(l.assumptions.some((a) => a.includes('maintenance margin proportional to size'))).toBe(true)
  })

  it('plans layers in the given order (perp first, then the lending layer it is funded by)', () => {
    const plan = planUnwind([layer('hl', position()), layer('aave', P())], { kind: 'zero' })
    expect(plan.layers.map((l) => l.id)).toEqual(['hl', 'aave'])
    expect(plan.steps[0]).toMatchObject({ layerId: 'hl', kind: 'close-perp' })
    expect(plan.steps.at(-1)).toMatchObject({ layerId: 'aave', kind: 'repay' })
    expect(plan.totals.debtRepaidUsd).toBeCloseTo(20_000, 6)
    expect(plan.totals.iterativeRounds).toBe(3)
  })
})

describe('planUnwind: bad input', () => {
  it.each([1, 0.5, 0, -2, Number.NaN, Number.POSITIVE_INFINITY])(
    'rejects target health factor %s',
    (value) => {
      expect(() => planUnwind([], { kind: 'healthFactor', value })).toThrow(RangeError)
      expect(() => planUnwind([], { kind: 'healthFactor', value })).toThrow(/finite number > 1/)
    },
  )

  it('rejects an unknown target kind and bad options', () => {
    expect(() => planUnwind([], { kind: 'bogus' } as never)).toThrow(RangeError)
    expect(() => planUnwind([], { kind: 'zero' }, { maxRounds: 0 })).toThrow(/maxRounds/)
    expect(() => planUnwind([], { kind: 'zero' }, { minStepHealthFactor: 0.9 })).toThrow(
      /minStepHealthFactor/,
    )
    expect(() => planUnwind([], { kind: 'zero' }, { flashLoanPremiumBps: -1 })).toThrow(/flashLoanPremiumBps/)
  })

  it('skips a position that is not ok', () => {
    const bad = { ...P(), status: 'unavailable' } as unknown as Position
    expect(planUnwind([layer('x', bad)], { kind: 'zero' }).skipped[0]!.reason).toBe('unavailable')
  })
})
