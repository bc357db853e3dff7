/**
 * The one schema of monitoring, as one ordered list of versioned migrations shared by SQLite (Node)
 * and D1 (Workers). Each migration is plain SQLite DDL; {@link runMigrations} applies the pending
 * ones in order, each with its version row in one atomic unit, so running it again (or from two
 * processes) changes nothing. Never edit a shipped migration: append a new one.
 *
 * Storage conventions: times are INTEGER Unix milliseconds; block numbers are TEXT decimal strings
 * (bigint in the API; D1 returns INTEGER as a float64, so TEXT keeps any block exact); rules,
 * chains, webhooks and positions are JSON TEXT; metric values are REAL (float).
 */
import { type CompiledQuery, type Kysely, sql } from 'kysely'
import { BaseError } from '../../core/errors.js'

/** One schema change. */
export interface Migration {
  /** 1, 2, 3, ... in order, never reused. */
  version: number
  name: string
  /** SQLite statements, run in order. */
  statements: string[]
}

/** The migrations, oldest first. */
export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'monitoring: keys, watches, rule states, alerts, deliveries',
    statements: [
      `CREATE TABLE IF NOT EXISTS api_keys (
        id TEXT PRIMARY KEY,
        hash TEXT NOT NULL UNIQUE,
        label TEXT,
        max_watches INTEGER NOT NULL,
        max_targets_per_watch INTEGER NOT NULL,
        created_at INTEGER NOT NULL,
        revoked_at INTEGER
      )`,
      `CREATE TABLE IF NOT EXISTS watches (
        id TEXT PRIMARY KEY,
        key_id TEXT NOT NULL REFERENCES api_keys(id),
        address TEXT NOT NULL,
        chains TEXT NOT NULL,
        rules TEXT NOT NULL,
        webhooks TEXT NOT NULL,
        cooldown_ms INTEGER NOT NULL,
        label TEXT,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL
      )`,
      'CREATE INDEX IF NOT EXISTS watches_by_key ON watches (key_id, id)',
      // One row per (watch, chain): pages the watches of a chain by id without scanning JSON.
      `CREATE TABLE IF NOT EXISTS watch_chains (
        chain TEXT NOT NULL,
        watch_id TEXT NOT NULL REFERENCES watches(id) ON DELETE CASCADE,
        PRIMARY KEY (chain, watch_id)
      )`,
      `CREATE TABLE IF NOT EXISTS rule_states (
        watch_id TEXT NOT NULL REFERENCES watches(id) ON DELETE CASCADE,
        chain TEXT NOT NULL,
        rule_index INTEGER NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('armed', 'fired')),
        last_value REAL,
        last_block TEXT,
        memo TEXT,
        updated_at INTEGER NOT NULL,
        PRIMARY KEY (chain, watch_id, rule_index)
      )`,
      `CREATE TABLE IF NOT EXISTS alerts (
        id TEXT PRIMARY KEY,
        watch_id TEXT NOT NULL REFERENCES watches(id) ON DELETE CASCADE,
        chain TEXT NOT NULL,
        rule_index INTEGER NOT NULL,
        rule TEXT NOT NULL,
        before_value REAL,
        after_value REAL,
        block TEXT NOT NULL,
        message TEXT NOT NULL,
        positions TEXT,
        created_at INTEGER NOT NULL
      )`,
      'CREATE INDEX IF NOT EXISTS alerts_by_watch ON alerts (watch_id, created_at)',
      `CREATE TABLE IF NOT EXISTS deliveries (
        id TEXT PRIMARY KEY,
        alert_id TEXT NOT NULL REFERENCES alerts(id) ON DELETE CASCADE,
        target_index INTEGER NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('pending', 'delivered', 'dead')),
        attempts INTEGER NOT NULL,
        next_attempt_at INTEGER,
        last_status INTEGER,
        last_body_hash TEXT,
        last_error TEXT,
        updated_at INTEGER NOT NULL,
        UNIQUE (alert_id, target_index)
      )`,
      'CREATE INDEX IF NOT EXISTS deliveries_due ON deliveries (status, next_attempt_at)',
    ],
  },
]

/** The schema version this build writes. */
export const SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1]?.version ?? 0

/** The database was migrated by a newer stacklens than this one. */
export class SchemaTooNewError extends BaseError {
  override name = 'SchemaTooNewError'
  constructor(found: number) {
    super(
      'CONFIG_INVALID',
      `the monitoring database is at schema version ${found}, newer than this build's ${SCHEMA_VERSION}: upgrade stacklens`,
    )
  }
}

/** Runs compiled queries all-or-nothing (a transaction on SQLite, a batch on D1). */
export type AtomicRunner = (queries: CompiledQuery[]) => Promise<void>

/**
 * Applies the pending migrations of {@link MIGRATIONS} in order; returns the versions applied
 * (empty when the database was up to date).
 */
// biome-ignore lint/suspicious/noExplicitAny: migrations run before the typed schema exists.
export async function runMigrations(db: Kysely<any>, atomic: AtomicRunner): Promise<number[]> {
  await sql`CREATE TABLE IF NOT EXISTS stacklens_migrations (
    version INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    applied_at INTEGER NOT NULL
  )`.execute(db)
  const rows = await db.selectFrom('stacklens_migrations').select('version').execute()
  const applied = new Set(rows.map((r) => Number(r.version)))
  const newest = Math.max(0, ...applied)
  if (newest > SCHEMA_VERSION) throw new SchemaTooNewError(newest)
  const done: number[] = []
  for (const m of MIGRATIONS) {
    if (applied.has(m.version)) continue
    await atomic([
      ...m.statements.map((s) => sql.raw(s).compile(db)),
      db
        .insertInto('stacklens_migrations')
        .values({ version: m.version, name: m.name, applied_at: Date.now() })
        .onConflict((oc) => oc.column('version').doNothing())
        .compile(),
    ])
    done.push(m.version)
  }
  return done
}
