/**
 * `stacklens watch add|list|rm|test|alerts`: a client of a running API's `/v1/watches*` over HTTP
 * (`--api URL`, else `STACKLENS_API_URL`, else http://localhost:8787; the key from `--key`, else
 * `STACKLENS_API_KEY`). Request bodies are typed by the API's own zod schemas
 * (src/api/watch-schemas.ts), rules parsed by `./watch-rules.ts` and checked by `WatchRuleSchema`;
 * every answer is parsed by the route's response schema. An API error prints its code and message
 * and maps to the CLI's exit codes (4xx: 2; 500: 1; 502/503/504 and an unreachable API: 3).
 */
import { parseArgs } from 'node:util'
import type { z } from '@hono/zod-openapi'
import { STATUS_OF } from '../api/errors.js'
import {
  AlertListSchema,
  TestDeliverySchema,
  WatchListSchema,
  WatchResponseSchema,
  type watchSchemas,
} from '../api/watch-schemas.js'
import { BaseError, type ErrorCode } from '../core/errors.js'
import { formatWatchRule, parseWatchRule, RULE_SYNTAX } from './watch-rules.js'

/** What the command writes to and reads from (the CLI's `CliIo`). */
export interface WatchCommandIo {
  env: Record<string, string | undefined>
  out(line: string): void
  err(text: string): void
}

/** The API's create body, as its schema takes it. */
export type CreateWatchInput = z.input<ReturnType<typeof watchSchemas>['CreateWatchBody']>

/** Where `stacklens watch` finds the API when neither `--api` nor `STACKLENS_API_URL` is given (`npm start`'s address). */
export const DEFAULT_API_URL = 'http://localhost:8787'

/** The usage lines of the command. */
export const WATCH_USAGE = `  stacklens watch add <address> --rule R [--rule R ...] --webhook URL --secret S [--chain K]
                   [--cooldown SECONDS] [--label L] [--json]
                                                    create a watch (chain default local; --webhook/--secret pairs
                                                    repeat for several targets); R is one of
                                                    healthFactor<X  liquidationDistance<Y  effectiveLeverage>Z
                                                    cascadeShock:ETH<W  liquidationProbability:30d>P
                                                    positionChange>T  unavailable  (optionally ,rearm=M; fractions
                                                    as 0.05 or 5%; quote it: --rule 'healthFactor<1.05')
  stacklens watch list [--json]                     this key's watches
  stacklens watch rm <id>                           delete a watch (with its alerts)
  stacklens watch test <id> [--json]                send a signed test payload to each of its webhooks now
  stacklens watch alerts <id> [--limit N] [--json]  its alert history with each delivery's status
                                                    (every watch command: --api URL, else STACKLENS_API_URL, else
                                                    ${DEFAULT_API_URL}; --key K, else STACKLENS_API_KEY)`

/**
 * A failed call to the API: its HTTP status (0 when the API could not be reached) and its error
 * code (`API_UNREACHABLE` then). `code` is the API's code when it is one of stacklens's.
 */
export class ApiCallError extends BaseError {
  override name = 'ApiCallError'
  constructor(
    readonly status: number,
    readonly apiCode: string,
    message: string,
  ) {
    super(apiCode in STATUS_OF ? (apiCode as ErrorCode) : 'INTERNAL', `${apiCode}: ${message}`)
  }

  /** The CLI's exit code: 2 for a 4xx, 1 for a 500, 3 for any other 5xx or an unreachable API. */
  get exitCode(): number {
    if (this.status === 0) return 3
    return this.status < 500 ? 2 : this.status === 500 ? 1 : 3
  }
}

/** Options shared by every subcommand. */
const COMMON = {
  api: { type: 'string' },
  key: { type: 'string' },
  json: { type: 'boolean', default: false },
} as const

const ID = /^w_[a-z2-7]{20}$/

/**
 * Runs `stacklens watch <args>`.
 * @throws BaseError INVALID_REQUEST for bad flags or rules, UNAUTHORIZED without a key (exit 2);
 *   {@link ApiCallError} for an API error or an unreachable API.
 */
