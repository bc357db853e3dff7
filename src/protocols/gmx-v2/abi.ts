import { parseAbi } from 'viem'

/**
 * The parts of GMX v2's Reader ABI the adapter calls, with gmx-synthetics' struct layouts
 * (Position.Props with the v2.1 numbers: increasedAtTime/decreasedAtTime; Market.Props;
 * Price.Props; MarketUtils.MarketPrices; PositionUtils.IsPositionLiquidatableInfo).
 */
export const gmxReaderAbi = parseAbi([
  'struct PositionAddresses { address account; address market; address collateralToken; }',
  'struct PositionNumbers { uint256 sizeInUsd; uint256 sizeInTokens; uint256 collateralAmount; uint256 borrowingFactor; uint256 fundingFeeAmountPerSize; uint256 longTokenClaimableFundingAmountPerSize; uint256 shortTokenClaimableFundingAmountPerSize; uint256 increasedAtTime; uint256 decreasedAtTime; }',
  'struct PositionFlags { bool isLong; }',
  'struct PositionProps { PositionAddresses addresses; PositionNumbers numbers; PositionFlags flags; }',
  'struct MarketProps { address marketToken; address indexToken; address longToken; address shortToken; }',
  'struct PriceProps { uint256 min; uint256 max; }',
  'struct MarketPrices { PriceProps indexTokenPrice; PriceProps longTokenPrice; PriceProps shortTokenPrice; }',
  'struct IsPositionLiquidatableInfo { int256 remainingCollateralUsd; int256 minCollateralUsd; int256 minCollateralUsdForLeverage; }',
  'function getAccountPositions(address dataStore, address account, uint256 start, uint256 end) view returns (PositionProps[])',
  'function getMarket(address dataStore, address key) view returns (MarketProps)',
  'function isPositionLiquidatable(address dataStore, address referralStorage, bytes32 positionKey, MarketProps market, MarketPrices prices, bool shouldValidateMinCollateralUsd) view returns (bool, string, IsPositionLiquidatableInfo)',
])

/** Chainlink AggregatorV3 latestRoundData (the devchain's price feeds). */
export const gmxFeedAbi = parseAbi([
  'function latestRoundData() view returns (uint80, int256, uint256, uint256, uint80)',
])
