/**
 * The devchain's second Aave market: REAL Aave v3.6 bytecode, compiled from
 * `@aave-dao/aave-v3-origin` 3.6.0 with solc 0.8.27 (the repo's foundry.toml settings).
 *
 * Part 1 checks the market and its demo wallets on the real contracts alone: Pool revision,
 * eMode bitmaps and the eMode-only collateral rule, non-zero rates, every seeding transaction's
 * receipt and event, getUserAccountData against a hand computation from the seeded amounts and
 * the oracle prices, a real liquidation of eMode-only collateral, 30 days of interest against
 * the v3.4+ compounding formula and v3.5+ rounding (debt rounded up).
 *
 * Part 2 holds the adapter-level checks issue 12 asks of every market (served HF equal to
 * getUserAccountData to the wei, liquidation-price round trips with a real `liquidationCall`,
 * stress close factor vs a real liquidation, interest after 30 days, one report over both
 * markets). They bind the v3.6 market the way a chain config would (manifest `aaveV36` ->
 * an `AaveMarketConfig`) and need the version-aware Aave adapter (branch `aave`).
 */
import { type Abi, type Address, erc20Abi, maxUint256, type PublicClient, parseAbi, parseUnits } from 'viem'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { aavePoolAbi } from '../../abis/aave-pool.js'
import { createApp } from '../../src/api/app.js'
import { configFromEnv } from '../../src/config.js'
import { loadArtifact } from '../../src/devchain/artifacts.js'
import { compileAaveV36 } from '../../src/devchain/compile-aave-v36.js'
import { settablePriceFeedAbi } from '../../src/devchain/contracts/SettablePriceFeed.artifact.js'
import { DEVCHAIN_TOKENS } from '../../src/devchain/deploy-aave.js'
import {
  AAVE_V36_EMODES,
  AAVE_V36_POOL_REVISION,
  AAVE_V36_RESERVES,
} from '../../src/devchain/deploy-aave-v36.js'
import type { AaveMarketV36Manifest } from '../../src/devchain/manifest.js'
import { AAVE_V36_DEMO } from '../../src/devchain/seed-aave-v36.js'
import { send } from '../../src/devchain/tx.js'
import { aaveV3Adapter } from '../../src/protocols/aave-v3/index.js'
import { readWallet } from '../../src/protocols/read-wallet.js'
import type { ChainRuntime } from '../../src/protocols/types.js'
import { startTestDevchain, type TestDevchain } from '../helpers/devchain.js'

let t: TestDevchain
let v36: AaveMarketV36Manifest
let poolAbi: Abi
/** Chain `local` with the v3.6 market bound beside v3.0, as a chain config would bind it. */
let chainV36: ChainRuntime
let appV36: ReturnType<typeof createApp>

const RAY = 10n ** 27n
const WAD = 10n ** 18n
const SECONDS_PER_YEAR = 365n * 86_400n

beforeAll(async () => {
  t = await startTestDevchain()
  if (!t.manifest.aaveV36) throw new Error('the devchain manifest has no aaveV36 section')
  v36 = t.manifest.aaveV36
  poolAbi = compileAaveV36().PoolInstance.abi
  // The composition's own binding of chain local (src/config.ts: localChainRuntime) serves both
  // Aave markets; the test checks that it does rather than building its own.
  chainV36 = t.chain
  expect(chainV36.aaveMarkets.map((m) => m.id)).toEqual(['aave-v3-local', v36.marketId])
  const base = configFromEnv({}, t.manifest)
  appV36 = createApp({ config: { ...base, chains: { ...base.chains, local: chainV36 } } })
})
afterAll(async () => {
  await t?.devchain.stop()
})

const V36_WALLETS = [
  'v36-borrower',
  'v36-emode-looper',
  'v36-emode-only',
  'v36-multi',
  'v36-near-liquidation',
  'both-markets',
] as const

