// Boots the Monte Carlo worker from its TypeScript source (tsx, vitest): tsx's loader is
// registered in this thread, then the worker module is imported. Built code runs mc-worker.js.
import { register } from 'tsx/esm/api'

register()
await import('./mc-worker.ts')
