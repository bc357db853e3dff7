/**
 * UiPoolDataProviderV3 as shipped in @aave/periphery-v3 2.5.2 (Aave v3.0.x): 54-field AggregatedReserveData,
 * 7-field UserReserveData. The devchain deploys this one; Spark serves it on Ethereum and Gnosis.
 */
export const uiPoolDataProviderV30Abi = [
  {
    inputs: [
      {
        name: 'provider',
        type: 'address',
      },
    ],
    name: 'getReservesData',
    outputs: [
      {
        components: [
          {
            name: 'underlyingAsset',
            type: 'address',
          },
          {
            name: 'name',
            type: 'string',
          },
          {
            name: 'symbol',
            type: 'string',
          },
          {
            name: 'decimals',
            type: 'uint256',
          },
          {
            name: 'baseLTVasCollateral',
            type: 'uint256',
          },
          {
            name: 'reserveLiquidationThreshold',
            type: 'uint256',
          },
          {
            name: 'reserveLiquidationBonus',
            type: 'uint256',
          },
          {
            name: 'reserveFactor',
            type: 'uint256',
          },
          {
            name: 'usageAsCollateralEnabled',
            type: 'bool',
          },
          {
            name: 'borrowingEnabled',
            type: 'bool',
          },
          {
            name: 'stableBorrowRateEnabled',
            type: 'bool',
          },
          {
            name: 'isActive',
            type: 'bool',
          },
          {
            name: 'isFrozen',
            type: 'bool',
          },
          {
            name: 'liquidityIndex',
            type: 'uint128',
          },
          {
            name: 'variableBorrowIndex',
            type: 'uint128',
          },
          {
            name: 'liquidityRate',
            type: 'uint128',
          },
          {
            name: 'variableBorrowRate',
            type: 'uint128',
          },
          {
            name: 'stableBorrowRate',
            type: 'uint128',
          },
          {
            name: 'lastUpdateTimestamp',
            type: 'uint40',
          },
          {
            name: 'aTokenAddress',
            type: 'address',
          },
          {
            name: 'stableDebtTokenAddress',
            type: 'address',
          },
          {
            name: 'variableDebtTokenAddress',
            type: 'address',
          },
          {
            name: 'interestRateStrategyAddress',
            type: 'address',
          },
          {
            name: 'availableLiquidity',
            type: 'uint256',
          },
          {
            name: 'totalPrincipalStableDebt',
            type: 'uint256',
          },
          {
            name: 'averageStableRate',
            type: 'uint256',
          },
          {
            name: 'stableDebtLastUpdateTimestamp',
            type: 'uint256',
          },
          {
            name: 'totalScaledVariableDebt',
            type: 'uint256',
          },
          {
            name: 'priceInMarketReferenceCurrency',
            type: 'uint256',
          },
          {
            name: 'priceOracle',
            type: 'address',
          },
          {
            name: 'variableRateSlope1',
            type: 'uint256',
          },
          {
            name: 'variableRateSlope2',
            type: 'uint256',
          },
          {
            name: 'stableRateSlope1',
            type: 'uint256',
          },
          {
            name: 'stableRateSlope2',
            type: 'uint256',
          },
          {
            name: 'baseStableBorrowRate',
            type: 'uint256',
          },
          {
            name: 'baseVariableBorrowRate',
            type: 'uint256',
          },
          {
            name: 'optimalUsageRatio',
            type: 'uint256',
          },
          {
            name: 'isPaused',
            type: 'bool',
          },
          {
            name: 'isSiloedBorrowing',
            type: 'bool',
          },
          {
            name: 'accruedToTreasury',
            type: 'uint128',
          },
          {
            name: 'unbacked',
            type: 'uint128',
          },
          {
            name: 'isolationModeTotalDebt',
            type: 'uint128',
          },
          {
            name: 'flashLoanEnabled',
            type: 'bool',
          },
          {
            name: 'debtCeiling',
            type: 'uint256',
          },
          {
            name: 'debtCeilingDecimals',
            type: 'uint256',
          },
          {
            name: 'eModeCategoryId',
            type: 'uint8',
          },
          {
            name: 'borrowCap',
            type: 'uint256',
          },
          {
            name: 'supplyCap',
            type: 'uint256',
          },
          {
            name: 'eModeLtv',
            type: 'uint16',
          },
          {
            name: 'eModeLiquidationThreshold',
            type: 'uint16',
          },
          {
            name: 'eModeLiquidationBonus',
            type: 'uint16',
          },
          {
            name: 'eModePriceSource',
            type: 'address',
          },
          {
            name: 'eModeLabel',
            type: 'string',
          },
          {
            name: 'borrowableInIsolation',
            type: 'bool',
          },
        ],
        name: '',
        type: 'tuple[]',
      },
      {
        components: [
          {
            name: 'marketReferenceCurrencyUnit',
            type: 'uint256',
          },
          {
            name: 'marketReferenceCurrencyPriceInUsd',
            type: 'int256',
          },
          {
            name: 'networkBaseTokenPriceInUsd',
            type: 'int256',
          },
          {
            name: 'networkBaseTokenPriceDecimals',
            type: 'uint8',
          },
        ],
        name: '',
        type: 'tuple',
      },
    ],
    stateMutability: 'view',
    type: 'function',
  },
  {
    inputs: [
      {
        name: 'provider',
        type: 'address',
      },
      {
        name: 'user',
        type: 'address',
      },
    ],
    name: 'getUserReservesData',
    outputs: [
      {
        components: [
          {
            name: 'underlyingAsset',
            type: 'address',
          },
          {
            name: 'scaledATokenBalance',
            type: 'uint256',
          },
          {
            name: 'usageAsCollateralEnabledOnUser',
            type: 'bool',
          },
          {
            name: 'stableBorrowRate',
            type: 'uint256',
          },
          {
            name: 'scaledVariableDebt',
            type: 'uint256',
          },
          {
            name: 'principalStableDebt',
            type: 'uint256',
          },
          {
            name: 'stableBorrowLastUpdateTimestamp',
            type: 'uint256',
          },
        ],
        name: '',
        type: 'tuple[]',
      },
      {
        name: '',
        type: 'uint8',
      },
    ],
    stateMutability: 'view',
    type: 'function',
  },
] as const

