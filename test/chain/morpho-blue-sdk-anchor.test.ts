/**
 * anchor: @morpho-org/blue-sdk 6.4.0 + @morpho-org/blue-sdk-viem 5.2.1 (fetchAccrualPosition → AccrualPosition)
 *
 * An INDEPENDENT cross-check of the Morpho Blue adapter with Morpho's own SDK. For every seeded
 * (holder, market) position on the devchain — the demo wallets 'looper', 'supplier',
 * 'morpho-borrower' and the liquidity provider — a real `Morpho.accrueInterest` tx is sent for the
 * market, then blue-sdk-viem reads the position at that block (`blockNumber`, its deployless
 * GetMarket query, forced) and `readWallet` reads it at the same block. Compared:
 *
 * - exactly equal: borrowAssets = debt leg, collateral = collateral leg, supplyAssets = the supplied
 *   (non-collateral) leg, healthFactor (WAD) = healthFactorWad, isHealthy = details.healthy, the
 *   oracle price, LLTV and the liquidation incentive factor (`market.params.liquidationIncentiveFactor`,
 *   WAD, = our `liquidationIncentiveFactor(lltv)`; the served float is that value's toFloat), and
 *   the market id the SDK hashes from the params it read. Without borrow the SDK reports
 *   healthFactor = maxUint256 and liquidationPrice = null, we serve null and no liquidation price.
 *
 * - one documented difference, the liquidation price (1e36 oracle scale). The SDK's
 *   `MarketUtils.getLiquidationPrice` (node_modules/@morpho-org/blue-sdk/lib/esm/market/MarketUtils.js)
 *   is `mulDivUp(borrowAssets, ORACLE_PRICE_SCALE, wMulDown(collateral, lltv))`: it applies the LLTV
 *   to the collateral AMOUNT and never takes the floor Morpho.sol `_isHealthy` takes on the
 *   collateral VALUE (`collateral.mulDivDown(price, ORACLE_PRICE_SCALE).wMulDown(lltv)`, Morpho.sol
 *   l. 535). Ours is the smallest price at which `_isHealthy` holds. The two differ by up to one
 *   step of that floor, 1e36 / collateral (2e17 for 5 WETH against USDC: ~1e-10 relative, not an
 *   off-by-one): on every seeded position the SDK's price is BELOW ours, in the liquidatable range.
 *   The test shows it on the real singleton: with the oracle's code overridden in an eth_call to
 *   return an exact price, `liquidate` reverts with "position is healthy" at our price and goes
 *   through at our price - 1 and at the SDK's price.
 *
 * The SDK models interest for AdaptiveCurveIrm markets only (`Market.getAccrualBorrowRates`: no
 * `rateAtTarget` → zero rate); the devchain's markets use Morpho's IrmMock. The chain's registry
 * entry therefore names a placeholder AdaptiveCurveIrm (so the SDK reads no `rateAtTarget` and
 * accrues nothing), and comparisons are made right after a real accrual, where the SDK's
 * `accrueInterest(block timestamp)` is a no-op (elapsed 0, asserted). A last test shows the limit:
 * 30 days on, the SDK alone misses the IrmMock interest our report serves, and after a real
 * accrueInterest at the report's very timestamp the SDK reads our debt to the unit.
 *
 * The `@morpho-org/morpho-ts` registry is process-global and write-once; vitest runs each test
 * file in its own process.
 */
import type { AccrualPosition, MarketId } from '@morpho-org/blue-sdk'
import { fetchAccrualPosition } from '@morpho-org/blue-sdk-viem'
import { registerCustomAddresses } from '@morpho-org/morpho-ts'
import { type Address, type Hex, maxUint256, pad, parseAbi, parseUnits, toHex } from 'viem'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { toFloat } from '../../src/core/math.js'
import type { Position } from '../../src/core/types.js'
import { loadArtifact } from '../../src/devchain/artifacts.js'
import { send } from '../../src/devchain/tx.js'
import { morphoBlueAdapter } from '../../src/protocols/morpho-blue/index.js'
import { liquidationIncentiveFactor } from '../../src/protocols/morpho-blue/math.js'
import { morphoAbi } from '../../src/protocols/morpho-blue/read.js'
import { readWallet } from '../../src/protocols/read-wallet.js'
import { startTestDevchain, type TestDevchain } from '../helpers/devchain.js'

let t: TestDevchain

