import { getAddress, isAddress as viemIsAddress } from 'viem'
import { InvalidAddressError } from './errors.js'

/** A 0x-prefixed 20-byte hex address. */
export type Address = `0x${string}`

const ADDRESS_RE = /^0x[0-9a-fA-F]{40}$/

/**
 * Parses a user-supplied address: 0x + 40 hex digits, in any case. A mixed-case address must
 * carry a valid EIP-55 checksum (a typo in a checksummed address is an error, not a different
 * wallet). Returns the checksummed form or throws {@link InvalidAddressError}.
 */
export function parseAddress(value: string): Address {
  if (!ADDRESS_RE.test(value)) throw new InvalidAddressError(value)
  const body = value.slice(2)
  const mixedCase = body !== body.toLowerCase() && body !== body.toUpperCase()
  if (mixedCase && !viemIsAddress(value, { strict: true })) {
    throw new InvalidAddressError(value, 'its EIP-55 checksum does not match; check for a typo')
  }
  return getAddress(value)
}

/** Case-insensitive address equality. */
export function sameAddress(a: string, b: string): boolean {
  return a.toLowerCase() === b.toLowerCase()
}
