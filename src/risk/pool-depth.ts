/**
 * Two-sided DEX depth for the systemic cascade: how far net sales (or purchases) of one asset
 * move its price when several pools trade it and arbitrage keeps them at one price. Pure float64.
 *
 * Each pool is described by the inverse of a depth curve: the units of the asset it absorbs
 * (sold into it) or releases (bought from it) to move its price to `factor` x its price before.
 * With arbitrage, a net flow of Q units moves every pool to the same factor f with
 * sum_i units_i(f) = Q, which {@link aggregateDepth} solves on log f: a 128-point table per side
 * brackets the flow, then the Illinois iteration on the exact sum closes it (to ~1e-14 relative
 * in log f: the answer is not interpolated from the table). A pool that runs out of liquidity absorbs what it can and
 * leaves the rest to the others; when every pool is exhausted the factor stops at the clamp.
 *
 * Pools here: a Uniswap v3 pool from its state at a block ({@link uniswapV3PoolDepth}, the same
 * range math as `uniswapV3Depth`), a square-root law ({@link sqrtPoolDepth}), and a Curve-style
 * two-coin stableswap for an LST against ETH ({@link stableswapDepth}).
 */
import { BaseError } from '../core/errors.js'
import type { UniswapV3PoolState } from './depth.js'

/** One pool's inverse depth curve. */
export interface PoolDepth {
  /** A label for responses ("Uniswap v3 WETH/USDC 0.05%"). */
  readonly label: string
  /**
   * Whole tokens of the asset sold into the pool (factor < 1) or bought from it (factor > 1)
   * that bring its price to (price before) x factor; 0 at factor 1; non-decreasing in |log f|.
   * Capped at what the pool can take before its liquidity runs out.
   */
  unitsToFactor(factor: number): number
}

/** Net flow to price factor over a set of pools (see the module comment). */
export interface TwoSidedDepth {
  /**
   * Price factor after a net flow of `netSoldUnits` whole tokens of the asset: > 0 sold (factor
   * <= 1), < 0 bought (factor >= 1). 1 at 0. Monotone non-increasing in the flow.
   */
  factor(netSoldUnits: number): number
  /** The pools aggregated (empty: no price impact). */
  readonly pools: readonly PoolDepth[]
}

/** Clamps of {@link aggregateDepth}: the factor never leaves [minFactor, maxFactor]. */
export interface AggregateDepthOptions {
  /** Lowest factor, (0, 1). Default 1e-4. */
  minFactor?: number
  /** Highest factor, > 1. Default 1e4. */
  maxFactor?: number
}

/** No pool: no price impact either way. */
export function noDepth(): TwoSidedDepth {
  return { factor: () => 1, pools: [] }
}

/**
 * The price factor that clears a net flow across `pools` at one common price (arbitraged), solved
 * on log f between 1 and the clamp (see the module comment).
 */
export function aggregateDepth(
  pools: readonly PoolDepth[],
  options: AggregateDepthOptions = {},
): TwoSidedDepth {
  const minFactor = options.minFactor ?? 1e-4
  const maxFactor = options.maxFactor ?? 1e4
  if (!(minFactor > 0 && minFactor < 1)) throw new BaseError('INVALID_REQUEST', 'minFactor must be in (0, 1)')
  if (!(maxFactor > 1) || !Number.isFinite(maxFactor))
    throw new BaseError('INVALID_REQUEST', 'maxFactor must be a finite number > 1')
  if (pools.length === 0) return noDepth()
  const total = (x: number) => {
    const f = Math.exp(x)
    let s = 0
    for (const p of pools) s += p.unitsToFactor(f)
    return s
  }
  // Each side tabulated once on GRID points of log f: the bracket of a flow is a binary search,
  // then the Illinois (modified regula falsi) iteration on the exact sum closes it.
  const GRID = 128
  const side = (end: number) => {
    const x = new Float64Array(GRID + 1)
    const u = new Float64Array(GRID + 1)
    for (let j = 0; j <= GRID; j++) {
      x[j] = (end * j) / GRID
      u[j] = j === 0 ? 0 : total(x[j]!)
    }
    return { x, u }
  }
  const down = side(Math.log(minFactor))
  const up = side(Math.log(maxFactor))
  return {
    pools,
    factor(net: number): number {
      if (!(net !== 0) || !Number.isFinite(net)) return 1
      const { x, u } = net > 0 ? down : up
      const q = Math.abs(net)
      if (u[GRID]! <= q) return Math.exp(x[GRID]!)
      let lo = 0
      let hi = GRID
      while (hi - lo > 1) {
        const mid = (lo + hi) >>> 1
        if (u[mid]! < q) lo = mid
        else hi = mid
      }
      // Invariant: total(a) < q <= total(b), a nearer to 1.
      let a = x[lo]!
      let b = x[hi]!
      let fa = u[lo]! - q
      let fb = u[hi]! - q
      let side = 0
      for (let i = 0; i < 100 && Math.abs(b - a) > 1e-14 * Math.max(1, Math.abs(b)); i++) {
        const c = fb === fa ? (a + b) / 2 : b - (fb * (b - a)) / (fb - fa)
        const fc = total(c) - q
        if (fc < 0) {
          a = c
          fa = fc
          if (side === -1) fb /= 2
          side = -1
        } else {
          b = c
          fb = fc
          if (side === 1) fa /= 2
          side = 1
          if (fc === 0) break
        }
      }
      return Math.exp(fb === 0 ? b : Math.abs(fa) < Math.abs(fb) ? a : b)
    },
  }
}

