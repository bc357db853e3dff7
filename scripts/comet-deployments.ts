/**
 * Generates src/protocols/compound-v3/deployments.json from Compound's own deployment records: a
 * git checkout of compound-finance/comet (https://github.com/compound-finance/comet). Every
 * production market is a folder `deployments/<network>/<market>/` with `roots.json` (key `comet`:
 * the proxy) and `configuration.json` (`baseToken`, `baseTokenAddress`, `baseTokenPriceFeed`,
 * `assets`). Testnets (sepolia, fuji) and `hardhat` are left out.
 *
 * Price numeraire (FACTS §6 of ../shared/protocols/comet): a market whose `deploy.ts` deploys a
 * `ConstantPriceFeed` (e.g. deployments/mainnet/weth/deploy.ts, "Deploy constant price feed for
 * WETH") prices everything in units of its base asset; its USD conversion feed is the base
 * token's feed in another market of the same network (e.g. WETH's feed in the USDC market). The
 * only configured base feed that is not USD-denominated is mainnet/wbtc's WBTC/BTC feed
 * (deployments/mainnet/wbtc/deploy.ts), listed below; no BTC/USD feed is configured in the repo.
 *
 * Usage: npx tsx scripts/comet-deployments.ts <path to a comet git checkout>
 */
import { execFileSync } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { getAddress } from 'viem'

const repo = process.argv[2]
if (!repo) throw new Error('usage: npx tsx scripts/comet-deployments.ts <comet checkout>')
const git = (...args: string[]) =>
  execFileSync('git', ['-C', repo, ...args], { encoding: 'utf8', maxBuffer: 1 << 28 })
const commit = git('rev-parse', 'HEAD').trim()

/** Production networks of the repo by chain id (hardhat.config.ts networks). */
const CHAIN_IDS: Record<string, number> = {
  mainnet: 1,
  arbitrum: 42161,
  base: 8453,
  linea: 59144,
  mantle: 5000,
  optimism: 10,
  polygon: 137,
  ronin: 2020,
  scroll: 534352,
  unichain: 130,
}
/** Base feeds that are not USD-denominated although configured (see the header). */
const NON_USD_BASE_FEED: Record<string, string> = { 'mainnet/wbtc': 'BTC' }

interface Configuration {
  baseToken: string
  baseTokenAddress: string
  baseTokenPriceFeed?: string
  assets?: Record<string, { address: string; priceFeed?: string }>
}

/** Whether the market's deploy script deploys a ConstantPriceFeed (its base is the numeraire). */
function constantBaseFeed(network: string, market: string): boolean {
  try {
    return git('show', `HEAD:deployments/${network}/${market}/deploy.ts`).includes('ConstantPriceFeed')
  } catch {
    return false
  }
}

const files = git('ls-tree', '-r', '--name-only', 'HEAD', 'deployments')
  .split('\n')
  .filter((f) => /^deployments\/[^/]+\/[^/]+\/roots\.json$/.test(f))
const markets = files.flatMap((f) => {
  const [, network, market] = f.split('/') as [string, string, string]
  const chainId = CHAIN_IDS[network]
  if (chainId === undefined) return []
  const roots = JSON.parse(git('show', `HEAD:${f}`)) as { comet?: string }
  const config = JSON.parse(
    git('show', `HEAD:deployments/${network}/${market}/configuration.json`),
  ) as Configuration
  if (!roots.comet) return []
  return [{ network, market, chainId, comet: getAddress(roots.comet), config }]
})

const out = markets.map(({ network, market, chainId, comet, config }) => {
  const baseToken = getAddress(config.baseTokenAddress)
  let priceUnit: { symbol: string; usdFeed: string | null; source: string } | null = null
  const nonUsd = NON_USD_BASE_FEED[`${network}/${market}`]
  if (nonUsd) {
    priceUnit = { symbol: nonUsd, usdFeed: null, source: 'no BTC/USD feed in the repo configurations' }
  } else if (constantBaseFeed(network, market)) {
    const other = markets.find(
      (m) =>
        m.network === network &&
        m.config.baseTokenPriceFeed &&
        !NON_USD_BASE_FEED[`${m.network}/${m.market}`] &&
        !constantBaseFeed(m.network, m.market) &&
        Object.values(m.config.assets ?? {}).some((a) => a.priceFeed && getAddress(a.address) === baseToken),
    )
    const asset = other
      ? Object.values(other.config.assets ?? {}).find(
          (a) => a.priceFeed && getAddress(a.address) === baseToken,
        )
      : undefined
    priceUnit = {
      symbol: config.baseToken === 'WETH' ? 'ETH' : config.baseToken,
      usdFeed: asset?.priceFeed ? getAddress(asset.priceFeed) : null,
      source: other
        ? `deployments/${network}/${other.market}/configuration.json assets.${config.baseToken}.priceFeed`
        : `no USD feed of ${config.baseToken} in the ${network} configurations`,
    }
  }
  return {
    network,
    market,
    chainId,
    comet,
    baseSymbol: config.baseToken,
    baseToken,
    ...(config.baseTokenPriceFeed ? { baseTokenPriceFeed: getAddress(config.baseTokenPriceFeed) } : {}),
    priceUnit,
  }
})
const path = join(import.meta.dirname, '..', 'src', 'protocols', 'compound-v3', 'deployments.json')
writeFileSync(
  path,
  `${JSON.stringify(
    {
      source: {
        repo: 'https://github.com/compound-finance/comet',
        commit,
        files: [
          'deployments/<network>/<market>/roots.json',
          'deployments/<network>/<market>/configuration.json',
        ],
        generator: 'scripts/comet-deployments.ts',
      },
      markets: out,
    },
    null,
    2,
  )}\n`,
)
console.log(`wrote ${out.length} Comets to ${path}`)
