import {
  type Abi,
  type Address,
  type ContractFunctionName,
  decodeEventLog,
  type Hex,
  maxUint256,
  parseAbi,
} from 'viem'
import { borrowerFactoryAbi, borrowerFactoryBytecode } from './contracts/BorrowerFactory.artifact.js'
import { DEVCHAIN_TOKENS } from './deploy-aave.js'
import { type MorphoMarketParams, morphoMarketId } from './deploy-morpho.js'
import {
  type DevchainClients,
  deploy,
  nextNonce,
  type PendingTx,
  type SendParams,
  submit,
  waitAll,
} from './tx.js'

/** The Aave market the population borrows on: a `DeployedAave` or a manifest's fields fit. */
export interface PopulationAaveInput {
  pool: Address
  /** AaveOracle (`getAssetPrice`, USD with 8 decimals). */
  oracle: Address
  tokens: readonly { symbol: string; address: Address; decimals: number }[]
}

/** The Morpho deployment the population borrows on: a `DeployedMorpho` fits. */
export interface PopulationMorphoInput {
  morpho: Address
  markets: readonly {
    key: string
    loanSymbol: string
    collateralSymbol: string
    params: MorphoMarketParams
  }[]
}

/** A population market: where a borrower's position is, what it posts and what it owes. */
export interface PopulationMarketSpec {
  /** `aave:<collaterals>-<debt>` or `morpho:<morpho market key>`. */
  key: string
  protocol: 'aave-v3' | 'morpho-blue'
  collaterals: readonly string[]
  debt: string
  /** Share of the population (weights are normalized). */
  weight: number
}

/**
 * The default mix: Aave WETH, wstETH, WBTC and WETH+WBTC against USDC (70%), Morpho WETH/USDC,
 * WBTC/USDC and wstETH/WETH (30%).
 */
export const POPULATION_MARKETS: readonly PopulationMarketSpec[] = [
  { key: 'aave:weth-usdc', protocol: 'aave-v3', collaterals: ['WETH'], debt: 'USDC', weight: 0.3 },
  { key: 'aave:wsteth-usdc', protocol: 'aave-v3', collaterals: ['wstETH'], debt: 'USDC', weight: 0.12 },
  { key: 'aave:wbtc-usdc', protocol: 'aave-v3', collaterals: ['WBTC'], debt: 'USDC', weight: 0.12 },
  {
    key: 'aave:weth+wbtc-usdc',
    protocol: 'aave-v3',
    collaterals: ['WETH', 'WBTC'],
    debt: 'USDC',
    weight: 0.16,
  },
  { key: 'morpho:weth-usdc', protocol: 'morpho-blue', collaterals: ['WETH'], debt: 'USDC', weight: 0.18 },
  { key: 'morpho:wbtc-usdc', protocol: 'morpho-blue', collaterals: ['WBTC'], debt: 'USDC', weight: 0.06 },
  { key: 'morpho:wsteth-weth', protocol: 'morpho-blue', collaterals: ['wstETH'], debt: 'WETH', weight: 0.06 },
]

/** Anvil account index whose address owns the population (factory owner, receives the loans). */
export const POPULATION_OWNER_ACCOUNT_INDEX = 19

/** Options of {@link seedBorrowerPopulation}. */
export interface SeedBorrowerPopulationOptions {
  /** Number of borrowers. Default 600. */
  count?: number
  /** PRNG seed: the same seed on the same deployment gives the same population. Default 1. */
  seed?: number
  /** Intended health factors are drawn log-uniformly from this range. Default [1.02, 3.0]. */
  healthFactorRange?: readonly [number, number]
  /** Position size (collateral value, USD) drawn log-uniformly from this range. Default [1e3, 2.5e5]. */
  collateralUsdRange?: readonly [number, number]
  markets?: readonly PopulationMarketSpec[]
  /** Owner of the factory and receiver of the borrowed tokens; anvil account 19 by default. */
  owner?: Address
  /** Borrowers per transaction (each tx stays under tx.ts's 12M gas). Defaults by market kind. */
  batchSize?: { aave?: number; aaveMulti?: number; morpho?: number }
  progress?: (message: string) => void
}

