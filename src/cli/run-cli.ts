/**
 * The `stacklens` command as a function: argv in, exit code out, output through `io`. Commands
 * call the use cases (`src/report/`) directly and print the JSON the API serves (the API's
 * serializers and query schemas) or a table. `./main.ts` runs it on the process.
 *
 * Exit codes: 0 ok, 2 bad input, 3 upstream failure, 1 anything else.
 */
import { readFileSync } from 'node:fs'
import { parseArgs } from 'node:util'
import type { z } from '@hono/zod-openapi'
import { STATUS_OF } from '../api/errors.js'
import {
  CascadeQuerySchema,
  ExposureQuerySchema,
  issueError,
  MarketParamsSchema,
  StressQuerySchema,
  WalletParamsSchema,
  WalletQuerySchema,
} from '../api/query-schemas.js'
import { type Json, toJson, walletReportJson } from '../api/serialize.js'
import { createStacklens } from '../app.js'
import { createNodeFetch } from '../chains/node-fetch.js'
import { configFromEnv, type StacklensEnv } from '../config.js'
import { ConfigFileError, configWithFile } from '../config-file.js'
import { BaseError } from '../core/errors.js'
import type { PositionResult } from '../core/types.js'
import { DEFAULT_MANIFEST_PATH, startDevchain } from '../devchain/devchain.js'
import type { DevchainManifest } from '../devchain/manifest.js'
import { type ExposureReport, exposureReport } from '../report/exposure-report.js'
import { DEFAULT_CASCADE_SHOCKS, marketCascadeReport } from '../report/market-cascade-report.js'
import { walletLiquidationRatios } from '../report/ratio-report.js'
import type { ReportSources } from '../report/report-sources.js'
import { type StressReport, stressReport } from '../report/stress-report.js'
import { readWalletReport } from '../report/wallet-report.js'
import { readManifestFile } from '../serve.js'
import { DEVCHAIN_PRICE_USAGE, devchainPriceCommand } from './devchain-price-command.js'
import { KEYS_USAGE, keysCommand } from './keys-command.js'
import { MONITOR_USAGE, monitorCommand } from './monitor-command.js'
import { ApiCallError, WATCH_USAGE, watchCommand } from './watch-command.js'

/** Where a run writes, and what it reads from its environment. */
export interface CliIo {
  env: StacklensEnv
  /** One line of standard output. */
  out(line: string): void
  /** Text on standard error (progress, the error message). */
  err(text: string): void
  /** ANSI colors on standard output. */
  color: boolean
}

const USAGE = `usage:
  stacklens serve                                   start the API (devchain when no RPC is configured)
  stacklens devchain [--port N]                     start the devchain alone, write ${DEFAULT_MANIFEST_PATH}
${DEVCHAIN_PRICE_USAGE}
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
${MONITOR_USAGE}
${KEYS_USAGE}
${WATCH_USAGE}
`

/** The exit code of an error: 2 bad input, 3 upstream failure, 1 anything else. */
export function exitCodeOf(err: unknown): number {
  // node:util parseArgs: an unknown option, a missing value ("--shocks -0.1": write --shocks=-0.1).
  if (
    typeof (err as { code?: unknown })?.code === 'string' &&
    (err as { code: string }).code.startsWith('ERR_PARSE_ARGS')
  )
    return 2
  if (err instanceof ApiCallError) return err.exitCode
  if (err instanceof BaseError) {
    // A STACKLENS_CONFIG file the user gave is bad input here (the server answers 503 for it).
    if (err.code === 'CONFIG_INVALID') return 2
    const status = STATUS_OF[err.code]
    return status < 500 ? 2 : status === 500 ? 1 : 3
  }
  return 1
}

/** Parses flags through an API schema: the same codes and messages as the API's 400s. */
function parseWith<S extends z.ZodType>(schema: S, input: Record<string, unknown>): z.output<S> {
  const parsed = schema.safeParse(input)
  if (!parsed.success) throw issueError(parsed.error.issues)
  return parsed.data
}

