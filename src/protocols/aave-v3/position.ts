/**
 * Turns an Aave account (market + user state and the Pool's own account data) into a
 * {@link Position}. Pure.
 */
import type { Address } from '../../core/address.js'
import { ProtocolModelMismatchError } from '../../core/errors.js'
import { MAX_UINT256, toFloat } from '../../core/math.js'
import type { AaveV3CloseFactorRule, Leg, LiquidationPrice, Position } from '../../core/types.js'
import {
  type AaveState,
  aaveMathRules,
  computeAccountData,
  findLiquidationPrice,
  getIsolationAsset,
} from './math.js'
import type { AaveAccountData, AaveBaseCurrency, AaveVersion } from './types.js'

/** Identifies the market a position belongs to. */
export interface AavePositionContext {
  protocol: string
  market: string
  chain: string
}

/** LiquidationLogic.CLOSE_FACTOR_HF_THRESHOLD: 0.95, WAD. */
export const AAVE_CLOSE_FACTOR_HF_THRESHOLD_WAD = 950_000_000_000_000_000n
/** LiquidationLogic.DEFAULT_LIQUIDATION_CLOSE_FACTOR: 50%, basis points. */
export const AAVE_DEFAULT_CLOSE_FACTOR_BPS = 5_000
/** LiquidationLogic.MAX_LIQUIDATION_CLOSE_FACTOR (v3.0-v3.2; implied in v3.3+): 100%, bps. */
export const AAVE_MAX_CLOSE_FACTOR_BPS = 10_000
/**
 * v3.3+ LiquidationLogic.MIN_BASE_MAX_CLOSE_FACTOR_THRESHOLD: 2,000 whole base-currency units,
 * expressed in the market's base units (2_000e8 for a 1e8 base such as USD).
 */
export function aaveMinBaseMaxCloseFactorThreshold(baseUnit: bigint): bigint {
  return 2_000n * baseUnit
}
/** v3.3+ LiquidationLogic.MIN_LEFTOVER_BASE: half the threshold (1_000e8 for a 1e8 base). */
export function aaveMinLeftoverBase(baseUnit: bigint): bigint {
  return aaveMinBaseMaxCloseFactorThreshold(baseUnit) / 2n
}

/** Which LiquidationLogic a market runs: 'v3.0' = v3.0-v3.2, 'v3.3' = v3.3 and later. */
export type AaveLiquidationLogic = AaveV3CloseFactorRule['version']

/**
 * The LiquidationLogic of a market at `version` (POOL_REVISION): v3.3+ for revisions 7 and up,
 * v3.0-v3.2 otherwise, including a Pool that states no revision (a v3.2 periphery speaks the
 * v3.3 struct layout while its Pool still runs the v3.0-v3.2 liquidation rules).
 */
export function aaveLiquidationLogic(version: AaveVersion | undefined): AaveLiquidationLogic {
  switch (version) {
    case 'v3.3':
    case 'v3.4':
    case 'v3.5':
    case 'v3.6':
    case 'v3.7':
      return 'v3.3'
    default:
      return 'v3.0'
  }
}

/**
 * Whether the HF of a market at `version` takes the average LT in whole bps (v3.0-v3.4) or the
 * raw weighted sum (v3.5+: aave-v3-origin v3.5.0 GenericLogic; ../shared/protocols/aave-v3-origin/FACTS.md §2).
 */
export function aaveAveragesThresholdInWholeBps(version: AaveVersion | undefined): boolean {
  return !aaveMathRules(version).roundingV35
}

/**
 * The close-factor rule of a market running `logic`: v3.0-v3.2 (50% above HF 0.95, deficit kept
 * on the account) or v3.3+ (thresholds per reserve, dust leftover rule, deficit burned).
 */
