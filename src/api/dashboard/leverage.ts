/**
 * The dashboard's leverage-metrics panel, a fragment of the client script (spliced into
 * DASHBOARD_SCRIPT's scope: it uses its helpers el, sv, add, getJson, pct, usd, kusd, price).
 *
 * It registers `window.stacklensLeveragePanel(chain, node)`, the hook the chain page
 * (`/?chain=<key>&view=systemic`) calls with its `systemic-leverage` slot: the panel fetches
 * `GET /v1/chains/{chain}/leverage` and draws into `node` (`data-state` loading|ready|error):
 * the metrics (`leverage-metrics`: total collateral and debt, HHI, top-10 share, looped share,
 * cross-protocol share, each row `data-metric`), the debt by risk asset (`leverage-assets`), and
 * per risk asset the liquidation-levels histogram (`leverage-histogram-<ASSET>`: bars of debt
 * liquidated on a fall and on a rise per price bin, each `data-from`/`data-usd`, the reference
 * price marked), then the markets read and the protocols not covered.
 */
export const LEVERAGE_SCRIPT = String.raw`
// ---------- leverage metrics (the chain page's slot) ----------
function leverageHistogramSvg(h) {
  var W = 1060, H = 220, L = 60, R = 16, T = 18, B = 34;
  var n = h.bins.length;
  var top = Math.max.apply(null, h.bins.map(function (b) { return b.onFallUsd + b.onRiseUsd; }).concat([1]));
  var x0 = h.bins[0].from, x1 = h.bins[n - 1].to;
  var X = function (p) { return L + (p - x0) / (x1 - x0) * (W - L - R); };
  var Y = function (u) { return T + (1 - u / top) * (H - T - B); };
  var kids = [];
  for (var t = 0; t <= 4; t++) {
    kids.push(sv('line', { x1: L, x2: W - R, y1: Y(top * t / 4), y2: Y(top * t / 4), stroke: 'var(--line)' }));
    kids.push(sv('text', { x: L - 6, y: Y(top * t / 4) + 4, 'text-anchor': 'end', class: 'mut', text: '$' + kusd(top * t / 4) }));
  }
  for (var k = 0; k <= 5; k++) {
    var p = x0 + (x1 - x0) * k / 5;
    kids.push(sv('text', { x: X(p), y: H - B + 14, 'text-anchor': 'middle', class: 'mut', text: price(p) }));
  }
  h.bins.forEach(function (b) {
    var w = Math.max(1, X(b.to) - X(b.from) - 1);
    if (b.onFallUsd > 0) kids.push(sv('rect', { x: X(b.from), y: Y(b.onFallUsd), width: w, height: Y(0) - Y(b.onFallUsd), fill: 'var(--bad)', opacity: 0.6, 'data-from': b.from, 'data-usd': b.onFallUsd, 'data-direction': 'fall' }, [sv('title', { text: price(b.from) + '–' + price(b.to) + ': ' + usd(b.onFallUsd) + ' liquidated on a fall (' + b.positions + ' positions)' })]));
    if (b.onRiseUsd > 0) kids.push(sv('rect', { x: X(b.from), y: Y(b.onFallUsd + b.onRiseUsd), width: w, height: Y(0) - Y(b.onRiseUsd), fill: 'var(--warn)', opacity: 0.6, 'data-from': b.from, 'data-usd': b.onRiseUsd, 'data-direction': 'rise' }, [sv('title', { text: price(b.from) + '–' + price(b.to) + ': ' + usd(b.onRiseUsd) + ' liquidated on a rise' })]));
  });
  kids.push(sv('line', { x1: X(h.price), x2: X(h.price), y1: T - 6, y2: H - B, stroke: 'var(--accent)', 'stroke-width': 2, 'stroke-dasharray': '4 3' }));
  kids.push(sv('text', { x: X(h.price) + 4, y: T, style: 'fill:var(--accent)', text: 'now ' + price(h.price) }));
  kids.push(sv('text', { x: L, y: H - 4, class: 'mut', text: h.riskAsset + ' price (USD) → debt liquidated at that price' }));
  return sv('svg', { viewBox: '0 0 ' + W + ' ' + H, width: '100%', role: 'img', 'aria-label': h.riskAsset + ' liquidation levels', 'data-testid': 'leverage-histogram-' + h.riskAsset }, kids);
}
function leverageShare(x) { return x == null ? '–' : (x * 100).toFixed(1) + '%'; }
function leverageMetricsTable(r) {
  var m = r.metrics;
  var rows = [
    ['collateral', 'Total collateral', usd(m.totals.collateralUsd)],
    ['debt', 'Total debt', usd(m.totals.debtUsd)],
    ['positions', 'Positions (holders)', m.positions.lending + ' (' + m.positions.holders + ')'],
    ['hhi', 'Debt concentration (HHI, 0–1)', m.concentration.hhi == null ? '–' : m.concentration.hhi.toFixed(4)],
    ['top10', 'Top-10 holders\u2019 share of debt', leverageShare(m.concentration.topShare)],
    ['looped', 'Looped share (carry + directional loops)', leverageShare(m.looped.share)],
    ['cross', 'Collateral that is another protocol\u2019s receipt', leverageShare(m.crossProtocol.share) + ' (' + usd(m.crossProtocol.collateralUsd) + ')'],
  ];
  return el('table', { class: 'grid', 'data-testid': 'leverage-metrics' }, rows.map(function (x) {
    return el('tr', { 'data-metric': x[0] }, [el('td', { text: x[1] }), el('td', { class: 'num', text: x[2] })]);
  }));
}
function leverageAssetsTable(m) {
  return el('table', { class: 'grid', 'data-testid': 'leverage-assets' }, [
    el('tr', {}, ['Risk asset', 'Collateral', 'Debt'].map(function (h) { return el('th', { text: h }); })),
  ].concat(m.byRiskAsset.map(function (a) {
    return el('tr', { 'data-asset': a.riskAsset }, [el('td', { text: a.riskAsset }), el('td', { class: 'num', text: usd(a.collateralUsd) }), el('td', { class: 'num', text: usd(a.debtUsd) })]);
  })));
}
window.stacklensLeveragePanel = function (chain, node) {
  node.setAttribute('data-state', 'loading');
  node.textContent = '';
  add(node, el('p', { style: 'color:var(--muted)', text: 'Loading the leverage metrics…' }));
  getJson('/v1/chains/' + encodeURIComponent(chain) + '/leverage').then(function (r) {
    node.textContent = '';
    add(node, [
      el('h3', { text: 'Leverage on ' + r.chain + ' · block ' + r.blockNumber }),
      leverageMetricsTable(r),
      leverageAssetsTable(r.metrics),
    ]);
    r.metrics.liquidationLevels.forEach(function (h) {
      add(node, [el('h3', { text: 'Liquidation levels · ' + h.riskAsset }), leverageHistogramSvg(h),
        el('p', { class: 'hint', style: 'color:var(--muted)', text: 'Outside the range: ' + usd(h.belowRange.usd) + ' below, ' + usd(h.aboveRange.usd) + ' above; liquidatable now: ' + usd(h.liquidatableNow.usd) + '.' })]);
    });
    add(node, el('p', { class: 'hint', style: 'color:var(--muted)', text: 'Markets: ' + r.markets.map(function (x) { return (x.label || x.market) + ' (' + x.withDebt + ')'; }).join(', ') +
      (r.notCovered.length ? '. Not covered: ' + r.notCovered.map(function (x) { return x.protocol; }).join(', ') : '') + '. Perps: ' + r.perps.reason + '.' }));
    node.setAttribute('data-state', 'ready');
  }, function (e) {
    node.textContent = '';
    add(node, el('div', { class: 'perr', role: 'alert', 'data-testid': 'leverage-error', text: e.message }));
    node.setAttribute('data-state', 'error');
  });
};
`
