/**
 * Devchain tests of the REAL Uniswap v3 pool (@uniswap/v3-core 1.0.1 factory + pool bytecode,
 * liquidity and swaps through OUR UniswapLiquidityHelper) and of the borrower population (OUR
 * BorrowerFactory opening real Aave v3 and Morpho Blue positions from borrower contracts):
 * - the pool is initialized at the oracle's 3,000 USDC per WETH (sqrtPriceX96 checked against a
 *   hand computation: floor(sqrt(1e12 / 3000 * 2^192)) when USDC is token0), its ranges are
 *   initialized ticks with liquidityNet = +-L and set bits in tickBitmap;
 * - a real 100 WETH sale moves the price down, and more liquidity makes the same sale move it less;
 * - every population borrower's on-chain health factor (Aave getUserAccountData; Morpho from
 *   position(), market() and the market oracle, Morpho.sol `_isHealthy`'s terms) is within 1% of the
 *   intended one, the spread covers the intended range, and the Aave/Morpho Borrow logs name
 *   exactly the population's addresses.
 * Deployed on top of the standard test devchain (not hooked into deployDevchain yet).
 */
import { type Address, type Hex, parseAbi, parseAbiItem } from 'viem'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DEVCHAIN_TOKENS } from '../../src/devchain/deploy-aave.js'
import {
  addUniswapLiquidity,
  basePriceOfPool,
  type DeployedUniswapV3,
  deployUniswapV3,
  swapExactInput,
  uniswapV3PoolAbi,
} from '../../src/devchain/deploy-uniswap.js'
import {
  aaveHealthFactorFloor,
  type PopulationAaveInput,
  type PopulationMorphoInput,
  populationManifest,
  type SeededPopulation,
  seedBorrowerPopulation,
} from '../../src/devchain/population.js'
import { morphoAbi } from '../../src/protocols/morpho-blue/read.js'
import { uniswapV3Depth } from '../../src/risk/depth.js'
import { startTestDevchain, type TestDevchain } from '../helpers/devchain.js'

let t: TestDevchain
let uni: DeployedUniswapV3
let population: SeededPopulation
let aaveInput: PopulationAaveInput
let morphoInput: PopulationMorphoInput

const E18 = 10n ** 18n
const Q192 = 2n ** 192n
const accountDataAbi = parseAbi([
  'function getUserAccountData(address user) view returns (uint256 totalCollateralBase, uint256 totalDebtBase, uint256 availableBorrowsBase, uint256 currentLiquidationThreshold, uint256 ltv, uint256 healthFactor)',
])
const oracleAbi = parseAbi(['function price() view returns (uint256)'])
const erc20Abi = parseAbi(['function balanceOf(address) view returns (uint256)'])
const aaveBorrowEvent = parseAbiItem(
  'event Borrow(address indexed reserve, address user, address indexed onBehalfOf, uint256 amount, uint8 interestRateMode, uint256 borrowRate, uint16 indexed referralCode)',
)
const morphoBorrowEvent = parseAbiItem(
  'event Borrow(bytes32 indexed id, address caller, address indexed onBehalf, address indexed receiver, uint256 assets, uint256 shares)',
)

beforeAll(async () => {
  t = await startTestDevchain()
  const m = t.manifest
  aaveInput = {
    pool: m.aaveV3.pool as Address,
    oracle: m.aaveV3.oracle as Address,
    tokens: m.tokens.map((x) => ({ symbol: x.symbol, address: x.address as Address, decimals: x.decimals })),
  }
  morphoInput = {
    morpho: m.morphoBlue!.morpho as Address,
    markets: m.morphoBlue!.markets.map((x) => ({
      key: x.key,
      loanSymbol: x.loanSymbol,
      collateralSymbol: x.collateralSymbol,
      params: {
        loanToken: x.loanToken as Address,
        collateralToken: x.collateralToken as Address,
        oracle: x.oracle as Address,
        irm: x.irm as Address,
        lltv: BigInt(x.lltv),
      },
    })),
  }
  uni = await deployUniswapV3(t.clients, aaveInput, m.admin.address as Address, {
    liquidityProvider: m.accounts.liquidityProvider as Address,
  })
  population = await seedBorrowerPopulation(t.clients, aaveInput, morphoInput, { count: 600, seed: 7 })
  console.log(
    `population: ${population.summary.count} borrowers, ${population.summary.transactions} txs, ${population.summary.seconds.toFixed(2)} s; HF ${population.summary.healthFactor.min.toFixed(3)}..${population.summary.healthFactor.max.toFixed(3)}`,
  )
})
afterAll(async () => {
  await t?.devchain.stop()
})

const pool = () => uni.pools[0]!
const trader = () => t.manifest.accounts.swapDesk as Address
const slot0 = () =>
  t.client.readContract({ address: pool().address, abi: uniswapV3PoolAbi, functionName: 'slot0' })
