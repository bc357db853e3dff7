/**
 * DESIGN.md, "Pure core, I/O at the shell": `core/`, `assets/` (every file there is a rule: the
 * rate reads themselves are specs, `rateCalls`, that chains/ executes), `resolve/`, `risk/` and
 * every `protocols/<protocol>/math.ts` (and `accounts/` but its `discover.ts`) do no I/O. This test parses each of them with the
 * TypeScript compiler, follows their relative imports transitively (a pure file importing a
 * helper that imports `node:fs` is impure), and refuses:
 *
 * - Every module specifier form: `import ... from`, `import 'x'` (side effect), `export ... from`,
 *   `export * from`, dynamic `import()` (a computed specifier is refused outright),
 *   `import x = require()`, single or double quotes alike (the parser reads the string).
 * - Packages: only the ones listed in {@link PURE_PACKAGES} may be imported for values. That
 *   refuses node built-ins (`node:*` and bare `fs`, `path`, ...), `hono`, `@hono/*`,
 *   `graphql-request`, `undici`, `ws`, every `*-viem` package (`@morpho-org/blue-sdk-viem`), viem
 *   subpaths other than `viem/utils` (`viem/actions`, `viem/chains`, ...).
 * - viem: named value imports of its pure helpers only ({@link VIEM_PURE}: ABI encoding and
 *   decoding, hex/bytes/units conversion, hashing, address checks, constants). Refused: namespace
 *   (`import * as v`) and default imports, dynamic `import('viem')` (each exposes clients and
 *   transports), any other value name (`createPublicClient`, `http`, `getContract`, ...).
 * - Type-only statements (`import type`, `export type ... from`, `typeof import('x')`) are erased
 *   by tsc and esbuild, so they do no I/O: they are allowed and not followed, except from the
 *   impure packages above ({@link IMPURE_TYPES}) and viem's client and transport types
 *   (`PublicClient`, `Transport`, ...): a pure function that takes a client would do I/O through
 *   it. `import { type X } from './y.js'` (inline `type` on every name) is NOT erased: under
 *   `verbatimModuleSyntax` it compiles to `import {} from './y.js'`, which loads the module, so it
 *   is checked and followed like a value import.
 * - Relative imports of shell code (chains, api, devchain, markets, dex, cli, report, monitor, a
 *   protocol's read/index/api/client/prices files, the entry files), by specifier and by the
 *   resolved path.
 * - Globals that do I/O: fetch, WebSocket, XMLHttpRequest, EventSource, process, require.
 */

