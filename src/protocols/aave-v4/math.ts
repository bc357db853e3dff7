/**
 * Aave V4 (Hub & Spoke) math, bit for bit as the contracts compute it (aave/aave-v4 1e8de86,
 * v0.5.11; formulas and rounding as summarised in ../shared/protocols/aave-v4/FACTS.md sections
 * 2 and 5 to 11): Hub share conversions with virtual amounts, the linear drawn index, premium debt,
 * the Spoke's account data (health factor, average collateral factor, risk premium), the
 * liquidation bonus curve, and a liquidation's outcome (target health factor, dust rule, fee,
 * deficit). Pure: no I/O. Every amount is a bigint in the protocol's units; rounding is in the name.
 */
import { findHealthBoundary } from '../../core/boundary.js'
import { divUp, MAX_UINT256, mulDivDown, mulDivUp, RAY, rayMulUp, WAD } from '../../core/math.js'
import type {
  AaveV4AccountData,
  AaveV4DynamicConfig,
  AaveV4LiquidationConfig,
  AaveV4UserReserve,
} from './types.js'

/** 100 % in basis points. */
export const BPS = 10_000n
/** Virtual assets and shares of the Hub's ERC-4626-style conversions (SharesMath). */
export const VIRTUAL_ASSETS = 1_000_000n
export const VIRTUAL_SHARES = 1_000_000n
/** 365 days in seconds (MathUtils.SECONDS_PER_YEAR). */
export const SECONDS_PER_YEAR = 365n * 24n * 3600n
/** Liquidatable strictly below this health factor, WAD. */
export const HEALTH_FACTOR_LIQUIDATION_THRESHOLD = WAD
/** A reserve keeping less than this after a liquidation is taken whole: 1000 USD in Value units. */
export const DUST_LIQUIDATION_THRESHOLD = 1000n * 10n ** 26n
/** One USD in Value units (toValue scale). */
export const VALUE_PER_USD = 10n ** 26n

/** amount * 10^(18 - decimals) * price: Value, 1e26 = 1 USD with an 8-decimal price. Exact. */
export function toValue(amount: bigint, decimals: number, price: bigint): bigint {
  if (decimals > 18) throw new RangeError(`toValue: ${decimals} decimals (the Hub allows at most 18)`)
  return amount * 10n ** BigInt(18 - decimals) * price
}

/** ceil(a / RAY): a RAY-scaled amount to asset units, rounded up (WadRayMath.fromRayUp). */
export function fromRayUp(a: bigint): bigint {
  return divUp(a, RAY)
}

/** a rounded up to a whole multiple of RAY (WadRayMath.roundRayUp). */
export function roundRayUp(a: bigint): bigint {
  return fromRayUp(a) * RAY
}

/** x * bps / 1e4 rounded down (PercentageMath.percentMulDown). */
export function percentMulDown(x: bigint, bps: bigint): bigint {
  return (x * bps) / BPS
}

/** x * bps / 1e4 rounded up (PercentageMath.percentMulUp). */
export function percentMulUp(x: bigint, bps: bigint): bigint {
  return divUp(x * bps, BPS)
}

/** BPS to WAD: a * 1e14 (exact). */
export function bpsToWad(a: bigint): bigint {
  return a * 10n ** 14n
}

// ---------------------------------------------------------------------------------------------
// Hub: shares and indexes

/** assets -> shares, floor: assets * (shares + 1e6) / (assets total + 1e6). */
export function toSharesDown(assets: bigint, totalAssets: bigint, totalShares: bigint): bigint {
  return mulDivDown(assets, totalShares + VIRTUAL_SHARES, totalAssets + VIRTUAL_ASSETS)
}

/** assets -> shares, ceil. */
export function toSharesUp(assets: bigint, totalAssets: bigint, totalShares: bigint): bigint {
  return mulDivUp(assets, totalShares + VIRTUAL_SHARES, totalAssets + VIRTUAL_ASSETS)
}

/** shares -> assets, floor (previewRemoveByShares, the value of a supply). */
export function toAssetsDown(shares: bigint, totalAssets: bigint, totalShares: bigint): bigint {
  return mulDivDown(shares, totalAssets + VIRTUAL_ASSETS, totalShares + VIRTUAL_SHARES)
}

/** shares -> assets, ceil (previewAddByShares). */
export function toAssetsUp(shares: bigint, totalAssets: bigint, totalShares: bigint): bigint {
  return mulDivUp(shares, totalAssets + VIRTUAL_ASSETS, totalShares + VIRTUAL_SHARES)
}

