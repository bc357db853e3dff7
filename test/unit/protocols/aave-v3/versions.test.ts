/**
 * Version awareness of the Aave v3 adapter on hand-built vectors: layout probes of the periphery's
 * answers (AggregatedReserveData 54 / 42 / 40 fields, EModeCategory 6 / 7 / 8 fields), the
 * revision -> version map with its layout checks (FACTS.md section 1,
 * ../shared/protocols/aave-v3-origin/FACTS.md), and the rules that differ by version (section 2):
 * v3.5 rounding, v3.6 eMode-only collateral and ltvzero, v3.7 isolated eModes and no isolation
 * mode, pre-v3.3 / v3.3+ close factor and the dust rule. Every number is derived in its comment.
 */
import { type AbiParameter, encodeFunctionResult, type Hex, zeroAddress } from 'viem'
import { describe, expect, it } from 'vitest'
import {
  uiPoolDataProviderEModes6Abi,
  uiPoolDataProviderEModes7Abi,
  uiPoolDataProviderEModes8Abi,
  uiPoolDataProviderV30Abi,
  uiPoolDataProviderV33Abi,
  uiPoolDataProviderV330ReservesAbi,
} from '../../../../abis/aave-ui-pool-data-provider.js'
import { ProtocolLayoutMismatchError } from '../../../../src/core/errors.js'
import { RAY, WAD } from '../../../../src/core/math.js'
import {
  decodeEModes,
  detectAaveVersion,
  probeEModeFieldCount,
  probeReserveFieldCount,
} from '../../../../src/protocols/aave-v3/decode.js'
import {
  computeAaveLiquidation,
  computeAccountData,
  getIsolationAsset,
  getUserBalances,
} from '../../../../src/protocols/aave-v3/math.js'
import type { AaveVersion } from '../../../../src/protocols/aave-v3/types.js'
import { E6, E18, ethEMode, state, USD, USDC, usdc, WEETH, WETH, wbtc, weeth, weth } from './fixtures.js'

const CONTEXT = { chain: 'ethereum', protocol: 'aave-v3', market: 'aave-v3-test' }

/** A zero/empty value of every ABI field (strings non-empty so their offsets are real). */
function blank(p: AbiParameter): unknown {
  if (p.type === 'tuple') {
    const c = (p as { components: readonly AbiParameter[] }).components
    return Object.fromEntries(c.map((x) => [x.name, blank(x)]))
  }
  if (p.type === 'string') return 'x'
  if (p.type === 'bool') return false
  if (p.type === 'address') return zeroAddress
  return p.type.startsWith('uint8') || p.type === 'uint16' || p.type === 'uint40' ? 0 : 0n
}

function reservesAnswer(abi: readonly unknown[]): Hex {
  const fn = (abi as { name: string; outputs: AbiParameter[] }[]).find((f) => f.name === 'getReservesData')!
  const row = blank({ ...fn.outputs[0]!, type: 'tuple' })
  const base = blank(fn.outputs[1]!)
  return encodeFunctionResult({ abi, functionName: 'getReservesData', result: [[row, row], base] } as never)
}

function eModesAnswer(abi: readonly unknown[], patch: Record<string, unknown> = {}): Hex {
  const fn = (abi as { name: string; outputs: AbiParameter[] }[]).find((f) => f.name === 'getEModes')!
  const row = blank({ ...fn.outputs[0]!, type: 'tuple' }) as { id: number; eMode: Record<string, unknown> }
  row.id = 1
  row.eMode = { ...row.eMode, ltv: 9_000, liquidationThreshold: 9_300, liquidationBonus: 10_100, ...patch }
  return encodeFunctionResult({ abi, functionName: 'getEModes', result: [row] } as never)
}

