/**
 * The committed devchain artifacts (src/devchain/contracts/*.artifact.ts) are what a fresh solc
 * 0.8.19 compile of the `.sol` files beside them produces, headers included (each names the real
 * source that declares the contract). The same check as `npx tsx scripts/build-contracts.ts
 * --check`, run here so that CI (`npm test`) runs it: in process, in parallel with the other test
 * files, instead of one more serial tsx step in the `test` script. On failure, regenerate with
 * `npx tsx scripts/build-contracts.ts`.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { staleArtifacts } from '../../src/devchain/compile.js'

const DIR = fileURLToPath(new URL('../../src/devchain/contracts/', import.meta.url))

describe('devchain artifacts', () => {
  it('every header names a .sol file that exists', () => {
    const artifacts = readdirSync(DIR).filter((f) => f.endsWith('.artifact.ts'))
    expect(artifacts.length).toBeGreaterThan(0)
    for (const file of artifacts) {
      const header = readFileSync(join(DIR, file), 'utf8').split('\n', 1)[0] ?? ''
      const source = /from (\S+\.sol) /.exec(header)?.[1]
      expect(source, `${file}: ${header}`).toBeDefined()
      expect(existsSync(join(DIR, source as string)), `${file} cites ${source}`).toBe(true)
    }
  })

  it('match a fresh compile (scripts/build-contracts.ts --check)', { timeout: 180_000 }, () => {
    expect(staleArtifacts(DIR).map((s) => s.path)).toEqual([])
  })
})
