/**
 * The `stacklens` command.
 *
 *   stacklens serve                      the API (as `npm start`)
 *   stacklens devchain [--port N]        start the devchain alone and keep it running
 *   stacklens wallet <address> [--chain K] [--block N] [--json]
 *   stacklens exposure <address> [--chain K] [--block N] [--betas B] [--target T] [--json]
 *   stacklens stress <address> [--chain K] [--block N] [--shocks S] [--depegs D] [--json]
 *   stacklens cascade <market> --chain K [--asset A] [--shocks S] [--depth D] [--wallet W] [--json]
 *
 * Exit codes: 0 ok, 2 bad input, 3 upstream failure, 1 anything else.
 */
import { readFileSync } from 'node:fs'
import { parseArgs } from 'node:util'
import { STATUS_OF } from '../api/errors.js'
import { createChainClient } from '../chains/client.js'
import { CHAIN_KEYS, isChainKey } from '../chains/registry.js'
import { configFromEnv } from '../config.js'
import { parseAddress } from '../core/address.js'
import { BaseError, ChainNotConfiguredError, InvalidBlockError, UnknownChainError } from '../core/errors.js'
import type { PositionResult } from '../core/types.js'
import { DEFAULT_MANIFEST_PATH, startDevchain } from '../devchain/devchain.js'
import type { DevchainManifest } from '../devchain/manifest.js'
import { readWallet } from '../protocols/read-wallet.js'
import { readManifestFile } from '../serve.js'

const USAGE = `usage:
  stacklens serve                                   start the API (devchain when no RPC is configured)
  stacklens devchain [--port N]                     start the devchain alone, write ${DEFAULT_MANIFEST_PATH}
  stacklens wallet <address> [--chain K] [--block N] [--json]
                                                    a wallet's positions (chain "local" reads the running devchain)
  stacklens exposure <address> [--chain K|all] [--block N] [--betas LINK:1.2:0.9] [--target zero|1.5] [--json]
                                                    its leverage resolved: net exposure per risk asset, layers,
                                                    stacks across protocols, beta, unwind plan
  stacklens stress <address> [--chain K|all] [--shocks ETH:-0.3,BTC:-20%] [--depegs stETH:-0.05] [--json]
                                                    health factors, liquidations and equity under shocks
                                                    (without shocks: the default grid and the worst case)
  stacklens cascade <market> [--chain K] [--asset ETH] [--shocks=-0.05,-0.1] [--depth auto|pool|sqrt|none]
                   [--wallet <address>] [--json]    a market's liquidation cascade curve (market: an Aave
                                                    market id such as aave-v3-local, or a Morpho market id)
`

const color = process.stdout.isTTY && !process.env.NO_COLOR
const paint = (code: string, s: string) => (color ? `\u001b[${code}m${s}\u001b[0m` : s)

function exitCodeOf(err: unknown): number {
  // node:util parseArgs: an unknown option, a missing value ("--shocks -0.1": write --shocks=-0.1).
  if (
    typeof (err as { code?: unknown })?.code === 'string' &&
    (err as { code: string }).code.startsWith('ERR_PARSE_ARGS')
  )
    return 2
  if (err instanceof BaseError) {
    const status = STATUS_OF[err.code]
    return status < 500 ? 2 : status === 500 ? 1 : 3
  }
  return 1
}

function fmtUsd(v: number): string {
  return v.toLocaleString('en-US', { maximumFractionDigits: 2, minimumFractionDigits: 2 })
}

function printPositions(positions: PositionResult[]): void {
  if (positions.length === 0) {
    console.log('no positions')
    return
  }
  for (const p of positions) {
    if (p.status === 'unavailable') {
      console.log(paint('33', `${p.market}: unavailable (${p.code}): ${p.reason}`))
      continue
    }
    const hf = p.healthFactor === null ? 'no debt' : p.healthFactor.toFixed(4)
    const hfColor =
      p.healthFactor === null ? '32' : p.healthFactor < 1.1 ? '31' : p.healthFactor < 1.5 ? '33' : '32'
    console.log(
      `${paint('1', p.market)}  HF ${paint(hfColor, hf)}  collateral $${fmtUsd(p.collateralUsd)}  debt $${fmtUsd(p.debtUsd)}`,
    )
    for (const l of p.legs) {
      const units = Number(l.amount) / 10 ** l.asset.decimals
      console.log(
        `  ${l.side.padEnd(10)} ${l.asset.symbol.padEnd(8)} ${units.toPrecision(8).padStart(16)}  $${fmtUsd(l.usd)}`,
      )
    }
    for (const lp of p.liquidationPrices) {
      const price = lp.price === null ? 'none' : `$${lp.price.toPrecision(6)}`
      const dist =
        lp.distance === null
          ? ''
          : ` (${(lp.distance * 100).toFixed(1)}% from $${lp.currentPrice.toPrecision(6)})`
      console.log(`  liquidation price ${lp.symbol.padEnd(8)} ${price}${dist}`)
    }
  }
}

