/**
 * Aave V4 (Hub & Spoke) against what the REAL contracts answered: the recording
 * ../shared/protocols/aave-v4/recordings/aave-v4-1e8de86.json (aave/aave-v4 1e8de86 = v0.5.11
 * sources; one Hub, Spokes `main` and `second`, ten users, blocks 157 (B1), 158/159 and 161/162
 * (flip forks of B1), 164 (B2 = B1 + 30 days), 165 (B3, a real liquidationCall)), replayed through
 * test/support/replay.ts, which errors on anything not recorded. Zero tolerance: every comparison
 * is exact.
 */
import {
  createPublicClient,
  custom,
  decodeFunctionData,
  decodeFunctionResult,
  encodeFunctionData,
  type Hex,
  type PublicClient,
} from 'viem'
import { describe, expect, it } from 'vitest'
import { aaveV4HubAbi } from '../../abis/aave-v4-hub.js'
import { aaveV4SpokeAbi } from '../../abis/aave-v4-spoke.js'
import { multicall3Abi } from '../../abis/multicall3.js'
import type { Address } from '../../src/core/address.js'
import { MAX_UINT256 } from '../../src/core/math.js'
import type { Position, PositionResult } from '../../src/core/types.js'
import { createAaveV4Adapter } from '../../src/protocols/aave-v4/index.js'
import {
  type AaveV4HubAsset,
  computeAccountData,
  computeLiquidationOutcome,
  drawnIndexAtUp,
  premiumDebtRay,
  toAssetsDown,
  totalAddedAssetsAt,
} from '../../src/protocols/aave-v4/math.js'
import {
  AAVE_V4_LOG_CACHE_DEPTH,
  createAaveV4LogCache,
  discoverAaveV4,
} from '../../src/protocols/aave-v4/read.js'
import type { AaveV4LiquidationRule, AaveV4UserReserve } from '../../src/protocols/aave-v4/types.js'
import { readWallet } from '../../src/protocols/read-wallet.js'
import { aaveV4ReplayChain } from '../support/aave-v4-replay.js'
import { loadRecording, type Recording, replayClient } from '../support/replay.js'

interface ExpectedReserve {
  symbol: string
  isCollateral: boolean
  isBorrowing: boolean
  suppliedShares: string
  suppliedAssets: string
  drawnShares: string
  premiumShares: string
  premiumOffsetRay: string
  drawn: string
  premium: string
  premiumDebtRay: string
  totalDebt: string
  dynamicConfigKey: number
  userCollateralFactor: number
  userMaxLiquidationBonus: number
  userLiquidationFee: number
}
interface ExpectedUserSpoke {
  accountData: Record<string, string>
  liquidatable: boolean
  storedRiskPremium: string
  riskPremiumStale: boolean
  reserves: Record<string, ExpectedReserve>
}
interface Flip {
  block: number
  user: string
  userLabel: string
  spoke: string
  spokeLabel: string
  reserveId: number
  healthyAt: string
  liquidatableAt: string
}
interface V4Recording extends Recording {
  contracts: Record<string, string>
  tokens: Record<string, { address: string; decimals: number; hubAssetId: number }>
  spokes: Record<string, { address: string; oracle: string }>
  users: Record<string, string>
  expected: Record<
    string,
    {
      users: Record<string, Record<string, ExpectedUserSpoke>>
      reserves: Record<string, Record<string, { price: string; collateralRisk: number }>>
    }
  >
  flips: Flip[]
  noFlips: { block: number; user: string; spokeLabel: string; reserveId: number }[]
  liquidation: {
    block: number
    healthFactorBefore: string
    healthFactorAfter: string
    liquidationCallEvent: Record<string, string | boolean | Record<string, string>>
  }
}

const rec = loadRecording<V4Recording>('aave-v4', 'aave-v4-1e8de86.json')

