/**
 * Generates the compact Aave address-book data modules stacklens ships, from the installed
 * `@aave-dao/aave-address-book` (its whole namespace is ~495 KiB in a bundle; stacklens reads a
 * few fields of it):
 * - src/protocols/aave-v3/book-data.ts: every Aave v3 pool on a main network (each
 *   `AaveV3<Chain>[<Instance>]` export with a Pool, a PoolAddressesProvider and a
 *   UiPoolDataProviderV3; testnets excluded), with its chain id, Oracle and ProtocolDataProvider;
 * - src/protocols/aave-v4/book-data.ts: every main-network `AaveV4<Chain>` export's chain id,
 *   Hubs and Spokes (with their `<NAME>_ORACLE` entries);
 * - src/assets/aave-book-data.ts: the listed reserves (symbol, decimals, underlying, aToken) of
 *   the markets src/assets/aave-book.ts turns into asset-graph nodes.
 *
 * test/unit/protocols/aave-book-data.test.ts regenerates them in memory and requires the
 * committed files to be identical, so an address-book upgrade cannot drift silently: after
 * bumping the package, run this and commit the result.
 *
 * Usage: npx tsx scripts/gen-aave-book.ts [--check]
 */
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import * as addressBook from '@aave-dao/aave-address-book'

const ROOT = join(fileURLToPath(new URL('.', import.meta.url)), '..')

/** The markets whose reserves become asset-graph nodes (src/assets/aave-book.ts). */
export const ASSET_MARKETS = [
  'AaveV3Ethereum',
  'AaveV3Arbitrum',
  'AaveV3Base',
  'AaveV3Optimism',
  'AaveV3Polygon',
] as const

/** Address-book export names of test networks (never served). */
const TESTNET = /Sepolia|Fuji|Goerli|Mumbai|Testnet/

/** The installed address book's version (named in every generated file's header). */
export function bookVersion(): string {
  const pkg = join(ROOT, 'node_modules', '@aave-dao', 'aave-address-book', 'package.json')
  return (JSON.parse(readFileSync(pkg, 'utf8')) as { version: string }).version
}

type Rec = Record<string, unknown>
const isRec = (v: unknown): v is Rec => typeof v === 'object' && v !== null
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined)

interface V3Pool {
  bookKey: string
  CHAIN_ID: number
  POOL: string
  POOL_ADDRESSES_PROVIDER: string
  UI_POOL_DATA_PROVIDER: string
  ORACLE?: string
  AAVE_PROTOCOL_DATA_PROVIDER?: string
}

/** Every main-network v3 pool with a UiPoolDataProviderV3: by chain id, Core (shortest key) first. */
export function v3Pools(book: Rec): V3Pool[] {
  const out: V3Pool[] = []
  for (const [key, v] of Object.entries(book)) {
    if (!/^AaveV3[A-Z]/.test(key) || TESTNET.test(key) || !isRec(v)) continue
    const pool = str(v.POOL)
    const provider = str(v.POOL_ADDRESSES_PROVIDER)
    const ui = str(v.UI_POOL_DATA_PROVIDER)
    if (typeof v.CHAIN_ID !== 'number' || !pool || !provider || !ui) continue
    const oracle = str(v.ORACLE)
    const dataProvider = str(v.AAVE_PROTOCOL_DATA_PROVIDER)
    out.push({
      bookKey: key,
      CHAIN_ID: v.CHAIN_ID,
      POOL: pool,
      POOL_ADDRESSES_PROVIDER: provider,
      UI_POOL_DATA_PROVIDER: ui,
      ...(oracle ? { ORACLE: oracle } : {}),
      ...(dataProvider ? { AAVE_PROTOCOL_DATA_PROVIDER: dataProvider } : {}),
    })
  }
  return out.sort(
    (a, b) =>
      a.CHAIN_ID - b.CHAIN_ID || a.bookKey.length - b.bookKey.length || a.bookKey.localeCompare(b.bookKey),
  )
}

const stringRecord = (v: unknown, what: string): Record<string, string> => {
  if (!isRec(v) || !Object.values(v).every((x) => typeof x === 'string'))
    throw new Error(`${what} is not a record of addresses`)
  return v as Record<string, string>
}

/** Every main-network V4 deployment: chain id, Hubs, Spokes (with `<NAME>_ORACLE`), by book key. */
export function v4Books(book: Rec): [string, { CHAIN_ID: number; HUBS: Rec; SPOKES: Rec }][] {
  return Object.entries(book)
    .filter(([key, v]) => /^AaveV4[A-Z]/.test(key) && !TESTNET.test(key) && isRec(v))
    .map(([key, v]) => {
      const b = v as Rec
      if (typeof b.CHAIN_ID !== 'number') throw new Error(`${key}.CHAIN_ID is not a number`)
      return [
        key,
        {
          CHAIN_ID: b.CHAIN_ID,
          HUBS: stringRecord(b.HUBS, `${key}.HUBS`),
          SPOKES: stringRecord(b.SPOKES, `${key}.SPOKES`),
        },
      ] as [string, { CHAIN_ID: number; HUBS: Rec; SPOKES: Rec }]
    })
    .sort(([a], [b]) => a.localeCompare(b))
}

