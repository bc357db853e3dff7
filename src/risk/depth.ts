/**
 * Price-impact (market depth) curves for the liquidation-cascade engine (`cascade.ts`).
 *
 * A curve answers one question: after liquidators have sold `soldUnits` whole tokens of the
 * shocked asset into the market, by which factor has its price moved? The factor is relative to
 * the price before any of that selling, lies in (0, 1], and never increases with `soldUnits`
 * (more selling never lifts the price) — the cascade's monotone fixed point relies on it.
 *
 * Pure float64: no I/O. A Uniswap v3 curve is built from a pool state read elsewhere.
 */

import { BaseError } from '../core/errors.js'

/** A relative price-impact function for selling one asset. */
export interface DepthCurve {
  /**
   * Price factor after selling `soldUnits` (whole tokens of the asset, float, >= 0):
   * price after = price before * factor. In (0, 1]; 1 for 0 units; non-increasing.
   */
  impactFactor(soldUnits: number): number
}

/** Parameters of the square-root law {@link sqrtDepth}. */
export interface SqrtDepthParams {
  /** Depth scale Q0 of the law, whole tokens of the asset (> 0). */
  depthUnits: number
  /** Impact coefficient k (dimensionless, > 0): selling `depthUnits` moves the price by -k. */
  k: number
  /**
   * Lowest factor returned (the clamp), in (0, 1). Default 1e-6. The law 1 - k sqrt(Q/Q0) reaches
   * 0 at Q = Q0 / k^2 and has no meaning there; the clamp keeps prices > 0 so the cascade stays
   * defined (at that point the model says "the market is gone", not a price).
   */
  minFactor?: number
}

/** A square-root-law curve, its parameters exposed. */
export interface SqrtDepthCurve extends DepthCurve {
  /** The parameters, `minFactor` filled in. */
  readonly params: Readonly<Required<SqrtDepthParams>>
}

/** Default clamp of {@link sqrtDepth}. */
export const SQRT_DEPTH_MIN_FACTOR = 1e-6

/**
 * Square-root price-impact law: dP/P = -k * sqrt(Q / depthUnits), i.e.
 * factor(Q) = max(minFactor, 1 - k * sqrt(Q / depthUnits)), Q in whole tokens.
 * The clamp (`minFactor`, default 1e-6) is the only departure from the law.
 */
export function sqrtDepth(params: SqrtDepthParams): SqrtDepthCurve {
  const { depthUnits, k } = params
  const minFactor = params.minFactor ?? SQRT_DEPTH_MIN_FACTOR
  if (!(depthUnits > 0) || !Number.isFinite(depthUnits))
    throw new BaseError('INVALID_REQUEST', `depthUnits must be a finite number > 0, got ${depthUnits}`)
  if (!(k > 0) || !Number.isFinite(k))
    throw new BaseError('INVALID_REQUEST', `k must be a finite number > 0, got ${k}`)
  if (!(minFactor > 0 && minFactor < 1))
    throw new BaseError('INVALID_REQUEST', `minFactor must be in (0, 1), got ${minFactor}`)
  const scale = k / Math.sqrt(depthUnits)
  return {
    params: { depthUnits, k, minFactor },
    impactFactor(soldUnits: number): number {
      if (!(soldUnits > 0)) return 1
      const f = 1 - scale * Math.sqrt(soldUnits)
      return f > minFactor ? f : minFactor
    },
  }
}

/**
 * Calibrates a square-root law from one quote: `unitsForOnePercent` whole tokens sold move the
 * price by -1%. With k given (default 1), depthUnits = unitsForOnePercent * k^2 / 0.01^2, so
 * that k * sqrt(unitsForOnePercent / depthUnits) = 0.01.
 */
export function sqrtDepthFromQuote(unitsForOnePercent: number, k = 1, minFactor?: number): SqrtDepthCurve {
  if (!(unitsForOnePercent > 0) || !Number.isFinite(unitsForOnePercent))
    throw new BaseError(
      'INVALID_REQUEST',
      `unitsForOnePercent must be a finite number > 0, got ${unitsForOnePercent}`,
    )
  const params: SqrtDepthParams = { depthUnits: (unitsForOnePercent * k * k) / 1e-4, k }
  if (minFactor !== undefined) params.minFactor = minFactor
  return sqrtDepth(params)
}

