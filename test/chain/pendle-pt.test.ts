/**
 * The devchain's Pendle PT, end to end: TEST DOUBLES of a PT and its market's views
 * (src/devchain/contracts/PendleMarketDouble.sol; no Pendle bytecode is available here), the PT
 * posted as collateral on a real Morpho Blue market by the `pt-looper` wallet. The PT is valued
 * from the market's `readState(router).lastLnImpliedRate`, read in the wallet's pinned batch.
 *
 * Expected values come from reads made here at the served block (the market double's
 * lastLnImpliedRate, the block's timestamp, Morpho position()) through the exact functions whose
 * hand vectors are in test/unit/assets/pendle-source.test.ts; plus a float cross-check against
 * 1.08^(-t / year) (the seeded rate is ln 1.08).
 */
import { type Address, type Hex, parseAbi } from 'viem'
import { mnemonicToAccount } from 'viem/accounts'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createApp } from '../../src/api/app.js'
import { impliedYieldFromLnRateWadDown, ptDiscountWadDown } from '../../src/assets/pendle.js'
import { configFromEnv } from '../../src/config.js'
import { ANVIL_MNEMONIC } from '../../src/devchain/anvil.js'
import { pendleMarketDoubleAbi } from '../../src/devchain/contracts/PendleMarketDouble.artifact.js'
import { pendlePYLpOracleDoubleAbi } from '../../src/devchain/contracts/PendlePYLpOracleDouble.artifact.js'
import { PENDLE_PT, PENDLE_ROLES } from '../../src/devchain/deploy-pendle.js'
import { send } from '../../src/devchain/tx.js'
import { startTestDevchain, type TestDevchain } from '../helpers/devchain.js'

let t: TestDevchain

beforeAll(async () => {
  t = await startTestDevchain()
})
afterAll(async () => {
  await t?.devchain.stop()
})

const morphoAbi = parseAbi([
  'function position(bytes32 id, address user) view returns (uint256 supplyShares, uint128 borrowShares, uint128 collateral)',
])

interface Body {
  blockNumber: number
  contributions: {
    source: string
    symbol: string
    riskAsset: string
    units18: string | null
    path: string[]
    flags: Record<string, boolean>
  }[]
  carry?: {
    nativeYields: {
      symbol: string
      apy: number
      method: string
      rateTo: string | null
      toBlock: number | null
    }[]
    notes: string[]
  }
}

const pt = () => t.manifest.pendle!.pts[0]!
const looper = () => t.manifest.wallets.find((w) => w.key === 'pt-looper')!.address as Address

async function exposure(user: Address, app = t.app): Promise<Body> {
  const res = await app.request(`/v1/wallets/${user}/exposure?chain=local&carry=true`)
  expect(res.status).toBe(200)
  return (await res.json()) as Body
}

async function readsAt(blockNumber: bigint) {
  const [lnRate, block, position] = await Promise.all([
    t.client.readContract({
      address: pt().market as Address,
      abi: pendleMarketDoubleAbi,
      functionName: 'lastLnImpliedRate',
      blockNumber,
    }),
    t.client.getBlock({ blockNumber }),
    t.client.readContract({
      address: t.manifest.morphoBlue!.morpho as Address,
      abi: morphoAbi,
      functionName: 'position',
      args: [pt().morphoMarketId as Hex, looper()],
      blockNumber,
    }),
  ])
  return { lnRate, timestamp: block.timestamp, collateral: position[2] }
}

const ptCollateral = (b: Body) =>
  b.contributions.find((c) => c.source === 'collateral' && c.symbol === 'PT-sUSDC')!

