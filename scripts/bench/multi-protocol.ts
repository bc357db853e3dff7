/**
 * Benchmark (issue 3): HTTP requests and sequential round trips per analysis of the devchain's
 * multi-protocol wallet, through a counting proxy that adds a fixed delay per request, with the
 * anchors doing the same reads their usual way, side by side in the same run:
 *
 * - stacklens readWallet (all adapters: Aave, Morpho, Compound; discovery included), cold (market facts not yet cached)
 *   and warm;
 * - anchor Aave: @aave/contract-helpers 1.28.2 UiPoolDataProvider (ethers v5) getReservesHumanized
 *   + getUserReservesHumanized (no discovery needed);
 * - anchor Morpho: @morpho-org/blue-sdk-viem fetchMarket + fetchPosition for each of the wallet's
 *   markets (ids given to it: the anchor does NOT discover).
 *
 * Also CPU per analysis (decode + exact math of every position, no I/O) with process.cpuUsage.
 *
 * Usage: npx tsx scripts/bench/multi-protocol.ts [--delay-ms 50] [--runs 10]
 */
import 'reflect-metadata'
import { parseArgs } from 'node:util'
import { UiPoolDataProvider } from '@aave/contract-helpers'
import type { MarketId } from '@morpho-org/blue-sdk'
import { fetchMarket, fetchPosition } from '@morpho-org/blue-sdk-viem'
import { registerCustomAddresses } from '@morpho-org/morpho-ts'
import { providers } from 'ethers'
import { type Address, createPublicClient, http } from 'viem'
import { executeBatch, type RawCall, type RawResult } from '../../src/chains/batch.js'
import { createChainClient } from '../../src/chains/client.js'
import { CHAINS } from '../../src/chains/registry.js'
import { localChainRuntime } from '../../src/config.js'
import { startDevchain } from '../../src/devchain/devchain.js'
import { clearMorphoFactsCache } from '../../src/protocols/morpho-blue/read.js'
import { ADAPTERS, readWallet } from '../../src/protocols/read-wallet.js'
import { startCountingProxy } from './proxy.js'

const { values } = parseArgs({ options: { 'delay-ms': { type: 'string' }, runs: { type: 'string' } } })
const delayMs = Number(values['delay-ms'] ?? 50)
const runs = Number(values.runs ?? 10)

const dc = await startDevchain({ manifestPath: null })
const proxy = await startCountingProxy(dc.rpcUrl, delayMs)
const chain = localChainRuntime(dc.manifest, proxy.url)
const client = createChainClient('local', { rpcUrls: [proxy.url] })
const user = dc.manifest.wallets.find((w) => w.key === 'looper')!.address as Address
const morphoIds = dc.manifest
  .morphoBlue!.markets.filter((m) => m.key === 'weth-usdc')
  .map((m) => m.id as MarketId)

async function measure(name: string, fn: () => Promise<unknown>, before?: () => void) {
  before?.()
  await fn()
  let ms = 0
  const start = { ...proxy.stats }
  for (let i = 0; i < runs; i++) {
    before?.()
    const t = performance.now()
    await fn()
    ms += performance.now() - t
  }
  const d = proxy.delta(start)
  return { name, http: d.http / runs, rpc: d.rpc / runs, waves: d.waves / runs, ms: ms / runs }
}

const positionsOf = async () => {
  const r = await readWallet({ client, chain, user })
  if (r.positions.length !== 4 || r.positions.some((p) => p.status !== 'ok'))
    throw new Error('unexpected report')
  return r
}

const lendingAdapters = ADAPTERS.filter((a) => a.key !== 'gmx-v2')
const lendingOf = async () => {
  const r = await readWallet({ client, chain, user, adapters: lendingAdapters })
  if (r.positions.length !== 3 || r.positions.some((p) => p.status !== 'ok'))
    throw new Error('unexpected report')
  return r
}

const rows = []
rows.push(await measure('stacklens, lending (Aave+Morpho+Comet), cold', lendingOf, clearMorphoFactsCache))
rows.push(await measure('stacklens, lending (Aave+Morpho+Comet), warm', lendingOf))
rows.push(await measure('stacklens, lending + GMX perps, warm', positionsOf))

const ethersProvider = new providers.StaticJsonRpcProvider(proxy.url, { chainId: 31337, name: 'devchain' })
const ui = new UiPoolDataProvider({
  uiPoolDataProviderAddress: dc.manifest.aaveV3.uiPoolDataProvider,
  provider: ethersProvider,
  chainId: 31337,
})
const aaveAnchor = await measure('anchor Aave: contract-helpers (ethers v5)', async () => {
  await Promise.all([
    ui.getReservesHumanized({ lendingPoolAddressProvider: dc.manifest.aaveV3.poolAddressesProvider }),
    ui.getUserReservesHumanized({
      lendingPoolAddressProvider: dc.manifest.aaveV3.poolAddressesProvider,
      user,
    }),
  ])
})
rows.push(aaveAnchor)