async function walletCommand(args: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      chain: { type: 'string' },
      block: { type: 'string' },
      json: { type: 'boolean', default: false },
    },
  })
  if (positionals.length !== 1) throw new BaseError('INVALID_REQUEST', `wallet takes one address\n${USAGE}`)
  const address = parseAddress(positionals[0]!)
  const chainKey = values.chain ?? 'local'
  if (!isChainKey(chainKey)) throw new UnknownChainError(chainKey, CHAIN_KEYS)
  let block: bigint | undefined
  if (values.block !== undefined) {
    if (!/^\d{1,16}$/.test(values.block)) throw new InvalidBlockError(values.block)
    block = BigInt(values.block)
  }
  let manifest: DevchainManifest | null = null
  if (chainKey === 'local')
    manifest = readManifestFile(process.env.STACKLENS_MANIFEST ?? DEFAULT_MANIFEST_PATH)
  const config = configFromEnv(process.env, manifest)
  const chain = config.chains[chainKey]
  if (!chain) throw new ChainNotConfiguredError(chainKey, [], 'set STACKLENS_RPC_<CHAIN> to an RPC URL')
  if (!values.json) process.stderr.write(`reading ${address} on ${chainKey}...\n`)
  const report = await readWallet({
    client: createChainClient(chainKey, { rpcUrls: chain.rpcUrls }),
    chain,
    user: address,
    ...(block === undefined ? {} : { blockNumber: block }),
  })
  if (values.json) {
    console.log(
      JSON.stringify(
        { address, chain: chainKey, blockNumber: Number(report.blockNumber), positions: report.positions },
        (_k, v) => (typeof v === 'bigint' ? v.toString() : v),
        2,
      ),
    )
    return
  }
  console.log(`${address} on ${chainKey} at block ${report.blockNumber}`)
  printPositions(report.positions)
}

/** Runs one GET through the API in process (the CLI answers exactly what the API answers). */
async function apiGet(path: string, chainKey: string): Promise<Record<string, unknown>> {
  let manifest: DevchainManifest | null = null
  if (chainKey === 'local' || (chainKey === 'all' && !process.env.STACKLENS_RPC_LOCAL)) {
    try {
      manifest = readManifestFile(process.env.STACKLENS_MANIFEST ?? DEFAULT_MANIFEST_PATH)
    } catch (err) {
      if (chainKey === 'local') throw err
    }
  }
  const { createApp } = await import('../api/app.js')
  const app = createApp({ config: configFromEnv(process.env, manifest) })
  const res = await app.request(path)
  const body = (await res.json()) as Record<string, unknown>
  if (res.status !== 200) {
    const e = (body.error ?? {}) as { code?: string; message?: string }
    const code = (e.code ?? 'INTERNAL') as keyof typeof STATUS_OF
    throw new BaseError(code in STATUS_OF ? code : 'INTERNAL', e.message ?? `HTTP ${res.status}`)
  }
  return body
}

interface ExposureBody {
  address: string
  chain: string | null
  blockNumber: number | null
  equityUsd: number
  grossExposureUsd: number
  effectiveLeverage: number | null
  netExposure: { riskAsset: string; units: number; usd: number }[]
  beta: { ETH: number | null; BTC: number | null }
  layers: {
    id: string
    label: string
    structure: string
    collateralUsd: number
    debtUsd: number
    equityUsd: number
    nominalLeverage: number | null
    ltv: number | null
    equivalentLoops: number | null
    loopLtv: number | null
    healthFactor: number | null
  }[]
  stacks: {
    id: string
    protocols: string[]
    layers: string[]
    compoundedLeverage: number | null
    nominalLeverageProduct: number | null
    equityUsd: number
    summary: string
  }[]
  unresolved: { market: string; code: string; reason: string }[]
  warnings: string[]
  unwind: {
    target: { kind: string; value?: number }
    totals: {
      collateralSoldUsd: number
      debtRepaidUsd: number
      costUsd: number
      perpNotionalClosedUsd: number
    }
    steps: { layerId: string; kind: string; symbol: string; amount: number; usd: number; toSymbol?: string }[]
  }
}

