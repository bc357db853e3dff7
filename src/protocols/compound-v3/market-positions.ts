/**
 * Every borrower of each Comet of a chain at one block (market-wide risk): the accounts Comet's
 * own events name as borrowers — `Withdraw.src` (a withdraw of base beyond the supply balance is
 * a borrow) and `AbsorbDebt.borrower` (CometMainInterface; ../shared/protocols/comet/FACTS.md
 * "Discovery events") — scanned from the Comet's deployment block, each read with the adapter's
 * own wallet plan ({@link planCometWallet}) at that block: the same exact math, health factor and
 * `comet-absorb` rule a wallet report serves, checked against the Comet's isLiquidatable.
 */
import { getAddress, type Hex, toEventSelector } from 'viem'
import { ArchiveStateUnavailableError } from '../../chains/block-by-time.js'
import { findDeploymentBlock } from '../../chains/deployment-block.js'
import { scanLogs } from '../../chains/log-scan.js'
import type { Address } from '../../core/address.js'
import { LogBudgetExceededError } from '../../core/errors.js'
import type { Position } from '../../core/types.js'
import { readPlansAt } from '../read-plans-at.js'
import {
  type MarketPositionsContext,
  type MarketPositionsList,
  type MarketPositionsRead,
  wantsMarket,
} from '../types.js'
import type { CometConfig } from './markets.js'
import { COMPOUND_V3_PROTOCOL, type CometHintsCache, planCometWallet } from './read.js'

/** topic0 of Comet's `Withdraw(address indexed src, address indexed to, uint256 amount)`. */
export const COMET_WITHDRAW_TOPIC = toEventSelector(
  'event Withdraw(address indexed src, address indexed to, uint256 amount)',
)
/** topic0 of Comet's `AbsorbDebt(address indexed absorber, address indexed borrower, uint256 basePaidOut, uint256 usdValue)`. */
export const COMET_ABSORB_DEBT_TOPIC = toEventSelector(
  'event AbsorbDebt(address indexed absorber, address indexed borrower, uint256 basePaidOut, uint256 usdValue)',
)

const topicAddress = (topic: Hex | undefined): Address | null =>
  topic && topic.length === 66 ? getAddress(`0x${topic.slice(26)}`) : null

/** The borrower candidates of one Comet's logs: Withdraw.src (topic 1), AbsorbDebt.borrower (topic 2). */
export function cometBorrowersOfLogs(logs: readonly { topics: readonly Hex[] }[]): Address[] {
  const seen = new Map<string, Address>()
  for (const log of logs) {
    const t0 = log.topics[0]?.toLowerCase()
    const who =
      t0 === COMET_WITHDRAW_TOPIC
        ? topicAddress(log.topics[1])
        : t0 === COMET_ABSORB_DEBT_TOPIC
          ? topicAddress(log.topics[2])
          : null
    if (who) seen.set(who.toLowerCase(), who)
  }
  return [...seen.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, v]) => v)
}

const owes = (p: Position) => p.legs.some((l) => l.side === 'debt' && l.amount > 0n)

/**
 * The borrowers of every Comet of `ctx.chain` at `ctx.blockNumber`, from its events since its
 * deployment block: the configured one, else found on chain by an `eth_getCode` search (cached
 * per client). Comets not deployed at the block, or whose block cannot be found because the node
 * keeps no old state, are named in `notEnumerated` with the reason.
 * @throws the log scan's and the batch's coded errors (RPC, range, budget, timeout).
 */
export async function listCometMarketPositions(
  ctx: MarketPositionsContext,
  hints?: CometHintsCache,
): Promise<MarketPositionsList> {
  const out: MarketPositionsList = { markets: [], notEnumerated: [] }
  for (const config of ctx.chain.comets) {
    if (!wantsMarket(ctx, config.id)) continue
    let fromBlock = config.fromBlock
    if (fromBlock === undefined) {
      // Compound's deployment records do not state the block: find it from the chain itself.
      try {
        const found = await findDeploymentBlock({
          client: ctx.client,
          chain: ctx.chain.key,
          address: config.comet,
          head: ctx.blockNumber,
          deadline: ctx.deadline,
        })
        if (found === null) {
          out.notEnumerated.push({
            market: config.id,
            protocol: COMPOUND_V3_PROTOCOL,
            reason: `the Comet has no code at block ${ctx.blockNumber} (not deployed yet)`,
          })
          continue
        }
        fromBlock = found
      } catch (err) {
        if (!(err instanceof ArchiveStateUnavailableError)) throw err
        out.notEnumerated.push({
          market: config.id,
          protocol: COMPOUND_V3_PROTOCOL,
          reason:
            "no deployment block is known for this Comet (Compound's deployment records do not state it) and the chain's RPC node cannot serve the past state needed to find it (not an archive node), so its borrower events are not scanned: configure an archive RPC",
        })
        continue
      }
    }
    // A searched block is not in the operator's config: a scan it did not budget for is reported,
    // not allowed to fail the chain's other markets (a configured one fails coded).
    try {
      out.markets.push(await readComet(ctx, config, fromBlock, hints))
    } catch (err) {
      const unbudgeted = err instanceof LogBudgetExceededError && err.code === 'LOG_BUDGET_EXCEEDED'
      if (config.fromBlock !== undefined || !unbudgeted) throw err
      out.notEnumerated.push({
        market: config.id,
        protocol: COMPOUND_V3_PROTOCOL,
        reason: `its borrower events since its deployment block ${fromBlock} (found on chain) exceed the request's eth_getLogs budget: ${err.message}`,
      })
    }
  }
  return out
}

async function readComet(
  ctx: MarketPositionsContext,
  config: CometConfig,
  fromBlock: bigint,
  hints: CometHintsCache | undefined,
): Promise<MarketPositionsRead> {
  const logs = await scanLogs({
    client: ctx.client,
    chain: ctx.chain.key,
    filter: { address: config.comet, topics: [[COMET_WITHDRAW_TOPIC, COMET_ABSORB_DEBT_TOPIC]] },
    fromBlock,
    toBlock: ctx.blockNumber,
    head: ctx.blockNumber,
    span: config.logsBlockSpan ?? 50_000n,
    what: `the borrower events of ${config.id}`,
    deadline: ctx.deadline,
    logBudget: ctx.logBudget,
  })
  const candidates = cometBorrowersOfLogs(logs)
  const read = await readPlansAt({
    client: ctx.client,
    chain: ctx.chain,
    blockNumber: ctx.blockNumber,
    owners: candidates,
    planFor: (owner) => [planCometWallet(config, owner, hints)],
    deadline: ctx.deadline,
  })
  const market: MarketPositionsRead = {
    market: config.id,
    protocol: COMPOUND_V3_PROTOCOL,
    kind: 'lending',
    source: 'logs',
    candidates: candidates.length,
    positions: [],
    owners: [],
    unavailable: [],
    blockNumber: ctx.blockNumber,
    timestamp: read.timestamp,
  }
  for (const r of read.owners) {
    if ('error' in r) {
      market.unavailable.push({ owner: r.owner, code: r.error.code, reason: r.error.message })
      continue
    }
    const bad = r.rows.find((x) => x.status === 'unavailable')
    if (bad && bad.status === 'unavailable') {
      market.unavailable.push({ owner: r.owner, code: bad.code, reason: bad.reason })
      continue
    }
    for (const row of r.rows)
      if (row.status === 'ok' && owes(row)) {
        market.positions.push(row)
        market.owners.push(r.owner)
      }
  }
  return market
}
