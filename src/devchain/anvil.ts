import { existsSync } from 'node:fs'
import { createRequire } from 'node:module'
import { createServer } from 'node:net'
import { dirname, join } from 'node:path'
import { type Anvil, createAnvil } from '@viem/anvil'

/** anvil's default test mnemonic (public knowledge): its accounts are the devchain's accounts. */
export const ANVIL_MNEMONIC = 'test test test test test test test test test test test junk'

/** Chain id of the devchain (anvil's default). */
export const DEVCHAIN_CHAIN_ID = 31337

/**
 * Path of the anvil binary: `STACKLENS_ANVIL_BINARY`, else the one shipped by the
 * `@foundry-rs/anvil-linux-amd64` npm package, else `anvil` on PATH.
 */
export function resolveAnvilBinary(): string {
  const fromEnv = process.env.STACKLENS_ANVIL_BINARY
  if (fromEnv) return fromEnv
  const require = createRequire(import.meta.url)
  try {
    const pkg = require.resolve('@foundry-rs/anvil-linux-amd64/package.json')
    const bin = join(dirname(pkg), 'bin', 'anvil')
    if (existsSync(bin)) return bin
  } catch {}
  return 'anvil'
}

/** A free TCP port on 127.0.0.1, or `preferred` when it is free. */
export async function freePort(preferred?: number): Promise<number> {
  const tryListen = (port: number) =>
    new Promise<number | null>((resolve) => {
      const server = createServer()
      server.once('error', () => resolve(null))
      server.listen(port, '127.0.0.1', () => {
        const address = server.address()
        const got = typeof address === 'object' && address ? address.port : null
        server.close(() => resolve(got))
      })
    })
  if (preferred !== undefined) {
    const got = await tryListen(preferred)
    if (got !== null) return got
  }
  const got = await tryListen(0)
  if (got === null) throw new Error('no free port')
  return got
}

/** Options of {@link startAnvil}. */
export interface StartAnvilOptions {
  /** Start from this state file (`--load-state`, what `anvil_dumpState` wrote, gunzipped). */
  loadState?: string
  /**
   * Keep the in-memory state of every block in what `anvil_dumpState` returns
   * (`--preserve-historical-states`), so a chain loaded from it still answers calls at past blocks.
   */
  preserveHistoricalStates?: boolean
}

/** Starts anvil on `port` (127.0.0.1), chain id 31337, 20 unlocked accounts, automine. */
export async function startAnvil(port: number, options: StartAnvilOptions = {}): Promise<Anvil> {
  const anvil = createAnvil({
    anvilBinary: resolveAnvilBinary(),
    host: '127.0.0.1',
    port,
    chainId: DEVCHAIN_CHAIN_ID,
    accounts: 20,
    startTimeout: 30_000,
    ...(options.loadState ? { loadState: options.loadState } : {}),
    // Not a typed option of @viem/anvil 0.0.10: it passes every key on as a kebab-case flag.
    ...(options.preserveHistoricalStates ? ({ preserveHistoricalStates: true } as object) : {}),
  })
  await anvil.start()
  return anvil
}
