/**
 * Reads a Uniswap v3 pool's state at one block for the cascade's price impact: slot0, active
 * liquidity, tick spacing, fee, tokens and their decimals, then the tick bitmap around the
 * current tick and every initialized tick's liquidityNet there. Three aggregate3 batches, all
 * pinned to the same block (the bitmap must be known before the ticks can be named).
 */

import { type Abi, decodeFunctionResult, encodeFunctionData, type Hex, parseAbi } from 'viem'
import { executeBatch, type RawCall } from '../chains/batch.js'
import type { ChainClient } from '../chains/client.js'
import type { Deadline } from '../chains/deadline.js'
import type { Address } from '../core/address.js'
import { BaseError, NotDeployedAtBlockError } from '../core/errors.js'
import type { UniswapV3PoolState } from '../risk/depth.js'

const poolAbi = parseAbi([
  'function slot0() view returns (uint160 sqrtPriceX96, int24 tick, uint16 observationIndex, uint16 observationCardinality, uint16 observationCardinalityNext, uint8 feeProtocol, bool unlocked)',
  'function liquidity() view returns (uint128)',
  'function tickSpacing() view returns (int24)',
  'function fee() view returns (uint24)',
  'function token0() view returns (address)',
  'function token1() view returns (address)',
  'function tickBitmap(int16 wordPosition) view returns (uint256)',
  'function ticks(int24 tick) view returns (uint128 liquidityGross, int128 liquidityNet, uint256 feeGrowthOutside0X128, uint256 feeGrowthOutside1X128, int56 tickCumulativeOutside, uint160 secondsPerLiquidityOutsideX128, uint32 secondsOutside, bool initialized)',
])
const erc20Abi = parseAbi(['function decimals() view returns (uint8)'])

/** A pool read: the depth-curve state plus what identifies it. */
export interface UniswapV3PoolRead extends UniswapV3PoolState {
  pool: Address
  token0: Address
  token1: Address
  blockNumber: bigint
  /** Bitmap words read on each side of the current tick's word. */
  wordsEachSide: number
}

/** Params of {@link readUniswapV3Pool}. */
export interface ReadUniswapV3PoolParams {
  client: ChainClient
  chain: string
  multicall3: Address
  pool: Address
  /** The token being sold (the shocked asset); must be token0 or token1 of the pool. */
  asset: Address
  blockNumber?: bigint
  /**
   * Bitmap words (256 tick-spacings each) read on each side of the current word; liquidity
   * beyond them is treated as absent (the curve then reports exhaustion). Default 8.
   */
  wordsEachSide?: number
  /** The request's deadline: bounds the three batches (UPSTREAM_TIMEOUT). */
  deadline?: Deadline
}

const call = (
  target: Address,
  functionName: string,
  args: readonly unknown[] = [],
  abi: Abi = poolAbi,
): RawCall => ({
  target,
  callData: encodeFunctionData({ abi, functionName, args } as never),
  allowFailure: true,
})

function decode<T>(
  abi: Abi,
  functionName: string,
  data: { success: boolean; returnData: Hex },
  what: string,
): T {
  if (!data.success || data.returnData === '0x')
    throw new BaseError('PROTOCOL_READ_FAILED', `Uniswap v3 pool read failed: ${what}`)
  return decodeFunctionResult({ abi, functionName, data: data.returnData } as never) as T
}

/**
 * Reads the pool. @throws NotDeployedAtBlockError (NOT_DEPLOYED_AT_BLOCK) when the pool has no
 * code at the block (before its deployment; the cascade reports its depth as unavailable);
 * BaseError PROTOCOL_READ_FAILED when it is not a pool, or `asset` is neither of its tokens; RPC
 * errors as the batch maps them.
 */
export async function readUniswapV3Pool(params: ReadUniswapV3PoolParams): Promise<UniswapV3PoolRead> {
  const { client, chain, multicall3, pool } = params
  const wordsEachSide = params.wordsEachSide ?? 8
  const batch = (calls: RawCall[], blockNumber?: bigint) =>
    executeBatch({
      client,
      chain,
      multicall3,
      calls,
      ...(blockNumber === undefined ? {} : { blockNumber }),
      ...(params.deadline ? { deadline: params.deadline } : {}),
    })

  const first = await batch(
    ['slot0', 'liquidity', 'tickSpacing', 'fee', 'token0', 'token1'].map((f) => call(pool, f)),
    params.blockNumber,
  )
  const at = first.blockNumber
  // A call to an address without code succeeds with no data: the pool does not exist at `at`.
  if (first.results.every((r) => r.success && r.returnData === '0x')) {
    throw new NotDeployedAtBlockError(chain, 'the Uniswap v3 pool', pool, at, { market: pool })
  }
  const [sqrtPriceX96, tick] = decode<readonly [bigint, number]>(poolAbi, 'slot0', first.results[0]!, 'slot0')
  const liquidity = decode<bigint>(poolAbi, 'liquidity', first.results[1]!, 'liquidity')
  const tickSpacing = decode<number>(poolAbi, 'tickSpacing', first.results[2]!, 'tickSpacing')
  const fee = decode<number>(poolAbi, 'fee', first.results[3]!, 'fee')
  const token0 = decode<Address>(poolAbi, 'token0', first.results[4]!, 'token0')
  const token1 = decode<Address>(poolAbi, 'token1', first.results[5]!, 'token1')
  const asset = params.asset.toLowerCase()
  if (asset !== token0.toLowerCase() && asset !== token1.toLowerCase()) {
    throw new BaseError('PROTOCOL_READ_FAILED', `${params.asset} is neither token of the pool ${pool}`)
  }

  // The compressed tick's word: tick / spacing, floored, >> 8.
  const compressed = Math.floor(tick / tickSpacing)
  const word = compressed >> 8
  const words: number[] = []
  for (let w = word - wordsEachSide; w <= word + wordsEachSide; w += 1)
    if (w >= -32768 && w <= 32767) words.push(w)
  const second = await batch(
    [
      ...words.map((w) => call(pool, 'tickBitmap', [w])),
      call(token0, 'decimals', [], erc20Abi),
      call(token1, 'decimals', [], erc20Abi),
    ],
    at,
  )
  const initialized: number[] = []
  words.forEach((w, i) => {
    let bits = decode<bigint>(poolAbi, 'tickBitmap', second.results[i]!, `tickBitmap(${w})`)
    for (let bit = 0; bits > 0n; bit += 1, bits >>= 1n) {
      if (bits & 1n) initialized.push((w * 256 + bit) * tickSpacing)
    }
  })
  const decimals0 = decode<number>(erc20Abi, 'decimals', second.results[words.length]!, 'token0 decimals')
  const decimals1 = decode<number>(erc20Abi, 'decimals', second.results[words.length + 1]!, 'token1 decimals')

  const third =
    initialized.length === 0
      ? { results: [] }
      : await batch(
          initialized.map((t) => call(pool, 'ticks', [t])),
          at,
        )
  const ticks = initialized.map((t, i) => {
    const r = decode<readonly [bigint, bigint]>(poolAbi, 'ticks', third.results[i]!, `ticks(${t})`)
    return { tick: t, liquidityNet: r[1] }
  })
  return {
    pool,
    token0,
    token1,
    blockNumber: at,
    wordsEachSide,
    sqrtPriceX96,
    liquidity,
    tick,
    tickSpacing,
    ticks,
    assetIsToken0: asset === token0.toLowerCase(),
    decimals0,
    decimals1,
    feePips: fee,
  }
}
