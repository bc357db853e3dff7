/**
 * The monitor's multi-wallet cheap read (src/monitor/evaluate/batch-read.ts) on the devchain
 * (real Aave v3.0 and v3.6 bytecode): every wallet's reading equals its own
 * Pool.getUserAccountData at the same block to the wei, and the wallet report's healthFactorWad;
 * chunking by gas; identical calls sent once. Wallets: the seeded demo wallets and a small
 * population (src/devchain/population.ts).
 */
import { type Address, encodeFunctionData } from 'viem'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { aavePoolAbi } from '../../abis/aave-pool.js'
import type { RawCall } from '../../src/chains/batch.js'
import { chunkByGas, readHealthBatch } from '../../src/monitor/evaluate/batch-read.js'
import { AAVE_ACCOUNT_DATA_GAS } from '../../src/protocols/aave-v3/health-read.js'
import { aaveV3Adapter } from '../../src/protocols/aave-v3/index.js'
import { ADAPTERS, readWallet } from '../../src/protocols/read-wallet.js'
import type { ProtocolAdapter } from '../../src/protocols/types.js'
import { startTestDevchain, type TestDevchain } from '../helpers/devchain.js'

let t: TestDevchain
let wallets: Address[]

beforeAll(async () => {
  t = await startTestDevchain({ population: 40 })
  const borrowers = await t.client.getLogs({
    address: t.manifest.population!.factory as Address,
    fromBlock: BigInt(t.manifest.population!.fromBlock),
    toBlock: BigInt(t.manifest.population!.toBlock),
  })
  // Each population log's first indexed topic after the signature is the borrower (BorrowerFactory).
  const fromLogs = [
    ...new Set(borrowers.flatMap((l) => (l.topics[1] ? [`0x${l.topics[1].slice(26)}` as Address] : []))),
  ]
  wallets = [...t.manifest.wallets.map((w) => w.address as Address), ...fromLogs]
}, 600_000)
afterAll(async () => {
  await t?.devchain.stop()
})

describe('chunkByGas', () => {
  it('packs calls up to the gas and count caps, a call over the cap alone', () => {
    const items = [5, 5, 5, 20, 1, 1, 1, 1].map((gas, i) => ({ gas, i }))
    // Hand packing with maxGas 10, maxCalls 3: [5,5] [5] [20] [1,1,1] [1].
    expect(chunkByGas(items, 10, 3).map((c) => c.map((x) => x.gas))).toEqual([
      [5, 5],
      [5],
      [20],
      [1, 1, 1],
      [1],
    ])
  })
})

