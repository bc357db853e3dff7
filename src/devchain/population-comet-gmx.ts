/**
 * The devchain's Comet and GMX v2 populations: borrowers of the Comet double and long and short
 * positions in the GMX Reader double (both TEST DOUBLES speaking the real ABIs, see
 * deploy-comet.ts and deploy-gmx.ts), written by their admin's setters (no tokens move), with
 * spread distances to liquidation, so a chain-wide cascade on `local` spans every protocol. The
 * holders are deterministic addresses with no key (nothing signs for them: the doubles' admin
 * writes their positions), `keccak256("stacklens:<kind>-population:<i>")`.
 */
import { type Address, getAddress, keccak256, parseAbi, toHex } from 'viem'
import { cometDoubleAbi } from './contracts/CometDouble.artifact.js'
import { gmxReaderDoubleAbi } from './contracts/GmxReaderDouble.artifact.js'
import type { CometManifest, DevchainManifest, GmxManifest } from './manifest.js'
import { type DevchainClients, nextNonce, type PendingTx, submit, waitAll } from './tx.js'

/** Options of {@link seedCometGmxPopulation}. */
export interface SeedCometGmxPopulationOptions {
  /** Comet borrowers. Default 60. */
  comet?: number
  /** GMX positions (alternately long and short; every fifth on BTC/USD). Default 60. */
  gmx?: number
  /** PRNG seed. Default 17. */
  seed?: number
  progress?: (message: string) => void
}

/** What {@link seedCometGmxPopulation} seeded (the manifest's `populationCometGmx`). */
export interface CometGmxPopulation {
  comet: { market: string; count: number }
  gmx: { count: number; longs: number; shorts: number; byMarket: Record<string, number> }
  fromBlock: number
  toBlock: number
}

const feedAbi = parseAbi([
  'function latestRoundData() view returns (uint80, int256, uint256, uint256, uint80)',
])

