import type { StacklensConfig } from '../config.js'
import { DASHBOARD_SCRIPT } from './dashboard/script.js'
import { DASHBOARD_STYLE } from './dashboard/style.js'
import { WATCHES_STYLE } from './dashboard/watches.js'
import { escapeHtml, page } from './html.js'

/** The dashboard panels: id, title, and what the panel answers. Order = order on the page. */
const PANELS: ReadonlyArray<readonly [id: string, title: string, hint: string]> = [
  [
    'stack',
    'Leverage stack',
    'What is collateral for what, each layer’s leverage, and the stack’s real leverage',
  ],
  ['health', 'Health factors', 'Each position’s health factor (liquidation below 1)'],
  ['exposure', 'Net exposure', 'Net USD per risk asset once every token is resolved to what it is made of'],
  ['positions', 'Positions', 'By protocol and chain'],
  ['ladder', 'Liquidation-price ladder', 'Each liquidation price against the current price'],
  ['stress', 'Stress grid', 'Equity after each price shock, with every protocol’s liquidation rules'],
  ['montecarlo', 'Monte Carlo', 'Distribution of equity at the horizon, with liquidations along each path'],
  [
    'cascade',
    'Market cascade',
    'How far a shock goes once liquidations sell into the market, and where this wallet is liquidated',
  ],
  ['ratios', 'Liquidation ratios', 'Collateral and debt of one risk asset: the price ratio that liquidates'],
  ['surface', 'Two-asset liquidation surface', 'Lowest health factor over moves of ETH and BTC together'],
  ['capacity', 'Safe size', 'How much more each position can borrow after ETH -30% and keep HF 1.1'],
  [
    'history',
    'History',
    'Each health factor over the last week, with the closest approach to liquidation marked',
  ],
  [
    'carry',
    'Carry',
    'What each layer earns and pays per year at the rates of the block, and the move it pays for',
  ],
  [
    'hedge',
    'Hedge',
    'The perp hedge that zeroes the net exposure, priced on a venue, and its effect on VaR and liquidations',
  ],
  [
    'watches',
    'Watches',
    'Be alerted by a signed webhook when this wallet drifts toward liquidation (needs an API key)',
  ],
]

/**
 * The dashboard at `/`: the shell (address form, chain picker, the devchain demo wallets as
 * one-click links, empty panels) rendered here; the inline script fetches the JSON API and draws
 * each panel (inline SVG, no external assets: works offline and on Workers).
 * `/?address=<a>&chain=<key>` opens a wallet directly.
 */
export function renderHomePage(config: StacklensConfig): string {
  const chains = Object.values(config.chains).map((c) => c.key)
  const manifest = config.localManifest
  const defaultChain = manifest ? 'local' : (chains[0] ?? 'ethereum')
  const options = (chains.length > 0 ? chains : [defaultChain])
    .map(
      (k) =>
        `<option value="${escapeHtml(k)}"${k === defaultChain ? ' selected' : ''}>${escapeHtml(k)}</option>`,
    )
    .join('')
  const demos = manifest
    ? `<section class="demos" data-testid="demo-wallets"><h2>Demo wallets on the devchain</h2><div class="demo-grid">${manifest.wallets
        .map(
          (w) =>
            `<a class="demo" data-testid="demo-${escapeHtml(w.key)}" data-address="${escapeHtml(w.address)}" data-chain="local" href="/?address=${escapeHtml(w.address)}&amp;chain=local" title="${escapeHtml(w.description)}"><b>${escapeHtml(w.label)}</b><span>${escapeHtml(w.description)}</span></a>`,
        )
        .join('')}</div></section>`
    : ''
  const panels = PANELS.map(
    ([id, title, hint]) =>
      `<section class="panel p-${id}" id="panel-${id}" data-testid="panel-${id}" data-state="idle"><h2>${escapeHtml(title)}</h2><p class="muted hint">${escapeHtml(hint)}</p><div class="body"></div></section>`,
  ).join('')
  return page(
    'stacklens dashboard',
    `<header><h1>stacklens</h1><p class="muted">Stacked DeFi leverage, seen through: health factors, liquidation prices and exposure for any wallet.</p>
<p class="links">Serving chains: ${chains.length > 0 ? chains.map((c) => `<code>${escapeHtml(c)}</code>`).join(', ') : 'none configured'} · <a href="/docs">API reference</a> · <a href="/openapi.json">OpenAPI</a>${
      manifest ? ' · <a href="/v1/chains/local/manifest">devchain manifest</a>' : ''
    }</p></header>
<form id="pick" data-testid="address-form" autocomplete="off"><input id="addr" name="address" data-testid="address-input" placeholder="0x… wallet address" spellcheck="false" aria-label="wallet address"><select id="chain" name="chain" data-testid="chain-select" aria-label="chain">${options}</select><button type="submit" data-testid="address-submit">Analyze</button></form>
<div id="banner" class="banner" data-testid="error-banner" role="alert" hidden></div>
${demos}
<div id="dash" hidden><div id="wallet-title" class="wallet-title" data-testid="wallet-title"></div>
<div id="summary" class="summary" data-testid="summary"></div>${panels}</div>
<noscript><p class="banner">The dashboard needs JavaScript; the JSON API is at <a href="/docs">/docs</a>.</p></noscript>`,
    { style: DASHBOARD_STYLE + WATCHES_STYLE, script: DASHBOARD_SCRIPT },
  )
}
