/**
 * cometWalletCalls / planCometWallet / decodeCometWallet (src/protocols/compound-v3/read.ts) on a
 * fake Comet that ABI-encodes answers with the adapter's own ABI (fake-comet.ts). No RPC.
 *
 * The account is fixtures.ts twoCollateralAccount: 1.5 WETH at 3123.45678901 and 0.37 WBTC at
 * 61234.56789012 against a borrow principal of 20,000 USDC at a stored borrow index of
 * 1.031234567890123, USDC at 0.99987654; math.test.ts derives its HF 1.049307387612810363 and
 * borrow HF 0.956497533536796507 by hand. wstETH is listed but not held.
 */
import { decodeFunctionData } from 'viem'
import { beforeEach, describe, expect, it } from 'vitest'
import { cometAbi } from '../../../../abis/compound-v3-comet.js'
import type { RawCall } from '../../../../src/chains/batch.js'
import { BaseError, type ErrorCode } from '../../../../src/core/errors.js'
import type { Position, PositionResult } from '../../../../src/core/types.js'
import type { CometConfig } from '../../../../src/protocols/compound-v3/markets.js'
import {
  COMET_MAX_ASSETS,
  type CometAssetInfo,
  clearLearnedCometHints,
  cometHints,
  cometWalletCalls,
  planCometWallet,
} from '../../../../src/protocols/compound-v3/read.js'
import { type FakeCometState, fakeComet } from './fake-comet.js'
import { addr, E18, USDC, WBTC, WETH, WSTETH } from './fixtures.js'

const COMET = addr(0xc0)
const USER = addr(0x5eed)
const BASE_FEED = addr(0xf0)
const WETH_FEED = addr(0xf1)
const WBTC_FEED = addr(0xf2)
const WSTETH_FEED = addr(0xf3)
const BLOCK = { blockNumber: 100n, timestamp: 1_700_000_000n }

const info = (
  offset: number,
  asset: `0x${string}`,
  priceFeed: `0x${string}`,
  decimals: number,
  bcf: bigint,
  lcf: bigint,
  lf: bigint,
): CometAssetInfo => ({
  offset,
  asset,
  priceFeed,
  scale: 10n ** BigInt(decimals),
  borrowCollateralFactor: bcf * 10n ** 14n,
  liquidateCollateralFactor: lcf * 10n ** 14n,
  liquidationFactor: lf * 10n ** 14n,
  supplyCap: 1_000_000n * 10n ** BigInt(decimals),
})

function state(over: Partial<FakeCometState> = {}): FakeCometState {
  return {
    comet: COMET,
    baseToken: USDC,
    baseTokenPriceFeed: BASE_FEED,
    baseScale: 1_000_000n,
    assets: [
      info(0, WETH, WETH_FEED, 18, 8250n, 8950n, 9500n),
      info(1, WBTC, WBTC_FEED, 8, 7000n, 7700n, 9500n),
      info(2, WSTETH, WSTETH_FEED, 18, 8200n, 8700n, 9200n),
    ],
    prices: {
      [BASE_FEED]: 99_987_654n,
      [WETH_FEED]: 312_345_678_901n,
      [WBTC_FEED]: 6_123_456_789_012n,
      [WSTETH_FEED]: 360_000_000_000n,
    },
    totals: {
      baseSupplyIndex: 1_010_000_000_000_000n,
      baseBorrowIndex: 1_031_234_567_890_123n,
      lastAccrualTime: 1_699_999_000,
    },
    principal: -20_000_000_000n,
    assetsIn: 0b011,
    reserved: 0,
    balances: { [WETH]: 1_500_000_000_000_000_000n, [WBTC]: 37_000_000n },
    // accrued past the stored index (20_624_691_357) by 1000 s of interest
    borrowBalance: 20_625_345_000n,
    supplyBalance: 0n,
    isLiquidatable: false,
    isBorrowCollateralized: false,
    symbols: { [WETH]: 'WETH', [WBTC]: 'WBTC', [WSTETH]: 'wstETH' },
    ...over,
  }
}

const HINTED: CometConfig = {
  id: 'compound-v3-test-usdc',
  chain: 'ethereum',
  comet: COMET,
  baseSymbol: 'USDC',
  baseToken: USDC,
  baseTokenPriceFeed: BASE_FEED,
  assets: [
    { asset: WETH, priceFeed: WETH_FEED, symbol: 'WETH' },
    { asset: WBTC, priceFeed: WBTC_FEED, symbol: 'WBTC' },
    { asset: WSTETH, priceFeed: WSTETH_FEED, symbol: 'wstETH' },
  ],
}
const BARE: CometConfig = { id: 'compound-v3-test-usdc', chain: 'ethereum', comet: COMET, baseSymbol: 'USDC' }

