/**
 * Turns a validated `clearinghouseState` payload into stacklens positions. Pure: no I/O.
 *
 * Layout: the cross-margin account is ONE position (market {@link HYPERLIQUID_MARKET}) whose legs
 * are its cross perps; each isolated perp is its own position (market
 * `hyperliquid-perps-isolated-<COIN>`), since its margin is walled off from the account.
 * `collateralUsd` is the margin equity backing the position (cross account value, or the
 * isolated margin including pnl), `debtUsd` is 0 (perps borrow nothing); the legs carry the
 * notional. Sizes are raw integers at a fixed {@link HYPERLIQUID_SIZE_DECIMALS} decimals.
 */
import type { HyperliquidMaintenanceRule, Leg, LiquidationPrice, Position } from '../../core/types.js'
import { HyperliquidError } from './errors.js'
import {
  compareLiquidationPrice,
  liquidationPrice,
  maintenanceMargin,
  maintenanceMarginRate,
  parseDecimal,
  ratioWad,
} from './math.js'
import type { ClearinghouseState, PerpPosition } from './schemas.js'

/** Protocol key. */
export const HYPERLIQUID_PROTOCOL = 'hyperliquid'
/** Chain key of Hyperliquid positions (its own L1, not an EVM chain stacklens batches). */
export const HYPERLIQUID_CHAIN = 'hyperliquid'
/** Market id of the cross-margin perp account. */
export const HYPERLIQUID_MARKET = 'hyperliquid-perps'
/**
 * Decimals of a perp leg's `amount`: sizes are decimal strings in the API with at most the
 * asset's `szDecimals` (at most 6 for perps) fractional digits, so a fixed 1e8 scale holds every
 * size exactly without a `meta` round trip. A leg's `asset.decimals` is this value.
 */
export const HYPERLIQUID_SIZE_DECIMALS = 8
/** Fixed-point scale used for exact USD ratios (health factor in WAD). */
const USD_DECIMALS = 18

/** Market id of an isolated position on `coin`. */
export function isolatedMarket(coin: string): string {
  return `${HYPERLIQUID_MARKET}-isolated-${coin}`
}

interface PerpFacts {
  p: PerpPosition
  size: number
  sizeRaw: bigint
  positionValue: number
  markPrice: number
  mmr: number
  maintenanceMarginUsd: number
  venueLiquidationPrice: number | null
}

/**
 * The positions of one `clearinghouseState` payload: the cross account (when it holds a position
 * or a non-zero account value) and one position per isolated perp. An empty account is `[]`.
 * Throws PROTOCOL_READ_FAILED on numbers the schema admits but the model cannot use (a size
 * finer than 1e-8, a zero-size position with a notional).
 */
export function positionsFromClearinghouseState(state: ClearinghouseState): Position[] {
  const perps = state.assetPositions.map((ap, i) => perpFacts(ap.position, i))
  const cross = perps.filter((f) => f.p.leverage.type === 'cross')
  const isolated = perps.filter((f) => f.p.leverage.type === 'isolated')
  const out: Position[] = []

  const crossAccountValue = Number(state.crossMarginSummary.accountValue)
  if (cross.length > 0 || crossAccountValue !== 0) {
    const venueMaintenance = Number(state.crossMaintenanceMarginUsed)
    const computedMaintenance = cross.reduce((sum, f) => sum + f.maintenanceMarginUsd, 0)
    const marginAvailable = crossAccountValue - computedMaintenance
    const checked = cross.map((f) => checkLiquidation(f, marginAvailable))
    const hfWad =
      cross.length === 0
        ? null
        : ratioWad(
            usd(state.crossMarginSummary.accountValue, 'crossMarginSummary.accountValue'),
            usd(state.crossMaintenanceMarginUsed, 'crossMaintenanceMarginUsed'),
          )
    out.push({
      status: 'ok',
      protocol: HYPERLIQUID_PROTOCOL,
      market: HYPERLIQUID_MARKET,
      chain: HYPERLIQUID_CHAIN,
      kind: 'perp',
      healthFactor: hfWad === null ? null : crossAccountValue / venueMaintenance,
      healthFactorWad: hfWad,
      collateralUsd: crossAccountValue,
      debtUsd: 0,
      legs: cross.map(leg),
      liquidationPrices: checked.map((c) => c.served),
      liquidationRule: hyperliquidMaintenanceRule('cross', venueMaintenance, cross),
      details: {
        marginMode: 'cross',
        healthFactorDefinition: 'accountValue / maintenanceMargin (cross account)',
        accountValueUsd: crossAccountValue,
        maintenanceMarginUsd: venueMaintenance,
        maintenanceMarginComputedUsd: computedMaintenance,
        marginUsedUsd: Number(state.crossMarginSummary.totalMarginUsed),
        totalNotionalUsd: Number(state.crossMarginSummary.totalNtlPos),
        withdrawableUsd: Number(state.withdrawable),
        accountValueAllUsd: Number(state.marginSummary.accountValue),
        venueTime: state.time,
        liquidationPriceMismatch: checked.some((c) => !c.check.agrees),
        positions: checked.map((c) => c.detail),
      },
    })
  }

  for (const f of isolated) {
    const margin = Number(f.p.marginUsed)
    const marginAvailable = margin - f.maintenanceMarginUsd
    const c = checkLiquidation(f, marginAvailable)
    // margin / (value / (2 * maxLeverage)) = margin * 2 * maxLeverage / value, exact.
    const hfWad = ratioWad(
      usd(f.p.marginUsed, `${f.p.coin}.marginUsed`) * 2n * BigInt(f.p.maxLeverage),
      usd(f.p.positionValue.replace(/^-/, ''), `${f.p.coin}.positionValue`),
    )
    out.push({
      status: 'ok',
      protocol: HYPERLIQUID_PROTOCOL,
      market: isolatedMarket(f.p.coin),
      chain: HYPERLIQUID_CHAIN,
      kind: 'perp',
      healthFactor: hfWad === null ? null : margin / f.maintenanceMarginUsd,
      healthFactorWad: hfWad,
      collateralUsd: margin,
      debtUsd: 0,
      legs: [leg(f)],
      liquidationPrices: [c.served],
      liquidationRule: hyperliquidMaintenanceRule('isolated', f.maintenanceMarginUsd, [f]),
      details: {
        marginMode: 'isolated',
        healthFactorDefinition: 'isolated margin / maintenance margin (this position)',
        accountValueUsd: margin,
        maintenanceMarginUsd: f.maintenanceMarginUsd,
        marginUsedUsd: margin,
        rawUsd: f.p.leverage.type === 'isolated' ? Number(f.p.leverage.rawUsd) : null,
        venueTime: state.time,
        liquidationPriceMismatch: !c.check.agrees,
        positions: [c.detail],
      },
    })
  }
  return out
}

