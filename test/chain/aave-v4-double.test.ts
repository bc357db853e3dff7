/**
 * The devchain's Aave V4 TEST DOUBLES (src/devchain/contracts/AaveV4SpokeDouble.sol; no V4
 * bytecode ships on npm) read through the real Aave V4 adapter, and the `v4-stacker` wallet whose
 * leverage runs across Aave v3 and V4:
 * - discovery finds the wallet's Spoke and reserves from the double's own events;
 * - `readWallet` serves an `ok` position whose health factor is the double's getUserAccountData
 *   to the wei at the served block (the adapter recomputes every field and refuses any
 *   difference), also after 30 days of view-only interest and after a config-key change;
 * - the wallet endpoint shows the v3 and the V4 position, the exposure endpoint one stack across
 *   them (the WETH borrowed on v3 is the V4 collateral), and the stress endpoint liquidates the V4
 *   leg under its own rule (target health factor), with the shocked HF equal to the double's
 *   answer after the same move on chain.
 * Exactness of the adapter against the REAL V4 contracts is the replay tests' job
 * (test/replay/aave-v4.test.ts); this file checks the devchain wiring and the double.
 */
import { type Address, erc20Abi, maxUint256, parseAbi, parseUnits } from 'viem'
import { mnemonicToAccount } from 'viem/accounts'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ANVIL_MNEMONIC } from '../../src/devchain/anvil.js'
import { aaveV4SpokeDoubleAbi } from '../../src/devchain/contracts/AaveV4SpokeDouble.artifact.js'
import { settablePriceFeedAbi } from '../../src/devchain/contracts/SettablePriceFeed.artifact.js'
import { AAVE_V4_ROLES, V4_STACKER } from '../../src/devchain/deploy-aave-v4.js'
import { send } from '../../src/devchain/tx.js'
import { aaveV3Adapter } from '../../src/protocols/aave-v3/index.js'
import { aaveV4Adapter } from '../../src/protocols/aave-v4/index.js'
import { readWallet } from '../../src/protocols/read-wallet.js'
import { startTestDevchain, type TestDevchain } from '../helpers/devchain.js'

let t: TestDevchain

beforeAll(async () => {
  t = await startTestDevchain()
})
afterAll(async () => {
  await t?.devchain.stop()
})

const wallet = (key: string): Address => {
  const w = t.manifest.wallets.find((x) => x.key === key)
  if (!w) throw new Error(`no demo wallet ${key}`)
  return w.address as Address
}
const token = (symbol: string) => t.manifest.tokens.find((x) => x.symbol === symbol)!
const v4 = () => t.manifest.aaveV4!
const spoke = (key: string) => v4().spokes.find((s) => s.key === key)!
const reserveId = (key: string, symbol: string) =>
  BigInt(spoke(key).reserves.find((r) => r.symbol === symbol)!.reserveId)

function accountData(spokeAddress: string, user: Address, blockNumber?: bigint) {
  return t.client.readContract({
    address: spokeAddress as Address,
    abi: aaveV4SpokeDoubleAbi,
    functionName: 'getUserAccountData',
    args: [user],
    ...(blockNumber === undefined ? {} : { blockNumber }),
  })
}

async function readV4(user: Address) {
  const report = await readWallet({ client: t.client, chain: t.chain, adapters: [aaveV4Adapter], user })
  return report
}

/** The served V4 position of `user` is ok and its HF is the double's own answer at that block. */
async function expectExactHf(user: Address) {
  const report = await readV4(user)
  expect(report.positions).toHaveLength(1)
  const p = report.positions[0]!
  if (p.status !== 'ok') throw new Error(`V4 position not ok: ${JSON.stringify(p)}`)
  const block = BigInt(report.blockNumber)
  const onChain = await accountData(spoke('main').spoke, user, block)
  expect(p.healthFactorWad).toBe(onChain.healthFactor)
  expect(p.details.totalDebtValueRay).toBe(onChain.totalDebtValueRay.toString())
  expect(p.details.totalCollateralValue).toBe(onChain.totalCollateralValue.toString())
  return { p, onChain, block }
}

