/**
 * The `--rule` syntax of `stacklens watch add`: one comparison per flag, turned into the API's
 * {@link WatchRuleSchema} input and checked by that schema (same messages as the API's 400s).
 *
 *   healthFactor<1.05                  any position's health factor below 1.05
 *   liquidationDistance<0.05           any collateral within 5 % of its liquidation price (or <5%)
 *   effectiveLeverage>4                the wallet's effective leverage above 4
 *   cascadeShock:ETH<0.3               the cascade-inclusive ETH shock that liquidates it below 30 %
 *   liquidationProbability:30d>0.05    Monte Carlo P(liquidation within 30 days) above 5 %
 *   positionChange>0.2                 a position opened, closed or resized by more than 20 %
 *   unavailable                        a position the analyzer cannot read
 *
 * A threshold rule takes `,rearm=M` (it re-arms only once the metric recovers past the threshold
 * by M): `healthFactor<1.05,rearm=0.02`. Fractions (liquidationDistance, cascadeShock,
 * liquidationProbability, positionChange) may be written in percent: `<5%`. Quote the rule in a
 * shell (`--rule 'healthFactor<1.05'`): `<` and `>` are redirections.
 */
import type { z } from '@hono/zod-openapi'
import { issueError } from '../api/query-schemas.js'
import { WatchRuleSchema } from '../api/watch-schemas.js'
import { BaseError } from '../core/errors.js'

/** A rule as the API's body takes it. */
export type WatchRuleInput = z.input<typeof WatchRuleSchema>
/** A rule as the API returns it. */
export type WatchRuleOutput = z.output<typeof WatchRuleSchema>

/** The operator, the parameter and whether percent is allowed, per metric. */
const SYNTAX = {
  healthFactor: { op: '<', param: null, percent: false },
  liquidationDistance: { op: '<', param: null, percent: true },
  effectiveLeverage: { op: '>', param: null, percent: false },
  cascadeShock: { op: '<', param: 'asset', percent: true },
  liquidationProbability: { op: '>', param: 'horizon', percent: true },
  positionChange: { op: '>', param: null, percent: true },
} as const

type ThresholdMetric = keyof typeof SYNTAX

/** The syntax summary printed in the usage and in every parse error. */
export const RULE_SYNTAX =
  "healthFactor<X | liquidationDistance<Y | effectiveLeverage>Z | cascadeShock:ASSET<W | liquidationProbability:Nd>P | positionChange>T | unavailable, each optionally ,rearm=M (quote it: --rule 'healthFactor<1.05')"

const RULE = /^([A-Za-z]+)(?::([A-Za-z0-9]+))?\s*([<>])\s*([^,\s]+)\s*(?:,\s*rearm\s*=\s*(\S+))?$/

/** A decimal number (`1.05`, `.5`, `5e-2`), or `N%` when allowed, as a float. */
function numberOf(text: string, percent: boolean, rule: string, what: string): number {
  const pct = text.endsWith('%')
  if (pct && !percent) throw bad(rule, `${what} is not a fraction: write it without %`)
  const body = pct ? text.slice(0, -1) : text
  if (!/^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(body)) throw bad(rule, `"${text}" is not a number`)
  const n = Number(body)
  return pct ? n / 100 : n
}

function bad(rule: string, why: string): BaseError {
  return new BaseError('INVALID_REQUEST', `--rule "${rule}": ${why} (syntax: ${RULE_SYNTAX})`)
}

/**
 * Parses one `--rule` value into the API's rule and validates it with the API's schema.
 * @throws BaseError INVALID_REQUEST naming the rule and what is wrong (exit code 2).
 */
export function parseWatchRule(text: string): WatchRuleOutput {
  const rule = text.trim()
  let input: WatchRuleInput
  if (rule === 'unavailable') input = { metric: 'unavailable' }
  else {
    const m = RULE.exec(rule)
    if (!m) throw bad(rule, 'not a rule')
    const [, metric, param, op, value, rearm] = m as unknown as [
      string,
      string,
      string | undefined,
      string,
      string,
      string | undefined,
    ]
    if (metric === 'unavailable') throw bad(rule, 'unavailable takes no comparison')
    if (!(metric in SYNTAX)) throw bad(rule, `unknown metric "${metric}"`)
    const s = SYNTAX[metric as ThresholdMetric]
    if (op !== s.op)
      throw bad(rule, `${metric} fires when it goes ${s.op === '<' ? 'below' : 'above'} a value: use ${s.op}`)
    if (s.param === null && param !== undefined) throw bad(rule, `${metric} takes no ":${param}"`)
    if (s.param !== null && param === undefined)
      throw bad(
        rule,
        s.param === 'asset'
          ? `${metric} needs the asset: ${metric}:ETH<0.3`
          : `${metric} needs the horizon: ${metric}:30d>0.05`,
      )
    const threshold = numberOf(value, s.percent, rule, metric)
    const margin = rearm === undefined ? undefined : numberOf(rearm, s.percent, rule, 'rearm')
    if (metric === 'positionChange' && margin !== undefined) throw bad(rule, 'positionChange takes no rearm')
    const withRearm = margin === undefined ? {} : { rearmMargin: margin }
    switch (metric as ThresholdMetric) {
      case 'healthFactor':
        input = { metric: 'healthFactor', below: threshold, ...withRearm }
        break
      case 'liquidationDistance':
        input = { metric: 'liquidationDistance', below: threshold, ...withRearm }
        break
      case 'effectiveLeverage':
        input = { metric: 'effectiveLeverage', above: threshold, ...withRearm }
        break
      case 'cascadeShock':
        input = { metric: 'cascadeShock', asset: param!, below: threshold, ...withRearm }
        break
      case 'liquidationProbability': {
        const days = /^(\d{1,4})d?$/.exec(param!)
        if (!days) throw bad(rule, `"${param}" is not a horizon in days (30d)`)
        input = {
          metric: 'liquidationProbability',
          horizonDays: Number(days[1]),
          above: threshold,
          ...withRearm,
        }
        break
      }
      case 'positionChange':
        input = { metric: 'positionChange', threshold }
        break
    }
  }
  const parsed = WatchRuleSchema.safeParse(input)
  if (!parsed.success) throw bad(rule, issueError(parsed.error.issues).message)
  return parsed.data
}

/** A rule written back in the `--rule` syntax (what `watch list` prints). */
export function formatWatchRule(r: WatchRuleOutput): string {
  const rearm = 'rearmMargin' in r && r.rearmMargin !== undefined ? `,rearm=${r.rearmMargin}` : ''
  switch (r.metric) {
    case 'healthFactor':
    case 'liquidationDistance':
      return `${r.metric}<${r.below}${rearm}`
    case 'effectiveLeverage':
      return `${r.metric}>${r.above}${rearm}`
    case 'cascadeShock':
      return `cascadeShock:${r.asset}<${r.below}${rearm}`
    case 'liquidationProbability':
      return `liquidationProbability:${r.horizonDays}d>${r.above}${rearm}`
    case 'positionChange':
      return `positionChange>${r.threshold}`
    case 'unavailable':
      return 'unavailable'
  }
}
