/**
 * Devchain tests of the Morpho Blue adapter against REAL Morpho Blue bytecode (compiled from
 * @morpho-org/morpho-blue 1.0.0 src/Morpho.sol, IrmMock as IRM, FeedRatioOracle over the
 * SettablePriceFeeds):
 * - discovery finds exactly the seeded positions;
 * - the served health factor equals Morpho.sol `_isHealthy`'s own terms at the same block
 *   (borrowed = toAssetsUp(borrowShares), maxBorrow = wMulDown(mulDivDown(collateral, price, 1e36), lltv)),
 *   and the interest it serves equals what a real `accrueInterest` tx writes at the same timestamp;
 * - a market read cold (facts not cached: a pinned follow-up) and warm (one batch) gives the same row;
 * - each served liquidation price, set on the collateral's feed, flips the position on the real
 *   singleton: just above it `liquidate` reverts with ErrorsLib.HEALTHY_POSITION ("position is
 *   healthy"), just below it a real liquidation succeeds;
 * - a reverting read or a missing USD price becomes an `unavailable` row, never zero balances.
 */
import { type Address, getAddress, type Hex, maxUint256, parseAbi, parseUnits } from 'viem'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Position, PositionResult } from '../../src/core/types.js'
import { loadArtifact } from '../../src/devchain/artifacts.js'
import { settablePriceFeedAbi } from '../../src/devchain/contracts/SettablePriceFeed.artifact.js'
import { DevchainTxError, send } from '../../src/devchain/tx.js'
import { aaveV3Adapter } from '../../src/protocols/aave-v3/index.js'
import { morphoBlueAdapter } from '../../src/protocols/morpho-blue/index.js'
import { clearMorphoFactsCache, morphoAbi } from '../../src/protocols/morpho-blue/read.js'
import { readWallet } from '../../src/protocols/read-wallet.js'
import type { ProtocolAdapter } from '../../src/protocols/types.js'
import { startTestDevchain, type TestDevchain } from '../helpers/devchain.js'

let t: TestDevchain

beforeAll(async () => {
  t = await startTestDevchain()
})
afterAll(async () => {
  await t?.devchain.stop()
})

const E18 = 10n ** 18n
const accrueAbi = parseAbi(['function accrueInterest((address,address,address,address,uint256))'])
const oracleAbi = parseAbi(['function price() view returns (uint256)'])

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
const market = (key: string) => {
  const m = t.manifest.morphoBlue?.markets.find((x) => x.key === key)
  if (!m) throw new Error(`no Morpho market ${key}`)
  return m
}
const morpho = () => t.manifest.morphoBlue!.morpho as Address
const params = (key: string) => {
  const m = market(key)
  return {
    loanToken: m.loanToken as Address,
    collateralToken: m.collateralToken as Address,
    oracle: m.oracle as Address,
    irm: m.irm as Address,
    lltv: BigInt(m.lltv),
  }
}

async function read(
  user: Address,
  adapters: readonly ProtocolAdapter[] = [morphoBlueAdapter],
  blockNumber?: bigint,
) {
  return readWallet({
    client: t.client,
    chain: t.chain,
    user,
    adapters,
    ...(blockNumber === undefined ? {} : { blockNumber }),
  })
}

function okRow(rows: PositionResult[], key: string): Position {
  const id = market(key).id.toLowerCase()
  const row = rows.find((r) => r.protocol === 'morpho-blue' && r.market.toLowerCase() === id)
  if (row?.status !== 'ok')
    throw new Error(`${key}: ${row?.status === 'unavailable' ? row.reason : 'no row'}`)
  return row
}

