/** Aave V4's per-Spoke AaveOracle (src/spoke/AaveOracle.sol, aave/aave-v4 1e8de86): prices in 8 decimals (1e-8 USD per whole token), indexed by the Spoke's reserveId. */
export const aaveV4OracleAbi = [
  {
    name: 'getReservePrice',
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
        type: 'uint256',
      },
    ],
  },
  {
    name: 'getReservesPrices',
    type: 'function',
    stateMutability: 'view',
    inputs: [
      {
        type: 'uint256[]',
        name: 'reserveIds',
      },
    ],
    outputs: [
      {
        type: 'uint256[]',
      },
    ],
  },
  {
    name: 'decimals',
    type: 'function',
    stateMutability: 'view',
    inputs: [],
    outputs: [
      {
        type: 'uint8',
      },
    ],
  },
] as const
