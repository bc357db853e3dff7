/**
 * Rule evaluation (src/monitor/evaluate/rules.ts) on hand-made snapshots: every vector below is
 * a hand computation (thresholds, margins and values chosen so the crossing is unambiguous).
 */
import { describe, expect, it } from 'vitest'
import {
  alertIdOf,
  DEFAULT_REARM_FRACTION,
  evaluateWatch,
  type PositionView,
  rearmMarginOf,
  type WalletSnapshot,
} from '../../src/monitor/evaluate/rules.js'
import type { RuleState, Watch, WatchRule } from '../../src/monitor/types.js'

const watch = (rules: WatchRule[], cooldownMs = 0): Watch => ({
  id: 'w_test',
  keyId: 'k_test',
  address: '0x00000000000000000000000000000000000000aa',
  chains: ['local'],
  rules,
  webhooks: [{ url: 'http://127.0.0.1:1/hook', secret: 's' }],
  cooldownMs,
  createdAt: 0,
  updatedAt: 0,
})

const pos = (key: string, hf: number | null, extra: Partial<PositionView> = {}): PositionView => ({
  key,
  status: 'ok',
  healthFactor: hf,
  collateralUsd: 1000,
  debtUsd: 500,
  collateralDistances: [],
  ...extra,
})

const snap = (
  block: bigint,
  positions: PositionView[],
  extra: Partial<WalletSnapshot> = {},
): WalletSnapshot => ({
  chain: 'local',
  block,
  positions,
  positionsFresh: true,
  ...extra,
})

/** Runs a sequence of snapshots through one watch, carrying states and alert times like the tick. */
function run(w: Watch, snapshots: WalletSnapshot[], times?: number[]) {
  let states: RuleState[] = []
  let lastAlertAt: number | undefined
  return snapshots.map((s, i) => {
    const now = times?.[i] ?? 1_000 * (i + 1)
    const out = evaluateWatch({ watch: w, snapshot: s, states, lastAlertAt, now })
    states = out.states
    if (out.alerts.length > 0) lastAlertAt = now
    return out
  })
}

describe('health factor rule with hysteresis', () => {
  const w = watch([{ metric: 'healthFactor', below: 1.05 }])
  it('fires once on crossing, stays quiet while below, re-arms only past the margin', () => {
    // Default margin: 1.05 x 0.02 = 0.021 -> re-arms at HF >= 1.071.
    expect(rearmMarginOf(w.rules[0]!)).toBeCloseTo(1.05 * DEFAULT_REARM_FRACTION, 15)
    const outs = run(w, [
      snap(1n, [pos('aave-v3:m', 1.2)]), // armed, above
      snap(2n, [pos('aave-v3:m', 1.04)]), // crosses: fires
      snap(3n, [pos('aave-v3:m', 1.03)]), // still below: quiet
      snap(4n, [pos('aave-v3:m', 1.06)]), // back above 1.05 but below 1.071: still fired
      snap(5n, [pos('aave-v3:m', 1.04)]), // below again: quiet (not re-armed)
      snap(6n, [pos('aave-v3:m', 1.08)]), // past 1.071: re-armed
      snap(7n, [pos('aave-v3:m', 1.01)]), // crosses again: fires
    ])
    expect(outs.map((o) => o.alerts.length)).toEqual([0, 1, 0, 0, 0, 0, 1])
    expect(outs.map((o) => o.states[0]!.status)).toEqual([
      'armed',
      'fired',
      'fired',
      'fired',
      'fired',
      'armed',
      'fired',
    ])
    const first = outs[1]!.alerts[0]!
    expect(first).toMatchObject({
      before: 1.2,
      after: 1.04,
      block: 2n,
      ruleIndex: 0,
      positions: ['aave-v3:m'],
    })
    expect(first.id).toBe(alertIdOf('w_test', 'local', 0, 2n))
    expect(first.message).toContain('health factor 1.04 < 1.05 on aave-v3:m')
  })
  it('takes the smallest health factor of all positions; no debt is no risk (re-arms)', () => {
    const outs = run(w, [
      snap(1n, [pos('a:1', 2), pos('b:2', 1.01)]),
      snap(2n, [pos('a:1', 2), pos('b:2', null)]),
      snap(3n, [pos('a:1', 1.0)]),
    ])
    expect(outs.map((o) => o.alerts.length)).toEqual([1, 0, 1])
    expect(outs[0]!.alerts[0]!.positions).toEqual(['b:2'])
    expect(outs[1]!.states[0]).toMatchObject({ status: 'armed', lastValue: 2 })
  })
  it('an explicit rearmMargin replaces the default', () => {
    const w2 = watch([{ metric: 'healthFactor', below: 1.5, rearmMargin: 0.5 }])
    const outs = run(w2, [
      snap(1n, [pos('a:1', 1.4)]),
      snap(2n, [pos('a:1', 1.99)]),
      snap(3n, [pos('a:1', 2.0)]),
    ])
    expect(outs.map((o) => o.states[0]!.status)).toEqual(['fired', 'fired', 'armed'])
  })
  it('re-applying the same snapshot at the same block gives the same alert id (idempotency key)', () => {
    const a = evaluateWatch({ watch: w, snapshot: snap(9n, [pos('a:1', 1)]), states: [], now: 5 })
    const b = evaluateWatch({ watch: w, snapshot: snap(9n, [pos('a:1', 1)]), states: [], now: 6 })
    expect(a.alerts[0]!.id).toBe(b.alerts[0]!.id)
    expect(a.alerts[0]!.id).toMatch(/^al_[0-9a-f]{24}$/)
  })
})

