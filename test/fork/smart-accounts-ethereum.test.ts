/**
 * Fork test: smart-account discovery against the REAL registries on Ethereum at a pinned block.
 * Owners are taken from the creation events of each kind before the block (DSProxyFactory
 * `Created`, InstaIndex `LogAccountCreated`, DPM AccountFactory `AccountCreated`); for each whose
 * account is still the owner's by the registry's own views, read in the test, discovery from the
 * owner alone must find that account with its kind. The DPM scan's lower bound (`fromBlock` in
 * src/accounts/registry.ts) is checked: the factory has no code there.
 *
 * Needs FORK_URL_ETHEREUM (archive). Skipped, with a message, without it.
 */
import { type Anvil, createAnvil } from '@viem/anvil'
import { type Address, parseAbi, parseAbiItem } from 'viem'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { confirmAccounts, findAccountCandidates } from '../../src/accounts/discover.js'
import { ACCOUNT_REGISTRIES } from '../../src/accounts/registry.js'
import type { SmartAccountKind } from '../../src/accounts/types.js'
import { createChainClient } from '../../src/chains/client.js'
import { configFromEnv } from '../../src/config.js'
import { freePort, resolveAnvilBinary } from '../../src/devchain/anvil.js'
import { createReportSources } from '../../src/report/report-sources.js'
import { readWalletReport } from '../../src/report/wallet-report.js'
import { withPublicActions } from '../helpers/read-client.js'

const FORK_URL = process.env.FORK_URL_ETHEREUM
const FORK_BLOCK = BigInt(process.env.FORK_BLOCK_ETHEREUM ?? '23800000')
/** How far back creation events are looked for (blocks). */
const LOOKBACK = 20_000n

if (!FORK_URL) {
  console.warn(
    '[fork] FORK_URL_ETHEREUM is not set: the smart-account Ethereum fork test is SKIPPED (not passed).',
  )
}

const DS_PROXY_FACTORY: Address = '0xA26e15C895EFc0616177B7c1e7270A4C7D51C997'
const INSTA_INDEX: Address = '0x2971AdFa57b20E5a416aE5a708A8655A9c74f723'
const views = parseAbi([
  'function proxies(address) view returns (address)',
  'function owner() view returns (address)',
  'function userLink(address) view returns (uint64 first, uint64 last, uint64 count)',
  'function accountID(address) view returns (uint64)',
  'function userList(address, uint64) view returns (uint64 prev, uint64 next)',
  'function owners(address) view returns (address)',
])

