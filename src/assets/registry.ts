/**
 * Default asset registries: Ethereum mainnet by address, the devchain ("local") by symbol
 * (its addresses are known only once deployed; bind them with `bindAddresses`).
 *
 * Rates read on chain (each becomes a {@link RateCall} through `rateCalls`, answers in whole
 * inner tokens per whole wrapper token, 18 decimals unless noted):
 * - wstETH: `stEthPerToken()` (stETH per wstETH)
 * - rETH: `getExchangeRate()` (ETH per rETH)
 * - cbETH: `exchangeRate()` (ETH per cbETH)
 * - weETH: `getRate()` (eETH per weETH)
 * - sDAI, sUSDS, sUSDe (ERC-4626): `convertToAssets(1e18)` (assets per 1e18 shares; the asset
 *   has 18 decimals)
 * - devchain sUSDC (ERC-4626 over the devchain USDC): `convertToAssets(1e6)` (6 decimals)
 * Fixed at 1:1: stETH -> ETH and eETH -> ETH (rebasing, redeemable 1:1; their market discount is
 * a peg factor, injected), Aave aTokens -> underlying (balanceOf already includes interest).
 * Pendle PTs: each is a market with its own maturity, so none is listed by default; they come
 * from the config file (`pendlePts`, src/config-file.ts) and the devchain manifest (`pendle`),
 * each as a {@link PendlePtEntry} naming its market and how its price is read
 * (src/assets/pendle-source.ts), with the chain's Pendle Router and PendlePYLpOracle from
 * {@link pendleDeploymentOf} unless the entry names its own.
 */

import { WAD } from '../core/math.js'
import { aaveBookAssets } from './aave-book.js'
import { type AssetGraph, bindAddresses, createAssetGraph } from './graph.js'
import { PENDLE_DEPLOYMENTS, type PendleDeployment } from './pendle-deployments-data.js'
import { type PendlePtEntry, pendlePtNode } from './pendle-source.js'
import type { AssetNode, RateCallSpec, RiskAsset, RiskNode, WrapperKind, WrapperNode } from './types.js'

/** The ERC-4626 share -> asset read: `convertToAssets(10^shareDecimals)`, answer in asset decimals. */
export function erc4626RateCall(shareDecimals: number, assetDecimals: number): RateCallSpec {
  return {
    signature: 'function convertToAssets(uint256 shares) view returns (uint256)',
    args: [10n ** BigInt(shareDecimals)],
    resultDecimals: assetDecimals,
  }
}

/** A no-argument rate getter answering with 18 decimals. */
function getter18(signature: string): RateCallSpec {
  return { signature, args: [], resultDecimals: 18 }
}

function risk(
  chain: string,
  address: string | null,
  symbol: string,
  decimals: number,
  riskAsset: RiskAsset,
): RiskNode {
  return { kind: 'risk', chain, address, symbol, decimals, riskAsset }
}

function wrapper(
  chain: string,
  address: string | null,
  symbol: string,
  decimals: number,
  kind: WrapperKind,
  inner: { address: string | null; symbol: string },
  rate: WrapperNode['rate'],
): WrapperNode {
  return {
    kind: 'wrapper',
    wrapper: kind,
    chain,
    address,
    symbol,
    decimals,
    inner: { chain, ...inner },
    rate,
  }
}

const E = 'ethereum'
const FIXED_1 = { kind: 'fixed', rateWad: WAD } as const

/** Ethereum mainnet addresses (lower case) of the default registry. */
export const ETHEREUM_TOKENS = {
  WETH: '0xc02aaa39b223fe8d0a0e5c4f27ead9083c756cc2',
  stETH: '0xae7ab96520de3a18e5e111b5eaab095312d7fe84',
  wstETH: '0x7f39c581f595b53c5cb19bd0b3f8da6c935e2ca0',
  rETH: '0xae78736cd615f374d3085123a210448e74fc6393',
  cbETH: '0xbe9895146f7af43049ca1c1ae358b0541ea49704',
  eETH: '0x35fa164735182de50811e8e2e824cfb9b6118ac2',
  weETH: '0xcd5fe23c85820f7b72d0926fc9b05b43e359b7ee',
  WBTC: '0x2260fac5e5542a773aa44fbcfedf7c193bc2c599',
  cbBTC: '0xcbb7c0000ab88b473b1f5afd9ef808440eed33bf',
  USDC: '0xa0b86991c6218b36c1d19d4a2e9eb0ce3606eb48',
  USDT: '0xdac17f958d2ee523a2206206994597c13d831ec7',
  DAI: '0x6b175474e89094c44da98b954eedeac495271d0f',
  USDS: '0xdc035d45d973e3ec169d2276ddab16f1e407384f',
  USDe: '0x4c9edd5852cd905f086c759e8383e09bff1e68b3',
  sDAI: '0x83f20f44975d03b1b09e64809b757c47f942beea',
  sUSDS: '0xa3931d71877c0e7a3148cb7eb4463524fec27fbd',
  sUSDe: '0x9d39a5de30e57443bff2a8307a4256c8797a3497',
  LINK: '0x514910771af9ca656af840dff83e8264ecf986ca',
  aEthWETH: '0x4d5f47fa6a74757f35c14fd3a6ef8e3c9bc514e8',
  aEthwstETH: '0x0b925ed163218f6662a35e0f0371ac234f9e9371',
  aEthWBTC: '0x5ee5bf7ae06d1be5997a1a72006fe6c607ec6de8',
  aEthUSDC: '0x98c23e9d8f34fefb1b7bd6a91b7ff122f4e16f5c',
  aEthUSDT: '0x23878914efe38d27c4d67ab83ed1b93a74d4086a',
  aEthweETH: '0xbdfa7b7893081b35fb54027489e2bc7a38275129',
} as const

