/**
 * Perp positions as systemic-cascade rows ({@link SystemicPerp}): the long or short leg in the
 * shocked risk asset, its size in units of that asset (the resolver's contribution), and the
 * venue's own liquidation price of the leg's asset (the adapter's, e.g. GMX's min-collateral
 * check solved for the index price), converted to USD per unit of the risk asset. Pure. Reads the
 * position's typed rule (a perp rule) and legs, never its protocol name.
 */
import type { Position } from '../core/types.js'
import type { Contribution } from '../resolve/types.js'
import { isPerpRule } from './liquidation-rule.js'
import type { SystemicPerp } from './systemic-cascade.js'

/** A perp position with its resolver contributions (legs first, in leg order). */
export interface SystemicPerpInput {
  id: string
  position: Position
  contributions: readonly Contribution[]
}

/** Why a perp position is not in a systemic cascade of the asset. */
export type SystemicPerpExclusion =
  /** Its rule is not a perp rule. */
  | 'not-a-perp'
  /** No long or short leg resolves to the shocked asset (a BTC perp in an ETH cascade). */
  | 'other-risk-asset'
  /** The venue gives no liquidation price for the leg (no move of the asset liquidates it). */
  | 'no-liquidation-price'

/** One converted position, or why it is left out. */
export type SystemicPerpConversion =
  | { perp: Omit<SystemicPerp, 'oracle'>; token: string | null }
  | { excluded: SystemicPerpExclusion }

/**
 * The systemic row of `input` for risk asset `asset` (upper case): side and size (|units| of the
 * leg's contribution, whole units of the asset), and the liquidation price per unit of the asset:
 * the venue's price per whole token divided by the asset units one token stands for (1 for WETH
 * in ETH; an LST's rate for an LST index).
 */
export function systemicPerpOf(input: SystemicPerpInput, asset: string): SystemicPerpConversion {
  const { position } = input
  if (!isPerpRule(position.liquidationRule)) return { excluded: 'not-a-perp' }
  const legIndex = position.legs.findIndex(
    (l, i) =>
      (l.side === 'long' || l.side === 'short') &&
      input.contributions[i]?.riskAsset.toUpperCase() === asset &&
      l.amount > 0n,
  )
  if (legIndex < 0) return { excluded: 'other-risk-asset' }
  const leg = position.legs[legIndex]!
  const c = input.contributions[legIndex]!
  const units = Math.abs(c.units)
  const tokens = Number(leg.amount) / 10 ** leg.asset.decimals
  if (!(units > 0) || !(tokens > 0)) return { excluded: 'other-risk-asset' }
  const address = leg.asset.address?.toLowerCase() ?? null
  const level = position.liquidationPrices.find(
    (lp) =>
      (lp.side === leg.side || lp.side === 'both') &&
      (lp.asset?.toLowerCase() ?? null) === address &&
      lp.symbol === leg.asset.symbol,
  )
  const price = level?.price ?? null
  if (price === null || !(price > 0) || !Number.isFinite(price)) return { excluded: 'no-liquidation-price' }
  return {
    perp: {
      id: input.id,
      protocol: position.protocol,
      market: position.market,
      side: leg.side === 'long' ? 'long' : 'short',
      sizeUnits: units,
      liquidationPrice: price / (units / tokens),
    },
    token: c.token,
  }
}
