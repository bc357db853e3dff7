import type { PositionResult } from '../core/types.js'

/** A position as JSON: bigints become decimal strings. */
export function serializePosition(p: PositionResult) {
  if (p.status === 'unavailable') return p
  // Not in the response schema yet: the rule (bigints) and the label (served in details).
  const { liquidationRule: _rule, marketLabel: _label, ...rest } = p
  return {
    ...rest,
    healthFactorWad: p.healthFactorWad === null ? null : p.healthFactorWad.toString(),
    legs: p.legs.map((l) => ({ ...l, amount: l.amount.toString() })),
  }
}

/** The wallet summary over readable positions (USD floats). */
export function summarize(positions: readonly PositionResult[]) {
  let collateralUsd = 0
  let debtUsd = 0
  let minHealthFactor: number | null = null
  let ok = 0
  for (const p of positions) {
    if (p.status !== 'ok') continue
    ok++
    collateralUsd += p.collateralUsd
    debtUsd += p.debtUsd
    if (p.healthFactor !== null && (minHealthFactor === null || p.healthFactor < minHealthFactor)) {
      minHealthFactor = p.healthFactor
    }
  }
  return {
    collateralUsd,
    debtUsd,
    netWorthUsd: collateralUsd - debtUsd,
    minHealthFactor,
    positions: ok,
    unavailable: positions.length - ok,
  }
}
