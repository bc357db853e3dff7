/**
 * The engine (src/risk/montecarlo.ts: fused draws, sparse Cholesky rows, trigger-box checks) against
 * the previous engine kept as a reference implementation (test/helpers/montecarlo-reference.ts:
 * dense passes, every rule of every position checked at every step): the same input and seed give
 * the same result, bit for bit (toEqual on the whole result). Each wallet holds one position that
 * cannot be liquidated (supply only), so no block ever has all its positions liquidated (the one
 * case where the engine stops drawing early and the streams part). Wallets are hand-built: lending
 * longs (+collateral x LT, -debt), perps (margin, size, MMR), mixed-sign two-asset rules (ETH
 * collateral against BTC debt), a position past its threshold at t = 0, correlated assets with
 * jumps, a one-factor (sparse) correlation.
 */
import { describe, expect, it } from 'vitest'
import { type McInput, type McPosition, runMonteCarlo } from '../../../src/risk/montecarlo.js'
import { runMonteCarlo as runReference } from '../../helpers/montecarlo-reference.js'

const ETH = { name: 'ETH', price: 3000, volatility: 0.65 }
const BTC = { name: 'BTC', price: 60000, volatility: 0.5 }
const SOL = { name: 'SOL', price: 150, volatility: 0.9, jump: { intensity: 5, meanLog: -0.1, volLog: 0.1 } }
const LINK = { name: 'LINK', price: 15, volatility: 0.8 }

const lending = (
  id: string,
  coll: Record<string, number>,
  lt: number,
  debt: Record<string, number>,
): McPosition => {
  const liq: Record<string, number> = {}
  const eq: Record<string, number> = {}
  let c = 0
  for (const [a, v] of Object.entries(coll)) {
    liq[a] = (liq[a] ?? 0) + v * lt
    eq[a] = (eq[a] ?? 0) + v
  }
  for (const [a, v] of Object.entries(debt)) {
    if (a === 'USD') c -= v
    else {
      liq[a] = (liq[a] ?? 0) - v
      eq[a] = (eq[a] ?? 0) - v
    }
  }
  return {
    id,
    liqCoeffs: liq,
    liqConst: c,
    equityCoeffs: eq,
    equityConst: c,
    liquidationPenaltyUsd: 0.05 * 1000,
  }
}
const perp = (id: string, asset: string, sizeUsd: number, margin: number, mmr: number): McPosition => ({
  id,
  liqCoeffs: { [asset]: sizeUsd - Math.abs(sizeUsd) * mmr },
  liqConst: margin - sizeUsd,
  equityCoeffs: { [asset]: sizeUsd },
  equityConst: margin - sizeUsd,
  liquidationPenaltyUsd: Math.abs(sizeUsd) * mmr,
})
const supplyOnly = lending('supply', { ETH: 1000 }, 0.8, {})

const cases: [string, McInput][] = [
  [
    'one asset, many thresholds (longs, shorts, dead at t = 0)',
    {
      assets: [ETH],
      correlation: [[1]],
      positions: [
        supplyOnly,
        ...Array.from({ length: 12 }, (_, i) =>
          lending(`l${i}`, { ETH: 10_000 }, 0.8, { USD: 5_000 + 200 * i }),
        ),
        ...Array.from({ length: 6 }, (_, i) => perp(`s${i}`, 'ETH', -10_000, 2_000 + 300 * i, 0.01)),
        lending('under', { ETH: 10_000 }, 0.8, { USD: 9_000 }),
      ],
      horizonDays: 30,
      steps: 120,
      paths: 3_000,
      seed: 'one',
    },
  ],
  [
    'two correlated assets, mixed-sign and all-positive two-asset rules',
    {
      assets: [ETH, BTC],
      correlation: [
        [1, 0.8],
        [0.8, 1],
      ],
      positions: [
        supplyOnly,
        lending('eth-btc', { ETH: 20_000 }, 0.83, { BTC: 12_000 }),
        lending('btc-eth', { BTC: 20_000 }, 0.8, { ETH: 13_000 }),
        lending('both-usd', { ETH: 5_000, BTC: 20_000 }, 0.86, { USD: 16_000 }),
        lending('both-both', { ETH: 8_000, BTC: 8_000 }, 0.8, { ETH: 3_000, USD: 7_000 }),
        perp('btc-short', 'BTC', -20_000, 4_000, 0.01),
      ],
      horizonDays: 60,
      steps: 90,
      paths: 2_500,
      seed: 7,
    },
  ],
  [
    'four assets with jumps, dense correlation',
    {
      assets: [ETH, BTC, SOL, LINK],
      correlation: [
        [1, 0.8, 0.7, 0.6],
        [0.8, 1, 0.6, 0.5],
        [0.7, 0.6, 1, 0.4],
        [0.6, 0.5, 0.4, 1],
      ],
      positions: [
        supplyOnly,
        lending('sol', { SOL: 10_000 }, 0.75, { USD: 5_500 }),
        lending('link-eth', { LINK: 10_000, ETH: 2_000 }, 0.7, { SOL: 3_000, USD: 3_000 }),
        perp('link-long', 'LINK', 15_000, 3_000, 0.02),
      ],
      horizonDays: 30,
      steps: 60,
      paths: 2_000,
      seed: 'jumps',
    },
  ],
  [
    'one-factor correlation (sparse Cholesky rows)',
    {
      assets: [ETH, BTC, SOL, LINK],
      correlation: [
        [1, 0.8, 0.7, 0.6],
        [0.8, 1, 0.56, 0.48],
        [0.7, 0.56, 1, 0.42],
        [0.6, 0.48, 0.42, 1],
      ],
      positions: [
        supplyOnly,
        lending('btc', { BTC: 10_000 }, 0.8, { USD: 6_500 }),
        lending('link', { LINK: 10_000 }, 0.7, { ETH: 5_000 }),
      ],
      horizonDays: 20,
      steps: 40,
      paths: 1_500,
      seed: 3,
    },
  ],
]

describe('runMonteCarlo equals the reference engine bit for bit', () => {
  for (const [name, input] of cases)
    it(name, () => {
      const got = runMonteCarlo(input)
      expect(got).toEqual(runReference(input))
      // Not a vacuous comparison: some positions are liquidated on some paths, not on all.
      expect(got.walletLiquidationProbability).toBeGreaterThan(0)
      expect(got.positions.some((p) => p.liquidationProbability > 0 && p.liquidationProbability < 1)).toBe(
        true,
      )
    })
})
