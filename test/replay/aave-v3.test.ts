/**
 * The Aave v3 adapter on what real v3.3.0, v3.5.0 and v3.7 deployments answered
 * (../shared/protocols/aave-v3-origin/recordings/v3.3.0.json, v3.5.0.json, v3.7.0.json; facts in
 * ../FACTS.md), replayed through the replay transport (test/support/replay.ts: anything not
 * recorded is an error) and read through the wallet-report path (`readWallet`, Aave adapter only).
 *
 * For every recording, every recorded user at every recorded block (B1, F1/F2 for their two users,
 * B2 = B1 + 30 days, B3 = after a real liquidationCall): the served health factor equals the
 * recorded `expected.getUserAccountData` HF to the wei, and totals / LT / LTV equal the recorded
 * ones (the adapter itself refuses any 1-wei difference of its recomputation); every served
 * liquidation price is the recorded flip's healthy side (`flips`: healthyAt / liquidatableAt,
 * 1e-8 USD, found by bisection on the real contract); pairs without a boundary
 * (`flipsWithoutBoundary`) are served without a price. Skipped when ../shared is absent.
 */
import { describe, expect, it } from 'vitest'
import type { Address } from '../../src/core/address.js'
import { MAX_UINT256 } from '../../src/core/math.js'
import type { Position, PositionResult } from '../../src/core/types.js'
import { aaveV3Adapter } from '../../src/protocols/aave-v3/index.js'
import { readWallet } from '../../src/protocols/read-wallet.js'
import type { ChainRuntime } from '../../src/protocols/types.js'
import { CANONICAL_MULTICALL3, loadRecording, type Recording, replayClient } from '../support/replay.js'

interface AccountDataRecord {
  totalCollateralBase: string
  totalDebtBase: string
  availableBorrowsBase: string
  currentLiquidationThreshold: string
  ltv: string
  healthFactor: string
  liquidatable: boolean
  eMode: number
}

interface FlipRecord {
  block: number
  user: string
  label: string
  asset: string
  symbol: string
  healthyAt: string
  liquidatableAt: string
}

interface AaveRecording extends Recording {
  poolRevision: number
  contracts: Record<string, string>
  users: Record<string, string>
  blocks: { number: number; timestamp: number; note: string }[]
  expected: {
    getUserAccountData: Record<string, Record<string, AccountDataRecord>>
    liquidations: {
      block: number
      label: string
      user: string
      healthFactorBefore: string
      healthFactorAfter: string
    }[]
  }
  flips: FlipRecord[]
  flipsWithoutBoundary: { block: number; label: string; asset: string; symbol: string }[]
}

const FILES = [
  { file: 'v3.3.0.json', version: 'v3.3' },
  { file: 'v3.5.0.json', version: 'v3.5' },
  { file: 'v3.7.0.json', version: 'v3.7' },
] as const

/** The recorded market as a chain runtime of chain id 31337 (shaped as config.ts shapes chains). */
function replayChain(rec: AaveRecording, id: string): ChainRuntime {
  const c = rec.contracts
  return {
    key: 'local',
    chainId: rec.chainId,
    rpcUrls: [],
    multicall3: (rec.multicall3 ?? CANONICAL_MULTICALL3) as Address,
    aaveMarkets: [
      {
        id,
        protocol: 'aave-v3',
        name: `Aave ${rec.version} (recording)`,
        chain: 'local',
        poolAddressesProvider: c.PoolAddressesProvider as Address,
        pool: c.Pool as Address,
        uiPoolDataProvider: c.UiPoolDataProviderV3 as Address,
      },
    ],
    usdPriceOracle: c.AaveOracle as Address,
    morphoBlue: null,
    comets: [],
    gmxV2: [],
  }
}

const blockLabel = (rec: AaveRecording, n: number) =>
  rec.blocks.find((b) => b.number === n)!.note.split(':')[0]