const T = ETHEREUM_TOKENS
const ref = (symbol: keyof typeof ETHEREUM_TOKENS) => ({ address: T[symbol], symbol })

/** Aave v3 Ethereum core aTokens of the registry: [aToken, underlying, decimals]. */
const AAVE_ETHEREUM_ATOKENS: readonly [keyof typeof T, keyof typeof T, number][] = [
  ['aEthWETH', 'WETH', 18],
  ['aEthwstETH', 'wstETH', 18],
  ['aEthWBTC', 'WBTC', 8],
  ['aEthUSDC', 'USDC', 6],
  ['aEthUSDT', 'USDT', 6],
  ['aEthweETH', 'weETH', 18],
]

/** The Ethereum mainnet default nodes. */
export const ETHEREUM_ASSETS: readonly AssetNode[] = [
  risk(E, T.WETH, 'WETH', 18, 'ETH'),
  risk(E, T.WBTC, 'WBTC', 8, 'BTC'),
  risk(E, T.cbBTC, 'cbBTC', 8, 'BTC'),
  risk(E, T.USDC, 'USDC', 6, 'USD'),
  risk(E, T.USDT, 'USDT', 6, 'USD'),
  risk(E, T.DAI, 'DAI', 18, 'USD'),
  risk(E, T.USDS, 'USDS', 18, 'USD'),
  risk(E, T.USDe, 'USDe', 18, 'USD'),
  risk(E, T.LINK, 'LINK', 18, 'LINK'),
  // stETH and eETH are ETH itself, rebasing; a market discount is their peg factor.
  wrapper(E, T.stETH, 'stETH', 18, 'lst', { address: null, symbol: 'ETH' }, FIXED_1),
  wrapper(E, T.eETH, 'eETH', 18, 'lst', { address: null, symbol: 'ETH' }, FIXED_1),
  wrapper(E, T.wstETH, 'wstETH', 18, 'lst', ref('stETH'), {
    kind: 'read',
    call: getter18('function stEthPerToken() view returns (uint256)'),
  }),
  wrapper(E, T.weETH, 'weETH', 18, 'lst', ref('eETH'), {
    kind: 'read',
    call: getter18('function getRate() view returns (uint256)'),
  }),
  wrapper(
    E,
    T.rETH,
    'rETH',
    18,
    'lst',
    { address: null, symbol: 'ETH' },
    {
      kind: 'read',
      call: getter18('function getExchangeRate() view returns (uint256)'),
    },
  ),
  wrapper(
    E,
    T.cbETH,
    'cbETH',
    18,
    'lst',
    { address: null, symbol: 'ETH' },
    {
      kind: 'read',
      call: getter18('function exchangeRate() view returns (uint256)'),
    },
  ),
  wrapper(E, T.sDAI, 'sDAI', 18, 'erc4626', ref('DAI'), { kind: 'read', call: erc4626RateCall(18, 18) }),
  wrapper(E, T.sUSDS, 'sUSDS', 18, 'erc4626', ref('USDS'), { kind: 'read', call: erc4626RateCall(18, 18) }),
  wrapper(E, T.sUSDe, 'sUSDe', 18, 'erc4626', ref('USDe'), { kind: 'read', call: erc4626RateCall(18, 18) }),
  ...AAVE_ETHEREUM_ATOKENS.map(([a, u, decimals]) => ({
    ...wrapper(E, T[a], a, decimals, 'atoken', ref(u), FIXED_1),
    issuer: { protocol: 'aave-v3', market: 'aave-v3-ethereum' },
  })),
  // Native ETH, what stETH/eETH/rETH/cbETH redeem for; keyed by symbol.
  risk(E, null, 'ETH', 18, 'ETH'),
]

/**
 * The devchain's rate of its mock wstETH, stETH per wstETH, WAD: 1.2, the ratio of the
 * devchain's oracle prices (wstETH 3600 USD / WETH 3000 USD, `DEVCHAIN_TOKENS`). The mock is a
 * plain ERC-20 without `stEthPerToken()`, so the rate is fixed here.
 */
