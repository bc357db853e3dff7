/**
 * The devchain's cross-protocol stacking wallets, read straight from the chain with viem and
 * through the wallet endpoint.
 *
 * - `stacker`: 10 wstETH on Aave -> 6 WETH borrowed -> all of it Morpho WETH/USDC collateral ->
 *   10,800 USDC borrowed -> all of it GMX v2 margin (a real transfer to the ETH/USD market token)
 *   of a 3x ETH long written in the Reader double.
 * - `receipt-stacker`: 10 WETH on Aave -> 1,000 USDC borrowed on Aave; 8 aWETH moved into the
 *   Morpho aWETH/USDC market as collateral -> 12,000 USDC borrowed there.
 *
 * Amounts are the seeding's constants (src/devchain/seed.ts STACKER, RECEIPT_STACKER); debts may
 * have grown by interest since, so they are bounded below by the seeded amount and above by 0.1%.
 */
import { type Address, erc20Abi, type Hex, parseAbi, parseUnits } from 'viem'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { gmxReaderDoubleAbi } from '../../src/devchain/contracts/GmxReaderDouble.artifact.js'
import { RECEIPT_STACKER, STACKER } from '../../src/devchain/seed.js'
import { startTestDevchain, type TestDevchain } from '../helpers/devchain.js'

let t: TestDevchain

beforeAll(async () => {
  t = await startTestDevchain()
})
afterAll(async () => {
  await t?.devchain.stop()
})

const morphoAbi = parseAbi([
  'function position(bytes32 id, address user) view returns (uint256 supplyShares, uint128 borrowShares, uint128 collateral)',
  'function market(bytes32 id) view returns (uint128 totalSupplyAssets, uint128 totalSupplyShares, uint128 totalBorrowAssets, uint128 totalBorrowShares, uint128 lastUpdate, uint128 fee)',
  'function idToMarketParams(bytes32 id) view returns (address loanToken, address collateralToken, address oracle, address irm, uint256 lltv)',
])

const E18 = 10n ** 18n
/** Morpho's SharesMathLib virtual shares and assets. */
const VIRTUAL_SHARES = 10n ** 6n
const VIRTUAL_ASSETS = 1n

const wallet = (key: string): Address => {
  const w = t.manifest.wallets.find((x) => x.key === key)
  if (!w) throw new Error(`no demo wallet ${key}`)
  return w.address as Address
}
const token = (symbol: string) => {
  const tok = t.manifest.tokens.find((x) => x.symbol === symbol)
  if (!tok) throw new Error(`no token ${symbol}`)
  return tok
}
const market = (key: string) => {
  const m = t.manifest.morphoBlue?.markets.find((x) => x.key === key)
  if (!m) throw new Error(`no Morpho market ${key}`)
  return m
}
const morpho = () => t.manifest.morphoBlue!.morpho as Address
const units = (symbol: string, amount: string) => parseUnits(amount, token(symbol).decimals)

function balanceOf(tokenAddress: string, holder: Address): Promise<bigint> {
  return t.client.readContract({
    address: tokenAddress as Address,
    abi: erc20Abi,
    functionName: 'balanceOf',
    args: [holder],
  })
}

/** The wallet's Morpho position: collateral (raw) and borrow assets (shares -> assets, rounded up). */
async function morphoPosition(key: string, user: Address) {
  const id = market(key).id as Hex
  const [[, borrowShares, collateral], [, , totalBorrowAssets, totalBorrowShares]] = await Promise.all([
    t.client.readContract({ address: morpho(), abi: morphoAbi, functionName: 'position', args: [id, user] }),
    t.client.readContract({ address: morpho(), abi: morphoAbi, functionName: 'market', args: [id] }),
  ])
  const num = borrowShares * (totalBorrowAssets + VIRTUAL_ASSETS)
  const den = totalBorrowShares + VIRTUAL_SHARES
  return { collateral, borrowed: (num + den - 1n) / den }
}

/** `value` is at least `floor` and at most 0.1% above it. */
function expectGrownFrom(value: bigint, floor: bigint) {
  expect(value).toBeGreaterThanOrEqual(floor)
  expect(value).toBeLessThanOrEqual(floor + floor / 1000n)
}

interface ServedPosition {
  status: string
  protocol: string
  market: string
  healthFactor: number | null
  legs: { asset: { address: string; symbol: string }; side: string; amount: string }[]
}

