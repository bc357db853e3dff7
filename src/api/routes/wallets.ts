/** The wallet routes: positions, exposure, stress and Monte Carlo of one address. */
import { createRoute } from '@hono/zod-openapi'
import { BaseError } from '../../core/errors.js'
import { exposureReport } from '../../report/exposure-report.js'
import { monteCarloReport } from '../../report/monte-carlo-report.js'
import { walletLiquidationRatios } from '../../report/ratio-report.js'
import type { ReportSources } from '../../report/report-sources.js'
import { stressReport } from '../../report/stress-report.js'
import { readWalletReport } from '../../report/wallet-report.js'
import { CarryQueryFields, CarrySchema } from '../carry-schemas.js'
import { jsonError, tooManyRequests, upstreamErrors } from '../errors.js'
import {
  ExposureQuerySchema,
  MonteCarloQuerySchema,
  StressQuerySchema,
  WalletParamsSchema,
  WalletReadQuerySchema,
} from '../query-schemas.js'
import type { RouteContext } from '../route-context.js'
import { createRouter } from '../router.js'
import {
  ExposureResponseSchema,
  MonteCarloResponseSchema,
  StressResponseSchema,
  WalletReportSchema,
} from '../schemas.js'
import { toJson, walletReportJson } from '../serialize.js'

const upstream = { 429: tooManyRequests, ...upstreamErrors }
const ok = <S>(schema: S, description: string) => ({
  content: { 'application/json': { schema } },
  description,
})

/** `GET /v1/wallets/{address}` and its exposure, stress and montecarlo views. */
export function walletRoutes(sources: ReportSources, ctx: RouteContext) {
  const app = createRouter()

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/wallets/{address}',
      summary: "A wallet's lending positions with health factors and liquidation prices",
      description:
        'Reads every configured market of the chain (or of every configured chain) in one batched call pinned to one block. A market that cannot be read is listed with status "unavailable" and a reason, never as a zero balance. Where the chain has their registries, the smart accounts of the address (DSProxy, Instadapp DSA, Summer.fi DPM) are found and read at the same block: every row names the `account` holding it, its `accountKind` and the `owner` (the address asked for).',
      request: { params: WalletParamsSchema, query: WalletReadQuerySchema },
      responses: {
        200: ok(WalletReportSchema, 'The report'),
        400: jsonError('Bad address, unknown or unconfigured chain, bad block'),
        ...upstream,
      },
    }),
    async (c) => {
      const { address } = c.req.valid('param')
      const { chain, block, accounts } = c.req.valid('query')
      const read = await readWalletReport(sources, {
        address,
        chain,
        blockNumber: block,
        accounts,
        ...ctx.budget(),
      })
      return c.json(walletReportJson(read, walletLiquidationRatios(sources, read)), 200)
    },
  )

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/wallets/{address}/exposure',
      summary: "A wallet's leverage resolved: net exposure per risk asset, layers, stacks, beta",
      description:
        "Reads the wallet like /v1/wallets/{address} (wrapper rates in the same pinned batch), unwinds every token to its risk asset (ETH, BTC, USD, or itself), links the debts of one position to the collateral of another into stacks, and plans the unwind to `target`. Without `chain`, every configured chain (and Hyperliquid) at once: stacks can span chains. With `carry=true`: `carry`, the supply and borrow APY of every leg at the block as each protocol's rate model answers it (Aave getReserveData rates, compounded per second; Morpho IRM borrowRateView, Comet getSupplyRate/getBorrowRate at getUtilization, continuous), wrappers' native yield (their rate at the block against `carryDays` earlier: an archive read), net carry per layer, stack and wallet in USD per year, APY on notional and on equity, and the break-even move the carry pays for.",
      request: { params: WalletParamsSchema, query: ExposureQuerySchema.extend(CarryQueryFields) },
      responses: {
        200: ok(ExposureResponseSchema.extend({ carry: CarrySchema.optional() }), 'The exposure'),
        400: jsonError('Bad address, chain, block, betas, target, carry or carryDays'),
        ...upstream,
      },
    }),
    async (c) => {
      const { address } = c.req.valid('param')
      const q = c.req.valid('query')
      if (q.carryDays !== undefined && q.carry !== true) {
        throw new BaseError('INVALID_REQUEST', 'carryDays needs carry=true')
      }
      const report = await exposureReport(sources, {
        address,
        chain: q.chain,
        blockNumber: q.block,
        accounts: q.accounts,
        betas: q.betas,
        target: q.target,
        carry: q.carry ? { lookbackDays: q.carryDays } : undefined,
        ...ctx.budget(),
      })
      return c.json(toJson(report), 200)
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
        200: ok(StressResponseSchema, 'The stress results'),
        400: jsonError('Bad address, chain, block, shocks or depegs'),
        ...upstream,
      },
    }),
    async (c) => {
      const { address } = c.req.valid('param')
      const q = c.req.valid('query')
      const report = await stressReport(sources, {
        address,
        chain: q.chain,
        blockNumber: q.block,
        shocks: q.shocks,
        depegs: q.depegs,
        ...ctx.budget(),
      })
      return c.json(toJson(report), 200)
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
        200: ok(MonteCarloResponseSchema, 'The simulation'),
        400: jsonError('Bad address, chain, block or simulation parameter'),
        ...upstream,
      },
    }),
    async (c) => {
      const { address } = c.req.valid('param')
      const q = c.req.valid('query')
      const report = await monteCarloReport(sources, {
        address,
        chain: q.chain,
        blockNumber: q.block,
        horizonDays: q.horizonDays,
        paths: q.paths,
        steps: q.steps,
        seed: q.seed,
        volatilities: q.vols,
        jumps: q.jumps,
        ...ctx.budget(),
        ...(ctx.runMonteCarlo ? { runner: ctx.runMonteCarlo } : {}),
      })
      return c.json(toJson(report), 200)
    },
  )

  return app
}
