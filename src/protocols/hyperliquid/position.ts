/**
 * Turns a validated `clearinghouseState` payload into stacklens positions. Pure: no I/O.
 *
 * Layout: the cross-margin account is ONE position (market {@link HYPERLIQUID_MARKET}) whose legs
 * are its cross perps; each isolated perp is its own position (market
 * `hyperliquid-perps-isolated-<COIN>`), since its margin is walled off from the account.
 * `collateralUsd` is the margin equity backing the position (cross account value, or the
 * isolated margin including pnl), `debtUsd` is 0 (perps borrow nothing); the legs carry the
 * notional. Sizes are raw integers at a fixed {@link HYPERLIQUID_SIZE_DECIMALS} decimals.
 *
 * HIP-3 (builder-deployed) perp dexes have their own clearinghouse, so their own cross account:
 * on dex `xyz` the cross account is market `hyperliquid-perps:xyz` and an isolated position on
 * coin `xyz:AAPL` (the venue prefixes a HIP-3 dex's coins with the dex name) is
 * `hyperliquid-perps-isolated-xyz:AAPL`; every position says its dex in `details.dex` ("" for the
 * default dex). A leg's symbol is the coin without the dex prefix (`AAPL`, `ETH`), so it maps to
 * the same risk asset as the default dex's coin of that name; the full coin stays in the details.
 *
 * Maintenance margins follow the venue's margin tiers when the dex's `meta` is given (see
 * ./math.ts, {@link tieredMaintenanceMargin}); without it each asset is one tier at its
 * `maxLeverage`.
 */
import type { HyperliquidMaintenanceRule, Leg, LiquidationPrice, Position } from '../../core/types.js'
import { HyperliquidError } from './errors.js'
import {
  compareLiquidationPrice,
  flatMarginTiers,
  type MarginTierExact,
  parseDecimal,
  parseMarginTiers,
  ratioWad,
  TIER_USD_DECIMALS,
  tieredLiquidationPrice,
  tieredMaintenanceMargin,
} from './math.js'
import type { ClearinghouseState, PerpMeta, PerpPosition } from './schemas.js'

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

/** Market id of an isolated position on `coin` (a HIP-3 coin carries its dex: `xyz:AAPL`). */
export function isolatedMarket(coin: string): string {
  return `${HYPERLIQUID_MARKET}-isolated-${coin}`
}

/** Market id of the cross account of perp dex `dex`: {@link HYPERLIQUID_MARKET} for the default dex (""). */
export function crossMarket(dex: string): string {
  return dex === '' ? HYPERLIQUID_MARKET : `${HYPERLIQUID_MARKET}:${dex}`
}

/** The coin without its HIP-3 dex prefix: "xyz:AAPL" -> "AAPL"; a default-dex coin unchanged. */
export function baseCoin(coin: string): string {
  const i = coin.indexOf(':')
  return i < 0 ? coin : coin.slice(i + 1)
}

/** Options of {@link positionsFromClearinghouseState}. */
export interface ClearinghouseStateOptions {
  /** The perp dex the state is of: "" (default) for the first dex, else a HIP-3 dex name. */
  dex?: string
  /** The dex's `meta` (universe and margin tables): tiered maintenance when given. */
  meta?: PerpMeta
}

/** Where a position's margin tiers come from. */
interface TierSource {
  tiers: MarginTierExact[]
  marginTableId: number | null
  /** "meta margin table <id>", "single tier (margin table id < 50)", or why the flat model is used. */
  source: string
}

/**
 * The margin tiers of `coin` per the dex's `meta`: its universe entry's `marginTableId` looked up
 * in `marginTables`; an id under 50 not listed is one tier at that leverage (docs). Without meta,
 * or for a coin or table the meta does not list, one tier at the position's `maxLeverage`, said so
 * in the source.
 */
function tiersOf(coin: string, maxLeverage: number, meta: PerpMeta | undefined): TierSource {
  const flat = (source: string, id: number | null = null): TierSource => ({
    tiers: flatMarginTiers(maxLeverage),
    marginTableId: id,
    source,
  })
  if (!meta) return flat('single tier at maxLeverage (no meta read)')
  const asset = meta.universe.find((a) => a.name === coin)
  if (!asset) return flat(`single tier at maxLeverage (${coin} is not in the dex's meta universe)`)
  const id = asset.marginTableId
  if (id === undefined) return flat('single tier at maxLeverage (meta names no margin table)')
  const table = meta.marginTables.find(([tid]) => tid === id)?.[1]
  if (table) {
    try {
      return {
        tiers: parseMarginTiers(table.marginTiers),
        marginTableId: id,
        source: `meta margin table ${id}`,
      }
    } catch (err) {
      throw malformed(`meta.marginTables[${id}]`, err, 'meta')
    }
  }
  if (id > 0 && id < 50) {
    return { tiers: flatMarginTiers(id), marginTableId: id, source: 'single tier (margin table id < 50)' }
  }
  return flat(`single tier at maxLeverage (margin table ${id} is not in the dex's meta)`, id)
}

interface PerpFacts {
  p: PerpPosition
  size: number
  sizeRaw: bigint
  positionValue: number
  markPrice: number
  /** The maintenance margin rate of the tier the notional is in. */
  mmr: number
  maintenanceMarginUsd: number
  /** Exact maintenance margin, USD at TIER_USD_DECIMALS, rounded up. */
  maintenance: bigint
  tiers: TierSource
  tier: number
  tierMaxLeverage: number
  maintenanceDeductionUsd: number
  venueLiquidationPrice: number | null
}

/**
 * The positions of one `clearinghouseState` payload: the cross account (when it holds a position
 * or a non-zero account value) and one position per isolated perp. An empty account is `[]`.
 * Throws PROTOCOL_READ_FAILED on numbers the schema admits but the model cannot use (a size
 * finer than 1e-8, a zero-size position with a notional).
 */
