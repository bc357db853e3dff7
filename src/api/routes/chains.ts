/** The chain routes: the chains served here and the devchain manifest. */
import { createRoute } from '@hono/zod-openapi'
import { CHAIN_KEYS, CHAINS, isChainKey } from '../../chains/registry.js'
import { BaseError, UnknownChainError } from '../../core/errors.js'
import type { ChainRuntime, MarketListing } from '../../protocols/types.js'
import type { ReportSources } from '../../report/report-sources.js'
import { jsonError, tooManyRequests } from '../errors.js'
import { ManifestParamsSchema } from '../query-schemas.js'
import { createRouter } from '../router.js'
import { ChainsSchema, ManifestResponseSchema } from '../schemas.js'

/** Every market the adapters serve on `chain` (none when the chain is not configured here). */
function listChainMarkets(sources: ReportSources, chain: ChainRuntime | undefined): MarketListing[] {
  if (!chain) return []
  return sources.adapters.flatMap((a) => a.listMarkets?.(chain) ?? [])
}

/** `GET /v1/chains` and `GET /v1/chains/{chain}/manifest`. */
export function chainRoutes(sources: ReportSources) {
  const { config } = sources
  const app = createRouter()
  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/chains',
      summary: 'Chains stacklens knows and which are configured here',
      responses: {
        200: { content: { 'application/json': { schema: ChainsSchema } }, description: 'Chains' },
        429: tooManyRequests,
      },
    }),
    (c) =>
      c.json(
        {
          chains: [
            ...CHAIN_KEYS.map((key) => ({
              key,
              chainId: config.chains[key]?.chainId ?? CHAINS[key].chainId,
              name: CHAINS[key].name,
              configured: config.chains[key] !== undefined,
              markets: listChainMarkets(sources, config.chains[key]),
            })),
            // Chains a STACKLENS_CONFIG file declares.
            ...Object.values(config.chains)
              .filter((c) => !isChainKey(c.key))
              .map((c) => ({
                key: c.key,
                chainId: c.chainId,
                name: c.key,
                configured: true,
                markets: listChainMarkets(sources, c),
              })),
          ],
        },
        200,
      ),
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
        429: tooManyRequests,
      },
    }),
    (c) => {
      const { chain } = c.req.valid('param')
      if (!isChainKey(chain) && !config.chains[chain]) throw new UnknownChainError(chain, CHAIN_KEYS)
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
  return app
}
