/**
 * DESIGN.md, "Pure core, I/O at the shell": `core/`, `assets/`, `resolve/`, `risk/` and every
 * `protocols/<protocol>/math.ts` do no I/O. This test reads their sources and refuses: node:
 * modules, hono, GraphQL clients, relative imports of shell folders (chains, api, devchain,
 * markets, dex, cli, a protocol's read/index files), viem imports beyond its pure helpers
 * (ABI encoding and decoding, types), and calls of fetch, WebSocket, XMLHttpRequest or process.env.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'

const SRC = fileURLToPath(new URL('../../../src/', import.meta.url))

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name)
    return statSync(path).isDirectory() ? walk(path) : path.endsWith('.ts') ? [path] : []
  })
}

const pureFiles = [
  ...['core', 'assets', 'resolve', 'risk'].flatMap((d) => walk(join(SRC, d))),
  ...readdirSync(join(SRC, 'protocols'))
    .map((p) => join(SRC, 'protocols', p, 'math.ts'))
    .filter((p) => {
      try {
        return statSync(p).isFile()
      } catch {
        return false
      }
    }),
]

/** viem's pure helpers: ABI encoding/decoding, units, hashing, address checks. */
const VIEM_PURE = new Set([
  'encodeFunctionData',
  'decodeFunctionResult',
  'decodeFunctionData',
  'encodeAbiParameters',
  'decodeAbiParameters',
  'parseAbi',
  'parseAbiItem',
  'getAddress',
  'isAddress',
  'keccak256',
  'formatUnits',
  'parseUnits',
  'hexToBigInt',
])
const SHELL =
  /(^|\/)(chains|api|devchain|markets|dex|cli)\/|protocols\/[^/]+\/(read|index|api|client|prices)\.js$/

interface Import {
  names: string[]
  typeOnly: boolean
  from: string
}

function importsOf(source: string): Import[] {
  const out: Import[] = []
  const re =
    /import\s+(type\s+)?(?:\{([^}]*)\}|\*\s+as\s+\w+|\w+)?\s*(?:,\s*\{([^}]*)\})?\s*from\s+'([^']+)'/g
  for (const m of source.matchAll(re)) {
    const names = `${m[2] ?? ''},${m[3] ?? ''}`
      .split(',')
      .map((n) => n.trim())
      .filter((n) => n.length > 0)
    out.push({ typeOnly: m[1] !== undefined, names, from: m[4] as string })
  }
  return out
}

/** The problems of one source text (the same rules as below). */
function problemsOf(source: string): string[] {
  const problems: string[] = []
  for (const imp of importsOf(source)) {
    if (imp.from.startsWith('node:')) problems.push(`imports ${imp.from}`)
    if (/^(hono|@hono\/|graphql-request|graphql$)/.test(imp.from)) problems.push(`imports ${imp.from}`)
    if (imp.from.startsWith('.') && SHELL.test(imp.from) && !imp.typeOnly)
      problems.push(`imports shell ${imp.from}`)
    if (imp.from === 'viem' && !imp.typeOnly) {
      const impure = imp.names.filter(
        (n) => !n.startsWith('type ') && !VIEM_PURE.has(n.split(/\s+as\s+/)[0] as string),
      )
      if (impure.length > 0) problems.push(`imports viem ${impure.join(', ')}`)
    }
  }
  const code = source.replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gm, '')
  for (const call of [/\bfetch\s*\(/, /\bnew\s+WebSocket\b/, /\bXMLHttpRequest\b/, /\bprocess\.env\b/]) {
    if (call.test(code)) problems.push(`calls ${call.source}`)
  }
  return problems
}

describe('the pure folders do no I/O', () => {
  it('the scanner catches each kind of violation (and accepts pure imports)', () => {
    expect(problemsOf("import { createPublicClient, http } from 'viem'")).toEqual([
      'imports viem createPublicClient, http',
    ])
    expect(problemsOf("import { readFileSync } from 'node:fs'")).toEqual(['imports node:fs'])
    expect(problemsOf("import { executeBatch } from '../chains/batch.js'")).toEqual([
      'imports shell ../chains/batch.js',
    ])
    expect(problemsOf('const r = await fetch(url)')).toEqual(['calls \\bfetch\\s*\\('])
    expect(
      problemsOf(
        "import { type Hex, encodeFunctionData } from 'viem'\nimport type { X } from '../chains/config.js'",
      ),
    ).toEqual([])
  })

  it('finds the files it guards', () => {
    expect(pureFiles.length).toBeGreaterThan(30)
    expect(pureFiles.some((f) => f.endsWith('risk/cascade.ts'))).toBe(true)
    expect(pureFiles.some((f) => f.endsWith('aave-v3/math.ts'))).toBe(true)
  })

  for (const file of pureFiles) {
    const name = relative(SRC, file)
    it(name, () => {
      const problems = problemsOf(readFileSync(file, 'utf8'))
      expect(problems).toEqual([])
    })
  }
})
