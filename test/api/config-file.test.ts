/**
 * STACKLENS_CONFIG (issue 12 item 3): a declared chain with markets by address reads like the
 * devchain's own configuration, and a bad file names the field. The declared chain "myfork" is the
 * devchain itself (same RPC, chain id 31337), its markets given by the manifest's addresses: the
 * same wallet must read the same on `chain=myfork` as on `chain=local`.
 */
import { encodeAbiParameters } from 'viem'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createStacklens } from '../../src/app.js'
import { configFromEnv } from '../../src/config.js'
import { applyConfigFile, ConfigFileError, configWithFile, parseConfigFile } from '../../src/config-file.js'
import { startTestDevchain, type TestDevchain } from '../helpers/devchain.js'

const A = '0x1111111111111111111111111111111111111111'

describe('parseConfigFile: a bad file names the field', () => {
  it.each([
    ['not JSON', '{', /not JSON/],
    ['an unknown top-level key', '{"chainz": []}', /chainz/],
    [
      'a built-in chain key',
      '{"chains":[{"key":"ethereum","chainId":1,"rpcUrls":["http://x.example"]}]}',
      /chains\[0\]\.key: is a built-in chain key/,
    ],
    [
      'a bad chain key',
      '{"chains":[{"key":"My Fork","chainId":1,"rpcUrls":["http://x.example"]}]}',
      /chains\[0\]\.key/,
    ],
    ['no RPC URL', '{"chains":[{"key":"f","chainId":1,"rpcUrls":[]}]}', /chains\[0\]\.rpcUrls/],
    [
      'a bad address',
      '{"markets":[{"protocol":"morpho-blue","chain":"f","morpho":"0x12","startBlock":0}]}',
      /markets\[0\]\.morpho: "0x12" is not an address/,
    ],
    ['an unknown protocol', '{"markets":[{"protocol":"euler","chain":"f"}]}', /markets\[0\]\.protocol/],
    [
      'an unknown market field',
      `{"markets":[{"protocol":"morpho-blue","chain":"f","morpho":"${A}","startBlock":0,"irm":"x"}]}`,
      /markets\[0\]/,
    ],
    [
      'a chain declared twice',
      '{"chains":[{"key":"f","chainId":1,"rpcUrls":["http://x.example"]},{"key":"f","chainId":2,"rpcUrls":["http://y.example"]}]}',
      /"f" is declared twice/,
    ],
  ])('%s', (_, text, message) => {
    expect(() => parseConfigFile(text)).toThrow(ConfigFileError)
    expect(() => parseConfigFile(text)).toThrow(message)
  })

  it('a market on a chain neither declared nor configured', async () => {
    const file = parseConfigFile(
      `{"markets":[{"protocol":"compound-v3","chain":"nowhere","comets":["${A}"]}]}`,
    )
    await expect(applyConfigFile(file, {}, async () => '0x')).rejects.toThrow(
      /markets\[0\]\.chain: "nowhere" is neither declared in chains nor configured/,
    )
  })

  it('every protocol of the issue example parses into its adapter configuration', async () => {
    const file = parseConfigFile(
      JSON.stringify({
        chains: [
          {
            key: 'myfork',
            chainId: 31337,
            rpcUrls: ['http://127.0.0.1:8545'],
            multicall3: '0xcA11bde05977b3631167028862bE2a173976CA11',
          },
        ],
        markets: [
          {
            protocol: 'aave-v3',
            chain: 'myfork',
            id: 'aave-v3-myfork',
            poolAddressesProvider: A,
            uiPoolDataProvider: A,
          },
          { protocol: 'aave-v4', chain: 'myfork', id: 'aave-v4-myfork', hub: A, spokes: [A], startBlock: 0 },
          { protocol: 'morpho-blue', chain: 'myfork', morpho: A, startBlock: 0 },
          { protocol: 'compound-v3', chain: 'myfork', comets: [A] },
          {
            protocol: 'gmx-v2',
            chain: 'myfork',
            reader: A,
            dataStore: A,
            referralStorage: A,
            tickersUrl: 'http://127.0.0.1:9999/prices/tickers',
          },
        ],
      }),
    )
    const pool = '0x2222222222222222222222222222222222222222'
    const chains = await applyConfigFile(file, {}, async (_chain, to, data) => {
      expect(to).toBe(A)
      if (data === '0x026b1d5f') return `0x${pool.slice(2).padStart(64, '0')}` // PoolAddressesProvider.getPool()
      if (data === '0xc55dae63') return `0x${A.slice(2).padStart(64, '0')}` // Comet.baseToken()
      expect(data).toBe('0x95d89b41') // symbol()
      return encodeAbiParameters([{ type: 'string' }], ['USDC'])
    })
    const c = chains.myfork!
    expect(c.aaveMarkets).toMatchObject([{ id: 'aave-v3-myfork', pool, chain: 'myfork' }])
    expect(c.aaveV4).toMatchObject([{ id: 'aave-v4-myfork', chainId: 31337, hubs: [{ address: A }] }])
    expect(c.morphoBlue).toMatchObject({ morpho: A, fromBlock: 0n })
    expect(c.comets).toMatchObject([{ comet: A, chain: 'myfork', baseSymbol: 'USDC' }])
    expect(c.gmxV2).toMatchObject([
      { id: 'gmx-v2-myfork', prices: { kind: 'oracle', tickersUrl: 'http://127.0.0.1:9999/prices/tickers' } },
    ])
  })
})

