/**
 * Fork test: the GMX v2 adapter against the REAL Reader and DataStore of Arbitrum at a pinned
 * block, through an anvil that forks the network. The devchain only has a test double of the
 * Reader; this is where the adapter meets gmx-synthetics' own bytecode and struct layouts.
 *
 * Accounts are discovered from the DataStore's POSITION_LIST set (getBytes32ValuesAt) and
 * Reader.getPosition, so none is hard-coded. Prices come from GMX's live oracle tickers (the
 * fork's block is past, so the prices are not that block's; the checks below hold at whatever
 * prices are passed): for each position, the adapter must serve it (it refuses with
 * PROTOCOL_MODEL_MISMATCH when the Reader's verdict contradicts its own figures), its legs must
 * equal the Reader's Position.Props, and the Reader's isPositionLiquidatable must flip between
 * the computed liquidation price x (1 +/- 1e-4) with the other prices held.
 *
 * Needs FORK_URL_ARBITRUM (an archive-capable RPC URL) and access to arbitrum-api.gmxinfra.io.
 * Skipped, with a message, without the URL. Block: FORK_BLOCK_ARBITRUM, default 300_000_000.
 */
import { type Anvil, createAnvil } from '@viem/anvil'
import { type Address, encodeAbiParameters, type Hex, keccak256, parseAbi } from 'viem'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createChainClient } from '../../src/chains/client.js'
import { type ChainRuntime, configFromEnv } from '../../src/config.js'
import { freePort, resolveAnvilBinary } from '../../src/devchain/anvil.js'
import { gmxReaderAbi, gmxReaderV21Abi } from '../../src/protocols/gmx-v2/abi.js'
import { gmxV2Adapter } from '../../src/protocols/gmx-v2/index.js'
import { GMX_V2_DEPLOYMENTS } from '../../src/protocols/gmx-v2/markets.js'
import { fetchGmxTickers } from '../../src/protocols/gmx-v2/prices.js'
import { readWallet } from '../../src/protocols/read-wallet.js'
import { withPublicActions } from '../helpers/read-client.js'

const FORK_URL = process.env.FORK_URL_ARBITRUM
const FORK_BLOCK = BigInt(process.env.FORK_BLOCK_ARBITRUM ?? '300000000')

if (!FORK_URL) {
  console.warn(
    '[fork] FORK_URL_ARBITRUM is not set: the GMX v2 Arbitrum fork tests are SKIPPED (not passed).',
  )
}

const dataStoreAbi = parseAbi([
  'function getBytes32ValuesAt(bytes32 setKey, uint256 start, uint256 end) view returns (bytes32[])',
])
const getPositionAbi = parseAbi([
  'struct PositionAddresses { address account; address market; address collateralToken; }',
  'struct PositionNumbers { uint256 sizeInUsd; uint256 sizeInTokens; uint256 collateralAmount; uint256 borrowingFactor; uint256 fundingFeeAmountPerSize; uint256 longTokenClaimableFundingAmountPerSize; uint256 shortTokenClaimableFundingAmountPerSize; uint256 increasedAtTime; uint256 decreasedAtTime; }',
  'struct PositionFlags { bool isLong; }',
  'struct PositionProps { PositionAddresses addresses; PositionNumbers numbers; PositionFlags flags; }',
  'function getPosition(address dataStore, bytes32 key) view returns (PositionProps)',
])
/** Keys.POSITION_LIST = keccak256(abi.encode("POSITION_LIST")). */
const POSITION_LIST = keccak256(encodeAbiParameters([{ type: 'string' }], ['POSITION_LIST']))

