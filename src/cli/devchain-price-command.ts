/**
 * `stacklens devchain price <symbol> <usd>`: moves a devchain token's price. Every token is priced
 * by a `SettablePriceFeed` (8 decimals) that AaveOracle (and the other markets' oracles) read; this
 * sends `setAnswer(int256)` to the token's feed, signed with the manifest's admin key
 * (`STACKLENS_MANIFEST`, else .stacklens/devchain.json), and waits for the block. The cast-free
 * equivalent of the manifest's `howTo.movePriceExample`. Devchain only: the key is anvil's.
 */
import { parseArgs } from 'node:util'
import { createPublicClient, createWalletClient, type Hex, http } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { BaseError } from '../core/errors.js'
import { settablePriceFeedAbi } from '../devchain/contracts/SettablePriceFeed.artifact.js'
import { DEFAULT_MANIFEST_PATH } from '../devchain/devchain.js'
import { readManifestFile } from '../serve.js'

/** What the command writes to and reads from (the CLI's `CliIo`). */
export interface DevchainPriceIo {
  env: Record<string, string | undefined>
  out(line: string): void
  err(text: string): void
}

/** The usage lines of the command. */
export const DEVCHAIN_PRICE_USAGE = `  stacklens devchain price <symbol> <usd>           set a devchain token's USD price (its SettablePriceFeed,
                                                    signed with the manifest's admin key), e.g. price WETH 2280`

/**
 * Runs `stacklens devchain price <args>`.
 * @throws BaseError INVALID_REQUEST for a bad symbol or price, DEVCHAIN_NOT_RUNNING without a
 *   manifest (exit 2); a viem error when the devchain does not answer (exit 1).
 */
export async function devchainPriceCommand(args: string[], io: DevchainPriceIo): Promise<void> {
  const { positionals } = parseArgs({ args, allowPositionals: true, options: {} })
  if (positionals.length !== 2)
    throw new BaseError(
      'INVALID_REQUEST',
      `devchain price takes a token symbol and a USD price\n${DEVCHAIN_PRICE_USAGE}`,
    )
  const [symbol, usdText] = positionals as [string, string]
  const manifest = readManifestFile(io.env.STACKLENS_MANIFEST ?? DEFAULT_MANIFEST_PATH)
  const token = manifest.tokens.find((t) => t.symbol.toLowerCase() === symbol.toLowerCase())
  if (!token)
    throw new BaseError(
      'INVALID_REQUEST',
      `no devchain token "${symbol}" (the manifest has ${manifest.tokens.map((t) => t.symbol).join(', ')})`,
    )
  const usd = Number(usdText)
  if (!/^\d+(\.\d+)?$/.test(usdText) || !(usd > 0) || !Number.isFinite(usd))
    throw new BaseError(
      'INVALID_REQUEST',
      `the price must be a positive USD amount such as 2280 or 0.9995, got "${usdText}"`,
    )
  const decimals = token.priceFeed.decimals
  const [whole, frac = ''] = usdText.split('.')
  if (frac.length > decimals)
    throw new BaseError(
      'INVALID_REQUEST',
      `the price has more than the feed's ${decimals} decimals: "${usdText}"`,
    )
  // Exact decimal to the feed's integer answer (no float rounding).
  const answer = BigInt(whole!) * 10n ** BigInt(decimals) + BigInt(frac.padEnd(decimals, '0') || '0')
  const transport = http(manifest.rpcUrl, { timeout: 30_000 })
  const chain = {
    id: manifest.chainId,
    name: 'stacklens devchain',
    nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 },
    rpcUrls: { default: { http: [manifest.rpcUrl] } },
  } as const
  const reader = createPublicClient({ chain, transport })
  const feed = token.priceFeed.address as Hex
  const before = await reader.readContract({
    address: feed,
    abi: settablePriceFeedAbi,
    functionName: 'latestAnswer',
  })
  const wallet = createWalletClient({
    chain,
    transport,
    account: privateKeyToAccount(manifest.admin.privateKey as Hex),
  })
  const hash = await wallet.writeContract({
    address: feed,
    abi: settablePriceFeedAbi,
    functionName: 'setAnswer',
    args: [answer],
  })
  const receipt = await reader.waitForTransactionReceipt({ hash })
  if (receipt.status !== 'success')
    throw new BaseError('DEVCHAIN_FAILED', `setAnswer on ${feed} reverted (transaction ${hash})`)
  const fmt = (a: bigint) =>
    (Number(a) / 10 ** decimals).toLocaleString('en-US', { maximumFractionDigits: decimals })
  io.out(`${token.symbol} ${fmt(before)} -> ${fmt(answer)} USD (feed ${feed}, block ${receipt.blockNumber})`)
}
