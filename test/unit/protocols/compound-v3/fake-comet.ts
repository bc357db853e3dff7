/**
 * A fake Comet for read.ts unit tests: answers RawCalls (the batch and follow-ups alike) by
 * decoding their calldata with the adapter's own ABIs (src/protocols/compound-v3/abi.ts) and
 * ABI-encoding answers from a plain state object with viem. No RPC. It records every call it
 * answers so tests can assert what went out.
 */
import { decodeFunctionData, encodeFunctionResult, type Hex } from 'viem'
import { aggregatorV3Abi, cometAbi, erc20SymbolAbi } from '../../../../abis/compound-v3-comet.js'
import type { RawCall, RawResult } from '../../../../src/chains/batch.js'
import type { Address } from '../../../../src/core/address.js'
import type { CometAssetInfo } from '../../../../src/protocols/compound-v3/read.js'

/** The state a fake Comet answers from. */
export interface FakeCometState {
  comet: Address
  baseToken: Address
  baseTokenPriceFeed: Address
  baseScale: bigint
  assets: CometAssetInfo[]
  /** getPrice answers by feed (any case). */
  prices: Record<string, bigint>
  totals: { baseSupplyIndex: bigint; baseBorrowIndex: bigint; lastAccrualTime: number }
  principal: bigint
  assetsIn: number
  reserved: number
  /** userCollateral balances by asset (any case). */
  balances: Record<string, bigint>
  borrowBalance: bigint
  supplyBalance: bigint
  isLiquidatable: boolean
  isBorrowCollateralized: boolean
  /** ERC-20 symbols by token (any case); absent: symbol() reverts. */
  symbols: Record<string, string>
  /** Numeraire/USD aggregator: address, answer, decimals. */
  unitFeed?: { address: Address; answer: bigint; decimals: number }
  /** Comet functions that revert, or answer empty ('0x', as an address without code does). */
  reverts?: string[]
  empty?: boolean
}

/** A record lookup by address, case-insensitive. */
function byAddress<T>(record: Record<string, T>, key: unknown): T | undefined {
  const k = String(key).toLowerCase()
  return Object.entries(record).find(([a]) => a.toLowerCase() === k)?.[1]
}

const ok = (returnData: Hex): RawResult => ({ success: true, returnData })
const revert: RawResult = { success: false, returnData: '0x' }

/** A fake Comet: `answer` serves one call, `calls` records them. */
export function fakeComet(state: FakeCometState) {
  const calls: { target: Address; functionName: string; args: readonly unknown[] }[] = []
  const answer = (c: RawCall): RawResult => {
    const target = c.target.toLowerCase()
    if (state.unitFeed && target === state.unitFeed.address.toLowerCase()) {
      const { functionName } = decodeFunctionData({ abi: aggregatorV3Abi, data: c.callData })
      calls.push({ target: c.target, functionName, args: [] })
      if (functionName === 'decimals')
        return ok(
          encodeFunctionResult({ abi: aggregatorV3Abi, functionName, result: state.unitFeed.decimals }),
        )
      return ok(
        encodeFunctionResult({
          abi: aggregatorV3Abi,
          functionName: 'latestRoundData',
          result: [1n, state.unitFeed.answer, 0n, 0n, 1n],
        }),
      )
    }
    if (target !== state.comet.toLowerCase()) {
      decodeFunctionData({ abi: erc20SymbolAbi, data: c.callData })
      calls.push({ target: c.target, functionName: 'symbol', args: [] })
      const symbol = byAddress(state.symbols, target)
      return symbol === undefined
        ? revert
        : ok(encodeFunctionResult({ abi: erc20SymbolAbi, functionName: 'symbol', result: symbol }))
    }
    const { functionName, args = [] } = decodeFunctionData({ abi: cometAbi, data: c.callData })
    calls.push({ target: c.target, functionName, args })
    if (state.empty) return ok('0x')
    if (state.reverts?.includes(functionName)) return revert
    const enc = (result: unknown) =>
      ok(encodeFunctionResult({ abi: cometAbi, functionName, result } as never))
    switch (functionName) {
      case 'baseToken':
        return enc(state.baseToken)
      case 'baseTokenPriceFeed':
        return enc(state.baseTokenPriceFeed)
      case 'numAssets':
        return enc(state.assets.length)
      case 'baseScale':
        return enc(state.baseScale)
      case 'totalsBasic':
        return enc({
          ...state.totals,
          trackingSupplyIndex: 0n,
          trackingBorrowIndex: 0n,
          totalSupplyBase: 0n,
          totalBorrowBase: 0n,
          pauseFlags: 0,
        })
      case 'userBasic':
        return enc([state.principal, 0n, 0n, state.assetsIn, state.reserved])
      case 'borrowBalanceOf':
        return enc(state.borrowBalance)
      case 'balanceOf':
        return enc(state.supplyBalance)
      case 'isLiquidatable':
        return enc(state.isLiquidatable)
      case 'isBorrowCollateralized':
        return enc(state.isBorrowCollateralized)
      case 'getAssetInfo': {
        const info = state.assets[Number(args[0])]
        return info ? enc(info) : revert
      }
      case 'getPrice': {
        const price = byAddress(state.prices, args[0])
        return price === undefined ? revert : enc(price)
      }
      case 'userCollateral':
        return enc([byAddress(state.balances, args[1]) ?? 0n, 0n])
      case 'borrowKink':
      case 'borrowPerSecondInterestRateBase':
      case 'borrowPerSecondInterestRateSlopeLow':
      case 'borrowPerSecondInterestRateSlopeHigh':
        // Not modelled by this fake: the adapter then takes borrowBalanceOf as the accrued debt.
        return revert
      default:
        throw new Error(`fake Comet: unexpected ${functionName}`)
    }
  }
  return { calls, answer, answerAll: (cs: readonly RawCall[]) => cs.map(answer) }
}
