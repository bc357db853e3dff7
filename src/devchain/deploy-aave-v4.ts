/**
 * The devchain's Aave V4: TEST DOUBLES of a Hub, two Spokes and their AaveOracles
 * (src/devchain/contracts/AaveV4SpokeDouble.sol; no V4 bytecode ships on npm), listing the
 * devchain's own WETH, USDC and WBTC with their SettablePriceFeed feeds (shared with Aave v3, as
 * mainnet V4 Spokes share feeds), seeded by real transactions (tokens move into the Hub and out
 * of it): liquidity on both Spokes, and the `v4-stacker` demo wallet whose leverage runs across
 * Aave v3 and V4. Also the manifest section describing it (`aaveV4`).
 *
 * Every account here is its own (anvil's test mnemonic, indexes {@link AAVE_V4_ROLES}, impersonated),
 * and it all runs after every other deployment, so no other address, nonce or seeded block moves.
 */
import { type Address, getAddress, maxUint256, parseEther, parseUnits } from 'viem'
import { aaveV4HubDoubleAbi, aaveV4HubDoubleBytecode } from './contracts/AaveV4HubDouble.artifact.js'
import { aaveV4OracleDoubleAbi, aaveV4OracleDoubleBytecode } from './contracts/AaveV4OracleDouble.artifact.js'
import { aaveV4SpokeDoubleAbi, aaveV4SpokeDoubleBytecode } from './contracts/AaveV4SpokeDouble.artifact.js'
import type { DeployedAave } from './deploy-aave.js'
import type { AaveV4Manifest, ManifestWallet } from './manifest.js'
import { type DevchainClients, deploy, nextNonce, type PendingTx, submit, waitAll } from './tx.js'

/**
 * The V4 double's accounts: anvil test-mnemonic indexes (public knowledge), with the addresses
 * they derive to written out so starting the devchain skips the BIP-39 derivation; the chain test
 * checks them against `mnemonicToAccount(ANVIL_MNEMONIC, { addressIndex })`.
 */
export const AAVE_V4_ROLES = {
  /** Deployer and admin of the Hub, Spokes and oracles; also the V4 liquidity provider. */
  admin: { index: 40, address: '0x9eF6c02FB2ECc446146E05F1fF687a788a8BF76d' },
  /** The `v4-stacker` demo wallet. */
  stacker: { index: 41, address: '0x08A2DE6F3528319123b25935C92888B16db8913E' },
} as const satisfies Record<string, { index: number; address: Address }>

const RAY = 10n ** 27n

/** A Hub asset of the double: flat drawn rate (APR, linear) instead of V4's rate strategy. */
export const AAVE_V4_ASSETS = [
  { symbol: 'WETH', drawnRateBps: 250 },
  { symbol: 'USDC', drawnRateBps: 500 },
  { symbol: 'WBTC', drawnRateBps: 100 },
] as const

/** One reserve of a Spoke: the Hub asset (by symbol) and its risk parameters, BPS. */
interface ReserveSpec {
  symbol: (typeof AAVE_V4_ASSETS)[number]['symbol']
  collateralRiskBps: number
  borrowable: boolean
  collateralFactorBps: number
  /** 10_000 + bonus. */
  maxLiquidationBonusBps: number
  /** Share of the bonus, BPS. */
  liquidationFeeBps: number
}

/**
 * The Spokes: "Main" lists WETH, USDC, WBTC as reserves 0, 1, 2 (the Hub's asset order);
 * "Stable" lists USDC then WETH, so its reserveId is not the assetId (as on mainnet's Spokes).
 * Liquidation config as the recorded mainnet-like Spoke's: target HF 1.05, max bonus at HF 0.7,
 * bonus factor 20%.
 */