for (const { file, version } of FILES) {
  const rec = loadRecording<AaveRecording>('aave-v3-origin', file)
  describe.skipIf(!rec)(
    `Aave ${version} replayed (${file}; needs ../shared/protocols, skipped when absent)`,
    () => {
      const marketId = `aave-v3-replay-${version}`
      const chain = rec ? replayChain(rec, marketId) : (undefined as never)
      const read = async (user: string, block: number): Promise<PositionResult[]> => {
        const { client } = replayClient(rec!)
        const report = await readWallet({
          client,
          chain,
          user: user as Address,
          blockNumber: BigInt(block),
          adapters: [aaveV3Adapter],
        })
        expect(report.blockNumber).toBe(BigInt(block))
        return report.positions
      }
      const cases = rec
        ? Object.entries(rec.expected.getUserAccountData).flatMap(([block, users]) =>
            Object.entries(users).map(([label, expected]) => ({ block: Number(block), label, expected })),
          )
        : []

      it(`records ${version} (POOL_REVISION ${rec?.poolRevision}) with users at B1, F1, F2, B2 and B3`, () => {
        expect(new Set(cases.map((c) => c.block)).size).toBe(5)
        expect(cases.length).toBeGreaterThanOrEqual(37)
      })

      for (const { block, label, expected } of cases) {
        it(`${file} block ${block} (${rec ? blockLabel(rec, block) : ''}) ${label}: served HF, totals, LT and LTV equal getUserAccountData to the wei; liquidation prices inside the recorded flips`, async () => {
          const user = rec!.users[label]!
          const positions = await read(user, block)
          expect(positions.filter((p) => p.status === 'unavailable')).toEqual([])
          const noPosition = expected.totalCollateralBase === '0' && expected.totalDebtBase === '0'
          if (noPosition) {
            expect(positions).toEqual([])
            return
          }
          expect(positions).toHaveLength(1)
          const p = positions[0] as Position
          expect(p.status).toBe('ok')
          expect(p.details.version).toBe(version)
          const hf = BigInt(expected.healthFactor)
          if (hf === MAX_UINT256) expect(p.healthFactorWad).toBeNull()
          else expect(p.healthFactorWad).toBe(hf)
          expect(p.details.totalCollateralBase).toBe(expected.totalCollateralBase)
          expect(p.details.totalDebtBase).toBe(expected.totalDebtBase)
          expect(p.details.currentLiquidationThresholdBps).toBe(Number(expected.currentLiquidationThreshold))
          expect(p.details.ltvBps).toBe(Number(expected.ltv))
          expect(p.details.userEModeCategoryId).toBe(expected.eMode)

          const served = new Map(p.liquidationPrices.map((l) => [(l.asset ?? '').toLowerCase(), l]))
          for (const flip of rec!.flips.filter((f) => f.block === block && f.label === label)) {
            const lp = served.get(flip.asset.toLowerCase())
            expect(lp, `${flip.symbol} liquidation price`).toBeDefined()
            const a = Number(flip.healthyAt) / 1e8
            const b = Number(flip.liquidatableAt) / 1e8
            expect(lp!.price, `${flip.symbol}`).not.toBeNull()
            expect(lp!.price!).toBeGreaterThanOrEqual(Math.min(a, b))
            expect(lp!.price!).toBeLessThanOrEqual(Math.max(a, b))
            // exactly the healthy side of the boundary, in the oracle's integer unit
            expect(Math.round(lp!.price! * 1e8)).toBe(Number(flip.healthyAt))
          }
          for (const none of rec!.flipsWithoutBoundary.filter(
            (f) => f.block === block && f.label === label,
          )) {
            expect(
              served.get(none.asset.toLowerCase())?.price ?? null,
              `${none.symbol} has no boundary`,
            ).toBeNull()
          }
        })
      }

      it(`${file} B3: the liquidated user reads with the recorded HF before (B2) and after the liquidationCall`, async () => {
        for (const liq of rec!.expected.liquidations) {
          const before = rec!.blocks.filter((b) => b.number < liq.block).at(-1)!.number
          const [pBefore] = (await read(liq.user, before)) as Position[]
          expect(pBefore!.healthFactorWad).toBe(BigInt(liq.healthFactorBefore))
          expect(pBefore!.healthFactorWad! < 10n ** 18n).toBe(true)
          const [pAfter] = (await read(liq.user, liq.block)) as Position[]
          expect(pAfter!.status).toBe('ok')
          expect(pAfter!.healthFactorWad).toBe(BigInt(liq.healthFactorAfter))
        }
      })
    },
  )
}
