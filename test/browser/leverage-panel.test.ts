/**
 * The leverage panel fragment (src/api/dashboard/leverage.ts) in a real headless Chromium against
 * the devchain served over HTTP: the page registers `window.stacklensLeveragePanel`, the hook the
 * chain page calls with its slot; called here on a node of the page, it draws the metrics and the
 * histogram of `GET /v1/chains/local/leverage`, equal to the API's numbers. Skips, saying why,
 * when no Chromium is installed.
 */
import { existsSync } from 'node:fs'
import type { AddressInfo } from 'node:net'
import { serve } from '@hono/node-server'
import { type Browser, chromium } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startTestDevchain, type TestDevchain } from '../helpers/devchain.js'

const CHROMIUM = [process.env.STACKLENS_CHROMIUM, '/usr/bin/chromium', '/usr/bin/chromium-browser'].find(
  (p): p is string => !!p && existsSync(p),
)

let t: TestDevchain
let server: ReturnType<typeof serve>
let base: string
let browser: Browser

beforeAll(async () => {
  if (!CHROMIUM) return
  t = await startTestDevchain({ population: 60 })
  server = await new Promise<ReturnType<typeof serve>>((resolve, reject) => {
    const s = serve({ fetch: t.app.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(s))
    s.once('error', reject)
  })
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] })
}, 180_000)
afterAll(async () => {
  await browser?.close()
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()))
  await t?.devchain.stop()
})

/** The page's USD format, restated: whole dollars with thousands separators. */
const usd = (x: number) =>
  `${Math.round(x) < 0 ? '-' : ''}$${Math.abs(Math.round(x)).toLocaleString('en-US')}`

interface Leverage {
  blockNumber: number
  metrics: {
    totals: { collateralUsd: number; debtUsd: number }
    liquidationLevels: { riskAsset: string; bins: { onFallUsd: number; onRiseUsd: number }[] }[]
  }
}

describe('the leverage panel hook', () => {
  it('draws the chain metrics and histogram equal to the API', async (ctx) => {
    if (!CHROMIUM) return ctx.skip()
    const errors: string[] = []
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } })
    page.on('pageerror', (e) => errors.push(e.message))
    await page.goto(`${base}/`)
    // Page-side code as strings: this file is compiled without the DOM library.
    expect(await page.evaluate('typeof window.stacklensLeveragePanel')).toBe('function')
    await page.evaluate(
      "(() => { const node = document.createElement('div'); node.id = 'lev-slot'; document.body.appendChild(node); window.stacklensLeveragePanel('local', node) })()",
    )
    await page.waitForSelector('#lev-slot[data-state="ready"]', { timeout: 60_000 })
    const api = (await (await fetch(`${base}/v1/chains/local/leverage`)).json()) as Leverage
    const debt = await page.textContent('[data-testid="leverage-metrics"] tr[data-metric="debt"] td.num')
    const collateral = await page.textContent(
      '[data-testid="leverage-metrics"] tr[data-metric="collateral"] td.num',
    )
    expect(debt).toBe(usd(api.metrics.totals.debtUsd))
    expect(collateral).toBe(usd(api.metrics.totals.collateralUsd))
    const eth = api.metrics.liquidationLevels.find((h) => h.riskAsset === 'ETH')!
    const drawn = await page.$$eval('[data-testid="leverage-histogram-ETH"] rect[data-usd]', (rects) =>
      rects.reduce((a, r) => a + Number(r.getAttribute('data-usd')), 0),
    )
    const expected = eth.bins.reduce((a, b) => a + b.onFallUsd + b.onRiseUsd, 0)
    expect(expected).toBeGreaterThan(0)
    expect(drawn).toBeCloseTo(expected, 6)
    expect(errors).toEqual([])
    await page.close()
  })
})
