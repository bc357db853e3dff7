/**
 * computeAaveLiquidation (src/protocols/aave-v3/math.ts) against the real liquidationCall of each
 * recording (../shared/protocols/aave-v3-origin/recordings/v3.3.0.json, v3.5.0.json, v3.7.0.json,
 * `expected.liquidations`, block B3: liquidationCall(collateral, debt, liquidated, max, false)).
 * The state the Pool liquidated is the recorded B2 state (no transaction in between) accrued to
 * B3's timestamp by the adapter's own version math; that state's account must also be
 * liquidatable. Expected: the event's debtToCover and liquidatedCollateralAmount to the wei, and no
 * deficit (deficitBefore = deficitAfter = 0). Skipped when ../shared is absent.
 */
import { decodeFunctionResult, encodeFunctionData, type Hex } from 'viem'
import { describe, expect, it } from 'vitest'
import type { Address } from '../../src/core/address.js'
import { MAX_UINT256, WAD } from '../../src/core/math.js'
import {
  decodeEModes,
  decodeReservesData,
  decodeReservesList,
  decodeUserReserves,
  detectAaveVersion,
  probeEModeFieldCount,
  probeReserveFieldCount,
} from '../../src/protocols/aave-v3/decode.js'
import {
  calculateCompoundedInterest,
  calculateCompoundedInterestTaylor,
  computeAaveLiquidation,
  computeAccountData,
  getNormalizedDebt,
  getNormalizedIncome,
} from '../../src/protocols/aave-v3/math.js'
import { aaveWalletCalls, AAVE_WALLET_CALL_INDEX as I } from '../../src/protocols/aave-v3/read.js'
import { loadRecording, type Recording } from '../support/replay.js'

interface LiquidationRecord {
  block: number
  user: string
  collateralAsset: string
  debtAsset: string
  debtToCover: string
  liquidatedCollateralAmount: string
  deficitBefore: string
  deficitAfter: string
}

interface AaveRecording extends Recording {
  contracts: Record<string, string>
  expected: { liquidations: LiquidationRecord[] }
}

const poolViewsAbi = [
  {
    type: 'function',
    name: 'getReserveNormalizedVariableDebt',
    stateMutability: 'view',
    inputs: [{ name: 'asset', type: 'address' }],
    outputs: [{ name: '', type: 'uint256' }],
  },
  {
    type: 'function',
    name: 'getReserveNormalizedIncome',
    stateMutability: 'view',
    inputs: [{ name: 'asset', type: 'address' }],
    outputs: [{ name: '', type: 'uint256' }],
  },
] as const

const feeAbi = [
  {
    type: 'function',
    name: 'getLiquidationProtocolFee',
    stateMutability: 'view',
    inputs: [{ name: 'asset', type: 'address' }],
    outputs: [{ name: '', type: 'uint256' }],
  },
] as const

