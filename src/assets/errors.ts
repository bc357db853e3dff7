import { BaseError } from '../core/errors.js'

/**
 * A wrapper's exchange rate or a PT's implied yield that the injected {@link RateSource} does
 * not have: the amount cannot be valued, and is never valued at zero instead.
 */
export class RateUnavailableError extends BaseError {
  override name = 'RateUnavailableError'
  constructor(what: 'rate' | 'implied yield', key: string, symbol: string, chain: string) {
    super('PRICE_UNAVAILABLE', `the ${what} of ${symbol} (${key}) is not available`, {
      context: { chain, asset: key },
    })
  }
}

/** A rate, peg, yield or amount outside its domain (negative), a bug upstream of the graph. */
export class InvalidAssetInputError extends BaseError {
  override name = 'InvalidAssetInputError'
  constructor(message: string, key: string) {
    super('INTERNAL', message, { context: { asset: key } })
  }
}
