/**
 * Test helper: one devchain per test file (anvil on a free port, real Aave v3 deployed and
 * seeded in about a second), with snapshot/revert so tests that move prices or liquidate leave
 * the seeded state for the next one.
 */
import { createApp } from '../../src/api/app.js'
import { createChainClient } from '../../src/chains/client.js'
import { type ChainRuntime, configFromEnv, localChainRuntime } from '../../src/config.js'
import { devchainClients, type RunningDevchain, startDevchain } from '../../src/devchain/devchain.js'
import type { DevchainManifest } from '../../src/devchain/manifest.js'
import type { DevchainClients } from '../../src/devchain/tx.js'
import { type TestReadClient, withPublicActions } from './read-client.js'

/** A devchain started for a test file. */
export interface TestDevchain {
  devchain: RunningDevchain
  manifest: DevchainManifest
  chain: ChainRuntime
  /**
   * Read client as the app uses it ({@link createChainClient}), with viem's public actions bound
   * for the tests' own reads (readContract, getLogs, ...); the app's client has only `ChainClient`'s.
   */
  client: TestReadClient
  /** Devchain tooling clients (unlocked accounts, anvil RPCs). */
  clients: DevchainClients
  app: ReturnType<typeof createApp>
  /** Runs `fn` and reverts the chain to the state before it (snapshots are single-use in anvil). */
  isolated<T>(fn: () => Promise<T>): Promise<T>
}

/** Starts a devchain for the calling test file. Call `devchain.stop()` in afterAll. */
export async function startTestDevchain(
  options: { population?: boolean | number } = {},
): Promise<TestDevchain> {
  // The ~600-borrower population only where a test needs it (cascades): the rest start faster and
  // see only the demo wallets.
  const devchain = await startDevchain({ manifestPath: null, population: options.population ?? false })
  const manifest = devchain.manifest
  const chain = localChainRuntime(manifest)
  const client = withPublicActions(createChainClient('local', { rpcUrls: chain.rpcUrls }))
  const clients = devchainClients(devchain.rpcUrl)
  const app = createApp({ config: configFromEnv({}, manifest) })
  return {
    devchain,
    manifest,
    chain,
    client,
    clients,
    app,
    async isolated(fn) {
      const id = await clients.test.snapshot()
      let result: Awaited<ReturnType<typeof fn>>
      try {
        result = await fn()
      } catch (err) {
        await clients.test.request({ method: 'evm_revert', params: [id] } as never)
        throw err
      }
      // viem's revert() swallows anvil's boolean answer: ask anvil directly so a failed revert fails the test.
      const ok = await clients.test.request({ method: 'evm_revert', params: [id] } as never)
      if (ok !== true) throw new Error(`evm_revert(${id}) failed`)
      return result
    },
  }
}
