/**
 * The devchain's GMX v2: GmxReaderDouble (a TEST DOUBLE speaking the real Reader ABI; no
 * gmx-synthetics bytecode can be had here) with an ETH/USD [WETH-USDC] and a BTC/USD [WBTC-USDC]
 * market on the devchain's own tokens, seeded with demo perp positions by the double's admin
 * setter (no tokens move). Prices are the tokens' SettablePriceFeeds, which the adapter reads in
 * the chain's batch and passes to the Reader, so moving a feed moves GMX's view. Also the
 * manifest section describing it and its mapping to the adapter's config.
 */
import { type Address, erc20Abi, getAddress, keccak256, parseUnits, toHex } from 'viem'
import { gmxReaderDoubleAbi, gmxReaderDoubleBytecode } from './contracts/GmxReaderDouble.artifact.js'
import type { DevchainManifest, GmxManifest, ManifestWallet } from './manifest.js'
import { DEVCHAIN_ROLES, STACKER } from './seed.js'
import { type DevchainClients, deploy, devchainAccount, send } from './tx.js'

export { localGmxConfigs } from './manifest.js'

/** GMX units: 1 USD and 100% are 1e30. */
const usd = (amount: string) => parseUnits(amount, 30)

/**
 * Devchain risk parameters (choices, not GMX's live values): MIN_COLLATERAL_USD 1 USD, and for
 * both markets a 1% min collateral factor (100x max leverage) and a 0.5% cap on negative price
 * impact at liquidation.
 */
export const GMX_DOUBLE_PARAMS = {
  minCollateralUsd: usd('1'),
  minCollateralFactor: usd('0.01'),
  maxPositionImpactFactorForLiquidations: usd('0.005'),
  /**
   * The rates getMarketInfo answers for every market, per second in 30 decimals (GMX derives them
   * from pool state), and the position fee factors: borrowing 6% a year for longs, 3% for shorts; longs pay shorts 10% a year.
   */
  rates: {
    borrowingFactorPerSecondForLongs: usd('0.06') / 31_536_000n,
    borrowingFactorPerSecondForShorts: usd('0.03') / 31_536_000n,
    longsPayShorts: true,
    fundingFactorPerSecond: usd('0.1') / 31_536_000n,
    // GMX's ETH/BTC markets: 0.04% when the trade improves the OI balance, 0.06% when it worsens it.
    positionFeeFactorImproved: usd('0.0004'),
    positionFeeFactorWorsened: usd('0.0006'),
  },
} as const

/** What {@link deployGmxDouble} returns for the manifest. */
export interface DeployedGmxDouble {
  /** The manifest section (`gmxV2`). */
  manifest: GmxManifest
  /** New demo wallets to append to `manifest.wallets`. */
  wallets: ManifestWallet[]
  /** Existing wallets that now also hold a GMX position: text to append to their description. */
  walletUpdates: { key: string; descriptionSuffix: string }[]
}

/** A fake GM market-token address, deterministic per label (the double mints no GM tokens). */
function marketTokenOf(label: string): Address {
  return getAddress(`0x${keccak256(toHex(`stacklens:gmx-v2:${label}`)).slice(-40)}`)
}

/**
 * Deploys the Reader double on a deployed devchain (tokens and feeds from `manifest`), lists
 * ETH/USD [WETH-USDC] and BTC/USD [WBTC-USDC], and seeds:
 * - the `looper` wallet: a 5x ETH long, 25,000 USD size (10 ETH at entry 2,500), 5,000 USDC
 *   collateral, 40 USD fees, -60 USD price impact: with its USDC borrowed on Aave, a
 *   cross-instrument stack. Liquidation price 2,035 USD (hand computation in the chain test).
 * - `gmx-trader` (anvil account 13): a 10x ETH short, 30,000 USD (10 ETH at 3,000), 3,000 USDC
 *   collateral, 25 USD fees, -400 USD impact (capped at -150): liquidation price 3,252.5 USD; and
 *   a 4x BTC long, 120,000 USD (2 BTC at 60,000), 0.5 WBTC collateral (the index token), 50 USD
 *   fees: liquidation price 48,500 USD.
 */
