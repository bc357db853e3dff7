/**
 * Devchain tests of the Compound v3 adapter against CometDouble, a TEST DOUBLE of Comet that
 * speaks Comet's real ABI and mirrors its isLiquidatable / isBorrowCollateralized integer math
 * (no Comet bytecode can be had here; test/fork/compound-v3.test.ts reads the real thing).
 *
 * Asserted: the served health factor is < 1 exactly when the Comet's own isLiquidatable says so
 * at the same block; each computed liquidation price, set on the feed x (1 +/- 1e-4), flips
 * isLiquidatable; interest accrued past the stored index changes the debt leg but not the HF the
 * Comet judges by; a wallet with nothing gets no row; a reverting Comet becomes an `unavailable`
 * row while Aave is still served; hinted asset lists cost one eth_call, stale ones one pinned
 * follow-up with the same answer.
 */
import { type Address, parseUnits } from 'viem'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { cometAbi } from '../../abis/compound-v3-comet.js'
import { ArchiveStateUnavailableError } from '../../src/chains/block-by-time.js'
import { createChainClient } from '../../src/chains/client.js'
import { findDeploymentBlock } from '../../src/chains/deployment-block.js'
import { createLogBudget } from '../../src/chains/log-budget.js'
import type { ChainRuntime } from '../../src/config.js'
import type { Position, PositionResult } from '../../src/core/types.js'
import { cometDoubleAbi } from '../../src/devchain/contracts/CometDouble.artifact.js'
import { settablePriceFeedAbi } from '../../src/devchain/contracts/SettablePriceFeed.artifact.js'
import {
  type DeployedCometDouble,
  deployCometDouble,
  localCometConfigs,
} from '../../src/devchain/deploy-comet.js'
import { send } from '../../src/devchain/tx.js'
import { aaveV3Adapter } from '../../src/protocols/aave-v3/index.js'
import { compoundV3Adapter } from '../../src/protocols/compound-v3/index.js'
import { listCometMarketPositions } from '../../src/protocols/compound-v3/market-positions.js'
import type { CometConfig } from '../../src/protocols/compound-v3/markets.js'
import { clearLearnedCometHints } from '../../src/protocols/compound-v3/read.js'
import { readWallet } from '../../src/protocols/read-wallet.js'
import { startTestDevchain, type TestDevchain } from '../helpers/devchain.js'

let t: TestDevchain
let deployed: DeployedCometDouble
let config: CometConfig
let chain: ChainRuntime
let comet: Address

beforeAll(async () => {
  t = await startTestDevchain()
  deployed = await deployCometDouble(t.clients, t.manifest)
  config = localCometConfigs(deployed.manifest)[0]!
  comet = config.comet
  chain = { ...t.chain, comets: [config] }
})
afterAll(async () => {
  await t?.devchain.stop()
})
beforeEach(() => {
  clearLearnedCometHints()
})

const admin = () => t.manifest.admin.address as Address
const wallet = (key: string): Address => {
  const w = [...t.manifest.wallets, ...deployed.wallets].find((x) => x.key === key)
  if (!w) throw new Error(`no demo wallet ${key}`)
  return w.address as Address
}
const token = (symbol: string) => {
  const tok = t.manifest.tokens.find((x) => x.symbol === symbol)
  if (!tok) throw new Error(`no token ${symbol}`)
  return tok
}

async function setPrice(symbol: string, usd: number) {
  await send(t.clients, {
    from: admin(),
    address: token(symbol).priceFeed.address as Address,
    abi: settablePriceFeedAbi,
    functionName: 'setAnswer',
    args: [BigInt(Math.round(usd * 1e8))],
  })
}

async function cometRead<T>(
  functionName: string,
  args: readonly unknown[],
  blockNumber?: bigint,
): Promise<T> {
  return (await t.client.readContract({
    address: comet,
    abi: cometAbi,
    functionName,
    args,
    ...(blockNumber === undefined ? {} : { blockNumber }),
  } as never)) as T
}

async function readComet(user: Address, on: ChainRuntime = chain) {
  return readWallet({ client: t.client, chain: on, user, adapters: [compoundV3Adapter] })
}

function okPosition(rows: PositionResult[]): Position {
  expect(rows).toHaveLength(1)
  const p = rows[0]!
  if (p.status !== 'ok') throw new Error(`${p.code}: ${p.reason}`)
  return p
}

