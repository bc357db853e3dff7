/**
 * `stacklens keys create`: the admin command that makes an API key for `/v1/watches*`. It writes
 * the key's SHA-256 (`createApiKey`, src/monitor/keys.ts) into the SQLite store the Node server
 * opens (`--db PATH`, else `STACKLENS_DB`, else .stacklens/stacklens.db; migrated at open) and
 * prints the key once: it is never stored and cannot be shown again. A running server sees the new
 * key at its next request (the store is the same file). With `--sql` nothing is opened: the key is
 * printed with the INSERT statement that stores it in a Workers deployment's D1 (run it with
 * `wrangler d1 execute`).
 */
import { parseArgs } from 'node:util'
import { BaseError } from '../core/errors.js'
import { apiKeyInsertSql, createApiKey, DEFAULT_KEY_LIMITS, newApiKey } from '../monitor/keys.js'
import { dbPathFromEnv, openSqliteStore } from '../monitor/store/sqlite-store.js'

/** What the command writes to and reads from (the CLI's `CliIo`). */
export interface KeysCommandIo {
  env: Record<string, string | undefined>
  out(line: string): void
  err(text: string): void
}

/** The usage lines of the command. */
export const KEYS_USAGE = `  stacklens keys create [--limit-watches N] [--limit-targets N] [--label L] [--db PATH | --sql] [--json]
                                                    create an API key for /v1/watches (stored hashed in the SQLite
                                                    store: --db, else STACKLENS_DB, else .stacklens/stacklens.db);
                                                    prints the key once (--json: { "key": "sk_..." }); limits default
                                                    to ${DEFAULT_KEY_LIMITS.maxWatches} watches per key, ${DEFAULT_KEY_LIMITS.maxTargetsPerWatch} webhook targets per watch; --sql: store nothing, print
                                                    the key and the INSERT for a Workers D1 (--json: { "key", "sql" })`

/** Upper bound of both per-key limits (a typo guard, not a policy). */
const MAX_LIMIT = 1_000_000

/** A positive integer flag, or INVALID_REQUEST naming it. */
function limitFlag(raw: string | undefined, flag: string): number | undefined {
  if (raw === undefined) return undefined
  const n = Number(raw)
  if (!/^\d+$/.test(raw) || !Number.isSafeInteger(n) || n < 1 || n > MAX_LIMIT)
    throw new BaseError(
      'INVALID_REQUEST',
      `${flag} must be an integer between 1 and ${MAX_LIMIT}, got "${raw}"`,
    )
  return n
}

/**
 * Runs `stacklens keys <args>`.
 * @throws BaseError INVALID_REQUEST for an unknown subcommand or a bad flag (exit code 2).
 */
export async function keysCommand(args: string[], io: KeysCommandIo): Promise<void> {
  const [sub, ...rest] = args
  if (sub !== 'create')
    throw new BaseError(
      'INVALID_REQUEST',
      `${sub === undefined ? 'keys needs a subcommand' : `unknown keys subcommand "${sub}"`}\n${KEYS_USAGE}`,
    )
  const { values, positionals } = parseArgs({
    args: rest,
    allowPositionals: true,
    options: {
      'limit-watches': { type: 'string' },
      'limit-targets': { type: 'string' },
      label: { type: 'string' },
      db: { type: 'string' },
      json: { type: 'boolean', default: false },
      sql: { type: 'boolean', default: false },
    },
  })
  if (positionals.length > 0)
    throw new BaseError('INVALID_REQUEST', `keys create takes no argument, got "${positionals[0]}"`)
  const maxWatches = limitFlag(values['limit-watches'], '--limit-watches')
  const maxTargetsPerWatch = limitFlag(values['limit-targets'], '--limit-targets')
  if (values.label !== undefined && values.label.length > 100)
    throw new BaseError('INVALID_REQUEST', '--label must be at most 100 characters')
  if (values.db === '') throw new BaseError('INVALID_REQUEST', '--db must be a file path')
  const params = {
    ...(values.label === undefined ? {} : { label: values.label }),
    ...(maxWatches === undefined ? {} : { maxWatches }),
    ...(maxTargetsPerWatch === undefined ? {} : { maxTargetsPerWatch }),
  }
  if (values.sql) {
    if (values.db !== undefined) throw new BaseError('INVALID_REQUEST', '--sql writes no store: drop --db')
    const { key, record } = await newApiKey(params)
    const sql = apiKeyInsertSql(record)
    if (values.json) {
      io.out(JSON.stringify({ key, sql }))
      return
    }
    io.out(key)
    io.out(sql)
    io.err(
      `key ${record.id}: nothing stored. Store it in the Worker's D1 with\n  npx wrangler d1 execute stacklens --remote --command "<the INSERT above>"\nThe key is shown once (the statement holds only its SHA-256).\n`,
    )
    return
  }
  const path = values.db ?? dbPathFromEnv(io.env)
  const store = await openSqliteStore(path)
  try {
    const { key, record } = await createApiKey(store, params)
    if (values.json) {
      io.out(JSON.stringify({ key }))
      return
    }
    io.out(key)
    io.err(
      `key ${record.id} created in ${path}: up to ${record.maxWatches} watches, ${record.maxTargetsPerWatch} webhook targets per watch.\nIt is shown once (only its SHA-256 is stored). Use it as Authorization: Bearer <key>, or STACKLENS_API_KEY for \`stacklens watch\`.\n`,
    )
  } finally {
    await store.close()
  }
}
