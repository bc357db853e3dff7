import { type Address, encodeAbiParameters, type Hex, keccak256, maxUint256, parseUnits } from 'viem'
import { compileMorpho } from './compile-morpho.js'
import { feedRatioOracleAbi, feedRatioOracleBytecode } from './contracts/FeedRatioOracle.artifact.js'
import type { DeployedAave } from './deploy-aave.js'
import type { DeployedVault } from './deploy-vault.js'
import { type DevchainClients, deploy, send } from './tx.js'

/** Morpho Blue market parameters (the struct Morpho.sol takes). lltv in WAD. */
export interface MorphoMarketParams {
  loanToken: Address
  collateralToken: Address
  oracle: Address
  irm: Address
  lltv: bigint
}

/** A devchain Morpho market. */
export interface DeployedMorphoMarket {
  key: string
  id: Hex
  loanSymbol: string
  collateralSymbol: string
  params: MorphoMarketParams
}

/** The devchain's Morpho Blue deployment. */
export interface DeployedMorpho {
  morpho: Address
  irm: Address
  /** Block of the Morpho deployment (where log discovery starts). */
  deployBlock: bigint
  markets: DeployedMorphoMarket[]
}

/** Morpho's market id: keccak256(abi.encode(MarketParams)) (MarketParamsLib.id). */
export function morphoMarketId(p: MorphoMarketParams): Hex {
  return keccak256(
    encodeAbiParameters(
      [
        { type: 'address' },
        { type: 'address' },
        { type: 'address' },
        { type: 'address' },
        { type: 'uint256' },
      ],
      [p.loanToken, p.collateralToken, p.oracle, p.irm, p.lltv],
    ),
  )
}

const MARKETS = [
  { key: 'wsteth-weth', collateral: 'wstETH', loan: 'WETH', lltv: '0.945' },
  { key: 'weth-usdc', collateral: 'WETH', loan: 'USDC', lltv: '0.86' },
  { key: 'wbtc-usdc', collateral: 'WBTC', loan: 'USDC', lltv: '0.86' },
  { key: 'aweth-usdc', collateral: 'aWETH', loan: 'USDC', lltv: '0.86' },
  { key: 'susdc-usdc', collateral: 'sUSDC', loan: 'USDC', lltv: '0.945' },
] as const

/**
 * A token a devchain Morpho market uses: an Aave reserve, the aToken of one ("aWETH"), or a
 * devchain ERC-4626 vault ("sUSDC").
 */
interface MorphoToken {
  address: Address
  decimals: number
  /**
   * The SettablePriceFeed pricing it (an aToken redeems 1:1 for its reserve: the reserve's feed; a
   * vault share has its own feed).
   */
  priceFeed: Address
}

/**
 * Resolves a Morpho market's token symbol: a reserve symbol, a vault symbol, or `a<reserve>` for
 * its Aave aToken.
 */
export function morphoToken(
  aave: DeployedAave,
  symbol: string,
  vaults: readonly DeployedVault[] = [],
): MorphoToken {
  const reserve = aave.tokens.find((x) => x.symbol === symbol)
  if (reserve) return reserve
  const vault = vaults.find((x) => x.symbol === symbol)
  if (vault) return vault
  const underlying = symbol.startsWith('a')
    ? aave.tokens.find((x) => x.symbol === symbol.slice(1))
    : undefined
  if (!underlying) throw new Error(`no devchain token ${symbol}`)
  return { address: underlying.aToken, decimals: underlying.decimals, priceFeed: underlying.priceFeed }
}

/**
 * Deploys REAL Morpho Blue (compiled from `@morpho-org/morpho-blue` 1.0.0 sources, with its
 * IrmMock: borrow APR = utilization) and five markets — wstETH/WETH at 94.5% LLTV, WETH/USDC,
 * WBTC/USDC and aWETH/USDC (Aave's WETH receipt token as collateral) at 86%, and sUSDC/USDC (the
 * devchain's ERC-4626 savings vault as collateral) at 94.5% — priced by FeedRatioOracle over the
 * same SettablePriceFeeds Aave reads (aWETH by WETH's feed: it redeems 1:1; sUSDC by its own feed,
 * set to the vault's rate). The liquidity provider supplies each market's loan token.
 */
