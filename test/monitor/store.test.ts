/**
 * The one monitoring store suite, run against BOTH backends: SQLite (node-sqlite3-wasm through
 * this project's Kysely dialect, a real file in a temp folder that survives close and reopen) and
 * D1 (Cloudflare's D1 inside Miniflare's workerd, persisted to a temp folder so a second Miniflare
 * reopens it). Vectors are hand-made records; block 2^53 + 1 = 9007199254740993 checks that block
 * numbers are stored exactly (a float64 cannot hold it).
 */
import { mkdirSync, mkdtempSync, rmSync, utimesSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Miniflare } from 'miniflare'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createD1Store, type D1DatabaseLike } from '../../src/monitor/store/d1-store.js'
import { deliveryIdOf } from '../../src/monitor/store/kysely-store.js'
import { SCHEMA_VERSION } from '../../src/monitor/store/migrations.js'
import { openSqliteStore } from '../../src/monitor/store/sqlite-store.js'
import type {
  Alert,
  ApiKeyRecord,
  EvaluationOutcome,
  MonitorStore,
  RuleState,
  Watch,
} from '../../src/monitor/types.js'

const ROOT = mkdtempSync(join(tmpdir(), 'stacklens-store-'))
afterAll(() => rmSync(ROOT, { recursive: true, force: true }))

/** A backend: opens a store on a named database; opening the same name again reopens it. */
interface Backend {
  name: string
  open(db: string): Promise<MonitorStore>
  /** Runs raw SQL on the database (to tamper with it in a test). */
  raw(db: string, sql: string): Promise<void>
  dispose(): Promise<void>
}

function sqliteBackend(): Backend {
  const dir = join(ROOT, 'sqlite')
  return {
    name: 'sqlite',
    open: (db) => openSqliteStore(join(dir, `${db}.db`)),
    async raw(db, sql) {
      const { openSqliteDatabase } = await import('../../src/monitor/store/sqlite-dialect.js')
      const h = openSqliteDatabase(join(dir, `${db}.db`))
      try {
        h.db.exec(sql)
      } finally {
        h.db.close()
      }
    },
    dispose: async () => {},
  }
}

function d1Backend(): Backend {
  const persist = join(ROOT, 'd1')
  mkdirSync(persist, { recursive: true })
  const instances: Miniflare[] = []
  /** One Miniflare per open (a reopen is a fresh workerd over the same persisted files). */
  const mfs = new Map<string, Miniflare>()
  async function d1Of(db: string): Promise<D1DatabaseLike> {
    const old = mfs.get(db)
    if (old) await old.dispose()
    const mf = new Miniflare({ modules: true, script: '', d1Databases: [db], d1Persist: persist })
    instances.push(mf)
    mfs.set(db, mf)
    return (await mf.getD1Database(db)) as unknown as D1DatabaseLike
  }
  return {
    name: 'd1',
    async open(db) {
      const store = createD1Store(await d1Of(db))
      await store.migrate()
      return store
    },
    async raw(db, sql) {
      const d1 = (await mfs.get(db)?.getD1Database(db)) as unknown as { exec(s: string): Promise<unknown> }
      await d1.exec(sql.replace(/\s+/g, ' '))
    },
    async dispose() {
      for (const mf of new Set(mfs.values())) await mf.dispose()
    },
  }
}

const KEY_A: ApiKeyRecord = {
  id: 'k_aaaaaaaaaaaaaaaa',
  hash: 'a'.repeat(64),
  label: 'alice',
  maxWatches: 10,
  maxTargetsPerWatch: 3,
  createdAt: 1_764_000_000_000,
}
const KEY_B: ApiKeyRecord = {
  id: 'k_bbbbbbbbbbbbbbbb',
  hash: 'b'.repeat(64),
  maxWatches: 1,
  maxTargetsPerWatch: 1,
  createdAt: 1_764_000_000_001,
}

