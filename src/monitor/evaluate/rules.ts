/**
 * Rule evaluation of monitoring, pure: a watch's rules over one wallet snapshot (what stacklens
 * computed of the wallet on one chain at one block) and the rules' stored states -> new states and
 * the alerts to store. Crossing detection with hysteresis (a rule fires once when its metric
 * crosses its threshold, and re-arms only after the metric recovers past `rearmMargin`), a
 * per-watch cooldown, deterministic alert ids (re-applying an outcome stores nothing twice).
 */
import { keccak256, stringToHex } from 'viem'
import type { Alert, EvaluationOutcome, RuleState, Watch, WatchRule } from '../types.js'

/** One position as the rules see it (a wallet report row, its health factor possibly refreshed by a cheap read). */
export interface PositionView {
  /** Stable key of the position: `protocol:market` (+ `@account` when held by a smart account). */
  key: string
  status: 'ok' | 'unavailable'
  /** Protocol's health factor, float; null without debt (and for unavailable rows). */
  healthFactor: number | null
  /** USD, float (0 for unavailable rows). */
  collateralUsd: number
  debtUsd: number
  /**
   * Distances to liquidation of its collateral-side assets: how far each price must fall for the
   * position to reach HF 1, positive fractions (0.05 = 5 %); assets no price liquidates are absent.
   */
  collateralDistances: number[]
  /** Unavailable rows: the error code and reason. */
  code?: string
  reason?: string
}

/**
 * What stacklens computed of one wallet on one chain at one block. A metric left undefined was not
 * computed at this evaluation (a deep metric between deep reads): rules over it keep their state.
 */
export interface WalletSnapshot {
  chain: string
  block: bigint
  positions: PositionView[]
  /** False when `positions` are those of an earlier deep read (positionChange then waits). */
  positionsFresh: boolean
  /** The resolver's effective leverage; null when not defined (no equity). */
  effectiveLeverage?: number | null
  /** Cascade-inclusive liquidation shock per risk asset (positive magnitude); null: no shock liquidates. */
  cascadeShock?: Readonly<Record<string, number | null>>
  /** Monte Carlo P(liquidation within the horizon) per horizon in days (key: the number as text). */
  liquidationProbability?: Readonly<Record<string, number | null>>
}

/** Params of {@link evaluateWatch}. */
export interface EvaluateWatchParams {
  watch: Watch
  snapshot: WalletSnapshot
  /** The stored states of this watch on this chain (any order; missing rules start armed). */
  states: readonly RuleState[]
  /** When this watch last alerted (ms), for the cooldown; undefined: never. */
  lastAlertAt?: number | undefined
  /** Now, ms. */
  now: number
}

/**
 * Default re-arm margin as a fraction of the threshold's magnitude: a rule "HF below 1.05" re-arms
 * once HF is back at or above 1.05 + 0.02 x 1.05 = 1.071.
 */
export const DEFAULT_REARM_FRACTION = 0.02

/** The re-arm margin of a threshold rule (metric units): its own, else {@link DEFAULT_REARM_FRACTION} of the threshold. */
export function rearmMarginOf(rule: WatchRule): number {
  if (rule.metric === 'positionChange' || rule.metric === 'unavailable') return 0
  if (rule.rearmMargin !== undefined) return rule.rearmMargin
  const threshold = 'below' in rule ? rule.below : rule.above
  return Math.abs(threshold) * DEFAULT_REARM_FRACTION
}

/**
 * The deterministic id of the alert of rule `ruleIndex` of `watchId` on `chain` at `block`:
 * `al_` + 24 hex digits of keccak256 of those facts. One rule fires at most once per block, so
 * the id is unique, and an outcome applied twice carries the same ids (idempotency keys).
 */
export function alertIdOf(watchId: string, chain: string, ruleIndex: number, block: bigint): string {
  return `al_${keccak256(stringToHex(`${watchId}|${chain}|${ruleIndex}|${block}`)).slice(2, 26)}`
}

/** A metric's value and the positions it comes from. */
interface Value {
  value: number | null
  positions: string[]
}

/** Smallest of `pairs` by number (null when empty). */
function minOf(pairs: readonly (readonly [number, string])[]): Value {
  let best: readonly [number, string] | undefined
  for (const p of pairs) if (best === undefined || p[0] < best[0]) best = p
  return best ? { value: best[0], positions: [best[1]] } : { value: null, positions: [] }
}

