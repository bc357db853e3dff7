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
 * Not modelled: tiered margin tables (large positions on some assets get a lower max leverage
 * and so a higher MMR); the venue's liquidation price is the one served, and a disagreement
 * with this model is flagged by {@link compareLiquidationPrice}.
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
