/**
 * Account discovery, the I/O part: from an owner address, the smart accounts the chain's
 * registries name (see ./registry.ts). Round trip 1 ({@link findAccountCandidates}): ONE
 * aggregate3 eth_call of the registry views (`proxies(owner)`, `userLink(owner)`) together with
 * the DPM event scans (eth_getLogs, filtered by the owner's topic), all pinned to one block.
 * Round trip 2 ({@link confirmAccounts}), only when something was found: the confirmations
 * (`owner()` of the DSProxy, `owners(proxy)` of each DPM candidate) and the first step of the
 * DSA list walk, in one aggregate3 pinned to the same block; an owner with more than two DSAs
 * takes one more round trip per two.
 */
import { executeBatch, type RawCall, type RawResult } from '../chains/batch.js'
import { rpcRequest } from '../chains/block.js'
import type { ChainClient } from '../chains/client.js'
import type { Deadline } from '../chains/deadline.js'
import { createLogBudget, type LogBudget, planLogRanges, spendLogRequest } from '../chains/log-budget.js'
import { type Address, sameAddress } from '../core/address.js'
import { BaseError } from '../core/errors.js'
import { confirmsDsProxyOwner, decodeDsProxyLookup, planDsProxyLookup, planDsProxyOwner } from './ds-proxy.js'
import {
  applyDsaStep,
  type DsaLink,
  decodeDsaLink,
  dsaAccounts,
  dsaWalkTruncated,
  planDsaLink,
  planDsaStep,
  startDsaWalk,
} from './instadapp-dsa.js'
import {
  confirmsDpmOwner,
  decodeDpmCandidates,
  dpmLogFilters,
  type LogFilter,
  planDpmOwner,
  type RawLog,
} from './summer-dpm.js'
import type { AccountRegistries, SmartAccount } from './types.js'

/** Params of {@link findAccountCandidates}. */
export interface FindAccountCandidatesParams {
  client: ChainClient
  /** The chain's key and Multicall3. */
  chain: { key: string; multicall3: Address }
  registries: AccountRegistries
  owner: Address
  /** Pin to this block; the latest when omitted (the batch says which block that was). */
  blockNumber?: bigint
  deadline?: Deadline
  /** The request's eth_getLogs budget (the DPM scans are paid from it). */
  logBudget?: LogBudget
}

/** What round trip 1 found, at the block it was read. */
export interface AccountCandidates {
  /** The block every read of the owner's report is pinned to. */
  blockNumber: bigint
  /** Unix seconds of that block. */
  timestamp: bigint
  /** The proxy `proxies(owner)` names (unconfirmed), or null. */
  dsProxy: Address | null
  /** The owner's InstaList head, or null (no InstaList, or the call failed). */
  dsaLink: DsaLink | null
  /** DPM accounts created for or transferred to the owner up to the block (unconfirmed). */
  dpm: Address[]
}

/**
 * Round trip 1: the registry views in one aggregate3 and the DPM event scans, concurrently. An
 * unpinned scan runs to `latest` and keeps the logs up to the batch's block, so both answers are
 * of the same block. A provider that refuses the whole range is asked again in planned chunks
 * (paid from the log budget).
 * @throws RPC faults (coded), LogBudgetExceededError.
 */
export async function findAccountCandidates(params: FindAccountCandidatesParams): Promise<AccountCandidates> {
  const { client, chain, registries: r, owner, deadline } = params
  const calls: RawCall[] = []
  const at = { dsProxy: -1, dsa: -1 }
  if (r.dsProxy) at.dsProxy = calls.push(planDsProxyLookup(r.dsProxy, owner)) - 1
  if (r.instadapp) at.dsa = calls.push(planDsaLink(r.instadapp, owner)) - 1
  const batchP = executeBatch({
    client,
    chain: chain.key,
    multicall3: chain.multicall3,
    calls,
    ...(params.blockNumber === undefined ? {} : { blockNumber: params.blockNumber }),
    ...(deadline ? { deadline } : {}),
  })
  const logsP = r.summerDpm ? scanDpm(params, r.summerDpm, batchP) : Promise.resolve([])
  // Both settle before either failure is thrown: no scan is left running unobserved.
  const [batchS, logsS] = await Promise.allSettled([batchP, logsP])
  if (batchS.status === 'rejected') throw batchS.reason
  if (logsS.status === 'rejected') throw logsS.reason
  const batch = batchS.value
  const result = (i: number): RawResult | undefined => (i < 0 ? undefined : batch.results[i])
  return {
    blockNumber: batch.blockNumber,
    timestamp: batch.timestamp,
    dsProxy: at.dsProxy < 0 ? null : decodeDsProxyLookup(result(at.dsProxy)),
    dsaLink: at.dsa < 0 ? null : decodeDsaLink(result(at.dsa)),
    dpm: decodeDpmCandidates(logsS.value, batch.blockNumber),
  }
}

/** Failures of a one-range scan that a chunked scan may cure (the provider refused the range). */
const RETRY_AS_CHUNKS = new Set(['RPC_ERROR'])

