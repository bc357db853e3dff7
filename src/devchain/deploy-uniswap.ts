import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { type Abi, type Address, decodeEventLog, type Hex, maxUint256, parseAbi } from 'viem'
import {
  uniswapLiquidityHelperAbi,
  uniswapLiquidityHelperBytecode,
} from './contracts/UniswapLiquidityHelper.artifact.js'
import { type DevchainClients, deploy, send } from './tx.js'

/** The tokens and oracle the Uniswap deployer needs: a `DeployedAave` or a manifest's fields fit. */
export interface UniswapTokenSource {
  /** AaveOracle: `getAssetPrice(asset)`, USD with 8 decimals. */
  oracle: Address
  tokens: readonly { symbol: string; address: Address; decimals: number }[]
}

/** One liquidity range minted into a pool, as read-independent facts. */
export interface UniswapRange {
  label: string
  tickLower: number
  tickUpper: number
  /** Liquidity L added (the pool's uint128 units). */
  liquidity: bigint
  /** Tokens paid for it, raw units. */
  amount0: bigint
  amount1: bigint
  /** The position's owner (pool positions are keyed by owner and ticks). */
  owner: Address
}

/** A deployed Uniswap v3 pool between a base asset (WETH) and a quote asset (USDC). */
export interface DeployedUniswapPool {
  key: string
  address: Address
  token0: Address
  token1: Address
  token0Symbol: string
  token1Symbol: string
  decimals0: number
  decimals1: number
  /** The risk asset traded (e.g. WETH) and the numeraire it is quoted in (e.g. USDC). */
  baseSymbol: string
  quoteSymbol: string
  /** Fee in hundredths of a bip (3000 = 0.3%). */
  fee: number
  tickSpacing: number
  /** sqrt(token1 per token0, raw units) * 2^96 at initialization. */
  initialSqrtPriceX96: bigint
  initialTick: number
  ranges: UniswapRange[]
}

/** The devchain's Uniswap v3 deployment. */
export interface DeployedUniswapV3 {
  /** The real UniswapV3Factory (@uniswap/v3-core 1.0.1 bytecode). */
  factory: Address
  /** OUR UniswapLiquidityHelper: mint and swap callbacks, no periphery. */
  helper: Address
  deployBlock: bigint
  pools: DeployedUniswapPool[]
}

/** A liquidity range to mint, as multipliers of the base asset's USD price and a USD budget. */
export interface UniswapRangeSpec {
  label: string
  /** Lower and upper bound as multiples of the current base price (0.95 = 5% below). */
  lowerMultiplier: number
  upperMultiplier: number
  /** Value of the tokens put in, USD (float; quote asset counted at 1 USD per whole token). */
  valueUsd: number
}

/**
 * Depth of the devchain's second WETH/USDC pool (fee 0.05%, tick spacing 10), so that a cascade
 * aggregates several pools and fee tiers: a +-3% range (1.5M USD) and a +-15% range (3M USD).
 */
export const SECOND_POOL_RANGES: readonly UniswapRangeSpec[] = [
  { label: 'concentrated +-3%', lowerMultiplier: 0.97, upperMultiplier: 1.03, valueUsd: 1_500_000 },
  { label: 'wide +-15%', lowerMultiplier: 0.85, upperMultiplier: 1.15, valueUsd: 3_000_000 },
]

/**
 * Default depth of the devchain WETH/USDC pool: a concentrated +-5% range (1M USD), a +-20% range
 * (4M USD) and a wide 1/16x..16x range (60M USD). Selling WETH into it moves the price by about
 * 0.75% (100 WETH), 2.2% (300 WETH), 7.7% (1,000 WETH) and 24% (3,000 WETH), fee included: deep
 * enough that the 600-borrower population's liquidations cascade without draining it.
 */
export const DEFAULT_UNISWAP_RANGES: readonly UniswapRangeSpec[] = [
  { label: 'concentrated +-5%', lowerMultiplier: 0.95, upperMultiplier: 1.05, valueUsd: 1_000_000 },
  { label: 'wide +-20%', lowerMultiplier: 0.8, upperMultiplier: 1.2, valueUsd: 4_000_000 },
  { label: 'full-ish 1/16x..16x', lowerMultiplier: 1 / 16, upperMultiplier: 16, valueUsd: 60_000_000 },
]

