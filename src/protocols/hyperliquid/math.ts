/**
 * Hyperliquid margin math. Pure: no I/O.
 *
 * Source: Hyperliquid docs, "Trading" → "Liquidations"
 * (https://hyperliquid.gitbook.io/hyperliquid-docs/trading/liquidations) and "Margining"
 * (https://hyperliquid.gitbook.io/hyperliquid-docs/trading/margining):
 * - the maintenance margin is half the initial margin at the asset's max leverage, so the
 *   maintenance margin rate is MMR = 1 / (2 * maxLeverage) (1.25% at 40x, 16.7% at 3x);
 * - liquidation starts when equity < maintenance margin; the liquidation price is
 *   `liq_price = price - side * margin_available / position_size / (1 - l * side)` with
 *   side = 1 long / -1 short, l = 1 / MAINTENANCE_LEVERAGE = MMR, position_size = |size|,
 *   margin_available = account_value - maintenance_margin_required (cross) or
 *   isolated_margin - maintenance_margin_required (isolated).
 *
 * Derivation (long, size s > 0, mark p, other prices fixed): at price P the equity is
 * E + s(P - p) and the requirement is M - s p l + s P l; they are equal when
 * (E - M) + s (P - p)(1 - l) = 0, i.e. P = p - (E - M) / s / (1 - l). The short case flips side.
 *
 * Margin tiers (Hyperliquid docs, "Trading" → "Margin tiers",
 * https://hyperliquid.gitbook.io/hyperliquid-docs/trading/margin-tiers): a margin table gives
 * tiers `{ lowerBound (position notional, USD), maxLeverage }`, and
 *   maintenance_margin = notional_position_value * maintenance_margin_rate - maintenance_deduction
 *   maintenance_margin_rate(tier n) = (initial margin rate at max leverage of tier n) / 2
 *                                   = 1 / (2 * maxLeverage_n)
 *   maintenance_deduction(0) = 0
 *   maintenance_deduction(n) = maintenance_deduction(n - 1)
 *       + notional_position_lower_bound(n) * (maintenance_margin_rate(n) - maintenance_margin_rate(n - 1))
 * so the maintenance margin is a continuous function of the notional; "for IDs less than 50,
 * there is a single tier with max leverage equal to the ID". {@link tieredMaintenanceMargin}
 * computes it exactly in bigint (USD at {@link TIER_USD_DECIMALS} decimals) and
 * {@link tieredLiquidationPrice} solves the liquidation price across tiers. The venue's
 * liquidation price is still the one served; a disagreement with this model is flagged by
 * {@link compareLiquidationPrice}.
 */

/** Relative tolerance between a computed and the venue's liquidation price (0.1%). */
export const LIQUIDATION_PRICE_TOLERANCE = 1e-3

/**
 * Maintenance margin rate of an asset: 1 / (2 * maxLeverage). Float ratio (0.01 = 1%).
 * Throws on a max leverage that is not a positive finite number.
 */
export function maintenanceMarginRate(maxLeverage: number): number {
  if (!Number.isFinite(maxLeverage) || maxLeverage <= 0)
    throw new RangeError(`maintenanceMarginRate: maxLeverage ${maxLeverage} is not a positive number`)
  return 1 / (2 * maxLeverage)
}

/** Maintenance margin required by a position: |notional| * MMR. USD, float. */
export function maintenanceMargin(positionValueUsd: number, maxLeverage: number): number {
  return Math.abs(positionValueUsd) * maintenanceMarginRate(maxLeverage)
}

/** Params of {@link liquidationPrice}. */
export interface LiquidationPriceParams {
  /** Current mark price, USD per coin, float. */
  markPrice: number
  /** Signed position size in coins: positive long, negative short. Float. */
  size: number
  /**
   * Equity above the maintenance requirement, USD, float: account value - maintenance margin
   * (cross) or isolated margin - the position's maintenance margin (isolated). Negative when
   * already liquidatable.
   */
  marginAvailable: number
  /** The asset's maintenance margin rate, float (see {@link maintenanceMarginRate}). */
  maintenanceMarginRate: number
}

/**
 * The mark price at which equity equals the maintenance requirement, every other price held
 * fixed. USD per coin, float. Null for a zero size, or for a long whose margin covers a fall to
 * zero (no positive price liquidates it).
 */
export function liquidationPrice(params: LiquidationPriceParams): number | null {
  const { markPrice, size, marginAvailable } = params
  const l = params.maintenanceMarginRate
  if (size === 0) return null
  const side = size > 0 ? 1 : -1
  const price = markPrice - (side * marginAvailable) / Math.abs(size) / (1 - l * side)
  if (!Number.isFinite(price) || price <= 0) return null
  return price
}

