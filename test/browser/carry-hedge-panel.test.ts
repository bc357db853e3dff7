/**
 * The carry and hedge panels (src/api/dashboard/carry.ts) in a real headless Chromium against the
 * REAL GMX v2.2 Reader: an app over the replayed gmx-synthetics a5c0c883 recording
 * (test/support/gmx-replay.ts: a replay transport standing in for a node, the recording's tickers
 * of block 436 standing in for GMX's oracle service), served over HTTP. The devchain's GMX is
 * GmxReaderDouble, a test double whose rates are set by the devchain (test/api/hedge.test.ts and
 * carry.test.ts use it); the real Reader's are what this page is checked on. The page is unpinned: the replay's latest block is 436 (B2, fully recorded).
 *
 * Checked against the API's own answers (same server, same block): the carry panel shows each GMX
 * perp leg's funding and borrowing APY apart, "paid" or "received" by sign (alice's ETH long pays
 * both; her ETH short receives funding and pays no borrowing); the hedge panel's venue selector
 * offers Hyperliquid (not configured here: the panel says so) and GMX on the wallet's chain, and
 * with GMX (any market, then the ETH market only) draws the API's legs, liquidation prices,
 * funding, borrowing, fees and the market's min-collateral rule; a market that is not one keeps
 * the selector and shows the API's 400. Saves test-artifacts/carry-gmx.png and hedge-gmx.png. Skips, saying why, without Chromium or the recording.
 */
import { existsSync, mkdirSync } from 'node:fs'
import type { AddressInfo } from 'node:net'
import { serve } from '@hono/node-server'
import { type Browser, chromium, type Page } from 'playwright-core'
import { getAddress } from 'viem'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createApp } from '../../src/api/app.js'
import { createGmxV2Adapter } from '../../src/protocols/gmx-v2/read.js'
import { createReportSources } from '../../src/report/report-sources.js'
import { gmxReplayChain, gmxReplayConfig, gmxTickersFetch, loadGmxRecording } from '../support/gmx-replay.js'
import { replayClient } from '../support/replay.js'

const CHROMIUM = [process.env.STACKLENS_CHROMIUM, '/usr/bin/chromium', '/usr/bin/chromium-browser'].find(
  (p): p is string => !!p && existsSync(p),
)
const rec = loadGmxRecording()
const SKIP = !CHROMIUM
  ? "no Chromium found (STACKLENS_CHROMIUM, /usr/bin/chromium): install Debian's `chromium` package (.ci/run does)"
  : !rec
    ? 'the GMX recording (../shared/protocols/gmx-synthetics) is absent'
    : null
/** The replay's latest block, B2: every call of the wallet and its markets is recorded there. */
const B2 = 436

let server: ReturnType<typeof serve>
let base: string
let browser: Browser
const pageErrors: string[] = []

beforeAll(async () => {
  if (SKIP) return
  const chain = gmxReplayChain(gmxReplayConfig(rec!))
  const { client } = replayClient(rec!)
  const config = { chains: { local: chain }, localManifest: null, hyperliquid: null }
  const sources = createReportSources({
    config,
    clientFor: () => client,
    adapters: [createGmxV2Adapter({ fetchFn: gmxTickersFetch(rec!, B2) })],
  })
  const app = createApp({ config, sources })
  server = await new Promise<ReturnType<typeof serve>>((resolve, reject) => {
    const s = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(s))
    s.once('error', reject)
  })
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  browser = await chromium.launch({ executablePath: CHROMIUM!, args: ['--no-sandbox'] })
}, 120_000)
afterAll(async () => {
  await browser?.close()
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()))
})

async function api<T>(path: string): Promise<T> {
  const r = await fetch(`${base}${path}`)
  expect(r.status, path).toBe(200)
  return (await r.json()) as T
}
/** The page's USD format, restated: whole dollars with thousands separators. */
const usd = (x: number) =>
  `${Math.round(x) < 0 ? '-' : ''}$${Math.abs(Math.round(x)).toLocaleString('en-US')}`