/**
 * A square-root law pool: selling Q moves the price by -k sqrt(Q / depthUnits), buying by
 * +k sqrt(Q / depthUnits) (symmetric), i.e. units(f) = depthUnits ((|f - 1|) / k)^2. Whole tokens.
 */
export function sqrtPoolDepth(label: string, depthUnits: number, k = 1): PoolDepth {
  if (!(depthUnits > 0) || !Number.isFinite(depthUnits))
    throw new BaseError('INVALID_REQUEST', `depthUnits must be a finite number > 0, got ${depthUnits}`)
  if (!(k > 0) || !Number.isFinite(k)) throw new BaseError('INVALID_REQUEST', `k must be a finite number > 0`)
  return {
    label,
    unitsToFactor(f: number): number {
      const d = Math.abs(f - 1) / k
      return depthUnits * d * d
    },
  }
}

const MIN_TICK = -887272
const MAX_TICK = 887272
const Q96 = 2 ** 96
const num = (x: bigint | number): number => (typeof x === 'bigint' ? Number(x) : x)

/**
 * A Uniswap v3 pool's inverse depth from its state (slot0, liquidity, initialized ticks):
 * walking the ranges from the current sqrt price towards the target one, the asset moved in a
 * range of liquidity L between sqrt prices a and b is L |1/a - 1/b| raw units when it is token0,
 * L |b - a| when it is token1; crossing a tick adds or removes its liquidityNet as the pool does.
 * Units sold are grossed up by the fee (the pool keeps it off the input); units bought are the
 * exact output. A walk that meets no liquidity left stops there (exhausted). Float64, not
 * TickMath's rounding.
 */
export function uniswapV3PoolDepth(label: string, state: UniswapV3PoolState): PoolDepth {
  const s0 = num(state.sqrtPriceX96) / Q96
  const L0 = num(state.liquidity)
  if (!(s0 > 0) || !Number.isFinite(s0)) throw new BaseError('INVALID_REQUEST', 'sqrtPriceX96 must be > 0')
  const merged = new Map<number, number>()
  for (const t of state.ticks) merged.set(t.tick, (merged.get(t.tick) ?? 0) + num(t.liquidityNet))
  const token0 = state.assetIsToken0
  const moved = (L: number, a: number, b: number) =>
    token0 ? L * Math.abs(1 / a - 1 / b) : L * Math.abs(b - a)
  // Down: ticks <= current, descending, crossing subtracts net. Up: ticks > current, ascending,
  // adds. Per side, once: the sqrt price at each boundary (the last is the TickMath bound), the
  // liquidity of the range that ends there, and the raw units moved from s0 to it.
  const side = (down: boolean) => {
    const walk = [...merged.entries()]
      .filter(([t]) => (down ? t <= state.tick : t > state.tick))
      .sort((a, b) => (down ? b[0] - a[0] : a[0] - b[0]))
    const n = walk.length + 1
    const sq = new Float64Array(n)
    const liq = new Float64Array(n)
    const cum = new Float64Array(n)
    let s = s0
    let L = L0
    let total = 0
    for (let i = 0; i < n; i++) {
      const next =
        i < walk.length ? 1.0001 ** (walk[i]![0] / 2) : 1.0001 ** ((down ? MIN_TICK : MAX_TICK) / 2)
      sq[i] = next
      liq[i] = L
      if (L > 0) total += moved(L, s, next)
      cum[i] = total
      s = next
      if (i < walk.length) {
        L += down ? -walk[i]![1] : walk[i]![1]
        if (L < 0) L = 0
      }
    }
    return { sq, liq, cum, n }
  }
  const downSide = side(true)
  const upSide = side(false)
  const scale = 10 ** (token0 ? state.decimals0 : state.decimals1)
  const feeKeep = 1 - state.feePips / 1e6
  return {
    label,
    unitsToFactor(f: number): number {
      if (!(f > 0) || f === 1) return 0
      const selling = f < 1
      // The sqrt price falls when token0 is sold or token1 bought.
      const down = token0 === selling
      const target = token0 ? s0 * Math.sqrt(f) : s0 / Math.sqrt(f)
      const { sq, liq, cum, n } = down ? downSide : upSide
      // The first boundary at or past the target (binary search: sq is monotone along the walk).
      let lo = 0
      let hi = n - 1
      if (down ? target < sq[hi]! : target > sq[hi]!) lo = hi
      else
        while (lo < hi) {
          const mid = (lo + hi) >>> 1
          if (down ? sq[mid]! <= target : sq[mid]! >= target) hi = mid
          else lo = mid + 1
        }
      const start = lo === 0 ? s0 : sq[lo - 1]!
      const stop = down ? Math.max(target, sq[lo]!) : Math.min(target, sq[lo]!)
      const L = liq[lo]!
      const raw = (lo === 0 ? 0 : cum[lo - 1]!) + (L > 0 ? moved(L, start, stop) : 0)
      const units = raw / scale
      return selling ? units / feeKeep : units
    },
  }
}

