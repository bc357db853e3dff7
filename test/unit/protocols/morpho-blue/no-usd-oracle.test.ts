/**
 * Morpho on a chain with no USD price source (`usdPriceOracle: null`: no Aave v3 Core market in
 * the address book, e.g. Unichain, World Chain, Katana): the wallet's Morpho position is served as
 * an `unavailable` row with code PRICE_UNAVAILABLE naming the loan token and the chain, never a
 * crash and never a made-up USD figure; the same results with an oracle give an `ok` position.
 * The plan's decode runs on results ABI-encoded here in the contracts' return layouts (what
 * aggregate3 returns for each call), so the adapter's real decoding path is exercised.
 */
import { encodeAbiParameters, type Hex } from 'viem'
import { describe, expect, it } from 'vitest'
import type { RawResult } from '../../../../src/chains/batch.js'
import type { ChainRuntime } from '../../../../src/config.js'
import { MORPHO_BLUE } from '../../../../src/protocols/morpho-blue/markets.js'
import { createMorphoFactsCache, planMorphoWallet } from '../../../../src/protocols/morpho-blue/read.js'

const USER = '0x000000000000000000000000000000000000dEaD'
const ID = `0x${'c'.repeat(64)}` as Hex
const WETH = '0x4200000000000000000000000000000000000006'
const USDC = '0x078D782b760474a361dDA0AF3839290b0EF57AD6'
const ORACLE = '0x1111111111111111111111111111111111111111'
const IRM = '0x2222222222222222222222222222222222222222'
const LLTV = 860_000_000_000_000_000n
const BLOCK = { blockNumber: 20_000_000n, timestamp: 1_764_000_000n }

const unichain = MORPHO_BLUE.find((m) => m.chain === 'unichain')!

function runtime(usdPriceOracle: ChainRuntime['usdPriceOracle']): ChainRuntime {
  return {
    key: 'unichain',
    chainId: 130,
    rpcUrls: ['http://127.0.0.1:1'],
    multicall3: '0xcA11bde05977b3631167028862bE2a173976CA11',
    aaveMarkets: [],
    usdPriceOracle,
    morphoBlue: unichain,
    comets: [],
    gmxV2: [],
  }
}

const ok = (returnData: Hex): RawResult => ({ success: true, returnData })
const u = (...values: bigint[]) =>
  encodeAbiParameters(
    values.map(() => ({ type: 'uint256' })),
    values,
  )

/** 1 WETH collateral, 1,500 USDC borrowed (shares at 1e6 per asset unit), oracle 3,000 USDC/WETH. */
async function read(usdPriceOracle: ChainRuntime['usdPriceOracle']) {
  const facts = createMorphoFactsCache()
  facts.set(`130:${ID}`, {
    params: { loanToken: USDC, collateralToken: WETH, oracle: ORACLE, irm: IRM, lltv: LLTV },
    loan: { symbol: 'USDC', decimals: 6 },
    collateral: { symbol: 'WETH', decimals: 18 },
  })
  const chain = runtime(usdPriceOracle)
  const [plan] = planMorphoWallet({ chain, config: unichain, user: USER, ids: [ID], facts })
  const borrowShares = 1_500n * 10n ** 6n * 10n ** 6n
  const results: RawResult[] = [
    ok(u(0n, borrowShares, 10n ** 18n)), // position(id, user)
    ok('0x'), // accrueInterest: success only
    ok(u(10_000n * 10n ** 6n, 10_000n * 10n ** 12n, 1_500n * 10n ** 6n, borrowShares, BLOCK.timestamp, 0n)), // market
    ok(u((3_000n * 10n ** 6n * 10n ** 36n) / 10n ** 18n)), // oracle.price(): 36 + loan - collateral decimals
    // The 4th priced call: AaveOracle.getAssetPrice (1 USD, 8 decimals) with an oracle; without
    // one the adapter places a no-op call to the loan token, which succeeds with empty data.
    usdPriceOracle ? ok(u(100_000_000n)) : ok('0x'),
  ]
  expect(plan!.calls).toHaveLength(results.length)
  return plan!.decode(results, BLOCK, async () => {
    throw new Error('no follow-up expected: the market facts are cached')
  })
}

describe('Morpho Blue on a chain without a USD price source', () => {
  it('serves the position as unavailable with PRICE_UNAVAILABLE, naming the loan token and chain', async () => {
    const rows = await read(null)
    expect(rows).toEqual([
      {
        status: 'unavailable',
        protocol: 'morpho-blue',
        market: ID,
        chain: 'unichain',
        kind: 'lending',
        code: 'PRICE_UNAVAILABLE',
        reason: expect.stringMatching(/no USD price for the loan token USDC on unichain/),
      },
    ])
  })

  it('the same results with an AaveOracle-compatible source are an ok position', async () => {
    const [p] = await read('0x3333333333333333333333333333333333333333')
    expect(p).toMatchObject({ status: 'ok', protocol: 'morpho-blue', chain: 'unichain', debtUsd: 1_500 })
    // HF = 1 WETH * 3,000 * 0.86 / 1,500 = 1.72.
    expect((p as { healthFactor: number }).healthFactor).toBeCloseTo(1.72, 12)
  })
})
