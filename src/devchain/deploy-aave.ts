import { type Abi, type Address, parseUnits, stringToHex, zeroAddress } from 'viem'
import { type HardhatArtifact, linkBytecode, loadArtifact } from './artifacts.js'
import { settablePriceFeedAbi, settablePriceFeedBytecode } from './contracts/SettablePriceFeed.artifact.js'
import { type DevchainClients, deploy, send } from './tx.js'

/** Risk parameters of one devchain reserve. Basis points where noted. */
export interface DevchainTokenSpec {
  symbol: string
  name: string
  decimals: number
  /** Initial oracle price, USD per whole token. */
  priceUsd: number
  ltvBps: number
  liquidationThresholdBps: number
  /** 10_000 + bonus. */
  liquidationBonusBps: number
  reserveFactorBps: number
  borrowable: boolean
  /** eMode category id, 0 for none. */
  eModeCategory: number
  /** Isolation-mode debt ceiling in USD (2 decimals on chain); 0 = not isolated. */
  debtCeilingUsd: number
  borrowableInIsolation: boolean
}

/**
 * The devchain's reserves, with risk parameters close to Aave v3 Ethereum's (LINK is the
 * isolated-mode asset). Prices are round numbers so hand computations stay readable.
 */
export const DEVCHAIN_TOKENS: readonly DevchainTokenSpec[] = [
  {
    symbol: 'WETH',
    name: 'Wrapped Ether',
    decimals: 18,
    priceUsd: 3000,
    ltvBps: 8050,
    liquidationThresholdBps: 8300,
    liquidationBonusBps: 10500,
    reserveFactorBps: 1500,
    borrowable: true,
    eModeCategory: 1,
    debtCeilingUsd: 0,
    borrowableInIsolation: false,
  },
  {
    symbol: 'wstETH',
    name: 'Wrapped liquid staked Ether 2.0',
    decimals: 18,
    priceUsd: 3600,
    ltvBps: 7850,
    liquidationThresholdBps: 8100,
    liquidationBonusBps: 10600,
    reserveFactorBps: 1500,
    borrowable: true,
    eModeCategory: 1,
    debtCeilingUsd: 0,
    borrowableInIsolation: false,
  },
  {
    symbol: 'WBTC',
    name: 'Wrapped BTC',
    decimals: 8,
    priceUsd: 60000,
    ltvBps: 7300,
    liquidationThresholdBps: 7800,
    liquidationBonusBps: 10500,
    reserveFactorBps: 2000,
    borrowable: true,
    eModeCategory: 0,
    debtCeilingUsd: 0,
    borrowableInIsolation: false,
  },
  {
    symbol: 'USDC',
    name: 'USD Coin',
    decimals: 6,
    priceUsd: 1,
    ltvBps: 7700,
    liquidationThresholdBps: 8000,
    liquidationBonusBps: 10450,
    reserveFactorBps: 1000,
    borrowable: true,
    eModeCategory: 0,
    debtCeilingUsd: 0,
    borrowableInIsolation: true,
  },
  {
    symbol: 'LINK',
    name: 'ChainLink Token',
    decimals: 18,
    priceUsd: 15,
    ltvBps: 5000,
    liquidationThresholdBps: 6500,
    liquidationBonusBps: 10750,
    reserveFactorBps: 2000,
    borrowable: false,
    eModeCategory: 0,
    debtCeilingUsd: 5_000_000,
    borrowableInIsolation: false,
  },
]

/** The devchain's eMode category: ETH-correlated assets. */
export const DEVCHAIN_EMODE = {
  id: 1,
  label: 'ETH correlated',
  ltvBps: 9300,
  liquidationThresholdBps: 9500,
  liquidationBonusBps: 10100,
} as const

/** A deployed token of the devchain market. */
export interface DeployedToken {
  symbol: string
  decimals: number
  address: Address
  aToken: Address
  variableDebtToken: Address
  stableDebtToken: Address
  /** The SettablePriceFeed AaveOracle reads for this token (8 decimals). */
  priceFeed: Address
}

/** Addresses of a deployed devchain Aave v3 market. */
export interface DeployedAave {
  poolAddressesProvider: Address
  pool: Address
  poolConfigurator: Address
  aclManager: Address
  oracle: Address
  protocolDataProvider: Address
  uiPoolDataProvider: Address
  /** USD/USD feed (1e8) used as UiPoolDataProvider's market reference aggregator. */
  usdFeed: Address
  libraries: Record<string, Address>
  tokens: DeployedToken[]
  abis: { pool: Abi; token: Abi }
}

const RAY_DECIMALS = 27

/** Parses a percentage like 0.8 into RAY. */
function ray(value: string): bigint {
  return parseUnits(value, RAY_DECIMALS)
}

