/**
 * Turns one GMX v2 position (Reader's Position.Props, the prices passed to the Reader, and the
 * Reader's own isPositionLiquidatable answer at the same block) into a {@link Position}. Pure.
 */
import { sameAddress } from '../../core/address.js'
import { type ErrorContext, ProtocolModelMismatchError } from '../../core/errors.js'
import type { Asset, GmxMinCollateralRule, Leg, LiquidationPrice, Position } from '../../core/types.js'
import type { GmxMarketHint, GmxTokenInfo } from './markets.js'
import {
  entryPrice,
  type GmxPrice,
  leverage,
  liquidationPriceAtThreshold,
  positionPnlUsd,
  priceToUsd,
  usd30ToFloat,
} from './math.js'

/** One position as read at the pinned block. USD values and prices in GMX units (30 decimals). */
export interface GmxOnChainPosition {
  key: `0x${string}`
  market: GmxMarketHint
  isLong: boolean
  collateralToken: `0x${string}`
  sizeInUsd: bigint
  sizeInTokens: bigint
  collateralAmount: bigint
  /** Unix seconds. */
  increasedAtTime: bigint
  /** The MarketPrices passed to the Reader. */
  prices: { indexTokenPrice: GmxPrice; longTokenPrice: GmxPrice; shortTokenPrice: GmxPrice }
  /** Reader.isPositionLiquidatable(..., shouldValidateMinCollateralUsd = true). */
  liquidatable: boolean
  reason: string
  remainingCollateralUsd: bigint
  minCollateralUsd: bigint
  minCollateralUsdForLeverage: bigint
}

/** Where the position comes from. */
export interface GmxPositionContext {
  protocol: string
  market: string
  chain: string
  reader: string
  indexToken: GmxTokenInfo
  collateral: GmxTokenInfo
  priceSource: 'oracle' | 'feeds'
  /** Unix seconds of the pinned block. */
  blockTimestamp: bigint
}

/**
 * The rule of a position of `sizeInUsd` (GMX USD, 30 decimals) whose Reader minimums are
 * `minCollateralUsd` and `minCollateralUsdForLeverage` (30 decimals): liquidatable below the
 * larger; a negative remainder is the pool's.
 */
export function gmxMinCollateralRule(
  sizeInUsd: bigint,
  minCollateralUsd: bigint,
  minCollateralUsdForLeverage: bigint,
): GmxMinCollateralRule {
  const threshold =
    minCollateralUsd > minCollateralUsdForLeverage ? minCollateralUsd : minCollateralUsdForLeverage
  return {
    kind: 'gmx-min-collateral',
    minCollateralUsd: usd30ToFloat(minCollateralUsd),
    minCollateralUsdForLeverage: usd30ToFloat(minCollateralUsdForLeverage),
    minCollateralFactor:
      sizeInUsd === 0n ? null : usd30ToFloat(minCollateralUsdForLeverage) / usd30ToFloat(sizeInUsd),
    maintenanceMarginUsd: usd30ToFloat(threshold),
    negativeEquityFloored: true,
  }
}

/**
 * Builds the position. The Reader's remaining collateral is collateralUsd + pnl + capped price
 * impact - fees; the adapter recomputes collateralUsd and pnl at the same prices, so the rest is
 * the net of price impact and fees, held fixed in USD when solving the liquidation price. The
 * health factor is remaining / threshold (threshold = max(MIN_COLLATERAL_USD, size *
 * minCollateralFactor)): < 1 exactly when GMX says liquidatable (for remaining > 0). Throws
 * {@link ProtocolModelMismatchError} when GMX's verdict contradicts its own returned figures.
 */
