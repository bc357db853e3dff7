/**
 * The smart-account kinds' calls and decoders (src/accounts/), pure. Selectors and topics are
 * checked against the Solidity signatures of the real contracts (makerdao/ds-proxy and
 * proxy-registry; Instadapp/dsa-contracts contracts/registry/list.sol public getters;
 * OasisDEX/oasis-earn-sc dma-contracts dpm/AccountFactory.sol and AccountGuard.sol); answers are
 * hand-built ABI words; the DSA walk runs against a list built the way list.sol's `addAccount`
 * links ids.
 */
import {
  type Address,
  decodeFunctionData,
  encodeAbiParameters,
  getAddress,
  type Hex,
  keccak256,
  pad,
  toBytes,
  toFunctionSelector,
} from 'viem'
import { describe, expect, it } from 'vitest'
import {
  confirmsDsProxyOwner,
  decodeDsProxyLookup,
  planDsProxyLookup,
  planDsProxyOwner,
} from '../../../src/accounts/ds-proxy.js'
import {
  applyDsaStep,
  decodeDsaLink,
  dsaAccounts,
  dsaWalkDone,
  dsaWalkTruncated,
  instaListAbi,
  MAX_DSAS,
  planDsaLink,
  planDsaStep,
  startDsaWalk,
} from '../../../src/accounts/instadapp-dsa.js'
import { ACCOUNT_REGISTRIES, accountRegistriesFor, hasRegistries } from '../../../src/accounts/registry.js'
import {
  ACCOUNT_CREATED_TOPIC,
  confirmsDpmOwner,
  decodeDpmCandidates,
  dpmLogFilters,
  PROXY_OWNERSHIP_TRANSFERRED_TOPIC,
  planDpmOwner,
} from '../../../src/accounts/summer-dpm.js'
import type { RawCall, RawResult } from '../../../src/chains/batch.js'

const OWNER: Address = '0x90F79bf6EB2c4f870365E785982E1f101E93b906'
const PROXY: Address = '0x5FbDB2315678afecb367f032d93F642f64180aa3'
const eth = ACCOUNT_REGISTRIES.ethereum!
const ok = (returnData: Hex): RawResult => ({ success: true, returnData })
const addressWord = (a: string) => encodeAbiParameters([{ type: 'address' }], [a as Address])
const selector = (call: RawCall) => call.callData.slice(0, 10)

describe('DSProxy', () => {
  it('calls ProxyRegistry.proxies(address) and DSProxy.owner() (0xc4552791, 0x8da5cb5b)', () => {
    const lookup = planDsProxyLookup(eth.dsProxy!, OWNER)
    expect(lookup.target).toBe('0x4678f0a6958e4D2Bc4F1BAF7Bc52E8F3564f3fE4')
    expect(selector(lookup)).toBe('0xc4552791')
    expect(selector(lookup)).toBe(toFunctionSelector('proxies(address)'))
    expect(lookup.callData.slice(10)).toBe(pad(OWNER.toLowerCase() as Hex, { size: 32 }).slice(2))
    expect(lookup.allowFailure).toBe(true)
    expect(planDsProxyOwner(PROXY)).toMatchObject({ target: PROXY, callData: '0x8da5cb5b' })
  })

  it('decodes the proxy: an address word, none for zero, a revert, a short or dirty word', () => {
    expect(decodeDsProxyLookup(ok(addressWord(PROXY.toLowerCase())))).toBe(getAddress(PROXY))
    expect(decodeDsProxyLookup(ok(addressWord('0x0000000000000000000000000000000000000000')))).toBeNull()
    expect(decodeDsProxyLookup({ success: false, returnData: '0x' })).toBeNull()
    expect(decodeDsProxyLookup(ok('0x'))).toBeNull()
    expect(decodeDsProxyLookup(ok(`0x01${addressWord(PROXY).slice(4)}`))).toBeNull()
    expect(decodeDsProxyLookup(undefined)).toBeNull()
  })

  it("confirms only when the proxy's owner() is the owner (case-insensitive); a transferred proxy is not", () => {
    expect(confirmsDsProxyOwner(ok(addressWord(OWNER.toLowerCase())), OWNER)).toBe(true)
    expect(confirmsDsProxyOwner(ok(addressWord(PROXY)), OWNER)).toBe(false)
    expect(confirmsDsProxyOwner({ success: false, returnData: '0x' }, OWNER)).toBe(false)
  })
})

