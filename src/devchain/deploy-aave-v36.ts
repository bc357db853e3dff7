import { type Abi, type Address, encodeAbiParameters, zeroAddress } from 'viem'
import { linkBytecode } from './artifacts.js'
import {
  AAVE_V36_PACKAGE,
  AAVE_V36_PACKAGE_VERSION,
  AAVE_V36_SOLC,
  type AaveV36Artifact,
  type AaveV36Artifacts,
  compileAaveV36,
} from './compile-aave-v36.js'
import type { DeployedAave } from './deploy-aave.js'
import type { AaveMarketV36Manifest } from './manifest.js'
import { type DevchainClients, deploy, send } from './tx.js'

/** Market id of the devchain's second Aave market (real v3.6 bytecode). */
export const AAVE_V36_MARKET_ID = 'aave-v36-local'

/** `POOL_REVISION()` of v3.6.0 (`src/contracts/instances/PoolInstance.sol:15`). */
export const AAVE_V36_POOL_REVISION = 10

/**
 * Interest-rate parameters of one reserve as `DefaultReserveInterestRateStrategyV2` takes them
 * (`IDefaultInterestRateStrategyV2.InterestRateData`): all in basis points, rates per year.
 */
export interface AaveV36RateSpec {
  optimalUsageRatioBps: number
  baseVariableBorrowRateBps: number
  variableRateSlope1Bps: number
  variableRateSlope2Bps: number
}

/** One reserve of the v3.6 market. Basis points where noted. */
export interface AaveV36ReserveSpec {
  /** Symbol of the devchain token (the v3.0 market's token is reused). */
  symbol: string
  /** Reserve LTV and liquidation threshold; both 0 for an eMode-only collateral. */
  ltvBps: number
  liquidationThresholdBps: number
  /** 10_000 + bonus; 0 when the reserve LT is 0. */
  liquidationBonusBps: number
  reserveFactorBps: number
  borrowable: boolean
  rates: AaveV36RateSpec
}

const VOLATILE_RATES: AaveV36RateSpec = {
  optimalUsageRatioBps: 8000,
  baseVariableBorrowRateBps: 200,
  variableRateSlope1Bps: 400,
  variableRateSlope2Bps: 30_000,
}

const STABLE_RATES: AaveV36RateSpec = {
  optimalUsageRatioBps: 9000,
  baseVariableBorrowRateBps: 150,
  variableRateSlope1Bps: 550,
  variableRateSlope2Bps: 6000,
}

/**
 * The v3.6 market's reserves: the devchain's WETH, wstETH, WBTC and USDC with their v3.0 feeds.
 * wstETH is an eMode-only collateral (reserve LTV and LT 0; collateral only in eMode 1, at the
 * category's LTV/LT: the rule v3.6 introduced). Every reserve has a non-zero base rate, so
 * interest accrues at any utilization.
 */
export const AAVE_V36_RESERVES: readonly AaveV36ReserveSpec[] = [
  {
    symbol: 'WETH',
    ltvBps: 8050,
    liquidationThresholdBps: 8300,
    liquidationBonusBps: 10500,
    reserveFactorBps: 1500,
    borrowable: true,
    rates: VOLATILE_RATES,
  },
  {
    symbol: 'wstETH',
    ltvBps: 0,
    liquidationThresholdBps: 0,
    liquidationBonusBps: 0,
    reserveFactorBps: 1500,
    borrowable: true,
    rates: VOLATILE_RATES,
  },
  {
    symbol: 'WBTC',
    ltvBps: 7300,
    liquidationThresholdBps: 7800,
    liquidationBonusBps: 10500,
    reserveFactorBps: 2000,
    borrowable: true,
    rates: VOLATILE_RATES,
  },
  {
    symbol: 'USDC',
    ltvBps: 7700,
    liquidationThresholdBps: 8000,
    liquidationBonusBps: 10450,
    reserveFactorBps: 1000,
    borrowable: true,
    rates: STABLE_RATES,
  },
]

/** One eMode category of the v3.2+ kind: separate collateral and borrowable asset sets. */
export interface AaveV36EModeSpec {
  id: number
  label: string
  ltvBps: number
  liquidationThresholdBps: number
  /** 10_000 + bonus. */
  liquidationBonusBps: number
  /** Symbols in the category's collateral bitmap. */
  collateral: readonly string[]
  /** Symbols in the category's borrowable bitmap. */
  borrowable: readonly string[]
}

