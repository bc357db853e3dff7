/**
 * Compiles stacklens's own devchain contracts (src/devchain/contracts/*.sol) with solc-js 0.8.19
 * and writes `<Name>.artifact.ts` beside them (one per contract with bytecode; its header names
 * the `.sol` file that declares it). The artifacts are committed so starting the devchain never
 * waits for the compiler; test/unit/devchain-artifacts.test.ts (run by `npm test`, hence CI) checks
 * they match a fresh compile, as `--check` does. Imports of npm packages (SavingsVault.sol's
 * `@openzeppelin/contracts` 4.9.6) are resolved from node_modules; only the contracts of our own
 * sources get artifacts.
 *
 * Usage: npx tsx scripts/build-contracts.ts [--check]
 */
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { staleArtifacts } from '../src/devchain/compile.js'

const dir = join(import.meta.dirname, '..', 'src', 'devchain', 'contracts')
const check = process.argv.includes('--check')
const stale = staleArtifacts(dir)
for (const { path, text } of stale) {
  if (check) console.error(`stale: ${path}`)
  else writeFileSync(path, text)
}
if (check && stale.length > 0) process.exit(1)
console.log(check ? 'artifacts up to date' : `wrote ${stale.length} artifact(s)`)
