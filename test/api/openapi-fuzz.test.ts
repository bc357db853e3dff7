/**
 * The API fuzzed from its own OpenAPI document (`/openapi.json`): fast-check arbitraries are
 * generated from each operation's parameter and body schemas (valid values, and invalid ones per
 * parameter), thousands of requests in all on one devchain. Every answer must be declared for its
 * operation, validate against the declared schema (converted with `z.fromJSONSchema`), carry
 * `{ error: { code, message } }` when it is a 4xx, and no 5xx may come but an honest upstream class.
 */
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { z } from 'zod'
import { startTestDevchain, type TestDevchain } from '../helpers/devchain.js'

type Schema = Record<string, unknown> & {
  $ref?: string
  type?: string | string[]
  enum?: unknown[]
  anyOf?: Schema[]
  oneOf?: Schema[]
  items?: Schema
  properties?: Record<string, Schema>
  required?: string[]
}
interface Parameter {
  name: string
  in: 'query' | 'path'
  required?: boolean
  schema: Schema
}
interface Operation {
  parameters?: Parameter[]
  requestBody?: { content: { 'application/json': { schema: Schema } } }
  responses: Record<string, { content?: { 'application/json'?: { schema: Schema } } }>
}
interface Doc {
  paths: Record<string, Record<string, Operation>>
  components: { schemas: Record<string, Schema> }
}

/** Runs per operation: ~3,500 requests over the 9 parameterised operations. */
const RUNS = 500
/** Upstream classes a devchain may honestly answer with (never a 500). */
const UPSTREAM_CODES = new Set([
  'RPC_UNAVAILABLE',
  'RPC_ERROR',
  'RPC_BLOCK_MISMATCH',
  'UPSTREAM_TIMEOUT',
  'LOG_BUDGET_EXCEEDED',
])
/**
 * Bounds that keep the suite's time reasonable: the simulation size parameters are drawn from
 * their documented range's low end (the limits themselves are tested in montecarlo.test.ts).
 */
const RUNTIME_BOUNDS: Record<string, { min: number; max: number }> = {
  paths: { min: 100, max: 1_000 },
  steps: { min: 1, max: 30 },
}

let t: TestDevchain
let doc: Doc
let head: number
let addresses: string[]
let markets: string[]

beforeAll(async () => {
  t = await startTestDevchain()
  doc = (await (await t.app.request('/openapi.json')).json()) as Doc
  head = Number(await t.client.getBlockNumber({ cacheTime: 0 }))
  addresses = t.manifest.wallets.map((w) => w.address)
  markets = ['aave-v3-local', ...(t.manifest.morphoBlue?.markets.map((m) => m.id) ?? [])]
}, 120_000)
afterAll(async () => {
  await t?.devchain.stop()
})

function deref(s: Schema, depth = 0): Schema {
  if (depth > 20) return {}
  if (s.$ref) return deref(doc.components.schemas[s.$ref.split('/').pop()!]!, depth + 1)
  const out: Schema = { ...s }
  for (const k of ['anyOf', 'oneOf', 'allOf'] as const)
    if (Array.isArray(s[k])) out[k] = (s[k] as Schema[]).map((x) => deref(x, depth + 1))
  if (s.items) out.items = deref(s.items, depth + 1)
  if (s.properties)
    out.properties = Object.fromEntries(
      Object.entries(s.properties).map(([k, v]) => [k, deref(v, depth + 1)]),
    )
  if (s.additionalProperties && typeof s.additionalProperties === 'object')
    out.additionalProperties = deref(s.additionalProperties as Schema, depth + 1)
  return out
}

