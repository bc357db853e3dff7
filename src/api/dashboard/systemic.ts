/**
 * The dashboard's systemic-cascade views, a fragment of the client script (spliced into
 * DASHBOARD_SCRIPT's scope: it uses its helpers el, sv, add, getJson, pct, usd, kusd, price, panel).
 *
 * - The chain page `/?chain=<key>&view=systemic` (`systemic-page`, `data-state` loading|ready|
 *   error): the systemic curve from `GET /v1/chains/{chain}/cascade`, USD liquidated per initial
 *   shock stacked by protocol (`systemic-curve`, each bar `data-protocol`/`data-shock`), the final
 *   shock line; the oracle-vs-DEX price path of one shock by round (`systemic-path`, a select
 *   `systemic-shock` picks the shock); per-protocol totals at that shock (`systemic-protocol-<p>`,
 *   `data-positions`); the markets read and those not enumerated; a slot for the leverage metrics
 *   panel (`systemic-leverage`), filled by `window.stacklensLeveragePanel(chain, node)` when a
 *   build provides it.
 * - The wallet page's panel `panel-systemic`: the wallet's positions on the systemic curve, each
 *   with its naive, per-market and systemic liquidating shock (`systemic-wallet-<i>`).
 */
export const SYSTEMIC_SCRIPT = String.raw`
// ---------- systemic cascade ----------
var SYS_COLORS = ['#4263eb', '#f08c00', '#2f9e44', '#ae3ec9', '#e03131', '#1098ad'];
function sysColor(protocols, p) { var i = protocols.indexOf(p); return SYS_COLORS[(i < 0 ? 0 : i) % SYS_COLORS.length]; }
function sysUrl(chain, extra) { return '/v1/chains/' + encodeURIComponent(chain) + '/cascade?shocks=' + SYS_SHOCKS.join(',') + (extra || ''); }
var SYS_SHOCKS = []; for (var si = 1; si <= 25; si++) SYS_SHOCKS.push((-0.02 * si).toFixed(2));
function sysProtocols(c) {
  var out = [];
  c.points.forEach(function (p) { p.byProtocol.forEach(function (b) { if (out.indexOf(b.protocol) < 0) out.push(b.protocol); }); });
  return out;
}
function systemicCurveSvg(c, marks) {
  var pts = c.points.slice().sort(function (a, b) { return b.initialShock - a.initialShock; });
  var protocols = sysProtocols(c);
  var W = 1060, H = 280, L = 50, R = 70, T = 26, B = 34;
  var xMax = Math.max.apply(null, pts.map(function (p) { return -p.initialShock; }).concat([0.01]));
  var yMax = Math.max.apply(null, pts.map(function (p) { return -p.finalShock; }).concat([xMax]));
  var lMax = Math.max.apply(null, pts.map(function (p) { return p.liquidatedUsd; }).concat([1]));
  var X = function (s) { return L + (-s) / xMax * (W - L - R); };
  var Y = function (s) { return T + (1 - (-s) / yMax) * (H - T - B); };
  var YL = function (u) { return T + (1 - u / lMax) * (H - T - B); };
  var kids = [];
  for (var t = 0; t <= 5; t++) {
    var v = -xMax * t / 5, yv = -yMax * t / 5;
    kids.push(sv('line', { x1: X(v), x2: X(v), y1: T, y2: H - B, stroke: 'var(--line)' }), sv('text', { x: X(v), y: H - B + 14, 'text-anchor': 'middle', class: 'mut', text: pct(v, 0) }));
    kids.push(sv('text', { x: L - 6, y: Y(yv) + 4, 'text-anchor': 'end', class: 'mut', text: pct(yv, 0) }));
    kids.push(sv('text', { x: W - R + 6, y: YL(lMax * t / 5) + 4, class: 'mut', text: '$' + kusd(lMax * t / 5) }));
  }
  var bw = Math.max(2, (W - L - R) / pts.length * 0.6);
  pts.forEach(function (p) {
    var base = 0;
    p.byProtocol.forEach(function (b) {
      if (!(b.liquidatedUsd > 0)) return;
      kids.push(sv('rect', { x: X(p.initialShock) - bw / 2, y: YL(base + b.liquidatedUsd), width: bw, height: YL(base) - YL(base + b.liquidatedUsd), fill: sysColor(protocols, b.protocol), opacity: 0.55, 'data-protocol': b.protocol, 'data-shock': p.initialShock, 'data-usd': b.liquidatedUsd }));
      base += b.liquidatedUsd;
    });
  });
  kids.push(sv('line', { x1: X(0), y1: Y(0), x2: X(-xMax), y2: Y(-xMax), stroke: 'var(--muted)', 'stroke-dasharray': '4 3' }));
  kids.push(sv('polyline', { fill: 'none', stroke: 'var(--accent)', 'stroke-width': 2.5, points: [[0, 0]].concat(pts.map(function (p) { return [p.initialShock, p.finalShock]; })).map(function (a) { return X(a[0]).toFixed(1) + ',' + Y(a[1]).toFixed(1); }).join(' ') }));
  (marks || []).forEach(function (m, i) {
    if (m.shock == null || -m.shock > xMax) return;
    kids.push(sv('line', { x1: X(m.shock), x2: X(m.shock), y1: T - 4, y2: H - B, stroke: m.color, 'stroke-width': 2, 'stroke-dasharray': m.dash || null }), sv('text', { x: X(m.shock) + 4, y: T - 10 + (i % 3) * 12, style: 'fill:' + m.color, text: m.label }));
  });
  kids.push(sv('text', { x: L, y: H - 4, class: 'mut', text: 'initial ' + c.asset + ' shock →' }), sv('text', { x: 4, y: 12, class: 'mut', text: 'final shock' }), sv('text', { x: W - R, y: 12, class: 'mut', text: 'liquidated' }));
  return [
    sv('svg', { viewBox: '0 0 ' + W + ' ' + H, width: W, height: H, 'data-testid': 'systemic-curve' }, kids),
    el('div', { class: 'legend' }, protocols.map(function (p) { return [el('i', { style: 'background:' + sysColor(protocols, p) + ';opacity:.6' }), p]; }).concat([el('i', { style: 'background:var(--accent)' }), 'final shock after the systemic cascade'])),
  ];
}
function systemicPathSvg(c, point) {
  var W = 1060, H = 240, L = 70, R = 20, T = 16, B = 30;
  var rounds = point.path;
  var series = [{ name: 'DEX (' + c.depth.source + ')', color: 'var(--accent)', values: rounds.map(function (r) { return r.marketPrice; }) }];
  c.oracles.forEach(function (o, i) { series.push({ name: 'oracle: ' + o.id, color: SYS_COLORS[(i + 1) % SYS_COLORS.length], dash: '6 3', values: rounds.map(function (r) { return r.oraclePrices[i]; }) }); });
  var all = [c.startPrice]; series.forEach(function (s) { all = all.concat(s.values); });
  var lo = Math.min.apply(null, all), hi = Math.max.apply(null, all);
  if (!(hi > lo)) { hi = lo * 1.01 + 1e-9; lo = lo * 0.99; }
  var n = Math.max(1, rounds.length - 1);
  var X = function (i) { return L + i / n * (W - L - R); };
  var Y = function (p) { return T + (1 - (p - lo) / (hi - lo)) * (H - T - B); };
  var kids = [];
  for (var t = 0; t <= 4; t++) { var pv = lo + (hi - lo) * t / 4; kids.push(sv('line', { x1: L, x2: W - R, y1: Y(pv), y2: Y(pv), stroke: 'var(--line)' }), sv('text', { x: L - 6, y: Y(pv) + 4, 'text-anchor': 'end', class: 'mut', text: price(pv) })); }
  rounds.forEach(function (r, i) { kids.push(sv('text', { x: X(i), y: H - B + 14, 'text-anchor': 'middle', class: 'mut', text: String(r.round) })); });
  series.forEach(function (s) {
    kids.push(sv('polyline', { fill: 'none', stroke: s.color, 'stroke-width': 2, 'stroke-dasharray': s.dash || null, 'data-series': s.name, points: s.values.map(function (v, i) { return X(i).toFixed(1) + ',' + Y(v).toFixed(1); }).join(' ') }));
  });
  kids.push(sv('text', { x: L, y: H - 2, class: 'mut', text: 'round →' }));
  return [
    sv('svg', { viewBox: '0 0 ' + W + ' ' + H, width: W, height: H, 'data-testid': 'systemic-path' }, kids),
    el('div', { class: 'legend' }, series.map(function (s) { return [el('i', { style: 'background:' + s.color }), s.name]; })),
  ];
}
function systemicProtocolTable(point) {
  return el('table', { class: 'grid' }, [
    el('tr', {}, ['protocol', 'positions liquidated', 'debt liquidated', 'bad debt', 'units sold', 'units bought'].map(function (h, i) { return el('th', { class: i ? 'num' : null, text: h }); })),
    point.byProtocol.map(function (b) {
      return el('tr', { 'data-testid': 'systemic-protocol-' + b.protocol, 'data-positions': b.positionsLiquidated }, [
        el('td', { text: b.protocol }), el('td', { class: 'num', text: String(b.positionsLiquidated) }), el('td', { class: 'num', text: usd(b.liquidatedUsd) }),
        el('td', { class: 'num', text: usd(b.badDebtUsd) }), el('td', { class: 'num', text: price(b.soldUnits) }), el('td', { class: 'num', text: price(b.boughtUnits) }),
      ]);
    }),
  ]);
}
function systemicPage() {
  var s = $('systemic');
  if (!s) {
    s = el('section', { id: 'systemic', class: 'panel', 'data-testid': 'systemic-page', 'data-state': 'idle' });
    var dash = $('dash');
    dash.parentNode.insertBefore(s, dash.nextSibling);
  }
  return s;
}
function loadSystemic(chain) {
  var g = ++gen;
  $('dash').hidden = true;
  banner('');
  var s = systemicPage();
  s.hidden = false;
  s.setAttribute('data-state', 'loading');
  s.textContent = '';
  add(s, [el('h2', { text: 'Systemic cascade · ' + chain }), el('div', { class: 'loading' }, [el('span', { class: 'spin' }), 'Reading every borrower of the chain and running the cascade…'])]);
  getJson(sysUrl(chain)).then(guard(g, function (c) {
    s.textContent = '';
    var pts = c.points.slice().sort(function (a, b) { return b.initialShock - a.initialShock; });
    var chosen = pts.filter(function (p) { return p.positionsLiquidated > 0; })[0] || pts[0];
    var pathBox = el('div', {}), table = el('div', {});
    var drawAt = function (p) { pathBox.textContent = ''; add(pathBox, systemicPathSvg(c, p)); table.textContent = ''; add(table, systemicProtocolTable(p)); };
    var select = el('select', { 'data-testid': 'systemic-shock', 'aria-label': 'shock' }, pts.map(function (p) { return el('option', { value: String(p.initialShock), text: pct(p.initialShock, 0), selected: p === chosen ? 'selected' : null }); }));
    select.addEventListener('change', function () { drawAt(pts.filter(function (p) { return String(p.initialShock) === select.value; })[0]); });
    var lev = el('div', { 'data-testid': 'systemic-leverage' });
    if (typeof window.stacklensLeveragePanel === 'function') window.stacklensLeveragePanel(chain, lev);
    else add(lev, el('p', { class: 'muted', text: 'Market leverage metrics (histogram, concentration, looped share): not served by this build.' }));
    add(s, [
      el('h2', { text: 'Systemic cascade · ' + c.asset + ' on ' + c.chain + ' · block ' + c.blockNumber }),
      el('p', { class: 'muted hint', text: 'Every enumerated borrower of the chain in one fixed point: liquidations by each protocol\u2019s rule, sales into the chain\u2019s pools, oracles moving by their own rules.' }),
      systemicCurveSvg(c, []),
      el('h3', {}, ['Oracle vs DEX price, round by round, at ', select]),
      pathBox, table,
      el('h3', { text: 'Markets read at block ' + c.blockNumber }),
      el('table', { class: 'grid' }, [el('tr', {}, ['market', 'protocol', 'borrowers', 'in cascade'].map(function (h, i) { return el('th', { class: i > 1 ? 'num' : null, text: h }); })), c.markets.map(function (m) { return el('tr', {}, [el('td', { text: m.label || short(m.market) }), el('td', { text: m.protocol }), el('td', { class: 'num', text: String(m.withDebt) }), el('td', { class: 'num', text: String(m.inCascade) })]); })]),
      c.notEnumerated.length ? el('p', { class: 'muted', 'data-testid': 'systemic-not-enumerated', text: 'Not in this cascade (borrowers not enumerated yet): ' + c.notEnumerated.map(function (n) { return n.market; }).join(', ') + '.' }) : null,
      el('h3', { text: 'Market leverage' }), lev,
    ]);
    drawAt(chosen);
    s.setAttribute('data-state', 'ready');
  }), guard(g, function (e) {
    s.setAttribute('data-state', 'error');
    s.textContent = '';
    add(s, [el('h2', { text: 'Systemic cascade · ' + chain }), el('div', { class: 'perr', role: 'alert', 'data-testid': 'error-systemic', text: e.message })]);
    if (e.status >= 400 && e.status < 500) banner(e.message);
  }));
}
/** The chain page when the location asks for it (true: handled); else hides it. */
function systemicRoute(q) {
  if (q.get('view') === 'systemic' && q.get('chain')) { loadSystemic(q.get('chain')); return true; }
  var s = $('systemic');
  if (s) s.hidden = true;
  return false;
}
function loadSystemicWallet(g, chain, address) {
  var sp = $('systemic');
  if (sp) sp.hidden = true;
  var p = $('panel-systemic');
  if (!p) {
    p = el('section', { class: 'panel p-systemic', id: 'panel-systemic', 'data-testid': 'panel-systemic', 'data-state': 'idle' }, [el('h2', { text: 'Systemic cascade' }), el('p', { class: 'muted hint', text: 'This wallet on the chain\u2019s systemic curve: every market liquidating into the same pools' }), el('div', { class: 'body' })]);
    p.style.gridColumn = '1/-1';
    $('dash').appendChild(p);
  }
  panel('systemic', 'loading');
  getJson(sysUrl(chain, '&wallet=' + address)).then(guard(g, function (c) {
    var ps = (c.wallet && c.wallet.positions) || [];
    var marks = [];
    var rows = ps.map(function (x, i) {
      marks.push({ shock: x.systemicShock, color: 'var(--bad)', label: 'systemic ' + pct(x.systemicShock, 1) });
      marks.push({ shock: x.naiveShock, color: 'var(--muted)', dash: '5 3', label: 'naive ' + pct(x.naiveShock, 1) });
      return el('tr', { 'data-testid': 'systemic-wallet-' + i }, [el('td', { text: x.protocol + ' ' + short(x.market) }), el('td', { class: 'num', text: pct(x.naiveShock, 1) }), el('td', { class: 'num', text: pct(x.perMarketShock, 1) }), el('td', { class: 'num', text: pct(x.systemicShock, 1) })]);
    });
    panel('systemic', 'ready', [
      systemicCurveSvg(c, marks),
      ps.length ? el('table', { class: 'grid' }, [el('tr', {}, ['position', 'naive shock', 'per market', 'systemic'].map(function (h, i) { return el('th', { class: i ? 'num' : null, text: h }); })), rows])
        : el('div', { class: 'empty', text: 'This wallet has no position in the systemic cascade (no enumerated borrowing against ' + c.asset + ').' }),
      el('p', {}, [el('a', { href: '/?chain=' + encodeURIComponent(chain) + '&view=systemic', 'data-testid': 'systemic-link', text: 'Open the chain\u2019s systemic view' })]),
    ]);
  }), guard(g, function (e) { panel('systemic', 'error', e.message); }));
}
`