describe('layout probes', () => {
  it('count the reserve struct fields: 54 (v3.0 periphery), 42 (v3.3.0), 40 (v3.4+)', () => {
    expect(probeReserveFieldCount(reservesAnswer(uiPoolDataProviderV30Abi))).toBe(54)
    expect(probeReserveFieldCount(reservesAnswer(uiPoolDataProviderV330ReservesAbi))).toBe(42)
    expect(probeReserveFieldCount(reservesAnswer(uiPoolDataProviderV33Abi))).toBe(40)
    expect(probeReserveFieldCount('0x')).toBeNull()
  })

  it('count the EModeCategory fields: 6 (v3.2-v3.5), 7 (v3.6), 8 (v3.7, isolated in the middle)', () => {
    expect(probeEModeFieldCount(eModesAnswer(uiPoolDataProviderEModes6Abi))).toBe(6)
    expect(probeEModeFieldCount(eModesAnswer(uiPoolDataProviderEModes7Abi))).toBe(7)
    expect(probeEModeFieldCount(eModesAnswer(uiPoolDataProviderEModes8Abi))).toBe(8)
    expect(probeEModeFieldCount(eModesAnswer(uiPoolDataProviderEModes8Abi, { isolated: true }))).toBe(8)
    expect(probeEModeFieldCount('0x1234')).toBeNull()
  })

  it('decodeEModes reads each layout by its own field order', () => {
    const six = decodeEModes(eModesAnswer(uiPoolDataProviderEModes6Abi, { ltvzeroBitmap: 4n }), CONTEXT).get(
      1,
    )!
    expect(six.ltvZeroBitmap).toBeNull()
    const seven = decodeEModes(
      eModesAnswer(uiPoolDataProviderEModes7Abi, { ltvzeroBitmap: 4n }),
      CONTEXT,
    ).get(1)!
    expect(seven.ltvZeroBitmap).toBe(4n)
    expect(seven.label).toBe('x')
    const eight = decodeEModes(
      eModesAnswer(uiPoolDataProviderEModes8Abi, { isolated: true, borrowableBitmap: 3n }),
      CONTEXT,
    ).get(1)!
    expect(eight.isolated).toBe(true)
    expect(eight.borrowableBitmap).toBe(3n)
    // a v3.7 answer read as v3.6 would shift `label` into `isolated`: refused
    expect(() => decodeEModes(eModesAnswer(uiPoolDataProviderEModes8Abi), CONTEXT, 7)).toThrow(
      ProtocolLayoutMismatchError,
    )
  })
})

describe('detectAaveVersion', () => {
  const probe = (
    revision: bigint | null,
    reserveFields: number | null,
    eModeFields: number | null,
    eModes = true,
  ) => detectAaveVersion({ revision, eModesAnswered: eModes, reserveFields, eModeFields }, CONTEXT)

  it('maps POOL_REVISION 7-11 to v3.3-v3.7 with their layouts (PoolInstance.sol of each tag)', () => {
    expect(probe(7n, 42, 6)).toMatchObject({
      version: 'v3.3',
      layout: 'v3.3',
      reserveFields: 42,
      eModeFields: 6,
    })
    expect(probe(8n, 40, 6)).toMatchObject({ version: 'v3.4', reserveFields: 40, eModeFields: 6 })
    expect(probe(9n, 40, 6)).toMatchObject({ version: 'v3.5', reserveFields: 40, eModeFields: 6 })
    expect(probe(10n, 40, 7)).toMatchObject({ version: 'v3.6', reserveFields: 40, eModeFields: 7 })
    expect(probe(11n, 40, 8)).toMatchObject({ version: 'v3.7', reserveFields: 40, eModeFields: 8 })
    // no category / no reserve yet: nothing to contradict the revision
    expect(probe(11n, null, null).version).toBe('v3.7')
  })

  it('keeps v3.0-v3.2 as before: revision 1 (@aave/core-v3 1.19) is v3.0; no revision = legacy', () => {
    expect(probe(1n, 54, null, false)).toMatchObject({ version: 'v3.0', layout: 'v3.0', reserveFields: 54 })
    expect(probe(3n, 54, null, false).version).toBe('v3.1')
    expect(probe(null, 40, 8)).toMatchObject({ version: undefined, layout: 'v3.3' })
    expect(probe(null, 54, null, false)).toMatchObject({ version: undefined, layout: 'v3.0' })
  })

  it('refuses a revision whose periphery answers in another layout, and revisions above 11', () => {
    expect(() => probe(9n, 42, 6)).toThrow(ProtocolLayoutMismatchError)
    expect(() => probe(7n, 40, 6)).toThrow(ProtocolLayoutMismatchError)
    expect(() => probe(10n, 40, 8)).toThrow(ProtocolLayoutMismatchError)
    expect(() => probe(11n, 40, 6)).toThrow(ProtocolLayoutMismatchError)
    expect(() => probe(9n, 40, 6, false)).toThrow(ProtocolLayoutMismatchError)
    expect(() => probe(12n, 40, 8)).toThrow(/revision 12/)
  })
})

