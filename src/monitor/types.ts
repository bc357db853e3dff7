/**
 * The monitoring contract shared by storage (`src/monitor/store/`), evaluation
 * (`src/monitor/evaluate/`), delivery (`src/monitor/delivery/`) and the faces (API routes, CLI,
 * Node scheduler, Worker cron/queue). Pure types: no I/O.
 *
 * Numbers: health factors, leverage, shocks and probabilities are plain floats (unitless);
 * distances and changes are fractions (0.05 = 5 %), never percent; times are Unix milliseconds
 * (integer) unless named `...Block`.
 */

/** A watch's rule: one comparison over a metric stacklens already computes. */
export type WatchRule =
  /** Fires when any position's health factor (protocol's own, float) falls below `below`. */
  | { metric: 'healthFactor'; below: number; rearmMargin?: number }
  /** Fires when any collateral's distance to liquidation (fraction of its price, 0.05 = 5 %) falls below `below`. */
  | { metric: 'liquidationDistance'; below: number; rearmMargin?: number }
  /** Fires when the wallet's effective leverage (resolver's, float) rises above `above`. */
  | { metric: 'effectiveLeverage'; above: number; rearmMargin?: number }
  /**
   * Fires when the wallet's cascade-inclusive liquidation shock (issue 6's per-wallet view: the
   * smallest initial move of `asset`, fraction, positive magnitude) is smaller than `below`.
   */
  | { metric: 'cascadeShock'; asset: string; below: number; rearmMargin?: number }
  /** Fires when Monte Carlo P(liquidation within `horizonDays`) rises above `above` (0..1). */
  | { metric: 'liquidationProbability'; horizonDays: number; above: number; rearmMargin?: number }
  /**
   * Fires when a position is opened, closed, or its size (USD value of collateral or debt)
   * changes by more than `threshold` (fraction) since the last evaluation.
   */
  | { metric: 'positionChange'; threshold: number }
  /** Fires when a position (or a whole protocol read) becomes `unavailable`; never silent. */
  | { metric: 'unavailable' }

/** The metric names, in the order the docs list them. */
export const WATCH_METRICS = [
  'healthFactor',
  'liquidationDistance',
  'effectiveLeverage',
  'cascadeShock',
  'liquidationProbability',
  'positionChange',
  'unavailable',
] as const

/** A metric name. */
export type WatchMetric = (typeof WATCH_METRICS)[number]

/** A delivery target of a watch (webhooks only for now). */
export interface WebhookTarget {
  /** Absolute URL; https in production mode; no private/loopback/link-local host unless allowed. */
  url: string
  /** HMAC-SHA256 key for this watch's signatures (never returned by the API after creation). */
  secret: string
}

/** A stored watch. */
export interface Watch {
  /** Opaque id (e.g. `w_` + 20 base32 chars). */
  id: string
  /** Id of the API key that owns it. */
  keyId: string
  /** The watched wallet, lower-case 0x address. */
  address: `0x${string}`
  /** Chain keys to watch (e.g. `["local"]`); at least one. */
  chains: string[]
  rules: WatchRule[]
  webhooks: WebhookTarget[]
  /** Minimum time between two alerts of the same watch (ms). */
  cooldownMs: number
  /** Free label. */
  label?: string
  createdAt: number
  updatedAt: number
}

/** The armed/fired state of one rule of one watch on one chain (hysteresis). */
export interface RuleState {
  watchId: string
  chain: string
  /** Index of the rule in `Watch.rules`. */
  ruleIndex: number
  /** `armed`: will fire on crossing; `fired`: crossed, waiting to recover past the re-arm margin. */
  status: 'armed' | 'fired'
  /** The last evaluated value of the metric (null: not computable, e.g. no position). */
  lastValue: number | null
  /** Block of the last evaluation. */
  lastBlock: bigint | null
  /** Per-position fingerprint used by `positionChange` / `unavailable` (JSON, rule-owned). */
  memo?: string
  updatedAt: number
}

/** One fired alert (a rule crossing), stored before any delivery is attempted. */
export interface Alert {
  /** Opaque id; also the idempotency key sent with every delivery of this alert. */
  id: string
  watchId: string
  chain: string
  ruleIndex: number
  rule: WatchRule
  /** The metric's value at the previous evaluation and now (null when not computable). */
  before: number | null
  after: number | null
  /** Block of the evaluation that fired it. */
  block: bigint
  /** Human-readable one-liner ("health factor 1.04 < 1.05 on aave-v3:0x…"). */
  message: string
  /** Which position(s) the value comes from, when the metric is per position. */
  positions?: string[]
  createdAt: number
}

/** State of the delivery of one alert to one target. */
export type DeliveryStatus = 'pending' | 'delivered' | 'dead'

/** The delivery of an alert to one webhook target, with its attempt history. */
export interface Delivery {
  id: string
  alertId: string
  /** Index of the target in `Watch.webhooks`. */
  targetIndex: number
  status: DeliveryStatus
  attempts: number
  /** When the next attempt is due (ms); null once delivered or dead. */
  nextAttemptAt: number | null
  /** Last response status (0 for a network error/timeout) and a short hash of its body, never the body. */
  lastStatus?: number
  lastBodyHash?: string
  /**
   * Why the last attempt failed, a short code (`http`, `timeout`, `network`, `redirect`,
   * `refused-target`); absent after a 2xx. Added by the store helper (additive).
   */
  lastError?: string
  updatedAt: number
}

