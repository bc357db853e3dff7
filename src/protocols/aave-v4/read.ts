/**
 * The Aave V4 adapter's I/O: discovery of a wallet's Spokes and reserves from the Spokes' and
 * Hubs' events (bounded, block-pinned), the reads that go into the chain's one aggregate3 batch,
 * and a pinned follow-up only for what discovery could not know (a config key, an oracle or a Hub
 * asset it did not see).
 *
 * Discovery blind spot: a liquidator that takes collateral with `receiveShares = true` gains
 * supplied shares with no event naming it in an indexed field (FACTS.md section 13). It is covered
 * by reading every `LiquidationCall` of the deployment's Spokes (topic0 only, in the same round
 * trip as the other logs) and keeping those whose non-indexed `liquidator` is the wallet and whose
 * `receiveShares` is true. What stays blind: positions opened before the deployment's
 * `startBlock`, and logs a provider drops.
 */
import { decodeAbiParameters, erc20Abi, type Hex, pad, toEventSelector } from 'viem'
import { aaveV4HubAbi } from '../../../abis/aave-v4-hub.js'
import { aaveV4OracleAbi } from '../../../abis/aave-v4-oracle.js'
import { aaveV4SpokeAbi } from '../../../abis/aave-v4-spoke.js'
import { encodeFunctionDataFast } from '../../chains/abi-call.js'
import type { BlockContext, RawCall, RawResult } from '../../chains/batch.js'
import { logBlock, type RpcLog, type ScanLogsParams, scanLogs } from '../../chains/log-scan.js'
import { type Address, sameAddress } from '../../core/address.js'
import { BoundedCache } from '../../core/bounded-cache.js'
import { BaseError, type ErrorContext } from '../../core/errors.js'
import type { PositionResult } from '../../core/types.js'
import type { ChainRuntime, DiscoveryContext, FollowUp, WalletReadPlan } from '../types.js'
import {
  decodeAccountData,
  decodeAddress,
  decodeDrawnIndex,
  decodeDynamicConfig,
  decodeLiquidationConfig,
  decodePrice,
  decodeReserve,
  decodeReserveStatus,
  decodeSymbol,
  decodeUint,
  decodeUserDebt,
  decodeUserPosition,
} from './decode.js'
import type { AaveV4Deployment, AaveV4SpokeConfig } from './markets.js'
import { buildAaveV4Position } from './position.js'
import type { AaveV4DynamicConfig, AaveV4UserReserve } from './types.js'

const event = (name: string): Hex => {
  const item = aaveV4SpokeAbi.find((x) => x.type === 'event' && x.name === name)
  if (!item) throw new Error(`no event ${name}`)
  return toEventSelector(item as never)
}
const HUB_ADD_ASSET = toEventSelector(
  aaveV4HubAbi.find((x) => x.type === 'event' && x.name === 'AddAsset') as never,
)

/** topic0 of the Spoke events whose topic3 is the position owner and topic1 a reserveId. */
export const USER_EVENT_TOPICS: readonly Hex[] = [
  event('Supply'),
  event('Withdraw'),
  event('Borrow'),
  event('Repay'),
  event('SetUsingAsCollateral'),
  event('LiquidationCall'),
]
const LIQUIDATION_CALL = event('LiquidationCall')
const ADD_RESERVE = event('AddReserve')
const ADD_DYNAMIC_CONFIG = event('AddDynamicReserveConfig')

/** What discovery learned of one reserve of a Spoke from AddReserve / AddDynamicReserveConfig / AddAsset. */
export interface AaveV4ReserveFacts {
  hub: Address
  assetId: number
  /** From the Hub's AddAsset; null when that event was not seen. */
  underlying: Address | null
  /** Every dynamic config key the reserve has (append-only), ascending. */
  keys: number[]
}

/** One Spoke of the wallet. */
export interface AaveV4SpokeDiscovery {
  spoke: Address
  /** Reserves the wallet ever supplied, borrowed, flagged or was liquidated on, ascending. */
  reserves: number[]
  /** Reserves whose shares the wallet received as a liquidator (`receiveShares`), ascending. */
  receivedAsLiquidator: number[]
  /** Facts of the Spoke's reserves (all those listed up to the block). */
  facts: Record<number, AaveV4ReserveFacts>
}

