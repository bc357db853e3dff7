/**
 * A fault-injecting JSON-RPC proxy on localhost, in front of a real node (the devchain's anvil):
 * it forwards every request (single or batched JSON-RPC) unless a fault rule matches one of its
 * methods, and then answers as an unlucky upstream would: an HTTP status (429, 401 with a body
 * echoing the URL and its key), a hang, malformed JSON, a JSON-RPC error, a dropped connection,
 * garbage hex in place of the result, or an `eth_call` answered from another block. The path and
 * query of the proxy URL are ignored, so tests can put a fake API key in them.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo, Socket } from 'node:net'

/** What the proxy does to a matching request. */
export type Fault =
  /** HTTP `status` with `body` (text). */
  | { kind: 'status'; status: number; body?: string }
  /** Never answers (until the proxy closes). */
  | { kind: 'hang' }
  /** HTTP 200 with a body that is not JSON. */
  | { kind: 'malformed' }
  /** A JSON-RPC error object in place of each matching answer. */
  | { kind: 'rpc-error'; code?: number; message: string }
  /** Destroys the connection without an answer. */
  | { kind: 'drop' }
  /** The node's answer with each matching result replaced by `result` (default garbage hex). */
  | { kind: 'garbage'; result?: string }
  /** `eth_call` pinned to block N is forwarded pinned to N - `blocksBack` (an older state). */
  | { kind: 'other-block'; blocksBack: number }

/** When a fault applies. */
export interface FaultRule {
  /** JSON-RPC methods it applies to; every method when omitted. */
  methods?: readonly string[]
  fault: Fault
}

interface RpcMessage {
  jsonrpc?: string
  id?: number | string | null
  method?: string
  params?: unknown[]
}

/** A running proxy. */
export interface FaultProxy {
  /** Base URL, e.g. http://127.0.0.1:43121 (any path and query may be appended). */
  url: string
  /** The active rule; null forwards everything. */
  setFault(rule: FaultRule | null): void
  /** Every JSON-RPC method seen, in order (batches flattened). */
  methods: string[]
  close(): Promise<void>
}

/** Starts a proxy forwarding to `target` (a JSON-RPC HTTP URL). */
export async function startFaultProxy(target: string): Promise<FaultProxy> {
  let rule: FaultRule | null = null
  const methods: string[] = []
  const sockets = new Set<Socket>()

  const forward = async (body: string): Promise<string> => {
    const res = await fetch(target, { method: 'POST', headers: { 'content-type': 'application/json' }, body })
    return res.text()
  }

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = []
    for await (const c of req) chunks.push(c as Buffer)
    const raw = Buffer.concat(chunks).toString('utf8')
    const parsed = JSON.parse(raw) as RpcMessage | RpcMessage[]
    const messages = Array.isArray(parsed) ? parsed : [parsed]
    for (const m of messages) methods.push(String(m.method))
    const active = rule
    const hits = (m: RpcMessage) =>
      active !== null && (!active.methods || active.methods.includes(String(m.method)))
    if (!active || !messages.some(hits)) {
      res.writeHead(200, { 'content-type': 'application/json' }).end(await forward(raw))
      return
    }
    const fault = active.fault
    switch (fault.kind) {
      case 'status':
        res.writeHead(fault.status, { 'content-type': 'text/plain' }).end(fault.body ?? '')
        return
      case 'hang':
        return
      case 'drop':
        req.socket.destroy()
        return
      case 'malformed':
        res.writeHead(200, { 'content-type': 'application/json' }).end('{"jsonrpc":"2.0","id":1,"result":"0x')
        return
      case 'other-block': {
        for (const m of messages) {
          const tag = m.params?.[1]
          if (hits(m) && m.method === 'eth_call' && typeof tag === 'string' && /^0x[0-9a-f]+$/i.test(tag)) {
            m.params![1] = `0x${(BigInt(tag) - BigInt(fault.blocksBack)).toString(16)}`
          }
        }
        const out = await forward(JSON.stringify(Array.isArray(parsed) ? messages : messages[0]))
        res.writeHead(200, { 'content-type': 'application/json' }).end(out)
        return
      }
      case 'rpc-error':
      case 'garbage': {
        const answered = JSON.parse(await forward(raw)) as RpcMessage | RpcMessage[]
        const answers = (Array.isArray(answered) ? answered : [answered]) as (RpcMessage & {
          result?: unknown
          error?: unknown
        })[]
        const byId = new Map(messages.map((m) => [m.id, m]))
        for (const a of answers) {
          const m = byId.get(a.id)
          if (!m || !hits(m)) continue
          if (fault.kind === 'rpc-error') {
            delete a.result
            a.error = { code: fault.code ?? -32000, message: fault.message }
          } else {
            delete a.error
            a.result = fault.result ?? '0xdeadbeefdeadbeefdeadbe'
          }
        }
        res
          .writeHead(200, { 'content-type': 'application/json' })
          .end(JSON.stringify(Array.isArray(answered) ? answers : answers[0]))
        return
      }
    }
  }

  const server = createServer((req, res) => {
    handle(req, res).catch(() => {
      if (!res.headersSent) res.writeHead(500).end()
    })
  })
  server.on('connection', (s) => {
    sockets.add(s)
    s.on('close', () => sockets.delete(s))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    setFault(next) {
      rule = next
    },
    methods,
    async close() {
      for (const s of sockets) s.destroy()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}
