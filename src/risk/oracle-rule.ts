/**
 * How a protocol's oracle prices a collateral while a cascade moves the market: typed data the
 * systemic cascade reads (never a protocol name). Pure.
 *
 * Prices are in USD per unit of the shocked risk asset (an LST counted in units of what it
 * wraps through the asset graph: 1 wstETH = 1.2 ETH-units on the devchain).
 */
import type { LiquidationRule } from '../core/types.js'
import { isPerpRule, unknownLiquidationRule } from './liquidation-rule.js'

/** What an oracle's price follows. */
export type OracleSource =
  /**
   * The market: the risk asset's DEX price, times the DEX ratio of `token` to the risk asset when
   * the collateral is a derivative traded on its own curve (stETH/ETH), else 1. GMX's keepers,
   * market-rate LST feeds.
   */
  | { kind: 'market'; token: string | null }
  /**
   * An exchange-rate adapter (Aave's CAPO, Morpho's and Comet's wstETH feeds): the underlying's
   * feed (the risk asset's price) times the token's exchange rate, capped by its growth limit.
   * The rate does not move in a cascade (it is on-chain accounting, not a DEX price): a depeg of
   * `token` on the DEX leaves this oracle where the underlying is.
   */
  | { kind: 'exchange-rate'; token: string; capped: boolean }

/**
 * A push oracle's publication lag (Chainlink-style): a new price is published when it deviates
 * from the last one by at least `deviation`, or when `heartbeatRounds` cascade rounds have passed
 * since the last publication. Absent: every round's price is published.
 */
export interface OracleLag {
  /** Deviation threshold, fraction (0.005 = 0.5%), >= 0. */
  deviation: number
  /** Rounds after which a price is published whatever its deviation (integer >= 1). */
  heartbeatRounds: number
}

/** One oracle of the systemic cascade. */
export interface OracleRule {
  /** A stable key for responses ("ETH/USD feed", "wstETH CAPO"). */
  id: string
  source: OracleSource
  lag?: OracleLag
}

/**
 * The price the oracle would publish now: the risk asset's market price `marketPrice` (USD per
 * unit) times, for a market source on a derivative token, that token's DEX ratio
 * (`tokenRatio(token)`, 1 at par).
 */
export function oracleTarget(
  rule: OracleRule,
  marketPrice: number,
  tokenRatio: (token: string) => number,
): number {
  const s = rule.source
  switch (s.kind) {
    case 'market':
      return s.token === null ? marketPrice : marketPrice * tokenRatio(s.token)
    case 'exchange-rate':
      return marketPrice
    default:
      return unknownSource(s)
  }
}

function unknownSource(s: never): never {
  throw new TypeError(`unknown oracle source ${String((s as { kind?: unknown }).kind)}`)
}

/**
 * Whether the oracle publishes `target` after `published`, `roundsSince` rounds after its last
 * publication (see {@link OracleLag}).
 */
export function oraclePublishes(
  rule: OracleRule,
  published: number,
  target: number,
  roundsSince: number,
): boolean {
  if (target === published) return false
  if (!rule.lag) return true
  if (roundsSince >= rule.lag.heartbeatRounds) return true
  return Math.abs(target / published - 1) >= rule.lag.deviation
}

/**
 * The oracle rule a position's collateral in the shocked asset is read through, from its typed
 * liquidation rule and the LST on the collateral's path (null: the asset itself, e.g. WETH):
 * - the asset itself, or any perp: the market (`riskAsset/USD` feeds and GMX's keepers follow
 *   the market; an LST under a perp rule follows its DEX ratio);
 * - an LST under a lending rule: an exchange-rate adapter, capped for the rules of Aave v3 and
 *   V4 (CAPO adapters), uncapped for Morpho's and Comet's exchange-rate feeds (the usual wstETH
 *   oracles of both); a market whose oracle is a market-rate feed is not told apart here.
 */
export function oracleRuleFor(rule: LiquidationRule, lst: string | null, riskAsset: string): OracleRule {
  if (lst === null || isPerpRule(rule)) {
    return lst === null
      ? { id: `${riskAsset}/USD market`, source: { kind: 'market', token: null } }
      : { id: `${lst} market`, source: { kind: 'market', token: lst } }
  }
  switch (rule.kind) {
    case 'aave-v3-close-factor':
    case 'target-health-factor':
      return {
        id: `${lst} exchange rate (capped)`,
        source: { kind: 'exchange-rate', token: lst, capped: true },
      }
    case 'morpho-blue':
    case 'comet-absorb':
      return { id: `${lst} exchange rate`, source: { kind: 'exchange-rate', token: lst, capped: false } }
    default:
      return unknownLiquidationRule(rule)
  }
}
