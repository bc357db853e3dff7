/**
 * The request parameters of the API as typed zod (the OpenAPI document says what the code
 * accepts: enums, integer ranges, patterns). Each parameter runs its parser from
 * `./risk-params.ts` first, so a bad value answers the same coded error (code and message) the
 * parser gives; {@link issueError} turns the zod issue back into that error. The CLI parses its
 * flags through the same schemas.
 */
import { z } from '@hono/zod-openapi'
import { CHAIN_KEY_PATTERN, CHAIN_KEYS } from '../chains/registry.js'
import { type Address, parseAddress } from '../core/address.js'
import { BaseError, type ErrorCode, UnknownChainError } from '../core/errors.js'
import { CASCADE_DEPTHS } from '../report/market-cascade-report.js'
import { SYSTEMIC_DEPTHS } from '../report/systemic-cascade-report.js'
import {
  MAX_BLOCK,
  parseBetas,
  parseBlock,
  parseIntParam,
  parseJumps,
  parseMoves,
  parseNumberParam,
  parseShockList,
  parseUnwindTarget,
  parseVolatilities,
} from './risk-params.js'

/** OpenAPI metadata of a parameter. */
export interface ParamDoc {
  in?: 'query' | 'path'
  description?: string
  example?: string
}

/**
 * A parameter whose raw string is parsed by `parse` (which throws a coded BaseError) and then
 * checked by `schema`, the type the OpenAPI document shows. A parse failure is one zod issue
 * carrying the error's code and message (`params.code`); `schema` then never runs.
 */
export function param<S extends z.ZodType>(
  name: string,
  parse: (raw: string | undefined) => unknown,
  schema: S,
  doc: ParamDoc = {},
) {
  return z
    .preprocess((raw, ctx) => {
      try {
        return parse(raw === undefined ? undefined : String(raw))
      } catch (err) {
        if (!(err instanceof BaseError)) throw err
        ctx.addIssue({ code: 'custom', message: err.message, params: { code: err.code }, input: raw })
        return raw
      }
    }, schema)
    .openapi({
      param: { name, in: doc.in ?? 'query' },
      ...(doc.description === undefined ? {} : { description: doc.description }),
      ...(doc.example === undefined ? {} : { example: doc.example }),
    })
}

/**
 * The stacklens error of the first zod issue of a request: the parser's own code and message
 * when a parameter's parser refused it, else INVALID_REQUEST naming the field.
 */
export function issueError(issues: readonly z.core.$ZodIssue[]): BaseError {
  const issue = issues[0]
  const code = (issue?.code === 'custom' ? issue.params?.code : undefined) as ErrorCode | undefined
  if (issue && code) return new BaseError(code, issue.message)
  const where = issue?.path.join('.') || 'body'
  return new BaseError('INVALID_REQUEST', `${where}: ${issue?.message ?? 'invalid'}`)
}

/** `parse(raw)`, or INVALID_REQUEST naming `name` and why it is needed when absent. */
export const required = <T>(
  raw: string | undefined,
  name: string,
  why: string,
  parse: (v: string) => T,
): T => {
  if (raw === undefined) throw new BaseError('INVALID_REQUEST', `${name} is required: ${why}`)
  return parse(raw)
}
/** A parser of optional parameters: undefined stays undefined. */
export const defined =
  <T>(parse: (v: string) => T) =>
  (raw: string | undefined) =>
    raw === undefined ? undefined : parse(raw)

/**
 * A chain key: a registry key, or a chain a STACKLENS_CONFIG file declares (the use cases refuse
 * a key that is neither with UNKNOWN_CHAIN, listing the known ones).
 */
export const chainKey = (raw: string) => {
  if (!CHAIN_KEY_PATTERN.test(raw)) throw new UnknownChainError(raw, CHAIN_KEYS)
  return raw
}
/** The chain key as the OpenAPI document shows it. */
export const CHAIN = z
  .string()
  .regex(CHAIN_KEY_PATTERN)
  .openapi({
    description: `One of ${CHAIN_KEYS.join(', ')}, or a chain declared in STACKLENS_CONFIG (GET /v1/chains lists those configured here)`,
  })
const BLOCK = z.number().int().min(0).max(Number(MAX_BLOCK))
/** An address as the parser answers it (checksummed); the pattern is what the document shows. */
const ADDRESS = z
  .string()
  .regex(/^0x[0-9a-fA-F]{40}$/)
  .transform((v) => v as Address)
