/**
 * `/v1/watches*`: create, list, read, update and delete watches, their alert history, and a test
 * delivery. Every route needs `Authorization: Bearer <key>` (`../auth.ts`); a key sees only its own
 * watches (another key's watch is a 404). Without a monitoring store (`AppDeps.monitor` absent)
 * the app does not mount these routes (404, absent from the OpenAPI document).
 */
import { createRoute, z } from '@hono/zod-openapi'
import type { Context } from 'hono'
import { bodyLimit } from 'hono/body-limit'
import { type PinnedFetch, sendTestDelivery } from '../../monitor/delivery/deliver.js'
import type { HostResolver, TargetPolicy } from '../../monitor/delivery/target-policy.js'
import { newWatchId } from '../../monitor/keys.js'
import type {
  Alert,
  ApiKeyRecord,
  Delivery,
  MonitorStore,
  Watch,
  WebhookTarget,
} from '../../monitor/types.js'
import { type AuthVariables, requireApiKey } from '../auth.js'
import { errorBody, jsonError } from '../errors.js'
import { createRouter } from '../router.js'
import {
  AlertListSchema,
  TestDeliverySchema,
  WATCH_LIMITS,
  WatchListSchema,
  WatchResponseSchema,
  watchSchemas,
} from '../watch-schemas.js'

/** What the watch routes need from the deployment. */
export interface WatchRoutesDeps {
  /** The monitoring store. */
  store: MonitorStore
  /** Chain keys this deployment serves (a watch may only name these). */
  chains: readonly string[]
  /** The outbound policy (webhook URLs are checked at creation and at every delivery). */
  policy: TargetPolicy
  /** Public URL of the deployment for dashboard links; the request's origin when omitted. */
  publicBaseUrl?: string
  /** For test deliveries: the fetch, the host resolver (Node), the clock (Unix ms). */
  fetchFn?: typeof fetch
  resolveHost?: HostResolver | null
  /** Node: the connection pinned to the checked address (`pinnedNodeFetch`); absent on Workers. */
  pinnedFetch?: PinnedFetch
  now?: () => number
}

const iso = (ms: number) => new Date(ms).toISOString()

/** A watch as JSON (no secrets). */
export function watchToJson(w: Watch) {
  return {
    id: w.id,
    address: w.address,
    chains: w.chains,
    rules: w.rules,
    webhooks: w.webhooks.map((t) => ({ url: t.url })),
    cooldownSeconds: Math.round(w.cooldownMs / 1000),
    label: w.label ?? null,
    createdAt: iso(w.createdAt),
    updatedAt: iso(w.updatedAt),
  }
}

function deliveryToJson(d: Delivery) {
  return {
    targetIndex: d.targetIndex,
    status: d.status,
    attempts: d.attempts,
    nextAttemptAt: d.nextAttemptAt === null ? null : iso(d.nextAttemptAt),
    lastStatus: d.lastStatus ?? null,
    lastError: d.lastError ?? null,
    lastBodyHash: d.lastBodyHash ?? null,
    updatedAt: iso(d.updatedAt),
  }
}

function alertToJson(a: Alert & { deliveries: Delivery[] }) {
  return {
    id: a.id,
    chain: a.chain,
    ruleIndex: a.ruleIndex,
    rule: a.rule,
    before: a.before,
    after: a.after,
    block: a.block.toString(),
    message: a.message,
    positions: a.positions ?? [],
    createdAt: iso(a.createdAt),
    deliveries: a.deliveries.map(deliveryToJson),
  }
}

const IdParams = z.object({
  id: z
    .string()
    .regex(/^w_[a-z2-7]{20}$/, { message: 'must be a watch id (w_ followed by 20 base32 characters)' })
    .openapi({ param: { name: 'id', in: 'path' }, example: 'w_abcdefghijklmnopqrst' }),
})

const AlertsQuery = z.object({
  limit: z
    .string()
    .regex(/^\d{1,4}$/, { message: 'must be an integer' })
    .transform(Number)
    .refine((n) => n >= 1 && n <= WATCH_LIMITS.alertsPageMax, {
      message: `must be between 1 and ${WATCH_LIMITS.alertsPageMax}`,
    })
    .optional()
    .openapi({
      param: { name: 'limit', in: 'query' },
      description: `Newest first; default ${WATCH_LIMITS.alertsPageDefault}`,
    }),
})

const security = [{ bearerAuth: [] }]
const authErrors = {
  401: jsonError('No API key, a malformed one, or an unknown/revoked one (UNAUTHORIZED)'),
}
const notFound = { 404: jsonError('No such watch for this key (NOT_FOUND)') }
const badInput = { 400: jsonError('A field is missing or invalid (the message names it)') }