/** The stored Hub asset fields the views accrue from (IHub.Asset subset). */
export interface AaveV4HubAsset {
  liquidity: bigint
  realizedFees: bigint
  addedShares: bigint
  swept: bigint
  /** Signed, asset units x RAY. */
  premiumOffsetRay: bigint
  drawnShares: bigint
  premiumShares: bigint
  /** BPS of interest kept as fees. */
  liquidityFee: bigint
  /** Stored drawn index, RAY. */
  drawnIndex: bigint
  /** Stored drawn rate, RAY per year (linear). */
  drawnRate: bigint
  /** Unix seconds of the last accrual. */
  lastUpdateTimestamp: bigint
  /** Asset units x RAY. */
  deficitRay: bigint
}

/** RAY + rate * dt / year, the quotient floored (MathUtils.calculateLinearInterest). */
export function linearInterestFactorDown(rate: bigint, lastUpdate: bigint, now: bigint): bigint {
  if (now < lastUpdate) throw new RangeError('linearInterestFactorDown: now is before the last update')
  return RAY + (rate * (now - lastUpdate)) / SECONDS_PER_YEAR
}

/**
 * The drawn index at `now` as the Hub's views compute it: the stored index rayMulUp the linear
 * factor, unchanged when nothing accrues (same second, or no drawn and no premium shares). RAY.
 */
export function drawnIndexAtUp(asset: AaveV4HubAsset, now: bigint): bigint {
  if (asset.lastUpdateTimestamp === now || (asset.drawnShares === 0n && asset.premiumShares === 0n)) {
    return asset.drawnIndex
  }
  return rayMulUp(asset.drawnIndex, linearInterestFactorDown(asset.drawnRate, asset.lastUpdateTimestamp, now))
}

/** premiumShares * index - premiumOffsetRay (Premium.calculatePremiumRay): asset units x RAY, >= 0. */
export function premiumDebtRay(premiumShares: bigint, premiumOffsetRay: bigint, drawnIndex: bigint): bigint {
  const p = premiumShares * drawnIndex - premiumOffsetRay
  if (p < 0n) throw new RangeError('premiumDebtRay: negative premium (offset above shares x index)')
  return p
}

function aggregatedOwedRay(asset: AaveV4HubAsset, drawnIndex: bigint): bigint {
  return (
    asset.drawnShares * drawnIndex +
    premiumDebtRay(asset.premiumShares, asset.premiumOffsetRay, drawnIndex) +
    asset.deficitRay
  )
}

/** Fees accrued since the stored index and not yet realized, asset units, floor (AssetLogic). */
export function unrealizedFeesDown(asset: AaveV4HubAsset, drawnIndex: bigint): bigint {
  if (asset.drawnIndex === drawnIndex || asset.liquidityFee === 0n) return 0n
  const after = fromRayUp(aggregatedOwedRay(asset, drawnIndex))
  const before = fromRayUp(aggregatedOwedRay(asset, asset.drawnIndex))
  return percentMulDown(after - before, asset.liquidityFee)
}

/**
 * Total added (supplied) assets of a Hub asset at `now`, as the views compute it:
 * liquidity + swept + ceil(owedRay / RAY) - realizedFees - unrealizedFees. Asset units.
 */
export function totalAddedAssetsAt(asset: AaveV4HubAsset, now: bigint): bigint {
  const index = drawnIndexAtUp(asset, now)
  return (
    asset.liquidity +
    asset.swept +
    fromRayUp(aggregatedOwedRay(asset, index)) -
    asset.realizedFees -
    unrealizedFeesDown(asset, index)
  )
}

// ---------------------------------------------------------------------------------------------
// Spoke: account data

/** How one user reserve counts in the account data. */
export interface AaveV4AccountTerm {
  reserveId: number
  /** The price used (oracle or override), 8 decimals. */
  price: bigint
  /** Counts toward the health factor: collateral flag, CF > 0 under the user's key, shares > 0. */
  countsAsCollateral: boolean
  /** Collateral value (0 when it does not count), Value. */
  collateralValue: bigint
  /** drawnShares * index + premiumDebtRay (0 when not borrowing), asset units x RAY. */
  debtRay: bigint
  /** toValue(debtRay), Value x RAY. */
  debtValueRay: bigint
}