function watch(id: string, over: Partial<Watch> = {}): Watch {
  return {
    id,
    keyId: KEY_A.id,
    address: '0x00000000000000000000000000000000000000a1',
    chains: ['local'],
    rules: [{ metric: 'healthFactor', below: 1.05, rearmMargin: 0.02 }, { metric: 'unavailable' }],
    webhooks: [
      { url: 'https://hooks.example/one', secret: 's'.repeat(32) },
      { url: 'https://hooks.example/two', secret: 't'.repeat(32) },
    ],
    cooldownMs: 60_000,
    label: 'main wallet',
    createdAt: 1_764_000_000_100,
    updatedAt: 1_764_000_000_100,
    ...over,
  }
}

const BIG_BLOCK = 9_007_199_254_740_993n

function alert(id: string, watchId: string, createdAt: number, over: Partial<Alert> = {}): Alert {
  return {
    id,
    watchId,
    chain: 'local',
    ruleIndex: 0,
    rule: { metric: 'healthFactor', below: 1.05, rearmMargin: 0.02 },
    before: 1.07,
    after: 1.04,
    block: BIG_BLOCK,
    message: 'health factor 1.04 < 1.05 on aave-v3:0xpool',
    positions: ['aave-v3:0xpool'],
    createdAt,
    ...over,
  }
}

function state(watchId: string, ruleIndex: number, over: Partial<RuleState> = {}): RuleState {
  return {
    watchId,
    chain: 'local',
    ruleIndex,
    status: 'fired',
    lastValue: 1.04,
    lastBlock: BIG_BLOCK,
    memo: '{"p":1}',
    updatedAt: 1_764_000_001_000,
    ...over,
  }
}

const T = 1_764_000_002_000

