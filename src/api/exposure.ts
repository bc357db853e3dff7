/**
 * The shell around the resolver for the API and CLI: the asset graph per chain (the devchain's
 * bound from its manifest), the rate reads that go into each chain's pinned batch, the resolve
 * contexts built from the reports, and the `betas` query parameter.
 */
import {
  type AssetGraph,
  defaultAssetGraph,
  localAssetGraph,
  type RateCall,
  rateCalls,
  staticRates,
} from '../assets/index.js'
import type { ResolveContext } from '../assets/resolve.js'
import type { StacklensConfig } from '../chains/config.js'
import { BaseError } from '../core/errors.js'
import type { PositionResult } from '../core/types.js'
import type { WalletChainReport } from '../protocols/read-wallet.js'
import { type Exposure, identify } from '../resolve/index.js'
import { planUnwind, type UnwindPlan, type UnwindTarget } from '../resolve/unwind.js'
import type { BetaTable } from '../risk/defaults.js'

/** The asset graphs and rate calls of a configuration, built once per app. */
export interface AssetContexts {
  /** The graph a chain's tokens resolve through. */
  graphFor(chain: string): AssetGraph
  /** The rate reads to add to `chain`'s wallet batch. */
  rateCallsFor(chain: string): RateCall[]
  /** Resolve contexts from one request's reports (rates and time of each chain's pinned block). */
  contextsFrom(reports: readonly WalletChainReport[]): {
    contexts: Record<string, ResolveContext>
    fallback: ResolveContext
  }
}

/** Builds the {@link AssetContexts} of a configuration. */
export function createAssetContexts(config: StacklensConfig): AssetContexts {
  const base = defaultAssetGraph()
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
    contextsFrom(reports) {
      const contexts: Record<string, ResolveContext> = {}
      let latest = 0n
      for (const r of reports) {
        contexts[r.chain] = {
          graph: graphFor(r.chain),
          rates: staticRates({ rates: r.rates }),
          now: r.timestamp,
        }
        if (r.timestamp > latest) latest = r.timestamp
      }
      const now = latest > 0n ? latest : BigInt(Math.floor(Date.now() / 1000))
      return { contexts, fallback: { graph: base, rates: staticRates({}), now } }
    },
  }
}

const BETA_ITEM = /^([A-Za-z0-9._-]{1,32}):(-?\d+(?:\.\d+)?):(-?\d+(?:\.\d+)?)$/

/**
 * Parses `betas=LINK:1.2:0.9,SOL:1.4:1.1` (risk asset : beta to ETH : beta to BTC).
 * @throws BaseError INVALID_REQUEST naming the bad item.
 */
export function parseBetas(value: string | undefined): BetaTable {
  if (value === undefined || value === '') return {}
  const out: Record<string, { ETH: number; BTC: number }> = {}
  const items = value.split(',')
  if (items.length > 50) throw new BaseError('INVALID_REQUEST', 'betas: at most 50 entries')
  for (const item of items) {
    const m = BETA_ITEM.exec(item.trim())
    if (!m) {
      throw new BaseError(
        'INVALID_REQUEST',
        `betas: "${item}" is not ASSET:BETA_ETH:BETA_BTC (e.g. LINK:1.2:0.9)`,
      )
    }
    const eth = Number(m[2])
    const btc = Number(m[3])
    if (Math.abs(eth) > 100 || Math.abs(btc) > 100)
      throw new BaseError('INVALID_REQUEST', `betas: "${item}": a beta above 100 in magnitude?`)
    out[(m[1] as string).toUpperCase()] = { ETH: eth, BTC: btc }
  }
  return out
}

/** A JSON-safe copy: bigints become decimal strings. */
export function jsonSafe<T>(value: T): unknown {
  return JSON.parse(JSON.stringify(value, (_k, v) => (typeof v === 'bigint' ? v.toString() : v)))
}

/**
 * Parses the unwind `target`: "zero" (default) or a health factor > 1 (at most 100).
 * @throws BaseError INVALID_REQUEST.
 */
export function parseUnwindTarget(value: string | undefined): UnwindTarget {
  if (value === undefined || value === '' || value === 'zero') return { kind: 'zero' }
  const hf = /^\d{1,3}(\.\d{1,6})?$/.test(value) ? Number(value) : Number.NaN
  if (!(hf > 1 && hf <= 100)) {
    throw new BaseError(
      'INVALID_REQUEST',
      `target: "${value}" is neither "zero" nor a health factor above 1 (at most 100), e.g. 1.5`,
    )
  }
  return { kind: 'healthFactor', value: hf }
}

/**
 * The unwind plan of a resolved wallet: every stack's layers in its unwind order (the
 * outermost, last-funded layer first), stacks by descending gross exposure.
 */
export function planWalletUnwind(
  exposure: Exposure,
  positions: readonly PositionResult[],
  target: UnwindTarget,
): UnwindPlan {
  const byId = new Map(identify(positions.filter((p) => p.status === 'ok')).map((x) => [x.id, x.position]))
  const layers = exposure.stacks.flatMap((s) =>
    s.unwindOrder.flatMap((id) => {
      const position = byId.get(id)
      return position ? [{ id, position }] : []
    }),
  )
  return planUnwind(layers, target)
}
