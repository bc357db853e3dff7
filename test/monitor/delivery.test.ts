/**
 * Webhook delivery (src/monitor/delivery/deliver.ts) against a real local HTTP receiver
 * (node:http on 127.0.0.1, allowed by the test policy) and a real SQLite store file: signatures
 * verify, the idempotency key is the alert id on every retry, retries follow the backoff with the
 * injected clock and jitter source, a dead letter after N attempts, redirects and timeouts are
 * failures, and only a status and a short hash of the response body are stored.
 */
import { createHash, createHmac } from 'node:crypto'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { createServer, type IncomingMessage, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import {
  backoffDelayMs,
  DEFAULT_RETRY,
  type DeliverOptions,
  deliverDue,
  sendTestDelivery,
  type WebhookPayload,
} from '../../src/monitor/delivery/deliver.js'
import { signatureHeader, verifySignature } from '../../src/monitor/delivery/signature.js'
import { openSqliteStore } from '../../src/monitor/store/sqlite-store.js'
import type { Alert, MonitorStore, Watch } from '../../src/monitor/types.js'

interface Received {
  path: string
  headers: IncomingMessage['headers']
  body: string
}

/** What the receiver answers per path; `hang` never answers. */
type Behaviour = { status: number; body?: string; headers?: Record<string, string> } | 'hang'

let server: Server
let base: string
const received: Received[] = []
const behaviours = new Map<string, Behaviour[]>()
const SECRET_BODY = 'upstream-private-response-body-never-stored'

beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      const path = req.url ?? '/'
      received.push({ path, headers: req.headers, body: Buffer.concat(chunks).toString('utf8') })
      const queue = behaviours.get(path) ?? []
      const b = queue.length > 1 ? queue.shift()! : (queue[0] ?? { status: 204 })
      if (b === 'hang') return
      res.writeHead(b.status, b.headers)
      res.end(b.body ?? '')
    })
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})
afterAll(async () => {
  server.closeAllConnections()
  await new Promise((r) => server.close(r))
})

const DIR = mkdtempSync(join(tmpdir(), 'stacklens-delivery-'))
afterAll(() => rmSync(DIR, { recursive: true, force: true }))

const KEY = { id: 'k_delivery', hash: 'e'.repeat(64), maxWatches: 10, maxTargetsPerWatch: 5, createdAt: 0 }
const T0 = 1_764_000_000_000
const SECRETS = ['secret-number-one-0123456789abcdef', 'secret-number-two-0123456789abcdef']
let store: MonitorStore
let dbPath: string
let clock: number
let seq = 0

let dbSeq = 0
/** A fresh database file per test: no test sees another's due deliveries. */
beforeEach(async () => {
  received.length = 0
  behaviours.clear()
  clock = T0
  dbPath = join(DIR, `delivery-${++dbSeq}.db`)
  store = await openSqliteStore(dbPath)
  await store.createKey(KEY)
})
afterEach(() => store.close())

/** A watch with one target per path and one fired alert due now; returns both. */
async function fire(paths: string[]): Promise<{ watch: Watch; alert: Alert }> {
  seq++
  const watch: Watch = {
    id: `w_deliv${seq}`,
    keyId: KEY.id,
    address: '0x00000000000000000000000000000000000000d1',
    chains: ['local'],
    rules: [{ metric: 'healthFactor', below: 1.05 }],
    webhooks: paths.map((p, i) => ({ url: `${base}${p}`, secret: SECRETS[i % 2]! })),
    cooldownMs: 0,
    createdAt: clock,
    updatedAt: clock,
  }
  await store.createWatch(watch)
  const alert: Alert = {
    id: `al_deliv${seq}`,
    watchId: watch.id,
    chain: 'local',
    ruleIndex: 0,
    rule: watch.rules[0]!,
    before: 1.0712,
    after: 1.0431,
    block: 123_456n,
    message: 'health factor 1.0431 < 1.05 on aave-v3:0xpool',
    positions: ['aave-v3:0xpool'],
    createdAt: clock,
  }
  await store.applyEvaluation(
    { watchId: watch.id, chain: 'local', block: 123_456n, states: [], alerts: [alert] },
    paths.length,
    clock,
  )
  return { watch, alert }
}

