/**
 * Reads the positions of many borrowers of one market, all pinned to ONE block, in batched
 * Multicall3 aggregate3 calls (chunks of users, limited concurrency). Every position is decoded by
 * the protocol adapter's own code, so it equals what a wallet report at that block serves.
 */
import { type BlockContext, executeBatch, type RawCall, type RawResult } from '../chains/batch.js'
import { resolveBlock } from '../chains/block.js'
import type { ChainClient } from '../chains/client.js'
import type { Deadline } from '../chains/deadline.js'
import type { Address } from '../core/address.js'
import { BaseError } from '../core/errors.js'
import type { Position, PositionResult } from '../core/types.js'
import {
  AAVE_MARKET_WIDE_CALLS,
  AAVE_WALLET_CALL_INDEX,
  aaveUserCalls,
  aaveWalletCalls,
  createAaveMarketDecoder,
} from '../protocols/aave-v3/read.js'
import { planMorphoWallet } from '../protocols/morpho-blue/index.js'
import type { ReadCaches } from '../protocols/read-caches.js'
import type { ChainRuntime, FollowUp } from '../protocols/types.js'
import { type MarketRef, resolveMarket } from './market-ref.js'
import { evenGroups, pipelined, type Settled } from './paging.js'

/** Params of {@link readMarketPositions}. */
export interface ReadMarketPositionsParams {
  client: ChainClient
  chain: ChainRuntime
  /** An Aave market id of the chain or a Morpho market id (bytes32), or a resolved market. */
  market: string | MarketRef
  /** Aave only: keep only positions with debt in this reserve. */
  reserve?: Address
  /**
   * The users to read; may be a promise (Aave: awaited after the market-wide read is sent, so a
   * caller's borrower enumeration runs beside it).
   */
  borrowers: readonly Address[] | PromiseLike<readonly Address[]>
  /** The block every read is pinned to; the head when omitted. */
  blockNumber?: bigint
  /**
   * Users per aggregate3 eth_call when each reads in full. Default 100 (Aave: two calls a user,
   * about 0.2M gas each with a handful of reserves) or 200 (Morpho). A batch holds at most that
   * many users' calls (an Aave user whose getUserReservesData is reused reads one call, so twice
   * as many of them fit), the users spread evenly over the batches. A batch the node refuses is
   * split in halves.
   */
  chunkSize?: number
  /** Batches in flight. Default 2. */
  concurrency?: number
  /** The request's deadline: bounds every batch (UPSTREAM_TIMEOUT). */
  deadline?: Deadline
  /** The adapters' read caches (the root's); the adapters' defaults when omitted. */
  caches?: ReadCaches
  /**
   * Lean positions for market-wide risk that derives its own thresholds from the legs (the
   * cascade, the leverage metrics): Aave positions without `liquidationPrices` (no per-reserve
   * bisection); every leg, health factor, rule and check is the same. Default false.
   */
  lean?: boolean
  /**
   * Aave only: what an earlier read at an ancestor block showed that is known unchanged since (no
   * event of the Pool or its tokens names the user in between: the caller checks). Applied only
   * when the market's reserve list, count and revision answer exactly as at that block; then a
   * user in `noDebt` is answered as owing nothing without a read, and a user in `userReserves`
   * reads only getUserAccountData (its getUserReservesData answer is reused; the HF check to the
   * wei against the Pool's own value is still made at this block). May be a promise (awaited after
   * the market-wide read, so the caller's event scan runs beside it); undefined reuses nothing.
   */
  reuse?: MarketReuse | PromiseLike<MarketReuse | undefined>
  /** Aave only: keep each user's raw getUserReservesData answer (for a later `reuse`). */
  keepUserReserves?: boolean
}

/** See `ReadMarketPositionsParams.reuse`. */
export interface MarketReuse {
  /** The market-wide answers' fingerprint at the earlier block ({@link MarketPositions.marketAnswers}). */
  marketAnswers: string
  /** Lower-case user -> its getUserReservesData answer, unchanged since. */
  userReserves: ReadonlyMap<string, RawResult>
  /** Lower-case users that owed nothing then and are unchanged since. */
  noDebt: ReadonlySet<string>
}

