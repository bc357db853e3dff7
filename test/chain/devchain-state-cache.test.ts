/**
 * The devchain state cache (`startDevchain({ stateCache })`): the first start deploys, seeds and
 * dumps; the second loads the dump and is the same chain: same latest block hash (so the same
 * state root and history), same logs, the same manifest (but its start time), and its clock resumes
 * at the last seeded block.
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { devchainClients, startDevchain } from '../../src/devchain/devchain.js'

const dir = mkdtempSync(join(tmpdir(), 'stacklens-state-cache-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

async function startAndRead() {
  const lines: string[] = []
  const dc = await startDevchain({
    manifestPath: null,
    population: 40,
    stateCache: dir,
    progress: (m) => lines.push(m),
  })
  try {
    const c = devchainClients(dc.rpcUrl)
    const latest = await c.public.getBlock({ blockTag: 'latest' })
    const pop = dc.manifest.population!
    const logs = await c.public.getLogs({ fromBlock: BigInt(pop.fromBlock), toBlock: BigInt(pop.toBlock) })
    const hash = await c.wallet.sendTransaction({
      account: dc.manifest.admin.address as `0x${string}`,
      chain: null,
      to: dc.manifest.admin.address as `0x${string}`,
      value: 0n,
    })
    const receipt = await c.public.waitForTransactionReceipt({ hash, pollingInterval: 10 })
    const next = await c.public.getBlock({ blockNumber: receipt.blockNumber })
    const { startedAt: _, rpcUrl, ...manifest } = dc.manifest
    return { lines, latest, logs: logs.length, next, manifest, rpcUrl }
  } finally {
    await dc.stop()
  }
}

describe('devchain state cache', () => {
  it('a second start loads the first one’s deployment: the same chain, state and manifest', async () => {
    const first = await startAndRead()
    expect(first.lines.some((l) => l.startsWith('cached the deployment'))).toBe(true)
    expect(readdirSync(dir).filter((f) => f.startsWith('devchain-state-')).length).toBe(2)
    const second = await startAndRead()
    expect(second.lines.some((l) => l.includes('from the cached deployment'))).toBe(true)
    expect(second.lines.some((l) => l.startsWith('deploying'))).toBe(false)
    expect(second.latest.hash).toBe(first.latest.hash)
    expect(second.latest.stateRoot).toBe(first.latest.stateRoot)
    expect(second.logs).toBe(first.logs)
    expect(second.logs).toBeGreaterThan(40)
    expect(JSON.parse(JSON.stringify(second.manifest).replaceAll(second.rpcUrl, first.rpcUrl))).toEqual(
      first.manifest,
    )
    // The clock resumes at the last seeded block (not at the wall clock): a few seconds at most.
    expect(Number(second.next.timestamp - second.latest.timestamp)).toBeLessThan(30)
  }, 120_000)
})
