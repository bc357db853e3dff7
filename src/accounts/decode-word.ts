/** Helpers shared by the account kinds' decoders: one ABI word as an address or an integer. Pure. */
import { getAddress, type Hex } from 'viem'
import type { RawResult } from '../chains/batch.js'
import type { Address } from '../core/address.js'

const ZERO = `0x${'0'.repeat(40)}`

/**
 * The address in the `index`-th word of a successful answer, or null when the call reverted, the
 * answer is short, the word is not a clean address (high bytes set) or it is the zero address.
 */
export function wordAddress(result: RawResult | undefined, index = 0): Address | null {
  const word = wordAt(result, index)
  if (word === null || !word.startsWith('0'.repeat(24))) return null
  const address = `0x${word.slice(24)}`
  return address === ZERO ? null : getAddress(address)
}

/** The `index`-th word of a successful answer as an unsigned integer, or null. */
export function wordUint(result: RawResult | undefined, index = 0): bigint | null {
  const word = wordAt(result, index)
  return word === null ? null : BigInt(`0x${word}`)
}

function wordAt(result: RawResult | undefined, index: number): string | null {
  if (!result?.success) return null
  const data: Hex = result.returnData
  const start = 2 + index * 64
  if (data.length < start + 64) return null
  return data.slice(start, start + 64).toLowerCase()
}