describe.skipIf(!FORK_URL)(`GMX v2 Arbitrum fork at block ${FORK_BLOCK}`, () => {
  const gmx = GMX_V2_DEPLOYMENTS.find((d) => d.chain === 'arbitrum')!
  let anvil: Anvil
  let rpcUrl: string
  beforeAll(async () => {
    const port = await freePort()
    anvil = createAnvil({
      anvilBinary: resolveAnvilBinary(),
      port,
      forkUrl: FORK_URL,
      forkBlockNumber: FORK_BLOCK,
      chainId: 42161,
    })
    await anvil.start()
    rpcUrl = `http://127.0.0.1:${port}`
  })
  afterAll(async () => {
    await anvil?.stop()
  })

  it('positions of accounts from POSITION_LIST: legs = Position.Props; liquidation price flips isPositionLiquidatable', async () => {
    const config = configFromEnv({ STACKLENS_RPC_ARBITRUM: rpcUrl })
    const chain = { ...config.chains.arbitrum!, gmxV2: [gmx] } as ChainRuntime
    const client = withPublicActions(createChainClient('arbitrum', { rpcUrls: [rpcUrl], timeoutMs: 120_000 }))
    const at = { blockNumber: FORK_BLOCK }
    const keys = (await client.readContract({
      address: gmx.dataStore,
      abi: dataStoreAbi,
      functionName: 'getBytes32ValuesAt',
      args: [POSITION_LIST, 0n, 40n],
      ...at,
    })) as readonly Hex[]
    const accounts = new Set<Address>()
    for (const key of keys) {
      const p = await client.readContract({
        address: gmx.reader,
        abi: getPositionAbi,
        functionName: 'getPosition',
        args: [gmx.dataStore, key],
        ...at,
      })
      accounts.add(p.addresses.account)
    }
    expect(accounts.size).toBeGreaterThan(0)
    const tickers = await fetchGmxTickers({ url: (gmx.prices as { tickersUrl: string }).tickersUrl })
    let checked = 0
    for (const user of [...accounts].slice(0, 10)) {
      const report = await readWallet({
        client,
        chain,
        user,
        blockNumber: FORK_BLOCK,
        adapters: [gmxV2Adapter],
      })
      expect(report.blockNumber).toBe(FORK_BLOCK)
      for (const row of report.positions) {
        if (row.status !== 'ok') {
          // A token outside the adapter's list is reported, not guessed; anything else is a failure.
          expect(row.reason).toMatch(/not in the adapter's token list|no price for token/)
          continue
        }
        const d = row.details as Record<string, string | number | boolean | null>
        const props = await client.readContract({
          address: gmx.reader,
          abi: getPositionAbi,
          functionName: 'getPosition',
          args: [gmx.dataStore, d.positionKey as Hex],
          ...at,
        })
        expect(row.legs[0]!.amount).toBe(props.numbers.sizeInTokens)
        expect(row.legs[1]!.amount).toBe(props.numbers.collateralAmount)
        const raw = d.liquidationPriceRaw
        if (raw === null) continue
        const price = (token: string) => {
          const p = tickers.prices.get(token.toLowerCase())!
          return { min: p.min, max: p.max }
        }
        const market = {
          marketToken: d.marketToken as Address,
          indexToken: d.indexToken as Address,
          longToken: d.longToken as Address,
          shortToken: d.shortToken as Address,
        }
        const liquidatableAt = async (factor: bigint) => {
          const p = (BigInt(raw as string) * factor) / 10_000n
          const index = { min: p, max: p }
          const same = (a: string) =>
            a.toLowerCase() === market.indexToken.toLowerCase() ||
            (d.collateralFollowsIndex === true && a.toLowerCase() === String(d.collateralToken).toLowerCase())
          const prices = {
            indexTokenPrice: index,
            longTokenPrice: same(market.longToken) ? index : price(market.longToken),
            shortTokenPrice: same(market.shortToken) ? index : price(market.shortToken),
          }
          // The Reader the adapter used at this block (GMX redeploys it), in its own layout.
          const [liquidatable] = (
            d.readerLayout === 'v2.1'
              ? await client.readContract({
                  address: d.reader as Address,
                  abi: gmxReaderV21Abi,
                  functionName: 'isPositionLiquidatable',
                  args: [gmx.dataStore, gmx.referralStorage, d.positionKey as Hex, market, prices, true],
                  ...at,
                })
              : await client.readContract({
                  address: d.reader as Address,
                  abi: gmxReaderAbi,
                  functionName: 'isPositionLiquidatable',
                  args: [
                    gmx.dataStore,
                    gmx.referralStorage,
                    d.positionKey as Hex,
                    market,
                    prices,
                    true,
                    true,
                  ],
                  ...at,
                })
          ) as readonly [boolean, string, unknown]
          return liquidatable
        }
        const below = d.liquidationDirection === 'below'
        expect(await liquidatableAt(below ? 10_001n : 9_999n)).toBe(false)
        expect(await liquidatableAt(below ? 9_999n : 10_001n)).toBe(true)
        checked++
      }
    }
    expect(checked).toBeGreaterThan(0)
  }, 600_000)
})
