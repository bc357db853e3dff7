/**
 * The stress route's glue: the resolver's contributions per layer -> stress inputs -> scenarios
 * (the request's, or the default grid) -> results and the worst case.
 */
import type { PositionResult } from '../core/types.js'
import { identify } from '../resolve/contributions.js'
import type { Exposure } from '../resolve/types.js'
import {
  defaultStressGrid,
  type StressInput,
  type StressResult,
  type StressScenario,
  stressWallet,
} from '../risk/stress.js'

/** The stress inputs of a resolved wallet (ids as the resolver's layers). */
export function stressInputs(exposure: Exposure, positions: readonly PositionResult[]): StressInput[] {
  return identify(positions.filter((p) => p.status === 'ok')).map(({ id, position }) => ({
    id,
    position,
    contributions: exposure.contributions.filter((c) => c.layer === id),
  }))
}

/** The scenarios of a request: one from `shocks`/`depegs`, else the default grid. */
export function scenariosOf(
  exposure: Exposure,
  shocks: Record<string, number> | undefined,
  depegs: Record<string, number> | undefined,
): StressScenario[] {
  if (shocks === undefined && depegs === undefined) return defaultStressGrid(exposure.contributions)
  const parts = [
    ...Object.entries(shocks ?? {}).map(([k, v]) => `${k} ${v > 0 ? '+' : ''}${+(v * 100).toFixed(4)}%`),
    ...Object.entries(depegs ?? {}).map(([k, v]) => `${k} depeg ${+(v * 100).toFixed(4)}%`),
  ]
  return [{ name: parts.join(', '), shocks: shocks ?? {}, ...(depegs ? { depegs } : {}) }]
}

/** Every scenario's result, plus the worst one by equity after. */
export function runStress(inputs: readonly StressInput[], scenarios: readonly StressScenario[]) {
  const results: StressResult[] = scenarios.map((s) => stressWallet(inputs, s))
  let worst: StressResult | null = null
  for (const r of results) if (worst === null || r.equityAfterUsd < worst.equityAfterUsd) worst = r
  return {
    scenarios: results,
    worstCase:
      worst === null
        ? null
        : {
            scenario: worst.scenario.name,
            equityAfterUsd: worst.equityAfterUsd,
            changeUsd: worst.changeUsd,
            changePct: worst.changePct,
            positionsLiquidated: worst.positionsLiquidated,
          },
  }
}
