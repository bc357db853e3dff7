/**
 * Every route through `app.request()`: happy paths on the devchain, each bad input with its 4xx,
 * and upstream faults (RPC down: 503; RPC answering errors: 502).
 */
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createApp } from '../../src/api/app.js'
import {
  AnalyzeResponseSchema,
  CascadeResponseSchema,
  ChainsSchema,
  ExposureResponseSchema,
  HealthSchema,
  MonteCarloResponseSchema,
  StressResponseSchema,
  WalletReportSchema,
} from '../../src/api/schemas.js'
import { configFromEnv, localChainRuntime } from '../../src/config.js'
import { freePort } from '../../src/devchain/anvil.js'
import { startTestDevchain, type TestDevchain } from '../helpers/devchain.js'

let t: TestDevchain
let looper: string

beforeAll(async () => {
  t = await startTestDevchain()
  looper = t.manifest.wallets.find((w) => w.key === 'looper')!.address
})
afterAll(async () => {
  await t?.devchain.stop()
})

async function get(path: string, app = t.app) {
  const res = await app.request(path)
  const text = await res.text()
  return { status: res.status, text, json: () => JSON.parse(text) as Record<string, unknown> }
}

function expectError(
  r: { status: number; json: () => Record<string, unknown> },
  status: number,
  code: string,
) {
  expect(r.status).toBe(status)
  const body = r.json() as { error: { code: string; message: string } }
  expect(body.error.code).toBe(code)
  expect(body.error.message.length).toBeGreaterThan(10)
  expect(JSON.stringify(body)).not.toMatch(/\bat .+\.ts:\d+/)
}

describe('GET /health', () => {
  it('answers ok', async () => {
    const r = await get('/health')
    expect(r.status).toBe(200)
    expect(r.json()).toEqual({ status: 'ok' })
  })
})

