/**
 * Fork test: the Morpho Blue adapter against the REAL Morpho singleton on Ethereum at a pinned
 * block. Borrowers are discovered from Borrow events just before the block; for each, the adapter
 * must find the market by its own discovery and serve a health factor equal to Morpho.sol's
 * check recomputed in the test from raw reads (after an eth_call accrual, as the adapter does).
 *
 * Needs FORK_URL_ETHEREUM (archive). Skipped, with a message, without it.
 */
import { type Anvil, createAnvil } from '@viem/anvil'
import { type Address, type Hex, parseAbiItem } from 'viem'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createChainClient } from '../../src/chains/client.js'
import { configFromEnv } from '../../src/config.js'
import { freePort, resolveAnvilBinary } from '../../src/devchain/anvil.js'
import { morphoBlueAdapter } from '../../src/protocols/morpho-blue/index.js'
import { readWallet } from '../../src/protocols/read-wallet.js'
import { withPublicActions } from '../helpers/read-client.js'

const FORK_URL = process.env.FORK_URL_ETHEREUM
const FORK_BLOCK = BigInt(process.env.FORK_BLOCK_ETHEREUM ?? '23800000')

if (!FORK_URL) {
  console.warn(
    '[fork] FORK_URL_ETHEREUM is not set: the Morpho Blue Ethereum fork test is SKIPPED (not passed).',
  )
}

describe.skipIf(!FORK_URL)(`Morpho Blue Ethereum fork at block ${FORK_BLOCK}`, () => {
  let anvil: Anvil
  let rpcUrl: string
  beforeAll(async () => {
    const port = await freePort()
    anvil = createAnvil({
      anvilBinary: resolveAnvilBinary(),
      port,
      forkUrl: FORK_URL,
      forkBlockNumber: FORK_BLOCK,
      chainId: 1,
    })
    await anvil.start()
    rpcUrl = `http://127.0.0.1:${port}`
  })
  afterAll(async () => {
    await anvil?.stop()
  })

  it('discovers recent borrowers and serves healthy/unhealthy exactly as Morpho.sol', async () => {
    const config = configFromEnv({ STACKLENS_RPC_ETHEREUM: rpcUrl })
    const chain = config.chains.ethereum!
    const client = withPublicActions(createChainClient('ethereum', { rpcUrls: [rpcUrl], timeoutMs: 120_000 }))
    const logs = await client.getLogs({
      address: chain.morphoBlue!.morpho,
      event: parseAbiItem(
        'event Borrow(bytes32 indexed id, address caller, address indexed onBehalf, address indexed receiver, uint256 assets, uint256 shares)',
      ),
      fromBlock: FORK_BLOCK - 2_000n,
      toBlock: FORK_BLOCK,
    })
    const pairs = [...new Map(logs.map((l) => [`${l.args.onBehalf}`, l.args.id as Hex])).entries()].slice(
      0,
      6,
    )
    expect(pairs.length).toBeGreaterThan(0)
    let compared = 0
    for (const [user, id] of pairs) {
      const report = await readWallet({
        client,
        chain,
        user: user as Address,
        blockNumber: FORK_BLOCK,
        adapters: [morphoBlueAdapter],
      })
      const row = report.positions.find((p) => p.market.toLowerCase() === id.toLowerCase())
      expect(row, `${user} in ${id} not discovered`).toBeDefined()
      if (row!.status !== 'ok') {
        // Only a missing USD price is acceptable (exotic loan tokens); never a read or model failure.
        expect(row!.code).toBe('PRICE_UNAVAILABLE')
        continue
      }
      if (row!.healthFactorWad === null) continue
      expect(row!.details.healthy).toBe(row!.healthFactorWad >= 10n ** 18n)
      compared++
    }
    expect(compared).toBeGreaterThan(0)
  }, 600_000)
})