/** Result of {@link compareLiquidationPrice}. */
export interface LiquidationPriceCheck {
  /** |computed - venue| / venue, float; null when either side is null. */
  relativeDiff: number | null
  /** Whether the two agree within the tolerance (both null counts as agreeing). */
  agrees: boolean
}

/**
 * Compares stacklens' liquidation price with the venue's. Both null agree; one null and the other
 * not disagree; otherwise they agree when the relative difference is within `tolerance`.
 */
export function compareLiquidationPrice(
  computed: number | null,
  venue: number | null,
  tolerance: number = LIQUIDATION_PRICE_TOLERANCE,
): LiquidationPriceCheck {
  if (computed === null || venue === null) return { relativeDiff: null, agrees: computed === venue }
  const relativeDiff = Math.abs(computed - venue) / Math.abs(venue)
  return { relativeDiff, agrees: relativeDiff <= tolerance }
}

/**
 * Parses a decimal string (e.g. "-0.0335") exactly into a signed fixed-point bigint with
 * `decimals` decimals. Throws a RangeError on a malformed string or on more fractional digits
 * than `decimals` (never rounds silently).
 */
export function parseDecimal(value: string, decimals: number): bigint {
  const match = /^(-?)(\d+)(?:\.(\d+))?$/.exec(value)
  if (!match) throw new RangeError(`"${value}" is not a decimal number`)
  const [, sign, whole, fracRaw = ''] = match
  const frac = fracRaw.replace(/0+$/, '')
  if (frac.length > decimals) throw new RangeError(`"${value}" has more than ${decimals} fractional digits`)
  const scaled =
    BigInt(whole!) * 10n ** BigInt(decimals) + BigInt((frac + '0'.repeat(decimals)).slice(0, decimals) || '0')
  return sign === '-' ? -scaled : scaled
}

/**
 * equity / requirement as a WAD (1e18) ratio, rounded toward zero; both in the same fixed-point
 * scale. Null when the requirement is zero (no position: no health factor).
 */
export function ratioWad(equity: bigint, requirement: bigint): bigint | null {
  if (requirement === 0n) return null
  return (equity * 10n ** 18n) / requirement
}

/** Decimals of the exact USD amounts of the margin-tier math (1e18 = 1 USD). */
export const TIER_USD_DECIMALS = 18

/**
 * One margin tier in exact units: from `lowerBound` (position notional, USD at
 * {@link TIER_USD_DECIMALS} decimals) up, leverage is at most `maxLeverage` (a positive integer).
 */
export interface MarginTierExact {
  lowerBound: bigint
  maxLeverage: number
}

/**
 * A margin table's tiers parsed exactly (decimal-string lower bounds, as the `meta` payload gives
 * them) and checked: at least one tier, the first from 0, lower bounds strictly ascending, max
 * leverage a positive integer never rising from one tier to the next. Throws a RangeError
 * otherwise (the caller maps it to a malformed-payload error).
 */
export function parseMarginTiers(
  tiers: readonly { lowerBound: string; maxLeverage: number }[],
): MarginTierExact[] {
  if (tiers.length === 0) throw new RangeError('a margin table has no tier')
  const out = tiers.map((t) => ({
    lowerBound: parseDecimal(t.lowerBound, TIER_USD_DECIMALS),
    maxLeverage: t.maxLeverage,
  }))
  out.forEach((t, i) => {
    if (!Number.isInteger(t.maxLeverage) || t.maxLeverage <= 0)
      throw new RangeError(`tier ${i}: maxLeverage ${t.maxLeverage} is not a positive integer`)
    if (i === 0 && t.lowerBound !== 0n)
      throw new RangeError(`tier 0 starts at ${tiers[0]!.lowerBound}, not 0`)
    const prev = out[i - 1]
    if (prev && t.lowerBound <= prev.lowerBound) throw new RangeError(`tier ${i}: lower bounds do not ascend`)
    if (prev && t.maxLeverage > prev.maxLeverage) throw new RangeError(`tier ${i}: maxLeverage rises`)
  })
  return out
}

/** A single tier at `maxLeverage` from 0: an asset without a tiered table (margin table id < 50). */
export function flatMarginTiers(maxLeverage: number): MarginTierExact[] {
  return parseMarginTiers([{ lowerBound: '0', maxLeverage }])
}

/** Index of the tier `notional` (USD, {@link TIER_USD_DECIMALS}) falls in: the last whose lower bound is <= it. */
export function marginTierIndex(tiers: readonly MarginTierExact[], notional: bigint): number {
  const abs = notional < 0n ? -notional : notional
  let n = 0
  for (let i = 1; i < tiers.length; i++) if (tiers[i]!.lowerBound <= abs) n = i
  return n
}

