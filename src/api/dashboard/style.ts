/** The dashboard's CSS (appended to the shared page style; light and dark). */
export const DASHBOARD_STYLE = `
main{max-width:1180px}
header .links{margin:4px 0 12px}
:root{--ok:#2f9e44;--warn:#f08c00;--bad:#e03131;--amber:#e8b100;--pos:#2f9e44;--neg:#e03131;--soft:#eef1f5}
@media (prefers-color-scheme:dark){:root{--soft:#222831}}
form#pick{display:flex;gap:8px;flex-wrap:wrap;margin:8px 0}
form#pick input{flex:1 1 360px;font:14px ui-monospace,monospace;padding:8px 10px;border:1px solid var(--line);border-radius:6px;background:var(--card);color:var(--fg)}
form#pick select,form#pick button{font:14px system-ui,sans-serif;padding:8px 12px;border:1px solid var(--line);border-radius:6px;background:var(--card);color:var(--fg)}
form#pick button{background:var(--accent);color:#fff;border-color:var(--accent);cursor:pointer}
.banner{background:#fff0f0;color:#a51111;border:1px solid #f5b5b5;border-radius:8px;padding:10px 14px;margin:10px 0;font-weight:500}
@media (prefers-color-scheme:dark){.banner{background:#3a1414;color:#ffb3b3;border-color:#6b2424}}
.demos h2{font-size:14px;margin:14px 0 6px;color:var(--muted);font-weight:600}
.demo-grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(250px,1fr));gap:8px}
.demo{display:block;text-decoration:none;color:var(--fg);background:var(--card);border:1px solid var(--line);border-radius:8px;padding:8px 10px;font-size:13px}
.demo:hover,.demo.active{border-color:var(--accent);box-shadow:0 0 0 1px var(--accent)}
.demo b{display:block;color:var(--accent)}
.demo span{display:-webkit-box;-webkit-line-clamp:2;-webkit-box-orient:vertical;overflow:hidden;color:var(--muted)}
.compact .demo-grid{grid-template-columns:repeat(auto-fill,minmax(180px,1fr))}.compact .demo span{display:none}
.wallet-title{margin:18px 0 6px;font-size:15px}.wallet-title code{font-size:14px}
.summary{display:grid;grid-template-columns:repeat(auto-fill,minmax(128px,1fr));gap:8px;margin:8px 0}
.stat{background:var(--card);border:1px solid var(--line);border-radius:8px;padding:8px 12px}
#stat-stack{grid-column:span 2}
.stat small{display:block;color:var(--muted);font-size:12px;white-space:nowrap;overflow:hidden;text-overflow:ellipsis}.stat b{font-size:19px;white-space:nowrap;font-variant-numeric:tabular-nums}
#dash{display:grid;grid-template-columns:1fr 1fr;gap:0 14px}#dash[hidden]{display:none}
#dash>.wallet-title,#dash>.summary,.p-stack,.p-positions,.p-ladder,.p-cascade,.p-surface{grid-column:1/-1}
@media (max-width:820px){#dash{grid-template-columns:1fr}}
.panel{background:var(--card);border:1px solid var(--line);border-radius:8px;padding:12px 16px;margin:7px 0;min-width:0}
.panel h2{margin:0;font-size:16px}.panel .hint{margin:0 0 8px;font-size:12.5px}
.loading{color:var(--muted);padding:18px 0}
.spin{display:inline-block;width:12px;height:12px;border:2px solid var(--line);border-top-color:var(--accent);border-radius:50%;margin-right:8px;vertical-align:-1px;animation:sp .8s linear infinite}
@keyframes sp{to{transform:rotate(360deg)}}
.perr{color:var(--bad);background:transparent;border-left:3px solid var(--bad);padding:6px 10px;margin:6px 0;font-size:14px}
.empty{color:var(--muted);padding:8px 0}
.num{font-variant-numeric:tabular-nums;text-align:right}
td.num,th.num{text-align:right}
svg{display:block;max-width:100%;height:auto;overflow:visible}
svg text{fill:var(--fg);font:11px system-ui,sans-serif}svg .mut{fill:var(--muted)}
.gauges{display:flex;flex-wrap:wrap;gap:10px}
.gauge{width:170px;text-align:center;font-size:12px}
.gauge .hf{font:600 18px ui-monospace,monospace;display:block}
.gauge .lbl{color:var(--muted);display:block;overflow:hidden;text-overflow:ellipsis;white-space:nowrap}
.stackbox{border:1px solid var(--line);border-radius:8px;padding:10px;margin:8px 0}
.insight{display:flex;gap:14px;flex-wrap:wrap;align-items:baseline;margin:0 0 10px;font-size:14px}
.insight .big{font:700 24px system-ui,sans-serif}.insight .strike{color:var(--muted);text-decoration:line-through}
.layers{display:flex;flex-direction:column;gap:0}
.layer{display:grid;grid-template-columns:minmax(190px,1.3fr) repeat(5,minmax(80px,1fr));gap:4px 10px;align-items:center;border:1px solid var(--line);border-left:5px solid var(--accent);border-radius:6px;padding:7px 10px;background:var(--soft)}
.layer .name{min-width:0;overflow:hidden}.layer .name b{display:block}.layer .name small{color:var(--muted)}
.layer .kv small{display:block;color:var(--muted);font-size:11px}.layer .kv span{font-variant-numeric:tabular-nums;font-weight:600}
.link{margin:2px 0 2px 30px;padding:3px 10px;border-left:2px dashed var(--accent);color:var(--muted);font-size:13px}
.link b{color:var(--fg)}
.layer.lev-hi{border-left-color:var(--bad)}.layer.lev-mid{border-left-color:var(--warn)}.layer.lev-lo{border-left-color:var(--ok)}
.bars .row{display:grid;grid-template-columns:60px 1fr 110px;gap:8px;align-items:center;margin:3px 0;font-size:13px}
.bars .track{position:relative;height:16px;background:var(--soft);border-radius:3px}
.bars .mid{position:absolute;left:50%;top:-2px;bottom:-2px;border-left:1px solid var(--muted)}
.bars .fill{position:absolute;top:0;bottom:0;border-radius:3px}
.kpis{display:flex;gap:18px;flex-wrap:wrap;margin:4px 0 10px}.kpis div small{display:block;color:var(--muted);font-size:12px}.kpis div b{font-size:20px}
table.grid td,table.grid th{font-size:13px;padding:3px 8px}
.chip{display:inline-block;border-radius:10px;padding:0 7px;font-size:12px;background:var(--soft)}
.hedge-venue{display:flex;flex-wrap:wrap;gap:6px;align-items:center;margin:0 0 10px;font-size:13px}.hedge-venue input{font:12px ui-monospace,monospace}
div.scroll{overflow-x:auto;max-width:100%}h3.sub{font-size:13px;margin:12px 0 4px}tr.sub td{font-size:12px;padding-top:0}
.legend{font-size:12px;color:var(--muted);margin-top:4px}.legend i{display:inline-block;width:10px;height:10px;border-radius:2px;margin:0 4px 0 10px;vertical-align:-1px}
`
