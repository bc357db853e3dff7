/**
 * Calldata and return data of contract calls, byte for byte and value for value what viem's
 * `encodeFunctionData` / `decodeFunctionResult` give, without their per-call work where the types
 * allow it. viem looks the function up in the ABI and hashes its signature on every call, then
 * converts each value through intermediate hex and byte arrays; an adapter's wallet read runs
 * hundreds of such calls per request, and that was a large share of its CPU. Here the function
 * item and selector are looked up once per (ABI, name), and static types (address, bool, intN,
 * uintN, bytesN, fixed arrays and tuples of those; on the decode side also one top-level dynamic
 * array of them) are written and read straight on the hex string.
 *
 * Anything outside that fast path goes to viem itself, so it throws viem's own errors: an
 * overloaded or unknown name, a value viem would refuse (a bad address or checksum, an integer out
 * of range, a non-boolean, bytes of the wrong size), and return data that is not the canonical
 * encoding (a length other than the exact one, a bool word other than 0 or 1, an integer of 48 bits
 * or less that is not a safe integer, non-hex characters).
 */
import {
  type Abi,
  type AbiFunction,
  type AbiParameter,
  checksumAddress,
  decodeFunctionResult,
  encodeFunctionData,
  type Hex,
  hexToBytes,
  isAddress,
  toFunctionSelector,
} from 'viem'

/** How one static ABI type is written and read: its width in 32-byte words and its kind. */
type Codec =
  | { kind: 'address'; words: 1 }
  | { kind: 'bool'; words: 1 }
  | { kind: 'int'; signed: boolean; bits: number; words: 1 }
  | { kind: 'bytes'; size: number; words: 1 }
  | { kind: 'tuple'; names: string[] | null; components: Codec[]; words: number }
  | { kind: 'array'; length: number; element: Codec; words: number }

/**
 * How one output (or a part of one) is read: a static type in place, or a dynamic type through its
 * offset: a string, bytes, a dynamic array, or a tuple / fixed array with a dynamic part.
 */
type OutputCodec =
  | { kind: 'static'; codec: Codec }
  | { kind: 'string' }
  | { kind: 'bytes' }
  | { kind: 'array'; element: OutputCodec }
  | { kind: 'tuple'; names: string[] | null; components: OutputCodec[] }
  | { kind: 'fixed'; length: number; element: OutputCodec }

/** A function prepared once: its selector, and codecs where its types allow (else null). */
interface PreparedFunction {
  selector: Hex
  /** Every input static: written in place. */
  inputs: Codec[] | null
  /** Every output's codec (null when a type is unknown to the fast path). */
  outputs: OutputCodec[] | null
}

const INTEGER = /^(u?)int(\d*)$/
const FIXED_BYTES = /^bytes(\d+)$/
const FIXED_ARRAY = /^(.*)\[(\d+)\]$/
const DYNAMIC_ARRAY = /^(.*)\[\]$/

/** The codec of a static type, or null when the type (or a part of it) is dynamic or unknown. */
function codecOf(param: AbiParameter): Codec | null {
  const { type } = param
  const fixed = FIXED_ARRAY.exec(type)
  if (fixed) {
    const element = codecOf({ ...param, type: fixed[1]! })
    const length = Number(fixed[2])
    if (!element || length === 0) return null
    return { kind: 'array', length, element, words: element.words * length }
  }
  if (type === 'address') return { kind: 'address', words: 1 }
  if (type === 'bool') return { kind: 'bool', words: 1 }
  const int = INTEGER.exec(type)
  if (int) {
    const bits = int[2] === '' ? 256 : Number(int[2])
    if (bits < 8 || bits > 256 || bits % 8 !== 0) return null
    return { kind: 'int', signed: int[1] === '', bits, words: 1 }
  }
  const bytes = FIXED_BYTES.exec(type)
  if (bytes) {
    const size = Number(bytes[1])
    return size >= 1 && size <= 32 ? { kind: 'bytes', size, words: 1 } : null
  }
  if (type === 'tuple' && 'components' in param) {
    const parts = param.components.map(codecOf)
    if (parts.length === 0 || parts.some((c) => c === null)) return null
    const components = parts as Codec[]
    // viem decodes a tuple with any unnamed component as an array, else as an object.
    const names = param.components.some((c) => !c.name) ? null : param.components.map((c) => c.name!)
    return { kind: 'tuple', names, components, words: components.reduce((n, c) => n + c.words, 0) }
  }
  return null
}

function allStatic(params: readonly AbiParameter[]): Codec[] | null {
  const codecs = params.map(codecOf)
  return codecs.some((c) => c === null) ? null : (codecs as Codec[])
}