export const AAVE_V4_SPOKES: readonly {
  key: string
  id: string
  name: string
  reserves: readonly ReserveSpec[]
  liquidity: Record<string, string>
}[] = [
  {
    key: 'main',
    id: 'aave-v4-local-main-spoke',
    name: 'Aave V4 devchain Main Spoke (test double)',
    reserves: [
      {
        symbol: 'WETH',
        collateralRiskBps: 500,
        borrowable: true,
        collateralFactorBps: 8000,
        maxLiquidationBonusBps: 10500,
        liquidationFeeBps: 1000,
      },
      {
        symbol: 'USDC',
        collateralRiskBps: 100,
        borrowable: true,
        collateralFactorBps: 7800,
        maxLiquidationBonusBps: 10400,
        liquidationFeeBps: 1000,
      },
      {
        symbol: 'WBTC',
        collateralRiskBps: 800,
        borrowable: true,
        collateralFactorBps: 7300,
        maxLiquidationBonusBps: 10600,
        liquidationFeeBps: 1000,
      },
    ],
    liquidity: { WETH: '500', USDC: '2000000', WBTC: '20' },
  },
  {
    key: 'stable',
    id: 'aave-v4-local-stable-spoke',
    name: 'Aave V4 devchain Stable Spoke (test double)',
    reserves: [
      {
        symbol: 'USDC',
        collateralRiskBps: 50,
        borrowable: true,
        collateralFactorBps: 8500,
        maxLiquidationBonusBps: 10300,
        liquidationFeeBps: 1000,
      },
      {
        symbol: 'WETH',
        collateralRiskBps: 700,
        borrowable: true,
        collateralFactorBps: 7500,
        maxLiquidationBonusBps: 10600,
        liquidationFeeBps: 1000,
      },
    ],
    liquidity: { USDC: '1000000', WETH: '200' },
  },
]

/** Liquidation config of both Spokes (WAD, WAD, BPS). */
export const AAVE_V4_LIQUIDATION_CONFIG = {
  targetHealthFactor: 1_050_000_000_000_000_000n,
  healthFactorForMaxBonus: 700_000_000_000_000_000n,
  liquidationBonusFactor: 2000,
} as const

/**
 * The `v4-stacker` amounts (whole tokens): 8 wstETH supplied on the devchain's Aave v3.0 market,
 * 5 WETH borrowed there, all 5 WETH supplied on the V4 Main Spoke and enabled as collateral,
 * 8,000 USDC borrowed on V4 (left in the wallet).
 */
export const V4_STACKER = {
  aaveSupplyWstEth: '8',
  aaveBorrowWeth: '5',
  v4Spoke: 'main',
  v4CollateralWeth: '5',
  v4BorrowUsdc: '8000',
} as const

/** What {@link deployAaveV4Double} returns for the manifest. */
export interface DeployedAaveV4Double {
  manifest: AaveV4Manifest
  wallets: ManifestWallet[]
}

/**
 * Deploys the V4 doubles on a deployed devchain (after everything else), lists the assets and
 * reserves, supplies liquidity from the V4 admin on both Spokes (collateral flag off), and seeds
 * `v4-stacker` by real transactions on Aave v3's Pool and the V4 Main Spoke.
 */
