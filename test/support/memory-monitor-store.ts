/**
 * TEST DOUBLE of `MonitorStore` (src/monitor/types.ts): plain maps in memory, the contract's
 * semantics (idempotent applyEvaluation by alert id, one pending delivery per alert and target),
 * for the tick's tests before/without the real SQLite/D1 store (src/monitor/store/, branch
 * monitor-store). The real store is what the e2e tests use once merged.
 */
import type {
  Alert,
  ApiKeyRecord,
  Delivery,
  DueDelivery,
  EvaluationOutcome,
  MonitorStore,
  RuleState,
  Watch,
} from '../../src/monitor/types.js'

/** The double, with its maps exposed for assertions. */
export interface MemoryMonitorStore extends MonitorStore {
  watches: Map<string, Watch>
  states: Map<string, RuleState>
  alerts: Map<string, Alert>
  deliveries: Map<string, Delivery>
  /** Outcomes applied (applyEvaluation calls, each outcome of applyEvaluations counting one). */
  applied: number
}

/** A fresh in-memory store (TEST DOUBLE). */
export function createMemoryMonitorStore(): MemoryMonitorStore {
  const keys = new Map<string, ApiKeyRecord>()
  const watches = new Map<string, Watch>()
  const states = new Map<string, RuleState>()
  const alerts = new Map<string, Alert>()
  const deliveries = new Map<string, Delivery>()
  const stateKey = (s: { watchId: string; chain: string; ruleIndex: number }) =>
    `${s.watchId}|${s.chain}|${s.ruleIndex}`
  const store: MemoryMonitorStore = {
    watches,
    states,
    alerts,
    deliveries,
    applied: 0,
    async migrate() {},
    async close() {},
    async createKey(key) {
      keys.set(key.id, key)
    },
    async findKeyByHash(hash) {
      return [...keys.values()].find((k) => k.hash === hash && k.revokedAt === undefined) ?? null
    },
    async createWatch(watch) {
      watches.set(watch.id, structuredClone(watch))
    },
    async createWatchWithinLimit(watch, maxWatches) {
      // Synchronous between the count and the set: no await, so atomic within one event loop.
      const count = [...watches.values()].filter((w) => w.keyId === watch.keyId).length
      if (count >= maxWatches) return { created: false, count }
      watches.set(watch.id, structuredClone(watch))
      return { created: true }
    },
    async getWatch(id, keyId) {
      const w = watches.get(id)
      return w && w.keyId === keyId ? structuredClone(w) : null
    },
    async listWatchesOfKey(keyId) {
      return [...watches.values()].filter((w) => w.keyId === keyId)
    },
    async countWatchesOfKey(keyId) {
      return [...watches.values()].filter((w) => w.keyId === keyId).length
    },
    async updateWatch(watch) {
      watches.set(watch.id, structuredClone(watch))
    },
    async deleteWatch(id, keyId) {
      const w = watches.get(id)
      if (!w || w.keyId !== keyId) return false
      watches.delete(id)
      return true
    },
    async listWatchesForChain(chain, afterId, limit) {
      return [...watches.values()]
        .filter((w) => w.chains.includes(chain) && (afterId === null || w.id > afterId))
        .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
        .slice(0, limit)
        .map((w) => structuredClone(w))
    },
    async getRuleStates(chain, watchIds) {
      const ids = new Set(watchIds)
      return [...states.values()]
        .filter((s) => s.chain === chain && ids.has(s.watchId))
        .map((s) => ({ ...s }))
    },
    async lastAlertTimes(watchIds) {
      const ids = new Set(watchIds)
      const out = new Map<string, number>()
      for (const a of alerts.values())
        if (ids.has(a.watchId)) out.set(a.watchId, Math.max(out.get(a.watchId) ?? 0, a.createdAt))
      return out
    },
    async applyEvaluations(items, now) {
      for (const { outcome, webhookCount } of items) await store.applyEvaluation(outcome, webhookCount, now)
    },
    async applyEvaluation(outcome: EvaluationOutcome, webhookCount: number, now: number) {
      store.applied++
      for (const s of outcome.states) states.set(stateKey(s), { ...s })
      for (const a of outcome.alerts) {
        if (alerts.has(a.id)) continue
        alerts.set(a.id, structuredClone(a))
        for (let t = 0; t < webhookCount; t++) {
          const id = `${a.id}:${t}`
          deliveries.set(id, {
            id,
            alertId: a.id,
            targetIndex: t,
            status: 'pending',
            attempts: 0,
            nextAttemptAt: now,
            updatedAt: now,
          })
        }
      }
    },
    async listAlerts(watchId, limit) {
      return [...alerts.values()]
        .filter((a) => a.watchId === watchId)
        .sort((a, b) => b.createdAt - a.createdAt)
        .slice(0, limit)
        .map((a) => ({ ...a, deliveries: [...deliveries.values()].filter((d) => d.alertId === a.id) }))
    },
    async dueDeliveries(now, limit) {
      const out: DueDelivery[] = []
      for (const d of deliveries.values()) {
        if (d.status !== 'pending' || d.nextAttemptAt === null || d.nextAttemptAt > now) continue
        const alert = alerts.get(d.alertId)!
        const watch = watches.get(alert.watchId)
        const target = watch?.webhooks[d.targetIndex]
        if (watch && target) out.push({ delivery: { ...d }, alert, target, address: watch.address })
      }
      return out.slice(0, limit)
    },
    async claimDueDeliveries(now, limit, leaseMs) {
      const due = await store.dueDeliveries(now, limit)
      for (const d of due) deliveries.set(d.delivery.id, { ...d.delivery, nextAttemptAt: now + leaseMs })
      return due
    },
    async recordAttempt(delivery) {
      deliveries.set(delivery.id, { ...delivery })
    },
  }
  return store
}