describe('readHealthBatch on the devchain', () => {
  it('reads many wallets in few eth_calls, each equal to its own getUserAccountData to the wei', async () => {
    expect(wallets.length).toBeGreaterThan(40)
    const batch = await readHealthBatch({
      client: t.client,
      chain: t.chain,
      adapters: ADAPTERS,
      wallets: wallets.map((address) => ({ address })),
    })
    const markets = t.chain.aaveMarkets
    expect(markets.length).toBe(2)
    // One call per wallet per Aave market, all fitting one eth_call at 60,000 gas each.
    expect(batch.stats).toMatchObject({ wallets: wallets.length, calls: wallets.length * 2, ethCalls: 1 })
    // Adapters without a cheap read are named, so their positions are deep-read.
    expect(batch.wallets[0]!.uncovered).toEqual(
      expect.arrayContaining(ADAPTERS.filter((a) => !a.planHealth).map((a) => a.key)),
    )
    let withDebt = 0
    for (const w of batch.wallets) {
      for (const market of markets) {
        const reading = w.readings.find((r) => r.market === market.id)!
        const [collateral, debt, , , , hf] = await t.client.readContract({
          address: market.pool,
          abi: aavePoolAbi,
          functionName: 'getUserAccountData',
          args: [w.address],
          blockNumber: batch.blockNumber,
        })
        expect(reading.exact).toBe(true)
        expect(reading.healthFactorWad).toBe(debt > 0n ? hf : null)
        expect(reading.status).toBe(collateral === 0n && debt === 0n ? 'none' : 'ok')
        expect(reading.size).toEqual([Number(collateral) / 1e8, Number(debt) / 1e8])
        if (debt > 0n) withDebt++
      }
    }
    expect(withDebt).toBeGreaterThan(40)
  })

  it('the readings equal the wallet report healthFactorWad at the same block', async () => {
    const sample = wallets.slice(0, 12)
    const batch = await readHealthBatch({
      client: t.client,
      chain: t.chain,
      adapters: [aaveV3Adapter],
      wallets: sample.map((address) => ({ address })),
    })
    for (const w of batch.wallets) {
      const report = await readWallet({
        client: t.client,
        chain: t.chain,
        user: w.address,
        adapters: [aaveV3Adapter],
        blockNumber: batch.blockNumber,
      })
      for (const r of w.readings) {
        const p = report.positions.find((x) => x.market === r.market)
        if (p?.status === 'ok') expect(r.healthFactorWad).toBe(p.healthFactorWad)
        else expect(r.status).toBe('none')
      }
    }
  })

  it('chunks by gas: a 20-call gas cap splits the calls into pinned eth_calls of one block', async () => {
    const batch = await readHealthBatch({
      client: t.client,
      chain: t.chain,
      adapters: [aaveV3Adapter],
      wallets: wallets.map((address) => ({ address })),
      maxGasPerCall: AAVE_ACCOUNT_DATA_GAS * 20,
      concurrency: 3,
    })
    expect(batch.stats.ethCalls).toBe(Math.ceil((wallets.length * 2) / 20))
    const single = await readHealthBatch({
      client: t.client,
      chain: t.chain,
      adapters: [aaveV3Adapter],
      wallets: wallets.map((address) => ({ address })),
      blockNumber: batch.blockNumber,
    })
    expect(single.stats.ethCalls).toBe(1)
    expect(batch.wallets.map((w) => w.readings.map((r) => r.healthFactorWad))).toEqual(
      single.wallets.map((w) => w.readings.map((r) => r.healthFactorWad)),
    )
  })

  it('identical calls across wallets are sent once (the same wallet twice, a market-wide call)', async () => {
    const pool = t.chain.aaveMarkets[0]!.pool
    const marketWide: RawCall = {
      target: pool,
      allowFailure: true,
      callData: encodeFunctionData({ abi: aavePoolAbi, functionName: 'getReservesList' }),
    }
    // A stand-in adapter whose plan has one market-wide call and one per-user call.
    const probe: ProtocolAdapter = {
      key: 'probe',
      name: 'probe (test stand-in)',
      planWallet: () => [],
      planHealth: (_chain, user) => [
        {
          market: 'probe',
          protocol: 'probe',
          gas: 100_000,
          calls: [
            marketWide,
            {
              target: pool,
              allowFailure: true,
              callData: encodeFunctionData({
                abi: aavePoolAbi,
                functionName: 'getUserAccountData',
                args: [user],
              }),
            },
          ],
          decode: (results) => ({
            market: 'probe',
            protocol: 'probe',
            status: results.every((r) => r.success) ? 'ok' : 'failed',
            healthFactorWad: null,
            exact: false,
            size: [results[0]!.returnData.length],
          }),
        },
      ],
    }
    const sample = [wallets[0]!, wallets[1]!, wallets[0]!, wallets[2]!]
    const batch = await readHealthBatch({
      client: t.client,
      chain: t.chain,
      adapters: [probe],
      wallets: sample.map((address) => ({ address })),
    })
    // 8 calls planned: 1 market-wide + 3 distinct users.
    expect(batch.stats).toMatchObject({ calls: 8, uniqueCalls: 4, ethCalls: 1 })
    expect(batch.wallets.map((w) => w.readings[0]!.status)).toEqual(['ok', 'ok', 'ok', 'ok'])
    expect(new Set(batch.wallets.map((w) => w.readings[0]!.size[0])).size).toBe(1)
  })
})