const wallet = (key: string) => {
  const w = t.manifest.wallets.find((x) => x.key === key)
  if (!w) throw new Error(`no demo wallet ${key}`)
  return w.address as Address
}
const reserve = (symbol: string) => {
  const r = v36.reserves.find((x) => x.symbol === symbol)
  if (!r) throw new Error(`no v3.6 reserve ${symbol}`)
  return r
}
const price8 = (symbol: string) =>
  BigInt(Math.round(DEVCHAIN_TOKENS.find((x) => x.symbol === symbol)!.priceUsd * 1e8))
const units = (symbol: string, amount: string) => parseUnits(amount, reserve(symbol).decimals)
const pool = () => v36.pool as Address
const client = (): PublicClient => t.client

async function accountData(poolAddress: Address, user: Address, blockNumber?: bigint) {
  const [
    totalCollateralBase,
    totalDebtBase,
    availableBorrowsBase,
    currentLiquidationThreshold,
    ltv,
    healthFactor,
  ] = await client().readContract({
    address: poolAddress,
    abi: aavePoolAbi,
    functionName: 'getUserAccountData',
    args: [user],
    ...(blockNumber === undefined ? {} : { blockNumber }),
  })
  return {
    totalCollateralBase,
    totalDebtBase,
    availableBorrowsBase,
    currentLiquidationThreshold,
    ltv,
    healthFactor,
  }
}

const read = async <T>(functionName: string, args: readonly unknown[] = [], blockNumber?: bigint) =>
  (await client().readContract({
    address: pool(),
    abi: poolAbi,
    functionName,
    args,
    ...(blockNumber === undefined ? {} : { blockNumber }),
  } as never)) as T

const balanceOf = (token: string, user: Address, blockNumber?: bigint) =>
  client().readContract({
    address: token as Address,
    abi: erc20Abi,
    functionName: 'balanceOf',
    args: [user],
    ...(blockNumber === undefined ? {} : { blockNumber }),
  })

async function setPrice(symbol: string, usd: number) {
  await send(t.clients, {
    from: t.manifest.admin.address as Address,
    address: reserve(symbol).priceFeed as Address,
    abi: settablePriceFeedAbi,
    functionName: 'setAnswer',
    args: [BigInt(Math.round(usd * 1e8))],
  })
}

const tokenAbi = () => loadArtifact('@aave/core-v3', 'MintableERC20').abi

/** liquidationCall's arguments with the liquidator funded and approved for the v3.6 Pool. */
async function prepareLiquidation(user: Address, collateral: string, debt: string, debtToCover = maxUint256) {
  const liquidator = t.manifest.accounts.liquidator as Address
  const d = reserve(debt)
  await send(t.clients, {
    from: liquidator,
    address: d.address as Address,
    abi: tokenAbi(),
    functionName: 'mint',
    args: [liquidator, parseUnits('10000000', d.decimals)],
  } as never)
  await send(t.clients, {
    from: liquidator,
    address: d.address as Address,
    abi: tokenAbi(),
    functionName: 'approve',
    args: [pool(), maxUint256],
  } as never)
  return {
    liquidator,
    args: [reserve(collateral).address as Address, d.address as Address, user, debtToCover, false] as const,
  }
}

/** A real liquidationCall on the v3.6 Pool (debtToCover max by default: the Pool applies its close factor). */
async function liquidate(user: Address, collateral: string, debt: string, debtToCover = maxUint256) {
  const { liquidator, args } = await prepareLiquidation(user, collateral, debt, debtToCover)
  return send(t.clients, {
    from: liquidator,
    address: pool(),
    abi: poolAbi,
    functionName: 'liquidationCall',
    args,
  } as never)
}

/** The custom error a liquidationCall reverts with, by name (v3.6 reverts with custom errors). */
async function liquidationRevert(
  user: Address,
  collateral: string,
  debt: string,
  debtToCover = maxUint256,
): Promise<string | null> {
  const { liquidator, args } = await prepareLiquidation(user, collateral, debt, debtToCover)
  const errors = parseAbi([
    'error HealthFactorNotBelowThreshold()',
    'error CollateralCannotBeLiquidated()',
    'error MustNotLeaveDust()',
  ])
  const have = new Set(poolAbi.filter((x) => x.type === 'error').map((x) => (x as { name: string }).name))
  const abi = [...poolAbi, ...errors.filter((e) => !have.has(e.name))]
  try {
    await client().simulateContract({
      account: liquidator,
      address: pool(),
      abi,
      functionName: 'liquidationCall',
      args,
    } as never)
    return null
  } catch (err) {
    let e: unknown = err
    while (e && typeof e === 'object') {
      const data = (e as { data?: { errorName?: string } }).data
      if (data?.errorName) return data.errorName
      e = (e as { cause?: unknown }).cause
    }
    return String(err)
  }
}

