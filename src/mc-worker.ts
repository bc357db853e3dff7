/**
 * Node worker thread of the Monte Carlo pool (`./mc-worker-pool.ts`): runs one simulation per
 * message, off the main event loop.
 */
import { parentPort } from 'node:worker_threads'
import { type McInput, runMonteCarlo } from './risk/montecarlo.js'

/** A job: its id and the simulation input. */
export interface McJob {
  id: number
  input: McInput
}

parentPort?.on('message', (job: McJob) => {
  try {
    parentPort?.postMessage({ id: job.id, result: runMonteCarlo(job.input) })
  } catch (err) {
    const e = err instanceof Error ? err : new Error(String(err))
    parentPort?.postMessage({ id: job.id, error: { name: e.name, message: e.message } })
  }
})
