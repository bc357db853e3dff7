// SPDX-License-Identifier: MIT
// stacklens devchain: CometDouble, a TEST DOUBLE of Compound v3's Comet. It is NOT Comet.
//
// No Comet bytecode can be had on these machines, so this contract stands in for one Comet
// (cUSDCv3-like) and answers, with Comet's REAL ABI, every read the stacklens Compound v3 adapter
// makes: baseToken(), baseTokenPriceFeed(), numAssets(), decimals(), baseScale(),
// getAssetInfo(uint8) -> AssetInfo, getAssetInfoByAddress(address), getPrice(address),
// totalsBasic() -> TotalsBasic, userBasic(address), userCollateral(address,address),
// totalsCollateral(address), collateralBalanceOf(address,address), balanceOf(address),
// borrowBalanceOf(address), isLiquidatable(address), isBorrowCollateralized(address), and
// Comet's custom errors (BadAsset, BadPrice, ...).
//
// What is the same as Comet (written for stacklens from the documented rules; the functions it
// mirrors are named at each place): the integer math and rounding of isLiquidatable and
// isBorrowCollateralized (presentValue with the STORED indexes, signedMulPrice, mulPrice,
// mulFactor, the assetsIn bit vector and its early exit), principal/present value conversions
// (principalValueBorrow rounds up, principalValueSupply down), the 4-decimal storage of
// collateral factors and whole-unit supply caps (getPackedAssetInternal), getPrice's
// latestRoundData read that rejects prices <= 0, and balanceOf/borrowBalanceOf accruing interest
// to block.timestamp from the stored indexes (accruedInterestIndices).
//
// What is NOT like Comet: no token ever moves. Positions are seeded by the governor with
// setCollateral / setBorrowBalance / setSupplyBalance, which write balances directly (no
// transferFrom, no reserves, no borrowMin, no pause flags). Interest uses two flat per-second
// rates set by the governor instead of Comet's utilization kink curves. Assets are added by the
// governor after deployment (Comet fixes them at construction). There is no absorb, buyCollateral,
// rewards or tracking. Collateral balances are uint128 like Comet's. The setters emit Comet's own
// discovery events for the change they make, as the real entry points would (Supply / Withdraw of
// base from and to the account itself, SupplyCollateral / WithdrawCollateral of the delta), so a
// borrower enumeration from Comet's events (Withdraw.src) works on the double as on Comet.
pragma solidity 0.8.19;

interface ICometDoubleFeed {
  function decimals() external view returns (uint8);

  function latestRoundData() external view returns (uint80, int256, uint256, uint256, uint80);
}

interface ICometDoubleToken {
  function decimals() external view returns (uint8);
}

