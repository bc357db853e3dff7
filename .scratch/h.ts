import http from 'node:http'
import { startDevchain } from '../src/devchain/devchain.js'
import { createChainClient } from '../src/chains/client.js'
const dc = await startDevchain({ manifestPath: null })
const url = new URL(dc.rpcUrl)
const body = JSON.stringify([{ jsonrpc: '2.0', id: 1, method: 'eth_blockNumber' }, { jsonrpc: '2.0', id: 2, method: 'eth_chainId' }])
const agent = new http.Agent({ keepAlive: true, maxSockets: 64 })
const viaHttp = () => new Promise<unknown>((resolve, reject) => {
  const req = http.request({ host: url.hostname, port: url.port, path: '/', method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } }, (res) => {
    const chunks: Buffer[] = []; res.on('data', (c) => chunks.push(c)); res.on('end', () => resolve(JSON.parse(Buffer.concat(chunks).toString())))
  }); req.on('error', reject); req.end(body)
})
const viaFetch = async () => (await fetch(dc.rpcUrl, { method: 'POST', body, headers: { 'content-type': 'application/json' } })).json()
const client = createChainClient('local', { rpcUrls: [dc.rpcUrl] })
const viaViem = () => Promise.all([client.request({ method: 'eth_blockNumber' }), client.request({ method: 'eth_chainId' })])
async function measure(name: string, f: () => Promise<unknown>) {
  const run = async (n: number) => { let i = 0; await Promise.all(Array.from({ length: 50 }, async () => { while (i++ < n) await f() })) }
  await run(500)
  const c0 = process.cpuUsage(); const t = performance.now(); await run(3000); const c = process.cpuUsage(c0)
  console.log(name, ((c.user + c.system) / 1000 / 3000).toFixed(3), 'ms CPU/req', ((performance.now() - t) / 3000).toFixed(3), 'ms wall/req')
}
for (let k = 0; k < 2; k++) { await measure('node:http', viaHttp); await measure('fetch', viaFetch); await measure('viem', viaViem) }
await dc.stop(); process.exit(0)