/** Supplied and borrowed amounts (raw units) per v3.6 demo wallet, as the seeding made them. */
function seeded(key: (typeof V36_WALLETS)[number]): {
  eMode: number
  supplied: Record<string, bigint>
  borrowed: Record<string, bigint>
} {
  const D = AAVE_V36_DEMO
  switch (key) {
    case 'v36-borrower':
      return {
        eMode: 0,
        supplied: { WBTC: units('WBTC', D.borrower.supplyWbtc) },
        borrowed: { USDC: units('USDC', D.borrower.borrowUsdc) },
      }
    case 'v36-emode-looper': {
      // The seeding's loop, recomputed: borrow 90% of the last supply's value in WETH, swap at the
      // oracle's initial prices, resupply.
      let last = units('wstETH', D.emodeLooper.supplyWstEth)
      let supplied = last
      let borrowed = 0n
      for (let i = 0; i < D.emodeLooper.loops; i++) {
        const debt = (last * price8('wstETH') * 9000n) / (price8('WETH') * 10_000n)
        borrowed += debt
        last = (debt * price8('WETH')) / price8('wstETH')
        supplied += last
      }
      return { eMode: 1, supplied: { wstETH: supplied }, borrowed: { WETH: borrowed } }
    }
    case 'v36-emode-only':
      return {
        eMode: 1,
        supplied: {
          wstETH: units('wstETH', D.emodeOnly.supplyWstEth),
          WBTC: units('WBTC', D.emodeOnly.supplyWbtc),
        },
        borrowed: { WETH: units('WETH', D.emodeOnly.borrowWeth) },
      }
    case 'v36-multi':
      return {
        eMode: 0,
        supplied: { WETH: units('WETH', D.multi.supplyWeth), USDC: units('USDC', D.multi.supplyUsdc) },
        borrowed: { WBTC: units('WBTC', D.multi.borrowWbtc), wstETH: units('wstETH', D.multi.borrowWstEth) },
      }
    case 'v36-near-liquidation':
      return {
        eMode: 2,
        supplied: { WETH: units('WETH', D.nearLiquidation.supplyWeth) },
        borrowed: { USDC: units('USDC', D.nearLiquidation.borrowUsdc) },
      }
    case 'both-markets':
      return {
        eMode: 0,
        supplied: { WBTC: units('WBTC', D.bothMarkets.v36.supplyWbtc) },
        borrowed: { WETH: units('WETH', D.bothMarkets.v36.borrowWeth) },
      }
  }
}

/** Base-currency value (USD, 8 decimals, floor) of raw `amount` of `symbol` at its initial price. */
const base8 = (symbol: string, amount: bigint) =>
  (amount * price8(symbol)) / 10n ** BigInt(reserve(symbol).decimals)

/** The LT (bps) the Pool applies to `symbol` for a user in `eMode`: the category's when the asset is in its collateral bitmap. */
function ltFor(symbol: string, eMode: number): bigint {
  const e = AAVE_V36_EMODES.find((x) => x.id === eMode)
  if (e?.collateral.includes(symbol)) return BigInt(e.liquidationThresholdBps)
  return BigInt(AAVE_V36_RESERVES.find((r) => r.symbol === symbol)!.liquidationThresholdBps)
}

