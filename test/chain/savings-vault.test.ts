/**
 * The devchain's REAL ERC-4626 savings vault (sUSDC: OpenZeppelin 4.9.6 ERC4626 over the devchain
 * USDC) and the `vault-looper` demo wallet (20,000 USDC deposited, all shares posted as Morpho
 * sUSDC/USDC collateral, 15,000 USDC borrowed). Exercises the resolver's on-chain rate read end to
 * end: `convertToAssets(1e6)` batched into the wallet's pinned Multicall3 batch. The expected
 * exposure is computed here from on-chain reads at the served block (Morpho position(), the
 * vault's convertToAssets) and compared exactly (18-decimal units).
 */
import { type Address, encodeFunctionData, erc20Abi, type Hex, parseAbi, parseUnits } from 'viem'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { RateCall } from '../../src/assets/rates.js'
import { configFromEnv } from '../../src/config.js'
import { savingsVaultAbi } from '../../src/devchain/contracts/SavingsVault.artifact.js'
import { send } from '../../src/devchain/tx.js'
import { readWallet } from '../../src/protocols/read-wallet.js'
import { createAssetContexts } from '../../src/report/asset-contexts.js'
import { startTestDevchain, type TestDevchain } from '../helpers/devchain.js'

let t: TestDevchain

beforeAll(async () => {
  t = await startTestDevchain()
})
afterAll(async () => {
  await t?.devchain.stop()
})

const ONE_SHARE = 10n ** 6n
const morphoAbi = parseAbi([
  'struct MarketParams { address loanToken; address collateralToken; address oracle; address irm; uint256 lltv; }',
  'function position(bytes32 id, address user) view returns (uint256 supplyShares, uint128 borrowShares, uint128 collateral)',
  'function market(bytes32 id) view returns (uint128 totalSupplyAssets, uint128 totalSupplyShares, uint128 totalBorrowAssets, uint128 totalBorrowShares, uint128 lastUpdate, uint128 fee)',
  'function accrueInterest(MarketParams marketParams)',
])
const mintAbi = parseAbi(['function mint(address to, uint256 amount) returns (bool)'])

interface Contribution {
  layer: string
  source: string
  symbol: string
  token: string | null
  riskAsset: string
  units: number
  units18: string | null
  usd: number
  flags: Record<string, boolean>
}
interface Body {
  blockNumber: number
  netExposure: { riskAsset: string; units: number; units18: string | null; usd: number }[]
  layers: { id: string; protocol: string; structure: string }[]
  contributions: Contribution[]
}

const vault = () => t.manifest.vaults!.find((v) => v.symbol === 'sUSDC')!
const market = () => t.manifest.morphoBlue!.markets.find((m) => m.key === 'susdc-usdc')!
const looper = () => t.manifest.wallets.find((w) => w.key === 'vault-looper')!.address as Address
const at = (blockNumber: bigint) => ({ blockNumber })

async function exposure(user: Address, query = ''): Promise<Body> {
  const res = await t.app.request(`/v1/wallets/${user}/exposure?chain=local${query}`)
  expect(res.status).toBe(200)
  return (await res.json()) as Body
}

/** The vault's convertToAssets(1e6) at a block: USDC raw units per whole sUSDC. */
function vaultRate(blockNumber: bigint): Promise<bigint> {
  return t.client.readContract({
    address: vault().address as Address,
    abi: savingsVaultAbi,
    functionName: 'convertToAssets',
    args: [ONE_SHARE],
    ...at(blockNumber),
  })
}

/** Accrues the market's interest in a real transaction, so position() is current. */
async function accrue(): Promise<void> {
  const m = market()
  await send(t.clients, {
    from: t.manifest.admin.address as Address,
    address: t.manifest.morphoBlue!.morpho as Address,
    abi: morphoAbi,
    functionName: 'accrueInterest',
    args: [
      {
        loanToken: m.loanToken as Address,
        collateralToken: m.collateralToken as Address,
        oracle: m.oracle as Address,
        irm: m.irm as Address,
        lltv: BigInt(m.lltv),
      },
    ],
  })
}

