/**
 * Benchmark: the monitor's tick over 10,000 watched wallets on the devchain, one Node process.
 *
 * Population: `seedBorrowerPopulation` (src/devchain/population.ts) with its Aave mix only (WETH,
 * wstETH, WBTC, WETH+WBTC against USDC): REAL supply/borrow transactions, many borrowers per
 * transaction, automined. Every borrower is watched ("HF below 1.0") in a real SQLite store
 * (src/monitor/store/, a temp file).
 *
 * Measures, side by side in this process against the same anvil:
 * - the cheap read alone: `readHealthBatch` (Pool.getUserAccountData of every wallet on both Aave
 *   markets, aggregate3 chunked by gas) vs the ANCHOR: the same calls, one `readContract` each,
 *   all concurrent, through viem's own multicall batching (`batch: { multicall: true }`, viem's
 *   default batch size), and a second anchor with viem's multicall batch size raised to the
 *   calldata of one of our chunks (the strongest fair setting of viem's batching), once without and
 *   once with JSON-RPC batching of those eth_calls; every anchor call pinned to one block as ours
 *   are; the ratio is printed against each and against the strongest (fastest) of them;
 * - the cold tick (first: every wallet deep-read once through the wallet report) and the steady
 *   tick (cheap read, evaluation of every watch, the store's reads and writes) of `runTick`;
 * - wallets per RPC round trip (HTTP POSTs to anvil, counted by a wrapping fetch) and per eth_call.
 *
 * Targets (issue 16): >= 200 wallets per round trip; a full 10,000-wallet tick < 10 s.
 * Figures are noisy on a shared machine: rerun on a quiet one before quoting.
 *
 * Usage: npx tsx scripts/bench/monitor.ts [--wallets 10000] [--runs 3]
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { type Address, createPublicClient, defineChain, http } from 'viem'
import { aavePoolAbi } from '../../abis/aave-pool.js'
import { createStacklens } from '../../src/app.js'
import { createChainClient } from '../../src/chains/client.js'
import { configFromEnv, localChainRuntime } from '../../src/config.js'
import { DEVCHAIN_STATE_CACHE_DIR, devchainClients, startDevchain } from '../../src/devchain/devchain.js'
import { POPULATION_MARKETS, seedBorrowerPopulation } from '../../src/devchain/population.js'
import { readHealthBatch } from '../../src/monitor/evaluate/batch-read.js'
import { openSqliteStore } from '../../src/monitor/store/sqlite-store.js'
import { createMonitorCache, runTick, type TickTimings } from '../../src/monitor/tick.js'
import type { Watch } from '../../src/monitor/types.js'
import { ADAPTERS } from '../../src/protocols/read-wallet.js'

const { values } = parseArgs({
  options: {
    wallets: { type: 'string', default: '10000' },
    runs: { type: 'string', default: '3' },
    /** `memory`: SQLite in memory (the same store code, no fsync per write: creating 10,000 watches on a loaded disk takes minutes); `file`: a temp file. */
    db: { type: 'string', default: 'memory' },
  },
})
const N = Number(values.wallets)
const RUNS = Number(values.runs)
const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`
const phases = (t: TickTimings) =>
  Object.entries(t)
    .map(([k, v]) => `${k} ${v}`)
    .join(', ')
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!

/** A fetch that counts the HTTP POSTs and JSON-RPC requests it carries. */
function countingFetch() {
  const counts = { posts: 0, requests: 0, ethCalls: 0 }
  const fn: typeof fetch = async (input, init) => {
    counts.posts++
    const body = typeof init?.body === 'string' ? JSON.parse(init.body) : null
    const list = Array.isArray(body) ? body : body ? [body] : []
    counts.requests += list.length
    counts.ethCalls += list.filter((r: { method?: string }) => r.method === 'eth_call').length
    return fetch(input, init)
  }
  return {
    fn,
    counts,
    reset() {
      counts.posts = 0
      counts.requests = 0
      counts.ethCalls = 0
    },
  }
}

const t0 = performance.now()
const devchain = await startDevchain({
  manifestPath: null,
  population: false,
  stateCache: DEVCHAIN_STATE_CACHE_DIR,
})
const m = devchain.manifest
console.log(`devchain up in ${s(performance.now() - t0)} at ${devchain.rpcUrl}`)
const db = mkdtempSync(join(tmpdir(), 'stacklens-bench-monitor-'))
try {
  const t1 = performance.now()
  // In rounds of at most 150 borrowers (a seed each): all 10,000 at once (or 400 per round on a
  // shared, loaded machine) submits more transactions than a loaded anvil mines within tx.ts's 30 s
  // wait. A round that still times out is seeded again with a fresh seed (the borrowers a failed
  // round did open stay on chain, unwatched).
  const wallets: Address[] = []
  let transactions = 0
  let failedRounds = 0
  for (let round = 0; wallets.length < N; round++) {
    let population: Awaited<ReturnType<typeof seedBorrowerPopulation>>
    try {
      population = await seedBorrowerPopulation(
        devchainClients(devchain.rpcUrl),
        { pool: m.aaveV3.pool as Address, oracle: m.aaveV3.oracle as Address, tokens: m.tokens as never },
        { morpho: m.aaveV3.pool as Address, markets: [] },
        {
          count: Math.min(150, N - wallets.length),
          seed: round + 1,
          markets: POPULATION_MARKETS.filter((x) => x.protocol === 'aave-v3'),
        },
      )
    } catch (err) {
      if (++failedRounds > 5) throw err
      console.error(`  round ${round} failed (${err instanceof Error ? err.message : err}); seeding again`)
      continue
    }
    wallets.push(...population.borrowers.map((b) => b.address))
    transactions += population.summary.transactions
    if (round % 10 === 0) console.error(`  seeded ${wallets.length}/${N} (${s(performance.now() - t1)})`)
  }
  console.log(
    `seeded ${wallets.length} Aave borrowers in ${transactions} transactions, ${s(performance.now() - t1)}`,
  )

  const chain = localChainRuntime(m)
  const ours = countingFetch()
  const client = createChainClient('local', { rpcUrls: chain.rpcUrls, fetchFn: ours.fn })

  // Cheap read alone vs viem's multicall batching.
  const cheap: number[] = []
  let stats: Awaited<ReturnType<typeof readHealthBatch>>['stats'] | undefined
  let posts = 0
  for (let r = 0; r < RUNS; r++) {
    ours.reset()
    const a = performance.now()
    const batch = await readHealthBatch({
      client,
      chain,
      adapters: ADAPTERS,
      wallets: wallets.map((address) => ({ address })),
    })
    cheap.push(performance.now() - a)
    stats = batch.stats
    posts = ours.counts.posts
  }
  console.error(
    `  (readHealthBatch median ${s(median(cheap))}, ${stats!.ethCalls} eth_calls in ${posts} POSTs)`,
  )
  const calls = wallets.flatMap((w) => chain.aaveMarkets.map((mk) => ({ pool: mk.pool, user: w })))
  // Every anchor reads at ONE block, as readHealthBatch does (viem groups multicalls by block).
  const anchorBlock = await client.getBlockNumber({ cacheTime: 0 })
  const anchor = async (batchSize?: number, rpcBatch = false) => {
    const counted = countingFetch()
    const viemClient = createPublicClient({
      chain: defineChain({
        id: chain.chainId,
        name: 'local',
        nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 },
        rpcUrls: { default: { http: chain.rpcUrls } },
        contracts: { multicall3: { address: chain.multicall3 } },
      }),
      // A generous timeout: viem's default 10 s fails the default-batch anchor's hundreds of
      // concurrent POSTs at 10,000 wallets on a loaded machine; an anchor must not lose by timing out.
      transport: http(chain.rpcUrls[0], {
        fetchFn: counted.fn,
        timeout: 600_000,
        // 4 eth_calls per POST, as our client shares them: one POST of all of them (viem's default
        // 1,000) is a >1 MB body that anvil refuses as an invalid request at 10,000 wallets.
        ...(rpcBatch ? { batch: { batchSize: 4 } } : {}),
      }),
      batch: { multicall: batchSize === undefined ? true : { batchSize } },
    })
    const a = performance.now()
    await Promise.all(
      calls.map((c) =>
        viemClient.readContract({
          address: c.pool,
          abi: aavePoolAbi,
          functionName: 'getUserAccountData',
          args: [c.user],
          blockNumber: anchorBlock,
        }),
      ),
    )
    return { ms: performance.now() - a, posts: counted.counts.posts, ethCalls: counted.counts.ethCalls }
  }
  const viemDefault: { ms: number; posts: number; ethCalls: number }[] = []
  const viemTuned: { ms: number; posts: number; ethCalls: number }[] = []
  const viemTunedRpcBatch: { ms: number; posts: number; ethCalls: number }[] = []
  // One chunk of ours carries ~ (calls / ethCalls) calls of ~100 bytes of calldata (getUserAccountData + address).
  const tunedBytes = Math.ceil(((stats?.uniqueCalls ?? 1) / (stats?.ethCalls ?? 1)) * 36)
  for (let r = 0; r < RUNS; r++) {
    viemDefault.push(await anchor())
    viemTuned.push(await anchor(tunedBytes))
    viemTunedRpcBatch.push(await anchor(tunedBytes, true))
  }

  // The full tick over the store.
  const store = await openSqliteStore(values.db === 'file' ? join(db, 'stacklens.db') : ':memory:')
  const now = Date.now()
  await store.createKey({
    id: 'k_bench',
    hash: '0'.repeat(64),
    maxWatches: N,
    maxTargetsPerWatch: 1,
    createdAt: now,
  })
  const t2 = performance.now()
  for (let i = 0; i < wallets.length; i++) {
    const watch: Watch = {
      id: `w_${String(i).padStart(8, '0')}`,
      keyId: 'k_bench',
      address: wallets[i]!.toLowerCase() as Address,
      chains: ['local'],
      rules: [{ metric: 'healthFactor', below: 1.0 }],
      webhooks: [{ url: 'http://127.0.0.1:9/hook', secret: 'bench' }],
      cooldownMs: 60_000,
      createdAt: now,
      updatedAt: now,
    }
    await store.createWatch(watch)
  }
  console.log(`created ${wallets.length} watches in SQLite (${values.db}) in ${s(performance.now() - t2)}`)
  const tickFetch = countingFetch()
  const { sources } = createStacklens({
    config: configFromEnv({}, m),
    clientFor: (c) => createChainClient(c.key, { rpcUrls: c.rpcUrls, fetchFn: tickFetch.fn }),
  })
  const ctx = { store, sources, cache: createMonitorCache() }
  const t3 = performance.now()
  const cold = await runTick(ctx, ['local'])
  const coldMs = performance.now() - t3
  const coldPosts = tickFetch.counts.posts
  console.error(
    `  (first tick ${s(coldMs)}: ${cold.chains[0]!.deepReads} deep reads, ${cold.chains[0]!.deepDeferred} deferred; phases (ms): ${phases(cold.chains[0]!.timings)})`,
  )
  const t4 = performance.now()
  let warmTicks = 0
  for (let pending = cold.chains[0]!.deepDeferred; pending > 0; warmTicks++) {
    const warm = await runTick(
      { ...ctx, options: { deepBudgetMs: 600_000, tickBudgetMs: 600_000, deepConcurrency: 8 } },
      ['local'],
    )
    pending = warm.chains[0]!.deepDeferred
  }
  const warmMs = performance.now() - t4
  const steady: number[] = []
  let steadyPosts = 0
  let last = cold
  for (let r = 0; r < RUNS; r++) {
    await devchainClients(devchain.rpcUrl).test.mine({ blocks: 1 })
    tickFetch.reset()
    const a = performance.now()
    last = await runTick(ctx, ['local'])
    steady.push(performance.now() - a)
    steadyPosts = tickFetch.counts.posts
  }
  await store.close()

  const c = last.chains[0]!
  const ms = median(cheap)
  const vd = median(viemDefault.map((x) => x.ms))
  const vt = median(viemTuned.map((x) => x.ms))
  const vb = median(viemTunedRpcBatch.map((x) => x.ms))
  console.log('')
  console.log(
    `cheap read of ${wallets.length} wallets (${stats!.calls} calls, ${stats!.uniqueCalls} distinct):`,
  )
  console.log(
    `  stacklens readHealthBatch   ${s(ms)}  ${stats!.ethCalls} eth_calls in ${posts} POSTs: ${(wallets.length / stats!.ethCalls).toFixed(0)} wallets per eth_call, ${(wallets.length / posts).toFixed(0)} per round trip, ${((wallets.length / ms) * 1000).toFixed(0)} wallets/s`,
  )
  console.log(
    `  anchor viem multicall (default batchSize)   ${s(vd)}  ${viemDefault[0]!.ethCalls} eth_calls in ${viemDefault[0]!.posts} POSTs  ratio ${(vd / ms).toFixed(2)}x`,
  )
  console.log(
    `  anchor viem multicall (batchSize ${tunedBytes} B)   ${s(vt)}  ${viemTuned[0]!.ethCalls} eth_calls in ${viemTuned[0]!.posts} POSTs  ratio ${(vt / ms).toFixed(2)}x`,
  )
  console.log(
    `  anchor viem multicall (batchSize ${tunedBytes} B, JSON-RPC batch on)   ${s(vb)}  ${viemTunedRpcBatch[0]!.ethCalls} eth_calls in ${viemTunedRpcBatch[0]!.posts} POSTs  ratio ${(vb / ms).toFixed(2)}x`,
  )
  const strongest = Math.min(vd, vt, vb)
  console.log(
    `  ratio against the strongest anchor: ${(strongest / ms).toFixed(2)}x (anchor ms / stacklens ms)`,
  )
  console.log(`full tick (runTick: cheap read, ${c.watches} watches evaluated, SQLite store):`)
  console.log(
    `  cold (first tick)   ${s(coldMs)}  ${cold.chains[0]!.deepReads} deep reads, ${cold.chains[0]!.deepDeferred} deferred, ${cold.chains[0]!.outcomesStored} outcomes stored, ${coldPosts} POSTs`,
  )
  console.log(`    first-tick phases (ms): ${phases(cold.chains[0]!.timings)}`)
  console.log(
    `  warm-up (every wallet deep-read once, untimed in the steady figure)   ${s(warmMs)} in ${warmTicks} ticks`,
  )
  console.log(
    `  steady (median of ${RUNS})   ${s(median(steady))}  ${c.deepReads} deep reads, ${c.deepDeferred} deferred, ${c.outcomesStored} outcomes stored, ${steadyPosts} POSTs: ${(c.wallets / Math.max(1, steadyPosts)).toFixed(0)} wallets per round trip, ${((c.wallets / median(steady)) * 1000).toFixed(0)} wallets/s`,
  )
  console.log(`    steady-tick phases (ms, last run): ${phases(c.timings)}`)
  const perRoundTrip = c.wallets / Math.max(1, steadyPosts)
  console.log(
    `target >= 200 wallets per round trip: ${perRoundTrip >= 200 ? 'PASS' : 'FAIL'} (${perRoundTrip.toFixed(0)})`,
  )
  console.log(
    `target full ${c.wallets}-wallet tick < 10 s: ${median(steady) < 10_000 ? 'PASS' : 'FAIL'} (steady ${s(median(steady))}); first tick ${coldMs < 10_000 ? 'PASS' : 'FAIL'} (${s(coldMs)})`,
  )
} catch (err) {
  console.error('benchmark failed:', err instanceof Error ? err.message.split('\n')[0] : err)
  process.exitCode = 1
} finally {
  await devchain.stop().catch((err: unknown) => console.error('devchain stop:', err))
  rmSync(db, { recursive: true, force: true })
}
