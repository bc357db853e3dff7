/**
 * The replay transport itself (test/support/replay.ts, a stand-in for a node): recorded answers
 * come back byte for byte, directly and inside Multicall3 aggregate3, block facts come from the
 * recording's `blocks`, and anything unrecorded is an error naming it. Vectors: the first recorded
 * calls of ../shared/protocols/aave-v3-origin/recordings/v3.7.0.json.
 */
import { describe, expect, it } from 'vitest'
import { executeBatch } from '../../src/chains/batch.js'
import { CANONICAL_MULTICALL3, loadRecording, replayClient } from '../support/replay.js'

const rec = loadRecording('aave-v3-origin', 'v3.7.0.json')

describe.skipIf(!rec)('replay transport (needs ../shared/protocols; skipped when absent)', () => {
  it('answers a recorded eth_call exactly and refuses an unrecorded one by name', async () => {
    const { client } = replayClient(rec!)
    const c = rec!.calls.find((x) => x.result !== undefined)!
    const res = await client.call({
      to: c.to as `0x${string}`,
      data: c.data as `0x${string}`,
      blockNumber: BigInt(c.block),
    })
    expect(res.data).toBe(c.result)
    await expect(
      client.call({ to: c.to as `0x${string}`, data: '0xdeadbeef', blockNumber: BigInt(c.block) }),
    ).rejects.toThrow(/not recorded: eth_call to .* data 0xdeadbeef/)
  })

  it('answers aggregate3 sub-call by sub-call with the recorded block facts', async () => {
    const { client, stats } = replayClient(rec!)
    const block = rec!.blocks[0]!
    const here = rec!.calls.filter((x) => x.block === block.number)
    const ok = here.find((x) => x.result !== undefined)!
    const reverted = here.find((x) => x.revert !== undefined)!
    const batch = await executeBatch({
      client,
      chain: 'replay',
      multicall3: CANONICAL_MULTICALL3,
      blockNumber: BigInt(block.number),
      calls: [ok, reverted].map((x) => ({
        target: x.to as `0x${string}`,
        callData: x.data as `0x${string}`,
        allowFailure: true,
      })),
    })
    expect(batch.blockNumber).toBe(BigInt(block.number))
    expect(batch.timestamp).toBe(BigInt(block.timestamp))
    expect(batch.results).toEqual([
      { success: true, returnData: ok.result },
      { success: false, returnData: reverted.revert },
    ])
    expect(stats.aggregate3).toBe(1)
  })
})