/** One seeded borrower: a contract account holding a real position. */
export interface PopulationBorrower {
  address: Address
  protocol: 'aave-v3' | 'morpho-blue'
  /** Population market key (see {@link POPULATION_MARKETS}). */
  market: string
  /** Morpho market id (bytes32), for Morpho borrowers. */
  morphoMarketId?: Hex
  collateral: { symbol: string; amount: bigint }[]
  debt: { symbol: string; amount: bigint }
  /** Health factor aimed at when opened, at the devchain prices of that block (float). */
  intendedHealthFactor: number
  /** Collateral value when opened, USD (float). */
  collateralUsd: number
}

/** Totals of a seeded population. */
export interface PopulationSummary {
  count: number
  byMarket: Record<string, number>
  healthFactor: { min: number; median: number; max: number }
  /** Collateral and debt value when opened, USD (float). */
  collateralUsd: number
  debtUsd: number
  /** Collateral posted per asset, whole tokens (float). */
  collateralUnits: Record<string, number>
  transactions: number
  /** Wall-clock seconds of the whole seeding (funding, factory, all batches). */
  seconds: number
  fromBlock: bigint
  toBlock: bigint
}

/** A seeded borrower population. */
export interface SeededPopulation {
  factory: Address
  owner: Address
  borrowers: PopulationBorrower[]
  summary: PopulationSummary
}

const tokenAbi = parseAbi([
  'function mint(address account, uint256 value) returns (bool)',
  'function approve(address spender, uint256 value) returns (bool)',
])
const oracleAbi = parseAbi(['function getAssetPrice(address asset) view returns (uint256)'])
const morphoOracleAbi = parseAbi(['function price() view returns (uint256)'])
const aaveSupplyAbi = parseAbi([
  'function supply(address asset, uint256 amount, address onBehalfOf, uint16 referralCode)',
])
const morphoSupplyAbi = parseAbi([
  'function supply((address loanToken, address collateralToken, address oracle, address irm, uint256 lltv) marketParams, uint256 assets, uint256 shares, address onBehalf, bytes data) returns (uint256, uint256)',
])

/** mulberry32: a small deterministic PRNG, uniform in [0, 1). */
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

const logUniform = (rand: () => number, lo: number, hi: number) =>
  Math.exp(Math.log(lo) + rand() * (Math.log(hi) - Math.log(lo)))

function specOf(symbol: string) {
  const s = DEVCHAIN_TOKENS.find((t) => t.symbol === symbol)
  if (!s) throw new Error(`no devchain reserve ${symbol}`)
  return s
}

/**
 * The lowest health factor a fresh Aave borrow against these collateral weights (USD shares) can
 * have: sum(w * LT) / sum(w * LTV) (the borrow must respect the LTV, the HF uses the LT).
 */
export function aaveHealthFactorFloor(collaterals: readonly { symbol: string; weight: number }[]): number {
  let lt = 0
  let ltv = 0
  for (const c of collaterals) {
    lt += c.weight * specOf(c.symbol).liquidationThresholdBps
    ltv += c.weight * specOf(c.symbol).ltvBps
  }
  return lt / ltv
}

/** Counts per market by largest remainder, so the mix is exact for any `count`. */
function allocate(markets: readonly PopulationMarketSpec[], count: number): number[] {
  const total = markets.reduce((s, m) => s + m.weight, 0)
  const exact = markets.map((m) => (m.weight / total) * count)
  const counts = exact.map(Math.floor)
  const order = exact.map((x, i) => [x - Math.floor(x), i] as const).sort((a, b) => b[0] - a[0])
  for (let k = 0; counts.reduce((s, c) => s + c, 0) < count; k++) counts[order[k % order.length]![1]]!++
  return counts
}