async function run(config: CometConfig, s: FakeCometState) {
  const fake = fakeComet(s)
  const plan = planCometWallet(config, USER)
  const batch = fake.answerAll(plan.calls)
  const followUps: RawCall[][] = []
  const rows = await plan.decode(batch, BLOCK, async (calls) => {
    followUps.push([...calls])
    return fake.answerAll(calls)
  })
  return { rows, followUps, plan }
}

function only(rows: PositionResult[]): Position {
  expect(rows).toHaveLength(1)
  if (rows[0]!.status !== 'ok') throw new Error('unavailable')
  return rows[0]!
}

async function failure(
  config: CometConfig,
  s: FakeCometState,
): Promise<{ code: ErrorCode; message: string }> {
  const err = await run(config, s).then(
    () => null,
    (e: unknown) => e,
  )
  expect(err).toBeInstanceOf(BaseError)
  return err as BaseError
}

const described = (calls: readonly RawCall[]) =>
  calls.map((c) => {
    if (c.target !== COMET) return `${c.target}.symbol`
    const { functionName, args = [] } = decodeFunctionData({ abi: cometAbi, data: c.callData })
    return `${functionName}(${args.map(String).join(',')})`
  })

beforeEach(() => {
  clearLearnedCometHints()
})

describe('cometWalletCalls', () => {
  it('one slice: 10 fixed calls, every getAssetInfo offset, the hinted reads, then the rate model; all allowFailure', () => {
    const layout = cometWalletCalls(HINTED, USER)
    expect(layout.calls).toHaveLength(10 + COMET_MAX_ASSETS + 1 + 3 * 2 + 4)
    expect(layout.calls.every((c) => c.allowFailure && c.target === COMET)).toBe(true)
    const names = described(layout.calls)
    expect(names.slice(0, 10)).toEqual([
      'baseToken()',
      'baseTokenPriceFeed()',
      'numAssets()',
      'baseScale()',
      'totalsBasic()',
      `userBasic(${USER})`,
      `borrowBalanceOf(${USER})`,
      `balanceOf(${USER})`,
      `isLiquidatable(${USER})`,
      `isBorrowCollateralized(${USER})`,
    ])
    expect(names.slice(10, 10 + COMET_MAX_ASSETS)).toEqual(
      Array.from({ length: COMET_MAX_ASSETS }, (_, i) => `getAssetInfo(${i})`),
    )
    expect(names.slice(-4)).toEqual([
      'borrowKink()',
      'borrowPerSecondInterestRateBase()',
      'borrowPerSecondInterestRateSlopeLow()',
      'borrowPerSecondInterestRateSlopeHigh()',
    ])
    expect(names.slice(10 + COMET_MAX_ASSETS, -4)).toEqual([
      `getPrice(${BASE_FEED})`,
      `userCollateral(${USER},${WETH})`,
      `getPrice(${WETH_FEED})`,
      `userCollateral(${USER},${WBTC})`,
      `getPrice(${WBTC_FEED})`,
      `userCollateral(${USER},${WSTETH})`,
      `getPrice(${WSTETH_FEED})`,
    ])
  })

  it('a hint without a symbol adds its symbol() read; a numeraire feed adds two reads', () => {
    const layout = cometWalletCalls(
      {
        ...BARE,
        assets: [{ asset: WETH, priceFeed: WETH_FEED }],
        priceUnit: { symbol: 'ETH', usdFeed: addr(0xe7) },
      },
      USER,
    )
    // ... + the 4 rate-model reads at the end.
    expect(layout.calls).toHaveLength(10 + COMET_MAX_ASSETS + 3 + 2 + 4)
    expect(layout.calls.at(-7)!.target).toBe(WETH)
    expect(layout.calls.at(-5)!.target).toBe(addr(0xe7))
  })
})

