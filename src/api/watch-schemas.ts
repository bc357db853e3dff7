/**
 * The request and response schemas of `/v1/watches*` (zod = the OpenAPI document). Built per app
 * by {@link watchSchemas}, because what a body may contain depends on the deployment: the chains it
 * serves and its outbound policy (a webhook URL refused by it is a 400 naming the field).
 */
import { z } from '@hono/zod-openapi'
import { checkTargetUrl, type TargetPolicy } from '../monitor/delivery/target-policy.js'

/** Bounds of a watch body, documented in the OpenAPI document. */
export const WATCH_LIMITS = {
  rules: 20,
  labelChars: 100,
  secretMinChars: 16,
  secretMaxChars: 256,
  urlChars: 2048,
  /** Cooldown bounds (seconds): 0 .. 7 days; default 15 minutes. */
  cooldownMaxSeconds: 7 * 86_400,
  cooldownDefaultSeconds: 900,
  horizonMaxDays: 365,
  bodyBytes: 32 * 1024,
  alertsPageMax: 200,
  alertsPageDefault: 50,
} as const

const finite = () => z.number().finite()
/** `0 < x <= max` (a fraction or a ratio), the field named by the schema path. */
const positiveUpTo = (max: number, what: string) =>
  finite()
    .gt(0, { message: `must be > 0 (${what})` })
    .lte(max, { message: `must be <= ${max} (${what})` })
const rearm = (max: number, what: string) =>
  finite()
    .gte(0, { message: `must be >= 0 (${what})` })
    .lte(max, { message: `must be <= ${max} (${what})` })
    .optional()
    .openapi({
      description: `How far the metric must recover past the threshold before the rule re-arms (${what}); default 0`,
    })

/** One rule; the union is discriminated by `metric`. */
export const WatchRuleSchema = z
  .discriminatedUnion('metric', [
    z
      .object({
        metric: z.literal('healthFactor'),
        below: positiveUpTo(100, 'health factor, float'),
        rearmMargin: rearm(10, 'health factor units'),
      })
      .strict(),
    z
      .object({
        metric: z.literal('liquidationDistance'),
        below: positiveUpTo(1, 'fraction of the price, 0.05 = 5 %'),
        rearmMargin: rearm(1, 'fraction'),
      })
      .strict(),
    z
      .object({
        metric: z.literal('effectiveLeverage'),
        above: positiveUpTo(1000, 'effective leverage, float'),
        rearmMargin: rearm(1000, 'leverage units'),
      })
      .strict(),
    z
      .object({
        metric: z.literal('cascadeShock'),
        asset: z
          .string()
          .regex(/^[A-Za-z0-9]{1,16}$/, { message: 'must be a risk-asset symbol such as ETH or BTC' })
          .transform((s) => s.toUpperCase()),
        below: positiveUpTo(1, 'fraction of the price move, 0.3 = 30 %'),
        rearmMargin: rearm(1, 'fraction'),
      })
      .strict(),
    z
      .object({
        metric: z.literal('liquidationProbability'),
        horizonDays: z
          .number()
          .int({ message: 'must be an integer number of days' })
          .gte(1, { message: 'must be >= 1' })
          .lte(WATCH_LIMITS.horizonMaxDays, { message: `must be <= ${WATCH_LIMITS.horizonMaxDays}` }),
        above: finite()
          .gte(0, { message: 'must be >= 0 (probability)' })
          .lt(1, { message: 'must be < 1 (probability)' }),
        rearmMargin: rearm(1, 'probability'),
      })
      .strict(),
    z
      .object({
        metric: z.literal('positionChange'),
        threshold: positiveUpTo(10, 'fraction of the position size, 0.2 = 20 %'),
      })
      .strict(),
    z.object({ metric: z.literal('unavailable') }).strict(),
  ])
  .openapi('WatchRule', {
    description:
      'healthFactor below x; liquidationDistance (fraction) below y; effectiveLeverage above z; cascadeShock (asset, fraction) below w; liquidationProbability (horizonDays) above p; positionChange (threshold fraction); unavailable.',
  })