/** A borrower whose position could not be read or computed: listed, never served as zeros. */
export interface UnavailableBorrower {
  borrower: Address
  code: string
  reason: string
}

/** Every borrower's position at one block. */
export interface MarketPositions {
  chain: string
  /** The market as requested (Aave market id or Morpho market id). */
  market: string
  blockNumber: bigint
  /** Unix seconds of that block. */
  timestamp: bigint
  /** Positions with debt > 0, in borrower order. */
  positions: Position[]
  /** `owners[i]` holds `positions[i]`. */
  owners: Address[]
  /** Borrowers read fine that owe nothing at the block (repaid, liquidated, or never borrowed here). */
  noDebt: Address[]
  unavailable: UnavailableBorrower[]
  counts: {
    borrowers: number
    withDebt: number
    noDebt: number
    unavailable: number
    /** aggregate3 eth_calls made, follow-ups included. */
    batches: number
    /** Users answered from `reuse` (no getUserReservesData read, or no read at all). */
    reused: number
  }
  /** Aave: the reserve list, count and revision answers as one string (compared by `reuse`). */
  marketAnswers?: string
  /** Aave with `keepUserReserves`: lower-case user -> its getUserReservesData answer at this block. */
  userReserves?: Map<string, RawResult>
  /** Aave: the Pool and its reserves' tokens (whose events can change a user's answers). */
  contracts?: readonly Address[]
}

/**
 * Resolves once the JSON-RPC requests started before it have left: the client's batch scheduler
 * (viem's, with `wait: 0`) sends on a zero-delay timer, and timers fire in the order they fall
 * due, so the second of two zero-delay timers runs after any scheduled before the first one fired.
 * Lets a batch's decoding (CPU) run while the node works on the next batch.
 */
function afterScheduledSends(): Promise<void> {
  return new Promise<void>((r) => setTimeout(r, 0)).then(() => new Promise<void>((r) => setTimeout(r, 0)))
}

/** One user's reads and how to decode them. */
interface UserPlan {
  user: Address
  calls: RawCall[]
  decode(results: RawResult[], block: BlockContext, followUp: FollowUp): Promise<PositionResult[]>
}

type Outcome =
  | { kind: 'position'; position: Position }
  | { kind: 'noDebt' }
  | { kind: 'unavailable'; code: string; reason: string }

/** Codes that fail the whole read (the answer as a whole is unusable), never one borrower's row. */
const FATAL = new Set(['RPC_UNAVAILABLE', 'BLOCK_OUT_OF_RANGE', 'UPSTREAM_TIMEOUT', 'RPC_BLOCK_MISMATCH'])
const fatal = (err: BaseError) => FATAL.has(err.code)

function asBaseError(caught: unknown): BaseError {
  return caught instanceof BaseError
    ? caught
    : new BaseError(
        'PROTOCOL_READ_FAILED',
        `unexpected answer: ${caught instanceof Error ? caught.message.split('\n')[0] : String(caught)}`,
      )
}

function hasDebt(p: Position, reserve: Address | undefined): boolean {
  return p.legs.some(
    (l) =>
      l.side === 'debt' &&
      l.amount > 0n &&
      (reserve === undefined || l.asset.address?.toLowerCase() === reserve.toLowerCase()),
  )
}

/**
 * Reads every borrower's position in `market` at one block: Aave reads the market-wide data
 * (getReservesData, getEModes, getReservesList, getReservesCount, POOL_REVISION) ONCE and then
 * getUserReservesData + getUserAccountData per user, decoding each user with the adapter's
 * `decodeAaveWallet` (same exact math, same healthFactorWad); Morpho uses the adapter's plan for
 * that one market (the first user warms the market facts, the rest are read complete in their
 * batch). Only positions with debt > 0 are returned; a user that cannot be read is listed in
 * `unavailable`. RPC outages and a block above the head throw.
 */