const x = (v: number | null, digits = 2) => (v === null ? '-' : `${v.toFixed(digits)}x`)

function printExposure(b: ExposureBody): void {
  const where = b.chain === null ? 'every configured chain' : `${b.chain} at block ${b.blockNumber}`
  console.log(`${b.address} on ${where}`)
  console.log(
    `equity $${fmtUsd(b.equityUsd)}  gross exposure $${fmtUsd(b.grossExposureUsd)}  effective leverage ${paint('1', x(b.effectiveLeverage))}  beta ETH ${b.beta.ETH?.toFixed(2) ?? '-'} BTC ${b.beta.BTC?.toFixed(2) ?? '-'}`,
  )
  console.log(paint('1', '\nnet exposure'))
  for (const e of b.netExposure)
    console.log(
      `  ${e.riskAsset.padEnd(8)} ${e.units.toPrecision(8).padStart(18)}  $${fmtUsd(e.usd).padStart(14)}`,
    )
  console.log(paint('1', '\nlayers'))
  for (const l of b.layers) {
    const loops =
      l.equivalentLoops === null
        ? ''
        : `  ${l.equivalentLoops.toFixed(2)} loops at LTV ${((l.loopLtv ?? 0) * 100).toFixed(1)}%`
    const hf = l.healthFactor === null ? '' : `  HF ${l.healthFactor.toFixed(3)}`
    console.log(
      `  ${l.label.padEnd(34)} ${l.structure.padEnd(17)} ${x(l.nominalLeverage).padStart(7)}  LTV ${l.ltv === null ? '-' : `${(l.ltv * 100).toFixed(1)}%`}${loops}${hf}`,
    )
  }
  console.log(paint('1', '\nstacks'))
  for (const s of b.stacks) {
    console.log(
      `  ${s.id}  ${s.protocols.join(' + ')}  compounded ${paint('1', x(s.compoundedLeverage))}  (layers alone multiply to ${x(s.nominalLeverageProduct)})  equity $${fmtUsd(s.equityUsd)}`,
    )
    console.log(`    ${s.summary}`)
  }
  const t = b.unwind.totals
  const target = b.unwind.target.kind === 'zero' ? 'zero leverage' : `health factor ${b.unwind.target.value}`
  console.log(paint('1', `\nunwind to ${target}`))
  console.log(
    `  sell $${fmtUsd(t.collateralSoldUsd)} of collateral, repay $${fmtUsd(t.debtRepaidUsd)}, close $${fmtUsd(t.perpNotionalClosedUsd)} of perps; cost $${fmtUsd(t.costUsd)} (slippage-free)`,
  )
  for (const s of b.unwind.steps.slice(0, 30))
    console.log(
      `  ${s.layerId.padEnd(34)} ${s.kind.padEnd(12)} ${s.amount.toPrecision(6).padStart(14)} ${s.symbol}${s.toSymbol ? ` -> ${s.toSymbol}` : ''}  $${fmtUsd(s.usd)}`,
    )
  if (b.unwind.steps.length > 30)
    console.log(`  ... ${b.unwind.steps.length - 30} more steps (--json shows all)`)
  for (const u of b.unresolved) console.log(paint('33', `unavailable: ${u.market} (${u.code}): ${u.reason}`))
  for (const w of b.warnings) console.log(paint('33', `note: ${w}`))
}

/**
 * The shared shape of the wallet risk commands (exposure, stress): one address, `--chain K|all`
 * (default local), `--block`, the route's own string flags, `--json`. Prints the API's JSON and
 * returns null with `--json`; else returns the body for the command's table.
 */
