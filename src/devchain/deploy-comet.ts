/**
 * The devchain's Compound v3 market: a CometDouble (a TEST DOUBLE speaking Comet's real ABI; no
 * Comet bytecode can be had here) with USDC as base and WETH, WBTC and wstETH as collateral, on
 * the devchain's own tokens and SettablePriceFeed feeds, seeded with demo positions by the
 * double's governor setters (no tokens move). Also the manifest section describing it.
 */
import { type Address, getAddress, parseUnits } from 'viem'
import { cometDoubleAbi, cometDoubleBytecode } from './contracts/CometDouble.artifact.js'
import type { CometManifest, CometManifestEntry, DevchainManifest, ManifestWallet } from './manifest.js'
import { DEVCHAIN_ROLES } from './seed.js'
import { type DevchainClients, deploy, devchainAccount, send } from './tx.js'

/** Risk parameters of one collateral of the devchain Comet. Factors as fractions of 1. */
export interface CometDoubleAssetSpec {
  symbol: string
  borrowCollateralFactor: number
  liquidateCollateralFactor: number
  liquidationFactor: number
  /** Whole tokens. */
  supplyCap: number
}

/**
 * The devchain Comet's collaterals, with mainnet cUSDCv3's parameters (compound-finance/comet:
 * WETH and WBTC from deployments/mainnet/usdc/configuration.json, wstETH from its migration
 * 1720623615_add_wsteth_as_collateral). Supply caps are devchain choices.
 */
export const COMET_DOUBLE_ASSETS: readonly CometDoubleAssetSpec[] = [
  {
    symbol: 'WETH',
    borrowCollateralFactor: 0.825,
    liquidateCollateralFactor: 0.895,
    liquidationFactor: 0.95,
    supplyCap: 350_000,
  },
  {
    symbol: 'WBTC',
    borrowCollateralFactor: 0.7,
    liquidateCollateralFactor: 0.77,
    liquidationFactor: 0.95,
    supplyCap: 12_000,
  },
  {
    symbol: 'wstETH',
    borrowCollateralFactor: 0.82,
    liquidateCollateralFactor: 0.87,
    liquidationFactor: 0.92,
    supplyCap: 15_000,
  },
]

/** Flat per-second rates of the double, 1e18-scaled: 3% supply, 5% borrow APR (simple, 365 days). */
export const COMET_DOUBLE_RATES = {
  supplyPerSecond: (3n * 10n ** 16n) / 31_536_000n,
  borrowPerSecond: (5n * 10n ** 16n) / 31_536_000n,
} as const

/** What {@link deployCometDouble} returns for the manifest. */
export interface DeployedCometDouble {
  /** The manifest section (`compoundV3`). */
  manifest: CometManifest
  /** New demo wallets (Compound only) to append to `manifest.wallets`. */
  wallets: ManifestWallet[]
  /** Wallets that already exist and now also hold a Compound position: text to append to their description. */
  walletUpdates: { key: string; descriptionSuffix: string }[]
}

/** Converts a fraction of 1 to a 1e18-scaled factor (exact for up to 4 decimals). */
function factor(x: number): bigint {
  return BigInt(Math.round(x * 10_000)) * 10n ** 14n
}

/**
 * Deploys the USDC-base Comet double on a deployed devchain (its tokens and feeds from
 * `manifest`), lists WETH, WBTC and wstETH with {@link COMET_DOUBLE_ASSETS}, sets 3%/5% flat
 * rates, and seeds: a Compound-only borrower (10 WETH + 0.5 WBTC, 40,000 USDC borrowed), a base
 * supplier (25,000 USDC), and a Compound position for the existing `looper` wallet (3 wstETH,
 * 7,000 USDC borrowed), so that one wallet holds Aave and Compound at once.
 */
