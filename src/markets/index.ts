/** Market-wide reads: every borrower of a lending market and their positions at one block. */

export * from './assert-market-listed.js'
export * from './enumerate-borrowers-from-logs.js'
export * from './enumerate-borrowers-from-subgraph.js'
export * from './market-borrowers.js'
export * from './market-ref.js'
export * from './paging.js'
export * from './read-market-positions.js'
export * from './read-rates-at.js'
