/**
 * Per-layer figures: net exposure, structure (carry / directional / short / cross loop), nominal
 * leverage, the LTV it runs at and the equivalent number of loops. Pure, floats.
 */
import type { Position, PositionHolder } from '../core/types.js'
import type { Contribution, Layer, LayerStructure, NetExposure, OptionDeltaInput } from './types.js'

/**
 * Collateral after n loops at LTV l from equity E (the textbook loop identity): supply E, then
 * n times borrow l x the last supply and supply it again:
 * `C = E (1 + l + l^2 + ... + l^n) = E (1 - l^(n+1)) / (1 - l)`.
 *
 * @param equity E, any unit.
 * @param ltv l in [0, 1).
 * @param loops n >= 0 (may be fractional).
 */
export function loopCollateral(equity: number, ltv: number, loops: number): number {
  if (!(ltv >= 0 && ltv < 1)) throw new RangeError(`loopCollateral: ltv ${ltv} outside [0, 1)`)
  if (!(loops >= 0)) throw new RangeError(`loopCollateral: loops ${loops} < 0`)
  return (equity * (1 - ltv ** (loops + 1))) / (1 - ltv)
}

/**
 * The number of loops at LTV l that give leverage L = C / E (the inverse of
 * {@link loopCollateral}): `n = ln(1 - L (1 - l)) / ln(l) - 1`. 0 for L <= 1; null when no
 * number of loops at l reaches L (L >= 1 / (1 - l), the infinite-loop limit) or l is not in (0, 1).
 */
export function equivalentLoops(leverage: number, ltv: number): number | null {
  if (!(ltv > 0 && ltv < 1) || !Number.isFinite(leverage)) return null
  if (leverage <= 1) return 0
  const rest = 1 - leverage * (1 - ltv)
  if (rest <= 0) return null
  return Math.log(rest) / Math.log(ltv) - 1
}

/** Sums contributions per risk asset; by descending |usd|, then name. */
export function netOf(contributions: readonly Contribution[]): NetExposure[] {
  const by = new Map<string, NetExposure>()
  for (const c of contributions) {
    const e = by.get(c.riskAsset) ?? {
      riskAsset: c.riskAsset,
      units: 0,
      units18: 0n as bigint | null,
      usd: 0,
      longUsd: 0,
      shortUsd: 0,
    }
    e.units += c.units
    e.units18 = e.units18 === null || c.units18 === null ? null : e.units18 + c.units18
    e.usd += c.usd
    if (c.usd >= 0) e.longUsd += c.usd
    else e.shortUsd += c.usd
    by.set(c.riskAsset, e)
  }
  return [...by.values()].sort(
    (a, b) => Math.abs(b.usd) - Math.abs(a.usd) || (a.riskAsset < b.riskAsset ? -1 : 1),
  )
}

/** Sum of |usd| over the non-USD risk assets. */
export function grossOf(net: readonly NetExposure[]): number {
  return net.reduce((a, e) => (e.riskAsset === 'USD' ? a : a + Math.abs(e.usd)), 0)
}

/** The risk asset with the largest |usd| among contributions of `sources`, or undefined. */
function dominant(contributions: readonly Contribution[], sources: readonly string[]): string | undefined {
  const by = new Map<string, number>()
  for (const c of contributions) {
    if (!sources.includes(c.source)) continue
    by.set(c.riskAsset, (by.get(c.riskAsset) ?? 0) + Math.abs(c.usd))
  }
  let best: string | undefined
  let bestUsd = -1
  for (const [asset, usd] of by) {
    if (usd > bestUsd) {
      best = asset
      bestUsd = usd
    }
  }
  return best
}

/**
 * A lending layer's structure from its dominant (largest USD) collateral and debt risk assets:
 * same -> carry loop; risk asset vs USD -> directional (long) loop; USD vs risk asset -> short
 * loop; else cross loop. No debt -> supply.
 */
export function lendingStructure(contributions: readonly Contribution[]): LayerStructure {
  const debt = dominant(contributions, ['debt'])
  if (debt === undefined) return 'supply'
  const collateral = dominant(contributions, ['collateral'])
  if (collateral === undefined || collateral === debt) return 'carry-loop'
  if (debt === 'USD') return 'directional-loop'
  if (collateral === 'USD') return 'short-loop'
  return 'cross-loop'
}