export async function deployCometDouble(
  clients: DevchainClients,
  manifest: Pick<DevchainManifest, 'admin' | 'tokens' | 'wallets'>,
  progress: (message: string) => void = () => {},
): Promise<DeployedCometDouble> {
  const admin = manifest.admin.address as Address
  const token = (symbol: string) => {
    const t = manifest.tokens.find((x) => x.symbol === symbol)
    if (!t) throw new Error(`the devchain has no token ${symbol}`)
    return t
  }
  const looper = manifest.wallets.find((w) => w.key === 'looper')
  if (!looper) throw new Error('the devchain has no looper wallet')
  const usdc = token('USDC')

  progress('deploying the Compound v3 Comet double (USDC base)')
  const comet = getAddress(
    await deploy(clients, {
      from: admin,
      abi: cometDoubleAbi,
      bytecode: cometDoubleBytecode,
      args: [
        admin,
        usdc.address as Address,
        usdc.priceFeed.address as Address,
        'Compound USDC (stacklens test double)',
        'cUSDCv3',
      ],
      name: 'CometDouble',
    }),
  )
  const tx = (functionName: string, args: readonly unknown[]) =>
    send(clients, { from: admin, address: comet, abi: cometDoubleAbi, functionName, args } as never)

  const assets: CometManifestEntry['assets'] = []
  for (const spec of COMET_DOUBLE_ASSETS) {
    const t = token(spec.symbol)
    const cap = BigInt(spec.supplyCap) * 10n ** BigInt(t.decimals)
    await tx('addAsset', [
      t.address,
      t.priceFeed.address,
      factor(spec.borrowCollateralFactor),
      factor(spec.liquidateCollateralFactor),
      factor(spec.liquidationFactor),
      cap,
    ])
    assets.push({
      symbol: t.symbol,
      address: t.address,
      priceFeed: t.priceFeed.address,
      decimals: t.decimals,
      borrowCollateralFactor: factor(spec.borrowCollateralFactor).toString(),
      liquidateCollateralFactor: factor(spec.liquidateCollateralFactor).toString(),
      liquidationFactor: factor(spec.liquidationFactor).toString(),
      supplyCap: cap.toString(),
    })
  }

  progress('seeding Compound v3 positions')
  const units = (symbol: string, amount: string) => parseUnits(amount, token(symbol).decimals)
  const borrower = await devchainAccount(clients, DEVCHAIN_ROLES.compoundBorrower)
  const supplier = await devchainAccount(clients, DEVCHAIN_ROLES.compoundSupplier)
  const collateral = (who: Address, symbol: string, amount: string) =>
    tx('setCollateral', [who, token(symbol).address, units(symbol, amount)])
  await collateral(borrower, 'WETH', '10')
  await collateral(borrower, 'WBTC', '0.5')
  await tx('setBorrowBalance', [borrower, units('USDC', '40000')])
  await tx('setSupplyBalance', [supplier, units('USDC', '25000')])
  await collateral(looper.address as Address, 'wstETH', '3')
  await tx('setBorrowBalance', [looper.address, units('USDC', '7000')])
  // Rates start after seeding, so every seeded principal sits at index 1 (round balances); from
  // here borrowBalanceOf accrues while the stored index waits for the next accrual, as on Comet.
  await tx('setInterestRates', [COMET_DOUBLE_RATES.supplyPerSecond, COMET_DOUBLE_RATES.borrowPerSecond])

  return {
    manifest: {
      kind: 'test-double',
      note: 'No Comet bytecode is available to the devchain: each Comet here is CometDouble (src/devchain/contracts/CometDouble.sol), a test double that answers the reads of Compound v3 with Comet’s real ABI and isLiquidatable/isBorrowCollateralized math. Positions are written by its governor (setCollateral, setBorrowBalance, setSupplyBalance); no tokens move. Move prices with the tokens’ SettablePriceFeed, as for Aave.',
      comets: [
        {
          marketId: 'compound-v3-local-usdc',
          comet,
          name: 'Compound USDC (stacklens test double)',
          symbol: 'cUSDCv3',
          baseSymbol: 'USDC',
          baseToken: usdc.address,
          baseTokenPriceFeed: usdc.priceFeed.address,
          baseDecimals: usdc.decimals,
          assets,
          interest: {
            supplyPerSecond: COMET_DOUBLE_RATES.supplyPerSecond.toString(),
            borrowPerSecond: COMET_DOUBLE_RATES.borrowPerSecond.toString(),
          },
        },
      ],
    },
    wallets: [
      {
        key: 'compound-borrower',
        label: 'Compound v3 borrower',
        address: borrower,
        description:
          'Compound only (Comet double, USDC base): 10 WETH + 0.5 WBTC collateral, 40,000 USDC borrowed: health factor about 1.25.',
      },
      {
        key: 'compound-supplier',
        label: 'Compound v3 base supplier',
        address: supplier,
        description: 'Supplies 25,000 USDC to the Comet double and borrows nothing: health factor null.',
      },
    ],
    walletUpdates: [
      {
        key: 'looper',
        descriptionSuffix: ' Also on Compound v3 (Comet double): 3 wstETH collateral, 7,000 USDC borrowed.',
      },
    ],
  }
}

export { localCometConfigs } from './manifest.js'
