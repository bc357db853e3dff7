/**
 * Turns one user's state on one Aave V4 Spoke (per-reserve reads plus the Spoke's own
 * `getUserAccountData`) into a {@link Position} whose market is the Spoke. Pure.
 */
import type { Address } from '../../core/address.js'
import { ProtocolModelMismatchError } from '../../core/errors.js'
import { MAX_UINT256, rayMulUp, toFloat, WAD } from '../../core/math.js'
import type { Leg, LiquidationPrice, Position } from '../../core/types.js'
import {
  computeAccountData,
  DUST_LIQUIDATION_THRESHOLD,
  findLiquidationPrice,
  fromRayUp,
  liquidationBonusDown,
  minLiquidationBonusDown,
  premiumDebtRay,
} from './math.js'
import type {
  AaveV4AccountData,
  AaveV4LiquidationConfig,
  AaveV4LiquidationRule,
  AaveV4SpokeUserState,
  AaveV4UserReserve,
} from './types.js'

/** Where a position was read. */
export interface AaveV4PositionContext {
  protocol: string
  /** The Spoke's market id. */
  market: string
  chain: string
  spoke: Address
  spokeName: string
  /** The Spoke's AaveOracle (its `ORACLE()` answer). */
  oracle: Address
  deployment: string
  /** `SPOKE_REVISION()`, or null when the Spoke does not answer it. */
  revision: bigint | null
  blockNumber: bigint
  /** Reserves whose shares discovery saw the wallet receive as a liquidator. */
  receivedAsLiquidator?: readonly number[]
}

const ACCOUNT_FIELDS = [
  'riskPremium',
  'avgCollateralFactor',
  'healthFactor',
  'totalCollateralValue',
  'totalDebtValueRay',
  'activeCollateralCount',
  'borrowCount',
] as const

/** USD per whole token of an 8-decimal oracle price, float. */
export function priceToUsd(price: bigint): number {
  return toFloat(price, 8)
}

/** USD of a Value amount (1e26 = 1 USD), float. */
export function valueToUsd(value: bigint): number {
  return toFloat(value, 26)
}

/**
 * The typed liquidation rule of a position on a Spoke: target HF, the bonus curve of each
 * collateral under the user's key (and the bonus at the current HF when liquidatable), no close
 * factor, the 1000 USD dust rule and the deficit rule.
 */
export function buildLiquidationRule(
  config: AaveV4LiquidationConfig,
  reserves: readonly AaveV4UserReserve[],
  healthFactor: bigint,
): AaveV4LiquidationRule {
  const liquidatable = healthFactor < WAD
  return {
    kind: 'target-health-factor',
    liquidationHealthFactor: 1,
    targetHealthFactor: toFloat(config.targetHealthFactor, 18),
    targetHealthFactorWad: config.targetHealthFactor.toString(),
    healthFactorForMaxBonus: toFloat(config.healthFactorForMaxBonus, 18),
    healthFactorForMaxBonusWad: config.healthFactorForMaxBonus.toString(),
    liquidationBonusFactorBps: Number(config.liquidationBonusFactor),
    collaterals: reserves
      .filter((r) => r.isCollateral && r.config.collateralFactor > 0n && r.position.suppliedShares > 0n)
      .map((r) => ({
        asset: r.reserve.underlying,
        symbol: r.reserve.symbol,
        reserveId: r.reserve.reserveId,
        collateralFactorBps: Number(r.config.collateralFactor),
        maxBonusBps: Number(r.config.maxLiquidationBonus),
        minBonusBps: Number(minLiquidationBonusDown(config, r.config.maxLiquidationBonus)),
        liquidationFeeBps: Number(r.config.liquidationFee),
        currentBonusBps: liquidatable
          ? Number(liquidationBonusDown(config, healthFactor, r.config.maxLiquidationBonus))
          : null,
      })),
    closeFactor: null,
    dust: {
      thresholdUsd: valueToUsd(DUST_LIQUIDATION_THRESHOLD),
      thresholdValue: DUST_LIQUIDATION_THRESHOLD.toString(),
    },
    deficit: { whenLastCollateralEmptied: true },
  }
}

