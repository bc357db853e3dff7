import { type Address, maxUint256, parseEther, parseUnits } from 'viem'
import { mnemonicToAccount } from 'viem/accounts'
import { ANVIL_MNEMONIC } from './anvil.js'
import { DEVCHAIN_TOKENS, type DeployedAave } from './deploy-aave.js'
import type { DeployedAaveV36 } from './deploy-aave-v36.js'
import type { SeededWallet } from './seed.js'
import { type DevchainClients, send } from './tx.js'

/**
 * HD indexes (anvil's test mnemonic, m/44'/60'/0'/0/i) of the v3.6 demo wallets. anvil unlocks
 * only accounts 0-19 (the v3.0 seeding's); these are the next ones of the same mnemonic, so
 * their keys are as public as the others', and they are impersonated on the devchain.
 */
export const AAVE_V36_ROLES = {
  /** Deployer, ACL/pool/risk admin, liquidity provider and swap desk of the v3.6 market. */
  admin: 26,
  borrower: 20,
  emodeLooper: 21,
  emodeOnly: 22,
  multi: 23,
  nearLiquidation: 24,
  bothMarkets: 25,
} as const

/**
 * The v3.6 demo positions: amounts as decimal strings of whole tokens, odd on purpose (USDC to
 * the 6th decimal, WBTC to the 8th) so v3.5+ rounding (aToken balances down, debt up) shows.
 */
export const AAVE_V36_DEMO = {
  liquidity: { WETH: '800', wstETH: '300', WBTC: '30', USDC: '3000000' },
  borrower: { supplyWbtc: '1.23456789', borrowUsdc: '12345.678901' },
  emodeLooper: { eMode: 1, supplyWstEth: '10.123456789012345678', loops: 3, fraction: 0.9 },
  emodeOnly: {
    eMode: 1,
    supplyWstEth: '3.333333333333333333',
    supplyWbtc: '0.12345678',
    borrowWeth: '4.321098765432109876',
  },
  multi: {
    supplyWeth: '3.456789012345678901',
    supplyUsdc: '12345.678901',
    borrowWbtc: '0.12345678',
    borrowWstEth: '1.11111111',
  },
  nearLiquidation: { eMode: 2, supplyWeth: '7.654321', borrowUsdc: '19500.123456' },
  bothMarkets: {
    v30: { supplyWeth: '5', borrowUsdc: '4321.098765' },
    v36: { supplyWbtc: '0.87654321', borrowWeth: '1.234567890123456789' },
  },
} as const

/** The address of a v3.6 demo role (derivable without a chain). */
export function aaveV36RoleAddress(role: keyof typeof AAVE_V36_ROLES): Address {
  return mnemonicToAccount(ANVIL_MNEMONIC, { addressIndex: AAVE_V36_ROLES[role] }).address
}

interface Ctx {
  clients: DevchainClients
  aave: DeployedAave
  v36: DeployedAaveV36
  swapDesk: Address
}

function tokenOf(ctx: Ctx, symbol: string) {
  const t = ctx.aave.tokens.find((x) => x.symbol === symbol)
  if (!t) throw new Error(`no devchain token ${symbol}`)
  return t
}

function units(ctx: Ctx, symbol: string, amount: string): bigint {
  return parseUnits(amount, tokenOf(ctx, symbol).decimals)
}

function priceUsd8(symbol: string): bigint {
  const spec = DEVCHAIN_TOKENS.find((t) => t.symbol === symbol)
  if (!spec) throw new Error(`no devchain token ${symbol}`)
  return BigInt(Math.round(spec.priceUsd * 1e8))
}

const tokenCall = (ctx: Ctx, from: Address, symbol: string, functionName: string, args: readonly unknown[]) =>
  send(ctx.clients, {
    from,
    address: tokenOf(ctx, symbol).address,
    abi: ctx.aave.abis.token,
    functionName,
    args,
  } as never)

const poolCall = (ctx: Ctx, pool: Address, from: Address, functionName: string, args: readonly unknown[]) =>
  send(ctx.clients, { from, address: pool, abi: ctx.v36.abis.pool, functionName, args } as never)

/** Mints `amount` to `who`, approves `pool` and supplies it there (real Pool.supply). */
async function mintAndSupply(ctx: Ctx, pool: Address, who: Address, symbol: string, amount: bigint) {
  await tokenCall(ctx, who, symbol, 'mint', [who, amount])
  await tokenCall(ctx, who, symbol, 'approve', [pool, maxUint256])
  await poolCall(ctx, pool, who, 'supply', [tokenOf(ctx, symbol).address, amount, who, 0])
}

