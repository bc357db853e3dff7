/**
 * Monitoring end to end on the devchain (real Aave v3 bytecode) with the REAL SQLite store (a temp
 * file, src/monitor/store/) and webhook delivery (src/monitor/delivery/) to a local HTTP receiver
 * (loopback allowed by the test's target policy, as STACKLENS_WEBHOOK_ALLOW_PRIVATE=1 does):
 * the near-liquidation demo wallet (HF about 1.04) watched with "HF below 1.02"; the WETH price
 * moved with the manifest's admin key; the alert arrives signed (HMAC-SHA256, verified with the
 * documented verifySignature) within two ticks, exactly once; moving back re-arms; a receiver
 * that fails 3 times then succeeds gets exactly one successful delivery; a restart (new scheduler,
 * the store reopened on the same file) between firing and delivery loses and duplicates nothing.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Address } from 'viem'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { aavePoolAbi } from '../../abis/aave-pool.js'
import { createStacklens } from '../../src/app.js'
import { configFromEnv } from '../../src/config.js'
import { toFloat } from '../../src/core/math.js'
import { settablePriceFeedAbi } from '../../src/devchain/contracts/SettablePriceFeed.artifact.js'
import { send } from '../../src/devchain/tx.js'
import { deliverDue } from '../../src/monitor/delivery/deliver.js'
import {
  IDEMPOTENCY_HEADER,
  SIGNATURE_HEADER,
  verifySignature,
} from '../../src/monitor/delivery/signature.js'
import { startMonitorScheduler } from '../../src/monitor/scheduler.js'
import { openSqliteStore } from '../../src/monitor/store/sqlite-store.js'
import { createMonitorCache, type MonitorTickContext, runTick } from '../../src/monitor/tick.js'
import type { MonitorStore, Watch } from '../../src/monitor/types.js'
import { startTestDevchain, type TestDevchain } from '../helpers/devchain.js'

let t: TestDevchain
let near: Address
let dir: string
let receiver: Server
let hookUrl: string
/** Requests the receiver got, in order. */
const received: { headers: Record<string, string | string[] | undefined>; body: string; answered: number }[] =
  []
/** How many of the next requests the receiver answers 503. */
let failNext = 0

const SECRET = 'e2e-secret-0123456789'