/** The optional `block` query parameter (a block number, as a bigint). */
export const blockParam = (description: string) =>
  param(
    'block',
    defined((v) => Number(parseBlock(v))),
    BLOCK.optional(),
    { description },
  )
    .optional()
    .transform((n) => (n === undefined ? undefined : BigInt(n)))

/** `{address}` of the wallet routes: an EVM address, answered checksummed. */
export const WalletParamsSchema = z.object({
  address: param('address', defined(parseAddress), ADDRESS, {
    in: 'path',
    example: '0x0000000000000000000000000000000000000001',
  }),
})

/** `?chain&block` of every wallet route. */
export const WalletQuerySchema = z.object({
  chain: param('chain', defined(chainKey), CHAIN, {
    description: 'Chain key; all configured chains when omitted',
    example: 'local',
  }).optional(),
  block: blockParam('Block number to pin (needs chain); latest when omitted'),
})

/** `accounts=true|false`: anything else is INVALID_REQUEST naming the parameter. */
const parseAccountsFlag = (raw: string): boolean => {
  if (raw === 'true') return true
  if (raw === 'false') return false
  throw new BaseError('INVALID_REQUEST', `accounts must be "true" or "false", got "${raw.slice(0, 40)}"`)
}

/** `?chain&block&accounts` of the wallet and exposure routes. */
export const WalletReadQuerySchema = WalletQuerySchema.extend({
  accounts: param('accounts', defined(parseAccountsFlag), z.boolean(), {
    description:
      "Also find the address's smart accounts (DSProxy, Instadapp DSA, Summer.fi DPM) where the chain has their registries, and read them with it; default true",
    example: 'false',
  }).optional(),
})

/**
 * An optional list parameter (`ETH:-0.3,BTC:-20%`): documented as the string it is on the wire
 * (`pattern`: the characters its parser accepts), answered parsed.
 */
export function listParam<T>(name: string, parse: (raw: string) => T, pattern: RegExp, doc: ParamDoc) {
  return param(
    name,
    (raw) => {
      if (raw !== undefined) parse(raw)
      return raw
    },
    z.string().regex(pattern),
    doc,
  )
    .optional()
    .transform((raw) => (raw === undefined ? undefined : parse(raw)))
}

export const MOVES = /^[A-Za-z0-9.*_:%+,\s-]*$/

export const ExposureQuerySchema = WalletReadQuerySchema.extend({
  betas: listParam('betas', parseBetas, /^[A-Za-z0-9._:,\s-]*$/, {
    description: 'Beta overrides, ASSET:BETA_ETH:BETA_BTC comma-separated',
    example: 'LINK:1.2:0.9',
  }),
  target: listParam('target', parseUnwindTarget, /^(zero|\d{1,3}(\.\d{1,6})?)?$/, {
    description: 'Unwind target: "zero" (no leverage, default) or a health factor > 1, e.g. 1.5',
    example: '1.5',
  }),
})

export const StressQuerySchema = WalletQuerySchema.extend({
  shocks: listParam('shocks', (v) => parseMoves(v, 'shocks'), MOVES, {
    description: 'Risk-asset moves, ASSET:MOVE comma-separated (ETH:-0.3 or ETH:-30%; * = the rest)',
    example: 'ETH:-0.3,BTC:-0.2',
  }),
  depegs: listParam('depegs', (v) => parseMoves(v, 'depegs'), MOVES, {
    description: 'Wrapper/stablecoin moves against what they wrap, TOKEN:MOVE comma-separated',
    example: 'stETH:-0.05',
  }),
})

export const blankTo =
  <T>(parse: (v: string) => T) =>
  (raw: string | undefined) =>
    raw === undefined || raw === '' ? undefined : parse(raw)

