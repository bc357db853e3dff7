import { existsSync, mkdirSync, writeFileSync } from 'node:fs'
import { dirname } from 'node:path'
import {
  type Address,
  createPublicClient,
  createTestClient,
  createWalletClient,
  http,
  type PublicClient,
} from 'viem'
import { VIEM_CHAINS } from '../chains/registry.js'
import { DEVCHAIN_CHAIN_ID, freePort, startAnvil } from './anvil.js'
import { batchReaderAbi, batchReaderBytecode } from './contracts/BatchReader.artifact.js'
import { DEVCHAIN_EMODE, DEVCHAIN_TOKENS, deployAave } from './deploy-aave.js'
import { deployAaveV4Double } from './deploy-aave-v4.js'
import { aaveV36ManifestSection, deployAaveV36 } from './deploy-aave-v36.js'
import { deployCometDouble } from './deploy-comet.js'
import { deployGmxDouble, seedStackerGmxPosition } from './deploy-gmx.js'
import { deployMorpho } from './deploy-morpho.js'
import { deployPendleDouble } from './deploy-pendle.js'
import { deploySmartAccountDemo } from './deploy-smart-accounts.js'
import {
  createUniswapPool,
  type DeployedUniswapPool,
  deployUniswapV3,
  SECOND_POOL_RANGES,
} from './deploy-uniswap.js'
import { deploySavingsVault } from './deploy-vault.js'
import type { DevchainManifest } from './manifest.js'
import { type PopulationMarketSpec, populationManifest, seedBorrowerPopulation } from './population.js'
import { seedCometGmxPopulation } from './population-comet-gmx.js'
import {
  DEVCHAIN_ROLES,
  seedDemoWallets,
  seedMorphoWallets,
  seedStackingWallets,
  seedVaultWallets,
} from './seed.js'
import { prepareAaveV36Accounts, seedAaveV36Wallets } from './seed-aave-v36.js'
import {
  DEVCHAIN_STATE_CACHE_DIR,
  devchainStateFiles,
  devchainStateKey,
  readCachedManifest,
  writeDevchainState,
} from './state-cache.js'
import { type DevchainClients, deploy } from './tx.js'

export { DEVCHAIN_STATE_CACHE_DIR }

/** The canonical Multicall3 address; the devchain puts its batch reader's code there. */
export const MULTICALL3_ADDRESS: Address = '0xcA11bde05977b3631167028862bE2a173976CA11'

/** anvil's default account 0 private key (public knowledge: anvil's test mnemonic). */
export const ANVIL_ADMIN_KEY = '0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80'

/** Default manifest path, relative to the working directory. */
export const DEFAULT_MANIFEST_PATH = '.stacklens/devchain.json'

/** Progress callback: one human-readable line per step. */
export type Progress = (message: string) => void

/** Clients for a devchain RPC URL. */
export function devchainClients(rpcUrl: string): DevchainClients {
  const transport = http(rpcUrl, { timeout: 30_000 })
  const chain = { ...VIEM_CHAINS.local, id: DEVCHAIN_CHAIN_ID }
  return {
    public: createPublicClient({ chain, transport }) as PublicClient,
    wallet: createWalletClient({ chain, transport }),
    test: createTestClient({ chain, transport, mode: 'anvil' }),
  }
}

/**
 * Deploys the whole devchain into an empty anvil at `rpcUrl`: the batch reader at the canonical
 * Multicall3 address, a real Aave v3 market, and the demo wallets. Returns the manifest.
 */
