/**
 * The wallet read every wallet use case starts from: an address on one chain at one block, or on
 * every configured chain and venue at once (Hyperliquid joins a scan of every source), each chain
 * read in its one pinned batch.
 */
import type { Address } from '../core/address.js'
import { BaseError, ChainNotConfiguredError } from '../core/errors.js'
import type { PositionResult } from '../core/types.js'
import { readVenueWallet, type WalletChainReport } from '../protocols/read-wallet.js'
import { attribute, type FoundAccount, type OwnerChainReport, readOwnerWallet } from './owner-wallet.js'
import { configuredChains, type ReportSources, resolveChain } from './report-sources.js'
import { budgetFields, type RequestBudget } from './request-budget.js'

/** Params of {@link readWalletAcross}. */
export interface ReadWalletAcrossParams extends RequestBudget {
  address: Address
  /** Chain keys to read; every configured chain, and every venue, when undefined. */
  chains?: readonly string[] | undefined
  /** Pin to this block (only with chains). */
  blockNumber?: bigint | undefined
  /**
   * Look for the address's smart accounts (DSProxy, Instadapp DSA, Summer.fi DPM) on chains with
   * registries and read them with it; default true.
   */
  accounts?: boolean | undefined
}

/**
 * Reads `address` on the named chains (every configured chain and venue when undefined),
 * concurrently: one report per chain, with the address's smart accounts on chains whose
 * registries are known (src/report/owner-wallet.ts); every row names its holder.
 * @throws ChainNotConfiguredError when nothing at all is configured; errors of {@link resolveChain}.
 */
export async function readWalletAcross(
  sources: ReportSources,
  params: ReadWalletAcrossParams,
): Promise<OwnerChainReport[]> {
  const { address, blockNumber } = params
  const budget = budgetFields(params)
  const chains = params.chains
    ? params.chains.map((k) => resolveChain(sources, k))
    : configuredChains(sources).map((k) => sources.config.chains[k]!)
  const venues = params.chains === undefined ? sources.venues : []
  if (chains.length === 0 && venues.length === 0) {
    throw new ChainNotConfiguredError('any', [], sources.configHint)
  }
  return Promise.all([
    ...chains.map((chain) =>
      readOwnerWallet({
        client: sources.clientFor(chain),
        chain,
        owner: address,
        adapters: sources.adapters,
        rateCalls: sources.assets.rateCallsFor(chain.key),
        localManifest: sources.config.localManifest,
        blockNumber,
        accounts: params.accounts,
        heads: sources.caches.heads,
        ...budget,
      }),
    ),
    ...venues.map(async ({ venue, adapters }): Promise<OwnerChainReport> => {
      const report = await readVenueWallet({
        venue,
        user: address,
        adapters,
        ...(budget.deadline ? { deadline: budget.deadline } : {}),
      })
      return {
        ...report,
        positions: attribute(report.positions, address, 'eoa', address),
        accounts: [],
        accountNotes: [],
      }
    }),
  ])
}

/** The block and time one chain of an answer was read at (numbers: JSON-ready). */
export interface ChainBlock {
  chain: string
  blockNumber: number
  /** Unix seconds. */
  timestamp: number
}

/** A report's chain, block and time, as every wallet answer lists them. */
export function chainBlockOf(r: WalletChainReport): ChainBlock {
  return { chain: r.chain, blockNumber: Number(r.blockNumber), timestamp: Number(r.timestamp) }
}

/** Params of {@link readWalletReport}. */
export interface ReadWalletReportParams extends RequestBudget {
  address: Address
  /** One chain key; every configured chain (and venue) when undefined. */
  chain?: string | undefined
  /** Pin to this block; needs `chain`. */
  blockNumber?: bigint | undefined
  /** Look for the address's smart accounts and read them with it (default true). */
  accounts?: boolean | undefined
}

/** A wallet read with the header fields of every wallet answer. */
export interface WalletRead {
  reports: WalletChainReport[]
  positions: PositionResult[]
  /** The address, and the chain and block when exactly one chain was read (else null). */
  pinned: { address: Address; chain: string | null; blockNumber: number | null }
  chains: ChainBlock[]
  /** The smart accounts read with the address, every chain's (their rows name them as `account`). */
  accounts: FoundAccount[]
  /** Why an account list may be incomplete. */
  accountNotes: string[]
}

/**
 * The wallet report: `address` on `chain` (every configured chain and venue when undefined) at
 * `blockNumber`.
 * @throws BaseError INVALID_REQUEST for a block without a chain; chain errors of {@link resolveChain};
 *   RPC faults.
 */
export async function readWalletReport(
  sources: ReportSources,
  params: ReadWalletReportParams,
): Promise<WalletRead> {
  const { address, chain, blockNumber } = params
  if (chain === undefined && blockNumber !== undefined) {
    throw new BaseError('INVALID_REQUEST', 'block needs chain: a block number means one chain')
  }
  const reports = await readWalletAcross(sources, {
    address,
    chains: chain === undefined ? undefined : [chain],
    blockNumber,
    accounts: params.accounts,
    ...budgetFields(params),
  })
  const single = reports.length === 1 ? reports[0]! : null
  return {
    reports,
    positions: reports.flatMap((r) => r.positions),
    pinned: {
      address,
      chain: single ? single.chain : null,
      blockNumber: single ? Number(single.blockNumber) : null,
    },
    chains: reports.map(chainBlockOf),
    accounts: reports.flatMap((r) => r.accounts),
    accountNotes: reports.flatMap((r) => r.accountNotes),
  }
}
