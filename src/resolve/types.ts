/**
 * Types of the recursive-leverage resolver: `Position[]` in, per-risk-asset exposure, layers
 * and stacks out. USD figures are floats (the protocols' own oracle valuations); token units
 * resolved from chain amounts are also kept exact (18-decimal bigint).
 */
import type { ResolveContext } from '../assets/resolve.js'
import type { RiskAsset } from '../assets/types.js'
import type { Address } from '../core/address.js'
import type { PositionHolder, PositionResult } from '../core/types.js'
import type { AssetBeta, BetaTable } from '../risk/defaults.js'

/** A manual option leg's delta, as the resolver takes it (see POST /v1/analyze). */
export interface OptionDeltaInput {
  /** A stable id for the leg, e.g. "option:ETH-call-3500-2027-03-26". */
  id: string
  /** Symbol of the underlying (an off-chain symbol: ETH, BTC, SOL, ...). */
  underlying: string
  /** Units of the underlying the leg behaves like: delta x size (signed). */
  delta: number
  /** delta x size x spot, USD; null when no spot price was given. */
  deltaUsd: number | null
  /** The option's value, USD (negative for a written option); null when unknown. */
  valueUsd: number | null
}

/** Input of {@link resolveExposure}. */
export interface ExposureInput {
  /** The wallet's positions (unavailable rows are listed, never counted as zero). */
  positions: readonly PositionResult[]
  /** Manual option legs. */
  options?: readonly OptionDeltaInput[]
  /** Asset graph, rates and valuation time per chain key. */
  contexts: Readonly<Record<string, ResolveContext>>
  /** Used for a chain without an entry in `contexts` (off-chain legs, Hyperliquid). */
  fallback: ResolveContext
  /** Beta overrides per risk asset, merged over the defaults (`risk/defaults.ts`). */
  betas?: BetaTable
}

/** Why a contribution's units are less certain than the chain's own numbers. */
export interface ContributionFlags {
  /** The token is not in the asset graph: it stands as its own risk asset. */
  unknown?: boolean
  /** The graph walk came back to a node it had visited. */
  cycle?: boolean
  /** The graph walk hit its depth limit. */
  depthLimited?: boolean
  /**
   * A wrapper's rate could not be had: the units were derived from the protocol's USD value and
   * the price of the risk asset seen elsewhere in the wallet's positions on the same chain.
   */
  rateFromPrice?: boolean
  /** A wrapper's rate could not be had and no price of its risk asset either: own risk asset. */
  rateUnavailable?: boolean
}

/** Where a contribution comes from within its layer. */
export type ContributionSource =
  | 'collateral'
  | 'debt'
  | 'long'
  | 'short'
  /** A perp's margin held in USD (venues that do not report a collateral token). */
  | 'margin'
  /**
   * The USD a perp (or option) position is financed with: equity minus everything else, so the
   * layer's contributions sum to its equity (a long perp = units of the asset + a USD debt).
   */
  | 'financing'
  | 'option-delta'

/** One signed amount of one risk asset, from one leg of one layer. */
export interface Contribution {
  /** The layer (position or option) id. */
  layer: string
  source: ContributionSource
  /** The token or market symbol as the protocol reports it. */
  symbol: string
  /** The token contract; null for off-chain or synthetic (financing, margin) amounts. */
  token: string | null
  riskAsset: RiskAsset
  /** Signed units of the risk asset (debt and shorts negative), float. */
  units: number
  /**
   * Signed units of the risk asset, 18 decimals, exact from the chain amount and rates (rounded
   * down in magnitude once); null when derived from a USD value (financing, price fallback).
   */
  units18: bigint | null
  /** Signed USD value (the protocol's own valuation), float. */
  usd: number
  /** Symbols walked from the token to its risk asset, e.g. ["aWETH", "WETH"]. */
  path: string[]
  /** Receipt tokens on the path: who issued them (an Aave market for an aToken). */
  issuers: { protocol: string; market?: string; symbol: string }[]
  flags: ContributionFlags
}

/** Net exposure to one risk asset. */
export interface NetExposure {
  riskAsset: RiskAsset
  /** Net units (collateral - debt + long - short + option delta), float. */
  units: number
  /** Net units, 18 decimals, exact; null when any contribution is derived from USD. */
  units18: bigint | null
  /** Net USD value, float. */
  usd: number
  /** Sum of the positive USD contributions. */
  longUsd: number
  /** Sum of the negative USD contributions (<= 0). */
  shortUsd: number
}

/** How a layer is built. */
export type LayerStructure =
  /** Collateral without debt. */
  | 'supply'
  /** The same risk asset on both sides (wstETH vs WETH, USDC vs USDT): a yield carry. */
  | 'carry-loop'
  /** A risk asset against stable debt: leveraged long. */
  | 'directional-loop'
  /** Stable collateral against a risk-asset debt: leveraged short. */
  | 'short-loop'
  /** One risk asset against another (ETH vs BTC). */
  | 'cross-loop'
  | 'perp-long'
  | 'perp-short'
  | 'option'