/** The page's split format, restated: |APY| in % with 2 decimals, "received" (+) or "paid" (-). */
const split = (apy: number) =>
  `${(Math.abs(apy) * 100).toFixed(2)}%${apy > 0 ? ' received' : apy < 0 ? ' paid' : ''}`

async function open(): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } })
  page.on('pageerror', (e) => pageErrors.push(e.message))
  await page.goto(`${base}/?address=${rec!.users.alice}&chain=local`)
  return page
}
const ready = (page: Page, name: string, extra = '') =>
  page.waitForSelector(`[data-testid="panel-${name}"][data-state="ready"]${extra}`, { timeout: 90_000 })

interface Carry {
  carry: {
    layers: {
      legs: {
        side: string
        components?: { name: string; apy: number; usdPerYear: number }[]
      }[]
    }[]
  }
}
interface Hedge {
  venue: string
  legs: { asset: string; size: number }[]
  plan: {
    carryUsdPerYear: number
    legs: {
      leg: { asset: string; size: number }
      liquidationPrice: number | null
      fundingUsdPerYear: number
      borrowingUsdPerYear: number
      roundTripFeeUsd: number
      gmx: {
        rule: { market: string }
        thresholdUsd: number
        collateralUsd: number
        liquidationPriceWorstImpact: number | null
      } | null
    }[]
  }
  before: { monteCarlo: { var95: number } }
  after: { monteCarlo: { var95: number } }
}

