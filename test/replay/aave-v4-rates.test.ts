/**
 * Aave V4 rates (`aaveV4Adapter.readRates`) against the REAL Hub and Spokes: replayed answers of
 * ../shared/protocols/aave-v4/recordings/aave-v4-1e8de86.json (the replay transport errors on
 * anything unrecorded). Vectors from that recording, at B1 (157) and B2 (164, 30 days later with
 * no Hub action: stored rates unchanged): for every recorded user's Spoke position, each debt leg's
 * raw rate equals the recorded `Hub.getAsset(assetId).drawnRate` and its APR is that x (1 + the
 * recorded `Spoke.getUserLastRiskPremium(user)` / 1e4); each supply leg's APR is the recorded
 * asset's drawnRate x (drawnShares + premiumShares) x drawnIndex x (1 - liquidityFee) / the recorded
 * `getAddedAssets`. Skipped, with a message, when ../shared is absent.
 */
import { type Address, decodeFunctionResult, encodeFunctionData, type Hex, parseAbi } from 'viem'
import { describe, expect, it } from 'vitest'
import { aaveV4HubAbi } from '../../abis/aave-v4-hub.js'
import type { Position } from '../../src/core/types.js'
import { createAaveV4Adapter } from '../../src/protocols/aave-v4/index.js'
import { readWallet } from '../../src/protocols/read-wallet.js'
import { aaveV4ReplayChain } from '../support/aave-v4-replay.js'
import { loadRecording, type Recording, replayClient } from '../support/replay.js'

interface V4Recording extends Recording {
  contracts: Record<string, string>
  spokes: Record<string, { address: string; oracle: string }>
  users: Record<string, string>
  labels: Record<string, number>
}

const rec = loadRecording<V4Recording>('aave-v4', 'aave-v4-1e8de86.json')
if (!rec)
  console.warn('[replay] ../shared/protocols/aave-v4 recording absent: Aave V4 rate replay tests SKIPPED')

const spokeAbi = parseAbi(['function getUserLastRiskPremium(address user) view returns (uint256)'])

function recorded(block: number, to: string, data: Hex): Hex {
  const c = rec!.calls.find(
    (x) => x.block === block && x.to.toLowerCase() === to.toLowerCase() && x.data === data,
  )
  if (!c?.result) throw new Error(`not recorded: ${data.slice(0, 10)} to ${to} at ${block}`)
  return c.result as Hex
}

describe.skipIf(!rec)('Aave V4 rates replayed (aave-v4-1e8de86)', () => {
  for (const label of ['B1', 'B2']) {
    it(`${label}: every user's debt legs at drawnRate x (1 + stored RP), supply legs at the Hub's owed interest over added assets`, async () => {
      const r = rec!
      const block = r.labels[label]!
      const { chain } = aaveV4ReplayChain(r)
      const adapter = createAaveV4Adapter()
      let debts = 0
      let supplies = 0
      for (const [user, address] of Object.entries(r.users)) {
        const { client } = replayClient(r)
        const report = await readWallet({
          client,
          chain,
          user: address as Address,
          blockNumber: BigInt(block),
          adapters: [adapter],
        })
        const positions = report.positions.filter((p): p is Position => p.status === 'ok')
        if (positions.length === 0) continue
        const rates = await adapter.readRates!(
          { client, chain, blockNumber: BigInt(block) },
          positions.map((p, i) => ({ layer: `l${i}`, position: p })),
        )
        positions.forEach((p, i) => {
          const pr = rates.find((x) => x.layer === `l${i}`)!
          expect(pr.missing, `${user} ${p.market}`).toEqual([])
          const spoke = (p.details as { spoke: string }).spoke
          const rp = Number(
            decodeFunctionResult({
              abi: spokeAbi,
              functionName: 'getUserLastRiskPremium',
              data: recorded(
                block,
                spoke,
                encodeFunctionData({
                  abi: spokeAbi,
                  functionName: 'getUserLastRiskPremium',
                  args: [address as Address],
                }),
              ),
            }),
          )
          const reserves = p.details.reserves as { hub: string; assetId: number; underlying: string }[]
          for (const leg of pr.legs) {
            const res = reserves.find((x) => x.underlying.toLowerCase() === (leg.token ?? '').toLowerCase())!
            const args = [BigInt(res.assetId)] as const
            const asset = decodeFunctionResult({
              abi: aaveV4HubAbi,
              functionName: 'getAsset',
              data: recorded(
                block,
                res.hub,
                encodeFunctionData({ abi: aaveV4HubAbi, functionName: 'getAsset', args }),
              ),
            }) as {
              drawnRate: bigint
              drawnShares: bigint
              premiumShares: bigint
              drawnIndex: bigint
              liquidityFee: number
            }
            const drawn = Number(asset.drawnRate) / 1e27
            expect(leg.raw).toBe(asset.drawnRate.toString())
            if (leg.side === 'debt') {
              expect(leg.apr).toBe(drawn * (1 + rp / 10_000))
              debts++
            } else {
              const added = decodeFunctionResult({
                abi: aaveV4HubAbi,
                functionName: 'getAddedAssets',
                data: recorded(
                  block,
                  res.hub,
                  encodeFunctionData({ abi: aaveV4HubAbi, functionName: 'getAddedAssets', args }),
                ),
              }) as bigint
              const owed = (Number(asset.drawnShares + asset.premiumShares) * Number(asset.drawnIndex)) / 1e27
              expect(leg.apr).toBeCloseTo(
                ((drawn * owed) / Number(added)) * (1 - asset.liquidityFee / 10_000),
                15,
              )
              supplies++
            }
            expect(leg.apy).toBe(Math.expm1(leg.apr))
          }
        })
      }
      expect(debts).toBeGreaterThan(0)
      expect(supplies).toBeGreaterThan(0)
    })
  }
})
