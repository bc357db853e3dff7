/**
 * The dashboard's carry and hedge panels (client code, a fragment of the dashboard script's
 * closure: it uses its helpers `el`, `panel`, `getJson`, `guard`, `usd`, `pct`, `prob`).
 * `panel-carry`: `/exposure?carry=true`: net carry per year (`carry-net`, `data-value` raw USD),
 * APY on equity (`carry-apy-equity`), one row per layer (`carry-layer-<i>`, `data-value` USD/yr).
 * `panel-hedge`: `/hedge?venue=hyperliquid`: one row per leg (`hedge-leg-<asset>`, `data-size`),
 * VaR 95 % and P(liquidation) before and after (`hedge-var-before`, `hedge-var-after`,
 * `hedge-pliq-before`, `hedge-pliq-after`); a server without the venue says so (`hedge-unconfigured`).
 */
export const CARRY_SCRIPT = String.raw`
// ---------- carry and hedge ----------
function apyText(x) { return x == null ? '–' : (x * 100).toFixed(2) + '%'; }
function drawCarry(c) {
  var rows = c.layers.map(function (l, i) {
    return el('tr', { 'data-testid': 'carry-layer-' + i, 'data-value': String(l.carryUsdPerYear) }, [
      el('td', { text: l.label }),
      el('td', { class: 'num', text: usd(l.carryUsdPerYear) }),
      el('td', { class: 'num', text: apyText(l.apyOnEquity) }),
      el('td', { class: 'muted', text: l.legs.map(function (x) { return x.side + ' ' + x.symbol + ' ' + apyText(x.totalApy); }).join(' · ') + (l.missing.length ? ' · missing: ' + l.missing.join('; ') : '') }),
    ]);
  });
  panel('carry', 'ready', [
    el('div', { class: 'kpis' }, [
      el('div', {}, [el('small', { text: 'Net carry / year' }), el('b', { 'data-testid': 'carry-net', 'data-value': String(c.netCarryUsdPerYear), text: usd(c.netCarryUsdPerYear) })]),
      el('div', {}, [el('small', { text: 'APY on equity' }), el('b', { 'data-testid': 'carry-apy-equity', text: apyText(c.apyOnEquity) })]),
      el('div', {}, [el('small', { text: 'Break-even move / year' }), el('b', { text: c.breakEvenMovePerYear == null ? '–' : pct(c.breakEvenMovePerYear, 1) })]),
    ]),
    el('table', { class: 'grid' }, [el('tr', {}, ['layer', 'USD / year', 'on equity', 'legs (APY incl. native yield)'].map(function (h, i) { return el('th', { class: i === 1 || i === 2 ? 'num' : null, text: h }); })), rows]),
    el('div', { class: 'legend', text: (c.complete ? '' : 'Incomplete: some legs have no rate read (listed). ') + c.conventions.join(' ') }),
  ]);
}
function drawHedge(h) {
  if (!h.legs.length) return panel('hedge', 'ready', el('div', { class: 'empty', text: 'Nothing to hedge: no non-USD exposure the venue lists.' }));
  var rows = h.plan.legs.map(function (p) {
    return el('tr', { 'data-testid': 'hedge-leg-' + p.leg.asset, 'data-size': String(p.leg.size) }, [
      el('td', { text: p.leg.side + ' ' + p.leg.size + ' ' + p.leg.asset + ' on ' + p.leg.venue }),
      el('td', { class: 'num', text: usd(p.notionalUsd) }),
      el('td', { class: 'num', text: usd(p.marginUsd) + ' @ ' + p.leverage.toFixed(1) + '×' }),
      el('td', { class: 'num', text: p.liquidationPrice == null ? '–' : p.liquidationPrice.toFixed(2) }),
      el('td', { class: 'num', text: usd(p.fundingUsdPerYear) }),
    ]);
  });
  var b = h.before.monteCarlo, a = h.after.monteCarlo;
  panel('hedge', 'ready', [
    el('div', { class: 'kpis' }, [
      el('div', {}, [el('small', { text: 'VaR 95% before → after' }), el('b', {}, [el('span', { 'data-testid': 'hedge-var-before', 'data-value': String(b.var95), text: usd(b.var95) }), ' → ', el('span', { 'data-testid': 'hedge-var-after', 'data-value': String(a.var95), text: usd(a.var95) })])]),
      el('div', {}, [el('small', { text: 'P(liquidation) before → after' }), el('b', {}, [el('span', { 'data-testid': 'hedge-pliq-before', text: prob(b.walletLiquidationProbability) }), ' → ', el('span', { 'data-testid': 'hedge-pliq-after', text: prob(a.walletLiquidationProbability) })])]),
      el('div', {}, [el('small', { text: 'Funding / year' }), el('b', { text: usd(h.plan.carryUsdPerYear) })]),
    ]),
    el('table', { class: 'grid' }, [el('tr', {}, ['leg', 'notional', 'margin', 'own liq. price', 'funding / year'].map(function (x, i) { return el('th', { class: i > 0 ? 'num' : null, text: x }); })), rows]),
    el('div', { class: 'legend', text: 'Target ' + h.target.kind + (h.target.to ? ' to ' + h.target.to : '') + '. The legs are POST /v1/analyze legs; analyzing the wallet with them gives the residual exposure.' }),
  ]);
}
function loadCarryHedge(g, base, q) {
  getJson(base + '/exposure' + q + '&carry=true').then(guard(g, function (x) { drawCarry(x.carry); }), guard(g, failWith(['carry'])));
  getJson(base + '/hedge' + q + '&venue=hyperliquid&paths=1000').then(guard(g, drawHedge), guard(g, function (e) {
    if (e.status === 400 && /CHAIN_NOT_CONFIGURED/.test(e.message) && /hyperliquid/.test(e.message)) {
      panel('hedge', 'ready', el('div', { class: 'empty', 'data-testid': 'hedge-unconfigured', text: 'No hedge venue configured on this server (set STACKLENS_HYPERLIQUID_API_URL to price hedges on Hyperliquid).' }));
    } else panel('hedge', 'error', e.message);
  }));
}
`