/** Options of {@link deployUniswapV3}. */
export interface DeployUniswapV3Options {
  /** Pool fee, hundredths of a bip: 3000 (tick spacing 60, the default) or 500 (spacing 10). */
  fee?: 500 | 3000
  /** Base and quote symbols of the pool; WETH and USDC by default. */
  base?: string
  quote?: string
  /** Who provides (and owns) the liquidity; `admin` by default. */
  liquidityProvider?: Address
  ranges?: readonly UniswapRangeSpec[]
  progress?: (message: string) => void
}

/** The v3-core pool reads and writes stacklens uses (a subset of the real pool ABI). */
export const uniswapV3PoolAbi = parseAbi([
  'function token0() view returns (address)',
  'function token1() view returns (address)',
  'function fee() view returns (uint24)',
  'function tickSpacing() view returns (int24)',
  'function liquidity() view returns (uint128)',
  'function slot0() view returns (uint160 sqrtPriceX96, int24 tick, uint16 observationIndex, uint16 observationCardinality, uint16 observationCardinalityNext, uint8 feeProtocol, bool unlocked)',
  'function ticks(int24 tick) view returns (uint128 liquidityGross, int128 liquidityNet, uint256 feeGrowthOutside0X128, uint256 feeGrowthOutside1X128, int56 tickCumulativeOutside, uint160 secondsPerLiquidityOutsideX128, uint32 secondsOutside, bool initialized)',
  'function tickBitmap(int16 wordPosition) view returns (uint256)',
  'function positions(bytes32 key) view returns (uint128 liquidity, uint256 feeGrowthInside0LastX128, uint256 feeGrowthInside1LastX128, uint128 tokensOwed0, uint128 tokensOwed1)',
  'function initialize(uint160 sqrtPriceX96)',
  'event Swap(address indexed sender, address indexed recipient, int256 amount0, int256 amount1, uint160 sqrtPriceX96, uint128 liquidity, int24 tick)',
  'event Mint(address sender, address indexed owner, int24 indexed tickLower, int24 indexed tickUpper, uint128 amount, uint256 amount0, uint256 amount1)',
])

/** The v3-core factory calls stacklens uses. */
export const uniswapV3FactoryAbi = parseAbi([
  'function createPool(address tokenA, address tokenB, uint24 fee) returns (address pool)',
  'function getPool(address tokenA, address tokenB, uint24 fee) view returns (address)',
  'function feeAmountTickSpacing(uint24 fee) view returns (int24)',
])

const tokenAbi = parseAbi([
  'function mint(address account, uint256 value) returns (bool)',
  'function approve(address spender, uint256 value) returns (bool)',
  'function allowance(address owner, address spender) view returns (uint256)',
  'function balanceOf(address owner) view returns (uint256)',
])
const oracleAbi = parseAbi(['function getAssetPrice(address asset) view returns (uint256)'])

/** TickMath.MIN_TICK / MAX_TICK. */
export const UNISWAP_MIN_TICK = -887272
export const UNISWAP_MAX_TICK = 887272
const Q96 = 2n ** 96n
const Q192 = Q96 * Q96

interface HardhatJson {
  abi: Abi
  bytecode: Hex
}

/** Loads a compiled contract shipped by `@uniswap/v3-core` 1.0.1 (hardhat artifacts). Node only. */
export function loadUniswapV3Artifact(name: 'UniswapV3Factory' | 'UniswapV3Pool'): HardhatJson {
  const require = createRequire(import.meta.url)
  const path = require.resolve(`@uniswap/v3-core/artifacts/contracts/${name}.sol/${name}.json`)
  return JSON.parse(readFileSync(path, 'utf8')) as HardhatJson
}

