/**
 * Properties of `resolveExposure` over random wallets (fast-check): 1-6 positions over a small
 * Ethereum universe (WETH 3,000 USD, wstETH 3,600 USD at a fixed rate of 1.2 stETH/wstETH, WBTC
 * 60,000 USD, USDC and USDT 1 USD) with raw bigint amounts and usd = amount / 10^decimals x price,
 * lending positions (debt at most 90% of collateral, so equity > 0) and optional perps.
 *
 * - order: the exposure does not depend on the order positions are given in;
 * - scale: multiplying every amount and USD figure by an integer k multiplies every net exposure
 *   by k (units18 up to the one rounding-down per leg) and leaves leverage and beta unchanged;
 * - no debt, no perps: no risk asset weighs more than the equity, leverage <= 1.
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  assetKey,
  defaultAssetGraph,
  type ResolveContext,
  staticRates,
  ETHEREUM_TOKENS as T,
} from '../../../src/assets/index.js'
import type { Address } from '../../../src/core/address.js'
import type { Leg, Position } from '../../../src/core/types.js'
import { type Exposure, resolveExposure } from '../../../src/resolve/index.js'
import { fixtureRule } from '../../helpers/liquidation-rules.js'

const NUM_RUNS = 150
const ctx: ResolveContext = {
  graph: defaultAssetGraph(),
  // stEthPerToken() = 1.2: 1 wstETH = 1.2 ETH (floor(amount x 1.2) in units18: it rounds)
  rates: staticRates({
    rates: { [assetKey({ chain: 'ethereum', address: T.wstETH })]: 1_200_000_000_000_000_000n },
  }),
  now: 1_750_000_000n,
}

interface Token {
  symbol: 'WETH' | 'wstETH' | 'WBTC' | 'USDC' | 'USDT'
  decimals: number
  price: number
}
const UNIVERSE: readonly Token[] = [
  { symbol: 'WETH', decimals: 18, price: 3000 },
  { symbol: 'wstETH', decimals: 18, price: 3600 },
  { symbol: 'WBTC', decimals: 8, price: 60_000 },
  { symbol: 'USDC', decimals: 6, price: 1 },
  { symbol: 'USDT', decimals: 6, price: 1 },
]

/** A leg whose usd is consistent with its amount: amount / 10^decimals x price. */
function leg(t: Token, side: Leg['side'], amount: bigint): Leg {
  return {
    asset: { symbol: t.symbol, address: T[t.symbol] as Address, decimals: t.decimals },
    side,
    amount,
    usd: (Number(amount) / 10 ** t.decimals) * t.price,
    priceUsd: t.price,
    ...(side === 'collateral' ? { countsAsCollateral: true, ltvBps: 8000 } : {}),
  }
}

const tokenArb = fc.constantFrom(...UNIVERSE)
/** Up to 10^6 whole tokens, at least 1 raw unit. */
const amountArb = (t: Token) => fc.bigInt({ min: 1n, max: 10n ** BigInt(t.decimals + 6) })
const collateralArb = tokenArb.chain((t) => amountArb(t).map((amount) => leg(t, 'collateral', amount)))

/** A lending position: 1-3 collateral legs, 0-2 debt legs worth at most 90% of the collateral. */
function lendingArb(allowDebt: boolean): fc.Arbitrary<Position> {
  const debtArb: fc.Arbitrary<{ token: Token; permille: number }[]> = allowDebt
    ? fc.array(fc.record({ token: tokenArb, permille: fc.integer({ min: 1, max: 450 }) }), { maxLength: 2 })
    : fc.constant([])
  return fc
    .record({
      at: fc.constantFrom(
        { protocol: 'aave-v3', market: 'aave-v3-ethereum' },
        { protocol: 'spark', market: 'spark-ethereum' },
        { protocol: 'morpho-blue', market: 'morpho-blue-1' },
      ),
      collateral: fc.array(collateralArb, { minLength: 1, maxLength: 3 }),
      debt: debtArb,
    })
    .map(({ at, collateral, debt }) => {
      const collateralUsd = collateral.reduce((a, l) => a + l.usd, 0)
      const debtLegs = debt.flatMap(({ token, permille }) => {
        // each debt leg is worth <= 45% of the collateral, so the total is <= 90%
        const amount = BigInt(
          Math.floor(((collateralUsd * permille) / 1000 / token.price) * 10 ** token.decimals),
        )
        return amount > 0n ? [leg(token, 'debt', amount)] : []
      })
      return position(at.protocol, at.market, 'lending', collateral.concat(debtLegs), collateralUsd)
    })
}

