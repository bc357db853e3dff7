/**
 * The devchain manifest: everything a client needs to use a running devchain. Written to
 * `.stacklens/devchain.json` and served at `GET /v1/chains/local/manifest`. Runtime-agnostic
 * (zod only) so the Worker can parse one passed as a variable.
 */

import { getAddress } from 'viem'
import { z } from 'zod'
import type { PendlePtEntry } from '../assets/pendle-source.js'
import type { Address } from '../core/address.js'
import type { AaveV4Deployment } from '../protocols/aave-v4/markets.js'
import type { CometConfig } from '../protocols/compound-v3/markets.js'
import type { GmxV2Config } from '../protocols/gmx-v2/markets.js'

const address = z.string().regex(/^0x[0-9a-fA-F]{40}$/, 'expected a 0x-prefixed 20-byte address')

/** A non-negative integer as a decimal string (raw units or 1e18-scaled factors). */
const uint = z.string().regex(/^\d+$/)

/** One Comet double of the devchain, as the manifest describes it. */
export const cometManifestEntrySchema = z.object({
  /** Market id the adapter reports, e.g. "compound-v3-local-usdc". */
  marketId: z.string(),
  comet: address,
  name: z.string(),
  symbol: z.string(),
  baseSymbol: z.string(),
  baseToken: address,
  baseTokenPriceFeed: address,
  baseDecimals: z.number().int().min(0).max(18),
  assets: z.array(
    z.object({
      symbol: z.string(),
      address,
      priceFeed: address,
      decimals: z.number().int().min(0).max(18),
      /** 1e18-scaled, decimal string. */
      borrowCollateralFactor: uint,
      /** 1e18-scaled, decimal string. */
      liquidateCollateralFactor: uint,
      /** 1e18-scaled, decimal string. */
      liquidationFactor: uint,
      /** Raw units, decimal string. */
      supplyCap: uint,
    }),
  ),
  /** The double's flat interest rates, per second, 1e18-scaled decimal strings. */
  interest: z.object({ supplyPerSecond: uint, borrowPerSecond: uint }),
})

/**
 * The manifest section of the devchain's Compound v3 market (`compoundV3` in the manifest).
 * `kind` says plainly that these are test doubles, not Comet bytecode.
 */
export const cometManifestSchema = z.object({
  kind: z.literal('test-double'),
  note: z.string(),
  comets: z.array(cometManifestEntrySchema),
})

/** The parsed manifest section. */
export type CometManifest = z.infer<typeof cometManifestSchema>
/** One Comet double in the manifest. */
export type CometManifestEntry = z.infer<typeof cometManifestEntrySchema>

/** One market of the devchain's GMX double. Factors: GMX units (30 decimals) as decimal strings. */
export const gmxManifestMarketSchema = z.object({
  key: z.string(),
  marketToken: address,
  indexToken: address,
  longToken: address,
  shortToken: address,
  indexSymbol: z.string(),
  minCollateralFactor: uint,
  maxPositionImpactFactorForLiquidations: uint,
})

/** The `gmxV2` manifest section. `kind` says plainly that the Reader is a test double. */
export const gmxManifestSchema = z.object({
  kind: z.literal('test-double'),
  note: z.string(),
  reader: address,
  dataStore: address,
  referralStorage: address,
  /** MIN_COLLATERAL_USD, USD 30 decimals. */
  minCollateralUsd: uint,
  markets: z.array(gmxManifestMarketSchema),
  tokens: z.array(
    z.object({
      symbol: z.string(),
      address,
      decimals: z.number().int(),
      priceFeed: address,
      feedDecimals: z.number().int(),
    }),
  ),
})

/** The parsed `gmxV2` manifest section. */
export type GmxManifest = z.infer<typeof gmxManifestSchema>