/** A stand-in AdaptiveCurveIrm (no code): the devchain's IrmMock must not be taken for one. */
const NOT_THE_IRM = '0x0000000000000000000000000000000000000004'

beforeAll(async () => {
  t = await startTestDevchain()
  registerCustomAddresses({
    addresses: {
      [t.chain.chainId]: {
        blue: t.manifest.morphoBlue!.morpho as Address,
        bundler3: {
          bundler3: '0x0000000000000000000000000000000000000002',
          generalAdapter1: '0x0000000000000000000000000000000000000003',
        },
        adaptiveCurveIrm: NOT_THE_IRM,
      },
    },
  })
  // The liquidator holds and approves every loan token, so a simulated liquidation can go through.
  const liquidator = t.manifest.accounts.liquidator as Address
  const tokenAbi = loadArtifact('@aave/core-v3', 'MintableERC20').abi
  for (const loan of new Set(t.manifest.morphoBlue!.markets.map((m) => m.loanToken as Address))) {
    const decimals = t.manifest.tokens.find((x) => x.address.toLowerCase() === loan.toLowerCase())!.decimals
    const tx = (functionName: string, args: readonly unknown[]) =>
      send(t.clients, { from: liquidator, address: loan, abi: tokenAbi, functionName, args } as never)
    await tx('mint', [liquidator, parseUnits('100000000', decimals)])
    await tx('approve', [t.manifest.morphoBlue!.morpho, maxUint256])
  }
})
afterAll(async () => {
  await t?.devchain.stop()
})

const E18 = 10n ** 18n
const ORACLE_PRICE_SCALE = 10n ** 36n
const accrueAbi = parseAbi(['function accrueInterest((address,address,address,address,uint256))'])
/** Runtime code answering any call with storage slot 0: PUSH0 SLOAD PUSH0 MSTORE PUSH 32 PUSH0 RETURN. */
const CONSTANT_ORACLE_CODE: Hex = '0x60005460005260206000f3'

const market = (key: string) => {
  const m = t.manifest.morphoBlue?.markets.find((x) => x.key === key)
  if (!m) throw new Error(`no Morpho market ${key}`)
  return m
}
const marketParams = (key: string) => {
  const m = market(key)
  return {
    loanToken: m.loanToken as Address,
    collateralToken: m.collateralToken as Address,
    oracle: m.oracle as Address,
    irm: m.irm as Address,
    lltv: BigInt(m.lltv),
  }
}
/** A demo wallet, or a seeding account (the liquidity provider). */
const holder = (key: string) => {
  const address = t.manifest.wallets.find((x) => x.key === key)?.address ?? t.manifest.accounts[key]
  if (!address) throw new Error(`no wallet or account ${key}`)
  return address as Address
}

/** A real Morpho.accrueInterest tx for the market: no interest is pending at its block. */
async function accrue(key: string) {
  const p = marketParams(key)
  return send(t.clients, {
    from: t.manifest.admin.address as Address,
    address: t.manifest.morphoBlue!.morpho as Address,
    abi: accrueAbi,
    functionName: 'accrueInterest',
    args: [[p.loanToken, p.collateralToken, p.oracle, p.irm, p.lltv]],
  })
}

/** The anchor: Morpho's SDK reading the position at `blockNumber`. */
function sdkPosition(user: Address, key: string, blockNumber: bigint): Promise<AccrualPosition> {
  return fetchAccrualPosition(user, market(key).id as MarketId, t.client, {
    blockNumber,
    chainId: t.chain.chainId,
    deployless: 'force',
  })
}

async function ours(user: Address, key: string, blockNumber: bigint): Promise<Position> {
  const report = await readWallet({
    client: t.client,
    chain: t.chain,
    user,
    adapters: [morphoBlueAdapter],
    blockNumber,
  })
  expect(report.blockNumber).toBe(blockNumber)
  const id = market(key).id.toLowerCase()
  const row = report.positions.find((r) => r.protocol === 'morpho-blue' && r.market.toLowerCase() === id)
  if (row?.status !== 'ok')
    throw new Error(`${key}: ${row?.status === 'unavailable' ? row.reason : 'no row'}`)
  return row
}

/** Morpho.sol `_isHealthy` (l. 532-538) at oracle price `price`, on the SDK's own amounts. */
function morphoHealthyAt(borrowed: bigint, collateral: bigint, lltv: bigint, price: bigint): boolean {
  return (((collateral * price) / ORACLE_PRICE_SCALE) * lltv) / E18 >= borrowed
}