/** The codec of any type an answer may hold, or null when a part of it is unknown. */
function outputCodecOf(param: AbiParameter): OutputCodec | null {
  const codec = codecOf(param)
  if (codec) return { kind: 'static', codec }
  const { type } = param
  if (type === 'string') return { kind: 'string' }
  if (type === 'bytes') return { kind: 'bytes' }
  const dynamic = DYNAMIC_ARRAY.exec(type)
  if (dynamic) {
    const element = outputCodecOf({ ...param, type: dynamic[1]! })
    return element ? { kind: 'array', element } : null
  }
  const fixed = FIXED_ARRAY.exec(type)
  if (fixed) {
    const element = outputCodecOf({ ...param, type: fixed[1]! })
    const length = Number(fixed[2])
    return element && length > 0 ? { kind: 'fixed', length, element } : null
  }
  if (type === 'tuple' && 'components' in param) {
    const parts = param.components.map(outputCodecOf)
    if (parts.length === 0 || parts.some((c) => c === null)) return null
    const names = param.components.some((c) => !c.name) ? null : param.components.map((c) => c.name!)
    return { kind: 'tuple', names, components: parts as OutputCodec[] }
  }
  return null
}

function outputCodecs(params: readonly AbiParameter[]): OutputCodec[] | null {
  if (params.length === 0) return null
  const out = params.map(outputCodecOf)
  return out.some((c) => c === null) ? null : (out as OutputCodec[])
}

const prepared = new WeakMap<Abi, Map<string, PreparedFunction | null>>()

/** The function `name` of `abi` prepared once; null when viem must handle it (overloads, absent). */
function prepare(abi: Abi, name: string): PreparedFunction | null {
  let byName = prepared.get(abi)
  if (!byName) {
    byName = new Map()
    prepared.set(abi, byName)
  }
  const known = byName.get(name)
  if (known !== undefined) return known
  const items = abi.filter((x): x is AbiFunction => x.type === 'function' && x.name === name)
  let value: PreparedFunction | null = null
  if (items.length === 1) {
    const item = items[0]!
    value = {
      selector: toFunctionSelector(item),
      inputs: allStatic(item.inputs),
      outputs: outputCodecs(item.outputs),
    }
  }
  byName.set(name, value)
  return value
}

/** Thrown inside the fast paths when viem must take over (it then throws its own error, or decodes). */
class NotFastPath extends Error {}
const NOT_FAST_PATH = new NotFastPath()

/** viem's bytesToString: a UTF-8 TextDecoder (invalid sequences become U+FFFD). */
const UTF8 = new TextDecoder()
const LOWER_ADDRESS = /^0x[0-9a-f]{40}$/
const HEX_STRING = /^0x[0-9a-fA-F]*$/
const LOWER_HEX = /^0x[0-9a-f]*$/
const TWO_256 = 1n << 256n
const WORD_FALSE = '0'.repeat(64)
const WORD_TRUE = `${'0'.repeat(63)}1`

function encodeValue(codec: Codec, value: unknown, out: string[]): void {
  switch (codec.kind) {
    case 'address': {
      if (typeof value !== 'string' || !(LOWER_ADDRESS.test(value) || isAddress(value))) throw NOT_FAST_PATH
      out.push(`000000000000000000000000${value.slice(2).toLowerCase()}`)
      return
    }
    case 'bool': {
      if (typeof value !== 'boolean') throw NOT_FAST_PATH
      out.push(value ? WORD_TRUE : WORD_FALSE)
      return
    }
    case 'int': {
      if (typeof value !== 'bigint' && !(typeof value === 'number' && Number.isSafeInteger(value)))
        throw NOT_FAST_PATH
      const v = BigInt(value)
      const max = (1n << BigInt(codec.signed ? codec.bits - 1 : codec.bits)) - 1n
      const min = codec.signed ? -max - 1n : 0n
      if (v > max || v < min) throw NOT_FAST_PATH
      out.push((v < 0n ? TWO_256 + v : v).toString(16).padStart(64, '0'))
      return
    }
    case 'bytes': {
      if (typeof value !== 'string' || value.length !== 2 + codec.size * 2 || !HEX_STRING.test(value))
        throw NOT_FAST_PATH
      out.push(value.slice(2).padEnd(64, '0'))
      return
    }
    case 'tuple': {
      if (typeof value !== 'object' || value === null) throw NOT_FAST_PATH
      const isArray = Array.isArray(value)
      codec.components.forEach((c, i) => {
        // As viem's encodeTuple: by position for an array, by component name for an object.
        const key = isArray ? i : codec.names?.[i]
        if (key === undefined) throw NOT_FAST_PATH
        encodeValue(c, (value as Record<string | number, unknown>)[key], out)
      })
      return
    }
    case 'array': {
      if (!Array.isArray(value) || value.length !== codec.length) throw NOT_FAST_PATH
      for (const v of value) encodeValue(codec.element, v, out)
      return
    }
  }
}

