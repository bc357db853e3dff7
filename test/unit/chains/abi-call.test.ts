/**
 * encodeCall / decodeResult equal viem's encodeFunctionData / decodeFunctionResult, byte for byte
 * and value for value, on every function of every ABI the adapters call (random arguments and
 * random answers, fast-check), and fail where viem fails (bad addresses, out-of-range integers,
 * dirty bools, answers of the wrong length).
 */
import fc from 'fast-check'
import {
  type Abi,
  type AbiFunction,
  type AbiParameter,
  decodeFunctionResult,
  encodeAbiParameters,
  encodeFunctionData,
  getAddress,
  type Hex,
} from 'viem'
import { describe, expect, it } from 'vitest'
import { aaveOracleAbi, aavePoolAbi, aavePoolRevisionAbi } from '../../../abis/aave-pool.js'
import {
  uiPoolDataProviderV30Abi,
  uiPoolDataProviderV33Abi,
} from '../../../abis/aave-ui-pool-data-provider.js'
import { aaveV4HubAbi } from '../../../abis/aave-v4-hub.js'
import { aaveV4OracleAbi } from '../../../abis/aave-v4-oracle.js'
import { aaveV4SpokeAbi } from '../../../abis/aave-v4-spoke.js'
import { aggregatorV3Abi, cometAbi, erc20SymbolAbi } from '../../../abis/compound-v3-comet.js'
import { multicall3Abi } from '../../../abis/multicall3.js'
import { decodeResult, encodeCall } from '../../../src/chains/abi-call.js'
import {
  gmxDataStoreAbi,
  gmxFeedAbi,
  gmxReaderAbi,
  gmxReaderV21Abi,
} from '../../../src/protocols/gmx-v2/abi.js'
import { morphoAbi } from '../../../src/protocols/morpho-blue/read.js'

const ABIS: Record<string, Abi> = {
  aavePoolAbi,
  aaveOracleAbi,
  aavePoolRevisionAbi,
  uiPoolDataProviderV30Abi,
  uiPoolDataProviderV33Abi,
  aaveV4HubAbi,
  aaveV4OracleAbi,
  aaveV4SpokeAbi,
  cometAbi,
  aggregatorV3Abi,
  erc20SymbolAbi,
  multicall3Abi,
  gmxReaderAbi,
  gmxReaderV21Abi,
  gmxDataStoreAbi,
  gmxFeedAbi,
  morphoAbi,
}

const FUNCTIONS = Object.entries(ABIS).flatMap(([abiName, abi]) =>
  abi
    .filter((x): x is AbiFunction => x.type === 'function')
    .map((fn) => ({ label: `${abiName}.${fn.name}`, abi, fn })),
)

const hex = (b: Uint8Array) => `0x${Buffer.from(b).toString('hex')}` as Hex
const address = fc
  .uint8Array({ minLength: 20, maxLength: 20 })
  .chain((b) => fc.constantFrom(hex(b), getAddress(hex(b))))

/** Random values of an ABI type, as viem accepts them (numbers for small integers too). */
function arbitraryOf(p: AbiParameter): fc.Arbitrary<unknown> {
  const array = /^(.*)\[(\d*)\]$/.exec(p.type)
  if (array) {
    const element = arbitraryOf({ ...p, type: array[1]! } as AbiParameter)
    return array[2] === ''
      ? fc.array(element, { maxLength: 4 })
      : fc.array(element, { minLength: Number(array[2]), maxLength: Number(array[2]) })
  }
  if (p.type === 'address') return address
  if (p.type === 'bool') return fc.boolean()
  if (p.type === 'string') return fc.string({ maxLength: 40 })
  if (p.type === 'bytes') return fc.uint8Array({ maxLength: 70 }).map(hex)
  const bytes = /^bytes(\d+)$/.exec(p.type)
  if (bytes) return fc.uint8Array({ minLength: Number(bytes[1]), maxLength: Number(bytes[1]) }).map(hex)
  const int = /^(u?)int(\d*)$/.exec(p.type)
  if (int) {
    const bits = BigInt(int[2] || '256')
    const signed = int[1] === ''
    const max = (1n << (signed ? bits - 1n : bits)) - 1n
    const big = fc.oneof(
      fc.bigInt({ min: signed ? -max - 1n : 0n, max }),
      fc.constantFrom(0n, 1n, max, signed ? -max - 1n : 0n),
    )
    return bits <= 48n ? fc.oneof(big, big.map(Number)) : big
  }
  if (p.type === 'tuple' && 'components' in p) {
    const parts = p.components.map(arbitraryOf)
    if (p.components.some((c) => !c.name)) return fc.tuple(...parts)
    return fc.tuple(...parts).map((vs) => Object.fromEntries(p.components.map((c, i) => [c.name, vs[i]])))
  }
  throw new Error(`no generator for ${p.type}`)
}

/** The error a call throws (its class and message), or its value. */
function outcome<T>(f: () => T): { value: T } | { error: string } {
  try {
    return { value: f() }
  } catch (err) {
    return { error: `${(err as Error).name}: ${(err as Error).message}` }
  }
}

