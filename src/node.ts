/**
 * Node entry (`npm start`): the API on http://localhost:8787 (PORT overrides), on the devchain
 * when no RPC is configured. Ctrl-C stops everything it started.
 */
import { BaseError } from './core/errors.js'
import { startServer } from './serve.js'

const port = Number(process.env.PORT ?? 8787)
const host = process.env.HOST ?? '127.0.0.1'
const log = (line: string) => console.log(line)

try {
  if (!Number.isInteger(port) || port <= 0 || port > 65535) {
    throw new BaseError(
      'INVALID_REQUEST',
      `PORT must be an integer between 1 and 65535, got "${process.env.PORT}"`,
    )
  }
  const server = await startServer({ env: process.env, port, host, log })
  // performance.now() counts from the process start, so the figure includes loading the modules.
  const seconds = (performance.now() / 1000).toFixed(1)
  log('')
  log(`stacklens ready in ${seconds} s: ${server.url}`)
  log(`  dashboard       ${server.url}/  (click a demo wallet)`)
  log(`  API reference   ${server.url}/docs`)
  log(`  OpenAPI spec    ${server.url}/openapi.json`)
  if (server.manifest) {
    log(`  devchain        ${server.manifest.rpcUrl} (manifest: ${server.url}/v1/chains/local/manifest)`)
    log('')
    log('Demo wallets:')
    for (const w of server.manifest.wallets) {
      log(`  ${w.label}`)
      log(`    curl -s '${server.url}/v1/wallets/${w.address}?chain=local'`)
    }
    const stacker = server.manifest.wallets.find((w) => w.key === 'stacker')
    if (stacker) {
      log('')
      log('Leverage and risk (the cross-protocol stacker):')
      log(`    curl -s '${server.url}/v1/wallets/${stacker.address}/exposure?chain=local'`)
      log(`    curl -s '${server.url}/v1/wallets/${stacker.address}/stress?chain=local&shocks=ETH:-0.3'`)
      log(`    curl -s '${server.url}/v1/wallets/${stacker.address}/montecarlo?chain=local&horizonDays=30'`)
    }
    if (server.manifest.population) {
      log(`  Market cascade (${server.manifest.population.count} population borrowers, Uniswap v3 depth):`)
      log(
        `    curl -s '${server.url}/v1/markets/${server.manifest.aaveV3.marketId}/cascade?chain=local&asset=ETH'`,
      )
    }
  }
  log('')
  log('Ctrl-C stops the server and everything it started.')
  let stopping = false
  const shutdown = async (signal: string) => {
    if (stopping) return
    stopping = true
    log(`\n${signal}: stopping`)
    await server.close()
    process.exit(0)
  }
  process.on('SIGINT', () => void shutdown('SIGINT'))
  process.on('SIGTERM', () => void shutdown('SIGTERM'))
} catch (err) {
  console.error(`stacklens: ${err instanceof Error ? err.message : String(err)}`)
  process.exit(1)
}
