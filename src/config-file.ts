/**
 * `STACKLENS_CONFIG=<file>`: extra chains (forks, new deployments, private testnets) and markets
 * by address for every protocol, added to what the environment configures. The file is JSON,
 * validated with zod; a bad file stops the start with {@link ConfigFileError} naming the field.
 *
 * ```json
 * { "chains": [{ "key": "myfork", "chainId": 31337, "rpcUrls": ["http://127.0.0.1:8545"],
 *                "multicall3": "0xcA11bde05977b3631167028862bE2a173976CA11" }],
 *   "markets": [
 *     { "protocol": "aave-v3", "chain": "myfork", "id": "aave-v3-myfork",
 *       "poolAddressesProvider": "0x…", "uiPoolDataProvider": "0x…" },
 *     { "protocol": "aave-v4", "chain": "myfork", "id": "aave-v4-myfork", "hub": "0x…", "spokes": ["0x…"], "startBlock": 0 },
 *     { "protocol": "morpho-blue", "chain": "myfork", "morpho": "0x…", "startBlock": 0 },
 *     { "protocol": "compound-v3", "chain": "myfork", "comets": ["0x…"] },
 *     { "protocol": "gmx-v2", "chain": "myfork", "reader": "0x…", "dataStore": "0x…",
 *       "referralStorage": "0x…", "tickersUrl": "http://127.0.0.1:9999/prices/tickers" } ],
 *   "pendlePts": [
 *     { "chain": "ethereum", "pt": "0x…", "symbol": "PT-sUSDE-27NOV2025", "decimals": 18,
 *       "market": "0x…", "underlying": "0x…", "price": "oracle", "twapSeconds": 900 } ] }
 * ```
 *
 * A Pendle PT (`pendlePts`) is valued from its market at the block: `price: "market"` (default)
 * reads the market's last implied rate (`readState(router)`), `price: "oracle"` Pendle's
 * PendlePYLpOracle TWAP (`getPtToAssetRate(market, twapSeconds)`), the one to use where a lending
 * market prices the PT by it. Router and oracle default to Pendle's published addresses of the
 * chain (src/assets/pendle-deployments-data.ts). Without `maturity` or `sy`, the market is asked
 * once at start (`readTokens()` must name the PT; `expiry()` gives the maturity).
 */
import { decodeAbiParameters } from 'viem'
import { z } from 'zod'
import type { PendlePtEntry } from './assets/pendle-source.js'
import { pendleDeploymentOf } from './assets/registry.js'
import { createChainClient, ethCall } from './chains/client.js'
import { CHAIN_KEY_PATTERN, CHAIN_KEYS, CHAINS, isChainKey } from './chains/registry.js'
import type { StacklensConfig } from './config.js'
import { type Address, parseAddress } from './core/address.js'
import { BaseError } from './core/errors.js'
import type { AaveMarketConfig } from './protocols/aave-v3/markets.js'
import { parseAaveV4ConfigEntry } from './protocols/aave-v4/markets.js'
import type { ChainRuntime } from './protocols/types.js'

/** A configuration file that cannot be used: names the file and the field. */
export class ConfigFileError extends BaseError {
  override name = 'ConfigFileError'
  constructor(message: string, cause?: unknown) {
    super('CONFIG_INVALID', message, cause === undefined ? {} : { cause })
  }
}

const address = z.string().transform((v, ctx) => {
  try {
    return parseAddress(v)
  } catch {
    ctx.addIssue({ code: 'custom', message: `"${v.slice(0, 60)}" is not an address` })
    return z.NEVER
  }
})
const block = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER)
const url = z.string().url()
const marketId = z.string().regex(/^[a-z0-9][a-z0-9-]{0,63}$/, 'lower-case letters, digits and dashes')

