/**
 * Compound v3 (Comet) rates at the block: `getUtilization()`, then `getSupplyRate(utilization)`
 * and `getBorrowRate(utilization)`, per-second rates scaled 1e18 (Comet's FACTOR_SCALE). Comet's
 * accrueInternal grows its indexes by index x rate x elapsed at every interaction, so the APY is
 * given continuous: e^(rate x 31,536,000) - 1 (APR = rate x 31,536,000). Collateral earns nothing
 * in Comet; only supplied base does. Two batches at the same block.
 */
import { decodeFunctionResult, encodeFunctionData, parseAbi } from 'viem'
import { apyContinuous, type LegRate, type PositionRates } from '../../risk/carry.js'
import { readRateBatch } from '../rate-batch.js'
import type { LayerPosition, RateReadContext } from '../types.js'

const cometRateAbi = parseAbi([
  'function getUtilization() view returns (uint256)',
  'function getSupplyRate(uint256 utilization) view returns (uint64)',
  'function getBorrowRate(uint256 utilization) view returns (uint64)',
])

/** The rates of the Comet positions among `positions`, at the block. */
export async function readCompoundV3Rates(
  ctx: RateReadContext,
  positions: readonly LayerPosition[],
): Promise<PositionRates[]> {
  const mine = positions.flatMap((lp) => {
    const config = ctx.chain.comets.find((c) => c.id === lp.position.market)
    return config && lp.position.chain === ctx.chain.key ? [{ lp, comet: config.comet }] : []
  })
  const comets = [...new Set(mine.map((m) => m.comet))]
  const r1 = await readRateBatch(
    ctx,
    comets.map((target) => ({
      target,
      allowFailure: true,
      callData: encodeFunctionData({ abi: cometRateAbi, functionName: 'getUtilization' }),
    })),
  )
  const utilization = new Map<string, bigint>()
  comets.forEach((c, i) => {
    const r = r1[i]
    if (r?.success && r.returnData.length === 66) utilization.set(c, BigInt(r.returnData))
  })
  const withU = comets.filter((c) => utilization.has(c))
  const r2 = await readRateBatch(
    ctx,
    withU.flatMap((target) =>
      (['getSupplyRate', 'getBorrowRate'] as const).map((functionName) => ({
        target,
        allowFailure: true,
        callData: encodeFunctionData({ abi: cometRateAbi, functionName, args: [utilization.get(target)!] }),
      })),
    ),
  )
  const rates = new Map<string, { supply: bigint; borrow: bigint; u: bigint }>()
  withU.forEach((c, i) => {
    const s = r2[2 * i]
    const b = r2[2 * i + 1]
    if (!s?.success || !b?.success) return
    rates.set(c, {
      supply: decodeFunctionResult({ abi: cometRateAbi, functionName: 'getSupplyRate', data: s.returnData }),
      borrow: decodeFunctionResult({ abi: cometRateAbi, functionName: 'getBorrowRate', data: b.returnData }),
      u: utilization.get(c)!,
    })
  })
  return mine.map(({ lp, comet }) => {
    const found = rates.get(comet)
    const legs: LegRate[] = []
    const missing: string[] = []
    for (const leg of lp.position.legs) {
      if (leg.side !== 'collateral' && leg.side !== 'debt') continue
      const baseSupply = leg.side === 'collateral' && leg.countsAsCollateral === false
      if (leg.side === 'collateral' && !baseSupply) {
        legs.push({
          token: leg.asset.address,
          symbol: leg.asset.symbol,
          side: 'collateral',
          apy: 0,
          apr: 0,
          raw: '0',
          rawScale: 'none: Comet collateral earns no interest',
          compounding: 'continuous',
          source: 'Comet: collateral is not lent out',
        })
        continue
      }
      if (!found) {
        missing.push(
          `${leg.side} ${leg.asset.symbol}: Comet getUtilization/getSupplyRate/getBorrowRate failed at the block`,
        )
        continue
      }
      const raw = leg.side === 'debt' ? found.borrow : found.supply
      const perSecond = Number(raw) / 1e18
      const fn = leg.side === 'debt' ? 'getBorrowRate' : 'getSupplyRate'
      legs.push({
        token: leg.asset.address,
        symbol: leg.asset.symbol,
        side: leg.side,
        apr: perSecond * 31_536_000,
        apy: apyContinuous(perSecond),
        raw: raw.toString(),
        rawScale: `1e18 per second (${fn}(getUtilization() = ${found.u}))`,
        compounding: 'continuous',
        source: `Comet ${comet}.${fn}(getUtilization())`,
      })
    }
    return { layer: lp.layer, legs, missing }
  })
}
