// SPDX-License-Identifier: MIT
// stacklens devchain: GmxReaderDouble, a TEST DOUBLE of GMX v2's Reader (gmx-synthetics). It is
// NOT GMX's Reader, and there is no DataStore, order flow, keeper or pool behind it.
//
// No gmx-synthetics bytecode can be had on these machines, so this contract answers, with the
// Reader's REAL ABI, the reads the stacklens GMX v2 adapter makes:
//   getAccountPositions(dataStore, account, start, end) -> Position.Props[]
//   getMarkets(dataStore, start, end) -> Market.Props[]
//   getMarket(dataStore, key) -> Market.Props
//   isPositionLiquidatable(dataStore, referralStorage, positionKey, Market.Props, MarketPrices,
//     shouldValidateMinCollateralUsd, forLiquidation) -> (bool, string,
//     PositionUtils.IsPositionLiquidatableInfo)
// The structs are GMX v2.2's (gmx-synthetics since tag v2.2), field for field: Position.Props
// {addresses {account, market, collateralToken}, numbers {sizeInUsd, sizeInTokens,
// collateralAmount, pendingImpactAmount, borrowingFactor, fundingFeeAmountPerSize,
// longTokenClaimableFundingAmountPerSize, shortTokenClaimableFundingAmountPerSize,
// increasedAtTime, decreasedAtTime}, flags {isLong}},
// Market.Props, Price.Props, MarketUtils.MarketPrices, IsPositionLiquidatableInfo. The position
// key is GMX's Position.getPositionKey: keccak256(abi.encode(account, market, collateralToken, isLong)).
// The `dataStore` and `referralStorage` arguments are accepted and ignored (this contract stores
// everything itself). It also answers, as the DataStore it is passed as, the two bytes32 sets GMX
// keeps of positions (data/Keys.sol: POSITION_LIST, and accountPositionListKey(account) =
// keccak256(abi.encode(ACCOUNT_POSITION_LIST, account)), constants keccak256(abi.encode("NAME")))
// through DataStore.getBytes32Count / getBytes32ValuesAt (end clamped to the count), and
// Reader.getPosition(dataStore, key) (an empty Props for a key not in POSITION_LIST).
// Rates: Reader.getMarketInfo(dataStore, prices, marketKey) -> ReaderUtils.MarketInfo (v2.2, 29
// static words: market, borrowingFactorPerSecondForLongs/Shorts, baseFunding, nextFunding
// {longsPayShorts, fundingFactorPerSecond, ...}, virtualInventory, isDisabled), its rates set by the
// admin (setMarketRates; GMX derives them from pool state and the borrowing/funding factors), and
// DataStore.getUint(openInterestKey(market, collateralToken, isLong)) = keccak256(abi.encode(
// OPEN_INTEREST, market, collateralToken, isLong)): the open interest in USD (30 decimals) of the
// positions written, kept as GMX's MarketUtils.applyDeltaToOpenInterest keeps it (+ size on
// increase, - the old size when a position is rewritten), and the market terms GMX keeps in the
// DataStore (MIN_COLLATERAL_USD, MIN_COLLATERAL_FACTOR[_FOR_LIQUIDATION](market),
// MAX_POSITION_IMPACT_FACTOR_FOR_LIQUIDATIONS(market), POSITION_FEE_FACTOR(market, improved)) as
// setMarket / setMarketRates / setMinCollateralUsd write them.
//
// What is the same as GMX (written for stacklens from the documented rule, PositionUtils
// .isPositionLiquidatable): USD values in 30 decimals, prices per raw token unit in 30 decimals;
// the collateral priced by getCachedTokenPrice's order (long-token slot, short-token slot, index
// slot); collateralUsd = collateralAmount * collateralPrice.min; pnl of a long = sizeInTokens *
// indexPrice.min - sizeInUsd, of a short = sizeInUsd - sizeInTokens * indexPrice.max; the impact
// is the close impact plus pendingImpactAmount valued at indexPrice.min when positive and
// indexPrice.max when negative (v2.2); a total >= 0 is not credited at liquidation and a negative
// one is capped at -sizeInUsd * maxPositionImpactFactorForLiquidations / 1e30; remaining =
// collateralUsd + pnl + priceImpact - costs; liquidatable when remaining < MIN_COLLATERAL_USD (if
// validated), or <= 0, or < sizeInUsd * minCollateralFactor / 1e30, with GMX's reason strings.
// `forLiquidation` picks MIN_COLLATERAL_FACTOR_FOR_LIQUIDATION over MIN_COLLATERAL_FACTOR in GMX;
// the double keeps one factor for both (mainnet sets them equal, e.g. 0.5% for ETH and BTC).
//
// What is NOT like GMX: positions are written by the admin (setPosition, or setPendingImpactAmount)
// with their fees and their close price impact given in USD (GMX derives them from borrowing/funding state,
// referral tiers and pool imbalance); no token moves; the pool pnl-to-pool-factor cap is not
// modelled; getPositionInfo / getAccountPositionInfoList (PositionInfo with the full fee
// struct) are not implemented.
pragma solidity 0.8.19;

