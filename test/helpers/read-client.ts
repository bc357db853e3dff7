/**
 * A test's own reads (readContract, getLogs, getContractEvents, ...) on the app's client: the
 * client `createChainClient` builds has only `ChainClient`'s actions, so tests bind viem's public
 * actions on it (same transport, batching and settings) and still pass it where the app takes one.
 */
import { publicActions } from 'viem'
import type { ChainClient } from '../../src/chains/client.js'

/** `client` with viem's public actions bound. */
export function withPublicActions(client: ChainClient) {
  return client.extend(publicActions)
}

/** A {@link ChainClient} with viem's public actions. */
export type TestReadClient = ReturnType<typeof withPublicActions>