describe('the devchain Pendle PT (test doubles) valued from chain', () => {
  it('the manifest names the doubles; the roles derive from the test mnemonic; the market maps the PT', async () => {
    const p = pt()
    expect(t.manifest.pendle!.kind).toBe('test-double')
    expect(p.underlyingSymbol).toBe('USDC')
    expect(BigInt(p.lnImpliedRateWad)).toBe(PENDLE_PT.lnImpliedRateWad)
    for (const role of Object.values(PENDLE_ROLES)) {
      expect(mnemonicToAccount(ANVIL_MNEMONIC, { addressIndex: role.index }).address).toBe(role.address)
    }
    const [sy, ptToken] = await t.client.readContract({
      address: p.market as Address,
      abi: pendleMarketDoubleAbi,
      functionName: 'readTokens',
    })
    expect(ptToken.toLowerCase()).toBe(p.pt.toLowerCase())
    expect(sy.toLowerCase()).toBe(p.sy.toLowerCase())
    const state = await t.client.readContract({
      address: p.market as Address,
      abi: pendleMarketDoubleAbi,
      functionName: 'readState',
      args: [t.manifest.pendle!.router as Address],
    })
    expect(state.expiry).toBe(BigInt(p.maturity))
    expect(state.lastLnImpliedRate).toBe(PENDLE_PT.lnImpliedRateWad)
  })

  it('pt-looper: the PT collateral is PT x 1/(1+y)^t USD exactly, and the carry shows its implied yield', async () => {
    const b = await exposure(looper())
    const block = BigInt(b.blockNumber)
    const r = await readsAt(block)
    expect(r.collateral).toBe(10_000_000_000n)
    const y = impliedYieldFromLnRateWadDown(r.lnRate)
    // exp(ln 1.08 rounded down to WAD) = 1.07999999999999999893..., so y = 0.079999999999999998.
    expect(y).toBe(79_999_999_999_999_998n)
    const seconds = BigInt(pt().maturity) - r.timestamp
    const discount = ptDiscountWadDown(y, seconds)
    const c = ptCollateral(b)
    expect(c.riskAsset).toBe('USD')
    expect(c.path).toEqual(['PT-sUSDC', 'USDC'])
    expect(c.flags.rateFromPrice).toBeUndefined()
    expect(BigInt(c.units18!)).toBe((r.collateral * discount) / 10n ** 6n)
    // Float cross-check: 10,000 x 1.08^(-t / 365 days).
    expect(Number(c.units18) / 1e18).toBeCloseTo(10_000 * 1.08 ** (-Number(seconds) / 31_536_000), 6)

    const row = b.carry!.nativeYields.find((n) => n.symbol === 'PT-sUSDC')!
    expect(row).toBeDefined()
    expect(row.toBlock).toBe(b.blockNumber)
    expect(BigInt(row.rateTo!)).toBe(discount)
    expect(row.apy).toBeCloseTo(0.08, 9)
    expect(row.method).toContain('readState(router).lastLnImpliedRate')
    expect(row.method).toContain(pt().market.toLowerCase())
  })

  it('moving the market implied rate moves the value (12 %: ln 1.12 = 0.113328685307003...)', async () => {
    await t.isolated(async () => {
      // ln(1.12) x 1e18 rounded down (Python decimal, 80 digits): 113328685307003174.
      await send(t.clients, {
        from: PENDLE_ROLES.admin.address as Address,
        address: pt().market as Address,
        abi: pendleMarketDoubleAbi,
        functionName: 'setLnImpliedRate',
        args: [113_328_685_307_003_174n],
      })
      const b = await exposure(looper())
      const r = await readsAt(BigInt(b.blockNumber))
      expect(r.lnRate).toBe(113_328_685_307_003_174n)
      const discount = ptDiscountWadDown(
        impliedYieldFromLnRateWadDown(r.lnRate),
        BigInt(pt().maturity) - r.timestamp,
      )
      expect(BigInt(ptCollateral(b).units18!)).toBe((r.collateral * discount) / 10n ** 6n)
      expect(b.carry!.nativeYields.find((n) => n.symbol === 'PT-sUSDC')!.apy).toBeCloseTo(0.12, 9)
    })
  })

  it('a market read that fails: the PT is valued at its Morpho price (flagged) and the carry says why', async () => {
    await t.isolated(async () => {
      // The market double's code removed: aggregate3 answers an empty success, not a MarketState.
      await t.clients.test.setCode({ address: pt().market as Address, bytecode: '0x' })
      const b = await exposure(looper())
      const c = ptCollateral(b)
      expect(c.flags.rateFromPrice).toBe(true)
      expect(b.carry!.nativeYields.some((n) => n.symbol === 'PT-sUSDC')).toBe(false)
      const note = b.carry!.notes.find((n) => n.includes('PT-sUSDC'))
      expect(note).toContain('no PT price')
      expect(note).toContain('readState(router).lastLnImpliedRate')
      expect(note).toContain('gave no value')
    })
  })

  it('matured: 1:1 USDC, and no implied-yield row', async () => {
    await t.isolated(async () => {
      await t.clients.test.setNextBlockTimestamp({ timestamp: BigInt(pt().maturity) + 60n })
      await t.clients.test.mine({ blocks: 1 })
      const b = await exposure(looper())
      const r = await readsAt(BigInt(b.blockNumber))
      expect(r.timestamp).toBeGreaterThan(BigInt(pt().maturity))
      expect(BigInt(ptCollateral(b).units18!)).toBe(r.collateral * 10n ** 12n)
      expect(b.carry!.nativeYields.some((n) => n.symbol === 'PT-sUSDC')).toBe(false)
    })
  })

  describe('priced by the PendlePYLpOracle double instead (a config entry for the same PT)', () => {
    const oracleApp = () => {
      const p = pt()
      const config = configFromEnv({}, t.manifest)
      return createApp({
        config: {
          ...config,
          pendlePts: [
            {
              chain: 'local',
              pt: p.pt,
              symbol: p.symbol,
              decimals: p.decimals,
              underlying: { chain: 'local', address: p.underlying },
              maturity: BigInt(p.maturity),
              source: {
                market: p.market,
                sy: p.sy,
                read: {
                  kind: 'oracle',
                  oracle: t.manifest.pendle!.oracle!,
                  durationSeconds: 900,
                  underlyingDecimals: 6,
                },
              },
            },
          ],
        },
      })
    }
    const oracleRate = (blockNumber: bigint) =>
      t.client.readContract({
        address: t.manifest.pendle!.oracle as Address,
        abi: pendlePYLpOracleDoubleAbi,
        functionName: 'getPtToAssetRate',
        args: [pt().market as Address, 900],
        blockNumber,
      })

    it('the oracle rate is the PT price: collateral x rate exactly; the row names the oracle', async () => {
      const b = await exposure(looper(), oracleApp())
      const block = BigInt(b.blockNumber)
      const [rate, r] = await Promise.all([oracleRate(block), readsAt(block)])
      expect(rate).toBeGreaterThan(900_000_000_000_000_000n)
      expect(BigInt(ptCollateral(b).units18!)).toBe((r.collateral * rate) / 10n ** 6n)
      const row = b.carry!.nativeYields.find((n) => n.symbol === 'PT-sUSDC')!
      expect(BigInt(row.rateTo!)).toBe(rate)
      expect(row.method).toContain('PendlePYLpOracle(')
      expect(row.method).toContain('getPtToAssetRate(market')
      // The rate was set to 1.08^(-180/365) at seeding; a few blocks later the yield is still ~8 %.
      expect(row.apy).toBeCloseTo(0.08, 4)
    })

    it('an oracle that reverts (no rate for the market): a note, the PT at its Morpho price', async () => {
      await t.isolated(async () => {
        await send(t.clients, {
          from: PENDLE_ROLES.admin.address as Address,
          address: t.manifest.pendle!.oracle as Address,
          abi: pendlePYLpOracleDoubleAbi,
          functionName: 'setPtToAssetRate',
          args: [pt().market as Address, 0n],
        })
        const b = await exposure(looper(), oracleApp())
        expect(ptCollateral(b).flags.rateFromPrice).toBe(true)
        const note = b.carry!.notes.find((n) => n.includes('PT-sUSDC'))
        expect(note).toContain('PendlePYLpOracle(')
        expect(note).toContain('gave no value')
      })
    })
  })
})