describe('encodeCall', () => {
  it.each(FUNCTIONS)('$label: the bytes of encodeFunctionData', ({ abi, fn }) => {
    fc.assert(
      fc.property(fc.tuple(...fn.inputs.map(arbitraryOf)), (args) => {
        expect(encodeCall(abi, fn.name, args)).toBe(
          encodeFunctionData({ abi, functionName: fn.name, args } as never),
        )
      }),
      { numRuns: 40 },
    )
  })

  it('throws viem errors for values viem refuses', () => {
    const cases: [Abi, string, unknown[]][] = [
      [cometAbi, 'userBasic', ['0x00000000000000000000000000000000000000Aa']], // bad checksum
      [cometAbi, 'userBasic', ['0x1234']],
      [cometAbi, 'getAssetInfo', [256]], // uint8 out of range
      [cometAbi, 'getAssetInfo', [-1]],
      [cometAbi, 'getAssetInfo', [1.5]],
      [gmxDataStoreAbi, 'getUint', ['0x12']], // bytes32 of 1 byte
      [cometAbi, 'userBasic', []], // arity
      [cometAbi, 'noSuchFunction', []],
    ]
    for (const [abi, functionName, args] of cases) {
      const viem = outcome(() => encodeFunctionData({ abi, functionName, args } as never))
      expect('error' in viem).toBe(true)
      expect(outcome(() => encodeCall(abi, functionName, args))).toEqual(viem)
    }
  })
})

describe('decodeResult', () => {
  const withOutputs = FUNCTIONS.filter(({ fn }) => fn.outputs.length > 0)

  it.each(withOutputs)('$label: the values of decodeFunctionResult', ({ abi, fn }) => {
    fc.assert(
      fc.property(fc.tuple(...fn.outputs.map(arbitraryOf)), fc.boolean(), (values, upper) => {
        let data = encodeAbiParameters(fn.outputs, values as never)
        if (upper) data = `0x${data.slice(2).toUpperCase()}`
        expect(decodeResult(abi, fn.name, data)).toEqual(
          decodeFunctionResult({ abi, functionName: fn.name, data } as never),
        )
      }),
      { numRuns: 40 },
    )
  })

  it('decodes what viem decodes, and throws what it throws, on non-canonical answers', () => {
    const word = (n: bigint) => n.toString(16).padStart(64, '0')
    const cases: [Abi, string, Hex][] = [
      [cometAbi, 'isLiquidatable', `0x${word(2n)}`], // bool out of range
      [cometAbi, 'isLiquidatable', `0x${word(1n)}${word(0n)}`], // longer than the outputs
      [cometAbi, 'baseScale', '0x'],
      [cometAbi, 'baseScale', '0x1234'],
      [cometAbi, 'baseScale', `0x${'zz'.repeat(32)}`],
      [cometAbi, 'numAssets', `0x${word(1n << 60n)}`], // uint8 past the safe integers
      [cometAbi, 'numAssets', `0x${word(300n)}`], // uint8 with high bits: viem keeps them
      [cometAbi, 'baseToken', `0x${'f'.repeat(24)}${'ab'.repeat(20)}`], // dirty address padding
      [gmxReaderAbi, 'getMarkets', `0x${word(64n)}${word(0n)}${word(0n)}`], // non-canonical offset
      [gmxReaderAbi, 'getMarkets', `0x${word(32n)}${word(1n)}`], // too short for its length
      [gmxReaderAbi, 'getMarkets', `0x${word(32n)}${word(1n << 80n)}`],
      [aavePoolAbi, 'getReservesList', `0x${word(32n)}${word(0n)}`],
      [aavePoolAbi, 'getReservesList', `0x${word(32n)}${word(2n)}${word(5n)}${word(6n)}${word(7n)}`],
      // a string at a non-canonical (but valid) offset, and one cut short of its padding
      [erc20SymbolAbi, 'symbol', `0x${word(64n)}${word(0n)}${word(3n)}${'616263'.padEnd(64, '0')}`],
      [erc20SymbolAbi, 'symbol', `0x${word(32n)}${word(3n)}616263`],
      [erc20SymbolAbi, 'symbol', `0x${word(32n)}${word(2n)}${'ffff'.padEnd(64, '0')}`], // invalid UTF-8
      [erc20SymbolAbi, 'symbol', `0x${word(32n)}${word(0n)}`],
      // leading NUL bytes: viem trims them off a string before decoding it
      [erc20SymbolAbi, 'symbol', `0x${word(32n)}${word(3n)}${'000041'.padEnd(64, '0')}`],
      // dynamic tuples (getReservesData's reserves carry strings): an offset off by one word, a
      // length past the answer, an element offset pointing back into the head
      [uiPoolDataProviderV30Abi, 'getReservesData', `0x${word(96n)}${word(0n)}`],
      [uiPoolDataProviderV30Abi, 'getReservesData', `0x${word(160n)}${word(0n).repeat(4)}${word(1n << 40n)}`],
      [
        uiPoolDataProviderV30Abi,
        'getReservesData',
        `0x${word(160n)}${word(0n).repeat(4)}${word(1n)}${word(0n)}`,
      ],
    ]
    for (const [abi, functionName, data] of cases) {
      expect(outcome(() => decodeResult(abi, functionName, data))).toEqual(
        outcome(() => decodeFunctionResult({ abi, functionName, data } as never)),
      )
    }
  })
})
