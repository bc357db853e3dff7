/**
 * What the resolver needs per chain: the asset graph (the devchain's bound from its manifest),
 * the rate reads that go into each chain's pinned batch, and the resolve contexts built from what
 * one request read.
 */
import {
  type AssetGraph,
  defaultAssetGraph,
  localAssetGraph,
  type RateCall,
  rateCalls,
  rateSourceFromReads,
  staticRates,
  withPendlePts,
} from '../assets/index.js'
import type { ResolveContext } from '../assets/resolve.js'
import type { StacklensConfig } from '../config.js'
import { localPendlePts } from '../devchain/manifest.js'
import type { WalletChainReport } from '../protocols/read-wallet.js'

/** The wrapper rates (and Pendle PT reads) one chain was read with, and the time of that block. */
export type RatesAtBlock = Pick<WalletChainReport, 'chain' | 'timestamp' | 'rates'>

/** The asset graphs and rate calls of a configuration, built once per app. */
export interface AssetContexts {
  /** The graph a chain's tokens resolve through. */
  graphFor(chain: string): AssetGraph
  /** The rate reads to add to `chain`'s wallet batch. */
  rateCallsFor(chain: string): RateCall[]
  /** Resolve contexts from one request's reads (rates and time of each chain's pinned block). */
  contextsFrom(reads: readonly RatesAtBlock[]): {
    contexts: Record<string, ResolveContext>
    fallback: ResolveContext
  }
}

/** Builds the {@link AssetContexts} of a configuration. */
export function createAssetContexts(config: StacklensConfig): AssetContexts {
  // Pendle PTs of the devchain manifest and of the config file join the default registry (a
  // config entry replaces the manifest's for the same PT).
  const base = withPendlePts(defaultAssetGraph(), [
    ...(config.localManifest?.pendle ? localPendlePts(config.localManifest.pendle) : []),
    ...(config.pendlePts ?? []),
  ])
  const manifest = config.localManifest
  const local = manifest
    ? localAssetGraph(
        [
          ...manifest.tokens.map((t) => ({
            symbol: t.symbol,
            address: t.address,
            decimals: t.decimals,
            ...(t.aToken ? { aToken: t.aToken } : {}),
          })),
          // ERC-4626 vaults: binding the share's address gives its node the on-chain rate read.
          ...(manifest.vaults ?? []).map((v) => ({
            symbol: v.symbol,
            address: v.address,
            decimals: v.decimals,
          })),
        ],
        manifest.aaveV3.marketId,
        base,
      )
    : base
  const graphFor = (chain: string) => (chain === 'local' ? local : base)
  const calls = new Map<string, RateCall[]>()
  return {
    graphFor,
    rateCallsFor(chain) {
      let list = calls.get(chain)
      if (!list) {
        list = rateCalls(graphFor(chain), chain)
        calls.set(chain, list)
      }
      return list
    },
    contextsFrom(reads) {
      const contexts: Record<string, ResolveContext> = {}
      let latest = 0n
      for (const r of reads) {
        contexts[r.chain] = {
          graph: graphFor(r.chain),
          // Wrapper rates by asset key, Pendle PT yields and prices under their own keys.
          rates: rateSourceFromReads(r.rates),
          now: r.timestamp,
        }
        if (r.timestamp > latest) latest = r.timestamp
      }
      const now = latest > 0n ? latest : BigInt(Math.floor(Date.now() / 1000))
      return { contexts, fallback: { graph: base, rates: staticRates({}), now } }
    },
  }
}