/** USD-weighted mean of a bps field over counted collateral legs, as a fraction; null if none. */
function weightedBps(position: Position, field: 'ltvBps' | 'liquidationThresholdBps'): number | null {
  let usd = 0
  let weighted = 0
  for (const leg of position.legs) {
    const bps = leg[field]
    if (leg.side !== 'collateral' || leg.countsAsCollateral === false || bps === undefined) continue
    usd += leg.usd
    weighted += leg.usd * bps
  }
  return usd > 0 ? weighted / usd / 10_000 : null
}

/** The holder fields of a position (set by the wallet report), for its layer. */
function holderOf(position: Position): PositionHolder {
  return {
    ...(position.account ? { account: position.account } : {}),
    ...(position.accountKind ? { accountKind: position.accountKind } : {}),
    ...(position.owner ? { owner: position.owner } : {}),
  }
}

/** The layer of one position, from its contributions. */
export function positionLayer(id: string, position: Position, contributions: readonly Contribution[]): Layer {
  const netExposure = netOf(contributions)
  const receipts: Layer['receipts'] = []
  for (const c of contributions) {
    if (c.source !== 'collateral') continue
    for (const issuer of c.issuers) receipts.push({ ...issuer, usd: c.usd })
  }
  const base = {
    id,
    label: `${position.protocol} ${position.marketLabel ?? position.market}`,
    protocol: position.protocol,
    market: position.market,
    chain: position.chain,
    healthFactor: position.healthFactor,
    netExposure,
    receipts,
    ...holderOf(position),
  }
  if (position.kind === 'perp') {
    const notionalUsd = contributions
      .filter((c) => c.source === 'long' || c.source === 'short')
      .reduce((a, c) => a + Math.abs(c.usd), 0)
    const isShort = contributions.some((c) => c.source === 'short')
    const depositUsd = contributions
      .filter((c) => c.source === 'collateral' || c.source === 'margin')
      .reduce((a, c) => a + c.usd, 0)
    const equityUsd = position.collateralUsd
    return {
      ...base,
      kind: 'perp',
      structure: isShort ? 'perp-short' : 'perp-long',
      collateralUsd: depositUsd,
      debtUsd: 0,
      equityUsd,
      notionalUsd,
      nominalLeverage: equityUsd > 0 ? notionalUsd / equityUsd : null,
      ltv: null,
      maxLtv: null,
      equivalentLoops: null,
      loopLtv: null,
    }
  }
  const collateralUsd = position.collateralUsd
  const debtUsd = position.debtUsd
  const equityUsd = collateralUsd - debtUsd
  const nominalLeverage = equityUsd > 0 ? collateralUsd / equityUsd : null
  const maxLtv = weightedBps(position, 'ltvBps')
  const loopLtv = maxLtv ?? weightedBps(position, 'liquidationThresholdBps')
  return {
    ...base,
    kind: 'lending',
    structure: lendingStructure(contributions),
    collateralUsd,
    debtUsd,
    equityUsd,
    notionalUsd: collateralUsd,
    nominalLeverage,
    ltv: collateralUsd > 0 ? debtUsd / collateralUsd : null,
    maxLtv,
    equivalentLoops:
      debtUsd === 0
        ? 0
        : nominalLeverage === null || loopLtv === null
          ? null
          : equivalentLoops(nominalLeverage, loopLtv),
    loopLtv,
  }
}

/** The layer of one option leg. */
export function optionLayer(option: OptionDeltaInput, contributions: readonly Contribution[]): Layer {
  const delta = contributions.find((c) => c.source === 'option-delta')
  return {
    id: option.id,
    label: option.id,
    protocol: 'manual',
    market: option.id,
    chain: 'offchain',
    kind: 'option',
    structure: 'option',
    collateralUsd: 0,
    debtUsd: 0,
    equityUsd: option.valueUsd ?? 0,
    notionalUsd: Math.abs(delta?.usd ?? 0),
    nominalLeverage: null,
    ltv: null,
    maxLtv: null,
    equivalentLoops: null,
    loopLtv: null,
    healthFactor: null,
    netExposure: netOf(contributions),
    receipts: [],
  }
}
