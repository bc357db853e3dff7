/**
 * Monitoring inside workerd: src/worker.ts bundled by the installed wrangler exactly as
 * `wrangler deploy` does (`--dry-run --outdir`), run by Miniflare with a real local D1 database
 * (STACKLENS_DB) and a real local Queue (STACKLENS_WATCH_QUEUE, consumed by the same Worker), the
 * devchain's anvil as chain `local`. The watch is created through the WORKER's HTTP API
 * (`POST /v1/watches` with a Bearer key; the key itself is inserted into D1 as the admin would,
 * there is no HTTP route for keys), the test invokes the scheduled handler (the Cron Trigger), the
 * consumer evaluates the watch batches with the Node tick's code and delivers. Same flow and
 * assertions as test/monitor/e2e-delivery.test.ts: the near-liquidation wallet watched with
 * "HF below 1.02", the WETH price moved by the admin key, the alert arrives at a local receiver
 * (loopback allowed by STACKLENS_WEBHOOK_ALLOW_PRIVATE=1) signed (verifySignature), its value
 * equal to getUserAccountData at the alert's block, exactly once; moving back re-arms and a second
 * alert arrives once.
 */
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Readable } from 'node:stream'
import { fileURLToPath } from 'node:url'
import { Miniflare } from 'miniflare'
import type { Address } from 'viem'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { aavePoolAbi } from '../../abis/aave-pool.js'
import { toFloat } from '../../src/core/math.js'
import { settablePriceFeedAbi } from '../../src/devchain/contracts/SettablePriceFeed.artifact.js'
import { send } from '../../src/devchain/tx.js'
import {
  IDEMPOTENCY_HEADER,
  SIGNATURE_HEADER,
  verifySignature,
} from '../../src/monitor/delivery/signature.js'
import { createApiKey } from '../../src/monitor/keys.js'
import { createD1Store, type D1DatabaseLike } from '../../src/monitor/store/d1-store.js'
import type { MonitorStore } from '../../src/monitor/types.js'
import { startTestDevchain, type TestDevchain } from '../helpers/devchain.js'

const ROOT = fileURLToPath(new URL('../../', import.meta.url))

let t: TestDevchain
let mf: Miniflare
let store: MonitorStore
let out: string
let near: Address
let receiver: Server
let hookUrl: string
const logs: string[] = []
/** Requests the receiver got, in order. */
const received: { headers: Record<string, string | string[] | undefined>; body: string }[] = []
const SECRET = 'worker-e2e-secret-0123456789'
const PUBLIC_URL = 'https://stacklens.example'

/** Bundles src/worker.ts as `wrangler deploy` would, into `dir`; the bundle's file name. */
function bundle(dir: string): string {
  execFileSync(
    process.execPath,
    [join(ROOT, 'node_modules', 'wrangler', 'bin', 'wrangler.js'), 'deploy', '--dry-run', '--outdir', dir],
    { cwd: ROOT, encoding: 'utf8', env: { ...process.env, WRANGLER_SEND_METRICS: 'false' } },
  )
  const js = readdirSync(dir).find((f) => f.endsWith('.js'))
  if (!js) throw new Error(`no bundle in ${dir}`)
  return join(dir, js)
}