describe.skipIf(!rec)(
  'Aave V4 on the recording of the real contracts (needs ../shared; skipped when absent)',
  () => {
    const r = rec!
    const { deployment, chain } = aaveV4ReplayChain(r)
    const adapter = createAaveV4Adapter()
    const marketOf = (label: string) => `aave-v4-replay-${label}`
    const okAt = (positions: PositionResult[], label: string): Position | undefined => {
      const p = positions.find((x) => x.market === marketOf(label))
      if (p && p.status !== 'ok') throw new Error(`${label}: ${p.code} ${p.reason}`)
      return p as Position | undefined
    }
    const blocks = r.blocks.map((b) => b.number)
    const reports = new Map<string, Promise<{ positions: PositionResult[]; ethCalls: number }>>()
    const read = (label: string, block: number) => {
      const key = `${label}@${block}`
      let p = reports.get(key)
      if (!p) {
        const { client, stats } = replayClient(r)
        p = readWallet({
          client,
          chain,
          user: r.users[label] as Address,
          blockNumber: BigInt(block),
          adapters: [adapter],
        }).then((w) => {
          expect(w.blockNumber).toBe(BigInt(block))
          return { positions: w.positions, ethCalls: stats.requests.eth_call ?? 0 }
        })
        reports.set(key, p)
      }
      return p
    }

    it('every recorded user at every recorded block: HF, account data, drawn, premium and supplied equal the Spoke to the wei, in one batch', async () => {
      let checked = 0
      for (const block of blocks) {
        for (const label of Object.keys(r.users)) {
          const expected = r.expected[String(block)]!.users[label] ?? {}
          const { positions, ethCalls } = await read(label, block)
          // One aggregate3 round trip (no follow-up): discovery knew every key, oracle and Hub asset.
          expect(ethCalls, `${label}@${block} eth_call count`).toBeLessThanOrEqual(1)
          for (const [spokeLabel, e] of Object.entries(expected)) {
            const p = okAt(positions, spokeLabel)
            if (Object.keys(e.reserves).length === 0) {
              expect(p, `${label}@${block} on ${spokeLabel}`).toBeUndefined()
              continue
            }
            expect(p, `${label}@${block} on ${spokeLabel}`).toBeDefined()
            const d = p!.details as Record<string, unknown>
            const hf = BigInt(e.accountData.healthFactor!)
            expect(d.healthFactorWad).toBe(e.accountData.healthFactor)
            expect(p!.healthFactorWad).toBe(hf === MAX_UINT256 ? null : hf)
            expect(d.totalCollateralValue).toBe(e.accountData.totalCollateralValue)
            expect(d.totalDebtValueRay).toBe(e.accountData.totalDebtValueRay)
            expect(d.liquidatable).toBe(e.liquidatable)
            const rp = d.riskPremium as { currentBps: number; storedBps: number; stale: boolean }
            expect(rp.currentBps).toBe(Number(e.accountData.riskPremium))
            expect(rp.storedBps).toBe(Number(e.storedRiskPremium))
            expect(rp.stale).toBe(e.riskPremiumStale)
            const served = d.reserves as Record<string, unknown>[]
            expect(served.map((x) => String(x.reserveId)).sort()).toEqual(Object.keys(e.reserves).sort())
            for (const [rid, er] of Object.entries(e.reserves)) {
              const s = served.find((x) => String(x.reserveId) === rid)!
              expect(s.supplied).toBe(er.suppliedAssets)
              expect(s.suppliedShares).toBe(er.suppliedShares)
              expect(s.drawn).toBe(er.drawn)
              expect(s.premium).toBe(er.premium)
              expect(s.premiumDebtRay).toBe(er.premiumDebtRay)
              expect(s.drawnShares).toBe(er.drawnShares)
              expect(s.premiumShares).toBe(er.premiumShares)
              expect(s.premiumOffsetRay).toBe(er.premiumOffsetRay)
              expect(s.dynamicConfigKey).toBe(er.dynamicConfigKey)
              expect(s.collateralFactorBps).toBe(er.userCollateralFactor)
              expect(s.maxLiquidationBonusBps).toBe(er.userMaxLiquidationBonus)
              expect(s.liquidationFeeBps).toBe(er.userLiquidationFee)
              expect(s.isCollateral).toBe(er.isCollateral)
              expect(s.isBorrowing).toBe(er.isBorrowing)
              const debtLeg = p!.legs.find((l) => l.side === 'debt' && l.asset.symbol === er.symbol)
              if (BigInt(er.totalDebt) > 0n) expect(debtLeg?.amount).toBe(BigInt(er.totalDebt))
              else expect(debtLeg).toBeUndefined()
              const collLeg = p!.legs.find((l) => l.side === 'collateral' && l.asset.symbol === er.symbol)
              if (BigInt(er.suppliedAssets) > 0n) expect(collLeg?.amount).toBe(BigInt(er.suppliedAssets))
            }
            checked++
          }
          // No position on a Spoke the recording does not list for the user.
          for (const p of positions) {
            const spokeLabel = p.market.replace('aave-v4-replay-', '')
            expect(
              Object.keys(expected[spokeLabel]?.reserves ?? {}).length,
              `${label}@${block} ${p.market}`,
            ).toBeGreaterThan(0)
          }
        }
      }
      expect(checked).toBe(blocks.length * 11)
    })

    it('every served liquidation price is the recorded flip boundary (healthy at it, liquidatable one unit below); no-flip collaterals serve null', async () => {
      for (const f of r.flips) {
        const label = f.userLabel
        const p = okAt((await read(label, f.block)).positions, f.spokeLabel)!
        const exact = (
          p.details.liquidationPricesExact as { reserveId: number; price: string | null }[]
        ).find((x) => x.reserveId === f.reserveId)
        expect(exact?.price, `${label} ${f.spokeLabel} reserve ${f.reserveId} @${f.block}`).toBe(f.healthyAt)
        expect(BigInt(f.healthyAt) - BigInt(f.liquidatableAt)).toBe(1n)
        const lp = p.liquidationPrices.find(
          (x) =>
            x.asset?.toLowerCase() ===
            (p.details.reserves as { reserveId: number; underlying: string }[])
              .find((y) => y.reserveId === f.reserveId)!
              .underlying.toLowerCase(),
        )!
        expect(lp.price! * 1e8).toBeGreaterThanOrEqual(Number(f.liquidatableAt))
        expect(lp.price! * 1e8).toBeLessThanOrEqual(Number(f.healthyAt) + 1e-6)
      }
      for (const n of r.noFlips) {
        const label = Object.entries(r.users).find(([, a]) => a.toLowerCase() === n.user.toLowerCase())![0]
        const p = okAt((await read(label, n.block)).positions, n.spokeLabel)!
        const exact = (
          p.details.liquidationPricesExact as { reserveId: number; price: string | null }[]
        ).find((x) => x.reserveId === n.reserveId)
        expect(exact?.price).toBeNull()
      }
    })

    it('the liquidated user after the real liquidation (B3): HF at the target, WBTC seized, USDT repaid as the event says', async () => {
      const l = r.liquidation
      const before = okAt((await read('liquidated', 164)).positions, 'main')!
      const after = okAt((await read('liquidated', l.block)).positions, 'main')!
      expect(before.healthFactorWad).toBe(BigInt(l.healthFactorBefore))
      expect(after.healthFactorWad).toBe(BigInt(l.healthFactorAfter))
      // The bonus at the current HF equals the Spoke's own getLiquidationBonus view (recorded at B2).
      for (const c of (before.liquidationRule as AaveV4LiquidationRule).collaterals) {
        const data = encodeFunctionData({
          abi: aaveV4SpokeAbi,
          functionName: 'getLiquidationBonus',
          args: [BigInt(c.reserveId), r.users.liquidated as Address, BigInt(l.healthFactorBefore)],
        })
        const call = r.calls.find(
          (x) =>
            x.block === 164 && x.to.toLowerCase() === r.spokes.main!.address.toLowerCase() && x.data === data,
        )
        expect(c.currentBonusBps).toBe(Number(BigInt(call!.result!)))
      }
      const ev = l.liquidationCallEvent
      const res = (p: Position, id: number) =>
        (p.details.reserves as { reserveId: number; suppliedShares: string; drawnShares: string }[]).find(
          (x) => x.reserveId === id,
        )!
      expect(BigInt(res(before, 3).suppliedShares) - BigInt(res(after, 3).suppliedShares)).toBe(
        BigInt(ev.collateralSharesLiquidated as string),
      )
      expect(BigInt(res(before, 2).drawnShares) - BigInt(res(after, 2).drawnShares)).toBe(
        BigInt(ev.drawnSharesLiquidated as string),
      )
      expect(
        (after.liquidationRule as AaveV4LiquidationRule).collaterals.every((c) => c.currentBonusBps === null),
      ).toBe(true)
    })

    it('the liquidation-outcome function equals the recorded real liquidation (B2 state projected to B3, then LiquidationLogic)', () => {
      const at = (block: number, to: string, data: Hex) => {
        const c = r.calls.find(
          (x) => x.block === block && x.to.toLowerCase() === to.toLowerCase() && x.data === data,
        )
        if (!c?.result) throw new Error(`not recorded: ${data.slice(0, 10)} at ${block}`)
        return c.result as Hex
      }
      const hub = r.contracts.hub!
      const main = r.spokes.main!.address
      const b2 = 164
      const t3 = BigInt(r.blocks.find((b) => b.number === r.liquidation.block)!.timestamp)
      const t2 = BigInt(r.blocks.find((b) => b.number === b2)!.timestamp)
      const hubAsset = (assetId: number): AaveV4HubAsset => {
        const a = decodeFunctionResult({
          abi: aaveV4HubAbi,
          functionName: 'getAsset',
          data: at(
            b2,
            hub,
            encodeFunctionData({ abi: aaveV4HubAbi, functionName: 'getAsset', args: [BigInt(assetId)] }),
          ),
        })
        return {
          liquidity: a.liquidity,
          realizedFees: a.realizedFees,
          addedShares: a.addedShares,
          swept: a.swept,
          premiumOffsetRay: a.premiumOffsetRay,
          drawnShares: a.drawnShares,
          premiumShares: a.premiumShares,
          liquidityFee: BigInt(a.liquidityFee),
          drawnIndex: a.drawnIndex,
          drawnRate: a.drawnRate,
          lastUpdateTimestamp: BigInt(a.lastUpdateTimestamp),
          deficitRay: a.deficitRay,
        }
      }
      const hubView = (fn: 'getAssetDrawnIndex' | 'getAddedAssets', assetId: number) =>
        BigInt(
          at(b2, hub, encodeFunctionData({ abi: aaveV4HubAbi, functionName: fn, args: [BigInt(assetId)] })),
        )
      const e = r.expected[String(b2)]!.users.liquidated!.main!
      const ids = { WETH: 0, USDT: 2, WBTC: 3 }
      const assets = Object.fromEntries(
        Object.values(ids).map((id) => [
          id,
          hubAsset(r.tokens[['WETH', 'USDC', 'USDT', 'WBTC', 'wstETH'][id]!]!.hubAssetId),
        ]),
      )
      // The Hub math reproduces B2's own views before it is trusted to project to B3.
      for (const id of Object.values(ids)) {
        expect(drawnIndexAtUp(assets[id]!, t2)).toBe(hubView('getAssetDrawnIndex', id))
        expect(totalAddedAssetsAt(assets[id]!, t2)).toBe(hubView('getAddedAssets', id))
      }
      const marketAt2 = r.expected[String(b2)]!.reserves.main!
      const price = (rid: number) => BigInt(marketAt2[String(rid)]!.price)
      const decimals = { 0: 18, 2: 6, 3: 8 } as Record<number, number>
      // The account at B3's timestamp, just before the call: same shares, indexes accrued 12 s more.
      const reservesAt3: AaveV4UserReserve[] = Object.entries(e.reserves).map(([rid, x]) => {
        const id = Number(rid)
        const a = assets[id]!
        const index = drawnIndexAtUp(a, t3)
        const position = {
          drawnShares: BigInt(x.drawnShares),
          premiumShares: BigInt(x.premiumShares),
          premiumOffsetRay: BigInt(x.premiumOffsetRay),
          suppliedShares: BigInt(x.suppliedShares),
          dynamicConfigKey: x.dynamicConfigKey,
        }
        const config = {
          collateralFactor: BigInt(x.userCollateralFactor),
          maxLiquidationBonus: BigInt(x.userMaxLiquidationBonus),
          liquidationFee: BigInt(x.userLiquidationFee),
        }
        return {
          reserve: {
            reserveId: id,
            underlying: '0x0000000000000000000000000000000000000000',
            hub: hub as Address,
            assetId: id,
            decimals: decimals[id]!,
            collateralRisk: BigInt(marketAt2[rid]!.collateralRisk),
            flags: 0,
            latestDynamicConfigKey: x.dynamicConfigKey,
            symbol: x.symbol,
          },
          position,
          isCollateral: x.isCollateral,
          isBorrowing: x.isBorrowing,
          suppliedAssets: toAssetsDown(position.suppliedShares, totalAddedAssetsAt(a, t3), a.addedShares),
          drawn: 0n,
          premium: 0n,
          premiumDebtRay: premiumDebtRay(position.premiumShares, position.premiumOffsetRay, index),
          drawnIndex: index,
          price: price(id),
          config,
          latestConfig: config,
          hubAddedAssets: null,
          hubAddedShares: null,
        }
      })
      const account = computeAccountData(reservesAt3)
      const liqConfig = decodeFunctionResult({
        abi: aaveV4SpokeAbi,
        functionName: 'getLiquidationConfig',
        data: at(b2, main, encodeFunctionData({ abi: aaveV4SpokeAbi, functionName: 'getLiquidationConfig' })),
      })
      const coll = reservesAt3.find((x) => x.reserve.reserveId === ids.WBTC)!
      const debt = reservesAt3.find((x) => x.reserve.reserveId === ids.USDT)!
      const out = computeLiquidationOutcome({
        config: {
          targetHealthFactor: liqConfig.targetHealthFactor,
          healthFactorForMaxBonus: liqConfig.healthFactorForMaxBonus,
          liquidationBonusFactor: BigInt(liqConfig.liquidationBonusFactor),
        },
        healthFactor: account.healthFactor,
        totalDebtValueRay: account.totalDebtValueRay,
        activeCollateralCount: account.activeCollateralCount,
        borrowCount: account.borrowCount,
        storedRiskPremium: BigInt(e.storedRiskPremium),
        collateral: {
          decimals: 8,
          price: coll.price,
          suppliedShares: coll.position.suppliedShares,
          isCollateral: true,
          dynamicConfig: coll.config,
          paused: false,
          frozen: false,
          receiveSharesEnabled: true,
          totalAddedAssets: totalAddedAssetsAt(assets[ids.WBTC]!, t3),
          addedShares: assets[ids.WBTC]!.addedShares,
        },
        debt: {
          decimals: 6,
          price: debt.price,
          drawnShares: debt.position.drawnShares,
          premiumShares: debt.position.premiumShares,
          premiumOffsetRay: debt.position.premiumOffsetRay,
          drawnIndex: debt.drawnIndex,
          paused: false,
        },
        debtToCover: MAX_UINT256,
        receiveShares: false,
      })
      const ev = r.liquidation.liquidationCallEvent as unknown as {
        debtAmountRestored: string
        drawnSharesLiquidated: string
        collateralAmountRemoved: string
        collateralSharesLiquidated: string
        collateralSharesToLiquidator: string
        premiumDelta: { sharesDelta: string; offsetRayDelta: string; restoredPremiumRay: string }
      }
      expect(out.ok).toBe(true)
      if (!out.ok) return
      expect(out.debtAmountRestored).toBe(BigInt(ev.debtAmountRestored))
      expect(out.drawnSharesLiquidated).toBe(BigInt(ev.drawnSharesLiquidated))
      expect(out.premiumDelta.sharesDelta).toBe(BigInt(ev.premiumDelta.sharesDelta))
      expect(out.premiumDelta.offsetRayDelta).toBe(BigInt(ev.premiumDelta.offsetRayDelta))
      expect(out.premiumDelta.restoredPremiumRay).toBe(BigInt(ev.premiumDelta.restoredPremiumRay))
      expect(out.collateralAmountRemoved).toBe(BigInt(ev.collateralAmountRemoved))
      expect(out.collateralSharesLiquidated).toBe(BigInt(ev.collateralSharesLiquidated))
      expect(out.collateralSharesToLiquidator).toBe(BigInt(ev.collateralSharesToLiquidator))
      expect(out.deficit).toBe(false)
      expect(out.debtDustRule).toBe(false)
      expect(out.collateralTakenWhole).toBe(false)
      // The liquidator's WBTC balance grew by exactly the underlying the function says it receives.
      const wbtc = r.tokens.WBTC!.address
      const bal = (block: number) =>
        BigInt(
          at(
            block,
            wbtc,
            `0x70a08231${(r.users.liquidator as string).slice(2).toLowerCase().padStart(64, '0')}`,
          ),
        )
      expect(bal(r.liquidation.block) - bal(b2)).toBe(out.collateralAmountToLiquidator)
    })

    it('discovery from the recorded logs finds exactly the recorded users’ Spokes and reserves', async () => {
      const { client } = replayClient(r)
      for (const [label, address] of Object.entries(r.users)) {
        const found = await discoverAaveV4(
          { client, chain, user: address as Address, toBlock: BigInt(r.liquidation.block) },
          [deployment],
        )
        const got = Object.fromEntries(
          (found.deployments[deployment.id] ?? []).map((s) => [
            Object.entries(r.spokes).find(([, x]) => x.address.toLowerCase() === s.spoke.toLowerCase())![0],
            s.reserves,
          ]),
        )
        const want = Object.fromEntries(
          Object.entries(r.expected[String(r.liquidation.block)]!.users[label] ?? {})
            .filter(([, e]) => Object.keys(e.reserves).length > 0)
            .map(([s, e]) => [
              s,
              Object.keys(e.reserves)
                .map(Number)
                .sort((a, b) => a - b),
            ]),
        )
        expect(got, label).toEqual(want)
        for (const s of found.deployments[deployment.id] ?? []) expect(s.receivedAsLiquidator).toEqual([])
      }
      // The main Spoke's WBTC reserve (id 3) has keys 0 and 1: the user's snapshot is always in the batch.
      const { client: c2 } = replayClient(r)
      const f = await discoverAaveV4(
        { client: c2, chain, user: r.users.usdcBorrower as Address, toBlock: 157n },
        [deployment],
      )
      const mainFound = f.deployments[deployment.id]!.find(
        (s) => s.spoke.toLowerCase() === r.spokes.main!.address.toLowerCase(),
      )!
      expect(mainFound.facts[3]!.keys).toEqual([0, 1])
      expect(mainFound.facts[3]!.underlying?.toLowerCase()).toBe(r.tokens.WBTC!.address.toLowerCase())
    })

    it('with the market-fact cache: the same discoveries, the facts learnt once and only the blocks above re-read', async () => {
      const cache = createAaveV4LogCache()
      const head = BigInt(r.liquidation.block)
      const scans: { fromBlock: string; topics: unknown[] }[] = []
      const { client: inner } = replayClient(r)
      const client = createPublicClient({
        transport: custom({
          request: async (args: { method: string; params?: unknown }) => {
            if (args.method === 'eth_getLogs')
              scans.push((args.params as [{ fromBlock: string; topics: unknown[] }])[0])
            return inner.request(args as never)
          },
        }),
      }) as PublicClient
      for (const [label, address] of Object.entries(r.users)) {
        const ctx = { client, chain, user: address as Address, toBlock: head, head }
        const plain = await discoverAaveV4(ctx, [deployment])
        const cached = await discoverAaveV4(ctx, [deployment], cache)
        expect(cached, label).toEqual(plain)
      }
      // Learnt up to AAVE_V4_LOG_CACHE_DEPTH below the head; every later scan starts above it.
      const settled = head - AAVE_V4_LOG_CACHE_DEPTH
      expect(cache.get(`${chain.key}:${deployment.id}`)?.to).toBe(settled)
      const marketScans = scans.filter(
        (f) => Array.isArray(f.topics[0]) && (f.topics[0] as unknown[]).length === 4,
      )
      const after = marketScans.slice(2).map((f) => BigInt(f.fromBlock))
      expect(after.length).toBeGreaterThan(0)
      expect(after.every((b) => b === settled + 1n || b === deployment.startBlock)).toBe(true)
      expect(after.filter((b) => b === settled + 1n).length).toBe(Object.keys(r.users).length - 1)
      // A report pinned inside the cached range reads no market-fact logs at all.
      const before = scans.length
      const early = await discoverAaveV4(
        { client, chain, user: r.users.usdcBorrower as Address, toBlock: settled, head },
        [deployment],
        cache,
      )
      // Only the user's own events were read (six event topics), no market facts.
      expect(scans.slice(before).map((f) => (f.topics[0] as unknown[]).length)).toEqual([6])
      expect(early).toEqual(
        await discoverAaveV4(
          { client, chain, user: r.users.usdcBorrower as Address, toBlock: settled, head },
          [deployment],
        ),
      )
    })

    it('a Spoke whose reads fail is an unavailable row; the other Spoke is still served', async () => {
      const { client: inner } = replayClient(r)
      const second = r.spokes.second!.address.toLowerCase()
      // Every sub-call to the second Spoke becomes the recorded revert getReserve(5) (past the end).
      const failing = encodeFunctionData({ abi: aaveV4SpokeAbi, functionName: 'getReserve', args: [5n] })
      const client = createPublicClient({
        transport: custom({
          request: async ({ method, params }: { method: string; params?: unknown }) => {
            if (method === 'eth_call') {
              const [tx, tag] = params as [{ to: string; data: Hex }, unknown]
              if (tx.data.startsWith('0x82ad56cb')) {
                const { args } = decodeFunctionData({ abi: multicall3Abi, data: tx.data })
                const calls = (
                  args[0] as readonly { target: Address; allowFailure: boolean; callData: Hex }[]
                ).map((c) => (c.target.toLowerCase() === second ? { ...c, callData: failing } : c))
                const data = encodeFunctionData({
                  abi: multicall3Abi,
                  functionName: 'aggregate3',
                  args: [calls],
                })
                return inner.request({ method: 'eth_call', params: [{ ...tx, data }, tag] } as never)
              }
            }
            return inner.request({ method, params } as never)
          },
        }),
      }) as PublicClient
      const w = await readWallet({
        client,
        chain,
        user: r.users.twoSpokes as Address,
        blockNumber: 157n,
        adapters: [adapter],
      })
      const main = w.positions.find((p) => p.market === marketOf('main'))
      const sec = w.positions.find((p) => p.market === marketOf('second'))
      expect(main?.status).toBe('ok')
      expect((main as Position).healthFactorWad).toBe(
        BigInt(r.expected['157']!.users.twoSpokes!.main!.accountData.healthFactor!),
      )
      expect(sec).toMatchObject({ status: 'unavailable', code: 'PROTOCOL_READ_FAILED', protocol: 'aave-v4' })
    })
  },
)
