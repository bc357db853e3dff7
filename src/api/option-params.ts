/**
 * Parsers and query schema of the option-stress parameters: the vol dimension
 * (`vols=ETH:+0.2`, absolute vol shocks) and the smile (`skew=ETH:-0.2:0.5`, slope and curvature
 * per unit of ln(K/S)), plus the stress switch of `POST /v1/analyze`. Every parser throws
 * INVALID_REQUEST naming the parameter and the bad item.
 */
import { z } from '@hono/zod-openapi'
import { BaseError } from '../core/errors.js'
import { VOL_SHIFT_LIMITS } from '../risk/stress.js'
import { SKEW_LIMITS, type Skew } from '../risk/vol-surface.js'
import { listParam, MOVES, MonteCarloQuerySchema, param } from './query-schemas.js'
import { dict, MAX_ASSET_ENTRIES, parseMoves } from './risk-params.js'

const NUMBER = '[+-]?\\d+(?:\\.\\d+)?'
const VOL_ITEM = new RegExp(`^([A-Za-z0-9.*_-]{1,32}):(${NUMBER})(%?)$`)
const SKEW_ITEM = new RegExp(`^([A-Za-z0-9.*_-]{1,32}):(${NUMBER}):(${NUMBER})$`)

const assetKey = (k: string) => (k === '*' ? k : k.toUpperCase())

/**
 * Parses `vols=ETH:+0.2,BTC:-5%` (absolute vol shocks: +0.2 = +20 vol points, -5% = -5 vol
 * points; `*` = every other risk asset) into `{ ETH: 0.2, BTC: -0.05 }`, each within
 * [{@link VOL_SHIFT_LIMITS}.min, .max].
 */
export function parseVolShifts(value: string): Record<string, number> {
  const out = dict<number>()
  const items = value.split(',')
  if (items.length > MAX_ASSET_ENTRIES)
    throw new BaseError('INVALID_REQUEST', `vols: at most ${MAX_ASSET_ENTRIES} entries`)
  for (const item of items) {
    const m = VOL_ITEM.exec(item.trim())
    const v = m ? Number(m[2]) / (m[3] === '%' ? 100 : 1) : Number.NaN
    if (!m || !(v >= VOL_SHIFT_LIMITS.min && v <= VOL_SHIFT_LIMITS.max))
      throw new BaseError(
        'INVALID_REQUEST',
        `vols: "${item.slice(0, 60)}" is not ASSET:SHIFT with SHIFT an absolute vol shock in [${VOL_SHIFT_LIMITS.min}, ${VOL_SHIFT_LIMITS.max}], e.g. ETH:+0.2 or ETH:+20% (+20 vol points)`,
      )
    const key = assetKey(m[1] as string)
    if (key === 'USD')
      throw new BaseError('INVALID_REQUEST', 'vols: USD is the numeraire; it has no volatility')
    out[key] = v
  }
  return out
}

/**
 * Parses `skew=ETH:-0.2:0.5,*:-0.1:0` (ASSET:SLOPE:CURVATURE of vol(K/S) = atmVol +
 * slope ln(K/S) + curvature ln(K/S)^2; `*` = every other risk asset), |slope| <=
 * {@link SKEW_LIMITS}.slope and |curvature| <= {@link SKEW_LIMITS}.curvature.
 */
export function parseSkews(value: string): Record<string, Skew> {
  const out = dict<Skew>()
  const items = value.split(',')
  if (items.length > MAX_ASSET_ENTRIES)
    throw new BaseError('INVALID_REQUEST', `skew: at most ${MAX_ASSET_ENTRIES} entries`)
  for (const item of items) {
    const m = SKEW_ITEM.exec(item.trim())
    const slope = m ? Number(m[2]) : Number.NaN
    const curvature = m ? Number(m[3]) : Number.NaN
    if (!m || !(Math.abs(slope) <= SKEW_LIMITS.slope && Math.abs(curvature) <= SKEW_LIMITS.curvature))
      throw new BaseError(
        'INVALID_REQUEST',
        `skew: "${item.slice(0, 60)}" is not ASSET:SLOPE:CURVATURE with |SLOPE| <= ${SKEW_LIMITS.slope} and |CURVATURE| <= ${SKEW_LIMITS.curvature}, e.g. ETH:-0.2:0.5`,
      )
    const key = assetKey(m[1] as string)
    if (key === 'USD') throw new BaseError('INVALID_REQUEST', 'skew: USD is the numeraire; it has no smile')
    out[key] = { slope, curvature }
  }
  return out
}