/** Account data plus the per-reserve terms it was built from. */
export interface AaveV4AccountBreakdown extends AaveV4AccountData {
  terms: AaveV4AccountTerm[]
}

/** Price overrides by reserveId, 8 decimals (liquidation-price searches, stress). */
export type AaveV4PriceOverrides = ReadonlyMap<number, bigint>

/** drawnShares * index + premiumDebtRay of a user reserve: its debt, asset units x RAY, exact. */
export function userDebtRay(r: AaveV4UserReserve): bigint {
  return r.position.drawnShares * r.drawnIndex + r.premiumDebtRay
}

/**
 * `Spoke.getUserAccountData` recomputed from per-reserve reads (Spoke._processUserAccountData
 * without refresh): collateral only where the flag is set, CF > 0 under the user's own key and
 * shares > 0; debt wherever the borrowing flag is set, unrounded; HF = floor(sum(CF * value) *
 * 1e14 * RAY / totalDebtValueRay) or 2^256-1 without debt; avgCF = floor(sum(CF * value) * 1e14 /
 * totalCollateralValue); risk premium = ceil(sum(take_i * risk_i) / sum(take_i)) over the
 * collaterals sorted by risk ascending then value descending, each taking min(value, debt left)
 * of ceil(totalDebtValueRay / RAY).
 */
export function computeAccountData(
  reserves: readonly AaveV4UserReserve[],
  overrides?: AaveV4PriceOverrides,
): AaveV4AccountBreakdown {
  let totalCollateralValue = 0n
  let weighted = 0n
  let totalDebtValueRay = 0n
  let activeCollateralCount = 0n
  let borrowCount = 0n
  const terms: AaveV4AccountTerm[] = []
  const collaterals: { risk: bigint; value: bigint }[] = []
  for (const r of reserves) {
    const price = overrides?.get(r.reserve.reserveId) ?? r.price
    const countsAsCollateral =
      r.isCollateral && r.config.collateralFactor > 0n && r.position.suppliedShares > 0n
    let collateralValue = 0n
    if (countsAsCollateral) {
      collateralValue = toValue(r.suppliedAssets, r.reserve.decimals, price)
      totalCollateralValue += collateralValue
      weighted += r.config.collateralFactor * collateralValue
      activeCollateralCount += 1n
      collaterals.push({ risk: r.reserve.collateralRisk, value: collateralValue })
    }
    let debtRay = 0n
    let debtValueRay = 0n
    if (r.isBorrowing) {
      debtRay = userDebtRay(r)
      debtValueRay = toValue(debtRay, r.reserve.decimals, price)
      totalDebtValueRay += debtValueRay
      borrowCount += 1n
    }
    terms.push({
      reserveId: r.reserve.reserveId,
      price,
      countsAsCollateral,
      collateralValue,
      debtRay,
      debtValueRay,
    })
  }
  const healthFactor =
    totalDebtValueRay > 0n ? mulDivDown(bpsToWad(weighted), RAY, totalDebtValueRay) : MAX_UINT256
  const avgCollateralFactor = totalCollateralValue > 0n ? bpsToWad(weighted) / totalCollateralValue : 0n
  return {
    riskPremium: riskPremiumUp(collaterals, totalDebtValueRay),
    avgCollateralFactor,
    healthFactor,
    totalCollateralValue,
    totalDebtValueRay,
    activeCollateralCount,
    borrowCount,
    terms,
  }
}

/**
 * The current risk premium, BPS: debt (ceil of totalDebtValueRay / RAY) is covered by collaterals
 * in order of risk ascending, value descending; the premium is the covered-value-weighted average
 * risk, rounded up; 0 with no debt or no collateral.
 */
export function riskPremiumUp(
  collaterals: readonly { risk: bigint; value: bigint }[],
  totalDebtValueRay: bigint,
): bigint {
  const sorted = [...collaterals].sort((a, b) =>
    a.risk !== b.risk ? (a.risk < b.risk ? -1 : 1) : a.value > b.value ? -1 : a.value < b.value ? 1 : 0,
  )
  const totalDebtValue = fromRayUp(totalDebtValueRay)
  let left = totalDebtValue
  let sum = 0n
  for (const c of sorted) {
    if (left === 0n) break
    const take = c.value < left ? c.value : left
    sum += take * c.risk
    left -= take
  }
  return left < totalDebtValue ? divUp(sum, totalDebtValue - left) : 0n
}