describe('Instadapp DSA (InstaList)', () => {
  it("calls list.sol's public getters: userLink(address), userList(address,uint64), accountAddr(uint64)", () => {
    const link = planDsaLink(eth.instadapp!, OWNER)
    expect(link.target).toBe('0x4c8a1BEb8a87765788946D6B19C6C6355194AbEb')
    expect(selector(link)).toBe(toFunctionSelector('userLink(address)'))
    const walk = startDsaWalk(OWNER, { first: 3n, last: 20n, count: 5n })
    const step = planDsaStep(eth.instadapp!, walk)
    expect(step.ids).toEqual([3n, 20n])
    expect(step.calls.map(selector)).toEqual([
      toFunctionSelector('accountAddr(uint64)'),
      toFunctionSelector('userList(address,uint64)'),
      toFunctionSelector('accountAddr(uint64)'),
      toFunctionSelector('userList(address,uint64)'),
    ])
  })

  it('decodes userLink (first, last, count); a revert is null', () => {
    const words = encodeAbiParameters(
      [{ type: 'uint64' }, { type: 'uint64' }, { type: 'uint64' }],
      [3n, 20n, 5n],
    )
    expect(decodeDsaLink(ok(words))).toEqual({ first: 3n, last: 20n, count: 5n })
    expect(decodeDsaLink({ success: false, returnData: '0x' })).toBeNull()
    expect(decodeDsaLink(ok(words.slice(0, 2 + 128) as Hex))).toBeNull()
  })

  /** An InstaList holding `ids` for OWNER, linked as list.sol's addAccount links them. */
  function fakeList(ids: readonly bigint[], failUserListAt?: bigint) {
    const account = (id: bigint) => getAddress(pad(`0x${(0xd5a0n + id).toString(16)}` as Hex, { size: 20 }))
    const answer = (call: RawCall): RawResult => {
      const { functionName, args } = decodeFunctionData({ abi: instaListAbi, data: call.callData })
      if (functionName === 'accountAddr') return ok(addressWord(account(args[0] as bigint)))
      if (functionName === 'userList') {
        const id = args[1] as bigint
        if (id === failUserListAt) return { success: false, returnData: '0x' }
        const i = ids.indexOf(id)
        return ok(
          encodeAbiParameters(
            [{ type: 'uint64' }, { type: 'uint64' }],
            [i > 0 ? ids[i - 1]! : 0n, i < ids.length - 1 ? ids[i + 1]! : 0n],
          ),
        )
      }
      throw new Error(`unexpected ${functionName}`)
    }
    const walkAll = () => {
      let walk = startDsaWalk(OWNER, {
        first: ids[0] ?? 0n,
        last: ids.at(-1) ?? 0n,
        count: BigInt(ids.length),
      })
      let rounds = 0
      for (
        let step = planDsaStep(eth.instadapp!, walk);
        step.ids.length > 0;
        step = planDsaStep(eth.instadapp!, walk)
      ) {
        walk = applyDsaStep(walk, step.ids, step.calls.map(answer))
        rounds++
      }
      return { walk, rounds }
    }
    return { account, walkAll }
  }

  it('walks a 5-account list from both ends in 3 rounds, every account once', () => {
    const ids = [3n, 7n, 9n, 12n, 20n]
    const list = fakeList(ids)
    const { walk, rounds } = list.walkAll()
    expect(rounds).toBe(3)
    expect(dsaWalkDone(walk)).toBe(true)
    expect(dsaWalkTruncated(walk)).toBe(false)
    expect(new Set(dsaAccounts(walk))).toEqual(new Set(ids.map(list.account)))
  })

  it('one account: one round; none: nothing to read', () => {
    const one = fakeList([42n]).walkAll()
    expect(one.rounds).toBe(1)
    expect(dsaAccounts(one.walk)).toHaveLength(1)
    const none = startDsaWalk(OWNER, { first: 0n, last: 0n, count: 0n })
    expect(planDsaStep(eth.instadapp!, none)).toEqual({ ids: [], calls: [] })
  })

  it(`stops at ${MAX_DSAS} accounts and says the list was cut`, () => {
    const ids = Array.from({ length: MAX_DSAS + 5 }, (_, i) => BigInt(i + 1))
    const { walk, rounds } = fakeList(ids).walkAll()
    expect(dsaAccounts(walk)).toHaveLength(MAX_DSAS)
    expect(rounds).toBe(MAX_DSAS / 2)
    expect(dsaWalkTruncated(walk)).toBe(true)
  })

  it('an end whose userList call fails stops; the other end goes on', () => {
    const ids = [1n, 2n, 3n, 4n, 5n, 6n]
    const { walk } = fakeList(ids, 1n).walkAll()
    // The front stops at id 1; the back walks 6, 5, 4, 3, 2 until it meets the read ids.
    expect(dsaAccounts(walk)).toHaveLength(6)
  })
})

