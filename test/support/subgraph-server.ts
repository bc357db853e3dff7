/**
 * A local stand-in for a Graph indexer, named as a double: an HTTP GraphQL server built with the
 * `graphql` package that serves the subset of the REAL subgraph schemas stacklens queries (Aave
 * v3: aave/protocol-subgraphs `schemas/v3.schema.graphql`, UserReserve; Morpho Blue:
 * morpho-org/morpho-blue-subgraph `schema.graphql`, Position with PositionSide) plus `_meta`,
 * with graph-node's paging rules (`first` at most 1,000, `skip` at most 5,000, `block` pinning).
 * Its rows are built from the devchain's own events (Aave Supply/Borrow, Morpho
 * SupplyCollateral/Borrow) and balances read on chain at the indexed block: no synthetic rows.
 * Knobs: the indexed block (lag), `hasIndexingErrors`, and a forced GraphQL error.
 */
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { buildSchema, type GraphQLSchema, graphql } from 'graphql'
import { erc20Abi, type Hex, type PublicClient, parseAbi, parseAbiItem, toEventSelector } from 'viem'
import type { DevchainManifest } from '../../src/devchain/manifest.js'

const COMMON_SDL = /* GraphQL */ `
  scalar BigInt
  scalar Bytes
  enum OrderDirection {
    asc
    desc
  }
  input Block_height {
    hash: Bytes
    number: Int
    number_gte: Int
  }
  type _Block_ {
    hash: Bytes
    number: Int!
    timestamp: Int
  }
  type _Meta_ {
    block: _Block_!
    deployment: String!
    hasIndexingErrors: Boolean!
  }
`

/** The part of the Aave v3 subgraph schema the double serves (real type and field names). */
export const AAVE_V3_SUBGRAPH_SDL = /* GraphQL */ `
  ${COMMON_SDL}
  enum UserReserve_orderBy {
    id
    currentTotalDebt
  }
  input UserReserve_filter {
    id: ID
    id_gt: ID
    id_gte: ID
    id_lt: ID
    id_lte: ID
    pool: String
    reserve: String
    user: String
    currentTotalDebt_gt: BigInt
    currentATokenBalance_gt: BigInt
  }
  type Pool {
    id: ID!
  }
  type Reserve {
    id: ID!
    underlyingAsset: Bytes!
    symbol: String!
    decimals: Int!
    pool: Pool!
  }
  type User {
    id: ID!
    borrowedReservesCount: Int!
  }
  type UserReserve {
    id: ID!
    pool: Pool!
    reserve: Reserve!
    user: User!
    currentATokenBalance: BigInt!
    currentVariableDebt: BigInt!
    currentStableDebt: BigInt!
    currentTotalDebt: BigInt!
  }
  type Query {
    userReserves(
      skip: Int = 0
      first: Int = 100
      orderBy: UserReserve_orderBy
      orderDirection: OrderDirection
      where: UserReserve_filter
      block: Block_height
    ): [UserReserve!]!
    _meta(block: Block_height): _Meta_
  }
`

/** The part of the Morpho Blue subgraph schema the double serves (real type and field names). */
export const MORPHO_BLUE_SUBGRAPH_SDL = /* GraphQL */ `
  ${COMMON_SDL}
  enum PositionSide {
    COLLATERAL
    SUPPLIER
    BORROWER
  }
  enum Position_orderBy {
    id
    balance
  }
  input Position_filter {
    id: ID
    id_gt: ID
    id_gte: ID
    id_lt: ID
    id_lte: ID
    account: String
    market: String
    side: PositionSide
    balance_gt: BigInt
    shares_gt: BigInt
  }
  type Account {
    id: Bytes!
  }
  type Market {
    id: Bytes!
  }
  type Position {
    id: ID!
    account: Account!
    market: Market!
    side: PositionSide!
    balance: BigInt!
    shares: BigInt
  }
  type Query {
    positions(
      skip: Int = 0
      first: Int = 100
      orderBy: Position_orderBy
      orderDirection: OrderDirection
      where: Position_filter
      block: Block_height
    ): [Position!]!
    _meta(block: Block_height): _Meta_
  }
`

type Row = { id: string } & Record<string, unknown>

/** The double's knobs, mutable while it runs. */
export interface SubgraphKnobs {
  /** `_meta.hasIndexingErrors`. */
  hasIndexingErrors: boolean
  /** When set, every query answers a GraphQL error with this message. */
  forceError: string | null
  /** When set, only page queries (not `_meta`) answer a GraphQL error with this message. */
  forcePageError: string | null
}

