/**
 * The Aave v3 adapter's cheap health read for monitoring: `Pool.getUserAccountData(user)` per
 * market, the protocol's own health factor (exact, WAD) and totals in the market's base currency.
 * One call per wallet per market, batched across wallets by the monitor's batch reader.
 */
import { aavePoolAbi } from '../../../abis/aave-pool.js'
import { encodeFunctionDataFast } from '../../chains/abi-call.js'
import type { RawResult } from '../../chains/batch.js'
import type { Address } from '../../core/address.js'
import type { HealthReading, HealthReadPlan } from '../types.js'
import { decodeAccountData } from './decode.js'
import type { AaveMarketConfig } from './markets.js'

const MAX_UINT256 = (1n << 256n) - 1n

/**
 * Gas bound of one `getUserAccountData` inside a multi-wallet aggregate3 (gas units). Measured on
 * the devchain (real Aave v3.0 and v3.6 bytecode, eth_estimateGas of aggregate3): about 157,000
 * for the first wallet (cold Pool, oracle and reserves, two markets) and 50,000 per wallet across
 * 100 to 500 wallets (two markets each, one position of one or two reserves): about 25,000 per
 * call once the market's contracts are warm. 60,000 leaves room for wallets using more reserves
 * (each adds its cold balances and a warm price read).
 */
export const AAVE_ACCOUNT_DATA_GAS = 60_000

/** Base currency units of Aave v3's `getUserAccountData` totals (USD with 8 decimals). */
const BASE_UNIT = 1e8

/** The cheap health read of `user` in one Aave v3 market. */
export function planAaveHealth(market: AaveMarketConfig, user: Address): HealthReadPlan {
  return {
    market: market.id,
    protocol: market.protocol,
    gas: AAVE_ACCOUNT_DATA_GAS,
    calls: [
      {
        target: market.pool,
        allowFailure: true,
        callData: encodeFunctionDataFast({
          abi: aavePoolAbi,
          functionName: 'getUserAccountData',
          args: [user],
        }),
      },
    ],
    decode: (results) => decodeAaveHealth(market, results),
  }
}

/**
 * A `getUserAccountData` answer as a {@link HealthReading}: health factor as the Pool computes it
 * (null without debt, as the wallet report's `healthFactorWad`), totals in whole base units.
 */
export function decodeAaveHealth(market: AaveMarketConfig, results: readonly RawResult[]): HealthReading {
  const base = { market: market.id, protocol: market.protocol }
  const r = results[0]
  if (!r?.success) return { ...base, status: 'failed', healthFactorWad: null, exact: false, size: [] }
  let data: ReturnType<typeof decodeAccountData>
  try {
    data = decodeAccountData(r.returnData)
  } catch {
    return { ...base, status: 'failed', healthFactorWad: null, exact: false, size: [] }
  }
  const hasDebt = data.totalDebtBase > 0n && data.healthFactor !== MAX_UINT256
  const empty = data.totalCollateralBase === 0n && data.totalDebtBase === 0n
  return {
    ...base,
    status: empty ? 'none' : 'ok',
    healthFactorWad: hasDebt ? data.healthFactor : null,
    exact: true,
    size: [Number(data.totalCollateralBase) / BASE_UNIT, Number(data.totalDebtBase) / BASE_UNIT],
  }
}