/** Morpho.sol `_isHealthy`'s terms read straight from the chain at `blockNumber`. */
async function onChainHealth(user: Address, key: string, blockNumber: bigint) {
  const m = market(key)
  const [, borrowShares, collateral] = await t.client.readContract({
    address: morpho(),
    abi: morphoAbi,
    functionName: 'position',
    args: [m.id as Hex, user],
    blockNumber,
  })
  const [, , totalBorrowAssets, totalBorrowShares, lastUpdate] = await t.client.readContract({
    address: morpho(),
    abi: morphoAbi,
    functionName: 'market',
    args: [m.id as Hex],
    blockNumber,
  })
  const price = await t.client.readContract({
    address: m.oracle as Address,
    abi: oracleAbi,
    functionName: 'price',
    blockNumber,
  })
  // SharesMathLib.toAssetsUp: shares * (A + 1) / (S + 1e6) rounded up (MathLib.mulDivUp: (x*y + d-1) / d).
  const d = totalBorrowShares + 1_000_000n
  const borrowed = (borrowShares * (totalBorrowAssets + 1n) + d - 1n) / d
  // wMulDown(mulDivDown(collateral, price, ORACLE_PRICE_SCALE), lltv)
  const maxBorrow = (((collateral * price) / 10n ** 36n) * BigInt(m.lltv)) / E18
  return { borrowShares, collateral, totalBorrowAssets, lastUpdate, price, borrowed, maxBorrow }
}

