/**
 * The dashboard's history panel (a fragment of the inline script, sharing its helpers: `el`,
 * `sv`, `panel`, `guard`, `failWith`, `getJson`, `hfColor`, `usd`): each position's health
 * factor over the last week (`GET /v1/wallets/{a}/history`, 24 points) as lines on one SVG
 * chart, HF = 1 drawn, the closest approach to liquidation marked (`history-closest`, with
 * `data-block` and `data-value`). Stable `data-testid`s: `history-chart`, `history-line-<i>`,
 * `history-closest`, `history-summary`.
 */
export const HISTORY_SCRIPT = String.raw`
// ---------- history ----------
function loadHistory(g, base, q) {
  getJson(base + '/history' + q + '&points=24').then(guard(g, drawHistory), guard(g, failWith(['history'])));
}
function drawHistory(h) {
  var series = {}, order = [];
  h.points.forEach(function (p) {
    p.positions.forEach(function (x) {
      if (x.healthFactor == null) return;
      if (!series[x.id]) { series[x.id] = { label: x.protocol + ' ' + x.market, pts: [] }; order.push(x.id); }
      series[x.id].pts.push([p.timestamp, x.healthFactor, p.blockNumber]);
    });
  });
  if (!order.length) return panel('history', 'ready', el('div', { class: 'empty', text: 'No position with debt at any of the ' + h.points.length + ' blocks read (' + h.from.blockNumber + '–' + h.to.blockNumber + ').' }));
  var W = 640, H = 240, L = 44, R = 12, T = 12, B = 28;
  var t0 = h.from.timestamp, t1 = Math.max(h.to.timestamp, t0 + 1);
  var cap = 3, top = 1;
  order.forEach(function (id) { series[id].pts.forEach(function (p) { top = Math.max(top, Math.min(p[1], cap)); }); });
  top = Math.max(1.2, Math.ceil(top * 10) / 10);
  function x(t) { return L + (W - L - R) * (t - t0) / (t1 - t0); }
  function y(v) { return T + (H - T - B) * (1 - Math.min(v, top) / top); }
  var colors = ['#4e79a7', '#f28e2b', '#59a14f', '#b07aa1', '#76b7b2', '#edc948', '#ff9da7', '#9c755f'];
  var kids = [
    sv('line', { x1: L, x2: W - R, y1: y(1), y2: y(1), stroke: 'var(--bad)', 'stroke-dasharray': '4 3' }),
    sv('text', { x: L - 4, y: y(1) + 4, 'text-anchor': 'end', 'font-size': 10, fill: 'var(--bad)' }, 'HF 1'),
    sv('text', { x: L - 4, y: y(top) + 8, 'text-anchor': 'end', 'font-size': 10 }, top.toFixed(1)),
    sv('text', { x: L, y: H - 8, 'font-size': 10 }, new Date(t0 * 1000).toISOString().slice(0, 16).replace('T', ' ')),
    sv('text', { x: W - R, y: H - 8, 'text-anchor': 'end', 'font-size': 10 }, new Date(t1 * 1000).toISOString().slice(0, 16).replace('T', ' ')),
  ];
  order.forEach(function (id, i) {
    var s = series[id];
    var d = s.pts.map(function (p, j) { return (j ? 'L' : 'M') + x(p[0]).toFixed(1) + ' ' + y(p[1]).toFixed(1); }).join(' ');
    kids.push(sv('path', { d: d, fill: 'none', stroke: colors[i % colors.length], 'stroke-width': 2, 'data-testid': 'history-line-' + i }, sv('title', {}, s.label)));
  });
  var c = h.closestApproach;
  if (c) {
    kids.push(sv('circle', { cx: x(c.timestamp), cy: y(c.healthFactor), r: 5, fill: 'none', stroke: 'var(--bad)', 'stroke-width': 2, 'data-testid': 'history-closest', 'data-block': c.blockNumber, 'data-value': c.healthFactor }, sv('title', {}, 'closest approach: HF ' + c.healthFactor.toFixed(4) + ' at block ' + c.blockNumber)));
  }
  panel('history', 'ready', [
    sv('svg', { viewBox: '0 0 ' + W + ' ' + H, width: W, height: H, 'data-testid': 'history-chart' }, kids),
    el('div', { class: 'legend' }, order.map(function (id, i) { return el('span', { style: 'color:' + colors[i % colors.length] + ';margin-right:12px', text: '● ' + series[id].label }); })),
    el('div', { class: 'legend', 'data-testid': 'history-summary', text: (c ? 'Closest approach: HF ' + c.healthFactor.toFixed(4) + ' (' + c.protocol + ' ' + c.market + ') at block ' + c.blockNumber + ', ' + new Date(c.timestamp * 1000).toISOString().slice(0, 16).replace('T', ' ') + ' UTC. ' : '') + h.points.length + ' blocks read, ' + h.from.blockNumber + '–' + h.to.blockNumber + '; equity now ' + usd(h.points[h.points.length - 1].equityUsd) + '.' }),
  ]);
}
`