async function borrow(ctx: Ctx, pool: Address, who: Address, symbol: string, amount: bigint) {
  await poolCall(ctx, pool, who, 'borrow', [tokenOf(ctx, symbol).address, amount, 2n, 0, who])
}

/** A swap at the oracle's initial prices through the swap desk (transfer in, mint out). */
async function swapAtOracle(
  ctx: Ctx,
  who: Address,
  from: string,
  to: string,
  amountIn: bigint,
): Promise<bigint> {
  await tokenCall(ctx, who, from, 'transfer', [ctx.swapDesk, amountIn])
  const dIn = BigInt(tokenOf(ctx, from).decimals)
  const dOut = BigInt(tokenOf(ctx, to).decimals)
  const out = (amountIn * priceUsd8(from) * 10n ** dOut) / (priceUsd8(to) * 10n ** dIn)
  await tokenCall(ctx, ctx.swapDesk, to, 'mint', [who, out])
  return out
}

/**
 * Impersonates and funds the v3.6 roles ({@link AAVE_V36_ROLES}) on the devchain; returns the
 * v3.6 admin. Its own accounts keep every other account's nonce, so no other address moves.
 */
export async function prepareAaveV36Accounts(clients: DevchainClients): Promise<Address> {
  for (const role of Object.keys(AAVE_V36_ROLES) as (keyof typeof AAVE_V36_ROLES)[]) {
    const address = aaveV36RoleAddress(role)
    await clients.test.impersonateAccount({ address })
    await clients.test.setBalance({ address, value: parseEther('10000') })
  }
  return aaveV36RoleAddress('admin')
}

/**
 * Seeds the v3.6 market: liquidity from the v3.6 admin, then six demo wallets built by real Pool
 * transactions (supply, borrow, setUserEMode) on the v3.6 Pool, one of them also on the v3.0
 * Pool. The accounts must be prepared ({@link prepareAaveV36Accounts}). Returns the wallets for
 * the manifest.
 */