/** What {@link discoverAaveV4} found, by deployment id. */
export interface AaveV4Discovery {
  /** The block the logs were read to; null for "latest". */
  toBlock: bigint | null
  deployments: Record<string, AaveV4SpokeDiscovery[]>
}

/**
 * A deployment's market-fact logs (AddReserve, AddDynamicReserveConfig, LiquidationCall with
 * receiveShares, the Hubs' AddAsset), learnt once up to a block and then extended: the same for
 * every wallet, they are not re-read for every request. Logs are kept only up to
 * {@link AAVE_V4_LOG_CACHE_DEPTH} blocks below the head they were read at (a reorg above that
 * depth is not expected), so the cached part never changes; the part above is read each time.
 * Keyed by `chain:deployment`.
 */
export type AaveV4LogCache = BoundedCache<string, AaveV4CachedLogs>

/** The market-fact logs of one deployment up to `to` (inclusive). */
export interface AaveV4CachedLogs {
  to: bigint
  logs: readonly RpcLog[]
}

/** Blocks below the head that the market-fact cache stays: a reorg deeper than this is not expected. */
export const AAVE_V4_LOG_CACHE_DEPTH = 64n

/** A market-fact cache bounded to `maxDeployments` deployments (the oldest dropped). */
export function createAaveV4LogCache(maxDeployments = 256): AaveV4LogCache {
  return new BoundedCache(maxDeployments)
}

/** {@link scanLogs} with the discovery's chain, heads, deadline and budget. */
const scan = (
  ctx: DiscoveryContext,
  filter: ScanLogsParams['filter'],
  fromBlock: bigint,
  span: bigint,
): Promise<RpcLog[]> =>
  scanLogs({
    client: ctx.client,
    chain: ctx.chain.key,
    filter,
    fromBlock,
    toBlock: ctx.toBlock,
    head: ctx.head,
    latestHead: ctx.latestHead,
    span,
    what: 'Aave V4 discovery',
    deadline: ctx.deadline,
    logBudget: ctx.logBudget,
  })

/**
 * The market-fact logs of `d` up to the report's block: the cached part, plus one scan of what is
 * above it; what the scan finds far enough below the head extends the cache.
 */
async function marketLogs(
  ctx: DiscoveryContext,
  d: AaveV4Deployment,
  cache: AaveV4LogCache | undefined,
): Promise<RpcLog[]> {
  const key = `${ctx.chain.key}:${d.id}`
  const cached = cache?.get(key)
  const filter = {
    address: [...d.spokes.map((s) => s.address), ...d.hubs.map((h) => h.address)],
    topics: [[ADD_RESERVE, ADD_DYNAMIC_CONFIG, LIQUIDATION_CALL, HUB_ADD_ASSET]],
  }
  const upTo = (logs: readonly RpcLog[], block: bigint) => logs.filter((l) => (logBlock(l) ?? block) <= block)
  // A report pinned inside the cached range needs no scan at all.
  if (cached && ctx.toBlock !== undefined && ctx.toBlock <= cached.to) return upTo(cached.logs, ctx.toBlock)
  const from = cached ? cached.to + 1n : d.startBlock
  const fresh = (await scan(ctx, filter, from, d.logsBlockSpan)).filter(keepMarketLog)
  const all = cached ? [...cached.logs, ...fresh] : fresh
  const head = ctx.head ?? (ctx.latestHead ? await ctx.latestHead : undefined)
  if (cache && head !== undefined) {
    const settled = head - AAVE_V4_LOG_CACHE_DEPTH
    if (
      settled > (cached?.to ?? d.startBlock - 1n) &&
      (ctx.toBlock === undefined || ctx.toBlock >= settled)
    ) {
      cache.set(key, {
        to: settled,
        logs: all.filter((l) => logBlock(l) !== undefined && logBlock(l)! <= settled),
      })
    }
  }
  return all
}

/** Market-fact logs worth keeping: all but LiquidationCalls whose liquidator took no shares. */
function keepMarketLog(l: RpcLog): boolean {
  if (l.topics[0]?.toLowerCase() !== LIQUIDATION_CALL.toLowerCase()) return true
  if (l.data.length < 2 + 64 * 2) return false
  return !/^0{64}$/.test(l.data.slice(2 + 64, 2 + 128))
}

