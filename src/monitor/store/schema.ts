/**
 * Row types of the monitoring database (see `migrations.ts` for the DDL and the storage
 * conventions: ms INTEGER times, TEXT block numbers, JSON TEXT lists).
 */

/** `api_keys`: one row per API key (only the key's SHA-256 is stored). */
export interface ApiKeysTable {
  id: string
  hash: string
  label: string | null
  max_watches: number
  max_targets_per_watch: number
  created_at: number
  revoked_at: number | null
}

/** `watches`: one row per watch; `chains`, `rules`, `webhooks` are JSON. */
export interface WatchesTable {
  id: string
  key_id: string
  address: string
  chains: string
  rules: string
  webhooks: string
  cooldown_ms: number
  label: string | null
  created_at: number
  updated_at: number
}

/** `watch_chains`: (chain, watch) pairs, the index the evaluator pages by. */
export interface WatchChainsTable {
  chain: string
  watch_id: string
}

/** `rule_states`: hysteresis state per (watch, chain, rule). */
export interface RuleStatesTable {
  watch_id: string
  chain: string
  rule_index: number
  status: 'armed' | 'fired'
  last_value: number | null
  /** Decimal block number. */
  last_block: string | null
  memo: string | null
  updated_at: number
}

/** `alerts`: fired alerts; `rule` and `positions` are JSON, `block` decimal. */
export interface AlertsTable {
  id: string
  watch_id: string
  chain: string
  rule_index: number
  rule: string
  before_value: number | null
  after_value: number | null
  block: string
  message: string
  positions: string | null
  created_at: number
}

/** `deliveries`: one per (alert, webhook target). */
export interface DeliveriesTable {
  id: string
  alert_id: string
  target_index: number
  status: 'pending' | 'delivered' | 'dead'
  attempts: number
  next_attempt_at: number | null
  last_status: number | null
  last_body_hash: string | null
  last_error: string | null
  updated_at: number
}

/** `stacklens_migrations`: applied schema versions. */
export interface MigrationsTable {
  version: number
  name: string
  applied_at: number
}

/** The whole monitoring database, for `Kysely<MonitorDatabase>`. */
export interface MonitorDatabase {
  api_keys: ApiKeysTable
  watches: WatchesTable
  watch_chains: WatchChainsTable
  rule_states: RuleStatesTable
  alerts: AlertsTable
  deliveries: DeliveriesTable
  stacklens_migrations: MigrationsTable
}
