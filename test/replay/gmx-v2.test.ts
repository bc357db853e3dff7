/**
 * The GMX v2 adapter against the REAL current Reader: replayed answers of gmx-synthetics a5c0c883
 * (the Reader and its 15 libraries byte-identical to the live Arbitrum Reader 0x470fbC46…0789),
 * from ../shared/protocols/gmx-synthetics/recordings/gmx-synthetics-a5c0c883.json through the
 * replay transport (test/support/replay.ts: anything unrecorded is an error). GMX's prices are
 * Reader arguments: the recording's `tickers` of each block are served to the adapter's price
 * fetch by an injected fetch.
 *
 * Vectors, all from that recording: every position of `expected[block].users` at B1 (431) and B2
 * (436, 30 days later, nothing written): size, collateral, pending impact, pnl, pending and stored
 * fees, remaining collateral and the keeper verdict (forLiquidation = true) equal the recorded
 * ones; every served liquidation price lies inside the recorded `flips` bracket (one contract
 * price unit wide); a lending-free GMX wallet costs two sequential round trips including discovery.
 * Skipped, with a message, when ../shared is absent.
 */
import { type Address, getAddress } from 'viem'
import { describe, expect, it } from 'vitest'
import type { Position, PositionResult } from '../../src/core/types.js'
import type { GmxV2Config } from '../../src/protocols/gmx-v2/markets.js'
import { createGmxV2Adapter } from '../../src/protocols/gmx-v2/read.js'
import { readWallet } from '../../src/protocols/read-wallet.js'
import { gmxReplayChain, gmxReplayConfig } from '../support/gmx-replay.js'
import { loadRecording, type Recording, replayClient } from '../support/replay.js'

interface GmxRecording extends Recording {
  contracts: Record<string, string>
  tokens: Record<string, { address: string; decimals: number; symbol: string; synthetic?: boolean }>
  users: Record<string, string>
  tickers: { block: number; payload: unknown[] }[]
  expected: Record<string, { users: Record<string, { positions: ExpectedPosition[] }> }>
  flips: {
    block: number
    user: string
    position: string
    positionKey: string
    healthyAt: string
    liquidatableAt: string
    direction: string
  }[]
}
interface ExpectedPosition {
  id: string
  key: string
  sizeInUsd: string
  sizeInTokens: string
  collateralAmount: string
  pendingImpactAmount: string
  collateralUsd: string
  pnl: { basePnlUsd: string; uncappedBasePnlUsd: string; pnlAfterPriceImpactUsd: string }
  priceImpact: { priceImpactUsd: string; proportionalPendingImpactUsd: string; totalImpactUsd: string }
  fees: Record<string, string>
  liquidation: { forLiquidation: { liquidatable: boolean; reason: string; remainingCollateralUsd: string } }
}

const FILE = 'gmx-synthetics-a5c0c883.json'
const rec = loadRecording<GmxRecording>('gmx-synthetics', FILE)
if (!rec)
  console.warn(
    `[replay] ../shared/protocols/gmx-synthetics/recordings/${FILE} is absent: GMX replay tests SKIPPED`,
  )

const B1 = 431
const B2 = 436

/** Reads `user` at `block` with that block's tickers; counts eth_calls and ticker GETs in order. */
async function read(user: string, block: number, configOver: Partial<GmxV2Config> = {}) {
  const r = rec!
  const order: string[] = []
  const { client } = replayClient(r, { onRequest: (m) => order.push(m) })
  const payload = r.tickers.find((t) => t.block === block)!.payload
  const fetchFn = (async () => {
    order.push('tickers')
    return new Response(JSON.stringify(payload), { status: 200 })
  }) as typeof fetch
  const config = { ...gmxReplayConfig(r), ...configOver }
  const report = await readWallet({
    client,
    chain: gmxReplayChain(config),
    user: getAddress(user) as Address,
    blockNumber: BigInt(block),
    adapters: [createGmxV2Adapter({ fetchFn })],
  })
  return { report, order }
}

function ok(rows: PositionResult[]): Position[] {
  return rows.map((p) => {
    if (p.status !== 'ok') throw new Error(`${p.code}: ${p.reason}`)
    return p
  })
}

