import type { AssetNode, TokenRef, UnknownNode } from './types.js'

/**
 * The key of a token in the graph and in a {@link RateSource}: `chain:address` (lower case) when
 * the address is known, else `chain:symbol:SYMBOL` (symbol as given).
 */
export function assetKey(ref: TokenRef): string {
  if (ref.address) return `${ref.chain}:${ref.address.toLowerCase()}`
  if (ref.symbol !== undefined) return `${ref.chain}:symbol:${ref.symbol}`
  throw new RangeError(`assetKey: a token on "${ref.chain}" needs an address or a symbol`)
}

/** The symbol-only key of a ref, or undefined when it has no symbol. */
function symbolKey(ref: TokenRef): string | undefined {
  return ref.symbol === undefined ? undefined : `${ref.chain}:symbol:${ref.symbol}`
}

/** An immutable set of graph nodes, looked up by address or, for address-less entries, symbol. */
export interface AssetGraph {
  /** Every node by {@link assetKey}. */
  readonly nodes: ReadonlyMap<string, AssetNode>
}

/**
 * Builds a graph from nodes. Addresses are lower-cased. A later node with the same key replaces
 * an earlier one, so a per-request list can override a default registry:
 * `createAssetGraph([...ETHEREUM_ASSETS, ...overrides])`.
 */
export function createAssetGraph(nodes: Iterable<AssetNode>): AssetGraph {
  const map = new Map<string, AssetNode>()
  for (const node of nodes) {
    const normal = { ...node, address: node.address === null ? null : node.address.toLowerCase() }
    map.set(assetKey(normal), normal)
  }
  return { nodes: map }
}

/**
 * The node of a token, or undefined. By address first; when the address is not in the graph
 * (or not given) by symbol, but only among entries registered WITHOUT an address, so a lookalike
 * symbol never borrows a real token's rules.
 */
export function findNode(graph: AssetGraph, ref: TokenRef): AssetNode | undefined {
  if (ref.address) {
    const byAddress = graph.nodes.get(assetKey({ chain: ref.chain, address: ref.address }))
    if (byAddress) return byAddress
  }
  const key = symbolKey(ref)
  return key === undefined ? undefined : graph.nodes.get(key)
}

/**
 * The node of a token, or a fresh {@link UnknownNode} standing for it (its own risk asset, named
 * by its symbol, else its lower-case address).
 */
export function nodeOf(graph: AssetGraph, ref: TokenRef, decimals = 18): AssetNode {
  const found = findNode(graph, ref)
  if (found) return found
  const unknown: UnknownNode = {
    kind: 'unknown',
    chain: ref.chain,
    address: ref.address ? ref.address.toLowerCase() : null,
    symbol: ref.symbol ?? ref.address?.toLowerCase() ?? '?',
    decimals,
  }
  return unknown
}

/**
 * Gives address-less (symbol-keyed) nodes of `chain` the addresses in `addresses` (symbol ->
 * address), e.g. from the devchain manifest once it is deployed, and points their inner and
 * underlying refs at the same addresses. Nodes of other chains or symbols are kept as they are.
 */
export function bindAddresses(
  graph: AssetGraph,
  chain: string,
  addresses: Readonly<Record<string, string>>,
): AssetGraph {
  const bindRef = (ref: TokenRef): TokenRef => {
    if (ref.chain !== chain || ref.address || ref.symbol === undefined) return ref
    const address = addresses[ref.symbol]
    return address === undefined ? ref : { ...ref, address: address.toLowerCase() }
  }
  const out: AssetNode[] = []
  for (const node of graph.nodes.values()) {
    let next: AssetNode = node
    if (node.chain === chain && node.address === null) {
      const address = addresses[node.symbol]
      if (address !== undefined) next = { ...next, address: address.toLowerCase() }
    }
    if (next.kind === 'wrapper') next = { ...next, inner: bindRef(next.inner) }
    if (next.kind === 'pt') next = { ...next, underlying: bindRef(next.underlying) }
    out.push(next)
  }
  return createAssetGraph(out)
}
