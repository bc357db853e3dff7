/**
 * Compiles stacklens's own devchain contracts (src/devchain/contracts/*.sol) with solc-js 0.8.19
 * and writes `<Name>.artifact.ts` beside each source. The artifacts are committed so starting the
 * devchain never waits for the compiler; test/unit/devchain-artifacts.test.ts checks they match a
 * fresh compile. Imports of npm packages (SavingsVault.sol's `@openzeppelin/contracts` 4.9.6) are
 * resolved from node_modules; only the contracts of our own sources get artifacts.
 *
 * Usage: npx tsx scripts/build-contracts.ts [--check]
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { compileDevchainContracts, renderArtifactModule } from '../src/devchain/compile.js'

const dir = join(import.meta.dirname, '..', 'src', 'devchain', 'contracts')
const check = process.argv.includes('--check')
const sources = readdirSync(dir).filter((f) => f.endsWith('.sol'))
const compiled = compileDevchainContracts(
  Object.fromEntries(sources.map((f) => [f, readFileSync(join(dir, f), 'utf8')])),
)
let stale = 0
for (const [name, artifact] of Object.entries(compiled)) {
  if (artifact.bytecode === '0x') continue // interfaces
  const path = join(dir, `${name}.artifact.ts`)
  const text = renderArtifactModule(name, artifact)
  let current = ''
  try {
    current = readFileSync(path, 'utf8')
  } catch {}
  if (current === text) continue
  stale++
  if (check) console.error(`stale: ${path}`)
  else writeFileSync(path, text)
}
if (check && stale > 0) process.exit(1)
console.log(check ? 'artifacts up to date' : `wrote ${stale} artifact(s)`)
