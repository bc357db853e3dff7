/**
 * The Node monitor scheduler (src/monitor/scheduler.ts) with stand-in ticks (functions that
 * record when they run): no overlap, graceful stop, faults survived, every-N-blocks gating, the
 * environment's schedule and its errors.
 */
import { describe, expect, it } from 'vitest'
import {
  DEFAULT_MONITOR_INTERVAL_MS,
  DEVCHAIN_MONITOR_INTERVAL_MS,
  MonitorScheduleError,
  monitorScheduleFromEnv,
  startMonitorScheduler,
} from '../../src/monitor/scheduler.js'
import type { TickSummary } from '../../src/monitor/tick.js'

const summary = (tick: number): TickSummary => ({ tick, chains: [], alerts: 0, durationMs: 0 })
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

describe('monitorScheduleFromEnv', () => {
  it('defaults, overrides, off, and a bad value named', () => {
    expect(monitorScheduleFromEnv({}, false)).toEqual({ intervalMs: DEFAULT_MONITOR_INTERVAL_MS })
    expect(monitorScheduleFromEnv({}, true)).toEqual({ intervalMs: DEVCHAIN_MONITOR_INTERVAL_MS })
    expect(
      monitorScheduleFromEnv(
        { STACKLENS_MONITOR_INTERVAL_MS: '500', STACKLENS_MONITOR_EVERY_BLOCKS: '3' },
        false,
      ),
    ).toEqual({ intervalMs: 500, everyBlocks: 3 })
    expect(monitorScheduleFromEnv({ STACKLENS_MONITOR: 'off' }, true)).toBeNull()
    expect(() => monitorScheduleFromEnv({ STACKLENS_MONITOR_INTERVAL_MS: '0' }, false)).toThrow(
      MonitorScheduleError,
    )
    expect(() => monitorScheduleFromEnv({ STACKLENS_MONITOR_EVERY_BLOCKS: 'x' }, false)).toThrow(
      /STACKLENS_MONITOR_EVERY_BLOCKS must be a positive integer, got "x"/,
    )
  })
})

describe('startMonitorScheduler', () => {
  it('never overlaps ticks, survives a throwing tick, stops after the tick in flight', async () => {
    let running = 0
    let maxRunning = 0
    let n = 0
    const logs: string[] = []
    const scheduler = startMonitorScheduler({
      schedule: { intervalMs: 5 },
      tick: async () => {
        running++
        maxRunning = Math.max(maxRunning, running)
        n++
        await sleep(20)
        running--
        if (n === 2) throw new Error('upstream down')
        return summary(n)
      },
      log: (m) => logs.push(m),
    })
    // runOnce while the loop also ticks: queued behind, never concurrent.
    await Promise.all([scheduler.runOnce(), scheduler.runOnce()])
    await sleep(120)
    await scheduler.stop()
    const after = n
    await sleep(60)
    expect(maxRunning).toBe(1)
    expect(n).toBe(after)
    expect(n).toBeGreaterThanOrEqual(4)
    expect(logs.some((l) => l.includes('tick failed: upstream down (next tick on time)'))).toBe(true)
    expect(running).toBe(0)
  })

  it('with everyBlocks, ticks only once the head moved by that many blocks', async () => {
    let head = 100n
    const ticked: bigint[] = []
    const scheduler = startMonitorScheduler({
      schedule: { intervalMs: 5, everyBlocks: 3 },
      headBlock: async () => head,
      tick: async () => {
        ticked.push(head)
        return summary(ticked.length)
      },
    })
    await sleep(40)
    head = 102n
    await sleep(40)
    head = 103n
    await sleep(40)
    await scheduler.stop()
    // 100: first tick; 102: only 2 blocks later, skipped; 103: 3 blocks, ticks once.
    expect(ticked).toEqual([100n, 103n])
  })
})