/**
 * The v3.6 market's eMode categories. 1: ETH correlated (WETH and the eMode-only wstETH as
 * collateral, both borrowable). 2: ETH -> USDC, collateral and borrowable sets that differ
 * (WETH collateral, USDC borrowable), which only the v3.2+ bitmaps can express.
 */
export const AAVE_V36_EMODES: readonly AaveV36EModeSpec[] = [
  {
    id: 1,
    label: 'ETH correlated',
    ltvBps: 9300,
    liquidationThresholdBps: 9500,
    liquidationBonusBps: 10100,
    collateral: ['WETH', 'wstETH'],
    borrowable: ['WETH', 'wstETH'],
  },
  {
    id: 2,
    label: 'ETH collateral, USDC debt',
    ltvBps: 8500,
    liquidationThresholdBps: 8800,
    liquidationBonusBps: 10400,
    collateral: ['WETH'],
    borrowable: ['USDC'],
  },
]

/** A reserve of the deployed v3.6 market. */
export interface DeployedAaveV36Reserve {
  symbol: string
  decimals: number
  address: Address
  aToken: Address
  variableDebtToken: Address
  /** The devchain SettablePriceFeed the v3.6 AaveOracle reads (shared with the v3.0 market). */
  priceFeed: Address
}

/** Addresses of the deployed v3.6 market. */
export interface DeployedAaveV36 {
  marketId: string
  poolRevision: number
  poolAddressesProvider: Address
  pool: Address
  poolImplementation: Address
  poolConfigurator: Address
  aclManager: Address
  oracle: Address
  protocolDataProvider: Address
  uiPoolDataProvider: Address
  interestRateStrategy: Address
  aTokenImplementation: Address
  variableDebtTokenImplementation: Address
  libraries: Record<string, Address>
  reserves: DeployedAaveV36Reserve[]
  abis: { pool: Abi; configurator: Abi; dataProvider: Abi; uiPoolDataProvider: Abi; rateStrategy: Abi }
  /** Where the bytecode came from. */
  source: {
    package: string
    version: string
    solc: string
    optimizerRuns: number
    evmVersion: string
    viaIR: boolean
  }
}

/**
 * Deploys a second, real Aave v3.6 market beside the v3.0 one: every contract compiled from the
 * `@aave-dao/aave-v3-origin` 3.6.0 sources ({@link compileAaveV36}), the reserves
 * {@link AAVE_V36_RESERVES} over the v3.0 market's tokens and SettablePriceFeeds, the
 * {@link AAVE_V36_EMODES} categories. `admin` becomes ACL admin, pool admin and risk admin.
 */
