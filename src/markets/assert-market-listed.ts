/** Tells an empty market from one the protocol does not know. */
import { decodeFunctionResult, encodeFunctionData, zeroAddress } from 'viem'
import { executeBatch } from '../chains/batch.js'
import type { ChainClient } from '../chains/client.js'
import type { Deadline } from '../chains/deadline.js'
import { BaseError } from '../core/errors.js'
import { morphoAbi } from '../protocols/morpho-blue/index.js'
import type { ChainRuntime } from '../protocols/types.js'
import { resolveMarket } from './market-ref.js'

/** Params of {@link assertMarketListed}. */
export interface AssertMarketListedParams {
  client: ChainClient
  chain: ChainRuntime
  market: string
  blockNumber: bigint
  /** The request's deadline: bounds the call (UPSTREAM_TIMEOUT). */
  deadline?: Deadline
}

/**
 * Throws NOT_FOUND when `market` is a Morpho market id the chain's singleton has no parameters
 * for at `blockNumber` (one pinned call). Aave market ids are checked by {@link resolveMarket}.
 */
export async function assertMarketListed(params: AssertMarketListedParams): Promise<void> {
  const { client, chain } = params
  const ref = resolveMarket(chain, params.market)
  if (ref.kind !== 'morpho-blue') return
  const batch = await executeBatch({
    client,
    chain: chain.key,
    multicall3: chain.multicall3,
    calls: [
      {
        target: ref.config.morpho,
        allowFailure: true,
        callData: encodeFunctionData({ abi: morphoAbi, functionName: 'idToMarketParams', args: [ref.id] }),
      },
    ],
    blockNumber: params.blockNumber,
    ...(params.deadline ? { deadline: params.deadline } : {}),
  })
  const r = batch.results[0]
  // No data: Morpho has no code at this block (before its deployment), so no market either.
  const loanToken =
    r?.success && r.returnData !== '0x'
      ? decodeFunctionResult({ abi: morphoAbi, functionName: 'idToMarketParams', data: r.returnData })[0]
      : zeroAddress
  if (loanToken === zeroAddress) {
    throw new BaseError(
      'NOT_FOUND',
      `Morpho Blue on ${chain.key} has no market ${params.market} at block ${params.blockNumber}`,
    )
  }
}
