import { startDevchain } from '../src/devchain/devchain.js'
const t0 = performance.now()
const d = await startDevchain({ manifestPath: '/tmp/devchain.json', progress: (m) => console.log(`${((performance.now()-t0)/1000).toFixed(2)}s ${m}`) })
console.log('ready', ((performance.now()-t0)/1000).toFixed(2), d.rpcUrl)
await d.stop()
