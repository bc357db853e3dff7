/** parseAddress: any case accepted, a mixed-case address must carry a valid EIP-55 checksum. */
import { describe, expect, it } from 'vitest'
import { parseAddress, sameAddress } from '../../../src/core/address.js'
import { InvalidAddressError } from '../../../src/core/errors.js'

// vitalik.eth, checksum from EIP-55 (the address is in the EIP's own examples of usage)
const CHECKSUMMED = '0xd8dA6BF26964aF9D7eEd9e03E53415D37aA96045'
const LOWER = CHECKSUMMED.toLowerCase()
const UPPER = `0x${CHECKSUMMED.slice(2).toUpperCase()}`

function expectInvalid(value: string): InvalidAddressError {
  let caught: unknown
  try {
    parseAddress(value)
  } catch (err) {
    caught = err
  }
  expect(caught).toBeInstanceOf(InvalidAddressError)
  expect((caught as InvalidAddressError).code).toBe('INVALID_ADDRESS')
  return caught as InvalidAddressError
}

describe('parseAddress', () => {
  it('accepts an all-lower-case address and returns the checksummed form', () => {
    expect(parseAddress(LOWER)).toBe(CHECKSUMMED)
  })

  it('accepts an all-upper-case address (after 0x) and returns the checksummed form', () => {
    expect(UPPER).toBe('0xD8DA6BF26964AF9D7EED9E03E53415D37AA96045')
    expect(parseAddress(UPPER)).toBe(CHECKSUMMED)
  })

  it('accepts a valid EIP-55 checksum', () => {
    expect(parseAddress(CHECKSUMMED)).toBe(CHECKSUMMED)
    // EIP-55 test vector
    expect(parseAddress('0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed')).toBe(
      '0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed',
    )
  })

  it('rejects a mixed-case address whose checksum is wrong', () => {
    // first letter flipped to upper case: d8dA… -> D8dA…
    const err = expectInvalid('0xD8dA6BF26964aF9D7eEd9e03E53415D37aA96045')
    expect(err.message).toMatch(/checksum/)
  })

  it('rejects a bad length, a missing 0x and non-hex digits', () => {
    expectInvalid('0x1234')
    expectInvalid(`${LOWER}0`) // 41 hex digits
    expectInvalid(LOWER.slice(0, -1)) // 39 hex digits
    expectInvalid(LOWER.slice(2)) // no 0x
    expectInvalid(`0x${'g'.repeat(40)}`)
    expectInvalid('')
  })
})

describe('sameAddress', () => {
  it('compares case-insensitively', () => {
    expect(sameAddress(LOWER, CHECKSUMMED)).toBe(true)
    expect(sameAddress(UPPER, LOWER)).toBe(true)
    expect(sameAddress(LOWER, `0x${'0'.repeat(40)}`)).toBe(false)
  })
})
