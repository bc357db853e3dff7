import { parseAbi } from 'viem'

const SHARED_STRUCTS = [
  'struct PositionAddresses { address account; address market; address collateralToken; }',
  'struct PositionFlags { bool isLong; }',
  'struct MarketProps { address marketToken; address indexToken; address longToken; address shortToken; }',
  'struct PriceProps { uint256 min; uint256 max; }',
  'struct MarketPrices { PriceProps indexTokenPrice; PriceProps longTokenPrice; PriceProps shortTokenPrice; }',
  'struct IsPositionLiquidatableInfo { int256 remainingCollateralUsd; int256 minCollateralUsd; int256 minCollateralUsdForLeverage; }',
] as const

/**
 * GMX v2.2's Reader (gmx-synthetics since tag v2.2; the live Arbitrum Reader 0x470fbC46…0789 at
 * commit a5c0c883): `Position.Numbers` with 10 fields (int256 pendingImpactAmount after
 * collateralAmount), the 7-argument `isPositionLiquidatable(…, bool shouldValidateMinCollateralUsd,
 * bool forLiquidation)` (selector 0x456110f9), `getPositionInfo` with ReaderPositionUtils.PositionInfo
 * (positionKey first; ExecutionPriceResult with the pending-impact fields), `getMarkets`, and the
 * DataStore's `getUint`. Struct layouts: ../shared/protocols/gmx-synthetics/FACTS.md "Struct layouts".
 */
export const gmxReaderAbi = parseAbi([
  ...SHARED_STRUCTS,
  'struct PositionNumbers { uint256 sizeInUsd; uint256 sizeInTokens; uint256 collateralAmount; int256 pendingImpactAmount; uint256 borrowingFactor; uint256 fundingFeeAmountPerSize; uint256 longTokenClaimableFundingAmountPerSize; uint256 shortTokenClaimableFundingAmountPerSize; uint256 increasedAtTime; uint256 decreasedAtTime; }',
  'struct PositionProps { PositionAddresses addresses; PositionNumbers numbers; PositionFlags flags; }',
  'struct PositionReferralFees { bytes32 referralCode; address affiliate; address trader; uint256 totalRebateFactor; uint256 affiliateRewardFactor; uint256 adjustedAffiliateRewardFactor; uint256 traderDiscountFactor; uint256 totalRebateAmount; uint256 traderDiscountAmount; uint256 affiliateRewardAmount; }',
  'struct PositionProFees { uint256 traderTier; uint256 traderDiscountFactor; uint256 traderDiscountAmount; }',
  'struct PositionFundingFees { uint256 fundingFeeAmount; uint256 claimableLongTokenAmount; uint256 claimableShortTokenAmount; uint256 latestFundingFeeAmountPerSize; uint256 latestLongTokenClaimableFundingAmountPerSize; uint256 latestShortTokenClaimableFundingAmountPerSize; }',
  'struct PositionBorrowingFees { uint256 borrowingFeeUsd; uint256 borrowingFeeAmount; uint256 borrowingFeeReceiverFactor; uint256 borrowingFeeAmountForFeeReceiver; }',
  'struct PositionUiFees { address uiFeeReceiver; uint256 uiFeeReceiverFactor; uint256 uiFeeAmount; }',
  'struct PositionLiquidationFees { uint256 liquidationFeeUsd; uint256 liquidationFeeAmount; uint256 liquidationFeeReceiverFactor; uint256 liquidationFeeAmountForFeeReceiver; }',
  'struct PositionFees { PositionReferralFees referral; PositionProFees pro; PositionFundingFees funding; PositionBorrowingFees borrowing; PositionUiFees ui; PositionLiquidationFees liquidation; PriceProps collateralTokenPrice; uint256 positionFeeFactor; uint256 protocolFeeAmount; uint256 positionFeeReceiverFactor; uint256 feeReceiverAmount; uint256 feeAmountForPool; uint256 positionFeeAmountForPool; uint256 positionFeeAmount; uint256 totalCostAmountExcludingFunding; uint256 totalCostAmount; uint256 totalDiscountAmount; }',
  'struct ExecutionPriceResult { int256 priceImpactUsd; uint256 executionPrice; bool balanceWasImproved; int256 proportionalPendingImpactUsd; int256 totalImpactUsd; uint256 priceImpactDiffUsd; }',
  'struct PositionInfo { bytes32 positionKey; PositionProps position; PositionFees fees; ExecutionPriceResult executionPriceResult; int256 basePnlUsd; int256 uncappedBasePnlUsd; int256 pnlAfterPriceImpactUsd; }',
  'function getAccountPositions(address dataStore, address account, uint256 start, uint256 end) view returns (PositionProps[])',
  'function getMarkets(address dataStore, uint256 start, uint256 end) view returns (MarketProps[])',
  'function getMarket(address dataStore, address key) view returns (MarketProps)',
  'function isPositionLiquidatable(address dataStore, address referralStorage, bytes32 positionKey, MarketProps market, MarketPrices prices, bool shouldValidateMinCollateralUsd, bool forLiquidation) view returns (bool, string, IsPositionLiquidatableInfo)',
  'function getPositionInfo(address dataStore, address referralStorage, bytes32 positionKey, MarketPrices prices, uint256 sizeDeltaUsd, address uiFeeReceiver, bool usePositionSizeAsSizeDeltaUsd) view returns (PositionInfo)',
  'function getPosition(address dataStore, bytes32 key) view returns (PositionProps)',
])

