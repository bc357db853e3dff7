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
 * UiPoolDataProviderV3 of Aave v3.3+ (current mainnet periphery; the layout @aave/contract-helpers 1.38 decodes):
 * 40-field AggregatedReserveData, 4-field UserReserveData, and getEModes (absent before v3.2),
 * which is how the adapter tells the layouts apart.
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
