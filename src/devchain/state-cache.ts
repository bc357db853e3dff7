import { createHash } from 'node:crypto'
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { gunzipSync } from 'node:zlib'
import { resolveAnvilBinary } from './anvil.js'
import type { DevchainManifest } from './manifest.js'
import type { DevchainClients } from './tx.js'

/** Where `npm start` keeps the deployed-and-seeded devchain state (not committed). */
export const DEVCHAIN_STATE_CACHE_DIR = '.stacklens/cache'

/** Bump when the cached files' layout changes. */
const FORMAT = 1

const ENTRY = fileURLToPath(new URL('./devchain.ts', import.meta.url))
const PROJECT_ROOT = resolve(dirname(ENTRY), '..', '..')

/**
 * The `.ts` files `entry` (default: devchain.ts) imports, transitively, through relative
 * specifiers (`./x.js` -> `./x.ts`): everything the deploy and seed code is made of, whatever
 * folder it lives in. Absolute paths, sorted.
 */
export function devchainSources(entry: string = ENTRY): string[] {
  const seen = new Set<string>()
  const todo = [entry]
  while (todo.length > 0) {
    const file = todo.pop()!
    if (seen.has(file)) continue
    seen.add(file)
    const text = readFileSync(file, 'utf8')
    for (const m of text.matchAll(/(?:from|import)\s*\(?\s*['"](\.{1,2}\/[^'"]+)['"]/g)) {
      const target = resolve(dirname(file), m[1]!.replace(/\.js$/, '.ts'))
      if (existsSync(target)) todo.push(target)
    }
  }
  return [...seen].sort()
}

/** Installed version of every dependency in package.json (the artifacts, solc, viem, anvil...). */
function installedVersions(): Record<string, string> {
  const pkg = JSON.parse(readFileSync(join(PROJECT_ROOT, 'package.json'), 'utf8')) as Record<
    string,
    Record<string, string> | undefined
  >
  const names = [pkg.dependencies, pkg.devDependencies, pkg.optionalDependencies].flatMap((d) =>
    Object.keys(d ?? {}),
  )
  const out: Record<string, string> = {}
  for (const name of names.sort()) {
    try {
      const file = join(PROJECT_ROOT, 'node_modules', name, 'package.json')
      out[name] = (JSON.parse(readFileSync(file, 'utf8')) as { version: string }).version
    } catch {
      out[name] = 'absent'
    }
  }
  return out
}

/**
 * The cache key of a devchain deployment: a hash of every input that decides the resulting chain
 * state: the deploy/seed sources (the transitive relative imports of devchain.ts, contract
 * artifacts included), the installed version of every dependency (the Aave, Morpho and Uniswap
 * packages the bytecode comes from, solc, viem), the anvil binary (path, size, mtime) and the
 * deploy options. Any change gives a new key, so a stale state is never loaded.
 */
export function devchainStateKey(options: Record<string, unknown>): string {
  const hash = createHash('sha256')
  hash.update(`format ${FORMAT}\n`)
  for (const file of devchainSources()) {
    hash.update(`${file.slice(PROJECT_ROOT.length)}\n`)
    hash.update(readFileSync(file))
  }
  hash.update(JSON.stringify(installedVersions()))
  const anvil = resolveAnvilBinary()
  let anvilStat = 'on PATH'
  try {
    const s = statSync(anvil)
    anvilStat = `${s.size} ${s.mtimeMs}`
  } catch {}
  hash.update(`anvil ${anvil} ${anvilStat}\n`)
  hash.update(JSON.stringify(options))
  return hash.digest('hex').slice(0, 16)
}

/** The files of one cache entry. */
export interface DevchainStateFiles {
  /** anvil state JSON (`--load-state`). */
  state: string
  /** The manifest the deployment produced, with its RPC URL replaced by {@link RPC_PLACEHOLDER}. */
  manifest: string
}

const RPC_PLACEHOLDER = '__STACKLENS_DEVCHAIN_RPC_URL__'

/** Paths of the cache entry for `key` under `dir`. */
export function devchainStateFiles(dir: string, key: string): DevchainStateFiles {
  return {
    state: join(dir, `devchain-state-${key}.json`),
    manifest: join(dir, `devchain-state-${key}.manifest.json`),
  }
}

/** The cached manifest for `files`, rebound to `rpcUrl`, or null when there is no complete entry. */
export function readCachedManifest(files: DevchainStateFiles, rpcUrl: string): DevchainManifest | null {
  if (!existsSync(files.state) || !existsSync(files.manifest)) return null
  try {
    const text = readFileSync(files.manifest, 'utf8').replaceAll(RPC_PLACEHOLDER, rpcUrl)
    const manifest = JSON.parse(text) as DevchainManifest
    manifest.startedAt = new Date().toISOString()
    return manifest
  } catch {
    return null
  }
}

/**
 * Dumps the chain at `clients` (anvil_dumpState) and writes it with its manifest as the entry for
 * `key`, atomically (a parallel start never reads half a file); other entries are removed. The
 * seeded transactions' call traces are dropped (debug_trace* of them answers nothing on a loaded
 * chain; their receipts and logs are kept).
 */
export async function writeDevchainState(
  clients: DevchainClients,
  dir: string,
  key: string,
  manifest: DevchainManifest,
): Promise<void> {
  const dump = (await clients.test.request({ method: 'anvil_dumpState' } as never)) as string
  const files = devchainStateFiles(dir, key)
  mkdirSync(dir, { recursive: true })
  const stale = readdirSync(dir).filter(
    (f) => f.startsWith('devchain-state-') && !f.startsWith(`devchain-state-${key}.`),
  )
  for (const f of stale) rmSync(join(dir, f), { force: true })
  const write = (path: string, data: string | Buffer) => {
    const tmp = `${path}.${process.pid}.tmp`
    writeFileSync(tmp, data)
    renameSync(tmp, path)
  }
  // The call traces of the seeded transactions are ~90% of the dump (35 of 39 MB) and quadruple
  // anvil's load time; nothing reads them (receipts and logs stay), so they are left out.
  const state = JSON.parse(gunzipSync(Buffer.from(dump.slice(2), 'hex')).toString('utf8')) as {
    transactions?: { info?: { traces?: unknown[] } }[]
  }
  for (const tx of state.transactions ?? []) if (tx.info?.traces) tx.info.traces = []
  write(files.state, JSON.stringify(state))
  write(files.manifest, JSON.stringify(manifest).replaceAll(manifest.rpcUrl, RPC_PLACEHOLDER))
}
