/**
 * Aave v3 supply and variable borrow rates at the block: `Pool.getReserveData(asset)`'s
 * `currentLiquidityRate` (word 2) and `currentVariableBorrowRate` (word 4), RAY annual rates. Every
 * Pool version from v3.0 to v3.7 returns the same leading words (ReserveData / ReserveDataLegacy:
 * configuration, liquidityIndex, currentLiquidityRate, variableBorrowIndex,
 * currentVariableBorrowRate, ...). Aave quotes both as APY compounded per second:
 * (1 + rate / SECONDS_PER_YEAR)^SECONDS_PER_YEAR - 1.
 */
import { encodeFunctionData, parseAbi } from 'viem'
import type { RawCall } from '../../chains/batch.js'
import type { Address } from '../../core/address.js'
import { apyPerSecondCompounded, type LegRate, type PositionRates } from '../../risk/carry.js'
import { readRateBatch, wordAt } from '../rate-batch.js'
import type { LayerPosition, RateReadContext } from '../types.js'

const poolAbi = parseAbi(['function getReserveData(address asset) view returns (uint256)'])
const RAY_FLOAT = 1e27

/** A RAY annual rate as the APY Aave quotes. */
export function aaveRayRateToApy(rayRate: bigint): { apr: number; apy: number } {
  const apr = Number(rayRate) / RAY_FLOAT
  return { apr, apy: apyPerSecondCompounded(apr) }
}

/** The rates of the Aave v3 (and fork) positions among `positions`, read in one batch at the block. */
export async function readAaveV3Rates(
  ctx: RateReadContext,
  positions: readonly LayerPosition[],
): Promise<PositionRates[]> {
  const mine = positions.flatMap((lp) => {
    const market = ctx.chain.aaveMarkets.find((m) => m.id === lp.position.market)
    return market && lp.position.chain === ctx.chain.key && lp.position.kind === 'lending'
      ? [{ lp, pool: market.pool as Address }]
      : []
  })
  const keys: string[] = []
  const calls: RawCall[] = []
  for (const { lp, pool } of mine) {
    for (const leg of lp.position.legs) {
      if (leg.asset.address === null) continue
      const key = `${pool}|${leg.asset.address}`.toLowerCase()
      if (keys.includes(key)) continue
      keys.push(key)
      calls.push({
        target: pool,
        allowFailure: true,
        callData: encodeFunctionData({
          abi: poolAbi,
          functionName: 'getReserveData',
          args: [leg.asset.address],
        }),
      })
    }
  }
  const results = await readRateBatch(ctx, calls)
  return mine.map(({ lp, pool }) => {
    const legs: LegRate[] = []
    const missing: string[] = []
    for (const leg of lp.position.legs) {
      if (leg.side !== 'collateral' && leg.side !== 'debt') continue
      const r = results[keys.indexOf(`${pool}|${leg.asset.address}`.toLowerCase())]
      const word = r?.success ? wordAt(r.returnData, leg.side === 'collateral' ? 2 : 4) : undefined
      if (word === undefined) {
        missing.push(`${leg.side} ${leg.asset.symbol}: Pool.getReserveData failed at the block`)
        continue
      }
      const field = leg.side === 'collateral' ? 'currentLiquidityRate' : 'currentVariableBorrowRate'
      legs.push({
        token: leg.asset.address,
        symbol: leg.asset.symbol,
        side: leg.side,
        ...aaveRayRateToApy(word),
        raw: word.toString(),
        rawScale: `RAY, annual (${field})`,
        compounding: 'per-second',
        source: `Pool.getReserveData(${leg.asset.symbol}).${field}`,
      })
    }
    return { layer: lp.layer, legs, missing }
  })
}