export const MonteCarloQuerySchema = WalletQuerySchema.extend({
  horizonDays: param(
    'horizonDays',
    blankTo((v) => parseNumberParam(v, 'horizonDays', 3650, 30)),
    z.number().positive().max(3650).optional(),
    { description: 'Horizon in days (default 30)', example: '30' },
  ).optional(),
  paths: param(
    'paths',
    blankTo((v) => parseIntParam(v, 'paths', 100, 200_000, 10_000)),
    z.number().int().min(100).max(200_000).optional(),
    { description: 'Simulated paths, 100..200,000 (default 10,000)', example: '10000' },
  ).optional(),
  steps: param(
    'steps',
    blankTo((v) => parseIntParam(v, 'steps', 1, 10_000, 1)),
    z.number().int().min(1).max(10_000).optional(),
    { description: 'Time steps over the horizon, 1..10,000 (default: hourly)' },
  ).optional(),
  seed: param(
    'seed',
    defined((v) => (/^\d{1,15}$/.test(v) ? Number(v) : v.slice(0, 64))),
    z.union([z.number().int().nonnegative(), z.string().max(64)]),
    { description: 'Seed of the random stream (default 1): same seed, same result', example: '42' },
  ).optional(),
  vols: listParam('vols', parseVolatilities, /^[A-Za-z0-9._:%,\s-]*$/, {
    description:
      "Annual volatilities of the simulated assets, ABSOLUTE, ASSET:VOL comma-separated (ETH:0.8 or ETH:80% = 80% a year, each in (0, 5]), replacing the defaults. Not the vol SHIFTS of POST /v1/analyze's `vols` (ETH:+0.2 = the default plus 20 points)",
    example: 'ETH:0.8',
  }),
  jumps: listParam('jumps', parseJumps, /^[A-Za-z0-9._:,\s-]*$/, {
    description: 'Merton jumps, ASSET:PER_YEAR:MEAN_LOG:VOL_LOG comma-separated',
    example: 'ETH:2:-0.1:0.05',
  }),
})

export const MarketParamsSchema = z.object({
  market: z
    .string()
    .min(1)
    .max(80)
    .openapi({
      param: { name: 'market', in: 'path' },
      example: 'aave-v3-local',
      description:
        'An Aave market id, a Morpho market id (bytes32), or a Comet, Aave V4 Spoke or GMX v2 deployment id of the chain',
    }),
})

const riskAsset = (raw: string | undefined) => {
  const asset = (raw ?? 'ETH').toUpperCase()
  if (!/^[A-Z0-9._-]{1,32}$/.test(asset))
    throw new BaseError('INVALID_REQUEST', `asset: "${raw}" is not a risk asset name`)
  if (asset === 'USD')
    throw new BaseError('INVALID_REQUEST', 'asset: USD is the numeraire: shock a risk asset (ETH, BTC, ...)')
  return asset
}
const depth = (raw: string | undefined) => {
  const value = raw ?? 'auto'
  if (!(CASCADE_DEPTHS as readonly string[]).includes(value))
    throw new BaseError('INVALID_REQUEST', `depth: "${value}" is not one of auto, pool, sqrt, none`)
  return value
}

export const CascadeQuerySchema = z.object({
  chain: param('chain', (raw) => required(raw, 'chain', 'a market lives on one chain', chainKey), CHAIN, {
    description: 'Chain key (required)',
    example: 'local',
  }),
  asset: param('asset', riskAsset, z.string().regex(/^[A-Za-z0-9._-]{1,32}$/), {
    description: 'The shocked risk asset (default ETH; not USD)',
    example: 'ETH',
  }).default('ETH'),
  shocks: listParam('shocks', (v) => parseShockList(v, 'shocks', 200), /^[0-9.%,\s-]*$/, {
    description: 'Initial shocks, comma-separated falls in (-1, 0] (default -2%..-50%)',
    example: '-0.05,-0.1,-0.2',
  }),
  depth: param('depth', depth, z.enum(CASCADE_DEPTHS), {
    description: "auto (the chain's DEX pool, else sqrt), pool, sqrt or none",
    example: 'auto',
  }).default('auto'),
  unitsForOnePercent: param(
    'unitsForOnePercent',
    defined((v) => parseNumberParam(v, 'unitsForOnePercent', 1e15, 0)),
    z.number().positive().max(1e15),
    { description: 'sqrt depth: units whose sale moves the price 1%' },
  ).optional(),
  wallet: param('wallet', defined(parseAddress), ADDRESS, {
    description: 'A borrower: the smallest shock that liquidates it with and without the cascade',
  }).optional(),
  block: blockParam('Block number to pin; latest when omitted'),
})

export const ManifestParamsSchema = z.object({
  chain: z.string().openapi({ param: { name: 'chain', in: 'path' }, example: 'local' }),
})

