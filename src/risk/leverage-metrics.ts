/**
 * A market's (or a chain's) leverage in numbers, from its positions and their resolver
 * contributions. Pure. All amounts are floats: USD values, units of risk assets, prices in USD per
 * unit of the risk asset.
 *
 * - Totals: collateral and debt by risk asset (the contributions of the collateral and debt legs).
 * - Concentration of debt over holders: the Herfindahl-Hirschman index (sum of squared shares, in
 *   [0, 1]; x 10,000 is the antitrust convention) and the share of the ten largest.
 * - Looped share: the debt of positions whose layer is a carry loop or a directional loop
 *   ({@link lendingStructure}), over all lending debt; the debt of every structure beside it.
 * - Cross-protocol links: counted collateral that is a receipt token issued by another protocol
 *   (an aToken pledged on Morpho), by holder protocol, issuer and token.
 * - Liquidation levels per risk asset (DefiLlama-style bins: debt by liquidation price): each
 *   lending position's level for each risk asset it holds, every other price held, under the linear
 *   health model HF(m) = (sum LT x collateral USD x m_i) / (sum debt USD x m_i) with m the asset's
 *   price relative to its reference; a level reached by a fall (the asset is collateral, net) or
 *   by a rise (the asset is debt, net).
 * - Perps: long and short open interest (USD) per risk asset, the skew, and their liquidation
 *   levels (the adapters' own liquidation prices) in the same bins.
 */
import type { Position } from '../core/types.js'
import { lendingStructure } from '../resolve/layers.js'
import type { Contribution, LayerStructure } from '../resolve/types.js'
import { isPerpRule } from './liquidation-rule.js'

/** One position with its contributions (resolver). */
export interface LeverageInput {
  /** The position's id (a market read: the borrower's address). */
  id: string
  /** Who holds it; concentration sums a holder's positions. Default: `id`. */
  holder?: string
  position: Position
  /** The contributions of `position` (`positionContributions`), legs first in leg order. */
  contributions: readonly Contribution[]
}

/** Options of {@link leverageMetrics}. */
export interface LeverageMetricsOptions {
  /** Reference USD price per unit of each risk asset (the bins' center); assets without one get no histogram. */
  prices: Readonly<Record<string, number>>
  /** Bins per histogram. Default 40. */
  bins?: number
  /** The histogram's range as multiples of the reference price. Default [0.5, 1.5]. */
  range?: readonly [number, number]
  /** Holders listed in `concentration.top`. Default 10. */
  top?: number
}

/** Collateral and debt of one risk asset. */
export interface RiskAssetTotals {
  riskAsset: string
  /** USD (the protocols' valuation) and units of the risk asset, of every collateral leg (counted or not). */
  collateralUsd: number
  collateralUnits: number
  /** USD and units, positive. */
  debtUsd: number
  debtUnits: number
}

/** A position's liquidation level for one risk asset. */
export interface LiquidationLevel {
  riskAsset: string
  /** USD per unit of the risk asset at which HF reaches 1 (every other price held); 0 when below 1 at every price. */
  price: number
  /** 'fall': liquidated when the price falls to `price`; 'rise': when it rises to it. */
  direction: 'fall' | 'rise'
  /** True when the model says it is liquidatable at the reference price already. */
  now: boolean
}

/** One bin of a liquidation-levels histogram. */
export interface LevelBin {
  /** USD per unit, [from, to). */
  from: number
  to: number
  /** Debt (lending) or position size (perps), USD, liquidated when the price falls into the bin. */
  onFallUsd: number
  /** ... when the price rises into the bin. */
  onRiseUsd: number
  positions: number
}

/** Liquidation levels of one risk asset. */
export interface LevelHistogram {
  riskAsset: string
  /** The reference price, USD per unit. */
  price: number
  bins: LevelBin[]
  /** Levels below / above the range: USD and positions. */
  belowRange: { usd: number; positions: number }
  aboveRange: { usd: number; positions: number }
  /** Liquidatable at the reference price already (not binned). */
  liquidatableNow: { usd: number; positions: number }
}

/** A cross-protocol link: collateral that is another protocol's receipt token. */
export interface CrossProtocolLink {
  /** The protocol of the position holding the receipt. */
  holderProtocol: string
  /** The protocol (and market) that issued it. */
  issuerProtocol: string
  issuerMarket: string | null
  /** The receipt token's symbol. */
  symbol: string
  collateralUsd: number
  positions: number
}