describe.skipIf(SKIP !== null)('carry and hedge panels on the replayed GMX v2.2 Reader', () => {
  it('the carry panel shows each GMX perp leg funding and borrowing apart, signed as the API', async () => {
    const page = await open()
    await ready(page, 'carry')
    const body = await api<Carry>(`/v1/wallets/${rec!.users.alice}/exposure?chain=local&carry=true`)
    let perps = 0
    const sides: string[] = []
    for (const [i, l] of body.carry.layers.entries()) {
      for (const [j, x] of l.legs.entries()) {
        if (x.side !== 'long' && x.side !== 'short') continue
        perps += 1
        const f = x.components!.find((c) => c.name === 'funding')!
        const b = x.components!.find((c) => c.name === 'borrowing')!
        const row = page.getByTestId(`carry-perp-${i}-${j}`)
        await expect(row.getAttribute('data-funding-apy')).resolves.toBe(String(f.apy))
        await expect(row.getAttribute('data-borrowing-apy')).resolves.toBe(String(b.apy))
        await expect(page.getByTestId(`carry-funding-${i}-${j}`).textContent()).resolves.toBe(split(f.apy))
        await expect(page.getByTestId(`carry-borrowing-${i}-${j}`).textContent()).resolves.toBe(split(b.apy))
        sides.push(`${x.side}:${f.apy > 0 ? 'receives' : 'pays'}:${b.apy < 0 ? 'pays' : 'none'}`)
      }
    }
    // Alice's three GMX positions (recording at B2): the longs pay funding and borrowing, the short
    // receives funding and, on the smaller side, pays no borrowing.
    expect(perps).toBe(3)
    expect(sides.sort()).toEqual(['long:pays:pays', 'long:pays:pays', 'short:receives:none'])
    await page.close()
    expect(pageErrors).toEqual([])
  })

  it('the hedge panel: Hyperliquid unconfigured, then GMX (any market, one market) as the API; a bad market keeps the selector', async () => {
    const page = await open()
    await ready(page, 'hedge')
    // Default venue: Hyperliquid, not configured on this server.
    await expect(page.getByTestId('hedge-unconfigured').textContent()).resolves.toContain(
      'STACKLENS_HYPERLIQUID_API_URL',
    )
    const options = await page.$$eval('[data-testid="hedge-venue"] option', (os) =>
      os.map((o) => (o as unknown as { value: string }).value),
    )
    expect(options).toEqual(['hyperliquid', 'gmx:local'])
    await expect(page.getByTestId('hedge-market').isDisabled()).resolves.toBe(true)

    const check = async (venue: string) => {
      const h = await api<Hedge>(
        `/v1/wallets/${rec!.users.alice}/hedge?chain=local&venue=${encodeURIComponent(venue)}&paths=1000`,
      )
      expect(h.venue).toBe(venue)
      expect(h.legs.length).toBeGreaterThan(0)
      for (const p of h.plan.legs) {
        const row = page.getByTestId(`hedge-leg-${p.leg.asset}`)
        await expect(row.getAttribute('data-size')).resolves.toBe(String(p.leg.size))
        await expect(row.getAttribute('data-liq')).resolves.toBe(String(p.liquidationPrice))
        await expect(row.getAttribute('data-funding')).resolves.toBe(String(p.fundingUsdPerYear))
        await expect(row.getAttribute('data-borrowing')).resolves.toBe(String(p.borrowingUsdPerYear))
        await expect(row.getAttribute('data-fees')).resolves.toBe(String(p.roundTripFeeUsd))
        const g = page.getByTestId(`hedge-gmx-${p.leg.asset}`)
        await expect(g.getAttribute('data-threshold')).resolves.toBe(String(p.gmx!.thresholdUsd))
        await expect(g.getAttribute('data-collateral')).resolves.toBe(String(p.gmx!.collateralUsd))
        await expect(g.getAttribute('data-liq-worst')).resolves.toBe(
          String(p.gmx!.liquidationPriceWorstImpact),
        )
        await expect(g.textContent()).resolves.toContain(p.gmx!.rule.market.slice(0, 8))
      }
      await expect(page.getByTestId('hedge-carry').getAttribute('data-value')).resolves.toBe(
        String(h.plan.carryUsdPerYear),
      )
      await expect(page.getByTestId('hedge-carry').textContent()).resolves.toBe(usd(h.plan.carryUsdPerYear))
      // The same seed on the same server: the page's Monte Carlo is the API's.
      await expect(page.getByTestId('hedge-var-before').getAttribute('data-value')).resolves.toBe(
        String(h.before.monteCarlo.var95),
      )
      await expect(page.getByTestId('hedge-var-after').getAttribute('data-value')).resolves.toBe(
        String(h.after.monteCarlo.var95),
      )
      return h
    }

    await page.selectOption('[data-testid="hedge-venue"]', 'gmx:local')
    await expect(page.getByTestId('hedge-market').isDisabled()).resolves.toBe(false)
    await page.click('[data-testid="hedge-go"]')
    await ready(page, 'hedge', '[data-venue="gmx:local"]')
    const any = await check('gmx:local')
    expect(any.legs.map((l) => l.asset).sort()).toEqual(['BTC', 'ETH'])

    const eth = getAddress(rec!.markets.ETH!.marketToken)
    await page.fill('[data-testid="hedge-market"]', eth)
    await page.click('[data-testid="hedge-go"]')
    await ready(page, 'hedge', `[data-venue="gmx:local:${eth}"]`)
    const one = await check(`gmx:local:${eth}`)
    expect(one.legs.map((l) => l.asset)).toEqual(['ETH'])
    expect(one.plan.legs[0]!.gmx!.rule.market).toBe(eth)
    mkdirSync(new URL('../../test-artifacts/', import.meta.url), { recursive: true })
    for (const name of ['carry', 'hedge'])
      await page
        .locator(`[data-testid="panel-${name}"]`)
        .screenshot({ path: new URL(`../../test-artifacts/${name}-gmx.png`, import.meta.url).pathname })
    // BTC has no leg on the ETH market: the panel says it is not hedged.
    await expect(page.getByTestId('hedge-unhedged-BTC').textContent()).resolves.toContain('BTC')

    await page.fill('[data-testid="hedge-market"]', '0x1234')
    await page.click('[data-testid="hedge-go"]')
    await page.waitForSelector('[data-testid="panel-hedge"][data-state="error"]', { timeout: 30_000 })
    await expect(page.getByTestId('error-hedge').textContent()).resolves.toContain('is not a hedge venue')
    await expect(page.getByTestId('hedge-venue').inputValue()).resolves.toBe('gmx:local')
    await page.close()
    expect(pageErrors).toEqual([])
  })
})
