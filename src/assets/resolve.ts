import { WAD } from '../core/math.js'
import { InvalidAssetInputError, RateUnavailableError } from './errors.js'
import { type AssetGraph, assetKey, nodeOf } from './graph.js'
import { ptDiscountWadDown } from './pendle.js'
import type {
  AssetNode,
  PathStep,
  RateSource,
  Resolution,
  ResolveFlags,
  TokenInput,
  TokenRef,
} from './types.js'

/** Default {@link ResolveContext.maxDepth}: wrapper/PT steps walked before giving up. */
export const DEFAULT_MAX_DEPTH = 8

/** Everything {@link resolve} reads besides the token and amount. */
export interface ResolveContext {
  /** The asset graph (see `defaultAssetGraph`). */
  graph: AssetGraph
  /** Injected rates, pegs and implied yields (fixtures, or one pinned chain batch). */
  rates: RateSource
  /** Valuation time, unix seconds (the pinned block's timestamp); used by PT discounting. */
  now: bigint
  /** Wrapper/PT steps allowed before the walk stops flagged `depthLimited`. Default 8. */
  maxDepth?: number
}

/**
 * Expresses `amount` of `token` in its risk asset by walking the graph: each wrapper multiplies
 * by its exchange rate and its own peg factor, each PT by its discount `1/(1+y)^t` and its peg,
 * until a risk node (x its peg) or an unknown token.
 *
 * `units = floor(amount * 1e18 / 10^decimals * prod(rate_i / 1e18 * peg_i / 1e18))`: the exact
 * product, rounded down once (the PT discount factor itself is rounded down to WAD first).
 *
 * Never throws and never drops for a graph problem: an unknown token is its own risk asset
 * (`flags.unknown`); a walk that comes back to a node it visited stops there, that node standing
 * as its own risk asset (`flags.cycle`); a walk longer than `maxDepth` steps stops at the node
 * reached (`flags.depthLimited`). The last path step is always the node that stands as the risk
 * asset.
 *
 * @param token The token and the decimals of `amount`.
 * @param amount Raw token units (10^decimals per token), >= 0.
 * @throws RateUnavailableError when a `read` wrapper's rate, or an unmatured PT's price and
 *   implied yield, are missing from `ctx.rates` (never valued at zero instead). A matured PT is
 *   1:1 without any read.
 * @throws InvalidAssetInputError on a negative amount, rate, peg or decimals.
 */
export function resolve(token: TokenInput, amount: bigint, ctx: ResolveContext): Resolution {
  const maxDepth = ctx.maxDepth ?? DEFAULT_MAX_DEPTH
  let node = nodeOf(ctx.graph, token, token.decimals)
  if (amount < 0n) throw new InvalidAssetInputError(`negative amount ${amount}`, assetKey(node))
  if (!Number.isInteger(token.decimals) || token.decimals < 0)
    throw new InvalidAssetInputError(`invalid decimals ${token.decimals}`, assetKey(node))

  // The exact value, in 18-decimal units of the current node, is num / den.
  let num = amount * WAD
  let den = 10n ** BigInt(token.decimals)
  const path: PathStep[] = []
  const flags: ResolveFlags = {}
  const visited = new Set<string>()

  for (let depth = 0; ; depth += 1) {
    const key = assetKey(node)
    visited.add(key)
    if (node.kind === 'risk') return finish(num, den, path, flags, node, key, pegOf(node, key, ctx.rates))
    if (node.kind === 'unknown') {
      flags.unknown = true
      return finish(num, den, path, flags, node, key, WAD)
    }
    if (depth >= maxDepth) {
      flags.depthLimited = true
      return finish(num, den, path, flags, node, key, WAD)
    }

    const pegWad = pegOf(node, key, ctx.rates)
    let step: PathStep
    let next: AssetNode
    if (node.kind === 'wrapper') {
      const rateWad = rateOf(node, key, ctx.rates)
      num *= rateWad * pegWad
      den *= WAD * WAD
      step = {
        key,
        symbol: node.symbol,
        kind: 'wrapper',
        wrapper: node.wrapper,
        rateWad,
        pegWad,
        units: num / den,
      }
      next = nodeOf(ctx.graph, node.inner)
    } else {
      const secondsToMaturity = node.maturity > ctx.now ? node.maturity - ctx.now : 0n
      // Matured: redeemable 1:1, nothing to read. Else a price read as is, or the discount of an
      // implied yield.
      let rateWad = WAD
      let impliedYieldWad: bigint | undefined
      if (secondsToMaturity > 0n) {
        const price = ctx.rates.ptRate?.(key)
        if (price !== undefined) {
          if (price < 0n)
            throw new InvalidAssetInputError(`negative PT price ${price} for ${node.symbol}`, key)
          rateWad = price
        } else {
          impliedYieldWad = ctx.rates.impliedYield?.(key)
          if (impliedYieldWad === undefined)
            throw new RateUnavailableError('implied yield', key, node.symbol, node.chain)
          if (impliedYieldWad < 0n)
            throw new InvalidAssetInputError(
              `negative implied yield ${impliedYieldWad} for ${node.symbol}`,
              key,
            )
          rateWad = ptDiscountWadDown(impliedYieldWad, secondsToMaturity)
        }
      }
      num *= rateWad * pegWad
      den *= WAD * WAD
      step = {
        key,
        symbol: node.symbol,
        kind: 'pt',
        rateWad,
        pegWad,
        ...(impliedYieldWad === undefined ? {} : { impliedYieldWad }),
        secondsToMaturity,
        units: num / den,
      }
      next = nodeOf(ctx.graph, node.underlying)
    }
    path.push(step)
    const nextKey = assetKey(next)
    if (visited.has(nextKey)) {
      flags.cycle = true
      return finish(num, den, path, flags, next, nextKey, WAD)
    }
    node = next
  }
}

