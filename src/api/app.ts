/**
 * The stacklens HTTP API: a Hono app, runtime-agnostic (no node: imports). `src/node.ts` serves
 * it on Node, `src/worker.ts` on Cloudflare Workers.
 */
import { createRoute, OpenAPIHono, type z } from '@hono/zod-openapi'
import { bodyLimit } from 'hono/body-limit'
import { HTTPException } from 'hono/http-exception'
import type { PublicClient } from 'viem'
import { createChainClient } from '../chains/client.js'
import type { ChainRuntime, StacklensConfig } from '../chains/config.js'
import { CHAIN_KEYS, CHAINS, type ChainKey, isChainKey } from '../chains/registry.js'
import { type Address, parseAddress } from '../core/address.js'
import { BaseError, ChainNotConfiguredError, InvalidBlockError, UnknownChainError } from '../core/errors.js'
import type { PositionResult } from '../core/types.js'
import { hyperliquidAdapter } from '../protocols/hyperliquid/index.js'
import { readWallet, type WalletChainReport } from '../protocols/read-wallet.js'
import { resolveExposure } from '../resolve/index.js'
import type { BetaTable } from '../risk/defaults.js'
import { runMonteCarlo } from '../risk/montecarlo.js'
import { walletMonteCarloInput } from '../risk/wallet-mc.js'
import { ANALYZE_LIMITS, AnalyzeBodySchema, optionExposure, perpLegPosition } from './analyze.js'
import { DEFAULT_CASCADE_SHOCKS, marketCascade } from './cascade.js'
import { renderDocsPage } from './docs.js'
import { errorBody, STATUS_OF } from './errors.js'
import { createAssetContexts, jsonSafe, parseBetas, parseUnwindTarget, planWalletUnwind } from './exposure.js'
import { renderHomePage } from './home.js'
import {
  parseIntParam,
  parseJumps,
  parseMoves,
  parseNumberParam,
  parseShockList,
  parseVolatilities,
} from './risk-params.js'
import {
  AnalyzeResponseSchema,
  CascadeQuerySchema,
  CascadeResponseSchema,
  ChainsSchema,
  ErrorSchema,
  ExposureQuerySchema,
  ExposureResponseSchema,
  type ExposureSchema,
  HealthSchema,
  ManifestParamsSchema,
  ManifestResponseSchema,
  MarketParamsSchema,
  MonteCarloQuerySchema,
  MonteCarloResponseSchema,
  StressQuerySchema,
  StressResponseSchema,
  WalletParamsSchema,
  WalletQuerySchema,
  WalletReportSchema,
} from './schemas.js'
import { serializePosition, summarize } from './serialize.js'
import { runStress, scenariosOf, stressInputs } from './stress.js'

/** Dependencies of the app, injected so it runs on fixtures, the devchain, forks and Workers. */
export interface AppDeps {
  config: StacklensConfig
  /** Builds the client of a chain (default: viem HTTP with batching and fallback). */
  clientFor?: (chain: ChainRuntime) => PublicClient
  /** Hint shown when a chain is not configured (differs on Node and Workers). */
  configHint?: string
}

const jsonError = (description: string) => ({
  content: { 'application/json': { schema: ErrorSchema } },
  description,
})

const MAX_BLOCK = 2n ** 53n - 1n

function parseBlock(value: string | undefined): bigint | undefined {
  if (value === undefined) return undefined
  if (!/^\d{1,16}$/.test(value)) throw new InvalidBlockError(value)
  const n = BigInt(value)
  if (n > MAX_BLOCK) throw new InvalidBlockError(value)
  return n
}

/**
 * Hyperliquid positions as a report row set: its state is the venue's, not a block's (blockNumber
 * 0, the venue's time as timestamp); a venue failure is an `unavailable` row, the rest is served.
 */
