/** The wallet-analysis routes: the two-asset liquidation surface and the safe size (capacity) of one address. */
import { createRoute } from '@hono/zod-openapi'
import { capacityReport } from '../../report/capacity-report.js'
import type { ReportSources } from '../../report/report-sources.js'
import { surfaceReport } from '../../report/surface-report.js'
import { MAX_SURFACE_POINTS } from '../../risk/surface.js'
import { jsonError, tooManyRequests, upstreamErrors } from '../errors.js'
import { WalletParamsSchema } from '../query-schemas.js'
import type { RouteContext } from '../route-context.js'
import { createRouter } from '../router.js'
import { toJson } from '../serialize.js'
import {
  CapacityQuerySchema,
  CapacityResponseSchema,
  SurfaceQuerySchema,
  SurfaceResponseSchema,
} from '../wallet-analysis-schemas.js'

const upstream = { 429: tooManyRequests, ...upstreamErrors }
const ok = <S>(schema: S, description: string) => ({
  content: { 'application/json': { schema } },
  description,
})

/** `GET /v1/wallets/{address}/surface` and `GET /v1/wallets/{address}/capacity`. */
export function walletAnalysisRoutes(sources: ReportSources, ctx: RouteContext) {
  const app = createRouter()

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/wallets/{address}/surface',
      summary: 'The two-asset liquidation surface: health factors over a grid of moves of two risk assets',
      description: `Moves two risk assets (x, y: every token resolving to them follows) over a grid from -range to +range (points per axis, odd, at most ${MAX_SURFACE_POINTS}: at most ${MAX_SURFACE_POINTS * MAX_SURFACE_POINTS} cells), and gives each position's health factor per cell under its own protocol's rule, the lowest per cell, the liquidated count per cell, each position's HF = 1 boundary on the grid lines (bisection), and its axis cuts (the other asset unmoved), which are the one-asset liquidation moves.`,
      request: { params: WalletParamsSchema, query: SurfaceQuerySchema },
      responses: {
        200: ok(SurfaceResponseSchema, 'The surface'),
        400: jsonError('Bad address, chain, block, x, y, range or points'),
        ...upstream,
      },
    }),
    async (c) => {
      const { address } = c.req.valid('param')
      const q = c.req.valid('query')
      const report = await surfaceReport(sources, {
        address,
        chain: q.chain,
        blockNumber: q.block,
        x: q.x,
        y: q.y,
        range: q.range,
        points: q.points,
        ...ctx.budget(),
      })
      return c.json(toJson(report), 200)
    },
  )

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/wallets/{address}/capacity',
      summary:
        'Safe size: how much more each position can borrow or loop and keep HF >= target after a shock',
      description:
        "Per lending position: the more it can borrow of its largest debt (tokens leave the position) or loop at its own LTV (borrowed, swapped at oracle prices, supplied as its largest collateral) and keep its health factor >= `hf` after `shock`, capped by what the protocol lets it borrow now; when the shock leaves it below `hf`, the deleverage (repay from outside, or sell collateral to repay, and the unwind planner's steps). `cascade=market` also answers with each shocked asset deepened to the deepest final shock of the cascades of the wallet's own Aave and Morpho markets; `cascade=systemic` is not in this build (400).",
      request: { params: WalletParamsSchema, query: CapacityQuerySchema },
      responses: {
        200: ok(CapacityResponseSchema, 'The capacity'),
        400: jsonError('Bad address, chain, block, shock, cascade or hf'),
        ...upstream,
      },
    }),
    async (c) => {
      const { address } = c.req.valid('param')
      const q = c.req.valid('query')
      const report = await capacityReport(sources, {
        address,
        chain: q.chain,
        blockNumber: q.block,
        shocks: q.shock,
        cascade: q.cascade,
        healthFactor: q.hf,
        ...ctx.budget(),
      })
      return c.json(toJson(report), 200)
    },
  )

  return app
}
