/**
 * Aave V4 deployments (Hubs and user-facing Spokes with their AaveOracles), generated from
 * `@aave-dao/aave-address-book` (4.68.1: AaveV4Ethereum, AaveV4Avalanche, AaveV4Arc), never hand
 * listed (extracted from the installed book by scripts/gen-aave-book.ts into ./book-data.ts);
 * plus the parser of a `STACKLENS_CONFIG` entry for deployments the book does not have.
 */
import type { ChainKey } from '../../chains/registry.js'
import { type Address, parseAddress } from '../../core/address.js'
import { BaseError } from '../../core/errors.js'
import { AAVE_BOOK_VERSION, AaveV4Arc, AaveV4Avalanche, AaveV4Ethereum } from './book-data.js'

/** One Spoke: a market users see (market id of its positions). */
export interface AaveV4SpokeConfig {
  /** Market id, e.g. "aave-v4-ethereum-main-spoke". */
  id: string
  name: string
  address: Address
  /** The Spoke's AaveOracle (immutable `ORACLE()`); null when unknown (read, then a pinned follow-up). */
  oracle: Address | null
}

/** One V4 deployment on one chain: its Hubs and Spokes and where discovery starts. */
export interface AaveV4Deployment {
  /** e.g. "aave-v4-ethereum". */
  id: string
  /** The chain key it binds to (a key of the chain registry, or another for chains not served yet). */
  chain: string
  chainId: number
  hubs: { name: string; address: Address }[]
  /** User-facing Spokes only: no TreasurySpoke, no TokenizationSpokes (ERC-4626 vaults). */
  spokes: AaveV4SpokeConfig[]
  /** First block worth scanning for a wallet's events. */
  startBlock: bigint
  /** Largest block span per eth_getLogs request. */
  logsBlockSpan: bigint
  /** Where the addresses come from. */
  source: string
}

interface V4Book {
  CHAIN_ID: number
  HUBS: Readonly<Record<string, string>>
  SPOKES: Readonly<Record<string, string>>
}

const BOOK_SOURCE = `@aave-dao/aave-address-book ${AAVE_BOOK_VERSION}`

/**
 * The book's Spokes paired with their `<NAME>_ORACLE` entries; the TreasurySpoke (the fee
 * receiver, no users) is left out, and TokenizationSpokes live in another table of the book.
 */
export function deploymentFromBook(
  chain: string,
  book: V4Book,
  options: { startBlock: bigint; logsBlockSpan?: bigint },
): AaveV4Deployment {
  const spokes: AaveV4SpokeConfig[] = Object.entries(book.SPOKES)
    .filter(([name]) => !name.endsWith('_ORACLE') && name !== 'TREASURY_SPOKE')
    .map(([name, address]) => ({
      id: `aave-v4-${chain}-${name.toLowerCase().replace(/_/g, '-')}`,
      name: `Aave V4 ${titleCase(chain)} ${titleCase(name)}`,
      address: address as Address,
      oracle: (book.SPOKES[`${name}_ORACLE`] as Address | undefined) ?? null,
    }))
  return {
    id: `aave-v4-${chain}`,
    chain,
    chainId: book.CHAIN_ID,
    hubs: Object.entries(book.HUBS).map(([name, address]) => ({
      name: titleCase(name),
      address: address as Address,
    })),
    spokes,
    startBlock: options.startBlock,
    logsBlockSpan: options.logsBlockSpan ?? 500_000n,
    source: BOOK_SOURCE,
  }
}

function titleCase(s: string): string {
  return s
    .toLowerCase()
    .split(/[_-]/)
    .map((w) => (w === 'espoke' ? 'eSpoke' : w.charAt(0).toUpperCase() + w.slice(1)))
    .join(' ')
}

/**
 * Every V4 deployment in the address book. Start blocks: the book has none. Ethereum's is a lower
 * bound (block 23,500,000, autumn 2025, before V4's 2026 mainnet launch); Avalanche and Arc have
 * no known bound here (0: a full scan until a composition root sets the deployment block).
 */