export async function deployGmxDouble(
  clients: DevchainClients,
  manifest: Pick<DevchainManifest, 'admin' | 'tokens' | 'wallets'>,
  progress: (message: string) => void = () => {},
): Promise<DeployedGmxDouble> {
  const admin = manifest.admin.address as Address
  const token = (symbol: string) => {
    const t = manifest.tokens.find((x) => x.symbol === symbol)
    if (!t) throw new Error(`the devchain has no token ${symbol}`)
    return t
  }
  const looper = manifest.wallets.find((w) => w.key === 'looper')
  if (!looper) throw new Error('the devchain has no looper wallet')
  const weth = token('WETH')
  const wbtc = token('WBTC')
  const usdc = token('USDC')

  progress('deploying the GMX v2 Reader double')
  const reader = getAddress(
    await deploy(clients, {
      from: admin,
      abi: gmxReaderDoubleAbi,
      bytecode: gmxReaderDoubleBytecode,
      args: [admin, GMX_DOUBLE_PARAMS.minCollateralUsd],
      name: 'GmxReaderDouble',
    }),
  )
  const tx = (functionName: string, args: readonly unknown[]) =>
    send(clients, { from: admin, address: reader, abi: gmxReaderDoubleAbi, functionName, args } as never)

  const markets: GmxManifest['markets'] = []
  for (const [key, index] of [
    ['ETH/USD', weth],
    ['BTC/USD', wbtc],
  ] as const) {
    const m = {
      marketToken: marketTokenOf(key),
      indexToken: getAddress(index.address),
      longToken: getAddress(index.address),
      shortToken: getAddress(usdc.address),
    }
    await tx('setMarket', [
      m,
      GMX_DOUBLE_PARAMS.minCollateralFactor,
      GMX_DOUBLE_PARAMS.maxPositionImpactFactorForLiquidations,
    ])
    await tx('setMarketRates', [m.marketToken, GMX_DOUBLE_PARAMS.rates])
    markets.push({
      key,
      ...m,
      indexSymbol: index.symbol,
      minCollateralFactor: GMX_DOUBLE_PARAMS.minCollateralFactor.toString(),
      maxPositionImpactFactorForLiquidations:
        GMX_DOUBLE_PARAMS.maxPositionImpactFactorForLiquidations.toString(),
    })
  }
  const [eth, btc] = markets as [GmxManifest['markets'][0], GmxManifest['markets'][0]]

  progress('seeding GMX v2 positions')
  const trader = await devchainAccount(clients, DEVCHAIN_ROLES.gmxTrader)
  const units = (t: { decimals: number }, amount: string) => parseUnits(amount, t.decimals)
  // setPosition(account, market, collateralToken, isLong, sizeInUsd, sizeInTokens, collateralAmount, feesUsd, priceImpactUsd)
  await tx('setPosition', [
    looper.address,
    eth.marketToken,
    usdc.address,
    true,
    usd('25000'),
    units(weth, '10'),
    units(usdc, '5000'),
    usd('40'),
    -usd('60'),
  ])
  await tx('setPosition', [
    trader,
    eth.marketToken,
    usdc.address,
    false,
    usd('30000'),
    units(weth, '10'),
    units(usdc, '3000'),
    usd('25'),
    -usd('400'),
  ])
  await tx('setPosition', [
    trader,
    btc.marketToken,
    wbtc.address,
    true,
    usd('120000'),
    units(wbtc, '2'),
    units(wbtc, '0.5'),
    usd('50'),
    0n,
  ])

  return {
    manifest: {
      kind: 'test-double',
      note: 'No GMX v2 bytecode is available to the devchain: the Reader here is GmxReaderDouble (src/devchain/contracts/GmxReaderDouble.sol), a test double that answers getAccountPositions, getMarket and isPositionLiquidatable with the Reader’s real ABI and GMX’s liquidation rule. It is also passed as the DataStore (ignored). Positions, with their fees and price impact in USD, are written by its admin (setPosition); no tokens move. Prices are the tokens’ SettablePriceFeeds: move them as for Aave.',
      reader,
      dataStore: reader,
      referralStorage: '0x0000000000000000000000000000000000000000',
      minCollateralUsd: GMX_DOUBLE_PARAMS.minCollateralUsd.toString(),
      markets,
      tokens: [weth, wbtc, usdc].map((t) => ({
        symbol: t.symbol,
        address: getAddress(t.address),
        decimals: t.decimals,
        priceFeed: getAddress(t.priceFeed.address),
        feedDecimals: t.priceFeed.decimals,
      })),
    },
    wallets: [
      {
        key: 'gmx-trader',
        label: 'GMX v2 trader',
        address: trader,
        description:
          'GMX v2 only (Reader double): a 10x ETH short (30,000 USD, 3,000 USDC collateral, liquidation near 3,252.5 USD) and a 4x BTC long with WBTC collateral (120,000 USD, 0.5 WBTC, liquidation near 48,500 USD).',
      },
    ],
    walletUpdates: [
      {
        key: 'looper',
        descriptionSuffix:
          ' Also on GMX v2 (Reader double): a 5x ETH long, 25,000 USD size, 5,000 USDC collateral (liquidation near 2,035 USD): a cross-instrument stack with its Aave USDC borrow.',
      },
    ],
  }
}