describe('Aave v3.6 market on the real contracts', () => {
  it('runs v3.6 (POOL_REVISION 10) with the listed reserves, non-zero rates and the manifest addresses', async () => {
    expect(v36.marketId).toBe('aave-v36-local')
    expect(v36.version).toBe('3.6.0')
    expect(v36.poolRevision).toBe(AAVE_V36_POOL_REVISION)
    expect(Number(await read<bigint>('POOL_REVISION'))).toBe(10)
    expect(v36.source).toMatchObject({
      solc: '0.8.27',
      optimizerRuns: 200,
      evmVersion: 'shanghai',
      viaIR: false,
    })
    const list = await read<Address[]>('getReservesList')
    expect(list.map((a) => a.toLowerCase())).toEqual(v36.reserves.map((r) => r.address.toLowerCase()))
    expect((await read<Address>('ADDRESSES_PROVIDER')).toLowerCase()).toBe(
      v36.poolAddressesProvider.toLowerCase(),
    )
    for (const r of v36.reserves) {
      const data = await read<{
        currentVariableBorrowRate: bigint
        currentLiquidityRate: bigint
        aTokenAddress: Address
      }>('getReserveData', [r.address])
      expect(data.aTokenAddress.toLowerCase()).toBe(r.aToken.toLowerCase())
      expect(data.currentVariableBorrowRate).toBeGreaterThan(0n)
      expect(data.currentLiquidityRate).toBeGreaterThan(0n)
    }
    // The v3.0 market is untouched beside it.
    expect(v36.pool).not.toBe(t.manifest.aaveV3.pool)
  })

  it('eModes of the v3.2+ kind: collateral and borrowable bitmaps as configured; wstETH is eMode-only collateral', async () => {
    const ids = new Map(v36.reserves.map((r, i) => [r.symbol, i]))
    for (const e of AAVE_V36_EMODES) {
      const [coll, borr, cfg] = await Promise.all([
        read<bigint>('getEModeCategoryCollateralBitmap', [e.id]),
        read<bigint>('getEModeCategoryBorrowableBitmap', [e.id]),
        read<{ ltv: number; liquidationThreshold: number; liquidationBonus: number }>(
          'getEModeCategoryCollateralConfig',
          [e.id],
        ),
      ])
      const bits = (symbols: readonly string[]) =>
        symbols.reduce((acc, s) => acc | (1n << BigInt(ids.get(s)!)), 0n)
      expect(coll).toBe(bits(e.collateral))
      expect(borr).toBe(bits(e.borrowable))
      expect([cfg.ltv, cfg.liquidationThreshold, cfg.liquidationBonus]).toEqual([
        e.ltvBps,
        e.liquidationThresholdBps,
        e.liquidationBonusBps,
      ])
      expect(await read<string>('getEModeCategoryLabel', [e.id])).toBe(e.label)
    }
    const wst = await read<{ data: bigint }>('getConfiguration', [reserve('wstETH').address])
    expect(wst.data & 0xffffn).toBe(0n) // LTV
    expect((wst.data >> 16n) & 0xffffn).toBe(0n) // liquidation threshold
    expect(reserve('wstETH')).toMatchObject({ ltvBps: 0, liquidationThresholdBps: 0 })
  })

  for (const key of V36_WALLETS) {
    it(`${key}: every seeding transaction succeeded and its Supply/Borrow events add up to the seeded amounts`, async () => {
      const user = wallet(key)
      const want = seeded(key)
      const symbolOf = new Map(v36.reserves.map((r) => [r.address.toLowerCase(), r.symbol]))
      for (const [eventName, expected] of [
        ['Supply', want.supplied],
        ['Borrow', want.borrowed],
      ] as const) {
        const logs = (await client().getContractEvents({
          address: pool(),
          abi: poolAbi,
          eventName,
          args: { onBehalfOf: user },
          fromBlock: 0n,
        } as never)) as unknown as {
          transactionHash: `0x${string}`
          args: { reserve: Address; amount: bigint }
        }[]
        const sums: Record<string, bigint> = {}
        for (const log of logs) {
          const receipt = await client().getTransactionReceipt({ hash: log.transactionHash })
          expect(receipt.status).toBe('success')
          expect(receipt.to?.toLowerCase()).toBe(pool().toLowerCase())
          const s = symbolOf.get(log.args.reserve.toLowerCase())!
          sums[s] = (sums[s] ?? 0n) + log.args.amount
        }
        expect(sums).toEqual(expected)
      }
      expect(Number(await read<bigint>('getUserEMode', [user]))).toBe(want.eMode)
    })

    it(`${key}: getUserAccountData equals the hand computation from the seeded amounts at the oracle prices`, async () => {
      const user = wallet(key)
      const want = seeded(key)
      const a = await accountData(pool(), user)
      let coll = 0n
      let weighted = 0n
      for (const [s, amount] of Object.entries(want.supplied)) {
        coll += base8(s, amount)
        weighted += base8(s, amount) * ltFor(s, want.eMode)
      }
      let debt = 0n
      for (const [s, amount] of Object.entries(want.borrowed)) debt += base8(s, amount)
      // Seconds of interest since the seeding and per-asset flooring: within 1e-6.
      const close = (got: bigint, expected: bigint) =>
        expect(Math.abs(Number(got - expected)) / Number(expected)).toBeLessThan(1e-6)
      close(a.totalCollateralBase, coll)
      close(a.totalDebtBase, debt)
      expect(Number(a.currentLiquidationThreshold)).toBeCloseTo(Number(weighted / coll), -0.5)
      const hf = (Number(weighted) / 1e4 / Number(debt)) * 1e18
      expect(Math.abs(Number(a.healthFactor) / hf - 1)).toBeLessThan(1e-5)
      expect(a.healthFactor).toBeGreaterThan(WAD)
      // v3.5+ rounding: debt balances round up, aToken balances down (never above supplied + interest).
      for (const [s, amount] of Object.entries(want.borrowed))
        expect(await balanceOf(reserve(s).variableDebtToken, user)).toBeGreaterThanOrEqual(amount)
      for (const [s, amount] of Object.entries(want.supplied)) {
        const bal = await balanceOf(reserve(s).aToken, user)
        expect(bal).toBeGreaterThanOrEqual(amount - 1n)
        expect(Number(bal - amount) / Number(amount)).toBeLessThan(1e-6)
      }
    })
  }

  it('the near-liquidation wallet has 1.0 < HF < 1.05; wstETH outside eMode counts for nothing; the eMode-only user cannot leave eMode 1', async () => {
    const near = await accountData(pool(), wallet('v36-near-liquidation'))
    expect(near.healthFactor).toBeGreaterThan(WAD)
    expect(near.healthFactor).toBeLessThan((105n * WAD) / 100n)
    await t.isolated(async () => {
      const fresh = t.manifest.accounts.swapDesk as Address
      const amount = units('wstETH', '1')
      await send(t.clients, {
        from: fresh,
        address: reserve('wstETH').address as Address,
        abi: tokenAbi(),
        functionName: 'mint',
        args: [fresh, amount],
      } as never)
      await send(t.clients, {
        from: fresh,
        address: reserve('wstETH').address as Address,
        abi: tokenAbi(),
        functionName: 'approve',
        args: [pool(), maxUint256],
      } as never)
      await send(t.clients, {
        from: fresh,
        address: pool(),
        abi: poolAbi,
        functionName: 'supply',
        args: [reserve('wstETH').address, amount, fresh, 0],
      } as never)
      const outside = await accountData(pool(), fresh)
      expect(outside.totalCollateralBase).toBe(0n) // supplied, not enabled: reserve LTV 0
      // v3.5+ rounding: minted scaled = amount rayDivFloor index, balance = scaled rayMulFloor index.
      const bal = await balanceOf(reserve('wstETH').aToken, fresh)
      expect(bal <= amount && bal >= amount - 1n).toBe(true)
      const leave = await send(t.clients, {
        from: wallet('v36-emode-only'),
        address: pool(),
        abi: poolAbi,
        functionName: 'setUserEMode',
        args: [0],
      } as never).then(
        () => null,
        (e: unknown) => e,
      )
      expect(leave).toBeInstanceOf(Error)
    })
  })

  it('a real liquidation of eMode-only collateral (wstETH, eMode 1 bonus) after a wstETH fall; the v3.3+ dust rule holds', async () => {
    await t.isolated(async () => {
      const user = wallet('v36-emode-only')
      // HF 1.325 -> wstETH -40%: (12000 x 0.6 x 0.95 + 7407 x 0.78) / 12963 = 0.973 (> 0.95).
      await setPrice('wstETH', 3600 * 0.6)
      const before = await accountData(pool(), user)
      expect(before.healthFactor).toBeLessThan(WAD)
      // Max: half the 12,963 USD debt, 6,546 USD of the 7,200 USD of wstETH seized -> 654 USD
      // left, under MIN_LEFTOVER_BASE (1,000 USD): the Pool refuses.
      expect(await liquidationRevert(user, 'wstETH', 'WETH')).toBe('MustNotLeaveDust')
      const aBefore = await balanceOf(reserve('wstETH').aToken, user)
      const dBefore = await balanceOf(reserve('WETH').variableDebtToken, user)
      const cover = units('WETH', '2')
      // The liquidation at the same second as the balances just read (anvil stamps blocks with the
      // wall clock): no interest accrues between them, so the debt falls by exactly the cover.
      const head = await client().getBlock()
      await t.clients.test.setNextBlockTimestamp({ timestamp: head.timestamp })
      const receipt = await liquidate(user, 'wstETH', 'WETH', cover)
      expect(receipt.status).toBe('success')
      const aAfter = await balanceOf(reserve('wstETH').aToken, user)
      const dAfter = await balanceOf(reserve('WETH').variableDebtToken, user)
      const repaid = dBefore - dAfter
      const seized = aBefore - aAfter
      expect(Number(repaid - cover)).toBeLessThanOrEqual(1)
      expect(Number(cover - repaid)).toBeLessThanOrEqual(1)
      // Seized at the eMode's 1% bonus (the collateral is in eMode 1's bitmap).
      const seizedUsd = (Number(seized) / 1e18) * 3600 * 0.6
      const repaidUsd = (Number(repaid) / 1e18) * 3000
      expect(seizedUsd / repaidUsd).toBeCloseTo(1.01, 6)
    })
  })

  it('30 days of interest: the Pool compounds by the v3.4+ Taylor formula and rounds debt up (exact, to the wei)', async () => {
    await t.isolated(async () => {
      await t.clients.test.increaseTime({ seconds: 30 * 86_400 })
      await t.clients.test.mine({ blocks: 1 })
      const block = await client().getBlock()
      const rayMul = (a: bigint, b: bigint) => (a * b + RAY / 2n) / RAY
      const rayMulCeil = (a: bigint, b: bigint) => (a * b + RAY - 1n) / RAY
      for (const r of v36.reserves) {
        const data = await read<{
          currentVariableBorrowRate: bigint
          variableBorrowIndex: bigint
          lastUpdateTimestamp: number
        }>('getReserveData', [r.address], block.number)
        const exp = block.timestamp - BigInt(data.lastUpdateTimestamp)
        expect(exp).toBeGreaterThanOrEqual(30n * 86_400n)
        const x = (data.currentVariableBorrowRate * exp) / SECONDS_PER_YEAR
        const compounded = RAY + x + rayMul(x, x / 2n + rayMul(x, x / 6n))
        const index = rayMul(compounded, data.variableBorrowIndex)
        expect(await read<bigint>('getReserveNormalizedVariableDebt', [r.address], block.number)).toBe(index)
        for (const key of V36_WALLETS) {
          const user = wallet(key)
          const scaled = await client().readContract({
            address: r.variableDebtToken as Address,
            abi: parseAbi(['function scaledBalanceOf(address) view returns (uint256)']),
            functionName: 'scaledBalanceOf',
            args: [user],
            blockNumber: block.number,
          })
          if (scaled === 0n) continue
          expect(await balanceOf(r.variableDebtToken, user, block.number)).toBe(rayMulCeil(scaled, index))
        }
      }
      for (const key of V36_WALLETS) {
        const now = await accountData(pool(), wallet(key), block.number)
        const then = await accountData(pool(), wallet(key), block.number - 1n)
        expect(now.totalDebtBase).toBeGreaterThan(then.totalDebtBase)
      }
    })
  })
})

