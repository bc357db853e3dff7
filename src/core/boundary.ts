/**
 * Finds the integer price at which a position crosses from liquidatable to healthy, on the
 * protocol's own integer formula (so every truncation is honoured). Pure.
 */

/** Params of {@link findHealthBoundary}. */
export interface FindHealthBoundaryParams {
  /** Whether the position is healthy with the asset at `price` (integer, protocol units). */
  healthyAt: (price: bigint) => boolean
  /**
   * true when a higher price makes the position healthier (a collateral asset): the answer is the
   * smallest healthy price. false when it makes it less healthy (a debt asset): the largest one.
   */
  rising: boolean
  /** The current price, for the search's first bracket (any positive scale hint works). */
  current: bigint
}

/**
 * Bisection over integer prices: the smallest healthy price when `rising`, the largest healthy
 * one otherwise; null when the position is on one side of the boundary at every price from 0 up to
 * 10^12 times the current price. About 2 log2(range) evaluations of `healthyAt`.
 */
export function findHealthBoundary({ healthyAt, rising, current }: FindHealthBoundaryParams): bigint | null {
  const start = current > 0n ? current : 1n
  const ceiling = start * 10n ** 12n + 10n ** 30n
  // `target` is the side the upper bracket must reach: healthy when rising, unhealthy otherwise.
  const target = rising
  if (healthyAt(0n) === target) return null
  let hi = start * 2n
  while (healthyAt(hi) !== target) {
    if (hi > ceiling) return null
    hi *= 16n
  }
  let lo = 0n
  while (hi - lo > 1n) {
    const mid = (lo + hi) / 2n
    if (healthyAt(mid) === target) hi = mid
    else lo = mid
  }
  return rising ? hi : lo
}
