/**
 * The dashboard in a real headless Chromium (Debian's `chromium`, driven by playwright-core with
 * the system executable) against the devchain served over HTTP: a demo wallet's health factors,
 * exposure and stack as shown equal the API's; a bad address shows an error banner. Saves a
 * screenshot to test-artifacts/dashboard.png (and docs/dashboard.png with
 * STACKLENS_WRITE_SCREENSHOT=1). Skips, saying why, when no Chromium is installed.
 */
import { existsSync, mkdirSync } from 'node:fs'
import type { AddressInfo } from 'node:net'
import { serve } from '@hono/node-server'
import { type Browser, chromium, type Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createApp } from '../../src/api/app.js'
import { configFromEnv } from '../../src/config.js'
import { startTestDevchain, type TestDevchain } from '../helpers/devchain.js'
import { startHyperliquidServer } from '../support/hyperliquid-server.js'

const CHROMIUM = [process.env.STACKLENS_CHROMIUM, '/usr/bin/chromium', '/usr/bin/chromium-browser'].find(
  (p): p is string => !!p && existsSync(p),
)
const NO_CHROMIUM =
  "no Chromium found (STACKLENS_CHROMIUM, /usr/bin/chromium): install Debian's `chromium` package (.ci/run does) to run the browser test"
const ROOT = new URL('../../', import.meta.url)

let t: TestDevchain
let server: ReturnType<typeof serve>
let base: string
let browser: Browser
const pageErrors: string[] = []

beforeAll(async () => {
  if (!CHROMIUM) return
  // A small borrower population keeps the test fast; the README's screenshot gets the full one.
  t = await startTestDevchain({ population: process.env.STACKLENS_WRITE_SCREENSHOT === '1' ? true : 60 })
  server = await new Promise<ReturnType<typeof serve>>((resolve, reject) => {
    const s = serve({ fetch: t.app.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(s))
    s.once('error', reject)
  })
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] })
})
afterAll(async () => {
  await browser?.close()
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()))
  await t?.devchain.stop()
})

async function newPage(): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } })
  page.on('pageerror', (e) => pageErrors.push(e.message))
  return page
}

async function api<T>(path: string): Promise<T> {
  const r = await fetch(`${base}${path}`)
  expect(r.status, path).toBe(200)
  return (await r.json()) as T
}

/** The page's formatting rules, restated: USD in whole dollars, leverage with 2 decimals. */
const usd = (x: number) =>
  `${Math.round(x) < 0 ? '-' : ''}$${Math.abs(Math.round(x)).toLocaleString('en-US')}`
const lev = (x: number) => `${x.toFixed(2)}×`

async function waitReady(page: Page, panels: string[], timeout = 60_000) {
  for (const p of panels) {
    await page.waitForSelector(`[data-testid="panel-${p}"][data-state="ready"]`, { timeout })
  }
}

interface WalletBody {
  positions: Array<{ status?: string; protocol: string; healthFactor: number | null }>
}
interface ExposureBody {
  effectiveLeverage: number
  netExposure: Array<{ riskAsset: string; usd: number }>
  stacks: Array<{ protocols: string[]; layers: string[]; compoundedLeverage: number }>
}