export async function deployAaveV36(
  clients: DevchainClients,
  aave: DeployedAave,
  admin: Address,
  progress: (message: string) => void = () => {},
): Promise<DeployedAaveV36> {
  progress(
    `compiling Aave v3.6 (${AAVE_V36_PACKAGE} ${AAVE_V36_PACKAGE_VERSION}, solc ${AAVE_V36_SOLC.version}; cached)`,
  )
  const art: AaveV36Artifacts = compileAaveV36()
  const from = admin
  const dep = (a: AaveV36Artifact, args: readonly unknown[] = [], libs: Record<string, Address> = {}) =>
    deploy(clients, {
      from,
      abi: a.abi,
      bytecode: linkBytecode({ ...a, sourceName: '' }, libs),
      args,
      name: `${a.contractName} (v3.6)`,
    })
  const call = (address: Address, abi: Abi, functionName: string, args: readonly unknown[]) =>
    send(clients, { from, address, abi, functionName, args } as never)
  const read = async <T>(address: Address, abi: Abi, functionName: string, args: readonly unknown[] = []) =>
    (await clients.public.readContract({ address, abi, functionName, args })) as T

  progress('deploying Aave v3.6 core (addresses provider, ACL, libraries, pool)')
  const providerAbi = art.PoolAddressesProvider.abi
  const provider = await dep(art.PoolAddressesProvider, ['Stacklens Devchain Market v3.6', admin])
  await call(provider, providerAbi, 'setACLAdmin', [admin])
  const aclManager = await dep(art.ACLManager, [provider])
  await call(provider, providerAbi, 'setACLManager', [aclManager])
  await call(aclManager, art.ACLManager.abi, 'addPoolAdmin', [admin])
  await call(aclManager, art.ACLManager.abi, 'addRiskAdmin', [admin])

  const libraries: Record<string, Address> = {}
  for (const name of [
    'BorrowLogic',
    'ConfiguratorLogic',
    'LiquidationLogic',
    'PoolLogic',
    'SupplyLogic',
  ] as const) {
    libraries[name] = await dep(art[name])
  }
  libraries.FlashLoanLogic = await dep(art.FlashLoanLogic, [], libraries)

  const interestRateStrategy = await dep(art.DefaultReserveInterestRateStrategyV2, [provider])
  const poolImplementation = await dep(art.PoolInstance, [provider, interestRateStrategy], libraries)
  await call(provider, providerAbi, 'setPoolImpl', [poolImplementation])
  const configuratorImpl = await dep(art.PoolConfiguratorInstance, [], libraries)
  await call(provider, providerAbi, 'setPoolConfiguratorImpl', [configuratorImpl])
  const pool = await read<Address>(provider, providerAbi, 'getPool')
  const poolConfigurator = await read<Address>(provider, providerAbi, 'getPoolConfigurator')
  const protocolDataProvider = await dep(art.AaveProtocolDataProvider, [provider])
  await call(provider, providerAbi, 'setPoolDataProvider', [protocolDataProvider])

  const tokenOf = (symbol: string) => {
    const t = aave.tokens.find((x) => x.symbol === symbol)
    if (!t) throw new Error(`no devchain token ${symbol}`)
    return t
  }
  const listed = AAVE_V36_RESERVES.map((r) => tokenOf(r.symbol))
  const oracle = await dep(art.AaveOracle, [
    provider,
    listed.map((t) => t.address),
    listed.map((t) => t.priceFeed),
    zeroAddress,
    zeroAddress,
    10n ** 8n,
  ])
  await call(provider, providerAbi, 'setPriceOracle', [oracle])

  progress('listing the v3.6 reserves and eModes')
  const aTokenImplementation = await dep(art.ATokenInstance, [pool, zeroAddress, admin])
  const variableDebtTokenImplementation = await dep(art.VariableDebtTokenInstance, [pool, zeroAddress])
  const cfgAbi = art.PoolConfiguratorInstance.abi
  const cfg = (functionName: string, args: readonly unknown[]) =>
    call(poolConfigurator, cfgAbi, functionName, args)
  for (const spec of AAVE_V36_RESERVES) {
    const t = tokenOf(spec.symbol)
    await cfg('initReserves', [
      [
        {
          aTokenImpl: aTokenImplementation,
          variableDebtTokenImpl: variableDebtTokenImplementation,
          underlyingAsset: t.address,
          aTokenName: `Aave Devchain v3.6 ${spec.symbol}`,
          aTokenSymbol: `aDev36${spec.symbol}`,
          variableDebtTokenName: `Aave Devchain v3.6 Variable Debt ${spec.symbol}`,
          variableDebtTokenSymbol: `variableDebtDev36${spec.symbol}`,
          params: '0x',
          interestRateData: encodeAbiParameters(
            [{ type: 'uint16' }, { type: 'uint32' }, { type: 'uint32' }, { type: 'uint32' }],
            [
              spec.rates.optimalUsageRatioBps,
              spec.rates.baseVariableBorrowRateBps,
              spec.rates.variableRateSlope1Bps,
              spec.rates.variableRateSlope2Bps,
            ],
          ),
        },
      ],
    ])
    if (spec.liquidationThresholdBps !== 0)
      await cfg('configureReserveAsCollateral', [
        t.address,
        spec.ltvBps,
        spec.liquidationThresholdBps,
        spec.liquidationBonusBps,
      ])
    if (spec.borrowable) await cfg('setReserveBorrowing', [t.address, true])
    await cfg('setReserveFactor', [t.address, spec.reserveFactorBps])
  }
  for (const e of AAVE_V36_EMODES) {
    await cfg('setEModeCategory', [e.id, e.ltvBps, e.liquidationThresholdBps, e.liquidationBonusBps, e.label])
    for (const symbol of e.collateral)
      await cfg('setAssetCollateralInEMode', [tokenOf(symbol).address, e.id, true])
    for (const symbol of e.borrowable)
      await cfg('setAssetBorrowableInEMode', [tokenOf(symbol).address, e.id, true])
  }

  progress('deploying UiPoolDataProviderV3 (v3.6)')
  const uiPoolDataProvider = await dep(art.UiPoolDataProviderV3, [tokenOf('WETH').priceFeed, aave.usdFeed])

  const revision = await read<bigint>(pool, art.PoolInstance.abi, 'POOL_REVISION')
  if (Number(revision) !== AAVE_V36_POOL_REVISION)
    throw new Error(`v3.6 Pool answers POOL_REVISION ${revision}, expected ${AAVE_V36_POOL_REVISION}`)
  const reserves: DeployedAaveV36Reserve[] = []
  for (const spec of AAVE_V36_RESERVES) {
    const t = tokenOf(spec.symbol)
    const [aToken, , variableDebtToken] = await read<[Address, Address, Address]>(
      protocolDataProvider,
      art.AaveProtocolDataProvider.abi,
      'getReserveTokensAddresses',
      [t.address],
    )
    reserves.push({
      symbol: spec.symbol,
      decimals: t.decimals,
      address: t.address,
      aToken,
      variableDebtToken,
      priceFeed: t.priceFeed,
    })
  }
  return {
    marketId: AAVE_V36_MARKET_ID,
    poolRevision: Number(revision),
    poolAddressesProvider: provider,
    pool,
    poolImplementation,
    poolConfigurator,
    aclManager,
    oracle,
    protocolDataProvider,
    uiPoolDataProvider,
    interestRateStrategy,
    aTokenImplementation,
    variableDebtTokenImplementation,
    libraries,
    reserves,
    abis: {
      pool: art.PoolInstance.abi,
      configurator: cfgAbi,
      dataProvider: art.AaveProtocolDataProvider.abi,
      uiPoolDataProvider: art.UiPoolDataProviderV3.abi,
      rateStrategy: art.DefaultReserveInterestRateStrategyV2.abi,
    },
    source: {
      package: AAVE_V36_PACKAGE,
      version: AAVE_V36_PACKAGE_VERSION,
      solc: AAVE_V36_SOLC.version,
      optimizerRuns: AAVE_V36_SOLC.optimizerRuns,
      evmVersion: AAVE_V36_SOLC.evmVersion,
      viaIR: AAVE_V36_SOLC.viaIR,
    },
  }
}