import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs'
import { builtinModules } from 'node:module'
import { tmpdir } from 'node:os'
import { dirname, join, relative, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import ts from 'typescript'
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
  // The smart-account kinds' calls, decoders and registries (discover.ts is their I/O shell).
  ...walk(join(SRC, 'accounts')).filter((f) => !f.endsWith('discover.ts')),
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

/** viem's pure helpers: ABI encoding/decoding, units, hex/bytes, hashing, address checks, constants. */
const VIEM_PURE = new Set([
  'encodeFunctionData',
  'decodeFunctionResult',
  'decodeFunctionData',
  'encodeFunctionResult',
  'encodeAbiParameters',
  'decodeAbiParameters',
  'encodeEventTopics',
  'decodeEventLog',
  'parseEventLogs',
  'encodePacked',
  'parseAbi',
  'parseAbiItem',
  'parseAbiParameters',
  'getAbiItem',
  'toFunctionSelector',
  'toEventSelector',
  'getAddress',
  'isAddress',
  'isAddressEqual',
  'keccak256',
  'formatUnits',
  'parseUnits',
  'formatEther',
  'parseEther',
  'hexToBigInt',
  'hexToNumber',
  'bytesToHex',
  'hexToBytes',
  'toHex',
  'toBytes',
  'numberToHex',
  'isHex',
  'size',
  'slice',
  'concat',
  'pad',
  'trim',
  'zeroAddress',
  'zeroHash',
  'maxUint256',
  'maxUint128',
  'BaseError',
])
/** Packages a pure file may import values from (each pure at import and at call). */
const PURE_PACKAGES = new Set(['viem', 'viem/utils', '@aave-dao/aave-address-book'])
/** Packages whose types have no place in a pure file either (they describe I/O). */
const IMPURE_TYPES =
  /^(node:|hono$|@hono\/|graphql-request$|graphql$|undici$|ws$|viem\/(?!utils$))|-viem(\/|$)/
/** viem types that stand for I/O (a client, a transport, an account that signs). */
const VIEM_IO_TYPE = /(Client|Transport)(Config)?$|^(Account|LocalAccount)$/
const BUILTINS = new Set(builtinModules)
const SHELL =
  /(^|\/)(chains|api|devchain|markets|dex|cli|report|monitor)\/|protocols\/[^/]+\/(read|index|api|client|prices)\.js$/
/** A resolved path (relative to src/) that is shell code. */
const SHELL_PATH =
  /^((chains|api|devchain|markets|dex|cli|report|monitor)\/|protocols\/[^/]+\/(read|index|api|client|prices)\.ts$|(app|node|worker|serve)\.ts$)/
const GLOBALS = [
  /\bfetch\s*\(/,
  /\bnew\s+WebSocket\b/,
  /\bXMLHttpRequest\b/,
  /\bEventSource\b/,
  /\bprocess\s*(\.|\[)/,
  /\brequire\s*\(/,
]

interface ImportName {
  name: string
  typeOnly: boolean
}

interface Import {
  /** The module specifier, or null for a dynamic import of a computed value. */
  from: string | null
  /** Erased at compile time (`import type`, `export type`, `typeof import()`). */
  erased: boolean
  names: ImportName[]
  namespace: string | null
  hasDefault: boolean
  dynamic: boolean
}

function specifierOf(node: ts.Expression | undefined): string | null {
  return node && ts.isStringLiteralLike(node) ? node.text : null
}

/** Every module reference of one source text, whatever its syntax. */
function importsOf(source: string): Import[] {
  const file = ts.createSourceFile('x.ts', source, ts.ScriptTarget.ES2022, true, ts.ScriptKind.TS)
  const out: Import[] = []
  const base = { names: [], namespace: null, hasDefault: false, dynamic: false }
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node)) {
      const clause = node.importClause
      const bindings = clause?.namedBindings
      out.push({
        from: specifierOf(node.moduleSpecifier),
        erased: clause?.isTypeOnly ?? false,
        names:
          bindings && ts.isNamedImports(bindings)
            ? bindings.elements.map((e) => ({
                name: (e.propertyName ?? e.name).text,
                typeOnly: e.isTypeOnly,
              }))
            : [],
        namespace: bindings && ts.isNamespaceImport(bindings) ? bindings.name.text : null,
        hasDefault: clause?.name !== undefined,
        dynamic: false,
      })
    } else if (ts.isExportDeclaration(node) && node.moduleSpecifier) {
      const clause = node.exportClause
      out.push({
        from: specifierOf(node.moduleSpecifier),
        erased: node.isTypeOnly,
        names:
          clause && ts.isNamedExports(clause)
            ? clause.elements.map((e) => ({ name: (e.propertyName ?? e.name).text, typeOnly: e.isTypeOnly }))
            : [],
        namespace: clause && ts.isNamedExports(clause) ? null : '*',
        hasDefault: false,
        dynamic: false,
      })
    } else if (ts.isImportEqualsDeclaration(node) && ts.isExternalModuleReference(node.moduleReference)) {
      out.push({
        ...base,
        from: specifierOf(node.moduleReference.expression),
        erased: node.isTypeOnly,
        namespace: node.name.text,
      })
    } else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) {
      out.push({
        ...base,
        from: specifierOf(node.arguments[0]),
        erased: false,
        namespace: '*',
        dynamic: true,
      })
    } else if (ts.isImportTypeNode(node)) {
      const arg = node.argument
      const from = ts.isLiteralTypeNode(arg) && ts.isStringLiteral(arg.literal) ? arg.literal.text : null
      out.push({
        ...base,
        from,
        erased: true,
        names: node.qualifier ? [{ name: node.qualifier.getText(), typeOnly: true }] : [],
      })
    }
    ts.forEachChild(node, visit)
  }
  visit(file)
  return out
}