describe('cooldown', () => {
  it('holds a crossing back while cooling down, the rule stays armed and fires after', () => {
    const w = watch(
      [
        { metric: 'healthFactor', below: 1.5 },
        { metric: 'liquidationDistance', below: 0.1 },
      ],
      10_000,
    )
    const outs = run(
      w,
      [
        snap(1n, [pos('a:1', 1.4, { collateralDistances: [0.2] })]), // HF fires at t=1000
        snap(2n, [pos('a:1', 1.4, { collateralDistances: [0.05] })]), // distance crosses at t=5000: cooling down
        snap(3n, [pos('a:1', 1.4, { collateralDistances: [0.05] })]), // t=11000: cooldown over: fires
      ],
      [1_000, 5_000, 11_000],
    )
    expect(outs.map((o) => o.alerts.map((a) => a.ruleIndex))).toEqual([[0], [], [1]])
    expect(outs[1]!.states[1]!.status).toBe('armed')
  })
  it('crossings of one evaluation fire together', () => {
    const w = watch(
      [
        { metric: 'healthFactor', below: 1.5 },
        { metric: 'liquidationDistance', below: 0.1 },
      ],
      60_000,
    )
    const [out] = run(w, [snap(1n, [pos('a:1', 1.2, { collateralDistances: [0.3, 0.04] })])])
    expect(out!.alerts.map((a) => [a.ruleIndex, a.after])).toEqual([
      [0, 1.2],
      [1, 0.04],
    ])
  })
})

describe('deep metrics', () => {
  it('leverage above, cascade shock below, probability above; undefined keeps the state', () => {
    const w = watch([
      { metric: 'effectiveLeverage', above: 3 },
      { metric: 'cascadeShock', asset: 'ETH', below: 0.2 },
      { metric: 'liquidationProbability', horizonDays: 7, above: 0.05 },
    ])
    const outs = run(w, [
      snap(1n, [], {
        effectiveLeverage: 2,
        cascadeShock: { ETH: 0.3 },
        liquidationProbability: { '7': 0.01 },
      }),
      snap(2n, [], {
        effectiveLeverage: 3.5,
        cascadeShock: { ETH: 0.15 },
        liquidationProbability: { '7': 0.2 },
      }),
      snap(3n, [], {}), // not computed at this tick: unchanged
      // Re-arm: leverage <= 3 - 0.06, shock >= 0.2 + 0.004, probability <= 0.05 - 0.001.
      snap(4n, [], {
        effectiveLeverage: 2.95,
        cascadeShock: { ETH: null },
        liquidationProbability: { '7': 0.049 },
      }),
    ])
    expect(outs.map((o) => o.alerts.map((a) => a.ruleIndex))).toEqual([[], [0, 1, 2], [], []])
    expect(outs[2]!.states.map((s) => [s.status, s.lastBlock])).toEqual([
      ['fired', 2n],
      ['fired', 2n],
      ['fired', 2n],
    ])
    // 2.95 > 2.94: leverage not re-armed; null shock (nothing liquidates): re-armed; 0.049 <= 0.049: re-armed.
    expect(outs[3]!.states.map((s) => s.status)).toEqual(['fired', 'armed', 'armed'])
    expect(outs[1]!.alerts[1]!.message).toContain('cascade-inclusive liquidation shock (ETH) 0.15 < 0.2')
  })
})

describe('position change', () => {
  const w = watch([{ metric: 'positionChange', threshold: 0.1 }])
  it('baseline first, then opened / changed by more than the threshold / closed', () => {
    const outs = run(w, [
      snap(1n, [pos('a:1', 2, { collateralUsd: 1000, debtUsd: 500 })]), // baseline
      snap(2n, [pos('a:1', 2, { collateralUsd: 1050, debtUsd: 500 })]), // +5 %: quiet
      snap(3n, [pos('a:1', 2, { collateralUsd: 1120, debtUsd: 500 })]), // +12 % from baseline: fires
      snap(4n, [pos('a:1', 2, { collateralUsd: 1120, debtUsd: 500 }), pos('b:2', 3)]), // opened
      snap(5n, [pos('b:2', 3)]), // closed
      snap(6n, [pos('b:2', 3)], { positionsFresh: false }), // not a fresh read: waits
    ])
    expect(outs.map((o) => o.alerts.length)).toEqual([0, 0, 1, 1, 1, 0])
    expect(outs[2]!.alerts[0]!.message).toContain('a:1 changed 12.00%')
    expect(outs[3]!.alerts[0]!.positions).toEqual(['b:2'])
    expect(outs[4]!.alerts[0]!.message).toContain('closed a:1')
  })
})

describe('unavailable', () => {
  const w = watch([{ metric: 'unavailable' }])
  const down = (key: string): PositionView => ({
    ...pos(key, null),
    status: 'unavailable',
    code: 'PROTOCOL_READ_FAILED',
    reason: 'boom',
  })
  it('fires when a position becomes unavailable, once, and again after it came back', () => {
    const outs = run(w, [
      snap(1n, [pos('a:1', 2)]),
      snap(2n, [down('a:1')]),
      snap(3n, [down('a:1')]),
      snap(4n, [pos('a:1', 2)]),
      snap(5n, [down('a:1'), down('b:2')]),
    ])
    expect(outs.map((o) => o.alerts.length)).toEqual([0, 1, 0, 0, 1])
    expect(outs[1]!.alerts[0]!.message).toContain('a:1 (PROTOCOL_READ_FAILED: boom)')
    expect(outs[3]!.states[0]!.status).toBe('armed')
    expect(outs[4]!.alerts[0]!.positions).toEqual(['a:1', 'b:2'])
  })
})
