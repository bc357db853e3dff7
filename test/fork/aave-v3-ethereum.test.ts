/**
 * Fork test: the adapter against REAL Aave v3 Ethereum (and Spark) at a pinned block, through an
 * anvil that forks the network. Borrowers are discovered from the Pool's Borrow events just
 * before the pinned block, so no wallet is hard-coded; for each, the served health factor must
 * equal Pool.getUserAccountData at the same block to 1e-9.
 *
 * Needs FORK_URL_ETHEREUM (an archive-capable RPC URL). Skipped, with a message, without it.
 * Block: FORK_BLOCK_ETHEREUM, default 23_800_000.
 */

import { type Anvil, createAnvil } from '@viem/anvil'
import { type Address, parseAbiItem } from 'viem'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { aavePoolAbi } from '../../abis/aave-pool.js'
import { createChainClient } from '../../src/chains/client.js'
import { configFromEnv } from '../../src/config.js'
import { freePort, resolveAnvilBinary } from '../../src/devchain/anvil.js'
import { readWallet } from '../../src/protocols/read-wallet.js'
import { withPublicActions } from '../helpers/read-client.js'

const FORK_URL = process.env.FORK_URL_ETHEREUM
const FORK_BLOCK = BigInt(process.env.FORK_BLOCK_ETHEREUM ?? '23800000')

if (!FORK_URL) {
  console.warn(
    '[fork] FORK_URL_ETHEREUM is not set: the Aave v3 Ethereum fork tests are SKIPPED (not passed).',
  )
}

describe.skipIf(!FORK_URL)(`Aave v3 Ethereum fork at block ${FORK_BLOCK}`, () => {
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

  for (const marketId of ['aave-v3-ethereum', 'spark-ethereum']) {
    it(`${marketId}: HF of recent borrowers equals getUserAccountData`, async () => {
      const config = configFromEnv({ STACKLENS_RPC_ETHEREUM: rpcUrl })
      const chain = config.chains.ethereum!
      chain.aaveMarkets = chain.aaveMarkets.filter((m) => m.id === marketId)
      const market = chain.aaveMarkets[0]!
      const client = withPublicActions(
        createChainClient('ethereum', { rpcUrls: [rpcUrl], timeoutMs: 120_000 }),
      )
      const logs = await client.getLogs({
        address: market.pool,
        event: parseAbiItem(
          'event Borrow(address indexed reserve, address user, address indexed onBehalfOf, uint256 amount, uint8 interestRateMode, uint256 borrowRate, uint16 indexed referralCode)',
        ),
        fromBlock: FORK_BLOCK - 5_000n,
        toBlock: FORK_BLOCK,
      })
      const users = [...new Set(logs.map((l) => l.args.onBehalfOf as Address))].slice(0, 8)
      expect(users.length).toBeGreaterThan(0)
      let compared = 0
      for (const user of users) {
        const report = await readWallet({ client, chain, user, blockNumber: FORK_BLOCK })
        const p = report.positions[0]
        if (!p) continue
        if (p.status !== 'ok') throw new Error(`${user}: ${p.code}: ${p.reason}`)
        const data = await client.readContract({
          address: market.pool,
          abi: aavePoolAbi,
          functionName: 'getUserAccountData',
          args: [user],
          blockNumber: FORK_BLOCK,
        })
        if (p.healthFactor === null) continue
        const chainHf = Number(data[5]) / 1e18
        expect(Math.abs(p.healthFactor - chainHf) / chainHf).toBeLessThan(1e-9)
        compared++
      }
      expect(compared).toBeGreaterThan(0)
    }, 600_000)
  }
})