function isBuiltin(spec: string): boolean {
  return spec.startsWith('node:') || BUILTINS.has(spec) || BUILTINS.has(spec.split('/')[0] as string)
}

/** The problems of one import (the rules of the header). */
function importProblems(imp: Import): string[] {
  const spec = imp.from
  if (spec === null) return ['imports a computed specifier']
  if (spec.startsWith('.')) return SHELL.test(spec) && !imp.erased ? [`imports shell ${spec}`] : []
  if (imp.erased) {
    if (IMPURE_TYPES.test(spec) || isBuiltin(spec)) return [`imports types of ${spec}`]
    const io = spec === 'viem' ? imp.names.filter((n) => VIEM_IO_TYPE.test(n.name)) : []
    return io.length > 0 ? [`imports viem I/O types ${io.map((n) => n.name).join(', ')}`] : []
  }
  if (isBuiltin(spec) || !PURE_PACKAGES.has(spec)) return [`imports ${spec}`]
  if (spec !== 'viem' && spec !== 'viem/utils') return []
  const problems: string[] = []
  if (imp.namespace !== null)
    problems.push(imp.dynamic ? `imports ${spec} dynamically` : `imports ${spec} as a namespace`)
  if (imp.hasDefault) problems.push(`imports ${spec} default`)
  const types = imp.names.filter((n) => n.typeOnly && VIEM_IO_TYPE.test(n.name))
  if (types.length > 0) problems.push(`imports viem I/O types ${types.map((n) => n.name).join(', ')}`)
  const impure = imp.names.filter((n) => !n.typeOnly && !VIEM_PURE.has(n.name))
  if (impure.length > 0) problems.push(`imports viem ${impure.map((n) => n.name).join(', ')}`)
  return problems
}

/** The problems of one source text, its own (not those of the files it imports). */
function problemsOf(source: string): string[] {
  const problems = importsOf(source).flatMap(importProblems)
  const code = source.replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gm, '')
  for (const call of GLOBALS) {
    if (call.test(code)) problems.push(`calls ${call.source}`)
  }
  return problems
}

/** The .ts file a relative specifier of `from` loads, or null when there is none. */
function resolveRelative(from: string, spec: string): string | null {
  const target = resolve(dirname(from), spec)
  for (const candidate of [
    target.replace(/\.js$/, '.ts'),
    target,
    `${target}.ts`,
    join(target, 'index.ts'),
  ]) {
    if (existsSync(candidate) && statSync(candidate).isFile()) return candidate
  }
  return null
}

/**
 * The problems of `root` and of every file it loads at run time through relative imports,
 * transitively; each is prefixed with the import chain that reaches it.
 */