/** floor(sqrt(n)) for a non-negative bigint. */
export function bigintSqrt(n: bigint): bigint {
  if (n < 0n) throw new Error('sqrt of a negative number')
  if (n < 2n) return n
  // Newton from above (a float guess rounded up past its error) decreases monotonically to the floor.
  let x = BigInt(Math.ceil(Math.sqrt(Number(n)) * (1 + 1e-12))) + 1n
  for (;;) {
    const y = (x + n / x) >> 1n
    if (y >= x) break
    x = y
  }
  return x
}

/**
 * sqrtPriceX96 = floor(sqrt(price of token0 in token1, raw units) * 2^96), exact in bigint, from
 * the two assets' USD prices (any common scale, e.g. 8-decimal oracle answers) and decimals.
 */
export function sqrtPriceX96FromUsd(
  usd0: bigint,
  decimals0: number,
  usd1: bigint,
  decimals1: number,
): bigint {
  const num = usd0 * 10n ** BigInt(decimals1)
  const den = usd1 * 10n ** BigInt(decimals0)
  return bigintSqrt((num * Q192) / den)
}

/** Price of token0 in token1, whole tokens (float), from a sqrtPriceX96. */
export function priceFromSqrtPriceX96(sqrtPriceX96: bigint, decimals0: number, decimals1: number): number {
  const scaled =
    (sqrtPriceX96 * sqrtPriceX96 * 10n ** BigInt(decimals0) * 10n ** 18n) / (Q192 * 10n ** BigInt(decimals1))
  return Number(scaled) / 1e18
}

/** The base asset's price in the quote asset (e.g. USDC per WETH, float) at `sqrtPriceX96`. */
export function basePriceOfPool(pool: DeployedUniswapPool, sqrtPriceX96: bigint): number {
  const p = priceFromSqrtPriceX96(sqrtPriceX96, pool.decimals0, pool.decimals1)
  return pool.token0Symbol === pool.baseSymbol ? p : 1 / p
}

/** The tick at or below a raw price (token1 per token0), float: floor(log_1.0001(price)). */
export function tickAtRawPrice(price: number): number {
  return Math.floor(Math.log(price) / Math.log(1.0001))
}

function symbolOf(source: UniswapTokenSource, symbol: string) {
  const t = source.tokens.find((x) => x.symbol === symbol)
  if (!t) throw new Error(`no devchain token ${symbol}`)
  return t
}

/**
 * Deploys the REAL UniswapV3Factory (@uniswap/v3-core 1.0.1 artifact), creates the base/quote
 * pool (WETH/USDC by default, fee 0.3%), initializes it at the devchain oracle price (sqrtPriceX96
 * computed exactly in bigint from AaveOracle's 8-decimal prices and the token decimals; token0 is
 * the lower address), deploys OUR UniswapLiquidityHelper and mints {@link DEFAULT_UNISWAP_RANGES}
 * through it (real `mint` transactions: several initialized ticks). Tokens for the liquidity are
 * minted to the liquidity provider (devchain test tokens).
 */
export async function deployUniswapV3(
  clients: DevchainClients,
  source: UniswapTokenSource,
  admin: Address,
  opts: DeployUniswapV3Options = {},
): Promise<DeployedUniswapV3> {
  const progress = opts.progress ?? (() => {})
  const fee = opts.fee ?? 3000

  progress('deploying Uniswap v3 (v3-core 1.0.1 factory) and our liquidity helper')
  const factoryArt = loadUniswapV3Artifact('UniswapV3Factory')
  const factory = await deploy(clients, {
    from: admin,
    abi: factoryArt.abi,
    bytecode: factoryArt.bytecode,
    name: 'UniswapV3Factory',
  })
  const deployBlock = await clients.public.getBlockNumber({ cacheTime: 0 })
  const helper = await deploy(clients, {
    from: admin,
    abi: uniswapLiquidityHelperAbi,
    bytecode: uniswapLiquidityHelperBytecode,
    args: [factory],
    name: 'UniswapLiquidityHelper',
  })

  const uni: DeployedUniswapV3 = { factory, helper, deployBlock, pools: [] }
  await createUniswapPool(clients, uni, source, admin, { ...opts, fee })
  return uni
}

