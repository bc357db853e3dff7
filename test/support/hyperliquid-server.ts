/**
 * A local stand-in for Hyperliquid's info API (`POST /info`), named as a double: it serves
 * scripted answers per user so tests exercise the adapter's real HTTP path (status codes,
 * headers, bodies) without the venue.
 */
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'

/** One scripted answer: an HTTP status and a JSON body, or a raw text body. */
export interface ScriptedAnswer {
  status: number
  body?: unknown
  raw?: string
  headers?: Record<string, string>
}

/** A running double. */
export interface HyperliquidServerDouble {
  /** Base URL, e.g. http://127.0.0.1:43123 (the client appends /info). */
  url: string
  /** Every request body received, in order. */
  requests: Array<Record<string, unknown>>
  /**
   * Scripts the answers to `clearinghouseState` for `user` (lowercase 0x address): served in
   * order, the last one repeated.
   */
  script(user: string, answers: ScriptedAnswer[]): void
  close(): Promise<void>
}

/** Starts the double on 127.0.0.1 on a free port. */
export async function startHyperliquidServer(): Promise<HyperliquidServerDouble> {
  const scripts = new Map<string, { answers: ScriptedAnswer[]; served: number }>()
  const requests: Array<Record<string, unknown>> = []
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
      const script = req.url === '/info' ? scripts.get(String(body.user)) : undefined
      if (!script || body.type !== 'clearinghouseState') {
        res.writeHead(422, { 'content-type': 'text/plain' }).end('Failed to deserialize the JSON body')
        return
      }
      const answer = script.answers[Math.min(script.served, script.answers.length - 1)]!
      script.served++
      res.writeHead(answer.status, { 'content-type': 'application/json', ...answer.headers })
      res.end(answer.raw ?? JSON.stringify(answer.body ?? null))
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    script(user, answers) {
      scripts.set(user.toLowerCase(), { answers, served: 0 })
    },
    close: () => new Promise<void>((resolve, reject) => server.close((e) => (e ? reject(e) : resolve()))),
  }
}
