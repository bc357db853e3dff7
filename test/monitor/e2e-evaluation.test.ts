/**
 * The tick end to end on the devchain (real Aave v3 bytecode), with the in-memory MonitorStore
 * TEST DOUBLE (test/support/memory-monitor-store.ts; the SQLite store and webhook delivery are
 * covered by test/monitor/e2e-delivery.test.ts): the near-liquidation demo wallet (HF about 1.04,
 * src/devchain/seed.ts) watched with "HF below 1.02"; the WETH price moved by the manifest's admin
 * key fires exactly one alert, whose value equals Pool.getUserAccountData at the alert's block;
 * moving back re-arms; interest alone (evm_increaseTime, no price move) crosses a rule too; the
 * deep-read budget bounds a tick's wall time (reads in flight are cut and deferred, never dropped).
 */
import type { Address } from 'viem'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { aavePoolAbi } from '../../abis/aave-pool.js'
import { createStacklens } from '../../src/app.js'
import { createChainClient } from '../../src/chains/client.js'
import { configFromEnv } from '../../src/config.js'
import { toFloat } from '../../src/core/math.js'
import { settablePriceFeedAbi } from '../../src/devchain/contracts/SettablePriceFeed.artifact.js'
import { send } from '../../src/devchain/tx.js'
import { createMonitorCache, type MonitorTickContext, runTick } from '../../src/monitor/tick.js'
import type { Watch, WatchRule } from '../../src/monitor/types.js'
import { startTestDevchain, type TestDevchain } from '../helpers/devchain.js'
import { createMemoryMonitorStore } from '../support/memory-monitor-store.js'

let t: TestDevchain
let near: Address

beforeAll(async () => {
  t = await startTestDevchain()
  near = t.manifest.wallets.find((w) => w.key === 'near-liquidation')!.address as Address
}, 600_000)
afterAll(async () => {
  await t?.devchain.stop()
})

const weth = () => t.manifest.tokens.find((x) => x.symbol === 'WETH')!

async function setWethPrice(usd: number) {
  await send(t.clients, {
    from: t.manifest.admin.address as Address,
    address: weth().priceFeed.address as Address,
    abi: settablePriceFeedAbi,
    functionName: 'setAnswer',
    args: [BigInt(Math.round(usd * 1e8))],
  })
}

async function onChainHf(blockNumber: bigint): Promise<bigint> {
  const data = await t.client.readContract({
    address: t.manifest.aaveV3.pool as Address,
    abi: aavePoolAbi,
    functionName: 'getUserAccountData',
    args: [near],
    blockNumber,
  })
  return data[5]
}

function watchOf(rules: WatchRule[]): Watch {
  return {
    id: 'w_near',
    keyId: 'k_1',
    address: near.toLowerCase() as Address,
    chains: ['local'],
    rules,
    webhooks: [{ url: 'http://127.0.0.1:9/hook', secret: 'test-secret' }],
    cooldownMs: 0,
    createdAt: 0,
    updatedAt: 0,
  }
}

function context(store: ReturnType<typeof createMemoryMonitorStore>): MonitorTickContext {
  const { sources } = createStacklens({ config: configFromEnv({}, t.manifest) })
  return { store, sources, cache: createMonitorCache() }
}