export function aaveV3LiquidationRule(
  logic: AaveLiquidationLogic,
  base: AaveBaseCurrency,
): AaveV3CloseFactorRule {
  const common = {
    kind: 'aave-v3-close-factor' as const,
    closeFactorHfThresholdWad: AAVE_CLOSE_FACTOR_HF_THRESHOLD_WAD,
    defaultCloseFactorBps: AAVE_DEFAULT_CLOSE_FACTOR_BPS,
    maxCloseFactorBps: AAVE_MAX_CLOSE_FACTOR_BPS,
    baseCurrencyUnit: base.unit,
    baseCurrencyPriceUsd: toFloat(base.priceInUsd, 8),
  }
  switch (logic) {
    case 'v3.0':
      return { ...common, version: 'v3.0', deficit: 'kept-on-account' }
    case 'v3.3':
      return {
        ...common,
        version: 'v3.3',
        minBaseMaxCloseFactorThreshold: aaveMinBaseMaxCloseFactorThreshold(base.unit),
        minLeftoverBase: aaveMinLeftoverBase(base.unit),
        deficit: 'burned-when-collateral-exhausted',
      }
    default: {
      const unknown: never = logic
      throw new ProtocolModelMismatchError(`unknown Aave liquidation logic ${String(unknown)}`, {
        logic: String(unknown),
      })
    }
  }
}

/** USD (float) of `amount` base-currency units. */
export function baseToUsd(amount: bigint, base: AaveBaseCurrency): number {
  return (toFloat(amount, 0) / toFloat(base.unit, 0)) * toFloat(base.priceInUsd, 8)
}

/**
 * True when the adapter's recomputation equals the Pool's `getUserAccountData` to the wei in every
 * field (totals in base units, LT/LTV in bps, available borrows, the WAD health factor): each
 * version's rounding is modelled exactly, so no tolerance is needed and none is given.
 */
export function accountDataMatches(computed: AaveAccountData, onChain: AaveAccountData): boolean {
  return (
    computed.totalCollateralBase === onChain.totalCollateralBase &&
    computed.totalDebtBase === onChain.totalDebtBase &&
    computed.availableBorrowsBase === onChain.availableBorrowsBase &&
    computed.currentLiquidationThreshold === onChain.currentLiquidationThreshold &&
    computed.ltv === onChain.ltv &&
    computed.healthFactor === onChain.healthFactor
  )
}

/**
 * Builds the position of one user in one Aave market. Throws
 * {@link ProtocolModelMismatchError} when the recomputed account disagrees with the Pool's own
 * `getUserAccountData`, so no derived number (liquidation prices) is served from a wrong model.
 * Returns null when the user has no balance in the market.
 *
 * The served health factor is the Pool's own value at the pinned block.
 */
