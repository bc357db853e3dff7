/**
 * GET /v1/chains/{chain}/cascade on a devchain WITH the borrower population (Aave and Morpho
 * contract borrowers, Comet borrowers and GMX longs and shorts in the doubles) and the real
 * Uniswap v3 WETH/USDC pools:
 * - the response validates against its OpenAPI schema; it enumerates the Aave market(s), the
 *   Morpho markets of ETH, the Aave V4 Spokes, the Comet and the GMX deployment, leaving nothing
 *   in `notEnumerated`; the depth aggregates both devchain pools (0.3% and 0.05%);
 * - the systemic curve liquidates at least what each market's own curve does at every shock;
 * - with no depth the systemic answer is the union of the per-market ones, and the Aave part is
 *   what the Aave Pool itself says (HF < 1) after the same move on the oracles; the Morpho part is
 *   what Morpho's own math says (the adapter's exact health factor, read at the moved block);
 *   the Comet part is what the Comet double's own isLiquidatable says, and the GMX part what the
 *   Reader double's own isPositionLiquidatable (forLiquidation, the keeper's check) says, for a
 *   fall (longs) and a rally (shorts: their buy-back lifts the price with depth);
 * - a wallet's shocks: systemic >= per market >= naive (closer to 0 or equal), equal without depth;
 * - every bad parameter with its 4xx.
 */
import type { Address } from 'viem'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { aavePoolAbi } from '../../abis/aave-pool.js'
import { SystemicCascadeResponseSchema } from '../../src/api/systemic-schemas.js'
import { cometDoubleAbi } from '../../src/devchain/contracts/CometDouble.artifact.js'
import { gmxReaderDoubleAbi } from '../../src/devchain/contracts/GmxReaderDouble.artifact.js'
import { settablePriceFeedAbi } from '../../src/devchain/contracts/SettablePriceFeed.artifact.js'
import { populationHolder } from '../../src/devchain/population-comet-gmx.js'
import { send } from '../../src/devchain/tx.js'
import { AAVE_BORROW_EVENT } from '../../src/markets/enumerate-borrowers-from-logs.js'
import { marketBorrowers } from '../../src/markets/market-borrowers.js'
import { feedAnswerToGmxPrice } from '../../src/protocols/gmx-v2/read.js'
import { startTestDevchain, type TestDevchain } from '../helpers/devchain.js'

let t: TestDevchain

beforeAll(async () => {
  t = await startTestDevchain({ population: true })
}, 600_000)
afterAll(async () => {
  await t?.devchain.stop()
})

type Body = ReturnType<typeof SystemicCascadeResponseSchema.parse>

async function get(path: string) {
  const res = await t.app.request(path)
  return { status: res.status, body: (await res.json()) as Record<string, unknown> }
}

async function systemic(query: string): Promise<Body> {
  const r = await get(`/v1/chains/local/cascade?${query}`)
  expect(r.status, JSON.stringify(r.body).slice(0, 400)).toBe(200)
  return SystemicCascadeResponseSchema.parse(r.body)
}

const token = (symbol: string) => t.manifest.tokens.find((x) => x.symbol === symbol)!
const morphoWethUsdc = () =>
  t.manifest.morphoBlue!.markets.find((m) => m.key === 'weth-usdc')!.id.toLowerCase()

