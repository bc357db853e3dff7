/**
 * A Kysely dialect over `node-sqlite3-wasm` (SQLite compiled to WebAssembly, synchronous API,
 * direct file access, no native build). Node only: it imports `node:fs` for the lock directory.
 *
 * One connection per database, serialized by a mutex (the engine is synchronous and
 * single-threaded). The package's file lock is a `<file>.lock` directory made with mkdir: a
 * process killed inside a statement leaves it behind, so {@link openSqliteDatabase} removes a lock
 * older than `staleLockMs` at open, and a statement that finds the lock held by another process
 * (`database is locked`) is retried with a short sleep for up to `busyTimeoutMs`. WAL is not
 * available in this build: SQLite's default rollback journal is used (a hot journal left by a
 * killed process is rolled back by SQLite at the next open).
 */
import { rmdirSync, statSync } from 'node:fs'
import {
  type CompiledQuery,
  type DatabaseConnection,
  type Dialect,
  type Driver,
  type Kysely,
  type QueryResult,
  SqliteAdapter,
  SqliteIntrospector,
  SqliteQueryCompiler,
} from 'kysely'
import sqliteWasm from 'node-sqlite3-wasm'

/** The package's database class (CommonJS default export). */
type WasmDatabase = InstanceType<typeof sqliteWasm.Database>

/** Options of {@link openSqliteDatabase}. */
export interface OpenSqliteOptions {
  /** A `<file>.lock` directory older than this (ms) is a crashed process's and is removed at open. Default 10 000. */
  staleLockMs?: number
  /** How long (ms) a statement waits for another process's lock before failing. Default 5 000. */
  busyTimeoutMs?: number
  /** The clock (ms), injectable for the stale-lock test. */
  now?: () => number
}

/** Default age (ms) after which a leftover lock directory is considered stale. */
export const DEFAULT_STALE_LOCK_MS = 10_000
/** Default time (ms) a statement waits for another process's lock. */
export const DEFAULT_BUSY_TIMEOUT_MS = 5_000

/** An open SQLite database with the settings the dialect needs. */
export interface SqliteHandle {
  db: WasmDatabase
  /** The database file (`:memory:` for an in-memory database). */
  path: string
  busyTimeoutMs: number
  /** True when a stale lock directory was removed at open. */
  removedStaleLock: boolean
}

/**
 * Opens (creating if missing) a SQLite database file, removing a stale `<file>.lock` first, and
 * turns foreign keys on.
 */
export function openSqliteDatabase(path: string, options: OpenSqliteOptions = {}): SqliteHandle {
  const staleLockMs = options.staleLockMs ?? DEFAULT_STALE_LOCK_MS
  const now = options.now ?? Date.now
  let removedStaleLock = false
  if (path !== ':memory:') {
    const lock = `${path}.lock`
    try {
      const st = statSync(lock)
      if (st.isDirectory() && now() - st.mtimeMs > staleLockMs) {
        rmdirSync(lock)
        removedStaleLock = true
      }
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err
    }
  }
  const db = new sqliteWasm.Database(path)
  db.exec('PRAGMA foreign_keys = ON')
  return { db, path, busyTimeoutMs: options.busyTimeoutMs ?? DEFAULT_BUSY_TIMEOUT_MS, removedStaleLock }
}

/** True for the error SQLite raises when another process holds the file lock. */
function isBusy(err: unknown): boolean {
  return err instanceof Error && /database is locked|SQLITE_BUSY/i.test(err.message)
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

/** Whether a compiled query yields rows (a select, a `returning` clause, or raw SQL such as a pragma). */
function returnsRows(q: CompiledQuery): boolean {
  const node = q.query as { kind: string; returning?: unknown }
  return node.kind === 'SelectQueryNode' || node.kind === 'RawNode' || node.returning !== undefined
}

class WasmConnection implements DatabaseConnection {
  constructor(private readonly handle: SqliteHandle) {}

  async executeQuery<R>(q: CompiledQuery): Promise<QueryResult<R>> {
    const deadline = Date.now() + this.handle.busyTimeoutMs
    for (let wait = 5; ; wait = Math.min(wait * 2, 100)) {
      try {
        return this.executeOnce<R>(q)
      } catch (err) {
        if (!isBusy(err) || Date.now() >= deadline) throw err
        await sleep(wait)
      }
    }
  }

  private executeOnce<R>(q: CompiledQuery): QueryResult<R> {
    const stmt = this.handle.db.prepare(q.sql)
    try {
      const params = q.parameters as Array<number | bigint | string | Uint8Array | null>
      if (returnsRows(q)) return { rows: stmt.all(params) as R[] }
      const r = stmt.run(params)
      return {
        rows: [],
        numAffectedRows: BigInt(r.changes),
        insertId: BigInt(r.lastInsertRowid),
      }
    } finally {
      stmt.finalize()
    }
  }

  // biome-ignore lint/correctness/useYield: streaming is not supported by this driver.
  async *streamQuery<R>(): AsyncIterableIterator<QueryResult<R>> {
    throw new Error('the node-sqlite3-wasm driver does not stream')
  }
}

/** Serializes use of the one connection (a transaction holds it until commit or rollback). */
class Mutex {
  private tail: Promise<void> = Promise.resolve()
  private release: (() => void) | null = null

  async lock(): Promise<void> {
    const prev = this.tail
    let release!: () => void
    this.tail = new Promise<void>((r) => {
      release = r
    })
    await prev
    this.release = release
  }

  unlock(): void {
    const r = this.release
    this.release = null
    r?.()
  }
}

class WasmDriver implements Driver {
  private readonly mutex = new Mutex()
  private readonly connection: WasmConnection

  constructor(private readonly handle: SqliteHandle) {
    this.connection = new WasmConnection(handle)
  }

  async init(): Promise<void> {}

  async acquireConnection(): Promise<DatabaseConnection> {
    await this.mutex.lock()
    return this.connection
  }

  async beginTransaction(conn: DatabaseConnection): Promise<void> {
    await conn.executeQuery(rawQuery('BEGIN IMMEDIATE'))
  }

  async commitTransaction(conn: DatabaseConnection): Promise<void> {
    await conn.executeQuery(rawQuery('COMMIT'))
  }

  async rollbackTransaction(conn: DatabaseConnection): Promise<void> {
    await conn.executeQuery(rawQuery('ROLLBACK'))
  }

  async releaseConnection(): Promise<void> {
    this.mutex.unlock()
  }

  async destroy(): Promise<void> {
    if (this.handle.db.isOpen) this.handle.db.close()
  }
}

/** A compiled raw statement without parameters. */
function rawQuery(sql: string): CompiledQuery {
  return { sql, parameters: [], query: { kind: 'RawNode' } } as unknown as CompiledQuery
}

/** The Kysely dialect over an open {@link SqliteHandle}; `db.destroy()` closes the file. */
export class WasmSqliteDialect implements Dialect {
  constructor(private readonly handle: SqliteHandle) {}
  createAdapter() {
    return new SqliteAdapter()
  }
  createDriver(): Driver {
    return new WasmDriver(this.handle)
  }
  createQueryCompiler() {
    return new SqliteQueryCompiler()
  }
  // biome-ignore lint/suspicious/noExplicitAny: Kysely's introspector takes any database schema.
  createIntrospector(db: Kysely<any>) {
    return new SqliteIntrospector(db)
  }
}
