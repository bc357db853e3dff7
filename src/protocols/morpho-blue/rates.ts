/**
 * Morpho Blue rates at the block, by the market's own IRM: `IIrm.borrowRateView(marketParams,
 * market)` on the market as stored at the block (what the next `_accrueInterest` charges: the
 * borrow rate per second, WAD), and the supply rate it implies, borrowRate x utilization x
 * (1 - fee). Morpho accrues `wTaylorCompounded(rate, elapsed)` (the Taylor expansion of
 * e^(rate x elapsed) - 1), so the APY is continuous: e^(rate x 31,536,000) - 1, at constant
 * utilization. Two batches at the same block: the market (params and totals), then the IRM.
 */
import { decodeFunctionResult, encodeFunctionData, type Hex, parseAbi } from 'viem'
import type { RawCall } from '../../chains/batch.js'
import type { Address } from '../../core/address.js'
import { apyContinuous, type LegRate, type PositionRates } from '../../risk/carry.js'
import { readRateBatch } from '../rate-batch.js'
import type { LayerPosition, RateReadContext } from '../types.js'

const morphoRateAbi = parseAbi([
  'function idToMarketParams(bytes32 id) view returns (address loanToken, address collateralToken, address oracle, address irm, uint256 lltv)',
  'function market(bytes32 id) view returns (uint128 totalSupplyAssets, uint128 totalSupplyShares, uint128 totalBorrowAssets, uint128 totalBorrowShares, uint128 lastUpdate, uint128 fee)',
])
const irmAbi = parseAbi([
  'struct MarketParams { address loanToken; address collateralToken; address oracle; address irm; uint256 lltv; }',
  'struct Market { uint128 totalSupplyAssets; uint128 totalSupplyShares; uint128 totalBorrowAssets; uint128 totalBorrowShares; uint128 lastUpdate; uint128 fee; }',
  'function borrowRateView(MarketParams marketParams, Market market) view returns (uint256)',
])
const WAD_FLOAT = 1e18

/** Morpho's supply and borrow rates per second (floats) from the IRM's borrow rate and the market. */
export function morphoRatesPerSecond(
  borrowRateWad: bigint,
  market: { totalSupplyAssets: bigint; totalBorrowAssets: bigint; fee: bigint },
): { borrow: number; supply: number; utilization: number } {
  const borrow = Number(borrowRateWad) / WAD_FLOAT
  const utilization =
    market.totalSupplyAssets === 0n ? 0 : Number(market.totalBorrowAssets) / Number(market.totalSupplyAssets)
  return { borrow, supply: borrow * utilization * (1 - Number(market.fee) / WAD_FLOAT), utilization }
}

type MarketTuple = readonly [bigint, bigint, bigint, bigint, bigint, bigint]
type ParamsTuple = readonly [Address, Address, Address, Address, bigint]

/** The rates of the Morpho Blue positions among `positions`, at the block. */
export async function readMorphoBlueRates(
  ctx: RateReadContext,
  positions: readonly LayerPosition[],
): Promise<PositionRates[]> {
  const morpho = ctx.chain.morphoBlue?.morpho
  if (!morpho) return []
  const mine = positions.filter(
    (lp) => lp.position.protocol === 'morpho-blue' && lp.position.chain === ctx.chain.key,
  )
  const ids = [...new Set(mine.map((lp) => lp.position.market as Hex))]
  const first: RawCall[] = ids.flatMap((id) => [
    {
      target: morpho,
      allowFailure: true,
      callData: encodeFunctionData({ abi: morphoRateAbi, functionName: 'idToMarketParams', args: [id] }),
    },
    {
      target: morpho,
      allowFailure: true,
      callData: encodeFunctionData({ abi: morphoRateAbi, functionName: 'market', args: [id] }),
    },
  ])
  const r1 = await readRateBatch(ctx, first)
  const markets = ids.map((id, i) => {
    const p = r1[2 * i]
    const m = r1[2 * i + 1]
    if (!p?.success || !m?.success) return null
    const params = decodeFunctionResult({
      abi: morphoRateAbi,
      functionName: 'idToMarketParams',
      data: p.returnData,
    }) as ParamsTuple
    const market = decodeFunctionResult({
      abi: morphoRateAbi,
      functionName: 'market',
      data: m.returnData,
    }) as MarketTuple
    return { id, params, market }
  })
  const withIrm = markets.filter(
    (m): m is NonNullable<typeof m> =>
      m !== null && m.params[3] !== '0x0000000000000000000000000000000000000000',
  )
  const r2 = await readRateBatch(
    ctx,
    withIrm.map((m) => ({
      target: m.params[3],
      allowFailure: true,
      callData: encodeFunctionData({
        abi: irmAbi,
        functionName: 'borrowRateView',
        args: [
          {
            loanToken: m.params[0],
            collateralToken: m.params[1],
            oracle: m.params[2],
            irm: m.params[3],
            lltv: m.params[4],
          },
          {
            totalSupplyAssets: m.market[0],
            totalSupplyShares: m.market[1],
            totalBorrowAssets: m.market[2],
            totalBorrowShares: m.market[3],
            lastUpdate: m.market[4],
            fee: m.market[5],
          },
        ],
      }),
    })),
  )
  const rateOf = new Map<string, { borrowWad: bigint; market: MarketTuple; irm: Address }>()
  withIrm.forEach((m, i) => {
    const r = r2[i]
    if (!r?.success) return
    const borrowWad = decodeFunctionResult({
      abi: irmAbi,
      functionName: 'borrowRateView',
      data: r.returnData,
    })
    rateOf.set(m.id, { borrowWad, market: m.market, irm: m.params[3] })
  })
  return mine.map((lp) => {
    const found = rateOf.get(lp.position.market)
    const legs: LegRate[] = []
    const missing: string[] = []
    for (const leg of lp.position.legs) {
      if (leg.side !== 'collateral' && leg.side !== 'debt') continue
      const isLoanSupply = leg.side === 'collateral' && leg.countsAsCollateral === false
      // Collateral in Morpho Blue earns nothing: only supplied loan tokens do.
      if (leg.side === 'collateral' && !isLoanSupply) {
        legs.push({
          token: leg.asset.address,
          symbol: leg.asset.symbol,
          side: 'collateral',
          apy: 0,
          apr: 0,
          raw: '0',
          rawScale: 'none: Morpho Blue collateral earns no interest',
          compounding: 'continuous',
          source: 'Morpho Blue: collateral is not lent out',
        })
        continue
      }
      if (!found) {
        missing.push(`${leg.side} ${leg.asset.symbol}: the IRM's borrowRateView failed at the block`)
        continue
      }
      const perSecond = morphoRatesPerSecond(found.borrowWad, {
        totalSupplyAssets: found.market[0],
        totalBorrowAssets: found.market[2],
        fee: found.market[5],
      })
      const rate = leg.side === 'debt' ? perSecond.borrow : perSecond.supply
      legs.push({
        token: leg.asset.address,
        symbol: leg.asset.symbol,
        side: leg.side,
        apr: rate * 31_536_000,
        apy: apyContinuous(rate),
        raw: found.borrowWad.toString(),
        rawScale:
          leg.side === 'debt'
            ? 'WAD per second (borrowRateView)'
            : `WAD per second (borrowRateView), x utilization ${perSecond.utilization} x (1 - fee ${Number(found.market[5]) / WAD_FLOAT})`,
        compounding: 'continuous',
        source: `IRM ${found.irm}.borrowRateView(marketParams, market at the block)`,
      })
    }
    return { layer: lp.layer, legs, missing }
  })
}
