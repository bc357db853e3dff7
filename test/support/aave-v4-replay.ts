/**
 * The ChainRuntime that reads the Aave V4 recording (../shared/protocols/aave-v4/recordings/
 * aave-v4-1e8de86.json) through the replay transport: its Hub and Spokes as one deployment on a
 * chain with no other market. Shared by the V4 replay and the stress-vs-real-liquidation tests.
 */
import type { Address } from '../../src/core/address.js'
import type { AaveV4Deployment } from '../../src/protocols/aave-v4/markets.js'
import type { ChainRuntime } from '../../src/protocols/types.js'
import { CANONICAL_MULTICALL3 } from './replay.js'

/** What of the V4 recording the runtime needs. */
export interface AaveV4RecordingShape {
  chainId: number
  /** Contract addresses by name; `hub` must be there. */
  contracts: Record<string, string>
  spokes: Record<string, { address: string; oracle: string }>
}

/** The market id of the recording's Spoke `label` (e.g. "main"). */
export const aaveV4ReplayMarket = (label: string) => `aave-v4-replay-${label}`

/** The recording's deployment and the chain that serves only it. */
export function aaveV4ReplayChain(r: AaveV4RecordingShape): {
  deployment: AaveV4Deployment
  chain: ChainRuntime
} {
  const deployment: AaveV4Deployment = {
    id: 'aave-v4-replay',
    chain: 'local',
    chainId: r.chainId,
    hubs: [{ name: 'Hub', address: r.contracts.hub as Address }],
    spokes: Object.entries(r.spokes).map(([label, s]) => ({
      id: aaveV4ReplayMarket(label),
      name: `Replay ${label}`,
      address: s.address as Address,
      oracle: s.oracle as Address,
    })),
    startBlock: 0n,
    logsBlockSpan: 1_000_000n,
    source: 'recording aave-v4-1e8de86.json',
  }
  const chain: ChainRuntime = {
    key: 'local',
    chainId: r.chainId,
    rpcUrls: [],
    multicall3: CANONICAL_MULTICALL3 as Address,
    aaveMarkets: [],
    usdPriceOracle: null,
    morphoBlue: null,
    comets: [],
    gmxV2: [],
    aaveV4: [deployment],
  }
  return { deployment, chain }
}