/** What {@link leverageMetrics} computes. */
export interface LeverageMetrics {
  positions: { lending: number; perp: number; holders: number }
  /** Over lending positions: USD. */
  totals: { collateralUsd: number; debtUsd: number }
  byRiskAsset: RiskAssetTotals[]
  concentration: {
    /** Sum of squared debt shares over holders, in [0, 1]; null without debt. */
    hhi: number | null
    /** Share of the debt held by the `top` largest holders; null without debt. */
    topShare: number | null
    top: { holder: string; debtUsd: number; share: number }[]
  }
  looped: {
    /** Debt of carry-loop and directional-loop positions, USD, and its share of the debt (null without debt). */
    debtUsd: number
    share: number | null
    byStructure: { structure: LayerStructure; positions: number; debtUsd: number }[]
  }
  crossProtocol: {
    /** Collateral that is another protocol's receipt token, USD, and its share of the collateral. */
    collateralUsd: number
    share: number | null
    links: CrossProtocolLink[]
  }
  /** Lending positions' liquidation levels, weighted by their debt USD. */
  liquidationLevels: LevelHistogram[]
  perps: {
    /** Per risk asset: open interest USD (long, short), skew = (long - short) / (long + short). */
    byRiskAsset: { riskAsset: string; longUsd: number; shortUsd: number; skew: number | null }[]
    /** Perp liquidation levels (the adapters' prices), weighted by position size USD. */
    liquidationLevels: LevelHistogram[]
  }
}

/** The contributions that belong to legs, in leg order (perps add synthetic ones after them). */
function legContributions(input: LeverageInput): (Contribution | undefined)[] {
  const legs = input.contributions.filter(
    (c) => c.source === 'collateral' || c.source === 'debt' || c.source === 'long' || c.source === 'short',
  )
  return input.position.legs.map((_, i) => legs[i])
}

function debtUsdOf(position: Position): number {
  let usd = 0
  for (const leg of position.legs) if (leg.side === 'debt') usd += leg.usd
  return usd
}

/**
 * A lending position's liquidation level for each risk asset it holds, under the linear health
 * model: with A_c = sum of LT x USD of its counted collateral in the asset, A_d = USD of its debt
 * in the asset, B_c and B_d the same for everything else, HF(m) = (A_c m + B_c) / (A_d m + B_d)
 * reaches 1 at m* = (B_d - B_c) / (A_c - A_d); the level is m* x the reference price. A_c > A_d:
 * liquidated on a fall (none when m* <= 0); A_c < A_d: on a rise; equal: none (both sides move
 * together). None without debt, for USD, or for an asset without a reference price.
 */
export function lendingLiquidationLevels(
  input: LeverageInput,
  prices: Readonly<Record<string, number>>,
): LiquidationLevel[] {
  const { position } = input
  if (isPerpRule(position.liquidationRule)) return []
  const contribs = legContributions(input)
  const byAsset = new Map<string, { ac: number; ad: number }>()
  let bc = 0
  let bd = 0
  position.legs.forEach((leg, i) => {
    const c = contribs[i]
    if (!c) return
    const entry = byAsset.get(c.riskAsset) ?? { ac: 0, ad: 0 }
    byAsset.set(c.riskAsset, entry)
    if (leg.side === 'debt') {
      entry.ad += leg.usd
      bd += leg.usd
    } else if (leg.side === 'collateral' && leg.countsAsCollateral !== false) {
      const lt = (leg.liquidationThresholdBps ?? 0) / 10_000
      entry.ac += lt * leg.usd
      bc += lt * leg.usd
    }
  })
  if (bd <= 0) return []
  const out: LiquidationLevel[] = []
  for (const [riskAsset, { ac, ad }] of byAsset) {
    const price = prices[riskAsset]
    if (riskAsset === 'USD' || price === undefined || !(price > 0) || ac === ad) continue
    const m = (bd - ad - (bc - ac)) / (ac - ad)
    if (ac > ad) {
      if (!(m > 0)) continue
      out.push({ riskAsset, price: m * price, direction: 'fall', now: m >= 1 })
    } else if (m > 0) out.push({ riskAsset, price: m * price, direction: 'rise', now: m <= 1 })
    // m* <= 0 on the rise side: HF < 1 at every price of the asset, so liquidatable now.
    else out.push({ riskAsset, price: 0, direction: 'rise', now: true })
  }
  return out
}