// ---------------------------------------------------------------------------------------------
// Liquidation price

/** Result of {@link findLiquidationPrice}. */
export interface AaveV4LiquidationPrice {
  side: 'collateral' | 'debt' | 'both'
  /**
   * Oracle price (8 decimals) at the boundary with every other price fixed: for an asset whose
   * value raises HF, the smallest price with HF >= 1; otherwise the largest. Null when no price
   * can bring the position across (or without debt).
   */
  price: bigint | null
}

/**
 * The integer oracle price of reserve `reserveId` at which the Spoke's own health factor crosses
 * 1e18 (liquidatable below), by bisection over the Spoke's own integer formula (the one of
 * {@link computeAccountData}), so every floor of it is honoured exactly.
 */
export function findLiquidationPrice(
  reserves: readonly AaveV4UserReserve[],
  reserveId: number,
): AaveV4LiquidationPrice {
  const r = reserves.find((x) => x.reserve.reserveId === reserveId)
  if (!r) throw new RangeError(`reserve ${reserveId} is not in the account`)
  const base = computeAccountData(reserves)
  const counts = r.isCollateral && r.config.collateralFactor > 0n && r.position.suppliedShares > 0n
  const collateralWeight = counts ? r.suppliedAssets * r.config.collateralFactor * RAY : 0n
  const debtWeight = r.isBorrowing ? userDebtRay(r) * BPS : 0n
  const side =
    collateralWeight > 0n && debtWeight > 0n ? 'both' : collateralWeight > 0n ? 'collateral' : 'debt'
  if (base.totalDebtValueRay === 0n || collateralWeight === debtWeight) return { side, price: null }
  // Only this reserve's values move with its price (the HF reads sum(CF x value) and the total
  // debt value alone): the others are summed once from the base breakdown, and each probe revalues
  // just this reserve, the integers computeAccountData gives with the price overridden.
  let fixedWeighted = 0n
  let fixedDebtValueRay = 0n
  const varying: { r: AaveV4UserReserve; counts: boolean; debtRay: bigint }[] = []
  reserves.forEach((x, i) => {
    const t = base.terms[i]!
    if (x.reserve.reserveId === reserveId)
      varying.push({ r: x, counts: t.countsAsCollateral, debtRay: t.debtRay })
    else {
      fixedWeighted += x.config.collateralFactor * t.collateralValue
      fixedDebtValueRay += t.debtValueRay
    }
  })
  const healthyAt = (price: bigint) => {
    let weighted = fixedWeighted
    let totalDebtValueRay = fixedDebtValueRay
    for (const { r: x, counts, debtRay } of varying) {
      if (counts) weighted += x.config.collateralFactor * toValue(x.suppliedAssets, x.reserve.decimals, price)
      if (x.isBorrowing) totalDebtValueRay += toValue(debtRay, x.reserve.decimals, price)
    }
    const healthFactor =
      totalDebtValueRay > 0n ? mulDivDown(bpsToWad(weighted), RAY, totalDebtValueRay) : MAX_UINT256
    return healthFactor >= HEALTH_FACTOR_LIQUIDATION_THRESHOLD
  }
  return {
    side,
    price: findHealthBoundary({ healthyAt, rising: collateralWeight > debtWeight, current: r.price }),
  }
}

// ---------------------------------------------------------------------------------------------
// Liquidation

/**
 * The liquidation bonus at `healthFactor`, BPS (LiquidationLogic.calculateLiquidationBonus): the
 * maximum at or below `healthFactorForMaxBonus`, else min + (max - min) * (1 - HF) / (1 - hfMax)
 * floored, with min = percentMulDown(max - 1e4, bonusFactor) + 1e4. Defined for HF <= 1e18 (the
 * Spoke's view underflows above).
 */
export function liquidationBonusDown(
  config: AaveV4LiquidationConfig,
  healthFactor: bigint,
  maxLiquidationBonus: bigint,
): bigint {
  if (healthFactor > WAD)
    throw new RangeError('liquidationBonusDown: health factor above 1 (no bonus defined)')
  if (healthFactor <= config.healthFactorForMaxBonus) return maxLiquidationBonus
  const min = minLiquidationBonusDown(config, maxLiquidationBonus)
  return min + mulDivDown(maxLiquidationBonus - min, WAD - healthFactor, WAD - config.healthFactorForMaxBonus)
}

