/**
 * RPC faults (issue 13), through a fault-injecting JSON-RPC proxy (test/support/fault-proxy.ts)
 * in front of the devchain's anvil, read with `readWallet` exactly as the API reads a wallet.
 * The proxy URL carries a fake API key in its path and query. For every fault: the coded error
 * and its HTTP status class, the time bound (the request's deadline), no secret in anything the
 * error exposes, and never a position served `ok` with numbers other than the healthy answer.
 * Also the block rules: a block above the head is refused (with the head) before any log range
 * is built; a block before a deployment gives `unavailable` rows / a coded pool error; log
 * enumeration stays within the request's budget.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createApp } from '../../src/api/app.js'
import { STATUS_OF } from '../../src/api/errors.js'
import { type ChainClient, createChainClient } from '../../src/chains/client.js'
import { createDeadline } from '../../src/chains/deadline.js'
import { createLogBudget } from '../../src/chains/log-budget.js'
import { createNodeFetch } from '../../src/chains/node-fetch.js'
import { configFromEnv } from '../../src/config.js'
import type { Address } from '../../src/core/address.js'
import { BaseError } from '../../src/core/errors.js'
import type { PositionResult } from '../../src/core/types.js'
import { readUniswapV3Pool } from '../../src/dex/uniswap-v3.js'
import { enumerateBorrowersFromLogs } from '../../src/markets/enumerate-borrowers-from-logs.js'
import { marketBorrowers } from '../../src/markets/market-borrowers.js'
import { readWallet, type WalletChainReport } from '../../src/protocols/read-wallet.js'
import type { ChainRuntime } from '../../src/protocols/types.js'
import { startTestDevchain, type TestDevchain } from '../helpers/devchain.js'
import { type FaultProxy, type FaultRule, startFaultProxy } from '../support/fault-proxy.js'

const KEY = 'sk_live_9f8e7d6c5b4a'
const QUERY_KEY = 'qk_1a2b3c4d5e6f'
/** Anything that would betray the key: the secrets themselves and the URL's path and query. */
const SECRETS = [KEY, QUERY_KEY, '/v3/', 'apikey']
const DEADLINE_MS = 2_000
/** Scheduling slack on a 2-core machine shared with other jobs, ms. */
const SLACK_MS = 1_500

let t: TestDevchain
let proxy: FaultProxy
let secretUrl: string
let chain: ChainRuntime
let client: ChainClient
let looper: Address
let stacker: Address
let block: bigint
let healthy: Map<Address, WalletChainReport>

const json = (v: unknown) => JSON.stringify(v, (_, x) => (typeof x === 'bigint' ? x.toString() : x))

beforeAll(async () => {
  t = await startTestDevchain()
  proxy = await startFaultProxy(t.devchain.rpcUrl)
  secretUrl = `${proxy.url}/v3/${KEY}?apikey=${QUERY_KEY}`
  chain = { ...t.chain, rpcUrls: [secretUrl] }
  // As the app builds it: 15 s per attempt, one retry; only the deadline bounds the time.
  client = createChainClient('local', { rpcUrls: [secretUrl] })
  looper = t.manifest.wallets.find((w) => w.key === 'looper')!.address as Address
  stacker = t.manifest.wallets.find((w) => w.key === 'stacker')!.address as Address
  block = await t.client.getBlockNumber({ cacheTime: 0 })
  healthy = new Map()
  for (const user of [looper, stacker]) {
    healthy.set(user, await readWallet({ client, chain, user, blockNumber: block }))
  }
}, 120_000)

afterAll(async () => {
  await proxy?.close()
  await t?.devchain.stop()
})

/** Everything an error exposes to a client or a log line. */
function exposed(err: BaseError): string {
  const cause =
    err.cause instanceof Error ? `${err.cause.name} ${err.cause.message}` : String(err.cause ?? '')
  return `${err.message} ${json(err.context)} ${cause}`
}

function expectNoSecret(text: string) {
  for (const s of SECRETS) expect(text).not.toContain(s)
}