describe('dashboard in Chromium', () => {
  it('a demo wallet: health factors, exposure and the stack equal the API', async (ctx) => {
    if (!CHROMIUM) ctx.skip(NO_CHROMIUM)
    const stacker = t.manifest.wallets.find((w) => w.key === 'stacker')!
    const page = await newPage()
    await page.goto(`${base}/`)
    await expect(page.title()).resolves.toBe('stacklens dashboard')
    await page.click('[data-testid="demo-stacker"]')
    await page.waitForURL((u) => u.searchParams.get('address') === stacker.address)
    await waitReady(page, ['health', 'exposure', 'stack', 'positions'])

    const [wallet, exposure] = await Promise.all([
      api<WalletBody>(`/v1/wallets/${stacker.address}?chain=local`),
      api<ExposureBody>(`/v1/wallets/${stacker.address}/exposure?chain=local`),
    ])
    const ok = wallet.positions.map((p, i) => [p, i] as const).filter(([p]) => !p.status || p.status === 'ok')
    expect(ok.length).toBe(3)
    for (const [p, i] of ok) {
      const hf = page.getByTestId(`hf-${i}`)
      await expect(hf.textContent()).resolves.toBe(
        p.healthFactor === null ? 'no debt' : p.healthFactor.toFixed(4),
      )
      await expect(hf.getAttribute('data-value')).resolves.toBe(
        p.healthFactor === null ? '' : String(p.healthFactor),
      )
    }

    const effective = page.getByTestId('effective-leverage')
    await expect(effective.textContent()).resolves.toBe(lev(exposure.effectiveLeverage))
    await expect(effective.getAttribute('data-value')).resolves.toBe(String(exposure.effectiveLeverage))
    expect(exposure.netExposure.map((e) => e.riskAsset).sort()).toEqual(['ETH', 'USD'])
    for (const e of exposure.netExposure) {
      const cell = page.getByTestId(`exposure-${e.riskAsset}`)
      await expect(cell.textContent()).resolves.toBe(usd(e.usd))
      await expect(cell.getAttribute('data-value')).resolves.toBe(String(e.usd))
    }

    const stack = exposure.stacks.find((s) => s.layers.length > 1)!
    expect(stack.protocols).toEqual(['aave-v3', 'morpho-blue', 'gmx-v2'])
    const box = page.getByTestId('stack-0')
    await expect(box.getAttribute('data-protocols')).resolves.toBe(stack.protocols.join(','))
    const text = (await box.textContent()) ?? ''
    for (const p of stack.protocols) expect(text).toContain(p)
    expect(text).toContain('WETH borrowed on aave-v3')
    await expect(page.getByTestId('stack-compounded-0').textContent()).resolves.toBe(
      lev(stack.compoundedLeverage),
    )

    await waitReady(page, ['ladder', 'stress', 'montecarlo', 'cascade'], 120_000)
    expect(await page.locator('[data-state="error"]').count()).toBe(0)
    expect(await page.getByTestId('error-banner').isHidden()).toBe(true)
    expect(pageErrors).toEqual([])
    // The wallet's line on the Morpho market's cascade curve (the Aave one explains why it is absent).
    await expect(page.getByTestId('cascade-note').allTextContents()).resolves.toEqual([
      expect.stringContaining('not in the cascade'),
      expect.stringMatching(/liquidated by a -\d+\.\d% ETH move on its own, but by an initial -\d+\.\d%/),
    ])
    await page.mouse.move(0, 0)

    mkdirSync(new URL('test-artifacts/', ROOT), { recursive: true })
    await page.screenshot({ path: new URL('test-artifacts/dashboard.png', ROOT).pathname, fullPage: true })
    if (process.env.STACKLENS_WRITE_SCREENSHOT === '1') {
      mkdirSync(new URL('docs/', ROOT), { recursive: true })
      await page.screenshot({ path: new URL('docs/dashboard.png', ROOT).pathname, fullPage: true })
    }
    await page.close()
  })

  it('liquidation ratios, the two-asset surface and safe size equal the API', async (ctx) => {
    if (!CHROMIUM) ctx.skip(NO_CHROMIUM)
    const loop = t.manifest.wallets.find((w) => w.key === 'emode-looper')!
    const page = await newPage()
    await page.goto(`${base}/?address=${loop.address}&chain=local`)
    await waitReady(page, ['ratios', 'ladder'])
    const wallet = await api<{
      positions: Array<{ liquidationRatios?: Array<{ liquidationRatio: number | null }> }>
    }>(`/v1/wallets/${loop.address}?chain=local`)
    const ratio = wallet.positions[0]!.liquidationRatios![0]!.liquidationRatio!
    await expect(page.getByTestId('ratio-0-0').getAttribute('data-value')).resolves.toBe(String(ratio))
    expect(await page.getByTestId('ratio-0-0').textContent()).toContain(ratio.toFixed(6))
    // The carry loop's USD marks ("WETH >= 4,019") are replaced by the ratio: no ladder for them.
    expect(await page.getByTestId('ladder-WETH').count()).toBe(0)
    expect(await page.getByTestId('ladder-wstETH').count()).toBe(0)
    expect(await page.getByTestId('panel-ladder').textContent()).toContain('liquidated by a price ratio')

    const multi = t.manifest.wallets.find((w) => w.key === 'multi-collateral')!
    await page.goto(`${base}/?address=${multi.address}&chain=local`)
    await waitReady(page, ['surface', 'capacity'], 120_000)
    const [surface, capacity] = await Promise.all([
      api<{ minHealthFactor: (number | null)[][] }>(
        `/v1/wallets/${multi.address}/surface?chain=local&x=ETH&y=BTC&points=21&range=0.6`,
      ),
      api<{ withoutCascade: Array<{ borrow: { amount: string } | null }> }>(
        `/v1/wallets/${multi.address}/capacity?chain=local&shock=ETH:-0.3&hf=1.1`,
      ),
    ])
    expect(await page.locator('[data-testid^="surface-cell-"]').count()).toBe(21 * 21)
    for (const [r, c] of [
      [0, 0],
      [10, 10],
      [20, 3],
    ] as const) {
      const h = surface.minHealthFactor[r]![c]!
      await expect(page.getByTestId(`surface-cell-${r}-${c}`).getAttribute('data-value')).resolves.toBe(
        String(h),
      )
    }
    expect(await page.locator('[data-testid="surface-boundary"] circle').count()).toBeGreaterThan(0)
    await expect(page.getByTestId('capacity-0').getAttribute('data-value')).resolves.toBe(
      capacity.withoutCascade[0]!.borrow?.amount ?? '',
    )
    expect(await page.locator('[data-state="error"]').count()).toBe(0)
    expect(pageErrors).toEqual([])
    await page.close()
  })

  it('the chain page: the systemic curve by protocol, the price path and the totals equal the API', async (ctx) => {
    if (!CHROMIUM) ctx.skip(NO_CHROMIUM)
    const page = await newPage()
    await page.goto(`${base}/?chain=local&view=systemic`)
    await page.waitForSelector('[data-testid="systemic-page"][data-state="ready"]', { timeout: 120_000 })
    const shocks = Array.from({ length: 25 }, (_, i) => (-0.02 * (i + 1)).toFixed(2)).join(',')
    const c = await api<{
      oracles: unknown[]
      notEnumerated: unknown[]
      points: {
        initialShock: number
        path: unknown[]
        byProtocol: { protocol: string; liquidatedUsd: number; positionsLiquidated: number }[]
      }[]
    }>(`/v1/chains/local/cascade?shocks=${shocks}`)
    // One bar per protocol and shock that liquidated something, with the API's USD.
    const bars = await page
      .locator('[data-testid="systemic-curve"] rect[data-protocol]')
      .evaluateAll((rs) =>
        rs.map((r) => [
          r.getAttribute('data-protocol'),
          Number(r.getAttribute('data-shock')),
          Number(r.getAttribute('data-usd')),
        ]),
      )
    const expected = c.points.flatMap((p) =>
      p.byProtocol
        .filter((b) => b.liquidatedUsd > 0)
        .map((b) => [b.protocol, p.initialShock, b.liquidatedUsd]),
    )
    expect(bars.length).toBeGreaterThan(0)
    expect(new Set(bars.map((b) => JSON.stringify(b)))).toEqual(
      new Set(expected.map((b) => JSON.stringify(b))),
    )
    // The path of the selected shock: the DEX line and one line per oracle.
    const chosen = Number(await page.getByTestId('systemic-shock').inputValue())
    const point = c.points.find((p) => p.initialShock === chosen)!
    expect(await page.locator('[data-testid="systemic-path"] polyline').count()).toBe(1 + c.oracles.length)
    for (const b of point.byProtocol) {
      await expect(
        page.getByTestId(`systemic-protocol-${b.protocol}`).getAttribute('data-positions'),
      ).resolves.toBe(String(b.positionsLiquidated))
    }
    // Every devchain market is enumerated (the Comet, GMX and the V4 Spokes through their
    // adapters): no "not in this cascade" note, and GMX is among the protocols of the curve.
    expect(c.notEnumerated).toEqual([])
    expect(await page.getByTestId('systemic-not-enumerated').count()).toBe(0)
    expect(c.points.some((p) => p.byProtocol.some((b) => b.protocol === 'gmx-v2'))).toBe(true)
    expect(await page.getByTestId('systemic-leverage').textContent()).not.toBe('')
    expect(pageErrors).toEqual([])
    mkdirSync(new URL('test-artifacts/', ROOT), { recursive: true })
    await page.screenshot({ path: new URL('test-artifacts/systemic.png', ROOT).pathname, fullPage: true })
    await page.close()
  })

  it("the wallet page shows the wallet's line on the systemic curve", async (ctx) => {
    if (!CHROMIUM) ctx.skip(NO_CHROMIUM)
    const w = t.manifest.wallets.find((x) => x.key === 'near-liquidation')!
    const page = await newPage()
    await page.goto(`${base}/?address=${w.address}&chain=local`)
    await waitReady(page, ['systemic'], 120_000)
    const shocks = Array.from({ length: 25 }, (_, i) => (-0.02 * (i + 1)).toFixed(2)).join(',')
    const c = await api<{ wallet: { positions: { systemicShock: number; naiveShock: number }[] } }>(
      `/v1/chains/local/cascade?shocks=${shocks}&wallet=${w.address}`,
    )
    expect(c.wallet.positions.length).toBeGreaterThan(0)
    const pct1 = (x: number) => `${x > 0 ? '+' : ''}${(x * 100).toFixed(1)}%`
    for (const [i, p] of c.wallet.positions.entries()) {
      const row = (await page.getByTestId(`systemic-wallet-${i}`).textContent()) ?? ''
      expect(row).toContain(pct1(p.systemicShock))
      expect(row).toContain(pct1(p.naiveShock))
    }
    expect(
      await page
        .locator('[data-testid="panel-systemic"] [data-testid="systemic-curve"] line[stroke="var(--bad)"]')
        .count(),
    ).toBe(c.wallet.positions.length)
    await page.close()
  })

  it('a shared link opens the wallet directly', async (ctx) => {
    if (!CHROMIUM) ctx.skip(NO_CHROMIUM)
    const looper = t.manifest.wallets.find((w) => w.key === 'looper')!
    const page = await newPage()
    await page.goto(`${base}/?address=${looper.address}&chain=local`)
    await waitReady(page, ['health'])
    const wallet = await api<WalletBody>(`/v1/wallets/${looper.address}?chain=local`)
    const hf = wallet.positions[0]!.healthFactor!
    await expect(page.getByTestId('hf-0').textContent()).resolves.toBe(hf.toFixed(4))
    await expect(page.getByTestId('address-input').inputValue()).resolves.toBe(looper.address)
    await page.close()
  })

  it('a bad address shows an error banner, not a blank page', async (ctx) => {
    if (!CHROMIUM) ctx.skip(NO_CHROMIUM)
    const page = await newPage()
    await page.goto(`${base}/?address=0x1234&chain=local`)
    const banner = page.getByTestId('error-banner')
    await banner.waitFor({ state: 'visible' })
    expect(await banner.textContent()).toContain('"0x1234" is not a valid wallet address')
    // The demo wallets stay offered.
    expect(await page.getByTestId('demo-stacker').isVisible()).toBe(true)

    // An error the API reports (unknown chain) reaches the banner and the panels with its message.
    const looper = t.manifest.wallets.find((w) => w.key === 'looper')!
    await page.goto(`${base}/?address=${looper.address}&chain=nowhere`)
    await page.waitForSelector('[data-testid="panel-health"][data-state="error"]')
    expect(await banner.textContent()).toContain('UNKNOWN_CHAIN')
    expect(await page.getByTestId('error-health').textContent()).toContain('UNKNOWN_CHAIN')
    await page.close()
    expect(pageErrors).toEqual([])
  })
})

