/**
 * One owner's positions on one EVM chain: its own address and every smart account the chain's
 * registries name for it (DSProxy, Instadapp DSA, Summer.fi DPM: src/accounts/), read at ONE block
 * and attributed (`account`, `accountKind`, `owner` on every row).
 *
 * Round trips (a chain with registries): the owner's `readWallet` starts at once, beside account
 * discovery (one aggregate3 of registry views with the DPM eth_getLogs beside it: round trip 1).
 * Found nothing (most addresses): the owner's read is the answer, no round trip added. Found
 * accounts: each one's `readWallet` runs pinned to discovery's block, beside the confirmations
 * (`owner()`, `owners(proxy)`) and the DSA list walk (one more aggregate3); DSAs (named by that
 * walk) are read once it answers. The owner's read is kept when it landed on that block, else
 * repeated there; an unpinned discovery whose block is older than the owner's read is repeated at
 * the read's block. A chain without registries, or a read with discovery off, is exactly
 * `readWallet` of the owner.
 */
import {
  type AccountCandidates,
  confirmAccounts,
  findAccountCandidates,
  hasCandidates,
} from '../accounts/discover.js'
import { accountRegistriesFor, hasRegistries } from '../accounts/registry.js'
import type { SmartAccount } from '../accounts/types.js'
import type { RateCall } from '../assets/rates.js'
import type { ChainClient } from '../chains/client.js'
import type { HeadCache } from '../chains/head-cache.js'
import { type Address, sameAddress } from '../core/address.js'
import { BaseError, NotDeployedAtBlockError } from '../core/errors.js'
import type { AccountKind, PositionResult } from '../core/types.js'
import type { DevchainManifest } from '../devchain/manifest.js'
import { readWallet, type WalletChainReport } from '../protocols/read-wallet.js'
import type { ChainRuntime, ProtocolAdapter } from '../protocols/types.js'
import { budgetFields, type RequestBudget } from './request-budget.js'

/** A smart account of an answer, on its chain (JSON-ready). */
export interface FoundAccount extends SmartAccount {
  chain: string
}

/** An owner's report on one chain: the owner's and its accounts' positions at one block. */
export interface OwnerChainReport extends WalletChainReport {
  /** The smart accounts read with the owner (none when discovery is off or found nothing). */
  accounts: FoundAccount[]
  /** Why the account list may be incomplete. */
  accountNotes: string[]
}

/** Params of {@link readOwnerWallet}. */
export interface ReadOwnerWalletParams extends RequestBudget {
  client: ChainClient
  chain: ChainRuntime
  owner: Address
  adapters: readonly ProtocolAdapter[]
  rateCalls: readonly RateCall[]
  /** The devchain manifest (its stand-in registries), when chain `local` is served. */
  localManifest: DevchainManifest | null
  blockNumber?: bigint | undefined
  /** Look for smart accounts (default true). */
  accounts?: boolean | undefined
  /** The highest heads seen (the root's): discovery's block is recorded, so the pinned reads after it need no head read. */
  heads?: HeadCache | undefined
}

/** The rows of `report`, each naming who holds it. */
export function attribute(
  positions: readonly PositionResult[],
  account: Address,
  accountKind: AccountKind,
  owner: Address,
): PositionResult[] {
  return positions.map((p) => ({ ...p, account, accountKind, owner }))
}

/**
 * Reads `owner` and its smart accounts on `chain` at one block (see the module comment).
 * @throws RPC faults and the errors of `readWallet`.
 */
export async function readOwnerWallet(params: ReadOwnerWalletParams): Promise<OwnerChainReport> {
  const { client, chain, owner, adapters, rateCalls } = params
  const budget = budgetFields(params)
  const registries = accountRegistriesFor(chain, params.localManifest)
  const read = (user: Address, blockNumber: bigint | undefined, withRates: boolean) =>
    readWallet({
      client,
      chain,
      user,
      adapters,
      rateCalls: withRates ? rateCalls : [],
      ...(params.heads ? { heads: params.heads } : {}),
      ...(blockNumber === undefined ? {} : { blockNumber }),
      ...budget,
    })
  const alone = (report: WalletChainReport, notes: string[] = []): OwnerChainReport => ({
    ...report,
    positions: attribute(report.positions, owner, 'eoa', owner),
    accounts: [],
    accountNotes: notes,
  })
  if (params.accounts === false || !hasRegistries(registries))
    return alone(await read(owner, params.blockNumber, true))
  const ownerRead = read(owner, params.blockNumber, true)
  // Observed here so a discovery failure never leaves it rejected unhandled.
  ownerRead.catch(() => {})
  const discover = (blockNumber: bigint | undefined) =>
    findAccountCandidates({
      client,
      chain,
      registries,
      owner,
      ...(blockNumber === undefined ? {} : { blockNumber }),
      ...budget,
    })
  let candidates: AccountCandidates
  try {
    candidates = await discover(params.blockNumber)
  } catch (err) {
    if (params.blockNumber === undefined || !(err instanceof BaseError)) throw err
    // A pinned block above the head: the owner's read refuses it with its own error (naming the head).
    // Before the Multicall3 exists nothing can be batched: the owner's read says so per market.
    const report = await ownerRead
    if (!(err instanceof NotDeployedAtBlockError)) throw err
    return alone(report, [
      `no smart-account discovery on ${chain.key} at block ${params.blockNumber}: ${err.message}`,
    ])
  }
  if (!hasCandidates(candidates)) {
    const report = await ownerRead
    if (report.blockNumber === candidates.blockNumber) return alone(report)
    // The owner's read landed on a newer block: ask the registries at that very block.
    candidates = await discover(report.blockNumber)
    if (!hasCandidates(candidates)) return alone(report)
  }
  const block = candidates.blockNumber
  // The batch answered at `block`, so it exists: the accounts' pinned reads skip the head check.
  params.heads?.observe(chain.key, block)
  const ownerAtBlock = ownerRead.then((r) => (r.blockNumber === block ? r : read(owner, block, true)))
  // The proxy and DPM candidates are read while they are confirmed (a transferred one is dropped).
  const early = [...(candidates.dsProxy ? [candidates.dsProxy] : []), ...candidates.dpm].filter(
    (a) => !sameAddress(a, owner),
  )
  const earlyReads = new Map(early.map((a) => [a.toLowerCase(), read(a, block, false)]))
  // The DSAs' reads start as soon as the walk names them (not after the early reads).
  const confirmedP = confirmAccounts({
    client,
    chain,
    registries,
    owner,
    candidates,
    ...(budget.deadline ? { deadline: budget.deadline } : {}),
  })
  const accountReadsP = confirmedP.then((confirmed) =>
    Promise.all(
      confirmed.accounts.map(async (account) => ({
        account,
        report: await (earlyReads.get(account.address.toLowerCase()) ?? read(account.address, block, false)),
      })),
    ),
  )
  // Every read settles before a failure is thrown: none is left running unobserved.
  const settled = await Promise.allSettled([confirmedP, ownerAtBlock, accountReadsP, ...earlyReads.values()])
  const failed = settled.find((s) => s.status === 'rejected')
  if (failed) throw failed.reason
  const confirmed = await confirmedP
  const ownerReport = await ownerAtBlock
  const reports = await accountReadsP
  return {
    ...ownerReport,
    positions: [
      ...attribute(ownerReport.positions, owner, 'eoa', owner),
      ...reports.flatMap(({ account, report }) =>
        attribute(report.positions, account.address, account.kind, owner),
      ),
    ],
    accounts: confirmed.accounts.map((a) => ({ chain: chain.key, ...a })),
    accountNotes: confirmed.notes,
  }
}