export async function deployAaveV4Double(
  clients: DevchainClients,
  aave: DeployedAave,
  progress: (message: string) => void = () => {},
): Promise<DeployedAaveV4Double> {
  const admin = AAVE_V4_ROLES.admin.address as Address
  const stacker = AAVE_V4_ROLES.stacker.address as Address
  for (const who of [admin, stacker]) {
    await clients.test.impersonateAccount({ address: who })
    await clients.test.setBalance({ address: who, value: parseEther('10000') })
  }
  const token = (symbol: string) => {
    const t = aave.tokens.find((x) => x.symbol === symbol)
    if (!t) throw new Error(`the devchain has no token ${symbol}`)
    return t
  }
  const units = (symbol: string, amount: string) => parseUnits(amount, token(symbol).decimals)
  // Each account's transactions are submitted with explicit nonces and waited for together
  // (anvil mines them in order, one block each, as if each had been waited for).
  const nonces = new Map<Address, number>()
  const pending: PendingTx[] = []
  const tx = async (
    from: Address,
    address: Address,
    abi: unknown,
    functionName: string,
    args: readonly unknown[],
  ) => {
    const nonce = nonces.get(from) ?? (await nextNonce(clients, from))
    nonces.set(from, nonce + 1)
    pending.push(await submit(clients, { from, address, abi, functionName, args, nonce } as never))
  }
  const flush = async () => {
    await waitAll(pending.splice(0))
    nonces.clear()
  }
  const tokenTx = (from: Address, symbol: string, functionName: string, args: readonly unknown[]) =>
    tx(from, token(symbol).address, aave.abis.token, functionName, args)

  progress('deploying the Aave V4 doubles (Hub, 2 Spokes, their oracles)')
  const deployBlock = await clients.public.getBlockNumber()
  const hub = getAddress(
    await deploy(clients, {
      from: admin,
      abi: aaveV4HubDoubleAbi,
      bytecode: aaveV4HubDoubleBytecode,
      args: [admin],
      name: 'AaveV4HubDouble',
    }),
  )
  const hubTx = (functionName: string, args: readonly unknown[]) =>
    tx(admin, hub, aaveV4HubDoubleAbi, functionName, args)
  const assets: AaveV4Manifest['assets'] = []
  for (const [assetId, a] of AAVE_V4_ASSETS.entries()) {
    const t = token(a.symbol)
    const rate = (BigInt(a.drawnRateBps) * RAY) / 10_000n
    await hubTx('addAsset', [t.address, t.decimals, rate])
    assets.push({
      assetId,
      symbol: a.symbol,
      underlying: t.address,
      decimals: t.decimals,
      drawnRateRay: rate.toString(),
    })
  }
  const assetIdOf = (symbol: string) => AAVE_V4_ASSETS.findIndex((a) => a.symbol === symbol)

  await flush()
  const spokes: AaveV4Manifest['spokes'] = []
  for (const spec of AAVE_V4_SPOKES) {
    const oracle = getAddress(
      await deploy(clients, {
        from: admin,
        abi: aaveV4OracleDoubleAbi,
        bytecode: aaveV4OracleDoubleBytecode,
        args: [admin],
        name: `AaveV4OracleDouble (${spec.key})`,
      }),
    )
    const spoke = getAddress(
      await deploy(clients, {
        from: admin,
        abi: aaveV4SpokeDoubleAbi,
        bytecode: aaveV4SpokeDoubleBytecode,
        args: [admin, oracle, AAVE_V4_LIQUIDATION_CONFIG],
        name: `AaveV4SpokeDouble (${spec.key})`,
      }),
    )
    const reserves: AaveV4Manifest['spokes'][number]['reserves'] = []
    for (const [reserveId, r] of spec.reserves.entries()) {
      const assetId = assetIdOf(r.symbol)
      const t = token(r.symbol)
      await hubTx('addSpoke', [BigInt(assetId), spoke])
      await tx(admin, spoke, aaveV4SpokeDoubleAbi, 'addReserve', [
        hub,
        assetId,
        r.collateralRiskBps,
        r.borrowable ? 0x04 : 0,
        {
          collateralFactor: r.collateralFactorBps,
          maxLiquidationBonus: r.maxLiquidationBonusBps,
          liquidationFee: r.liquidationFeeBps,
        },
      ])
      await tx(admin, oracle, aaveV4OracleDoubleAbi, 'setReserveSource', [BigInt(reserveId), t.priceFeed])
      reserves.push({
        reserveId,
        symbol: r.symbol,
        assetId,
        underlying: t.address,
        decimals: t.decimals,
        priceFeed: t.priceFeed,
        collateralRiskBps: r.collateralRiskBps,
        borrowable: r.borrowable,
        collateralFactorBps: r.collateralFactorBps,
        maxLiquidationBonusBps: r.maxLiquidationBonusBps,
        liquidationFeeBps: r.liquidationFeeBps,
      })
    }
    spokes.push({ key: spec.key, id: spec.id, name: spec.name, spoke, oracle, reserves })
    await flush()
  }

  const spokeOf = (key: string) => spokes.find((s) => s.key === key)!
  const reserveOf = (key: string, symbol: string) => {
    const r = spokeOf(key).reserves.find((x) => x.symbol === symbol)
    if (!r) throw new Error(`the ${key} Spoke has no ${symbol}`)
    return BigInt(r.reserveId)
  }
  const spokeTx = (from: Address, key: string, functionName: string, args: readonly unknown[]) =>
    tx(from, spokeOf(key).spoke as Address, aaveV4SpokeDoubleAbi, functionName, args)

  progress('seeding Aave V4 liquidity')
  for (const spec of AAVE_V4_SPOKES) {
    for (const [symbol, amount] of Object.entries(spec.liquidity)) {
      await tokenTx(admin, symbol, 'mint', [admin, units(symbol, amount)])
      await tokenTx(admin, symbol, 'approve', [spokeOf(spec.key).spoke, maxUint256])
      await spokeTx(admin, spec.key, 'supply', [reserveOf(spec.key, symbol), units(symbol, amount), admin])
    }
  }

  await flush()

  progress('seeding the v3 + V4 stacker')
  const S = V4_STACKER
  const wstEth = units('wstETH', S.aaveSupplyWstEth)
  await tokenTx(stacker, 'wstETH', 'mint', [stacker, wstEth])
  await tokenTx(stacker, 'wstETH', 'approve', [aave.pool, maxUint256])
  const pool = (functionName: string, args: readonly unknown[]) =>
    tx(stacker, aave.pool, aave.abis.pool, functionName, args)
  await pool('supply', [token('wstETH').address, wstEth, stacker, 0])
  await pool('borrow', [token('WETH').address, units('WETH', S.aaveBorrowWeth), 2n, 0, stacker])
  const weth = units('WETH', S.v4CollateralWeth)
  await tokenTx(stacker, 'WETH', 'approve', [spokeOf(S.v4Spoke).spoke, maxUint256])
  await spokeTx(stacker, S.v4Spoke, 'supply', [reserveOf(S.v4Spoke, 'WETH'), weth, stacker])
  await spokeTx(stacker, S.v4Spoke, 'setUsingAsCollateral', [reserveOf(S.v4Spoke, 'WETH'), true, stacker])
  await spokeTx(stacker, S.v4Spoke, 'borrow', [
    reserveOf(S.v4Spoke, 'USDC'),
    units('USDC', S.v4BorrowUsdc),
    stacker,
  ])
  await flush()

  return {
    manifest: {
      kind: 'test-double',
      note: 'No Aave V4 bytecode ships on npm (its source is BUSL and unpublished): the Hub, Spokes and oracles here are test doubles (src/devchain/contracts/AaveV4SpokeDouble.sol) that answer the reads of the Aave V4 adapter with V4’s real ABI and compute getUserAccountData in Solidity by V4’s formulas from their stored state. They have a flat drawn rate per asset, no fees and no liquidationCall. Exactness against the real V4 contracts is proven by replaying recordings of them (test/replay/aave-v4.test.ts). Prices come from the tokens’ SettablePriceFeed, shared with Aave v3.',
      deploymentId: 'aave-v4-local',
      admin,
      hub,
      deployBlock: Number(deployBlock),
      liquidationConfig: {
        targetHealthFactor: AAVE_V4_LIQUIDATION_CONFIG.targetHealthFactor.toString(),
        healthFactorForMaxBonus: AAVE_V4_LIQUIDATION_CONFIG.healthFactorForMaxBonus.toString(),
        liquidationBonusFactorBps: AAVE_V4_LIQUIDATION_CONFIG.liquidationBonusFactor,
      },
      assets,
      spokes,
      wallets: ['v4-stacker'],
    },
    wallets: [
      {
        key: 'v4-stacker',
        label: 'Cross-version stack (Aave v3 -> Aave V4)',
        address: stacker,
        description:
          'One ETH bet across two Aave generations: supplied 8 wstETH on Aave v3 (the v3.0 market, no eMode) and borrowed 5 WETH (health factor about 1.56); supplied all 5 WETH on the Aave V4 Main Spoke (test double), enabled it as collateral (CF 80%) and borrowed 8,000 USDC (health factor about 1.50, risk premium 5%). The USDC stays in the wallet.',
      },
    ],
  }
}
