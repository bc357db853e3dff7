/**
 * The devchain's smart accounts: STAND-INS of the registries stacklens discovers accounts through
 * (DSProxy ProxyRegistry, Instadapp InstaList, Summer.fi DPM AccountFactory/AccountGuard;
 * contracts/SmartAccountStandIns.sol) and the `proxy-owner` demo wallet, whose leverage spans its
 * own address and its accounts: real transactions on the devchain's real Aave v3 and Morpho Blue,
 * the accounts' ones sent through the account's `execute(target, data)` by its owner.
 *
 * Deployed last, from their own anvil-mnemonic accounts, so no address deployed before moves.
 */
import { type Address, encodeFunctionData, erc20Abi, maxUint256, parseUnits } from 'viem'
import { compileMorpho } from './compile-morpho.js'
import {
  dpmAccountFactoryStandInAbi,
  dpmAccountFactoryStandInBytecode,
} from './contracts/DpmAccountFactoryStandIn.artifact.js'
import {
  dpmAccountGuardStandInAbi,
  dpmAccountGuardStandInBytecode,
} from './contracts/DpmAccountGuardStandIn.artifact.js'
import { dSProxyStandInAbi } from './contracts/DSProxyStandIn.artifact.js'
import { instaListStandInAbi, instaListStandInBytecode } from './contracts/InstaListStandIn.artifact.js'
import {
  proxyRegistryStandInAbi,
  proxyRegistryStandInBytecode,
} from './contracts/ProxyRegistryStandIn.artifact.js'
import type { DeployedAave } from './deploy-aave.js'
import type { DeployedMorpho } from './deploy-morpho.js'
import type { DevchainManifest } from './manifest.js'
import type { SeededWallet } from './seed.js'
import { type DevchainClients, deploy, send } from './tx.js'

/**
 * The smart-account demo's accounts: anvil test-mnemonic indexes (public knowledge), with the
 * addresses they derive to written out (test/chain/smart-accounts.test.ts checks them).
 */
export const SMART_ACCOUNT_ROLES = {
  /** Deployer of the registry stand-ins. */
  deployer: { index: 50, address: '0xEe7f6A930B29d7350498Af97f0F9672EaecbeeFf' },
  /** The `proxy-owner` demo wallet. */
  owner: { index: 51, address: '0x145e2dc5C8238d1bE628F87076A37d4a26a78544' },
} as const satisfies Record<string, { index: number; address: Address }>

/**
 * The `proxy-owner` amounts (whole tokens, decimal strings): on its own address 10 wstETH supplied
 * on Aave v3 and 6 WETH borrowed; the 6 WETH moved to its DSProxy, which posts them as Morpho
 * WETH/USDC collateral and borrows 9,000 USDC (paid out to the owner); its Summer.fi DPM account
 * supplies 0.5 WBTC on Aave v3 (no debt); its Instadapp DSA holds nothing.
 */
export const PROXY_OWNER = {
  aaveSupplyWstEth: '10',
  aaveBorrowWeth: '6',
  morphoMarket: 'weth-usdc',
  morphoBorrowUsdc: '9000',
  dpmAaveSupplyWbtc: '0.5',
} as const

/** What {@link deploySmartAccountDemo} adds to the manifest. */
export interface SmartAccountDemo {
  manifest: NonNullable<DevchainManifest['smartAccounts']>
  wallets: SeededWallet[]
  /** The demo owner's accounts, by kind. */
  accounts: { dsProxy: Address; dsa: Address; dpm: Address }
}

