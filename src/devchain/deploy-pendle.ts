/**
 * The devchain's Pendle PT: TEST DOUBLES of a PT and its market's views
 * (src/devchain/contracts/PendleMarketDouble.sol; no Pendle bytecode is available here), a real
 * Morpho Blue market taking the PT as collateral (priced by a FeedRatioOracle over the PT's own
 * SettablePriceFeed, set to the PT's price at seeding), and the `pt-looper` demo wallet: PT
 * posted on Morpho, USDC borrowed against it, by real transactions.
 *
 * The PT is "PT-sUSDC": principal of the devchain's sUSDC savings vault (its SY stand-in), which
 * redeems 1:1 for USDC (the vault's asset, Pendle's SY accounting asset) at maturity, 180 days
 * after seeding. Its market's implied rate is ln(1.08) (8 % implied yield).
 *
 * Every account here is its own (anvil test-mnemonic indexes {@link PENDLE_ROLES}, impersonated)
 * and it runs after every other deployment, so no other address, nonce or seeded block moves.
 */
import { type Address, getAddress, maxUint256, parseEther, parseUnits } from 'viem'
import { ptDiscountWadDown } from '../assets/pendle.js'
import { PENDLE_DEPLOYMENTS } from '../assets/pendle-deployments-data.js'
import { compileMorpho } from './compile-morpho.js'
import { feedRatioOracleAbi, feedRatioOracleBytecode } from './contracts/FeedRatioOracle.artifact.js'
import { pendleMarketDoubleAbi, pendleMarketDoubleBytecode } from './contracts/PendleMarketDouble.artifact.js'
import { pendlePtDoubleAbi, pendlePtDoubleBytecode } from './contracts/PendlePtDouble.artifact.js'
import {
  pendlePYLpOracleDoubleAbi,
  pendlePYLpOracleDoubleBytecode,
} from './contracts/PendlePYLpOracleDouble.artifact.js'
import { settablePriceFeedAbi, settablePriceFeedBytecode } from './contracts/SettablePriceFeed.artifact.js'
import type { DeployedAave } from './deploy-aave.js'
import { type DeployedMorpho, type MorphoMarketParams, morphoMarketId } from './deploy-morpho.js'
import type { DeployedVault } from './deploy-vault.js'
import type { ManifestWallet, PendleManifest } from './manifest.js'
import { type DevchainClients, deploy, send } from './tx.js'

/**
 * The Pendle doubles' accounts: anvil test-mnemonic indexes (public knowledge), addresses written
 * out (`mnemonicToAccount(ANVIL_MNEMONIC, { addressIndex })`, checked by the chain test).
 */
export const PENDLE_ROLES = {
  /** Deployer and admin of the doubles, creator and lender of the PT Morpho market. */
  admin: { index: 70, address: '0xF23E054D8b4D0BECFa22DeEF5632F27f781f8bf5' },
  /** The `pt-looper` demo wallet. */
  looper: { index: 71, address: '0x6d69F301d1Da5C7818B5e61EECc745b30179C68b' },
} as const satisfies Record<string, { index: number; address: Address }>

/**
 * The PT and its seeding: ln(1.08) in WAD is floor(0.0769610411361283249842... x 1e18) =
 * 76961041136128324 (Python `decimal` at 80 digits); 180 days to maturity; the looper posts
 * 10,000 PT and borrows 7,000 USDC at LLTV 86 %; the admin lends 200,000 USDC.
 */
export const PENDLE_PT = {
  symbol: 'PT-sUSDC',
  name: 'PT sUSDC (devchain Pendle PT test double)',
  lnImpliedRateWad: 76_961_041_136_128_324n,
  maturityDays: 180,
  lltv: '0.86',
  lenderUsdc: '200000',
  looperPt: '10000',
  looperBorrowUsdc: '7000',
} as const

/** What {@link deployPendleDouble} returns for the manifest. */
export interface DeployedPendleDouble {
  manifest: PendleManifest
  wallets: ManifestWallet[]
}

/**
 * Deploys the PT and market doubles, the PT's USD feed at its price at seeding (8 decimals,
 * rounded down), its Morpho market (IrmMock, LLTV 86 %), the admin's USDC liquidity and the
 * `pt-looper` wallet's position.
 */
