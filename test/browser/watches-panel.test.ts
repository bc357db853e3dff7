/**
 * The dashboard's watches panel (src/api/dashboard/watches.ts) and history panel in a real
 * headless Chromium (Debian's `chromium` through playwright-core) against the devchain served
 * over HTTP, with the monitoring routes on the REAL SQLite store (a temp file) and a local webhook
 * receiver (loopback allowed by the test's target policy, as STACKLENS_WEBHOOK_ALLOW_PRIVATE=1
 * does). A key is created in the store; the close-to-liquidation demo wallet is opened; the key is
 * entered; a bad webhook shows the API's 400; a watch is created through the panel's rule editor
 * and is what the API stores; the panel's "Send test" reaches the receiver signed; the WETH price is
 * moved with the manifest's admin key and one monitor tick (src/monitor/tick.ts) fires the alert,
 * which the panel lists with its delivery; delete empties the list. The history panel shows the
 * API's closest approach. On a server without monitoring the panel says so. Saves
 * test-artifacts/watches-panel.png. Skips, saying why, when no
 * Chromium is installed.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { serve } from '@hono/node-server'
import { type Browser, chromium, type Page } from 'playwright-core'
import type { Address } from 'viem'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createApp } from '../../src/api/app.js'
import { createStacklens } from '../../src/app.js'
import { configFromEnv } from '../../src/config.js'
import { settablePriceFeedAbi } from '../../src/devchain/contracts/SettablePriceFeed.artifact.js'
import { send } from '../../src/devchain/tx.js'
import { deliverDue } from '../../src/monitor/delivery/deliver.js'
import { SIGNATURE_HEADER, verifySignature } from '../../src/monitor/delivery/signature.js'
import { createApiKey } from '../../src/monitor/keys.js'
import { openSqliteStore } from '../../src/monitor/store/sqlite-store.js'
import { createMonitorCache, runTick } from '../../src/monitor/tick.js'
import type { MonitorStore } from '../../src/monitor/types.js'
import { startTestDevchain, type TestDevchain } from '../helpers/devchain.js'

const CHROMIUM = [process.env.STACKLENS_CHROMIUM, '/usr/bin/chromium', '/usr/bin/chromium-browser'].find(
  (p): p is string => !!p && existsSync(p),
)
const NO_CHROMIUM =
  "no Chromium found (STACKLENS_CHROMIUM, /usr/bin/chromium): install Debian's `chromium` package (.ci/run does) to run the browser test"
const POLICY = { allowPrivate: true, requireHttps: false }
const SECRET = 'browser-test-secret-0123456789'

let t: TestDevchain
let dir: string
let store: MonitorStore
let key: string
let server: ReturnType<typeof serve>
let base: string
let browser: Browser
let receiver: Server
let hookUrl: string
let near: string
const received: { headers: Record<string, string | string[] | undefined>; body: string }[] = []
const pageErrors: string[] = []

beforeAll(async () => {
  if (!CHROMIUM) return
  t = await startTestDevchain()
  near = t.manifest.wallets.find((w) => w.key === 'near-liquidation')!.address
  dir = mkdtempSync(join(tmpdir(), 'stacklens-browser-watches-'))
  store = await openSqliteStore(join(dir, 'stacklens.db'))
  key = (await createApiKey(store, { label: 'browser test' })).key
  receiver = createServer((req, res) => {
    let body = ''
    req.on('data', (c) => {
      body += c
    })
    req.on('end', () => {
      received.push({ headers: req.headers, body })
      res.writeHead(200).end('ok')
    })
  })
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r))
  hookUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`
  const app = createApp({ config: configFromEnv({}, t.manifest), monitor: { store, policy: POLICY } })
  server = await new Promise<ReturnType<typeof serve>>((resolve, reject) => {
    const s = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(s))
    s.once('error', reject)
  })
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] })
}, 180_000)
afterAll(async () => {
  await browser?.close()
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()))
  receiver?.closeAllConnections()
  await new Promise<void>((resolve) => (receiver ? receiver.close(() => resolve()) : resolve()))
  await store?.close()
  await t?.devchain.stop()
  if (dir) rmSync(dir, { recursive: true, force: true })
})

async function api<T>(path: string, auth = false): Promise<T> {
  const r = await fetch(`${base}${path}`, auth ? { headers: { authorization: `Bearer ${key}` } } : {})
  expect(r.status, path).toBe(200)
  return (await r.json()) as T
}

async function nearPage(): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } })
  page.on('pageerror', (e) => pageErrors.push(e.message))
  await page.goto(`${base}/?address=${near}&chain=local`)
  return page
}

interface History {
  closestApproach: { blockNumber: number; healthFactor: number } | null
  points: { positions: { id: string; healthFactor: number | null }[] }[]
}

describe('history panel in Chromium', () => {
  it("draws one line per position with debt and marks the API's closest approach", async (ctx) => {
    if (!CHROMIUM) return ctx.skip(NO_CHROMIUM)
    const page = await nearPage()
    await page.waitForSelector('[data-testid="panel-history"][data-state="ready"]', { timeout: 60_000 })
    const h = await api<History>(`/v1/wallets/${near}/history?chain=local&points=24`)
    const withDebt = new Set(
      h.points.flatMap((p) => p.positions.filter((x) => x.healthFactor !== null).map((x) => x.id)),
    )
    expect(withDebt.size).toBeGreaterThan(0)
    expect(await page.locator('[data-testid^="history-line-"]').count()).toBe(withDebt.size)
    expect(h.closestApproach).not.toBeNull()
    const mark = page.getByTestId('history-closest')
    await expect(mark.getAttribute('data-value')).resolves.toBe(String(h.closestApproach!.healthFactor))
    await expect(mark.getAttribute('data-block')).resolves.toBe(String(h.closestApproach!.blockNumber))
    await expect(page.getByTestId('history-summary').textContent()).resolves.toContain(
      `Closest approach: HF ${h.closestApproach!.healthFactor.toFixed(4)}`,
    )
    await page.close()
  }, 120_000)
})

interface WatchJson {
  id: string
  address: string
  chains: string[]
  rules: unknown[]
  webhooks: { url: string }[]
}
interface AlertsJson {
  alerts: { id: string; block: string; message: string; deliveries: { status: string }[] }[]
}

describe('watches panel in Chromium', () => {
  it('creates a watch of the wallet in view, lists it, tests it, shows its alert, deletes it', async (ctx) => {
    if (!CHROMIUM) return ctx.skip(NO_CHROMIUM)
    const page = await nearPage()
    page.on('dialog', (d) => void d.accept())
    await page.waitForSelector('[data-testid="panel-watches"][data-state="ready"]', { timeout: 60_000 })
    const list = page.getByTestId('watches-list')
    await expect(list.textContent()).resolves.toContain('Enter an API key')

    await page.fill('[data-testid="watches-key"]', key)
    await page.click('[data-testid="watches-key-save"]')
    await page.waitForSelector('[data-testid="watches-list"][data-state="ready"]')
    await expect(list.textContent()).resolves.toContain('No watches for this key yet.')
    expect(await page.evaluate("localStorage.getItem('stacklens.apiKey')")).toBe(key)

    // Rule editor: health factor below 1.02 (re-arm 0.01), plus a liquidation-distance rule.
    await page.fill('[data-testid="watch-rule-value-0"]', '1.02')
    await page.fill('[data-testid="watch-rule-rearm-0"]', '0.01')
    await page.click('[data-testid="watch-rule-add"]')
    await page.selectOption('[data-testid="watch-rule-metric-1"]', 'liquidationDistance')
    await page.fill('[data-testid="watch-rule-value-1"]', '0.01')

    // Bad input: a webhook that is not a URL is the API's 400, shown with its code; nothing stored.
    await page.fill('[data-testid="watch-webhook"]', 'not a url')
    await page.fill('[data-testid="watch-secret"]', SECRET)
    await page.click('[data-testid="watch-create"]')
    await page.waitForSelector('[data-testid="watches-error"]:not([hidden])')
    await expect(page.getByTestId('watches-error').textContent()).resolves.toMatch(
      /^INVALID_REQUEST: webhook\.url: /,
    )
    expect((await api<{ watches: WatchJson[] }>('/v1/watches', true)).watches).toEqual([])

    await page.fill('[data-testid="watch-webhook"]', hookUrl)
    await page.click('[data-testid="watch-create"]')
    // Locator waits, not waitForFunction: the page's CSP (script-src with a hash) forbids eval.
    await page
      .getByTestId('watches-status')
      .filter({ hasText: /^Watching / })
      .waitFor()
    const [watch] = (await api<{ watches: WatchJson[] }>('/v1/watches', true)).watches
    expect(watch).toMatchObject({
      address: near.toLowerCase(),
      chains: ['local'],
      rules: [
        { metric: 'healthFactor', below: 1.02, rearmMargin: 0.01 },
        { metric: 'liquidationDistance', below: 0.01 },
      ],
      webhooks: [{ url: hookUrl }],
    })
    await expect(page.getByTestId('watches-status').textContent()).resolves.toBe(
      `Watching ${near.toLowerCase()} on local as ${watch!.id}.`,
    )
    await expect(page.getByTestId('watches-error').isHidden()).resolves.toBe(true)
    const box = page.getByTestId(`watch-${watch!.id}`)
    await box.waitFor()
    await expect(box.getAttribute('data-address')).resolves.toBe(near.toLowerCase())
    await expect(page.getByTestId(`watch-rules-${watch!.id}`).textContent()).resolves.toContain(
      'health factor below 1.02 (re-arm 0.01) · distance to liquidation below 0.01',
    )
    await page.waitForSelector(`[data-testid="watch-alerts-${watch!.id}"][data-count="0"]`)

    // The panel's test delivery: signed, type "test", reported per target.
    received.length = 0
    await page.click(`[data-testid="watch-test-${watch!.id}"]`)
    await page
      .getByTestId(`watch-test-result-${watch!.id}`)
      .filter({ hasText: /^target 0: delivered \(HTTP 200\)$/ })
      .waitFor()
    expect(received).toHaveLength(1)
    expect(JSON.parse(received[0]!.body).type).toBe('test')
    const sig = received[0]!.headers[SIGNATURE_HEADER.toLowerCase()] as string
    await expect(verifySignature(SECRET, sig, received[0]!.body)).resolves.toBe(true)

    // A real alert: WETH -5% by the manifest's admin key, one monitor tick over the same store.
    await t.isolated(async () => {
      const weth = t.manifest.tokens.find((x) => x.symbol === 'WETH')!
      await send(t.clients, {
        from: t.manifest.admin.address as Address,
        address: weth.priceFeed.address as Address,
        abi: settablePriceFeedAbi,
        functionName: 'setAnswer',
        args: [BigInt(Math.round(weth.priceFeed.initialPriceUsd * 0.95 * 1e8))],
      })
      const { sources } = createStacklens({ config: configFromEnv({}, t.manifest) })
      received.length = 0
      await runTick({
        store,
        sources,
        cache: createMonitorCache(),
        deliver: (now) =>
          deliverDue(store, { policy: POLICY, resolveHost: null, publicBaseUrl: base, now: () => now }),
      })
    })
    // Both rules cross at -5 % (HF about 1.04 -> below 1; the liquidation price is above the price):
    // one alert each, each delivered once, signed.
    expect(received).toHaveLength(2)
    const payloads = received.map(
      (r) =>
        JSON.parse(r.body) as {
          id: string
          type: string
          watchId: string
          ruleIndex: number
          rule: { metric: string }
        },
    )
    expect(payloads.map((p) => [p.type, p.watchId, p.ruleIndex, p.rule.metric]).sort()).toEqual([
      ['alert', watch!.id, 0, 'healthFactor'],
      ['alert', watch!.id, 1, 'liquidationDistance'],
    ])
    for (const r of received)
      await expect(
        verifySignature(SECRET, r.headers[SIGNATURE_HEADER.toLowerCase()] as string, r.body),
      ).resolves.toBe(true)
    const { alerts } = await api<AlertsJson>(`/v1/watches/${watch!.id}/alerts`, true)
    expect(alerts.map((a) => a.id).sort()).toEqual(payloads.map((p) => p.id).sort())

    await page.click('[data-testid="watches-refresh"]')
    await page.waitForSelector(`[data-testid="watch-alerts-${watch!.id}"][data-count="2"]`)
    for (const a of alerts) {
      const row = page.getByTestId(`alert-${a.id}`)
      await expect(row.getAttribute('data-status')).resolves.toBe('delivered')
      const text = (await row.textContent()) ?? ''
      expect(text).toContain(a.message)
      expect(text).toContain(a.block)
      expect(text).toContain('delivered (HTTP 200) after 1 attempt')
    }
    mkdirSync(new URL('../../test-artifacts/', import.meta.url), { recursive: true })
    await page
      .getByTestId('panel-watches')
      .screenshot({ path: new URL('../../test-artifacts/watches-panel.png', import.meta.url).pathname })

    await page.click(`[data-testid="watch-delete-${watch!.id}"]`)
    await list.filter({ hasText: /^No watches for this key yet\.$/ }).waitFor()
    expect((await api<{ watches: WatchJson[] }>('/v1/watches', true)).watches).toEqual([])
    expect(pageErrors).toEqual([])
    await page.close()
  }, 180_000)

  it('on a server without monitoring the panel says so (GET /v1/watches is a 404 there)', async (ctx) => {
    if (!CHROMIUM) return ctx.skip(NO_CHROMIUM)
    // The helper's app: the same devchain, no monitoring store (the routes are not mounted).
    const bare = await new Promise<ReturnType<typeof serve>>((resolve, reject) => {
      const s = serve({ fetch: t.app.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(s))
      s.once('error', reject)
    })
    try {
      const url = `http://127.0.0.1:${(bare.address() as AddressInfo).port}`
      expect((await fetch(`${url}/v1/watches`, { headers: { authorization: `Bearer ${key}` } })).status).toBe(
        404,
      )
      const page = await browser.newPage()
      page.on('pageerror', (e) => pageErrors.push(e.message))
      await page.goto(`${url}/?address=${near}&chain=local`)
      await page.waitForSelector('[data-testid="panel-watches"][data-state="ready"]', { timeout: 60_000 })
      await page.fill('[data-testid="watches-key"]', key)
      await page.click('[data-testid="watches-key-save"]')
      await page.waitForSelector('[data-testid="watches-list"][data-state="error"]')
      await expect(page.getByTestId('watches-list').textContent()).resolves.toBe(
        'Monitoring is not enabled on this server (no /v1/watches).',
      )
      expect(pageErrors).toEqual([])
      await page.close()
    } finally {
      await new Promise<void>((r) => bare.close(() => r()))
    }
  }, 120_000)
})
