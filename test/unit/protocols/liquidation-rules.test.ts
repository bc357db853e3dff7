/**
 * Each adapter builds its position's liquidation rule. Vectors: Aave v3 LiquidationLogic's
 * constants (CLOSE_FACTOR_HF_THRESHOLD = 0.95e18, DEFAULT_LIQUIDATION_CLOSE_FACTOR = 0.5e4; v3.3:
 * MIN_BASE_MAX_CLOSE_FACTOR_THRESHOLD = 2000e8, MIN_LEFTOVER_BASE = threshold / 2), Morpho Blue's
 * ConstantsLib (LIQUIDATION_CURSOR = 0.3e18, MAX_LIQUIDATION_INCENTIVE_FACTOR = 1.15e18),
 * mainnet cUSDCv3's WETH liquidationFactor 0.95 (compound-finance/comet
 * deployments/mainnet/usdc/configuration.json), GMX's threshold max(minCollateralUsd, size x
 * factor) by hand, and the Hyperliquid fixtures' hand-computed maintenance (fixtures.ts).
 */
import { describe, expect, it } from 'vitest'
import { aaveV3LiquidationRule } from '../../../src/protocols/aave-v3/position.js'
import { cometAbsorbRule } from '../../../src/protocols/compound-v3/position.js'
import { gmxMinCollateralRule } from '../../../src/protocols/gmx-v2/position.js'
import { positionsFromClearinghouseState } from '../../../src/protocols/hyperliquid/position.js'
import { clearinghouseStateSchema } from '../../../src/protocols/hyperliquid/schemas.js'
import { morphoBlueLiquidationRule, morphoMarketLabel } from '../../../src/protocols/morpho-blue/position.js'
import { perpLegPosition } from '../../../src/report/manual-legs.js'
import { USD_BASE } from '../../helpers/liquidation-rules.js'
import { CROSS_LONG_SHORT, ISOLATED_DOCS } from './hyperliquid/fixtures.js'

const WAD = 10n ** 18n

describe('Aave v3', () => {
  it('the v3.0 layout runs the v3.0-v3.2 rule: 50% above HF 0.95, the deficit stays', () => {
    expect(aaveV3LiquidationRule('v3.0', USD_BASE)).toEqual({
      kind: 'aave-v3-close-factor',
      version: 'v3.0',
      closeFactorHfThresholdWad: 950_000_000_000_000_000n,
      defaultCloseFactorBps: 5_000,
      maxCloseFactorBps: 10_000,
      baseCurrencyUnit: 100_000_000n,
      baseCurrencyPriceUsd: 1,
      deficit: 'kept-on-account',
    })
  })

  it('the v3.3 layout carries the per-reserve thresholds in base units: 2,000e8 and 1,000e8', () => {
    expect(aaveV3LiquidationRule('v3.3', USD_BASE)).toMatchObject({
      version: 'v3.3',
      minBaseMaxCloseFactorThreshold: 200_000_000_000n,
      minLeftoverBase: 100_000_000_000n,
      deficit: 'burned-when-collateral-exhausted',
    })
  })
})

describe('Morpho Blue', () => {
  it('LIF = min(1.15, 1 / (1 - 0.3 x (1 - LLTV))), WAD, rounded down', () => {
    // LLTV 86%: 1e36 / (1e18 - 0.3 x 0.14e18) = 1e36 / 0.958e18.
    expect(morphoBlueLiquidationRule((86n * WAD) / 100n)).toEqual({
      kind: 'morpho-blue',
      lltvWad: 860_000_000_000_000_000n,
      liquidationIncentiveFactorWad: 10n ** 36n / 958_000_000_000_000_000n,
      badDebt: 'socialized',
    })
    // LLTV 0: 1 / 0.7 = 1.43 is capped at 1.15.
    expect(morphoBlueLiquidationRule(0n).liquidationIncentiveFactorWad).toBe(1_150_000_000_000_000_000n)
    expect(morphoMarketLabel('wstETH', 'USDC', (86n * WAD) / 100n)).toBe('wstETH/USDC 86.0%')
  })
})

describe('Compound v3', () => {
  it('absorb carries each held collateral with its liquidation factor in bps', () => {
    const weth = '0xC02aaA39b223FE8D0A0e5C4F27eAD9083C756Cc2' as const
    expect(cometAbsorbRule([{ asset: weth, symbol: 'WETH', liquidationFactor: (95n * WAD) / 100n }])).toEqual(
      {
        kind: 'comet-absorb',
        collaterals: [{ asset: weth, symbol: 'WETH', liquidationFactorBps: 9_500 }],
      },
    )
  })
})

describe('GMX v2', () => {
  it('the threshold is the larger minimum: 25,000 x 1% = 250 over MIN_COLLATERAL_USD 1', () => {
    const usd30 = (x: bigint) => x * 10n ** 30n
    const r = gmxMinCollateralRule(usd30(25_000n), usd30(1n), usd30(250n))
    expect(r).toMatchObject({
      kind: 'gmx-min-collateral',
      minCollateralUsd: 1,
      minCollateralUsdForLeverage: 250,
      maintenanceMarginUsd: 250,
      negativeEquityFloored: true,
    })
    expect(r.minCollateralFactor).toBeCloseTo(0.01, 15)
    expect(gmxMinCollateralRule(0n, usd30(5n), 0n)).toMatchObject({
      maintenanceMarginUsd: 5,
      minCollateralFactor: null,
    })
  })
})

describe('Hyperliquid', () => {
  it('cross: the venue maintenance 975 with each perp at 1 / (2 x maxLeverage)', () => {
    const [cross] = positionsFromClearinghouseState(clearinghouseStateSchema.parse(CROSS_LONG_SHORT))
    expect(cross!.liquidationRule).toEqual({
      kind: 'hyperliquid-maintenance',
      marginMode: 'cross',
      maintenanceMarginUsd: 975,
      legs: [
        { coin: 'BTC', maxLeverage: 40, maintenanceMarginRate: 0.0125 },
        { coin: 'ETH', maxLeverage: 25, maintenanceMarginRate: 0.02 },
      ],
      negativeEquityFloored: true,
    })
  })

  it('isolated (docs example): 100.02765 x 1 / 100 maintenance at maxLeverage 50', () => {
    const positions = positionsFromClearinghouseState(clearinghouseStateSchema.parse(ISOLATED_DOCS))
    const isolated = positions.find((p) => p.market.endsWith('isolated-ETH'))!
    const rule = isolated.liquidationRule
    if (rule.kind !== 'hyperliquid-maintenance') throw new Error(`unexpected rule ${rule.kind}`)
    expect(rule.marginMode).toBe('isolated')
    expect(rule.legs).toEqual([{ coin: 'ETH', maxLeverage: 50, maintenanceMarginRate: 0.01 }])
    expect(rule.maintenanceMarginUsd).toBeCloseTo(100.02765 / 100, 12)
  })
})

describe('manual perps (POST /v1/analyze)', () => {
  it('an isolated maintenance of rate x notional: 0.5% of 10 x 3,000 = 150', () => {
    const p = perpLegPosition({
      kind: 'perp',
      venue: 'binance',
      asset: 'ETH',
      side: 'long',
      size: 10,
      entryPrice: 3_000,
      margin: 5_000,
      maintenanceMarginRate: 0.005,
    })
    expect(p.liquidationRule).toEqual({
      kind: 'isolated-maintenance',
      maintenanceMarginRate: 0.005,
      maintenanceMarginUsd: 150,
      negativeEquityFloored: true,
    })
  })
})
