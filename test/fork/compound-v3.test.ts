/**
 * Fork test: the Compound v3 adapter against the REAL Comets of Ethereum (cUSDCv3, cWETHv3,
 * cUSDTv3) at a pinned block, through an anvil that forks the network. The devchain only has a
 * test double of Comet; this is where the adapter meets Comet's own bytecode.
 *
 * Wallets are discovered from each Comet's Withdraw (base withdrawals, i.e. borrows) and
 * SupplyCollateral events just before the pinned block, so none is hard-coded. For each, at the
 * same block: the adapter must serve the position (it refuses with PROTOCOL_MODEL_MISMATCH when
 * its recomputation disagrees with isLiquidatable / isBorrowCollateralized), HF < 1 must equal
 * the Comet's isLiquidatable, and the legs must equal borrowBalanceOf / userCollateral.
 *
 * Needs FORK_URL_ETHEREUM (an archive-capable RPC URL). Skipped, with a message, without it.
 * Block: FORK_BLOCK_ETHEREUM, default 23_800_000.
 */

import { type Anvil, createAnvil } from '@viem/anvil'
import type { Address } from 'viem'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { cometAbi } from '../../abis/compound-v3-comet.js'
import { createChainClient } from '../../src/chains/client.js'
import { configFromEnv } from '../../src/config.js'
import { freePort, resolveAnvilBinary } from '../../src/devchain/anvil.js'
import { compoundV3Adapter } from '../../src/protocols/compound-v3/index.js'
import { COMETS } from '../../src/protocols/compound-v3/markets.js'
import { readWallet } from '../../src/protocols/read-wallet.js'
import { withPublicActions } from '../helpers/read-client.js'

const FORK_URL = process.env.FORK_URL_ETHEREUM
const FORK_BLOCK = BigInt(process.env.FORK_BLOCK_ETHEREUM ?? '23800000')

if (!FORK_URL) {
  console.warn(
    '[fork] FORK_URL_ETHEREUM is not set: the Compound v3 Ethereum fork tests are SKIPPED (not passed).',
  )
}

describe.skipIf(!FORK_URL)(`Compound v3 Ethereum fork at block ${FORK_BLOCK}`, () => {
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

  for (const market of COMETS.filter((c) => c.chain === 'ethereum')) {
    it(`${market.id}: HF < 1 <=> isLiquidatable, legs = borrowBalanceOf / userCollateral`, async () => {
      const config = configFromEnv({ STACKLENS_RPC_ETHEREUM: rpcUrl })
      const chain = { ...config.chains.ethereum!, comets: [market] }
      const client = withPublicActions(
        createChainClient('ethereum', { rpcUrls: [rpcUrl], timeoutMs: 120_000 }),
      )
      const range = { address: market.comet, fromBlock: FORK_BLOCK - 5_000n, toBlock: FORK_BLOCK }
      const [withdraws, supplies] = await Promise.all([
        client.getContractEvents({ ...range, abi: cometAbi, eventName: 'Withdraw' }),
        client.getContractEvents({ ...range, abi: cometAbi, eventName: 'SupplyCollateral' }),
      ])
      const users = [
        ...new Set([
          ...withdraws.map((l) => l.args.src as Address),
          ...supplies.map((l) => l.args.dst as Address),
        ]),
      ].slice(0, 12)
      expect(users.length).toBeGreaterThan(0)
      const read = <T>(functionName: string, args: readonly unknown[]) =>
        client.readContract({
          address: market.comet,
          abi: cometAbi,
          functionName,
          args,
          blockNumber: FORK_BLOCK,
        } as never) as Promise<T>
      let borrowers = 0
      for (const user of users) {
        const report = await readWallet({
          client,
          chain,
          user,
          blockNumber: FORK_BLOCK,
          adapters: [compoundV3Adapter],
        })
        expect(report.blockNumber).toBe(FORK_BLOCK)
        const p = report.positions[0]
        if (!p) continue
        if (p.status !== 'ok') throw new Error(`${user}: ${p.code}: ${p.reason}`)
        const liquidatable = await read<boolean>('isLiquidatable', [user])
        expect(p.details.liquidatable).toBe(liquidatable)
        const borrow = await read<bigint>('borrowBalanceOf', [user])
        const debt = p.legs.find((l) => l.side === 'debt')
        expect(debt?.amount ?? 0n).toBe(borrow)
        for (const leg of p.legs) {
          if (leg.side !== 'collateral') continue
          if (leg.asset.address?.toLowerCase() === market.baseToken!.toLowerCase()) {
            expect(leg.amount).toBe(await read<bigint>('balanceOf', [user]))
            continue
          }
          const [balance] = await read<readonly [bigint, bigint]>('userCollateral', [user, leg.asset.address])
          expect(leg.amount).toBe(balance)
        }
        if (p.healthFactorWad === null) continue
        expect(p.healthFactorWad < 10n ** 18n).toBe(liquidatable)
        borrowers++
      }
      expect(borrowers).toBeGreaterThan(0)
    }, 600_000)
  }
})
