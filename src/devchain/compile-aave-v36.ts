import { createHash } from 'node:crypto'
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join, posix } from 'node:path'
import type { Abi, Hex } from 'viem'

/**
 * One compiled contract of the v3.6 market: ABI, creation bytecode (library placeholders left in)
 * and where its libraries go (`linkReferences` of solc's standard JSON: source unit -> library ->
 * byte offsets).
 */
export interface AaveV36Artifact {
  contractName: string
  abi: Abi
  bytecode: Hex
  /** Runtime size in bytes (EIP-170 limit: 24,576). */
  deployedSize: number
  linkReferences: Record<string, Record<string, { start: number; length: number }[]>>
}

/** The contracts of an Aave v3.6 market, by contract name. */
export type AaveV36Artifacts = Record<AaveV36ContractName, AaveV36Artifact>

/** The package whose sources are compiled, and its exact version (the only v3.6 on npm). */
export const AAVE_V36_PACKAGE = '@aave-dao/aave-v3-origin'
/** Version of {@link AAVE_V36_PACKAGE} the devchain compiles. */
export const AAVE_V36_PACKAGE_VERSION = '3.6.0'

/**
 * Compiler settings of aave-v3-origin v3.6.0's `foundry.toml` (tag v3.6.0, commit
 * 5a230ec82fcb10afc7fe7cffa8978752fb17aa2b, `[profile.default]`): solc 0.8.27, optimizer on,
 * 200 runs, evm_version shanghai, bytecode_hash none, legacy pipeline (no via_ir).
 */
export const AAVE_V36_SOLC = {
  /** npm alias of solc-js 0.8.27 in package.json. */
  package: 'solc-0.8.27',
  version: '0.8.27',
  optimizerRuns: 200,
  evmVersion: 'shanghai',
  viaIR: false,
} as const

/** Entry source units (relative to the package's `src/`) and the contracts taken from each. */
const ENTRIES = {
  'contracts/protocol/configuration/PoolAddressesProvider.sol': ['PoolAddressesProvider'],
  'contracts/protocol/configuration/ACLManager.sol': ['ACLManager'],
  'contracts/instances/PoolInstance.sol': ['PoolInstance'],
  'contracts/instances/PoolConfiguratorInstance.sol': ['PoolConfiguratorInstance'],
  'contracts/instances/ATokenInstance.sol': ['ATokenInstance'],
  'contracts/instances/VariableDebtTokenInstance.sol': ['VariableDebtTokenInstance'],
  'contracts/misc/DefaultReserveInterestRateStrategyV2.sol': ['DefaultReserveInterestRateStrategyV2'],
  'contracts/misc/AaveOracle.sol': ['AaveOracle'],
  'contracts/helpers/AaveProtocolDataProvider.sol': ['AaveProtocolDataProvider'],
  'contracts/helpers/UiPoolDataProviderV3.sol': ['UiPoolDataProviderV3'],
  'contracts/protocol/libraries/logic/BorrowLogic.sol': ['BorrowLogic'],
  'contracts/protocol/libraries/logic/ConfiguratorLogic.sol': ['ConfiguratorLogic'],
  'contracts/protocol/libraries/logic/FlashLoanLogic.sol': ['FlashLoanLogic'],
  'contracts/protocol/libraries/logic/LiquidationLogic.sol': ['LiquidationLogic'],
  'contracts/protocol/libraries/logic/PoolLogic.sol': ['PoolLogic'],
  'contracts/protocol/libraries/logic/SupplyLogic.sol': ['SupplyLogic'],
} as const

/** Names of the compiled contracts. */
export type AaveV36ContractName = (typeof ENTRIES)[keyof typeof ENTRIES][number]

/** The repository's remappings (`remappings.txt` at v3.6.0) that the compiled files use. */
const REMAPPINGS: Record<string, string> = {
  'openzeppelin-contracts/contracts/': '@openzeppelin/contracts',
  'openzeppelin-contracts-upgradeable/contracts/': '@openzeppelin/contracts-upgradeable',
}

const require = createRequire(import.meta.url)

/** Where compiled bytecode is cached (not committed: it is Aave's code, built here). */
export const AAVE_V36_CACHE_DIR = '.stacklens/cache'

const memoByDir = new Map<string, AaveV36Artifacts>()

/**
 * Compiles the contracts of an Aave v3.6 market (Pool, PoolConfigurator, their libraries,
 * tokens, rate strategy, oracle and data providers) from the `@aave-dao/aave-v3-origin` 3.6.0
 * npm sources with solc-js 0.8.27 and the repository's own settings ({@link AAVE_V36_SOLC}),
 * caching the output under `.stacklens/cache` keyed by a hash of every source and the settings.
 * A cold compile takes tens of seconds on one core; a warm start reads the cache.
 */
export function compileAaveV36(cacheDir = AAVE_V36_CACHE_DIR): AaveV36Artifacts {
  const memo = memoByDir.get(cacheDir)
  if (memo) return memo
  const artifacts = compileUncached(cacheDir)
  memoByDir.set(cacheDir, artifacts)
  return artifacts
}

