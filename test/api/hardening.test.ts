/**
 * Issue 13, the API side, row by row on one devchain: blocks above the head and before a pool's
 * deployment, the request deadline (an RPC that never answers), finite and bounded numbers,
 * prototype keys, expired options, 405 with Allow, CORS, security headers on HTML, the rate limit,
 * the heavy-route work limit and the Monte Carlo worker pool.
 */
import { Hono } from 'hono'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createApp } from '../../src/api/app.js'
import { contentSecurityPolicy } from '../../src/api/http-policy.js'
import { createTokenBucketLimiter, createWorkLimiter } from '../../src/api/limits.js'
import { configFromEnv, type StacklensConfig } from '../../src/config.js'
import { createMonteCarloPool, type MonteCarloPool } from '../../src/mc-worker-pool.js'
import { startTestDevchain, type TestDevchain } from '../helpers/devchain.js'
import { type FaultProxy, startFaultProxy } from '../support/fault-proxy.js'

let t: TestDevchain
let looper: string
let head: bigint

beforeAll(async () => {
  t = await startTestDevchain()
  looper = t.manifest.wallets.find((w) => w.key === 'looper')!.address
  head = await t.client.getBlockNumber({ cacheTime: 0 })
}, 120_000)
afterAll(async () => {
  await t?.devchain.stop()
})

type Res = {
  status: number
  headers: Headers
  body: Record<string, unknown> & { error?: { code: string; message: string } }
}

