import { createChainClient } from '../src/chains/client.js'
import { localChainRuntime } from '../src/chains/config.js'
import { startDevchain } from '../src/devchain/devchain.js'
import { readWallet } from '../src/protocols/read-wallet.js'

const d = await startDevchain({ manifestPath: null })
try {
  const chain = localChainRuntime(d.manifest)
  const client = createChainClient('local', { rpcUrls: chain.rpcUrls })
  for (const w of d.manifest.wallets) {
    const t0 = performance.now()
    const r = await readWallet({ client, chain, user: w.address as `0x${string}` })
    const p = r.positions[0]
    console.log(
      w.key,
      (performance.now() - t0).toFixed(1),
      'ms',
      JSON.stringify(p, (k, v) => (typeof v === 'bigint' ? v.toString() : v)).slice(0, 1500),
    )
  }
} finally {
  await d.stop()
}
