/**
 * Compound v3 rates (`readCompoundV3Rates`) against the REAL Comet: replayed answers of
 * compound-finance/comet d5a30b0a from ../shared/protocols/comet/recordings/
 * comet-d5a30b0a-cusdcv3-cwethv3.json (the replay transport errors on anything unrecorded). Vectors
 * from that recording: at B1 and B2 (30 days later, nothing written), for the cUSDCv3 lender (base
 * supply) and borrowerWethWbtc (base borrow, WETH and WBTC collateral), the served raw rates equal
 * the recorded `getSupplyRate(getUtilization())` / `getBorrowRate(getUtilization())` answers of that
 * block, the APY is e^(rate x 31,536,000) - 1, and collateral is stated to earn nothing.
 * Skipped, with a message, when ../shared is absent.
 */
import { type Address, decodeFunctionResult, encodeFunctionData, getAddress, parseAbi } from 'viem'
import { describe, expect, it } from 'vitest'
import type { Position } from '../../src/core/types.js'
import { compoundV3Adapter } from '../../src/protocols/compound-v3/index.js'
import type { CometConfig } from '../../src/protocols/compound-v3/markets.js'
import { readWallet } from '../../src/protocols/read-wallet.js'
import type { ChainRuntime } from '../../src/protocols/types.js'
import { SECONDS_PER_YEAR } from '../../src/risk/carry.js'
import { CANONICAL_MULTICALL3, loadRecording, type Recording, replayClient } from '../support/replay.js'

interface CometRecording extends Recording {
  markets: Record<
    string,
    { comet: string; baseToken: string; baseSymbol: string; usdFeed?: string; priceUnit: string }
  >
  users: Record<string, string>
  expected: { positions: Record<string, { block: number }> }
}

const FILE = 'comet-d5a30b0a-cusdcv3-cwethv3.json'
const rec = loadRecording<CometRecording>('comet', FILE)
if (!rec)
  console.warn(
    `[replay] ../shared/protocols/comet/recordings/${FILE} is absent: Comet rate replay tests SKIPPED`,
  )

const abi = parseAbi([
  'function getUtilization() view returns (uint256)',
  'function getSupplyRate(uint256 utilization) view returns (uint64)',
  'function getBorrowRate(uint256 utilization) view returns (uint64)',
])

/** The recorded answer of `data` sent to `to` at `block` (the recording's own record, not a replay). */
function recorded(block: number, to: string, data: string): string {
  const c = rec!.calls.find(
    (x) => x.block === block && x.to.toLowerCase() === to.toLowerCase() && x.data === data,
  )
  if (!c?.result) throw new Error(`not recorded: ${data.slice(0, 10)} at ${block}`)
  return c.result
}

function setup() {
  const m = rec!.markets.cUSDCv3!
  const config: CometConfig = {
    id: 'compound-v3-replay-cUSDCv3',
    chain: 'local',
    comet: getAddress(m.comet),
    baseSymbol: m.baseSymbol,
    baseToken: getAddress(m.baseToken),
  }
  const chain: ChainRuntime = {
    key: 'local',
    chainId: 31337,
    rpcUrls: [],
    multicall3: CANONICAL_MULTICALL3,
    aaveMarkets: [],
    usdPriceOracle: null,
    morphoBlue: null,
    comets: [config],
    gmxV2: [],
  }
  return { chain, comet: config.comet }
}

describe.skipIf(!rec)('Comet rates replayed (compound-finance/comet d5a30b0a)', () => {
  for (const label of ['B1', 'B2']) {
    it(`${label}: lender and borrower legs at the recorded getSupplyRate/getBorrowRate(getUtilization())`, async () => {
      const block = rec!.expected.positions[label]!.block
      const { chain, comet } = setup()
      const u = decodeFunctionResult({
        abi,
        functionName: 'getUtilization',
        data: recorded(
          block,
          comet,
          encodeFunctionData({ abi, functionName: 'getUtilization' }),
        ) as `0x${string}`,
      })
      const rateAt = (fn: 'getSupplyRate' | 'getBorrowRate') =>
        decodeFunctionResult({
          abi,
          functionName: fn,
          data: recorded(
            block,
            comet,
            encodeFunctionData({ abi, functionName: fn, args: [u] }),
          ) as `0x${string}`,
        })
      const [supply, borrow] = [rateAt('getSupplyRate'), rateAt('getBorrowRate')]
      expect(borrow).toBeGreaterThan(supply)
      for (const user of ['lender', 'borrowerWethWbtc']) {
        const { client } = replayClient(rec!)
        const report = await readWallet({
          client,
          chain,
          user: getAddress(rec!.users[user]!) as Address,
          blockNumber: BigInt(block),
          adapters: [compoundV3Adapter],
        })
        const positions = report.positions.filter((p): p is Position => p.status === 'ok')
        expect(positions).toHaveLength(1)
        const [rates] = await compoundV3Adapter.readRates!({ client, chain, blockNumber: BigInt(block) }, [
          { layer: 'x', position: positions[0]! },
        ])
        expect(rates!.missing).toEqual([])
        for (const leg of positions[0]!.legs) {
          const r = rates!.legs.find((x) => x.side === leg.side && x.token === leg.asset.address)!
          expect(r, `${user} ${leg.side} ${leg.asset.symbol}`).toBeDefined()
          const base = leg.asset.address === chain.comets[0]!.baseToken
          if (leg.side === 'debt') expect(r.raw).toBe(borrow.toString())
          else if (base) expect(r.raw).toBe(supply.toString())
          else {
            expect(r.apy).toBe(0)
            continue
          }
          expect(r.apy).toBe(Math.expm1((Number(r.raw) / 1e18) * SECONDS_PER_YEAR))
        }
      }
    })
  }
})
