/**
 * The Worker bundle stays small: `scripts/bench/worker-bundle.ts --check` builds src/worker.ts
 * with the installed wrangler exactly as `wrangler deploy` does (wrangler.toml: minify, no
 * keep_names, zod's locale index aliased to English only) and fails over the gzip budget, when
 * a zod locale besides English is bundled, or when a module other than zod imports the aliased path.
 */
import { execFileSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { expect, it } from 'vitest'

const ROOT = fileURLToPath(new URL('../../', import.meta.url))

it('the Worker bundle is within its gzip budget (scripts/bench/worker-bundle.ts --check)', {
  timeout: 120_000,
}, () => {
  const out = execFileSync(
    process.execPath,
    ['--import', 'tsx', 'scripts/bench/worker-bundle.ts', '--check', '--no-anchor'],
    { cwd: ROOT, encoding: 'utf8' },
  )
  expect(out).toContain('check: gzip within')
})