describe('the systemic cascade of the devchain', () => {
  it('enumerates every Aave and ETH Morpho market at one block, names the rest, and prices with the pool', async () => {
    const b = await systemic('shocks=-0.05,-0.1,-0.2')
    const ids = b.markets.map((m) => m.market)
    expect(ids).toContain('aave-v3-local')
    expect(ids).toContain(morphoWethUsdc())
    expect(b.markets.find((m) => m.market === 'aave-v3-local')!.inCascade).toBeGreaterThan(300)
    expect(b.markets.find((m) => m.market === morphoWethUsdc())!.inCascade).toBeGreaterThan(50)
    // The v3.6 market carries its own population (120 WETH/USDC borrowers) besides its demo wallets.
    expect(t.manifest.populationV36!.count).toBe(120)
    expect(b.markets.find((m) => m.market === 'aave-v36-local')!.inCascade).toBeGreaterThanOrEqual(120)
    // Comet, GMX and the V4 Spokes are enumerated by their adapters: nothing is left unnamed.
    const comet = b.markets.find((m) => m.market === 'compound-v3-local-usdc')!
    expect(comet).toMatchObject({ kind: 'lending', source: 'logs', protocol: 'compound-v3' })
    expect(comet.inCascade).toBe(t.manifest.populationCometGmx!.comet.count + 2)
    const gmx = b.markets.find((m) => m.market === 'gmx-v2-local')!
    expect(gmx).toMatchObject({ kind: 'perp', source: 'registry', protocol: 'gmx-v2', unavailable: 0 })
    // Every listed key is an open position; the BTC/USD ones are not in an ETH cascade.
    expect(gmx.withDebt).toBe(t.manifest.populationCometGmx!.gmx.count + 4)
    expect(gmx.inCascade + (gmx.excluded['other-risk-asset'] ?? 0)).toBe(gmx.withDebt)
    // The V4 Spokes: every owner of their Borrow events (the devchain's v3 + V4 stacker).
    for (const spoke of t.manifest.aaveV4!.spokes) expect(b.markets.map((m) => m.market)).toContain(spoke.id)
    expect(
      b.markets.filter((m) => m.protocol === 'aave-v4').reduce((a, m) => a + m.withDebt, 0),
    ).toBeGreaterThan(0)
    expect(b.notEnumerated).toEqual([])
    expect(b.depth.source).toBe('uniswap-v3')
    // Both devchain WETH/USDC pools (0.3% and 0.05%) read at the block and aggregated.
    const pools = b.depth.source === 'uniswap-v3' ? b.depth.pools : []
    expect(pools.map((p) => p.feePips).sort()).toEqual([3000, 500].sort())
    expect(pools.map((p) => p.pool.toLowerCase()).sort()).toEqual(
      t.manifest.uniswapV3!.pools.map((p) => p.address.toLowerCase()).sort(),
    )
    expect(b.startPrice).toBe(3000)
    const protocols = new Set(b.points[2]!.byProtocol.map((x) => x.protocol))
    expect(protocols).toEqual(new Set(['aave-v3', 'morpho-blue', 'aave-v4', 'compound-v3', 'gmx-v2']))
    // At -20% the population's protocols all liquidate (the V4 Spoke holds one demo borrower).
    for (const x of b.points[2]!.byProtocol)
      if (x.protocol !== 'aave-v4') expect(x.positionsLiquidated, x.protocol).toBeGreaterThan(0)
    // Each point's rounds: the DEX price path starts at the shocked price and only falls here.
    for (const p of b.points) {
      expect(p.path[0]!.marketPrice).toBeCloseTo(3000 * (1 + p.initialShock), 9)
      for (let i = 1; i < p.path.length; i++)
        expect(p.path[i]!.marketPrice).toBeLessThanOrEqual(p.path[i - 1]!.marketPrice)
      expect(p.converged).toBe(true)
    }
  })

  it('liquidates at least what each market alone does, at every shock', async () => {
    const shocks = Array.from({ length: 20 }, (_, i) => -0.02 * (i + 1))
    const b = await systemic(`shocks=${shocks.join(',')}`)
    let strictlyMore = 0
    b.points.forEach((p, i) => {
      const perMarket = b.perMarket.map((m) => m.points[i]!)
      for (const m of perMarket) expect(p.positionsLiquidated).toBeGreaterThanOrEqual(m.positionsLiquidated)
      // The sum over markets is a lower bound too: each market is liquidated at least as deep.
      const sum = perMarket.reduce((a, m) => a + m.positionsLiquidated, 0)
      expect(p.positionsLiquidated).toBeGreaterThanOrEqual(sum)
      if (p.positionsLiquidated > sum) strictlyMore += 1
    })
    // Coupling the markets through the one pool matters at some shock.
    expect(strictlyMore).toBeGreaterThan(0)
  })

  it('without depth: the union of the markets, and what the protocols say after the same move on chain', async () => {
    const shock = -0.12
    const b = await systemic(`shocks=${shock}&depth=none`)
    const p = b.points[0]!
    expect(p.finalShock).toBeCloseTo(shock, 12)
    const per = Object.fromEntries(b.perMarket.map((m) => [m.market, m.points[0]!.positionsLiquidated]))
    expect(p.positionsLiquidated).toBe(Object.values(per).reduce((a, x) => a + x, 0))
    await t.isolated(async () => {
      for (const symbol of ['WETH', 'wstETH']) {
        await send(t.clients, {
          from: t.manifest.admin.address as Address,
          address: token(symbol).priceFeed.address as Address,
          abi: settablePriceFeedAbi,
          functionName: 'setAnswer',
          args: [BigInt(Math.round(token(symbol).priceFeed.initialPriceUsd * (1 + shock) * 1e8))],
        })
      }
      // Aave, both markets: each Pool's verdict for every Borrow-event borrower without ETH debt.
      const balanceOf = [
        {
          type: 'function',
          name: 'balanceOf',
          stateMutability: 'view',
          inputs: [{ type: 'address' }],
          outputs: [{ type: 'uint256' }],
        },
      ] as const
      const poolVerdict = async (pool: Address, wethDebt: Address) => {
        const logs = await t.client.getLogs({ address: pool, event: AAVE_BORROW_EVENT, fromBlock: 0n })
        const users = [...new Set(logs.map((l) => l.args.onBehalfOf as Address))]
        let below = 0
        for (const user of users) {
          const [, totalDebtBase, , , , healthFactor] = await t.client.readContract({
            address: pool,
            abi: aavePoolAbi,
            functionName: 'getUserAccountData',
            args: [user],
          })
          if (totalDebtBase === 0n || healthFactor >= 10n ** 18n) continue
          const ethDebt = await t.client.readContract({
            address: wethDebt,
            abi: balanceOf,
            functionName: 'balanceOf',
            args: [user],
          })
          if (ethDebt === 0n) below += 1
        }
        return below
      }
      const aaveBelow = await poolVerdict(
        t.manifest.aaveV3.pool as Address,
        token('WETH').variableDebtToken as Address,
      )
      expect(aaveBelow).toBeGreaterThan(0)
      expect(per['aave-v3-local']).toBe(aaveBelow)
      const v36 = t.manifest.aaveV36!
      const v36Weth = v36.reserves.find((r) => r.symbol === 'WETH')!
      const v36Below = await poolVerdict(v36.pool as Address, v36Weth.variableDebtToken as Address)
      expect(v36Below).toBeGreaterThan(0)
      expect(per['aave-v36-local']).toBe(v36Below)
      // Morpho: the market's borrowers at the moved block, each health factor Morpho's own math
      // (the adapter's exact WAD value) below 1.
      const morpho = await marketBorrowers({ client: t.client, chain: t.chain, market: morphoWethUsdc() })
      const unhealthy = morpho.positions.filter(
        (x) => x.healthFactorWad !== null && x.healthFactorWad < 10n ** 18n,
      )
      expect(unhealthy.length).toBeGreaterThan(0)
      expect(per[morphoWethUsdc()]).toBe(unhealthy.length)
    })
  })

  it("without depth: the Comet and GMX parts are the Comet's isLiquidatable and the GMX Reader's verdict after the same move", async () => {
    const pop = t.manifest.populationCometGmx!
    const comet = t.manifest.compoundV3!.comets[0]!
    const gmx = t.manifest.gmxV2!
    const eth = gmx.markets.find((m) => m.key === 'ETH/USD')!
    // The holders, independently of the report: the Comet's Withdraw.src and the GMX accounts.
    const withdraws = await t.client.getLogs({
      address: comet.comet as Address,
      event: cometDoubleAbi.find((x) => x.type === 'event' && x.name === 'Withdraw') as never,
      fromBlock: 0n,
    })
    const borrowers = [
      ...new Set(withdraws.map((l) => (l as unknown as { args: { src: Address } }).args.src)),
    ]
    expect(borrowers.length).toBe(pop.comet.count + 2)
    const traders = [
      ...Array.from({ length: pop.gmx.count }, (_, i) => populationHolder('gmx', i)),
      ...['looper', 'gmx-trader', 'stacker'].map(
        (k) => t.manifest.wallets.find((w) => w.key === k)!.address as Address,
      ),
    ]
    const gmxToken = (address: string) =>
      gmx.tokens.find((x) => x.address.toLowerCase() === address.toLowerCase())!
    for (const shock of [-0.12, 0.12]) {
      const b = await systemic(`shocks=${shock}&depth=none`)
      const per = Object.fromEntries(b.perMarket.map((m) => [m.market, m.points[0]!.positionsLiquidated]))
      await t.isolated(async () => {
        for (const symbol of ['WETH', 'wstETH'])
          await send(t.clients, {
            from: t.manifest.admin.address as Address,
            address: token(symbol).priceFeed.address as Address,
            abi: settablePriceFeedAbi,
            functionName: 'setAnswer',
            args: [BigInt(Math.round(token(symbol).priceFeed.initialPriceUsd * (1 + shock) * 1e8))],
          })
        let absorbable = 0
        for (const user of borrowers)
          if (
            await t.client.readContract({
              address: comet.comet as Address,
              abi: cometDoubleAbi,
              functionName: 'isLiquidatable',
              args: [user],
            })
          )
            absorbable++
        expect(per['compound-v3-local-usdc'], `Comet at ${shock}`).toBe(absorbable)
        if (shock < 0) expect(absorbable).toBeGreaterThan(0)
        else expect(absorbable).toBe(0)
        // GMX: the Reader's isPositionLiquidatable (validate min collateral USD, forLiquidation)
        // of every ETH/USD position, at the feeds' moved prices passed as GMX's keepers would.
        const gmxPrice = async (address: string) => {
          const tk = gmxToken(address)
          const [, answer] = await t.client.readContract({
            address: tk.priceFeed as Address,
            abi: settablePriceFeedAbi,
            functionName: 'latestRoundData',
          })
          const p = feedAnswerToGmxPrice(answer, tk.feedDecimals, tk.decimals)
          return { min: p, max: p }
        }
        const prices = {
          indexTokenPrice: await gmxPrice(eth.indexToken),
          longTokenPrice: await gmxPrice(eth.longToken),
          shortTokenPrice: await gmxPrice(eth.shortToken),
        }
        const market = {
          marketToken: eth.marketToken as Address,
          indexToken: eth.indexToken as Address,
          longToken: eth.longToken as Address,
          shortToken: eth.shortToken as Address,
        }
        let liquidatable = 0
        let sides = { long: 0, short: 0 }
        for (const account of traders) {
          const positions = await t.client.readContract({
            address: gmx.reader as Address,
            abi: gmxReaderDoubleAbi,
            functionName: 'getAccountPositions',
            args: [gmx.dataStore as Address, account, 0n, 10n],
          })
          for (const p of positions) {
            if (p.addresses.market.toLowerCase() !== eth.marketToken.toLowerCase()) continue
            const key = await t.client.readContract({
              address: gmx.reader as Address,
              abi: gmxReaderDoubleAbi,
              functionName: 'getPositionKey',
              args: [p.addresses.account, p.addresses.market, p.addresses.collateralToken, p.flags.isLong],
            })
            const [yes] = await t.client.readContract({
              address: gmx.reader as Address,
              abi: gmxReaderDoubleAbi,
              functionName: 'isPositionLiquidatable',
              args: [
                gmx.dataStore as Address,
                gmx.referralStorage as Address,
                key,
                market,
                prices,
                true,
                true,
              ],
            })
            if (yes) {
              liquidatable++
              sides = p.flags.isLong
                ? { ...sides, long: sides.long + 1 }
                : { ...sides, short: sides.short + 1 }
            }
          }
        }
        expect(per['gmx-v2-local'], `GMX at ${shock}`).toBe(liquidatable)
        expect(liquidatable).toBeGreaterThan(0)
        // A fall liquidates longs only, a rally shorts only.
        expect(shock < 0 ? sides.short : sides.long).toBe(0)
      })
    }
    // With depth, the rally's short liquidations buy back and lift the price past the shock.
    const squeeze = await systemic('shocks=0.12')
    const gmxTotals = squeeze.points[0]!.byProtocol.find((x) => x.protocol === 'gmx-v2')!
    expect(gmxTotals.boughtUnits).toBeGreaterThan(0)
    expect(gmxTotals.soldUnits).toBe(0)
    expect(squeeze.points[0]!.finalShock).toBeGreaterThan(0.12)
  })

  it('an LST depeg on the DEX alone does not liquidate Aave wstETH positions (capped exchange-rate oracle)', async () => {
    // The population holds wstETH on Aave (aave:wsteth-usdc): its oracle is the capped rate
    // adapter, priced off ETH, so a 30% wstETH discount on the DEX with ETH unmoved liquidates none.
    const b = await systemic('shocks=0,-0.1&depegs=wstETH:-0.3&depth=none')
    const capo = b.oracles.findIndex((o) => o.source.kind === 'exchange-rate' && o.source.token === 'wstETH')
    expect(capo).toBeGreaterThanOrEqual(0)
    expect(b.oracles[capo]!.source).toEqual({ kind: 'exchange-rate', token: 'wstETH', capped: true })
    expect(b.points[0]!.positionsLiquidated).toBe(0)
    expect(b.points[0]!.oraclePrices[capo]).toBe(3000)
    // An ETH fall does reach them through the same oracle.
    expect(b.points[1]!.oraclePrices[capo]).toBeCloseTo(2700, 9)
  })

  it("a wallet's smallest liquidating shock: systemic >= per market >= naive, all equal without depth", async () => {
    const wallet = t.manifest.wallets.find((w) => w.key === 'near-liquidation')!.address
    const b = await systemic(`shocks=-0.1&wallet=${wallet}`)
    const flat = await systemic(`shocks=-0.1&wallet=${wallet}&depth=none`)
    expect(b.wallet!.positions.length).toBeGreaterThan(0)
    for (const p of b.wallet!.positions) {
      expect(p.naiveShock).not.toBeNull()
      expect(p.perMarketShock!).toBeGreaterThanOrEqual(p.naiveShock! - 1e-6)
      expect(p.systemicShock!).toBeGreaterThanOrEqual(p.perMarketShock! - 1e-6)
    }
    for (const p of flat.wallet!.positions) {
      expect(p.systemicShock!).toBeCloseTo(p.naiveShock!, 5)
      expect(p.perMarketShock!).toBeCloseTo(p.naiveShock!, 5)
    }
  })
})