export const AAVE_V4_BOOK_DEPLOYMENTS: readonly AaveV4Deployment[] = [
  deploymentFromBook('ethereum', AaveV4Ethereum, { startBlock: 23_500_000n }),
  deploymentFromBook('avalanche', AaveV4Avalanche, { startBlock: 0n }),
  deploymentFromBook('arc', AaveV4Arc, { startBlock: 0n }),
]

/** The book's deployments on chains stacklens serves, by chain key (Arc is not a served chain yet). */
export const AAVE_V4_DEPLOYMENTS: Partial<Record<ChainKey, readonly AaveV4Deployment[]>> = {
  ethereum: AAVE_V4_BOOK_DEPLOYMENTS.filter((d) => d.chain === 'ethereum'),
  avalanche: AAVE_V4_BOOK_DEPLOYMENTS.filter((d) => d.chain === 'avalanche'),
}

/** A `STACKLENS_CONFIG` entry that is not an Aave V4 deployment. */
export class InvalidAaveV4ConfigError extends BaseError {
  override name = 'InvalidAaveV4ConfigError'
  constructor(why: string) {
    super('INVALID_REQUEST', `invalid aave-v4 config entry: ${why}`)
  }
}

/**
 * Parses a `STACKLENS_CONFIG` entry `{ "protocol": "aave-v4", "chain", "chainId"?, "id", "hub" |
 * "hubs", "spokes": [address | { address, oracle?, id?, name? }], "startBlock", "logsBlockSpan"? }`
 * into a deployment. Throws {@link InvalidAaveV4ConfigError}.
 */
export function parseAaveV4ConfigEntry(entry: unknown, chainId: number): AaveV4Deployment {
  if (typeof entry !== 'object' || entry === null) throw new InvalidAaveV4ConfigError('not an object')
  const e = entry as Record<string, unknown>
  if (e.protocol !== 'aave-v4') throw new InvalidAaveV4ConfigError('protocol is not "aave-v4"')
  if (typeof e.chain !== 'string' || typeof e.id !== 'string')
    throw new InvalidAaveV4ConfigError('chain and id must be strings')
  const addr = (v: unknown, what: string): Address => {
    if (typeof v !== 'string') throw new InvalidAaveV4ConfigError(`${what} must be an address`)
    try {
      return parseAddress(v)
    } catch {
      throw new InvalidAaveV4ConfigError(`${what} "${v}" is not an address`)
    }
  }
  const hubsRaw = Array.isArray(e.hubs) ? e.hubs : e.hub === undefined ? [] : [e.hub]
  if (hubsRaw.length === 0) throw new InvalidAaveV4ConfigError('hub (or hubs) is required')
  if (!Array.isArray(e.spokes) || e.spokes.length === 0)
    throw new InvalidAaveV4ConfigError('spokes must be a non-empty list')
  const block = (v: unknown, what: string, fallback?: bigint): bigint => {
    if (v === undefined && fallback !== undefined) return fallback
    if (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0) return BigInt(v)
    if (typeof v === 'string' && /^\d+$/.test(v)) return BigInt(v)
    throw new InvalidAaveV4ConfigError(`${what} must be a non-negative integer`)
  }
  const id = e.id
  return {
    id,
    chain: e.chain,
    chainId: typeof e.chainId === 'number' ? e.chainId : chainId,
    hubs: hubsRaw.map((h, i) => ({ name: `Hub ${i}`, address: addr(h, `hubs[${i}]`) })),
    spokes: e.spokes.map((s, i) => {
      const o = typeof s === 'string' ? { address: s } : (s as Record<string, unknown>)
      const address = addr(o.address, `spokes[${i}].address`)
      return {
        id: typeof o.id === 'string' ? o.id : `${id}-spoke-${address.toLowerCase()}`,
        name: typeof o.name === 'string' ? o.name : `${id} Spoke ${i}`,
        address,
        oracle: o.oracle === undefined ? null : addr(o.oracle, `spokes[${i}].oracle`),
      }
    }),
    startBlock: block(e.startBlock, 'startBlock'),
    logsBlockSpan: block(e.logsBlockSpan, 'logsBlockSpan', 500_000n),
    source: 'STACKLENS_CONFIG',
  }
}
