/**
 * Aave V4 rates at the block, from the Hub of each reserve: `getAsset(assetId)` (the STORED
 * `drawnRate`, RAY per year, what accrues until the next Hub action; FACTS: "project interest with
 * the stored rate") and `getAddedAssets(assetId)`.
 * - Borrow: the user pays the drawn rate on drawn debt and, through premium shares =
 *   drawnShares x storedRiskPremium / 1e4, the same rate again on that share: drawnRate x
 *   (1 + storedRiskPremium / 1e4), the user's stored risk premium (`details.riskPremium.storedBps`).
 * - Supply: suppliers earn the drawn and premium interest of the asset net of the liquidity fee,
 *   spread over what is added: drawnRate x (drawnShares + premiumShares) x drawnIndex / RAY x
 *   (1 - liquidityFee / 1e4) / addedAssets (indexes as stored: a model at the stored index).
 * The index grows linearly between Hub actions and compounds at each: the APY is given continuous,
 * e^APR - 1.
 */
import { decodeFunctionResult, encodeFunctionData } from 'viem'
import { aaveV4HubAbi } from '../../../abis/aave-v4-hub.js'
import type { RawCall } from '../../chains/batch.js'
import type { Address } from '../../core/address.js'
import type { LegRate, PositionRates } from '../../risk/carry.js'
import { readRateBatch } from '../rate-batch.js'
import type { LayerPosition, RateReadContext } from '../types.js'
import type { AaveV4Deployment } from './markets.js'

const RAY_FLOAT = 1e27

interface ReserveDetail {
  hub: Address
  assetId: number
  underlying: Address
  symbol: string
}

interface HubAsset {
  drawnRate: bigint
  drawnShares: bigint
  premiumShares: bigint
  drawnIndex: bigint
  liquidityFee: number
}

/** Borrow and supply APR (fractions per year) of a V4 asset for a user at `riskPremiumBps`. */
export function aaveV4Aprs(
  asset: HubAsset,
  addedAssets: bigint,
  riskPremiumBps: number,
): { borrow: number; supply: number } {
  const drawn = Number(asset.drawnRate) / RAY_FLOAT
  const owed = (Number(asset.drawnShares + asset.premiumShares) * Number(asset.drawnIndex)) / RAY_FLOAT
  return {
    borrow: drawn * (1 + riskPremiumBps / 10_000),
    supply:
      addedAssets === 0n ? 0 : ((drawn * owed) / Number(addedAssets)) * (1 - asset.liquidityFee / 10_000),
  }
}

/** The rates of the Aave V4 positions (in the Spokes of `deployments`) among `positions`, in one batch at the block. */
export async function readAaveV4Rates(
  ctx: RateReadContext,
  positions: readonly LayerPosition[],
  deployments: readonly AaveV4Deployment[],
): Promise<PositionRates[]> {
  const spokes = new Set(deployments.flatMap((d) => d.spokes.map((s) => s.id)))
  const mine = positions.filter((lp) => lp.position.chain === ctx.chain.key && spokes.has(lp.position.market))
  const keys: string[] = []
  const calls: RawCall[] = []
  const reservesOf = (lp: LayerPosition) => (lp.position.details.reserves ?? []) as ReserveDetail[]
  for (const lp of mine) {
    for (const r of reservesOf(lp)) {
      const key = `${r.hub}|${r.assetId}`.toLowerCase()
      if (keys.includes(key)) continue
      keys.push(key)
      const args = [BigInt(r.assetId)] as const
      calls.push(
        {
          target: r.hub,
          allowFailure: true,
          callData: encodeFunctionData({ abi: aaveV4HubAbi, functionName: 'getAsset', args }),
        },
        {
          target: r.hub,
          allowFailure: true,
          callData: encodeFunctionData({ abi: aaveV4HubAbi, functionName: 'getAddedAssets', args }),
        },
      )
    }
  }
  const results = await readRateBatch(ctx, calls)
  const assets = new Map<string, { asset: HubAsset; added: bigint }>()
  keys.forEach((key, i) => {
    const a = results[2 * i]
    const b = results[2 * i + 1]
    if (!a?.success || !b?.success) return
    const asset = decodeFunctionResult({
      abi: aaveV4HubAbi,
      functionName: 'getAsset',
      data: a.returnData,
    }) as HubAsset
    const added = decodeFunctionResult({
      abi: aaveV4HubAbi,
      functionName: 'getAddedAssets',
      data: b.returnData,
    }) as bigint
    assets.set(key, { asset, added })
  })
  return mine.map((lp) => {
    const legs: LegRate[] = []
    const missing: string[] = []
    const rp = lp.position.details.riskPremium as { storedBps?: number } | undefined
    const riskPremiumBps = rp?.storedBps ?? 0
    for (const leg of lp.position.legs) {
      if (leg.side !== 'collateral' && leg.side !== 'debt') continue
      const r = reservesOf(lp).find(
        (x) => x.underlying.toLowerCase() === (leg.asset.address ?? '').toLowerCase(),
      )
      const found = r ? assets.get(`${r.hub}|${r.assetId}`.toLowerCase()) : undefined
      if (!r || !found) {
        missing.push(`${leg.side} ${leg.asset.symbol}: Hub.getAsset/getAddedAssets failed at the block`)
        continue
      }
      const aprs = aaveV4Aprs(found.asset, found.added, riskPremiumBps)
      const apr = leg.side === 'debt' ? aprs.borrow : aprs.supply
      legs.push({
        token: leg.asset.address,
        symbol: leg.asset.symbol,
        side: leg.side,
        apr,
        apy: Math.expm1(apr),
        raw: found.asset.drawnRate.toString(),
        rawScale:
          leg.side === 'debt'
            ? `RAY per year (Hub.getAsset(${r.assetId}).drawnRate, stored) x (1 + stored risk premium ${riskPremiumBps} bps)`
            : `RAY per year (drawnRate) x (drawnShares + premiumShares) x drawnIndex x (1 - liquidityFee ${found.asset.liquidityFee} bps) / getAddedAssets`,
        compounding: 'continuous',
        source: `Hub ${r.hub}.getAsset(${r.assetId}) and getAddedAssets(${r.assetId})`,
      })
    }
    return { layer: lp.layer, legs, missing }
  })
}