/** The bonus just below HF 1: percentMulDown(max - 1e4, bonusFactor) + 1e4, BPS. */
export function minLiquidationBonusDown(
  config: AaveV4LiquidationConfig,
  maxLiquidationBonus: bigint,
): bigint {
  return percentMulDown(maxLiquidationBonus - BPS, config.liquidationBonusFactor) + BPS
}

/**
 * Debt (asset units x RAY) whose repayment brings HF to the target, rounded up
 * (LiquidationLogic._calculateDebtToTargetHealthFactor):
 * ceil(totalDebtValueRay * 10^dec * (THF - HF) / ((THF - percentMulUp(bpsToWad(LB), CF)) * price * 1e18)).
 */
export function debtRayToTargetUp(p: {
  totalDebtValueRay: bigint
  healthFactor: bigint
  targetHealthFactor: bigint
  liquidationBonus: bigint
  collateralFactor: bigint
  debtDecimals: number
  debtPrice: bigint
}): bigint {
  const penalty = percentMulUp(bpsToWad(p.liquidationBonus), p.collateralFactor)
  return mulDivUp(
    p.totalDebtValueRay,
    10n ** BigInt(p.debtDecimals) * (p.targetHealthFactor - p.healthFactor),
    (p.targetHealthFactor - penalty) * p.debtPrice * WAD,
  )
}

/** Inputs of {@link computeLiquidationOutcome}: the state the Spoke sees when the call runs. */
export interface AaveV4LiquidationInput {
  config: AaveV4LiquidationConfig
  /** The user's account data at the liquidation's timestamp (HF WAD, debt Value x RAY). */
  healthFactor: bigint
  totalDebtValueRay: bigint
  activeCollateralCount: bigint
  borrowCount: bigint
  /** The user's STORED risk premium, BPS (premium shares are re-derived from it). */
  storedRiskPremium: bigint
  collateral: {
    decimals: number
    /** Oracle price, 8 decimals. */
    price: bigint
    suppliedShares: bigint
    isCollateral: boolean
    /** Under the user's key on the collateral reserve. */
    dynamicConfig: AaveV4DynamicConfig
    paused: boolean
    frozen: boolean
    receiveSharesEnabled: boolean
    /** Hub totals of the collateral asset at that timestamp (view-accrued): assets, shares. */
    totalAddedAssets: bigint
    addedShares: bigint
  }
  debt: {
    decimals: number
    price: bigint
    drawnShares: bigint
    premiumShares: bigint
    premiumOffsetRay: bigint
    /** Drawn index at that timestamp, RAY. */
    drawnIndex: bigint
    paused: boolean
  }
  /** Underlying units; 2^256-1 = "whatever the protocol sizes". */
  debtToCover: bigint
  receiveShares: boolean
  /** The liquidator is the user (always refused). */
  selfLiquidation?: boolean
}

/** Why a liquidation call would revert (the Spoke's error names). */
export type AaveV4LiquidationRevert =
  | 'SelfLiquidation'
  | 'InvalidDebtToCover'
  | 'ReservePaused'
  | 'ReserveNotSupplied'
  | 'ReserveNotBorrowed'
  | 'HealthFactorNotBelowThreshold'
  | 'ReserveNotEnabledAsCollateral'
  | 'CannotReceiveShares'
  | 'MustNotLeaveDust'

/** IHubBase.PremiumDelta. sharesDelta and offsetRayDelta signed. */
export interface AaveV4PremiumDelta {
  sharesDelta: bigint
  offsetRayDelta: bigint
  restoredPremiumRay: bigint
}

/** What a liquidation does, in the units of the `LiquidationCall` event. */
export interface AaveV4LiquidationOutcome {
  ok: true
  /** BPS. */
  liquidationBonus: bigint
  /** Debt to reach the target HF before the dust rule, asset units x RAY. */
  debtRayToTarget: bigint
  drawnSharesLiquidated: bigint
  /** Premium debt repaid, asset units x RAY (= premiumDelta.restoredPremiumRay). */
  premiumDebtRayLiquidated: bigint
  /** Underlying the liquidator pays: drawnShares.rayMulUp(index) + ceil(premiumRay), debt units. */
  debtAmountRestored: bigint
  collateralSharesLiquidated: bigint
  collateralSharesToLiquidator: bigint
  /** Shares paid to the fee receiver: a share of the bonus. */
  feeShares: bigint
  /** previewRemoveByShares(collateralSharesLiquidated), collateral units. */
  collateralAmountRemoved: bigint
  /** Underlying the liquidator receives (receiveShares false); null with receiveShares. */
  collateralAmountToLiquidator: bigint | null
  premiumDelta: AaveV4PremiumDelta
  /** The debt reserve would have kept less than 1000 USD: all of it was taken. */
  debtDustRule: boolean
  /** The collateral was insufficient or would have kept dust: all of it was seized. */
  collateralTakenWhole: boolean
  /** Remaining debt is written off as a Hub deficit (last collateral emptied). */
  deficit: boolean
}