const sell = (weth: bigint, u: DeployedUniswapV3 = uni) =>
  swapExactInput(t.clients, u, { from: trader(), tokenIn: 'WETH', amountIn: weth * E18, mint: true })

describe('Uniswap v3 WETH/USDC pool (real v3-core bytecode)', () => {
  it('is initialized at the oracle price, 3,000 USDC per WETH, within one tick', async () => {
    const p = pool()
    expect(BigInt(p.token0) < BigInt(p.token1)).toBe(true)
    const [sqrtPriceX96, tick] = await slot0()
    // Hand computation: raw token1-per-token0 price and its exact integer sqrt * 2^96.
    const usdcIs0 = p.token0Symbol === 'USDC'
    const [num, den] = usdcIs0 ? [10n ** 18n, 3000n * 10n ** 6n] : [3000n * 10n ** 6n, 10n ** 18n]
    const n = (num * Q192) / den
    expect(sqrtPriceX96 * sqrtPriceX96 <= n && (sqrtPriceX96 + 1n) ** 2n > n).toBe(true)
    expect(sqrtPriceX96).toBe(p.initialSqrtPriceX96)
    const expectedTick = Math.log(Number(num) / Number(den)) / Math.log(1.0001)
    expect(Math.abs(tick - expectedTick)).toBeLessThanOrEqual(1)
    expect(basePriceOfPool(p, sqrtPriceX96)).toBeCloseTo(3000, 6)
    expect(p.fee).toBe(3000)
    expect(p.tickSpacing).toBe(60)
  })

  it('has its minted ranges as initialized ticks (liquidityNet = +-L, tickBitmap bits set)', async () => {
    const p = pool()
    expect(p.ranges.length).toBeGreaterThanOrEqual(3)
    const [, tick] = await slot0()
    const active = await t.client.readContract({
      address: p.address,
      abi: uniswapV3PoolAbi,
      functionName: 'liquidity',
    })
    expect(active).toBe(
      p.ranges.filter((r) => r.tickLower <= tick && tick < r.tickUpper).reduce((s, r) => s + r.liquidity, 0n),
    )
    for (const r of p.ranges) {
      expect(r.tickLower % p.tickSpacing).toBe(0)
      expect(r.tickUpper % p.tickSpacing).toBe(0)
      for (const [edge, net] of [
        [r.tickLower, r.liquidity],
        [r.tickUpper, -r.liquidity],
      ] as const) {
        const [gross, liquidityNet, , , , , , initialized] = await t.client.readContract({
          address: p.address,
          abi: uniswapV3PoolAbi,
          functionName: 'ticks',
          args: [edge],
        })
        expect(initialized).toBe(true)
        expect(gross).toBe(r.liquidity)
        expect(liquidityNet).toBe(net)
        const compressed = Math.floor(edge / p.tickSpacing)
        const word = await t.client.readContract({
          address: p.address,
          abi: uniswapV3PoolAbi,
          functionName: 'tickBitmap',
          args: [compressed >> 8],
        })
        expect((word >> BigInt(compressed & 255)) & 1n).toBe(1n)
      }
    }
  })

  it('a real 100 WETH sale moves the price down; the pool price after matches the Swap event', async () => {
    await t.isolated(async () => {
      const usdc = t.manifest.tokens.find((x) => x.symbol === 'USDC')!.address as Address
      const before = await t.client.readContract({
        address: usdc,
        abi: erc20Abi,
        functionName: 'balanceOf',
        args: [trader()],
      })
      const r = await sell(100n)
      const [sqrtAfter, tickAfter] = await slot0()
      expect(sqrtAfter).toBe(r.sqrtPriceX96After)
      expect(tickAfter).toBe(r.tickAfter)
      const priceAfter = basePriceOfPool(pool(), sqrtAfter)
      expect(priceAfter).toBeLessThan(3000)
      expect(priceAfter).toBeGreaterThan(2800)
      // Proceeds: below 100 * 3,000 less the 0.3% fee, above 100 * the final price less the fee.
      const out = Number(r.amountOut) / 1e6
      expect(out).toBeLessThan(300_000 * 0.997)
      expect(out).toBeGreaterThan(100 * priceAfter * 0.997)
      const after = await t.client.readContract({
        address: usdc,
        abi: erc20Abi,
        functionName: 'balanceOf',
        args: [trader()],
      })
      expect(after - before).toBe(r.amountOut)
    })
  })

  it('depth: selling 300 WETH moves the price several percent; more liquidity means less impact', async () => {
    const impact: Record<string, number> = {}
    for (const size of [100n, 300n, 1000n]) {
      impact[String(size)] = await t.isolated(async () => {
        const r = await sell(size)
        return 1 - r.basePriceAfter / r.basePriceBefore
      })
    }
    console.log(
      `Uniswap depth: price impact of selling 100/300/1000 WETH: ${Object.values(impact)
        .map((x) => `${(x * 100).toFixed(2)}%`)
        .join(' / ')}`,
    )
    expect(impact['300']).toBeGreaterThan(0.02)
    expect(impact['300']).toBeLessThan(0.1)
    expect(impact['1000']).toBeGreaterThan(impact['300']!)
    // Anchor of the risk model: src/risk/depth.ts's float replay of this pool (state read from chain)
    // against the real swaps above.
    const p = pool()
    const [sqrtPriceX96, tick] = await slot0()
    const liquidity = await t.client.readContract({
      address: p.address,
      abi: uniswapV3PoolAbi,
      functionName: 'liquidity',
    })
    const edges = [...new Set(p.ranges.flatMap((r) => [r.tickLower, r.tickUpper]))]
    const ticks = await Promise.all(
      edges.map(async (edge) => {
        const [, liquidityNet] = await t.client.readContract({
          address: p.address,
          abi: uniswapV3PoolAbi,
          functionName: 'ticks',
          args: [edge],
        })
        return { tick: edge, liquidityNet }
      }),
    )
    const model = uniswapV3Depth({
      sqrtPriceX96,
      liquidity,
      tick,
      tickSpacing: p.tickSpacing,
      ticks,
      assetIsToken0: p.token0Symbol === 'WETH',
      decimals0: p.decimals0,
      decimals1: p.decimals1,
      feePips: p.fee,
    })
    let worst = 0
    for (const size of [100, 300, 1000]) {
      const modelImpact = 1 - model.impactFactor(size)
      worst = Math.max(worst, Math.abs(modelImpact / impact[String(size)]! - 1))
    }
    console.log(
      `src/risk/depth.ts uniswapV3Depth vs real swaps: worst relative impact error ${worst.toExponential(2)}`,
    )
    expect(worst).toBeLessThan(1e-8)
    const deeper = await t.isolated(async () => {
      const copy = structuredClone(uni)
      await addUniswapLiquidity(t.clients, copy, {
        from: t.manifest.accounts.liquidityProvider as Address,
        label: 'extra +-5%',
        lowerMultiplier: 0.95,
        upperMultiplier: 1.05,
        valueUsd: 5_000_000,
      })
      const r = await sell(100n, copy)
      return 1 - r.basePriceAfter / r.basePriceBefore
    })
    expect(deeper).toBeGreaterThan(0)
    expect(deeper).toBeLessThan(impact['100']! / 2)
  })
})

