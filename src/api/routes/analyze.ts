/** `POST /v1/analyze`: one portfolio of wallets plus manual legs. */
import { createRoute } from '@hono/zod-openapi'
import { bodyLimit } from 'hono/body-limit'
import { BaseError } from '../../core/errors.js'
import { analyzeReport } from '../../report/analyze-report.js'
import type { ReportSources } from '../../report/report-sources.js'
import { ANALYZE_LIMITS, AnalyzeBodySchema } from '../analyze.js'
import { errorBody, jsonError, tooManyRequests, upstreamErrors } from '../errors.js'
import { AnalyzeQuerySchema } from '../option-params.js'
import { AnalyzeReportSchema } from '../option-schemas.js'
import type { RouteContext } from '../route-context.js'
import { createRouter } from '../router.js'
import { serializePosition, summarize, toJson } from '../serialize.js'

/** The analyze route, its body limited to {@link ANALYZE_LIMITS}. */
export function analyzeRoutes(sources: ReportSources, ctx: RouteContext) {
  const app = createRouter()
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
      description: `Each perp leg becomes a Position (kind "perp") with its liquidation price; options get greeks (given, or Black-Scholes from impliedVol and spotPrice), summed per risk asset in \`exposure.optionGreeks\`. With \`stress=true\` (or shocks or depegs; or vols or skew when the Monte Carlo is not asked) the portfolio is stressed like GET /v1/wallets/{address}/stress and every option leg is repriced in every scenario: Black-Scholes at the shocked spot and at the smile's vol (\`skew\`, flat by default) plus the scenario's vol shock (\`vols\`: a vol dimension over the price scenarios); legs with given greeks move by delta-gamma-vega. With \`montecarlo=true\` (or any of horizonDays, paths, steps, seed) the portfolio is simulated like GET /v1/wallets/{address}/montecarlo and every option leg (impliedVol needed) is repriced along the paths by Black-Scholes at the stressed vol (\`skew\`, \`vols\`), in \`monteCarlo.options\`; a vol shock (\`vols\`) there is a market that much more (less) volatile from now on: each shocked asset simulated at its default volatility plus the shift and its option legs priced along the paths at their implied vol plus the same shift (both within [0.01, 10]; today's values at the quoted vols). \`vols\` and \`skew\` apply to what is asked: \`montecarlo=true&vols=ETH:+0.2\` runs the Monte Carlo only (add stress=true for the grid too); \`stress=false\` with them needs montecarlo. At most ${ANALYZE_LIMITS.wallets} wallets, ${ANALYZE_LIMITS.legs} legs, ${ANALYZE_LIMITS.bodyBytes / 1024} KiB.`,
      request: {
        query: AnalyzeQuerySchema,
        body: { content: { 'application/json': { schema: AnalyzeBodySchema } }, required: true },
      },
      responses: {
        200: {
          content: { 'application/json': { schema: AnalyzeReportSchema } },
          description: 'The analysis',
        },
        400: jsonError('A field is missing or invalid (the message names it)'),
        413: jsonError('The body is too large'),
        429: tooManyRequests,
        ...upstreamErrors,
      },
    }),
    async (c) => {
      const body = c.req.valid('json')
      const q = c.req.valid('query')
      // shocks and depegs are the stress's own; vols and skew price the option legs (and, in the
      // Monte Carlo, shift the simulated volatility) in whatever is asked, and ask for the stress
      // themselves only when the Monte Carlo is not asked.
      const priceAsked = q.shocks !== undefined || q.depegs !== undefined
      const optionAsked = q.vols !== undefined || q.skew !== undefined
      if (q.stress === false && priceAsked) {
        throw new BaseError('INVALID_REQUEST', 'stress=false contradicts shocks or depegs: drop one')
      }
      const mcAsked =
        q.horizonDays !== undefined || q.paths !== undefined || q.steps !== undefined || q.seed !== undefined
      if (q.montecarlo === false && mcAsked) {
        throw new BaseError(
          'INVALID_REQUEST',
          'montecarlo=false contradicts horizonDays, paths, steps or seed: drop one',
        )
      }
      const mcOn = q.montecarlo === true || mcAsked
      const stressOn = q.stress === true || priceAsked || (optionAsked && !mcOn && q.stress !== false)
      if (optionAsked && !stressOn && !mcOn) {
        throw new BaseError(
          'INVALID_REQUEST',
          'vols and skew apply to the stress or the Monte Carlo: with stress=false, ask montecarlo=true (or drop them)',
        )
      }
      const report = await analyzeReport(sources, {
        wallets: body.wallets,
        legs: body.legs,
        now: new Date(),
        ...(stressOn ? { stress: { shocks: q.shocks, depegs: q.depegs, vols: q.vols, skews: q.skew } } : {}),
        ...(mcOn
          ? {
              monteCarlo: {
                horizonDays: q.horizonDays,
                paths: q.paths,
                steps: q.steps,
                seed: q.seed,
                vols: q.vols,
                skews: q.skew,
                ...(ctx.runMonteCarlo ? { runner: ctx.runMonteCarlo } : {}),
              },
            }
          : {}),
        ...ctx.budget(),
      })
      return c.json(
        {
          wallets: report.wallets,
          positions: report.positions.map(serializePosition),
          options: report.options,
          exposure: { ...toJson(report.exposure), optionGreeks: report.optionGreeks },
          summary: summarize(report.positions),
          stress: report.stress === null ? null : toJson(report.stress),
          monteCarlo: report.monteCarlo === null ? null : toJson(report.monteCarlo),
        },
        200,
      )
    },
  )
  return app
}
