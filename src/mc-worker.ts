/**
 * Node worker thread of the Monte Carlo pool (`./mc-worker-pool.ts`): runs one simulation per
 * message, off the main event loop.
 *
 * On Linux the thread lowers its own scheduling priority to nice 19 on start: there a nice value
 * belongs to a thread (setpriority(PRIO_PROCESS, 0) applies to the calling thread only), so the
 * simulations yield the cores to the event-loop thread, and `/health` and wallet reads keep their
 * latency while every core simulates (scripts/bench/load.ts). Elsewhere the call would renice the
 * whole process, so it is not made.
 */
import { setPriority } from 'node:os'
import { parentPort } from 'node:worker_threads'
import { type McInput, runMonteCarlo } from './risk/montecarlo.js'

/** A job: its id and the simulation input. */
export interface McJob {
  id: number
  input: McInput
}

if (process.platform === 'linux') {
  try {
    setPriority(19)
  } catch {
    // Not permitted here (a sandbox): the simulations run at the server's priority.
  }
}

parentPort?.on('message', (job: McJob) => {
  try {
    parentPort?.postMessage({ id: job.id, result: runMonteCarlo(job.input) })
  } catch (err) {
    const e = err instanceof Error ? err : new Error(String(err))
    parentPort?.postMessage({ id: job.id, error: { name: e.name, message: e.message } })
  }
})
