/**
 * The block-by-time search against a stand-in chain (a fake `request` answering headers from a
 * timestamp function: 12 s blocks, or irregular ones with equal timestamps), checked against the
 * answer found by scanning; the round count (batched POSTs) and the header cache; the archive
 * error classifier on messages real nodes send (geth, erigon, Nethermind, Alchemy).
 */
import { describe, expect, it } from 'vitest'
import {
  ArchiveStateUnavailableError,
  asArchiveError,
  findBlockByTimestamp,
} from '../../../src/chains/block-by-time.js'
import type { ChainClient } from '../../../src/chains/client.js'

function fakeChain(timeOf: (n: bigint) => bigint) {
  const asked: bigint[] = []
  const client = {
    request: async (args: { method: string; params: [string, boolean] }) => {
      if (args.method !== 'eth_getBlockByNumber') throw new Error(`unexpected ${args.method}`)
      const n = BigInt(args.params[0])
      asked.push(n)
      return { timestamp: `0x${timeOf(n).toString(16)}` }
    },
  } as unknown as ChainClient
  return { client, asked }
}

describe('findBlockByTimestamp', () => {
  it('20 M blocks of 12 s: the exact block in at most 8 rounds of at most 15 headers', async () => {
    const genesis = 1_438_269_973n
    const timeOf = (n: bigint) => genesis + 12n * n
    const { client, asked } = fakeChain(timeOf)
    const head = { blockNumber: 20_000_000n, timestamp: timeOf(20_000_000n) }
    const stats = { rounds: 0, headers: 0 }
    const target = timeOf(12_345_678n) + 7n
    const found = await findBlockByTimestamp({ client, chain: 'ethereum', timestamp: target, head }, stats)
    expect(found).toEqual({ blockNumber: 12_345_678n, timestamp: timeOf(12_345_678n) })
    expect(stats.rounds).toBeLessThanOrEqual(8)
    expect(stats.headers).toBe(asked.length)
    // Cached below 64 confirmations: the same search again asks for no header.
    const again = { rounds: 0, headers: 0 }
    await findBlockByTimestamp({ client, chain: 'ethereum', timestamp: target, head }, again)
    expect(again.headers).toBe(0)
  })

  it('irregular times with ties: the LAST block at or before the time, as a scan finds it', async () => {
    const times = [100n, 100n, 105n, 105n, 105n, 130n, 131n, 200n, 200n, 260n]
    const { client } = fakeChain((n) => times[Number(n)]!)
    const head = { blockNumber: 9n, timestamp: 260n }
    for (const target of [100n, 101n, 105n, 129n, 130n, 199n, 200n, 259n, 260n, 999n]) {
      let expected = -1
      for (const [i, ts] of times.entries()) if (ts <= target) expected = i
      const found = await findBlockByTimestamp({ client, chain: 'local', timestamp: target, head })
      expect(found?.blockNumber).toBe(BigInt(expected))
    }
    expect(await findBlockByTimestamp({ client, chain: 'local', timestamp: 99n, head })).toBeNull()
  })
})

describe('asArchiveError', () => {
  it.each([
    'missing trie node 8d6a1e2f (path )',
    'header not found',
    'required historical state unavailable (reexec=128)',
    'state is not available',
    'The world state for block 0xabc is not available',
    'node is not an archive node',
  ])('"%s" -> ARCHIVE_STATE_UNAVAILABLE', (message) => {
    const e = asArchiveError(new Error(message), 'ethereum', 123n)
    expect(e).toBeInstanceOf(ArchiveStateUnavailableError)
    expect((e as ArchiveStateUnavailableError).code).toBe('ARCHIVE_STATE_UNAVAILABLE')
    expect((e as Error).message).toContain('block 123')
  })
  it('leaves other errors as they are', () => {
    const err = new Error('execution reverted')
    expect(asArchiveError(err, 'ethereum', 1n)).toBe(err)
  })
})
