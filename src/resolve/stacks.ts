/**
 * Links between layers (a debt of one that shows up as collateral, margin or a receipt token of
 * another) and the stacks they form. Pure.
 */

import type { Address } from '../core/address.js'
import { grossOf, netOf } from './layers.js'
import type { Contribution, Layer, Link, LinkVia, Stack } from './types.js'

const FUNDED_SOURCES = new Set(['collateral', 'margin', 'long'])

/**
 * How debt `d` (of one layer) relates to funded amount `c` (of another), or undefined:
 * the same token; a wrapper of it (its path passes through the borrowed token: a receipt when
 * one of the wrappers has an issuer); or only the same risk asset (a swap or bridge between).
 */
export function linkVia(d: Contribution, c: Contribution): LinkVia | undefined {
  if (d.riskAsset !== c.riskAsset) return undefined
  if (d.token !== null && c.token !== null && d.token.toLowerCase() === c.token.toLowerCase())
    return 'same-token'
  const debtSymbol = d.path[0]
  const at = debtSymbol === undefined ? -1 : c.path.indexOf(debtSymbol, 1)
  if (at > 0 && d.path.length === c.path.length - at) return c.issuers.length > 0 ? 'receipt' : 'wrapped'
  return 'same-risk-asset'
}

/**
 * Every link: for each debt contribution of layer A and each collateral/margin/long contribution
 * of another layer B with the same risk asset, A -> B with the strongest relation found and
 * `usd = min(|debt usd|, collateral usd)`. A perp's long leg is never a funded amount (it is
 * bought with the perp's own financing); borrowed funds reach a perp as its collateral or margin.
 */
export function findLinks(contributions: readonly Contribution[]): Link[] {
  const rank: Record<LinkVia, number> = { 'same-token': 3, receipt: 2, wrapped: 1, 'same-risk-asset': 0 }
  const best = new Map<string, Link>()
  const debts = contributions.filter((c) => c.source === 'debt' && c.usd < 0)
  const funded = contributions.filter((c) => FUNDED_SOURCES.has(c.source) && c.usd > 0)
  for (const d of debts) {
    for (const c of funded) {
      if (c.layer === d.layer) continue
      if (c.source === 'long') continue
      const via = linkVia(d, c)
      if (via === undefined) continue
      const link: Link = {
        from: d.layer,
        to: c.layer,
        relation: 'funds',
        riskAsset: d.riskAsset,
        via,
        debtSymbol: d.symbol,
        collateralSymbol: c.symbol,
        usd: Math.min(-d.usd, c.usd),
      }
      const key = `${d.layer}\u0000${c.layer}`
      const prior = best.get(key)
      if (!prior || rank[via] > rank[prior.via] || (rank[via] === rank[prior.via] && link.usd > prior.usd))
        best.set(key, link)
    }
  }
  return [...best.values()]
}

/**
 * Receipt links: a layer holding a receipt token (an aToken) as collateral is stacked on the
 * layer of the wallet's own position in the issuing market, when there is one (on the same chain):
 * issuer -> holder, `via: 'receipt'`, `debtSymbol` naming the receipt token. A receipt whose
 * issuer has no layer here still makes the holder's stack span the issuing protocol.
 */
export function receiptLinks(layers: readonly Layer[], contributions: readonly Contribution[]): Link[] {
  const out: Link[] = []
  for (const c of contributions) {
    if (c.source !== 'collateral' || c.usd <= 0) continue
    const holder = layers.find((l) => l.id === c.layer)
    if (!holder) continue
    for (const issuer of c.issuers) {
      const own = layers.find(
        (l) =>
          l.id !== holder.id &&
          l.chain === holder.chain &&
          issuer.market !== undefined &&
          l.market === issuer.market,
      )
      if (!own || out.some((x) => x.from === own.id && x.to === holder.id)) continue
      out.push({
        from: own.id,
        to: holder.id,
        relation: 'issues',
        riskAsset: c.riskAsset,
        via: 'receipt',
        debtSymbol: issuer.symbol,
        collateralSymbol: c.symbol,
        usd: c.usd,
      })
    }
  }
  return out
}

/**
 * Orders layers so that every layer comes after the layers funding it (Kahn's algorithm); layers
 * on a funding cycle keep their input order after the rest.
 */
export function fundingOrder(ids: readonly string[], links: readonly Link[]): string[] {
  const incoming = new Map(ids.map((id) => [id, 0]))
  for (const l of links) incoming.set(l.to, (incoming.get(l.to) ?? 0) + 1)
  const out: string[] = []
  const done = new Set<string>()
  let progressed = true
  while (progressed) {
    progressed = false
    for (const id of ids) {
      if (done.has(id) || (incoming.get(id) ?? 0) > 0) continue
      out.push(id)
      done.add(id)
      progressed = true
      for (const l of links) if (l.from === id) incoming.set(l.to, (incoming.get(l.to) ?? 0) - 1)
    }
  }
  for (const id of ids) if (!done.has(id)) out.push(id)
  return out
}