/**
 * The sources for `chain` (undefined: every configured chain): chain `local` reads the devchain
 * manifest (STACKLENS_MANIFEST or .stacklens/devchain.json), which must exist; a scan of every
 * chain adds it when it exists.
 */
async function sourcesFor(env: StacklensEnv, chain: string | undefined): Promise<ReportSources> {
  let manifest: DevchainManifest | null = null
  if (chain === 'local' || (chain === undefined && !env.STACKLENS_RPC_LOCAL)) {
    try {
      manifest = readManifestFile(env.STACKLENS_MANIFEST ?? DEFAULT_MANIFEST_PATH)
    } catch (err) {
      if (chain === 'local') throw err
    }
  }
  let config = configFromEnv(env, manifest)
  const file = env.STACKLENS_CONFIG
  if (file) {
    let text: string
    try {
      text = readFileSync(file, 'utf8')
    } catch {
      throw new ConfigFileError(`STACKLENS_CONFIG: no readable file at ${file}`)
    }
    config = await configWithFile(config, text, `STACKLENS_CONFIG (${file})`)
  }
  return createStacklens({ config, fetchFn: createNodeFetch() }).sources
}

const fmtUsd = (v: number) =>
  v.toLocaleString('en-US', { maximumFractionDigits: 2, minimumFractionDigits: 2 })
const x = (v: number | null, digits = 2) => (v === null ? '-' : `${v.toFixed(digits)}x`)