export function buildGmxPosition(p: GmxOnChainPosition, ctx: GmxPositionContext): Position {
  const context: ErrorContext = { protocol: ctx.protocol, market: ctx.market, chain: ctx.chain }
  const remaining = p.remainingCollateralUsd
  const threshold =
    p.minCollateralUsd > p.minCollateralUsdForLeverage ? p.minCollateralUsd : p.minCollateralUsdForLeverage
  const modelLiquidatable =
    remaining < p.minCollateralUsd || remaining <= 0n || remaining < p.minCollateralUsdForLeverage
  if (modelLiquidatable !== p.liquidatable) {
    throw new ProtocolModelMismatchError(
      `Reader.isPositionLiquidatable says ${p.liquidatable} but its remaining collateral ${remaining} vs minimums ${p.minCollateralUsd} / ${p.minCollateralUsdForLeverage} says ${modelLiquidatable} (position ${p.key})`,
      context,
    )
  }
  const collateralIsLong = sameAddress(p.collateralToken, p.market.longToken)
  const collateralPrice = collateralIsLong ? p.prices.longTokenPrice : p.prices.shortTokenPrice
  const collateralUsd30 = p.collateralAmount * collateralPrice.min
  const pnl = positionPnlUsd(p.isLong, p.sizeInUsd, p.sizeInTokens, p.prices.indexTokenPrice)
  const netCost = remaining - collateralUsd30 - pnl
  const collateralIsIndex = sameAddress(p.collateralToken, p.market.indexToken)
  const lp = liquidationPriceAtThreshold(
    {
      isLong: p.isLong,
      sizeInUsd: p.sizeInUsd,
      sizeInTokens: p.sizeInTokens,
      collateralAmount: p.collateralAmount,
      collateralIsIndex,
    },
    collateralUsd30,
    netCost,
    threshold,
  )

  const index: Asset = {
    symbol: ctx.indexToken.symbol,
    address: ctx.indexToken.address,
    decimals: ctx.indexToken.decimals,
  }
  const collateral: Asset = {
    symbol: ctx.collateral.symbol,
    address: ctx.collateral.address,
    decimals: ctx.collateral.decimals,
  }
  const mark = p.isLong ? p.prices.indexTokenPrice.min : p.prices.indexTokenPrice.max
  const markUsd = priceToUsd(mark, index.decimals)
  const collateralPriceUsd = priceToUsd(collateralPrice.min, collateral.decimals)
  const collateralUsd = usd30ToFloat(collateralUsd30)
  const legs: Leg[] = [
    {
      asset: index,
      side: p.isLong ? 'long' : 'short',
      amount: p.sizeInTokens,
      usd: usd30ToFloat(p.sizeInTokens * mark),
      priceUsd: markUsd,
    },
    {
      asset: collateral,
      side: 'collateral',
      amount: p.collateralAmount,
      usd: collateralUsd,
      priceUsd: collateralPriceUsd,
      countsAsCollateral: true,
    },
  ]
  const lpUsd = lp.price === null ? null : priceToUsd(lp.price, index.decimals)
  const liquidationPrices: LiquidationPrice[] = [
    {
      asset: index.address,
      symbol: index.symbol,
      side: p.isLong ? 'long' : 'short',
      price: lpUsd,
      currentPrice: markUsd,
      distance: lpUsd === null || markUsd === 0 ? null : lpUsd / markUsd - 1,
    },
  ]
  const healthFactorWad = remaining <= 0n ? 0n : (remaining * 10n ** 18n) / threshold
  const entry = entryPrice(p.sizeInUsd, p.sizeInTokens)
  return {
    status: 'ok',
    protocol: ctx.protocol,
    market: ctx.market,
    chain: ctx.chain,
    kind: 'perp',
    healthFactor: Number(healthFactorWad) / 1e18,
    healthFactorWad,
    // A perp position's value to the wallet is its equity (GMX's remaining collateral: collateral
    // + pnl + capped price impact - fees), as for manual perps; the collateral leg keeps the deposit.
    collateralUsd: usd30ToFloat(remaining),
    debtUsd: 0,
    legs,
    liquidationPrices,
    liquidationRule: gmxMinCollateralRule(p.sizeInUsd, p.minCollateralUsd, p.minCollateralUsdForLeverage),
    details: {
      reader: ctx.reader,
      positionKey: p.key,
      marketToken: p.market.marketToken,
      indexToken: p.market.indexToken,
      longToken: p.market.longToken,
      shortToken: p.market.shortToken,
      collateralToken: p.collateralToken,
      isLong: p.isLong,
      sizeUsd: usd30ToFloat(p.sizeInUsd),
      sizeInUsd: p.sizeInUsd.toString(),
      sizeInTokens: p.sizeInTokens.toString(),
      collateralAmount: p.collateralAmount.toString(),
      entryPriceUsd: entry === null ? null : priceToUsd(entry, index.decimals),
      markPriceUsd: markUsd,
      pnlUsd: usd30ToFloat(pnl),
      /** Fees minus the capped price impact at liquidation, USD (positive = a cost). */
      feesAndPriceImpactUsd: usd30ToFloat(-netCost),
      remainingCollateralUsd: usd30ToFloat(remaining),
      leverage: leverage(p.sizeInUsd, remaining),
      minCollateralUsd: usd30ToFloat(p.minCollateralUsd),
      minCollateralUsdForLeverage: usd30ToFloat(p.minCollateralUsdForLeverage),
      maintenanceMarginUsd: usd30ToFloat(threshold),
      liquidatable: p.liquidatable,
      liquidationReason: p.reason === '' ? null : p.reason,
      liquidationDirection: lp.direction,
      liquidationPriceRaw: lp.price === null ? null : lp.price.toString(),
      collateralIsIndexToken: collateralIsIndex,
      increasedAtTime: Number(p.increasedAtTime),
      priceSource: ctx.priceSource,
      ageSeconds: Number(ctx.blockTimestamp - p.increasedAtTime),
    },
  }
}