interface Planned {
  tag: number
  market: PopulationMarketSpec
  collateral: { symbol: string; amount: bigint }[]
  debt: bigint
  hf: number
  collateralUsd: number
}

const HF_SCALE = 1_000_000n

/**
 * Seeds a population of borrowers with SPREAD health factors by REAL transactions: OUR
 * BorrowerFactory deploys a batch of borrower contracts per transaction, each of which, in its
 * constructor, supplies its collateral to Aave v3 (or posts it on Morpho Blue) on its own behalf
 * and borrows against it (the loan goes to `owner`). Amounts are computed off-chain from the
 * intended health factor at the current oracle prices (AaveOracle, the Morpho market oracles).
 *
 * Reachable health factors: a fresh Aave borrow cannot go below LT/LTV (WETH 1.031, wstETH 1.032,
 * WBTC 1.068; WETH+WBTC in between), so Aave targets are drawn from [max(lo, floor*1.001), hi];
 * Morpho's floor is 1, so its targets use the whole range. Lower health factors come from moving
 * prices afterwards (the SettablePriceFeeds). The loan liquidity (Aave USDC, Morpho loan tokens)
 * is supplied by `owner` first, so the population never drains the demo wallets' markets.
 */
export async function seedBorrowerPopulation(
  clients: DevchainClients,
  aave: PopulationAaveInput,
  morpho: PopulationMorphoInput,
  opts: SeedBorrowerPopulationOptions = {},
): Promise<SeededPopulation> {
  const started = performance.now()
  const progress = opts.progress ?? (() => {})
  const count = opts.count ?? 600
  const [hfLo, hfHi] = opts.healthFactorRange ?? [1.02, 3.0]
  const [usdLo, usdHi] = opts.collateralUsdRange ?? [1_000, 250_000]
  const markets = opts.markets ?? POPULATION_MARKETS
  const rand = prng(opts.seed ?? 1)
  const owner =
    opts.owner ?? ((await clients.wallet.getAddresses()) as Address[])[POPULATION_OWNER_ACCOUNT_INDEX]
  if (!owner) throw new Error(`no anvil account ${POPULATION_OWNER_ACCOUNT_INDEX} for the population owner`)
  const fromBlock = await clients.public.getBlockNumber({ cacheTime: 0 })
  let transactions = 0

  const token = (symbol: string) => {
    const t = aave.tokens.find((x) => x.symbol === symbol)
    if (!t) throw new Error(`no devchain token ${symbol}`)
    return t
  }
  const symbols = [...new Set(markets.flatMap((m) => [...m.collaterals, m.debt]))]
  const price8 = new Map<string, bigint>()
  for (const s of symbols) {
    price8.set(
      s,
      await clients.public.readContract({
        address: aave.oracle,
        abi: oracleAbi,
        functionName: 'getAssetPrice',
        args: [token(s).address],
      }),
    )
  }
  const morphoMarket = (m: PopulationMarketSpec) => {
    const key = m.key.slice('morpho:'.length)
    const mm = morpho.markets.find((x) => x.key === key)
    if (!mm) throw new Error(`no Morpho market ${key}`)
    return mm
  }
  const morphoPrice = new Map<string, bigint>()
  for (const m of markets.filter((x) => x.protocol === 'morpho-blue')) {
    const mm = morphoMarket(m)
    morphoPrice.set(
      m.key,
      await clients.public.readContract({
        address: mm.params.oracle,
        abi: morphoOracleAbi,
        functionName: 'price',
      }),
    )
  }
  /** Raw units worth `usd` of `symbol` at the oracle price. */
  const rawOf = (symbol: string, usd: number) =>
    (BigInt(Math.round(usd * 1e6)) * 10n ** BigInt(token(symbol).decimals) * 10n ** 8n) /
    (price8.get(symbol)! * 10n ** 6n)
  const usdOf = (symbol: string, raw: bigint) =>
    Number((raw * price8.get(symbol)!) / 10n ** BigInt(token(symbol).decimals)) / 1e8

  // Plan every borrower off-chain.
  const counts = allocate(markets, count)
  const assignment = markets.flatMap((m, i) => Array.from({ length: counts[i]! }, () => m))
  for (let i = assignment.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1))
    ;[assignment[i], assignment[j]] = [assignment[j]!, assignment[i]!]
  }
  const planned: Planned[] = assignment.map((market, tag) => {
    const sizeUsd = logUniform(rand, usdLo, usdHi)
    const hfDraw = rand()
    if (market.protocol === 'morpho-blue') {
      const hf = Math.exp(Math.log(hfLo) + hfDraw * (Math.log(hfHi) - Math.log(hfLo)))
      const symbol = market.collaterals[0]!
      const collateral = rawOf(symbol, sizeUsd)
      const lltv = morphoMarket(market).params.lltv
      // Morpho: maxBorrow = collateral * price / 1e36 * lltv / 1e18; HF = maxBorrow / borrowed.
      const maxBorrow = (((collateral * morphoPrice.get(market.key)!) / 10n ** 36n) * lltv) / 10n ** 18n
      const debt = (maxBorrow * HF_SCALE) / BigInt(Math.round(hf * 1e6))
      return {
        tag,
        market,
        collateral: [{ symbol, amount: collateral }],
        debt,
        hf,
        collateralUsd: usdOf(symbol, collateral),
      }
    }
    // Several collaterals: random USD shares (weights drawn in [0.5, 1.5), normalized).
    const raw = market.collaterals.map(() => (market.collaterals.length === 1 ? 1 : 0.5 + rand()))
    const shares = raw.map((w) => w / raw.reduce((a, b) => a + b, 0))
    const floor = aaveHealthFactorFloor(
      market.collaterals.map((symbol, k) => ({ symbol, weight: shares[k]! })),
    )
    const lo = Math.max(hfLo, floor * 1.001)
    const hf = Math.exp(Math.log(lo) + hfDraw * (Math.log(Math.max(hfHi, lo)) - Math.log(lo)))
    const collateral = market.collaterals.map((symbol, k) => ({
      symbol,
      amount: rawOf(symbol, sizeUsd * shares[k]!),
    }))
    // Aave: HF = sum(base_i * LT_i) / debtBase, base_i = price_i * amount_i / 10^dec_i (8-decimal USD).
    let weighted = 0n
    for (const c of collateral) {
      const base = (price8.get(c.symbol)! * c.amount) / 10n ** BigInt(token(c.symbol).decimals)
      weighted += base * BigInt(specOf(c.symbol).liquidationThresholdBps)
    }
    const debtBase = (weighted * HF_SCALE) / (10_000n * BigInt(Math.round(hf * 1e6)))
    const debt = (debtBase * 10n ** BigInt(token(market.debt).decimals)) / price8.get(market.debt)!
    const collateralUsd = collateral.reduce((s, c) => s + usdOf(c.symbol, c.amount), 0)
    return { tag, market, collateral, debt, hf, collateralUsd }
  })

  // Fund: the factory gets every borrower's collateral; the owner supplies the loan liquidity.
  progress(`seeding a population of ${count} borrowers (Aave v3 + Morpho Blue)`)
  const factory = await deploy(clients, {
    from: owner,
    abi: borrowerFactoryAbi,
    bytecode: borrowerFactoryBytecode,
    args: [owner],
    name: 'BorrowerFactory',
  })
  transactions++
  // Every transaction below is the owner's and none reads anything back from an earlier one: they
  // are sent one after the other with explicit nonces, without waiting (anvil automines them in
  // that order, one block each), and the receipts are awaited once at the end.
  let nonce = await nextNonce(clients, owner)
  const pending: PendingTx[] = []
  const tx = async <const abi extends Abi, fn extends ContractFunctionName<abi, 'nonpayable' | 'payable'>>(
    p: SendParams<abi, fn>,
  ): Promise<PendingTx> => {
    transactions++
    const sent = await submit(clients, { ...p, nonce: nonce++ } as SendParams<abi, fn> & { nonce: number })
    pending.push(sent)
    return sent
  }
  const collateralTotals = new Map<string, bigint>()
  for (const p of planned)
    for (const c of p.collateral)
      collateralTotals.set(c.symbol, (collateralTotals.get(c.symbol) ?? 0n) + c.amount)
  for (const [symbol, amount] of collateralTotals)
    await tx({
      from: owner,
      address: token(symbol).address,
      abi: tokenAbi,
      functionName: 'mint',
      args: [factory, amount],
    })
  const aaveDebt = new Map<string, bigint>()
  const morphoDebt = new Map<string, bigint>()
  for (const p of planned) {
    const into = p.market.protocol === 'aave-v3' ? aaveDebt : morphoDebt
    const key = p.market.protocol === 'aave-v3' ? p.market.debt : p.market.key
    into.set(key, (into.get(key) ?? 0n) + p.debt)
  }
  const fund = async (symbol: string, amount: bigint, spender: Address) => {
    const t = token(symbol).address
    await tx({ from: owner, address: t, abi: tokenAbi, functionName: 'mint', args: [owner, amount] })
    await tx({ from: owner, address: t, abi: tokenAbi, functionName: 'approve', args: [spender, maxUint256] })
  }
  for (const [symbol, total] of aaveDebt) {
    const amount = (total * 105n) / 100n
    await fund(symbol, amount, aave.pool)
    await tx({
      from: owner,
      address: aave.pool,
      abi: aaveSupplyAbi,
      functionName: 'supply',
      args: [token(symbol).address, amount, owner, 0],
    })
  }
  for (const [key, total] of morphoDebt) {
    const m = markets.find((x) => x.key === key)!
    const amount = (total * 105n) / 100n
    await fund(m.debt, amount, morpho.morpho)
    await tx({
      from: owner,
      address: morpho.morpho,
      abi: morphoSupplyAbi,
      functionName: 'supply',
      args: [morphoMarket(m).params, amount, 0n, owner, '0x'],
    })
  }

  // Open the borrowers, one batch of contracts per transaction.
  const addressOf = new Map<number, Address>()
  const openings: PendingTx[] = []
  const record = (receipt: Awaited<ReturnType<PendingTx['wait']>>) => {
    for (const log of receipt.logs) {
      if (log.address.toLowerCase() !== factory.toLowerCase()) continue
      const ev = decodeEventLog({ abi: borrowerFactoryAbi, data: log.data, topics: log.topics })
      if (ev.eventName === 'BorrowerOpened') addressOf.set(Number(ev.args.tag), ev.args.borrower)
    }
  }
  const sizes = { aave: 20, aaveMulti: 14, morpho: 40, ...opts.batchSize }
  for (const market of markets) {
    const group = planned.filter((p) => p.market === market)
    const size =
      market.protocol === 'morpho-blue'
        ? sizes.morpho
        : market.collaterals.length > 1
          ? sizes.aaveMulti
          : sizes.aave
    for (let i = 0; i < group.length; i += size) {
      const batch = group.slice(i, i + size)
      if (market.protocol === 'aave-v3') {
        openings.push(
          await tx({
            from: owner,
            address: factory,
            abi: borrowerFactoryAbi,
            functionName: 'openAaveBorrowers',
            args: [
              aave.pool,
              batch.map((p) => ({
                collaterals: p.collateral.map((c) => token(c.symbol).address),
                amounts: p.collateral.map((c) => c.amount),
                debtAsset: token(market.debt).address,
                debt: p.debt,
                tag: BigInt(p.tag),
              })),
            ],
          }),
        )
      } else {
        openings.push(
          await tx({
            from: owner,
            address: factory,
            abi: borrowerFactoryAbi,
            functionName: 'openMorphoBorrowers',
            args: [
              morpho.morpho,
              morphoMarket(market).params,
              batch.map((p) => ({ collateral: p.collateral[0]!.amount, debt: p.debt, tag: BigInt(p.tag) })),
            ],
          }),
        )
      }
    }
  }

  await waitAll(pending)
  for (const opening of openings) record(await opening.wait())

  const borrowers: PopulationBorrower[] = planned.map((p) => {
    const address = addressOf.get(p.tag)
    if (!address) throw new Error(`population borrower ${p.tag} was not opened`)
    return {
      address,
      protocol: p.market.protocol,
      market: p.market.key,
      ...(p.market.protocol === 'morpho-blue'
        ? { morphoMarketId: morphoMarketId(morphoMarket(p.market).params) }
        : {}),
      collateral: p.collateral,
      debt: { symbol: p.market.debt, amount: p.debt },
      intendedHealthFactor: p.hf,
      collateralUsd: p.collateralUsd,
    }
  })
  const hfs = borrowers.map((b) => b.intendedHealthFactor).sort((a, b) => a - b)
  const collateralUnits: Record<string, number> = {}
  for (const [symbol, amount] of collateralTotals)
    collateralUnits[symbol] = Number(amount) / 10 ** token(symbol).decimals
  const byMarket: Record<string, number> = {}
  for (const b of borrowers) byMarket[b.market] = (byMarket[b.market] ?? 0) + 1
  const summary: PopulationSummary = {
    count: borrowers.length,
    byMarket,
    healthFactor: {
      min: hfs[0] ?? Number.NaN,
      median: hfs[Math.floor(hfs.length / 2)] ?? Number.NaN,
      max: hfs[hfs.length - 1] ?? Number.NaN,
    },
    collateralUsd: borrowers.reduce((s, b) => s + b.collateralUsd, 0),
    debtUsd: borrowers.reduce((s, b) => s + usdOf(b.debt.symbol, b.debt.amount), 0),
    collateralUnits,
    transactions,
    seconds: (performance.now() - started) / 1000,
    fromBlock: fromBlock + 1n,
    toBlock: await clients.public.getBlockNumber({ cacheTime: 0 }),
  }
  progress(
    `population: ${summary.count} borrowers in ${summary.transactions} transactions, ${summary.seconds.toFixed(2)} s`,
  )
  return { factory, owner, borrowers, summary }
}