/** The `aaveV36` manifest section of a deployed v3.6 market and the keys of its demo wallets. */
export function aaveV36ManifestSection(
  v36: DeployedAaveV36,
  admin: Address,
  walletKeys: readonly string[],
): AaveMarketV36Manifest {
  return {
    marketId: v36.marketId,
    admin,
    version: v36.source.version,
    poolRevision: v36.poolRevision,
    poolAddressesProvider: v36.poolAddressesProvider,
    pool: v36.pool,
    poolImplementation: v36.poolImplementation,
    poolConfigurator: v36.poolConfigurator,
    aclManager: v36.aclManager,
    oracle: v36.oracle,
    protocolDataProvider: v36.protocolDataProvider,
    uiPoolDataProvider: v36.uiPoolDataProvider,
    interestRateStrategy: v36.interestRateStrategy,
    libraries: v36.libraries,
    source: v36.source,
    reserves: v36.reserves.map((r) => {
      const spec = AAVE_V36_RESERVES.find((x) => x.symbol === r.symbol)!
      return { ...r, ltvBps: spec.ltvBps, liquidationThresholdBps: spec.liquidationThresholdBps }
    }),
    eModes: AAVE_V36_EMODES.map((e) => ({
      id: e.id,
      label: e.label,
      ltvBps: e.ltvBps,
      liquidationThresholdBps: e.liquidationThresholdBps,
      liquidationBonusBps: e.liquidationBonusBps,
      assets: [...new Set([...e.collateral, ...e.borrowable])],
      collateral: [...e.collateral],
      borrowable: [...e.borrowable],
    })),
    wallets: [...walletKeys],
  }
}
