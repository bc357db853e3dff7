/**
 * The monitoring store on Node: an embedded SQLite file through `node-sqlite3-wasm` and this
 * project's Kysely dialect (`sqlite-dialect.ts`). Node only (the dialect imports `node:fs`): the
 * Worker bundle uses `d1-store.ts`.
 */
import { mkdirSync } from 'node:fs'
import { dirname } from 'node:path'
import { Kysely } from 'kysely'
import type { MonitorStore } from '../types.js'
import { createKyselyStore } from './kysely-store.js'
import type { MonitorDatabase } from './schema.js'
import { type OpenSqliteOptions, openSqliteDatabase, WasmSqliteDialect } from './sqlite-dialect.js'

/** The database file when `STACKLENS_DB` is not set (relative to the working directory). */
export const DEFAULT_DB_PATH = '.stacklens/stacklens.db'

/** The database path from the environment: `STACKLENS_DB`, else {@link DEFAULT_DB_PATH}. */
export function dbPathFromEnv(env: { STACKLENS_DB?: string | undefined }): string {
  return env.STACKLENS_DB && env.STACKLENS_DB.length > 0 ? env.STACKLENS_DB : DEFAULT_DB_PATH
}

/**
 * Opens (creating the file and its folder if missing) the SQLite store at `path` (`:memory:` for
 * an in-memory one) and runs its migrations. Close it with `close()`.
 */
export async function openSqliteStore(path: string, options: OpenSqliteOptions = {}): Promise<MonitorStore> {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true })
  const handle = openSqliteDatabase(path, options)
  const db = new Kysely<MonitorDatabase>({ dialect: new WasmSqliteDialect(handle) })
  const store = createKyselyStore({
    db,
    atomic: (queries) =>
      db.transaction().execute(async (trx) => {
        for (const q of queries) await trx.executeQuery(q)
      }),
  })
  try {
    await store.migrate()
  } catch (err) {
    await store.close()
    throw err
  }
  return store
}