export async function deployDevchain(
  rpcUrl: string,
  progress: Progress = () => {},
  options: { population?: boolean | number } = {},
): Promise<DevchainManifest> {
  const clients = devchainClients(rpcUrl)
  const accounts = (await clients.wallet.getAddresses()) as Address[]
  const needed = Math.max(...Object.values(DEVCHAIN_ROLES)) + 1
  if (accounts.length < needed)
    throw new Error(`the devchain needs ${needed} unlocked accounts, anvil has ${accounts.length}`)
  const admin = accounts[DEVCHAIN_ROLES.admin]!

  progress('placing the batch reader at the Multicall3 address')
  const reader = await deploy(clients, {
    from: admin,
    abi: batchReaderAbi,
    bytecode: batchReaderBytecode,
    name: 'BatchReader',
  })
  const runtime = await clients.public.getCode({ address: reader })
  if (!runtime) throw new Error('BatchReader has no code')
  await clients.test.setCode({ address: MULTICALL3_ADDRESS, bytecode: runtime })

  const aave = await deployAave(clients, admin, progress)
  const wallets = await seedDemoWallets(clients, aave, accounts, progress)
  // The second Aave market (real v3.6), from its own impersonated account: no address below
  // moves, and the markets seeded after it keep their timing.
  const v36Admin = await prepareAaveV36Accounts(clients)
  const v36 = await deployAaveV36(clients, aave, v36Admin, progress)
  const v36Wallets = await seedAaveV36Wallets(clients, aave, v36, v36Admin, progress)
  const lp = accounts[DEVCHAIN_ROLES.liquidityProvider]!
  const vault = await deploySavingsVault(clients, aave, admin, lp, progress)
  const morpho = await deployMorpho(clients, aave, admin, lp, progress, [vault])
  wallets.push(...(await seedMorphoWallets(clients, aave, morpho, accounts, wallets, progress)))
  wallets.push(...(await seedStackingWallets(clients, aave, morpho, accounts, progress)))
  wallets.push(...(await seedVaultWallets(clients, aave, morpho, vault, accounts, progress)))
  const feedOf = (symbol: string) => aave.tokens.find((t) => t.symbol === symbol)!.priceFeed

  const manifest: DevchainManifest = {
    version: 1,
    chain: 'local',
    chainId: DEVCHAIN_CHAIN_ID,
    rpcUrl,
    startedAt: new Date().toISOString(),
    multicall3: MULTICALL3_ADDRESS,
    admin: {
      address: admin,
      privateKey: ANVIL_ADMIN_KEY,
      roles: ['ACL admin', 'pool admin', 'risk admin', 'price feed admin'],
    },
    aaveV3: {
      marketId: 'aave-v3-local',
      poolAddressesProvider: aave.poolAddressesProvider,
      pool: aave.pool,
      poolConfigurator: aave.poolConfigurator,
      aclManager: aave.aclManager,
      oracle: aave.oracle,
      protocolDataProvider: aave.protocolDataProvider,
      uiPoolDataProvider: aave.uiPoolDataProvider,
      libraries: aave.libraries,
      eModes: [
        {
          id: DEVCHAIN_EMODE.id,
          label: DEVCHAIN_EMODE.label,
          ltvBps: DEVCHAIN_EMODE.ltvBps,
          liquidationThresholdBps: DEVCHAIN_EMODE.liquidationThresholdBps,
          liquidationBonusBps: DEVCHAIN_EMODE.liquidationBonusBps,
          assets: DEVCHAIN_TOKENS.filter((t) => t.eModeCategory === DEVCHAIN_EMODE.id).map((t) => t.symbol),
        },
      ],
    },
    morphoBlue: {
      morpho: morpho.morpho,
      irm: morpho.irm,
      deployBlock: Number(morpho.deployBlock),
      markets: morpho.markets.map((m) => ({
        key: m.key,
        id: m.id,
        loanToken: m.params.loanToken,
        collateralToken: m.params.collateralToken,
        oracle: m.params.oracle,
        irm: m.params.irm,
        lltv: m.params.lltv.toString(),
        loanSymbol: m.loanSymbol,
        collateralSymbol: m.collateralSymbol,
      })),
    },
    tokens: aave.tokens.map((t) => ({
      symbol: t.symbol,
      decimals: t.decimals,
      address: t.address,
      aToken: t.aToken,
      variableDebtToken: t.variableDebtToken,
      stableDebtToken: t.stableDebtToken,
      priceFeed: {
        address: t.priceFeed,
        decimals: 8,
        initialPriceUsd: DEVCHAIN_TOKENS.find((s) => s.symbol === t.symbol)!.priceUsd,
      },
    })),
    vaults: [
      {
        symbol: vault.symbol,
        address: vault.address,
        asset: vault.asset,
        assetSymbol: vault.assetSymbol,
        decimals: vault.decimals,
        priceFeed: vault.priceFeed,
      },
    ],
    wallets,
    accounts: {
      liquidityProvider: accounts[DEVCHAIN_ROLES.liquidityProvider]!,
      swapDesk: accounts[DEVCHAIN_ROLES.swapDesk]!,
      liquidator: accounts[DEVCHAIN_ROLES.liquidator]!,
    },
    howTo: {
      movePrice:
        "Each token's price comes from a SettablePriceFeed (8 decimals) that AaveOracle reads. Call setAnswer(int256) on the token's priceFeed.address from the admin account; the new price applies from the next block.",
      movePriceExample: `cast send ${feedOf('WETH')} "setAnswer(int256)" 250000000000 --private-key ${ANVIL_ADMIN_KEY} --rpc-url ${rpcUrl}  # WETH = 2,500 USD`,
    },
  }

  // Compound v3 and GMX v2: no bytecode of theirs can be had here, so TEST DOUBLES speaking their
  // ABIs (Comet, GMX's Reader). Each extends some demo wallets and adds its own.
  const comet = await deployCometDouble(clients, manifest, progress)
  mergeDemoWallets(manifest, comet)
  manifest.compoundV3 = comet.manifest
  const gmx = await deployGmxDouble(clients, manifest, progress)
  mergeDemoWallets(manifest, gmx)
  manifest.gmxV2 = gmx.manifest
  await seedStackerGmxPosition(clients, manifest, gmx.manifest, progress)
  const looper = manifest.wallets.find((x) => x.key === 'looper')
  if (looper) looper.label = 'Multi-protocol looper (Aave + Morpho + Compound + GMX)'

  // Last, so every address above stays where it was: the real Uniswap v3 WETH/USDC pool (the
  // cascade's DEX depth) and, unless turned off, the borrower population.
  const uniswap = await deployUniswapV3(clients, aave, admin, { liquidityProvider: lp, progress })
  manifest.uniswapV3 = {
    factory: uniswap.factory,
    helper: uniswap.helper,
    deployBlock: Number(uniswap.deployBlock),
    pools: uniswap.pools.map(poolManifest),
  }
  if (options.population !== false) {
    const population = await seedBorrowerPopulation(clients, aave, morpho, {
      progress,
      ...(typeof options.population === 'number' ? { count: options.population } : {}),
    })
    manifest.population = populationManifest(population)
    manifest.accounts.populationOwner = population.owner
  }
  manifest.wallets.push(...v36Wallets)
  manifest.aaveV36 = aaveV36ManifestSection(
    v36,
    v36Admin,
    v36Wallets.map((w) => w.key),
  )
  // Aave V4 TEST DOUBLES (no V4 bytecode on npm) and the v3 + V4 stacker, after everything else
  // and from their own accounts, so no address or seeded block above moves.
  const v4 = await deployAaveV4Double(clients, aave, progress)
  manifest.wallets.push(...v4.wallets)
  manifest.aaveV4 = v4.manifest
  // After everything, from its own accounts: the smart-account registry stand-ins and proxy-owner.
  const smart = await deploySmartAccountDemo(clients, aave, morpho, progress)
  manifest.smartAccounts = smart.manifest
  manifest.wallets.push(...smart.wallets)
  // Last of all (no address above moves): a second WETH/USDC pool at another fee tier, so a
  // cascade's depth aggregates several pools.
  const second = await createUniswapPool(clients, uniswap, aave, admin, {
    fee: 500,
    liquidityProvider: lp,
    ranges: SECOND_POOL_RANGES,
    progress,
  })
  manifest.uniswapV3.pools.push(poolManifest(second))
  // And a population on the v3.6 market (a fifth of the main one's size), so a chain-wide cascade
  // spans both Aave markets.
  if (options.population !== false) {
    const count =
      typeof options.population === 'number' ? Math.max(1, Math.round(options.population / 5)) : 120
    const v36Population = await seedBorrowerPopulation(
      clients,
      { pool: v36.pool, oracle: v36.oracle, tokens: v36.reserves },
      morpho,
      { count, seed: 36, markets: V36_POPULATION_MARKETS, progress },
    )
    manifest.populationV36 = populationManifest(v36Population)
    // Last of all (admin transactions, no address above moves): Comet borrowers and GMX longs and
    // shorts, so the chain-wide cascade spans every protocol of the devchain.
    if (manifest.compoundV3 && manifest.gmxV2) {
      const n = typeof options.population === 'number' ? Math.max(2, Math.round(options.population / 10)) : 60
      manifest.populationCometGmx = await seedCometGmxPopulation(
        clients,
        manifest,
        manifest.compoundV3,
        manifest.gmxV2,
        { comet: n, gmx: n, progress },
      )
    }
  }
  // Last of all, from its own accounts (no address or seeded block above moves): the Pendle PT
  // and market TEST DOUBLES, the PT's Morpho market and the PT looper.
  const pendle = await deployPendleDouble(clients, aave, morpho, vault, progress)
  manifest.pendle = pendle.manifest
  manifest.wallets.push(...pendle.wallets)
  return manifest
}

