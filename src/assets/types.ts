/**
 * Types of the asset graph: what every token is made of, down to a risk asset. Pure data; the
 * rates a wrapper needs are injected through a {@link RateSource}.
 */

/**
 * The risk an amount finally carries. 'ETH', 'BTC' and 'USD' are the base groups; any other
 * string is a token that is its own risk asset (LINK, an unknown token), named by its symbol.
 */
export type RiskAsset = 'ETH' | 'BTC' | 'USD' | (string & {})

/**
 * Points at a token of the graph. A token is identified by chain + address (compared in lower
 * case); `symbol` is the fallback for graph entries registered without an address (the devchain,
 * whose addresses are only known once it is deployed).
 */
export interface TokenRef {
  /** Chain key, e.g. "ethereum" or "local". */
  chain: string
  /** The token contract, any case; null/absent when only the symbol is known. */
  address?: string | null
  /** The token's symbol (case-sensitive: "wstETH" and "WSTETH" differ). */
  symbol?: string
}

/** A token as a resolve request names it: a {@link TokenRef} plus its decimals. */
export interface TokenInput extends TokenRef {
  /** Decimals of the raw amount passed to `resolve`: 1 token = 10^decimals raw units. */
  decimals: number
}

/** What every graph node carries. */
interface NodeBase {
  /** Chain key. */
  chain: string
  /** The token contract in lower case; null for an entry keyed by symbol only. */
  address: string | null
  /** The token's symbol. */
  symbol: string
  /** The token's decimals (1 token = 10^decimals raw units). */
  decimals: number
}

/**
 * A base risk asset (WETH -> ETH, WBTC -> BTC, USDC -> USD) or a token that is its own risk asset
 * on purpose (LINK -> 'LINK'). Ends a walk.
 */
export interface RiskNode extends NodeBase {
  kind: 'risk'
  /** The risk asset one whole token is worth `pegWad` units of. */
  riskAsset: RiskAsset
  /**
   * Units of the risk asset per whole token, WAD (1e18 = at par). Default 1e18. A stablecoin's
   * own depeg (USDT at 0.998) lives here, not in the price of USD. Overridable per request
   * through {@link RateSource.peg}.
   */
  pegWad?: bigint
}

/** How a wrapper relates to what it wraps; documentation and reporting only. */
export type WrapperKind =
  /** A liquid-staking token or its non-rebasing wrapper (wstETH, rETH, cbETH, weETH, stETH). */
  | 'lst'
  /** An ERC-4626 vault share -> its asset (`convertToAssets`), sDAI, sUSDS, sUSDe included. */
  | 'erc4626'
  /** An Aave aToken (or another rebasing receipt token) -> its underlying at 1:1. */
  | 'atoken'
  /** Anything else that redeems into one inner token at a rate. */
  | 'other'

/**
 * A call whose uint256 answer is a wrapper's rate. No client here: a chain reader batches these
 * (see `rateCalls`) and converts each answer with `rateFromResult`.
 */
export interface RateCallSpec {
  /** Human-readable ABI signature, e.g. "function stEthPerToken() view returns (uint256)". */
  signature: string
  /**
   * Arguments of the call (e.g. `[10n ** 18n]` for `convertToAssets(1e18)`; an address as a
   * 0x string, e.g. Pendle's `readState(router)`).
   */
  args: readonly (bigint | `0x${string}`)[]
  /**
   * Decimals of the returned number: the answer is `rate * 10^resultDecimals` inner tokens per
   * whole wrapper token (18 for stEthPerToken; the asset's decimals for convertToAssets).
   */
  resultDecimals: number
}

/** Where a wrapper's exchange rate comes from. */
export type RateSpec =
  /** A constant rate, WAD inner tokens per whole wrapper token (aTokens: 1e18). */
  | { kind: 'fixed'; rateWad: bigint }
  /**
   * Read at request time and injected through {@link RateSource.rate} under the wrapper's key.
   * `call` says how to read it on chain; absent when the rate comes from elsewhere.
   */
  | { kind: 'read'; call?: RateCallSpec }

/**
 * A token that redeems into one inner token: units of inner = units of wrapper x rate x peg.
 */
export interface WrapperNode extends NodeBase {
  kind: 'wrapper'
  wrapper: WrapperKind
  /** The token it wraps (on the same chain or another). */
  inner: TokenRef
  /**
   * The protocol that issues this token as a receipt (an Aave aToken: `{ protocol: 'aave-v3',
   * market: 'aave-v3-ethereum' }`). A position holding it as collateral is stacked on that
   * protocol even when the wallet has no position of its own there.
   */
  issuer?: { protocol: string; market?: string }
  /** The exchange rate: inner tokens per whole wrapper token, WAD. */
  rate: RateSpec
  /**
   * The wrapper's own peg/depeg factor, WAD (1e18 = redeemable at its rate), separate from the
   * inner token's price: an LST trading 1% under its redemption value is 0.99e18. Default 1e18;
   * overridable per request through {@link RateSource.peg}.
   */
  pegWad?: bigint
}

