/**
 * Writes src/protocols/gmx-v2/runtime-deployments.json, the part of deployments.json (GMX's own
 * records, written by scripts/gmx-deployments.ts) the adapter reads at run time: per network the
 * DataStore and ReferralStorage addresses, every Reader with its first block and its layout
 * (`readerLayout` of its recorded ABI shape, instead of the shape itself), every token (symbol,
 * address, decimals, synthetic, oracle feed id), and the source. The full record stays the
 * reference; the Worker bundles only this.
 *
 * test/unit/protocols/gmx-v2/runtime-deployments.test.ts requires the committed file to equal a
 * regeneration, so a new deployments.json cannot ship without it.
 *
 * Usage: npx tsx scripts/gmx-runtime-deployments.ts
 */
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { readerLayout } from '../src/protocols/gmx-v2/markets.js'

const DIR = join(fileURLToPath(new URL('.', import.meta.url)), '..', 'src', 'protocols', 'gmx-v2')
export const FULL_PATH = join(DIR, 'deployments.json')
export const RUNTIME_PATH = join(DIR, 'runtime-deployments.json')

interface FullNetwork {
  dataStore: { address: string }
  referralStorage: string
  readers: {
    address: string
    fromBlock: number
    positionNumbers: string[] | null
    isPositionLiquidatableArgs: number | null
  }[]
  tokens: { symbol: string; address: string; decimals: number; synthetic?: boolean; oracleFeedId?: string }[]
}

/** The runtime file's text from deployments.json's text. */
export function runtimeDeployments(fullJson: string): string {
  const full = JSON.parse(fullJson) as { source: unknown; networks: Record<string, FullNetwork> }
  const networks = Object.fromEntries(
    Object.entries(full.networks).map(([net, d]) => [
      net,
      {
        dataStore: d.dataStore.address,
        referralStorage: d.referralStorage,
        readers: d.readers.map((r) => ({
          address: r.address,
          fromBlock: r.fromBlock,
          layout: readerLayout(r.positionNumbers, r.isPositionLiquidatableArgs),
        })),
        tokens: d.tokens.map((t) => ({
          symbol: t.symbol,
          address: t.address,
          decimals: t.decimals,
          ...(t.synthetic ? { synthetic: true } : {}),
          ...(t.oracleFeedId ? { oracleFeedId: t.oracleFeedId } : {}),
        })),
      },
    ]),
  )
  return `${JSON.stringify({ source: full.source, networks }, null, 2)}\n`
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  writeFileSync(RUNTIME_PATH, runtimeDeployments(readFileSync(FULL_PATH, 'utf8')))
  console.log(`wrote ${RUNTIME_PATH}`)
}
