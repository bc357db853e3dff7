import { type Address, maxUint256, parseUnits } from 'viem'
import { DEVCHAIN_TOKENS, type DeployedAave, type DeployedToken } from './deploy-aave.js'
import {
  type DeployedMorpho,
  openMorphoPosition,
  postMorphoCollateral,
  supplyMorpho,
} from './deploy-morpho.js'
import { type DeployedVault, depositIntoVault } from './deploy-vault.js'
import { type DevchainClients, send } from './tx.js'

/** A seeded demo wallet, as it goes into the manifest. */
export interface SeededWallet {
  key: string
  label: string
  address: Address
  description: string
}

/** The anvil accounts the seeding uses, by role (indexes into anvil's default accounts). */
export const DEVCHAIN_ROLES = {
  admin: 0,
  liquidityProvider: 1,
  swapDesk: 2,
  looper: 3,
  emodeLooper: 4,
  multiCollateral: 5,
  supplier: 6,
  nearLiquidation: 7,
  isolated: 8,
  liquidator: 9,
  morphoBorrower: 10,
  compoundBorrower: 11,
  compoundSupplier: 12,
  gmxTrader: 13,
  stacker: 14,
  receiptStacker: 15,
  vaultLooper: 16,
  /** Owner of the borrower population's factory (src/devchain/population.ts). */
  populationOwner: 19,
} as const

/**
 * The cross-protocol stacker's amounts (whole tokens / USD, decimal strings): 10 wstETH on Aave
 * (no eMode), 6 WETH borrowed there and posted whole as Morpho WETH/USDC collateral, 10,800 USDC
 * borrowed on Morpho (60% of 6 WETH at 3,000 USD), all of it GMX v2 margin of a 3x ETH long:
 * 32,400 USD size, 10.8 ETH at entry 3,000. The GMX leg is written by
 * `seedStackerGmxPosition` (deploy-gmx.ts) once the GMX double exists.
 */
export const STACKER = {
  aaveSupplyWstEth: '10',
  aaveBorrowWeth: '6',
  morphoMarket: 'weth-usdc',
  morphoBorrowUsdc: '10800',
  gmxMarket: 'ETH/USD',
  gmxSizeUsd: '32400',
  gmxSizeInEth: '10.8',
  gmxFeesUsd: '20',
} as const

/**
 * The receipt-token stacker's amounts: 10 WETH supplied on Aave, 1,000 USDC borrowed there, 8 of
 * its 10 aWETH moved into the Morpho aWETH/USDC market as collateral, 12,000 USDC borrowed there.
 */
export const RECEIPT_STACKER = {
  aaveSupplyWeth: '10',
  aaveBorrowUsdc: '1000',
  morphoMarket: 'aweth-usdc',
  morphoCollateralAWeth: '8',
  morphoBorrowUsdc: '12000',
} as const

/**
 * The savings-vault carry loop's amounts, whole USDC: 20,000 USDC deposited into the sUSDC
 * ERC-4626 vault, all the shares posted as Morpho sUSDC/USDC collateral, 15,000 USDC borrowed.
 */
export const VAULT_LOOPER = {
  depositUsdc: '20000',
  morphoMarket: 'susdc-usdc',
  morphoBorrowUsdc: '15000',
} as const

interface SeedContext {
  clients: DevchainClients
  aave: DeployedAave
  accounts: readonly Address[]
}

function token(aave: DeployedAave, symbol: string): DeployedToken {
  const t = aave.tokens.find((x) => x.symbol === symbol)
  if (!t) throw new Error(`no devchain token ${symbol}`)
  return t
}

function priceOf(symbol: string): number {
  const spec = DEVCHAIN_TOKENS.find((t) => t.symbol === symbol)
  if (!spec) throw new Error(`no devchain token ${symbol}`)
  return spec.priceUsd
}

/** Whole-token amount as raw units, from a decimal string or number. */
function units(aave: DeployedAave, symbol: string, amount: string | number): bigint {
  const t = token(aave, symbol)
  const text = typeof amount === 'number' ? amount.toFixed(Math.min(t.decimals, 12)) : amount
  return parseUnits(text, t.decimals)
}