/** Initial moves of the systemic cascade: falls and rallies in (-1, 1], at most `max`. */
function parseSignedShockList(value: string, name: string, max: number): number[] {
  const items = value.split(',')
  if (items.length > max) throw new BaseError('INVALID_REQUEST', `${name}: at most ${max} shocks`)
  return items.map((item) => {
    const m = /^([+-]?\d+(?:\.\d+)?)(%?)$/.exec(item.trim())
    const v = m ? Number(m[1]) / (m[2] ? 100 : 1) : Number.NaN
    if (!(v > -1 && v <= 1))
      throw new BaseError(
        'INVALID_REQUEST',
        `${name}: "${item}" is not a move in (-1, 1] (e.g. -0.1 or -10%; a rally +5%)`,
      )
    return v
  })
}
/** A share in [0, 1], decimal (`0`, `0.5`, `1`). */
function parseShare(value: string, name: string): number {
  const n = /^\d+(\.\d+)?$/.test(value) ? Number(value) : Number.NaN
  if (!(n >= 0 && n <= 1))
    throw new BaseError('INVALID_REQUEST', `${name}: "${value}" is not a share in [0, 1]`)
  return n
}
const systemicDepth = (raw: string | undefined) => {
  const value = raw ?? 'auto'
  if (!(SYSTEMIC_DEPTHS as readonly string[]).includes(value))
    throw new BaseError('INVALID_REQUEST', `depth: "${value}" is not one of ${SYSTEMIC_DEPTHS.join(', ')}`)
  return value
}

/** `?asset&shocks&...` of `GET /v1/chains/{chain}/cascade` (the systemic cascade). */
export const SystemicCascadeQuerySchema = z.object({
  asset: param('asset', riskAsset, z.string().regex(/^[A-Za-z0-9._-]{1,32}$/), {
    description: 'The shocked risk asset (default ETH; not USD)',
    example: 'ETH',
  }).default('ETH'),
  shocks: listParam('shocks', (v) => parseSignedShockList(v, 'shocks', 200), /^[0-9.%,+\s-]*$/, {
    description:
      'Initial moves, comma-separated in (-1, 1]: falls, or rallies (+5%) for shorts (default -2%..-50%)',
    example: '-0.05,-0.1,-0.2',
  }),
  depth: param('depth', systemicDepth, z.enum(SYSTEMIC_DEPTHS), {
    description: "auto (the chain's DEX pools of the asset, else sqrt), pools, sqrt or none",
    example: 'auto',
  }).default('auto'),
  unitsForOnePercent: param(
    'unitsForOnePercent',
    defined((v) => parseNumberParam(v, 'unitsForOnePercent', 1e15, 0)),
    z.number().positive().max(1e15),
    { description: 'sqrt depth: units whose sale moves the price 1%' },
  ).optional(),
  depegs: listParam('depegs', (v) => parseMoves(v, 'depegs'), MOVES, {
    description: 'Initial DEX moves of derivative tokens against the asset, TOKEN:MOVE comma-separated',
    example: 'stETH:-0.05',
  }),
  oracleDeviation: param(
    'oracleDeviation',
    defined((v) => parseNumberParam(v, 'oracleDeviation', 0.5, 0)),
    z.number().positive().max(0.5),
    { description: 'Lending oracles publish a new price past this deviation (fraction, e.g. 0.005) ...' },
  ).optional(),
  oracleHeartbeat: param(
    'oracleHeartbeat',
    defined((v) => parseIntParam(v, 'oracleHeartbeat', 1, 1000, 1)),
    z.number().int().min(1).max(1000),
    { description: '... or after this many cascade rounds (integer, default 1 when oracleDeviation is set)' },
  ).optional(),
  perpFlowShare: param(
    'perpFlowShare',
    defined((v) => parseShare(v, 'perpFlowShare')),
    z.number().min(0).max(1),
    {
      description:
        "Share of a liquidated perp's size whose close reaches the DEX, in [0, 1] (default 1: the venue's counterparty hedges every close; 0: perp closes move no price)",
      example: '0.5',
    },
  ).optional(),
  wallet: param('wallet', defined(parseAddress), ADDRESS, {
    description:
      'A borrower: the smallest shock that liquidates each of its positions (naive, per market, systemic)',
  }).optional(),
  block: blockParam('Block number to pin; latest when omitted'),
})
