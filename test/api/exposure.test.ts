/**
 * GET /v1/wallets/{address}/exposure on the devchain. For each stacking demo wallet the test
 * computes the net exposure per risk asset itself, from on-chain balances read with viem at the
 * served block (Aave aToken and variable-debt-token balanceOf, Morpho position() after a real
 * accrueInterest, the GMX Reader double's position) and the devchain's wstETH rate (1.2 stETH per
 * wstETH, LOCAL_WSTETH_RATE_WAD), and compares: ETH units exactly (18 decimals), USD values and
 * leverage to float precision. Then every bad input of the route with its 4xx, and an RPC that
 * is down (503).
 */
import { type Address, erc20Abi, type Hex, parseAbi } from 'viem'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createApp } from '../../src/api/app.js'
import { LOCAL_WSTETH_RATE_WAD } from '../../src/assets/registry.js'
import { configFromEnv } from '../../src/config.js'
import { freePort } from '../../src/devchain/anvil.js'
import { gmxReaderDoubleAbi } from '../../src/devchain/contracts/GmxReaderDouble.artifact.js'
import { send } from '../../src/devchain/tx.js'
import { startTestDevchain, type TestDevchain } from '../helpers/devchain.js'

let t: TestDevchain

beforeAll(async () => {
  t = await startTestDevchain()
})
afterAll(async () => {
  await t?.devchain.stop()
})

const E18 = 10n ** 18n
const morphoAbi = parseAbi([
  'struct MarketParams { address loanToken; address collateralToken; address oracle; address irm; uint256 lltv; }',
  'function position(bytes32 id, address user) view returns (uint256 supplyShares, uint128 borrowShares, uint128 collateral)',
  'function market(bytes32 id) view returns (uint128 totalSupplyAssets, uint128 totalSupplyShares, uint128 totalBorrowAssets, uint128 totalBorrowShares, uint128 lastUpdate, uint128 fee)',
  'function accrueInterest(MarketParams marketParams)',
])
const oracleAbi = parseAbi(['function getAssetPrice(address asset) view returns (uint256)'])

interface Net {
  riskAsset: string
  units: number
  units18: string | null
  usd: number
}
interface Body {
  blockNumber: number
  equityUsd: number
  grossExposureUsd: number
  effectiveLeverage: number
  netExposure: Net[]
  beta: { ETH: number; BTC: number; table: Record<string, { ETH: number; BTC: number; source: string }> }
  layers: { id: string; protocol: string; structure: string; equityUsd: number; nominalLeverage: number }[]
  stacks: {
    protocols: string[]
    layers: string[]
    unwindOrder: string[]
    crossProtocol: boolean
    compoundedLeverage: number
    nominalLeverageProduct: number
    links: { from: string; to: string; via: string; debtSymbol: string }[]
    summary: string
  }[]
  warnings: string[]
  unwind: { totals: { debtRepaidUsd: number; perpNotionalClosedUsd: number; reachesTarget: boolean } }
}

const wallet = (key: string) => t.manifest.wallets.find((w) => w.key === key)!.address as Address
const token = (symbol: string) => t.manifest.tokens.find((x) => x.symbol === symbol)!
const market = (key: string) => t.manifest.morphoBlue!.markets.find((m) => m.key === key)!

async function get(path: string, app = t.app) {
  const res = await app.request(path)
  return { status: res.status, body: (await res.json()) as Record<string, unknown> }
}

async function exposure(user: Address, query = ''): Promise<Body> {
  const r = await get(`/v1/wallets/${user}/exposure?chain=local${query}`)
  expect(r.status).toBe(200)
  return r.body as unknown as Body
}

const at = (blockNumber: bigint) => ({ blockNumber })

function balanceOf(address: string, holder: Address, blockNumber: bigint) {
  return t.client.readContract({
    address: address as Address,
    abi: erc20Abi,
    functionName: 'balanceOf',
    args: [holder],
    ...at(blockNumber),
  })
}

/** USD price of one whole token from the AaveOracle (8 decimals), float. */
async function price(symbol: string, blockNumber: bigint): Promise<number> {
  const p = await t.client.readContract({
    address: t.manifest.aaveV3.oracle as Address,
    abi: oracleAbi,
    functionName: 'getAssetPrice',
    args: [token(symbol).address as Address],
    ...at(blockNumber),
  })
  return Number(p) / 1e8
}

