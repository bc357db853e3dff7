/**
 * Benchmark: the Monte Carlo engine (src/risk/montecarlo.ts) on one core.
 *
 * 1. Raw kernel: single-asset GBM terminal values (ETH: 65% vol, 30-day horizon), default
 *    100,000 paths x 1,000 steps = 1e8 path-steps, via gbmTerminalLogReturns then S0 * exp(.).
 *    Target: >= 100 million path-steps per second.
 * 2. The same GBM in numpy (scripts/bench/montecarlo_numpy.py: PCG64 + ziggurat normals in chunks,
 *    in-place cumsum of log increments, terminal values), run in a child process with the same
 *    paths, steps and seed; side by side with the ratio. Target: stacklens faster. Skipped
 *    cleanly (exit 0) when python3 or numpy is missing.
 * 3. Full runMonteCarlo: ETH and BTC (vols and correlation from src/risk/defaults.ts), three
 *    positions (Aave-style ETH loan, Morpho-style BTC+ETH loan, BTC perp short), 20,000 paths x
 *    250 steps; throughput in path-steps per second (informational).
 *
 * Times are the best and the median of --runs runs after a warm-up; each language's own clocks
 * around the simulation only: wall (performance.now, time.perf_counter) and CPU of the process
 * (process.cpuUsage, time.process_time; steadier on a shared machine). Targets use wall time.
 * numpy runs with OPENBLAS/OMP/MKL_NUM_THREADS=1 (one core, like Node's main thread).
 *
 * Usage: npx tsx scripts/bench/montecarlo.ts [--paths 100000] [--steps 1000] [--seed 1] [--runs 3]
 */
import { spawnSync } from 'node:child_process'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { DEFAULT_MARKET_PARAMS } from '../../src/risk/defaults.js'
import { gbmTerminalLogReturns, type McInput, runMonteCarlo } from '../../src/risk/montecarlo.js'

const { values } = parseArgs({
  options: {
    paths: { type: 'string', default: '100000' },
    steps: { type: 'string', default: '1000' },
    seed: { type: 'string', default: '1' },
    runs: { type: 'string', default: '3' },
  },
})
const PATHS = Number(values.paths)
const STEPS = Number(values.steps)
const SEED = Number(values.seed)
const RUNS = Math.max(1, Number(values.runs))
const VOL = 0.65
const HORIZON_DAYS = 30
const S0 = 3000

const median = (a: number[]) => {
  const s = [...a].sort((x, y) => x - y)
  return s[Math.floor((s.length - 1) / 2)]!
}
const mps = (pathSteps: number, seconds: number) => `${(pathSteps / seconds / 1e6).toFixed(1)} M/s`
const verdicts: Array<[string, boolean]> = []
const check = (name: string, ok: boolean) => verdicts.push([name, ok])

// ---- 1. raw kernel ----
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
kernel(20_000, 200, SEED + 1) // warm-up (JIT)
const kernelSeconds: number[] = []
const kernelCpu: number[] = []
let last = kernel(1, 1, SEED)
for (let r = 0; r < RUNS; r++) {
  const t = performance.now()
  const c = process.cpuUsage()
  last = kernel(PATHS, STEPS, SEED)
  const d = process.cpuUsage(c)
  kernelSeconds.push((performance.now() - t) / 1000)
  kernelCpu.push((d.user + d.system) / 1e6)
}
let mean = 0
for (const x of last.logRet) mean += x
mean /= PATHS
let variance = 0
for (const x of last.logRet) variance += (x - mean) ** 2
variance /= PATHS - 1
const pathSteps = PATHS * STEPS
const tsBest = Math.min(...kernelSeconds)
const tsMedian = median(kernelSeconds)
console.log(
  `\nsingle-asset GBM terminal values: ${PATHS.toLocaleString('en-US')} paths x ${STEPS.toLocaleString('en-US')} steps = ${pathSteps.toExponential(2)} path-steps, sigma ${VOL}, ${HORIZON_DAYS} days, ${RUNS} runs`,
)
console.log(
  `log return: mean ${mean.toFixed(5)} (closed form ${(-0.5 * VOL * VOL * (HORIZON_DAYS / 365)).toFixed(5)}), variance ${variance.toFixed(5)} (closed form ${((VOL * VOL * HORIZON_DAYS) / 365).toFixed(5)})\n`,
)

// ---- 2. numpy ----
interface NumpyRun {
  seconds: number
  cpuSeconds: number
  pathStepsPerSec: number
  meanLogReturn: number
  varLogReturn: number
  numpy: string
}
const script = join(dirname(fileURLToPath(import.meta.url)), 'montecarlo_numpy.py')
let numpy: { runs: NumpyRun[] } | { skipped: string }
// Debian's python3-numpy under the system python3 (/usr/bin/python3) first, as the issue asks;
// else whatever python3 is on PATH; STACKLENS_BENCH_PYTHON overrides both.
const PYTHON =
  process.env.STACKLENS_BENCH_PYTHON ??
  (spawnSync('/usr/bin/python3', ['-c', 'import numpy'], { encoding: 'utf8' }).status === 0
    ? '/usr/bin/python3'
    : 'python3')
const probe = spawnSync(PYTHON, ['-c', 'import numpy'], { encoding: 'utf8' })
if (probe.error) numpy = { skipped: `python3 not runnable: ${probe.error.message}` }
else if (probe.status !== 0)
  numpy = {
    skipped: `numpy not importable: ${(probe.stderr || '').trim().split('\n').pop() ?? 'unknown error'}`,
  }