/** Deploys the registry stand-ins and seeds `proxy-owner` (see the module comment). */
export async function deploySmartAccountDemo(
  clients: DevchainClients,
  aave: DeployedAave,
  morpho: DeployedMorpho,
  progress: (message: string) => void = () => {},
): Promise<SmartAccountDemo> {
  const deployer = SMART_ACCOUNT_ROLES.deployer.address
  const owner = SMART_ACCOUNT_ROLES.owner.address
  for (const address of [deployer, owner]) {
    await clients.test.impersonateAccount({ address })
    await clients.test.setBalance({ address, value: 10n ** 22n })
  }
  progress('deploying the smart-account registry stand-ins (DSProxy, InstaList, Summer.fi DPM)')
  const deployBlock = await clients.public.getBlockNumber()
  const proxyRegistry = await deploy(clients, {
    from: deployer,
    abi: proxyRegistryStandInAbi,
    bytecode: proxyRegistryStandInBytecode,
    name: 'ProxyRegistryStandIn',
  })
  const instaList = await deploy(clients, {
    from: deployer,
    abi: instaListStandInAbi,
    bytecode: instaListStandInBytecode,
    name: 'InstaListStandIn',
  })
  const dpmGuard = await deploy(clients, {
    from: deployer,
    abi: dpmAccountGuardStandInAbi,
    bytecode: dpmAccountGuardStandInBytecode,
    name: 'DpmAccountGuardStandIn',
  })
  const dpmFactory = await deploy(clients, {
    from: deployer,
    abi: dpmAccountFactoryStandInAbi,
    bytecode: dpmAccountFactoryStandInBytecode,
    args: [dpmGuard],
    name: 'DpmAccountFactoryStandIn',
  })

  progress('seeding proxy-owner (Aave on its address, Morpho in its DSProxy, Aave in its DPM account)')
  await send(clients, {
    from: owner,
    address: proxyRegistry,
    abi: proxyRegistryStandInAbi,
    functionName: 'build',
    args: [owner],
  })
  await send(clients, {
    from: owner,
    address: instaList,
    abi: instaListStandInAbi,
    functionName: 'build',
    args: [owner],
  })
  await send(clients, {
    from: owner,
    address: dpmFactory,
    abi: dpmAccountFactoryStandInAbi,
    functionName: 'createAccount',
    args: [owner],
  })
  const read = <T>(
    address: Address,
    abi: readonly unknown[],
    functionName: string,
    args: readonly unknown[],
  ) => clients.public.readContract({ address, abi, functionName, args } as never) as Promise<T>
  const dsProxy = await read<Address>(proxyRegistry, proxyRegistryStandInAbi, 'proxies', [owner])
  const dsa = await read<Address>(instaList, instaListStandInAbi, 'accountAddr', [1n])
  const [dpmLog] = await clients.public.getContractEvents({
    address: dpmFactory,
    abi: dpmAccountFactoryStandInAbi,
    eventName: 'AccountCreated',
    fromBlock: deployBlock,
  })
  const dpm = (dpmLog as { args: { proxy: Address } } | undefined)?.args.proxy
  if (!dpm) throw new Error('the DPM stand-in emitted no AccountCreated')

  const tokenOf = (symbol: string) => {
    const t = aave.tokens.find((x) => x.symbol === symbol)
    if (!t) throw new Error(`no devchain token ${symbol}`)
    return t
  }
  const amount = (symbol: string, whole: string) => parseUnits(whole, tokenOf(symbol).decimals)
  const asOwner = (
    address: Address,
    abi: readonly unknown[],
    functionName: string,
    args: readonly unknown[],
  ) => send(clients, { from: owner, address, abi, functionName, args } as never)
  /** `account.execute(target, data)`, sent by the owner: the account is the call's msg.sender. */
  const viaAccount = (
    account: Address,
    target: Address,
    abi: readonly unknown[],
    functionName: string,
    args: readonly unknown[],
  ) =>
    asOwner(account, dSProxyStandInAbi, 'execute', [
      target,
      encodeFunctionData({ abi, functionName, args } as never),
    ])

  // The owner's own position: 10 wstETH on Aave v3, 6 WETH borrowed.
  const wstEth = tokenOf('wstETH').address
  const weth = tokenOf('WETH').address
  const wbtc = tokenOf('WBTC').address
  const supplied = amount('wstETH', PROXY_OWNER.aaveSupplyWstEth)
  await asOwner(wstEth, aave.abis.token, 'mint', [owner, supplied])
  await asOwner(wstEth, aave.abis.token, 'approve', [aave.pool, maxUint256])
  await asOwner(aave.pool, aave.abis.pool, 'supply', [wstEth, supplied, owner, 0])
  const borrowed = amount('WETH', PROXY_OWNER.aaveBorrowWeth)
  await asOwner(aave.pool, aave.abis.pool, 'borrow', [weth, borrowed, 2n, 0, owner])

  // The DSProxy: the borrowed WETH as Morpho WETH/USDC collateral, USDC borrowed to the owner.
  const art = compileMorpho()
  const market = morpho.markets.find((m) => m.key === PROXY_OWNER.morphoMarket)
  if (!market) throw new Error(`no Morpho market ${PROXY_OWNER.morphoMarket}`)
  await asOwner(weth, erc20Abi, 'transfer', [dsProxy, borrowed])
  await viaAccount(dsProxy, weth, erc20Abi, 'approve', [morpho.morpho, maxUint256])
  await viaAccount(dsProxy, morpho.morpho, art.Morpho.abi, 'supplyCollateral', [
    market.params,
    borrowed,
    dsProxy,
    '0x',
  ])
  await viaAccount(dsProxy, morpho.morpho, art.Morpho.abi, 'borrow', [
    market.params,
    amount('USDC', PROXY_OWNER.morphoBorrowUsdc),
    0n,
    dsProxy,
    owner,
  ])

  // The DPM account: 0.5 WBTC supplied on Aave v3.
  const wbtcAmount = amount('WBTC', PROXY_OWNER.dpmAaveSupplyWbtc)
  await asOwner(wbtc, aave.abis.token, 'mint', [dpm, wbtcAmount])
  await viaAccount(dpm, wbtc, erc20Abi, 'approve', [aave.pool, maxUint256])
  await viaAccount(dpm, aave.pool, aave.abis.pool, 'supply', [wbtc, wbtcAmount, dpm, 0])

  return {
    manifest: {
      kind: 'stand-in',
      note: 'Registry STAND-INS speaking the real ABIs subset stacklens reads (src/devchain/contracts/SmartAccountStandIns.sol): DSProxy ProxyRegistry proxies(owner), InstaList userLink/userList/accountAddr, Summer.fi DPM AccountFactory AccountCreated and AccountGuard owners(proxy). Their accounts execute calls owner-only (CALL, where the real DSProxy DELEGATECALLs a script).',
      proxyRegistry,
      instaList,
      dpmFactory,
      dpmGuard,
      deployBlock: Number(deployBlock),
    },
    wallets: [
      {
        key: 'proxy-owner',
        label: 'Smart-account owner (its leverage sits in its DSProxy)',
        address: owner,
        description: `Aave on its own address: ${PROXY_OWNER.aaveSupplyWstEth} wstETH against ${PROXY_OWNER.aaveBorrowWeth} WETH; the WETH moved to its DSProxy ${dsProxy}, which posts it as Morpho WETH/USDC collateral and borrows ${PROXY_OWNER.morphoBorrowUsdc} USDC (one stack across the owner and its proxy); its Summer.fi DPM account ${dpm} supplies ${PROXY_OWNER.dpmAaveSupplyWbtc} WBTC on Aave; its Instadapp DSA ${dsa} holds nothing. Found from the owner through the registry stand-ins.`,
      },
    ],
    accounts: { dsProxy, dsa, dpm },
  }
}
