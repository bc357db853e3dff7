/**
 * The one query layer of monitoring: {@link MonitorStore} over any `Kysely<MonitorDatabase>`
 * (SQLite on Node through `sqlite-dialect.ts`, D1 on Workers through kysely-d1). Multi-statement
 * writes go through an injected {@link AtomicRunner} (a transaction on SQLite, `D1Database.batch`
 * on D1, which has no interactive transactions), so every write is all-or-nothing on both.
 */
import type { CompiledQuery, Kysely, Selectable } from 'kysely'
import type {
  Alert,
  ApiKeyRecord,
  Delivery,
  DueDelivery,
  EvaluationOutcome,
  MonitorStore,
  RuleState,
  Watch,
  WatchRule,
  WebhookTarget,
} from '../types.js'
import { type AtomicRunner, runMigrations } from './migrations.js'
import type {
  AlertsTable,
  ApiKeysTable,
  DeliveriesTable,
  MonitorDatabase,
  RuleStatesTable,
  WatchesTable,
} from './schema.js'

/** Parts of a {@link createKyselyStore} store. */
export interface KyselyStoreParams {
  db: Kysely<MonitorDatabase>
  /** Runs compiled queries all-or-nothing. */
  atomic: AtomicRunner
  /** Extra work at close after `db.destroy()` (e.g. nothing on D1). */
  onClose?: () => Promise<void> | void
}

/**
 * Most values bound in one statement: D1 allows 100 bound parameters per query, so `IN` lists are
 * chunked below that on both backends.
 */
export const MAX_IN_LIST = 90

function chunks<T>(items: readonly T[], size = MAX_IN_LIST): T[][] {
  const out: T[][] = []
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size))
  return out
}

/** The delivery id of an alert's `targetIndex`-th target (deterministic: re-applying inserts nothing). */
export function deliveryIdOf(alertId: string, targetIndex: number): string {
  return `d_${alertId}_${targetIndex}`
}

const num = (v: number | bigint) => Number(v)
const numOrNull = (v: number | bigint | null) => (v === null ? null : Number(v))

function keyFromRow(r: Selectable<ApiKeysTable>): ApiKeyRecord {
  return {
    id: r.id,
    hash: r.hash,
    ...(r.label === null ? {} : { label: r.label }),
    maxWatches: num(r.max_watches),
    maxTargetsPerWatch: num(r.max_targets_per_watch),
    createdAt: num(r.created_at),
    ...(r.revoked_at === null ? {} : { revokedAt: num(r.revoked_at) }),
  }
}

function watchFromRow(r: Selectable<WatchesTable>): Watch {
  return {
    id: r.id,
    keyId: r.key_id,
    address: r.address as `0x${string}`,
    chains: JSON.parse(r.chains) as string[],
    rules: JSON.parse(r.rules) as WatchRule[],
    webhooks: JSON.parse(r.webhooks) as WebhookTarget[],
    cooldownMs: num(r.cooldown_ms),
    ...(r.label === null ? {} : { label: r.label }),
    createdAt: num(r.created_at),
    updatedAt: num(r.updated_at),
  }
}

function watchToRow(w: Watch): WatchesTable {
  return {
    id: w.id,
    key_id: w.keyId,
    address: w.address.toLowerCase(),
    chains: JSON.stringify(w.chains),
    rules: JSON.stringify(w.rules),
    webhooks: JSON.stringify(w.webhooks),
    cooldown_ms: w.cooldownMs,
    label: w.label ?? null,
    created_at: w.createdAt,
    updated_at: w.updatedAt,
  }
}

function stateFromRow(r: Selectable<RuleStatesTable>): RuleState {
  return {
    watchId: r.watch_id,
    chain: r.chain,
    ruleIndex: num(r.rule_index),
    status: r.status,
    lastValue: numOrNull(r.last_value),
    lastBlock: r.last_block === null ? null : BigInt(r.last_block),
    ...(r.memo === null ? {} : { memo: r.memo }),
    updatedAt: num(r.updated_at),
  }
}

function alertFromRow(r: Selectable<AlertsTable>): Alert {
  return {
    id: r.id,
    watchId: r.watch_id,
    chain: r.chain,
    ruleIndex: num(r.rule_index),
    rule: JSON.parse(r.rule) as WatchRule,
    before: numOrNull(r.before_value),
    after: numOrNull(r.after_value),
    block: BigInt(r.block),
    message: r.message,
    ...(r.positions === null ? {} : { positions: JSON.parse(r.positions) as string[] }),
    createdAt: num(r.created_at),
  }
}