export async function readMarketPositions(params: ReadMarketPositionsParams): Promise<MarketPositions> {
  const { client, chain } = params
  const ref =
    typeof params.market === 'string' ? resolveMarket(chain, params.market, params.reserve) : params.market
  const reserve = ref.kind === 'aave-v3' ? (params.reserve ?? ref.reserve) : undefined
  const blockNumber =
    params.blockNumber ??
    (
      await resolveBlock({
        client,
        chain: chain.key,
        ...(params.deadline ? { deadline: params.deadline } : {}),
      })
    ).blockNumber
  let batches = 0
  let reused = 0
  let marketAnswers: string | undefined
  let keptUserReserves: Map<string, RawResult> | undefined
  let contracts: readonly Address[] | undefined
  let timestamp: bigint | undefined
  const batch = async (calls: readonly RawCall[]) => {
    batches++
    const res = await executeBatch({
      client,
      chain: chain.key,
      multicall3: chain.multicall3,
      calls,
      blockNumber,
      ...(params.deadline ? { deadline: params.deadline } : {}),
    })
    timestamp = res.timestamp
    return res
  }
  const followUp: FollowUp = async (calls) => (await batch(calls)).results

  const outcomes = new Map<Address, Outcome>()
  const classify = (user: Address, rows: PositionResult[]) => {
    const row =
      rows.find((r) => r.status === 'unavailable') ??
      rows.find((r) => r.status === 'ok' && hasDebt(r, reserve))
    if (!row) outcomes.set(user, { kind: 'noDebt' })
    else if (row.status === 'ok') outcomes.set(user, { kind: 'position', position: row })
    else outcomes.set(user, { kind: 'unavailable', code: row.code, reason: row.reason })
  }

  type Answer = Awaited<ReturnType<typeof batch>>
  const fetchGroup = (plans: readonly UserPlan[]) => batch(plans.flatMap((p) => p.calls))
  /** Decodes a group's answer, or on a failed batch reads its halves (a refused batch is split). */
  const consumeGroup = async (answer: Settled<Answer>, plans: readonly UserPlan[]): Promise<void> => {
    if (!answer.ok) {
      const err = asBaseError(answer.error)
      if (fatal(err)) throw err
      if (plans.length > 1) {
        const mid = Math.ceil(plans.length / 2)
        await readGroup(plans.slice(0, mid))
        await readGroup(plans.slice(mid))
        return
      }
      outcomes.set(plans[0]!.user, { kind: 'unavailable', code: err.code, reason: err.message })
      return
    }
    const res = answer.value
    const block = { blockNumber: res.blockNumber, timestamp: res.timestamp }
    let offset = 0
    await Promise.all(
      plans.map(async (p) => {
        const slice = res.results.slice(offset, offset + p.calls.length)
        offset += p.calls.length
        try {
          classify(p.user, await p.decode(slice, block, followUp))
        } catch (caught) {
          const err = asBaseError(caught)
          if (fatal(err)) throw err
          outcomes.set(p.user, { kind: 'unavailable', code: err.code, reason: err.message })
        }
      }),
    )
  }
  /** Reads a group of users in one batch; a batch the node refuses is split in halves. */
  const readGroup = async (plans: readonly UserPlan[]): Promise<void> => {
    if (plans.length === 0) return
    let answer: Settled<Answer>
    try {
      answer = { ok: true, value: await fetchGroup(plans) }
    } catch (error) {
      answer = { ok: false, error }
    }
    await consumeGroup(answer, plans)
  }
  /**
   * Every plan, in even batches of at most `maxCalls` calls (a carried Aave user reads one call,
   * a full one two), `concurrency` in flight, each batch's decoding overlapping the next ones'.
   */
  const readAll = (plans: readonly UserPlan[], maxCalls: number) =>
    pipelined(
      evenGroups(plans, (p) => p.calls.length, maxCalls, concurrency),
      concurrency,
      fetchGroup,
      consumeGroup,
      afterScheduledSends,
    )

  let users: Address[]
  const concurrency = params.concurrency ?? 2
  if (ref.kind === 'aave-v3') {
    const market = ref.config
    const SHARED = AAVE_MARKET_WIDE_CALLS
    const probe = aaveWalletCalls(market, '0x0000000000000000000000000000000000000000')
    const [sharedRead, listed] = await Promise.all([batch(SHARED.map((i) => probe[i]!)), params.borrowers])
    users = [...listed]
    const slice: RawResult[] = new Array(probe.length)
    SHARED.forEach((i, k) => {
      slice[i] = sharedRead.results[k]!
    })
    // The market's answers are decoded once for every user (same checks, same errors per user).
    const decodeUser = await createAaveMarketDecoder(
      market,
      slice,
      { blockNumber: sharedRead.blockNumber, timestamp: sharedRead.timestamp },
      followUp,
    )
    const options = params.lean ? { liquidationPrices: false } : {}
    const at = (i: number) => {
      const r = sharedRead.results[SHARED.indexOf(i as never)]
      return r ? `${r.success}:${r.returnData}` : 'none'
    }
    const I = AAVE_WALLET_CALL_INDEX
    marketAnswers = [at(I.reservesList), at(I.reservesCount), at(I.poolRevision)].join('|')
    contracts = decodeUser.contracts
    const offered = await params.reuse
    const reuse = offered?.marketAnswers === marketAnswers ? offered : undefined
    if (params.keepUserReserves) keptUserReserves = new Map()
    const kept = keptUserReserves
    const plans: UserPlan[] = []
    for (const user of users) {
      const key = user.toLowerCase()
      if (reuse?.noDebt.has(key)) {
        outcomes.set(user, { kind: 'noDebt' })
        reused++
        continue
      }
      const known = reuse?.userReserves.get(key)
      const [userReservesCall, accountDataCall] = aaveUserCalls(market, user)
      if (known) {
        reused++
        kept?.set(key, known)
        plans.push({
          user,
          calls: [accountDataCall],
          decode: (results, block, fu) => decodeUser(known, results[0], block, fu, options),
        })
      } else
        plans.push({
          user,
          calls: [userReservesCall, accountDataCall],
          decode: (results, block, fu) => {
            if (kept && results[0]) kept.set(key, results[0])
            return decodeUser(results[0], results[1], block, fu, options)
          },
        })
    }
    await readAll(plans, 2 * (params.chunkSize ?? 100))
  } else {
    users = [...(await params.borrowers)]
    const plan = (user: Address): UserPlan => {
      const [p] = planMorphoWallet({
        chain,
        config: ref.config,
        user,
        ids: [ref.id],
        facts: params.caches?.morphoFacts,
      })
      return { user, calls: p!.calls, decode: p!.decode }
    }
    // The first user alone: its decode learns (and caches) the market facts, so every later plan
    // reads its user completely inside its chunk's batch.
    if (users.length > 0) await readGroup([plan(users[0]!)])
    const rest = users.slice(1).map(plan)
    const callsPerUser = rest.reduce((m, p) => Math.max(m, p.calls.length), 1)
    await readAll(rest, callsPerUser * (params.chunkSize ?? 200))
  }

  if (timestamp === undefined) {
    // No borrowers: still say which block (and time) this answer is for.
    timestamp = (await batch([])).timestamp
  }
  const positions: Position[] = []
  const owners: Address[] = []
  const noDebt: Address[] = []
  const unavailable: UnavailableBorrower[] = []
  for (const user of users) {
    const o = outcomes.get(user)
    if (!o) continue
    if (o.kind === 'position') {
      positions.push(o.position)
      owners.push(user)
    } else if (o.kind === 'noDebt') noDebt.push(user)
    else unavailable.push({ borrower: user, code: o.code, reason: o.reason })
  }
  return {
    chain: chain.key,
    market: ref.id,
    blockNumber,
    timestamp,
    positions,
    owners,
    noDebt,
    unavailable,
    counts: {
      borrowers: users.length,
      withDebt: positions.length,
      noDebt: noDebt.length,
      unavailable: unavailable.length,
      batches,
      reused,
    },
    ...(marketAnswers === undefined ? {} : { marketAnswers }),
    ...(keptUserReserves === undefined ? {} : { userReserves: keptUserReserves }),
    ...(contracts === undefined ? {} : { contracts }),
  }
}
