/**
 * `GET /v1/wallets/{address}/history`: its query (`chain` required, `from`/`to` as block numbers
 * or ISO-8601 times, `points`) and its answer.
 */
import { z } from '@hono/zod-openapi'
import { CHAIN_KEY_PATTERN, CHAIN_KEYS } from '../chains/registry.js'
import { BaseError, UnknownChainError } from '../core/errors.js'
import { HISTORY_LIMITS, type HistoryBound } from '../report/history-report.js'
import { param, WalletReadQuerySchema } from './query-schemas.js'
import { parseBlock } from './risk-params.js'

const ISO = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2}))?$/

/**
 * Parses a history bound: a block number (decimal digits) or an ISO-8601 date or date-time with
 * its offset (`2026-11-01`, `2026-11-01T12:00:00Z`).
 * @throws BaseError INVALID_REQUEST (or INVALID_BLOCK) naming the parameter.
 */
export function parseHistoryBound(raw: string, name: 'from' | 'to'): HistoryBound {
  if (/^\d+$/.test(raw)) return { kind: 'block', blockNumber: parseBlock(raw) }
  const ms = ISO.test(raw) ? Date.parse(raw) : Number.NaN
  if (!Number.isFinite(ms) || ms < 0) {
    throw new BaseError(
      'INVALID_REQUEST',
      `${name}: "${raw.slice(0, 40)}" is neither a block number nor an ISO-8601 time (e.g. 2026-11-01T00:00:00Z)`,
    )
  }
  return { kind: 'time', timestamp: BigInt(Math.floor(ms / 1000)) }
}

const parsePoints = (raw: string): number => {
  const n = /^\d{1,3}$/.test(raw) ? Number(raw) : Number.NaN
  if (!(n >= 2 && n <= HISTORY_LIMITS.maxPoints))
    throw new BaseError(
      'INVALID_REQUEST',
      `points must be an integer in [2, ${HISTORY_LIMITS.maxPoints}], got "${raw.slice(0, 20)}"`,
    )
  return n
}

const bound = (name: 'from' | 'to', description: string, example: string) =>
  param(
    name,
    (raw) => (raw === undefined ? undefined : parseHistoryBound(raw, name)),
    z.union([
      z.object({ kind: z.literal('block'), blockNumber: z.bigint() }),
      z.object({ kind: z.literal('time'), timestamp: z.bigint() }),
    ]),
    { description, example },
  )
    .optional()
    .openapi({
      type: 'string',
      pattern: '^(\\d{1,16}|\\d{4}-\\d{2}-\\d{2}(T[0-9:.]+(Z|[+-]\\d{2}:\\d{2}))?)$',
    })

/** `?chain&from&to&points&accounts`. */
export const HistoryQuerySchema = WalletReadQuerySchema.omit({ block: true }).extend({
  chain: param(
    'chain',
    (raw) => {
      if (raw === undefined)
        throw new BaseError('INVALID_REQUEST', "chain is required: a history is one chain's blocks")
      if (!CHAIN_KEY_PATTERN.test(raw)) throw new UnknownChainError(raw, CHAIN_KEYS)
      return raw
    },
    z.string().regex(CHAIN_KEY_PATTERN),
    { description: "Chain key (required): the blocks are this chain's", example: 'local' },
  ),
  from: bound(
    'from',
    `Start: a block number or an ISO-8601 time (the last block at or before it); default: \`to\` minus ${HISTORY_LIMITS.defaultSpanSeconds / 86400} days`,
    '2026-11-25T00:00:00Z',
  ),
  to: bound('to', 'End: a block number or an ISO-8601 time; default: the chain head', '2026-12-02T00:00:00Z'),
  points: param(
    'points',
    (raw) => (raw === undefined ? undefined : parsePoints(raw)),
    z.number().int().min(2).max(HISTORY_LIMITS.maxPoints),
    {
      description: `Points (one wallet read each), 2..${HISTORY_LIMITS.maxPoints}, default ${HISTORY_LIMITS.defaultPoints}; evenly spaced in time when both ends are times, else in blocks`,
      example: '24',
    },
  ).optional(),
})

const BlockAt = z.object({ blockNumber: z.number().int(), timestamp: z.number().int() })

/** The answer. */
export const HistoryResponseSchema = z
  .object({
    address: z.string(),
    chain: z.string(),
    from: BlockAt,
    to: BlockAt,
    headBlockNumber: z.number().int(),
    points: z.array(
      z.object({
        blockNumber: z.number().int(),
        timestamp: z.number().int().openapi({ description: 'Unix seconds' }),
        targetTimestamp: z
          .number()
          .int()
          .nullable()
          .openapi({ description: 'The time asked for when the point was placed by time' }),
        positions: z.array(
          z.object({
            id: z.string(),
            protocol: z.string(),
            market: z.string(),
            kind: z.enum(['lending', 'perp']),
            account: z.string().optional(),
            healthFactor: z.number().nullable(),
            healthFactorWad: z
              .string()
              .nullable()
              .openapi({ description: 'WAD, as the protocol computes it, where it has one' }),
            collateralUsd: z.number(),
            debtUsd: z.number(),
          }),
        ),
        unavailable: z.array(
          z.object({ protocol: z.string(), market: z.string(), code: z.string(), reason: z.string() }),
        ),
        equityUsd: z.number(),
        grossExposureUsd: z.number(),
        effectiveLeverage: z.number().nullable(),
        netExposure: z.array(z.object({ riskAsset: z.string(), units: z.number(), usd: z.number() })),
        minHealthFactor: z.number().nullable(),
      }),
    ),
    closestApproach: z
      .object({
        blockNumber: z.number().int(),
        timestamp: z.number().int(),
        positionId: z.string(),
        protocol: z.string(),
        market: z.string(),
        healthFactor: z.number(),
        cushion: z.number().openapi({ description: '1 - 1/HF' }),
      })
      .nullable()
      .openapi({ description: 'The lowest health factor of any position at any point' }),
    blockSearch: z.object({
      rounds: z
        .number()
        .int()
        .openapi({ description: 'Header-search rounds (each at most one batched POST)' }),
      headers: z.number().int(),
    }),
  })
  .openapi('WalletHistory')