/** The adapter's config for the devchain's GMX double: feeds as the price source, markets as hints. */
export function localGmxConfigs(section: GmxManifest): GmxV2Config[] {
  return [
    {
      id: 'gmx-v2-local',
      chain: 'local',
      reader: getAddress(section.reader),
      dataStore: getAddress(section.dataStore),
      referralStorage: getAddress(section.referralStorage),
      tokens: section.tokens.map((t) => ({
        address: getAddress(t.address),
        symbol: t.symbol,
        decimals: t.decimals,
      })),
      markets: section.markets.map((m) => ({
        marketToken: getAddress(m.marketToken),
        indexToken: getAddress(m.indexToken),
        longToken: getAddress(m.longToken),
        shortToken: getAddress(m.shortToken),
      })),
      prices: {
        kind: 'feeds',
        feeds: section.tokens.map((t) => ({
          token: getAddress(t.address),
          feed: getAddress(t.priceFeed),
          feedDecimals: t.feedDecimals,
        })),
      },
    },
  ]
}

/**
 * The `aaveV4` manifest section: Aave V4 TEST DOUBLES (a Hub, Spokes and their AaveOracles; no V4
 * bytecode ships on npm), src/devchain/contracts/AaveV4SpokeDouble.sol. `kind` says so plainly.
 */
export const aaveV4ManifestSchema = z.object({
  kind: z.literal('test-double'),
  note: z.string(),
  /** The adapter's deployment id, e.g. "aave-v4-local". */
  deploymentId: z.string(),
  /** Deployer and admin of the doubles, also their liquidity provider (impersonated). */
  admin: address,
  hub: address,
  /** The block before the first V4 deployment: where discovery starts. */
  deployBlock: z.number().int().min(0),
  /** Spoke-wide liquidation config: target HF and HF for max bonus (WAD strings), bonus factor. */
  liquidationConfig: z.object({
    targetHealthFactor: uint,
    healthFactorForMaxBonus: uint,
    liquidationBonusFactorBps: z.number().int(),
  }),
  /** The Hub's assets, by assetId; the double's flat drawn rate (RAY per year, linear). */
  assets: z.array(
    z.object({
      assetId: z.number().int(),
      symbol: z.string(),
      underlying: address,
      decimals: z.number().int(),
      drawnRateRay: uint,
    }),
  ),
  spokes: z.array(
    z.object({
      key: z.string(),
      /** Market id of the Spoke's positions. */
      id: z.string(),
      name: z.string(),
      spoke: address,
      oracle: address,
      reserves: z.array(
        z.object({
          reserveId: z.number().int(),
          symbol: z.string(),
          assetId: z.number().int(),
          underlying: address,
          decimals: z.number().int(),
          /** The SettablePriceFeed the Spoke's oracle reads (shared with Aave v3). */
          priceFeed: address,
          collateralRiskBps: z.number().int(),
          borrowable: z.boolean(),
          /** Config key 0. */
          collateralFactorBps: z.number().int(),
          maxLiquidationBonusBps: z.number().int(),
          liquidationFeeBps: z.number().int(),
        }),
      ),
    }),
  ),
  /** Keys of the demo wallets with a V4 position. */
  wallets: z.array(z.string()),
})

/** The parsed `aaveV4` manifest section. */
export type AaveV4Manifest = z.infer<typeof aaveV4ManifestSchema>

/** The Aave V4 adapter's deployment for the devchain's V4 doubles (source: "devchain manifest (test double)"). */
export function localAaveV4Deployments(section: AaveV4Manifest, chainId: number): AaveV4Deployment[] {
  return [
    {
      id: section.deploymentId,
      chain: 'local',
      chainId,
      hubs: [{ name: 'Hub (test double)', address: getAddress(section.hub) }],
      spokes: section.spokes.map((s) => ({
        id: s.id,
        name: s.name,
        address: getAddress(s.spoke),
        oracle: getAddress(s.oracle),
      })),
      startBlock: BigInt(section.deployBlock),
      logsBlockSpan: 1_000_000n,
      source: 'devchain manifest (test double)',
    },
  ]
}

/**
 * A second Aave market of the devchain (`aaveV36` in the manifest): the same fields as `aaveV3`
 * (so a chain config binds it the same way: `marketId`, `poolAddressesProvider`, `pool`,
 * `uiPoolDataProvider`, `oracle`), plus the version it runs, its reserves (its own aTokens and
 * debt tokens over the devchain's tokens) and eModes of the v3.2+ kind (collateral and borrowable
 * sets).
 */