/** The v3.6 market's population: WETH against USDC (the reserve's LTV and LT equal the v3.0 market's). */
const V36_POPULATION_MARKETS: readonly PopulationMarketSpec[] = [
  { key: 'aave:weth-usdc', protocol: 'aave-v3', collaterals: ['WETH'], debt: 'USDC', weight: 1 },
]

/** A deployed pool as the manifest lists it. */
function poolManifest(p: DeployedUniswapPool): NonNullable<DevchainManifest['uniswapV3']>['pools'][number] {
  return {
    key: p.key,
    address: p.address,
    token0: p.token0,
    token1: p.token1,
    token0Symbol: p.token0Symbol,
    token1Symbol: p.token1Symbol,
    decimals0: p.decimals0,
    decimals1: p.decimals1,
    baseSymbol: p.baseSymbol,
    quoteSymbol: p.quoteSymbol,
    fee: p.fee,
    tickSpacing: p.tickSpacing,
    ranges: p.ranges.map((r) => ({
      label: r.label,
      tickLower: r.tickLower,
      tickUpper: r.tickUpper,
      liquidity: r.liquidity.toString(),
    })),
  }
}

/** Adds a protocol's demo wallets to the manifest and extends the descriptions it names. */
function mergeDemoWallets(
  manifest: DevchainManifest,
  demo: { wallets: DevchainManifest['wallets']; walletUpdates: { key: string; descriptionSuffix: string }[] },
): void {
  for (const update of demo.walletUpdates) {
    const w = manifest.wallets.find((x) => x.key === update.key)
    if (w) w.description += update.descriptionSuffix
  }
  manifest.wallets.push(...demo.wallets)
}

