/**
 * Reads a wallet's Hyperliquid perp positions: one `clearinghouseState` request, validated, then
 * turned into positions (see ./position.ts for the layout).
 */
import type { Position } from '../../core/types.js'
import { type FetchClearinghouseStateParams, fetchClearinghouseState } from './client.js'
import { positionsFromClearinghouseState } from './position.js'

/** Params of {@link readHyperliquidWallet}: the user plus the request options of the client. */
export type ReadHyperliquidWalletParams = FetchClearinghouseStateParams

/**
 * The Hyperliquid perp positions of `user` (the same 0x address as on EVM chains): the cross
 * account and each isolated position; `[]` for an account with no position and no balance.
 * Throws a {@link HyperliquidError}: RPC_UNAVAILABLE (503) when the venue is unreachable or keeps
 * rate-limiting, PROTOCOL_READ_FAILED (502) on a venue error or a malformed payload.
 */
export async function readHyperliquidWallet(params: ReadHyperliquidWalletParams): Promise<Position[]> {
  const state = await fetchClearinghouseState(params)
  return positionsFromClearinghouseState(state)
}
