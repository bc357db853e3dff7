/**
 * STACKLENS_CONFIG `pendlePts`: a user adds a Pendle PT to the asset registry; a bad entry is a
 * clear ConfigFileError naming the field. Addresses are stand-ins (not real Pendle deployments),
 * except the Router and PendlePYLpOracle defaults, which are @pendle/core-v2 6.11.0's
 * deployments/1-core.json (`router`, `pyYtLpOracle`), the generated table.
 */
import { encodeAbiParameters } from 'viem'
import { describe, expect, it } from 'vitest'
import { configFromEnv } from '../../../src/config.js'
import {
  type ConfigChainCall,
  ConfigFileError,
  configWithFile,
  parseConfigFile,
  pendlePtsOfFile,
} from '../../../src/config-file.js'
import { createAssetContexts } from '../../../src/report/asset-contexts.js'

const PT = '0x00000000000000000000000000000000000000a1'
const MARKET = '0x00000000000000000000000000000000000000b2'
const SY = '0x00000000000000000000000000000000000000c3'
const USDE = '0x4c9edd5852cd905f086c759e8383e09bff1e68b3'
const base = configFromEnv({ STACKLENS_RPC_ETHEREUM: 'http://rpc.example' }, null)
const pt = (over: Record<string, unknown> = {}) =>
  JSON.stringify({
    pendlePts: [
      {
        chain: 'ethereum',
        pt: PT,
        symbol: 'PT-USDe',
        decimals: 18,
        market: MARKET,
        sy: SY,
        underlying: USDE,
        maturity: 1_800_000_000,
        ...over,
      },
    ],
  })
const noCall: ConfigChainCall = async () => {
  throw new Error('no chain call expected')
}
/** A market answering readTokens() with `ptOf` as its PT and expiry() with 1,800,000,000. */
const marketCall =
  (ptOf: `0x${string}`): ConfigChainCall =>
  async (_chain, _to, data) =>
    data === '0x2c8ce6bc'
      ? encodeAbiParameters([{ type: 'address' }, { type: 'address' }, { type: 'address' }], [SY, ptOf, SY])
      : encodeAbiParameters([{ type: 'uint256' }], [1_800_000_000n])

describe('pendlePts: good entries', () => {
  it('market price by default, with the chain’s published Router; joins the asset graph and its rate calls', async () => {
    const config = await configWithFile(base, pt(), 'test.json', noCall)
    expect(config.pendlePts).toHaveLength(1)
    const e = config.pendlePts![0]!
    expect(e.maturity).toBe(1_800_000_000n)
    expect(e.source.read).toEqual({ kind: 'market', router: '0x888888888889758F76e7103c6CbF23ABbF58F946' })
    const assets = createAssetContexts(config)
    expect(assets.graphFor('ethereum').nodes.get(`ethereum:${PT}`)?.kind).toBe('pt')
    const call = assets.rateCallsFor('ethereum').find((c) => c.target.toLowerCase() === MARKET)
    expect(call?.functionName).toBe('readState')
  })

  it('oracle price: the published PendlePYLpOracle, TWAP 900 s by default', async () => {
    const config = await configWithFile(base, pt({ price: 'oracle' }), 'test.json', noCall)
    expect(config.pendlePts![0]!.source.read).toEqual({
      kind: 'oracle',
      oracle: '0x5542be50420E88dd7D5B4a3D488FA6ED82F6DAc2',
      durationSeconds: 900,
      underlyingDecimals: 18,
    })
  })

  it('without sy and maturity, the market is asked (readTokens names the PT, expiry gives the maturity)', async () => {
    const file = parseConfigFile(pt({ sy: undefined, maturity: undefined }))
    const [e] = await pendlePtsOfFile(file, base.chains, marketCall(PT))
    expect(e!.maturity).toBe(1_800_000_000n)
    expect(e!.source.sy?.toLowerCase()).toBe(SY)
  })
})

describe('pendlePts: a bad entry names the field', () => {
  it.each([
    ['a bad PT address', { pt: '0x12' }, /pendlePts\[0\]\.pt: "0x12" is not an address/],
    ['decimals out of range', { decimals: 40 }, /pendlePts\[0\]\.decimals/],
    ['an unknown field', { expiry: 1 }, /pendlePts\[0\]/],
    ['an unknown price kind', { price: 'twap' }, /pendlePts\[0\]\.price/],
    [
      'a TWAP window on a market price',
      { twapSeconds: 900 },
      /oracle and twapSeconds apply to price "oracle" only/,
    ],
    ['a TWAP window too long', { price: 'oracle', twapSeconds: 100_000 }, /pendlePts\[0\]\.twapSeconds/],
    ['a negative maturity', { maturity: -1 }, /pendlePts\[0\]\.maturity/],
  ])('%s', (_, over, message) => {
    expect(() => parseConfigFile(pt(over))).toThrow(ConfigFileError)
    expect(() => parseConfigFile(pt(over))).toThrow(message)
  })

  it('a chain neither declared nor configured', async () => {
    await expect(configWithFile(base, pt({ chain: 'nowhere' }), 'test.json', noCall)).rejects.toThrow(
      /test\.json: pendlePts\[0\]\.chain: "nowhere" is neither declared in chains nor configured/,
    )
  })

  it('the same PT twice', async () => {
    const one = JSON.parse(pt()).pendlePts[0]
    const text = JSON.stringify({ pendlePts: [one, one] })
    await expect(configWithFile(base, text, 'test.json', noCall)).rejects.toThrow(
      /pendlePts\[1\]\.pt: .* listed twice/,
    )
  })

  it('a market whose readTokens names another PT, and one that cannot be read', async () => {
    const file = parseConfigFile(pt({ maturity: undefined }))
    await expect(pendlePtsOfFile(file, base.chains, marketCall(SY))).rejects.toThrow(
      /pendlePts\[0\]\.market: its readTokens\(\) names PT 0x0+C3, not 0x0+A1/,
    )
    await expect(pendlePtsOfFile(file, base.chains, noCall)).rejects.toThrow(
      /pendlePts\[0\]\.market: no sy\/maturity given, and the market's readTokens\(\)\/expiry\(\) on "ethereum" failed/,
    )
  })

  it('a declared chain where Pendle publishes no Router or oracle, none given', async () => {
    const chains = [{ key: 'myfork', chainId: 999_999, rpcUrls: ['http://f.example'] }]
    const market = JSON.stringify({
      chains,
      pendlePts: [{ ...JSON.parse(pt()).pendlePts[0], chain: 'myfork' }],
    })
    await expect(configWithFile(base, market, 'test.json', noCall)).rejects.toThrow(
      /pendlePts\[0\]\.router: not given, and Pendle publishes no Router for chain id 999999/,
    )
    const oracle = JSON.stringify({
      chains,
      pendlePts: [{ ...JSON.parse(pt()).pendlePts[0], chain: 'myfork', price: 'oracle' }],
    })
    await expect(configWithFile(base, oracle, 'test.json', noCall)).rejects.toThrow(
      /pendlePts\[0\]\.oracle: not given, and Pendle publishes no PendlePYLpOracle for chain id 999999/,
    )
  })
})