describe('Summer.fi DPM', () => {
  it('filters AccountCreated by user (topic2) on the factory and ProxyOwnershipTransferred by newOwner (topic1) on the guard', () => {
    expect(ACCOUNT_CREATED_TOPIC).toBe(keccak256(toBytes('AccountCreated(address,address,uint256)')))
    expect(PROXY_OWNERSHIP_TRANSFERRED_TOPIC).toBe(
      keccak256(toBytes('ProxyOwnershipTransferred(address,address,address)')),
    )
    const topic = pad(OWNER.toLowerCase() as Hex, { size: 32 })
    const { created, transferred } = dpmLogFilters(eth.summerDpm!, OWNER)
    expect(created).toEqual({
      address: '0xF7B75183A2829843dB06266c114297dfbFaeE2b6',
      topics: [ACCOUNT_CREATED_TOPIC, null, topic],
    })
    expect(transferred).toEqual({
      address: '0xCe91349d2A4577BBd0fC91Fe6019600e047f2847',
      topics: [PROXY_OWNERSHIP_TRANSFERRED_TOPIC, topic],
    })
    expect(selector(planDpmOwner(eth.summerDpm!, PROXY))).toBe(toFunctionSelector('owners(address)'))
  })

  it('takes the proxy from either event, once, up to the pinned block; malformed logs are dropped', () => {
    const word = (a: string) => pad(a.toLowerCase() as Hex, { size: 32 })
    const other: Address = '0x1111111111111111111111111111111111111111'
    const later: Address = '0x2222222222222222222222222222222222222222'
    const logs = [
      {
        topics: [ACCOUNT_CREATED_TOPIC, word(PROXY), word(OWNER), pad('0x07', { size: 32 })],
        blockNumber: '0x10' as Hex,
      },
      {
        topics: [PROXY_OWNERSHIP_TRANSFERRED_TOPIC, word(OWNER), word(PROXY), word(other)],
        blockNumber: '0x11' as Hex,
      },
      {
        topics: [ACCOUNT_CREATED_TOPIC, word(PROXY), word(OWNER), pad('0x07', { size: 32 })],
        blockNumber: '0x10' as Hex,
      },
      {
        topics: [ACCOUNT_CREATED_TOPIC, word(later), word(OWNER), pad('0x08', { size: 32 })],
        blockNumber: '0x21' as Hex,
      },
      { topics: [ACCOUNT_CREATED_TOPIC, `0x01${word(PROXY).slice(4)}` as Hex], blockNumber: '0x10' as Hex },
      { topics: [ACCOUNT_CREATED_TOPIC, word(PROXY)], blockNumber: null },
    ]
    expect(decodeDpmCandidates(logs, 0x20n)).toEqual([getAddress(PROXY), getAddress(other)])
  })

  it("confirms only when the guard's owners(proxy) is the owner", () => {
    expect(confirmsDpmOwner(ok(addressWord(OWNER)), OWNER)).toBe(true)
    expect(confirmsDpmOwner(ok(addressWord(PROXY)), OWNER)).toBe(false)
  })
})

describe('registries', () => {
  it('Ethereum has all three kinds; the other chains InstaList only; gnosis and unknown chain ids none', () => {
    expect(Object.keys(accountRegistriesFor({ key: 'ethereum', chainId: 1 }, null)).sort()).toEqual([
      'dsProxy',
      'instadapp',
      'summerDpm',
    ])
    for (const key of ['arbitrum', 'base', 'optimism', 'polygon', 'avalanche'])
      expect(Object.keys(accountRegistriesFor({ key, chainId: 0 }, null))).toEqual(['instadapp'])
    expect(hasRegistries(accountRegistriesFor({ key: 'gnosis', chainId: 100 }, null))).toBe(false)
    expect(hasRegistries(accountRegistriesFor({ key: 'my-chain', chainId: 999 }, null))).toBe(false)
    // A declared fork of Ethereum (chain id 1) gets Ethereum's registries.
    expect(accountRegistriesFor({ key: 'mainnet-fork', chainId: 1 }, null)).toBe(ACCOUNT_REGISTRIES.ethereum)
    expect(hasRegistries(accountRegistriesFor({ key: 'local', chainId: 1 }, null))).toBe(false)
  })
})
