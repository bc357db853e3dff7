import { escapeHtml, page } from './html.js'

interface OpenApiParameter {
  name: string
  in: string
  required?: boolean
  description?: string
  schema?: { example?: unknown }
}
interface OpenApiOperation {
  summary?: string
  description?: string
  parameters?: OpenApiParameter[]
  responses?: Record<string, { description?: string }>
}

/**
 * The API reference page at `/docs`, rendered on the server from the app's own OpenAPI document:
 * every route, its parameters and responses, and the error model. Self-contained HTML.
 */
export function renderDocsPage(doc: {
  info: { title: string; description?: string }
  paths?: unknown
}): string {
  const paths = (doc.paths ?? {}) as Record<string, Record<string, OpenApiOperation>>
  const routes = Object.entries(paths)
    .flatMap(([path, ops]) =>
      Object.entries(ops).map(([method, op]) => {
        const params = (op.parameters ?? [])
          .map(
            (p) =>
              `<tr><td><code>${escapeHtml(p.name)}</code></td><td>${escapeHtml(p.in)}</td><td>${
                p.required ? 'required' : 'optional'
              }</td><td>${escapeHtml(p.description ?? '')}${
                p.schema?.example !== undefined
                  ? ` <span class="muted">e.g. <code>${escapeHtml(String(p.schema.example))}</code></span>`
                  : ''
              }</td></tr>`,
          )
          .join('')
        const responses = Object.entries(op.responses ?? {})
          .map(
            ([status, r]) =>
              `<tr><td><code>${escapeHtml(status)}</code></td><td>${escapeHtml(r.description ?? '')}</td></tr>`,
          )
          .join('')
        return `<section class="card" id="${escapeHtml(`${method}-${path}`)}">
<h3><span class="method">${escapeHtml(method.toUpperCase())}</span><code>${escapeHtml(path)}</code></h3>
<p>${escapeHtml(op.summary ?? '')}</p>${op.description ? `<p class="muted">${escapeHtml(op.description)}</p>` : ''}
${params ? `<table><tr><th>parameter</th><th>in</th><th></th><th>description</th></tr>${params}</table>` : ''}
<table><tr><th>status</th><th>meaning</th></tr>${responses}</table></section>`
      }),
    )
    .join('\n')
  return page(
    `${doc.info.title} reference`,
    `<h1>${escapeHtml(doc.info.title)}</h1><p class="muted">${escapeHtml(doc.info.description ?? '')}</p>
<p>Machine-readable spec: <a href="/openapi.json">/openapi.json</a> (OpenAPI 3.1).</p>
<h2>Errors</h2><p>Every error is <code>{ "error": { "code", "message" } }</code>: 400 for bad input (INVALID_ADDRESS, INVALID_BLOCK, UNKNOWN_CHAIN, CHAIN_NOT_CONFIGURED, BLOCK_OUT_OF_RANGE, INVALID_REQUEST), 404 for unknown routes, 502 when an upstream answers with an error, 503 when it cannot be reached.</p>
<h2>Routes</h2>${routes}`,
  )
}
