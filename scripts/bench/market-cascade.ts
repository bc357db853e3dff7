/**
 * Benchmark: the devchain market cascade endpoint, in process (`app.request()`, no HTTP server),
 * `GET /v1/markets/aave-v3-local/cascade?chain=local&asset=ETH` (default 25 shocks, the Uniswap v3
 * pool's depth) on a devchain WITH the borrower population (600 contract borrowers), as `npm start`
 * binds the app (JSON-RPC over node:http keep-alive).
 *
 * - warm, new block: before each request one empty block is mined (anvil `evm_mine`), so the
 *   prepared market of the previous block cannot be reused: borrowers from the Borrow logs, every
 *   position read and decoded, rates, contributions, thresholds, the pool's ticks, the curve.
 *   After a warm-up (JIT). The target: p50 < 100 ms.
 *   The market's read at the previous block is carried over (users no event named since reuse
 *   their getUserReservesData answer; only getUserAccountData is read for them; the candidates
 *   are the previous read's plus the Borrow events of the new block, no Borrow scan from block 0).
 * - new block, nothing carried over: the same after forgetting the market's latest read: every
 *   user read in full (what the first request after a restart, or a gap of many blocks, costs).
 * - repeat at the same block: the same request again without mining: the prepared market and the
 *   pool state come from the root's caches (one block header read). Target: p50 < 20 ms.
 *
 * Anchor, side by side in the same process, per new block: the strongest fair floor of the same
 * answer, plain viem doing the same reads as fast as it can: eth_getLogs of the Pool's Borrow
 * events from block 0 (the same enumeration), then one viem `multicall` (aggregate3, viem's own ABI
 * decoding of every result) of the five market-wide calls and getUserReservesData +
 * getUserAccountData per borrower, pinned to the block, then the same cascade engine
 * (prepareCascade, the 25-point curve over the same pool depth curve, the histogram) on the same cascade inputs (prepared from
 * the stacklens read beforehand, outside the timing: the anchor does not build positions, check
 * the protocol's math, resolve assets or read the pool). The ratio says what the served answer costs
 * beyond reading and decoding its bytes.
 *
 * And the node's floor: the same eth_getLogs and aggregate3 eth_calls of the positions as raw
 * JSON-RPC POSTs with calldata encoded beforehand and nothing decoded: how much of the wall time is
 * anvil's own execution, which no client-side work can remove; once with both per-user calls (the
 * full read) and once with the new block's events of the market's contracts and getUserAccountData
 * alone (the carried read: the HF check to the wei that every borrower still gets at every new
 * block).
 *
 * The viem anchor does the full read (it carries nothing over), so its ratio is printed against
 * stacklens's full read; the carried read is printed against its raw-POST floor.
 *
 * The machine is shared while helpers work: figures are noisy; re-measure on a quiet machine.
 *
 * `--only app` leaves the anchor out (its garbage is then not collected inside stacklens's timing).
 *
 * Usage: npx tsx scripts/bench/market-cascade.ts [--requests 30] [--only app] [--profile cascade.cpuprofile]
 */
import { writeFileSync } from 'node:fs'
import { Session } from 'node:inspector/promises'
import { parseArgs } from 'node:util'
import { type Address, createPublicClient, http, type PublicClient, toEventSelector } from 'viem'
import { aavePoolAbi, aavePoolRevisionAbi } from '../../abis/aave-pool.js'
import { uiPoolDataProviderV30Abi, uiPoolDataProviderV33Abi } from '../../abis/aave-ui-pool-data-provider.js'
import { createStacklens } from '../../src/app.js'
import { encodeAggregate3, type RawCall } from '../../src/chains/batch.js'
import { createNodeFetch } from '../../src/chains/node-fetch.js'
import { CHAINS } from '../../src/chains/registry.js'
import { configFromEnv } from '../../src/config.js'
import { devchainClients, startDevchain } from '../../src/devchain/devchain.js'
import { readUniswapV3Pool } from '../../src/dex/uniswap-v3.js'
import { AAVE_BORROW_EVENT } from '../../src/markets/enumerate-borrowers-from-logs.js'
import { prepareMarket } from '../../src/markets/prepared-market.js'
import { AAVE_MARKET_WIDE_CALLS, aaveUserCalls, aaveWalletCalls } from '../../src/protocols/aave-v3/read.js'
import { DEFAULT_CASCADE_SHOCKS } from '../../src/report/market-cascade-report.js'
import { cascadeCurve, liquidationHistogram, prepareCascade } from '../../src/risk/cascade.js'
import { uniswapV3Depth } from '../../src/risk/depth.js'