async function mint(ctx: SeedContext, symbol: string, to: Address, amount: bigint): Promise<void> {
  await send(ctx.clients, {
    from: to,
    address: token(ctx.aave, symbol).address,
    abi: ctx.aave.abis.token,
    functionName: 'mint',
    args: [to, amount],
  } as never)
}

async function approvePool(ctx: SeedContext, symbol: string, owner: Address): Promise<void> {
  await send(ctx.clients, {
    from: owner,
    address: token(ctx.aave, symbol).address,
    abi: ctx.aave.abis.token,
    functionName: 'approve',
    args: [ctx.aave.pool, maxUint256],
  } as never)
}

async function supply(ctx: SeedContext, symbol: string, who: Address, amount: bigint): Promise<void> {
  await send(ctx.clients, {
    from: who,
    address: ctx.aave.pool,
    abi: ctx.aave.abis.pool,
    functionName: 'supply',
    args: [token(ctx.aave, symbol).address, amount, who, 0],
  } as never)
}

async function borrow(ctx: SeedContext, symbol: string, who: Address, amount: bigint): Promise<void> {
  await send(ctx.clients, {
    from: who,
    address: ctx.aave.pool,
    abi: ctx.aave.abis.pool,
    functionName: 'borrow',
    args: [token(ctx.aave, symbol).address, amount, 2n, 0, who],
  } as never)
}

/**
 * The swap stand-in: the devchain has no DEX yet, so a loop's swap is two real transfers with
 * the swap desk account, at the oracle's initial prices: the wallet pays `amountIn` of `from`
 * to the desk, and the desk mints the equivalent amount of `to` to the wallet.
 */
async function swapAtOracle(
  ctx: SeedContext,
  who: Address,
  from: string,
  to: string,
  amountIn: bigint,
): Promise<bigint> {
  const desk = ctx.accounts[DEVCHAIN_ROLES.swapDesk]!
  const tIn = token(ctx.aave, from)
  const tOut = token(ctx.aave, to)
  await send(ctx.clients, {
    from: who,
    address: tIn.address,
    abi: ctx.aave.abis.token,
    functionName: 'transfer',
    args: [desk, amountIn],
  } as never)
  const pIn = BigInt(Math.round(priceOf(from) * 1e8))
  const pOut = BigInt(Math.round(priceOf(to) * 1e8))
  const amountOut = (amountIn * pIn * 10n ** BigInt(tOut.decimals)) / (pOut * 10n ** BigInt(tIn.decimals))
  await send(ctx.clients, {
    from: desk,
    address: tOut.address,
    abi: ctx.aave.abis.token,
    functionName: 'mint',
    args: [who, amountOut],
  } as never)
  return amountOut
}

/**
 * A leverage loop: supply `initial` of `collateral`, then `loops` times borrow `debt` worth
 * `fraction` of the collateral just supplied, swap it into more collateral and supply that.
 */
async function loop(
  ctx: SeedContext,
  who: Address,
  collateral: string,
  debt: string,
  initial: bigint,
  loops: number,
  fraction: number,
): Promise<void> {
  await mint(ctx, collateral, who, initial)
  await approvePool(ctx, collateral, who)
  await supply(ctx, collateral, who, initial)
  let lastSupplied = initial
  const tColl = token(ctx.aave, collateral)
  const tDebt = token(ctx.aave, debt)
  const fractionBps = BigInt(Math.round(fraction * 10_000))
  for (let i = 0; i < loops; i++) {
    const valueUsd8 =
      (lastSupplied * BigInt(Math.round(priceOf(collateral) * 1e8))) / 10n ** BigInt(tColl.decimals)
    const debtAmount =
      (valueUsd8 * fractionBps * 10n ** BigInt(tDebt.decimals)) /
      (10_000n * BigInt(Math.round(priceOf(debt) * 1e8)))
    await borrow(ctx, debt, who, debtAmount)
    const bought = await swapAtOracle(ctx, who, debt, collateral, debtAmount)
    await supply(ctx, collateral, who, bought)
    lastSupplied = bought
  }
}

/**
 * Seeds the devchain market with liquidity and the demo wallets, every position built by real
 * Pool transactions (supply, borrow, setUserEMode). Returns the demo wallets for the manifest.
 */