/**
 * Creates one more base/quote pool on the deployment's REAL factory (`fee`: 500, tick spacing 10,
 * or 3000, spacing 60), initializes it at the devchain oracle price like {@link deployUniswapV3}
 * and mints `ranges` into it through OUR helper; the pool is appended to `uni.pools` and returned.
 */
export async function createUniswapPool(
  clients: DevchainClients,
  uni: DeployedUniswapV3,
  source: UniswapTokenSource,
  admin: Address,
  opts: DeployUniswapV3Options & { fee: 500 | 3000 },
): Promise<DeployedUniswapPool> {
  const progress = opts.progress ?? (() => {})
  const fee = opts.fee
  const base = symbolOf(source, opts.base ?? 'WETH')
  const quote = symbolOf(source, opts.quote ?? 'USDC')
  const lp = opts.liquidityProvider ?? admin
  await send(clients, {
    from: admin,
    address: uni.factory,
    abi: uniswapV3FactoryAbi,
    functionName: 'createPool',
    args: [base.address, quote.address, fee],
  })
  const address = await clients.public.readContract({
    address: uni.factory,
    abi: uniswapV3FactoryAbi,
    functionName: 'getPool',
    args: [base.address, quote.address, fee],
  })
  const [t0, t1] = BigInt(base.address) < BigInt(quote.address) ? [base, quote] : [quote, base]
  const [usd0, usd1] = await Promise.all(
    [t0, t1].map((t) =>
      clients.public.readContract({
        address: source.oracle,
        abi: oracleAbi,
        functionName: 'getAssetPrice',
        args: [t.address],
      }),
    ),
  )
  const sqrtPriceX96 = sqrtPriceX96FromUsd(usd0!, t0.decimals, usd1!, t1.decimals)
  await send(clients, {
    from: admin,
    address,
    abi: uniswapV3PoolAbi,
    functionName: 'initialize',
    args: [sqrtPriceX96],
  })
  const [, tick] = await clients.public.readContract({
    address,
    abi: uniswapV3PoolAbi,
    functionName: 'slot0',
  })
  const tickSpacing = await clients.public.readContract({
    address,
    abi: uniswapV3PoolAbi,
    functionName: 'tickSpacing',
  })
  const pool: DeployedUniswapPool = {
    // The first pool keeps the plain key; more pools of the pair are told apart by their fee.
    key: `${base.symbol.toLowerCase()}-${quote.symbol.toLowerCase()}${uni.pools.length === 0 ? '' : `-${fee}`}`,
    address,
    token0: t0.address,
    token1: t1.address,
    token0Symbol: t0.symbol,
    token1Symbol: t1.symbol,
    decimals0: t0.decimals,
    decimals1: t1.decimals,
    baseSymbol: base.symbol,
    quoteSymbol: quote.symbol,
    fee,
    tickSpacing,
    initialSqrtPriceX96: sqrtPriceX96,
    initialTick: tick,
    ranges: [],
  }
  uni.pools.push(pool)
  progress(`adding Uniswap v3 ${base.symbol}/${quote.symbol} liquidity`)
  for (const spec of opts.ranges ?? DEFAULT_UNISWAP_RANGES) {
    await addUniswapLiquidity(clients, uni, { from: lp, pool: address, ...spec })
  }
  return pool
}

/** Parameters of {@link addUniswapLiquidity}. */
export interface AddUniswapLiquidityParams extends UniswapRangeSpec {
  /** Provider and owner of the position; its tokens are minted to it first unless `mint: false`. */
  from: Address
  /** Pool address; the deployment's first pool when omitted. */
  pool?: Address
  /** Mint the tokens needed (devchain test tokens) before minting the position. Default true. */
  mint?: boolean
}

function poolOf(uni: DeployedUniswapV3, address?: Address): DeployedUniswapPool {
  const pool = address
    ? uni.pools.find((p) => p.address.toLowerCase() === address.toLowerCase())
    : uni.pools[0]
  if (!pool) throw new Error(`no devchain Uniswap pool ${address ?? ''}`)
  return pool
}

