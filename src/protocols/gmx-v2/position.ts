/**
 * Turns one GMX v2 position (Reader's Position.Props, the prices passed to the Reader, the Reader's
 * own keeper verdict isPositionLiquidatable(…, true, forLiquidation = true) at the same block, and
 * for v2.2 getPositionInfo and the stored fee state) into a {@link Position}. Pure.
 */
import { sameAddress } from '../../core/address.js'
import { type ErrorContext, ProtocolModelMismatchError } from '../../core/errors.js'
import type { Asset, GmxMinCollateralRule, Leg, LiquidationPrice, Position } from '../../core/types.js'
import type { GmxMarketHint, GmxTokenInfo } from './markets.js'
import {
  borrowingFeeUsdDown,
  entryPrice,
  FLOAT_PRECISION,
  findGmxLiquidationPrice,
  fundingAmountUp,
  type GmxLiquidationPrice,
  type GmxPrice,
  type GmxRemainingModel,
  gmxRemainingCollateralUsd,
  leverage,
  liquidationImpactUsd,
  liquidationPriceAtThreshold,
  positionPnlUsd,
  priceToUsd,
  storedTotalCostAmount,
  usd30ToFloat,
} from './math.js'

/** GMX MarketUtils.MarketPrices: per raw unit, USD 30 decimals. */
export interface GmxMarketPrices {
  indexTokenPrice: GmxPrice
  longTokenPrice: GmxPrice
  shortTokenPrice: GmxPrice
}

/** The parts of Reader.getPositionInfo (v2.2 ReaderPositionUtils.PositionInfo) the adapter serves. */
export interface GmxPositionInfo {
  fees: {
    referral: { traderDiscountFactor: bigint; traderDiscountAmount: bigint }
    pro: { traderDiscountFactor: bigint; traderDiscountAmount: bigint }
    funding: { fundingFeeAmount: bigint; claimableLongTokenAmount: bigint; claimableShortTokenAmount: bigint }
    borrowing: { borrowingFeeUsd: bigint; borrowingFeeAmount: bigint }
    ui: { uiFeeAmount: bigint }
    collateralTokenPrice: GmxPrice
    positionFeeFactor: bigint
    positionFeeAmount: bigint
    totalCostAmountExcludingFunding: bigint
    totalCostAmount: bigint
    totalDiscountAmount: bigint
  }
  executionPriceResult: {
    priceImpactUsd: bigint
    executionPrice: bigint
    balanceWasImproved: boolean
    proportionalPendingImpactUsd: bigint
    totalImpactUsd: bigint
    priceImpactDiffUsd: bigint
  }
  basePnlUsd: bigint
  uncappedBasePnlUsd: bigint
  pnlAfterPriceImpactUsd: bigint
}

/** Stored DataStore state the keeper's check uses (no pending accrual). */
export interface GmxStoredState {
  /** CUMULATIVE_BORROWING_FACTOR(market, isLong), 30 decimals. */
  cumulativeBorrowingFactor: bigint
  /** FUNDING_FEE_AMOUNT_PER_SIZE(market, collateral, isLong). */
  fundingFeeAmountPerSize: bigint
  /** MAX_POSITION_IMPACT_FACTOR_FOR_LIQUIDATIONS(market), 30 decimals. */
  maxPositionImpactFactorForLiquidations: bigint
}

/** One position as read at the pinned block. USD values and prices in GMX units (30 decimals). */
export interface GmxOnChainPosition {
  key: `0x${string}`
  market: GmxMarketHint
  isLong: boolean
  collateralToken: `0x${string}`
  sizeInUsd: bigint
  sizeInTokens: bigint
  collateralAmount: bigint
  /** v2.2 Position.Numbers.pendingImpactAmount, signed raw index units (0 before v2.2). */
  pendingImpactAmount: bigint
  /** Position.Numbers.borrowingFactor, 30 decimals. */
  borrowingFactor: bigint
  /** Position.Numbers.fundingFeeAmountPerSize. */
  fundingFeeAmountPerSize: bigint
  /** Unix seconds. */
  increasedAtTime: bigint
  /** The MarketPrices passed to the Reader. */
  prices: GmxMarketPrices
  /** Reader.isPositionLiquidatable(..., shouldValidateMinCollateralUsd = true, forLiquidation = true). */
  liquidatable: boolean
  reason: string
  remainingCollateralUsd: bigint
  minCollateralUsd: bigint
  minCollateralUsdForLeverage: bigint
  /** Reader.getPositionInfo at the same prices (v2.2; absent when it reverted or before v2.2). */
  info?: GmxPositionInfo
  stored?: GmxStoredState
}