function deliveryFromRow(r: Selectable<DeliveriesTable>): Delivery {
  return {
    id: r.id,
    alertId: r.alert_id,
    targetIndex: num(r.target_index),
    status: r.status,
    attempts: num(r.attempts),
    nextAttemptAt: numOrNull(r.next_attempt_at),
    ...(r.last_status === null ? {} : { lastStatus: num(r.last_status) }),
    ...(r.last_body_hash === null ? {} : { lastBodyHash: r.last_body_hash }),
    ...(r.last_error === null ? {} : { lastError: r.last_error }),
    updatedAt: num(r.updated_at),
  }
}

/**
 * Rule-state rows per multi-row upsert: 8 bound values a row, kept under D1's 100 bound parameters
 * per statement (like {@link MAX_IN_LIST}).
 */
export const RULE_STATE_ROWS_PER_STATEMENT = Math.floor(MAX_IN_LIST / 8)

/** Statements per atomic unit of {@link MonitorStore.applyEvaluations} (one transaction or D1 batch). */
export const MAX_STATEMENTS_PER_UNIT = 500

/** Builds the {@link MonitorStore} over a Kysely instance and its atomic runner. */
export function createKyselyStore(params: KyselyStoreParams): MonitorStore {
  const { db, atomic } = params
  let closed = false

  /** Upserts of `states`, `rowsPerStatement` rows per INSERT (the later row wins on a conflict). */
  const ruleStateUpserts = (states: readonly RuleState[], rowsPerStatement: number): CompiledQuery[] => {
    const out: CompiledQuery[] = []
    for (let i = 0; i < states.length; i += rowsPerStatement) {
      const rows = states.slice(i, i + rowsPerStatement).map((s) => ({
        watch_id: s.watchId,
        chain: s.chain,
        rule_index: s.ruleIndex,
        status: s.status,
        last_value: s.lastValue,
        last_block: s.lastBlock === null ? null : s.lastBlock.toString(),
        memo: s.memo ?? null,
        updated_at: s.updatedAt,
      }))
      out.push(
        db
          .insertInto('rule_states')
          .values(rows)
          .onConflict((oc) =>
            oc.columns(['chain', 'watch_id', 'rule_index']).doUpdateSet((eb) => ({
              status: eb.ref('excluded.status'),
              last_value: eb.ref('excluded.last_value'),
              last_block: eb.ref('excluded.last_block'),
              memo: eb.ref('excluded.memo'),
              updated_at: eb.ref('excluded.updated_at'),
            })),
          )
          .compile(),
      )
    }
    return out
  }

  /** Inserts of an outcome's alerts and one pending delivery per (alert, target), idempotent. */
  const alertInserts = (outcome: EvaluationOutcome, webhookCount: number, now: number): CompiledQuery[] => {
    const queries: CompiledQuery[] = []
    for (const a of outcome.alerts) {
      queries.push(
        db
          .insertInto('alerts')
          .values({
            id: a.id,
            watch_id: a.watchId,
            chain: a.chain,
            rule_index: a.ruleIndex,
            rule: JSON.stringify(a.rule),
            before_value: a.before,
            after_value: a.after,
            block: a.block.toString(),
            message: a.message,
            positions: a.positions === undefined ? null : JSON.stringify(a.positions),
            created_at: a.createdAt,
          })
          .onConflict((oc) => oc.column('id').doNothing())
          .compile(),
      )
      for (let i = 0; i < webhookCount; i++) {
        queries.push(
          db
            .insertInto('deliveries')
            .values({
              id: deliveryIdOf(a.id, i),
              alert_id: a.id,
              target_index: i,
              status: 'pending',
              attempts: 0,
              next_attempt_at: now,
              last_status: null,
              last_body_hash: null,
              last_error: null,
              updated_at: now,
            })
            .onConflict((oc) => oc.doNothing())
            .compile(),
        )
      }
    }
    return queries
  }

  const watchChainRows = (w: Watch): CompiledQuery[] =>
    [...new Set(w.chains)].map((chain) =>
      db
        .insertInto('watch_chains')
        .values({ chain, watch_id: w.id })
        .onConflict((oc) => oc.doNothing())
        .compile(),
    )

  /** Due-delivery rows joined with their alert and watch, filtered by `where`. */
  const dueBase = () =>
    db
      .selectFrom('deliveries')
      .innerJoin('alerts', 'alerts.id', 'deliveries.alert_id')
      .innerJoin('watches', 'watches.id', 'alerts.watch_id')
      .selectAll('deliveries')
      .select([
        'alerts.watch_id as a_watch_id',
        'alerts.chain as a_chain',
        'alerts.rule_index as a_rule_index',
        'alerts.rule as a_rule',
        'alerts.before_value as a_before_value',
        'alerts.after_value as a_after_value',
        'alerts.block as a_block',
        'alerts.message as a_message',
        'alerts.positions as a_positions',
        'alerts.created_at as a_created_at',
        'watches.webhooks as w_webhooks',
        'watches.address as w_address',
      ])
  const readDue = async (
    where: (q: ReturnType<typeof dueBase>) => ReturnType<typeof dueBase>,
  ): Promise<DueDelivery[]> => {
    const rows = await where(dueBase()).execute()
    const out: DueDelivery[] = []
    for (const r of rows) {
      const target = (JSON.parse(r.w_webhooks) as WebhookTarget[])[num(r.target_index)]
      if (!target) continue
      out.push({
        delivery: deliveryFromRow(r),
        alert: alertFromRow({
          id: r.alert_id,
          watch_id: r.a_watch_id,
          chain: r.a_chain,
          rule_index: r.a_rule_index,
          rule: r.a_rule,
          before_value: r.a_before_value,
          after_value: r.a_after_value,
          block: r.a_block,
          message: r.a_message,
          positions: r.a_positions,
          created_at: r.a_created_at,
        }),
        target,
        address: r.w_address as `0x${string}`,
      })
    }
    return out
  }

  return {
    async migrate() {
      await runMigrations(db, atomic)
    },

    async close() {
      if (closed) return
      closed = true
      await db.destroy()
      await params.onClose?.()
    },

    async createKey(key) {
      await db
        .insertInto('api_keys')
        .values({
          id: key.id,
          hash: key.hash,
          label: key.label ?? null,
          max_watches: key.maxWatches,
          max_targets_per_watch: key.maxTargetsPerWatch,
          created_at: key.createdAt,
          revoked_at: key.revokedAt ?? null,
        })
        .execute()
    },

    async findKeyByHash(hash) {
      const row = await db
        .selectFrom('api_keys')
        .selectAll()
        .where('hash', '=', hash)
        .where('revoked_at', 'is', null)
        .executeTakeFirst()
      return row ? keyFromRow(row) : null
    },

    async createWatch(watch) {
      await atomic([db.insertInto('watches').values(watchToRow(watch)).compile(), ...watchChainRows(watch)])
    },

    async createWatchWithinLimit(watch, maxWatches) {
      const row = watchToRow(watch)
      const columns = Object.keys(row) as (keyof WatchesTable)[]
      // One conditional INSERT ... SELECT ... WHERE (count of the key's watches) < limit: the check
      // and the insert are one statement, atomic on SQLite and on D1 (no interactive transactions).
      const insert = db
        .insertInto('watches')
        .columns(columns)
        .expression(
          db
            .selectNoFrom((eb) => columns.map((c) => eb.val(row[c]).as(c)))
            .where(
              (w) =>
                w.selectFrom('watches').select(w.fn.countAll().as('n')).where('key_id', '=', watch.keyId),
              '<',
              maxWatches,
            ),
        )
        .compile()
      // Its chain rows only when the watch row was inserted (same atomic unit).
      const chainRows = [...new Set(watch.chains)].map((chain) =>
        db
          .insertInto('watch_chains')
          .columns(['chain', 'watch_id'])
          .expression(
            db
              .selectNoFrom((eb) => [eb.val(chain).as('chain'), eb.val(watch.id).as('watch_id')])
              .where((w) => w.exists(w.selectFrom('watches').select('id').where('id', '=', watch.id))),
          )
          .onConflict((oc) => oc.doNothing())
          .compile(),
      )
      await atomic([insert, ...chainRows])
      const found = await db
        .selectFrom('watches')
        .select('id')
        .where('id', '=', watch.id)
        .where('key_id', '=', watch.keyId)
        .executeTakeFirst()
      if (found) return { created: true }
      const count = await db
        .selectFrom('watches')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('key_id', '=', watch.keyId)
        .executeTakeFirstOrThrow()
      return { created: false, count: Number(count.n) }
    },

    async getWatch(id, keyId) {
      const row = await db
        .selectFrom('watches')
        .selectAll()
        .where('id', '=', id)
        .where('key_id', '=', keyId)
        .executeTakeFirst()
      return row ? watchFromRow(row) : null
    },

    async listWatchesOfKey(keyId) {
      const rows = await db
        .selectFrom('watches')
        .selectAll()
        .where('key_id', '=', keyId)
        .orderBy('created_at')
        .orderBy('id')
        .execute()
      return rows.map(watchFromRow)
    },

    async countWatchesOfKey(keyId) {
      const row = await db
        .selectFrom('watches')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('key_id', '=', keyId)
        .executeTakeFirstOrThrow()
      return Number(row.n)
    },

    async updateWatch(watch) {
      const old = await db
        .selectFrom('watches')
        .selectAll()
        .where('id', '=', watch.id)
        .where('key_id', '=', watch.keyId)
        .executeTakeFirst()
      if (!old) return
      const row = watchToRow(watch)
      const queries: CompiledQuery[] = [
        db
          .updateTable('watches')
          .set({
            address: row.address,
            chains: row.chains,
            rules: row.rules,
            webhooks: row.webhooks,
            cooldown_ms: row.cooldown_ms,
            label: row.label,
            updated_at: row.updated_at,
          })
          .where('id', '=', watch.id)
          .compile(),
        db.deleteFrom('watch_chains').where('watch_id', '=', watch.id).compile(),
        ...watchChainRows(watch),
      ]
      // New rules or a new wallet start from armed; a dropped chain's states go with it.
      if (old.rules !== row.rules || old.address !== row.address) {
        queries.push(db.deleteFrom('rule_states').where('watch_id', '=', watch.id).compile())
      } else {
        queries.push(
          db
            .deleteFrom('rule_states')
            .where('watch_id', '=', watch.id)
            .where('chain', 'not in', watch.chains.length > 0 ? watch.chains : [''])
            .compile(),
        )
      }
      // Pending deliveries to a target that no longer exists cannot be delivered.
      queries.push(
        db
          .updateTable('deliveries')
          .set({ status: 'dead', next_attempt_at: null, updated_at: watch.updatedAt })
          .where('status', '=', 'pending')
          .where('target_index', '>=', watch.webhooks.length)
          .where('alert_id', 'in', (eb) =>
            eb.selectFrom('alerts').select('id').where('watch_id', '=', watch.id),
          )
          .compile(),
      )
      await atomic(queries)
    },

    async deleteWatch(id, keyId) {
      const found = await db
        .selectFrom('watches')
        .select('id')
        .where('id', '=', id)
        .where('key_id', '=', keyId)
        .executeTakeFirst()
      if (!found) return false
      await atomic([
        db
          .deleteFrom('deliveries')
          .where('alert_id', 'in', (eb) => eb.selectFrom('alerts').select('id').where('watch_id', '=', id))
          .compile(),
        db.deleteFrom('alerts').where('watch_id', '=', id).compile(),
        db.deleteFrom('rule_states').where('watch_id', '=', id).compile(),
        db.deleteFrom('watch_chains').where('watch_id', '=', id).compile(),
        db.deleteFrom('watches').where('id', '=', id).where('key_id', '=', keyId).compile(),
      ])
      return true
    },

    async listWatchesForChain(chain, afterId, limit) {
      let q = db
        .selectFrom('watch_chains')
        .innerJoin('watches', 'watches.id', 'watch_chains.watch_id')
        .selectAll('watches')
        .where('watch_chains.chain', '=', chain)
      if (afterId !== null) q = q.where('watch_chains.watch_id', '>', afterId)
      const rows = await q.orderBy('watch_chains.watch_id').limit(limit).execute()
      return rows.map(watchFromRow)
    },

    async getRuleStates(chain, watchIds) {
      const out: RuleState[] = []
      for (const ids of chunks(watchIds)) {
        const rows = await db
          .selectFrom('rule_states')
          .selectAll()
          .where('chain', '=', chain)
          .where('watch_id', 'in', ids)
          .orderBy('watch_id')
          .orderBy('rule_index')
          .execute()
        out.push(...rows.map(stateFromRow))
      }
      return out
    },

    async lastAlertTimes(watchIds) {
      const out = new Map<string, number>()
      for (const ids of chunks(watchIds)) {
        const rows = await db
          .selectFrom('alerts')
          .select((eb) => ['watch_id', eb.fn.max('created_at').as('last')])
          .where('watch_id', 'in', ids)
          .groupBy('watch_id')
          .execute()
        for (const r of rows) out.set(r.watch_id, Number(r.last))
      }
      return out
    },

    async applyEvaluation(outcome, webhookCount, now) {
      const queries = [...ruleStateUpserts(outcome.states, 1), ...alertInserts(outcome, webhookCount, now)]
      if (queries.length > 0) await atomic(queries)
    },

    async applyEvaluations(items, now) {
      // Outcomes without alerts (nearly all of a tick) are rule states only: their rows go out as
      // multi-row upserts; an outcome with alerts keeps its states, alerts and deliveries together.
      // Units are cut at outcome boundaries, at most MAX_STATEMENTS_PER_UNIT statements each.
      let unit: CompiledQuery[] = []
      let pending: RuleState[] = []
      const flushStates = () => {
        unit.push(...ruleStateUpserts(pending, RULE_STATE_ROWS_PER_STATEMENT))
        pending = []
      }
      for (const { outcome, webhookCount } of items) {
        if (outcome.alerts.length === 0) pending.push(...outcome.states)
        else {
          flushStates()
          unit.push(...ruleStateUpserts(outcome.states, 1), ...alertInserts(outcome, webhookCount, now))
        }
        if (pending.length >= RULE_STATE_ROWS_PER_STATEMENT) flushStates()
        if (unit.length >= MAX_STATEMENTS_PER_UNIT) {
          await atomic(unit)
          unit = []
        }
      }
      flushStates()
      if (unit.length > 0) await atomic(unit)
    },

    async listAlerts(watchId, limit) {
      const rows = await db
        .selectFrom('alerts')
        .selectAll()
        .where('watch_id', '=', watchId)
        .orderBy('created_at', 'desc')
        .orderBy('id', 'desc')
        .limit(limit)
        .execute()
      const byAlert = new Map<string, Delivery[]>()
      for (const ids of chunks(rows.map((r) => r.id))) {
        const ds = await db
          .selectFrom('deliveries')
          .selectAll()
          .where('alert_id', 'in', ids)
          .orderBy('target_index')
          .execute()
        for (const d of ds) {
          const list = byAlert.get(d.alert_id) ?? []
          list.push(deliveryFromRow(d))
          byAlert.set(d.alert_id, list)
        }
      }
      return rows.map((r) => ({ ...alertFromRow(r), deliveries: byAlert.get(r.id) ?? [] }))
    },

    async dueDeliveries(now, limit) {
      return readDue((q) =>
        q
          .where('deliveries.status', '=', 'pending')
          .where('deliveries.next_attempt_at', '<=', now)
          .orderBy('deliveries.next_attempt_at')
          .orderBy('deliveries.id')
          .limit(limit),
      )
    },

    async claimDueDeliveries(now, limit, leaseMs) {
      // One UPDATE with a subquery: atomic on both backends, so two claimants never get the same row.
      const claimed = await db
        .updateTable('deliveries')
        .set({ next_attempt_at: now + leaseMs })
        .where('id', 'in', (eb) =>
          eb
            .selectFrom('deliveries')
            .select('id')
            .where('status', '=', 'pending')
            .where('next_attempt_at', '<=', now)
            .orderBy('next_attempt_at')
            .orderBy('id')
            .limit(limit),
        )
        .where('status', '=', 'pending')
        .where('next_attempt_at', '<=', now)
        .returning('id')
        .execute()
      const out: DueDelivery[] = []
      for (const ids of chunks(claimed.map((r) => r.id))) {
        out.push(...(await readDue((q) => q.where('deliveries.id', 'in', ids))))
      }
      return out.sort(
        (a, b) => a.alert.createdAt - b.alert.createdAt || (a.delivery.id < b.delivery.id ? -1 : 1),
      )
    },

    async recordAttempt(d) {
      await db
        .updateTable('deliveries')
        .set({
          status: d.status,
          attempts: d.attempts,
          next_attempt_at: d.status === 'pending' ? d.nextAttemptAt : null,
          last_status: d.lastStatus ?? null,
          last_body_hash: d.lastBodyHash ?? null,
          last_error: d.lastError ?? null,
          updated_at: d.updatedAt,
        })
        .where('id', '=', d.id)
        .execute()
    },
  }
}