async function ensureAllowance(
  clients: DevchainClients,
  token: Address,
  owner: Address,
  spender: Address,
  amount: bigint,
): Promise<void> {
  const allowance = await clients.public.readContract({
    address: token,
    abi: tokenAbi,
    functionName: 'allowance',
    args: [owner, spender],
  })
  if (allowance >= amount) return
  await send(clients, {
    from: owner,
    address: token,
    abi: tokenAbi,
    functionName: 'approve',
    args: [spender, maxUint256],
  })
}

/**
 * Adds REAL liquidity to a devchain pool through OUR helper contract: the range
 * [lowerMultiplier, upperMultiplier] x the pool's current base price, rounded outwards to the tick
 * spacing, sized so the tokens put in are worth about `valueUsd` at the current pool price. The
 * range is recorded in `uni.pools[i].ranges` and returned.
 */
export async function addUniswapLiquidity(
  clients: DevchainClients,
  uni: DeployedUniswapV3,
  params: AddUniswapLiquidityParams,
): Promise<UniswapRange> {
  const pool = poolOf(uni, params.pool)
  const [sqrtPriceX96] = await clients.public.readContract({
    address: pool.address,
    abi: uniswapV3PoolAbi,
    functionName: 'slot0',
  })
  const sqrtP = Number(sqrtPriceX96) / 2 ** 96
  const P = sqrtP * sqrtP
  const baseIs0 = pool.token0Symbol === pool.baseSymbol
  const [lo, hi] = baseIs0
    ? [P * params.lowerMultiplier, P * params.upperMultiplier]
    : [P / params.upperMultiplier, P / params.lowerMultiplier]
  const s = pool.tickSpacing
  const minTick = Math.ceil(UNISWAP_MIN_TICK / s) * s
  const maxTick = Math.floor(UNISWAP_MAX_TICK / s) * s
  const tickLower = Math.max(minTick, Math.floor(Math.log(lo) / Math.log(1.0001) / s) * s)
  const tickUpper = Math.min(maxTick, Math.ceil(Math.log(hi) / Math.log(1.0001) / s) * s)
  if (tickLower >= tickUpper) throw new Error(`empty Uniswap range ${params.label}`)
  const sa = 1.0001 ** (tickLower / 2)
  const sb = 1.0001 ** (tickUpper / 2)
  const sc = Math.min(Math.max(sqrtP, sa), sb)
  // Token amounts per unit of L, and the value of both in token1 raw units.
  const per0 = 1 / sc - 1 / sb
  const per1 = sc - sa
  const quoteDecimals = baseIs0 ? pool.decimals1 : pool.decimals0
  const valueQuoteRaw = params.valueUsd * 10 ** quoteDecimals
  const value1 = baseIs0 ? valueQuoteRaw : valueQuoteRaw * P
  const liquidity = BigInt(Math.floor(value1 / (per0 * P + per1)))
  if (liquidity <= 0n) throw new Error(`no liquidity for range ${params.label}`)

  const need0 = BigInt(Math.ceil(Number(liquidity) * per0 * 1.001)) + 10n
  const need1 = BigInt(Math.ceil(Number(liquidity) * per1 * 1.001)) + 10n
  for (const [token, need] of [
    [pool.token0, need0],
    [pool.token1, need1],
  ] as const) {
    if (params.mint !== false)
      await send(clients, {
        from: params.from,
        address: token,
        abi: tokenAbi,
        functionName: 'mint',
        args: [params.from, need],
      })
    await ensureAllowance(clients, token, params.from, uni.helper, need)
  }
  const receipt = await send(clients, {
    from: params.from,
    address: uni.helper,
    abi: uniswapLiquidityHelperAbi,
    functionName: 'mint',
    args: [pool.address, params.from, tickLower, tickUpper, liquidity],
  })
  let amount0 = 0n
  let amount1 = 0n
  for (const log of receipt.logs) {
    if (log.address.toLowerCase() !== pool.address.toLowerCase()) continue
    try {
      const ev = decodeEventLog({ abi: uniswapV3PoolAbi, data: log.data, topics: log.topics })
      if (ev.eventName === 'Mint') {
        amount0 = ev.args.amount0
        amount1 = ev.args.amount1
      }
    } catch {}
  }
  const range: UniswapRange = {
    label: params.label,
    tickLower,
    tickUpper,
    liquidity,
    amount0,
    amount1,
    owner: params.from,
  }
  pool.ranges.push(range)
  return range
}

