import { createClient, custom } from 'viem'
import { chainClientActions, type ChainClient } from '../src/chains/client.js'
import { CHAINS } from '../src/chains/registry.js'
import { configFromEnv } from '../src/config.js'
import { startDevchain } from '../src/devchain/devchain.js'
import { createStacklens } from '../src/app.js'
const dc = await startDevchain({ manifestPath: null })
const config = configFromEnv({}, dc.manifest)
const memo = new Map<string, unknown>()
let live = true
const transport = custom({
  async request({ method, params }) {
    const key = JSON.stringify([method, params])
    if (!live) { if (!memo.has(key)) throw new Error('miss ' + key.slice(0, 200)); return memo.get(key) }
    const r = await fetch(dc.rpcUrl, { method: 'POST', body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }), headers: { 'content-type': 'application/json' } })
    const j = (await r.json()) as { result: unknown }
    memo.set(key, j.result); return j.result
  },
})
const clientFor = () => createClient({ chain: CHAINS.local.viem, transport, batch: { multicall: false } }).extend(chainClientActions) as unknown as ChainClient
const { app } = createStacklens({ config, clientFor })
const looper = dc.manifest.wallets.find((w) => w.key === 'looper')!.address
const get = async () => { const r = await app.request(`/v1/wallets/${looper}?chain=local`); if (r.status !== 200) throw new Error(String(r.status) + await r.text()); await r.text() }
await get(); await get(); live = false
for (let i = 0; i < 100; i++) await get()
for (let k = 0; k < 3; k++) {
const c0 = process.cpuUsage(); const n = 500
let i = 0; await Promise.all(Array.from({ length: 50 }, async () => { while (i++ < n) await get() }))
const c = process.cpuUsage(c0); console.log('no-HTTP wallet route CPU ms/req', ((c.user + c.system) / 1000 / n).toFixed(3))
}
await dc.stop(); process.exit(0)