const ChainEntrySchema = z
  .object({
    key: z
      .string()
      .regex(CHAIN_KEY_PATTERN, 'lower-case letters, digits and dashes, starting with a letter')
      .refine((k) => !isChainKey(k), 'is a built-in chain key: configure it with STACKLENS_RPC_<CHAIN>'),
    chainId: z.number().int().positive(),
    rpcUrls: z.array(url).min(1),
    multicall3: address.optional(),
    /**
     * A USD price source for assets priced outside their protocol (Morpho prices collateral in
     * loan-token units): an AaveOracle-compatible `getAssetPrice(asset)`, USD with 8 decimals.
     */
    usdPriceOracle: address.optional(),
  })
  .strict()

const AaveV3EntrySchema = z
  .object({
    protocol: z.literal('aave-v3'),
    chain: z.string(),
    id: marketId,
    name: z.string().max(80).optional(),
    poolAddressesProvider: address,
    pool: address.optional(),
    uiPoolDataProvider: address,
  })
  .strict()
const AaveV4EntrySchema = z
  .object({
    protocol: z.literal('aave-v4'),
    chain: z.string(),
    id: marketId,
    hub: address.optional(),
    hubs: z.array(address).min(1).optional(),
    spokes: z.array(z.union([address, z.object({ address, id: marketId.optional() }).strict()])).min(1),
    startBlock: block,
    logsBlockSpan: z.number().int().min(1).max(10_000_000).optional(),
  })
  .strict()
const MorphoEntrySchema = z
  .object({
    protocol: z.literal('morpho-blue'),
    chain: z.string(),
    morpho: address,
    startBlock: block,
    logsBlockSpan: z.number().int().min(1).max(10_000_000).optional(),
  })
  .strict()
const CometEntrySchema = z
  .object({
    protocol: z.literal('compound-v3'),
    chain: z.string(),
    comets: z
      .array(z.union([address, z.object({ address, baseSymbol: z.string().min(1).max(20) }).strict()]))
      .min(1),
  })
  .strict()
const GmxEntrySchema = z
  .object({
    protocol: z.literal('gmx-v2'),
    chain: z.string(),
    id: marketId.optional(),
    reader: address,
    dataStore: address,
    referralStorage: address,
    tickersUrl: url,
    tokens: z
      .array(
        z.object({ address, symbol: z.string().min(1).max(20), decimals: z.number().int().min(0).max(36) }),
      )
      .optional(),
  })
  .strict()

const decimals = z.number().int().min(0).max(36)
const PendlePtEntrySchema = z
  .object({
    chain: z.string(),
    pt: address,
    symbol: z.string().min(1).max(40),
    decimals,
    market: address,
    sy: address.optional(),
    /** What the PT redeems 1:1 for at maturity (the SY's accounting asset). */
    underlying: address,
    /** Decimals of the underlying; default the PT's (Pendle's PT, SY and asset usually share them). */
    underlyingDecimals: decimals.optional(),
    /** Unix seconds; read from the market's `expiry()` at start when omitted. */
    maturity: z.number().int().positive().max(Number.MAX_SAFE_INTEGER).optional(),
    price: z.enum(['market', 'oracle']).default('market'),
    router: address.optional(),
    oracle: address.optional(),
    /** The oracle's TWAP window, seconds (default 900, Pendle's recommended 15 minutes). */
    twapSeconds: z.number().int().min(1).max(86_400).optional(),
  })
  .strict()
  .refine((e) => e.price === 'oracle' || (e.oracle === undefined && e.twapSeconds === undefined), {
    message: 'oracle and twapSeconds apply to price "oracle" only',
  })

/** Default TWAP window of a PT priced by Pendle's oracle, seconds. */
export const DEFAULT_PENDLE_TWAP_SECONDS = 900