// ---------------------------------------------------------------------------------------------
// Adapter level: these need the version-aware Aave adapter (branch `aave`); the v3.0-only adapter
// may serve the v3.6 market as `unavailable`. They run here anyway: see the report for which pass.
// ---------------------------------------------------------------------------------------------

interface ServedPosition {
  status: string
  protocol: string
  market: string
  chain: string
  healthFactor: number | null
  healthFactorWad: string | null
  code?: string
  reason?: string
  details?: Record<string, unknown>
}

async function served(
  user: Address,
  query = '',
): Promise<{ blockNumber: number; positions: ServedPosition[] }> {
  const res = await appV36.request(`/v1/wallets/${user}?chain=local${query}`)
  expect(res.status).toBe(200)
  return (await res.json()) as { blockNumber: number; positions: ServedPosition[] }
}

function okV36(positions: ServedPosition[]): ServedPosition {
  const p = positions.filter((x) => x.market === 'aave-v36-local')
  expect(p).toHaveLength(1)
  if (p[0]!.status !== 'ok') throw new Error(`v3.6 position ${p[0]!.status}: ${p[0]!.code} ${p[0]!.reason}`)
  return p[0]!
}

describe('adapter on the v3.6 market (needs the version-aware Aave adapter, branch aave)', () => {
  for (const key of V36_WALLETS) {
    it(`${key}: served HF equals Pool.getUserAccountData at the same block, to the wei`, async () => {
      const user = wallet(key)
      const body = await served(user)
      const p = okV36(body.positions)
      const onChain = await accountData(pool(), user, BigInt(body.blockNumber))
      expect(BigInt(p.healthFactorWad!)).toBe(onChain.healthFactor)
      expect(p.details?.version).toBeDefined()
    })
  }

  it('both-markets: one report holds the v3.0 and the v3.6 position, each equal to its own Pool', async () => {
    const user = wallet('both-markets')
    const body = await served(user)
    const aave = body.positions.filter((x) => x.protocol === 'aave-v3')
    expect(aave.map((p) => p.market).sort()).toEqual(['aave-v3-local', 'aave-v36-local'])
    for (const p of aave) {
      expect(p.status).toBe('ok')
      const poolAddress = (p.market === 'aave-v36-local' ? v36.pool : t.manifest.aaveV3.pool) as Address
      const onChain = await accountData(poolAddress, user, BigInt(body.blockNumber))
      expect(BigInt(p.healthFactorWad!)).toBe(onChain.healthFactor)
    }
  })

  const cases: [string, string, string][] = [
    ['v36-borrower', 'WBTC', 'USDC'],
    ['v36-near-liquidation', 'WETH', 'USDC'],
    ['v36-multi', 'WETH', 'WBTC'],
    ['v36-multi', 'USDC', 'WBTC'],
    ['v36-emode-only', 'wstETH', 'WETH'],
    ['v36-emode-only', 'WBTC', 'WETH'],
    ['v36-emode-looper', 'wstETH', 'WETH'],
  ]
  for (const [key, symbol, debt] of cases) {
    it(`${key}: ${symbol} at its served liquidation price x (1 +/- 1e-4) flips a real liquidationCall`, async () => {
      const user = wallet(key)
      const report = await readWallet({ client: client(), chain: chainV36, adapters: [aaveV3Adapter], user })
      const position = report.positions.find((p) => p.market === 'aave-v36-local')
      if (position?.status !== 'ok')
        throw new Error(
          `v3.6 position ${position?.status}: ${position?.status === 'unavailable' ? position.reason : 'none'}`,
        )
      const lp = position.liquidationPrices.find((x) => x.symbol === symbol)
      expect(lp?.price).toBeTypeOf('number')
      const price = lp!.price!
      expect(price).toBeLessThan(lp!.currentPrice)
      await t.isolated(async () => {
        await setPrice(symbol, price * (1 + 1e-4))
        expect((await accountData(pool(), user)).healthFactor).toBeGreaterThanOrEqual(WAD)
        expect(await liquidationRevert(user, symbol, debt)).toBe('HealthFactorNotBelowThreshold')
      })
      await t.isolated(async () => {
        await setPrice(symbol, price * (1 - 1e-4))
        const below = await accountData(pool(), user)
        expect(below.healthFactor).toBeLessThan(WAD)
        const receipt = await liquidate(user, symbol, debt)
        expect(receipt.status).toBe('success')
        expect((await accountData(pool(), user)).totalDebtBase).toBeLessThan(below.totalDebtBase)
      })
    })
  }

  // v36-near-liquidation: 7.654321 WETH (eMode 2, LT 88%, bonus 4%) against 19,500.123456 USDC,
  // HF 1.0363. ETH -5%: HF 0.9845 > 0.95, both sides >= 2,000 USD -> 50% of the total debt;
  // ETH -10%: HF 0.9327 <= 0.95 -> the whole debt.
  for (const [move, closeFactor] of [
    [-0.05, 0.5],
    [-0.1, 1],
  ] as const) {
    it(`stress: near-liquidation at ETH ${move * 100}% predicts close factor ${closeFactor}, repaid and seized as the real liquidationCall`, async () => {
      const user = wallet('v36-near-liquidation')
      const res = await appV36.request(`/v1/wallets/${user}/stress?chain=local&shocks=ETH:${move}`)
      expect(res.status).toBe(200)
      const body = (await res.json()) as {
        scenarios: {
          positions: {
            id: string
            liquidated: boolean
            liquidation: {
              rule: string
              closeFactor: number
              debtRepaidUsd: number
              collateralSeizedUsd: number
            } | null
          }[]
        }[]
      }
      const p = body.scenarios[0]!.positions.find((x) => x.id.includes('aave-v36-local'))
      expect(p).toBeDefined()
      expect(p!.liquidated).toBe(true)
      expect(p!.liquidation!.closeFactor).toBe(closeFactor)
      await t.isolated(async () => {
        for (const s of ['WETH', 'wstETH'])
          await setPrice(s, DEVCHAIN_TOKENS.find((x) => x.symbol === s)!.priceUsd * (1 + move))
        const [aBefore, dBefore] = await Promise.all([
          balanceOf(reserve('WETH').aToken, user),
          balanceOf(reserve('USDC').variableDebtToken, user),
        ])
        await liquidate(user, 'WETH', 'USDC')
        const [aAfter, dAfter] = await Promise.all([
          balanceOf(reserve('WETH').aToken, user),
          balanceOf(reserve('USDC').variableDebtToken, user),
        ])
        const repaidUsd = Number(dBefore - dAfter) / 1e6
        const seizedUsd = (Number(aBefore - aAfter) / 1e18) * 3000 * (1 + move)
        expect(Math.abs(repaidUsd / p!.liquidation!.debtRepaidUsd - 1)).toBeLessThan(1e-6)
        expect(Math.abs(seizedUsd / p!.liquidation!.collateralSeizedUsd - 1)).toBeLessThan(1e-6)
      })
    })
  }

  it('after 30 days of interest the served HF and debt still equal the Pool, to the wei', async () => {
    await t.isolated(async () => {
      await t.clients.test.increaseTime({ seconds: 30 * 86_400 })
      await t.clients.test.mine({ blocks: 1 })
      for (const key of V36_WALLETS) {
        const user = wallet(key)
        const report = await readWallet({
          client: client(),
          chain: chainV36,
          adapters: [aaveV3Adapter],
          user,
        })
        const p = report.positions.find((x) => x.market === 'aave-v36-local')
        if (p?.status !== 'ok')
          throw new Error(`${key}: ${p?.status === 'unavailable' ? p.reason : 'no v3.6 position'}`)
        const onChain = await accountData(pool(), user, report.blockNumber)
        expect(p.healthFactorWad).toBe(onChain.healthFactor)
        expect(p.details.totalDebtBase).toBe(onChain.totalDebtBase.toString())
      }
    })
  })
})
