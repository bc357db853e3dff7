// SPDX-License-Identifier: MIT
// stacklens devchain: a Morpho Blue oracle (IOracle.price()) built from two USD feeds, so one
// SettablePriceFeed move reprices Aave and Morpho together. price() is the value of 1 collateral
// unit in loan units, scaled by 1e36 (Morpho's ORACLE_PRICE_SCALE convention):
// price = collateralUsd / loanUsd * 10^(36 + loanDecimals - collateralDecimals).
pragma solidity 0.8.19;

interface IUsdFeed {
  function latestAnswer() external view returns (int256);
  function decimals() external view returns (uint8);
}

contract FeedRatioOracle {
  IUsdFeed public immutable collateralFeed;
  IUsdFeed public immutable loanFeed;
  uint256 public immutable scale;

  constructor(IUsdFeed collateralFeed_, IUsdFeed loanFeed_, uint8 collateralDecimals, uint8 loanDecimals) {
    collateralFeed = collateralFeed_;
    loanFeed = loanFeed_;
    // price = (c / 10^cFeedDec) / (l / 10^lFeedDec) * 10^(36 + loanDec - collDec) = c * scale / l
    scale = 10 **
      (36 + uint256(loanDecimals) + uint256(loanFeed_.decimals()) - uint256(collateralDecimals) -
        uint256(collateralFeed_.decimals()));
  }

  function price() external view returns (uint256) {
    int256 c = collateralFeed.latestAnswer();
    int256 l = loanFeed.latestAnswer();
    require(c > 0 && l > 0, "FeedRatioOracle: bad feed");
    return (uint256(c) * scale) / uint256(l);
  }
}