/** The file's schema (exported for the tests and the README). */
export const ConfigFileSchema = z
  .object({
    chains: z.array(ChainEntrySchema).max(64).default([]),
    markets: z
      .array(
        z.discriminatedUnion('protocol', [
          AaveV3EntrySchema,
          AaveV4EntrySchema,
          MorphoEntrySchema,
          CometEntrySchema,
          GmxEntrySchema,
        ]),
      )
      .max(1000)
      .default([]),
    pendlePts: z.array(PendlePtEntrySchema).max(1000).default([]),
  })
  .strict()

/** A parsed configuration file. */
export type ConfigFile = z.infer<typeof ConfigFileSchema>

/** Parses the text of a configuration file. @throws ConfigFileError naming the first bad field */
export function parseConfigFile(text: string, source = 'STACKLENS_CONFIG'): ConfigFile {
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch (err) {
    throw new ConfigFileError(`${source}: not JSON (${(err as Error).message})`)
  }
  const parsed = ConfigFileSchema.safeParse(json)
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!
    const where = issue.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('')
    throw new ConfigFileError(`${source}: ${where.replace(/^\./, '') || '(root)'}: ${issue.message}`)
  }
  const keys = parsed.data.chains.map((c) => c.key)
  const dup = keys.find((k, i) => keys.indexOf(k) !== i)
  if (dup) throw new ConfigFileError(`${source}: chains: "${dup}" is declared twice`)
  return parsed.data
}

/**
 * Resolves what the file leaves to the chain: an Aave v3 entry without `pool` asks its
 * PoolAddressesProvider (`getPool()`). `call(chain, to, data)` runs one eth_call on that chain.
 */
export type ConfigChainCall = (
  chain: ChainRuntime,
  to: Address,
  data: `0x${string}`,
) => Promise<`0x${string}`>

const GET_POOL = '0x026b1d5f' // PoolAddressesProvider.getPool()
const READ_TOKENS = '0x2c8ce6bc' // PendleMarket.readTokens()
const EXPIRY = '0xe184c9be' // PendleMarket.expiry()
const BASE_TOKEN = '0xc55dae63' // Comet.baseToken()
const SYMBOL = '0x95d89b41' // ERC20.symbol()

/**
 * Adds the file's chains and markets to `chains` (the environment's), returning the merged map.
 * A market must name a chain that is declared in the file or configured with an RPC.
 * @throws ConfigFileError naming the entry
 */
