/**
 * Safe size: per lending position, how much more it can borrow (or loop, at its own LTV) and
 * still keep its health factor at or above a target after a price shock, and the deleverage that
 * brings it back to the target when the shock leaves it below. Pure, float64 (USD floats at the
 * read's oracle prices, relative moves, unitless health factors); token amounts rounded down to
 * raw units at the one conversion to a bigint.
 *
 * Model, with `W'` and `D'` the position's liquidation-weighted collateral and debt at the
 * shocked prices (the stress engine's own health factor, {@link stressPosition}, so each
 * protocol's rule applies: Aave's whole-bps average threshold, Morpho's LLTV, Comet's factors),
 * `mD`, `mC` the shocked price multipliers of the debt and collateral legs and `t` the target:
 * - borrow (the tokens leave the position): `x = (W' / t - D') / mD` USD of the debt token now,
 *   capped by what the protocol lets it borrow now (`sum(collateral x LTV) - D`; the liquidation
 *   threshold where a leg carries no LTV, as Morpho's LLTV);
 * - loop (borrowed, swapped at oracle prices without slippage, supplied as the largest counted
 *   collateral): `x = (W' - t D') / (t mD - mC LT_C)`; without a bound when the denominator is
 *   not positive (each loop adds more weighted collateral than debt at the target), then only the
 *   LTV cap `(sum(collateral x LTV) - D) / (1 - LTV_C)` applies;
 * - deleverage when `W' / D' < t`: repaying from outside funds `(D' - W' / t) / mD` USD now, or
 *   selling the largest collateral to repay `(t D' - W') / (t mD - mC LT_C)` USD now (before the
 *   shock: a sale after it takes more tokens), and the unwind planner's steps ({@link planUnwind})
 *   now to the health factor that sale leaves now, with the HF after the shock of the plan.
 */
import type { Leg, Position } from '../core/types.js'
import { type LayerUnwind, planUnwind, type UnwindTarget } from '../resolve/unwind.js'
import { isPerpRule } from './liquidation-rule.js'
import {
  multiplierOf,
  type StressInput,
  type StressScenario,
  stressPosition,
  validateScenario,
} from './stress.js'

/** A token of a capacity answer. */
export interface CapacityToken {
  symbol: string
  address: string | null
  decimals: number
  /** USD per whole token at the read, float. */
  priceUsd: number
  /** The shock's multiplier of its price (0.7 for -30%), float. */
  multiplier: number
}

/** An amount the position can add (or must remove), in the debt token. */
export interface CapacityAmount {
  /** Raw units of the debt token, rounded down (toward the safe side). */
  amount: bigint
  /** USD at the read's prices, float. */
  usd: number
  /** What bounds it: the target after the shock, the protocol's LTV now, or nothing (0 debt room). */
  limitedBy: 'target' | 'ltv'
  /** Health factor after the shock with the amount added, float; null without debt. */
  healthFactorAfterShock: number | null
}

/** The deleverage a shock calls for. */
export interface CapacityDeleverage {
  /** Debt to repay from outside funds so the HF after the shock is the target: raw debt-token units, rounded up. */
  repayAmount: bigint
  /** The same in USD at the read's prices. */
  repayUsd: number
  /**
   * USD (at the read's prices) of the largest collateral to sell and repay as debt; null when
   * selling that collateral cannot reach the target (its weight after the shock is at or above
   * t x the debt's).
   */
  sellCollateralUsd: number | null
  /**
   * The unwind planner's steps, now (at the read's prices), to the health factor that selling
   * `sellCollateralUsd` leaves now; null when selling collateral cannot reach the target.
   */
  plan: LayerUnwind | null
  /** The health factor after the shock once the plan is done (the engine's), float; null with it. */
  planHealthFactorAfterShock: number | null
}

/** One position's safe size under the shock. */
export interface PositionCapacity {
  id: string
  protocol: string
  market: string
  chain: string
  kind: 'lending' | 'perp'
  healthFactor: number | null
  /** Health factor after the shock, before any change; null without debt. */
  healthFactorShocked: number | null
  /** The token borrowed more of: the largest debt leg. */
  debt: CapacityToken | null
  /** The loop's collateral: the largest counted collateral leg. */
  collateral: CapacityToken | null
  /** More borrowing that keeps HF >= target after the shock; null when not applicable (see `reason`). */
  borrow: CapacityAmount | null
  /**
   * More looping (borrow, swap to the collateral, supply); null when not applicable, or unbounded
   * (a 100% LTV collateral whose every loop raises the HF after the shock).
   */
  loop: CapacityAmount | null
  /** Needed when the shock leaves HF below the target; null otherwise. */
  deleverage: CapacityDeleverage | null
  /** Why `borrow`/`loop` are null (a perp; no debt asset to borrow more of; no counted collateral). */
  reason?: string
}

