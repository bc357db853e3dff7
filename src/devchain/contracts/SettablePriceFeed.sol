// SPDX-License-Identifier: MIT
// stacklens devchain: a Chainlink-style price feed whose answer the admin can move.
// Aave's AaveOracle reads latestAnswer(); UiPoolDataProviderV3 also reads decimals().
pragma solidity 0.8.19;

contract SettablePriceFeed {
  address public immutable admin;
  uint8 public immutable decimals;
  string public description;
  int256 public latestAnswer;
  uint256 public latestTimestamp;
  uint80 public latestRound;

  event AnswerUpdated(int256 indexed current, uint256 indexed roundId, uint256 updatedAt);

  constructor(address admin_, uint8 decimals_, string memory description_, int256 answer_) {
    admin = admin_;
    decimals = decimals_;
    description = description_;
    _set(answer_);
  }

  function setAnswer(int256 answer_) external {
    require(msg.sender == admin, "SettablePriceFeed: not admin");
    _set(answer_);
  }

  function latestRoundData() external view returns (uint80, int256, uint256, uint256, uint80) {
    return (latestRound, latestAnswer, latestTimestamp, latestTimestamp, latestRound);
  }

  function _set(int256 answer_) private {
    latestAnswer = answer_;
    latestTimestamp = block.timestamp;
    latestRound += 1;
    emit AnswerUpdated(answer_, latestRound, block.timestamp);
  }
}
