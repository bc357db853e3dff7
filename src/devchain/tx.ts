import {
  type Abi,
  type Address,
  type ContractFunctionArgs,
  type ContractFunctionName,
  encodeDeployData,
  encodeFunctionData,
  type Hex,
  type PublicClient,
  type TestClient,
  TransactionReceiptNotFoundError,
  BaseError as ViemBaseError,
  type WalletClient,
} from 'viem'
import { BaseError } from '../core/errors.js'

/** The clients the devchain tooling uses: reads, sends from unlocked anvil accounts, anvil RPCs. */
export interface DevchainClients {
  public: PublicClient
  wallet: WalletClient
  test: TestClient
}

/** Gas limit for every devchain transaction: generous, so interest accrual never runs it out. */
export const DEVCHAIN_GAS = 12_000_000n

/**
 * The devchain account at `index`: anvil's unlocked accounts are its mnemonic's (ANVIL_MNEMONIC)
 * first addresses in order, so this is `mnemonicToAccount(ANVIL_MNEMONIC, { addressIndex })`
 * without the BIP-39 seed derivation (2048 PBKDF2-SHA512 rounds in JS, 0.1-0.6 s each) or the
 * `viem/accounts` import. Throws when anvil has fewer accounts.
 */
export async function devchainAccount(clients: DevchainClients, index: number): Promise<Address> {
  const accounts = (await clients.wallet.getAddresses()) as Address[]
  const account = accounts[index]
  if (account === undefined)
    throw new Error(`the devchain has no account ${index} (anvil has ${accounts.length})`)
  return account
}

/** A devchain transaction that reverted, with the revert reason. */
export class DevchainTxError extends BaseError {
  override name = 'DevchainTxError'
  constructor(what: string, reason: string) {
    super('DEVCHAIN_FAILED', `devchain transaction failed: ${what}: ${reason}`)
  }
}

async function sendRaw(clients: DevchainClients, from: Address, to: Address | null, data: Hex, what: string) {
  const hash = await clients.wallet.sendTransaction({
    account: from,
    chain: null,
    ...(to ? { to } : {}),
    data,
    gas: DEVCHAIN_GAS,
  })
  const receipt = await receiptOf(clients, hash, what)
  if (receipt.status !== 'success') {
    let reason = 'reverted'
    try {
      await clients.public.call({
        account: from,
        ...(to ? { to } : {}),
        data,
        gas: DEVCHAIN_GAS,
        blockNumber: receipt.blockNumber - 1n,
      })
    } catch (err) {
      reason = err instanceof ViemBaseError ? err.shortMessage : String(err)
    }
    throw new DevchainTxError(what, reason)
  }
  return receipt
}

/**
 * Polls eth_getTransactionReceipt until anvil has mined `hash`. Not viem's
 * waitForTransactionReceipt: that one waits for the block number to grow, which never happens
 * again after an evm_revert has moved the chain back below a block it already saw.
 */
async function receiptOf(clients: DevchainClients, hash: Hex, what: string) {
  const deadline = Date.now() + 30_000
  for (;;) {
    try {
      return await clients.public.getTransactionReceipt({ hash })
    } catch (err) {
      if (!(err instanceof TransactionReceiptNotFoundError)) throw err
      if (Date.now() > deadline) throw new DevchainTxError(what, `not mined within 30 s (${hash})`)
      await new Promise((r) => setTimeout(r, 2))
    }
  }
}

/** Sends a contract call from an unlocked anvil account and throws if it reverts. */
export async function send<
  const abi extends Abi,
  functionName extends ContractFunctionName<abi, 'nonpayable' | 'payable'>,
>(
  clients: DevchainClients,
  params: {
    from: Address
    address: Address
    abi: abi
    functionName: functionName
    args: ContractFunctionArgs<abi, 'nonpayable' | 'payable', functionName>
  },
) {
  const data = encodeFunctionData({
    abi: params.abi,
    functionName: params.functionName,
    args: params.args,
  } as never)
  return sendRaw(clients, params.from, params.address, data, `${params.functionName} on ${params.address}`)
}

/** Deploys a contract from creation bytecode + constructor args; returns its address. */
export async function deploy(
  clients: DevchainClients,
  params: { from: Address; abi: Abi; bytecode: Hex; args?: readonly unknown[]; name: string },
): Promise<Address> {
  const data = encodeDeployData({
    abi: params.abi,
    bytecode: params.bytecode,
    args: params.args ?? [],
  } as never)
  const receipt = await sendRaw(clients, params.from, null, data, `deploy ${params.name}`)
  if (!receipt.contractAddress) throw new DevchainTxError(`deploy ${params.name}`, 'no contract address')
  return receipt.contractAddress
}
