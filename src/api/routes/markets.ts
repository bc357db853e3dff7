/** The market routes: a market's liquidation cascade. */
import { createRoute } from '@hono/zod-openapi'
import { DEFAULT_CASCADE_SHOCKS, marketCascadeReport } from '../../report/market-cascade-report.js'
import type { ReportSources } from '../../report/report-sources.js'
import { jsonError, tooManyRequests, upstreamErrors } from '../errors.js'
import { CascadeQuerySchema, MarketParamsSchema } from '../query-schemas.js'
import type { RouteContext } from '../route-context.js'
import { createRouter } from '../router.js'
import { CascadeResponseSchema } from '../schemas.js'
import { toJson } from '../serialize.js'

/** `GET /v1/markets/{market}/cascade`. */
export function marketRoutes(sources: ReportSources, ctx: RouteContext) {
  const app = createRouter()
  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/markets/{market}/cascade',
      summary:
        'Liquidation cascade of a market: liquidate -> sell -> price impact -> liquidate, to the fixed point',
      description:
        "Enumerates every borrower of the market (an Aave market id such as `aave-v3-local`, or a Morpho market id) from its subgraph (when configured) or its Borrow logs; a Comet, an Aave V4 Spoke or a GMX v2 deployment (any id `GET /v1/chains` lists for the chain) through its adapter's market-wide read (Comet Withdraw/AbsorbDebt logs, V4 Borrow logs, GMX's DataStore POSITION_LIST), reads their positions at one block, and for each initial shock of `asset` runs the cascade with the protocols' rules and the price impact of the chain's DEX pool read at the same block (Uniswap v3 tick liquidity), or a square-root depth curve. `wallet` adds the smallest initial shock that liquidates that borrower once the cascade is counted, next to the naive one. A GMX deployment answers `kind: \"perp\"`: its positions at the venue's own liquidation prices, liquidated longs' closes sold (a fall liquidates longs; `wallet` is the wallet's long nearest liquidation), the sqrt default calibrated on its open interest.",
      request: { params: MarketParamsSchema, query: CascadeQuerySchema },
      responses: {
        200: {
          content: { 'application/json': { schema: CascadeResponseSchema } },
          description: 'The cascade curve',
        },
        400: jsonError(
          'Bad chain, market, asset, shocks, depth or wallet; or a listed market its adapter cannot enumerate at the block',
        ),
        404: jsonError('The chain has no such market'),
        429: tooManyRequests,
        ...upstreamErrors,
      },
    }),
    async (c) => {
      const { market } = c.req.valid('param')
      const q = c.req.valid('query')
      const report = await marketCascadeReport(sources, {
        chain: q.chain,
        market,
        asset: q.asset,
        shocks: q.shocks ?? DEFAULT_CASCADE_SHOCKS,
        depth: q.depth,
        ...(q.unitsForOnePercent === undefined ? {} : { unitsForOnePercent: q.unitsForOnePercent }),
        ...(q.wallet === undefined ? {} : { wallet: q.wallet }),
        ...(q.block === undefined ? {} : { blockNumber: q.block }),
        ...ctx.budget(),
      })
      return c.json(toJson(report), 200)
    },
  )
  return app
}
