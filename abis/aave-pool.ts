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