/** An `ok` row must be the healthy row, number for number. */
function expectOkRowsHealthy(user: Address, rows: PositionResult[]) {
  const before = healthy.get(user)!.positions
  for (const row of rows) {
    if (row.status !== 'ok') continue
    const same = before.find(
      (b) => b.status === 'ok' && b.protocol === row.protocol && b.market === row.market,
    )
    expect(same, `${row.protocol} ${row.market} served ok but absent from the healthy answer`).toBeDefined()
    expect(json(row)).toBe(json(same))
  }
}

interface Outcome {
  ms: number
  err?: BaseError
  report?: WalletChainReport
}

async function readUnder(rule: FaultRule | null, user: Address, blockNumber: bigint | undefined = block) {
  proxy.setFault(rule)
  const t0 = performance.now()
  const out: Outcome = { ms: 0 }
  try {
    out.report = await readWallet({
      client,
      chain,
      user,
      ...(blockNumber === undefined ? {} : { blockNumber }),
      deadline: createDeadline({ timeoutMs: DEADLINE_MS }),
    })
  } catch (err) {
    if (!(err instanceof BaseError)) throw err
    out.err = err
  } finally {
    out.ms = performance.now() - t0
    proxy.setFault(null)
  }
  return out
}

const echo = (what: string) => `${what}: invalid api key for ${secretUrl} (key ${KEY})`

/** The rules are built when run: the secret URL exists only once the proxy listens. */
const FAULTS: [string, () => FaultRule, string[], number][] = [
  [
    'HTTP 429 on every call',
    () => ({ fault: { kind: 'status', status: 429, body: echo('rate limited') } }),
    ['RPC_UNAVAILABLE'],
    503,
  ],
  [
    'HTTP 401 whose body echoes the URL and key',
    () => ({ fault: { kind: 'status', status: 401, body: echo('unauthorized') } }),
    ['RPC_ERROR'],
    502,
  ],
  [
    'a hang on eth_call',
    () => ({ methods: ['eth_call'], fault: { kind: 'hang' } }),
    ['UPSTREAM_TIMEOUT'],
    504,
  ],
  [
    'a hang on eth_blockNumber',
    () => ({ methods: ['eth_blockNumber'], fault: { kind: 'hang' } }),
    ['UPSTREAM_TIMEOUT'],
    504,
  ],
  [
    'a hang on eth_getLogs (discovery)',
    () => ({ methods: ['eth_getLogs'], fault: { kind: 'hang' } }),
    ['UPSTREAM_TIMEOUT'],
    504,
  ],
  ['malformed JSON', () => ({ methods: ['eth_call'], fault: { kind: 'malformed' } }), ['RPC_ERROR'], 502],
  [
    'a JSON-RPC error echoing the URL and key (eth_call)',
    () => ({ methods: ['eth_call'], fault: { kind: 'rpc-error', message: echo('upstream error') } }),
    ['RPC_ERROR'],
    502,
  ],
  [
    'a JSON-RPC error echoing the URL and key (eth_getLogs)',
    () => ({ methods: ['eth_getLogs'], fault: { kind: 'rpc-error', message: echo('upstream error') } }),
    ['RPC_ERROR'],
    502,
  ],
  [
    'a dropped connection',
    () => ({ methods: ['eth_call'], fault: { kind: 'drop' } }),
    ['RPC_UNAVAILABLE'],
    503,
  ],
  [
    'garbage hex for eth_call',
    () => ({ methods: ['eth_call'], fault: { kind: 'garbage' } }),
    ['RPC_ERROR'],
    502,
  ],
  [
    'a non-hex block number',
    () => ({ methods: ['eth_blockNumber'], fault: { kind: 'garbage', result: '0xnothex' } }),
    ['RPC_ERROR'],
    502,
  ],
  [
    'eth_call answered from another block',
    () => ({ methods: ['eth_call'], fault: { kind: 'other-block', blocksBack: 3 } }),
    ['RPC_BLOCK_MISMATCH'],
    502,
  ],
]