describe('decodeCometWallet', () => {
  it('hinted: the position in one read, HF as derived by hand, legs from the Comet', async () => {
    const { rows, followUps } = await run(HINTED, state())
    expect(followUps).toEqual([])
    const p = only(rows)
    expect(p.protocol).toBe('compound-v3')
    expect(p.market).toBe('compound-v3-test-usdc')
    expect(p.healthFactorWad).toBe(1_049_307_387_612_810_363n)
    expect(p.details.borrowHealthFactorWad).toBe('956497533536796507')
    expect(p.details.liquidatable).toBe(false)
    expect(p.details.borrowCollateralized).toBe(false)
    expect(p.details.assetListSource).toBe('hint')
    expect(p.details.borrowBalanceAtStoredIndex).toBe('20624691357')
    expect(p.legs.map((l) => [l.side, l.asset.symbol, l.amount])).toEqual([
      ['collateral', 'WETH', 1_500_000_000_000_000_000n],
      ['collateral', 'WBTC', 37_000_000n],
      ['debt', 'USDC', 20_625_345_000n],
    ])
    // USD: 1.5 x 3123.45678901 = 4685.185183515; debt 20_625.345 x 0.99987654
    expect(p.legs[0]!.usd).toBeCloseTo(4685.185183515, 9)
    expect(p.debtUsd).toBeCloseTo(20_625.345 * 0.99987654, 6)
    expect(p.liquidationPrices.map((l) => [l.symbol, l.side])).toEqual([
      ['WETH', 'collateral'],
      ['WBTC', 'collateral'],
      ['USDC', 'debt'],
    ])
  })

  it('no hints: ONE pinned follow-up with only what the held assets need; the next plan is hinted', async () => {
    const first = await run(BARE, state())
    expect(first.followUps).toHaveLength(1)
    expect(described(first.followUps[0]!)).toEqual([
      `getPrice(${BASE_FEED})`,
      `userCollateral(${USER},${WETH})`,
      `getPrice(${WETH_FEED})`,
      `${WETH}.symbol`,
      `userCollateral(${USER},${WBTC})`,
      `getPrice(${WBTC_FEED})`,
      `${WBTC}.symbol`,
    ])
    const p = only(first.rows)
    expect(p.details.assetListSource).toBe('follow-up')
    expect(p.healthFactorWad).toBe(1_049_307_387_612_810_363n)
    // Learned: the Comet's own list, symbols where read (wstETH was not held, so not yet).
    expect(cometHints(BARE)).toEqual({
      baseTokenPriceFeed: BASE_FEED,
      assets: [
        { asset: WETH, priceFeed: WETH_FEED, symbol: 'WETH' },
        { asset: WBTC, priceFeed: WBTC_FEED, symbol: 'WBTC' },
        { asset: WSTETH, priceFeed: WSTETH_FEED },
      ],
    })
    const second = await run(BARE, state())
    expect(second.followUps).toEqual([])
    expect(only(second.rows).healthFactorWad).toBe(p.healthFactorWad)
    // The learned hints' last read comes just before the 4 rate-model reads.
    expect(described(second.plan.calls).at(-5)).toBe(`${WSTETH}.symbol`)
  })

  it('a stale hint (feed moved, asset listed later) is corrected by the follow-up', async () => {
    const s = state()
    const NEW_FEED = addr(0xf9)
    s.assets[0] = { ...s.assets[0]!, priceFeed: NEW_FEED }
    s.prices[NEW_FEED] = 200_000_000_000n
    // WETH at 2000: 1.5 x 2000e8 x 0.895 = 268_500_000_000, + WBTC 1_744_572_839_189
    // = 2_013_072_839_189 < 2_062_214_503_260: the Comet now says liquidatable.
    s.isLiquidatable = true
    const { rows, followUps } = await run(HINTED, s)
    expect(described(followUps[0]!)).toEqual([`getPrice(${NEW_FEED})`])
    const weth = only(rows).legs.find((l) => l.asset.symbol === 'WETH')!
    expect(weth.priceUsd).toBe(2000)
    expect(only(rows).healthFactor!).toBeLessThan(1)
  })

  it('a wallet with nothing: no row, no follow-up, even without hints', async () => {
    const { rows, followUps } = await run(
      BARE,
      state({ principal: 0n, assetsIn: 0, balances: {}, borrowBalance: 0n, isBorrowCollateralized: true }),
    )
    expect(rows).toEqual([])
    expect(followUps).toEqual([])
    // Prices are not needed then: a reverting base feed does not turn "nothing" into an error.
    const quiet = await run(
      HINTED,
      state({
        principal: 0n,
        assetsIn: 0,
        balances: {},
        borrowBalance: 0n,
        isBorrowCollateralized: true,
        prices: {},
      }),
    )
    expect(quiet.rows).toEqual([])
  })

  it('offsets 16..23 live in UserBasic._reserved (CometWithExtendedAssetList)', async () => {
    const s = state()
    const far = addr(0xa9)
    const farFeed = addr(0xf8)
    for (let i = 3; i < 17; i++)
      s.assets.push(info(i, addr(0xb00 + i), addr(0xd00 + i), 18, 5000n, 6000n, 9000n))
    s.assets.push(info(17, far, farFeed, 18, 5000n, 6000n, 9000n))
    s.prices[farFeed] = 100_000_000n
    s.balances[far] = 1_000n * E18
    s.symbols[far] = 'FAR'
    s.reserved = 0b10 // offset 17
    // 1000 FAR at 1 USD x 0.6 = 600e8 more collateral value
    const { rows } = await run(HINTED, s)
    const p = only(rows)
    expect(p.legs.find((l) => l.asset.symbol === 'FAR')!.countsAsCollateral).toBe(true)
    expect(p.details.liquidationCollateralValue).toBe((2_163_896_913_113n + 60_000_000_000n).toString())
  })

  it('isLiquidatable disagreeing with the recomputation is PROTOCOL_MODEL_MISMATCH', async () => {
    const e = await failure(HINTED, state({ isLiquidatable: true }))
    expect(e.code).toBe('PROTOCOL_MODEL_MISMATCH')
    expect(e.message).toMatch(/isLiquidatable = true/)
    const b = await failure(HINTED, state({ isBorrowCollateralized: true }))
    expect(b.code).toBe('PROTOCOL_MODEL_MISMATCH')
  })

  it('reverts and empty answers are PROTOCOL_READ_FAILED; a wrong base token is a layout mismatch', async () => {
    const reverted = await failure(HINTED, state({ reverts: ['totalsBasic'] }))
    expect(reverted.code).toBe('PROTOCOL_READ_FAILED')
    expect(reverted.message).toMatch(/totalsBasic reverted/)
    const empty = await failure(HINTED, state({ empty: true }))
    expect(empty.code).toBe('PROTOCOL_READ_FAILED')
    expect(empty.message).toMatch(/returned nothing/)
    const base = await failure(HINTED, state({ baseToken: WETH }))
    expect(base.code).toBe('PROTOCOL_LAYOUT_MISMATCH')
    const badInfo = state()
    badInfo.assets[1] = { ...badInfo.assets[1]!, offset: 7 }
    expect((await failure(HINTED, badInfo)).code).toBe('PROTOCOL_LAYOUT_MISMATCH')
    const badScale = await failure(HINTED, state({ baseScale: 123n }))
    expect(badScale.code).toBe('PROTOCOL_LAYOUT_MISMATCH')
    // A price that reverts (BadPrice) on a held asset fails the market, never a zero price.
    const s = state()
    delete s.prices[WBTC_FEED]
    expect((await failure(HINTED, s)).code).toBe('PROTOCOL_READ_FAILED')
  })

  it('a non-USD Comet converts its prices through the numeraire feed; symbol() failures fall back', async () => {
    const ETH_USD = addr(0xe7)
    const s = state({
      baseToken: WETH,
      baseTokenPriceFeed: addr(0xf5),
      baseScale: E18,
      assets: [info(0, WSTETH, WSTETH_FEED, 18, 9000n, 9300n, 9500n)],
      prices: { [addr(0xf5)]: 100_000_000n, [WSTETH_FEED]: 120_000_000n },
      totals: { baseSupplyIndex: 10n ** 15n, baseBorrowIndex: 10n ** 15n, lastAccrualTime: 1_699_999_000 },
      principal: -10n * E18,
      assetsIn: 0b1,
      balances: { [WSTETH]: 10n * E18 },
      borrowBalance: 10n * E18,
      isLiquidatable: false,
      isBorrowCollateralized: true,
      symbols: {},
      unitFeed: { address: ETH_USD, answer: 250_000_000_000n, decimals: 8 },
    })
    const config: CometConfig = {
      id: 'compound-v3-test-weth',
      chain: 'ethereum',
      comet: COMET,
      baseSymbol: 'WETH',
      priceUnit: { symbol: 'ETH', usdFeed: ETH_USD },
    }
    const p = only((await run(config, s)).rows)
    // 10 wstETH x 1.2 ETH x 0.93 = 11.16 ETH vs 10 ETH borrowed: HF 1.116
    expect(p.healthFactorWad).toBe(1_116_000_000_000_000_000n)
    expect(p.details.priceUnit).toBe('ETH')
    expect(p.legs[0]!.asset.symbol).toBe(`${WSTETH.slice(0, 8)}…`)
    // 1.2 ETH x 2500 USD = 3000 USD per wstETH
    expect(p.legs[0]!.priceUsd).toBeCloseTo(3000, 9)
    expect(p.debtUsd).toBeCloseTo(25_000, 6)
    // wstETH liquidation: 10 x p x 0.93 >= 10e8 -> p >= 107_526_881.7 -> 107_526_882 (1.07526882 ETH)
    expect(p.liquidationPrices[0]!.price).toBeCloseTo(1.07526882 * 2500, 6)
    const broken = await failure(config, { ...s, unitFeed: { address: ETH_USD, answer: 0n, decimals: 8 } })
    expect(broken.code).toBe('PROTOCOL_READ_FAILED')
  })
})
