/**
 * Benchmark: `npm start` to the first 200 from `GET /health`, wall time from process spawn, with
 * no RPC configured (so it starts, deploys and seeds its own devchain). Each run spawns
 * `npm start` exactly as a user types it (PORT set to a free port, manifest in a temp folder),
 * polls /health every 10 ms, timestamps every stdout line (where the time goes: imports until
 * the first line, anvil, each deploy and seed step, the server), then stops it with SIGINT.
 * Run 1 is cold-ish (OS file cache aside, the Morpho compile cache under .stacklens/cache may be
 * missing), the others warm: the figure a user waits is the warm one.
 *
 * Anchor, side by side in the same process: the floor of any start that embeds anvil: `npm start`
 * of nothing (npm + tsx loading a file that serves 200 at once, same spawn path) plus anvil
 * alone to its first JSON-RPC answer, started in parallel as the floor allows. Printed as
 * stacklens / floor.
 *
 * Usage: npx tsx scripts/bench/start.ts [--runs 3]
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { freePort, resolveAnvilBinary } from '../../src/devchain/anvil.js'

const ROOT = join(import.meta.dirname, '..', '..')
const { values } = parseArgs({ options: { runs: { type: 'string' } } })
const runs = Number(values.runs ?? 3)

interface Line {
  ms: number
  text: string
}

/** Resolves with the ms from `t0` to the first 200 of `url`. */
async function firstOk(url: string, t0: number, child: ChildProcess, timeoutMs = 120_000): Promise<number> {
  let exited = false
  child.once('exit', () => {
    exited = true
  })
  for (;;) {
    if (exited) throw new Error(`the process exited before ${url} answered`)
    if (performance.now() - t0 > timeoutMs) throw new Error(`${url}: no 200 within ${timeoutMs} ms`)
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(1000) })
      if (res.status === 200) return performance.now() - t0
    } catch {}
    await new Promise((r) => setTimeout(r, 10))
  }
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.pid === undefined) return
  const done = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  // Its own process group (detached): npm, tsx, node and anvil get the SIGINT, as on Ctrl-C.
  process.kill(-child.pid, 'SIGINT')
  const timer = setTimeout(() => child.pid !== undefined && process.kill(-child.pid, 'SIGKILL'), 10_000)
  await done
  clearTimeout(timer)
}

/** Spawns `npm <args>` in its own process group with `env`, timestamping stdout lines. */
function spawnNpm(args: string[], env: NodeJS.ProcessEnv) {
  const t0 = performance.now()
  const child = spawn('npm', args, { cwd: ROOT, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] })
  const lines: Line[] = []
  let buffer = ''
  child.stdout?.on('data', (chunk: Buffer) => {
    buffer += chunk.toString()
    const parts = buffer.split('\n')
    buffer = parts.pop() ?? ''
    for (const text of parts) lines.push({ ms: performance.now() - t0, text })
  })
  let stderr = ''
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString()
  })
  return { child, t0, lines, stderr: () => stderr }
}

/** One `npm start` with no RPC configured: ms to the first 200 and its timeline. */
async function runStart(): Promise<{ ms: number; lines: Line[] }> {
  const port = await freePort()
  const dir = mkdtempSync(join(tmpdir(), 'stacklens-start-'))
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PORT: String(port),
    STACKLENS_MANIFEST: join(dir, 'devchain.json'),
  }
  for (const k of Object.keys(env)) if (k.startsWith('STACKLENS_RPC_')) delete env[k]
  const run = spawnNpm(['start', '--silent'], env)
  try {
    const ms = await firstOk(`http://127.0.0.1:${port}/health`, run.t0, run.child).catch((err) => {
      throw new Error(`${err instanceof Error ? err.message : err}\n${run.stderr()}`)
    })
    return { ms, lines: [...run.lines] }
  } finally {
    await stop(run.child)
    rmSync(dir, { recursive: true, force: true })
  }
}

/** The floor: npm + tsx serving 200 from an empty file, and anvil alone to its first answer. */
async function runFloor(): Promise<{ ms: number; serverMs: number; anvilMs: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'stacklens-floor-'))
  const file = join(dir, 'serve.ts')
  writeFileSync(
    file,
    "import { createServer } from 'node:http'\ncreateServer((_, res) => res.end('{\"status\":\"ok\"}')).listen(Number(process.env.PORT), '127.0.0.1')\n",
  )
  const port = await freePort()
  const anvilPort = await freePort()
  const t0 = performance.now()
  const server = spawnNpm(['exec', '--silent', '--', 'tsx', file], { ...process.env, PORT: String(port) })
  const anvil = spawn(
    resolveAnvilBinary(),
    ['--port', String(anvilPort), '--host', '127.0.0.1', '--accounts', '20'],
    {
      detached: true,
      stdio: 'ignore',
    },
  )
  try {
    const rpc = async () => {
      for (;;) {
        try {
          const res = await fetch(`http://127.0.0.1:${anvilPort}`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: '{"jsonrpc":"2.0","id":1,"method":"eth_chainId","params":[]}',
          })
          if (res.status === 200) return performance.now() - t0
        } catch {}
        await new Promise((r) => setTimeout(r, 10))
      }
    }
    const [serverMs, anvilMs] = await Promise.all([
      firstOk(`http://127.0.0.1:${port}/`, t0, server.child),
      rpc(),
    ])
    return { ms: Math.max(serverMs, anvilMs), serverMs, anvilMs }
  } finally {
    await stop(server.child)
    await stop(anvil)
    rmSync(dir, { recursive: true, force: true })
  }
}

const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`
const results: { ms: number; floor: number }[] = []
for (let i = 1; i <= runs; i++) {
  const start = await runStart()
  const floor = await runFloor()
  results.push({ ms: start.ms, floor: floor.ms })
  console.log(
    `run ${i}${i === 1 ? ' (cold-ish)' : ' (warm)'}: npm start -> 200 /health ${s(start.ms)}; floor ${s(floor.ms)} (npm + tsx empty server ${s(floor.serverMs)}, anvil alone ${s(floor.anvilMs)}); ratio ${(start.ms / floor.ms).toFixed(2)}x`,
  )
  const marks = start.lines.filter((l, j) => j === 0 || /devchain:|ready in/.test(l.text))
  let last = 0
  for (const l of marks) {
    console.log(`  ${s(l.ms).padStart(8)}  (+${s(l.ms - last)})  ${l.text.trim().slice(0, 90)}`)
    last = l.ms
  }
  console.log(`  ${s(start.ms).padStart(8)}  (+${s(start.ms - last)})  first 200 from /health`)
}
const warm = results.slice(1)
if (warm.length > 0) {
  const ms = warm.map((r) => r.ms)
  console.log(
    `warm: ${s(Math.min(...ms))} .. ${s(Math.max(...ms))} (floor ${s(Math.min(...warm.map((r) => r.floor)))} .. ${s(Math.max(...warm.map((r) => r.floor)))})`,
  )
}
