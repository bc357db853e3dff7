/**
 * Dashboard fragments (inline in the client script, plain ES2017; they use its helpers `el`, `sv`,
 * `panel`, `getJson`, `guard`, `failWith`, `pct`, `price`, `usd`, `hfColor`, `posLabel`):
 * - liquidation ratios of correlated pairs (panel `ratios`, from the wallet report's
 *   `liquidationRatios`; `ratioCovers` lets the ladder leave out the USD marks they replace);
 * - the two-asset liquidation surface heatmap (panel `surface`, `/surface`, ETH x BTC);
 * - safe size under ETH -30% at HF 1.1 (panel `capacity`, `/capacity`).
 * Stable `data-testid`s: `ratio-<position>-<pair>` (`data-value` = liquidation ratio),
 * `surface-heatmap`, `surface-cell-<row>-<col>` (`data-value` = lowest HF, '' without debt),
 * `surface-boundary`, `capacity-<i>` (`data-value` = borrow amount, raw units).
 */
export const WALLET_ANALYSIS_SCRIPT = String.raw`
// ---------- liquidation ratios ----------
function ratioCovers(p, lp) {
  return (p.liquidationRatios || []).some(function (r) { return r.collateral.symbol === lp.symbol || r.debt.symbol === lp.symbol; });
}
function ratioNum(x) { return x == null ? '–' : x.toFixed(6); }
function drawRatios(w) {
  var rows = [];
  w.positions.forEach(function (p, i) {
    (p.liquidationRatios || []).forEach(function (r, j) {
      rows.push(el('tr', { 'data-testid': 'ratio-' + i + '-' + j, 'data-value': r.liquidationRatio == null ? '' : String(r.liquidationRatio) }, [
        el('td', {}, el('b', { text: posLabel(p) })),
        el('td', { text: r.collateral.symbol + ' / ' + r.debt.symbol + ' (' + r.riskAsset + ')' }),
        el('td', { class: 'num', text: ratioNum(r.currentRatio) }),
        el('td', { class: 'num', text: ratioNum(r.liquidationRatio) }),
        el('td', { class: 'num', style: 'color:' + (r.depeg != null && r.depeg > -0.05 ? 'var(--bad)' : 'inherit'), text: pct(r.depeg, 2) }),
      ]));
    });
  });
  if (!rows.length) return panel('ratios', 'ready', el('div', { class: 'empty', text: 'No position borrows against collateral of the same risk asset: no ratio to watch.' }));
  panel('ratios', 'ready', [
    el('table', { class: 'grid' }, [el('tr', {}, ['position', 'collateral / debt', 'ratio now', 'liquidated at', 'depeg to it'].map(function (h, i) { return el('th', { class: i >= 2 ? 'num' : null, text: h }); })), rows]),
    el('div', { class: 'legend', text: 'Both legs track one risk asset, so a move of it does not liquidate these positions; the price ratio does (a depeg of the collateral, or its oracle rate). The ladder leaves out their USD prices.' }),
  ]);
}

// ---------- two-asset liquidation surface ----------
function loadSurface(g, base, q) {
  getJson(base + '/surface' + q + '&x=ETH&y=BTC&points=21&range=0.6').then(guard(g, drawSurface), guard(g, failWith(['surface'])));
}
function drawSurface(s) {
  var xs = s.x.moves, ys = s.y.moves, n = xs.length, C = 22, L = 54, T = 10, B = 40, R = 10;
  var W = L + n * C + R, H = T + ys.length * C + B;
  var lo = xs[0], hi = xs[n - 1];
  var X = function (m) { return L + (m - lo) / (hi - lo) * (n - 1) * C + C / 2; };
  var Y = function (m) { return T + (ys.length - 1 - (m - lo) / (hi - lo) * (ys.length - 1)) * C + C / 2; };
  var kids = [];
  ys.forEach(function (my, r) {
    xs.forEach(function (mx, c) {
      var h = s.minHealthFactor[r][c];
      kids.push(sv('rect', { x: L + c * C, y: T + (ys.length - 1 - r) * C, width: C - 1, height: C - 1, fill: h == null ? 'var(--soft)' : hfColor(h), opacity: h != null && h < 1 ? 0.95 : 0.55, 'data-testid': 'surface-cell-' + r + '-' + c, 'data-value': h == null ? '' : String(h) }, sv('title', { text: s.x.asset + ' ' + pct(mx, 0) + ', ' + s.y.asset + ' ' + pct(my, 0) + ': min HF ' + (h == null ? 'no debt' : h.toFixed(3)) + (s.positionsLiquidated[r][c] ? ' · ' + s.positionsLiquidated[r][c] + ' liquidated' : '') })));
    });
  });
  var dots = [];
  s.positions.forEach(function (p) {
    p.boundary.forEach(function (b) { dots.push(sv('circle', { cx: X(b.x).toFixed(1), cy: Y(b.y).toFixed(1), r: 2.2, fill: 'var(--fg)' })); });
  });
  kids.push(sv('g', { 'data-testid': 'surface-boundary' }, dots));
  [0, (n - 1) / 2, n - 1].forEach(function (i) {
    kids.push(sv('text', { x: L + i * C + C / 2, y: H - B + 16, 'text-anchor': 'middle', class: 'mut', text: pct(xs[i], 0) }));
    kids.push(sv('text', { x: L - 6, y: T + (ys.length - 1 - i) * C + C / 2 + 4, 'text-anchor': 'end', class: 'mut', text: pct(ys[i], 0) }));
  });
  kids.push(sv('text', { x: L, y: H - 6, class: 'mut', text: s.x.asset + ' move →' }), sv('text', { x: 0, y: T + 8, class: 'mut', text: s.y.asset + ' ↑' }));
  var cuts = s.positions.filter(function (p) { return p.xCuts.length || p.yCuts.length; }).map(function (p) {
    return p.protocol + ': ' + s.x.asset + ' alone ' + (p.xCuts.length ? p.xCuts.map(function (c) { return pct(c, 1); }).join(', ') : 'never') + ' · ' + s.y.asset + ' alone ' + (p.yCuts.length ? p.yCuts.map(function (c) { return pct(c, 1); }).join(', ') : 'never');
  });
  panel('surface', 'ready', [
    sv('svg', { viewBox: '0 0 ' + W + ' ' + H, width: W, height: H, 'data-testid': 'surface-heatmap' }, kids),
    el('div', { class: 'legend', text: 'Lowest health factor of the wallet\'s positions per pair of moves (red: below 1), each under its protocol\'s rule; dots: where a position reaches HF 1. Liquidated by one asset alone at: ' + (cuts.join(' | ') || 'no move') + '.' }),
  ]);
}

// ---------- safe size ----------
function loadCapacity(g, base, q) {
  getJson(base + '/capacity' + q + '&shock=ETH:-0.3&hf=1.1').then(guard(g, drawCapacity), guard(g, failWith(['capacity'])));
}
function drawCapacity(c) {
  var rows = c.withoutCascade.map(function (p, i) {
    var tok = p.debt ? p.debt.symbol : '';
    var amt = function (a) { return a == null ? '–' : usd(a.usd) + ' ' + tok + (a.limitedBy === 'ltv' ? ' (LTV)' : ''); };
    return el('tr', { 'data-testid': 'capacity-' + i, 'data-value': p.borrow ? p.borrow.amount : '' }, [
      el('td', {}, el('b', { text: p.protocol + ' ' + p.market.slice(0, 18) })),
      el('td', { class: 'num', style: 'color:' + hfColor(p.healthFactorShocked), text: p.healthFactorShocked == null ? 'no debt' : p.healthFactorShocked.toFixed(3) }),
      el('td', { class: 'num', text: p.reason ? '–' : amt(p.borrow) }),
      el('td', { class: 'num', text: p.reason ? '–' : amt(p.loop) }),
      el('td', { class: 'num', text: p.deleverage ? 'repay ' + usd(p.deleverage.repayUsd) + ' ' + tok : p.reason ? p.reason : 'none' }),
    ]);
  });
  panel('capacity', 'ready', [
    el('table', { class: 'grid' }, [el('tr', {}, ['position', 'HF after', 'can borrow', 'can loop', 'deleverage'].map(function (h, i) { return el('th', { class: i >= 1 ? 'num' : null, text: h }); })), rows]),
    el('div', { class: 'legend', text: 'After ETH ' + pct(c.shocks.ETH, 0) + ', keeping each health factor at or above ' + c.targetHealthFactor + ' (borrowed tokens leave the position; a loop resupplies them as collateral). USD at today\'s prices.' }),
  ]);
}
`
