/**
 * Carry (basis) of a resolved wallet: what each leg earns or pays per year at the rates read at
 * the block, summed per layer, per stack and for the wallet, as APY on notional and on equity, and
 * the price move one year of carry pays for. Pure: rates come in as {@link LegRate}s (each
 * protocol's adapter reads its own rate model) and {@link NativeYield}s (wrapper rate growth).
 *
 * Units: APY and APR are fractions per year (0.05 = 5 %), USD floats. A year is 365 days
 * (31,536,000 s: Aave's, Morpho's and Comet's SECONDS_PER_YEAR).
 */
import { findNode } from '../assets/graph.js'
import { ptImpliedApy } from '../assets/pendle.js'
import { describePendleSource } from '../assets/pendle-source.js'
import { type ResolveContext, resolve } from '../assets/resolve.js'
import type { Address } from '../core/address.js'
import type { Exposure, Layer } from '../resolve/types.js'

/** Seconds in the year every rate here is annualised over: 365 days. */
export const SECONDS_PER_YEAR = 31_536_000

/** How a raw per-second or annual rate was turned into an APY. */
export type RateCompounding =
  /** (1 + APR / S)^S - 1: compounded every second (Aave's convention for both sides). */
  | 'per-second'
  /** e^(r x S) - 1: continuous (Morpho's wTaylorCompounded accrual; Comet's accrual at every interaction). */
  | 'continuous'
  /** Hourly rate x 8,760, not compounded: perp funding is paid on the notional, not reinvested. */
  | 'simple-hourly'
  /**
   * Per-second factor x 31,536,000 on the position's size in USD, not compounded: GMX v2 accrues
   * borrowing and funding on the fixed `sizeInUsd` (cumulative factors), settled on change.
   */
  | 'simple-per-second'

/** The sides of a leg that carry a rate: lending (supply, borrow) and perps (funding). */
export type CarrySide = 'collateral' | 'debt' | 'long' | 'short'

/**
 * The rate one leg of one position earns (collateral: supply) or pays (debt: borrow), as its
 * protocol's own rate model answered at the block; for a perp leg (long, short), the funding it
 * receives on its notional (negative: pays).
 */
export interface LegRate {
  /** The leg's token (as on the position's leg); null for an off-chain asset. */
  token: Address | null
  symbol: string
  side: CarrySide
  /**
   * Annual percentage yield, fraction (0.05 = 5 %), compounded as `compounding` says. Lending: the
   * supply or borrow APY (both positive numbers; the side gives the sign of the carry). Perps: what
   * the leg receives per year on its notional, signed for its side.
   */
  apy: number
  /** The simple annual rate behind it, fraction per year. */
  apr: number
  /** The protocol's raw rate as read, decimal string (its scale in `rawScale`). */
  raw: string
  /** What `raw` is, e.g. "RAY, annual (currentLiquidityRate)" or "WAD per second". */
  rawScale: string
  compounding: RateCompounding
  /** The getter(s) the rate came from, e.g. "Pool.getReserveData(asset).currentVariableBorrowRate". */
  source: string
  /**
   * The parts of a rate made of several charges (a GMX perp: funding and borrowing), each as a
   * fraction per year of the leg's USD value, signed as `apy` (+: received); they sum to `apy`.
   */
  components?: RateComponent[]
}

/** One charge inside a {@link LegRate} (funding, borrowing). */
export interface RateComponent {
  name: string
  /** Fraction per year of the leg's USD value, signed (+: received, -: paid). */
  apy: number
  /** The protocol's raw factor as read, decimal string. */
  raw: string
  rawScale: string
  source: string
}

/** The rates of one position, by the resolver's layer id, or why there are none. */
export interface PositionRates {
  /** The layer id ({@link Layer.id}). */
  layer: string
  legs: LegRate[]
  /** Why some legs have no rate (the model is not read for this protocol, a getter failed). */
  missing: string[]
}

/**
 * The native yield of a wrapper token (LST/LRT exchange rate, ERC-4626 share price, PT implied
 * yield): its rate's growth between two blocks, annualised.
 */
