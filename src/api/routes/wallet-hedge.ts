/** `GET /v1/wallets/{address}/hedge`: the perp hedge of a wallet on a venue and its effect. */
import { createRoute } from '@hono/zod-openapi'
import { hedgeReport, parseHedgeVenue } from '../../report/hedge-report.js'
import type { ReportSources } from '../../report/report-sources.js'
import { jsonError, tooManyRequests, upstreamErrors } from '../errors.js'
import { HedgeQuerySchema, HedgeResponseSchema } from '../hedge-schemas.js'
import { WalletParamsSchema } from '../query-schemas.js'
import type { RouteContext } from '../route-context.js'
import { createRouter } from '../router.js'
import { toJson } from '../serialize.js'

/** The hedge route. */
export function walletHedgeRoutes(sources: ReportSources, ctx: RouteContext) {
  const app = createRouter()
  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/wallets/{address}/hedge',
      summary: "The perp hedge that zeroes a wallet's net exposure (or beta), and its effect",
      description:
        "Reads the wallet and the venue (Hyperliquid's metaAndAssetCtxs: mark, hourly funding, size step, margin tiers; or GMX v2's Reader and DataStore at the block: position fee factors, funding and borrowing per second, min collateral factors) and sizes, per risk asset, the perp short (or long) that brings the net units to zero (`target=delta`), or one ETH (BTC) perp that zeroes the dollar beta (`target=beta:ETH|beta:BTC`). Each leg says its margin, max leverage, maintenance rate, own liquidation price, taker fee (the venue's base tier) and funding per year. `legs` are exactly POST /v1/analyze legs: analyzing the wallet with them gives `residual`. The effect: Monte Carlo liquidation probability and VaR (the same seed before and after) and the default stress grid, before and after.",
      request: { params: WalletParamsSchema, query: HedgeQuerySchema },
      responses: {
        200: { content: { 'application/json': { schema: HedgeResponseSchema } }, description: 'The hedge' },
        400: jsonError(
          'Bad address, chain, block, venue, target, leverage, horizonDays, paths or seed; venue not configured',
        ),
        429: tooManyRequests,
        ...upstreamErrors,
      },
    }),
    async (c) => {
      const { address } = c.req.valid('param')
      const q = c.req.valid('query')
      const report = await hedgeReport(sources, {
        address,
        chain: q.chain,
        blockNumber: q.block,
        accounts: q.accounts,
        // The query parser already refused any other spelling.
        venue: parseHedgeVenue(q.venue)!,
        target: q.target ?? { kind: 'delta' },
        leverage: q.leverage,
        horizonDays: q.horizonDays,
        paths: q.paths,
        seed: q.seed,
        ...ctx.budget(),
        ...(ctx.runMonteCarlo ? { runner: ctx.runMonteCarlo } : {}),
      })
      return c.json(toJson(report), 200)
    },
  )
  return app
}
