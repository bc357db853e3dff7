/**
 * src/protocols/gmx-v2/runtime-deployments.json (what the adapter bundles) is exactly what
 * scripts/gmx-runtime-deployments.ts derives from deployments.json (GMX's records), and
 * GMX_V2_DEPLOYMENTS still carries every Reader, token and address of the full record.
 */
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { FULL_PATH, RUNTIME_PATH, runtimeDeployments } from '../../../../scripts/gmx-runtime-deployments.js'
import { GMX_V2_DEPLOYMENTS, GMX_V2_SOURCE, readerLayout } from '../../../../src/protocols/gmx-v2/markets.js'

const fullText = readFileSync(FULL_PATH, 'utf8')
const full = JSON.parse(fullText) as {
  source: unknown
  networks: Record<
    string,
    {
      dataStore: { address: string }
      referralStorage: string
      readers: {
        address: string
        fromBlock: number
        positionNumbers: string[] | null
        isPositionLiquidatableArgs: number | null
      }[]
      tokens: {
        symbol: string
        address: string
        decimals: number
        synthetic?: boolean
        oracleFeedId?: string
      }[]
    }
  >
}

describe('GMX v2 runtime deployments', () => {
  it('equal their regeneration from deployments.json (npx tsx scripts/gmx-runtime-deployments.ts)', () => {
    expect(readFileSync(RUNTIME_PATH, 'utf8')).toBe(runtimeDeployments(fullText))
  })

  it('GMX_V2_DEPLOYMENTS carries the full record: addresses, every Reader with its layout, every token', () => {
    expect(GMX_V2_SOURCE).toEqual(full.source)
    expect(GMX_V2_DEPLOYMENTS.map((d) => d.chain)).toEqual(Object.keys(full.networks))
    for (const d of GMX_V2_DEPLOYMENTS) {
      const f = full.networks[d.chain]!
      expect(d.dataStore).toBe(f.dataStore.address)
      expect(d.referralStorage).toBe(f.referralStorage)
      expect(d.readers).toEqual(
        f.readers.map((r) => ({
          address: r.address,
          fromBlock: BigInt(r.fromBlock),
          layout: readerLayout(r.positionNumbers, r.isPositionLiquidatableArgs),
        })),
      )
      expect(d.reader).toBe(f.readers[0]!.address)
      expect(d.tokens).toEqual(
        f.tokens.map((t) => ({
          address: t.address,
          symbol: t.symbol,
          decimals: t.decimals,
          ...(t.synthetic ? { synthetic: true } : {}),
          ...(t.oracleFeedId ? { oracleFeedId: t.oracleFeedId } : {}),
        })),
      )
    }
  })
})