contract GmxReaderDouble {
  /// GMX Position.Addresses.
  struct PositionAddresses {
    address account;
    address market;
    address collateralToken;
  }

  /// GMX Position.Numbers.
  struct PositionNumbers {
    uint256 sizeInUsd;
    uint256 sizeInTokens;
    uint256 collateralAmount;
    int256 pendingImpactAmount;
    uint256 borrowingFactor;
    uint256 fundingFeeAmountPerSize;
    uint256 longTokenClaimableFundingAmountPerSize;
    uint256 shortTokenClaimableFundingAmountPerSize;
    uint256 increasedAtTime;
    uint256 decreasedAtTime;
  }

  /// GMX Position.Flags.
  struct PositionFlags {
    bool isLong;
  }

  /// GMX Position.Props.
  struct PositionProps {
    PositionAddresses addresses;
    PositionNumbers numbers;
    PositionFlags flags;
  }

  /// GMX Market.Props.
  struct MarketProps {
    address marketToken;
    address indexToken;
    address longToken;
    address shortToken;
  }

  /// GMX Price.Props: USD (30 decimals) per raw unit of the token.
  struct PriceProps {
    uint256 min;
    uint256 max;
  }

  /// GMX MarketUtils.MarketPrices.
  struct MarketPrices {
    PriceProps indexTokenPrice;
    PriceProps longTokenPrice;
    PriceProps shortTokenPrice;
  }

  /// GMX PositionUtils.IsPositionLiquidatableInfo.
  struct IsPositionLiquidatableInfo {
    int256 remainingCollateralUsd;
    int256 minCollateralUsd;
    int256 minCollateralUsdForLeverage;
  }

  /// Double-only: what GMX would derive from fee and pool state, given in USD (30 decimals).
  struct PositionCosts {
    uint256 feesUsd;
    int256 priceImpactUsd;
  }

  /// GMX ReaderUtils.MarketInfo (v2.2) and the structs it holds, field for field.
  struct CollateralType {
    uint256 longToken;
    uint256 shortToken;
  }

  struct PositionType {
    CollateralType long;
    CollateralType short;
  }

  struct BaseFundingValues {
    PositionType fundingFeeAmountPerSize;
    PositionType claimableFundingAmountPerSize;
  }

  struct GetNextFundingAmountPerSizeResult {
    bool longsPayShorts;
    uint256 fundingFactorPerSecond;
    int256 nextSavedFundingFactorPerSecond;
    PositionType fundingFeeAmountPerSizeDelta;
    PositionType claimableFundingAmountPerSizeDelta;
  }

  struct VirtualInventory {
    uint256 virtualPoolAmountForLongToken;
    uint256 virtualPoolAmountForShortToken;
    int256 virtualInventoryForPositions;
  }

  struct MarketInfo {
    MarketProps market;
    uint256 borrowingFactorPerSecondForLongs;
    uint256 borrowingFactorPerSecondForShorts;
    BaseFundingValues baseFunding;
    GetNextFundingAmountPerSizeResult nextFunding;
    VirtualInventory virtualInventory;
    bool isDisabled;
  }

  /// Double-only: a market's rates as the admin sets them (GMX derives them from pool state).
  struct MarketRates {
    uint256 borrowingFactorPerSecondForLongs;
    uint256 borrowingFactorPerSecondForShorts;
    bool longsPayShorts;
    uint256 fundingFactorPerSecond;
    /// POSITION_FEE_FACTOR(market, balanceWasImproved = true / false), 30 decimals.
    uint256 positionFeeFactorImproved;
    uint256 positionFeeFactorWorsened;
  }

  uint256 public constant FLOAT_PRECISION = 1e30;
  /// Keys.OPEN_INTEREST.
  bytes32 public constant OPEN_INTEREST = keccak256(abi.encode("OPEN_INTEREST"));
  mapping(address => MarketRates) public marketRates;
  /// DataStore uints: open interest, and the market terms as GMX's Keys name them.
  mapping(bytes32 => uint256) private uints;

  address public immutable admin;
  uint256 public minCollateralUsd;
  mapping(address => MarketProps) private markets;
  mapping(address => uint256) public minCollateralFactor;
  mapping(address => uint256) public maxPositionImpactFactorForLiquidations;
  mapping(bytes32 => PositionProps) private positions;
  mapping(bytes32 => PositionCosts) public positionCosts;
  mapping(address => bytes32[]) private accountKeys;
  address[] private marketList;
  /// DataStore bytes32 sets: POSITION_LIST and each accountPositionListKey(account).
  mapping(bytes32 => bytes32[]) private bytes32Sets;

  /// Keys.POSITION_LIST and Keys.ACCOUNT_POSITION_LIST.
  bytes32 public constant POSITION_LIST = keccak256(abi.encode("POSITION_LIST"));
  bytes32 public constant ACCOUNT_POSITION_LIST = keccak256(abi.encode("ACCOUNT_POSITION_LIST"));

  constructor(address admin_, uint256 minCollateralUsd_) {
    admin = admin_;
    minCollateralUsd = minCollateralUsd_;
    uints[keccak256(abi.encode("MIN_COLLATERAL_USD"))] = minCollateralUsd_;
  }

  modifier onlyAdmin() {
    require(msg.sender == admin, "GmxReaderDouble: not admin");
    _;
  }

  function setMinCollateralUsd(uint256 value) external onlyAdmin {
    minCollateralUsd = value;
    uints[keccak256(abi.encode("MIN_COLLATERAL_USD"))] = value;
  }

  /// GMX Keys' market-scoped keys: keccak256(abi.encode(keccak256(abi.encode(NAME)), market)).
  function marketKey(string memory name, address market) internal pure returns (bytes32) {
    return keccak256(abi.encode(keccak256(abi.encode(name)), market));
  }

  function setMarket(
    MarketProps calldata market,
    uint256 minCollateralFactor_,
    uint256 maxPositionImpactFactorForLiquidations_
  ) external onlyAdmin {
    if (markets[market.marketToken].marketToken == address(0)) marketList.push(market.marketToken);
    markets[market.marketToken] = market;
    minCollateralFactor[market.marketToken] = minCollateralFactor_;
    maxPositionImpactFactorForLiquidations[market.marketToken] = maxPositionImpactFactorForLiquidations_;
    // One factor for both (see the header): MIN_COLLATERAL_FACTOR and ..._FOR_LIQUIDATION.
    uints[marketKey("MIN_COLLATERAL_FACTOR", market.marketToken)] = minCollateralFactor_;
    uints[marketKey("MIN_COLLATERAL_FACTOR_FOR_LIQUIDATION", market.marketToken)] = minCollateralFactor_;
    uints[marketKey("MAX_POSITION_IMPACT_FACTOR_FOR_LIQUIDATIONS", market.marketToken)] =
      maxPositionImpactFactorForLiquidations_;
  }

  /// Double-only: the rates getMarketInfo answers for `market` (per second, 30 decimals).
  function setMarketRates(address market, MarketRates calldata rates) external onlyAdmin {
    require(markets[market].marketToken != address(0), "GmxReaderDouble: unknown market");
    marketRates[market] = rates;
    bytes32 fee = keccak256(abi.encode("POSITION_FEE_FACTOR"));
    uints[keccak256(abi.encode(fee, market, true))] = rates.positionFeeFactorImproved;
    uints[keccak256(abi.encode(fee, market, false))] = rates.positionFeeFactorWorsened;
  }

  /// GMX Keys.openInterestKey.
  function openInterestKey(address market, address collateralToken, bool isLong) public pure returns (bytes32) {
    return keccak256(abi.encode(OPEN_INTEREST, market, collateralToken, isLong));
  }

  /// GMX DataStore.getUint (the open interest keys; 0 for any other key).
  function getUint(bytes32 key) external view returns (uint256) {
    return uints[key];
  }

  /// GMX Reader.getMarketInfo (v2.2): the market and its rates; `prices` is accepted and ignored.
  function getMarketInfo(address, MarketPrices calldata, address marketKey) external view returns (MarketInfo memory info) {
    MarketProps memory m = markets[marketKey];
    require(m.marketToken != address(0), "GmxReaderDouble: unknown market");
    MarketRates memory r = marketRates[marketKey];
    info.market = m;
    info.borrowingFactorPerSecondForLongs = r.borrowingFactorPerSecondForLongs;
    info.borrowingFactorPerSecondForShorts = r.borrowingFactorPerSecondForShorts;
    info.nextFunding.longsPayShorts = r.longsPayShorts;
    info.nextFunding.fundingFactorPerSecond = r.fundingFactorPerSecond;
  }

  /// GMX Position.getPositionKey.
  function getPositionKey(
    address account,
    address market,
    address collateralToken,
    bool isLong
  ) public pure returns (bytes32) {
    return keccak256(abi.encode(account, market, collateralToken, isLong));
  }

  function setPosition(
    address account,
    address market,
    address collateralToken,
    bool isLong,
    uint256 sizeInUsd,
    uint256 sizeInTokens,
    uint256 collateralAmount,
    uint256 feesUsd,
    int256 priceImpactUsd
  ) external onlyAdmin returns (bytes32 key) {
    require(markets[market].marketToken != address(0), "GmxReaderDouble: unknown market");
    key = getPositionKey(account, market, collateralToken, isLong);
    if (positions[key].addresses.account == address(0)) {
      accountKeys[account].push(key);
      bytes32Sets[POSITION_LIST].push(key);
      bytes32Sets[accountPositionListKey(account)].push(key);
    }
    PositionProps storage p = positions[key];
    bytes32 oiKey = openInterestKey(market, collateralToken, isLong);
    uints[oiKey] = uints[oiKey] - p.numbers.sizeInUsd + sizeInUsd;
    p.addresses = PositionAddresses(account, market, collateralToken);
    p.numbers.sizeInUsd = sizeInUsd;
    p.numbers.sizeInTokens = sizeInTokens;
    p.numbers.collateralAmount = collateralAmount;
    p.numbers.increasedAtTime = block.timestamp;
    p.flags.isLong = isLong;
    positionCosts[key] = PositionCosts(feesUsd, priceImpactUsd);
  }

  /// Double-only: the v2.2 pending impact of a position, signed raw index-token units.
  function setPendingImpactAmount(bytes32 key, int256 amount) external onlyAdmin {
    require(positions[key].addresses.account != address(0), "GmxReaderDouble: EmptyPosition");
    positions[key].numbers.pendingImpactAmount = amount;
  }

  /// Keys.accountPositionListKey.
  function accountPositionListKey(address account) public pure returns (bytes32) {
    return keccak256(abi.encode(ACCOUNT_POSITION_LIST, account));
  }

  /// DataStore.getBytes32Count.
  function getBytes32Count(bytes32 setKey) external view returns (uint256) {
    return bytes32Sets[setKey].length;
  }

  /// DataStore.getBytes32ValuesAt: [start, end) clamped to the count (insertion order here).
  function getBytes32ValuesAt(bytes32 setKey, uint256 start, uint256 end) external view returns (bytes32[] memory result) {
    bytes32[] storage set = bytes32Sets[setKey];
    if (end > set.length) end = set.length;
    if (start >= end) return new bytes32[](0);
    result = new bytes32[](end - start);
    for (uint256 i = start; i < end; i++) result[i - start] = set[i];
  }

  /// Reader.getPosition: the stored Props (all zero for a key not in POSITION_LIST).
  function getPosition(address, bytes32 key) external view returns (PositionProps memory) {
    return positions[key];
  }

  /// Reader.getMarkets (MarketStoreUtils order: insertion).
  function getMarkets(address, uint256 start, uint256 end) external view returns (MarketProps[] memory result) {
    if (end > marketList.length) end = marketList.length;
    if (start >= end) return new MarketProps[](0);
    result = new MarketProps[](end - start);
    for (uint256 i = start; i < end; i++) result[i - start] = markets[marketList[i]];
  }

  /// Reader.getAccountPositions (PositionStoreUtils order: insertion).
  function getAccountPositions(
    address,
    address account,
    uint256 start,
    uint256 end
  ) external view returns (PositionProps[] memory result) {
    bytes32[] storage keys = accountKeys[account];
    if (end > keys.length) end = keys.length;
    if (start >= end) return new PositionProps[](0);
    result = new PositionProps[](end - start);
    for (uint256 i = start; i < end; i++) result[i - start] = positions[keys[i]];
  }

  /// Reader.getMarket.
  function getMarket(address, address key) external view returns (MarketProps memory) {
    return markets[key];
  }

  /// Reader.isPositionLiquidatable, per PositionUtils.isPositionLiquidatable (see the header).
  function isPositionLiquidatable(
    address,
    address,
    bytes32 positionKey,
    MarketProps memory market,
    MarketPrices memory prices,
    bool shouldValidateMinCollateralUsd,
    bool /* forLiquidation: one factor for both checks here */
  ) external view returns (bool, string memory, IsPositionLiquidatableInfo memory info) {
    PositionProps storage p = positions[positionKey];
    require(p.addresses.account != address(0), "GmxReaderDouble: EmptyPosition");
    PriceProps memory collateralPrice = p.addresses.collateralToken == market.longToken
      ? prices.longTokenPrice
      : p.addresses.collateralToken == market.shortToken
        ? prices.shortTokenPrice
        : prices.indexTokenPrice;
    int256 collateralUsd = int256(p.numbers.collateralAmount * collateralPrice.min);
    int256 pnl;
    if (p.flags.isLong) {
      pnl = int256(p.numbers.sizeInTokens * prices.indexTokenPrice.min) - int256(p.numbers.sizeInUsd);
    } else {
      pnl = int256(p.numbers.sizeInUsd) - int256(p.numbers.sizeInTokens * prices.indexTokenPrice.max);
    }
    PositionCosts memory costs = positionCosts[positionKey];
    int256 pending = p.numbers.pendingImpactAmount;
    int256 impact = costs.priceImpactUsd +
      pending * int256(pending > 0 ? prices.indexTokenPrice.min : prices.indexTokenPrice.max);
    if (impact > 0) impact = 0;
    int256 maxNegative = -int256(
      (p.numbers.sizeInUsd * maxPositionImpactFactorForLiquidations[p.addresses.market]) / FLOAT_PRECISION
    );
    if (impact < maxNegative) impact = maxNegative;
    info.remainingCollateralUsd = collateralUsd + pnl + impact - int256(costs.feesUsd);
    info.minCollateralUsd = int256(minCollateralUsd);
    info.minCollateralUsdForLeverage = int256(
      (p.numbers.sizeInUsd * minCollateralFactor[p.addresses.market]) / FLOAT_PRECISION
    );
    if (shouldValidateMinCollateralUsd && info.remainingCollateralUsd < info.minCollateralUsd) {
      return (true, "min collateral", info);
    }
    if (info.remainingCollateralUsd <= 0) return (true, "< 0", info);
    if (info.remainingCollateralUsd < info.minCollateralUsdForLeverage) {
      return (true, "min collateral for leverage", info);
    }
    return (false, "", info);
  }
}
