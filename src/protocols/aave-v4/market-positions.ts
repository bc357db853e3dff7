/**
 * Every borrower of each Aave V4 Spoke of a chain at one block (market-wide risk): the position
 * owners the Spokes' own `Borrow(reserveId, caller, user indexed, ...)` events name (topic 3),
 * scanned from the deployment's start block, each then discovered and read exactly as a wallet
 * report reads it ({@link discoverAaveV4}, {@link planAaveV4Wallet}: its reserves from its own
 * Spoke events, the market facts from the shared log cache): the same positions, health factors
 * and target-health-factor rule. One owner's discovery is one more log scan, so a deployment with
 * more borrowers than {@link AAVE_V4_MAX_ENUMERATED} is named in `notEnumerated` instead.
 */
import { getAddress, toEventSelector } from 'viem'
import { aaveV4SpokeAbi } from '../../../abis/aave-v4-spoke.js'
import { scanLogs } from '../../chains/log-scan.js'
import type { Address } from '../../core/address.js'
import { readPlansAt } from '../read-plans-at.js'
import {
  type MarketPositionsContext,
  type MarketPositionsList,
  type MarketPositionsRead,
  wantsMarket,
} from '../types.js'
import type { AaveV4Deployment } from './markets.js'
import { type AaveV4Discovery, type AaveV4LogCache, discoverAaveV4, planAaveV4Wallet } from './read.js'

/** Most borrowers of one deployment discovered one by one for a market-wide read. */
export const AAVE_V4_MAX_ENUMERATED = 200

const BORROW = toEventSelector(aaveV4SpokeAbi.find((x) => x.type === 'event' && x.name === 'Borrow') as never)

/**
 * The borrowers of every Spoke of `deployments` at `ctx.blockNumber`, one
 * {@link MarketPositionsRead} per Spoke.
 * @throws the log scans' and batches' coded errors (RPC, range, budget, timeout).
 */
export async function listAaveV4MarketPositions(
  ctx: MarketPositionsContext,
  deployments: readonly AaveV4Deployment[],
  cache?: AaveV4LogCache,
): Promise<MarketPositionsList> {
  const out: MarketPositionsList = { markets: [], notEnumerated: [] }
  for (const d of deployments) {
    // A deployment is read whole (its Borrow events, every owner's discovery across its Spokes,
    // its market-fact cache keyed by deployment) even for one asked Spoke: its Spokes share a Hub.
    if (!d.spokes.some((s) => wantsMarket(ctx, s.id))) continue
    if (ctx.blockNumber < d.startBlock) continue
    const logs = await scanLogs({
      client: ctx.client,
      chain: ctx.chain.key,
      filter: { address: d.spokes.map((s) => s.address), topics: [BORROW] },
      fromBlock: d.startBlock,
      toBlock: ctx.blockNumber,
      head: ctx.blockNumber,
      span: d.logsBlockSpan,
      what: `the Borrow events of ${d.id}`,
      deadline: ctx.deadline,
      logBudget: ctx.logBudget,
    })
    const candidates = new Map<string, { owner: Address; spokes: Set<string> }>()
    for (const l of logs) {
      const topic = l.topics[3]
      if (!topic || topic.length !== 66) continue
      const owner = getAddress(`0x${topic.slice(26)}`)
      const c = candidates.get(owner.toLowerCase()) ?? { owner, spokes: new Set<string>() }
      c.spokes.add(l.address.toLowerCase())
      candidates.set(owner.toLowerCase(), c)
    }
    if (candidates.size > AAVE_V4_MAX_ENUMERATED) {
      for (const s of d.spokes.filter((x) => wantsMarket(ctx, x.id)))
        out.notEnumerated.push({
          market: s.id,
          protocol: 'aave-v4',
          reason: `${candidates.size} borrowers in ${d.id}: more than the ${AAVE_V4_MAX_ENUMERATED} discovered one by one for a market-wide read`,
        })
      continue
    }
    const owners = [...candidates.values()].map((c) => c.owner).sort()
    const discovered = new Map<string, AaveV4Discovery>()
    for (const owner of owners)
      discovered.set(
        owner.toLowerCase(),
        await discoverAaveV4(
          {
            client: ctx.client,
            chain: ctx.chain,
            user: owner,
            toBlock: ctx.blockNumber,
            head: ctx.blockNumber,
            ...(ctx.deadline ? { deadline: ctx.deadline } : {}),
            ...(ctx.logBudget ? { logBudget: ctx.logBudget } : {}),
          },
          [d],
          cache,
        ),
      )
    const read = await readPlansAt({
      client: ctx.client,
      chain: ctx.chain,
      blockNumber: ctx.blockNumber,
      owners,
      planFor: (owner) => planAaveV4Wallet(ctx.chain, [d], owner, discovered.get(owner.toLowerCase())),
      deadline: ctx.deadline,
    })
    const bySpoke = new Map<string, MarketPositionsRead>(
      d.spokes.map((s) => [
        s.id,
        {
          market: s.id,
          protocol: 'aave-v4',
          kind: 'lending',
          source: 'logs',
          candidates: [...candidates.values()].filter((c) => c.spokes.has(s.address.toLowerCase())).length,
          positions: [],
          owners: [],
          unavailable: [],
          blockNumber: ctx.blockNumber,
          timestamp: read.timestamp,
        },
      ]),
    )
    for (const r of read.owners) {
      if ('error' in r) {
        const spokes = candidates.get(r.owner.toLowerCase())?.spokes ?? new Set<string>()
        for (const s of d.spokes)
          if (spokes.has(s.address.toLowerCase()))
            bySpoke
              .get(s.id)!
              .unavailable.push({ owner: r.owner, code: r.error.code, reason: r.error.message })
        continue
      }
      for (const row of r.rows) {
        const m = bySpoke.get(row.market)
        if (!m) continue
        if (row.status !== 'ok') m.unavailable.push({ owner: r.owner, code: row.code, reason: row.reason })
        else if (row.legs.some((l) => l.side === 'debt' && l.amount > 0n)) {
          m.positions.push(row)
          m.owners.push(r.owner)
        }
      }
    }
    out.markets.push(...[...bySpoke.values()].filter((m) => wantsMarket(ctx, m.market)))
  }
  return out
}