/** Where the position comes from. */
export interface GmxPositionContext {
  protocol: string
  market: string
  chain: string
  reader: string
  readerLayout: 'v2.2' | 'v2.1'
  indexToken: GmxTokenInfo
  collateral: GmxTokenInfo
  /** GMX's price equivalence of collateral and index (same token or same oracle feed). */
  collateralFollowsIndex: boolean
  priceSource: 'oracle' | 'feeds'
  /** false when the prices are current (oracle tickers) but the positions are at a pinned block. */
  pricesAtBlock: boolean
  pinnedBlock?: bigint
  /** Unix seconds of the pinned block. */
  blockTimestamp: bigint
}

/** getCachedTokenPrice: the long-token slot, then the short-token slot, then the index slot. */
function collateralPriceOf(p: GmxOnChainPosition): GmxPrice {
  if (sameAddress(p.collateralToken, p.market.longToken)) return p.prices.longTokenPrice
  if (sameAddress(p.collateralToken, p.market.shortToken)) return p.prices.shortTokenPrice
  return p.prices.indexTokenPrice
}

/** The exact model of the keeper's check, when getPositionInfo and the stored state were read. */
function exactModel(p: GmxOnChainPosition, ctx: GmxPositionContext): GmxRemainingModel | null {
  if (!p.info || !p.stored) return null
  const fees = p.info.fees
  const discount =
    fees.pro.traderDiscountFactor > fees.referral.traderDiscountFactor
      ? fees.pro.traderDiscountFactor
      : fees.referral.traderDiscountFactor
  return {
    isLong: p.isLong,
    sizeInUsd: p.sizeInUsd,
    sizeInTokens: p.sizeInTokens,
    collateralAmount: p.collateralAmount,
    pendingImpactAmount: p.pendingImpactAmount,
    closeImpactUsd: p.info.executionPriceResult.priceImpactUsd,
    maxPositionImpactFactorForLiquidations: p.stored.maxPositionImpactFactorForLiquidations,
    collateralFollowsIndex: ctx.collateralFollowsIndex && ctx.collateral.decimals === ctx.indexToken.decimals,
    positionFeeUsd: (p.sizeInUsd * fees.positionFeeFactor) / FLOAT_PRECISION,
    traderDiscountFactor: discount,
    storedBorrowingFeeUsd: borrowingFeeUsdDown(
      p.sizeInUsd,
      p.stored.cumulativeBorrowingFactor,
      p.borrowingFactor,
    ),
    storedFundingFeeAmount: fundingAmountUp(
      p.sizeInUsd,
      p.stored.fundingFeeAmountPerSize,
      p.fundingFeeAmountPerSize,
    ),
  }
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
 * Builds the position. Liquidation price: when getPositionInfo and the stored fee state are read
 * (v2.2), the keeper's check is recomputed exactly (collateral, pnl, close + pending impact with
 * its caps, stored fees with their floors) and must reproduce the Reader's remaining collateral to
 * the unit; the boundary is then found by bisection on that exact function (model "exact").
 * Otherwise (the devchain double, v2.1 Readers, a getPositionInfo revert) the Reader's net of impact
 * and fees is held fixed in USD (model "linear"). The health factor is remaining / threshold
 * (threshold = max(MIN_COLLATERAL_USD, size * minCollateralFactorForLiquidation)): < 1 exactly when
 * the keeper's check says liquidatable (for remaining > 0). Throws
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
  const collateralPrice = collateralPriceOf(p)
  const collateralUsd30 = p.collateralAmount * collateralPrice.min
  const pnl = positionPnlUsd(p.isLong, p.sizeInUsd, p.sizeInTokens, p.prices.indexTokenPrice)
  const mark = p.isLong ? p.prices.indexTokenPrice.min : p.prices.indexTokenPrice.max
  const warnings: string[] = []

  // The exact model must give the Reader's own remaining collateral at the read prices.
  const model = exactModel(p, ctx)
  let modelCheck: 'exact' | 'mismatch' | 'not read' = 'not read'
  if (model) {
    const recomputed = gmxRemainingCollateralUsd(
      model,
      { index: p.prices.indexTokenPrice, collateralMin: collateralPrice.min },
      p.info!.basePnlUsd,
    )
    modelCheck = recomputed === remaining ? 'exact' : 'mismatch'
    if (modelCheck === 'mismatch')
      warnings.push(
        `the recomputed keeper check gives remaining collateral ${recomputed}, the Reader ${remaining}: liquidation price from the linear model`,
      )
  }
  const netCost = remaining - collateralUsd30 - pnl
  const indexMovesCollateral =
    ctx.collateralFollowsIndex && ctx.collateral.decimals === ctx.indexToken.decimals
  const lp: GmxLiquidationPrice =
    model && modelCheck === 'exact'
      ? findGmxLiquidationPrice(model, threshold, collateralPrice.min, mark)
      : liquidationPriceAtThreshold(
          {
            isLong: p.isLong,
            sizeInUsd: p.sizeInUsd,
            sizeInTokens: p.sizeInTokens,
            collateralAmount: p.collateralAmount,
            collateralIsIndex: indexMovesCollateral,
          },
          collateralUsd30,
          netCost,
          threshold,
        )
  if (!ctx.pricesAtBlock)
    warnings.push(
      `prices are GMX's CURRENT oracle tickers, not prices at block ${ctx.pinnedBlock}: pnl, verdict and liquidation price mix current prices with the positions at that block`,
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
  const markUsd = priceToUsd(mark, index.decimals)
  const collateralPriceUsd = priceToUsd(collateralPrice.min, collateral.decimals)
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
      usd: usd30ToFloat(collateralUsd30),
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
  const pendingImpactUsd = model
    ? liquidationImpactUsd(
        { ...model, closeImpactUsd: 0n, maxPositionImpactFactorForLiquidations: 0n },
        p.prices.indexTokenPrice,
      )
    : 0n
  const info = p.info
  const s = (v: bigint) => v.toString()
  return {
    status: 'ok',
    protocol: ctx.protocol,
    market: ctx.market,
    chain: ctx.chain,
    kind: 'perp',
    healthFactor: Number(healthFactorWad) / 1e18,
    healthFactorWad,
    // A perp position's value to the wallet is its equity (GMX's remaining collateral: collateral
    // + pnl + capped price impact - stored fees), as for manual perps; the collateral leg keeps the deposit.
    collateralUsd: usd30ToFloat(remaining),
    debtUsd: 0,
    legs,
    liquidationPrices,
    liquidationRule: gmxMinCollateralRule(p.sizeInUsd, p.minCollateralUsd, p.minCollateralUsdForLeverage),
    details: {
      reader: ctx.reader,
      readerLayout: ctx.readerLayout,
      positionKey: p.key,
      marketToken: p.market.marketToken,
      indexToken: p.market.indexToken,
      longToken: p.market.longToken,
      shortToken: p.market.shortToken,
      collateralToken: p.collateralToken,
      isLong: p.isLong,
      /** The MarketPrices passed to the Reader (USD 30 decimals per raw unit), for follow-up reads at the same prices. */
      marketPrices: {
        indexTokenPrice: { min: s(p.prices.indexTokenPrice.min), max: s(p.prices.indexTokenPrice.max) },
        longTokenPrice: { min: s(p.prices.longTokenPrice.min), max: s(p.prices.longTokenPrice.max) },
        shortTokenPrice: { min: s(p.prices.shortTokenPrice.min), max: s(p.prices.shortTokenPrice.max) },
      },
      sizeUsd: usd30ToFloat(p.sizeInUsd),
      sizeInUsd: s(p.sizeInUsd),
      sizeInTokens: s(p.sizeInTokens),
      collateralAmount: s(p.collateralAmount),
      collateralUsdRaw: s(collateralUsd30),
      pendingImpactAmount: s(p.pendingImpactAmount),
      entryPriceUsd: entry === null ? null : priceToUsd(entry, index.decimals),
      markPriceUsd: markUsd,
      pnlUsd: usd30ToFloat(info?.basePnlUsd ?? pnl),
      pnl: info
        ? {
            basePnlUsd: s(info.basePnlUsd),
            uncappedBasePnlUsd: s(info.uncappedBasePnlUsd),
            pnlAfterPriceImpactUsd: s(info.pnlAfterPriceImpactUsd),
          }
        : { basePnlUsd: s(pnl) },
      priceImpact: info
        ? {
            closeImpactUsd: s(info.executionPriceResult.priceImpactUsd),
            proportionalPendingImpactUsd: s(info.executionPriceResult.proportionalPendingImpactUsd),
            totalImpactUsd: s(info.executionPriceResult.totalImpactUsd),
            priceImpactDiffUsd: s(info.executionPriceResult.priceImpactDiffUsd),
            balanceWasImproved: info.executionPriceResult.balanceWasImproved,
          }
        : null,
      /**
       * Fees in collateral units (…Usd: USD 30 decimals). `pending`: getPositionInfo, borrowing and
       * funding accrued to the block (what a close pays now). `stored`: what the keeper's check and
       * isPositionLiquidatable charge (the stored cumulative factors; a keeper's liquidation first
       * updates them, so it can be stricter than the view).
       */
      fees: {
        pending: info
          ? {
              positionFeeFactor: s(info.fees.positionFeeFactor),
              positionFeeAmount: s(info.fees.positionFeeAmount),
              totalDiscountAmount: s(info.fees.totalDiscountAmount),
              borrowingFeeUsd: s(info.fees.borrowing.borrowingFeeUsd),
              borrowingFeeAmount: s(info.fees.borrowing.borrowingFeeAmount),
              fundingFeeAmount: s(info.fees.funding.fundingFeeAmount),
              claimableLongTokenAmount: s(info.fees.funding.claimableLongTokenAmount),
              claimableShortTokenAmount: s(info.fees.funding.claimableShortTokenAmount),
              uiFeeAmount: s(info.fees.ui.uiFeeAmount),
              totalCostAmountExcludingFunding: s(info.fees.totalCostAmountExcludingFunding),
              totalCostAmount: s(info.fees.totalCostAmount),
            }
          : null,
        stored: model
          ? {
              borrowingFeeUsd: s(model.storedBorrowingFeeUsd),
              fundingFeeAmount: s(model.storedFundingFeeAmount),
              totalCostAmount: s(storedTotalCostAmount(model, collateralPrice.min)),
            }
          : null,
      },
      feeBasis:
        'liquidation check, remaining collateral and liquidation price: STORED borrowing/funding (as isPositionLiquidatable); fees.pending: accrued to the block (getPositionInfo)',
      pendingImpactUsd: s(pendingImpactUsd),
      impactBasis:
        'close impact + pendingImpactAmount (at price.min if positive, price.max if negative); >= 0 counts as 0, negative floored at -size * maxPositionImpactFactorForLiquidations',
      maxPositionImpactFactorForLiquidations: p.stored
        ? s(p.stored.maxPositionImpactFactorForLiquidations)
        : null,
      /** Fees minus the capped price impact at liquidation, USD (positive = a cost). */
      feesAndPriceImpactUsd: usd30ToFloat(-netCost),
      remainingCollateralUsd: usd30ToFloat(remaining),
      remainingCollateralUsdRaw: s(remaining),
      leverage: leverage(p.sizeInUsd, remaining),
      minCollateralUsd: usd30ToFloat(p.minCollateralUsd),
      minCollateralUsdForLeverage: usd30ToFloat(p.minCollateralUsdForLeverage),
      maintenanceMarginUsd: usd30ToFloat(threshold),
      verdictBasis:
        'isPositionLiquidatable(shouldValidateMinCollateralUsd = true, forLiquidation = true), as keepers check',
      liquidatable: p.liquidatable,
      liquidationReason: p.reason === '' ? null : p.reason,
      liquidationDirection: lp.direction,
      liquidationPriceRaw: lp.price === null ? null : lp.price.toString(),
      liquidationPriceModel: model && modelCheck === 'exact' ? 'exact' : 'linear',
      modelCheck,
      collateralIsIndexToken: sameAddress(p.collateralToken, p.market.indexToken),
      collateralFollowsIndex: ctx.collateralFollowsIndex,
      increasedAtTime: Number(p.increasedAtTime),
      priceSource: ctx.priceSource,
      pricesAtBlock: ctx.pricesAtBlock,
      ageSeconds: Number(ctx.blockTimestamp - p.increasedAtTime),
      warnings,
    },
  }
}