async function scanDpm(
  params: FindAccountCandidatesParams,
  cfg: NonNullable<AccountRegistries['summerDpm']>,
  batch: Promise<{ blockNumber: bigint }>,
): Promise<RawLog[]> {
  const { client, chain, owner, deadline } = params
  const pinned = params.blockNumber
  if (pinned !== undefined && pinned < cfg.fromBlock) return []
  const budget = params.logBudget ?? createLogBudget()
  const what = 'Summer.fi DPM account discovery'
  const filters = Object.values(dpmLogFilters(cfg, owner))
  const getLogs = (filter: LogFilter, from: bigint, to: bigint | 'latest') =>
    rpcRequest<RawLog[]>({
      client,
      chain: chain.key,
      ...(deadline ? { deadline } : {}),
      ...(typeof to === 'bigint' ? { blockNumber: to } : {}),
      args: {
        method: 'eth_getLogs',
        params: [
          {
            address: filter.address,
            topics: filter.topics,
            fromBlock: `0x${from.toString(16)}`,
            toBlock: to === 'latest' ? 'latest' : `0x${to.toString(16)}`,
          },
        ],
      },
    })
  try {
    for (const _ of filters) spendLogRequest(budget, chain.key, what)
    const logs = await Promise.all(filters.map((f) => getLogs(f, cfg.fromBlock, pinned ?? 'latest')))
    return logs.flat()
  } catch (err) {
    if (!(err instanceof BaseError) || !RETRY_AS_CHUNKS.has(err.code)) throw err
  }
  // The chunks end at the block the batch was read at, once it answered (a pinned block above the
  // head fails there, before any range is planned).
  const read = await batch
  const to = pinned ?? read.blockNumber
  const ranges = filters.flatMap((f) =>
    planLogRanges({
      budget,
      chain: chain.key,
      what,
      fromBlock: cfg.fromBlock,
      toBlock: to,
      span: cfg.logsBlockSpan,
      rangeFrom: 'server',
    }).map(([a, b]) => [f, a, b] as const),
  )
  return (await Promise.all(ranges.map(([f, a, b]) => getLogs(f, a, b)))).flat()
}

/** True when round trip 1 found something to confirm or walk. */
export function hasCandidates(c: AccountCandidates): boolean {
  return c.dsProxy !== null || (c.dsaLink !== null && c.dsaLink.count > 0n) || c.dpm.length > 0
}

/** Params of {@link confirmAccounts}. */
export interface ConfirmAccountsParams
  extends Omit<FindAccountCandidatesParams, 'blockNumber' | 'logBudget'> {
  candidates: AccountCandidates
}

/** The owner's confirmed smart accounts. */
export interface ConfirmedAccounts {
  accounts: SmartAccount[]
  /** Why the list may be incomplete (a DSA list longer than the walk reads), for the answer's notes. */
  notes: string[]
}

/**
 * Round trip 2 and on, pinned to the candidates' block: confirmations and the DSA walk. A DSProxy
 * whose `owner()` is another address and a DPM account the guard gives to another owner are
 * dropped (transferred away).
 * @throws RPC faults (coded).
 */
export async function confirmAccounts(params: ConfirmAccountsParams): Promise<ConfirmedAccounts> {
  const { client, chain, registries: r, owner, candidates: c, deadline } = params
  const run = (calls: RawCall[]) =>
    executeBatch({
      client,
      chain: chain.key,
      multicall3: chain.multicall3,
      calls,
      blockNumber: c.blockNumber,
      ...(deadline ? { deadline } : {}),
    }).then((b) => b.results)
  const fixed: RawCall[] = [
    ...(c.dsProxy ? [planDsProxyOwner(c.dsProxy)] : []),
    ...(r.summerDpm ? c.dpm.map((p) => planDpmOwner(r.summerDpm!, p)) : []),
  ]
  let walk = r.instadapp && c.dsaLink && c.dsaLink.count > 0n ? startDsaWalk(owner, c.dsaLink) : null
  let step = walk && r.instadapp ? planDsaStep(r.instadapp, walk) : { ids: [], calls: [] }
  const results = await run([...fixed, ...step.calls])
  const accounts: SmartAccount[] = []
  let i = 0
  if (c.dsProxy && r.dsProxy) {
    if (confirmsDsProxyOwner(results[i], owner))
      accounts.push({ address: c.dsProxy, kind: 'ds-proxy', registry: r.dsProxy.registry })
    i++
  }
  if (r.summerDpm) {
    for (const proxy of c.dpm) {
      if (confirmsDpmOwner(results[i], owner))
        accounts.push({ address: proxy, kind: 'summer-dpm', registry: r.summerDpm.guard })
      i++
    }
  }
  const notes: string[] = []
  if (walk && r.instadapp) {
    walk = applyDsaStep(walk, step.ids, results.slice(i))
    for (step = planDsaStep(r.instadapp, walk); step.ids.length > 0; step = planDsaStep(r.instadapp, walk)) {
      walk = applyDsaStep(walk, step.ids, await run(step.calls))
    }
    for (const address of dsaAccounts(walk))
      accounts.push({ address, kind: 'instadapp-dsa', registry: r.instadapp.list })
    if (dsaWalkTruncated(walk))
      notes.push(
        `${owner} is linked to ${walk.count} Instadapp DSAs on ${chain.key}; the first ${walk.accounts.size} found are read`,
      )
  }
  return { accounts: dedupe(accounts).filter((a) => !sameAddress(a.address, owner)), notes }
}

/** One entry per address (an address found by two registries keeps the first kind). */
function dedupe(accounts: readonly SmartAccount[]): SmartAccount[] {
  const seen = new Set<string>()
  return accounts.filter((a) => {
    const k = a.address.toLowerCase()
    if (seen.has(k)) return false
    seen.add(k)
    return true
  })
}