export interface NativeYield {
  chain: string
  /** The wrapper token. */
  token: Address
  symbol: string
  /** Annualised growth, fraction per year: (rateTo / rateFrom)^(year / elapsed) - 1. */
  apy: number
  /** How it was measured, e.g. "exchange rate growth over 7 days (blocks 100 -> 200)". */
  method: string
  /** WAD rate at the earlier block, decimal string; null for an implied yield. */
  rateFrom: string | null
  /** WAD rate at the block, decimal string; for a PT, its price in the underlying (WAD). */
  rateTo: string | null
  fromBlock: number | null
  toBlock: number | null
  /** Elapsed time between the two blocks, seconds; null for an implied yield. */
  elapsedSeconds: number | null
}

/** APY of a simple annual rate compounded every second: (1 + apr / S)^S - 1. */
export function apyPerSecondCompounded(apr: number): number {
  return Math.expm1(SECONDS_PER_YEAR * Math.log1p(apr / SECONDS_PER_YEAR))
}

/** APY of a per-second rate compounded continuously: e^(r x S) - 1. */
export function apyContinuous(ratePerSecond: number): number {
  return Math.expm1(ratePerSecond * SECONDS_PER_YEAR)
}

/** Annualised growth of a rate from `from` to `to` over `elapsedSeconds`: (to/from)^(S/elapsed) - 1. */
export function annualisedGrowth(from: bigint, to: bigint, elapsedSeconds: number): number {
  if (from <= 0n || to <= 0n || elapsedSeconds <= 0) {
    throw new RangeError('annualisedGrowth: rates and elapsed time must be positive')
  }
  // The ratio of two WAD integers, kept to 1e-18 before the float log.
  const ratio = Number((to * 10n ** 18n) / from) / 1e18
  return Math.expm1((Math.log(ratio) * SECONDS_PER_YEAR) / elapsedSeconds)
}

/** A held token as {@link ptNativeYields} takes it. */
export interface HeldToken {
  address: Address
  symbol: string
}

/**
 * The native-yield rows of the Pendle PTs among `tokens`: each PT's implied yield to maturity
 * ({@link ptImpliedApy}) from its price in the underlying as the resolver values it at `ctx.now`
 * (discount x peg: the PT step of `resolve`) and its time to maturity. Matured PTs get no row
 * (nothing left to earn); a PT whose price cannot be had (no implied yield injected) is a note.
 * Pure.
 */
export function ptNativeYields(
  ctx: ResolveContext,
  chain: string,
  tokens: readonly HeldToken[],
  blockNumber: bigint,
  notes: string[],
): NativeYield[] {
  const out: NativeYield[] = []
  const seen = new Set<string>()
  for (const t of tokens) {
    const key = t.address.toLowerCase()
    if (seen.has(key)) continue
    seen.add(key)
    const node = findNode(ctx.graph, { chain, address: t.address })
    if (node?.kind !== 'pt') continue
    let step: ReturnType<typeof resolve>['path'][number] | undefined
    try {
      step = resolve({ chain, address: t.address, decimals: 18 }, 10n ** 18n, ctx).path[0]
    } catch (err) {
      const why = node.pendle
        ? `${describePendleSource(node.pendle)} gave no value at block ${blockNumber}: the call reverted, or answered another expiry than the registry's maturity`
        : err instanceof Error
          ? err.message
          : String(err)
      notes.push(`${chain}: ${t.symbol}: no PT price (${why})`)
      continue
    }
    if (step?.kind !== 'pt' || step.secondsToMaturity === undefined) continue
    const priceWad = (step.rateWad * step.pegWad) / 10n ** 18n
    const apy = priceWad > 0n ? ptImpliedApy(priceWad, step.secondsToMaturity) : null
    if (apy === null) continue
    const from = node.pendle ? `; price from ${describePendleSource(node.pendle)}` : ''
    out.push({
      chain,
      token: t.address,
      symbol: t.symbol,
      apy,
      method: `PT implied yield to maturity: (1 / price)^(31,536,000 / t) - 1, price ${priceWad} (WAD underlying per PT, discount x peg), t = ${step.secondsToMaturity} s to maturity at block ${blockNumber}${from}`,
      rateFrom: null,
      rateTo: priceWad.toString(),
      fromBlock: null,
      toBlock: Number(blockNumber),
      elapsedSeconds: null,
    })
  }
  return out
}