contract CometDouble {
  /// Comet's CometCore.AssetInfo, field for field.
  struct AssetInfo {
    uint8 offset;
    address asset;
    address priceFeed;
    uint64 scale;
    uint64 borrowCollateralFactor;
    uint64 liquidateCollateralFactor;
    uint64 liquidationFactor;
    uint128 supplyCap;
  }

  /// Comet's CometStorage.TotalsBasic, field for field (what CometExt.totalsBasic() returns).
  struct TotalsBasic {
    uint64 baseSupplyIndex;
    uint64 baseBorrowIndex;
    uint64 trackingSupplyIndex;
    uint64 trackingBorrowIndex;
    uint104 totalSupplyBase;
    uint104 totalBorrowBase;
    uint40 lastAccrualTime;
    uint8 pauseFlags;
  }

  /// Comet's CometStorage.UserBasic (so the public getter has Comet's userBasic ABI).
  struct UserBasic {
    int104 principal;
    uint64 baseTrackingIndex;
    uint64 baseTrackingAccrued;
    uint16 assetsIn;
    uint8 _reserved;
  }

  /// Comet's CometStorage.UserCollateral.
  struct UserCollateral {
    uint128 balance;
    uint128 _reserved;
  }

  /// Comet's CometStorage.TotalsCollateral.
  struct TotalsCollateral {
    uint128 totalSupplyAsset;
    uint128 _reserved;
  }

  error Absurd();
  error BadAsset();
  error BadDecimals();
  error BadPrice();
  error BorrowCFTooLarge();
  error LiquidateCFTooLarge();
  error SupplyCapExceeded();
  error TooManyAssets();
  error Unauthorized();
  error InvalidUInt64();
  error InvalidUInt104();
  error InvalidInt104();
  error InvalidInt256();

  event DoubleCollateralSet(address indexed account, address indexed asset, uint128 balance);
  event DoublePrincipalSet(address indexed account, int104 principal);
  /// Comet's events (CometMainInterface), emitted by the setters for the change they make.
  event Supply(address indexed from, address indexed dst, uint256 amount);
  event Withdraw(address indexed src, address indexed to, uint256 amount);
  event SupplyCollateral(address indexed from, address indexed dst, address indexed asset, uint256 amount);
  event WithdrawCollateral(address indexed src, address indexed to, address indexed asset, uint256 amount);

  /// CometCore.MAX_ASSETS (the assetsIn bit vector is 16 bits wide).
  uint8 internal constant MAX_ASSETS = 15;
  /// CometCore.FACTOR_SCALE.
  uint64 internal constant FACTOR_SCALE = 1e18;
  /// CometCore.BASE_INDEX_SCALE.
  uint64 internal constant BASE_INDEX_SCALE = 1e15;
  /// CometCore.PRICE_FEED_DECIMALS and PRICE_SCALE.
  uint8 internal constant PRICE_FEED_DECIMALS = 8;
  uint64 internal constant PRICE_SCALE = 1e8;
  /// Factors are stored with 4 decimals (getPackedAssetInternal's descale).
  uint64 internal constant FACTOR_DESCALE = FACTOR_SCALE / 1e4;

  address public immutable governor;
  address public immutable baseToken;
  address public immutable baseTokenPriceFeed;
  uint8 public immutable decimals;
  uint256 public immutable baseScale;
  string public name;
  string public symbol;

  uint8 public numAssets;
  AssetInfo[] internal assetList;

  uint64 internal baseSupplyIndex;
  uint64 internal baseBorrowIndex;
  uint104 internal totalSupplyBase;
  uint104 internal totalBorrowBase;
  uint40 internal lastAccrualTime;
  /// Flat interest rates, per second, FACTOR_SCALE (the double's stand-in for Comet's curves).
  uint64 public supplyPerSecondInterestRate;
  uint64 public borrowPerSecondInterestRate;

  mapping(address => TotalsCollateral) public totalsCollateral;
  mapping(address => UserBasic) public userBasic;
  mapping(address => mapping(address => UserCollateral)) public userCollateral;

  modifier onlyGovernor() {
    if (msg.sender != governor) revert Unauthorized();
    _;
  }

  constructor(
    address governor_,
    address baseToken_,
    address baseTokenPriceFeed_,
    string memory name_,
    string memory symbol_
  ) {
    if (ICometDoubleFeed(baseTokenPriceFeed_).decimals() != PRICE_FEED_DECIMALS) revert BadDecimals();
    uint8 decimals_ = ICometDoubleToken(baseToken_).decimals();
    if (decimals_ > 18) revert BadDecimals();
    governor = governor_;
    baseToken = baseToken_;
    baseTokenPriceFeed = baseTokenPriceFeed_;
    decimals = decimals_;
    baseScale = 10 ** decimals_;
    name = name_;
    symbol = symbol_;
    baseSupplyIndex = BASE_INDEX_SCALE;
    baseBorrowIndex = BASE_INDEX_SCALE;
    lastAccrualTime = uint40(block.timestamp);
  }

  // ---------------------------------------------------------------- governor (seeding only)

  /**
   * Lists a collateral asset at the next offset, with Comet's checks and storage precision
   * (getPackedAssetInternal): 8-decimal feed, borrowCF < liquidateCF <= 1, factors kept to
   * 4 decimals, supply cap kept in whole units.
   */
  function addAsset(
    address asset,
    address priceFeed,
    uint64 borrowCollateralFactor,
    uint64 liquidateCollateralFactor,
    uint64 liquidationFactor,
    uint128 supplyCap
  ) external onlyGovernor {
    if (numAssets >= MAX_ASSETS) revert TooManyAssets();
    if (ICometDoubleFeed(priceFeed).decimals() != PRICE_FEED_DECIMALS) revert BadDecimals();
    uint8 assetDecimals = ICometDoubleToken(asset).decimals();
    if (assetDecimals > 18) revert BadDecimals();
    if (borrowCollateralFactor >= liquidateCollateralFactor) revert BorrowCFTooLarge();
    if (liquidateCollateralFactor > FACTOR_SCALE) revert LiquidateCFTooLarge();
    uint64 bcf = (borrowCollateralFactor / FACTOR_DESCALE) * FACTOR_DESCALE;
    uint64 lcf = (liquidateCollateralFactor / FACTOR_DESCALE) * FACTOR_DESCALE;
    if (bcf >= lcf) revert BorrowCFTooLarge();
    uint64 scale = uint64(10 ** assetDecimals);
    assetList.push(
      AssetInfo({
        offset: numAssets,
        asset: asset,
        priceFeed: priceFeed,
        scale: scale,
        borrowCollateralFactor: bcf,
        liquidateCollateralFactor: lcf,
        liquidationFactor: (liquidationFactor / FACTOR_DESCALE) * FACTOR_DESCALE,
        supplyCap: (supplyCap / scale) * scale
      })
    );
    numAssets += 1;
  }

  /** Points an asset at another price feed (what a governance updateAssetPriceFeed does). */
  function setAssetPriceFeed(uint8 i, address priceFeed) external onlyGovernor {
    if (i >= numAssets) revert BadAsset();
    if (ICometDoubleFeed(priceFeed).decimals() != PRICE_FEED_DECIMALS) revert BadDecimals();
    assetList[i].priceFeed = priceFeed;
  }

  /** Sets the flat per-second rates (FACTOR_SCALE), accruing to now at the old ones first. */
  function setInterestRates(uint64 supplyPerSecond, uint64 borrowPerSecond) external onlyGovernor {
    accrueInternal();
    supplyPerSecondInterestRate = supplyPerSecond;
    borrowPerSecondInterestRate = borrowPerSecond;
  }

  /**
   * Writes `account`'s collateral balance of `asset` (raw units). No token moves. Keeps the
   * assetsIn bit vector and the totals exactly as Comet's supplyCollateral/withdrawCollateral do
   * (updateAssetsIn), and enforces the supply cap.
   */
  function setCollateral(address account, address asset, uint128 balance) external onlyGovernor {
    AssetInfo memory info = getAssetInfoByAddress(asset);
    uint128 previous = userCollateral[account][asset].balance;
    uint128 total = totalsCollateral[asset].totalSupplyAsset - previous + balance;
    if (total > info.supplyCap) revert SupplyCapExceeded();
    totalsCollateral[asset].totalSupplyAsset = total;
    userCollateral[account][asset].balance = balance;
    if (previous == 0 && balance != 0) {
      userBasic[account].assetsIn |= uint16(1) << info.offset;
    } else if (previous != 0 && balance == 0) {
      userBasic[account].assetsIn &= ~(uint16(1) << info.offset);
    }
    emit DoubleCollateralSet(account, asset, balance);
    if (balance > previous) emit SupplyCollateral(account, account, asset, balance - previous);
    if (balance < previous) emit WithdrawCollateral(account, account, asset, previous - balance);
  }

  /**
   * Makes `account` owe `amount` of base now (raw units): accrues, then stores the borrow
   * principal rounded up as Comet's principalValueBorrow does. No token moves.
   */
  function setBorrowBalance(address account, uint256 amount) external onlyGovernor {
    accrueInternal();
    uint104 principal = safe104((amount * BASE_INDEX_SCALE + baseBorrowIndex - 1) / baseBorrowIndex);
    setPrincipal(account, -signed104(principal));
    // A borrow on Comet is a withdraw of base beyond the supply balance (Withdraw.src is the borrower).
    emit Withdraw(account, account, amount);
  }

  /**
   * Makes `account` supply `amount` of base now (raw units): accrues, then stores the supply
   * principal rounded down as Comet's principalValueSupply does. No token moves.
   */
  function setSupplyBalance(address account, uint256 amount) external onlyGovernor {
    accrueInternal();
    uint104 principal = safe104((amount * BASE_INDEX_SCALE) / baseSupplyIndex);
    setPrincipal(account, signed104(principal));
    emit Supply(account, account, amount);
  }

  // ---------------------------------------------------------------- Comet's public reads

  /** Comet.getAssetInfo: reverts BadAsset past numAssets. */
  function getAssetInfo(uint8 i) public view returns (AssetInfo memory) {
    if (i >= numAssets) revert BadAsset();
    return assetList[i];
  }

  /** Comet.getAssetInfoByAddress. */
  function getAssetInfoByAddress(address asset) public view returns (AssetInfo memory) {
    for (uint8 i = 0; i < numAssets; i++) {
      if (assetList[i].asset == asset) return assetList[i];
    }
    revert BadAsset();
  }

  /** Comet.getPrice: the feed's latestRoundData answer (8 decimals); a price <= 0 reverts. */
  function getPrice(address priceFeed) public view returns (uint256) {
    (, int256 price, , , ) = ICometDoubleFeed(priceFeed).latestRoundData();
    if (price <= 0) revert BadPrice();
    return uint256(price);
  }

  /** CometExt.totalsBasic: the STORED indexes and totals (not accrued to now). */
  function totalsBasic() external view returns (TotalsBasic memory) {
    return
      TotalsBasic({
        baseSupplyIndex: baseSupplyIndex,
        baseBorrowIndex: baseBorrowIndex,
        trackingSupplyIndex: 0,
        trackingBorrowIndex: 0,
        totalSupplyBase: totalSupplyBase,
        totalBorrowBase: totalBorrowBase,
        lastAccrualTime: lastAccrualTime,
        pauseFlags: 0
      });
  }

  /** CometExt.collateralBalanceOf. */
  function collateralBalanceOf(address account, address asset) external view returns (uint128) {
    return userCollateral[account][asset].balance;
  }

  /** CometExt constants. */
  function baseIndexScale() external pure returns (uint64) {
    return BASE_INDEX_SCALE;
  }

  function factorScale() external pure returns (uint64) {
    return FACTOR_SCALE;
  }

  function priceScale() external pure returns (uint64) {
    return PRICE_SCALE;
  }

  function maxAssets() external pure returns (uint8) {
    return MAX_ASSETS;
  }

  /** Identifies the double (Comet's CometExt.version() answers a version number). */
  function version() external pure returns (string memory) {
    return "stacklens CometDouble 1 (test double, not Comet)";
  }

  /** Comet.balanceOf: the present supply balance at block.timestamp (accrued), or 0. */
  function balanceOf(address account) public view returns (uint256) {
    (uint64 supplyIndex, ) = accruedInterestIndices(block.timestamp - lastAccrualTime);
    int104 principal = userBasic[account].principal;
    return principal > 0 ? (uint256(uint104(principal)) * supplyIndex) / BASE_INDEX_SCALE : 0;
  }

  /** Comet.borrowBalanceOf: the present borrow balance at block.timestamp (accrued), or 0. */
  function borrowBalanceOf(address account) public view returns (uint256) {
    (, uint64 borrowIndex) = accruedInterestIndices(block.timestamp - lastAccrualTime);
    int104 principal = userBasic[account].principal;
    return principal < 0 ? (uint256(uint104(-principal)) * borrowIndex) / BASE_INDEX_SCALE : 0;
  }

  /** Comet.totalSupply / totalBorrow (accrued). */
  function totalSupply() external view returns (uint256) {
    (uint64 supplyIndex, ) = accruedInterestIndices(block.timestamp - lastAccrualTime);
    return (uint256(totalSupplyBase) * supplyIndex) / BASE_INDEX_SCALE;
  }

  function totalBorrow() external view returns (uint256) {
    (, uint64 borrowIndex) = accruedInterestIndices(block.timestamp - lastAccrualTime);
    return (uint256(totalBorrowBase) * borrowIndex) / BASE_INDEX_SCALE;
  }

  /** Comet.accrueAccount: writes the accrued indexes (anyone may call it, as on Comet). */
  function accrueAccount(address) external {
    accrueInternal();
  }

  /**
   * Comet.isLiquidatable: with principal < 0, liquidity starts at signedMulPrice(presentValue
   * (principal), getPrice(baseTokenPriceFeed), baseScale) using the STORED borrow index, and each
   * asset in assetsIn adds mulFactor(mulPrice(balance, getPrice(feed), scale), liquidateCF); the
   * loop returns false as soon as liquidity >= 0 before an asset. Liquidatable when liquidity < 0.
   */
  function isLiquidatable(address account) public view returns (bool) {
    return accountLiquidity(account, true) < 0;
  }

  /** Comet.isBorrowCollateralized: the same sum with borrowCollateralFactor; true when >= 0. */
  function isBorrowCollateralized(address account) public view returns (bool) {
    return accountLiquidity(account, false) >= 0;
  }

  // ---------------------------------------------------------------- internals

  /**
   * The liquidity both checks compare with zero, in price units (8 decimals). Returns 0 (neither
   * liquidatable nor uncollateralized) when the account does not borrow, and stops at the first
   * asset reached with liquidity already >= 0, as Comet's loops do.
   */
  function accountLiquidity(address account, bool liquidation) internal view returns (int256) {
    UserBasic memory basic = userBasic[account];
    if (basic.principal >= 0) return 0;
    uint256 owed = (uint256(uint104(-basic.principal)) * baseBorrowIndex) / BASE_INDEX_SCALE;
    // signedMulPrice(-owed, price, baseScale): Solidity's signed division truncates toward zero.
    int256 liquidity = (-signed256(owed) * signed256(getPrice(baseTokenPriceFeed))) / int256(baseScale);
    for (uint8 i = 0; i < numAssets; i++) {
      if (basic.assetsIn & (uint16(1) << i) == 0) continue;
      if (liquidity >= 0) return liquidity;
      AssetInfo memory info = assetList[i];
      uint256 value = (uint256(userCollateral[account][info.asset].balance) * getPrice(info.priceFeed)) /
        info.scale;
      uint64 factor = liquidation ? info.liquidateCollateralFactor : info.borrowCollateralFactor;
      liquidity += signed256((value * factor) / FACTOR_SCALE);
    }
    return liquidity;
  }

  /** Comet.accruedInterestIndices, with the double's flat rates. */
  function accruedInterestIndices(uint256 timeElapsed) internal view returns (uint64, uint64) {
    uint64 supplyIndex = baseSupplyIndex;
    uint64 borrowIndex = baseBorrowIndex;
    if (timeElapsed > 0) {
      supplyIndex += safe64((uint256(supplyIndex) * supplyPerSecondInterestRate * timeElapsed) / FACTOR_SCALE);
      borrowIndex += safe64((uint256(borrowIndex) * borrowPerSecondInterestRate * timeElapsed) / FACTOR_SCALE);
    }
    return (supplyIndex, borrowIndex);
  }

  /** Comet.accrueInternal (indexes only). */
  function accrueInternal() internal {
    uint256 elapsed = block.timestamp - lastAccrualTime;
    if (elapsed > 0) {
      (baseSupplyIndex, baseBorrowIndex) = accruedInterestIndices(elapsed);
      lastAccrualTime = uint40(block.timestamp);
    }
  }

  /** Stores a new principal and keeps the supply/borrow principal totals (updateBasePrincipal). */
  function setPrincipal(address account, int104 principal) internal {
    int104 old = userBasic[account].principal;
    if (old > 0) totalSupplyBase -= uint104(old);
    if (old < 0) totalBorrowBase -= uint104(-old);
    if (principal > 0) totalSupplyBase += uint104(principal);
    if (principal < 0) totalBorrowBase += uint104(-principal);
    userBasic[account].principal = principal;
    emit DoublePrincipalSet(account, principal);
  }

  function safe64(uint256 n) internal pure returns (uint64) {
    if (n > type(uint64).max) revert InvalidUInt64();
    return uint64(n);
  }

  function safe104(uint256 n) internal pure returns (uint104) {
    if (n > type(uint104).max) revert InvalidUInt104();
    return uint104(n);
  }

  function signed104(uint104 n) internal pure returns (int104) {
    if (n > uint104(type(int104).max)) revert InvalidInt104();
    return int104(n);
  }

  function signed256(uint256 n) internal pure returns (int256) {
    if (n > uint256(type(int256).max)) revert InvalidInt256();
    return int256(n);
  }
}