const opts = (over: Partial<DeliverOptions> = {}): DeliverOptions => ({
  now: () => clock,
  random: () => 0.5,
  policy: { allowPrivate: true, requireHttps: false },
  publicBaseUrl: 'https://stacklens.example/',
  timeoutMs: 2_000,
  ...over,
})

const deliveriesOf = async (watchId: string) => (await store.listAlerts(watchId, 10))[0]!.deliveries

describe('deliverDue', () => {
  it('posts the signed payload with the idempotency key; delivered on 2xx', async () => {
    const { watch, alert } = await fire(['/ok-a', '/ok-b'])
    behaviours.set('/ok-a', [{ status: 200, body: 'thanks' }])
    const summary = await deliverDue(store, opts())
    expect(summary).toEqual({ attempted: 2, delivered: 2, retrying: 0, dead: 0 })
    expect(received.map((r) => r.path).sort()).toEqual(['/ok-a', '/ok-b'])
    for (const r of received) {
      const secret = r.path === '/ok-a' ? SECRETS[0]! : SECRETS[1]!
      const header = r.headers['stacklens-signature'] as string
      expect(header).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/)
      expect(header.startsWith(`t=${Math.floor(T0 / 1000)},`)).toBe(true)
      expect(await verifySignature(secret, header, r.body, 300, Math.floor(T0 / 1000))).toBe(true)
      // Independent recomputation with node:crypto (the README's receiver snippet does this).
      const [t, v1] = header.split(',').map((p) => p.split('=')[1])
      expect(createHmac('sha256', secret).update(`${t}.${r.body}`).digest('hex')).toBe(v1)
      expect(r.headers['stacklens-idempotency-key']).toBe(alert.id)
      expect(r.headers['content-type']).toBe('application/json')
      const payload = JSON.parse(r.body) as WebhookPayload
      expect(payload).toEqual({
        type: 'alert',
        id: alert.id,
        watchId: watch.id,
        chain: 'local',
        address: watch.address,
        ruleIndex: 0,
        rule: { metric: 'healthFactor', below: 1.05 },
        before: 1.0712,
        after: 1.0431,
        block: '123456',
        message: alert.message,
        positions: ['aave-v3:0xpool'],
        dashboardUrl: `https://stacklens.example/?address=${watch.address}&chain=local`,
        createdAt: new Date(T0).toISOString(),
      })
    }
    const ds = await deliveriesOf(watch.id)
    expect(ds.map((d) => [d.status, d.attempts, d.lastStatus, d.nextAttemptAt])).toEqual([
      ['delivered', 1, 200, null],
      ['delivered', 1, 204, null],
    ])
    expect(ds[0]!.lastBodyHash).toBe(createHash('sha256').update('thanks').digest('hex').slice(0, 16))
    // Nothing more is due.
    clock += 10 * 3_600_000
    expect(await deliverDue(store, opts())).toEqual({ attempted: 0, delivered: 0, retrying: 0, dead: 0 })
  })

  it('retries with exponential backoff and full jitter, same key, until a 2xx: exactly one delivery', async () => {
    const { watch, alert } = await fire(['/flaky'])
    behaviours.set('/flaky', [
      { status: 503, body: SECRET_BODY },
      { status: 500, body: SECRET_BODY },
      { status: 429, body: SECRET_BODY },
      { status: 200, body: 'ok' },
    ])
    const times: number[] = []
    for (let attempt = 1; attempt <= 3; attempt++) {
      expect(await deliverDue(store, opts())).toMatchObject({ attempted: 1, retrying: 1 })
      const d = (await deliveriesOf(watch.id))[0]!
      // random() = 0.5 of the window base * 2^(n-1): 5 s, 10 s, 20 s.
      expect(d.nextAttemptAt).toBe(clock + 0.5 * DEFAULT_RETRY.baseMs * 2 ** (attempt - 1))
      expect(d).toMatchObject({ status: 'pending', attempts: attempt, lastError: 'http' })
      // Not due a millisecond early.
      clock = d.nextAttemptAt! - 1
      expect((await deliverDue(store, opts())).attempted).toBe(0)
      clock = d.nextAttemptAt!
      times.push(clock)
    }
    expect(await deliverDue(store, opts())).toEqual({ attempted: 1, delivered: 1, retrying: 0, dead: 0 })
    expect(received.map((r) => r.headers['stacklens-idempotency-key'])).toEqual([
      alert.id,
      alert.id,
      alert.id,
      alert.id,
    ])
    expect(new Set(received.map((r) => r.body)).size).toBe(1)
    const d = (await deliveriesOf(watch.id))[0]!
    expect(d).toMatchObject({ status: 'delivered', attempts: 4, lastStatus: 200, nextAttemptAt: null })
    expect(d).not.toHaveProperty('lastError')
    clock += 1e9
    expect((await deliverDue(store, opts())).attempted).toBe(0)
    expect(received).toHaveLength(4)
  })

  it('dead-letters after maxAttempts and stores only status and hash, never the body', async () => {
    const { watch } = await fire(['/down'])
    behaviours.set('/down', [{ status: 502, body: SECRET_BODY }])
    const o = opts({ retry: { maxAttempts: 3, baseMs: 1_000, capMs: 1_500 }, random: () => 0.999 })
    const states: string[] = []
    for (let i = 0; i < 5; i++) {
      await deliverDue(store, o)
      const d = (await deliveriesOf(watch.id))[0]!
      states.push(d.status)
      if (d.nextAttemptAt !== null) {
        // Windows 1 000, 1 500 (capped): floor(0.999 * window).
        expect(d.nextAttemptAt - clock).toBe(
          Math.floor(0.999 * Math.min(1_500, 1_000 * 2 ** (d.attempts - 1))),
        )
        clock = d.nextAttemptAt
      }
    }
    expect(states).toEqual(['pending', 'pending', 'dead', 'dead', 'dead'])
    expect(received).toHaveLength(3)
    const d = (await deliveriesOf(watch.id))[0]!
    expect(d).toMatchObject({
      status: 'dead',
      attempts: 3,
      lastStatus: 502,
      lastError: 'http',
      nextAttemptAt: null,
    })
    expect(d.lastBodyHash).toBe(createHash('sha256').update(SECRET_BODY).digest('hex').slice(0, 16))
    // The database file holds no byte of any response body.
    expect(readFileSync(dbPath).includes(Buffer.from(SECRET_BODY))).toBe(false)
    expect(
      JSON.stringify(await store.listAlerts(watch.id, 10), (_k, v) =>
        typeof v === 'bigint' ? String(v) : v,
      ),
    ).not.toContain(SECRET_BODY)
  })

  it('a redirect is a failure and is not followed', async () => {
    const { watch } = await fire(['/moved'])
    behaviours.set('/moved', [{ status: 302, headers: { location: `${base}/elsewhere` } }])
    await deliverDue(store, opts())
    expect(received.map((r) => r.path)).toEqual(['/moved'])
    expect((await deliveriesOf(watch.id))[0]).toMatchObject({
      status: 'pending',
      lastStatus: 302,
      lastError: 'redirect',
    })
  })

  it('a receiver that does not answer in time is a timeout (status 0)', async () => {
    const { watch } = await fire(['/hang'])
    behaviours.set('/hang', ['hang'])
    const t0 = Date.now()
    await deliverDue(store, opts({ timeoutMs: 300 }))
    expect(Date.now() - t0).toBeLessThan(5_000)
    const d = (await deliveriesOf(watch.id))[0]!
    expect(d).toMatchObject({ status: 'pending', attempts: 1, lastStatus: 0, lastError: 'timeout' })
    expect(d).not.toHaveProperty('lastBodyHash')
  })

  it('a connection error is a network failure (status 0)', async () => {
    const { watch } = await fire(['/x'])
    await store.updateWatch({ ...watch, webhooks: [{ url: 'http://127.0.0.1:9/hook', secret: SECRETS[0]! }] })
    await deliverDue(store, opts())
    expect((await deliveriesOf(watch.id))[0]).toMatchObject({
      status: 'pending',
      lastStatus: 0,
      lastError: 'network',
    })
  })

  it('the policy is checked again at delivery: a refused target is never contacted', async () => {
    const { watch } = await fire(['/should-not-be-hit'])
    await deliverDue(store, opts({ policy: { allowPrivate: false, requireHttps: false } }))
    expect(received).toHaveLength(0)
    expect((await deliveriesOf(watch.id))[0]).toMatchObject({
      status: 'pending',
      lastStatus: 0,
      lastError: 'refused-target',
    })
    // A public-looking name that resolves to loopback (DNS rebinding) is refused too.
    await store.updateWatch({
      ...watch,
      webhooks: [{ url: 'http://rebind.example.com/hook', secret: SECRETS[0]! }],
    })
    clock += 3_600_000
    const events: string[] = []
    await deliverDue(
      store,
      opts({
        policy: { allowPrivate: false, requireHttps: false },
        resolveHost: async () => ['93.184.215.14', '127.0.0.1'],
        onAttempt: (e) => events.push(e.result.reason ?? ''),
      }),
    )
    expect(events).toEqual([expect.stringMatching(/127\.0\.0\.1, a loopback/)])
    expect(received).toHaveLength(0)
  })

  it('sendTestDelivery sends one signed test payload per target and stores nothing', async () => {
    const { watch } = await fire(['/test-a', '/test-b'])
    behaviours.set('/test-b', [{ status: 500 }])
    const before = await store.listAlerts(watch.id, 10)
    const results = await sendTestDelivery(watch, opts())
    expect(results.map((r) => [r.targetIndex, r.ok, r.status])).toEqual([
      [0, true, 204],
      [1, false, 500],
    ])
    const bodies = received.map((r) => JSON.parse(r.body) as WebhookPayload)
    expect(bodies.every((b) => b.type === 'test' && b.id.startsWith('test_') && b.watchId === watch.id)).toBe(
      true,
    )
    for (const r of received) {
      const secret = r.path === '/test-a' ? SECRETS[0]! : SECRETS[1]!
      expect(
        await verifySignature(
          secret,
          r.headers['stacklens-signature'] as string,
          r.body,
          300,
          Math.floor(T0 / 1000),
        ),
      ).toBe(true)
    }
    expect(await store.listAlerts(watch.id, 10)).toEqual(before)
  })
})