export async function deployMorpho(
  clients: DevchainClients,
  aave: DeployedAave,
  admin: Address,
  liquidityProvider: Address,
  progress: (message: string) => void = () => {},
  vaults: readonly DeployedVault[] = [],
): Promise<DeployedMorpho> {
  progress('compiling and deploying Morpho Blue (solc 0.8.19, cached)')
  const art = compileMorpho()
  const morpho = await deploy(clients, {
    from: admin,
    abi: art.Morpho.abi,
    bytecode: art.Morpho.bytecode,
    args: [admin],
    name: 'Morpho',
  })
  const deployBlock = await clients.public.getBlockNumber()
  const irm = await deploy(clients, {
    from: admin,
    abi: art.IrmMock.abi,
    bytecode: art.IrmMock.bytecode,
    name: 'IrmMock',
  })
  const call = (from: Address, functionName: string, args: readonly unknown[]) =>
    send(clients, { from, address: morpho, abi: art.Morpho.abi, functionName, args } as never)
  await call(admin, 'enableIrm', [irm])
  const tok = (symbol: string) => morphoToken(aave, symbol, vaults)
  const markets: DeployedMorphoMarket[] = []
  const lltvs = new Set<bigint>()
  for (const m of MARKETS) {
    const lltv = parseUnits(m.lltv, 18)
    if (!lltvs.has(lltv)) {
      await call(admin, 'enableLltv', [lltv])
      lltvs.add(lltv)
    }
    const coll = tok(m.collateral)
    const loan = tok(m.loan)
    const oracle = await deploy(clients, {
      from: admin,
      abi: feedRatioOracleAbi,
      bytecode: feedRatioOracleBytecode,
      args: [coll.priceFeed, loan.priceFeed, coll.decimals, loan.decimals],
      name: `FeedRatioOracle ${m.key}`,
    })
    const params: MorphoMarketParams = {
      loanToken: loan.address,
      collateralToken: coll.address,
      oracle,
      irm,
      lltv,
    }
    await call(admin, 'createMarket', [params])
    markets.push({
      key: m.key,
      id: morphoMarketId(params),
      loanSymbol: m.loan,
      collateralSymbol: m.collateral,
      params,
    })
  }

  progress('supplying Morpho liquidity')
  const liquidity: Record<string, string> = { WETH: '2000', USDC: '10000000' }
  for (const [symbol, amount] of Object.entries(liquidity)) {
    const t = tok(symbol)
    const raw = parseUnits(amount, t.decimals)
    const total = raw * BigInt(markets.filter((m) => m.loanSymbol === symbol).length)
    await mintAndApprove(clients, aave, t.address, liquidityProvider, total, morpho)
    for (const m of markets.filter((x) => x.loanSymbol === symbol)) {
      await call(liquidityProvider, 'supply', [m.params, raw, 0n, liquidityProvider, '0x'])
    }
  }
  return { morpho, irm, deployBlock, markets }
}

/** Mints `amount` of a devchain test token to `who` and approves `spender` for it (real txs). */
async function mintAndApprove(
  clients: DevchainClients,
  aave: DeployedAave,
  token: Address,
  who: Address,
  amount: bigint,
  spender: Address,
): Promise<void> {
  const tx = (functionName: string, args: readonly unknown[]) =>
    send(clients, { from: who, address: token, abi: aave.abis.token, functionName, args } as never)
  await tx('mint', [who, amount])
  await tx('approve', [spender, maxUint256])
}

/** Opens a Morpho position by real transactions: collateral in, optional borrow out. */
export async function openMorphoPosition(
  clients: DevchainClients,
  aave: DeployedAave,
  morpho: DeployedMorpho,
  who: Address,
  marketKey: string,
  collateral: string,
  borrow: string | null,
): Promise<void> {
  const art = compileMorpho()
  const m = morpho.markets.find((x) => x.key === marketKey)
  if (!m) throw new Error(`no Morpho market ${marketKey}`)
  const coll = morphoToken(aave, m.collateralSymbol)
  const loan = morphoToken(aave, m.loanSymbol)
  const raw = parseUnits(collateral, coll.decimals)
  await mintAndApprove(clients, aave, coll.address, who, raw, morpho.morpho)
  const call = (functionName: string, args: readonly unknown[]) =>
    send(clients, { from: who, address: morpho.morpho, abi: art.Morpho.abi, functionName, args } as never)
  await call('supplyCollateral', [m.params, raw, who, '0x'])
  if (borrow) await call('borrow', [m.params, parseUnits(borrow, loan.decimals), 0n, who, who])
}

/** Supplies loan tokens to a Morpho market (a lender position). */
export async function supplyMorpho(
  clients: DevchainClients,
  aave: DeployedAave,
  morpho: DeployedMorpho,
  who: Address,
  marketKey: string,
  amount: string,
): Promise<void> {
  const art = compileMorpho()
  const m = morpho.markets.find((x) => x.key === marketKey)!
  const loan = aave.tokens.find((t) => t.symbol === m.loanSymbol)!
  const raw = parseUnits(amount, loan.decimals)
  await mintAndApprove(clients, aave, loan.address, who, raw, morpho.morpho)
  await send(clients, {
    from: who,
    address: morpho.morpho,
    abi: art.Morpho.abi,
    functionName: 'supply',
    args: [m.params, raw, 0n, who, '0x'],
  } as never)
}

/**
 * Posts collateral the wallet already holds (e.g. tokens it borrowed elsewhere, or Aave aTokens)
 * into a Morpho market, then borrows: real approve, supplyCollateral and borrow transactions.
 * Amounts in raw units.
 */
export async function postMorphoCollateral(
  clients: DevchainClients,
  aave: DeployedAave,
  morpho: DeployedMorpho,
  who: Address,
  marketKey: string,
  collateral: bigint,
  borrow: bigint,
): Promise<void> {
  const art = compileMorpho()
  const m = morpho.markets.find((x) => x.key === marketKey)
  if (!m) throw new Error(`no Morpho market ${marketKey}`)
  await send(clients, {
    from: who,
    address: m.params.collateralToken,
    abi: aave.abis.token,
    functionName: 'approve',
    args: [morpho.morpho, maxUint256],
  } as never)
  const call = (functionName: string, args: readonly unknown[]) =>
    send(clients, { from: who, address: morpho.morpho, abi: art.Morpho.abi, functionName, args } as never)
  await call('supplyCollateral', [m.params, collateral, who, '0x'])
  if (borrow > 0n) await call('borrow', [m.params, borrow, 0n, who, who])
}
