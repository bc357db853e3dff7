/**
 * The Compound v3 adapter against the REAL Comet: replayed answers of compound-finance/comet
 * d5a30b0a (CometWithExtendedAssetList + CometExtAssetList behind the proxy, as mainnet runs them),
 * from ../shared/protocols/comet/recordings/comet-d5a30b0a-cusdcv3-cwethv3.json through the replay
 * transport (test/support/replay.ts: anything unrecorded is an error).
 *
 * Vectors, all from that recording: every user of both markets (cUSDCv3, cWETHv3) at B1, B2 (30
 * days later, nothing written), B3pre, B3 (absorb mined) and B4: borrow balance, principal,
 * isLiquidatable and isBorrowCollateralized served equal the recorded ones, the stored-index HF
 * equals `liquidationHealth1e18` and the accrued one `liquidationHealthAccrued1e18`; the
 * staleIndexWindow user at B2 is served with a warning (view false, absorb would succeed); every
 * served liquidation price lies inside the recorded isLiquidatable flip bracket.
 * Skipped, with a message, when ../shared is absent.
 */
import { type Address, getAddress } from 'viem'
import { beforeEach, describe, expect, it } from 'vitest'
import type { Position } from '../../src/core/types.js'
import { compoundV3Adapter } from '../../src/protocols/compound-v3/index.js'
import type { CometConfig } from '../../src/protocols/compound-v3/markets.js'
import { clearLearnedCometHints } from '../../src/protocols/compound-v3/read.js'
import { readWallet } from '../../src/protocols/read-wallet.js'
import type { ChainRuntime } from '../../src/protocols/types.js'
import { CANONICAL_MULTICALL3, loadRecording, type Recording, replayClient } from '../support/replay.js'

interface CometRecording extends Recording {
  markets: Record<
    string,
    { comet: string; baseToken: string; baseSymbol: string; usdFeed?: string; priceUnit: string }
  >
  users: Record<string, string>
  blocks: { number: number; timestamp: number; label?: string }[]
  expected: {
    positions: Record<string, Record<string, unknown> & { block: number }>
  }
  flips: {
    block: number
    market: string
    user: string
    userLabel: string
    asset: string
    check: string
    healthyAt: string
    liquidatableAt: string
  }[]
}
interface ExpectedPosition {
  empty: boolean
  principal: string
  borrowBalanceOf: string
  balanceOf: string
  isLiquidatable: boolean
  isBorrowCollateralized: boolean
  liquidationHealth1e18?: string
  liquidationHealthAccrued1e18?: string
}

const FILE = 'comet-d5a30b0a-cusdcv3-cwethv3.json'
const rec = loadRecording<CometRecording>('comet', FILE)
if (!rec)
  console.warn(`[replay] ../shared/protocols/comet/recordings/${FILE} is absent: Comet replay tests SKIPPED`)

function configs(r: CometRecording): CometConfig[] {
  return Object.entries(r.markets).map(([key, m]) => ({
    id: `compound-v3-replay-${key}`,
    chain: 'local',
    comet: getAddress(m.comet),
    baseSymbol: m.baseSymbol,
    baseToken: getAddress(m.baseToken),
    ...(m.priceUnit !== 'USD' && m.usdFeed
      ? { priceUnit: { symbol: m.priceUnit, usdFeed: getAddress(m.usdFeed) } }
      : {}),
  }))
}

function chainOf(comets: CometConfig[]): ChainRuntime {
  return {
    key: 'local',
    chainId: 31337,
    rpcUrls: [],
    multicall3: CANONICAL_MULTICALL3,
    aaveMarkets: [],
    usdPriceOracle: null,
    morphoBlue: null,
    comets,
    gmxV2: [],
  }
}

async function read(user: string, block: number) {
  const { client, stats } = replayClient(rec!)
  const report = await readWallet({
    client,
    chain: chainOf(configs(rec!)),
    user: getAddress(user) as Address,
    blockNumber: BigInt(block),
    adapters: [compoundV3Adapter],
  })
  return { report, stats }
}

function okRows(report: Awaited<ReturnType<typeof read>>['report']): Position[] {
  return report.positions.map((p) => {
    if (p.status !== 'ok') throw new Error(`${p.code}: ${p.reason}`)
    return p
  })
}