async function served(user: Address) {
  const res = await t.app.request(`/v1/wallets/${user}?chain=local`)
  expect(res.status).toBe(200)
  const body = (await res.json()) as { positions: ServedPosition[]; summary: { unavailable: number } }
  return body
}

describe('stacker: Aave -> Morpho -> GMX', () => {
  it('is in the manifest on its own anvil account', () => {
    const w = t.manifest.wallets.find((x) => x.key === 'stacker')!
    expect(w.label).toBe('Cross-protocol stack (Aave -> Morpho -> GMX)')
    expect(w.description).toMatch(/10 wstETH/)
    expect(w.description).toMatch(/10,800 USDC/)
  })

  it('the WETH borrowed on Aave is the Morpho collateral, the Morpho USDC is the GMX margin', async () => {
    const user = wallet('stacker')
    const wstEth = token('wstETH')
    const weth = token('WETH')
    const usdc = token('USDC')
    const [aWstEth, wethDebt, usdcHeld] = await Promise.all([
      balanceOf(wstEth.aToken, user),
      balanceOf(weth.variableDebtToken, user),
      balanceOf(usdc.address, user),
    ])
    expectGrownFrom(aWstEth, units('wstETH', STACKER.aaveSupplyWstEth))
    const m = await morphoPosition(STACKER.morphoMarket, user)
    expect(m.collateral).toBe(units('WETH', STACKER.aaveBorrowWeth))
    // The Aave debt is the WETH that went to Morpho, plus the interest since.
    expectGrownFrom(wethDebt, m.collateral)
    expectGrownFrom(m.borrowed, units('USDC', STACKER.morphoBorrowUsdc))

    const eth = t.manifest.gmxV2!.markets.find((x) => x.key === STACKER.gmxMarket)!
    const positions = await t.client.readContract({
      address: t.manifest.gmxV2!.reader as Address,
      abi: gmxReaderDoubleAbi,
      functionName: 'getAccountPositions',
      args: [t.manifest.gmxV2!.dataStore as Address, user, 0n, 10n],
    })
    expect(positions).toHaveLength(1)
    const p = positions[0]!
    expect(p.addresses.market).toBe(eth.marketToken)
    expect(p.addresses.collateralToken.toLowerCase()).toBe(usdc.address.toLowerCase())
    expect(p.flags.isLong).toBe(true)
    // All of the Morpho borrow became GMX margin (the borrow may have grown since by interest).
    expect(p.numbers.collateralAmount).toBe(units('USDC', STACKER.morphoBorrowUsdc))
    expectGrownFrom(m.borrowed, p.numbers.collateralAmount)
    expect(p.numbers.sizeInUsd).toBe(parseUnits(STACKER.gmxSizeUsd, 30))
    expect(p.numbers.sizeInTokens).toBe(units('WETH', STACKER.gmxSizeInEth))
    // 3x at entry 3,000: size = 3 x margin.
    expect(p.numbers.sizeInUsd).toBe(3n * p.numbers.collateralAmount * 10n ** 24n)
    // The USDC really moved: none left in the wallet, the margin sits in the market token.
    expect(usdcHeld).toBe(0n)
    expect(await balanceOf(usdc.address, eth.marketToken as Address)).toBeGreaterThanOrEqual(
      p.numbers.collateralAmount,
    )
  })

  it('the wallet endpoint serves an ok Aave, Morpho and GMX position', async () => {
    const body = await served(wallet('stacker'))
    expect(body.positions.map((p) => p.protocol).sort()).toEqual(['aave-v3', 'gmx-v2', 'morpho-blue'])
    for (const p of body.positions)
      expect({ protocol: p.protocol, status: p.status }).toMatchObject({ status: 'ok' })
    expect(body.summary.unavailable).toBe(0)
    const aave = body.positions.find((p) => p.protocol === 'aave-v3')!
    // 10 wstETH x 3,600 x 81% / (6 WETH x 3,000) = 1.62.
    expect(aave.healthFactor).toBeCloseTo(1.62, 2)
    const mb = body.positions.find((p) => p.protocol === 'morpho-blue')!
    expect(mb.market.toLowerCase()).toBe(market('weth-usdc').id.toLowerCase())
    // 6 WETH x 3,000 x 86% / 10,800 USDC = 1.4333.
    expect(mb.healthFactor).toBeCloseTo(1.4333, 3)
  })
})

