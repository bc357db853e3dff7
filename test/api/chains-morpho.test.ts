/**
 * `GET /v1/chains` lists Morpho Blue on every registry chain Morpho publishes a singleton for
 * (issue 14), each with the source of its address and start block (Morpho's own registry, the
 * blue-sdk version named). Configuring a chain needs only its RPC URL in the environment: the
 * route reads nothing from it, so the URLs here point at nothing.
 */
import { describe, expect, it } from 'vitest'
import { createApp } from '../../src/api/app.js'
import { ChainsSchema } from '../../src/api/schemas.js'
import { CHAINS } from '../../src/chains/registry.js'
import { configFromEnv } from '../../src/config.js'
import { MORPHO_BLUE, MORPHO_BLUE_SOURCE } from '../../src/protocols/morpho-blue/markets.js'

const env = Object.fromEntries(
  Object.values(CHAINS)
    .filter((c) => c.key !== 'local')
    .map((c) => [c.rpcEnvVar, 'http://127.0.0.1:9']),
)

describe('GET /v1/chains: Morpho Blue on every chain with a published singleton', () => {
  it('lists morpho-blue-<chain> with its source on each, and on no other chain', async () => {
    const config = configFromEnv(env)
    const res = await createApp({ config }).request('/v1/chains')
    expect(res.status).toBe(200)
    const body = ChainsSchema.parse(await res.json())
    const withMorpho = body.chains
      .filter((c) => c.markets.some((m) => m.protocol === 'morpho-blue'))
      .map((c) => c.key)
      .sort()
    expect(withMorpho).toEqual(MORPHO_BLUE.map((m) => m.chain).sort())
    for (const key of ['unichain', 'worldchain', 'katana', 'arbitrum', 'optimism', 'polygon']) {
      const chain = body.chains.find((c) => c.key === key)!
      expect(chain).toMatchObject({ configured: true, chainId: CHAINS[key as keyof typeof CHAINS].chainId })
      expect(chain.markets.find((m) => m.protocol === 'morpho-blue')).toEqual({
        id: `morpho-blue-${key}`,
        protocol: 'morpho-blue',
        name: 'Morpho Blue (its markets are found per wallet from events)',
        version: 'v1',
        source: MORPHO_BLUE_SOURCE,
      })
    }
    expect(
      body.chains.find((c) => c.key === 'gnosis')!.markets.some((m) => m.protocol === 'morpho-blue'),
    ).toBe(false)
  })

  it('binds the singleton and deployment block per chain; no USD source where Aave has no Core market', () => {
    const config = configFromEnv(env)
    expect(config.chains.arbitrum!.morphoBlue).toMatchObject({
      morpho: '0x6c247b1F6182318877311737BaC0844bAa518F5e',
      fromBlock: 296_446_593n,
    })
    expect(config.chains.arbitrum!.usdPriceOracle).not.toBeNull()
    for (const key of ['unichain', 'worldchain', 'katana']) {
      expect(config.chains[key]!.morphoBlue).not.toBeNull()
      expect(config.chains[key]!.usdPriceOracle).toBeNull()
    }
  })
})