/** A running double. */
export interface SubgraphServerDouble {
  url: string
  kind: 'aave-v3' | 'morpho-blue'
  /** The block the rows were built at (`_meta.block.number`). */
  indexedBlock: bigint
  /** Every row the double holds (both with and without debt). */
  rows: readonly Row[]
  knobs: SubgraphKnobs
  /** Every request's GraphQL variables, in order (`_meta` requests as `{ meta: true }`). */
  requests: Array<Record<string, unknown>>
  /** Rebuilds the rows at `block` (the head when omitted). */
  reindex(block?: bigint): Promise<void>
  close(): Promise<void>
}

/** Options of {@link startSubgraphServer}. */
export interface StartSubgraphServerOptions {
  kind: 'aave-v3' | 'morpho-blue'
  client: PublicClient
  manifest: DevchainManifest
  /** Index up to this block; the head minus `lagBlocks` when omitted. */
  indexedBlock?: bigint
  lagBlocks?: bigint
  knobs?: Partial<SubgraphKnobs>
}

const AAVE_SUPPLY = parseAbiItem(
  'event Supply(address indexed reserve, address user, address indexed onBehalfOf, uint256 amount, uint16 indexed referralCode)',
)
const AAVE_BORROW = parseAbiItem(
  'event Borrow(address indexed reserve, address user, address indexed onBehalfOf, uint256 amount, uint8 interestRateMode, uint256 borrowRate, uint16 indexed referralCode)',
)
const MORPHO_SUPPLY_COLLATERAL = parseAbiItem(
  'event SupplyCollateral(bytes32 indexed id, address indexed caller, address indexed onBehalf, uint256 assets)',
)
const MORPHO_BORROW = parseAbiItem(
  'event Borrow(bytes32 indexed id, address caller, address indexed onBehalf, address indexed receiver, uint256 assets, uint256 shares)',
)
const morphoReadAbi = parseAbi([
  'function position(bytes32 id, address user) view returns (uint256 supplyShares, uint128 borrowShares, uint128 collateral)',
  'function market(bytes32 id) view returns (uint128 totalSupplyAssets, uint128 totalSupplyShares, uint128 totalBorrowAssets, uint128 totalBorrowShares, uint128 lastUpdate, uint128 fee)',
])

const topicAddress = (t: Hex | undefined) => `0x${t!.slice(26).toLowerCase()}`

async function logs(client: PublicClient, address: string, topic0: Hex, toBlock: bigint) {
  return (await client.request({
    method: 'eth_getLogs',
    params: [
      { address: address as Hex, fromBlock: '0x0', toBlock: `0x${toBlock.toString(16)}`, topics: [topic0] },
    ],
  })) as { topics: Hex[] }[]
}

/** Aave UserReserve rows at `block`: every (user, reserve) seen in Supply/Borrow, balances read on chain. */
async function buildAaveRows(client: PublicClient, m: DevchainManifest, block: bigint): Promise<Row[]> {
  const pool = m.aaveV3.pool
  const provider = m.aaveV3.poolAddressesProvider.toLowerCase()
  const pairs = new Map<string, { user: string; reserve: string }>()
  for (const topic0 of [toEventSelector(AAVE_SUPPLY), toEventSelector(AAVE_BORROW)]) {
    for (const log of await logs(client, pool, topic0, block)) {
      const user = topicAddress(log.topics[2])
      const reserve = topicAddress(log.topics[1])
      pairs.set(`${user}${reserve}`, { user, reserve })
    }
  }
  const list = [...pairs.values()]
  const token = (reserve: string) => {
    const t = m.tokens.find((x) => x.address.toLowerCase() === reserve)
    if (!t) throw new Error(`the subgraph double knows no manifest token for reserve ${reserve}`)
    return t
  }
  const contracts = list.flatMap(({ user, reserve }) => {
    const t = token(reserve)
    return [t.aToken, t.variableDebtToken, t.stableDebtToken].map((address) => ({
      address: address as Hex,
      abi: erc20Abi,
      functionName: 'balanceOf' as const,
      args: [user as Hex] as const,
    }))
  })
  // Sequential chunks of 300 reads: anvil refuses a multi-megabyte eth_call body (and the chain
  // client would put parallel chunks into one JSON-RPC batch request).
  const balances: unknown[] = []
  for (let i = 0; i < contracts.length; i += 300) {
    balances.push(
      ...(await client.multicall({
        contracts: contracts.slice(i, i + 300),
        blockNumber: block,
        allowFailure: false,
        multicallAddress: m.multicall3 as Hex,
        batchSize: 0,
      })),
    )
  }
  const borrowedCount = new Map<string, number>()
  const rows = list.map(({ user, reserve }, i) => {
    const [a, v, s] = balances.slice(i * 3, i * 3 + 3) as bigint[]
    const t = token(reserve)
    if (v! + s! > 0n) borrowedCount.set(user, (borrowedCount.get(user) ?? 0) + 1)
    return {
      id: `${user}${reserve}${provider}`,
      pool: { id: provider },
      reserve: {
        id: `${reserve}${provider}`,
        underlyingAsset: reserve,
        symbol: t.symbol,
        decimals: t.decimals,
        pool: { id: provider },
      },
      user: { id: user, borrowedReservesCount: 0 },
      currentATokenBalance: a!.toString(),
      currentVariableDebt: v!.toString(),
      currentStableDebt: s!.toString(),
      currentTotalDebt: (v! + s!).toString(),
    }
  })
  for (const r of rows) r.user.borrowedReservesCount = borrowedCount.get(r.user.id) ?? 0
  return rows
}

