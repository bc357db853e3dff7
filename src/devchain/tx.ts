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
  type TransactionReceipt,
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

/** A devchain transaction sent and not yet waited for. */
export interface PendingTx {
  hash: Hex
  /** Its receipt once anvil has mined it; throws {@link DevchainTxError} (with the reason) when it reverted. */
  wait(): Promise<TransactionReceipt>
}

/**
 * Sends a transaction and returns once anvil has accepted it (its hash), without waiting for the
 * receipt. With `nonce` given, several can be in flight from one account: sent one after the
 * other, anvil (automine) mines them in that order, one block each, exactly as if each had been
 * waited for.
 */
async function submitRaw(
  clients: DevchainClients,
  from: Address,
  to: Address | null,
  data: Hex,
  what: string,
  nonce?: number,
): Promise<PendingTx> {
  const hash = await clients.wallet.sendTransaction({
    account: from,
    chain: null,
    ...(to ? { to } : {}),
    data,
    gas: DEVCHAIN_GAS,
    ...(nonce === undefined ? {} : { nonce }),
  })
  let receipt: Promise<TransactionReceipt> | undefined
  return {
    hash,
    wait: () => {
      receipt ??= checked(clients, from, to, data, what, hash)
      return receipt
    },
  }
}

async function checked(
  clients: DevchainClients,
  from: Address,
  to: Address | null,
  data: Hex,
  what: string,
  hash: Hex,
): Promise<TransactionReceipt> {
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

async function sendRaw(clients: DevchainClients, from: Address, to: Address | null, data: Hex, what: string) {
  return (await submitRaw(clients, from, to, data, what)).wait()
}

/**
 * Polls eth_getTransactionReceipt until anvil has mined `hash`. Not viem's
 * waitForTransactionReceipt: that one waits for the block number to grow, which never happens
 * again after an evm_revert has moved the chain back below a block it already saw.
 */
async function receiptOf(clients: DevchainClients, hash: Hex, what: string) {
  const deadline = Date.now() + 30_000
  // 2 ms first (automine answers within a few ms), then backing off to 25 ms: many waiters
  // polling every 2 ms starve anvil on a loaded machine (the transactions they wait for then
  // take longer to mine).
  let pause = 2
  for (;;) {
    try {
      return await clients.public.getTransactionReceipt({ hash })
    } catch (err) {
      if (!(err instanceof TransactionReceiptNotFoundError)) throw err
      if (Date.now() > deadline) throw new DevchainTxError(what, `not mined within 30 s (${hash})`)
      await new Promise((r) => setTimeout(r, pause))
      pause = Math.min(25, pause * 2)
    }
  }
}

/** Parameters of {@link send} and {@link submit}: a contract call from an unlocked anvil account. */
export type SendParams<
  abi extends Abi = Abi,
  functionName extends ContractFunctionName<abi, 'nonpayable' | 'payable'> = ContractFunctionName<
    abi,
    'nonpayable' | 'payable'
  >,
> = {
  from: Address
  address: Address
  abi: abi
  functionName: functionName
  args: ContractFunctionArgs<abi, 'nonpayable' | 'payable', functionName>
}

function callData(params: SendParams<Abi, string>): Hex {
  return encodeFunctionData({
    abi: params.abi,
    functionName: params.functionName,
    args: params.args,
  } as never)
}

/** Sends a contract call from an unlocked anvil account and throws if it reverts. */
export async function send<
  const abi extends Abi,
  functionName extends ContractFunctionName<abi, 'nonpayable' | 'payable'>,
>(clients: DevchainClients, params: SendParams<abi, functionName>) {
  const p = params as unknown as SendParams<Abi, string>
  return sendRaw(clients, p.from, p.address, callData(p), `${p.functionName} on ${p.address}`)
}

/**
 * Sends a contract call with an explicit `nonce` and does not wait for it: call `wait()` on the
 * result (or {@link waitAll}) for the receipt. For sequences from one account whose later
 * transactions do not need anything read back from the earlier ones.
 */
export async function submit<
  const abi extends Abi,
  functionName extends ContractFunctionName<abi, 'nonpayable' | 'payable'>,
>(clients: DevchainClients, params: SendParams<abi, functionName> & { nonce: number }): Promise<PendingTx> {
  const p = params as unknown as SendParams<Abi, string>
  return submitRaw(clients, p.from, p.address, callData(p), `${p.functionName} on ${p.address}`, params.nonce)
}

/**
 * Waits for every pending transaction, one after the other in sending order (one poller at a
 * time: anvil mines them in nonce order, so by the time the first is in, most of the rest are);
 * throws the first failure in sending order.
 */
export async function waitAll(pending: readonly PendingTx[]): Promise<TransactionReceipt[]> {
  const receipts: TransactionReceipt[] = []
  for (const p of pending) receipts.push(await p.wait())
  return receipts
}

/** The next nonce of `account` (pending transactions included). */
export async function nextNonce(clients: DevchainClients, account: Address): Promise<number> {
  return clients.public.getTransactionCount({ address: account, blockTag: 'pending' })
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
