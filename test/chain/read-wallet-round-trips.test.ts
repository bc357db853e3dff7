/**
 * Round trips of one wallet read on the devchain (the looper: Aave v3.0, Morpho Blue, the Comet
 * double, the GMX Reader double; the v3.6 market and the Aave V4 double are read too and hold
 * nothing of it), counted at the client's fetch: the head shares discovery's
 * JSON-RPC batch, a block at or below a head already seen costs no head read, and a block above
 * every head seen is checked (and refused above the chain's) before discovery.
 */
import type { Address } from 'viem'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createChainClient } from '../../src/chains/client.js'
import { createHeadCache } from '../../src/chains/head-cache.js'
import { BaseError } from '../../src/core/errors.js'
import { createMorphoFactsCache } from '../../src/protocols/morpho-blue/index.js'
import { createReadCaches } from '../../src/protocols/read-caches.js'
import { createAdapters, readWallet } from '../../src/protocols/read-wallet.js'
import { startTestDevchain, type TestDevchain } from '../helpers/devchain.js'

let t: TestDevchain
beforeAll(async () => {
  t = await startTestDevchain()
})
afterAll(async () => {
  await t?.devchain.stop()
})

/** A client recording each POST's JSON-RPC methods, in order. */
function recordingClient() {
  const posts: string[][] = []
  const fetchFn: typeof fetch = async (input, init) => {
    const body = JSON.parse(String(init?.body)) as { method: string }[] | { method: string }
    posts.push((Array.isArray(body) ? body : [body]).map((c) => c.method))
    return fetch(input, init)
  }
  return { posts, client: createChainClient('local', { rpcUrls: t.chain.rpcUrls, fetchFn }) }
}

const looper = () => t.manifest.wallets.find((w) => w.key === 'looper')!.address as Address

describe('readWallet round trips', () => {
  // Market facts warm (Morpho learns a market's parameters once per process): the steady state.
  const caches = { ...createReadCaches(), morphoFacts: createMorphoFactsCache() }
  const adapters = createAdapters(caches)

  it('latest: the head in discovery’s JSON-RPC batch, then the one batch: 2 HTTP requests for 4 protocols (5 markets)', async () => {
    await readWallet({ client: t.client, chain: t.chain, user: looper(), adapters })
    const { posts, client } = recordingClient()
    const heads = createHeadCache()
    const report = await readWallet({ client, chain: t.chain, user: looper(), adapters, heads })
    expect(report.positions.map((p) => `${p.protocol}:${p.status}`).sort()).toEqual([
      'aave-v3:ok',
      'compound-v3:ok',
      'gmx-v2:ok',
      'morpho-blue:ok',
    ])
    expect(posts).toHaveLength(2)
    // eth_blockNumber first in the batch, so the node answers it before discovery's reads.
    expect(posts[0]![0]).toBe('eth_blockNumber')
    // GMX's positions + feeds (eth_call), Morpho's events, Aave V4's user events and the market
    // facts above what the root's cache holds (eth_getLogs x 3).
    expect(posts[0]!.slice(1).sort()).toEqual(['eth_call', 'eth_getLogs', 'eth_getLogs', 'eth_getLogs'])
    expect(posts[1]).toEqual(['eth_call'])
    expect(heads.get('local')).toBe(report.blockNumber)
  })

  it('pinned at or below a head already seen: no head read at all', async () => {
    const heads = createHeadCache()
    const latest = await readWallet({ client: t.client, chain: t.chain, user: looper(), adapters, heads })
    const { posts, client } = recordingClient()
    const pinned = await readWallet({
      client,
      chain: t.chain,
      user: looper(),
      adapters,
      heads,
      blockNumber: latest.blockNumber - 1n,
    })
    expect(pinned.blockNumber).toBe(latest.blockNumber - 1n)
    expect(posts.flat()).not.toContain('eth_blockNumber')
    expect(posts).toHaveLength(2)
  })

  it('pinned above every head seen: the head is read first, and a block above it is refused before discovery', async () => {
    const heads = createHeadCache()
    heads.observe('local', 1n)
    const { posts, client } = recordingClient()
    const head = await t.client.getBlockNumber()
    const err = await readWallet({
      client,
      chain: t.chain,
      user: looper(),
      adapters,
      heads,
      blockNumber: head + 1_000n,
    }).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(BaseError)
    expect((err as BaseError).code).toBe('BLOCK_OUT_OF_RANGE')
    expect(posts).toEqual([['eth_blockNumber']])
  })
})