interface Weighted {
  level: LiquidationLevel
  usd: number
}

function histograms(
  levels: readonly Weighted[],
  prices: Readonly<Record<string, number>>,
  count: number,
  [low, high]: readonly [number, number],
): LevelHistogram[] {
  const byAsset = new Map<string, Weighted[]>()
  for (const w of levels) {
    const list = byAsset.get(w.level.riskAsset) ?? []
    list.push(w)
    byAsset.set(w.level.riskAsset, list)
  }
  const out: LevelHistogram[] = []
  for (const [riskAsset, list] of [...byAsset].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    const price = prices[riskAsset] as number
    const from = low * price
    const to = high * price
    const width = (to - from) / count
    const bins: LevelBin[] = Array.from({ length: count }, (_, i) => ({
      from: from + i * width,
      to: i === count - 1 ? to : from + (i + 1) * width,
      onFallUsd: 0,
      onRiseUsd: 0,
      positions: 0,
    }))
    const h: LevelHistogram = {
      riskAsset,
      price,
      bins,
      belowRange: { usd: 0, positions: 0 },
      aboveRange: { usd: 0, positions: 0 },
      liquidatableNow: { usd: 0, positions: 0 },
    }
    for (const { level, usd } of list) {
      const add = (b: { usd: number; positions: number }) => {
        b.usd += usd
        b.positions += 1
      }
      if (level.now) add(h.liquidatableNow)
      else if (level.price < from) add(h.belowRange)
      else if (level.price >= to) add(h.aboveRange)
      else {
        const bin = bins[Math.min(count - 1, Math.floor((level.price - from) / width))]!
        if (level.direction === 'fall') bin.onFallUsd += usd
        else bin.onRiseUsd += usd
        bin.positions += 1
      }
    }
    out.push(h)
  }
  return out
}