describe('borrower population (real Aave v3 and Morpho Blue positions from borrower contracts)', () => {
  it('opens the requested number of distinct contract borrowers quickly', async () => {
    const b = population.borrowers
    expect(b.length).toBe(600)
    expect(new Set(b.map((x) => x.address.toLowerCase())).size).toBe(600)
    expect(population.summary.seconds).toBeLessThan(10)
    const json = JSON.parse(JSON.stringify(populationManifest(population, { includeBorrowers: true })))
    expect(json.count).toBe(600)
    expect(json.borrowers).toHaveLength(600)
    for (const x of [b[0]!, b[299]!, b[599]!]) {
      const code = await t.client.getCode({ address: x.address })
      expect(code && code.length > 2).toBe(true)
    }
    expect(Object.keys(population.summary.byMarket).sort()).toEqual([
      'aave:wbtc-usdc',
      'aave:weth+wbtc-usdc',
      'aave:weth-usdc',
      'aave:wsteth-usdc',
      'morpho:wbtc-usdc',
      'morpho:weth-usdc',
      'morpho:wsteth-weth',
    ])
  })

  it('each Aave borrower: getUserAccountData health factor within 1% of the intended one', async () => {
    const aave = population.borrowers.filter((b) => b.protocol === 'aave-v3')
    expect(aave.length).toBeGreaterThan(300)
    const results = await Promise.all(
      aave.map((b) =>
        t.client.readContract({
          address: aaveInput.pool,
          abi: accountDataAbi,
          functionName: 'getUserAccountData',
          args: [b.address],
        }),
      ),
    )
    let worst = 0
    for (const [i, b] of aave.entries()) {
      const hf = Number(results[i]![5]) / 1e18
      worst = Math.max(worst, Math.abs(hf / b.intendedHealthFactor - 1))
      expect(Math.abs(hf / b.intendedHealthFactor - 1)).toBeLessThan(0.01)
      const shares = b.collateral.map((c) => ({ symbol: c.symbol, weight: 1 }))
      // A fresh borrow respects the LTV: never below the LT/LTV floor of its (single) collateral.
      if (shares.length === 1) expect(hf).toBeGreaterThanOrEqual(aaveHealthFactorFloor(shares) * 0.999)
    }
    console.log(`Aave population: worst relative HF deviation ${worst.toExponential(2)}`)
  })

  it('each Morpho borrower: HF from position(), market() and the oracle within 1% of the intended one', async () => {
    const morpho = population.borrowers.filter((b) => b.protocol === 'morpho-blue')
    expect(morpho.length).toBeGreaterThan(100)
    const markets = new Map<
      string,
      { price: bigint; totalBorrowAssets: bigint; totalBorrowShares: bigint; lltv: bigint }
    >()
    for (const m of morphoInput.markets) {
      const id = morpho.find((b) => b.market === `morpho:${m.key}`)?.morphoMarketId
      if (!id) continue
      const [, , totalBorrowAssets, totalBorrowShares] = await t.client.readContract({
        address: morphoInput.morpho,
        abi: morphoAbi,
        functionName: 'market',
        args: [id],
      })
      const price = await t.client.readContract({
        address: m.params.oracle,
        abi: oracleAbi,
        functionName: 'price',
      })
      markets.set(id, { price, totalBorrowAssets, totalBorrowShares, lltv: m.params.lltv })
    }
    const positions = await Promise.all(
      morpho.map((b) =>
        t.client.readContract({
          address: morphoInput.morpho,
          abi: morphoAbi,
          functionName: 'position',
          args: [b.morphoMarketId as Hex, b.address],
        }),
      ),
    )
    let worst = 0
    for (const [i, b] of morpho.entries()) {
      const [, borrowShares, collateral] = positions[i]!
      const m = markets.get(b.morphoMarketId!)!
      expect(collateral).toBe(b.collateral[0]!.amount)
      // Morpho.sol _isHealthy: borrowed = toAssetsUp(shares); maxBorrow = wMulDown(mulDivDown(c, price, 1e36), lltv).
      const d = m.totalBorrowShares + 1_000_000n
      const borrowed = (borrowShares * (m.totalBorrowAssets + 1n) + d - 1n) / d
      const maxBorrow = (((collateral * m.price) / 10n ** 36n) * m.lltv) / E18
      const hf = Number((maxBorrow * E18) / borrowed) / 1e18
      worst = Math.max(worst, Math.abs(hf / b.intendedHealthFactor - 1))
      expect(Math.abs(hf / b.intendedHealthFactor - 1)).toBeLessThan(0.01)
    }
    console.log(`Morpho population: worst relative HF deviation ${worst.toExponential(2)}`)
  })

  it('spreads health factors over the intended range', () => {
    const hfs = population.borrowers.map((b) => b.intendedHealthFactor)
    expect(Math.min(...hfs)).toBeGreaterThanOrEqual(1.02)
    expect(Math.min(...hfs)).toBeLessThan(1.05)
    expect(Math.max(...hfs)).toBeLessThanOrEqual(3)
    expect(Math.max(...hfs)).toBeGreaterThan(2.8)
    const below12 = hfs.filter((x) => x < 1.2).length
    const above2 = hfs.filter((x) => x > 2).length
    expect(below12).toBeGreaterThan(40)
    expect(above2).toBeGreaterThan(100)
    const morphoMin = Math.min(
      ...population.borrowers.filter((b) => b.protocol === 'morpho-blue').map((b) => b.intendedHealthFactor),
    )
    expect(morphoMin).toBeLessThan(1.03)
  })

  it('the Aave and Morpho Borrow logs name exactly the population addresses', async () => {
    const { fromBlock, toBlock } = population.summary
    const aaveLogs = await t.client.getLogs({
      address: aaveInput.pool,
      event: aaveBorrowEvent,
      fromBlock,
      toBlock,
    })
    const aave = population.borrowers.filter((b) => b.protocol === 'aave-v3')
    expect(aaveLogs.length).toBe(aave.length)
    for (const log of aaveLogs) expect(log.args.user).toBe(log.args.onBehalfOf)
    expect(new Set(aaveLogs.map((l) => l.args.onBehalfOf!.toLowerCase()))).toEqual(
      new Set(aave.map((b) => b.address.toLowerCase())),
    )
    const morphoLogs = await t.client.getLogs({
      address: morphoInput.morpho,
      event: morphoBorrowEvent,
      fromBlock,
      toBlock,
    })
    const morpho = population.borrowers.filter((b) => b.protocol === 'morpho-blue')
    expect(new Set(morphoLogs.map((l) => l.args.onBehalf!.toLowerCase()))).toEqual(
      new Set(morpho.map((b) => b.address.toLowerCase())),
    )
    const debtUsd = population.summary.debtUsd
    expect(debtUsd).toBeGreaterThan(0)
    expect(DEVCHAIN_TOKENS.find((x) => x.symbol === 'WETH')!.priceUsd).toBe(3000)
  })
})
