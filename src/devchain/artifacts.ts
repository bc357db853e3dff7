import { readdirSync, readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import type { Abi, Address, Hex } from 'viem'

/** A hardhat artifact as shipped in the npm packages of Aave (`hh-sol-artifact-1`). */
export interface HardhatArtifact {
  contractName: string
  sourceName: string
  abi: Abi
  bytecode: Hex
  linkReferences: Record<string, Record<string, { start: number; length: number }[]>>
}

const require = createRequire(import.meta.url)

function artifactRoot(pkg: string): string {
  return join(dirname(require.resolve(`${pkg}/package.json`)), 'artifacts')
}

function walk(dir: string, out: Map<string, string>): void {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name)
    if (entry.isDirectory()) walk(path, out)
    else if (
      entry.name.endsWith('.json') &&
      !entry.name.endsWith('.dbg.json') &&
      dirname(path).endsWith('.sol')
    ) {
      const name = entry.name.slice(0, -'.json'.length)
      if (!out.has(name)) out.set(name, path)
    }
  }
}

const indexes = new Map<string, Map<string, string>>()

/**
 * Loads the artifact of contract `name` from an npm package that ships hardhat artifacts
 * (`@aave/core-v3`, `@aave/periphery-v3`). Node only (reads node_modules).
 */
export function loadArtifact(pkg: '@aave/core-v3' | '@aave/periphery-v3', name: string): HardhatArtifact {
  let index = indexes.get(pkg)
  if (!index) {
    index = new Map()
    walk(artifactRoot(pkg), index)
    indexes.set(pkg, index)
  }
  const path = index.get(name)
  if (!path) throw new Error(`artifact ${name} not found in ${pkg}`)
  return JSON.parse(readFileSync(path, 'utf8')) as HardhatArtifact
}

/**
 * Returns the artifact's creation bytecode with each linked library's address written at the
 * byte offsets its `linkReferences` give. Throws if a library it needs is missing.
 */
export function linkBytecode(artifact: HardhatArtifact, libraries: Record<string, Address>): Hex {
  let code = artifact.bytecode.slice(2)
  for (const [source, libs] of Object.entries(artifact.linkReferences)) {
    for (const [lib, refs] of Object.entries(libs)) {
      const address = libraries[lib]
      if (!address) throw new Error(`${artifact.contractName} needs library ${lib} (${source})`)
      const hex = address.slice(2).toLowerCase()
      for (const { start, length } of refs) {
        if (length !== 20) throw new Error(`unexpected link length ${length}`)
        code = code.slice(0, start * 2) + hex + code.slice((start + length) * 2)
      }
    }
  }
  return `0x${code}`
}