describe.each([
  ['sqlite', sqliteBackend],
  ['d1', d1Backend],
] as const)('monitor store on %s', (_name, make) => {
  const backend = make()
  let store: MonitorStore

  beforeAll(async () => {
    store = await backend.open('main')
    await store.createKey(KEY_A)
    await store.createKey(KEY_B)
  })
  afterAll(async () => {
    await store?.close()
    await backend.dispose()
  })

  it(`${backend.name}: migrations are versioned and idempotent`, async () => {
    await store.migrate()
    await store.migrate()
    const other = await backend.open('migrations')
    await other.migrate()
    await other.close()
    expect(SCHEMA_VERSION).toBe(1)
  })

  it(`${backend.name}: refuses a database migrated by a newer build`, async () => {
    const s = await backend.open('too-new')
    await backend.raw(
      'too-new',
      "INSERT INTO stacklens_migrations (version, name, applied_at) VALUES (999, 'future', 0)",
    )
    await expect(s.migrate()).rejects.toThrow(/schema version 999/)
    await s.close()
  })

  it(`${backend.name}: keys are found by hash, not when revoked`, async () => {
    expect(await store.findKeyByHash(KEY_A.hash)).toEqual(KEY_A)
    expect(await store.findKeyByHash(KEY_B.hash)).toEqual(KEY_B)
    expect(await store.findKeyByHash('c'.repeat(64))).toBeNull()
    await store.createKey({ ...KEY_B, id: 'k_revoked', hash: 'd'.repeat(64), revokedAt: T })
    expect(await store.findKeyByHash('d'.repeat(64))).toBeNull()
  })

  it(`${backend.name}: watches belong to their key`, async () => {
    const w = watch('w_owned1')
    await store.createWatch(w)
    expect(await store.getWatch(w.id, KEY_A.id)).toEqual(w)
    expect(await store.getWatch(w.id, KEY_B.id)).toBeNull()
    expect(await store.deleteWatch(w.id, KEY_B.id)).toBe(false)
    expect(await store.getWatch(w.id, KEY_A.id)).toEqual(w)
    await store.createWatch(watch('w_owned2', { label: undefined, keyId: KEY_B.id }))
    expect((await store.listWatchesOfKey(KEY_A.id)).map((x) => x.id)).toContain('w_owned1')
    expect((await store.listWatchesOfKey(KEY_B.id)).map((x) => x.id)).toEqual(['w_owned2'])
    expect(await store.countWatchesOfKey(KEY_B.id)).toBe(1)
    const unlabeled = await store.getWatch('w_owned2', KEY_B.id)
    expect(unlabeled).not.toHaveProperty('label')
    expect(await store.deleteWatch('w_owned2', KEY_B.id)).toBe(true)
    expect(await store.countWatchesOfKey(KEY_B.id)).toBe(0)
  })

  it(`${backend.name}: 20 concurrent creates against a limit of 5 create exactly 5`, async () => {
    const key = { ...KEY_B, id: 'k_race', hash: 'e'.repeat(64), maxWatches: 5 }
    await store.createKey(key)
    const ids = Array.from({ length: 20 }, (_, i) => `w_race${String(i).padStart(2, '0')}`)
    const results = await Promise.all(
      ids.map((id) =>
        store.createWatchWithinLimit(watch(id, { keyId: key.id, chains: ['local', 'ethereum'] }), 5),
      ),
    )
    expect(results.filter((r) => r.created).length).toBe(5)
    for (const r of results) if (!r.created) expect(r.count).toBe(5)
    expect(await store.countWatchesOfKey(key.id)).toBe(5)
    // A refused watch leaves no chain row behind: the chain index holds exactly the 5 created.
    const created = (await store.listWatchesOfKey(key.id)).map((w) => w.id).sort()
    for (const chain of ['local', 'ethereum']) {
      const listed = (await store.listWatchesForChain(chain, 'w_race', 100))
        .map((w) => w.id)
        .filter((id) => id.startsWith('w_race'))
      expect(listed).toEqual(created)
    }
    expect(await store.deleteWatch(created[0]!, key.id)).toBe(true)
    expect((await store.createWatchWithinLimit(watch('w_race_again', { keyId: key.id }), 5)).created).toBe(
      true,
    )
    expect(await store.createWatchWithinLimit(watch('w_race_over', { keyId: key.id }), 5)).toEqual({
      created: false,
      count: 5,
    })
    for (const w of await store.listWatchesOfKey(key.id)) await store.deleteWatch(w.id, key.id)
  })

  it(`${backend.name}: a watch's key must exist`, async () => {
    await expect(store.createWatch(watch('w_orphan', { keyId: 'k_nobody' }))).rejects.toThrow()
    expect(await store.getWatch('w_orphan', 'k_nobody')).toBeNull()
  })

  it(`${backend.name}: lists the watches of a chain by id, in pages`, async () => {
    for (const i of [3, 1, 2, 5, 4]) {
      await store.createWatch(
        watch(`w_page${i}`, {
          chains: i % 2 === 0 ? ['paging', 'other'] : ['paging'],
          address: `0x${'0'.repeat(39)}${i}`,
        }),
      )
    }
    const first = await store.listWatchesForChain('paging', null, 2)
    expect(first.map((w) => w.id)).toEqual(['w_page1', 'w_page2'])
    const second = await store.listWatchesForChain('paging', 'w_page2', 2)
    expect(second.map((w) => w.id)).toEqual(['w_page3', 'w_page4'])
    const last = await store.listWatchesForChain('paging', 'w_page4', 2)
    expect(last.map((w) => w.id)).toEqual(['w_page5'])
    expect(await store.listWatchesForChain('paging', 'w_page5', 2)).toEqual([])
    expect((await store.listWatchesForChain('other', null, 10)).map((w) => w.id)).toEqual([
      'w_page2',
      'w_page4',
    ])
    expect(await store.listWatchesForChain('nowhere', null, 10)).toEqual([])
  })

  it(`${backend.name}: applyEvaluation stores states, alerts and one pending delivery per target, once`, async () => {
    const w = watch('w_eval')
    await store.createWatch(w)
    const outcome: EvaluationOutcome = {
      watchId: w.id,
      chain: 'local',
      block: BIG_BLOCK,
      states: [
        state(w.id, 0),
        state(w.id, 1, { status: 'armed', lastValue: null, lastBlock: null, memo: undefined }),
      ],
      alerts: [alert('al_eval1', w.id, T)],
    }
    await store.applyEvaluation(outcome, 2, T)
    await store.applyEvaluation(outcome, 2, T + 5)
    const states = await store.getRuleStates('local', [w.id])
    expect(states).toEqual([
      state(w.id, 0),
      state(w.id, 1, { status: 'armed', lastValue: null, lastBlock: null, memo: undefined }),
    ])
    expect(states[1]).not.toHaveProperty('memo')
    expect(states[0]!.lastBlock).toBe(BIG_BLOCK)
    const alerts = await store.listAlerts(w.id, 10)
    expect(alerts).toHaveLength(1)
    expect(alerts[0]!.block).toBe(BIG_BLOCK)
    expect(
      alerts[0]!.deliveries.map((d) => [d.id, d.targetIndex, d.status, d.attempts, d.nextAttemptAt]),
    ).toEqual([
      [deliveryIdOf('al_eval1', 0), 0, 'pending', 0, T],
      [deliveryIdOf('al_eval1', 1), 1, 'pending', 0, T],
    ])
    const { deliveries, ...stored } = alerts[0]!
    expect(stored).toEqual(alert('al_eval1', w.id, T))

    // A later evaluation updates the states in place.
    await store.applyEvaluation(
      {
        ...outcome,
        block: BIG_BLOCK + 1n,
        states: [state(w.id, 0, { status: 'armed', lastValue: 1.2, lastBlock: BIG_BLOCK + 1n })],
        alerts: [],
      },
      2,
      T + 10,
    )
    const after = await store.getRuleStates('local', [w.id])
    expect(after[0]).toEqual(state(w.id, 0, { status: 'armed', lastValue: 1.2, lastBlock: BIG_BLOCK + 1n }))
    expect(after).toHaveLength(2)
  })

  it(`${backend.name}: applyEvaluation is all-or-nothing`, async () => {
    const w = watch('w_atomic')
    await store.createWatch(w)
    const bad = state(w.id, 1, { status: 'exploded' as RuleState['status'] }) // violates the CHECK
    await expect(
      store.applyEvaluation(
        {
          watchId: w.id,
          chain: 'local',
          block: 1n,
          states: [state(w.id, 0), bad],
          alerts: [alert('al_atomic', w.id, T)],
        },
        1,
        T,
      ),
    ).rejects.toThrow()
    expect(await store.getRuleStates('local', [w.id])).toEqual([])
    expect(await store.listAlerts(w.id, 10)).toEqual([])
    expect((await store.dueDeliveries(T + 1_000_000, 100)).filter((d) => d.alert.watchId === w.id)).toEqual(
      [],
    )
  })

  it(`${backend.name}: reads of many watches are chunked under D1's 100 bound parameters`, async () => {
    const ids: string[] = []
    const outcomes: EvaluationOutcome[] = []
    for (let i = 0; i < 120; i++) {
      const id = `w_many${String(i).padStart(3, '0')}`
      ids.push(id)
      await store.createWatch(watch(id, { chains: ['many'] }))
      outcomes.push({
        watchId: id,
        chain: 'many',
        block: 7n,
        states: [state(id, 0, { chain: 'many' })],
        alerts: i % 3 === 0 ? [alert(`al_many${i}`, id, T + i, { chain: 'many' })] : [],
      })
    }
    for (const o of outcomes) await store.applyEvaluation(o, 0, T)
    expect(await store.getRuleStates('many', ids)).toHaveLength(120)
    const last = await store.lastAlertTimes(ids)
    expect(last.size).toBe(40)
    expect(last.get('w_many003')).toBe(T + 3)
    expect(last.has('w_many001')).toBe(false)
    const page = await store.listWatchesForChain('many', 'w_many009', 150)
    expect(page).toHaveLength(110)
  })

  it(`${backend.name}: applyEvaluations stores a page like applyEvaluation per outcome, in few units`, async () => {
    // 180 watches of 2 rules (360 rule states: multi-row upserts) and an alert on every third
    // (60 alerts, 8 targets each: 600 alert and delivery statements): more statements than one
    // atomic unit holds, so the page is cut into units at outcome boundaries.
    const items: { outcome: EvaluationOutcome; webhookCount: number }[] = []
    const targets = Array.from({ length: 8 }, (_, i) => ({
      url: `https://hooks.example/${i}`,
      secret: 's'.repeat(32),
    }))
    for (let i = 0; i < 180; i++) {
      const id = `w_page${String(i).padStart(3, '0')}`
      await store.createWatch(watch(id, { chains: ['page'], webhooks: targets }))
      items.push({
        outcome: {
          watchId: id,
          chain: 'page',
          block: BIG_BLOCK,
          states: [
            state(id, 0, { chain: 'page', lastValue: 1 + i / 1000 }),
            state(id, 1, {
              chain: 'page',
              status: 'armed',
              lastValue: null,
              lastBlock: null,
              memo: undefined,
            }),
          ],
          alerts: i % 3 === 0 ? [alert(`al_page${i}`, id, T + i, { chain: 'page' })] : [],
        },
        webhookCount: 8,
      })
    }
    const ids = items.map((x) => x.outcome.watchId)
    await store.applyEvaluations(items, T)
    await store.applyEvaluations(items, T + 5) // idempotent: nothing inserted twice
    const stored = await store.getRuleStates('page', ids)
    const sorted = (xs: RuleState[]) =>
      [...xs].sort((a, b) => a.watchId.localeCompare(b.watchId) || a.ruleIndex - b.ruleIndex)
    expect(sorted(stored)).toEqual(sorted(items.flatMap((x) => x.outcome.states)))
    expect(stored.find((s) => s.watchId === 'w_page007' && s.ruleIndex === 1)).not.toHaveProperty('memo')
    const alerts = await store.listAlerts('w_page003', 10)
    expect(alerts).toHaveLength(1)
    const { deliveries, ...first } = alerts[0]!
    expect(first).toEqual(alert('al_page3', 'w_page003', T + 3, { chain: 'page' }))
    expect(deliveries.map((d) => [d.targetIndex, d.status, d.nextAttemptAt])).toEqual(
      Array.from({ length: 8 }, (_, i) => [i, 'pending', T]),
    )
    const due = (await store.dueDeliveries(T + 1_000_000, 10_000)).filter((d) => d.alert.chain === 'page')
    expect(due).toHaveLength(60 * 8)
    expect((await store.lastAlertTimes(ids)).size).toBe(60)

    // A later page updates the states in place (the excluded row's values win).
    await store.applyEvaluations(
      items.map(({ outcome, webhookCount }) => ({
        outcome: {
          ...outcome,
          alerts: [],
          states: [state(outcome.watchId, 0, { chain: 'page', status: 'armed', lastValue: 2 })],
        },
        webhookCount,
      })),
      T + 10,
    )
    const after = await store.getRuleStates('page', ids)
    expect(after).toHaveLength(360)
    expect(
      after.filter((s) => s.ruleIndex === 0).every((s) => s.status === 'armed' && s.lastValue === 2),
    ).toBe(true)
  })

  it(`${backend.name}: applyEvaluations never half-stores an outcome`, async () => {
    const w = watch('w_atomic_page')
    await store.createWatch(w)
    const bad = state(w.id, 1, { status: 'exploded' as RuleState['status'] }) // violates the CHECK
    await expect(
      store.applyEvaluations(
        [
          {
            outcome: {
              watchId: w.id,
              chain: 'local',
              block: 1n,
              states: [state(w.id, 0), bad],
              alerts: [alert('al_atomic_page', w.id, T)],
            },
            webhookCount: 1,
          },
        ],
        T,
      ),
    ).rejects.toThrow()
    expect(await store.getRuleStates('local', [w.id])).toEqual([])
    expect(await store.listAlerts(w.id, 10)).toEqual([])
  })

  it(`${backend.name}: lastAlertTimes is the newest alert per watch`, async () => {
    const w = watch('w_times')
    await store.createWatch(w)
    await store.applyEvaluation(
      { watchId: w.id, chain: 'local', block: 1n, states: [], alerts: [alert('al_t1', w.id, T)] },
      0,
      T,
    )
    await store.applyEvaluation(
      { watchId: w.id, chain: 'local', block: 2n, states: [], alerts: [alert('al_t2', w.id, T + 60_000)] },
      0,
      T,
    )
    expect((await store.lastAlertTimes([w.id, 'w_none'])).get(w.id)).toBe(T + 60_000)
    expect((await store.listAlerts(w.id, 10)).map((a) => a.id)).toEqual(['al_t2', 'al_t1'])
    expect((await store.listAlerts(w.id, 1)).map((a) => a.id)).toEqual(['al_t2'])
    expect((await store.lastAlertTimes([])).size).toBe(0)
  })

  it(`${backend.name}: due deliveries, attempts, delivered and dead`, async () => {
    const w = watch('w_due')
    await store.createWatch(w)
    await store.applyEvaluation(
      { watchId: w.id, chain: 'local', block: 3n, states: [], alerts: [alert('al_due', w.id, T)] },
      2,
      T + 100,
    )
    const mine = async (now: number) =>
      (await store.dueDeliveries(now, 1000)).filter((d) => d.alert.watchId === w.id)
    expect(await mine(T + 99)).toEqual([])
    const due = await mine(T + 100)
    expect(due.map((d) => [d.delivery.targetIndex, d.target.url])).toEqual([
      [0, 'https://hooks.example/one'],
      [1, 'https://hooks.example/two'],
    ])
    expect(due[0]!.alert).toEqual(alert('al_due', w.id, T))
    expect(due[0]!.address).toBe(w.address)
    const [d0, d1] = [due[0]!.delivery, due[1]!.delivery]
    await store.recordAttempt({
      ...d0,
      attempts: 1,
      status: 'pending',
      nextAttemptAt: T + 2_000,
      lastStatus: 503,
      lastBodyHash: 'ab12cd34',
      updatedAt: T + 200,
    })
    await store.recordAttempt({
      ...d1,
      attempts: 1,
      status: 'delivered',
      nextAttemptAt: null,
      lastStatus: 204,
      updatedAt: T + 200,
    })
    expect((await mine(T + 1_999)).map((d) => d.delivery.id)).toEqual([])
    const retry = await mine(T + 2_000)
    expect(
      retry.map((d) => [d.delivery.id, d.delivery.attempts, d.delivery.lastStatus, d.delivery.lastBodyHash]),
    ).toEqual([[d0.id, 1, 503, 'ab12cd34']])
    await store.recordAttempt({
      ...retry[0]!.delivery,
      attempts: 2,
      status: 'dead',
      nextAttemptAt: null,
      lastStatus: 0,
      lastBodyHash: undefined,
      updatedAt: T + 3_000,
    })
    expect(await mine(T + 10_000_000)).toEqual([])
    const history = (await store.listAlerts(w.id, 10))[0]!.deliveries
    expect(history).toEqual([
      {
        id: d0.id,
        alertId: 'al_due',
        targetIndex: 0,
        status: 'dead',
        attempts: 2,
        nextAttemptAt: null,
        lastStatus: 0,
        updatedAt: T + 3_000,
      },
      {
        id: d1.id,
        alertId: 'al_due',
        targetIndex: 1,
        status: 'delivered',
        attempts: 1,
        nextAttemptAt: null,
        lastStatus: 204,
        updatedAt: T + 200,
      },
    ])
  })

  it(`${backend.name}: claiming due deliveries leases them to one claimant`, async () => {
    const w = watch('w_claim', { address: '0x00000000000000000000000000000000000000c1' })
    await store.createWatch(w)
    await store.applyEvaluation(
      { watchId: w.id, chain: 'local', block: 6n, states: [], alerts: [alert('al_claim', w.id, T)] },
      2,
      T + 500,
    )
    const mine = (items: Awaited<ReturnType<MonitorStore['dueDeliveries']>>) =>
      items.filter((d) => d.alert.watchId === w.id)
    // Two concurrent claimants: each delivery goes to exactly one of them.
    const [a, b] = await Promise.all([
      store.claimDueDeliveries(T + 500, 1000, 30_000),
      store.claimDueDeliveries(T + 500, 1000, 30_000),
    ])
    const claimedIds = [...mine(a), ...mine(b)].map((d) => d.delivery.id).sort()
    expect(claimedIds).toEqual([deliveryIdOf('al_claim', 0), deliveryIdOf('al_claim', 1)])
    const claimed = [...mine(a), ...mine(b)]
    expect(claimed.every((d) => d.address === w.address && d.delivery.nextAttemptAt === T + 30_500)).toBe(
      true,
    )
    // Leased: not due again until the lease ends (a claimant that died leaves it due then).
    expect(mine(await store.claimDueDeliveries(T + 30_499, 1000, 30_000))).toEqual([])
    expect(mine(await store.dueDeliveries(T + 30_499, 1000))).toEqual([])
    const again = mine(await store.claimDueDeliveries(T + 30_500, 1000, 30_000))
    expect(again).toHaveLength(2)
    await store.recordAttempt({
      ...again[0]!.delivery,
      attempts: 1,
      status: 'pending',
      nextAttemptAt: T + 40_000,
      lastStatus: 0,
      lastError: 'timeout',
      updatedAt: T + 30_600,
    })
    const failed = (await store.listAlerts(w.id, 1))[0]!.deliveries.find(
      (d) => d.id === again[0]!.delivery.id,
    )
    expect(failed).toMatchObject({
      status: 'pending',
      attempts: 1,
      lastStatus: 0,
      lastError: 'timeout',
      nextAttemptAt: T + 40_000,
    })
    await store.recordAttempt({
      ...failed!,
      attempts: 2,
      status: 'delivered',
      nextAttemptAt: null,
      lastStatus: 200,
      lastError: undefined,
      updatedAt: T + 40_100,
    })
    const ok = (await store.listAlerts(w.id, 1))[0]!.deliveries.find((d) => d.id === again[0]!.delivery.id)
    expect(ok).not.toHaveProperty('lastError')
    expect(ok).toMatchObject({ status: 'delivered', nextAttemptAt: null })
  })

  it(`${backend.name}: updating rules re-arms; dropping a target kills its pending deliveries`, async () => {
    const w = watch('w_upd', { chains: ['local', 'other'] })
    await store.createWatch(w)
    await store.applyEvaluation(
      {
        watchId: w.id,
        chain: 'local',
        block: 4n,
        states: [state(w.id, 0)],
        alerts: [alert('al_upd', w.id, T)],
      },
      2,
      T,
    )
    await store.applyEvaluation(
      { watchId: w.id, chain: 'other', block: 4n, states: [state(w.id, 0, { chain: 'other' })], alerts: [] },
      2,
      T,
    )
    // Same rules, one chain dropped, one webhook dropped.
    const fewer = { ...w, chains: ['local'], webhooks: w.webhooks.slice(0, 1), updatedAt: T + 1 }
    await store.updateWatch(fewer)
    expect(await store.getWatch(w.id, KEY_A.id)).toEqual(fewer)
    expect(await store.getRuleStates('local', [w.id])).toHaveLength(1)
    expect(await store.getRuleStates('other', [w.id])).toEqual([])
    expect((await store.listWatchesForChain('other', null, 1000)).map((x) => x.id)).not.toContain(w.id)
    const ds = (await store.listAlerts(w.id, 10))[0]!.deliveries
    expect(ds.map((d) => [d.targetIndex, d.status])).toEqual([
      [0, 'pending'],
      [1, 'dead'],
    ])
    // New rules: every state starts from armed again.
    await store.updateWatch({ ...fewer, rules: [{ metric: 'healthFactor', below: 1.2 }], updatedAt: T + 2 })
    expect(await store.getRuleStates('local', [w.id])).toEqual([])
    // Another key's update changes nothing.
    await store.updateWatch({ ...fewer, keyId: KEY_B.id, label: 'hijack' })
    expect((await store.getWatch(w.id, KEY_A.id))?.label).toBe('main wallet')
  })

  it(`${backend.name}: deleting a watch deletes its states, alerts and deliveries`, async () => {
    const w = watch('w_del')
    await store.createWatch(w)
    await store.applyEvaluation(
      {
        watchId: w.id,
        chain: 'local',
        block: 5n,
        states: [state(w.id, 0)],
        alerts: [alert('al_del', w.id, T)],
      },
      2,
      T,
    )
    expect(await store.deleteWatch(w.id, KEY_A.id)).toBe(true)
    expect(await store.getWatch(w.id, KEY_A.id)).toBeNull()
    expect(await store.getRuleStates('local', [w.id])).toEqual([])
    expect(await store.listAlerts(w.id, 10)).toEqual([])
    expect((await store.dueDeliveries(T + 1e9, 1000)).filter((d) => d.alert.id === 'al_del')).toEqual([])
    expect(await store.deleteWatch(w.id, KEY_A.id)).toBe(false)
  })

  it(`${backend.name}: everything survives close and reopen`, async () => {
    const s = await backend.open('durable')
    await s.createKey(KEY_A)
    await s.createWatch(watch('w_durable'))
    await s.applyEvaluation(
      {
        watchId: 'w_durable',
        chain: 'local',
        block: BIG_BLOCK,
        states: [state('w_durable', 0)],
        alerts: [alert('al_durable', 'w_durable', T)],
      },
      2,
      T,
    )
    await s.close()
    const again = await backend.open('durable')
    expect(await again.findKeyByHash(KEY_A.hash)).toEqual(KEY_A)
    expect(await again.getWatch('w_durable', KEY_A.id)).toEqual(watch('w_durable'))
    expect(await again.getRuleStates('local', ['w_durable'])).toEqual([state('w_durable', 0)])
    expect((await again.dueDeliveries(T, 10)).map((d) => d.delivery.id)).toEqual([
      deliveryIdOf('al_durable', 0),
      deliveryIdOf('al_durable', 1),
    ])
    await again.close()
  })
})