else {
  const runs: NumpyRun[] = []
  let failure: string | undefined
  for (let r = 0; r < RUNS && !failure; r++) {
    const out = spawnSync(PYTHON, [script, String(PATHS), String(STEPS), String(SEED)], {
      encoding: 'utf8',
      env: { ...process.env, OPENBLAS_NUM_THREADS: '1', OMP_NUM_THREADS: '1', MKL_NUM_THREADS: '1' },
      maxBuffer: 1 << 20,
    })
    if (out.error || out.status !== 0) failure = out.error?.message ?? out.stderr.trim().split('\n').pop()
    else runs.push(JSON.parse(out.stdout.trim().split('\n').pop()!) as NumpyRun)
  }
  numpy = failure ? { skipped: `numpy script failed: ${failure}` } : { runs }
}

console.log(
  '| implementation          | wall best s | wall median s | CPU best s | path-steps/s (wall best) | mean log ret | var log ret |',
)
console.log(
  '|-------------------------|-------------|---------------|------------|--------------------------|--------------|-------------|',
)
const row = (name: string, best: number, med: number, cpu: number, m: number, v: number) =>
  console.log(
    `| ${name.padEnd(23)} | ${best.toFixed(3).padStart(11)} | ${med.toFixed(3).padStart(13)} | ${cpu.toFixed(3).padStart(10)} | ${mps(pathSteps, best).padStart(24)} | ${m.toFixed(5).padStart(12)} | ${v.toFixed(5).padStart(11)} |`,
  )
const tsCpu = Math.min(...kernelCpu)
row('stacklens (TS, 1 core)', tsBest, tsMedian, tsCpu, mean, variance)
check('stacklens kernel >= 100 M path-steps/s', pathSteps / tsBest >= 100e6)
if ('skipped' in numpy) console.log(`\nnumpy: skipped (${numpy.skipped})`)
else {
  const secs = numpy.runs.map((r) => r.seconds)
  const nb = Math.min(...secs)
  const ncpu = Math.min(...numpy.runs.map((r) => r.cpuSeconds))
  const first = numpy.runs[0]!
  row(`numpy ${first.numpy}`, nb, median(secs), ncpu, first.meanLogReturn, first.varLogReturn)
  console.log(
    `\nratio numpy / stacklens: wall (best) ${(nb / tsBest).toFixed(2)}x, CPU (best) ${(ncpu / tsCpu).toFixed(2)}x`,
  )
  check('stacklens faster than numpy', tsBest < nb)
}

// ---- 3. full runMonteCarlo ----
const eth = DEFAULT_MARKET_PARAMS.ETH!
const btc = DEFAULT_MARKET_PARAMS.BTC!
const wallet: McInput = {
  assets: [
    { name: 'ETH', price: 3000, volatility: eth.volatility },
    { name: 'BTC', price: 60000, volatility: btc.volatility },
  ],
  correlation: [
    [1, eth.corrBtc],
    [btc.corrEth, 1],
  ],
  positions: [
    {
      id: 'aave-eth-loan',
      liqCoeffs: { ETH: 10_000 * 0.83 },
      liqConst: -6_000,
      equityCoeffs: { ETH: 10_000 },
      equityConst: -6_000,
      liquidationPenaltyUsd: 0.05 * 6_000,
    },
    {
      id: 'morpho-btc-eth-loan',
      liqCoeffs: { BTC: 20_000 * 0.86, ETH: 5_000 * 0.86 },
      liqConst: -16_000,
      equityCoeffs: { BTC: 20_000, ETH: 5_000 },
      equityConst: -16_000,
      liquidationPenaltyUsd: 0.05 * 16_000,
    },
    {
      id: 'btc-perp-short',
      liqCoeffs: { BTC: -20_000 * 1.01 },
      liqConst: 24_000,
      equityCoeffs: { BTC: -20_000 },
      equityConst: 24_000,
      liquidationPenaltyUsd: 0,
    },
  ],
  horizonDays: 30,
  steps: 250,
  paths: 20_000,
  seed: SEED,
}
runMonteCarlo({ ...wallet, paths: 2_000 }) // warm-up
const mcSeconds: number[] = []
const mcCpu: number[] = []
let result = runMonteCarlo({ ...wallet, paths: 1, steps: 1 })
for (let r = 0; r < RUNS; r++) {
  const t = performance.now()
  const c = process.cpuUsage()
  result = runMonteCarlo(wallet)
  const d = process.cpuUsage(c)
  mcSeconds.push((performance.now() - t) / 1000)
  mcCpu.push((d.user + d.system) / 1e6)
}
const mcBest = Math.min(...mcSeconds)
console.log(
  `\nrunMonteCarlo, 2 correlated assets (ETH, BTC) x 3 positions, ${wallet.paths.toLocaleString('en-US')} paths x ${wallet.steps} steps: best ${(mcBest * 1000).toFixed(0)} ms, median ${(median(mcSeconds) * 1000).toFixed(0)} ms = ${mps(result.pathSteps, mcBest)} path-steps (${mps(result.pathSteps * 2, mcBest)} asset-path-steps); CPU best ${(Math.min(...mcCpu) * 1000).toFixed(0)} ms`,
)
console.log(
  `  liquidation probability: ${result.positions.map((p) => `${p.id} ${(100 * p.liquidationProbability).toFixed(2)}%`).join(', ')}; wallet ${(100 * result.walletLiquidationProbability).toFixed(2)}%; VaR95 ${result.equity.var95.toFixed(0)} USD, ES95 ${result.equity.es95.toFixed(0)} USD`,
)

console.log('')
for (const [name, ok] of verdicts) console.log(`${ok ? 'PASS' : 'FAIL'}  ${name}`)
process.exit(0)
