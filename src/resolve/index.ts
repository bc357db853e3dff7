/**
 * The recursive-leverage resolver: a wallet's positions (every protocol, every chain, manual
 * legs) -> contributions per risk asset through the asset graph -> layers, links, stacks, net
 * exposure, effective leverage and beta. Pure: rates and prices come in through the input.
 *
 * The model (README "How stacklens resolves leverage"):
 * - every leg becomes signed units of its risk asset (collateral and longs +, debt and shorts -),
 *   valued at the protocol's own USD price; a perp adds the USD it is financed with, so each
 *   layer sums to its equity and the wallet's net USD values sum to the wallet's equity;
 * - equity = sum of net USD; gross exposure = sum of |net USD| over non-USD risk assets;
 *   effective leverage = gross / equity;
 * - beta to ETH (BTC) = sum of net USD x beta of the asset / equity.
 */
import { defaultBeta } from '../risk/defaults.js'
import { identify, optionContributions, positionContributions, referencePrices } from './contributions.js'
import { grossOf, netOf, optionLayer, positionLayer } from './layers.js'
import { buildStacks, findLinks, receiptLinks } from './stacks.js'
import type {
  Contribution,
  Exposure,
  ExposureInput,
  Layer,
  NetExposure,
  UnresolvedLayer,
  WalletBeta,
} from './types.js'

export * from './contributions.js'
export * from './layers.js'
export * from './stacks.js'
export * from './types.js'

/**
 * Resolves a wallet's positions into its exposure, layers and stacks.
 *
 * @throws only on a bug (a negative amount from an adapter); missing rates and unknown tokens
 *   are flagged in `contributions` and `warnings`, unavailable positions listed in `unresolved`.
 */
export function resolveExposure(input: ExposureInput): Exposure {
  const ok = input.positions.filter((p) => p.status === 'ok')
  const unresolved: UnresolvedLayer[] = input.positions
    .filter((p) => p.status !== 'ok')
    .map((p) => ({ protocol: p.protocol, market: p.market, chain: p.chain, code: p.code, reason: p.reason }))
  const identified = identify(ok)
  const prices = referencePrices(identified, input.contexts, input.fallback)
  const contributions: Contribution[] = []
  const layers: Layer[] = []
  for (const { id, position } of identified) {
    const ctx = input.contexts[position.chain] ?? input.fallback
    const mine = positionContributions(id, position, ctx, prices)
    contributions.push(...mine)
    layers.push(positionLayer(id, position, mine))
  }
  for (const option of input.options ?? []) {
    const mine = optionContributions(option, input.fallback, prices)
    contributions.push(...mine)
    layers.push(optionLayer(option, mine))
  }
  const links = [...findLinks(contributions), ...receiptLinks(layers, contributions)]
  const stacks = buildStacks(layers, contributions, links)
  const netExposure = netOf(contributions)
  const equityUsd = netExposure.reduce((a, e) => a + e.usd, 0)
  const grossExposureUsd = grossOf(netExposure)
  const beta = walletBeta(netExposure, equityUsd, input.betas)
  return {
    equityUsd,
    grossExposureUsd,
    effectiveLeverage: equityUsd > 0 ? grossExposureUsd / equityUsd : null,
    netExposure,
    beta,
    layers,
    stacks,
    contributions,
    unresolved,
    warnings: warningsOf(contributions, beta, unresolved, equityUsd),
  }
}

/** The wallet's dollar beta and beta to ETH and BTC, with the table used. */
export function walletBeta(
  net: readonly NetExposure[],
  equityUsd: number,
  overrides: ExposureInput['betas'] = {},
): WalletBeta {
  const table: WalletBeta['table'] = {}
  let dollarEth = 0
  let dollarBtc = 0
  for (const e of net) {
    const given = overrides[e.riskAsset] ?? overrides[e.riskAsset.toUpperCase()]
    const fallback = defaultBeta(e.riskAsset)
    const beta = given ?? fallback.beta
    table[e.riskAsset] = { ...beta, source: given ? 'request' : fallback.assumed ? 'assumed' : 'default' }
    dollarEth += e.usd * beta.ETH
    dollarBtc += e.usd * beta.BTC
  }
  return {
    ETH: equityUsd > 0 ? dollarEth / equityUsd : null,
    BTC: equityUsd > 0 ? dollarBtc / equityUsd : null,
    dollarEth,
    dollarBtc,
    table,
  }
}

function warningsOf(
  contributions: readonly Contribution[],
  beta: WalletBeta,
  unresolved: readonly UnresolvedLayer[],
  equityUsd: number,
): string[] {
  const out = new Set<string>()
  for (const c of contributions) {
    if (c.flags.unknown)
      out.add(
        `${c.symbol} (${c.token ?? 'no address'}) is not in the asset graph: counted as its own risk asset`,
      )
    if (c.flags.rateFromPrice)
      out.add(
        `${c.symbol}: no on-chain rate here; units derived from the protocol's price of ${c.symbol} vs ${c.riskAsset}`,
      )
    if (c.flags.rateUnavailable)
      out.add(`${c.symbol}: neither a rate nor a price of its risk asset; counted as its own risk asset`)
    if (c.flags.cycle) out.add(`${c.symbol}: the asset graph loops; stopped at ${c.path.at(-1)}`)
    if (c.flags.depthLimited)
      out.add(`${c.symbol}: the asset graph is deeper than the limit; stopped at ${c.path.at(-1)}`)
  }
  for (const [asset, b] of Object.entries(beta.table))
    if (b.source === 'assumed')
      out.add(`beta of ${asset} assumed (not in the default table); override it per request`)
  for (const u of unresolved)
    out.add(`${u.protocol} ${u.market} on ${u.chain} could not be read (${u.code}): not counted`)
  if (equityUsd <= 0) out.add('equity is <= 0: leverage and beta are undefined')
  return [...out]
}
