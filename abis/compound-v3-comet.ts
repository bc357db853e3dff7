/**
 * The parts of Compound v3's Comet ABI the adapter reads (CometMainInterface, CometExtInterface,
 * CometStorage public getters of compound-finance/comet), plus the Chainlink aggregator reads used
 * to turn a non-USD Comet's prices into USD and ERC-20 `symbol()`.
 */
import { parseAbi } from 'viem'

/** Comet reads and the events the fork test discovers borrowers with. */
export const cometAbi = parseAbi([
  'struct AssetInfo { uint8 offset; address asset; address priceFeed; uint64 scale; uint64 borrowCollateralFactor; uint64 liquidateCollateralFactor; uint64 liquidationFactor; uint128 supplyCap; }',
  'struct TotalsBasic { uint64 baseSupplyIndex; uint64 baseBorrowIndex; uint64 trackingSupplyIndex; uint64 trackingBorrowIndex; uint104 totalSupplyBase; uint104 totalBorrowBase; uint40 lastAccrualTime; uint8 pauseFlags; }',
  'function baseToken() view returns (address)',
  'function baseTokenPriceFeed() view returns (address)',
  'function numAssets() view returns (uint8)',
  'function decimals() view returns (uint8)',
  'function baseScale() view returns (uint256)',
  'function getAssetInfo(uint8 i) view returns (AssetInfo)',
  'function getPrice(address priceFeed) view returns (uint256)',
  'function totalsBasic() view returns (TotalsBasic)',
  'function userBasic(address account) view returns (int104 principal, uint64 baseTrackingIndex, uint64 baseTrackingAccrued, uint16 assetsIn, uint8 _reserved)',
  'function userCollateral(address account, address asset) view returns (uint128 balance, uint128 _reserved)',
  'function balanceOf(address account) view returns (uint256)',
  'function borrowBalanceOf(address account) view returns (uint256)',
  'function isLiquidatable(address account) view returns (bool)',
  'function isBorrowCollateralized(address account) view returns (bool)',
  'function borrowKink() view returns (uint256)',
  'function borrowPerSecondInterestRateBase() view returns (uint256)',
  'function borrowPerSecondInterestRateSlopeLow() view returns (uint256)',
  'function borrowPerSecondInterestRateSlopeHigh() view returns (uint256)',
  'event Withdraw(address indexed src, address indexed to, uint256 amount)',
  'event SupplyCollateral(address indexed from, address indexed dst, address indexed asset, uint256 amount)',
])

/** Chainlink AggregatorV3 reads (a USD feed of a Comet's price numeraire). */
export const aggregatorV3Abi = parseAbi([
  'function decimals() view returns (uint8)',
  'function latestRoundData() view returns (uint80 roundId, int256 answer, uint256 startedAt, uint256 updatedAt, uint80 answeredInRound)',
])

/** ERC-20 `symbol()` (string form; bytes32 symbols fail to decode and fall back to the address). */
export const erc20SymbolAbi = parseAbi(['function symbol() view returns (string)'])
