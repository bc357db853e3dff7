/**
 * Benchmark: one wallet report on the devchain (the Aave v3 adapter alone), stacklens vs an anchor run side by side in the
 * same process, through a counting proxy in front of anvil that adds a fixed delay per HTTP
 * request (default 50 ms, like a remote RPC).
 *
 * - stacklens: readWallet (one aggregate3 eth_call pinned to one block, decode + exact math).
 * - anchor: the usual viem way: getBlockNumber, then UiPoolDataProviderV3.getReservesData,
 *   getUserReservesData and Pool.getUserAccountData as separate eth_calls at that block
 *   (no computation at all: the anchor only fetches).
 *
 * Prints a table: HTTP requests, sequential round trips, wall time per report and the ratio;
 * CPU time of stacklens's decode + math per report (process.cpuUsage, warm); devchain startup.
 *
 * Usage: npx tsx scripts/bench/wallet-query.ts [--delay-ms 50] [--runs 20]
 */
import { parseArgs } from 'node:util'
import { type Address, createPublicClient, http } from 'viem'
import { aavePoolAbi } from '../../abis/aave-pool.js'
import { uiPoolDataProviderV30Abi } from '../../abis/aave-ui-pool-data-provider.js'
import { type BlockContext, executeBatch, type RawResult } from '../../src/chains/batch.js'
import { createChainClient } from '../../src/chains/client.js'
import { localChainRuntime } from '../../src/chains/config.js'
import { CHAINS } from '../../src/chains/registry.js'
import { startDevchain } from '../../src/devchain/devchain.js'
import { aaveV3Adapter } from '../../src/protocols/aave-v3/index.js'
import { planAaveWallet } from '../../src/protocols/aave-v3/read.js'
import { readWallet } from '../../src/protocols/read-wallet.js'
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
const market = chain.aaveMarkets[0]!
const wallets = dc.manifest.wallets.map((w) => w.address as Address)

async function measure(fn: (user: Address) => Promise<unknown>) {
  await fn(wallets[0]!) // warm up
  const before = { ...stats }
  const start = performance.now()
  let n = 0
  for (let i = 0; i < runs; i++) {
    for (const user of wallets) {
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
const anchor = await measure(async (user) => {
  const blockNumber = await anchorClient.getBlockNumber()
  await anchorClient.readContract({
    address: market.uiPoolDataProvider,
    abi: uiPoolDataProviderV30Abi,
    functionName: 'getReservesData',
    args: [market.poolAddressesProvider],
    blockNumber,
  })
  await anchorClient.readContract({
    address: market.uiPoolDataProvider,
    abi: uiPoolDataProviderV30Abi,
    functionName: 'getUserReservesData',
    args: [market.poolAddressesProvider, user],
    blockNumber,
  })
  await anchorClient.readContract({
    address: market.pool,
    abi: aavePoolAbi,
    functionName: 'getUserAccountData',
    args: [user],
    blockNumber,
  })
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
  `| ${name.padEnd(34)} | ${r.httpPerReport.toFixed(1).padStart(13)} | ${r.rpcPerReport.toFixed(1).padStart(9)} | ${r.wavesPerReport.toFixed(1).padStart(11)} | ${r.msPerReport.toFixed(1).padStart(9)} |`
console.log(
  `\nwallet report on the devchain, ${wallets.length} demo wallets x ${runs} runs, +${delayMs} ms per HTTP request\n`,
)
console.log('| reader                             | HTTP requests | RPC calls | round trips | ms/report |')
console.log('|------------------------------------|---------------|-----------|-------------|-----------|')
console.log(row('stacklens readWallet (computes HF)', stacklens))
console.log(row('anchor: viem, one call at a time', anchor))
console.log(
  `\nwall-time ratio anchor / stacklens: ${(anchor.msPerReport / stacklens.msPerReport).toFixed(2)}x`,
)
console.log(
  `stacklens CPU per report (decode + exact math + liquidation prices, warm): ${cpuMsPerReport.toFixed(3)} ms`,
)
console.log(`devchain startup (anvil + deploy + seed): ${(startupMs / 1000).toFixed(2)} s`)

await proxy.close()
await dc.stop()