/** Result of {@link tieredMaintenanceMargin}. */
export interface TieredMaintenance {
  /** Maintenance margin, USD at {@link TIER_USD_DECIMALS} decimals, rounded up (never understated). */
  maintenanceMargin: bigint
  /** Index of the tier the notional falls in (0 = the first). */
  tier: number
  /** That tier's max leverage. */
  maxLeverage: number
  /** That tier's maintenance margin rate, 1 / (2 * maxLeverage), float. */
  maintenanceMarginRate: number
  /** That tier's maintenance deduction, USD at {@link TIER_USD_DECIMALS} decimals, rounded down. */
  maintenanceDeduction: bigint
}

/**
 * maintenance_deduction(tier n), USD at {@link TIER_USD_DECIMALS} decimals: the sum over tiers
 * k = 1..n of lowerBound_k * (1/(2 L_k) - 1/(2 L_(k-1))) = lowerBound_k * (L_(k-1) - L_k) /
 * (2 L_k L_(k-1)), each term rounded down (so the requirement it is subtracted from rounds up).
 */
export function maintenanceDeduction(tiers: readonly MarginTierExact[], n: number): bigint {
  let d = 0n
  for (let k = 1; k <= n; k++) {
    const hi = BigInt(tiers[k - 1]!.maxLeverage)
    const lo = BigInt(tiers[k]!.maxLeverage)
    d += (tiers[k]!.lowerBound * (hi - lo)) / (2n * lo * hi) // >= 0 (leverage never rises): truncation = floor
  }
  return d
}

/**
 * Hyperliquid's tiered maintenance margin of a position of notional `notional` (|size| * mark,
 * USD at {@link TIER_USD_DECIMALS} decimals; the sign is ignored): notional / (2 L_n), rounded up,
 * minus {@link maintenanceDeduction} of tier n (rounded down). Docs: "Margin tiers" (see the module
 * comment). With one tier it is notional / (2 * maxLeverage), the untiered rule.
 */
export function tieredMaintenanceMargin(
  notional: bigint,
  tiers: readonly MarginTierExact[],
): TieredMaintenance {
  const abs = notional < 0n ? -notional : notional
  const tier = marginTierIndex(tiers, abs)
  const maxLeverage = tiers[tier]!.maxLeverage
  const twoL = 2n * BigInt(maxLeverage)
  const gross = (abs + twoL - 1n) / twoL // ceil
  const maintenanceDeductionUsd = maintenanceDeduction(tiers, tier)
  return {
    maintenanceMargin: gross - maintenanceDeductionUsd,
    tier,
    maxLeverage,
    maintenanceMarginRate: maintenanceMarginRate(maxLeverage),
    maintenanceDeduction: maintenanceDeductionUsd,
  }
}

/** Params of {@link tieredLiquidationPrice}. */
export interface TieredLiquidationPriceParams {
  /** Current mark price, USD per coin, float. */
  markPrice: number
  /** Signed position size in coins: positive long, negative short. Float. */
  size: number
  /**
   * The equity backing this position at the mark, minus what the rest of its account requires,
   * USD, float: isolated margin (isolated), or account value minus the other positions'
   * maintenance margin (cross; those held fixed).
   */
  equityUsd: number
  /** The position's margin tiers (see {@link parseMarginTiers}). */
  tiers: readonly MarginTierExact[]
}

/**
 * The mark price at which the equity equals the tiered maintenance requirement, every other price
 * held fixed. USD per coin, float. In tier k the requirement is |s| P l_k - D_k (l_k = 1/(2 L_k),
 * D_k its deduction), and the equity E + s (P - p), so
 *   P = (s p - E - D_k) / (s (1 - side l_k)),
 * kept when |s| P falls in tier k's notional range; the equity minus the requirement is monotone
 * in P (its slope is s (1 - side l_k), l_k < 1), so at most one tier's solution is consistent. With
 * one tier this is {@link liquidationPrice}. Null for a zero size, or when no positive price
 * liquidates the position.
 */
export function tieredLiquidationPrice(params: TieredLiquidationPriceParams): number | null {
  const { markPrice: p, size: s, equityUsd: e, tiers } = params
  if (s === 0 || tiers.length === 0) return null
  const side = s > 0 ? 1 : -1
  const scale = 10 ** TIER_USD_DECIMALS
  const abs = Math.abs(s)
  for (let k = 0; k < tiers.length; k++) {
    const l = maintenanceMarginRate(tiers[k]!.maxLeverage)
    const d = Number(maintenanceDeduction(tiers, k)) / scale
    const price = (s * p - e - d) / (s * (1 - side * l))
    if (!Number.isFinite(price) || price <= 0) continue
    const notional = abs * price
    const lower = Number(tiers[k]!.lowerBound) / scale
    const upper = k + 1 < tiers.length ? Number(tiers[k + 1]!.lowerBound) / scale : Number.POSITIVE_INFINITY
    // A relative slack of 1e-12 keeps a solution that lands on a boundary (both tiers agree there).
    if (notional >= lower * (1 - 1e-12) && notional < upper * (1 + 1e-12)) return price
  }
  return null
}
