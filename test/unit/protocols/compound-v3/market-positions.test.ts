/**
 * The Comet borrower enumeration's log reading (src/protocols/compound-v3/market-positions.ts):
 * the topic0 values are the ones ../shared/protocols/comet/FACTS.md "Discovery events" lists for
 * the real Comet (CometMainInterface); a borrower is Withdraw.src (topic 1) or AbsorbDebt.borrower
 * (topic 2), and Withdraw.to, the absorber and other events name nobody. Logs are hand-built.
 */
import { describe, expect, it } from 'vitest'
import {
  COMET_ABSORB_DEBT_TOPIC,
  COMET_WITHDRAW_TOPIC,
  cometBorrowersOfLogs,
} from '../../../../src/protocols/compound-v3/market-positions.js'

const word = (address: string) => `0x${'0'.repeat(24)}${address.slice(2).toLowerCase()}` as const
const A = '0x1111111111111111111111111111111111111111'
const B = '0x2222222222222222222222222222222222222222'
const C = '0x3333333333333333333333333333333333333333'
const SUPPLY = '0xd1cf3d156d5f8f0d50f6c122ed609cec09d35c9b9fb3fff6ea0959134dae424e'

describe('Comet borrower candidates from its events', () => {
  it('uses the real Comet topic0 values', () => {
    expect(COMET_WITHDRAW_TOPIC).toBe('0x9b1bfa7fa9ee420a16e124f794c35ac9f90472acc99140eb2f6447c714cad8eb')
    expect(COMET_ABSORB_DEBT_TOPIC).toBe('0x1547a878dc89ad3c367b6338b4be6a65a5dd74fb77ae044da1e8747ef1f4f62f')
  })

  it('takes Withdraw.src and AbsorbDebt.borrower, once each, sorted', () => {
    const logs = [
      { topics: [COMET_WITHDRAW_TOPIC, word(B), word(C)] },
      { topics: [COMET_WITHDRAW_TOPIC, word(B), word(B)] },
      { topics: [COMET_ABSORB_DEBT_TOPIC, word(C), word(A)] },
      { topics: [SUPPLY, word(C), word(C)] },
    ] as const
    expect(cometBorrowersOfLogs(logs as never).map((a) => a.toLowerCase())).toEqual([A, B])
  })
})