export const aaveMarketV36ManifestSchema = z.object({
  marketId: z.string(),
  /** The aave-v3-origin release the bytecode was compiled from, e.g. "3.6.0". */
  version: z.string(),
  /** `Pool.POOL_REVISION()` (10 = v3.6). */
  poolRevision: z.number().int(),
  /**
   * Deployer and ACL/pool/risk admin of this market (anvil's test mnemonic, index 26,
   * impersonated). Prices still move through the shared feeds' owner, the manifest's `admin`.
   */
  admin: address,
  poolAddressesProvider: address,
  pool: address,
  poolImplementation: address,
  poolConfigurator: address,
  aclManager: address,
  oracle: address,
  protocolDataProvider: address,
  uiPoolDataProvider: address,
  interestRateStrategy: address,
  libraries: z.record(z.string(), address),
  /** Where the bytecode came from: npm package and version, solc version and settings. */
  source: z.object({
    package: z.string(),
    version: z.string(),
    solc: z.string(),
    optimizerRuns: z.number().int(),
    evmVersion: z.string(),
    viaIR: z.boolean(),
  }),
  reserves: z.array(
    z.object({
      symbol: z.string(),
      decimals: z.number().int().min(0).max(36),
      address,
      aToken: address,
      variableDebtToken: address,
      /** The SettablePriceFeed (8 decimals) the market's AaveOracle reads; shared with `aaveV3`. */
      priceFeed: address,
      /** Reserve LTV and LT in bps; both 0 for an eMode-only collateral. */
      ltvBps: z.number().int(),
      liquidationThresholdBps: z.number().int(),
    }),
  ),
  eModes: z.array(
    z.object({
      id: z.number().int(),
      label: z.string(),
      ltvBps: z.number().int(),
      liquidationThresholdBps: z.number().int(),
      liquidationBonusBps: z.number().int(),
      /** Symbols of the collateral bitmap and the borrowable bitmap together. */
      assets: z.array(z.string()),
      collateral: z.array(z.string()),
      borrowable: z.array(z.string()),
    }),
  ),
  /** Keys of the demo wallets with a position on this market. */
  wallets: z.array(z.string()),
})

/** The parsed `aaveV36` manifest section. */
export type AaveMarketV36Manifest = z.infer<typeof aaveMarketV36ManifestSchema>

/** One token of the devchain market. */
export const manifestTokenSchema = z.object({
  symbol: z.string(),
  decimals: z.number().int().min(0).max(36),
  address,
  aToken: address,
  variableDebtToken: address,
  stableDebtToken: address,
  priceFeed: z.object({
    address,
    decimals: z.number().int(),
    /** Current answer in USD, informative (the chain is the truth). */
    initialPriceUsd: z.number(),
  }),
})

/** One ERC-4626 vault of the devchain (its rate is read on chain: convertToAssets). */
export const manifestVaultSchema = z.object({
  symbol: z.string(),
  address,
  /** The vault's underlying asset. */
  asset: address,
  assetSymbol: z.string(),
  /** Share decimals. */
  decimals: z.number().int().min(0).max(36),
  /**
   * USD price feed of one share (a SettablePriceFeed, 8 decimals, moved by the admin), what the
   * vault's Morpho market oracle reads. The exposure resolver does not use it: it reads the rate.
   */
  priceFeed: address,
})

/**
 * The devchain's Pendle section: TEST DOUBLES of a PT and its market's views
 * (src/devchain/contracts/PendleMarketDouble.sol; no Pendle bytecode is available here), each PT
 * valued by stacklens from its market's readState at the block, and the Morpho market taking it
 * as collateral.
 */