async function walletRouteCommand(
  args: string[],
  route: 'exposure' | 'stress',
  flags: readonly string[],
  doing: string,
): Promise<Record<string, unknown> | null> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      chain: { type: 'string' },
      block: { type: 'string' },
      json: { type: 'boolean', default: false },
      ...Object.fromEntries(flags.map((f) => [f, { type: 'string' as const }])),
    },
  })
  if (positionals.length !== 1) throw new BaseError('INVALID_REQUEST', `${route} takes one address\n${USAGE}`)
  const address = parseAddress(positionals[0]!)
  const chainKey = values.chain ?? 'local'
  if (chainKey !== 'all' && !isChainKey(chainKey)) throw new UnknownChainError(chainKey, CHAIN_KEYS)
  const query = new URLSearchParams()
  if (chainKey !== 'all') query.set('chain', chainKey)
  for (const k of ['block', ...flags]) {
    const v = (values as Record<string, unknown>)[k]
    if (typeof v === 'string') query.set(k, v)
  }
  if (!values.json) process.stderr.write(`${doing} ${address} on ${chainKey}...\n`)
  const body = await apiGet(`/v1/wallets/${address}/${route}?${query}`, chainKey)
  if (values.json) {
    console.log(JSON.stringify(body, null, 2))
    return null
  }
  return body
}

async function exposureCommand(args: string[]): Promise<void> {
  const body = await walletRouteCommand(args, 'exposure', ['betas', 'target'], 'resolving')
  if (body) printExposure(body as unknown as ExposureBody)
}

interface StressBody {
  address: string
  equityUsd: number
  scenarios: {
    scenario: { name: string }
    equityAfterUsd: number
    changePct: number | null
    positionsLiquidated: number
    minHealthFactor: number | null
  }[]
  worstCase: { scenario: string; equityAfterUsd: number; changePct: number | null } | null
}

async function stressCommand(args: string[]): Promise<void> {
  const raw = await walletRouteCommand(args, 'stress', ['shocks', 'depegs'], 'stressing')
  if (!raw) return
  const body = raw as unknown as StressBody
  console.log(`${body.address}: equity $${fmtUsd(body.equityUsd)}`)
  console.log(
    paint(
      '1',
      `${'scenario'.padEnd(30)} ${'equity after'.padStart(16)} ${'change'.padStart(9)} ${'liquidated'.padStart(10)} ${'min HF'.padStart(8)}`,
    ),
  )
  for (const s of body.scenarios) {
    const change = s.changePct === null ? '-' : `${(s.changePct * 100).toFixed(1)}%`
    const hf = s.minHealthFactor === null ? '-' : s.minHealthFactor.toFixed(3)
    const color = s.positionsLiquidated > 0 ? '31' : '0'
    console.log(
      `${s.scenario.name.padEnd(30)} ${`$${fmtUsd(s.equityAfterUsd)}`.padStart(16)} ${change.padStart(9)} ${paint(color, String(s.positionsLiquidated).padStart(10))} ${hf.padStart(8)}`,
    )
  }
  if (body.worstCase) {
    const pct = body.worstCase.changePct === null ? '' : ` (${(body.worstCase.changePct * 100).toFixed(1)}%)`
    console.log(
      `\nworst case: ${body.worstCase.scenario}: equity $${fmtUsd(body.worstCase.equityAfterUsd)}${pct}`,
    )
  }
}

interface CascadeBody {
  market: string
  chain: string
  blockNumber: number
  asset: string
  startPrice: number
  borrowers: { source: string; withDebt: number; inCascade: number; stale?: boolean; fallbackReason?: string }
  depth: { source: string; label?: string }
  points: {
    initialShock: number
    finalShock: number
    liquidatedUsd: number
    badDebtUsd: number
    positionsLiquidated: number
    rounds: number
  }[]
  wallet?: {
    address: string
    found: boolean
    reason?: string
    liquidationPrice?: number
    naiveShock?: number
    cascadeShock?: number
  }
}