/**
 * The v2.1 Reader layout (Readers deployed before v2.2, e.g. Arbitrum 0x0537C767…2fE1 and
 * 0xcF2845Ab…3574): `Position.Numbers` with 9 fields (no pendingImpactAmount) and the 6-argument
 * `isPositionLiquidatable` (selector 0x00e261b7). Used only at blocks where such a Reader was live.
 */
export const gmxReaderV21Abi = parseAbi([
  ...SHARED_STRUCTS,
  'struct PositionNumbers { uint256 sizeInUsd; uint256 sizeInTokens; uint256 collateralAmount; uint256 borrowingFactor; uint256 fundingFeeAmountPerSize; uint256 longTokenClaimableFundingAmountPerSize; uint256 shortTokenClaimableFundingAmountPerSize; uint256 increasedAtTime; uint256 decreasedAtTime; }',
  'struct PositionProps { PositionAddresses addresses; PositionNumbers numbers; PositionFlags flags; }',
  'function getAccountPositions(address dataStore, address account, uint256 start, uint256 end) view returns (PositionProps[])',
  'function isPositionLiquidatable(address dataStore, address referralStorage, bytes32 positionKey, MarketProps market, MarketPrices prices, bool shouldValidateMinCollateralUsd) view returns (bool, string, IsPositionLiquidatableInfo)',
  'function getPosition(address dataStore, bytes32 key) view returns (PositionProps)',
])

/**
 * Reader.getMarketInfo (selector 0x847bb469) of v2.2 (ReaderUtils.MarketInfo, FACTS.md "Struct
 * layouts"): the market, per-second borrowing factors of each side, the base funding values, the
 * next funding result (longsPayShorts, fundingFactorPerSecond, …), the virtual inventory and
 * isDisabled. 29 static words.
 */
export const gmxMarketInfoAbi = parseAbi([
  ...SHARED_STRUCTS,
  'struct CollateralType { uint256 longToken; uint256 shortToken; }',
  'struct PositionType { CollateralType long; CollateralType short; }',
  'struct BaseFundingValues { PositionType fundingFeeAmountPerSize; PositionType claimableFundingAmountPerSize; }',
  'struct GetNextFundingAmountPerSizeResult { bool longsPayShorts; uint256 fundingFactorPerSecond; int256 nextSavedFundingFactorPerSecond; PositionType fundingFeeAmountPerSizeDelta; PositionType claimableFundingAmountPerSizeDelta; }',
  'struct VirtualInventory { uint256 virtualPoolAmountForLongToken; uint256 virtualPoolAmountForShortToken; int256 virtualInventoryForPositions; }',
  'struct MarketInfo { MarketProps market; uint256 borrowingFactorPerSecondForLongs; uint256 borrowingFactorPerSecondForShorts; BaseFundingValues baseFunding; GetNextFundingAmountPerSizeResult nextFunding; VirtualInventory virtualInventory; bool isDisabled; }',
  'function getMarketInfo(address dataStore, MarketPrices prices, address marketKey) view returns (MarketInfo)',
])

/**
 * GMX's DataStore getters the adapter reads (data/DataStore.sol): getUint, and the bytes32 sets
 * (getBytes32Count 0xf3903b9f, getBytes32ValuesAt 0xf069052a) that hold the position keys.
 */
export const gmxDataStoreAbi = parseAbi([
  'function getUint(bytes32 key) view returns (uint256)',
  'function getBytes32Count(bytes32 setKey) view returns (uint256)',
  'function getBytes32ValuesAt(bytes32 setKey, uint256 start, uint256 end) view returns (bytes32[])',
])

/** Chainlink AggregatorV3 latestRoundData (the devchain's price feeds). */
export const gmxFeedAbi = parseAbi([
  'function latestRoundData() view returns (uint80, int256, uint256, uint256, uint80)',
])
