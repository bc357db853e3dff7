/**
 * Positions behind smart accounts on the devchain: `proxy-owner` holds an Aave v3 position on its
 * own address, a Morpho position in its DSProxy (the WETH it borrowed on Aave, posted as
 * collateral by the proxy), a supply in its Summer.fi DPM account and an empty Instadapp DSA, all
 * behind the registry STAND-INS (src/devchain/contracts/SmartAccountStandIns.sol). Asking for the
 * owner must find every account and read its positions at the same block, each row naming the
 * account holding it; the exposure must show one stack across the owner and its proxy.
 *
 * Amounts are the seeding's constants (src/devchain/deploy-smart-accounts.ts PROXY_OWNER); debts
 * may have grown by interest, so they are bounded below by the seeded amount and above by 0.1%.
 */
import { type Address, parseAbi, parseUnits } from 'viem'
import { mnemonicToAccount } from 'viem/accounts'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createChainClient } from '../../src/chains/client.js'
import { configFromEnv } from '../../src/config.js'
import { ANVIL_MNEMONIC } from '../../src/devchain/anvil.js'
import { PROXY_OWNER, SMART_ACCOUNT_ROLES } from '../../src/devchain/deploy-smart-accounts.js'
import { createReportSources } from '../../src/report/report-sources.js'
import { readWalletReport } from '../../src/report/wallet-report.js'
import { startTestDevchain, type TestDevchain } from '../helpers/devchain.js'

let t: TestDevchain

beforeAll(async () => {
  t = await startTestDevchain()
})
afterAll(async () => {
  await t?.devchain.stop()
})

interface Row {
  status: string
  protocol: string
  market: string
  account?: string
  accountKind?: string
  owner?: string
  healthFactor: number | null
  legs: { asset: { symbol: string }; side: string; amount: string }[]
}
interface WalletBody {
  blockNumber: number
  chains: { blockNumber: number }[]
  positions: Row[]
  accounts: { chain: string; address: string; kind: string; registry: string }[]
}

const owner = () => {
  const w = t.manifest.wallets.find((x) => x.key === 'proxy-owner')
  if (!w) throw new Error('no proxy-owner demo wallet')
  return w.address as Address
}
const registries = () => {
  const s = t.manifest.smartAccounts
  if (!s) throw new Error('no smartAccounts section in the manifest')
  return s
}
const units = (symbol: string, amount: string) =>
  parseUnits(amount, t.manifest.tokens.find((x) => x.symbol === symbol)!.decimals)
const leg = (row: Row, side: string, symbol: string) =>
  BigInt(row.legs.find((l) => l.side === side && l.asset.symbol === symbol)?.amount ?? '-1')
const lower = (a: string) => a.toLowerCase()

async function wallet(query = ''): Promise<{ status: number; body: WalletBody }> {
  const res = await t.app.request(`/v1/wallets/${owner()}?chain=local${query}`)
  return { status: res.status, body: (await res.json()) as WalletBody }
}

/** The accounts as the stand-in registries hold them, read straight from the chain. */
async function onChainAccounts() {
  const s = registries()
  const abi = parseAbi([
    'function proxies(address) view returns (address)',
    'function accountAddr(uint64) view returns (address)',
    'function owners(address) view returns (address)',
    'event AccountCreated(address indexed proxy, address indexed user, uint256 indexed vaultId)',
  ])
  const dsProxy = await t.client.readContract({
    address: s.proxyRegistry as Address,
    abi,
    functionName: 'proxies',
    args: [owner()],
  })
  const dsa = await t.client.readContract({
    address: s.instaList as Address,
    abi,
    functionName: 'accountAddr',
    args: [1n],
  })
  const logs = await t.client.getLogs({
    address: s.dpmFactory as Address,
    event: abi[3],
    args: { user: owner() },
    fromBlock: BigInt(s.deployBlock),
  })
  const dpm = logs[0]!.args.proxy as Address
  const dpmOwner = await t.client.readContract({
    address: s.dpmGuard as Address,
    abi,
    functionName: 'owners',
    args: [dpm],
  })
  expect(lower(dpmOwner)).toBe(lower(owner()))
  return { dsProxy, dsa, dpm }
}

