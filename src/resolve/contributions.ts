/**
 * Turns positions' legs into signed contributions per risk asset, through the asset graph.
 * Pure: the graph, rates and valuation time come in a {@link ResolveContext} per chain.
 */
import { RateUnavailableError } from '../assets/errors.js'
import { OFFCHAIN_CHAINS } from '../assets/registry.js'
import { type ResolveContext, resolve, riskAssetOf } from '../assets/resolve.js'
import type { Resolution } from '../assets/types.js'
import type { Leg, Position } from '../core/types.js'
import type { Contribution, ContributionFlags, ContributionSource, OptionDeltaInput } from './types.js'

const WAD_FLOAT = 1e18

/** USD price per unit of each base risk asset seen at par in the wallet, per chain. */
export type ReferencePrices = Map<string, Map<string, number>>

/** A position with the id the resolver gives it. */
export interface IdentifiedPosition {
  id: string
  position: Position
}

/**
 * Gives every position an id `chain:market`, `#2`, `#3`... for further positions in the same
 * market (order as given, so ids are stable for a stable input order).
 */
export function identify(positions: readonly Position[]): IdentifiedPosition[] {
  const seen = new Map<string, number>()
  return positions.map((position) => {
    const base = `${position.chain}:${position.market}`
    const n = (seen.get(base) ?? 0) + 1
    seen.set(base, n)
    return { id: n === 1 ? base : `${base}#${n}`, position }
  })
}

function contextFor(
  chain: string,
  contexts: Readonly<Record<string, ResolveContext>>,
  fallback: ResolveContext,
) {
  return contexts[chain] ?? fallback
}

function tokenInput(chain: string, leg: Leg) {
  return { chain, address: leg.asset.address, symbol: leg.asset.symbol, decimals: leg.asset.decimals }
}

/**
 * The price of each base risk asset (ETH, BTC, USD, or a self-risk token) as the wallet's own
 * positions value it: from legs whose token IS the risk asset at par (WETH for ETH), the median
 * per chain. Used to value a wrapper whose rate is missing, and options without a spot price.
 */
export function referencePrices(
  positions: readonly IdentifiedPosition[],
  contexts: Readonly<Record<string, ResolveContext>>,
  fallback: ResolveContext,
): ReferencePrices {
  const samples = new Map<string, Map<string, number[]>>()
  // Whether a token is its risk asset at par depends on the token alone (not the amount): walked
  // once per token, not once per leg (a market's borrowers hold a handful of tokens between them).
  const atPar = new Map<string, string | null>()
  for (const { position } of positions) {
    const ctx = contextFor(position.chain, contexts, fallback)
    for (const leg of position.legs) {
      if (!(leg.priceUsd > 0)) continue
      const tokenKey = `${position.chain}|${leg.asset.address ?? ''}|${leg.asset.symbol}|${leg.asset.decimals}`
      let riskAsset = atPar.get(tokenKey)
      if (riskAsset === undefined) {
        riskAsset = null
        try {
          const r = resolve(tokenInput(position.chain, leg), 10n ** BigInt(leg.asset.decimals), ctx)
          const at = r.path[0]
          if (r.path.length === 1 && at?.kind === 'risk' && at.pegWad === 10n ** 18n) riskAsset = r.riskAsset
        } catch {
          // A token whose walk needs a missing rate is no reference.
        }
        atPar.set(tokenKey, riskAsset)
      }
      if (riskAsset === null) continue
      const byAsset = samples.get(position.chain) ?? new Map<string, number[]>()
      samples.set(position.chain, byAsset)
      const list = byAsset.get(riskAsset) ?? []
      list.push(leg.priceUsd)
      byAsset.set(riskAsset, list)
    }
  }
  const out: ReferencePrices = new Map()
  for (const [chain, byAsset] of samples) {
    const prices = new Map<string, number>()
    for (const [asset, list] of byAsset) {
      const sorted = [...list].sort((a, b) => a - b)
      prices.set(asset, sorted[Math.floor(sorted.length / 2)] as number)
    }
    out.set(chain, prices)
  }
  return out
}

/** A reference price of `riskAsset` on `chain`, else on any chain; USD is always 1. */
export function priceOf(prices: ReferencePrices, chain: string, riskAsset: string): number | undefined {
  if (riskAsset === 'USD') return 1
  const local = prices.get(chain)?.get(riskAsset)
  if (local !== undefined) return local
  for (const byAsset of prices.values()) {
    const p = byAsset.get(riskAsset)
    if (p !== undefined) return p
  }
  return undefined
}

/**
 * One leg as a contribution. `sign` is +1 for collateral and longs, -1 for debt and shorts.
 * The units come from the chain amount through the graph (exact); when a wrapper's rate is
 * missing, from the leg's USD value at the reference price of its risk asset (flagged).
 */