/**
 * The walk's last step: `stand` (key `key`) stands as the risk asset, times its peg; the value
 * num / den (18-decimal units of `stand`) is rounded down once. A module-level function, not a
 * closure per call: {@link resolve} runs for every leg of every borrower of a market.
 */
function finish(
  num: bigint,
  den: bigint,
  path: PathStep[],
  flags: ResolveFlags,
  stand: AssetNode,
  key: string,
  pegWad: bigint,
): Resolution {
  const units = (num * pegWad) / (den * WAD)
  path.push({ key, symbol: stand.symbol, kind: stand.kind, rateWad: WAD, pegWad, units })
  const riskAsset = stand.kind === 'risk' ? stand.riskAsset : stand.symbol
  return { riskAsset, units, rounding: 'down', path, flags }
}

/** The node's peg: the injected override, else its own, else 1e18. */
function pegOf(node: AssetNode, key: string, rates: RateSource): bigint {
  const own = node.kind === 'unknown' ? undefined : node.pegWad
  const peg = rates.peg?.(key) ?? own ?? WAD
  if (peg < 0n) throw new InvalidAssetInputError(`negative peg ${peg} for ${node.symbol}`, key)
  return peg
}

/** A wrapper's exchange rate, WAD: fixed, or injected. */
function rateOf(node: AssetNode & { kind: 'wrapper' }, key: string, rates: RateSource): bigint {
  const rate = node.rate.kind === 'fixed' ? node.rate.rateWad : rates.rate(key)
  if (rate === undefined) throw new RateUnavailableError('rate', key, node.symbol, node.chain)
  if (rate < 0n) throw new InvalidAssetInputError(`negative rate ${rate} for ${node.symbol}`, key)
  return rate
}

/**
 * The risk asset a token ends in, walking the graph without any rate (for valuing a token whose
 * rate is missing at a price instead). Same cycle, depth and unknown rules as {@link resolve}.
 */
export function riskAssetOf(
  graph: AssetGraph,
  token: TokenRef,
  maxDepth = DEFAULT_MAX_DEPTH,
): { riskAsset: string; flags: ResolveFlags } {
  let node = nodeOf(graph, token)
  const visited = new Set<string>()
  for (let depth = 0; ; depth += 1) {
    visited.add(assetKey(node))
    if (node.kind === 'risk') return { riskAsset: node.riskAsset, flags: {} }
    if (node.kind === 'unknown') return { riskAsset: node.symbol, flags: { unknown: true } }
    if (depth >= maxDepth) return { riskAsset: node.symbol, flags: { depthLimited: true } }
    const next = nodeOf(graph, node.kind === 'wrapper' ? node.inner : node.underlying)
    if (visited.has(assetKey(next))) return { riskAsset: next.symbol, flags: { cycle: true } }
    node = next
  }
}