describe('backoffDelayMs', () => {
  it('is a uniform draw over min(cap, base * 2^(n-1)) (hand-computed windows)', () => {
    const r = { baseMs: 10_000, capMs: 3_600_000, maxAttempts: 8 }
    expect([1, 2, 3, 9, 30].map((n) => backoffDelayMs(n, r, () => 0.999999))).toEqual([
      9_999, 19_999, 39_999, 2_559_997, 3_599_996,
    ])
    expect(backoffDelayMs(5, r, () => 0)).toBe(0)
  })
})

describe('verifySignature', () => {
  const secret = 'whsec-test-secret-0123456789'
  const body = '{"id":"al_1","after":1.04}'
  const t = 1_764_000_000

  it('accepts the right secret, body and time; refuses tampering, other secrets, replays and junk', async () => {
    const header = await signatureHeader(secret, t, body)
    expect(await verifySignature(secret, header, body, 300, t + 299)).toBe(true)
    expect(await verifySignature(secret, header, `${body} `, 300, t)).toBe(false)
    expect(await verifySignature('another-secret-0123456789', header, body, 300, t)).toBe(false)
    expect(await verifySignature(secret, header, body, 300, t + 301)).toBe(false)
    expect(await verifySignature(secret, header.replace(`t=${t}`, `t=${t + 1}`), body, 300, t)).toBe(false)
    expect(await verifySignature(secret, undefined, body)).toBe(false)
    expect(await verifySignature(secret, 'v1=abcd', body, 300, t)).toBe(false)
    expect(await verifySignature(secret, `t=${t},v1=zz`, body, 300, t)).toBe(false)
    // A rotated secret: a second v1 that matches is enough.
    const other = (await signatureHeader('old-secret-0123456789abcdef', t, body)).split(',')[1]
    expect(await verifySignature(secret, `${header},${other}`, body, 300, t)).toBe(true)
  })
})