async function accrue(key: string) {
  const p = params(key)
  return send(t.clients, {
    from: t.manifest.admin.address as Address,
    address: morpho(),
    abi: accrueAbi,
    functionName: 'accrueInterest',
    args: [[p.loanToken, p.collateralToken, p.oracle, p.irm, p.lltv]],
  })
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

/** A real Morpho.liquidate of `seizedAssets` collateral, from the liquidator funded with the loan token. */
async function liquidate(user: Address, key: string, seizedAssets: bigint) {
  const liquidator = t.manifest.accounts.liquidator as Address
  const tokenAbi = loadArtifact('@aave/core-v3', 'MintableERC20').abi
  const loan = market(key).loanToken as Address
  const decimals = t.manifest.tokens.find((x) => x.address.toLowerCase() === loan.toLowerCase())!.decimals
  await send(t.clients, {
    from: liquidator,
    address: loan,
    abi: tokenAbi,
    functionName: 'mint',
    args: [liquidator, parseUnits('10000000', decimals)],
  } as never)
  await send(t.clients, {
    from: liquidator,
    address: loan,
    abi: tokenAbi,
    functionName: 'approve',
    args: [morpho(), maxUint256],
  } as never)
  return send(t.clients, {
    from: liquidator,
    address: morpho(),
    abi: morphoAbi,
    functionName: 'liquidate',
    args: [params(key), user, seizedAssets, 0n, '0x'],
  })
}

describe('discovery', () => {
  const expected: Record<string, string[]> = {
    looper: ['weth-usdc'],
    supplier: ['weth-usdc'],
    'morpho-borrower': ['wsteth-weth', 'wbtc-usdc'],
    stacker: ['weth-usdc'],
    'receipt-stacker': ['aweth-usdc'],
    'vault-looper': ['susdc-usdc'],
  }

  it('finds every seeded Morpho position and nothing else, for every manifest wallet', async () => {
    clearMorphoFactsCache()
    expect(t.manifest.wallets.map((w) => w.key)).toEqual(expect.arrayContaining(Object.keys(expected)))
    for (const w of t.manifest.wallets) {
      const report = await read(w.address as Address)
      const rows = report.positions.filter((p) => p.protocol === 'morpho-blue')
      expect(rows.every((r) => r.status === 'ok')).toBe(true)
      const ids = new Set(rows.map((r) => r.market.toLowerCase()))
      const want = new Set((expected[w.key] ?? []).map((k) => market(k).id.toLowerCase()))
      // The Pendle PT looper's market is created with the Pendle doubles (manifest.pendle), not listed in morphoBlue.
      if (w.key === 'pt-looper') want.add(t.manifest.pendle!.pts[0]!.morphoMarketId.toLowerCase())
      expect({ wallet: w.key, ids }).toEqual({ wallet: w.key, ids: want })
    }
    // The liquidity provider (not a demo wallet) supplies every market.
    const lp = await read(t.manifest.accounts.liquidityProvider as Address)
    expect(new Set(lp.positions.map((p) => p.market.toLowerCase()))).toEqual(
      new Set(t.manifest.morphoBlue!.markets.map((m) => m.id.toLowerCase())),
    )
  })

  it('the seeded amounts come back as legs', async () => {
    const looper = okRow((await read(wallet('looper'))).positions, 'weth-usdc')
    expect(looper.legs.find((l) => l.side === 'collateral')?.amount).toBe(5n * E18)
    expect(looper.legs.find((l) => l.side === 'debt')?.amount).toBeGreaterThanOrEqual(9000n * 10n ** 6n)
    const supplier = okRow((await read(wallet('supplier'))).positions, 'weth-usdc')
    expect(supplier.healthFactor).toBeNull()
    expect(supplier.healthFactorWad).toBeNull()
    expect(supplier.liquidationPrices).toEqual([])
    const lent = supplier.legs.find((l) => l.side === 'collateral')
    expect(lent?.countsAsCollateral).toBe(false)
    // 5,000 USDC supplied; toAssetsDown may lose a unit, interest may add some.
    expect(lent!.amount).toBeGreaterThanOrEqual(5000n * 10n ** 6n - 1n)
    expect(lent!.amount).toBeLessThan(5001n * 10n ** 6n)
  })

  it('cold (follow-up) and warm (cached market facts, one batch) reads serve the same rows', async () => {
    const { number: head } = await t.client.getBlock()
    for (const who of ['looper', 'supplier', 'morpho-borrower']) {
      clearMorphoFactsCache()
      const cold = await read(wallet(who), [morphoBlueAdapter], head)
      const warm = await read(wallet(who), [morphoBlueAdapter], head)
      expect(cold.positions.length).toBeGreaterThan(0)
      expect(warm).toEqual(cold)
    }
  })

  it('a fresh address has no Morpho positions and no error, latest or pinned', async () => {
    const fresh = getAddress('0x00000000000000000000000000000000DeaDBeef')
    expect((await read(fresh)).positions).toEqual([])
    const { number: head } = await t.client.getBlock()
    expect((await read(fresh, [morphoBlueAdapter], head)).positions).toEqual([])
  })

  it('a report pinned before the seeding sees no position', async () => {
    const before = BigInt(t.manifest.morphoBlue!.deployBlock)
    const report = await read(wallet('morpho-borrower'), [morphoBlueAdapter], before)
    expect(report.blockNumber).toBe(before)
    expect(report.positions).toEqual([])
  })
})

const BORROWS: [string, string][] = [
  ['looper', 'weth-usdc'],
  ['morpho-borrower', 'wsteth-weth'],
  ['morpho-borrower', 'wbtc-usdc'],
]

describe('health factor equals Morpho.sol _isHealthy at the same block', () => {
  for (const [who, key] of BORROWS) {
    it(`${who} in ${key}, right after a real accrueInterest tx`, async () => {
      await t.isolated(async () => {
        const user = wallet(who)
        const receipt = await accrue(key)
        const chain = await onChainHealth(user, key, receipt.blockNumber)
        const block = await t.client.getBlock({ blockNumber: receipt.blockNumber })
        expect(chain.lastUpdate).toBe(block.timestamp)
        const report = await read(user, [morphoBlueAdapter], receipt.blockNumber)
        const p = okRow(report.positions, key)
        expect(p.healthFactorWad).toBe((chain.maxBorrow * E18) / chain.borrowed)
        expect(p.details.healthy).toBe(chain.maxBorrow >= chain.borrowed)
        expect(p.details.healthy).toBe(true)
        expect(p.details.oraclePrice).toBe(chain.price.toString())
        expect(p.legs.find((l) => l.side === 'debt')?.amount).toBe(chain.borrowed)
        expect(p.legs.find((l) => l.side === 'collateral')?.amount).toBe(chain.collateral)
      })
    })
  }

  it('after 30 days without accrual, the served debt equals a real accrueInterest at the same timestamp, to the unit', async () => {
    await t.isolated(async () => {
      await t.clients.test.increaseTime({ seconds: 30 * 86_400 })
      await t.clients.test.mine({ blocks: 1 })
      // getBlock, not getBlockNumber: viem caches the block number for a few seconds.
      const { number: head, timestamp: headTime } = await t.client.getBlock()
      const served = new Map<string, { report: Awaited<ReturnType<typeof read>>; p: Position }>()
      for (const [who, key] of BORROWS) {
        const report = await read(wallet(who), [morphoBlueAdapter], head)
        served.set(`${who}/${key}`, { report, p: okRow(report.positions, key) })
      }
      for (const [who, key] of BORROWS) {
        const { report, p } = served.get(`${who}/${key}`)!
        const user = wallet(who)
        // What the chain held at the pinned block, before any accrual: 30 days stale.
        const stale = await onChainHealth(user, key, head)
        expect(report.timestamp).toBe(headTime)
        expect(stale.lastUpdate).toBeLessThanOrEqual(report.timestamp - 30n * 86_400n)
        // The accrual tx lands at the very timestamp the report was pinned to (anvil allows an equal one).
        await t.clients.test.setNextBlockTimestamp({ timestamp: report.timestamp })
        const receipt = await accrue(key)
        const fresh = await onChainHealth(user, key, receipt.blockNumber)
        expect(fresh.lastUpdate).toBe(report.timestamp)
        expect(fresh.totalBorrowAssets).toBeGreaterThan(stale.totalBorrowAssets)
        const debt = p.legs.find((l) => l.side === 'debt')!.amount
        expect(debt).toBeGreaterThan(stale.borrowed)
        expect(debt).toBe(fresh.borrowed)
        expect(p.healthFactorWad).toBe((fresh.maxBorrow * E18) / fresh.borrowed)
      }
    })
  })
})

describe('liquidation prices flip the position on the real Morpho singleton', () => {
  for (const [who, key] of BORROWS) {
    it(`${who} in ${key}: collateral at its liquidation price x (1 +/- 1e-4)`, async () => {
      const user = wallet(who)
      const m = market(key)
      const p = okRow((await read(user)).positions, key)
      expect(p.liquidationPrices).toHaveLength(1)
      const lp = p.liquidationPrices[0]!
      expect(lp.symbol).toBe(m.collateralSymbol)
      expect(lp.price).toBeTypeOf('number')
      const price = lp.price!
      expect(price).toBeLessThan(lp.currentPrice)
      const collateral = p.legs.find((l) => l.side === 'collateral')!.amount

      await t.isolated(async () => {
        await setPrice(m.collateralSymbol, price * (1 + 1e-4))
        const err = await liquidate(user, key, collateral / 100n).then(
          () => null,
          (e: unknown) => e,
        )
        expect(err).toBeInstanceOf(DevchainTxError)
        expect((err as Error).message).toMatch(/position is healthy/)
      })
      await t.isolated(async () => {
        await setPrice(m.collateralSymbol, price * (1 - 1e-4))
        const seized = collateral / 100n
        const receipt = await liquidate(user, key, seized)
        expect(receipt.status).toBe('success')
        const after = await onChainHealth(user, key, receipt.blockNumber)
        expect(after.collateral).toBe(collateral - seized)
        expect(after.borrowShares).toBeGreaterThan(0n)
      })
    })
  }
})

describe('faults', () => {
  for (const cache of ['cold', 'warm'] as const) {
    it(`a Morpho batch that reverts leaves the Aave row served (${cache} market facts)`, async () => {
      if (cache === 'cold') clearMorphoFactsCache()
      else await read(wallet('looper'))
      const wrongTarget: typeof morphoBlueAdapter = {
        ...morphoBlueAdapter,
        planWallet: (c, u, d) =>
          morphoBlueAdapter.planWallet(
            { ...c, morphoBlue: { ...c.morphoBlue!, morpho: t.manifest.aaveV3.pool as Address } },
            u,
            d,
          ),
      }
      const report = await read(wallet('looper'), [aaveV3Adapter, wrongTarget])
      const aave = report.positions.filter((r) => r.protocol === 'aave-v3')
      expect(aave).toHaveLength(1)
      expect(aave[0]!.status).toBe('ok')
      const morphoRows = report.positions.filter((r) => r.protocol === 'morpho-blue')
      expect(morphoRows).toHaveLength(1)
      expect(morphoRows[0]).toMatchObject({ status: 'unavailable', code: 'PROTOCOL_READ_FAILED' })
    })
  }

  for (const cache of ['cold', 'warm'] as const) {
    it(`without a USD price source the Morpho rows are unavailable (PRICE_UNAVAILABLE), never zero balances (${cache} market facts)`, async () => {
      if (cache === 'cold') clearMorphoFactsCache()
      else {
        await read(wallet('looper'))
        await read(wallet('morpho-borrower'))
      }
      const chain = { ...t.chain, usdPriceOracle: null }
      for (const who of ['looper', 'morpho-borrower']) {
        const report = await readWallet({
          client: t.client,
          chain,
          user: wallet(who),
          adapters: [aaveV3Adapter, morphoBlueAdapter],
        })
        const rows = report.positions.filter((r) => r.protocol === 'morpho-blue')
        expect(rows).toHaveLength(who === 'looper' ? 1 : 2)
        for (const r of rows) {
          expect(r).toMatchObject({ status: 'unavailable', code: 'PRICE_UNAVAILABLE' })
          expect('legs' in r).toBe(false)
        }
        if (who === 'looper') {
          expect(report.positions.find((r) => r.protocol === 'aave-v3')?.status).toBe('ok')
        }
      }
    })
  }
})

describe('a collateral the USD oracle does not list', () => {
  it('is priced through the Morpho oracle: the position is served, not PRICE_UNAVAILABLE (regression)', async () => {
    await t.isolated(async () => {
      // An 18-decimals token AaveOracle does not list (think PT or LP tokens), priced for Morpho by
      // the WETH/USDC FeedRatioOracle: 1 UNL = 3,000 USDC. 1 UNL against 1,000 USDC at 86% LLTV:
      // HF = 3000 * 0.86 / 1000 = 2.58.
      const tokenArt = loadArtifact('@aave/core-v3', 'MintableERC20')
      const admin = t.manifest.admin.address as Address
      const { deploy } = await import('../../src/devchain/tx.js')
      const { compileMorpho } = await import('../../src/devchain/compile-morpho.js')
      const art = compileMorpho()
      const base = market('weth-usdc')
      const unl = await deploy(t.clients, {
        from: admin,
        abi: tokenArt.abi,
        bytecode: tokenArt.bytecode,
        args: ['Unlisted', 'UNL', 18],
        name: 'UNL',
      })
      const p = {
        loanToken: base.loanToken as Address,
        collateralToken: unl,
        oracle: base.oracle as Address,
        irm: base.irm as Address,
        lltv: BigInt(base.lltv),
      }
      const m = (from: Address, functionName: string, args: readonly unknown[]) =>
        send(t.clients, { from, address: morpho(), abi: art.Morpho.abi, functionName, args } as never)
      const tok = (from: Address, address: Address, functionName: string, args: readonly unknown[]) =>
        send(t.clients, { from, address, abi: tokenArt.abi, functionName, args } as never)
      await m(admin, 'createMarket', [p])
      const lp = t.manifest.accounts.liquidityProvider as Address
      await tok(lp, p.loanToken, 'mint', [lp, 10_000n * 10n ** 6n])
      await m(lp, 'supply', [p, 10_000n * 10n ** 6n, 0n, lp, '0x'])
      const user = wallet('multi-collateral')
      await tok(user, unl, 'mint', [user, E18])
      await tok(user, unl, 'approve', [morpho(), maxUint256])
      await m(user, 'supplyCollateral', [p, E18, user, '0x'])
      await m(user, 'borrow', [p, 1000n * 10n ** 6n, 0n, user, user])
      const report = await readWallet({
        client: t.client,
        chain: t.chain,
        user,
        adapters: [morphoBlueAdapter],
      })
      expect(report.positions).toHaveLength(1)
      const row = report.positions[0]!
      if (row.status !== 'ok') throw new Error(`${row.code}: ${row.reason}`)
      expect(row.healthFactor).toBeCloseTo(2.58, 6)
      expect(row.legs.find((l) => l.side === 'collateral')!.priceUsd).toBeCloseTo(3000, 6)
    })
  })
})
