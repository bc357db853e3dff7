/**
 * The monitoring store on Cloudflare D1 (Workers): kysely-d1's dialect for queries, and
 * `D1Database.batch` (one implicit transaction, all-or-nothing) for multi-statement writes, since
 * D1 has no interactive transactions. Runtime-agnostic: no `node:` imports.
 */
import { Kysely } from 'kysely'
import { D1Dialect } from 'kysely-d1'
import type { MonitorStore } from '../types.js'
import { createKyselyStore } from './kysely-store.js'
import type { MonitorDatabase } from './schema.js'

/** The part of a D1 prepared statement the store uses (kept local: no global Workers types). */
export interface D1StatementLike {
  bind(...values: unknown[]): D1StatementLike
}

/** The part of a `D1Database` binding the store uses. */
export interface D1DatabaseLike {
  prepare(sql: string): D1StatementLike
  batch(statements: D1StatementLike[]): Promise<unknown[]>
}

/** A {@link MonitorStore} over a D1 binding (e.g. `env.DB`); call `migrate()` before use. */
export function createD1Store(d1: D1DatabaseLike): MonitorStore {
  const db = new Kysely<MonitorDatabase>({
    dialect: new D1Dialect({
      database: d1 as unknown as ConstructorParameters<typeof D1Dialect>[0]['database'],
    }),
  })
  return createKyselyStore({
    db,
    atomic: async (queries) => {
      if (queries.length === 0) return
      await d1.batch(queries.map((q) => d1.prepare(q.sql).bind(...q.parameters)))
    },
  })
}