describe('readWallet through a faulty RPC', () => {
  it('the healthy answer through the proxy has positions (the baseline every fault is compared to)', () => {
    const rows = healthy.get(looper)!.positions
    expect(rows.filter((r) => r.status === 'ok').length).toBeGreaterThan(0)
    expect(healthy.get(looper)!.blockNumber).toBe(block)
  })

  for (const [what, rule, codes, status] of FAULTS) {
    it(`${what}: ${codes.join(' or ')} (${status}), within the deadline, no secret, nothing misleading`, async () => {
      const seen = new Set<string>()
      for (const user of [looper, stacker]) {
        const out = await readUnder(rule(), user)
        expect(out.ms).toBeLessThan(DEADLINE_MS + SLACK_MS)
        if (out.report) {
          // Never a silent answer: a fault shows as `unavailable` rows at least, and what is
          // still `ok` is the healthy truth.
          expectOkRowsHealthy(user, out.report.positions)
          expect(out.report.positions.some((r) => r.status === 'unavailable')).toBe(true)
          for (const r of out.report.positions) if (r.status === 'unavailable') expectNoSecret(r.reason)
          continue
        }
        const err = out.err!
        seen.add(err.code)
        expect(codes).toContain(err.code)
        const http = STATUS_OF[err.code]
        expect(http).toBe(status)
        expectNoSecret(exposed(err))
        expect(err.message).toContain('"local"')
      }
      // Every fault here hits a call the whole read needs (head, discovery or the batch).
      expect(seen.size).toBeGreaterThan(0)
    }, 30_000)
  }

  it('after the faults, the same reads answer the healthy numbers again', async () => {
    const out = await readUnder(null, looper)
    expect(out.err).toBeUndefined()
    expect(json(out.report!.positions)).toBe(json(healthy.get(looper)!.positions))
  })
})

describe('the same faults through the Node server’s fetch (node:http keep-alive, src/chains/node-fetch.ts)', () => {
  let globalFetchClient: ChainClient
  beforeAll(() => {
    globalFetchClient = client
    client = createChainClient('local', { rpcUrls: [secretUrl], fetchFn: createNodeFetch() })
  })
  afterAll(() => {
    client = globalFetchClient
  })

  for (const [what, rule, codes, status] of FAULTS) {
    it(`${what}: ${codes.join(' or ')} (${status}), within the deadline, no secret`, async () => {
      for (const user of [looper, stacker]) {
        const out = await readUnder(rule(), user)
        expect(out.ms).toBeLessThan(DEADLINE_MS + SLACK_MS)
        if (out.report) {
          expectOkRowsHealthy(user, out.report.positions)
          expect(out.report.positions.some((r) => r.status === 'unavailable')).toBe(true)
          continue
        }
        expect(codes).toContain(out.err!.code)
        expect(STATUS_OF[out.err!.code]).toBe(status)
        expectNoSecret(exposed(out.err!))
      }
    }, 30_000)
  }

  it('healthy again: the same numbers as through the global fetch', async () => {
    const out = await readUnder(null, looper)
    expect(json(out.report!.positions)).toBe(json(healthy.get(looper)!.positions))
  })
})