describe('positions and health factors against the double at the same block', () => {
  it('compound-borrower: legs equal the Comet balances; HF = hand value; HF < 1 <=> isLiquidatable', async () => {
    const user = wallet('compound-borrower')
    const report = await readComet(user)
    const p = okPosition(report.positions)
    expect(p.protocol).toBe('compound-v3')
    expect(p.market).toBe('compound-v3-local-usdc')
    // 10 WETH at 3000 and 0.5 WBTC at 60000 (8-decimal prices), USDC at 1, no accrual yet
    // (stored index 1e15): collateral value = mulFactor(3_000_000_000_000, 0.895e18)
    // + mulFactor(3_000_000_000_000, 0.77e18) = 2_685_000_000_000 + 2_310_000_000_000
    // = 4_995_000_000_000; borrow value = 40_000e6 * 1e8 / 1e6 = 4_000_000_000_000;
    // HF = 4_995_000_000_000 * 1e18 / 4_000_000_000_000 = 1.24875e18.
    expect(p.healthFactorWad).toBe(1_248_750_000_000_000_000n)
    expect(p.details.borrowHealthFactorWad).toBe('1143750000000000000')
    const block = report.blockNumber
    const weth = p.legs.find((l) => l.asset.symbol === 'WETH')!
    const [wethBalance] = await cometRead<[bigint, bigint]>(
      'userCollateral',
      [user, token('WETH').address],
      block,
    )
    expect(weth.amount).toBe(wethBalance)
    expect(weth.liquidationThresholdBps).toBe(8950)
    expect(weth.ltvBps).toBe(8250)
    const debt = p.legs.find((l) => l.side === 'debt')!
    expect(debt.asset.symbol).toBe('USDC')
    expect(debt.amount).toBe(await cometRead<bigint>('borrowBalanceOf', [user], block))
    expect(p.healthFactor! < 1).toBe(await cometRead<boolean>('isLiquidatable', [user], block))
    expect(p.details.liquidatable).toBe(false)
    expect(p.details.borrowCollateralized).toBe(true)
    expect(p.collateralUsd).toBeCloseTo(60_000, 6)
    expect(p.debtUsd).toBeGreaterThanOrEqual(40_000)
    expect(p.details.assetListSource).toBe('hint')
  })

  it('compound-supplier: base supply is a collateral leg that does not count, HF null', async () => {
    const p = okPosition((await readComet(wallet('compound-supplier'))).positions)
    expect(p.healthFactor).toBeNull()
    expect(p.healthFactorWad).toBeNull()
    expect(p.legs).toHaveLength(1)
    expect(p.legs[0]!.side).toBe('collateral')
    expect(p.legs[0]!.countsAsCollateral).toBe(false)
    expect(p.legs[0]!.amount).toBeGreaterThanOrEqual(parseUnits('25000', 6))
    expect(p.liquidationPrices).toEqual([])
  })

  it('the looper holds Aave and Compound at once, read in ONE eth_call', async () => {
    let ethCalls = 0
    const counting: typeof fetch = async (input, init) => {
      const body = JSON.parse(String(init?.body)) as { method: string } | { method: string }[]
      for (const m of Array.isArray(body) ? body : [body]) if (m.method === 'eth_call') ethCalls++
      return fetch(input, init)
    }
    const client = createChainClient('local', { rpcUrls: chain.rpcUrls, fetchFn: counting })
    const report = await readWallet({
      client,
      chain,
      user: wallet('looper'),
      adapters: [aaveV3Adapter, compoundV3Adapter],
    })
    expect(ethCalls).toBe(1)
    expect(report.positions.map((p) => [p.protocol, p.status])).toEqual([
      ['aave-v3', 'ok'],
      ['compound-v3', 'ok'],
    ])
    const c = report.positions[1] as Position
    expect(c.legs.map((l) => `${l.side}:${l.asset.symbol}`)).toEqual(['collateral:wstETH', 'debt:USDC'])
    // 3 wstETH at 3600, LCF 0.87: 10_800e8 * 0.87 = 939_600_000_000; borrow 7_000e8:
    // HF = 939_600_000_000e18 / 700_000_000_000 = 1.342285714285714285e18 (truncated).
    expect(c.healthFactorWad).toBe(1_342_285_714_285_714_285n)
  })

  it('a wallet with nothing in the Comet gets no row', async () => {
    const report = await readComet('0x00000000000000000000000000000000DeaDBeef')
    expect(report.positions).toEqual([])
  })

  it('after 90 days of interest the debt leg grows but the HF stays the one isLiquidatable judges by', async () => {
    await t.isolated(async () => {
      const user = wallet('compound-borrower')
      await t.clients.test.increaseTime({ seconds: 90 * 86_400 })
      await t.clients.test.mine({ blocks: 1 })
      const report = await readComet(user)
      const p = okPosition(report.positions)
      const debt = p.legs.find((l) => l.side === 'debt')!
      // borrowBalanceOf accrues 5%/year x 90 days past the stored index; isLiquidatable does not.
      expect(debt.amount).toBe(await cometRead<bigint>('borrowBalanceOf', [user], report.blockNumber))
      expect(debt.amount).toBeGreaterThan(parseUnits('40400', 6))
      expect(p.details.borrowBalanceAtStoredIndex).toBe(parseUnits('40000', 6).toString())
      expect(p.healthFactorWad).toBe(1_248_750_000_000_000_000n)
      // Accruing writes the index: now the Comet (and the adapter) see the larger borrow.
      await send(t.clients, {
        from: admin(),
        address: comet,
        abi: cometDoubleAbi,
        functionName: 'accrueAccount',
        args: [user],
      })
      const after = okPosition((await readComet(user)).positions)
      expect(after.healthFactorWad!).toBeLessThan(1_248_750_000_000_000_000n)
      expect(BigInt(after.details.borrowBalanceAtStoredIndex as string)).toBeGreaterThan(
        parseUnits('40400', 6),
      )
    })
  })
})