describe.skipIf(!FORK_URL)(`smart accounts on an Ethereum fork at block ${FORK_BLOCK}`, () => {
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

  const client = () =>
    withPublicActions(createChainClient('ethereum', { rpcUrls: [rpcUrl], timeoutMs: 120_000 }))
  const eth = ACCOUNT_REGISTRIES.ethereum!
  const chain = { key: 'ethereum', multicall3: '0xcA11bde05977b3631167028862bE2a173976CA11' as Address }
  const discover = async (owner: Address) => {
    const c = client()
    const candidates = await findAccountCandidates({
      client: c,
      chain,
      registries: eth,
      owner,
      blockNumber: FORK_BLOCK,
    })
    expect(candidates.blockNumber).toBe(FORK_BLOCK)
    return (await confirmAccounts({ client: c, chain, registries: eth, owner, candidates })).accounts
  }
  const expectFound = async (owner: Address, account: Address, kind: SmartAccountKind) => {
    const found = await discover(owner)
    expect(
      found.some((a) => a.kind === kind && a.address.toLowerCase() === account.toLowerCase()),
      `${kind} ${account} of ${owner}`,
    ).toBe(true)
  }

  it('the DPM factory has no code at the scan lower bound and has code at the fork block', async () => {
    const c = client()
    const factory = eth.summerDpm!.factory
    expect(await c.getCode({ address: factory, blockNumber: eth.summerDpm!.fromBlock })).toBeUndefined()
    expect((await c.getCode({ address: factory, blockNumber: FORK_BLOCK }))?.length ?? 0).toBeGreaterThan(2)
  })

  it('finds DSProxies the ProxyRegistry still names for their owner', async () => {
    const c = client()
    const logs = await c.getLogs({
      address: DS_PROXY_FACTORY,
      event: parseAbiItem(
        'event Created(address indexed sender, address indexed owner, address proxy, address cache)',
      ),
      fromBlock: FORK_BLOCK - LOOKBACK * 10n,
      toBlock: FORK_BLOCK,
    })
    let checked = 0
    for (const log of logs.slice(-8)) {
      const owner = log.args.owner as Address
      const proxy = log.args.proxy as Address
      const named = await c.readContract({
        address: eth.dsProxy!.registry,
        abi: views,
        functionName: 'proxies',
        args: [owner],
        blockNumber: FORK_BLOCK,
      })
      const current = await c.readContract({
        address: proxy,
        abi: views,
        functionName: 'owner',
        blockNumber: FORK_BLOCK,
      })
      if (named.toLowerCase() !== proxy.toLowerCase() || current.toLowerCase() !== owner.toLowerCase())
        continue
      await expectFound(owner, proxy, 'ds-proxy')
      checked++
    }
    if (checked === 0) console.warn('[fork] no registry-built DSProxy created in the lookback window')
  })

  it('finds Instadapp DSAs InstaList links to their owner', async () => {
    const c = client()
    const logs = await c.getLogs({
      address: INSTA_INDEX,
      event: parseAbiItem(
        'event LogAccountCreated(address sender, address indexed owner, address indexed account, address indexed origin)',
      ),
      fromBlock: FORK_BLOCK - LOOKBACK,
      toBlock: FORK_BLOCK,
    })
    expect(logs.length).toBeGreaterThan(0)
    let checked = 0
    for (const log of logs.slice(-6)) {
      const owner = log.args.owner as Address
      const account = log.args.account as Address
      const link = await c.readContract({
        address: eth.instadapp!.list,
        abi: views,
        functionName: 'userLink',
        args: [owner],
        blockNumber: FORK_BLOCK,
      })
      if (link[2] === 0n || link[2] > 20n) continue
      await expectFound(owner, account, 'instadapp-dsa')
      checked++
    }
    expect(checked).toBeGreaterThan(0)
  })

  it('finds Summer.fi DPM accounts the AccountGuard gives to their owner', async () => {
    const c = client()
    const logs = await c.getLogs({
      address: eth.summerDpm!.factory,
      event: parseAbiItem(
        'event AccountCreated(address indexed proxy, address indexed user, uint256 indexed vaultId)',
      ),
      fromBlock: FORK_BLOCK - LOOKBACK * 5n,
      toBlock: FORK_BLOCK,
    })
    expect(logs.length).toBeGreaterThan(0)
    let checked = 0
    for (const log of logs.slice(-6)) {
      const user = log.args.user as Address
      const proxy = log.args.proxy as Address
      const owner = await c.readContract({
        address: eth.summerDpm!.guard,
        abi: views,
        functionName: 'owners',
        args: [proxy],
        blockNumber: FORK_BLOCK,
      })
      if (owner.toLowerCase() !== user.toLowerCase()) continue
      await expectFound(user, proxy, 'summer-dpm')
      checked++
    }
    expect(checked).toBeGreaterThan(0)
  })

  it('the wallet report of a DPM owner names every row with account, kind and owner', async () => {
    const c = client()
    const [log] = (
      await c.getLogs({
        address: eth.summerDpm!.factory,
        event: parseAbiItem(
          'event AccountCreated(address indexed proxy, address indexed user, uint256 indexed vaultId)',
        ),
        fromBlock: FORK_BLOCK - LOOKBACK * 5n,
        toBlock: FORK_BLOCK,
      })
    ).slice(-1)
    const user = log!.args.user as Address
    const sources = createReportSources({ config: configFromEnv({ STACKLENS_RPC_ETHEREUM: rpcUrl }) })
    const read = await readWalletReport(sources, {
      address: user,
      chain: 'ethereum',
      blockNumber: FORK_BLOCK,
    })
    expect(read.pinned.blockNumber).toBe(Number(FORK_BLOCK))
    for (const p of read.positions) {
      expect(p.owner).toBe(user)
      expect(
        p.accountKind === 'eoa' ? p.account : read.accounts.some((a) => a.address === p.account),
      ).toBeTruthy()
    }
  })
})