export const pendleManifestSchema = z.object({
  kind: z.literal('test-double'),
  note: z.string(),
  /** The `router` argument passed to readState (the double ignores it). */
  router: address,
  /**
   * The PendlePYLpOracle double (a rate set per market, no TWAP), for a config entry pricing a
   * PT with `price: "oracle"`; absent in manifests written before it.
   */
  oracle: address.optional(),
  deployBlock: z.number().int().min(0),
  pts: z.array(
    z.object({
      symbol: z.string(),
      pt: address,
      market: address,
      sy: address,
      underlying: address,
      underlyingSymbol: z.string(),
      decimals: z.number().int().min(0).max(36),
      /** Unix seconds. */
      maturity: z.number().int().positive(),
      /** The market's lastLnImpliedRate at seeding, WAD, decimal string. */
      lnImpliedRateWad: z.string(),
      /** The PT's USD feed (SettablePriceFeed, 8 decimals) its Morpho market's oracle reads. */
      priceFeed: address,
      /** The Morpho market taking the PT as collateral. */
      morphoMarketId: z.string(),
    }),
  ),
  /** Keys of the demo wallets holding a PT. */
  wallets: z.array(z.string()),
})

/** The devchain's Pendle section. */
export type PendleManifest = z.infer<typeof pendleManifestSchema>

/** The devchain PTs as asset-registry entries (valued from their market double's readState). */
export function localPendlePts(section: PendleManifest): PendlePtEntry[] {
  return section.pts.map((p) => ({
    chain: 'local',
    pt: p.pt,
    symbol: p.symbol,
    decimals: p.decimals,
    underlying: { chain: 'local', address: p.underlying, symbol: p.underlyingSymbol },
    maturity: BigInt(p.maturity),
    source: { market: p.market, sy: p.sy, read: { kind: 'market', router: section.router } },
  }))
}

/** A seeded demo wallet. */
export const manifestWalletSchema = z.object({
  key: z.string(),
  label: z.string(),
  address,
  description: z.string(),
})

/** A seeded borrower population, as the manifest lists it. */
const populationManifestSchema = z.object({
  factory: address,
  owner: address,
  count: z.number().int(),
  fromBlock: z.number().int(),
  toBlock: z.number().int(),
  byMarket: z.record(z.string(), z.number().int()),
  healthFactor: z.object({ min: z.number(), median: z.number(), max: z.number() }),
  collateralUsd: z.number(),
  debtUsd: z.number(),
})

