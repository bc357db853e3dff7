// SPDX-License-Identifier: MIT
// stacklens devchain: TEST DOUBLES of a Pendle PT, its market's views and the PendlePYLpOracle. No Pendle bytecode can
// be had here (its npm package ships no artifacts), so these answer only the reads stacklens
// makes, with Pendle's real ABI: PendleMarket.readState(router) (the MarketState struct, whose
// lastLnImpliedRate is the market's ln(1 + implied yield), WAD), readTokens(), expiry(),
// isExpired(); the PT's SY(), YT(), expiry(), isExpired(). There is no AMM: the implied rate is
// set by the admin (as a trade would move it), totals are what the admin stored, the router
// argument changes nothing (the real market only overrides its fee with it). The oracle double
// answers a rate the admin set, not a TWAP.
pragma solidity 0.8.19;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";

/** A PT stand-in: a plain ERC-20 (open mint, like the devchain's test tokens) with a PT's views. */
contract PendlePtDouble is ERC20 {
  address public immutable SY;
  address public immutable YT;
  uint256 public immutable expiry;
  uint8 private immutable _decimals;

  constructor(string memory name_, string memory symbol_, uint8 decimals_, address sy_, uint256 expiry_)
    ERC20(name_, symbol_)
  {
    _decimals = decimals_;
    SY = sy_;
    YT = address(0);
    expiry = expiry_;
  }

  function decimals() public view override returns (uint8) {
    return _decimals;
  }

  function isExpired() external view returns (bool) {
    return block.timestamp >= expiry;
  }

  function mint(address to, uint256 amount) external {
    _mint(to, amount);
  }
}

/** A PendleMarket stand-in: its views, state set by the admin. */
contract PendleMarketDouble {
  struct MarketState {
    int256 totalPt;
    int256 totalSy;
    int256 totalLp;
    address treasury;
    int256 scalarRoot;
    uint256 expiry;
    uint256 lnFeeRateRoot;
    uint256 reserveFeePercent;
    uint256 lastLnImpliedRate;
  }

  address public immutable admin;
  address public immutable SY;
  address public immutable PT;
  uint256 public immutable expiry;
  uint256 public lastLnImpliedRate;

  constructor(address admin_, address sy_, address pt_, uint256 expiry_, uint256 lnImpliedRate_) {
    admin = admin_;
    SY = sy_;
    PT = pt_;
    expiry = expiry_;
    lastLnImpliedRate = lnImpliedRate_;
  }

  /** Moves the implied rate (WAD, ln(1 + y)), as a trade on the real AMM would. */
  function setLnImpliedRate(uint256 lnImpliedRate_) external {
    require(msg.sender == admin, "PendleMarketDouble: not admin");
    lastLnImpliedRate = lnImpliedRate_;
  }

  function readState(address) external view returns (MarketState memory market) {
    market.expiry = expiry;
    market.lastLnImpliedRate = lastLnImpliedRate;
  }

  function readTokens() external view returns (address, address, address) {
    return (SY, PT, address(0));
  }

  function isExpired() external view returns (bool) {
    return block.timestamp >= expiry;
  }
}

/**
 * A PendlePYLpOracle stand-in: getPtToAssetRate(market, duration) answers the rate the admin set
 * for the market (1e18 = 1 asset per PT, raw units) instead of a TWAP of the market's
 * observations; it reverts for a market without a rate or a zero duration, as the real oracle
 * reverts when the market's observations do not reach back `duration`.
 */
contract PendlePYLpOracleDouble {
  address public immutable admin;
  mapping(address => uint256) public ptToAssetRate;

  constructor(address admin_) {
    admin = admin_;
  }

  function setPtToAssetRate(address market, uint256 rate) external {
    require(msg.sender == admin, "PendlePYLpOracleDouble: not admin");
    ptToAssetRate[market] = rate;
  }

  function getPtToAssetRate(address market, uint32 duration) external view returns (uint256) {
    uint256 rate = ptToAssetRate[market];
    require(duration > 0 && rate > 0, "PendlePYLpOracleDouble: no rate");
    return rate;
  }
}
