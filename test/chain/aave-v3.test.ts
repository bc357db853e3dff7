/**
 * Devchain tests of the Aave v3 adapter against REAL Aave v3.0 bytecode (@aave/core-v3 1.19.3):
 * the served health factor equals Pool.getUserAccountData at the same block, and each computed
 * liquidation price, set on the oracle, flips the position: just above it `liquidationCall`
 * reverts with HEALTH_FACTOR_NOT_BELOW_THRESHOLD (45), just below it a real liquidation succeeds.
 */
import { type Address, maxUint256, parseUnits } from 'viem'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { aavePoolAbi } from '../../abis/aave-pool.js'
import { loadArtifact } from '../../src/devchain/artifacts.js'
import { settablePriceFeedAbi } from '../../src/devchain/contracts/SettablePriceFeed.artifact.js'
import { DevchainTxError, send } from '../../src/devchain/tx.js'
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

const wallet = (key: string) => {
  const w = t.manifest.wallets.find((x) => x.key === key)
  if (!w) throw new Error(`no demo wallet ${key}`)
  return w.address as Address
}
const token = (symbol: string) => {
  const tok = t.manifest.tokens.find((x) => x.symbol === symbol)
  if (!tok) throw new Error(`no token ${symbol}`)
  return tok
}

async function accountData(user: Address, blockNumber?: bigint) {
  const [totalCollateralBase, totalDebtBase, , currentLiquidationThreshold, ltv, healthFactor] =
    await t.client.readContract({
      address: t.manifest.aaveV3.pool as Address,
      abi: aavePoolAbi,
      functionName: 'getUserAccountData',
      args: [user],
      ...(blockNumber === undefined ? {} : { blockNumber }),
    })
  return { totalCollateralBase, totalDebtBase, currentLiquidationThreshold, ltv, healthFactor }
}

async function setPrice(symbol: string, usd: number) {
  await send(t.clients, {
    from: t.manifest.admin.address as Address,
    address: token(symbol).priceFeed.address as Address,
    abi: settablePriceFeedAbi,
    functionName: 'setAnswer',
    args: [BigInt(Math.round(usd * 1e8))],
  })
}

async function liquidate(user: Address, collateral: string, debt: string) {
  const liquidator = t.manifest.accounts.liquidator as Address
  const tokenAbi = loadArtifact('@aave/core-v3', 'MintableERC20').abi
  const debtToken = token(debt)
  const amount = parseUnits('10000000', debtToken.decimals)
  await send(t.clients, {
    from: liquidator,
    address: debtToken.address as Address,
    abi: tokenAbi,
    functionName: 'mint',
    args: [liquidator, amount],
  } as never)
  await send(t.clients, {
    from: liquidator,
    address: debtToken.address as Address,
    abi: tokenAbi,
    functionName: 'approve',
    args: [t.manifest.aaveV3.pool, maxUint256],
  } as never)
  return send(t.clients, {
    from: liquidator,
    address: t.manifest.aaveV3.pool as Address,
    abi: aavePoolAbi,
    functionName: 'liquidationCall',
    args: [token(collateral).address as Address, debtToken.address as Address, user, maxUint256, false],
  })
}

