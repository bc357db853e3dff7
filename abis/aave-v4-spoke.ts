/** Aave V4 Spoke views and events a position reader uses (ISpoke, aave/aave-v4 1e8de86; see ../shared/protocols/aave-v4/FACTS.md sections 3, 4 and 13). */
export const aaveV4SpokeAbi = [
  {
    name: 'getUserAccountData',
    type: 'function',
    stateMutability: 'view',
    inputs: [
      {
        type: 'address',
        name: 'user',
      },
    ],
    outputs: [
      {
        type: 'tuple',
        components: [
          {
            type: 'uint256',
            name: 'riskPremium',
          },
          {
            type: 'uint256',
            name: 'avgCollateralFactor',
          },
          {
            type: 'uint256',
            name: 'healthFactor',
          },
          {
            type: 'uint256',
            name: 'totalCollateralValue',
          },
          {
            type: 'uint256',
            name: 'totalDebtValueRay',
          },
          {
            type: 'uint256',
            name: 'activeCollateralCount',
          },
          {
            type: 'uint256',
            name: 'borrowCount',
          },
        ],
      },
    ],
  },
  {
    name: 'getUserLastRiskPremium',
    type: 'function',
    stateMutability: 'view',
    inputs: [
      {
        type: 'address',
        name: 'user',
      },
    ],
    outputs: [
      {
        type: 'uint256',
      },
    ],
  },
  {
    name: 'getUserPosition',
    type: 'function',
    stateMutability: 'view',
    inputs: [
      {
        type: 'uint256',
        name: 'reserveId',
      },
      {
        type: 'address',
        name: 'user',
      },
    ],
    outputs: [
      {
        type: 'tuple',
        components: [
          {
            type: 'uint120',
            name: 'drawnShares',
          },
          {
            type: 'uint120',
            name: 'premiumShares',
          },
          {
            type: 'int200',
            name: 'premiumOffsetRay',
          },
          {
            type: 'uint120',
            name: 'suppliedShares',
          },
          {
            type: 'uint32',
            name: 'dynamicConfigKey',
          },
        ],
      },
    ],
  },
  {
    name: 'getUserReserveStatus',
    type: 'function',
    stateMutability: 'view',
    inputs: [
      {
        type: 'uint256',
        name: 'reserveId',
      },
      {
        type: 'address',
        name: 'user',
      },
    ],
    outputs: [
      {
        type: 'bool',
      },
      {
        type: 'bool',
      },
    ],
  },
  {
    name: 'getUserSuppliedAssets',
    type: 'function',
    stateMutability: 'view',
    inputs: [
      {
        type: 'uint256',
        name: 'reserveId',
      },
      {
        type: 'address',
        name: 'user',
      },
    ],
    outputs: [
      {
        type: 'uint256',
      },
    ],
  },
  {
    name: 'getUserSuppliedShares',
    type: 'function',
    stateMutability: 'view',
    inputs: [
      {
        type: 'uint256',
        name: 'reserveId',
      },
      {
        type: 'address',
        name: 'user',
      },
    ],
    outputs: [
      {
        type: 'uint256',
      },
    ],
  },
  {
    name: 'getUserDebt',
    type: 'function',
    stateMutability: 'view',
    inputs: [
      {
        type: 'uint256',
        name: 'reserveId',
      },
      {
        type: 'address',
        name: 'user',
      },
    ],
    outputs: [
      {
        type: 'uint256',
      },
      {
        type: 'uint256',
      },
    ],
  },
  {
    name: 'getUserTotalDebt',
    type: 'function',
    stateMutability: 'view',
    inputs: [
      {
        type: 'uint256',
        name: 'reserveId',
      },
      {
        type: 'address',
        name: 'user',
      },
    ],
    outputs: [
      {
        type: 'uint256',
      },
    ],
  },
  {
    name: 'getUserPremiumDebtRay',
    type: 'function',
    stateMutability: 'view',
    inputs: [
      {
        type: 'uint256',
        name: 'reserveId',
      },
      {
        type: 'address',
        name: 'user',
      },
    ],
    outputs: [
      {
        type: 'uint256',
      },
    ],
  },
  {
    name: 'getLiquidationBonus',
    type: 'function',
    stateMutability: 'view',
    inputs: [
      {
        type: 'uint256',
        name: 'reserveId',
      },
      {
        type: 'address',
        name: 'user',
      },
      {
        type: 'uint256',
        name: 'healthFactor',
      },
    ],
    outputs: [
      {
        type: 'uint256',
      },
    ],
  },
  {
    name: 'getLiquidationConfig',
    type: 'function',
    stateMutability: 'view',
    inputs: [],
    outputs: [
      {
        type: 'tuple',
        components: [
          {
            type: 'uint128',
            name: 'targetHealthFactor',
          },
          {
            type: 'uint64',
            name: 'healthFactorForMaxBonus',
          },
          {
            type: 'uint16',
            name: 'liquidationBonusFactor',
          },
        ],
      },
    ],
  },
  {
    name: 'getReserveCount',
    type: 'function',
    stateMutability: 'view',
    inputs: [],
    outputs: [
      {
        type: 'uint256',
      },
    ],
  },
  {
    name: 'getReserve',
    type: 'function',
    stateMutability: 'view',
    inputs: [
      {
        type: 'uint256',
        name: 'reserveId',
      },
    ],
    outputs: [
      {
        type: 'tuple',
        components: [
          {
            type: 'address',
            name: 'underlying',
          },
          {
            type: 'address',
            name: 'hub',
          },
          {
            type: 'uint16',
            name: 'assetId',
          },
          {
            type: 'uint8',
            name: 'decimals',
          },
          {
            type: 'uint24',
            name: 'collateralRisk',
          },
          {
            type: 'uint8',
            name: 'flags',
          },
          {
            type: 'uint32',
            name: 'dynamicConfigKey',
          },
        ],
      },
    ],
  },
  {
    name: 'getDynamicReserveConfig',
    type: 'function',
    stateMutability: 'view',
    inputs: [
      {
        type: 'uint256',
        name: 'reserveId',
      },
      {
        type: 'uint32',
        name: 'dynamicConfigKey',
      },
    ],
    outputs: [
      {
        type: 'tuple',
        components: [
          {
            type: 'uint16',
            name: 'collateralFactor',
          },
          {
            type: 'uint32',
            name: 'maxLiquidationBonus',
          },
          {
            type: 'uint16',
            name: 'liquidationFee',
          },
        ],
      },
    ],
  },
  {
    name: 'getReserveId',
    type: 'function',
    stateMutability: 'view',
    inputs: [
      {
        type: 'address',
        name: 'hub',
      },
      {
        type: 'uint256',
        name: 'assetId',
      },
    ],
    outputs: [
      {
        type: 'uint256',
      },
    ],
  },
  {
    name: 'ORACLE',
    type: 'function',
    stateMutability: 'view',
    inputs: [],
    outputs: [
      {
        type: 'address',
      },
    ],
  },
  {
    name: 'SPOKE_REVISION',
    type: 'function',
    stateMutability: 'view',
    inputs: [],
    outputs: [
      {
        type: 'uint64',
      },
    ],
  },
  {
    name: 'liquidationCall',
    type: 'function',
    stateMutability: 'nonpayable',
    inputs: [
      {
        type: 'uint256',
        name: 'collateralReserveId',
      },
      {
        type: 'uint256',
        name: 'debtReserveId',
      },
      {
        type: 'address',
        name: 'user',
      },
      {
        type: 'uint256',
        name: 'debtToCover',
      },
      {
        type: 'bool',
        name: 'receiveShares',
      },
    ],
    outputs: [],
  },
  {
    name: 'Supply',
    type: 'event',
    inputs: [
      {
        type: 'uint256',
        name: 'reserveId',
        indexed: true,
      },
      {
        type: 'address',
        name: 'caller',
        indexed: true,
      },
      {
        type: 'address',
        name: 'user',
        indexed: true,
      },
      {
        type: 'uint256',
        name: 'suppliedShares',
      },
      {
        type: 'uint256',
        name: 'suppliedAmount',
      },
    ],
  },
  {
    name: 'Withdraw',
    type: 'event',
    inputs: [
      {
        type: 'uint256',
        name: 'reserveId',
        indexed: true,
      },
      {
        type: 'address',
        name: 'caller',
        indexed: true,
      },
      {
        type: 'address',
        name: 'user',
        indexed: true,
      },
      {
        type: 'uint256',
        name: 'withdrawnShares',
      },
      {
        type: 'uint256',
        name: 'withdrawnAmount',
      },
    ],
  },
  {
    name: 'Borrow',
    type: 'event',
    inputs: [
      {
        type: 'uint256',
        name: 'reserveId',
        indexed: true,
      },
      {
        type: 'address',
        name: 'caller',
        indexed: true,
      },
      {
        type: 'address',
        name: 'user',
        indexed: true,
      },
      {
        type: 'uint256',
        name: 'drawnShares',
      },
      {
        type: 'uint256',
        name: 'drawnAmount',
      },
    ],
  },
  {
    name: 'Repay',
    type: 'event',
    inputs: [
      {
        type: 'uint256',
        name: 'reserveId',
        indexed: true,
      },
      {
        type: 'address',
        name: 'caller',
        indexed: true,
      },
      {
        type: 'address',
        name: 'user',
        indexed: true,
      },
      {
        type: 'uint256',
        name: 'drawnShares',
      },
      {
        type: 'uint256',
        name: 'totalAmountRepaid',
      },
      {
        type: 'tuple',
        name: 'premiumDelta',
        components: [
          {
            type: 'int256',
            name: 'sharesDelta',
          },
          {
            type: 'int256',
            name: 'offsetRayDelta',
          },
          {
            type: 'uint256',
            name: 'restoredPremiumRay',
          },
        ],
      },
    ],
  },
  {
    name: 'SetUsingAsCollateral',
    type: 'event',
    inputs: [
      {
        type: 'uint256',
        name: 'reserveId',
        indexed: true,
      },
      {
        type: 'address',
        name: 'caller',
        indexed: true,
      },
      {
        type: 'address',
        name: 'user',
        indexed: true,
      },
      {
        type: 'bool',
        name: 'usingAsCollateral',
      },
    ],
  },
  {
    name: 'LiquidationCall',
    type: 'event',
    inputs: [
      {
        type: 'uint256',
        name: 'collateralReserveId',
        indexed: true,
      },
      {
        type: 'uint256',
        name: 'debtReserveId',
        indexed: true,
      },
      {
        type: 'address',
        name: 'user',
        indexed: true,
      },
      {
        type: 'address',
        name: 'liquidator',
      },
      {
        type: 'bool',
        name: 'receiveShares',
      },
      {
        type: 'uint256',
        name: 'debtAmountRestored',
      },
      {
        type: 'uint256',
        name: 'drawnSharesLiquidated',
      },
      {
        type: 'tuple',
        name: 'premiumDelta',
        components: [
          {
            type: 'int256',
            name: 'sharesDelta',
          },
          {
            type: 'int256',
            name: 'offsetRayDelta',
          },
          {
            type: 'uint256',
            name: 'restoredPremiumRay',
          },
        ],
      },
      {
        type: 'uint256',
        name: 'collateralAmountRemoved',
      },
      {
        type: 'uint256',
        name: 'collateralSharesLiquidated',
      },
      {
        type: 'uint256',
        name: 'collateralSharesToLiquidator',
      },
    ],
  },
  {
    name: 'AddReserve',
    type: 'event',
    inputs: [
      {
        type: 'uint256',
        name: 'reserveId',
        indexed: true,
      },
      {
        type: 'uint256',
        name: 'assetId',
        indexed: true,
      },
      {
        type: 'address',
        name: 'hub',
        indexed: true,
      },
    ],
  },
  {
    name: 'AddDynamicReserveConfig',
    type: 'event',
    inputs: [
      {
        type: 'uint256',
        name: 'reserveId',
        indexed: true,
      },
      {
        type: 'uint32',
        name: 'dynamicConfigKey',
        indexed: true,
      },
      {
        type: 'tuple',
        name: 'config',
        components: [
          {
            type: 'uint16',
            name: 'collateralFactor',
          },
          {
            type: 'uint32',
            name: 'maxLiquidationBonus',
          },
          {
            type: 'uint16',
            name: 'liquidationFee',
          },
        ],
      },
    ],
  },
] as const