describe('the Aave V4 test doubles on the devchain', () => {
  it('are in the manifest as a test double, on their own anvil accounts', () => {
    expect(v4().kind).toBe('test-double')
    expect(v4().note).toMatch(/test doubles/)
    expect(v4().spokes.map((s) => s.key)).toEqual(['main', 'stable'])
    // The Stable Spoke lists USDC first: its reserveIds are not the Hub's assetIds.
    expect(spoke('stable').reserves.map((r) => [r.symbol, r.reserveId, r.assetId])).toEqual([
      ['USDC', 0, 1],
      ['WETH', 1, 0],
    ])
    for (const role of Object.values(AAVE_V4_ROLES))
      expect(mnemonicToAccount(ANVIL_MNEMONIC, { addressIndex: role.index }).address).toBe(role.address)
    expect(wallet('v4-stacker')).toBe(AAVE_V4_ROLES.stacker.address)
  })

  it('the chain runtime carries the deployment; listMarkets names both Spokes as devchain test doubles', () => {
    expect(t.chain.aaveV4).toHaveLength(1)
    const markets = aaveV4Adapter.listMarkets!(t.chain)
    expect(markets.map((m) => m.id)).toEqual(['aave-v4-local-main-spoke', 'aave-v4-local-stable-spoke'])
    for (const m of markets) expect(m.source).toBe('devchain manifest (test double)')
  })

  it('GET /v1/chains lists the V4 Spokes of chain local with their source', async () => {
    const res = await t.app.request('/v1/chains')
    expect(res.status).toBe(200)
    const body = (await res.json()) as {
      chains: { key: string; markets: { id: string; protocol: string; source: string }[] }[]
    }
    const local = body.chains.find((c) => c.key === 'local')!
    expect(local.markets.filter((m) => m.protocol === 'aave-v4')).toEqual([
      expect.objectContaining({ id: 'aave-v4-local-main-spoke', source: 'devchain manifest (test double)' }),
      expect.objectContaining({
        id: 'aave-v4-local-stable-spoke',
        source: 'devchain manifest (test double)',
      }),
    ])
  })

  it('discovery finds the wallet on the Main Spoke only (reserves WETH and USDC), from the double’s events', async () => {
    const head = await t.client.getBlockNumber()
    const found = (await aaveV4Adapter.discover!({
      client: t.client,
      chain: t.chain,
      user: wallet('v4-stacker'),
      toBlock: head,
    })) as { deployments: Record<string, { spoke: string; reserves: number[] }[]> }
    const spokes = found.deployments['aave-v4-local']!
    expect(spokes.map((s) => s.spoke)).toEqual([spoke('main').spoke])
    expect(spokes[0]!.reserves).toEqual([
      Number(reserveId('main', 'WETH')),
      Number(reserveId('main', 'USDC')),
    ])
    // The liquidity provider (the V4 admin) supplied on both Spokes; the Aave-only looper on none.
    const lp = (await aaveV4Adapter.discover!({
      client: t.client,
      chain: t.chain,
      user: AAVE_V4_ROLES.admin.address,
      toBlock: head,
    })) as { deployments: Record<string, { spoke: string }[]> }
    expect(lp.deployments['aave-v4-local']!.map((s) => s.spoke).sort()).toEqual(
      [spoke('main').spoke, spoke('stable').spoke].sort(),
    )
    const looper = (await aaveV4Adapter.discover!({
      client: t.client,
      chain: t.chain,
      user: wallet('looper'),
      toBlock: head,
    })) as { deployments: Record<string, unknown[]> }
    expect(looper.deployments['aave-v4-local']).toEqual([])
  })
})