const topicNumber = (t: Hex | undefined): number => Number(BigInt(t ?? '0x0'))
const topicAddress = (t: Hex | undefined): Address => `0x${(t ?? '0x').slice(-40)}` as Address

/**
 * Finds the wallet's Spokes and reserves in each deployment, with two concurrent log reads per
 * deployment, both block-pinned, under the request's deadline and paid from its log budget:
 * - the Spoke events naming the wallet as position owner (Supply, Withdraw, Borrow, Repay,
 *   SetUsingAsCollateral, LiquidationCall) over [startBlock, report block];
 * - the market facts (AddReserve, AddDynamicReserveConfig, every LiquidationCall with
 *   receiveShares for the blind spot of shares received as a liquidator, the Hubs' AddAsset): from
 *   `cache` up to where it stands, then one scan of the blocks above it.
 * At the latest block the scans ask for `latest` in the head's own round trip (ctx.latestHead)
 * and keep what is at or below that head.
 */
export async function discoverAaveV4(
  ctx: DiscoveryContext,
  deployments: readonly AaveV4Deployment[],
  cache?: AaveV4LogCache,
): Promise<AaveV4Discovery> {
  const user = ctx.user.toLowerCase()
  const userTopic = pad(user as Hex, { size: 32 })
  const out: AaveV4Discovery = { toBlock: ctx.toBlock ?? null, deployments: {} }
  await Promise.all(
    deployments.map(async (d) => {
      if (ctx.toBlock !== undefined && ctx.toBlock < d.startBlock) {
        out.deployments[d.id] = []
        return
      }
      const spokes = d.spokes.map((s) => s.address)
      const [userLogs, marketLogsFound] = await Promise.all([
        scan(
          ctx,
          { address: spokes, topics: [[...USER_EVENT_TOPICS], null, null, userTopic] },
          d.startBlock,
          d.logsBlockSpan,
        ),
        marketLogs(ctx, d, cache),
      ])
      const marketLogsOf = marketLogsFound
      const underlyings = new Map<string, Address>()
      for (const l of marketLogsOf) {
        if (l.topics[0]?.toLowerCase() === HUB_ADD_ASSET.toLowerCase()) {
          underlyings.set(`${l.address.toLowerCase()}:${topicNumber(l.topics[1])}`, topicAddress(l.topics[2]))
        }
      }
      const bySpoke = new Map<string, AaveV4SpokeDiscovery>()
      const spokeOf = (address: string) => {
        const s = d.spokes.find((x) => sameAddress(x.address, address))
        if (!s) return undefined
        let found = bySpoke.get(s.address)
        if (!found) {
          found = { spoke: s.address, reserves: [], receivedAsLiquidator: [], facts: {} }
          bySpoke.set(s.address, found)
        }
        return found
      }
      const facts = new Map<string, Record<number, AaveV4ReserveFacts>>()
      const factsOf = (spoke: string) => {
        let f = facts.get(spoke.toLowerCase())
        if (!f) {
          f = {}
          facts.set(spoke.toLowerCase(), f)
        }
        return f
      }
      const owned = new Map<string, { reserves: Set<number>; received: Set<number> }>()
      const ownedOf = (spoke: string) => {
        let o = owned.get(spoke.toLowerCase())
        if (!o) {
          o = { reserves: new Set(), received: new Set() }
          owned.set(spoke.toLowerCase(), o)
        }
        return o
      }
      for (const l of marketLogsOf) {
        const t0 = l.topics[0]?.toLowerCase()
        if (t0 === ADD_RESERVE.toLowerCase()) {
          const hub = topicAddress(l.topics[3])
          const assetId = topicNumber(l.topics[2])
          const f = factsOf(l.address)
          const prev = f[topicNumber(l.topics[1])]
          f[topicNumber(l.topics[1])] = {
            hub,
            assetId,
            underlying: underlyings.get(`${hub.toLowerCase()}:${assetId}`) ?? null,
            keys: prev?.keys ?? [],
          }
        }
      }
      for (const l of marketLogsOf) {
        const t0 = l.topics[0]?.toLowerCase()
        if (t0 === ADD_DYNAMIC_CONFIG.toLowerCase()) {
          const f = factsOf(l.address)[topicNumber(l.topics[1])]
          const key = topicNumber(l.topics[2])
          if (f && !f.keys.includes(key)) f.keys.push(key)
        } else if (t0 === LIQUIDATION_CALL.toLowerCase() && l.data.length >= 2 + 64 * 2) {
          const [liquidator, receiveShares] = decodeAbiParameters(
            [{ type: 'address' }, { type: 'bool' }],
            `0x${l.data.slice(2, 2 + 128)}`,
          )
          if (receiveShares && sameAddress(liquidator, user))
            ownedOf(l.address).received.add(topicNumber(l.topics[1]))
        }
      }
      for (const l of userLogs) {
        if (!sameAddress(topicAddress(l.topics[3]), user)) continue
        const o = ownedOf(l.address)
        o.reserves.add(topicNumber(l.topics[1]))
        if (l.topics[0]?.toLowerCase() === LIQUIDATION_CALL.toLowerCase())
          o.reserves.add(topicNumber(l.topics[2]))
      }
      for (const [spoke, o] of owned) {
        const s = spokeOf(spoke)
        if (!s) continue
        const all = new Set([...o.reserves, ...o.received])
        s.reserves = [...all].sort((a, b) => a - b)
        s.receivedAsLiquidator = [...o.received].sort((a, b) => a - b)
        s.facts = factsOf(spoke)
        for (const f of Object.values(s.facts)) f.keys.sort((a, b) => a - b)
      }
      out.deployments[d.id] = [...bySpoke.values()]
    }),
  )
  return out
}

