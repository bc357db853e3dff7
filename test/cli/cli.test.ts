/**
 * The `stacklens` command against a devchain (its manifest written to a temp file and passed as
 * STACKLENS_MANIFEST): `runCli` in process for what the commands answer (the JSON is the API's at
 * the same block, the tables, no ANSI with NO_COLOR, the exit code of each bad input), and
 * `node bin/stacklens.js ...` in a subprocess where the process itself is the point: argv, stdout,
 * stderr and the exit codes 0 ok, 2 bad input (and DEVCHAIN_NOT_RUNNING, a 404), 3 upstream
 * failure (RPC unreachable).
 */
import { execFile } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runCli } from '../../src/cli/run-cli.js'
import { freePort } from '../../src/devchain/anvil.js'
import { startTestDevchain, type TestDevchain } from '../helpers/devchain.js'

const ROOT = fileURLToPath(new URL('../../', import.meta.url))
const BIN = join(ROOT, 'bin', 'stacklens.js')
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching ANSI escapes is the point
const ANSI = /\u001b\[/

let t: TestDevchain
let dir: string
let manifestPath: string
let looper: string

beforeAll(async () => {
  t = await startTestDevchain()
  looper = t.manifest.wallets.find((w) => w.key === 'looper')!.address
  dir = mkdtempSync(join(tmpdir(), 'stacklens-cli-'))
  manifestPath = join(dir, 'devchain.json')
  writeFileSync(manifestPath, JSON.stringify(t.manifest))
})
afterAll(async () => {
  if (dir) rmSync(dir, { recursive: true, force: true })
  await t?.devchain.stop()
})

interface Run {
  code: number | null
  stdout: string
  stderr: string
}

/** A clean stacklens environment (no STACKLENS_* from the caller), NO_COLOR, the manifest. */
function cliEnv(manifest: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {}
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('STACKLENS_')) env[k] = v
  delete env.FORCE_COLOR
  env.NO_COLOR = '1'
  env.STACKLENS_MANIFEST = manifest
  return env
}

/** Runs the CLI in process, as the process would (same environment, no color). */
async function stacklens(args: string[], manifest: string = manifestPath): Promise<Run> {
  let stdout = ''
  let stderr = ''
  const code = await runCli(args, {
    env: cliEnv(manifest),
    out: (line) => {
      stdout += `${line}\n`
    },
    err: (text) => {
      stderr += text
    },
    color: false,
  })
  return { code, stdout, stderr }
}

/** Runs `node bin/stacklens.js` in a subprocess (argv, streams and exit code as a user sees them). */
function stacklensProcess(args: string[], manifest: string = manifestPath): Promise<Run> {
  const env = cliEnv(manifest)
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [BIN, ...args],
      { cwd: ROOT, env, timeout: 15_000, maxBuffer: 4 * 1024 * 1024 },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : null) : 0
        resolve({ code, stdout, stderr })
      },
    )
  })
}

describe('stacklens wallet', () => {
  it('--json: exit 0, the same health factor as the API at the same block', async () => {
    const cli = await stacklensProcess(['wallet', looper, '--json'])
    expect(cli.stderr).toBe('')
    expect(cli.code).toBe(0)
    const out = JSON.parse(cli.stdout) as {
      address: string
      chain: string
      blockNumber: number
      positions: { status: string; healthFactorWad: string | null }[]
    }
    // Nothing is mined between the two reads (automine, no transactions): both read the latest block.
    const res = await t.app.request(`/v1/wallets/${looper}?chain=local`)
    expect(res.status).toBe(200)
    const api = (await res.json()) as {
      blockNumber: number
      positions: { healthFactorWad: string | null }[]
    }
    expect(out.address).toBe(looper)
    expect(out.chain).toBe('local')
    expect(out.blockNumber).toBe(api.blockNumber)
    expect(out.positions[0]?.status).toBe('ok')
    expect(out.positions[0]?.healthFactorWad).toMatch(/^\d+$/)
    expect(out.positions[0]?.healthFactorWad).toBe(api.positions[0]?.healthFactorWad)
  })

  it('human output: HF and liquidation prices, no ANSI escapes with NO_COLOR', async () => {
    const cli = await stacklens(['wallet', looper])
    expect(cli.code).toBe(0)
    expect(cli.stdout).toContain(`${looper} on local at block`)
    expect(cli.stdout).toContain('HF')
    expect(cli.stdout).toMatch(/HF \d+\.\d{4}/)
    expect(cli.stdout).toContain('liquidation price WETH')
    expect(cli.stdout).not.toMatch(ANSI)
    expect(cli.stderr).not.toMatch(ANSI)
  })
})

