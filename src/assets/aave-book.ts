/**
 * Asset-graph nodes generated from `@aave-dao/aave-address-book` for the Aave v3 markets
 * stacklens reads: every listed reserve's aToken (a receipt of its underlying, 1:1, issued by
 * that Aave market) and a classification of the listed underlyings.
 *
 * The classification is by symbol, but only of tokens Aave governance listed at the book's
 * address, so a lookalike symbol elsewhere never borrows it:
 * - base risk assets at par: {@link AAVE_LISTED_BASE} (WETH -> ETH, WBTC -> BTC, USDC -> USD, ...);
 * - liquid (re)staking tokens, {@link AAVE_LISTED_LST}: wrappers of ETH whose rate is `read` but
 *   has no on-chain call here (on L2s they are bridged tokens without a rate getter): the resolver
 *   then values them at the price ratio the protocol's own oracle implies, and says so;
 * - every other listed token (LINK, AAVE, ARB, PTs, ...) is its own risk asset, named by its symbol.
 * The book's fields read here are extracted by scripts/gen-aave-book.ts into ./aave-book-data.ts.
 * Hand-curated Ethereum entries (`ETHEREUM_ASSETS`, with on-chain rate reads) override these.
 */
import { WAD } from '../core/math.js'
import {
  type AaveBookAssets,
  AaveV3Arbitrum,
  AaveV3Base,
  AaveV3Ethereum,
  AaveV3Optimism,
  AaveV3Polygon,
} from './aave-book-data.js'
import type { AssetNode, RiskAsset } from './types.js'

/** Listed underlyings that are a base risk asset at par, by address-book symbol. */
export const AAVE_LISTED_BASE: Readonly<Record<string, RiskAsset>> = {
  WETH: 'ETH',
  WBTC: 'BTC',
  cbBTC: 'BTC',
  tBTC: 'BTC',
  BTCb: 'BTC',
  USDC: 'USD',
  USDCn: 'USD',
  USDbC: 'USD',
  USDT: 'USD',
  USDT0: 'USD',
  DAI: 'USD',
  LUSD: 'USD',
  GHO: 'USD',
  FRAX: 'USD',
  PYUSD: 'USD',
  crvUSD: 'USD',
  USDS: 'USD',
  RLUSD: 'USD',
  USDe: 'USD',
  USDtb: 'USD',
  USDG: 'USD',
}

/** Listed ETH liquid (re)staking tokens: wrappers of ETH with a price-implied rate. */
export const AAVE_LISTED_LST: readonly string[] = [
  'wstETH',
  'rETH',
  'cbETH',
  'weETH',
  'osETH',
  'ETHx',
  'rsETH',
  'wrsETH',
  'ezETH',
  'tETH',
]

/** The address-book markets: [chain key, stacklens market id, book]. */
const BOOKS: readonly [string, string, AaveBookAssets][] = [
  ['ethereum', 'aave-v3-ethereum', AaveV3Ethereum],
  ['arbitrum', 'aave-v3-arbitrum', AaveV3Arbitrum],
  ['base', 'aave-v3-base', AaveV3Base],
  ['optimism', 'aave-v3-optimism', AaveV3Optimism],
  ['polygon', 'aave-v3-polygon', AaveV3Polygon],
]

/** The nodes of every address-book market: underlyings, aTokens, and native ETH per chain. */
export function aaveBookAssets(): AssetNode[] {
  const out: AssetNode[] = []
  for (const [chain, market, book] of BOOKS) {
    out.push({ kind: 'risk', chain, address: null, symbol: 'ETH', decimals: 18, riskAsset: 'ETH' })
    for (const [symbol, a] of Object.entries(book.ASSETS)) {
      const address = a.UNDERLYING.toLowerCase()
      const base = AAVE_LISTED_BASE[symbol]
      if (base !== undefined) {
        out.push({ kind: 'risk', chain, address, symbol, decimals: a.decimals, riskAsset: base })
      } else if (AAVE_LISTED_LST.includes(symbol)) {
        out.push({
          kind: 'wrapper',
          wrapper: 'lst',
          chain,
          address,
          symbol,
          decimals: a.decimals,
          inner: { chain, symbol: 'ETH' },
          rate: { kind: 'read' },
        })
      } else {
        out.push({ kind: 'risk', chain, address, symbol, decimals: a.decimals, riskAsset: symbol })
      }
      out.push({
        kind: 'wrapper',
        wrapper: 'atoken',
        chain,
        address: a.A_TOKEN.toLowerCase(),
        symbol: `a${symbol}`,
        decimals: a.decimals,
        inner: { chain, address, symbol },
        rate: { kind: 'fixed', rateWad: WAD },
        issuer: { protocol: 'aave-v3', market },
      })
    }
  }
  return out
}