/** One leg's carry. */
export interface LegCarry {
  symbol: string
  token: Address | null
  side: CarrySide
  /** The leg's USD value (positive), float. */
  usd: number
  /** The protocol's supply (collateral) or borrow (debt) APY; null when not read. */
  rateApy: number | null
  /** The token's own yield (a wrapper's growth); 0 when the token is not a measured wrapper. */
  nativeApy: number
  /**
   * What the leg's value grows by per year: (1 + rateApy) x (1 + nativeApy) - 1; null when the
   * protocol rate is missing.
   */
  totalApy: number | null
  /** Signed USD per year: + earned (collateral), - paid (debt); null when the rate is missing. */
  carryUsdPerYear: number | null
  /** The getter the protocol rate came from. */
  source: string | null
  /** The rate's parts (a GMX perp: funding, borrowing) in USD per year on this leg, signed. */
  components?: { name: string; apy: number; usdPerYear: number; source: string }[]
}

/** The carry of one layer. */
export interface LayerCarry {
  layer: string
  label: string
  protocol: string
  /** Net USD per year over the legs with a rate (signed), float. */
  carryUsdPerYear: number
  /** carryUsdPerYear / notional (the layer's {@link Layer.notionalUsd}); null for no notional. */
  apyOnNotional: number | null
  /** carryUsdPerYear / equity; null when the equity is <= 0. */
  apyOnEquity: number | null
  /** Every leg had a rate. */
  complete: boolean
  legs: LegCarry[]
  missing: string[]
}

/** The carry of one stack (its layers summed). */
export interface StackCarry {
  stack: string
  carryUsdPerYear: number
  /** carryUsdPerYear / the stack's gross exposure (its notional); null when 0. */
  apyOnNotional: number | null
  /** carryUsdPerYear / the stack's equity; null when the equity is <= 0. */
  apyOnEquity: number | null
  /**
   * The uniform relative move of the stack's non-USD risk assets whose P&L cancels one year of
   * carry: -carry / sum(net non-USD USD). Negative: the fall the carry pays for (a long earning
   * carry); positive: the rise it pays for (a short earning, or what a negative carry needs to break
   * even). Null when the stack has no net non-USD exposure (a pure carry loop: its risk is the
   * ratio, not the price).
   */
  breakEvenMovePerYear: number | null
  complete: boolean
}

/** The carry of a wallet. */
export interface CarryResult {
  /** Net USD per year of every layer with rates, float. */
  netCarryUsdPerYear: number
  /** netCarryUsdPerYear / gross exposure; null when 0. */
  apyOnNotional: number | null
  /** netCarryUsdPerYear / equity; null when the equity is <= 0. */
  apyOnEquity: number | null
  /** As {@link StackCarry.breakEvenMovePerYear}, over the wallet's net non-USD exposure. */
  breakEvenMovePerYear: number | null
  /** Every leg of every layer had a rate. */
  complete: boolean
  layers: LayerCarry[]
  stacks: StackCarry[]
  nativeYields: NativeYield[]
  /** How the rates were converted, one line per convention used. */
  conventions: string[]
}

const CONVENTIONS: Record<RateCompounding, string> = {
  'per-second': 'per-second compounding: APY = (1 + APR / 31,536,000)^31,536,000 - 1 (Aave)',
  continuous:
    'continuous compounding: APY = e^(rate per second x 31,536,000) - 1 (Morpho wTaylorCompounded; Comet accrues at each interaction)',
  'simple-hourly':
    'perp funding: hourly rate x 8,760 on the notional, not compounded, signed for the side (a long pays a positive rate)',
  'simple-per-second':
    "GMX v2 funding and borrowing: factor per second x 31,536,000 on the position's size in USD, not compounded, as a fraction of the leg's current USD value, signed (+: received)",
}

function nativeKey(chain: string, token: string | null): string {
  return `${chain}:${(token ?? '').toLowerCase()}`
}

function sameToken(a: string | null, b: string | null): boolean {
  return (a ?? '').toLowerCase() === (b ?? '').toLowerCase()
}