describe('a wallet across lending and perps', () => {
  it("the looper's Comet and GMX long and the trader's GMX short each get their smallest liquidating shock", async () => {
    const looper = t.manifest.wallets.find((w) => w.key === 'looper')!.address
    const trader = t.manifest.wallets.find((w) => w.key === 'gmx-trader')!.address
    const a = await systemic(`shocks=-0.1&wallet=${looper}`)
    const protocols = new Set(a.wallet!.positions.map((p) => p.protocol))
    // The multi-protocol looper (Aave + Morpho + Compound + GMX).
    expect(protocols).toEqual(new Set(['aave-v3', 'morpho-blue', 'compound-v3', 'gmx-v2']))
    const long = a.wallet!.positions.find((p) => p.protocol === 'gmx-v2')!
    // The looper's 5x long: liquidation near 2,035 USD (deploy-gmx.ts), a fall of about 32%.
    expect(long.side).toBe('long')
    expect(long.liquidationPrice!).toBeGreaterThan(2000)
    expect(long.liquidationPrice!).toBeLessThan(2100)
    expect(long.naiveShock!).toBeCloseTo(long.liquidationPrice! / 3000 - 1, 9)
    expect(long.systemicShock!).toBeGreaterThanOrEqual(long.naiveShock! - 1e-6)
    expect(long.systemicShock!).toBeLessThan(0)
    const b = await systemic(`shocks=0.1&wallet=${trader}`)
    const short = b.wallet!.positions.find((p) => p.side === 'short')!
    // The 10x short: liquidation near 3,252.5 USD, a rally of about 8.4%; shorts' buy-backs (and
    // no lending) only help it along: systemic <= naive, both positive.
    expect(short.liquidationPrice!).toBeGreaterThan(3200)
    expect(short.naiveShock!).toBeGreaterThan(0)
    expect(short.systemicShock!).toBeGreaterThan(0)
    expect(short.systemicShock!).toBeLessThanOrEqual(short.naiveShock! + 1e-6)
  })
})