/** A required Aave V4 read that reverted or answered nothing. */
export class AaveV4ReadFailedError extends BaseError {
  override name = 'AaveV4ReadFailedError'
  constructor(what: string, context: ErrorContext) {
    super('PROTOCOL_READ_FAILED', `${what} on Spoke ${context.market}`, { context })
  }
}

/** Calls keyed by what they read, so a follow-up can fill what the batch could not plan. */
class CallSet {
  readonly calls: RawCall[] = []
  readonly index = new Map<string, number>()
  add(key: string, target: Address, callData: Hex): void {
    if (this.index.has(key)) return
    this.index.set(key, this.calls.length)
    this.calls.push({ target, callData, allowFailure: true })
  }
}

const spokeCall = (fn: string, args: readonly unknown[] = []): Hex =>
  encodeFunctionDataFast({ abi: aaveV4SpokeAbi, functionName: fn, args } as never)
const hubCall = (fn: string, args: readonly unknown[]): Hex =>
  encodeFunctionDataFast({ abi: aaveV4HubAbi, functionName: fn, args } as never)
const priceCall = (reserveId: number): Hex =>
  encodeFunctionDataFast({ abi: aaveV4OracleAbi, functionName: 'getReservePrice', args: [BigInt(reserveId)] })
const symbolCall: Hex = encodeFunctionDataFast({ abi: erc20Abi, functionName: 'symbol' })

function addHubCalls(set: CallSet, r: number, hub: Address, assetId: number): void {
  set.add(`idx:${r}`, hub, hubCall('getAssetDrawnIndex', [BigInt(assetId)]))
  set.add(`aa:${r}`, hub, hubCall('getAddedAssets', [BigInt(assetId)]))
  set.add(`as:${r}`, hub, hubCall('getAddedShares', [BigInt(assetId)]))
}

/**
 * The batch calls of one wallet on one Spoke: getUserAccountData (the Spoke's own answer, the
 * check), getUserLastRiskPremium, getLiquidationConfig, ORACLE, SPOKE_REVISION; per discovered
 * reserve getReserve, getUserPosition (the user's config key), getUserReserveStatus,
 * getUserSuppliedAssets, getUserDebt, getUserPremiumDebtRay, the oracle price, the Hub's drawn
 * index and added assets/shares, the underlying's symbol, and getDynamicReserveConfig for every
 * key the reserve has (so the user's snapshot is in the batch whatever it is).
 */
