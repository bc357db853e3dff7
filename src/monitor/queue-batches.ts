/**
 * Monitoring at scale on Workers: the Cron Trigger pages every chain's watches out of the store
 * and enqueues one message per page; queue consumers evaluate each page with the SAME code as the
 * Node tick ({@link evaluateWatches}) and then deliver. Runtime-agnostic (no `node:` imports): the
 * queue is reached through the minimal interfaces below.
 */
import { type ChainTickSummary, evaluateWatches, type MonitorTickContext } from './tick.js'
import type { MonitorStore } from './types.js'

/** Watches per queue message (one batch read per message). */
export const WATCH_PAGE_SIZE = 500

/** Cloudflare Queues accept at most 100 messages per `sendBatch`. */
const SEND_BATCH_MAX = 100

/** One queue message: a page of one chain's watches (after `afterId`, `limit` of them) at tick `tick`. */
export interface WatchBatchMessage {
  v: 1
  chain: string
  /** The page starts after this watch id (null: the first page). */
  afterId: string | null
  limit: number
  /** The cron's tick number (minutes since the epoch), so every consumer staggers alike. */
  tick: number
}

/** The part of a Queue producer binding used here. */
export interface QueueProducerLike {
  sendBatch(messages: { body: WatchBatchMessage }[]): Promise<unknown>
}

/** The part of a consumed queue message used here. */
export interface QueueMessageLike {
  body: unknown
  ack(): void
  retry(): void
}

/** Params of {@link enqueueWatchBatches}. */
export interface EnqueueWatchBatchesParams {
  store: MonitorStore
  queue: QueueProducerLike
  chains: readonly string[]
  tick: number
  pageSize?: number | undefined
}

/**
 * Pages the watches of `chains` (ids only matter: each page's boundary) and enqueues one
 * {@link WatchBatchMessage} per page. A watch created between the cron and the consumer may be
 * evaluated a tick later; none is skipped for good.
 */
export async function enqueueWatchBatches(
  params: EnqueueWatchBatchesParams,
): Promise<{ messages: number; watches: number }> {
  const pageSize = params.pageSize ?? WATCH_PAGE_SIZE
  const messages: WatchBatchMessage[] = []
  let watches = 0
  for (const chain of params.chains) {
    let afterId: string | null = null
    for (;;) {
      const page = await params.store.listWatchesForChain(chain, afterId, pageSize)
      if (page.length === 0) break
      messages.push({ v: 1, chain, afterId, limit: pageSize, tick: params.tick })
      watches += page.length
      if (page.length < pageSize) break
      afterId = page[page.length - 1]!.id
    }
  }
  for (let i = 0; i < messages.length; i += SEND_BATCH_MAX) {
    await params.queue.sendBatch(messages.slice(i, i + SEND_BATCH_MAX).map((body) => ({ body })))
  }
  return { messages: messages.length, watches }
}

/** A queue message body as a {@link WatchBatchMessage}, or null when it is not one. */
export function parseWatchBatchMessage(body: unknown): WatchBatchMessage | null {
  if (typeof body !== 'object' || body === null) return null
  const b = body as Record<string, unknown>
  if (b.v !== 1 || typeof b.chain !== 'string' || b.chain.length === 0) return null
  if (b.afterId !== null && typeof b.afterId !== 'string') return null
  if (typeof b.limit !== 'number' || !Number.isInteger(b.limit) || b.limit <= 0 || b.limit > 10_000)
    return null
  if (typeof b.tick !== 'number' || !Number.isInteger(b.tick) || b.tick < 0) return null
  return { v: 1, chain: b.chain, afterId: b.afterId as string | null, limit: b.limit, tick: b.tick }
}

/**
 * Evaluates the pages the messages name (acking each; a page whose read failed is retried by the
 * queue, a malformed message is acked and logged, never retried), then runs delivery once.
 */
export async function consumeWatchBatches(
  ctx: MonitorTickContext,
  messages: readonly QueueMessageLike[],
): Promise<ChainTickSummary[]> {
  const out: ChainTickSummary[] = []
  for (const message of messages) {
    const body = parseWatchBatchMessage(message.body)
    if (!body) {
      ctx.log?.('monitor: dropped a queue message that is not a watch batch')
      message.ack()
      continue
    }
    ctx.cache.tick = Math.max(ctx.cache.tick, body.tick)
    try {
      const page = await ctx.store.listWatchesForChain(body.chain, body.afterId, body.limit)
      const summary = await evaluateWatches(ctx, body.chain, page)
      out.push(summary)
      message.ack()
      ctx.log?.(
        `monitor: evaluated ${summary.chain}: ${summary.watches} watches at block ${summary.block ?? 'none'}, ${summary.deepReads} deep reads, ${summary.alerts} alerts`,
      )
    } catch (err) {
      ctx.log?.(
        `monitor: batch of ${body.chain} after ${body.afterId ?? 'start'} failed: ${err instanceof Error ? err.message.split('\n')[0] : String(err)} (the queue retries it)`,
      )
      message.retry()
    }
  }
  if (ctx.deliver) {
    try {
      await ctx.deliver((ctx.now ?? Date.now)())
    } catch (err) {
      ctx.log?.(
        `monitor: delivery failed: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}`,
      )
    }
  }
  return out
}