/**
 * The population as JSON-safe manifest data (raw amounts as decimal strings). Borrowers are
 * listed only with `includeBorrowers` (an indexer can enumerate them from the Borrow logs).
 */
export function populationManifest(
  population: SeededPopulation,
  options: { includeBorrowers?: boolean } = {},
): {
  factory: Address
  owner: Address
  count: number
  fromBlock: number
  toBlock: number
  byMarket: Record<string, number>
  healthFactor: { min: number; median: number; max: number }
  collateralUsd: number
  debtUsd: number
  borrowers?: {
    address: Address
    protocol: string
    market: string
    morphoMarketId?: Hex
    intendedHealthFactor: number
    collateral: { symbol: string; amount: string }[]
    debt: { symbol: string; amount: string }
  }[]
} {
  const s = population.summary
  return {
    factory: population.factory,
    owner: population.owner,
    count: s.count,
    fromBlock: Number(s.fromBlock),
    toBlock: Number(s.toBlock),
    byMarket: s.byMarket,
    healthFactor: s.healthFactor,
    collateralUsd: s.collateralUsd,
    debtUsd: s.debtUsd,
    ...(options.includeBorrowers
      ? {
          borrowers: population.borrowers.map((b) => ({
            address: b.address,
            protocol: b.protocol,
            market: b.market,
            ...(b.morphoMarketId ? { morphoMarketId: b.morphoMarketId } : {}),
            intendedHealthFactor: b.intendedHealthFactor,
            collateral: b.collateral.map((c) => ({ symbol: c.symbol, amount: c.amount.toString() })),
            debt: { symbol: b.debt.symbol, amount: b.debt.amount.toString() },
          })),
        }
      : {}),
  }
}
