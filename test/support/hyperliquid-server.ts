/**
 * A local stand-in for Hyperliquid's info API (`POST /info`), named as a double: it serves
 * scripted answers per request so tests exercise the adapter's real HTTP path (status codes,
 * headers, bodies) without the venue. It speaks the request types the adapter sends:
 * `clearinghouseState` (per user, and per HIP-3 dex with `dex`), `perpDexs`, `meta` and
 * `metaAndAssetCtxs` (per dex).
 * An unscripted `perpDexs` answers `[null]` (the venue's answer when no HIP-3 dex is deployed);
 * anything else unscripted answers 422, as the venue does to a body it cannot deserialize.
 */
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'

/** One scripted answer: an HTTP status and a JSON body, or a raw text body. */
export interface ScriptedAnswer {
  status: number
  body?: unknown
  raw?: string
  headers?: Record<string, string>
  /** Answer after this many milliseconds (to observe concurrency). */
  delayMs?: number
}

/** A running double. */
export interface HyperliquidServerDouble {
  /** Base URL, e.g. http://127.0.0.1:43123 (the client appends /info). */
  url: string
  /** Every request body received, in order. */
  requests: Array<Record<string, unknown>>
  /** The most requests that were pending at once so far. */
  maxInFlight(): number
  /**
   * Scripts the answers to `clearinghouseState` for `user` (lowercase 0x address) on the default
   * dex, or on HIP-3 dex `dex`: served in order, the last one repeated.
   */
  script(user: string, answers: ScriptedAnswer[], dex?: string): void
  /** Scripts the answers to `perpDexs`, or to `meta` / `metaAndAssetCtxs` of `dex` ("" = the default dex). */
  scriptInfo(type: 'perpDexs' | 'meta' | 'metaAndAssetCtxs', answers: ScriptedAnswer[], dex?: string): void
  close(): Promise<void>
}

/** Starts the double on 127.0.0.1 on a free port. */
export async function startHyperliquidServer(): Promise<HyperliquidServerDouble> {
  const scripts = new Map<string, { answers: ScriptedAnswer[]; served: number }>()
  const requests: Array<Record<string, unknown>> = []
  let inFlight = 0
  let maxInFlight = 0
  const server: Server = createServer((req, res) => {
    let text = ''
    req.on('data', (chunk: Buffer) => {
      text += chunk.toString('utf8')
    })
    req.on('end', () => {
      let body: Record<string, unknown> = {}
      try {
        body = JSON.parse(text) as Record<string, unknown>
      } catch {
        // The real API answers 422 to a body it cannot deserialize.
        res.writeHead(422, { 'content-type': 'text/plain' }).end('Failed to deserialize the JSON body')
        return
      }
      requests.push(body)
      const dex = typeof body.dex === 'string' ? body.dex : ''
      const key =
        body.type === 'clearinghouseState'
          ? `user:${String(body.user)}@${dex}`
          : body.type === 'perpDexs'
            ? 'perpDexs'
            : body.type === 'meta'
              ? `meta@${dex}`
              : body.type === 'metaAndAssetCtxs'
                ? `metaAndAssetCtxs@${dex}`
                : undefined
      const script = req.url === '/info' && key ? scripts.get(key) : undefined
      if (!script && req.url === '/info' && key === 'perpDexs') {
        res.writeHead(200, { 'content-type': 'application/json' }).end('[null]')
        return
      }
      if (!script) {
        res.writeHead(422, { 'content-type': 'text/plain' }).end('Failed to deserialize the JSON body')
        return
      }
      const answer = script.answers[Math.min(script.served, script.answers.length - 1)]!
      script.served++
      inFlight++
      maxInFlight = Math.max(maxInFlight, inFlight)
      setTimeout(() => {
        inFlight--
        res.writeHead(answer.status, { 'content-type': 'application/json', ...answer.headers })
        res.end(answer.raw ?? JSON.stringify(answer.body ?? null))
      }, answer.delayMs ?? 0)
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    maxInFlight: () => maxInFlight,
    script(user, answers, dex = '') {
      scripts.set(`user:${user.toLowerCase()}@${dex}`, { answers, served: 0 })
    },
    scriptInfo(type, answers, dex = '') {
      scripts.set(type === 'perpDexs' ? 'perpDexs' : `${type}@${dex}`, { answers, served: 0 })
    },
    close: () => new Promise<void>((resolve, reject) => server.close((e) => (e ? reject(e) : resolve()))),
  }
}