/**
 * Moves the `stacker` wallet's Morpho-borrowed USDC into GMX v2 and writes its position in the
 * Reader double: a real USDC transfer from the wallet to the ETH/USD market token (GMX keeps
 * position collateral in the market token contract), then the admin's setPosition for a 3x ETH
 * long with exactly that USDC as collateral ({@link STACKER}: 10,800 USDC, 32,400 USD size,
 * 10.8 ETH at entry 3,000, 20 USD fees, no price impact). Run once, on the devchain's own GMX
 * double, after `seedStackingWallets`.
 */
export async function seedStackerGmxPosition(
  clients: DevchainClients,
  manifest: Pick<DevchainManifest, 'admin' | 'tokens' | 'wallets'>,
  gmx: GmxManifest,
  progress: (message: string) => void = () => {},
): Promise<void> {
  const stacker = manifest.wallets.find((w) => w.key === 'stacker')
  if (!stacker) throw new Error('the devchain has no stacker wallet')
  const market = gmx.markets.find((m) => m.key === STACKER.gmxMarket)
  if (!market) throw new Error(`the GMX double has no ${STACKER.gmxMarket} market`)
  const token = (symbol: string) => {
    const t = manifest.tokens.find((x) => x.symbol === symbol)
    if (!t) throw new Error(`the devchain has no token ${symbol}`)
    return t
  }
  const usdc = token('USDC')
  const weth = token('WETH')
  const margin = parseUnits(STACKER.morphoBorrowUsdc, usdc.decimals)

  progress('moving the stacker USDC into GMX v2')
  await send(clients, {
    from: stacker.address as Address,
    address: usdc.address as Address,
    abi: erc20Abi,
    functionName: 'transfer',
    args: [market.marketToken as Address, margin],
  })
  await send(clients, {
    from: manifest.admin.address as Address,
    address: gmx.reader as Address,
    abi: gmxReaderDoubleAbi,
    functionName: 'setPosition',
    args: [
      stacker.address as Address,
      market.marketToken as Address,
      usdc.address as Address,
      true,
      usd(STACKER.gmxSizeUsd),
      parseUnits(STACKER.gmxSizeInEth, weth.decimals),
      margin,
      usd(STACKER.gmxFeesUsd),
      0n,
    ],
  } as never)
}
