/**
 * createNodeFetch (src/chains/node-fetch.ts), the Node server's JSON-RPC fetch, against a local
 * HTTP server: what it sends, what viem's transport reads back, aborts, the answer cap, a refused
 * connection, and the error codes viem's transport + mapRpcError make of its failures (the same as
 * through the global fetch: test/chain/rpc-faults.test.ts runs every fault through both).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { mapRpcError } from '../../../src/chains/batch.js'
import { createChainClient } from '../../../src/chains/client.js'
import { createNodeFetch } from '../../../src/chains/node-fetch.js'

let server: Server
let base: string
const seen: { method?: string; path?: string; headers?: IncomingMessage['headers']; body?: string }[] = []
let handler: (req: IncomingMessage, body: string, res: ServerResponse) => void = () => undefined

beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString()
      seen.push({ method: req.method, path: req.url, headers: req.headers, body })
      handler(req, body, res)
    })
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()))
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})
afterAll(async () => {
  server.closeAllConnections()
  await new Promise<void>((r) => server.close(() => r()))
})

describe('createNodeFetch', () => {
  const nodeFetch = createNodeFetch({ maxBodyBytes: 1_000 })

  it('POSTs the body with its headers and path, and answers status, headers and text', async () => {
    handler = (_req, body, res) => {
      res.writeHead(201, { 'content-type': 'application/json', 'x-echo': 'yes' })
      res.end(body)
    }
    const res = await nodeFetch(`${base}/v3/path?q=1`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: '{"a":1}',
    })
    expect([res.ok, res.status, res.headers.get('X-Echo'), await res.text()]).toEqual([
      true,
      201,
      'yes',
      '{"a":1}',
    ])
    expect(seen.at(-1)).toMatchObject({
      method: 'POST',
      path: '/v3/path?q=1',
      body: '{"a":1}',
      headers: { 'content-type': 'application/json', 'content-length': '7' },
    })
  })

  it('an abort rejects with an AbortError while the server has not answered', async () => {
    handler = () => undefined // never answers
    const controller = new AbortController()
    const pending = nodeFetch(`${base}/`, { method: 'POST', body: '{}', signal: controller.signal })
    setTimeout(() => controller.abort(), 50)
    await expect(pending).rejects.toMatchObject({ name: 'AbortError' })
  })

  it('an answer over the cap rejects (the socket is dropped)', async () => {
    handler = (_req, _body, res) => {
      res.writeHead(200, { 'content-type': 'application/json' })
      res.end('x'.repeat(5_000))
    }
    await expect(nodeFetch(`${base}/`, { method: 'POST', body: '{}' })).rejects.toThrow(
      /larger than 1000 bytes/,
    )
  })

  it('a refused connection rejects', async () => {
    await expect(nodeFetch('http://127.0.0.1:1/', { method: 'POST', body: '{}' })).rejects.toThrow()
  })
})

describe('through viem’s transport (createChainClient), the codes of the global fetch', () => {
  const client = (url: string) =>
    createChainClient('local', { rpcUrls: [url], retryCount: 0, fetchFn: createNodeFetch() })
  const codeOf = async (url: string) => {
    try {
      await client(url).request({ method: 'eth_blockNumber' })
      return 'ok'
    } catch (err) {
      return mapRpcError(err, 'local', undefined, 'eth_blockNumber').code
    }
  }

  it('a JSON-RPC answer is read', async () => {
    handler = (_req, body, res) => {
      const calls = JSON.parse(body) as { id: number }[] | { id: number }
      const answer = (c: { id: number }) => ({ jsonrpc: '2.0', id: c.id, result: '0x2a' })
      res.writeHead(200, { 'content-type': 'application/json' })
      res.end(JSON.stringify(Array.isArray(calls) ? calls.map(answer) : answer(calls)))
    }
    expect(await client(base).request({ method: 'eth_blockNumber' })).toBe('0x2a')
  })

  it('HTTP 503 is RPC_UNAVAILABLE, HTTP 401 RPC_ERROR, a refused connection RPC_UNAVAILABLE, malformed JSON RPC_ERROR', async () => {
    const status = (code: number) => (_req: IncomingMessage, _body: string, res: ServerResponse) => {
      res.writeHead(code, { 'content-type': 'text/plain' })
      res.end('no')
    }
    handler = status(503)
    expect(await codeOf(base)).toBe('RPC_UNAVAILABLE')
    handler = status(401)
    expect(await codeOf(base)).toBe('RPC_ERROR')
    expect(await codeOf('http://127.0.0.1:1/')).toBe('RPC_UNAVAILABLE')
    handler = (_req, _body, res) => {
      res.writeHead(200, { 'content-type': 'application/json' })
      res.end('{"jsonrpc":')
    }
    expect(await codeOf(base)).toBe('RPC_ERROR')
  })
})
