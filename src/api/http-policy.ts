/**
 * HTTP policy of the API (runtime-agnostic middleware): the CORS policy (a configured origin
 * list, same-origin by default; preflights answered), security headers on HTML pages (a CSP that
 * allows each page's own inline script by its SHA-256 hash, nosniff, frame-ancestors) and 405
 * with `Allow` for a known path asked with a method it does not serve.
 */
import type { Context, MiddlewareHandler } from 'hono'
import { cors } from 'hono/cors'
import { errorBody } from './errors.js'

/**
 * CORS for `origins` (`*` = any origin; empty = same-origin only: no cross-origin headers, so a
 * browser keeps other sites out). Preflights (`OPTIONS`) are answered 204 either way.
 */
export function corsPolicy(origins: readonly string[]): MiddlewareHandler {
  const any = origins.includes('*')
  const allowed = new Set(origins)
  return cors({
    origin: (origin) => (any ? '*' : allowed.has(origin) ? origin : null),
    allowMethods: ['GET', 'POST', 'OPTIONS'],
    allowHeaders: ['content-type', 'x-api-key'],
    exposeHeaders: ['Retry-After'],
    maxAge: 600,
  })
}

async function sha256Base64(text: string): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text))
  let bin = ''
  for (const b of new Uint8Array(digest)) bin += String.fromCharCode(b)
  return btoa(bin)
}

const INLINE_SCRIPT = /<script>([\s\S]*?)<\/script>/g

/** The CSP of an HTML page: its own inline scripts by hash, nothing from elsewhere. */
export async function contentSecurityPolicy(html: string): Promise<string> {
  const hashes = await Promise.all([...html.matchAll(INLINE_SCRIPT)].map((m) => sha256Base64(m[1] ?? '')))
  return [
    "default-src 'self'",
    `script-src 'self'${hashes.map((h) => ` 'sha256-${h}'`).join('')}`,
    // Inline style blocks and the SVG's style attributes: styles cannot run code.
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data:",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join('; ')
}

/** Security headers on every HTML answer (the CSP computed once per distinct page). */
export function htmlSecurityHeaders(): MiddlewareHandler {
  const cspOf = new Map<string, string>()
  return async (c, next) => {
    await next()
    c.header('X-Content-Type-Options', 'nosniff')
    if (!c.res.headers.get('content-type')?.startsWith('text/html')) return
    const html = await c.res.clone().text()
    let csp = cspOf.get(html)
    if (csp === undefined) {
      csp = await contentSecurityPolicy(html)
      if (cspOf.size > 64) cspOf.clear()
      cspOf.set(html, csp)
    }
    c.header('Content-Security-Policy', csp)
    c.header('X-Frame-Options', 'DENY')
    c.header('Referrer-Policy', 'no-referrer')
  }
}

/** The methods each known path serves (OpenAPI templates such as `/v1/wallets/{address}`). */
export type PathMethods = ReadonlyMap<string, readonly string[]>

function templateRegex(template: string): RegExp {
  const parts = template.split(/\{[^}]+\}/).map((p) => p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
  return new RegExp(`^${parts.join('[^/]+')}$`)
}

/**
 * The not-found answer: 405 METHOD_NOT_ALLOWED with `Allow` when the path is known under other
 * methods, else 404 NOT_FOUND.
 */
export function notFoundOrNotAllowed(paths: () => PathMethods) {
  let compiled: { re: RegExp; methods: readonly string[] }[] | undefined
  return (c: Context) => {
    compiled ??= [...paths()].map(([t, methods]) => ({ re: templateRegex(t), methods }))
    const allow = new Set<string>()
    for (const { re, methods } of compiled) if (re.test(c.req.path)) for (const m of methods) allow.add(m)
    if (allow.size > 0) {
      if (allow.has('GET')) allow.add('HEAD')
      allow.add('OPTIONS')
      const list = [...allow].join(', ')
      c.header('Allow', list)
      return c.json(
        errorBody('METHOD_NOT_ALLOWED', `${c.req.method} is not allowed on ${c.req.path}; allowed: ${list}`),
        405,
      )
    }
    return c.json(errorBody('NOT_FOUND', `no route for ${c.req.method} ${c.req.path}`), 404)
  }
}