/** No price impact: the factor is 1 whatever is sold (the plain, non-cascading stress). */
export function zeroDepth(): DepthCurve {
  return { impactFactor: () => 1 }
}

/** One initialized tick of a Uniswap v3 pool (`ticks(tick).liquidityNet`, `int128`). */
export interface UniswapV3Tick {
  /** The tick index, a multiple of the pool's tickSpacing. */
  tick: number
  /** Liquidity added when the price crosses this tick upwards (removed downwards). */
  liquidityNet: bigint | number
}

/** The pool state a {@link uniswapV3Depth} curve needs, as read from chain (slot0, liquidity, ticks). */
export interface UniswapV3PoolState {
  /** slot0.sqrtPriceX96: sqrt(raw token1 per raw token0) * 2^96. */
  sqrtPriceX96: bigint | number
  /** Active (in-range) liquidity L, `uint128`. */
  liquidity: bigint | number
  /** slot0.tick: floor(log_1.0001(raw price)). */
  tick: number
  /** The pool's tick spacing (10, 60, 200, ...); every initialized tick is a multiple of it. */
  tickSpacing: number
  /** Initialized ticks with their liquidityNet, any order; the ones the swap may cross. */
  ticks: readonly UniswapV3Tick[]
  /** true when the sold asset is token0 (price falls as it is sold: zeroForOne). */
  assetIsToken0: boolean
  /** ERC-20 decimals of token0. */
  decimals0: number
  /** ERC-20 decimals of token1. */
  decimals1: number
  /** Pool fee in pips (1e-6): 100, 500, 3000, 10000. Taken from the input. */
  feePips: number
}

/** The outcome of selling an amount of the asset into a Uniswap v3 pool. */
export interface UniswapV3Quote {
  /** Asset price after / before, in (0, 1]. */
  priceFactor: number
  /** true when the pool ran out of liquidity before the whole amount was sold. */
  exhausted: boolean
  /** Initialized ticks crossed. */
  ticksCrossed: number
  /** Spot price before, other token per asset, human units (decimals applied). */
  priceBefore: number
  /** Spot price after, other token per asset, human units. */
  priceAfter: number
  /** Whole tokens of the asset the pool took (fee included); below the request when exhausted. */
  soldUnits: number
}

/** A depth curve backed by a Uniswap v3 pool; `impactFactor(q) === quote(q).priceFactor`. */
export interface UniswapV3DepthCurve extends DepthCurve {
  /** Full swap outcome for selling `soldUnits` whole tokens of the asset. */
  quote(soldUnits: number): UniswapV3Quote
  /** Spot price before any selling, other token per asset, human units. */
  readonly spotPrice: number
}

/** TickMath.MIN_TICK / MAX_TICK. */
const MIN_TICK = -887272
const MAX_TICK = 887272
const Q96 = 2 ** 96

const toNumber = (x: bigint | number): number => (typeof x === 'bigint' ? Number(x) : x)

/**
 * A depth curve that replays the Uniswap v3 swap of the asset into one pool, in float64:
 *
 * - within a range of liquidity L, token0 in moves sqrtP to L*sqrtP / (L + dx*sqrtP) and token1
 *   in moves it to sqrtP + dy/L (the constant-product law of the range, amounts in raw units);
 * - crossing an initialized tick subtracts its liquidityNet going down (token0 in) and adds it
 *   going up (token1 in); a range with no liquidity is jumped at no cost, as the pool does;
 * - the fee (feePips) comes off the input first: over a whole swap the pool's per-step fees add
 *   up to amountIn * feePips / 1e6, so the price moves with amountIn * (1 - feePips / 1e6);
 * - factor for the asset: (sqrtP'/sqrtP)^2 when it is token0, (sqrtP/sqrtP')^2 when it is token1
 *   (its price in token0 is 1/P); decimals cancel in the factor, human prices are
 *   P * 10^(decimals0 - decimals1) (token0 in token1).
 *
 * Exhaustion: once the last initialized tick with liquidity has been crossed and L is 0, the
 * quote stops at that boundary, returns the factor there and sets `exhausted` (the real pool
 * would let the price fall to MIN/MAX_TICK for nothing; the boundary is the last price the pool
 * actually supports). Float rounding of the sum of liquidityNet is treated as 0 below 1e-9 of
 * the largest liquidity met. Tick rounding of the on-chain math (rounding up amounts in,
 * TickMath's fixed-point sqrt) is not reproduced: agreement is to float precision, not to the wei.
 */
