/** `GET /v1/wallets/{address}/history`: the wallet's report at past blocks of one chain. */
import { createRoute } from '@hono/zod-openapi'
import { HISTORY_LIMITS, historyReport } from '../../report/history-report.js'
import type { ReportSources } from '../../report/report-sources.js'
import { jsonError, tooManyRequests, upstreamErrors } from '../errors.js'
import { HistoryQuerySchema, HistoryResponseSchema } from '../history-schemas.js'
import { WalletParamsSchema } from '../query-schemas.js'
import type { RouteContext } from '../route-context.js'
import { createRouter } from '../router.js'

/** The history route. */
export function walletHistoryRoutes(sources: ReportSources, ctx: RouteContext) {
  const app = createRouter()
  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/wallets/{address}/history',
      summary: "A wallet's health factors, equity, leverage and net exposure at past blocks",
      description: `Reads the wallet at \`points\` blocks (at most ${HISTORY_LIMITS.maxPoints}; one pinned batch each, ${HISTORY_LIMITS.concurrency} at a time, under the request's deadline) between \`from\` and \`to\` (block numbers, or ISO-8601 times: the last block at or before each, found by a batched header search). Per point: each position's health factor, equity, gross exposure, effective leverage and net exposure; \`closestApproach\` marks the lowest health factor of any position at any point. Needs an archive RPC: a node that cannot serve old state answers 502 ARCHIVE_STATE_UNAVAILABLE.`,
      request: { params: WalletParamsSchema, query: HistoryQuerySchema },
      responses: {
        200: {
          content: { 'application/json': { schema: HistoryResponseSchema } },
          description: 'The history',
        },
        400: jsonError(
          'Bad address, chain, from, to or points; a block above the head; a time outside the chain',
        ),
        429: tooManyRequests,
        ...upstreamErrors,
      },
    }),
    async (c) => {
      const { address } = c.req.valid('param')
      const q = c.req.valid('query')
      const report = await historyReport(sources, {
        address,
        chain: q.chain,
        from: q.from,
        to: q.to,
        points: q.points,
        accounts: q.accounts,
        ...ctx.budget(),
      })
      return c.json(report, 200)
    },
  )
  return app
}