describe('v4-stacker: Aave v3 wstETH -> WETH -> Aave V4 collateral -> USDC', () => {
  it('the WETH borrowed on v3 is the V4 collateral; the USDC borrowed on V4 is in the wallet', async () => {
    const user = wallet('v4-stacker')
    const weth = token('WETH')
    const [wethDebt, usdcHeld, supplied, debt] = await Promise.all([
      t.client.readContract({
        address: weth.variableDebtToken as Address,
        abi: erc20Abi,
        functionName: 'balanceOf',
        args: [user],
      }),
      t.client.readContract({
        address: token('USDC').address as Address,
        abi: erc20Abi,
        functionName: 'balanceOf',
        args: [user],
      }),
      t.client.readContract({
        address: spoke('main').spoke as Address,
        abi: aaveV4SpokeDoubleAbi,
        functionName: 'getUserSuppliedAssets',
        args: [reserveId('main', 'WETH'), user],
      }),
      t.client.readContract({
        address: spoke('main').spoke as Address,
        abi: aaveV4SpokeDoubleAbi,
        functionName: 'getUserDebt',
        args: [reserveId('main', 'USDC'), user],
      }),
    ])
    const borrowed = parseUnits(V4_STACKER.aaveBorrowWeth, 18)
    expect(wethDebt).toBeGreaterThanOrEqual(borrowed)
    expect(wethDebt).toBeLessThanOrEqual(borrowed + borrowed / 1000n)
    // 5 WETH into the Hub: the share conversion (1e6 virtual) may keep a wei.
    const posted = parseUnits(V4_STACKER.v4CollateralWeth, 18)
    expect(supplied).toBeLessThanOrEqual(posted)
    expect(supplied).toBeGreaterThanOrEqual(posted - 2n)
    const usdc = parseUnits(V4_STACKER.v4BorrowUsdc, 6)
    expect(usdcHeld).toBe(usdc)
    expect(debt[0]).toBeGreaterThanOrEqual(usdc)
    expect(debt[0]).toBeLessThanOrEqual(usdc + usdc / 1000n)
  })

  it('readWallet: one ok V4 position, HF equal to the double’s getUserAccountData to the wei', async () => {
    const { p, onChain } = await expectExactHf(wallet('v4-stacker'))
    expect(p.protocol).toBe('aave-v4')
    expect(p.market).toBe('aave-v4-local-main-spoke')
    // 5 WETH x 3,000 x 80% / 8,000 USDC = 1.5 (minus the interest since the borrow).
    expect(p.healthFactor).toBeGreaterThan(1.49)
    expect(p.healthFactor).toBeLessThanOrEqual(1.5)
    expect(onChain.activeCollateralCount).toBe(1n)
    expect(onChain.borrowCount).toBe(1n)
    // The only collateral is WETH (collateral risk 5%): risk premium 500 BPS, stored at the borrow.
    const rp = p.details.riskPremium as { currentBps: number; storedBps: number }
    expect(rp).toMatchObject({ currentBps: 500, storedBps: 500 })
    expect(p.liquidationRule?.kind).toBe('target-health-factor')
    expect(p.legs.map((l) => `${l.side} ${l.asset.symbol}`).sort()).toEqual(['collateral WETH', 'debt USDC'])
  })

  it('stays exact after 30 days of view-only interest and across a config-key change', async () => {
    const user = wallet('v4-stacker')
    await t.isolated(async () => {
      const before = await expectExactHf(user)
      await t.clients.test.increaseTime({ seconds: 30 * 86_400 })
      await t.clients.test.mine({ blocks: 1 })
      const later = await expectExactHf(user)
      // Drawn and premium interest (5% APR x 1.05) lower the HF; the index is accrued in views only.
      expect(later.onChain.healthFactor).toBeLessThan(before.onChain.healthFactor)
      expect(
        BigInt((later.p.details.reserves as { premiumDebtRay: string }[])[1]!.premiumDebtRay),
      ).toBeGreaterThan(0n)

      // A new WETH config (CF 75%) binds the wallet only on its next borrow (refresh of every collateral).
      const admin = AAVE_V4_ROLES.admin.address
      const main = spoke('main').spoke as Address
      await send(t.clients, {
        from: admin,
        address: main,
        abi: aaveV4SpokeDoubleAbi,
        functionName: 'addDynamicReserveConfig',
        args: [
          reserveId('main', 'WETH'),
          { collateralFactor: 7500, maxLiquidationBonus: 10500, liquidationFee: 1000 },
        ],
      })
      const kept = await expectExactHf(user)
      expect((kept.p.details.reserves as { dynamicConfigKey: number }[])[0]!.dynamicConfigKey).toBe(0)
      await send(t.clients, {
        from: user,
        address: main,
        abi: aaveV4SpokeDoubleAbi,
        functionName: 'borrow',
        args: [reserveId('main', 'USDC'), parseUnits('100', 6), user],
      })
      const rebound = await expectExactHf(user)
      const weth = (
        rebound.p.details.reserves as { dynamicConfigKey: number; collateralFactorBps: number }[]
      )[0]!
      expect(weth).toMatchObject({ dynamicConfigKey: 1, collateralFactorBps: 7500 })
      // 5 WETH x 3,000 x 75% / (8,100 USDC + 30 days of interest) is about 1.38.
      expect(rebound.p.healthFactor).toBeGreaterThan(1.37)
      expect(rebound.p.healthFactor).toBeLessThan(1.39)
    })
  })

  it('repay (premium first) and withdraw keep the adapter exact; a repaid, emptied Spoke serves no position', async () => {
    const user = wallet('v4-stacker')
    const main = spoke('main').spoke as Address
    const usdc = token('USDC').address as Address
    const tokenAbi = parseAbi([
      'function mint(address account, uint256 value) returns (bool)',
      'function approve(address spender, uint256 value) returns (bool)',
    ])
    const spokeTx = (functionName: 'repay' | 'withdraw', args: readonly [bigint, bigint, Address]) =>
      send(t.clients, { from: user, address: main, abi: aaveV4SpokeDoubleAbi, functionName, args })
    await t.isolated(async () => {
      await t.clients.test.increaseTime({ seconds: 90 * 86_400 })
      await t.clients.test.mine({ blocks: 1 })
      await send(t.clients, {
        from: user,
        address: usdc,
        abi: tokenAbi,
        functionName: 'mint',
        args: [user, parseUnits('1000', 6)],
      })
      await send(t.clients, {
        from: user,
        address: usdc,
        abi: tokenAbi,
        functionName: 'approve',
        args: [main, maxUint256],
      })
      const usdcId = reserveId('main', 'USDC')
      const [premiumBefore, [drawnBefore, premiumCeilBefore]] = await Promise.all([
        t.client.readContract({
          address: main,
          abi: aaveV4SpokeDoubleAbi,
          functionName: 'getUserPremiumDebtRay',
          args: [usdcId, user],
        }),
        t.client.readContract({
          address: main,
          abi: aaveV4SpokeDoubleAbi,
          functionName: 'getUserDebt',
          args: [usdcId, user],
        }),
      ])
      expect(premiumBefore).toBeGreaterThan(0n)
      // 1,000 USDC: the premium first (a few USDC after 90 days), the rest off the drawn debt.
      await spokeTx('repay', [usdcId, parseUnits('1000', 6), user])
      const partial = await expectExactHf(user)
      const usdcReserve = (
        partial.p.details.reserves as { reserveId: number; premiumDebtRay: string; drawn: string }[]
      ).find((r) => r.reserveId === Number(usdcId))!
      expect(BigInt(usdcReserve.premiumDebtRay)).toBeLessThan(premiumBefore)
      // The drawn debt fell by what the premium left of the 1,000 (rounding: a wei or two, plus
      // the interest of the seconds between two blocks: ~11 wei a second on ~7,100 USDC).
      const expected = drawnBefore - (parseUnits('1000', 6) - premiumCeilBefore)
      expect(BigInt(usdcReserve.drawn) - expected).toBeGreaterThanOrEqual(0n)
      expect(BigInt(usdcReserve.drawn) - expected).toBeLessThan(1000n)
      // Everything: no debt, HF null; the stored risk premium stays (repay does not refresh it).
      await spokeTx('repay', [usdcId, maxUint256, user])
      const repaid = await readV4(user)
      const p = repaid.positions[0]!
      if (p.status !== 'ok') throw new Error(`V4 position not ok: ${JSON.stringify(p)}`)
      expect(p.healthFactor).toBeNull()
      expect(p.details.riskPremium).toMatchObject({ currentBps: 0, storedBps: 500, stale: true })
      const [, isBorrowing] = await t.client.readContract({
        address: main,
        abi: aaveV4SpokeDoubleAbi,
        functionName: 'getUserReserveStatus',
        args: [usdcId, user],
      })
      expect(isBorrowing).toBe(false)
      // Withdraw every WETH share: nothing left on the Spoke, no V4 row (discovery still sees it).
      await spokeTx('withdraw', [reserveId('main', 'WETH'), maxUint256, user])
      expect((await readV4(user)).positions).toEqual([])
      const weth = await t.client.readContract({
        address: token('WETH').address as Address,
        abi: erc20Abi,
        functionName: 'balanceOf',
        args: [user],
      })
      expect(weth).toBeGreaterThanOrEqual(parseUnits(V4_STACKER.v4CollateralWeth, 18) - 2n)
    })
  })

  it('GET /v1/wallets/{v4-stacker}: an ok aave-v3 and an ok aave-v4 position', async () => {
    const res = await t.app.request(`/v1/wallets/${wallet('v4-stacker')}?chain=local`)
    expect(res.status).toBe(200)
    const body = (await res.json()) as {
      positions: { status: string; protocol: string; market: string; healthFactor: number | null }[]
      summary: { unavailable: number }
    }
    expect(body.positions.map((p) => `${p.protocol} ${p.market} ${p.status}`).sort()).toEqual([
      'aave-v3 aave-v3-local ok',
      'aave-v4 aave-v4-local-main-spoke ok',
    ])
    expect(body.summary.unavailable).toBe(0)
    const v3 = body.positions.find((p) => p.protocol === 'aave-v3')!
    // 8 wstETH x 3,600 x 81% / (5 WETH x 3,000) = 1.5552.
    expect(v3.healthFactor).toBeCloseTo(1.5552, 3)
    // The v3 HF the app serves is the Pool's own (aave-v3's readWallet path).
    const direct = await readWallet({
      client: t.client,
      chain: t.chain,
      adapters: [aaveV3Adapter],
      user: wallet('v4-stacker'),
    })
    expect(direct.positions[0]?.status).toBe('ok')
  })

  it('GET /v1/wallets/{v4-stacker}/exposure: one stack spanning the aave-v3 and the aave-v4 position', async () => {
    const res = await t.app.request(`/v1/wallets/${wallet('v4-stacker')}/exposure?chain=local`)
    expect(res.status).toBe(200)
    const body = (await res.json()) as {
      layers: { id: string; protocol: string }[]
      stacks: {
        protocols: string[]
        layers: string[]
        crossProtocol: boolean
        links: { from: string; to: string; via: string; debtSymbol: string; collateralSymbol: string }[]
        summary: string
      }[]
    }
    expect(body.stacks).toHaveLength(1)
    const s = body.stacks[0]!
    expect([...s.protocols].sort()).toEqual(['aave-v3', 'aave-v4'])
    expect(s.crossProtocol).toBe(true)
    expect(s.layers).toHaveLength(2)
    const layer = (protocol: string) => body.layers.find((l) => l.protocol === protocol)!.id
    // The v3 layer funds the V4 layer: its WETH debt is the V4 WETH collateral (same token).
    expect(s.layers).toEqual([layer('aave-v3'), layer('aave-v4')])
    expect(s.links).toEqual([
      expect.objectContaining({
        from: layer('aave-v3'),
        to: layer('aave-v4'),
        via: 'same-token',
        debtSymbol: 'WETH',
        collateralSymbol: 'WETH',
      }),
    ])
  })

  it('stress ETH -40%: the V4 leg is liquidated under its target-health-factor rule, as the double says on chain', async () => {
    const user = wallet('v4-stacker')
    const res = await t.app.request(`/v1/wallets/${user}/stress?chain=local&shocks=ETH:-0.4`)
    expect(res.status).toBe(200)
    const body = (await res.json()) as {
      scenarios: {
        positions: {
          protocol: string
          healthFactorShocked: number | null
          liquidated: boolean
          liquidation: { rule: string; debtRepaidUsd: number } | null
        }[]
      }[]
    }
    const p = body.scenarios[0]!.positions.find((x) => x.protocol === 'aave-v4')!
    // 1.5 x 0.6 = 0.9 < 1.
    expect(p.liquidated).toBe(true)
    expect(p.liquidation?.rule).toBe('target-health-factor')
    expect(p.liquidation!.debtRepaidUsd).toBeGreaterThan(0)
    await t.isolated(async () => {
      const weth = token('WETH')
      await send(t.clients, {
        from: t.manifest.admin.address as Address,
        address: weth.priceFeed.address as Address,
        abi: settablePriceFeedAbi,
        functionName: 'setAnswer',
        args: [BigInt(Math.round(weth.priceFeed.initialPriceUsd * 0.6 * 1e8))],
      })
      const onChain = await accountData(spoke('main').spoke, user)
      expect(onChain.healthFactor).toBeLessThan(10n ** 18n)
      const hf = Number(onChain.healthFactor) / 1e18
      expect(Math.abs((p.healthFactorShocked as number) / hf - 1)).toBeLessThan(1e-6)
      // And the adapter still agrees with the double to the wei, now liquidatable.
      const { p: after } = await expectExactHf(user)
      expect(after.details.liquidatable).toBe(true)
    })
  })
})
