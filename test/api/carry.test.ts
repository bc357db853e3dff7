/**
 * `GET /v1/wallets/{address}/exposure?carry=true` on the devchain. Every rate the answer carries is
 * checked against the protocol's own getter read with viem at the served block, through a
 * different contract where one exists: Aave v3's AaveProtocolDataProvider.getReserveData
 * (liquidityRate, variableBorrowRate; the adapter reads Pool.getReserveData), Morpho's IrmMock
 * borrowRateView(marketParams, market) on the market as stored at the block (and the supply rate
 * borrowRate x utilization x (1 - fee) from Morpho.market at that block). The APYs are those raw
 * rates through the stated conversions. Then the bad inputs of the new parameters.
 */
import { type Address, erc20Abi, type Hex, parseAbi, parseUnits } from 'viem'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CarrySchema } from '../../src/api/carry-schemas.js'
import { savingsVaultAbi } from '../../src/devchain/contracts/SavingsVault.artifact.js'
import { GMX_DOUBLE_PARAMS } from '../../src/devchain/deploy-gmx.js'
import { send } from '../../src/devchain/tx.js'
import { SECONDS_PER_YEAR } from '../../src/risk/carry.js'
import { startTestDevchain, type TestDevchain } from '../helpers/devchain.js'

let t: TestDevchain
beforeAll(async () => {
  t = await startTestDevchain()
}, 600_000)
afterAll(async () => {
  await t?.devchain.stop()
})

const dataProviderAbi = parseAbi([
  'function getReserveData(address asset) view returns (uint256 unbacked, uint256 accruedToTreasuryScaled, uint256 totalAToken, uint256 totalStableDebt, uint256 totalVariableDebt, uint256 liquidityRate, uint256 variableBorrowRate, uint256 stableBorrowRate, uint256 averageStableBorrowRate, uint256 liquidityIndex, uint256 variableBorrowIndex, uint40 lastUpdateTimestamp)',
])
const morphoAbi = parseAbi([
  'function market(bytes32 id) view returns (uint128 totalSupplyAssets, uint128 totalSupplyShares, uint128 totalBorrowAssets, uint128 totalBorrowShares, uint128 lastUpdate, uint128 fee)',
  'function idToMarketParams(bytes32 id) view returns (address loanToken, address collateralToken, address oracle, address irm, uint256 lltv)',
])
const irmAbi = parseAbi([
  'struct MarketParams { address loanToken; address collateralToken; address oracle; address irm; uint256 lltv; }',
  'struct Market { uint128 totalSupplyAssets; uint128 totalSupplyShares; uint128 totalBorrowAssets; uint128 totalBorrowShares; uint128 lastUpdate; uint128 fee; }',
  'function borrowRateView(MarketParams marketParams, Market market) view returns (uint256)',
])

const wallet = (key: string) => t.manifest.wallets.find((w) => w.key === key)!.address as Address

interface LegCarry {
  symbol: string
  token: Address
  side: 'collateral' | 'debt'
  usd: number
  rateApy: number | null
  nativeApy: number
  carryUsdPerYear: number | null
}

async function carryOf(key: string, query = '') {
  const res = await t.app.request(`/v1/wallets/${wallet(key)}/exposure?chain=local&carry=true${query}`)
  expect(res.status).toBe(200)
  const body = (await res.json()) as {
    blockNumber: number
    carry: unknown
    layers: { id: string; protocol: string }[]
  }
  const carry = CarrySchema.parse(body.carry)
  return { body, carry: carry as typeof carry & { layers: { legs: LegCarry[] }[] } }
}

/** Aave's quoted APY of a RAY annual rate: (1 + r / S)^S - 1. */
const aaveApy = (ray: bigint) =>
  Math.expm1(SECONDS_PER_YEAR * Math.log1p(Number(ray) / 1e27 / SECONDS_PER_YEAR))