/**
 * UiPoolDataProviderV3 of Aave v3.4+ (current mainnet periphery; the layout @aave/contract-helpers 1.38 decodes):
 * 40-field AggregatedReserveData (v3.3.0 has 42: {@link uiPoolDataProviderV330ReservesAbi}),
 * 4-field UserReserveData, and getEModes (absent before v3.2) in v3.7's 8-field EModeCategory
 * (v3.2-v3.5: 6 fields, v3.6: 7; see the getEModes ABIs below).
 */
export const uiPoolDataProviderV33Abi = [
  {
    type: 'function',
    name: 'getEModes',
    inputs: [
      {
        name: 'provider',
        type: 'address',
      },
    ],
    outputs: [
      {
        name: '',
        type: 'tuple[]',
        components: [
          {
            name: 'id',
            type: 'uint8',
          },
          {
            name: 'eMode',
            type: 'tuple',
            components: [
              {
                name: 'ltv',
                type: 'uint16',
              },
              {
                name: 'liquidationThreshold',
                type: 'uint16',
              },
              {
                name: 'liquidationBonus',
                type: 'uint16',
              },
              {
                name: 'collateralBitmap',
                type: 'uint128',
              },
              {
                name: 'isolated',
                type: 'bool',
              },
              {
                name: 'label',
                type: 'string',
              },
              {
                name: 'borrowableBitmap',
                type: 'uint128',
              },
              {
                name: 'ltvzeroBitmap',
                type: 'uint128',
              },
            ],
          },
        ],
      },
    ],
    stateMutability: 'view',
  },
  {
    type: 'function',
    name: 'getReservesData',
    inputs: [
      {
        name: 'provider',
        type: 'address',
      },
    ],
    outputs: [
      {
        name: '',
        type: 'tuple[]',
        components: [
          {
            name: 'underlyingAsset',
            type: 'address',
          },
          {
            name: 'name',
            type: 'string',
          },
          {
            name: 'symbol',
            type: 'string',
          },
          {
            name: 'decimals',
            type: 'uint256',
          },
          {
            name: 'baseLTVasCollateral',
            type: 'uint256',
          },
          {
            name: 'reserveLiquidationThreshold',
            type: 'uint256',
          },
          {
            name: 'reserveLiquidationBonus',
            type: 'uint256',
          },
          {
            name: 'reserveFactor',
            type: 'uint256',
          },
          {
            name: 'usageAsCollateralEnabled',
            type: 'bool',
          },
          {
            name: 'borrowingEnabled',
            type: 'bool',
          },
          {
            name: 'isActive',
            type: 'bool',
          },
          {
            name: 'isFrozen',
            type: 'bool',
          },
          {
            name: 'liquidityIndex',
            type: 'uint128',
          },
          {
            name: 'variableBorrowIndex',
            type: 'uint128',
          },
          {
            name: 'liquidityRate',
            type: 'uint128',
          },
          {
            name: 'variableBorrowRate',
            type: 'uint128',
          },
          {
            name: 'lastUpdateTimestamp',
            type: 'uint40',
          },
          {
            name: 'aTokenAddress',
            type: 'address',
          },
          {
            name: 'variableDebtTokenAddress',
            type: 'address',
          },
          {
            name: 'interestRateStrategyAddress',
            type: 'address',
          },
          {
            name: 'availableLiquidity',
            type: 'uint256',
          },
          {
            name: 'totalScaledVariableDebt',
            type: 'uint256',
          },
          {
            name: 'priceInMarketReferenceCurrency',
            type: 'uint256',
          },
          {
            name: 'priceOracle',
            type: 'address',
          },
          {
            name: 'variableRateSlope1',
            type: 'uint256',
          },
          {
            name: 'variableRateSlope2',
            type: 'uint256',
          },
          {
            name: 'baseVariableBorrowRate',
            type: 'uint256',
          },
          {
            name: 'optimalUsageRatio',
            type: 'uint256',
          },
          {
            name: 'isPaused',
            type: 'bool',
          },
          {
            name: 'isSiloedBorrowing',
            type: 'bool',
          },
          {
            name: 'accruedToTreasury',
            type: 'uint128',
          },
          {
            name: 'isolationModeTotalDebt',
            type: 'uint128',
          },
          {
            name: 'flashLoanEnabled',
            type: 'bool',
          },
          {
            name: 'debtCeiling',
            type: 'uint256',
          },
          {
            name: 'debtCeilingDecimals',
            type: 'uint256',
          },
          {
            name: 'borrowCap',
            type: 'uint256',
          },
          {
            name: 'supplyCap',
            type: 'uint256',
          },
          {
            name: 'borrowableInIsolation',
            type: 'bool',
          },
          {
            name: 'virtualUnderlyingBalance',
            type: 'uint128',
          },
          {
            name: 'deficit',
            type: 'uint128',
          },
        ],
      },
      {
        name: '',
        type: 'tuple',
        components: [
          {
            name: 'marketReferenceCurrencyUnit',
            type: 'uint256',
          },
          {
            name: 'marketReferenceCurrencyPriceInUsd',
            type: 'int256',
          },
          {
            name: 'networkBaseTokenPriceInUsd',
            type: 'int256',
          },
          {
            name: 'networkBaseTokenPriceDecimals',
            type: 'uint8',
          },
        ],
      },
    ],
    stateMutability: 'view',
  },
  {
    type: 'function',
    name: 'getUserReservesData',
    inputs: [
      {
        name: 'provider',
        type: 'address',
      },
      {
        name: 'user',
        type: 'address',
      },
    ],
    outputs: [
      {
        name: '',
        type: 'tuple[]',
        components: [
          {
            name: 'underlyingAsset',
            type: 'address',
          },
          {
            name: 'scaledATokenBalance',
            type: 'uint256',
          },
          {
            name: 'usageAsCollateralEnabledOnUser',
            type: 'bool',
          },
          {
            name: 'scaledVariableDebt',
            type: 'uint256',
          },
        ],
      },
      {
        name: '',
        type: 'uint8',
      },
    ],
    stateMutability: 'view',
  },
] as const

