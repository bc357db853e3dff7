/**
 * Benchmark: wallet reads on the devchain, stacklens vs anchors run side by side in the same
 * process, through a counting proxy in front of anvil that adds a fixed delay per HTTP request
 * (default 50 ms, like a remote RPC).
 *
 * Part 1, one Aave v3 report per demo wallet (the Aave adapter alone):
 * - stacklens: readWallet (one aggregate3 eth_call pinned to one block, decode + exact math).
 * - anchor (the strongest fair one, the ratio printed): viem's own concurrent multicall of the same
 *   reads: UiPoolDataProviderV3.getReservesData, getUserReservesData, Pool.getUserAccountData and
 *   Multicall3.getBlockNumber (so it too knows its block) as concurrent readContract calls on a
 *   client with `batch: { multicall: true }`, which viem folds into one aggregate3 eth_call. It
 *   only fetches: no decoding into positions, no math.
 * - reference: the same reads one call at a time (getBlockNumber, then three eth_calls at that
 *   block), the figure the README used to compare against.
 *
 * Part 2, the protocol-complete read (the real advantage): the looper wallet across Aave v3,
 * Morpho Blue and Compound v3, discovery included (Morpho markets from the wallet's events), every
 * position decoded with its protocol's exact rules. stacklens: readWallet. Anchor: a viem client
 * fetching the very same raw data as fast as viem allows: the same discovery, then the same
 * eth_calls (every adapter's plan) as concurrent `call`s folded by viem's multicall batching;
 * and the same calls one at a time, as most viem code is written. The anchors only fetch.
 *
 * Prints tables: HTTP requests, JSON-RPC calls, sequential round trips, wall time per report and
 * the ratios; CPU of stacklens's decode + math per Aave report (process.cpuUsage, warm).
 *
 * Usage: npx tsx scripts/bench/wallet-query.ts [--delay-ms 50] [--runs 20]
 */
import { parseArgs } from 'node:util'
import { type Address, createPublicClient, type Hex, http } from 'viem'
import { aavePoolAbi } from '../../abis/aave-pool.js'
import { uiPoolDataProviderV30Abi } from '../../abis/aave-ui-pool-data-provider.js'
import { multicall3Abi } from '../../abis/multicall3.js'
import { type BlockContext, executeBatch, type RawResult } from '../../src/chains/batch.js'
import { type ChainClient, createChainClient } from '../../src/chains/client.js'
import { CHAINS } from '../../src/chains/registry.js'
import { localChainRuntime } from '../../src/config.js'
import { startDevchain } from '../../src/devchain/devchain.js'
import { aaveV3Adapter } from '../../src/protocols/aave-v3/index.js'
import { planAaveWallet } from '../../src/protocols/aave-v3/read.js'
import { ADAPTERS, readWallet } from '../../src/protocols/read-wallet.js'
import { startCountingProxy } from './proxy.js'

const { values } = parseArgs({ options: { 'delay-ms': { type: 'string' }, runs: { type: 'string' } } })
const delayMs = Number(values['delay-ms'] ?? 50)
const runs = Number(values.runs ?? 20)

const t0 = performance.now()
const dc = await startDevchain({ manifestPath: null })
const startupMs = performance.now() - t0

const proxy = await startCountingProxy(dc.rpcUrl, delayMs)
const proxyUrl = proxy.url
const stats = proxy.stats

const chain = localChainRuntime(dc.manifest, proxyUrl)
const client = createChainClient('local', { rpcUrls: [proxyUrl] })
const anchorClient = createPublicClient({ chain: CHAINS.local.viem, transport: http(proxyUrl) })
// viem's multicall batching needs the chain's Multicall3: the devchain's is at the canonical address.
const multicallChain = {
  ...CHAINS.local.viem,
  contracts: { ...CHAINS.local.viem.contracts, multicall3: { address: chain.multicall3 } },
}
const multicallClient = createPublicClient({
  chain: multicallChain,
  transport: http(proxyUrl),
  batch: { multicall: { wait: 0 } },
})
const market = chain.aaveMarkets[0]!
const wallets = dc.manifest.wallets.map((w) => w.address as Address)

async function measure(fn: (user: Address) => Promise<unknown>, users: readonly Address[] = wallets) {
  await fn(users[0]!) // warm up
  const before = { ...stats }
  const start = performance.now()
  let n = 0
  for (let i = 0; i < runs; i++) {
    for (const user of users) {
      await fn(user)
      n++
    }
  }
  return {
    msPerReport: (performance.now() - start) / n,
    httpPerReport: (stats.http - before.http) / n,
    rpcPerReport: (stats.rpc - before.rpc) / n,
    wavesPerReport: (stats.waves - before.waves) / n,
  }
}

const aaveOnly = [aaveV3Adapter]
const stacklens = await measure((user) => readWallet({ client, chain, user, adapters: aaveOnly }))
const aaveReads = (user: Address) =>
  [
    {
      address: market.uiPoolDataProvider,
      abi: uiPoolDataProviderV30Abi,
      functionName: 'getReservesData',
      args: [market.poolAddressesProvider],
    },
    {
      address: market.uiPoolDataProvider,
      abi: uiPoolDataProviderV30Abi,
      functionName: 'getUserReservesData',
      args: [market.poolAddressesProvider, user],
    },
    { address: market.pool, abi: aavePoolAbi, functionName: 'getUserAccountData', args: [user] },
  ] as const