export async function deployPendleDouble(
  clients: DevchainClients,
  aave: DeployedAave,
  morpho: DeployedMorpho,
  vault: DeployedVault,
  progress: (message: string) => void = () => {},
): Promise<DeployedPendleDouble> {
  const admin = PENDLE_ROLES.admin.address as Address
  const looper = PENDLE_ROLES.looper.address as Address
  for (const who of [admin, looper]) {
    await clients.test.impersonateAccount({ address: who })
    await clients.test.setBalance({ address: who, value: parseEther('10000') })
  }
  const usdc = aave.tokens.find((t) => t.symbol === 'USDC')
  if (!usdc) throw new Error('the devchain has no USDC')
  const P = PENDLE_PT
  progress('deploying the Pendle PT and market doubles, and the PT Morpho market')
  const deployBlock = await clients.public.getBlockNumber()
  const now = (await clients.public.getBlock({ blockTag: 'latest' })).timestamp
  const maturity = now + BigInt(P.maturityDays) * 86_400n
  const pt = getAddress(
    await deploy(clients, {
      from: admin,
      abi: pendlePtDoubleAbi,
      bytecode: pendlePtDoubleBytecode,
      args: [P.name, P.symbol, vault.decimals, vault.address, maturity],
      name: 'PendlePtDouble',
    }),
  )
  const market = getAddress(
    await deploy(clients, {
      from: admin,
      abi: pendleMarketDoubleAbi,
      bytecode: pendleMarketDoubleBytecode,
      args: [admin, vault.address, pt, maturity, P.lnImpliedRateWad],
      name: 'PendleMarketDouble',
    }),
  )
  // The PT's price at seeding, for the Morpho oracle's feed: e^(-r t) = 1 / 1.08^(t / year).
  const impliedYield = 80_000_000_000_000_000n // exp(ln 1.08) - 1 = 0.08 (the feed only)
  const priceWad = ptDiscountWadDown(impliedYield, maturity - now)
  // The oracle double answers that price for the market (equal PT and USDC decimals: the raw-unit
  // rate is the whole-token one).
  const pendleOracle = getAddress(
    await deploy(clients, {
      from: admin,
      abi: pendlePYLpOracleDoubleAbi,
      bytecode: pendlePYLpOracleDoubleBytecode,
      args: [admin],
      name: 'PendlePYLpOracleDouble',
    }),
  )
  const priceFeed = await deploy(clients, {
    from: admin,
    abi: settablePriceFeedAbi,
    bytecode: settablePriceFeedBytecode,
    args: [admin, 8, `${P.symbol} / USD`, priceWad / 10n ** 10n],
    name: `SettablePriceFeed ${P.symbol} / USD`,
  })
  const oracle = await deploy(clients, {
    from: admin,
    abi: feedRatioOracleAbi,
    bytecode: feedRatioOracleBytecode,
    args: [priceFeed, usdc.priceFeed, vault.decimals, usdc.decimals],
    name: `FeedRatioOracle ${P.symbol}-usdc`,
  })
  const art = compileMorpho()
  const params: MorphoMarketParams = {
    loanToken: usdc.address,
    collateralToken: pt,
    oracle,
    irm: morpho.irm,
    lltv: parseUnits(P.lltv, 18),
  }
  const morphoCall = (from: Address, functionName: string, args: readonly unknown[]) =>
    send(clients, { from, address: morpho.morpho, abi: art.Morpho.abi, functionName, args } as never)
  const tokenCall = (
    from: Address,
    token: Address,
    abi: unknown,
    functionName: string,
    args: readonly unknown[],
  ) => send(clients, { from, address: token, abi, functionName, args } as never)
  await tokenCall(admin, pendleOracle, pendlePYLpOracleDoubleAbi, 'setPtToAssetRate', [market, priceWad])
  await morphoCall(admin, 'createMarket', [params])
  const lend = parseUnits(P.lenderUsdc, usdc.decimals)
  await tokenCall(admin, usdc.address, aave.abis.token, 'mint', [admin, lend])
  await tokenCall(admin, usdc.address, aave.abis.token, 'approve', [morpho.morpho, maxUint256])
  await morphoCall(admin, 'supply', [params, lend, 0n, admin, '0x'])

  progress('seeding the PT looper')
  const collateral = parseUnits(P.looperPt, vault.decimals)
  await tokenCall(looper, pt, pendlePtDoubleAbi, 'mint', [looper, collateral])
  await tokenCall(looper, pt, pendlePtDoubleAbi, 'approve', [morpho.morpho, maxUint256])
  await morphoCall(looper, 'supplyCollateral', [params, collateral, looper, '0x'])
  await morphoCall(looper, 'borrow', [
    params,
    parseUnits(P.looperBorrowUsdc, usdc.decimals),
    0n,
    looper,
    looper,
  ])

  return {
    manifest: {
      kind: 'test-double',
      note: 'No Pendle bytecode is available here: the PT and its market are test doubles (src/devchain/contracts/PendleMarketDouble.sol) answering the reads stacklens makes with Pendle’s real ABI (readState(router), readTokens(), expiry(), isExpired(); the PendlePYLpOracle’s getPtToAssetRate(market, duration)). The implied rate is set by the admin (setLnImpliedRate), there is no AMM; the oracle double answers a rate the admin set (the PT price at seeding), not a TWAP. The devchain PT is valued from its market; a config entry can price it by the oracle double instead. The PT’s Morpho market is real Morpho Blue, priced by a FeedRatioOracle over the PT’s own SettablePriceFeed.',
      router: PENDLE_DEPLOYMENTS[0]!.router,
      oracle: pendleOracle,
      deployBlock: Number(deployBlock),
      pts: [
        {
          symbol: P.symbol,
          pt,
          market,
          sy: vault.address,
          underlying: usdc.address,
          underlyingSymbol: usdc.symbol,
          decimals: vault.decimals,
          maturity: Number(maturity),
          lnImpliedRateWad: P.lnImpliedRateWad.toString(),
          priceFeed,
          morphoMarketId: morphoMarketId(params),
        },
      ],
      wallets: ['pt-looper'],
    },
    wallets: [
      {
        key: 'pt-looper',
        label: 'Pendle PT on Morpho (PT-sUSDC / USDC)',
        address: looper,
        description:
          'Posted 10,000 PT-sUSDC (a Pendle principal token test double maturing 180 days after seeding, 8 % implied yield on its market double) as collateral on a Morpho Blue PT-sUSDC/USDC market (LLTV 86 %) and borrowed 7,000 USDC. stacklens values the PT from its market’s readState at the block; the carry shows its implied yield to maturity.',
      },
    ],
  }
}