/** mulberry32, uniform in [0, 1). */
function prng(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

const logUniform = (r: number, lo: number, hi: number) =>
  Math.exp(Math.log(lo) + r * (Math.log(hi) - Math.log(lo)))

/** The deterministic holder `i` of a population kind. */
export function populationHolder(kind: 'comet' | 'gmx', i: number): Address {
  return getAddress(`0x${keccak256(toHex(`stacklens:${kind}-population:${i}`)).slice(-40)}`)
}

/** Raw units of `amount` whole tokens (float) with `decimals`, rounded down. */
const raw = (amount: number, decimals: number) => {
  const digits = Math.min(decimals, 12)
  return BigInt(Math.floor(amount * 10 ** digits)) * 10n ** BigInt(decimals - digits)
}

/**
 * Seeds the Comet and GMX populations on a deployed devchain (its Comet double and GMX double
 * from `manifest`), at the feeds' current prices:
 * - Comet borrowers: WETH (50%), wstETH (25%) or WETH + WBTC (25%) collateral worth 2,000 to
 *   150,000 USD, USDC debt for a liquidation-side health factor sum(value x liquidateCF) / debt
 *   drawn log-uniformly in [LCF/BCF x 1.001, 1.8] (a fresh Comet borrow must respect the borrow
 *   collateral factor; lower health comes from moving prices);
 * - GMX positions: sizes 5,000 to 200,000 USD at 3x to 25x on USDC collateral, at the index
 *   price, fees 0.1% and price impact -0.05% of size: longs liquidated 4% to 32% below the price,
 *   shorts as far above it.
 * Transactions from the admin with explicit nonces, waited for at the end.
 */
export async function seedCometGmxPopulation(
  clients: DevchainClients,
  manifest: Pick<DevchainManifest, 'admin' | 'tokens'>,
  comet: CometManifest,
  gmx: GmxManifest,
  options: SeedCometGmxPopulationOptions = {},
): Promise<CometGmxPopulation> {
  const progress = options.progress ?? (() => {})
  const rand = prng(options.seed ?? 17)
  const admin = manifest.admin.address as Address
  const token = (symbol: string) => {
    const t = manifest.tokens.find((x) => x.symbol === symbol)
    if (!t) throw new Error(`the devchain has no token ${symbol}`)
    return t
  }
  const price = new Map<string, number>()
  for (const symbol of ['WETH', 'WBTC', 'wstETH', 'USDC']) {
    const [, answer] = await clients.public.readContract({
      address: token(symbol).priceFeed.address as Address,
      abi: feedAbi,
      functionName: 'latestRoundData',
    })
    price.set(symbol, Number(answer) / 1e8)
  }
  const fromBlock = Number(await clients.public.getBlockNumber({ cacheTime: 0 }))
  let nonce = await nextNonce(clients, admin)
  const pending: PendingTx[] = []
  const send = async (
    address: Address,
    abi: typeof cometDoubleAbi | typeof gmxReaderDoubleAbi,
    functionName: string,
    args: readonly unknown[],
  ) => {
    pending.push(
      await submit(clients, { from: admin, address, abi, functionName, args, nonce: nonce++ } as never),
    )
  }

  const c = comet.comets[0]!
  const assetOf = (symbol: string) => {
    const a = c.assets.find((x) => x.symbol === symbol)
    if (!a) throw new Error(`the Comet double has no ${symbol}`)
    return { lcf: Number(a.liquidateCollateralFactor) / 1e18, bcf: Number(a.borrowCollateralFactor) / 1e18 }
  }
  const cometCount = options.comet ?? 60
  progress(`seeding ${cometCount} Compound v3 borrowers (Comet double)`)
  for (let i = 0; i < cometCount; i++) {
    const mix = i % 4 === 0 ? ['WETH', 'WBTC'] : i % 4 === 1 ? ['wstETH'] : ['WETH']
    const valueUsd = logUniform(rand(), 2_000, 150_000)
    const shares = mix.length === 1 ? [1] : [0.6, 0.4]
    let liquidation = 0
    let borrow = 0
    const holder = populationHolder('comet', i)
    for (const [k, symbol] of mix.entries()) {
      const usd = valueUsd * shares[k]!
      const f = assetOf(symbol)
      liquidation += usd * f.lcf
      borrow += usd * f.bcf
      await send(c.comet as Address, cometDoubleAbi, 'setCollateral', [
        holder,
        token(symbol).address,
        raw(usd / price.get(symbol)!, token(symbol).decimals),
      ])
    }
    const hf = logUniform(rand(), (liquidation / borrow) * 1.001, 1.8)
    const debtUsd = liquidation / hf
    await send(c.comet as Address, cometDoubleAbi, 'setBorrowBalance', [
      holder,
      raw(debtUsd / price.get('USDC')!, token('USDC').decimals),
    ])
  }

  const gmxCount = options.gmx ?? 60
  progress(`seeding ${gmxCount} GMX v2 positions (Reader double)`)
  const usd30 = (x: number) => BigInt(Math.round(x * 1e6)) * 10n ** 24n
  const byMarket: Record<string, number> = {}
  let longs = 0
  for (let i = 0; i < gmxCount; i++) {
    const isLong = i % 2 === 0
    const market = gmx.markets.find((m) => m.key === (i % 5 === 4 ? 'BTC/USD' : 'ETH/USD'))!
    const index = manifest.tokens.find((t) => t.address.toLowerCase() === market.indexToken.toLowerCase())!
    const sizeUsd = logUniform(rand(), 5_000, 200_000)
    const leverage = logUniform(rand(), 3, 25)
    const usdc = token('USDC')
    await send(gmx.reader as Address, gmxReaderDoubleAbi, 'setPosition', [
      populationHolder('gmx', i),
      market.marketToken,
      usdc.address,
      isLong,
      usd30(sizeUsd),
      raw(sizeUsd / price.get(index.symbol)!, index.decimals),
      raw(sizeUsd / leverage / price.get('USDC')!, usdc.decimals),
      usd30(sizeUsd * 0.001),
      -usd30(sizeUsd * 0.0005),
    ])
    byMarket[market.key] = (byMarket[market.key] ?? 0) + 1
    if (isLong) longs++
  }
  await waitAll(pending)
  return {
    comet: { market: c.marketId, count: cometCount },
    gmx: { count: gmxCount, longs, shorts: gmxCount - longs, byMarket },
    fromBlock: fromBlock + 1,
    toBlock: Number(await clients.public.getBlockNumber({ cacheTime: 0 })),
  }
}