export async function seedAaveV36Wallets(
  clients: DevchainClients,
  aave: DeployedAave,
  v36: DeployedAaveV36,
  operator: Address,
  progress: (message: string) => void = () => {},
): Promise<SeededWallet[]> {
  const ctx: Ctx = { clients, aave, v36, swapDesk: operator }
  const pool = v36.pool
  const D = AAVE_V36_DEMO
  const who = {} as Record<keyof typeof AAVE_V36_ROLES, Address>
  for (const role of Object.keys(AAVE_V36_ROLES) as (keyof typeof AAVE_V36_ROLES)[])
    who[role] = aaveV36RoleAddress(role)

  progress('seeding the v3.6 market (liquidity and demo wallets)')
  for (const [symbol, amount] of Object.entries(D.liquidity))
    await mintAndSupply(ctx, pool, operator, symbol, units(ctx, symbol, amount))

  await mintAndSupply(ctx, pool, who.borrower, 'WBTC', units(ctx, 'WBTC', D.borrower.supplyWbtc))
  await borrow(ctx, pool, who.borrower, 'USDC', units(ctx, 'USDC', D.borrower.borrowUsdc))

  // eMode first: wstETH has reserve LTV 0, so supply enables it as collateral only inside eMode 1.
  const looper = who.emodeLooper
  await poolCall(ctx, pool, looper, 'setUserEMode', [D.emodeLooper.eMode])
  let last = units(ctx, 'wstETH', D.emodeLooper.supplyWstEth)
  await mintAndSupply(ctx, pool, looper, 'wstETH', last)
  const fractionBps = BigInt(Math.round(D.emodeLooper.fraction * 10_000))
  for (let i = 0; i < D.emodeLooper.loops; i++) {
    const debt = (last * priceUsd8('wstETH') * fractionBps) / (priceUsd8('WETH') * 10_000n)
    await borrow(ctx, pool, looper, 'WETH', debt)
    last = await swapAtOracle(ctx, looper, 'WETH', 'wstETH', debt)
    await poolCall(ctx, pool, looper, 'supply', [tokenOf(ctx, 'wstETH').address, last, looper, 0])
  }

  const only = who.emodeOnly
  await poolCall(ctx, pool, only, 'setUserEMode', [D.emodeOnly.eMode])
  await mintAndSupply(ctx, pool, only, 'wstETH', units(ctx, 'wstETH', D.emodeOnly.supplyWstEth))
  await mintAndSupply(ctx, pool, only, 'WBTC', units(ctx, 'WBTC', D.emodeOnly.supplyWbtc))
  await borrow(ctx, pool, only, 'WETH', units(ctx, 'WETH', D.emodeOnly.borrowWeth))

  const multi = who.multi
  await mintAndSupply(ctx, pool, multi, 'WETH', units(ctx, 'WETH', D.multi.supplyWeth))
  await mintAndSupply(ctx, pool, multi, 'USDC', units(ctx, 'USDC', D.multi.supplyUsdc))
  await borrow(ctx, pool, multi, 'WBTC', units(ctx, 'WBTC', D.multi.borrowWbtc))
  await borrow(ctx, pool, multi, 'wstETH', units(ctx, 'wstETH', D.multi.borrowWstEth))

  const near = who.nearLiquidation
  await poolCall(ctx, pool, near, 'setUserEMode', [D.nearLiquidation.eMode])
  await mintAndSupply(ctx, pool, near, 'WETH', units(ctx, 'WETH', D.nearLiquidation.supplyWeth))
  await borrow(ctx, pool, near, 'USDC', units(ctx, 'USDC', D.nearLiquidation.borrowUsdc))

  const both = who.bothMarkets
  await mintAndSupply(ctx, aave.pool, both, 'WETH', units(ctx, 'WETH', D.bothMarkets.v30.supplyWeth))
  await borrow(ctx, aave.pool, both, 'USDC', units(ctx, 'USDC', D.bothMarkets.v30.borrowUsdc))
  await mintAndSupply(ctx, pool, both, 'WBTC', units(ctx, 'WBTC', D.bothMarkets.v36.supplyWbtc))
  await borrow(ctx, pool, both, 'WETH', units(ctx, 'WETH', D.bothMarkets.v36.borrowWeth))

  return [
    {
      key: 'v36-borrower',
      label: 'Aave v3.6 borrower',
      address: who.borrower,
      description: `Aave v3.6 market only: ${D.borrower.supplyWbtc} WBTC supplied, ${D.borrower.borrowUsdc} USDC borrowed (health factor about 4.7).`,
    },
    {
      key: 'v36-emode-looper',
      label: 'Aave v3.6 wstETH/WETH eMode loop',
      address: looper,
      description: `Aave v3.6, eMode 1 "ETH correlated": supplied ${D.emodeLooper.supplyWstEth} wstETH (an eMode-only collateral), then 3 times borrowed WETH for 90% of the last supply and resupplied it as wstETH.`,
    },
    {
      key: 'v36-emode-only',
      label: 'Aave v3.6 eMode-only collateral',
      address: only,
      description: `Aave v3.6, eMode 1: ${D.emodeOnly.supplyWstEth} wstETH (reserve LT 0, counted at the eMode's 95% LT) and ${D.emodeOnly.supplyWbtc} WBTC (outside the category: its reserve 78% LT) supplied, ${D.emodeOnly.borrowWeth} WETH borrowed (health factor about 1.33).`,
    },
    {
      key: 'v36-multi',
      label: 'Aave v3.6 multi-collateral, multi-debt',
      address: multi,
      description: `Aave v3.6: ${D.multi.supplyWeth} WETH + ${D.multi.supplyUsdc} USDC supplied; ${D.multi.borrowWbtc} WBTC + ${D.multi.borrowWstEth} wstETH borrowed (health factor about 1.62).`,
    },
    {
      key: 'v36-near-liquidation',
      label: 'Aave v3.6 close to liquidation (eMode 2)',
      address: near,
      description: `Aave v3.6, eMode 2 (WETH collateral, USDC debt, 85%/88%): ${D.nearLiquidation.supplyWeth} WETH supplied, ${D.nearLiquidation.borrowUsdc} USDC borrowed (health factor about 1.036).`,
    },
    {
      key: 'both-markets',
      label: 'On both Aave markets (v3.0 and v3.6)',
      address: both,
      description: `Aave v3.0 market: ${D.bothMarkets.v30.supplyWeth} WETH supplied, ${D.bothMarkets.v30.borrowUsdc} USDC borrowed. Aave v3.6 market: ${D.bothMarkets.v36.supplyWbtc} WBTC supplied, ${D.bothMarkets.v36.borrowWeth} WETH borrowed.`,
    },
  ]
}
