/**
 * Generates src/protocols/gmx-v2/deployments.json from GMX's own deployment records: a git
 * checkout of gmx-io/gmx-synthetics (https://github.com/gmx-io/gmx-synthetics). Per network
 * (Arbitrum, Avalanche):
 * - every Reader ever recorded in `deployments/<net>/Reader.json` (walked through the file's git
 *   history), with its deployment block and its ABI layout (Position.Numbers field names and the
 *   arity of isPositionLiquidatable), so the adapter picks the Reader live at a pinned block;
 * - DataStore and EventEmitter from `deployments/<net>/*.json`, ReferralStorage from
 *   `config/overwrite.ts` (getExistingContractAddresses);
 * - every token of `config/tokens.ts` with its decimals (synthetic index tokens have no contract:
 *   their address is the last 20 bytes of keccak256(abi.encode(chainId, symbol)),
 *   utils/token.ts getSyntheticTokenAddress) and its oracle feed id (dataStreamFeedId): tokens
 *   sharing a feed id are priced alike by GMX's oracle (config/tokens.ts: WBTC.e "use the BTC price
 *   feed since the oracle would report the BTC price as well").
 *
 * Usage: npx tsx scripts/gmx-deployments.ts <path to a gmx-synthetics git checkout>
 */
import { execFileSync } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { encodeAbiParameters, getAddress, keccak256 } from 'viem'

const repo = process.argv[2]
if (!repo) throw new Error('usage: npx tsx scripts/gmx-deployments.ts <gmx-synthetics checkout>')
const git = (...args: string[]) =>
  execFileSync('git', ['-C', repo, ...args], { encoding: 'utf8', maxBuffer: 1 << 30 })
const commit = git('rev-parse', 'HEAD').trim()
const NETWORKS = { arbitrum: 42161, avalanche: 43114 } as const

interface AbiItem {
  name?: string
  inputs?: unknown[]
  outputs?: { components?: { name: string; components?: { name: string }[] }[] }[]
}

function readers(net: string) {
  const commits = git('log', '--format=%H', '--', `deployments/${net}/Reader.json`).trim().split('\n')
  const out = new Map<string, unknown>()
  for (const c of commits) {
    let text: string
    try {
      text = git('show', `${c}:deployments/${net}/Reader.json`)
    } catch {
      continue
    }
    const d = JSON.parse(text) as { address: string; receipt: { blockNumber: number }; abi: AbiItem[] }
    const address = getAddress(d.address)
    if (out.has(address)) continue
    const positions = d.abi.find((f) => f.name === 'getAccountPositions')
    const numbers = positions?.outputs?.[0]?.components?.find((x) => x.name === 'numbers')?.components
    const liq = d.abi.find((f) => f.name === 'isPositionLiquidatable')
    out.set(address, {
      address,
      fromBlock: d.receipt.blockNumber,
      commit: c,
      positionNumbers: numbers?.map((n) => n.name) ?? null,
      isPositionLiquidatableArgs: liq?.inputs?.length ?? null,
    })
  }
  return [...out.values()].sort(
    (a, b) => (b as { fromBlock: number }).fromBlock - (a as { fromBlock: number }).fromBlock,
  )
}

const record = (net: string, name: string) => {
  const d = JSON.parse(git('show', `HEAD:deployments/${net}/${name}.json`)) as {
    address: string
    receipt: { blockNumber: number }
  }
  return { address: getAddress(d.address), fromBlock: d.receipt.blockNumber }
}

function referralStorage(net: string): string {
  const text = git('show', 'HEAD:config/overwrite.ts')
  const m = new RegExp(
    `"${net}"\\) \\{\\s*return \\{\\s*ReferralStorage: \\{ address: "(0x[0-9a-fA-F]{40})"`,
  ).exec(text)
  if (!m) throw new Error(`no ReferralStorage for ${net} in config/overwrite.ts`)
  return getAddress(m[1]!)
}

/** Tokens of one network block of config/tokens.ts (two-space network keys, four-space tokens). */
function tokens(net: string, chainId: number) {
  const text = git('show', 'HEAD:config/tokens.ts')
  const lines = text.split('\n')
  const start = lines.findIndex((l) => l === `  ${net}: {`)
  if (start < 0) throw new Error(`no ${net} block in config/tokens.ts`)
  const out: unknown[] = []
  let i = start + 1
  while (i < lines.length && lines[i] !== '  },') {
    const head = /^ {4}"?([^":]+)"?: \{$/.exec(lines[i]!)
    if (!head) {
      i++
      continue
    }
    const symbol = head[1]!
    const body: string[] = []
    i++
    while (lines[i] !== '    },') body.push(lines[i++]!)
    i++
    const field = (re: RegExp) => body.map((l) => re.exec(l)?.[1]).find((v) => v !== undefined)
    const decimals = Number(field(/^ {6}decimals: (\d+),/))
    const synthetic = body.some((l) => /^ {6}synthetic: true,/.test(l))
    const address = synthetic
      ? getAddress(
          `0x${keccak256(encodeAbiParameters([{ type: 'uint256' }, { type: 'string' }], [BigInt(chainId), symbol])).slice(26)}`,
        )
      : field(/^ {6}address: "(0x[0-9a-fA-F]{40})",/)
    if (!address || !Number.isInteger(decimals)) continue // test tokens (deploy: true) have no address
    const feedId = field(/^ {6}dataStreamFeedId: "(0x[0-9a-fA-F]+)",/)
    out.push({
      symbol,
      address: getAddress(address),
      decimals,
      ...(synthetic ? { synthetic: true } : {}),
      ...(feedId ? { oracleFeedId: feedId } : {}),
    })
  }
  return out
}

const networks = Object.fromEntries(
  Object.entries(NETWORKS).map(([net, chainId]) => [
    net,
    {
      chainId,
      dataStore: record(net, 'DataStore'),
      eventEmitter: record(net, 'EventEmitter'),
      referralStorage: referralStorage(net),
      readers: readers(net),
      tokens: tokens(net, chainId),
    },
  ]),
)
const out = {
  source: {
    repo: 'https://github.com/gmx-io/gmx-synthetics',
    commit,
    files: [
      'deployments/<net>/Reader.json (history)',
      'deployments/<net>/DataStore.json',
      'deployments/<net>/EventEmitter.json',
      'config/overwrite.ts',
      'config/tokens.ts',
    ],
    generator: 'scripts/gmx-deployments.ts',
  },
  networks,
}
const path = join(import.meta.dirname, '..', 'src', 'protocols', 'gmx-v2', 'deployments.json')
writeFileSync(path, `${JSON.stringify(out, null, 2)}\n`)
console.log(`wrote ${path}`)