/** A valid value of `s` (as JSON), per the document. */
function valid(s: Schema, name = ''): fc.Arbitrary<unknown> {
  s = deref(s)
  if (s.enum) return fc.constantFrom(...s.enum)
  if (s.const !== undefined) return fc.constant(s.const)
  const alts = (s.anyOf ?? s.oneOf)?.filter((x) => x.type !== 'null')
  if (alts) return fc.oneof(...alts.map((x) => valid(x, name)))
  const type = Array.isArray(s.type) ? s.type.find((x) => x !== 'null') : s.type
  const num = (key: string) => (typeof s[key] === 'number' ? (s[key] as number) : undefined)
  switch (type) {
    case 'string': {
      if (s.pattern === '^0x[0-9a-fA-F]{40}$')
        return fc.oneof(fc.constantFrom(...addresses), fc.stringMatching(/^0x[0-9a-f]{40}$/))
      if (s.format === 'date-time')
        return fc
          .date({ min: new Date('1990-01-01'), max: new Date('2100-01-01'), noInvalidDate: true })
          .map((d) => d.toISOString())
      const max = Math.min(num('maxLength') ?? 24, 48)
      if (s.pattern) return fc.stringMatching(new RegExp(s.pattern as string)).filter((v) => v.length <= max)
      return fc.string({ minLength: num('minLength') ?? 0, maxLength: max })
    }
    case 'integer': {
      const b = RUNTIME_BOUNDS[name]
      const min = b?.min ?? num('minimum') ?? -1e6
      const max = b?.max ?? Math.min(num('maximum') ?? 1e6, Number.MAX_SAFE_INTEGER)
      if (name === 'block') return fc.oneof(fc.integer({ min: 0, max: head }), fc.integer({ min, max }))
      return fc.integer({ min, max })
    }
    case 'number': {
      const min = num('minimum') ?? num('exclusiveMinimum') ?? -1e9
      const max = num('maximum') ?? num('exclusiveMaximum') ?? 1e9
      return fc.double({
        min,
        max,
        noNaN: true,
        noDefaultInfinity: true,
        minExcluded: num('exclusiveMinimum') !== undefined,
        maxExcluded: num('exclusiveMaximum') !== undefined,
      })
    }
    case 'boolean':
      return fc.boolean()
    case 'array':
      return fc.array(valid(s.items ?? {}), {
        minLength: num('minItems') ?? 0,
        maxLength: Math.min(num('maxItems') ?? 4, 4),
      })
    case 'object': {
      const props = s.properties ?? {}
      return fc.record(Object.fromEntries(Object.entries(props).map(([k, v]) => [k, valid(v, k)])), {
        requiredKeys: (s.required ?? []).filter((k) => k in props),
      })
    }
    default:
      return fc.jsonValue({ maxDepth: 1 })
  }
}

/** An invalid (or hostile) value: wrong types, out of range, prototype keys, huge or odd numbers. */
const hostile: fc.Arbitrary<unknown> = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.constantFrom(
    '__proto__:-0.5',
    'constructor:1',
    '__proto__',
    '-1',
    '1e309',
    'NaN',
    'Infinity',
    '99999999999999999999',
    '',
    ' ',
    '0x',
    '%00',
    'ETH:-1',
    'ETH:1e308',
    '0.1.2',
  ),
  fc.double().map(String),
  fc.integer().map(String),
)
const hostileJson: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom(1e303, 1e308, -1e308, 0, -0, -1, Number.MAX_VALUE, null, '', '__proto__', [], {}),
  fc.jsonValue({ maxDepth: 2 }),
  fc.double().filter(Number.isFinite),
)