describe('carry and hedge panels in Chromium', () => {
  it('the carry panel shows the API carry; without a venue the hedge panel says how to configure one', async (ctx) => {
    if (!CHROMIUM) ctx.skip(NO_CHROMIUM)
    const stacker = t.manifest.wallets.find((w) => w.key === 'stacker')!
    const page = await newPage()
    await page.goto(`${base}/?address=${stacker.address}&chain=local`)
    await waitReady(page, ['carry', 'hedge'], 120_000)
    const body = await api<{ carry: { netCarryUsdPerYear: number; layers: { carryUsdPerYear: number }[] } }>(
      `/v1/wallets/${stacker.address}/exposure?chain=local&carry=true`,
    )
    const net = page.getByTestId('carry-net')
    await expect(net.getAttribute('data-value')).resolves.toBe(String(body.carry.netCarryUsdPerYear))
    await expect(net.textContent()).resolves.toBe(usd(body.carry.netCarryUsdPerYear))
    for (const [i, l] of body.carry.layers.entries()) {
      await expect(page.getByTestId(`carry-layer-${i}`).getAttribute('data-value')).resolves.toBe(
        String(l.carryUsdPerYear),
      )
    }
    await expect(page.getByTestId('hedge-unconfigured').textContent()).resolves.toContain(
      'STACKLENS_HYPERLIQUID_API_URL',
    )
    await page.close()
    expect(pageErrors).toEqual([])
  })

  it('with a venue (the Hyperliquid stand-in) the hedge panel shows the API legs and VaR before and after', async (ctx) => {
    if (!CHROMIUM) ctx.skip(NO_CHROMIUM)
    // A local stand-in of Hyperliquid's info API serving fixture terms (not the venue's live ones).
    const hl = await startHyperliquidServer()
    hl.scriptInfo('metaAndAssetCtxs', [
      {
        status: 200,
        body: [
          { universe: [{ name: 'ETH', szDecimals: 4, maxLeverage: 25 }], marginTables: [] },
          [{ funding: '0.0000125', markPx: '3001.5' }],
        ],
      },
    ])
    const app = createApp({ config: configFromEnv({ STACKLENS_HYPERLIQUID_API_URL: hl.url }, t.manifest) })
    const server2 = await new Promise<ReturnType<typeof serve>>((resolve, reject) => {
      const s = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(s))
      s.once('error', reject)
    })
    const base2 = `http://127.0.0.1:${(server2.address() as AddressInfo).port}`
    try {
      const stacker = t.manifest.wallets.find((w) => w.key === 'stacker')!
      const page = await newPage()
      await page.goto(`${base2}/?address=${stacker.address}&chain=local`)
      await waitReady(page, ['hedge'], 120_000)
      const r = await fetch(
        `${base2}/v1/wallets/${stacker.address}/hedge?chain=local&venue=hyperliquid&paths=1000`,
      )
      expect(r.status).toBe(200)
      const hedge = (await r.json()) as {
        legs: { asset: string; size: number }[]
        before: { monteCarlo: { var95: number } }
        after: { monteCarlo: { var95: number } }
      }
      expect(hedge.legs.map((l) => l.asset)).toEqual(['ETH'])
      await expect(page.getByTestId('hedge-leg-ETH').getAttribute('data-size')).resolves.toBe(
        String(hedge.legs[0]!.size),
      )
      await expect(page.getByTestId('hedge-var-before').getAttribute('data-value')).resolves.toBe(
        String(hedge.before.monteCarlo.var95),
      )
      await expect(page.getByTestId('hedge-var-after').getAttribute('data-value')).resolves.toBe(
        String(hedge.after.monteCarlo.var95),
      )
      await page.close()
      expect(pageErrors).toEqual([])
    } finally {
      await new Promise<void>((resolve) => server2.close(() => resolve()))
      await hl.close()
    }
  })
})