for (const file of ['v3.3.0.json', 'v3.5.0.json', 'v3.7.0.json']) {
  const rec = loadRecording<AaveRecording>('aave-v3-origin', file)
  describe.skipIf(!rec)(`computeAaveLiquidation vs the real liquidationCall (${file}, B3)`, () => {
    for (const liq of rec?.expected.liquidations ?? []) {
      it(`block ${liq.block}: repays ${liq.debtToCover} and seizes ${liq.liquidatedCollateralAmount} to the wei`, () => {
        const r = rec!
        const b2 = r.blocks.filter((b) => b.number < liq.block).at(-1)!
        const b3 = r.blocks.find((b) => b.number === liq.block)!
        const answer = (to: string, data: Hex): Hex => {
          const c = r.calls.find(
            (x) => x.block === b2.number && x.to.toLowerCase() === to.toLowerCase() && x.data === data,
          )
          if (!c?.result) throw new Error(`not recorded at ${b2.number}: ${to} ${data.slice(0, 10)}`)
          return c.result as Hex
        }
        const c = r.contracts
        const market = {
          id: 'replay',
          protocol: 'aave-v3',
          name: 'replay',
          chain: 'local' as const,
          poolAddressesProvider: c.PoolAddressesProvider as Address,
          pool: c.Pool as Address,
          uiPoolDataProvider: c.UiPoolDataProviderV3 as Address,
        }
        const calls = aaveWalletCalls(market, liq.user as Address)
        const get = (i: number) => answer(calls[i]!.target, calls[i]!.callData)
        const ctx = { chain: 'local', protocol: 'aave-v3', market: 'replay' }
        const reservesData = get(I.reservesData)
        const eModes = get(I.eModesProbe)
        const detected = detectAaveVersion(
          {
            revision: BigInt(get(I.poolRevision)),
            eModesAnswered: true,
            reserveFields: probeReserveFieldCount(reservesData),
            eModeFields: probeEModeFieldCount(eModes),
          },
          ctx,
        )
        const list = decodeReservesList(get(I.reservesList))
        const ids = new Map(list.map((a, i) => [a.toLowerCase(), i]))
        const decoded = decodeReservesData(
          detected.layout,
          reservesData,
          list,
          ids,
          BigInt(b2.timestamp),
          ctx,
          detected.reserveFields,
        )
        decoded.eModes = decodeEModes(eModes, ctx, detected.eModeFields)
        const user = decodeUserReserves(detected.layout, get(I.userReserves), decoded.reserves, ctx)
        // the Pool liquidated at B3's timestamp: the B2 state accrued 12 s further
        const state = {
          market: {
            layout: detected.layout,
            version: detected.version!,
            ...decoded,
            timestamp: BigInt(b3.timestamp),
          },
          user,
        }
        // Anchor of the version's interest math: at B2 (30 days after the stored update) the indexes
        // accrued by getNormalizedIncome / getNormalizedDebt equal the Pool's own views; v3.4+
        // compounds by the Taylor series, v3.3 by the binomial (FACTS.md section 3), and they differ.
        let differs = false
        for (const reserve of decoded.reserves) {
          for (const [fn, ours] of [
            [
              'getReserveNormalizedVariableDebt',
              getNormalizedDebt(reserve, BigInt(b2.timestamp), detected.version),
            ],
            ['getReserveNormalizedIncome', getNormalizedIncome(reserve, BigInt(b2.timestamp))],
          ] as const) {
            const data = encodeFunctionData({
              abi: poolViewsAbi,
              functionName: fn,
              args: [reserve.underlyingAsset],
            })
            expect(ours, `${reserve.symbol} ${fn}`).toBe(BigInt(answer(c.Pool!, data)))
          }
          const args = [
            reserve.variableBorrowRate,
            reserve.lastUpdateTimestamp,
            BigInt(b2.timestamp),
          ] as const
          if (calculateCompoundedInterest(...args) !== calculateCompoundedInterestTaylor(...args))
            differs = true
        }
        expect(differs).toBe(true)

        const account = computeAccountData(state)
        expect(account.healthFactor < WAD).toBe(true)
        const term = (asset: string) =>
          account.terms.find((t) => t.reserve.underlyingAsset.toLowerCase() === asset.toLowerCase())!
        const col = term(liq.collateralAsset)
        const debt = term(liq.debtAsset)
        const fee = decodeFunctionResult({
          abi: feeAbi,
          functionName: 'getLiquidationProtocolFee',
          data: answer(
            c.AaveProtocolDataProvider!,
            encodeFunctionData({
              abi: feeAbi,
              functionName: 'getLiquidationProtocolFee',
              args: [liq.collateralAsset as Address],
            }),
          ),
        })
        const out = computeAaveLiquidation({
          version: detected.version,
          healthFactor: account.healthFactor,
          totalDebtBase: account.totalDebtBase,
          totalCollateralBase: account.totalCollateralBase,
          collateral: { balance: col.balances.supplied, price: col.price, decimals: col.reserve.decimals },
          debt: { balance: debt.balances.debt, price: debt.price, decimals: debt.reserve.decimals },
          debtToCover: MAX_UINT256,
          liquidationBonusBps:
            col.inEMode && account.eMode
              ? account.eMode.liquidationBonusBps
              : col.reserve.liquidationBonusBps,
          liquidationProtocolFeeBps: fee,
        })
        expect(out.revert).toBeNull()
        expect(out.debtRepaid).toBe(BigInt(liq.debtToCover))
        expect(out.collateralToLiquidator).toBe(BigInt(liq.liquidatedCollateralAmount))
        expect(out.deficit).toBe(BigInt(liq.deficitAfter) - BigInt(liq.deficitBefore))
      })
    }
  })
}