export async function applyConfigFile(
  file: ConfigFile,
  chains: Record<string, ChainRuntime>,
  call: ConfigChainCall,
  source = 'STACKLENS_CONFIG',
): Promise<Record<string, ChainRuntime>> {
  const out: Record<string, ChainRuntime> = { ...chains }
  for (const c of file.chains) {
    out[c.key] = {
      key: c.key,
      chainId: c.chainId,
      rpcUrls: c.rpcUrls,
      multicall3: c.multicall3 ?? CHAINS.ethereum.multicall3,
      aaveMarkets: [],
      aaveV4: [],
      usdPriceOracle: c.usdPriceOracle ?? null,
      morphoBlue: null,
      comets: [],
      gmxV2: [],
      dexPools: [],
      subgraphs: {},
    }
  }
  const ids = new Set<string>()
  for (const [i, m] of file.markets.entries()) {
    const where = `${source}: markets[${i}]`
    const base = out[m.chain]
    if (!base) {
      const known = [...file.chains.map((c) => c.key), ...CHAIN_KEYS.filter((k) => chains[k])]
      throw new ConfigFileError(
        `${where}.chain: "${m.chain}" is neither declared in chains nor configured (have: ${known.join(', ') || 'none'})`,
      )
    }
    const chain: ChainRuntime = { ...base }
    out[m.chain] = chain
    const claim = (id: string) => {
      if (ids.has(id)) throw new ConfigFileError(`${where}.id: "${id}" is used twice`)
      ids.add(id)
    }
    switch (m.protocol) {
      case 'aave-v3': {
        claim(m.id)
        let pool = m.pool
        if (!pool) {
          try {
            const data = await call(chain, m.poolAddressesProvider, GET_POOL)
            pool = parseAddress(`0x${data.slice(-40)}`)
          } catch (err) {
            throw new ConfigFileError(
              `${where}.pool: not given, and PoolAddressesProvider.getPool() on "${m.chain}" failed`,
              err,
            )
          }
        }
        const market: AaveMarketConfig = {
          id: m.id,
          protocol: 'aave-v3',
          name: m.name ?? `Aave v3 ${m.chain} (${m.id})`,
          chain: m.chain,
          poolAddressesProvider: m.poolAddressesProvider,
          pool,
          uiPoolDataProvider: m.uiPoolDataProvider,
          source,
        }
        chain.aaveMarkets = [...chain.aaveMarkets, market]
        break
      }
      case 'aave-v4': {
        claim(m.id)
        try {
          const d = parseAaveV4ConfigEntry(m, chain.chainId)
          chain.aaveV4 = [...(chain.aaveV4 ?? []), { ...d, source }]
        } catch (err) {
          throw new ConfigFileError(`${where}: ${(err as Error).message}`, err)
        }
        break
      }
      case 'morpho-blue': {
        if (chain.morphoBlue)
          throw new ConfigFileError(`${where}: chain "${m.chain}" already has a Morpho Blue singleton`)
        chain.morphoBlue = {
          chain: m.chain,
          morpho: m.morpho,
          fromBlock: BigInt(m.startBlock),
          logsBlockSpan: BigInt(m.logsBlockSpan ?? 50_000),
        }
        break
      }
      case 'compound-v3': {
        const comets = []
        for (const [j, entry] of m.comets.entries()) {
          const comet = typeof entry === 'string' ? entry : entry.address
          const id = `compound-v3-${m.chain}-${comet.slice(2, 10).toLowerCase()}`
          claim(id)
          let baseSymbol = typeof entry === 'string' ? undefined : entry.baseSymbol
          if (baseSymbol === undefined) {
            try {
              const base = parseAddress(`0x${(await call(chain, comet, BASE_TOKEN)).slice(-40)}`)
              ;[baseSymbol] = decodeAbiParameters([{ type: 'string' }], await call(chain, base, SYMBOL))
            } catch (err) {
              throw new ConfigFileError(
                `${where}.comets[${j}]: no baseSymbol given, and the Comet's baseToken().symbol() on "${m.chain}" failed`,
                err,
              )
            }
          }
          comets.push({ id, chain: m.chain, comet, baseSymbol })
        }
        chain.comets = [...chain.comets, ...comets]
        break
      }
      case 'gmx-v2': {
        const id = m.id ?? `gmx-v2-${m.chain}`
        claim(id)
        chain.gmxV2 = [
          ...chain.gmxV2,
          {
            id,
            chain: m.chain,
            reader: m.reader,
            dataStore: m.dataStore,
            referralStorage: m.referralStorage,
            tokens: m.tokens ?? [],
            prices: { kind: 'oracle', tickersUrl: m.tickersUrl },
          },
        ]
        break
      }
    }
  }
  return out
}

/**
 * The file's Pendle PTs as registry entries, on chains of `chains` (the merged map). Router and
 * oracle default to Pendle's published ones of the chain; a missing `sy` or `maturity` is read
 * from the market (`readTokens()`, which must name the PT, and `expiry()`).
 * @throws ConfigFileError naming the entry
 */
