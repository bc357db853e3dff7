/**
 * A bounded cache per chain client: what one client's chain answered (a block's timestamp, a
 * contract's deployment block) is kept for that client only and goes with it (a WeakMap: a
 * dropped client drops its cache).
 */
import { BoundedCache } from '../core/bounded-cache.js'
import type { ChainClient } from './client.js'

/**
 * A getter of each client's own {@link BoundedCache} of at most `maxEntries` entries, created on
 * its first use.
 */
export function perClientCache<K, V>(maxEntries: number): (client: ChainClient) => BoundedCache<K, V> {
  const caches = new WeakMap<ChainClient, BoundedCache<K, V>>()
  return (client) => {
    let c = caches.get(client)
    if (!c) {
      c = new BoundedCache<K, V>(maxEntries)
      caches.set(client, c)
    }
    return c
  }
}