/** Runs `argv` (without node and the script); resolves to the exit code. */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  const paint = (code: string, s: string) => (io.color ? `\u001b[${code}m${s}\u001b[0m` : s)
  const json = (value: unknown) => io.out(JSON.stringify(value, null, 2))

  const printPositions = (positions: readonly PositionResult[]) => {
    if (positions.length === 0) return io.out('no positions')
    for (const p of positions) {
      if (p.status === 'unavailable') {
        io.out(paint('33', `${p.market}: unavailable (${p.code}): ${p.reason}`))
        continue
      }
      const hf = p.healthFactor === null ? 'no debt' : p.healthFactor.toFixed(4)
      const hfColor =
        p.healthFactor === null ? '32' : p.healthFactor < 1.1 ? '31' : p.healthFactor < 1.5 ? '33' : '32'
      const held = p.accountKind && p.accountKind !== 'eoa' ? `  held by ${p.accountKind} ${p.account}` : ''
      io.out(
        `${paint('1', p.market)}  HF ${paint(hfColor, hf)}  collateral $${fmtUsd(p.collateralUsd)}  debt $${fmtUsd(p.debtUsd)}${held}`,
      )
      for (const l of p.legs) {
        const units = Number(l.amount) / 10 ** l.asset.decimals
        io.out(
          `  ${l.side.padEnd(10)} ${l.asset.symbol.padEnd(8)} ${units.toPrecision(8).padStart(16)}  $${fmtUsd(l.usd)}`,
        )
      }
      for (const lp of p.liquidationPrices) {
        const price = lp.price === null ? 'none' : `$${lp.price.toPrecision(6)}`
        const dist =
          lp.distance === null
            ? ''
            : ` (${(lp.distance * 100).toFixed(1)}% from $${lp.currentPrice.toPrecision(6)})`
        io.out(`  liquidation price ${lp.symbol.padEnd(8)} ${price}${dist}`)
      }
    }
  }

  const printExposure = (b: Json<ExposureReport>) => {
    const where = b.chain === null ? 'every configured chain' : `${b.chain} at block ${b.blockNumber}`
    io.out(`${b.address} on ${where}`)
    io.out(
      `equity $${fmtUsd(b.equityUsd)}  gross exposure $${fmtUsd(b.grossExposureUsd)}  effective leverage ${paint('1', x(b.effectiveLeverage))}  beta ETH ${b.beta.ETH?.toFixed(2) ?? '-'} BTC ${b.beta.BTC?.toFixed(2) ?? '-'}`,
    )
    io.out(paint('1', '\nnet exposure'))
    for (const e of b.netExposure)
      io.out(
        `  ${e.riskAsset.padEnd(8)} ${e.units.toPrecision(8).padStart(18)}  $${fmtUsd(e.usd).padStart(14)}`,
      )
    io.out(paint('1', '\nlayers'))
    for (const l of b.layers) {
      const loops =
        l.equivalentLoops === null
          ? ''
          : `  ${l.equivalentLoops.toFixed(2)} loops at LTV ${((l.loopLtv ?? 0) * 100).toFixed(1)}%`
      const hf = l.healthFactor === null ? '' : `  HF ${l.healthFactor.toFixed(3)}`
      const held = l.accountKind && l.accountKind !== 'eoa' ? `  [${l.accountKind} ${l.account}]` : ''
      io.out(
        `  ${l.label.padEnd(34)} ${l.structure.padEnd(17)} ${x(l.nominalLeverage).padStart(7)}  LTV ${l.ltv === null ? '-' : `${(l.ltv * 100).toFixed(1)}%`}${loops}${hf}${held}`,
      )
    }
    io.out(paint('1', '\nstacks'))
    for (const s of b.stacks) {
      io.out(
        `  ${s.id}  ${s.protocols.join(' + ')}  compounded ${paint('1', x(s.compoundedLeverage))}  (layers alone multiply to ${x(s.nominalLeverageProduct)})  equity $${fmtUsd(s.equityUsd)}`,
      )
      io.out(`    ${s.summary}`)
    }
    const t = b.unwind.totals
    const target =
      b.unwind.target.kind === 'zero' ? 'zero leverage' : `health factor ${b.unwind.target.value}`
    io.out(paint('1', `\nunwind to ${target}`))
    io.out(
      `  sell $${fmtUsd(t.collateralSoldUsd)} of collateral, repay $${fmtUsd(t.debtRepaidUsd)}, close $${fmtUsd(t.perpNotionalClosedUsd)} of perps; cost $${fmtUsd(t.costUsd)} (slippage-free)`,
    )
    for (const s of b.unwind.steps.slice(0, 30))
      io.out(
        `  ${s.layerId.padEnd(34)} ${s.kind.padEnd(12)} ${s.amount.toPrecision(6).padStart(14)} ${s.symbol}${s.toSymbol ? ` -> ${s.toSymbol}` : ''}  $${fmtUsd(s.usd)}`,
      )
    if (b.unwind.steps.length > 30)
      io.out(`  ... ${b.unwind.steps.length - 30} more steps (--json shows all)`)
    for (const u of b.unresolved) io.out(paint('33', `unavailable: ${u.market} (${u.code}): ${u.reason}`))
    for (const w of b.warnings) io.out(paint('33', `note: ${w}`))
  }

  const printStress = (body: Json<StressReport>) => {
    io.out(`${body.address}: equity $${fmtUsd(body.equityUsd)}`)
    io.out(
      paint(
        '1',
        `${'scenario'.padEnd(30)} ${'equity after'.padStart(16)} ${'change'.padStart(9)} ${'liquidated'.padStart(10)} ${'min HF'.padStart(8)}`,
      ),
    )
    for (const s of body.scenarios) {
      const change = s.changePct === null ? '-' : `${(s.changePct * 100).toFixed(1)}%`
      const hf = s.minHealthFactor === null ? '-' : s.minHealthFactor.toFixed(3)
      const color = s.positionsLiquidated > 0 ? '31' : '0'
      io.out(
        `${s.scenario.name.padEnd(30)} ${`$${fmtUsd(s.equityAfterUsd)}`.padStart(16)} ${change.padStart(9)} ${paint(color, String(s.positionsLiquidated).padStart(10))} ${hf.padStart(8)}`,
      )
    }
    if (body.worstCase) {
      const pct =
        body.worstCase.changePct === null ? '' : ` (${(body.worstCase.changePct * 100).toFixed(1)}%)`
      io.out(
        `\nworst case: ${body.worstCase.scenario}: equity $${fmtUsd(body.worstCase.equityAfterUsd)}${pct}`,
      )
    }
  }

  const walletCommand = async (args: string[]) => {
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
    const { address } = parseWith(WalletParamsSchema, { address: positionals[0] })
    const q = parseWith(WalletQuerySchema, { chain: values.chain ?? 'local', block: values.block })
    const sources = await sourcesFor(io.env, q.chain)
    if (!values.json) io.err(`reading ${address} on ${q.chain}...\n`)
    const read = await readWalletReport(sources, { address, chain: q.chain, blockNumber: q.block })
    if (values.json) return json(walletReportJson(read, walletLiquidationRatios(sources, read)))
    io.out(`${address} on ${q.chain} at block ${read.pinned.blockNumber}`)
    for (const a of read.accounts) io.out(`smart account: ${a.kind} ${a.address} (registry ${a.registry})`)
    printPositions(read.positions)
  }

  /**
   * The wallet risk commands (exposure, stress): one address, `--chain K|all` (default local),
   * `--block`, the route's own flags, `--json`; flags parsed by the route's query schema.
   */
  const walletRiskCommand = async (
    args: string[],
    name: 'exposure' | 'stress',
    flags: readonly string[],
    doing: string,
  ) => {
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
    if (positionals.length !== 1)
      throw new BaseError('INVALID_REQUEST', `${name} takes one address\n${USAGE}`)
    const { address } = parseWith(WalletParamsSchema, { address: positionals[0] })
    const chainFlag = values.chain ?? 'local'
    const raw = { ...values, chain: chainFlag === 'all' ? undefined : chainFlag }
    if (name === 'exposure') {
      const q = parseWith(ExposureQuerySchema, raw)
      if (!values.json) io.err(`${doing} ${address} on ${chainFlag}...\n`)
      const report = toJson(
        await exposureReport(await sourcesFor(io.env, q.chain), {
          address,
          chain: q.chain,
          blockNumber: q.block,
          betas: q.betas,
          target: q.target,
        }),
      )
      if (values.json) json(report)
      else printExposure(report)
      return
    }
    const q = parseWith(StressQuerySchema, raw)
    if (!values.json) io.err(`${doing} ${address} on ${chainFlag}...\n`)
    const report = toJson(
      await stressReport(await sourcesFor(io.env, q.chain), {
        address,
        chain: q.chain,
        blockNumber: q.block,
        shocks: q.shocks,
        depegs: q.depegs,
      }),
    )
    if (values.json) json(report)
    else printStress(report)
  }

  const cascadeCommand = async (args: string[]) => {
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
    const { market } = parseWith(MarketParamsSchema, { market: positionals[0] })
    const q = parseWith(CascadeQuerySchema, { ...values, chain: values.chain ?? 'local' })
    if (!values.json) io.err(`reading every borrower of ${market} on ${q.chain}...\n`)
    const body = toJson(
      await marketCascadeReport(await sourcesFor(io.env, q.chain), {
        chain: q.chain,
        market,
        asset: q.asset,
        shocks: q.shocks ?? DEFAULT_CASCADE_SHOCKS,
        depth: q.depth,
        ...(q.wallet === undefined ? {} : { wallet: q.wallet }),
        ...(q.block === undefined ? {} : { blockNumber: q.block }),
      }),
    )
    if (values.json) return json(body)
    const b = body.borrowers
    const depth = body.depth.source === 'uniswap-v3' ? body.depth.label : body.depth.source
    io.out(
      `${body.market} on ${body.chain} at block ${body.blockNumber}: ${body.asset} at $${fmtUsd(body.startPrice)}, ${b.inCascade} of ${b.withDebt} borrowers in the cascade (from ${b.source}${b.stale ? ', STALE subgraph' : ''}), depth: ${depth}`,
    )
    if (b.fallbackReason) io.out(paint('33', `note: ${b.fallbackReason}`))
    io.out(
      paint(
        '1',
        `${'shock'.padStart(7)} ${'final'.padStart(9)} ${'debt liquidated'.padStart(18)} ${'positions'.padStart(9)} ${'rounds'.padStart(6)} ${'bad debt'.padStart(14)}`,
      ),
    )
    for (const p of body.points) {
      io.out(
        `${`${(p.initialShock * 100).toFixed(1)}%`.padStart(7)} ${`${(p.finalShock * 100).toFixed(2)}%`.padStart(9)} ${`$${fmtUsd(p.liquidatedUsd)}`.padStart(18)} ${String(p.positionsLiquidated).padStart(9)} ${String(p.rounds).padStart(6)} ${`$${fmtUsd(p.badDebtUsd)}`.padStart(14)}`,
      )
    }
    const w = body.wallet
    if (w && !w.found) io.out(`\n${w.address}: ${w.reason}`)
    else if (w)
      io.out(
        `\n${w.address}: liquidated at $${fmtUsd(w.liquidationPrice ?? 0)}: an initial shock of ${((w.cascadeShock ?? 0) * 100).toFixed(2)}% with the cascade, ${((w.naiveShock ?? 0) * 100).toFixed(2)}% without`,
      )
  }

  const devchainCommand = async (args: string[]) => {
    if (args[0] === 'price') return devchainPriceCommand(args.slice(1), io)
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
    const dc = await startDevchain({ ...(port ? { port } : {}), progress: (m) => io.err(`  ${m}\n`) })
    io.out(`devchain ready in ${((performance.now() - t0) / 1000).toFixed(1)} s at ${dc.rpcUrl}`)
    io.out(`manifest: ${DEFAULT_MANIFEST_PATH}`)
    io.out(`serve it: STACKLENS_RPC_LOCAL=${dc.rpcUrl} npm start`)
    for (const w of dc.manifest.wallets) io.out(`  ${w.key.padEnd(18)} ${w.address}  ${w.label}`)
    io.out('Ctrl-C stops it.')
    const stop = async () => {
      await dc.stop()
      process.exit(0)
    }
    process.on('SIGINT', () => void stop())
    process.on('SIGTERM', () => void stop())
  }

  const [command, ...rest] = argv
  try {
    switch (command) {
      case 'wallet':
        await walletCommand(rest)
        break
      case 'exposure':
        await walletRiskCommand(rest, 'exposure', ['betas', 'target'], 'resolving')
        break
      case 'stress':
        await walletRiskCommand(rest, 'stress', ['shocks', 'depegs'], 'stressing')
        break
      case 'cascade':
        await cascadeCommand(rest)
        break
      case 'devchain':
        await devchainCommand(rest)
        break
      case 'monitor':
        await monitorCommand(rest, io, (chain) => sourcesFor(io.env, chain))
        break
      case 'keys':
        await keysCommand(rest, io)
        break
      case 'watch':
        await watchCommand(rest, io)
        break
      case 'serve':
        await import('../node.js')
        break
      case '--version': {
        const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
          version: string
        }
        io.out(pkg.version)
        break
      }
      case undefined:
      case 'help':
      case '--help':
      case '-h':
        io.out(USAGE)
        break
      default:
        throw new BaseError('INVALID_REQUEST', `unknown command "${command}"\n${USAGE}`)
    }
    return 0
  } catch (err) {
    io.err(`stacklens: ${err instanceof Error ? err.message : String(err)}\n`)
    return exitCodeOf(err)
  }
}