export function legContribution(
  layer: string,
  chain: string,
  leg: Leg,
  source: ContributionSource,
  sign: 1 | -1,
  ctx: ResolveContext,
  prices: ReferencePrices,
): Contribution {
  const token = leg.asset.address
  const symbol = leg.asset.symbol
  const usd = sign * leg.usd
  // Each result is written out as one object literal: spreading a shared base object into a
  // literal with further properties takes V8's slow path (about 10 µs per object, measured on the
  // devchain market's 957 legs), and this runs for every leg of every borrower of a market.
  let r: Resolution
  try {
    r = resolve(tokenInput(chain, leg), leg.amount, ctx)
  } catch (err) {
    if (!(err instanceof RateUnavailableError)) throw err
    const { riskAsset, flags } = riskAssetOf(ctx.graph, tokenInput(chain, leg))
    const price = priceOf(prices, chain, riskAsset)
    if (price !== undefined && price > 0) {
      const units = leg.usd / price
      return {
        layer,
        source,
        symbol,
        token,
        usd,
        riskAsset,
        units: sign * units,
        units18: null,
        path: [leg.asset.symbol, riskAsset],
        issuers: [],
        flags: { ...flags, rateFromPrice: true },
      }
    }
    return {
      layer,
      source,
      symbol,
      token,
      usd,
      riskAsset: leg.asset.symbol,
      units: (sign * Number(leg.amount)) / 10 ** leg.asset.decimals,
      units18: BigInt(sign) * ((leg.amount * 10n ** 18n) / 10n ** BigInt(leg.asset.decimals)),
      path: [leg.asset.symbol],
      issuers: [],
      flags: { rateUnavailable: true },
    }
  }
  const flags: ContributionFlags = { ...r.flags }
  let riskAsset = r.riskAsset
  // Off-chain venues name their markets by symbol: an unlisted symbol is a risk asset, not unknown.
  if (flags.unknown && OFFCHAIN_CHAINS.includes(chain)) {
    delete flags.unknown
    riskAsset = leg.asset.symbol.toUpperCase()
  }
  const issuers: Contribution['issuers'] = []
  for (const step of r.path) {
    const node = ctx.graph.nodes.get(step.key)
    if (node?.kind === 'wrapper' && node.issuer) issuers.push({ ...node.issuer, symbol: node.symbol })
  }
  return {
    layer,
    source,
    symbol,
    token,
    usd,
    riskAsset,
    units: (sign * Number(r.units)) / WAD_FLOAT,
    units18: BigInt(sign) * r.units,
    path: r.path.map((s) => s.symbol),
    issuers,
    flags,
  }
}

/**
 * Every contribution of one position. Lending: collateral +, debt -. Perp: the long/short leg
 * (+/- units of the index), the collateral deposit (its own token), and a USD `financing`
 * amount so the position's contributions sum to its equity (`collateralUsd` of a perp position):
 * a long perp is units of the asset bought with borrowed USD. A perp without a collateral leg
 * (Hyperliquid, manual legs) holds its equity as USD `margin`.
 */
export function positionContributions(
  id: string,
  position: Position,
  ctx: ResolveContext,
  prices: ReferencePrices,
): Contribution[] {
  const out: Contribution[] = []
  for (const leg of position.legs) {
    const sign = leg.side === 'debt' || leg.side === 'short' ? -1 : 1
    out.push(legContribution(id, position.chain, leg, leg.side, sign, ctx, prices))
  }
  if (position.kind !== 'perp') return out
  const synthetic = (source: ContributionSource, usd: number): Contribution => ({
    layer: id,
    source,
    symbol: 'USD',
    token: null,
    riskAsset: 'USD',
    units: usd,
    units18: null,
    usd,
    path: ['USD'],
    issuers: [],
    flags: {},
  })
  if (!position.legs.some((l) => l.side === 'collateral'))
    out.push(synthetic('margin', position.collateralUsd))
  const sum = out.reduce((a, c) => a + c.usd, 0)
  out.push(synthetic('financing', position.collateralUsd - sum))
  return out
}

/**
 * An option leg's contributions: its delta in the underlying, and USD financing so the leg sums
 * to its value (0 when the value is unknown: then the delta's USD is financed in full).
 */
export function optionContributions(
  option: OptionDeltaInput,
  ctx: ResolveContext,
  prices: ReferencePrices,
): Contribution[] {
  const symbol = option.underlying.toUpperCase()
  const { riskAsset, flags } = riskAssetOf(ctx.graph, { chain: 'offchain', symbol })
  const asset = flags.unknown ? symbol : riskAsset
  const price = priceOf(prices, 'offchain', asset)
  const deltaUsd = option.deltaUsd ?? (price === undefined ? null : option.delta * price)
  const out: Contribution[] = [
    {
      layer: option.id,
      source: 'option-delta',
      symbol,
      token: null,
      riskAsset: asset,
      units: option.delta,
      units18: null,
      usd: deltaUsd ?? 0,
      path: [symbol],
      issuers: [],
      flags: deltaUsd === null ? { rateUnavailable: true } : {},
    },
  ]
  const financing = (option.valueUsd ?? 0) - (deltaUsd ?? 0)
  out.push({
    layer: option.id,
    source: 'financing',
    symbol: 'USD',
    token: null,
    riskAsset: 'USD',
    units: financing,
    units18: null,
    usd: financing,
    path: ['USD'],
    issuers: [],
    flags: {},
  })
  return out
}