describe('carry on the devchain equals the protocols own rate getters at the block', () => {
  it('stacker (Aave -> Morpho -> GMX): Aave legs at the data provider rates, Morpho debt at the IRM rate, GMX funding and borrowing at the Reader double getMarketInfo rates', async () => {
    const { body, carry } = await carryOf('stacker')
    const block = BigInt(body.blockNumber)
    const aave = carry.layers.find((l) => l.protocol === 'aave-v3')!
    expect(aave.legs.length).toBeGreaterThan(0)
    for (const leg of aave.legs) {
      const d = await t.client.readContract({
        address: t.manifest.aaveV3.protocolDataProvider as Address,
        abi: dataProviderAbi,
        functionName: 'getReserveData',
        args: [leg.token as Address],
        blockNumber: block,
      })
      const ray = leg.side === 'collateral' ? d[5] : d[6]
      // Nobody borrows wstETH on the devchain: its supply rate is 0; the WETH borrow rate is not.
      if (leg.side === 'debt') expect(ray).toBeGreaterThan(0n)
      expect(leg.rateApy).toBe(aaveApy(ray))
      const sign = leg.side === 'collateral' ? 1 : -1
      expect(leg.carryUsdPerYear).toBeCloseTo(
        sign * leg.usd * ((1 + aaveApy(ray)) * (1 + leg.nativeApy) - 1),
        9,
      )
    }

    const morphoLayer = carry.layers.find((l) => l.protocol === 'morpho-blue')!
    const id = body.layers.find((l) => l.protocol === 'morpho-blue')!.id.split(':')[1] as Hex
    const morpho = t.manifest.morphoBlue!.morpho as Address
    const [p, m] = await Promise.all([
      t.client.readContract({
        address: morpho,
        abi: morphoAbi,
        functionName: 'idToMarketParams',
        args: [id],
        blockNumber: block,
      }),
      t.client.readContract({
        address: morpho,
        abi: morphoAbi,
        functionName: 'market',
        args: [id],
        blockNumber: block,
      }),
    ])
    const borrowRate = await t.client.readContract({
      address: p[3],
      abi: irmAbi,
      functionName: 'borrowRateView',
      args: [
        { loanToken: p[0], collateralToken: p[1], oracle: p[2], irm: p[3], lltv: p[4] },
        {
          totalSupplyAssets: m[0],
          totalSupplyShares: m[1],
          totalBorrowAssets: m[2],
          totalBorrowShares: m[3],
          lastUpdate: m[4],
          fee: m[5],
        },
      ],
      blockNumber: block,
    })
    expect(borrowRate).toBeGreaterThan(0n)
    const debt = morphoLayer.legs.find((l) => l.side === 'debt')!
    expect(debt.rateApy).toBe(Math.expm1((Number(borrowRate) / 1e18) * SECONDS_PER_YEAR))
    // Morpho collateral is not lent out: it earns 0, stated, not missing.
    expect(morphoLayer.legs.find((l) => l.side === 'collateral')!.rateApy).toBe(0)

    const gmx = carry.layers.find((l) => l.protocol === 'gmx-v2')!
    // The devchain's GMX Reader is a double (GmxReaderDouble) answering getMarketInfo with the
    // rates src/devchain/deploy-gmx.ts sets (the real Reader's: test/replay/gmx-v2-carry.test.ts):
    // the long pays its side's borrowing factor and, longs paying shorts, the funding factor, per
    // second x a 365-day year, on its size.
    expect(gmx.complete).toBe(true)
    expect(gmx.missing).toEqual([])
    const r = GMX_DOUBLE_PARAMS.rates
    const perYear = (x: bigint) => (Number(x) / 1e30) * SECONDS_PER_YEAR
    const long = gmx.legs.find((l) => l.side === 'long')!
    const parts = (long as unknown as { components: { name: string; apy: number }[] }).components
    expect(parts.find((c) => c.name === 'borrowing')!.apy).toBeCloseTo(
      -perYear(r.borrowingFactorPerSecondForLongs),
      12,
    )
    expect(parts.find((c) => c.name === 'funding')!.apy).toBeCloseTo(-perYear(r.fundingFactorPerSecond), 12)
    expect(gmx.legs.find((l) => l.side === 'collateral')!.rateApy).toBe(0)
    // Sums: the wallet's carry is its layers', each layer's its legs'.
    for (const l of carry.layers) {
      expect(l.carryUsdPerYear).toBeCloseTo(
        l.legs.reduce((a, x) => a + (x.carryUsdPerYear ?? 0), 0),
        9,
      )
    }
    expect(carry.netCarryUsdPerYear).toBeCloseTo(
      carry.layers.reduce((a, l) => a + l.carryUsdPerYear, 0),
      9,
    )
  })

  it('supplier (Aave supply + Morpho USDC lending): the Morpho supply rate is borrowRate x utilization x (1 - fee)', async () => {
    const { body, carry } = await carryOf('supplier')
    const block = BigInt(body.blockNumber)
    const layer = carry.layers.find((l) => l.protocol === 'morpho-blue')!
    const id = body.layers.find((l) => l.protocol === 'morpho-blue')!.id.split(':')[1] as Hex
    const morpho = t.manifest.morphoBlue!.morpho as Address
    const [p, m] = await Promise.all([
      t.client.readContract({
        address: morpho,
        abi: morphoAbi,
        functionName: 'idToMarketParams',
        args: [id],
        blockNumber: block,
      }),
      t.client.readContract({
        address: morpho,
        abi: morphoAbi,
        functionName: 'market',
        args: [id],
        blockNumber: block,
      }),
    ])
    const borrowRate = await t.client.readContract({
      address: p[3],
      abi: irmAbi,
      functionName: 'borrowRateView',
      args: [
        { loanToken: p[0], collateralToken: p[1], oracle: p[2], irm: p[3], lltv: p[4] },
        {
          totalSupplyAssets: m[0],
          totalSupplyShares: m[1],
          totalBorrowAssets: m[2],
          totalBorrowShares: m[3],
          lastUpdate: m[4],
          fee: m[5],
        },
      ],
      blockNumber: block,
    })
    const supplyPerSecond =
      (Number(borrowRate) / 1e18) * (Number(m[2]) / Number(m[0])) * (1 - Number(m[5]) / 1e18)
    const leg = layer.legs.find((l) => l.side === 'collateral')!
    expect(leg.rateApy).toBeGreaterThan(0)
    expect(leg.rateApy).toBe(Math.expm1(supplyPerSecond * SECONDS_PER_YEAR))
    expect(carry.layers.find((l) => l.protocol === 'aave-v3')!.complete).toBe(true)
  })
})

