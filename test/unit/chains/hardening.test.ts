/**
 * The pure parts of the chain-layer hardening (issue 13): RPC URL redaction, the log budget's
 * planning, the request deadline.
 */
import { describe, expect, it } from 'vitest'
import { createDeadline, remainingMs, withDeadline } from '../../../src/chains/deadline.js'
import { createLogBudget, planLogRanges, spendLogRequest } from '../../../src/chains/log-budget.js'
import { redactSecrets, redactUrl } from '../../../src/chains/redact.js'
import { BaseError } from '../../../src/core/errors.js'

describe('redactUrl / redactSecrets', () => {
  it('keeps scheme and host only (no userinfo, path, query, fragment)', () => {
    expect(redactUrl('https://user:pa55word@eth.example.com:8545/v2/abcdef123456?key=zzz#frag')).toBe(
      'https://eth.example.com:8545',
    )
    expect(redactUrl('not a url')).toBe('an RPC endpoint')
  })

  it('redacts every URL in a text, and the known URLs’ secret parts wherever they appear', () => {
    const url = 'https://mainnet.example.io/v3/0123456789abcdef?apikey=SECRETQUERY'
    const text = `URL: ${url}\nRequest body: {"method":"eth_call"} key 0123456789abcdef rejected; SECRETQUERY.`
    const out = redactSecrets(text, [url])
    expect(out).toContain('URL: https://mainnet.example.io\n')
    expect(out).not.toContain('0123456789abcdef')
    expect(out).not.toContain('SECRETQUERY')
    expect(redactSecrets('see wss://a:b@node.example/ws/k3y-k3y-k3y).')).toBe('see wss://node.example).')
  })
})

describe('planLogRanges / spendLogRequest', () => {
  it('plans inclusive spans and spends them from the budget', () => {
    const budget = createLogBudget({ maxRequests: 4 })
    const ranges = planLogRanges({
      budget,
      chain: 'c',
      what: 'x',
      fromBlock: 0n,
      toBlock: 9n,
      span: 4n,
      rangeFrom: 'server',
    })
    expect(ranges).toEqual([
      [0n, 3n],
      [4n, 7n],
      [8n, 9n],
    ])
    expect(budget.used).toBe(3)
    spendLogRequest(budget, 'c', 'x')
    expect(() => spendLogRequest(budget, 'c', 'x')).toThrow(
      expect.objectContaining({ code: 'LOG_BUDGET_EXCEEDED' }),
    )
  })

  it('refuses before building anything: too many requests (server) or too many blocks (request)', () => {
    const budget = createLogBudget({ maxRequests: 10, maxBlockRange: 1_000_000n })
    const huge = () =>
      planLogRanges({
        budget,
        chain: 'c',
        what: 'x',
        fromBlock: 0n,
        toBlock: 10n ** 15n,
        span: 1n,
        rangeFrom: 'request',
      })
    expect(huge).toThrow(expect.objectContaining({ code: 'LOG_RANGE_TOO_LARGE' }))
    const many = () =>
      planLogRanges({
        budget,
        chain: 'c',
        what: 'x',
        fromBlock: 0n,
        toBlock: 100n,
        span: 10n,
        rangeFrom: 'server',
      })
    expect(many).toThrow(expect.objectContaining({ code: 'LOG_BUDGET_EXCEEDED' }))
    expect(budget.used).toBe(0)
    expect(
      planLogRanges({
        budget,
        chain: 'c',
        what: 'x',
        fromBlock: 5n,
        toBlock: 4n,
        span: 1n,
        rangeFrom: 'server',
      }),
    ).toEqual([])
  })
})

describe('deadline', () => {
  it('times a pending call out with UPSTREAM_TIMEOUT at the deadline, and aborts its signal', async () => {
    const deadline = createDeadline({ timeoutMs: 50 })
    let seen: AbortSignal | undefined
    const t0 = performance.now()
    const err = await withDeadline(
      deadline,
      { upstream: 'the RPC endpoint of chain "x"', call: 'eth_call' },
      (signal) => {
        seen = signal
        return new Promise(() => {})
      },
    ).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(BaseError)
    expect((err as BaseError).code).toBe('UPSTREAM_TIMEOUT')
    expect((err as BaseError).message).toBe(
      'the RPC endpoint of chain "x" did not answer eth_call within the request deadline (50 ms)',
    )
    expect(performance.now() - t0).toBeLessThan(1_000)
    await new Promise((r) => setTimeout(r, 20))
    expect(seen?.aborted).toBe(true)
    expect(remainingMs(deadline)).toBe(0)
    // Once passed, nothing else starts.
    await expect(withDeadline(deadline, { upstream: 'u', call: 'c' }, async () => 1)).rejects.toMatchObject({
      code: 'UPSTREAM_TIMEOUT',
    })
  })

  it('passes results and errors through while time is left; no deadline runs the call as is', async () => {
    const deadline = createDeadline({ timeoutMs: 5_000 })
    expect(await withDeadline(deadline, { upstream: 'u', call: 'c' }, async () => 7)).toBe(7)
    await expect(
      withDeadline(deadline, { upstream: 'u', call: 'c' }, async () => {
        throw new Error('boom')
      }),
    ).rejects.toThrow('boom')
    expect(await withDeadline(undefined, { upstream: 'u', call: 'c' }, async (s) => s)).toBeUndefined()
  })

  it('aborts with a parent signal (the client went away)', async () => {
    const parent = new AbortController()
    const deadline = createDeadline({ timeoutMs: 5_000, signal: parent.signal })
    parent.abort()
    expect(deadline.signal.aborted).toBe(true)
    expect(remainingMs(deadline)).toBe(0)
  })
})
