import { HISTORY_SCRIPT } from './history.js'
import { LEVERAGE_SCRIPT } from './leverage.js'
import { SYSTEMIC_SCRIPT } from './systemic.js'
import { WATCHES_SCRIPT } from './watches.js'

/**
 * The dashboard's client script (plain ES2017, inline in the page: no framework, no external
 * assets). It fetches the JSON API in parallel and draws each panel with DOM nodes and inline
 * SVG; all text goes through textContent, so nothing from the API is parsed as HTML.
 * Stable `data-testid`s: `hf-<i>` (health factor of position i, 4 decimals, `data-value` raw),
 * `exposure-<riskAsset>` (net USD, whole dollars), `effective-leverage` (2 decimals + ×),
 * `panel-<id>` with `data-state` idle|loading|ready|error, `error-banner`.
 */

import { CARRY_SCRIPT } from './carry.js'
import { WALLET_ANALYSIS_SCRIPT } from './surface.js'

export const DASHBOARD_SCRIPT = String.raw`(function () {
'use strict';
var ADDR = /^0x[0-9a-fA-F]{40}$/;
var SVG = 'http://www.w3.org/2000/svg';
var PANELS = ['stack', 'health', 'exposure', 'positions', 'ladder', 'stress', 'montecarlo', 'cascade', 'ratios', 'surface', 'capacity', 'history', 'carry', 'hedge', 'watches'];
var $ = function (id) { return document.getElementById(id); };
var gen = 0;

function attrs(e, a) {
  if (a) for (var k in a) {
    var v = a[k];
    if (v == null || v === false) continue;
    if (k === 'text') e.textContent = String(v); else e.setAttribute(k, String(v));
  }
}
function add(e, kids) {
  if (kids == null) return;
  if (!Array.isArray(kids)) kids = [kids];
  for (var i = 0; i < kids.length; i++) {
    var k = kids[i];
    if (k == null || k === false) continue;
    if (Array.isArray(k)) add(e, k);
    else e.appendChild(typeof k === 'object' ? k : document.createTextNode(String(k)));
  }
}
function el(tag, a, kids) { var e = document.createElement(tag); attrs(e, a); add(e, kids); return e; }
function sv(tag, a, kids) { var e = document.createElementNS(SVG, tag); attrs(e, a); add(e, kids); return e; }

function usd(x) {
  if (x == null || !isFinite(x)) return '–';
  var r = Math.round(x);
  return (r < 0 ? '-' : '') + '$' + Math.abs(r).toLocaleString('en-US');
}
function kusd(x) {
  var a = Math.abs(x);
  if (a >= 1e9) return (x / 1e9).toFixed(1) + 'B';
  if (a >= 1e6) return (x / 1e6).toFixed(1) + 'M';
  if (a >= 1e3) return (x / 1e3).toFixed(a >= 1e4 ? 0 : 1) + 'k';
  return x.toFixed(0);
}
function hfText(h) { return h == null ? 'no debt' : h.toFixed(4); }
function lev(x) { return x == null || !isFinite(x) ? '–' : x.toFixed(2) + '×'; }
function pct(x, d) { return x == null ? '–' : (x > 0 ? '+' : '') + (x * 100).toFixed(d == null ? 1 : d) + '%'; }
function prob(x) { return x == null ? '–' : (x * 100).toFixed(1) + '%'; }
function price(x) {
  if (x == null) return '–';
  return Math.abs(x) >= 100 ? x.toLocaleString('en-US', { maximumFractionDigits: 0 }) : Number(x.toPrecision(4)).toString();
}
function hfColor(h) {
  if (h == null) return 'var(--ok)';
  return h < 1.05 ? 'var(--bad)' : h < 1.25 ? 'var(--warn)' : h < 1.5 ? 'var(--amber)' : 'var(--ok)';
}
function short(s) { return s.length > 18 ? s.slice(0, 8) + '…' + s.slice(-6) : s; }
/** ' · in <kind> <account>' for a row or layer held by a smart account of the queried address. */
function heldBy(x) { return x.accountKind && x.accountKind !== 'eoa' ? ' · in ' + x.accountKind + ' ' + short(String(x.account)) : ''; }
function posLabel(p) {
  var m = (p.details && p.details.marketLabel) || p.market;
  return p.protocol + ' ' + short(String(m));
}

function getJson(url) {
  return fetch(url, { headers: { accept: 'application/json' } }).then(function (r) {
    return r.json().catch(function () { return null; }).then(function (b) {
      if (!r.ok) {
        var e = (b && b.error) || {};
        var err = new Error((e.code ? e.code + ': ' : '') + (e.message || 'HTTP ' + r.status));
        err.status = r.status;
        throw err;
      }
      return b;
    });
  }, function (e) { throw new Error('network error: ' + (e && e.message)); });
}

function panel(name, st, content) {
  var p = $('panel-' + name);
  p.setAttribute('data-state', st);
  var body = p.querySelector('.body');
  body.textContent = '';
  if (st === 'loading' && content) add(body, content);
  else if (st === 'loading') add(body, el('div', { class: 'loading', 'data-testid': 'loading-' + name }, [el('span', { class: 'spin' }), 'Loading…']));
  else if (st === 'error') add(body, el('div', { class: 'perr', role: 'alert', 'data-testid': 'error-' + name, text: content }));
  else add(body, content);
}
function guard(g, fn) { return function (x) { if (g === gen) { try { fn(x); } catch (e) { console.error(e); } } }; }
function failWith(names) {
  return function (e) { names.forEach(function (n) { panel(n, 'error', e.message); }); };
}
function banner(msg) { var b = $('banner'); b.textContent = msg; b.hidden = !msg; }
function stat(id, label, value, title) {
  var s = $('stat-' + id);
  if (!s) return;
  s.textContent = '';
  add(s, [el('small', { text: label }), el('b', { text: value, title: title })]);
}

// ---------- loading a wallet ----------
function load(address, chain) {
  address = (address || '').trim();
  $('addr').value = address;
  var sel = $('chain');
  if (chain && !Array.prototype.some.call(sel.options, function (o) { return o.value === chain; })) add(sel, el('option', { value: chain, text: chain }));
  if (chain) sel.value = chain;
  chain = $('chain').value;
  banner('');
  var demos = document.querySelectorAll('.demo');
  for (var i = 0; i < demos.length; i++) demos[i].classList.toggle('active', demos[i].getAttribute('data-address').toLowerCase() === address.toLowerCase());
  var g = ++gen;
  if (!ADDR.test(address)) {
    $('dash').hidden = true;
    PANELS.forEach(function (n) { $('panel-' + n).setAttribute('data-state', 'idle'); });
    banner('"' + address + '" is not a valid wallet address: expected 0x followed by 40 hex digits.');
    return;
  }
  var ds = document.querySelector('.demos');
  if (ds) ds.classList.add('compact');
  $('dash').hidden = false;
  var title = $('wallet-title');
  title.textContent = '';
  var demo = document.querySelector('.demo.active b');
  add(title, [demo ? el('b', { text: demo.textContent + ' · ' }) : null, el('code', { text: address }), el('span', { class: 'muted', text: ' on ' + chain })]);
  var sm = $('summary');
  sm.textContent = '';
  [['net', 'Net worth'], ['debt', 'Debt'], ['minhf', 'Min health factor'], ['lev', 'Effective leverage'], ['stack', 'Stack: real vs multiplied'], ['pliq', 'P(liquidation)'], ['worst', 'Worst stress']].forEach(function (s) {
    add(sm, el('div', { class: 'stat', id: 'stat-' + s[0], 'data-testid': 'summary-' + s[0] }, [el('small', { text: s[1] }), el('b', { class: 'muted', text: '…' })]));
  });
  PANELS.forEach(function (n) { panel(n, 'loading'); });

  var q = '?chain=' + encodeURIComponent(chain);
  var base = '/v1/wallets/' + address;
  var wallet = getJson(base + q);
  wallet.then(guard(g, function (w) {
    drawPositions(w); drawHealth(w); drawLadder(w); drawRatios(w);
    stat('net', 'Net worth', usd(w.summary.netWorthUsd));
    stat('debt', 'Debt', usd(w.summary.debtUsd));
    stat('minhf', 'Min health factor', w.summary.minHealthFactor == null ? 'no debt' : w.summary.minHealthFactor.toFixed(2));
    loadCascades(g, w, chain, address);
  }), guard(g, function (e) {
    failWith(['positions', 'health', 'ladder', 'cascade', 'ratios'])(e);
    if (e.status >= 400 && e.status < 500) banner(e.message);
  }));
  getJson(base + '/exposure' + q).then(guard(g, function (x) {
    drawExposure(x); drawStack(x);
    stat('lev', 'Effective leverage', lev(x.effectiveLeverage));
    var s = x.stacks.filter(function (s) { return s.layers.length > 1; })[0];
    if (s) stat('stack', 'Stack: real vs multiplied', lev(s.compoundedLeverage) + ' vs ' + lev(s.nominalLeverageProduct));
    else stat('stack', 'Stacks', 'none');
  }), guard(g, failWith(['exposure', 'stack'])));
  getJson(base + '/stress' + q).then(guard(g, function (s) {
    drawStress(s);
    if (s.worstCase) stat('worst', 'Worst stress', pct(s.worstCase.changePct, 0), s.worstCase.scenario);
  }), guard(g, failWith(['stress'])));
  loadSurface(g, base, q); loadCapacity(g, base, q);
  getJson(base + '/montecarlo' + q + '&paths=5000').then(guard(g, function (m) {
    drawMonteCarlo(m);
    stat('pliq', 'P(liquidation, ' + m.horizonDays + 'd)', prob(m.walletLiquidationProbability));
  }), guard(g, failWith(['montecarlo'])));
  loadSystemicWallet(g, chain, address);
  loadHistory(g, base, q);
  loadCarryHedge(g, base, q, chain, wallet);
  loadWatches(g, address, chain);
}
${CARRY_SCRIPT}

${LEVERAGE_SCRIPT}
// ---------- positions ----------
function drawPositions(w) {
  if (!w.positions.length) return panel('positions', 'ready', el('div', { class: 'empty', text: 'No positions on ' + w.chain + ' at block ' + w.blockNumber + '.' }));
  var rows = w.positions.map(function (p, i) {
    if (p.status && p.status !== 'ok') {
      return el('tr', { 'data-testid': 'position-' + i }, [el('td', { text: p.protocol }), el('td', { text: p.chain || w.chain }), el('td', { colspan: 6, class: 'muted', text: 'unavailable: ' + ((p.error && p.error.message) || p.reason || p.status) })]);
    }
    var legs = p.legs.map(function (l) { return l.side + ' ' + l.asset.symbol + ' ' + usd(l.usd); }).join(' · ');
    return el('tr', { 'data-testid': 'position-' + i }, [
      el('td', {}, el('b', { text: p.protocol })),
      el('td', { text: p.chain || w.chain }),
      el('td', { title: p.market + (p.account ? ' held by ' + p.account : ''), text: short(String((p.details && p.details.marketLabel) || p.market)) + heldBy(p) }),
      el('td', { text: p.kind }),
      el('td', { class: 'num', text: usd(p.collateralUsd) }),
      el('td', { class: 'num', text: usd(p.debtUsd) }),
      el('td', { class: 'num' }, el('span', { style: 'color:' + hfColor(p.healthFactor), text: hfText(p.healthFactor) })),
      el('td', { class: 'muted', style: 'font-size:12px', text: legs }),
    ]);
  });
  panel('positions', 'ready', [
    el('table', { class: 'grid' }, [el('tr', {}, ['protocol', 'chain', 'market', 'kind', 'collateral', 'debt', 'health factor', 'legs'].map(function (h, i) { return el('th', { class: i >= 4 && i <= 6 ? 'num' : null, text: h }); })), rows]),
    el('div', { class: 'legend', text: 'Block ' + w.blockNumber + ' · collateral ' + usd(w.summary.collateralUsd) + ' · debt ' + usd(w.summary.debtUsd) + ' · net worth ' + usd(w.summary.netWorthUsd) }),
  ]);
}

// ---------- health factor gauges ----------
function gauge(h) {
  var cx = 80, cy = 78, r = 62, max = 3;
  function pt(v, rr) { var a = Math.PI * (1 - Math.min(Math.max(v, 0), max) / max); return [cx + (rr || r) * Math.cos(a), cy - (rr || r) * Math.sin(a)]; }
  function arc(a, b, color) {
    var p = pt(a), q = pt(b);
    return sv('path', { d: 'M' + p[0].toFixed(1) + ' ' + p[1].toFixed(1) + ' A' + r + ' ' + r + ' 0 0 1 ' + q[0].toFixed(1) + ' ' + q[1].toFixed(1), stroke: color, 'stroke-width': 14, fill: 'none', opacity: 0.85 });
  }
  var v = h == null ? max : h;
  var n = pt(v, r - 20);
  return sv('svg', { viewBox: '0 0 160 92', width: 160, height: 92, role: 'img', 'aria-label': 'health factor ' + hfText(h) }, [
    arc(0, 1, 'var(--bad)'), arc(1, 1.25, 'var(--warn)'), arc(1.25, 1.5, 'var(--amber)'), arc(1.5, 3, 'var(--ok)'),
    sv('line', { x1: cx, y1: cy, x2: n[0].toFixed(1), y2: n[1].toFixed(1), stroke: 'currentColor', 'stroke-width': 3, 'stroke-linecap': 'round' }),
    sv('circle', { cx: cx, cy: cy, r: 4, fill: 'currentColor' }),
    sv('text', { x: 12, y: 90, class: 'mut', text: '0' }), sv('text', { x: 141, y: 90, class: 'mut', text: '3+' }),
    sv('text', { x: pt(1, r + 11)[0] - 3, y: pt(1, r + 11)[1], class: 'mut', text: '1' }),
  ]);
}
function drawHealth(w) {
  var items = [];
  w.positions.forEach(function (p, i) {
    if (p.status && p.status !== 'ok') return;
    items.push(el('div', { class: 'gauge', 'data-testid': 'gauge-' + i }, [
      gauge(p.healthFactor),
      el('span', { class: 'hf', style: 'color:' + hfColor(p.healthFactor), 'data-testid': 'hf-' + i, 'data-value': p.healthFactor == null ? '' : String(p.healthFactor), text: hfText(p.healthFactor) }),
      el('span', { class: 'lbl', title: p.market, text: posLabel(p) }),
    ]));
  });
  panel('health', 'ready', items.length ? el('div', { class: 'gauges' }, items) : el('div', { class: 'empty', text: 'No positions.' }));
}

// ---------- exposure ----------
function drawExposure(x) {
  var max = Math.max.apply(null, x.netExposure.map(function (e) { return Math.abs(e.usd); }).concat([1]));
  var rows = x.netExposure.map(function (e) {
    var w = Math.abs(e.usd) / max * 50;
    return el('div', { class: 'row' }, [
      el('b', { text: e.riskAsset }),
      el('div', { class: 'track' }, [el('div', { class: 'mid' }), el('div', { class: 'fill', style: (e.usd >= 0 ? 'left:50%;background:var(--pos)' : 'right:50%;background:var(--neg)') + ';width:' + w.toFixed(2) + '%' })]),
      el('span', { class: 'num' }, [el('span', { 'data-testid': 'exposure-' + e.riskAsset, 'data-value': String(e.usd), text: usd(e.usd) }), el('br'), el('small', { class: 'muted', text: (e.riskAsset === 'USD' ? '' : Number(e.units.toPrecision(6)) + ' ' + e.riskAsset) })]),
    ]);
  });
  panel('exposure', 'ready', [
    el('div', { class: 'kpis' }, [
      el('div', {}, [el('small', { text: 'Effective leverage' }), el('b', { 'data-testid': 'effective-leverage', 'data-value': x.effectiveLeverage == null ? '' : String(x.effectiveLeverage), text: lev(x.effectiveLeverage) })]),
      el('div', {}, [el('small', { text: 'Equity' }), el('b', { 'data-testid': 'equity', text: usd(x.equityUsd) })]),
      el('div', {}, [el('small', { text: 'Gross exposure' }), el('b', { text: usd(x.grossExposureUsd) })]),
      x.beta ? el('div', {}, [el('small', { text: 'β ETH / β BTC' }), el('b', { text: (x.beta.ETH == null ? '–' : x.beta.ETH.toFixed(2)) + ' / ' + (x.beta.BTC == null ? '–' : x.beta.BTC.toFixed(2)) })]) : null,
    ]),
    el('div', { class: 'bars' }, rows),
    el('div', { class: 'legend', text: 'Effective leverage = gross non-USD exposure / equity. USD is the numeraire (negative = debt).' }),
  ]);
}

// ---------- the stack as layers ----------
function layerBox(l) {
  var cls = l.nominalLeverage == null ? '' : l.nominalLeverage >= 4 ? 'lev-hi' : l.nominalLeverage >= 2 ? 'lev-mid' : 'lev-lo';
  function kv(k, v, tid) { return el('div', { class: 'kv' }, [el('small', { text: k }), el('span', { 'data-testid': tid, text: v })]); }
  return el('div', { class: 'layer ' + cls, 'data-testid': 'layer-' + l.id }, [
    el('div', { class: 'name' }, [el('b', { text: l.protocol }), el('small', { title: l.id, text: short(l.label.replace(l.protocol + ' ', '')) + ' · ' + (l.structure || l.kind) + heldBy(l) })]),
    kv('collateral', usd(l.collateralUsd)), kv('debt', usd(l.debtUsd)), kv('equity', usd(l.equityUsd)),
    kv('leverage', lev(l.nominalLeverage) + (l.equivalentLoops != null ? ' (' + l.equivalentLoops.toFixed(1) + ' loops)' : ''), 'layer-leverage'),
    kv('health factor', l.healthFactor == null ? 'no debt' : l.healthFactor.toFixed(2)),
  ]);
}
function drawStack(x) {
  var byId = {};
  x.layers.forEach(function (l) { byId[l.id] = l; });
  var inStack = {};
  var out = x.stacks.map(function (s, si) {
    s.layers.forEach(function (id) { inStack[id] = true; });
    var ls = s.layers.map(function (id) { return byId[id]; }).filter(Boolean);
    var kids = [];
    ls.forEach(function (l, i) {
      kids.push(layerBox(l));
      s.links.filter(function (k) { return k.from === l.id; }).forEach(function (k) {
        var to = byId[k.to];
        kids.push(el('div', { class: 'link', 'data-testid': 'link' }, [
          '↓ ', el('b', { text: k.debtSymbol + ' borrowed on ' + l.protocol }), ' → ', el('b', { text: (k.collateralSymbol || k.debtSymbol) + ' ' + (to && to.kind === 'perp' ? 'margin' : 'collateral') + ' on ' + (to ? to.protocol : k.to) }),
          ' · ' + usd(k.usd) + ' · ' + k.via,
        ]));
      });
    });
    var product = ls.map(function (l) { return l.nominalLeverage == null ? '?' : l.nominalLeverage.toFixed(2); }).join(' × ');
    return el('div', { class: 'stackbox', 'data-testid': 'stack-' + si, 'data-protocols': s.protocols.join(',') }, [
      el('div', { class: 'insight' }, [
        el('span', {}, [el('small', { class: 'muted', text: 'real leverage of the stack ' }), el('span', { class: 'big', 'data-testid': 'stack-compounded-' + si, text: lev(s.compoundedLeverage) })]),
        ls.length > 1 ? el('span', {}, [el('small', { class: 'muted', text: 'vs layer leverages multiplied ' }), el('span', { class: 'strike', 'data-testid': 'stack-product-' + si, text: product + ' = ' + lev(s.nominalLeverageProduct) })]) : null,
        el('span', { class: 'chip', text: s.protocols.join(' → ') }),
      ]),
      el('div', { class: 'layers' }, kids),
    ]);
  });
  var alone = x.layers.filter(function (l) { return !inStack[l.id]; });
  if (alone.length) out.push(el('div', { class: 'stackbox' }, [el('div', { class: 'muted', text: 'Standalone layers' }), el('div', { class: 'layers' }, alone.map(layerBox))]));
  if (!out.length) out.push(el('div', { class: 'empty', text: 'No leveraged layers.' }));
  out.push(el('div', { class: 'legend', text: 'Layers in funding order: a debt of one layer that shows up as collateral or margin of the next links them. The stack\'s real leverage is its gross exposure over its equity; multiplying what each protocol shows overstates it.' }));
  panel('stack', 'ready', out);
}

// ---------- liquidation-price ladder ----------
function drawLadder(w) {
  var groups = {}, order = [];
  w.positions.forEach(function (p) {
    (p.liquidationPrices || []).forEach(function (lp) {
      if (lp.price == null || !isFinite(lp.price) || ratioCovers(p, lp)) return;
      if (!groups[lp.symbol]) { groups[lp.symbol] = { current: lp.currentPrice, marks: [] }; order.push(lp.symbol); }
      if (groups[lp.symbol].current == null) groups[lp.symbol].current = lp.currentPrice;
      groups[lp.symbol].marks.push({ p: p, lp: lp });
    });
  });
  if (!order.length) return panel('ladder', 'ready', el('div', { class: 'empty', text: ladderEmptyText(w) }));
  var W = 1060, L = 16, R = 16;
  var charts = order.map(function (sym) {
    var g = groups[sym], vals = g.marks.map(function (m) { return m.lp.price; });
    if (g.current != null) vals.push(g.current);
    var lo = Math.min.apply(null, vals), hi = Math.max.apply(null, vals);
    lo = Math.max(0, lo - (hi - lo) * 0.12 - hi * 0.03); hi = hi + (hi - lo) * 0.12 + hi * 0.03;
    var X = function (v) { return L + (v - lo) / (hi - lo) * (W - L - R); };
    var H = 46 + g.marks.length * 20;
    var kids = [sv('text', { x: 0, y: 12, style: 'font-weight:600', text: sym }), sv('line', { x1: L, x2: W - R, y1: 30, y2: 30, stroke: 'var(--muted)' })];
    for (var t = 0; t <= 5; t++) {
      var v = lo + (hi - lo) * t / 5;
      kids.push(sv('line', { x1: X(v), x2: X(v), y1: 27, y2: 33, stroke: 'var(--muted)' }), sv('text', { x: X(v), y: 24, 'text-anchor': 'middle', class: 'mut', text: price(v) }));
    }
    g.marks.sort(function (a, b) { return b.lp.price - a.lp.price; }).forEach(function (m, i) {
      var x = X(m.lp.price), y = 50 + i * 20, up = m.lp.side === 'debt' || m.lp.side === 'short';
      var color = up ? '#9c36b5' : 'var(--bad)';
      var label = posLabel(m.p) + ' · liquidated if ' + sym + (up ? ' ≥ ' : ' ≤ ') + price(m.lp.price) + (m.lp.distance != null ? ' (' + pct(m.lp.distance, 1) + ')' : '');
      var right = x > W * 0.6;
      kids.push(sv('line', { x1: x, x2: x, y1: 30, y2: y - 4, stroke: color, 'stroke-dasharray': '3 2' }), sv('circle', { cx: x, cy: y - 4, r: 4, fill: color }), sv('text', { x: right ? x - 8 : x + 8, y: y, 'text-anchor': right ? 'end' : 'start', text: label }));
    });
    if (g.current != null) {
      var cxp = X(g.current);
      kids.push(sv('line', { x1: cxp, x2: cxp, y1: 18, y2: H - 4, stroke: 'var(--accent)', 'stroke-width': 2 }), sv('text', { x: cxp + 4, y: H - 4, style: 'fill:var(--accent);font-weight:600', text: 'now ' + price(g.current) }));
    }
    return sv('svg', { viewBox: '0 0 ' + W + ' ' + H, width: W, height: H, 'data-testid': 'ladder-' + sym }, kids);
  });
  panel('ladder', 'ready', [charts, el('div', { class: 'legend' }, [el('i', { style: 'background:var(--accent)' }), 'current price', el('i', { style: 'background:var(--bad)' }), 'liquidation if the price falls (collateral)', el('i', { style: 'background:#9c36b5' }), 'liquidation if the price rises (debt or short)'])]);
}

// ---------- stress grid ----------
function heat(c) {
  var a = Math.min(1, Math.abs(c)) * 0.75 + 0.08;
  return c < 0 ? 'rgba(224,49,49,' + a.toFixed(2) + ')' : 'rgba(47,158,68,' + a.toFixed(2) + ')';
}
function drawStress(s) {
  if (!s.scenarios.length) return panel('stress', 'ready', el('div', { class: 'empty', text: 'No scenario applies to this wallet.' }));
  var rows = s.scenarios.map(function (r, i) {
    var worst = s.worstCase && s.worstCase.scenario === r.scenario.name;
    return el('tr', { 'data-testid': 'stress-' + i, style: worst ? 'font-weight:600' : null }, [
      el('td', { text: r.scenario.name + (worst ? ' (worst)' : '') }),
      el('td', { class: 'num', text: usd(r.equityAfterUsd) }),
      el('td', { class: 'num', style: 'background:' + heat(r.changePct || 0), text: pct(r.changePct, 1) }),
      el('td', { class: 'num', text: String(r.positionsLiquidated) }),
      el('td', { class: 'num', style: 'color:' + hfColor(r.minHealthFactor), text: r.minHealthFactor == null ? '–' : r.minHealthFactor.toFixed(2) }),
    ]);
  });
  panel('stress', 'ready', [
    el('table', { class: 'grid' }, [el('tr', {}, [el('th', { text: 'scenario' }), el('th', { class: 'num', text: 'equity after' }), el('th', { class: 'num', text: 'change' }), el('th', { class: 'num', text: 'liquidated' }), el('th', { class: 'num', text: 'min HF' })]), rows]),
    el('div', { class: 'legend', text: 'Equity now ' + usd(s.equityUsd) + '. One liquidation per position under its protocol\'s rules, no market impact (see the cascade).' }),
  ]);
}

// ---------- market cascade ----------
function loadCascades(g, w, chain, address) {
  var seen = {}, markets = [];
  w.positions.forEach(function (p) {
    if ((p.protocol === 'aave-v3' || p.protocol === 'morpho-blue') && p.debtUsd > 0 && !seen[p.market]) { seen[p.market] = 1; markets.push(p); }
  });
  markets = markets.slice(0, 3);
  if (!markets.length) return panel('cascade', 'ready', el('div', { class: 'empty', text: 'No borrowing position on Aave v3 or Morpho Blue: no market cascade to place this wallet on.' }));
  var slots = markets.map(function (p) { return el('div', { 'data-testid': 'cascade-' + p.market }, el('div', { class: 'loading' }, [el('span', { class: 'spin' }), 'Running the cascade of ' + posLabel(p) + '…'])); });
  panel('cascade', 'loading', slots);
  var left = markets.length, failed = 0;
  markets.forEach(function (p, i) {
    var done = function () { if (--left === 0 && g === gen) $('panel-cascade').setAttribute('data-state', failed === markets.length ? 'error' : 'ready'); };
    getJson('/v1/markets/' + encodeURIComponent(p.market) + '/cascade?chain=' + encodeURIComponent(chain) + '&wallet=' + address).then(guard(g, function (c) {
      slots[i].textContent = ''; add(slots[i], cascadeChart(c, posLabel(p))); done();
    }), guard(g, function (e) {
      failed++; slots[i].textContent = ''; add(slots[i], [el('b', { text: posLabel(p) }), el('div', { class: 'perr', role: 'alert', 'data-testid': 'error-cascade', text: e.message })]); done();
    }));
  });
}
function cascadeChart(c, label) {
  var pts = c.points.slice().sort(function (a, b) { return b.initialShock - a.initialShock; });
  if (!pts.length) return el('div', { class: 'empty', text: 'No cascade points.' });
  var W = 1060, H = 260, L = 50, R = 60, T = 24, B = 34;
  var xMax = Math.max.apply(null, pts.map(function (p) { return -p.initialShock; }));
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
  pts.forEach(function (p) { if (p.liquidatedUsd > 0) kids.push(sv('rect', { x: X(p.initialShock) - bw / 2, y: YL(p.liquidatedUsd), width: bw, height: H - B - YL(p.liquidatedUsd), fill: 'var(--warn)', opacity: 0.35 })); });
  kids.push(sv('line', { x1: X(0), y1: Y(0), x2: X(-xMax), y2: Y(-xMax), stroke: 'var(--muted)', 'stroke-dasharray': '4 3' }));
  kids.push(sv('polyline', { fill: 'none', stroke: 'var(--accent)', 'stroke-width': 2.5, points: [[0, 0]].concat(pts.map(function (p) { return [p.initialShock, p.finalShock]; })).map(function (a) { return X(a[0]).toFixed(1) + ',' + Y(a[1]).toFixed(1); }).join(' ') }));
  var wl = c.wallet, note;
  if (wl && wl.found) {
    [[wl.naiveShock, 'var(--muted)', 'naive ' + pct(wl.naiveShock, 1), '5 3'], [wl.cascadeShock, 'var(--bad)', 'with cascade ' + pct(wl.cascadeShock, 1), null]].forEach(function (m, i) {
      if (m[0] == null || -m[0] > xMax) return;
      kids.push(sv('line', { x1: X(m[0]), x2: X(m[0]), y1: T - 4, y2: H - B, stroke: m[1], 'stroke-width': 2, 'stroke-dasharray': m[3] }), sv('text', { x: X(m[0]) + 4, y: T - 8 + i * 12, style: 'fill:' + m[1], text: m[2] }));
    });
    note = 'This wallet is liquidated by a ' + pct(wl.naiveShock, 1) + ' ' + c.asset + ' move on its own, but by an initial ' + pct(wl.cascadeShock, 1) + ' once the market\'s liquidations sell into the pool' + (wl.liquidationPrice ? ' (liquidation price ' + price(wl.liquidationPrice) + ')' : '') + '.';
  } else {
    note = 'This wallet is not on this curve' + (wl && wl.reason ? ': ' + wl.reason : '') + '.';
  }
  return [
    el('b', { text: label + ' · ' + c.asset + ' shock' }),
    sv('svg', { viewBox: '0 0 ' + W + ' ' + H, width: W, height: H }, kids.concat([
      sv('text', { x: L, y: H - 4, class: 'mut', text: 'initial ' + c.asset + ' shock →' }), sv('text', { x: 4, y: 12, class: 'mut', text: 'final shock' }), sv('text', { x: W - R, y: 12, class: 'mut', text: 'liquidated' }),
    ])),
    el('div', { class: 'legend' }, [el('i', { style: 'background:var(--accent)' }), 'final shock after the cascade', el('i', { style: 'background:var(--muted)' }), 'no cascade (final = initial)', el('i', { style: 'background:var(--warn);opacity:.5' }), 'USD liquidated']),
    el('p', { 'data-testid': 'cascade-note', text: note }),
  ];
}

// ---------- Monte Carlo ----------
function drawMonteCarlo(m) {
  var e = m.histogram.edges, n = m.histogram.counts;
  if (!n.length) return panel('montecarlo', 'ready', el('div', { class: 'empty', text: 'No distribution.' }));
  var W = 520, H = 200, L = 8, R = 8, T = 22, B = 30;
  var cMax = Math.max.apply(null, n.concat([1])), lo = e[0], hi = e[e.length - 1];
  var X = function (v) { return L + (v - lo) / ((hi - lo) || 1) * (W - L - R); };
  var kids = [];
  n.forEach(function (c, i) {
    var h = c / cMax * (H - T - B);
    var mid = (e[i] + e[i + 1]) / 2;
    kids.push(sv('rect', { x: X(e[i]) + 0.5, y: H - B - h, width: Math.max(0.5, X(e[i + 1]) - X(e[i]) - 1), height: h, fill: mid < m.equity.p05 ? 'var(--bad)' : 'var(--accent)', opacity: 0.75 }));
  });
  for (var t = 0; t <= 4; t++) { var v = lo + (hi - lo) * t / 4; kids.push(sv('text', { x: X(v), y: H - B + 14, 'text-anchor': t === 0 ? 'start' : t === 4 ? 'end' : 'middle', class: 'mut', text: '$' + kusd(v) })); }
  [[m.equity.initial, 'var(--fg)', 'now'], [m.equity.p05, 'var(--bad)', '5%']].forEach(function (q, i) {
    if (q[0] == null || q[0] < lo || q[0] > hi) return;
    kids.push(sv('line', { x1: X(q[0]), x2: X(q[0]), y1: T - 6, y2: H - B, stroke: q[1], 'stroke-width': 1.5, 'stroke-dasharray': i ? '4 3' : null }), sv('text', { x: X(q[0]) + 3, y: T - 8 + i * 11, style: 'fill:' + q[1], text: q[2] }));
  });
  kids.push(sv('text', { x: L, y: H - 2, class: 'mut', text: 'equity in ' + m.horizonDays + ' days (' + m.paths + ' paths)' }));
  panel('montecarlo', 'ready', [
    el('div', { class: 'kpis' }, [
      el('div', {}, [el('small', { text: 'P(liquidation)' }), el('b', { 'data-testid': 'mc-pliq', text: prob(m.walletLiquidationProbability) })]),
      el('div', {}, [el('small', { text: 'VaR 95%' }), el('b', { text: usd(m.equity.var95) })]),
      el('div', {}, [el('small', { text: 'ES 95%' }), el('b', { text: usd(m.equity.es95) })]),
      el('div', {}, [el('small', { text: 'median' }), el('b', { text: usd(m.equity.p50) })]),
    ]),
    sv('svg', { viewBox: '0 0 ' + W + ' ' + H, width: W, height: H, 'data-testid': 'mc-histogram' }, kids),
    el('div', { class: 'legend', text: (m.assets || []).map(function (a) { return a.name + ' σ ' + pct(a.volatility, 0); }).join(' · ') + ' · seed ' + m.seed + ' · red: worst 5% of paths' }),
  ]);
}

${WALLET_ANALYSIS_SCRIPT}
${SYSTEMIC_SCRIPT}
${HISTORY_SCRIPT}
${WATCHES_SCRIPT}
// ---------- wiring ----------
function fromLocation() {
  var q = new URLSearchParams(location.search);
  if (systemicRoute(q)) return;
  var a = q.get('address');
  if (a != null) load(a, q.get('chain'));
  else { gen++; $('dash').hidden = true; banner(''); }
}
function pick(address, chain) {
  var url = '/?address=' + encodeURIComponent(address.trim()) + '&chain=' + encodeURIComponent(chain);
  if (location.pathname + location.search !== url) history.pushState(null, '', url);
  load(address, chain);
}
$('pick').addEventListener('submit', function (ev) { ev.preventDefault(); pick($('addr').value, $('chain').value); });
document.addEventListener('click', function (ev) {
  var a = ev.target.closest && ev.target.closest('a.demo');
  if (!a || ev.metaKey || ev.ctrlKey || ev.shiftKey || ev.button !== 0) return;
  ev.preventDefault();
  pick(a.getAttribute('data-address'), a.getAttribute('data-chain'));
});
window.addEventListener('popstate', fromLocation);
fromLocation();
})();
`