const at = (version: AaveVersion | undefined, s: ReturnType<typeof state>) => ({
  ...s,
  market: { ...s.market, layout: 'v3.3' as const, ...(version ? { version } : {}) },
})

describe('version rules of the account math', () => {
  it('v3.5+ rounds aToken balances down and debt up (rayMulFloor / rayMulCeil)', () => {
    // scaled 1 at index 1.5 RAY: half-up 2, floor 1, ceil 2; scaled 3 at 1.5: 4.5 -> half-up 5, floor 4
    const r = weth({ liquidityIndex: (3n * RAY) / 2n, variableBorrowIndex: (3n * RAY) / 2n })
    const ur = {
      underlyingAsset: WETH,
      scaledATokenBalance: 3n,
      usageAsCollateralEnabledOnUser: true,
      scaledVariableDebt: 1n,
      principalStableDebt: 0n,
      stableBorrowRate: 0n,
      stableBorrowLastUpdateTimestamp: 0n,
    }
    expect(getUserBalances(r, ur, r.lastUpdateTimestamp, 'v3.4')).toMatchObject({
      supplied: 5n,
      variableDebt: 2n,
    })
    expect(getUserBalances(r, ur, r.lastUpdateTimestamp, 'v3.5')).toMatchObject({
      supplied: 4n,
      variableDebt: 2n,
    })
  })

  it('v3.5+ values debt with mulDivCeil and divides the raw LT sum for the HF', () => {
    // 1 WETH (2000 USD, LT 82.5%) against 1.000001 USDC at 0.99995: debt value 100_000_099.995 base units
    const s = state({
      reserves: [weth(), usdc({ priceInMarketReferenceCurrency: 99_995_000n })],
      user: [
        { ...blankUser(WETH), scaledATokenBalance: E18, usageAsCollateralEnabledOnUser: true },
        { ...blankUser(USDC), scaledVariableDebt: 1_000_001n },
      ],
    })
    // floor: 99_995_099 (v3.3); ceil: 99_995_100 (v3.5): 1.000001 x 99_995_000 = 99_995_099.995
    expect(computeAccountData(at('v3.3', s)).totalDebtBase).toBe(99_995_099n)
    expect(computeAccountData(at('v3.5', s)).totalDebtBase).toBe(99_995_100n)
    // v3.5 HF = (2000e8 x 8250) wadDiv 99_995_100 / 1e4 = 1.65e15 x 1e18 / 99_995_100 (half up) / 1e4
    const v35 = computeAccountData(at('v3.5', s)).healthFactor
    expect(v35).toBe((1_650_000_000_000_000n * WAD + 99_995_100n / 2n) / 99_995_100n / 10_000n)
    // v3.3 HF = percentMul(2000e8, 8250) wadDiv 99_995_099 (half up)
    expect(computeAccountData(at('v3.3', s)).healthFactor).toBe(
      (165_000_000_000n * WAD + 99_995_099n / 2n) / 99_995_099n,
    )
  })

  it('v3.6 counts eMode-only collateral (reserve LT 0, in the category bitmap) at the eMode LT/LTV; v3.5 does not', () => {
    // weETH id 5, reserve LTV/LT 0; eMode 1 (LTV 90%, LT 93%) collateral bitmap = bit 5
    const s = state({
      reserves: [
        weeth({ ltvBps: 0n, liquidationThresholdBps: 0n, priceInMarketReferenceCurrency: 2_500n * USD }),
        usdc(),
      ],
      eModes: [ethEMode({ collateralBitmap: 1n << 5n, borrowableBitmap: 1n << 1n, ltvZeroBitmap: 0n })],
      eModeCategoryId: 1,
      user: [
        { ...blankUser(WEETH), scaledATokenBalance: 3n * E18, usageAsCollateralEnabledOnUser: true },
        { ...blankUser(USDC), scaledVariableDebt: 3_000n * E6 },
      ],
    })
    const v36 = computeAccountData(at('v3.6', s))
    // 3 x 2500 = 7500 USD at LT 93%: HF = 7500 x 9300 / 3000 / 1e4 = 2.325
    expect(v36.totalCollateralBase).toBe(7_500n * USD)
    expect(v36.currentLiquidationThreshold).toBe(9_300n)
    expect(v36.ltv).toBe(9_000n)
    expect(v36.healthFactor).toBe(2_325_000_000_000_000_000n)
    const v35 = computeAccountData(at('v3.5', s))
    expect(v35.totalCollateralBase).toBe(0n)
    expect(v35.healthFactor).toBe(0n)
    // ltvzeroBitmap (v3.6+): the asset keeps its eMode LT but carries no LTV
    const zero = at('v3.6', s)
    zero.market.eModes.set(1, ethEMode({ collateralBitmap: 1n << 5n, ltvZeroBitmap: 1n << 5n }))
    expect(computeAccountData(zero)).toMatchObject({ ltv: 0n, currentLiquidationThreshold: 9_300n })
  })

  it('v3.7 isolated eMode: collateral outside the bitmap keeps its LT with LTV 0; isolation mode is gone', () => {
    // WETH (LTV 80%, LT 82.5%) outside an isolated category whose bitmap holds weETH only
    const s = state({
      reserves: [weth(), weeth(), wbtc({ debtCeiling: 100n })],
      eModes: [ethEMode({ collateralBitmap: 1n << 5n, isolated: true, ltvZeroBitmap: 0n })],
      eModeCategoryId: 1,
      user: [{ ...blankUser(WETH), scaledATokenBalance: E18, usageAsCollateralEnabledOnUser: true }],
    })
    expect(computeAccountData(at('v3.7', s))).toMatchObject({ ltv: 0n, currentLiquidationThreshold: 8_250n })
    expect(computeAccountData(at('v3.6', s))).toMatchObject({
      ltv: 8_000n,
      currentLiquidationThreshold: 8_250n,
    })
    const isolated = state({
      reserves: [wbtc({ debtCeiling: 100n })],
      user: [
        {
          ...blankUser(wbtc().underlyingAsset),
          scaledATokenBalance: E6,
          usageAsCollateralEnabledOnUser: true,
        },
      ],
    })
    expect(getIsolationAsset(at('v3.6', isolated))?.symbol).toBe('WBTC')
    expect(getIsolationAsset(at('v3.7', isolated))).toBeNull()
  })
})

