/**
 * `stacklens devchain price <symbol> <usd>` against a devchain (its manifest written to a temp file
 * as STACKLENS_MANIFEST), in process: the token's SettablePriceFeed answers the exact 8-decimal
 * integer of the given price after the command (read back on chain), signed with the manifest's
 * admin key; bad symbols, prices and a missing manifest exit 2 naming the problem.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Address } from 'viem'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runCli } from '../../src/cli/run-cli.js'
import { settablePriceFeedAbi } from '../../src/devchain/contracts/SettablePriceFeed.artifact.js'
import { startTestDevchain, type TestDevchain } from '../helpers/devchain.js'

let t: TestDevchain
let dir: string
let manifestPath: string

beforeAll(async () => {
  t = await startTestDevchain()
  dir = mkdtempSync(join(tmpdir(), 'stacklens-cli-price-'))
  manifestPath = join(dir, 'devchain.json')
  writeFileSync(manifestPath, JSON.stringify(t.manifest))
}, 180_000)
afterAll(async () => {
  if (dir) rmSync(dir, { recursive: true, force: true })
  await t?.devchain.stop()
})

async function stacklens(args: string[], manifest = manifestPath) {
  let stdout = ''
  let stderr = ''
  const code = await runCli(args, {
    env: { STACKLENS_MANIFEST: manifest },
    out: (line) => {
      stdout += `${line}\n`
    },
    err: (text) => {
      stderr += text
    },
    color: false,
  })
  return { code, stdout, stderr }
}

describe('stacklens devchain price', () => {
  it("sets the feed's answer exactly (8 decimals) and says from what to what", async () => {
    const weth = t.manifest.tokens.find((x) => x.symbol === 'WETH')!
    const feed = weth.priceFeed.address as Address
    await t.isolated(async () => {
      const before = await t.client.readContract({
        address: feed,
        abi: settablePriceFeedAbi,
        functionName: 'latestAnswer',
      })
      // The manifest's initial price (3,000 USD) at 8 decimals.
      expect(before).toBe(BigInt(weth.priceFeed.initialPriceUsd) * 10n ** 8n)
      const r = await stacklens(['devchain', 'price', 'weth', '2280.12345678'])
      expect(r.code, r.stderr).toBe(0)
      expect(r.stdout).toMatch(
        new RegExp(`^WETH 3,000 -> 2,280\\.12345678 USD \\(feed ${feed.toLowerCase()}, block \\d+\\)\\n$`),
      )
      const after = await t.client.readContract({
        address: feed,
        abi: settablePriceFeedAbi,
        functionName: 'latestAnswer',
      })
      expect(after).toBe(228_012_345_678n)
    })
  })

  it.each([
    [['DOGE', '1'], 'no devchain token "DOGE" (the manifest has'],
    [['WETH', '--', '-5'], 'the price must be a positive USD amount'],
    [['WETH', '0'], 'the price must be a positive USD amount'],
    [['WETH', '1e3'], 'the price must be a positive USD amount'],
    [['WETH', '1.123456789'], "more than the feed's 8 decimals"],
    [['WETH'], 'devchain price takes a token symbol and a USD price'],
  ])('bad input %j exits 2', async (args, message) => {
    const r = await stacklens(['devchain', 'price', ...args])
    expect(r.code).toBe(2)
    expect(r.stderr).toContain(message)
    expect(r.stdout).toBe('')
  })

  it('without a manifest: DEVCHAIN_NOT_RUNNING, exit 2, pointing to npm run devchain', async () => {
    const r = await stacklens(['devchain', 'price', 'WETH', '2000'], join(dir, 'missing.json'))
    expect(r.code).toBe(2)
    expect(r.stderr).toContain('npm run devchain')
  })
})