export function aaveV4SpokeCalls(
  spoke: AaveV4SpokeConfig,
  user: Address,
  found: AaveV4SpokeDiscovery,
): CallSet {
  const set = new CallSet()
  const s = spoke.address
  set.add('acct', s, spokeCall('getUserAccountData', [user]))
  set.add('rp', s, spokeCall('getUserLastRiskPremium', [user]))
  set.add('liq', s, spokeCall('getLiquidationConfig'))
  set.add('oracle', s, spokeCall('ORACLE'))
  set.add('rev', s, spokeCall('SPOKE_REVISION'))
  for (const r of found.reserves) {
    const id = BigInt(r)
    set.add(`res:${r}`, s, spokeCall('getReserve', [id]))
    set.add(`pos:${r}`, s, spokeCall('getUserPosition', [id, user]))
    set.add(`st:${r}`, s, spokeCall('getUserReserveStatus', [id, user]))
    set.add(`sup:${r}`, s, spokeCall('getUserSuppliedAssets', [id, user]))
    set.add(`debt:${r}`, s, spokeCall('getUserDebt', [id, user]))
    set.add(`prem:${r}`, s, spokeCall('getUserPremiumDebtRay', [id, user]))
    if (spoke.oracle) set.add(`price:${r}`, spoke.oracle, priceCall(r))
    const f = found.facts[r]
    if (f) {
      addHubCalls(set, r, f.hub, f.assetId)
      if (f.underlying) set.add(`sym:${r}`, f.underlying, symbolCall)
      for (const k of f.keys) set.add(`dc:${r}:${k}`, s, spokeCall('getDynamicReserveConfig', [id, k]))
    }
  }
  return set
}