/** The value of a threshold rule's metric; undefined when not computed at this evaluation. */
export function metricValue(rule: WatchRule, snapshot: WalletSnapshot): Value | undefined {
  const ok = snapshot.positions.filter((p) => p.status === 'ok')
  switch (rule.metric) {
    case 'healthFactor':
      return minOf(ok.flatMap((p) => (p.healthFactor === null ? [] : [[p.healthFactor, p.key] as const])))
    case 'liquidationDistance':
      return minOf(ok.flatMap((p) => p.collateralDistances.map((d) => [d, p.key] as const)))
    case 'effectiveLeverage':
      return snapshot.effectiveLeverage === undefined
        ? undefined
        : { value: snapshot.effectiveLeverage, positions: [] }
    case 'cascadeShock': {
      const all = snapshot.cascadeShock
      if (all === undefined || !(rule.asset in all)) return undefined
      return { value: all[rule.asset] ?? null, positions: [] }
    }
    case 'liquidationProbability': {
      const all = snapshot.liquidationProbability
      const key = String(rule.horizonDays)
      if (all === undefined || !(key in all)) return undefined
      return { value: all[key] ?? null, positions: [] }
    }
    default:
      return undefined
  }
}

/** Human names of the threshold metrics, for alert messages. */
const METRIC_NAMES: Record<string, string> = {
  healthFactor: 'health factor',
  liquidationDistance: 'distance to liquidation',
  effectiveLeverage: 'effective leverage',
  cascadeShock: 'cascade-inclusive liquidation shock',
  liquidationProbability: 'probability of liquidation',
}

const fmt = (v: number | null) => (v === null ? 'n/a' : `${+v.toPrecision(6)}`)

/**
 * Crossing of a threshold rule: `crossed` when the value is beyond the threshold, `recovered` when
 * it is back past the margin. A null value (nothing to liquidate: no debt, no shock liquidates)
 * counts as recovered for "below" metrics and as neither for "above" ones.
 */
function crossing(rule: WatchRule, value: number | null): { crossed: boolean; recovered: boolean } {
  const margin = rearmMarginOf(rule)
  if ('below' in rule) {
    if (value === null) return { crossed: false, recovered: true }
    return { crossed: value < rule.below, recovered: value >= rule.below + margin }
  }
  if ('above' in rule) {
    if (value === null) return { crossed: false, recovered: false }
    return { crossed: value > rule.above, recovered: value <= rule.above - margin }
  }
  return { crossed: false, recovered: false }
}

/** Sizes per position key, as the positionChange memo stores them: `[collateralUsd, debtUsd]`. */
type SizeMemo = Record<string, [number, number]>

function parseMemo<T>(memo: string | undefined, fallback: T): T {
  if (memo === undefined) return fallback
  try {
    return JSON.parse(memo) as T
  } catch {
    return fallback
  }
}

/** Relative change from `a` to `b` (1 when one side is 0 and the other not). */
function relChange(a: number, b: number): number {
  if (a === b) return 0
  return a === 0 ? 1 : Math.abs(b - a) / Math.abs(a)
}

/** What one rule decided. */
interface RuleDecision {
  state: RuleState
  alert?: Omit<Alert, 'id' | 'watchId' | 'chain' | 'ruleIndex' | 'rule' | 'block' | 'createdAt'>
}

/**
 * Evaluates every rule of `watch` over `snapshot`: new states (one per rule) and the alerts of the
 * rules that fired. All crossings of one evaluation fire together; the cooldown holds back the
 * crossings of later evaluations until `watch.cooldownMs` has passed since the last alert (a
 * held-back rule stays armed, so it fires when the cooldown ends if still crossed).
 */
export function evaluateWatch(params: EvaluateWatchParams): EvaluationOutcome {
  const { watch, snapshot, now } = params
  const inCooldown = params.lastAlertAt !== undefined && now - params.lastAlertAt < watch.cooldownMs
  const byIndex = new Map(params.states.map((s) => [s.ruleIndex, s]))
  const states: RuleState[] = []
  const alerts: Alert[] = []
  watch.rules.forEach((rule, ruleIndex) => {
    const prev: RuleState = byIndex.get(ruleIndex) ?? {
      watchId: watch.id,
      chain: snapshot.chain,
      ruleIndex,
      status: 'armed',
      lastValue: null,
      lastBlock: null,
      updatedAt: now,
    }
    const decision = decideRule(rule, prev, snapshot, inCooldown, now)
    states.push(decision.state)
    if (decision.alert) {
      alerts.push({
        id: alertIdOf(watch.id, snapshot.chain, ruleIndex, snapshot.block),
        watchId: watch.id,
        chain: snapshot.chain,
        ruleIndex,
        rule,
        block: snapshot.block,
        createdAt: now,
        ...decision.alert,
      })
    }
  })
  return { watchId: watch.id, chain: snapshot.chain, block: snapshot.block, states, alerts }
}

