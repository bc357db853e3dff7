/**
 * GET /v1/wallets/{address}/history on the devchain: ETH moved on chain between blocks spaced an
 * hour apart (anvil evm_increaseTime), then the history compared with reads made at those blocks
 * directly (the wallet route pinned to each block, and Aave's Pool.getUserAccountData at the
 * block: the WAD health factor to the wei); time bounds resolve to the last block at or before
 * them (checked against the headers); the closest approach is the lowest HF of the range; a node
 * without old state (a fault proxy answering "missing trie node") is 502 ARCHIVE_STATE_UNAVAILABLE;
 * every bad parameter is a 400 naming it.
 */
import type { Address } from 'viem'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { aavePoolAbi } from '../../abis/aave-pool.js'
import { createApp } from '../../src/api/app.js'
import { HistoryResponseSchema } from '../../src/api/history-schemas.js'
import { createChainClient } from '../../src/chains/client.js'
import { configFromEnv } from '../../src/config.js'
import { settablePriceFeedAbi } from '../../src/devchain/contracts/SettablePriceFeed.artifact.js'
import { send } from '../../src/devchain/tx.js'
import { startTestDevchain, type TestDevchain } from '../helpers/devchain.js'
import { type FaultProxy, startFaultProxy } from '../support/fault-proxy.js'

let t: TestDevchain
let proxy: FaultProxy
let stacker: Address
/** Blocks after each step: [before any move, after -5%, after -12%, after +4%]. */
const steps: { block: bigint; timestamp: bigint }[] = []
const MOVES = [-0.05, -0.12, 0.04]

const token = (symbol: string) => t.manifest.tokens.find((x) => x.symbol === symbol)!

/** Moves ETH's feeds (WETH, wstETH: one block each); the last block is stamped `at`, the first `at - 1`. */
async function setEth(move: number, at: bigint) {
  const symbols = ['WETH', 'wstETH']
  for (const [i, symbol] of symbols.entries()) {
    await t.clients.test.setNextBlockTimestamp({ timestamp: at - BigInt(symbols.length - 1 - i) })
    await send(t.clients, {
      from: t.manifest.admin.address as Address,
      address: token(symbol).priceFeed.address as Address,
      abi: settablePriceFeedAbi,
      functionName: 'setAnswer',
      args: [BigInt(Math.round(token(symbol).priceFeed.initialPriceUsd * (1 + move) * 1e8))],
    })
  }
}

async function head() {
  const b = await t.client.getBlock({ blockTag: 'latest' })
  return { block: b.number, timestamp: b.timestamp }
}

async function get(path: string, app = t.app) {
  const res = await app.request(path)
  return { status: res.status, body: (await res.json()) as Record<string, unknown> }
}

const iso = (ts: bigint) => new Date(Number(ts) * 1000).toISOString().replace('.000Z', 'Z')

beforeAll(async () => {
  t = await startTestDevchain()
  stacker = t.manifest.wallets.find((w) => w.key === 'stacker')!.address as Address
  // Every block of the setup stamped exactly (not the wall clock's seconds between transactions):
  // the steps are 3,600 s apart, so the inner time targets land exactly on the steps' blocks.
  const base = (await head()).timestamp + 3600n
  await t.clients.test.setNextBlockTimestamp({ timestamp: base })
  await t.clients.test.mine({ blocks: 1 })
  steps.push(await head())
  for (const [k, move] of MOVES.entries()) {
    await setEth(move, base + 3600n * BigInt(k + 1))
    steps.push(await head())
  }
}, 120_000)
afterAll(async () => {
  await proxy?.close()
  await t?.devchain.stop()
})