describe("a wrapper's native yield: its rate at the block against carryDays earlier", () => {
  it('vault-looper: the sUSDC share price (ERC-4626 convertToAssets) read at both blocks, annualised by hand', async () => {
    await t.isolated(async () => {
      // One day passes, then 100 USDC of yield lands in the vault (minted to the liquidity
      // provider, transferred to the vault): the share price rises.
      await t.clients.test.increaseTime({ seconds: 86_400 })
      await t.clients.test.mine({ blocks: 1 })
      const lp = t.manifest.accounts.liquidityProvider as Address
      const vault = t.manifest.vaults!.find((v) => v.symbol === 'sUSDC')!
      const amount = parseUnits('100', 6)
      const mintAbi = parseAbi(['function mint(address to, uint256 amount) returns (bool)'])
      await send(t.clients, {
        from: lp,
        address: vault.asset as Address,
        abi: mintAbi,
        functionName: 'mint',
        args: [lp, amount],
      })
      await send(t.clients, {
        from: lp,
        address: vault.asset as Address,
        abi: erc20Abi,
        functionName: 'transfer',
        args: [vault.address as Address, amount],
      })
      const { body, carry } = await carryOf('vault-looper', '&carryDays=1')
      const y = carry.nativeYields.find((n) => n.symbol === 'sUSDC')!
      expect(y).toBeDefined()
      const to = BigInt(body.blockNumber)
      const from = BigInt(y.fromBlock!)
      expect(y.toBlock).toBe(body.blockNumber)
      // The earlier block is the last one at or before the block's time minus one day.
      const [bt, bf, bn] = await Promise.all([
        t.client.getBlock({ blockNumber: to }),
        t.client.getBlock({ blockNumber: from }),
        t.client.getBlock({ blockNumber: from + 1n }),
      ])
      expect(bf.timestamp).toBeLessThanOrEqual(bt.timestamp - 86_400n)
      expect(bn.timestamp).toBeGreaterThan(bt.timestamp - 86_400n)
      const rate = (blockNumber: bigint) =>
        t.client.readContract({
          address: vault.address as Address,
          abi: savingsVaultAbi,
          functionName: 'convertToAssets',
          args: [10n ** 6n],
          blockNumber,
        })
      const [rFrom, rTo] = await Promise.all([rate(from), rate(to)])
      expect(rTo).toBeGreaterThan(rFrom)
      // WAD rates: raw (6 decimals) x 1e12
      expect(y.rateFrom).toBe((rFrom * 10n ** 12n).toString())
      expect(y.rateTo).toBe((rTo * 10n ** 12n).toString())
      const elapsed = Number(bt.timestamp - bf.timestamp)
      expect(y.elapsedSeconds).toBe(elapsed)
      expect(y.apy).toBeCloseTo(
        Math.expm1((Math.log(Number(rTo) / Number(rFrom)) * SECONDS_PER_YEAR) / elapsed),
        9,
      )
      // The Morpho sUSDC collateral leg carries it (Morpho pays collateral nothing itself).
      const leg = carry.layers.flatMap((l) => l.legs).find((l) => l.symbol === 'sUSDC')!
      expect(leg.rateApy).toBe(0)
      expect(leg.nativeApy).toBe(y.apy)
    })
  })
})

describe('bad carry inputs', () => {
  it.each([
    ['carry=yes', /carry must be "true" or "false"/],
    ['carry=true&carryDays=0', /carryDays: "0" is not a number in \(0, 365\]/],
    ['carry=true&carryDays=400', /carryDays/],
    ['carry=true&carryDays=abc', /carryDays/],
    ['carryDays=7', /carryDays needs carry=true/],
  ])('%s -> 400 naming the field', async (query, message) => {
    const res = await t.app.request(`/v1/wallets/${wallet('stacker')}/exposure?chain=local&${query}`)
    expect(res.status).toBe(400)
    const body = (await res.json()) as { error: { code: string; message: string } }
    expect(body.error.code).toBe('INVALID_REQUEST')
    expect(body.error.message).toMatch(message)
  })

  it('without carry the answer has no carry field (the default read is unchanged)', async () => {
    const res = await t.app.request(`/v1/wallets/${wallet('stacker')}/exposure?chain=local`)
    expect(res.status).toBe(200)
    expect((await res.json()) as object).not.toHaveProperty('carry')
  })
})