export function uniswapV3Depth(state: UniswapV3PoolState): UniswapV3DepthCurve {
  const sqrt0 = toNumber(state.sqrtPriceX96) / Q96
  const L0 = toNumber(state.liquidity)
  if (!(sqrt0 > 0) || !Number.isFinite(sqrt0))
    throw new BaseError('INVALID_REQUEST', 'sqrtPriceX96 must be > 0')
  if (!(L0 >= 0) || !Number.isFinite(L0)) throw new BaseError('INVALID_REQUEST', 'liquidity must be >= 0')
  if (!(state.feePips >= 0 && state.feePips < 1e6))
    throw new BaseError('INVALID_REQUEST', `feePips must be in [0, 1e6), got ${state.feePips}`)
  const spacing = state.tickSpacing
  const merged = new Map<number, number>()
  for (const t of state.ticks) {
    if (!Number.isInteger(t.tick) || t.tick < MIN_TICK || t.tick > MAX_TICK || t.tick % spacing !== 0)
      throw new BaseError(
        'INVALID_REQUEST',
        `tick ${t.tick} is not a valid multiple of tickSpacing ${spacing}`,
      )
    merged.set(t.tick, (merged.get(t.tick) ?? 0) + toNumber(t.liquidityNet))
  }
  const token0 = state.assetIsToken0
  // The ticks the swap may cross, in crossing order: token0 in walks down through t <= tick,
  // token1 in walks up through t > tick (TickBitmap.nextInitializedTickWithinOneWord, lte).
  const walk = [...merged.entries()]
    .filter(([t]) => (token0 ? t <= state.tick : t > state.tick))
    .sort((a, b) => (token0 ? b[0] - a[0] : a[0] - b[0]))
  const n = walk.length
  const tickSqrt = new Float64Array(n + 1)
  const tickNet = new Float64Array(n)
  for (let i = 0; i < n; i++) {
    const [t, net] = walk[i]!
    tickSqrt[i] = 1.0001 ** (t / 2)
    tickNet[i] = token0 ? -net : net
  }
  tickSqrt[n] = 1.0001 ** ((token0 ? MIN_TICK : MAX_TICK) / 2)
  const assetDecimals = token0 ? state.decimals0 : state.decimals1
  const unitScale = 10 ** assetDecimals
  const feeKeep = 1 - state.feePips / 1e6
  const human01 = 10 ** (state.decimals0 - state.decimals1)
  const humanPrice = (s: number): number => (token0 ? s * s * human01 : 1 / (s * s * human01))
  const spotPrice = humanPrice(sqrt0)

  function quote(soldUnits: number): UniswapV3Quote {
    let rem = soldUnits > 0 ? soldUnits * unitScale * feeKeep : 0
    const requested = rem
    let s = sqrt0
    let L = L0
    let Lmax = L0
    let crossed = 0
    for (let i = 0; rem > 0; i++) {
      const target = tickSqrt[i]!
      if (L > Lmax * 1e-9 && L > 0) {
        const need = token0 ? L * (1 / target - 1 / s) : L * (target - s)
        if (rem < need) {
          s = token0 ? (L * s) / (L + rem * s) : s + rem / L
          rem = 0
          break
        }
        rem -= need
        s = target
      } else if (i === n) {
        break // no liquidity left on this side: stop where it ended
      } else {
        s = target // an empty range is crossed for free
      }
      if (i === n) break // TickMath bound reached
      L += tickNet[i]!
      if (L > Lmax) Lmax = L
      crossed++
    }
    const exhausted = rem > 0
    const ratio = s / sqrt0
    let factor = token0 ? ratio * ratio : 1 / (ratio * ratio)
    if (factor > 1) factor = 1
    return {
      priceFactor: factor,
      exhausted,
      ticksCrossed: crossed,
      priceBefore: spotPrice,
      priceAfter: humanPrice(s),
      soldUnits: (requested - rem) / feeKeep / unitScale,
    }
  }

  return {
    spotPrice,
    quote,
    impactFactor: (soldUnits: number) => quote(soldUnits).priceFactor,
  }
}