beforeAll(async () => {
  t = await startTestDevchain()
  near = t.manifest.wallets.find((w) => w.key === 'near-liquidation')!.address as Address
  receiver = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      received.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8') })
      res.writeHead(200, { 'content-type': 'text/plain' }).end('ok')
    })
  })
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r))
  hookUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`
  out = mkdtempSync(join(tmpdir(), 'stacklens-worker-monitor-'))
  const script = bundle(out)
  mf = new Miniflare({
    modules: true,
    scriptPath: script,
    modulesRoot: out,
    compatibilityDate: '2026-04-20',
    bindings: {
      STACKLENS_LOCAL_MANIFEST: JSON.stringify(t.manifest),
      STACKLENS_WEBHOOK_ALLOW_PRIVATE: '1',
      STACKLENS_PUBLIC_URL: PUBLIC_URL,
    },
    d1Databases: ['STACKLENS_DB'],
    queueProducers: { STACKLENS_WATCH_QUEUE: 'stacklens-watches' },
    queueConsumers: { 'stacklens-watches': { maxBatchSize: 10, maxBatchTimeout: 1, maxRetries: 2 } },
    handleRuntimeStdio: (stdout: Readable, stderr: Readable) => {
      stdout.on('data', (d: Buffer) => logs.push(d.toString()))
      stderr.on('data', (d: Buffer) => logs.push(d.toString()))
    },
  })
  await mf.ready
  store = createD1Store((await mf.getD1Database('STACKLENS_DB')) as unknown as D1DatabaseLike)
  await store.migrate()
}, 600_000)

afterAll(async () => {
  await mf?.dispose()
  await new Promise<void>((r) => (receiver ? receiver.close(() => r()) : r()))
  await t?.devchain.stop()
  if (out) rmSync(out, { recursive: true, force: true })
})

const weth = () => t.manifest.tokens.find((x) => x.symbol === 'WETH')!

async function setWethPrice(usd: number) {
  await send(t.clients, {
    from: t.manifest.admin.address as Address,
    address: weth().priceFeed.address as Address,
    abi: settablePriceFeedAbi,
    functionName: 'setAnswer',
    args: [BigInt(Math.round(usd * 1e8))],
  })
}

let minute = 29_000_000
/**
 * Fires the Cron Trigger and waits until the queue consumer has evaluated at or after the head
 * block and then run its delivery (it logs both).
 */
async function cronTick(): Promise<void> {
  const head = await t.client.getBlockNumber({ cacheTime: 0 })
  const worker = await mf.getWorker()
  minute++
  const seen = logs.length
  await worker.scheduled({ cron: '* * * * *', scheduledTime: new Date(minute * 60_000) })
  const deadline = Date.now() + 30_000
  for (;;) {
    const text = logs.slice(seen).join('')
    const at = [...text.matchAll(/monitor: evaluated local: \d+ watches at block (\d+)/g)].find(
      (m) => BigInt(m[1]!) >= head,
    )
    if (at && text.slice(at.index).includes('monitor: deliveries attempted')) return
    if (Date.now() > deadline)
      throw new Error(`no evaluation and delivery at block ${head}; worker logs:\n${logs.join('')}`)
    await new Promise((r) => setTimeout(r, 100))
  }
}

/** A request to the Worker's HTTP API; the JSON answer. */
async function api(method: string, path: string, key: string | null, body?: unknown) {
  const headers: Record<string, string> = { 'content-type': 'application/json' }
  if (key) headers.authorization = `Bearer ${key}`
  const res = await mf.dispatchFetch(`http://stacklens.test${path}`, {
    method,
    headers,
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  })
  const text = await res.text()
  // biome-ignore lint/suspicious/noExplicitAny: response JSON, checked by the assertions.
  return { status: res.status, json: (text ? JSON.parse(text) : null) as any }
}

