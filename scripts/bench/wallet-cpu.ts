/**
 * Benchmark: CPU per wallet request through the app, in process (`app.request()`, no HTTP
 * server), against a devchain, warm: `GET /v1/wallets/<looper>?chain=local` (Aave v3 + Morpho
 * Blue + Compound v3 + GMX v2 positions, discovery included). CPU is this process's
 * (process.cpuUsage: the app, viem's transport and JSON; anvil runs in its own process), per
 * request, with `--concurrency` requests in flight (default 50), after a warm-up. Also the
 * throughput that CPU allows on one core (1000 / CPU ms).
 *
 * The app is bound as `npm start` binds it (JSON-RPC over node:http keep-alive,
 * `src/chains/node-fetch.ts`); the same app over Node's global fetch (undici) is printed beside it.
 *
 * Anchor, side by side in the same process: the strongest fair floor of the same request, viem
 * fetching the same raw data as fast as it can and nothing else, over the same node:http fetch: the
 * same discovery, then every adapter's eth_calls folded into one aggregate3 by viem's multicall
 * batching (no decoding into positions, no math, no JSON response), one shared transport whose
 * JSON-RPC batching folds the concurrent slots' POSTs together as stacklens's client does. The ratio says how much CPU the answer costs beyond
 * moving its bytes. And `GET /health` through the same app: the cost of routing alone.
 *
 * Profile it: `--profile <file.cpuprofile>` writes a V8 CPU profile of the timed wallet requests
 * alone (node:inspector, no devchain start or warm-up in it); open it in Chrome DevTools or
 * VS Code. `node --cpu-prof` works too but also records the devchain's deploy.
 *
 * Usage: npx tsx scripts/bench/wallet-cpu.ts [--requests 500] [--concurrency 50] [--only app|anchor]
 *          [--profile wallet.cpuprofile]
 */
import { writeFileSync } from 'node:fs'
import { Session } from 'node:inspector/promises'
import { parseArgs } from 'node:util'
import { type Address, createPublicClient, type Hex, http, type PublicClient } from 'viem'
import { multicall3Abi } from '../../abis/multicall3.js'
import { createStacklens } from '../../src/app.js'
import { createNodeFetch } from '../../src/chains/node-fetch.js'
import { CHAINS } from '../../src/chains/registry.js'
import { configFromEnv } from '../../src/config.js'
import { startDevchain } from '../../src/devchain/devchain.js'
import { ADAPTERS } from '../../src/protocols/read-wallet.js'

const { values } = parseArgs({
  options: {
    requests: { type: 'string' },
    concurrency: { type: 'string' },
    only: { type: 'string' },
    profile: { type: 'string' },
  },
})
const requests = Number(values.requests ?? 500)
const concurrency = Number(values.concurrency ?? 50)