/** The schemas of one deployment. */
export function watchSchemas(params: { chains: readonly string[]; policy: TargetPolicy }) {
  const { chains, policy } = params
  const chainSchema = z.string().refine((c) => chains.includes(c), {
    message: `is not a chain this deployment serves (${chains.join(', ') || 'none'})`,
  })
  const webhookSchema = z
    .object({
      url: z
        .string()
        .max(WATCH_LIMITS.urlChars)
        .superRefine((url, ctx) => {
          const v = checkTargetUrl(url, policy)
          if (!v.ok) ctx.addIssue({ code: 'custom', message: v.reason })
        })
        .openapi({
          description:
            'http(s) URL; https in production mode; loopback, private, link-local and local names refused unless STACKLENS_WEBHOOK_ALLOW_PRIVATE=1',
          example: 'https://hooks.example.com/stacklens',
        }),
      secret: z
        .string()
        .min(WATCH_LIMITS.secretMinChars, {
          message: `must be at least ${WATCH_LIMITS.secretMinChars} characters`,
        })
        .max(WATCH_LIMITS.secretMaxChars, {
          message: `must be at most ${WATCH_LIMITS.secretMaxChars} characters`,
        })
        .openapi({ description: 'HMAC-SHA256 key of the signatures; never returned' }),
    })
    .strict()
    .openapi('WebhookTargetInput')
  const common = {
    address: z
      .string()
      .regex(/^0x[0-9a-fA-F]{40}$/, { message: 'must be 0x followed by 40 hex digits' })
      .transform((a) => a.toLowerCase() as `0x${string}`)
      .openapi({ example: '0x1111111111111111111111111111111111111111' }),
    chain: chainSchema.optional().openapi({ description: 'One chain (or use chains)', example: 'local' }),
    chains: z.array(chainSchema).min(1).max(16).optional().openapi({ description: 'Chains to watch' }),
    rules: z.array(WatchRuleSchema).min(1, { message: 'at least one rule' }).max(WATCH_LIMITS.rules),
    webhook: webhookSchema.optional().openapi({ description: 'One target (or use webhooks)' }),
    webhooks: z.array(webhookSchema).min(1).max(16).optional(),
    cooldownSeconds: z
      .number()
      .int({ message: 'must be an integer number of seconds' })
      .gte(0, { message: 'must be >= 0' })
      .lte(WATCH_LIMITS.cooldownMaxSeconds, {
        message: `must be <= ${WATCH_LIMITS.cooldownMaxSeconds} (7 days)`,
      })
      .optional()
      .openapi({
        description: `Minimum time between two alerts of this watch (s); default ${WATCH_LIMITS.cooldownDefaultSeconds}`,
      }),
    label: z.string().max(WATCH_LIMITS.labelChars).optional(),
  }
  const oneOf = (
    v: { chain?: unknown; chains?: unknown; webhook?: unknown; webhooks?: unknown },
    ctx: z.RefinementCtx,
    required: boolean,
  ) => {
    for (const [one, many] of [
      ['chain', 'chains'],
      ['webhook', 'webhooks'],
    ] as const) {
      if (v[one] !== undefined && v[many] !== undefined) {
        ctx.addIssue({ code: 'custom', path: [many], message: `give ${one} or ${many}, not both` })
      } else if (required && v[one] === undefined && v[many] === undefined) {
        ctx.addIssue({ code: 'custom', path: [one], message: `is required (or ${many})` })
      }
    }
  }
  const CreateWatchBody = z
    .object(common)
    .strict()
    .superRefine((v, ctx) => oneOf(v, ctx, true))
    .openapi('CreateWatchBody')
  const UpdateWatchBody = z
    .object({
      ...common,
      address: common.address.optional(),
      rules: common.rules.optional(),
      label: z
        .string()
        .max(WATCH_LIMITS.labelChars)
        .nullable()
        .optional()
        .openapi({ description: 'null clears it' }),
    })
    .strict()
    .superRefine((v, ctx) => {
      oneOf(v, ctx, false)
      if (Object.keys(v).length === 0) ctx.addIssue({ code: 'custom', message: 'nothing to update' })
    })
    .openapi('UpdateWatchBody')
  return { CreateWatchBody, UpdateWatchBody }
}

/** A watch as the API returns it (webhook secrets never included). */
export const WatchResponseSchema = z
  .object({
    id: z.string().openapi({ example: 'w_abcdefghijklmnopqrst' }),
    address: z.string(),
    chains: z.array(z.string()),
    rules: z.array(WatchRuleSchema),
    webhooks: z.array(z.object({ url: z.string() })),
    cooldownSeconds: z.number().int(),
    label: z.string().nullable(),
    createdAt: z.string().openapi({ description: 'ISO 8601' }),
    updatedAt: z.string().openapi({ description: 'ISO 8601' }),
  })
  .openapi('Watch')

/** `GET /v1/watches`. */
export const WatchListSchema = z.object({ watches: z.array(WatchResponseSchema) }).openapi('WatchList')

/** One delivery of an alert as the API returns it. */
export const DeliveryResponseSchema = z
  .object({
    targetIndex: z.number().int(),
    status: z.enum(['pending', 'delivered', 'dead']),
    attempts: z.number().int(),
    nextAttemptAt: z.string().nullable().openapi({ description: 'ISO 8601; null once delivered or dead' }),
    lastStatus: z
      .number()
      .int()
      .nullable()
      .openapi({ description: 'Last HTTP status; 0 for a network error, timeout or refused target' }),
    lastError: z
      .string()
      .nullable()
      .openapi({ description: 'http, redirect, timeout, network or refused-target' }),
    lastBodyHash: z.string().nullable().openapi({
      description: 'First 16 hex digits of the SHA-256 of the last response body (the body is never stored)',
    }),
    updatedAt: z.string(),
  })
  .openapi('Delivery')

/** `GET /v1/watches/{id}/alerts`. */
export const AlertListSchema = z
  .object({
    alerts: z.array(
      z.object({
        id: z.string().openapi({ description: 'Also the Stacklens-Idempotency-Key of its deliveries' }),
        chain: z.string(),
        ruleIndex: z.number().int(),
        rule: WatchRuleSchema,
        before: z.number().nullable(),
        after: z.number().nullable(),
        block: z.string().openapi({ description: 'Decimal block number' }),
        message: z.string(),
        positions: z.array(z.string()),
        createdAt: z.string(),
        deliveries: z.array(DeliveryResponseSchema),
      }),
    ),
  })
  .openapi('AlertList')

/** `POST /v1/watches/{id}/test`. */
export const TestDeliverySchema = z
  .object({
    results: z.array(
      z.object({
        targetIndex: z.number().int(),
        ok: z.boolean(),
        status: z.number().int(),
        error: z.string().nullable(),
        reason: z.string().nullable(),
      }),
    ),
  })
  .openapi('TestDeliveryResult')