/** Decodes one Spoke's slice of the batch (plus at most one pinned follow-up) into its position. */
export async function decodeAaveV4Spoke(
  deployment: AaveV4Deployment,
  spoke: AaveV4SpokeConfig,
  found: AaveV4SpokeDiscovery,
  planned: CallSet,
  results: RawResult[],
  block: BlockContext,
  followUp: FollowUp,
  chainKey: string,
): Promise<PositionResult[]> {
  const context: ErrorContext = { chain: chainKey, protocol: 'aave-v4', market: spoke.id }
  // Follow-up reads take precedence over planned ones of the same key (planned on other facts).
  const more = new CallSet()
  let extra: RawResult[] = []
  const get = (key: string): RawResult | undefined => {
    const j = more.index.get(key)
    if (j !== undefined) return extra[j]
    const i = planned.index.get(key)
    return i === undefined ? undefined : results[i]
  }
  const need = (key: string, what: string): Hex => {
    const r = get(key)
    if (!r) throw new AaveV4ReadFailedError(`${what} was not read`, context)
    if (!r.success) throw new AaveV4ReadFailedError(`${what} reverted`, context)
    if (r.returnData === '0x')
      throw new AaveV4ReadFailedError(`${what} returned nothing (no contract at this block?)`, context)
    return r.returnData
  }

  const accountData = decodeAccountData(need('acct', 'Spoke.getUserAccountData'), context)
  const storedRiskPremium = decodeUint(
    need('rp', 'Spoke.getUserLastRiskPremium'),
    'getUserLastRiskPremium',
    context,
  )
  const liquidationConfig = decodeLiquidationConfig(need('liq', 'Spoke.getLiquidationConfig'), context)
  const oracle = decodeAddress(need('oracle', 'Spoke.ORACLE'), 'Spoke.ORACLE', context)
  const rev = get('rev')
  const revision = rev?.success && rev.returnData.length === 66 ? BigInt(rev.returnData) : null
  const oracleMatches = spoke.oracle !== null && sameAddress(spoke.oracle, oracle)

  const base = found.reserves.map((r) => {
    const ctx = { ...context, reserveId: r }
    const reserve = decodeReserve(need(`res:${r}`, `Spoke.getReserve(${r})`), ctx)
    const position = decodeUserPosition(need(`pos:${r}`, `Spoke.getUserPosition(${r})`), ctx)
    const status = decodeReserveStatus(need(`st:${r}`, `Spoke.getUserReserveStatus(${r})`), ctx)
    const suppliedAssets = decodeUint(
      need(`sup:${r}`, `Spoke.getUserSuppliedAssets(${r})`),
      'getUserSuppliedAssets',
      ctx,
    )
    const debt = decodeUserDebt(need(`debt:${r}`, `Spoke.getUserDebt(${r})`), ctx)
    const premiumDebtRay = decodeUint(
      need(`prem:${r}`, `Spoke.getUserPremiumDebtRay(${r})`),
      'getUserPremiumDebtRay',
      ctx,
    )
    const f = found.facts[r]
    // Anything discovery could not plan (or planned against other facts) is read in the follow-up.
    if (!oracleMatches) more.add(`price:${r}`, oracle, priceCall(r))
    if (!f || !sameAddress(f.hub, reserve.hub) || f.assetId !== reserve.assetId) {
      addHubCalls(more, r, reserve.hub, reserve.assetId)
    }
    if (!f?.underlying || !sameAddress(f.underlying, reserve.underlying))
      more.add(`sym:${r}`, reserve.underlying, symbolCall)
    for (const k of new Set([position.dynamicConfigKey, reserve.dynamicConfigKey])) {
      if (!planned.index.has(`dc:${r}:${k}`))
        more.add(`dc:${r}:${k}`, spoke.address, spokeCall('getDynamicReserveConfig', [BigInt(r), k]))
    }
    return { r, reserve, position, status, suppliedAssets, debt, premiumDebtRay }
  })
  if (more.calls.length > 0) extra = await followUp(more.calls)

  const reserves: AaveV4UserReserve[] = []
  for (const b of base) {
    const { r, reserve, position, status } = b
    const empty =
      position.suppliedShares === 0n &&
      position.drawnShares === 0n &&
      position.premiumShares === 0n &&
      !status.isBorrowing
    if (empty) continue
    const ctx = { ...context, reserveId: r }
    const config = (k: number): AaveV4DynamicConfig =>
      decodeDynamicConfig(need(`dc:${r}:${k}`, `Spoke.getDynamicReserveConfig(${r}, ${k})`), ctx)
    const optional = (key: string) => {
      const x = get(key)
      return x?.success && x.returnData.length === 66 ? BigInt(x.returnData) : null
    }
    const sym = get(`sym:${r}`)
    reserves.push({
      reserve: {
        reserveId: r,
        underlying: reserve.underlying,
        hub: reserve.hub,
        assetId: reserve.assetId,
        decimals: reserve.decimals,
        collateralRisk: reserve.collateralRisk,
        flags: reserve.flags,
        latestDynamicConfigKey: reserve.dynamicConfigKey,
        symbol: (sym?.success ? decodeSymbol(sym.returnData) : null) ?? reserve.underlying,
      },
      position,
      isCollateral: status.isCollateral,
      isBorrowing: status.isBorrowing,
      suppliedAssets: b.suppliedAssets,
      drawn: b.debt.drawn,
      premium: b.debt.premium,
      premiumDebtRay: b.premiumDebtRay,
      drawnIndex: decodeDrawnIndex(need(`idx:${r}`, `Hub.getAssetDrawnIndex(${reserve.assetId})`), ctx),
      price: decodePrice(need(`price:${r}`, `AaveOracle.getReservePrice(${r})`), ctx),
      config: config(position.dynamicConfigKey),
      latestConfig: config(reserve.dynamicConfigKey),
      hubAddedAssets: optional(`aa:${r}`),
      hubAddedShares: optional(`as:${r}`),
    })
  }
  const position = buildAaveV4Position({ reserves, liquidationConfig, storedRiskPremium }, accountData, {
    protocol: 'aave-v4',
    market: spoke.id,
    chain: chainKey,
    spoke: spoke.address,
    spokeName: spoke.name,
    oracle,
    deployment: deployment.id,
    revision,
    blockNumber: block.blockNumber,
    receivedAsLiquidator: found.receivedAsLiquidator,
  })
  return position ? [position] : []
}

/**
 * The read plans of `user` on a chain: one per Spoke the wallet was discovered on (its market
 * id), so a Spoke whose reads fail becomes its own `unavailable` row.
 */
export function planAaveV4Wallet(
  chain: ChainRuntime,
  deployments: readonly AaveV4Deployment[],
  user: Address,
  discovered: AaveV4Discovery | undefined,
): WalletReadPlan[] {
  if (!discovered) return []
  const plans: WalletReadPlan[] = []
  for (const d of deployments) {
    for (const found of discovered.deployments[d.id] ?? []) {
      const spoke = d.spokes.find((s) => sameAddress(s.address, found.spoke))
      if (!spoke || found.reserves.length === 0) continue
      const set = aaveV4SpokeCalls(spoke, user, found)
      plans.push({
        market: spoke.id,
        protocol: 'aave-v4',
        kind: 'lending',
        calls: set.calls,
        decode: (results, block, followUp) =>
          decodeAaveV4Spoke(d, spoke, found, set, results, block, followUp, chain.key),
      })
    }
  }
  return plans
}