const dc = await startDevchain({ manifestPath: null })
try {
  const config = configFromEnv({}, dc.manifest)
  const chain = config.chains.local!
  // As `npm start` binds it (JSON-RPC over node:http keep-alive), and with Node's global fetch
  // (undici, what the Node server used before; Workers use their platform's fetch).
  const nodeFetch = createNodeFetch()
  const { app } = createStacklens({ config, fetchFn: nodeFetch })
  const { app: appUndici } = createStacklens({ config })
  // The scope the 2.5 ms target was set on: the looper's four protocols with the devchain
  // of then (one Aave market, v3.0; no Aave V4 double; no smart-account discovery).
  const narrow = {
    ...config,
    chains: {
      ...config.chains,
      local: { ...chain, aaveMarkets: chain.aaveMarkets.slice(0, 1), aaveV4: [] },
    },
  }
  const { app: appNarrow } = createStacklens({ config: narrow, fetchFn: nodeFetch })
  const looper = dc.manifest.wallets.find((w) => w.key === 'looper')!.address as Address

  /** CPU ms and wall ms per call of `fn`, `requests` calls with `concurrency` in flight. */
  /** `fn(worker)`: `worker` in [0, concurrency) is the in-flight slot running it. */
  async function measure(fn: (worker: number) => Promise<void>, profile?: string) {
    for (let i = 0; i < 100; i++) await fn(i % concurrency) // warm: JIT, caches (market facts, clients)
    const session = profile ? new Session() : undefined
    if (session) {
      session.connect()
      await session.post('Profiler.enable')
      await session.post('Profiler.setSamplingInterval', { interval: 100 })
      await session.post('Profiler.start')
    }
    let next = 0
    const cpu0 = process.cpuUsage()
    const t0 = performance.now()
    await Promise.all(
      Array.from({ length: concurrency }, async (_, worker) => {
        while (next++ < requests) await fn(worker)
      }),
    )
    const wall = performance.now() - t0
    const cpu = process.cpuUsage(cpu0)
    if (session && profile) {
      const { profile: data } = await session.post('Profiler.stop')
      writeFileSync(profile, JSON.stringify(data))
      session.disconnect()
      console.log(`CPU profile of the timed wallet requests: ${profile}`)
    }
    const cpuMs = (cpu.user + cpu.system) / 1000 / requests
    return { cpuMs, wallMs: wall / requests, reqPerSecWall: (requests / wall) * 1000 }
  }

  const walletPath = `/v1/wallets/${looper}?chain=local`
  const first = await app.request(walletPath)
  const body = (await first.json()) as { positions: unknown[] }
  if (first.status !== 200 || body.positions.length !== 4)
    throw new Error(`unexpected wallet answer: ${first.status}`)

  const results: [string, Awaited<ReturnType<typeof measure>>][] = []
  if (values.only !== 'anchor') {
    results.push([
      'stacklens GET /v1/wallets/<looper>',
      await measure(async () => {
        const res = await app.request(walletPath)
        if (res.status !== 200) throw new Error(`status ${res.status}`)
        await res.arrayBuffer()
      }, values.profile),
    ])
    results.push([
      'stacklens, same, Node global fetch (undici)',
      await measure(async () => {
        const res = await appUndici.request(walletPath)
        if (res.status !== 200) throw new Error(`status ${res.status}`)
        await res.arrayBuffer()
      }),
    ])
    results.push([
      'same, scope of the target (1 Aave mkt, accounts=false)',
      await measure(async () => {
        const res = await appNarrow.request(`${walletPath}&accounts=false`)
        if (res.status !== 200) throw new Error(`status ${res.status}`)
        await res.arrayBuffer()
      }),
    ])
    results.push([
      'stacklens GET /health (routing floor)',
      await measure(async () => {
        await (await app.request('/health')).arrayBuffer()
      }),
    ])
  }
  if (values.only !== 'app') {
    // One client per in-flight slot: viem's multicall batching would otherwise fold the calls of
    // all concurrent requests into one aggregate3 (out of gas), which no real request does. Each
    // request's calls fit one aggregate3, as stacklens's do.
    // One transport for all of them: viem's JSON-RPC batching folds the concurrent slots' calls
    // into shared POSTs, as stacklens's client does (the strongest fair anchor).
    const transport = http(chain.rpcUrls[0], { fetchFn: nodeFetch, batch: { wait: 0, batchSize: 100 } })
    const clients = Array.from(
      { length: concurrency },
      () =>
        createPublicClient({
          chain: {
            ...CHAINS.local.viem,
            contracts: { ...CHAINS.local.viem.contracts, multicall3: { address: chain.multicall3 } },
          },
          transport,
          batch: { multicall: { wait: 0, batchSize: 64 * 1024 } },
        }) as PublicClient,
    )
    results.push([
      'anchor: viem fetch only (discovery + multicall), same fetch',
      await measure(async (worker) => {
        const client = clients[worker]!
        const discovered = await Promise.all(
          ADAPTERS.map((a) => a.discover?.({ client, chain, user: looper })),
        )
        const calls = ADAPTERS.flatMap((a, i) => a.planWallet(chain, looper, discovered[i] as never)).flatMap(
          (p) => p.calls,
        )
        await Promise.all([
          ...calls.map((c) => client.call({ to: c.target, data: c.callData as Hex }).catch(() => undefined)),
          client.readContract({
            address: chain.multicall3,
            abi: multicall3Abi,
            functionName: 'getBlockNumber',
          }),
        ])
      }),
    ])
  }

  console.log(`\nCPU per request, in process, ${requests} requests, ${concurrency} in flight, warm\n`)
  console.log(`| ${'what'.padEnd(48)} | CPU ms/req | req/s per core (CPU) | wall ms/req |`)
  console.log(`|${'-'.repeat(50)}|------------|----------------------|-------------|`)
  for (const [name, r] of results)
    console.log(
      `| ${name.padEnd(48)} | ${r.cpuMs.toFixed(2).padStart(10)} | ${(1000 / r.cpuMs).toFixed(0).padStart(20)} | ${r.wallMs.toFixed(2).padStart(11)} |`,
    )
  const app1 = results.find(([n]) => n.includes('wallets'))?.[1]
  const anchor = results.find(([n]) => n.startsWith('anchor'))?.[1]
  if (app1 && anchor)
    console.log(
      `\nCPU ratio stacklens / anchor (viem fetch only): ${(app1.cpuMs / anchor.cpuMs).toFixed(2)}x`,
    )
} finally {
  await dc.stop()
}