/** A devchain this process started. */
export interface RunningDevchain {
  manifest: DevchainManifest
  rpcUrl: string
  /** Stops anvil. Idempotent. */
  stop(): Promise<void>
}

/** Options of {@link startDevchain}. */
export interface StartDevchainOptions {
  /** anvil port; a free one when omitted (8545 preferred). */
  port?: number
  /** Where to write the manifest; null to skip writing. */
  manifestPath?: string | null
  progress?: Progress
  /** Seed the borrower population (600 borrowers, about a second; a number sets the count). Default true. */
  population?: boolean | number
  /**
   * A folder (e.g. {@link DEVCHAIN_STATE_CACHE_DIR}) where the deployed and seeded state is kept
   * (anvil_dumpState, keyed by a hash of every deploy input: `devchainStateKey`) and loaded from
   * on the next start (`--load-state`, ~0.1 s instead of deploying and seeding again); null (the
   * default) always deploys. `STACKLENS_DEVCHAIN_CACHE=off` turns it off too. A loaded chain has
   * the same blocks, hashes, logs and state as the deployment it was dumped from and its clock
   * resumes at the last seeded block; anvil keeps no state of earlier blocks across a dump, so
   * calls pinned to a block before the start fail (BlockOutOfRange) where a fresh deploy answers.
   */
  stateCache?: string | null
}

