/**
 * The Node Monte Carlo runner: a pool of worker threads (`node:worker_threads`), so a simulation's
 * CPU never blocks the event loop that answers `/health` and wallet reads. Jobs beyond the pool's
 * size wait in FIFO order (the API's work limiter bounds how many can be in flight). Node only:
 * `src/api` sees it as an injected `MonteCarloRunner`.
 */
import { availableParallelism } from 'node:os'
import { Worker } from 'node:worker_threads'
import type { MonteCarloRunner } from './api/route-context.js'
import type { McInput, McResult } from './risk/montecarlo.js'

/** Params of {@link createMonteCarloPool}. */
export interface MonteCarloPoolParams {
  /** Worker threads. Default: the cores less one, at least 1, at most 8. */
  size?: number
}

/** A running pool. */
export interface MonteCarloPool {
  run: MonteCarloRunner
  /** Terminates the workers; pending jobs fail. */
  close(): Promise<void>
}

type Pending = {
  resolve: (r: McResult) => void
  reject: (e: Error) => void
}

/**
 * The worker's entry: the built `.js` next to this file, or, running from the `.ts` source (tsx,
 * vitest), a bootstrap that registers tsx's loader in the thread and then imports the source.
 */
function spawnWorker(): Worker {
  const self = import.meta.url
  if (!self.endsWith('.ts')) return new Worker(new URL('./mc-worker.js', self))
  return new Worker(new URL('./mc-worker-boot.mjs', self))
}

/** Starts a pool of {@link MonteCarloPoolParams.size} workers (lazily, on the first jobs). */
export function createMonteCarloPool(params: MonteCarloPoolParams = {}): MonteCarloPool {
  const size = Math.max(1, Math.min(8, params.size ?? availableParallelism() - 1))
  const idle: Worker[] = []
  const all: Worker[] = []
  const queue: { input: McInput; pending: Pending }[] = []
  const inFlight = new Map<Worker, { id: number; pending: Pending }>()
  let nextId = 1
  let closed = false

  const spawn = (): Worker => {
    const w = spawnWorker()
    w.unref()
    w.on('message', (msg: { id: number; result?: McResult; error?: { name: string; message: string } }) => {
      const job = inFlight.get(w)
      inFlight.delete(w)
      if (job && job.id === msg.id) {
        if (msg.error) {
          const err =
            msg.error.name === 'RangeError' ? new RangeError(msg.error.message) : new Error(msg.error.message)
          job.pending.reject(err)
        } else job.pending.resolve(msg.result as McResult)
      }
      idle.push(w)
      pump()
    })
    w.on('error', (err) => {
      const job = inFlight.get(w)
      inFlight.delete(w)
      job?.pending.reject(err)
      all.splice(all.indexOf(w), 1)
      pump()
    })
    all.push(w)
    return w
  }

  const pump = () => {
    while (queue.length > 0 && !closed) {
      const w = idle.pop() ?? (all.length < size ? spawn() : undefined)
      if (!w) return
      const job = queue.shift()!
      const id = nextId++
      inFlight.set(w, { id, pending: job.pending })
      w.postMessage({ id, input: job.input })
    }
  }

  return {
    run: (input) =>
      new Promise<McResult>((resolve, reject) => {
        if (closed) return reject(new Error('the Monte Carlo pool is closed'))
        queue.push({ input, pending: { resolve, reject } })
        pump()
      }),
    async close() {
      closed = true
      for (const { pending } of queue.splice(0)) pending.reject(new Error('the Monte Carlo pool is closed'))
      await Promise.all(all.map((w) => w.terminate()))
    },
  }
}