describe('liquidation prices flip isLiquidatable on the double', () => {
  const cases: [string, string][] = [
    ['compound-borrower', 'WETH'],
    ['compound-borrower', 'WBTC'],
    ['looper', 'wstETH'],
    ['compound-borrower', 'USDC'],
  ]
  for (const [key, symbol] of cases) {
    it(`${key}: ${symbol} at its liquidation price x (1 +/- 1e-4)`, async () => {
      const user = wallet(key)
      const p = okPosition((await readComet(user)).positions)
      const lp = p.liquidationPrices.find((x) => x.symbol === symbol)!
      expect(lp.price).toBeTypeOf('number')
      const price = lp.price!
      const debtSide = lp.side === 'debt'
      // A collateral must fall to liquidate; the borrowed base must rise.
      expect(debtSide ? price > lp.currentPrice : price < lp.currentPrice).toBe(true)
      const safe = debtSide ? 1 - 1e-4 : 1 + 1e-4
      const unsafe = debtSide ? 1 + 1e-4 : 1 - 1e-4
      await t.isolated(async () => {
        await setPrice(symbol, price * safe)
        expect(await cometRead<boolean>('isLiquidatable', [user])).toBe(false)
        const q = okPosition((await readComet(user)).positions)
        expect(q.healthFactor!).toBeGreaterThanOrEqual(1)
      })
      await t.isolated(async () => {
        await setPrice(symbol, price * unsafe)
        expect(await cometRead<boolean>('isLiquidatable', [user])).toBe(true)
        const q = okPosition((await readComet(user)).positions)
        expect(q.healthFactor!).toBeLessThan(1)
        expect(q.details.liquidatable).toBe(true)
      })
    })
  }

  it('HF < 1 <=> isLiquidatable over a sweep of WETH prices (borrower)', async () => {
    const user = wallet('compound-borrower')
    for (const usd of [1000, 1500, 1700, 1750, 1800, 2000, 3000]) {
      await t.isolated(async () => {
        await setPrice('WETH', usd)
        const report = await readComet(user)
        const p = okPosition(report.positions)
        const liquidatable = await cometRead<boolean>('isLiquidatable', [user], report.blockNumber)
        expect(p.healthFactor! < 1).toBe(liquidatable)
        expect(p.healthFactorWad! < 10n ** 18n).toBe(liquidatable)
      })
    }
  })
})