const concurrent = await measure(async (user) => {
  const [r, u, a] = aaveReads(user)
  await Promise.all([
    multicallClient.readContract(r),
    multicallClient.readContract(u),
    multicallClient.readContract(a),
    multicallClient.readContract({
      address: chain.multicall3,
      abi: multicall3Abi,
      functionName: 'getBlockNumber',
    }),
  ])
})
const sequential = await measure(async (user) => {
  const blockNumber = await anchorClient.getBlockNumber()
  for (const read of aaveReads(user)) await anchorClient.readContract({ ...read, blockNumber } as never)
})

// Part 2: the protocol-complete read of the looper (lending protocols, discovery included).
const looper = dc.manifest.wallets.find((w) => w.key === 'looper')!.address as Address
const lending = ADAPTERS.filter((a) => a.key !== 'gmx-v2')
const complete = async (reader: ChainClient, user: Address) => {
  const discovered = await Promise.all(lending.map((a) => a.discover?.({ client: reader, chain, user })))
  return lending.flatMap((a, i) => a.planWallet(chain, user, discovered[i] as never)).flatMap((p) => p.calls)
}
const completeCalls = (await complete(client, looper)).length
const measureOne = (fn: () => Promise<unknown>) => measure(() => fn(), [looper])
const stacklensComplete = await measureOne(async () => {
  const r = await readWallet({ client, chain, user: looper, adapters: lending })
  if (r.positions.length !== 3 || r.positions.some((p) => p.status !== 'ok'))
    throw new Error('unexpected report')
})
const concurrentComplete = await measureOne(async () => {
  const calls = await complete(multicallClient, looper)
  await Promise.all([
    // allowFailure as in stacklens's plans: a reverting probe is an answer, not an error.
    ...calls.map((c) =>
      multicallClient.call({ to: c.target, data: c.callData as Hex }).catch(() => undefined),
    ),
    multicallClient.readContract({
      address: chain.multicall3,
      abi: multicall3Abi,
      functionName: 'getBlockNumber',
    }),
  ])
})
const sequentialComplete = await measureOne(async () => {
  const calls = await complete(anchorClient, looper)
  const blockNumber = await anchorClient.getBlockNumber()
  for (const c of calls)
    await anchorClient.call({ to: c.target, data: c.callData as Hex, blockNumber }).catch(() => undefined)
})

// CPU of decode + math alone, on results fetched once (no I/O inside the timed loop).
const fetched: { user: Address; results: RawResult[]; block: BlockContext }[] = []
for (const user of wallets) {
  const plan = planAaveWallet(market, user)
  const batch = await executeBatch({
    client,
    chain: 'local',
    multicall3: chain.multicall3,
    calls: plan.calls,
  })
  fetched.push({ user, results: batch.results, block: batch })
}
const noFollowUp = async () => {
  throw new Error('unexpected follow-up')
}
for (let i = 0; i < 50; i++)
  for (const f of fetched) await planAaveWallet(market, f.user).decode(f.results, f.block, noFollowUp)
const cpu0 = process.cpuUsage()
const cpuRuns = 200
for (let i = 0; i < cpuRuns; i++) {
  for (const f of fetched) await planAaveWallet(market, f.user).decode(f.results, f.block, noFollowUp)
}
const cpu = process.cpuUsage(cpu0)
const cpuMsPerReport = (cpu.user + cpu.system) / 1000 / (cpuRuns * fetched.length)

const row = (name: string, r: typeof stacklens) =>
  `| ${name.padEnd(46)} | ${r.httpPerReport.toFixed(1).padStart(13)} | ${r.rpcPerReport.toFixed(1).padStart(9)} | ${r.wavesPerReport.toFixed(1).padStart(11)} | ${r.msPerReport.toFixed(1).padStart(9)} |`
const header = () => {
  console.log(`| ${'reader'.padEnd(46)} | HTTP requests | RPC calls | round trips | ms/report |`)
  console.log(`|${'-'.repeat(48)}|---------------|-----------|-------------|-----------|`)
}
const ratio = (a: typeof stacklens, b: typeof stacklens) => `${(a.msPerReport / b.msPerReport).toFixed(2)}x`
console.log(
  `\n1. Aave v3 report on the devchain, ${wallets.length} demo wallets x ${runs} runs, +${delayMs} ms per HTTP request\n`,
)
header()
console.log(row('stacklens readWallet (computes HF)', stacklens))
console.log(row('anchor: viem concurrent multicall (fetch only)', concurrent))
console.log(row('reference: viem one call at a time', sequential))
console.log(`\nwall-time ratio anchor (viem multicall) / stacklens: ${ratio(concurrent, stacklens)}`)
console.log(`wall-time ratio viem one call at a time / stacklens: ${ratio(sequential, stacklens)}`)
console.log(
  `stacklens CPU per report (decode + exact math + liquidation prices, warm): ${cpuMsPerReport.toFixed(3)} ms`,
)
console.log(
  `\n2. protocol-complete read of the looper (Aave v3 + Morpho Blue + Compound v3, discovery included; ${completeCalls} eth_calls once discovered), ${runs} runs\n`,
)
header()
console.log(row('stacklens readWallet (3 positions, exact math)', stacklensComplete))
console.log(row('anchor: viem concurrent multicall (fetch only)', concurrentComplete))
console.log(row('reference: viem one call at a time', sequentialComplete))
console.log(
  `\nwall-time ratio anchor (viem multicall) / stacklens: ${ratio(concurrentComplete, stacklensComplete)}`,
)
console.log(
  `wall-time ratio viem one call at a time / stacklens: ${ratio(sequentialComplete, stacklensComplete)}`,
)
console.log(`devchain startup (anvil + deploy + seed): ${(startupMs / 1000).toFixed(2)} s`)

await proxy.close()
await dc.stop()
