/**
 * The dashboard's watches panel (a fragment of the inline script, sharing its helpers: `el`,
 * `add`, `panel`, `short`): the monitoring API (`/v1/watches*`, Bearer key) from the page.
 * An API key field (kept in `localStorage` under `stacklens.apiKey`, sent only to this origin);
 * "watch this wallet": a watch of the wallet in view (address + chain) with a rule editor over
 * every metric the API accepts (health factor below x, liquidation distance below y, effective
 * leverage above z, cascade shock of an asset below w, P(liquidation within N days) above p,
 * position change above t, unavailable; an optional re-arm margin each) and one webhook (URL +
 * secret, "generate" makes a random one); the key's watches with test and delete; each watch's
 * alert history (`GET /v1/watches/{id}/alerts`) with every delivery's status. API errors show
 * their code and message (`watches-error`).
 *
 * Stable `data-testid`s: `watches-key`, `watches-key-save`, `watch-rule-metric-<i>`,
 * `watch-rule-param-<i>`, `watch-rule-value-<i>`, `watch-rule-rearm-<i>`, `watch-rule-add`,
 * `watch-rule-remove-<i>`, `watch-webhook`, `watch-secret`, `watch-secret-generate`,
 * `watch-cooldown`, `watch-create`, `watches-error`, `watches-status`, `watches-refresh`,
 * `watches-list` (`data-state` idle|loading|ready|error), `watch-<id>` (`data-address`),
 * `watch-rules-<id>`, `watch-test-<id>`, `watch-test-result-<id>`, `watch-delete-<id>`,
 * `watch-alerts-<id>` (`data-count`), `alert-<alertId>` (`data-status` of its first delivery).
 */