/** Accrues a Morpho market's interest in a real transaction, so position() is current. */
async function accrue(key: string): Promise<void> {
  const m = market(key)
  await send(t.clients, {
    from: t.manifest.admin.address as Address,
    address: t.manifest.morphoBlue!.morpho as Address,
    abi: morphoAbi,
    functionName: 'accrueInterest',
    args: [
      {
        loanToken: m.loanToken as Address,
        collateralToken: m.collateralToken as Address,
        oracle: m.oracle as Address,
        irm: m.irm as Address,
        lltv: BigInt(m.lltv),
      },
    ],
  })
}

/** A Morpho position at a block: collateral raw, borrow assets (shares -> assets rounded up). */
async function morphoPosition(key: string, user: Address, blockNumber: bigint) {
  const id = market(key).id as Hex
  const morpho = t.manifest.morphoBlue!.morpho as Address
  const [[, borrowShares, collateral], [, , totalBorrowAssets, totalBorrowShares]] = await Promise.all([
    t.client.readContract({
      address: morpho,
      abi: morphoAbi,
      functionName: 'position',
      args: [id, user],
      ...at(blockNumber),
    }),
    t.client.readContract({
      address: morpho,
      abi: morphoAbi,
      functionName: 'market',
      args: [id],
      ...at(blockNumber),
    }),
  ])
  // Morpho SharesMathLib.toAssetsUp with 1e6 virtual shares and 1 virtual asset.
  const num = borrowShares * (totalBorrowAssets + 1n)
  const den = totalBorrowShares + 10n ** 6n
  return { collateral, borrowed: (num + den - 1n) / den }
}

const net = (b: Body, asset: string) => b.netExposure.find((e) => e.riskAsset === asset)!
/** Raw token units as 18-decimal units (exact: every devchain token has <= 18 decimals). */
const to18 = (raw: bigint, decimals: number) => raw * 10n ** BigInt(18 - decimals)
const float = (raw: bigint, decimals: number) => Number(raw) / 10 ** decimals