export function buildAavePosition(
  state: AaveState,
  onChain: AaveAccountData,
  ctx: AavePositionContext,
  options: {
    eModePrice?: bigint | null
    /**
     * False: `liquidationPrices` is left empty (no per-reserve bisection). For market-wide reads
     * that derive their own thresholds from the legs (the cascade); everything else is the same.
     * Default true.
     */
    liquidationPrices?: boolean
  } = {},
): Position | null {
  const computed = computeAccountData(state, options)
  if (computed.terms.length === 0) return null
  if (!accountDataMatches(computed, onChain)) {
    const show = (a: AaveAccountData) =>
      `collateral ${a.totalCollateralBase}, debt ${a.totalDebtBase}, available ${a.availableBorrowsBase}, LT ${a.currentLiquidationThreshold}, LTV ${a.ltv}, HF ${a.healthFactor}`
    throw new ProtocolModelMismatchError(
      `recomputed account data (${show(computed)}) does not match the Pool's getUserAccountData (${show(onChain)}) under the ${state.market.version ?? `${state.market.layout} legacy`} rules`,
      {
        protocol: ctx.protocol,
        market: ctx.market,
        chain: ctx.chain,
        ...(state.market.version ? { version: state.market.version } : {}),
      },
    )
  }
  const base = state.market.baseCurrency
  const priceUsd = (price: bigint) => baseToUsd(price, base)
  const legs: Leg[] = []
  const liquidationPrices: LiquidationPrice[] = []
  let collateralUsd = 0
  let debtUsd = 0
  for (const term of computed.terms) {
    const r = term.reserve
    const asset = { symbol: r.symbol, address: r.underlyingAsset, decimals: r.decimals }
    const unitPrice = priceUsd(term.price)
    if (term.balances.supplied > 0n) {
      const usd = toFloat(term.balances.supplied, r.decimals) * unitPrice
      collateralUsd += usd
      legs.push({
        asset,
        side: 'collateral',
        amount: term.balances.supplied,
        usd,
        priceUsd: unitPrice,
        countsAsCollateral: term.countsAsCollateral,
        liquidationThresholdBps: Number(term.liquidationThresholdBps),
        ltvBps: Number(term.ltvBps),
        liquidationBonusBps: Number(
          term.inEMode && computed.eMode ? computed.eMode.liquidationBonusBps : r.liquidationBonusBps,
        ),
      })
    }
    if (term.balances.debt > 0n) {
      const usd = toFloat(term.balances.debt, r.decimals) * unitPrice
      debtUsd += usd
      legs.push({ asset, side: 'debt', amount: term.balances.debt, usd, priceUsd: unitPrice })
    }
    if (
      options.liquidationPrices !== false &&
      computed.totalDebtBase > 0n &&
      (term.countsAsCollateral || term.balances.debt > 0n)
    ) {
      const lp = findLiquidationPrice(state, r.underlyingAsset as Address, { ...options, account: computed })
      const price = lp.price === null ? null : priceUsd(lp.price)
      liquidationPrices.push({
        asset: r.underlyingAsset,
        symbol: r.symbol,
        side: lp.side,
        price,
        currentPrice: unitPrice,
        distance: price === null || unitPrice === 0 ? null : price / unitPrice - 1,
      })
    }
  }
  const hasDebt = onChain.totalDebtBase > 0n && onChain.healthFactor !== MAX_UINT256
  const isolation = getIsolationAsset(state)
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
    liquidationRule: {
      ...aaveV3LiquidationRule(aaveLiquidationLogic(state.market.version), base),
      averageThresholdInWholeBps: aaveAveragesThresholdInWholeBps(state.market.version),
    },
    details: {
      layout: state.market.layout,
      /** The Aave version read from the Pool (POOL_REVISION + layouts); null if it states none. */
      version: state.market.version ?? null,
      userEModeCategoryId: state.user.eModeCategoryId,
      eMode: computed.eMode
        ? {
            id: computed.eMode.id,
            label: computed.eMode.label,
            ltvBps: Number(computed.eMode.ltvBps),
            liquidationThresholdBps: Number(computed.eMode.liquidationThresholdBps),
            liquidationBonusBps: Number(computed.eMode.liquidationBonusBps),
          }
        : null,
      isolationMode: isolation
        ? {
            asset: isolation.underlyingAsset,
            symbol: isolation.symbol,
            debtCeilingUsd: toFloat(isolation.debtCeiling, isolation.debtCeilingDecimals),
            isolationModeTotalDebtUsd: toFloat(
              isolation.isolationModeTotalDebt,
              isolation.debtCeilingDecimals,
            ),
          }
        : null,
      totalCollateralBase: onChain.totalCollateralBase.toString(),
      totalDebtBase: onChain.totalDebtBase.toString(),
      baseCurrencyUnit: base.unit.toString(),
      collateralCountedUsd: baseToUsd(onChain.totalCollateralBase, base),
      availableBorrowsUsd: baseToUsd(onChain.availableBorrowsBase, base),
      currentLiquidationThresholdBps: Number(onChain.currentLiquidationThreshold),
      ltvBps: Number(onChain.ltv),
    },
  }
}
