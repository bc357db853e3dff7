/** Escapes text for HTML element content and attribute values. */
export function escapeHtml(value: string): string {
  return value
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&#39;')
}

/** Extra inline assets of a page (trusted, written by stacklens itself: never user input). */
export interface PageAssets {
  /** CSS appended to the shared style sheet. */
  style?: string
  /** JavaScript run at the end of the body. */
  script?: string
}

/** The shared page shell: no external assets, so it works offline and on Workers. */
export function page(title: string, body: string, assets: PageAssets = {}): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>
:root{color-scheme:light dark;--fg:#1b1f24;--muted:#5b6470;--bg:#fbfbfc;--card:#fff;--line:#e3e6ea;--accent:#3b5bdb}
@media (prefers-color-scheme:dark){:root{--fg:#e6e9ee;--muted:#9aa4b1;--bg:#0f1216;--card:#171b21;--line:#2a3038;--accent:#8ea2ff}}
body{font:15px/1.5 system-ui,sans-serif;margin:0;background:var(--bg);color:var(--fg)}
main{max-width:980px;margin:0 auto;padding:24px}
h1{font-size:24px;margin:0 0 4px}h2{font-size:18px;margin:28px 0 8px}h3{font-size:15px;margin:0}
.muted{color:var(--muted)}a{color:var(--accent)}
.card{background:var(--card);border:1px solid var(--line);border-radius:8px;padding:14px 16px;margin:10px 0}
code,pre{font:13px/1.45 ui-monospace,monospace}pre{background:var(--card);border:1px solid var(--line);padding:10px;border-radius:6px;overflow:auto}
.method{display:inline-block;font:600 12px ui-monospace,monospace;padding:2px 6px;border-radius:4px;background:var(--accent);color:#fff;margin-right:8px}
table{border-collapse:collapse;width:100%}td,th{border-bottom:1px solid var(--line);padding:4px 8px;text-align:left;vertical-align:top}
${assets.style ?? ''}</style></head><body><main>${body}</main>${
    assets.script ? `<script>${assets.script.replaceAll('</', '<\\/')}</script>` : ''
  }</body></html>`
}
