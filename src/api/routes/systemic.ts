/** The systemic cascade route: `GET /v1/chains/{chain}/cascade`. */
import { createRoute } from '@hono/zod-openapi'
import type { ReportSources } from '../../report/report-sources.js'
import { DEFAULT_SYSTEMIC_SHOCKS, systemicCascadeReport } from '../../report/systemic-cascade-report.js'
import { jsonError, tooManyRequests, upstreamErrors } from '../errors.js'
import { ManifestParamsSchema, SystemicCascadeQuerySchema } from '../query-schemas.js'
import type { RouteContext } from '../route-context.js'
import { createRouter } from '../router.js'
import { toJson } from '../serialize.js'
import { SystemicCascadeResponseSchema } from '../systemic-schemas.js'

/** `GET /v1/chains/{chain}/cascade`. */
export function systemicRoutes(sources: ReportSources, ctx: RouteContext) {
  const app = createRouter()
  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/chains/{chain}/cascade',
      summary: 'Systemic cascade of a chain: every enumerated market in one fixed point',
      description:
        "Enumerates every borrower of the chain's Aave v3 markets, of every Morpho Blue market whose loan or collateral token resolves to `asset` and of every Comet (its Withdraw/AbsorbDebt logs since its deployment block, found by an eth_getCode search when not configured: an archive node), and every GMX v2 position (the DataStore's POSITION_LIST, read through the Reader), reads them at one block, and for each initial move of `asset` runs ONE cascade over all of them: each protocol's liquidation rule at its own oracle (the asset's market price, or an exchange-rate adapter for LST collateral that a DEX depeg does not move; `oracleDeviation`/`oracleHeartbeat` add a publication lag to those adapters), seized collateral and liquidated perp longs sold, liquidated perp shorts bought back (the two net; `perpFlowShare` of each close reaches the DEX, 1 by default), through the chain's DEX pools of the asset read at the block and aggregated at one arbitraged price, repeated until no new liquidation. Each point gives liquidations and flow by protocol and the oracle-vs-DEX price path per round; `perMarket` runs each market alone on the same depth; `wallet` gives each of its positions' smallest liquidating shock naive, per market and systemic. Markets whose borrowers are not enumerated yet are listed in `notEnumerated`.",
      request: { params: ManifestParamsSchema, query: SystemicCascadeQuerySchema },
      responses: {
        200: {
          content: { 'application/json': { schema: SystemicCascadeResponseSchema } },
          description: 'The systemic cascade curve',
        },
        400: jsonError('Bad chain, asset, shocks, depth, depegs, oracle lag, perpFlowShare, wallet or block'),
        404: jsonError(
          'A market of the chain was not deployed yet at the requested block (NOT_DEPLOYED_AT_BLOCK)',
        ),
        429: tooManyRequests,
        ...upstreamErrors,
      },
    }),
    async (c) => {
      const { chain } = c.req.valid('param')
      const q = c.req.valid('query')
      const report = await systemicCascadeReport(sources, {
        chain,
        asset: q.asset,
        shocks: q.shocks ?? DEFAULT_SYSTEMIC_SHOCKS,
        depth: q.depth,
        ...(q.unitsForOnePercent === undefined ? {} : { unitsForOnePercent: q.unitsForOnePercent }),
        ...(q.depegs === undefined ? {} : { depegs: q.depegs }),
        ...(q.oracleDeviation === undefined && q.oracleHeartbeat === undefined
          ? {}
          : { oracleLag: { deviation: q.oracleDeviation ?? 0, heartbeatRounds: q.oracleHeartbeat ?? 1 } }),
        ...(q.perpFlowShare === undefined ? {} : { perpFlowShare: q.perpFlowShare }),
        ...(q.wallet === undefined ? {} : { wallet: q.wallet }),
        ...(q.block === undefined ? {} : { blockNumber: q.block }),
        ...ctx.budget(),
      })
      return c.json(toJson(report), 200)
    },
  )
  return app
}
