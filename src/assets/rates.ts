import { type Abi, type AbiFunction, encodeFunctionData, type Hex, hexToBigInt, parseAbiItem } from 'viem'
import type { Address } from '../core/address.js'
import { WAD } from '../core/math.js'
import { InvalidAssetInputError } from './errors.js'
import { type AssetGraph, assetKey } from './graph.js'
import { decodePendleAnswer, type PendleAnswer, pendleRateCalls } from './pendle-source.js'
import type { RateCallSpec, RateSource } from './types.js'

/**
 * One rate read for a chain reader to batch (Multicall3 aggregate3 in the pinned block). Its
 * uint256 answer, passed through {@link rateFromResult}, is the wrapper's rate; inject it into
 * {@link RateSource.rate} under `key`.
 */
export interface RateCall extends RateCallSpec {
  /** {@link assetKey} of the wrapper whose rate this is. */
  key: string
  chain: string
  /** The contract to call (the wrapper itself for every default entry). */
  target: Address
  /** The function name, parsed from `signature`. */
  functionName: string
  /** ABI-encoded calldata (viem `encodeFunctionData`), ready for aggregate3. */
  callData: Hex
  /**
   * How the answer is decoded when it is not one uint256 rate: a Pendle PT read
   * (src/assets/pendle-source.ts). Absent for wrapper rates.
   */
  answer?: PendleAnswer
}

/** The parsed ABI item of a call signature; throws on anything but a function. */
export function rateCallAbi(signature: string): AbiFunction {
  const item = parseAbiItem(signature)
  if (item.type !== 'function')
    throw new RangeError(`rateCallAbi: "${signature}" is not a function signature`)
  return item
}

/**
 * The rate reads the graph needs: one per `read` wrapper that has a call and an address, then
 * one per Pendle PT that names its market (`pendleRateCalls`), optionally limited to one chain.
 * Symbol-only entries (address unknown) are skipped; bind their addresses first
 * (`bindAddresses`). Pure: encodes calldata, calls nothing.
 */
export function rateCalls(graph: AssetGraph, chain?: string): RateCall[] {
  const out: RateCall[] = []
  for (const node of graph.nodes.values()) {
    if (node.kind !== 'wrapper' || node.rate.kind !== 'read' || node.rate.call === undefined) continue
    if (node.address === null || (chain !== undefined && node.chain !== chain)) continue
    const { signature, args, resultDecimals } = node.rate.call
    const abiItem = rateCallAbi(signature)
    out.push({
      key: assetKey(node),
      chain: node.chain,
      target: node.address as Address,
      signature,
      args,
      resultDecimals,
      functionName: abiItem.name,
      callData: encodeFunctionData({ abi: [abiItem] as Abi, functionName: abiItem.name, args: [...args] }),
    })
  }
  out.push(...pendleRateCalls(graph, chain))
  return out
}

/**
 * A rate call's raw answer as the value its key stands for, or undefined when the answer is not
 * one: a wrapper's WAD rate ({@link rateFromResultDown} of one uint256), or a Pendle read's
 * decoded value (`decodePendleAnswer`).
 */
export function decodeRateAnswer(call: RateCall, data: Hex): bigint | undefined {
  if (call.answer) return decodePendleAnswer(call.answer, data)
  if (data.length !== 66) return undefined
  try {
    return rateFromResultDown(call, hexToBigInt(data))
  } catch {
    return undefined
  }
}

/**
 * A rate call's decoded uint256 answer as a WAD rate (inner tokens per whole wrapper token):
 * `raw * 1e18 / 10^resultDecimals`, rounded down (exact for resultDecimals <= 18).
 */
export function rateFromResultDown(call: Pick<RateCallSpec, 'resultDecimals'>, raw: bigint): bigint {
  if (raw < 0n) throw new InvalidAssetInputError(`negative rate answer ${raw}`, 'rate-call')
  return (raw * WAD) / 10n ** BigInt(call.resultDecimals)
}

/** Plain data for {@link staticRates}: maps keyed by {@link assetKey}, values WAD. */
export interface StaticRates {
  rates?: Readonly<Record<string, bigint>>
  pegs?: Readonly<Record<string, bigint>>
  impliedYields?: Readonly<Record<string, bigint>>
  /** PT prices, WAD underlying per whole PT ({@link RateSource.ptRate}). */
  ptRates?: Readonly<Record<string, bigint>>
}

/** A {@link RateSource} over plain maps (fixtures, or a decoded chain batch). */
export function staticRates(data: StaticRates): RateSource {
  return {
    rate: (key) => data.rates?.[key],
    peg: (key) => data.pegs?.[key],
    impliedYield: (key) => data.impliedYields?.[key],
    ptRate: (key) => data.ptRates?.[key],
  }
}