/** Validates the target health factor. @throws RangeError */
export function validateTargetHealthFactor(t: number): void {
  if (!(Number.isFinite(t) && t > 1 && t <= 100))
    throw new RangeError(`hf must be a health factor in (1, 100], got ${t}`)
}

function largest(p: Position, side: Leg['side'], counted: boolean): number {
  let best = -1
  for (const [i, l] of p.legs.entries()) {
    if (l.side !== side) continue
    if (counted && (l.countsAsCollateral === false || !((l.liquidationThresholdBps ?? 0) > 0))) continue
    if (best < 0 || l.usd > (p.legs[best] as Leg).usd) best = i
  }
  return best
}

function toRaw(usd: number, leg: Leg, round: 'down' | 'up'): bigint {
  if (!(usd > 0) || !(leg.priceUsd > 0)) return 0n
  const whole = usd / leg.priceUsd
  // toFixed switches to exponent notation from 1e21: such a float is an integer already.
  if (whole >= 1e21) return BigInt(Math.floor(whole)) * 10n ** BigInt(leg.asset.decimals)
  // Exact decimal digits of the float, then integer rounding in the named direction.
  const [int, frac = ''] = whole.toFixed(Math.min(leg.asset.decimals + 4, 100)).split('.')
  const digits = `${int}${frac.padEnd(leg.asset.decimals + 4, '0')}`
  const scaled = BigInt(digits)
  const q = scaled / 10_000n
  return round === 'down' || scaled % 10_000n === 0n ? q : q + 1n
}

/**
 * The unwind planner's plan, at the read's prices, to the health factor NOW that selling `sell`
 * USD of the largest collateral to repay debt leaves (the one whose HF after the shock is the
 * target), and the HF after the shock of what the plan does (it sells the lowest threshold
 * first: with several collaterals the result can differ from the target, and says so).
 */
function plannedDeleverage(
  input: StressInput,
  scenario: StressScenario,
  sell: number | null,
  ltC: number,
): Pick<CapacityDeleverage, 'plan' | 'planHealthFactorAfterShock'> {
  const p = input.position
  const none = { plan: null, planHealthFactorAfterShock: null }
  if (sell === null || p.healthFactor === null) return none
  const weightedNow = p.healthFactor * p.debtUsd
  const debtLeft = p.debtUsd - sell
  const target: UnwindTarget =
    debtLeft <= p.debtUsd * 1e-12
      ? { kind: 'zero' }
      : { kind: 'healthFactor', value: (weightedNow - ltC * sell) / debtLeft }
  if (target.kind === 'healthFactor' && !(target.value > 1 && Number.isFinite(target.value))) return none
  const plan = planUnwind([{ id: input.id, position: p }], target).layers[0] ?? null
  if (plan === null) return none
  const path = plan.method === 'flash-loan' ? plan.flashLoan : plan.iterative
  const left = {
    collateral: new Map(plan.collateralSold.map((a) => [a.symbol, a.usd])),
    debt: new Map((path?.debtRepaid ?? []).map((a) => [a.symbol, a.usd])),
  }
  const legs = p.legs.map((l) => {
    if (l.side !== 'collateral' && l.side !== 'debt') return l
    const take = Math.min(l.usd, left[l.side].get(l.asset.symbol) ?? 0)
    if (!(take > 0)) return l
    left[l.side].set(l.asset.symbol, (left[l.side].get(l.asset.symbol) ?? 0) - take)
    return { ...l, usd: l.usd - take }
  })
  const after = stressPosition({ ...input, position: { ...p, legs } }, scenario)
  return { plan, planHealthFactorAfterShock: after.healthFactorShocked }
}