describe('receipt-stacker: Aave aWETH as Morpho collateral', () => {
  it('the aweth-usdc market is in the manifest with aWETH as collateral', async () => {
    const m = market(RECEIPT_STACKER.morphoMarket)
    expect(m.collateralSymbol).toBe('aWETH')
    expect(m.loanSymbol).toBe('USDC')
    expect(m.lltv).toBe(parseUnits('0.86', 18).toString())
    expect(m.collateralToken.toLowerCase()).toBe(token('WETH').aToken.toLowerCase())
    // The same oracle kind and IRM as weth-usdc: equal prices (aWETH redeems 1:1 for WETH).
    expect(m.irm).toBe(market('weth-usdc').irm)
    const price = (oracle: string) =>
      t.client.readContract({
        address: oracle as Address,
        abi: parseAbi(['function price() view returns (uint256)']),
        functionName: 'price',
      })
    expect(await price(m.oracle)).toBe(await price(market('weth-usdc').oracle))
    const [loan, collateral] = await t.client.readContract({
      address: morpho(),
      abi: morphoAbi,
      functionName: 'idToMarketParams',
      args: [m.id as Hex],
    })
    expect(loan.toLowerCase()).toBe(token('USDC').address.toLowerCase())
    expect(collateral.toLowerCase()).toBe(token('WETH').aToken.toLowerCase())
  })

  it('2 aWETH stay on Aave against 1,000 USDC; 8 aWETH sit in Morpho against 12,000 USDC', async () => {
    const user = wallet('receipt-stacker')
    const weth = token('WETH')
    const usdc = token('USDC')
    const [aWeth, usdcDebt, morphoAWeth] = await Promise.all([
      balanceOf(weth.aToken, user),
      balanceOf(usdc.variableDebtToken, user),
      balanceOf(weth.aToken, morpho()),
    ])
    // aToken balances: scaled x index, rounded; interest only adds.
    expect(aWeth).toBeGreaterThanOrEqual(2n * E18 - 1n)
    expect(aWeth).toBeLessThanOrEqual(2n * E18 + (2n * E18) / 1000n)
    expectGrownFrom(usdcDebt, units('USDC', RECEIPT_STACKER.aaveBorrowUsdc))
    expect(morphoAWeth).toBeGreaterThanOrEqual(units('WETH', RECEIPT_STACKER.morphoCollateralAWeth))
    const m = await morphoPosition(RECEIPT_STACKER.morphoMarket, user)
    expect(m.collateral).toBe(units('WETH', RECEIPT_STACKER.morphoCollateralAWeth))
    expectGrownFrom(m.borrowed, units('USDC', RECEIPT_STACKER.morphoBorrowUsdc))
    // Both borrows are held as USDC in the wallet.
    expect(await balanceOf(usdc.address, user)).toBe(
      units('USDC', RECEIPT_STACKER.aaveBorrowUsdc) + units('USDC', RECEIPT_STACKER.morphoBorrowUsdc),
    )
  })

  it('the wallet endpoint serves an ok Aave position and the aWETH/USDC Morpho position', async () => {
    const body = await served(wallet('receipt-stacker'))
    expect(body.positions.map((p) => p.protocol).sort()).toEqual(['aave-v3', 'morpho-blue'])
    for (const p of body.positions)
      expect({ protocol: p.protocol, status: p.status }).toMatchObject({ status: 'ok' })
    expect(body.summary.unavailable).toBe(0)
    const aave = body.positions.find((p) => p.protocol === 'aave-v3')!
    // 2 WETH x 3,000 x 83% / 1,000 USDC = 4.98.
    expect(aave.healthFactor).toBeCloseTo(4.98, 1)
    const mb = body.positions.find((p) => p.protocol === 'morpho-blue')!
    expect(mb.market.toLowerCase()).toBe(market('aweth-usdc').id.toLowerCase())
    const coll = mb.legs.find((l) => l.side === 'collateral')!
    expect(coll.asset.address.toLowerCase()).toBe(token('WETH').aToken.toLowerCase())
    expect(BigInt(coll.amount)).toBe(8n * E18)
    // 8 aWETH x 3,000 x 86% / 12,000 USDC = 1.72.
    expect(mb.healthFactor).toBeCloseTo(1.72, 3)
  })
})
