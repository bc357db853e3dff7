/**
 * The GMX v2.2 recording (../shared/protocols/gmx-synthetics/recordings/gmx-synthetics-a5c0c883.json:
 * the real Reader and its libraries, byte-identical to the live Arbitrum Reader) as an adapter
 * config, a chain runtime and a wallet read through the replay transport (a test stand-in for a
 * node: anything unrecorded is an error). GMX's prices are Reader arguments: the recording's
 * `tickers` of the block are served by an injected fetch (a stand-in for GMX's oracle service).
 */
import { type Address, getAddress, type PublicClient } from 'viem'
import type { GmxV2Config } from '../../src/protocols/gmx-v2/markets.js'
import { createGmxV2Adapter } from '../../src/protocols/gmx-v2/read.js'
import { readWallet } from '../../src/protocols/read-wallet.js'
import type { ChainRuntime } from '../../src/protocols/types.js'
import { CANONICAL_MULTICALL3, loadRecording, type Recording, replayClient } from './replay.js'

/** The parts of the recording these tests read. */
export interface GmxRecording extends Recording {
  contracts: Record<string, string>
  markets: Record<
    string,
    { name: string; marketToken: string; indexToken: string; longToken: string; shortToken: string }
  >
  tokens: Record<string, { address: string; decimals: number; symbol: string; synthetic?: boolean }>
  users: Record<string, string>
  tickers: { block: number; payload: unknown[] }[]
  expected: Record<
    string,
    {
      users: Record<
        string,
        { positions: { id: string; key: string; sizeInUsd: string; fees: Record<string, string> }[] }
      >
      markets: Record<
        string,
        {
          borrowingFactorPerSecondForLongs: string
          borrowingFactorPerSecondForShorts: string
          nextFunding: { fundingFactorPerSecond: string; longsPayShorts: boolean }
          config: {
            minCollateralFactor: string
            minCollateralFactorForLiquidation: string
            maxPositionImpactFactorForLiquidations: string
            positionFeeFactor: { balanceImproved: string; balanceWorsened: string }
          }
        }
      >
    }
  >
}

/** The recording file name. */
export const GMX_RECORDING_FILE = 'gmx-synthetics-a5c0c883.json'

/** The recording, or undefined when ../shared is absent. */
export function loadGmxRecording(): GmxRecording | undefined {
  return loadRecording<GmxRecording>('gmx-synthetics', GMX_RECORDING_FILE)
}

/** The recording's deployment as the adapter's config (WBTC and the synthetic BTC share a feed). */
export function gmxReplayConfig(r: Pick<GmxRecording, 'contracts' | 'tokens'>): GmxV2Config {
  return {
    id: 'gmx-v2-replay',
    chain: 'local',
    reader: getAddress(r.contracts.Reader!),
    dataStore: getAddress(r.contracts.DataStore!),
    referralStorage: getAddress(r.contracts.ReferralStorage!),
    prices: { kind: 'oracle', tickersUrl: 'https://gmx.replay/prices/tickers' },
    maxMarkets: 100,
    tokens: Object.values(r.tokens).map((t) => ({
      address: getAddress(t.address),
      symbol: t.symbol,
      decimals: t.decimals,
      ...(t.synthetic ? { synthetic: true } : {}),
      ...(t.symbol === 'BTC' || t.symbol === 'WBTC' ? { oracleFeedId: 'BTC' } : {}),
    })),
  }
}

/** A chain runtime `local` holding only the recording's GMX deployment. */
export function gmxReplayChain(config: GmxV2Config): ChainRuntime {
  return {
    key: 'local',
    chainId: 31337,
    rpcUrls: [],
    multicall3: CANONICAL_MULTICALL3,
    aaveMarkets: [],
    usdPriceOracle: null,
    morphoBlue: null,
    comets: [],
    gmxV2: [config],
  }
}

/** A fetch that answers GMX's tickers endpoint with the recording's tickers of `block`. */
export function gmxTickersFetch(r: GmxRecording, block: number): typeof fetch {
  const payload = r.tickers.find((t) => t.block === block)!.payload
  return (async () => new Response(JSON.stringify(payload), { status: 200 })) as typeof fetch
}

/** Reads `user` at `block` through the replay; returns the report, the client and the chain. */
export async function readGmxReplay(r: GmxRecording, user: string, block: number) {
  const { client } = replayClient(r)
  const config = gmxReplayConfig(r)
  const chain = gmxReplayChain(config)
  const adapter = createGmxV2Adapter({ fetchFn: gmxTickersFetch(r, block) })
  const report = await readWallet({
    client,
    chain,
    user: getAddress(user) as Address,
    blockNumber: BigInt(block),
    adapters: [adapter],
  })
  return { report, client: client as PublicClient, chain, adapter, config }
}