/** One position (or option leg) of the wallet, seen as a layer of leverage. */
/** A layer carries its position's holder (`account`, `accountKind`, `owner`) when the report set it. */
export interface Layer extends PositionHolder {
  /** `chain:market`, with `#2`, `#3` for further positions in the same market. */
  id: string
  /** A human label: the protocol's market label when it has one (Morpho: "wstETH/WETH 94.5%"). */
  label: string
  protocol: string
  market: string
  chain: string
  kind: 'lending' | 'perp' | 'option'
  structure: LayerStructure
  /** USD, float: collateral (lending), margin deposit (perp). */
  collateralUsd: number
  /** USD, float. */
  debtUsd: number
  /** collateral - debt (lending), the position's equity (perp), the option's value. */
  equityUsd: number
  /** Perp: |size| x mark, USD; lending: the collateral; option: |delta USD|. */
  notionalUsd: number
  /**
   * Nominal leverage of this layer alone: collateral / equity (lending), notional / equity
   * (perp); null when the equity is <= 0 or for options.
   */
  nominalLeverage: number | null
  /** The LTV it runs at: debt / collateral; null without collateral. */
  ltv: number | null
  /**
   * The LTV a loop step can borrow at: the protocol's LTV of the collateral counted toward the
   * health factor, weighted by USD; null when not reported (Morpho: its LLTV is reported instead).
   */
  maxLtv: number | null
  /**
   * The number of loops at `loopLtv` that turn the layer's equity into its collateral:
   * n with collateral = equity (1 - l^(n+1)) / (1 - l); 0 without debt; null when no loop at
   * that LTV reaches this leverage (it runs above it) or the LTV is unknown.
   */
  equivalentLoops: number | null
  /** The LTV `equivalentLoops` is computed at (`maxLtv`, or Morpho's LLTV). */
  loopLtv: number | null
  healthFactor: number | null
  /** The layer's own net exposure per risk asset. */
  netExposure: NetExposure[]
  /** Receipt tokens this layer holds as collateral, with the protocol that issued them. */
  receipts: { protocol: string; market?: string; symbol: string; usd: number }[]
}

/** How a debt of one layer shows up in another. */
export type LinkVia =
  /** The very token borrowed is the other layer's collateral or margin. */
  | 'same-token'
  /**
   * The other layer's collateral wraps the borrowed token: its graph path passes through it (an
   * ERC-4626 share of the borrowed asset; on the devchain, wstETH wraps WETH). Mainnet wstETH
   * wraps stETH -> ETH, not WETH, so a WETH debt funding wstETH links as 'same-risk-asset'.
   */
  | 'wrapped'
  /** The other layer's collateral is a receipt token (aToken, vault share) of the borrowed token. */
  | 'receipt'
  /** Same risk asset, different token (a swap or a bridge in between): inferred. */
  | 'same-risk-asset'

/**
 * A debt of layer `from` that funds collateral (or margin) of layer `to`; or (`via: 'receipt'`,
 * `debtSymbol` = the receipt token) `from` is the wallet's position in the market that issued a
 * receipt token `to` holds as collateral.
 */
export interface Link {
  from: string
  to: string
  /** 'funds': a debt of `from` is collateral of `to`; 'issues': `from` issued a receipt `to` holds. */
  relation: 'funds' | 'issues'
  riskAsset: RiskAsset
  via: LinkVia
  /** The borrowed token's symbol in `from`. */
  debtSymbol: string
  /** The collateral (or margin) symbol in `to`. */
  collateralSymbol: string
  /** min(debt USD, collateral USD) of the pair: what can have flowed, float. */
  usd: number
}

/** Layers connected by links: leverage stacked inside one position or across several. */
export interface Stack {
  /** "stack-1", "stack-2", ... by descending gross exposure. */
  id: string
  /** Layer ids, funding layers first (a layer comes after every layer whose debt funds it). */
  layers: string[]
  /** The order to unwind it in: the outermost (last-funded) layer first. */
  unwindOrder: string[]
  /** Every protocol the stack spans, receipt issuers included. */
  protocols: string[]
  chains: string[]
  /**
   * The addresses holding its layers (the owner and its smart accounts), when the report names
   * holders: a stack may span an owner's own address and its proxies.
   */
  accounts?: Address[]
  /** More than one protocol (receipt issuers count). */
  crossProtocol: boolean
  /** The structures of its layers, in `layers` order. */
  structures: LayerStructure[]
  links: Link[]
  equityUsd: number
  /** Sum of |net USD| over its non-USD risk assets. */
  grossExposureUsd: number
  /** grossExposureUsd / equityUsd: the leverage the stack compounds to; null when equity <= 0. */
  compoundedLeverage: number | null
  /** The product of its layers' nominal leverages: what reading each protocol alone suggests. */
  nominalLeverageProduct: number | null
  netExposure: NetExposure[]
  /** A one-line reading of the stack, e.g. "wstETH on aave-v3 -> WETH -> morpho-blue -> ...". */
  summary: string
}

/** A position the resolver could not count (unavailable on chain): listed, never zero. */
export interface UnresolvedLayer {
  protocol: string
  market: string
  chain: string
  code: string
  reason: string
}

/** The wallet's aggregate beta. */
export interface WalletBeta {
  /** Dollar beta / equity: the % move of equity per 1% move of ETH; null when equity <= 0. */
  ETH: number | null
  BTC: number | null
  /** Sum over risk assets of net USD x beta, USD per 100% move. */
  dollarEth: number
  dollarBtc: number
  /** The betas used, per risk asset in the exposure. */
  table: Record<string, AssetBeta & { source: 'default' | 'assumed' | 'request' }>
}

/** The resolved exposure of a wallet (DESIGN.md contract plus detail). */
export interface Exposure {
  /** Sum of all net USD values (= the sum of the layers' equities). */
  equityUsd: number
  /** Sum of |usd| over the non-USD risk assets. */
  grossExposureUsd: number
  /** grossExposureUsd / equityUsd; null when equity <= 0. */
  effectiveLeverage: number | null
  /** Every risk asset including USD, by descending |usd|. */
  netExposure: NetExposure[]
  beta: WalletBeta
  layers: Layer[]
  stacks: Stack[]
  contributions: Contribution[]
  unresolved: UnresolvedLayer[]
  /** Plain-language caveats (price-implied rates, unknown tokens, assumed betas, ...). */
  warnings: string[]
}