describe('GET /v1/wallets/{address}', () => {
  it('serves the looper with the DESIGN.md contract', async () => {
    const r = await get(`/v1/wallets/${looper}?chain=local`)
    expect(r.status).toBe(200)
    const body = r.json() as {
      address: string
      chain: string
      blockNumber: number
      positions: Record<string, unknown>[]
      summary: Record<string, unknown>
    }
    expect(body.address).toBe(looper)
    expect(body.chain).toBe('local')
    expect(body.blockNumber).toBeGreaterThan(0)
    const p = body.positions.find((x) => x.protocol === 'aave-v3') as {
      protocol: string
      market: string
      kind: string
      healthFactor: number
      collateralUsd: number
      debtUsd: number
      legs: {
        asset: { symbol: string; address: string; decimals: number }
        side: string
        amount: string
        usd: number
      }[]
      liquidationPrices: { asset: string; symbol: string; price: number | null }[]
    }
    expect(p.protocol).toBe('aave-v3')
    expect(p.market).toBe('aave-v3-local')
    expect(p.kind).toBe('lending')
    expect(p.healthFactor).toBeGreaterThan(1)
    // 3 loops at 70% from 10 WETH: 10 * (1 + 0.7 + 0.49 + 0.343) = 25.33 WETH; debt 45,990 USDC.
    const weth = p.legs.find((l) => l.asset.symbol === 'WETH')!
    expect(weth.side).toBe('collateral')
    expect(weth.amount).toMatch(/^\d+$/)
    expect(BigInt(weth.amount)).toBeGreaterThanOrEqual(25_330_000_000_000_000_000n)
    expect(p.legs.find((l) => l.side === 'debt')!.asset.symbol).toBe('USDC')
    expect(p.liquidationPrices.find((l) => l.symbol === 'WETH')!.price).toBeLessThan(3000)
    // The looper is also on Morpho Blue, Compound v3 and GMX v2: the summary covers every position.
    const all = body.positions as unknown as {
      protocol: string
      healthFactor: number | null
      collateralUsd: number
      debtUsd: number
    }[]
    expect(all.map((x) => x.protocol).sort()).toEqual(['aave-v3', 'compound-v3', 'gmx-v2', 'morpho-blue'])
    const hfs = all.map((x) => x.healthFactor).filter((x): x is number => x !== null)
    expect(body.summary).toMatchObject({ minHealthFactor: Math.min(...hfs), positions: 4, unavailable: 0 })
    const net = all.reduce((acc, x) => acc + x.collateralUsd - x.debtUsd, 0)
    expect(body.summary.netWorthUsd).toBeCloseTo(net, 6)
  })

  it('accepts an all-lowercase address and answers with the checksummed one', async () => {
    const r = await get(`/v1/wallets/${looper.toLowerCase()}?chain=local`)
    expect(r.status).toBe(200)
    expect(r.json().address).toBe(looper)
  })

  it('a wallet with nothing gets an empty report, not an error', async () => {
    const r = await get('/v1/wallets/0x000000000000000000000000000000000000dEaD?chain=local')
    expect(r.status).toBe(200)
    expect(r.json()).toMatchObject({ positions: [], summary: { positions: 0, minHealthFactor: null } })
  })

  it('without chain it scans every configured chain', async () => {
    const r = await get(`/v1/wallets/${looper}`)
    expect(r.status).toBe(200)
    const body = r.json() as { chains: { chain: string }[]; positions: unknown[] }
    expect(body.chains.map((c) => c.chain)).toEqual(['local'])
    expect(body.positions).toHaveLength(4)
  })

  it('scans several configured chains concurrently and merges their positions (each with its own pinned block)', async () => {
    // A second chain key served by the same devchain: the report must carry both chains' blocks.
    const local = localChainRuntime(t.manifest)
    const twin = {
      ...local,
      key: 'base' as const,
      aaveMarkets: local.aaveMarkets.map((m) => ({ ...m, chain: 'base' as const })),
      comets: local.comets.map((c) => ({ ...c, chain: 'base' as const })),
      gmxV2: local.gmxV2.map((g) => ({ ...g, chain: 'base' as const })),
      morphoBlue: local.morphoBlue ? { ...local.morphoBlue, chain: 'base' as const } : null,
    }
    const app = createApp({ config: { chains: { local, base: twin }, localManifest: t.manifest } })
    const r = await get(`/v1/wallets/${looper}`, app)
    expect(r.status).toBe(200)
    const body = r.json() as {
      chain: string | null
      blockNumber: number | null
      chains: { chain: string; blockNumber: number }[]
      positions: { chain: string; protocol: string }[]
    }
    expect(body.chain).toBeNull()
    expect(body.blockNumber).toBeNull()
    expect(body.chains.map((c) => c.chain).sort()).toEqual(['base', 'local'])
    expect(body.positions.filter((p) => p.chain === 'local')).toHaveLength(4)
    expect(body.positions.filter((p) => p.chain === 'base')).toHaveLength(4)
  })

  const bad: [string, string, number, string][] = [
    ['a short address', '/v1/wallets/0x123?chain=local', 400, 'INVALID_ADDRESS'],
    [
      'a non-hex address',
      '/v1/wallets/0xZZ0000000000000000000000000000000000000000?chain=local',
      400,
      'INVALID_ADDRESS',
    ],
    ['a name instead of an address', '/v1/wallets/vitalik.eth?chain=local', 400, 'INVALID_ADDRESS'],
    [
      'a checksum typo',
      '/v1/wallets/0x90F79bf6EB2c4f870365E785982E1f101E93B906?chain=local',
      400,
      'INVALID_ADDRESS',
    ],
    [
      'an unknown chain',
      `/v1/wallets/0x000000000000000000000000000000000000dEaD?chain=solana`,
      400,
      'UNKNOWN_CHAIN',
    ],
    [
      'a chain without RPC',
      `/v1/wallets/0x000000000000000000000000000000000000dEaD?chain=ethereum`,
      400,
      'CHAIN_NOT_CONFIGURED',
    ],
    [
      'a negative block',
      `/v1/wallets/0x000000000000000000000000000000000000dEaD?chain=local&block=-1`,
      400,
      'INVALID_BLOCK',
    ],
    [
      'a hex block',
      `/v1/wallets/0x000000000000000000000000000000000000dEaD?chain=local&block=0x10`,
      400,
      'INVALID_BLOCK',
    ],
    [
      'a fractional block',
      `/v1/wallets/0x000000000000000000000000000000000000dEaD?chain=local&block=1.5`,
      400,
      'INVALID_BLOCK',
    ],
    [
      'a block beyond 2^53',
      `/v1/wallets/0x000000000000000000000000000000000000dEaD?chain=local&block=99999999999999999`,
      400,
      'INVALID_BLOCK',
    ],
    [
      'a block above the head',
      `/v1/wallets/0x000000000000000000000000000000000000dEaD?chain=local&block=99999999`,
      400,
      'BLOCK_OUT_OF_RANGE',
    ],
    [
      'a block without a chain',
      `/v1/wallets/0x000000000000000000000000000000000000dEaD?block=1`,
      400,
      'INVALID_REQUEST',
    ],
  ]
  for (const [what, path, status, code] of bad) {
    it(`rejects ${what} with ${status} ${code}`, async () => {
      expectError(await get(path), status, code)
    })
  }

  it('reports a market that is not deployed at the requested block as unavailable, not as empty', async () => {
    const r = await get(`/v1/wallets/${looper}?chain=local&block=2`)
    expect(r.status).toBe(200)
    const body = r.json() as {
      positions: { protocol: string; status: string; code: string; reason: string }[]
      summary: { unavailable: number }
    }
    // Aave, the Comet and the GMX Reader are configured but not deployed yet; Morpho's discovery
    // finds nothing.
    // Two Aave markets on the devchain since issue 12 (v3.0 and real v3.6): both unavailable there.
    expect(body.positions.map((x) => x.protocol).sort()).toEqual([
      'aave-v3',
      'aave-v3',
      'compound-v3',
      'gmx-v2',
    ])
    for (const row of body.positions)
      expect(row).toMatchObject({ status: 'unavailable', code: 'PROTOCOL_READ_FAILED' })
    expect(body.positions.find((x) => x.protocol === 'aave-v3')!.reason).toMatch(/no contract/)
    expect(body.summary.unavailable).toBe(4)
  })

  it('marks a market whose data provider answers in no known layout as unavailable (layout mismatch)', async () => {
    const chain = localChainRuntime(t.manifest)
    // The v3.0 UiPoolDataProvider asked about a provider that is not Aave's: it reverts; and a
    // "data provider" that is in fact the Pool answers nothing decodable.
    chain.aaveMarkets = [
      { ...chain.aaveMarkets[0]!, id: 'broken', uiPoolDataProvider: chain.aaveMarkets[0]!.pool },
    ]
    const app = createApp({ config: { chains: { local: chain }, localManifest: t.manifest } })
    const r = await get(`/v1/wallets/${looper}?chain=local`, app)
    expect(r.status).toBe(200)
    const row = (r.json() as { positions: { status: string; code: string }[] }).positions[0]!
    expect(row.status).toBe('unavailable')
    expect(['PROTOCOL_READ_FAILED', 'PROTOCOL_LAYOUT_MISMATCH']).toContain(row.code)
  })
})