function blankUser(asset: `0x${string}`) {
  return {
    underlyingAsset: asset,
    scaledATokenBalance: 0n,
    usageAsCollateralEnabledOnUser: false,
    scaledVariableDebt: 0n,
    principalStableDebt: 0n,
    stableBorrowRate: 0n,
    stableBorrowLastUpdateTimestamp: 0n,
  }
}

describe('computeAaveLiquidation rules (hand vectors; the recorded B3 liquidations are in test/replay)', () => {
  // 10 WETH at 2000 USD against 16,000 USDC (1 USD), HF 0.97: both sides above 2,000 USD
  const base = {
    healthFactor: 970_000_000_000_000_000n,
    totalDebtBase: 16_000n * USD,
    totalCollateralBase: 20_000n * USD,
    collateral: { balance: 10n * E18, price: 2_000n * USD, decimals: 18 },
    debt: { balance: 16_000n * E6, price: USD, decimals: 6 },
    debtToCover: 2n ** 256n - 1n,
    liquidationBonusBps: 10_500n,
    liquidationProtocolFeeBps: 1_000n,
  }

  it('refuses a healthy account', () => {
    expect(computeAaveLiquidation({ ...base, version: 'v3.7', healthFactor: WAD }).revert).toBe(
      'HEALTH_FACTOR_NOT_BELOW_THRESHOLD',
    )
  })

  it('v3.3+: 50% of the total debt when HF > 0.95 and both sides >= 2,000 USD; the fee is 10% of the bonus', () => {
    const out = computeAaveLiquidation({ ...base, version: 'v3.5' })
    // 8,000 USDC repaid; 8000 / 2000 x 1.05 = 4.2 WETH seized; bonus part 4.2 - 4.2/1.05 = 0.2; fee 0.02
    expect(out).toMatchObject({ revert: null, debtRepaid: 8_000n * E6, collateralSeized: 42n * 10n ** 17n })
    expect(out.protocolFee).toBe(2n * 10n ** 16n)
    expect(out.collateralToLiquidator).toBe(418n * 10n ** 16n)
  })

  it('v3.3+: the whole reserve debt below 2,000 USD of debt; v3.0-v3.2: 50% of the reserve debt', () => {
    const small = { ...base, totalDebtBase: 1_900n * USD, debt: { ...base.debt, balance: 1_900n * E6 } }
    expect(computeAaveLiquidation({ ...small, version: 'v3.3' }).debtRepaid).toBe(1_900n * E6)
    expect(computeAaveLiquidation({ ...small, version: undefined }).debtRepaid).toBe(950n * E6)
  })

  it('v3.3+: reverts when less than 1,000 USD of debt would be left (dust)', () => {
    // 2,500 USDC of 16,000 covered at HF 0.9 (whole debt allowed): 13,500 left, fine;
    // 15,500 covered leaves 500 USD of debt and collateral: MustNotLeaveDust
    expect(
      computeAaveLiquidation({
        ...base,
        version: 'v3.7',
        healthFactor: 9n * 10n ** 17n,
        debtToCover: 2_500n * E6,
      }).revert,
    ).toBeNull()
    expect(
      computeAaveLiquidation({
        ...base,
        version: 'v3.7',
        healthFactor: 9n * 10n ** 17n,
        debtToCover: 15_500n * E6,
      }).revert,
    ).toBe('MUST_NOT_LEAVE_DUST')
  })

  it('v3.3+: taking the last collateral burns the remaining debt into the deficit', () => {
    // 1 WETH (2000 USD) against 5,000 USDC at HF 0.4: 1 WETH buys 2000 / 1.05 = 1904.761905 USDC (ceil)
    const out = computeAaveLiquidation({
      ...base,
      version: 'v3.5',
      healthFactor: 4n * 10n ** 17n,
      totalDebtBase: 5_000n * USD,
      totalCollateralBase: 2_000n * USD,
      collateral: { ...base.collateral, balance: E18 },
      debt: { ...base.debt, balance: 5_000n * E6 },
    })
    expect(out.collateralSeized).toBe(E18)
    expect(out.debtRepaid).toBe(1_904_761_905n)
    expect(out.deficit).toBe(5_000n * E6 - 1_904_761_905n)
  })
})
