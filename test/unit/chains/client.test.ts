/**
 * `createChainClient` builds a viem client with exactly the actions `ChainClient` names (call,
 * getBlockNumber) beside `request`, each working over the transport; none of viem's other public
 * actions is bound (the Worker does not bundle them).
 */
import { encodeFunctionResult, parseAbi } from 'viem'
import { describe, expect, it } from 'vitest'
import { type ChainClientActions, createChainClient, ethCall } from '../../../src/chains/client.js'

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
