/**
 * The Worker entry inside workerd, the real Workers runtime: wrangler's `unstable_startWorker`
 * reads wrangler.toml (entry, compatibility date, no compatibility flags), bundles src/worker.ts
 * with wrangler's esbuild as `wrangler deploy` does, and runs it in Miniflare's workerd (the
 * binary of @cloudflare/workerd-linux-64). The Worker reads the devchain's anvil on 127.0.0.1,
 * and its answers must equal the Node app's.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { unstable_startWorker } from 'wrangler'
import { startTestDevchain, type TestDevchain } from '../helpers/devchain.js'

type Worker = Awaited<ReturnType<typeof unstable_startWorker>>

const ROOT = new URL('../../', import.meta.url)
const CONFIG = new URL('wrangler.toml', ROOT).pathname

let t: TestDevchain
let looper: string
const workers: Worker[] = []
/** The Worker with the devchain manifest as its STACKLENS_LOCAL_MANIFEST variable. */
let withManifest: Worker
/** The Worker with none of the stacklens variables set. */
let bare: Worker
/** The Worker with a manifest that fails validation. */
let badManifest: Worker
/**
 * The Worker whose manifest is a JSON object var (as `[vars.STACKLENS_LOCAL_MANIFEST]` in
 * wrangler.toml gives) pointing at a dead RPC, and STACKLENS_RPC_LOCAL at the devchain.
 */
let overridden: Worker
/** The Worker with a STACKLENS_CONFIG declaring a chain on the devchain (an Aave market by provider). */
let configured: Worker
/** The Worker with a STACKLENS_CONFIG that names an unknown protocol. */
let badConfig: Worker
/** The Worker with Cloudflare's rate-limiting binding STACKLENS_RATE_LIMITER (2 requests a minute). */
let limited: Worker

/**
 * The variables the tests depend on, empty (= unset): wrangler also loads a developer's .dev.vars
 * or .env, and the bindings given here take precedence over those.
 */
const UNSET = {
  STACKLENS_LOCAL_MANIFEST: '',
  STACKLENS_RPC_LOCAL: '',
  STACKLENS_RPC_ETHEREUM: '',
  STACKLENS_CONFIG: '',
}

/** Starts the Worker of wrangler.toml in workerd with the given text variables and JSON object vars. */
async function startWorker(
  vars: Record<string, string>,
  json: Record<string, unknown> = {},
  extra: Record<string, unknown> = {},
): Promise<Worker> {
  const worker = await unstable_startWorker({
    config: CONFIG,
    bindings: {
      ...Object.fromEntries(
        Object.entries({ ...UNSET, ...vars }).map(([k, value]) => [
          k,
          { type: 'plain_text' as const, value },
        ]),
      ),
      ...Object.fromEntries(Object.entries(json).map(([k, value]) => [k, { type: 'json' as const, value }])),
      ...(extra as Record<string, never>),
    },
    sendMetrics: false,
    dev: {
      server: { hostname: '127.0.0.1', port: 0 },
      inspector: false,
      watch: false,
      persist: false,
      logLevel: 'none',
    },
  })
  workers.push(worker)
  await worker.ready
  return worker
}

