/**
 * anchor: @aave/math-utils 1.28.2 formatUserSummary
 *
 * An INDEPENDENT cross-check of the served health factor with Aave's own SDK math. For each demo
 * wallet, the raw UiPoolDataProviderV3 answers (getReservesData, getUserReservesData) are read
 * with viem at one pinned block, mapped 1:1 to math-utils' humanized input shapes, run through
 * `formatReserves` + `formatUserSummary` at that block's timestamp, and compared with
 * `readWallet` at the same block: health factor within 1e-9 relative, collateral and debt in the
 * market reference currency within a few base units (math-utils does not truncate per asset as
 * the Pool does), and the average liquidation threshold, eMode and isolation mode exactly.
 *
 * math-utils models the v3.0 line faithfully (linear supply index, binomial compounded debt,
 * eMode LT substitution, `LT != 0 && usingAsCollateral`) with one exception: an eMode category
 * with its own price source, which it ignores. The test asserts no reserve has one.
 */
import { formatReserves, formatUserSummary } from '@aave/math-utils'
import type { Address } from 'viem'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { uiPoolDataProviderV30Abi } from '../../abis/aave-ui-pool-data-provider.js'
import { readWallet } from '../../src/protocols/read-wallet.js'
import { startTestDevchain, type TestDevchain } from '../helpers/devchain.js'

let t: TestDevchain

beforeAll(async () => {
  t = await startTestDevchain()
})
afterAll(async () => {
  await t?.devchain.stop()
})

const KEYS = ['looper', 'emode-looper', 'multi-collateral', 'supplier', 'near-liquidation', 'isolated']
const WITH_DEBT = ['looper', 'emode-looper', 'multi-collateral', 'near-liquidation', 'isolated']

const wallet = (key: string) => {
  const w = t.manifest.wallets.find((x) => x.key === key)
  if (!w) throw new Error(`no demo wallet ${key}`)
  return w.address as Address
}

const ZERO_ADDRESS = '0x0000000000000000000000000000000000000000'

