/**
 * anchor: @aave/math-utils 1.28.2 formatUserSummary
 *
 * An INDEPENDENT cross-check of the served health factor with Aave's own SDK math. For each demo
 * wallet, the raw UiPoolDataProviderV3 answers (getReservesData, getUserReservesData) are read
 * with viem at one pinned block, mapped 1:1 to math-utils' humanized input shapes, run through
 * `formatReserves` + `formatUserSummary` at that block's timestamp, and compared with
 * `readWallet` at the same block: collateral and debt in the market reference currency within a
 * few base units (math-utils keeps the fractions the Pool truncates per asset), eMode and
 * isolation mode exactly, and the health factor within 1e-9 relative.
 *
 * One documented difference: math-utils keeps the collateral-weighted average liquidation
 * threshold fractional, the v3.0 Pool truncates it to whole bps before computing the health factor.
 * With one collateral (or several sharing a threshold) formatUserSummary's healthFactor equals the
 * served one within 1e-9; with a fractional average (the multi-collateral wallet: 7966.67 bps) it
 * is higher by exactly that fraction of a bps (about 8e-5 relative). For every wallet, math-utils'
 * own `calculateHealthFactorFromBalances` on its own totals at the Pool's whole-bps threshold
 * equals the served health factor within 1e-9.
 *
 * math-utils models the rest of the v3.0 line (linear supply index, binomial compounded debt, eMode
 * threshold substitution, `LT != 0 && usingAsCollateral`) except an eMode category with its own
 * price source, which it ignores: the test asserts no reserve has one.
 */
import { calculateHealthFactorFromBalances, formatReserves, formatUserSummary } from '@aave/math-utils'
import BigNumber from 'bignumber.js'
import type { Address } from 'viem'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { uiPoolDataProviderV30Abi } from '../../abis/aave-ui-pool-data-provider.js'
import { aaveV3Adapter } from '../../src/protocols/aave-v3/index.js'
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
  const report = await readWallet({
    client: t.client,
    chain: t.chain,
    adapters: [aaveV3Adapter],
    user,
    blockNumber,
  })
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
  // One base unit per asset for the per-asset truncation, or 1e-12 relative: math-utils accrues
  // interest in floating BigNumber powers, which drifts by a few base units after 400 days.
  const tolerance = Math.max(summary.userReservesData.length + 1, Number(details.totalDebtBase) * 1e-12)
  expect(
    Math.abs(
      toBaseUnits(summary.totalCollateralMarketReferenceCurrency) - Number(details.totalCollateralBase),
    ),
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
    return { healthFactor: null, fractional: false, totalDebtBase: 0n }
  }
  // math-utils keeps the collateral-weighted average liquidation threshold fractional; the Pool
  // (GenericLogic.calculateUserAccountData, v3.0) truncates it to whole bps before percentMul. Both
  // agree on the whole bps.
  const avgLtBps = new BigNumber(summary.currentLiquidationThreshold).shiftedBy(4)
  const poolLtBps = details.currentLiquidationThresholdBps
  expect(avgLtBps.integerValue(BigNumber.ROUND_DOWN).toNumber()).toBe(poolLtBps)

  // The health factor from math-utils' own totals and pool-math at the Pool's whole-bps threshold.
  const hfAtPoolLt = calculateHealthFactorFromBalances({
    collateralBalanceMarketReferenceCurrency: summary.totalCollateralMarketReferenceCurrency,
    borrowBalanceMarketReferenceCurrency: summary.totalBorrowsMarketReferenceCurrency,
    currentLiquidationThreshold: poolLtBps,
  }).toNumber()
  expect(Math.abs(hfAtPoolLt - p.healthFactor) / p.healthFactor).toBeLessThan(1e-9)

  // formatUserSummary's own healthFactor: equal within 1e-9 when the average threshold is a whole bps
  // (one collateral asset, or several with one threshold); otherwise above the Pool's by exactly the
  // truncated fraction of a bps, so by at most 1 bps / threshold.
  const hf = Number(summary.healthFactor)
  const fractional = !avgLtBps.isInteger()
  const expected = p.healthFactor * avgLtBps.div(poolLtBps).toNumber()
  expect(Math.abs(hf - expected) / expected).toBeLessThan(1e-9)
  if (!fractional) {
    expect(Math.abs(hf - p.healthFactor) / p.healthFactor).toBeLessThan(1e-9)
  } else {
    expect(hf).toBeGreaterThan(p.healthFactor)
    expect(hf / p.healthFactor - 1).toBeLessThanOrEqual(1 / poolLtBps)
  }
  return { healthFactor: hf, fractional, totalDebtBase: BigInt(details.totalDebtBase) }
}

describe('anchor: @aave/math-utils 1.28.2 formatUserSummary agrees with stacklens at the same block', () => {
  for (const key of KEYS) {
    it(`demo wallet ${key}`, async () => {
      const blockNumber = await t.client.getBlockNumber({ cacheTime: 0 })
      const result = await crossCheck(key, blockNumber)
      expect(result.healthFactor !== null).toBe(WITH_DEBT.includes(key))
    })
  }

  it('the multi-collateral wallet exercises the fractional average threshold (the 1-bps gap)', async () => {
    const blockNumber = await t.client.getBlockNumber({ cacheTime: 0 })
    expect((await crossCheck('multi-collateral', blockNumber)).fractional).toBe(true)
    expect((await crossCheck('looper', blockNumber)).fractional).toBe(false)
  })

  it('after 400 days of accrued interest (math-utils accrues to the block timestamp itself)', async () => {
    await t.isolated(async () => {
      const before = await t.client.getBlock({ blockTag: 'latest' })
      const seeded = new Map<string, bigint>()
      for (const key of WITH_DEBT) seeded.set(key, (await crossCheck(key, before.number)).totalDebtBase)
      await t.clients.test.increaseTime({ seconds: 400 * 86_400 })
      await t.clients.test.mine({ blocks: 1 })
      const blockNumber = await t.client.getBlockNumber({ cacheTime: 0 })
      expect(blockNumber).toBeGreaterThan(before.number)
      let grew = 0
      for (const key of WITH_DEBT) {
        const { totalDebtBase } = await crossCheck(key, blockNumber)
        const seededDebt = seeded.get(key)
        expect(seededDebt).toBeDefined()
        expect(totalDebtBase).toBeGreaterThanOrEqual(seededDebt!)
        if (totalDebtBase > seededDebt!) grew++
      }
      // Only borrowed reserves (WETH, USDC) have non-zero rates on the devchain; every wallet borrows one.
      expect(grew).toBe(WITH_DEBT.length)
    })
  })
})
