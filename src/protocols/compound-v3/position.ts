/**
 * Turns a Comet account (the state isLiquidatable reads, plus the Comet's own answers at the same
 * block) into a {@link Position}. Pure.
 */
import type { Address } from '../../core/address.js'
import { type ErrorContext, ProtocolModelMismatchError } from '../../core/errors.js'
import { toFloat } from '../../core/math.js'
import type { Asset, CometAbsorbRule, Leg, LiquidationPrice, Position } from '../../core/types.js'
import {
  accrueBorrowIndexDown,
  availableToBorrow,
  type CometAccountState,
  type CometBorrowRateModel,
  type CometCollateralState,
  cometAccruedLiquidity,
  cometBorrowRateDown,
  cometUtilizationDown,
  computeCometLiquidity,
  FACTOR_SCALE,
  findCometLiquidationPrice,
  presentValueBorrow,
} from './math.js'

/** The Comet's own answers at the pinned block, used for the legs and as checks of the model. */
export interface CometOnChainAccount {
  /** Comet.isLiquidatable(user). */
  isLiquidatable: boolean
  /** Comet.isBorrowCollateralized(user). */
  isBorrowCollateralized: boolean
  /** Comet.borrowBalanceOf(user): base units owed, interest accrued to the block. */
  borrowBalance: bigint
  /** Comet.balanceOf(user): base units supplied, interest accrued to the block. */
  supplyBalance: bigint
  /** totalsBasic().lastAccrualTime, unix seconds: when the stored indexes were written. */
  lastAccrualTime: bigint
  /** Unix seconds of the pinned block (eth_call accrues to it). */
  blockTimestamp?: bigint
  /** totalsBasic().totalSupplyBase / totalBorrowBase (principals), for the stored utilization. */
  totalSupplyBase?: bigint
  totalBorrowBase?: bigint
  /** The Comet's borrow rate model; absent when it was not answered (then borrowBalanceOf is the accrued debt). */
  borrowRateModel?: CometBorrowRateModel
}

/** Where the market's position comes from and how its prices convert to USD. */
export interface CometPositionContext {
  protocol: string
  market: string
  chain: string
  comet: string
  baseSymbol: string
  baseDecimals: number
  /** The numeraire of Comet's prices ("USD", or "ETH" for WETH-base Comets). */
  priceUnit: string
  /** USD per unit of the numeraire, float (1 for USD). */
  priceUnitUsd: number
  /** Whether the asset list came from the batch's hints or needed a pinned follow-up read. */
  assetListSource: 'hint' | 'follow-up'
}

/** bps (10_000 = 100%) of a 1e18-scaled factor; exact for Comet's 4-decimal factors. */
export function factorToBps(factor: bigint): number {
  return Number((factor * 10_000n) / FACTOR_SCALE)
}

/**
 * The absorb rule of an account holding `collaterals` (those with a balance): each is credited
 * at its liquidation factor (Comet.absorb).
 */
export function cometAbsorbRule(
  collaterals: readonly Pick<CometCollateralState, 'asset' | 'symbol' | 'liquidationFactor'>[],
): CometAbsorbRule {
  return {
    kind: 'comet-absorb',
    collaterals: collaterals.map((c) => ({
      asset: c.asset,
      symbol: c.symbol,
      liquidationFactorBps: factorToBps(c.liquidationFactor),
    })),
  }
}

/**
 * Builds the position of one user in one Comet; null when the user holds nothing there. Throws
 * {@link ProtocolModelMismatchError} when the recomputed liquidity disagrees with the Comet's own
 * isLiquidatable or isBorrowCollateralized at the same block, or when the balances contradict
 * the principal, so no derived number is served from a wrong model.
 *
 * The health factor is Comet's liquidation rule as a ratio: sum(collateral * price * liquidateCF)
 * / (borrow * basePrice), in Comet's integer math at the stored borrow index (the one
 * isLiquidatable uses at this block): HF < 1 exactly when the Comet says liquidatable.
 */