/** A refused liquidation. */
export interface AaveV4LiquidationRefused {
  ok: false
  reason: AaveV4LiquidationRevert
}

/**
 * A V4 liquidation's outcome exactly as LiquidationLogic computes it (1e8de86): the bonus from the
 * curve at the user's HF; premium debt first, then drawn shares, sized to the target HF and
 * capped by debtToCover and the position; the debt dust rule (take the whole reserve when less
 * than 1000 USD would remain); collateral = floor(debtRay * debtPrice * 10^collDec * LB /
 * (10^debtDec * collPrice * 1e4 * RAY)) as shares (previewAddByAssets, floor); when that exceeds
 * the supply, or would leave collateral dust while debt remains, all collateral is seized and the
 * debt recomputed from it (ceil); MustNotLeaveDust; the fee = ceil(shares * fee * (LB - 1e4) /
 * (LB * 1e4)) of the seized shares; the premium delta re-derived at the stored risk premium; and
 * whether a deficit is reported.
 */
export function computeLiquidationOutcome(
  input: AaveV4LiquidationInput,
): AaveV4LiquidationOutcome | AaveV4LiquidationRefused {
  const { config, collateral: c, debt: d } = input
  const refuse = (reason: AaveV4LiquidationRevert): AaveV4LiquidationRefused => ({ ok: false, reason })
  if (input.selfLiquidation) return refuse('SelfLiquidation')
  if (input.debtToCover === 0n) return refuse('InvalidDebtToCover')
  if (c.paused || d.paused) return refuse('ReservePaused')
  if (c.suppliedShares === 0n) return refuse('ReserveNotSupplied')
  if (d.drawnShares === 0n) return refuse('ReserveNotBorrowed')
  if (input.healthFactor >= HEALTH_FACTOR_LIQUIDATION_THRESHOLD)
    return refuse('HealthFactorNotBelowThreshold')
  if (c.dynamicConfig.collateralFactor === 0n || !c.isCollateral)
    return refuse('ReserveNotEnabledAsCollateral')
  if (input.receiveShares && (c.frozen || !c.receiveSharesEnabled)) return refuse('CannotReceiveShares')

  const collUnit = 10n ** BigInt(c.decimals)
  const debtUnit = 10n ** BigInt(d.decimals)
  const premiumRay = premiumDebtRay(d.premiumShares, d.premiumOffsetRay, d.drawnIndex)
  const bonus = liquidationBonusDown(config, input.healthFactor, c.dynamicConfig.maxLiquidationBonus)

  // Debt side: premium first, then drawn shares, to the target HF.
  const debtRayToTarget = debtRayToTargetUp({
    totalDebtValueRay: input.totalDebtValueRay,
    healthFactor: input.healthFactor,
    targetHealthFactor: config.targetHealthFactor,
    liquidationBonus: bonus,
    collateralFactor: c.dynamicConfig.collateralFactor,
    debtDecimals: d.decimals,
    debtPrice: d.price,
  })
  let premiumToLiquidate = minBig(roundRayUp(debtRayToTarget), premiumRay)
  if (input.debtToCover < fromRayUp(premiumToLiquidate)) premiumToLiquidate = input.debtToCover * RAY
  let drawnSharesToLiquidate = 0n
  if (premiumToLiquidate === premiumRay && premiumToLiquidate < debtRayToTarget) {
    const toTarget = divUp(debtRayToTarget - premiumToLiquidate, d.drawnIndex)
    const toCover = mulDivDown(input.debtToCover - fromRayUp(premiumToLiquidate), RAY, d.drawnIndex)
    drawnSharesToLiquidate = minBig(minBig(toTarget, toCover), d.drawnShares)
  }
  const debtRayRemaining =
    (d.drawnShares - drawnSharesToLiquidate) * d.drawnIndex + premiumRay - premiumToLiquidate
  const debtDustRule =
    drawnSharesToLiquidate < d.drawnShares &&
    toValue(debtRayRemaining, d.decimals, d.price) < DUST_LIQUIDATION_THRESHOLD * RAY
  if (debtDustRule) {
    drawnSharesToLiquidate = d.drawnShares
    premiumToLiquidate = premiumRay
  }

  // Collateral side.
  const sharesFor = (drawnShares: bigint, premium: bigint) =>
    toSharesDown(
      mulDivDown(
        drawnShares * d.drawnIndex + premium,
        d.price * collUnit * bonus,
        debtUnit * c.price * BPS * RAY,
      ),
      c.totalAddedAssets,
      c.addedShares,
    )
  let collateralShares = sharesFor(drawnSharesToLiquidate, premiumToLiquidate)
  let leavesCollateralDust = false
  if (collateralShares < c.suppliedShares) {
    const remaining = toAssetsDown(c.suppliedShares - collateralShares, c.totalAddedAssets, c.addedShares)
    leavesCollateralDust = toValue(remaining, c.decimals, c.price) < DUST_LIQUIDATION_THRESHOLD
  }
  const collateralTakenWhole =
    collateralShares > c.suppliedShares || (leavesCollateralDust && drawnSharesToLiquidate < d.drawnShares)
  if (collateralTakenWhole) {
    collateralShares = c.suppliedShares
    const debtRay = mulDivUp(
      toAssetsUp(collateralShares, c.totalAddedAssets, c.addedShares),
      c.price * debtUnit * BPS * RAY,
      d.price * collUnit * bonus,
    )
    if (debtRay <= premiumRay) {
      premiumToLiquidate = minBig(roundRayUp(debtRay), premiumRay)
      drawnSharesToLiquidate = 0n
    } else {
      premiumToLiquidate = premiumRay
      drawnSharesToLiquidate = divUp(debtRay - premiumToLiquidate, d.drawnIndex)
      if (drawnSharesToLiquidate > d.drawnShares) {
        drawnSharesToLiquidate = d.drawnShares
        collateralShares = minBig(sharesFor(drawnSharesToLiquidate, premiumToLiquidate), c.suppliedShares)
      }
    }
  }

  const debtAmountRestored = rayMulUp(drawnSharesToLiquidate, d.drawnIndex) + fromRayUp(premiumToLiquidate)
  if (input.debtToCover < debtAmountRestored) return refuse('MustNotLeaveDust')

  const feeShares = mulDivUp(collateralShares, c.dynamicConfig.liquidationFee * (bonus - BPS), bonus * BPS)
  const toLiquidator = collateralShares - feeShares
  const collateralAmountRemoved = toAssetsDown(collateralShares, c.totalAddedAssets, c.addedShares)
  const collateralAmountToLiquidator = input.receiveShares
    ? null
    : toLiquidator === 0n
      ? 0n
      : toLiquidator < collateralShares
        ? toAssetsDown(toLiquidator, c.totalAddedAssets, c.addedShares)
        : collateralAmountRemoved

  // Premium shares are re-derived from the drawn shares left, at the stored risk premium.
  const newPremiumShares = percentMulUp(d.drawnShares - drawnSharesToLiquidate, input.storedRiskPremium)
  const newOffset = newPremiumShares * d.drawnIndex - (premiumRay - premiumToLiquidate)
  const premiumDelta: AaveV4PremiumDelta = {
    sharesDelta: newPremiumShares - d.premiumShares,
    offsetRayDelta: newOffset - d.premiumOffsetRay,
    restoredPremiumRay: premiumToLiquidate,
  }

  const collateralEmptied = collateralShares === c.suppliedShares
  const debtEmptied = drawnSharesToLiquidate === d.drawnShares
  const deficit =
    collateralEmptied && input.activeCollateralCount <= 1n && (!debtEmptied || input.borrowCount > 1n)
  return {
    ok: true,
    liquidationBonus: bonus,
    debtRayToTarget,
    drawnSharesLiquidated: drawnSharesToLiquidate,
    premiumDebtRayLiquidated: premiumToLiquidate,
    debtAmountRestored,
    collateralSharesLiquidated: collateralShares,
    collateralSharesToLiquidator: toLiquidator,
    feeShares,
    collateralAmountRemoved,
    collateralAmountToLiquidator,
    premiumDelta,
    debtDustRule,
    collateralTakenWhole,
    deficit,
  }
}

function minBig(a: bigint, b: bigint): bigint {
  return a < b ? a : b
}