/** Morpho Position rows at `block`: BORROWER rows from Borrow events, COLLATERAL rows from SupplyCollateral. */
async function buildMorphoRows(client: PublicClient, m: DevchainManifest, block: bigint): Promise<Row[]> {
  const morpho = m.morphoBlue!.morpho as Hex
  const keys = new Map<string, { account: string; market: Hex; side: 'BORROWER' | 'COLLATERAL' }>()
  for (const [topic0, side] of [
    [toEventSelector(MORPHO_BORROW), 'BORROWER'],
    [toEventSelector(MORPHO_SUPPLY_COLLATERAL), 'COLLATERAL'],
  ] as const) {
    for (const log of await logs(client, morpho, topic0, block)) {
      const account = topicAddress(side === 'BORROWER' ? log.topics[2] : log.topics[3])
      const market = log.topics[1]!.toLowerCase() as Hex
      keys.set(`${account}-${market}-${side}`, { account, market, side })
    }
  }
  const list = [...keys.entries()]
  const marketIds = [...new Set(list.map(([, k]) => k.market))]
  const reads = await client.multicall({
    contracts: [
      ...list.map(([, k]) => ({
        address: morpho,
        abi: morphoReadAbi,
        functionName: 'position' as const,
        args: [k.market, k.account as Hex] as const,
      })),
      ...marketIds.map((id) => ({
        address: morpho,
        abi: morphoReadAbi,
        functionName: 'market' as const,
        args: [id] as const,
      })),
    ],
    blockNumber: block,
    allowFailure: false,
    multicallAddress: m.multicall3 as Hex,
    batchSize: 0,
  })
  const markets = new Map(
    marketIds.map((id, i) => [
      id,
      reads[list.length + i] as readonly [bigint, bigint, bigint, bigint, bigint, bigint],
    ]),
  )
  return list.map(([key, k], i) => {
    const [, borrowShares, collateral] = reads[i] as readonly [bigint, bigint, bigint]
    const mk = markets.get(k.market)!
    // Assets of the borrow shares, rounded up like Morpho's toAssetsUp (virtual shares 1e6, assets 1).
    const borrowAssets = (borrowShares * (mk[2] + 1n) + (mk[3] + 1_000_000n) - 1n) / (mk[3] + 1_000_000n)
    const base = { account: { id: k.account }, market: { id: k.market }, side: k.side }
    // graph-node counts positions per account/market/side: a closed one keeps its id, a reopened one gets -1, -2...
    return k.side === 'BORROWER'
      ? { id: `${key}-0`, ...base, balance: borrowAssets.toString(), shares: borrowShares.toString() }
      : { id: `${key}-0`, ...base, balance: collateral.toString(), shares: null }
  })
}

const BIGINT_FILTER = /_gt$/

function matches(row: Row, where: Record<string, unknown>): boolean {
  for (const [key, want] of Object.entries(where)) {
    if (want === undefined || want === null) continue
    const field = key.replace(/_(gt|gte|lt|lte)$/, '')
    const raw = row[field]
    const value = typeof raw === 'object' && raw !== null ? (raw as { id: string }).id : raw
    if (field !== 'id' && BIGINT_FILTER.test(key)) {
      if (value === null || value === undefined || BigInt(value as string) <= BigInt(want as string))
        return false
      continue
    }
    const v = String(value)
    const w = String(want)
    if (key.endsWith('_gt') && !(v > w)) return false
    else if (key.endsWith('_gte') && !(v >= w)) return false
    else if (key.endsWith('_lt') && !(v < w)) return false
    else if (key.endsWith('_lte') && !(v <= w)) return false
    else if (key === field && v !== w) return false
  }
  return true
}

