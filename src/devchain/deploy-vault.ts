import { type Address, maxUint256, parseUnits } from 'viem'
import { savingsVaultAbi, savingsVaultBytecode } from './contracts/SavingsVault.artifact.js'
import { settablePriceFeedAbi, settablePriceFeedBytecode } from './contracts/SettablePriceFeed.artifact.js'
import type { DeployedAave } from './deploy-aave.js'
import { type DevchainClients, deploy, send } from './tx.js'

/** A devchain ERC-4626 vault (SavingsVault: OpenZeppelin 4.9.6 ERC4626, nothing added). */
export interface DeployedVault {
  symbol: string
  address: Address
  /** The vault's underlying asset. */
  asset: Address
  assetSymbol: string
  /** Share decimals (= the asset's: OZ's default `_decimalsOffset` is 0). */
  decimals: number
  /** SettablePriceFeed (8 decimals) pricing one share in USD, for the vault's Morpho market oracle. */
  priceFeed: Address
}

/**
 * The savings vault's seed, whole USDC: the liquidity provider deposits 100,000 USDC into the
 * empty vault (100,000 sUSDC), then donates 5,000 USDC (a plain transfer, the way yield lands
 * on a real savings vault). OZ 4.9's conversion is `shares * (totalAssets + 1) / (totalSupply + 1)`
 * (virtual share and asset, offset 0), so convertToAssets(1e6) is 1,049,999 right after the
 * donation and exactly 1,050,000 once the vault looper's 20,000 USDC are in (19,047.619047
 * sUSDC; totals 125,000 USDC / 119,047.619047 sUSDC). The sUSDC/USD feed is set to 1.05.
 */
export const SAVINGS_VAULT = {
  symbol: 'sUSDC',
  name: 'Savings USDC (devchain ERC-4626)',
  assetSymbol: 'USDC',
  seedDepositUsdc: '100000',
  seedDonationUsdc: '5000',
  priceUsd: '1.05',
} as const

/**
 * Deploys the devchain's savings vault "sUSDC" over its USDC and seeds it by real transactions
 * ({@link SAVINGS_VAULT}): deposit, then a yield donation. Also deploys its USD price feed (moved
 * by `admin`, like every devchain feed). The liquidity provider sends the deployments (the vault
 * has no owner), so the admin's nonces and every address it deploys later (Morpho) stay as they
 * were before the vault existed.
 */
export async function deploySavingsVault(
  clients: DevchainClients,
  aave: DeployedAave,
  admin: Address,
  liquidityProvider: Address,
  progress: (message: string) => void = () => {},
): Promise<DeployedVault> {
  progress('deploying the sUSDC savings vault (ERC-4626)')
  const usdc = aave.tokens.find((t) => t.symbol === SAVINGS_VAULT.assetSymbol)
  if (!usdc) throw new Error(`no devchain token ${SAVINGS_VAULT.assetSymbol}`)
  const address = await deploy(clients, {
    from: liquidityProvider,
    abi: savingsVaultAbi,
    bytecode: savingsVaultBytecode,
    args: [usdc.address, SAVINGS_VAULT.name, SAVINGS_VAULT.symbol],
    name: 'SavingsVault sUSDC',
  })
  const priceFeed = await deploy(clients, {
    from: liquidityProvider,
    abi: settablePriceFeedAbi,
    bytecode: settablePriceFeedBytecode,
    args: [admin, 8, `${SAVINGS_VAULT.symbol} / USD`, parseUnits(SAVINGS_VAULT.priceUsd, 8)],
    name: `SettablePriceFeed ${SAVINGS_VAULT.symbol} / USD`,
  })
  const vault: DeployedVault = {
    symbol: SAVINGS_VAULT.symbol,
    address,
    asset: usdc.address,
    assetSymbol: usdc.symbol,
    decimals: usdc.decimals,
    priceFeed,
  }
  const deposit = parseUnits(SAVINGS_VAULT.seedDepositUsdc, usdc.decimals)
  await depositIntoVault(clients, aave, vault, liquidityProvider, deposit)
  await donateToVault(
    clients,
    aave,
    vault,
    liquidityProvider,
    parseUnits(SAVINGS_VAULT.seedDonationUsdc, usdc.decimals),
  )
  return vault
}

/** Mints `assets` of the vault's asset to `who` and deposits them (real txs); returns the shares. */
export async function depositIntoVault(
  clients: DevchainClients,
  aave: DeployedAave,
  vault: DeployedVault,
  who: Address,
  assets: bigint,
): Promise<bigint> {
  const token = (functionName: string, args: readonly unknown[]) =>
    send(clients, { from: who, address: vault.asset, abi: aave.abis.token, functionName, args } as never)
  await token('mint', [who, assets])
  await token('approve', [vault.address, maxUint256])
  const before = await sharesOf(clients, vault, who)
  await send(clients, {
    from: who,
    address: vault.address,
    abi: savingsVaultAbi,
    functionName: 'deposit',
    args: [assets, who],
  })
  return (await sharesOf(clients, vault, who)) - before
}

/** A yield donation: mints `assets` of the vault's asset to `who`, who transfers them to the vault. */
export async function donateToVault(
  clients: DevchainClients,
  aave: DeployedAave,
  vault: DeployedVault,
  who: Address,
  assets: bigint,
): Promise<void> {
  const token = (functionName: string, args: readonly unknown[]) =>
    send(clients, { from: who, address: vault.asset, abi: aave.abis.token, functionName, args } as never)
  await token('mint', [who, assets])
  await token('transfer', [vault.address, assets])
}

function sharesOf(clients: DevchainClients, vault: DeployedVault, who: Address): Promise<bigint> {
  return clients.public.readContract({
    address: vault.address,
    abi: savingsVaultAbi,
    functionName: 'balanceOf',
    args: [who],
  })
}
