/**
 * The `stacklens` command.
 *
 *   stacklens serve                      the API (as `npm start`)
 *   stacklens devchain [--port N]        start the devchain alone and keep it running
 *   stacklens wallet <address> [--chain K] [--block N] [--json]
 *
 * Exit codes: 0 ok, 2 bad input, 3 upstream failure, 1 anything else.
 */
import { readFileSync } from 'node:fs'
import { parseArgs } from 'node:util'
import { STATUS_OF } from '../api/errors.js'
import { createChainClient } from '../chains/client.js'
import { configFromEnv } from '../chains/config.js'
import { CHAIN_KEYS, isChainKey } from '../chains/registry.js'
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
`

const color = process.stdout.isTTY && !process.env.NO_COLOR
const paint = (code: string, s: string) => (color ? `\u001b[${code}m${s}\u001b[0m` : s)

function exitCodeOf(err: unknown): number {
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
