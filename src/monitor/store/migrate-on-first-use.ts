/**
 * A {@link MonitorStore} that runs its migrations before its first query, once (retried after a
 * failure). For runtimes that build the store synchronously and cannot migrate at start: the
 * Worker builds its app per isolate on the first request, over D1. Runtime-agnostic.
 */
import type { MonitorStore } from '../types.js'

/**
 * Wraps `store`: every method but `close` first awaits one shared `store.migrate()`; `migrate()`
 * itself returns that same promise. A failed migration is retried by the next call.
 */
export function migrateOnFirstUse(store: MonitorStore): MonitorStore {
  let ready: Promise<void> | null = null
  const migrated = (): Promise<void> => {
    ready ??= store.migrate().catch((err: unknown) => {
      ready = null
      throw err
    })
    return ready
  }
  return new Proxy(store, {
    get(target, prop, receiver) {
      const value: unknown = Reflect.get(target, prop, receiver)
      if (prop === 'migrate') return migrated
      if (typeof value !== 'function' || prop === 'close') return value
      return async (...args: unknown[]) => {
        await migrated()
        return (value as (...a: unknown[]) => unknown).apply(target, args)
      }
    },
  })
}