beforeAll(async () => {
  t = await startTestDevchain()
  looper = t.manifest.wallets.find((w) => w.key === 'looper')!.address
  const manifest = JSON.stringify(t.manifest)
  const m = t.manifest
  // As the Node test of STACKLENS_CONFIG (test/api/config-file.test.ts): the devchain declared as a
  // chain of its own, its Aave market given by its PoolAddressesProvider (the Pool is asked for).
  const file = {
    chains: [
      {
        key: 'myfork',
        chainId: m.chainId,
        rpcUrls: [m.rpcUrl],
        multicall3: m.multicall3,
        usdPriceOracle: m.aaveV3.oracle,
      },
    ],
    markets: [
      {
        protocol: 'aave-v3',
        chain: 'myfork',
        id: 'aave-v3-myfork',
        poolAddressesProvider: m.aaveV3.poolAddressesProvider,
        uiPoolDataProvider: m.aaveV3.uiPoolDataProvider,
      },
    ],
  }
  ;[withManifest, bare, badManifest, overridden, configured, badConfig, limited] = await Promise.all([
    startWorker({ STACKLENS_LOCAL_MANIFEST: manifest }),
    startWorker({}),
    startWorker({ STACKLENS_LOCAL_MANIFEST: JSON.stringify({ ...t.manifest, chainId: 'x', wallets: [{}] }) }),
    startWorker(
      { STACKLENS_RPC_LOCAL: t.devchain.rpcUrl },
      { STACKLENS_LOCAL_MANIFEST: { ...t.manifest, rpcUrl: 'http://127.0.0.1:9/' } },
    ),
    startWorker({}, { STACKLENS_CONFIG: file }),
    startWorker({ STACKLENS_CONFIG: JSON.stringify({ markets: [{ protocol: 'euler', chain: 'myfork' }] }) }),
    startWorker(
      { STACKLENS_LOCAL_MANIFEST: manifest },
      {},
      {
        STACKLENS_RATE_LIMITER: { type: 'ratelimit', namespace_id: '1001', simple: { limit: 2, period: 60 } },
      },
    ),
  ])
  // `ready` resolves before workerd has loaded the bundle: the first request of each Worker waits
  // for that (a few seconds for all four together); take it here so startup failures show here.
  await Promise.all(workers.map((w) => w.fetch('http://stacklens.test/health')))
})

afterAll(async () => {
  await Promise.allSettled(workers.map((w) => w.dispose()))
  await t?.devchain.stop()
})

interface Answer {
  status: number
  body: Record<string, unknown>
}

async function get(worker: Worker, path: string): Promise<Answer> {
  const res = await worker.fetch(`http://stacklens.test${path}`)
  return { status: res.status, body: (await res.json()) as Record<string, unknown> }
}

function errorOf(a: Answer): { code: string; message: string } {
  return (a.body as { error: { code: string; message: string } }).error
}