/** Every metric of {@link LeverageMetrics} over `inputs`. */
export function leverageMetrics(
  inputs: readonly LeverageInput[],
  options: LeverageMetricsOptions,
): LeverageMetrics {
  const count = options.bins ?? 40
  const range = options.range ?? [0.5, 1.5]
  if (!(Number.isInteger(count) && count >= 1)) throw new RangeError('bins must be a positive integer')
  if (!(range[0] >= 0 && range[1] > range[0]))
    throw new RangeError('range must be [low, high] with 0 <= low < high')
  const top = options.top ?? 10
  const totals = new Map<string, RiskAssetTotals>()
  const totalOf = (riskAsset: string) => {
    let t = totals.get(riskAsset)
    if (!t) {
      t = { riskAsset, collateralUsd: 0, collateralUnits: 0, debtUsd: 0, debtUnits: 0 }
      totals.set(riskAsset, t)
    }
    return t
  }
  const holders = new Map<string, number>()
  const structures = new Map<LayerStructure, { positions: number; debtUsd: number }>()
  const links = new Map<string, CrossProtocolLink>()
  const levels: Weighted[] = []
  const perpLevels: Weighted[] = []
  const oi = new Map<string, { longUsd: number; shortUsd: number }>()
  let lending = 0
  let perp = 0
  let collateralUsd = 0
  let debtUsd = 0
  let crossUsd = 0
  let loopedUsd = 0

  for (const input of inputs) {
    const { position } = input
    const contribs = legContributions(input)
    if (position.kind === 'perp' || isPerpRule(position.liquidationRule)) {
      perp++
      position.legs.forEach((leg, i) => {
        const c = contribs[i]
        if (!c || (leg.side !== 'long' && leg.side !== 'short')) return
        const o = oi.get(c.riskAsset) ?? { longUsd: 0, shortUsd: 0 }
        oi.set(c.riskAsset, o)
        if (leg.side === 'long') o.longUsd += Math.abs(leg.usd)
        else o.shortUsd += Math.abs(leg.usd)
        const lp = position.liquidationPrices.find((l) => l.symbol === leg.asset.symbol && l.price !== null)
        const ref = options.prices[c.riskAsset]
        if (!lp || lp.price === null || ref === undefined || !(lp.currentPrice > 0)) return
        // The adapter's price is in the leg token's USD; rescaled to the risk asset's reference.
        const price = (lp.price / lp.currentPrice) * ref
        const direction = leg.side === 'long' ? 'fall' : 'rise'
        perpLevels.push({
          level: {
            riskAsset: c.riskAsset,
            price,
            direction,
            now: direction === 'fall' ? price >= ref : price <= ref,
          },
          usd: Math.abs(leg.usd),
        })
      })
      continue
    }
    lending++
    const debt = debtUsdOf(position)
    position.legs.forEach((leg, i) => {
      const c = contribs[i]
      if (!c) return
      const t = totalOf(c.riskAsset)
      if (leg.side === 'collateral') {
        t.collateralUsd += leg.usd
        t.collateralUnits += c.units
        collateralUsd += leg.usd
        if (leg.countsAsCollateral !== false) {
          for (const issuer of c.issuers) {
            if (issuer.protocol === position.protocol) continue
            const key = `${position.protocol}|${issuer.protocol}|${issuer.market ?? ''}|${c.symbol}`
            const link = links.get(key) ?? {
              holderProtocol: position.protocol,
              issuerProtocol: issuer.protocol,
              issuerMarket: issuer.market ?? null,
              symbol: c.symbol,
              collateralUsd: 0,
              positions: 0,
            }
            link.collateralUsd += leg.usd
            link.positions += 1
            links.set(key, link)
            crossUsd += leg.usd
            break
          }
        }
      } else if (leg.side === 'debt') {
        t.debtUsd += leg.usd
        t.debtUnits += -c.units
      }
    })
    debtUsd += debt
    if (debt > 0) {
      const holder = input.holder ?? input.id
      holders.set(holder, (holders.get(holder) ?? 0) + debt)
    }
    const structure = lendingStructure(
      input.contributions.filter((c) => c.source === 'collateral' || c.source === 'debt'),
    )
    const s = structures.get(structure) ?? { positions: 0, debtUsd: 0 }
    s.positions += 1
    s.debtUsd += debt
    structures.set(structure, s)
    if (structure === 'carry-loop' || structure === 'directional-loop') loopedUsd += debt
    for (const level of lendingLiquidationLevels(input, options.prices)) levels.push({ level, usd: debt })
  }

  const ranked = [...holders].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
  const hhi = debtUsd > 0 ? ranked.reduce((a, [, d]) => a + (d / debtUsd) ** 2, 0) : null
  const topList = ranked
    .slice(0, top)
    .map(([holder, d]) => ({ holder, debtUsd: d, share: debtUsd > 0 ? d / debtUsd : 0 }))
  return {
    positions: { lending, perp, holders: holders.size },
    totals: { collateralUsd, debtUsd },
    byRiskAsset: [...totals.values()].sort(
      (a, b) =>
        b.debtUsd + b.collateralUsd - (a.debtUsd + a.collateralUsd) || (a.riskAsset < b.riskAsset ? -1 : 1),
    ),
    concentration: {
      hhi,
      topShare: debtUsd > 0 ? topList.reduce((a, t) => a + t.share, 0) : null,
      top: topList,
    },
    looped: {
      debtUsd: loopedUsd,
      share: debtUsd > 0 ? loopedUsd / debtUsd : null,
      byStructure: [...structures]
        .map(([structure, v]) => ({ structure, ...v }))
        .sort((a, b) => b.debtUsd - a.debtUsd || (a.structure < b.structure ? -1 : 1)),
    },
    crossProtocol: {
      collateralUsd: crossUsd,
      share: collateralUsd > 0 ? crossUsd / collateralUsd : null,
      links: [...links.values()].sort((a, b) => b.collateralUsd - a.collateralUsd),
    },
    liquidationLevels: histograms(levels, options.prices, count, range),
    perps: {
      byRiskAsset: [...oi]
        .map(([riskAsset, o]) => ({
          riskAsset,
          ...o,
          skew: o.longUsd + o.shortUsd > 0 ? (o.longUsd - o.shortUsd) / (o.longUsd + o.shortUsd) : null,
        }))
        .sort((a, b) => (a.riskAsset < b.riskAsset ? -1 : 1)),
      liquidationLevels: histograms(perpLevels, options.prices, count, range),
    },
  }
}
