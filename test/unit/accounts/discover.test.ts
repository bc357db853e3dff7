/**
 * Account discovery's I/O (src/accounts/discover.ts) against a scripted JSON-RPC endpoint (a viem
 * custom transport): the registries answer as the real contracts would (hand-built ABI words), the
 * DPM scan's whole-range request is refused the way providers refuse wide ranges (an RPC error),
 * so the planned chunks are asked for and paid from the log budget. Checks what goes out per round
 * trip, what is kept, and what is dropped.
 */
import {
  type Address,
  createClient,
  custom,
  decodeFunctionData,
  encodeAbiParameters,
  encodeFunctionResult,
  getAddress,
  type Hex,
  pad,
  RpcRequestError,
} from 'viem'
import { describe, expect, it } from 'vitest'
import { multicall3Abi } from '../../../abis/multicall3.js'
import { confirmAccounts, findAccountCandidates, hasCandidates } from '../../../src/accounts/discover.js'
import { dsProxyAbi } from '../../../src/accounts/ds-proxy.js'
import { instaListAbi } from '../../../src/accounts/instadapp-dsa.js'
import { ACCOUNT_CREATED_TOPIC, summerDpmAbi } from '../../../src/accounts/summer-dpm.js'
import type { AccountRegistries } from '../../../src/accounts/types.js'
import { type ChainClient, chainClientActions } from '../../../src/chains/client.js'
import { createLogBudget } from '../../../src/chains/log-budget.js'

const MULTICALL3: Address = '0xcA11bde05977b3631167028862bE2a173976CA11'
const OWNER: Address = '0x90F79bf6EB2c4f870365E785982E1f101E93b906'
const PROXY: Address = '0x00000000000000000000000000000000000d5001'
const DPM_A: Address = '0x00000000000000000000000000000000000d5002'
const DPM_B: Address = '0x00000000000000000000000000000000000d5003'
const DSA: Address = '0x00000000000000000000000000000000000d5004'
const OTHER: Address = '0x1111111111111111111111111111111111111111'
const BLOCK = 2_000n
const REG: AccountRegistries = {
  dsProxy: { registry: '0x00000000000000000000000000000000000aaa01', source: 'test' },
  instadapp: { list: '0x00000000000000000000000000000000000aaa02', source: 'test' },
  summerDpm: {
    factory: '0x00000000000000000000000000000000000aaa03',
    guard: '0x00000000000000000000000000000000000aaa04',
    fromBlock: 1_000n,
    logsBlockSpan: 400n,
    source: 'test',
  },
}
const word = (a: string) => pad(a.toLowerCase() as Hex, { size: 32 })
const addr = (a: Address) => encodeAbiParameters([{ type: 'address' }], [a])

/**
 * A node at BLOCK: the registries' views, the DSProxy's owner (OTHER when `transferred`), the
 * guard's owners (DPM_B given away), and DPM logs (DPM_A created at 1,500, DPM_B at 1,900, one
 * after BLOCK at 2,001 that only an unpinned `latest` scan sees). `refuseWide`: a whole-range
 * eth_getLogs is refused.
 */
function node(opts: { transferred?: boolean; refuseWide?: boolean } = {}) {
  const requests: { method: string; params: unknown }[] = []
  const answer = (target: string, data: Hex, block: bigint): Hex => {
    if (target.toLowerCase() === MULTICALL3.toLowerCase()) {
      const { functionName } = decodeFunctionData({ abi: multicall3Abi, data })
      return encodeAbiParameters(
        [{ type: 'uint256' }],
        [functionName === 'getBlockNumber' ? block : 1_700_000_000n],
      )
    }
    const t = target.toLowerCase()
    if (t === REG.dsProxy!.registry) return addr(PROXY)
    if (t === PROXY.toLowerCase()) {
      decodeFunctionData({ abi: dsProxyAbi, data })
      return addr(opts.transferred ? OTHER : OWNER)
    }
    if (t === REG.instadapp!.list) {
      const { functionName } = decodeFunctionData({ abi: instaListAbi, data })
      if (functionName === 'userLink')
        return encodeAbiParameters([{ type: 'uint64' }, { type: 'uint64' }, { type: 'uint64' }], [9n, 9n, 1n])
      if (functionName === 'accountAddr') return addr(DSA)
      return encodeAbiParameters([{ type: 'uint64' }, { type: 'uint64' }], [0n, 0n])
    }
    if (t === REG.summerDpm!.guard) {
      const { args } = decodeFunctionData({ abi: summerDpmAbi, data })
      return addr((args[0] as string).toLowerCase() === DPM_B.toLowerCase() ? OTHER : OWNER)
    }
    return '0x'
  }
  const created = (proxy: Address, block: bigint) => ({
    topics: [ACCOUNT_CREATED_TOPIC, word(proxy), word(OWNER), pad('0x01', { size: 32 })],
    blockNumber: `0x${block.toString(16)}`,
  })
  const transport = custom(
    {
      async request({ method, params }: { method: string; params: unknown }) {
        requests.push({ method, params })
        if (method === 'eth_call') {
          const [{ data }, tag] = params as [{ data: Hex }, Hex | 'latest']
          const block = tag === 'latest' ? BLOCK : BigInt(tag)
          const { args } = decodeFunctionData({ abi: multicall3Abi, data })
          const calls = args[0] as readonly { target: Address; callData: Hex }[]
          return encodeFunctionResult({
            abi: multicall3Abi,
            functionName: 'aggregate3',
            result: calls.map((c) => ({ success: true, returnData: answer(c.target, c.callData, block) })),
          })
        }
        if (method === 'eth_getLogs') {
          const [f] = params as [{ address: string; fromBlock: Hex; toBlock: Hex | 'latest' }]
          if (f.address.toLowerCase() !== REG.summerDpm!.factory) return []
          const to = f.toBlock === 'latest' ? 2_001n : BigInt(f.toBlock)
          const from = BigInt(f.fromBlock)
          if (opts.refuseWide && to - from + 1n > 400n)
            throw new RpcRequestError({
              body: {},
              url: 'http://node.test',
              error: { code: -32005, message: 'query exceeds max block range 400' },
            })
          return [created(DPM_A, 1_500n), created(DPM_B, 1_900n), created(OTHER, 2_001n)].filter(
            (l) => BigInt(l.blockNumber) >= from && BigInt(l.blockNumber) <= to,
          )
        }
        throw new Error(`unexpected ${method}`)
      },
    },
    { retryCount: 0 },
  )
  const client = createClient({ transport }).extend(chainClientActions) as unknown as ChainClient
  return { client, requests }
}