async function readHyperliquidReport(user: Address, url: string): Promise<WalletChainReport> {
  try {
    const positions = await hyperliquidAdapter.readWallet({ user, config: { url } })
    const venueTime = positions.map((p) => p.details.venueTime).find((t) => typeof t === 'number')
    return {
      chain: 'hyperliquid',
      blockNumber: 0n,
      timestamp: BigInt(Math.floor(((venueTime as number | undefined) ?? Date.now()) / 1000)),
      positions,
      rates: {},
      rateFailures: [],
    }
  } catch (err) {
    if (!(err instanceof BaseError)) throw err
    return {
      chain: 'hyperliquid',
      blockNumber: 0n,
      timestamp: BigInt(Math.floor(Date.now() / 1000)),
      positions: [
        {
          status: 'unavailable',
          protocol: 'hyperliquid',
          market: 'hyperliquid-perps',
          chain: 'hyperliquid',
          kind: 'perp',
          code: err.code,
          reason: err.message,
        },
      ],
      rates: {},
      rateFailures: [],
    }
  }
}

/** Creates the Hono app. */
export function createApp(deps: AppDeps) {
  const { config } = deps
  const configHint = deps.configHint ?? 'set STACKLENS_RPC_<CHAIN> to an RPC URL'
  const clients = new Map<ChainKey, PublicClient>()
  const clientFor = (chain: ChainRuntime): PublicClient => {
    let c = clients.get(chain.key)
    if (!c) {
      c = deps.clientFor ? deps.clientFor(chain) : createChainClient(chain.key, { rpcUrls: chain.rpcUrls })
      clients.set(chain.key, c)
    }
    return c
  }
  const assets = createAssetContexts(config)
  const configured = () => CHAIN_KEYS.filter((k) => config.chains[k] !== undefined)
  const resolveChain = (value: string): ChainRuntime => {
    if (!isChainKey(value)) throw new UnknownChainError(value, CHAIN_KEYS)
    const runtime = config.chains[value]
    if (!runtime) {
      throw new ChainNotConfiguredError(
        value,
        configured(),
        value === 'local' ? 'start the devchain with `npm start` or `npm run devchain`' : configHint,
      )
    }
    return runtime
  }

  /** Reads `address` on the named chains (every configured chain when undefined), concurrently. */
  const readAcross = async (
    address: Address,
    chainKeys: readonly string[] | undefined,
    blockNumber?: bigint,
  ): Promise<WalletChainReport[]> => {
    const chains = chainKeys ? chainKeys.map(resolveChain) : configured().map((k) => config.chains[k]!)
    // Hyperliquid (its own L1, read over its info API) joins a scan of every source.
    const withVenue = chainKeys === undefined && config.hyperliquid != null
    if (chains.length === 0 && !withVenue) throw new ChainNotConfiguredError('any', [], configHint)
    return Promise.all([
      ...chains.map((chain) =>
        readWallet({
          client: clientFor(chain),
          chain,
          user: address,
          rateCalls: assets.rateCallsFor(chain.key),
          ...(blockNumber === undefined ? {} : { blockNumber }),
        }),
      ),
      ...(withVenue ? [readHyperliquidReport(address, config.hyperliquid!.url)] : []),
    ])
  }

  /** A report's chain, block and time, as every wallet route lists them. */
  const chainBlock = (r: WalletChainReport) => ({
    chain: r.chain,
    blockNumber: Number(r.blockNumber),
    timestamp: Number(r.timestamp),
  })

  /**
   * The read every wallet route starts from: `address` on `chainKey` (every configured chain when
   * undefined) at `blockNumber`, with the header fields of the answer.
   */
  const readWalletAt = async (
    address: Address,
    chainKey: string | undefined,
    blockNumber: bigint | undefined,
  ) => {
    if (chainKey === undefined && blockNumber !== undefined) {
      throw new BaseError('INVALID_REQUEST', 'block needs chain: a block number means one chain')
    }
    const reports = await readAcross(address, chainKey === undefined ? undefined : [chainKey], blockNumber)
    const single = reports.length === 1 ? reports[0]! : null
    return {
      reports,
      positions: reports.flatMap((r) => r.positions),
      pinned: {
        address,
        chain: single ? single.chain : null,
        blockNumber: single ? Number(single.blockNumber) : null,
      },
      chains: reports.map(chainBlock),
    }
  }

  /** The resolver's exposure of a wallet read (rates and times of its pinned blocks). */
  const resolveRead = (read: Awaited<ReturnType<typeof readWalletAt>>, betas?: BetaTable) =>
    resolveExposure({
      positions: read.positions,
      ...(betas ? { betas } : {}),
      ...assets.contextsFrom(read.reports),
    })

  const app = new OpenAPIHono({
    defaultHook: (result, c) => {
      if (!result.success) {
        const issue = result.error.issues[0]
        const where = issue?.path.join('.') || 'body'
        return c.json(errorBody('INVALID_REQUEST', `${where}: ${issue?.message ?? 'invalid'}`), 400)
      }
      return undefined
    },
  })

  app.onError((err, c) => {
    if (err instanceof BaseError) {
      return c.json(errorBody(err.code, err.message), STATUS_OF[err.code])
    }
    if (err instanceof HTTPException && err.status < 500) {
      // Hono's own 4xx (e.g. a body that is not JSON).
      return c.json(errorBody('INVALID_REQUEST', err.message || 'invalid request'), err.status)
    }
    console.error('[stacklens] unexpected error', err)
    return c.json(errorBody('INTERNAL', 'an unexpected error occurred; it has been logged'), 500)
  })
  app.notFound((c) => c.json(errorBody('NOT_FOUND', `no route for ${c.req.method} ${c.req.path}`), 404))

  app.openapi(
    createRoute({
      method: 'get',
      path: '/health',
      summary: 'Liveness',
      responses: { 200: { content: { 'application/json': { schema: HealthSchema } }, description: 'Up' } },
    }),
    (c) => c.json({ status: 'ok' as const }, 200),
  )

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/chains',
      summary: 'Chains stacklens knows and which are configured here',
      responses: {
        200: { content: { 'application/json': { schema: ChainsSchema } }, description: 'Chains' },
      },
    }),
    (c) =>
      c.json(
        {
          chains: CHAIN_KEYS.map((key) => ({
            key,
            chainId: config.chains[key]?.chainId ?? CHAINS[key].chainId,
            name: CHAINS[key].name,
            configured: config.chains[key] !== undefined,
            markets: (config.chains[key]?.aaveMarkets ?? []).map((m) => ({
              id: m.id,
              protocol: m.protocol,
              name: m.name,
            })),
          })),
        },
        200,
      ),
  )

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/wallets/{address}',
      summary: "A wallet's lending positions with health factors and liquidation prices",
      description:
        'Reads every configured market of the chain (or of every configured chain) in one batched call pinned to one block. A market that cannot be read is listed with status "unavailable" and a reason, never as a zero balance.',
      request: { params: WalletParamsSchema, query: WalletQuerySchema },
      responses: {
        200: { content: { 'application/json': { schema: WalletReportSchema } }, description: 'The report' },
        400: jsonError('Bad address, unknown or unconfigured chain, bad block'),
        502: jsonError('The RPC answered with an error'),
        503: jsonError('The RPC is unreachable'),
      },
    }),
    async (c) => {
      const { address: rawAddress } = c.req.valid('param')
      const query = c.req.valid('query')
      const address = parseAddress(rawAddress)
      const blockNumber = parseBlock(query.block)
      const read = await readWalletAt(address, query.chain, blockNumber)
      return c.json(
        {
          ...read.pinned,
          chains: read.chains,
          positions: read.positions.map(serializePosition),
          summary: summarize(read.positions),
        },
        200,
      )
    },
  )

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/wallets/{address}/exposure',
      summary: "A wallet's leverage resolved: net exposure per risk asset, layers, stacks, beta",
      description:
        'Reads the wallet like /v1/wallets/{address} (wrapper rates in the same pinned batch), unwinds every token to its risk asset (ETH, BTC, USD, or itself), links the debts of one position to the collateral of another into stacks, and plans the unwind to `target`. Without `chain`, every configured chain (and Hyperliquid) at once: stacks can span chains.',
      request: { params: WalletParamsSchema, query: ExposureQuerySchema },
      responses: {
        200: {
          content: { 'application/json': { schema: ExposureResponseSchema } },
          description: 'The exposure',
        },
        400: jsonError('Bad address, chain, block, betas or target'),
        502: jsonError('The RPC answered with an error'),
        503: jsonError('The RPC is unreachable'),
      },
    }),
    async (c) => {
      const { address: rawAddress } = c.req.valid('param')
      const query = c.req.valid('query')
      const address = parseAddress(rawAddress)
      const blockNumber = parseBlock(query.block)
      const betas = parseBetas(query.betas)
      const target = parseUnwindTarget(query.target)
      const read = await readWalletAt(address, query.chain, blockNumber)
      const exposure = resolveRead(read, betas)
      return c.json(
        jsonSafe({
          ...read.pinned,
          chains: read.chains,
          ...exposure,
          unwind: planWalletUnwind(exposure, read.positions, target),
        }) as z.infer<typeof ExposureResponseSchema>,
        200,
      )
    },
  )

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/wallets/{address}/stress',
      summary: "A wallet under price shocks: each position's health factor, liquidations and equity",
      description:
        "Moves risk-asset prices (`shocks=ETH:-0.3,BTC:-0.2`; `*` = every other non-USD risk asset) and wrappers against what they wrap (`depegs=stETH:-0.05,USDC:-0.02`), recomputes each position's health factor and liquidates it under its own protocol's rules (Aave close factor and bonus, Morpho LIF, Compound absorb, perp maintenance). Without shocks and depegs: the default grid (all risk assets -50%..+30%, each alone +-30%, the depegs the wallet is exposed to). One liquidation per position, no market impact (see the cascade route).",
      request: { params: WalletParamsSchema, query: StressQuerySchema },
      responses: {
        200: {
          content: { 'application/json': { schema: StressResponseSchema } },
          description: 'The stress results',
        },
        400: jsonError('Bad address, chain, block, shocks or depegs'),
        502: jsonError('The RPC answered with an error'),
        503: jsonError('The RPC is unreachable'),
      },
    }),
    async (c) => {
      const { address: rawAddress } = c.req.valid('param')
      const query = c.req.valid('query')
      const address = parseAddress(rawAddress)
      const blockNumber = parseBlock(query.block)
      const shocks = query.shocks === undefined ? undefined : parseMoves(query.shocks, 'shocks')
      const depegs = query.depegs === undefined ? undefined : parseMoves(query.depegs, 'depegs')
      const read = await readWalletAt(address, query.chain, blockNumber)
      const exposure = resolveRead(read)
      const inputs = stressInputs(exposure, read.positions)
      return c.json(
        jsonSafe({
          ...read.pinned,
          chains: read.chains,
          equityUsd: exposure.equityUsd,
          ...runStress(inputs, scenariosOf(exposure, shocks, depegs)),
          unresolved: exposure.unresolved,
        }) as z.infer<typeof StressResponseSchema>,
        200,
      )
    },
  )

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/wallets/{address}/montecarlo',
      summary:
        'Monte Carlo: probability of liquidation per position and for the wallet, VaR and ES of equity',
      description:
        "Correlated geometric Brownian motion of the wallet's risk assets (volatilities and correlations from a documented default table, overridable with `vols`; optional Merton `jumps`), each position's liquidation rule monitored at every step. Seeded and reproducible: the same request gives the same numbers. Limits: paths <= 200,000, steps <= 10,000, paths x steps <= 50,000,000.",
      request: { params: WalletParamsSchema, query: MonteCarloQuerySchema },
      responses: {
        200: {
          content: { 'application/json': { schema: MonteCarloResponseSchema } },
          description: 'The simulation',
        },
        400: jsonError('Bad address, chain, block or simulation parameter'),
        502: jsonError('The RPC answered with an error'),
        503: jsonError('The RPC is unreachable'),
      },
    }),
    async (c) => {
      const { address: rawAddress } = c.req.valid('param')
      const query = c.req.valid('query')
      const address = parseAddress(rawAddress)
      const blockNumber = parseBlock(query.block)
      const horizonDays = parseNumberParam(query.horizonDays, 'horizonDays', 3650, 30)
      const paths = parseIntParam(query.paths, 'paths', 100, 200_000, 10_000)
      const steps = parseIntParam(
        query.steps,
        'steps',
        1,
        10_000,
        Math.min(10_000, Math.max(1, Math.round(horizonDays * 24))),
      )
      if (paths * steps > 50_000_000) {
        throw new BaseError(
          'INVALID_REQUEST',
          `paths x steps = ${paths * steps} is over the 50,000,000 limit of one request`,
        )
      }
      const seed =
        query.seed === undefined
          ? 1
          : /^\d{1,15}$/.test(query.seed)
            ? Number(query.seed)
            : query.seed.slice(0, 64)
      const volatilities = query.vols === undefined ? undefined : parseVolatilities(query.vols)
      const jumps = query.jumps === undefined ? undefined : parseJumps(query.jumps)
      const read = await readWalletAt(address, query.chain, blockNumber)
      const exposure = resolveRead(read)
      const built = walletMonteCarloInput(stressInputs(exposure, read.positions), {
        horizonDays,
        steps,
        paths,
        seed,
        ...(volatilities ? { volatilities } : {}),
        ...(jumps ? { jumps } : {}),
      })
      const result = runMonteCarlo(built.input)
      return c.json(
        jsonSafe({
          ...read.pinned,
          ...result,
          assets: built.assets,
          correlation: built.input.correlation,
          assumptions: built.assumptions,
          unresolved: exposure.unresolved,
        }) as z.infer<typeof MonteCarloResponseSchema>,
        200,
      )
    },
  )

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/markets/{market}/cascade',
      summary:
        'Liquidation cascade of a market: liquidate -> sell -> price impact -> liquidate, to the fixed point',
      description:
        "Enumerates every borrower of the market (an Aave market id such as `aave-v3-local`, or a Morpho market id) from its subgraph (when configured) or its Borrow logs, reads their positions at one block, and for each initial shock of `asset` runs the cascade with the protocols' rules and the price impact of the chain's DEX pool read at the same block (Uniswap v3 tick liquidity), or a square-root depth curve. `wallet` adds the smallest initial shock that liquidates that borrower once the cascade is counted, next to the naive one.",
      request: { params: MarketParamsSchema, query: CascadeQuerySchema },
      responses: {
        200: {
          content: { 'application/json': { schema: CascadeResponseSchema } },
          description: 'The cascade curve',
        },
        400: jsonError('Bad chain, market, asset, shocks, depth or wallet'),
        404: jsonError('The chain has no such market'),
        502: jsonError('The RPC answered with an error'),
        503: jsonError('The RPC is unreachable'),
      },
    }),
    async (c) => {
      const { market } = c.req.valid('param')
      const query = c.req.valid('query')
      if (query.chain === undefined)
        throw new BaseError('INVALID_REQUEST', 'chain is required: a market lives on one chain')
      const chain = resolveChain(query.chain)
      const asset = (query.asset ?? 'ETH').toUpperCase()
      if (!/^[A-Z0-9._-]{1,32}$/.test(asset))
        throw new BaseError('INVALID_REQUEST', `asset: "${query.asset}" is not a risk asset name`)
      if (asset === 'USD')
        throw new BaseError(
          'INVALID_REQUEST',
          'asset: USD is the numeraire: shock a risk asset (ETH, BTC, ...)',
        )
      const shocks =
        query.shocks === undefined ? DEFAULT_CASCADE_SHOCKS : parseShockList(query.shocks, 'shocks', 200)
      const depth = query.depth ?? 'auto'
      if (!['auto', 'pool', 'sqrt', 'none'].includes(depth))
        throw new BaseError('INVALID_REQUEST', `depth: "${depth}" is not one of auto, pool, sqrt, none`)
      const unitsForOnePercent =
        query.unitsForOnePercent === undefined
          ? undefined
          : parseNumberParam(query.unitsForOnePercent, 'unitsForOnePercent', 1e15, 0)
      const wallet = query.wallet === undefined ? undefined : parseAddress(query.wallet)
      const blockNumber = parseBlock(query.block)
      const body = await marketCascade({
        client: clientFor(chain),
        chain,
        assets,
        market,
        asset,
        shocks,
        depth: depth as 'auto' | 'pool' | 'sqrt' | 'none',
        ...(unitsForOnePercent === undefined ? {} : { unitsForOnePercent }),
        ...(wallet === undefined ? {} : { wallet }),
        ...(blockNumber === undefined ? {} : { blockNumber }),
      })
      return c.json(jsonSafe(body) as z.infer<typeof CascadeResponseSchema>, 200)
    },
  )

  app.use(
    '/v1/analyze',
    bodyLimit({
      maxSize: ANALYZE_LIMITS.bodyBytes,
      onError: (c) =>
        c.json(
          errorBody('PAYLOAD_TOO_LARGE', `the request body is over ${ANALYZE_LIMITS.bodyBytes / 1024} KiB`),
          413,
        ),
    }),
  )
  app.openapi(
    createRoute({
      method: 'post',
      path: '/v1/analyze',
      summary: 'One portfolio: wallets on chain plus manual legs (CEX perps, options)',
      description: `Each perp leg becomes a Position (kind "perp") with its liquidation price; options get greeks (given, or Black-Scholes from impliedVol and spotPrice). At most ${ANALYZE_LIMITS.wallets} wallets, ${ANALYZE_LIMITS.legs} legs, ${ANALYZE_LIMITS.bodyBytes / 1024} KiB.`,
      request: { body: { content: { 'application/json': { schema: AnalyzeBodySchema } }, required: true } },
      responses: {
        200: {
          content: { 'application/json': { schema: AnalyzeResponseSchema } },
          description: 'The analysis',
        },
        400: jsonError('A field is missing or invalid (the message names it)'),
        413: jsonError('The body is too large'),
        502: jsonError('An RPC answered with an error'),
        503: jsonError('An RPC is unreachable'),
      },
    }),
    async (c) => {
      const body = c.req.valid('json')
      const wallets = body.wallets.map((w, i) => {
        try {
          return { address: parseAddress(w.address), chains: w.chains }
        } catch (err) {
          if (err instanceof BaseError) throw new BaseError(err.code, `wallets.${i}.address: ${err.message}`)
          throw err
        }
      })
      const reports = await Promise.all(wallets.map((w) => readAcross(w.address, w.chains)))
      const now = new Date()
      const positions: PositionResult[] = [
        ...reports.flat().flatMap((r) => r.positions),
        ...body.legs.filter((l) => l.kind === 'perp').map(perpLegPosition),
      ]
      const options = body.legs.filter((l) => l.kind === 'option').map((l) => optionExposure(l, now))
      return c.json(
        {
          wallets: wallets.map((w, i) => ({
            address: w.address,
            chains: reports[i]!.map(chainBlock),
          })),
          positions: positions.map(serializePosition),
          options,
          exposure: jsonSafe(
            resolveExposure({
              positions,
              options: options.map((o, i) => ({
                id: `option:${i + 1}:${o.underlying}-${o.type}-${o.strike}-${o.expiry.slice(0, 10)}`,
                underlying: o.underlying,
                delta: o.delta,
                deltaUsd: o.deltaUsd,
                valueUsd: o.valueUsd,
              })),
              ...assets.contextsFrom(reports.flat()),
            }),
          ) as z.infer<typeof ExposureSchema>,
          summary: summarize(positions),
        },
        200,
      )
    },
  )

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/chains/{chain}/manifest',
      summary: 'The devchain manifest (chain "local" only)',
      request: { params: ManifestParamsSchema },
      responses: {
        200: {
          content: { 'application/json': { schema: ManifestResponseSchema } },
          description: 'The manifest',
        },
        400: jsonError('Unknown chain'),
        404: jsonError('No devchain here, or the chain has no manifest'),
      },
    }),
    (c) => {
      const { chain } = c.req.valid('param')
      if (!isChainKey(chain)) throw new UnknownChainError(chain, CHAIN_KEYS)
      if (chain !== 'local') {
        throw new BaseError(
          'NOT_FOUND',
          `chain "${chain}" is a real network: only the devchain ("local") has a manifest`,
        )
      }
      if (!config.localManifest) {
        throw new BaseError(
          'DEVCHAIN_NOT_RUNNING',
          'no devchain is served here: start one with `npm start` (no RPC configured) or `npm run devchain`',
        )
      }
      return c.json(config.localManifest as Record<string, unknown>, 200)
    },
  )

  const openApiConfig = {
    openapi: '3.1.0',
    info: {
      title: 'stacklens API',
      version: '0.1.0',
      description:
        'Stacked DeFi leverage, seen through: health factors, liquidation prices and exposure for any wallet. Token amounts are decimal strings of raw integer units; USD values and ratios are JSON numbers.',
    },
  }
  app.doc31('/openapi.json', openApiConfig)
  let docsHtml: string | undefined
  app.get('/docs', (c) => {
    docsHtml ??= renderDocsPage(app.getOpenAPI31Document(openApiConfig))
    return c.html(docsHtml)
  })
  app.get('/', (c) => c.html(renderHomePage(config)))
  return app
}

/** The app's type (for typed clients). */
export type StacklensApp = ReturnType<typeof createApp>
