/**
 * The batch's hand-written aggregate3 codec equals viem's generic encoder and decoder, byte for
 * byte and value for value (random calls and answers, fast-check), and fails where viem fails.
 */
import fc from 'fast-check'
import { decodeFunctionResult, encodeAbiParameters, encodeFunctionData, getAddress, type Hex } from 'viem'
import { describe, expect, it } from 'vitest'
import { multicall3Abi } from '../../../abis/multicall3.js'
import { decodeAggregate3Result, encodeAggregate3, type RawCall } from '../../../src/chains/batch.js'

const hexBytes = (max: number) =>
  fc.uint8Array({ maxLength: max }).map((b) => `0x${Buffer.from(b).toString('hex')}` as Hex)
const address = fc.uint8Array({ minLength: 20, maxLength: 20 }).chain((b) => {
  const lower = `0x${Buffer.from(b).toString('hex')}` as const
  return fc.constantFrom(lower, getAddress(lower))
})
const call = fc.record({ target: address, allowFailure: fc.boolean(), callData: hexBytes(300) })
const resultTuple = [
  {
    type: 'tuple[]',
    components: [
      { name: 'success', type: 'bool' },
      { name: 'returnData', type: 'bytes' },
    ],
  },
] as const

describe('aggregate3 codec', () => {
  it('encodes exactly as viem', () => {
    fc.assert(
      fc.property(fc.array(call, { maxLength: 40 }), (calls: RawCall[]) => {
        expect(encodeAggregate3(calls)).toBe(
          encodeFunctionData({ abi: multicall3Abi, functionName: 'aggregate3', args: [calls] }),
        )
      }),
      { numRuns: 300 },
    )
  })

  it('refuses what viem refuses, with viem errors', () => {
    const bad: RawCall[] = [
      { target: '0xcA11bde05977b3631167028862bE2a173976CA1a' as Hex, allowFailure: true, callData: '0x' },
    ]
    expect(() => encodeAggregate3(bad)).toThrow(/Address .* is invalid/)
    const odd: RawCall[] = [
      { target: '0xca11bde05977b3631167028862be2a173976ca11', allowFailure: true, callData: '0x123' },
    ]
    const viem = () => encodeFunctionData({ abi: multicall3Abi, functionName: 'aggregate3', args: [odd] })
    let expected: unknown
    try {
      expected = viem()
    } catch (err) {
      expected = err
    }
    if (expected instanceof Error) expect(() => encodeAggregate3(odd)).toThrow(expected.message)
    else expect(encodeAggregate3(odd)).toBe(expected)
  })

  it('decodes exactly as viem', () => {
    const result = fc.record({ success: fc.boolean(), returnData: hexBytes(300) })
    fc.assert(
      fc.property(fc.array(result, { maxLength: 40 }), fc.boolean(), (results, upper) => {
        const encoded = encodeAbiParameters(resultTuple, [results])
        const data = (upper ? `0x${encoded.slice(2).toUpperCase()}` : encoded) as Hex
        expect(decodeAggregate3Result(data)).toEqual(
          decodeFunctionResult({ abi: multicall3Abi, functionName: 'aggregate3', data }),
        )
      }),
      { numRuns: 300 },
    )
  })

  it('throws where viem throws on malformed answers', () => {
    const good = encodeAbiParameters(resultTuple, [[{ success: true, returnData: '0x1234' }]])
    const malformed: Hex[] = [
      '0x',
      '0x00',
      good.slice(0, -64) as Hex, // truncated returnData
      `0x${good.slice(2, 2 + 64 * 4)}${'0'.repeat(63)}2${good.slice(2 + 64 * 5)}` as Hex, // bool = 2
      `0x${'0'.repeat(62)}ff${good.slice(66)}` as Hex, // array offset past the end
    ]
    for (const data of malformed) {
      expect(
        () => decodeFunctionResult({ abi: multicall3Abi, functionName: 'aggregate3', data }),
        data,
      ).toThrow()
      expect(() => decodeAggregate3Result(data), data).toThrow()
    }
  })
})