/** The Morpho position at a block: collateral (sUSDC raw), borrowed USDC (shares -> assets, up). */
async function position(user: Address, blockNumber: bigint) {
  const id = market().id as Hex
  const morpho = t.manifest.morphoBlue!.morpho as Address
  const [[, borrowShares, collateral], [, , totalBorrowAssets, totalBorrowShares]] = await Promise.all([
    t.client.readContract({
      address: morpho,
      abi: morphoAbi,
      functionName: 'position',
      args: [id, user],
      ...at(blockNumber),
    }),
    t.client.readContract({
      address: morpho,
      abi: morphoAbi,
      functionName: 'market',
      args: [id],
      ...at(blockNumber),
    }),
  ])
  const num = borrowShares * (totalBorrowAssets + 1n)
  const den = totalBorrowShares + 10n ** 6n
  return { collateral, borrowed: (num + den - 1n) / den }
}

/** USD units (18 decimals) of `shares` sUSDC at a convertToAssets(1e6) answer, rounded down once. */
const collateralUnits18 = (shares: bigint, rate: bigint) => (shares * (rate * 10n ** 12n)) / ONE_SHARE
const usdNet = (b: Body) => BigInt(b.netExposure.find((e) => e.riskAsset === 'USD')!.units18!)
const collateralOf = (b: Body) =>
  b.contributions.find((c) => c.source === 'collateral' && c.symbol === 'sUSDC')!

