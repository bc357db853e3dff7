/**
 * DNS rebinding on Node: the delivery resolves a webhook's host, checks every address against the
 * outbound policy, then connects to the CHECKED address (src/monitor/delivery/pinned-fetch.ts),
 * never to a second resolution.
 *
 * TEST DOUBLE: `rebindingResolver` answers a public address (93.184.215.14, example.com's, a
 * hand-picked public unicast address) at its first call and 127.0.0.1 at every later call, as a
 * rebinding DNS server with a zero TTL does. The receiver is a real HTTP server on 127.0.0.1: the
 * address the attacker wants reached. No test opens a socket to the public address. The HTTPS
 * check uses a real TLS server with a throwaway self-signed certificate made by `openssl`
 * (skipped when openssl is missing).
 */
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import { createServer as createTlsServer, type Server as HttpsServer } from 'node:https'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type PinnedFetch, postWebhook } from '../../src/monitor/delivery/deliver.js'
import { pinnedNodeFetch } from '../../src/monitor/delivery/pinned-fetch.js'
import type { TargetPolicy } from '../../src/monitor/delivery/target-policy.js'

const STRICT: TargetPolicy = { allowPrivate: false, requireHttps: false }
const PUBLIC = '93.184.215.14'

let receiver: Server
let port: number
const hits: { host: string | undefined; url: string | undefined; body: string }[] = []

beforeAll(async () => {
  receiver = createServer((req, res) => {
    let body = ''
    req.on('data', (c) => {
      body += c
    })
    req.on('end', () => {
      hits.push({ host: req.headers.host, url: req.url, body })
      res.writeHead(200, { 'content-type': 'text/plain', 'x-receiver': 'loopback' }).end('ok')
    })
  })
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r))
  port = (receiver.address() as AddressInfo).port
})
afterAll(async () => {
  await new Promise<void>((r) => receiver.close(() => r()))
})

/** TEST DOUBLE: a rebinding resolver (public first, loopback after); counts its calls. */
function rebindingResolver() {
  const r = {
    calls: 0,
    resolve: async (_host: string) => (r.calls++ === 0 ? [PUBLIC] : ['127.0.0.1']),
  }
  return r
}

describe('pinnedNodeFetch', () => {
  it('connects to the given address whatever the host name, keeping the host name as Host', async () => {
    hits.length = 0
    // hooks.example.com does not resolve to 127.0.0.1: only the pin can bring the request here.
    const res = await pinnedNodeFetch(
      `http://hooks.example.com:${port}/hook?x=1`,
      { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"a":1}' },
      '127.0.0.1',
    )
    expect(res.status).toBe(200)
    expect(res.headers.get('x-receiver')).toBe('loopback')
    expect(await res.text()).toBe('ok')
    expect(hits).toEqual([{ host: `hooks.example.com:${port}`, url: '/hook?x=1', body: '{"a":1}' }])
  })

  it('refuses an address that is not an IP literal', async () => {
    await expect(pinnedNodeFetch(`http://h.example.com:${port}/`, {}, 'localhost')).rejects.toThrow(
      /not an IP literal/,
    )
  })

  it('honours the abort signal', async () => {
    const hang = createServer(() => {})
    await new Promise<void>((r) => hang.listen(0, '127.0.0.1', r))
    try {
      const c = new AbortController()
      setTimeout(() => c.abort(), 100)
      await expect(
        pinnedNodeFetch(
          `http://slow.example.com:${(hang.address() as AddressInfo).port}/`,
          { method: 'POST', body: '{}', signal: c.signal },
          '127.0.0.1',
        ),
      ).rejects.toThrow()
    } finally {
      hang.closeAllConnections()
      await new Promise<void>((r) => hang.close(() => r()))
    }
  })

  const openssl = (() => {
    try {
      execFileSync('openssl', ['version'], { stdio: 'ignore' })
      return true
    } catch {
      return false
    }
  })()
  it.skipIf(!openssl)('https: the SNI name is the host name; the certificate is verified', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'stacklens-pin-tls-'))
    const key = join(dir, 'key.pem')
    const cert = join(dir, 'cert.pem')
    const sni: string[] = []
    let tls: HttpsServer | undefined
    try {
      const subj = ['-subj', '/CN=hooks.example.com', '-days', '1', '-nodes']
      const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1']
      execFileSync('openssl', ['req', '-x509', ...ec, ...subj, '-keyout', key, '-out', cert], {
        stdio: 'ignore',
      })
      const server = createTlsServer({
        key: readFileSync(key),
        cert: readFileSync(cert),
        SNICallback: (name, cb) => {
          sni.push(name)
          cb(null)
        },
      })
      tls = server
      server.on('tlsClientError', () => {})
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
      // The self-signed certificate is not trusted: the request fails verification (the
      // certificate is checked, not skipped), after the server saw the host name as SNI.
      await expect(
        pinnedNodeFetch(
          `https://hooks.example.com:${(server.address() as AddressInfo).port}/`,
          { method: 'POST', body: '{}' },
          '127.0.0.1',
        ),
      ).rejects.toThrow(/self[- ]signed|certificate/i)
      expect(sni).toEqual(['hooks.example.com'])
    } finally {
      const server = tls
      if (server) await new Promise<void>((r) => server.close(() => r()))
      rmSync(dir, { recursive: true, force: true })
    }
  })
})

describe('postWebhook against a rebinding resolver', () => {
  const target = () => ({ url: `http://rebind.example.com:${port}/hook`, secret: 's' })
  const options = (resolve: (h: string) => Promise<string[]>) => ({
    policy: STRICT,
    resolveHost: resolve,
    publicBaseUrl: 'https://stacklens.example',
    timeoutMs: 2_000,
  })

  it('control: a client that resolves again at connect time reaches the loopback receiver', async () => {
    hits.length = 0
    const dns = rebindingResolver()
    // What an unpinned fetch does: its own resolution (the resolver's second answer) at connect.
    const reresolving: typeof fetch = async (input, init) => {
      const url = new URL(String(input))
      const [address] = await dns.resolve(url.hostname)
      return pinnedNodeFetch(url.href, init ?? {}, address!)
    }
    const result = await postWebhook(target(), '{"attack":1}', 'alert_1', {
      ...options(dns.resolve),
      fetchFn: reresolving,
    })
    expect(result.ok).toBe(true)
    expect(dns.calls).toBe(2)
    expect(hits.map((h) => h.body)).toEqual(['{"attack":1}'])
  })

  it('pinned: the connection goes to the checked public address; loopback is never reached', async () => {
    hits.length = 0
    const dns = rebindingResolver()
    const connected: string[] = []
    // Records where the real pinned fetch is told to connect; it does not open a socket to the
    // public address (no test reaches the internet). pinnedNodeFetch's own tests above show it
    // connects to exactly the address it is given.
    const recording: PinnedFetch = async (_url, _init, address) => {
      connected.push(address)
      return new Response('recorded', { status: 200 })
    }
    let fetched = 0
    const result = await postWebhook(target(), '{"attack":2}', 'alert_2', {
      ...options(dns.resolve),
      pinnedFetch: recording,
      fetchFn: async () => {
        fetched++
        return new Response('unpinned', { status: 200 })
      },
    })
    expect(result.ok).toBe(true)
    expect(connected).toEqual([PUBLIC])
    expect(fetched).toBe(0)
    expect(dns.calls).toBe(1)
    expect(hits).toEqual([])
  })
})