/** The manifest document. */
export const devchainManifestSchema = z.object({
  version: z.literal(1),
  chain: z.literal('local'),
  chainId: z.number().int(),
  rpcUrl: z.string().url(),
  startedAt: z.string(),
  /** Address of the Multicall3-compatible batch reader (canonical Multicall3 address). */
  multicall3: address,
  admin: z.object({
    address,
    privateKey: z.string().regex(/^0x[0-9a-fA-F]{64}$/),
    roles: z.array(z.string()),
  }),
  aaveV3: z.object({
    marketId: z.string(),
    poolAddressesProvider: address,
    pool: address,
    poolConfigurator: address,
    aclManager: address,
    oracle: address,
    protocolDataProvider: address,
    uiPoolDataProvider: address,
    libraries: z.record(z.string(), address),
    eModes: z.array(
      z.object({
        id: z.number().int(),
        label: z.string(),
        ltvBps: z.number().int(),
        liquidationThresholdBps: z.number().int(),
        liquidationBonusBps: z.number().int(),
        assets: z.array(z.string()),
      }),
    ),
  }),
  /** The second Aave market: real v3.6 bytecode (absent in manifests written before it was added). */
  aaveV36: aaveMarketV36ManifestSchema.optional(),
  /** Morpho Blue (absent in manifests written before it was added). */
  morphoBlue: z
    .object({
      morpho: address,
      irm: address,
      deployBlock: z.number().int().min(0),
      markets: z.array(
        z.object({
          key: z.string(),
          id: z.string().regex(/^0x[0-9a-fA-F]{64}$/),
          loanToken: address,
          collateralToken: address,
          oracle: address,
          irm: address,
          /** WAD, decimal string. */
          lltv: z.string().regex(/^\d+$/),
          loanSymbol: z.string(),
          collateralSymbol: z.string(),
        }),
      ),
    })
    .optional(),
  /** Compound v3: a Comet TEST DOUBLE (no Comet bytecode can be had here). */
  compoundV3: cometManifestSchema.optional(),
  /** GMX v2: a Reader TEST DOUBLE (no GMX bytecode can be had here). */
  gmxV2: gmxManifestSchema.optional(),
  /** Aave V4: Hub and Spoke TEST DOUBLES (no V4 bytecode ships on npm). */
  aaveV4: aaveV4ManifestSchema.optional(),
  /** Uniswap v3: the REAL factory and pool bytecode (@uniswap/v3-core 1.0.1) with real liquidity. */
  uniswapV3: z
    .object({
      factory: address,
      /** OUR liquidity/swap callback helper (no periphery). */
      helper: address,
      deployBlock: z.number().int(),
      pools: z.array(
        z.object({
          key: z.string(),
          address,
          token0: address,
          token1: address,
          token0Symbol: z.string(),
          token1Symbol: z.string(),
          decimals0: z.number().int(),
          decimals1: z.number().int(),
          baseSymbol: z.string(),
          quoteSymbol: z.string(),
          fee: z.number().int(),
          tickSpacing: z.number().int(),
          ranges: z.array(
            z.object({
              label: z.string(),
              tickLower: z.number().int(),
              tickUpper: z.number().int(),
              liquidity: uint,
            }),
          ),
        }),
      ),
    })
    .optional(),
  /** The borrower population (contract accounts made by our BorrowerFactory in real transactions). */
  population: populationManifestSchema.optional(),
  /** A second population on the v3.6 market (absent in manifests written before it was added). */
  populationV36: populationManifestSchema.optional(),
  /**
   * The Comet double's borrowers and the GMX double's long and short positions seeded for the
   * chain-wide cascade (population-comet-gmx.ts); absent in manifests written before them.
   */
  populationCometGmx: z
    .object({
      comet: z.object({ market: z.string(), count: z.number().int() }),
      gmx: z.object({
        count: z.number().int(),
        longs: z.number().int(),
        shorts: z.number().int(),
        byMarket: z.record(z.string(), z.number().int()),
      }),
      fromBlock: z.number().int(),
      toBlock: z.number().int(),
    })
    .optional(),
  /**
   * Smart-account registries: STAND-INS speaking the real ABIs' subset (DSProxy ProxyRegistry,
   * InstaList, Summer.fi DPM AccountFactory/AccountGuard; SmartAccountStandIns.sol). Absent in
   * manifests written before them.
   */
  smartAccounts: z
    .object({
      kind: z.literal('stand-in'),
      note: z.string(),
      proxyRegistry: address,
      instaList: address,
      dpmFactory: address,
      dpmGuard: address,
      /** The block the registries were deployed at (DPM scans start there). */
      deployBlock: z.number().int().min(0),
    })
    .optional(),
  /** Pendle PT and market TEST DOUBLES (absent in manifests written before them). */
  pendle: pendleManifestSchema.optional(),
  tokens: z.array(manifestTokenSchema),
  /** ERC-4626 vaults (absent in manifests written before they were added). */
  vaults: z.array(manifestVaultSchema).optional(),
  wallets: z.array(manifestWalletSchema),
  /** Accounts the seeding used that are not demo wallets (liquidity provider, swap desk). */
  accounts: z.record(z.string(), address),
  howTo: z.object({
    movePrice: z.string(),
    movePriceExample: z.string(),
  }),
})

/** A parsed devchain manifest. */
export type DevchainManifest = z.infer<typeof devchainManifestSchema>
/** A vault entry. */
export type ManifestVault = z.infer<typeof manifestVaultSchema>
/** A demo wallet entry. */
export type ManifestWallet = z.infer<typeof manifestWalletSchema>

/** The adapter's market configs for the devchain's Comet doubles (full asset hints: one round trip). */
export function localCometConfigs(section: CometManifest): CometConfig[] {
  return section.comets.map((c) => ({
    id: c.marketId,
    chain: 'local',
    comet: c.comet as Address,
    // The devchain starts at block 0: its Comets' events are scanned from there.
    fromBlock: 0n,
    logsBlockSpan: 1_000_000n,
    baseSymbol: c.baseSymbol,
    baseToken: c.baseToken as Address,
    baseTokenPriceFeed: c.baseTokenPriceFeed as Address,
    assets: c.assets.map((a) => ({
      asset: a.address as Address,
      priceFeed: a.priceFeed as Address,
      symbol: a.symbol,
    })),
  }))
}