export async function watchCommand(
  args: string[],
  io: WatchCommandIo,
  fetchFn: typeof fetch = fetch,
): Promise<void> {
  const [sub, ...rest] = args
  const json = (value: unknown) => io.out(JSON.stringify(value, null, 2))

  const connect = (values: { api?: string | undefined; key?: string | undefined }) => {
    const base = (values.api ?? io.env.STACKLENS_API_URL ?? DEFAULT_API_URL).replace(/\/+$/, '')
    let url: URL
    try {
      url = new URL(base)
    } catch {
      throw new BaseError('INVALID_REQUEST', `--api must be an http(s) URL, got "${base}"`)
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:')
      throw new BaseError('INVALID_REQUEST', `--api must be an http(s) URL, got "${base}"`)
    const key = values.key ?? io.env.STACKLENS_API_KEY
    if (!key)
      throw new BaseError(
        'UNAUTHORIZED',
        'no API key: pass --key or set STACKLENS_API_KEY (create one with `stacklens keys create`)',
      )
    /** One call; the parsed JSON answer (null for a 204). */
    return async <S extends z.ZodType>(
      method: string,
      path: string,
      schema: S | null,
      body?: CreateWatchInput,
    ): Promise<z.output<S>> => {
      let res: Response
      try {
        res = await fetchFn(`${base}${path}`, {
          method,
          headers: {
            authorization: `Bearer ${key}`,
            accept: 'application/json',
            ...(body === undefined ? {} : { 'content-type': 'application/json' }),
          },
          ...(body === undefined ? {} : { body: JSON.stringify(body) }),
          signal: AbortSignal.timeout(30_000),
        })
      } catch (err) {
        const why =
          (err as { cause?: { code?: string } })?.cause?.code ?? (err as Error)?.message ?? String(err)
        throw new ApiCallError(
          0,
          'API_UNREACHABLE',
          `cannot reach the API at ${base} (${why}); start it with \`npm start\` or pass --api URL`,
        )
      }
      const text = await res.text()
      let parsed: unknown = null
      try {
        parsed = text ? JSON.parse(text) : null
      } catch {
        // a non-JSON body (a proxy's error page): reported below with the status
      }
      if (!res.ok) {
        const e = (parsed as { error?: { code?: unknown; message?: unknown } } | null)?.error
        throw new ApiCallError(
          res.status,
          typeof e?.code === 'string' ? e.code : `HTTP_${res.status}`,
          typeof e?.message === 'string' ? e.message : `${method} ${path} answered ${res.status}`,
        )
      }
      if (schema === null) return null as z.output<S>
      const checked = schema.safeParse(parsed)
      if (!checked.success)
        throw new ApiCallError(
          res.status,
          'UNEXPECTED_RESPONSE',
          `${method} ${path}: the answer does not match the API's schema (${checked.error.issues[0]?.path.join('.')}: ${checked.error.issues[0]?.message}); is ${base} a stacklens API?`,
        )
      return checked.data
    }
  }

  const oneId = (positionals: string[], what: string) => {
    if (positionals.length !== 1)
      throw new BaseError('INVALID_REQUEST', `watch ${what} takes one watch id\n${WATCH_USAGE}`)
    const id = positionals[0]!
    if (!ID.test(id))
      throw new BaseError(
        'INVALID_REQUEST',
        `"${id}" is not a watch id (w_ followed by 20 base32 characters)`,
      )
    return id
  }

  const printWatch = (w: z.output<typeof WatchResponseSchema>) => {
    io.out(`${w.id}  ${w.address} on ${w.chains.join(',')}${w.label ? `  "${w.label}"` : ''}`)
    io.out(`  rules     ${w.rules.map(formatWatchRule).join('  ')}`)
    io.out(`  webhooks  ${w.webhooks.map((t) => t.url).join('  ')}`)
    io.out(`  cooldown  ${w.cooldownSeconds} s`)
  }

  switch (sub) {
    case 'add': {
      const { values, positionals } = parseArgs({
        args: rest,
        allowPositionals: true,
        options: {
          ...COMMON,
          chain: { type: 'string' },
          rule: { type: 'string', multiple: true },
          webhook: { type: 'string', multiple: true },
          secret: { type: 'string', multiple: true },
          cooldown: { type: 'string' },
          label: { type: 'string' },
        },
      })
      if (positionals.length !== 1)
        throw new BaseError('INVALID_REQUEST', `watch add takes one wallet address\n${WATCH_USAGE}`)
      const rules = values.rule ?? []
      if (rules.length === 0) throw new BaseError('INVALID_REQUEST', `--rule is required (${RULE_SYNTAX})`)
      const urls = values.webhook ?? []
      const secrets = values.secret ?? []
      if (urls.length === 0)
        throw new BaseError('INVALID_REQUEST', '--webhook URL is required (where alerts are POSTed)')
      if (secrets.length !== urls.length)
        throw new BaseError(
          'INVALID_REQUEST',
          `give one --secret per --webhook (the HMAC key of its signatures, 16+ characters): ${urls.length} --webhook, ${secrets.length} --secret`,
        )
      let cooldownSeconds: number | undefined
      if (values.cooldown !== undefined) {
        if (!/^\d+$/.test(values.cooldown))
          throw new BaseError(
            'INVALID_REQUEST',
            `--cooldown must be a whole number of seconds, got "${values.cooldown}"`,
          )
        cooldownSeconds = Number(values.cooldown)
      }
      const webhooks = urls.map((url, i) => ({ url, secret: secrets[i]! }))
      const body: CreateWatchInput = {
        address: positionals[0]!,
        chain: values.chain ?? 'local',
        rules: rules.map(parseWatchRule),
        ...(webhooks.length === 1 ? { webhook: webhooks[0]! } : { webhooks }),
        ...(cooldownSeconds === undefined ? {} : { cooldownSeconds }),
        ...(values.label === undefined ? {} : { label: values.label }),
      }
      const w = await connect(values)('POST', '/v1/watches', WatchResponseSchema, body)
      if (values.json) return json(w)
      io.out(`created ${w.id}`)
      printWatch(w)
      return
    }
    case 'list': {
      const { values, positionals } = parseArgs({ args: rest, allowPositionals: true, options: COMMON })
      if (positionals.length > 0)
        throw new BaseError('INVALID_REQUEST', `watch list takes no argument, got "${positionals[0]}"`)
      const list = await connect(values)('GET', '/v1/watches', WatchListSchema)
      if (values.json) return json(list)
      if (list.watches.length === 0) return io.out('no watches for this key')
      for (const w of list.watches) printWatch(w)
      return
    }
    case 'rm': {
      const { values, positionals } = parseArgs({ args: rest, allowPositionals: true, options: COMMON })
      const id = oneId(positionals, 'rm')
      await connect(values)('DELETE', `/v1/watches/${id}`, null)
      if (values.json) return json({ deleted: id })
      io.out(`deleted ${id}`)
      return
    }
    case 'test': {
      const { values, positionals } = parseArgs({ args: rest, allowPositionals: true, options: COMMON })
      const id = oneId(positionals, 'test')
      const result = await connect(values)('POST', `/v1/watches/${id}/test`, TestDeliverySchema)
      if (values.json) json(result)
      else
        for (const r of result.results)
          io.out(
            `target ${r.targetIndex}: ${r.ok ? 'delivered' : 'FAILED'} (HTTP ${r.status}${r.error ? `, ${r.error}` : ''}${r.reason ? `: ${r.reason}` : ''})`,
          )
      const failed = result.results.filter((r) => !r.ok).length
      if (failed > 0)
        throw new ApiCallError(
          502,
          'DELIVERY_FAILED',
          `${failed} of ${result.results.length} webhook target(s) did not answer 2xx to the test payload`,
        )
      return
    }
    case 'alerts': {
      const { values, positionals } = parseArgs({
        args: rest,
        allowPositionals: true,
        options: { ...COMMON, limit: { type: 'string' } },
      })
      const id = oneId(positionals, 'alerts')
      const query = values.limit === undefined ? '' : `?limit=${encodeURIComponent(values.limit)}`
      const list = await connect(values)('GET', `/v1/watches/${id}/alerts${query}`, AlertListSchema)
      if (values.json) return json(list)
      if (list.alerts.length === 0) return io.out(`no alerts for ${id} yet`)
      for (const a of list.alerts) {
        const d = a.deliveries
          .map((x) => `${x.status}${x.lastStatus === null ? '' : ` ${x.lastStatus}`} after ${x.attempts}`)
          .join(', ')
        io.out(
          `[${a.createdAt}] ${a.id} block ${a.block} on ${a.chain}: ${a.message}  (${formatWatchRule(a.rule)}; delivery ${d || 'none'})`,
        )
      }
      return
    }
    default:
      throw new BaseError(
        'INVALID_REQUEST',
        `${sub === undefined ? 'watch needs a subcommand' : `unknown watch subcommand "${sub}"`}\n${WATCH_USAGE}`,
      )
  }
}
