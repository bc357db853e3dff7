/**
 * Monitoring inside workerd: src/worker.ts bundled by the installed wrangler exactly as
 * `wrangler deploy` does (`--dry-run --outdir`), run by Miniflare with a real local D1 database
 * (STACKLENS_DB) and a real local Queue (STACKLENS_WATCH_QUEUE, consumed by the same Worker), the
 * devchain's anvil as chain `local`. The test invokes the scheduled handler (the Cron Trigger);
 * the consumer evaluates the watch batches with the Node tick's code. Same flow as
 * test/monitor/e2e-evaluation.test.ts: the near-liquidation wallet watched with "HF below 1.02",
 * the WETH price moved by the admin key, exactly one alert equal to getUserAccountData, re-arm.
 */
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readdirSync, rmSync } from 'node:fs'
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
import { createD1Store, type D1DatabaseLike } from '../../src/monitor/store/d1-store.js'
import type { MonitorStore, Watch } from '../../src/monitor/types.js'
import { startTestDevchain, type TestDevchain } from '../helpers/devchain.js'

const ROOT = fileURLToPath(new URL('../../', import.meta.url))

let t: TestDevchain
let mf: Miniflare
let store: MonitorStore
let out: string
let near: Address
const logs: string[] = []

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
  out = mkdtempSync(join(tmpdir(), 'stacklens-worker-monitor-'))
  const script = bundle(out)
  mf = new Miniflare({
    modules: true,
    scriptPath: script,
    modulesRoot: out,
    compatibilityDate: '2026-04-20',
    bindings: { STACKLENS_LOCAL_MANIFEST: JSON.stringify(t.manifest) },
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
/** Fires the Cron Trigger and waits until the queue consumer logs its evaluation at or after the head. */
async function cronTick(): Promise<void> {
  const head = await t.client.getBlockNumber({ cacheTime: 0 })
  const worker = await mf.getWorker()
  minute++
  const seen = logs.length
  await worker.scheduled({ cron: '* * * * *', scheduledTime: new Date(minute * 60_000) })
  const deadline = Date.now() + 30_000
  for (;;) {
    const text = logs.slice(seen).join('')
    const blocks = [...text.matchAll(/monitor: evaluated local: \d+ watches at block (\d+)/g)].map((m) =>
      BigInt(m[1]!),
    )
    if (blocks.some((b) => b >= head)) return
    if (Date.now() > deadline)
      throw new Error(`no evaluation at block ${head}; worker logs:\n${logs.join('')}`)
    await new Promise((r) => setTimeout(r, 100))
  }
}

describe('monitoring in workerd (Cron Trigger -> Queue -> consumer, D1)', () => {
  it('a price move fires exactly one alert, equal to the chain; moving back re-arms', async () => {
    const watch: Watch = {
      id: 'w_worker_near',
      keyId: 'k_worker',
      address: near.toLowerCase() as Address,
      chains: ['local'],
      // persistMove cannot hide re-arming: the margin is explicit and wide.
      rules: [{ metric: 'healthFactor', below: 1.02, rearmMargin: 0.01 }],
      webhooks: [{ url: 'http://127.0.0.1:9/hook', secret: 'worker-secret' }],
      cooldownMs: 0,
      createdAt: Date.now(),
      updatedAt: Date.now(),
    }
    await store.createKey({
      id: 'k_worker',
      hash: 'f'.repeat(64),
      maxWatches: 10,
      maxTargetsPerWatch: 2,
      createdAt: Date.now(),
    })
    await store.createWatch(watch)
    const price0 = weth().priceFeed.initialPriceUsd
    await t.isolated(async () => {
      await cronTick()
      expect(await store.listAlerts(watch.id, 10)).toEqual([])

      await setWethPrice(price0 * 0.95)
      await cronTick()
      const alerts = await store.listAlerts(watch.id, 10)
      expect(alerts.length).toBe(1)
      const alert = alerts[0]!
      const data = await t.client.readContract({
        address: t.manifest.aaveV3.pool as Address,
        abi: aavePoolAbi,
        functionName: 'getUserAccountData',
        args: [near],
        blockNumber: alert.block,
      })
      expect(alert.after).toBe(toFloat(data[5], 18))
      expect(alert.after!).toBeLessThan(1.02)
      expect(alert.deliveries.map((d) => d.targetIndex)).toEqual([0])

      await t.clients.test.mine({ blocks: 1 })
      await cronTick()
      expect((await store.listAlerts(watch.id, 10)).length).toBe(1)

      await setWethPrice(price0)
      await cronTick()
      expect((await store.getRuleStates('local', [watch.id]))[0]!.status).toBe('armed')
      await setWethPrice(price0 * 0.95)
      await cronTick()
      expect((await store.listAlerts(watch.id, 10)).length).toBe(2)
    })
  }, 300_000)
})
