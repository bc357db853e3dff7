import { parseAbi } from 'viem'

/** The Aave v3 Pool functions the adapter reads (stable across v3.0 to v3.5). */
export const aavePoolAbi = parseAbi([
  'function getReservesList() view returns (address[])',
  'function getUserAccountData(address user) view returns (uint256 totalCollateralBase, uint256 totalDebtBase, uint256 availableBorrowsBase, uint256 currentLiquidationThreshold, uint256 ltv, uint256 healthFactor)',
  'function getReservesCount() view returns (uint256)',
  'function getReserveAddressById(uint16 id) view returns (address)',
  'function liquidationCall(address collateralAsset, address debtAsset, address user, uint256 debtToCover, bool receiveAToken)',
])

/** AaveOracle / IPriceOracleGetter. */
export const aaveOracleAbi = parseAbi(['function getAssetPrice(address asset) view returns (uint256)'])

/**
 * `POOL_REVISION()` (selector 0x0148170e), the Pool implementation's revision: 1-2 v3.0.x, 3 v3.1,
 * 7 v3.3, 8 v3.4, 9 v3.5, 10 v3.6, 11 v3.7 (aave-v3-origin `src/contracts/instances/PoolInstance.sol`).
 */
export const aavePoolRevisionAbi = parseAbi(['function POOL_REVISION() view returns (uint256)'])
