/**
 * `createChainClient` builds a viem client with exactly the actions `ChainClient` names
 * (getBlockNumber) beside `request`, each working over the transport (eth_call through `ethCall`);
 * none of viem's other public actions is bound (the Worker does not bundle them). Calls of
 * concurrent requests (each with its own deadline signal) share JSON-RPC POSTs, at most
 * `batchSize` calls each; a request's deadline still ends its own wait.
 */
import { encodeFunctionResult, parseAbi } from 'viem'
import { describe, expect, it } from 'vitest'
import { type ChainClientActions, createChainClient, ethCall } from '../../../src/chains/client.js'
import { createDeadline, withDeadline } from '../../../src/chains/deadline.js'
import { createHeadCache } from '../../../src/chains/head-cache.js'

/** A JSON-RPC endpoint answering eth_blockNumber and eth_call, recording what it was asked. */
function fakeRpc(seen: { method: string; params: unknown[] }[]): typeof fetch {
  const answer = (method: string) =>
    method === 'eth_blockNumber'
      ? '0x2a'
      : method === 'eth_call'
        ? encodeFunctionResult({
            abi: parseAbi(['function getBlockNumber() view returns (uint256)']),
            functionName: 'getBlockNumber',
            result: 7n,
          })
        : method === 'eth_chainId'
          ? '0x1'
          : null
  return (async (_url: string | URL | Request, init?: RequestInit) => {
    const body = JSON.parse(String(init?.body)) as
      | { id: number; method: string; params: unknown[] }
      | { id: number; method: string; params: unknown[] }[]
    const one = (r: { id: number; method: string; params: unknown[] }) => {
      seen.push({ method: r.method, params: r.params })
      return { jsonrpc: '2.0', id: r.id, result: answer(r.method) }
    }
    const out = Array.isArray(body) ? body.map(one) : one(body)
    return new Response(JSON.stringify(out), { headers: { 'content-type': 'application/json' } })
  }) as typeof fetch
}

describe('createChainClient', () => {
  it('binds exactly the ChainClient actions, each working, and ethCall sends what viem’s call sends', async () => {
    const seen: { method: string; params: unknown[] }[] = []
    const client = createChainClient('ethereum', { rpcUrls: ['http://rpc.test'], fetchFn: fakeRpc(seen) })
    const actions: Record<keyof ChainClientActions, true> = { getBlockNumber: true }
    for (const name of Object.keys(actions))
      expect(typeof (client as Record<string, unknown>)[name]).toBe('function')
    for (const name of ['call', 'readContract', 'getLogs', 'multicall', 'simulateContract', 'getEnsAddress'])
      expect((client as Record<string, unknown>)[name], name).toBeUndefined()

    expect(await client.getBlockNumber({ cacheTime: 0 })).toBe(42n)
    const to = '0xcA11bde05977b3631167028862bE2a173976CA11'
    // eth_call goes through `request` (ethCall), as viem's call action would send it.
    const res = await ethCall(client, { to, data: '0x42cbb15c', blockNumber: 41n })
    expect(res).toBe(`0x${'0'.repeat(63)}7`)
    expect(await client.request({ method: 'eth_chainId' })).toBe('0x1')
    expect(seen.map((s) => s.method)).toEqual(['eth_blockNumber', 'eth_call', 'eth_chainId'])
    expect(seen[1]!.params).toEqual([{ to, data: '0x42cbb15c' }, '0x29'])
  })
})

describe('JSON-RPC POSTs shared across requests', () => {
  /** A fetch counting POSTs and their calls; `hold` keeps answers back until released. */
  function countingRpc() {
    const posts: number[] = []
    let release: () => void = () => undefined
    let held: Promise<void> | null = null
    const fetchFn = (async (_url: string | URL | Request, init?: RequestInit) => {
      const body = JSON.parse(String(init?.body)) as { id: number }[] | { id: number }
      const calls = Array.isArray(body) ? body : [body]
      posts.push(calls.length)
      if (held) await held
      const out = calls.map((c) => ({ jsonrpc: '2.0', id: c.id, result: '0x2a' }))
      return new Response(JSON.stringify(Array.isArray(body) ? out : out[0]), {
        headers: { 'content-type': 'application/json' },
      })
    }) as typeof fetch
    return {
      posts,
      fetchFn,
      hold() {
        held = new Promise<void>((r) => {
          release = r
        })
      },
      release: () => release(),
    }
  }

  it('calls of two requests with their own deadline signals made in one tick go in one POST', async () => {
    const rpc = countingRpc()
    const client = createChainClient('ethereum', { rpcUrls: ['http://rpc.test'], fetchFn: rpc.fetchFn })
    const [a, b] = [createDeadline(), createDeadline()]
    await Promise.all(
      [a, a, b, b].map((d) => client.request({ method: 'eth_blockNumber' }, { signal: d.signal })),
    )
    expect(rpc.posts).toEqual([4])
  })

  it('without sharing, each signal keeps its own POST', async () => {
    const rpc = countingRpc()
    const client = createChainClient('ethereum', {
      rpcUrls: ['http://rpc.test'],
      fetchFn: rpc.fetchFn,
      shareAcrossRequests: false,
    })
    const [a, b] = [createDeadline(), createDeadline()]
    await Promise.all([a, b].map((d) => client.request({ method: 'eth_blockNumber' }, { signal: d.signal })))
    expect(rpc.posts.sort()).toEqual([1, 1])
  })

  it('at most batchSize calls per POST', async () => {
    const rpc = countingRpc()
    const client = createChainClient('ethereum', {
      rpcUrls: ['http://rpc.test'],
      fetchFn: rpc.fetchFn,
      batchSize: 3,
    })
    await Promise.all(Array.from({ length: 7 }, () => client.request({ method: 'eth_blockNumber' })))
    expect(rpc.posts).toEqual([3, 3, 1])
  })

  it('a request whose deadline passes stops waiting for a shared POST (504 class), the other is answered', async () => {
    const rpc = countingRpc()
    rpc.hold()
    const client = createChainClient('ethereum', { rpcUrls: ['http://rpc.test'], fetchFn: rpc.fetchFn })
    const short = createDeadline({ timeoutMs: 30 })
    const long = createDeadline({ timeoutMs: 5_000 })
    const call = (d: ReturnType<typeof createDeadline>) =>
      withDeadline(d, { upstream: 'the RPC', call: 'eth_blockNumber' }, (signal) =>
        client.request({ method: 'eth_blockNumber' }, signal ? { signal } : undefined),
      )
    const first = call(short).catch((e: unknown) => e)
    const second = call(long)
    expect(((await first) as { code?: string }).code).toBe('UPSTREAM_TIMEOUT')
    rpc.release()
    expect(await second).toBe('0x2a')
    expect(rpc.posts).toEqual([2])
  })
})

describe('createHeadCache', () => {
  it('keeps the highest head per chain, and at most maxChains chains', () => {
    const heads = createHeadCache(2)
    heads.observe('a', 10n)
    heads.observe('a', 7n)
    expect(heads.get('a')).toBe(10n)
    heads.observe('a', 12n)
    heads.observe('b', 1n)
    heads.observe('c', 5n)
    expect([heads.get('a'), heads.get('b'), heads.get('c')]).toEqual([undefined, 1n, 5n])
  })
})