const chain = { key: 'test', multicall3: MULTICALL3 }

describe('account discovery I/O', () => {
  it('round trip 1: one aggregate3 and the two DPM scans; logs past the batch block dropped', async () => {
    const { client, requests } = node()
    const logBudget = createLogBudget()
    const c = await findAccountCandidates({ client, chain, registries: REG, owner: OWNER, logBudget })
    expect(requests.map((r) => r.method).sort()).toEqual(['eth_call', 'eth_getLogs', 'eth_getLogs'])
    expect(logBudget.used).toBe(2)
    expect(c).toMatchObject({
      blockNumber: BLOCK,
      dsProxy: getAddress(PROXY),
      dsaLink: { first: 9n, last: 9n, count: 1n },
    })
    expect(c.dpm).toEqual([getAddress(DPM_A), getAddress(DPM_B)])
    expect(hasCandidates(c)).toBe(true)
  })

  it('a refused whole range is asked again in planned chunks to the batch block, paid from the budget', async () => {
    const { client, requests } = node({ refuseWide: true })
    const logBudget = createLogBudget()
    const c = await findAccountCandidates({ client, chain, registries: REG, owner: OWNER, logBudget })
    expect(c.dpm).toEqual([getAddress(DPM_A), getAddress(DPM_B)])
    // 2 refused whole-range requests + 2 filters x ceil((2000 - 1000 + 1) / 400) = 3 chunks each.
    const logs = requests.filter((r) => r.method === 'eth_getLogs')
    expect(logs).toHaveLength(2 + 6)
    expect(logBudget.used).toBe(8)
    const last = logs.at(-1)!.params as [{ toBlock: Hex }]
    expect(BigInt(last[0].toBlock)).toBeLessThanOrEqual(BLOCK)
  })

  it('a pinned block below the factory deployment scans nothing', async () => {
    const { client, requests } = node()
    const c = await findAccountCandidates({ client, chain, registries: REG, owner: OWNER, blockNumber: 999n })
    expect(requests.filter((r) => r.method === 'eth_getLogs')).toHaveLength(0)
    expect(c.dpm).toEqual([])
  })

  it('round trip 2: one aggregate3 confirms the proxy and DPM accounts and reads the DSA; given-away ones dropped', async () => {
    const { client, requests } = node()
    const candidates = await findAccountCandidates({ client, chain, registries: REG, owner: OWNER })
    requests.length = 0
    const { accounts, notes } = await confirmAccounts({
      client,
      chain,
      registries: REG,
      owner: OWNER,
      candidates,
    })
    expect(requests.map((r) => r.method)).toEqual(['eth_call'])
    expect(accounts).toEqual([
      { address: getAddress(PROXY), kind: 'ds-proxy', registry: REG.dsProxy!.registry },
      { address: getAddress(DPM_A), kind: 'summer-dpm', registry: REG.summerDpm!.guard },
      { address: getAddress(DSA), kind: 'instadapp-dsa', registry: REG.instadapp!.list },
    ])
    expect(notes).toEqual([])
    const moved = node({ transferred: true })
    const c2 = await findAccountCandidates({ client: moved.client, chain, registries: REG, owner: OWNER })
    const r2 = await confirmAccounts({
      client: moved.client,
      chain,
      registries: REG,
      owner: OWNER,
      candidates: c2,
    })
    expect(r2.accounts.some((a) => a.kind === 'ds-proxy')).toBe(false)
  })
})