/** Starts the double on 127.0.0.1 on a free port. */
export async function startSubgraphServer(
  options: StartSubgraphServerOptions,
): Promise<SubgraphServerDouble> {
  const { client, manifest, kind } = options
  const schema: GraphQLSchema = buildSchema(
    kind === 'aave-v3' ? AAVE_V3_SUBGRAPH_SDL : MORPHO_BLUE_SUBGRAPH_SDL,
  )
  const knobs: SubgraphKnobs = {
    hasIndexingErrors: false,
    forceError: null,
    forcePageError: null,
    ...options.knobs,
  }
  const requests: Array<Record<string, unknown>> = []
  const state = { block: 0n, rows: [] as Row[] }
  const reindex = async (block?: bigint) => {
    const head = await client.getBlockNumber({ cacheTime: 0 })
    const at = block ?? head - (options.lagBlocks ?? 0n)
    state.block = at
    state.rows = (
      kind === 'aave-v3'
        ? await buildAaveRows(client, manifest, at)
        : await buildMorphoRows(client, manifest, at)
    ).sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
  }
  await reindex(options.indexedBlock)

  const list = (args: {
    skip: number
    first: number
    orderBy?: string
    orderDirection?: 'asc' | 'desc'
    where?: Record<string, unknown>
    block?: { number?: number }
  }) => {
    if (knobs.forcePageError) throw new Error(knobs.forcePageError)
    if (args.first < 0 || args.first > 1000) {
      throw new Error(`The \`first\` argument must be between 0 and 1000, but is ${args.first}`)
    }
    if (args.skip < 0 || args.skip > 5000) {
      throw new Error(`The \`skip\` argument must be between 0 and 5000, but is ${args.skip}`)
    }
    if (args.block?.number !== undefined && BigInt(args.block.number) > state.block) {
      throw new Error(
        `Failed to decode \`block.number\` value: \`subgraph QmStacklensDouble has only indexed up to block number ${state.block} and data for block number ${args.block.number} is therefore not yet available\``,
      )
    }
    if (args.block?.number !== undefined && BigInt(args.block.number) < state.block) {
      throw new Error('this double keeps only its indexed block; historical block queries are not served')
    }
    if (args.orderBy !== undefined && args.orderBy !== 'id') throw new Error('this double orders by id only')
    const rows = state.rows.filter((r) => matches(r, args.where ?? {}))
    if (args.orderDirection === 'desc') rows.reverse()
    return rows.slice(args.skip, args.skip + args.first)
  }
  const meta = () => ({
    block: { number: Number(state.block), hash: null, timestamp: null },
    deployment: 'QmStacklensDouble',
    hasIndexingErrors: knobs.hasIndexingErrors,
  })
  const rootValue =
    kind === 'aave-v3' ? { userReserves: list, _meta: meta } : { positions: list, _meta: meta }

  const server: Server = createServer((req, res) => {
    let text = ''
    req.on('data', (c: Buffer) => {
      text += c.toString('utf8')
    })
    req.on('end', async () => {
      let body: { query?: string; variables?: Record<string, unknown>; operationName?: string }
      try {
        body = JSON.parse(text)
      } catch {
        res
          .writeHead(400, { 'content-type': 'application/json' })
          .end(JSON.stringify({ errors: [{ message: 'invalid JSON' }] }))
        return
      }
      requests.push(/_meta/.test(body.query ?? '') ? { meta: true } : { ...(body.variables ?? {}) })
      if (knobs.forceError) {
        res
          .writeHead(200, { 'content-type': 'application/json' })
          .end(JSON.stringify({ errors: [{ message: knobs.forceError }] }))
        return
      }
      const result = await graphql({
        schema,
        source: body.query ?? '',
        rootValue,
        variableValues: body.variables ?? {},
        operationName: body.operationName ?? null,
      })
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(result))
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}/subgraphs/name/stacklens-double`,
    kind,
    get indexedBlock() {
      return state.block
    },
    get rows() {
      return state.rows
    },
    knobs,
    requests,
    reindex,
    close: () => new Promise<void>((resolve, reject) => server.close((e) => (e ? reject(e) : resolve()))),
  }
}
