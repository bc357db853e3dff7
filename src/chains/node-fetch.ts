/**
 * A `fetch` for JSON-RPC POSTs on Node, over `node:http` / `node:https` with keep-alive agents,
 * handed to viem's HTTP transport as its `fetchFn` by the Node composition (`src/serve.ts`, the
 * CLI). Node's global fetch (undici) builds a WHATWG Request, Headers and a web stream per
 * request; at two JSON-RPC POSTs per wallet read that was the largest share of a wallet request's
 * CPU (`scripts/bench/wallet-cpu.ts`). This one writes the body and collects the answer as one
 * string, and returns the small part of `Response` viem's transport reads (`ok`, `status`,
 * `statusText`, `headers.get`, `text()`, `body: null`), so viem's own error classes, retries and
 * timeout apply unchanged: a connection error rejects (viem: HttpRequestError without status, so
 * RPC_UNAVAILABLE), an abort rejects with an `AbortError`, an HTTP error status is viem's to judge.
 *
 * The answer is capped at `maxBodyBytes` (10 MiB, viem's default cap): past it the socket is
 * destroyed and the call rejects. Workers keep the platform's fetch (no Node modules there).
 */
import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http'
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https'

/** Options of {@link createNodeFetch}. */
export interface NodeFetchOptions {
  /** Sockets kept per origin (concurrent requests beyond wait for one). Default 64. */
  maxSockets?: number
  /** Largest answer accepted, bytes. Default 10 MiB. */
  maxBodyBytes?: number
}

/** The part of a fetch `Response` viem's HTTP transport reads. */
interface RpcResponse {
  ok: boolean
  status: number
  statusText: string
  headers: { get(name: string): string | null }
  body: null
  text(): Promise<string>
  json(): Promise<unknown>
}

function abortError(signal: AbortSignal): Error {
  const reason: unknown = signal.reason
  if (reason instanceof Error && reason.name === 'AbortError') return reason
  return new DOMException('the request was aborted', 'AbortError')
}

/**
 * A fetch over Node's http/https with keep-alive agents (one pair per call of this function: the
 * composition root makes one per process).
 */
export function createNodeFetch(options: NodeFetchOptions = {}): typeof fetch {
  const maxSockets = options.maxSockets ?? 64
  const maxBodyBytes = options.maxBodyBytes ?? 10 * 1024 * 1024
  const agents = {
    'http:': new HttpAgent({ keepAlive: true, maxSockets }),
    'https:': new HttpsAgent({ keepAlive: true, maxSockets }),
  }
  const nodeFetch = (input: string | URL | Request, init: RequestInit = {}): Promise<RpcResponse> =>
    new Promise<RpcResponse>((resolve, reject) => {
      const url = new URL(typeof input === 'string' ? input : input instanceof URL ? input.href : input.url)
      const protocol = url.protocol
      if (protocol !== 'http:' && protocol !== 'https:') {
        reject(new TypeError(`unsupported protocol ${protocol}`))
        return
      }
      const signal = init.signal ?? undefined
      if (signal?.aborted) {
        reject(abortError(signal))
        return
      }
      const body = typeof init.body === 'string' ? init.body : init.body == null ? '' : String(init.body)
      const headers: Record<string, string> = {}
      const given = init.headers
      if (given instanceof Headers || Array.isArray(given))
        new Headers(given).forEach((v, k) => {
          headers[k] = v
        })
      else if (given) for (const [k, v] of Object.entries(given)) headers[k.toLowerCase()] = String(v)
      headers['content-length'] = String(Buffer.byteLength(body))
      const auth =
        url.username || url.password
          ? `${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`
          : undefined
      const send = protocol === 'https:' ? httpsRequest : httpRequest
      let settled = false
      const onAbort = () => {
        if (settled) return
        settled = true
        req.destroy()
        reject(abortError(signal!))
      }
      const req = send(
        {
          protocol,
          hostname: url.hostname,
          port: url.port || undefined,
          path: `${url.pathname}${url.search}`,
          method: init.method ?? 'POST',
          headers,
          agent: agents[protocol],
          ...(auth ? { auth } : {}),
        },
        (res: IncomingMessage) => {
          const chunks: Buffer[] = []
          let size = 0
          res.on('data', (chunk: Buffer) => {
            size += chunk.length
            if (size > maxBodyBytes) {
              if (settled) return
              settled = true
              signal?.removeEventListener('abort', onAbort)
              res.destroy()
              reject(new Error(`the answer is larger than ${maxBodyBytes} bytes`))
              return
            }
            chunks.push(chunk)
          })
          res.on('error', (err) => {
            if (settled) return
            settled = true
            signal?.removeEventListener('abort', onAbort)
            reject(err)
          })
          res.on('end', () => {
            if (settled) return
            settled = true
            signal?.removeEventListener('abort', onAbort)
            const text = Buffer.concat(chunks, size).toString('utf8')
            const status = res.statusCode ?? 0
            resolve({
              ok: status >= 200 && status < 300,
              status,
              statusText: res.statusMessage ?? '',
              headers: {
                get(name: string) {
                  const v = res.headers[name.toLowerCase()]
                  return v === undefined ? null : Array.isArray(v) ? v.join(', ') : v
                },
              },
              body: null,
              text: async () => text,
              json: async () => JSON.parse(text) as unknown,
            })
          })
        },
      )
      req.on('error', (err) => {
        if (settled) return
        settled = true
        signal?.removeEventListener('abort', onAbort)
        reject(err)
      })
      signal?.addEventListener('abort', onAbort, { once: true })
      req.end(body)
    })
  return nodeFetch as unknown as typeof fetch
}