/** Parameters of {@link swapExactInput}. */
export interface SwapExactInputParams {
  /** Trader: pays `amountIn` (approved to the helper here) and receives the output by default. */
  from: Address
  /** Pool address; the deployment's first pool when omitted. */
  pool?: Address
  /** Symbol or address of the token sold. */
  tokenIn: string
  /** Raw units sold. */
  amountIn: bigint
  /** Reverts below this output (raw units). Default 0. */
  minAmountOut?: bigint
  recipient?: Address
  /** Mint `amountIn` to the trader first (devchain test tokens). Default false. */
  mint?: boolean
}

/** Outcome of a devchain swap. */
export interface SwapResult {
  amountIn: bigint
  amountOut: bigint
  sqrtPriceX96Before: bigint
  sqrtPriceX96After: bigint
  tickAfter: number
  /** Base price in the quote asset (e.g. USDC per WETH, float) before and after. */
  basePriceBefore: number
  basePriceAfter: number
  blockNumber: bigint
}

/**
 * Sells exactly `amountIn` of `tokenIn` into a devchain pool by a REAL `swap` through OUR helper
 * (IUniswapV3SwapCallback pays from the trader's approved balance), with no price limit.
 */
export async function swapExactInput(
  clients: DevchainClients,
  uni: DeployedUniswapV3,
  params: SwapExactInputParams,
): Promise<SwapResult> {
  const pool = poolOf(uni, params.pool)
  const t = params.tokenIn.toLowerCase()
  const zeroForOne = t === pool.token0.toLowerCase() || t === pool.token0Symbol.toLowerCase()
  if (!zeroForOne && t !== pool.token1.toLowerCase() && t !== pool.token1Symbol.toLowerCase())
    throw new Error(`${params.tokenIn} is not a token of pool ${pool.address}`)
  const tokenIn = zeroForOne ? pool.token0 : pool.token1
  if (params.mint)
    await send(clients, {
      from: params.from,
      address: tokenIn,
      abi: tokenAbi,
      functionName: 'mint',
      args: [params.from, params.amountIn],
    })
  await ensureAllowance(clients, tokenIn, params.from, uni.helper, params.amountIn)
  const [before] = await clients.public.readContract({
    address: pool.address,
    abi: uniswapV3PoolAbi,
    functionName: 'slot0',
  })
  const receipt = await send(clients, {
    from: params.from,
    address: uni.helper,
    abi: uniswapLiquidityHelperAbi,
    functionName: 'swapExactInput',
    args: [
      pool.address,
      zeroForOne,
      params.amountIn,
      params.minAmountOut ?? 0n,
      params.recipient ?? params.from,
    ],
  })
  let amountOut: bigint | undefined
  let after: bigint | undefined
  let tickAfter = 0
  for (const log of receipt.logs) {
    try {
      if (log.address.toLowerCase() === uni.helper.toLowerCase()) {
        const ev = decodeEventLog({ abi: uniswapLiquidityHelperAbi, data: log.data, topics: log.topics })
        if (ev.eventName === 'Swapped') amountOut = ev.args.amountOut
      } else if (log.address.toLowerCase() === pool.address.toLowerCase()) {
        const ev = decodeEventLog({ abi: uniswapV3PoolAbi, data: log.data, topics: log.topics })
        if (ev.eventName === 'Swap') {
          after = ev.args.sqrtPriceX96
          tickAfter = ev.args.tick
        }
      }
    } catch {}
  }
  if (amountOut === undefined || after === undefined) throw new Error('swap emitted no Swap event')
  return {
    amountIn: params.amountIn,
    amountOut,
    sqrtPriceX96Before: before,
    sqrtPriceX96After: after,
    tickAfter,
    basePriceBefore: basePriceOfPool(pool, before),
    basePriceAfter: basePriceOfPool(pool, after),
    blockNumber: receipt.blockNumber,
  }
}