describe('perpFlowShare', () => {
  it('0 keeps perp closes off the DEX (still counted as liquidated); 1 is the default; shorts squeeze less at 0', async () => {
    // A rally: the GMX shorts' buy-backs are the only flow that lifts the price (lending sells).
    const one = await systemic('shocks=0.1')
    const dflt = await systemic('shocks=0.1&perpFlowShare=1')
    expect(one.perpFlowShare).toBe(1)
    expect(dflt.points).toEqual(one.points)
    const zero = await systemic('shocks=0.1&perpFlowShare=0')
    expect(zero.perpFlowShare).toBe(0)
    const gmxOne = one.points[0]!.byProtocol.find((p) => p.protocol === 'gmx-v2')!
    const gmxZero = zero.points[0]!.byProtocol.find((p) => p.protocol === 'gmx-v2')!
    expect(gmxOne.boughtUnits).toBeGreaterThan(0)
    expect(gmxZero.boughtUnits).toBe(0)
    expect(gmxZero.soldUnits).toBe(0)
    expect(gmxZero.positionsLiquidated).toBeGreaterThan(0)
    // Without the buy-back the price rises no further than the shock (nothing else buys).
    expect(zero.points[0]!.finalPrice).toBeCloseTo(zero.startPrice * 1.1, 6)
    expect(one.points[0]!.finalPrice).toBeGreaterThan(zero.points[0]!.finalPrice)
    const half = await systemic('shocks=0.1&perpFlowShare=0.5')
    const h = half.points[0]!
    expect(h.finalPrice).toBeGreaterThan(zero.points[0]!.finalPrice)
    expect(h.finalPrice).toBeLessThanOrEqual(one.points[0]!.finalPrice)
  })
})

