import { describe, expect, it } from 'vitest'
import { ptDiscountWadDown, SECONDS_PER_YEAR } from '../../../src/assets/pendle.js'

const WAD = 10n ** 18n
const Y10 = WAD / 10n // 10% implied yield

describe('ptDiscountWadDown', () => {
  it('1 year at 10%: 1 / 1.1 = 0.909090909090909090|909... -> floor 909090909090909090', () => {
    expect(ptDiscountWadDown(Y10, SECONDS_PER_YEAR)).toBe(909_090_909_090_909_090n)
  })

  it('2 years at 10%: 1 / 1.21 = 0.826446280991735537|19... -> floor', () => {
    // 1e18 / 1.21 = 826446280991735537.19...
    expect(ptDiscountWadDown(Y10, 2n * SECONDS_PER_YEAR)).toBe(826_446_280_991_735_537n)
  })

  it('half a year at 10%: 1 / 1.1^0.5 = 0.953462589245592315|4468 -> floor', () => {
    // Decimal(1) / Decimal('1.1') ** Decimal('0.5') = 0.953462589245592315446775921527...
    expect(ptDiscountWadDown(Y10, SECONDS_PER_YEAR / 2n)).toBe(953_462_589_245_592_315n)
  })

  it('2.25 years at 10%: whole years exact, the quarter via exp/ln', () => {
    // 1 / 1.1 ** 2.25 = 0.806986850972157475118268...
    expect(ptDiscountWadDown(Y10, (9n * SECONDS_PER_YEAR) / 4n)).toBe(806_986_850_972_157_475n)
  })

  it('matured or zero yield: 1:1', () => {
    expect(ptDiscountWadDown(Y10, 0n)).toBe(WAD)
    expect(ptDiscountWadDown(Y10, -5n)).toBe(WAD)
    expect(ptDiscountWadDown(0n, SECONDS_PER_YEAR)).toBe(WAD)
  })

  it('a high yield (300%, 1.5 years) still converges: 1 / 4^1.5 = 1/8', () => {
    expect(ptDiscountWadDown(3n * WAD, (3n * SECONDS_PER_YEAR) / 2n)).toBe(WAD / 8n)
  })

  it('rejects a negative yield', () => {
    expect(() => ptDiscountWadDown(-1n, SECONDS_PER_YEAR)).toThrow(RangeError)
  })
})