describe('health factor equals Pool.getUserAccountData at the same block', () => {
  const keys = ['looper', 'emode-looper', 'multi-collateral', 'supplier', 'near-liquidation', 'isolated']
  for (const key of keys) {
    it(`demo wallet ${key}`, async () => {
      const user = wallet(key)
      const res = await t.app.request(`/v1/wallets/${user}?chain=local`)
      expect(res.status).toBe(200)
      const body = (await res.json()) as {
        blockNumber: number
        positions: {
          protocol: string
          status: string
          healthFactor: number | null
          healthFactorWad: string | null
        }[]
      }
      const aave = body.positions.filter((x) => x.protocol === 'aave-v3')
      expect(aave).toHaveLength(1)
      const p = aave[0]!
      expect(p.status).toBe('ok')
      const onChain = await accountData(user, BigInt(body.blockNumber))
      if (onChain.totalDebtBase === 0n) {
        expect(key).toBe('supplier')
        expect(p.healthFactor).toBeNull()
        expect(p.healthFactorWad).toBeNull()
        expect(onChain.healthFactor).toBe(maxUint256)
        return
      }
      const chainHf = Number(onChain.healthFactor) / 1e18
      expect(Math.abs(p.healthFactor! - chainHf) / chainHf).toBeLessThan(1e-9)
      expect(BigInt(p.healthFactorWad!)).toBe(onChain.healthFactor)
    })
  }

  it('the near-liquidation wallet has 1.0 < HF < 1.05, the eMode looper runs in eMode', async () => {
    const near = await readWallet({
      client: t.client,
      chain: t.chain,
      adapters: [aaveV3Adapter],
      user: wallet('near-liquidation'),
    })
    const hf = near.positions[0]?.status === 'ok' ? near.positions[0].healthFactor : null
    expect(hf).toBeGreaterThan(1)
    expect(hf).toBeLessThan(1.05)
    const emode = await readWallet({
      client: t.client,
      chain: t.chain,
      adapters: [aaveV3Adapter],
      user: wallet('emode-looper'),
    })
    const p = emode.positions[0]
    expect(p?.status === 'ok' && (p.details.eMode as { id: number } | null)?.id).toBe(1)
    const iso = await readWallet({
      client: t.client,
      chain: t.chain,
      adapters: [aaveV3Adapter],
      user: wallet('isolated'),
    })
    const q = iso.positions[0]
    expect(q?.status === 'ok' && (q.details.isolationMode as { symbol: string } | null)?.symbol).toBe('LINK')
  })

  it('after 400 days of accrued interest (linear supply, compounded debt) it still equals the Pool, to the wei', async () => {
    await t.isolated(async () => {
      await t.clients.test.increaseTime({ seconds: 400 * 86_400 })
      await t.clients.test.mine({ blocks: 1 })
      for (const key of ['looper', 'emode-looper', 'multi-collateral', 'isolated']) {
        const user = wallet(key)
        const report = await readWallet({ client: t.client, chain: t.chain, adapters: [aaveV3Adapter], user })
        const p = report.positions[0]
        if (p?.status !== 'ok')
          throw new Error(`${key}: ${p?.status === 'unavailable' ? p.reason : 'no position'}`)
        const onChain = await accountData(user, report.blockNumber)
        expect(p.healthFactorWad).toBe(onChain.healthFactor)
        expect(p.details.totalDebtBase).toBe(onChain.totalDebtBase.toString())
      }
    })
  })

  it('a historical block is read at that block', async () => {
    await t.isolated(async () => {
      const user = wallet('looper')
      const before = await t.client.getBlockNumber()
      await setPrice('WETH', 2500)
      const res = await t.app.request(`/v1/wallets/${user}?chain=local&block=${before}`)
      const body = (await res.json()) as {
        blockNumber: number
        positions: { protocol: string; healthFactorWad: string }[]
      }
      expect(body.blockNumber).toBe(Number(before))
      const onChain = await accountData(user, before)
      const aave = body.positions.find((x) => x.protocol === 'aave-v3')!
      expect(BigInt(aave.healthFactorWad)).toBe(onChain.healthFactor)
      const now = await accountData(user)
      expect(now.healthFactor).toBeLessThan(onChain.healthFactor)
    })
  })
})

describe('liquidation prices flip the position on the real Pool', () => {
  const cases: [string, string[]][] = [
    ['looper', ['WETH']],
    ['multi-collateral', ['WETH', 'WBTC']],
    ['emode-looper', ['wstETH']],
  ]
  for (const [key, collaterals] of cases) {
    for (const symbol of collaterals) {
      it(`${key}: ${symbol} at its liquidation price x (1 +/- 1e-4)`, async () => {
        const user = wallet(key)
        const report = await readWallet({ client: t.client, chain: t.chain, adapters: [aaveV3Adapter], user })
        const position = report.positions[0]
        if (position?.status !== 'ok') throw new Error('position unavailable')
        const lp = position.liquidationPrices.find((x) => x.symbol === symbol)
        expect(lp?.price).toBeTypeOf('number')
        const price = lp!.price!
        expect(price).toBeLessThan(lp!.currentPrice)
        const debt = position.legs.find((l) => l.side === 'debt')!.asset.symbol

        await t.isolated(async () => {
          await setPrice(symbol, price * (1 + 1e-4))
          const above = await accountData(user)
          expect(above.healthFactor).toBeGreaterThanOrEqual(10n ** 18n)
          const err = await liquidate(user, symbol, debt).then(
            () => null,
            (e: unknown) => e,
          )
          expect(err).toBeInstanceOf(DevchainTxError)
          expect((err as Error).message).toMatch(/\b45\b/)
        })
        await t.isolated(async () => {
          await setPrice(symbol, price * (1 - 1e-4))
          const below = await accountData(user)
          expect(below.healthFactor).toBeLessThan(10n ** 18n)
          const receipt = await liquidate(user, symbol, debt)
          expect(receipt.status).toBe('success')
          const after = await accountData(user)
          expect(after.totalDebtBase).toBeLessThan(below.totalDebtBase)
        })
      })
    }
  }
})
