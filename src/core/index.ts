export * from './address.js'
export * from './errors.js'
export * from './math.js'
export * from './types.js'