/**
 * A REAL Morpho.liquidate of 1 collateral unit simulated at `blockNumber` with the market's oracle
 * answering exactly `price`: null when it would go through, else the revert message.
 */
async function liquidateAt(user: Address, key: string, blockNumber: bigint, price: bigint) {
  return t.client
    .simulateContract({
      account: t.manifest.accounts.liquidator as Address,
      address: t.manifest.morphoBlue!.morpho as Address,
      abi: morphoAbi,
      functionName: 'liquidate',
      args: [marketParams(key), user, 1n, 0n, '0x'],
      blockNumber,
      stateOverride: [
        {
          address: market(key).oracle as Address,
          code: CONSTANT_ORACLE_CODE,
          stateDiff: [{ slot: pad('0x0'), value: pad(toHex(price)) }],
        },
      ],
    })
    .then(
      () => null,
      (e: unknown) => (e as Error).message,
    )
}

const POSITIONS: [string, string][] = [
  ['looper', 'weth-usdc'],
  ['supplier', 'weth-usdc'],
  ['morpho-borrower', 'wsteth-weth'],
  ['morpho-borrower', 'wbtc-usdc'],
  ['stacker', 'weth-usdc'],
  ['receipt-stacker', 'aweth-usdc'],
  ['vault-looper', 'susdc-usdc'],
  ['liquidityProvider', 'wsteth-weth'],
  ['liquidityProvider', 'weth-usdc'],
  ['liquidityProvider', 'wbtc-usdc'],
  ['liquidityProvider', 'aweth-usdc'],
  ['liquidityProvider', 'susdc-usdc'],
]

