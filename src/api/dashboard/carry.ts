/**
 * The dashboard's carry and hedge panels (client code, a fragment of the dashboard script's
 * closure: it uses its helpers `el`, `panel`, `getJson`, `guard`, `usd`, `pct`, `prob`, `price`, `short`).
 * `panel-carry`: `/exposure?carry=true`: net carry per year (`carry-net`, `data-value` raw USD),
 * APY on equity (`carry-apy-equity`), one row per layer (`carry-layer-<i>`, `data-value` USD/yr),
 * and per perp leg j of layer i its funding and borrowing apart (`carry-perp-<i>-<j>`,
 * `data-funding-apy`, `data-borrowing-apy` raw fractions signed +received / -paid, '' when the
 * API has none; the cells say "received" or "paid"). A perp rate the API does not split (no
 * `components`: Hyperliquid's, funding only) is shown as funding, its borrowing as "–".
 * `panel-hedge`: a venue selector (`hedge-venue`: Hyperliquid, or GMX v2 on each of the wallet's
 * chains; `hedge-market`: an optional GMX market address; `hedge-go`) above the answer of
 * `/hedge?venue=<venue>`: one row per leg (`hedge-leg-<asset>`, `data-size`, `data-liq`,
 * `data-funding`, `data-borrowing`, `data-fees`), for a GMX leg its rule (`hedge-gmx-<asset>`,
 * `data-threshold`, `data-collateral`, `data-liq-worst`), VaR 95 % and P(liquidation) before and
 * after (`hedge-var-before`, `hedge-var-after`, `hedge-pliq-before`, `hedge-pliq-after`), the
 * risk assets left unhedged (`hedge-unhedged-<asset>`); a server without Hyperliquid says so
 * (`hedge-unconfigured`); an error keeps the selector (`error-hedge`).
 */
