/**
 * Benchmark: the Monte Carlo engine (src/risk/montecarlo.ts) on one core, each figure side by side
 * with its anchor in the same run.
 *
 * 1. Raw kernel: single-asset GBM terminal values (ETH: 65% vol, 30-day horizon), default
 *    100,000 paths x 1,000 steps = 1e8 path-steps: gbmTerminalLogReturns then S0 * exp(.).
 *    Anchor: the same kernel in C (scripts/bench/montecarlo_kernel.c, our own port: xoshiro128**,
 *    the same ziggurat, blocks of 512 paths, slow-path draws after each pass), compiled in this run
 *    with the first of $CC, cc, gcc, clang found (-O3 -march=native -ffp-contract=off: no fused
 *    multiply-add, as in JS) into a temporary directory removed at the end. It draws the same
 *    numbers (its mean and variance are printed next to ours). Runs alternate TS, C, TS, C...
 *    Goal: stacklens >= 0.8x the C throughput. "skipped, reason" without a compiler.
 * 2. numpy, the same work (scripts/bench/montecarlo_numpy.py: terminal values only, a running
 *    log-price vector, normals drawn for a block of steps and summed; float64 and float32), in a
 *    child process with OPENBLAS/OMP/MKL_NUM_THREADS=1. "skipped, reason" when numpy is not
 *    importable (Debian's python3-numpy under /usr/bin/python3 first; STACKLENS_BENCH_PYTHON overrides).
 * 3. The full runMonteCarlo against the previous engine (test/helpers/montecarlo-reference.ts:
 *    every rule of every position checked at every step, dense correlation passes) on the same
 *    input, run alternately; the results are compared (they must be equal, bit for bit):
 *    a. ETH and BTC, 3 positions (an Aave-style ETH loan, a Morpho-style BTC+ETH loan, a BTC perp short);
 *    b. ETH and BTC, 50 positions (lending longs at health factors 1.15 .. 3, perps long and short,
 *       two-asset loans, ETH against BTC debt). Goal: >= 50 M path-steps/s;
 *    c. 16 assets, dense correlation (0.5 between every pair), 32 positions on all of them
 *       (the issue's figure before: 3.3 M path-steps/s on its machine).
 *    Each holds one supply-only position (never liquidated), as real wallets often do.
 *
 * Times: best and median of --runs runs after a warm-up (section 3: the first full run is printed
 * as "cold", then --warm more full runs before the timed ones: V8 re-optimizes the monitor's code
 * over the first few runs of a process, and a long-lived worker runs at the warm figure); wall (performance.now, clock_gettime)
 * and CPU of the process (process.cpuUsage, CLOCK_PROCESS_CPUTIME_ID, time.process_time). On a
 * shared machine CPU time is the steadier figure: the verdicts use the best CPU time, and the
 * wall figures are printed next to them.
 *
 * Usage: npx tsx scripts/bench/montecarlo.ts [--paths 100000] [--steps 1000] [--seed 1] [--runs 5]
 *   [--sections 1,2,3] [--warm 5] (section 2 needs section 1's run)
 */
import { spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import {
  gbmTerminalLogReturns,
  type McInput,
  type McPosition,
  runMonteCarlo,
} from '../../src/risk/montecarlo.js'
import { runMonteCarlo as runReference } from '../../test/helpers/montecarlo-reference.js'

const { values } = parseArgs({
  options: {
    paths: { type: 'string', default: '100000' },
    steps: { type: 'string', default: '1000' },
    seed: { type: 'string', default: '1' },
    runs: { type: 'string', default: '5' },
    sections: { type: 'string', default: '1,2,3' },
    warm: { type: 'string', default: '5' },
  },
})
const PATHS = Number(values.paths)
const STEPS = Number(values.steps)
const SEED = Number(values.seed)
const RUNS = Math.max(1, Number(values.runs))
const SECTIONS = new Set(values.sections.split(','))
const WARM = Math.max(0, Number(values.warm))
const VOL = 0.65
const HORIZON_DAYS = 30
const S0 = 3000
const HERE = dirname(fileURLToPath(import.meta.url))

const median = (a: number[]) => {
  const s = [...a].sort((x, y) => x - y)
  return s[Math.floor((s.length - 1) / 2)]!
}
const mps = (pathSteps: number, seconds: number) => `${(pathSteps / seconds / 1e6).toFixed(1)} M/s`
const verdicts: Array<[string, boolean | string]> = []
const check = (name: string, ok: boolean | string) => verdicts.push([name, ok])
const cpuNow = () => {
  const c = process.cpuUsage()
  return (c.user + c.system) / 1e6
}
interface Timing {
  wall: number[]
  cpu: number[]
}
const timed = <T>(t: Timing, f: () => T): T => {
  const w = performance.now()
  const c = cpuNow()
  const out = f()
  t.cpu.push(cpuNow() - c)
  t.wall.push((performance.now() - w) / 1000)
  return out
}
const best = (t: Timing) => ({
  wall: Math.min(...t.wall),
  wallMedian: median(t.wall),
  cpu: Math.min(...t.cpu),
})

// ---- 1. raw kernel: TS and C ----
function kernel(paths: number, steps: number, seed: number) {
  const [logRet] = gbmTerminalLogReturns(
    { assets: [{ volatility: VOL }], horizonDays: HORIZON_DAYS },
    paths,
    steps,
    seed,
  )
  const terminal = new Float64Array(paths)
  for (let p = 0; p < paths; p++) terminal[p] = S0 * Math.exp(logRet![p]!)
  return { logRet: logRet!, terminal }
}
function meanVar(a: Float64Array) {
  let m = 0
  for (const x of a) m += x
  m /= a.length
  let v = 0
  for (const x of a) v += (x - m) ** 2
  return { mean: m, variance: v / (a.length - 1) }
}

interface ChildRun {
  seconds: number
  cpuSeconds: number
  meanLogReturn: number
  varLogReturn: number
  numpy?: string
  dtype?: string
}
const lastLine = (s: string) => s.trim().split('\n').pop() ?? ''

const tmp = mkdtempSync(join(tmpdir(), 'stacklens-mc-bench-'))
let cBinary: string | { skipped: string }
{
  const candidates = [process.env.CC, 'cc', 'gcc', 'clang'].filter((c): c is string => !!c)
  const found = candidates.find((c) => spawnSync(c, ['--version'], { encoding: 'utf8' }).status === 0)
  if (!found) cBinary = { skipped: `no C compiler found (tried ${candidates.join(', ')})` }
  else {
    const out = join(tmp, 'montecarlo_kernel')
    const flags = [
      '-O3',
      '-march=native',
      '-ffp-contract=off',
      '-o',
      out,
      join(HERE, 'montecarlo_kernel.c'),
      '-lm',
    ]
    const r = spawnSync(found, flags, { encoding: 'utf8' })
    cBinary =
      r.status === 0 ? out : { skipped: `${found} failed: ${lastLine(r.stderr || r.error?.message || '')}` }
    if (typeof cBinary === 'string')
      console.log(
        `C anchor: ${found} ${flags.slice(0, 3).join(' ')} (${lastLine(spawnSync(found, ['--version'], { encoding: 'utf8' }).stdout.split('\n')[0] ?? '')})`,
      )
  }
}
const runC = (paths: number, steps: number, seed: number): ChildRun | string => {
  const r = spawnSync(
    cBinary as string,
    [String(paths), String(steps), String(seed), String(VOL), String(HORIZON_DAYS)],
    {
      encoding: 'utf8',
    },
  )
  if (r.error || r.status !== 0) return `C kernel failed: ${r.error?.message ?? lastLine(r.stderr)}`
  return JSON.parse(lastLine(r.stdout)) as ChildRun
}

kernel(20_000, 200, SEED + 1) // warm-up (JIT)
if (typeof cBinary === 'string') runC(20_000, 200, SEED + 1)
const tsT: Timing = { wall: [], cpu: [] }
const cT: Timing = { wall: [], cpu: [] }
let last = kernel(1, 1, SEED)
let cLast: ChildRun | undefined
let cFailure: string | undefined
for (let r = 0; r < RUNS; r++) {
  last = timed(tsT, () => kernel(PATHS, STEPS, SEED))
  if (typeof cBinary === 'string' && !cFailure) {
    const c = runC(PATHS, STEPS, SEED)
    if (typeof c === 'string') cFailure = c
    else {
      cLast = c
      cT.wall.push(c.seconds)
      cT.cpu.push(c.cpuSeconds)
    }
  }
}
const pathSteps = PATHS * STEPS
const ts = best(tsT)
const { mean, variance } = meanVar(last.logRet)
console.log(
  `\n1. single-asset GBM terminal values: ${PATHS.toLocaleString('en-US')} paths x ${STEPS.toLocaleString('en-US')} steps = ${pathSteps.toExponential(2)} path-steps, sigma ${VOL}, ${HORIZON_DAYS} days, ${RUNS} runs`,
)
console.log(
  `   log return closed form: mean ${(-0.5 * VOL * VOL * (HORIZON_DAYS / 365)).toFixed(5)}, variance ${((VOL * VOL * HORIZON_DAYS) / 365).toFixed(5)}\n`,
)
const header = () => {
  console.log(
    '| implementation              | wall best s | wall median s | CPU best s | path-steps/s (CPU best) | path-steps/s (wall best) | mean log ret | var log ret |',
  )
  console.log(
    '|-----------------------------|-------------|---------------|------------|-------------------------|--------------------------|--------------|-------------|',
  )
}
const row = (name: string, t: ReturnType<typeof best>, m: number, v: number, work = pathSteps) =>
  console.log(
    `| ${name.padEnd(27)} | ${t.wall.toFixed(3).padStart(11)} | ${t.wallMedian.toFixed(3).padStart(13)} | ${t.cpu.toFixed(3).padStart(10)} | ${mps(work, t.cpu).padStart(23)} | ${mps(work, t.wall).padStart(24)} | ${m.toFixed(5).padStart(12)} | ${v.toFixed(5).padStart(11)} |`,
  )
header()
row('stacklens (TS, 1 core)', ts, mean, variance)
if (typeof cBinary !== 'string') {
  console.log(`\nC anchor: skipped (${cBinary.skipped})`)
  check('kernel >= 0.8x the C build of the same kernel', `skipped: ${cBinary.skipped}`)
} else if (cFailure || !cLast) {
  console.log(`\nC anchor: skipped (${cFailure})`)
  check('kernel >= 0.8x the C build of the same kernel', `skipped: ${cFailure}`)
} else {
  const c = best(cT)
  row('C, same kernel (1 core)', c, cLast.meanLogReturn, cLast.varLogReturn)
  const same =
    Math.abs(cLast.meanLogReturn - mean) <= 1e-12 * Math.abs(mean) + 1e-15 &&
    Math.abs(cLast.varLogReturn - variance) <= 1e-12 * variance
  console.log(
    `\nratio stacklens / C throughput: CPU (best) ${(c.cpu / ts.cpu).toFixed(2)}x, wall (best) ${(c.wall / ts.wall).toFixed(2)}x; same draws: ${same ? 'yes (mean and variance agree to 1e-12)' : 'NO'}`,
  )
  check('kernel >= 0.8x the C build of the same kernel (CPU best)', c.cpu / ts.cpu >= 0.8)
  check('C kernel draws the same numbers', same)
}

// ---- 2. numpy ----
const PYTHON =
  process.env.STACKLENS_BENCH_PYTHON ??
  (spawnSync('/usr/bin/python3', ['-c', 'import numpy'], { encoding: 'utf8' }).status === 0
    ? '/usr/bin/python3'
    : 'python3')
const probe = spawnSync(PYTHON, ['-c', 'import numpy'], { encoding: 'utf8' })
const numpySkip = probe.error
  ? `python3 not runnable: ${probe.error.message}`
  : probe.status !== 0
    ? `numpy not importable: ${lastLine(probe.stderr || '') || 'unknown error'}`
    : undefined
if (!SECTIONS.has('2')) {
  // not asked
} else if (numpySkip) {
  console.log(`\nnumpy: skipped (${numpySkip})`)
  check('stacklens faster than numpy (same work)', `skipped: ${numpySkip}`)
} else {
  console.log('')
  header()
  row('stacklens (TS, 1 core)', ts, mean, variance)
  for (const dtype of ['float64', 'float32']) {
    const t: Timing = { wall: [], cpu: [] }
    let first: ChildRun | undefined
    let failure: string | undefined
    for (let r = 0; r < RUNS && !failure; r++) {
      const out = spawnSync(
        PYTHON,
        [join(HERE, 'montecarlo_numpy.py'), String(PATHS), String(STEPS), String(SEED), dtype],
        {
          encoding: 'utf8',
          env: { ...process.env, OPENBLAS_NUM_THREADS: '1', OMP_NUM_THREADS: '1', MKL_NUM_THREADS: '1' },
          maxBuffer: 1 << 20,
        },
      )
      if (out.error || out.status !== 0) failure = out.error?.message ?? lastLine(out.stderr)
      else {
        const run = JSON.parse(lastLine(out.stdout)) as ChildRun
        first ??= run
        t.wall.push(run.seconds)
        t.cpu.push(run.cpuSeconds)
      }
    }
    if (failure || !first) {
      console.log(`numpy ${dtype}: skipped (script failed: ${failure})`)
      continue
    }
    const n = best(t)
    row(`numpy ${first.numpy} ${dtype}`, n, first.meanLogReturn, first.varLogReturn)
    console.log(
      `   ratio stacklens / numpy ${dtype} throughput: CPU (best) ${(n.cpu / ts.cpu).toFixed(2)}x, wall (best) ${(n.wall / ts.wall).toFixed(2)}x`,
    )
    check(`stacklens faster than numpy ${dtype} (same work, CPU best)`, ts.cpu < n.cpu)
  }
}

// ---- 3. full runMonteCarlo vs the previous engine ----
const lending = (
  id: string,
  coll: Record<string, number>,
  lt: number,
  debt: Record<string, number>,
): McPosition => {
  const liq: Record<string, number> = {}
  const eq: Record<string, number> = {}
  let c = 0
  let debtUsd = 0
  for (const [a, v] of Object.entries(coll)) {
    liq[a] = (liq[a] ?? 0) + v * lt
    eq[a] = (eq[a] ?? 0) + v
  }
  for (const [a, v] of Object.entries(debt)) {
    debtUsd += v
    if (a === 'USD') c -= v
    else {
      liq[a] = (liq[a] ?? 0) - v
      eq[a] = (eq[a] ?? 0) - v
    }
  }
  return {
    id,
    liqCoeffs: liq,
    liqConst: c,
    equityCoeffs: eq,
    equityConst: c,
    liquidationPenaltyUsd: 0.05 * debtUsd,
  }
}
const perp = (id: string, asset: string, sizeUsd: number, margin: number, mmr: number): McPosition => ({
  id,
  liqCoeffs: { [asset]: sizeUsd - Math.abs(sizeUsd) * mmr },
  liqConst: margin - sizeUsd,
  equityCoeffs: { [asset]: sizeUsd },
  equityConst: margin - sizeUsd,
  liquidationPenaltyUsd: Math.abs(sizeUsd) * mmr,
})
const ETH = { name: 'ETH', price: 3000, volatility: 0.65 }
const BTC = { name: 'BTC', price: 60000, volatility: 0.5 }
const ethBtc = [
  [1, 0.8],
  [0.8, 1],
]
const walletA: McInput = {
  assets: [ETH, BTC],
  correlation: ethBtc,
  positions: [
    lending('supply', { ETH: 2_000 }, 0.8, {}),
    lending('aave-eth-loan', { ETH: 10_000 }, 0.83, { USD: 6_000 }),
    lending('morpho-btc-eth-loan', { BTC: 20_000, ETH: 5_000 }, 0.86, { USD: 16_000 }),
    perp('btc-perp-short', 'BTC', -20_000, 4_000, 0.01),
  ],
  horizonDays: 30,
  steps: 250,
  paths: 20_000,
  seed: SEED,
}
const fifty: McPosition[] = [lending('supply', { ETH: 2_000 }, 0.8, {})]
// Health factors 1.15 .. 3 (HF = collateral x LT / debt).
for (let i = 0; i < 18; i++)
  fifty.push(lending(`eth-${i}`, { ETH: 10_000 }, 0.8, { USD: 8_000 / (1.15 + 0.1 * i) }))
for (let i = 0; i < 10; i++)
  fifty.push(lending(`btc-${i}`, { BTC: 20_000 }, 0.8, { USD: 16_000 / (1.15 + 0.18 * i) }))
for (let i = 0; i < 6; i++) fifty.push(perp(`eth-short-${i}`, 'ETH', -10_000, 1_500 + 500 * i, 0.01))
for (let i = 0; i < 5; i++) fifty.push(perp(`btc-long-${i}`, 'BTC', 10_000, 1_500 + 500 * i, 0.01))
for (let i = 0; i < 6; i++)
  fifty.push(
    lending(`eth-btc-usd-${i}`, { ETH: 10_000, BTC: 10_000 }, 0.8, { USD: 16_000 / (1.2 + 0.2 * i) }),
  )
for (let i = 0; i < 4; i++)
  fifty.push(lending(`eth-vs-btc-${i}`, { ETH: 10_000 }, 0.8, { BTC: 8_000 / (1.1 + 0.15 * i) }))
const walletB: McInput = { ...walletA, positions: fifty }
const N16 = 16
const assets16 = Array.from({ length: N16 }, (_, i) => ({
  name: `A${i}`,
  price: 10 + i,
  volatility: 0.5 + 0.03 * i,
}))
const corr16 = assets16.map((_, i) => assets16.map((__, j) => (i === j ? 1 : 0.5)))
const pos16: McPosition[] = [lending('supply', { A0: 2_000 }, 0.8, {})]
for (let i = 0; i < N16; i++)
  pos16.push(lending(`loan-${i}`, { [`A${i}`]: 10_000 }, 0.8, { USD: 8_000 / (1.2 + 0.05 * i) }))
for (let i = 0; i < 8; i++)
  pos16.push(lending(`pair-${i}`, { [`A${i}`]: 10_000 }, 0.8, { [`A${i + 8}`]: 8_000 / (1.2 + 0.1 * i) }))
for (let i = 0; i < 7; i++)
  pos16.push(perp(`perp-${i}`, `A${2 * i + 1}`, i % 2 ? 10_000 : -10_000, 2_500, 0.01))
const walletC: McInput = {
  assets: assets16,
  correlation: corr16,
  positions: pos16,
  horizonDays: 30,
  steps: 100,
  paths: 10_000,
  seed: SEED,
}

console.log('\n3. runMonteCarlo against the previous engine (same input, results compared)\n')
console.log(
  '| wallet                                   | path-steps | engine CPU best | path-steps/s (CPU) | cold (1st run)   | wall best | previous engine CPU best | path-steps/s (CPU) | speed-up (CPU) | equal |',
)
console.log(
  '|------------------------------------------|------------|-----------------|--------------------|------------------|-----------|--------------------------|--------------------|----------------|-------|',
)
const fullCases: [string, McInput, number | undefined][] = [
  ['a. ETH+BTC, 4 positions', walletA, undefined],
  ['b. ETH+BTC, 50 positions', walletB, 50e6],
  ['c. 16 assets (dense corr.), 32 positions', walletC, undefined],
]
for (const [name, input, goal] of SECTIONS.has('3') ? fullCases : []) {
  // The first full run (cold: V8 still compiling and re-optimizing the monitor's code), then
  // WARM more full runs so the timed runs see the steady state a long-lived worker reaches.
  const cold: Timing = { wall: [], cpu: [] }
  let got = timed(cold, () => runMonteCarlo(input))
  for (let k = 0; k < WARM; k++) got = runMonteCarlo(input)
  runReference({ ...input, paths: 2_000 })
  const a: Timing = { wall: [], cpu: [] }
  const r: Timing = { wall: [], cpu: [] }
  let ref = got
  for (let k = 0; k < RUNS; k++) {
    got = timed(a, () => runMonteCarlo(input))
    ref = timed(r, () => runReference(input))
  }
  const work = input.paths * input.steps
  const ba = best(a)
  const br = best(r)
  const equal = JSON.stringify(got) === JSON.stringify(ref)
  console.log(
    `| ${name.padEnd(40)} | ${work.toExponential(1).padStart(10)} | ${`${(ba.cpu * 1000).toFixed(0)} ms`.padStart(15)} | ${mps(work, ba.cpu).padStart(18)} | ${mps(work, cold.cpu[0]!).padStart(16)} | ${`${(ba.wall * 1000).toFixed(0)} ms`.padStart(9)} | ${`${(br.cpu * 1000).toFixed(0)} ms`.padStart(24)} | ${mps(work, br.cpu).padStart(18)} | ${`${(br.cpu / ba.cpu).toFixed(1)}x`.padStart(14)} | ${(equal ? 'yes' : 'NO').padStart(5)} |`,
  )
  check(`${name}: same result as the previous engine`, equal)
  if (goal) check(`${name}: >= ${goal / 1e6} M path-steps/s (CPU best)`, work / ba.cpu >= goal)
  if (name.startsWith('c.'))
    console.log(
      `   liquidation probability: wallet ${(100 * got.walletLiquidationProbability).toFixed(2)}%; VaR95 ${got.equity.var95.toFixed(0)} USD`,
    )
}
if (SECTIONS.has('3'))
  console.log(
    `   b: liquidation probability ${(100 * runMonteCarlo({ ...walletB, paths: 2_000 }).walletLiquidationProbability).toFixed(1)}% of paths (2,000 paths)`,
  )

rmSync(tmp, { recursive: true, force: true })
console.log('')
for (const [name, ok] of verdicts)
  console.log(
    `${ok === true ? 'PASS' : ok === false ? 'FAIL' : 'SKIP'}  ${name}${typeof ok === 'string' ? ` (${ok})` : ''}`,
  )
process.exit(0)
