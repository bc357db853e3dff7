/**
 * One owner's positions on one EVM chain: its own address and every smart account the chain's
 * registries name for it (DSProxy, Instadapp DSA, Summer.fi DPM: src/accounts/), read at ONE block
 * and attributed (`account`, `accountKind`, `owner` on every row).
 *
 * Round trips (a chain with registries): 1 = account discovery (one aggregate3 of registry views
 * with the DPM eth_getLogs beside it), which also fixes the block; then the owner's and each
 * account's `readWallet` run concurrently, pinned to that block, while the confirmations
 * (`owner()`, `owners(proxy)`) and the DSA list walk go out in one more aggregate3 beside them.
 * DSAs (their addresses come from that walk) are read once it answers. A chain without registries,
 * or a read with discovery off, is exactly `readWallet` of the owner.
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
import { resolveBlock } from '../chains/block.js'
import type { ChainClient } from '../chains/client.js'
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
  const registries = accountRegistriesFor(chain.key, params.localManifest)
  const read = (user: Address, blockNumber: bigint | undefined, withRates: boolean) =>
    readWallet({
      client,
      chain,
      user,
      adapters,
      rateCalls: withRates ? rateCalls : [],
      ...(blockNumber === undefined ? {} : { blockNumber }),
      ...budget,
    })
  if (params.accounts === false || !hasRegistries(registries)) {
    const report = await read(owner, params.blockNumber, true)
    return {
      ...report,
      positions: attribute(report.positions, owner, 'eoa', owner),
      accounts: [],
      accountNotes: [],
    }
  }
  let candidates: AccountCandidates
  try {
    candidates = await findAccountCandidates({
      client,
      chain,
      registries,
      owner,
      ...(params.blockNumber === undefined ? {} : { blockNumber: params.blockNumber }),
      ...budget,
    })
  } catch (err) {
    if (params.blockNumber === undefined || !(err instanceof BaseError)) throw err
    // A block above the head: the read's own head check answers it, naming the head.
    if (err.code === 'BLOCK_OUT_OF_RANGE') {
      await resolveBlock({ client, chain: chain.key, blockNumber: params.blockNumber, ...budget })
      throw err
    }
    // Before the Multicall3 exists nothing can be batched: the owner's read says so per market.
    if (!(err instanceof NotDeployedAtBlockError)) throw err
    const report = await read(owner, params.blockNumber, true)
    return {
      ...report,
      positions: attribute(report.positions, owner, 'eoa', owner),
      accounts: [],
      accountNotes: [
        `no smart-account discovery on ${chain.key} at block ${params.blockNumber}: ${err.message}`,
      ],
    }
  }
  const block = candidates.blockNumber
  const ownerRead = read(owner, block, true)
  if (!hasCandidates(candidates)) {
    const report = await ownerRead
    return {
      ...report,
      positions: attribute(report.positions, owner, 'eoa', owner),
      accounts: [],
      accountNotes: [],
    }
  }
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
  const settled = await Promise.allSettled([confirmedP, ownerRead, accountReadsP, ...earlyReads.values()])
  const failed = settled.find((s) => s.status === 'rejected')
  if (failed) throw failed.reason
  const confirmed = await confirmedP
  const ownerReport = await ownerRead
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