describe('bad input exits 2', () => {
  it('an invalid address, named on stderr', async () => {
    const cli = await stacklensProcess(['wallet', '0x123'])
    expect(cli.code).toBe(2)
    expect(cli.stderr).toContain('0x123')
    expect(cli.stderr).toMatch(/not a valid EVM address/)
    expect(cli.stdout).toBe('')
  })

  it('an unknown chain', async () => {
    const cli = await stacklens(['wallet', looper, '--chain', 'nope'])
    expect(cli.code).toBe(2)
    expect(cli.stderr).toContain('unknown chain')
    expect(cli.stderr).toContain('nope')
  })

  it('a block that is not a number', async () => {
    const cli = await stacklens(['wallet', looper, '--block', 'abc'])
    expect(cli.code).toBe(2)
    expect(cli.stderr).toMatch(/"abc" is not a block number/)
  })

  it('an unknown command, with the usage', async () => {
    const cli = await stacklensProcess(['frobnicate'])
    expect(cli.code).toBe(2)
    expect(cli.stderr).toContain('unknown command "frobnicate"')
    expect(cli.stderr).toContain('usage:')
  })

  it('devchain --port out of range (refused before anvil starts)', async () => {
    const cli = await stacklens(['devchain', '--port', '99999'])
    expect(cli.code).toBe(2)
    expect(cli.stderr).toMatch(/--port must be an integer between 1 and 65535, got "99999"/)
  })

  it('no devchain manifest (DEVCHAIN_NOT_RUNNING, a 404): points to npm run devchain', async () => {
    const missing = join(dir, 'missing.json')
    const cli = await stacklens(['wallet', looper], missing)
    expect(cli.code).toBe(2)
    expect(cli.stderr).toContain(missing)
    expect(cli.stderr).toContain('npm run devchain')
  })
})

describe('STACKLENS_CONFIG (issue 12 item 3)', () => {
  async function withConfig(config: string, args: string[]): Promise<Run> {
    const file = join(dir, `config-${Math.random().toString(36).slice(2)}.json`)
    writeFileSync(file, config)
    let stdout = ''
    let stderr = ''
    const code = await runCli(args, {
      env: { ...cliEnv(manifestPath), STACKLENS_CONFIG: file },
      out: (line) => {
        stdout += `${line}\n`
      },
      err: (text) => {
        stderr += text
      },
      color: false,
    })
    return { code, stdout, stderr }
  }

  it('a declared chain (the devchain under another key) reads with --chain', async () => {
    const m = t.manifest
    const config = JSON.stringify({
      chains: [{ key: 'myfork', chainId: m.chainId, rpcUrls: [m.rpcUrl], multicall3: m.multicall3 }],
      markets: [
        {
          protocol: 'aave-v3',
          chain: 'myfork',
          id: 'aave-v3-myfork',
          poolAddressesProvider: m.aaveV3.poolAddressesProvider,
          uiPoolDataProvider: m.aaveV3.uiPoolDataProvider,
        },
      ],
    })
    const r = await withConfig(config, ['wallet', looper, '--chain', 'myfork', '--json'])
    expect(r.code, r.stderr).toBe(0)
    const body = JSON.parse(r.stdout) as { positions: { market: string; status: string }[] }
    expect(body.positions).toMatchObject([{ market: 'aave-v3-myfork', status: 'ok' }])
  })

  it('a bad file exits 2 naming the field', async () => {
    const r = await withConfig('{"chains":[{"key":"Bad Key","chainId":1,"rpcUrls":["http://x.example"]}]}', [
      'wallet',
      looper,
      '--json',
    ])
    expect(r.code).toBe(2)
    expect(r.stderr).toMatch(/STACKLENS_CONFIG .*chains\[0\]\.key/)
  })
})

describe('upstream failure exits 3', () => {
  it('the manifest RPC is a closed port: unreachable', async () => {
    const closed = join(dir, 'closed.json')
    writeFileSync(closed, JSON.stringify({ ...t.manifest, rpcUrl: `http://127.0.0.1:${await freePort()}` }))
    const cli = await stacklensProcess(['wallet', looper], closed)
    expect(cli.code).toBe(3)
    expect(cli.stderr).toContain('unreachable')
    expect(cli.stderr).not.toMatch(/\bat .+\.ts:\d+/)
  })
})