export async function seedDemoWallets(
  clients: DevchainClients,
  aave: DeployedAave,
  accounts: readonly Address[],
  progress: (message: string) => void = () => {},
): Promise<SeededWallet[]> {
  const ctx: SeedContext = { clients, aave, accounts }
  const at = (role: keyof typeof DEVCHAIN_ROLES) => accounts[DEVCHAIN_ROLES[role]]!

  progress('seeding market liquidity')
  const lp = at('liquidityProvider')
  const liquidity: Record<string, string> = { WETH: '5000', wstETH: '2000', WBTC: '200', USDC: '20000000' }
  for (const [symbol, amount] of Object.entries(liquidity)) {
    const raw = units(aave, symbol, amount)
    await mint(ctx, symbol, lp, raw)
    await approvePool(ctx, symbol, lp)
    await supply(ctx, symbol, lp, raw)
  }

  progress('seeding demo wallets')
  const looper = at('looper')
  await loop(ctx, looper, 'WETH', 'USDC', units(aave, 'WETH', '10'), 3, 0.7)

  const emode = at('emodeLooper')
  await send(clients, {
    from: emode,
    address: aave.pool,
    abi: aave.abis.pool,
    functionName: 'setUserEMode',
    args: [1],
  } as never)
  await loop(ctx, emode, 'wstETH', 'WETH', units(aave, 'wstETH', '10'), 3, 0.9)

  const multi = at('multiCollateral')
  for (const [symbol, amount] of [
    ['WETH', '5'],
    ['WBTC', '0.5'],
  ] as const) {
    const raw = units(aave, symbol, amount)
    await mint(ctx, symbol, multi, raw)
    await approvePool(ctx, symbol, multi)
    await supply(ctx, symbol, multi, raw)
  }
  await borrow(ctx, 'USDC', multi, units(aave, 'USDC', '25000'))

  const supplier = at('supplier')
  for (const [symbol, amount] of [
    ['USDC', '20000'],
    ['WETH', '2'],
  ] as const) {
    const raw = units(aave, symbol, amount)
    await mint(ctx, symbol, supplier, raw)
    await approvePool(ctx, symbol, supplier)
    await supply(ctx, symbol, supplier, raw)
  }

  const near = at('nearLiquidation')
  await mint(ctx, 'WETH', near, units(aave, 'WETH', '10'))
  await approvePool(ctx, 'WETH', near)
  await supply(ctx, 'WETH', near, units(aave, 'WETH', '10'))
  await borrow(ctx, 'USDC', near, units(aave, 'USDC', '24000'))

  const isolated = at('isolated')
  await mint(ctx, 'LINK', isolated, units(aave, 'LINK', '4000'))
  await approvePool(ctx, 'LINK', isolated)
  await supply(ctx, 'LINK', isolated, units(aave, 'LINK', '4000'))
  // Isolated assets are not enabled as collateral automatically on supply (v3.0.1+).
  await send(clients, {
    from: isolated,
    address: aave.pool,
    abi: aave.abis.pool,
    functionName: 'setUserUseReserveAsCollateral',
    args: [token(aave, 'LINK').address, true],
  } as never)
  await borrow(ctx, 'USDC', isolated, units(aave, 'USDC', '20000'))

  return [
    {
      key: 'looper',
      label: 'WETH/USDC 3-loop looper',
      address: looper,
      description:
        'Supplied 10 WETH, then 3 times borrowed USDC for 70% of the last supply, swapped it to WETH and supplied it: directional long ETH.',
    },
    {
      key: 'emode-looper',
      label: 'wstETH/WETH eMode carry loop',
      address: emode,
      description:
        'eMode "ETH correlated": supplied 10 wstETH, then 3 times borrowed WETH for 90% of the last supply and resupplied it as wstETH.',
    },
    {
      key: 'multi-collateral',
      label: 'Multi-collateral borrower',
      address: multi,
      description: '5 WETH + 0.5 WBTC supplied, 25,000 USDC borrowed.',
    },
    {
      key: 'supplier',
      label: 'Supplier, no debt',
      address: supplier,
      description: '20,000 USDC and 2 WETH supplied, nothing borrowed: health factor null.',
    },
    {
      key: 'near-liquidation',
      label: 'Close to liquidation',
      address: near,
      description:
        '10 WETH supplied, 24,000 USDC borrowed near the 80.5% LTV limit: health factor about 1.04.',
    },
    {
      key: 'isolated',
      label: 'Isolation-mode borrower',
      address: isolated,
      description: '4,000 LINK (an isolated asset, debt ceiling 5M USD) supplied, 20,000 USDC borrowed.',
    },
  ]
}