type AbiParam = { readonly name: string; readonly type: string; readonly components?: readonly AbiParam[] }
type AbiFn = {
  readonly type: 'function'
  readonly name: string
  readonly inputs: readonly AbiParam[]
  readonly outputs: readonly AbiParam[]
  readonly stateMutability: 'view'
}

function fnOf(name: string): AbiFn {
  const f = uiPoolDataProviderV33Abi.find((x) => x.name === name)
  if (!f) throw new Error(`no ${name} in uiPoolDataProviderV33Abi`)
  return f as unknown as AbiFn
}

/** `fn` with the components of its first output's (tuple[]) element replaced by `components`. */
function withRowComponents(fn: AbiFn, components: readonly AbiParam[]): AbiFn {
  const [first, ...rest] = fn.outputs
  return { ...fn, outputs: [{ ...first!, components }, ...rest] }
}

/** `components` with `param` inserted right after the field named `after`. */
function insertAfter(components: readonly AbiParam[], after: string, param: AbiParam): AbiParam[] {
  const i = components.findIndex((c) => c.name === after)
  if (i < 0) throw new Error(`no field ${after}`)
  return [...components.slice(0, i + 1), param, ...components.slice(i + 1)]
}

const reserves40 = fnOf('getReservesData').outputs[0]!.components!