describe('smart accounts (devchain stand-ins)', () => {
  it('the demo roles are the anvil mnemonic addresses they name', () => {
    for (const role of Object.values(SMART_ACCOUNT_ROLES))
      expect(mnemonicToAccount(ANVIL_MNEMONIC, { addressIndex: role.index }).address).toBe(role.address)
    expect(owner()).toBe(SMART_ACCOUNT_ROLES.owner.address)
  })

  it("finds the owner's DSProxy, DSA and DPM account and reads each account's positions, attributed", async () => {
    const chain = await onChainAccounts()
    const { status, body } = await wallet()
    expect(status).toBe(200)
    const found = Object.fromEntries(body.accounts.map((a) => [a.kind, lower(a.address)]))
    expect(found).toEqual({
      'ds-proxy': lower(chain.dsProxy),
      'instadapp-dsa': lower(chain.dsa),
      'summer-dpm': lower(chain.dpm),
    })
    expect(body.accounts.find((a) => a.kind === 'ds-proxy')!.registry.toLowerCase()).toBe(
      lower(registries().proxyRegistry),
    )
    for (const p of body.positions) expect(p.owner).toBe(owner())

    const own = body.positions.filter((p) => p.accountKind === 'eoa')
    expect(own.every((p) => lower(p.account!) === lower(owner()))).toBe(true)
    const ownAave = own.find((p) => p.status === 'ok' && p.market === 'aave-v3-local')!
    expect(leg(ownAave, 'collateral', 'wstETH')).toBe(units('wstETH', PROXY_OWNER.aaveSupplyWstEth))
    const wethDebt = leg(ownAave, 'debt', 'WETH')
    const seededWeth = units('WETH', PROXY_OWNER.aaveBorrowWeth)
    expect(wethDebt >= seededWeth && wethDebt <= (seededWeth * 1001n) / 1000n).toBe(true)

    const inProxy = body.positions.filter((p) => p.accountKind === 'ds-proxy' && p.status === 'ok')
    expect(inProxy).toHaveLength(1)
    const morpho = inProxy[0]!
    expect(morpho.protocol).toBe('morpho-blue')
    expect(lower(morpho.account!)).toBe(lower(chain.dsProxy))
    expect(leg(morpho, 'collateral', 'WETH')).toBe(seededWeth)
    const usdcDebt = leg(morpho, 'debt', 'USDC')
    const seededUsdc = units('USDC', PROXY_OWNER.morphoBorrowUsdc)
    expect(usdcDebt >= seededUsdc && usdcDebt <= (seededUsdc * 1001n) / 1000n).toBe(true)

    const inDpm = body.positions.filter((p) => p.accountKind === 'summer-dpm' && p.status === 'ok')
    expect(inDpm.map((p) => p.market)).toEqual(['aave-v3-local'])
    expect(leg(inDpm[0]!, 'collateral', 'WBTC')).toBe(units('WBTC', PROXY_OWNER.dpmAaveSupplyWbtc))
    expect(inDpm[0]!.healthFactor).toBeNull()
    expect(body.positions.some((p) => p.accountKind === 'instadapp-dsa')).toBe(false)
  })

  it('the proxy read is the one of the proxy address itself, at the same block', async () => {
    const { body } = await wallet()
    const proxy = body.accounts.find((a) => a.kind === 'ds-proxy')!.address
    const res = await t.app.request(
      `/v1/wallets/${proxy}?chain=local&block=${body.blockNumber}&accounts=false`,
    )
    const direct = (await res.json()) as WalletBody
    expect(direct.blockNumber).toBe(body.blockNumber)
    const strip = (p: Row) => ({ ...p, account: undefined, accountKind: undefined, owner: undefined })
    expect(direct.positions.map(strip)).toEqual(
      body.positions.filter((p) => p.accountKind === 'ds-proxy').map(strip),
    )
  })

  it('accounts=false reads the owner alone; a block before the registries finds none', async () => {
    const off = await wallet('&accounts=false')
    expect(off.status).toBe(200)
    expect(off.body.accounts).toEqual([])
    expect(off.body.positions.every((p) => p.accountKind === 'eoa')).toBe(true)
    expect(off.body.positions.some((p) => p.status === 'ok' && p.market === 'aave-v3-local')).toBe(true)
    expect(off.body.positions.some((p) => p.protocol === 'morpho-blue')).toBe(false)
    const before = await wallet(`&block=${registries().deployBlock}`)
    expect(before.status).toBe(200)
    expect(before.body.blockNumber).toBe(registries().deployBlock)
    expect(before.body.accounts).toEqual([])
  })

  it('a bad accounts value is a 400 naming the parameter', async () => {
    const res = await t.app.request(`/v1/wallets/${owner()}?chain=local&accounts=yes`)
    expect(res.status).toBe(400)
    const body = (await res.json()) as { error: { code: string; message: string } }
    expect(body.error.code).toBe('INVALID_REQUEST')
    expect(body.error.message).toMatch(/accounts/)
  })

  it('the exposure has one stack across the owner and its DSProxy (Aave WETH debt -> Morpho WETH collateral)', async () => {
    const res = await t.app.request(`/v1/wallets/${owner()}/exposure?chain=local`)
    expect(res.status).toBe(200)
    const body = (await res.json()) as {
      accounts: { kind: string; address: string }[]
      layers: { id: string; protocol: string; account?: string; accountKind?: string }[]
      stacks: {
        protocols: string[]
        accounts?: string[]
        links: { from: string; to: string; via: string }[]
      }[]
    }
    const proxy = body.accounts.find((a) => a.kind === 'ds-proxy')!.address
    const stack = body.stacks.find((s) => s.protocols.includes('morpho-blue'))!
    expect(stack.protocols).toEqual(expect.arrayContaining(['aave-v3', 'morpho-blue']))
    expect((stack.accounts ?? []).map(lower).sort()).toEqual([lower(owner()), lower(proxy)].sort())
    const byId = new Map(body.layers.map((l) => [l.id, l]))
    const link = stack.links.find((l) => byId.get(l.from)?.accountKind === 'eoa')!
    expect(link.via).toBe('same-token')
    expect(byId.get(link.to)?.accountKind).toBe('ds-proxy')
    expect(lower(byId.get(link.to)!.account!)).toBe(lower(proxy))
  })

  it('round trips: discovery rides beside the owner read; accounts add the confirmations and their reads', async () => {
    /** Every HTTP request to the RPC: its JSON-RPC methods and when it was out. */
    const requests: { methods: string[]; start: number; end: number }[] = []
    const fetchFn: typeof fetch = async (input, init) => {
      const start = performance.now()
      const body = JSON.parse(String(init?.body)) as { method: string } | { method: string }[]
      const res = await fetch(input, init)
      await res.clone().text()
      requests.push({ methods: [body].flat().map((b) => b.method), start, end: performance.now() })
      return res
    }
    const sources = createReportSources({
      config: configFromEnv({}, t.manifest),
      clientFor: (chain) => createChainClient(chain.key, { rpcUrls: chain.rpcUrls, fetchFn }),
    })
    /** The longest chain of requests each sent after the previous one answered. */
    const depth = () => {
      const sorted = [...requests].sort((a, b) => a.start - b.start)
      const d = sorted.map(() => 1)
      sorted.forEach((r, i) => {
        for (let j = 0; j < i; j++) if (sorted[j]!.end <= r.start) d[i] = Math.max(d[i]!, d[j]! + 1)
      })
      return Math.max(...d)
    }
    const measure = async (accounts: boolean, address: Address = owner()) => {
      requests.length = 0
      const read = await readWalletReport(sources, { address, chain: 'local', accounts })
      const methods = requests.flatMap((r) => r.methods)
      return { read, depth: depth(), calls: methods.filter((m) => m === 'eth_call').length, methods }
    }
    const alone = await measure(false)
    const withAccounts = await measure(true)
    expect(withAccounts.read.accounts).toHaveLength(3)
    const logs = (m: { methods: string[] }) => m.methods.filter((x) => x === 'eth_getLogs').length
    // Owner alone: its discovery logs with the head in one JSON-RPC batch, then its aggregate3.
    // With accounts: the account discovery rides in the first flight; the DSProxy's and the DPM
    // account's reads, pinned to discovery's block (no head read: the block is known to exist),
    // go out beside the confirmations + DSA walk (logs, batch, and Morpho's one follow-up for a
    // market seen the first time); the DSA's read starts when the walk answers: 1 + 3 = 1 + 1 + 2.
    expect(alone.depth).toBe(2)
    // Measured at the HTTP level: the shared JSON-RPC batch (at most 8 calls a POST) sometimes
    // sends a call of one flight in the next POST, which shows as one more sequential request.
    expect(withAccounts.depth).toBeGreaterThanOrEqual(4)
    expect(withAccounts.depth).toBeLessThanOrEqual(5)
    // Four addresses read as the owner alone is, plus discovery's aggregate3, the confirmation
    // aggregate3 and the proxy's Morpho market-facts follow-up (cold cache); the DPM scans (2).
    expect(withAccounts.calls).toBe(4 * alone.calls + 3)
    expect(logs(withAccounts)).toBe(4 * logs(alone) + 2)
    // An address without accounts: discovery rides beside its read, no round trip added.
    const supplier = t.manifest.wallets.find((w) => w.key === 'supplier')!.address as Address
    const plain = await measure(false, supplier)
    const plainDiscovering = await measure(true, supplier)
    expect(plainDiscovering.read.accounts).toEqual([])
    expect(plainDiscovering.depth).toBe(plain.depth)
    expect(plainDiscovering.calls).toBe(plain.calls + 1)
  })

  it("the stress rows name who holds each position (the proxy's Morpho row is the proxy's)", async () => {
    const res = await t.app.request(`/v1/wallets/${owner()}/stress?chain=local&shocks=ETH:-0.3`)
    expect(res.status).toBe(200)
    const body = (await res.json()) as {
      scenarios: {
        positions: { protocol: string; account?: string; accountKind?: string; owner?: string }[]
      }[]
    }
    const rows = body.scenarios[0]!.positions
    expect(rows.every((r) => r.owner === owner())).toBe(true)
    const morpho = rows.find((r) => r.protocol === 'morpho-blue')!
    expect(morpho.accountKind).toBe('ds-proxy')
    expect(rows.some((r) => r.accountKind === 'eoa' && r.protocol === 'aave-v3')).toBe(true)
  })
})