/**
 * Seeds the Morpho Blue side of the demo: the looper also borrows on Morpho (one wallet on Aave
 * and Morpho at once), the supplier lends on Morpho, and a Morpho-only borrower with two markets.
 * Updates the labels of the wallets it extends; returns the new wallets.
 */
export async function seedMorphoWallets(
  clients: DevchainClients,
  aave: DeployedAave,
  morpho: DeployedMorpho,
  accounts: readonly Address[],
  wallets: SeededWallet[],
  progress: (message: string) => void = () => {},
): Promise<SeededWallet[]> {
  progress('seeding Morpho Blue positions')
  const at = (role: keyof typeof DEVCHAIN_ROLES) => accounts[DEVCHAIN_ROLES[role]]!
  await openMorphoPosition(clients, aave, morpho, at('looper'), 'weth-usdc', '5', '9000')
  await supplyMorpho(clients, aave, morpho, at('supplier'), 'weth-usdc', '5000')
  const borrower = at('morphoBorrower')
  await openMorphoPosition(clients, aave, morpho, borrower, 'wsteth-weth', '20', '21')
  await openMorphoPosition(clients, aave, morpho, borrower, 'wbtc-usdc', '1', '30000')
  const looper = wallets.find((w) => w.key === 'looper')
  if (looper) {
    looper.label = 'Multi-protocol looper (Aave + Morpho)'
    looper.description +=
      ' Also on Morpho Blue: 5 WETH collateral, 9,000 USDC borrowed in the WETH/USDC 86% market.'
  }
  const supplier = wallets.find((w) => w.key === 'supplier')
  if (supplier) supplier.description += ' Also lends 5,000 USDC in the Morpho WETH/USDC market.'
  return [
    {
      key: 'morpho-borrower',
      label: 'Morpho Blue borrower',
      address: borrower,
      description:
        'Morpho only: 20 wstETH against 21 WETH in the wstETH/WETH 94.5% market, 1 WBTC against 30,000 USDC in WBTC/USDC 86%.',
    },
  ]
}

/**
 * Seeds the cross-protocol stacking wallets by real transactions on Aave and Morpho:
 * - `stacker`: Aave wstETH collateral -> WETH borrow -> all of it Morpho WETH/USDC collateral ->
 *   USDC borrow ({@link STACKER}); the USDC stays in the wallet until `seedStackerGmxPosition`
 *   moves it into GMX.
 * - `receipt-stacker`: Aave WETH supply -> USDC borrow on Aave, then 8 of the 10 aWETH into the
 *   Morpho aWETH/USDC market as collateral -> USDC borrow ({@link RECEIPT_STACKER}). The Aave
 *   borrow comes first and the aWETH transfer after: Aave checks the health factor on aToken
 *   transfers, and 2 WETH still cover 1,000 USDC comfortably.
 */