/** A body: valid from the schema, or with one field replaced by a hostile value. */
function bodyArb(s: Schema): fc.Arbitrary<unknown> {
  const mutate = (v: unknown, pick: number, replacement: unknown): unknown => {
    if (v === null || typeof v !== 'object') return replacement
    const keys = Object.keys(v as object)
    if (keys.length === 0) return replacement
    const k = keys[pick % keys.length]!
    const copy = (Array.isArray(v) ? [...v] : { ...(v as object) }) as Record<string, unknown>
    copy[k] = pick % 3 === 0 ? replacement : mutate(copy[k], Math.floor(pick / 3), replacement)
    return copy
  }
  const base = valid(s)
  return fc.oneof(
    { weight: 3, arbitrary: base },
    { weight: 3, arbitrary: fc.tuple(base, fc.nat(), hostileJson).map(([v, p, r]) => mutate(v, p, r)) },
    { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
  )
}

const asParam = (v: unknown) => (typeof v === 'string' ? v : JSON.stringify(v))

/**
 * A request of `op`: every parameter valid (its documented example, or generated from its
 * schema) or absent when optional; in half the requests one parameter is hostile instead.
 */
function requestArb(path: string, method: string, op: Operation) {
  const params = op.parameters ?? []
  const each = params.map((p) => {
    const example = (p.schema.example ?? (p as { example?: unknown }).example) as unknown
    const pool: fc.Arbitrary<unknown>[] = [valid(p.schema, p.name)]
    if (example !== undefined) pool.push(fc.constant(example), fc.constant(example))
    if (p.name === 'market') pool.push(fc.constantFrom(...markets), fc.constantFrom(...markets))
    // Chain mostly "local": the only chain configured here.
    if (p.name === 'chain') pool.push(fc.constant('local'), fc.constant('local'), fc.constant('local'))
    const ok = fc.oneof(...pool).map(asParam)
    return p.required ? ok : fc.oneof(ok, fc.constant(undefined))
  })
  const body = op.requestBody
    ? bodyArb(op.requestBody.content['application/json'].schema)
    : fc.constant(undefined)
  return fc
    .tuple(fc.tuple(...each), fc.option(fc.nat(), { freq: 1 }), hostile, body)
    .map(([validValues, which, bad, b]) => {
      const values = validValues.map((v, i) => (which !== null && which % params.length === i ? bad : v))
      let url = path
      const query = new URLSearchParams()
      values.forEach((v, i) => {
        const p = params[i]!
        if (v === undefined) return
        if (p.in === 'path') url = url.replace(`{${p.name}}`, encodeURIComponent(String(v) || '_'))
        else query.set(p.name, String(v))
      })
      const qs = query.toString()
      return {
        method: method.toUpperCase(),
        url: qs ? `${url}?${qs}` : url,
        ...(b === undefined ? {} : { body: JSON.stringify(b) }),
      }
    })
}

const validators = new Map<Schema, z.ZodType>()
function validatorOf(s: Schema): z.ZodType {
  let v = validators.get(s)
  if (!v) {
    v = z.fromJSONSchema(deref(s) as never)
    validators.set(s, v)
  }
  return v
}

describe('the API fuzzed from its own OpenAPI document', () => {
  it('every operation: declared statuses only, bodies match their schemas, 4xx are coded, no 5xx but upstream classes', async () => {
    const ops = Object.entries(doc.paths).flatMap(([path, methods]) =>
      Object.entries(methods).map(([method, op]) => ({ path, method, op })),
    )
    expect(ops.length).toBeGreaterThanOrEqual(9)
    let requests = 0
    const statuses: Record<string, number> = {}
    for (const { path, method, op } of ops) {
      const runs = (op.parameters?.length ?? 0) > 0 || op.requestBody ? RUNS : 5
      await fc.assert(
        fc.asyncProperty(requestArb(path, method, op), async (req) => {
          requests++
          const res = await t.app.request(req.url, {
            method: req.method,
            ...(req.body === undefined
              ? {}
              : { body: req.body, headers: { 'content-type': 'application/json' } }),
          })
          const text = await res.text()
          const where = `${req.method} ${req.url} ${req.body ?? ''} -> ${res.status} ${text.slice(0, 300)}`
          statuses[`${method} ${path} ${res.status}`] = (statuses[`${method} ${path} ${res.status}`] ?? 0) + 1
          const declared = op.responses[String(res.status)]
          expect(declared, `undeclared status: ${where}`).toBeDefined()
          const body = JSON.parse(text) as { error?: { code?: unknown; message?: unknown } }
          if (res.status >= 400) {
            expect(typeof body.error?.code, where).toBe('string')
            expect(typeof body.error?.message, where).toBe('string')
          }
          if (res.status >= 500) expect(UPSTREAM_CODES.has(String(body.error?.code)), where).toBe(true)
          const schema = declared?.content?.['application/json']?.schema
          if (schema) {
            const parsed = validatorOf(schema).safeParse(body)
            expect(
              parsed.success,
              `${where}\n${parsed.error?.issues
                .slice(0, 3)
                .map((i) => `${i.path.join('.')}: ${i.message}`)
                .join('; ')}`,
            ).toBe(true)
          }
        }),
        { numRuns: runs, seed: 13, endOnFailure: true },
      )
    }
    expect(requests).toBeGreaterThan(3_000)
    const ok = Object.entries(statuses).filter(([k]) => k.endsWith(' 200'))
    // Valid requests reach the handlers, not only the validators: every parameterised route answered 200 somewhere.
    expect(ok.length).toBeGreaterThanOrEqual(7)
  }, 180_000)
})