describe('the Worker in workerd', () => {
  it('GET /health answers ok', async () => {
    const a = await get(withManifest, '/health')
    expect(a.status).toBe(200)
    expect(a.body).toEqual({ status: 'ok' })
  })

  it('GET / serves the dashboard with the demo wallets, identical to the Node app', async () => {
    const res = await withManifest.fetch('http://stacklens.test/')
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toContain('text/html')
    const html = await res.text()
    expect(html).toContain('data-testid="panel-stack"')
    expect(html).toContain(`data-address="${looper}"`)
    expect(html).toBe(await (await t.app.request('/')).text())
  })

  it('serves the looper from the devchain, identical to the Node app', async () => {
    const path = `/v1/wallets/${looper}?chain=local`
    const a = await get(withManifest, path)
    expect(a.status).toBe(200)
    const positions = a.body.positions as { healthFactor: number | null }[]
    const hf = positions[0]?.healthFactor
    expect(typeof hf).toBe('number')
    expect(hf).toBeGreaterThan(1)

    const onNode = await t.app.request(path)
    expect(onNode.status).toBe(200)
    const nodeBody = (await onNode.json()) as Record<string, unknown>
    expect(a.body.blockNumber).toBe(nodeBody.blockNumber)
    expect(hf).toBe((nodeBody.positions as { healthFactor: number }[])[0]!.healthFactor)
    expect(a.body).toEqual(nodeBody)
  })

  it('the risk routes answer in workerd exactly as on Node (exposure, stress, Monte Carlo, cascade)', async () => {
    for (const path of [
      `/v1/wallets/${looper}/exposure?chain=local`,
      `/v1/wallets/${looper}/stress?chain=local&shocks=ETH:-0.3`,
      `/v1/wallets/${looper}/montecarlo?chain=local&paths=500&steps=50&seed=9`,
      `/v1/markets/aave-v3-local/cascade?chain=local&shocks=-0.1,-0.3&wallet=${looper}`,
    ]) {
      const a = await get(withManifest, path)
      expect(a.status, path).toBe(200)
      const onNode = await t.app.request(path)
      expect(a.body, path).toEqual(await onNode.json())
    }
  })

  it('answers 400 INVALID_ADDRESS for a bad address', async () => {
    const a = await get(withManifest, '/v1/wallets/0x123?chain=local')
    expect(a.status).toBe(400)
    expect(errorOf(a).code).toBe('INVALID_ADDRESS')
  })

  it('answers 400 CHAIN_NOT_CONFIGURED for chain local without the manifest variable', async () => {
    const a = await get(bare, `/v1/wallets/${looper}?chain=local`)
    expect(a.status).toBe(400)
    expect(errorOf(a).code).toBe('CHAIN_NOT_CONFIGURED')
    expect((await get(bare, '/health')).status).toBe(200)
  })

  it('names the Worker secret to set for a real chain without RPC', async () => {
    const a = await get(withManifest, `/v1/wallets/${looper}?chain=ethereum`)
    expect(a.status).toBe(400)
    expect(errorOf(a).code).toBe('CHAIN_NOT_CONFIGURED')
    expect(errorOf(a).message).toContain('Worker variable or secret STACKLENS_RPC_<CHAIN>')
  })

  it('answers a clear 500 naming the variable when the manifest is invalid', async () => {
    const a = await get(badManifest, '/health')
    expect(a.status).toBe(500)
    expect(errorOf(a).message).toMatch(/STACKLENS_LOCAL_MANIFEST is not a valid devchain manifest: .*chainId/)
    expect(errorOf(a).message).not.toMatch(/\bat .+\.(ts|js):\d+/)
  })

  it('applies STACKLENS_CONFIG (a JSON object var): the declared chain reads as the devchain does', async () => {
    const block = await t.client.getBlockNumber()
    const [fork, dev] = await Promise.all([
      get(configured, `/v1/wallets/${looper}?chain=myfork&block=${block}`),
      get(withManifest, `/v1/wallets/${looper}?chain=local&block=${block}`),
    ])
    expect(fork.status).toBe(200)
    type Row = { protocol: string; market: string; status: string; healthFactor: number | null }
    const aave = (b: Record<string, unknown>) =>
      (b.positions as Row[]).filter((p) => p.protocol === 'aave-v3').map((p) => [p.status, p.healthFactor])
    expect(aave(fork.body)).toEqual(aave(dev.body))
    expect(aave(fork.body)).toHaveLength(1)
  })

  it('answers a clear 500 naming the field when STACKLENS_CONFIG is invalid', async () => {
    const a = await get(badConfig, '/health')
    expect(a.status).toBe(500)
    expect(errorOf(a).message).toMatch(/STACKLENS_CONFIG: markets\[0\]\.protocol/)
  })

  it('with the rate-limiting binding configured, the platform limits per client (429 RATE_LIMITED, Retry-After)', async () => {
    // The in-isolate bucket allows a burst of 60: a 429 within 5 requests is the binding's.
    const answers: Response[] = []
    for (let i = 0; i < 5; i++) answers.push(await limited.fetch('http://stacklens.test/v1/chains'))
    const statuses = answers.map((r) => r.status)
    expect(statuses.slice(0, 2)).toEqual([200, 200])
    const refused = answers.find((r) => r.status === 429)
    expect(refused, statuses.join(',')).toBeDefined()
    expect(refused!.headers.get('retry-after')).toMatch(/^\d+$/)
    expect(((await refused!.json()) as { error: { code: string } }).error.code).toBe('RATE_LIMITED')
    // /health is not rate-limited.
    expect((await limited.fetch('http://stacklens.test/health')).status).toBe(200)
  })

  it('takes the manifest as a JSON object var and STACKLENS_RPC_LOCAL over its rpcUrl', async () => {
    const a = await get(overridden, `/v1/wallets/${looper}?chain=local`)
    expect(a.status).toBe(200)
    const positions = a.body.positions as { healthFactor: number | null }[]
    expect(positions[0]?.healthFactor).toBeGreaterThan(1)
  })
})