describe('monitor tick on the devchain', () => {
  it('a price move fires exactly one alert, equal to the chain; moving back re-arms', async () => {
    await t.isolated(async () => {
      const store = createMemoryMonitorStore()
      await store.createWatch(watchOf([{ metric: 'healthFactor', below: 1.02, rearmMargin: 0.01 }]))
      const ctx = context(store)
      const price0 = weth().priceFeed.initialPriceUsd

      const first = await runTick(ctx)
      expect(first.chains[0]).toMatchObject({
        chain: 'local',
        watches: 1,
        wallets: 1,
        deepReads: 1,
        alerts: 0,
      })
      expect(first.chains[0]!.batch).toMatchObject({ wallets: 1, ethCalls: 1 })

      // 5 % down: HF about 1.04 x 0.95 = 0.99 < 1.02.
      await setWethPrice(price0 * 0.95)
      const fired = await runTick(ctx)
      expect(fired.alerts).toBe(1)
      const [alert] = [...store.alerts.values()]
      const hfWad = await onChainHf(alert!.block)
      expect(alert!.after).toBe(toFloat(hfWad, 18))
      expect(alert!.after!).toBeLessThan(1.02)
      expect(alert!.before!).toBeGreaterThan(1.02)
      expect(alert!.positions).toEqual([`aave-v3:${t.manifest.aaveV3.marketId}`])
      expect([...store.deliveries.values()].map((d) => [d.alertId, d.status])).toEqual([
        [alert!.id, 'pending'],
      ])

      // Still below: nothing new, at the next block either.
      await t.clients.test.mine({ blocks: 1 })
      const quiet = await runTick(ctx)
      expect(quiet.alerts).toBe(0)
      expect(store.alerts.size).toBe(1)

      // Back up: HF 1.04 >= 1.02 + 0.01: re-armed; down again: a second, distinct alert.
      await setWethPrice(price0)
      expect((await runTick(ctx)).alerts).toBe(0)
      expect([...store.states.values()][0]!.status).toBe('armed')
      await setWethPrice(price0 * 0.95)
      expect((await runTick(ctx)).alerts).toBe(1)
      expect(store.alerts.size).toBe(2)
    })
  }, 300_000)

  it('interest alone (time advanced, no price move) crosses the rule', async () => {
    await t.isolated(async () => {
      const ctx0 = await t.client.readContract({
        address: t.manifest.aaveV3.pool as Address,
        abi: aavePoolAbi,
        functionName: 'getUserAccountData',
        args: [near],
      })
      const hf0 = toFloat(ctx0[5], 18)
      const store = createMemoryMonitorStore()
      // Just under today's HF: only accrued interest can bring it there (the devchain's USDC borrow
      // interest net of WETH supply interest lowers this wallet's HF by about 0.00003 per 30 days).
      const below = hf0 - 0.0001
      await store.createWatch(watchOf([{ metric: 'healthFactor', below }]))
      const ctx = context(store)
      expect((await runTick(ctx)).alerts).toBe(0)
      let alerts = 0
      let steps = 0
      while (alerts === 0 && steps < 24) {
        await t.clients.test.increaseTime({ seconds: 30 * 86_400 })
        await t.clients.test.mine({ blocks: 1 })
        steps++
        alerts = (await runTick(ctx)).alerts
      }
      expect(alerts).toBe(1)
      const [alert] = [...store.alerts.values()]
      expect(alert!.after).toBe(toFloat(await onChainHf(alert!.block), 18))
      expect(alert!.after!).toBeLessThan(below)
      expect(steps).toBeGreaterThan(1)
    })
  }, 300_000)

  it('the deep-read budget bounds the tick: in-flight reads are cut and deferred, then read next tick', async () => {
    // Every demo wallet watched with a health-factor rule; every RPC POST answered after a 1.5 s
    // delay (a slow endpoint), so no deep read can finish within a 200 ms budget.
    const store = createMemoryMonitorStore()
    const wallets = [...new Set(t.manifest.wallets.map((w) => w.address.toLowerCase() as Address))]
    for (const [i, address] of wallets.entries()) {
      await store.createWatch({ ...watchOf([{ metric: 'healthFactor', below: 0.5 }]), id: `w_${i}`, address })
    }
    let delayMs = 1_500
    let answered = 0
    let sent = 0
    const slowFetch: typeof fetch = async (input, init) => {
      sent++
      await new Promise((r) => setTimeout(r, delayMs))
      const res = await fetch(input, init)
      answered++
      return res
    }
    const { sources } = createStacklens({
      config: configFromEnv({}, t.manifest),
      clientFor: (c) => createChainClient(c.key, { rpcUrls: c.rpcUrls, fetchFn: slowFetch }),
    })
    const ctx: MonitorTickContext = {
      store,
      sources,
      cache: createMonitorCache(),
      options: { deepBudgetMs: 200 },
    }
    const cut = await runTick(ctx)
    const c = cut.chains[0]!
    expect(c.error).toBeUndefined()
    expect(c.wallets).toBe(wallets.length)
    expect(c.deepReads).toBe(0)
    expect(c.deepFailures).toBe(0)
    expect(c.deepDeferred).toBe(wallets.length)
    // The deep reads' POSTs were cut in flight: sent, never answered within the tick.
    expect(sent).toBeGreaterThan(answered)
    // The cheap evaluation still covered every watch (first states stored for all).
    expect(c.outcomesStored).toBe(wallets.length)
    expect(store.states.size).toBe(wallets.length)

    // A fast endpoint and a generous budget: every deferred read is done at the next tick.
    delayMs = 0
    const next = await runTick({ ...ctx, options: { deepBudgetMs: 120_000, tickBudgetMs: 120_000 } })
    expect(next.chains[0]!.deepReads).toBe(wallets.length)
    expect(next.chains[0]!.deepDeferred).toBe(0)
  }, 180_000)

  it('an upstream fault is reported by the tick, not thrown, and the next tick recovers', async () => {
    const store = createMemoryMonitorStore()
    await store.createWatch(watchOf([{ metric: 'healthFactor', below: 1.02 }]))
    const dead = configFromEnv({}, { ...t.manifest, rpcUrl: 'http://127.0.0.1:9' })
    const logs: string[] = []
    const down: MonitorTickContext = {
      store,
      sources: createStacklens({ config: dead }).sources,
      cache: createMonitorCache(),
      log: (m) => logs.push(m),
    }
    const failed = await runTick(down)
    expect(failed.chains[0]!.error?.code).toBe('RPC_UNAVAILABLE')
    expect(logs.join('\n')).toContain('retrying next tick')
    expect(logs.join('\n')).not.toContain('127.0.0.1:9/')
    const ok = await runTick(context(store))
    expect(ok.chains[0]!.error).toBeUndefined()
    expect(ok.chains[0]!.block).not.toBeNull()
  }, 120_000)
})