export const WATCHES_SCRIPT = `
// ---------- watches ----------
var WATCH_KEY_STORE = 'stacklens.apiKey';
// metric, label, threshold field, extra parameter, default threshold, unit hint
var WATCH_METRICS = [
  ['healthFactor', 'health factor below', 'below', null, 1.1, 'health factor'],
  ['liquidationDistance', 'distance to liquidation below', 'below', null, 0.05, 'fraction of the price, 0.05 = 5%'],
  ['effectiveLeverage', 'effective leverage above', 'above', null, 5, 'leverage ×'],
  ['cascadeShock', 'cascade-inclusive shock below', 'below', 'asset', 0.3, 'fraction of the asset’s price move'],
  ['liquidationProbability', 'P(liquidation) above', 'above', 'horizonDays', 0.05, 'probability, 0..1'],
  ['positionChange', 'position change above', 'threshold', null, 0.2, 'fraction of its size'],
  ['unavailable', 'a position becomes unavailable', null, null, null, ''],
];
function watchMetric(m) { for (var i = 0; i < WATCH_METRICS.length; i++) if (WATCH_METRICS[i][0] === m) return WATCH_METRICS[i]; return WATCH_METRICS[0]; }
function storedApiKey() { try { return localStorage.getItem(WATCH_KEY_STORE) || ''; } catch (e) { return ''; } }
function storeApiKey(k) { try { if (k) localStorage.setItem(WATCH_KEY_STORE, k); else localStorage.removeItem(WATCH_KEY_STORE); } catch (e) { /* storage disabled: the key lives in the field only */ } }
function watchApi(method, path, body) {
  var h = { accept: 'application/json', authorization: 'Bearer ' + storedApiKey() };
  if (body !== undefined) h['content-type'] = 'application/json';
  return fetch(path, { method: method, headers: h, body: body === undefined ? undefined : JSON.stringify(body) }).then(function (r) {
    if (r.status === 204) return null;
    return r.json().catch(function () { return null; }).then(function (b) {
      if (!r.ok) {
        var e = (b && b.error) || {};
        var err = new Error((e.code ? e.code + ': ' : '') + (e.message || 'HTTP ' + r.status));
        err.status = r.status; err.code = e.code;
        throw err;
      }
      return b;
    });
  }, function (e) { throw new Error('network error: ' + (e && e.message)); });
}
function watchRuleText(r) {
  var m = watchMetric(r.metric), s;
  if (r.metric === 'unavailable') return m[1];
  if (r.metric === 'cascadeShock') s = r.asset + ' cascade-inclusive shock below ' + r.below;
  else if (r.metric === 'liquidationProbability') s = 'P(liquidation, ' + r.horizonDays + 'd) above ' + r.above;
  else s = m[1] + ' ' + r[m[2]];
  return s + (r.rearmMargin ? ' (re-arm ' + r.rearmMargin + ')' : '');
}
function deliveryText(d) {
  return d.status + (d.lastStatus != null ? ' (HTTP ' + d.lastStatus + (d.lastError ? ', ' + d.lastError : '') + ')' : '') + ' after ' + d.attempts + ' attempt' + (d.attempts === 1 ? '' : 's');
}
function loadWatches(g, address, chain) {
  var input = function (a) { return el('input', Object.assign({ class: 'winput', autocomplete: 'off', spellcheck: 'false' }, a)); };
  var keyIn = input({ type: 'password', 'data-testid': 'watches-key', placeholder: 'sk_… API key (stacklens keys create)', 'aria-label': 'API key', value: storedApiKey() });
  var errBox = el('div', { class: 'perr', role: 'alert', 'data-testid': 'watches-error', hidden: true });
  var status = el('div', { class: 'legend', 'data-testid': 'watches-status' });
  var list = el('div', { 'data-testid': 'watches-list', 'data-state': 'idle' });
  var rules = el('div', { class: 'wrules' });
  var hook = input({ type: 'url', 'data-testid': 'watch-webhook', placeholder: 'https://… webhook URL', 'aria-label': 'webhook URL' });
  var secret = input({ type: 'text', 'data-testid': 'watch-secret', placeholder: 'secret (16+ characters)', 'aria-label': 'webhook secret' });
  var cooldown = input({ type: 'number', min: 0, step: 1, 'data-testid': 'watch-cooldown', placeholder: 'cooldown s (900)', 'aria-label': 'cooldown in seconds', style: 'width:160px' });
  function fail(e) { errBox.textContent = e.message; errBox.hidden = false; }
  function clearErr() { errBox.textContent = ''; errBox.hidden = true; }

  function renumber() {
    Array.prototype.forEach.call(rules.children, function (row, i) {
      ['metric', 'param', 'value', 'rearm', 'remove'].forEach(function (k) { row.querySelector('.w-' + k).setAttribute('data-testid', 'watch-rule-' + k + '-' + i); });
    });
  }
  function ruleRow(metric) {
    var sel = el('select', { class: 'winput w-metric', 'aria-label': 'metric' }, WATCH_METRICS.map(function (m) { return el('option', { value: m[0], text: m[1] }); }));
    sel.value = metric;
    var param = input({ class: 'winput w-param', style: 'width:90px' });
    var value = input({ class: 'winput w-value', type: 'number', step: 'any', style: 'width:110px', 'aria-label': 'threshold' });
    var rearm = input({ class: 'winput w-rearm', type: 'number', step: 'any', min: 0, style: 'width:140px', placeholder: 're-arm margin', 'aria-label': 're-arm margin' });
    var unit = el('small', { class: 'muted' });
    var remove = el('button', { type: 'button', class: 'wbtn w-remove', title: 'remove this rule', text: '✕' });
    var row = el('div', { class: 'wrule' }, [sel, param, value, rearm, unit, remove]);
    function sync() {
      var m = watchMetric(sel.value);
      param.hidden = !m[3];
      param.placeholder = m[3] === 'asset' ? 'asset (ETH)' : 'days (30)';
      if (m[3] === 'asset' && !param.value) param.value = 'ETH';
      if (m[3] === 'horizonDays' && !param.value) param.value = '30';
      value.hidden = !m[2]; rearm.hidden = !m[2] || m[0] === 'positionChange';
      if (m[2]) value.value = String(m[4]);
      unit.textContent = m[5];
    }
    sel.addEventListener('change', sync);
    remove.addEventListener('click', function () { if (rules.children.length > 1) { rules.removeChild(row); renumber(); } });
    sync();
    return row;
  }
  function addRule(metric) { rules.appendChild(ruleRow(metric)); renumber(); }
  function collectRules() {
    return Array.prototype.map.call(rules.children, function (row, i) {
      var m = watchMetric(row.querySelector('.w-metric').value);
      var r = { metric: m[0] };
      var p = row.querySelector('.w-param').value.trim(), v = row.querySelector('.w-value').value.trim(), rm = row.querySelector('.w-rearm').value.trim();
      if (m[3] === 'asset') r.asset = p;
      if (m[3] === 'horizonDays') r.horizonDays = Number(p);
      if (m[2]) {
        if (v === '' || !isFinite(Number(v))) throw new Error('rule ' + (i + 1) + ' (' + m[1] + '): a number is required');
        r[m[2]] = Number(v);
      }
      if (m[2] && m[0] !== 'positionChange' && rm !== '') r.rearmMargin = Number(rm);
      return r;
    });
  }

  function drawAlerts(box, alerts) {
    box.textContent = '';
    box.setAttribute('data-count', String(alerts.length));
    if (!alerts.length) return add(box, el('div', { class: 'empty', text: 'No alerts yet.' }));
    add(box, el('table', { class: 'grid' }, [
      el('tr', {}, ['time (UTC)', 'chain', 'block', 'alert', 'before → after', 'delivery'].map(function (h) { return el('th', { text: h }); })),
      alerts.map(function (a) {
        var d = a.deliveries[0];
        return el('tr', { 'data-testid': 'alert-' + a.id, 'data-status': d ? d.status : '' }, [
          el('td', { text: a.createdAt.slice(0, 19).replace('T', ' ') }), el('td', { text: a.chain }), el('td', { class: 'num', text: a.block }),
          el('td', { text: a.message }),
          el('td', { class: 'num', text: (a.before == null ? '–' : Number(a.before.toPrecision(6))) + ' → ' + (a.after == null ? '–' : Number(a.after.toPrecision(6))) }),
          el('td', { class: 'muted', text: a.deliveries.map(deliveryText).join('; ') || 'no target' }),
        ]);
      }),
    ]));
  }
  function watchBox(w) {
    var alerts = el('div', { 'data-testid': 'watch-alerts-' + w.id }, el('div', { class: 'loading' }, [el('span', { class: 'spin' }), 'Loading alerts…']));
    var testResult = el('span', { class: 'muted', 'data-testid': 'watch-test-result-' + w.id });
    var test = el('button', { type: 'button', class: 'wbtn', 'data-testid': 'watch-test-' + w.id, text: 'Send test' });
    var del = el('button', { type: 'button', class: 'wbtn', 'data-testid': 'watch-delete-' + w.id, text: 'Delete' });
    test.addEventListener('click', function () {
      testResult.textContent = 'sending…';
      watchApi('POST', '/v1/watches/' + w.id + '/test').then(function (r) {
        testResult.textContent = r.results.map(function (x) { return 'target ' + x.targetIndex + ': ' + (x.ok ? 'delivered' : 'failed') + ' (HTTP ' + x.status + (x.error ? ', ' + x.error : '') + (x.reason ? ': ' + x.reason : '') + ')'; }).join('; ');
      }, function (e) { testResult.textContent = ''; fail(e); });
    });
    del.addEventListener('click', function () {
      if (!window.confirm('Delete watch ' + w.id + ' and its alert history?')) return;
      clearErr();
      watchApi('DELETE', '/v1/watches/' + w.id).then(function () { status.textContent = 'Deleted ' + w.id + '.'; refresh(); }, fail);
    });
    watchApi('GET', '/v1/watches/' + w.id + '/alerts?limit=20').then(function (r) { drawAlerts(alerts, r.alerts); }, function (e) {
      alerts.textContent = ''; add(alerts, el('div', { class: 'perr', text: e.message }));
    });
    var mine = w.address.toLowerCase() === address.toLowerCase();
    return el('div', { class: 'wbox' + (mine ? ' mine' : ''), 'data-testid': 'watch-' + w.id, 'data-address': w.address }, [
      el('div', { class: 'whead' }, [
        el('b', { text: w.label || short(w.address) }), el('code', { title: w.address, text: ' ' + w.id }),
        el('span', { class: 'chip', text: w.chains.join(', ') }), mine ? el('span', { class: 'chip', text: 'this wallet' }) : null,
        test, del, testResult,
      ]),
      el('div', { class: 'legend', 'data-testid': 'watch-rules-' + w.id, text: 'Rules: ' + w.rules.map(watchRuleText).join(' · ') + ' · webhooks: ' + w.webhooks.map(function (t) { return t.url; }).join(', ') + ' · cooldown ' + w.cooldownSeconds + ' s' }),
      alerts,
    ]);
  }
  function refresh() {
    list.textContent = '';
    if (!storedApiKey()) {
      list.setAttribute('data-state', 'idle');
      return add(list, el('div', { class: 'empty', text: 'Enter an API key to see and create watches (an admin makes one with: stacklens keys create).' }));
    }
    list.setAttribute('data-state', 'loading');
    add(list, el('div', { class: 'loading' }, [el('span', { class: 'spin' }), 'Loading watches…']));
    watchApi('GET', '/v1/watches').then(function (r) {
      if (g !== gen) return;
      list.textContent = '';
      list.setAttribute('data-state', 'ready');
      if (!r.watches.length) return add(list, el('div', { class: 'empty', text: 'No watches for this key yet.' }));
      var ws = r.watches.slice().sort(function (a, b) { return (b.address.toLowerCase() === address.toLowerCase()) - (a.address.toLowerCase() === address.toLowerCase()); });
      add(list, ws.map(watchBox));
    }, function (e) {
      if (g !== gen) return;
      list.textContent = '';
      list.setAttribute('data-state', 'error');
      add(list, el('div', { class: 'perr', role: 'alert', text: e.status === 404 && e.code !== 'UNAUTHORIZED' ? 'Monitoring is not enabled on this server (no /v1/watches).' : e.message }));
    });
  }

  var save = el('button', { type: 'button', class: 'wbtn', 'data-testid': 'watches-key-save', text: 'Use key' });
  save.addEventListener('click', function () { storeApiKey(keyIn.value.trim()); clearErr(); refresh(); });
  keyIn.addEventListener('keydown', function (ev) { if (ev.key === 'Enter') { ev.preventDefault(); save.click(); } });
  var genSecret = el('button', { type: 'button', class: 'wbtn', 'data-testid': 'watch-secret-generate', text: 'generate' });
  genSecret.addEventListener('click', function () {
    var b = crypto.getRandomValues(new Uint8Array(24));
    secret.value = Array.prototype.map.call(b, function (x) { return ('0' + x.toString(16)).slice(-2); }).join('');
  });
  var addBtn = el('button', { type: 'button', class: 'wbtn', 'data-testid': 'watch-rule-add', text: '+ rule' });
  addBtn.addEventListener('click', function () { addRule('liquidationDistance'); });
  var create = el('button', { type: 'button', class: 'wbtn primary', 'data-testid': 'watch-create', text: 'Watch this wallet' });
  create.addEventListener('click', function () {
    clearErr();
    status.textContent = '';
    if (!storedApiKey()) { if (keyIn.value.trim()) storeApiKey(keyIn.value.trim()); else return fail(new Error('Enter an API key first.')); }
    var body;
    try {
      body = { address: address, chain: chain, rules: collectRules(), webhook: { url: hook.value.trim(), secret: secret.value } };
    } catch (e) { return fail(e); }
    if (cooldown.value.trim() !== '') body.cooldownSeconds = Number(cooldown.value);
    create.disabled = true;
    watchApi('POST', '/v1/watches', body).then(function (w) {
      create.disabled = false;
      status.textContent = 'Watching ' + w.address + ' on ' + w.chains.join(', ') + ' as ' + w.id + '.';
      refresh();
    }, function (e) { create.disabled = false; fail(e); });
  });
  addRule('healthFactor');
  panel('watches', 'ready', [
    el('div', { class: 'wline' }, [keyIn, save]),
    el('div', { class: 'wform' }, [
      el('b', {}, ['Watch ', el('code', { text: short(address) }), ' on ' + chain + ': alert when']),
      rules, el('div', { class: 'wline' }, [addBtn]),
      el('div', { class: 'wline' }, [hook, secret, genSecret, cooldown, create]),
      el('div', { class: 'legend', text: 'Alerts are POSTed to the webhook, signed: Stacklens-Signature: t=<unix s>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>, with Stacklens-Idempotency-Key. The key stays in this browser (localStorage).' }),
    ]),
    errBox, status,
    el('div', { class: 'wline' }, [el('b', { text: 'Watches of this key' }), (function () { var b = el('button', { type: 'button', class: 'wbtn', 'data-testid': 'watches-refresh', text: 'Refresh' }); b.addEventListener('click', function () { clearErr(); refresh(); }); return b; })()]),
    list,
  ]);
  refresh();
}
`

/** The watches panel's CSS (appended to the dashboard's). */
export const WATCHES_STYLE = `
.p-watches{grid-column:1/-1}
.winput{font:13px ui-monospace,monospace;padding:5px 8px;border:1px solid var(--line);border-radius:6px;background:var(--card);color:var(--fg)}
.winput[hidden]{display:none}
.wline{display:flex;gap:6px;flex-wrap:wrap;align-items:center;margin:6px 0}.wline .winput[type=url],.wline .winput[type=password]{flex:1 1 260px}
.wrule{display:flex;gap:6px;flex-wrap:wrap;align-items:center;margin:4px 0}
.wform{border:1px solid var(--line);border-radius:8px;padding:8px 10px;margin:8px 0}
.wbtn{font:13px system-ui,sans-serif;padding:5px 10px;border:1px solid var(--line);border-radius:6px;background:var(--card);color:var(--fg);cursor:pointer}
.wbtn.primary{background:var(--accent);color:#fff;border-color:var(--accent)}
.wbox{border:1px solid var(--line);border-radius:8px;padding:8px 10px;margin:6px 0}.wbox.mine{border-color:var(--accent)}
.whead{display:flex;gap:8px;flex-wrap:wrap;align-items:center}
`
