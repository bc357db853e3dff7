/**
 * The Hyperliquid adapter. Hyperliquid is its own L1 read over an HTTP API, not an EVM chain that
 * joins the aggregate3 batch, so this adapter does not satisfy `ProtocolAdapter` (which plans
 * multicall reads); it exposes one function, {@link HyperliquidAdapter.readWallet}, that the
 * wallet report calls next to the chain batch.
 */
import type { Address } from '../../core/address.js'
import type { Position } from '../../core/types.js'
import { HYPERLIQUID_MAINNET_URL, type HyperliquidRequestOptions } from './client.js'
import { HYPERLIQUID_CHAIN, HYPERLIQUID_PROTOCOL } from './position.js'
import { readHyperliquidWallet } from './read.js'

export type { FetchClearinghouseStateParams, HyperliquidRequestOptions } from './client.js'
export {
  fetchClearinghouseState,
  HYPERLIQUID_MAINNET_URL,
  HYPERLIQUID_TESTNET_URL,
  postInfo,
} from './client.js'
export { HyperliquidError } from './errors.js'
export * from './math.js'
export {
  HYPERLIQUID_CHAIN,
  HYPERLIQUID_MARKET,
  HYPERLIQUID_PROTOCOL,
  HYPERLIQUID_SIZE_DECIMALS,
  isolatedMarket,
  positionsFromClearinghouseState,
} from './position.js'
export { type ReadHyperliquidWalletParams, readHyperliquidWallet } from './read.js'
export * from './schemas.js'

/** Params of {@link HyperliquidAdapter.readWallet}. */
export interface HyperliquidReadWalletParams {
  user: Address
  /** Request options; the mainnet API with default retries and timeout when omitted. */
  config?: HyperliquidRequestOptions
}

/** The shape of {@link hyperliquidAdapter}. */
export interface HyperliquidAdapter {
  /** Protocol key. */
  readonly key: string
  readonly name: string
  /** Chain key the positions carry. */
  readonly chain: string
  /** Default API base URL. */
  readonly defaultUrl: string
  /** The perp positions of `user`; errors as in {@link readHyperliquidWallet}. */
  readWallet(params: HyperliquidReadWalletParams): Promise<Position[]>
}

/** The Hyperliquid adapter object. */
export const hyperliquidAdapter: HyperliquidAdapter = {
  key: HYPERLIQUID_PROTOCOL,
  name: 'Hyperliquid',
  chain: HYPERLIQUID_CHAIN,
  defaultUrl: HYPERLIQUID_MAINNET_URL,
  readWallet: ({ user, config }) => readHyperliquidWallet({ ...config, user }),
}