const LABELS = ['B1', 'B2', 'B3pre', 'B3', 'B4']

describe.skipIf(!rec)('Comet replayed (compound-finance/comet d5a30b0a)', () => {
  beforeEach(() => clearLearnedCometHints())

  for (const label of LABELS) {
    it(`${label}: every user of both markets equals the recorded values`, async () => {
      const expected = rec!.expected.positions[label]!
      const block = expected.block
      let checked = 0
      for (const [userLabel, address] of Object.entries(rec!.users)) {
        const rows = okRows((await read(address, block)).report)
        for (const [marketKey, market] of Object.entries(rec!.markets)) {
          const e = (expected[marketKey] as Record<string, ExpectedPosition>)[userLabel]
          const row = rows.find((p) => p.market === `compound-v3-replay-${marketKey}`)
          if (!e || e.empty) {
            expect(row, `${userLabel} in ${marketKey}`).toBeUndefined()
            continue
          }
          expect(row, `${userLabel} in ${marketKey}`).toBeDefined()
          const d = row!.details
          const debt = row!.legs.find((l) => l.side === 'debt')?.amount ?? 0n
          const supplied =
            row!.legs.find((l) => l.side === 'collateral' && l.asset.address === getAddress(market.baseToken))
              ?.amount ?? 0n
          expect({
            principal: d.principal,
            borrowBalanceOf: debt.toString(),
            balanceOf: supplied.toString(),
            isLiquidatable: d.liquidatable,
            isBorrowCollateralized: d.borrowCollateralized,
          }).toEqual({
            principal: e.principal,
            borrowBalanceOf: e.borrowBalanceOf,
            balanceOf: e.balanceOf,
            isLiquidatable: e.isLiquidatable,
            isBorrowCollateralized: e.isBorrowCollateralized,
          })
          if (BigInt(e.principal) < 0n) {
            expect(row!.healthFactorWad?.toString()).toBe(e.liquidationHealth1e18)
            expect(d.accruedHealthFactorWad).toBe(e.liquidationHealthAccrued1e18)
            expect(d.accruedBasis).toMatch(/accrued to the block timestamp/)
          }
          checked++
        }
      }
      expect(checked).toBeGreaterThan(0)
    })
  }

  it('B2 staleIndexWindow: stored-index view not liquidatable, absorb would be: both served, with a warning', async () => {
    const b2 = rec!.expected.positions.B2!.block
    const [p] = okRows((await read(rec!.users.staleIndexWindow!, b2)).report)
    expect(p!.details.liquidatable).toBe(false)
    expect(p!.healthFactor!).toBeGreaterThanOrEqual(1)
    expect(p!.details.accruedLiquidatable).toBe(true)
    expect(p!.details.accruedHealthFactor as number).toBeLessThan(1)
    expect((p!.details.warnings as string[]).join()).toMatch(
      /absorb accrues first and would find the account liquidatable/,
    )
  })

  it('every served liquidation price lies inside the recorded isLiquidatable flip bracket (B1 and B2)', async () => {
    const flips = rec!.flips.filter((f) => f.check === 'isLiquidatable')
    for (const flip of flips) {
      const rows = okRows((await read(flip.user, flip.block)).report)
      const row = rows.find((p) => p.market === `compound-v3-replay-${flip.market}`)!
      const served = (row.details.liquidationPricesRaw as Record<string, string | null>)[
        getAddress(flip.asset)
      ]
      const [lo, hi] = [BigInt(flip.liquidatableAt), BigInt(flip.healthyAt)].sort((a, b) => (a < b ? -1 : 1))
      expect(served, `${flip.block} ${flip.userLabel} ${flip.market}`).not.toBeNull()
      expect(
        BigInt(served!) >= lo! && BigInt(served!) <= hi!,
        `${flip.userLabel}: ${served} in [${lo}, ${hi}]`,
      ).toBe(true)
    }
    expect(flips.length).toBeGreaterThan(0)
  })

  it('a Comet wallet is one round trip once the asset list is known', async () => {
    const b1 = rec!.expected.positions.B1!.block
    await read(rec!.users.borrowerWethWbtc!, b1)
    const { stats } = await read(rec!.users.borrowerWethWbtc!, b1)
    expect(stats.requests.eth_call).toBe(1)
  })
})