describe('stacklens exposure', () => {
  it('--json: exactly what GET /v1/wallets/{address}/exposure answers at the same block', async () => {
    const stacker = t.manifest.wallets.find((w) => w.key === 'stacker')!.address
    const cli = await stacklens(['exposure', stacker, '--json', '--target', '1.5'])
    expect(cli.stderr).toBe('')
    expect(cli.code).toBe(0)
    const res = await t.app.request(`/v1/wallets/${stacker}/exposure?chain=local&target=1.5`)
    expect(res.status).toBe(200)
    expect(JSON.parse(cli.stdout)).toEqual(await res.json())
  })

  it('human output: net exposure, layers, the cross-protocol stack and the unwind, no ANSI', async () => {
    const stacker = t.manifest.wallets.find((w) => w.key === 'stacker')!.address
    const cli = await stacklens(['exposure', stacker])
    expect(cli.code).toBe(0)
    expect(cli.stdout).toMatch(/effective leverage \d+\.\d\dx/)
    expect(cli.stdout).toMatch(/^ {2}ETH /m)
    expect(cli.stdout).toContain('aave-v3 + morpho-blue + gmx-v2')
    expect(cli.stdout).toContain('unwind to zero leverage')
    expect(cli.stdout).not.toMatch(ANSI)
  })

  it('bad betas and bad target exit 2 with the API message', async () => {
    const bad = await stacklens(['exposure', looper, '--betas', 'LINK=1.2'])
    expect(bad.code).toBe(2)
    expect(bad.stderr).toContain('betas: "LINK=1.2" is not ASSET:BETA_ETH:BETA_BTC')
    const target = await stacklens(['exposure', looper, '--target', '0.9'])
    expect(target.code).toBe(2)
    expect(target.stderr).toContain('target: "0.9"')
    const address = await stacklens(['exposure', '0xabc'])
    expect(address.code).toBe(2)
    expect(address.stderr).toMatch(/not a valid EVM address/)
  })
})

describe('stacklens stress and cascade', () => {
  it('stress --json: what GET .../stress answers; the human table names the worst case', async () => {
    const cli = await stacklens(['stress', looper, '--shocks', 'ETH:-0.3', '--json'])
    expect(cli.code).toBe(0)
    const res = await t.app.request(`/v1/wallets/${looper}/stress?chain=local&shocks=ETH%3A-0.3`)
    expect(JSON.parse(cli.stdout)).toEqual(await res.json())
    const human = await stacklens(['stress', looper])
    expect(human.code).toBe(0)
    expect(human.stdout).toContain('all risk assets -50%')
    expect(human.stdout).toMatch(/worst case: .+: equity \$/)
    expect(human.stdout).not.toMatch(ANSI)
  })

  it('cascade --json: what GET /v1/markets/{market}/cascade answers; the human curve', async () => {
    // A value starting with "-" goes with "=" (node's parseArgs would take it for an option).
    const cli = await stacklens([
      'cascade',
      'aave-v3-local',
      '--shocks=-0.1,-0.3',
      '--wallet',
      looper,
      '--json',
    ])
    expect(cli.code, cli.stderr).toBe(0)
    const res = await t.app.request(
      `/v1/markets/aave-v3-local/cascade?chain=local&shocks=-0.1%2C-0.3&wallet=${looper}`,
    )
    expect(JSON.parse(cli.stdout)).toEqual(await res.json())
    const human = await stacklens(['cascade', 'aave-v3-local', '--shocks=-0.1,-0.3'])
    expect(human.code).toBe(0)
    expect(human.stdout).toContain('Uniswap v3')
    expect(human.stdout).toMatch(/-30\.0%\s+-\d+\.\d\d%/)
  })

  it('bad input exits 2 with the API message', async () => {
    const shocks = await stacklens(['stress', looper, '--shocks', 'ETH'])
    expect(shocks.code).toBe(2)
    expect(shocks.stderr).toContain('shocks: "ETH" is not ASSET:MOVE')
    const market = await stacklens(['cascade', 'aave-v9'])
    expect(market.code).toBe(2)
    expect(market.stderr).toContain('unknown market "aave-v9"')
    const depth = await stacklens(['cascade', 'aave-v3-local', '--depth', 'deep'])
    expect(depth.code).toBe(2)
    expect(depth.stderr).toContain('depth: "deep"')
    const ambiguous = await stacklens(['cascade', 'aave-v3-local', '--shocks', '-0.1'])
    expect(ambiguous.code).toBe(2)
    expect(ambiguous.stderr).toContain('--shocks=-XYZ')
  })
})