function decideRule(
  rule: WatchRule,
  prev: RuleState,
  snapshot: WalletSnapshot,
  inCooldown: boolean,
  now: number,
): RuleDecision {
  const at = { lastBlock: snapshot.block, updatedAt: now }
  if (rule.metric === 'positionChange')
    return decidePositionChange(rule.threshold, prev, snapshot, inCooldown, now)
  if (rule.metric === 'unavailable') return decideUnavailable(prev, snapshot, inCooldown, now)
  const v = metricValue(rule, snapshot)
  if (v === undefined) return { state: prev }
  const { crossed, recovered } = crossing(rule, v.value)
  if (prev.status === 'armed' && crossed && !inCooldown) {
    const threshold = 'below' in rule ? `< ${rule.below}` : 'above' in rule ? `> ${rule.above}` : ''
    const where = v.positions.length > 0 ? ` on ${v.positions.join(', ')}` : ''
    const asset = rule.metric === 'cascadeShock' ? ` (${rule.asset})` : ''
    const horizon = rule.metric === 'liquidationProbability' ? ` within ${rule.horizonDays} days` : ''
    return {
      state: { ...prev, ...at, status: 'fired', lastValue: v.value },
      alert: {
        before: prev.lastValue,
        after: v.value,
        message: `${METRIC_NAMES[rule.metric]}${asset}${horizon} ${fmt(v.value)} ${threshold}${where} (chain ${snapshot.chain}, block ${snapshot.block})`,
        ...(v.positions.length > 0 ? { positions: v.positions } : {}),
      },
    }
  }
  const status = prev.status === 'fired' && recovered ? 'armed' : prev.status
  return { state: { ...prev, ...at, status, lastValue: v.value } }
}

function decidePositionChange(
  threshold: number,
  prev: RuleState,
  snapshot: WalletSnapshot,
  inCooldown: boolean,
  now: number,
): RuleDecision {
  const at = { lastBlock: snapshot.block, updatedAt: now }
  if (!snapshot.positionsFresh) return { state: prev }
  const current: SizeMemo = {}
  for (const p of snapshot.positions) if (p.status === 'ok') current[p.key] = [p.collateralUsd, p.debtUsd]
  const count = Object.keys(current).length
  // First evaluation: the baseline, nothing to compare with.
  if (prev.memo === undefined)
    return { state: { ...prev, ...at, lastValue: count, memo: JSON.stringify(current) } }
  const base = parseMemo<SizeMemo>(prev.memo, {})
  const changes: string[] = []
  const keys: string[] = []
  for (const [key, [c, d]] of Object.entries(current)) {
    const was = base[key]
    if (!was) {
      changes.push(`opened ${key}`)
      keys.push(key)
    } else {
      const moved = Math.max(relChange(was[0], c), relChange(was[1], d))
      if (moved > threshold) {
        changes.push(`${key} changed ${(moved * 100).toFixed(2)}%`)
        keys.push(key)
      }
    }
  }
  for (const key of Object.keys(base)) {
    if (!(key in current) && !snapshot.positions.some((p) => p.key === key)) {
      changes.push(`closed ${key}`)
      keys.push(key)
    }
  }
  if (changes.length === 0 || inCooldown) return { state: { ...prev, ...at, lastValue: count } }
  return {
    // The baseline moves to what was alerted about: slow drifts add up until they pass the threshold.
    state: { ...prev, ...at, status: 'armed', lastValue: count, memo: JSON.stringify(current) },
    alert: {
      before: prev.lastValue,
      after: count,
      message: `positions changed: ${changes.join('; ')} (chain ${snapshot.chain}, block ${snapshot.block})`,
      positions: keys,
    },
  }
}

function decideUnavailable(
  prev: RuleState,
  snapshot: WalletSnapshot,
  inCooldown: boolean,
  now: number,
): RuleDecision {
  const at = { lastBlock: snapshot.block, updatedAt: now }
  const down = snapshot.positions.filter((p) => p.status === 'unavailable')
  const keys = down.map((p) => p.key).sort()
  const known = new Set(parseMemo<string[]>(prev.memo, []))
  const fresh = down.filter((p) => !known.has(p.key))
  // Alerted keys that came back are dropped (re-armed); alerted keys still down stay.
  const still = keys.filter((k) => known.has(k))
  if (fresh.length === 0 || inCooldown) {
    const status = still.length > 0 ? 'fired' : 'armed'
    return { state: { ...prev, ...at, status, lastValue: keys.length, memo: JSON.stringify(still) } }
  }
  return {
    state: { ...prev, ...at, status: 'fired', lastValue: keys.length, memo: JSON.stringify(keys) },
    alert: {
      before: prev.lastValue,
      after: keys.length,
      message: `unavailable: ${fresh.map((p) => `${p.key} (${p.code ?? 'UNAVAILABLE'}: ${p.reason ?? 'not readable'})`).join('; ')} (chain ${snapshot.chain}, block ${snapshot.block})`,
      positions: fresh.map((p) => p.key),
    },
  }
}
