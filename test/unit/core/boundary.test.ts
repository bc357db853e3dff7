/** findHealthBoundary against hand-solved step functions. */
import { describe, expect, it } from 'vitest'
import { findHealthBoundary } from '../../../src/core/boundary.js'

describe('findHealthBoundary', () => {
  it('rising: the smallest healthy price (healthy iff 3p >= 1000, so p >= 334)', () => {
    expect(findHealthBoundary({ healthyAt: (p) => 3n * p >= 1000n, rising: true, current: 500n })).toBe(334n)
  })

  it('falling: the largest healthy price (healthy iff 7p <= 1000, so p <= 142)', () => {
    expect(findHealthBoundary({ healthyAt: (p) => 7n * p <= 1000n, rising: false, current: 100n })).toBe(142n)
  })

  it('finds a boundary far above the current price by widening the bracket', () => {
    expect(findHealthBoundary({ healthyAt: (p) => p >= 123_456_789n, rising: true, current: 10n })).toBe(
      123_456_789n,
    )
  })

  it('null when healthy even at price 0 (rising) or unhealthy at 0 (falling)', () => {
    expect(findHealthBoundary({ healthyAt: () => true, rising: true, current: 10n })).toBeNull()
    expect(findHealthBoundary({ healthyAt: () => false, rising: false, current: 10n })).toBeNull()
  })

  it('null when no price within 10^12 x current can cross', () => {
    expect(findHealthBoundary({ healthyAt: () => false, rising: true, current: 10n })).toBeNull()
    expect(findHealthBoundary({ healthyAt: () => true, rising: false, current: 10n })).toBeNull()
  })

  it('a zero current price still searches (from 1)', () => {
    expect(findHealthBoundary({ healthyAt: (p) => p >= 5n, rising: true, current: 0n })).toBe(5n)
  })
})