describe('bad input', () => {
  const cases: [string, number, string][] = [
    ['/v1/chains/nope/cascade', 400, 'UNKNOWN_CHAIN'],
    ['/v1/chains/local/cascade?asset=USD', 400, 'INVALID_REQUEST'],
    ['/v1/chains/local/cascade?asset=$$', 400, 'INVALID_REQUEST'],
    ['/v1/chains/local/cascade?asset=DOGE&shocks=-0.1', 400, 'INVALID_REQUEST'],
    ['/v1/chains/local/cascade?shocks=abc', 400, 'INVALID_REQUEST'],
    ['/v1/chains/local/cascade?shocks=-1', 400, 'INVALID_REQUEST'],
    ['/v1/chains/local/cascade?shocks=1.5', 400, 'INVALID_REQUEST'],
    ['/v1/chains/local/cascade?depth=deep', 400, 'INVALID_REQUEST'],
    ['/v1/chains/local/cascade?unitsForOnePercent=-3', 400, 'INVALID_REQUEST'],
    ['/v1/chains/local/cascade?depegs=stETH', 400, 'INVALID_REQUEST'],
    ['/v1/chains/local/cascade?depegs=stETH:-2', 400, 'INVALID_REQUEST'],
    ['/v1/chains/local/cascade?oracleDeviation=0.9', 400, 'INVALID_REQUEST'],
    ['/v1/chains/local/cascade?oracleDeviation=x', 400, 'INVALID_REQUEST'],
    ['/v1/chains/local/cascade?oracleHeartbeat=0', 400, 'INVALID_REQUEST'],
    ['/v1/chains/local/cascade?perpFlowShare=1.5', 400, 'INVALID_REQUEST'],
    ['/v1/chains/local/cascade?perpFlowShare=-0.1', 400, 'INVALID_REQUEST'],
    ['/v1/chains/local/cascade?perpFlowShare=half', 400, 'INVALID_REQUEST'],
    ['/v1/chains/local/cascade?perpFlowShare=', 400, 'INVALID_REQUEST'],
    ['/v1/chains/local/cascade?wallet=0x12', 400, 'INVALID_ADDRESS'],
    ['/v1/chains/local/cascade?block=abc', 400, 'INVALID_BLOCK'],
    ['/v1/chains/local/cascade?block=99999999', 400, 'BLOCK_OUT_OF_RANGE'],
  ]
  it.each(cases)('%s -> %i %s', async (path, status, code) => {
    const r = await get(path)
    expect(r.status, JSON.stringify(r.body)).toBe(status)
    const error = r.body.error as { code: string; message: string }
    expect(error.code).toBe(code)
    expect(error.message.length).toBeGreaterThan(0)
  })
})