/**
 * The maintenance rule of a cross account or an isolated position: liquidated below
 * `maintenanceMarginUsd` (USD float; the venue's figure for cross), which scales with the
 * position values; the liquidation vault takes what the margin cannot cover.
 */
export function hyperliquidMaintenanceRule(
  marginMode: 'cross' | 'isolated',
  maintenanceMarginUsd: number,
  perps: readonly { p: { coin: string; maxLeverage: number }; mmr: number }[],
): HyperliquidMaintenanceRule {
  return {
    kind: 'hyperliquid-maintenance',
    marginMode,
    maintenanceMarginUsd,
    legs: perps.map((f) => ({ coin: f.p.coin, maxLeverage: f.p.maxLeverage, maintenanceMarginRate: f.mmr })),
    negativeEquityFloored: true,
  }
}

function perpFacts(p: PerpPosition, index: number): PerpFacts {
  const field = `assetPositions.${index}.position`
  let sizeRaw: bigint
  try {
    sizeRaw = parseDecimal(p.szi, HYPERLIQUID_SIZE_DECIMALS)
  } catch (err) {
    throw malformed(`${field}.szi`, err)
  }
  const size = Number(p.szi)
  const positionValue = Math.abs(Number(p.positionValue))
  if (size === 0)
    throw new HyperliquidError(
      'PROTOCOL_READ_FAILED',
      `Hyperliquid info API (clearinghouseState) answered an unexpected payload: ${field}.szi: a listed position has size 0`,
    )
  const mmr = maintenanceMarginRate(p.maxLeverage)
  return {
    p,
    size,
    sizeRaw: sizeRaw < 0n ? -sizeRaw : sizeRaw,
    positionValue,
    // positionValue = |szi| * markPx (docs), so the mark needs no allMids round trip.
    markPrice: positionValue / Math.abs(size),
    mmr,
    maintenanceMarginUsd: maintenanceMargin(positionValue, p.maxLeverage),
    venueLiquidationPrice: p.liquidationPx === null ? null : Number(p.liquidationPx),
  }
}

function checkLiquidation(f: PerpFacts, marginAvailable: number) {
  const computed = liquidationPrice({
    markPrice: f.markPrice,
    size: f.size,
    marginAvailable,
    maintenanceMarginRate: f.mmr,
  })
  const venue = f.venueLiquidationPrice
  const check = compareLiquidationPrice(computed, venue)
  const side = f.size > 0 ? ('long' as const) : ('short' as const)
  const served: LiquidationPrice = {
    asset: null,
    symbol: f.p.coin,
    side,
    price: venue,
    currentPrice: f.markPrice,
    distance: venue === null ? null : venue / f.markPrice - 1,
  }
  const detail = {
    coin: f.p.coin,
    side,
    size: f.p.szi.replace(/^-/, ''),
    entryPriceUsd: Number(f.p.entryPx),
    markPriceUsd: f.markPrice,
    positionValueUsd: f.positionValue,
    unrealizedPnlUsd: Number(f.p.unrealizedPnl),
    returnOnEquity: Number(f.p.returnOnEquity),
    leverageType: f.p.leverage.type,
    leverage: f.p.leverage.value,
    maxLeverage: f.p.maxLeverage,
    maintenanceMarginRate: f.mmr,
    maintenanceMarginUsd: f.maintenanceMarginUsd,
    marginUsedUsd: Number(f.p.marginUsed),
    fundingUsd: {
      allTime: Number(f.p.cumFunding.allTime),
      sinceOpen: Number(f.p.cumFunding.sinceOpen),
      sinceChange: Number(f.p.cumFunding.sinceChange),
    },
    liquidationPrice: {
      venue,
      computed,
      relativeDiff: check.relativeDiff,
      agrees: check.agrees,
    },
  }
  return { served, check, detail }
}

function leg(f: PerpFacts): Leg {
  return {
    asset: { symbol: f.p.coin, address: null, decimals: HYPERLIQUID_SIZE_DECIMALS },
    side: f.size > 0 ? 'long' : 'short',
    amount: f.sizeRaw,
    usd: f.positionValue,
    priceUsd: f.markPrice,
  }
}

function usd(value: string, field: string): bigint {
  try {
    return parseDecimal(value, USD_DECIMALS)
  } catch (err) {
    throw malformed(field, err)
  }
}

function malformed(field: string, err: unknown): HyperliquidError {
  return new HyperliquidError(
    'PROTOCOL_READ_FAILED',
    `Hyperliquid info API (clearinghouseState) answered an unexpected payload: ${field}: ${
      err instanceof Error ? err.message : String(err)
    }`,
    err,
  )
}
