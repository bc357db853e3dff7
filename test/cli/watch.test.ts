/**
 * `stacklens keys create` and `stacklens watch add|list|rm|test|alerts`, run in process (`runCli`)
 * against the real API served over HTTP in this process (@hono/node-server on a free port) with
 * the REAL SQLite store on a temp file: the key the CLI writes (a second connection to the file the
 * server holds open) authenticates at once; watches made by the CLI are what the API stores; the
 * test delivery arrives signed at a local receiver; API errors print their code and map to exit
 * codes; bad rules, no key, unknown ids and an unreachable API are refused with 2 or 3.
 *
 * The app serves `local` as a stand-in runtime (ethereum's, under the key `local`; an RPC that is
 * never called: the watch routes read no chain), as test/api/watches.test.ts does.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { serve } from '@hono/node-server'
import sqliteWasm from 'node-sqlite3-wasm'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createApp } from '../../src/api/app.js'
import { WatchListSchema, WatchResponseSchema } from '../../src/api/watch-schemas.js'
import { runCli } from '../../src/cli/run-cli.js'
import { formatWatchRule, parseWatchRule } from '../../src/cli/watch-rules.js'
import { configFromEnv, type StacklensConfig } from '../../src/config.js'
import {
  IDEMPOTENCY_HEADER,
  SIGNATURE_HEADER,
  verifySignature,
} from '../../src/monitor/delivery/signature.js'
import { DEFAULT_KEY_LIMITS, hashApiKey } from '../../src/monitor/keys.js'
import { openSqliteStore } from '../../src/monitor/store/sqlite-store.js'
import type { MonitorStore } from '../../src/monitor/types.js'

const base = configFromEnv({ STACKLENS_RPC_ETHEREUM: 'http://127.0.0.1:1' })
const config: StacklensConfig = {
  ...base,
  chains: { ...base.chains, local: { ...base.chains.ethereum!, key: 'local' } },
}

const ADDRESS = '0x90f79bf6eb2c4f870365e785982e1f101e93b906'
const SECRET = 'cli-test-secret-0123456789'

let dir: string
let dbPath: string
let store: MonitorStore
let server: ReturnType<typeof serve>
let apiUrl: string
let receiver: Server
let hookUrl: string
/** Requests the receiver got. */
const received: { headers: Record<string, string | string[] | undefined>; body: string }[] = []
/** The receiver answers this status (503 to test a failing target). */
let answer = 204

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'stacklens-cli-watch-'))
  dbPath = join(dir, 'stacklens.db')
  store = await openSqliteStore(dbPath)
  const app = createApp({ config, monitor: { store, policy: { allowPrivate: true, requireHttps: false } } })
  server = await new Promise<ReturnType<typeof serve>>((resolve, reject) => {
    const s = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(s))
    s.once('error', reject)
  })
  apiUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  receiver = createServer((req, res) => {
    let body = ''
    req.on('data', (c) => {
      body += c
    })
    req.on('end', () => {
      received.push({ headers: req.headers, body })
      res.writeHead(answer).end()
    })
  })
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r))
  hookUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`
})
afterAll(async () => {
  receiver?.closeAllConnections()
  await new Promise((r) => (receiver ? receiver.close(r) : r(null)))
  await new Promise<void>((r) => (server ? server.close(() => r()) : r()))
  await store?.close()
  if (dir) rmSync(dir, { recursive: true, force: true })
})

interface Run {
  code: number
  stdout: string
  stderr: string
}

/** Runs the CLI in process with only `env` (no STACKLENS_* of the caller). */
async function stacklens(args: string[], env: Record<string, string> = {}): Promise<Run> {
  let stdout = ''
  let stderr = ''
  const code = await runCli(args, {
    env: { NO_COLOR: '1', ...env },
    out: (line) => {
      stdout += `${line}\n`
    },
    err: (text) => {
      stderr += text
    },
    color: false,
  })
  return { code, stdout, stderr }
}

/** A key made by the CLI in the server's database. */
async function newKey(extra: string[] = []): Promise<string> {
  const r = await stacklens(['keys', 'create', '--db', dbPath, '--json', ...extra])
  expect(r.code, r.stderr).toBe(0)
  return (JSON.parse(r.stdout) as { key: string }).key
}

/** `watch ...` against the in-process API with `key`. */
const watch = (key: string | null, args: string[], env: Record<string, string> = {}) =>
  stacklens(['watch', ...args, '--api', apiUrl, ...(key ? ['--key', key] : [])], env)

describe('stacklens keys create', () => {
  it('--json prints exactly { "key": … }; the server holding the same file accepts it at once', async () => {
    const r = await stacklens(['keys', 'create', '--db', dbPath, '--json'])
    expect(r.code).toBe(0)
    expect(r.stdout).toMatch(/^\{"key":"sk_[A-Za-z0-9_-]{43}"\}\n$/)
    const { key } = JSON.parse(r.stdout) as { key: string }
    expect(Object.keys(JSON.parse(r.stdout))).toEqual(['key'])
    // The server's own connection finds the hash the CLI's connection wrote.
    const record = await store.findKeyByHash(await hashApiKey(key))
    expect(record?.maxWatches).toBe(DEFAULT_KEY_LIMITS.maxWatches)
    expect(record?.maxTargetsPerWatch).toBe(DEFAULT_KEY_LIMITS.maxTargetsPerWatch)
    const res = await fetch(`${apiUrl}/v1/watches`, { headers: { authorization: `Bearer ${key}` } })
    expect(res.status).toBe(200)
    expect(await res.json()).toEqual({ watches: [] })
  })

  it('STACKLENS_DB names the store; the limits and label flags are stored; stdout is the key alone', async () => {
    const r = await stacklens(
      ['keys', 'create', '--limit-watches', '1', '--limit-targets', '2', '--label', 'ops'],
      {
        STACKLENS_DB: dbPath,
      },
    )
    expect(r.code).toBe(0)
    expect(r.stdout).toMatch(/^sk_[A-Za-z0-9_-]{43}\n$/)
    expect(r.stderr).toContain(`created in ${dbPath}: up to 1 watches, 2 webhook targets per watch`)
    const key = r.stdout.trim()
    const record = await store.findKeyByHash(await hashApiKey(key))
    expect(record).toMatchObject({ maxWatches: 1, maxTargetsPerWatch: 2, label: 'ops' })
    // The limit holds through the CLI: the second watch is a 403 LIMIT_EXCEEDED, exit 2.
    const add = ['add', ADDRESS, '--rule', 'healthFactor<1.1', '--webhook', hookUrl, '--secret', SECRET]
    expect((await watch(key, add)).code).toBe(0)
    const second = await watch(key, add)
    expect(second.code).toBe(2)
    expect(second.stderr).toContain('LIMIT_EXCEEDED: watches: this key has 1 watches, its limit is 1')
  })

  it('--sql stores nothing and prints the INSERT for D1; run on the store SQLite, the API accepts the key', async () => {
    const r = await stacklens([
      'keys',
      'create',
      '--sql',
      '--json',
      '--label',
      "o'brien",
      '--limit-watches',
      '3',
    ])
    expect(r.code, r.stderr).toBe(0)
    const { key, sql } = JSON.parse(r.stdout) as { key: string; sql: string }
    expect(sql).toMatch(
      /^INSERT INTO api_keys \(id, hash, label, max_watches, max_targets_per_watch, created_at, revoked_at\) VALUES /,
    )
    expect(sql).toContain("'o''brien'")
    expect(sql).not.toContain(key)
    const hash = await hashApiKey(key)
    expect(await store.findKeyByHash(hash)).toBeNull()
    // What `wrangler d1 execute --command` does on D1 (SQLite), here on the server's own file.
    const raw = new sqliteWasm.Database(dbPath)
    try {
      raw.exec(sql)
    } finally {
      raw.close()
    }
    expect(await store.findKeyByHash(hash)).toMatchObject({ label: "o'brien", maxWatches: 3 })
    const res = await fetch(`${apiUrl}/v1/watches`, { headers: { authorization: `Bearer ${key}` } })
    expect(res.status).toBe(200)
    const both = await stacklens(['keys', 'create', '--sql', '--db', dbPath])
    expect(both.code).toBe(2)
    expect(both.stderr).toContain('--sql writes no store: drop --db')
  })

  it.each([
    [['--limit-watches', '0'], '--limit-watches must be an integer between 1 and 1000000, got "0"'],
    [['--limit-targets', 'many'], '--limit-targets must be an integer between 1 and 1000000, got "many"'],
    [['extra'], 'keys create takes no argument, got "extra"'],
  ])('bad input %j exits 2, naming it', async (flags, message) => {
    const r = await stacklens(['keys', 'create', '--db', dbPath, ...flags])
    expect(r.code).toBe(2)
    expect(r.stderr).toContain(message)
    expect(r.stdout).toBe('')
  })

  it('an unknown or missing subcommand exits 2 with the usage', async () => {
    for (const args of [['keys', 'delete'], ['keys']]) {
      const r = await stacklens(args)
      expect(r.code).toBe(2)
      expect(r.stderr).toContain('stacklens keys create')
    }
  })
})

describe('the --rule syntax', () => {
  it('parses every metric the API accepts into its schema, and prints back the same text', () => {
    const cases: [string, unknown][] = [
      ['healthFactor<1.05', { metric: 'healthFactor', below: 1.05 }],
      ['healthFactor<1.05,rearm=0.02', { metric: 'healthFactor', below: 1.05, rearmMargin: 0.02 }],
      ['liquidationDistance<0.05', { metric: 'liquidationDistance', below: 0.05 }],
      ['effectiveLeverage>4', { metric: 'effectiveLeverage', above: 4 }],
      ['cascadeShock:ETH<0.3', { metric: 'cascadeShock', asset: 'ETH', below: 0.3 }],
      ['liquidationProbability:30d>0.05', { metric: 'liquidationProbability', horizonDays: 30, above: 0.05 }],
      ['positionChange>0.2', { metric: 'positionChange', threshold: 0.2 }],
      ['unavailable', { metric: 'unavailable' }],
    ]
    for (const [text, rule] of cases) {
      expect(parseWatchRule(text), text).toEqual(rule)
      expect(formatWatchRule(parseWatchRule(text))).toBe(text)
    }
  })

  it('takes percent for fractions and the asset in any case (the schema upper-cases it)', () => {
    expect(parseWatchRule('liquidationDistance<5%')).toEqual({ metric: 'liquidationDistance', below: 0.05 })
    expect(parseWatchRule('cascadeShock:eth < 30%')).toEqual({
      metric: 'cascadeShock',
      asset: 'ETH',
      below: 0.3,
    })
    expect(parseWatchRule('liquidationProbability:7>1%,rearm=0.5%')).toEqual({
      metric: 'liquidationProbability',
      horizonDays: 7,
      above: 0.01,
      rearmMargin: 0.005,
    })
  })
})

describe('stacklens watch', () => {
  let key: string
  let id: string
  beforeAll(async () => {
    key = await newKey()
  })

  it('add: the body the API stores is the parsed rules and the webhook; --json is the API answer', async () => {
    const r = await watch(key, [
      'add',
      ADDRESS,
      '--chain',
      'local',
      '--rule',
      'healthFactor<1.05,rearm=0.02',
      '--rule',
      'liquidationDistance<5%',
      '--webhook',
      hookUrl,
      '--secret',
      SECRET,
      '--cooldown',
      '60',
      '--label',
      'near liquidation',
      '--json',
    ])
    expect(r.code, r.stderr).toBe(0)
    const w = WatchResponseSchema.parse(JSON.parse(r.stdout))
    id = w.id
    expect(w).toMatchObject({
      address: ADDRESS,
      chains: ['local'],
      rules: [
        { metric: 'healthFactor', below: 1.05, rearmMargin: 0.02 },
        { metric: 'liquidationDistance', below: 0.05 },
      ],
      webhooks: [{ url: hookUrl }],
      cooldownSeconds: 60,
      label: 'near liquidation',
    })
    expect(r.stdout).not.toContain(SECRET)
    const res = await fetch(`${apiUrl}/v1/watches/${id}`, { headers: { authorization: `Bearer ${key}` } })
    expect(await res.json()).toEqual(w)
  })

  it('list: the watch in the rule syntax; --json equals GET /v1/watches', async () => {
    const r = await watch(key, ['list'])
    expect(r.code).toBe(0)
    expect(r.stdout).toContain(`${id}  ${ADDRESS} on local  "near liquidation"`)
    expect(r.stdout).toContain('rules     healthFactor<1.05,rearm=0.02  liquidationDistance<0.05')
    expect(r.stdout).toContain(`webhooks  ${hookUrl}`)
    const j = await watch(key, ['list', '--json'])
    const api = await fetch(`${apiUrl}/v1/watches`, { headers: { authorization: `Bearer ${key}` } })
    expect(WatchListSchema.parse(JSON.parse(j.stdout))).toEqual(await api.json())
  })

  it('STACKLENS_API_KEY and STACKLENS_API_URL stand for --key and --api', async () => {
    const r = await stacklens(['watch', 'list', '--json'], {
      STACKLENS_API_KEY: key,
      STACKLENS_API_URL: apiUrl,
    })
    expect(r.code).toBe(0)
    expect(WatchListSchema.parse(JSON.parse(r.stdout)).watches.map((w) => w.id)).toEqual([id])
  })

  it('test: a signed test payload reaches the receiver; a failing receiver exits 3', async () => {
    received.length = 0
    answer = 204
    const r = await watch(key, ['test', id])
    expect(r.code, r.stderr).toBe(0)
    expect(r.stdout).toBe('target 0: delivered (HTTP 204)\n')
    expect(received).toHaveLength(1)
    const got = received[0]!
    expect(JSON.parse(got.body).type).toBe('test')
    const sig = got.headers[SIGNATURE_HEADER.toLowerCase()] as string
    expect(sig).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/)
    await expect(verifySignature(SECRET, sig, got.body)).resolves.toBe(true)
    await expect(verifySignature('another-secret-0123456', sig, got.body)).resolves.toBe(false)
    expect(got.headers[IDEMPOTENCY_HEADER.toLowerCase()]).toBeTruthy()

    answer = 503
    const failing = await watch(key, ['test', id])
    answer = 204
    expect(failing.code).toBe(3)
    expect(failing.stdout).toContain('target 0: FAILED (HTTP 503, http)')
    expect(failing.stderr).toContain('DELIVERY_FAILED: 1 of 1 webhook target(s) did not answer 2xx')
  })

  it('alerts: none yet, then the stored alert with its delivery state', async () => {
    const none = await watch(key, ['alerts', id])
    expect(none.code).toBe(0)
    expect(none.stdout).toBe(`no alerts for ${id} yet\n`)
    const T = Date.UTC(2026, 11, 1)
    // An evaluation outcome as the monitor tick stores it (the store's own write path).
    await store.applyEvaluation(
      {
        watchId: id,
        chain: 'local',
        block: 1234n,
        states: [],
        alerts: [
          {
            id: `al_cli_${id}`,
            watchId: id,
            chain: 'local',
            ruleIndex: 0,
            rule: { metric: 'healthFactor', below: 1.05, rearmMargin: 0.02 },
            before: 1.06,
            after: 1.04,
            block: 1234n,
            message: 'health factor 1.0400 < 1.05',
            createdAt: T,
          },
        ],
      },
      1,
      T,
    )
    const r = await watch(key, ['alerts', id])
    expect(r.code).toBe(0)
    expect(r.stdout).toBe(
      `[2026-12-01T00:00:00.000Z] al_cli_${id} block 1234 on local: health factor 1.0400 < 1.05  (healthFactor<1.05,rearm=0.02; delivery pending after 0)\n`,
    )
    const bad = await watch(key, ['alerts', id, '--limit', '0'])
    expect(bad.code).toBe(2)
    expect(bad.stderr).toContain('INVALID_REQUEST')
    expect(bad.stderr).toContain('limit')
  })

  it("rm: deletes it; again (an unknown id) is NOT_FOUND, exit 2; another key's watch is NOT_FOUND too", async () => {
    const other = await newKey()
    const foreign = await watch(other, ['rm', id])
    expect(foreign.code).toBe(2)
    expect(foreign.stderr).toContain(`NOT_FOUND: no watch ${id} for this key`)
    const r = await watch(key, ['rm', id])
    expect(r.code).toBe(0)
    expect(r.stdout).toBe(`deleted ${id}\n`)
    expect(JSON.parse((await watch(key, ['list', '--json'])).stdout)).toEqual({ watches: [] })
    const again = await watch(key, ['rm', id])
    expect(again.code).toBe(2)
    expect(again.stderr).toContain(`NOT_FOUND: no watch ${id} for this key`)
    const test = await watch(key, ['test', 'w_aaaaaaaaaaaaaaaaaaaa'])
    expect(test.code).toBe(2)
    expect(test.stderr).toContain('NOT_FOUND')
  })

  describe('bad input exits 2 and sends nothing', () => {
    const add = (rule: string) => [
      'add',
      ADDRESS,
      '--rule',
      rule,
      '--webhook',
      'http://127.0.0.1:9/hook',
      '--secret',
      SECRET,
    ]
    it.each([
      ['healthFactor>1.05', 'healthFactor fires when it goes below a value: use <'],
      ['healthFactor<abc', '"abc" is not a number'],
      ['healthFactor<5%', 'healthFactor is not a fraction'],
      ['healthFactor<0', 'below: must be > 0'],
      ['healthFactor 1.05', 'not a rule'],
      ['gasPrice<3', 'unknown metric "gasPrice"'],
      ['cascadeShock<0.3', 'cascadeShock needs the asset: cascadeShock:ETH<0.3'],
      ['liquidationProbability:30d>1.5', 'above: must be < 1 (probability)'],
      ['liquidationProbability:soon>0.1', '"soon" is not a horizon in days'],
      ['positionChange>0.2,rearm=0.1', 'positionChange takes no rearm'],
      ['effectiveLeverage:ETH>3', 'effectiveLeverage takes no ":ETH"'],
    ])('bad rule %s', async (rule, message) => {
      const r = await watch(key, add(rule))
      expect(r.code).toBe(2)
      expect(r.stderr).toContain(`--rule "${rule}"`)
      expect(r.stderr).toContain(message)
      expect(r.stdout).toBe('')
    })

    it('no key (neither --key nor STACKLENS_API_KEY): UNAUTHORIZED before any request', async () => {
      const r = await watch(null, ['list'])
      expect(r.code).toBe(2)
      expect(r.stderr).toContain('no API key: pass --key or set STACKLENS_API_KEY')
    })

    it("an unknown key: the API's 401 code and message", async () => {
      const r = await watch(`sk_${'A'.repeat(43)}`, ['list'])
      expect(r.code).toBe(2)
      expect(r.stderr).toContain('UNAUTHORIZED: the API key is unknown or revoked')
    })

    it('a field the API refuses (a non-http webhook, an unknown chain): its 400 naming the field', async () => {
      const scheme = await watch(key, [
        'add',
        ADDRESS,
        '--rule',
        'healthFactor<1.1',
        '--webhook',
        'ftp://x.example/h',
        '--secret',
        SECRET,
      ])
      expect(scheme.code).toBe(2)
      expect(scheme.stderr).toMatch(/INVALID_REQUEST: webhook\.url: /)
      const chain = await watch(key, [...add('healthFactor<1.1'), '--chain', 'mars'])
      expect(chain.code).toBe(2)
      expect(chain.stderr).toContain('INVALID_REQUEST: chain: is not a chain this deployment serves')
      const addr = await watch(key, [
        'add',
        '0x12',
        '--rule',
        'healthFactor<1.1',
        '--webhook',
        hookUrl,
        '--secret',
        SECRET,
      ])
      expect(addr.code).toBe(2)
      expect(addr.stderr).toContain('INVALID_REQUEST: address: must be 0x followed by 40 hex digits')
    })

    it.each([
      [['add', ADDRESS, '--webhook', 'http://127.0.0.1:9/h', '--secret', SECRET], '--rule is required'],
      [['add', ADDRESS, '--rule', 'unavailable'], '--webhook URL is required'],
      [
        ['add', ADDRESS, '--rule', 'unavailable', '--webhook', 'http://127.0.0.1:9/h'],
        'give one --secret per --webhook',
      ],
      [
        [
          'add',
          ADDRESS,
          '--rule',
          'unavailable',
          '--webhook',
          'http://127.0.0.1:9/h',
          '--secret',
          SECRET,
          '--cooldown',
          '1.5',
        ],
        '--cooldown must be a whole number of seconds',
      ],
      [['rm'], 'watch rm takes one watch id'],
      [['rm', 'w_NOPE'], '"w_NOPE" is not a watch id'],
      [['frob'], 'unknown watch subcommand "frob"'],
      [['list', '--bogus'], "Unknown option '--bogus'"],
    ])('%j', async (args, message) => {
      const r = await watch(key, args)
      expect(r.code).toBe(2)
      expect(r.stderr).toContain(message)
    })

    it('--api that is not an http URL', async () => {
      const r = await stacklens(['watch', 'list', '--api', 'ftp://x', '--key', key])
      expect(r.code).toBe(2)
      expect(r.stderr).toContain('--api must be an http(s) URL, got "ftp://x"')
    })
  })

  it('an API that is not running: API_UNREACHABLE, exit 3', async () => {
    const r = await stacklens(['watch', 'list', '--api', 'http://127.0.0.1:9', '--key', key])
    expect(r.code).toBe(3)
    expect(r.stderr).toContain('API_UNREACHABLE: cannot reach the API at http://127.0.0.1:9')
  })
})