describe('upstream faults', () => {
  let server: Server
  let rpcErrorUrl: string
  beforeAll(async () => {
    // A JSON-RPC endpoint that answers every request with a JSON-RPC error.
    server = createServer((req, res) => {
      let body = ''
      req.on('data', (c) => {
        body += c
      })
      req.on('end', () => {
        const parsed = JSON.parse(body) as { id: number } | { id: number }[]
        const answer = (id: number) => ({
          jsonrpc: '2.0',
          id,
          error: { code: -32000, message: 'internal node failure' },
        })
        res.setHeader('content-type', 'application/json')
        res.end(JSON.stringify(Array.isArray(parsed) ? parsed.map((p) => answer(p.id)) : answer(parsed.id)))
      })
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()))
    rpcErrorUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  })
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())))

  it('an RPC that is down gives 503 RPC_UNAVAILABLE with a clear message', async () => {
    const port = await freePort()
    const app = createApp({
      config: configFromEnv({ STACKLENS_RPC_LOCAL: `http://127.0.0.1:${port}` }, t.manifest),
    })
    const r = await get(`/v1/wallets/${looper}?chain=local`, app)
    expectError(r, 503, 'RPC_UNAVAILABLE')
    expect(r.json()).toMatchObject({ error: { message: expect.stringMatching(/unreachable/) } })
  })

  it('an RPC that answers with errors gives 502 RPC_ERROR', async () => {
    const app = createApp({ config: configFromEnv({ STACKLENS_RPC_LOCAL: rpcErrorUrl }, t.manifest) })
    const r = await get(`/v1/wallets/${looper}?chain=local`, app)
    expectError(r, 502, 'RPC_ERROR')
    expect(r.json()).toMatchObject({ error: { message: expect.stringMatching(/internal node failure/) } })
  })
})