function position(
  protocol: string,
  market: string,
  kind: Position['kind'],
  legs: Leg[],
  equity: number,
): Position {
  const sum = (side: Leg['side']) => legs.filter((l) => l.side === side).reduce((a, l) => a + l.usd, 0)
  return {
    status: 'ok',
    protocol,
    market,
    chain: 'ethereum',
    kind,
    healthFactor: null,
    healthFactorWad: null,
    collateralUsd: kind === 'perp' ? equity : sum('collateral'),
    debtUsd: kind === 'perp' ? 0 : sum('debt'),
    legs,
    liquidationPrices: [],
    liquidationRule: fixtureRule(protocol, kind),
    details: {},
  }
}

/**
 * A GMX-like perp on WETH or WBTC (mainnet addresses), long or short, optionally with a USDC
 * collateral leg; equity = notional / leverage (1-20x), or the collateral when there is one.
 */
const perpArb: fc.Arbitrary<Position> = fc
  .record({
    token: fc.constantFrom(UNIVERSE[0] as Token, UNIVERSE[2] as Token),
    side: fc.constantFrom('long' as const, 'short' as const),
    leverage: fc.integer({ min: 1, max: 20 }),
    withCollateral: fc.boolean(),
  })
  .chain((p) => amountArb(p.token).map((amount) => ({ ...p, amount })))
  .map(({ token, side, leverage, withCollateral, amount }) => {
    const size = leg(token, side, amount)
    const legs = [size]
    let equity = size.usd / leverage
    if (withCollateral) {
      const usdc = UNIVERSE[3] as Token
      const margin = leg(usdc, 'collateral', BigInt(Math.max(1, Math.floor(equity * 10 ** usdc.decimals))))
      legs.push(margin)
      equity = margin.usd
    }
    return position('gmx-v2', `gmx-v2-${token.symbol}`, 'perp', legs, equity)
  })

const walletArb = fc.array(
  fc.oneof({ weight: 3, arbitrary: lendingArb(true) }, { weight: 1, arbitrary: perpArb }),
  {
    minLength: 1,
    maxLength: 6,
  },
)
const supplyWalletArb = fc.array(lendingArb(false), { minLength: 1, maxLength: 6 })

const run = (positions: readonly Position[]): Exposure =>
  resolveExposure({ positions, contexts: { ethereum: ctx }, fallback: ctx })

/** |a - b| <= rel x scale (float sums in a different order differ in their last bits). */
function close(a: number | null, b: number | null, rel: number, scale = 1): boolean {
  if (a === null || b === null) return a === b
  return Math.abs(a - b) <= rel * Math.max(scale, Math.abs(a), Math.abs(b))
}

/** The magnitude the USD sums are made of: sum of |usd| over every contribution. */
const usdScale = (e: Exposure) => e.contributions.reduce((a, c) => a + Math.abs(c.usd), 0)

function expectSameExposure(a: Exposure, b: Exposure): void {
  const scale = usdScale(a)
  const rel = 1e-12
  const mapA = new Map(a.netExposure.map((n) => [n.riskAsset, n]))
  const mapB = new Map(b.netExposure.map((n) => [n.riskAsset, n]))
  expect([...mapB.keys()].sort()).toEqual([...mapA.keys()].sort())
  for (const [asset, x] of mapA) {
    const y = mapB.get(asset)!
    expect(y.units18).toBe(x.units18)
    expect(close(y.usd, x.usd, rel, scale)).toBe(true)
  }
  expect(close(b.equityUsd, a.equityUsd, rel, scale)).toBe(true)
  expect(close(b.grossExposureUsd, a.grossExposureUsd, rel, scale)).toBe(true)
  // equity >= 10% of the collateral here, so the ratios are well conditioned
  expect(close(b.effectiveLeverage, a.effectiveLeverage, 1e-9)).toBe(true)
  expect(close(b.beta.ETH, a.beta.ETH, 1e-9)).toBe(true)
  expect(close(b.beta.BTC, a.beta.BTC, 1e-9)).toBe(true)
}

