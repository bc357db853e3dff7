/** Aave V4 Hub views and events (IHub / IHubBase, aave/aave-v4 1e8de86; FACTS.md sections 3, 4 and 13). */
export const aaveV4HubAbi = [
  {
    name: 'getAsset',
    type: 'function',
    stateMutability: 'view',
    inputs: [
      {
        type: 'uint256',
        name: 'assetId',
      },
    ],
    outputs: [
      {
        type: 'tuple',
        components: [
          {
            type: 'uint120',
            name: 'liquidity',
          },
          {
            type: 'uint120',
            name: 'realizedFees',
          },
          {
            type: 'uint8',
            name: 'decimals',
          },
          {
            type: 'uint120',
            name: 'addedShares',
          },
          {
            type: 'uint120',
            name: 'swept',
          },
          {
            type: 'int200',
            name: 'premiumOffsetRay',
          },
          {
            type: 'uint120',
            name: 'drawnShares',
          },
          {
            type: 'uint120',
            name: 'premiumShares',
          },
          {
            type: 'uint16',
            name: 'liquidityFee',
          },
          {
            type: 'uint120',
            name: 'drawnIndex',
          },
          {
            type: 'uint96',
            name: 'drawnRate',
          },
          {
            type: 'uint40',
            name: 'lastUpdateTimestamp',
          },
          {
            type: 'address',
            name: 'underlying',
          },
          {
            type: 'address',
            name: 'irStrategy',
          },
          {
            type: 'address',
            name: 'reinvestmentController',
          },
          {
            type: 'address',
            name: 'feeReceiver',
          },
          {
            type: 'uint200',
            name: 'deficitRay',
          },
        ],
      },
    ],
  },
  {
    name: 'getAssetCount',
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
    name: 'getAssetDrawnIndex',
    type: 'function',
    stateMutability: 'view',
    inputs: [
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
    name: 'getAddedAssets',
    type: 'function',
    stateMutability: 'view',
    inputs: [
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
    name: 'getAddedShares',
    type: 'function',
    stateMutability: 'view',
    inputs: [
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
    name: 'getAssetUnderlyingAndDecimals',
    type: 'function',
    stateMutability: 'view',
    inputs: [
      {
        type: 'uint256',
        name: 'assetId',
      },
    ],
    outputs: [
      {
        type: 'address',
      },
      {
        type: 'uint8',
      },
    ],
  },
  {
    name: 'AddAsset',
    type: 'event',
    inputs: [
      {
        type: 'uint256',
        name: 'assetId',
        indexed: true,
      },
      {
        type: 'address',
        name: 'underlying',
        indexed: true,
      },
      {
        type: 'uint8',
        name: 'decimals',
      },
    ],
  },
] as const