const { values } = parseArgs({
  options: { requests: { type: 'string' }, profile: { type: 'string' }, only: { type: 'string' } },
})
const REQUESTS = Number(values.requests ?? 30)

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b)
  return s[s.length >> 1]!
}
const pct = (xs: number[], q: number) => {
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.min(s.length - 1, Math.floor(q * s.length))]!
}

const dc = await startDevchain({ manifestPath: null, population: true })
try {
  const config = configFromEnv({}, dc.manifest)
  const chain = config.chains.local!
  const nodeFetch = createNodeFetch()
  const stacklens = createStacklens({ config, fetchFn: nodeFetch })
  const { app } = stacklens
  const tools = devchainClients(dc.rpcUrl)
  const mine = () => tools.test.request({ method: 'evm_mine', params: [] } as never)
  const path = '/v1/markets/aave-v3-local/cascade?chain=local&asset=ETH'
  const market = chain.aaveMarkets.find((m) => m.id === 'aave-v3-local')!

  const request = async () => {
    const c = process.cpuUsage()
    const t = performance.now()
    const res = await app.request(path)
    const body = (await res.json()) as { points: unknown[]; borrowers: { inCascade: number } }
    if (res.status !== 200) throw new Error(`status ${res.status}: ${JSON.stringify(body)}`)
    const cpu = process.cpuUsage(c)
    return { ms: performance.now() - t, cpuMs: (cpu.user + cpu.system) / 1000, body }
  }

  const viem = createPublicClient({
    chain: {
      ...CHAINS.local.viem,
      contracts: { ...CHAINS.local.viem.contracts, multicall3: { address: chain.multicall3 } },
    },
    transport: http(chain.rpcUrls[0], { fetchFn: nodeFetch }),
  }) as PublicClient
  const pool = dc.manifest.aaveV3.pool as Address
  const ui = market.uiPoolDataProvider
  const provider = market.poolAddressesProvider
  /** The anchor at the head: plain viem reads + viem decoding + the same engine on `inputs`. */
  const anchor = async (inputs: Parameters<typeof prepareCascade>[0], startPrice: number) => {
    const c = process.cpuUsage()
    const t = performance.now()
    const blockNumber = await viem.getBlockNumber({ cacheTime: 0 })
    const logs = await viem.getLogs({
      address: pool,
      event: AAVE_BORROW_EVENT,
      fromBlock: 0n,
      toBlock: blockNumber,
    })
    const users = [...new Set(logs.map((l) => l.args.onBehalfOf as Address))]
    const contracts = [
      { address: ui, abi: uiAbi, functionName: 'getReservesData', args: [provider] },
      // getEModes exists from v3.2/v3.3 only (stacklens probes it; on v3.0 it reverts).
      { address: ui, abi: uiPoolDataProviderV33Abi, functionName: 'getEModes', args: [provider] },
      { address: pool, abi: aavePoolAbi, functionName: 'getReservesList' },
      { address: pool, abi: aavePoolAbi, functionName: 'getReservesCount' },
      { address: pool, abi: aavePoolRevisionAbi, functionName: 'POOL_REVISION' },
      ...users.flatMap((u) => [
        {
          address: ui,
          abi: uiAbi,
          functionName: 'getUserReservesData',
          args: [provider, u],
        },
        { address: pool, abi: aavePoolAbi, functionName: 'getUserAccountData', args: [u] },
      ]),
    ]
    const results = await viem.multicall({
      contracts: contracts as never,
      allowFailure: true,
      blockNumber,
      // About 100 users per aggregate3 (104 bytes of calldata each), as stacklens chunks them.
      batchSize: 10_500,
    })
    const prepared = prepareCascade(inputs)
    cascadeCurve(prepared, startPrice, DEFAULT_CASCADE_SHOCKS, depth)
    liquidationHistogram(prepared, startPrice, { from: startPrice * 0.4, to: startPrice, count: 30 })
    const cpu = process.cpuUsage(c)
    return {
      ms: performance.now() - t,
      cpuMs: (cpu.user + cpu.system) / 1000,
      results: (results as unknown[]).length,
      users: users.length,
    }
  }

  /**
   * The node's floor at the head: the same eth_getLogs and the positions' aggregate3 eth_calls
   * stacklens makes (the market-wide calls once, then 100 users a call, 2 in flight), calldata
   * encoded beforehand, raw JSON-RPC POSTs, nothing decoded: what anvil alone costs per answer.
   */
  let rpcId = 0
  const rpc = async (method: string, params: unknown[]) => {
    const res = await nodeFetch(chain.rpcUrls[0]!, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ jsonrpc: '2.0', id: ++rpcId, method, params }),
    })
    const body = (await res.json()) as { result?: unknown; error?: unknown }
    if (body.error) throw new Error(JSON.stringify(body.error))
    return body.result
  }
  const floor = async (users: readonly Address[], carried = false) => {
    const c = process.cpuUsage()
    const t = performance.now()
    const head = (await rpc('eth_blockNumber', [])) as string
    // The full read enumerates the Borrow logs from block 0; the carried one scans only the
    // market's contracts' events of the new block (what it reuses, and who borrowed since).
    await rpc('eth_getLogs', [
      carried
        ? { address: contracts, topics: [], fromBlock: head, toBlock: head }
        : { address: pool, topics: [toEventSelector(AAVE_BORROW_EVENT)], fromBlock: '0x0', toBlock: head },
    ])
    const probe = aaveWalletCalls(market, '0x0000000000000000000000000000000000000000')
    const call = (calls: RawCall[]) =>
      rpc('eth_call', [{ to: chain.multicall3, data: encodeAggregate3(calls) }, head])
    await call(AAVE_MARKET_WIDE_CALLS.map((i) => probe[i]!))
    const chunks: Address[][] = []
    for (let i = 0; i < users.length; i += 100) chunks.push(users.slice(i, i + 100))
    let next = 0
    await Promise.all(
      [0, 1].map(async () => {
        while (next < chunks.length)
          await call(
            chunks[next++]!.flatMap((u) => {
              const [reserves, account] = aaveUserCalls(market, u)
              // The carried path reads only getUserAccountData (getUserReservesData reused).
              return carried ? [account] : [reserves, account]
            }),
          )
      }),
    )
    const cpu = process.cpuUsage(c)
    return { ms: performance.now() - t, cpuMs: (cpu.user + cpu.system) / 1000 }
  }

  // The cascade inputs of the anchor's engine run: the stacklens read of the same market.
  const { market: preparedMarket } = await prepareMarket({
    client: stacklens.sources.clientFor(chain),
    chain,
    market: 'aave-v3-local',
    assets: stacklens.sources.assets,
  })
  const view = preparedMarket.cascadeFor('ETH')
  const contracts = preparedMarket.borrowers.contracts ?? [pool]
  // The anchor decodes with the ABI of the layout the market runs (what stacklens detected).
  const layout = (preparedMarket.borrowers.positions[0]?.details as { layout?: string } | undefined)?.layout
  const uiAbi = layout === 'v3.0' ? uiPoolDataProviderV30Abi : uiPoolDataProviderV33Abi
  // The same depth curve as the endpoint's (the pool read once, outside the anchor's timing).
  const dexPool = chain.dexPools!.find((p) => p.riskAsset === 'ETH')!
  const depth = uniswapV3Depth(
    await readUniswapV3Pool({
      client: stacklens.sources.clientFor(chain),
      chain: chain.key,
      multicall3: chain.multicall3,
      pool: dexPool.pool,
      asset: dexPool.token,
    }),
  )
  console.log(`aave-v3-local runs the ${layout} layout; the anchor decodes with that ABI`)
  const startPrice = view.inputs.startPrice!

  const first = await request()
  console.log(
    `devchain population: ${first.body.borrowers.inCascade} borrowers in the ETH cascade of aave-v3-local; first request ${first.ms.toFixed(0)} ms (cold JIT)`,
  )
  for (let i = 0; i < 10; i++) {
    await mine()
    await request()
    await request()
    if (values.only !== 'app') await anchor(view.inputs.positions, startPrice)
    await floor(preparedMarket.borrowers.borrowers)
  }

  const session = values.profile ? new Session() : undefined
  if (session) {
    session.connect()
    await session.post('Profiler.enable')
    await session.post('Profiler.setSamplingInterval', { interval: 100 })
    await session.post('Profiler.start')
  }
  const fresh: number[] = []
  const freshCpu: number[] = []
  const repeat: number[] = []
  const repeatCpu: number[] = []
  const anchored: number[] = []
  const anchoredCpu: number[] = []
  let anchorCalls = 0
  const runAnchor = async () => {
    if (values.only === 'app') return
    const a = await anchor(view.inputs.positions, startPrice)
    anchored.push(a.ms)
    anchoredCpu.push(a.cpuMs)
    anchorCalls = a.results
  }
  const floored: number[] = []
  const flooredCpu: number[] = []
  const users = preparedMarket.borrowers.borrowers
  const flooredCarried: number[] = []
  const flooredCarriedCpu: number[] = []
  const runFloor = async () => {
    const f = await floor(users)
    floored.push(f.ms)
    flooredCpu.push(f.cpuMs)
    const c = await floor(users, true)
    flooredCarried.push(c.ms)
    flooredCarriedCpu.push(c.cpuMs)
  }
  const runFresh = async () => {
    const r = await request()
    fresh.push(r.ms)
    freshCpu.push(r.cpuMs)
  }
  const cold: number[] = []
  const coldCpu: number[] = []
  const runCold = async () => {
    // Nothing to carry over: the market's latest read forgotten, everything read at this block.
    stacklens.caches.preparedMarkets.latest.clear()
    const r = await request()
    cold.push(r.ms)
    coldCpu.push(r.cpuMs)
  }
  for (let i = 0; i < REQUESTS; i++) {
    await mine()
    // Alternate which goes first at a new block, so neither always meets a cold socket or node.
    if (i % 2 === 0) {
      await runFresh()
      await mine()
      await runCold()
      await runAnchor()
      await runFloor()
    } else {
      await runFloor()
      await runAnchor()
      await runCold()
      await mine()
      await runFresh()
    }
    const r = await request()
    repeat.push(r.ms)
    repeatCpu.push(r.cpuMs)
  }
  if (session && values.profile) {
    const { profile } = await session.post('Profiler.stop')
    writeFileSync(values.profile, JSON.stringify(profile))
    session.disconnect()
    console.log(`CPU profile of the timed requests (and the anchor): ${values.profile}`)
  }

  const row = (name: string, xs: number[], cpu: number[]) =>
    console.log(
      `| ${name.padEnd(66)} | ${median(xs).toFixed(1).padStart(8)} | ${pct(xs, 0.9).toFixed(1).padStart(8)} | ${median(cpu).toFixed(1).padStart(10)} |`,
    )
  console.log(
    `\nPer request, in process, ${REQUESTS} requests each, one at a time, warm (CPU: this process; anvil runs in its own)\n`,
  )
  console.log(`| ${'what'.padEnd(66)} | p50 ms   | p90 ms   | CPU p50 ms |`)
  console.log(`|${'-'.repeat(68)}|----------|----------|------------|`)
  row('stacklens GET .../aave-v3-local/cascade, new block, last read carried', fresh, freshCpu)
  row('stacklens, new block, nothing carried over (full read)', cold, coldCpu)
  row('stacklens, the same request repeated at the same block', repeat, repeatCpu)
  row(`floor: the same getLogs + aggregate3 eth_calls, raw POSTs, no decoding`, floored, flooredCpu)
  row(
    `floor of the carried read: new block's logs + getUserAccountData, raw POSTs`,
    flooredCarried,
    flooredCarriedCpu,
  )
  if (anchored.length > 0) {
    row(
      `anchor: viem getLogs + multicall (${anchorCalls} calls, viem decode) + engine`,
      anchored,
      anchoredCpu,
    )
    console.log(
      `\nratio stacklens full read / anchor (both read every user in full, Borrow logs from block 0): wall ${(median(cold) / median(anchored)).toFixed(2)}x, CPU ${(median(coldCpu) / median(anchoredCpu)).toFixed(2)}x`,
    )
    console.log(
      `ratio stacklens carried read / its floor (the same reads as raw POSTs, nothing decoded): wall ${(median(fresh) / median(flooredCarried)).toFixed(2)}x`,
    )
  }
  console.log('')
  console.log(`${median(fresh) < 100 ? 'PASS' : 'FAIL'}  p50 at a new block < 100 ms`)
  // Not the target (a warm server at a new block, above): what the first request after a
  // restart costs, next to the floor of its reads alone.
  console.log(
    `INFO  p50 at a new block, full read: ${median(cold).toFixed(1)} ms (its raw-POST floor ${median(floored).toFixed(1)} ms)`,
  )
  console.log(`${median(repeat) < 20 ? 'PASS' : 'FAIL'}  p50 repeat at the same block < 20 ms`)
} finally {
  await dc.stop()
}