async function cascadeCommand(args: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      chain: { type: 'string' },
      block: { type: 'string' },
      asset: { type: 'string' },
      shocks: { type: 'string' },
      depth: { type: 'string' },
      wallet: { type: 'string' },
      json: { type: 'boolean', default: false },
    },
  })
  if (positionals.length !== 1)
    throw new BaseError('INVALID_REQUEST', `cascade takes one market id\n${USAGE}`)
  const market = positionals[0]!
  const chainKey = values.chain ?? 'local'
  if (!isChainKey(chainKey)) throw new UnknownChainError(chainKey, CHAIN_KEYS)
  const query = new URLSearchParams({ chain: chainKey })
  for (const k of ['block', 'asset', 'shocks', 'depth', 'wallet'] as const)
    if (values[k] !== undefined) query.set(k, values[k])
  if (!values.json) process.stderr.write(`reading every borrower of ${market} on ${chainKey}...\n`)
  const body = (await apiGet(
    `/v1/markets/${encodeURIComponent(market)}/cascade?${query}`,
    chainKey,
  )) as unknown as CascadeBody
  if (values.json) {
    console.log(JSON.stringify(body, null, 2))
    return
  }
  const b = body.borrowers
  console.log(
    `${body.market} on ${body.chain} at block ${body.blockNumber}: ${body.asset} at $${fmtUsd(body.startPrice)}, ${b.inCascade} of ${b.withDebt} borrowers in the cascade (from ${b.source}${b.stale ? ', STALE subgraph' : ''}), depth: ${body.depth.label ?? body.depth.source}`,
  )
  if (b.fallbackReason) console.log(paint('33', `note: ${b.fallbackReason}`))
  console.log(
    paint(
      '1',
      `${'shock'.padStart(7)} ${'final'.padStart(9)} ${'debt liquidated'.padStart(18)} ${'positions'.padStart(9)} ${'rounds'.padStart(6)} ${'bad debt'.padStart(14)}`,
    ),
  )
  for (const p of body.points) {
    console.log(
      `${`${(p.initialShock * 100).toFixed(1)}%`.padStart(7)} ${`${(p.finalShock * 100).toFixed(2)}%`.padStart(9)} ${`$${fmtUsd(p.liquidatedUsd)}`.padStart(18)} ${String(p.positionsLiquidated).padStart(9)} ${String(p.rounds).padStart(6)} ${`$${fmtUsd(p.badDebtUsd)}`.padStart(14)}`,
    )
  }
  const w = body.wallet
  if (w) {
    if (!w.found) console.log(`\n${w.address}: ${w.reason}`)
    else
      console.log(
        `\n${w.address}: liquidated at $${fmtUsd(w.liquidationPrice ?? 0)}: an initial shock of ${((w.cascadeShock ?? 0) * 100).toFixed(2)}% with the cascade, ${((w.naiveShock ?? 0) * 100).toFixed(2)}% without`,
      )
  }
}

async function devchainCommand(args: string[]): Promise<void> {
  const { values } = parseArgs({ args, options: { port: { type: 'string' } } })
  let port: number | undefined
  if (values.port !== undefined) {
    port = Number(values.port)
    if (!Number.isInteger(port) || port <= 0 || port > 65535) {
      throw new BaseError(
        'INVALID_REQUEST',
        `--port must be an integer between 1 and 65535, got "${values.port}"`,
      )
    }
  }
  const t0 = performance.now()
  const dc = await startDevchain({
    ...(port ? { port } : {}),
    progress: (m) => process.stderr.write(`  ${m}\n`),
  })
  console.log(`devchain ready in ${((performance.now() - t0) / 1000).toFixed(1)} s at ${dc.rpcUrl}`)
  console.log(`manifest: ${DEFAULT_MANIFEST_PATH}`)
  console.log(`serve it: STACKLENS_RPC_LOCAL=${dc.rpcUrl} npm start`)
  for (const w of dc.manifest.wallets) console.log(`  ${w.key.padEnd(18)} ${w.address}  ${w.label}`)
  console.log('Ctrl-C stops it.')
  const stop = async () => {
    await dc.stop()
    process.exit(0)
  }
  process.on('SIGINT', () => void stop())
  process.on('SIGTERM', () => void stop())
}

async function main(argv: string[]): Promise<void> {
  const [command, ...rest] = argv
  switch (command) {
    case 'wallet':
      return walletCommand(rest)
    case 'exposure':
      return exposureCommand(rest)
    case 'stress':
      return stressCommand(rest)
    case 'cascade':
      return cascadeCommand(rest)
    case 'devchain':
      return devchainCommand(rest)
    case 'serve':
      await import('../node.js')
      return
    case '--version': {
      const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
        version: string
      }
      console.log(pkg.version)
      return
    }
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      console.log(USAGE)
      return
    default:
      throw new BaseError('INVALID_REQUEST', `unknown command "${command}"\n${USAGE}`)
  }
}

main(process.argv.slice(2)).catch((err: unknown) => {
  const message = err instanceof Error ? err.message : String(err)
  console.error(`stacklens: ${message}`)
  process.exit(exitCodeOf(err))
})