async function call(
  path: string,
  init?: RequestInit,
  app: { request: typeof t.app.request } = t.app,
): Promise<Res> {
  const res = await app.request(path, init)
  const text = await res.text()
  let body = {}
  try {
    body = JSON.parse(text)
  } catch {}
  return { status: res.status, headers: res.headers, body }
}
const post = (body: unknown, app?: { request: typeof t.app.request }) =>
  call(
    '/v1/analyze',
    { method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json' } },
    app,
  )

function expectCode(r: Res, status: number, code: string, mentions?: string | RegExp) {
  expect(r.status, JSON.stringify(r.body)).toBe(status)
  expect(r.body.error?.code).toBe(code)
  if (mentions) expect(r.body.error?.message).toMatch(mentions)
}

const withLimits = (over: Partial<NonNullable<StacklensConfig['limits']>>): StacklensConfig => {
  const config = configFromEnv({}, t.manifest)
  return { ...config, limits: { ...config.limits!, ...over } }
}

describe('block numbers', () => {
  it('a block above the head is a 400 naming the head, before any log range is built (wallet, cascade)', async () => {
    const started = performance.now()
    for (const path of [
      `/v1/wallets/${looper}?chain=local&block=1000000000000000`,
      `/v1/wallets/${looper}/stress?chain=local&block=100000000000`,
      '/v1/markets/aave-v3-local/cascade?chain=local&block=100000000000',
    ]) {
      const r = await call(path)
      expectCode(r, 400, 'BLOCK_OUT_OF_RANGE', /chain head, block \d+/)
    }
    expect(performance.now() - started).toBeLessThan(5_000)
  })

  it('block 0 answers 200 with every market unavailable and a reason (wallet, exposure, stress, montecarlo)', async () => {
    for (const view of ['', '/exposure', '/stress', '/montecarlo?paths=100&steps=1']) {
      const sep = view.includes('?') ? '&' : '?'
      const r = await call(`/v1/wallets/${looper}${view}${sep}chain=local&block=0`)
      expect(r.status, `${view}: ${JSON.stringify(r.body).slice(0, 300)}`).toBe(200)
    }
    const w = await call(`/v1/wallets/${looper}?chain=local&block=0`)
    const positions = w.body.positions as { status: string; reason?: string }[]
    expect(positions.length).toBeGreaterThan(0)
    for (const p of positions) expect(p).toMatchObject({ status: 'unavailable', reason: expect.any(String) })
  })

  it('a cascade at a block before the DEX pool exists falls back to the sqrt curve with a reason (auto), or says the depth is unavailable (pool)', async () => {
    const before = t.manifest.uniswapV3!.deployBlock - 1
    const auto = await call(`/v1/markets/aave-v3-local/cascade?chain=local&block=${before}`)
    expect(auto.status, JSON.stringify(auto.body).slice(0, 300)).toBe(200)
    expect(auto.body.depth).toMatchObject({
      source: 'sqrt',
      fallbackReason: expect.stringMatching(/pool depth unavailable/),
    })
    const pool = await call(`/v1/markets/aave-v3-local/cascade?chain=local&depth=pool&block=${before}`)
    expect(pool.status).toBe(200)
    expect(pool.body.depth).toMatchObject({ source: 'unavailable', code: 'NOT_DEPLOYED_AT_BLOCK' })
    // At the head the pool is read.
    const now = await call(`/v1/markets/aave-v3-local/cascade?chain=local&block=${head}`)
    expect(now.body.depth).toMatchObject({ source: 'uniswap-v3' })
  })
})

describe('the request deadline', () => {
  let proxy: FaultProxy
  beforeAll(async () => {
    proxy = await startFaultProxy(t.devchain.rpcUrl)
  })
  afterAll(async () => {
    await proxy?.close()
  })

  it('an RPC that never answers is a 504 UPSTREAM_TIMEOUT at the configured deadline, on every chain route', async () => {
    const config = withLimits({ deadlineMs: 400 })
    const app = createApp({
      config: { ...config, chains: { local: { ...config.chains.local!, rpcUrls: [proxy.url] } } },
    })
    proxy.setFault({ fault: { kind: 'hang' } })
    try {
      for (const path of [
        `/v1/wallets/${looper}?chain=local`,
        `/v1/wallets/${looper}/montecarlo?chain=local&paths=100`,
        '/v1/markets/aave-v3-local/cascade?chain=local',
      ]) {
        const started = performance.now()
        const r = await call(path, undefined, app)
        expectCode(r, 504, 'UPSTREAM_TIMEOUT', /400 ms/)
        expect(performance.now() - started).toBeLessThan(2_000)
      }
      const started = performance.now()
      const a = await post({ wallets: [{ address: looper, chains: ['local'] }] }, app)
      expectCode(a, 504, 'UPSTREAM_TIMEOUT')
      expect(performance.now() - started).toBeLessThan(2_000)
    } finally {
      proxy.setFault(null)
    }
  })
})

describe('numbers and keys', () => {
  const perp = {
    kind: 'perp',
    venue: 'binance',
    asset: 'ETH',
    side: 'long',
    size: 10,
    entryPrice: 3000,
    margin: 5000,
    maintenanceMarginRate: 0.005,
  }
  it.each([
    ['size', { size: 1e303 }],
    ['entryPrice', { entryPrice: 1e308 }],
    ['margin', { margin: 1e300 }],
    ['markPrice', { markPrice: 1e13 }],
  ])('a perp %s out of range is a 400 naming the field', async (field, over) => {
    const r = await post({ legs: [{ ...perp, ...over }] })
    expectCode(r, 400, 'INVALID_REQUEST', new RegExp(`legs\\.0\\.${field}: ${field} must be <`))
  })

  it('lists are capped: wallets, legs, chains of a wallet', async () => {
    expectCode(
      await post({ legs: Array.from({ length: 201 }, () => perp) }),
      400,
      'INVALID_REQUEST',
      /at most 200 legs/,
    )
    expectCode(
      await post({ wallets: Array.from({ length: 21 }, () => ({ address: looper })) }),
      400,
      'INVALID_REQUEST',
      /at most 20 wallets/,
    )
    expectCode(
      await post({ wallets: [{ address: looper, chains: Array.from({ length: 17 }, () => 'local') }] }),
      400,
      'INVALID_REQUEST',
      /at most 16 chains/,
    )
    const many = Array.from({ length: 51 }, (_, i) => `A${i}:0.5`).join(',')
    expectCode(
      await call(`/v1/wallets/${looper}/montecarlo?chain=local&vols=${many}`),
      400,
      'INVALID_REQUEST',
      /at most 50/,
    )
  })

  it.each([
    ['stress', 'shocks=__proto__:-0.5', /shocks: "__proto__"/],
    ['stress', 'shocks=constructor:-0.5', /shocks: "constructor"/],
    ['stress', 'depegs=__proto__:-0.05', /depegs: "__proto__"/],
    ['montecarlo', 'vols=__proto__:0.5&paths=100', /vols: "__PROTO__"/],
    ['montecarlo', 'vols=FOO:0.5&paths=100', /vols: "FOO"/],
    ['montecarlo', 'jumps=constructor:1:-0.1:0.1&paths=100', /jumps: "CONSTRUCTOR"/],
    ['exposure', 'betas=__proto__:1:1', /betas: "__PROTO__"/],
    ['exposure', 'betas=TOSTRING:1:1', /betas: "TOSTRING"/],
  ])('%s?%s is a 400 naming the key', async (view, query, mentions) => {
    const r = await call(`/v1/wallets/${looper}/${view}?chain=local&${query}`)
    expectCode(r, 400, 'INVALID_REQUEST', mentions)
  })
})

describe('expired options', () => {
  const put = {
    kind: 'option',
    underlying: 'ETH',
    type: 'put',
    strike: 3000,
    expiry: '2000-01-01T00:00:00Z',
    size: 5,
  }
  it('without a settlement price: 400 OPTION_EXPIRED naming the leg', async () => {
    const r = await post({ legs: [{ ...put, greeks: { delta: -0.5, gamma: 0, vega: 0 } }] })
    expectCode(r, 400, 'OPTION_EXPIRED', /legs\.0: the option expired at 2000-01-01/)
  })
  it('with a settlement price: its intrinsic value, no greeks, years 0', async () => {
    const r = await post({ legs: [{ ...put, impliedVol: 0.6, spotPrice: 2000, settlementPrice: 2500 }] })
    expect(r.status, JSON.stringify(r.body)).toBe(200)
    const [o] = r.body.options as Record<string, unknown>[]
    expect(o).toMatchObject({ source: 'expired', years: 0, valueUsd: 500 * 5, delta: 0, gamma: 0, vega: 0 })
  })
})

describe('HTTP policy', () => {
  it('a known path with a wrong method is a 405 with Allow', async () => {
    const r = await call(`/v1/wallets/${looper}`, { method: 'POST' })
    expectCode(r, 405, 'METHOD_NOT_ALLOWED')
    expect(r.headers.get('allow')).toBe('GET, HEAD, OPTIONS')
    const a = await call('/v1/analyze', { method: 'GET' })
    expectCode(a, 405, 'METHOD_NOT_ALLOWED')
    expect(a.headers.get('allow')).toBe('POST, OPTIONS')
    expectCode(await call('/health', { method: 'DELETE' }), 405, 'METHOD_NOT_ALLOWED')
    expectCode(await call('/v1/nothing-here'), 404, 'NOT_FOUND')
  })

  it('CORS: same-origin by default (no allow-origin), the configured origins allowed, preflights answered', async () => {
    const origin = { origin: 'https://evil.example' }
    const byDefault = await t.app.request('/health', { headers: origin })
    expect(byDefault.headers.get('access-control-allow-origin')).toBeNull()
    const app = createApp({ config: withLimits({ corsOrigins: ['https://dash.example'] }) })
    const ok = await app.request('/health', { headers: { origin: 'https://dash.example' } })
    expect(ok.headers.get('access-control-allow-origin')).toBe('https://dash.example')
    const other = await app.request('/health', { headers: origin })
    expect(other.headers.get('access-control-allow-origin')).toBeNull()
    const pre = await app.request(`/v1/wallets/${looper}`, {
      method: 'OPTIONS',
      headers: { origin: 'https://dash.example', 'access-control-request-method': 'GET' },
    })
    expect(pre.status).toBe(204)
    expect(pre.headers.get('access-control-allow-methods')).toContain('GET')
  })

  it('HTML pages carry a CSP allowing exactly their inline script by hash, nosniff and frame-ancestors', async () => {
    for (const path of ['/', '/docs']) {
      const res = await t.app.request(path)
      const html = await res.text()
      const csp = res.headers.get('content-security-policy')!
      expect(csp).toBe(await contentSecurityPolicy(html))
      expect(csp).toContain("frame-ancestors 'none'")
      expect(csp).not.toContain("'unsafe-inline' 'sha")
      expect(csp.split(';').find((d) => d.trim().startsWith('script-src'))).not.toContain('unsafe')
      expect(res.headers.get('x-content-type-options')).toBe('nosniff')
      expect(res.headers.get('x-frame-options')).toBe('DENY')
    }
    const home = await (await t.app.request('/')).text()
    expect(home).toContain('<script>')
    const csp = (await t.app.request('/')).headers.get('content-security-policy')!
    expect(csp).toMatch(/script-src 'self' 'sha256-[A-Za-z0-9+/=]{44}'/)
  })

  it('rate limit: a client (API key, or its address) over its bucket gets 429 RATE_LIMITED with Retry-After', async () => {
    const app = createApp({ config: withLimits({ ratePerSecond: 1, rateBurst: 3 }) })
    const headers = { 'x-api-key': 'k1' }
    for (let i = 0; i < 3; i++) expect((await app.request('/v1/chains', { headers })).status).toBe(200)
    const r = await call('/v1/chains', { headers }, app)
    expectCode(r, 429, 'RATE_LIMITED')
    expect(Number(r.headers.get('retry-after'))).toBeGreaterThanOrEqual(1)
    // Another client still passes; /health is never limited.
    expect((await app.request('/v1/chains', { headers: { 'x-api-key': 'k2' } })).status).toBe(200)
    expect((await app.request('/health', { headers })).status).toBe(200)
    const byIp = createApp({
      config: withLimits({ ratePerSecond: 1, rateBurst: 1 }),
      clientIp: () => '10.0.0.1',
    })
    expect((await byIp.request('/v1/chains')).status).toBe(200)
    expect((await byIp.request('/v1/chains')).status).toBe(429)
  })

  it('the token bucket refills at its rate', () => {
    let now = 0
    const b = createTokenBucketLimiter({ ratePerSecond: 2, burst: 2, now: () => now })
    expect([b.take('a'), b.take('a'), b.take('a')].map((v) => (v as { ok: boolean }).ok)).toEqual([
      true,
      true,
      false,
    ])
    now = 500
    expect((b.take('a') as { ok: boolean }).ok).toBe(true)
    expect((b.take('a') as { ok: boolean }).ok).toBe(false)
  })
})

describe('work limits', () => {
  it('the limiter runs `concurrency` at once, queues `queue`, refuses the rest with 429 BUSY and Retry-After', async () => {
    const work = createWorkLimiter({ concurrency: 2, queue: 1, queueMs: 5_000 })
    let running = 0
    let peak = 0
    const app = new Hono()
    app.use('/heavy', work.middleware)
    app.get('/heavy', async (c) => {
      running++
      peak = Math.max(peak, running)
      await new Promise((r) => setTimeout(r, 100))
      running--
      return c.json({ ok: true })
    })
    const answers = await Promise.all(Array.from({ length: 5 }, () => app.request('/heavy')))
    const statuses = answers.map((r) => r.status).sort()
    expect(statuses).toEqual([200, 200, 200, 429, 429])
    expect(peak).toBe(2)
    const refused = answers.find((r) => r.status === 429)!
    expect(refused.headers.get('retry-after')).toBe('1')
    expect(((await refused.json()) as { error: { code: string } }).error.code).toBe('BUSY')
    expect(work.running).toBe(0)
    // A waiter that no slot frees in time is refused too.
    const slow = createWorkLimiter({ concurrency: 1, queue: 5, queueMs: 30 })
    const app2 = new Hono()
    app2.use('*', slow.middleware)
    app2.get('/', async (c) => {
      await new Promise((r) => setTimeout(r, 150))
      return c.text('ok')
    })
    const [a, b] = await Promise.all([app2.request('/'), app2.request('/')])
    expect([a.status, b.status].sort()).toEqual([200, 429])
  })

  it('the heavy routes are behind the limiter: a full queue is a 429 BUSY from Monte Carlo', async () => {
    const app = createApp({ config: withLimits({ heavyConcurrency: 1, heavyQueue: 0 }) })
    const path = `/v1/wallets/${looper}/montecarlo?chain=local&paths=20000&steps=200`
    const [a, b] = await Promise.all([call(path, undefined, app), call(path, undefined, app)])
    expect([a.status, b.status].sort()).toEqual([200, 429])
    expect([a, b].find((r) => r.status === 429)!.body.error?.code).toBe('BUSY')
  })

  describe('Monte Carlo in the worker pool', () => {
    let pool: MonteCarloPool
    beforeAll(() => {
      pool = createMonteCarloPool({ size: 1 })
    })
    afterAll(async () => {
      await pool?.close()
    })
    it('answers exactly what the inline run answers, and keeps the event loop free meanwhile', async () => {
      const app = createApp({ config: configFromEnv({}, t.manifest), runMonteCarlo: pool.run })
      const path = `/v1/wallets/${looper}/montecarlo?chain=local&paths=50000&steps=500&seed=7&block=${head}`
      const inline = await call(path)
      let ticks = 0
      const timer = setInterval(() => ticks++, 5)
      const pooled = await call(path, undefined, app)
      clearInterval(timer)
      expect(pooled.status).toBe(200)
      expect(pooled.body).toEqual(inline.body)
      expect(ticks).toBeGreaterThan(3)
    })
  })
})