/** State of a two-coin stableswap pool (Curve StableSwap), coin 0 the numeraire (ETH). */
export interface StableswapState {
  /** Balances in whole tokens: [numeraire (ETH), the LST]. */
  balances: readonly [number, number]
  /** Amplification A of the whitepaper (Curve's `A()`: A x n^(n-1) with n = 2 is 2A; pass A). */
  amplification: number
  /** Fee in pips (1e-6) taken off the input. Default 0. */
  feePips?: number
}

/** The LST's price in the numeraire after selling LST units into a stableswap. */
export interface StableswapDepth {
  /** LST price (in ETH) after / before selling `soldUnits` whole LST tokens (factor in (0, 1]). */
  factor(soldUnits: number): number
  /** Marginal LST price in the numeraire before any sale. */
  readonly spotPrice: number
}

/** Curve's invariant D for two balances (Newton, as get_D), float64. */
function invariantD(x: number, y: number, A: number): number {
  const S = x + y
  if (S === 0) return 0
  const Ann = 4 * A
  let D = S
  for (let i = 0; i < 255; i++) {
    const DP = (D * D * D) / (4 * x * y)
    const prev = D
    D = ((Ann * S + 2 * DP) * D) / ((Ann - 1) * D + 3 * DP)
    if (Math.abs(D - prev) <= 1e-15 * D) break
  }
  return D
}

/**
 * A Curve-style stableswap for an LST against ETH: with 4A(x + y) + D = 4AD + D^3 / (4xy), the
 * LST sold enters y (less the fee), x solves the invariant (a quadratic), and the LST's marginal
 * price in ETH is (4A + D^3 / (4 x y^2)) / (4A + D^3 / (4 x^2 y)) (the ratio of the invariant's
 * partial derivatives). Float64.
 */
export function stableswapDepth(state: StableswapState): StableswapDepth {
  const [x0, y0] = state.balances
  const A = state.amplification
  if (!(x0 > 0 && y0 > 0) || !Number.isFinite(x0 + y0))
    throw new BaseError('INVALID_REQUEST', 'stableswap balances must be finite numbers > 0')
  if (!(A > 0) || !Number.isFinite(A)) throw new BaseError('INVALID_REQUEST', 'amplification must be > 0')
  const keep = 1 - (state.feePips ?? 0) / 1e6
  const D = invariantD(x0, y0, A)
  const Ann = 4 * A
  const price = (x: number, y: number) => {
    const D3 = D * D * D
    return (Ann + D3 / (4 * x * y * y)) / (Ann + D3 / (4 * x * x * y))
  }
  const spot = price(x0, y0)
  return {
    spotPrice: spot,
    factor(sold: number): number {
      if (!(sold > 0)) return 1
      const y = y0 + sold * keep
      // Ann x^2 + (Ann y + D - Ann D) x - D^3 / (4 y) = 0, the positive root.
      const b = Ann * y + D - Ann * D
      const c = (D * D * D) / (4 * y)
      const x = (-b + Math.sqrt(b * b + 4 * Ann * c)) / (2 * Ann)
      const f = price(x, y) / spot
      return f > 1 ? 1 : f > 0 ? f : 1e-12
    },
  }
}