describe('asset lists and faults', () => {
  it('without asset hints, one pinned follow-up reads the same position; the next read is hinted', async () => {
    const user = wallet('compound-borrower')
    const hinted = okPosition((await readComet(user)).positions)
    clearLearnedCometHints()
    const bare: ChainRuntime = {
      ...chain,
      comets: [{ id: config.id, chain: 'local', comet, baseSymbol: 'USDC' }],
    }
    let ethCalls = 0
    const counting: typeof fetch = async (input, init) => {
      const body = JSON.parse(String(init?.body)) as { method: string } | { method: string }[]
      for (const m of Array.isArray(body) ? body : [body]) if (m.method === 'eth_call') ethCalls++
      return fetch(input, init)
    }
    const client = createChainClient('local', { rpcUrls: chain.rpcUrls, fetchFn: counting })
    const first = await readWallet({ client, chain: bare, user, adapters: [compoundV3Adapter] })
    expect(ethCalls).toBe(2)
    const p = okPosition(first.positions)
    expect(p.details.assetListSource).toBe('follow-up')
    expect(p.healthFactorWad).toBe(hinted.healthFactorWad)
    expect(p.legs.map((l) => [l.asset.symbol, l.amount])).toEqual(
      hinted.legs.map((l) => [l.asset.symbol, l.amount]),
    )
    ethCalls = 0
    const second = await readWallet({ client, chain: bare, user, adapters: [compoundV3Adapter] })
    expect(ethCalls).toBe(1)
    expect(okPosition(second.positions).details.assetListSource).toBe('hint')
  })

  it('a feed moved by governance after the config was written: follow-up, same exactness', async () => {
    await t.isolated(async () => {
      const user = wallet('compound-borrower')
      // Point WETH (offset 0) at the LINK feed (15 USD): the configured WETH feed is now stale.
      await send(t.clients, {
        from: admin(),
        address: comet,
        abi: cometDoubleAbi,
        functionName: 'setAssetPriceFeed',
        args: [0, token('LINK').priceFeed.address as Address],
      })
      const report = await readComet(user)
      const p = okPosition(report.positions)
      expect(p.details.assetListSource).toBe('follow-up')
      expect(p.legs.find((l) => l.asset.symbol === 'WETH')!.priceUsd).toBeCloseTo(15, 9)
      const liquidatable = await cometRead<boolean>('isLiquidatable', [user], report.blockNumber)
      expect(liquidatable).toBe(true)
      expect(p.healthFactor!).toBeLessThan(1)
    })
  })

  it('a Comet config pointing at a non-Comet is an unavailable row; Aave is still served', async () => {
    const broken: CometConfig = {
      id: 'compound-v3-local-broken',
      chain: 'local',
      comet: t.manifest.aaveV3.pool as Address,
      baseSymbol: 'USDC',
    }
    const eoa: CometConfig = {
      id: 'compound-v3-local-eoa',
      chain: 'local',
      comet: '0x000000000000000000000000000000000000c0de',
      baseSymbol: 'USDC',
    }
    const report = await readWallet({
      client: t.client,
      chain: { ...chain, comets: [broken, eoa, config] },
      user: wallet('looper'),
      adapters: [aaveV3Adapter, compoundV3Adapter],
    })
    const rows = report.positions.map((p) => [p.market, p.status, p.status === 'unavailable' ? p.code : ''])
    expect(rows).toEqual([
      ['aave-v3-local', 'ok', ''],
      ['compound-v3-local-broken', 'unavailable', 'PROTOCOL_READ_FAILED'],
      ['compound-v3-local-eoa', 'unavailable', 'PROTOCOL_READ_FAILED'],
      ['compound-v3-local-usdc', 'ok', ''],
    ])
  })

  it('a configured base token other than the Comet’s is a layout mismatch', async () => {
    const wrong: CometConfig = { ...config, baseToken: token('WETH').address as Address }
    const report = await readComet(wallet('compound-borrower'), { ...chain, comets: [wrong] })
    const row = report.positions[0]!
    expect(row.status === 'unavailable' && row.code).toBe('PROTOCOL_LAYOUT_MISMATCH')
  })
})

/*
 * The deployment-block search:
 * The Comet deployment-block search (src/chains/deployment-block.ts) on the devchain, against the
 * devchain's own state: the block found is the first with code at the Comet double's address
 * (eth_getCode there is non-empty, the block before is empty), in about log16(head) rounds; an
 * address with no code is null; a Comet config WITHOUT `fromBlock` (as production Comets are:
 * Compound's deployment records do not state it) enumerates the same borrowers as the devchain's
 * configured `fromBlock: 0`; and a node that cannot serve old state (a stand-in fetch answering
 * geth's "missing trie node" for every past eth_getCode) gives ARCHIVE_STATE_UNAVAILABLE from the
 * search and a `notEnumerated` entry, not a failed chain read, from the Comet adapter.
 */