/**
 * `encodeFunctionData({ abi, functionName, args })`, the same bytes (and, for anything viem
 * refuses, viem's own error). `abi` should be a module constant: the prepared function is kept
 * per ABI object.
 */
export function encodeCall(abi: Abi, functionName: string, args: readonly unknown[] = []): Hex {
  const fn = prepare(abi, functionName)
  if (fn?.inputs && args.length === fn.inputs.length) {
    if (args.length === 0) return fn.selector
    const out: string[] = [fn.selector]
    try {
      for (const [i, c] of fn.inputs.entries()) encodeValue(c, args[i], out)
      return out.join('') as Hex
    } catch (err) {
      if (err !== NOT_FAST_PATH) throw err
    }
  }
  return encodeFunctionData({ abi, functionName, args } as never)
}

/**
 * viem's checksumAddress of `0x` + `lower` (40 lower-case hex digits), memoized: viem's own cache is
 * an LRU that re-inserts the entry on every hit, a visible cost at hundreds of addresses per
 * request. A memo of a pure function, cleared when it reaches 8,192 entries.
 */
const checksums = new Map<string, Hex>()

function checksummed(lower: string): Hex {
  const known = checksums.get(lower)
  if (known !== undefined) return known
  const address = checksumAddress(`0x${lower}`)
  if (checksums.size >= 8_192) checksums.clear()
  checksums.set(lower, address)
  return address
}

/**
 * Reads the value of `codec` at character `at` of `hex`, a whole lower-case `0x…` answer (reads in
 * place on it: a slice of it first would make every read go through a sliced string).
 */
function decodeValue(codec: Codec, hex: string, at: number): unknown {
  switch (codec.kind) {
    case 'address':
      return checksummed(hex.slice(at + 24, at + 64))
    case 'bool': {
      const word = hex.slice(at, at + 64)
      if (word === WORD_FALSE) return false
      if (word === WORD_TRUE) return true
      throw NOT_FAST_PATH
    }
    case 'int': {
      let v = BigInt(`0x${hex.slice(at, at + 64)}`)
      // viem reads every integer as 256-bit two's complement, whatever its declared width.
      if (codec.signed && v >= 1n << 255n) v -= TWO_256
      if (codec.bits > 48) return v
      const n = Number(v)
      if (!Number.isSafeInteger(n)) throw NOT_FAST_PATH
      return n
    }
    case 'bytes':
      return `0x${hex.slice(at, at + codec.size * 2)}`
    case 'tuple': {
      const values: unknown[] | Record<string, unknown> = codec.names ? {} : []
      let pos = at
      codec.components.forEach((c, i) => {
        const v = decodeValue(c, hex, pos)
        if (codec.names) (values as Record<string, unknown>)[codec.names[i]!] = v
        else (values as unknown[])[i] = v
        pos += c.words * 64
      })
      return values
    }
    case 'array': {
      const values: unknown[] = []
      for (let i = 0; i < codec.length; i++)
        values.push(decodeValue(codec.element, hex, at + i * codec.words * 64))
      return values
    }
  }
}

/** A length or offset word as a number; NOT_FAST_PATH past 2^52 (no canonical answer is that long). */
function smallWord(hex: string, at: number): number {
  const word = hex.slice(at, at + 64)
  if (word.length !== 64 || !/^0{51}/.test(word)) throw NOT_FAST_PATH
  return Number.parseInt(word, 16)
}

/** Head words of a part: a static type's own, one offset word for a dynamic one. */
function headWordsOf(c: OutputCodec): number {
  return c.kind === 'static' ? c.codec.words : 1
}

/**
 * Reads a sequence of parts (a function's outputs, a tuple's components, an array's elements)
 * encoded from character `base`: static parts in place, dynamic ones at their offset, which must be
 * the canonical one (right after the head, then right after the previous dynamic part). Returns the
 * values and the character where the sequence's encoding ends.
 */