export async function seedStackingWallets(
  clients: DevchainClients,
  aave: DeployedAave,
  morpho: DeployedMorpho,
  accounts: readonly Address[],
  progress: (message: string) => void = () => {},
): Promise<SeededWallet[]> {
  progress('seeding cross-protocol stacking wallets')
  const ctx: SeedContext = { clients, aave, accounts }
  const at = (role: keyof typeof DEVCHAIN_ROLES) => accounts[DEVCHAIN_ROLES[role]]!

  const stacker = at('stacker')
  const wstEth = units(aave, 'wstETH', STACKER.aaveSupplyWstEth)
  await mint(ctx, 'wstETH', stacker, wstEth)
  await approvePool(ctx, 'wstETH', stacker)
  await supply(ctx, 'wstETH', stacker, wstEth)
  const wethDebt = units(aave, 'WETH', STACKER.aaveBorrowWeth)
  await borrow(ctx, 'WETH', stacker, wethDebt)
  await postMorphoCollateral(
    clients,
    aave,
    morpho,
    stacker,
    STACKER.morphoMarket,
    wethDebt,
    units(aave, 'USDC', STACKER.morphoBorrowUsdc),
  )

  const receipt = at('receiptStacker')
  const weth = units(aave, 'WETH', RECEIPT_STACKER.aaveSupplyWeth)
  await mint(ctx, 'WETH', receipt, weth)
  await approvePool(ctx, 'WETH', receipt)
  await supply(ctx, 'WETH', receipt, weth)
  await borrow(ctx, 'USDC', receipt, units(aave, 'USDC', RECEIPT_STACKER.aaveBorrowUsdc))
  await postMorphoCollateral(
    clients,
    aave,
    morpho,
    receipt,
    RECEIPT_STACKER.morphoMarket,
    units(aave, 'WETH', RECEIPT_STACKER.morphoCollateralAWeth),
    units(aave, 'USDC', RECEIPT_STACKER.morphoBorrowUsdc),
  )

  return [
    {
      key: 'stacker',
      label: 'Cross-protocol stack (Aave -> Morpho -> GMX)',
      address: stacker,
      description:
        'One ETH bet stacked through three protocols: supplied 10 wstETH on Aave (no eMode) and borrowed 6 WETH (Aave health factor about 1.62); posted all 6 WETH as collateral in the Morpho Blue WETH/USDC 86% market and borrowed 10,800 USDC (60% LTV, health factor about 1.43); sent all 10,800 USDC to GMX v2 (Reader double) as the margin of a 3x ETH long, 32,400 USD size (10.8 ETH at 3,000), 20 USD fees, GMX liquidation near 2,032 USD and Morpho near WETH 2,093 USD (the Aave leg, wstETH against WETH, barely feels an ETH move). The wallet holds no USDC.',
    },
    {
      key: 'receipt-stacker',
      label: 'Aave receipt tokens as Morpho collateral',
      address: receipt,
      description:
        'Supplied 10 WETH on Aave (10 aWETH) and borrowed 1,000 USDC there; moved 8 aWETH into Morpho Blue as collateral of the aWETH/USDC 86% market and borrowed 12,000 USDC (health factor about 1.72). Aave keeps 2 WETH of collateral against the 1,000 USDC (health factor about 4.98); the 8 aWETH in Morpho keep earning Aave supply interest.',
    },
  ]
}

/**
 * Seeds the savings-vault carry loop by real transactions ({@link VAULT_LOOPER}): the wallet
 * deposits USDC into the sUSDC vault, posts every share it got as collateral of the Morpho
 * sUSDC/USDC market, and borrows USDC there.
 */
export async function seedVaultWallets(
  clients: DevchainClients,
  aave: DeployedAave,
  morpho: DeployedMorpho,
  vault: DeployedVault,
  accounts: readonly Address[],
  progress: (message: string) => void = () => {},
): Promise<SeededWallet[]> {
  progress('seeding the savings-vault carry loop')
  const who = accounts[DEVCHAIN_ROLES.vaultLooper]!
  const shares = await depositIntoVault(
    clients,
    aave,
    vault,
    who,
    units(aave, 'USDC', VAULT_LOOPER.depositUsdc),
  )
  await postMorphoCollateral(
    clients,
    aave,
    morpho,
    who,
    VAULT_LOOPER.morphoMarket,
    shares,
    units(aave, 'USDC', VAULT_LOOPER.morphoBorrowUsdc),
  )
  return [
    {
      key: 'vault-looper',
      label: 'Savings-vault carry loop (ERC-4626 on Morpho)',
      address: who,
      description:
        'Deposited 20,000 USDC into the sUSDC savings vault (an ERC-4626 at about 1.05 USDC per share: 19,047.62 sUSDC), posted all the shares as collateral in the Morpho Blue sUSDC/USDC 94.5% market and borrowed 15,000 USDC (about 71% LTV, health factor about 1.32). The vault rate is read on chain (convertToAssets); USD exposure about 6,000.',
    },
  ]
}
