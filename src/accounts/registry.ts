/**
 * The smart-account registries of each chain, from the projects' own deployment records, and of
 * the devchain (its manifest's stand-ins). A chain absent here is read without account discovery
 * (no extra round trip).
 *
 * Sources:
 * - DSProxy ProxyRegistry `0x4678…3fE4`: MakerDAO's chainlog (`PROXY_REGISTRY`), the registry
 *   DeFi Saver's v3 contracts and scripts build their DSProxies through (Ethereum only).
 * - InstaList: Instadapp/dsa-contracts `docs/addresses.json` (`InstaList` per network).
 * - Summer.fi DPM AccountFactory / AccountGuard: OasisDEX/oasis-earn-sc
 *   `packages/deploy-configurations/configs/mainnet.conf.ts` (`mpa.core.AccountFactory`,
 *   `AccountGuard`); the same pair is wired in DeFi Saver's `MainnetSFProxyFactoryAddresses`.
 *   Its deployment block is not in those records: `fromBlock` 15,000,000 (June 2022) is a lower
 *   bound (DPM launched in late 2022; test/fork/smart-accounts-ethereum.test.ts checks the factory
 *   has no code there). DPM on Arbitrum, Base and Optimism (same configs) is not configured: no
 *   deployment block is recorded and a scan from genesis would exceed the log budget there.
 * - Safe: none. A Safe's owners are set in `setup` and emitted in `SafeSetup(initiator indexed,
 *   owners, ...)` with `owners` NOT indexed (and changed later by `AddedOwner(owner)`, not indexed
 *   in v1.3), and no on-chain registry maps an owner to its Safes: finding them takes an indexer
 *   (Safe's Transaction Service `GET /api/v1/owners/{owner}/safes/`). Query the Safe's own
 *   address instead.
 */
import type { Address } from '../core/address.js'
import type { DevchainManifest } from '../devchain/manifest.js'
import type { AccountRegistries } from './types.js'

const INSTADAPP_SOURCE = 'Instadapp/dsa-contracts docs/addresses.json'

/** The registries of the chains of the chain registry. */
export const ACCOUNT_REGISTRIES: Readonly<Record<string, AccountRegistries>> = {
  ethereum: {
    dsProxy: {
      registry: '0x4678f0a6958e4D2Bc4F1BAF7Bc52E8F3564f3fE4',
      source: 'MakerDAO chainlog PROXY_REGISTRY',
    },
    instadapp: { list: '0x4c8a1BEb8a87765788946D6B19C6C6355194AbEb', source: INSTADAPP_SOURCE },
    summerDpm: {
      factory: '0xF7B75183A2829843dB06266c114297dfbFaeE2b6',
      guard: '0xCe91349d2A4577BBd0fC91Fe6019600e047f2847',
      fromBlock: 15_000_000n,
      logsBlockSpan: 500_000n,
      source: 'OasisDEX/oasis-earn-sc deploy-configurations mainnet.conf.ts',
    },
  },
  arbitrum: { instadapp: { list: '0x3565F6057b7fFE36984779A507fC87b31EFb0f09', source: INSTADAPP_SOURCE } },
  base: { instadapp: { list: '0x9926955e0Dd681Dc303370C52f4Ad0a4dd061687', source: INSTADAPP_SOURCE } },
  optimism: { instadapp: { list: '0x9926955e0Dd681Dc303370C52f4Ad0a4dd061687', source: INSTADAPP_SOURCE } },
  polygon: { instadapp: { list: '0x839c2D3aDe63DF5b0b8F3E57D5e145057Ab41556', source: INSTADAPP_SOURCE } },
  avalanche: { instadapp: { list: '0x9926955e0Dd681Dc303370C52f4Ad0a4dd061687', source: INSTADAPP_SOURCE } },
}

/** The devchain's registries: the manifest's stand-ins (none in manifests written before them). */
export function localAccountRegistries(manifest: DevchainManifest): AccountRegistries {
  const s = manifest.smartAccounts
  if (!s) return {}
  const source = 'devchain manifest (stand-ins: src/devchain/contracts/SmartAccountStandIns.sol)'
  return {
    dsProxy: { registry: s.proxyRegistry as Address, source },
    instadapp: { list: s.instaList as Address, source },
    summerDpm: {
      factory: s.dpmFactory as Address,
      guard: s.dpmGuard as Address,
      fromBlock: BigInt(s.deployBlock),
      logsBlockSpan: 1_000_000n,
      source,
    },
  }
}

/** The chain ids of the chains of {@link ACCOUNT_REGISTRIES} (a declared chain's id finds them). */
const CHAIN_IDS: Readonly<Record<number, string>> = {
  1: 'ethereum',
  42161: 'arbitrum',
  8453: 'base',
  10: 'optimism',
  137: 'polygon',
  43114: 'avalanche',
}

/**
 * The registries of a chain: the devchain's from its manifest, a known chain's from
 * {@link ACCOUNT_REGISTRIES}; a chain declared in STACKLENS_CONFIG (a fork, another RPC) gets the
 * registries of the known chain with its chain id, if any.
 */
export function accountRegistriesFor(
  chain: { key: string; chainId: number },
  localManifest: DevchainManifest | null,
): AccountRegistries {
  if (chain.key === 'local') return localManifest ? localAccountRegistries(localManifest) : {}
  const known = ACCOUNT_REGISTRIES[chain.key] ?? ACCOUNT_REGISTRIES[CHAIN_IDS[chain.chainId] ?? '']
  return known ?? {}
}

/** True when `r` names at least one registry (discovery has something to ask). */
export function hasRegistries(r: AccountRegistries): boolean {
  return r.dsProxy !== undefined || r.instadapp !== undefined || r.summerDpm !== undefined
}