describe('resolveExposure properties', () => {
  it('(a) the exposure is invariant to the order of positions', () => {
    const arb = walletArb.chain((w) =>
      fc.tuple(fc.constant(w), fc.shuffledSubarray(w, { minLength: w.length, maxLength: w.length })),
    )
    fc.assert(
      fc.property(arb, ([wallet, shuffled]) => {
        expectSameExposure(run(wallet), run(shuffled))
      }),
      { numRuns: NUM_RUNS },
    )
  })

  it('(b) scaling every amount and USD figure by k scales the net exposure by k, not leverage', () => {
    const scaleBy = (p: Position, k: bigint): Position => ({
      ...p,
      collateralUsd: p.collateralUsd * Number(k),
      debtUsd: p.debtUsd * Number(k),
      legs: p.legs.map((l) => ({ ...l, amount: l.amount * k, usd: l.usd * Number(k) })),
    })
    fc.assert(
      fc.property(walletArb, fc.bigInt({ min: 2n, max: 1000n }), (wallet, k) => {
        const one = run(wallet)
        const many = run(wallet.map((p) => scaleBy(p, k)))
        const scale = usdScale(many)
        const byAsset = new Map(many.netExposure.map((n) => [n.riskAsset, n]))
        expect([...byAsset.keys()].sort()).toEqual(one.netExposure.map((n) => n.riskAsset).sort())
        for (const x of one.netExposure) {
          const y = byAsset.get(x.riskAsset)!
          if (x.units18 === null) {
            expect(y.units18).toBeNull()
          } else {
            // Each leg rounds down (in magnitude) once: floor(k a r) - k floor(a r) is in [0, k - 1],
            // and 0 for a token at par (amount x 10^(18 - decimals) is exact). So per risk asset
            // |units18(k) - k units18| <= (k - 1) x (its legs that went through a wrapper's rate).
            const wrapped = one.contributions.filter(
              (c) => c.riskAsset === x.riskAsset && c.units18 !== null && c.path.length > 1,
            ).length
            const diff = (y.units18 as bigint) - k * x.units18
            const abs = diff < 0n ? -diff : diff
            expect(abs <= (k - 1n) * BigInt(wrapped)).toBe(true)
          }
          expect(close(y.usd, x.usd * Number(k), 1e-12, scale)).toBe(true)
        }
        expect(close(many.equityUsd, one.equityUsd * Number(k), 1e-12, scale)).toBe(true)
        expect(close(many.grossExposureUsd, one.grossExposureUsd * Number(k), 1e-12, scale)).toBe(true)
        expect(close(many.effectiveLeverage, one.effectiveLeverage, 1e-9)).toBe(true)
        expect(close(many.beta.ETH, one.beta.ETH, 1e-9)).toBe(true)
        expect(close(many.beta.BTC, one.beta.BTC, 1e-9)).toBe(true)
      }),
      { numRuns: NUM_RUNS },
    )
  })

  it('(c) no debt and no perps: every risk asset <= equity, effective leverage <= 1', () => {
    fc.assert(
      fc.property(supplyWalletArb, (wallet) => {
        const e = run(wallet)
        expect(e.equityUsd).toBeGreaterThan(0)
        for (const n of e.netExposure) {
          expect(n.usd).toBeGreaterThanOrEqual(0)
          expect(n.usd / e.equityUsd).toBeLessThanOrEqual(1 + 1e-12)
        }
        expect(e.effectiveLeverage!).toBeLessThanOrEqual(1 + 1e-12)
        expect(e.layers.every((l) => l.structure === 'supply' && l.equivalentLoops === 0)).toBe(true)
      }),
      { numRuns: NUM_RUNS },
    )
  })

  it('(d) equity = sum of the layers equities = sum of the stacks equities; one stack per layer', () => {
    fc.assert(
      fc.property(walletArb, (wallet) => {
        const e = run(wallet)
        const scale = usdScale(e)
        const layers = e.layers.reduce((a, l) => a + l.equityUsd, 0)
        const stacks = e.stacks.reduce((a, s) => a + s.equityUsd, 0)
        expect(close(layers, e.equityUsd, 1e-12, scale)).toBe(true)
        expect(close(stacks, e.equityUsd, 1e-12, scale)).toBe(true)
        const inStacks = e.stacks.flatMap((s) => s.layers).sort()
        expect(inStacks).toEqual(e.layers.map((l) => l.id).sort())
      }),
      { numRuns: NUM_RUNS },
    )
  })
})