export const LOCAL_WSTETH_RATE_WAD = 1_200_000_000_000_000_000n

/** The devchain ("local") nodes, keyed by symbol. */
export const LOCAL_ASSETS: readonly AssetNode[] = [
  risk('local', null, 'WETH', 18, 'ETH'),
  risk('local', null, 'WBTC', 8, 'BTC'),
  risk('local', null, 'USDC', 6, 'USD'),
  risk('local', null, 'LINK', 18, 'LINK'),
  wrapper(
    'local',
    null,
    'wstETH',
    18,
    'lst',
    { address: null, symbol: 'WETH' },
    {
      kind: 'fixed',
      rateWad: LOCAL_WSTETH_RATE_WAD,
    },
  ),
  // The devchain's ERC-4626 savings vault (OpenZeppelin ERC4626 over its USDC): rate read on chain.
  wrapper(
    'local',
    null,
    'sUSDC',
    6,
    'erc4626',
    { address: null, symbol: 'USDC' },
    { kind: 'read', call: erc4626RateCall(6, 6) },
  ),
]

/**
 * Chains whose assets are named by symbol only: manual legs ("offchain": CEX perps, options) and
 * Hyperliquid. A symbol there IS the market's underlying: ETH and BTC are the base risk assets,
 * dollar symbols are USD, and any other symbol (SOL, HYPE, ...) is its own risk asset.
 */
export const OFFCHAIN_CHAINS: readonly string[] = ['offchain', 'hyperliquid']

const OFFCHAIN_BASE: readonly [string, RiskAsset][] = [
  ['ETH', 'ETH'],
  ['WETH', 'ETH'],
  ['BTC', 'BTC'],
  ['WBTC', 'BTC'],
  ['USD', 'USD'],
  ['USDC', 'USD'],
  ['USDT', 'USD'],
  ['DAI', 'USD'],
]

/** The off-chain nodes (by symbol) of every {@link OFFCHAIN_CHAINS} chain. */
export const OFFCHAIN_ASSETS: readonly AssetNode[] = OFFCHAIN_CHAINS.flatMap((chain) =>
  OFFCHAIN_BASE.map(([symbol, riskAsset]) => risk(chain, null, symbol, 18, riskAsset)),
)

/** The default graph: every Aave address-book market, Ethereum mainnet, the devchain, off-chain. */
export function defaultAssetGraph(): AssetGraph {
  return createAssetGraph([...aaveBookAssets(), ...ETHEREUM_ASSETS, ...LOCAL_ASSETS, ...OFFCHAIN_ASSETS])
}

/**
 * A devchain token as its manifest lists it: an Aave reserve (`tokens`) or an ERC-4626 vault's
 * share (`vaults`; its symbol binds the vault's address to its registry node).
 */
export interface LocalTokenInfo {
  symbol: string
  /** The token contract. */
  address: string
  decimals: number
  /** The token's Aave aToken, when it is an Aave reserve. */
  aToken?: string
}

/**
 * The default graph with the devchain's addresses bound (from its manifest) and each Aave
 * reserve's aToken added as a receipt of its underlying issued by `aaveMarket`. `base` is the
 * graph to bind (the default graph when omitted; pass one already built to build it once).
 */
export function localAssetGraph(
  tokens: readonly LocalTokenInfo[],
  aaveMarket = 'aave-v3-local',
  base: AssetGraph = defaultAssetGraph(),
): AssetGraph {
  const aTokens: AssetNode[] = tokens.flatMap((t) =>
    t.aToken === undefined
      ? []
      : [
          {
            ...wrapper(
              'local',
              t.aToken,
              `a${t.symbol}`,
              t.decimals,
              'atoken',
              { address: t.address, symbol: t.symbol },
              FIXED_1,
            ),
            issuer: { protocol: 'aave-v3', market: aaveMarket },
          },
        ],
  )
  const bound = bindAddresses(base, 'local', Object.fromEntries(tokens.map((t) => [t.symbol, t.address])))
  return createAssetGraph([...bound.nodes.values(), ...aTokens])
}

/**
 * Pendle's Router and PendlePYLpOracle on a chain, from the table generated off
 * `@pendle/core-v2`'s deployments (src/assets/pendle-deployments-data.ts); undefined when Pendle
 * publishes none for `chainId`.
 */
export function pendleDeploymentOf(chainId: number): PendleDeployment | undefined {
  return PENDLE_DEPLOYMENTS.find((d) => d.chainId === chainId)
}

/**
 * `graph` with the PT nodes of `entries` added (a PT replaces a node of the same key), each
 * carrying its Pendle source so `rateCalls` reads its price in the pinned batch.
 * @throws RangeError on an entry outside its domain (decimals, maturity, TWAP duration)
 */
export function withPendlePts(graph: AssetGraph, entries: readonly PendlePtEntry[]): AssetGraph {
  if (entries.length === 0) return graph
  return createAssetGraph([...graph.nodes.values(), ...entries.map(pendlePtNode)])
}