/**
 * Builds the position of one user on one Spoke. Throws {@link ProtocolModelMismatchError} when
 * the recomputation from per-reserve reads differs from the Spoke's `getUserAccountData` in any
 * field (risk premium, average CF, HF, collateral value, debt value, counts) or a reserve's debt
 * differs from `getUserDebt`, so no derived number is served from a wrong model. Null when the
 * user holds nothing on the Spoke. The served health factor is the Spoke's own.
 */
export function buildAaveV4Position(
  state: AaveV4SpokeUserState,
  onChain: AaveV4AccountData,
  ctx: AaveV4PositionContext,
): Position | null {
  const errCtx = { protocol: ctx.protocol, market: ctx.market, chain: ctx.chain }
  const computed = computeAccountData(state.reserves)
  const differing = ACCOUNT_FIELDS.filter((f) => computed[f] !== onChain[f])
  if (differing.length > 0) {
    throw new ProtocolModelMismatchError(
      `recomputed account data differs from the Spoke's getUserAccountData in ${differing
        .map((f) => `${f} (${computed[f]} vs ${onChain[f]})`)
        .join(', ')}`,
      errCtx,
    )
  }
  for (const r of state.reserves) {
    const drawn = rayMulUp(r.position.drawnShares, r.drawnIndex)
    const premium = premiumDebtRay(r.position.premiumShares, r.position.premiumOffsetRay, r.drawnIndex)
    if (drawn !== r.drawn || premium !== r.premiumDebtRay || fromRayUp(premium) !== r.premium) {
      throw new ProtocolModelMismatchError(
        `reserve ${r.reserve.reserveId}: debt from shares and index (${drawn} drawn, ${premium} premium ray) differs from getUserDebt (${r.drawn}, ${r.premiumDebtRay})`,
        errCtx,
      )
    }
  }
  if (state.reserves.length === 0) return null

  const hasDebt = onChain.totalDebtValueRay > 0n && onChain.healthFactor !== MAX_UINT256
  const legs: Leg[] = []
  const liquidationPrices: LiquidationPrice[] = []
  const exactLiquidationPrices: { reserveId: number; symbol: string; side: string; price: string | null }[] =
    []
  let collateralUsd = 0
  let debtUsd = 0
  let drawnUsd = 0
  let premiumUsd = 0
  for (const r of state.reserves) {
    const res = r.reserve
    const asset = { symbol: res.symbol, address: res.underlying, decimals: res.decimals }
    const unitPrice = priceToUsd(r.price)
    const counts = r.isCollateral && r.config.collateralFactor > 0n && r.position.suppliedShares > 0n
    if (r.suppliedAssets > 0n) {
      const usd = toFloat(r.suppliedAssets, res.decimals) * unitPrice
      collateralUsd += usd
      legs.push({
        asset,
        side: 'collateral',
        amount: r.suppliedAssets,
        usd,
        priceUsd: unitPrice,
        countsAsCollateral: counts,
        liquidationThresholdBps: Number(r.config.collateralFactor),
        ltvBps: Number((r.latestConfig ?? r.config).collateralFactor),
        liquidationBonusBps: Number(
          hasDebt && onChain.healthFactor < WAD
            ? liquidationBonusDown(
                state.liquidationConfig,
                onChain.healthFactor,
                r.config.maxLiquidationBonus,
              )
            : minLiquidationBonusDown(state.liquidationConfig, r.config.maxLiquidationBonus),
        ),
      })
    }
    const totalDebt = r.drawn + r.premium
    if (totalDebt > 0n) {
      const usd = toFloat(totalDebt, res.decimals) * unitPrice
      debtUsd += usd
      drawnUsd += toFloat(r.drawn, res.decimals) * unitPrice
      premiumUsd += toFloat(r.premium, res.decimals) * unitPrice
      legs.push({ asset, side: 'debt', amount: totalDebt, usd, priceUsd: unitPrice })
    }
    if (hasDebt && (counts || r.isBorrowing)) {
      const lp = findLiquidationPrice(state.reserves, res.reserveId)
      const price = lp.price === null ? null : priceToUsd(lp.price)
      liquidationPrices.push({
        asset: res.underlying,
        symbol: res.symbol,
        side: lp.side,
        price,
        currentPrice: unitPrice,
        distance: price === null || unitPrice === 0 ? null : price / unitPrice - 1,
      })
      exactLiquidationPrices.push({
        reserveId: res.reserveId,
        symbol: res.symbol,
        side: lp.side,
        price: lp.price === null ? null : lp.price.toString(),
      })
    }
  }
  const rule = buildLiquidationRule(state.liquidationConfig, state.reserves, onChain.healthFactor)
  const stale = onChain.riskPremium !== state.storedRiskPremium
  return {
    status: 'ok',
    protocol: ctx.protocol,
    market: ctx.market,
    chain: ctx.chain,
    kind: 'lending',
    healthFactor: hasDebt ? toFloat(onChain.healthFactor, 18) : null,
    healthFactorWad: hasDebt ? onChain.healthFactor : null,
    collateralUsd,
    debtUsd,
    legs,
    liquidationPrices,
    liquidationRule: rule,
    details: {
      version: `Aave V4 Spoke${ctx.revision === null ? '' : ` revision ${ctx.revision}`} (model: aave-v4 v0.5.11 sources)`,
      deployment: ctx.deployment,
      spoke: ctx.spoke,
      spokeName: ctx.spokeName,
      oracle: ctx.oracle,
      hubs: [...new Set(state.reserves.map((r) => r.reserve.hub))],
      healthFactorWad: onChain.healthFactor.toString(),
      liquidatable: hasDebt && onChain.healthFactor < WAD,
      totalCollateralValue: onChain.totalCollateralValue.toString(),
      totalDebtValueRay: onChain.totalDebtValueRay.toString(),
      valueUnit: 'Value: 1e26 = 1 USD; totalDebtValueRay: 1e53 = 1 USD',
      collateralCountedUsd: valueToUsd(onChain.totalCollateralValue),
      avgCollateralFactor: toFloat(onChain.avgCollateralFactor, 18),
      activeCollateralCount: Number(onChain.activeCollateralCount),
      borrowCount: Number(onChain.borrowCount),
      riskPremium: {
        currentBps: Number(onChain.riskPremium),
        storedBps: Number(state.storedRiskPremium),
        stale,
        note: stale
          ? 'the stored risk premium (what premium debt accrues at) differs from the current computed one; the next borrow, collateral withdrawal, collateral disable or updateUserRiskPremium stores the current one'
          : 'the stored risk premium equals the current computed one',
      },
      debt: { drawnUsd, premiumUsd },
      reserves: state.reserves.map((r) => ({
        reserveId: r.reserve.reserveId,
        symbol: r.reserve.symbol,
        underlying: r.reserve.underlying,
        hub: r.reserve.hub,
        assetId: r.reserve.assetId,
        decimals: r.reserve.decimals,
        isCollateral: r.isCollateral,
        isBorrowing: r.isBorrowing,
        suppliedShares: r.position.suppliedShares.toString(),
        supplied: r.suppliedAssets.toString(),
        drawnShares: r.position.drawnShares.toString(),
        drawn: r.drawn.toString(),
        premiumShares: r.position.premiumShares.toString(),
        premiumOffsetRay: r.position.premiumOffsetRay.toString(),
        premium: r.premium.toString(),
        premiumDebtRay: r.premiumDebtRay.toString(),
        drawnIndex: r.drawnIndex.toString(),
        price: r.price.toString(),
        collateralRiskBps: Number(r.reserve.collateralRisk),
        dynamicConfigKey: r.position.dynamicConfigKey,
        latestDynamicConfigKey: r.reserve.latestDynamicConfigKey,
        collateralFactorBps: Number(r.config.collateralFactor),
        maxLiquidationBonusBps: Number(r.config.maxLiquidationBonus),
        liquidationFeeBps: Number(r.config.liquidationFee),
        latestCollateralFactorBps: r.latestConfig ? Number(r.latestConfig.collateralFactor) : null,
        hubAddedAssets: r.hubAddedAssets?.toString() ?? null,
        hubAddedShares: r.hubAddedShares?.toString() ?? null,
      })),
      liquidationPricesExact: exactLiquidationPrices,
      liquidationPriceUnit: '1e-8 USD per whole token (the Spoke oracle unit)',
      receivedAsLiquidator: [...(ctx.receivedAsLiquidator ?? [])],
      blockNumber: ctx.blockNumber.toString(),
    },
  }
}