describe.skipIf(!rec)('GMX v2.2 Reader replayed (gmx-synthetics a5c0c883)', () => {
  for (const block of [B1, B2]) {
    for (const [label, address] of Object.entries(rec?.users ?? {})) {
      it(`block ${block}, ${label}: every position equals the recorded values`, async () => {
        const expected = rec!.expected[String(block)]!.users[label]?.positions ?? []
        const { report } = await read(address, block)
        const rows = ok(report.positions)
        expect(rows.map((p) => p.details.positionKey)).toEqual(expected.map((e) => e.key))
        for (const [i, e] of expected.entries()) {
          const d = rows[i]!.details as Record<string, unknown>
          const fees = d.fees as { pending: Record<string, string>; stored: Record<string, string> }
          expect({
            sizeInUsd: d.sizeInUsd,
            sizeInTokens: d.sizeInTokens,
            collateralAmount: d.collateralAmount,
            pendingImpactAmount: d.pendingImpactAmount,
            collateralUsd: d.collateralUsdRaw,
            pnl: d.pnl,
            closeImpactUsd: (d.priceImpact as Record<string, string>).closeImpactUsd,
            totalImpactUsd: (d.priceImpact as Record<string, string>).totalImpactUsd,
            positionFeeAmount: fees.pending.positionFeeAmount,
            totalDiscountAmount: fees.pending.totalDiscountAmount,
            borrowingFeeUsd: fees.pending.borrowingFeeUsd,
            borrowingFeeAmount: fees.pending.borrowingFeeAmount,
            fundingFeeAmount: fees.pending.fundingFeeAmount,
            totalCostAmount: fees.pending.totalCostAmount,
            storedBorrowingFeeUsd: fees.stored.borrowingFeeUsd,
            storedFundingFeeAmount: fees.stored.fundingFeeAmount,
            remainingCollateralUsd: d.remainingCollateralUsdRaw,
            liquidatable: d.liquidatable,
            reason: d.liquidationReason ?? '',
          }).toEqual({
            sizeInUsd: e.sizeInUsd,
            sizeInTokens: e.sizeInTokens,
            collateralAmount: e.collateralAmount,
            pendingImpactAmount: e.pendingImpactAmount,
            collateralUsd: e.collateralUsd,
            pnl: {
              basePnlUsd: e.pnl.basePnlUsd,
              uncappedBasePnlUsd: e.pnl.uncappedBasePnlUsd,
              pnlAfterPriceImpactUsd: e.pnl.pnlAfterPriceImpactUsd,
            },
            closeImpactUsd: e.priceImpact.priceImpactUsd,
            totalImpactUsd: e.priceImpact.totalImpactUsd,
            positionFeeAmount: e.fees.positionFeeAmount,
            totalDiscountAmount: e.fees.totalDiscountAmount,
            borrowingFeeUsd: e.fees.borrowingFeeUsd,
            borrowingFeeAmount: e.fees.borrowingFeeAmount,
            fundingFeeAmount: e.fees.fundingFeeAmount,
            totalCostAmount: e.fees.totalCostAmount,
            storedBorrowingFeeUsd: e.fees.storedBorrowingFeeUsd,
            storedFundingFeeAmount: e.fees.storedFundingFeeAmount,
            remainingCollateralUsd: e.liquidation.forLiquidation.remainingCollateralUsd,
            liquidatable: e.liquidation.forLiquidation.liquidatable,
            reason: e.liquidation.forLiquidation.reason,
          })
          // The exact model reproduced the Reader's remaining collateral to the unit.
          expect(d.modelCheck).toBe('exact')
        }
      })
    }
  }

  it('every served liquidation price lies inside the recorded flip bracket (B1 and B2)', async () => {
    const results: string[] = []
    for (const flip of rec!.flips) {
      const { report } = await read(rec!.users[flip.user]!, flip.block)
      const row = ok(report.positions).find((p) => p.details.positionKey === flip.positionKey)!
      const served = BigInt(row.details.liquidationPriceRaw as string)
      const [lo, hi] = [BigInt(flip.healthyAt), BigInt(flip.liquidatableAt)].sort((a, b) => (a < b ? -1 : 1))
      results.push(`${flip.block} ${flip.position}: ${served} in [${lo}, ${hi}]`)
      expect(served >= lo! && served <= hi!, results.at(-1)).toBe(true)
      // Exactly the last healthy price: the served boundary is GMX's own, to the unit.
      expect(served).toBe(BigInt(flip.healthyAt))
      expect(row.details.liquidationDirection).toBe(flip.direction.includes('below') ? 'below' : 'above')
    }
    expect(results).toHaveLength(14)
  })

  it('WBTC collateral on the synthetic-BTC market follows the BTC price (P3)', async () => {
    const { report } = await read(rec!.users.alice!, B1)
    const p3 = ok(report.positions).find(
      (p) => p.details.collateralToken === getAddress(rec!.tokens.WBTC!.address),
    )!
    expect(p3.details.collateralFollowsIndex).toBe(true)
    expect(p3.liquidationPrices[0]!.symbol).toBe('BTC')
  })

  it('two sequential round trips: tickers || discovery aggregate3, then one batch (no follow-up)', async () => {
    const { report, order } = await read(rec!.users.alice!, B1)
    expect(ok(report.positions)).toHaveLength(3)
    expect(order.filter((m) => m === 'eth_call')).toHaveLength(2)
    expect(order.filter((m) => m === 'tickers')).toHaveLength(1)
  })

  it('a position whose token is unknown is flagged alone; the others are served', async () => {
    const config = gmxReplayConfig(rec!)
    const sol = getAddress(rec!.tokens.SOL!.address)
    const { report } = await read(rec!.users.bob!, B1, {
      tokens: config.tokens.filter((t) => t.address !== sol),
    })
    expect(report.positions.map((p) => [p.status, p.status === 'unavailable' ? p.code : ''])).toEqual([
      ['unavailable', 'PRICE_UNAVAILABLE'],
      ['ok', ''],
    ])
  })

  it('a pinned block says that GMX oracle prices are current', async () => {
    const { report } = await read(rec!.users.carol!, B1)
    const p = ok(report.positions)[0]!
    expect(p.details.pricesAtBlock).toBe(false)
    expect((p.details.warnings as string[]).join()).toMatch(/CURRENT oracle tickers, not prices at block 431/)
  })
})