describe('sqlite file lock', () => {
  const dir = join(ROOT, 'locks')
  mkdirSync(dir, { recursive: true })

  it('removes a stale lock left by a killed process at open', async () => {
    const path = join(dir, 'stale.db')
    const s = await openSqliteStore(path)
    await s.createKey(KEY_A)
    await s.close()
    // What a process killed inside a statement leaves: the lock directory, older than the threshold.
    mkdirSync(`${path}.lock`)
    const old = new Date(Date.now() - 60_000)
    utimesSync(`${path}.lock`, old, old)
    const again = await openSqliteStore(path)
    expect(await again.findKeyByHash(KEY_A.hash)).toEqual(KEY_A)
    await again.close()
  })

  it('waits for a live lock, then fails clearly after busyTimeoutMs', async () => {
    const path = join(dir, 'live.db')
    const s = await openSqliteStore(path, { busyTimeoutMs: 300 })
    // A fresh lock directory: another process inside a statement right now.
    mkdirSync(`${path}.lock`)
    const t0 = Date.now()
    await expect(s.findKeyByHash('x')).rejects.toThrow(/locked/i)
    expect(Date.now() - t0).toBeGreaterThanOrEqual(300)
    // Released while waiting: the statement goes through.
    const pending = s.findKeyByHash(KEY_A.hash)
    setTimeout(() => rmSync(`${path}.lock`, { recursive: true }), 100)
    expect(await pending).toBeNull()
    await s.close()
  })
})