function decodeSequence(
  parts: readonly OutputCodec[],
  hex: string,
  base: number,
): { values: unknown[]; end: number } {
  const values: unknown[] = []
  let head = base
  let tail = base
  for (const c of parts) tail += headWordsOf(c) * 64
  if (tail > hex.length) throw NOT_FAST_PATH
  for (const c of parts) {
    if (c.kind === 'static') {
      values.push(decodeValue(c.codec, hex, head))
      head += c.codec.words * 64
      continue
    }
    if (base + smallWord(hex, head) * 2 !== tail) throw NOT_FAST_PATH
    head += 64
    const [value, end] = decodeDynamic(c, hex, tail)
    values.push(value)
    tail = end
  }
  return { values, end: tail }
}

/** Reads a dynamic part encoded at character `at`: its value and where its encoding ends. */
function decodeDynamic(
  c: Exclude<OutputCodec, { kind: 'static' }>,
  hex: string,
  at: number,
): [unknown, number] {
  switch (c.kind) {
    case 'string':
    case 'bytes': {
      const length = smallWord(hex, at)
      const start = at + 64
      const end = start + Math.ceil(length / 32) * 64
      if (end > hex.length) throw NOT_FAST_PATH
      const data = hex.slice(start, start + length * 2)
      if (c.kind === 'bytes') return [`0x${data}`, end]
      if (length === 0) return ['', end]
      // viem trims leading zero bytes off a string before decoding it: leave those to viem.
      if (data.startsWith('00')) throw NOT_FAST_PATH
      return [UTF8.decode(hexToBytes(`0x${data}`)), end]
    }
    case 'array': {
      const length = smallWord(hex, at)
      if (length * headWordsOf(c.element) * 64 > hex.length - at - 64) throw NOT_FAST_PATH
      if (c.element.kind === 'static') {
        const words = c.element.codec.words * 64
        const values: unknown[] = []
        for (let i = 0; i < length; i++) values.push(decodeValue(c.element.codec, hex, at + 64 + i * words))
        return [values, at + 64 + length * words]
      }
      const { values, end } = decodeSequence(new Array(length).fill(c.element), hex, at + 64)
      return [values, end]
    }
    case 'fixed': {
      const { values, end } = decodeSequence(new Array(c.length).fill(c.element), hex, at)
      return [values, end]
    }
    case 'tuple': {
      const { values, end } = decodeSequence(c.components, hex, at)
      if (!c.names) return [values, end]
      const named: Record<string, unknown> = {}
      c.names.forEach((name, i) => {
        named[name] = values[i]
      })
      return [named, end]
    }
  }
}

/**
 * `decodeFunctionResult({ abi, functionName, data })`, the same values (checksummed addresses,
 * numbers for integers of 48 bits or less, bigints above, named tuples as objects, UTF-8 strings)
 * and, for anything that is not the canonical encoding (each dynamic output's offset right after
 * the previous one's tail, nothing after the last), viem's own decode (or error).
 */
export function decodeResult<T = unknown>(abi: Abi, functionName: string, data: Hex): T {
  const fn = prepare(abi, functionName)
  const hex = fn?.outputs
    ? LOWER_HEX.test(data)
      ? data
      : HEX_STRING.test(data)
        ? data.toLowerCase()
        : null
    : null
  if (fn?.outputs && hex !== null) {
    try {
      const { values, end } = decodeSequence(fn.outputs, hex, 2)
      if (end === hex.length) return (values.length === 1 ? values[0] : values) as T
    } catch (err) {
      if (err !== NOT_FAST_PATH) throw err
    }
  }
  return decodeFunctionResult({ abi, functionName, data } as never) as T
}

/**
 * viem's `encodeFunctionData`, same signature and types, through {@link encodeCall}: a drop-in
 * for adapters that build calldata per request. A `functionName` that is a selector, or none,
 * goes to viem.
 */
export const encodeFunctionDataFast: typeof encodeFunctionData = (parameters) => {
  const { abi, functionName, args } = parameters as {
    abi: Abi
    functionName?: string
    args?: readonly unknown[]
  }
  if (functionName === undefined || functionName.startsWith('0x'))
    return encodeFunctionData(parameters as never)
  return encodeCall(abi, functionName, args ?? [])
}

/**
 * viem's `decodeFunctionResult`, same signature and types, through {@link decodeResult}: a drop-in
 * for adapters that decode answers per request. Without `functionName`, or with `args` (an
 * overload pick), it is viem's.
 */
export const decodeFunctionResultFast: typeof decodeFunctionResult = (parameters) => {
  const p = parameters as { abi: Abi; functionName?: string; args?: unknown; data: Hex }
  if (p.functionName === undefined || p.args !== undefined) return decodeFunctionResult(parameters as never)
  return decodeResult(p.abi, p.functionName, p.data) as never
}
