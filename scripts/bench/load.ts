/**
 * Load benchmark (issue 13): 1,000 wallet requests at 50 concurrent while 8 worst-case Monte Carlo
 * requests (paths x steps at the 50,000,000 limit of one request) run, against one devchain; a
 * probe asks `/health` every 10 ms throughout. Printed side by side: with the worker-thread pool
 * (Node's default) and with the pool disabled (the anchor: simulations inline on the event loop).
 * Targets (with the pool): `/health` p99 < 50 ms, 0 errors.
 *
 * The server is `npm start`'s entry (src/node.ts) serving the running devchain, in its own process
 * as in production; this process only sends the load (its own CPU is not on the server's event
 * loop). The rate limit is off here (one client sends everything); the heavy queue waits up to
 * 5 min so the 8 simulations are all served, never refused.
 *
 * Usage: npx tsx scripts/bench/load.ts [--requests 1000] [--concurrency 50] [--mc 8]
 *        [--paths 200000] [--steps 250] [--workers N]
 */

import { spawn } from 'node:child_process'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { freePort } from '../../src/devchain/anvil.js'
import { startDevchain } from '../../src/devchain/devchain.js'

const { values } = parseArgs({
  options: {
    requests: { type: 'string', default: '1000' },
    concurrency: { type: 'string', default: '50' },
    mc: { type: 'string', default: '8' },
    paths: { type: 'string', default: '200000' },
    steps: { type: 'string', default: '250' },
    workers: { type: 'string' },
  },
})
const REQUESTS = Number(values.requests)
const CONCURRENCY = Number(values.concurrency)
const MC = Number(values.mc)

const quantile = (xs: number[], q: number) => {
  const s = [...xs].sort((a, b) => a - b)
  return s.length === 0 ? Number.NaN : s[Math.min(s.length - 1, Math.ceil(q * s.length) - 1)]!
}

interface Run {
  mode: string
  healthP50: number
  healthP99: number
  healthMax: number
  healthCount: number
  walletP50: number
  walletP99: number
  walletErrors: number
  healthErrors: number
  mcOk: number
  mcOther: string
  wallSeconds: number
}

const manifestPath = join(mkdtempSync(join(tmpdir(), 'stacklens-load-')), 'devchain.json')
const devchain = await startDevchain({ manifestPath, population: false })
const manifest = devchain.manifest
const looper = manifest.wallets.find((w) => w.key === 'looper')!.address

/** Starts `npm start`'s entry (src/node.ts) serving the running devchain, in its own process. */
async function startServer(mode: 'pool' | 'inline'): Promise<{ url: string; stop(): Promise<void> }> {
  const port = await freePort()
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/node.ts'], {
    env: {
      ...process.env,
      PORT: String(port),
      HOST: '127.0.0.1',
      STACKLENS_RPC_LOCAL: devchain.rpcUrl,
      STACKLENS_MANIFEST: manifestPath,
      // One client sends everything: no rate limit; the heavy queue waits so all 8 are served.
      STACKLENS_RATE_PER_SEC: '0',
      STACKLENS_HEAVY_QUEUE: '64',
      STACKLENS_HEAVY_QUEUE_MS: '300000',
      ...(mode === 'inline'
        ? { STACKLENS_MC_WORKERS: '0' }
        : values.workers
          ? { STACKLENS_MC_WORKERS: values.workers }
          : {}),
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  await new Promise<void>((resolve, reject) => {
    let out = ''
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString()
      if (out.includes('stacklens ready')) resolve()
    })
    child.once('exit', (code) =>
      reject(new Error(`the server exited with ${code} before it was ready:\n${out}`)),
    )
  })
  return {
    url: `http://127.0.0.1:${port}`,
    stop: () =>
      new Promise<void>((resolve) => {
        child.once('exit', () => resolve())
        child.kill('SIGTERM')
      }),
  }
}

async function run(mode: 'pool' | 'inline'): Promise<Run> {
  const server = await startServer(mode)
  const url = server.url
  // Warm-up: clients, caches, a small simulation (and the pool's first worker).
  await (await fetch(`${url}/v1/wallets/${looper}?chain=local`)).text()
  await (await fetch(`${url}/v1/wallets/${looper}/montecarlo?chain=local&paths=100&steps=1`)).text()

  const t0 = performance.now()
  const mcDone = Promise.all(
    Array.from({ length: MC }, (_, i) =>
      fetch(
        `${url}/v1/wallets/${looper}/montecarlo?chain=local&paths=${values.paths}&steps=${values.steps}&seed=${i + 1}`,
      ).then(async (r) => {
        await r.text()
        return r.status
      }),
    ),
  )
  const health: number[] = []
  let healthErrors = 0
  let probing = true
  const probe = (async () => {
    while (probing) {
      const s = performance.now()
      try {
        const r = await fetch(`${url}/health`)
        await r.text()
        if (r.status !== 200) healthErrors++
      } catch {
        healthErrors++
      }
      health.push(performance.now() - s)
      await new Promise((r) => setTimeout(r, 10))
    }
  })()
  const wallet: number[] = []
  let walletErrors = 0
  let next = 0
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < REQUESTS) {
        next++
        const s = performance.now()
        try {
          const r = await fetch(`${url}/v1/wallets/${looper}?chain=local`)
          await r.text()
          if (r.status !== 200) walletErrors++
        } catch {
          walletErrors++
        }
        wallet.push(performance.now() - s)
      }
    }),
  )
  const mc = await mcDone
  probing = false
  await probe
  const wallSeconds = (performance.now() - t0) / 1000
  await server.stop()
  const other = mc.filter((s) => s !== 200)
  return {
    mode,
    healthP50: quantile(health, 0.5),
    healthP99: quantile(health, 0.99),
    healthMax: Math.max(...health),
    healthCount: health.length,
    walletP50: quantile(wallet, 0.5),
    walletP99: quantile(wallet, 0.99),
    walletErrors,
    healthErrors,
    mcOk: mc.length - other.length,
    mcOther: other.length === 0 ? '-' : other.join(','),
    wallSeconds,
  }
}

try {
  const results = [await run('pool'), await run('inline')]
  const f = (n: number) => (Number.isFinite(n) ? n.toFixed(1) : '-')
  console.log(
    `\n${REQUESTS} wallet requests at ${CONCURRENCY} concurrent + ${MC} Monte Carlo (${values.paths} paths x ${values.steps} steps), /health probed every 10 ms\n`,
  )
  const rows: [string, (r: Run) => string][] = [
    ['/health p50 ms', (r) => f(r.healthP50)],
    ['/health p99 ms (target < 50)', (r) => f(r.healthP99)],
    ['/health max ms', (r) => f(r.healthMax)],
    ['/health probes', (r) => String(r.healthCount)],
    ['wallet p50 ms', (r) => f(r.walletP50)],
    ['wallet p99 ms', (r) => f(r.walletP99)],
    ['errors (wallet + health; target 0)', (r) => String(r.walletErrors + r.healthErrors)],
    ['Monte Carlo 200s', (r) => `${r.mcOk}/${MC}`],
    ['Monte Carlo other statuses', (r) => r.mcOther],
    ['wall s', (r) => f(r.wallSeconds)],
  ]
  console.log(`${'metric'.padEnd(38)}${'worker pool'.padStart(14)}${'inline (anchor)'.padStart(18)}`)
  for (const [name, get] of rows)
    console.log(`${name.padEnd(38)}${get(results[0]!).padStart(14)}${get(results[1]!).padStart(18)}`)
} finally {
  await devchain.stop()
}