describe('a declared chain on the devchain (STACKLENS_CONFIG)', () => {
  let t: TestDevchain
  let app: ReturnType<typeof createStacklens>['app']
  let local: ReturnType<typeof createStacklens>['app']
  beforeAll(async () => {
    t = await startTestDevchain()
    const m = t.manifest
    const file = {
      chains: [
        {
          key: 'myfork',
          chainId: m.chainId,
          rpcUrls: [m.rpcUrl],
          multicall3: m.multicall3,
          usdPriceOracle: m.aaveV3.oracle,
        },
      ],
      markets: [
        // No pool: resolved through PoolAddressesProvider.getPool() at start.
        {
          protocol: 'aave-v3',
          chain: 'myfork',
          id: 'aave-v3-myfork',
          poolAddressesProvider: m.aaveV3.poolAddressesProvider,
          uiPoolDataProvider: m.aaveV3.uiPoolDataProvider,
        },
        {
          protocol: 'morpho-blue',
          chain: 'myfork',
          morpho: m.morphoBlue!.morpho,
          startBlock: m.morphoBlue!.deployBlock,
        },
        { protocol: 'compound-v3', chain: 'myfork', comets: m.compoundV3!.comets.map((c) => c.comet) },
      ],
    }
    const config = await configWithFile(configFromEnv({}, m), JSON.stringify(file), 'test config')
    app = createStacklens({ config }).app
    local = createStacklens({ config: configFromEnv({}, m) }).app
  })
  afterAll(async () => {
    await t?.devchain.stop()
  })

  it('reads a wallet on the declared chain exactly as on the devchain configuration', async () => {
    const looper = t.manifest.wallets.find((w) => w.key === 'looper')!.address
    const block = await t.client.getBlockNumber()
    const [fork, dev] = await Promise.all([
      Promise.resolve(app.request(`/v1/wallets/${looper}?chain=myfork&block=${block}`)).then((r) => r.json()),
      Promise.resolve(local.request(`/v1/wallets/${looper}?chain=local&block=${block}`)).then((r) =>
        r.json(),
      ),
    ])
    type Row = {
      protocol: string
      status: string
      healthFactor: number | null
      collateralUsd: number
      debtUsd: number
    }
    const pick = (b: { positions: Row[] }, protocols: string[]) =>
      b.positions
        .filter((p) => protocols.includes(p.protocol))
        .map((p) => [p.protocol, p.status, p.healthFactor, p.collateralUsd, p.debtUsd])
    const fp = pick(fork as { positions: Row[] }, ['aave-v3', 'morpho-blue', 'compound-v3'])
    expect(fp.length).toBeGreaterThanOrEqual(3)
    expect(
      fp.filter((r) => r[1] !== 'ok'),
      JSON.stringify((fork as { positions: unknown[] }).positions),
    ).toEqual([])
    // The devchain config also serves the v3.6 market (not declared on myfork): compare the rest.
    const dp = pick(dev as { positions: Row[] }, ['aave-v3', 'morpho-blue', 'compound-v3']).filter((r) =>
      fp.some((f) => f[0] === r[0] && f[2] === r[2]),
    )
    expect(dp).toEqual(fp)
  })

  it('lists the declared chain and its markets; an unknown chain names it among the known', async () => {
    const chains = (await (await app.request('/v1/chains')).json()) as {
      chains: { key: string; configured: boolean; markets: { id: string; source: string }[] }[]
    }
    const fork = chains.chains.find((c) => c.key === 'myfork')!
    expect(fork.configured).toBe(true)
    expect(fork.markets.map((m) => m.id)).toContain('aave-v3-myfork')
    expect(fork.markets.find((m) => m.id === 'aave-v3-myfork')!.source).toBe('test config')
    const bad = await app.request('/v1/wallets/0x0000000000000000000000000000000000000001?chain=nofork')
    expect(bad.status).toBe(400)
    const body = (await bad.json()) as { error: { code: string; message: string } }
    expect(body.error.code).toBe('UNKNOWN_CHAIN')
    expect(body.error.message).toContain('myfork')
  })
})