export const CARRY_SCRIPT = String.raw`
// ---------- carry and hedge ----------
function apyText(x) { return x == null ? '–' : (x * 100).toFixed(2) + '%'; }
function layerText(l) { return l.protocol + ' ' + short(l.label.indexOf(l.protocol + ' ') === 0 ? l.label.slice(l.protocol.length + 1) : l.label); }
function carrySplitText(apy) {
  if (apy == null) return '–';
  var t = (Math.abs(apy) * 100).toFixed(2) + '%';
  return apy > 0 ? t + ' received' : apy < 0 ? t + ' paid' : '0.00%';
}
function carryComponent(x, name) {
  var c = (x.components || []).filter(function (k) { return k.name === name; })[0];
  return c || null;
}
function drawCarryPerps(c) {
  var rows = [];
  c.layers.forEach(function (l, i) {
    l.legs.forEach(function (x, j) {
      if (x.side !== 'long' && x.side !== 'short') return;
      var split = !!(x.components && x.components.length);
      var f = split ? carryComponent(x, 'funding') : (x.rateApy == null ? null : { apy: x.rateApy, usdPerYear: x.carryUsdPerYear });
      var b = split ? carryComponent(x, 'borrowing') : null;
      rows.push(el('tr', { 'data-testid': 'carry-perp-' + i + '-' + j, 'data-funding-apy': f ? String(f.apy) : '', 'data-borrowing-apy': b ? String(b.apy) : '' }, [
        el('td', { title: l.label, text: layerText(l) }),
        el('td', { text: x.side + ' ' + x.symbol + ' ' + usd(x.usd) }),
        el('td', { class: 'num', 'data-testid': 'carry-funding-' + i + '-' + j, title: f && f.source ? f.source : null, text: f ? carrySplitText(f.apy) : '–' }),
        el('td', { class: 'num', text: f && f.usdPerYear != null ? usd(f.usdPerYear) : '–' }),
        el('td', { class: 'num', 'data-testid': 'carry-borrowing-' + i + '-' + j, title: b ? b.source : split ? null : 'the venue reports no borrowing charge for this leg', text: b ? carrySplitText(b.apy) : '–' }),
        el('td', { class: 'num', text: b ? usd(b.usdPerYear) : '–' }),
      ]));
    });
  });
  if (!rows.length) return null;
  return [
    el('h3', { class: 'sub', text: 'Perps: funding and borrowing' }),
    el('div', { class: 'scroll' }, el('table', { class: 'grid', 'data-testid': 'carry-perps' }, [el('tr', {}, ['layer', 'leg', 'funding APY', 'funding / year', 'borrowing APY', 'borrowing / year'].map(function (h, i) { return el('th', { class: i > 1 ? 'num' : null, text: h }); })), rows])),
    el('div', { class: 'legend', text: 'APY on the leg\'s USD value, per year, not compounded: received adds to the carry, paid takes from it. A rate the venue does not split is shown as funding.' }),
  ];
}
function drawCarry(c) {
  var rows = c.layers.map(function (l, i) {
    return el('tr', { 'data-testid': 'carry-layer-' + i, 'data-value': String(l.carryUsdPerYear) }, [
      el('td', { title: l.label, text: layerText(l) }),
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
    el('div', { class: 'scroll' }, el('table', { class: 'grid' }, [el('tr', {}, ['layer', 'USD / year', 'on equity', 'legs (APY incl. native yield)'].map(function (h, i) { return el('th', { class: i === 1 || i === 2 ? 'num' : null, text: h }); })), rows])),
    drawCarryPerps(c),
    el('div', { class: 'legend', text: (c.complete ? '' : 'Incomplete: some legs have no rate read (listed). ') + c.conventions.join(' ') }),
  ]);
}
var hedgeSel = { venue: 'hyperliquid', market: '' };
var hedgeReq = 0;
var hedgeCtx = null;
function hedgeVenueOf(sel) { return sel.venue === 'hyperliquid' ? 'hyperliquid' : sel.venue + (sel.market ? ':' + sel.market : ''); }
function hedgeControls() {
  var chains = hedgeCtx.chains;
  var opts = [el('option', { value: 'hyperliquid', text: 'Hyperliquid' })].concat(chains.map(function (c) { return el('option', { value: 'gmx:' + c, text: 'GMX v2 on ' + c }); }));
  var select = el('select', { 'data-testid': 'hedge-venue', 'aria-label': 'hedge venue' }, opts);
  select.value = hedgeSel.venue;
  if (select.value !== hedgeSel.venue) select.value = 'hyperliquid';
  var market = el('input', { 'data-testid': 'hedge-market', 'aria-label': 'GMX market', placeholder: 'GMX market (GM token 0x…), optional: any market per asset', spellcheck: 'false', size: 44 });
  market.value = hedgeSel.market;
  var sync = function () { market.disabled = select.value === 'hyperliquid'; };
  select.addEventListener('change', sync);
  sync();
  var form = el('form', { class: 'hedge-venue', 'data-testid': 'hedge-form' }, [el('label', { text: 'Venue ' }), select, ' ', market, ' ', el('button', { type: 'submit', 'data-testid': 'hedge-go', text: 'Price hedge' })]);
  form.addEventListener('submit', function (ev) {
    ev.preventDefault();
    hedgeSel = { venue: select.value, market: select.value === 'hyperliquid' ? '' : market.value.trim() };
    loadHedge();
  });
  return form;
}
function hedgePanel(st, content) {
  var p = $('panel-hedge');
  p.setAttribute('data-state', st);
  p.setAttribute('data-venue', hedgeVenueOf(hedgeSel));
  var body = p.querySelector('.body');
  body.textContent = '';
  add(body, hedgeControls());
  if (st === 'loading') add(body, el('div', { class: 'loading', 'data-testid': 'loading-hedge' }, [el('span', { class: 'spin' }), 'Pricing the hedge on ' + hedgeVenueOf(hedgeSel) + '…']));
  else if (st === 'error') add(body, el('div', { class: 'perr', role: 'alert', 'data-testid': 'error-hedge', text: content }));
  else add(body, content);
}
function drawHedge(h) {
  var unhedged = h.plan.unhedged.map(function (u) { return el('li', { 'data-testid': 'hedge-unhedged-' + u.riskAsset, text: u.riskAsset + ' (' + usd(u.usd) + '): ' + u.reason }); });
  var unhedgedList = unhedged.length ? el('div', { class: 'legend' }, [el('b', { text: 'Not hedged: ' }), el('ul', {}, unhedged)]) : null;
  if (!h.legs.length) return hedgePanel('ready', [el('div', { class: 'empty', 'data-testid': 'hedge-empty', text: 'Nothing to hedge on ' + h.venue + ': no non-USD exposure the venue lists.' }), unhedgedList]);
  var rows = [];
  h.plan.legs.forEach(function (p) {
    var g = p.gmx;
    rows.push(el('tr', { 'data-testid': 'hedge-leg-' + p.leg.asset, 'data-size': String(p.leg.size), 'data-liq': p.liquidationPrice == null ? '' : String(p.liquidationPrice), 'data-funding': String(p.fundingUsdPerYear), 'data-borrowing': g ? String(p.borrowingUsdPerYear) : '', 'data-fees': String(p.roundTripFeeUsd) }, [
      el('td', { text: p.leg.side + ' ' + p.leg.size + ' ' + p.leg.asset + ' on ' + p.leg.venue + ' @ ' + price(p.leg.entryPrice) }),
      el('td', { class: 'num', text: usd(p.notionalUsd) }),
      el('td', { class: 'num', text: usd(p.marginUsd) + ' @ ' + p.leverage.toFixed(1) + '× (max ' + p.maxLeverage.toFixed(0) + '×)' }),
      el('td', { class: 'num', text: p.liquidationPrice == null ? '–' : price(p.liquidationPrice) + (p.liquidationDistance == null ? '' : ' (' + pct(p.liquidationDistance, 1) + ')') }),
      el('td', { class: 'num', text: usd(p.openFeeUsd) + ' / ' + usd(p.roundTripFeeUsd) }),
      el('td', { class: 'num', text: usd(p.fundingUsdPerYear) + (p.fundingUsdPerYear > 0 ? ' received' : p.fundingUsdPerYear < 0 ? ' paid' : '') }),
      el('td', { class: 'num', title: g ? null : 'not charged on this venue', text: g ? usd(p.borrowingUsdPerYear) + (p.borrowingUsdPerYear < 0 ? ' paid' : p.borrowingUsdPerYear > 0 ? ' received' : '') : '–' }),
    ]));
    if (g) {
      var r = g.rule;
      rows.push(el('tr', { class: 'sub', 'data-testid': 'hedge-gmx-' + p.leg.asset, 'data-threshold': String(g.thresholdUsd), 'data-collateral': String(g.collateralUsd), 'data-liq-worst': g.liquidationPriceWorstImpact == null ? '' : String(g.liquidationPriceWorstImpact) }, [
        el('td', { colspan: 7, class: 'muted', text: 'GMX ' + r.marketName + ' ' + short(r.market) + ': collateral after the open fee ' + usd(g.collateralUsd) + '; liquidatable when collateral + pnl − close fee (' + (r.closeFeeRate * 100).toFixed(3) + '%) < ' + usd(g.thresholdUsd) + ' = max(' + usd(r.minCollateralUsd) + ', size × ' + (r.minCollateralFactorForLiquidation * 100).toFixed(3) + '%); with the largest price impact the check counts (' + (r.maxPositionImpactFactorForLiquidations * 100).toFixed(2) + '%) the liquidation price is ' + price(g.liquidationPriceWorstImpact) + '.' }),
      ]));
    }
  });
  var b = h.before.monteCarlo, a = h.after.monteCarlo;
  hedgePanel('ready', [
    el('div', { class: 'kpis' }, [
      el('div', {}, [el('small', { text: 'VaR 95% before → after' }), el('b', {}, [el('span', { 'data-testid': 'hedge-var-before', 'data-value': String(b.var95), text: usd(b.var95) }), ' → ', el('span', { 'data-testid': 'hedge-var-after', 'data-value': String(a.var95), text: usd(a.var95) })])]),
      el('div', {}, [el('small', { text: 'P(liquidation) before → after' }), el('b', {}, [el('span', { 'data-testid': 'hedge-pliq-before', text: prob(b.walletLiquidationProbability) }), ' → ', el('span', { 'data-testid': 'hedge-pliq-after', text: prob(a.walletLiquidationProbability) })])]),
      el('div', {}, [el('small', { text: 'Funding + borrowing / year' }), el('b', { 'data-testid': 'hedge-carry', 'data-value': String(h.plan.carryUsdPerYear), text: usd(h.plan.carryUsdPerYear) })]),
      el('div', {}, [el('small', { text: 'Margin posted' }), el('b', { text: usd(h.plan.marginUsd) })]),
    ]),
    el('div', { class: 'scroll' }, el('table', { class: 'grid' }, [el('tr', {}, ['leg', 'notional', 'margin', 'own liq. price', 'fees open / round trip', 'funding / year', 'borrowing / year'].map(function (x, i) { return el('th', { class: i > 0 ? 'num' : null, text: x }); })), rows])),
    unhedgedList,
    el('div', { class: 'legend', text: 'Venue ' + h.venue + '. Target ' + h.target.kind + (h.target.to ? ' to ' + h.target.to : '') + '. Funding and borrowing per year at the current rates (+ received, − paid). The legs are POST /v1/analyze legs; analyzing the wallet with them gives the residual exposure.' }),
  ]);
}
function loadHedge() {
  var c = hedgeCtx, n = ++hedgeReq, venue = hedgeVenueOf(hedgeSel);
  var mine = function (fn) { return guard(c.g, function (x) { if (n === hedgeReq) fn(x); }); };
  hedgePanel('loading');
  getJson(c.base + '/hedge' + c.q + '&venue=' + encodeURIComponent(venue) + '&paths=1000').then(mine(drawHedge), mine(function (e) {
    if (e.status === 400 && /CHAIN_NOT_CONFIGURED/.test(e.message) && /hyperliquid/.test(e.message)) {
      hedgePanel('ready', el('div', { class: 'empty', 'data-testid': 'hedge-unconfigured', text: 'No Hyperliquid configured on this server (set STACKLENS_HYPERLIQUID_API_URL to price hedges on Hyperliquid), or pick GMX above.' }));
    } else hedgePanel('error', e.message);
  }));
}
function loadCarryHedge(g, base, q, chain, wallet) {
  getJson(base + '/exposure' + q + '&carry=true').then(guard(g, function (x) { drawCarry(x.carry); }), guard(g, failWith(['carry'])));
  hedgeCtx = { g: g, base: base, q: q, chains: [chain] };
  loadHedge();
  // The wallet's chains, once read: the GMX choices follow them (the panel redrawn only while idle of input).
  wallet.then(guard(g, function (w) {
    var cs = (w.chains || []).map(function (b) { return b.chain; });
    if (cs.length && cs.join() !== hedgeCtx.chains.join()) {
      hedgeCtx.chains = cs;
      var sel = document.querySelector('[data-testid="hedge-venue"]');
      if (sel) { var v = sel.value; sel.textContent = ''; add(sel, [el('option', { value: 'hyperliquid', text: 'Hyperliquid' })].concat(cs.map(function (c) { return el('option', { value: 'gmx:' + c, text: 'GMX v2 on ' + c }); }))); sel.value = v; if (sel.value !== v) sel.value = 'hyperliquid'; }
    }
  }), function () {});
}
`
