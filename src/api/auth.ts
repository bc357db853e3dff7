/**
 * API-key authentication of `/v1/watches*`: `Authorization: Bearer <key>`; the key's SHA-256 is
 * looked up in the monitoring store. No header, a malformed one or an unknown/revoked key: 401
 * UNAUTHORIZED (with `WWW-Authenticate: Bearer`). The wallet read routes stay public.
 */
import type { MiddlewareHandler } from 'hono'
import { API_KEY_PATTERN, hashApiKey } from '../monitor/keys.js'
import type { ApiKeyRecord, MonitorStore } from '../monitor/types.js'
import { errorBody } from './errors.js'

/** The Hono variables the auth middleware sets. */
export interface AuthVariables {
  apiKey: ApiKeyRecord
}

/** The middleware: sets `c.var.apiKey`, or answers 401. */
export function requireApiKey(store: MonitorStore): MiddlewareHandler<{ Variables: AuthVariables }> {
  return async (c, next) => {
    const header = c.req.header('authorization')
    const match = header ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null
    const unauthorized = (message: string) => {
      c.header('WWW-Authenticate', 'Bearer realm="stacklens"')
      return c.json(errorBody('UNAUTHORIZED', message), 401)
    }
    if (!match)
      return unauthorized(
        'an API key is required: Authorization: Bearer <key> (create one with `stacklens keys create`)',
      )
    const key = match[1]!
    if (!API_KEY_PATTERN.test(key))
      return unauthorized('the API key is malformed (expected sk_ followed by 43 base64url characters)')
    const record = await store.findKeyByHash(await hashApiKey(key))
    if (!record) return unauthorized('the API key is unknown or revoked')
    c.set('apiKey', record)
    await next()
  }
}
