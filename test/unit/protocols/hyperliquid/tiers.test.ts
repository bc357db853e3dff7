/**
 * Hyperliquid's tiered maintenance margin and the liquidation price across tiers, against the
 * rule and the tables of Hyperliquid's docs, "Trading" → "Margin tiers"
 * (https://hyperliquid.gitbook.io/hyperliquid-docs/trading/margin-tiers):
 *   maintenance_margin = notional_position_value * maintenance_margin_rate - maintenance_deduction
 *   maintenance_margin_rate(n) = 1 / (2 * maxLeverage_n)
 *   maintenance_deduction(n) = maintenance_deduction(n - 1)
 *       + notional_position_lower_bound(n) * (maintenance_margin_rate(n) - maintenance_margin_rate(n - 1))
 * The vectors are computed by hand from those tables (the arithmetic is in each comment).
 */
import { describe, expect, it } from 'vitest'
import {
  flatMarginTiers,
  liquidationPrice,
  maintenanceDeduction,
  marginTierIndex,
  parseMarginTiers,
  TIER_USD_DECIMALS,
  tieredLiquidationPrice,
  tieredMaintenanceMargin,
} from '../../../../src/protocols/hyperliquid/math.js'

const USD = 10n ** BigInt(TIER_USD_DECIMALS)
const usd = (n: number | bigint) => BigInt(n) * USD

/** Docs, testnet table "DOGE, TIA, SUI, kSHIB, AAVE, TON": 0-20k 10x, 20-100k 5x, >100k 3x. */
const DOCS_TESTNET_DOGE = parseMarginTiers([
  { lowerBound: '0', maxLeverage: 10 },
  { lowerBound: '20000', maxLeverage: 5 },
  { lowerBound: '100000', maxLeverage: 3 },
])
/** Docs, mainnet table "BTC": 0-150M 40x, >150M 20x. */
const DOCS_MAINNET_BTC = parseMarginTiers([
  { lowerBound: '0', maxLeverage: 40 },
  { lowerBound: '150000000', maxLeverage: 20 },
])

describe('tiered maintenance margin (docs: Margin tiers)', () => {
  it('deductions of the testnet DOGE table: 0, 1,000, 7,666.67', () => {
    expect(maintenanceDeduction(DOCS_TESTNET_DOGE, 0)).toBe(0n)
    // 20,000 * (1/10 - 1/20) = 1,000
    expect(maintenanceDeduction(DOCS_TESTNET_DOGE, 1)).toBe(usd(1_000))
    // 1,000 + 100,000 * (1/6 - 1/10) = 1,000 + 6,666.666... (rounded down at 1e-18)
    expect(maintenanceDeduction(DOCS_TESTNET_DOGE, 2)).toBe(7_666_666_666_666_666_666_666n)
  })

  it.each([
    // [notional, tier, maintenance margin (USD at 1e18), arithmetic]
    [10_000, 0, usd(500), '10,000 / 20'],
    [20_000, 1, usd(1_000), '20,000 / 10 - 1,000 (= 20,000 / 20: continuous at the bound)'],
    [50_000, 1, usd(4_000), '50,000 / 10 - 1,000'],
    [
      100_000,
      2,
      usd(9_000) + 1n,
      '100,000 / 6 - 7,666.67 = 9,000 (= 100,000 / 10 - 1,000), rounded up by 1e-18',
    ],
    [200_000, 2, 25_666_666_666_666_666_666_668n, 'ceil(200,000 / 6) - floor(7,666.67)'],
  ] as const)(
    'testnet DOGE table, notional %d: tier %d, maintenance %s (%s)',
    (notional, tier, mm, _arithmetic) => {
      const m = tieredMaintenanceMargin(usd(notional), DOCS_TESTNET_DOGE)
      expect(m.tier).toBe(tier)
      expect(m.maintenanceMargin).toBe(mm)
      expect(m.maintenanceMarginRate).toBe(1 / (2 * DOCS_TESTNET_DOGE[tier]!.maxLeverage))
    },
  )

  it('mainnet BTC table: a 200M position needs 3.125M, not the untiered 2.5M', () => {
    // deduction(1) = 150M * (1/40 - 1/80) = 1.875M; 200M / 40 - 1.875M = 3.125M
    expect(maintenanceDeduction(DOCS_MAINNET_BTC, 1)).toBe(usd(1_875_000))
    expect(tieredMaintenanceMargin(usd(200_000_000), DOCS_MAINNET_BTC).maintenanceMargin).toBe(usd(3_125_000))
    expect(tieredMaintenanceMargin(usd(200_000_000), flatMarginTiers(40)).maintenanceMargin).toBe(
      usd(2_500_000),
    )
    // below the bound both agree: 100M / 80
    expect(tieredMaintenanceMargin(usd(100_000_000), DOCS_MAINNET_BTC).maintenanceMargin).toBe(usd(1_250_000))
  })

  it('is continuous at every bound (the point of the deduction)', () => {
    for (const tiers of [DOCS_TESTNET_DOGE, DOCS_MAINNET_BTC]) {
      for (const t of tiers.slice(1)) {
        const below = tieredMaintenanceMargin(t.lowerBound - 1n, tiers).maintenanceMargin
        const at = tieredMaintenanceMargin(t.lowerBound, tiers).maintenanceMargin
        expect(at - below >= 0n && at - below <= 2n).toBe(true)
      }
    }
  })

  it('ignores the sign of the notional and picks tiers by lower bound (inclusive)', () => {
    expect(marginTierIndex(DOCS_TESTNET_DOGE, -usd(20_000))).toBe(1)
    expect(marginTierIndex(DOCS_TESTNET_DOGE, usd(20_000) - 1n)).toBe(0)
    expect(tieredMaintenanceMargin(-usd(50_000), DOCS_TESTNET_DOGE).maintenanceMargin).toBe(usd(4_000))
  })

  it('refuses malformed tables', () => {
    expect(() => parseMarginTiers([])).toThrow(RangeError)
    expect(() => parseMarginTiers([{ lowerBound: '5', maxLeverage: 10 }])).toThrow(/tier 0 starts/)
    expect(() =>
      parseMarginTiers([
        { lowerBound: '0', maxLeverage: 10 },
        { lowerBound: '0', maxLeverage: 5 },
      ]),
    ).toThrow(/ascend/)
    expect(() =>
      parseMarginTiers([
        { lowerBound: '0', maxLeverage: 5 },
        { lowerBound: '10', maxLeverage: 10 },
      ]),
    ).toThrow(/rises/)
    expect(() => parseMarginTiers([{ lowerBound: '0', maxLeverage: 0 }])).toThrow(/positive/)
    expect(() => parseMarginTiers([{ lowerBound: 'x', maxLeverage: 3 }])).toThrow(RangeError)
  })
})