/** The Aave SDK's view of `user` at `blockNumber`, from the raw UiPoolDataProviderV3 answers only. */
async function mathUtilsSummary(user: Address, blockNumber: bigint) {
  const ui = t.manifest.aaveV3.uiPoolDataProvider as Address
  const provider = t.manifest.aaveV3.poolAddressesProvider as Address
  const [[reserves, base], [userReserves, userEmodeCategoryId], block] = await Promise.all([
    t.client.readContract({
      address: ui,
      abi: uiPoolDataProviderV30Abi,
      functionName: 'getReservesData',
      args: [provider],
      blockNumber,
    }),
    t.client.readContract({
      address: ui,
      abi: uiPoolDataProviderV30Abi,
      functionName: 'getUserReservesData',
      args: [provider, user],
      blockNumber,
    }),
    t.client.getBlock({ blockNumber }),
  ])
  // math-utils prices eMode assets with the reserve's own oracle price: a category price source would break it.
  for (const r of reserves) expect(r.eModePriceSource.toLowerCase()).toBe(ZERO_ADDRESS)

  const currentTimestamp = Number(block.timestamp)
  const marketReferenceCurrencyDecimals = base.marketReferenceCurrencyUnit.toString().length - 1
  expect(10n ** BigInt(marketReferenceCurrencyDecimals)).toBe(base.marketReferenceCurrencyUnit)
  const marketReferencePriceInUsd = base.marketReferenceCurrencyPriceInUsd.toString()

  // ReservesDataHumanized, as @aave/contract-helpers' UiPoolDataProvider.getReservesHumanized builds it.
  const humanized = reserves.map((r) => ({
    id: `${t.manifest.chainId}-${r.underlyingAsset}-${provider}`.toLowerCase(),
    underlyingAsset: r.underlyingAsset.toLowerCase(),
    name: r.name,
    symbol: r.symbol,
    decimals: Number(r.decimals),
    baseLTVasCollateral: r.baseLTVasCollateral.toString(),
    reserveLiquidationThreshold: r.reserveLiquidationThreshold.toString(),
    reserveLiquidationBonus: r.reserveLiquidationBonus.toString(),
    reserveFactor: r.reserveFactor.toString(),
    usageAsCollateralEnabled: r.usageAsCollateralEnabled,
    borrowingEnabled: r.borrowingEnabled,
    stableBorrowRateEnabled: r.stableBorrowRateEnabled,
    isActive: r.isActive,
    isFrozen: r.isFrozen,
    liquidityIndex: r.liquidityIndex.toString(),
    variableBorrowIndex: r.variableBorrowIndex.toString(),
    liquidityRate: r.liquidityRate.toString(),
    variableBorrowRate: r.variableBorrowRate.toString(),
    stableBorrowRate: r.stableBorrowRate.toString(),
    lastUpdateTimestamp: Number(r.lastUpdateTimestamp),
    aTokenAddress: r.aTokenAddress.toLowerCase(),
    stableDebtTokenAddress: r.stableDebtTokenAddress.toLowerCase(),
    variableDebtTokenAddress: r.variableDebtTokenAddress.toLowerCase(),
    interestRateStrategyAddress: r.interestRateStrategyAddress.toLowerCase(),
    availableLiquidity: r.availableLiquidity.toString(),
    totalPrincipalStableDebt: r.totalPrincipalStableDebt.toString(),
    averageStableRate: r.averageStableRate.toString(),
    stableDebtLastUpdateTimestamp: Number(r.stableDebtLastUpdateTimestamp),
    totalScaledVariableDebt: r.totalScaledVariableDebt.toString(),
    priceInMarketReferenceCurrency: r.priceInMarketReferenceCurrency.toString(),
    priceOracle: r.priceOracle.toLowerCase(),
    variableRateSlope1: r.variableRateSlope1.toString(),
    variableRateSlope2: r.variableRateSlope2.toString(),
    stableRateSlope1: r.stableRateSlope1.toString(),
    stableRateSlope2: r.stableRateSlope2.toString(),
    baseStableBorrowRate: r.baseStableBorrowRate.toString(),
    baseVariableBorrowRate: r.baseVariableBorrowRate.toString(),
    optimalUsageRatio: r.optimalUsageRatio.toString(),
    isPaused: r.isPaused,
    isSiloedBorrowing: r.isSiloedBorrowing,
    accruedToTreasury: r.accruedToTreasury.toString(),
    unbacked: r.unbacked.toString(),
    isolationModeTotalDebt: r.isolationModeTotalDebt.toString(),
    flashLoanEnabled: r.flashLoanEnabled,
    debtCeiling: r.debtCeiling.toString(),
    debtCeilingDecimals: Number(r.debtCeilingDecimals),
    eModeCategoryId: Number(r.eModeCategoryId),
    borrowCap: r.borrowCap.toString(),
    supplyCap: r.supplyCap.toString(),
    eModeLtv: Number(r.eModeLtv),
    eModeLiquidationThreshold: Number(r.eModeLiquidationThreshold),
    eModeLiquidationBonus: Number(r.eModeLiquidationBonus),
    eModePriceSource: r.eModePriceSource.toLowerCase(),
    eModeLabel: r.eModeLabel,
    borrowableInIsolation: r.borrowableInIsolation,
  }))
  // UserReserveDataHumanized.
  const humanizedUser = userReserves.map((u) => ({
    id: `${t.manifest.chainId}-${user}-${u.underlyingAsset}-${provider}`.toLowerCase(),
    underlyingAsset: u.underlyingAsset.toLowerCase(),
    scaledATokenBalance: u.scaledATokenBalance.toString(),
    usageAsCollateralEnabledOnUser: u.usageAsCollateralEnabledOnUser,
    stableBorrowRate: u.stableBorrowRate.toString(),
    scaledVariableDebt: u.scaledVariableDebt.toString(),
    principalStableDebt: u.principalStableDebt.toString(),
    stableBorrowLastUpdateTimestamp: Number(u.stableBorrowLastUpdateTimestamp),
  }))

  const formattedReserves = formatReserves({
    reserves: humanized,
    currentTimestamp,
    marketReferenceCurrencyDecimals,
    marketReferencePriceInUsd,
  })
  const summary = formatUserSummary({
    currentTimestamp,
    marketReferencePriceInUsd,
    marketReferenceCurrencyDecimals,
    userReserves: humanizedUser,
    formattedReserves,
    userEmodeCategoryId: Number(userEmodeCategoryId),
  })
  return { summary, timestamp: block.timestamp, marketReferenceCurrencyDecimals }
}