describe('the deployment-block search (Comet configs without fromBlock)', () => {
  let head: bigint
  let devComet: Address
  beforeAll(async () => {
    head = await t.client.getBlockNumber({ cacheTime: 0 })
    devComet = t.manifest.compoundV3!.comets[0]!.comet as Address
  })

  it('finds the first block with code at the Comet, in about log16(head) rounds', async () => {
    const stats = { rounds: 0, calls: 0 }
    // A fresh client: the search's per-client cache starts empty.
    const client = createChainClient('local', { rpcUrls: t.chain.rpcUrls })
    const found = await findDeploymentBlock({ client, chain: 'local', address: devComet, head }, stats)
    expect(found).not.toBeNull()
    const b = found as bigint
    expect(await t.client.getCode({ address: devComet, blockNumber: b })).toMatch(/^0x[0-9a-f]{2,}/)
    expect(b).toBeGreaterThan(0n)
    expect(await t.client.getCode({ address: devComet, blockNumber: b - 1n })).toBeUndefined()
    expect(stats.rounds).toBeLessThanOrEqual(Math.ceil(Math.log(Number(head) + 1) / Math.log(16)) + 2)
    // An address without code at the head: null.
    expect(
      await findDeploymentBlock({
        client,
        chain: 'local',
        address: '0x000000000000000000000000000000000000dEaD',
        head,
      }),
    ).toBeNull()
  })

  it('a Comet without a configured fromBlock enumerates what fromBlock 0 does', async () => {
    const configured = await listCometMarketPositions({ client: t.client, chain: t.chain, blockNumber: head })
    const unset = {
      ...t.chain,
      comets: t.chain.comets.map(({ fromBlock: _omit, ...c }) => c),
    }
    const searched = await listCometMarketPositions({
      client: createChainClient('local', { rpcUrls: t.chain.rpcUrls }),
      chain: unset,
      blockNumber: head,
    })
    expect(configured.markets.length).toBeGreaterThan(0)
    expect(configured.markets.some((m) => m.positions.length > 0)).toBe(true)
    expect(searched.notEnumerated).toEqual([])
    expect(searched.markets).toEqual(configured.markets)
  })

  it('a searched Comet whose scan exceeds the log budget is named in notEnumerated; a configured one fails coded', async () => {
    const unset = { ...t.chain, comets: t.chain.comets.map(({ fromBlock: _omit, ...c }) => c) }
    const client = createChainClient('local', { rpcUrls: t.chain.rpcUrls })
    const list = await listCometMarketPositions({
      client,
      chain: unset,
      blockNumber: head,
      logBudget: createLogBudget({ maxRequests: 0 }),
    })
    expect(list.markets).toEqual([])
    expect(list.notEnumerated.map((n) => n.market)).toEqual(t.chain.comets.map((c) => c.id))
    expect(list.notEnumerated[0]!.reason).toMatch(/eth_getLogs budget/)
    const err = await listCometMarketPositions({
      client,
      chain: t.chain,
      blockNumber: head,
      logBudget: createLogBudget({ maxRequests: 0 }),
    }).catch((e) => e)
    expect((err as { code?: string }).code).toBe('LOG_BUDGET_EXCEEDED')
  })

  it('a node without old state: ARCHIVE_STATE_UNAVAILABLE, and the Comet is named in notEnumerated', async () => {
    const headHex = `0x${head.toString(16)}`
    // Stand-in for a pruned node: every eth_getCode below the head answers geth's missing-state error.
    const prunedFetch: typeof fetch = async (input, init) => {
      const body = JSON.parse(String(init?.body)) as unknown
      const calls = (Array.isArray(body) ? body : [body]) as {
        id: number
        method: string
        params: unknown[]
      }[]
      const pruned = (c: (typeof calls)[number]) =>
        c.method === 'eth_getCode' && c.params[1] !== headHex && c.params[1] !== 'latest'
      const pass = calls.filter((c) => !pruned(c))
      const answers = new Map<number, unknown>()
      for (const c of calls)
        if (pruned(c))
          answers.set(c.id, {
            jsonrpc: '2.0',
            id: c.id,
            error: { code: -32000, message: 'missing trie node 3f1a (path ) state 0x3f1a is not available' },
          })
      if (pass.length) {
        const res = await fetch(input, { ...init, body: JSON.stringify(pass) })
        for (const a of (await res.json()) as { id: number }[]) answers.set(a.id, a)
      }
      const out = calls.map((c) => answers.get(c.id))
      return new Response(JSON.stringify(Array.isArray(body) ? out : out[0]), {
        headers: { 'content-type': 'application/json' },
      })
    }
    const client = createChainClient('local', {
      rpcUrls: t.chain.rpcUrls,
      fetchFn: prunedFetch,
      retryCount: 0,
    })
    const err = await findDeploymentBlock({ client, chain: 'local', address: devComet, head }).catch((e) => e)
    expect(err).toBeInstanceOf(ArchiveStateUnavailableError)
    expect((err as ArchiveStateUnavailableError).code).toBe('ARCHIVE_STATE_UNAVAILABLE')
    const unset = { ...t.chain, comets: t.chain.comets.map(({ fromBlock: _omit, ...c }) => c) }
    const list = await listCometMarketPositions({ client, chain: unset, blockNumber: head })
    expect(list.markets).toEqual([])
    expect(list.notEnumerated.map((n) => n.market)).toEqual(t.chain.comets.map((c) => c.id))
    expect(list.notEnumerated[0]!.reason).toMatch(/archive RPC/)
  })
})