describe('GET /v1/wallets/{address}/history', () => {
  it('every block of the range equals the wallet read pinned to it, and Aave to the wei', async () => {
    const from = steps[0]!.block
    const to = steps.at(-1)!.block
    const points = Number(to - from) + 1
    const r = await get(`/v1/wallets/${stacker}/history?chain=local&from=${from}&to=${to}&points=${points}`)
    expect(r.status).toBe(200)
    const h = HistoryResponseSchema.parse(r.body)
    expect(h.points.map((p) => BigInt(p.blockNumber))).toEqual(
      Array.from({ length: points }, (_, i) => from + BigInt(i)),
    )
    let aaveCompared = 0
    for (const p of h.points) {
      const direct = await get(`/v1/wallets/${stacker}?chain=local&block=${p.blockNumber}`)
      expect(direct.status).toBe(200)
      const positions = (
        direct.body as {
          positions: {
            status: string
            market: string
            healthFactor: number | null
            healthFactorWad: string | null
          }[]
        }
      ).positions.filter((x) => x.status === 'ok')
      expect(p.positions.map((x) => [x.market, x.healthFactor, x.healthFactorWad])).toEqual(
        positions.map((x) => [x.market, x.healthFactor, x.healthFactorWad]),
      )
      const aave = p.positions.find((x) => x.protocol.startsWith('aave'))!
      const data = await t.client.readContract({
        address: t.manifest.aaveV3.pool as Address,
        abi: aavePoolAbi,
        functionName: 'getUserAccountData',
        args: [stacker],
        blockNumber: BigInt(p.blockNumber),
      })
      expect(aave.healthFactorWad).toBe(data[5].toString())
      aaveCompared += 1
    }
    expect(aaveCompared).toBe(points)
    // The moves show: the Morpho leg (WETH collateral against USDC) is lowest after ETH -12%.
    const morpho = (blockNumber: bigint) =>
      h.points
        .find((p) => BigInt(p.blockNumber) === blockNumber)!
        .positions.find((x) => x.protocol === 'morpho-blue')!
    expect(morpho(steps[2]!.block).healthFactor!).toBeLessThan(morpho(steps[1]!.block).healthFactor!)
    expect(morpho(steps[1]!.block).healthFactor!).toBeLessThan(morpho(steps[0]!.block).healthFactor!)
    // Closest approach: the lowest HF of any position at any point.
    const all = h.points.flatMap((p) =>
      p.positions.filter((x) => x.healthFactor !== null).map((x) => ({ p, x })),
    )
    const min = all.reduce((a, b) => (b.x.healthFactor! < a.x.healthFactor! ? b : a))
    expect(h.closestApproach).toMatchObject({
      blockNumber: min.p.blockNumber,
      positionId: min.x.id,
      healthFactor: min.x.healthFactor,
    })
    // ...reached during the -12% move (its WETH feed moves one block before its wstETH feed).
    const closest = BigInt(h.closestApproach!.blockNumber)
    expect(closest > steps[1]!.block && closest <= steps[2]!.block).toBe(true)
    // Equity and leverage per point are the exposure route's at the block.
    const mid = h.points[Math.floor(points / 2)]!
    const exposure = await get(`/v1/wallets/${stacker}/exposure?chain=local&block=${mid.blockNumber}`)
    const e = exposure.body as {
      equityUsd: number
      effectiveLeverage: number
      netExposure: { riskAsset: string; units: number; usd: number }[]
    }
    expect(mid.equityUsd).toBe(e.equityUsd)
    expect(mid.effectiveLeverage).toBe(e.effectiveLeverage)
    expect(mid.netExposure).toEqual(
      e.netExposure.map((x) => ({ riskAsset: x.riskAsset, units: x.units, usd: x.usd })),
    )
  })

  it('time bounds: each point is the last block at or before its time', async () => {
    const fromTs = steps[0]!.timestamp
    const toTs = steps.at(-1)!.timestamp
    const r = await get(
      `/v1/wallets/${stacker}/history?chain=local&from=${iso(fromTs)}&to=${iso(toTs)}&points=4`,
    )
    expect(r.status).toBe(200)
    const h = HistoryResponseSchema.parse(r.body)
    expect(BigInt(h.from.blockNumber)).toBe(steps[0]!.block)
    expect(BigInt(h.to.blockNumber)).toBe(steps.at(-1)!.block)
    const headNumber = await t.client.getBlockNumber({ cacheTime: 0 })
    for (const p of h.points) {
      const target = BigInt(p.targetTimestamp!)
      const at = await t.client.getBlock({ blockNumber: BigInt(p.blockNumber) })
      expect(at.timestamp).toBe(BigInt(p.timestamp))
      expect(at.timestamp <= target).toBe(true)
      if (BigInt(p.blockNumber) < headNumber) {
        const next = await t.client.getBlock({ blockNumber: BigInt(p.blockNumber) + 1n })
        expect(next.timestamp > target).toBe(true)
      }
    }
    // 3,600 s steps: the inner targets (1/3 and 2/3 of 3 h) land on the blocks of the first two moves.
    expect(h.points.map((p) => BigInt(p.blockNumber))).toEqual(steps.map((s) => s.block))
    expect(h.blockSearch.rounds).toBeGreaterThan(0)
  })

  it('a node without the old state answers 502 ARCHIVE_STATE_UNAVAILABLE', async () => {
    proxy = await startFaultProxy(t.devchain.rpcUrl)
    const app = createApp({
      config: configFromEnv({}, t.manifest),
      clientFor: () => createChainClient('local', { rpcUrls: [proxy.url] }),
    })
    proxy.setFault({
      methods: ['eth_call'],
      fault: {
        kind: 'rpc-error',
        code: -32000,
        message: 'missing trie node 3f9a0c (path ) state 0x3f9a is not available',
      },
    })
    const r = await get(
      `/v1/wallets/${stacker}/history?chain=local&from=${steps[0]!.block}&to=${steps[1]!.block}&points=2`,
      app,
    )
    expect(r.status).toBe(502)
    const err = (r.body as { error: { code: string; message: string } }).error
    expect(err.code).toBe('ARCHIVE_STATE_UNAVAILABLE')
    expect(err.message).toMatch(/archive RPC/)
    expect(err.message).not.toContain(proxy.url)
    proxy.setFault(null)
  })

  for (const [query, status, field] of [
    ['from=1&to=2', 400, 'chain'],
    ['chain=local&from=yesterday', 400, 'from'],
    ['chain=local&to=2026-13-45T00:00:00Z', 400, 'to'],
    ['chain=local&from=1&to=2&points=1', 400, 'points'],
    ['chain=local&from=1&to=2&points=51', 400, 'points'],
    ['chain=local&from=1&to=2&points=ten', 400, 'points'],
    ['chain=local&from=5&to=3', 400, 'from'],
    ['chain=local&from=1&to=99999999', 400, 'to'],
    ['chain=local&from=1990-01-01T00:00:00Z&to=2', 400, 'from'],
    ['chain=local&from=1&to=2999-01-01T00:00:00Z', 400, 'to'],
    ['chain=nochain&from=1&to=2', 400, 'nochain'],
  ] as const) {
    it(`rejects ?${query} with ${status} naming ${field}`, async () => {
      const r = await get(`/v1/wallets/${stacker}/history?${query}`)
      expect(r.status).toBe(status)
      const err = (r.body as { error: { code: string; message: string } }).error
      expect(err.message).toContain(field)
    })
  }
})
