/** The leverage routes: a market's and a chain's leverage metrics at one block. */
import { createRoute } from '@hono/zod-openapi'
import { BaseError } from '../../core/errors.js'
import { chainLeverageReport, marketLeverageReport } from '../../report/leverage-report.js'
import type { ReportSources } from '../../report/report-sources.js'
import { jsonError, tooManyRequests, upstreamErrors } from '../errors.js'
import {
  ChainLeverageParamsSchema,
  ChainLeverageQuerySchema,
  ChainLeverageResponseSchema,
  MarketLeverageQuerySchema,
  MarketLeverageResponseSchema,
} from '../leverage-schemas.js'
import { MarketParamsSchema } from '../query-schemas.js'
import type { RouteContext } from '../route-context.js'
import { createRouter } from '../router.js'
import { toJson } from '../serialize.js'

const DESCRIPTION =
  'Total collateral and debt by risk asset, concentration of debt over holders (HHI, top-10 share), the looped share (carry and directional loops, from the resolver), cross-protocol links (collateral that is another protocol\u2019s receipt token), and per risk asset a histogram of debt by liquidation price (every other price held), from every borrower read at one block. Perps (the chain route): long vs short open interest per risk asset, the skew and their liquidation levels, from every GMX v2 position of the chain (`perps` says what it covers).'

/** Refuses a histogram range whose high is not above its low (the one cross-field rule). */
function range(q: { low?: number | undefined; high?: number | undefined }) {
  const low = q.low ?? 0.5
  const high = q.high ?? 1.5
  if (!(high > low)) throw new BaseError('INVALID_REQUEST', `high (${high}) must be above low (${low})`)
  return { ...(q.low === undefined ? {} : { low }), ...(q.high === undefined ? {} : { high }) }
}

/** `GET /v1/markets/{market}/leverage` and `GET /v1/chains/{chain}/leverage`. */
export function leverageRoutes(sources: ReportSources, ctx: RouteContext) {
  const app = createRouter()
  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/markets/{market}/leverage',
      summary: "A market's leverage in numbers: totals, concentration, loops, links, liquidation levels",
      description: `${DESCRIPTION} The market is an Aave market id (such as \`aave-v3-local\`), a Morpho market id, or any Comet, Aave V4 Spoke or GMX v2 deployment id \`GET /v1/chains\` lists for the chain (read through its adapter's market-wide enumeration; a GMX deployment's report carries its perp section).`,
      request: { params: MarketParamsSchema, query: MarketLeverageQuerySchema },
      responses: {
        200: {
          content: { 'application/json': { schema: MarketLeverageResponseSchema } },
          description: 'The market leverage metrics',
        },
        400: jsonError(
          'Bad chain, bins, low, high or block; or a listed market its adapter cannot enumerate at the block',
        ),
        404: jsonError('The chain has no such market'),
        429: tooManyRequests,
        ...upstreamErrors,
      },
    }),
    async (c) => {
      const { market } = c.req.valid('param')
      const q = c.req.valid('query')
      const report = await marketLeverageReport(sources, {
        chain: q.chain,
        market,
        ...range(q),
        ...(q.bins === undefined ? {} : { bins: q.bins }),
        ...(q.block === undefined ? {} : { blockNumber: q.block }),
        ...ctx.budget(),
      })
      return c.json(toJson(report), 200)
    },
  )
  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/chains/{chain}/leverage',
      summary: "A chain's leverage in numbers, over every market whose positions can be enumerated",
      description: `${DESCRIPTION} Markets: each Aave v3 market of the chain, every Morpho Blue market (its CreateMarket logs), every Comet (its Withdraw/AbsorbDebt logs since its deployment block, found by an eth_getCode search when not configured: an archive node) and every GMX v2 deployment (its DataStore POSITION_LIST), all at the same block; protocols not enumerated market-wide are listed in \`notCovered\`.`,
      request: { params: ChainLeverageParamsSchema, query: ChainLeverageQuerySchema },
      responses: {
        200: {
          content: { 'application/json': { schema: ChainLeverageResponseSchema } },
          description: 'The chain leverage metrics',
        },
        400: jsonError('Bad chain, bins, low, high or block'),
        404: jsonError('A market cannot be read at the block (not deployed there)'),
        429: tooManyRequests,
        ...upstreamErrors,
      },
    }),
    async (c) => {
      const { chain } = c.req.valid('param')
      const q = c.req.valid('query')
      const report = await chainLeverageReport(sources, {
        chain,
        ...range(q),
        ...(q.bins === undefined ? {} : { bins: q.bins }),
        ...(q.block === undefined ? {} : { blockNumber: q.block }),
        ...ctx.budget(),
      })
      return c.json(toJson(report), 200)
    },
  )
  return app
}