/**
 * `getReservesData` of the v3.3.0 periphery: 42-field AggregatedReserveData (FACTS.md section 1,
 * aave-v3-origin v3.3.0 `src/contracts/helpers/interfaces/IUiPoolDataProviderV3.sol:8-57`): the
 * v3.4+ 40 fields plus `unbacked` (uint128) after `accruedToTreasury` and `virtualAccActive` (bool)
 * after `borrowableInIsolation`.
 */
export const uiPoolDataProviderV330ReservesAbi = [
  withRowComponents(
    fnOf('getReservesData'),
    insertAfter(
      insertAfter(reserves40, 'accruedToTreasury', { name: 'unbacked', type: 'uint128' }),
      'borrowableInIsolation',
      { name: 'virtualAccActive', type: 'bool' },
    ),
  ),
] as const

const eModes = fnOf('getEModes')
const eMode8 = eModes.outputs[0]!.components!
const eModeCategory8 = eMode8[1]!.components!

/** `getEModes` with an EModeCategory of the given fields (in v3.7's order, by name). */
function eModesWith(names: readonly string[]): readonly AbiFn[] {
  const category = { ...eMode8[1]!, components: eModeCategory8.filter((c) => names.includes(c.name)) }
  return [withRowComponents(eModes, [eMode8[0]!, category])]
}

/**
 * `getEModes` of v3.2-v3.5: 6-field EModeCategory `ltv, liquidationThreshold, liquidationBonus,
 * collateralBitmap, label, borrowableBitmap` (FACTS.md section 1; v3.3 `DataTypes.sol:139-147`,
 * v3.5 `:140-148`).
 */
export const uiPoolDataProviderEModes6Abi = eModesWith([
  'ltv',
  'liquidationThreshold',
  'liquidationBonus',
  'collateralBitmap',
  'label',
  'borrowableBitmap',
])

/** `getEModes` of v3.6: the 6 fields plus `ltvzeroBitmap` last (v3.6 `DataTypes.sol:140-149`). */
export const uiPoolDataProviderEModes7Abi = eModesWith([
  'ltv',
  'liquidationThreshold',
  'liquidationBonus',
  'collateralBitmap',
  'label',
  'borrowableBitmap',
  'ltvzeroBitmap',
])

/**
 * `getEModes` of v3.7: 8 fields with `isolated` inserted after `collateralBitmap` (HEAD
 * `DataTypes.sol:141-151`); the same as {@link uiPoolDataProviderV33Abi}'s getEModes.
 */
export const uiPoolDataProviderEModes8Abi = [eModes] as const