/** Connected components of layers under links (undirected), each in input order. */
function components(layers: readonly Layer[], links: readonly Link[]): string[][] {
  const parent = new Map(layers.map((l) => [l.id, l.id]))
  const find = (x: string): string => {
    let r = x
    while (parent.get(r) !== r) r = parent.get(r) as string
    parent.set(x, r)
    return r
  }
  for (const l of links) parent.set(find(l.from), find(l.to))
  const groups = new Map<string, string[]>()
  for (const l of layers) {
    const root = find(l.id)
    const g = groups.get(root) ?? []
    g.push(l.id)
    groups.set(root, g)
  }
  return [...groups.values()]
}

function fmtUsd(usd: number): string {
  return `$${Math.round(usd).toLocaleString('en-US')}`
}

/**
 * A one-line reading of a stack, funding layers first, e.g. "carry-loop on aave-v3 ... =>
 * [WETH borrowed on aave-v3 -> WETH] directional-loop on morpho-blue WETH/USDC 86.0% ...".
 */
function summarize(
  order: readonly string[],
  byId: ReadonlyMap<string, Layer>,
  links: readonly Link[],
): string {
  const parts: string[] = []
  for (const id of order) {
    const layer = byId.get(id) as Layer
    const incoming = links.filter((l) => l.to === id)
    const what =
      layer.kind === 'perp'
        ? `${layer.structure === 'perp-short' ? 'short' : 'long'} perp on ${layer.label} (${(layer.nominalLeverage ?? 0).toFixed(1)}x)`
        : `${layer.structure} on ${layer.label} (${fmtUsd(layer.collateralUsd)} collateral, ${fmtUsd(layer.debtUsd)} debt)`
    const sources = incoming.map((l) =>
      l.relation === 'issues'
        ? `${l.debtSymbol} receipt of ${byId.get(l.from)?.label}`
        : `${l.debtSymbol} borrowed on ${byId.get(l.from)?.label} -> ${l.collateralSymbol}`,
    )
    for (const r of layer.receipts) {
      if (!incoming.some((l) => l.relation === 'issues' && l.debtSymbol === r.symbol))
        sources.push(`${r.symbol} receipt of ${r.market ?? r.protocol}`)
    }
    parts.push(sources.length > 0 ? `[${sources.join('; ')}] ${what}` : what)
  }
  return parts.join(' => ')
}

/**
 * Groups layers into stacks. Every layer belongs to exactly one stack; a stack of one lending
 * layer is still a stack (a loop inside one position). Stacks by descending gross exposure.
 */
export function buildStacks(
  layers: readonly Layer[],
  contributions: readonly Contribution[],
  links: readonly Link[],
): Stack[] {
  const byId = new Map(layers.map((l) => [l.id, l]))
  const stacks = components(layers, links).map((ids) => {
    const members = new Set(ids)
    const own = links.filter((l) => members.has(l.from) && members.has(l.to))
    const order = fundingOrder(ids, own)
    const net = netOf(contributions.filter((c) => members.has(c.layer)))
    const equityUsd = net.reduce((a, e) => a + e.usd, 0)
    const grossExposureUsd = grossOf(net)
    const protocols = new Set<string>()
    const chains = new Set<string>()
    const accounts = new Map<string, Address>()
    let product: number | null = 1
    for (const id of order) {
      const layer = byId.get(id) as Layer
      if (layer.kind !== 'option') protocols.add(layer.protocol)
      chains.add(layer.chain)
      if (layer.account) accounts.set(layer.account.toLowerCase(), layer.account)
      for (const r of layer.receipts) protocols.add(r.protocol)
      if (layer.kind === 'option') continue
      product = product === null || layer.nominalLeverage === null ? null : product * layer.nominalLeverage
    }
    const stack: Stack = {
      id: '',
      layers: order,
      unwindOrder: [...order].reverse(),
      protocols: [...protocols],
      chains: [...chains],
      ...(accounts.size > 0 ? { accounts: [...accounts.values()] } : {}),
      crossProtocol: protocols.size > 1,
      structures: order.map((id) => (byId.get(id) as Layer).structure),
      links: own,
      equityUsd,
      grossExposureUsd,
      compoundedLeverage: equityUsd > 0 ? grossExposureUsd / equityUsd : null,
      nominalLeverageProduct: product,
      netExposure: net,
      summary: summarize(order, byId, own),
    }
    return stack
  })
  stacks.sort(
    (a, b) => b.grossExposureUsd - a.grossExposureUsd || (a.layers[0] ?? '').localeCompare(b.layers[0] ?? ''),
  )
  stacks.forEach((s, i) => {
    s.id = `stack-${i + 1}`
  })
  return stacks
}
