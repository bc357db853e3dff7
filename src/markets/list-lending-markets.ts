/**
 * The lending markets of a chain that the market-wide reads (src/markets) can read: each Aave v3
 * market of the chain's address book, and every Morpho Blue market its singleton created up to a
 * block (the CreateMarket logs).
 */
import { decodeAbiParameters, type Hex, parseAbi, toEventSelector } from 'viem'
import type { ChainClient } from '../chains/client.js'
import type { Deadline } from '../chains/deadline.js'
import type { LogBudget } from '../chains/log-budget.js'
import { scanLogs } from '../chains/log-scan.js'
import type { Address } from '../core/address.js'
import type { ChainRuntime } from '../protocols/types.js'

const CREATE_MARKET_EVENT = parseAbi([
  'event CreateMarket(bytes32 indexed id, (address loanToken, address collateralToken, address oracle, address irm, uint256 lltv) marketParams)',
])[0]
/** topic0 of Morpho Blue's CreateMarket. */
export const MORPHO_CREATE_MARKET_TOPIC = toEventSelector(CREATE_MARKET_EVENT)

/** One lending market of a chain. */
export type LendingMarketRef =
  | { kind: 'aave-v3'; market: string }
  | {
      kind: 'morpho-blue'
      /** The Morpho market id (bytes32, lower case). */
      market: Hex
      loanToken: Address
      collateralToken: Address
      /** WAD. */
      lltv: bigint
    }

/** Params of {@link listLendingMarkets}. */
export interface ListLendingMarketsParams {
  client: ChainClient
  chain: ChainRuntime
  /** Markets created up to this block. */
  blockNumber: bigint
  deadline?: Deadline
  logBudget?: LogBudget
}

/**
 * The chain's Aave v3 markets (configuration order), then its Morpho Blue markets in creation
 * order (CreateMarket logs of the singleton from its deployment block to `blockNumber`).
 * @throws the log scan's errors (RPC, range, budget).
 */
export async function listLendingMarkets(params: ListLendingMarketsParams): Promise<LendingMarketRef[]> {
  const { client, chain } = params
  const out: LendingMarketRef[] = chain.aaveMarkets.map((m) => ({ kind: 'aave-v3', market: m.id }))
  const morpho = chain.morphoBlue
  if (!morpho) return out
  const logs = await scanLogs({
    client,
    chain: chain.key,
    filter: { address: morpho.morpho, topics: [MORPHO_CREATE_MARKET_TOPIC] },
    fromBlock: morpho.fromBlock,
    toBlock: params.blockNumber,
    head: params.blockNumber,
    span: morpho.logsBlockSpan,
    what: 'Morpho Blue markets',
    ...(params.deadline ? { deadline: params.deadline } : {}),
    ...(params.logBudget ? { logBudget: params.logBudget } : {}),
  })
  for (const log of logs) {
    const id = log.topics[1]
    if (!id) continue
    // The non-indexed marketParams tuple: five static words.
    const [loanToken, collateralToken, , , lltv] = decodeAbiParameters(
      [
        { type: 'address' },
        { type: 'address' },
        { type: 'address' },
        { type: 'address' },
        { type: 'uint256' },
      ],
      log.data,
    )
    out.push({ kind: 'morpho-blue', market: id.toLowerCase() as Hex, loanToken, collateralToken, lltv })
  }
  return out
}
