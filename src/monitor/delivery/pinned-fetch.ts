/**
 * The Node webhook connection pinned to the address the outbound policy checked: a `node:http` /
 * `node:https` request whose `lookup` answers that address and nothing else, so a rebinding
 * resolver cannot swap in 127.0.0.1 (or any refused address) between the check and the connect.
 * The URL's host name stays the Host header, the TLS SNI name and the name the certificate is
 * verified against. A fresh socket per request (no pooled socket of an earlier resolution).
 * Node only.
 */
import { request as httpRequest, type IncomingMessage } from 'node:http'
import { request as httpsRequest } from 'node:https'
import { isIP, type LookupFunction } from 'node:net'
import { Readable } from 'node:stream'
import type { PinnedFetch } from './deliver.js'

/** Statuses whose Response must not have a body (WHATWG fetch). */
const NULL_BODY = new Set([101, 103, 204, 205, 304])

function toResponse(res: IncomingMessage): Response {
  const status = res.statusCode ?? 0
  if (status < 200 || status > 599) {
    res.destroy()
    throw new TypeError(`webhook answered an invalid HTTP status ${status}`)
  }
  const headers = new Headers()
  for (let i = 0; i + 1 < res.rawHeaders.length; i += 2) {
    headers.append(res.rawHeaders[i]!, res.rawHeaders[i + 1]!)
  }
  if (NULL_BODY.has(status)) {
    res.resume()
    return new Response(null, { status, statusText: res.statusMessage ?? '', headers })
  }
  const body = Readable.toWeb(res) as unknown as ReadableStream<Uint8Array>
  return new Response(body, { status, statusText: res.statusMessage ?? '', headers })
}

/**
 * POSTs (or any method) `init` to `url`, connecting to `address` (an IPv4/IPv6 literal) instead of
 * resolving the URL's host. `init.body` must be a string (webhook JSON); `init.signal` aborts the
 * request and its body. Redirects are never followed (the caller sees the 3xx).
 * @throws TypeError for an address that is not an IP literal or a body that is not a string; the
 *   request's network errors (rejected, as fetch does).
 */
export const pinnedNodeFetch: PinnedFetch = (url, init, address) =>
  new Promise<Response>((resolve, reject) => {
    const family = isIP(address)
    if (family === 0) {
      reject(new TypeError(`pinned address ${address} is not an IP literal`))
      return
    }
    if (init.body != null && typeof init.body !== 'string') {
      reject(new TypeError('pinnedNodeFetch sends string bodies only'))
      return
    }
    const u = new URL(url)
    const hostname = u.hostname.replace(/^\[(.*)\]$/, '$1')
    const lookup: LookupFunction = (_host, options, callback) => {
      // Node's connect asks with `all: true` when it races address families (autoSelectFamily).
      if ((options as { all?: boolean }).all) {
        ;(callback as unknown as (e: null, a: { address: string; family: number }[]) => void)(null, [
          { address, family },
        ])
      } else callback(null, address, family)
    }
    const headers: Record<string, string> = {}
    new Headers(init.headers).forEach((v, k) => {
      headers[k] = v
    })
    const body = init.body ?? undefined
    if (body !== undefined) headers['content-length'] = String(Buffer.byteLength(body))
    const options = {
      protocol: u.protocol,
      hostname,
      port: u.port === '' ? undefined : Number(u.port),
      path: `${u.pathname}${u.search}`,
      method: init.method ?? 'GET',
      headers: { ...headers, host: u.host },
      lookup,
      agent: false as const,
      ...(init.signal ? { signal: init.signal } : {}),
      ...(u.protocol === 'https:' && isIP(hostname) === 0 ? { servername: hostname } : {}),
    }
    const req = (u.protocol === 'https:' ? httpsRequest : httpRequest)(options, (res) => {
      try {
        resolve(toResponse(res))
      } catch (err) {
        reject(err)
      }
    })
    req.on('error', reject)
    req.end(body)
  })
