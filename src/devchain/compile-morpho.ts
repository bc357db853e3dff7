import { createHash } from 'node:crypto'
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join, resolve } from 'node:path'
import type { Abi, Hex } from 'viem'

/** Compiled Morpho Blue contracts the devchain deploys. */
export interface MorphoArtifacts {
  Morpho: { abi: Abi; bytecode: Hex }
  IrmMock: { abi: Abi; bytecode: Hex }
}

const require = createRequire(import.meta.url)

/** Where compiled Morpho bytecode is cached (not committed: it is Morpho's code, built here). */
export const MORPHO_CACHE_DIR = '.stacklens/cache'

/**
 * Compiles Morpho Blue (Morpho.sol and its IrmMock) from the `@morpho-org/morpho-blue` 1.0.0
 * sources with solc-js 0.8.19 (legacy pipeline, optimizer on, 999,999 runs, evmVersion paris),
 * caching the output under .stacklens/cache keyed by a hash of the sources and settings. A cold
 * compile takes a few seconds; a warm start reads the cache.
 */
export function compileMorpho(cacheDir = MORPHO_CACHE_DIR): MorphoArtifacts {
  const memo = memoByDir.get(cacheDir)
  if (memo) return memo
  const artifacts = compileMorphoUncached(cacheDir)
  memoByDir.set(cacheDir, artifacts)
  return artifacts
}

const memoByDir = new Map<string, MorphoArtifacts>()

function compileMorphoUncached(cacheDir: string): MorphoArtifacts {
  const root = join(dirname(require.resolve('@morpho-org/morpho-blue/package.json')), 'src')
  const entries = ['Morpho.sol', 'mocks/IrmMock.sol']
  const sources: Record<string, { content: string }> = {}
  const load = (rel: string) => {
    if (sources[rel]) return
    const content = readFileSync(join(root, rel), 'utf8')
    sources[rel] = { content }
    for (const m of content.matchAll(/import\s+(?:{[^}]*}\s+from\s+)?"([^"]+)"/g)) {
      load(resolve('/', dirname(rel), m[1]!).slice(1))
    }
  }
  for (const e of entries) load(e)
  const settings = {
    optimizer: { enabled: true, runs: 999_999 },
    evmVersion: 'paris',
    outputSelection: { '*': { '*': ['abi', 'evm.bytecode.object'] } },
  }
  const key = createHash('sha256')
    .update(JSON.stringify({ sources, settings, solc: '0.8.19' }))
    .digest('hex')
    .slice(0, 16)
  const cachePath = join(cacheDir, `morpho-blue-${key}.json`)
  if (existsSync(cachePath)) return JSON.parse(readFileSync(cachePath, 'utf8')) as MorphoArtifacts
  const solc = require('solc') as { compile(input: string): string }
  const output = JSON.parse(solc.compile(JSON.stringify({ language: 'Solidity', sources, settings }))) as {
    errors?: { severity: string; formattedMessage: string }[]
    contracts: Record<string, Record<string, { abi: Abi; evm: { bytecode: { object: string } } }>>
  }
  const errors = (output.errors ?? []).filter((e) => e.severity === 'error')
  if (errors.length > 0)
    throw new Error(`solc (Morpho Blue): ${errors.map((e) => e.formattedMessage).join('\n')}`)
  const pick = (file: string, name: string) => {
    const c = output.contracts[file]?.[name]
    if (!c) throw new Error(`solc output lacks ${file}:${name}`)
    return { abi: c.abi, bytecode: `0x${c.evm.bytecode.object}` as Hex }
  }
  const artifacts: MorphoArtifacts = {
    Morpho: pick('Morpho.sol', 'Morpho'),
    IrmMock: pick('mocks/IrmMock.sol', 'IrmMock'),
  }
  mkdirSync(cacheDir, { recursive: true })
  const tmp = `${cachePath}.${process.pid}.tmp`
  writeFileSync(tmp, JSON.stringify(artifacts))
  renameSync(tmp, cachePath) // atomic: parallel test workers never read half a file
  return artifacts
}