/** The watch routes. */
export function watchRoutes(deps: WatchRoutesDeps) {
  const app = createRouter()
  const { CreateWatchBody, UpdateWatchBody } = watchSchemas({ chains: deps.chains, policy: deps.policy })
  const now = deps.now ?? Date.now
  app.openAPIRegistry.registerComponent('securitySchemes', 'bearerAuth', {
    type: 'http',
    scheme: 'bearer',
    description: 'An API key from `stacklens keys create` (sk_...)',
  })
  const auth = requireApiKey(deps.store)
  app.use('/v1/watches', auth)
  app.use('/v1/watches/*', auth)
  const limitBody = bodyLimit({
    maxSize: WATCH_LIMITS.bodyBytes,
    onError: (c) =>
      c.json(
        errorBody('PAYLOAD_TOO_LARGE', `the request body is over ${WATCH_LIMITS.bodyBytes / 1024} KiB`),
        413,
      ),
  })
  app.use('/v1/watches', limitBody)
  app.use('/v1/watches/*', limitBody)

  const keyOf = (c: Context) =>
    (c as unknown as Context<{ Variables: AuthVariables }>).get('apiKey') as ApiKeyRecord
  const store = () => deps.store
  const missing = (c: Context, id: string) =>
    c.json(errorBody('NOT_FOUND', `no watch ${id} for this key`), 404)
  const overLimit = (c: Context, field: string, message: string) =>
    c.json(errorBody('LIMIT_EXCEEDED', `${field}: ${message}`), 403)
  const targetLimit = (c: Context, key: ApiKeyRecord, targets: WebhookTarget[]) =>
    targets.length > key.maxTargetsPerWatch
      ? overLimit(
          c,
          'webhooks',
          `at most ${key.maxTargetsPerWatch} targets per watch for this key (got ${targets.length})`,
        )
      : null

  app.openapi(
    createRoute({
      method: 'post',
      path: '/v1/watches',
      summary: 'Create a watch: a wallet, rules and webhook targets',
      description: `Rules over health factor, liquidation distance, effective leverage, cascade shock, liquidation probability, position changes and unavailability. Each webhook is checked against the outbound policy. Per-key limits on watches and targets per watch answer 403 LIMIT_EXCEEDED. Secrets are never returned.`,
      security,
      request: { body: { content: { 'application/json': { schema: CreateWatchBody } }, required: true } },
      responses: {
        201: {
          content: { 'application/json': { schema: WatchResponseSchema } },
          description: 'The new watch',
        },
        ...badInput,
        403: jsonError('A per-key limit would be exceeded (LIMIT_EXCEEDED)'),
        413: jsonError('The body is too large'),
        ...authErrors,
      },
    }),
    async (c) => {
      const body = c.req.valid('json')
      const key = keyOf(c)
      const webhooks = body.webhooks ?? (body.webhook ? [body.webhook] : [])
      const tooMany = targetLimit(c, key, webhooks)
      if (tooMany) return tooMany
      const t = now()
      const watch: Watch = {
        id: newWatchId(),
        keyId: key.id,
        address: body.address,
        chains: [...new Set(body.chains ?? (body.chain ? [body.chain] : []))],
        rules: body.rules,
        webhooks,
        cooldownMs: (body.cooldownSeconds ?? WATCH_LIMITS.cooldownDefaultSeconds) * 1000,
        ...(body.label === undefined ? {} : { label: body.label }),
        createdAt: t,
        updatedAt: t,
      }
      // The limit check and the insert are one atomic statement: concurrent creates cannot overshoot.
      const created = await store().createWatchWithinLimit(watch, key.maxWatches)
      if (!created.created) {
        return overLimit(
          c,
          'watches',
          `this key has ${created.count} watches, its limit is ${key.maxWatches}`,
        )
      }
      return c.json(watchToJson(watch), 201)
    },
  )

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/watches',
      summary: "This key's watches",
      security,
      responses: {
        200: {
          content: { 'application/json': { schema: WatchListSchema } },
          description: 'The watches, oldest first',
        },
        ...authErrors,
      },
    }),
    async (c) => c.json({ watches: (await store().listWatchesOfKey(keyOf(c).id)).map(watchToJson) }, 200),
  )

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/watches/{id}',
      summary: 'One watch',
      security,
      request: { params: IdParams },
      responses: {
        200: { content: { 'application/json': { schema: WatchResponseSchema } }, description: 'The watch' },
        ...badInput,
        ...notFound,
        ...authErrors,
      },
    }),
    async (c) => {
      const { id } = c.req.valid('param')
      const w = await store().getWatch(id, keyOf(c).id)
      return w ? c.json(watchToJson(w), 200) : missing(c, id)
    },
  )

  app.openapi(
    createRoute({
      method: 'patch',
      path: '/v1/watches/{id}',
      summary:
        'Update a watch (fields given replace the old ones; new rules or a new address re-arm every rule)',
      security,
      request: {
        params: IdParams,
        body: { content: { 'application/json': { schema: UpdateWatchBody } }, required: true },
      },
      responses: {
        200: {
          content: { 'application/json': { schema: WatchResponseSchema } },
          description: 'The updated watch',
        },
        ...badInput,
        403: jsonError('A per-key limit would be exceeded (LIMIT_EXCEEDED)'),
        ...notFound,
        413: jsonError('The body is too large'),
        ...authErrors,
      },
    }),
    async (c) => {
      const { id } = c.req.valid('param')
      const body = c.req.valid('json')
      const key = keyOf(c)
      const old = await store().getWatch(id, key.id)
      if (!old) return missing(c, id)
      const webhooks = body.webhooks ?? (body.webhook ? [body.webhook] : old.webhooks)
      const tooMany = targetLimit(c, key, webhooks)
      if (tooMany) return tooMany
      const chains = body.chains ?? (body.chain ? [body.chain] : old.chains)
      const label = body.label === null ? undefined : (body.label ?? old.label)
      const { label: _old, ...rest } = old
      const watch: Watch = {
        ...rest,
        address: body.address ?? old.address,
        chains: [...new Set(chains)],
        rules: body.rules ?? old.rules,
        webhooks,
        cooldownMs: body.cooldownSeconds === undefined ? old.cooldownMs : body.cooldownSeconds * 1000,
        ...(label === undefined ? {} : { label }),
        updatedAt: Math.max(now(), old.updatedAt),
      }
      await store().updateWatch(watch)
      return c.json(watchToJson(watch), 200)
    },
  )

  app.openapi(
    createRoute({
      method: 'delete',
      path: '/v1/watches/{id}',
      summary: 'Delete a watch with its rule states, alerts and deliveries',
      security,
      request: { params: IdParams },
      responses: { 204: { description: 'Deleted' }, ...badInput, ...notFound, ...authErrors },
    }),
    async (c) => {
      const { id } = c.req.valid('param')
      return (await store().deleteWatch(id, keyOf(c).id)) ? c.body(null, 204) : missing(c, id)
    },
  )

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/watches/{id}/alerts',
      summary: "A watch's alert history with each delivery's status, attempts and last response status",
      security,
      request: { params: IdParams, query: AlertsQuery },
      responses: {
        200: {
          content: { 'application/json': { schema: AlertListSchema } },
          description: 'Alerts, newest first',
        },
        ...badInput,
        ...notFound,
        ...authErrors,
      },
    }),
    async (c) => {
      const { id } = c.req.valid('param')
      const { limit } = c.req.valid('query')
      const w = await store().getWatch(id, keyOf(c).id)
      if (!w) return missing(c, id)
      const alerts = await store().listAlerts(id, limit ?? WATCH_LIMITS.alertsPageDefault)
      return c.json({ alerts: alerts.map(alertToJson) }, 200)
    },
  )

  app.openapi(
    createRoute({
      method: 'post',
      path: '/v1/watches/{id}/test',
      summary:
        'Send a signed test payload (type "test") to every target of a watch, now, once; nothing is stored',
      security,
      request: { params: IdParams },
      responses: {
        200: {
          content: { 'application/json': { schema: TestDeliverySchema } },
          description: 'One result per target',
        },
        ...badInput,
        ...notFound,
        ...authErrors,
      },
    }),
    async (c) => {
      const { id } = c.req.valid('param')
      const w = await store().getWatch(id, keyOf(c).id)
      if (!w) return missing(c, id)
      const results = await sendTestDelivery(w, {
        policy: deps.policy,
        publicBaseUrl: deps.publicBaseUrl ?? new URL(c.req.url).origin,
        ...(deps.fetchFn ? { fetchFn: deps.fetchFn } : {}),
        resolveHost: deps.resolveHost ?? null,
        ...(deps.pinnedFetch ? { pinnedFetch: deps.pinnedFetch } : {}),
        now,
      })
      return c.json(
        {
          results: results.map((r) => ({
            targetIndex: r.targetIndex,
            ok: r.ok,
            status: r.status,
            error: r.error ?? null,
            reason: r.reason ?? null,
          })),
        },
        200,
      )
    },
  )
  return app
}