describe('exposure of the stacking demo wallets equals the sum of on-chain balances', () => {
  it('stacker (Aave wstETH -> WETH -> Morpho -> USDC -> GMX margin): one stack over three protocols', async () => {
    await t.isolated(async () => {
      await accrue('weth-usdc')
      const user = wallet('stacker')
      const b = await exposure(user)
      const block = BigInt(b.blockNumber)
      const wstEth = token('wstETH')
      const weth = token('WETH')
      const usdc = token('USDC')
      const [aWstEth, wethDebt, m, [gmx], pWstEth, pWeth] = await Promise.all([
        balanceOf(wstEth.aToken!, user, block),
        balanceOf(weth.variableDebtToken!, user, block),
        morphoPosition('weth-usdc', user, block),
        t.client.readContract({
          address: t.manifest.gmxV2!.reader as Address,
          abi: gmxReaderDoubleAbi,
          functionName: 'getAccountPositions',
          args: [t.manifest.gmxV2!.dataStore as Address, user, 0n, 10n],
          ...at(block),
        }),
        price('wstETH', block),
        price('WETH', block),
      ])
      // ETH: 10 wstETH x 1.2 (stETH per wstETH, rounded down once) - the Aave WETH debt + the
      // Morpho WETH collateral + the GMX long's size in tokens.
      const ethUnits =
        (aWstEth * LOCAL_WSTETH_RATE_WAD) / E18 - wethDebt + m.collateral + gmx!.numbers.sizeInTokens
      expect(BigInt(net(b, 'ETH').units18!)).toBe(ethUnits)
      // ETH in USD at the protocols' own prices: wstETH at its oracle price, the rest at WETH's.
      const ethUsd =
        float(aWstEth, 18) * pWstEth +
        (float(m.collateral, 18) - float(wethDebt, 18) + float(gmx!.numbers.sizeInTokens, 18)) * pWeth
      expect(net(b, 'ETH').usd).toBeCloseTo(ethUsd, 6)
      // Equity: each layer's, summed. Aave and Morpho from balances; GMX's is its remaining
      // collateral as the Reader reports it (the layer's equity).
      const gmxLayer = b.layers.find((l) => l.protocol === 'gmx-v2')!
      const equity =
        float(aWstEth, 18) * pWstEth -
        float(wethDebt, 18) * pWeth +
        float(m.collateral, 18) * pWeth -
        float(m.borrowed, usdc.decimals) +
        gmxLayer.equityUsd
      expect(b.equityUsd).toBeCloseTo(equity, 6)
      expect(net(b, 'USD').usd).toBeCloseTo(equity - ethUsd, 6)
      expect(b.grossExposureUsd).toBeCloseTo(ethUsd, 6)
      expect(b.effectiveLeverage).toBeCloseTo(ethUsd / equity, 9)
      // Every dollar is ETH beta: beta to ETH = leverage.
      expect(b.beta.ETH).toBeCloseTo(ethUsd / equity, 9)

      // The compounded leverage no single protocol shows: ~22.8 ETH on ~12 ETH of equity.
      expect(b.stacks).toHaveLength(1)
      const s = b.stacks[0]!
      expect(s.protocols).toEqual(['aave-v3', 'morpho-blue', 'gmx-v2'])
      expect(s.crossProtocol).toBe(true)
      expect(s.layers.map((id) => b.layers.find((l) => l.id === id)!.protocol)).toEqual([
        'aave-v3',
        'morpho-blue',
        'gmx-v2',
      ])
      expect(s.unwindOrder).toEqual([...s.layers].reverse())
      expect(s.links.map((l) => [l.via, l.debtSymbol])).toEqual([
        ['same-token', 'WETH'],
        ['same-token', 'USDC'],
      ])
      expect(s.compoundedLeverage).toBeCloseTo(ethUsd / equity, 9)
      const product = b.layers.reduce((a, l) => a * l.nominalLeverage, 1)
      expect(s.nominalLeverageProduct).toBeCloseTo(product, 9)
      expect(b.layers.map((l) => l.structure)).toEqual(['carry-loop', 'directional-loop', 'perp-long'])
      // Unwinding to zero: close the perp, repay Morpho's USDC and Aave's WETH.
      expect(b.unwind.totals.perpNotionalClosedUsd).toBeGreaterThan(0)
      expect(b.unwind.totals.debtRepaidUsd).toBeCloseTo(
        float(wethDebt, 18) * pWeth + float(m.borrowed, usdc.decimals),
        6,
      )
      expect(b.unwind.totals.reachesTarget).toBe(true)
    })
  })

  it('receipt-stacker (aWETH as Morpho collateral): the Morpho layer is stacked on Aave', async () => {
    await t.isolated(async () => {
      await accrue('aweth-usdc')
      const user = wallet('receipt-stacker')
      const b = await exposure(user)
      const block = BigInt(b.blockNumber)
      const weth = token('WETH')
      const usdc = token('USDC')
      const [aWeth, usdcDebt, m, pWeth, pUsdc] = await Promise.all([
        balanceOf(weth.aToken!, user, block),
        balanceOf(usdc.variableDebtToken!, user, block),
        morphoPosition('aweth-usdc', user, block),
        price('WETH', block),
        price('USDC', block),
      ])
      // ETH: the aWETH left on Aave + the 8 aWETH in Morpho (an aToken redeems 1:1 for WETH).
      expect(BigInt(net(b, 'ETH').units18!)).toBe(aWeth + m.collateral)
      // USD: both USDC debts (6 decimals -> 18).
      expect(BigInt(net(b, 'USD').units18!)).toBe(-to18(usdcDebt + m.borrowed, usdc.decimals))
      const ethUsd = float(aWeth + m.collateral, 18) * pWeth
      const equity = ethUsd - float(usdcDebt + m.borrowed, 6) * pUsdc
      expect(b.equityUsd).toBeCloseTo(equity, 6)
      expect(b.effectiveLeverage).toBeCloseTo(ethUsd / equity, 9)
      expect(b.stacks).toHaveLength(1)
      const s = b.stacks[0]!
      expect(s.protocols.sort()).toEqual(['aave-v3', 'morpho-blue'])
      expect(s.links).toHaveLength(1)
      expect(s.links[0]).toMatchObject({ relation: 'issues', via: 'receipt', debtSymbol: 'aWETH' })
      expect(s.summary).not.toContain('borrowed')
      expect(s.summary).toContain('aWETH receipt of aave-v3')
    })
  })

  it('emode-looper (wstETH/WETH carry loop): net ETH = 1.2 x aWstETH - WETH debt, leverage ~3.4x', async () => {
    const user = wallet('emode-looper')
    const b = await exposure(user)
    const block = BigInt(b.blockNumber)
    const [aWstEth, wethDebt, pWstEth, pWeth] = await Promise.all([
      balanceOf(token('wstETH').aToken!, user, block),
      balanceOf(token('WETH').variableDebtToken!, user, block),
      price('wstETH', block),
      price('WETH', block),
    ])
    expect(BigInt(net(b, 'ETH').units18!)).toBe((aWstEth * LOCAL_WSTETH_RATE_WAD) / E18 - wethDebt)
    const equity = float(aWstEth, 18) * pWstEth - float(wethDebt, 18) * pWeth
    expect(b.equityUsd).toBeCloseTo(equity, 6)
    // A carry loop's NET exposure is its equity's: leverage ~1 on ETH, while the layer runs at
    // collateral / equity = 1 + 0.9 + 0.81 + 0.729 = 3.439 (3 loops at 90%, the seeding).
    expect(b.effectiveLeverage).toBeCloseTo(net(b, 'ETH').usd / equity, 9)
    const layer = b.layers[0]!
    expect(layer.structure).toBe('carry-loop')
    expect(layer.nominalLeverage).toBeCloseTo(3.439, 2)
  })

  it('betas from the request replace the defaults for that asset', async () => {
    const b = await exposure(wallet('isolated'), '&betas=LINK:1.5:0.5')
    expect(b.beta.table.LINK).toEqual({ ETH: 1.5, BTC: 0.5, source: 'request' })
    expect(b.beta.ETH).toBeCloseTo((net(b, 'LINK').usd * 1.5) / b.equityUsd, 9)
    const d = await exposure(wallet('isolated'))
    expect(d.beta.table.LINK!.source).toBe('default')
  })
})