/**
 * Starts anvil, deploys and seeds the devchain, and writes the manifest. The caller owns the
 * returned handle and must `stop()` it (the Node entry wires Ctrl-C to it).
 */
export async function startDevchain(options: StartDevchainOptions = {}): Promise<RunningDevchain> {
  const progress = options.progress ?? (() => {})
  const population = options.population ?? true
  const cacheDir = process.env.STACKLENS_DEVCHAIN_CACHE === 'off' ? null : (options.stateCache ?? null)
  const key = cacheDir ? devchainStateKey({ population }) : null
  const files = cacheDir && key ? devchainStateFiles(cacheDir, key) : null
  const cached = files && existsSync(files.state) && existsSync(files.manifest) ? files : null
  // A free port can be taken between the probe and anvil's bind (parallel test files), and a start
  // can time out on a loaded machine: when the caller did not ask for a port, try another one.
  let anvil: Awaited<ReturnType<typeof startAnvil>> | undefined
  let port = options.port ?? (await freePort(8545))
  for (let attempt = 1; anvil === undefined; attempt++) {
    progress(
      cached
        ? `starting anvil on 127.0.0.1:${port} from the cached deployment ${cached.state}`
        : `starting anvil on 127.0.0.1:${port}`,
    )
    try {
      anvil = await startAnvil(port, cached ? { loadState: cached.state } : {})
    } catch (err) {
      if (options.port !== undefined || attempt >= 5) throw err
      port = await freePort()
    }
  }
  let stopped = false
  const stop = async () => {
    if (stopped) return
    stopped = true
    await anvil.stop()
  }
  try {
    const rpcUrl = `http://127.0.0.1:${port}`
    let manifest = cached ? readCachedManifest(cached, rpcUrl) : null
    if (manifest) {
      // Resume the clock at the last seeded block, as right after a fresh deploy: otherwise the
      // first new block would accrue every position's interest over the cache's age.
      const clients = devchainClients(rpcUrl)
      const latest = await clients.public.getBlock({ blockTag: 'latest' })
      await clients.test.request({ method: 'evm_setTime', params: [Number(latest.timestamp)] } as never)
      progress(`loaded the deployed and seeded devchain (block ${latest.number})`)
    } else {
      manifest = await deployDevchain(rpcUrl, progress, { population })
      if (cacheDir && key) {
        await writeDevchainState(devchainClients(rpcUrl), cacheDir, key, manifest)
        progress(`cached the deployment under ${cacheDir} (key ${key})`)
      }
    }
    const path = options.manifestPath === undefined ? DEFAULT_MANIFEST_PATH : options.manifestPath
    if (path) writeManifest(path, manifest)
    return { manifest, rpcUrl, stop }
  } catch (err) {
    await stop()
    throw err
  }
}

/** Writes the manifest as pretty JSON, creating its directory. */
export function writeManifest(path: string, manifest: DevchainManifest): void {
  mkdirSync(dirname(path), { recursive: true })
  writeFileSync(path, `${JSON.stringify(manifest, null, 2)}\n`)
}
