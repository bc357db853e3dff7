/**
 * clearinghouseState payloads in the real schema. `ISOLATED_DOCS` is the example answer of
 * Hyperliquid's docs (Info endpoint → Perpetuals → "Retrieve user's perpetuals account
 * summary"); the others are hand-built, their venue numbers hand-computed in the comments.
 */

/** Docs example: one isolated 20x ETH long, maxLeverage 50. */
export const ISOLATED_DOCS = {
  assetPositions: [
    {
      position: {
        coin: 'ETH',
        cumFunding: { allTime: '514.085417', sinceChange: '0.0', sinceOpen: '0.0' },
        entryPx: '2986.3',
        leverage: { rawUsd: '-95.059824', type: 'isolated', value: 20 },
        liquidationPx: '2866.26936529',
        marginUsed: '4.967826',
        maxLeverage: 50,
        positionValue: '100.02765',
        returnOnEquity: '-0.0026789',
        szi: '0.0335',
        unrealizedPnl: '-0.0134',
      },
      type: 'oneWay',
    },
  ],
  crossMaintenanceMarginUsed: '0.0',
  crossMarginSummary: {
    accountValue: '13104.514502',
    totalMarginUsed: '0.0',
    totalNtlPos: '0.0',
    totalRawUsd: '13104.514502',
  },
  marginSummary: {
    accountValue: '13109.482328',
    totalMarginUsed: '4.967826',
    totalNtlPos: '100.02765',
    totalRawUsd: '13009.454678',
  },
  time: 1708622398623,
  withdrawable: '13104.514502',
}

/**
 * Cross account: BTC long 0.5 at mark 60000 (maxLeverage 40, MMR 1/80 = 0.0125, MM 375) and ETH
 * short 10 at mark 3000 (maxLeverage 25, MMR 0.02, MM 600). Maintenance 375 + 600 = 975; account
 * value 10975, so margin available 10000 and HF = 10975 / 975 = 11.2564102564...
 * BTC liq = 60000 - 10000 / 0.5 / (1 - 0.0125) = 60000 - 20253.164556962 = 39746.835443038.
 * ETH liq = 3000 + 10000 / 10 / (1 + 0.02) = 3000 + 980.392156863 = 3980.392156863.
 * pnl: BTC 0.5 * (60000 - 58000) = 1000; ETH 10 * (3100 - 3000) = 1000. Both 10x cross, so
 * marginUsed = 30000 / 10 = 3000 each; withdrawable = 10975 - 6000 = 4975;
 * rawUsd = 10975 - (0.5 * 60000 - 10 * 3000) = 10975.
 */
export const CROSS_LONG_SHORT = {
  assetPositions: [
    {
      type: 'oneWay',
      position: {
        coin: 'BTC',
        szi: '0.5',
        leverage: { type: 'cross', value: 10 },
        entryPx: '58000.0',
        positionValue: '30000.0',
        unrealizedPnl: '1000.0',
        returnOnEquity: '0.3448275862',
        liquidationPx: '39746.835443',
        marginUsed: '3000.0',
        maxLeverage: 40,
        cumFunding: { allTime: '12.5', sinceOpen: '12.5', sinceChange: '2.25' },
      },
    },
    {
      type: 'oneWay',
      position: {
        coin: 'ETH',
        szi: '-10.0',
        leverage: { type: 'cross', value: 10 },
        entryPx: '3100.0',
        positionValue: '30000.0',
        unrealizedPnl: '1000.0',
        returnOnEquity: '0.3225806452',
        liquidationPx: '3980.3921568627',
        marginUsed: '3000.0',
        maxLeverage: 25,
        cumFunding: { allTime: '-4.1', sinceOpen: '-4.1', sinceChange: '0.0' },
      },
    },
  ],
  crossMaintenanceMarginUsed: '975.0',
  crossMarginSummary: {
    accountValue: '10975.0',
    totalNtlPos: '60000.0',
    totalRawUsd: '10975.0',
    totalMarginUsed: '6000.0',
  },
  marginSummary: {
    accountValue: '10975.0',
    totalNtlPos: '60000.0',
    totalRawUsd: '10975.0',
    totalMarginUsed: '6000.0',
  },
  withdrawable: '4975.0',
  time: 1732400000000,
}

/** An address the venue has never seen: zero balances, no positions. */
export const EMPTY = {
  assetPositions: [],
  crossMaintenanceMarginUsed: '0.0',
  crossMarginSummary: { accountValue: '0.0', totalMarginUsed: '0.0', totalNtlPos: '0.0', totalRawUsd: '0.0' },
  marginSummary: { accountValue: '0.0', totalMarginUsed: '0.0', totalNtlPos: '0.0', totalRawUsd: '0.0' },
  time: 1732400000000,
  withdrawable: '0.0',
}