function compileUncached(cacheDir: string): AaveV36Artifacts {
  const pkgJson = require.resolve(`${AAVE_V36_PACKAGE}/package.json`)
  const version = (JSON.parse(readFileSync(pkgJson, 'utf8')) as { version: string }).version
  if (version !== AAVE_V36_PACKAGE_VERSION)
    throw new Error(`${AAVE_V36_PACKAGE} is ${version}, the devchain needs ${AAVE_V36_PACKAGE_VERSION}`)
  const root = join(dirname(pkgJson), 'src')
  // OpenZeppelin as the repository pins it: through @bgd-labs/solidity-utils' own dependency.
  const fromOrigin = createRequire(pkgJson)
  const utilsJson = fromOrigin.resolve('@bgd-labs/solidity-utils/package.json')
  const fromUtils = createRequire(utilsJson)
  const fileOf = (unit: string): string => {
    for (const [prefix, target] of Object.entries(REMAPPINGS)) {
      // The npm packages hold the repositories' `contracts/` folders at their root.
      if (unit.startsWith(prefix))
        return join(dirname(fromUtils.resolve(`${target}/package.json`)), unit.slice(prefix.length))
    }
    return join(root, unit)
  }

  const sources: Record<string, { content: string }> = {}
  const load = (unit: string) => {
    if (sources[unit]) return
    const content = readFileSync(fileOf(unit), 'utf8')
    sources[unit] = { content }
    for (const m of content.matchAll(/^\s*import\s+(?:[^'";]*?\s+from\s+)?['"]([^'"]+)['"]\s*;/gm)) {
      const spec = m[1]!
      load(spec.startsWith('.') ? posix.normalize(posix.join(posix.dirname(unit), spec)) : spec)
    }
  }
  for (const entry of Object.keys(ENTRIES)) load(entry)

  const outputSelection: Record<string, Record<string, string[]>> = {}
  for (const [unit, names] of Object.entries(ENTRIES)) {
    outputSelection[unit] = Object.fromEntries(
      names.map((n) => [
        n,
        ['abi', 'evm.bytecode.object', 'evm.bytecode.linkReferences', 'evm.deployedBytecode.object'],
      ]),
    )
  }
  const settings = {
    optimizer: { enabled: true, runs: AAVE_V36_SOLC.optimizerRuns },
    evmVersion: AAVE_V36_SOLC.evmVersion,
    viaIR: AAVE_V36_SOLC.viaIR,
    metadata: { bytecodeHash: 'none' },
    outputSelection,
  }
  const key = createHash('sha256')
    .update(JSON.stringify({ sources, settings, solc: AAVE_V36_SOLC.version }))
    .digest('hex')
    .slice(0, 16)
  const cachePath = join(cacheDir, `aave-v3.6-${key}.json`)
  if (existsSync(cachePath)) return JSON.parse(readFileSync(cachePath, 'utf8')) as AaveV36Artifacts
  // A cold cache with parallel test workers: one process compiles, the others wait for its file.
  mkdirSync(cacheDir, { recursive: true })
  const lock = `${cachePath}.lock`
  for (;;) {
    if (existsSync(cachePath)) return JSON.parse(readFileSync(cachePath, 'utf8')) as AaveV36Artifacts
    try {
      mkdirSync(lock)
      break
    } catch {
      if (Date.now() - lockTime(lock) > STALE_LOCK_MS) rmSync(lock, { recursive: true, force: true })
      else Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 250)
    }
  }
  try {
    return compileInto(sources, settings, cachePath)
  } finally {
    rmSync(lock, { recursive: true, force: true })
  }
}

/** A compile lock older than this belongs to a process that died: taken over. */
const STALE_LOCK_MS = 10 * 60_000

function lockTime(lock: string): number {
  try {
    return statSync(lock).mtimeMs
  } catch {
    return Date.now()
  }
}

function compileInto(
  sources: Record<string, { content: string }>,
  settings: object,
  cachePath: string,
): AaveV36Artifacts {
  const solc = require(AAVE_V36_SOLC.package) as { compile(input: string): string; version(): string }
  if (!solc.version().startsWith(`${AAVE_V36_SOLC.version}+`))
    throw new Error(`${AAVE_V36_SOLC.package} is solc ${solc.version()}, expected ${AAVE_V36_SOLC.version}`)
  const output = JSON.parse(solc.compile(JSON.stringify({ language: 'Solidity', sources, settings }))) as {
    errors?: { severity: string; formattedMessage: string }[]
    contracts: Record<
      string,
      Record<
        string,
        {
          abi: Abi
          evm: {
            bytecode: { object: string; linkReferences: AaveV36Artifact['linkReferences'] }
            deployedBytecode: { object: string }
          }
        }
      >
    >
  }
  const errors = (output.errors ?? []).filter((e) => e.severity === 'error')
  if (errors.length > 0)
    throw new Error(`solc (Aave v3.6): ${errors.map((e) => e.formattedMessage).join('\n')}`)
  const artifacts = {} as AaveV36Artifacts
  for (const [unit, names] of Object.entries(ENTRIES)) {
    for (const name of names) {
      const c = output.contracts[unit]?.[name]
      if (!c) throw new Error(`solc output lacks ${unit}:${name}`)
      artifacts[name as AaveV36ContractName] = {
        contractName: name,
        abi: c.abi,
        bytecode: `0x${c.evm.bytecode.object}`,
        deployedSize: c.evm.deployedBytecode.object.length / 2,
        linkReferences: c.evm.bytecode.linkReferences,
      }
    }
  }
  const tmp = `${cachePath}.${process.pid}.tmp`
  writeFileSync(tmp, JSON.stringify(artifacts))
  renameSync(tmp, cachePath) // atomic: parallel test workers never read half a file
  return artifacts
}