describe('the devchain savings vault (real OpenZeppelin ERC-4626)', () => {
  it('is in the manifest and seeded at the documented rate', async () => {
    const v = vault()
    expect(v.assetSymbol).toBe('USDC')
    expect(v.decimals).toBe(6)
    expect(v.asset.toLowerCase()).toBe(
      t.manifest.tokens.find((x) => x.symbol === 'USDC')!.address.toLowerCase(),
    )
    const block = await t.client.getBlockNumber()
    // 100,000 USDC deposited, 5,000 donated, then the looper's 20,000: 125,000 USDC over
    // 119,047.619047 shares, OZ 4.9 rounding (assets + 1) / (supply + 1): exactly 1.05.
    expect(await vaultRate(block)).toBe(1_050_000n)
    const [totalAssets, totalSupply] = await Promise.all([
      t.client.readContract({
        address: v.address as Address,
        abi: savingsVaultAbi,
        functionName: 'totalAssets',
        ...at(block),
      }),
      t.client.readContract({
        address: v.address as Address,
        abi: savingsVaultAbi,
        functionName: 'totalSupply',
        ...at(block),
      }),
    ])
    expect(totalAssets).toBe(125_000_000_000n)
    expect(totalSupply).toBe(119_047_619_047n)
    expect(market().collateralSymbol).toBe('sUSDC')
    expect(BigInt(market().lltv)).toBe(parseUnits('0.945', 18))
  })

  it('vault-looper exposure: shares x convertToAssets - Morpho USDC debt, exactly', async () => {
    await t.isolated(async () => {
      await accrue()
      const user = looper()
      const b = await exposure(user)
      const block = BigInt(b.blockNumber)
      const [rate, p, held] = await Promise.all([
        vaultRate(block),
        position(user, block),
        t.client.readContract({
          address: vault().address as Address,
          abi: erc20Abi,
          functionName: 'balanceOf',
          args: [user],
          ...at(block),
        }),
      ])
      expect(held).toBe(0n) // every share is Morpho collateral
      expect(p.collateral).toBe(19_047_619_047n)
      const expected = collateralUnits18(p.collateral, rate) - p.borrowed * 10n ** 12n
      expect(usdNet(b)).toBe(expected)
      expect(b.layers).toHaveLength(1)
      expect(b.layers[0]!.protocol).toBe('morpho-blue')
      expect(b.layers[0]!.structure).toBe('carry-loop')
      const c = collateralOf(b)
      expect(c.riskAsset).toBe('USD')
      expect(c.flags.rateFromPrice).toBeUndefined()
      expect(c.flags.rateUnavailable).toBeUndefined()
      expect(BigInt(c.units18!)).toBe(collateralUnits18(p.collateral, rate))
      expect(b.contributions.every((x) => !x.flags.rateFromPrice)).toBe(true)
    })
  })

  it('a yield donation raises the rate and the USD collateral; a pinned block keeps the old rate', async () => {
    await t.isolated(async () => {
      const user = looper()
      const before = await exposure(user)
      const oldBlock = BigInt(before.blockNumber)
      const oldRate = await vaultRate(oldBlock)
      // Donate 2,100 USDC: mint to the liquidity provider, who transfers it to the vault.
      const lp = t.manifest.accounts.liquidityProvider as Address
      const usdc = vault().asset as Address
      const amount = parseUnits('2100', 6)
      await send(t.clients, {
        from: lp,
        address: usdc,
        abi: mintAbi,
        functionName: 'mint',
        args: [lp, amount],
      })
      await send(t.clients, {
        from: lp,
        address: usdc,
        abi: erc20Abi,
        functionName: 'transfer',
        args: [vault().address as Address, amount],
      })
      // Interest accrued in a transaction at the read block, so position() x market() is current
      // there (the exposure accrues Morpho's pending interest to the block's timestamp itself).
      await accrue()
      const after = await exposure(user)
      const newBlock = BigInt(after.blockNumber)
      expect(newBlock).toBeGreaterThan(oldBlock)
      const newRate = await vaultRate(newBlock)
      // 127,100 USDC over 119,047.619047 shares.
      expect(oldRate).toBe(1_050_000n)
      expect(newRate).toBe(1_067_640n)
      const { collateral, borrowed } = await position(user, newBlock)
      expect(BigInt(collateralOf(after).units18!)).toBe(collateralUnits18(collateral, newRate))
      expect(BigInt(collateralOf(after).units18!) - BigInt(collateralOf(before).units18!)).toBe(
        collateralUnits18(collateral, newRate) - collateralUnits18(collateral, oldRate),
      )
      expect(usdNet(after)).toBe(collateralUnits18(collateral, newRate) - borrowed * 10n ** 12n)
      expect(collateralOf(after).flags.rateFromPrice).toBeUndefined()
      // Pinned to the old block: the old rate, read in that block's batch.
      const pinned = await exposure(user, `&block=${oldBlock}`)
      expect(pinned.blockNumber).toBe(before.blockNumber)
      expect(BigInt(collateralOf(pinned).units18!)).toBe(collateralUnits18(collateral, oldRate))
      expect(usdNet(pinned)).toBe(usdNet(before))
    })
  })

  it('readWallet: the sUSDC rate comes back as WAD; a reverting rate call lands in rateFailures', async () => {
    const assets = createAssetContexts(configFromEnv({}, t.manifest))
    const calls = assets.rateCallsFor('local')
    const susdc = calls.find((c) => c.target.toLowerCase() === vault().address.toLowerCase())!
    expect(susdc).toBeDefined()
    expect(susdc.functionName).toBe('convertToAssets')
    expect(susdc.resultDecimals).toBe(6)
    // The Aave pool has no convertToAssets and no fallback: the call reverts.
    const bogus: RateCall = {
      ...susdc,
      key: 'local:bogus-vault',
      target: t.manifest.aaveV3.pool as Address,
      callData: encodeFunctionData({
        abi: savingsVaultAbi,
        functionName: 'convertToAssets',
        args: [ONE_SHARE],
      }),
    }
    const report = await readWallet({
      client: t.client,
      chain: t.chain,
      user: looper(),
      rateCalls: [...calls, bogus],
    })
    const rate = await vaultRate(report.blockNumber)
    expect(report.rates[susdc.key]).toBe(rate * 10n ** 12n)
    expect(report.rates[susdc.key]).toBe(1_050_000_000_000_000_000n)
    expect(report.rateFailures).toContain('local:bogus-vault')
    expect(report.rateFailures).not.toContain(susdc.key)
    expect(report.rates['local:bogus-vault']).toBeUndefined()
  })
})