describe('blue-sdk AccrualPosition equals the served Morpho position at the same block', () => {
  it('covers every seeded position: each demo wallet our discovery finds a Morpho market for', async () => {
    const { number: head } = await t.client.getBlock()
    for (const w of t.manifest.wallets) {
      const report = await readWallet({
        client: t.client,
        chain: t.chain,
        user: w.address as Address,
        adapters: [morphoBlueAdapter],
        blockNumber: head,
      })
      const found = report.positions.map((p) => p.market.toLowerCase()).sort()
      const listed = POSITIONS.filter(([who]) => who === w.key).map(([, key]) => market(key).id.toLowerCase())
      // The Pendle PT looper's market is created with the Pendle doubles (manifest.pendle), not listed in morphoBlue.
      if (w.key === 'pt-looper') listed.push(t.manifest.pendle!.pts[0]!.morphoMarketId.toLowerCase())
      listed.sort()
      expect({ wallet: w.key, found }).toEqual({ wallet: w.key, found: listed })
    }
  })

  for (const [who, key] of POSITIONS) {
    it(`${who} in ${key}, right after a real accrueInterest tx`, async () => {
      const user = holder(who)
      const m = market(key)
      const lltv = BigInt(m.lltv)
      const { blockNumber } = await accrue(key)
      const [fetched, p, block] = await Promise.all([
        sdkPosition(user, key, blockNumber),
        ours(user, key, blockNumber),
        t.client.getBlock({ blockNumber }),
      ])

      // The SDK's market is the one we read, already accrued to the block: its accrual is a no-op.
      expect(fetched.market.id).toBe(m.id.toLowerCase())
      expect(fetched.market.params.irm.toLowerCase()).toBe(m.irm.toLowerCase())
      expect(fetched.market.rateAtTarget).toBeUndefined()
      expect(fetched.market.lastUpdate).toBe(block.timestamp)
      const sdk = fetched.accrueInterest(block.timestamp)
      expect(sdk.market.totalBorrowAssets).toBe(fetched.market.totalBorrowAssets)
      expect(sdk.market.totalSupplyAssets).toBe(fetched.market.totalSupplyAssets)
      expect(sdk.market.totalSupplyShares).toBe(fetched.market.totalSupplyShares)

      // Amounts, to the unit.
      const debt = p.legs.filter((l) => l.side === 'debt')
      const collateral = p.legs.filter((l) => l.side === 'collateral' && l.countsAsCollateral)
      const supplied = p.legs.filter((l) => l.side === 'collateral' && !l.countsAsCollateral)
      expect(debt.map((l) => l.amount)).toEqual(sdk.borrowAssets > 0n ? [sdk.borrowAssets] : [])
      expect(collateral.map((l) => l.amount)).toEqual(sdk.collateral > 0n ? [sdk.collateral] : [])
      expect(supplied.map((l) => l.amount)).toEqual(sdk.supplyAssets > 0n ? [sdk.supplyAssets] : [])
      expect(sdk.borrowAssets + sdk.collateral + sdk.supplyAssets).toBeGreaterThan(0n)

      // Market terms.
      expect(p.details.oraclePrice).toBe(sdk.market.price!.toString())
      expect(sdk.market.params.lltv).toBe(lltv)
      expect(p.details.lltv).toBe(toFloat(sdk.market.params.lltv, 18))
      const lif = sdk.market.params.liquidationIncentiveFactor
      expect(liquidationIncentiveFactor(lltv)).toBe(lif)
      expect(p.details.liquidationIncentiveFactor).toBe(toFloat(lif, 18))

      // Health.
      expect(p.details.healthy).toBe(sdk.isHealthy)
      if (sdk.borrowAssets === 0n) {
        expect(sdk.healthFactor).toBe(maxUint256)
        expect(p.healthFactorWad).toBeNull()
        expect(sdk.liquidationPrice).toBeNull()
        expect(p.details.liquidationOraclePrice).toBeNull()
        expect(p.liquidationPrices).toEqual([])
        return
      }
      expect(p.healthFactorWad).toBe(sdk.healthFactor)
      expect(p.healthFactor).toBe(toFloat(sdk.healthFactor!, 18))

      // Liquidation price: ours is Morpho's exact boundary, the SDK's sits below it by less than
      // one step of Morpho's floor on the collateral value (1e36 / collateral).
      const sdkPrice = sdk.liquidationPrice!
      const ourPrice = BigInt(p.details.liquidationOraclePrice as string)
      expect(morphoHealthyAt(sdk.borrowAssets, sdk.collateral, lltv, ourPrice)).toBe(true)
      expect(morphoHealthyAt(sdk.borrowAssets, sdk.collateral, lltv, ourPrice - 1n)).toBe(false)
      // At or below: the SDK lands exactly on the boundary when its floor happens to be exact (seen in CI).
      expect(sdkPrice).toBeLessThanOrEqual(ourPrice)
      expect(ourPrice - sdkPrice).toBeLessThanOrEqual(ORACLE_PRICE_SCALE / sdk.collateral + 1n)
      expect(Number(ourPrice - sdkPrice) / Number(ourPrice)).toBeLessThan(1e-9)
      // Ours is the least healthy price: the SDK's is unhealthy unless it is that very price.
      expect(morphoHealthyAt(sdk.borrowAssets, sdk.collateral, lltv, sdkPrice)).toBe(sdkPrice === ourPrice)
      // ... and on the real singleton, at the same block.
      expect(await liquidateAt(user, key, blockNumber, ourPrice)).toMatch(/position is healthy/)
      expect(await liquidateAt(user, key, blockNumber, ourPrice - 1n)).toBeNull()
      // The SDK's price liquidates on the singleton, unless it is ours (the boundary, healthy).
      const atSdk = await liquidateAt(user, key, blockNumber, sdkPrice)
      if (sdkPrice === ourPrice) expect(atSdk).toMatch(/position is healthy/)
      else expect(atSdk).toBeNull()
    })
  }

  it('30 days on, the SDK alone misses the IrmMock interest we serve; after a real accrual at that timestamp it reads our debt to the unit', async () => {
    await t.isolated(async () => {
      const user = holder('looper')
      const key = 'weth-usdc'
      await t.clients.test.increaseTime({ seconds: 30 * 86_400 })
      await t.clients.test.mine({ blocks: 1 })
      const head = await t.client.getBlock()
      const p = await ours(user, key, head.number)
      const debt = p.legs.find((l) => l.side === 'debt')!.amount
      const stale = (await sdkPosition(user, key, head.number)).accrueInterest(head.timestamp)
      expect(stale.market.lastUpdate).toBe(head.timestamp)
      expect(stale.borrowAssets).toBeLessThan(debt)

      await t.clients.test.setNextBlockTimestamp({ timestamp: head.timestamp })
      const { blockNumber } = await accrue(key)
      const fresh = await sdkPosition(user, key, blockNumber)
      expect(fresh.market.lastUpdate).toBe(head.timestamp)
      expect(fresh.borrowAssets).toBe(debt)
      expect(fresh.healthFactor).toBe(p.healthFactorWad)
    })
  })
})