/**
 * Deploys a real Aave v3.0 market from the `@aave/core-v3` 1.19.3 artifacts and the
 * `@aave/periphery-v3` 2.5.2 UiPoolDataProviderV3, with SettablePriceFeed price sources, the
 * {@link DEVCHAIN_TOKENS} reserves and the {@link DEVCHAIN_EMODE} category. `admin` becomes ACL
 * admin, pool admin and owner of every feed.
 */
export async function deployAave(
  clients: DevchainClients,
  admin: Address,
  progress: (message: string) => void = () => {},
): Promise<DeployedAave> {
  const core = (name: string): HardhatArtifact => loadArtifact('@aave/core-v3', name)
  const from = admin
  const dep = (
    artifact: HardhatArtifact,
    args: readonly unknown[] = [],
    libs: Record<string, Address> = {},
  ) =>
    deploy(clients, {
      from,
      abi: artifact.abi,
      bytecode: linkBytecode(artifact, libs),
      args,
      name: artifact.contractName,
    })

  progress('deploying Aave v3 core (addresses provider, ACL, libraries, pool)')
  const providerArt = core('PoolAddressesProvider')
  const provider = await dep(providerArt, ['Stacklens Devchain Market', admin])
  await send(clients, {
    from,
    address: provider,
    abi: providerArt.abi,
    functionName: 'setACLAdmin',
    args: [admin],
  })
  const aclArt = core('ACLManager')
  const aclManager = await dep(aclArt, [provider])
  await send(clients, {
    from,
    address: provider,
    abi: providerArt.abi,
    functionName: 'setACLManager',
    args: [aclManager],
  })
  await send(clients, {
    from,
    address: aclManager,
    abi: aclArt.abi,
    functionName: 'addPoolAdmin',
    args: [admin],
  })
  await send(clients, {
    from,
    address: aclManager,
    abi: aclArt.abi,
    functionName: 'addRiskAdmin',
    args: [admin],
  })

  const libraries: Record<string, Address> = {}
  for (const name of [
    'BorrowLogic',
    'BridgeLogic',
    'EModeLogic',
    'LiquidationLogic',
    'PoolLogic',
    'SupplyLogic',
  ]) {
    libraries[name] = await dep(core(name))
  }
  libraries.FlashLoanLogic = await dep(core('FlashLoanLogic'), [], libraries)
  libraries.ConfiguratorLogic = await dep(core('ConfiguratorLogic'))

  const poolArt = core('Pool')
  const poolImpl = await dep(poolArt, [provider], libraries)
  await send(clients, {
    from,
    address: provider,
    abi: providerArt.abi,
    functionName: 'setPoolImpl',
    args: [poolImpl],
  })
  const configuratorArt = core('PoolConfigurator')
  const configuratorImpl = await dep(configuratorArt, [], libraries)
  await send(clients, {
    from,
    address: provider,
    abi: providerArt.abi,
    functionName: 'setPoolConfiguratorImpl',
    args: [configuratorImpl],
  })
  const pool = (await clients.public.readContract({
    address: provider,
    abi: providerArt.abi,
    functionName: 'getPool',
  })) as Address
  const poolConfigurator = (await clients.public.readContract({
    address: provider,
    abi: providerArt.abi,
    functionName: 'getPoolConfigurator',
  })) as Address
  const protocolDataProvider = await dep(core('AaveProtocolDataProvider'), [provider])
  await send(clients, {
    from,
    address: provider,
    abi: providerArt.abi,
    functionName: 'setPoolDataProvider',
    args: [protocolDataProvider],
  })

  progress('deploying test tokens and settable price feeds')
  const tokenArt = core('MintableERC20')
  const feedOf = (description: string, usd: number) =>
    deploy(clients, {
      from,
      abi: settablePriceFeedAbi,
      bytecode: settablePriceFeedBytecode,
      args: [admin, 8, description, parseUnits(String(usd), 8)],
      name: `SettablePriceFeed ${description}`,
    })
  const tokenAddresses: Address[] = []
  const feeds: Address[] = []
  for (const spec of DEVCHAIN_TOKENS) {
    tokenAddresses.push(await dep(tokenArt, [spec.name, spec.symbol, spec.decimals]))
    feeds.push(await feedOf(`${spec.symbol} / USD`, spec.priceUsd))
  }
  const usdFeed = await feedOf('USD / USD', 1)
  const oracleArt = core('AaveOracle')
  const oracle = await dep(oracleArt, [provider, tokenAddresses, feeds, zeroAddress, zeroAddress, 10n ** 8n])
  await send(clients, {
    from,
    address: provider,
    abi: providerArt.abi,
    functionName: 'setPriceOracle',
    args: [oracle],
  })

  progress('listing reserves')
  const aTokenImpl = await dep(core('AToken'), [pool])
  const stableImpl = await dep(core('StableDebtToken'), [pool])
  const variableImpl = await dep(core('VariableDebtToken'), [pool])
  const strategyArt = core('DefaultReserveInterestRateStrategy')
  const volatileStrategy = await dep(strategyArt, [
    provider,
    ray('0.8'),
    0n,
    ray('0.04'),
    ray('3'),
    ray('0.07'),
    ray('3'),
    ray('0.02'),
    ray('0.05'),
    ray('0.2'),
  ])
  const stableStrategy = await dep(strategyArt, [
    provider,
    ray('0.9'),
    0n,
    ray('0.05'),
    ray('0.6'),
    ray('0.005'),
    ray('0.6'),
    ray('0.01'),
    ray('0.08'),
    ray('0.2'),
  ])
  // One reserve per transaction: initializing several at once exceeds a block's gas.
  for (const [i, spec] of DEVCHAIN_TOKENS.entries()) {
    await send(clients, {
      from,
      address: poolConfigurator,
      abi: configuratorArt.abi,
      functionName: 'initReserves',
      args: [
        [
          {
            aTokenImpl,
            stableDebtTokenImpl: stableImpl,
            variableDebtTokenImpl: variableImpl,
            underlyingAssetDecimals: spec.decimals,
            interestRateStrategyAddress: spec.symbol === 'USDC' ? stableStrategy : volatileStrategy,
            underlyingAsset: tokenAddresses[i],
            treasury: admin,
            incentivesController: zeroAddress,
            aTokenName: `Aave Devchain ${spec.symbol}`,
            aTokenSymbol: `aDev${spec.symbol}`,
            variableDebtTokenName: `Aave Devchain Variable Debt ${spec.symbol}`,
            variableDebtTokenSymbol: `variableDebtDev${spec.symbol}`,
            stableDebtTokenName: `Aave Devchain Stable Debt ${spec.symbol}`,
            stableDebtTokenSymbol: `stableDebtDev${spec.symbol}`,
            params: stringToHex(''),
          },
        ],
      ],
    })
  }

  const cfg = (functionName: string, args: readonly unknown[]) =>
    send(clients, { from, address: poolConfigurator, abi: configuratorArt.abi, functionName, args } as never)
  await cfg('setEModeCategory', [
    DEVCHAIN_EMODE.id,
    DEVCHAIN_EMODE.ltvBps,
    DEVCHAIN_EMODE.liquidationThresholdBps,
    DEVCHAIN_EMODE.liquidationBonusBps,
    zeroAddress,
    DEVCHAIN_EMODE.label,
  ])
  for (const [i, spec] of DEVCHAIN_TOKENS.entries()) {
    const asset = tokenAddresses[i]!
    await cfg('configureReserveAsCollateral', [
      asset,
      spec.ltvBps,
      spec.liquidationThresholdBps,
      spec.liquidationBonusBps,
    ])
    if (spec.borrowable) await cfg('setReserveBorrowing', [asset, true])
    await cfg('setReserveFactor', [asset, spec.reserveFactorBps])
    if (spec.eModeCategory !== 0) await cfg('setAssetEModeCategory', [asset, spec.eModeCategory])
    if (spec.debtCeilingUsd !== 0) await cfg('setDebtCeiling', [asset, BigInt(spec.debtCeilingUsd) * 100n])
    if (spec.borrowableInIsolation) await cfg('setBorrowableInIsolation', [asset, true])
  }

  progress('deploying UiPoolDataProviderV3 (periphery 2.5.2)')
  const uiArt = loadArtifact('@aave/periphery-v3', 'UiPoolDataProviderV3')
  const wethFeed = feeds[DEVCHAIN_TOKENS.findIndex((t) => t.symbol === 'WETH')]!
  const uiPoolDataProvider = await dep(uiArt, [wethFeed, usdFeed])

  const dataArt = core('AaveProtocolDataProvider')
  const tokens: DeployedToken[] = []
  for (const [i, spec] of DEVCHAIN_TOKENS.entries()) {
    const [aToken, stableDebtToken, variableDebtToken] = (await clients.public.readContract({
      address: protocolDataProvider,
      abi: dataArt.abi,
      functionName: 'getReserveTokensAddresses',
      args: [tokenAddresses[i]],
    })) as [Address, Address, Address]
    tokens.push({
      symbol: spec.symbol,
      decimals: spec.decimals,
      address: tokenAddresses[i]!,
      aToken,
      stableDebtToken,
      variableDebtToken,
      priceFeed: feeds[i]!,
    })
  }
  return {
    poolAddressesProvider: provider,
    pool,
    poolConfigurator,
    aclManager,
    oracle,
    protocolDataProvider,
    uiPoolDataProvider,
    usdFeed,
    libraries,
    tokens,
    abis: { pool: poolArt.abi, token: tokenArt.abi },
  }
}
