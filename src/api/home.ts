import type { StacklensConfig } from '../chains/config.js'
import { escapeHtml, page } from './html.js'

/**
 * The landing page at `/`: what is served, the demo wallets of the devchain as one-click links,
 * and where the docs are. (The full dashboard comes later; this page is honest about that.)
 */
export function renderHomePage(config: StacklensConfig): string {
  const chains = Object.values(config.chains)
  const manifest = config.localManifest
  const wallets = manifest
    ? manifest.wallets
        .map(
          (
            w,
          ) => `<div class="card"><h3>${escapeHtml(w.label)}</h3><p class="muted">${escapeHtml(w.description)}</p>
<a href="/v1/wallets/${escapeHtml(w.address)}?chain=local"><code>GET /v1/wallets/${escapeHtml(w.address)}?chain=local</code></a></div>`,
        )
        .join('')
    : ''
  return page(
    'stacklens',
    `<h1>stacklens</h1><p class="muted">Stacked DeFi leverage, seen through: health factors, liquidation prices and exposure for any wallet.</p>
<p>Serving chains: ${chains.length > 0 ? chains.map((c) => `<code>${escapeHtml(c.key)}</code>`).join(', ') : 'none configured'} · <a href="/docs">API reference</a> · <a href="/openapi.json">OpenAPI</a>${
      manifest ? ' · <a href="/v1/chains/local/manifest">devchain manifest</a>' : ''
    }</p>
${manifest ? `<h2>Demo wallets on the devchain</h2>${wallets}` : ''}`,
  )
}