/** A due delivery with what sending it needs: its alert, its target and the watched wallet. */
export interface DueDelivery {
  delivery: Delivery
  alert: Alert
  target: WebhookTarget
  /** The watch's wallet (lower-case 0x address), for the payload and its dashboard link. */
  address: `0x${string}`
}

/** What one evaluation of one watch on one chain decided: new rule states and the alerts to store. */
export interface EvaluationOutcome {
  watchId: string
  chain: string
  block: bigint
  states: RuleState[]
  alerts: Alert[]
}

/** One outcome for {@link MonitorStore.applyEvaluations}, with its watch's number of webhook targets. */
export interface EvaluationToStore {
  outcome: EvaluationOutcome
  webhookCount: number
}

/** The result of {@link MonitorStore.createWatchWithinLimit}. */
export type WatchCreation = { created: true } | { created: false; count: number }

/** An API key as stored (the key itself is never stored, only its SHA-256). */
export interface ApiKeyRecord {
  /** Opaque id (e.g. `k_` + 16 base32 chars), also shown to the owner. */
  id: string
  /** Hex SHA-256 of the full key string. */
  hash: string
  label?: string
  /** Per-key limits. */
  maxWatches: number
  maxTargetsPerWatch: number
  createdAt: number
  revokedAt?: number
}

/**
 * The one storage interface of monitoring, implemented over SQLite on Node and D1 on Workers by
 * one query layer and one set of migrations (`src/monitor/store/`). Every method is async (D1 is).
 */
export interface MonitorStore {
  /** Runs pending migrations (idempotent); called at start. */
  migrate(): Promise<void>
  close(): Promise<void>

  createKey(key: ApiKeyRecord): Promise<void>
  /** The unrevoked key whose hash is `hash`, or null. */
  findKeyByHash(hash: string): Promise<ApiKeyRecord | null>

  createWatch(watch: Watch): Promise<void>
  /**
   * Creates the watch only if its key owns fewer than `maxWatches` watches, the check and the
   * insert in one atomic statement (concurrent creates never exceed the limit, on SQLite or D1).
   * Refused: `created: false` with the key's current watch count. Additive.
   */
  createWatchWithinLimit(watch: Watch, maxWatches: number): Promise<WatchCreation>
  /** The watch `id` if it belongs to `keyId` (null otherwise: the API answers 404). */
  getWatch(id: string, keyId: string): Promise<Watch | null>
  listWatchesOfKey(keyId: string): Promise<Watch[]>
  countWatchesOfKey(keyId: string): Promise<number>
  updateWatch(watch: Watch): Promise<void>
  /** Deletes the watch and its states, alerts and deliveries; false when not found for `keyId`. */
  deleteWatch(id: string, keyId: string): Promise<boolean>

  /** Watches that include `chain`, ordered by id, after `afterId` (paging for ticks and batches). */
  listWatchesForChain(chain: string, afterId: string | null, limit: number): Promise<Watch[]>
  getRuleStates(chain: string, watchIds: string[]): Promise<RuleState[]>
  /** Last alert time per watch (ms) for cooldowns; watches without alerts are absent. */
  lastAlertTimes(watchIds: string[]): Promise<Map<string, number>>
  /**
   * Stores one evaluation atomically: upserts its rule states, inserts its alerts and one pending
   * delivery per (alert, webhook target) due now. Applying the same outcome twice inserts nothing twice
   * (alert ids are the idempotency keys).
   */
  applyEvaluation(outcome: EvaluationOutcome, webhookCount: number, now: number): Promise<void>
  /**
   * Stores many evaluations (a tick's page) with the same meaning as {@link MonitorStore.applyEvaluation}
   * for each, in few atomic units: rule states as multi-row upserts, every outcome's rows wholly
   * inside one unit (an outcome is never half-stored). Additive.
   */
  applyEvaluations(items: readonly EvaluationToStore[], now: number): Promise<void>

  /** Alerts of a watch, newest first. */
  listAlerts(watchId: string, limit: number): Promise<Array<Alert & { deliveries: Delivery[] }>>
  /** Pending deliveries due at `now`, oldest first, with their alert and target. */
  dueDeliveries(now: number, limit: number): Promise<DueDelivery[]>
  /**
   * Like {@link MonitorStore.dueDeliveries}, but claims them: their next attempt moves to
   * `now + leaseMs` in the same statement, so concurrent deliverers (Worker queue consumers) do
   * not send the same delivery twice within the lease; a deliverer that dies mid-send leaves it due
   * again after the lease (at-least-once; receivers dedupe by the idempotency key). Additive.
   */
  claimDueDeliveries(now: number, limit: number, leaseMs: number): Promise<DueDelivery[]>
  /** Records one attempt's result (status pending with next time, delivered, or dead). */
  recordAttempt(delivery: Delivery): Promise<void>
}