export function positionsFromClearinghouseState(
  state: ClearinghouseState,
  options: ClearinghouseStateOptions = {},
): Position[] {
  const dex = options.dex ?? ''
  const perps = state.assetPositions.map((ap, i) => perpFacts(ap.position, i, options.meta))
  const cross = perps.filter((f) => f.p.leverage.type === 'cross')
  const isolated = perps.filter((f) => f.p.leverage.type === 'isolated')
  const out: Position[] = []

  const crossAccountValue = Number(state.crossMarginSummary.accountValue)
  if (cross.length > 0 || crossAccountValue !== 0) {
    const venueMaintenance = Number(state.crossMaintenanceMarginUsed)
    const computedMaintenance = cross.reduce((sum, f) => sum + f.maintenanceMarginUsd, 0)
    // Each perp's liquidation price holds the others' requirement fixed.
    const checked = cross.map((f) =>
      checkLiquidation(f, crossAccountValue - (computedMaintenance - f.maintenanceMarginUsd), dex),
    )
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
      market: crossMarket(dex),
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
        dex,
        // The dex's collateral (spot token index; 0 = USDC): USD figures of a HIP-3 dex are in it.
        collateralToken: options.meta?.collateralToken ?? null,
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
    const c = checkLiquidation(f, margin, dex)
    // isolated margin / tiered maintenance margin (rounded up), both exact at 1e18, toward zero.
    const hfWad = ratioWad(usd(f.p.marginUsed, `${f.p.coin}.marginUsed`), f.maintenance)
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
        dex,
        collateralToken: options.meta?.collateralToken ?? null,
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
 * `maintenanceMarginUsd` (USD float; the venue's figure for cross, the tiered requirement for
 * isolated), which scales with the position values; the liquidation vault takes what the margin
 * cannot cover. Each leg's `maxLeverage` and rate are those of the margin tier its notional is
 * in at the read prices (a shock that moves a notional across a tier boundary is not re-tiered).
 */
export function hyperliquidMaintenanceRule(
  marginMode: 'cross' | 'isolated',
  maintenanceMarginUsd: number,
  perps: readonly { p: { coin: string; maxLeverage: number }; mmr: number; tierMaxLeverage?: number }[],
): HyperliquidMaintenanceRule {
  return {
    kind: 'hyperliquid-maintenance',
    marginMode,
    maintenanceMarginUsd,
    // The leverage and rate of the margin tier each notional is in (the asset's own when untiered).
    legs: perps.map((f) => ({
      coin: f.p.coin,
      maxLeverage: f.tierMaxLeverage ?? f.p.maxLeverage,
      maintenanceMarginRate: f.mmr,
    })),
    negativeEquityFloored: true,
  }
}

function perpFacts(p: PerpPosition, index: number, meta: PerpMeta | undefined): PerpFacts {
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
  const tiers = tiersOf(p.coin, p.maxLeverage, meta)
  const m = tieredMaintenanceMargin(
    usd(p.positionValue.replace(/^-/, ''), `${field}.positionValue`),
    tiers.tiers,
  )
  const scale = 10 ** TIER_USD_DECIMALS
  return {
    p,
    size,
    sizeRaw: sizeRaw < 0n ? -sizeRaw : sizeRaw,
    positionValue,
    // positionValue = |szi| * markPx (docs), so the mark needs no allMids round trip.
    markPrice: positionValue / Math.abs(size),
    mmr: m.maintenanceMarginRate,
    maintenanceMarginUsd: Number(m.maintenanceMargin) / scale,
    maintenance: m.maintenanceMargin,
    tiers,
    tier: m.tier,
    tierMaxLeverage: m.maxLeverage,
    maintenanceDeductionUsd: Number(m.maintenanceDeduction) / scale,
    venueLiquidationPrice: p.liquidationPx === null ? null : Number(p.liquidationPx),
  }
}

function checkLiquidation(f: PerpFacts, equityUsd: number, dex: string) {
  const computed = tieredLiquidationPrice({
    markPrice: f.markPrice,
    size: f.size,
    equityUsd,
    tiers: f.tiers.tiers,
  })
  const venue = f.venueLiquidationPrice
  const check = compareLiquidationPrice(computed, venue)
  const side = f.size > 0 ? ('long' as const) : ('short' as const)
  const served: LiquidationPrice = {
    asset: null,
    symbol: baseCoin(f.p.coin),
    side,
    price: venue,
    currentPrice: f.markPrice,
    distance: venue === null ? null : venue / f.markPrice - 1,
  }
  const detail = {
    coin: f.p.coin,
    dex,
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
    marginTiers: {
      source: f.tiers.source,
      marginTableId: f.tiers.marginTableId,
      tier: f.tier,
      tierMaxLeverage: f.tierMaxLeverage,
      tierLowerBoundUsd: Number(f.tiers.tiers[f.tier]!.lowerBound) / 10 ** TIER_USD_DECIMALS,
      maintenanceDeductionUsd: f.maintenanceDeductionUsd,
      formula: 'notional * 1 / (2 * tierMaxLeverage) - maintenanceDeduction (Hyperliquid docs, Margin tiers)',
    },
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
    asset: { symbol: baseCoin(f.p.coin), address: null, decimals: HYPERLIQUID_SIZE_DECIMALS },
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

function malformed(field: string, err: unknown, request = 'clearinghouseState'): HyperliquidError {
  return new HyperliquidError(
    'PROTOCOL_READ_FAILED',
    `Hyperliquid info API (${request}) answered an unexpected payload: ${field}: ${
      err instanceof Error ? err.message : String(err)
    }`,
    err,
  )
}