/** The safe size of one position under `scenario` at target health factor `t`. @throws RangeError */
export function positionCapacity(input: StressInput, scenario: StressScenario, t: number): PositionCapacity {
  validateTargetHealthFactor(t)
  const p = input.position
  const stressed = stressPosition(input, scenario)
  const hfShocked = stressed.healthFactorShocked
  const base = {
    id: input.id,
    protocol: p.protocol,
    market: p.market,
    chain: p.chain,
    kind: p.kind,
    healthFactor: p.healthFactor,
    healthFactorShocked: hfShocked,
  }
  if (isPerpRule(p.liquidationRule))
    return {
      ...base,
      debt: null,
      collateral: null,
      borrow: null,
      loop: null,
      deleverage: null,
      reason: 'a perp borrows nothing: see the hedge route for its size',
    }
  const legContribs = input.contributions.filter((c) => c.source !== 'financing' && c.source !== 'margin')
  const mult = p.legs.map((_, i) => {
    const c = legContribs[i]
    return c ? multiplierOf(c, scenario) : 1
  })
  const token = (i: number): CapacityToken | null => {
    if (i < 0) return null
    const l = p.legs[i] as Leg
    return {
      symbol: l.asset.symbol,
      address: l.asset.address,
      decimals: l.asset.decimals,
      priceUsd: l.priceUsd,
      multiplier: mult[i] as number,
    }
  }
  const di = largest(p, 'debt', false)
  const ci = largest(p, 'collateral', true)
  const out = { ...base, debt: token(di), collateral: token(ci) }
  if (ci < 0)
    return {
      ...out,
      borrow: null,
      loop: null,
      deleverage: null,
      reason: 'no counted collateral: nothing to borrow against',
    }
  if (di < 0 || hfShocked === null)
    return {
      ...out,
      borrow: null,
      loop: null,
      deleverage: null,
      reason: 'no debt: no debt asset to borrow more of (the position is not leveraged)',
    }
  const dLeg = p.legs[di] as Leg
  const cLeg = p.legs[ci] as Leg
  const mD = mult[di] as number
  const mC = mult[ci] as number
  let debtNow = 0
  let debtShocked = 0
  let ltvRoom = 0
  for (const [i, l] of p.legs.entries()) {
    if (l.side === 'debt') {
      debtNow += l.usd
      debtShocked += l.usd * (mult[i] as number)
    } else if (
      l.side === 'collateral' &&
      l.countsAsCollateral !== false &&
      (l.liquidationThresholdBps ?? 0) > 0
    ) {
      ltvRoom += (l.usd * (l.ltvBps ?? (l.liquidationThresholdBps as number))) / 10_000
    }
  }
  // W' as the engine weighs it (whole-bps average threshold where the rule says so).
  const weightedShocked = hfShocked * debtShocked
  ltvRoom -= debtNow
  const ltC = (cLeg.liquidationThresholdBps as number) / 10_000
  const ltvC = (cLeg.ltvBps ?? (cLeg.liquidationThresholdBps as number)) / 10_000
  const hfAfter = (addDebt: number, addWeighted: number) =>
    debtShocked + addDebt > 0 ? (weightedShocked + addWeighted) / (debtShocked + addDebt) : null

  const byTargetBorrow = (weightedShocked / t - debtShocked) / mD
  const ltvBorrow = Math.max(0, ltvRoom)
  const borrowUsd = Math.max(0, Math.min(byTargetBorrow, ltvBorrow))
  const borrow: CapacityAmount = {
    amount: toRaw(borrowUsd, dLeg, 'down'),
    usd: borrowUsd,
    limitedBy: byTargetBorrow <= ltvBorrow ? 'target' : 'ltv',
    healthFactorAfterShock: hfAfter(borrowUsd * mD, 0),
  }
  const denom = t * mD - mC * ltC
  const byTargetLoop = denom > 0 ? (weightedShocked - t * debtShocked) / denom : Number.POSITIVE_INFINITY
  const ltvLoop = ltvC < 1 ? Math.max(0, ltvRoom) / (1 - ltvC) : Number.POSITIVE_INFINITY
  const loopUsd = Math.max(0, Math.min(byTargetLoop, ltvLoop))
  // Unbounded only when an LTV of 100% meets a target every loop raises: no size to serve.
  const loop: CapacityAmount | null = Number.isFinite(loopUsd)
    ? {
        amount: toRaw(loopUsd, dLeg, 'down'),
        usd: loopUsd,
        limitedBy: byTargetLoop <= ltvLoop ? 'target' : 'ltv',
        healthFactorAfterShock: hfAfter(loopUsd * mD, loopUsd * mC * ltC),
      }
    : null
  let deleverage: CapacityDeleverage | null = null
  if (hfShocked < t) {
    const repayUsd = (debtShocked - weightedShocked / t) / mD
    const sell = denom > 0 ? (t * debtShocked - weightedShocked) / denom : null
    deleverage = {
      repayAmount: toRaw(repayUsd, dLeg, 'up'),
      repayUsd,
      sellCollateralUsd: sell !== null && sell <= cLeg.usd ? sell : null,
      ...plannedDeleverage(input, scenario, sell !== null && sell <= cLeg.usd ? sell : null, ltC),
    }
  }
  return { ...out, borrow, loop, deleverage }
}

/** The safe size of every position of a wallet. @throws RangeError for a move out of (-1, 10] or a bad target */
export function walletCapacity(
  inputs: readonly StressInput[],
  scenario: StressScenario,
  t: number,
): PositionCapacity[] {
  validateScenario(scenario)
  return inputs.map((i) => positionCapacity(i, scenario, t))
}