export function buildCometPosition(
  state: CometAccountState,
  onChain: CometOnChainAccount,
  ctx: CometPositionContext,
): Position | null {
  const held = state.collaterals.filter((c) => c.balance > 0n)
  if (state.principal === 0n && held.length === 0) return null
  const context: ErrorContext = { protocol: ctx.protocol, market: ctx.market, chain: ctx.chain }
  const liquidity = computeCometLiquidity(state)
  const fail = (what: string): never => {
    throw new ProtocolModelMismatchError(`${what} (Comet ${ctx.comet})`, context)
  }
  if (liquidity.liquidatable !== onChain.isLiquidatable) {
    fail(
      `recomputed liquidation check (collateral value ${liquidity.liquidationCollateralValue} vs borrow value ${liquidity.debtValue}: ${liquidity.liquidatable ? '' : 'not '}liquidatable) disagrees with isLiquidatable = ${onChain.isLiquidatable}`,
    )
  }
  if (liquidity.borrowCollateralized !== onChain.isBorrowCollateralized) {
    fail(
      `recomputed borrow check (collateral value ${liquidity.borrowCollateralValue} vs borrow value ${liquidity.debtValue}) disagrees with isBorrowCollateralized = ${onChain.isBorrowCollateralized}`,
    )
  }
  const borrows = state.principal < 0n
  if (borrows !== onChain.borrowBalance > 0n || state.principal > 0n !== onChain.supplyBalance > 0n) {
    fail(
      `principal ${state.principal} disagrees with borrowBalanceOf ${onChain.borrowBalance} / balanceOf ${onChain.supplyBalance}`,
    )
  }
  // Interest only grows the balance from the stored index to the block (accruedInterestIndices).
  if (borrows && onChain.borrowBalance < -liquidity.presentValue) {
    fail(
      `borrowBalanceOf ${onChain.borrowBalance} is below the stored-index borrow ${-liquidity.presentValue}`,
    )
  }

  // As absorb sees it: the stored borrow index accrued to the block's timestamp (Comet's own bigint
  // accrual), which must give borrowBalanceOf exactly; without the rate model, borrowBalanceOf.
  const warnings: string[] = []
  let accruedIndex: bigint | null = null
  let accruedDebt = onChain.borrowBalance
  let accruedBasis = 'borrowBalanceOf (the rate model was not read)'
  if (borrows && onChain.borrowRateModel && onChain.blockTimestamp !== undefined) {
    const u = cometUtilizationDown(
      onChain.totalSupplyBase ?? 0n,
      onChain.totalBorrowBase ?? 0n,
      state.baseSupplyIndex,
      state.baseBorrowIndex,
    )
    const rate = cometBorrowRateDown(onChain.borrowRateModel, u)
    accruedIndex = accrueBorrowIndexDown(
      state.baseBorrowIndex,
      rate,
      onChain.blockTimestamp - onChain.lastAccrualTime,
    )
    const debt = presentValueBorrow(accruedIndex, -state.principal)
    if (debt !== onChain.borrowBalance) {
      fail(
        `the stored index accrued to the block gives a debt of ${debt}, borrowBalanceOf ${onChain.borrowBalance}`,
      )
    }
    accruedDebt = debt
    accruedBasis =
      'stored borrow index accrued to the block timestamp (Comet accruedInterestIndices), equal to borrowBalanceOf'
  }
  const accrued = cometAccruedLiquidity(state, liquidity, accruedDebt)
  if (borrows && accrued.liquidatable !== onChain.isLiquidatable) {
    warnings.push(
      `isLiquidatable uses the stored index and says ${onChain.isLiquidatable}; absorb accrues first and would find the account ${accrued.liquidatable ? 'liquidatable' : 'not liquidatable'} (debt ${accruedDebt} vs ${-liquidity.presentValue} at the stored index)`,
    )
  }

  const usdOfPrice = (price: bigint) => toFloat(price, 8) * ctx.priceUnitUsd
  const baseAsset = { symbol: ctx.baseSymbol, address: state.baseToken, decimals: ctx.baseDecimals }
  const basePriceUsd = usdOfPrice(state.basePrice)
  const legs: Leg[] = []
  const liquidationPrices: LiquidationPrice[] = []
  /** Raw boundary prices (Comet.getPrice units: 8 decimals of the numeraire) by asset address. */
  const liquidationPricesRaw: Record<string, string | null> = {}
  let collateralUsd = 0
  let debtUsd = 0
  const pushLiquidationPrice = (asset: Asset & { address: Address }, currentPrice: number) => {
    const lp = findCometLiquidationPrice(state, asset.address)
    liquidationPricesRaw[asset.address] = lp.price === null ? null : lp.price.toString()
    const price = lp.price === null ? null : usdOfPrice(lp.price)
    liquidationPrices.push({
      asset: asset.address,
      symbol: asset.symbol,
      side: lp.side,
      price,
      currentPrice,
      distance: price === null || currentPrice === 0 ? null : price / currentPrice - 1,
    })
  }

  for (const c of held) {
    const asset = { symbol: c.symbol, address: c.asset, decimals: c.decimals }
    const priceUsd = usdOfPrice(c.price)
    const usd = toFloat(c.balance, c.decimals) * priceUsd
    collateralUsd += usd
    legs.push({
      asset,
      side: 'collateral',
      amount: c.balance,
      usd,
      priceUsd,
      countsAsCollateral: c.inAsset && c.liquidateCollateralFactor > 0n,
      liquidationThresholdBps: factorToBps(c.liquidateCollateralFactor),
      ltvBps: factorToBps(c.borrowCollateralFactor),
    })
    if (borrows && c.inAsset) pushLiquidationPrice(asset, priceUsd)
  }
  if (onChain.supplyBalance > 0n) {
    // Supplied base earns interest but is never collateral in Comet.
    const usd = toFloat(onChain.supplyBalance, ctx.baseDecimals) * basePriceUsd
    collateralUsd += usd
    legs.push({
      asset: baseAsset,
      side: 'collateral',
      amount: onChain.supplyBalance,
      usd,
      priceUsd: basePriceUsd,
      countsAsCollateral: false,
    })
  }
  if (borrows) {
    const usd = toFloat(onChain.borrowBalance, ctx.baseDecimals) * basePriceUsd
    debtUsd += usd
    legs.push({ asset: baseAsset, side: 'debt', amount: onChain.borrowBalance, usd, priceUsd: basePriceUsd })
    pushLiquidationPrice(baseAsset, basePriceUsd)
  }

  const value = (v: bigint) => usdOfPrice(v)
  return {
    status: 'ok',
    protocol: ctx.protocol,
    market: ctx.market,
    chain: ctx.chain,
    kind: 'lending',
    healthFactor: liquidity.healthFactor === null ? null : toFloat(liquidity.healthFactor, 18),
    healthFactorWad: liquidity.healthFactor,
    collateralUsd,
    debtUsd,
    legs,
    liquidationPrices,
    liquidationRule: cometAbsorbRule(held),
    details: {
      comet: ctx.comet,
      baseToken: state.baseToken,
      baseSymbol: ctx.baseSymbol,
      priceUnit: ctx.priceUnit,
      priceUnitUsd: ctx.priceUnitUsd,
      liquidatable: onChain.isLiquidatable,
      borrowCollateralized: onChain.isBorrowCollateralized,
      healthFactorBasis:
        'stored borrow index (totalsBasic), as isLiquidatable and isBorrowCollateralized compute it; accruedHealthFactor: as absorb sees it after accruing',
      accruedHealthFactor: accrued.healthFactor === null ? null : toFloat(accrued.healthFactor, 18),
      accruedHealthFactorWad: accrued.healthFactor === null ? null : accrued.healthFactor.toString(),
      accruedLiquidatable: accrued.liquidatable,
      accruedBorrowIndex: accruedIndex === null ? null : accruedIndex.toString(),
      accruedDebt: borrows ? accruedDebt.toString() : '0',
      accruedDebtValue: accrued.debtValue.toString(),
      accruedBasis,
      warnings,
      borrowHealthFactor:
        liquidity.borrowHealthFactor === null ? null : toFloat(liquidity.borrowHealthFactor, 18),
      borrowHealthFactorWad:
        liquidity.borrowHealthFactor === null ? null : liquidity.borrowHealthFactor.toString(),
      principal: state.principal.toString(),
      baseBorrowIndex: state.baseBorrowIndex.toString(),
      baseSupplyIndex: state.baseSupplyIndex.toString(),
      lastAccrualTime: Number(onChain.lastAccrualTime),
      borrowBalanceAtStoredIndex: borrows ? (-liquidity.presentValue).toString() : '0',
      debtValue: liquidity.debtValue.toString(),
      liquidationCollateralValue: liquidity.liquidationCollateralValue.toString(),
      borrowCollateralValue: liquidity.borrowCollateralValue.toString(),
      debtValueUsd: value(liquidity.debtValue),
      liquidationCollateralValueUsd: value(liquidity.liquidationCollateralValue),
      borrowCollateralValueUsd: value(liquidity.borrowCollateralValue),
      availableToBorrow: availableToBorrow(state, liquidity).toString(),
      liquidationPricesRaw,
      collaterals: held.map((c) => ({
        symbol: c.symbol,
        asset: c.asset,
        offset: c.offset,
        inAsset: c.inAsset,
        borrowCollateralFactorBps: factorToBps(c.borrowCollateralFactor),
        liquidateCollateralFactorBps: factorToBps(c.liquidateCollateralFactor),
        liquidationFactorBps: factorToBps(c.liquidationFactor),
      })),
      assetListSource: ctx.assetListSource,
    },
  }
}