describe('block numbers at the read layer', () => {
  it('a block far above the head is refused with the head, before any eth_getLogs', async () => {
    const before = proxy.methods.length
    const out = await readUnder(null, looper, 1_000_000_000_000_000n)
    expect(out.err?.code).toBe('BLOCK_OUT_OF_RANGE')
    expect(STATUS_OF[out.err!.code]).toBe(400)
    expect(out.err!.message).toMatch(/above the chain head, block \d+/)
    expect(proxy.methods.slice(before)).not.toContain('eth_getLogs')
    expect(out.ms).toBeLessThan(DEADLINE_MS)
  })

  it('block 0 (before the Multicall3 exists): every market an unavailable row, not a failed read', async () => {
    const out = await readUnder(null, looper, 0n)
    expect(out.err).toBeUndefined()
    const rows = out.report!.positions
    expect(rows.length).toBeGreaterThan(0)
    for (const r of rows) {
      expect(r.status).toBe('unavailable')
      if (r.status === 'unavailable') {
        expect(r.code).toBe('NOT_DEPLOYED_AT_BLOCK')
        expect(r.reason).toMatch(/Multicall3 .* at block 0: the block is before its deployment/)
      }
    }
    expect(out.report!.blockNumber).toBe(0n)
  })

  it('a market cascade at a block above the head is refused before any log range', async () => {
    const before = proxy.methods.length
    await expect(
      marketBorrowers({ client, chain, market: t.manifest.aaveV3.marketId, blockNumber: 100_000_000_000n }),
    ).rejects.toMatchObject({ code: 'BLOCK_OUT_OF_RANGE' })
    expect(proxy.methods.slice(before)).not.toContain('eth_getLogs')
  })

  it('log enumeration past the request budget fails before any eth_getLogs (503-class; 400 for a request range)', async () => {
    const before = proxy.methods.length
    const market = t.manifest.aaveV3.marketId
    const server = await enumerateBorrowersFromLogs({
      client,
      chain,
      market,
      blockSpan: 2n,
      logBudget: createLogBudget({ maxRequests: 5 }),
    }).catch((e: unknown) => e)
    expect(server).toMatchObject({ code: 'LOG_BUDGET_EXCEEDED' })
    expect(STATUS_OF[(server as BaseError).code]).toBe(503)
    const request = await enumerateBorrowersFromLogs({
      client,
      chain,
      market,
      fromBlock: 0n,
      rangeFrom: 'request',
      logBudget: createLogBudget({ maxBlockRange: 10n }),
    }).catch((e: unknown) => e)
    expect(request).toMatchObject({ code: 'LOG_RANGE_TOO_LARGE' })
    expect(STATUS_OF[(request as BaseError).code]).toBe(400)
    expect(proxy.methods.slice(before)).not.toContain('eth_getLogs')
  })

  it('a Uniswap v3 pool read before the pool exists is NOT_DEPLOYED_AT_BLOCK, not a 502', async () => {
    const pool = t.chain.dexPools?.[0]
    expect(pool).toBeDefined()
    // The pool's deployment block: the first block with its code.
    let lo = 0n
    let hi = block
    while (lo < hi) {
      const mid = (lo + hi) / 2n
      const code = await t.client.getCode({ address: pool!.pool, blockNumber: mid })
      if (code && code !== '0x') hi = mid
      else lo = mid + 1n
    }
    const err = await readUniswapV3Pool({
      client,
      chain: 'local',
      multicall3: chain.multicall3,
      pool: pool!.pool,
      asset: pool!.token,
      blockNumber: lo - 1n,
      deadline: createDeadline({ timeoutMs: DEADLINE_MS }),
    }).catch((e: unknown) => e)
    expect(err).toMatchObject({ code: 'NOT_DEPLOYED_AT_BLOCK' })
    expect(STATUS_OF[(err as BaseError).code]).toBeLessThan(500)
    const state = await readUniswapV3Pool({
      client,
      chain: 'local',
      multicall3: chain.multicall3,
      pool: pool!.pool,
      asset: pool!.token,
      blockNumber: lo,
    })
    expect(state.blockNumber).toBe(lo)
  })
})

describe('the current app, through the proxy', () => {
  const app = () => {
    const config = configFromEnv({ STACKLENS_RPC_LOCAL: secretUrl }, t.manifest)
    return createApp({ config })
  }

  it('a JSON-RPC error echoing the key is a 502 whose body names the chain, not the key', async () => {
    proxy.setFault({ methods: ['eth_call'], fault: { kind: 'rpc-error', message: echo('upstream error') } })
    try {
      const r = await app().request(`/v1/wallets/${looper}?chain=local`)
      expect(r.status).toBe(502)
      const text = await r.text()
      expectNoSecret(text)
      expect(JSON.parse(text).error.code).toBe('RPC_ERROR')
    } finally {
      proxy.setFault(null)
    }
  })

  it('?block=1000000000000000 is a fast 400 naming the head; ?block=0 is a 200 with unavailable rows', async () => {
    const t0 = performance.now()
    const r = await app().request(`/v1/wallets/${looper}?chain=local&block=1000000000000000`)
    expect(r.status).toBe(400)
    const body = (await r.json()) as { error: { code: string; message: string } }
    expect(body.error.code).toBe('BLOCK_OUT_OF_RANGE')
    expect(body.error.message).toMatch(/chain head, block \d+/)
    expect(performance.now() - t0).toBeLessThan(5_000)
    const zero = await app().request(`/v1/wallets/${looper}?chain=local&block=0`)
    expect(zero.status).toBe(200)
    const rows = ((await zero.json()) as { positions: { status: string; code?: string }[] }).positions
    expect(rows.length).toBeGreaterThan(0)
    expect(rows.every((p) => p.status === 'unavailable' && p.code === 'NOT_DEPLOYED_AT_BLOCK')).toBe(true)
  })
})
