/**
 * Benchmark: the Worker bundle's size, gzip, as `wrangler deploy` uploads it. Builds twice in this
 * process with the installed wrangler (`wrangler deploy --dry-run --outdir`): with wrangler.toml
 * as committed, and with the anchor, the same file without its size settings (`minify`,
 * `keep_names = false`, the `[alias]` of zod's locale index), which is the configuration before
 * them. Prints raw and gzip sizes, the ratio, and wrangler's own "Total Upload" line.
 *
 * `--check` also fails (exit 1) when the gzip size exceeds the budget or when the locale alias
 * (an exact import path) is imported by any module other than zod's two locale re-exports:
 * test/worker/bundle-size.test.ts runs it in `npm test`.
 *
 * Usage: npx tsx scripts/bench/worker-bundle.ts [--check] [--budget-kib 360] [--no-anchor]
 */
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { gzipSync } from 'node:zlib'

const ROOT = join(import.meta.dirname, '..', '..')
const { values } = parseArgs({
  options: { check: { type: 'boolean' }, 'budget-kib': { type: 'string' }, 'no-anchor': { type: 'boolean' } },
})
const budgetKib = Number(values['budget-kib'] ?? 360)

/** The committed wrangler.toml without its bundle-size settings (the anchor). */
function anchorConfig(toml: string): string {
  return toml
    .replace(/^minify = true\n/m, '')
    .replace(/^keep_names = false\n/m, '')
    .replace(/^\[alias\]\n(^"[^"\n]+" = "[^"\n]+"\n)+/m, '')
}

interface Build {
  rawBytes: number
  gzipBytes: number
  wrangler: string
  /** esbuild's metafile inputs: each bundled module and the import paths it wrote. */
  inputs: Record<string, { imports: { path: string; original?: string }[] }>
}

function build(config: string): Build {
  const out = mkdtempSync(join(tmpdir(), 'stacklens-bundle-'))
  try {
    const stdout = execFileSync(
      process.execPath,
      [
        join(ROOT, 'node_modules', 'wrangler', 'bin', 'wrangler.js'),
        'deploy',
        '--dry-run',
        '--config',
        config,
        '--outdir',
        out,
        '--metafile',
        join(out, 'meta.json'),
      ],
      { cwd: ROOT, encoding: 'utf8', env: { ...process.env, WRANGLER_SEND_METRICS: 'false' } },
    )
    const js = readdirSync(out).find((f) => f.endsWith('.js'))
    if (!js) throw new Error(`no bundle in ${out}`)
    const code = readFileSync(join(out, js))
    return {
      rawBytes: code.length,
      gzipBytes: gzipSync(code).length,
      wrangler: /Total Upload:.*$/m.exec(stdout)?.[0] ?? '',
      inputs: JSON.parse(readFileSync(join(out, 'meta.json'), 'utf8')).inputs,
    }
  } finally {
    rmSync(out, { recursive: true, force: true })
  }
}

const kib = (n: number) => `${(n / 1024).toFixed(1)} KiB`
const configPath = join(ROOT, 'wrangler.toml')
const current = build(configPath)
let anchor: Build | undefined
if (!values['no-anchor']) {
  // Beside wrangler.toml: `main` is resolved against the configuration file's folder.
  const anchorPath = join(ROOT, `.wrangler-bench-anchor-${process.pid}.toml`)
  writeFileSync(anchorPath, anchorConfig(readFileSync(configPath, 'utf8')))
  try {
    anchor = build(anchorPath)
  } finally {
    rmSync(anchorPath, { force: true })
  }
}

console.log('Worker bundle (src/worker.ts through wrangler.toml)')
console.log(
  `  stacklens  raw ${kib(current.rawBytes).padStart(11)}  gzip ${kib(current.gzipBytes).padStart(10)}`,
)
if (anchor) {
  console.log(
    `  anchor     raw ${kib(anchor.rawBytes).padStart(11)}  gzip ${kib(anchor.gzipBytes).padStart(10)}`,
  )
  console.log(`  ratio (anchor / stacklens, gzip): ${(anchor.gzipBytes / current.gzipBytes).toFixed(2)}x`)
}
console.log(`  wrangler: ${current.wrangler}`)

if (values.check) {
  const problems: string[] = []
  if (current.gzipBytes > budgetKib * 1024)
    problems.push(`gzip ${kib(current.gzipBytes)} exceeds the budget of ${budgetKib} KiB`)
  const modules = Object.keys(current.inputs)
  if (!modules.some((m) => m.endsWith('src/worker.ts'))) problems.push('the metafile lists no src/worker.ts')
  const locales = modules.filter((m) => /zod\/v4\/locales\/(?!en\.js$)/.test(m))
  if (locales.length > 0) problems.push(`zod locales besides en are bundled: ${locales.join(', ')}`)
  for (const [module, { imports }] of Object.entries(current.inputs)) {
    const aliased = imports.some((i) => i.original === '../locales/index.js')
    if (aliased && !/zod\/v4\/(core\/index|classic\/external)\.js$/.test(module))
      problems.push(`${module} imports "../locales/index.js", which wrangler.toml aliases to zod's stand-in`)
  }
  if (problems.length > 0) {
    for (const p of problems) console.error(`check: ${p}`)
    process.exit(1)
  }
  console.log(`check: gzip within ${budgetKib} KiB, no zod locale but en`)
}