/**
 * A Pendle principal token: redeems 1:1 for `underlying` at `maturity`, worth less before.
 * Valued at `1 / (1 + y)^t` underlying per PT, with y the market's implied annual yield
 * (injected, {@link RateSource.impliedYield}) and t the time to maturity in years of 365 days
 * (Pendle's ONE_YEAR). At or after maturity it is 1:1.
 */
export interface PtNode extends NodeBase {
  kind: 'pt'
  /** What the PT redeems for at maturity (the SY's accounting asset). */
  underlying: TokenRef
  /** Maturity, unix seconds. */
  maturity: bigint
  /** The PT's own peg factor on top of the discount, WAD. Default 1e18. */
  pegWad?: bigint
  /**
   * Where its price is read on chain (src/assets/pendle-source.ts turns it into one call of the
   * pinned batch); absent when the implied yield or price is injected from elsewhere.
   */
  pendle?: PendlePtSource
}

/**
 * The Pendle contracts a PT's price is read from at the block.
 * - `market`: the PT's market `readState(router).lastLnImpliedRate` (the implied rate of the
 *   last trade, `ln(1 + y)`), turned into the implied yield y; the PT is then worth
 *   `1 / (1 + y)^t` underlying. Used when no lending market prices the PT by the oracle.
 * - `oracle`: the PendlePYLpOracle TWAP `getPtToAssetRate(market, duration)`, the PT's price in
 *   the SY's asset as lending markets that price the PT by it (Morpho PT markets) see it.
 */
export interface PendlePtSource {
  /** The PT's Pendle market (PendleMarket), lower case. */
  market: string
  /** The market's SY (standardized yield token), lower case; null when not recorded. */
  sy: string | null
  read:
    | { kind: 'market'; router: string }
    | {
        kind: 'oracle'
        oracle: string
        /** TWAP window, seconds (the lending market's oracle's duration, e.g. 900). */
        durationSeconds: number
        /** Decimals of the underlying: the oracle's rate is in raw units of PT and asset. */
        underlyingDecimals: number
      }
}

/**
 * A token the graph knows nothing about (or registered as such): its own risk asset, named by
 * its symbol (or its address), flagged `unknown`, never dropped.
 */
export interface UnknownNode extends NodeBase {
  kind: 'unknown'
}

/** One node of the asset graph. */
export type AssetNode = RiskNode | WrapperNode | PtNode | UnknownNode

/**
 * The data a resolve step needs beyond the static graph, keyed by {@link assetKey} of the node.
 * Implementations are plain lookups (fixtures, or the results of one pinned chain batch).
 */
export interface RateSource {
  /** A `read` wrapper's rate: inner tokens per whole wrapper token, WAD; undefined if missing. */
  rate(key: string): bigint | undefined
  /** Overrides a node's peg factor (WAD); undefined keeps the node's own (default 1e18). */
  peg?(key: string): bigint | undefined
  /** A PT's implied annual yield, WAD (0.1e18 = 10%); undefined if missing. */
  impliedYield?(key: string): bigint | undefined
  /**
   * A PT's price as read, WAD units of its underlying per whole PT (Pendle's oracle TWAP);
   * when present it is the PT's discount factor and `impliedYield` is not asked.
   */
  ptRate?(key: string): bigint | undefined
}

/** One node walked by `resolve`, with the factors applied when leaving it. */
export interface PathStep {
  /** {@link assetKey} of the node. */
  key: string
  symbol: string
  kind: AssetNode['kind']
  /** For wrappers, how it wraps; absent for other kinds. */
  wrapper?: WrapperKind
  /**
   * Inner units per unit of this node, WAD: the wrapper's exchange rate, the PT's discount
   * factor `1/(1+y)^t` (rounded down), 1e18 for risk and unknown nodes.
   */
  rateWad: bigint
  /** The node's peg factor, WAD (1e18 at par). */
  pegWad: bigint
  /** For a PT valued from an implied yield: the yield used, WAD. */
  impliedYieldWad?: bigint
  /** For a PT: seconds from the valuation time to maturity (0 once matured). */
  secondsToMaturity?: bigint
  /**
   * Amount after this step's factors, in 18-decimal units of what this step leads to (the inner
   * token; the risk asset for the last step), rounded down from the exact product.
   */
  units: bigint
}

/** Why a resolution stopped short of a base risk asset or is otherwise worth a look. */
export interface ResolveFlags {
  /** The token (or a token it wraps) is not in the graph: it stands as its own risk asset. */
  unknown?: boolean
  /** The walk hit the depth limit: the last node reached stands as its own risk asset. */
  depthLimited?: boolean
  /** The walk came back to a node it had visited: that node stands as its own risk asset. */
  cycle?: boolean
}

/** An amount of a token expressed in its risk asset. */
export interface Resolution {
  /** The risk asset the amount is finally exposed to. */
  riskAsset: RiskAsset
  /**
   * Amount in 18-decimal units of the risk asset (1e18 = one ETH, one BTC, one USD or one whole
   * token of a self-risk asset), rounded down ONCE from the exact product of the raw amount and
   * every rate and peg on the path (PT discount factors are themselves rounded down to WAD).
   */
  units: bigint
  /** The rounding direction of `units`, always 'down'. */
  rounding: 'down'
  /** The nodes walked, from the token itself to the one that stands as the risk asset. */
  path: PathStep[]
  flags: ResolveFlags
}