describe('GET /v1/wallets/{address}/exposure: bad input', () => {
  const cases: [string, string, number, string][] = [
    ['a bad address', '/v1/wallets/0x12/exposure?chain=local', 400, 'INVALID_ADDRESS'],
    ['an unknown chain', '/v1/wallets/LOOPER/exposure?chain=nope', 400, 'UNKNOWN_CHAIN'],
    ['an unconfigured chain', '/v1/wallets/LOOPER/exposure?chain=ethereum', 400, 'CHAIN_NOT_CONFIGURED'],
    ['a block without chain', '/v1/wallets/LOOPER/exposure?block=1', 400, 'INVALID_REQUEST'],
    ['a bad block', '/v1/wallets/LOOPER/exposure?chain=local&block=-1', 400, 'INVALID_BLOCK'],
    ['malformed betas', '/v1/wallets/LOOPER/exposure?chain=local&betas=LINK', 400, 'INVALID_REQUEST'],
    ['a huge beta', '/v1/wallets/LOOPER/exposure?chain=local&betas=LINK:1000:1', 400, 'INVALID_REQUEST'],
    ['a target of 1', '/v1/wallets/LOOPER/exposure?chain=local&target=1', 400, 'INVALID_REQUEST'],
    [
      'a target that is a word',
      '/v1/wallets/LOOPER/exposure?chain=local&target=half',
      400,
      'INVALID_REQUEST',
    ],
  ]
  for (const [name, path, status, code] of cases) {
    it(name, async () => {
      const r = await get(path.replace('LOOPER', wallet('looper')))
      expect(r.status).toBe(status)
      const error = (r.body as { error: { code: string; message: string } }).error
      expect(error.code).toBe(code)
      expect(error.message.length).toBeGreaterThan(10)
      expect(JSON.stringify(r.body)).not.toMatch(/\bat .+\.ts:\d+/)
    })
  }

  it('an RPC that is down gives 503 RPC_UNAVAILABLE', async () => {
    const port = await freePort()
    const app = createApp({
      config: configFromEnv({ STACKLENS_RPC_LOCAL: `http://127.0.0.1:${port}` }, t.manifest),
    })
    const r = await get(`/v1/wallets/${wallet('looper')}/exposure?chain=local`, app)
    expect(r.status).toBe(503)
    expect((r.body as { error: { code: string } }).error.code).toBe('RPC_UNAVAILABLE')
  })
})