const parseFlag =
  (name: string) =>
  (raw: string): boolean => {
    if (raw === 'true') return true
    if (raw === 'false') return false
    throw new BaseError('INVALID_REQUEST', `${name} must be "true" or "false", got "${raw.slice(0, 40)}"`)
  }
const parseStressFlag = parseFlag('stress')
const parseMonteCarloFlag = parseFlag('montecarlo')
const mcFields = MonteCarloQuerySchema.shape

/** `?vols&skew` of the option-stress dimension. */
export const OptionStressQueryFields = {
  vols: listParam('vols', parseVolShifts, /^[A-Za-z0-9.*_:%+,\s-]*$/, {
    description: `Absolute implied-vol shocks of option legs, ASSET:SHIFT comma-separated (ETH:+0.2 or ETH:+20% = +20 vol points; * = the rest; each in [${VOL_SHIFT_LIMITS.min}, ${VOL_SHIFT_LIMITS.max}]): in the stress a vol dimension (every price scenario run at today's vols and again shocked, plus the vol shock alone); in POST /v1/analyze's Monte Carlo the asset's simulated volatility and its option legs' implied vol shifted along the paths. Shifts, not levels: GET /v1/wallets/{address}/montecarlo's \`vols\` sets absolute volatilities (ETH:0.8)`,
    example: 'ETH:+0.2',
  }),
  skew: listParam('skew', parseSkews, /^[A-Za-z0-9.*_:+,\s-]*$/, {
    description: `The smile of option legs per risk asset, ASSET:SLOPE:CURVATURE comma-separated: vol(K/S) = atmVol + SLOPE ln(K/S) + CURVATURE ln(K/S)^2, anchored on each leg's impliedVol and rolled with the spot (sticky moneyness). Default flat (0:0). |SLOPE| <= ${SKEW_LIMITS.slope}, |CURVATURE| <= ${SKEW_LIMITS.curvature}`,
    example: 'ETH:-0.2:0.5',
  }),
}

/** `POST /v1/analyze?stress&shocks&depegs&vols&skew`: the portfolio's stress, option legs repriced. */
export const AnalyzeQuerySchema = z.object({
  stress: param('stress', (raw) => (raw === undefined ? undefined : parseStressFlag(raw)), z.boolean(), {
    description:
      'Stress the portfolio: "true" runs the default grid (or the scenario of shocks/depegs); on by default when shocks or depegs is given, or vols or skew without the Monte Carlo. "false" with shocks or depegs is refused; with vols or skew it needs montecarlo',
    example: 'true',
  }).optional(),
  shocks: listParam('shocks', (v) => parseMoves(v, 'shocks'), MOVES, {
    description: 'Risk-asset moves, ASSET:MOVE comma-separated (ETH:-0.3 or ETH:-30%; * = the rest)',
    example: 'ETH:-0.3',
  }),
  depegs: listParam('depegs', (v) => parseMoves(v, 'depegs'), MOVES, {
    description: 'Wrapper/stablecoin moves against what they wrap, TOKEN:MOVE comma-separated',
    example: 'stETH:-0.05',
  }),
  ...OptionStressQueryFields,
  montecarlo: param(
    'montecarlo',
    (raw) => (raw === undefined ? undefined : parseMonteCarloFlag(raw)),
    z.boolean(),
    {
      description:
        'Simulate the portfolio (as GET /v1/wallets/{address}/montecarlo, default volatilities): "true" adds `monteCarlo`, option legs repriced along the paths by Black-Scholes at the stressed vol (impliedVol through `skew`, rolled with the path spot, plus `vols`), and each asset named in `vols` simulated at its default volatility plus the shift; on by default when horizonDays, paths, steps or seed is given',
      example: 'true',
    },
  ).optional(),
  horizonDays: mcFields.horizonDays,
  paths: mcFields.paths,
  steps: mcFields.steps,
  seed: mcFields.seed,
})