describe('tieredLiquidationPrice', () => {
  /** Equity minus the tiered requirement at price P (float), for round trips. */
  const gap = (s: number, p: number, e: number, P: number, tiers = DOCS_TESTNET_DOGE) => {
    const mm =
      Number(
        tieredMaintenanceMargin(BigInt(Math.round(Math.abs(s) * P * 1e6)) * 10n ** 12n, tiers)
          .maintenanceMargin,
      ) / 1e18
    return e + s * (P - p) - mm
  }

  it('long in the top tier: (s p - E - D2) / (s (1 - 1/6)) = 0.1828', () => {
    // 1,000,000 coins at 0.2 (notional 200,000), isolated margin 40,000:
    // (200,000 - 40,000 - 7,666.67) / (1,000,000 * 5/6) = 0.1828; notional there 182,800 (tier 2)
    const P = tieredLiquidationPrice({
      markPrice: 0.2,
      size: 1_000_000,
      equityUsd: 40_000,
      tiers: DOCS_TESTNET_DOGE,
    })!
    expect(P).toBeCloseTo(0.1828, 12)
    expect(Math.abs(gap(1_000_000, 0.2, 40_000, P))).toBeLessThan(1e-6)
  })

  it('long whose liquidation falls into a lower tier: solved there (0.08778), not at the current rate', () => {
    // Tier 2 would give (200,000 - 120,000 - 7,666.67) / 833,333.33 = 0.0868 (notional 86,800:
    // not tier 2); tier 1: (200,000 - 120,000 - 1,000) / (1,000,000 * 0.9) = 0.087777...
    const P = tieredLiquidationPrice({
      markPrice: 0.2,
      size: 1_000_000,
      equityUsd: 120_000,
      tiers: DOCS_TESTNET_DOGE,
    })!
    expect(P).toBeCloseTo(79_000 / 900_000, 12)
    expect(Math.abs(gap(1_000_000, 0.2, 120_000, P))).toBeLessThan(1e-6)
  })

  it('short: (s p - E - D2) / (s (1 + 1/6)) = 0.212286', () => {
    // (-200,000 - 40,000 - 7,666.67) / (-1,000,000 * 7/6) = 0.2122857...
    const P = tieredLiquidationPrice({
      markPrice: 0.2,
      size: -1_000_000,
      equityUsd: 40_000,
      tiers: DOCS_TESTNET_DOGE,
    })!
    expect(P).toBeCloseTo(247_666.666_666_666_7 / 1_166_666.666_666_666_7, 12)
    expect(Math.abs(gap(-1_000_000, 0.2, 40_000, P))).toBeLessThan(1e-6)
  })

  it('with one tier equals the untiered formula (docs example: isolated ETH long, maxLeverage 50)', () => {
    // The Liquidations docs' example as in math.test.ts: margin available = margin - MM.
    const params = { markPrice: 2985.9, size: 0.0335, margin: 4.967826, maxLeverage: 50 }
    const mm = (params.markPrice * params.size) / (2 * params.maxLeverage)
    const flat = liquidationPrice({
      markPrice: params.markPrice,
      size: params.size,
      marginAvailable: params.margin - mm,
      maintenanceMarginRate: 1 / 100,
    })!
    const tiered = tieredLiquidationPrice({
      markPrice: params.markPrice,
      size: params.size,
      equityUsd: params.margin,
      tiers: flatMarginTiers(50),
    })!
    expect(tiered).toBeCloseTo(flat, 9)
  })

  it('null for a zero size or when no positive price liquidates a long', () => {
    expect(
      tieredLiquidationPrice({ markPrice: 1, size: 0, equityUsd: 1, tiers: DOCS_TESTNET_DOGE }),
    ).toBeNull()
    expect(
      tieredLiquidationPrice({ markPrice: 0.2, size: 1_000, equityUsd: 500, tiers: DOCS_TESTNET_DOGE }),
    ).toBeNull()
  })
})
