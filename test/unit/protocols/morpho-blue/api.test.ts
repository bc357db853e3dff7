/**
 * Morpho API discovery against a local HTTP server that answers in the shape of Morpho's GraphQL
 * API (`userByAddress { marketPositions { market { uniqueKey } } }`, and its NOT_FOUND error for
 * an unknown user), plus the fallback to log discovery when the API fails.
 */
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { PublicClient } from 'viem'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { ChainRuntime } from '../../../../src/config.js'
import { fetchMorphoApiMarkets } from '../../../../src/protocols/morpho-blue/api.js'
import { discoverMorphoMarkets } from '../../../../src/protocols/morpho-blue/read.js'

const USER = '0x000000000000000000000000000000000000dEaD'
const ID_A = `0x${'a'.repeat(64)}`
const ID_B = `0x${'b'.repeat(64)}`

let server: Server
let base: string
let lastBody: { query: string; variables: Record<string, unknown> } | undefined
const answers: Record<string, { status: number; body: unknown }> = {
  '/ok': {
    status: 200,
    body: {
      data: {
        userByAddress: {
          marketPositions: [
            { market: { uniqueKey: ID_A } },
            { market: { uniqueKey: ID_B.toUpperCase().replace('0X', '0x') } },
            { market: { uniqueKey: ID_A } },
          ],
        },
      },
    },
  },
  '/not-found': {
    status: 200,
    body: {
      errors: [{ message: 'No results matching given parameters', status: 'NOT_FOUND' }],
      data: null,
    },
  },
  '/malformed': {
    status: 200,
    body: { data: { userByAddress: { marketPositions: [{ market: { uniqueKey: 42 } }] } } },
  },
  '/down': { status: 502, body: { error: 'bad gateway' } },
}

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = ''
    req.on('data', (c) => {
      body += c
    })
    req.on('end', () => {
      lastBody = JSON.parse(body)
      const a = answers[req.url ?? ''] ?? { status: 404, body: {} }
      res.writeHead(a.status, { 'content-type': 'application/json' })
      res.end(JSON.stringify(a.body))
    })
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()))
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})
afterAll(() => new Promise<void>((r) => server.close(() => r())))

describe('fetchMorphoApiMarkets', () => {
  it('returns the distinct market ids, lower-cased, and sends the address and chain id', async () => {
    const ids = await fetchMorphoApiMarkets({ url: `${base}/ok`, chainId: 1, user: USER })
    expect(ids).toEqual([ID_A, ID_B])
    expect(lastBody?.variables).toEqual({ address: USER, chainId: 1 })
    expect(lastBody?.query).toContain('userByAddress')
  })

  it("treats the API's NOT_FOUND for an unknown user as no markets", async () => {
    expect(await fetchMorphoApiMarkets({ url: `${base}/not-found`, chainId: 1, user: USER })).toEqual([])
  })

  it('rejects a payload outside the schema with PROTOCOL_READ_FAILED naming the field', async () => {
    await expect(
      fetchMorphoApiMarkets({ url: `${base}/malformed`, chainId: 1, user: USER }),
    ).rejects.toMatchObject({
      code: 'PROTOCOL_READ_FAILED',
      message: expect.stringMatching(/uniqueKey/),
    })
  })

  it('turns an HTTP failure into PROTOCOL_READ_FAILED', async () => {
    await expect(
      fetchMorphoApiMarkets({ url: `${base}/down`, chainId: 1, user: USER }),
    ).rejects.toMatchObject({
      code: 'PROTOCOL_READ_FAILED',
    })
  })
})

describe('discoverMorphoMarkets with an API configured', () => {
  const chainWith = (apiUrl: string): ChainRuntime => ({
    key: 'ethereum',
    chainId: 1,
    rpcUrls: [],
    multicall3: '0xcA11bde05977b3631167028862bE2a173976CA11',
    aaveMarkets: [],
    usdPriceOracle: null,
    comets: [],
    gmxV2: [],
    morphoBlue: {
      chain: 'ethereum',
      morpho: '0xBBBBBbbBBb9cC5e90e3b3Af64bdAF62C37EEFFCb',
      fromBlock: 100n,
      logsBlockSpan: 1_000n,
      apiUrl,
    },
  })
  // A client whose eth_getLogs answers one SupplyCollateral log in market B.
  const logClient = (calls: string[]) =>
    ({
      request: async (args: { method: string }) => {
        calls.push(args.method)
        return [{ topics: ['0x00', ID_B, '0x00', '0x00'] }]
      },
      getBlockNumber: async () => 1_500n,
    }) as unknown as PublicClient

  it('uses the API for a latest-block report (no log scan)', async () => {
    const calls: string[] = []
    const found = await discoverMorphoMarkets({
      client: logClient(calls),
      chain: chainWith(`${base}/ok`),
      user: USER,
    })
    expect(found?.ids).toEqual([ID_A, ID_B])
    expect(calls).toEqual([])
  })

  it('falls back to the logs when the API fails', async () => {
    const calls: string[] = []
    const found = await discoverMorphoMarkets({
      client: logClient(calls),
      chain: chainWith(`${base}/down`),
      user: USER,
    })
    expect(found?.ids).toEqual([ID_B])
    expect(calls).toContain('eth_getLogs')
  })

  it('scans logs for a pinned report (the API only knows the latest state), in block-span chunks', async () => {
    const calls: string[] = []
    const found = await discoverMorphoMarkets({
      client: logClient(calls),
      chain: chainWith(`${base}/ok`),
      user: USER,
      toBlock: 2_599n,
    })
    expect(found?.ids).toEqual([ID_B])
    // [100, 2599] in spans of 1,000 blocks: 3 chunks, sent concurrently.
    expect(calls).toEqual(['eth_getLogs', 'eth_getLogs', 'eth_getLogs'])
  })
})

describe('discoverMorphoMarkets at the latest block, the head read in the same round trip', () => {
  const chain: ChainRuntime = {
    key: 'ethereum',
    chainId: 1,
    rpcUrls: [],
    multicall3: '0xcA11bde05977b3631167028862bE2a173976CA11',
    aaveMarkets: [],
    usdPriceOracle: null,
    comets: [],
    gmxV2: [],
    morphoBlue: {
      chain: 'ethereum',
      morpho: '0xBBBBBbbBBb9cC5e90e3b3Af64bdAF62C37EEFFCb',
      fromBlock: 100n,
      logsBlockSpan: 1_000n,
    },
  }

  it('asks for `latest` and keeps only the logs at or below that head (the block the batch is pinned to)', async () => {
    const asked: unknown[] = []
    const client = {
      request: async (args: { method: string; params: unknown[] }) => {
        asked.push(args.params[0])
        // Market A at block 1,499, market B in block 1,501: mined after the head the node answered.
        return [
          { topics: ['0x00', ID_A, '0x00', '0x00'], blockNumber: '0x5db' },
          { topics: ['0x00', ID_B, '0x00', '0x00'], blockNumber: '0x5dd' },
        ]
      },
      getBlockNumber: async () => {
        throw new Error('the head comes from latestHead, not a read of its own')
      },
    } as unknown as PublicClient
    const found = await discoverMorphoMarkets({
      client,
      chain,
      user: USER,
      latestHead: Promise.resolve(1_500n),
    })
    expect(found?.ids).toEqual([ID_A])
    expect(asked).toMatchObject([{ fromBlock: '0x64', toBlock: 'latest' }])
  })
})
