/**
 * The asset graph: what every token is made of, down to a risk asset (ETH, BTC, USD, or itself).
 * Pure: rates are injected ({@link RateSource}); `rateCalls` lists the on-chain reads a chain
 * reader batches.
 */
export * from './aave-book.js'
export * from './errors.js'
export * from './graph.js'
export * from './pendle.js'
export * from './pendle-source.js'
export * from './rates.js'
export * from './registry.js'
export * from './resolve.js'
export * from './types.js'