describe('GET /v1/chains and /v1/chains/{chain}/manifest', () => {
  it('lists chains with the configured ones marked', async () => {
    const r = await get('/v1/chains')
    expect(r.status).toBe(200)
    const chains = (
      r.json() as {
        chains: { key: string; configured: boolean; markets: { id: string; version: string | null }[] }[]
      }
    ).chains
    const local = chains.find((c) => c.key === 'local')!
    expect(local.configured).toBe(true)
    // Every market of the devchain, from each adapter (issue 12: both Aave markets with versions).
    expect(local.markets.filter((m) => m.id.startsWith('aave-v3'))).toMatchObject([
      { id: 'aave-v3-local', version: 'v3.0' },
      { id: 'aave-v36-local', version: 'v3.6' },
    ])
    expect(local.markets.map((m) => m.id)).toEqual(
      expect.arrayContaining([
        'gmx-v2-local',
        'morpho-blue-local',
        ...t.manifest.compoundV3!.comets.map((c) => c.marketId),
        ...t.manifest.aaveV4!.spokes.map((s) => s.id),
      ]),
    )
    expect(chains.find((c) => c.key === 'ethereum')).toMatchObject({ configured: false })
  })

  it('serves the devchain manifest', async () => {
    const r = await get('/v1/chains/local/manifest')
    expect(r.status).toBe(200)
    const m = r.json() as {
      rpcUrl: string
      wallets: unknown[]
      tokens: { symbol: string }[]
      howTo: { movePrice: string }
    }
    expect(m.rpcUrl).toBe(t.manifest.rpcUrl)
    expect(m.wallets.length).toBeGreaterThanOrEqual(5)
    expect(m.tokens.map((x) => x.symbol)).toEqual(expect.arrayContaining(['WETH', 'wstETH', 'WBTC', 'USDC']))
    expect(m.howTo.movePrice).toMatch(/setAnswer/)
  })

  it('rejects an unknown chain (400), a real chain (404), and answers 404 without a devchain', async () => {
    expectError(await get('/v1/chains/nope/manifest'), 400, 'UNKNOWN_CHAIN')
    expectError(await get('/v1/chains/ethereum/manifest'), 404, 'NOT_FOUND')
    const app = createApp({ config: configFromEnv({}) })
    expectError(await get('/v1/chains/local/manifest', app), 404, 'DEVCHAIN_NOT_RUNNING')
    expectError(await get(`/v1/wallets/${looper}?chain=local`, app), 400, 'CHAIN_NOT_CONFIGURED')
  })
})

describe('documents and pages', () => {
  it('GET /openapi.json is an OpenAPI 3.1 document with every route', async () => {
    const r = await get('/openapi.json')
    expect(r.status).toBe(200)
    const doc = r.json() as {
      openapi: string
      paths: Record<string, unknown>
      components: { schemas: Record<string, unknown> }
    }
    expect(doc.openapi).toBe('3.1.0')
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        '/health',
        '/v1/wallets/{address}',
        '/v1/chains/{chain}/manifest',
        '/v1/chains',
      ]),
    )
    expect(Object.keys(doc.components.schemas)).toEqual(
      expect.arrayContaining(['Position', 'WalletReport', 'Error']),
    )
  })

  it('GET /docs renders the API reference from the spec', async () => {
    const r = await get('/docs')
    expect(r.status).toBe(200)
    expect(r.text).toContain('/v1/wallets/{address}')
    expect(r.text).toContain('INVALID_ADDRESS')
  })

  it('GET / links the demo wallets', async () => {
    const r = await get('/')
    expect(r.status).toBe(200)
    expect(r.text).toContain(looper)
  })

  it('unknown routes get a JSON 404', async () => {
    expectError(await get('/v2/nothing'), 404, 'NOT_FOUND')
  })
})

describe('responses match their OpenAPI schemas', () => {
  it('wallet, exposure, stress, Monte Carlo, cascade and analyze answers parse with their response schemas', async () => {
    const cases: [string, { parse(v: unknown): unknown }, RequestInit?][] = [
      [`/v1/wallets/${looper}?chain=local`, WalletReportSchema],
      [`/v1/wallets/${looper}/exposure?chain=local&target=1.5`, ExposureResponseSchema],
      [`/v1/wallets/${looper}/stress?chain=local`, StressResponseSchema],
      [`/v1/wallets/${looper}/montecarlo?chain=local&paths=200&steps=10`, MonteCarloResponseSchema],
      [
        `/v1/markets/aave-v3-local/cascade?chain=local&shocks=-0.1,-0.3&wallet=${looper}`,
        CascadeResponseSchema,
      ],
      [
        '/v1/analyze',
        AnalyzeResponseSchema,
        {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({
            wallets: [{ address: looper, chains: ['local'] }],
            legs: [
              {
                kind: 'perp',
                venue: 'binance',
                asset: 'ETH',
                side: 'short',
                size: 1,
                entryPrice: 3000,
                margin: 1000,
                maintenanceMarginRate: 0.005,
              },
            ],
          }),
        },
      ],
      ['/v1/chains', ChainsSchema],
      ['/health', HealthSchema],
    ]
    for (const [path, schema, init] of cases) {
      const res = await t.app.request(path, init)
      expect(res.status, path).toBe(200)
      const body: unknown = await res.json()
      expect(() => schema.parse(body), path).not.toThrow()
    }
  })
})