describe('monitoring in workerd (HTTP watches API, Cron Trigger -> Queue -> consumer, D1, webhooks)', () => {
  it('serves the watches API over D1: 401 without a key, 400 naming a bad field, create, list, read', async () => {
    const { key } = await createApiKey(store, { label: 'worker-api' })
    expect((await api('GET', '/v1/watches', null)).status).toBe(401)
    const bad = await api('POST', '/v1/watches', key, {
      address: '0x1234',
      chain: 'local',
      rules: [{ metric: 'healthFactor', below: 1.05 }],
      webhook: { url: hookUrl, secret: SECRET },
    })
    expect(bad.status).toBe(400)
    expect(bad.json.error.message).toMatch(/address/)
    const created = await api('POST', '/v1/watches', key, {
      address: near,
      chain: 'local',
      rules: [{ metric: 'effectiveLeverage', above: 1000 }],
      webhook: { url: hookUrl, secret: SECRET },
    })
    expect(created.status).toBe(201)
    expect(created.json.webhooks).toEqual([{ url: hookUrl }])
    expect((await api('GET', '/v1/watches', key)).json.watches.map((w: { id: string }) => w.id)).toEqual([
      created.json.id,
    ])
    expect((await api('GET', `/v1/watches/${created.json.id}`, key)).json.address).toBe(near.toLowerCase())
    expect((await api('DELETE', `/v1/watches/${created.json.id}`, key)).status).toBe(204)
    expect((await api('GET', `/v1/watches/${created.json.id}`, key)).status).toBe(404)
  }, 120_000)

  it('a price move: the alert arrives signed, exactly once, equal to the chain; moving back re-arms', async () => {
    const { key } = await createApiKey(store, { label: 'worker-e2e' })
    const created = await api('POST', '/v1/watches', key, {
      address: near,
      chain: 'local',
      // persistMove cannot hide re-arming: the margin is explicit and wide.
      rules: [{ metric: 'healthFactor', below: 1.02, rearmMargin: 0.01 }],
      webhook: { url: hookUrl, secret: SECRET },
      cooldownSeconds: 0,
    })
    expect(created.status).toBe(201)
    const id: string = created.json.id
    const price0 = weth().priceFeed.initialPriceUsd
    received.length = 0
    await t.isolated(async () => {
      await cronTick()
      expect((await api('GET', `/v1/watches/${id}/alerts`, key)).json.alerts).toEqual([])
      expect(received).toEqual([])

      await setWethPrice(price0 * 0.95)
      // Within two ticks (here the first: evaluation then delivery in the same consumer batch).
      for (let i = 0; i < 2 && received.length === 0; i++) await cronTick()
      expect(received.length).toBe(1)
      const [hit] = received
      const payload = JSON.parse(hit!.body)
      const signature = hit!.headers[SIGNATURE_HEADER.toLowerCase()] as string
      expect(await verifySignature(SECRET, signature, hit!.body)).toBe(true)
      expect(await verifySignature('wrong', signature, hit!.body)).toBe(false)
      expect(hit!.headers[IDEMPOTENCY_HEADER.toLowerCase()]).toBe(payload.id)
      const data = await t.client.readContract({
        address: t.manifest.aaveV3.pool as Address,
        abi: aavePoolAbi,
        functionName: 'getUserAccountData',
        args: [near],
        blockNumber: BigInt(payload.block),
      })
      expect(payload).toMatchObject({
        type: 'alert',
        watchId: id,
        chain: 'local',
        address: near.toLowerCase(),
        after: toFloat(data[5], 18),
        rule: { metric: 'healthFactor', below: 1.02 },
        dashboardUrl: `${PUBLIC_URL}/?address=${near.toLowerCase()}&chain=local`,
      })
      expect(payload.before).toBeGreaterThan(1.02)
      expect(payload.after).toBeLessThan(1.02)

      // Exactly once: more blocks, more ticks, no second request.
      await t.clients.test.mine({ blocks: 1 })
      await cronTick()
      await cronTick()
      expect(received.length).toBe(1)
      const alerts = (await api('GET', `/v1/watches/${id}/alerts`, key)).json.alerts
      expect(alerts.length).toBe(1)
      expect(alerts[0].id).toBe(payload.id)
      expect(alerts[0].block).toBe(payload.block)
      expect(
        alerts[0].deliveries.map((d: { status: string; attempts: number; lastStatus: number }) => [
          d.status,
          d.attempts,
          d.lastStatus,
        ]),
      ).toEqual([['delivered', 1, 200]])

      // Back up re-arms; down again: a second alert, delivered once.
      await setWethPrice(price0)
      await cronTick()
      expect((await store.getRuleStates('local', [id]))[0]!.status).toBe('armed')
      await setWethPrice(price0 * 0.95)
      await cronTick()
      expect(received.length).toBe(2)
      const second = JSON.parse(received[1]!.body)
      expect(second.id).not.toBe(payload.id)
      expect(
        await verifySignature(
          SECRET,
          received[1]!.headers[SIGNATURE_HEADER.toLowerCase()] as string,
          received[1]!.body,
        ),
      ).toBe(true)
      expect((await api('GET', `/v1/watches/${id}/alerts`, key)).json.alerts.length).toBe(2)
    })
  }, 300_000)
})