export async function pendlePtsOfFile(
  file: ConfigFile,
  chains: Record<string, ChainRuntime>,
  call: ConfigChainCall,
  source = 'STACKLENS_CONFIG',
): Promise<PendlePtEntry[]> {
  const out: PendlePtEntry[] = []
  const seen = new Set<string>()
  for (const [i, e] of file.pendlePts.entries()) {
    const where = `${source}: pendlePts[${i}]`
    const chain = chains[e.chain]
    if (!chain) {
      throw new ConfigFileError(
        `${where}.chain: "${e.chain}" is neither declared in chains nor configured (have: ${Object.keys(chains).join(', ') || 'none'})`,
      )
    }
    const id = `${e.chain}:${e.pt.toLowerCase()}`
    if (seen.has(id)) throw new ConfigFileError(`${where}.pt: ${e.pt} on "${e.chain}" is listed twice`)
    seen.add(id)
    const published = pendleDeploymentOf(chain.chainId)
    let sy = e.sy
    let maturity = e.maturity === undefined ? undefined : BigInt(e.maturity)
    if (sy === undefined || maturity === undefined) {
      let tokens: readonly [string, string, string]
      try {
        tokens = decodeAbiParameters(
          [{ type: 'address' }, { type: 'address' }, { type: 'address' }],
          await call(chain, e.market, READ_TOKENS),
        )
        if (maturity === undefined) {
          ;[maturity] = decodeAbiParameters([{ type: 'uint256' }], await call(chain, e.market, EXPIRY))
        }
      } catch (err) {
        throw new ConfigFileError(
          `${where}.market: no sy/maturity given, and the market's readTokens()/expiry() on "${e.chain}" failed`,
          err,
        )
      }
      if (tokens[1].toLowerCase() !== e.pt.toLowerCase()) {
        throw new ConfigFileError(`${where}.market: its readTokens() names PT ${tokens[1]}, not ${e.pt}`)
      }
      sy ??= parseAddress(tokens[0])
    }
    let read: PendlePtEntry['source']['read']
    if (e.price === 'oracle') {
      const oracle = e.oracle ?? published?.pyYtLpOracle
      if (!oracle) {
        throw new ConfigFileError(
          `${where}.oracle: not given, and Pendle publishes no PendlePYLpOracle for chain id ${chain.chainId}`,
        )
      }
      read = {
        kind: 'oracle',
        oracle,
        durationSeconds: e.twapSeconds ?? DEFAULT_PENDLE_TWAP_SECONDS,
        underlyingDecimals: e.underlyingDecimals ?? e.decimals,
      }
    } else {
      const router = e.router ?? published?.router
      if (!router) {
        throw new ConfigFileError(
          `${where}.router: not given, and Pendle publishes no Router for chain id ${chain.chainId}`,
        )
      }
      read = { kind: 'market', router }
    }
    out.push({
      chain: e.chain,
      pt: e.pt,
      symbol: e.symbol,
      decimals: e.decimals,
      underlying: { chain: e.chain, address: e.underlying },
      maturity: maturity as bigint,
      source: { market: e.market, sy: sy ?? null, read },
    })
  }
  return out
}

/**
 * `config` with the chains and markets of a STACKLENS_CONFIG file (`text`, named `source` in
 * errors) added. Aave v3 entries without `pool` are resolved once here through `call` (default:
 * one eth_call on the entry's chain).
 * @throws ConfigFileError (CONFIG_INVALID) naming the file and the field
 */
export async function configWithFile(
  config: StacklensConfig,
  text: string,
  source: string,
  call: ConfigChainCall = defaultConfigCall,
): Promise<StacklensConfig> {
  const file = parseConfigFile(text, source)
  const chains = await applyConfigFile(file, config.chains, call, source)
  const pendlePts = await pendlePtsOfFile(file, chains, call, source)
  return {
    ...config,
    chains,
    ...(pendlePts.length > 0 ? { pendlePts: [...(config.pendlePts ?? []), ...pendlePts] } : {}),
  }
}

const defaultConfigCall: ConfigChainCall = async (chain, to, data) => {
  const client = createChainClient(chain.key, {
    rpcUrls: chain.rpcUrls,
    chainId: chain.chainId,
    timeoutMs: 10_000,
  })
  const res = await ethCall(client, { to, data })
  if (!res || res === '0x') throw new Error(`no answer from ${to}`)
  return res
}