/** Compares math-utils and stacklens for `key` at `blockNumber`. */
async function crossCheck(key: string, blockNumber: bigint) {
  const user = wallet(key)
  const report = await readWallet({ client: t.client, chain: t.chain, user, blockNumber })
  expect(report.blockNumber).toBe(blockNumber)
  const { summary, timestamp, marketReferenceCurrencyDecimals } = await mathUtilsSummary(user, blockNumber)
  // The timestamp math-utils accrues to is the one the EVM saw in stacklens' batch.
  expect(timestamp).toBe(report.timestamp)
  expect(marketReferenceCurrencyDecimals).toBe(8)

  expect(report.positions).toHaveLength(1)
  const p = report.positions[0]!
  if (p.status !== 'ok') throw new Error(`${key}: ${p.reason}`)
  const details = p.details as {
    totalCollateralBase: string
    totalDebtBase: string
    currentLiquidationThresholdBps: number
    eMode: { id: number } | null
    isolationMode: { symbol: string } | null
  }

  // Totals in base units (1e-8 USD): math-utils keeps fractions the Pool truncates per asset.
  const toBaseUnits = (human: string) => Number(human) * 10 ** marketReferenceCurrencyDecimals
  const tolerance = summary.userReservesData.length + 1
  expect(
    Math.abs(toBaseUnits(summary.totalCollateralMarketReferenceCurrency) - Number(details.totalCollateralBase)),
  ).toBeLessThanOrEqual(tolerance)
  expect(
    Math.abs(toBaseUnits(summary.totalBorrowsMarketReferenceCurrency) - Number(details.totalDebtBase)),
  ).toBeLessThanOrEqual(tolerance)

  expect(summary.userEmodeCategoryId).toBe(details.eMode?.id ?? 0)
  expect(summary.isInIsolationMode).toBe(details.isolationMode !== null)
  if (summary.isolatedReserve) expect(summary.isolatedReserve.symbol).toBe(details.isolationMode?.symbol)

  if (p.healthFactor === null) {
    // math-utils answers -1 ("invalid") for a wallet without debt.
    expect(summary.healthFactor).toBe('-1')
    expect(Number(details.totalDebtBase)).toBe(0)
    return { key, healthFactor: null }
  }
  console.log(key, summary.currentLiquidationThreshold, summary.healthFactor, p.healthFactor, summary.totalCollateralMarketReferenceCurrency, details.totalCollateralBase, summary.totalBorrowsMarketReferenceCurrency, details.totalDebtBase)
  // Weighted-average liquidation threshold, truncated to whole bps by both.
  expect(Math.round(Number(summary.currentLiquidationThreshold) * 10_000)).toBe(
    details.currentLiquidationThresholdBps,
  )
  const hf = Number(summary.healthFactor)
  expect(Number.isFinite(hf)).toBe(true)
  expect(Math.abs(hf - p.healthFactor) / p.healthFactor).toBeLessThan(1e-9)
  return { key, healthFactor: hf }
}

describe('anchor: @aave/math-utils 1.28.2 formatUserSummary agrees with stacklens at the same block', () => {
  for (const key of KEYS) {
    it(`demo wallet ${key}`, async () => {
      const blockNumber = await t.client.getBlockNumber()
      const { healthFactor } = await crossCheck(key, blockNumber)
      expect(healthFactor !== null).toBe(WITH_DEBT.includes(key))
    })
  }

  it('after 400 days of accrued interest (math-utils accrues to the block timestamp itself)', async () => {
    await t.isolated(async () => {
      await t.clients.test.increaseTime({ seconds: 400 * 86_400 })
      await t.clients.test.mine({ blocks: 1 })
      const blockNumber = await t.client.getBlockNumber()
      for (const key of WITH_DEBT) await crossCheck(key, blockNumber)
    })
  })
})
