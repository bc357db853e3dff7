/**
 * A counting JSON-RPC proxy for benchmarks: forwards to `target`, adds `delayMs` per HTTP request
 * (a remote RPC's latency), and counts HTTP requests, JSON-RPC calls and sequential round trips
 * (a new "wave" starts when a request arrives while none is in flight).
 */
import { createServer, request as httpRequest, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'

/** Counters of a {@link CountingProxy}. */
export interface ProxyStats {
  http: number
  rpc: number
  waves: number
}

/** A running counting proxy. */
export interface CountingProxy {
  url: string
  stats: ProxyStats
  /** Counters since `since` (a copy of `stats` taken earlier). */
  delta(since: ProxyStats): ProxyStats
  close(): Promise<void>
}

/** Starts a counting proxy in front of `target` on 127.0.0.1. */
export async function startCountingProxy(target: string, delayMs: number): Promise<CountingProxy> {
  const up = new URL(target)
  const stats: ProxyStats = { http: 0, rpc: 0, waves: 0 }
  let inFlight = 0
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      const body = Buffer.concat(chunks)
      stats.http++
      if (inFlight === 0) stats.waves++
      inFlight++
      const parsed = JSON.parse(body.toString()) as unknown
      stats.rpc += Array.isArray(parsed) ? parsed.length : 1
      setTimeout(() => {
        const forward = httpRequest(
          {
            host: up.hostname,
            port: up.port,
            method: 'POST',
            path: '/',
            headers: { 'content-type': 'application/json' },
          },
          (upRes) => {
            const out: Buffer[] = []
            upRes.on('data', (c: Buffer) => out.push(c))
            upRes.on('end', () => {
              inFlight--
              res.writeHead(upRes.statusCode ?? 200, { 'content-type': 'application/json' })
              res.end(Buffer.concat(out))
            })
          },
        )
        forward.end(body)
      }, delayMs)
    })
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()))
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    stats,
    delta: (since) => ({
      http: stats.http - since.http,
      rpc: stats.rpc - since.rpc,
      waves: stats.waves - since.waves,
    }),
    close: () => new Promise<void>((r) => server.close(() => r())),
  }
}