beforeAll(async () => {
  t = await startTestDevchain()
  near = t.manifest.wallets.find((w) => w.key === 'near-liquidation')!.address as Address
  dir = mkdtempSync(join(tmpdir(), 'stacklens-e2e-delivery-'))
  receiver = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      const status = failNext > 0 ? 503 : 200
      if (failNext > 0) failNext--
      received.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8'), answered: status })
      res.writeHead(status, { 'content-type': 'text/plain' }).end(status === 200 ? 'ok' : 'down')
    })
  })
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r))
  hookUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`
}, 600_000)
afterAll(async () => {
  await new Promise<void>((r) => receiver?.close(() => r()))
  await t?.devchain.stop()
  if (dir) rmSync(dir, { recursive: true, force: true })
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

let watchSeq = 0
async function addWatch(store: MonitorStore): Promise<Watch> {
  const now = Date.now()
  if (!(await store.findKeyByHash('a'.repeat(64)))) {
    await store.createKey({
      id: 'k_e2e',
      hash: 'a'.repeat(64),
      maxWatches: 10,
      maxTargetsPerWatch: 2,
      createdAt: now,
    })
  }
  const watch: Watch = {
    id: `w_e2e${++watchSeq}`,
    keyId: 'k_e2e',
    address: near.toLowerCase() as Address,
    chains: ['local'],
    rules: [{ metric: 'healthFactor', below: 1.02, rearmMargin: 0.01 }],
    webhooks: [{ url: hookUrl, secret: SECRET }],
    cooldownMs: 0,
    createdAt: now,
    updatedAt: now,
  }
  await store.createWatch(watch)
  return watch
}

/** The tick context over `store`, delivering with the test policy (loopback allowed, fast retries). */
function contextOf(store: MonitorStore, deliver = true): MonitorTickContext {
  const { sources } = createStacklens({ config: configFromEnv({}, t.manifest) })
  return {
    store,
    sources,
    cache: createMonitorCache(),
    ...(deliver
      ? {
          deliver: (now: number) =>
            deliverDue(store, {
              policy: { allowPrivate: true, requireHttps: false },
              resolveHost: null,
              publicBaseUrl: 'http://127.0.0.1:8787',
              now: () => now,
              // Backoff of at most 1 ms x 2^n: the retries are due at the next tick.
              retry: { baseMs: 1, capMs: 5, maxAttempts: 8 },
            }),
        }
      : {}),
  }
}

/** Waits until `ms` have passed (so a retry whose backoff is a few ms is due). */
const pause = (ms: number) => new Promise((r) => setTimeout(r, ms))

describe('monitoring end to end with SQLite and webhooks', () => {
  it('the alert arrives signed within two ticks, exactly once; moving back re-arms', async () => {
    received.length = 0
    const store = await openSqliteStore(join(dir, 'a.db'))
    try {
      const watch = await addWatch(store)
      const ctx = contextOf(store)
      const price0 = weth().priceFeed.initialPriceUsd
      await t.isolated(async () => {
        await runTick(ctx)
        expect(received).toEqual([])
        await setWethPrice(price0 * 0.95)
        // Within two ticks (here the first: evaluation then delivery in the same tick).
        for (let i = 0; i < 2 && received.length === 0; i++) await runTick(ctx)
        expect(received.length).toBe(1)
        const [hit] = received
        const payload = JSON.parse(hit!.body)
        expect(
          await verifySignature(SECRET, hit!.headers[SIGNATURE_HEADER.toLowerCase()] as string, hit!.body),
        ).toBe(true)
        expect(
          await verifySignature('wrong', hit!.headers[SIGNATURE_HEADER.toLowerCase()] as string, hit!.body),
        ).toBe(false)
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
          watchId: watch.id,
          chain: 'local',
          address: near.toLowerCase(),
          after: toFloat(data[5], 18),
          rule: { metric: 'healthFactor', below: 1.02 },
          dashboardUrl: `http://127.0.0.1:8787/?address=${near.toLowerCase()}&chain=local`,
        })
        expect(payload.before).toBeGreaterThan(1.02)
        // Exactly once: more ticks, more blocks, no second request.
        await t.clients.test.mine({ blocks: 1 })
        await runTick(ctx)
        await runTick(ctx)
        expect(received.length).toBe(1)
        const [stored] = await store.listAlerts(watch.id, 10)
        expect(stored!.deliveries.map((d) => [d.status, d.attempts, d.lastStatus])).toEqual([
          ['delivered', 1, 200],
        ])
        // Back up re-arms; down again: a second alert, delivered once.
        await setWethPrice(price0)
        await runTick(ctx)
        await setWethPrice(price0 * 0.95)
        await runTick(ctx)
        expect(received.length).toBe(2)
        expect(JSON.parse(received[1]!.body).id).not.toBe(payload.id)
      })
    } finally {
      await store.close()
    }
  }, 300_000)

  it('a receiver that fails 3 times then succeeds gets exactly one successful delivery', async () => {
    received.length = 0
    const store = await openSqliteStore(join(dir, 'b.db'))
    try {
      const watch = await addWatch(store)
      const ctx = contextOf(store)
      await t.isolated(async () => {
        await runTick(ctx)
        failNext = 3
        await setWethPrice(weth().priceFeed.initialPriceUsd * 0.95)
        for (let i = 0; i < 10 && !received.some((r) => r.answered === 200); i++) {
          await runTick(ctx)
          await pause(20)
        }
        expect(received.map((r) => r.answered)).toEqual([503, 503, 503, 200])
        expect(new Set(received.map((r) => r.headers[IDEMPOTENCY_HEADER.toLowerCase()])).size).toBe(1)
        await pause(20)
        await runTick(ctx)
        expect(received.length).toBe(4)
        const [alert] = await store.listAlerts(watch.id, 10)
        expect(alert!.deliveries.map((d) => [d.status, d.attempts, d.lastStatus])).toEqual([
          ['delivered', 4, 200],
        ])
      })
    } finally {
      failNext = 0
      await store.close()
    }
  }, 300_000)

  it('a restart between firing and delivery loses and duplicates nothing', async () => {
    received.length = 0
    const path = join(dir, 'c.db')
    let store = await openSqliteStore(path)
    const watch = await addWatch(store)
    await t.isolated(async () => {
      // The first process fires but stops before delivering (no deliverer: it "crashed" there).
      const first = contextOf(store, false)
      await runTick(first)
      await setWethPrice(weth().priceFeed.initialPriceUsd * 0.95)
      const fired = await runTick(first)
      expect(fired.alerts).toBe(1)
      expect(received).toEqual([])
      await store.close()

      // A new process: the store reopened on the same file, a new scheduler and a cold cache.
      store = await openSqliteStore(path)
      const [pending] = await store.listAlerts(watch.id, 10)
      expect(pending!.deliveries.map((d) => d.status)).toEqual(['pending'])
      const second = contextOf(store)
      const ticks: number[] = []
      const scheduler = startMonitorScheduler({
        schedule: { intervalMs: 20 },
        tick: () => runTick(second),
        onTick: (s) => ticks.push(s.alerts),
      })
      for (let i = 0; i < 100 && (received.length === 0 || ticks.length < 3); i++) await pause(20)
      await scheduler.stop()
      expect(received.length).toBe(1)
      expect(JSON.parse(received[0]!.body).id).toBe(pending!.id)
      // The rule stayed fired across the restart: the new process fired nothing again.
      expect(ticks.every((n) => n === 0)).toBe(true)
      const alerts = await store.listAlerts(watch.id, 10)
      expect(alerts.map((a) => a.deliveries.map((d) => d.status))).toEqual([['delivered']])
    })
    await store.close()
  }, 300_000)
})