registerCustomAddresses({
  addresses: {
    31337: {
      blue: dc.manifest.morphoBlue!.morpho as Address,
      bundler3: {
        bundler3: '0x0000000000000000000000000000000000000002',
        generalAdapter1: '0x0000000000000000000000000000000000000003',
      },
      adaptiveCurveIrm: dc.manifest.morphoBlue!.irm as Address,
    },
  },
} as never)
const viemAnchorClient = createPublicClient({ chain: CHAINS.local.viem, transport: http(proxy.url) })
const morphoAnchor = await measure('anchor Morpho: blue-sdk-viem fetchers', async () => {
  await Promise.all(
    morphoIds.flatMap((id) => [
      fetchMarket(id, viemAnchorClient as never),
      fetchPosition(user, id, viemAnchorClient as never),
    ]),
  )
})
rows.push(morphoAnchor)
const both = await measure('anchors together (Aave + Morpho, concurrent)', async () => {
  await Promise.all([
    ui.getReservesHumanized({ lendingPoolAddressProvider: dc.manifest.aaveV3.poolAddressesProvider }),
    ui.getUserReservesHumanized({
      lendingPoolAddressProvider: dc.manifest.aaveV3.poolAddressesProvider,
      user,
    }),
    ...morphoIds.flatMap((id) => [
      fetchMarket(id, viemAnchorClient as never),
      fetchPosition(user, id, viemAnchorClient as never),
    ]),
  ])
})
rows.push(both)

// CPU: decode + math of every adapter's plan on results fetched once (warm cache, no I/O timed).
const discovered = await Promise.all(ADAPTERS.map((a) => a.discover?.({ client, chain, user })))
const plans = ADAPTERS.flatMap((a, i) => a.planWallet(chain, user, discovered[i]))
const batch = await executeBatch({
  client,
  chain: 'local',
  multicall3: chain.multicall3,
  calls: plans.flatMap((p) => p.calls),
})
// Follow-ups (GMX's liquidation verdicts) are fetched once, pinned, then replayed: no I/O timed.
const recorded: RawResult[][] = []
let replayAt = 0
const recordFollowUp = async (calls: readonly RawCall[]) => {
  const r = (
    await executeBatch({
      client,
      chain: 'local',
      multicall3: chain.multicall3,
      calls,
      blockNumber: batch.blockNumber,
    })
  ).results
  recorded.push(r)
  return r
}
const replayFollowUp = async () => recorded[replayAt++ % recorded.length]!
const decodeAll = async (followUp: (calls: readonly RawCall[]) => Promise<RawResult[]>) => {
  let offset = 0
  for (const p of plans) {
    await p.decode(batch.results.slice(offset, offset + p.calls.length), batch, followUp)
    offset += p.calls.length
  }
}
await decodeAll(recordFollowUp)
for (let i = 0; i < 50; i++) await decodeAll(replayFollowUp)
const cpu0 = process.cpuUsage()
const cpuRuns = 300
for (let i = 0; i < cpuRuns; i++) await decodeAll(replayFollowUp)
const cpu = process.cpuUsage(cpu0)
const cpuMs = (cpu.user + cpu.system) / 1000 / cpuRuns

console.log(
  `\nmulti-protocol wallet (Aave + Morpho Blue + Compound v3 double + GMX v2 double) on the devchain, ${runs} runs, +${delayMs} ms per HTTP request\n`,
)
console.log(
  '| reader                                        | HTTP requests | RPC calls | round trips | ms/analysis |',
)
console.log(
  '|-----------------------------------------------|---------------|-----------|-------------|-------------|',
)
for (const r of rows) {
  console.log(
    `| ${r.name.padEnd(45)} | ${r.http.toFixed(1).padStart(13)} | ${r.rpc.toFixed(1).padStart(9)} | ${r.waves
      .toFixed(1)
      .padStart(11)} | ${r.ms.toFixed(1).padStart(11)} |`,
  )
}
const warm = rows[1]!
console.log(
  `\nwall-time ratio, anchors together / stacklens lending warm: ${(both.ms / warm.ms).toFixed(2)}x`,
)
console.log(
  `stacklens CPU per analysis (decode + exact math + liquidation prices, warm): ${cpuMs.toFixed(3)} ms`,
)

await proxy.close()
await dc.stop()
process.exit(0)