function layerCarry(
  layer: Layer,
  legs: readonly CarryLegInput[],
  rates: PositionRates | undefined,
  native: ReadonlyMap<string, NativeYield>,
): LayerCarry {
  const missing = [...(rates?.missing ?? [])]
  if (rates === undefined) missing.push(`no rate model read for ${layer.protocol}`)
  const used = new Set<LegRate>()
  const out: LegCarry[] = legs.map((leg) => {
    const rate = rates?.legs.find(
      (r) => !used.has(r) && r.side === leg.side && sameToken(r.token, leg.token) && r.symbol === leg.symbol,
    )
    if (rate) used.add(rate)
    const nativeApy = native.get(nativeKey(layer.chain, leg.token))?.apy ?? 0
    const totalApy = rate ? (1 + rate.apy) * (1 + nativeApy) - 1 : null
    // Debt pays its rate; collateral earns it; a perp's rate is already signed for its side.
    const sign = leg.side === 'debt' ? -1 : 1
    if (!rate && rates !== undefined) missing.push(`${leg.side} ${leg.symbol}: no rate`)
    return {
      symbol: leg.symbol,
      token: leg.token,
      side: leg.side,
      usd: leg.usd,
      rateApy: rate ? rate.apy : null,
      nativeApy,
      totalApy,
      carryUsdPerYear: totalApy === null ? null : sign * Math.abs(leg.usd) * totalApy,
      source: rate ? rate.source : null,
      ...(rate?.components
        ? {
            components: rate.components.map((c) => ({
              name: c.name,
              apy: c.apy,
              usdPerYear: Math.abs(leg.usd) * c.apy,
              source: c.source,
            })),
          }
        : {}),
    }
  })
  const carry = out.reduce((a, l) => a + (l.carryUsdPerYear ?? 0), 0)
  return {
    layer: layer.id,
    label: layer.label,
    protocol: layer.protocol,
    carryUsdPerYear: carry,
    apyOnNotional: layer.notionalUsd > 0 ? carry / layer.notionalUsd : null,
    apyOnEquity: layer.equityUsd > 0 ? carry / layer.equityUsd : null,
    complete: out.every((l) => l.carryUsdPerYear !== null) && missing.length === 0,
    legs: out,
    missing,
  }
}

function breakEven(carry: number, net: readonly { riskAsset: string; usd: number }[]): number | null {
  const directional = net.filter((n) => n.riskAsset !== 'USD').reduce((a, n) => a + n.usd, 0)
  return directional === 0 ? null : -carry / directional
}

/** One leg as the carry engine takes it: token, side and USD value (notional for a perp). */
export interface CarryLegInput {
  symbol: string
  token: Address | null
  side: CarrySide
  usd: number
}

/** Params of {@link computeCarry}. */
export interface ComputeCarryParams {
  exposure: Exposure
  /** The legs of each layer, by layer id, as on the position. */
  legsByLayer: ReadonlyMap<string, readonly CarryLegInput[]>
  rates: readonly PositionRates[]
  nativeYields: readonly NativeYield[]
}

/** The carry of every layer and stack and of the wallet, at the given rates. */
export function computeCarry(params: ComputeCarryParams): CarryResult {
  const { exposure } = params
  const ratesByLayer = new Map(params.rates.map((r) => [r.layer, r]))
  const native = new Map(params.nativeYields.map((n) => [nativeKey(n.chain, n.token), n]))
  const layers = exposure.layers.map((layer) =>
    layerCarry(layer, params.legsByLayer.get(layer.id) ?? [], ratesByLayer.get(layer.id), native),
  )
  const byId = new Map(layers.map((l) => [l.layer, l]))
  const stacks: StackCarry[] = exposure.stacks.map((s) => {
    const parts = s.layers.map((id) => byId.get(id)).filter((l): l is LayerCarry => l !== undefined)
    const carry = parts.reduce((a, l) => a + l.carryUsdPerYear, 0)
    return {
      stack: s.id,
      carryUsdPerYear: carry,
      apyOnNotional: s.grossExposureUsd > 0 ? carry / s.grossExposureUsd : null,
      apyOnEquity: s.equityUsd > 0 ? carry / s.equityUsd : null,
      breakEvenMovePerYear: breakEven(carry, s.netExposure),
      complete: parts.every((l) => l.complete),
    }
  })
  const net = layers.reduce((a, l) => a + l.carryUsdPerYear, 0)
  const used = new Set<RateCompounding>(params.rates.flatMap((r) => r.legs.map((l) => l.compounding)))
  return {
    netCarryUsdPerYear: net,
    apyOnNotional: exposure.grossExposureUsd > 0 ? net / exposure.grossExposureUsd : null,
    apyOnEquity: exposure.equityUsd > 0 ? net / exposure.equityUsd : null,
    breakEvenMovePerYear: breakEven(net, exposure.netExposure),
    complete: layers.every((l) => l.complete),
    layers,
    stacks,
    nativeYields: [...params.nativeYields],
    conventions: [...used].map((c) => CONVENTIONS[c]),
  }
}