function closureProblems(root: string, base = SRC): string[] {
  const problems: string[] = []
  const seen = new Set<string>([root])
  const queue: { file: string; chain: string }[] = [{ file: root, chain: relative(base, root) }]
  for (let item = queue.shift(); item !== undefined; item = queue.shift()) {
    const { file, chain } = item
    const source = readFileSync(file, 'utf8')
    for (const p of problemsOf(source)) problems.push(`${chain}: ${p}`)
    for (const imp of importsOf(source)) {
      if (imp.erased || imp.from === null || !imp.from.startsWith('.')) continue
      const next = resolveRelative(file, imp.from)
      if (next === null) {
        problems.push(`${chain}: cannot resolve ${imp.from}`)
        continue
      }
      const rel = relative(base, next)
      if (SHELL_PATH.test(rel)) problems.push(`${chain}: loads shell ${rel}`)
      if (seen.has(next)) continue
      seen.add(next)
      queue.push({ file: next, chain: `${chain} -> ${rel}` })
    }
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

  it('refuses every specifier form, quote style and impure package', () => {
    const cases: [string, string[]][] = [
      // viem: namespace, default, dynamic, subpaths, client values, I/O types.
      ["import * as v from 'viem'", ['imports viem as a namespace']],
      ['import * as v from "viem"', ['imports viem as a namespace']],
      ["import viem from 'viem'", ['imports viem default']],
      ["const v = await import('viem')", ['imports viem dynamically']],
      ["import { readContract } from 'viem/actions'", ['imports viem/actions']],
      ['import { mainnet } from "viem/chains"', ['imports viem/chains']],
      ["import { getContract, encodeFunctionData } from 'viem'", ['imports viem getContract']],
      ["import { createPublicClient as c } from 'viem'", ['imports viem createPublicClient']],
      ["import type { PublicClient, Hex } from 'viem'", ['imports viem I/O types PublicClient']],
      ["import { type Transport, type Address } from 'viem'", ['imports viem I/O types Transport']],
      ["import type { ReadContractParameters } from 'viem/actions'", ['imports types of viem/actions']],
      // Node built-ins, with and without the node: prefix; require in both spellings.
      ["import fs from 'fs'", ['imports fs']],
      ['import { join } from "path"', ['imports path']],
      ["import { readFile } from 'fs/promises'", ['imports fs/promises']],
      ["import 'node:process'", ['imports node:process']],
      ["import type { Stats } from 'node:fs'", ['imports types of node:fs']],
      ["import fs = require('fs')", ['imports fs', 'calls \\brequire\\s*\\(']],
      ["const fs = require('node:fs')", ['calls \\brequire\\s*\\(']],
      // The other I/O packages, every import and export form.
      ["import { Hono } from 'hono'", ['imports hono']],
      ["import type { Context } from 'hono'", ['imports types of hono']],
      ['import { serve } from "@hono/node-server"', ['imports @hono/node-server']],
      ["import { request } from 'undici'", ['imports undici']],
      ["import { GraphQLClient } from 'graphql-request'", ['imports graphql-request']],
      ["import { fetchMarket } from '@morpho-org/blue-sdk-viem'", ['imports @morpho-org/blue-sdk-viem']],
      [
        "import '@morpho-org/blue-sdk-viem/lib/augment/Market'",
        ['imports @morpho-org/blue-sdk-viem/lib/augment/Market'],
      ],
      ["export { fetchMarket } from '@morpho-org/blue-sdk-viem'", ['imports @morpho-org/blue-sdk-viem']],
      ['export * from "undici"', ['imports undici']],
      ["export * as fs from 'fs'", ['imports fs']],
      ["export type { Context } from 'hono'", ['imports types of hono']],
      ["const m = await import('graphql-request')", ['imports graphql-request']],
      ['const m = await import("node:fs")', ['imports node:fs']],
      ['const m = await import(name)', ['imports a computed specifier']],
      ["type C = typeof import('hono')", ['imports types of hono']],
      ["import { Market } from '@morpho-org/blue-sdk'", ['imports @morpho-org/blue-sdk']],
      // Shell folders through every form; inline `type` on every name still loads the module.
      ["export { executeBatch } from '../chains/batch.js'", ['imports shell ../chains/batch.js']],
      ['export * from "../api/app.js"', ['imports shell ../api/app.js']],
      ["const m = await import('../devchain/anvil.js')", ['imports shell ../devchain/anvil.js']],
      ["import '../markets/read.js'", ['imports shell ../markets/read.js']],
      ["import { type X } from '../chains/config.js'", ['imports shell ../chains/config.js']],
      [
        "import { readAave } from '../protocols/aave-v3/read.js'",
        ['imports shell ../protocols/aave-v3/read.js'],
      ],
      ["import { walletReport } from '../report/wallet.js'", ['imports shell ../report/wallet.js']],
      // Globals.
      ['const ws = new WebSocket(url)', ['calls \\bnew\\s+WebSocket\\b']],
      ['const x = new XMLHttpRequest()', ['calls \\bXMLHttpRequest\\b']],
      ['const s = new EventSource(url)', ['calls \\bEventSource\\b']],
      ['const key = process.env.KEY', ['calls \\bprocess\\s*(\\.|\\[)']],
      ["const key = process['env']", ['calls \\bprocess\\s*(\\.|\\[)']],
      ['const r = await globalThis.fetch(url)', ['calls \\bfetch\\s*\\(']],
    ]
    for (const [source, expected] of cases) expect(problemsOf(source), source).toEqual(expected)
  })

  it('accepts type-only statements, viem pure helpers, pure data packages and comments', () => {
    for (const source of [
      "import type { Address, Hex, Abi } from 'viem'",
      'import { hexToBigInt, encodeFunctionData, decodeFunctionResult } from "viem"',
      "import { isAddress as viemIsAddress, getAddress } from 'viem'",
      "import { formatUnits } from 'viem/utils'",
      "import type { X } from '../chains/config.js'",
      "export type { X } from '../api/schemas.js'",
      "type T = typeof import('../chains/config.js')",
      "export { WAD } from './math.js'",
      "export * from './graph.js'",
      "const m = await import('./math.js')",
      "import { AaveV3Ethereum } from '@aave-dao/aave-address-book'",
      '// fetch(url) and process.env in a comment\n/* new WebSocket(url) */',
      'const reprocess = preprocess.x; const prefetch = 1',
    ])
      expect(problemsOf(source), source).toEqual([])
  })

  it('follows relative imports transitively and by resolved path', () => {
    const importer = join(SRC, 'protocols', 'aave-v3', 'math.ts')
    expect(resolveRelative(importer, './read.js')).toBe(join(SRC, 'protocols', 'aave-v3', 'read.ts'))
    expect(SHELL_PATH.test(relative(SRC, resolveRelative(importer, './read.js') as string))).toBe(true)
    expect(SHELL.test('./read.js')).toBe(false) // why the resolved path is checked too
    const dir = mkdtempSync(join(tmpdir(), 'purity-'))
    try {
      mkdirSync(join(dir, 'core'))
      mkdirSync(join(dir, 'chains'))
      writeFileSync(
        join(dir, 'core', 'root.ts'),
        "import { a } from './a.js'\nexport type { T } from './t.js'\n",
      )
      writeFileSync(join(dir, 'core', 'a.ts'), 'export { b as a } from "./b.js"\n')
      writeFileSync(join(dir, 'core', 'b.ts'), "export const b = await import('./c.js')\n")
      writeFileSync(join(dir, 'core', 'c.ts'), "import { readFileSync } from 'node:fs'\nimport './d.js'\n")
      writeFileSync(join(dir, 'core', 'd.ts'), "import { a } from './a.js'\nexport const d = process.env.X\n")
      writeFileSync(join(dir, 'core', 't.ts'), "import { Hono } from 'hono'\n") // type-only: not followed
      writeFileSync(join(dir, 'chains', 'x.ts'), 'export const x = 1\n')
      writeFileSync(join(dir, 'core', 'e.ts'), "import { type X } from '../chains/x.js'\n")
      writeFileSync(join(dir, 'core', 'f.ts'), "import { x } from './missing.js'\n")
      expect(closureProblems(join(dir, 'core', 'root.ts'), dir)).toEqual([
        'core/root.ts -> core/a.ts -> core/b.ts -> core/c.ts: imports node:fs',
        'core/root.ts -> core/a.ts -> core/b.ts -> core/c.ts -> core/d.ts: calls \\bprocess\\s*(\\.|\\[)',
      ])
      expect(closureProblems(join(dir, 'core', 'e.ts'), dir)).toEqual([
        'core/e.ts: imports shell ../chains/x.js',
        'core/e.ts: loads shell chains/x.ts',
      ])
      expect(closureProblems(join(dir, 'core', 'f.ts'), dir)).toEqual([
        'core/f.ts: cannot resolve ./missing.js',
      ])
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })

  it('finds the files it guards', () => {
    expect(pureFiles.length).toBeGreaterThan(30)
    expect(pureFiles.some((f) => f.endsWith('risk/cascade.ts'))).toBe(true)
    expect(pureFiles.some((f) => f.endsWith('aave-v3/math.ts'))).toBe(true)
  })

  for (const file of pureFiles) {
    const name = relative(SRC, file)
    it(name, () => {
      expect(closureProblems(file)).toEqual([])
    })
  }
})