/** USDC deposited, no position: 250 USD of margin equity and no health factor. */
export const BALANCE_ONLY = {
  ...EMPTY,
  crossMarginSummary: {
    accountValue: '250.0',
    totalMarginUsed: '0.0',
    totalNtlPos: '0.0',
    totalRawUsd: '250.0',
  },
  marginSummary: { accountValue: '250.0', totalMarginUsed: '0.0', totalNtlPos: '0.0', totalRawUsd: '250.0' },
  withdrawable: '250.0',
}

/** A deep copy, to derive variants without touching the originals. */
export function clone<T>(value: T): T {
  return structuredClone(value)
}

/**
 * A `meta` answer (the real schema: universe with `marginTableId`, `marginTables` as `[id,
 * table]` pairs) for the coins of `state` when no tiered table applies: each coin one tier at
 * its position's `maxLeverage`, named the way the venue names such tables (an id under 50 is a
 * single tier at that leverage, per Hyperliquid's "Margin tiers" docs; 50 is listed as a
 * one-tier table). Built from the fixture itself, so the untiered fixtures keep their numbers.
 */
export function flatMetaOf(state: { assetPositions: { position: { coin: string; maxLeverage: number } }[] }) {
  const universe = state.assetPositions.map(({ position: p }) => ({
    name: p.coin,
    szDecimals: 4,
    maxLeverage: p.maxLeverage,
    marginTableId: p.maxLeverage,
  }))
  const marginTables = [...new Set(universe.map((u) => u.maxLeverage))]
    .filter((l) => l >= 50)
    .map((l) => [l, { description: '', marginTiers: [{ lowerBound: '0.0', maxLeverage: l }] }] as const)
  return { universe, marginTables, collateralToken: 0 }
}

/**
 * Hyperliquid docs, "Margin tiers", the testnet table "LDO, ARB, MKR, ATOM, PAXG, TAO, ICP, AVAX,
 * FARTCOIN - testnet only": 0-10k notional at 10x, >10k at 5x. As a HIP-3 dex `xyz` margin table
 * (id 51, hand-numbered: ids of tiered tables are >= 50).
 * MMR: 1/20 = 5% below 10k, 1/10 = 10% above; deduction(1) = 10,000 * (10% - 5%) = 500.
 */
export const XYZ_TIERED_TABLE = {
  description: 'tiered 10x',
  marginTiers: [
    { lowerBound: '0.0', maxLeverage: 10 },
    { lowerBound: '10000.0', maxLeverage: 5 },
  ],
}

/** `meta` of HIP-3 dex `xyz` (coins prefixed with the dex, as the venue names them). */
export const XYZ_META = {
  universe: [
    { name: 'xyz:AAPL', szDecimals: 3, maxLeverage: 10, marginTableId: 51 },
    { name: 'xyz:GOLD', szDecimals: 4, maxLeverage: 20, marginTableId: 20 },
  ],
  marginTables: [[51, XYZ_TIERED_TABLE]],
  collateralToken: 0,
}

/**
 * `clearinghouseState` of a wallet on HIP-3 dex `xyz`, hand-built: an isolated 10x long of 100
 * xyz:AAPL at mark 230 (notional 23,000: the 5x tier) with 3,000 of isolated margin, and 500 of
 * cross balance. Tiered: MM = 23,000 / (2 * 5) - 500 = 1,800, HF = 3,000 / 1,800 = 1.666...;
 * liquidation price (long, tier 1: P = (s p - E - D) / (s (1 - l))) = (23,000 - 3,000 - 500) /
 * (100 * 0.9) = 216.666..., notional there 21,666.67 (still the 5x tier). The untiered model
 * (one tier at maxLeverage 10) would say MM 1,150, HF 2.61 and 230 - 1,850 / 100 / 0.95 = 210.53.
 * The venue's liquidationPx here is the docs formula's value (hand-computed, as for the other
 * hand-built fixtures).
 */
export const XYZ_ISOLATED_AAPL = {
  assetPositions: [
    {
      type: 'oneWay',
      position: {
        coin: 'xyz:AAPL',
        szi: '100.0',
        leverage: { type: 'isolated', value: 10, rawUsd: '-20000.0' },
        entryPx: '200.0',
        positionValue: '23000.0',
        unrealizedPnl: '3000.0',
        returnOnEquity: '1.5',
        liquidationPx: '216.666667',
        marginUsed: '3000.0',
        maxLeverage: 10,
        cumFunding: { allTime: '1.0', sinceOpen: '1.0', sinceChange: '0.0' },
      },
    },
  ],
  crossMaintenanceMarginUsed: '0.0',
  crossMarginSummary: {
    accountValue: '500.0',
    totalMarginUsed: '0.0',
    totalNtlPos: '0.0',
    totalRawUsd: '500.0',
  },
  marginSummary: {
    accountValue: '3500.0',
    totalMarginUsed: '3000.0',
    totalNtlPos: '23000.0',
    totalRawUsd: '-19500.0',
  },
  time: 1_764_000_000_000,
  withdrawable: '500.0',
}