/** The reserves of {@link ASSET_MARKETS}, in the book's order: symbol -> decimals, underlying, aToken. */
export function assetBooks(book: Rec): [string, { ASSETS: Rec }][] {
  return ASSET_MARKETS.map((key) => {
    const b = book[key]
    if (!isRec(b) || !isRec(b.ASSETS)) throw new Error(`${key}.ASSETS is missing`)
    const assets: Rec = {}
    for (const [symbol, a] of Object.entries(b.ASSETS)) {
      if (!isRec(a) || typeof a.decimals !== 'number' || !str(a.UNDERLYING) || !str(a.A_TOKEN))
        throw new Error(`${key}.ASSETS.${symbol} lacks decimals, UNDERLYING or A_TOKEN`)
      assets[symbol] = { decimals: a.decimals, UNDERLYING: a.UNDERLYING, A_TOKEN: a.A_TOKEN }
    }
    return [key, { ASSETS: assets }] as [string, { ASSETS: Rec }]
  })
}

// --- rendering: TypeScript in the repository's format (biome), objects always expanded.

const IDENT = /^[A-Za-z_$][\w$]*$/
const key = (k: string) => (IDENT.test(k) ? k : `'${k}'`)

function literal(value: unknown, indent: string): string {
  if (typeof value === 'string') {
    if (/['\\\n]/.test(value)) throw new Error(`unexpected character in ${value}`)
    return `'${value}'`
  }
  if (typeof value === 'number') return String(value)
  const inner = `${indent}  `
  if (Array.isArray(value))
    return `[\n${value.map((v) => `${inner}${literal(v, inner)},\n`).join('')}${indent}]`
  if (isRec(value))
    return `{\n${Object.entries(value)
      .map(([k, v]) => `${inner}${key(k)}: ${literal(v, inner)},\n`)
      .join('')}${indent}}`
  throw new Error(`cannot render ${String(value)}`)
}

const header = (version: string, what: string) =>
  `/**
 * Generated by scripts/gen-aave-book.ts from @aave-dao/aave-address-book ${version}: do not edit.
 * ${what}
 * test/unit/protocols/aave-book-data.test.ts fails when this differs from a regeneration.
 */
export const AAVE_BOOK_VERSION = '${version}'
`

/** The three data modules' paths (from the repository root) and texts, from `book`. */
export function renderAaveBookData(book: Rec, version: string): Record<string, string> {
  const v4 = v4Books(book)
    .map(([k, b]) => `\nexport const ${k}: AaveV4Book = ${literal(b, '')}\n`)
    .join('')
  const assets = assetBooks(book)
    .map(([k, b]) => `\nexport const ${k}: AaveBookAssets = ${literal(b, '')}\n`)
    .join('')
  return {
    'src/protocols/aave-v3/book-data.ts': `${header(version, 'Every main-network Aave v3 pool with a UiPoolDataProviderV3, by chain id, Core first.')}
/** One address-book v3 pool (the book's field names) and the export it comes from. */
export interface AaveV3BookPool {
  bookKey: string
  CHAIN_ID: number
  POOL: string
  POOL_ADDRESSES_PROVIDER: string
  UI_POOL_DATA_PROVIDER: string
  ORACLE?: string
  AAVE_PROTOCOL_DATA_PROVIDER?: string
}

export const AAVE_V3_BOOK_POOLS: readonly AaveV3BookPool[] = ${literal(v3Pools(book), '')}
`,
    'src/protocols/aave-v4/book-data.ts': `${header(version, "Every main-network Aave V4 deployment's chain id, Hubs and Spokes (the book's export names).")}
/** The fields of an \`AaveV4<Chain>\` export stacklens reads. */
export interface AaveV4Book {
  CHAIN_ID: number
  HUBS: Readonly<Record<string, string>>
  SPOKES: Readonly<Record<string, string>>
}
${v4}`,
    'src/assets/aave-book-data.ts': `${header(version, 'The listed reserves (decimals, underlying, aToken) of the markets src/assets/aave-book.ts reads.')}
/** One listed reserve of an \`AaveV3<Chain>\` export, as the book names its fields. */
export interface AaveBookAsset {
  decimals: number
  UNDERLYING: string
  A_TOKEN: string
}

/** An \`AaveV3<Chain>\` export's reserves, by book symbol, in the book's order. */
export interface AaveBookAssets {
  ASSETS: Readonly<Record<string, AaveBookAsset>>
}
${assets}`,
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const files = renderAaveBookData(addressBook as Rec, bookVersion())
  const stale: string[] = []
  for (const [path, text] of Object.entries(files)) {
    const full = join(ROOT, path)
    let current: string | undefined
    try {
      current = readFileSync(full, 'utf8')
    } catch {}
    if (current === text) continue
    stale.push(path)
    if (!process.argv.includes('--check')) writeFileSync(full, text)
  }
  if (process.argv.includes('--check') && stale.length > 0) {
    console.error(`stale (run npx tsx scripts/gen-aave-book.ts): ${stale.join(', ')}`)
    process.exit(1)
  }
  console.log(stale.length > 0 ? `wrote ${stale.join(', ')}` : 'up to date')
}
